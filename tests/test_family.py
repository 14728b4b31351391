"""The convolution family (visualizer.family) against PyTorch: the transposed convolution three ways (our
conv_transpose2d, the stamping steps, the ordinary convolution over the zero-inserted input) give torch's
numbers, and the shapes and multiply-adds follow the formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from visualizer import family


def torch_transposed(image, bank, bias, *, stride, padding, dilation):
    x = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
    w = torch.from_numpy(bank.transpose(3, 0, 1, 2).copy())  # ConvTranspose2d(C, N): weight (C, N, kh, kw)
    y = torch.nn.functional.conv_transpose2d(x, w, torch.from_numpy(bias), stride=stride, padding=padding,
                                             dilation=dilation)
    return y[0].numpy().transpose(1, 2, 0)


@given(h=st.integers(1, 7), w=st.integers(1, 7), c=st.sampled_from([1, 3]), n=st.integers(1, 3),
       kh=st.integers(1, 4), kw=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 3), d=st.integers(1, 3),
       seed=st.integers(0, 999))
def test_transposed_three_ways_equal_pytorch(h, w, c, n, kh, kw, s, p, d, seed):
    rng = np.random.default_rng(seed)
    image, bank, bias = rng.normal(size=(h, w, c)), rng.normal(size=(n, kh, kw, c)), rng.normal(size=n)
    try:
        want = torch_transposed(image, bank, bias, stride=s, padding=p, dilation=d)
    except RuntimeError:  # torch refuses an empty output; so must we
        with pytest.raises(ValueError):
            family.layer_output("transposed", image, bank, bias, stride=s, padding=p, dilation=d)
        return
    got = family.layer_output("transposed", image, bank, bias, stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(got, want, atol=1e-10)
    assert got.shape[:2] == family.output_hw("transposed", (h, w), (kh, kw), stride=s, padding=p, dilation=d)
    for f in range(n):
        trace = family.transposed_trace(image, bank[f], bias[f], stride=s, padding=p, dilation=d)
        np.testing.assert_allclose(trace.output, want[:, :, f], atol=1e-10)
        stamps = family.stamp_steps(image, bank[f], bias[f], stride=s, padding=p, dilation=d)
        np.testing.assert_allclose(stamps.partials([stamps.steps - 1])[0], want[:, :, f], atol=1e-10)


def test_stamping_adds_one_scaled_kernel_per_input_cell():
    image = np.zeros((2, 2, 1))
    image[0, 1, 0] = 2.0
    kernel = np.arange(1.0, 10.0).reshape(3, 3, 1)
    stamps = family.stamp_steps(image, kernel, stride=2, padding=0, dilation=1)
    before, after = stamps.partials([0, 1])
    assert not before.any()  # cell (0, 0) is zero: its stamp adds nothing
    np.testing.assert_array_equal(after[0:3, 2:5], 2 * kernel[:, :, 0])  # cell (0, 1) lands at column 1*2
    assert after.shape == (5, 5)  # (2 - 1)*2 - 0 + 1*(3 - 1) + 0 + 1


def test_the_equivalent_convolution_inserts_zeros_and_pads_by_d_k_minus_1_minus_p():
    image = np.arange(1.0, 5.0).reshape(2, 2, 1)
    z, ring = family.zero_inserted(image, 2, 1, 1, (3, 3))
    np.testing.assert_array_equal(z[:, :, 0], [[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    assert ring == (1, 1)  # 1*(3 - 1) - 1
    assert family.size_text("transposed", 2, 3, stride=2, padding=1, dilation=1) == \
        "(2 - 1)*2 - 2*1 + 1*(3 - 1) + 0 + 1 = 3"


def test_multiply_adds_of_stamping_and_of_its_equivalent_convolution():
    counts = family.multiply_adds("transposed", (4, 4, 1), (3, 3), 2, stride=2, padding=0, dilation=1)
    assert counts == {"layer": 4 * 4 * 9 * 2, "equivalent": 9 * 9 * 9 * 2}
    assert family.multiply_adds("standard", (5, 5, 3), (3, 3), 4, stride=1, padding=0, dilation=1) == \
        {"layer": 3 * 3 * 4 * 9 * 3}
