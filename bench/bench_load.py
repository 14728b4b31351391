"""A class at once: N concurrent sessions against one app server, each speaking Streamlit's own websocket protocol.

Starts ``streamlit_app.py`` on a free port of 127.0.0.1 (never another host) and opens N websocket sessions at
``/_stcore/stream`` (30 by default, a class; at most 60), exchanging the protobuf messages of
``streamlit.proto`` as the browser does: a ``BackMsg`` with ``rerun_script`` (the client state, with the
widget states of the interaction) and the ``ForwardMsg`` stream back (deltas, then ``script_finished``).
Once every session has opened the page, each acts every 2 s for 60 s (``--quick``: 20 s), in turn a step (a click
on the button labelled "Next", or, when the studio's sliding player component holds the step, the next step
reported as that component's value, as its page does) and an edit (the number input labelled
"Stride", 1 <-> 2, a full rerun); sessions start spread over the first interval, so they do not act in lockstep.

Server time per interaction: from sending the ``rerun_script`` message to receiving the ``script_finished``
message of that run (a run that ends early because the script asked for a rerun is followed to its end). An
error is an ``exception`` element in the page, a run that does not finish within 30 s, or a broken connection.
The server's resident memory (``/proc/<pid>/status``, the server and its children) is sampled every 0.25 s.

The protocol client is checked against real browsers: 3 Chromium pages click "Next" every 2 s, and the same
time is read from their websocket frames (sent ``rerun_script`` to received ``script_finished``), next to 3
protocol sessions doing the same on the same server.

Through the proxy: ``--proxy N`` starts N instances behind nginx with ``deploy/serve.sh`` (free ports, its own run
directory under test-output/) and goes through it only; ``--url URL`` goes through a front door already running.
Each session first GETs the page (the proxy's sticky cookie), then opens its websocket with that cookie. Lines: a
class (``--class-size``, 30) opening the page in the same 2 s, its slowest wait (first request to first run
finished) against the same class on one instance without the proxy; then ``--sessions`` (at most 60 per instance)
acting, and each instance's RSS.

Run alone: ``python bench/bench_load.py [--quick] [--sessions N] [--seconds S] [--proxy N | --url URL]``; or
through ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE)]

from bench_browser import CHROMIUM, CHROMIUM_ARGS, Server, start_server, stop_server  # noqa: E402

MAX_SESSIONS = 60
MAX_SECONDS = 120
INTERVAL_S = 2.0
RUN_TIMEOUT_S = 30.0
P95_BUDGET_S = 1.0
RSS_BUDGET_MB = 1024
STEP_LABEL = "Next"
PLAYER_COMPONENT = "sliding_player"  # the studio's animation component (its Next button is in the browser)
EDIT_LABEL = "Stride"
USER_AGENT = "bench_load"


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-quantile (0..1) by linear interpolation, as NumPy's default."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


# --- memory -------------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    total_kb, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for text in Path(f"/proc/{p}/status").read_text().splitlines():
                if text.startswith("VmRSS:"):
                    total_kb += int(text.split()[1])
        except (OSError, ValueError):
            continue
    return total_kb / 1024


class RssSampler(threading.Thread):
    """Samples the server's RSS every ``every_s`` until stopped; keeps the peak."""

    def __init__(self, pid: int, every_s: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.peak = self.start_mb = rss_mb(pid)
        self.last = self.start_mb
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.every_s):
            self.last = rss_mb(self.pid)
            self.peak = max(self.peak, self.last)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)


# --- one session, speaking the protocol ----------------------------------------------------------------


@dataclass
class Widget:
    kind: str
    id: str
    fragment_id: str
    proto: object


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: {"open": [], "step": [], "edit": []})
    ready: list[float] = field(default_factory=list)  # wall time from the page's first request to its first run
    errors: list[str] = field(default_factory=list)
    late: int = 0


