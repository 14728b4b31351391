"""The sliding-window animation: one Plotly figure, with frames, drawn from a :class:`ConvTrace`.

Panels, left to right: the padded input with the window outlined, the kernel, the elementwise products
of the current step, and the output filling in cell by cell. Under them, a one-line caption of the step
and the sum written out with math typography (``out(0, 0) = 1 × 1 + 0 × (−1) + … = 4``). With C > 1
channels each channel gets its own row of (input, kernel, products), and the sum adds the channel sums
("the channels are absorbed").

The builder in four parts: :func:`sliding_figure` checks its arguments, makes a layout plan in pixels
(:func:`plan_layout`), draws the panels (:func:`_channel_panels`, :func:`_output_panel`) and the frames
(:func:`_frames`).

Lean frames. The static parts (input, kernel, full output) are sent once. A frame carries only what
changes: the products heatmap(s) (``traces=[...]``), three kinds of layout shapes (the window outline,
the white cover over the not-yet-computed output, the current output cell) and two texts. Plotly merges
a frame's ``layout.shapes`` / ``layout.annotations`` into the figure item by item (index ``i`` of the
frame updates index ``i`` of the figure), so a frame sends only ``{"path": ...}`` or ``{"text": ...}``
and the styling stays in the layout. Hence the fixed order:

- ``layout.shapes``: one window outline per channel, then the output cover, then the current output
  cell (all animated); static outlines follow.
- ``layout.annotations``: ``[0]`` the written-out sum (:data:`EQUATION`), ``[1]`` the step caption
  (:data:`CAPTION`, "Step 5 of 9 · window at row −1, column 0 of the padded input → out(1, 1)", rows
  and columns counted as on the padded input's axes, which start at −padding); panel titles follow.

Frame count. Up to ``max_frames`` (default ``style.MAX_FRAMES``) steps there is one frame per step.
Beyond, there is one frame every ``k`` steps (plus the last step and the requested ``step``), each one
an exact step of the trace. Frame names are the step indices as strings.

Controls. ``controls=True``: Plotly's own Play / Pause on a row of their own, and the step slider with its
label under them (the standalone HTML export). ``controls=False``: neither, and no room for them: the
page draws its own.

Clicking an output cell: the output heatmap (drawn whole, never part of a frame) carries ``customdata`` =
``[step, step + 1]`` per cell: the step that computes it, and that step as the page counts it. (It used to be
an invisible scatter marker per cell: Plotly styles every marker on its own, so a 62x62 output took 300 ms of
every redraw; a heatmap is one picture.)
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, replace

import numpy as np

from ..numbers import TIMES, math_fmt, product
from ..trace import ConvTrace
from . import style
from .toolkit import (
    auto_show_values,
    axis_ids,
    base_layout,
    channel_names,
    controls_px,
    fit_title,
    fit_values,
    heatmap,
    image_range,
    is_image_like,
    least_cell,
    panel_axes,
    play_controls,
    split_domain,
    symmetric_range,
    text_em,
    title_annotation,
    to_list,
    usable_px,
    value_texts,
)

EQUATION, CAPTION = 0, 1  # indices in layout.annotations (and in every frame's annotations)
PANEL_GAP = 0.025  # paper fraction between two panels of a row


# --- Frame bookkeeping ---------------------------------------------------------------------------------
def frame_steps(steps: int, step: int = 0, max_frames: int | None = None, dense: int = 0) -> list[int]:
    """The steps that get a Plotly frame: all of them up to ``max_frames``, else every k-th one
    (0, k, 2k, ...), the last step, ``step`` (so the slider can sit exactly on it) and every step within
    ``dense`` of ``step`` (so stepping one by one near it needs no new figure)."""
    limit = style.MAX_FRAMES if max_frames is None else max(2, int(max_frames))
    if steps <= limit:
        return list(range(steps))
    k = math.ceil(steps / (limit - 1))
    near = range(max(0, step - dense), min(steps, step + dense + 1))
    return sorted(set(range(0, steps, k)) | {steps - 1, step} | set(near))


def step_label(trace: ConvTrace, s: int) -> str:
    """``step 7 / 9 · out(2, 0)``: how the slider names a step (1-based count, 0-based cell)."""
    y, x = (int(v) for v in trace.positions[s])
    return f"step {s + 1} / {trace.steps} · out({y}, {x})"


def kernel_axes(channels: int) -> list[tuple[str, str]]:
    """The ``(x, y)`` axis ids of each channel's kernel panel (the page lays its editable cells over them)."""
    return [axis_ids(3 * i + 2) for i in range(channels)]


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


# --- The texts of a step ---------------------------------------------------------------------------------
def _wrap(text: str, max_em: float, sep: str = " + ") -> list[str]:
    """Break a long sum at its ``sep`` signs into lines at most ``max_em`` wide (at least one part each); a
    continued line starts with the sign (``+ 0 × 1 ...``)."""
    parts = text.split(sep)
    sep_em = text_em(sep)
    lines = [parts[0]]
    width = text_em(parts[0])
    for part in parts[1:]:
        part_em = text_em(part)
        if width + sep_em + part_em <= max_em:
            lines[-1] += sep + part
            width += sep_em + part_em
        else:
            lines.append(sep.lstrip() + part if sep.strip() == "+" else part)
            width = text_em(lines[-1])
    return lines


class _Operands:
    """The window and kernel values of a trace written once each (``math_fmt``), for every step's sum: the
    windows' texts as one array ``(steps, kh, kw, C)`` (looked up by value, not formatted per step), each
    kernel value as its `` × k`` suffix per channel."""

    def __init__(self, trace: ConvTrace) -> None:
        values, inverse = np.unique(trace.windows, return_inverse=True)
        text = np.array([math_fmt(v) for v in values], dtype=object)
        self.windows = text[np.asarray(inverse).reshape(trace.windows.shape)]
        self.kernel = [[f" {TIMES} {math_fmt(v)}" for v in trace.kernel[:, :, i].ravel()]
                       for i in range(trace.kernel.shape[2])]


