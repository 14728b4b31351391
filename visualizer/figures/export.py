"""Files a teacher takes away: a PNG sheet of feature maps (titles and a colour scale included) and the
animation as one standalone HTML page that plays offline (plotly.js inlined, nothing fetched).

The GIF of the animation lives in :mod:`visualizer.figures.gif`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from .. import numbers
from . import style
from .gif import load_font
from .maps import as_hwn
from .raster import colorize, png_bytes

SHEET_TILE_PX = 192  # each map is drawn about this big (whole-number upscaling, never blurred)
SHEET_MAX_COLS = 6
SHEET_GAP = 16
SHEET_BAR_W = 22




def _clip_text(draw: ImageDraw.ImageDraw, text: str, width: float, font) -> str:
    """``text`` shortened with an ellipsis until it is at most ``width`` px wide."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _tile(values: np.ndarray, limit: float) -> Image.Image:
    """One map as an RGB tile about ``SHEET_TILE_PX`` on its longer side: upscaled by a whole number
    (square pixels), or for maps larger than that, sampled every k-th pixel."""
    h, w = values.shape
    step = max(1, math.ceil(max(h, w) / SHEET_TILE_PX))
    rgb = colorize(values[::step, ::step], limit=limit)
    scale = max(1, SHEET_TILE_PX // max(rgb.shape[:2]))
    img = Image.fromarray(rgb)
    return img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST) if scale > 1 else img


def feature_sheet_png(maps: np.ndarray, titles: Sequence[str], *, title: str) -> bytes:
    """The N feature maps of a layer as one PNG: a title, a grid of maps each with its own title, and a
    colour scale bar with its limits (one scale for all maps, blue negative, white 0, orange positive).

    Inputs: maps ``(H, W, N)`` (or ``(H, W)``), finite; titles: N strings; title: the sheet's heading.
    Returns PNG bytes. Maps larger than ``SHEET_TILE_PX`` are sampled down, smaller ones upscaled
    without blur.
    """
    arr = as_hwn(maps, "maps")
    n = arr.shape[2]
    if len(titles) != n:
        raise ValueError(f"{n} maps need {n} titles; got {len(titles)}")
    limit = float(np.abs(arr).max()) or 1.0
    tiles = [_tile(arr[:, :, i], limit) for i in range(n)]
    tw, th = tiles[0].size
    cols = min(n, SHEET_MAX_COLS)
    rows = math.ceil(n / cols)
    head_font, math_ok = load_font(22)
    label_font, _ = load_font(15)
    head_px, label_px = 40, 22
    cell_w = max(tw, 90)
    grid_w = cols * cell_w + (cols - 1) * SHEET_GAP
    bar_x = SHEET_GAP + grid_w + 2 * SHEET_GAP
    width = bar_x + SHEET_BAR_W + 90
    grid_h = rows * (label_px + th) + (rows - 1) * SHEET_GAP
    height = head_px + grid_h + 2 * SHEET_GAP
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    ink = tuple(int(style.TEXT[i : i + 2], 16) for i in (1, 3, 5))
    draw.text((SHEET_GAP, 10), _clip_text(draw, title, width - 2 * SHEET_GAP, head_font), fill=ink, font=head_font)
    top = head_px + SHEET_GAP
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        x = SHEET_GAP + c * (cell_w + SHEET_GAP)
        y = top + r * (label_px + th + SHEET_GAP)
        draw.text((x, y), _clip_text(draw, str(titles[i]), cell_w, label_font), fill=ink, font=label_font)
        sheet.paste(tile, (x, y + label_px))
        draw.rectangle((x - 1, y + label_px - 1, x + tw, y + label_px + th), outline=(158, 158, 158))
    # The colour scale: +limit at the top, 0 in the middle, -limit at the bottom, as the maps use it.
    bar_top, bar_h = top + label_px, max(grid_h - label_px, 60)
    ramp = np.linspace(limit, -limit, bar_h)[:, None].repeat(SHEET_BAR_W, axis=1)
    sheet.paste(Image.fromarray(colorize(ramp, limit=limit)), (bar_x, bar_top))
    draw.rectangle((bar_x - 1, bar_top - 1, bar_x + SHEET_BAR_W, bar_top + bar_h), outline=(158, 158, 158))
    minus = numbers.MINUS if math_ok else "-"
    for value, y in ((limit, bar_top), (0.0, bar_top + bar_h // 2), (-limit, bar_top + bar_h)):
        text = numbers.fmt(value, 3).replace("-", minus)
        draw.line((bar_x + SHEET_BAR_W, y, bar_x + SHEET_BAR_W + 5, y), fill=ink, width=1)
        draw.text((bar_x + SHEET_BAR_W + 8, y), text, fill=ink, font=label_font, anchor="lm")
    draw.text((bar_x, bar_top - 14), "value", fill=ink, font=label_font, anchor="lb")
    return png_bytes(np.asarray(sheet))


def standalone_html(fig: dict, *, title: str) -> str:
    """``fig`` (a figure dict, e.g. :func:`sliding_figure` with ``controls=True``) as one HTML page that
    works offline with no server: plotly.js inlined (about 4.8 MB), no MathJax, no CDN, no web fonts.

    The page does not start playing by itself; Plotly's own Play / Pause and slider drive it. ``title``
    (escaped: it may carry a file name) is the page's title and heading.
    """
    import plotly.io  # only here: building the figures themselves never needs plotly

    body = plotly.io.to_html(
        fig,
        include_plotlyjs=True,
        include_mathjax=False,
        full_html=False,
        auto_play=False,
        default_width="100%",
        validate=False,
        config={"displaylogo": False, "responsive": True, "topojsonURL": "",
                "modeBarButtonsToRemove": ["sendDataToCloud"]},
    )
    safe = html.escape(title)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{safe}</title>\n"
        "<style>body{margin:16px;font-family:Verdana,Arial,sans-serif;color:#1f1f1f;background:#fff}"
        "h1{font-size:20px;font-weight:600;margin:0 0 8px}</style>\n"
        f"</head>\n<body>\n<h1>{safe}</h1>\n{body}\n</body>\n</html>\n"
    )
