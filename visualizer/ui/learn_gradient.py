"""Where a filter's gradient comes from: for the first layer, ``grad_filters[n]`` is the input correlated with
the gradient of output channel n, one more sliding window, animated with the studio's figure and checked
against :func:`visualizer.grad.conv2d_grad` on the spot."""

from __future__ import annotations

import numpy as np
import streamlit as st

from visualizer import learn, trace_convolution
from visualizer.figures import kernel_figure, sliding_figure
from visualizer.figures.maps import fmt_number
from visualizer.grad import conv2d_grad
from visualizer.layers import KINDS
from visualizer.text import md_text

from .common import error_boundary
from .learn_common import PLOT_CONFIG, cached_split

FRAME_MS = 700


def first_layer_gradient(model: learn.Model, image: np.ndarray, label: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Backpropagate the loss of one image down to the first layer's output.

    Inputs: image ``(H, W, C)``; label: its true class.
    Returns ``(loss, grad_out, grad_filters)``: grad_out ``(H', W', N)`` is dLoss/d(first layer's output),
    grad_filters ``(N, kh, kw, C)`` what the first layer's own backward pass makes of it.
    """
    x = np.asarray(image, dtype=np.float64)[None]
    caches = []
    for spec, params in zip(model.specs, model.params, strict=True):
        x, cache = KINDS[spec.kind].forward(spec, params, x)
        caches.append(cache)
    loss, grad = learn.softmax_cross_entropy(x.reshape(1, -1), np.array([label]))
    grad = grad.reshape(x.shape)
    for i in range(len(model.specs) - 1, 0, -1):
        grad, _ = KINDS[model.specs[i].kind].backward(model.specs[i], model.params[i], caches[i], grad)
    _, grads = KINDS[model.specs[0].kind].backward(model.specs[0], model.params[0], caches[0], grad)
    return float(loss), grad[0], grads["filters"]


def gradient_section(model: learn.Model, name: str) -> None:
    """Pick a held-out image and a filter; watch its gradient being made by sliding."""
    ss = st.session_state
    first = model.specs[0]
    if first.kind != "conv" or first.stride != 1 or first.padding != 0:
        st.info("This view needs a first layer that is a convolution with stride 1 and no padding.")
        return
    _, test = cached_split(name)
    n_images = len(test.labels)
    filters = model.params[0]["filters"]
    c1, c2 = st.columns(2)
    i = int(c1.number_input(f"Held-out image (0 to {n_images - 1})", 0, n_images - 1, 0, key="learn_grad_image"))
    ss["learn_grad_filter"] = int(np.clip(ss.get("learn_grad_filter", 0), 0, filters.shape[0] - 1))
    n = int(c2.selectbox("Filter n of the first layer", range(filters.shape[0]), key="learn_grad_filter"))
    image, label = test.images[i], int(test.labels[i])
    loss, grad_out, grad_filters = first_layer_gradient(model, image, label)
    st.markdown(
        f"Training asks, for every weight, how the loss (here {fmt_number(loss)}, for this image of class "
        f"\"{md_text(test.class_names[label], limit=24)}\") changes when the weight moves a little. For "
        f"filter {n} the answer is again a sliding window: slide the **gradient of output channel {n}** "
        f"({'x'.join(map(str, grad_out.shape[:2]))}, dLoss/dout[y, x, {n}]) over the **input image**, multiply and "
        f"add. Each sum is one entry of dLoss/dw[{n}], because weight w[{n}, u, v] met pixel in[y + u, x + v] "
        f"once for every output cell (y, x):\n\n"
        f"`dLoss/dw[{n}, u, v] = sum over (y, x) of in[y + u, x + v] * dLoss/dout[y, x, {n}]`\n\n"
        "In the animation below the panel called *kernel* holds that gradient, and the *output* fills in with "
        f"the {filters.shape[1]}x{filters.shape[2]} gradient of filter {n}."
    )
    kernel = grad_out[:, :, n][:, :, None]
    trace = trace_convolution(image, kernel, 0.0)
    with error_boundary("gradient animation"):
        st.plotly_chart(sliding_figure(trace, frame_ms=FRAME_MS, channel_labels=["in"]), key="learn_grad_sliding",
                        config=PLOT_CONFIG)
    by_sliding = trace.output
    by_backward = grad_filters[n, :, :, 0]
    _, by_conv_grad, _ = conv2d_grad(image, filters, grad_out)
    d1 = float(np.max(np.abs(by_sliding - by_backward)))
    d2 = float(np.max(np.abs(by_sliding - by_conv_grad[n, :, :, 0])))
    c1, c2 = st.columns(2)
    with c1, error_boundary("gradient"):
        st.markdown(f"**dLoss/dw[{n}] from `conv2d_grad`**")
        st.plotly_chart(kernel_figure(by_conv_grad[n]), key="learn_grad_kernel", config=PLOT_CONFIG)
    with c2:
        st.markdown("**Check, computed now**")
        st.text(f"sliding window vs conv2d_grad: largest difference {d2:.1e}\n"
                f"sliding window vs the layer's backward pass: largest difference {d1:.1e}")
        if max(d1, d2) <= 1e-9:
            st.success("Equal (to float64 rounding): the gradient of a filter is the input correlated with its "
                       "output's gradient.")
        else:
            st.error(f"The two differ by {max(d1, d2):.3g}: this should never happen; please report it.")
        st.caption("A training step then moves every weight a little against its gradient: "
                   "w ← w − learning rate × dLoss/dw (Adam also scales each step by running averages).")

