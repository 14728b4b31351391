"""The sliding-window animation: one Plotly figure, with frames, drawn from a :class:`ConvTrace`.

Panels, left to right: the padded input with the window outlined, the kernel, the elementwise products
of the current step, and the output filling in cell by cell; the sum is written out underneath. With
C > 1 channels each channel gets its own row of (input, kernel, products), and the sum line adds the
channel sums ("the channels are absorbed").

Lean frames. The static parts (input, kernel, full output) are sent once. A frame carries only what
changes: the products heatmap(s) (``traces=[...]``), three kinds of layout shapes (the window outline,
the white cover over the not-yet-computed output, the current output cell) and the equation text. Plotly
merges a frame's ``layout.shapes`` / ``layout.annotations`` into the figure item by item (index ``i`` of
the frame updates index ``i`` of the figure), so a frame sends only ``{"path": ...}`` or ``{"text": ...}``
and the styling stays in the layout. The animated shapes and the equation are therefore always the
first items of ``layout.shapes`` / ``layout.annotations``; static ones follow.

Frame count. Up to ``style.MAX_FRAMES`` steps there is one frame per step. Beyond, there is one frame
every ``k`` steps (plus the last step and the requested ``step``), each one an exact step of the trace;
Plotly validates every frame in Python on its way into ``st.plotly_chart`` (about half a millisecond each),
so 3,844 frames would take seconds. The UI's own step controls still show any single step exactly: the
figure's initial state is ``step``. Frame names are the step indices as strings.

Clicking an output cell: an invisible scatter marker sits on every output cell (it is never part of a
frame: a scatter animated over a heatmap makes the heatmap vanish) with ``customdata`` = the step that
computes the cell.
"""

from __future__ import annotations

import math
import operator
import re

import numpy as np

from ..trace import ConvTrace
from . import style
from .maps import (
    auto_show_values,
    axis_ids,
    base_layout,
    channel_names,
    fmt_number,
    heatmap,
    image_range,
    is_image_like,
    panel_axes,
    split_domain,
    symmetric_range,
    text_chars,
    title_annotation,
    to_list,
)

ROW_TITLE_GAP_PX = 64  # between rows of channel panels, room for the next row's titles


# --- Frame bookkeeping ---------------------------------------------------------------------------------
def frame_steps(steps: int, step: int = 0, max_frames: int | None = None) -> list[int]:
    """The steps that get a Plotly frame: all of them up to ``max_frames``, else every k-th one
    (0, k, 2k, ...), the last step, and ``step`` (so the slider can sit exactly on it)."""
    limit = style.MAX_FRAMES if max_frames is None else max(2, int(max_frames))
    if steps <= limit:
        return list(range(steps))
    k = math.ceil(steps / (limit - 1))
    return sorted(set(range(0, steps, k)) | {steps - 1, step})


def step_label(trace: ConvTrace, s: int) -> str:
    """``step 7 / 9 · out(2,0)``: how the slider names a step (1-based count, 0-based cell)."""
    y, x = (int(v) for v in trace.positions[s])
    return f"step {s + 1} / {trace.steps} · out({y},{x})"


# --- Shape paths (data coordinates: cell (r, c) spans [c - 0.5, c + 0.5] x [r - 0.5, r + 0.5]) -----------
def _n(v: float) -> str:
    return f"{v:g}"


def _rect(r0: float, c0: float, r1: float, c1: float) -> str:
    """Closed path around cells rows r0..r1, columns c0..c1 (inclusive)."""
    return f"M{_n(c0 - 0.5)},{_n(r0 - 0.5)}H{_n(c1 + 0.5)}V{_n(r1 + 0.5)}H{_n(c0 - 0.5)}Z"


def window_path(trace: ConvTrace, s: int) -> str:
    """The outline of the window of step ``s`` in the padded input: one rectangle, or with dilation one
    square per sampled cell so the spaced cells show."""
    rows, cols = trace.window_cells(s)
    if trace.dilation == (1, 1):
        return _rect(int(rows[0]), int(cols[0]), int(rows[-1]), int(cols[-1]))
    return "".join(_rect(int(r), int(c), int(r), int(c)) for r in rows for c in cols)