def _terms(trace: ConvTrace, s: int, channel: int, operands: _Operands | None = None) -> str:
    """``1 × 1 + 0 × (−1) + ...``: the products of one channel at step ``s``."""
    if operands is None:
        win, ker = trace.windows[s, :, :, channel].ravel(), trace.kernel[:, :, channel].ravel()
        return " + ".join(product(a, b) for a, b in zip(win, ker, strict=True))
    win = operands.windows[s, :, :, channel].ravel().tolist()
    return " + ".join([a + b for a, b in zip(win, operands.kernel[channel], strict=True)])


def equation_lines(
    trace: ConvTrace, s: int, names: list[str], max_em: float = 48.0, operands: _Operands | None = None,
    terms: bool = True,
) -> list[str]:
    """The sum of step ``s`` as lines of text at most ``max_em`` wide (Plotly's small HTML: ``<b>`` for
    the result), with ``×``, ``−`` and negative operands in parentheses.

    One channel: ``out(2, 0) = 1 × 1 + 0 × (−1) + ... = 4`` (+ a bias line). Several: one line per
    channel (its products and their sum), then the channel sums added up, "the channels are absorbed".
    ``operands``: the trace's values written once (many steps share them), an optimisation only.
    ``terms=False`` (a phone): several channels' sums without their terms (the products panels show them).
    """
    y, x = (int(v) for v in trace.positions[s])
    c = trace.kernel.shape[2]
    out = f"out({y}, {x})"
    total = math_fmt(trace.totals[s], operand=False)
    bias = f" + bias {math_fmt(trace.bias)}" if trace.bias != 0 else ""
    if c == 1:
        value = math_fmt(trace.channel_sums[s, 0], operand=False)
        if not bias:
            return _wrap(f"{out} = {_terms(trace, s, 0, operands)} = <b>{value}</b>", max_em)
        return _wrap(f"{out} = {_terms(trace, s, 0, operands)} = {value}", max_em) + [f"{value}{bias} = <b>{total}</b>"]
    if not terms and c <= style.MAX_CHANNEL_ROWS:  # a phone: the channels by name, then their sums, two lines
        named = " + ".join(names) + (" + bias" if bias else "")
        values = " + ".join(math_fmt(float(v)) for v in trace.channel_sums[s])
        values += f" + {math_fmt(trace.bias)}" if bias else ""
        return _wrap(f"{out} = {named}", max_em) + _wrap(f"= {values} = <b>{total}</b>", max_em)
    lines: list[str] = []
    if c <= style.MAX_CHANNEL_ROWS and terms:
        for i in range(c):
            value = math_fmt(trace.channel_sums[s, i], operand=False)
            lines += _wrap(f"{names[i]}: {_terms(trace, s, i, operands)} = <b>{value}</b>", max_em)
    else:
        sums = [math_fmt(v, operand=False) for v in trace.channel_sums[s]]
        lines += _wrap(" · ".join(f"{n}: {v}" for n, v in zip(names, sums, strict=True)), max_em, " · ")
    absorbed = math_fmt(trace.totals[s] - trace.bias, operand=False)
    added = " + ".join(math_fmt(float(v)) for v in trace.channel_sums[s])
    line = f"{out} = {added} = "
    line += f"{absorbed} (channels absorbed){bias} = <b>{total}</b>" if bias else f"<b>{total}</b> (channels absorbed)"
    return lines + _wrap(line, max_em)


def step_caption(trace: ConvTrace, s: int, max_em: float = 60.0) -> str:
    """``Step 5 of 9 · window at row −1, column 0 of the padded input → out(1, 1)``: rows and columns of
    the window's top-left cell counted as on the input's axes (the padded ring starts at −padding). A
    shorter form (``Step 5 of 9 · window at (−1, 0) → out(1, 1)``) when the long one is wider than
    ``max_em``, on two or three lines (``<br>``) when even that is too wide."""
    y, x = (int(v) for v in trace.positions[s])
    oy, ox = (int(v) for v in trace.origins[s])
    row = math_fmt(oy - trace.padding[0], operand=False)
    col = math_fmt(ox - trace.padding[1], operand=False)
    where = "the padded input" if any(trace.padding) else "the input"
    head = f"Step {s + 1} of {trace.steps} · window at"
    long = f"{head} row {row}, column {col} of {where} → out({y}, {x})"
    if text_em(long) <= max_em:
        return long
    shorter = (f"Step {s + 1} of {trace.steps} · window ({row}, {col}) → out({y}, {x})",  # a phone: one line
               f"Step {s + 1} of {trace.steps} · ({row}, {col}) → out({y}, {x})")
    for text in (f"{head} ({row}, {col}) → out({y}, {x})", *shorter, f"{head} ({row}, {col})<br>→ out({y}, {x})"):
        if max(text_em(line) for line in text.split("<br>")) <= max_em:
            return text
    return f"Step {s + 1} of {trace.steps}<br>window at ({row}, {col})<br>→ out({y}, {x})"


