"""The network view's inspector: one stage explained, its tensor, and how it is made from the stage before.

A convolution stage gets the studio's sliding animation for any of its filters; a 1x1 convolution also
gets the channel-mixing view; a convolution as large as its input also gets the dense-layer view, with
the check that both give the same numbers computed on the spot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from visualizer import RELU_VS_STEP, dense_equivalent
from visualizer.activations import LEAKY_SLOPE
from visualizer.figures import image_figure, sliding_figure, tensor_figure
from visualizer.figures.network import MAX_MIX_FRAMES, channel_mixing_figure, dense_figure, fmt, mixing_pixels
from visualizer.network import Stage

from .common import cached_trace, clicked_customdata, error_boundary, shape_label

GENERAL_FORMULA = (
    "out[y, x, n] = b[n] + sum over (u, v, c) of in[y*s + u*d, x*s + v*d, c] * w[n, u, v, c]\n"
    "output size per side = floor((i + 2p - d(k-1) - 1) / s) + 1"
)
MAX_TENSOR_CHANNELS = 32
TENSOR_HEIGHT = 420
FRAME_MS = 600

WIDTH_KEY = "net_diagram_width"  # the network column's width, as the page reports it (player.column_width)


def column_px() -> int | None:
    """The width the page reported for the network view's column (None before it has): figures fit it."""
    value = st.session_state.get(WIDTH_KEY)
    width = value.get("width") if isinstance(value, dict) else None
    return int(width) if isinstance(width, (int, float)) and not isinstance(width, bool) and width >= 150 else None


def stage_name(stage: Stage) -> str:
    """A short name for the tensor of a stage, written under its box."""
    if stage.layer is None:
        return "input"
    view = VIEWS.get(stage.layer.spec.kind)
    return stage.label if view is None else view.stage_name(stage)


def arithmetic_text(stage: Stage) -> str:
    """The stage's size arithmetic, one line per side; a square stage needs it once (no "H:" prefix)."""
    if "; W:" in stage.arithmetic:
        return stage.arithmetic.replace("; ", "\n")
    return stage.arithmetic.removeprefix("H: ")


def is_full_size(stage: Stage, before: Stage) -> bool:
    """True when a convolution's filters are as large as their (unpadded) input: one position, one number each."""
    spec = stage.layer.spec
    h, w, _ = before.shape
    return stage.layer.filters is not None and spec.padding == 0 and spec.kernel == h == w


# ---------------------------------------------------------------------------------------------- texts


def _conv_text(stage: Stage, before: Stage) -> str:
    spec = stage.layer.spec
    h, w, c = before.shape
    n, k = spec.n_filters, spec.kernel
    if is_full_size(stage, before):
        return (
            f"Each of the {n} filters is as large as its input ({k}x{k}x{c}), so it fits in one position only and "
            f"gives a single number: {n} filters give {n} numbers, a 1x1x{n} output. That is exactly a dense (fully "
            f"connected) layer: flatten the {k * k * c} input values and multiply them by a {n} x {k * k * c} "
            "matrix whose rows are the flattened filters. Both ways are computed below and compared."
        )
    if k == 1:
        return (
            f"A 1x1 filter covers one pixel, so it never looks at neighbours: at each pixel it takes the {c} "
            f"channel values there, multiplies each by one weight and adds them up (a dot product). {n} filters "
            f"make {n} dot products at every pixel: the channels are mixed, from {c} to {n}, while height and "
            f"width stay {h}x{w}."
        )
    moves = f"moving {spec.stride} pixel{'s' if spec.stride > 1 else ''} at a time"
    pad = f", over the input with {spec.padding} ring{'s' if spec.padding > 1 else ''} of zeros around it" if (
        spec.padding) else ""
    return (
        f"Each of the {n} filters is a {k}x{k}x{c} block of weights: as many channels as its input ({c}). It "
        f"slides over the input, {moves}{pad}; at each position the {k * k * c} input values under it are "
        f"multiplied by its weights and added up, plus the filter's bias, giving one number. One filter makes "
        f"one output channel, so {n} filters make {n} channels."
    )