def cover_path(trace: ConvTrace, s: int) -> str:
    """A polygon over the output cells computed after step ``s`` (raster order): the rest of row ``y``
    right of ``x``, and every row below. Zero area once the last cell is done."""
    ho, wo = trace.out_shape
    y, x = (int(v) for v in trace.positions[s])
    pts = [
        (x + 0.5, y - 0.5),
        (wo - 0.5, y - 0.5),
        (wo - 0.5, ho - 0.5),
        (-0.5, ho - 0.5),
        (-0.5, y + 0.5),
        (x + 0.5, y + 0.5),
    ]
    return "M" + "L".join(f"{_n(px)},{_n(py)}" for px, py in pts) + "Z"


def cell_path(trace: ConvTrace, s: int) -> str:
    """The outline of the output cell computed at step ``s``."""
    y, x = (int(v) for v in trace.positions[s])
    return _rect(y, x, y, x)


# --- The written-out sum ---------------------------------------------------------------------------------
def _visible_len(text: str) -> int:
    return len(re.sub(r"<[^>]*>", "", text))


def _wrap(text: str, width: int, sep: str = " + ") -> list[str]:
    """Break a long sum at its ``sep`` signs into lines of at most ``width`` visible characters; a
    continued line starts with the sign (``+ 0*1 ...``)."""
    parts = text.split(sep)
    lines = [parts[0]]
    for part in parts[1:]:
        if _visible_len(lines[-1]) + len(sep) + _visible_len(part) <= width:
            lines[-1] += sep + part
        else:
            lines.append(sep.lstrip() + part if sep.strip() == "+" else part)
    return lines


def _signed(v: float) -> str:
    text = fmt_number(v)
    return f"({text})" if text.startswith("-") else text


def equation_lines(trace: ConvTrace, s: int, names: list[str]) -> list[str]:
    """The sum of step ``s`` as lines of text (Plotly's small HTML: ``<b>`` for the result).

    One channel: ``out(2,0) = 1*1 + 0*0 + ... = 4`` (+ a bias line). Several: one line per channel
    (its products and their sum), then the channel sums added up, "the channels are absorbed".
    """
    y, x = (int(v) for v in trace.positions[s])
    c = trace.kernel.shape[2]
    width = style.EQUATION_LINE_CHARS
    total = fmt_number(trace.totals[s])
    bias = f" + bias {_signed(trace.bias)}" if trace.bias != 0 else ""
    if c == 1:
        terms, value = trace.equation(s, 0).rsplit(" = ", 1)
        if not bias:
            return _wrap(f"out({y},{x}) = {terms} = <b>{value}</b>", width)
        return _wrap(f"out({y},{x}) = {terms} = {value}", width) + [f"{value}{bias} = <b>{total}</b>"]
    lines: list[str] = []
    sums = [fmt_number(v) for v in trace.channel_sums[s]]
    if c <= style.MAX_CHANNEL_ROWS:
        for i in range(c):
            terms, value = trace.equation(s, i).rsplit(" = ", 1)
            lines += _wrap(f"{names[i]}: {terms} = <b>{value}</b>", width)
    absorbed = fmt_number(trace.totals[s] - trace.bias)
    added = " + ".join(_signed(float(v)) for v in trace.channel_sums[s])
    line = f"out({y},{x}) = {added} = "
    line += f"{absorbed} (channels absorbed){bias} = <b>{total}</b>" if bias else f"<b>{total}</b> (channels absorbed)"
    if c > style.MAX_CHANNEL_ROWS:
        lines += _wrap(" · ".join(f"{n}: {v}" for n, v in zip(names, sums, strict=True)), width, " · ")
    return lines + _wrap(line, width)


