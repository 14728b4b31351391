"""The figure toolkit: the building blocks every figure of the app is made of (the studio's animation, the
static maps, the network view's figures and, for colours and number text, the GIF and PNG exports).

- numbers: :func:`to_list` (arrays into JSON), :func:`fit_values` / :func:`fit_font` / :func:`text_em`
  ("does the number fit the cell": the font size from the cell's pixel size and the text's width);
  the text itself comes from :mod:`visualizer.numbers`, the app's one formatter;
- colour ranges: :func:`symmetric_range`, :func:`abs_limit`, :func:`image_range`, :func:`is_image_like`;
  colour mapping to pixels: :func:`colour_map`, :func:`png_data_uri`, :func:`image_trace`;
- layout: :func:`base_layout`, :func:`split_domain`, :func:`axis_ids`, :func:`axis`, :func:`panel_axes`,
  :func:`label`, :func:`title_annotation`, :func:`fit_title`, :func:`play_controls`;
- traces: :func:`heatmap` (fixed colour range, numbers written only where they fit, value on hover).

Colours, fonts and sizes are constants in :mod:`visualizer.figures.style`. Rows go down the screen as in
an image: grid panels reverse their y axis and keep square cells (``scaleanchor``).
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .. import numbers
from . import style

# Numbers go into the JSON rounded to 10 decimals: far inside the 1e-9 every shown number must meet,
# and it keeps ``0.5490196078431373`` from costing 18 bytes.
JSON_DECIMALS = 10

# Advance widths in em, on the wide side of the fonts we may get (Open Sans, Verdana, DejaVu Sans,
# Arial): a text estimated to fit does fit in any of them.
_EM = {".": 0.36, ",": 0.36, "-": 0.42, " ": 0.35, "(": 0.45, ")": 0.45, "×": 0.84, "+": 0.84, "=": 0.84,
       numbers.MINUS: 0.84, "·": 0.35, "i": 0.3, "l": 0.3, "j": 0.32, "t": 0.4, "f": 0.38, "r": 0.43}
_DIGIT_EM = 0.64
_LETTER_EM = 0.62
_UPPER_EM = 0.72


# --- Numbers -------------------------------------------------------------------------------------------
def to_list(values: np.ndarray) -> list:
    """``values`` as nested lists of floats (rounded to ``JSON_DECIMALS``); NaN becomes ``None`` (a gap)."""
    arr = np.round(np.asarray(values, dtype=np.float64), JSON_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    if np.isnan(arr).any():
        return np.where(np.isnan(arr), None, arr).tolist()
    return arr.tolist()


def _char_em(ch: str) -> float:
    if ch in _EM:
        return _EM[ch]
    if ch.isdigit():
        return _DIGIT_EM
    return _UPPER_EM if ch.isupper() else _LETTER_EM


class _Widths(dict):
    """Every character's width in em; one not met before is measured by :func:`_char_em` and kept."""

    def __missing__(self, ch: str) -> float:
        width = self[ch] = _char_em(ch)
        return width


_TABLE = _Widths({chr(i): _char_em(chr(i)) for i in range(32, 127)} | _EM)
_TAGS = re.compile(r"<[^>]*>")


@lru_cache(maxsize=65536)  # the terms of a sum repeat from step to step
def text_em(text: str) -> float:
    """The width of ``text`` (Plotly's small HTML tags ignored) in em: multiply by the font size for px."""
    plain = _TAGS.sub("", text) if "<" in text else text
    return sum(map(_TABLE.__getitem__, plain))


def fit_font(
    texts: Sequence[str], cell_px: float, *, max_font: float, min_font: float, height_px: float | None = None
) -> int | None:
    """The font size (px) at which the widest of ``texts`` fits a cell ``cell_px`` wide (and as tall, or
    ``height_px``), with a margin on each side; at most ``max_font``. ``None`` when even ``min_font``
    would not fit: then the cell shows its colour alone (its value on hover)."""
    usable = cell_px * (1 - 2 * style.CELL_MARGIN)
    tall = cell_px if height_px is None else height_px
    font = min(float(max_font), usable / _widest(texts), tall * 0.6)
    return int(font) if font >= min_font else None


def _widest(texts: Sequence[str]) -> float:
    return max((text_em(t) for t in texts), default=1.0) or 1.0


