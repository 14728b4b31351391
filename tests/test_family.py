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


def torch_grouped(image, weight, bias, *, stride, padding, dilation, groups):
    """torch.nn.functional.conv2d with weight ``(N, kh, kw, C / g)`` and ``groups``; ``(H', W', N)`` out."""
    x = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
    w = torch.from_numpy(weight.transpose(0, 3, 1, 2).copy())
    b = None if bias is None else torch.from_numpy(bias)
    y = torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return y[0].numpy().transpose(1, 2, 0)


@given(h=st.integers(3, 7), w=st.integers(3, 7), cg=st.sampled_from([(1, 1), (2, 2), (4, 2), (6, 3), (6, 2)]),
       per=st.integers(1, 3), k=st.integers(1, 3), s=st.integers(1, 2), p=st.integers(0, 2), d=st.integers(1, 2),
       seed=st.integers(0, 999))
def test_grouped_and_depthwise_equal_pytorch_groups_and_their_traces(h, w, cg, per, k, s, p, d, seed):
    c, g = cg
    n = g * per
    rng = np.random.default_rng(seed)
    image, bank, bias = rng.normal(size=(h, w, c)), rng.normal(size=(n, k, k, c)), rng.normal(size=n)
    if d * (k - 1) + 1 > h + 2 * p or d * (k - 1) + 1 > w + 2 * p:
        return
    args = {"stride": s, "padding": p, "dilation": d}
    # PyTorch's weight for groups=g: filter f keeps channels of its group f // (N / g), taken from the full bank.
    weight = np.stack([bank[f, :, :, (f // per) * (c // g): (f // per + 1) * (c // g)] for f in range(n)])
    want = torch_grouped(image, weight, bias, groups=g, **args)
    got = family.layer_output("grouped", image, bank, bias, groups=g, **args)
    np.testing.assert_allclose(got, want, atol=1e-10)
    for f in range(n):
        trace = family.grouped_trace(image, bank, f, "grouped", bias[f], groups=g, **args)
        np.testing.assert_allclose(trace.output, want[:, :, f], atol=1e-10)
    counts = family.multiply_adds("grouped", (h, w, c), (k, k), n, groups=g, **args)
    assert counts["standard"] == g * counts["layer"]
    if n % c == 0:  # depthwise: PyTorch's groups = C, filter f sees channel f // (N / C)
        dw = np.stack([bank[f][:, :, [f // (n // c)]] for f in range(n)])
        want = torch_grouped(image, dw, bias, groups=c, **args)
        np.testing.assert_allclose(family.layer_output("depthwise", image, bank, bias, **args), want, atol=1e-10)
        for f in range(n):
            trace = family.grouped_trace(image, bank, f, "depthwise", bias[f], **args)
            np.testing.assert_allclose(trace.output, want[:, :, f], atol=1e-10)


@given(c=st.sampled_from([1, 2, 3]), per=st.integers(1, 3), k=st.integers(1, 3), s=st.integers(1, 2),
       p=st.integers(0, 1), seed=st.integers(0, 999))
def test_separable_is_pytorch_depthwise_then_a_1x1_convolution(c, per, k, s, p, seed):
    n = c * per
    rng = np.random.default_rng(seed)
    image, bank, bias = rng.normal(size=(6, 5, c)), rng.normal(size=(n, k, k, c)), rng.normal(size=n)
    args = {"stride": s, "padding": p, "dilation": 1}
    dw = np.stack([bank[f][:, :, [f // per]] for f in range(n)])
    first = torch_grouped(image, dw, None, groups=c, **args)
    pw = np.array([[bank[m, :, :, j // per].mean() for j in range(n)] for m in range(n)])  # a plain loop
    np.testing.assert_allclose(family.pointwise_weights(bank), pw, atol=1e-14)
    want = torch_grouped(first, pw[:, None, None, :], bias, stride=1, padding=0, dilation=1, groups=1)
    np.testing.assert_allclose(family.layer_output("separable", image, bank, bias, **args), want, atol=1e-10)
    for f in range(n):  # the sliding view is the depthwise stage's map f
        trace = family.grouped_trace(image, bank, f, "separable", **args)
        np.testing.assert_allclose(trace.output, first[:, :, f], atol=1e-10)


def test_the_cost_of_separable_against_standard_and_the_groups_that_fit():
    counts = family.multiply_adds("separable", (10, 10, 3), (3, 3), 3, stride=1, padding=1, dilation=1)
    assert counts == {"depthwise": 100 * 3 * 9, "pointwise": 100 * 3 * 3, "layer": 100 * 3 * 12,
                      "standard": 100 * 3 * 27}
    assert family.valid_groups(3, 4) == [1] and family.valid_groups(6, 4) == [1, 2]
    assert family.nearest_groups(4, 6, 12) == 3
    with pytest.raises(ValueError, match="the nearest that does is 3"):
        family.kind_groups("grouped", 6, 12, 4)
    with pytest.raises(ValueError, match="use 3 or 6 filters"):
        family.kind_groups("depthwise", 3, 4)
    with pytest.raises(ValueError, match="use 3 or 6 filters"):
        family.layer_output("separable", np.zeros((4, 4, 3)), np.zeros((4, 3, 3, 3)), np.zeros(4), stride=1,
                            padding=0, dilation=1)
    assert family.kind_groups("depthwise", 1, 5) == 1  # grayscale: depthwise is the standard layer
