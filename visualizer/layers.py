"""One definition per layer kind: its checks, shape arithmetic, label, weights, forward and backward.

The network view (:mod:`visualizer.network`), the stack editor, the inspector and the trainer
(:mod:`visualizer.learn`) all go through :data:`KINDS`, so a new kind is one new class here.

A layer is described by a spec (:class:`visualizer.network.LayerSpec`: plain data, read here by
attribute) and, for kinds with weights, a dict of parameters (a convolution: ``{"filters": (N, k, k, C),
"bias": (N,)}``). ``forward`` and ``backward`` work on batches ``(B, H, W, C)``; ``apply`` runs one
image ``(H, W, C)`` through the checked engine functions (:func:`~visualizer.conv.conv2d`, ...), which
is what the network view shows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import grad
from .activations import ACTIVATION_LABELS, ACTIVATION_NAMES, ACTIVATIONS, activate
from .conv import conv2d, output_shape
from .filters import random_filters
from .pooling import POOL_MODES, pool2d

MAX_LAYERS = 12
MAX_FILTERS = 64
MAX_KERNEL = 7

Shape = tuple[int, int, int]
Params = dict[str, np.ndarray]


class StackError(ValueError):
    """An impossible stack; ``stage`` is the 1-based number of the layer that cannot work."""

    def __init__(self, stage: int, message: str):
        super().__init__(f"Layer {stage}: {message}")
        self.stage = stage


def whole_in(value: object, low: int, high: float) -> bool:
    """An int (Python or NumPy, not a bool) from ``low`` to ``high``."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and low <= value <= high