# --- Sizes of the two modes and the layout plan ------------------------------------------------------------
@dataclass(frozen=True)
class Sizes:
    """Fonts (px) and caps of one mode: the normal page or the projector (``presentation``)."""

    title: int
    min_title: int
    equation: int
    caption: int
    control: int
    tick: int
    min_value: int
    max_value: int | None  # None: style.value_font_size of the grid
    max_cell: float
    kernel_cell: float
    panel: float
    phone: bool = False  # a figure narrower than style.PHONE_WIDTH_PX: several channels' sums written short
    max_out_cell: float | None = None  # the output's cells at most (None: max_cell); a phone keeps them small

    @property
    def out_cap(self) -> float:
        return self.max_cell if self.max_out_cell is None else self.max_out_cell

    @classmethod
    def of(cls, presentation: bool, width_px: float | None = None) -> Sizes:
        """The sizes of the mode; a figure drawn narrower than ``style.PHONE_WIDTH_PX`` (a phone) writes its sum
        and caption smaller, so that they take fewer lines and stay on the first screen with the panels. A phone
        is no projector: presentation mode on it keeps the phone's sizes (the page around it is what changes)."""
        phone = width_px is not None and width_px < style.PHONE_WIDTH_PX
        if presentation and not phone:
            return cls(style.PRESENT_TITLE_SIZE, 28, style.PRESENT_EQUATION_SIZE, style.PRESENT_CAPTION_SIZE,
                       style.PRESENT_CONTROL_FONT_SIZE, style.PRESENT_TICK_SIZE, style.PRESENT_MIN_VALUE_FONT,
                       style.PRESENT_MAX_VALUE_FONT, style.PRESENT_MAX_CELL_PX, style.PRESENT_MAX_CELL_PX,
                       style.PRESENT_PANEL_PX)
        return cls(style.TITLE_SIZE, style.MIN_TITLE_SIZE, style.PHONE_EQUATION_SIZE if phone else style.EQUATION_SIZE,
                   style.PHONE_CAPTION_SIZE if phone else style.CAPTION_SIZE,
                   style.CONTROL_FONT_SIZE, style.TICK_SIZE, style.MIN_VALUE_FONT, None, style.MAX_CELL_PX,
                   style.PHONE_KERNEL_CELL_PX if phone else style.KERNEL_CELL_PX, style.PANEL_PX, phone,
                   style.PHONE_KERNEL_CELL_PX if phone else None)

    def max_value_font(self, side: int) -> int:
        return self.max_value if self.max_value is not None else style.value_font_size(side)

    @property
    def title_px(self) -> int:
        """Room above a row of panels for their titles."""
        return round(self.title * 1.5 + 14)


@dataclass(frozen=True)
class Plan:
    """Where everything goes, in pixels and paper fractions. Vertically: titles | panel rows | caption |
    equation | controls; horizontally: ``per_row`` groups of (input, kernel, products), then the output."""

    usable: float  # px across the plot area
    per_row: int
    rows: int
    row_px: float  # height of one row of channel panels
    block: float  # height of all panel rows (the plot area)
    x_domains: list[list[float]]
    y_domains: list[list[float]]
    out_y: list[float]
    in_cell: float
    k_cell: float
    out_cell: float
    title_px: int
    tick_px: int
    caption_px: int
    equation_px: int
    controls_px: int
    spare_px: int  # height given but not usable by the panels (too narrow a screen): under the controls
    height: int
    k_y: list[float] | None = None  # the kernel's and products' y domain, when not their channel row's (a phone)

    @property
    def bottom(self) -> int:
        """The bottom margin: caption, equation, controls and any spare room."""
        return self.caption_px + self.equation_px + self.controls_px + self.spare_px


def _natural_widths(trace: ConvTrace, row_px: float, out_px: float, sizes: Sizes) -> tuple[float, float, float]:
    """Pixel widths of the input, kernel (= products) and output panels with square cells, given the
    height of a channel row and of the output."""
    hp, wp = trace.padded.shape[:2]
    kh, kw = trace.kernel.shape[:2]
    ho, wo = trace.out_shape
    out_cell = min(out_px / ho, sizes.out_cap)
    if trace.kernel.shape[2] > 1:  # the output spans the channel rows: keep its cells near the input's
        out_cell = min(out_cell, 1.5 * row_px / hp)
    return (
        wp * min(row_px / hp, sizes.max_cell),
        kw * min(row_px / kh, sizes.kernel_cell),
        wo * out_cell,
    )


def _tick_room(trace: ConvTrace, usable: float, sizes: Sizes) -> float:
    """Pixels added to the gap before the output, so that its row numbers (drawn at its left) do not crowd the
    products panel: none where the usual gap is wide enough (a laptop), some on a phone."""
    label_px = len(str(trace.out_shape[0] - 1)) * 0.6 * sizes.tick + 10
    return max(0.0, label_px - PANEL_GAP * usable)


def _fit_row(
    trace: ConvTrace, per_row: int, rows: int, row_px: float, usable: float, sizes: Sizes, out_cap: float
) -> float:
    """``row_px`` shrunk until ``per_row`` groups and the output (``rows`` rows tall, at most ``out_cap``)
    fit ``usable`` pixels across."""
    gaps = PANEL_GAP * usable * 3 * per_row + _tick_room(trace, usable, sizes)
    for _ in range(4):  # capped cells make width not quite proportional to height: a few rounds settle it
        in_w, k_w, out_w = _natural_widths(trace, row_px, min(out_cap, rows * row_px), sizes)
        wide = per_row * (in_w + 2 * k_w) + out_w
        if wide <= usable - gaps:
            break
        row_px *= (usable - gaps) / wide
    return row_px


def _channel_grid(
    trace: ConvTrace, usable: float, sizes: Sizes, row_gap: float, max_block: float = style.MAX_BLOCK_PX
) -> tuple[int, float]:
    """``(groups per row, row height in px)`` for the channel panels: one row for one channel; for C > 1
    the arrangement (rows of (input, kernel, products) groups) whose cells come out largest, within the
    width and ``max_block`` px of height (``MAX_BLOCK_PX``, or the room a given figure height leaves)."""
    c = trace.kernel.shape[2]
    if c == 1:
        return 1, _fit_row(trace, 1, 1, sizes.panel, usable, sizes, sizes.panel)
    top = style.CHANNEL_ROW_PX * sizes.panel / style.PANEL_PX
    best = (0.0, 1, top)
    for per_row in range(1, c + 1):
        rows = math.ceil(c / per_row)
        row_px = min(top, max(max_block - (rows - 1) * row_gap, 30.0) / rows)
        row_px = _fit_row(trace, per_row, rows, row_px, usable, sizes, sizes.panel)
        cell = row_px / max(trace.padded.shape[0], trace.kernel.shape[0])
        if cell > best[0] + 1e-9:
            best = (cell, per_row, row_px)
        if rows == 1:
            break
    return best[1], max(best[2], 60.0)


def _cell_px(x_domain: list[float], usable: float, height_px: float, rows: int, cols: int) -> float:
    """How many pixels a square cell of a ``rows x cols`` panel gets in its domain and height."""
    return min((x_domain[1] - x_domain[0]) * usable / cols, height_px / rows)


