"""The sliding-window player: a small Streamlit component that draws the animation with Plotly and owns
the current step (Play, Pause, First, Back, Next, Last, a scrub bar, speed, clicks on output cells, keys).

Why a component: Plotly's own Play runs in the browser and never tells the server which frame it stopped
on, so a second step controller on the server could only disagree with it. Here the browser holds the one
current step and reports it when it settles; the app stores it in its state and passes it back.

The component's page (``player_assets/``) loads plotly.js from the plotly package installed with the app,
copied once per process into a folder Streamlit serves (Streamlit refuses files behind symlinks), so
nothing is fetched from outside the app's own host.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import plotly
import streamlit as st
import streamlit.components.v1 as components

ASSETS = Path(__file__).resolve().parent / "player_assets"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def _served_folder() -> Path:
    """A folder with the player's page and plotly.min.js, made once per version of either."""
    files = sorted(ASSETS.iterdir())
    digest = hashlib.sha256(plotly.__version__.encode())
    for f in files:
        digest.update(f.name.encode() + f.read_bytes())
    target = Path(tempfile.gettempdir()) / f"convviz-player-{digest.hexdigest()[:16]}"
    if (target / "plotly.min.js").is_file():
        return target
    staging = Path(tempfile.mkdtemp(prefix="convviz-player-"))
    for f in files:
        shutil.copyfile(f, staging / f.name)
    shutil.copyfile(PLOTLY_JS, staging / "plotly.min.js")
    try:
        os.replace(staging, target)  # atomic: another process may have made it meanwhile
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return target


_player = components.declare_component("sliding_player", path=str(_served_folder()))


def sliding_player(
    figure: dict,
    *,
    fig_id: str,
    steps: int,
    step: int,
    speed_ms: int,
    presentation: bool,
    layout: dict,
    key: str,
    on_change=None,
) -> dict | None:
    """Draw ``figure`` (a sliding figure with one frame per step, named by step) and its controls.

    ``fig_id`` names the figure: the browser redraws only when it changes, and otherwise just moves to
    ``step``. ``layout`` is the ``{"width", "avail"}`` the figure was laid out for (pixels), so the page
    can ask for a new layout when the window differs. The page is also told ``seen``, the number (``seq``) of
    its last report this run has taken, so that it ignores a step from a run that has not seen its latest
    report. Returns the last value the page sent:
    ``{"step", "speed_ms", "width", "avail", "seq"}`` or None.
    """
    last = st.session_state.get(key)
    seen = last.get("seq") if isinstance(last, dict) else None
    return _player(
        figure=figure,
        seen=seen if isinstance(seen, int) and not isinstance(seen, bool) else 0,
        fig_id=fig_id,
        steps=int(steps),
        step=int(step),
        speed_ms=int(speed_ms),
        presentation=bool(presentation),
        layout=layout,
        key=key,
        default=None,
        on_change=on_change,
        tab_index=0,
    )
