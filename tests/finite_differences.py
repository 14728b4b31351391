"""The reference every gradient test uses: central finite differences, one entry at a time."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EPS = 1e-6


def numeric_grad(f: Callable[[], float], x: np.ndarray) -> np.ndarray:
    """The gradient of the scalar ``f()`` with respect to ``x`` (changed in place and put back), by
    ``(f(x + eps) - f(x - eps)) / 2 eps`` for each entry."""
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + EPS
        up = f()
        flat[i] = keep - EPS
        down = f()
        flat[i] = keep
        out[i] = (up - down) / (2 * EPS)
    return grad
