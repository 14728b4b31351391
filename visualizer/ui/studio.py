"""The convolution studio: pick or draw an image, edit filters, and watch them slide over it."""

from __future__ import annotations

import numpy as np
import streamlit as st

from visualizer import output_shape
from visualizer.network import size_arithmetic

from . import filter_state as fs
from .animation_view import animation_section
from .code_view import code_section
from .common import INPUT_IMAGE, INPUT_NAME, error_boundary, shape_label
from .feature_maps_view import feature_maps_section
from .filter_editor import bank_controls, filter_editor
from .inputs import (
    DEFAULT_WORKING,
    MAX_WORKING,
    MIN_WORKING,
    SOURCE_RGB,
    init_input_state,
    input_panel,
    working_image,
)
from .url_state import apply_query_state, clamp_session_state, share_link_panel

CHANNEL_CHOICES = {"Grayscale (1 channel)": 1, "RGB (3 channels)": 3}


def _init_state() -> None:
    ss = st.session_state
    apply_query_state()
    init_input_state()
    ss.setdefault("channels_choice", "Grayscale (1 channel)")
    ss.setdefault("working_size", DEFAULT_WORKING)
    ss.setdefault("stride", 1)
    ss.setdefault("padding", 0)
    ss.setdefault("dilation", 1)
    ss.setdefault("use_bias", False)
    ss.setdefault("filter_idx", 0)
    clamp_session_state()
    fs.init_filter_state(CHANNEL_CHOICES[ss["channels_choice"]])


def _on_channels_change() -> None:
    ss = st.session_state
    ss["channel_note"] = fs.set_channels(CHANNEL_CHOICES[ss["channels_choice"]])


def _sidebar() -> None:
    with st.sidebar:
        st.toggle("Presentation mode", key="presentation",
                  help="For a projector: the animation and the feature maps only, larger; editors and extras hidden.")
        st.header("1 · Image")
        with error_boundary("image panel"):
            input_panel()
        st.radio("Channels", list(CHANNEL_CHOICES), key="channels_choice", on_change=_on_channels_change,
                 horizontal=True)
        st.slider("Animation size (pixels a side)", MIN_WORKING, MAX_WORKING, key="working_size",
                  help="The image is shrunk to at most this many pixels a side for the animation; "
                  "small images are never enlarged.")
        st.header("2 · Filters")
        bank_controls()
        st.header("3 · Sliding")
        c1, c2, c3 = st.columns(3)
        c1.number_input("Stride", 1, 4, key="stride", help="How many pixels the filter moves at each step.")
        c2.number_input("Padding", 0, 3, key="padding", help="Rings of zeros added around the image.")
        c3.number_input("Dilation", 1, 4, key="dilation", help="Spacing between the kernel's cells (1 = none).")


def _shape_banner(image: np.ndarray, bank: np.ndarray) -> tuple[int, int] | None:
    """The layer in one line, ``[H x W x C] -- N [kh x kw x C] --> [H' x W' x N]``, with the arithmetic."""
    ss = st.session_state
    h, w, c = image.shape
    n, kh, kw, _ = bank.shape
    s, p, d = int(ss["stride"]), int(ss["padding"]), int(ss["dilation"])
    try:
        ho, wo = output_shape((h, w), (kh, kw), stride=s, padding=p, dilation=d)
    except ValueError as err:
        st.error(f"No output with these settings: {err}. Make the kernel, dilation or stride smaller, or add "
                 "padding. Your image and filters are kept.")
        return None
    st.markdown(
        f"#### Input {shape_label((h, w, c))} &nbsp;—&nbsp; {n} filter{'s' if n > 1 else ''} "
        f"{shape_label((kh, kw, c))} &nbsp;→&nbsp; output {shape_label((ho, wo, n))}"
    )
    rows = size_arithmetic(h, kh, stride=s, padding=p, dilation=d)
    cols = size_arithmetic(w, kw, stride=s, padding=p, dilation=d)
    st.caption(
        f"Output size per side: `floor((i + 2p - d(k-1) - 1) / s) + 1`. Height: `{rows}`. Width: `{cols}`. "
        f"Each filter has {c} channel{'s' if c > 1 else ''}, like its input; its {c} channel sum"
        f"{'s are' if c > 1 else ' is'} added into one number, so {n} filter{'s give' if n > 1 else ' gives'} "
        f"{n} output channel{'s' if n > 1 else ''}."
    )
    return ho, wo


def render() -> None:
    _init_state()
    ss = st.session_state
    _sidebar()
    channels = CHANNEL_CHOICES[ss["channels_choice"]]
    image = working_image(ss[SOURCE_RGB], channels, int(ss["working_size"]))
    ss[INPUT_IMAGE] = image
    bank = ss["bank"]
    bias = ss["bias"] if ss.get("use_bias") else np.zeros(bank.shape[0])

    st.title("Convolution studio")
    st.caption(
        f"Input: **{ss.get(INPUT_NAME, 'image')}**. A filter slides over the image; at each position the "
        "output is the sum of the elementwise products of the filter and the window under it."
    )
    if ss.get("channel_note"):
        st.info(ss["channel_note"])
    fits = _shape_banner(image, bank)

    names = ss["filter_names"]
    ss["filter_idx"] = int(np.clip(ss.get("filter_idx", 0), 0, bank.shape[0] - 1))
    st.selectbox(
        "Filter to watch and edit",
        range(bank.shape[0]),
        key="filter_idx",
        format_func=lambda i: f"Filter {i + 1}: {names[i]}",
    )
    idx = int(ss["filter_idx"])

    if fits is not None:
        with error_boundary("animation"):
            animation_section(image, bank[idx], float(bias[idx]), names[idx])

    presenting = bool(ss.get("presentation"))
    if not presenting:
        st.subheader(f"Edit filter {idx + 1}: {names[idx]}")
        with error_boundary("filter editor"):
            filter_editor(idx)

    if fits is not None:
        st.subheader("Feature maps")
        with error_boundary("feature maps"):
            feature_maps_section(image, ss["bank"], bias, names)
    if fits is not None and not presenting:
        with error_boundary("code"):
            code_section(image, ss["bank"], bias, int(ss["stride"]), int(ss["padding"]), int(ss["dilation"]))
    share_link_panel()
