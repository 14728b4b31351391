"""Activation functions by name: what turns a convolution's output into a feature map.

ReLU is ``max(0, x)``: positive values pass unchanged, the rest become 0. The binary step (1 where
``x > 0``, else 0) is a different function: it is what a text means when it says "ReLU turns
positives into 1".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .conv import real_array

LEAKY_SLOPE = 0.01


def relu(x: np.ndarray) -> np.ndarray:
    """``max(0, x)``: keeps positive values as they are, sets the others to 0."""
    return np.maximum(x, 0.0)


def step(x: np.ndarray) -> np.ndarray:
    """Binary step: 1 where ``x > 0``, else 0 (not ReLU, which keeps the value itself)."""
    return (x > 0).astype(np.float64)


def leaky_relu(x: np.ndarray, slope: float = LEAKY_SLOPE) -> np.ndarray:
    """``x`` where positive, ``slope * x`` elsewhere."""
    return np.where(x > 0, x, slope * x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))``, computed without overflow for large ``|x|``."""
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, squashing values into (-1, 1)."""
    return np.tanh(x)


def identity(x: np.ndarray) -> np.ndarray:
    """No activation: the values as they are."""
    return x.copy()


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": relu,
    "step": step,
    "leaky_relu": leaky_relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "none": identity,
}

ACTIVATION_LABELS: dict[str, str] = {
    "relu": "ReLU: max(0, x)",
    "step": "Binary step: 1 if x > 0 else 0",
    "leaky_relu": f"Leaky ReLU: x if x > 0 else {LEAKY_SLOPE}x",
    "sigmoid": "Sigmoid: 1 / (1 + e^-x)",
    "tanh": "tanh(x)",
    "none": "None (identity)",
}

ACTIVATION_NAMES: list[str] = list(ACTIVATIONS)

RELU_VS_STEP = (
    "ReLU keeps each positive value as it is and sets negatives to 0; turning every positive value "
    "into 1 (as some texts describe ReLU) is the binary step, a different function."
)


def activate(x: np.ndarray, name: str) -> np.ndarray:
    """Apply the activation called ``name`` (one of :data:`ACTIVATION_NAMES`) elementwise.

    Inputs: x, any shape, finite numbers. Returns a float64 array of the same shape.
    """
    key = str(name).lower().replace(" ", "_").replace("-", "_")
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATION_NAMES)}")
    arr = real_array(x, "the values to activate").astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("the values to activate contain NaN or infinite values")
    return np.asarray(ACTIVATIONS[key](arr), dtype=np.float64)  # a 0-d input stays an array, not a scalar
