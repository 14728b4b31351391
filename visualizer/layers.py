"""One definition per layer kind: its checks, shape arithmetic, label, weights, forward and backward.

The network view (:mod:`visualizer.network`), the stack editor, the inspector and the trainer
(:mod:`visualizer.learn`) all go through :data:`KINDS`, so a new kind is one new class here.

A layer is described by a spec (:class:`visualizer.network.LayerSpec`: plain data, read here by
attribute) and, for kinds with weights, a dict of parameters (a convolution: ``{"filters": (N, k, k, C),
"bias": (N,)}``). ``forward`` and ``backward`` work on batches ``(B, H, W, C)``; ``apply`` runs one
image ``(H, W, C)`` through the checked engine functions (:func:`~visualizer.conv.conv2d`, ...), which
is what the network view shows.

Two kinds of spec reach these kinds: a stack's :class:`visualizer.network.LayerSpec` (square kernels,
symmetric padding) and a model file's :class:`OpSpec` (:mod:`visualizer.onnx_model`: any kernel, four
paddings, dilation, groups, ...). Kinds marked ``layout = "hwc"`` take images ``(H, W, C)``; the others
(``layout = "any"``) take a model's tensors in the model's own layout, e.g. ``(1, K)`` or ``(1, C, H, W)``,
with NumPy's (and ONNX's) broadcasting; kinds with ``inputs = 2`` or ``"many"`` take several tensors.
:data:`STACK_KINDS` are the kinds a stack (the network view's editor, the trainer) is made of.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import grad
from .activations import ACTIVATION_LABELS, ACTIVATION_NAMES, ACTIVATIONS, LEAKY_SLOPE, activate, leaky_relu
from .conv import conv2d, output_shape
from .filters import random_filters
from .pooling import POOL_MODES, pool2d, pool_output_shape

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
    layout = "hwc"  # "hwc": takes images (H, W, C); "any": a model's tensors in its own layout
    inputs: int | str = 1  # how many tensors it takes: 1, 2 or "many" (then apply gets them all)
    stack = True  # a stack (LayerSpec) may use it; kinds only model files are made of say False

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

    def macs(self, spec: Any, params: Params, in_shape: tuple, out_shape: tuple) -> int:
        """Multiply-adds of one image through the layer (0 for kinds that only move or compare values)."""
        return 0

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        """One image ``(H, W, C)`` through the layer, with the engine's checks."""
        raise NotImplementedError

    def forward(self, spec: Any, params: Params, x: np.ndarray) -> tuple[np.ndarray, Any]:
        """A batch ``(B, H, W, C)`` through the layer: ``(y, cache)`` with y ``(B, H', W', C')``."""
        raise NotImplementedError

    def backward(self, spec: Any, params: Params, cache: Any, grad_y: np.ndarray) -> tuple[np.ndarray, Params]:
        """From the output's gradient to the input's, and the gradient of each parameter (same keys)."""
        raise NotImplementedError


@dataclass(frozen=True)
class OpSpec:
    """A layer read from a model file (:mod:`visualizer.onnx_model`), as plain data: its kind and the
    attributes that kind reads (the rest keep their defaults). Pairs are ``(vertical, horizontal)``.

    - "conv", "conv_transpose": ``n_filters``, ``kernel``, ``stride``, ``pads`` ``(top, left, bottom,
      right)``, ``dilation``, ``groups`` (and ``output_padding``);
    - "pool": ``pool_mode``, ``kernel``, ``stride``, ``pads``, ``dilation``, ``ceil_mode``, ``count_include_pad``;
    - "activation": ``activation`` (and ``alpha`` for leaky ReLU; "none" for Identity, Dropout, Cast);
      "clip": ``low``, ``high``;
    - "softmax": ``axis`` (``legacy``: opset < 13, over everything from ``axis`` on);
    - "batch_norm": ``epsilon``; "binary": ``op`` (add, sub, mul, div), ``constant_first``;
    - "concat", "flatten": ``axis``; "reshape": ``shape``; "transpose": ``perm``;
    - "reduce": ``pool_mode`` (avg or max), ``axes``, ``keepdims``; "pad": ``pad_widths``, ``pad_mode``, ``value``.
    ``op_type`` is the operator it came from (``Conv``, ``Gemm``, ...), for labels.
    """

    kind: str
    op_type: str = ""
    n_filters: int = 0
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    output_padding: tuple[int, int] = (0, 0)
    activation: str = "relu"
    alpha: float = LEAKY_SLOPE
    low: float = -math.inf
    high: float = math.inf
    pool_mode: str = "max"
    ceil_mode: bool = False
    count_include_pad: bool = False
    axis: int = 1
    legacy: bool = False
    axes: tuple[int, ...] = ()
    keepdims: bool = True
    perm: tuple[int, ...] = ()
    shape: tuple[int, ...] = ()
    op: str = "add"
    constant_first: bool = False
    epsilon: float = 1e-5
    pad_widths: tuple[tuple[int, int], ...] = ()
    pad_mode: str = "constant"
    value: float = 0.0