def least_cell(texts: Sequence[str], min_font: float) -> float:
    """The smallest square cell, in whole px, in which :func:`fit_font` writes ``texts`` at ``min_font`` or larger."""
    return float(math.ceil(max(_widest(texts) * min_font / (1 - 2 * style.CELL_MARGIN), min_font / 0.6) + 1e-9))


def value_texts(values: np.ndarray, decimals: int) -> list[str]:
    """The distinct texts of ``values`` (finite ones) written with ``decimals``, as :func:`fit_values` measures them."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return [numbers.fmt(v, decimals) for v in np.unique(np.round(arr, decimals))] or ["0"]


def fit_values(
    values: np.ndarray,
    cell_px: float,
    *,
    digits: int,
    max_font: float,
    min_font: float = style.MIN_VALUE_FONT,
    min_digits: int = 2,
    height_px: float | None = None,
) -> tuple[int, int] | None:
    """``(decimals, font size)`` to write every one of ``values`` in cells about ``cell_px`` square (or
    ``height_px`` tall): the most decimals (``digits`` down to ``min_digits``) whose widest text, as
    :func:`visualizer.numbers.fmt` writes it, fits at ``min_font`` or more. ``None``: no number fits;
    draw colour alone."""
    for d in range(int(digits), min(int(min_digits), int(digits)) - 1, -1):
        font = fit_font(value_texts(values, d), cell_px, max_font=max_font, min_font=min_font, height_px=height_px)
        if font is not None:
            return d, font
    return None


def auto_show_values(h: int, w: int, show_values: bool | None) -> bool:
    """Write numbers in the cells? ``None`` means: when the grid is at most ``VALUES_MAX_SIDE`` a side
    (and, as every caller then checks with :func:`fit_values`, when they fit)."""
    return max(h, w) <= style.VALUES_MAX_SIDE if show_values is None else bool(show_values)


# --- Colour ranges -------------------------------------------------------------------------------------
def symmetric_range(values: np.ndarray, centre: float = 0.0) -> tuple[float, float]:
    """``(zmin, zmax)`` centred on ``centre`` and wide enough for every value (never empty)."""
    arr = np.asarray(values, dtype=np.float64)
    half = float(np.nanmax(np.abs(arr - centre))) if arr.size else 0.0
    half = half if half > 0 else 1.0
    return centre - half, centre + half


def abs_limit(*arrays: np.ndarray) -> float:
    """The largest absolute value of some arrays, for one colour range centred at zero (never 0)."""
    lim = max((float(np.nanmax(np.abs(a))) for a in arrays if np.size(a)), default=0.0)
    return lim if lim > 0 else 1.0


def image_range(values: np.ndarray) -> tuple[float, float]:
    """``(zmin, zmax)`` for an image: [0, 1] when it fits, else its own minimum and maximum."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if lo >= 0.0 and hi <= 1.0:
        return 0.0, 1.0
    return (lo, hi) if hi > lo else (lo - 1.0, lo + 1.0)


def is_image_like(values: np.ndarray) -> bool:
    """Non-negative values are drawn in grayscale (an image); signed ones on the diverging scale."""
    return bool(np.min(values) >= 0.0)


def channel_names(c: int) -> list[str]:
    """How channels are labelled: R, G, B for three, else ``ch 0``, ``ch 1``, ..."""
    return ["R", "G", "B"] if c == 3 else [f"ch {i}" for i in range(c)]


# --- Layout building blocks ----------------------------------------------------------------------------
def base_layout(height: int, margin: dict) -> dict:
    """The layout every figure starts from: fonts, white background, no legend, no accidental zoom."""
    return {
        "height": height,
        "margin": margin,
        "font": {"family": style.FONT_FAMILY, "size": style.FONT_SIZE, "color": style.TEXT},
        "paper_bgcolor": style.BACKGROUND,
        "plot_bgcolor": style.BACKGROUND,
        "showlegend": False,
        "dragmode": False,
        "hovermode": "closest",
        "annotations": [],
        "shapes": [],
    }


