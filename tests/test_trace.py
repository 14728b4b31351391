"""trace_convolution: every step of the animation, checked cell by cell against a zero-padded copy made here."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from visualizer import conv2d, trace_convolution

FOUNDING = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=float)
X_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)

values = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
ONE_TO_THREE = st.integers(1, 3)


@st.composite
def trace_cases(draw, channels=ONE_TO_THREE):
    c = draw(channels)
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    min_h = max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0])
    min_w = max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1])
    h, w = draw(st.integers(min_h, min_h + 7)), draw(st.integers(min_w, min_w + 7))
    image = draw(hnp.arrays(np.float64, (h, w, c), elements=values))
    kernel = draw(hnp.arrays(np.float64, (kh, kw, c), elements=values))
    bias = draw(values)
    return image, kernel, bias, stride, padding, dilation


def make_trace(case):
    image, kernel, bias, stride, padding, dilation = case
    return trace_convolution(image, kernel, bias, stride=stride, padding=padding, dilation=dilation)


def zero_padded(image, padding):
    ph, pw = padding
    out = np.zeros((image.shape[0] + 2 * ph, image.shape[1] + 2 * pw, image.shape[2]))
    out[ph : ph + image.shape[0], pw : pw + image.shape[1]] = image
    return out


# --- the founding example -----------------------------------------------------------------------


def test_founding_example_traces_the_classic_feature_map():
    trace = trace_convolution(FOUNDING, X_KERNEL)
    assert trace.steps == 9
    np.testing.assert_array_equal(trace.output, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_founding_first_step_equation_adds_up_to_four():
    equation = trace_convolution(FOUNDING, X_KERNEL).equation(0)
    assert equation.endswith("= 4")
    left, right = equation.rsplit("=", 1)
    terms = left.split(" + ")
    assert len(terms) == 9
    # each term is window value * kernel value, row by row: the first window is FOUNDING[0:3, 0:3]
    pairs = [tuple(float(part) for part in term.split("*")) for term in terms]
    assert [a for a, _ in pairs] == FOUNDING[:3, :3].ravel().tolist()
    assert [b for _, b in pairs] == X_KERNEL.ravel().tolist()
    assert sum(a * b for a, b in pairs) == float(right) == 4.0


def test_equation_of_every_founding_step_evaluates_to_its_output():
    trace = trace_convolution(FOUNDING, X_KERNEL)
    expected = [4, 3, 4, 2, 4, 3, 2, 3, 4]
    for step in range(trace.steps):
        left, right = trace.equation(step).rsplit(" = ", 1)
        total = sum(float(a) * float(b) for a, b in (term.split("*") for term in left.split(" + ")))
        assert total == float(right) == expected[step]


def test_equation_shows_short_numbers_and_leaves_the_bias_out():
    trace = trace_convolution(np.full((1, 2), 0.5), np.array([[-0.25, 1.0]]), bias=10.0)
    assert trace.equation(0) == "0.5*-0.25 + 0.5*1 = 0.375"
    assert trace.totals[0] == 10.375


def test_equation_of_one_channel_sums_that_channel_only():
    image = np.stack([np.ones((2, 2)), 2 * np.ones((2, 2))], axis=2)
    kernel = np.ones((2, 2, 2))
    trace = trace_convolution(image, kernel)
    assert trace.equation(0, channel=0).endswith("= 4")
    assert trace.equation(0, channel=1).endswith("= 8")
    assert trace.equation(0).endswith("= 12")


# --- totals, products and sums ------------------------------------------------------------------


@given(trace_cases())
def test_totals_equal_conv2d_everywhere(case):
    image, kernel, bias, stride, padding, dilation = case
    trace = make_trace(case)
    out = conv2d(image, kernel[None], [bias], stride=stride, padding=padding, dilation=dilation)
    assert trace.out_shape == out.shape[:2]
    np.testing.assert_allclose(trace.output, out[:, :, 0], rtol=0, atol=1e-9)


@given(trace_cases(channels=st.just(3)))
def test_rgb_totals_equal_the_sum_of_scipy_correlations_per_channel(case):
    image, kernel, bias, stride, padding, dilation = case
    trace = make_trace(case)
    padded = zero_padded(image, padding)
    dh, dw = dilation
    dilated = np.zeros((dh * (kernel.shape[0] - 1) + 1, dw * (kernel.shape[1] - 1) + 1, 3))
    dilated[::dh, ::dw] = kernel
    per_channel = [
        scipy.signal.correlate(padded[:, :, c], dilated[:, :, c], mode="valid", method="direct")[
            :: stride[0], :: stride[1]
        ]
        for c in range(3)
    ]
    for c in range(3):
        np.testing.assert_allclose(trace.channel_sums[:, c], per_channel[c].ravel(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(trace.output, sum(per_channel) + bias, rtol=0, atol=1e-9)


@given(trace_cases())
def test_products_are_window_times_kernel_and_sums_add_them_up(case):
    trace = make_trace(case)
    kernel = case[1]
    for step in range(trace.steps):
        np.testing.assert_array_equal(trace.products[step], trace.windows[step] * kernel)
        for c in range(kernel.shape[2]):
            assert trace.channel_sums[step, c] == pytest.approx(float(np.sum(trace.products[step, :, :, c])), abs=1e-9)
        assert trace.totals[step] == pytest.approx(float(np.sum(trace.channel_sums[step])) + case[2], abs=1e-9)


@given(trace_cases())
def test_windows_are_the_padded_input_under_the_dilated_kernel(case):
    image, kernel, _, (sh, sw), padding, (dh, dw) = case
    trace = make_trace(case)
    padded = zero_padded(image, padding)
    np.testing.assert_array_equal(trace.padded, padded)
    kh, kw = kernel.shape[:2]
    for step, (y, x) in enumerate(trace.positions):
        expected = np.array([[padded[y * sh + u * dh, x * sw + v * dw] for v in range(kw)] for u in range(kh)])
        np.testing.assert_array_equal(trace.windows[step], expected)
        assert tuple(trace.origins[step]) == (y * sh, x * sw)


@given(trace_cases())
def test_window_cells_index_the_padded_image(case):
    trace = make_trace(case)
    padded = zero_padded(case[0], case[4])
    for step in range(trace.steps):
        rows, cols = trace.window_cells(step)
        np.testing.assert_array_equal(padded[rows][:, cols], trace.windows[step])


@given(trace_cases())
def test_positions_go_in_raster_order_and_step_of_finds_them(case):
    trace = make_trace(case)
    ho, wo = trace.out_shape
    assert trace.positions.tolist() == [[y, x] for y in range(ho) for x in range(wo)]
    for step, (y, x) in enumerate(trace.positions):
        assert trace.step_of(int(y), int(x)) == step


def test_trace_records_the_arguments_it_used():
    trace = trace_convolution(np.zeros((6, 7)), np.ones((3, 2)), 1.5, stride=(2, 1), padding=1, dilation=(1, 2))
    assert trace.stride == (2, 1)
    assert trace.padding == (1, 1)
    assert trace.dilation == (1, 2)
    assert trace.bias == 1.5
    assert trace.kernel.shape == (3, 2, 1)
    assert trace.padded.shape == (8, 9, 1)
    assert trace.out_shape == (3, 7)  # H: (6+2-2-1)//2+1 = 3; W: (7+2-2-1)//1+1 = 7


def test_same_padding_trace_has_one_step_per_input_pixel():
    trace = trace_convolution(np.ones((4, 6)), np.ones((3, 3)), padding="same")
    assert trace.out_shape == (4, 6)
    assert trace.steps == 24
    assert trace.output[0, 0] == 4.0  # a corner window covers 4 real pixels and 5 zeros of the border
    assert trace.output[1, 1] == 9.0


# --- refusals -----------------------------------------------------------------------------------


def raises(match):
    return pytest.raises(ValueError, match=re.compile(match, re.IGNORECASE))


def test_step_of_refuses_a_cell_outside_the_output():
    trace = trace_convolution(FOUNDING, X_KERNEL)
    for y, x in [(3, 0), (0, 3), (-1, 0), (0, -1)]:
        with raises("outside the 3x3 output"):
            trace.step_of(y, x)


@pytest.mark.parametrize("step", [9, 100, -1, -10])
def test_a_step_outside_the_animation_is_refused(step):
    trace = trace_convolution(FOUNDING, X_KERNEL)
    with raises("step"):
        trace.window_cells(step)
    with raises("step"):
        trace.equation(step)


def test_a_channel_the_kernel_does_not_have_is_refused():
    trace = trace_convolution(FOUNDING, X_KERNEL)
    with raises("channel"):
        trace.equation(0, channel=1)


def test_too_many_steps_are_refused_with_the_count():
    with raises(r"1,600 steps.*limit is 1,000"):
        trace_convolution(np.zeros((42, 42)), np.ones((3, 3)), max_steps=1000)
    assert trace_convolution(np.zeros((42, 42)), np.ones((3, 3)), max_steps=1600).steps == 1600


def test_default_step_limit_allows_a_64_by_64_animation():
    trace = trace_convolution(np.zeros((64, 64, 3)), np.ones((3, 3, 3)))
    assert trace.steps == 62 * 62


def test_a_bank_of_several_filters_cannot_be_traced():
    with raises("one filter"):
        trace_convolution(np.zeros((5, 5)), np.ones((2, 3, 3, 1)))


def test_kernel_channels_must_match_the_image():
    with raises("channels"):
        trace_convolution(np.zeros((5, 5, 3)), np.ones((3, 3, 1)))


def test_trace_refuses_what_conv2d_refuses():
    with raises("nan"):
        trace_convolution(np.full((3, 3), np.nan), np.ones((3, 3)))
    with raises("spans"):
        trace_convolution(np.zeros((2, 2)), np.ones((3, 3)))
    with raises("too large"):
        trace_convolution(np.full((3, 3), 1e308), np.ones((3, 3)))


@given(trace_cases())
def test_a_trace_s_recipe_computes_it_again_array_for_array_holding_only_its_inputs(case):
    trace = make_trace(case)
    again = trace.recipe()
    held = [v for v in (*again.args, *again.keywords.values()) if isinstance(v, np.ndarray)]
    assert sum(a.nbytes for a in held) == trace.image.nbytes + trace.kernel.nbytes
    fresh = again()
    for name in ("image", "padded", "kernel", "windows", "products", "channel_sums", "totals", "positions", "origins"):
        np.testing.assert_array_equal(getattr(fresh, name), getattr(trace, name), err_msg=name)
    assert (fresh.bias, fresh.stride, fresh.padding, fresh.dilation, fresh.out_shape) == (
        trace.bias, trace.stride, trace.padding, trace.dilation, trace.out_shape)
