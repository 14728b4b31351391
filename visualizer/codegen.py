"""Python source that reproduces, with plain NumPy and with PyTorch, the convolution shown on screen.

The values are written with Python's shortest exact float repr, so running the code gives the same
numbers to the last digit.
"""

from __future__ import annotations

import numpy as np

from .conv import output_shape


def _literal(arr: np.ndarray) -> str:
    """An array as a nested-list literal, one row of the first axis a line, floats written exactly."""
    def fmt(a: np.ndarray) -> str:
        if a.ndim == 0:
            v = float(a)
            return repr(int(v)) + ".0" if v.is_integer() and abs(v) < 1e15 else repr(v)
        return "[" + ", ".join(fmt(x) for x in a) + "]"

    if arr.ndim <= 1:
        return fmt(arr)
    return "[\n" + ",\n".join("    " + fmt(row) for row in arr) + ",\n]"


def reproduction_code(
    image: np.ndarray,
    filters: np.ndarray,
    bias: np.ndarray,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    torch: bool = True,
) -> str:
    """Code computing ``out`` ``(H', W', N)`` from ``image`` ``(H, W, C)`` and ``filters`` ``(N, kh, kw, C)``.

    The NumPy part is a plain loop over output cells (the definition, not our fast path); the
    PyTorch part (optional) calls ``torch.nn.functional.conv2d`` on NCHW tensors.
    """
    h, w, c = image.shape
    n, kh, kw, _ = filters.shape
    ho, wo = output_shape((h, w), (kh, kw), stride=stride, padding=padding, dilation=dilation)
    s, p, d = stride, padding, dilation
    code = f'''import numpy as np

image = np.array({_literal(image)})  # (H, W, C) = {image.shape}
filters = np.array({_literal(filters)})  # (N, kh, kw, C) = {filters.shape}
bias = np.array({_literal(bias)})  # (N,)
stride, padding, dilation = {s}, {p}, {d}

# out[y, x, n] = bias[n] + sum over (u, v, c) of padded[y*s + u*d, x*s + v*d, c] * filters[n, u, v, c]
padded = np.pad(image, ((padding, padding), (padding, padding), (0, 0)))
out = np.zeros(({ho}, {wo}, {n}))  # floor((i + 2p - d(k-1) - 1) / s) + 1 per side
for y in range(out.shape[0]):
    for x in range(out.shape[1]):
        window = padded[y * stride : y * stride + dilation * ({kh} - 1) + 1 : dilation,
                        x * stride : x * stride + dilation * ({kw} - 1) + 1 : dilation]  # ({kh}, {kw}, {c})
        for n in range(out.shape[2]):
            out[y, x, n] = (window * filters[n]).sum() + bias[n]
print(out[:, :, 0])
'''
    if torch:
        code += '''
# The same with PyTorch (NCHW layout: batch, channels, height, width)
import torch
import torch.nn.functional as F

x = torch.tensor(image).permute(2, 0, 1)[None]  # (1, C, H, W)
weight = torch.tensor(filters).permute(0, 3, 1, 2)  # (N, C, kh, kw)
out_torch = F.conv2d(x, weight, torch.tensor(bias), stride=stride, padding=padding, dilation=dilation)
out_torch = out_torch[0].permute(1, 2, 0).numpy()  # back to (H', W', N)
print(np.abs(out_torch - out).max())  # ~1e-15: the same numbers
'''
    return code


def transposed_code(
    image: np.ndarray,
    filters: np.ndarray,
    bias: np.ndarray,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    torch: bool = True,
) -> str:
    """Code computing the transposed convolution ``out`` ``(H', W', N)`` of ``image`` ``(H, W, C)`` with the bank
    ``(N, kh, kw, C)`` read as ``ConvTranspose2d(C, N)`` weights: a plain loop in which every input cell stamps each
    filter, scaled by its value, onto the output; then PyTorch's ``conv_transpose2d`` on the same values."""
    from .family import output_hw

    h, w, c = image.shape
    n, kh, kw, _ = filters.shape
    ho, wo = output_hw("transposed", (h, w), (kh, kw), stride=stride, padding=padding, dilation=dilation)
    code = f'''import numpy as np

image = np.array({_literal(image)})  # (H, W, C) = {image.shape}
filters = np.array({_literal(filters)})  # (N, kh, kw, C) = {filters.shape}
bias = np.array({_literal(bias)})  # (N,)
stride, padding, dilation = {stride}, {padding}, {dilation}

# Each input cell (y, x) stamps every filter, scaled by its values, onto the output at (y*s - p, x*s - p),
# taps d apart; stamps that land outside the output (its padding) are dropped, overlaps add up.
# Output size per side: (i - 1)s - 2p + d(k - 1) + output_padding + 1, here with output_padding 0.
out = np.zeros(({ho}, {wo}, {n})) + bias
for y in range(image.shape[0]):
    for x in range(image.shape[1]):
        for u in range({kh}):
            for v in range({kw}):
                oy, ox = y * stride - padding + u * dilation, x * stride - padding + v * dilation
                if 0 <= oy < out.shape[0] and 0 <= ox < out.shape[1]:
                    out[oy, ox] += filters[:, u, v, :] @ image[y, x]  # (N, C) @ (C,)
print(out[:, :, 0])
'''
    if torch:
        code += '''
# The same with PyTorch (NCHW layout): ConvTranspose2d's weight is (C_in, C_out, kh, kw)
import torch
import torch.nn.functional as F

x = torch.tensor(image).permute(2, 0, 1)[None]  # (1, C, H, W)
weight = torch.tensor(filters).permute(3, 0, 1, 2)  # (C, N, kh, kw)
out_torch = F.conv_transpose2d(x, weight, torch.tensor(bias), stride=stride, padding=padding, dilation=dilation)
out_torch = out_torch[0].permute(1, 2, 0).numpy()  # back to (H', W', N)
print(np.abs(out_torch - out).max())  # ~1e-15: the same numbers
'''
    return code