# --- The figure ------------------------------------------------------------------------------------------
def sliding_figure(
    trace: ConvTrace,
    *,
    step: int = 0,
    frame_ms: int = style.DEFAULT_FRAME_MS,
    show_values: bool | None = None,
    height: int | None = None,
    max_frames: int | None = None,
    channel_labels: list[str] | None = None,
) -> dict:
    """The animation of ``trace`` as one Plotly figure dict, showing step ``step`` until played.

    Inputs:
    - trace: from :func:`visualizer.trace_convolution`; step: the step shown initially (0-based) and the
      slider's ``active`` frame; frame_ms: milliseconds per frame when playing.
    - show_values: write numbers in the input and output cells; ``None``: when the padded input (the
      output) is at most 12x12 and its cells come out big enough to read. Kernel and products always
      show theirs.
    - height: pixels (default: from the number of channels and equation lines).
    - max_frames: at most this many frames (default ``style.MAX_FRAMES``); see the module docstring.
    - channel_labels: names of the C channels (default R, G, B for three, else ``ch i``).
    Returns a figure dict: ``data``, ``layout`` (with Play / Pause ``updatemenus`` and a ``sliders``
    entry), ``frames`` named by step. The last trace is the clickable scatter over the output cells,
    ``customdata`` = step.
    """
    n_steps = trace.steps
    try:
        if isinstance(step, (bool, np.bool_)):
            raise TypeError
        step = operator.index(step)  # ints and NumPy integers; not 2.5, not True
    except TypeError:
        raise ValueError(f"step must be a whole number, not {step!r}") from None
    if not 0 <= step < n_steps:
        raise ValueError(f"step {step} does not exist: this animation has steps 0 to {n_steps - 1}")
    if frame_ms < 0:
        raise ValueError(f"frame_ms must be at least 0, got {frame_ms}")
    hp, wp, c = trace.padded.shape
    kh, kw = trace.kernel.shape[:2]
    ho, wo = trace.out_shape
    ph, pw = trace.padding
    h, w = trace.image.shape[:2]
    names = list(channel_labels) if channel_labels is not None else channel_names(c)
    if len(names) != c:
        raise ValueError(f"{c} channels need {c} labels; got {len(names)}")
    steps = frame_steps(n_steps, step, max_frames)
    texts = {s: "<br>".join(equation_lines(trace, s, names)) for s in steps}
    if step not in texts:
        texts[step] = "<br>".join(equation_lines(trace, step, names))
    eq_lines = max(t.count("<br>") + 1 for t in texts.values())

    # Vertical plan, in pixels: titles | panels | equation | controls.
    per_row, row_px = _channel_grid(trace)
    rows = math.ceil(c / per_row)
    eq_px = eq_lines * style.EQUATION_LINE_PX + 24
    bottom = eq_px + style.CONTROLS_PX
    block = row_px + (rows - 1) * (row_px + ROW_TITLE_GAP_PX)
    if height is not None:
        block = max(int(height) - style.TITLE_PX - bottom, 150)
        row_px = (block - (rows - 1) * ROW_TITLE_GAP_PX) / rows
    total_height = round(style.TITLE_PX + block + bottom)
    y_domains = []
    for r in range(rows):
        y1 = 1.0 - r * (row_px + ROW_TITLE_GAP_PX) / block
        y_domains.append([round(max(y1 - row_px / block, 0.0), 5), round(y1, 5)])

    # Horizontal plan: per_row groups of (input, kernel, products), then the output, each as wide as its
    # height allows with square cells (kernel cells capped), so no panel wastes width.
    out_px = min(block, style.PANEL_PX)
    in_w, k_w, out_w = _natural_widths(trace, row_px, out_px)
    x_domains = split_domain([in_w, k_w, k_w] * per_row + [out_w], 0.025)
    in_cell = _cell_px(x_domains[0], row_px, hp, wp)
    out_cell = _cell_px(x_domains[-1], out_px, ho, wo)
    # Numbers in cells: asked for, or (auto) when the grid is small and its cells big enough to read.
    values = auto_show_values(hp, wp, show_values) and (show_values or in_cell >= style.MIN_VALUE_CELL_PX)
    out_values = auto_show_values(ho, wo, show_values) and (show_values or out_cell >= style.MIN_VALUE_CELL_PX)
    out_k = 3 * c + 1

    layout = base_layout(total_height, {"l": 16, "r": 16, "t": style.TITLE_PX, "b": bottom})
    layout["clickmode"] = "event+select"
    data: list[dict] = []
    animated_shapes: list[dict] = []
    static_shapes: list[dict] = []
    titles: list[dict] = []

    in_lo, in_hi = image_range(trace.padded) if is_image_like(trace.padded) else symmetric_range(trace.padded)
    in_scale = style.GRAYSCALE if is_image_like(trace.padded) else style.DIVERGING
    k_lo, k_hi = symmetric_range(trace.kernel)
    p_lo, p_hi = symmetric_range(trace.products)
    o_lo, o_hi = symmetric_range(trace.totals)
    real = np.zeros((hp, wp), dtype=bool)
    real[ph : ph + h, pw : pw + w] = True
    product_traces = []
    in_side, k_side, out_side = max(hp, wp), max(kh, kw), max(ho, wo)
    in_font = style.fitted_value_font(in_cell, text_chars(trace.padded, style.value_digits(in_side)), in_side)
    k_cell = _cell_px(x_domains[1], row_px, kh, kw)
    k_digits, k_font = _fit_numbers(trace.kernel, k_cell, k_side)
    p_digits, p_font = _fit_numbers(trace.products, k_cell, k_side)
    pad_text = "padding: 0 (row %{y}, column %{x} of the padded input)<extra></extra>"

    for i in range(c):
        r, g = divmod(i, per_row)
        kin, kker, kprod = 3 * i + 1, 3 * i + 2, 3 * i + 3
        xin, xker, xprod = x_domains[3 * g], x_domains[3 * g + 1], x_domains[3 * g + 2]
        yd = y_domains[r]
        layout.update(panel_axes(kin, xin, yd, hp, wp, ticks=values, row_offset=ph, col_offset=pw))
        layout.update(panel_axes(kker, xker, yd, kh, kw))
        layout.update(panel_axes(kprod, xprod, yd, kh, kw))
        suffix = f" {names[i]}" if c > 1 else ""
        pad_note = "" if not (ph or pw) else f", padding {ph}" if ph == pw else f", padding {ph}x{pw}"
        in_title = f"input {h}x{w}{pad_note}" if c == 1 else f"input {names[i]}"
        titles.append(_title([in_title, f"in{suffix}"], xin, yd[1]))
        titles.append(_title([f"kernel{suffix}", f"w{suffix}"], xker, yd[1]))
        titles.append(_title([f"window × kernel{suffix}", f"products{suffix}", f"×{suffix}"], xprod, yd[1]))

        plane = trace.padded[:, :, i]
        data.append(
            heatmap(
                np.where(real, plane, np.nan),
                kin,
                zmin=in_lo,
                zmax=in_hi,
                colorscale=in_scale,
                show_values=values,
                side=in_side,
                font_size=in_font,
                name=f"input{suffix}",
                hovertemplate=f"input{suffix}<br>row %{{y}}, column %{{x}} (padded): %{{z:.4~f}}<extra></extra>",
            )
        )
        xid, yid = axis_ids(kin)
        static_shapes.append(_frame_rect(xid, yid, -0.5, wp - 0.5, -0.5, hp - 0.5, style.OUTPUT_BORDER, 1, "solid"))
        if ph or pw:
            pad_trace = heatmap(
                np.where(real, np.nan, 0.0),
                kin,
                zmin=0.0,
                zmax=1.0,
                colorscale=[[0.0, style.PADDING_FILL], [1.0, style.PADDING_FILL]],
                show_values=values,
                side=in_side,
                font_size=in_font,
                name="padding",
                hovertemplate=pad_text,
            )
            if values:
                pad_trace["texttemplate"] = "%{z}"  # a constant "0" would be written over the image cells too
                pad_trace["textfont"]["color"] = style.PADDING_TEXT
            data.append(pad_trace)
            data.append(_hatch(kin, hp, wp, ph, pw, h, w))
            static_shapes.append(
                _frame_rect(xid, yid, pw - 0.5, pw + w - 0.5, ph - 0.5, ph + h - 0.5, style.IMAGE_BORDER, 2, "dash")
            )
        data.append(
            heatmap(
                trace.kernel[:, :, i],
                kker,
                zmin=k_lo,
                zmax=k_hi,
                colorscale=style.DIVERGING,
                show_values=True,
                side=k_side,
                font_size=k_font,
                digits=k_digits,
                name=f"kernel{suffix}",
                hovertemplate=f"kernel{suffix}<br>w[%{{y}}, %{{x}}] = %{{z:.6~g}}<extra></extra>",
            )
        )
        product_traces.append(len(data))
        data.append(
            heatmap(
                trace.products[step, :, :, i],
                kprod,
                zmin=p_lo,
                zmax=p_hi,
                colorscale=style.DIVERGING,
                show_values=True,
                side=k_side,
                font_size=p_font,
                digits=p_digits,
                name=f"products{suffix}",
                hovertemplate=f"window × kernel{suffix}<br>[%{{y}}, %{{x}}] = %{{z:.6~g}}<extra></extra>",
            )
        )
        xid, yid = axis_ids(kin)
        animated_shapes.append(
            {
                "type": "path",
                "xref": xid,
                "yref": yid,
                "path": window_path(trace, step),
                "line": {
                    "color": style.HIGHLIGHT,
                    "width": style.HIGHLIGHT_WIDTH if trace.dilation == (1, 1) else style.DILATED_CELL_WIDTH,
                },
                "fillcolor": "rgba(0,0,0,0)",
            }
        )

    # The output: drawn whole once; a background-coloured cover hides the cells still to come.
    out_x = x_domains[-1]
    out_y = [y_domains[-1][0], y_domains[0][1]]
    layout.update(panel_axes(out_k, out_x, out_y, ho, wo, ticks=out_values))
    xo, yo = axis_ids(out_k)
    titles.append(_title([f"output {ho}x{wo}", "output", "out"], out_x, out_y[1]))
    data.append(
        heatmap(
            trace.output,
            out_k,
            zmin=o_lo,
            zmax=o_hi,
            colorscale=style.DIVERGING,
            show_values=out_values,
            side=out_side,
            font_size=style.fitted_value_font(
                out_cell, text_chars(trace.totals, style.value_digits(out_side)), out_side
            ),
            name="output",
            hovertemplate="output<br>row %{y}, column %{x}: %{z:.4~f}<extra></extra>",
        )
    )
    animated_shapes.append(
        {
            "type": "path",
            "xref": xo,
            "yref": yo,
            "path": cover_path(trace, step),
            "fillcolor": style.BACKGROUND,
            "line": {"width": 0},
            "layer": "above",
        }
    )
    animated_shapes.append(
        {
            "type": "path",
            "xref": xo,
            "yref": yo,
            "path": cell_path(trace, step),
            "line": {"color": style.HIGHLIGHT, "width": style.HIGHLIGHT_WIDTH},
            "fillcolor": "rgba(0,0,0,0)",
        }
    )
    static_shapes.append(_frame_rect(xo, yo, -0.5, wo - 0.5, -0.5, ho - 0.5, style.OUTPUT_BORDER, 1, "solid"))
    data.append(_click_targets(trace, out_k, out_x, out_y, block))

    if c > 1:  # one title size for all channel panels, the smallest that fits them all
        size = min(t["font"]["size"] for t in titles[:-1])
        for t in titles[:-1]:
            t["font"]["size"] = size
    layout["shapes"] = animated_shapes + static_shapes
    layout["annotations"] = [_equation_annotation(texts[step])] + titles

    frames = []
    for s in steps:
        window = window_path(trace, s)
        frames.append(
            {
                "name": str(s),
                "traces": product_traces,
                "data": [{"type": "heatmap", "z": to_list(trace.products[s, :, :, i])} for i in range(c)],
                "layout": {
                    "shapes": [{"path": window} for _ in range(c)]
                    + [{"path": cover_path(trace, s)}, {"path": cell_path(trace, s)}],
                    "annotations": [{"text": texts[s]}],
                },
            }
        )
    active = steps.index(step)
    layout["updatemenus"] = [_play_pause([str(s) for s in steps[active:]], frame_ms, eq_px)]
    layout["sliders"] = [_slider(trace, steps, active, eq_px)]
    return {"data": data, "layout": layout, "frames": frames}