def plan_layout(
    trace: ConvTrace,
    sizes: Sizes,
    *,
    width_px: float | None,
    height: int | None,
    equation_lines_count: int,
    caption_lines: int,
    controls: bool,
) -> Plan:
    """The layout plan: how many channel groups per row, how tall the panels are, where each panel sits,
    how many pixels a cell gets (what the numbers are fitted to)."""
    c = trace.kernel.shape[2]
    hp, wp = trace.padded.shape[:2]
    kh, kw = trace.kernel.shape[:2]
    ho, wo = trace.out_shape
    usable = usable_px(width_px)
    title_px = sizes.title_px
    row_gap = title_px + 20  # between rows of channel panels, room for the next row's titles
    tick_px = round(sizes.tick * 1.4 + 8)  # row / column numbers under the input and output
    caption_px = tick_px + round(caption_lines * sizes.caption * 1.35 + 10)
    equation_px = round(equation_lines_count * sizes.equation * style.EQUATION_LINE_HEIGHT + 16)
    ctrl_px = controls_px(sizes.control) if controls else 0
    bottom = caption_px + equation_px + ctrl_px
    room = None if height is None else max(int(height) - title_px - bottom, 150)
    per_row, row_px = _channel_grid(trace, usable, sizes, row_gap,
                                    style.MAX_BLOCK_PX if room is None else min(style.MAX_BLOCK_PX, room))
    rows = math.ceil(c / per_row)
    block = row_px + (rows - 1) * (row_px + row_gap)
    spare = 0
    if height is not None:  # panels as tall as the given height leaves room for, and the width allows;
        room = max(int(height) - title_px - bottom, 150)  # what they cannot use goes under the controls
        row_px = _fit_row(trace, per_row, rows, (room - (rows - 1) * row_gap) / rows, usable, sizes, math.inf)
        row_px = _used_height(trace, row_px, rows * row_px + (rows - 1) * row_gap, sizes)
        block = min(room, rows * row_px + (rows - 1) * row_gap)
        spare = 0 if sizes.phone else room - block  # a phone's page goes on under the figure: no blank band
    y_domains = []
    for r in range(rows):
        y1 = 1.0 - r * (row_px + row_gap) / block
        y_domains.append([round(max(y1 - row_px / block, 0.0), 5), round(y1, 5)])
    out_px = min(block, sizes.panel) if height is None else block
    in_w, k_w, out_w = _natural_widths(trace, row_px, out_px, sizes)
    # Width left over (a wide screen): the output may take it, up to its own uncapped size.
    extra = _tick_room(trace, usable, sizes)
    left = usable * (1 - PANEL_GAP * 3 * per_row) - extra - per_row * (in_w + 2 * k_w) - out_w
    out_w = min(out_w + max(left, 0.0), wo * min(out_px / ho, sizes.out_cap))
    x_domains = split_domain([in_w, k_w, k_w] * per_row + [out_w], PANEL_GAP, end=1.0 - extra / usable)
    x_domains[-1] = [round(x_domains[-1][0] + extra / usable, 5), 1.0]
    out_y = [y_domains[-1][0], y_domains[0][1]]
    plan = Plan(
        usable=usable,
        per_row=per_row,
        rows=rows,
        row_px=row_px,
        block=block,
        x_domains=x_domains,
        y_domains=y_domains,
        out_y=out_y,
        in_cell=_cell_px(x_domains[0], usable, row_px, hp, wp),
        k_cell=_cell_px(x_domains[1], usable, row_px, kh, kw),
        out_cell=_cell_px(x_domains[-1], usable, (out_y[1] - out_y[0]) * block, ho, wo),
        title_px=title_px,
        tick_px=tick_px,
        caption_px=caption_px,
        equation_px=equation_px,
        controls_px=ctrl_px,
        spare_px=round(spare),
        height=round(title_px + block + bottom + spare),
    )
    if sizes.phone and c == 1:
        return _corner_plan(trace, sizes, plan) or plan
    return plan


CORNER_GAP_PX = 8  # between the panels of a phone's corner layout
CORNER_MIN_CELL_PX = 11  # its kernel, products and output cells at least this


def _corner_plan(trace: ConvTrace, sizes: Sizes, row: Plan) -> Plan | None:
    """A phone's layout for an input whose numbers do not fit in the row of four panels (a photo's region): the
    input on the left, as large as its numbers need; on its right the kernel and the products, with the output
    under them. None when the row writes the input's numbers already, or when they would not fit this way either."""
    hp, wp = trace.padded.shape[:2]
    kh, kw = trace.kernel.shape[:2]
    ho, wo = trace.out_shape
    side, usable = max(hp, wp), row.usable
    if not auto_show_values(hp, wp, None) or _fit(trace.padded, row.in_cell, side, sizes, True) is not None:
        return None
    in_cell = next((px for px in range(math.ceil(row.in_cell), int(0.62 * usable / wp) + 1)
                    if _fit(trace.padded, px, side, sizes, True) is not None), None)
    if in_cell is None:
        return None
    block = hp * in_cell
    left = wp * in_cell + CORNER_GAP_PX
    out_left = left + len(str(ho - 1)) * 0.6 * sizes.tick + 10  # the output's row numbers are written at its left
    k_cell = min(sizes.kernel_cell, (usable - left - CORNER_GAP_PX) / (2 * kw))
    out_cell = min(sizes.out_cap, (usable - out_left) / wo)
    need = kh * k_cell + row.title_px + ho * out_cell
    if need > block:  # the kernel over the output must not be taller than the input
        k_cell, out_cell = k_cell * (block - row.title_px) / (need - row.title_px), out_cell * (
            block - row.title_px) / (need - row.title_px)
    if min(k_cell, out_cell) < CORNER_MIN_CELL_PX:
        return None
    x = [left / usable, (left + kw * k_cell) / usable]
    x_products = [x[1] + CORNER_GAP_PX / usable, x[1] + (CORNER_GAP_PX + kw * k_cell) / usable]
    bottom = row.caption_px + row.equation_px + row.controls_px
    return replace(
        row, row_px=block, block=block,
        x_domains=[[0.0, round(wp * in_cell / usable, 5)], [round(v, 5) for v in x], [round(v, 5) for v in x_products],
                   [round(out_left / usable, 5), round((out_left + wo * out_cell) / usable, 5)]],
        y_domains=[[0.0, 1.0]], out_y=[0.0, round(ho * out_cell / block, 5)],
        k_y=[round(1.0 - kh * k_cell / block, 5), 1.0],
        in_cell=float(in_cell), k_cell=k_cell, out_cell=out_cell, spare_px=0,
        height=round(row.title_px + block + bottom),
    )


