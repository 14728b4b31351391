"""Gradients in pure NumPy: batched convolution forward and backward, the transposed convolution, and the
gradients of activations and pooling, for training the layer stacks of :mod:`visualizer.network`.

Batches are ``(B, H, W, C)``; filter banks ``(N, kh, kw, C)`` as in :mod:`visualizer.conv`. For a
convolution ``out[b, y, x, n] = bias[n] + sum over (u, v, c) of xp[b, y*s + u*d, x*s + v*d, c] * w[n, u, v, c]``
(``xp`` the zero-padded input) the chain rule gives three sums:

- ``grad_bias[n]`` = the sum of ``grad_out[..., n]`` over the batch and every position;
- ``grad_filters[n, u, v, c]`` = ``sum over (b, y, x)`` of ``xp[b, y*s + u*d, x*s + v*d, c] * grad_out[b, y, x, n]``:
  the input correlated with the output's gradient, itself a sliding window;
- ``grad_x`` = every output's gradient stamped back onto the input through the kernel that made it:
  the transposed convolution (:func:`conv_transpose2d`), the adjoint of :func:`visualizer.conv.conv2d`.

The forward pass and ``grad_filters`` use the patch matrix ("im2col", built from
:func:`visualizer.conv.windows`); ``grad_x`` and the transposed convolution use its adjoint
(:func:`stamp`, "col2im"): one matrix product, then one strided addition per kernel tap.
"""

from __future__ import annotations

import numpy as np

from .activations import LEAKY_SLOPE
from .conv import (
    MAX_VALUES,
    PaddingArg,
    PairArg,
    _pair,
    as_filters,
    output_shape,
    real_array,
    resolve_padding,
    windows,
)

ConvCache = tuple  # (patches, x shape, filters, out_hw, stride, padding, dilation)


def _batch(x: object, what: str, ndim_single: int = 3) -> tuple[np.ndarray, bool]:
    """``x`` as a float64 batch ``(B, H, W, C)``, and whether it was a single ``(H, W, C)`` array."""
    arr = real_array(x, what).astype(np.float64, copy=False)
    if arr.ndim not in (ndim_single, ndim_single + 1):
        raise ValueError(f"{what} must be (H, W, C) or a batch (B, H, W, C); got {arr.ndim} dimensions")
    if 0 in arr.shape:
        raise ValueError(f"{what} is empty: its shape is {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} contains NaN or infinite values")
    return (arr[None], True) if arr.ndim == ndim_single else (arr, False)


def _check_size(values: int, what: str) -> None:
    """Refuse work whose largest array would exceed :data:`visualizer.conv.MAX_VALUES` values."""
    if values > MAX_VALUES:
        raise ValueError(
            f"this is too large: {what} would hold {values:,} values; the limit is {MAX_VALUES:,}. "
            "Use a smaller image, batch or kernel"
        )


