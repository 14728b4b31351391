"""The sliding animation: the player (one current step, in the browser) and its downloads.

The player draws one figure with a frame per step and owns the current step; it reports the step when
it settles, and :func:`_on_player` writes it into the studio state. Nothing else on the page keeps a step
of its own: the window, products, sum, caption and output cell are all in the figure's frames.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from visualizer import PRESET_NAMES, preset_sizes
from visualizer.figures import sliding_figure
from visualizer.figures.animation import kernel_axes
from visualizer.figures.export import standalone_html
from visualizer.figures.gif import MAX_GIF_FRAMES, animation_gif
from visualizer.figures.toolkit import channel_names
from visualizer.studio_state import (
    KERNEL_LIMIT,
    NUMBER_PATTERN,
    StudioState,
    apply_preset,
    clamp,
    parse_kernel_value,
    set_kernel_cell,
)
from visualizer.trace import ConvTrace

from .common import CACHE_ENTRIES, CACHE_TTL, cached_trace
from .family_view import trace_args
from .heavy import heavy
from .player import sliding_player
from .studio_model import (
    BELOW_PART,
    FIELD_PART,
    HEADER_PART,
    MAIN_FRAGMENT,
    PLAYER_PART,
    STAGE_PART,
    bump_editors,
    studio_state,
)

PLAYER_KEY = "w_player"
LIGHT_KEY = "_studio_player_light"  # True after a kernel edit: the next figure carries few frames (see below)
LIGHT_FRAMES = 24  # frames of the figure sent right after a kernel edit (plus LIGHT_DENSE around the step): it shows
LIGHT_DENSE = 8  # the edit at once (64x64 RGB: built in about 25 ms, not 100); the whole figure follows a pause
LIGHT_ABOVE = 120  # ... for animations of more steps than this (smaller ones are sent whole at once)
PLAYER_NOTICE = "_studio_player_notice"  # {"id", "text"}: why the app refused the player's last edit or preset
# The presets offered beside the kernel, in this order (the sidebar has them all).
KERNEL_PRESETS = ("identity", "box blur", "gaussian", "sharpen", "laplacian", "outline", "sobel x", "sobel y",
                  "emboss")
# What the studio's intro says after the shapes: above the player, or under it on a phone (streamlit_app's style).
INTRO = "A filter slides over the image; each output value is the sum of the elementwise products of the filter and " \
    "the window under it."
INTRO_KEY = "studio_intro"
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
    speed_before = state.speed_ms
    step, speed = value.get("step"), value.get("speed_ms")
    if isinstance(step, int) and not isinstance(step, bool):
        state.step = step
    if isinstance(speed, int) and not isinstance(speed, bool):
        state.speed_ms = speed
    complete = value.get("complete") is True  # the page has shown the light figure and asks for every frame
    if complete:
        st.session_state[LIGHT_KEY] = False
    refusal = _apply_kernel_change(state, value)
    if refusal:
        st.session_state[PLAYER_NOTICE] = {"id": value.get("seq"), "text": refusal}
    clamp(state)
    st.session_state[LAYOUT_KEY] = {"width": _bucket(value.get("width"), DEFAULT_LAYOUT["width"]),
                                    "avail": _bucket(value.get("avail"), DEFAULT_LAYOUT["avail"])}
    typed = value.get("edit") is not None and not refusal
    if typed:
        # A kernel value: the player and the maps (the player's fragment) rerun, in this one run, and the link in the
        # address bar. The header (the filter's name in its picker may have become "... (edited)"), the rest of the
        # stage and the exports, quiz and code below follow when the page reports the new figure drawn ("refresh").
        if state.kind == "transposed":
            st.rerun([STAGE_PART])  # its stamping view, under the sliding controls, shows the kernel too
        return
    if (value.get("preset") is not None and not refusal) or state.speed_ms != speed_before or value.get("presented"):
        # A preset renames the filter (the picker above the player) and the speed is in the exports: rerun the whole
        # main area, not only the player's fragment (a step alone reruns just that). Entering presentation mode too:
        # only a run of the main area takes the emptied sidebar's column away in the browser (player.js, "entering").
        st.rerun(MAIN_FRAGMENT)
    if value.get("refresh") is True:
        # The page drew the figure of a step or an edit (or asks for every frame of it too): the header, the rest of
        # the stage (the new cell's field, the link) and what is below it follow.
        parts = [HEADER_PART] + [PLAYER_PART] * complete + [FIELD_PART, BELOW_PART] * (not state.presentation)
        st.rerun(parts)


def _apply_kernel_change(state: StudioState, value: dict) -> str | None:
    """A kernel cell typed in the player, or a preset chosen beside it, written into the state (the one source
    the sidebar, the link, the maps, the code and the quiz read). Returns why it was refused, or None."""
    edit, preset = value.get("edit"), value.get("preset")
    if isinstance(edit, dict):
        if edit.get("filter") != state.selected:
            return "That edit was for another filter: it was not used."
        try:
            number = parse_kernel_value(edit.get("text"))
        except ValueError as err:
            return f"That value was not used: {err}."
        refused = set_kernel_cell(state, state.selected, edit.get("channel"), edit.get("row"), edit.get("col"), number)
        if refused:
            return f"That value was not used: {refused}."
    elif isinstance(preset, str):
        refused = apply_preset(state, state.selected, preset)
        if refused:
            return refused
    else:
        return None
    bump_editors()
    # A large animation's figure (up to 2 MB, a second to build) is first sent with few frames, so the edit shows
    # at once; the page asks for all of them when the person stops editing.
    st.session_state[LIGHT_KEY] = True
    return None


def kernel_presets(kh: int, kw: int) -> list[list[str]]:
    """``[name, label]`` of the presets that exist in a ``kh x kw`` kernel (none for a non-square kernel)."""
    if kh != kw:
        return []
    return [[name, name.capitalize()] for name in KERNEL_PRESETS if name in PRESET_NAMES and kh in preset_sizes(name)]


def kernel_spec(state: StudioState) -> dict:
    """What the player needs to make the selected filter's kernel editable in place (see ``sliding_player``)."""
    kernel = state.bank[state.selected]
    kh, kw, c = kernel.shape
    return {"filter": state.selected, "values": kernel.tolist(), "axes": kernel_axes(c),
            "channels": channel_names(c) if c > 1 else [""], "limit": KERNEL_LIMIT, "number": NUMBER_PATTERN,
            "presets": kernel_presets(kh, kw), "notice": st.session_state.get(PLAYER_NOTICE)}