def _activation_text(name: str) -> str:
    texts = {
        "relu": "ReLU (rectified linear unit) is max(0, x), applied to every value on its own: positive values "
                "pass unchanged, negative values become 0. The shape does not change. Turning every positive "
                "value into 1, as some texts describe ReLU, is a different function: the binary step.",
        "step": "This is the binary step, 1 where x > 0 and 0 elsewhere, applied to every value: it is not "
                "ReLU. " + RELU_VS_STEP,
        "leaky_relu": f"Leaky ReLU keeps positive values and multiplies negative ones by {LEAKY_SLOPE}, so they "
                      "stay slightly negative instead of becoming 0. The shape does not change.",
        "sigmoid": "The sigmoid 1 / (1 + e^-x) squashes every value into (0, 1): 0 becomes 0.5, large positive "
                   "values come near 1 and large negative ones near 0. The shape does not change.",
        "tanh": "tanh squashes every value into (-1, 1) and keeps its sign; 0 stays 0. The shape does not change.",
        "none": "No activation: every value passes unchanged.",
    }
    return texts.get(name, "An activation function, applied to every value on its own; the shape does not change.")


def _pool_text(stage: Stage, before: Stage) -> str:
    spec = stage.layer.spec
    p, c = spec.pool_size, before.shape[2]
    keep = "its largest value" if spec.pool_mode == "max" else "the average of its values"
    return (
        f"{'Max' if spec.pool_mode == 'max' else 'Average'} pooling looks at each {p}x{p} window (the windows do "
        f"not overlap: stride {p}) and keeps {keep}, channel by channel. Height and width shrink about {p} "
        f"times; the {c} channel{'s stay' if c > 1 else ' stays'}. No weights are learned here."
    )


def _activation_stage_text(stage: Stage, before: Stage) -> str:
    negative = int(np.sum(before.tensor < 0))
    count = f"Here {negative} of the {before.tensor.size} values coming in are negative."
    return f"{_activation_text(stage.layer.spec.activation)}\n\n{count}"


@dataclass(frozen=True)
class KindView:
    """How the inspector presents a stage made by one layer kind (what the kind computes lives in
    :data:`visualizer.layers.KINDS`; this is only its explanation)."""

    stage_name: Callable[[Stage], str]  # the short name under the stage's box
    text: Callable[[Stage, Stage], str]  # the stage in words, from (stage, the stage before)
    general_formula: bool  # show the general convolution formulas beside the arithmetic


VIEWS: dict[str, KindView] = {
    "conv": KindView(lambda s: "conv output", _conv_text, True),
    "activation": KindView(lambda s: f"after {s.label}", _activation_stage_text, False),
    "pool": KindView(lambda s: "pooled", _pool_text, False),
}


def _input_text(stage: Stage) -> str:
    h, w, c = stage.shape
    binary = bool(np.isin(stage.tensor, (0.0, 1.0)).all())
    values = "each pixel is 0 (black) or 1 (white)" if binary else "values go from 0 (black) to 1 (white)"
    return (
        f"The input: {h}x{w} pixels with {c} channel{'s' if c > 1 else ''} ({'RGB' if c == 3 else 'grayscale'}); "
        f"{values}. Shapes are written [height x width x channels]."
    )


# --------------------------------------------------------------------------------------------- views


def _tensor(tensor: np.ndarray, title: str, key: str) -> None:
    fig = tensor_figure(tensor, title=title, max_channels=MAX_TENSOR_CHANNELS, width_px=column_px())
    st.plotly_chart(fig, key=key, config={"displayModeBar": False, "scrollZoom": False})
    if tensor.shape[2] > MAX_TENSOR_CHANNELS:
        st.caption(f"The first {MAX_TENSOR_CHANNELS} of {tensor.shape[2]} channels.")


def _on_sliding_click() -> None:
    step = clicked_customdata(st.session_state.get("net_sliding"))
    if step is not None:
        st.session_state["net_step"] = step + 1  # the slider counts from 1