def grouped_code(
    image: np.ndarray,
    bank: np.ndarray,
    bias: np.ndarray,
    *,
    kind: str,
    groups: int = 1,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> str:
    """Code computing ``out`` ``(H', W', N)`` of the grouped, depthwise or depthwise-separable layer
    (:mod:`visualizer.family`): the weights each filter uses written out (``(N, kh, kw, C / g)``), a plain loop over
    output cells where filter ``n`` reads only its group's channels, and PyTorch's ``conv2d(groups=g)`` (separable:
    then a 1x1 ``conv2d`` with the pointwise weights)."""
    from .family import group_bank, kind_groups, pointwise_weights

    h, w, c = image.shape
    n, kh, kw, _ = bank.shape
    g = kind_groups(kind, c, n, groups)
    weight = group_bank(bank, g)
    ho, wo = output_shape((h, w), (kh, kw), stride=stride, padding=padding, dilation=dilation)
    separable = kind == "separable"
    code = f'''import numpy as np

image = np.array({_literal(image)})  # (H, W, C) = {image.shape}
# Filter n uses only the channels of its group n // (N / groups): weight (N, kh, kw, C / groups) = {weight.shape}
weight = np.array({_literal(weight)})
bias = np.array({_literal(bias)})  # (N,)
stride, padding, dilation, groups = {stride}, {padding}, {dilation}, {g}
per_group = weight.shape[0] // groups  # filters per group
width = weight.shape[3]  # channels per group

padded = np.pad(image, ((padding, padding), (padding, padding), (0, 0)))
out = np.zeros(({ho}, {wo}, {n}))
for y in range(out.shape[0]):
    for x in range(out.shape[1]):
        window = padded[y * stride : y * stride + dilation * ({kh} - 1) + 1 : dilation,
                        x * stride : x * stride + dilation * ({kw} - 1) + 1 : dilation]  # ({kh}, {kw}, {c})
        for n in range(out.shape[2]):
            first = (n // per_group) * width  # the group's first channel
            out[y, x, n] = (window[:, :, first : first + width] * weight[n]).sum()
'''
    if separable:
        code += f'''depthwise = out
# The 1x1 convolution mixing the depthwise maps: pointwise[m, j] = mean of filter m's weights on map j's channel
pointwise = np.array({_literal(pointwise_weights(bank))})  # (N, N)
out = depthwise @ pointwise.T + bias
'''
    else:
        code += "out = out + bias\n"
    code += f'''print(out[:, :, 0])

# The same with PyTorch (NCHW layout: batch, channels, height, width)
import torch
import torch.nn.functional as F

x = torch.tensor(image).permute(2, 0, 1)[None]  # (1, C, H, W)
w = torch.tensor(weight).permute(0, 3, 1, 2)  # (N, C / groups, kh, kw)
{"y = F.conv2d(x, w, None, stride=stride, padding=padding, dilation=dilation, groups=groups)" if separable else
 "y = F.conv2d(x, w, torch.tensor(bias), stride=stride, padding=padding, dilation=dilation, groups=groups)"}
'''
    if separable:
        code += "y = F.conv2d(y, torch.tensor(pointwise)[:, :, None, None], torch.tensor(bias))  # the 1x1 mixing\n"
    code += '''out_torch = y[0].permute(1, 2, 0).numpy()  # back to (H', W', N)
print(np.abs(out_torch - out).max())  # ~1e-15: the same numbers
'''
    return code