def figure_height(avail: int, width: int, channels: int) -> int | None:
    """The figure's height for the room the page reported: all of it, within sane bounds (the player's controls
    sit above the figure). Several channels share it too: the layout puts their rows side by side when that keeps
    the output and the sum on the first screen (``plan_layout``).
    """
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
    presentation: bool, width: int, height: int | None, anchor: int, max_frames: int | None = None,
    dense: int = DENSE_FRAMES,
) -> tuple[dict, str]:
    """The player's figure (no Plotly controls) and an id that changes with it.

    One frame per step while the figure fits the budget; beyond, every k-th step plus every step within
    ``dense`` of ``anchor``. The player asks for a new anchor when a person steps outside.
    """
    trace = cached_trace(image, kernel, bias, stride, padding, dilation)
    budget = max_frames or frame_budget(kernel, trace.padded.size + trace.steps)
    figure = sliding_figure(trace, step=min(anchor, trace.steps - 1), max_frames=budget,
                            dense_frames=dense, controls=False, presentation=presentation, width_px=width,
                            height=height)
    digest = hashlib.sha256()
    numbers = [bias, stride, padding, dilation, presentation, width, height or 0, anchor, max_frames or 0, dense]
    for part in (image, kernel, np.array(numbers, float)):
        digest.update(np.ascontiguousarray(part).tobytes())
    return figure, digest.hexdigest()[:20]


def studio_trace(state: StudioState, image: np.ndarray) -> ConvTrace | None:
    """The trace of the selected filter sliding over ``image`` ``(H, W, C)`` (cached), or None if impossible."""
    try:
        return cached_trace(*trace_args(state, image))
    except ValueError:
        return None


def animation_section(state: StudioState, image: np.ndarray, refresh: bool = False) -> ConvTrace | None:
    """The player for the selected filter sliding over ``image`` ``(H, W, C)``; returns its trace. ``refresh``: the
    part below the stage has not followed the state yet, and the page reports once this figure is drawn."""
    try:
        image, kernel, bias, stride, padding, dilation = trace_args(state, image)  # the kind's sliding view
        trace = cached_trace(image, kernel, bias, stride, padding, dilation)
    except ValueError as err:
        st.error(f"Cannot animate this: {err}.")
        return None
    state.step = min(state.step, trace.steps - 1)
    layout = st.session_state.get(LAYOUT_KEY) or DEFAULT_LAYOUT
    height = figure_height(layout["avail"], layout["width"], image.shape[2])
    budget = frame_budget(kernel, trace.padded.size + trace.steps)
    light = bool(st.session_state.get(LIGHT_KEY)) and trace.steps > LIGHT_ABOVE
    if light:  # right after a kernel edit: few frames, dense around the step shown (see _apply_kernel_change)
        budget = LIGHT_FRAMES
    anchor = state.step if light else _dense_anchor(state.step, trace.steps, budget)
    figure, fig_id = player_figure(image, kernel, bias, stride, padding, dilation,
                                   state.presentation, layout["width"], height, anchor, budget if light else None,
                                   LIGHT_DENSE if light else DENSE_FRAMES)
    sliding_player(figure, fig_id=fig_id, steps=trace.steps, step=state.step, speed_ms=state.speed_ms,
                   presentation=state.presentation, layout=layout, key=PLAYER_KEY, kernel=kernel_spec(state),
                   partial=light, refresh=refresh, on_change=_on_player)
    if not state.presentation:  # a phone's copy of the intro (the page's style shows one of the two)
        st.container(key=f"{INTRO_KEY}_below").caption(INTRO)
    seconds = trace.steps * state.speed_ms / 1000
    if seconds > 60 and not state.presentation:
        st.caption(f"{trace.steps:,} steps take {seconds / 60:.0f} min at {state.speed_ms} ms a step: pick a "
                   "faster speed, a smaller animation size in the sidebar, or click any output cell to jump to it.")
    return trace


def downloads(state: StudioState, trace: ConvTrace, name: str) -> None:
    """The animation as a GIF and as one HTML page that plays offline."""
    frame_ms = state.speed_ms
    # Streamlit keeps a download's function for the session's life: it holds the trace's inputs, not the trace.
    again, kernel = trace.recipe(), trace.kernel
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download the animation (GIF)",
        data=heavy(lambda: animation_gif(again(), frame_ms=frame_ms)),
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
        data=heavy(lambda: standalone_html(sliding_figure(again(), frame_ms=frame_ms, max_frames=frame_budget(kernel)),
                                           title=f"Convolution: {name}")),
        file_name="convolution.html",
        mime="text/html",
        key="download_html",
        on_click="ignore",
        width="stretch",
        help="One page with everything inside (plotly.js too): it plays in any browser, with no internet.",
    )
