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

KINDS = ("standard", "transposed")
LABELS = {"standard": "Standard", "transposed": "Transposed"}
PURPOSE = {
    "standard": "The layer of every CNN: each filter looks at a window of all the input's channels and sums it "
                "into one number, so N filters give N feature maps.",
    "transposed": "Makes a map larger instead of smaller: decoders, segmentation networks and GAN generators "
                  "use it to go back up from a small map to a large image (stride 2 about doubles each side).",
}


def check_kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"the kind of convolution must be one of {', '.join(KINDS)}, not {kind!r:.40}")
    return kind


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


FORMULAS = {"standard": "floor((i + 2p - d(k-1) - 1) / s) + 1",
            "transposed": "(i - 1)s - 2p + d(k - 1) + output_padding + 1"}


def layer_output(kind: str, image: np.ndarray, bank: np.ndarray, bias: np.ndarray, *, stride: int, padding: int,
                 dilation: int) -> np.ndarray:
    """Every filter's map ``(H', W', N)`` of the layer ``kind`` on ``image`` ``(H, W, C)``."""
    from .conv import conv2d

    if check_kind(kind) == "transposed":
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
                  stride: int, padding: int, dilation: int) -> dict[str, int]:
    """Multiply-adds of the layer and of what it is compared with.

    - standard: ``{"layer": H'W' N kh kw C}``;
    - transposed: ``{"layer": H W C N kh kw}`` (each input value stamps each filter once) and
      ``{"equivalent": H'W' N kh kw C}``, the ordinary convolution over the zero-inserted input, most of whose
      products are with inserted zeros.
    """
    h, w, c = input_shape
    kh, kw = kernel_hw
    ho, wo = output_hw(kind, (h, w), kernel_hw, stride=stride, padding=padding, dilation=dilation)
    per_output = kh * kw * c * n_filters
    if kind == "transposed":
        return {"layer": h * w * per_output, "equivalent": ho * wo * per_output}
    return {"layer": ho * wo * per_output}