@dataclass(frozen=True)
class Geometry:
    """A sliding window's sizes: kernel, stride, ``((top, bottom), (left, right))`` padding, dilation, groups."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]
    groups: int = 1

    @property
    def symmetric(self) -> bool:
        return self.padding[0][0] == self.padding[0][1] and self.padding[1][0] == self.padding[1][1]


def _window_of(g: Geometry) -> tuple:
    """A geometry as a receptive field's window ``(kernel, stride, (top, left) padding, dilation)``: where a window
    starts depends on the top and left padding only (the bottom and right decide the stage's size)."""
    return g.kernel, g.stride, (g.padding[0][0], g.padding[1][0]), g.dilation


def _two(value: Any) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, (int, np.integer)) else (int(value[0]), int(value[1]))


def geometry(spec: Any) -> Geometry:
    """The window of a convolution or pooling spec: a stack's (square, symmetric, ``pool_size`` windows at
    stride = size) or a model's :class:`OpSpec` (everything given)."""
    if isinstance(spec, OpSpec):
        t, left, b, r = spec.pads
        return Geometry(spec.kernel, spec.stride, ((t, b), (left, r)), spec.dilation, spec.groups)
    if spec.kind == "pool":
        k = _two(spec.pool_size)
        return Geometry(k, k, ((0, 0), (0, 0)), (1, 1))
    p = int(spec.padding)
    return Geometry(_two(spec.kernel), _two(spec.stride), ((p, p), (p, p)), (1, 1))


