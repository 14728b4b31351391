"""Plotly figures of the network view: the row of stages, the 1x1 convolution as channel mixing, and the
full-size convolution as a dense layer. Pure functions: arrays in, figure dicts out (no Streamlit)."""

from __future__ import annotations

import base64
import math

import numpy as np

from ..numbers import fmt, math_fmt
from .raster import png_bytes
from .style import ACCENT, BACKGROUND, DIVERGING, FONT_FAMILY, GRID_LINE, HIGHLIGHT, HIGHLIGHT_WIDTH, MUTED, TEXT
from .style import STAGE_COLOURS as KIND_COLOURS
from .toolkit import (
    abs_limit,
    axis,
    controls_px,
    fit_font,
    fit_title,
    fit_values,
    heatmap,
    label,
    play_controls,
    usable_px,
)

KIND_NAMES = {"input": "input", "conv": "convolution", "activation": "activation", "pool": "pooling"}
FACE_PX = 240  # the input image painted on its box is sent at about this many pixels a side
ROW_MAX = 6  # stages on one row of the diagram before it wraps
ROW_WRAP = 5  # at most this many stages per row once it wraps
ROW_UNITS = 2.2  # vertical distance between rows, in units of a stage's slot width
BOX_MAX = 0.72  # the largest front face, in units of a stage's slot width
DEPTH_MAX = 0.28  # the oblique depth of the stage with the most channels
STAGE_SLOT_PX = 190  # a stage (box and arrow) needs about this much width at full label size
STAGE_UNIT_PX = 150  # px per slot width at which the stage labels are drawn full size
MIX_AXIS_PX = 56  # under the channel-mixing panels: the channel axis and its title, above Play and the slider
MIX_CONTROL_FONT = 15
MIX_CONTROLS_PX = MIX_AXIS_PX + controls_px(MIX_CONTROL_FONT)
MAX_MIX_FRAMES = 400  # frames of the channel-mixing animation (pixels x filters)
MAX_VALUE_CELLS = 24  # write values in a row of cells only up to this many columns


def _rect(x0: float, x1: float, y0: float, y1: float, *, xref: str, yref: str, color: str = HIGHLIGHT,
          width: float = HIGHLIGHT_WIDTH) -> dict:
    return {"type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "xref": xref, "yref": yref,
            "line": {"color": color, "width": width}, "fillcolor": "rgba(0,0,0,0)"}


def _fitted_label(candidates: list[str], x: float, y: float, width_px: float, size: int, **kw) -> dict:
    """A label over a panel ``width_px`` wide: the longest of ``candidates`` that fits at a readable size."""
    text, fitted = fit_title(candidates, width_px, max_size=size, min_size=min(size, 12))
    return label(text, x, y, size=fitted, **kw)


def _cell_fit(values: np.ndarray, width_px: float, height_px: float, digits: int, max_font: int):
    """``(decimals, font)`` for numbers in cells ``width_px`` x ``height_px``, or None (colour alone)."""
    return fit_values(values, width_px, digits=digits, max_font=max_font, height_px=height_px)


# --------------------------------------------------------------------------------------------------
# The row of stages
# --------------------------------------------------------------------------------------------------


def _box_size(shape: tuple[int, int, int], side_max: int, cmax: int) -> tuple[float, float, float]:
    """Front-face height and width and the oblique depth of a stage box, proportional-ish to its shape.

    Square roots keep a 32x32 stage and a 1x1 stage both visible on one row; depth grows with log(C).
    """
    h, w, c = shape
    fh = BOX_MAX * (0.3 + 0.7 * math.sqrt(h / side_max))
    fw = BOX_MAX * (0.3 + 0.7 * math.sqrt(w / side_max))
    depth = 0.06 + DEPTH_MAX * (math.log2(c) / math.log2(cmax) if cmax > 1 else 0.0)
    return fh, fw, depth


