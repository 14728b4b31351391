"""Gradients: conv2d_grad and conv_transpose2d against central finite differences, the adjoint identity,
a plain loop that stamps kernels, and PyTorch; activation, pooling gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import numeric_grad
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from visualizer import conv2d, conv2d_grad, conv_transpose2d
from visualizer.activations import ACTIVATIONS
from visualizer.grad import activation_backward, pool_backward, pool_forward


def batch_conv(x, w, b, s, p, d):
    """The checked single-image conv2d of the engine, image by image."""
    return np.stack([conv2d(xi, w, b, stride=s, padding=p, dilation=d) for xi in x])


@st.composite
def conv_cases(draw):
    """A batch, a non-square bank and hyper-parameters (pairs, so the two axes differ) that fit."""
    b, c, n = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    assume(h + 2 * p[0] >= d[0] * (kh - 1) + 1 and w + 2 * p[1] >= d[1] * (kw - 1) + 1)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal((b, h, w, c)), rng.standard_normal((n, kh, kw, c)), s, p, d, rng


# --- conv2d_grad ---------------------------------------------------------------------------------


@settings(max_examples=25)
@given(conv_cases())
def test_conv2d_grad_matches_finite_differences(case):
    x, w, s, p, d, rng = case
    bias = rng.standard_normal(w.shape[0])
    g = rng.standard_normal(batch_conv(x, w, bias, s, p, d).shape)

    def loss():
        return float((batch_conv(x, w, bias, s, p, d) * g).sum())

    grad_x, grad_w, grad_b = conv2d_grad(x, w, g, stride=s, padding=p, dilation=d)
    assert grad_x.shape == x.shape and grad_w.shape == w.shape and grad_b.shape == bias.shape
    np.testing.assert_allclose(grad_x, numeric_grad(loss, x), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad_w, numeric_grad(loss, w), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad_b, numeric_grad(loss, bias), rtol=1e-6, atol=1e-6)


def test_conv2d_grad_of_a_single_image_keeps_its_shape():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((6, 5, 2)), rng.standard_normal((3, 3, 2, 2))
    g = rng.standard_normal((4, 4, 3))
    grad_x, grad_w, _ = conv2d_grad(x, w, g)
    batched = conv2d_grad(x[None], w, g[None])
    assert grad_x.shape == (6, 5, 2)
    np.testing.assert_array_equal(grad_x, batched[0][0])
    np.testing.assert_array_equal(grad_w, batched[1])


def test_conv2d_grad_of_filters_is_the_input_correlated_with_the_output_gradient():
    """For one channel and one filter, grad_filters[u, v] = sum over (y, x) of x[y + u, x + v] * g[y, x]."""
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((6, 7, 1)), rng.standard_normal((4, 5, 1))
    _, grad_w, _ = conv2d_grad(x, np.zeros((1, 3, 3, 1)), g)
    expected = [[(x[u : u + 4, v : v + 5, 0] * g[:, :, 0]).sum() for v in range(3)] for u in range(3)]
    np.testing.assert_allclose(grad_w[0, :, :, 0], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("grad_shape", "words"), [((4, 4, 2), "output shape"), ((1, 4, 4, 3), "output shape")]
)
def test_conv2d_grad_refuses_a_gradient_of_the_wrong_shape(grad_shape, words):
    with pytest.raises(ValueError, match=words):
        conv2d_grad(np.zeros((6, 6, 1)), np.zeros((3, 3, 3, 1)), np.zeros(grad_shape))


# --- conv_transpose2d ----------------------------------------------------------------------------


def stamp_loop(x, w, s, p, d, op):
    """The definition: every input value stamps its filter, scaled, onto the output; overlaps add up."""
    b, h, wd, n = x.shape
    _, kh, kw, c = w.shape
    ho = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
    wo = (wd - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
    out = np.zeros((b, ho, wo, c))
    for bi in range(b):
        for y in range(h):
            for xx in range(wd):
                for k in range(n):
                    for u in range(kh):
                        for v in range(kw):
                            oy, ox = y * s[0] - p[0] + u * d[0], xx * s[1] - p[1] + v * d[1]
                            if 0 <= oy < ho and 0 <= ox < wo:
                                out[bi, oy, ox] += x[bi, y, xx, k] * w[k, u, v]
    return out


def fitting_output_padding(x_shape, w_shape, s, p, d):
    """The output_padding that makes conv_transpose2d give back conv2d's input size."""
    h, w = x_shape[1:3]
    kh, kw = w_shape[1:3]
    axes = zip((h, w), (kh, kw), s, p, d, strict=True)
    return tuple((i + 2 * pi - di * (k - 1) - 1) % si for i, k, si, pi, di in axes)


