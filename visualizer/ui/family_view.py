"""The kind of convolution in the studio: the control, what the player slides for each kind, the layer's maps,
and the section that says what the kind is for, its shape arithmetic and its multiply-adds."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import streamlit as st

from visualizer import family
from visualizer.figures.family import stamp_figure
from visualizer.studio_state import RANGES, StudioState
from visualizer.text import md_text

from .common import CACHE_ENTRIES, CACHE_TTL
from .player import plotly_figures
from .studio_model import bind


def kind_control(state: StudioState) -> None:
    """The sidebar's "Kind of convolution" choice, a view of ``state.kind``."""
    st.selectbox("Kind of convolution", family.KINDS, format_func=family.LABELS.get,
                 help="Standard: each filter sums over all channels. Transposed: each input cell stamps the "
                      "kernel onto a larger output (decoders, GANs). Grouped: each filter sums over its group of "
                      "channels only. Depthwise: one channel per filter. Depthwise-separable: depthwise, then a 1x1 "
                      "convolution mixing the maps.", **bind("w_kind", "kind"))
    if state.kind == "grouped":
        st.number_input("Groups", *RANGES["groups"], help="The input channels and the filters are split into this "
                        "many groups; it must divide both (PyTorch's groups).", **bind("w_groups", "groups"))


def layer_groups(state: StudioState, channels: int) -> int:
    """The groups the state's kind runs with; ``ValueError`` (a sentence) when its numbers do not fit."""
    return family.kind_groups(state.kind, channels, state.bank.shape[0], state.groups)


def trace_args(state: StudioState, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, int, int, int]:
    """``(image, kernel, bias, stride, padding, dilation)`` of the ordinary convolution the player slides for the
    state's kind and selected filter. Transposed: the kernel turned by 180 degrees over the zero-inserted input,
    stride 1, its ring of ``d(k - 1) - p`` zeros as the padding (written into the image when it differs by axis)."""
    kernel = state.bank[state.selected]
    bias = float(state.effective_bias[state.selected])
    if state.kind in family.GROUPED_KINDS:  # the filter over only its group's channels (separable: no bias yet)
        g = layer_groups(state, image.shape[2])
        lo, hi = family.channel_range(state.selected, state.bank.shape[0], image.shape[2], g)
        return (np.ascontiguousarray(image[:, :, lo:hi]), np.ascontiguousarray(kernel[:, :, lo:hi]),
                0.0 if state.kind == "separable" else bias, state.stride, state.padding, state.dilation)
    if state.kind != "transposed":
        return image, kernel, bias, state.stride, state.padding, state.dilation
    z, ring = family.zero_inserted(image, state.stride, state.padding, state.dilation, kernel.shape[:2])
    if ring[0] != ring[1]:
        padded = np.zeros((z.shape[0] + 2 * ring[0], z.shape[1] + 2 * ring[1], z.shape[2]))
        padded[ring[0]: ring[0] + z.shape[0], ring[1]: ring[1] + z.shape[1]] = z
        z, ring = padded, (0, 0)
    return z, np.ascontiguousarray(kernel[::-1, ::-1, :]), bias, 1, int(ring[0]), state.dilation


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def kind_maps(kind: str, image: np.ndarray, bank: np.ndarray, bias: np.ndarray, stride: int, padding: int,
              dilation: int, groups: int = 1) -> np.ndarray:
    """Every filter's map of the layer ``kind`` (cached on its inputs)."""
    return family.layer_output(kind, image, bank, bias, stride=stride, padding=padding, dilation=dilation,
                               groups=groups)


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def stamp_view(image: np.ndarray, kernel: np.ndarray, bias: float, stride: int, padding: int, dilation: int,
               frame_ms: int) -> tuple[dict, str]:
    """The stamping figure of one filter, and a name for its content."""
    stamps = family.stamp_steps(image, kernel, bias, stride=stride, padding=padding, dilation=dilation)
    fig = stamp_figure(image, stamps, frame_ms=frame_ms)
    digest = hashlib.sha256(json.dumps([image.tolist(), kernel.tolist(), bias, stride, padding, dilation,
                                        frame_ms]).encode()).hexdigest()[:20]
    return fig, digest


def _count(n: int) -> str:
    return f"{n:,}"


