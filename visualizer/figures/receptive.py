"""Receptive fields drawn: the cone of one cell through every stage of a network, and the field of a layer's
window on its input, one layer and two identical layers deep. Pure functions: arrays in, figure dicts out.

The lit cells of each stage are a heatmap trace of their own (``name = "field <stage>"``, 1 where lit, None
elsewhere), so what the figure shows can be read back from it and compared with the engine's mask.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..receptive import FieldStep
from . import style
from .toolkit import axis_ids, base_layout, fit_title, heatmap, image_range, label, panel_axes, to_list, usable_px

LIT = "rgba(214, 0, 127, 0.55)"  # the field: the highlight colour, see-through so the image shows under it
CHOSEN = "rgba(214, 0, 127, 0.95)"  # the chosen cell itself
NEUTRAL = "#eef1f4"  # the cells of a stage after the input (their values are in the inspector)
TITLE_PX = 40
PHONE_PX = 358  # the plot area of a 390-px phone
GAP_PX = 26
MIN_CELL_PX = 9  # a row of panels whose cells would be smaller wraps
MAX_CELL_PX = 46
MIN_PANEL_CELLS = 3  # a 1x1 stage is drawn as wide as a 3-cell panel, so it can be seen and clicked


def panel_rows(widths: Sequence[int], usable: float) -> list[list[int]]:
    """The stages on each row of the cone: as few rows as keep every cell at least :data:`MIN_CELL_PX`."""
    n = len(widths)
    for rows in range(1, n + 1):
        per = math.ceil(n / rows)
        chunks = [list(range(i, min(n, i + per))) for i in range(0, n, per)]
        if all(_row_cell_px(widths, chunk, usable) >= MIN_CELL_PX for chunk in chunks):
            return chunks
    return [[i] for i in range(n)]


def _row_cell_px(widths: Sequence[int], chunk: Sequence[int], usable: float) -> float:
    cells = sum(max(widths[i], MIN_PANEL_CELLS) for i in chunk)
    return min(MAX_CELL_PX, (usable - GAP_PX * (len(chunk) - 1)) / cells)


def field_boxes(steps: Sequence[FieldStep], stage: int, hw: tuple[int, int], input_hw: tuple[int, int]) -> np.ndarray:
    """For every cell of ``stage`` (``hw`` cells), its field's bounding box on the input, clipped to it:
    ``(H, W, 4)`` ints ``top, bottom, left, right`` (inclusive)."""
    step = steps[stage]
    ys, xs = np.meshgrid(np.arange(hw[0]), np.arange(hw[1]), indexing="ij")
    top, left = step.start[0] + ys * step.j[0], step.start[1] + xs * step.j[1]
    box = np.stack([top, top + step.r[0] - 1, left, left + step.r[1] - 1], axis=-1)
    limits = np.array([input_hw[0] - 1, input_hw[0] - 1, input_hw[1] - 1, input_hw[1] - 1])
    return np.clip(box, 0, limits)


def _base(tensor: np.ndarray, k: int, first: bool) -> dict:
    """What a panel shows under its lit cells: the input image in grayscale, later stages a flat grid."""
    h, w = tensor.shape[:2]
    if first:
        gray = np.asarray(tensor, dtype=np.float64).mean(axis=2)
        lo, hi = image_range(gray)
        return heatmap(gray, k, zmin=lo, zmax=hi, colorscale=style.GRAYSCALE, name="input",
                       hovertemplate="row %{y}, column %{x}: %{z:.3~f}<extra></extra>")
    return heatmap(np.zeros((h, w)), k, zmin=0.0, zmax=1.0, colorscale=[[0.0, NEUTRAL], [1.0, NEUTRAL]],
                   name=f"stage {k - 1}", hovertemplate="<extra></extra>")


def _lit(mask: np.ndarray, k: int, stage: int, chosen: bool) -> dict:
    z = np.where(mask, 1.0, np.nan)
    colour = CHOSEN if chosen else LIT
    trace = heatmap(z, k, zmin=0.0, zmax=1.0, colorscale=[[0.0, colour], [1.0, colour]], name=f"field {stage}",
                    hovertemplate="<extra></extra>")
    trace["z"] = [[None if v is None or (isinstance(v, float) and math.isnan(v)) else 1 for v in row]
                  for row in to_list(z)]
    trace["hoverinfo"] = "skip"
    return trace


def _targets(k: int, stage: int, boxes: np.ndarray, cell_px: float) -> dict:
    """Invisible square markers over every cell, carrying ``[stage, row, col, top, bottom, left, right]``:
    Streamlit reports clicks on scatter points (not on heatmap cells), and the hover says what the cell sees
    (a box of -1: no input pixel reaches the cell, as between the stamps of a transposed convolution)."""
    xid, yid = axis_ids(k)
    h, w = boxes.shape[:2]
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    data = np.concatenate([np.full((h, w, 1), stage), ys[..., None], xs[..., None], boxes], axis=-1).reshape(-1, 7)
    text = [f"stage {s}, cell ({r}, {c}) sees " + (f"input rows {t}–{b}, columns {lf}–{rt}" if t >= 0 else
                                                   "no input pixel (only biases)")
            for s, r, c, t, b, lf, rt in data.tolist()]
    return {
        "type": "scatter", "mode": "markers", "xaxis": xid, "yaxis": yid, "showlegend": False,
        "x": xs.ravel().tolist(), "y": ys.ravel().tolist(), "customdata": data.tolist(), "text": text,
        "marker": {"size": max(6, round(cell_px * 0.92)), "symbol": "square", "color": "rgba(0,0,0,0)",
                   "line": {"width": 0}},
        "hovertemplate": "%{text}<br>click to keep its field<extra></extra>",
        "name": f"cells {stage}",
    }


def _runs(flags: np.ndarray) -> list[str]:
    """The True positions of every row of a 2-D bool array as runs: ``"0-4,7"`` (``""`` for a row with none)."""
    n, length = flags.shape
    padded = np.zeros((n, length + 2), dtype=np.int8)
    padded[:, 1:-1] = flags
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)  # row-major: the starts and the ends of each row come in the same order
    ends = np.nonzero(step == -1)[1] - 1
    out: list[list[str]] = [[] for _ in range(n)]
    for r, a, b in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        out[r].append(str(a) if a == b else f"{a}-{b}")
    return [",".join(parts) for parts in out]


def field_codes(fields: np.ndarray) -> list[str]:
    """Every target cell's lit cells on one stage, as short text the cone's page reads on hover, row-major.

    ``fields`` is bool ``(H_t, W_t, H, W)`` (:func:`visualizer.receptive.field_table`). A field that is a product of
    rows and columns (every field of a chain, most of a graph's) is ``"rows|cols"`` in runs (``"0-2|1-3"``); any
    other is ``"#"`` and the runs of its flat indices (row-major); an empty field is ``""``.
    """
    ht, wt, h, w = fields.shape
    flat = fields.reshape(ht * wt, h, w)
    rows, cols = flat.any(axis=2), flat.any(axis=1)
    separable = ((rows[:, :, None] & cols[:, None, :]) == flat).reshape(ht * wt, -1).all(axis=1)
    row_runs, col_runs = _runs(rows), _runs(cols)
    odd = np.flatnonzero(~separable)
    cells = dict(zip(odd.tolist(), _runs(flat[odd].reshape(odd.size, -1)), strict=True)) if odd.size else {}
    return [("#" + cells[i]) if i in cells else (f"{row_runs[i]}|{col_runs[i]}" if row_runs[i] else "")
            for i in range(ht * wt)]


def hover_fields(table: dict[int, dict[int, np.ndarray]], ids: Sequence[int]) -> dict[str, list[list[str]]]:
    """What the cone's page lights when a cell is hovered: for each drawn panel (by its index in ``ids``, the stages
    drawn), every cell's :func:`field_codes` on each panel up to it, ``{"<panel>": [[code of panel 0, ...], ...]}``."""
    out: dict[str, list[list[str]]] = {}
    for p, stage in enumerate(ids):
        if stage not in table:
            continue
        per_panel = [field_codes(table[stage][ids[q]]) for q in range(p + 1)]
        out[str(p)] = [list(codes) for codes in zip(*per_panel, strict=True)]
    return out


