"""Pieces every page shares: the error boundary, cached engine calls, and the shared input image."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import numpy as np
import streamlit as st
from PIL import Image

from visualizer import conv2d, trace_convolution
from visualizer.figures import sliding_figure
from visualizer.trace import ConvTrace

from .heavy import BUSY_MESSAGE, ServerBusy

log = logging.getLogger("visualizer")

def app_icon() -> Image.Image:
    """The tab's icon, drawn here (a 3x3 kernel over a grid) so no icon font or image is fetched (32x32 RGB)."""
    icon = np.full((32, 32, 3), 255, dtype=np.uint8)
    icon[::4, :] = icon[:, ::4] = (200, 208, 216)
    icon[8:21, 8:21] = (31, 111, 235)
    icon[10:19, 10:19] = (214, 0, 127)
    icon[12:17, 12:17] = (255, 255, 255)
    return Image.fromarray(icon)


# Session-state keys shared between pages. The studio owns them; other pages only read.
INPUT_IMAGE = "input_image"  # float (H, W, C) in [0, 1]: the full-resolution current input
INPUT_NAME = "input_name"  # where it came from: "Founding 5x5 (binary)", "upload: cat.png", "drawing"


def lazy_expander(label: str, key: str):
    """An expander whose content is drawn only while it is open: returns it when open, else None.

    Its open state is a widget state under ``key`` (kept for the session); opening it reruns the page (or the
    fragment it is in). What it holds costs the first screen and every later run nothing until a person asks.
    """
    section = st.expander(label, key=key, on_change="rerun")
    return section if section.open else None


@contextlib.contextmanager
def error_boundary(view: str) -> Iterator[None]:
    """Run one view; an unexpected error becomes a short message, and the rest of the page still works."""
    try:
        yield
    # st.rerun / st.stop raise BaseException subclasses (control flow, not errors): `except Exception` lets them
    # through without naming Streamlit's private exception classes (tests/test_streamlit_contract.py checks it).
    except ServerBusy:
        st.warning(BUSY_MESSAGE)
        st.button("Try again", key=f"busy_retry_{view}")
    except Exception:
        log.exception("view %s failed", view)
        st.error(
            f"Something went wrong while drawing the {view}. Your image and filters are kept: "
            "change a setting or reload the page to try again."
        )


def clicked_customdata(event: object) -> int | None:
    """The first clicked point's ``customdata`` (a whole number) from a chart's selection event, or None.

    Our clickable figures put an index (a step, a stage) in ``customdata``: Streamlit returns nothing
    for clicks on heatmap cells themselves, so an invisible scatter over them carries it.
    """
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)):
            data = data[0] if data else None
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return int(data)
    return None


def shape_label(shape: tuple[int, ...]) -> str:
    """``[5 x 5 x 1]``: how shapes are written everywhere in the app."""
    return "[" + " x ".join(str(s) for s in shape) + "]"


# The caches are shared by every visitor, and an entry can be large (a 256x256 map of 32 filters is 17 MB, a
# 64x64 RGB trace of a 7x7 kernel 10 MB): few entries, dropped after ten minutes, keep them under ~220 MB.
# Recomputing a miss takes tens of milliseconds.
CACHE_ENTRIES = 8
CACHE_TTL = "10m"


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def cached_conv2d(
    image: np.ndarray, filters: np.ndarray, bias: np.ndarray, stride: int, padding: int, dilation: int
) -> np.ndarray:
    return conv2d(image, filters, bias, stride=stride, padding=padding, dilation=dilation)


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def cached_trace(
    image: np.ndarray, kernel: np.ndarray, bias: float, stride: int, padding: int, dilation: int
) -> ConvTrace:
    return trace_convolution(image, kernel, bias, stride=stride, padding=padding, dilation=dilation)


# Animations in the studio: up to this many Plotly frames (one per step up to it, evenly spaced exact
# steps beyond). Plotly validates every frame inside st.plotly_chart, so this bounds a redraw's time.
STUDIO_MAX_FRAMES = 100


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def cached_sliding_figure(
    image: np.ndarray, kernel: np.ndarray, bias: float, stride: int, padding: int, dilation: int, step: int,
    frame_ms: int,
) -> dict:
    """The studio's animation figure (a ~0.2 MB dict), so stepping back to a step already seen is instant."""
    trace = cached_trace(image, kernel, bias, stride, padding, dilation)
    return sliding_figure(trace, step=step, frame_ms=frame_ms, max_frames=STUDIO_MAX_FRAMES)
