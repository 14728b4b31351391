"""2-D convolution as CNNs use it (cross-correlation), in pure NumPy.

Conventions, used by every module of the engine:
- images are ``(H, W, C)`` (HWC); a 2-D ``(H, W)`` image is taken as ``C = 1``;
- filter banks are ``(N, kh, kw, C)``: N filters, each with as many channels as its input;
- ``dilation=1`` means no dilation (PyTorch's convention), ``stride=1`` is the default;
- padding is zero padding; ``"valid"`` means none, ``"same"`` keeps ``H x W`` at stride 1 (an even
  kernel span gets the extra row and column at the bottom and right, as in PyTorch).

The value at output position ``(y, x)`` of filter ``n`` is::

    out[y, x, n] = b[n] + sum over (u, v, c) of in[y*s + u*d, x*s + v*d, c] * w[n, u, v, c]

where ``in`` is the padded input. That is a cross-correlation: the kernel is not flipped. A true
(mathematical) convolution flips the kernel by 180 degrees first; ``flip=True`` does that.

The fast path builds a patch matrix ("im2col") a band of output rows at a time and multiplies it by
the flattened filters with one BLAS call per band, so memory stays bounded on large images.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

PaddingArg = int | tuple[int, int] | str
PairArg = int | tuple[int, int] | Sequence[int]

# Patch-matrix bands are kept near this many bytes: small enough to stay in cache between the copy
# that fills a band and the matmul that reads it, and to bound the temporary memory (the whole patch
# matrix of a 1024x1024x3 image with 7x7 kernels would take 1.2 GB); large enough that the per-band
# overhead (a few NumPy calls, waking the BLAS threads) is lost in the noise. Of 0.5 to 16 MB, 2 MB
# measured best on 2 cores (L2 0.5 MB per core, L3 32 MB), from 256x256 to 1024x1024 inputs.
_BAND_BYTES = 2 * 1024 * 1024

# The largest padded input or output we agree to build: 2**26 values (512 MB of float64) holds a
# 1024x1024 feature map of 64 filters, and stops an absurd padding from exhausting a shared server.
MAX_VALUES = 2**26


def _pair(value: PairArg, name: str, *, minimum: int) -> tuple[int, int]:
    """Normalise an int or a pair of ints to ``(vertical, horizontal)`` and check the minimum."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if isinstance(value, (int, np.integer)):
        pair = (int(value), int(value))
    else:
        try:
            items = list(value)  # type: ignore[arg-type]
        except TypeError:
            raise ValueError(f"{name} must be a whole number or a pair of them, not {value!r}") from None
        if len(items) != 2 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in items
        ):
            raise ValueError(f"{name} must be a whole number or a pair of them, not {value!r}")
        pair = (int(items[0]), int(items[1]))
    if min(pair) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {pair[0]}x{pair[1]}")
    return pair


