"""The studio's one state in the session, and the glue that makes widgets views of it.

The :class:`StudioState` lives under ``STATE_KEY``, a key no widget owns, so it survives page switches
(Streamlit drops a widget's value when a page does not draw it). A widget gets its value from the state
before it is drawn and writes back in its ``on_change`` callback (callbacks run before the page, so an
edit costs one run). The share link is read once per session, before any widget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

import numpy as np
import streamlit as st

from visualizer import load_example
from visualizer.studio_state import StudioState, clamp, from_query, photo_region

STATE_KEY = "studio_state"
LINK_APPLIED = "_studio_link_applied"
LINK_ERRORS = "_studio_link_errors"
EDITOR_VERSION = "_studio_editor_version"  # bumped when the bank changes outside the grid editors

MAIN_FRAGMENT = "studio_main"  # the studio's main area (ui/studio.py): a callback may ask it to rerun by this key
# Its parts, each a fragment a callback can name: the header (title, filter picker, presentation switch), the stage
# and the exports, quiz and code below it. The stage is what a setting changes: the layer's shapes, the player with
# the feature maps, then the cell's receptive field, the share link and the sliding controls; the stride or the kind
# rerun it alone, in one run (the field's toggle and the share link's expander: their own part, FIELD_PART). Inside
# it the player, the maps and the address bar are one fragment (PLAYER_PART): a step, a kernel value typed in the
# player, the activation or a click on a photo rerun just that, in one run (the player is in it, so no callback has
# to ask for another); every element a run redraws costs the browser time. The header (a filter's name "...
# (edited)"), FIELD_PART (the field of the new step, the share link) and what is below follow a moment later, when
# the player reports that its new figure is drawn (ui/animation_view.py).
HEADER_PART = "studio_header"
STAGE_PART = "studio_stage"
PLAYER_PART = "studio_player"
FIELD_PART = "studio_field"
BELOW_PART = "studio_below"
SHARE_OPEN = "w_share_open"  # the share link's expander (in the stage): open or closed
BELOW_DRAWN = "_studio_below_drawn"  # what the part below the stage last drew (studio.below_view)
HEADER_DRAWN = "_studio_header_drawn"  # what the header last drew that an edit can change (studio.header_view)
FIELD_DRAWN = "_studio_field_drawn"  # what the rest of the stage last drew that a step or an edit changes


def studio_state() -> StudioState:
    """This visitor's studio state (made on first use, from the share link if the page was opened with one)."""
    ss = st.session_state
    state = ss.get(STATE_KEY)
    if type(state).__name__ == "StudioState" and not isinstance(state, StudioState):
        # The module was imported again (a code change on a running server): keep the visitor's settings.
        state = StudioState(**{f.name: getattr(state, f.name) for f in fields(StudioState) if hasattr(state, f.name)})
        ss[STATE_KEY] = state
    if not isinstance(state, StudioState):
        state = StudioState()
        if not ss.get(LINK_APPLIED):
            ss[LINK_APPLIED] = True
            params = st.query_params.to_dict()
            if params:
                state, errors = from_query(params, state)
                ss[LINK_ERRORS] = errors
        ss[STATE_KEY] = state
    clamp(state)  # first: a state set by code can hold anything, even an example name that is not text
    if state.image is None:
        state.image = load_example(state.example, channels=3)
    return state


def bump_editors() -> None:
    """The bank changed outside the grid editors: they start again from the state's values."""
    st.session_state[EDITOR_VERSION] = st.session_state.get(EDITOR_VERSION, 0) + 1


def editor_version() -> int:
    return int(st.session_state.get(EDITOR_VERSION, 0))


def bind(key: str, attr: str, *, to_widget: Callable[[Any], Any] = lambda v: v,
         from_widget: Callable[[Any], Any] = lambda v: v, then: Callable[[StudioState], None] | None = None,
         rerun: list[str] | None = None) -> dict:
    """Make the widget ``key`` a view of the state's ``attr``: returns ``key`` and ``on_change`` to pass on.

    The widget's value is set from the state now (before the widget exists), and written back with
    ``from_widget`` when the person changes it; ``then`` runs after that (for follow-on changes). ``rerun``: the
    fragments (by key) a change reruns, instead of the one the widget is in.
    """
    state = studio_state()
    st.session_state[key] = to_widget(getattr(state, attr))

    def changed() -> None:
        current = studio_state()
        try:
            setattr(current, attr, from_widget(st.session_state[key]))
        except (KeyError, TypeError, ValueError):
            return  # a value no widget of ours sends: the state keeps what it had
        clamp(current)
        if then is not None:
            then(current)
        if rerun:
            st.rerun(rerun)

    return {"key": key, "on_change": changed}


def update(change: Callable[[StudioState], Any]) -> Callable[[], None]:
    """A callback that applies ``change`` to the state, then keeps it valid."""

    def run() -> None:
        state = studio_state()
        change(state)
        clamp(state)

    return run


def working_image(state: StudioState, side: int | None = None) -> np.ndarray:
    """The animation's input: the state's image at most ``side`` (default: the working size) a side; for a photo
    (``side`` not given), the region the animation runs on, cut out at the photo's own pixels."""
    from visualizer import resize_image, to_channels

    region = photo_region(state) if side is None else None
    if region is not None:
        y, x, h, w = region
        return to_channels(state.image[y:y + h, x:x + w], state.channels)
    return to_channels(resize_image(state.image, side or state.working_size), state.channels)