def _fit_numbers(values: np.ndarray, cell_px: float, side: int) -> tuple[int, int]:
    """``(decimals, font size)`` for numbers written in cells of ``cell_px``: fewer decimals when even
    the smallest font would not fit them."""
    digits = style.value_digits(side)
    while digits > 1 and cell_px * 1.65 / text_chars(values, digits) < 10:
        digits -= 1
    return digits, style.fitted_value_font(cell_px, text_chars(values, digits), side)


def _title(candidates: list[str], x_domain: list[float], y_top: float) -> dict:
    """The first of ``candidates`` (longest first) that fits over the panel in a readable size."""
    width_px = (x_domain[1] - x_domain[0]) * (style.ASSUMED_WIDTH_PX - 32) + 12
    for text in candidates:
        size = min(style.TITLE_SIZE, int(width_px / (0.56 * len(text))))
        if size >= style.MIN_TITLE_SIZE:
            return title_annotation(text, x_domain, y_top, size=size)
    return title_annotation(candidates[-1], x_domain, y_top, size=style.MIN_TITLE_SIZE)


def _natural_widths(trace: ConvTrace, row_px: float, out_px: float) -> tuple[float, float, float]:
    """Pixel widths of the input, kernel (= products) and output panels with square cells, given the
    height of a channel row and of the output."""
    hp, wp = trace.padded.shape[:2]
    kh, kw = trace.kernel.shape[:2]
    ho, wo = trace.out_shape
    return (
        wp * min(row_px / hp, style.MAX_CELL_PX),
        kw * min(row_px / kh, style.KERNEL_CELL_PX),
        wo * min(out_px / ho, style.MAX_CELL_PX),
    )


