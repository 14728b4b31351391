"""Feature maps as pixels (NumPy + Pillow): exact colour images for maps too large for heatmaps, and PNG export."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from . import style

# The figures' diverging scale (blue negative, white 0, orange positive), as RGB stops evenly spaced.
DIVERGING = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in style.DIVERGING], dtype=np.float64)


def colorize(values: np.ndarray, *, limit: float | None = None) -> np.ndarray:
    """An ``(H, W)`` map as uint8 RGB ``(H, W, 3)``: 0 is white, ``-limit`` deep blue, ``+limit`` deep orange.

    ``limit`` defaults to the largest absolute value (so several maps can share one scale by passing it).
    """
    v = np.asarray(values, dtype=np.float64)
    lim = float(np.abs(v).max()) if limit is None else float(limit)
    t = np.full(v.shape, 0.5) if lim == 0 else np.clip(0.5 + 0.5 * v / lim, 0.0, 1.0)
    pos = t * (len(DIVERGING) - 1)
    lo = np.floor(pos).astype(np.intp).clip(0, len(DIVERGING) - 2)
    frac = pos - lo
    keep = 1 - frac
    out = np.empty(v.shape + (3,), dtype=np.uint8)
    for ch in range(3):  # a channel at a time, from flat stops: twice as fast as blending (H, W, 3) rows, same values
        stops = DIVERGING[:, ch]
        out[..., ch] = np.round(stops.take(lo) * keep + stops.take(lo + 1) * frac)
    return out


STEPS = 4096  # colorize_near: the scale looked up at this many steps a side of 0 (a level off at most, for JPEGs)
_NEAR = colorize(np.linspace(-1.0, 1.0, 2 * STEPS + 1), limit=1.0)


def colorize_near(values: np.ndarray, *, limit: float | None = None) -> np.ndarray:
    """:func:`colorize` looked up in a table of the scale (every colour within one level of the exact one), five
    times as fast: for pictures that are compressed anyway (a photo's maps, sent as JPEG)."""
    v = np.asarray(values, dtype=np.float64)
    lim = float(np.abs(v).max()) if limit is None else float(limit)
    if lim == 0:
        return colorize(v, limit=0.0)
    index = np.rint(np.clip(v / lim, -1.0, 1.0) * STEPS).astype(np.intp) + STEPS  # v / lim: a tiny limit stays finite
    return _NEAR.take(index, axis=0)


def png_bytes(rgb: np.ndarray, *, scale: int = 1) -> bytes:
    """Encode uint8 ``(H, W, 3)`` (or ``(H, W)``) as PNG, each pixel blown up to ``scale x scale`` (no blur)."""
    img = Image.fromarray(np.ascontiguousarray(rgb))
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def upscale_for_display(h: int, w: int, target: int = 192) -> int:
    """The whole-number scale that makes an ``h x w`` map about ``target`` pixels on its longer side."""
    return max(1, target // max(h, w))
