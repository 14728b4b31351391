"""Activations (by name) against their textbook definitions, and pooling against a plain-loop reference."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from visualizer import ACTIVATION_NAMES, RELU_VS_STEP, activate, pool2d

SAMPLE = np.array([-3.0, -0.5, 0.0, 0.25, 2.0, 7.5])
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
small_arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), elements=finite)


def raises(match):
    return pytest.raises(ValueError, match=re.compile(match, re.IGNORECASE))


# --- activations --------------------------------------------------------------------------------


def test_relu_keeps_positive_values():
    out = activate(SAMPLE, "relu")
    assert out[3:].tolist() == [0.25, 2.0, 7.5]


def test_relu_zeroes_negatives_and_zero():
    out = activate(SAMPLE, "relu")
    assert out[:3].tolist() == [0.0, 0.0, 0.0]


def test_relu_does_not_turn_positives_into_one():
    assert activate(np.array([0.25, 7.5]), "relu").tolist() != [1.0, 1.0]


def test_step_gives_one_for_positives_and_zero_otherwise():
    assert activate(SAMPLE, "step").tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]


def test_relu_and_step_differ_on_positive_values_other_than_one():
    relu, step = activate(SAMPLE, "relu"), activate(SAMPLE, "step")
    assert (relu[SAMPLE <= 0] == step[SAMPLE <= 0]).all()
    assert (relu[3:] != step[3:]).all()
    assert activate(np.array([1.0]), "relu")[0] == activate(np.array([1.0]), "step")[0] == 1.0
    assert "ReLU" in RELU_VS_STEP and "step" in RELU_VS_STEP


def test_leaky_relu_scales_negatives_by_a_hundredth():
    out = activate(SAMPLE, "leaky_relu")
    np.testing.assert_allclose(out, [-0.03, -0.005, 0.0, 0.25, 2.0, 7.5], rtol=1e-15, atol=0)


def test_sigmoid_matches_scipy_expit():
    x = np.linspace(-40, 40, 161)
    np.testing.assert_allclose(activate(x, "sigmoid"), scipy.special.expit(x), rtol=1e-13, atol=0)
    assert activate(np.array([0.0]), "sigmoid")[0] == 0.5


def test_sigmoid_does_not_overflow_at_plus_minus_1000():
    x = np.array([-1000.0, -710.0, 710.0, 1000.0, -1e308, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = activate(x, "sigmoid")
    np.testing.assert_allclose(out, scipy.special.expit(x), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(out, [0.0, 0.0, 1.0, 1.0, 0.0, 1.0], rtol=0, atol=1e-300)


def test_tanh_matches_math_tanh():
    out = activate(SAMPLE, "tanh")
    np.testing.assert_allclose(out, [math.tanh(v) for v in SAMPLE], rtol=1e-15, atol=0)


@given(small_arrays)
def test_activations_match_their_definitions_elementwise(x):
    flat = x.ravel().tolist()
    cases = {
        "relu": [max(0.0, v) for v in flat],
        "step": [1.0 if v > 0 else 0.0 for v in flat],
        "leaky_relu": [v if v > 0 else 0.01 * v for v in flat],
        "sigmoid": scipy.special.expit(x).ravel().tolist(),
        "tanh": [math.tanh(v) for v in flat],
        "none": flat,
    }
    for name, expected in cases.items():
        out = activate(x, name)
        assert out.shape == x.shape
        assert out.dtype == np.float64
        np.testing.assert_allclose(out.ravel(), expected, rtol=1e-12, atol=1e-300, err_msg=name)


def test_activation_names_include_the_five_functions():
    for name in ("relu", "step", "leaky_relu", "sigmoid", "tanh"):
        assert name in ACTIVATION_NAMES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ReLU", [0.0, 0.0, 0.0, 0.25, 2.0, 7.5]),
        ("Leaky ReLU", [-0.03, -0.005, 0.0, 0.25, 2.0, 7.5]),
        ("leaky-relu", [-0.03, -0.005, 0.0, 0.25, 2.0, 7.5]),
        ("STEP", [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
    ],
)
def test_activation_names_are_read_loosely(name, expected):
    np.testing.assert_allclose(activate(SAMPLE, name), expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", ["softmax", "", "relu6", "gelu"])
def test_unknown_activation_is_refused_with_the_choices(name):
    with raises("unknown activation.*relu.*step"):
        activate(SAMPLE, name)


def test_activation_does_not_modify_its_input():
    x = SAMPLE.copy()
    for name in ACTIVATION_NAMES:
        activate(x, name)
    np.testing.assert_array_equal(x, SAMPLE)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_activation_refuses_nan_and_infinity(bad):
    with raises("nan or infinite"):
        activate(np.array([1.0, bad]), "relu")


@pytest.mark.parametrize("x", [np.array([1j]), np.array(["a"]), {"a": 1}, np.array([None], dtype=object)])
def test_activation_refuses_values_that_are_not_real_numbers(x):
    with raises("number"):
        activate(x, "relu")


# --- pooling ------------------------------------------------------------------------------------


def loop_pool(x, size, stride, mode):
    """Each output cell: the max or mean of its (ph, pw) window, windows placed every (sh, sw)."""
    (ph, pw), (sh, sw) = size, stride
    h, w, c = x.shape
    out_h, out_w = (h - ph) // sh + 1, (w - pw) // sw + 1
    out = np.zeros((out_h, out_w, c))
    for y in range(out_h):
        for xx in range(out_w):
            for ch in range(c):
                cells = [x[y * sh + u, xx * sw + v, ch] for u in range(ph) for v in range(pw)]
                out[y, xx, ch] = max(cells) if mode == "max" else math.fsum(cells) / len(cells)
    return out


def test_max_pool_of_the_classic_example():
    x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)
    np.testing.assert_array_equal(pool2d(x, 2)[:, :, 0], [[6, 8], [3, 4]])


def test_average_pool_of_the_classic_example():
    x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)
    np.testing.assert_array_equal(pool2d(x, 2, mode="avg")[:, :, 0], [[3.25, 5.25], [2.0, 2.0]])


@st.composite
def pool_cases(draw):
    size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 4), st.integers(1, 4))))
    h, w = draw(st.integers(size[0], size[0] + 8)), draw(st.integers(size[1], size[1] + 8))
    x = draw(hnp.arrays(np.float64, (h, w, draw(st.integers(1, 3))), elements=finite))
    return x, size, stride, draw(st.sampled_from(["max", "avg"]))


@given(pool_cases())
def test_pooling_matches_a_loop_reference(case):
    x, size, stride, mode = case
    out = pool2d(x, size, stride=stride, mode=mode)
    expected = loop_pool(x, size, size if stride is None else stride, mode)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-9)


def test_pool_stride_defaults_to_the_window_size():
    x = np.arange(6 * 9, dtype=float).reshape(6, 9)
    out = pool2d(x, 3)
    assert out.shape == (2, 3, 1)
    np.testing.assert_array_equal(out[:, :, 0], [[20, 23, 26], [47, 50, 53]])


def test_non_square_pooling_with_overlapping_windows():
    x = np.arange(5 * 7, dtype=float).reshape(5, 7, 1)
    out = pool2d(x, (2, 3), stride=(1, 2), mode="max")
    assert out.shape == (4, 3, 1)
    np.testing.assert_array_equal(out, loop_pool(x, (2, 3), (1, 2), "max"))


def test_pooling_keeps_channels_apart():
    x = np.stack([np.ones((4, 4)), -np.ones((4, 4)), np.arange(16.0).reshape(4, 4)], axis=2)
    out = pool2d(x, 2, mode="max")
    np.testing.assert_array_equal(out[:, :, 0], 1.0)
    np.testing.assert_array_equal(out[:, :, 1], -1.0)
    np.testing.assert_array_equal(out[:, :, 2], [[5, 7], [13, 15]])


def test_pool_window_larger_than_the_input_is_refused():
    with raises("spans 3.*only 2"):
        pool2d(np.zeros((2, 5)), 3)


@pytest.mark.parametrize("mode", ["min", "average", "", "sum"])
def test_unknown_pooling_mode_is_refused(mode):
    with raises("max.*avg"):
        pool2d(np.zeros((4, 4)), 2, mode=mode)


@pytest.mark.parametrize(("size", "stride"), [(0, None), (-1, None), (2, 0), ((2, 0), None), (1.5, None), (2, "1")])
def test_pool_size_and_stride_must_be_positive_whole_numbers(size, stride):
    with raises("pool"):
        pool2d(np.zeros((4, 4)), size, stride=stride)


def test_pooling_refuses_nan():
    with raises("nan"):
        pool2d(np.array([[np.nan, 1.0], [1.0, 1.0]]), 2)


def test_average_pool_of_huge_values_is_refused_rather_than_infinite():
    with raises("too large"):
        pool2d(np.full((2, 2), 1e308), 2, mode="avg")
    np.testing.assert_array_equal(pool2d(np.full((2, 2), 1e308), 2, mode="max"), [[[1e308]]])
