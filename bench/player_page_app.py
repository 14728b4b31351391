"""The least page the studio's kernel edit can cost, for bench_browser.py: the studio's own player and feature maps
(the same functions, state model and components) and nothing else: no navigation, header, sidebar, sliding controls
or sections below. A value typed into its kernel reruns one fragment holding the two, as in the studio.

The edit on this page, against the bare page's edit in the same run, is what the player and the maps cost by
themselves (a Streamlit run that recomputes them, Plotly redrawing the player's figure, the maps' pictures): the
part of the studio's edit that no arrangement of the page's other parts can take away.
Run: ``streamlit run bench/player_page_app.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visualizer.ui.animation_view import animation_section  # noqa: E402
from visualizer.ui.feature_maps_view import feature_maps_section  # noqa: E402
from visualizer.ui.studio_model import (  # noqa: E402
    BELOW_PART,
    FIELD_PART,
    HEADER_PART,
    PLAYER_PART,
    STAGE_PART,
    studio_state,
    working_image,
)

st.set_page_config(page_title="Player and maps only", layout="wide")


@st.fragment(key=HEADER_PART)
def _header() -> None:
    """Empty: the player's reports after an edit rerun the studio's header, here nothing."""


@st.fragment(key=STAGE_PART)
def _stage() -> None:
    """The studio's stage with nothing but its player's fragment."""
    _player()
    _field()


@st.fragment(key=PLAYER_PART)
def _player() -> None:
    """As in the studio: the player and the feature maps, which a typed value reruns."""
    state = studio_state()
    image = working_image(state)
    animation_section(state, image)
    feature_maps_section(state, image)


@st.fragment(key=FIELD_PART)
def _field() -> None:
    """Empty, as the header."""


@st.fragment(key=BELOW_PART)
def _below() -> None:
    """Empty, as the header."""


_header()
_stage()
_below()
