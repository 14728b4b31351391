"""Layer kinds (visualizer.layers.KINDS): shapes, labels, batched forward against the checked engine,
backward against finite differences, starting weights, and that a new kind is one entry of KINDS."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from finite_differences import numeric_grad
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from visualizer import network
from visualizer.layers import KINDS, STACK_KINDS, LayerKind, StackError
from visualizer.network import LayerSpec, plan_shapes, run_stack


@st.composite
def layer_cases(draw):
    """A spec of any kind, an input batch it fits, and weights drawn from its kind."""
    kind = draw(st.sampled_from(["conv", "activation", "pool"]))
    if kind == "conv":
        spec = LayerSpec("conv", n_filters=draw(st.integers(1, 4)), kernel=draw(st.integers(1, 3)),
                         stride=draw(st.integers(1, 2)), padding=draw(st.integers(0, 1)))
    elif kind == "activation":
        names = ["relu", "leaky_relu", "sigmoid", "tanh", "none"]
        spec = LayerSpec("activation", activation=draw(st.sampled_from(names)))
    else:
        spec = LayerSpec("pool", pool_size=draw(st.integers(1, 3)), pool_mode=draw(st.sampled_from(["max", "avg"])))
    b, h, w, c = draw(st.integers(1, 3)), draw(st.integers(3, 7)), draw(st.integers(3, 7)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.permutation(b * h * w * c).reshape(b, h, w, c) / (b * h * w * c) * 4 - 2  # distinct values: no ties
    x[np.abs(x) < 1e-3] = 0.7  # away from ReLU's kink
    params = KINDS[kind].init_params(spec, c, rng)
    if "bias" in params:
        params["bias"] = rng.standard_normal(params["bias"].shape)
    return spec, x, params, rng


@settings(max_examples=30)
@given(layer_cases())
def test_forward_has_the_planned_shape_and_equals_the_checked_engine_image_by_image(case):
    spec, x, params, _ = case
    kind = KINDS[spec.kind]
    shape, _ = kind.out_shape(spec, x.shape[1:], 1)
    y, _ = kind.forward(spec, params, x)
    assert y.shape == (x.shape[0], *shape)
    for xi, yi in zip(x, y, strict=True):
        np.testing.assert_allclose(yi, kind.apply(spec, params, xi), rtol=0, atol=1e-12)


@settings(max_examples=30)
@given(layer_cases())
def test_backward_matches_finite_differences(case):
    spec, x, params, rng = case
    kind = KINDS[spec.kind]
    y, cache = kind.forward(spec, params, x)
    g = rng.standard_normal(y.shape)
    grad_x, grads = kind.backward(spec, params, cache, g)

    def loss():
        return float((kind.forward(spec, params, x)[0] * g).sum())

    np.testing.assert_allclose(grad_x, numeric_grad(loss, x), rtol=1e-6, atol=1e-7)
    assert set(grads) == set(params)
    for name, value in params.items():
        np.testing.assert_allclose(grads[name], numeric_grad(loss, value), rtol=1e-6, atol=1e-7)


def test_labels_and_titles_of_each_kind():
    assert KINDS["conv"].label(LayerSpec("conv", n_filters=15, kernel=3), 1) == "15 x [3x3x1]"
    assert KINDS["activation"].label(LayerSpec("activation", activation="relu")) == "ReLU"
    assert KINDS["pool"].label(LayerSpec("pool", pool_size=2, pool_mode="max")) == "max pool 2x2"
    assert [KINDS[k].title for k in STACK_KINDS] == ["Convolution", "Activation", "Pooling"]
    assert list(KINDS)[:3] == list(STACK_KINDS) == ["conv", "activation", "pool"]


def test_out_shape_writes_the_arithmetic_and_names_the_stage_that_does_not_fit():
    shape, text = KINDS["conv"].out_shape(LayerSpec("conv", n_filters=15, kernel=3), (5, 5, 1), 1)
    assert shape == (3, 3, 15)
    assert text == "H: floor((5 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 3"
    with pytest.raises(StackError, match="Layer 4: 2 x \\[5x5x3\\] does not fit its 3x3x3 input") as err:
        KINDS["conv"].out_shape(LayerSpec("conv", n_filters=2, kernel=5), (3, 3, 3), 4)
    assert err.value.stage == 4


def test_he_initialisation_has_the_variance_of_two_over_fan_in():
    spec = LayerSpec("conv", n_filters=64, kernel=7)
    params = KINDS["conv"].init_params(spec, 8, 0)
    fan_in = 7 * 7 * 8
    assert params["filters"].shape == (64, 7, 7, 8)
    assert abs(params["filters"].std() / np.sqrt(2 / fan_in) - 1) < 0.03  # 25,088 draws
    assert abs(params["filters"].mean()) < 0.01
    np.testing.assert_array_equal(params["bias"], 0.0)
    np.testing.assert_array_equal(params["filters"], KINDS["conv"].init_params(spec, 8, 0)["filters"])
    assert KINDS["activation"].init_params(LayerSpec("activation"), 3, 0) == {}


def test_weights_of_the_wrong_shape_are_refused_naming_the_layer():
    specs = [LayerSpec("conv", n_filters=2, kernel=3), LayerSpec("activation")]
    bad = [{"filters": np.zeros((2, 3, 3, 2)), "bias": np.zeros(2)}, {}]
    with pytest.raises(StackError, match=r"Layer 1: the filters must be finite numbers of shape \(2, 3, 3, 1\)"):
        run_stack(np.zeros((5, 5, 1)), specs, bad)
    nan = [{"filters": np.full((2, 3, 3, 1), np.nan), "bias": np.zeros(2)}, {}]
    with pytest.raises(StackError, match="finite"):
        run_stack(np.zeros((5, 5, 1)), specs, nan)


class Negate(LayerKind):
    """A kind that exists only in this test: y = -x."""

    name, title = "negate", "Negate"

    def apply(self, spec, params, image):
        return -image

    def forward(self, spec, params, x):
        return -x, None

    def backward(self, spec, params, cache, grad_y):
        return -grad_y, {}


def test_a_new_kind_is_one_entry_in_kinds(monkeypatch):
    monkeypatch.setitem(KINDS, "negate", Negate())
    specs = [LayerSpec("conv", n_filters=2, kernel=3), LayerSpec("negate")]
    stages = run_stack(np.ones((4, 4, 1)), specs)
    assert [s.shape for s in plan_shapes(specs, (4, 4, 1))] == [(4, 4, 1), (2, 2, 2), (2, 2, 2)]
    assert stages[2].label == "Negate"
    np.testing.assert_array_equal(stages[2].tensor, -stages[1].tensor)


def test_network_dispatches_through_kinds_without_testing_kind_names():
    assert "kind ==" not in inspect.getsource(network)


@given(st.integers(1, 9), st.integers(1, 3))
def test_pool_that_does_not_divide_drops_the_last_rows_like_pool2d(h, size):
    assume(size <= h)
    x = np.arange(h * 5 * 2, dtype=float).reshape(1, h, 5, 2)
    spec = LayerSpec("pool", pool_size=size)
    y, _ = KINDS["pool"].forward(spec, {}, x)
    assert y.shape == (1, h // size, 5 // size, 2)
