"""The studio's address bar carries its share link, so a reload, a reconnect or a move to another instance
restores the view.

Why a component and not ``st.query_params``: setting ``st.query_params`` makes Streamlit's page call
``history.pushState`` (a new entry in the browser's history for every edit and every step), and after a
reconnect Streamlit sends the new server session the query string the page was *opened* with, not the one in
the address bar. The component's page (``address_bar_assets/``) calls ``history.replaceState`` on the app's
window, which neither adds to the history nor reruns the script; and when a new server session (a lost
instance, a restart) draws an older view than the address bar holds, it sends the address bar's link back
once and :func:`_restore` rebuilds the state from it, with the link's own checks (``from_query``).
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlencode

import streamlit as st

from visualizer.studio_state import StudioState, from_query, to_query

from .player import address_bar_component as _address_bar
from .studio_model import LINK_ERRORS, STATE_KEY, bump_editors

KEY = "w_address_bar"
SESSION_TOKEN = "_address_bar_session"  # names this server session to the page (a new one after a reconnect)
RESTORED = "_address_bar_restored"
MAX_QUERY_CHARS = 600_000  # above the longest link to_query writes (bank: MAX_BANK_CHARS)



def link_query(state: StudioState) -> str:
    """The share link's query string (without ``?``), as the address bar carries it."""
    return urlencode(to_query(state), safe=",()")


def _token() -> str:
    ss = st.session_state
    if not isinstance(ss.get(SESSION_TOKEN), str):
        ss[SESSION_TOKEN] = secrets.token_hex(8)
    return ss[SESSION_TOKEN]


def _restore() -> None:
    """The page asked to restore the view its address bar holds (this session started from an older one)."""
    ss = st.session_state
    value = ss.get(KEY)
    if not isinstance(value, dict) or value.get("session") != _token():
        return
    query = value.get("restore")
    if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS:
        return
    params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    state, errors = from_query(params, StudioState())
    ss[STATE_KEY] = state
    ss[LINK_ERRORS] = errors
    ss[RESTORED] = True
    bump_editors()


def address_bar(state: StudioState) -> None:
    """Keep the browser's address bar equal to the share link of ``state`` (nothing is drawn)."""
    if st.session_state.get(STATE_KEY) is not state:
        st.rerun()  # the view was restored during a rerun of the player's fragment alone: draw the whole page
    _address_bar(query=link_query(state), session=_token(), key=KEY, default=None, on_change=_restore,
                 tab_index=-1)


def restored_note() -> None:
    """Say once that the view came back from the address bar (after a lost connection or server)."""
    if st.session_state.pop(RESTORED, False):
        st.toast("Reconnected: your view was restored from the link in the address bar.")
