"""Feature maps as pictures: each map a pixel-exact image on the diverging scale, with its numbers written out where
the grid is small enough to read them. No Plotly: the studio's maps component (``ui/photo_assets``) lays the tiles
out and writes the numbers over them, so an edit redraws the maps in a few milliseconds instead of a Plotly
figure's 40 to 60 (a fixed cost per figure, however few its cells).

Pure NumPy and Pillow: arrays in, JSON-ready dicts out. Colours come from :func:`~visualizer.figures.raster.colorize`
(the scale the feature-map PNG export uses), numbers from :func:`visualizer.numbers.fmt`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

from .. import numbers
from . import style
from .raster import colorize, colorize_near
from .toolkit import png_data_uri, to_list

SCALES = ("own", "shared")  # each map on its own colour scale, or one scale for all maps of a panel
JPEG_QUALITY = 92  # a photo-sized map is for the eye (the PNG download has the exact colours)
EXACT_MAX_SIDE = 64  # maps up to this many cells a side are PNG (exact colours) and carry their values for hover
VALUES_MAX = 10_000  # and only while a panel holds at most this many values in all (about 140 kB of JSON: four 64x64
# maps would be 230 kB, a quarter of a second more to send and read after every kernel edit)


def data_url(rgb: np.ndarray, *, exact: bool) -> str:
    """uint8 RGB ``(H, W, 3)`` as a data URL: the toolkit's PNG when ``exact``, else JPEG (a gray ``(H, W)`` too)."""
    if exact:
        return png_data_uri(rgb)
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="JPEG", quality=JPEG_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def limit_text(limit: float) -> str:
    """How a colour scale's limit is written after a title or in a note: ``±4``, ``±0.125``."""
    return f"±{limit:.3g}"


def scale_limits(maps: np.ndarray, scale: str) -> list[float]:
    """The colour limit of each of the ``(H, W, N)`` maps: its own largest absolute value, or the panel's (``shared``);
    1 where that is 0 (an all-zero map is white)."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}; got {scale!r}")
    if scale == "shared":
        return [float(np.abs(maps).max()) or 1.0] * maps.shape[2]
    return [float(v) or 1.0 for v in np.abs(maps).max(axis=(0, 1))]


def _ink(rgb: np.ndarray) -> list[str]:
    """Per cell, the number's colour that reads on that cell: ``w`` (white) on a dark cell, ``d`` (dark) on a light
    one; a string per row."""
    luminance = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    return ["".join("w" if v < 140 else "d" for v in row) for row in luminance]


def map_tiles(maps: np.ndarray, titles: Sequence[str], *, scale: str = "shared", show_values: bool | None = None,
              alt: str = "Feature maps") -> list[dict]:
    """One tile per map of ``maps`` ``(H, W, N)``, for the maps component.

    Each tile: ``src`` (the map coloured at its limit: PNG of ``colorize`` up to ``EXACT_MAX_SIDE`` a side, else
    JPEG of ``colorize_near``), ``h``, ``w``, ``title`` (plain text: the component sets it as text), ``limit``
    (written only when each map has its own scale), ``alt`` (``"{alt}, map {title}"``); while the maps are small
    (``EXACT_MAX_SIDE``, ``VALUES_MAX``) ``z``, the values (for hover and for tests); and, where numbers are written
    (at most ``VALUES_MAX_SIDE`` a side, or as ``show_values`` says), ``text`` (each value by
    :func:`visualizer.numbers.fmt` at ``style.value_digits`` decimals), ``ink`` (each number's colour, see
    :func:`_ink`) and ``font`` (the largest size to write them at; the component shrinks it to the cells it draws,
    and leaves numbers out below ``MIN_VALUE_FONT``).
    """
    arr = np.asarray(maps, dtype=np.float64)
    if arr.ndim != 3 or 0 in arr.shape:
        raise ValueError(f"maps must be (H, W, N) with no empty side; got shape {arr.shape}")
    h, w, n = arr.shape
    if len(titles) != n:
        raise ValueError(f"{n} maps need {n} titles; got {len(titles)}")
    if not np.isfinite(arr).all():
        raise ValueError("maps contain NaN or infinite values")
    side = max(h, w)
    exact = side <= EXACT_MAX_SIDE
    with_values = exact and h * w * n <= VALUES_MAX
    write = side <= style.VALUES_MAX_SIDE if show_values is None else bool(show_values)
    digits = style.value_digits(side)
    limits = scale_limits(arr, scale)
    planes = np.ascontiguousarray(np.moveaxis(arr, 2, 0))  # each map contiguous: 5x faster to colour than a slice
    tiles = []
    for i in range(n):
        values = planes[i]
        rgb = (colorize if exact else colorize_near)(values, limit=limits[i])
        tile = {"src": data_url(rgb, exact=exact), "h": h, "w": w, "title": titles[i],
                "limit": limit_text(limits[i]) if scale == "own" else "", "alt": f"{alt}, map {titles[i]}"}
        if with_values:
            tile["z"] = to_list(values)
        if write and with_values:
            tile["text"] = [[numbers.fmt(v, digits) for v in row] for row in values.tolist()]
            tile["ink"] = _ink(rgb)
            tile["font"] = style.value_font_size(side)
        tiles.append(tile)
    return tiles


def scale_note(maps: np.ndarray, scale: str) -> str:
    """The sentence under a panel of maps that says how colours read."""
    colours = "Colours: blue negative, white 0, orange positive; "
    if scale == "shared":
        return colours + f"one scale for all maps of this row ({limit_text(scale_limits(maps, 'shared')[0])})."
    return colours + ("each map on its own scale (its limit is written after its title), so a weak filter's map "
                      "shows its pattern too.")