def _channel_grid(trace: ConvTrace) -> tuple[int, float]:
    """``(groups per row, row height in px)`` for the channel panels: one row for one channel; for C > 1
    the arrangement (rows of (input, kernel, products) groups) whose cells come out largest, within the
    assumed width and ``MAX_BLOCK_PX`` of height."""
    c = trace.kernel.shape[2]
    if c == 1:
        return 1, float(style.PANEL_PX)
    usable = style.ASSUMED_WIDTH_PX - 32
    best = (0.0, 1, float(style.CHANNEL_ROW_PX))
    for per_row in range(1, c + 1):
        rows = math.ceil(c / per_row)
        row_px = min(style.CHANNEL_ROW_PX, (style.MAX_BLOCK_PX - (rows - 1) * ROW_TITLE_GAP_PX) / rows)
        in_w, k_w, out_w = _natural_widths(trace, row_px, style.PANEL_PX)
        wide = per_row * (in_w + 2 * k_w) + out_w
        if wide > usable:  # the panels are limited by the width: shrink the rows to match
            row_px *= usable / wide
        cell = row_px / max(trace.padded.shape[0], trace.kernel.shape[0])
        if cell > best[0] + 1e-9:
            best = (cell, per_row, row_px)
        if rows == 1:
            break
    return best[1], max(best[2], 60.0)


