"""The layer stack: shapes of the founding chain, stacks against a composition written here, the dense view."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import scipy.signal
import scipy.special
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from visualizer import (
    LayerSpec,
    StackError,
    build_layers,
    conv2d,
    dense_equivalent,
    founding_image,
    founding_specs,
    plan_shapes,
    random_filters,
    run_stack,
)
from visualizer.network import size_arithmetic

FOUNDING_SHAPES = [(5, 5, 1), (3, 3, 15), (3, 3, 15), (3, 3, 10), (1, 1, 6)]


# --- a reference composition: SciPy for convolutions, textbook formulas for the rest -----------


def reference_conv(x, bank, bias, stride, padding):
    padded = np.pad(x, ((padding, padding), (padding, padding), (0, 0)))
    maps = [
        sum(
            scipy.signal.correlate(padded[:, :, c], bank[n, :, :, c], mode="valid", method="direct")
            for c in range(x.shape[2])
        )[::stride, ::stride]
        + bias[n]
        for n in range(bank.shape[0])
    ]
    return np.stack(maps, axis=-1)


def reference_activation(x, name):
    return {
        "relu": lambda v: np.where(v > 0, v, 0.0),
        "step": lambda v: np.where(v > 0, 1.0, 0.0),
        "leaky_relu": lambda v: np.where(v > 0, v, 0.01 * v),
        "sigmoid": scipy.special.expit,
        "tanh": np.vectorize(math.tanh, otypes=[float]),
        "none": lambda v: v,
    }[name](x)


def reference_pool(x, size, mode):
    h, w, c = x.shape
    out_h, out_w = (h - size) // size + 1, (w - size) // size + 1
    out = np.zeros((out_h, out_w, c))
    for y in range(out_h):
        for xx in range(out_w):
            block = x[y * size : y * size + size, xx * size : xx * size + size]
            out[y, xx] = block.max(axis=(0, 1)) if mode == "max" else block.sum(axis=(0, 1)) / size**2
    return out


def reference_layer(x, spec):
    """One layer applied to ``x``, weights drawn as the engine promises: random_filters(N, k, k, C, seed), bias 0."""
    if spec.kind == "conv":
        bank = random_filters(spec.n_filters, spec.kernel, spec.kernel, x.shape[2], seed=spec.seed)
        return reference_conv(x, bank, np.zeros(spec.n_filters), spec.stride, spec.padding)
    if spec.kind == "activation":
        return reference_activation(x, spec.activation)
    return reference_pool(x, spec.pool_size, spec.pool_mode)


def reference_stack(image, specs):
    """Every stage's tensor, the layers composed from the image."""
    tensors = [image]
    for spec in specs:
        tensors.append(reference_layer(tensors[-1], spec))
    return tensors


# --- the founding chain -------------------------------------------------------------------------


def test_founding_chain_has_the_shapes_of_the_founding_text():
    stages = plan_shapes(founding_specs(), (5, 5, 1))
    assert [stage.shape for stage in stages] == FOUNDING_SHAPES


def test_running_the_founding_chain_gives_tensors_of_those_shapes():
    stages = run_stack(founding_image(), founding_specs())
    assert [stage.tensor.shape for stage in stages] == FOUNDING_SHAPES
    assert [stage.shape for stage in stages] == FOUNDING_SHAPES


def test_founding_chain_labels():
    stages = run_stack(founding_image(), founding_specs())
    assert [stage.label for stage in stages] == ["input", "15 x [3x3x1]", "ReLU", "10 x [1x1x15]", "6 x [3x3x10]"]


def test_founding_chain_matches_the_reference_composition_from_the_image():
    image = founding_image()
    stages = run_stack(image, founding_specs())
    for stage, expected in zip(stages, reference_stack(image, founding_specs()), strict=True):
        np.testing.assert_allclose(stage.tensor, expected, rtol=0, atol=1e-9)


def test_relu_stage_of_the_founding_chain_keeps_positive_values():
    stages = run_stack(founding_image(), founding_specs())
    before, after = stages[1].tensor, stages[2].tensor
    assert (before < 0).any() and (before > 1).any()  # a real test: negatives to remove, values above 1 to keep
    np.testing.assert_array_equal(after, np.maximum(before, 0.0))


def test_the_one_by_one_convolution_mixes_channels_at_each_pixel():
    stages = run_stack(founding_image(), founding_specs())
    x, out = stages[2].tensor, stages[3].tensor
    weights = stages[3].layer.filters[:, 0, 0, :]  # (10, 15)
    for y in range(3):
        for xx in range(3):
            np.testing.assert_allclose(
                out[y, xx],
                [sum(w * v for w, v in zip(row, x[y, xx], strict=True)) for row in weights],
                rtol=0,
                atol=1e-12,
            )


