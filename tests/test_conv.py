"""conv2d and output_shape, checked against SciPy and a plain-loop reference written here.

Two independent references: ``scipy_conv2d`` builds the answer from ``scipy.signal.correlate`` on an
explicitly zero-padded input (stride by slicing the full result, dilation by a kernel with zeros
inserted); ``loop_conv2d`` is the formula of the design document written as Python loops, with the
padding handled by bounds checks instead of a padded array.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.signal
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from visualizer import conv2d, output_shape

TOL = 1e-9


# --- references ---------------------------------------------------------------------------------


def scipy_conv2d(image, bank, bias, stride, padding, dilation):
    """out[:, :, n] = bias[n] + sum over c of correlate(padded[:, :, c], dilated_kernel[n, :, :, c])."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n_filters, kh, kw, channels = bank.shape
    padded = np.zeros((image.shape[0] + 2 * ph, image.shape[1] + 2 * pw, channels))
    padded[ph : ph + image.shape[0], pw : pw + image.shape[1]] = image
    maps = []
    for n in range(n_filters):
        dilated = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1, channels))
        dilated[::dh, ::dw] = bank[n]
        full = sum(
            scipy.signal.correlate(padded[:, :, c], dilated[:, :, c], mode="valid", method="direct")
            for c in range(channels)
        )
        maps.append(full[::sh, ::sw] + bias[n])
    return np.stack(maps, axis=-1)


def loop_conv2d(image, bank, bias, stride, padding, dilation):
    """out[y, x, n] = b[n] + sum over (u, v, c) of in[y*s + u*d - p, x*s + v*d - p, c] * w[n, u, v, c]."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    height, width, channels = image.shape
    n_filters, kh, kw, _ = bank.shape
    out_h = (height + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    out_w = (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((out_h, out_w, n_filters))
    for y in range(out_h):
        for x in range(out_w):
            for n in range(n_filters):
                total = float(bias[n])
                for u in range(kh):
                    for v in range(kw):
                        iy, ix = y * sh + u * dh - ph, x * sw + v * dw - pw
                        if 0 <= iy < height and 0 <= ix < width:
                            for c in range(channels):
                                total += float(image[iy, ix, c]) * float(bank[n, u, v, c])
                out[y, x, n] = total
    return out


# --- strategies ---------------------------------------------------------------------------------

values = st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=64)
ONE_TO_FOUR = st.integers(1, 4)


@st.composite
def conv_cases(draw, max_side=9, channels=ONE_TO_FOUR):
    """A random valid convolution: image (H, W, C) (H != W allowed), bank (N, kh, kw, C), bias, arguments."""
    c = draw(channels)
    n = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    h = draw(st.integers(max(1, span_h - 2 * padding[0]), max(1, span_h - 2 * padding[0]) + max_side))
    w = draw(st.integers(max(1, span_w - 2 * padding[1]), max(1, span_w - 2 * padding[1]) + max_side))
    image = draw(hnp.arrays(np.float64, (h, w, c), elements=values))
    bank = draw(hnp.arrays(np.float64, (n, kh, kw, c), elements=values))
    bias = draw(hnp.arrays(np.float64, (n,), elements=values))
    return image, bank, bias, stride, padding, dilation


def run(case, **extra):
    image, bank, bias, stride, padding, dilation = case
    return conv2d(image, bank, bias, stride=stride, padding=padding, dilation=dilation, **extra)


# --- the founding example -----------------------------------------------------------------------

FOUNDING = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=float)
X_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)


def test_founding_example_gives_the_classic_feature_map():
    out = conv2d(FOUNDING, X_KERNEL)
    assert out.shape == (3, 3, 1)
    np.testing.assert_array_equal(out[:, :, 0], [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_convolution_is_cross_correlation_so_the_kernel_is_not_flipped():
    image = np.zeros((3, 3))
    image[0, 0] = 1.0
    kernel = np.arange(9, dtype=float).reshape(3, 3)
    # A single window: the output is sum(image * kernel) = kernel[0, 0], not the flipped kernel[2, 2].
    assert conv2d(image, kernel)[0, 0, 0] == 0.0
    assert conv2d(image, kernel, flip=True)[0, 0, 0] == 8.0


# --- agreement with the references --------------------------------------------------------------


@given(conv_cases(max_side=40), st.sampled_from([np.float64, np.float32]))
def test_the_plain_call_matches_scipy_on_small_and_large_inputs(case, dtype):
    """conv2d(image, bank) with every argument left out takes its own path (a gathered patch matrix, or
    bands for a larger input), checked by its result instead of its arguments: it gives SciPy's answer."""
    image, bank = case[0], case[1]
    assume(image.shape[0] >= bank.shape[1] and image.shape[1] >= bank.shape[2])  # the case drew padding: none here
    want = scipy_conv2d(image, bank, np.zeros(bank.shape[0]), (1, 1), (0, 0), (1, 1))
    got = conv2d(image, bank, dtype=dtype)
    assert got.dtype == dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL if dtype == np.float64 else 1e-3)