def real_array(value: object, what: str) -> np.ndarray:
    """``value`` as a NumPy array of booleans, integers or floats; text, objects, complex numbers and
    ragged lists are refused with a message that starts with ``what``."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} must be a grid of real numbers, not {type(value).__name__}") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{what} must hold real numbers, not {arr.dtype}")
    return arr


def as_image(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as a float64 ``(H, W, C)`` array, checking it is finite and non-empty."""
    arr = real_array(image, "the image")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"an image must be (H, W) or (H, W, C); got an array with {arr.ndim} dimensions")
    if 0 in arr.shape:
        raise ValueError(f"the image is empty: its shape is {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError("the image contains NaN or infinite values")
    return arr


def as_filters(filters: np.ndarray, channels: int | None = None) -> np.ndarray:
    """Return a float64 filter bank ``(N, kh, kw, C)``; a single ``(kh, kw)`` or ``(kh, kw, C)`` kernel
    becomes a bank of one. Checks the channel count against ``channels`` when given."""
    arr = real_array(filters, "the filters")
    if arr.ndim == 2:
        arr = arr[None, :, :, None]
    elif arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4:
        raise ValueError(f"filters must be (N, kh, kw, C); got an array with {arr.ndim} dimensions")
    if 0 in arr.shape:
        raise ValueError(f"the filter bank is empty: its shape is {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError("a filter contains NaN or infinite values")
    if channels is not None and arr.shape[3] != channels:
        raise ValueError(
            f"each filter must have as many channels as its input: the input has {channels}, "
            f"the filters have {arr.shape[3]}"
        )
    return arr


def as_bias(bias: np.ndarray | Sequence[float] | float | None, n_filters: int) -> np.ndarray:
    """Return the bias as a float64 ``(N,)`` vector (zeros when ``None``)."""
    if bias is None:
        return np.zeros(n_filters)
    arr = real_array(bias, "the bias").astype(np.float64).reshape(-1)
    if arr.size == 1 and n_filters != 1:
        arr = np.full(n_filters, arr[0])
    if arr.shape != (n_filters,):
        raise ValueError(f"the bias needs one value per filter ({n_filters}), got {arr.size}")
    if not np.isfinite(arr).all():
        raise ValueError("the bias contains NaN or infinite values")
    return arr


def resolve_padding(
    padding: PaddingArg, kernel_hw: tuple[int, int], dilation: tuple[int, int]
) -> tuple[int, int]:
    """Turn ``padding`` (int, pair, ``"valid"`` or ``"same"``) into ``(ph, pw)`` zero rows/columns per side.

    ``"same"`` pads ``d*(k-1)/2`` per side, which keeps the size at stride 1. With an even kernel span
    the two sides differ (see :func:`padding_sides`, which :func:`conv2d` uses); a caller that needs one
    padding per side (the trace, the gradients) gets a message saying so.
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0)
        if mode == "same":
            spans = [d * (k - 1) for k, d in zip(kernel_hw, dilation, strict=True)]
            if any(span % 2 for span in spans):
                raise ValueError(
                    f"'same' padding of a {kernel_hw[0]}x{kernel_hw[1]} kernel with dilation "
                    f"{dilation[0]}x{dilation[1]} needs one more zero row or column at the bottom or right than "
                    "at the top or left (an even kernel span has no centre); conv2d does that, as PyTorch does, "
                    "but this view pads every side alike: give the padding as numbers, or an odd kernel"
                )
            return (spans[0] // 2, spans[1] // 2)
        raise ValueError(f"padding must be a number, 'valid' or 'same', not {padding!r}")
    return _pair(padding, "padding", minimum=0)


def padding_sides(
    padding: PaddingArg, kernel_hw: tuple[int, int], dilation: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """``padding`` as ``((top, bottom), (left, right))`` zero rows/columns.

    ``"same"`` pads ``d*(k-1)`` rows in all, half above and half below; when that number is odd (an
    even kernel span), the extra row goes at the bottom and the extra column at the right, as in
    PyTorch. With a stride, "same" pads as at stride 1 and then strides, giving ``ceil(H / s)`` outputs.
    """
    if isinstance(padding, str) and padding.lower() == "same":
        spans = [d * (k - 1) for k, d in zip(kernel_hw, dilation, strict=True)]
        return ((spans[0] // 2, spans[0] - spans[0] // 2), (spans[1] // 2, spans[1] - spans[1] // 2))
    ph, pw = resolve_padding(padding, kernel_hw, dilation)
    return ((ph, ph), (pw, pw))


def output_shape(
    input_hw: tuple[int, int],
    kernel_hw: tuple[int, int],
    *,
    stride: PairArg = 1,
    padding: PaddingArg = 0,
    dilation: PairArg = 1,
) -> tuple[int, int]:
    """Output size per axis: ``floor((i + 2p - d(k-1) - 1) / s) + 1``.

    Inputs:
    - input_hw: ``(H, W)`` of the input; kernel_hw: ``(kh, kw)``.
    - stride, dilation: int or ``(sh, sw)``, at least 1; padding: int, pair, "valid" or "same".
    Returns ``(H', W')``. Raises ``ValueError`` when the (dilated) kernel does not fit in the padded
    input, with the arithmetic in the message.
    """
    h, w = _pair(input_hw, "input size", minimum=1)
    kh, kw = _pair(kernel_hw, "kernel size", minimum=1)
    s = _pair(stride, "stride", minimum=1)
    d = _pair(dilation, "dilation", minimum=1)
    sides = padding_sides(padding, (kh, kw), d)
    sizes = []
    for axis, i, k, si, (lo, hi), di in (("tall", h, kh, s[0], sides[0], d[0]), ("wide", w, kw, s[1], sides[1], d[1])):
        span = di * (k - 1) + 1
        padded = i + lo + hi
        if span > padded:
            dil = f" with dilation {di}" if di > 1 else ""
            added = f"2*{lo}" if lo == hi else f"{lo} + {hi}"
            raise ValueError(
                f"the kernel ({kh}x{kw}{dil}) spans {span} pixels, but the padded input is only "
                f"{padded} {axis} ({i} + {added})"
            )
        sizes.append((padded - span) // si + 1)
    return (sizes[0], sizes[1])


def pad(image: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """Zero-pad an ``(H, W, C)`` image by ``(ph, pw)`` rows/columns on each side."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return image
    h, w, c = image.shape
    out = np.zeros((h + 2 * ph, w + 2 * pw, c), dtype=image.dtype)  # np.pad costs ~20x more on small grids
    out[ph : ph + h, pw : pw + w] = image
    return out


def windows(
    padded: np.ndarray, kernel_hw: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]
) -> np.ndarray:
    """All input windows of a padded ``(Hp, Wp, C)`` image as a read-only view ``(H', W', kh, kw, C)``.

    ``windows[y, x, u, v, c] == padded[y*sh + u*dh, x*sw + v*dw, c]``; no data is copied.
    """
    kh, kw = kernel_hw
    sh, sw = stride
    dh, dw = dilation
    hp, wp, c = padded.shape
    ho = (hp - dh * (kh - 1) - 1) // sh + 1
    wo = (wp - dw * (kw - 1) - 1) // sw + 1
    # A stride (dilation) is only used along an axis with several positions (taps); elsewhere a huge
    # but legal value would overflow the view's byte strides, so it is replaced by 1.
    sh, sw, dh, dw = (sh if ho > 1 else 1), (sw if wo > 1 else 1), (dh if kh > 1 else 1), (dw if kw > 1 else 1)
    s0, s1, s2 = padded.strides
    shape, strides = (ho, wo, kh, kw, c), (s0 * sh, s1 * sw, s0 * dh, s1 * dw, s2)
    if not padded.flags.c_contiguous:
        return np.lib.stride_tricks.as_strided(padded, shape=shape, strides=strides, writeable=False)
    view = np.ndarray(shape, padded.dtype, buffer=padded, strides=strides)  # as_strided, without its overhead
    view.flags.writeable = False
    return view


def check_work(
    image: np.ndarray,
    bank: np.ndarray,
    bias: np.ndarray,
    padding: tuple[int, int],
    out_hw: tuple[int, int],
    dtype: type = np.float64,
) -> None:
    """Refuse a convolution whose tensors would be too large or whose sums could overflow ``dtype``.

    Each output is ``bias + sum of image * weight`` over one window, so its size is at most
    ``max|image| * sum|weights of its filter| + |bias|``: when that bound fits in ``dtype``, so does
    every partial sum, and the result is finite.
    """
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype not in (np.float32, np.float64):
        raise ValueError("dtype must be float64 or float32")
    h, w, c = image.shape
    padded = (h + 2 * padding[0]) * (w + 2 * padding[1]) * c
    outputs = out_hw[0] * out_hw[1] * bank.shape[0]
    if max(padded, outputs) > MAX_VALUES:
        raise ValueError(
            f"this convolution is too large: the padded input would hold {padded:,} values and the output "
            f"{outputs:,}; the limit is {MAX_VALUES:,}. Use less padding or a smaller image"
        )
    limit = float(np.finfo(dtype).max)
    with np.errstate(over="ignore", invalid="ignore"):
        top, weight = float(np.abs(image).max()), float(np.abs(bank).max())
        bound = top * float(np.abs(bank).sum(axis=(1, 2, 3)).max()) + float(np.abs(bias).max())
    if not (bound <= limit and top <= limit and weight <= limit):
        raise ValueError(
            f"the values are too large: an output could reach {bound:.3g}, beyond the {limit:.3g} that "
            f"{dtype.name} can hold. Scale the image or the filters down"
        )


def conv2d(
    image: np.ndarray,
    filters: np.ndarray,
    bias: np.ndarray | Sequence[float] | None = None,
    *,
    stride: PairArg = 1,
    padding: PaddingArg = 0,
    dilation: PairArg = 1,
    flip: bool = False,
    dtype: type = np.float64,
    groups: int = 1,
) -> np.ndarray:
    """Convolve (cross-correlate) an image with a bank of filters, as a CNN layer does.

    Inputs:
    - image: ``(H, W, C)`` (or ``(H, W)``, taken as C = 1), finite numbers.
    - filters: ``(N, kh, kw, C)``, the same C as the image (a ``(kh, kw)`` kernel is a bank of one).
    - bias: ``(N,)`` or None.
    - stride, dilation: int or ``(sh, sw)``, at least 1. padding: int, ``(ph, pw)``, "valid" or "same".
    - flip: rotate each kernel by 180 degrees first, giving a true convolution instead of the
      cross-correlation that deep-learning libraries compute under the name "convolution".
    - dtype: float64 (default, exact to 1e-12) or float32 (faster, for large feature maps).
    - groups: split the C input channels into ``groups`` equal groups and the N filters likewise; filter
      ``n`` sees only the channels of its group ``n // (N / groups)``, so the bank is ``(N, kh, kw, C / groups)``.
      ``groups = C`` with one filter per channel is the depthwise convolution (no summing over channels).
    Returns ``(H', W', N)`` with ``H', W'`` from :func:`output_shape`.
    """
    if bias is None and flip is False and _is(stride, 1) and _is(dilation, 1) and _is(groups, 1) and _is(padding, 0):
        out = _plain(image, filters, dtype)  # the common call, checked by its result (see _plain)
        if out is not None:
            return out
    img = as_image(image)
    g = check_groups(groups, img.shape[2], filters)
    bank = as_filters(filters, img.shape[2] // g)
    n, kh, kw, c = bank.shape
    b = as_bias(bias, n)
    s = _pair(stride, "stride", minimum=1)
    d = _pair(dilation, "dilation", minimum=1)
    (top, bottom), (left, right) = padding_sides(padding, (kh, kw), d)
    ho, wo = output_shape(img.shape[:2], (kh, kw), stride=s, padding=padding, dilation=d)
    if bottom > top or right > left:  # "same" with an even kernel span: the extra zeros go bottom/right
        grown = np.zeros((img.shape[0] + bottom - top, img.shape[1] + right - left, img.shape[2]))
        grown[: img.shape[0], : img.shape[1]] = img
        img = grown
    p = (top, left)
    check_work(img, bank, b, p, (ho, wo), dtype)
    if flip:
        bank = bank[:, ::-1, ::-1, :]

    if g == 1:
        return _correlate(img, bank, b, s, p, d, (ho, wo), np.dtype(dtype))
    return _grouped(img, bank, b, s, p, d, (ho, wo), np.dtype(dtype), g)


def _is(value: object, number: int) -> bool:
    """``value`` is the int ``number`` (not a bool, a float, a pair or an array that equals it)."""
    return type(value) is int and value == number


_PLAIN_DTYPES = {key: np.dtype(t) for t in (np.float64, np.float32) for key in (t, np.dtype(t))}
_GATHERED = 8192  # patch-matrix values: up to here one cached fancy index beats the banded copy


@functools.lru_cache(maxsize=64)  # at most 64 x 64 kB
def _gather_index(h: int, w: int, c: int, kh: int, kw: int) -> np.ndarray:
    """Where each value of the patch matrix ``(H' * W', kh * kw * C)`` of a valid convolution sits in the
    flattened ``(H, W, C)`` image: the patch matrix of a small image is then one fancy index."""
    at = np.arange(h * w * c).reshape(h, w, c)
    index = np.lib.stride_tricks.sliding_window_view(at, (kh, kw, c)).reshape((h - kh + 1) * (w - kw + 1), -1)
    index = np.ascontiguousarray(index)
    index.flags.writeable = False
    return index


@np.errstate(over="ignore", invalid="ignore")  # an overflow shows in the result, which is checked
def _plain(image: object, filters: object, dtype: object) -> np.ndarray | None:
    """A convolution without bias, stride, padding, dilation or groups, on float arrays; None when the
    arguments are of another kind or the result is not finite, and :func:`conv2d` then checks them.

    The argument checks cost ten times the arithmetic of a small input (a 5x5 image, a 28x28 digit),
    so here the result checks them instead: with stride 1 and no padding, every pixel and every weight
    takes part in some output, and a NaN or infinity in either (or an overflowing sum) makes that output
    NaN or infinite. One dot product of the output with itself is finite only when none is.
    """
    dt = _PLAIN_DTYPES.get(dtype) if isinstance(dtype, (type, np.dtype)) else None
    if dt is None or type(image) is not np.ndarray or type(filters) is not np.ndarray:
        return None
    if image.ndim == 2:
        image = image[:, :, None]
    if filters.ndim == 2:
        filters = filters[None, :, :, None]
    if image.ndim != 3 or filters.ndim != 4 or image.dtype.kind != "f" or filters.dtype.kind != "f":
        return None
    h, w, c = image.shape
    n, kh, kw, fc = filters.shape
    ho, wo = h - kh + 1, w - kw + 1
    if fc != c or min(c, n, kh, kw, ho, wo) < 1 or max(image.size, ho * wo * n) > MAX_VALUES:
        return None
    k = kh * kw * c
    if ho * wo * k <= _GATHERED:
        patches = image.astype(dt, copy=False).reshape(-1)[_gather_index(h, w, c, kh, kw)]
        out = np.dot(patches, filters.reshape(n, k).T.astype(dt, copy=False)).reshape(ho, wo, n)
    else:
        out = _correlate(image, filters, np.zeros(n), (1, 1), (0, 0), (1, 1), (ho, wo), dt)
    flat = out.reshape(-1)
    return out if math.isfinite(np.dot(flat, flat)) else None


def check_groups(groups: object, channels: int, filters: object) -> int:
    """``groups`` as an int that divides both the input's channels and the number of filters."""
    if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"groups must be a whole number of at least 1, not {groups!r}")
    g = int(groups)
    n = np.shape(filters)[0] if np.ndim(filters) == 4 else 1
    if channels % g or n % g:
        raise ValueError(
            f"groups must divide both the input's {channels} channels and the {n} filters; {g} does not"
        )
    return g


def _grouped(
    image: np.ndarray,
    bank: np.ndarray,
    bias: np.ndarray,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    out_hw: tuple[int, int],
    dtype: np.dtype,
    groups: int,
) -> np.ndarray:
    """A grouped convolution on checked arguments: filter ``n`` sees the channels of group ``n // (N / g)``.

    With one channel a group (depthwise), each output plane is a sum of ``kh * kw`` shifted input planes
    scaled by one weight each, for all filters at once; otherwise each group is an ordinary convolution.
    """
    n, kh, kw, cg = bank.shape
    per_group = n // groups
    if cg > 1:
        out = np.empty((*out_hw, n), dtype=dtype)
        planes = _planes(image, padding, dtype)  # once for all groups: group gi reads planes gi*cg to (gi+1)*cg
        for gi in range(groups):
            rows = slice(gi * per_group, (gi + 1) * per_group)
            out[:, :, rows] = _correlate(planes[gi * cg : (gi + 1) * cg], bank[rows], bias[rows], stride,
                                         (0, 0), dilation, out_hw, dtype, planar=True)
        return out
    if per_group > 1:
        image = image[:, :, np.arange(n) // per_group]  # (H, W, N): the one input channel filter n reads
    if stride == (1, 1):
        return _depthwise(image, bank, bias, padding, dilation, out_hw, dtype)
    ho, wo = out_hw
    (sh, sw), (dh, dw) = stride, dilation
    planes = _planes(image, padding, dtype)
    out = np.zeros((n, ho, wo), dtype=dtype)
    term = np.empty_like(out)  # each tap's products, written in place (no array allocated per tap)
    weights = bank[:, :, :, 0].astype(dtype)
    for u in range(kh):
        for v in range(kw):
            y0, x0 = u * dh, v * dw
            tap = planes[:, y0 : y0 + (ho - 1) * sh + 1 : sh, x0 : x0 + (wo - 1) * sw + 1 : sw]
            np.multiply(tap, weights[:, u, v, None, None], out=term)
            out += term
    out += bias.astype(dtype)[:, None, None]
    return np.ascontiguousarray(out.transpose(1, 2, 0))


_ROWS_BYTES = 256 * 1024  # the depthwise sums run on bands of output rows of about this size, kept in cache


def _depthwise(
    image: np.ndarray,
    bank: np.ndarray,
    bias: np.ndarray,
    padding: tuple[int, int],
    dilation: tuple[int, int],
    out_hw: tuple[int, int],
    dtype: np.dtype,
) -> np.ndarray:
    """Filter ``n`` on channel ``n`` of an ``(H, W, N)`` image at stride 1, in the image's own layout.

    In the zero-padded image flattened, the values tap ``(u, v)`` reads for a band of output rows, taken
    at every column of the padded width, are one contiguous run: ``(u * dh * Wp + v * dw) * N`` values on
    from the band's start. So each tap is one multiply-add of two contiguous arrays (the weights tiled
    along a row); the columns past the output's width are computed and dropped.
    """
    h, w, n = image.shape
    kh, kw = bank.shape[1:3]
    (ph, pw), (dh, dw) = padding, dilation
    ho, wo = out_hw
    wp = w + 2 * pw
    padded = np.zeros((h + 2 * ph + 1, wp, n), dtype=dtype)  # one more row: the last tap's run ends past Hp
    padded[ph : ph + h, pw : pw + w] = image
    flat = padded.reshape(-1)
    row = wp * n
    weights = np.tile(bank[:, :, :, 0].transpose(1, 2, 0).astype(dtype), (1, 1, wp))  # (kh, kw, Wp * N)
    rows = max(1, min(ho, _ROWS_BYTES // (row * dtype.itemsize)))
    acc, term = np.empty((rows, row), dtype=dtype), np.empty((rows, row), dtype=dtype)
    out = np.empty((ho, wo, n), dtype=dtype)
    for y0 in range(0, ho, rows):
        r = min(rows, ho - y0)
        total, products = acc[:r], term[:r]
        for u in range(kh):
            for v in range(kw):
                at = ((y0 + u * dh) * wp + v * dw) * n
                run = flat[at : at + r * row].reshape(r, row)
                if u == 0 and v == 0:
                    np.multiply(run, weights[0, 0], out=total)
                else:
                    np.multiply(run, weights[u, v], out=products)
                    total += products
        out[y0 : y0 + r] = total.reshape(r, wp, n)[:, :wo]
    out += bias.astype(dtype)
    return out


def _planes(image: np.ndarray, padding: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    """The zero-padded ``(H, W, C)`` image as ``C`` contiguous planes ``(C, Hp, Wp)`` of ``dtype``."""
    h, w, c = image.shape
    ph, pw = padding
    if ph == 0 and pw == 0:
        return np.ascontiguousarray(image.transpose(2, 0, 1), dtype=dtype)  # no copy for one float64 channel
    planes = np.zeros((c, h + 2 * ph, w + 2 * pw), dtype=dtype)
    planes[:, ph : ph + h, pw : pw + w] = image.transpose(2, 0, 1)
    return planes


def _correlate(
    image: np.ndarray,
    bank: np.ndarray,
    bias: np.ndarray,
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    out_hw: tuple[int, int],
    dtype: np.dtype,
    planar: bool = False,
) -> np.ndarray:
    """The work of :func:`conv2d`, on checked arguments: im2col a band of output rows at a time.
    (``planar``: ``image`` is already the padded planes ``(C, Hp, Wp)`` of :func:`_planes`.)

    The patch matrix is held transposed, ``(K, pixels of the band)`` with ``K`` ordered ``(c, u, v)``:
    its row ``(c, u, v)`` is input plane ``c`` seen through kernel tap ``(u, v)``, so one strided copy
    fills a band with inner loops that run along image rows (an ``(H, W, C)`` window view would copy
    runs of C = 3 values). One matmul per band then writes that band's output rows in place; when the
    bias is not zero, a row of ones in the patch matrix adds it in the same matmul.
    """
    n, kh, kw, c = bank.shape
    ho, wo = out_hw
    (sh, sw), (dh, dw) = stride, dilation
    # A stride (dilation) only matters along an axis with several positions (taps); a huge but legal
    # value elsewhere would overflow the byte strides below.
    sh, sw, dh, dw = (sh if ho > 1 else 1), (sw if wo > 1 else 1), (dh if kh > 1 else 1), (dw if kw > 1 else 1)
    planes = image if planar else _planes(image, padding, dtype)
    _, hp, wp = planes.shape
    k = c * kh * kw
    ones = int(np.count_nonzero(bias) > 0)  # count_nonzero: bias.any() costs 10x more on a few values
    weights = np.empty((k + ones, n), dtype=dtype)
    weights[:k].reshape(c, kh, kw, n)[...] = bank.transpose(3, 1, 2, 0)
    size = dtype.itemsize
    rows = max(1, min(ho, _BAND_BYTES // ((k + ones) * wo * size)))
    patches = np.empty((k + ones, rows * wo), dtype=dtype)
    if ones:
        weights[k] = bias
        patches[k] = 1.0
    out = np.empty((ho, wo, n), dtype=dtype)
    pixels = out.reshape(ho * wo, n)
    taps = (hp * wp * size, dh * wp * size, dw * size, sh * wp * size, sw * size)  # strides of (c, u, v, y, x)
    for y0 in range(0, ho, rows):
        r = min(rows, ho - y0)
        band = patches[:, : r * wo]
        window = np.ndarray((c, kh, kw, r, wo), dtype, buffer=planes, offset=y0 * sh * wp * size, strides=taps)
        band[:k].reshape(c, kh, kw, r, wo)[...] = window  # the copy: one band of the patch matrix
        np.matmul(band.T, weights, out=pixels[y0 * wo : (y0 + r) * wo])
    return out