def test_founding_last_layer_is_a_dense_layer():
    stages = run_stack(founding_image(), founding_specs())
    last = stages[4].layer
    np.testing.assert_allclose(
        dense_equivalent(stages[3].tensor, last.filters, last.bias), stages[4].tensor[0, 0], rtol=0, atol=1e-12
    )


def test_layers_get_seeded_random_weights_and_zero_bias():
    layers = build_layers(founding_specs(), 1)
    np.testing.assert_array_equal(layers[0].filters, random_filters(15, 3, 3, 1, seed=1))
    np.testing.assert_array_equal(layers[2].filters, random_filters(10, 1, 1, 15, seed=2))
    np.testing.assert_array_equal(layers[3].filters, random_filters(6, 3, 3, 10, seed=3))
    assert layers[1].filters is None
    for layer in (layers[0], layers[2], layers[3]):
        np.testing.assert_array_equal(layer.bias, 0.0)


# --- random stacks ------------------------------------------------------------------------------


@st.composite
def stacks(draw):
    h, w, c = draw(st.integers(3, 12)), draw(st.integers(3, 12)), draw(st.sampled_from([1, 3]))
    image = draw(hnp.arrays(np.float64, (h, w, c), elements=st.floats(-2, 2)))
    specs = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "conv", "activation", "pool"]))
        if kind == "conv":
            specs.append(
                LayerSpec(
                    "conv",
                    n_filters=draw(st.integers(1, 5)),
                    kernel=draw(st.integers(1, 4)),
                    stride=draw(st.integers(1, 2)),
                    padding=draw(st.integers(0, 2)),
                    seed=draw(st.integers(0, 1000)),
                )
            )
        elif kind == "activation":
            specs.append(
                LayerSpec(
                    "activation",
                    activation=draw(st.sampled_from(["relu", "step", "leaky_relu", "sigmoid", "tanh", "none"])),
                )
            )
        else:
            specs.append(
                LayerSpec("pool", pool_size=draw(st.integers(1, 3)), pool_mode=draw(st.sampled_from(["max", "avg"])))
            )
    return image, specs


def expected_shapes(input_shape, specs):
    """The shape after each layer, or the 1-based number of the first layer that does not fit."""
    h, w, c = input_shape
    shapes = [(h, w, c)]
    for n, spec in enumerate(specs, start=1):
        if spec.kind == "conv":
            k, s, p = spec.kernel, spec.stride, spec.padding
            h, w, c = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1, spec.n_filters
        elif spec.kind == "pool":
            h, w = (h - spec.pool_size) // spec.pool_size + 1, (w - spec.pool_size) // spec.pool_size + 1
        if min(h, w) < 1:
            return n
        shapes.append((h, w, c))
    return shapes


@given(stacks())
def test_random_stacks_match_the_reference_layer_by_layer(case):
    image, specs = case
    expected = expected_shapes(image.shape, specs)
    if isinstance(expected, int):
        with pytest.raises(StackError, match=f"^Layer {expected}: ") as err:
            run_stack(image, specs)
        assert err.value.stage == expected
        return
    stages = run_stack(image, specs)
    assert [stage.shape for stage in stages] == expected
    np.testing.assert_array_equal(stages[0].tensor, image)
    # Layer by layer, each from the stage before it: the step function jumps at 0, so a 1e-17 rounding
    # difference upstream may rightly flip a value between 0 and 1; compared per layer it cannot.
    for before, after, spec in zip(stages[:-1], stages[1:], specs, strict=True):
        expected_tensor = reference_layer(before.tensor, spec)
        assert after.tensor.shape == expected_tensor.shape
        np.testing.assert_allclose(after.tensor, expected_tensor, rtol=1e-12, atol=1e-9)


@given(stacks())
def test_plan_shapes_agrees_with_the_shapes_the_stack_produces(case):
    image, specs = case
    expected = expected_shapes(image.shape, specs)
    if isinstance(expected, int):
        with pytest.raises(StackError) as err:
            plan_shapes(specs, image.shape)
        assert err.value.stage == expected
    else:
        assert [stage.shape for stage in plan_shapes(specs, image.shape)] == expected