@settings(max_examples=25)
@given(conv_cases())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(case):
    x, w, s, p, d, rng = case
    y = rng.standard_normal(batch_conv(x, w, None, s, p, d).shape)
    op = fitting_output_padding(x.shape, w.shape, s, p, d)
    back = conv_transpose2d(y, w, stride=s, padding=p, dilation=d, output_padding=op)
    assert back.shape == x.shape
    np.testing.assert_allclose((batch_conv(x, w, None, s, p, d) * y).sum(), (x * back).sum(), rtol=1e-10, atol=1e-10)


@settings(max_examples=25)
@given(conv_cases(), st.data())
def test_conv_transpose2d_stamps_the_kernel_onto_the_output(case, data):
    x, w, s, p, d, rng = case
    y = rng.standard_normal((x.shape[0], x.shape[1], x.shape[2], w.shape[0]))
    op = tuple(data.draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True))
    sizes = [(i - 1) * si - 2 * pi + di * (k - 1) + o + 1 for i, k, si, pi, di, o in
             zip(y.shape[1:3], w.shape[1:3], s, p, d, op, strict=True)]
    assume(min(sizes) >= 1)
    ours = conv_transpose2d(y, w, stride=s, padding=p, dilation=d, output_padding=op)
    np.testing.assert_allclose(ours, stamp_loop(y, w, s, p, d, op), rtol=0, atol=1e-12)


def test_conv_transpose2d_of_one_value_is_its_filter_scaled():
    w = np.arange(1.0, 7.0).reshape(1, 2, 3, 1)
    out = conv_transpose2d(np.full((1, 1, 1), 2.0), w)
    np.testing.assert_array_equal(out[:, :, 0], 2.0 * w[0, :, :, 0])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"stride": 2, "output_padding": 2}, "output_padding"),
        ({"padding": 5}, "use less padding"),
        ({"stride": 0}, "stride"),
    ],
)
def test_conv_transpose2d_refuses_impossible_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        conv_transpose2d(np.ones((3, 3, 2)), np.ones((2, 3, 3, 1)), **kwargs)


@pytest.mark.parametrize("bad", [np.full((3, 3, 2), np.nan), np.zeros((0, 3, 2)), np.zeros((3, 2)), "x"])
def test_bad_inputs_get_a_message(bad):
    with pytest.raises(ValueError, match="the input"):
        conv_transpose2d(bad, np.ones((2, 3, 3, 1)))
    with pytest.raises(ValueError, match="the input"):
        conv2d_grad(bad, np.ones((2, 1, 1, 2)), np.ones((3, 3, 2)))


def test_work_beyond_the_size_limit_is_refused_before_it_starts():
    with pytest.raises(ValueError, match="too large"):
        conv_transpose2d(np.ones((1, 1, 1)), np.ones((1, 3, 3, 1)), stride=1, dilation=5000)
    with pytest.raises(ValueError, match="too large"):
        conv2d_grad(np.ones((2000, 2000, 1)), np.ones((1, 7, 7, 1)), np.ones((1994, 1994, 1)))


def test_conv_transpose2d_needs_one_input_channel_per_filter():
    with pytest.raises(ValueError, match="one channel per filter"):
        conv_transpose2d(np.ones((3, 3, 3)), np.ones((2, 3, 3, 1)))


# --- against PyTorch -----------------------------------------------------------------------------


@settings(max_examples=20)
@given(conv_cases(), st.data())
def test_conv_transpose2d_matches_torch(case, data):
    torch = pytest.importorskip("torch")
    x, w, s, p, d, rng = case
    op = tuple(data.draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True))
    y = rng.standard_normal((x.shape[0], x.shape[1], x.shape[2], w.shape[0]))
    sizes = [(i - 1) * si - 2 * pi + di * (k - 1) + o + 1 for i, k, si, pi, di, o in
             zip(y.shape[1:3], w.shape[1:3], s, p, d, op, strict=True)]
    assume(min(sizes) >= 1)
    expected = torch.nn.functional.conv_transpose2d(
        torch.from_numpy(y.transpose(0, 3, 1, 2)), torch.from_numpy(w.transpose(0, 3, 1, 2)),
        stride=s, padding=p, dilation=d, output_padding=op,
    ).numpy().transpose(0, 2, 3, 1)
    ours = conv_transpose2d(y, w, stride=s, padding=p, dilation=d, output_padding=op)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)