def _frame_rect(
    xid: str, yid: str, x0: float, x1: float, y0: float, y1: float, colour: str, width: int, dash: str
) -> dict:
    """A static outline (not animated: it sits after the animated shapes in ``layout.shapes``)."""
    return {
        "type": "rect",
        "xref": xid,
        "yref": yid,
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "line": {"color": colour, "width": width, "dash": dash},
        "fillcolor": "rgba(0,0,0,0)",
    }


def _cell_px(x_domain: list[float], height_px: float, rows: int, cols: int) -> float:
    """About how many pixels wide a cell of a ``rows x cols`` panel is (square cells, assumed width)."""
    return min((x_domain[1] - x_domain[0]) * (style.ASSUMED_WIDTH_PX - 32) / cols, height_px / rows)


def _hatch(k: int, hp: int, wp: int, ph: int, pw: int, h: int, w: int) -> dict:
    """Diagonal hatching over the padding ring (four strips), so padding never looks like image."""
    xid, yid = axis_ids(k)
    x0, x1, y0, y1 = -0.5, wp - 0.5, -0.5, hp - 0.5
    ix0, ix1, iy0, iy1 = pw - 0.5, pw + w - 0.5, ph - 0.5, ph + h - 0.5
    strips = [
        (x0, x1, y0, iy0),  # top
        (x0, x1, iy1, y1),  # bottom
        (x0, ix0, iy0, iy1),  # left
        (ix1, x1, iy0, iy1),  # right
    ]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b, c, d in strips:
        if b - a > 0 and d - c > 0:
            xs += [a, b, b, a, a, None]
            ys += [c, c, d, d, c, None]
    return {
        "type": "scatter",
        "xaxis": xid,
        "yaxis": yid,
        "x": xs,
        "y": ys,
        "mode": "lines",
        "fill": "toself",
        "fillcolor": "rgba(0,0,0,0)",
        "fillpattern": {"shape": "/", "fgcolor": style.PADDING_HATCH, "size": 10, "solidity": 0.12},
        "line": {"width": 0},
        "hoverinfo": "skip",
        "showlegend": False,
        "name": "padding",
    }


