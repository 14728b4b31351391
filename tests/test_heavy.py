"""The process-wide bound on heavy work (visualizer/ui/heavy.py) and what the page shows when it is busy.

References: a count of the threads inside the bound, kept by the test itself; Streamlit's AppTest for the page.
"""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from visualizer.ui import heavy


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
