"""Grouped and depthwise convolution (``conv2d(..., groups=g)``) against PyTorch and a plain loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer import conv2d


def torch_conv(image, bank, bias, *, stride, padding, dilation, groups):
    x = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
    w = torch.from_numpy(bank.transpose(0, 3, 1, 2).copy())
    b = torch.from_numpy(bias)
    y = torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return y[0].numpy().transpose(1, 2, 0)


def loop_grouped(image, bank, bias, groups):
    """out[y, x, n] = b[n] + sum over (u, v, c) of in[y + u, x + v, g(n)*Cg + c] * w[n, u, v, c]."""
    h, w, c = image.shape
    n, kh, kw, cg = bank.shape
    out = np.zeros((h - kh + 1, w - kw + 1, n))
    for f in range(n):
        first = (f // (n // groups)) * cg
        for y in range(out.shape[0]):
            for x in range(out.shape[1]):
                out[y, x, f] = bias[f] + np.sum(image[y : y + kh, x : x + kw, first : first + cg] * bank[f])
    return out


def test_depthwise_convolution_keeps_channels_apart():
    rng = np.random.default_rng(0)
    image = rng.standard_normal((6, 7, 3))
    bank = rng.standard_normal((3, 3, 2, 1))
    out = conv2d(image, bank, groups=3)
    for c in range(3):
        np.testing.assert_allclose(out[:, :, c], conv2d(image[:, :, c], bank[c])[:, :, 0], atol=1e-12)


def test_grouped_equals_plain_loop():
    rng = np.random.default_rng(1)
    image = rng.standard_normal((5, 6, 4))
    bank = rng.standard_normal((6, 2, 3, 2))
    bias = rng.standard_normal(6)
    np.testing.assert_allclose(conv2d(image, bank, bias, groups=2), loop_grouped(image, bank, bias, 2), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
    st.integers(1, 2), st.integers(0, 2), st.integers(1, 2), st.integers(0, 2**31 - 1),
)
def test_grouped_matches_pytorch(groups, per_group_in, per_group_out, kh, kw, stride, padding, dilation, seed):
    rng = np.random.default_rng(seed)
    c, n = groups * per_group_in, groups * per_group_out
    image = rng.standard_normal((9, 8, c))
    bank = rng.standard_normal((n, kh, kw, per_group_in))
    bias = rng.standard_normal(n)
    ours = conv2d(image, bank, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    ref = torch_conv(image, bank, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(ours, ref, atol=1e-9)


@pytest.mark.parametrize(("shape", "per_channel", "k", "padding", "dilation", "dtype"), [
    ((64, 40, 32), 1, (3, 3), 1, 1, np.float64),  # several bands of output rows
    ((70, 33, 24), 2, (3, 5), (2, 1), (2, 3), np.float64),  # a channel multiplier, dilation, uneven padding
    ((50, 50, 8), 1, (1, 1), 0, 1, np.float32),
    ((31, 17, 5), 3, (4, 2), "same", 2, np.float64),  # an even kernel: the extra zeros bottom/right
])
def test_depthwise_at_stride_one_matches_pytorch_over_several_bands(shape, per_channel, k, padding, dilation, dtype):
    """Depthwise at stride 1 runs on bands of rows of the padded image in its own layout (each tap one
    contiguous run): every band, the columns it drops and the last tap's run must give PyTorch's numbers."""
    rng = np.random.default_rng(sum(shape))
    c = shape[2]
    image = rng.standard_normal(shape)
    bank = rng.standard_normal((c * per_channel, *k, 1))
    bias = rng.standard_normal(c * per_channel)
    ours = conv2d(image, bank, bias, padding=padding, dilation=dilation, groups=c, dtype=dtype)
    ref = torch_conv(image, bank, bias, stride=1, padding=padding, dilation=dilation, groups=c)
    assert ours.dtype == dtype and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=1e-9 if dtype == np.float64 else 1e-4)


def test_groups_must_divide_channels_and_filters():
    image = np.zeros((4, 4, 3))
    with pytest.raises(ValueError, match="groups must divide both the input's 3 channels and the 4 filters"):
        conv2d(image, np.zeros((4, 1, 1, 1)), groups=3)
    with pytest.raises(ValueError, match="groups must be a whole number"):
        conv2d(image, np.zeros((3, 1, 1, 1)), groups=0)
    with pytest.raises(ValueError, match="as many channels as its input"):
        conv2d(image, np.zeros((3, 1, 1, 3)), groups=3)