def split_domain(weights: Sequence[float], gap: float, start: float = 0.0, end: float = 1.0) -> list[list[float]]:
    """Split ``[start, end]`` into consecutive intervals proportional to ``weights`` with ``gap`` between."""
    usable = (end - start) - gap * (len(weights) - 1)
    total = float(sum(weights))
    out, pos = [], start
    for w in weights:
        size = usable * w / total
        out.append([round(pos, 5), round(pos + size, 5)])
        pos += size + gap
    out[-1][1] = round(end, 5)
    return out


def axis_ids(k: int) -> tuple[str, str]:
    """Trace references of the ``k``-th subplot (1-based): ``("x", "y")``, ``("x2", "y2")``, ..."""
    return ("x", "y") if k == 1 else (f"x{k}", f"y{k}")


def axis(
    domain: Sequence[float],
    n: int,
    *,
    anchor: str,
    down: bool = False,
    ticks: Sequence[str] | None = None,
    tick_size: int = style.TICK_SIZE,
    title: str = "",
) -> dict:
    """One axis over ``n`` unit cells (centres at 0 .. n-1) in ``domain`` (paper fraction): no grid, no
    zoom; ``down`` runs it downwards (rows of an image); ``ticks`` label every cell."""
    out = {
        "domain": list(domain),
        "range": [n - 0.5, -0.5] if down else [-0.5, n - 0.5],
        "showgrid": False,
        "zeroline": False,
        "showline": False,
        "fixedrange": True,
        "anchor": anchor,
    }
    if ticks is None:
        out.update(showticklabels=False, ticks="")
    else:
        out.update(showticklabels=True, tickmode="array", tickvals=list(range(len(ticks))), ticktext=list(ticks),
                   ticks="", tickfont={"size": tick_size, "color": style.MUTED})
    if title:
        out["title"] = {"text": title, "font": {"size": tick_size + 1, "color": style.MUTED}, "standoff": 4}
    return out


def panel_axes(
    k: int,
    x_domain: Sequence[float],
    y_domain: Sequence[float],
    rows: int,
    cols: int,
    *,
    ticks: bool = False,
    row_offset: int = 0,
    col_offset: int = 0,
    autorange: bool = False,
    tick_size: int = style.TICK_SIZE,
) -> dict:
    """Layout entries ``xaxis<k>`` / ``yaxis<k>`` for a ``rows x cols`` grid of unit cells.

    The y axis runs downwards, cells stay square (``scaleanchor``; the panel shrinks inside its domain
    and hugs the top), and the user cannot zoom by accident (``fixedrange``). With ``ticks``, every row
    and column is labelled, shifted by the offsets (so padding cells are numbered -1, -2, ...).
    ``autorange`` lets Plotly fit the y range (``"reversed"``) instead of fixing it: fine for plain
    heatmaps, wrong when markers or shapes would stretch it (the animation).
    """
    xid, yid = axis_ids(k)
    suffix = "" if k == 1 else str(k)
    xticks = [numbers.math_fmt(c - col_offset, operand=False) for c in range(cols)] if ticks else None
    yticks = [numbers.math_fmt(r - row_offset, operand=False) for r in range(rows)] if ticks else None
    x = axis(x_domain, cols, anchor=yid, ticks=xticks, tick_size=tick_size)
    y = axis(y_domain, rows, anchor=xid, down=True, ticks=yticks, tick_size=tick_size)
    x.update(constrain="domain", side="bottom")
    y.update(scaleanchor=xid, scaleratio=1, constrain="domain", constraintoward="top")
    if autorange:
        del y["range"]
        y["autorange"] = "reversed"
    return {f"xaxis{suffix}": x, f"yaxis{suffix}": y}


def label(
    text: str,
    x: float,
    y: float,
    *,
    size: int = style.FONT_SIZE,
    color: str = style.TEXT,
    xref: str = "paper",
    yref: str = "paper",
    xanchor: str = "center",
    yanchor: str = "bottom",
    bold: bool = False,
) -> dict:
    """A text annotation (no arrow) at ``(x, y)``."""
    return {
        "text": f"<b>{text}</b>" if bold else text,
        "x": x,
        "y": y,
        "xref": xref,
        "yref": yref,
        "xanchor": xanchor,
        "yanchor": yanchor,
        "showarrow": False,
        "font": {"size": size, "color": color, "family": style.FONT_FAMILY},
    }


