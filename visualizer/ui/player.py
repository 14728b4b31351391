"""The sliding-window player: a small Streamlit component that draws the animation with Plotly and owns
the current step (Play, Pause, First, Back, Next, Last, a scrub bar, speed, clicks on output cells, keys).

Why a component: Plotly's own Play runs in the browser and never tells the server which frame it stopped
on, so a second step controller on the server could only disagree with it. Here the browser holds the one
current step and reports it when it settles; the app stores it in its state and passes it back.

The component's page (``player_assets/``) loads plotly.js's cartesian bundle (heatmaps, scatter, shapes: all the
figure uses), vendored from npm's ``plotly.js-cartesian-dist-min`` at the version plotly.py embeds (MIT, see
``PLOTLY-LICENSE.txt``). It is a third of the full bundle, so the first chart is drawn sooner, and it is served by
the app itself: nothing is fetched from outside the app's host. ``tests/test_player.py`` fails when plotly.py moves
to another plotly.js, so the two never drift apart.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

ASSETS = Path(__file__).resolve().parent / "player_assets"
PLOTLY_BUNDLE = ASSETS / "plotly-cartesian.min.js"
ADDRESS_BAR_ASSETS = Path(__file__).resolve().parent / "address_bar_assets"
FIGURE_ASSETS = Path(__file__).resolve().parent / "figure_assets"  # its page loads PLOTLY_BUNDLE from the player's URL

PHOTO_ASSETS = Path(__file__).resolve().parent / "photo_assets"  # feature maps as pictures, a photo's too

_player = components.declare_component("sliding_player", path=str(ASSETS))
_figures = components.declare_component("plotly_figures", path=str(FIGURE_ASSETS))
_photo = components.declare_component("photo_maps", path=str(PHOTO_ASSETS))
# The studio's address bar (ui/address_bar.py): every component of the app is declared here, from a local folder.
address_bar_component = components.declare_component("address_bar", path=str(ADDRESS_BAR_ASSETS))
CONE_ASSETS = Path(__file__).resolve().parent / "cone_assets"  # the receptive-field cone (ui/receptive_view.py)
_cone = components.declare_component("cone_chart", path=str(CONE_ASSETS))
VIEWPORT_ASSETS = Path(__file__).resolve().parent / "viewport_assets"
_viewport = components.declare_component("column_width", path=str(VIEWPORT_ASSETS))


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
    kernel: dict | None = None,
    partial: bool = False,
    refresh: bool = False,
    on_change=None,
) -> dict | None:
    """Draw ``figure`` (a sliding figure with one frame per step, named by step) and its controls.

    ``fig_id`` names the figure: the browser redraws only when it changes, and otherwise just moves to
    ``step``. ``layout`` is the ``{"width", "avail"}`` the figure was laid out for (pixels), so the page
    can ask for a new layout when the window differs. The page is also told ``seen``, the number (``seq``) of
    its last report this run has taken, so that it ignores a step from a run that has not seen its latest
    report.

    ``kernel`` makes the kernel panel editable in place: ``{"filter", "values" (kh, kw, C) nested lists, "axes"
    (each channel's kernel panel axis ids), "channels" (names), "limit", "number" (the grammar of a typed value,
    a regular expression), "presets" ([name, label] pairs), "notice" ({"id", "text"}: the app refused an edit)}``.

    ``partial``: the figure has fewer frames than the animation allows (sent right after a kernel edit, so that it
    shows at once); the page asks for the whole figure (``"complete": true``) once the person stops editing.

    ``refresh``: what the page shows below the player has not followed this figure yet; the page reports
    (``"refresh": true``) once the figure is drawn and the person has paused, and the app draws it then. A partial
    figure's ``"complete": true`` comes with ``"refresh": true`` too.

    Returns the last value the page sent: ``{"step", "speed_ms", "width", "avail", "seq"}``, with ``"edit"``
    (``{"filter", "channel", "row", "col", "text"}``) when a kernel cell was changed or ``"preset"`` (a name)
    when a preset was chosen; or None.
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
        kernel=kernel,
        partial=bool(partial),
        refresh=bool(refresh),
        key=key,
        default=None,
        on_change=on_change,
        tab_index=0,
    )


def plotly_figures(figures: list[dict], *, fig_id: str, headings: list[list[str]], labels: list[str],
                   key: str) -> None:
    """Draw static Plotly figures (JSON-ready dicts) one below the other, each under a heading, in one frame with
    the player's plotly.js.

    The studio draws its small static figures this way (the receptive field, the transposed stamping), so that its
    page does not load Streamlit's own Plotly code (4.7 MB) next to the player's bundle. ``fig_id`` names the
    figures' content: the page redraws only when it changes. ``headings`` are ``[bold, rest]`` pairs and
    ``labels`` the figures' accessible names; both are shown as plain text (never HTML or Markdown).
    """
    _figures(figures=figures, fig_id=fig_id, headings=headings, labels=labels, key=key, default=None, tab_index=-1)


def photo_pictures(*, fig_id: str, photo: dict | None, panels: list[dict], large: bool, key: str,
                   on_change) -> dict | None:
    """Draw feature maps as pictures, with the photo they come from when there is one (``photo_assets/``; see
    :mod:`visualizer.ui.photo_view` for the arguments); ``large``: tiles and texts for a projector (presentation
    mode). With a photo, returns where the last click or drag on a picture ended: ``{"target", "fy", "fx", "seq"}``
    or None; without one, nothing on them can be picked."""
    return _photo(fig_id=fig_id, photo=photo, panels=panels, large=bool(large), key=key, default=None,
                  on_change=on_change, tab_index=-1)


def cone_chart(figure: dict, *, fig_id: str, ids: list[int], sizes: list[list[int]], hover: dict | None,
               colours: dict[str, str], key: str, on_change) -> dict | None:
    """Draw the receptive-field cone (``cone_assets/``, the player's plotly.js): the pointer over a cell lights its
    field on every panel before it, read from ``hover`` (:func:`visualizer.figures.receptive.hover_fields`; None: the
    hover only names the field); a click reports ``{"stage", "row", "col", "seq"}``.

    ``ids`` are the stage numbers of the panels, ``sizes`` their ``[rows, cols]``; ``colours`` the ``lit``, ``chosen``
    and ``highlight`` colours of the figure's field, its hovered cell and the field's dashed box."""
    return _cone(figure=figure, fig_id=fig_id, ids=ids, sizes=sizes, hover=hover, key=key, default=None,
                 on_change=on_change, tab_index=-1, **colours)


def column_width(*, key: str) -> int | None:
    """The width in pixels of the column this is called in, as the browser reports it (``viewport_assets/``; a
    frame 0 px tall), rounded to 10 px; None until the page has reported it (the first run of a session)."""
    known = st.session_state.get(key)
    known_width = known.get("width") if isinstance(known, dict) else None
    value = _viewport(known=known_width if isinstance(known_width, (int, float)) else None, key=key, default=None,
                      tab_index=-1)
    width = value.get("width") if isinstance(value, dict) else None
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not 150 <= width <= 8000:
        return None
    return int(width)