def family_section(state: StudioState, image: np.ndarray) -> None:
    """What the kind is for, its output size written out, and its multiply-adds; for transposed, the stamping view."""
    kind = state.kind
    h, w, c = image.shape
    n, kh, kw, _ = state.bank.shape
    args = {"stride": state.stride, "padding": state.padding, "dilation": state.dilation}
    st.markdown(f"**{family.LABELS[kind]} convolution.** {family.PURPOSE[kind]}")
    try:
        counts = family.multiply_adds(kind, (h, w, c), (kh, kw), n, groups=state.groups, **args)
    except ValueError as err:
        st.warning(f"This layer cannot run with these numbers: {md_text(err)}.")
        return
    if kind == "transposed":
        st.markdown(
            f"**Output size per side**: `{family.FORMULAS[kind]}`. Height: "
            f"`{family.size_text(kind, h, kh, **args)}`. Width: `{family.size_text(kind, w, kw, **args)}`.")
        st.caption(
            f"Multiply-adds: {_count(counts['layer'])} by stamping (each of the {h * w * c:,} input values times each "
            f"of the {n} filters' {kh * kw} weights), against {_count(counts['equivalent'])} for the ordinary "
            "convolution over the zero-inserted input, which the player shows: the same numbers, but most of its "
            "products are with inserted zeros. Both views below and above are PyTorch's conv_transpose2d "
            f"(ConvTranspose2d({c}, {n}), weight[c, n, u, v] = filter n's value at (u, v, c)).")
        st.markdown("**Each input cell stamps the kernel, scaled by its value, into the output** (overlaps add up):")
        kernel = state.bank[state.selected]
        fig, fig_id = stamp_view(image, kernel, float(state.effective_bias[state.selected]), state.stride,
                                 state.padding, state.dilation, state.speed_ms)
        plotly_figures([fig], fig_id=fig_id, headings=[["Stamping", f" · filter {state.selected + 1}"]],
                       labels=["Each input cell stamping the kernel onto the output"], key="family_stamps")
        st.caption(f"The player above shows the same output as an ordinary convolution: {state.stride - 1} zero"
                   f"{'s' if state.stride != 2 else ''} inserted between the input's cells, a ring of "
                   f"d(k − 1) − p zeros around them, and the kernel turned by 180 degrees, sliding with stride 1.")
    elif kind in family.GROUPED_KINDS:
        st.markdown(
            f"**Output size per side** (as the standard layer): `{family.FORMULAS[kind]}`. Height: "
            f"`{family.size_text(kind, h, kh, **args)}`. Width: `{family.size_text(kind, w, kw, **args)}`.")
        _grouped_section(state, image, counts)
    else:
        st.caption(f"Multiply-adds: {_count(counts['layer'])} (each of the {counts['layer'] // (kh * kw * c):,} "
                   f"outputs sums {kh}x{kw}x{c} products).")


def _times(standard: int, layer: int) -> str:
    return f"{standard / layer:.3g}x fewer" if layer < standard else "as many"


def _grouped_section(state: StudioState, image: np.ndarray, counts: dict[str, int]) -> None:
    """Grouped, depthwise and separable: which channels the selected filter sees, the cost against standard."""
    kind = state.kind
    h, w, c = image.shape
    n, kh, kw, _ = state.bank.shape
    g = layer_groups(state, c)
    lo, hi = family.channel_range(state.selected, n, c, g)
    group = family.group_of(state.selected, n, g)
    seen = md_text(f"channel {lo + 1}" if hi - lo == 1 else f"channels {lo + 1} to {hi}")
    groups, per_group = md_text(g), md_text(n // g)
    layer, standard = md_text(_count(counts["layer"])), md_text(_count(counts["standard"]))
    fewer = md_text(_times(counts["standard"], counts["layer"]))
    st.markdown(
        f"**Filter {state.selected + 1} is in group {group + 1} of {groups}: it sees only {seen} of {c}** (the "
        f"player slides it over those). The bank keeps all {c} channel{'s' if c != 1 else ''} of every filter; this "
        f"layer uses filter n's weights on its own group's channels only (PyTorch's conv2d(groups={groups}), filter "
        f"n in group n // {per_group}).")
    if c == 1:
        st.info("The input is grayscale (one channel): every group is that channel, so this layer computes "
                "exactly what the standard convolution does.")
    if kind == "separable":
        depthwise, pointwise = md_text(_count(counts["depthwise"])), md_text(_count(counts["pointwise"]))
        st.markdown(
            f"**Multiply-adds**: {depthwise} depthwise ({kh}x{kw} per output, {n} maps) + {pointwise} pointwise "
            f"(each output mixes {n} maps) = {layer}, against {standard} for the standard layer of the same shape: "
            f"**{fewer} multiply-adds**.")
        st.caption(
            "The player shows the depthwise step of the selected filter (no bias); the feature maps are the "
            "pointwise output. The 1x1 mixing weights come from the bank: output m weighs depthwise map j by the "
            "mean of filter m's weights on the channel map j came from, then adds filter m's bias.")
    else:
        st.markdown(
            f"**Multiply-adds**: {layer} (each output sums {kh}x{kw}x{c // g} products), against {standard} for "
            f"the standard layer: **{fewer} multiply-adds**.")
