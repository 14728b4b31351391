"""The convolution studio: pick or draw an image, edit filters, and watch them slide over it.

The first screen teaches: one sentence, the layer's shapes, and the player (input, kernel, products,
output, the sum, Play). The kernel is edited in the player itself (its cells, a row of presets); the image and
the filter bank in the sidebar. Under the player its feature maps (what every filter makes of the image), then the
current cell's receptive field, the share link, the sliding (stride, padding, dilation, the kind) with its
arithmetic, and the exports, quiz and code. Presentation mode keeps only the player (large), the maps and a way back.

Parts, so that an edit costs what it changes. The main area is one fragment (:func:`_main`): a filter picked, a
preset or a new speed rerun it, never the sidebar. Inside it the stage is a fragment of its own
(:func:`_stage_part`): the layer's shapes, the player with the maps, the field, the share link and the sliding
controls; the sliding controls rerun it alone. Inside the stage the player, the maps and the address bar are one
fragment (:func:`_player_part`): a step, a kernel cell typed in the player or the maps' controls rerun just that, in
one run, since every element a run redraws costs the browser time (bench_browser: a typed value on the 64x64 RGB
image took 0.34 s with the whole stage, 0.26 s so). The header, the field and share link (:func:`_field_part`) and
the downloads, quiz and code below (:func:`_below_part`) follow a moment later, when the player reports its new
figure drawn (:func:`header_view`, :func:`field_view`, :func:`below_view` say whether they must). The sidebar is drawn
by full runs only; :func:`_sidebar_view` is what it shows that the main area can change, so a change inside a
fragment that would leave the sidebar out of date (another filter, presentation mode, a kernel edit while a sidebar
editor of its values is open) reruns the whole page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from visualizer import family
from visualizer.network import size_arithmetic
from visualizer.studio_state import RANGES, StudioState, is_photo, region_text, set_channels, to_query
from visualizer.text import md_text, plain

from .address_bar import address_bar, restored_note
from .animation_view import INTRO, INTRO_KEY, animation_section, downloads, studio_trace
from .code_view import code_section
from .common import INPUT_IMAGE, INPUT_NAME, error_boundary, lazy_expander, shape_label
from .family_view import family_section, kind_control
from .feature_maps_view import feature_maps_section
from .filter_editor import GRID_OPEN, TEXT_OPEN, bank_controls, filter_editor, sync_bank_widgets
from .heavy import BUSY_MESSAGE, heavy_section
from .inputs import input_panel
from .quiz_view import quiz_section
from .receptive_view import studio_field_section
from .studio_model import (
    BELOW_DRAWN,
    BELOW_PART,
    FIELD_DRAWN,
    FIELD_PART,
    HEADER_DRAWN,
    HEADER_PART,
    LINK_ERRORS,
    MAIN_FRAGMENT,
    PLAYER_PART,
    SHARE_OPEN,
    STAGE_PART,
    bind,
    bump_editors,
    studio_state,
    working_image,
)

CHANNEL_CHOICES = {1: "Grayscale (1 channel)", 3: "RGB (3 channels)"}
CHANNEL_NOTE = "_studio_channel_note"
SIDEBAR_VIEW = "_studio_sidebar_view"  # what the sidebar showed at the last full run (see _sidebar_view)
MAIN_RUN = "_studio_main_running"  # set while the whole main area runs (the stage then needs no report to follow)
STAGE_RUN = "_studio_stage_running"  # set while the player's fragment runs within the stage (the field then too)


def _on_channels() -> None:
    channels = st.session_state.get("w_channels")
    if channels in CHANNEL_CHOICES:
        st.session_state[CHANNEL_NOTE] = set_channels(studio_state(), channels)
        bump_editors()


def _sidebar_image(state: StudioState) -> None:
    """Sidebar, part 1: the image (an upload or a drawing is read here, so it runs before the player)."""
    with st.sidebar:
        st.header("1 · Image")
        with error_boundary("image panel"):
            input_panel(state)
        st.session_state["w_channels"] = state.channels
        st.radio("Channels", list(CHANNEL_CHOICES), format_func=CHANNEL_CHOICES.get, horizontal=True,
                 key="w_channels", on_change=_on_channels)
        if st.session_state.get(CHANNEL_NOTE):  # here, not above the player: it would push Play down
            st.caption(st.session_state[CHANNEL_NOTE])
        if is_photo(state):
            st.slider("Animated region (pixels a side)", *RANGES["working_size"],
                      help="The animation runs on a square of the photo this many pixels a side, at the photo's own "
                      "pixels; click or drag on the photo under Feature maps to choose where.",
                      **bind("w_working_size", "working_size"))
        else:
            st.slider("Animation size (pixels a side)", *RANGES["working_size"],
                      help="The image is shrunk to at most this many pixels a side for the animation; "
                      "small images are never enlarged.", **bind("w_working_size", "working_size"))
        _preview(state)


def _sidebar_filters(state: StudioState) -> None:
    """Sidebar, part 2: the filters. Their widgets change the state only in callbacks (before the page runs),
    so they are drawn after the player: the player's new figure reaches the browser first, while the rest of the
    page is still being sent. The heading names the filter by number only: its name (which a kernel edit in the
    player changes) is in the picker above the player, so that edit need not redraw the sidebar."""
    with st.sidebar:
        st.header("2 · Filters")
        sync_bank_widgets(state)
        bank_controls(state)
        st.subheader(f"Filter {state.selected + 1}: {md_text(state.names[state.selected], limit=40)}")
        with error_boundary("filter editor"):
            filter_editor(state)


def _sidebar_view(state: StudioState, image: np.ndarray) -> tuple:
    """What the sidebar shows that a change inside the main fragment can alter: if this differs from what the
    last full run drew, the fragment reruns the whole page (and the sidebar agrees again)."""
    ss = st.session_state
    view: list = [state.presentation, state.selected, state.n_filters, state.kernel_size, state.use_bias,
                  state.channels, hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()]
    if ss.get(GRID_OPEN) or ss.get(TEXT_OPEN):  # the selected filter's values are on show there
        view.append(state.bank[state.selected].tobytes())
    return tuple(view)


def _sliding(state: StudioState, image: np.ndarray, fits: bool) -> None:
    """Stride, padding and dilation (in the stage: a change reruns it alone), and the output size."""
    c1, c2, c3, _ = st.columns([1, 1, 1, 2.4 if fits else 0.1])
    c1.number_input("Stride", *RANGES["stride"], help="How many pixels the filter moves at each step.",
                    **bind("w_stride", "stride"))
    c2.number_input("Padding", *RANGES["padding"], help="Rings of zeros added around the image.",
                    **bind("w_padding", "padding"))
    c3.number_input("Dilation", *RANGES["dilation"], help="Spacing between the kernel's cells (1 = none).",
                    **bind("w_dilation", "dilation"))
    kind_control(state)
    if fits and state.kind == "standard":
        _arithmetic(state, image)
    if fits:
        with error_boundary("kind of convolution"):
            family_section(state, image)


def _preview(state: StudioState) -> None:
    """The animation's input as it is (in colour for RGB), pixels kept sharp."""
    image = working_image(state)
    h, w = image.shape[:2]
    scale = max(1, 96 // max(h, w))
    pixels = np.repeat(np.repeat(np.clip(image * 255, 0, 255).round().astype(np.uint8), scale, 0), scale, 1)
    st.image(pixels if image.shape[2] == 3 else pixels[:, :, 0],
             caption=f"The animation's input, {h}x{w}" + (" in colour" if image.shape[2] == 3 else ""),
             alt=f"The animation's input image, {h} by {w} pixels")


def _shapes(state: StudioState, image: np.ndarray) -> tuple[str, tuple[int, int] | None, str]:
    """The layer's shapes as one line ("Input 5x5x1 · 1 filter 3x3x1 → output 3x3x1"), the output's size (None: no
    output with these settings) and, then, why not."""
    h, w, c = image.shape
    n, kh, kw, _ = state.bank.shape
    problem = ""
    try:
        ho, wo = family.output_hw(state.kind, (h, w), (kh, kw), stride=state.stride, padding=state.padding,
                                  dilation=state.dilation)
    except ValueError as err:
        ho = wo = None
        problem = str(err)
    try:  # a grouped filter uses its group's channels only
        seen = c // family.kind_groups(state.kind, c, n, state.groups)
    except ValueError:
        seen = c
    shapes = (f"Input {shape_label((h, w, c))} · {n} filter{'s' if n > 1 else ''} {shape_label((kh, kw, seen))}"
              + (f" → output {shape_label((ho, wo, n))}" if ho else ""))
    return shapes, (None if ho is None else (ho, wo)), problem


def _shapes_text(state: StudioState, image: np.ndarray) -> str:
    """The layer's shapes as one line: numbers and the app's own words only."""
    return _shapes(state, image)[0]


def _shapes_line(state: StudioState, image: np.ndarray) -> None:
    """The shapes and the image's name, then the intro's sentence (on a phone it is written under the player)."""
    with st.container(gap=None):
        st.markdown(f"**{_shapes_text(state, image)}** ({md_text(state.input_name, limit=40)}).")
        st.container(key=INTRO_KEY).markdown(INTRO)


@st.fragment(key=HEADER_PART)
def _header() -> tuple[int, int] | None:
    """Title, the filter picker and the presentation switch (in presentation mode the layer's shapes too); the
    output's size (None: no output with these settings, said here). A fragment, so that a kernel value that renames
    the filter ("... (edited)" in the picker) reruns it with the stage; its own widgets rerun the whole main area."""
    state = studio_state()
    st.session_state[HEADER_DRAWN] = header_view(state)
    image = working_image(state)
    _, fits, problem = _shapes(state, image)
    n = state.bank.shape[0]
    title, mid, right = st.columns([4.2, 2.6, 2.0], vertical_alignment="bottom")
    if state.presentation:  # one short row: what is shown, which filter, the way back
        title.markdown(f"**{_shapes_text(state, image)}** ({md_text(state.input_name, limit=40)})")
    else:
        title.title("Convolution studio")
    mid.selectbox("Filter to watch", range(n), format_func=lambda i: f"{i + 1}: {plain(state.names[i], 40)}",
                  label_visibility="collapsed" if state.presentation else "visible",
                  **bind("w_selected", "selected", rerun=[MAIN_FRAGMENT]))
    right.toggle("Presentation mode", help="For a projector: the animation fills the screen; Page Up / Page Down "
                 "or the arrow keys step it. Switch off to get the controls back.",
                 **bind("w_presentation", "presentation", rerun=[MAIN_FRAGMENT]))
    if fits is None:
        if not state.presentation:
            _shapes_line(state, image)
        st.error(f"No output with these settings: {problem}. Make the kernel, dilation or stride smaller, or add "
                 "padding. Your image and filters are kept.")
    return fits


def _arithmetic(state: StudioState, image: np.ndarray) -> None:
    h, w, c = image.shape
    n, kh, kw, _ = state.bank.shape
    args = {"stride": state.stride, "padding": state.padding, "dilation": state.dilation}
    st.markdown(
        f"**Output size per side**: `floor((i + 2p - d(k-1) - 1) / s) + 1`. Height: "
        f"`{size_arithmetic(h, kh, **args)}`. Width: `{size_arithmetic(w, kw, **args)}`."
    )
    st.caption(
        f"Each filter has {c} channel{'s' if c > 1 else ''}, like its input; its {c} channel sum"
        f"{'s are' if c > 1 else ' is'} added into one number, so {n} filter{'s give' if n > 1 else ' gives'} "
        f"{n} output channel{'s' if n > 1 else ''}. Every output value is "
        "`out[y, x, n] = b[n] + Σ in[y·s + u·d, x·s + v·d, c] × w[n, u, v, c]` over the kernel's cells (u, v) "
        "and channels c."
    )


def share_link(state: StudioState) -> str:
    """The full link that opens the studio as it is now."""
    base = ""
    try:
        url = st.context.url or ""
        base = url.split("?", 1)[0].rstrip("/")
        for suffix in ("/studio", "/network", "/learn"):
            base = base.removesuffix(suffix)
    except Exception:  # no browser context (tests): a relative link still works when pasted after the host
        base = ""
    return f"{base}/studio?{urlencode(to_query(state), safe=',()')}"


def _share(state: StudioState) -> None:
    # Drawn only while open (kept for the session): the link's code block loads a 1.5 MB highlighter.
    section = lazy_expander("Share this view", SHARE_OPEN)
    if section is None:
        return
    with section, error_boundary("share link"):
        st.caption("This link opens the studio as it is now: the example (or a pixel-grid drawing up to 16x16), "
                   "channels, sizes, every filter with its exact values and name, the step, speed, activation "
                   "and pooling. An uploaded photo or a canvas drawing is not in the link. Copy it with the "
                   "button at the right of the box.")
        st.code(share_link(state), language=None, wrap_lines=True)


def run_bytes(state: StudioState, image: np.ndarray) -> float:
    """Roughly what one run of the studio's views holds at once, in bytes: the feature maps (convolution,
    activation, pooling and their copies) and the animation's trace and figure (heavy.py bounds the large ones)."""
    h, w, c = image.shape
    n, kh, kw, _ = state.bank.shape
    side = 256 if state.maps == "full" else max(h, w)
    return 4 * 8.0 * side * side * n + 3 * 8.0 * h * w * kh * kw * c


@st.fragment(key=MAIN_FRAGMENT)
def _main() -> None:
    """The main area: header, player, share link, sliding, feature maps, exports, quiz and code. A widget in
    it (the sliding, the filter picker) reruns this alone."""
    ss = st.session_state
    state = studio_state()
    image = working_image(state)
    _sidebar_agrees(state, image)
    ss[INPUT_IMAGE] = image  # the network view offers the studio's image
    ss[MAIN_RUN] = True  # the part below the stage is drawn in this run too
    try:
        with heavy_section(run_bytes(state, image)) as granted:  # re-entrant: a full run holds it already
            _main_views(state, image, granted)
    finally:
        ss.pop(MAIN_RUN, None)


def _sidebar_agrees(state: StudioState, image: np.ndarray) -> None:
    """A run of the main area or of one of its parts that would leave the sidebar out of date draws the whole
    page instead (the sidebar is drawn by full runs only)."""
    if st.session_state.get(SIDEBAR_VIEW) != _sidebar_view(state, image):
        st.rerun(scope="app")  # the change shows in the sidebar too: draw the whole page


@contextmanager
def _part() -> Iterator[tuple[StudioState, np.ndarray, bool]]:
    """What every part of the main area does first, whether it runs within the main area or alone: the state and the
    image read afresh (a fragment run alone would otherwise get the image of the last full run as an argument), the
    whole page drawn instead when the sidebar would be out of date, and the bound on heavy work held (re-entrant:
    the main area's run holds it already). Yields ``(state, image, granted)``; when not granted, the busy message
    is shown."""
    state = studio_state()
    image = working_image(state)
    _sidebar_agrees(state, image)
    with heavy_section(run_bytes(state, image)) as granted:
        if not granted:
            _busy()
        yield state, image, granted


def header_view(state: StudioState) -> tuple:
    """What the header draws that a kernel value typed in the player can change: the filters' names in its picker
    (the first value typed makes a name "... (edited)"). The header follows with the part below (see below_view)."""
    return tuple(state.names), state.presentation


def below_view(state: StudioState, image: np.ndarray) -> tuple:
    """What the part below the stage (downloads, quiz, code) draws from: when it differs from what that part last
    drew, the stage asks the player to report once its new figure is drawn, and the part below follows."""
    return (hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest(), state.bank.tobytes(),
            state.effective_bias.tobytes(), state.stride, state.padding, state.dilation, state.kind, state.groups,
            state.speed_ms, state.selected, state.names[state.selected])


def field_view(state: StudioState, image: np.ndarray) -> tuple:
    """What the field's part of the stage (the cell's receptive field, the share link) draws that a step or a kernel
    value typed in the player can change: it follows with the header and the part below (see below_view)."""
    view: list = [state.step, state.field_layers, hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()]
    if st.session_state.get(SHARE_OPEN):  # the link, while it is on show: what the player's part can change in it
        view += [state.bank.tobytes(), tuple(state.names), state.activation, state.maps, state.pooling,
                 state.map_scale, state.region]
    return tuple(view)


@st.fragment(key=STAGE_PART)
def _stage_part() -> None:
    """The layer's shapes, the player with the feature maps, the current cell's field, the share link and the sliding
    controls (with the kind's own view): all that a setting changes. The sliding controls rerun this alone, in one
    run. A step, a kernel value typed in the player or the maps' own controls rerun the player's fragment only
    (``_player_part``); the header, the field's part (``_field_part``) and the part below follow when the player
    reports the new figure drawn (``header_view``, ``field_view``, ``below_view``)."""
    ss = st.session_state
    with _part() as (state, image, granted):
        if not granted:
            address_bar(state)
            return
        if _shapes(state, image)[1] is None:  # these settings leave no output: the whole page says so
            st.rerun(scope="app")
        if not state.presentation:
            _shapes_line(state, image)
        ss[STAGE_RUN] = True  # the rest of the stage is drawn in this run too
        try:
            _player_part()
        finally:
            ss.pop(STAGE_RUN, None)
        if not state.presentation:
            _field_part()
            _sliding(state, image, True)


@st.fragment(key=PLAYER_PART)
def _player_part() -> None:
    """The player, the feature maps and the address bar: what a step or a kernel value typed in the player changes
    (the link holds the kernel's values and the step). Run alone, it leaves the header, the rest of the stage and the
    part below as they were: the player asks for them once its figure is drawn, if they show something that changed."""
    ss = st.session_state
    with _part() as (state, image, granted):
        if not granted:
            return
        alone = not ss.get(MAIN_RUN)
        stale = alone and (ss.get(HEADER_DRAWN) != header_view(state) or (not state.presentation and (
            ss.get(BELOW_DRAWN) != below_view(state, image)
            or (not ss.get(STAGE_RUN) and ss.get(FIELD_DRAWN) != field_view(state, image)))))
        with error_boundary("animation"):
            animation_section(state, image, refresh=stale)
        where = region_text(state)
        if where is not None and not state.presentation:
            st.caption(f"The animation shows {where}, at the photo's own pixels (its row and column 0 are the "
                       "region's first). Click or drag on the photo under **Feature maps** to move it.")
        st.subheader("Feature maps")
        with error_boundary("feature maps"):
            feature_maps_section(state, image)
        address_bar(state)  # here, so that a step or an edit (a run of this alone) reaches the address bar


@st.fragment(key=FIELD_PART)
def _field_part() -> None:
    """Under the feature maps: the receptive field of the current step's cell and the share link."""
    with _part() as (state, image, granted):
        if not granted:
            return
        st.session_state[FIELD_DRAWN] = field_view(state, image)
        trace = studio_trace(state, image)
        if trace is not None:
            with error_boundary("receptive field"):
                studio_field_section(state, trace, image)
        _share(state)


def _main_views(state: StudioState, image: np.ndarray, granted: bool) -> None:
    fits = _header()
    if fits is not None and granted:
        _stage_part()
        if not state.presentation:
            _below_part()
        return
    if fits is not None:
        _busy()
    address_bar(state)
    if not state.presentation:
        _sliding(state, image, fits is not None)  # kept when busy: the controls to ask for less


@st.fragment(key=BELOW_PART)
def _below_part() -> None:
    """The downloads, the quiz and the code: all follow the state, a moment after the stage (see ``below_view``)."""
    with _part() as (state, image, granted):
        if not granted:
            return
        st.session_state[BELOW_DRAWN] = below_view(state, image)
        trace = studio_trace(state, image)
        if trace is not None:
            with error_boundary("downloads"):
                downloads(state, trace, state.names[state.selected])
            with error_boundary("quiz"):
                quiz_section(trace, state.kind)
        with error_boundary("code"):
            code_section(image, state.bank, state.effective_bias, state.stride, state.padding, state.dilation,
                         kind=state.kind, groups=state.groups)


def _busy() -> None:
    st.warning(BUSY_MESSAGE)
    st.button("Try again", key="busy_retry_studio")


def render() -> None:
    state = studio_state()
    with heavy_section(run_bytes(state, working_image(state))) as granted:
        _page(state, granted)


def _page(state: StudioState, granted: bool) -> None:
    ss = st.session_state
    restored_note()
    errors = ss.pop(LINK_ERRORS, None)
    if errors:
        st.warning("Some settings in the link were not used, and the defaults stand in for them: "
                   + "; ".join(md_text(e, limit=160) for e in errors) + ".")
    if not state.presentation:
        _sidebar_image(state)
    image = working_image(state)
    ss[INPUT_NAME] = state.input_name
    ss[SIDEBAR_VIEW] = _sidebar_view(state, image)
    _main()
    if not state.presentation:
        _sidebar_filters(state)