def _click_targets(trace: ConvTrace, k: int, x_domain: list[float], y_domain: list[float], block: float) -> dict:
    """Invisible but hoverable markers on every output cell; ``customdata`` is the cell's step."""
    ho, wo = trace.out_shape
    xid, yid = axis_ids(k)
    cell_px = _cell_px(x_domain, (y_domain[1] - y_domain[0]) * block, ho, wo)
    ys, xs = trace.positions[:, 0], trace.positions[:, 1]
    return {
        "type": "scatter",
        "xaxis": xid,
        "yaxis": yid,
        "x": xs.tolist(),
        "y": ys.tolist(),
        "customdata": list(range(trace.steps)),
        "text": [fmt_number(v, 4) for v in trace.totals],
        "mode": "markers",
        "marker": {"symbol": "square", "size": max(4, min(60, int(cell_px * 0.9))), "opacity": 0,
                   "color": style.HIGHLIGHT},
        "hovertemplate": "out(%{y},%{x}) = %{text}<br>click: show step %{customdata}<extra></extra>",
        "showlegend": False,
        "name": "click an output cell",
    }


def _equation_annotation(text: str) -> dict:
    return {
        "text": text,
        "x": 0.5,
        "y": 0.0,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "top",
        "yshift": -14,
        "align": "left",
        "showarrow": False,
        "font": {"size": style.EQUATION_SIZE, "color": style.TEXT},
    }


def _play_pause(names: list[str], frame_ms: int, eq_px: int) -> dict:
    """Play (from the shown step, or from where the slider was left) and Pause."""
    play = {
        "frame": {"duration": int(frame_ms), "redraw": True},
        "transition": {"duration": 0},
        "fromcurrent": True,
        "mode": "immediate",
    }
    pause = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    return {
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "x": 0.0,
        "xanchor": "left",
        "y": 0.0,
        "yanchor": "top",
        "pad": {"t": eq_px + 36, "r": 10},
        "font": {"size": 18},
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [names, play]},
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
        ],
    }


def _slider(trace: ConvTrace, steps: list[int], active: int, eq_px: int) -> dict:
    opts = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    return {
        "active": active,
        "x": 0.2,
        "len": 0.8,
        "xanchor": "left",
        "y": 0.0,
        "yanchor": "top",
        "pad": {"t": eq_px + 4, "b": 0},
        "currentvalue": {
            "visible": True,
            "prefix": "",
            "xanchor": "left",
            "font": {"size": style.SLIDER_LABEL_SIZE, "color": style.TEXT},
        },
        # Tick labels would overlap past a dozen steps; the current step's label is shown above.
        "font": {"size": 1, "color": "rgba(0,0,0,0)"},
        "ticklen": 4,
        "minorticklen": 0,
        "transition": {"duration": 0},
        "steps": [
            {"method": "animate", "label": step_label(trace, s), "value": str(s), "args": [[str(s)], opts]}
            for s in steps
        ],
    }
