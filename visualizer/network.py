"""A stack of layers (convolution, activation, pooling), the shape at every stage, and the founding chain.

A stack is described by :class:`LayerSpec` values (plain data: what the UI edits and the URL
stores); :func:`build_layers` turns them into layers with weights (seeded random filters), and
:func:`run_stack` pushes an image through, keeping every stage's tensor. The founding chain::

    5x5x1 -- 15 [3x3x1] --> 3x3x15 -- ReLU --> 3x3x15 -- 10 [1x1x15] --> 3x3x10 -- 6 [3x3x10] --> 1x1x6
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from .activations import ACTIVATION_LABELS, ACTIVATION_NAMES, activate
from .conv import as_bias, as_filters, as_image, check_work, conv2d, output_shape
from .filters import random_filters
from .pooling import POOL_MODES, pool2d

LAYER_KINDS = ("conv", "activation", "pool")
MAX_LAYERS = 12
MAX_FILTERS = 64
MAX_KERNEL = 7


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack, as plain data.

    - kind "conv": ``n_filters`` filters of ``kernel x kernel`` (channels follow the input), with
      ``stride``, ``padding`` and seeded random weights (``seed``);
    - kind "activation": ``activation`` (a name from :data:`ACTIVATION_NAMES`);
    - kind "pool": ``pool_mode`` ("max" or "avg") over ``pool_size`` windows, stride = size.
    """

    kind: str
    n_filters: int = 1
    kernel: int = 3
    stride: int = 1
    padding: int = 0
    seed: int = 0
    activation: str = "relu"
    pool_size: int = 2
    pool_mode: str = "max"

    def label(self, in_channels: int | None = None) -> str:
        """How the layer is written between two stages: ``15 x [3x3x1]``, ``ReLU``, ``max pool 2x2``."""
        if self.kind == "conv":
            c = "C" if in_channels is None else str(in_channels)
            extra = "".join(
                f", {name} {value}" for name, value in (("stride", self.stride), ("padding", self.padding))
                if value != (1 if name == "stride" else 0)
            )
            return f"{self.n_filters} x [{self.kernel}x{self.kernel}x{c}]{extra}"
        if self.kind == "activation":
            return ACTIVATION_LABELS.get(self.activation, self.activation).split(":")[0]
        return f"{self.pool_mode} pool {self.pool_size}x{self.pool_size}"

    def to_dict(self) -> dict:
        return asdict(self)


class StackError(ValueError):
    """An impossible stack; ``stage`` is the 1-based number of the layer that cannot work."""

    def __init__(self, stage: int, message: str):
        super().__init__(f"Layer {stage}: {message}")
        self.stage = stage


@dataclass(frozen=True)
class Layer:
    """A layer ready to run: the spec plus, for a convolution, its weights.

    filters: ``(N, k, k, C)``; bias: ``(N,)`` (both None for other kinds).
    """

    spec: LayerSpec
    filters: np.ndarray | None = None
    bias: np.ndarray | None = None

    def apply(self, x: np.ndarray) -> np.ndarray:
        s = self.spec
        if s.kind == "conv":
            return conv2d(x, self.filters, self.bias, stride=s.stride, padding=s.padding)
        if s.kind == "activation":
            return activate(x, s.activation)
        return pool2d(x, s.pool_size, mode=s.pool_mode)


@dataclass(frozen=True)
class Stage:
    """One stage of a run: the tensor ``(H, W, C)`` after ``layer`` (None for the input)."""

    index: int
    layer: Layer | None
    shape: tuple[int, int, int]
    arithmetic: str
    tensor: np.ndarray | None = None

    @property
    def label(self) -> str:
        if self.layer is None:
            return "input"
        in_c = self.layer.filters.shape[3] if self.layer.filters is not None else None
        return self.layer.spec.label(in_c)


def _whole_in(value: object, low: int, high: float) -> bool:
    """An int (Python or NumPy, not a bool) from ``low`` to ``high``."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and low <= value <= high


def validate_spec(spec: LayerSpec, stage: int = 1) -> LayerSpec:
    """Check a spec's own values (kind, sizes, names); raises :class:`StackError` naming the stage."""
    if not isinstance(spec, LayerSpec):
        raise StackError(stage, f"expected a LayerSpec, not {spec!r}")
    if spec.kind not in LAYER_KINDS:
        raise StackError(stage, f"unknown layer kind {spec.kind!r}; use one of {', '.join(LAYER_KINDS)}")
    if spec.kind == "conv":
        if not _whole_in(spec.n_filters, 1, MAX_FILTERS):
            raise StackError(stage, f"the number of filters must be 1 to {MAX_FILTERS}, not {spec.n_filters!r}")
        if not _whole_in(spec.kernel, 1, MAX_KERNEL):
            raise StackError(stage, f"the kernel size must be 1 to {MAX_KERNEL}, not {spec.kernel!r}")
        if not _whole_in(spec.stride, 1, math.inf):
            raise StackError(stage, f"the stride must be a whole number of at least 1, not {spec.stride!r}")
        if not _whole_in(spec.padding, 0, MAX_KERNEL):
            raise StackError(stage, f"the padding must be 0 to {MAX_KERNEL}, not {spec.padding!r}")
        if not _whole_in(spec.seed, 0, math.inf):
            raise StackError(stage, f"the seed must be a whole number from 0 up, not {spec.seed!r}")
    elif spec.kind == "activation":
        if spec.activation not in ACTIVATION_NAMES:
            raise StackError(stage, f"unknown activation {spec.activation!r}")
    else:
        if spec.pool_mode not in POOL_MODES:
            raise StackError(stage, f"pooling must be 'max' or 'avg', not {spec.pool_mode!r}")
        if not _whole_in(spec.pool_size, 1, MAX_KERNEL):
            raise StackError(stage, f"the pool size must be 1 to {MAX_KERNEL}, not {spec.pool_size!r}")
    return spec