# --- the dense view -----------------------------------------------------------------------------


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.integers(1, 6), st.data())
def test_full_size_filter_equals_dense_layer(kh, kw, c, n, data):
    x = data.draw(hnp.arrays(np.float64, (kh, kw, c), elements=st.floats(-5, 5)))
    bank = data.draw(hnp.arrays(np.float64, (n, kh, kw, c), elements=st.floats(-5, 5)))
    bias = data.draw(hnp.arrays(np.float64, (n,), elements=st.floats(-5, 5)))
    flat = x.reshape(-1)  # flatten in (row, column, channel) order
    matrix = np.stack([bank[i].reshape(-1) for i in range(n)])  # one row per filter
    explicit = matrix @ flat + bias
    looped = [
        bias[i] + sum(bank[i, u, v, ch] * x[u, v, ch] for u in range(kh) for v in range(kw) for ch in range(c))
        for i in range(n)
    ]
    dense = dense_equivalent(x, bank, bias)
    assert dense.shape == (n,)
    np.testing.assert_allclose(dense, explicit, rtol=0, atol=1e-9)
    np.testing.assert_allclose(dense, looped, rtol=0, atol=1e-9)
    np.testing.assert_allclose(conv2d(x, bank, bias)[0, 0], looped, rtol=0, atol=1e-9)


def test_dense_equivalent_without_bias():
    x = np.arange(12.0).reshape(2, 2, 3)
    bank = np.ones((2, 2, 2, 3))
    bank[1] = -1
    np.testing.assert_array_equal(dense_equivalent(x, bank), [66.0, -66.0])


def test_dense_equivalent_refuses_a_filter_that_is_not_full_size():
    with pytest.raises(ValueError, match="full-size filter"):
        dense_equivalent(np.zeros((3, 3, 2)), np.zeros((4, 3, 3, 1)))


@pytest.mark.parametrize(
    ("x", "bias", "words"),
    [
        (np.full((2, 2, 1), np.nan), None, "nan"),
        (np.full((2, 2, 1), 1e308), None, "too large"),
        (np.ones((2, 2, 1)), [1.0, 2.0, 3.0], "bias"),
    ],
)
def test_dense_equivalent_refuses_what_conv2d_refuses(x, bias, words):
    with pytest.raises(ValueError, match=re.compile(words, re.IGNORECASE)):
        dense_equivalent(x, np.ones((2, 2, 2, 1)), bias)


# --- errors naming the layer --------------------------------------------------------------------


def stack_error(stage: int, words: str):
    return pytest.raises(StackError, match=re.compile(rf"^Layer {stage}: .*{words}", re.IGNORECASE | re.DOTALL))


def test_kernel_larger_than_its_input_names_the_layer():
    specs = [
        LayerSpec("conv", n_filters=4, kernel=3),
        LayerSpec("activation"),
        LayerSpec("conv", n_filters=2, kernel=5),
    ]
    with stack_error(3, r"2 x \[5x5x4\] does not fit its 3x3x4 input.*spans 5") as err:
        plan_shapes(specs, (5, 5, 1))
    assert err.value.stage == 3
    assert isinstance(err.value, ValueError)


def test_stack_that_shrinks_to_nothing_names_the_first_layer_that_cannot_work():
    specs = [LayerSpec("conv", kernel=3)] * 4  # 9 -> 7 -> 5 -> 3 -> 1
    assert plan_shapes(specs, (9, 9, 1))[-1].shape == (1, 1, 1)
    with stack_error(5, "does not fit"):
        plan_shapes([*specs, LayerSpec("conv", kernel=3)], (9, 9, 1))
    with stack_error(5, "pool.*does not fit"):
        plan_shapes([*specs, LayerSpec("pool", pool_size=2)], (9, 9, 1))


def test_run_stack_refuses_before_computing_anything():
    with stack_error(2, "does not fit"):
        run_stack(np.zeros((4, 4, 1)), [LayerSpec("conv", kernel=3), LayerSpec("conv", kernel=3)])


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (LayerSpec("dense"), "unknown layer kind"),
        (LayerSpec("conv", n_filters=0), "number of filters"),
        (LayerSpec("conv", n_filters=65), "number of filters"),
        (LayerSpec("conv", kernel=0), "kernel size"),
        (LayerSpec("conv", kernel=8), "kernel size"),
        (LayerSpec("conv", stride=0), "stride"),
        (LayerSpec("conv", padding=-1), "padding"),
        (LayerSpec("activation", activation="softmax"), "unknown activation"),
        (LayerSpec("pool", pool_mode="min"), "pooling"),
        (LayerSpec("pool", pool_size=0), "pool size"),
        (LayerSpec("conv", n_filters=2.5), "number of filters"),
        (LayerSpec("conv", kernel="3"), "kernel size"),
        (LayerSpec("conv", stride=True), "stride"),
        (LayerSpec("conv", seed=-1), "seed"),
        (LayerSpec("conv", seed=1.5), "seed"),
        (LayerSpec("pool", pool_size=None), "pool size"),
    ],
)
def test_impossible_layer_values_name_the_layer(spec, words):
    specs = [LayerSpec("activation"), spec]
    with stack_error(2, words):
        plan_shapes(specs, (9, 9, 1))
    with stack_error(2, words):
        run_stack(np.zeros((9, 9, 1)), specs)