@st.fragment
@error_boundary("sliding animation")  # inside the fragment: Streamlit shows a fragment's own errors first
def sliding_section(x: np.ndarray, filters: np.ndarray, bias: np.ndarray, stride: int, padding: int) -> None:
    """The studio's sliding animation for one filter of the layer, chosen by its output channel n."""
    ss = st.session_state
    nf = filters.shape[0]
    ss["net_filter"] = int(np.clip(ss.get("net_filter", 0), 0, nf - 1))
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    # Filters are counted from 1 wherever a person reads them, as in the studio (n is the 0-based index in formulas).
    n = c1.selectbox("Filter (makes output channel n)", range(nf), key="net_filter",
                     format_func=lambda i: f"filter {i + 1} of {nf} (n = {i})")
    trace = cached_trace(x, filters[n], float(bias[n]), stride, padding, 1)
    steps = trace.steps
    if steps > 1:
        ss["net_step"] = int(np.clip(ss.get("net_step", 1), 1, steps))
        c2.slider("Step", 1, steps, key="net_step", format=f"step %d of {steps}")
        step = int(ss["net_step"]) - 1
    else:
        c2.markdown("**One step:** the filter fits in exactly one place.")
        step = 0
    fig = sliding_figure(trace, step=step, frame_ms=FRAME_MS, width_px=column_px(), click_markers=True)
    st.plotly_chart(fig, key="net_sliding", on_select=_on_sliding_click, selection_mode="points",
                    config={"displayModeBar": False, "scrollZoom": False})
    y, xx = trace.positions[step]
    st.caption(
        f"Filter {n + 1} ({'x'.join(map(str, filters.shape[1:]))}) at step {step + 1} of {steps} makes output cell "
        f"({y}, {xx}) of output channel n = {n}. Press Play in the chart, or click an output cell to jump to it. "
        "Choose "
        "another n to see how every other output channel is made: the same slide, other weights."
    )


def mixing_section(x: np.ndarray, filters: np.ndarray, bias: np.ndarray, conv_out: np.ndarray) -> None:
    """The 1x1 convolution as a dot product across channels at each pixel, for each filter."""
    h, w, c = x.shape
    nf = filters.shape[0]
    start = 0
    if h * w * nf > MAX_MIX_FRAMES:
        start = st.slider("Start at pixel (row by row)", 0, h * w - 1, 0, key="net_mix_start",
                          help="The animation covers as many pixels from here as fit, one frame per filter.")
    pixels = mixing_pixels(h, w, nf, start=start)
    fig = channel_mixing_figure(x, filters, bias, pixels=pixels, frame_ms=FRAME_MS, width_px=column_px())
    st.plotly_chart(fig, key="net_mixing", config={"displayModeBar": False, "scrollZoom": False})
    wm = filters.reshape(nf, c)
    as_matrix = x.reshape(-1, c) @ wm.T + bias
    st.markdown(
        f"At one pixel: `out[y, x, n] = b[n] + sum over c of in[y, x, c] * w[n, c]`, a dot product of {c} "
        f"numbers. For all {nf} filters at once it is the {nf} x {c} matrix times the pixel's {c} values, and "
        f"the same matrix serves every one of the {h * w} pixels. Press Play to visit "
        f"{'every pixel' if len(pixels) == h * w else f'{len(pixels)} pixels'}, filter by filter."
    )
    diff = float(np.max(np.abs(as_matrix.reshape(h, w, nf) - conv_out)))
    st.caption(f"Check, computed now: the matrix product at all {h * w} pixels equals the convolution's "
               f"{h}x{w}x{nf} output (largest difference: {_difference(diff)}).")


def _difference(diff: float) -> str:
    return "exactly 0" if diff == 0 else f"{diff:.1e}, float64 rounding"


def dense_section(x: np.ndarray, filters: np.ndarray, bias: np.ndarray, conv_out: np.ndarray) -> None:
    """The full-size convolution next to flatten + matrix multiply, and their computed equality."""
    nf = filters.shape[0]
    k = x.size
    dense = dense_equivalent(x, filters, bias)
    st.plotly_chart(dense_figure(x, filters, bias, conv_out, dense, width_px=column_px()), key="net_dense",
                    config={"displayModeBar": False, "scrollZoom": False})
    rows = [f"| n | convolution (its one position) | flatten({'x'.join(map(str, x.shape))}) → {k} values, times "
            f"row n of the {nf} x {k} matrix | difference |", "|--:|--:|--:|--:|"]
    for i in range(nf):
        rows.append(f"| {i} | {fmt(conv_out[i], 6)} | {fmt(dense[i], 6)} | {abs(conv_out[i] - dense[i]):.1e} |")
    st.markdown("\n".join(rows))
    diff = float(np.max(np.abs(conv_out - dense)))
    if np.allclose(conv_out, dense, rtol=0.0, atol=1e-9):
        how = _difference(diff)
        st.success(
            f"**Equal.** The convolution and flatten + matrix multiply give the same {nf} numbers: the largest "
            f"difference is {how}. Computed just now from the numbers on screen, not assumed."
        )
    else:
        st.error(f"The two differ by up to {diff:.3g}: this should never happen; please report it.")