class Session:
    """One visitor: a websocket to the server, the widgets it has been shown, and its runs."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.widgets: dict[str, Widget] = {}
        self.page_script_hash = ""
        self.exceptions: list[str] = []
        self.seq = 0
        self._finished: asyncio.Queue = asyncio.Queue()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            async for data in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    self.page_script_hash = msg.new_session.page_script_hash
                elif kind == "page_info_changed" or kind == "navigation":
                    if kind == "navigation" and msg.navigation.page_script_hash:
                        self.page_script_hash = msg.navigation.page_script_hash
                elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    self._element(msg.delta.new_element, msg.delta.fragment_id)
                elif kind == "script_finished":
                    await self._finished.put(msg.script_finished)
        except Exception as exc:  # noqa: BLE001 - the connection broke: the waiting run reports it
            await self._finished.put(exc)
        else:
            await self._finished.put(ConnectionError("the server closed the connection"))

    def _element(self, element, fragment_id: str) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:200])
        elif kind in ("button", "number_input"):
            proto = getattr(element, kind)
            self.widgets[proto.label] = Widget(kind, proto.id, fragment_id, proto)
        elif kind == "component_instance" and PLAYER_COMPONENT in element.component_instance.component_name:
            proto = element.component_instance
            self.widgets[PLAYER_COMPONENT] = Widget(kind, proto.id, fragment_id, proto)

    async def rerun(self, states: list | None = None, fragment_id: str = "") -> float:
        """Send one rerun request; seconds until its script run has finished (raises on error or timeout)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_script_hash
        state.fragment_id = fragment_id
        for widget_state in states or []:
            state.widget_states.widgets.append(widget_state)
        while not self._finished.empty():
            self._finished.get_nowait()
        before = len(self.exceptions)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        deadline = t0 + RUN_TIMEOUT_S
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {RUN_TIMEOUT_S:.0f} s")
            got = await asyncio.wait_for(self._finished.get(), left)
            if isinstance(got, Exception):
                raise got
            if got == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue  # the script asked for another run: the interaction ends with that one
            elapsed = time.perf_counter() - t0
            if got == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise RuntimeError("the script did not compile")
            if len(self.exceptions) > before:
                raise RuntimeError(f"the page shows an exception: {self.exceptions[-1]}")
            return elapsed

    def step_state(self):
        """The widget state of one step forward, and its fragment; None when the page offers no way to step.

        A Streamlit button labelled "Next" is clicked; else the sliding player component (its own Next button
        is in the browser) reports the next step as its value, as its page does: ``{step, speed_ms, width,
        avail, seq}`` with the size it was laid out for.
        """
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widget = self.widgets.get(STEP_LABEL)
        if widget is not None and widget.kind == "button":
            return WidgetState(id=widget.id, trigger_value=True), widget.fragment_id
        widget = self.widgets.get(PLAYER_COMPONENT)
        if widget is None:
            return None
        args = json.loads(widget.proto.json_args or "{}")
        steps = max(1, int(args.get("steps", 1)))
        layout = args.get("layout") or {}
        self.seq += 1
        value = {"step": (int(args.get("step", 0)) + 1) % steps, "speed_ms": int(args.get("speed_ms", 400)),
                 "width": layout.get("width", 1200), "avail": layout.get("avail", 800), "seq": self.seq}
        return WidgetState(id=widget.id, json_value=json.dumps(value)), widget.fragment_id

    def edit_state(self, value: int):
        from streamlit.proto.NumberInput_pb2 import NumberInput
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widget = self.widgets.get(EDIT_LABEL)
        if widget is None or widget.kind != "number_input":
            return None
        if widget.proto.data_type == NumberInput.INT:
            return WidgetState(id=widget.id, int_value=value), widget.fragment_id
        return WidgetState(id=widget.id, double_value=float(value)), widget.fragment_id

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()