def test_something_that_is_not_a_layer_spec_is_refused():
    with stack_error(1, "layer"):
        plan_shapes([{"kind": "conv"}], (5, 5, 1))


@pytest.mark.parametrize("specs", [None, "conv", 3])
def test_specs_must_be_a_list_of_layers(specs):
    with pytest.raises(ValueError, match="list"):
        plan_shapes(specs, (5, 5, 1))


@pytest.mark.parametrize("shape", [(5, 5), (5, 5, 1, 1), (0, 5, 1), (5, 5, 0), (5.0, 5, 1), None])
def test_input_shape_must_be_three_positive_whole_numbers(shape):
    with pytest.raises(ValueError, match="input"):
        plan_shapes(founding_specs(), shape)


def test_too_many_layers_are_refused():
    with pytest.raises(StackError, match="at most 12 layers"):
        plan_shapes([LayerSpec("activation")] * 13, (5, 5, 1))


# --- pooling layers and arithmetic strings -----------------------------------------------------


def test_pooling_layers_divide_height_and_width():
    specs = [LayerSpec("pool", pool_size=2), LayerSpec("conv", n_filters=3, kernel=1), LayerSpec("pool", pool_size=3)]
    shapes = [stage.shape for stage in plan_shapes(specs, (12, 7, 3))]
    assert shapes == [(12, 7, 3), (6, 3, 3), (6, 3, 3), (2, 1, 3)]
    stages = run_stack(np.ones((12, 7, 3)), specs)
    assert [stage.tensor.shape for stage in stages] == shapes
    assert [stage.label for stage in stages][1:] == ["max pool 2x2", "3 x [1x1x3]", "max pool 3x3"]


def test_conv_label_mentions_stride_and_padding_only_when_not_default():
    assert LayerSpec("conv", n_filters=8, kernel=5).label(3) == "8 x [5x5x3]"
    assert LayerSpec("conv", n_filters=8, kernel=5, stride=2, padding=1).label(3) == "8 x [5x5x3], stride 2, padding 1"
    assert LayerSpec("conv", n_filters=8, kernel=5).label() == "8 x [5x5xC]"
    assert LayerSpec("activation", activation="leaky_relu").label() == "Leaky ReLU"
    assert LayerSpec("pool", pool_mode="avg", pool_size=3).label() == "avg pool 3x3"


def test_founding_chain_arithmetic_is_written_out():
    stages = plan_shapes(founding_specs(), (5, 5, 1))
    assert stages[0].arithmetic == "input 5x5x1"
    assert stages[1].arithmetic == "H: floor((5 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 3"
    assert stages[2].arithmetic == "an activation keeps the shape"
    assert stages[3].arithmetic == "H: floor((3 + 2*0 - 1*(1-1) - 1) / 1) + 1 = 3"
    assert stages[4].arithmetic == "H: floor((3 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 1"


def test_non_square_input_writes_both_axes():
    stages = plan_shapes([LayerSpec("conv", kernel=3, stride=2, padding=1)], (6, 9, 1))
    assert stages[1].arithmetic == (
        "H: floor((6 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 3; W: floor((9 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 5"
    )


@given(st.integers(1, 50), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_size_arithmetic_evaluates_to_the_number_it_states(i, k, s, p, d):
    if i + 2 * p < d * (k - 1) + 1:
        return
    text = size_arithmetic(i, k, stride=s, padding=p, dilation=d)
    formula, stated = text.rsplit(" = ", 1)
    inner = re.fullmatch(r"floor\((.*)\) \+ 1", formula).group(1)
    numerator, denominator = inner.rsplit(" / ", 1)
    value = math.floor(eval(numerator.strip("()")) / int(denominator)) + 1  # only digits and + - * ( )
    assert (
        value
        == int(stated)
        == conv2d(np.zeros((i, 1)), np.zeros((k, 1)), stride=s, padding=(p, 0), dilation=(d, 1)).shape[0]
    )