def _used_height(trace: ConvTrace, row_px: float, block: float, sizes: Sizes) -> float:
    """How much of a channel row the panels really fill once their cells are capped (and, for one
    channel, the output, as tall as the block)."""
    hp, kh = trace.padded.shape[0], trace.kernel.shape[0]
    used = max(hp * min(row_px / hp, sizes.max_cell), kh * min(row_px / kh, sizes.kernel_cell))
    if trace.kernel.shape[2] == 1:
        ho = trace.out_shape[0]
        used = max(used, ho * min(block / ho, sizes.out_cap))
    return min(row_px, used)


# --- The figure ------------------------------------------------------------------------------------------
def _check_args(trace: ConvTrace, step: object, frame_ms: int, channel_labels: list[str] | None) -> tuple[int, list]:
    """``(step, channel names)``, or a ValueError a person can act on."""
    try:
        if isinstance(step, (bool, np.bool_)):
            raise TypeError
        step = operator.index(step)  # ints and NumPy integers; not 2.5, not True
    except TypeError:
        raise ValueError(f"step must be a whole number, not {step!r}") from None
    if not 0 <= step < trace.steps:
        raise ValueError(f"step {step} does not exist: this animation has steps 0 to {trace.steps - 1}")
    if frame_ms < 0:
        raise ValueError(f"frame_ms must be at least 0, got {frame_ms}")
    c = trace.padded.shape[2]
    names = list(channel_labels) if channel_labels is not None else channel_names(c)
    if len(names) != c:
        raise ValueError(f"{c} channels need {c} labels; got {len(names)}")
    return step, names


def sliding_figure(
    trace: ConvTrace,
    *,
    step: int = 0,
    frame_ms: int = style.DEFAULT_FRAME_MS,
    show_values: bool | None = None,
    height: int | None = None,
    max_frames: int | None = None,
    channel_labels: list[str] | None = None,
    controls: bool = True,
    presentation: bool = False,
    width_px: int | None = None,
    dense_frames: int = 0,
    click_markers: bool = False,
) -> dict:
    """The animation of ``trace`` as one Plotly figure dict, showing step ``step`` until played.

    Inputs:
    - trace: from :func:`visualizer.trace_convolution`; step: the step shown initially (0-based) and the
      slider's ``active`` frame; frame_ms: milliseconds per frame when playing.
    - show_values: write numbers in the input and output cells; ``None``: when the grid is at most
      12x12. Kernel and products always try. Numbers are written only where they fit
      their cell at the mode's minimum font; otherwise the cell shows its colour alone, value on hover.
    - height: pixels (default: from the panels, the equation and the controls).
    - max_frames: at most this many frames (default ``style.MAX_FRAMES``; 4,900 gives one frame per step
      to a 70x70 output); see the module docstring.
    - channel_labels: names of the C channels (default R, G, B for three, else ``ch i``).
    - controls: Plotly's own Play / Pause and slider (True), or none and no room for them (False).
    - presentation: the projector layout: panels as large as ``height`` (and the width) allow, numbers in
      cells at least 28 px (else none), titles, caption and equation at least 28 px.
    - width_px: the width the figure will be drawn at, when known (else ``style.ASSUMED_WIDTH_PX``):
      numbers, titles and the equation's line breaks are fitted to it.
    - dense_frames: when frames are thinned, every step within this many of ``step`` still gets a frame.
    - click_markers: also an invisible scatter marker on every output cell (``customdata`` the same), last: for a
      figure drawn by ``st.plotly_chart``, whose selection events report scatter points, never heatmap cells
      (the network view). The studio's player reads clicks on the output heatmap itself.
    Returns a figure dict: ``data``, ``layout`` (``annotations[0]`` the sum, ``[1]`` the step caption; with
    ``controls``, Play / Pause ``updatemenus`` and a ``sliders`` entry), ``frames`` named by step. The
    last trace is the output heatmap, clickable: ``customdata`` = ``[step, step + 1]`` per cell (with
    ``click_markers``, the markers after it).
    """
    step, names = _check_args(trace, step, frame_ms, channel_labels)
    sizes = Sizes.of(presentation, width_px)
    usable = usable_px(width_px)
    steps = frame_steps(trace.steps, step, max_frames, dense_frames)
    shown = sorted(set(steps) | {step})
    operands = _Operands(trace)

    written: dict[tuple[int, int], tuple[dict[int, str], dict[int, str]]] = {}  # the texts of each font pair

    def planned(sizes: Sizes) -> tuple[Plan, dict[int, str], dict[int, str]]:
        if (sizes.equation, sizes.caption) not in written:  # a layout tried with other panel sizes reuses them
            written[sizes.equation, sizes.caption] = (
                {s: "<br>".join(equation_lines(trace, s, names, usable / sizes.equation, operands, not sizes.phone))
                 for s in shown},
                {s: step_caption(trace, s, usable / sizes.caption) for s in shown})
        texts, captions = written[sizes.equation, sizes.caption]
        equation_lines_count, caption_lines = _line_counts(texts, captions)
        plan = plan_layout(trace, sizes, width_px=width_px, height=height, equation_lines_count=equation_lines_count,
                           caption_lines=caption_lines, controls=controls)
        return plan, texts, captions

    plan, texts, captions = planned(sizes)
    if presentation and height is not None and not sizes.phone and plan.spare_px > 0:
        # On a projector the panels are as wide as the screen allows and height is left under them. First the
        # panels take it: the kernel's (and products') cells shrink towards the input's, which leaves the row
        # room to grow taller. Then the step's caption, its sum and the axes' numbers take what is left, written
        # larger (up to PRESENT_GROW times, on more lines if need be), while the panels keep their size (within 3%:
        # larger row numbers widen the gap before the output a little).
        sizes, (plan, texts, captions) = _kernel_towards_input(sizes, (plan, texts, captions), planned, 0.0)
        for grow in np.linspace(style.PRESENT_GROW, 1.0, 7)[:-1]:
            larger = replace(sizes, equation=round(sizes.equation * grow), caption=round(sizes.caption * grow),
                             tick=round(sizes.tick * grow))
            candidate = planned(larger)
            if candidate[0].row_px >= 0.97 * plan.row_px:
                sizes, (plan, texts, captions) = larger, candidate
                break
    elif not presentation and not sizes.phone:
        # On a laptop each row's input is as tall as its kernel, whose cells are far larger than the input's (a 6x6
        # region: 33 against 67 px). Smaller kernel and products cells, as long as their numbers keep every digit,
        # give the row more width, so the input grows (and writes as many decimals as the sum).
        need = max(_least_cell(trace.kernel, plan.k_cell, sizes), _least_cell(trace.products, plan.k_cell, sizes))
        sizes, (plan, texts, captions) = _kernel_towards_input(sizes, (plan, texts, captions), planned, need)
    layout = base_layout(plan.height, {"l": style.SIDE_MARGIN_PX, "r": style.SIDE_MARGIN_PX, "t": plan.title_px,
                                       "b": plan.bottom})
    layout["clickmode"] = "event+select"
    data, animated, static, titles, product_traces = _channel_panels(trace, plan, sizes, names, step, show_values)
    _output_panel(trace, plan, sizes, step, show_values, data, animated, static, titles)
    if click_markers:
        data.append(_click_targets(trace, 3 * trace.padded.shape[2] + 1, plan.out_cell))
    layout.update(_axes(trace, plan, sizes, data))
    layout["shapes"] = animated + static
    smallest = min(title["font"]["size"] for title in titles)
    for title in titles:  # one size for every panel's title, the size the tightest one fits at
        title["font"]["size"] = smallest
    layout["annotations"] = [_equation_annotation(texts[step], plan, sizes),
                             _caption_annotation(captions[step], plan, sizes)] + titles
    if controls:
        active = steps.index(step)
        layout["updatemenus"], layout["sliders"] = play_controls(
            [step_label(trace, s) for s in steps],
            [str(s) for s in steps],
            frame_ms=frame_ms,
            top_px=plan.caption_px + plan.equation_px + 8,
            active=active,
            play_frames=[str(s) for s in steps[active:]],
            font_size=sizes.control,
        )
    return {"data": data, "layout": layout, "frames": _frames(trace, steps, texts, captions, product_traces)}