def _front_face(cx: float, cy: float, size: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` of the front face of the box centred at ``(cx, cy)`` (the geometry of :func:`_cuboid`)."""
    fh, fw, d = size
    x0 = cx - (fw + d) / 2
    y0 = cy - (fh + d) / 2
    return x0, y0, x0 + fw, y0 + fh


def face_image(image: np.ndarray, face: tuple[float, float, float, float]) -> dict:
    """A layout image painting ``image`` (``(H, W)`` gray or ``(H, W, 3)`` RGB in [0, 1]) on a front face.

    Sent as a PNG blown up with nearest-neighbour, so each pixel stays a crisp square at any size.
    """
    arr = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.shape[2] != 3:
        arr = np.repeat(arr.mean(axis=2, keepdims=True), 3, axis=2)
    rgb = np.round(arr * 255).astype(np.uint8)
    scale = max(1, FACE_PX // max(rgb.shape[:2]))
    data = base64.b64encode(png_bytes(rgb, scale=scale)).decode("ascii")
    x0, y0, x1, y1 = face
    return {"source": f"data:image/png;base64,{data}", "xref": "x", "yref": "y", "x": x0, "y": y1,
            "sizex": x1 - x0, "sizey": y1 - y0, "sizing": "stretch", "xanchor": "left", "yanchor": "top",
            "layer": "above"}


def _polygon(points: list[tuple[float, float]]) -> str:
    return "M " + " L ".join(f"{x:.4f},{y:.4f}" for x, y in points) + " Z"


def _cuboid(cx: float, cy: float, shape: tuple[int, int, int], size: tuple[float, float, float], kind: str,
            selected: bool, painted: bool = False) -> list[dict]:
    """Shapes of one stage box centred at ``(cx, cy)``: front face with its pixel grid, top and side showing channels.

    ``painted``: the front face is left transparent, for a layout image under it (shapes draw above images).
    """
    h, w, c = shape
    fh, fw, d = size
    front, top, side = KIND_COLOURS.get(kind, KIND_COLOURS["conv"])
    edge = {"color": ACCENT if selected else TEXT, "width": 3.5 if selected else 1.2}
    x0, y0, x1, y1 = _front_face(cx, cy, size)
    shapes = [
        {"type": "path", "path": _polygon([(x0, y1), (x0 + d, y1 + d), (x1 + d, y1 + d), (x1, y1)]),
         "fillcolor": top, "line": edge, "xref": "x", "yref": "y", "layer": "above"},
        {"type": "path", "path": _polygon([(x1, y0), (x1 + d, y0 + d), (x1 + d, y1 + d), (x1, y1)]),
         "fillcolor": side, "line": edge, "xref": "x", "yref": "y", "layer": "above"},
    ]
    # Channel slices drawn on the top and side faces (at most 16, so many channels stay a texture).
    slices = min(c, 16)
    for i in range(1, slices):
        t = d * i / slices
        shapes.append({"type": "path", "path": f"M {x0 + t:.4f},{y1 + t:.4f} L {x1 + t:.4f},{y1 + t:.4f} "
                       f"L {x1 + t:.4f},{y0 + t:.4f}", "line": {"color": GRID_LINE, "width": 0.8},
                       "xref": "x", "yref": "y", "layer": "above"})
    shapes.append({"type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "line": edge,
                   "fillcolor": "rgba(0,0,0,0)" if painted else front, "xref": "x", "yref": "y", "layer": "above"})
    # The pixel grid on the front face, while it has few enough cells to read as a grid.
    if 1 < h <= 12:
        for i in range(1, h):
            y = y1 - fh * i / h
            shapes.append({"type": "line", "x0": x0, "x1": x1, "y0": y, "y1": y, "xref": "x", "yref": "y",
                           "line": {"color": GRID_LINE, "width": 1}, "layer": "above"})
    if 1 < w <= 12:
        for j in range(1, w):
            x = x0 + fw * j / w
            shapes.append({"type": "line", "x0": x, "x1": x, "y0": y0, "y1": y1, "xref": "x", "yref": "y",
                           "line": {"color": GRID_LINE, "width": 1}, "layer": "above"})
    return shapes


def stage_rows(n: int, row_max: int = ROW_MAX) -> list[list[int]]:
    """The stages of each row of the diagram: one row up to ``row_max`` stages, else rows of at most
    :data:`ROW_WRAP` (or ``row_max`` if smaller; as even as can be), so that the boxes and the labels on
    the arrows stay readable."""
    if n <= row_max:
        return [list(range(n))]
    rows = math.ceil(n / min(ROW_WRAP, row_max))
    per_row = math.ceil(n / rows)
    return [list(range(i, min(n, i + per_row))) for i in range(0, n, per_row)]


def stage_row_figure(
    shapes: list[tuple[int, int, int]],
    layer_labels: list[str],
    kinds: list[str],
    *,
    selected: int | None = 0,
    names: list[str] | None = None,
    input_image: np.ndarray | None = None,
    row_height: int = 300,
    width_px: int | None = None,
) -> dict:
    """The stack as a row of boxes, one per stage, with the layer written on the arrow between two stages.

    Inputs:
    - shapes: ``[(H, W, C), ...]`` of every stage, the input first;
    - layer_labels: one per arrow (``len(shapes) - 1``): ``"15 x [3x3x1]"``, ``"ReLU"``...;
    - kinds: one per stage: ``"input"``, ``"conv"``, ``"activation"`` or ``"pool"`` (the box colour);
    - selected: the stage drawn outlined; names: a short name under each shape (``"feature maps"``);
    - input_image: ``(H, W)`` or ``(H, W, 3)`` in [0, 1], painted on the front of the input's box;
    - row_height: pixels per row of boxes (a long stack wraps onto several rows, see :func:`stage_rows`);
    - width_px: the width it is drawn at, when known: a narrow screen gets fewer stages a row and
      smaller labels, so that no label runs into the next.
    Every box is clickable: an invisible marker at its centre carries ``customdata = stage index``.
    A row after the first starts with the arrow (and label) of the layer that leads into it.
    """
    n = len(shapes)
    if len(layer_labels) != n - 1 or len(kinds) != n:
        raise ValueError(f"{n} stages need {n - 1} layer labels and {n} kinds, got {len(layer_labels)} and "
                         f"{len(kinds)}")
    side_max = max(max(s[0], s[1]) for s in shapes)
    cmax = max(s[2] for s in shapes)
    across = usable_px(width_px)
    rows = stage_rows(n, max(2, min(ROW_MAX, int(across // STAGE_SLOT_PX))))
    slot, gap = 1.0, 1.0
    units = max(len(row) * (slot + gap) - gap + (gap if r else 0.0) for r, row in enumerate(rows)) + 0.3
    scale = min(1.0, across / units / STAGE_UNIT_PX)  # px per unit below what the labels need: shrink them
    big, small = max(10, round(19 * scale)), max(9, round(15 * scale))
    row_height = min(row_height, round(ROW_UNITS * across / units + 40))
    centres: list[tuple[float, float]] = []
    for r, row in enumerate(rows):
        lead = gap if r else 0.0
        centres += [(lead + slot / 2 + j * (slot + gap), -r * ROW_UNITS) for j in range(len(row))]
    layout_shapes: list[dict] = []
    annotations: list[dict] = []
    images: list[dict] = []
    for i, (shape, kind) in enumerate(zip(shapes, kinds, strict=True)):
        cx, cy = centres[i]
        size = _box_size(shape, side_max, cmax)
        is_sel = selected == i
        if is_sel:
            half = slot / 2 + 0.08
            layout_shapes.append({"type": "rect", "x0": cx - half, "x1": cx + half, "y0": cy - 1.3, "y1": cy + 0.7,
                                  "xref": "x", "yref": "y", "layer": "below", "fillcolor": "rgba(31,111,235,0.08)",
                                  "line": {"color": ACCENT, "width": 2}})
        painted = i == 0 and input_image is not None
        layout_shapes += _cuboid(cx, cy, shape, size, kind, is_sel, painted)
        if painted:
            images.append(face_image(input_image, _front_face(cx, cy, size)))
        colour = ACCENT if is_sel else TEXT
        shape_text = "[" + " x ".join(str(v) for v in shape) + "]"
        annotations.append(label(shape_text, cx, cy - 0.62, xref="x", yref="y", size=big, color=colour, bold=True,
                                  yanchor="top"))
        sub = names[i] if names else ("input" if i == 0 else f"stage {i}")
        annotations.append(label(sub, cx, cy - 0.92, xref="x", yref="y", size=small, color=MUTED, yanchor="top"))
    for i, text in enumerate(layer_labels):
        (ca, ya), (cb, yb) = centres[i], centres[i + 1]
        xb = cb - slot / 2 + 0.02
        xa = ca + slot / 2 - 0.02 if ya == yb else xb - gap + 0.04  # a new row: the arrow comes in from the left
        if ya != yb:  # the row ends with a stub that says "continued below"
            stub = ca + slot / 2 - 0.02
            annotations.append({"x": stub + gap * 0.45, "y": ya, "ax": stub, "ay": ya, "xref": "x", "yref": "y",
                                "axref": "x", "ayref": "y", "showarrow": True, "arrowhead": 0, "arrowwidth": 2.2,
                                "arrowcolor": MUTED, "text": ""})
        annotations.append({"x": xb, "y": yb, "ax": xa, "ay": yb, "xref": "x", "yref": "y", "axref": "x",
                            "ayref": "y", "showarrow": True, "arrowhead": 2, "arrowsize": 1.3, "arrowwidth": 2.2,
                            "arrowcolor": MUTED, "text": ""})
        annotations.append(label(text.replace(", ", "<br>"), (xa + xb) / 2, yb + 0.08, xref="x", yref="y",
                                  size=small + 1, bold=True))
        annotations.append(label(KIND_NAMES.get(kinds[i + 1], ""), (xa + xb) / 2, yb - 0.08, xref="x", yref="y",
                                  size=small - 1, color=MUTED, yanchor="top"))
    clicks = {
        "type": "scatter",
        "mode": "markers",
        "x": [c[0] for c in centres],
        "y": [c[1] for c in centres],
        "customdata": list(range(n)),
        "marker": {"size": 100, "symbol": "square", "color": "rgba(0,0,0,0)", "line": {"width": 0}},
        "hovertemplate": "stage %{customdata}: click to inspect<extra></extra>",
        "showlegend": False,
    }
    width_units = max(c[0] for c in centres) + slot / 2
    bottom = -1.34 - (len(rows) - 1) * ROW_UNITS
    return {
        "data": [clicks],
        "layout": {
            "height": row_height * len(rows) + 20,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "xaxis": {"range": [-0.15, width_units + 0.15], "visible": False, "fixedrange": True},
            "yaxis": {"range": [bottom, 0.74], "visible": False, "fixedrange": True, "scaleanchor": "x"},
            "shapes": layout_shapes,
            "annotations": annotations,
            "images": images,
            "plot_bgcolor": BACKGROUND,
            "paper_bgcolor": BACKGROUND,
            "dragmode": False,
            "clickmode": "event+select",
            "hovermode": "closest",
            "font": {"family": FONT_FAMILY, "color": TEXT},
        },
    }


# --------------------------------------------------------------------------------------------------
# The 1x1 convolution: channel mixing at one pixel
# --------------------------------------------------------------------------------------------------


def mixing_pixels(height: int, width: int, n_filters: int, *, start: int = 0,
                  max_frames: int = MAX_MIX_FRAMES) -> list[tuple[int, int]]:
    """The pixels ``(y, x)`` the channel-mixing animation visits: from raster index ``start``, as many as
    fit ``max_frames`` frames of one frame per filter (at least one pixel)."""
    count = max(1, max_frames // max(1, n_filters))
    total = height * width
    start = min(max(0, start), total - 1)
    return [divmod(p, width) for p in range(start, min(total, start + count))]


# Paper domains of the channel-mixing figure: the pixel locator on the left; the input row above W; the
# products below W; the output column right of W, its rows aligned with W's rows.
MIX_X, MIX_OUT_X, MIX_LOCATOR_X = (0.2, 0.8), (0.87, 0.93), (0.0, 0.13)
MIX_IN_Y, MIX_W_Y, MIX_PROD_Y, MIX_LOCATOR_Y = (0.80, 0.87), (0.18, 0.72), (0.03, 0.10), (0.42, 0.72)
MIX_TOP_PX = 70


class _Mixing:
    """The numbers and sizes of one channel-mixing figure: what its traces, layout and frames read."""

    def __init__(self, x: np.ndarray, filters: np.ndarray, bias: np.ndarray | None, height: int,
                 width_px: int | None) -> None:
        self.x = np.asarray(x, dtype=np.float64)
        self.h, self.w, self.c = self.x.shape
        self.wm = np.asarray(filters, dtype=np.float64).reshape(-1, self.c)  # (N, C)
        self.nf = self.wm.shape[0]
        self.b = np.zeros(self.nf) if bias is None else np.asarray(bias, dtype=np.float64).reshape(self.nf)
        self.out = np.einsum("hwc,nc->hwn", self.x, self.wm) + self.b  # every output, so frames only read
        self.prods = self.x[:, :, None, :] * self.wm[None, None]
        self.height = height
        self.plot_px = height - MIX_TOP_PX - MIX_CONTROLS_PX
        self.across = usable_px(width_px)
        cell_w = (MIX_X[1] - MIX_X[0]) * self.across / self.c
        w_row = (MIX_W_Y[1] - MIX_W_Y[0]) * self.plot_px / self.nf
        row_px = (MIX_IN_Y[1] - MIX_IN_Y[0]) * self.plot_px
        self.row_fit = _cell_fit(np.concatenate([self.x.ravel(), self.prods.ravel()]), cell_w, row_px, 2, 17)
        self.w_fit = _cell_fit(self.wm, cell_w, w_row, 2, 17)
        self.out_fit = _cell_fit(self.out, (MIX_OUT_X[1] - MIX_OUT_X[0]) * self.across, w_row, 3, 18)

    def row_text(self, values: np.ndarray) -> list | None:
        return [[fmt(t, self.row_fit[0]) for t in values]] if self.row_fit else None

    def out_col(self, y: int, xx: int, n: int) -> tuple[list, list]:
        """The output column at pixel ``(y, xx)`` with filters up to ``n`` computed (the rest empty)."""
        col = [[float(self.out[y, xx, k])] if k <= n else [None] for k in range(self.nf)]
        d = self.out_fit[0] if self.out_fit else 0
        txt = [[fmt(self.out[y, xx, k], d) if self.out_fit and k <= n else ""] for k in range(self.nf)]
        return col, txt

    def equation(self, y: int, xx: int, n: int) -> dict:
        """The sum of one (pixel, filter) step, as long as the width allows."""
        bias_txt = f" + bias {math_fmt(self.b[n])}" if self.b[n] != 0 else ""
        value = math_fmt(self.out[y, xx, n], 3, operand=False)
        head = f"<b>out[{y}, {xx}, {n}]</b>"
        return _fitted_label([f"{head} = the sum of the {self.c} products below{bias_txt} = <b>{value}</b>",
                              f"{head} = {self.c} products{bias_txt} = <b>{value}</b>", f"{head} = <b>{value}</b>"],
                             0.5, 1.03, self.across, 20)

    def shapes(self, y: int, xx: int, n: int) -> list[dict]:
        """The current pixel, filter row and output cell outlined."""
        return [
            _rect(xx - 0.5, xx + 0.5, y - 0.5, y + 0.5, xref="x", yref="y"),
            _rect(-0.5, self.c - 0.5, n - 0.5, n + 0.5, xref="x3", yref="y3"),
            _rect(-0.5, 0.5, n - 0.5, n + 0.5, xref="x5", yref="y5"),
        ]

    def traces(self, y0: int, x0: int) -> list[dict]:
        """Locator, input row, W, products row, output column (the frames update 1, 3 and 4)."""
        h, w, wm = self.h, self.w, self.wm
        grid_text = [[f"({i},{j})" for j in range(w)] for i in range(h)] if max(h, w) <= 8 else None
        grid_font = fit_font([t for row in grid_text or [] for t in row],
                             min(0.13 * self.across / w, 0.3 * self.plot_px / h), max_font=12, min_font=9)
        z_o, t_o = self.out_col(y0, x0, 0)
        lim_in, lim_w, lim_p, lim_out = abs_limit(self.x), abs_limit(wm), abs_limit(self.prods), abs_limit(self.out)
        row_font = self.row_fit[1] if self.row_fit else None
        grey = [[0, "#f0f3f7"], [1, "#f0f3f7"]]
        return [
            heatmap(np.zeros((h, w)), 1, zmin=-1.0, zmax=1.0, colorscale=grey, text=grid_text if grid_font else None,
                    font_size=grid_font, gap=2, hovertemplate="pixel (%{y}, %{x})<extra></extra>"),
            heatmap(self.x[y0, x0][None, :], 2, zmin=-lim_in, zmax=lim_in, colorscale=DIVERGING, gap=2,
                    text=self.row_text(self.x[y0, x0]), font_size=row_font,
                    hovertemplate="in[y, x, c=%{x}] = %{z:.3f}<extra></extra>"),
            heatmap(wm, 3, zmin=-lim_w, zmax=lim_w, colorscale=DIVERGING, gap=2,
                    text=[[fmt(t, self.w_fit[0]) for t in row] for row in wm] if self.w_fit else None,
                    font_size=self.w_fit[1] if self.w_fit else None,
                    hovertemplate="w[n=%{y}, c=%{x}] = %{z:.3f}<extra></extra>"),
            heatmap(self.prods[y0, x0, 0][None, :], 4, zmin=-lim_p, zmax=lim_p, colorscale=DIVERGING, gap=2,
                    text=self.row_text(self.prods[y0, x0, 0]), font_size=row_font,
                    hovertemplate="product c=%{x}: %{z:.3f}<extra></extra>"),
            heatmap(np.array(z_o, dtype=np.float64), 5, zmin=-lim_out, zmax=lim_out, colorscale=DIVERGING, gap=2,
                    text=t_o, font_size=self.out_fit[1] if self.out_fit else None,
                    hovertemplate="out[y, x, n=%{y}] = %{z:.3f}<extra></extra>"),
        ]

    def layout(self, y0: int, x0: int) -> dict:
        """Axes, labels (the step's sum first: frames replace it) and the first step's outlines."""
        h, w, c, nf, across = self.h, self.w, self.c, self.nf, self.across
        (mx0, mx1), (ox0, ox1), mid = MIX_X, MIX_OUT_X, (MIX_X[0] + MIX_X[1]) / 2
        span = (mx1 - mx0) * across
        return {
            "height": self.height,
            "margin": {"l": 20, "r": 20, "t": MIX_TOP_PX, "b": MIX_CONTROLS_PX},
            "plot_bgcolor": BACKGROUND,
            "paper_bgcolor": BACKGROUND,
            "font": {"family": FONT_FAMILY, "color": TEXT},
            "dragmode": False,
            "xaxis": axis(MIX_LOCATOR_X, w, anchor="y", ticks=[str(j) for j in range(w)] if w <= 16 else None),
            "yaxis": {**axis(MIX_LOCATOR_Y, h, down=True, anchor="x",
                             ticks=[str(i) for i in range(h)] if h <= 16 else None), "scaleanchor": "x"},
            "xaxis2": axis(MIX_X, c, anchor="y2"),
            "yaxis2": axis(MIX_IN_Y, 1, anchor="x2"),
            "xaxis3": axis(MIX_X, c, anchor="y3"),
            "yaxis3": axis(MIX_W_Y, nf, down=True, anchor="x3",
                           ticks=[f"n={k}" for k in range(nf)] if nf <= 32 else None),
            "xaxis4": axis(MIX_X, c, anchor="y4", ticks=[str(k) for k in range(c)] if c <= 32 else None,
                           title="channel c"),
            "yaxis4": axis(MIX_PROD_Y, 1, anchor="x4"),
            "xaxis5": axis(MIX_OUT_X, 1, anchor="y5"),
            "yaxis5": axis(MIX_W_Y, nf, down=True, anchor="x5"),
            "annotations": [
                self.equation(y0, x0, 0),
                _fitted_label(["pixel (y, x)", "pixel"], 0.065, 0.74, 0.15 * across, 15, color=MUTED),
                _fitted_label([f"in[y, x, :]: the {c} channel values at this pixel", "in[y, x, :]"], mid,
                              MIX_IN_Y[1] + 0.005, span, 15, color=MUTED),
                _fitted_label([f"w: {nf} filters of 1x1x{c}, one row each", f"w: {nf} x {c}", "w"], mid,
                              MIX_W_Y[1] + 0.005, span, 15, color=MUTED),
                _fitted_label(["products in · w[n]", "in · w[n]"], mid, MIX_PROD_Y[1] + 0.005, span, 15, color=MUTED),
                _fitted_label([f"out[y, x, :]<br>{nf} values", "out"], (ox0 + ox1) / 2, MIX_W_Y[1] + 0.005,
                              0.12 * across, 15, color=MUTED),
                label("→", (mx1 + ox0) / 2, sum(MIX_W_Y) / 2, size=30 if across > 600 else 16, color=MUTED,
                      yanchor="middle"),
            ],
            "shapes": self.shapes(y0, x0, 0),
        }

    def frames(self, pixels: list[tuple[int, int]]) -> list[dict]:
        """One lean frame per (pixel, filter): the input row, products and output column, the outlines and
        the sum (``annotations[0]``; Plotly merges a frame's annotations into the layout's by index)."""
        frames = []
        for y, xx in pixels:
            upd_in = {"type": "heatmap", "z": [self.x[y, xx].tolist()]}
            upd_in |= {"text": self.row_text(self.x[y, xx])} if self.row_fit else {}
            for n in range(self.nf):
                z_o, t_o = self.out_col(y, xx, n)
                upd_p = {"type": "heatmap", "z": [self.prods[y, xx, n].tolist()]}
                upd_p |= {"text": self.row_text(self.prods[y, xx, n])} if self.row_fit else {}
                eq = self.equation(y, xx, n)
                frames.append({
                    "name": f"({y},{xx}) n={n}",
                    "data": [upd_in, upd_p, {"type": "heatmap", "z": z_o, "text": t_o}],
                    "traces": [1, 3, 4],
                    "layout": {"shapes": self.shapes(y, xx, n),
                               "annotations": [{"text": eq["text"], "font": {"size": eq["font"]["size"]}}]},
                })
        return frames


def channel_mixing_figure(
    x: np.ndarray,
    filters: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    pixels: list[tuple[int, int]] | None = None,
    frame_ms: int = 600,
    height: int = 720,
    width_px: int | None = None,
) -> dict:
    """A 1x1 convolution for what it is: at each pixel, a dot product across channels, once per filter.

    Inputs: x ``(H, W, C)``; filters ``(N, 1, 1, C)`` (or ``(N, C)``); bias ``(N,)``;
    pixels: the ``(y, x)`` visited in order (default: every pixel, capped by :func:`mixing_pixels`);
    width_px: the width it is drawn at, when known (numbers are written only where they fit).
    The figure shows the pixel in its ``H x W`` grid, the ``C`` input values at that pixel, the
    ``N x C`` weight matrix (one row per filter), the ``C`` products of the current row, and the
    ``N`` outputs at that pixel filling in. One frame per (pixel, filter): ``out[y, x, n] =
    b[n] + sum over c of in[y, x, c] * w[n, c]``; ``layout.annotations[0]`` is that sum.
    """
    mix = _Mixing(x, filters, bias, height, width_px)
    if pixels is None:
        pixels = mixing_pixels(mix.h, mix.w, mix.nf)
    y0, x0 = pixels[0]
    layout = mix.layout(y0, x0)
    frames = mix.frames(pixels)
    names = [f["name"] for f in frames]
    layout["updatemenus"], layout["sliders"] = play_controls(names, names, frame_ms=frame_ms, top_px=MIX_AXIS_PX,
                                                             prefix="pixel and filter: ", font_size=MIX_CONTROL_FONT)
    return {"data": mix.traces(y0, x0), "layout": layout, "frames": frames}


# --------------------------------------------------------------------------------------------------
# The full-size convolution: a dense layer
# --------------------------------------------------------------------------------------------------


def dense_figure(
    x: np.ndarray,
    filters: np.ndarray,
    bias: np.ndarray | None,
    conv_out: np.ndarray,
    dense_out: np.ndarray,
    *,
    height: int = 400,
    width_px: int | None = None,
) -> dict:
    """A filter as large as its input, seen as a dense layer.

    Inputs: x ``(kh, kw, C)``; filters ``(N, kh, kw, C)``; bias ``(N,)``; conv_out ``(N,)`` the
    convolution's one position; dense_out ``(N,)`` ``W @ flatten(x) + b``, both computed by the caller.
    Shows flatten(x) as a strip of ``kh*kw*C`` values, above the ``N x (kh*kw*C)`` matrix whose rows are
    the flattened filters (same columns), and the two results side by side. width_px: the width it is
    drawn at, when known (numbers are written only where they fit).
    """
    x = np.asarray(x, dtype=np.float64)
    kh, kw, c = x.shape
    bank = np.asarray(filters, dtype=np.float64)
    nf = bank.shape[0]
    k = kh * kw * c
    flat = x.reshape(-1)
    matrix = bank.reshape(nf, k)
    b = np.zeros(nf) if bias is None else np.asarray(bias, dtype=np.float64)
    mx0, mx1 = 0.0, 0.7
    r1x0, r1x1 = 0.78, 0.84
    r2x0, r2x1 = 0.92, 0.98
    strip_y = [0.78, 0.9]
    mat_y = [0.05, 0.66]
    pos = [f"({u},{v},{ch})" for u in range(kh) for v in range(kw) for ch in range(c)]
    lim_out = abs_limit(conv_out, dense_out)
    plot_px = height - 30 - 40
    across = usable_px(width_px) - 44
    cell_w = (mx1 - mx0) * across / k
    in_fit = _cell_fit(flat, cell_w, (strip_y[1] - strip_y[0]) * plot_px, 2, 15) if k <= MAX_VALUE_CELLS else None
    w_fit = _cell_fit(matrix, cell_w, (mat_y[1] - mat_y[0]) * plot_px / nf, 2, 15) if k <= MAX_VALUE_CELLS else None
    out_fit = _cell_fit(np.concatenate([conv_out, dense_out]), (r1x1 - r1x0) * across,
                        (mat_y[1] - mat_y[0]) * plot_px / nf, 3, 17)
    gap = 2 if k <= 40 else 0
    data = [
        heatmap(flat[None, :], 1, zmin=-abs_limit(flat), zmax=abs_limit(flat), colorscale=DIVERGING, gap=gap,
                text=[[fmt(t, in_fit[0]) for t in flat]] if in_fit else None, font_size=in_fit and in_fit[1],
                hovertemplate="flatten(x)[%{x}] = %{z:.3f}<br>(u, v, c) = %{customdata}<extra></extra>"),
        heatmap(matrix, 2, zmin=-abs_limit(matrix), zmax=abs_limit(matrix), colorscale=DIVERGING, gap=gap,
                text=[[fmt(t, w_fit[0]) for t in row] for row in matrix] if w_fit else None,
                font_size=w_fit and w_fit[1],
                hovertemplate="W[n=%{y}, %{x}] = %{z:.3f}<br>(u, v, c) = %{customdata}<extra></extra>"),
        heatmap(dense_out[:, None], 3, zmin=-lim_out, zmax=lim_out, colorscale=DIVERGING, gap=2,
                text=[[fmt(v, out_fit[0])] for v in dense_out] if out_fit else None, font_size=out_fit and out_fit[1],
                hovertemplate="W·x + b, n=%{y}: %{z:.6f}<extra></extra>"),
        heatmap(conv_out[:, None], 4, zmin=-lim_out, zmax=lim_out, colorscale=DIVERGING, gap=2,
                text=[[fmt(v, out_fit[0])] for v in conv_out] if out_fit else None, font_size=out_fit and out_fit[1],
                hovertemplate="convolution, n=%{y}: %{z:.6f}<extra></extra>"),
    ]
    data[0]["customdata"] = [pos]
    data[1]["customdata"] = [pos for _ in range(nf)]
    # Column ticks at the start of every kernel position (u, v): each block holds its C channels.
    block_ticks = list(range(0, k, c))
    shapes = [
        {"type": "line", "x0": t - 0.5, "x1": t - 0.5, "y0": y0, "y1": y1, "xref": "x2", "yref": "paper",
         "line": {"color": TEXT, "width": 1}}
        for t in block_ticks[1:]
        for y0, y1 in ((mat_y[0], mat_y[1]), (strip_y[0], strip_y[1]))
    ] if kh * kw <= 49 else []
    tick_x = {"tickmode": "array", "tickvals": [t + (c - 1) / 2 for t in block_ticks],
              "ticktext": [f"({u},{v})" for u in range(kh) for v in range(kw)], "showticklabels": kh * kw <= 25}
    bias_txt = " + b" if np.any(b != 0) else ""
    layout = {
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
        "plot_bgcolor": BACKGROUND,
        "paper_bgcolor": BACKGROUND,
        "font": {"family": FONT_FAMILY, "color": TEXT},
        "dragmode": False,
        "xaxis": axis([mx0, mx1], n=k, anchor="y"),
        "yaxis": axis(strip_y, n=1, anchor="x"),
        "xaxis2": {**axis([mx0, mx1], n=k, anchor="y2", title="kernel position (u, v); each block: its channels"),
                   **tick_x},
        "yaxis2": axis(mat_y, n=nf, down=True, anchor="x2", ticks=[f"n={i}" for i in range(nf)]),
        "xaxis3": axis([r1x0, r1x1], n=1, anchor="y3"),
        "yaxis3": axis(mat_y, n=nf, down=True, anchor="x3"),
        "xaxis4": axis([r2x0, r2x1], n=1, anchor="y4"),
        "yaxis4": axis(mat_y, n=nf, down=True, anchor="x4"),
        "shapes": shapes,
        "annotations": [
            _fitted_label([f"flatten(x): {kh}x{kw}x{c} = {k} values", f"flatten(x): {k}"], (mx0 + mx1) / 2,
                          strip_y[1] + 0.01, (mx1 - mx0) * across, 16,
                   color=MUTED),
            _fitted_label([f"W: the {nf} filters flattened, a {nf} x {k} matrix", f"W: {nf} x {k}"], (mx0 + mx1) / 2,
                          mat_y[1] + 0.01, (mx1 - mx0) * across, 16,
                   color=MUTED),
            _fitted_label([f"W·x{bias_txt}", "W·x"], (r1x0 + r1x1) / 2, mat_y[1] + 0.01, (r2x0 - r1x0) * across, 16,
                          color=MUTED),
            _fitted_label(["conv"], (r2x0 + r2x1) / 2, mat_y[1] + 0.01, (r2x0 - r1x0) * across, 16, color=MUTED),
            label("=", (r1x1 + r2x0) / 2, sum(mat_y) / 2, size=30, color=TEXT, yanchor="middle"),
            label("→", (mx1 + r1x0) / 2, sum(mat_y) / 2, size=30, color=TEXT, yanchor="middle"),
        ],
    }
    return {"data": data, "layout": layout}