@settings(max_examples=20)
@given(conv_cases())
def test_conv2d_grad_matches_torch_autograd(case):
    torch = pytest.importorskip("torch")
    x, w, s, p, d, rng = case
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    wt = torch.tensor(w.transpose(0, 3, 1, 2), requires_grad=True)
    bt = torch.zeros(w.shape[0], dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p, dilation=d)
    g = rng.standard_normal(tuple(out.shape))
    (out * torch.from_numpy(g)).sum().backward()
    grad_x, grad_w, grad_b = conv2d_grad(x, w, g.transpose(0, 2, 3, 1), stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(grad_x, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(grad_w, wt.grad.numpy().transpose(0, 2, 3, 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(grad_b, bt.grad.numpy(), rtol=0, atol=1e-12)


# --- activations and pooling ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "tanh", "none"])
def test_activation_gradients_match_finite_differences(name):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4, 2))
    x[np.abs(x) < 1e-3] = 0.5  # away from the kink of ReLU, where the derivative does not exist
    g = rng.standard_normal(x.shape)
    f = ACTIVATIONS[name]
    grad = activation_backward(name, x, f(x), g)
    np.testing.assert_allclose(grad, numeric_grad(lambda: float((f(x) * g).sum()), x), rtol=1e-6, atol=1e-8)


def test_relu_gradient_passes_where_the_input_is_positive_and_stops_elsewhere():
    x = np.array([-2.0, -0.1, 0.3, 5.0]).reshape(1, 1, 4, 1)
    grad = activation_backward("relu", x, np.maximum(x, 0), np.full(x.shape, 7.0))
    np.testing.assert_array_equal(grad.ravel(), [0.0, 0.0, 7.0, 7.0])


def test_the_binary_step_passes_no_gradient():
    x = np.linspace(-1, 1, 8).reshape(1, 2, 4, 1)
    assert not activation_backward("step", x, (x > 0) * 1.0, np.ones_like(x)).any()


@settings(max_examples=25)
@given(st.integers(1, 2), st.integers(2, 7), st.integers(2, 7), st.integers(1, 2), st.integers(1, 3),
       st.sampled_from(["max", "avg"]), st.integers(0, 2**32 - 1))
def test_pooling_gradients_match_finite_differences(b, h, w, c, size, mode, seed):
    assume(size <= min(h, w))
    x = np.random.default_rng(seed).permutation(b * h * w * c).reshape(b, h, w, c) / 7.0  # no ties
    g = np.random.default_rng(seed + 1).standard_normal((b, h // size, w // size, c))
    y, cache = pool_forward(x, size, mode)
    expected = np.stack([
        np.stack([x[bi, i * size : (i + 1) * size, j * size : (j + 1) * size].max(axis=(0, 1)) if mode == "max"
                  else x[bi, i * size : (i + 1) * size, j * size : (j + 1) * size].mean(axis=(0, 1))
                  for j in range(w // size)], axis=0)
        for bi in range(b) for i in range(h // size)
    ]).reshape(y.shape)
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-12)
    grad = pool_backward(cache, g)
    numeric = numeric_grad(lambda: float((pool_forward(x, size, mode)[0] * g).sum()), x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


def test_max_pool_gives_a_tied_window_gradient_to_its_first_maximum_like_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 3.0], [3.0, 0.0]]).reshape(1, 2, 2, 1)
    _, cache = pool_forward(x, 2, "max")
    ours = pool_backward(cache, np.ones((1, 1, 1, 1)))
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    torch.nn.functional.max_pool2d(xt, 2).sum().backward()
    np.testing.assert_array_equal(ours, xt.grad.numpy().transpose(0, 2, 3, 1))
    assert ours.sum() == 1.0


# --- padding="same" with an even kernel (visualizer/conv.py) ---------------------------------------


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch notes it copies the input to pad it
@pytest.mark.parametrize(("kh", "kw", "dilation"), [(2, 2, 1), (4, 3, 1), (2, 5, 1), (3, 2, 2), (4, 4, 3)])
def test_same_padding_with_an_even_span_pads_the_bottom_right_more_like_torch(kh, kw, dilation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(kh * 10 + kw)
    x, w = rng.standard_normal((7, 8, 2)), rng.standard_normal((3, kh, kw, 2))
    ours = conv2d(x, w, padding="same", dilation=dilation)
    expected = torch.nn.functional.conv2d(
        torch.from_numpy(x.transpose(2, 0, 1)[None]), torch.from_numpy(w.transpose(0, 3, 1, 2)),
        padding="same", dilation=dilation,
    )[0].numpy().transpose(1, 2, 0)
    assert ours.shape == (7, 8, 3)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("kh", "kw"), [(3, 3), (2, 2), (4, 3)])
def test_same_padding_with_a_stride_pads_as_at_stride_one_then_strides(kh, kw):
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal((7, 8, 1)), rng.standard_normal((2, kh, kw, 1))
    strided = conv2d(x, w, padding="same", stride=2)
    assert strided.shape == (4, 4, 2)  # ceil(7 / 2) x ceil(8 / 2)
    np.testing.assert_array_equal(strided, conv2d(x, w, padding="same")[::2, ::2])


def test_views_that_pad_every_side_alike_refuse_an_even_same_padding_with_the_reason():
    with pytest.raises(ValueError, match="bottom or right"):
        conv2d_grad(np.ones((6, 6, 1)), np.ones((1, 2, 2, 1)), np.ones((6, 6, 1)), padding="same")