def title_annotation(text: str, x_domain: Sequence[float], y_top: float, *, size: int = style.TITLE_SIZE) -> dict:
    """A panel title centred over ``x_domain``, just above ``y_top`` (paper coordinates)."""
    out = label(text, (x_domain[0] + x_domain[1]) / 2, y_top, size=size)
    out["yshift"] = 4
    return out


def fit_title(candidates: Sequence[str], width_px: float, *, max_size: int, min_size: int) -> tuple[str, int]:
    """``(text, size)``: the first of ``candidates`` (longest first) that fits ``width_px`` at ``min_size``
    or more, as large as fits up to ``max_size``; else the last candidate, shrunk to fit (never below 9)."""
    for text in candidates:
        size = min(max_size, int(width_px / max(text_em(text), 0.5)))
        if size >= min_size:
            return text, size
    text = candidates[-1]
    return text, max(9, min(min_size, int(width_px / max(text_em(text), 0.5))))


def play_controls(
    labels: Sequence[str],
    values: Sequence[str],
    *,
    frame_ms: int,
    top_px: float,
    active: int = 0,
    play_frames: list[str] | None = None,
    prefix: str = "",
    font_size: int = style.CONTROL_FONT_SIZE,
) -> tuple[list[dict], list[dict]]:
    """Plotly's own Play / Pause buttons and a step slider, under the plot area (``top_px`` below it; the
    bottom margin must hold ``controls_px(font_size)`` more pixels).

    The buttons sit on a row of their own and the slider, with its current-step label, on the row under
    them, over the whole width: the buttons can never cover the slider or its label, at any width.
    ``values`` are frame names, ``labels`` what the slider says for each; Play runs ``play_frames``
    (default: every frame, from the current one).
    """
    animate = {"frame": {"duration": int(frame_ms), "redraw": True}, "transition": {"duration": 0},
               "fromcurrent": True, "mode": "immediate"}
    pause = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    menus = [{
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "x": 0.0,
        "xanchor": "left",
        "y": 0.0,
        "yanchor": "top",
        "pad": {"t": round(top_px), "r": 10, "l": 0, "b": 0},
        "font": {"size": font_size},
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [play_frames, animate]},
            {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
        ],
    }]
    opts = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    sliders = [{
        "active": active,
        "x": 0.0,
        "len": 1.0,
        "xanchor": "left",
        "y": 0.0,
        "yanchor": "top",
        "pad": {"t": round(top_px + button_row_px(font_size)), "b": 0, "l": 0, "r": 0},
        "currentvalue": {"visible": True, "prefix": prefix, "xanchor": "left",
                         "font": {"size": font_size, "color": style.TEXT}},
        # Tick labels would overlap past a dozen steps; the current step's label is shown above the rail.
        "font": {"size": 1, "color": "rgba(0,0,0,0)"},
        "ticklen": 4,
        "minorticklen": 0,
        "transition": {"duration": 0},
        "steps": [{"method": "animate", "label": lab, "value": val, "args": [[val], opts]}
                  for lab, val in zip(labels, values, strict=True)],
    }]
    return menus, sliders


def button_row_px(font_size: int = style.CONTROL_FONT_SIZE) -> int:
    """Height of the Play / Pause row, gap under it included."""
    return round(font_size * 1.6 + 22)


def controls_px(font_size: int = style.CONTROL_FONT_SIZE) -> int:
    """Height of :func:`play_controls` (buttons row, then the slider with its label above the rail)."""
    return button_row_px(font_size) + round(font_size * 1.4 + 56)