def _kernel_towards_input(sizes: Sizes, planned_now: tuple, planned, floor_px: float) -> tuple[Sizes, tuple]:
    """The sizes and plan with the kernel's (and products') cells shrunk from their size towards the input's (never
    smaller, nor under ``floor_px``) as far as that makes the row of panels taller (while the width limits it)."""
    best = planned_now
    if best[0].k_cell <= max(best[0].in_cell, floor_px) + 0.5:  # as small as they may be already
        return sizes, best
    for cap in np.linspace(best[0].k_cell, max(best[0].in_cell, floor_px), 9)[1:]:
        candidate = planned(replace(sizes, kernel_cell=float(cap)))
        if candidate[0].k_cell < floor_px or candidate[0].k_cell < candidate[0].in_cell - 0.5:
            break
        if candidate[0].row_px > best[0].row_px + 0.5:
            sizes, best = replace(sizes, kernel_cell=float(cap)), candidate
        if candidate[0].spare_px <= 0 and candidate[0].row_px <= best[0].row_px + 0.5:
            break
    return sizes, best


def _least_cell(values: np.ndarray, cell_px: float, sizes: Sizes) -> float:
    """The smallest cell (px) in which ``values`` (a kernel's ``(kh, kw, C)``, or products ``(steps, kh, kw, C)``) are
    written as at ``cell_px``: with as many decimals, or not at all."""
    at = _fit(values, cell_px, max(values.shape[-3:-1]), sizes, True)
    return 0.0 if at is None else least_cell(value_texts(values, at[0]), sizes.min_value)


def _line_counts(texts: dict[int, str], captions: dict[int, str]) -> tuple[int, int]:
    """How many lines the longest sum and the longest caption take."""
    return max(t.count("<br>") + 1 for t in texts.values()), max(t.count("<br>") + 1 for t in captions.values())


def _axes(trace: ConvTrace, plan: Plan, sizes: Sizes, data: list[dict]) -> dict:
    """Every panel's axes; row and column numbers on the input and output when their cells show numbers."""
    hp, wp, c = trace.padded.shape
    kh, kw = trace.kernel.shape[:2]
    ho, wo = trace.out_shape
    ph, pw = trace.padding
    labelled = {d["xaxis"] for d in data if d.get("type") == "heatmap" and "texttemplate" in d}
    axes: dict = {}
    for i in range(c):
        r, g = divmod(i, plan.per_row)
        yd = plan.y_domains[r]
        kin = 3 * i + 1
        ticks = axis_ids(kin)[0] in labelled
        axes.update(panel_axes(kin, plan.x_domains[3 * g], yd, hp, wp, ticks=ticks, row_offset=ph, col_offset=pw,
                               tick_size=sizes.tick))
        axes.update(panel_axes(kin + 1, plan.x_domains[3 * g + 1], plan.k_y or yd, kh, kw))
        axes.update(panel_axes(kin + 2, plan.x_domains[3 * g + 2], plan.k_y or yd, kh, kw))
    out_k = 3 * c + 1
    axes.update(panel_axes(out_k, plan.x_domains[-1], plan.out_y, ho, wo, ticks=axis_ids(out_k)[0] in labelled,
                           tick_size=sizes.tick))
    return axes