def size_arithmetic(i: int, k: int, *, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    """The output-size formula with the numbers in: ``floor((5 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 3``."""
    out = (i + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    return f"floor(({i} + 2*{padding} - {dilation}*({k}-1) - 1) / {stride}) + 1 = {out}"


def plan_shapes(specs: list[LayerSpec], input_shape: tuple[int, int, int]) -> list[Stage]:
    """The shape and the size arithmetic of every stage, without computing anything.

    Returns one :class:`Stage` (without tensor or weights) for the input and one per layer.
    Raises :class:`StackError` naming the first layer that cannot work and why.
    """
    if not isinstance(specs, (list, tuple)):
        raise ValueError(f"the layers must be a list of LayerSpec, not {type(specs).__name__}")
    if len(specs) > MAX_LAYERS:
        raise StackError(len(specs), f"a stack may have at most {MAX_LAYERS} layers")
    if not (isinstance(input_shape, (list, tuple)) and len(input_shape) == 3
            and all(_whole_in(v, 1, math.inf) for v in input_shape)):
        raise ValueError(f"the input shape must be three positive whole numbers (H, W, C), not {input_shape!r}")
    h, w, c = (int(v) for v in input_shape)
    stages = [Stage(0, None, (h, w, c), f"input {h}x{w}x{c}")]
    for n, spec in enumerate(specs, start=1):
        validate_spec(spec, n)
        if spec.kind == "activation":
            stages.append(Stage(n, Layer(spec), (h, w, c), "an activation keeps the shape"))
            continue
        k, s, p = (spec.kernel, spec.stride, spec.padding) if spec.kind == "conv" else (
            spec.pool_size, spec.pool_size, 0)
        try:
            ho, wo = output_shape((h, w), (k, k), stride=s, padding=p)
        except ValueError as err:
            raise StackError(n, f"{spec.label(c)} does not fit its {h}x{w}x{c} input: {err}") from None
        arith = f"H: {size_arithmetic(h, k, stride=s, padding=p)}"
        if w != h:
            arith += f"; W: {size_arithmetic(w, k, stride=s, padding=p)}"
        h, w = ho, wo
        if spec.kind == "conv":
            c = int(spec.n_filters)
        stages.append(Stage(n, Layer(spec), (h, w, c), arith))
    return stages


def build_layers(specs: list[LayerSpec], in_channels: int) -> list[Layer]:
    """Give every convolution its weights: ``random_filters(N, k, k, C_in, seed=spec.seed)``, bias 0."""
    layers = []
    c = in_channels
    for n, spec in enumerate(specs, start=1):
        validate_spec(spec, n)
        if spec.kind == "conv":
            bank = random_filters(spec.n_filters, spec.kernel, spec.kernel, c, seed=spec.seed)
            layers.append(Layer(spec, bank, np.zeros(spec.n_filters)))
            c = spec.n_filters
        else:
            layers.append(Layer(spec))
    return layers


def run_stack(image: np.ndarray, specs: list[LayerSpec]) -> list[Stage]:
    """Push ``image`` ``(H, W, C)`` through the stack; every stage keeps its tensor ``(H, W, C)``.

    Raises :class:`StackError` (before computing anything) when a layer cannot work.
    """
    x = as_image(image)
    planned = plan_shapes(specs, x.shape)
    layers = build_layers(specs, x.shape[2])
    stages = [replace(planned[0], tensor=x)]
    for layer, plan in zip(layers, planned[1:], strict=True):
        x = layer.apply(x)
        stages.append(replace(plan, layer=layer, tensor=x))
    return stages


def founding_specs() -> list[LayerSpec]:
    """The founding chain: 15 [3x3x1], ReLU, 10 [1x1x15], 6 [3x3x10] (seeded random weights)."""
    return [
        LayerSpec("conv", n_filters=15, kernel=3, seed=1),
        LayerSpec("activation", activation="relu"),
        LayerSpec("conv", n_filters=10, kernel=1, seed=2),
        LayerSpec("conv", n_filters=6, kernel=3, seed=3),
    ]


def dense_equivalent(x: np.ndarray, filters: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """A filter as large as its input, computed as a dense layer: ``W @ flatten(x) + b``.

    Inputs: x ``(kh, kw, C)``; filters ``(N, kh, kw, C)``; bias ``(N,)``.
    Returns ``(N,)``: the same numbers as ``conv2d(x, filters, bias)[0, 0]``, with the filters
    flattened into an ``N x (kh*kw*C)`` matrix.
    """
    x = as_image(x)
    bank = as_filters(filters)
    if bank.shape[1:] != x.shape:
        raise ValueError(f"a full-size filter must match its input {x.shape}, not {bank.shape[1:]}")
    b = as_bias(bias, bank.shape[0])
    check_work(x, bank, b, (0, 0), (1, 1))
    matrix = bank.reshape(bank.shape[0], -1)
    return matrix @ x.reshape(-1) + b
