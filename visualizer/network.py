"""A stack of layers (convolution, activation, pooling), the shape at every stage, and the founding chain.

A stack is described by :class:`LayerSpec` values (plain data: what the UI edits and the URL
stores); :func:`build_layers` turns them into layers with weights (seeded random filters, or given
ones such as a trained model's), and :func:`run_stack` pushes an image through, keeping every stage's
tensor. What each kind of layer does (checks, shape, label, forward, backward) is defined once, in
:data:`visualizer.layers.KINDS`; this module only walks the stack. The founding chain::

    5x5x1 -- 15 [3x3x1] --> 3x3x15 -- ReLU --> 3x3x15 -- 10 [1x1x15] --> 3x3x10 -- 6 [3x3x10] --> 1x1x6
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from .conv import as_bias, as_filters, as_image, check_work
from .layers import KINDS, MAX_FILTERS, MAX_KERNEL, MAX_LAYERS, STACK_KINDS, StackError, size_arithmetic, whole_in

LAYER_KINDS = STACK_KINDS

__all__ = [
    "LAYER_KINDS",
    "MAX_FILTERS",
    "MAX_KERNEL",
    "MAX_LAYERS",
    "Layer",
    "LayerSpec",
    "StackError",
    "Stage",
    "build_layers",
    "dense_equivalent",
    "founding_specs",
    "plan_shapes",
    "run_stack",
    "size_arithmetic",
    "validate_spec",
]


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack, as plain data (each kind's meaning lives in :data:`visualizer.layers.KINDS`).

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
        kind = KINDS.get(self.kind)
        return str(self.kind) if kind is None else kind.label(self, in_channels)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Layer:
    """A layer ready to run: the spec plus, for a convolution, its weights.

    filters: ``(N, k, k, C)``; bias: ``(N,)`` (both None for kinds without weights).
    """

    spec: LayerSpec
    filters: np.ndarray | None = None
    bias: np.ndarray | None = None

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The weights as the layer kinds take them: ``{"filters", "bias"}`` or ``{}``."""
        return {} if self.filters is None else {"filters": self.filters, "bias": self.bias}

    def apply(self, x: np.ndarray) -> np.ndarray:
        """One image ``(H, W, C)`` through the layer."""
        return KINDS[self.spec.kind].apply(self.spec, self.params, x)


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


def validate_spec(spec: LayerSpec, stage: int = 1) -> LayerSpec:
    """Check a spec's own values (kind, sizes, names); raises :class:`StackError` naming the stage."""
    if not isinstance(spec, LayerSpec):
        raise StackError(stage, f"expected a LayerSpec, not {spec!r}")
    if spec.kind not in KINDS or not KINDS[spec.kind].stack:
        raise StackError(stage, f"unknown layer kind {spec.kind!r}; use one of {', '.join(STACK_KINDS)}")
    KINDS[spec.kind].validate(spec, stage)
    return spec


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
            and all(whole_in(v, 1, float("inf")) for v in input_shape)):
        raise ValueError(f"the input shape must be three positive whole numbers (H, W, C), not {input_shape!r}")
    shape = tuple(int(v) for v in input_shape)
    stages = [Stage(0, None, shape, f"input {shape[0]}x{shape[1]}x{shape[2]}")]
    for n, spec in enumerate(specs, start=1):
        validate_spec(spec, n)
        shape, arithmetic = KINDS[spec.kind].out_shape(spec, shape, n)
        stages.append(Stage(n, Layer(spec), shape, arithmetic))
    return stages


def build_layers(
    specs: list[LayerSpec], in_channels: int, params: list[dict[str, np.ndarray]] | None = None
) -> list[Layer]:
    """Give every layer its weights: ``params[i]`` when given (e.g. trained ones), else the seeded
    display weights (a convolution: ``random_filters(N, k, k, C_in, seed=spec.seed)``, bias 0)."""
    if params is not None and (not isinstance(params, (list, tuple)) or len(params) != len(specs)):
        raise ValueError(f"give one dict of weights per layer ({len(specs)}), not {params!r:.80}")
    layers = []
    c = in_channels
    for n, spec in enumerate(specs, start=1):
        validate_spec(spec, n)
        kind = KINDS[spec.kind]
        weights = kind.display_params(spec, c) if params is None else kind.check_params(spec, params[n - 1], c, n)
        layers.append(Layer(spec, weights.get("filters"), weights.get("bias")))
        c = kind.out_channels(spec, c)
    return layers


def run_stack(
    image: np.ndarray, specs: list[LayerSpec], params: list[dict[str, np.ndarray]] | None = None
) -> list[Stage]:
    """Push ``image`` ``(H, W, C)`` through the stack; every stage keeps its tensor ``(H, W, C)``.

    params: one dict of weights per layer (``{}`` for layers without), e.g. a trained model's; None
    gives the seeded random weights of :func:`build_layers`.
    Raises :class:`StackError` (before computing anything) when a layer cannot work.
    """
    x = as_image(image)
    planned = plan_shapes(specs, x.shape)
    layers = build_layers(specs, x.shape[2], params)
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
