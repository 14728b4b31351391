"""The sliding animation: the player (one current step, in the browser) and its downloads.

The player draws one figure with a frame per step and owns the current step; it reports the step when
it settles, and :func:`_on_player` writes it into the studio state. Nothing else on the page keeps a step
of its own: the window, products, sum, caption and output cell are all in the figure's frames.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from visualizer.figures import sliding_figure
from visualizer.figures.export import standalone_html
from visualizer.figures.gif import MAX_GIF_FRAMES, animation_gif
from visualizer.studio_state import StudioState, clamp
from visualizer.trace import ConvTrace

from .common import CACHE_ENTRIES, CACHE_TTL, cached_trace
from .family_view import trace_args
from .player import sliding_player
from .studio_model import studio_state

PLAYER_KEY = "w_player"
LAYOUT_KEY = "_studio_player_layout"  # {"width", "avail"}: the pixels the page reported for the figure
DEFAULT_LAYOUT = {"width": 1180, "avail": 520}
MAX_PLAYER_FRAMES = 4_900  # one frame per step for every animation the studio allows (70x70 outputs) ...
FIGURE_BUDGET_BYTES = 2_000_000  # ... as long as the figure stays under this; beyond, frames are thinned
DENSE_FRAMES = 40  # and every step within this many of the current one keeps its frame (step by step there)
MIN_HEIGHT, MAX_HEIGHT = 380, 1100


def _bucket(px: object, default: int) -> int:
    """Pixels rounded to 20 px (so a window a few pixels off reuses the cached figure), or ``default``."""
    if isinstance(px, bool) or not isinstance(px, (int, float)) or not np.isfinite(px):
        return default
    return int(np.clip(round(float(px) / 20) * 20, 200, 4000))


def _on_player() -> None:
    """The player settled on a step (or its speed or size changed): keep it in the state."""
    value = st.session_state.get(PLAYER_KEY)
    if not isinstance(value, dict):
        return
    state = studio_state()
    step, speed = value.get("step"), value.get("speed_ms")
    if isinstance(step, int) and not isinstance(step, bool):
        state.step = step
    if isinstance(speed, int) and not isinstance(speed, bool):
        state.speed_ms = speed
    clamp(state)
    st.session_state[LAYOUT_KEY] = {"width": _bucket(value.get("width"), DEFAULT_LAYOUT["width"]),
                                    "avail": _bucket(value.get("avail"), DEFAULT_LAYOUT["avail"])}


def figure_height(avail: int, width: int, channels: int) -> int | None:
    """The figure's height for the room the page reported: all of it, within sane bounds, for one channel;
    None (the figure's own height, scrolled past) for several channels, whose rows would be too small to
    read in one screen. The player's controls sit above the figure, so Play is on the first screen either way.
    """
    if channels > 1:
        return None
    # On a narrow screen the panels are as small as the width makes them: no taller than they need.
    return int(np.clip(min(avail, width * 0.55 + 230), MIN_HEIGHT, MAX_HEIGHT))


def frame_budget(kernel: np.ndarray, base_values: int = 0) -> int:
    """How many frames fit ``FIGURE_BUDGET_BYTES``: a frame carries the products (about 45 bytes a value
    in JSON), the window, cover and cell paths, the caption and the sum (measured: 0.8 kB for a 3x3
    grayscale kernel, 1.9 kB for 3x3x3). ``base_values``: the numbers the figure carries once (the padded input
    and the output, about 18 bytes each with their click targets), counted beyond what a 64x64x3 input has (the
    transposed kind's zero-inserted input is four times that)."""
    kh, kw, c = kernel.shape
    per_frame = 300 + c * (kh * kw * 45 + 60)
    room = FIGURE_BUDGET_BYTES - 20 * max(0, base_values - 64 * 64 * 4)
    return int(np.clip(room // per_frame, 150, MAX_PLAYER_FRAMES))


def _dense_anchor(step: int, steps: int, budget: int) -> int:
    """The step the dense frames are centred on, moved in whole windows so that stepping one by one
    needs a new figure only every ``DENSE_FRAMES`` steps (and the figure stays cached meanwhile)."""
    if steps <= budget:
        return 0
    return int(min(steps - 1, round(step / DENSE_FRAMES) * DENSE_FRAMES))


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def player_figure(
    image: np.ndarray, kernel: np.ndarray, bias: float, stride: int, padding: int, dilation: int,
    presentation: bool, width: int, height: int | None, anchor: int,
) -> tuple[dict, str]:
    """The player's figure (no Plotly controls) and an id that changes with it.

    One frame per step while the figure fits the budget; beyond, every k-th step plus every step within
    ``DENSE_FRAMES`` of ``anchor``. The player asks for a new anchor when a person steps outside.
    """
    trace = cached_trace(image, kernel, bias, stride, padding, dilation)
    budget = frame_budget(kernel, trace.padded.size + trace.steps)
    figure = sliding_figure(trace, step=min(anchor, trace.steps - 1), max_frames=budget,
                            dense_frames=DENSE_FRAMES, controls=False, presentation=presentation, width_px=width,
                            height=height)
    digest = hashlib.sha256()
    numbers = [bias, stride, padding, dilation, presentation, width, height or 0, anchor]
    for part in (image, kernel, np.array(numbers, float)):
        digest.update(np.ascontiguousarray(part).tobytes())
    return figure, digest.hexdigest()[:20]


def studio_trace(state: StudioState, image: np.ndarray) -> ConvTrace | None:
    """The trace of the selected filter sliding over ``image`` ``(H, W, C)`` (cached), or None if impossible."""
    try:
        return cached_trace(*trace_args(state, image))
    except ValueError:
        return None


def animation_section(state: StudioState, image: np.ndarray) -> ConvTrace | None:
    """The player for the selected filter sliding over ``image`` ``(H, W, C)``; returns its trace."""
    try:
        image, kernel, bias, stride, padding, dilation = trace_args(state, image)  # the kind's sliding view
        trace = cached_trace(image, kernel, bias, stride, padding, dilation)
    except ValueError as err:
        st.error(f"Cannot animate this: {err}.")
        return None
    state.step = min(state.step, trace.steps - 1)
    layout = st.session_state.get(LAYOUT_KEY) or DEFAULT_LAYOUT
    height = figure_height(layout["avail"], layout["width"], image.shape[2])
    anchor = _dense_anchor(state.step, trace.steps, frame_budget(kernel, trace.padded.size + trace.steps))
    figure, fig_id = player_figure(image, kernel, bias, stride, padding, dilation, state.presentation,
                                   layout["width"], height, anchor)
    sliding_player(figure, fig_id=fig_id, steps=trace.steps, step=state.step, speed_ms=state.speed_ms,
                   presentation=state.presentation, layout=layout, key=PLAYER_KEY, on_change=_on_player)
    seconds = trace.steps * state.speed_ms / 1000
    if seconds > 60 and not state.presentation:
        st.caption(f"{trace.steps:,} steps take {seconds / 60:.0f} min at {state.speed_ms} ms a step: pick a "
                   "faster speed, a smaller animation size in the sidebar, or click any output cell to jump to it.")
    return trace


def downloads(state: StudioState, trace: ConvTrace, name: str) -> None:
    """The animation as a GIF and as one HTML page that plays offline."""
    frame_ms = state.speed_ms
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download the animation (GIF)",
        data=lambda: animation_gif(trace, frame_ms=frame_ms),
        file_name="convolution.gif",
        mime="image/gif",
        key="download_gif",
        on_click="ignore",
        width="stretch",
        help=f"The window sliding, the kernel, the products and the sum, {frame_ms} ms a step "
        f"(at most {MAX_GIF_FRAMES} frames; larger animations skip evenly).",
    )
    c2.download_button(
        "Download the animation (HTML page)",
        data=lambda: standalone_html(sliding_figure(trace, frame_ms=frame_ms, max_frames=frame_budget(trace.kernel)),
                                     title=f"Convolution: {name}"),
        file_name="convolution.html",
        mime="text/html",
        key="download_html",
        on_click="ignore",
        width="stretch",
        help="One page with everything inside (plotly.js too): it plays in any browser, with no internet.",
    )