# --- Traces --------------------------------------------------------------------------------------------
def heatmap(
    z: np.ndarray,
    k: int,
    *,
    zmin: float,
    zmax: float,
    colorscale: str | list,
    fit: tuple[int, int] | None = None,
    text: list | None = None,
    font_size: int | None = None,
    show_values: bool = False,
    side: int | None = None,
    digits: int | None = None,
    gap: int | None = None,
    hovertemplate: str | None = None,
    name: str = "",
    showscale: bool = False,
    colorbar: dict | None = None,
) -> dict:
    """A heatmap trace on subplot ``k`` with a fixed colour range.

    Numbers: ``fit = (decimals, font size)`` from :func:`fit_values` writes each cell's value (Plotly
    formats ``z`` itself, so animation frames need send only ``z``); or ``text`` (a grid of strings, with
    ``font_size``) writes those; neither: colour alone. The value is on hover either way. No fixed text
    colour: Plotly picks black or white per cell so dark cells stay readable. ``show_values`` (with
    ``side``, ``digits``, ``font_size``) is the older unfitted form: numbers at the grid's default size.
    """
    xid, yid = axis_ids(k)
    arr = np.asarray(z, dtype=np.float64)
    if fit is None and text is None and show_values:
        side = side if side is not None else max(arr.shape)
        fit = (style.value_digits(side) if digits is None else digits, font_size or style.value_font_size(side))
    if gap is None:
        gap = 1 if max(arr.shape) <= style.GAP_MAX_SIDE else 0
    trace = {
        "type": "heatmap",
        "z": to_list(arr),
        "xaxis": xid,
        "yaxis": yid,
        "zmin": zmin,
        "zmax": zmax,
        "zauto": False,
        "colorscale": colorscale,
        "showscale": showscale,
        "xgap": gap,
        "ygap": gap,
        "hoverongaps": False,
        "hovertemplate": hovertemplate or "row %{y}, column %{x}: %{z:.4~f}<extra></extra>",
        "name": name,
    }
    if fit is not None:
        trace["texttemplate"] = f"%{{z:.{fit[0]}~f}}"
        trace["textfont"] = {"size": fit[1], "family": style.FONT_FAMILY}
    elif text is not None:
        trace.update(text=text, texttemplate="%{text}",
                     textfont={"size": font_size or style.FONT_SIZE, "family": style.FONT_FAMILY})
    if colorbar is not None:
        trace["colorbar"] = colorbar
    return trace


# --- Colour mapping for large maps sent as pixels ------------------------------------------------------
def _scale_stops(colorscale: str | list) -> list:
    if isinstance(colorscale, list):
        return colorscale
    import plotly.colors  # only for named scales; the figures themselves never need plotly

    return [[float(p), c] for p, c in plotly.colors.get_colorscale(colorscale)]


def _hex_or_rgb(colour: str) -> tuple[int, int, int]:
    if colour.startswith("#"):
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
    parts = colour[colour.index("(") + 1 : colour.index(")")].split(",")
    return int(float(parts[0])), int(float(parts[1])), int(float(parts[2]))


def colour_map(values: np.ndarray, zmin: float, zmax: float, colorscale: str | list) -> np.ndarray:
    """``values`` ``(H, W)`` as ``uint8`` RGB ``(H, W, 3)`` through ``colorscale`` (linear, as Plotly does)."""
    stops = _scale_stops(colorscale)
    pos = np.array([p for p, _ in stops])
    rgb = np.array([_hex_or_rgb(c) for _, c in stops], dtype=np.float64)
    t = np.clip((np.asarray(values, dtype=np.float64) - zmin) / (zmax - zmin), 0.0, 1.0)
    out = np.stack([np.interp(t, pos, rgb[:, i]) for i in range(3)], axis=-1)
    return np.round(out).astype(np.uint8)


def png_data_uri(rgb: np.ndarray) -> str:
    """A ``uint8`` ``(H, W, 3)`` array as a ``data:image/png;base64,...`` URI (lossless, pixel exact)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb), mode="RGB").save(buf, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def image_trace(rgb: np.ndarray, k: int, *, png: bool, hovertemplate: str | None = None) -> dict:
    """An ``image`` trace of ``uint8`` RGB ``(H, W, 3)`` on subplot ``k``: one screen pixel block per pixel."""
    xid, yid = axis_ids(k)
    trace = {"type": "image", "xaxis": xid, "yaxis": yid, "colormodel": "rgb"}
    if png:
        trace["source"] = png_data_uri(rgb)
        trace["hoverinfo"] = "x+y"
    else:
        trace["z"] = rgb.astype(int).tolist()
        trace["hovertemplate"] = hovertemplate or "row %{y}, column %{x}: RGB %{z}<extra></extra>"
    return trace


def usable_px(width_px: float | None) -> float:
    """Pixels across the plot area of a figure drawn ``width_px`` wide (default ``ASSUMED_WIDTH_PX``)."""
    width = style.ASSUMED_WIDTH_PX if width_px is None else max(float(width_px), 200.0)
    return width - 2 * style.SIDE_MARGIN_PX