def cone_figure(
    tensors: Sequence[np.ndarray],
    masks: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    chosen: tuple[int, int, int],
    boxes: Sequence[np.ndarray],
    ids: Sequence[int] | None = None,
    width_px: int | None = None,
) -> dict:
    """The receptive field of one cell lit on every stage before it: a cone through the network.

    Inputs:
    - tensors: the tensor ``(H, W, C)`` of every stage drawn, the input first (drawn in grayscale);
    - masks: the cone, one bool ``(H, W)`` per stage (:func:`visualizer.receptive.stack_cone`, ``graph_cone``);
    - titles: a short title per stage; chosen: ``(panel, row, col)`` of the cell whose field is lit;
    - boxes: per stage, every cell's field box on the input ``(H, W, 4)`` (:func:`field_boxes`, ``graph_boxes``),
      for the hover of each cell and the dashed box of the chosen one;
    - ids: the stage number each panel shows (a model's cone draws some of its stages), by default 0, 1, ...
    Every cell of every stage is clickable: a marker carries ``[stage, row, col, top, bottom, left, right]``.
    """
    n = len(tensors)
    ids = list(range(n)) if ids is None else [int(i) for i in ids]
    if len(masks) != n or len(titles) != n or len(boxes) != n or len(ids) != n:
        raise ValueError(f"{n} stages need {n} masks, titles, boxes and stage numbers")
    usable = usable_px(width_px)
    widths = [int(t.shape[1]) for t in tensors]
    rows = panel_rows(widths, usable)
    data: list[dict] = []
    layout = base_layout(0, {"l": style.SIDE_MARGIN_PX, "r": style.SIDE_MARGIN_PX, "t": 6, "b": 6})
    row_px = [_row_cell_px(widths, row, usable) * max(max(int(tensors[i].shape[0]), MIN_PANEL_CELLS) for i in row)
              for row in rows]
    total = sum(row_px) + TITLE_PX * len(rows) + GAP_PX * (len(rows) - 1)
    y_top = 0.0
    for row, height in zip(rows, row_px, strict=True):
        cell_px = _row_cell_px(widths, row, usable)
        x = 0.0
        for i in row:
            h, w = (int(v) for v in tensors[i].shape[:2])
            k = i + 1
            panel_w = max(w, MIN_PANEL_CELLS) * cell_px
            x_dom = [x / usable, min(1.0, (x + panel_w) / usable)]
            top = y_top + TITLE_PX
            y_dom = [1 - (top + max(h, MIN_PANEL_CELLS) * cell_px) / total, 1 - top / total]
            layout.update(panel_axes(k, x_dom, y_dom, h, w))
            data += [_base(tensors[i], k, i == 0), _lit(masks[i], k, ids[i], i == chosen[0])]
            data.append(_targets(k, ids[i], np.asarray(boxes[i]), cell_px))
            # Fitted for the narrowest screen the figure is shrunk to (a phone), so titles never run into each other.
            narrow = panel_w * min(1.0, PHONE_PX / usable)
            number, _, rest = titles[i].partition(" · ")
            shape = rest[rest.find("["):].strip("[]").replace(" ", "") if "[" in rest else rest
            text, size = fit_title([titles[i], f"{number} · {shape}", f"{number}<br>{shape}", number], narrow,
                                   max_size=15, min_size=11)
            layout["annotations"].append(label(text, (x_dom[0] + x_dom[1]) / 2, 1 - top / total + 4 / total,
                                               size=size, bold=i == chosen[0]))
            x += panel_w + GAP_PX
        y_top += height + TITLE_PX + GAP_PX
    panel, row_, col = chosen
    t, b, lf, rt = (int(v) for v in np.asarray(boxes[panel])[row_, col])
    if t >= 0:
        layout["shapes"].append({"type": "rect", "xref": "x", "yref": "y", "x0": lf - 0.5, "x1": rt + 0.5,
                                 "y0": t - 0.5, "y1": b + 0.5, "line": {"color": style.HIGHLIGHT, "width": 3,
                                                                         "dash": "dash"}})
    layout["height"] = round(total + 12)
    layout["clickmode"] = "event"  # a click is reported by the cone's page (ui/cone_assets), nothing is selected
    return {"data": data, "layout": layout}