@pytest.mark.parametrize("side", [5, 40, 200])  # a gathered patch matrix, and bands
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_the_plain_call_refuses_a_bad_value_even_where_a_zero_weight_meets_it(side, bad):
    """NaN times 0 and infinity times 0 are NaN: the result's check sees a bad value under a zero weight."""
    image = np.zeros((side, side, 2))
    image[side - 1, 0, 1] = bad  # a corner: a single window reads it
    with raises("image.*nan or infinite"):
        conv2d(image, np.zeros((2, 3, 3, 2)))
    bank = np.zeros((2, 3, 3, 2))
    bank[1, 2, 0, 1] = bad
    with raises("filter.*nan or infinite"):
        conv2d(np.zeros((side, side, 2)), bank)


def test_the_plain_call_computes_outputs_too_large_to_square():
    """An output of 1e200 is finite, though its square (the result's check) is not: it is still computed."""
    out = conv2d(np.full((6, 6, 1), 1e199), np.ones((1, 3, 3, 1)))
    np.testing.assert_allclose(out, 9e199, rtol=1e-12)


@given(conv_cases())
def test_conv2d_matches_scipy_correlate(case):
    np.testing.assert_allclose(run(case), scipy_conv2d(*case), rtol=0, atol=TOL)


@given(conv_cases(max_side=6))
def test_conv2d_matches_plain_loop_reference(case):
    np.testing.assert_allclose(run(case), loop_conv2d(*case), rtol=0, atol=TOL)


@given(conv_cases(channels=st.just(3)))
def test_rgb_filter_sums_the_three_channel_correlations(case):
    image, bank, bias, stride, padding, dilation = case
    out = run(case)
    for c in range(3):
        single = (image[:, :, c : c + 1], bank[:, :, :, c : c + 1], np.zeros(len(bias)), stride, padding, dilation)
        out = out - scipy_conv2d(*single)
    np.testing.assert_allclose(out, np.broadcast_to(bias, out.shape), rtol=0, atol=TOL)


