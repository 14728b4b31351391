"""What a cell sees: the receptive field of a clicked cell lit on every stage before it (a cone through the
network), with the ``r, j, start`` arithmetic beside it. Works on any list of stages run through the layer
kinds (:data:`visualizer.layers.KINDS`): the network view's stack, and any model run the same way."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import streamlit as st

from visualizer.figures import style
from visualizer.figures.receptive import CHOSEN, LIT, cone_figure, field_boxes, hover_fields
from visualizer.network import Stage
from visualizer.receptive import (
    MAX_FIELD_TABLE_WORK,
    FieldStep,
    chain_reads,
    field_table,
    field_table_work,
    spec_windows,
    stack_arithmetic,
    stack_cone,
)
from visualizer.text import md_text

from .player import cone_chart

FIELD = "net_field"  # [stage, row, col]: the cell whose field is lit (kept in session state, no widget owns it)
FIELD_CHART = "net_field_chart"
FIGURE_PX = 900  # the cone is drawn for about this width (the page's main column on a laptop)


def default_cell(shapes: Sequence[Sequence[int]]) -> tuple[int, int, int]:
    """The last stage's middle cell: on the founding chain, the 1x1x6 output, which sees the whole input."""
    h, w = shapes[-1][:2]
    return len(shapes) - 1, (h - 1) // 2, (w - 1) // 2


def chosen_cell(shapes: Sequence[Sequence[int]], key: str = FIELD) -> tuple[int, int, int]:
    """The clicked cell if it still exists in these stages, else :func:`default_cell`."""
    value = st.session_state.get(key)
    if isinstance(value, (list, tuple)) and len(value) == 3 and all(isinstance(v, int) for v in value):
        stage, row, col = value
        if 0 <= stage < len(shapes) and 0 <= row < shapes[stage][0] and 0 <= col < shapes[stage][1]:
            return stage, row, col
    return default_cell(shapes)


def clicked_cell(value: object) -> tuple[int, int, int] | None:
    """``(stage, row, col)`` from the cone's value (``{"stage", "row", "col", "seq"}``, a click or a tap)."""
    if not isinstance(value, dict):
        return None
    cell = [value.get(k) for k in ("stage", "row", "col")]
    if all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1_000_000 for v in cell):
        return int(cell[0]), int(cell[1]), int(cell[2])
    return None


def _on_click(chart_key: str, key: str) -> None:
    cell = clicked_cell(st.session_state.get(chart_key))
    if cell is not None:
        st.session_state[key] = list(cell)


MAX_HOVER_TEXT = 1_500_000  # characters of every cell's field sent with the cone; beyond, hover names the field only


def draw_cone(fig: dict, sizes: Sequence[tuple[int, int]], reads, ids: Sequence[int], *, chart: str,
              key: str) -> bool:
    """Draw the cone ``fig`` of the panels ``ids`` (stage numbers, ``sizes`` of every stage, ``reads`` of the graph):
    each cell's field is traced by the engine (:func:`field_table`) and sent with it, so the pointer lights it at
    once. Returns False when that is more work than a request may do (the hover then only names the field)."""
    ids = [int(i) for i in ids]
    hover = None
    if field_table_work(sizes, ids) <= MAX_FIELD_TABLE_WORK:
        hover = hover_fields(field_table(sizes, reads, ids, ids), ids)
        if sum(len(code) for cells in hover.values() for codes in cells for code in codes) > MAX_HOVER_TEXT:
            hover = None
    body = json.dumps(fig, separators=(",", ":"))
    fig_id = hashlib.sha256(body.encode() + json.dumps(hover is not None).encode()).hexdigest()[:20]
    cone_chart(fig, fig_id=fig_id, ids=ids, sizes=[[int(sizes[i][0]), int(sizes[i][1])] for i in ids], hover=hover,
               colours={"lit": LIT, "chosen": CHOSEN, "highlight": style.HIGHLIGHT}, key=chart,
               on_change=lambda: _on_click(chart, key))
    return hover is not None


