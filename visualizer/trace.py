"""The step-by-step record of one filter sliding over an image: what every view of the animation shows.

Steps go in raster order (row by row, left to right). Step ``i`` computes output cell
``positions[i] = (y, x)`` from the window of the *padded* input whose top-left corner is
``origins[i] = (y*sh, x*sw)``; the window's cells are ``origin + (u*dh, v*dw)``. Everything is
computed at once with array views, not a Python loop per step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .conv import (
    PaddingArg,
    PairArg,
    _pair,
    as_bias,
    as_filters,
    as_image,
    check_work,
    output_shape,
    pad,
    resolve_padding,
)
from .conv import windows as window_view
from .numbers import fmt

# A trace keeps every step's window and products; this many steps is plenty for an animation
# (a 64x64 input with a 3x3 kernel has 3,844) and bounds the memory of one request.
MAX_TRACE_STEPS = 20_000
# ... and this many recorded products (windows and products are each steps x kh x kw x C values):
# 20,000 steps of a 7x7x4 kernel fit, a 100x100 kernel sliding 20,000 times (gigabytes) does not.
MAX_TRACE_CELLS = 4_000_000


@dataclass(frozen=True)
class ConvTrace:
    """Every step of one filter (``kernel``: ``(kh, kw, C)``) sliding over ``image`` (``(H, W, C)``).

    Arrays, with ``S`` steps:
    - padded: ``(H + 2ph, W + 2pw, C)``, the input with its zero border;
    - windows: ``(S, kh, kw, C)``, the input values under the kernel at each step;
    - products: ``(S, kh, kw, C)``, ``windows * kernel``;
    - channel_sums: ``(S, C)``, the sum of the products of each channel;
    - totals: ``(S,)``, ``channel_sums.sum(1) + bias``: the output value of each step;
    - positions: ``(S, 2)`` output ``(y, x)``; origins: ``(S, 2)`` top-left of the window in ``padded``.
    """

    image: np.ndarray
    padded: np.ndarray
    kernel: np.ndarray
    bias: float
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_shape: tuple[int, int]
    windows: np.ndarray
    products: np.ndarray
    channel_sums: np.ndarray
    totals: np.ndarray
    positions: np.ndarray
    origins: np.ndarray

    @property
    def steps(self) -> int:
        return int(self.totals.shape[0])

    def recipe(self) -> Callable[[], ConvTrace]:
        """A function that computes this trace afresh (equal to it, array for array), holding only its inputs.

        What to keep for later, such as a download made when it is asked for: the inputs are the image and one
        kernel, while the trace holds every window and product, dozens of times more (10 MB at 64x64 RGB, 7x7)."""
        return functools.partial(trace_convolution, self.image, self.kernel, self.bias, stride=self.stride,
                                 padding=self.padding, dilation=self.dilation, max_steps=max(self.steps, 1))

    @property
    def output(self) -> np.ndarray:
        """The finished output map ``(H', W')``."""
        return self.totals.reshape(self.out_shape)

    def step_of(self, y: int, x: int) -> int:
        """The step that computes output cell ``(y, x)``."""
        ho, wo = self.out_shape
        if not (_is_whole(y) and _is_whole(x) and 0 <= y < ho and 0 <= x < wo):
            raise ValueError(f"output cell ({y}, {x}) is outside the {ho}x{wo} output")
        return int(y) * wo + int(x)

    def _check_step(self, step: int) -> int:
        if not (_is_whole(step) and 0 <= step < self.steps):
            raise ValueError(f"step {step!r} does not exist: the animation has steps 0 to {self.steps - 1}")
        return int(step)

    def window_cells(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """Row and column indices (in ``padded``) of the cells the kernel covers at ``step``."""
        step = self._check_step(step)
        kh, kw = self.kernel.shape[:2]
        oy, ox = self.origins[step]
        return oy + np.arange(kh) * self.dilation[0], ox + np.arange(kw) * self.dilation[1]

    def equation(self, step: int, channel: int | None = None, *, digits: int = 3) -> str:
        """The sum of step ``step`` written out as plain text (code-like, ASCII): ``1*0 + 0*1 + ... = 4``
        (one channel, or all), numbers by :func:`visualizer.numbers.fmt`. The figures write the same sum
        with math typography (``×``, ``−``)."""
        step = self._check_step(step)
        n_channels = self.kernel.shape[2]
        if channel is not None and not (_is_whole(channel) and 0 <= channel < n_channels):
            raise ValueError(f"channel {channel!r} does not exist: the kernel has channels 0 to {n_channels - 1}")
        chans = range(n_channels) if channel is None else [int(channel)]
        terms = [
            f"{fmt(self.windows[step, u, v, c], digits)}*{fmt(self.kernel[u, v, c], digits)}"
            for c in chans
            for u in range(self.kernel.shape[0])
            for v in range(self.kernel.shape[1])
        ]
        value = self.totals[step] - self.bias if channel is None else self.channel_sums[step, channel]
        return " + ".join(terms) + f" = {fmt(value, digits)}"


def _is_whole(value: object) -> bool:
    """An int (Python or NumPy), not a bool: what an index must be."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def trace_convolution(
    image: np.ndarray,
    kernel: np.ndarray,
    bias: float = 0.0,
    *,
    stride: PairArg = 1,
    padding: PaddingArg = 0,
    dilation: PairArg = 1,
    max_steps: int = MAX_TRACE_STEPS,
) -> ConvTrace:
    """Record every step of ``kernel`` sliding over ``image``.

    Inputs:
    - image: ``(H, W, C)`` or ``(H, W)``; kernel: ``(kh, kw, C)`` or ``(kh, kw)`` for C = 1
      (or a bank ``(1, kh, kw, C)`` of one).
    - bias: a number added to every sum; stride, padding, dilation as in :func:`conv2d`.
    - max_steps: refuse (``ValueError``) traces with more steps than this.
    Returns a :class:`ConvTrace` whose ``totals`` equal ``conv2d(image, kernel[None], [bias])``.
    """
    img = as_image(image)
    bank = as_filters(kernel, img.shape[2])
    if bank.shape[0] != 1:
        raise ValueError(f"a trace follows one filter; got a bank of {bank.shape[0]}")
    k = bank[0]
    kh, kw, c = k.shape
    b = float(as_bias(bias, 1)[0])
    s = _pair(stride, "stride", minimum=1)
    d = _pair(dilation, "dilation", minimum=1)
    p = resolve_padding(padding, (kh, kw), d)
    ho, wo = output_shape(img.shape[:2], (kh, kw), stride=s, padding=p, dilation=d)
    if not (_is_whole(max_steps) and max_steps >= 1):
        raise ValueError(f"max_steps must be a whole number of at least 1, not {max_steps!r}")
    if ho * wo > max_steps:
        raise ValueError(
            f"this animation would have {ho * wo:,} steps ({ho}x{wo} outputs); the limit is "
            f"{max_steps:,}: use a smaller working size or a larger stride"
        )
    if ho * wo * k.size > MAX_TRACE_CELLS:
        raise ValueError(
            f"this animation would record {ho * wo * k.size:,} products ({ho * wo:,} steps of a {kh}x{kw}x{c} "
            f"kernel); the limit is {MAX_TRACE_CELLS:,}: use a smaller kernel or working size"
        )
    check_work(img, bank, np.array([b]), p, (ho, wo))
    padded = pad(img, p)
    view = window_view(np.ascontiguousarray(padded), (kh, kw), s, d).reshape(ho * wo, kh, kw, c)
    products = view * k
    channel_sums = products.sum(axis=(1, 2))
    totals = channel_sums.sum(axis=1) + b
    ys, xs = np.divmod(np.arange(ho * wo), wo)
    positions = np.stack([ys, xs], axis=1)
    origins = positions * np.array(s)
    return ConvTrace(
        image=img,
        padded=padded,
        kernel=k,
        bias=b,
        stride=s,
        padding=p,
        dilation=d,
        out_shape=(ho, wo),
        windows=view,
        products=products,
        channel_sums=channel_sums,
        totals=totals,
        positions=positions,
        origins=origins,
    )