def _fit(values: np.ndarray, cell_px: float, side: int, sizes: Sizes, want: bool) -> tuple[int, int] | None:
    """``(decimals, font)`` for the numbers of a panel, or None (not wanted, or they do not fit)."""
    if not want:
        return None
    return fit_values(values, cell_px, digits=style.value_digits(side), max_font=sizes.max_value_font(side),
                      min_font=sizes.min_value)


def _channel_panels(
    trace: ConvTrace, plan: Plan, sizes: Sizes, names: list[str], step: int, show_values: bool | None
) -> tuple[list[dict], list[dict], list[dict], list[dict], list[int]]:
    """Per channel: the padded input (with its padding ring and window outline), the kernel and the
    products of ``step``. Returns ``(traces, animated shapes, static shapes, titles, product trace indices)``."""
    hp, wp, c = trace.padded.shape
    kh, kw = trace.kernel.shape[:2]
    ph, pw = trace.padding
    h, w = trace.image.shape[:2]
    image_like = is_image_like(trace.padded)
    in_lo, in_hi = image_range(trace.padded) if image_like else symmetric_range(trace.padded)
    in_scale = style.GRAYSCALE if image_like else style.DIVERGING
    k_lo, k_hi = symmetric_range(trace.kernel)
    p_lo, p_hi = symmetric_range(trace.products)
    real = np.zeros((hp, wp), dtype=bool)
    real[ph : ph + h, pw : pw + w] = True
    in_side, k_side = max(hp, wp), max(kh, kw)
    in_fit = _fit(trace.padded, plan.in_cell, in_side, sizes, auto_show_values(hp, wp, show_values))
    k_fit = _fit(trace.kernel, plan.k_cell, k_side, sizes, True)
    p_fit = _fit(trace.products, plan.k_cell, k_side, sizes, True)
    data: list[dict] = []
    animated: list[dict] = []
    static: list[dict] = []
    titles: list[dict] = []
    products: list[int] = []
    pad_note = "" if not (ph or pw) else f", padding {ph}" if ph == pw else f", padding {ph}x{pw}"
    for i in range(c):
        r, g = divmod(i, plan.per_row)
        kin = 3 * i + 1
        xin, xker, xprod = plan.x_domains[3 * g : 3 * g + 3]
        top = plan.y_domains[r][1]
        suffix = f" {names[i]}" if c > 1 else ""
        in_title = f"input {h}x{w}{pad_note}" if c == 1 else f"input {names[i]}"
        titles.append(_title([in_title, f"in{suffix}"], xin, top, plan, sizes))
        titles.append(_title([f"kernel{suffix}", f"w{suffix}"], xker, top, plan, sizes))
        titles.append(_title([f"window × kernel{suffix}", f"products{suffix}", f"×{suffix}"], xprod, top, plan, sizes))
        data.append(heatmap(
            np.where(real, trace.padded[:, :, i], np.nan), kin, zmin=in_lo, zmax=in_hi, colorscale=in_scale,
            fit=in_fit, name=f"input{suffix}",
            hovertemplate=f"input{suffix}<br>row %{{y}}, column %{{x}} (padded): %{{z:.4~f}}<extra></extra>",
        ))
        xid, yid = axis_ids(kin)
        static.append(_frame_rect(xid, yid, -0.5, wp - 0.5, -0.5, hp - 0.5, style.OUTPUT_BORDER, 1, "solid"))
        if ph or pw:
            data += _padding_traces(kin, real, in_fit, (hp, wp, ph, pw, h, w))
            static.append(
                _frame_rect(xid, yid, pw - 0.5, pw + w - 0.5, ph - 0.5, ph + h - 0.5, style.IMAGE_BORDER, 2, "dash")
            )
        data.append(heatmap(
            trace.kernel[:, :, i], kin + 1, zmin=k_lo, zmax=k_hi, colorscale=style.DIVERGING, fit=k_fit,
            name=f"kernel{suffix}", hovertemplate=f"kernel{suffix}<br>w[%{{y}}, %{{x}}] = %{{z:.6~g}}<extra></extra>",
        ))
        products.append(len(data))
        data.append(heatmap(
            trace.products[step, :, :, i], kin + 2, zmin=p_lo, zmax=p_hi, colorscale=style.DIVERGING, fit=p_fit,
            name=f"products{suffix}",
            hovertemplate=f"window × kernel{suffix}<br>[%{{y}}, %{{x}}] = %{{z:.6~g}}<extra></extra>",
        ))
        width = style.HIGHLIGHT_WIDTH if trace.dilation == (1, 1) else style.DILATED_CELL_WIDTH
        animated.append({"type": "path", "xref": xid, "yref": yid, "path": window_path(trace, step),
                         "line": {"color": style.HIGHLIGHT, "width": width}, "fillcolor": "rgba(0,0,0,0)"})
    if c > 1:  # one title size for all channel panels, the smallest that fits them all
        size = min(t["font"]["size"] for t in titles)
        for t in titles:
            t["font"]["size"] = size
    return data, animated, static, titles, products


def _padding_traces(k: int, real: np.ndarray, fit: tuple[int, int] | None, dims: tuple[int, ...]) -> list[dict]:
    """The zero-padding ring of subplot ``k``: flat grey cells (with their ``0`` when numbers are shown)
    and diagonal hatching over them, so padding never looks like image."""
    pad = heatmap(
        np.where(real, np.nan, 0.0), k, zmin=0.0, zmax=1.0, colorscale=[[0.0, style.PADDING_FILL],
                                                                     [1.0, style.PADDING_FILL]],
        fit=fit, name="padding", hovertemplate="padding: 0 (row %{y}, column %{x} of the padded input)<extra></extra>",
    )
    if fit is not None:
        pad["texttemplate"] = "%{z}"  # a constant "0" would be written over the image cells too
        pad["textfont"]["color"] = style.PADDING_TEXT
    return [pad, _hatch(k, *dims)]


