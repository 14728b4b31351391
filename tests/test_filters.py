"""Kernel presets (what each does to flat areas and edges), channel expansion, and seeded random banks."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from visualizer import (
    PRESET_NAMES,
    conv2d,
    convert_bank,
    expand_kernel,
    preset_description,
    preset_kernel,
    preset_sizes,
    random_filters,
    reduce_kernel,
)

ALL_PRESETS = [(name, size) for name in PRESET_NAMES for size in preset_sizes(name)]
EDGE_DETECTORS = ["sobel x", "sobel y", "prewitt x", "prewitt y", "laplacian", "outline"]
BLURS = ["box blur", "gaussian"]


def raises(match):
    return pytest.raises(ValueError, match=re.compile(match, re.IGNORECASE))


def correlate_valid(image, kernel):
    return scipy.signal.correlate(image, kernel, mode="valid", method="direct")


def vertical_edge(size=9):
    """Dark left half, bright right half: an edge running top to bottom."""
    image = np.zeros((size, size))
    image[:, size // 2 :] = 1.0
    return image


def test_the_promised_presets_exist():
    for name in [
        "identity",
        "box blur",
        "gaussian",
        "sharpen",
        "laplacian",
        "sobel x",
        "sobel y",
        "prewitt x",
        "prewitt y",
        "emboss",
        "outline",
    ]:
        assert name in PRESET_NAMES


@pytest.mark.parametrize(("name", "size"), ALL_PRESETS)
def test_every_preset_is_a_finite_square_kernel_with_a_description(name, size):
    kernel = preset_kernel(name, size)
    assert kernel.shape == (size, size)
    assert kernel.dtype == np.float64
    assert np.isfinite(kernel).all()
    assert preset_description(name).strip()


@pytest.mark.parametrize("size", preset_sizes("identity"))
def test_identity_returns_the_image(size):
    image = np.random.default_rng(size).normal(size=(9, 11))
    out = conv2d(image, preset_kernel("identity", size), padding="same")
    np.testing.assert_array_equal(out[:, :, 0], image)


@pytest.mark.parametrize(("name", "size"), [(n, s) for n in BLURS for s in preset_sizes(n)])
def test_blur_of_a_constant_image_is_the_same_constant(name, size):
    out = conv2d(np.full((12, 10), 0.7), preset_kernel(name, size))
    np.testing.assert_allclose(out, 0.7, rtol=1e-12)


@pytest.mark.parametrize(("name", "size"), [(n, s) for n in BLURS for s in preset_sizes(n)])
def test_blur_weights_are_positive_and_sum_to_one(name, size):
    kernel = preset_kernel(name, size)
    assert (kernel > 0).all()
    assert kernel.sum() == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize(("name", "size"), [(n, s) for n in EDGE_DETECTORS for s in preset_sizes(n)])
def test_edge_detector_gives_zero_on_a_constant_image(name, size):
    out = conv2d(np.full((12, 10), 0.3), preset_kernel(name, size))
    np.testing.assert_allclose(out, 0.0, atol=1e-12)


@pytest.mark.parametrize(("name", "size"), [(n, s) for n in ["sharpen", "emboss"] for s in preset_sizes(n)])
def test_sharpen_and_emboss_keep_flat_areas_unchanged(name, size):
    np.testing.assert_allclose(conv2d(np.full((8, 8), 0.4), preset_kernel(name, size)), 0.4, rtol=1e-12)


@pytest.mark.parametrize(("x_name", "y_name"), [("sobel x", "sobel y"), ("prewitt x", "prewitt y")])
def test_x_gradient_responds_to_a_vertical_edge_and_not_to_a_horizontal_one(x_name, y_name):
    for size in preset_sizes(x_name):
        kx, ky = preset_kernel(x_name, size), preset_kernel(y_name, size)
        vertical, horizontal = vertical_edge(), vertical_edge().T
        # dark to bright from left to right: a positive response along the edge, nothing elsewhere
        on_vertical = conv2d(vertical, kx)[:, :, 0]
        assert (on_vertical >= 0).all() and on_vertical.max() > 0
        np.testing.assert_allclose(conv2d(horizontal, kx), 0.0, atol=1e-12)
        on_horizontal = conv2d(horizontal, ky)[:, :, 0]
        assert (on_horizontal >= 0).all() and on_horizontal.max() > 0
        np.testing.assert_allclose(conv2d(vertical, ky), 0.0, atol=1e-12)


def test_sobel_x_answers_only_in_the_columns_next_to_the_edge():
    out = conv2d(vertical_edge(9), preset_kernel("sobel x"))[:, :, 0]
    # valid output column x covers input columns x..x+2; the edge is between columns 3 and 4
    np.testing.assert_array_equal(out[:, [0, 1, 4, 5, 6]], 0.0)
    np.testing.assert_array_equal(out[:, [2, 3]], 4.0)


@pytest.mark.parametrize(
    ("name", "textbook"),
    [
        ("sobel x", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        ("sobel y", [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
        ("prewitt x", [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
        ("prewitt y", [[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
        ("laplacian", [[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
        ("outline", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        ("sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        ("emboss", [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
        ("gaussian", np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16),
        ("box blur", np.full((3, 3), 1 / 9)),
        ("identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    ],
)
def test_three_by_three_presets_are_the_textbook_kernels(name, textbook):
    np.testing.assert_allclose(preset_kernel(name, 3), textbook, rtol=0, atol=1e-15)


def test_gaussian_five_by_five_is_the_binomial_kernel():
    row = np.array([1, 4, 6, 4, 1]) / 16
    np.testing.assert_allclose(preset_kernel("gaussian", 5), np.outer(row, row), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ["Sobel X", "sobel_x", "  SOBEL x "])
def test_preset_names_are_read_loosely(name):
    np.testing.assert_array_equal(preset_kernel(name), preset_kernel("sobel x"))


@pytest.mark.parametrize("name", ["blur", "sobel z", "", "gabor"])
def test_unknown_preset_is_refused_with_the_choices(name):
    with raises("unknown filter preset.*identity"):
        preset_kernel(name)


@pytest.mark.parametrize(("name", "size"), [("sobel x", 7), ("outline", 5), ("identity", 2), ("box blur", 1)])
def test_preset_in_a_size_it_does_not_have_is_refused_with_its_sizes(name, size):
    listed = ", ".join(f"{s}x{s}" for s in preset_sizes(name))
    with raises(re.escape(listed)):
        preset_kernel(name, size)


@pytest.mark.parametrize("size", [3.0, "3", True, None, 2.5])
def test_preset_size_must_be_a_whole_number(size):
    with raises("size|sizes"):
        preset_kernel("identity", size)


# --- channels -----------------------------------------------------------------------------------


@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=st.floats(-5, 5)),
    st.integers(1, 5),
)
def test_expand_then_reduce_returns_the_kernel(kernel, channels):
    expanded = expand_kernel(kernel, channels)
    assert expanded.shape == (*kernel.shape, channels)
    for c in range(channels):
        np.testing.assert_array_equal(expanded[:, :, c], kernel)
    np.testing.assert_allclose(reduce_kernel(expanded), kernel, rtol=1e-15, atol=1e-15)


def test_expanding_a_kernel_to_other_channels_averages_its_channels_first():
    kernel = np.stack([np.ones((2, 2)), 3 * np.ones((2, 2)), 5 * np.ones((2, 2))], axis=2)
    np.testing.assert_allclose(expand_kernel(kernel, 1), np.full((2, 2, 1), 3.0), rtol=1e-15)
    np.testing.assert_array_equal(expand_kernel(kernel, 3), kernel)
    np.testing.assert_allclose(reduce_kernel(kernel), np.full((2, 2), 3.0), rtol=1e-15)


def test_averaging_huge_channel_weights_does_not_overflow():
    np.testing.assert_allclose(reduce_kernel(np.full((1, 1, 2), 9e307)), [[9e307]], rtol=1e-15)
    np.testing.assert_allclose(convert_bank(np.full((1, 1, 1, 2), 9e307), 1), [[[[9e307]]]], rtol=1e-15)


def test_an_expanded_kernel_on_gray_copied_to_rgb_gives_three_times_the_gray_response():
    rng = np.random.default_rng(5)
    gray, kernel = rng.normal(size=(7, 8)), rng.normal(size=(3, 3))
    rgb = np.repeat(gray[:, :, None], 3, axis=2)
    out = conv2d(rgb, expand_kernel(kernel, 3))
    np.testing.assert_allclose(out[:, :, 0], 3 * correlate_valid(gray, kernel), rtol=0, atol=1e-9)


def test_convert_bank_gives_every_filter_the_new_channel_count():
    bank = np.arange(2 * 2 * 3 * 3, dtype=float).reshape(2, 2, 3, 3)
    gray = convert_bank(bank, 1)
    assert gray.shape == (2, 2, 3, 1)
    np.testing.assert_allclose(gray[..., 0], bank.mean(axis=3), rtol=1e-15)
    rgb = convert_bank(gray, 3)
    assert rgb.shape == (2, 2, 3, 3)
    for c in range(3):
        np.testing.assert_array_equal(rgb[..., c], gray[..., 0])
    same = convert_bank(bank, 3)
    np.testing.assert_array_equal(same, bank)
    assert same is not bank


@pytest.mark.parametrize("channels", [0, -1, 2.5, "3", None, 10**12])
def test_channel_count_must_be_a_sensible_whole_number(channels):
    with raises("channel"):
        expand_kernel(np.ones((3, 3)), channels)
    with raises("channel"):
        convert_bank(np.ones((1, 3, 3, 1)), channels)


@pytest.mark.parametrize(
    "kernel",
    [
        np.ones(3),
        np.ones((2, 2, 2, 2)),
        np.ones((0, 3)),
        np.ones((3, 3, 0)),
        np.full((2, 2), np.nan),
        np.ones((2, 2)) * 1j,
        {"a": 1},
    ],
)
def test_expand_and_reduce_refuse_what_is_not_a_kernel(kernel):
    with raises("kernel"):
        expand_kernel(kernel, 2)
    with raises("kernel"):
        reduce_kernel(kernel)


@pytest.mark.parametrize(
    "bank", [np.ones((3, 3)), np.ones((1, 3, 3)), np.ones((1, 3, 3, 0)), np.full((1, 1, 1, 1), np.inf)]
)
def test_convert_bank_refuses_what_is_not_a_filter_bank(bank):
    with raises("filter"):
        convert_bank(bank, 1)


# --- random filters -----------------------------------------------------------------------------


def test_random_filters_have_the_requested_shape():
    assert random_filters(15, 3).shape == (15, 3, 3, 1)
    assert random_filters(2, 3, 5, 3).shape == (2, 3, 5, 3)


def test_same_seed_gives_the_same_bank_and_another_seed_another_bank():
    np.testing.assert_array_equal(random_filters(4, 3, 3, 3, seed=7), random_filters(4, 3, 3, 3, seed=7))
    assert not np.array_equal(random_filters(4, 3, 3, 3, seed=7), random_filters(4, 3, 3, 3, seed=8))


@given(
    st.integers(1, 6), st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.integers(0, 2**32), st.integers(0, 4)
)
def test_random_filters_lie_in_minus_one_to_one_rounded_to_the_decimals(n, kh, kw, c, seed, decimals):
    bank = random_filters(n, kh, kw, c, seed=seed, decimals=decimals)
    assert bank.shape == (n, kh, kw, c)
    assert bank.min() >= -1.0 and bank.max() <= 1.0
    scaled = bank * 10**decimals
    np.testing.assert_allclose(scaled, np.round(scaled), atol=1e-6)
    assert not np.signbit(bank[bank == 0]).any()  # no "-0" on screen


def test_random_filters_look_random():
    bank = random_filters(50, 3, 3, 3, seed=1, decimals=2)
    assert bank.min() < -0.9 and bank.max() > 0.9
    assert abs(bank.mean()) < 0.1
    assert len(np.unique(bank)) > 100


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 0, "kh": 3},
        {"n": 1, "kh": 0},
        {"n": 1, "kh": 3, "kw": -1},
        {"n": 1, "kh": 3, "channels": 0},
        {"n": 2.5, "kh": 3},
        {"n": "2", "kh": 3},
        {"n": None, "kh": 3},
        {"n": 1, "kh": 3, "seed": 1.5},
        {"n": 1, "kh": 3, "seed": -1},
        {"n": 1, "kh": 3, "decimals": "1"},
        {"n": 10**6, "kh": 100, "kw": 100, "channels": 100},
    ],
)
def test_random_filters_refuse_bad_sizes_seeds_and_decimals(kwargs):
    with pytest.raises(ValueError, match=r"\w"):
        random_filters(**kwargs)
