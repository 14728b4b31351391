"""The convolution family in the studio: what each kind of convolution computes, its sliding view (as a
:class:`~visualizer.trace.ConvTrace`, so the player, the exports and the quiz take it as they are), its output
shape with the arithmetic written out, and its multiply-adds against the standard layer.

Kinds (``KINDS``):

- ``"standard"``: :func:`visualizer.conv.conv2d`, each filter summing over every input channel.
- ``"transposed"``: PyTorch's ``conv_transpose2d`` with the studio's bank read as its weights
  (``ConvTranspose2d(C, N)``, ``weight[c, n, u, v] = bank[n, u, v, c]``): every input cell stamps each filter,
  scaled by its value, onto the output at ``(y*s - p, x*s - p)`` with taps ``d`` apart. The same numbers come out
  of an ordinary convolution (stride 1, dilation d) of the kernel turned by 180 degrees over the input with
  ``s - 1`` zeros inserted between its cells and ``d(k - 1) - p`` zeros around it (the conv_arithmetic
  picture): :func:`transposed_trace` is that convolution, :func:`stamp_steps` the stamping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conv import as_filters, as_image, output_shape
from .grad import conv_transpose2d, transpose_output_shape
from .trace import ConvTrace, trace_convolution

GROUPED_KINDS = ("grouped", "depthwise", "separable")
KINDS = ("standard", "transposed", *GROUPED_KINDS)
ALL_KINDS = KINDS
LABELS = {"standard": "Standard", "transposed": "Transposed", "grouped": "Grouped", "depthwise": "Depthwise",
          "separable": "Depthwise-separable"}
PURPOSE = {
    "standard": "The layer of every CNN: each filter looks at a window of all the input's channels and sums it "
                "into one number, so N filters give N feature maps.",
    "transposed": "Makes a map larger instead of smaller: decoders, segmentation networks and GAN generators "
                  "use it to go back up from a small map to a large image (stride 2 about doubles each side).",
    "grouped": "Splits the channels into g groups and each filter sums over its own group only: g times fewer "
               "multiply-adds and weights (ResNeXt; AlexNet split its layers over two GPUs this way).",
    "depthwise": "One filter per input channel and no summing over channels: each map is one channel filtered "
                 "on its own (the first half of MobileNet's block).",
    "separable": "A depthwise convolution, then a 1x1 convolution mixing its maps across channels: nearly the "
                 "reach of a standard layer for a fraction of its multiply-adds (MobileNet, Xception).",
}


def check_kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in ALL_KINDS:
        raise ValueError(f"the kind of convolution must be one of {', '.join(ALL_KINDS)}, not {kind!r:.40}")
    return kind


def valid_groups(channels: int, n_filters: int) -> list[int]:
    """Every g that divides both the channels and the number of filters (PyTorch's rule for ``groups``)."""
    return [g for g in range(1, min(channels, n_filters) + 1) if channels % g == 0 and n_filters % g == 0]


def nearest_groups(groups: int, channels: int, n_filters: int) -> int:
    """The valid g closest to ``groups`` (the smaller one on a tie)."""
    return min(valid_groups(channels, n_filters), key=lambda g: (abs(g - groups), g))


def kind_groups(kind: str, channels: int, n_filters: int, groups: int = 1) -> int:
    """The groups the layer ``kind`` runs with: 1 for standard and transposed, ``groups`` for grouped and C for
    depthwise and separable. ``ValueError`` with a sentence a person can act on when that is not possible."""
    kind = check_kind(kind)
    if kind in ("standard", "transposed"):
        return 1
    if kind == "grouped":
        if groups not in valid_groups(channels, n_filters):
            raise ValueError(
                f"{groups} groups do not divide both the {channels} channel{'s' if channels != 1 else ''} and the "
                f"{n_filters} filter{'s' if n_filters != 1 else ''}; the nearest that does is "
                f"{nearest_groups(groups, channels, n_filters)}")
        return groups
    if n_filters % channels:
        raise ValueError(
            f"a depthwise layer has a whole number of filters per channel (PyTorch's groups = C): {n_filters} "
            f"filters over {channels} channels is not; use {max(channels, n_filters - n_filters % channels)} "
            f"or {n_filters + channels - n_filters % channels} filters")
    return channels


def channel_range(n: int, n_filters: int, channels: int, groups: int) -> tuple[int, int]:
    """The input channels ``[start, stop)`` filter ``n`` sees with ``groups`` groups: those of group
    ``n // (N / g)`` (PyTorch's order)."""
    group = n // (n_filters // groups)
    width = channels // groups
    return group * width, (group + 1) * width


def group_of(n: int, n_filters: int, groups: int) -> int:
    return n // (n_filters // groups)


def group_bank(bank: np.ndarray, groups: int) -> np.ndarray:
    """The studio's bank ``(N, kh, kw, C)`` cut to PyTorch's grouped weights ``(N, kh, kw, C / g)``: each filter
    keeps its own group's channels; its other channels are not used by this layer (and are kept in the bank)."""
    b = as_filters(bank)
    n, _, _, c = b.shape
    parts = [b[f, :, :, slice(*channel_range(f, n, c, groups))] for f in range(n)]
    return np.ascontiguousarray(np.stack(parts))


def pointwise_weights(bank: np.ndarray) -> np.ndarray:
    """The separable layer's 1x1 mixing weights ``(N, N)``, read from the bank: ``P[m, j]`` is the mean of filter
    ``m``'s weights on the channel that depthwise map ``j`` came from (channel ``j // (N / C)``). So output ``m``
    weighs each channel's filtered map as filter ``m`` weighs that channel on average."""
    b = as_filters(bank)
    n, _, _, c = b.shape
    means = b.mean(axis=(1, 2))  # (N, C)
    return np.ascontiguousarray(means[:, np.arange(n) // (n // c)])


def transposed_weights(bank: np.ndarray) -> np.ndarray:
    """The studio's bank ``(N, kh, kw, C)`` as conv_transpose2d's ``(C, kh, kw, N)``: C inputs in, N maps out."""
    return np.ascontiguousarray(as_filters(bank).transpose(3, 1, 2, 0))


def output_hw(kind: str, input_hw: tuple[int, int], kernel_hw: tuple[int, int], *, stride: int, padding: int,
              dilation: int) -> tuple[int, int]:
    """The layer's output ``(H', W')`` for ``kind``; ``ValueError`` with the arithmetic when there is none."""
    if check_kind(kind) == "transposed":
        s, p, d = (stride, stride), (padding, padding), (dilation, dilation)
        return transpose_output_shape(input_hw, kernel_hw, stride=s, padding=p, dilation=d, output_padding=(0, 0))
    return output_shape(input_hw, kernel_hw, stride=stride, padding=padding, dilation=dilation)


def size_text(kind: str, i: int, k: int, *, stride: int, padding: int, dilation: int) -> str:
    """One side's output size with the numbers in, for ``kind``."""
    s, p, d = stride, padding, dilation
    if check_kind(kind) == "transposed":
        out = (i - 1) * s - 2 * p + d * (k - 1) + 1
        return f"({i} - 1)*{s} - 2*{p} + {d}*({k} - 1) + 0 + 1 = {out}"
    out = (i + 2 * p - d * (k - 1) - 1) // s + 1
    return f"floor(({i} + 2*{p} - {d}*({k}-1) - 1) / {s}) + 1 = {out}"


_SLIDING = "floor((i + 2p - d(k-1) - 1) / s) + 1"
FORMULAS = {"standard": _SLIDING, "transposed": "(i - 1)s - 2p + d(k - 1) + output_padding + 1",
            **dict.fromkeys(GROUPED_KINDS, _SLIDING)}


def depthwise_stage(image: np.ndarray, bank: np.ndarray, *, stride: int, padding: int, dilation: int) -> np.ndarray:
    """The separable layer's first half: the depthwise maps ``(H', W', N)``, no bias."""
    from .conv import conv2d

    img = as_image(image)
    g = kind_groups("depthwise", img.shape[2], as_filters(bank).shape[0])
    return conv2d(img, group_bank(bank, g), None, stride=stride, padding=padding, dilation=dilation, groups=g)


def layer_output(kind: str, image: np.ndarray, bank: np.ndarray, bias: np.ndarray, *, stride: int, padding: int,
                 dilation: int, groups: int = 1) -> np.ndarray:
    """Every filter's map ``(H', W', N)`` of the layer ``kind`` on ``image`` ``(H, W, C)``. ``groups`` is read by
    the grouped kind only; separable is :func:`depthwise_stage` then the 1x1 :func:`pointwise_weights`, plus bias."""
    from .conv import conv2d

    kind = check_kind(kind)
    if kind == "separable":
        maps = depthwise_stage(image, bank, stride=stride, padding=padding, dilation=dilation)
        return maps @ pointwise_weights(bank).T + np.asarray(bias, dtype=np.float64)[None, None, :]
    if kind in ("grouped", "depthwise"):
        img = as_image(image)
        g = kind_groups(kind, img.shape[2], as_filters(bank).shape[0], groups)
        return conv2d(img, group_bank(bank, g), bias, stride=stride, padding=padding, dilation=dilation, groups=g)
    if kind == "transposed":
        out = conv_transpose2d(as_image(image), transposed_weights(bank), stride=stride, padding=padding,
                               dilation=dilation)
        return out + np.asarray(bias, dtype=np.float64)[None, None, :]
    return conv2d(image, bank, bias, stride=stride, padding=padding, dilation=dilation)


def zero_inserted(image: np.ndarray, stride: int, padding: int, dilation: int, kernel_hw: tuple[int, int]
                  ) -> tuple[np.ndarray, tuple[int, int]]:
    """The input of the equivalent convolution: ``s - 1`` zeros between the cells of ``image`` ``(H, W, C)``,
    and the ring of ``q = d(k - 1) - p`` zeros it is padded with per side (``(qh, qw)``; when ``p`` exceeds
    ``d(k - 1)`` the ring is 0 and the inserted image is cropped by the difference instead)."""
    img = as_image(image)
    h, w, c = img.shape
    z = np.zeros(((h - 1) * stride + 1, (w - 1) * stride + 1, c))
    z[::stride, ::stride] = img
    ring = [dilation * (k - 1) - padding for k in kernel_hw]
    crop = [max(0, -q) for q in ring]
    if any(crop):
        z = z[crop[0]: z.shape[0] - crop[0], crop[1]: z.shape[1] - crop[1]]
        if 0 in z.shape:
            raise ValueError("the padding crops away the whole input: use less padding")
    return z, (max(0, ring[0]), max(0, ring[1]))


def transposed_trace(image: np.ndarray, kernel: np.ndarray, bias: float = 0.0, *, stride: int, padding: int,
                     dilation: int) -> ConvTrace:
    """The transposed convolution of one filter ``kernel`` ``(kh, kw, C)`` as an ordinary convolution: the kernel
    turned by 180 degrees sliding (stride 1, dilation d) over :func:`zero_inserted` with its ring of zeros.

    Its ``totals`` equal ``layer_output("transposed", image, kernel[None], [bias], ...)[..., 0]``.
    """
    k = as_filters(kernel)[0]
    z, ring = zero_inserted(image, stride, padding, dilation, k.shape[:2])
    return trace_convolution(z, k[::-1, ::-1, :].copy(), bias, stride=1, padding=ring, dilation=dilation)


@dataclass(frozen=True)
class Stamps:
    """Every step of the stamping view of a transposed convolution by one filter, in raster order of the input.

    - positions: ``(S, 2)`` the input cell of each step; out_hw: the output's ``(H', W')``;
    - stamps: ``(S, kh, kw)``, what that cell adds: ``sum over c of x[y, x, c] * w[u, v, c]``;
    - origins: ``(S, 2)`` output row and column of tap ``(0, 0)``: ``(y*s - p, x*s - p)`` (may lie outside).
    """

    positions: np.ndarray
    stamps: np.ndarray
    origins: np.ndarray
    out_hw: tuple[int, int]
    dilation: int
    bias: float

    @property
    def steps(self) -> int:
        return int(self.stamps.shape[0])

    def partials(self, steps: list[int]) -> np.ndarray:
        """The output after each of ``steps`` (sorted), bias included: ``(len(steps), H', W')``. One pass over
        the stamps, so the cost grows with the number of steps, not steps times output size."""
        ho, wo = self.out_hw
        kh, kw = self.stamps.shape[1:]
        d = self.dilation
        # Room for stamps hanging over any edge: a padding larger than the kernel puts them far outside.
        off = np.maximum(0, -self.origins.min(axis=0))
        far = self.origins.max(axis=0) + off + np.array([d * (kh - 1), d * (kw - 1)]) + 1
        padded = np.zeros((max(ho + off[0], far[0]), max(wo + off[1], far[1])))
        out, done = [], 0
        for want in steps:
            for i in range(done, want + 1):
                r, c = self.origins[i] + off
                padded[r: r + d * kh: d, c: c + d * kw: d] += self.stamps[i]
            done = want + 1
            out.append(padded[off[0]: off[0] + ho, off[1]: off[1] + wo] + self.bias)
        return np.array(out).reshape(len(steps), ho, wo)


def stamp_steps(image: np.ndarray, kernel: np.ndarray, bias: float = 0.0, *, stride: int, padding: int,
                dilation: int) -> Stamps:
    """Each input cell stamping ``kernel`` ``(kh, kw, C)``, scaled by its values, onto the output (PyTorch's
    semantics)."""
    img = as_image(image)
    k = as_filters(kernel, img.shape[2])[0]
    h, w, _ = img.shape
    kh, kw, _ = k.shape
    out_hw = output_hw("transposed", (h, w), (kh, kw), stride=stride, padding=padding, dilation=dilation)
    ys, xs = np.divmod(np.arange(h * w), w)
    stamps = np.einsum("sc,uvc->suv", img.reshape(h * w, -1), k)
    origins = np.stack([ys * stride - padding, xs * stride - padding], axis=1)
    return Stamps(np.stack([ys, xs], axis=1), stamps, origins, out_hw, int(dilation), float(bias))


def multiply_adds(kind: str, input_shape: tuple[int, int, int], kernel_hw: tuple[int, int], n_filters: int, *,
                  stride: int, padding: int, dilation: int, groups: int = 1) -> dict[str, int]:
    """Multiply-adds of the layer and of what it is compared with.

    - standard: ``{"layer": H'W' N kh kw C}``;
    - transposed: ``{"layer": H W C N kh kw}`` (each input value stamps each filter once) and
      ``{"equivalent": H'W' N kh kw C}``, the ordinary convolution over the zero-inserted input, most of whose
      products are with inserted zeros;
    - grouped and depthwise: ``{"layer": H'W' N kh kw C/g, "standard": ...}``;
    - separable: ``{"depthwise": H'W' N kh kw, "pointwise": H'W' N N, "layer": their sum, "standard": ...}``.
    """
    h, w, c = input_shape
    kh, kw = kernel_hw
    ho, wo = output_hw(kind, (h, w), kernel_hw, stride=stride, padding=padding, dilation=dilation)
    per_output = kh * kw * c * n_filters
    if kind in GROUPED_KINDS:
        g = kind_groups(kind, c, n_filters, groups)
        layer = ho * wo * n_filters * kh * kw * (c // g)
        if kind == "separable":
            return {"depthwise": layer, "pointwise": ho * wo * n_filters * n_filters,
                    "layer": layer + ho * wo * n_filters * n_filters, "standard": ho * wo * per_output}
        return {"layer": layer, "standard": ho * wo * per_output}
    if kind == "transposed":
        return {"layer": h * w * per_output, "equivalent": ho * wo * per_output}
    return {"layer": ho * wo * per_output}


def grouped_trace(image: np.ndarray, bank: np.ndarray, n: int, kind: str, bias: float = 0.0, *, stride: int,
                  padding: int, dilation: int, groups: int = 1) -> ConvTrace:
    """Filter ``n`` of a grouped, depthwise or separable layer sliding over only the channels it sees (its group's
    slice of the image, and its own weights on them). For separable this is the depthwise map ``n`` (no bias)."""
    img = as_image(image)
    b = as_filters(bank)
    g = kind_groups(kind, img.shape[2], b.shape[0], groups)
    lo, hi = channel_range(n, b.shape[0], img.shape[2], g)
    return trace_convolution(np.ascontiguousarray(img[:, :, lo:hi]), np.ascontiguousarray(b[n, :, :, lo:hi]),
                             0.0 if kind == "separable" else bias, stride=stride, padding=padding, dilation=dilation)