def _before_after(before: Stage, stage: Stage, index: int) -> None:
    """One full-width tensor, switchable between what comes in and what goes out (same places, same scale)."""
    name = stage.label
    choice = st.segmented_control(
        "Show the values", ["after", "before"], key="net_before_after", default="after", required=True,
        format_func=lambda v: f"{v} {name}",
    )
    shown = before if choice == "before" else stage
    st.markdown(f"**{'What comes in' if choice == 'before' else 'What comes out'}: the {shown.shape[2]} "
                f"channel{'s' if shown.shape[2] > 1 else ''} {'before' if choice == 'before' else 'after'} "
                f"{name}**")
    _tensor(shown.tensor, f"stage {index - 1 if choice == 'before' else index}: {shape_label(shown.shape)}",
            "net_tensor")


def _explain(text: str, stage: Stage, *, general: bool) -> None:
    """The stage in words beside its size arithmetic (and, for a convolution, the general formulas)."""
    c1, c2 = st.columns([3, 2], gap="large")
    c1.markdown(text)
    with c2:
        st.markdown("**Output size, with the numbers in**")
        st.code(arithmetic_text(stage), language=None, wrap_lines=True)
        if general:
            st.markdown("**The general formulas** (cross-correlation: the filter is not flipped; here d = 1)")
            st.code(GENERAL_FORMULA, language=None, wrap_lines=True)


def inspect_stage(stages: list[Stage], index: int) -> None:
    """Everything about stage ``index``: what it is, its arithmetic, how it is made, and its tensor."""
    stage = stages[index]
    if stage.layer is None:
        st.subheader(f"Stage 0: the input {shape_label(stage.shape)}")
        st.markdown(_input_text(stage))
        with error_boundary("input image"):
            fig = image_figure(stage.tensor, title=f"input {shape_label(stage.shape)}")
            st.plotly_chart(fig, key="net_tensor", config={"displayModeBar": False, "scrollZoom": False})
        return

    before = stages[index - 1]
    spec = stage.layer.spec
    st.subheader(f"Stage {index}: {shape_label(before.shape)} → {stage.label} → {shape_label(stage.shape)}")
    view = VIEWS[spec.kind]
    _explain(view.text(stage, before), stage, general=view.general_formula)

    if stage.layer.filters is None:  # a kind without weights: show what comes in and what goes out
        with error_boundary("before and after"):
            _before_after(before, stage, index)
        return

    filters, bias = stage.layer.filters, stage.layer.bias
    views = ["Sliding, filter by filter"]
    if is_full_size(stage, before):
        views.insert(0, "As a dense layer")
    elif spec.kernel == 1:
        views.insert(0, "Channel mixing at each pixel")
    tabs = st.tabs(views, key=f"net_views_{len(views)}_{views[0][:5]}", on_change="rerun")
    for tab, view in zip(tabs, views, strict=True):
        if tab.open is False:
            continue
        with tab, error_boundary(view.lower()):
            if view.startswith("Sliding"):
                sliding_section(before.tensor, filters, bias, spec.stride, spec.padding)
            elif view.startswith("Channel"):
                mixing_section(before.tensor, filters, bias, stage.tensor)
            else:
                dense_section(before.tensor, filters, bias, stage.tensor[0, 0, :])
    n = stage.shape[2]
    st.markdown(f"**What comes out: the {n} output channel{'s' if n > 1 else ''} of stage {index}**")
    with error_boundary("stage tensor"):
        _tensor(stage.tensor, f"stage {index}: {shape_label(stage.shape)}", "net_tensor")