def _hyper(
    stride: PairArg, padding: PaddingArg, dilation: PairArg, kernel_hw: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    s = _pair(stride, "stride", minimum=1)
    d = _pair(dilation, "dilation", minimum=1)
    p = resolve_padding(padding, kernel_hw, d)
    return s, p, d


def im2col(
    x: np.ndarray,
    kernel_hw: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[np.ndarray, tuple[int, int]]:
    """The patch matrix of a batch: one row per output position, one column per kernel tap.

    Inputs: x ``(B, H, W, C)`` float64; kernel_hw ``(kh, kw)``; stride, padding, dilation pairs.
    Returns ``(patches, (H', W'))`` with patches ``(B*H'*W', kh*kw*C)``, columns ordered ``(u, v, c)``,
    so that ``patches @ filters.reshape(N, -1).T`` is the convolution.
    """
    b, h, w, c = x.shape
    ph, pw = padding
    # The batch rides along the channel axis, (Hp, Wp, B*C), so conv.windows can view every window at once.
    planes = np.zeros((h + 2 * ph, w + 2 * pw, b, c))
    planes[ph : ph + h, pw : pw + w] = x.transpose(1, 2, 0, 3)
    view = windows(planes.reshape(h + 2 * ph, w + 2 * pw, b * c), kernel_hw, stride, dilation)
    ho, wo, kh, kw = view.shape[:4]
    patches = view.reshape(ho, wo, kh, kw, b, c).transpose(4, 0, 1, 2, 3, 5).reshape(b * ho * wo, kh * kw * c)
    return patches, (ho, wo)


def stamp(
    grad_out: np.ndarray,
    filters: np.ndarray,
    x_shape: tuple[int, int, int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """The adjoint of :func:`im2col` followed by the filters ("col2im"): every output value stamps its
    filter, scaled by the value, back onto the input window it was read from; overlaps add up.

    Inputs: grad_out ``(B, H', W', N)``; filters ``(N, kh, kw, C)``; x_shape ``(B, H, W, C)`` to rebuild.
    Returns ``(B, H, W, C)``. One matrix product gives every tap's contribution, held as channel planes
    ``(kh, kw, C, B, H', W')``; then each tap ``(u, v)`` is one strided addition into rows
    ``u*d, u*d + s, ...`` and columns ``v*d, v*d + s, ...`` of the padded input (whole image rows at a
    time, which is why the planes); what lands in the padding is dropped.
    """
    b, h, w, c = x_shape
    _, ho, wo, n = grad_out.shape
    _, kh, kw, _ = filters.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    taps = (filters.transpose(1, 2, 3, 0).reshape(-1, n) @ grad_out.reshape(-1, n).T).reshape(kh, kw, c, b, ho, wo)
    planes = np.zeros((c, b, h + 2 * ph, w + 2 * pw))
    for u in range(kh):
        for v in range(kw):
            y0, x0 = u * dh, v * dw
            planes[:, :, y0 : y0 + (ho - 1) * sh + 1 : sh, x0 : x0 + (wo - 1) * sw + 1 : sw] += taps[u, v]
    return np.ascontiguousarray(planes[:, :, ph : ph + h, pw : pw + w].transpose(1, 2, 3, 0))


def conv_forward(
    x: np.ndarray,
    filters: np.ndarray,
    bias: np.ndarray,
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
    dilation: tuple[int, int] = (1, 1),
) -> tuple[np.ndarray, ConvCache]:
    """A batched convolution on checked float64 arguments, keeping what its backward pass needs.

    Inputs: x ``(B, H, W, C)``; filters ``(N, kh, kw, C)``; bias ``(N,)``; stride/padding/dilation pairs.
    Returns ``(y, cache)`` with y ``(B, H', W', N)``.
    """
    n, kh, kw, c = filters.shape
    patches, (ho, wo) = im2col(x, (kh, kw), stride, padding, dilation)
    y = patches @ filters.reshape(n, -1).T + bias
    return y.reshape(x.shape[0], ho, wo, n), (patches, x.shape, filters, (ho, wo), stride, padding, dilation)


def conv_backward(cache: ConvCache, grad_y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`conv_forward` from its cache and ``grad_y`` ``(B, H', W', N)``.

    Returns ``(grad_x (B, H, W, C), grad_filters (N, kh, kw, C), grad_bias (N,))``.
    """
    patches, x_shape, filters, out_hw, stride, padding, dilation = cache
    n = filters.shape[0]
    g = grad_y.reshape(-1, n)
    grad_filters = (g.T @ patches).reshape(filters.shape)
    grad_x = stamp(grad_y.reshape(-1, *out_hw, n), filters, x_shape, stride, padding, dilation)
    return grad_x, grad_filters, g.sum(axis=0)


def conv2d_grad(
    x: np.ndarray,
    filters: np.ndarray,
    grad_out: np.ndarray,
    *,
    stride: PairArg = 1,
    padding: PaddingArg = 0,
    dilation: PairArg = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of ``sum(conv2d(x, filters, bias) * grad_out)`` with respect to x, filters and bias.

    Inputs:
    - x: ``(H, W, C)`` or a batch ``(B, H, W, C)``; filters: ``(N, kh, kw, C)``.
    - grad_out: the gradient of the loss with respect to conv2d's output, ``(H', W', N)`` (or ``(B, H', W', N)``).
    - stride, dilation: int or pair; padding: int, pair, "valid" or "same".
    Returns ``(grad_x, grad_filters, grad_bias)`` shaped like x, filters and ``(N,)``.
    """
    xb, single = _batch(x, "the input")
    bank = as_filters(filters, xb.shape[3])
    s, p, d = _hyper(stride, padding, dilation, bank.shape[1:3])
    ho, wo = output_shape(xb.shape[1:3], bank.shape[1:3], stride=s, padding=p, dilation=d)
    gb, g_single = _batch(grad_out, "the output gradient")
    want = (xb.shape[0], ho, wo, bank.shape[0])
    if g_single != single or gb.shape != want:
        raise ValueError(
            f"the output gradient must have conv2d's output shape {want[single:]}, not {np.shape(grad_out)}"
        )
    _check_size(xb.shape[0] * ho * wo * bank[0].size, "the patch matrix")
    patches, _ = im2col(xb, bank.shape[1:3], s, p, d)  # what the forward pass would cache, without its product
    grad_x, grad_filters, grad_bias = conv_backward((patches, xb.shape, bank, (ho, wo), s, p, d), gb)
    return (grad_x[0] if single else grad_x), grad_filters, grad_bias


def transpose_output_shape(
    input_hw: tuple[int, int],
    kernel_hw: tuple[int, int],
    *,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    output_padding: tuple[int, int],
) -> tuple[int, int]:
    """Output size per axis of a transposed convolution: ``(i - 1)s - 2p + d(k - 1) + output_padding + 1``."""
    sizes = []
    for axis, i, k, s, p, d, op in zip(("tall", "wide"), input_hw, kernel_hw, stride, padding, dilation,
                                       output_padding, strict=True):
        if op >= max(s, d):
            raise ValueError(
                f"output_padding ({op}) must be smaller than the stride ({s}) or the dilation ({d}), "
                "as in PyTorch: larger values would add rows no input reaches"
            )
        size = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        if size < 1:
            raise ValueError(
                f"the output would be {size} {axis}: ({i} - 1)*{s} - 2*{p} + {d}*({k} - 1) + {op} + 1; "
                "use less padding"
            )
        sizes.append(size)
    return (sizes[0], sizes[1])


def conv_transpose2d(
    x: np.ndarray,
    filters: np.ndarray,
    *,
    stride: PairArg = 1,
    padding: PairArg = 0,
    dilation: PairArg = 1,
    output_padding: PairArg = 0,
) -> np.ndarray:
    """The transposed convolution (the adjoint of conv2d), with PyTorch's ``conv_transpose2d`` semantics.

    Each input value ``x[y, x, n]`` stamps its filter ``w[n]``, scaled by the value, onto the output at
    ``(y*s - p, x*s - p)`` with taps ``d`` apart; overlapping stamps add up.

    Inputs:
    - x: ``(H, W, N)`` or a batch ``(B, H, W, N)``: N is the number of filters of the bank.
    - filters: ``(N, kh, kw, C)``, the same bank :func:`visualizer.conv.conv2d` uses.
    - stride, padding, dilation, output_padding: int or pair; output_padding < stride or < dilation.
    Returns ``(H', W', C)`` (or ``(B, H', W', C)``) with ``H' = (H-1)s - 2p + d(kh-1) + output_padding + 1``.
    """
    xb, single = _batch(x, "the input")
    bank = as_filters(filters)
    n, kh, kw, c = bank.shape
    if xb.shape[3] != n:
        raise ValueError(
            f"the input of a transposed convolution has one channel per filter: the bank has {n} filters, "
            f"the input {xb.shape[3]} channels"
        )
    s = _pair(stride, "stride", minimum=1)
    p = _pair(padding, "padding", minimum=0)
    d = _pair(dilation, "dilation", minimum=1)
    op = _pair(output_padding, "output_padding", minimum=0)
    b, h, w, _ = xb.shape
    out_hw = transpose_output_shape((h, w), (kh, kw), stride=s, padding=p, dilation=d, output_padding=op)
    _check_size(b * (out_hw[0] + 2 * p[0]) * (out_hw[1] + 2 * p[1]) * c, "the padded output")
    out = stamp(xb, bank, (b, *out_hw, c), s, p, d)
    return out[0] if single else out


# --- activations and pooling ---------------------------------------------------------------------


def activation_backward(name: str, x: np.ndarray, y: np.ndarray, grad_y: np.ndarray) -> np.ndarray:
    """The gradient through the activation ``name`` given its input x, its output y and ``grad_y``.

    The binary step's derivative is 0 wherever it exists, so no gradient passes through it.
    """
    if name == "relu":
        return grad_y * (x > 0)
    if name == "leaky_relu":
        return grad_y * np.where(x > 0, 1.0, LEAKY_SLOPE)
    if name == "sigmoid":
        return grad_y * y * (1.0 - y)
    if name == "tanh":
        return grad_y * (1.0 - y * y)
    if name == "step":
        return np.zeros_like(grad_y)
    if name == "none":
        return grad_y
    raise ValueError(f"unknown activation {name!r}")


def pool_forward(x: np.ndarray, size: int, mode: str) -> tuple[np.ndarray, tuple]:
    """Non-overlapping max or average pooling of a batch (stride = size, rows beyond the last window dropped).

    Inputs: x ``(B, H, W, C)``; size k; mode "max" or "avg". Returns ``(y (B, H//k, W//k, C), cache)``.
    """
    b, h, w, c = x.shape
    ho, wo = h // size, w // size
    blocks = x[:, : ho * size, : wo * size].reshape(b, ho, size, wo, size, c)
    if mode == "max":
        flat = blocks.transpose(0, 1, 3, 5, 2, 4).reshape(b, ho, wo, c, size * size)
        arg = flat.argmax(axis=-1)  # the first maximum of a window takes the gradient, as in PyTorch
        y = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
        return y, (x.shape, size, mode, arg)
    return blocks.mean(axis=(2, 4)), (x.shape, size, mode, None)


def pool_backward(cache: tuple, grad_y: np.ndarray) -> np.ndarray:
    """The gradient of :func:`pool_forward`: to each window's maximum, or spread evenly for the average."""
    (b, h, w, c), size, mode, arg = cache
    ho, wo = grad_y.shape[1:3]
    grad_x = np.zeros((b, h, w, c))
    if mode == "max":
        flat = np.zeros((b, ho, wo, c, size * size))
        np.put_along_axis(flat, arg[..., None], grad_y[..., None], axis=-1)
        blocks = flat.reshape(b, ho, wo, c, size, size).transpose(0, 1, 4, 2, 5, 3)
    else:
        blocks = np.broadcast_to((grad_y / (size * size))[:, :, None, :, None, :], (b, ho, size, wo, size, c))
    grad_x[:, : ho * size, : wo * size] = blocks.reshape(b, ho * size, wo * size, c)
    return grad_x