@pytest.mark.parametrize(
    ("h", "w", "kh", "kw", "stride", "padding", "dilation"),
    [
        (7, 4, 3, 2, (1, 1), (0, 0), (1, 1)),
        (4, 9, 2, 3, (2, 1), (1, 0), (1, 2)),
        (10, 6, 1, 3, (3, 2), (0, 2), (2, 1)),
        (5, 8, 4, 1, (1, 3), (2, 1), (1, 1)),
    ],
)
def test_non_square_images_and_kernels_match_both_references(h, w, kh, kw, stride, padding, dilation):
    rng = np.random.default_rng(h * 100 + w)
    image = rng.normal(size=(h, w, 2))
    bank = rng.normal(size=(3, kh, kw, 2))
    bias = rng.normal(size=3)
    out = conv2d(image, bank, bias, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(out, scipy_conv2d(image, bank, bias, stride, padding, dilation), atol=TOL, rtol=0)
    np.testing.assert_allclose(out, loop_conv2d(image, bank, bias, stride, padding, dilation), atol=TOL, rtol=0)


@given(st.data())
def test_flip_gives_true_convolution_like_scipy_convolve(data):
    c = data.draw(st.integers(1, 3))
    kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    h, w = data.draw(st.integers(kh, kh + 6)), data.draw(st.integers(kw, kw + 6))
    image = data.draw(hnp.arrays(np.float64, (h, w, c), elements=values))
    kernel = data.draw(hnp.arrays(np.float64, (kh, kw, c), elements=values))
    expected = sum(
        scipy.signal.convolve(image[:, :, i], kernel[:, :, i], mode="valid", method="direct") for i in range(c)
    )
    out = conv2d(image, kernel[None], flip=True)
    np.testing.assert_allclose(out[:, :, 0], expected, rtol=0, atol=TOL)


@given(st.data())
def test_same_padding_keeps_height_and_width_at_stride_one(data):
    kh, kw = data.draw(st.sampled_from([1, 3, 5, 7])), data.draw(st.sampled_from([1, 3, 5]))
    dilation = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    h, w = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
    image = data.draw(hnp.arrays(np.float64, (h, w, 2), elements=values))
    bank = data.draw(hnp.arrays(np.float64, (2, kh, kw, 2), elements=values))
    pad = (dilation[0] * (kh - 1) // 2, dilation[1] * (kw - 1) // 2)
    out = conv2d(image, bank, padding="same", dilation=dilation)
    assert out.shape == (h, w, 2)
    np.testing.assert_allclose(out, scipy_conv2d(image, bank, np.zeros(2), (1, 1), pad, dilation), atol=TOL, rtol=0)


def test_same_padding_agrees_with_scipy_correlate2d_same_mode():
    rng = np.random.default_rng(7)
    image = rng.normal(size=(6, 9))
    kernel = rng.normal(size=(3, 5))
    expected = scipy.signal.correlate2d(image, kernel, mode="same", boundary="fill", fillvalue=0)
    np.testing.assert_allclose(conv2d(image, kernel, padding="same")[:, :, 0], expected, atol=TOL, rtol=0)


@given(conv_cases())
def test_float32_path_is_close_to_float64(case):
    out64 = run(case)
    out32 = run(case, dtype=np.float32)
    assert out32.dtype == np.float32
    scale = max(1.0, float(np.abs(out64).max()))
    np.testing.assert_allclose(out32, out64, rtol=1e-4, atol=1e-4 * scale)


def test_a_two_dimensional_image_is_one_channel_and_a_two_dimensional_kernel_is_one_filter():
    image = np.arange(20, dtype=float).reshape(4, 5)
    kernel = np.array([[1.0, -1.0]])
    out = conv2d(image, kernel)
    assert out.shape == (4, 4, 1)
    np.testing.assert_array_equal(out[:, :, 0], image[:, :-1] - image[:, 1:])


def test_bias_is_added_to_every_output_of_its_filter():
    image = np.zeros((4, 4, 1))
    out = conv2d(image, np.ones((2, 3, 3, 1)), [0.5, -2.0])
    np.testing.assert_array_equal(out[:, :, 0], 0.5)
    np.testing.assert_array_equal(out[:, :, 1], -2.0)


def test_integer_and_boolean_inputs_are_converted_to_float():
    out = conv2d(FOUNDING.astype(bool), X_KERNEL.astype(np.int64))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out[:, :, 0], [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_conv2d_does_not_modify_its_inputs():
    image = np.random.default_rng(1).normal(size=(5, 6, 2))
    bank = np.random.default_rng(2).normal(size=(3, 3, 3, 2))
    before = image.copy(), bank.copy()
    conv2d(image, bank, padding=1, flip=True)
    np.testing.assert_array_equal(image, before[0])
    np.testing.assert_array_equal(bank, before[1])


def test_large_image_is_computed_in_bands_without_changing_the_result():
    rng = np.random.default_rng(3)
    image = rng.normal(size=(300, 257, 3))
    bank = rng.normal(size=(4, 3, 3, 3))
    out = conv2d(image, bank, padding=1)
    np.testing.assert_allclose(out, scipy_conv2d(image, bank, np.zeros(4), (1, 1), (1, 1), (1, 1)), atol=TOL, rtol=0)


# --- output_shape: conv arithmetic (Dumoulin & Visin, "A guide to convolution arithmetic") --------

ARITHMETIC = [
    # i, k, s, p, d, o
    (4, 3, 1, 0, 1, 2),  # no zero padding, unit strides (fig. 2.1)
    (5, 3, 1, 0, 1, 3),
    (5, 4, 1, 2, 1, 6),  # arbitrary padding, unit strides (fig. 2.2)
    (5, 3, 1, 1, 1, 5),  # half ("same") padding (fig. 2.3)
    (5, 3, 1, 2, 1, 7),  # full padding (fig. 2.4)
    (5, 3, 2, 0, 1, 2),  # no padding, strides (fig. 2.6)
    (5, 3, 2, 1, 1, 3),  # padding and strides (fig. 2.7)
    (6, 3, 2, 1, 1, 3),  # padding and strides, odd case (fig. 2.8)
    (7, 3, 1, 0, 2, 3),  # dilated convolution (fig. 5.1)
    (5, 5, 1, 0, 1, 1),  # a kernel as large as the input
    (5, 1, 1, 0, 1, 5),  # a 1x1 kernel
    (1, 1, 1, 0, 1, 1),
    (1, 3, 1, 1, 1, 1),
    (9, 3, 3, 0, 1, 3),
    (9, 2, 4, 0, 3, 2),
]


@pytest.mark.parametrize(("i", "k", "s", "p", "d", "o"), ARITHMETIC)
def test_output_shape_follows_the_convolution_arithmetic_guide(i, k, s, p, d, o):
    assert output_shape((i, i), (k, k), stride=s, padding=p, dilation=d) == (o, o)


@pytest.mark.parametrize(("i", "k", "s", "p", "d", "o"), ARITHMETIC)
def test_conv2d_output_has_the_shape_of_the_arithmetic(i, k, s, p, d, o):
    out = conv2d(np.zeros((i, i, 1)), np.zeros((2, k, k, 1)), stride=s, padding=p, dilation=d)
    assert out.shape == (o, o, 2)


def test_output_shape_treats_height_and_width_separately():
    # H: floor((5 + 2 - 2 - 1) / 2) + 1 = 3; W: floor((7 + 0 - 3*1 - 1) / 1) + 1 = 4
    assert output_shape((5, 7), (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 3)) == (3, 4)


def test_output_shape_same_and_valid_padding():
    assert output_shape((5, 8), (3, 5), padding="same") == (5, 8)
    assert output_shape((5, 8), (3, 5), padding="SAME") == (5, 8)
    assert output_shape((5, 8), (3, 5), padding="valid") == (3, 4)


@given(
    st.integers(1, 40),
    st.integers(1, 40),
    st.integers(1, 7),
    st.integers(1, 7),
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(0, 4),
    st.integers(0, 4),
    st.integers(1, 4),
    st.integers(1, 4),
)
def test_output_shape_is_the_number_of_window_positions(h, w, kh, kw, sh, sw, ph, pw, dh, dw):
    def positions(i, k, s, p, d):  # count the top-left corners whose window stays inside the padded input
        return sum(1 for start in range(0, i + 2 * p, s) if start + d * (k - 1) < i + 2 * p)

    expected = (positions(h, kh, sh, ph, dh), positions(w, kw, sw, pw, dw))
    if min(expected) == 0:
        with pytest.raises(ValueError, match="spans"):
            output_shape((h, w), (kh, kw), stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    else:
        assert output_shape((h, w), (kh, kw), stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw)) == expected


# --- errors people can read -----------------------------------------------------------------------


def raises(match):
    return pytest.raises(ValueError, match=re.compile(match, re.IGNORECASE | re.DOTALL))


def test_channel_mismatch_is_refused_with_both_counts():
    with raises(r"channels.*3.*1"):
        conv2d(np.zeros((5, 5, 3)), np.zeros((2, 3, 3, 1)))


def test_kernel_larger_than_the_input_is_refused_with_the_arithmetic():
    with raises(r"spans 5 pixels.*only 4"):
        conv2d(np.zeros((4, 6)), np.zeros((5, 5)))


def test_dilated_kernel_larger_than_the_padded_input_is_refused():
    with raises(r"dilation 3.*spans 7.*only 6"):
        conv2d(np.zeros((4, 9)), np.zeros((3, 3)), dilation=3, padding=1)


@pytest.mark.parametrize("stride", [0, -1, (1, 0), (0, 2)])
def test_stride_below_one_is_refused(stride):
    with raises("stride.*at least 1"):
        conv2d(np.zeros((5, 5)), np.ones((3, 3)), stride=stride)


@pytest.mark.parametrize("dilation", [0, -2, (1, 0)])
def test_dilation_below_one_is_refused(dilation):
    with raises("dilation.*at least 1"):
        conv2d(np.zeros((5, 5)), np.ones((3, 3)), dilation=dilation)


@pytest.mark.parametrize("padding", [-1, (0, -1), (-2, 0)])
def test_negative_padding_is_refused(padding):
    with raises("padding.*at least 0"):
        conv2d(np.zeros((5, 5)), np.ones((3, 3)), padding=padding)


@pytest.mark.parametrize("padding", ["full", "", "causal"])
def test_unknown_padding_name_is_refused(padding):
    with raises("padding.*valid.*same"):
        conv2d(np.zeros((5, 5)), np.ones((3, 3)), padding=padding)


@pytest.mark.parametrize("name", ["stride", "padding", "dilation"])
@pytest.mark.parametrize("value", [1.5, "2", (1, 2, 3), True, None, (1.0, 1)])
def test_non_integer_arguments_are_refused(name, value):
    with raises(name):
        conv2d(np.zeros((5, 5)), np.ones((3, 3)), **{name: value})


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_image_is_refused(bad):
    image = np.zeros((5, 5))
    image[2, 3] = bad
    with raises("image.*nan or infinite"):
        conv2d(image, np.ones((3, 3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_filter_is_refused(bad):
    kernel = np.ones((3, 3))
    kernel[1, 1] = bad
    with raises("filter.*nan or infinite"):
        conv2d(np.zeros((5, 5)), kernel)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_bias_is_refused(bad):
    with raises("bias.*nan or infinite"):
        conv2d(np.zeros((5, 5)), np.ones((2, 3, 3, 1)), [0.0, bad])


def test_bias_of_the_wrong_length_is_refused():
    with raises(r"bias.*one value per filter \(3\).*2"):
        conv2d(np.zeros((5, 5)), np.ones((3, 3, 3, 1)), [1.0, 2.0])


@pytest.mark.parametrize("bias", [{"a": 1}, "one", [1j], [[1, 2], [3]]])
def test_bias_that_is_not_numbers_is_refused(bias):
    with raises("bias"):
        conv2d(np.zeros((5, 5)), np.ones((3, 3)), bias)


@pytest.mark.parametrize(("kh", "kw", "dilation"), [(2, 2, 1), (3, 4, 1), (4, 3, 1), (2, 3, 3)])
def test_same_padding_with_an_even_kernel_puts_the_extra_zeros_bottom_right(kh, kw, dilation):
    rng = np.random.default_rng(kh * 10 + kw)
    image, bank = rng.normal(size=(8, 7, 1)), rng.normal(size=(1, kh, kw, 1))
    spans = (dilation * (kh - 1), dilation * (kw - 1))
    padded = np.pad(image, [(s // 2, s - s // 2) for s in spans] + [(0, 0)])  # as PyTorch pads
    expected = scipy_conv2d(padded, bank, np.zeros(1), (1, 1), (0, 0), (dilation, dilation))
    out = conv2d(image, bank, padding="same", dilation=dilation)
    assert out.shape == (8, 7, 1)
    np.testing.assert_allclose(out, expected, atol=TOL, rtol=0)


def test_same_padding_with_an_even_kernel_and_even_dilation_is_centred():
    # 2 taps 2 apart span 3 pixels: that window has a centre.
    out = conv2d(np.ones((6, 6)), np.ones((2, 2)), padding="same", dilation=2)
    assert out.shape == (6, 6, 1)


@pytest.mark.parametrize(
    ("image", "words"),
    [
        (np.zeros((0, 5)), "empty"),
        (np.zeros(5), "dimensions"),
        (np.zeros((2, 2, 2, 2)), "dimensions"),
        (np.array([["a", "b"], ["c", "d"]]), "numbers"),
        (np.ones((5, 5)) + 1j, "real numbers|complex"),
        (np.array([[None, 1]], dtype=object), "numbers"),
    ],
)
def test_image_that_is_not_a_grid_of_real_numbers_is_refused(image, words):
    with raises(words):
        conv2d(image, np.ones((1, 1)))


@pytest.mark.parametrize("filters", [np.zeros((0, 3, 3, 1)), np.zeros(3), np.ones((3, 3)) * 1j, np.zeros((1,) * 5)])
def test_filters_that_are_not_a_bank_of_real_numbers_are_refused(filters):
    with raises("filter"):
        conv2d(np.zeros((5, 5)), filters)


@pytest.mark.parametrize("scale", [3e307, 1e308, -1e308])
def test_values_so_large_the_sum_overflows_are_refused(scale):
    with raises("too large"):
        conv2d(np.full((5, 5), scale), np.ones((3, 3)))


def test_values_too_large_for_float32_are_refused_on_the_float32_path():
    with raises("too large"):
        conv2d(np.full((5, 5), 1e39), np.full((3, 3), 1e-20), dtype=np.float32)
    assert np.isfinite(conv2d(np.full((5, 5), 1e39), np.full((3, 3), 1e-20))).all()


def test_large_but_representable_values_are_computed_exactly():
    out = conv2d(np.full((3, 3), 1e300), np.full((3, 3), 1e-300))
    np.testing.assert_allclose(out[0, 0], 9.0, rtol=1e-12)


@pytest.mark.parametrize("stride", [10**6, 2**62, 10**30])
def test_a_huge_stride_gives_one_output_per_axis(stride):
    out = conv2d(np.arange(25.0).reshape(5, 5), np.ones((3, 3)), stride=stride)
    np.testing.assert_array_equal(out, [[[54.0]]])


def test_a_huge_dilation_of_a_one_by_one_kernel_changes_nothing():
    image = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(conv2d(image, np.full((1, 1), 2.0), dilation=10**30)[:, :, 0], 2 * image)


def test_absurd_padding_is_refused_before_allocating_it():
    with raises("too large|too many"):
        conv2d(np.ones((1, 1)), np.ones((1, 1)), padding=100_000)


def test_output_shape_accepts_a_single_number_for_square_sizes():
    assert output_shape(5, 3) == (3, 3)


@pytest.mark.parametrize("size", [None, "5", 5.0, (5,), (5, 5, 5), (0, 5), (-1, 5), (True, 5)])
def test_output_shape_refuses_sizes_that_are_not_whole_numbers(size):
    with raises("input size"):
        output_shape(size, (3, 3))