def size_arithmetic(i: int, k: int, *, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    """The output-size formula with the numbers in: ``floor((5 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 3``."""
    out = (i + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    return f"floor(({i} + 2*{padding} - {dilation}*({k}-1) - 1) / {stride}) + 1 = {out}"


def _window_shape(kind: LayerKind, spec: Any, in_shape: Shape, stage: int, k: int, s: int, p: int,
                  channels: int) -> tuple[Shape, str]:
    """Shape and arithmetic of a layer that slides a k x k window (convolution, pooling)."""
    h, w, c = in_shape
    try:
        ho, wo = output_shape((h, w), (k, k), stride=s, padding=p)
    except ValueError as err:
        raise StackError(stage, f"{kind.label(spec, c)} does not fit its {h}x{w}x{c} input: {err}") from None
    text = f"H: {size_arithmetic(h, k, stride=s, padding=p)}"
    if w != h:
        text += f"; W: {size_arithmetic(w, k, stride=s, padding=p)}"
    return (ho, wo, channels), text


def _rng(rng_or_seed: np.random.Generator | int) -> np.random.Generator:
    return rng_or_seed if isinstance(rng_or_seed, np.random.Generator) else np.random.default_rng(rng_or_seed)


class LayerKind:
    """What every kind defines. Parameter-free kinds keep the defaults for weights."""

    name = ""
    title = ""

    def validate(self, spec: Any, stage: int) -> None:
        """Check the spec's own values; raise :class:`StackError` naming ``stage``."""

    def out_shape(self, spec: Any, in_shape: Shape, stage: int) -> tuple[Shape, str]:
        """The output shape ``(H', W', C')`` and the arithmetic that gives it, or :class:`StackError`."""
        return in_shape, "keeps the shape"

    def out_channels(self, spec: Any, in_channels: int) -> int:
        return in_channels

    def window(self, spec: Any) -> tuple | None:
        """The window each output cell reads, ``(kernel, stride, padding, dilation)`` as ``(h, w)`` pairs, for
        receptive fields (:mod:`visualizer.receptive`); None: every output reads all of its input (dense)."""
        return None

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        """How the layer is written between two stages: ``15 x [3x3x1]``, ``ReLU``, ``max pool 2x2``."""
        return self.title

    def init_params(self, spec: Any, in_channels: int, rng_or_seed: np.random.Generator | int) -> Params:
        """Random starting weights for training (``{}`` when the kind has none)."""
        return {}

    def display_params(self, spec: Any, in_channels: int) -> Params:
        """The seeded weights the network view shows before any training (``{}`` when none)."""
        return {}

    def check_params(self, spec: Any, params: Params, in_channels: int, stage: int) -> Params:
        """``params`` as float64 arrays of the right shapes, or :class:`StackError`."""
        return {}

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        """One image ``(H, W, C)`` through the layer, with the engine's checks."""
        raise NotImplementedError

    def forward(self, spec: Any, params: Params, x: np.ndarray) -> tuple[np.ndarray, Any]:
        """A batch ``(B, H, W, C)`` through the layer: ``(y, cache)`` with y ``(B, H', W', C')``."""
        raise NotImplementedError

    def backward(self, spec: Any, params: Params, cache: Any, grad_y: np.ndarray) -> tuple[np.ndarray, Params]:
        """From the output's gradient to the input's, and the gradient of each parameter (same keys)."""
        raise NotImplementedError


class Conv(LayerKind):
    """``n_filters`` filters of ``kernel x kernel x C`` with ``stride`` and zero ``padding``, plus a bias."""

    name, title = "conv", "Convolution"

    def validate(self, spec: Any, stage: int) -> None:
        if not whole_in(spec.n_filters, 1, MAX_FILTERS):
            raise StackError(stage, f"the number of filters must be 1 to {MAX_FILTERS}, not {spec.n_filters!r}")
        if not whole_in(spec.kernel, 1, MAX_KERNEL):
            raise StackError(stage, f"the kernel size must be 1 to {MAX_KERNEL}, not {spec.kernel!r}")
        if not whole_in(spec.stride, 1, math.inf):
            raise StackError(stage, f"the stride must be a whole number of at least 1, not {spec.stride!r}")
        if not whole_in(spec.padding, 0, MAX_KERNEL):
            raise StackError(stage, f"the padding must be 0 to {MAX_KERNEL}, not {spec.padding!r}")
        if not whole_in(spec.seed, 0, math.inf):
            raise StackError(stage, f"the seed must be a whole number from 0 up, not {spec.seed!r}")

    def out_shape(self, spec: Any, in_shape: Shape, stage: int) -> tuple[Shape, str]:
        return _window_shape(self, spec, in_shape, stage, spec.kernel, spec.stride, spec.padding, int(spec.n_filters))

    def out_channels(self, spec: Any, in_channels: int) -> int:
        return int(spec.n_filters)

    def window(self, spec: Any) -> tuple:
        k, s, p = int(spec.kernel), int(spec.stride), int(spec.padding)
        return (k, k), (s, s), (p, p), (1, 1)

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        c = "C" if in_channels is None else str(in_channels)
        extra = "".join(
            f", {name} {value}" for name, value, default in (("stride", spec.stride, 1), ("padding", spec.padding, 0))
            if value != default
        )
        return f"{spec.n_filters} x [{spec.kernel}x{spec.kernel}x{c}]{extra}"

    def init_params(self, spec: Any, in_channels: int, rng_or_seed: np.random.Generator | int) -> Params:
        """He initialisation: normal with variance ``2 / fan_in`` (fan_in = k*k*C), which keeps the size of
        the activations about the same through ReLU layers; bias 0."""
        fan_in = spec.kernel * spec.kernel * in_channels
        shape = (spec.n_filters, spec.kernel, spec.kernel, in_channels)
        filters = _rng(rng_or_seed).standard_normal(shape) * math.sqrt(2.0 / fan_in)
        return {"filters": filters, "bias": np.zeros(spec.n_filters)}

    def display_params(self, spec: Any, in_channels: int) -> Params:
        bank = random_filters(spec.n_filters, spec.kernel, spec.kernel, in_channels, seed=spec.seed)
        return {"filters": bank, "bias": np.zeros(spec.n_filters)}

    def check_params(self, spec: Any, params: Params, in_channels: int, stage: int) -> Params:
        want = {"filters": (spec.n_filters, spec.kernel, spec.kernel, in_channels), "bias": (spec.n_filters,)}
        out = {}
        for key, shape in want.items():
            value = np.asarray(params.get(key) if isinstance(params, dict) else None)
            if value.shape != shape or value.dtype.kind not in "biuf" or not np.isfinite(value).all():
                raise StackError(stage, f"the {key} must be finite numbers of shape {shape}, not {value.shape}")
            out[key] = value.astype(np.float64)
        return out

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        return conv2d(image, params["filters"], params["bias"], stride=spec.stride, padding=spec.padding)

    def forward(self, spec: Any, params: Params, x: np.ndarray) -> tuple[np.ndarray, Any]:
        s, p = (spec.stride, spec.stride), (spec.padding, spec.padding)
        return grad.conv_forward(x, params["filters"], params["bias"], s, p, (1, 1))

    def backward(self, spec: Any, params: Params, cache: Any, grad_y: np.ndarray) -> tuple[np.ndarray, Params]:
        grad_x, grad_filters, grad_bias = grad.conv_backward(cache, grad_y)
        return grad_x, {"filters": grad_filters, "bias": grad_bias}


class Activation(LayerKind):
    """An elementwise function by name (ReLU, step, leaky ReLU, sigmoid, tanh, none)."""

    name, title = "activation", "Activation"

    def validate(self, spec: Any, stage: int) -> None:
        if spec.activation not in ACTIVATION_NAMES:
            raise StackError(stage, f"unknown activation {spec.activation!r}")

    def out_shape(self, spec: Any, in_shape: Shape, stage: int) -> tuple[Shape, str]:
        return in_shape, "an activation keeps the shape"

    def window(self, spec: Any) -> tuple:
        return (1, 1), (1, 1), (0, 0), (1, 1)  # elementwise: each cell reads its own cell

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return ACTIVATION_LABELS.get(spec.activation, spec.activation).split(":")[0]

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        return activate(image, spec.activation)

    def forward(self, spec: Any, params: Params, x: np.ndarray) -> tuple[np.ndarray, Any]:
        y = ACTIVATIONS[spec.activation](x)
        return y, (x, y)

    def backward(self, spec: Any, params: Params, cache: Any, grad_y: np.ndarray) -> tuple[np.ndarray, Params]:
        x, y = cache
        return grad.activation_backward(spec.activation, x, y, grad_y), {}


class Pool(LayerKind):
    """Max or average over non-overlapping ``pool_size x pool_size`` windows (stride = size), per channel."""

    name, title = "pool", "Pooling"

    def validate(self, spec: Any, stage: int) -> None:
        if spec.pool_mode not in POOL_MODES:
            raise StackError(stage, f"pooling must be 'max' or 'avg', not {spec.pool_mode!r}")
        if not whole_in(spec.pool_size, 1, MAX_KERNEL):
            raise StackError(stage, f"the pool size must be 1 to {MAX_KERNEL}, not {spec.pool_size!r}")

    def out_shape(self, spec: Any, in_shape: Shape, stage: int) -> tuple[Shape, str]:
        return _window_shape(self, spec, in_shape, stage, spec.pool_size, spec.pool_size, 0, in_shape[2])

    def window(self, spec: Any) -> tuple:
        k = int(spec.pool_size)
        return (k, k), (k, k), (0, 0), (1, 1)

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return f"{spec.pool_mode} pool {spec.pool_size}x{spec.pool_size}"

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        return pool2d(image, spec.pool_size, mode=spec.pool_mode)

    def forward(self, spec: Any, params: Params, x: np.ndarray) -> tuple[np.ndarray, Any]:
        return grad.pool_forward(x, spec.pool_size, spec.pool_mode)

    def backward(self, spec: Any, params: Params, cache: Any, grad_y: np.ndarray) -> tuple[np.ndarray, Params]:
        return grad.pool_backward(cache, grad_y), {}


KINDS: dict[str, LayerKind] = {kind.name: kind for kind in (Conv(), Activation(), Pool())}
