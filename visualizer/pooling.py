"""Max and average pooling over ``(H, W, C)`` feature maps, channel by channel."""

from __future__ import annotations

import math

import numpy as np

from .conv import PairArg, _pair, as_image, output_shape, windows

POOL_MODES = ("max", "avg")


def pool2d(x: np.ndarray, size: PairArg, *, stride: PairArg | None = None, mode: str = "max") -> np.ndarray:
    """Pool each channel of ``x`` over ``size`` windows.

    Inputs:
    - x: ``(H, W, C)`` (or ``(H, W)``); size: int or ``(ph, pw)``, at least 1.
    - stride: int or pair, defaults to ``size`` (non-overlapping windows); mode: "max" or "avg".
    Returns ``(H', W', C)`` with ``H' = floor((H - ph) / sh) + 1`` (no padding).
    """
    if mode not in POOL_MODES:
        raise ValueError(f"pooling mode must be 'max' or 'avg', not {mode!r}")
    arr = as_image(x)
    k = _pair(size, "pool size", minimum=1)
    s = k if stride is None else _pair(stride, "pool stride", minimum=1)
    output_shape(arr.shape[:2], k, stride=s)  # raises with the arithmetic when the window does not fit
    if mode == "avg" and not math.isfinite(float(np.abs(arr).max()) * k[0] * k[1]):
        raise ValueError("the values are too large to average: their sum would overflow. Scale them down")
    view = windows(np.ascontiguousarray(arr), k, s, (1, 1))  # (H', W', ph, pw, C)
    if mode == "max":
        return view.max(axis=(2, 3))
    return view.mean(axis=(2, 3))
