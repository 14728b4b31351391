"""All N feature maps side by side, before and after the activation, then optional pooling: drawn as pictures
(``figures/pictures.py``), with their numbers while they are small enough to read."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import streamlit as st

from visualizer import ACTIVATION_LABELS, RELU_VS_STEP, activate, family, pool2d
from visualizer.figures.export import feature_sheet_png
from visualizer.studio_state import MAX_PICTURE_SIDE, StudioState, is_photo, reading_pixels

from .common import cached_conv2d, shape_label
from .family_view import kind_maps
from .heavy import heavy_work
from .photo_view import SCALE_LABELS, Panel, map_pictures, maps_source, photo_maps
from .studio_model import bind, working_image

ACTIVATION_CHOICES = ["relu", "step", "leaky_relu", "sigmoid", "tanh", "none"]
RESOLUTIONS = {"animation": ("Animation image", None), "full": ("Full image", MAX_PICTURE_SIDE)}
POOLS = {"none": "No pooling", "max": "Max pool 2x2", "avg": "Average pool 2x2"}
MAPS_KEY = "feature_maps"  # the maps component of an image that is not a photo (a photo's is photo_view.PICK_KEY)


def _sheet_later(state: StudioState, src: np.ndarray, titles: list[str]) -> Callable[[], bytes]:
    """The maps' PNG sheet, made when it is asked for, from the layer's inputs.

    Streamlit keeps a download's function for as long as the visitor's session lives (two minutes after the page
    closes): it holds the filters and the image the maps are computed on, never the maps (17 MB for 32 maps of
    256x256, which ten visitors' sessions kept after they had gone). For a photo that image is the photo itself (up
    to 9.8 MB as floats), so it holds the state's own compact picture instead and takes the image from it again."""
    kind, bank, bias, act = state.kind, state.bank.copy(), state.effective_bias, state.activation
    settings = {"stride": state.stride, "padding": state.padding, "dilation": state.dilation, "groups": state.groups}
    snapshot = copy.copy(state) if is_photo(state) else None  # shares the state's picture, not a copy of it
    small = None if snapshot is not None else src

    def sheet() -> bytes:
        with heavy_work(), reading_pixels():
            image = maps_source(snapshot)[0] if snapshot is not None else small
            after = activate(family.layer_output(kind, image, bank, bias, **settings), act)
            return feature_sheet_png(after, titles, title=f"Feature maps after {ACTIVATION_LABELS[act]}, "
                                     f"{shape_label(after.shape)}")

    return sheet


def feature_maps_section(state: StudioState, image: np.ndarray) -> None:
    """The layer's output for every filter: for a photo on the whole photo (the animated region outlined), else on
    the animation image or the full image."""
    photo = is_photo(state)
    c1, c2, c3 = st.columns(3)
    c1.selectbox("Activation", ACTIVATION_CHOICES, format_func=lambda a: ACTIVATION_LABELS[a],
                 **bind("w_activation", "activation"))
    if photo:
        c2.segmented_control("Colour scale", list(SCALE_LABELS), format_func=SCALE_LABELS.get,
                             selection_mode="single", help="Each map on its own colour scale (every filter's pattern "
                             "shows), or one scale for all maps (their strengths compare).",
                             **bind("w_map_scale", "map_scale", from_widget=lambda v: v or "own"))
    else:
        c2.selectbox("Computed on", list(RESOLUTIONS), format_func=lambda m: RESOLUTIONS[m][0],
                     **bind("w_maps", "maps"))
    c3.selectbox("Then", list(POOLS), format_func=POOLS.get, **bind("w_pool", "pooling"))
    st.caption(RELU_VS_STEP)

    factor = 1.0
    if photo:
        src, factor = maps_source(state)
    else:
        side = RESOLUTIONS[state.maps][1]
        src = image if side is None else working_image(state, side)
    bank, bias, act = state.bank, state.effective_bias, state.activation
    try:
        out = (cached_conv2d(src, bank, bias, state.stride, state.padding, state.dilation) if state.kind == "standard"
               else kind_maps(state.kind, src, bank, bias, state.stride, state.padding, state.dilation, state.groups))
    except ValueError as err:
        st.error(f"No feature maps with these settings on the {src.shape[0]}x{src.shape[1]} image: {err}.")
        return
    titles = [f"{i + 1}: {name}" for i, name in enumerate(state.names)]
    after = activate(out, act)
    panels = [("Convolution output", "one map per filter, before the activation.", out),
              (f"After {ACTIVATION_LABELS[act]}", "the feature maps.", after)]
    mode = state.pooling
    poolable = min(after.shape[:2]) >= 2
    if mode != "none" and poolable:
        what = "largest" if mode == "max" else "average"
        panels.append((POOLS[mode], f"each 2x2 block of a map becomes its {what} value, halving height and width; "
                       "the number of channels stays.", pool2d(after, 2, mode=mode)))
    if photo:
        if factor < 1:
            st.caption(f"{state.n_filters} maps of the whole {state.image.shape[0]}x{state.image.shape[1]} photo "
                       f"would be more than a visitor's memory allows: they are computed on it shrunk to "
                       f"{src.shape[0]}x{src.shape[1]}. Fewer filters give the photo's own pixels.")
        photo_maps(state, [Panel(name, sentence, maps, 2 if k == 2 else 1)
                           for k, (name, sentence, maps) in enumerate(panels)], titles, factor)
    else:
        map_pictures([Panel(name, sentence, maps) for name, sentence, maps in panels], titles,
                     large=state.presentation, key=MAPS_KEY)
    if mode != "none" and not poolable:
        st.info("The feature maps are smaller than 2x2: there is nothing to pool.")

    st.download_button(
        "Download the feature maps (PNG)",
        data=_sheet_later(state, src, titles),
        file_name="feature_maps.png",
        mime="image/png",
        key="download_maps",
        on_click="ignore",
        help="Every map with its title, and the colour scale with its limits.",
    )
