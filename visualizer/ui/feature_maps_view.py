"""All N feature maps side by side, before and after the activation, then optional pooling."""

from __future__ import annotations

import numpy as np
import streamlit as st

from visualizer import ACTIVATION_LABELS, RELU_VS_STEP, activate, pool2d
from visualizer.figures import feature_maps_figure
from visualizer.figures.raster import colorize, png_bytes, upscale_for_display

from .common import cached_conv2d, shape_label
from .inputs import SOURCE_RGB, working_image

ACTIVATION_CHOICES = ["relu", "step", "leaky_relu", "sigmoid", "tanh", "none"]
RESOLUTIONS = {"Animation image": None, "Full image (up to 256 px)": 256}
POOLS = {"No pooling": None, "Max pool 2x2": "max", "Average pool 2x2": "avg"}
TILE_COLUMNS = 4


def _maps(values: np.ndarray, titles: list[str], key: str) -> None:
    """Heatmaps with numbers for small maps; exact colour tiles (shared scale) for large ones."""
    h, w, n = values.shape
    if max(h, w) <= 64:
        st.plotly_chart(feature_maps_figure(values, titles=titles), key=key, config={"displayModeBar": False})
        return
    limit = float(np.abs(values).max()) or 1.0
    scale = upscale_for_display(h, w)
    cols = st.columns(TILE_COLUMNS)
    for i in range(n):
        cols[i % TILE_COLUMNS].image(png_bytes(colorize(values[:, :, i], limit=limit), scale=scale), caption=titles[i])
    st.caption(f"Colours: blue negative, white 0, orange positive; one scale for all maps (±{limit:.3g}).")


def feature_maps_section(image: np.ndarray, bank: np.ndarray, bias: np.ndarray, names: list[str]) -> None:
    """The layer's output for every filter, on the animation image or the full image."""
    ss = st.session_state
    c1, c2, c3 = st.columns(3)
    act = c1.selectbox("Activation", ACTIVATION_CHOICES, key="activation",
                       format_func=lambda a: ACTIVATION_LABELS[a])
    res = c2.selectbox("Computed on", list(RESOLUTIONS), key="fm_resolution")
    pool = c3.selectbox("Then", list(POOLS), key="pool")
    st.caption(RELU_VS_STEP)

    side = RESOLUTIONS[res]
    src = image if side is None else working_image(ss[SOURCE_RGB], image.shape[2], side)
    s, p, d = int(ss["stride"]), int(ss["padding"]), int(ss["dilation"])
    try:
        out = cached_conv2d(src, bank, bias, s, p, d)
    except ValueError as err:
        st.error(f"No feature maps with these settings on the {src.shape[0]}x{src.shape[1]} image: {err}.")
        return
    titles = [f"{i + 1}: {name}" for i, name in enumerate(names)]
    st.markdown(f"**Convolution output** {shape_label(out.shape)}: one map per filter, before the activation.")
    _maps(out, titles, "maps_before")
    after = activate(out, act)
    st.markdown(f"**After {ACTIVATION_LABELS[act]}** {shape_label(after.shape)}: the feature maps.")
    _maps(after, titles, "maps_after")

    mode = POOLS[pool]
    if mode is not None:
        if min(after.shape[:2]) < 2:
            st.info("The feature maps are smaller than 2x2: there is nothing to pool.")
        else:
            pooled = pool2d(after, 2, mode=mode)
            what = "largest" if mode == "max" else "average"
            st.markdown(
                f"**{pool}** {shape_label(pooled.shape)}: each 2x2 block of a map becomes its {what} value, "
                "halving height and width; the number of channels stays."
            )
            _maps(pooled, titles, "maps_pooled")

    limit = float(np.abs(after).max()) or 1.0
    sheet = np.concatenate(
        [np.pad(colorize(after[:, :, i], limit=limit), ((1, 1), (1, 1), (0, 0)), constant_values=255)
         for i in range(after.shape[2])],
        axis=1,
    )
    st.download_button(
        "Download the feature maps (PNG)",
        png_bytes(sheet, scale=upscale_for_display(*sheet.shape[:2], target=1600)),
        file_name="feature_maps.png",
        mime="image/png",
        key="download_maps",
        icon=":material/download:",
    )
