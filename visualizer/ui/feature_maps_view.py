"""All N feature maps side by side, before and after the activation, then optional pooling."""

from __future__ import annotations

import hashlib

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from visualizer import ACTIVATION_LABELS, RELU_VS_STEP, activate, pool2d
from visualizer.figures import feature_maps_figure
from visualizer.figures.export import feature_sheet_png
from visualizer.figures.raster import colorize, png_bytes, upscale_for_display
from visualizer.studio_state import StudioState
from visualizer.text import md_text, plotly_text

from .common import cached_conv2d, shape_label
from .studio_model import bind, working_image

ACTIVATION_CHOICES = ["relu", "step", "leaky_relu", "sigmoid", "tanh", "none"]
RESOLUTIONS = {"animation": ("Animation image", None), "full": ("Full image (up to 256 px)", 256)}
POOLS = {"none": "No pooling", "max": "Max pool 2x2", "avg": "Average pool 2x2"}
TILE_COLUMNS = 4


MAPS_FIGURES = "_studio_maps_figures"  # this visitor's last validated feature-map figures, by content
KEPT_FIGURES = 4


def maps_chart(values: np.ndarray, titles: tuple[str, ...]) -> go.Figure:
    """The feature maps as a Plotly Figure, validated once per visitor and content.

    ``st.plotly_chart`` validates a figure given as a dict on every page run (about 20 ms for a small grid,
    paid by every interaction of every visitor); a Figure it only copies. The last few are kept in the
    visitor's own session (nothing is shared between visitors).
    """
    digest = hashlib.sha256(np.ascontiguousarray(values).tobytes() + str(values.shape).encode())
    digest.update("\0".join(titles).encode("utf-8", "replace"))
    key = digest.hexdigest()
    kept = dict(st.session_state.get(MAPS_FIGURES, {}))
    figure = kept.pop(key, None)
    if figure is None:
        figure = go.Figure(feature_maps_figure(values, titles=[plotly_text(t) for t in titles]))
    kept[key] = figure  # most recent last
    st.session_state[MAPS_FIGURES] = dict(list(kept.items())[-KEPT_FIGURES:])
    return figure


def _maps(values: np.ndarray, titles: list[str], key: str) -> None:
    """Heatmaps with numbers for small maps; exact colour tiles (shared scale) for large ones.

    ``titles`` are raw text (filter names can come from a share link): escaped here for each renderer.
    """
    h, w, n = values.shape
    if max(h, w) <= 64:
        st.plotly_chart(maps_chart(values, tuple(titles)), key=key, config={"displayModeBar": False})
        return
    limit = float(np.abs(values).max()) or 1.0
    scale = upscale_for_display(h, w)
    cols = st.columns(TILE_COLUMNS)
    for i in range(n):
        tile = png_bytes(colorize(values[:, :, i], limit=limit), scale=scale)
        cols[i % TILE_COLUMNS].image(tile, caption=md_text(titles[i]), alt=f"Feature map {i + 1} in colour")
    st.caption(f"Colours: blue negative, white 0, orange positive; one scale for all maps (±{limit:.3g}).")


def feature_maps_section(state: StudioState, image: np.ndarray) -> None:
    """The layer's output for every filter, on the animation image or the full image."""
    c1, c2, c3 = st.columns(3)
    c1.selectbox("Activation", ACTIVATION_CHOICES, format_func=lambda a: ACTIVATION_LABELS[a],
                 **bind("w_activation", "activation"))
    c2.selectbox("Computed on", list(RESOLUTIONS), format_func=lambda m: RESOLUTIONS[m][0], **bind("w_maps", "maps"))
    c3.selectbox("Then", list(POOLS), format_func=POOLS.get, **bind("w_pool", "pooling"))
    st.caption(RELU_VS_STEP)

    side = RESOLUTIONS[state.maps][1]
    src = image if side is None else working_image(state, side)
    bank, bias, act = state.bank, state.effective_bias, state.activation
    try:
        out = cached_conv2d(src, bank, bias, state.stride, state.padding, state.dilation)
    except ValueError as err:
        st.error(f"No feature maps with these settings on the {src.shape[0]}x{src.shape[1]} image: {err}.")
        return
    titles = [f"{i + 1}: {name}" for i, name in enumerate(state.names)]
    st.markdown(f"**Convolution output** {shape_label(out.shape)}: one map per filter, before the activation.")
    _maps(out, titles, "maps_before")
    after = activate(out, act)
    st.markdown(f"**After {ACTIVATION_LABELS[act]}** {shape_label(after.shape)}: the feature maps.")
    _maps(after, titles, "maps_after")

    mode = state.pooling
    if mode != "none":
        if min(after.shape[:2]) < 2:
            st.info("The feature maps are smaller than 2x2: there is nothing to pool.")
        else:
            pooled = pool2d(after, 2, mode=mode)
            what = "largest" if mode == "max" else "average"
            st.markdown(
                f"**{POOLS[mode]}** {shape_label(pooled.shape)}: each 2x2 block of a map becomes its {what} value, "
                "halving height and width; the number of channels stays."
            )
            _maps(pooled, titles, "maps_pooled")

    st.download_button(
        "Download the feature maps (PNG)",
        data=lambda: feature_sheet_png(after, titles, title=f"Feature maps after {ACTIVATION_LABELS[act]}, "
                                       f"{shape_label(after.shape)}"),
        file_name="feature_maps.png",
        mime="image/png",
        key="download_maps",
        on_click="ignore",
        help="Every map with its title, and the colour scale with its limits.",
    )
