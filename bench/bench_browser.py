"""What a person feels, in headless Chromium: the app against a bare Streamlit page measured in the same run.

Starts ``streamlit_app.py`` and ``bench/reference_app.py`` (the floor: one title, one small Plotly heatmap that
a number input changes, one Plotly animation of a rectangle sliding over a heatmap) on free local ports, drives
both in Debian's Chromium, alternating app and floor so that a busy machine slows them alike, and prints the
median of 3 (``--quick``: 1) for:

- first chart drawn, from navigation start, in a fresh browser context (nothing cached);
- a committed number-input edit until the chart shows it (app: "Stride" under the feature maps, 1 -> 2 on the founding
  5x5 example, until the animation chart changes; floor: its "Value" input, until its heatmap changes);
- a value typed into a cell of the player's kernel until the player and the feature maps both show it (founding
  5x5, and the 64x64 RGB example); the same on ``bench/player_page_app.py``, a third page holding only the
  studio's player and maps (no budget: what those two cost by themselves, which no arrangement of the rest of
  the page can take away);
- distinct frames drawn per second during Play at 50 ms and at 400 ms a step (a frame is a new position
  of the window outline, the chart's layout shapes, once drawn; every change of the chart when it has none);
- the requests (count, bytes; any request to a host other than 127.0.0.1/localhost is printed as foreign)
  and the websocket bytes it takes to open the page.

"Drawn" is read inside the browser: a script added to every frame (the page and any iframe, so a chart drawn by
a custom component counts) watches every Plotly chart (``.js-plotly-plot``) and the feature maps' pictures
(``#panels``), and, on each animation frame in which the DOM changed, hashes what the chart shows (its heatmap
images, shape outlines and texts; the maps' images and numbers). A change of
that hash in a ``requestAnimationFrame`` callback is one frame drawn; its time is ``performance.timeOrigin +
performance.now()``, comparable across frames. Play is the button named "Play" (a button in any frame, or a
Plotly updatemenu button); the speed control is the control labelled "Play speed" (a slider or a select).
What cannot be found is reported as ``"unavailable"`` with the reason, never a crash. Only the servers this
module started are stopped, by their process ids.

Run alone: ``python bench/bench_browser.py [--quick]``; or through ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
APP_SCRIPT = "streamlit_app.py"
REFERENCE_SCRIPT = "bench/reference_app.py"
PLAYER_PAGE_SCRIPT = "bench/player_page_app.py"  # the studio's player and maps alone: what they cost by themselves
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1600, "height": 1000}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
SERVER_START_S = 60
PAGE_TIMEOUT_S = 60

# Targets of issue 9 (ratios to the floor measured in the same run).
FIRST_CHART_BUDGET = 1.25  # at most this times the floor's first chart
EDIT_BUDGET = 1.5  # at most this times the floor's edit
EDIT_ABSOLUTE_S = 0.5  # and under this on the founding example, on a quiet machine
EDIT_LARGE_S = 1.0  # the same edit on a 64x64 RGB image: at most this
LARGE_EXAMPLE = "Shapes (64x64, colour)"
KERNEL_EDIT_BUDGET = 1.5  # a value typed into the player's kernel: at most this times the floor's edit
KERNEL_EDIT_LARGE_S = 0.35  # the same on the 64x64 RGB image: at most this (median)
KERNEL_CELL = "0,0,1"  # channel, row, column of the kernel cell typed into (0 in the founding kernel)
MAPS_FRAME = "photo_maps"  # the feature maps' component (pictures, not Plotly: see WATCHER_JS)
PLAY_FAST_MS, PLAY_SLOW_MS = 50, 400
PLAY_FAST_BUDGET = 0.75  # at least this times the floor's frame rate at 50 ms
PLAY_SLOW_BUDGET = 0.95  # at least this share of the asked rate at 400 ms (timers jitter by a few per cent)

# Added to every frame before its own scripts run. Records, per chart, each change of what it shows.
WATCHER_JS = r"""
(function benchInstall() {
  // One watcher per document. An iframe's first document (about:blank) hands its window to the page it then
  // loads, and Playwright does not run this script again for it: so each watcher also installs itself into its
  // same-origin iframes whenever their document changes (within one animation frame). Events are kept.
  const B = window.__bench || (window.__bench = {events: [], last: {}, dirty: true, doc: null});
  if (B.doc === document) return;
  B.doc = document;
  B.dirty = true;
  const doc = document;
  new MutationObserver(() => { B.dirty = true; }).observe(doc, {subtree: true, childList: true,
    attributes: true, characterData: true});
  const now = () => performance.timeOrigin + performance.now();
  const hash = (s) => {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    return (h >>> 0).toString(36) + ':' + s.length;
  };
  // Heatmap images are data URLs: their length, middle and end (a PNG's last data chunk) tell them apart.
  const imageKey = (im) => {
    const h = im.getAttribute('href') || im.getAttribute('xlink:href') || '';
    const m = h.length >> 1;
    return h.length + h.slice(m, m + 96) + h.slice(-160);
  };
  const signature = (gd) => {
    const parts = [];
    for (const im of gd.querySelectorAll('image')) parts.push(imageKey(im));
    for (const p of gd.querySelectorAll('.shapelayer path')) parts.push(p.getAttribute('d') || '');
    for (const s of gd.querySelectorAll('svg.main-svg')) parts.push(s.textContent);
    return hash(parts.join('|'));
  };
  const srcKey = (im) => { const h = im.getAttribute('src') || ''; const m = h.length >> 1;
    return h.length + h.slice(m, m + 96) + h.slice(-160); };
  const pictureSignature = (gd) => hash([...gd.querySelectorAll('.pic img')].map(srcKey).join('|') + '|' +
    [...gd.querySelectorAll('.values')].map((v) => v.textContent).join('|'));
  const playButtonHere = () => [...doc.querySelectorAll('button')].some(
    (b) => /\b(Play|Pause)\b/.test((b.getAttribute('aria-label') || '') + ' ' + b.textContent));
  const isAnimation = (gd) =>
    [...gd.querySelectorAll('.updatemenu-button')].some((b) => /Play/.test(b.textContent)) ||
    (window !== window.top && playButtonHere());
  const DRAWN = '.heatmaplayer image, .hm image, .scatterlayer .trace, .barlayer .trace';
  const tick = () => {
    if (B.doc !== doc) return;  // a newer document took over this window
    for (const frame of doc.querySelectorAll('iframe')) {
      try {
        const w = frame.contentWindow;
        if (w && w.document && (!w.__bench || w.__bench.doc !== w.document)) w.eval('(' + benchInstall + ')()');
      } catch (err) { /* another origin: Playwright's init script covers it */ }
    }
    if (B.dirty) try {
      B.dirty = false;
      const t = now();
      doc.querySelectorAll('.js-plotly-plot, #panels').forEach((gd, i) => {
        const pictures = gd.id === 'panels';  // the feature maps, drawn as pictures (their images and numbers)
        if (pictures ? !gd.querySelector('.pic img') : !gd.querySelector('svg.main-svg') || !gd.querySelector(DRAWN)) {
          return;
        }
        const key = location.pathname + location.search + '#' + i;
        const h = pictures ? pictureSignature(gd) : signature(gd);
        if (B.last[key] !== h) {
          const shapes = hash([...gd.querySelectorAll('.shapelayer path')].map((p) => p.getAttribute('d')).join('|'));
          B.last[key] = h;
          B.events.push({t, key, h, shapes, anim: isAnimation(gd)});
        }
      });
    } catch (err) { B.error = String(err); }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""
NOW_JS = "() => performance.timeOrigin + performance.now()"
APP_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return true;
  return app.getAttribute('data-test-connection-state') === 'CONNECTED' &&
    ['notRunning', 'compilationError'].includes(app.getAttribute('data-test-script-state')) &&
    !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]') &&
    !document.querySelector('[data-testid="stSkeleton"]');
}"""


class Unavailable(Exception):
    """A measurement this page does not allow (a control not found, a chart that never changed)."""


# --- servers ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    script: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def start_server(script: str, log_dir: Path) -> Server:
    """``streamlit run script`` on a free port of 127.0.0.1, in its own process group; waits for its health."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"bench-{Path(script).stem}-{port}.log"
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(script, port, process, log)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{script} exited with {process.returncode}; see {log}")
        try:
            with opener.open(f"{server.url}_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"{script} did not answer its health check within {SERVER_START_S} s; see {log}")


def stop_server(server: Server) -> None:
    """Stop the server this module started (its process group, led by its pid), nothing else."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if server.process.poll() is not None:
            return
        try:
            os.killpg(server.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue


# --- the page ---------------------------------------------------------------------------------------


@dataclass
class Visit:
    """One page opened in a fresh browser context: its requests and the chart events of all its frames."""

    page: object
    requests: list = field(default_factory=list)
    ws_bytes: int = 0
    events: dict = field(default_factory=dict)  # (frame id, index) -> event

    def frames(self) -> list:
        return list(self.page.frames)

    def collect(self) -> list[dict]:
        """Every chart event seen so far in any frame (kept when a frame goes away), oldest first."""
        for frame in self.frames():
            try:
                got = frame.evaluate("() => window.__bench ? window.__bench.events : []")
            except Exception:  # noqa: BLE001 - a frame detached between listing and asking
                continue
            for i, event in enumerate(got):
                self.events[(id(frame), i)] = {**event, "frame": frame.url}
        return sorted(self.events.values(), key=lambda e: e["t"])

    def now(self) -> float:
        return float(self.page.evaluate(NOW_JS))

    def wait(self, predicate: Callable[[], object], timeout_s: float, what: str, poll_s: float = 0.05) -> object:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(poll_s)
        raise Unavailable(f"timed out after {timeout_s:.0f} s waiting for {what}")

    def idle(self, timeout_s: float = PAGE_TIMEOUT_S, settle_s: float = 0.3) -> None:
        """Wait until the Streamlit app in the page has finished its run, then ``settle_s`` without changes."""
        time.sleep(0.1)
        self.wait(lambda: self.page.evaluate(APP_IDLE_JS), timeout_s, "the app to finish its run")
        self.quiet(settle_s, timeout_s)

    def quiet(self, quiet_s: float, timeout_s: float) -> None:
        """Wait until no chart has changed for ``quiet_s`` (in browser time)."""
        def calm() -> bool:
            events = self.collect()
            return not events or self.now() - events[-1]["t"] > quiet_s * 1e3
        self.wait(calm, timeout_s, f"the charts to stay unchanged for {quiet_s} s", poll_s=0.1)


@contextmanager
def visit(browser, url: str) -> Iterator[Visit]:
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(WATCHER_JS)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_S * 1e3)
    v = Visit(page)
    context.on("request", lambda request: v.requests.append(request))

    def on_ws(ws) -> None:
        def received(payload) -> None:
            v.ws_bytes += len(payload)
        ws.on("framereceived", received)
    page.on("websocket", on_ws)
    try:
        yield v
    finally:
        context.close()


def open_page(v: Visit, url: str) -> dict:
    """Navigate; return the first chart's time from navigation start, requests and bytes once settled."""
    v.page.goto(url, wait_until="commit")
    start = float(v.page.evaluate("() => performance.timeOrigin"))
    first = v.wait(lambda: v.collect(), PAGE_TIMEOUT_S, "a drawn Plotly chart in any frame")
    first_s = (first[0]["t"] - start) / 1e3
    v.idle()
    count = len(v.requests)
    v.wait(lambda: _settled_requests(v, count), 15, "requests to stop", poll_s=1.0) if count else None
    transferred = 0
    foreign = []
    for request in v.requests:
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
            foreign.append(request.url)
        try:
            sizes = request.sizes()
            transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        except Exception:  # noqa: BLE001 - failed or unfinished requests have no sizes
            pass
    return {"first_chart_s": first_s, "requests": len(v.requests), "bytes": transferred, "foreign": foreign,
            "ws_bytes": v.ws_bytes, "paths": sorted({urlparse(r.url).path for r in v.requests})}


def _settled_requests(v: Visit, count: int) -> bool:
    """True when no request started during the last second (after a one-second look)."""
    before = len(v.requests)
    time.sleep(1.0)
    return len(v.requests) == before


def first_in_any_frame(v: Visit, find: Callable[[object], object]) -> object:
    """The first non-empty ``find(frame)`` over the page's frames (the page first), or None."""
    for frame in v.frames():
        try:
            found = find(frame)
        except Exception:  # noqa: BLE001 - a frame detached or without that control
            continue
        if found:
            return found
    return None


def commit_number(v: Visit, label: str, value: int, anim_only: bool) -> float:
    """Type ``value`` into the number input labelled ``label`` and press Enter; seconds until a chart changes.

    ``anim_only``: wait for the animation chart (the one with Play); otherwise for any chart.
    """
    def spin(frame):
        loc = frame.get_by_role("spinbutton", name=label, exact=True)
        return loc.first if loc.count() else None
    box = first_in_any_frame(v, spin)
    if box is None:
        raise Unavailable(f"no number input labelled {label!r} in the page or its frames")
    # A chart shows the edit when it draws something never drawn before (indexes of charts can shift while
    # Streamlit replaces elements, so a chart is not followed by its position).
    seen = {e["h"] for e in v.collect()}
    box.fill(str(value))
    t0 = v.now()
    box.press("Enter")

    def changed() -> dict | None:
        for e in v.collect():
            if e["t"] > t0 and (e["anim"] or not anim_only) and e["h"] not in seen:
                return e
        return None
    event = v.wait(changed, PAGE_TIMEOUT_S, f"a chart to change after {label} = {value}")
    v.idle()
    return (event["t"] - t0) / 1e3


def type_kernel_cell(v: Visit, value: str) -> float:
    """Click a cell of the player's kernel, type ``value`` and press Enter; seconds until both the player (the
    animation chart) and the feature maps have drawn something new (the later of the two)."""
    def cell(frame):
        loc = frame.locator(f'.kcell[data-cell="{KERNEL_CELL}"]')
        return loc.first if loc.count() else None
    target = first_in_any_frame(v, cell)
    if target is None:
        raise Unavailable("no editable kernel cell (.kcell) in any frame")
    seen = {e["h"] for e in v.collect()}
    target.click()
    field = target.locator("xpath=..").locator("input.kedit")
    field.wait_for(timeout=PAGE_TIMEOUT_S * 1e3)
    field.fill(value)
    t0 = v.now()
    field.press("Enter")

    def both() -> tuple[dict, dict] | None:
        new = [e for e in v.collect() if e["t"] > t0 and e["h"] not in seen]
        player = next((e for e in new if e["anim"]), None)
        maps = next((e for e in new if MAPS_FRAME in e["frame"]), None)
        return (player, maps) if player and maps else None
    player, maps = v.wait(both, PAGE_TIMEOUT_S, f"the player and the maps to show the kernel value {value}")
    v.idle()
    return (max(player["t"], maps["t"]) - t0) / 1e3


SPEED_LABEL = re.compile(r"Play speed", re.I)


def _ms_of(text: str) -> float | None:
    m = re.match(r"\s*([\d.]+)\s*(ms|s)\b", text or "")
    return None if m is None else float(m.group(1)) * (1 if m.group(2) == "ms" else 1000)


def set_speed(v: Visit, ms: int) -> None:
    """Set the control labelled "Play speed" to ``ms`` (a slider moved by its keys, or a select)."""
    def slider(frame):
        loc = frame.get_by_role("slider", name=SPEED_LABEL)
        return loc.first if loc.count() else None

    def select(frame):
        loc = frame.get_by_label(SPEED_LABEL)
        for i in range(loc.count()):
            if loc.nth(i).evaluate("e => e.tagName") == "SELECT":
                return loc.nth(i)
        return None
    control = first_in_any_frame(v, slider)
    if control is not None:
        for _ in range(12):
            current = _ms_of(control.get_attribute("aria-valuetext") or "")
            if current is None:
                raise Unavailable("the Play speed slider does not say its value (aria-valuetext)")
            if current == ms:
                v.idle()
                return
            control.press("ArrowRight" if current < ms else "ArrowLeft")
            v.idle()
        raise Unavailable(f"the Play speed slider never reached {ms} ms")
    control = first_in_any_frame(v, select)
    if control is not None:
        options = control.evaluate("e => [...e.options].map((o) => o.textContent)")
        match = [o for o in options if _ms_of(o) == ms]
        if not match:
            raise Unavailable(f"the Play speed select has no {ms} ms option: {options}")
        control.select_option(label=match[0])
        v.idle()
        return
    raise Unavailable("no control labelled 'Play speed' (slider or select) in the page or its frames")


def click_play(v: Visit) -> float:
    """Click Play (a button named Play in any frame, else a Plotly updatemenu button); its browser time."""
    def button(frame):
        loc = frame.get_by_role("button", name=re.compile(r"^\W*Play\b"))
        return loc.first if loc.count() else None

    def updatemenu(frame):
        loc = frame.locator(".js-plotly-plot g.updatemenu-button").filter(has_text=re.compile(r"Play"))
        return loc.first if loc.count() else None
    target = first_in_any_frame(v, button) or first_in_any_frame(v, updatemenu)
    if target is None:
        raise Unavailable("no Play button (by role, or a Plotly updatemenu button) in the page or its frames")
    target.scroll_into_view_if_needed()
    t0 = v.now()
    target.click()
    return t0


def play_rate(v: Visit, ms: int) -> dict:
    """Distinct frames of the animation chart drawn per second while it plays at ``ms`` a step."""
    set_speed(v, ms)
    v.quiet(0.5, PAGE_TIMEOUT_S)
    t0 = click_play(v)
    quiet_ms = max(1500, 4 * ms)

    def finished() -> bool:
        anim = [e for e in v.collect() if e["t"] > t0 and e["anim"]]
        return bool(anim) and v.now() - anim[-1]["t"] > quiet_ms
    v.wait(finished, PAGE_TIMEOUT_S, f"Play at {ms} ms to draw and stop", poll_s=0.2)
    anim = [e for e in v.collect() if e["t"] > t0 and e["anim"]]
    keys = {(e["frame"], e["key"]) for e in anim}
    if len(keys) > 1:  # several animation charts changed: count the one that changed most
        best = max(keys, key=lambda k: sum((e["frame"], e["key"]) == k for e in anim))
        anim = [e for e in anim if (e["frame"], e["key"]) == best]
    # A step is drawn when the window outline (the chart's layout shapes) moves; a step drawn over two animation
    # frames (shapes first, images next) counts once. Charts without shapes fall back to every change.
    by_shapes = [e for i, e in enumerate(anim) if i == 0 or e["shapes"] != anim[i - 1]["shapes"]]
    if len(by_shapes) >= 3:
        anim = by_shapes
    if len(anim) < 3:
        raise Unavailable(f"Play at {ms} ms drew only {len(anim)} distinct frames")
    span_s = (anim[-1]["t"] - anim[0]["t"]) / 1e3
    return {"fps": (len(anim) - 1) / span_s, "frames": len(anim), "span_s": span_s,
            "start_s": (anim[0]["t"] - t0) / 1e3}


# --- one round: the same steps on the app and on the floor ------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    edit_label: str
    edit_value: int
    edit_anim_only: bool
    large_url: str | None = None  # the same edit on a large input (the studio: 64x64 RGB), measured once a round
    kernel_edit: bool = False  # the player's kernel cells can be typed into (the studio)


def large_studio_url(base: str) -> str:
    """The studio opened by a share link on the 64x64 colour example, in RGB, animated at 64x64."""
    sys.path.insert(0, str(ROOT))
    from urllib.parse import urlencode

    from visualizer.studio_state import StudioState, to_query

    state = StudioState(example=LARGE_EXAMPLE, input_name=LARGE_EXAMPLE, channels=3, working_size=64)
    return f"{base.rstrip('/')}/studio?{urlencode(to_query(state), safe=',()')}"


def measure(browser, target: Target) -> dict:
    """Open, Play at 400 ms, Play at 50 ms, then the edit (it changes the animation): one value of each."""
    out: dict[str, object] = {}
    with visit(browser, target.url) as v:
        try:
            out.update(open_page(v, target.url))
        except Exception as exc:  # noqa: BLE001 - the page did not open: nothing else can be measured
            return {"error": f"{type(exc).__name__}: {exc}"}
        for ms in (PLAY_SLOW_MS, PLAY_FAST_MS):
            try:
                out[f"play_{ms}"] = play_rate(v, ms)
            except Exception as exc:  # noqa: BLE001 - report, go on with the next measurement
                out[f"play_{ms}"] = f"{type(exc).__name__}: {exc}"
        if target.kernel_edit:
            try:
                out["kernel_edit_s"] = type_kernel_cell(v, "2")
            except Exception as exc:  # noqa: BLE001
                out["kernel_edit_s"] = f"{type(exc).__name__}: {exc}"
        try:
            out["edit_s"] = commit_number(v, target.edit_label, target.edit_value, target.edit_anim_only)
        except Exception as exc:  # noqa: BLE001
            out["edit_s"] = f"{type(exc).__name__}: {exc}"
    if target.large_url:
        with visit(browser, target.large_url) as v:
            try:
                open_page(v, target.large_url)
            except Exception as exc:  # noqa: BLE001
                out["edit_large_s"] = out["kernel_edit_large_s"] = f"{type(exc).__name__}: {exc}"
                return out
            for key, edit in (("kernel_edit_large_s", lambda: type_kernel_cell(v, "2")),
                              ("edit_large_s", lambda: commit_number(v, target.edit_label, target.edit_value,
                                                                     target.edit_anim_only))):
                if key == "kernel_edit_large_s" and not target.kernel_edit:
                    continue
                try:
                    out[key] = edit()
                except Exception as exc:  # noqa: BLE001
                    out[key] = f"{type(exc).__name__}: {exc}"
    return out


def measure_kernel_edits(browser, target: Target) -> dict:
    """The kernel edit alone (founding example, then the large one): for the page holding only the player and maps."""
    out: dict[str, object] = {}
    for key, url in (("kernel_edit_s", target.url), ("kernel_edit_large_s", target.large_url)):
        if url is None:
            continue
        with visit(browser, url) as v:
            try:
                open_page(v, url)
                out[key] = type_kernel_cell(v, "2")
            except Exception as exc:  # noqa: BLE001 - report, go on
                out[key] = f"{type(exc).__name__}: {exc}"
    return out


def _values(runs: list[dict], pick: Callable[[dict], object]) -> tuple[list[float], list[str]]:
    values, reasons = [], []
    for run in runs:
        if "error" in run:
            reasons.append(str(run["error"]))
            continue
        try:
            value = pick(run)
        except KeyError:
            value = None
        except TypeError:  # the measurement gave a reason (a string) instead of its numbers
            value = next((v for v in run.values() if isinstance(v, str)), None)
        if isinstance(value, (int, float)):
            values.append(float(value))
        else:
            reasons.append(str(value))
    return values, reasons


def line(metric: str, unit: str, app: tuple[list[float], list[str]], reference: str,
         floor: tuple[list[float], list[str]] | float | None, budget: float | None = None,
         higher_is_better: bool = False, digits: int = 3, **extra) -> dict:
    """One JSON line: the app's median, the floor's median from the same run, their ratio and the budget."""
    values, reasons = app
    value = round(statistics.median(values), digits) if values else None
    if isinstance(floor, tuple):
        floor_values, floor_reasons = floor
        reference_value = round(statistics.median(floor_values), digits) if floor_values else None
    else:
        floor_values, floor_reasons, reference_value = [], [], floor
    ratio = round(value / reference_value, 3) if value is not None and reference_value else None
    out = {"metric": metric, "value": value, "unit": unit, "reference": reference,
           "reference_value": reference_value, "ratio": ratio}
    if budget is not None:
        out["budget"] = budget
        out["budget_is"] = "minimum" if higher_is_better else "maximum"
        out["within_budget"] = ratio is not None and (ratio >= budget if higher_is_better else ratio <= budget)
    out["samples"] = [round(x, digits) for x in values]
    if floor_values:
        out["reference_samples"] = [round(x, digits) for x in floor_values]
    if value is None:
        out["unavailable"] = "; ".join(sorted(set(reasons))) or "not measured"
    elif reasons:
        out["failed_samples"] = sorted(set(reasons))
    if reference_value is None and floor_reasons:
        out["reference_unavailable"] = "; ".join(sorted(set(floor_reasons)))
    out.update(extra)
    out["loadavg_1m"] = round(os.getloadavg()[0], 2)
    return out


def results(app_runs: list[dict], floor_runs: list[dict], lean_runs: list[dict] | None = None) -> list[dict]:
    floor_name = "bare Streamlit page, one Plotly heatmap (bench/reference_app.py)"

    def both(pick):
        return _values(app_runs, pick), _values(floor_runs, pick)
    lines = []
    app, floor = both(lambda r: r["first_chart_s"])
    lines.append(line("browser: open the studio until the first chart is drawn", "s", app, floor_name, floor,
                      FIRST_CHART_BUDGET))
    app, floor = both(lambda r: r["edit_s"])
    edit = line("browser: commit a number input until the chart shows it (studio: Stride 1 -> 2, founding 5x5; "
                "floor: its number input)", "s", app, "the same edit on the " + floor_name, floor, EDIT_BUDGET)
    if edit["value"] is not None:
        edit["absolute_budget_s"] = EDIT_ABSOLUTE_S
        edit["within_absolute_budget"] = edit["value"] <= EDIT_ABSOLUTE_S
    lines.append(edit)
    kernel = line("browser: a value typed into the player's kernel until the player and the feature maps show it "
                  "(studio: kernel cell 0 -> 2, founding 5x5; floor: its number input)", "s",
                  _values(app_runs, lambda r: r["kernel_edit_s"]), "the edit on the " + floor_name,
                  _values(floor_runs, lambda r: r["edit_s"]), KERNEL_EDIT_BUDGET)
    lines.append(kernel)
    large = _values(app_runs, lambda r: r["kernel_edit_large_s"])
    kernel_large = None
    if large[0] or large[1]:
        kernel_large = line(f"browser: a value typed into the player's kernel until the player and the feature maps "
                            f"show it, {LARGE_EXAMPLE} in RGB at 64x64", "s", large, "the issue's absolute budget (s)",
                            KERNEL_EDIT_LARGE_S, 1.0)
        lines.append(kernel_large)
    if lean_runs:  # no budget: what the player and the maps cost by themselves, beside the studio's lines above
        lines.append(line("browser: the same typed value on a page holding only the studio's player and feature maps "
                          "(bench/player_page_app.py: no header, sidebar or other sections; founding 5x5)", "s",
                          _values(lean_runs, lambda r: r["kernel_edit_s"]), "the edit on the " + floor_name,
                          _values(floor_runs, lambda r: r["edit_s"]), studio_value=kernel["value"]))
        lean_large = _values(lean_runs, lambda r: r["kernel_edit_large_s"])
        if lean_large[0] or lean_large[1]:
            lines.append(line(f"browser: the same typed value on the page holding only the player and feature maps, "
                              f"{LARGE_EXAMPLE} in RGB at 64x64", "s", lean_large, "the issue's absolute budget (s)",
                              KERNEL_EDIT_LARGE_S, studio_value=kernel_large and kernel_large["value"]))
    large = _values(app_runs, lambda r: r["edit_large_s"])
    if large[0] or large[1]:
        lines.append(line(f"browser: commit a number input until the chart shows it, {LARGE_EXAMPLE} in RGB at "
                          "64x64 (studio: Stride 1 -> 2)", "s", large, "the issue's absolute budget (s)",
                          EDIT_LARGE_S, 1.0))
    app, floor = both(lambda r: r[f"play_{PLAY_FAST_MS}"]["fps"])
    lines.append(line(f"browser: Play at {PLAY_FAST_MS} ms a step, distinct frames drawn per second", "frames/s",
                      app, f"a Plotly animation at {PLAY_FAST_MS} ms on the {floor_name}", floor, PLAY_FAST_BUDGET,
                      higher_is_better=True, digits=2, asked=1000 / PLAY_FAST_MS,
                      frames_drawn=_values(app_runs, lambda r: r[f"play_{PLAY_FAST_MS}"]["frames"])[0],
                      first_frame_after_click_s=_values(app_runs, lambda r: r[f"play_{PLAY_FAST_MS}"]["start_s"])[0],
                      floor_first_frame_after_click_s=_values(
                          floor_runs, lambda r: r[f"play_{PLAY_FAST_MS}"]["start_s"])[0]))
    app, floor = both(lambda r: r[f"play_{PLAY_SLOW_MS}"]["fps"])
    lines.append(line(f"browser: Play at {PLAY_SLOW_MS} ms a step, distinct frames drawn per second", "frames/s",
                      app, f"the asked rate (1 / {PLAY_SLOW_MS} ms)", 1000 / PLAY_SLOW_MS, PLAY_SLOW_BUDGET,
                      higher_is_better=True, digits=2,
                      floor_value=round(statistics.median(floor[0]), 2) if floor[0] else None))
    app, floor = both(lambda r: r["requests"])
    floor_paths = {p for r in floor_runs for p in r.get("paths", [])}
    extra = sorted({p for r in app_runs for p in r.get("paths", [])} - floor_paths)
    lines.append(line("browser: requests to open the studio", "requests", app, floor_name, floor, digits=0,
                      paths_not_in_floor=extra))
    app, floor = both(lambda r: r["bytes"] / 1e6)
    lines.append(line("browser: bytes transferred to open the studio (HTTP, headers included)", "MB", app,
                      floor_name, floor))
    app, floor = both(lambda r: r["ws_bytes"] / 1e6)
    lines.append(line("browser: websocket bytes received to open the studio", "MB", app, floor_name, floor))
    foreign = sorted({u for r in app_runs + floor_runs for u in r.get("foreign", [])})
    lines.append({"metric": "browser: requests to a host other than 127.0.0.1/localhost", "value": len(foreign),
                  "unit": "requests", "reference": "none allowed", "reference_value": 0, "ratio": None,
                  "budget": 0, "budget_is": "maximum", "within_budget": not foreign, "foreign": foreign,
                  "loadavg_1m": round(os.getloadavg()[0], 2)})
    return lines


def run(quick: bool) -> list[dict]:
    """Start both servers, measure app and floor alternately (1 round with ``quick``, else 3), stop them."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return [{"metric": "browser", "value": None, "unit": None, "reference": None, "ratio": None,
                 "unavailable": f"playwright is not installed ({exc})"}]
    if not Path(CHROMIUM).is_file():
        return [{"metric": "browser", "value": None, "unit": None, "reference": None, "ratio": None,
                 "unavailable": f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"}]
    rounds = 1 if quick else 3
    servers: list[Server] = []
    try:
        servers = [start_server(script, ROOT / "test-output")
                   for script in (APP_SCRIPT, REFERENCE_SCRIPT, PLAYER_PAGE_SCRIPT)]
        app = Target("studio", servers[0].url, "Stride", 2, edit_anim_only=True,
                     large_url=large_studio_url(servers[0].url), kernel_edit=True)
        floor = Target("floor", servers[1].url, "Value", 2, edit_anim_only=False)
        lean = Target("player page", servers[2].url, "", 0, edit_anim_only=False,
                      large_url=large_studio_url(servers[2].url), kernel_edit=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for target in (app, floor, lean):  # warm up: the server's first run imports and fills its caches
                    with visit(browser, target.url) as v:
                        try:
                            open_page(v, target.url)
                        except Exception:  # noqa: BLE001, S110 - a failed warm-up shows again in the measured rounds
                            pass
                app_runs, floor_runs, lean_runs = [], [], []
                for _ in range(rounds):
                    app_runs.append(measure(browser, app))
                    floor_runs.append(measure(browser, floor))
                    lean_runs.append(measure_kernel_edits(browser, lean))
            finally:
                browser.close()
    finally:
        for server in servers:
            stop_server(server)
    return results(app_runs, floor_runs, lean_runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round instead of three")
    args = parser.parse_args(argv)
    for item in run(args.quick):
        print(json.dumps({**item, "module": "bench_browser"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
