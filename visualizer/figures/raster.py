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
    lo = np.floor(pos).astype(int).clip(0, len(DIVERGING) - 2)
    frac = (pos - lo)[..., None]
    rgb = DIVERGING[lo] * (1 - frac) + DIVERGING[lo + 1] * frac
    return np.round(rgb).astype(np.uint8)


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