def side_arithmetic(i: int, k: int, s: int, lo: int, hi: int, d: int = 1, *, ceil: bool = False) -> str:
    """:func:`size_arithmetic` with a padding per side (``lo + hi`` when they differ) and ceil mode."""
    pad = f"2*{lo}" if lo == hi else f"{lo} + {hi}"
    room = i + lo + hi - d * (k - 1) - 1
    out = (-(-room // s) if ceil else room // s) + 1
    if ceil and (out - 1) * s >= i + lo:
        return (f"ceil(({i} + {pad} - {d}*({k}-1) - 1) / {s}) + 1 - 1 = {out - 1} "
                "(the last window would start in the padding)")
    return f"{'ceil' if ceil else 'floor'}(({i} + {pad} - {d}*({k}-1) - 1) / {s}) + 1 = {out}"


def _geometry_text(g: Geometry, h: int, w: int, ceil: bool = False) -> str:
    (t, b), (left, r) = g.padding
    text = f"H: {side_arithmetic(h, g.kernel[0], g.stride[0], t, b, g.dilation[0], ceil=ceil)}"
    if (w, g.kernel[1], g.stride[1], left, r, g.dilation[1]) != (h, g.kernel[0], g.stride[0], t, b, g.dilation[0]):
        text += f"; W: {side_arithmetic(w, g.kernel[1], g.stride[1], left, r, g.dilation[1], ceil=ceil)}"
    return text


def _sizes(g: Geometry) -> str:
    """``, stride 2, padding 1, dilation 2`` (only what differs from 1, 1, 0, 1)."""
    def pair(v: tuple[int, int]) -> str:
        return str(v[0]) if v[0] == v[1] else f"{v[0]}x{v[1]}"

    (t, b), (left, r) = g.padding
    pad = pair((t, left)) if g.symmetric else f"{t},{left},{b},{r}"
    return "".join(f", {name} {text}" for name, text, default in (
        ("stride", pair(g.stride), "1"), ("padding", pad, "0"), ("dilation", pair(g.dilation), "1")) if text != default)


def _pad_image(image: np.ndarray, g: Geometry) -> tuple[np.ndarray, tuple[int, int]]:
    """An image and the symmetric padding conv2d adds; an asymmetric padding is added here, as zeros."""
    if g.symmetric:
        return image, (g.padding[0][0], g.padding[1][0])
    (t, b), (left, r) = g.padding
    return np.pad(image, ((t, b), (left, r), (0, 0))), (0, 0)


class Conv(LayerKind):
    """``n_filters`` filters of ``kernel x kernel x C`` with ``stride`` and zero ``padding``, plus a bias
    (and, from a model file, any kernel, four paddings, a dilation and ``groups``)."""

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
        if not isinstance(spec, OpSpec):
            n = int(spec.n_filters)
            return _window_shape(self, spec, in_shape, stage, spec.kernel, spec.stride, spec.padding, n)
        g = geometry(spec)
        h, w, c = in_shape
        if c % g.groups or int(spec.n_filters) % g.groups:
            raise StackError(stage, f"groups {g.groups} must divide the {c} input channels and the "
                                    f"{spec.n_filters} filters")
        (t, b), (left, r) = g.padding
        try:
            ho, wo = output_shape((h + t + b, w + left + r), g.kernel, stride=g.stride, dilation=g.dilation)
        except ValueError as err:
            raise StackError(stage, f"{self.label(spec, c)} does not fit its {h}x{w}x{c} input: {err}") from None
        return (ho, wo, int(spec.n_filters)), _geometry_text(g, h, w)

    def out_channels(self, spec: Any, in_channels: int) -> int:
        return int(spec.n_filters)

    def window(self, spec: Any) -> tuple:
        return _window_of(geometry(spec))

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        g = geometry(spec)
        c = "C" if in_channels is None else str(in_channels // g.groups)
        kh, kw = g.kernel
        group = "" if g.groups == 1 else (", depthwise" if in_channels == g.groups else f", {g.groups} groups")
        return f"{spec.n_filters} x [{kh}x{kw}x{c}]{_sizes(g)}{group}"

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
        g = geometry(spec)
        want = {"filters": (spec.n_filters, *g.kernel, in_channels // g.groups), "bias": (spec.n_filters,)}
        out = {}
        for key, shape in want.items():
            value = np.asarray(params.get(key) if isinstance(params, dict) else None)
            if value.shape != shape or value.dtype.kind not in "biuf" or not np.isfinite(value).all():
                raise StackError(stage, f"the {key} must be finite numbers of shape {shape}, not {value.shape}")
            out[key] = value.astype(np.float64)
        return out

    def macs(self, spec: Any, params: Params, in_shape: tuple, out_shape: tuple) -> int:
        ho, wo, n = out_shape
        return int(ho * wo * n * params["filters"][0].size)

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        g = geometry(spec)
        image, padding = _pad_image(image, g)
        return conv2d(image, params["filters"], params.get("bias"), stride=g.stride, padding=padding,
                      dilation=g.dilation, groups=g.groups)

    def forward(self, spec: Any, params: Params, x: np.ndarray) -> tuple[np.ndarray, Any]:
        g = geometry(spec)
        if g.groups != 1 or not g.symmetric:
            raise NotImplementedError("training runs stacks: one group, the same padding on every side")
        p = (g.padding[0][0], g.padding[1][0])
        return grad.conv_forward(x, params["filters"], params["bias"], g.stride, p, g.dilation)

    def backward(self, spec: Any, params: Params, cache: Any, grad_y: np.ndarray) -> tuple[np.ndarray, Params]:
        grad_x, grad_filters, grad_bias = grad.conv_backward(cache, grad_y)
        return grad_x, {"filters": grad_filters, "bias": grad_bias}


def _default_slope(alpha: float) -> bool:
    """The slope of our leaky ReLU (a file stores it as float32: 0.01 comes back as 0.0099999998)."""
    return math.isclose(alpha, LEAKY_SLOPE, rel_tol=1e-6)


class Activation(LayerKind):
    """An elementwise function by name (ReLU, step, leaky ReLU, sigmoid, tanh, none), on any shape."""

    name, title = "activation", "Activation"
    layout = "any"

    def validate(self, spec: Any, stage: int) -> None:
        if spec.activation not in ACTIVATION_NAMES:
            raise StackError(stage, f"unknown activation {spec.activation!r}")

    def out_shape(self, spec: Any, in_shape: Shape, stage: int) -> tuple[Shape, str]:
        return in_shape, "an activation keeps the shape"

    def window(self, spec: Any) -> tuple:
        return (1, 1), (1, 1), (0, 0), (1, 1)  # elementwise: each cell reads its own cell

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        if getattr(spec, "op_type", "") == "Dropout":
            return "dropout (nothing at inference)"
        text = ACTIVATION_LABELS.get(spec.activation, spec.activation).split(":")[0]
        alpha = getattr(spec, "alpha", LEAKY_SLOPE)
        return f"{text} (slope {alpha:.3g})" if spec.activation == "leaky_relu" and not _default_slope(alpha) else text

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        alpha = getattr(spec, "alpha", LEAKY_SLOPE)
        if spec.activation == "leaky_relu" and not _default_slope(alpha):
            return leaky_relu(activate(image, "none"), alpha)
        return activate(image, spec.activation)

    def forward(self, spec: Any, params: Params, x: np.ndarray) -> tuple[np.ndarray, Any]:
        y = ACTIVATIONS[spec.activation](x)
        return y, (x, y)

    def backward(self, spec: Any, params: Params, cache: Any, grad_y: np.ndarray) -> tuple[np.ndarray, Params]:
        x, y = cache
        return grad.activation_backward(spec.activation, x, y, grad_y), {}


class Pool(LayerKind):
    """Max or average over non-overlapping ``pool_size x pool_size`` windows (stride = size), per channel
    (and, from a model file, any window, stride, padding, dilation and ceil mode)."""

    name, title = "pool", "Pooling"

    def validate(self, spec: Any, stage: int) -> None:
        if spec.pool_mode not in POOL_MODES:
            raise StackError(stage, f"pooling must be 'max' or 'avg', not {spec.pool_mode!r}")
        if not whole_in(spec.pool_size, 1, MAX_KERNEL):
            raise StackError(stage, f"the pool size must be 1 to {MAX_KERNEL}, not {spec.pool_size!r}")

    def out_shape(self, spec: Any, in_shape: Shape, stage: int) -> tuple[Shape, str]:
        if not isinstance(spec, OpSpec):
            return _window_shape(self, spec, in_shape, stage, spec.pool_size, spec.pool_size, 0, in_shape[2])
        g = geometry(spec)
        h, w, c = in_shape
        ceil = bool(getattr(spec, "ceil_mode", False))
        try:
            ho, wo = pool_output_shape((h, w), g.kernel, g.stride, g.padding, g.dilation, ceil)
        except ValueError as err:
            raise StackError(stage, f"{self.label(spec, c)} does not fit its {h}x{w}x{c} input: {err}") from None
        return (ho, wo, c), _geometry_text(g, h, w, ceil)

    def window(self, spec: Any) -> tuple:
        return _window_of(geometry(spec))

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        g = geometry(spec)
        k = f"{g.kernel[0]}x{g.kernel[1]}"
        if not isinstance(spec, OpSpec):
            return f"{spec.pool_mode} pool {k}"
        stride = "" if g.stride == g.kernel else f", stride {g.stride[0] if g.stride[0] == g.stride[1] else g.stride}"
        rest = _sizes(Geometry(g.kernel, (1, 1), g.padding, g.dilation))
        return f"{spec.pool_mode} pool {k}{stride}{rest}{', ceil' if spec.ceil_mode else ''}"

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        g = geometry(spec)
        return pool2d(image, g.kernel, stride=g.stride, mode=spec.pool_mode, padding=g.padding, dilation=g.dilation,
                      ceil_mode=bool(getattr(spec, "ceil_mode", False)),
                      count_include_pad=bool(getattr(spec, "count_include_pad", False)))

    def forward(self, spec: Any, params: Params, x: np.ndarray) -> tuple[np.ndarray, Any]:
        if isinstance(spec, OpSpec):
            raise NotImplementedError("training runs stacks: non-overlapping windows without padding")
        return grad.pool_forward(x, spec.pool_size, spec.pool_mode)

    def backward(self, spec: Any, params: Params, cache: Any, grad_y: np.ndarray) -> tuple[np.ndarray, Params]:
        return grad.pool_backward(cache, grad_y), {}


# --- kinds that models read from a file are also made of (visualizer.onnx_model) --------------------


def _count(shape: tuple) -> int:
    return int(np.prod(shape, dtype=np.int64))


class ModelKind(LayerKind):
    """A kind only models read from a file use (a stack is made of convolutions, activations and pools)."""

    stack = False


class ConvTranspose(ModelKind):
    """The transposed convolution: each input value stamps its filter, scaled, onto the output (stride apart).

    Weights: ``filters`` ``(C_in, kh, kw, C_out / groups)`` (the bank :func:`grad.conv_transpose2d` takes),
    ``bias`` ``(C_out,)``; output size per side ``(i - 1)s - (lo + hi) + d(k - 1) + output_padding + 1``.
    """

    name, title = "conv_transpose", "Transposed convolution"

    def out_shape(self, spec: Any, in_shape: Shape, stage: int) -> tuple[Shape, str]:
        g = geometry(spec)
        h, w, c = in_shape
        sizes, texts = [], []
        for axis, i, k, s, (lo, hi), d, op in zip("HW", (h, w), g.kernel, g.stride, g.padding, g.dilation,
                                                  spec.output_padding, strict=True):
            size = (i - 1) * s - (lo + hi) + d * (k - 1) + op + 1
            texts.append(f"{axis}: ({i} - 1)*{s} - ({lo} + {hi}) + {d}*({k}-1) + {op} + 1 = {size}")
            sizes.append(size)
        if min(sizes) < 1:
            raise StackError(stage, f"the transposed convolution's output would be empty: {'; '.join(texts)}")
        return (sizes[0], sizes[1], int(spec.n_filters)), "; ".join(texts)

    def out_channels(self, spec: Any, in_channels: int) -> int:
        return int(spec.n_filters)

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        g = geometry(spec)
        group = "" if g.groups == 1 else f", {g.groups} groups"
        return f"{spec.n_filters} x [{g.kernel[0]}x{g.kernel[1]}] transposed{_sizes(g)}{group}"

    def macs(self, spec: Any, params: Params, in_shape: tuple, out_shape: tuple) -> int:
        return int(_count(in_shape) * params["filters"][0].size)

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        g = geometry(spec)
        bank, groups = params["filters"], g.groups
        per = bank.shape[0] // groups
        parts = [grad.conv_transpose2d(image[:, :, i * per:(i + 1) * per], bank[i * per:(i + 1) * per],
                                       stride=g.stride, dilation=g.dilation) for i in range(groups)]
        full = np.concatenate(parts, axis=2)
        (t, b), (left, r) = g.padding
        oh, ow = spec.output_padding
        full = np.pad(full, ((0, oh), (0, ow), (0, 0)))
        return full[t: full.shape[0] - b, left: full.shape[1] - r] + params["bias"]


class BatchNorm(ModelKind):
    """Batch normalization at inference: ``(x - mean) / sqrt(var + epsilon) * scale + bias``, per channel."""

    name, title = "batch_norm", "Batch normalization"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return "batch norm"

    def macs(self, spec: Any, params: Params, in_shape: tuple, out_shape: tuple) -> int:
        return _count(in_shape)  # one multiply and one add per value, the four vectors folded into two

    def apply(self, spec: Any, params: Params, image: np.ndarray) -> np.ndarray:
        scale = params["scale"] / np.sqrt(params["var"] + spec.epsilon)
        return (image - params["mean"]) * scale + params["bias"]


class Clip(ModelKind):
    """Every value clipped into ``[low, high]``; ``[0, 6]`` is ReLU6."""

    name, title, layout = "clip", "Clip", "any"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return "ReLU6" if (spec.low, spec.high) == (0, 6) else f"clip to [{spec.low:g}, {spec.high:g}]"

    def apply(self, spec: Any, params: Params, x: np.ndarray) -> np.ndarray:
        return np.clip(x, spec.low, spec.high)


class Softmax(ModelKind):
    """``e^x`` divided by its sum along ``axis`` (opset < 13: over everything from ``axis`` on)."""

    name, title, layout = "softmax", "Softmax", "any"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return "softmax"

    def apply(self, spec: Any, params: Params, x: np.ndarray) -> np.ndarray:
        axis = spec.axis % x.ndim
        if spec.legacy:
            flat = x.reshape(_count(x.shape[:axis]), -1)
            return self.apply(OpSpec("softmax", axis=1), params, flat).reshape(x.shape)
        z = np.exp(x - x.max(axis=axis, keepdims=True))
        return z / z.sum(axis=axis, keepdims=True)


BINARY_OPS = {"add": (np.add, "+"), "sub": (np.subtract, "−"), "mul": (np.multiply, "×"), "div": (np.divide, "÷")}


class Binary(ModelKind):
    """Two tensors (or a tensor and the weights ``constant``) added, subtracted, multiplied or divided,
    with broadcasting: a residual connection is an ``add`` of two stages."""

    name, title, layout, inputs = "binary", "Add / multiply", "any", 2

    def out_shape(self, spec: Any, in_shape: tuple, stage: int) -> tuple[tuple, str]:
        shapes = [*in_shape]
        if len(shapes) == 1:  # a tensor and a constant (of shape ``spec.shape``)
            shapes.insert(0 if spec.constant_first else 1, tuple(spec.shape))
        try:
            out = np.broadcast_shapes(*shapes)
        except ValueError:
            raise StackError(stage, f"shapes {' and '.join(map(str, shapes))} do not broadcast together") from None
        return tuple(out), "elementwise, with broadcasting"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return {"add": "add", "sub": "subtract", "mul": "multiply", "div": "divide"}[spec.op]

    def apply(self, spec: Any, params: Params, *xs: np.ndarray) -> np.ndarray:
        if "constant" in params:
            xs = (params["constant"], xs[0]) if spec.constant_first else (xs[0], params["constant"])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return BINARY_OPS[spec.op][0](*xs)


class Concat(ModelKind):
    """Tensors joined along ``axis`` (channels, for a model's ``(1, C, H, W)``)."""

    name, title, layout, inputs = "concat", "Concatenate", "any", "many"

    def out_shape(self, spec: Any, in_shape: tuple, stage: int) -> tuple[tuple, str]:
        rank = len(in_shape[0])
        axis = spec.axis % rank
        rest = {tuple(s[:axis]) + tuple(s[axis + 1:]) for s in in_shape}
        if len(rest) != 1 or any(len(s) != rank for s in in_shape):
            raise StackError(stage, f"shapes {', '.join(map(str, in_shape))} cannot be joined along axis {axis}")
        out = list(in_shape[0])
        out[axis] = sum(int(s[axis]) for s in in_shape)
        return tuple(out), f"axis {axis}: {' + '.join(str(s[axis]) for s in in_shape)} = {out[axis]}"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return "concatenate"

    def apply(self, spec: Any, params: Params, *xs: np.ndarray) -> np.ndarray:
        return np.concatenate(xs, axis=spec.axis)


class Flatten(ModelKind):
    """A tensor as a matrix: the axes before ``axis`` make its rows, the rest (in order) its columns."""

    name, title, layout = "flatten", "Flatten", "any"

    def out_shape(self, spec: Any, in_shape: tuple, stage: int) -> tuple[tuple, str]:
        axis = spec.axis % (len(in_shape) + 1) if spec.axis < 0 else spec.axis
        out = (_count(in_shape[:axis]), _count(in_shape[axis:]))
        return out, f"{' x '.join(map(str, in_shape[axis:]))} = {out[1]} values a row"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return "flatten"

    def apply(self, spec: Any, params: Params, x: np.ndarray) -> np.ndarray:
        axis = spec.axis % (x.ndim + 1) if spec.axis < 0 else spec.axis
        return x.reshape(_count(x.shape[:axis]), -1)


class Reshape(ModelKind):
    """The same values in the same order, in another ``shape``."""

    name, title, layout = "reshape", "Reshape", "any"

    def out_shape(self, spec: Any, in_shape: tuple, stage: int) -> tuple[tuple, str]:
        if _count(in_shape) != _count(spec.shape):
            raise StackError(stage, f"{_count(in_shape)} values cannot take the shape {spec.shape}")
        return tuple(spec.shape), f"{in_shape} -> {tuple(spec.shape)}"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return "reshape"

    def apply(self, spec: Any, params: Params, x: np.ndarray) -> np.ndarray:
        return x.reshape(spec.shape)


class Transpose(ModelKind):
    """The axes reordered by ``perm`` (a Keras model's channels-last tensors become channels-first)."""

    name, title, layout = "transpose", "Transpose", "any"

    def out_shape(self, spec: Any, in_shape: tuple, stage: int) -> tuple[tuple, str]:
        if sorted(spec.perm) != list(range(len(in_shape))):
            raise StackError(stage, f"perm {spec.perm} does not reorder the {len(in_shape)} axes of {in_shape}")
        return tuple(in_shape[i] for i in spec.perm), f"axes reordered as {tuple(spec.perm)}"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return "transpose"

    def apply(self, spec: Any, params: Params, x: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(x.transpose(spec.perm))


class Dense(ModelKind):
    """A fully connected layer over the last axis: ``x @ weight + bias``; weight ``(K_in, K_out)``, bias
    ``(K_out,)`` when the model has one."""

    name, title, layout = "dense", "Dense", "any"

    def out_shape(self, spec: Any, in_shape: tuple, stage: int) -> tuple[tuple, str]:
        k_in, k_out = spec.kernel
        if not in_shape or in_shape[-1] != k_in:
            raise StackError(stage, f"a dense layer of {k_in} inputs cannot take a tensor of shape {in_shape}")
        return (*in_shape[:-1], k_out), f"{k_in} values -> {k_out}: a {k_in} x {k_out} matrix"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return f"dense {spec.kernel[0]} → {spec.kernel[1]}"

    def macs(self, spec: Any, params: Params, in_shape: tuple, out_shape: tuple) -> int:
        return _count(in_shape) * int(spec.kernel[1])

    def apply(self, spec: Any, params: Params, x: np.ndarray) -> np.ndarray:
        y = x @ params["weight"]
        return y + params["bias"] if "bias" in params else y


class Reduce(ModelKind):
    """The mean (``pool_mode`` "avg") or maximum over ``axes``: over H and W, the global pooling."""

    name, title, layout = "reduce", "Reduce", "any"

    def out_shape(self, spec: Any, in_shape: tuple, stage: int) -> tuple[tuple, str]:
        axes = {a % len(in_shape) for a in spec.axes}
        out = tuple(1 if i in axes else d for i, d in enumerate(in_shape) if spec.keepdims or i not in axes)
        return out, f"{'mean' if spec.pool_mode == 'avg' else 'maximum'} over axes {sorted(axes)}"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        what = "average" if spec.pool_mode == "avg" else "max"
        if spec.op_type.startswith("Global"):
            return f"global {what} pool"
        return f"{'mean' if spec.pool_mode == 'avg' else 'max'} over axes {', '.join(map(str, spec.axes))}"

    def apply(self, spec: Any, params: Params, x: np.ndarray) -> np.ndarray:
        axes = tuple(a % x.ndim for a in spec.axes)
        f = np.mean if spec.pool_mode == "avg" else np.max
        return f(x, axis=axes, keepdims=bool(spec.keepdims))


class Pad(ModelKind):
    """Rows and columns added around a tensor (``pad_widths``, one ``(before, after)`` per axis; negative
    crops): zeros or ``value`` ("constant"), the mirror image ("reflect") or the edge repeated ("edge")."""

    name, title, layout = "pad", "Pad", "any"

    def out_shape(self, spec: Any, in_shape: tuple, stage: int) -> tuple[tuple, str]:
        out = tuple(d + lo + hi for d, (lo, hi) in zip(in_shape, spec.pad_widths, strict=True))
        if min(out) < 1:
            raise StackError(stage, f"padding {spec.pad_widths} would leave nothing of {in_shape}")
        if spec.pad_mode == "reflect" and any(max(lo, hi) >= d for d, (lo, hi) in zip(in_shape, spec.pad_widths,
                                                                                    strict=True)):
            raise StackError(stage, f"reflect padding {spec.pad_widths} is wider than {in_shape}")
        return out, f"{in_shape} -> {out}"

    def label(self, spec: Any, in_channels: int | None = None) -> str:
        return f"pad ({spec.pad_mode})"

    def apply(self, spec: Any, params: Params, x: np.ndarray) -> np.ndarray:
        crop = tuple(slice(max(0, -lo), d - max(0, -hi)) for d, (lo, hi) in zip(x.shape, spec.pad_widths, strict=True))
        widths = [(max(0, lo), max(0, hi)) for lo, hi in spec.pad_widths]
        if spec.pad_mode == "constant":
            return np.pad(x[crop], widths, constant_values=spec.value)
        return np.pad(x[crop], widths, mode=spec.pad_mode)


KINDS: dict[str, LayerKind] = {kind.name: kind for kind in (
    Conv(), Activation(), Pool(), ConvTranspose(), BatchNorm(), Clip(), Softmax(), Binary(), Concat(), Flatten(),
    Reshape(), Transpose(), Dense(), Reduce(), Pad())}
STACK_KINDS = tuple(name for name, kind in KINDS.items() if kind.stack)  # conv, activation, pool: what stacks use