def _pair_text(pair: Sequence[int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def arithmetic_table(stages: Sequence[Stage], steps: Sequence[FieldStep], upto: int) -> str:
    """The per-layer table, input to stage ``upto``: the window (k, s, p, d) and then r, j and start."""
    windows = spec_windows([s.layer.spec for s in stages[1:]])
    rows = ["| Stage | Layer | k, s, p, d | r | j | start |", "|:--|:--|:--|--:|--:|--:|"]
    rows.append(f"| 0 | input | — | {_pair_text(steps[0].r)} | {_pair_text(steps[0].j)} | "
                f"{_pair_text(steps[0].start)} |")
    for n in range(1, upto + 1):
        window = windows[n - 1]
        ksd = "all of its input" if window is None else ", ".join(_pair_text(v) for v in window)
        step = steps[n]
        rows.append(f"| {n} | {stages[n].label} | {ksd} | {_pair_text(step.r)} | {_pair_text(step.j)} | "
                    f"{_pair_text(step.start)} |")
    return "\n".join(rows)


def _summary(mask: np.ndarray, box: np.ndarray, chosen: tuple[int, int, int], step: FieldStep) -> str:
    stage, row, col = chosen
    t, b, lf, rt = (int(v) for v in box)
    pixels, area = int(mask.sum()), (b - t + 1) * (rt - lf + 1)
    where = "the input pixel itself" if stage == 0 else (
        f"input rows {t}–{b} and columns {lf}–{rt}: {pixels} pixel{'s' if pixels != 1 else ''}")
    holes = f" ({area - pixels} of the {area} in that box are holes it skips)" if 0 < pixels < area else ""
    return (f"Cell ({row}, {col}) of stage {stage} sees {where}{holes}. Its receptive field is "
            f"r = {_pair_text(step.r)} pixels a side, the jump between neighbouring cells j = {_pair_text(step.j)}, "
            f"and the field of cell (0, 0) starts at {_pair_text(step.start)}"
            + (" (negative: in the padding)." if min(step.start) < 0 else "."))


def cone_section(stages: Sequence[Stage], titles: Sequence[str], *, key: str = FIELD) -> None:
    """The cone of the chosen cell through ``stages`` (each with its tensor), clickable, with its arithmetic."""
    shapes = [s.shape for s in stages]
    specs = [s.layer.spec for s in stages[1:]]
    chosen = chosen_cell(shapes, key)
    masks = stack_cone(shapes, specs, chosen[0], chosen[1:])
    steps = stack_arithmetic(shapes, specs)
    chart = f"{key}_chart"
    st.subheader("What a cell sees: its receptive field")
    caption = st.empty()
    boxes = [field_boxes(steps, i, shapes[i][:2], shapes[0][:2]) for i in range(len(stages))]
    fig = cone_figure([s.tensor for s in stages], masks, titles, chosen=chosen, boxes=boxes, width_px=FIGURE_PX)
    sizes = [(int(s[0]), int(s[1])) for s in shapes]
    lights = draw_cone(fig, sizes, chain_reads(sizes, spec_windows(specs)), range(len(stages)), chart=chart, key=key)
    caption.caption(_cone_caption(lights))
    left, right = st.columns([2, 3], gap="medium")
    box = boxes[chosen[0]][chosen[1], chosen[2]]
    left.markdown(_summary(masks[0], box, chosen, steps[chosen[0]]))
    with right:
        st.markdown(arithmetic_table(stages, steps, chosen[0]))
        st.caption("Per layer (Araujo, Norris and Sim, Distill 2019), with k' = d(k − 1) + 1: "
                   "r = r_prev + (k' − 1)·j_prev, j = j_prev·s, start = start_prev − p·j_prev. "
                   "Cell (y, x) sees input rows start + y·j to start + y·j + r − 1 (and the same for columns).")


def _cone_caption(lights: bool) -> str:
    point = ("Point at any cell of any stage: the cells that feed it light up on every stage before it, down to the "
             "input pixels it can see (a cone through the network). Click (or tap) a cell to keep its field and its "
             "numbers below. " if lights else
             "Click (or tap) any cell of any stage: the cells that feed it light up on every stage before it, down to "
             "the input pixels it can see (a cone through the network); pointing at a cell names its field (these "
             "stages are too large to send every cell's field with the picture). ")
    return point + "Padding is never lit: it is zeros, not part of the image."


def studio_field_section(state, trace, image: np.ndarray) -> None:
    """Under the studio's player: the receptive field of the current step's output cell on the input, and with
    the toggle on, the field of the same cell after a second identical layer (how the field grows). Every kind
    of convolution: the grouped ones see the standard window (groups narrow the channels, not the pixels); a
    transposed cell sees the input cells whose stamps reach it."""
    from visualizer.figures.receptive import growth_figure

    from .player import plotly_figures
    from .studio_model import bind

    transposed = state.kind == "transposed"
    y, x = (int(v) for v in trace.positions[min(state.step, trace.steps - 1)])
    kernel_hw = trace.kernel.shape[:2]
    window = ((kernel_hw, (state.stride,) * 2, (state.padding,) * 2, (state.dilation,) * 2) if transposed
              else (kernel_hw, trace.stride, trace.padding, trace.dilation))
    st.toggle("Stack a second identical layer", help="The same kernel, stride, padding and dilation applied again to "
              "the output: each cell of the second layer sees a larger part of the image.",
              **bind("w_field_layers", "field_layers", to_widget=lambda v: v == 2,
                     from_widget=lambda on: 2 if on else 1))
    layers = state.field_layers
    try:
        fig = growth_figure(image, window, (y, x), layers=layers, transposed=transposed)
    except ValueError as err:
        st.info(f"A second identical layer does not fit here: {md_text(err, limit=300)}. "
                "The field of one layer is shown.")
        fig, layers = growth_figure(image, window, (y, x), layers=1, transposed=transposed), 1
    # Drawn with the player's plotly.js (as the feature maps are), so the studio never loads Streamlit's own.
    plotly_figures([fig], fig_id=hashlib.sha256(json.dumps(fig, sort_keys=True).encode()).hexdigest()[:20],
                   headings=[["Receptive field", f" of output cell ({y}, {x})"]],
                   labels=[f"The input pixels output cell ({y}, {x}) sees, after {layers} layer(s)"],
                   key="studio_field")
    text = (_transposed_field_text(image, window, (y, x), layers) if transposed
            else _field_text(trace, window, (y, x), layers, grouped=state.kind != "standard"))
    st.caption(text + ". Padding (grey) is never lit: it is zeros, not part of the image.")


def _field_text(trace, window, cell: tuple[int, int], layers: int, grouped: bool) -> str:
    (kh, kw), (dh, dw) = trace.kernel.shape[:2], trace.dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    text = (f"Output cell ({cell[0]}, {cell[1]}) of the current step sees the pixels lit on the input: its receptive "
            f"field, r = d(k − 1) + 1 = {span[0]}" + (f"x{span[1]}" if span[1] != span[0] else "") + " pixels a side")
    if max(trace.dilation) > 1:
        text += ", with the holes that dilation leaves between the kernel's cells"
    if grouped:
        text += " (as a standard layer's: groups narrow the channels a filter sees, not the pixels)"
    if layers == 2:
        steps = field_arithmetic_for(window, 2)
        r, j = steps[-1].r, steps[-1].j
        text += (f". After two such layers, r = r₁ + (k' − 1)·j₁ = {r[0]}" + (f"x{r[1]}" if r[1] != r[0] else "")
                 + f" with jump j = {j[0]}" + (f"x{j[1]}" if j[1] != j[0] else "")
                 + ": depth, stride and dilation each widen what one number can see")
    return text


def _transposed_field_text(image: np.ndarray, window, cell: tuple[int, int], layers: int) -> str:
    from visualizer.receptive import transposed_field, transposed_sizes

    (kh, kw), (s, _), _, (d, _) = window
    one = transposed_field(image.shape[:2], [window], cell)
    where = f"Output cell ({cell[0]}, {cell[1]})"
    if not one.any():
        text = (f"{where} lies between the stamps: no input cell's kernel reaches it (the stride, {s}, is larger "
                f"than the kernel's span, d(k − 1) + 1), so it holds only the bias")
    else:
        rows, cols = int(one.any(axis=1).sum()), int(one.any(axis=0).sum())
        text = (f"{where} is the sum of the stamps of the {int(one.sum())} input pixel{'s' if one.sum() != 1 else ''} "
                f"lit ({rows} row{'s' if rows != 1 else ''} by {cols} column{'s' if cols != 1 else ''}): each input "
                f"cell stamps a {d * (kh - 1) + 1}x{d * (kw - 1) + 1} patch onto the output, its neighbour's "
                f"{s} cell{'s' if s != 1 else ''} further on")
    if layers == 2:
        h, w = transposed_sizes(image.shape[:2], [window, window])[-1]
        two = transposed_field(image.shape[:2], [window, window], (min(cell[0], h - 1), min(cell[1], w - 1)))
        text += (f". After a second such layer the cell sees {int(two.sum())} input pixel"
                 f"{'s' if two.sum() != 1 else ''}: a transposed layer spreads each pixel over a larger output, "
                 "so a deep cell of a decoder still sees only a small part of its input")
    return text


def field_arithmetic_for(window, depth: int) -> list[FieldStep]:
    from visualizer.receptive import as_window, field_arithmetic

    return field_arithmetic([as_window(window)] * depth)


MODEL_FIELD = "model_field"  # [stage, row, col] on the model page (kept in session state, no widget owns it)
MODEL_FIELD_FOR = "model_field_for"  # the inspected stage that cell belongs to: a new stage starts at its middle
MAX_MODEL_PANELS = 8  # the input, the chosen stage, and up to 6 of the stages in between that change the field
MAX_MODEL_CONE_CELLS = 40_000  # cells drawn (and clickable) in the model's cone: beyond, fewer stages are drawn
FIELD_KINDS = ("conv", "pool", "conv_transpose", "pad")  # the kinds whose output sees a different part of the input


def _model_cell(sizes: Sequence[tuple[int, int]], inspected: int) -> tuple[int, int, int]:
    ss = st.session_state
    if ss.get(MODEL_FIELD_FOR) != inspected:
        ss[MODEL_FIELD_FOR] = inspected
        ss.pop(MODEL_FIELD, None)
    value = ss.get(MODEL_FIELD)
    if isinstance(value, (list, tuple)) and len(value) == 3 and all(isinstance(v, int) for v in value):
        stage, row, col = value
        if 0 <= stage < len(sizes) and 0 <= row < sizes[stage][0] and 0 <= col < sizes[stage][1]:
            return stage, row, col
    h, w = sizes[inspected]
    return inspected, (h - 1) // 2, (w - 1) // 2


def model_panels(kinds: Sequence[str], sizes: Sequence[tuple[int, int]], masks: Sequence[np.ndarray],
                 chosen: int) -> list[int]:
    """The stages the model's cone draws: the input, the chosen stage, and between them the stages that feed it
    and change the field (convolutions, poolings, pads), evenly thinned to :data:`MAX_MODEL_PANELS` and to
    :data:`MAX_MODEL_CONE_CELLS` cells."""
    middle = [n for n in range(1, chosen) if kinds[n] in FIELD_KINDS and masks[n].any()]
    keep = MAX_MODEL_PANELS - (2 if chosen else 1)
    if len(middle) > keep:
        middle = [middle[round(i * (len(middle) - 1) / max(keep - 1, 1))] for i in range(keep)] if keep else []
    panels = sorted({0, *middle, chosen})

    def cells(ps):
        return sum(sizes[n][0] * sizes[n][1] for n in ps)

    while cells(panels) > MAX_MODEL_CONE_CELLS and len(panels) > 2:
        panels.pop(len(panels) // 2)  # thin from the middle: the input and the chosen stage stay
    return panels


def model_cone_section(network, values: Sequence[np.ndarray], inspected: int) -> None:
    """The model page's cone: the field of a cell of the inspected stage lit on the input and on the stages in
    between, along every path of the graph (residual adds, concats); click any drawn cell to follow it."""
    from visualizer.receptive import graph_boxes, graph_cone, graph_reads

    from .common import shape_label

    stages = network.stages
    sizes = [tuple(int(v) for v in s.image_shape[:2]) for s in stages]
    chosen = _model_cell(sizes, inspected)
    reads = graph_reads(stages)
    masks = graph_cone(sizes, reads, chosen[0], chosen[1:])
    panels = model_panels([s.kind for s in stages], sizes, masks, chosen[0])
    boxes = graph_boxes(sizes, reads, panels)
    stage_n, row_n, col_n = int(chosen[0]), int(chosen[1]), int(chosen[2])
    st.subheader("What a cell sees: its receptive field")
    st.caption(f"The field of cell ({row_n}, {col_n}) of stage {stage_n}, along every path of the graph: "
               "the cells that feed it are lit on the input and on the stages between that change what a cell sees "
               "(convolutions, poolings, pads).")
    caption = st.empty()
    box = boxes[chosen[0]][chosen[1], chosen[2]]
    pixels = int(masks[0].sum())
    if sum(sizes[n][0] * sizes[n][1] for n in panels) <= MAX_MODEL_CONE_CELLS:
        tensors = [network.image(0, values[0])] + [np.zeros((*sizes[n], 1)) for n in panels[1:]]
        # op_type is one of the operators we run (no text from the file's author); the layers in full: the table
        titles = [f"{n} · {'input' if n == 0 else stages[n].op_type} {shape_label(stages[n].image_shape)}"
                  for n in panels]
        fig = cone_figure(tensors, [masks[n] for n in panels], titles, chosen=(panels.index(chosen[0]), *chosen[1:]),
                          boxes=[boxes[n] for n in panels], ids=panels, width_px=FIGURE_PX)
        lights = draw_cone(fig, sizes, reads, panels, chart=f"{MODEL_FIELD}_chart", key=MODEL_FIELD)
        caption.caption(_cone_caption(lights))
    else:
        st.info(f"The input has {sizes[0][0] * sizes[0][1]:,} pixels, too many to draw as clickable cells "
                f"(up to {MAX_MODEL_CONE_CELLS:,}); the field is given in numbers.")
    t, b, lf, rt = (int(v) for v in box)
    area = (b - t + 1) * (rt - lf + 1) if t >= 0 else 0
    where = ("no input pixel: only biases reach it" if t < 0 else
             f"input rows {t}–{b} and columns {lf}–{rt}: {pixels:,} pixel{'s' if pixels != 1 else ''}"
             + (f" ({area - pixels:,} of the {area:,} in that box are holes it skips)" if pixels < area else ""))
    st.markdown(f"Cell ({row_n}, {col_n}) of stage {stage_n} sees {md_text(where)}.")
    rows = ["| Stage | Layer | Shape | Cells that feed it | Where |", "|--:|:--|:--|--:|:--|"]
    for n in range(chosen[0] + 1):
        lit = masks[n]
        count = int(lit.sum())
        if not count:
            continue
        r, c = np.flatnonzero(lit.any(axis=1)), np.flatnonzero(lit.any(axis=0))
        rows.append(f"| {n} | {md_text(stages[n].label) if n else 'input'} | {shape_label(stages[n].image_shape)} | "
                    f"{count:,} of {lit.size:,} | rows {r[0]}–{r[-1]}, columns {c[0]}–{c[-1]} |")
    st.markdown(capped_table(rows))


def capped_table(rows: list[str], limit: int = 40) -> str:
    """A Markdown table of at most ``limit`` body rows (the last ones, nearest the chosen cell, when cut)."""
    if len(rows) - 2 <= limit:
        return "\n".join(rows)
    return "\n".join(rows[:2] + rows[-limit:]) + f"\n\n(the {len(rows) - 2 - limit} earliest stages are left out)"
