"""Max and average pooling over ``(H, W, C)`` feature maps, channel by channel."""

from __future__ import annotations

import math

import numpy as np

from .conv import PairArg, _pair, as_image, output_shape, windows

POOL_MODES = ("max", "avg")

Sides = tuple[tuple[int, int], tuple[int, int]]


def pool2d(
    x: np.ndarray,
    size: PairArg,
    *,
    stride: PairArg | None = None,
    mode: str = "max",
    padding: Sides = ((0, 0), (0, 0)),
    dilation: PairArg = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = False,
) -> np.ndarray:
    """Pool each channel of ``x`` over ``size`` windows.

    Inputs:
    - x: ``(H, W, C)`` (or ``(H, W)``); size: int or ``(ph, pw)``, at least 1.
    - stride: int or pair, defaults to ``size`` (non-overlapping windows); mode: "max" or "avg".
    - padding: ``((top, bottom), (left, right))`` cells around the input that no maximum can come from
      (max) and that count as zeros only when ``count_include_pad`` (avg); dilation: taps ``d`` apart.
    - ceil_mode: round the number of windows up (a last, partial window), as ONNX and PyTorch do; a
      window that would start in the bottom or right padding is dropped.
    Returns ``(H', W', C)`` with ``H' = floor((H + top + bottom - d(ph-1) - 1) / sh) + 1`` (ceil in ceil_mode).
    """
    if mode not in POOL_MODES:
        raise ValueError(f"pooling mode must be 'max' or 'avg', not {mode!r}")
    arr = as_image(x)
    k = _pair(size, "pool size", minimum=1)
    s = k if stride is None else _pair(stride, "pool stride", minimum=1)
    d = _pair(dilation, "pool dilation", minimum=1)
    (top, bottom), (left, right) = padding
    if min(top, bottom, left, right) < 0 or max(top, bottom) >= k[0] * d[0] or max(left, right) >= k[1] * d[1]:
        raise ValueError(f"pool padding {padding} must be from 0 to less than the window {k[0]}x{k[1]}")
    if mode == "avg" and not math.isfinite(float(np.abs(arr).max()) * k[0] * k[1]):
        raise ValueError("the values are too large to average: their sum would overflow. Scale them down")
    if padding == ((0, 0), (0, 0)) and d == (1, 1) and not ceil_mode:
        output_shape(arr.shape[:2], k, stride=s)  # raises with the arithmetic when the window does not fit
        view = windows(np.ascontiguousarray(arr), k, s, (1, 1))  # (H', W', ph, pw, C)
        return view.max(axis=(2, 3)) if mode == "max" else view.mean(axis=(2, 3))
    out_hw = pool_output_shape(arr.shape[:2], k, s, padding, d, ceil_mode)
    h, w, c = arr.shape
    # The padded grid holds every window whole: ``extra`` rows and columns beyond the padding serve the
    # partial windows of ceil mode.
    rows = (out_hw[0] - 1) * s[0] + d[0] * (k[0] - 1) + 1
    cols = (out_hw[1] - 1) * s[1] + d[1] * (k[1] - 1) + 1
    grid_h, grid_w = max(rows, h + top + bottom), max(cols, w + left + right)
    fill = -np.inf if mode == "max" else 0.0
    grid = np.full((grid_h, grid_w, c), fill)
    grid[top: top + h, left: left + w] = arr
    view = windows(grid, k, s, d)[: out_hw[0], : out_hw[1]]
    if mode == "max":
        return view.max(axis=(2, 3))
    # Which cells a window's average counts: the input's, plus the padding's with count_include_pad
    # (never the cells past the padding that ceil mode adds).
    counted = np.zeros((grid_h, grid_w, 1))
    if count_include_pad:
        counted[: h + top + bottom, : w + left + right] = 1.0
    else:
        counted[top: top + h, left: left + w] = 1.0
    counts = windows(counted, k, s, d)[: out_hw[0], : out_hw[1]].sum(axis=(2, 3))
    return view.sum(axis=(2, 3)) / np.maximum(counts, 1.0)


def pool_output_shape(
    input_hw: tuple[int, int], size: tuple[int, int], stride: tuple[int, int], padding: Sides,
    dilation: tuple[int, int] = (1, 1), ceil_mode: bool = False,
) -> tuple[int, int]:
    """Windows per axis: ``floor((i + lo + hi - d(k-1) - 1) / s) + 1`` (ceil in ``ceil_mode``, dropping a
    last window that would start in the bottom or right padding, as PyTorch and ONNX do)."""
    sizes = []
    for axis, i, k, s, (lo, hi), d in zip(("tall", "wide"), input_hw, size, stride, padding, dilation, strict=True):
        span = d * (k - 1) + 1
        room = i + lo + hi - span
        if room < 0:
            raise ValueError(f"the {k}-wide pooling window spans {span} pixels, but the padded input is only "
                             f"{i + lo + hi} {axis}")
        n = (-(-room // s) if ceil_mode else room // s) + 1
        if ceil_mode and (n - 1) * s >= i + lo:
            n -= 1
        sizes.append(n)
    return (sizes[0], sizes[1])