def growth_figure(
    image: np.ndarray,
    window: tuple,
    cell: tuple[int, int],
    *,
    layers: int = 1,
    transposed: bool = False,
    width_px: int | None = None,
) -> dict:
    """The field of output ``cell`` on the input, for one layer of ``window`` and (``layers = 2``) for the same
    layer stacked twice, side by side: how the field grows with depth, dilation's holes included.

    Inputs: image ``(H, W, C)`` (drawn in grayscale); window ``(kernel, stride, padding, dilation)`` pairs;
    cell ``(row, col)`` of the first layer's output (the second layer's cell is the same, clipped to its size);
    ``transposed``: the window is a transposed convolution's (the input cells whose stamps reach the cell).
    Each panel shows the padding ring too (grey), so a window hanging over the edge shows; padding is never lit.
    """
    from ..receptive import (
        as_window,
        field_box,
        mask_box,
        receptive_field,
        stage_sizes,
        transposed_field,
        transposed_sizes,
    )

    win = as_window(window)
    h, w = image.shape[:2]
    usable = usable_px(width_px)
    panels = []
    for depth in range(1, layers + 1):
        stack = [win] * depth
        sizes = (transposed_sizes if transposed else stage_sizes)((h, w), stack)
        out_h, out_w = sizes[-1]
        c = (min(cell[0], out_h - 1), min(cell[1], out_w - 1))
        if transposed:  # the box of the lit cells (a cell no stamp reaches: an empty box at the cell's place)
            mask = transposed_field((h, w), stack, c)
            box = mask_box(mask) or ((0, -1), (0, -1))
        else:
            mask, box = receptive_field((h, w), stack, c), field_box(stack, c)
        panels.append((depth, c, mask, box))
    # The grey ring is as wide as the furthest field reaches outside the image (the padding it hangs over).
    ph = max([0] + [max(-box[0][0], box[0][1] - (h - 1)) for *_, box in panels])
    pw = max([0] + [max(-box[1][0], box[1][1] - (w - 1)) for *_, box in panels])
    rows, cols = h + 2 * ph, w + 2 * pw
    cell_px = min(34.0, (usable - GAP_PX * (len(panels) - 1)) / (cols * len(panels)))
    panel_px = cols * cell_px
    height = rows * cell_px + TITLE_PX
    layout = base_layout(round(height + 12), {"l": style.SIDE_MARGIN_PX, "r": style.SIDE_MARGIN_PX, "t": 6, "b": 6})
    data: list[dict] = []
    gray = np.asarray(image, dtype=np.float64).mean(axis=2)
    padded = np.full((rows, cols), np.nan)
    padded[ph:ph + h, pw:pw + w] = gray
    lo, hi = image_range(gray)
    for i, (depth, c, mask, ((top, bottom), (left, right))) in enumerate(panels):
        k = i + 1
        x0 = i * (panel_px + GAP_PX) / usable
        layout.update(panel_axes(k, [x0, min(1.0, x0 + panel_px / usable)], [0.0, 1 - TITLE_PX / height], rows, cols))
        xid, yid = axis_ids(k)
        suffix = "" if k == 1 else str(k)
        layout[f"xaxis{suffix}"]["range"] = [-pw - 0.5, w + pw - 0.5]
        layout[f"yaxis{suffix}"]["range"] = [h + ph - 0.5, -ph - 0.5]
        ring = np.where(np.isnan(padded), 1.0, np.nan)
        pad_trace = heatmap(ring, k, zmin=0.0, zmax=1.0, colorscale=[[0, style.PADDING_FILL], [1, style.PADDING_FILL]],
                            name="padding", hovertemplate="padding (zeros)<extra></extra>")
        base = heatmap(gray, k, zmin=lo, zmax=hi, colorscale=style.GRAYSCALE, name="input")
        lit = _lit(mask, k, depth, False)
        lit["name"] = f"field {depth} layer{'s' if depth > 1 else ''}"
        for trace, offset in ((pad_trace, (-ph, -pw)), (base, (0, 0)), (lit, (0, 0))):
            z = trace["z"]
            trace["x"] = [offset[1] + j for j in range(len(z[0]))]
            trace["y"] = [offset[0] + r for r in range(len(z))]
            data.append(trace)
        layers_text = f"{depth} layer{'s' if depth > 1 else ''}"
        if bottom >= top:
            layout["shapes"].append({"type": "rect", "xref": xid, "yref": yid, "x0": left - 0.5,
                                     "x1": right + 0.5, "y0": top - 0.5, "y1": bottom + 0.5,
                                     "line": {"color": style.HIGHLIGHT, "width": 2.5, "dash": "dash"}})
            r = (bottom - top + 1, right - left + 1)
            size = f"{r[0]}x{r[1]}" if r[0] != r[1] else f"{r[0]}"
            titles = [f"{layers_text}: cell ({c[0]}, {c[1]}) sees r = {size}, {int(mask.sum())} pixels",
                      f"{layers_text}: r = {size}"]
        else:
            titles = [f"{layers_text}: cell ({c[0]}, {c[1]}) sees no pixel (bias only)", f"{layers_text}: no pixel"]
        text, font = fit_title(titles, panel_px, max_size=16, min_size=11)
        layout["annotations"].append(label(text, x0 + panel_px / usable / 2, 1 - TITLE_PX / height + 4 / height,
                                           size=font))
    return {"data": data, "layout": layout}
