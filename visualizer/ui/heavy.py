"""Heavy work, bounded for the whole server process: at most ``HEAVY_SLOTS`` computations at once, memory given back.

Every visitor's session runs in the same process (Streamlit's threads), so ten visitors asking for the largest
animation at the same moment used to run ten builds at once, each with its own peak (one server reached 904 MB,
then 1,236 MB on a second round). A page run whose views hold more than ``HEAVY_RUN_BYTES`` at once (the
feature maps, their activation and pooling, the trace and the animation's figure, each run's own copies of the
cached values) runs its heavy part inside :func:`heavy_section`, one slot; smaller runs never wait. A visitor who
waits longer than ``WAIT_S`` is told "busy, try again in a moment", with their settings kept.
The slot is taken around a whole run's heavy part, never inside a cached function, so a thread holding it never
waits for a cache entry that a thread waiting for a slot is computing; it is re-entrant in a thread.

Memory given back: after the last heavy work in flight ends, glibc's ``malloc_trim`` hands the freed heap to the
system; glibc keeps at most ``ARENAS`` heaps (``mallopt(M_ARENA_MAX)``, as ``MALLOC_ARENA_MAX`` does), so what one
of Streamlit's threads freed is not held in an arena of its own; every block of a megabyte or more is mapped on its
own (``M_MMAP_THRESHOLD``), so it goes back to the system the moment it is freed; and a janitor thread drops the
caches and trims once no page is connected (Streamlit drops an entry only when it is looked up after its time to
live, and nobody looks once everyone has gone), so the process returns near its resting size after a class leaves.
The semaphore, the counters and the janitor hold no visitor's data.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

# CONVVIZ_UNBOUNDED=1 switches all of this off (no slot limit, no trim, no janitor, glibc's default arenas): how
# bench/bench_limits.py measures the server as it was, next to the bounded one.
UNBOUNDED = bool(os.environ.get("CONVVIZ_UNBOUNDED"))
HEAVY_SLOTS = 10_000 if UNBOUNDED else max(1, int(os.environ.get("CONVVIZ_HEAVY_SLOTS", "1") or 1))
WAIT_S = 30.0
ARENAS = 2
M_ARENA_MAX = -8  # glibc's mallopt parameter numbers
M_MMAP_THRESHOLD = -3
M_TRIM_THRESHOLD = -1
# Every block of at least this many bytes (an image, a stack of maps, a trace, a figure's JSON) gets pages of its
# own from the system and gives them back when it is freed. glibc's default starts at 128 kB but rises to the
# largest block freed so far (up to 32 MB), after which such blocks come from the heap, where what is freed stays
# held between the blocks still in use: ten worst-case visitors left 500 MB free but held in the heap, at a peak
# of 1,013 MB; with the threshold fixed, 80 MB (bench/bench_limits.py --crowd). Fixing it stops the rise.
MMAP_THRESHOLD = 1 << 20
TRIM_THRESHOLD = 4 << 20  # the heap's free top is given back past this
HEAVY_RUN_BYTES = 16e6  # a run that holds more than this at once takes a slot
TRIM_AFTER_S = 0.05  # work shorter than this frees too little to be worth a trim
JANITOR_EVERY_S = 30.0
JANITOR_ROUNDS = 6  # 3 minutes of checks after the last page left: Streamlit ends a closed page's session after 2

_slots = threading.BoundedSemaphore(HEAVY_SLOTS)
_held = threading.local()
_lock = threading.Lock()


class _Running:
    """How many heavy blocks run now (a count, no visitor's data), changed under ``_lock``."""

    count = 0


_in_flight = _Running()


class ServerBusy(RuntimeError):
    """Other visitors' heavy work held every slot for ``WAIT_S``: the page says so and keeps the settings."""


def _libc():
    if UNBOUNDED:
        return None
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        lib.malloc_trim.argtypes = [ctypes.c_size_t]
        return lib
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None


_LIBC = _libc()
if _LIBC is not None:
    with contextlib.suppress(AttributeError):
        _LIBC.mallopt(M_ARENA_MAX, ARENAS)
        _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        _LIBC.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def give_back_memory() -> None:
    """Return the freed parts of the heap to the system (glibc ``malloc_trim``); nothing elsewhere."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _connected_sessions() -> int | None:
    """How many pages have a live connection to this server (None when Streamlit cannot say)."""
    try:
        from streamlit.runtime import Runtime

        return int(Runtime.instance()._session_mgr.num_active_sessions())  # noqa: SLF001 - no public count
    except Exception:  # noqa: BLE001 - no runtime (tests, scripts) or another Streamlit
        return None


def end_expired_sessions() -> int:
    """Shut down the closed pages' sessions whose time to reconnect is over; how many were ended.

    Streamlit keeps a closed page's session for ``server.disconnectedSessionTTL`` (2 minutes) so that a page that
    reconnects finds it, but it takes an expired one out of its store only when the store is next written, and it
    never shuts it down: the session's state, its uploads (held by the runtime's upload manager, by session) and its
    downloads' functions stayed in the process for good once a class had left. This does what Streamlit does for a
    session that cannot be resumed (``AppSession.shutdown``), for the expired ones only."""
    try:
        from streamlit.runtime import Runtime

        manager = Runtime.instance()._session_mgr  # noqa: SLF001 - no public way to end expired sessions
        store, lock = manager._session_storage._cache, manager._storage_lock  # noqa: SLF001
    except Exception:  # noqa: BLE001 - no runtime (tests, scripts) or another Streamlit
        return 0
    with lock:  # the store is not thread-safe: Streamlit writes it under this lock
        expired = store.expire()
    for _, info in expired:
        with contextlib.suppress(Exception):  # one session's shutdown going wrong must not stop the others
            info.session.shutdown()
    return len(expired)


def _janitor() -> None:
    """Shut down the closed pages' sessions once they can no longer reconnect; when every page has gone, drop the
    caches (their entries are visitors' images and figures) and give the memory back, again a few times while the
    closed pages' sessions end (after 2 minutes)."""
    import gc

    import streamlit as st

    rounds_left = 0
    while True:
        time.sleep(JANITOR_EVERY_S)
        if end_expired_sessions():
            gc.collect()
            give_back_memory()
        connected = _connected_sessions()
        if connected is None:
            continue
        if connected:
            rounds_left = JANITOR_ROUNDS
            continue
        if rounds_left:
            rounds_left -= 1
            st.cache_data.clear()
            gc.collect()
            give_back_memory()


_janitor_started = threading.Event()


def start_janitor() -> None:
    """Start the janitor once per process (a daemon thread that holds no visitor's data)."""
    with _lock:
        if _janitor_started.is_set() or UNBOUNDED:
            return
        _janitor_started.set()
    threading.Thread(target=_janitor, name="convviz-janitor", daemon=True).start()


@contextlib.contextmanager
def heavy_work() -> Iterator[None]:
    """Hold one of the process's ``HEAVY_SLOTS`` while the block runs; raise ServerBusy after ``WAIT_S``."""
    start_janitor()
    depth = getattr(_held, "depth", 0)
    if depth:  # this thread holds a slot already
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth = depth
        return
    if not _slots.acquire(timeout=WAIT_S):
        raise ServerBusy("the server is busy with other visitors' large requests")
    _held.depth = 1
    with _lock:
        _in_flight.count += 1
    started = time.perf_counter()
    try:
        yield
    finally:
        _held.depth = 0
        _slots.release()
        with _lock:
            _in_flight.count -= 1
            last = _in_flight.count == 0
        if last and time.perf_counter() - started > TRIM_AFTER_S:
            give_back_memory()


@contextlib.contextmanager
def heavy_section(cost_bytes: float) -> Iterator[bool]:
    """A page's heavy part: yields True (go on) or False (every slot stayed busy for ``WAIT_S``: say so).

    Work that holds less than ``HEAVY_RUN_BYTES`` at once runs at once, without a slot: a step or an edit on a
    small image never waits behind someone's largest request.
    """
    if UNBOUNDED or cost_bytes < HEAVY_RUN_BYTES:
        yield True
        return
    section = heavy_work()
    try:
        section.__enter__()
    except ServerBusy:
        yield False
        return
    try:
        yield True
    finally:
        section.__exit__(None, None, None)


def heavy(function: Callable[..., T]) -> Callable[..., T]:
    """Run ``function`` inside :func:`heavy_work` (put it under ``st.cache_data``: only a miss waits)."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        with heavy_work():
            return function(*args, **kwargs)

    return run


BUSY_MESSAGE = ("The server is busy with other visitors' large requests, so this part is not drawn yet: try again "
                "in a moment. Your image and settings are kept.")