def _output_panel(
    trace: ConvTrace, plan: Plan, sizes: Sizes, step: int, show_values: bool | None,
    data: list[dict], animated: list[dict], static: list[dict], titles: list[dict],
) -> None:
    """The output, drawn whole once; a background-coloured cover hides the cells still to come; the
    current cell outlined; click targets over every cell. Appends to the lists it is given."""
    c = trace.padded.shape[2]
    ho, wo = trace.out_shape
    out_k = 3 * c + 1
    xo, yo = axis_ids(out_k)
    o_lo, o_hi = symmetric_range(trace.totals)
    out_fit = _fit(trace.totals, plan.out_cell, max(ho, wo), sizes, auto_show_values(ho, wo, show_values))
    titles.append(_title([f"output {ho}x{wo}", "output", "out"], plan.x_domains[-1], plan.out_y[1], plan, sizes))
    output = heatmap(trace.output, out_k, zmin=o_lo, zmax=o_hi, colorscale=style.DIVERGING, fit=out_fit,
                     name="output", hovertemplate="output<br>row %{y}, column %{x}: %{z:.4~f}<br>"
                     "click: show step %{customdata[1]}<extra></extra>")
    output["customdata"] = _cell_steps(trace)
    animated.append({"type": "path", "xref": xo, "yref": yo, "path": cover_path(trace, step),
                     "fillcolor": style.BACKGROUND, "line": {"width": 0}, "layer": "above"})
    animated.append({"type": "path", "xref": xo, "yref": yo, "path": cell_path(trace, step),
                     "line": {"color": style.HIGHLIGHT, "width": style.HIGHLIGHT_WIDTH}, "fillcolor": "rgba(0,0,0,0)"})
    static.append(_frame_rect(xo, yo, -0.5, wo - 0.5, -0.5, ho - 0.5, style.OUTPUT_BORDER, 1, "solid"))
    data.append(output)  # last: the clickable trace


def _frames(
    trace: ConvTrace, steps: list[int], texts: dict[int, str], captions: dict[int, str], product_traces: list[int]
) -> list[dict]:
    """One lean frame per step in ``steps``: the products, the animated shapes' paths and the two texts."""
    c = trace.padded.shape[2]
    products = to_list(trace.products[steps].transpose(0, 3, 1, 2))  # one conversion for every frame's panels
    frames = []
    for s, step_products in zip(steps, products, strict=True):
        window = window_path(trace, s)
        frames.append({
            "name": str(s),
            "traces": product_traces,
            "data": [{"type": "heatmap", "z": step_products[i]} for i in range(c)],
            "layout": {
                "shapes": [{"path": window} for _ in range(c)]
                + [{"path": cover_path(trace, s)}, {"path": cell_path(trace, s)}],
                "annotations": [{"text": texts[s]}, {"text": captions[s]}],
            },
        })
    return frames


def _title(candidates: list[str], x_domain: list[float], y_top: float, plan: Plan, sizes: Sizes) -> dict:
    """The first of ``candidates`` (longest first) that fits over its panel in a readable size. A title
    may use the gap to its neighbours, not more."""
    width_px = (x_domain[1] - x_domain[0] + PANEL_GAP) * plan.usable
    text, size = fit_title(candidates, width_px, max_size=sizes.title, min_size=sizes.min_title)
    return title_annotation(text, x_domain, y_top, size=size)


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


def _hatch(k: int, hp: int, wp: int, ph: int, pw: int, h: int, w: int) -> dict:
    """Diagonal hatching over the padding ring (four strips)."""
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


def _cell_steps(trace: ConvTrace) -> list[list[list[int] | None]]:
    """Per output cell ``(y, x)``: ``[step, step + 1]``, the step that computes it (0-based, as the player counts
    internally) and as the page shows it ("Step 1 of 9"); None for a cell no step computes."""
    ho, wo = trace.out_shape
    grid: list[list[list[int] | None]] = [[None] * wo for _ in range(ho)]
    for step, (y, x) in enumerate(trace.positions.tolist()):
        grid[y][x] = [step, step + 1]
    return grid

def _click_targets(trace: ConvTrace, k: int, cell_px: float) -> dict:
    """Invisible but hoverable markers on every output cell; ``customdata`` is ``[step, step + 1]``, as on the
    output heatmap (:func:`visualizer.ui.common.clicked_customdata` reads the first)."""
    xid, yid = axis_ids(k)
    ys, xs = trace.positions[:, 0], trace.positions[:, 1]
    return {
        "type": "scatter",
        "xaxis": xid,
        "yaxis": yid,
        "x": xs.tolist(),
        "y": ys.tolist(),
        "customdata": [[s, s + 1] for s in range(trace.steps)],
        "text": [math_fmt(v, 4, operand=False) for v in trace.totals],
        "mode": "markers",
        "marker": {"symbol": "square", "size": max(4, min(60, int(cell_px * 0.9))), "opacity": 0,
                   "color": style.HIGHLIGHT},
        "hovertemplate": "out(%{y}, %{x}) = %{text}<br>click: show step %{customdata[1]}<extra></extra>",
        "showlegend": False,
        "name": "click an output cell",
    }


def _equation_annotation(text: str, plan: Plan, sizes: Sizes) -> dict:
    """The written-out sum, under the caption."""
    return {
        "text": text,
        "x": 0.5,
        "y": 0.0,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "top",
        "yshift": -plan.caption_px,
        "align": "left",
        "showarrow": False,
        "font": {"size": sizes.equation, "color": style.TEXT},
    }


def _caption_annotation(text: str, plan: Plan, sizes: Sizes) -> dict:
    """The step caption, right under the panels (and their row / column numbers)."""
    return {
        "text": text,
        "x": 0.0,
        "y": 0.0,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "left",
        "yanchor": "top",
        "yshift": -plan.tick_px,
        "align": "left",
        "showarrow": False,
        "font": {"size": sizes.caption, "color": style.MUTED},
    }