def first_visit(url: str) -> str:
    """GET the page as a browser's first request does; the cookies it was given, as a ``Cookie`` header.

    Through a proxy with sticky sessions (``deploy/``) the cookie names the instance that answered, and the
    websocket that follows carries it to the same instance. Local addresses only, never through a proxy of the
    environment."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url.rstrip("/") + "/", headers={"User-Agent": USER_AGENT})
    with opener.open(request, timeout=RUN_TIMEOUT_S) as response:
        response.read()
        cookies = response.headers.get_all("Set-Cookie") or []
    return "; ".join(c.split(";", 1)[0] for c in cookies)


async def open_session(port: int, url: str | None = None):
    """A websocket session to the server on ``port`` of 127.0.0.1, or to ``url`` (a proxy: first its page, for its
    cookie)."""
    import websockets

    base = url.rstrip("/") if url else f"http://127.0.0.1:{port}"
    headers = {}
    if url:
        cookie = await asyncio.get_running_loop().run_in_executor(None, first_visit, base)
        if cookie:
            headers["Cookie"] = cookie
    ws = await websockets.connect(base.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                  origin=base, max_size=None, open_timeout=RUN_TIMEOUT_S, ping_interval=None,
                                  compression=None, additional_headers=headers, user_agent_header=USER_AGENT,
                                  proxy=None)
    return Session(ws)


async def open_visitor(port: int, start_s: float, tally: Tally, url: str | None = None) -> Session | None:
    """Open the page at ``start_s`` (a new session and its first run); None if that failed."""
    await asyncio.sleep(start_s)
    t0 = time.perf_counter()
    try:
        session = await open_session(port, url)
    except Exception as exc:  # noqa: BLE001
        tally.errors.append(f"connect: {type(exc).__name__}: {exc}")
        return None
    try:
        tally.times["open"].append(await session.rerun())
        tally.ready.append(time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001
        tally.errors.append(f"open: {type(exc).__name__}: {exc}")
        await session.close()
        return None
    return session


async def act(session: Session, start_s: float, end_at: float, tally: Tally, steps_only: bool) -> None:
    """From ``start_s`` on, act every INTERVAL_S until ``end_at`` (monotonic): a step, an edit, a step..."""
    await asyncio.sleep(start_s)
    k, stride = 0, 1
    next_at = time.monotonic()
    while next_at < end_at:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        kind = "step" if steps_only or k % 2 == 0 else "edit"
        k += 1
        if kind == "step":
            found = session.step_state()
        else:
            stride = 2 if stride == 1 else 1
            found = session.edit_state(stride)
        if found is None:
            label = STEP_LABEL if kind == "step" else EDIT_LABEL
            tally.errors.append(f"{kind}: no widget labelled {label!r} on the page")
        else:
            state, fragment_id = found
            try:
                tally.times[kind].append(await session.rerun([state], fragment_id))
            except Exception as exc:  # noqa: BLE001
                tally.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
        next_at += INTERVAL_S
        if time.monotonic() > next_at:  # the answer took longer than the interval: act again at once
            tally.late += 1
            next_at = time.monotonic()


async def crowd(port: int, sessions: int, seconds: float, steps_only: bool = False, url: str | None = None) -> Tally:
    """Open ``sessions`` pages (spread over one interval), then let them all act for ``seconds``; through ``url``
    (a proxy) when given, else to ``port`` of 127.0.0.1."""
    tally = Tally()
    rng = random.Random(9)
    opened = await asyncio.gather(*(open_visitor(port, rng.uniform(0, INTERVAL_S), tally, url)
                                    for _ in range(sessions)))
    live = [s for s in opened if s is not None]
    end_at = time.monotonic() + seconds
    try:
        await asyncio.gather(*(act(s, rng.uniform(0, INTERVAL_S), end_at, tally, steps_only) for s in live))
    finally:
        for session in live:
            await session.close()
    return tally


# --- real browsers, for comparison ----------------------------------------------------------------------


def next_button(page, timeout_s: float):
    """The button named "Next" in the page or in any of its frames (the player component's is in an iframe)."""
    deadline = time.monotonic() + timeout_s
    while True:
        for frame in page.frames:
            try:
                button = frame.get_by_role("button", name=STEP_LABEL, exact=True)
                if button.count():
                    return button.first
            except Exception:  # noqa: BLE001, S112 - a frame detached while we looked
                continue
        if time.monotonic() > deadline:
            raise TimeoutError(f"no button named {STEP_LABEL!r} in the page or its frames after {timeout_s:.0f} s")
        page.wait_for_timeout(200)


def browser_sessions(url: str, pages: int, seconds: float) -> tuple[list[float], list[str], list[tuple[bool, int]]]:
    """``pages`` Chromium pages open the app and click Next every INTERVAL_S; the server time of each click.

    Read from the websocket frames: the ``rerun_script`` BackMsg a click sends, to the ``script_finished``
    ForwardMsg that ends its run. Also returns, per ``rerun_script`` the pages sent, whether it named a
    fragment and how many widget states it carried (to compare with what the protocol client sends).
    """
    from playwright.sync_api import sync_playwright
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    times: list[float] = []
    errors: list[str] = []
    shapes: list[tuple[bool, int]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            pending: dict[int, float] = {}
            tabs = []
            for i in range(pages):
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                page = context.new_page()

                def on_ws(ws, i=i) -> None:
                    def sent(payload) -> None:
                        msg = BackMsg()
                        try:
                            msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
                        except Exception:  # noqa: BLE001, S110 - not a BackMsg
                            return
                        if msg.WhichOneof("type") == "rerun_script":
                            pending[i] = time.perf_counter()
                            state = msg.rerun_script
                            shapes.append((bool(state.fragment_id), len(state.widget_states.widgets)))

                    def received(payload) -> None:
                        if not isinstance(payload, bytes):
                            return
                        msg = ForwardMsg()
                        try:
                            msg.ParseFromString(payload)
                        except Exception:  # noqa: BLE001, S110 - not a ForwardMsg
                            return
                        if msg.WhichOneof("type") == "script_finished" and \
                                msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN and i in pending:
                            times.append(time.perf_counter() - pending.pop(i))
                    ws.on("framesent", sent)
                    ws.on("framereceived", received)
                page.on("websocket", on_ws)
                page.goto(url)
                tabs.append(page)
            for page in tabs:
                next_button(page, 60)
            times.clear()  # only the clicks count, not the page loads
            shapes.clear()
            end_at = time.monotonic() + seconds
            while time.monotonic() < end_at:
                t_round = time.monotonic()
                for page in tabs:
                    try:
                        next_button(page, 10).click(timeout=10_000)
                    except Exception as exc:  # noqa: BLE001
                        errors.append(f"click: {type(exc).__name__}")
                page.wait_for_timeout(max(0.0, INTERVAL_S - (time.monotonic() - t_round)) * 1e3)
            tabs[0].wait_for_timeout(2000)
        finally:
            browser.close()
    return times, errors, shapes


# --- lines ----------------------------------------------------------------------------------------------


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1e3, 1)


def load_lines(sessions: int, seconds: float, tally: Tally, sampler: RssSampler, where: str = "") -> list[dict]:
    acts = tally.times["step"] + tally.times["edit"]
    p50, p95 = percentile(acts, 0.5), percentile(acts, 0.95)
    load = round(os.getloadavg()[0], 2)
    common = {"sessions": sessions, "seconds": seconds, "interval_s": INTERVAL_S, "loadavg_1m": load}
    lines = [{
        "metric": f"load: server time per interaction, {sessions} sessions{where} (p95)", "value": ms(p95),
        "unit": "ms",
        "reference": "budget", "reference_value": P95_BUDGET_S * 1e3,
        "ratio": round(p95 / P95_BUDGET_S, 3) if p95 is not None else None, "budget": 1.0, "budget_is": "maximum",
        "within_budget": p95 is not None and p95 <= P95_BUDGET_S and not tally.errors,
        "p50_ms": ms(p50), "interactions": len(acts),
        "step_p50_ms": ms(percentile(tally.times["step"], 0.5)),
        "step_p95_ms": ms(percentile(tally.times["step"], 0.95)),
        "edit_p50_ms": ms(percentile(tally.times["edit"], 0.5)),
        "edit_p95_ms": ms(percentile(tally.times["edit"], 0.95)),
        "open_p50_ms": ms(percentile(tally.times["open"], 0.5)),
        "open_p95_ms": ms(percentile(tally.times["open"], 0.95)),
        "ready_p95_ms": ms(percentile(tally.ready, 0.95)), "ready_max_ms": ms(max(tally.ready, default=None)),
        "late_intervals": tally.late, "errors": len(tally.errors), **common,
    }]
    if tally.errors:
        lines[0]["error_samples"] = sorted(set(tally.errors))[:5]
    lines.append({
        "metric": f"load: server RSS, {sessions} sessions{where} (peak)", "value": round(sampler.peak, 1), "unit": "MB",
        "reference": "budget", "reference_value": RSS_BUDGET_MB, "ratio": round(sampler.peak / RSS_BUDGET_MB, 3),
        "budget": 1.0, "budget_is": "maximum", "within_budget": sampler.peak <= RSS_BUDGET_MB,
        "before_mb": round(sampler.start_mb, 1), "after_mb": round(sampler.last, 1), **common,
    })
    return lines


def run(quick: bool, sessions: int = 30, seconds: float | None = None, validate: bool = True) -> list[dict]:
    """Start a server, load it with ``sessions`` protocol sessions, compare with real browsers, stop it."""
    sessions = max(1, min(MAX_SESSIONS, sessions))
    seconds = min(MAX_SECONDS, seconds if seconds is not None else (20.0 if quick else 60.0))
    lines: list[dict] = []
    server: Server | None = None
    try:
        server = start_server("streamlit_app.py", ROOT / "test-output")
        sampler = RssSampler(server.process.pid)
        sampler.start()
        asyncio.run(crowd(server.port, 1, INTERVAL_S * 1.5))  # warm up: imports and caches of the first run
        sampler.start_mb = rss_mb(server.process.pid)
        tally = asyncio.run(crowd(server.port, sessions, seconds))
        sampler.stop()
        lines += load_lines(sessions, seconds, tally, sampler)
        if validate:
            lines.append(validation_line(server, 8.0 if quick else 20.0))
    except Exception as exc:  # noqa: BLE001 - one line says what failed; the other benchmarks still run
        lines.append({"metric": "load", "value": None, "unit": None, "reference": None, "ratio": None,
                      "error": f"{type(exc).__name__}: {exc}"})
    finally:
        if server is not None:
            stop_server(server)
    return lines


# --- through the proxy: deploy/serve.sh ------------------------------------------------------------------


@dataclass
class School:
    """N instances and nginx started by deploy/serve.sh, on free ports of 127.0.0.1, with their own run directory."""

    url: str
    run: Path
    ports: list[int]
    env: dict

    def pid(self, port: int) -> int:
        return int((self.run / f"app-{port}.pid").read_text())


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports of 127.0.0.1."""
    import socket

    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            first = sock.getsockname()[1]
        held = []
        try:
            for p in range(first, first + count):
                held.append(socket.socket())
                held[-1].bind(("127.0.0.1", p))
            return first
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError("no consecutive free ports")


def start_school(instances: int) -> School:
    import subprocess

    run = ROOT / "test-output" / f"bench-load-run-{os.getpid()}"
    app_port, proxy_port = free_ports(instances), free_ports(1)
    env = {**os.environ, "CONVVIZ_RUN": str(run), "CONVVIZ_PORT": str(proxy_port), "CONVVIZ_LISTEN": "127.0.0.1",
           "CONVVIZ_APP_PORT": str(app_port), "CONVVIZ_PYTHON": sys.executable}
    school = School(f"http://127.0.0.1:{proxy_port}", run, [app_port + k for k in range(instances)], env)
    done = subprocess.run(["bash", str(ROOT / "deploy" / "serve.sh"), "start", str(instances)], env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        stop_school(school)
        raise RuntimeError(f"deploy/serve.sh start failed: {done.stderr.strip()[-500:]}")
    return school


def stop_school(school: School) -> None:
    import subprocess

    subprocess.run(["bash", str(ROOT / "deploy" / "serve.sh"), "stop"], env=school.env, capture_output=True,
                   timeout=120)


class Samplers:
    """One RssSampler per instance; the peak is the largest instance's."""

    def __init__(self, pids: list[int]) -> None:
        self.each = [RssSampler(pid) for pid in pids]

    def start(self) -> None:
        for sampler in self.each:
            sampler.start()

    def stop(self) -> None:
        for sampler in self.each:
            sampler.stop()

    def rebase(self) -> None:
        for sampler in self.each:
            sampler.start_mb = rss_mb(sampler.pid)

    @property
    def peak(self) -> float:
        return max(s.peak for s in self.each)

    @property
    def start_mb(self) -> float:
        return max(s.start_mb for s in self.each)

    @property
    def last(self) -> float:
        return max(s.last for s in self.each)


def burst_line(class_size: int, through: Tally, alone: Tally, instances: int) -> dict:
    """A class opening the page in the same 2 s: the slowest wait through the proxy, against one instance alone."""
    worst, floor = max(through.ready, default=None), max(alone.ready, default=None)
    return {
        "metric": f"load: {class_size} pages opened in the same {INTERVAL_S:.0f} s through the proxy, {instances} "
                  "instances (slowest wait)", "value": ms(worst), "unit": "ms",
        "reference": f"the same {class_size} pages opened on one instance, without the proxy, in this run",
        "reference_value": ms(floor), "ratio": round(worst / floor, 3) if worst and floor else None,
        "p50_ms": ms(percentile(through.ready, 0.5)), "p95_ms": ms(percentile(through.ready, 0.95)),
        "reference_p50_ms": ms(percentile(alone.ready, 0.5)), "reference_p95_ms": ms(percentile(alone.ready, 0.95)),
        "measure": "wall time from the page's first request (GET /, for the proxy's cookie) to the end of its first "
                   "script run, as the visitor waits",
        "errors": len(through.errors) + len(alone.errors), "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def run_proxy(quick: bool, instances: int = 2, sessions: int = 120, seconds: float | None = None,
              url: str | None = None, class_size: int = 30) -> list[dict]:
    """``instances`` instances behind nginx (deploy/serve.sh), or the front door at ``url``: a class opening the
    page at once, then ``sessions`` sessions acting through the proxy."""
    sessions = max(1, min(MAX_SESSIONS * max(1, instances), sessions))
    seconds = min(MAX_SECONDS, seconds if seconds is not None else (20.0 if quick else 60.0))
    lines: list[dict] = []
    school: School | None = None
    try:
        if url is None:
            school = start_school(instances)
            url = school.url
            samplers = Samplers([school.pid(p) for p in school.ports])
            samplers.start()
            for port in school.ports:  # warm up each instance: imports and caches of the first run
                asyncio.run(crowd(port, 1, INTERVAL_S * 1.5))
            alone = asyncio.run(crowd(school.ports[0], class_size, 0.0))
        else:
            samplers, alone = None, Tally()
            asyncio.run(crowd(0, instances, INTERVAL_S * 1.5, url=url))
        through = asyncio.run(crowd(0, class_size, 0.0, url=url))
        lines.append(burst_line(class_size, through, alone, instances))
        if samplers is not None:
            samplers.rebase()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        tally = asyncio.run(crowd(0, sessions, seconds, url=url))
        client_cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        where = f" through nginx, {instances} instances"
        if samplers is not None:
            samplers.stop()
            lines += load_lines(sessions, seconds, tally, samplers, where)
            lines[-1]["metric"] = f"load: largest instance's RSS, {sessions} sessions{where} (peak)"
            lines[-1]["per_instance_peak_mb"] = [round(s.peak, 1) for s in samplers.each]
        else:
            lines += load_lines(sessions, seconds, tally, RssSampler(os.getpid()), where)[:1]
        if school is not None:
            streams: dict[str, int] = {}
            for row in (school.run / "nginx-access.log").read_text().splitlines():
                if "/_stcore/stream" in row and "upstream=" in row:
                    addr = row.split("upstream=", 1)[1].split()[0].rstrip(",")
                    streams[addr] = streams.get(addr, 0) + 1
            lines[1]["websockets_per_instance"] = streams
        # The protocol client shares the machine: its share of one core while the sessions acted.
        lines[1]["client_cpu_share_of_a_core"] = round(client_cpu, 2)
    except Exception as exc:  # noqa: BLE001 - one line says what failed; the other benchmarks still run
        lines.append({"metric": "load through the proxy", "value": None, "unit": None, "reference": None,
                      "ratio": None, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        if school is not None:
            stop_school(school)
    return lines


def validation_line(server: Server, seconds: float, pages: int = 3) -> dict:
    """The same 'Next every 2 s' from 3 real Chromium pages and from 3 protocol sessions, one after the other."""
    line = {"metric": f"load: protocol client against {pages} real Chromium sessions (step p50)", "unit": "ms"}
    if not Path(CHROMIUM).is_file():
        return {**line, "value": None, "reference": None, "ratio": None, "unavailable": f"no Chromium at {CHROMIUM}"}
    try:
        real, errors, shapes = browser_sessions(server.url, pages, seconds)
    except Exception as exc:  # noqa: BLE001
        return {**line, "value": None, "reference": None, "ratio": None,
                "unavailable": f"browsers: {type(exc).__name__}: {exc}"}
    tally = asyncio.run(crowd(server.port, pages, seconds, steps_only=True))
    ours = percentile(tally.times["step"], 0.5)
    theirs = percentile(real, 0.5)
    return {**line, "value": ms(ours), "reference": f"{pages} Chromium pages clicking Next (websocket frames)",
            "reference_value": ms(theirs), "ratio": round(ours / theirs, 3) if ours and theirs else None,
            "samples": len(tally.times["step"]), "reference_samples": len(real),
            "reference_p95_ms": ms(percentile(real, 0.95)), "p95_ms": ms(percentile(tally.times["step"], 0.95)),
            "reference_fragment_reruns": round(sum(f for f, _ in shapes) / len(shapes), 2) if shapes else None,
            "reference_widget_states": statistics.median(n for _, n in shapes) if shapes else None,
            "note": "the browsers share the 2 cores with the server; the protocol client sends only the changed "
                    "widget's state (the server keeps the others)",
            "errors": len(tally.errors) + len(errors), "loadavg_1m": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 s instead of 60 s, shorter browser check")
    parser.add_argument("--sessions", type=int, default=30, help=f"concurrent sessions (at most {MAX_SESSIONS})")
    parser.add_argument("--seconds", type=float, default=None, help=f"how long (at most {MAX_SECONDS})")
    parser.add_argument("--no-browser", action="store_true", help="skip the check against real Chromium pages")
    parser.add_argument("--proxy", type=int, default=0, metavar="N",
                        help="start N instances behind nginx with deploy/serve.sh and go through it")
    parser.add_argument("--url", default=None, help="go through this front door (already running, e.g. "
                        "http://127.0.0.1:8080) instead of starting anything")
    parser.add_argument("--class-size", type=int, default=30, help="pages opened in the same 2 s (with --proxy/--url)")
    args = parser.parse_args(argv)
    if args.proxy or args.url:
        found = run_proxy(args.quick, max(1, args.proxy), args.sessions, args.seconds, args.url, args.class_size)
    else:
        found = run(args.quick, args.sessions, args.seconds, validate=not args.no_browser)
    for item in found:
        print(json.dumps({**item, "module": "bench_load"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
