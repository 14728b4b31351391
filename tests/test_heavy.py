"""The process-wide bound on heavy work (visualizer/ui/heavy.py) and what the page shows when it is busy.

References: a count of the threads inside the bound, kept by the test itself; Streamlit's AppTest for the page.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from visualizer.ui import heavy

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def test_no_more_than_the_slots_run_at_once_however_many_threads_ask() -> None:
    inside, most, lock = 0, 0, threading.Lock()

    @heavy.heavy
    def work() -> None:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.02)
        with lock:
            inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert most == heavy.HEAVY_SLOTS == 1
    assert inside == 0


def test_a_thread_that_holds_the_slot_can_nest_heavy_work() -> None:
    with heavy.heavy_work(), heavy.heavy_work():  # a figure builder asking for the trace: no wait for itself
        pass
    with heavy.heavy_work():  # the slot was given back
        pass


def test_a_visitor_who_waits_too_long_is_told_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heavy, "WAIT_S", 0.05)
    holding, release = threading.Event(), threading.Event()

    def other_visitor() -> None:
        with heavy.heavy_work():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=other_visitor)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(heavy.ServerBusy), heavy.heavy_work():
            pass
    finally:
        release.set()
        thread.join(10)
    with heavy.heavy_work():  # free again
        pass


def _busy_page() -> None:
    import streamlit as st

    from visualizer.ui.common import error_boundary
    from visualizer.ui.heavy import ServerBusy

    st.session_state["kept"] = st.session_state.get("kept", 0) + 1
    with error_boundary("feature maps"):
        raise ServerBusy("all slots taken")
    st.write("the rest of the page")


def test_the_page_says_busy_try_again_and_goes_on() -> None:
    at = AppTest.from_function(_busy_page).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [heavy.BUSY_MESSAGE]
    assert "the rest of the page" in [m.value for m in at.markdown]
    at.button(key="busy_retry_feature maps").click().run()  # "Try again" reruns; the session is kept
    assert at.session_state["kept"] == 2 and len(at.warning) == 1


def test_the_studio_at_its_largest_waits_for_a_slot_and_says_busy_keeping_its_controls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While another visitor's large request holds the slot, the largest view says busy; its sidebar stays."""
    from urllib.parse import parse_qs, urlencode

    from visualizer.studio_state import MAX_FILTERS, MAX_KERNEL, MAX_WORKING, StudioState, resize_bank, to_query
    from visualizer.ui.studio import run_bytes

    state = StudioState(example="Landscape photo (256x256, colour)", channels=3, working_size=MAX_WORKING,
                        padding=3, maps="full")
    resize_bank(state, MAX_FILTERS, MAX_KERNEL, MAX_KERNEL)
    image = np.zeros((MAX_WORKING, MAX_WORKING, 3))
    assert run_bytes(state, image) > heavy.HEAVY_RUN_BYTES > run_bytes(StudioState(), np.zeros((5, 5, 1)))
    monkeypatch.setattr(heavy, "WAIT_S", 0.2)
    holding, release = threading.Event(), threading.Event()

    def other_visitor() -> None:
        with heavy.heavy_work():
            holding.set()
            release.wait(60)

    thread = threading.Thread(target=other_visitor)
    thread.start()
    try:
        assert holding.wait(10)
        at = AppTest.from_file(APP, default_timeout=120)
        for key, values in parse_qs(urlencode(to_query(state), safe=",()")).items():
            at.query_params[key] = values[-1]
        at.run()
        assert not at.exception
        assert heavy.BUSY_MESSAGE in [w.value for w in at.warning]
        assert at.sidebar.number_input(key="w_stride").value == 1  # the controls are there to make it smaller
        small = AppTest.from_file(APP, default_timeout=120).run()  # the default view never waits
        assert not small.exception and heavy.BUSY_MESSAGE not in [w.value for w in small.warning]
    finally:
        release.set()
        thread.join(10)
    at.run()  # the slot is free: the same session draws its view
    assert heavy.BUSY_MESSAGE not in [w.value for w in at.warning]
    assert any("output [64 x 64 x 32]" in m.value for m in at.markdown)
