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
        assert at.number_input(key="w_stride").value == 1  # the controls are there to make it smaller
        assert at.sidebar.number_input(key="w_filters").value == 32
        small = AppTest.from_file(APP, default_timeout=120).run()  # the default view never waits
        assert not small.exception and heavy.BUSY_MESSAGE not in [w.value for w in small.warning]
    finally:
        release.set()
        thread.join(10)
    at.run()  # the slot is free: the same session draws its view
    assert heavy.BUSY_MESSAGE not in [w.value for w in at.warning]
    assert any("output [64 x 64 x 32]" in m.value for m in at.markdown)


def _arrays_held(function: object) -> list[np.ndarray]:
    """Every NumPy array a function keeps alive: through its closure, a partial's arguments, and the functions,
    containers and objects those hold (modules and classes are shared by everyone, not held for a visitor)."""
    import functools
    import gc
    import types

    found, seen, todo = [], set(), [function]
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, (type, types.ModuleType, str, bytes, int, float)):
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            found.append(item)
            continue
        if isinstance(item, types.FunctionType):
            todo.extend(cell.cell_contents for cell in item.__closure__ or ())
            todo.extend(item.__defaults__ or ())
            todo.extend(item.__kwdefaults__.values() if item.__kwdefaults__ else ())
            todo.append(getattr(item, "__wrapped__", None))
            continue
        if isinstance(item, functools.partial):
            todo.extend([item.func, *item.args, *item.keywords.values()])
            continue
        todo.extend(gc.get_referents(item))
    return found


def _record_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The functions the page's download buttons leave with Streamlit, by file name, as the page registers them."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    kept: dict[str, object] = {}
    register = MediaFileManager.add_deferred

    def recording(self, data_callable, *args, **kwargs):
        kept[kwargs.get("file_name")] = data_callable
        return register(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return kept


def test_the_studio_s_downloads_keep_their_inputs_not_the_maps_or_the_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit keeps a download's function for the session's life (two minutes after the page closed): at the
    largest settings each one holds at most the working image, the maps' source and the filters, never the 17 MB of
    maps nor the 10 MB trace (ten visitors' sessions kept 168 MB of maps after they had gone)."""
    from urllib.parse import parse_qs, urlencode

    from visualizer.studio_state import MAX_FILTERS, MAX_KERNEL, MAX_WORKING, StudioState, resize_bank, to_query

    kept = _record_downloads(monkeypatch)
    state = StudioState(example="Landscape photo (256x256, colour)", channels=3, working_size=MAX_WORKING,
                        padding=3, maps="full")
    resize_bank(state, MAX_FILTERS, MAX_KERNEL, MAX_KERNEL)
    at = AppTest.from_file(APP, default_timeout=120)
    for key, values in parse_qs(urlencode(to_query(state), safe=",()")).items():
        at.query_params[key] = values[-1]
    at.run()
    assert not at.exception and any("output [64 x 64 x 32]" in m.value for m in at.markdown)
    assert {"feature_maps.png", "convolution.gif", "convolution.html"} <= set(kept)
    maps_bytes = 256 * 256 * MAX_FILTERS * 8
    source = 256 * 256 * 3 * 8  # the full image the maps are computed on
    for name, function in kept.items():
        held = sum(a.nbytes for a in {id(a): a for a in _arrays_held(function)}.values())
        assert held <= source + state.bank.nbytes + 64 * 64 * 3 * 8 + 1024, (name, held)
        assert held < maps_bytes / 4, name


def test_the_downloads_made_later_are_the_maps_and_the_animation_on_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sheet and the GIF computed when asked for equal those of the maps and trace the page drew."""
    from visualizer import ACTIVATION_LABELS, activate, conv2d, trace_convolution
    from visualizer.figures.export import feature_sheet_png
    from visualizer.figures.gif import animation_gif
    from visualizer.studio_state import StudioState
    from visualizer.ui.common import shape_label
    from visualizer.ui.studio_model import working_image

    kept = _record_downloads(monkeypatch)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    state = at.session_state["studio_state"]
    assert isinstance(state, StudioState)
    image = working_image(state, state.working_size)
    maps = activate(conv2d(image, state.bank, state.effective_bias), state.activation)
    titles = [f"{i + 1}: {name}" for i, name in enumerate(state.names)]
    assert kept["feature_maps.png"]() == feature_sheet_png(
        maps, titles, title=f"Feature maps after {ACTIVATION_LABELS[state.activation]}, {shape_label(maps.shape)}")
    trace = trace_convolution(image, state.bank[state.selected], float(state.effective_bias[state.selected]))
    assert kept["convolution.gif"]() == animation_gif(trace, frame_ms=state.speed_ms)


def test_closed_pages_sessions_past_their_reconnect_time_are_shut_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit's own store of closed pages' sessions (its TTL cache), as its session manager holds it: the expired
    ones are shut down (their uploads and downloads released), the one still waiting for its page is kept."""
    import types

    from streamlit.runtime import Runtime
    from streamlit.runtime.memory_session_storage import MemorySessionStorage

    class Session:
        def __init__(self, name: str) -> None:
            self.id, self.ended = name, False

        def shutdown(self) -> None:
            self.ended = True

    clock = [0.0]
    store = MemorySessionStorage(ttl_seconds=120)
    store._cache._timer = lambda: clock[0]
    old, recent = Session("old"), Session("recent")
    store.save(types.SimpleNamespace(session=old))
    clock[0] = 100.0
    store.save(types.SimpleNamespace(session=recent))
    manager = types.SimpleNamespace(_session_storage=store, _storage_lock=threading.Lock())
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: types.SimpleNamespace(_session_mgr=manager)))
    assert heavy.end_expired_sessions() == 0  # both can still reconnect
    clock[0] = 150.0
    assert heavy.end_expired_sessions() == 1
    assert old.ended and not recent.ended
    assert store.get("old") is None and store.get("recent") is not None


def test_a_photo_s_sheet_made_later_is_its_maps_and_keeps_only_the_state_s_compact_picture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An uploaded photo's maps are computed on the photo itself: the download holds the state's 8-bit picture (no
    float copy of it) and makes exactly the sheet of the maps the page drew."""
    from test_photo_path import photo_jpeg
    from test_studio_app import rerun, run_app, state

    from visualizer import ACTIVATION_LABELS, activate, conv2d
    from visualizer.figures.export import feature_sheet_png
    from visualizer.ui.common import shape_label
    from visualizer.ui.inputs import accept_upload
    from visualizer.ui.photo_view import maps_source

    kept = _record_downloads(monkeypatch)
    at = run_app()
    assert accept_upload(state(at), "holiday.jpg", photo_jpeg()) is None
    rerun(at)
    s = state(at)
    source, factor = maps_source(s)
    assert factor == 1.0 and source.shape[:2] == (480, 640)  # the maps are the photo's own pixels
    held = {id(a): a for a in _arrays_held(kept["feature_maps.png"])}.values()
    assert sum(a.nbytes for a in held) <= s._image.nbytes + s.bank.nbytes * 2 + 4096
    maps = activate(conv2d(source, s.bank, s.effective_bias), s.activation)
    titles = [f"{i + 1}: {name}" for i, name in enumerate(s.names)]
    assert kept["feature_maps.png"]() == feature_sheet_png(
        maps, titles, title=f"Feature maps after {ACTIVATION_LABELS[s.activation]}, {shape_label(maps.shape)}")
