"""Benchmark of the limits: memory and time of the worst request the app allows, and a real server's RSS
with five visitors doing it at once.

1. ``worst_case_peak_memory`` / ``worst_case_time``: in a fresh worker process, the biggest request the UI
   allows, done the way the studio does it: an upload run that decodes the largest allowed files (a PNG of
   36 million pixels under the 5 MB limit, then a 1024x1024 RGB photo-like PNG) as ``accept_upload`` does; the
   64x64 RGB working image; 32 filters of 7x7x3 at padding 3; the trace through Streamlit's cache (a pickle
   round trip), the player's sliding figure and its JSON (what the player component is sent); the feature
   maps on either choice of image (64x64: heatmap figures; the full 256x256: one PNG tile a map), after ReLU
   and max pooling, the PNG sheet to download and the reproduction code. Both choices are measured and the
   worse is reported (``--quick``: the full image only). Memory is the worker's peak RSS (VmHWM, reset
   before the request) above its RSS before, against that RSS; tracemalloc's peak is given too. Time is the
   best of two more runs (one with ``--quick``) with its CPU time, against the default request (founding 5x5,
   4 filters of 3x3) on the same path; on a busy machine the wall time exceeds the CPU time.
2. ``server_rss_5_sessions``: ``streamlit run streamlit_app.py`` on a free localhost port; five headless
   Chromium sessions at once open a link that asks for the worst case (each with its own kernel, so no two
   share a cache entry); the server process's peak RSS (``/proc/<pid>/status`` VmHWM) against its idle RSS
   measured in the same run. Skipped with ``--quick`` (it takes about a minute on two cores).

3. ``server_peak_rss_10_worst_visitors`` (full run only, or ``--crowd`` alone): ten Chromium visitors at once,
   twice, do what a new user would: open the largest link (each with its own kernels), upload a 4096x4096 JPEG,
   press Play. The server's peak RSS (VmHWM) against its RSS at rest, and its RSS 45 s and 170 s after the pages
   closed, against the 600 MB budget; first with the bound switched off (``CONVVIZ_UNBOUNDED=1``: the server as it
   was), then as it is (``visualizer/ui/heavy.py``).

Run: ``python bench/bench_limits.py [--quick | --crowd]`` or through ``bench/run.py``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench_browser import start_server, stop_server  # noqa: E402

MEMORY_BUDGET = 0.5e9  # bytes, one worst request
TIME_BUDGET_S = 5.0  # "a few seconds"
TIME_REPEATS = 2
SERVER_BUDGET = 1.0e9  # bytes, Streamlit Community Cloud gives an app about 1 GB
SESSIONS = 5
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SESSION_TIMEOUT_MS = 240_000


def status_bytes(pid: int | str, field: str) -> int:
    """``VmRSS`` or ``VmHWM`` of a process, in bytes, from ``/proc/<pid>/status``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux >= 4.0); False if the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# ----------------------------------------------------------------------------------- 1. the worst request
def zero_png(width: int, height: int, color_type: int = 6) -> bytes:
    """A valid PNG of zeros (RGBA by default) compressed row by row: a few hundred kB for 36 Mpixels."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    per_pixel = {0: 1, 2: 3, 6: 4}[color_type]
    compressor = zlib.compressobj(6)
    row = b"\x00" * (width * per_pixel + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def photo_png(side: int = 1024) -> bytes:
    """A photo-like 1024x1024 RGB PNG (smooth gradients and noise) under the 5 MB upload limit."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:side, 0:side] / side
    base = np.stack([x, y, (x + y) / 2], axis=2) * 200
    pixels = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def request(uploads: list[bytes], channels: int, size: int, n: int, k: int, padding: int, maps: str) -> dict:
    """One studio run as the app does it (a :class:`StudioState` and the studio's own helpers), the feature maps
    computed on the ``maps`` image ("animation" or "full", the two choices of feature_maps_view.RESOLUTIONS);
    returns output sizes, so nothing is skipped."""
    import pickle

    import numpy as np

    from visualizer import activate, conv2d, load_example, pool2d, trace_convolution
    from visualizer.codegen import reproduction_code
    from visualizer.figures import sliding_figure
    from visualizer.figures.export import feature_sheet_png
    from visualizer.figures.pictures import map_tiles
    from visualizer.studio_state import StudioState, resize_bank
    from visualizer.ui.animation_view import DEFAULT_LAYOUT, DENSE_FRAMES, figure_height, frame_budget
    from visualizer.ui.feature_maps_view import RESOLUTIONS
    from visualizer.ui.inputs import decode_upload, set_source
    from visualizer.ui.studio_model import working_image

    state = StudioState(channels=channels, working_size=size, padding=padding, example="Founding 5x5 (binary)")
    state.image = load_example(state.example, channels=3)
    for data in uploads:  # accept_upload: decode (one at a time, at most SOURCE_MAX_SIDE a side), then keep it
        set_source(state, decode_upload(data), "upload.png", "upload")
    state.working_size = size  # a new upload starts small; the visitor then moves the slider to the largest
    resize_bank(state, n, k, k)
    rng = np.random.default_rng(1)
    state.bank = rng.normal(size=(n, k, k, channels))
    image = working_image(state)
    kernel, bias = state.bank[0], float(state.effective_bias[0])
    trace = pickle.loads(pickle.dumps(trace_convolution(image, kernel, bias, padding=padding)))  # cache_data
    layout = DEFAULT_LAYOUT
    figure = sliding_figure(trace, step=0, max_frames=frame_budget(kernel), dense_frames=DENSE_FRAMES,
                            controls=False, presentation=False, width_px=layout["width"],
                            height=figure_height(layout["avail"], layout["width"], channels))
    sizes = {"animation_json": len(json.dumps(figure))}  # the player component's argument, sent as JSON
    titles = [f"{i + 1}: {name}" for i, name in enumerate(state.names)]
    side = RESOLUTIONS[maps][1]
    src = image if side is None else working_image(state, side)
    out = pickle.loads(pickle.dumps(conv2d(src, state.bank, state.effective_bias, padding=padding)))  # cache_data
    after = activate(out, "relu")
    sizes["maps"] = 0
    for values in (out, after, pool2d(after, 2, mode="max")):  # feature_maps_view: every panel as pictures
        sizes["maps"] += len(json.dumps(map_tiles(values, titles)))
    sizes["sheet_png"] = len(feature_sheet_png(after, titles, title="Feature maps after ReLU"))
    sizes["code"] = len(reproduction_code(image, state.bank, state.effective_bias, stride=1, padding=padding,
                                          dilation=1))
    return sizes


def measure(args: dict, repeats: int) -> dict:
    """Peak RSS above the RSS before, tracemalloc's peak, and time (a second run, without tracemalloc)."""
    import tracemalloc

    idle = status_bytes("self", "VmRSS")
    exact = reset_peak()
    tracemalloc.start()
    sizes = request(**args)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = status_bytes("self", "VmHWM") - idle
    runs = []
    for _ in range(repeats):  # the machine may be shared: the best of a few runs, and the CPU time
        start, cpu = time.perf_counter(), time.process_time()
        request(**args)
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
    seconds, cpu_seconds = min(runs)
    return {"peak": peak, "idle": idle, "exact": exact, "traced": traced, "seconds": seconds,
            "cpu_seconds": cpu_seconds, "sizes": sizes}


def worker(quick: bool) -> None:
    """In a fresh process: the default request (warm-up, time reference), then each worst one (with
    ``quick``: only the feature maps on the full image, the heavier choice, timed once)."""
    from visualizer.studio_state import MAX_FILTERS, MAX_KERNEL, MAX_WORKING

    uploads = [zero_png(6000, 6000), photo_png()]
    assert all(len(u) < 5 * 2**20 for u in uploads), [len(u) for u in uploads]
    default = {"uploads": [], "channels": 1, "size": 24, "n": 4, "k": 3, "padding": 0, "maps": "animation"}
    request(**default)  # loads Plotly's validators and the engine, as a running server has them
    start = time.perf_counter()
    request(**default)
    default_s = time.perf_counter() - start
    worst = {"uploads": uploads, "channels": 3, "size": MAX_WORKING, "n": MAX_FILTERS, "k": MAX_KERNEL,
             "padding": 3}
    choices = ("full",) if quick else ("full", "animation")
    cases = {maps: measure({**worst, "maps": maps}, 1 if quick else TIME_REPEATS) for maps in choices}
    print(json.dumps({"default_seconds": default_s, "upload_bytes": [len(u) for u in uploads], "cases": cases}))


WHAT = ("upload of a 6000x6000 PNG then a 1024x1024 photo, 64x64 RGB working image, 32 filters 7x7x3, "
        "padding 3: trace, animation figure, feature maps ({maps}), ReLU, max pool, PNG sheet, code")


def worst_case_lines(quick: bool) -> list[dict]:
    command = [sys.executable, __file__, "--worker"] + (["--quick"] if quick else [])
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                            timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"worker failed: {result.stderr[-2000:]}")
    r = json.loads(result.stdout.strip().splitlines()[-1])
    cases = r["cases"]
    by_memory = max(cases, key=lambda m: cases[m]["peak"])
    by_time = max(cases, key=lambda m: cases[m]["seconds"])
    peak, slow = cases[by_memory], cases[by_time]
    maps_label = {"full": "on the full image, 256x256: colour tiles", "animation": "on the 64x64 image: heatmaps"}
    return [
        {
            "metric": "worst_case_peak_memory",
            "value": peak["peak"],
            "unit": "bytes",
            "reference": "the worker's RSS before the request (Python, NumPy, Plotly, Pillow loaded)",
            "reference_value": peak["idle"],
            "ratio": round(peak["peak"] / peak["idle"], 3),
            "budget": MEMORY_BUDGET,
            "within_budget": peak["peak"] <= MEMORY_BUDGET,
            "measure": "peak RSS (VmHWM) above the RSS before the request"
            + ("" if peak["exact"] else " (VmHWM could not be reset: an upper bound)"),
            "tracemalloc_peak": peak["traced"],
            "request": WHAT.format(maps=maps_label[by_memory]),
            "peak_memory_by_maps_choice": {m: c["peak"] for m, c in cases.items()},
            "upload_bytes": r["upload_bytes"],
            "output_bytes": peak["sizes"],
        },
        {
            "metric": "worst_case_time",
            "value": round(slow["seconds"], 3),
            "unit": "s",
            "reference": "the default request: founding 5x5, 4 filters 3x3, same path",
            "reference_value": round(r["default_seconds"], 4),
            "ratio": round(slow["seconds"] / r["default_seconds"], 1),
            "budget": TIME_BUDGET_S,
            "within_budget": slow["seconds"] <= TIME_BUDGET_S,
            "cpu_seconds": round(slow["cpu_seconds"], 3),
            "request": WHAT.format(maps=maps_label[by_time]),
            "seconds_by_maps_choice": {m: round(c["seconds"], 3) for m, c in cases.items()},
        },
    ]


# ------------------------------------------------------------------------------ 2. a real server, 5 visitors
def worst_link(i: int) -> str:
    """The worst case as a share link the studio reads; kernel values differ per session (no shared cache)."""
    import numpy as np

    from visualizer.studio_state import MAX_FILTERS, MAX_KERNEL, MAX_WORKING, StudioState, resize_bank, to_query

    state = StudioState(example="Landscape photo (256x256, colour)", channels=3, working_size=MAX_WORKING,
                        padding=3, maps="full")
    resize_bank(state, MAX_FILTERS, MAX_KERNEL, MAX_KERNEL)
    state.bank = np.random.default_rng(i).integers(-4, 5, size=state.bank.shape) / (i + 1)
    return "studio?" + urlencode(to_query(state), safe=",()")


def wait_done(page, banner: str) -> None:
    """The run finished: connected, not running, the studio's shapes line says ``banner`` (e.g. "output [64 x 64 x
    32]"), every chart has drawn."""
    app = '[data-testid="stApp"]'
    page.wait_for_selector(f'{app}[data-test-connection-state="CONNECTED"]', state="attached",
                           timeout=SESSION_TIMEOUT_MS)
    page.wait_for_function(
        """(banner) => [...document.querySelectorAll('[data-testid="stMarkdown"]')]
               .some((h) => h.innerText.replace(/\\u00a0/g, ' ').includes(banner))""",
        arg=banner, timeout=SESSION_TIMEOUT_MS)
    page.wait_for_selector(f'{app}[data-test-script-state="notRunning"]', state="attached",
                           timeout=SESSION_TIMEOUT_MS)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
               .every((c) => c.querySelector('.main-svg') !== null)""", timeout=SESSION_TIMEOUT_MS)


def server_lines() -> list[dict]:
    from playwright.sync_api import sync_playwright

    from visualizer.studio_state import StudioState

    server = start_server("streamlit_app.py", ROOT / "test-output")  # bench_browser's: one way to start a server
    process, port = server.process, server.port
    samples: list[int] = []
    stop = threading.Event()
    try:
        time.sleep(2.0)
        idle = status_bytes(process.pid, "VmRSS")

        def sample() -> None:
            while not stop.is_set():
                try:
                    samples.append(status_bytes(process.pid, "VmRSS"))
                except (OSError, KeyError):
                    return
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        url = f"http://127.0.0.1:{port}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            try:
                first = browser.new_context().new_page()  # one default visit: the app's modules are loaded
                first.goto(url)
                wait_done(first, f"output [3 x 3 x {StudioState().n_filters}]")
                first.context.close()
                warm = status_bytes(process.pid, "VmRSS")
                contexts = [browser.new_context(viewport={"width": 1400, "height": 900}) for _ in range(SESSIONS)]
                pages = [context.new_page() for context in contexts]
                start = time.perf_counter()
                for i, page in enumerate(pages):  # all five ask before any is waited for
                    page.goto(url + worst_link(i), wait_until="commit")
                for page in pages:
                    wait_done(page, "output [64 x 64 x 32]")
                seconds = time.perf_counter() - start
                errors = sum(page.locator('[data-testid="stException"]').count() for page in pages)
                held = status_bytes(process.pid, "VmRSS")
            finally:
                browser.close()
        stop.set()
        sampler.join(timeout=2)
        peak = status_bytes(process.pid, "VmHWM")
    finally:
        stop.set()
        stop_server(server)
    return [
        {
            "metric": "server_rss_5_sessions",
            "value": peak,
            "unit": "bytes",
            "reference": "the same server's RSS when idle (started, no session yet)",
            "reference_value": idle,
            "ratio": round(peak / idle, 3),
            "budget": SERVER_BUDGET,
            "within_budget": peak <= SERVER_BUDGET and errors == 0,
            "measure": "VmHWM of the streamlit process (peak RSS) after 5 concurrent worst-case sessions",
            "rss_after_one_default_visit": warm,
            "rss_with_5_sessions_open": held,
            "rss_sampled_max": max(samples, default=None),
            "seconds_until_all_5_drawn": round(seconds, 1),
            "exceptions_shown": errors,
            "link": worst_link(0),
        },
        {
            "metric": "server_rss_idle",
            "value": idle,
            "unit": "bytes",
            "reference": None,
            "reference_value": None,
            "ratio": None,
        },
    ]


# ------------------------------------------------------------------- 3. ten worst-case visitors, bounded or not
CROWD = 10
CROWD_ROUNDS = 2
CROWD_BUDGET = 600e6  # bytes: Streamlit Community Cloud's smallest tier gives an app about 690 MB
UPLOAD_SIDE = 4096
AFTER_WAITS_S = (45, 170)  # after the pages closed: the janitor's first round; Streamlit ended their sessions


def big_photo(side: int = UPLOAD_SIDE) -> bytes:
    """A photo-like ``side`` x ``side`` JPEG (gradients, waves, noise), under the 5 MB upload limit."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:side, 0:side].astype(np.float32) / side
    base = np.stack([x, y, (x + y) / 2], axis=2) * 200 + 30 * (np.sin(x * 40) * np.cos(y * 30))[..., None]
    pixels = np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def visit(page, url: str, photo: bytes) -> None:
    """What the issue's visitor does: open the largest link, upload a 4096x4096 photo, press Play."""
    wait_done(page, "output [64 x 64 x 32]")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stButtonGroup"]').filter(has_text="Image source").get_by_role(
        "radio", name="Upload", exact=True).click(timeout=SESSION_TIMEOUT_MS)
    sidebar.locator('[data-testid="stFileUploader"] input[type="file"]').wait_for(
        state="attached", timeout=SESSION_TIMEOUT_MS)
    sidebar.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo}], timeout=SESSION_TIMEOUT_MS)


def press_play(page) -> int:
    """Press the player's Play; a page that says the server is busy is asked again (Try again), as a visitor
    would. Returns how many times it said busy."""
    deadline = time.monotonic() + SESSION_TIMEOUT_MS / 1e3
    busy = 0
    while time.monotonic() < deadline:
        retry = page.get_by_role("button", name="Try again", exact=True)
        if retry.count():
            busy += 1
            retry.first.click()
            page.wait_for_timeout(1000)
            continue
        for frame in page.frames:
            if "sliding_player" in frame.url:
                button = frame.get_by_role("button", name="Play", exact=True)
                if button.count():
                    button.click()
                    return busy
        page.wait_for_timeout(200)
    raise TimeoutError("no Play button")


def progress(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


PHOTO_BANNER = "(photo.jpg)"  # the studio's shapes line ends with the picture's name


def crowd_round(browser, url: str, photo: bytes, first: int) -> tuple[float, int, int]:
    """``CROWD`` visitors at once; seconds until all played, exceptions shown, busy messages shown."""
    contexts = [browser.new_context(viewport={"width": 1400, "height": 900}) for _ in range(CROWD)]
    try:
        pages = [context.new_page() for context in contexts]
        start = time.perf_counter()
        for i, page in enumerate(pages):  # all ask before any is waited for
            page.goto(url + worst_link(first + i), wait_until="commit")
        for i, page in enumerate(pages):
            visit(page, url, photo)
            progress(f"visitor {first + i}: largest link drawn, photo sent")
        busy = 0
        for i, page in enumerate(pages):
            # The photo is animated on a region at its own pixels (its size follows the screen): the shapes line
            # names the upload once the studio has taken it.
            page.get_by_text(PHOTO_BANNER, exact=False).first.wait_for(timeout=SESSION_TIMEOUT_MS)
            busy += press_play(page)  # the upload, at a new picture's animation size; busy pages asked again
            progress(f"visitor {first + i}: photo drawn, Play pressed")
        for page in pages:
            page.wait_for_timeout(1500)
            wait_done(page, PHOTO_BANNER)
        seconds = time.perf_counter() - start
        errors = sum(page.locator('[data-testid="stException"]').count() for page in pages)
        busy += sum(page.get_by_text("The server is busy", exact=False).count() for page in pages)
        return seconds, errors, busy
    finally:
        for context in contexts:
            context.close()


def crowd_line(unbounded: bool) -> dict:
    """One server, ``CROWD_ROUNDS`` rounds of ``CROWD`` worst-case visitors; its peak and what it keeps after."""
    from playwright.sync_api import sync_playwright

    photo = big_photo()
    saved = dict(os.environ)
    os.environ.pop("CONVVIZ_UNBOUNDED", None)
    if unbounded:
        os.environ["CONVVIZ_UNBOUNDED"] = "1"
    os.environ["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = "none"  # the code measured stays the code started
    try:
        server = start_server("streamlit_app.py", ROOT / "test-output")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    pid, url = server.process.pid, f"http://127.0.0.1:{server.port}/"
    rounds, after = [], {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            try:
                first = browser.new_context().new_page()  # one default visit: the app's modules are loaded
                first.goto(url)
                wait_done(first, "output [3 x 3 x")
                first.context.close()
                time.sleep(1.0)
                resting = status_bytes(pid, "VmRSS")
                for r in range(int(os.environ.get("CROWD_ROUNDS", CROWD_ROUNDS))):
                    seconds, errors, busy = crowd_round(browser, url, photo, first=r * CROWD)
                    rounds.append({"seconds": round(seconds, 1), "exceptions_shown": errors, "busy_shown": busy,
                                   "peak_so_far": status_bytes(pid, "VmHWM"),
                                   "rss_after_round": status_bytes(pid, "VmRSS")})
            finally:
                browser.close()
        closed_at = time.monotonic()
        rss, hwm = status_bytes(pid, "VmRSS") / 1e6, status_bytes(pid, "VmHWM") / 1e6
        progress(f"pages closed: RSS {rss:.0f} MB, peak {hwm:.0f} MB")
        for wait_s in AFTER_WAITS_S:
            time.sleep(max(0.0, closed_at + wait_s - time.monotonic()))
            after[f"rss_{wait_s}s_after_pages_closed"] = status_bytes(pid, "VmRSS")
        peak = status_bytes(pid, "VmHWM")
    finally:
        stop_server(server)
    errors = sum(r["exceptions_shown"] for r in rounds)
    return {
        "metric": f"server_peak_rss_{CROWD}_worst_visitors" + ("_unbounded" if unbounded else ""),
        "value": peak, "unit": "bytes",
        "reference": "the same server's RSS at rest (after one default visit)", "reference_value": resting,
        "ratio": round(peak / resting, 2), "budget": CROWD_BUDGET,
        "within_budget": peak <= CROWD_BUDGET and errors == 0,
        "bound": "off (CONVVIZ_UNBOUNDED=1: no limit on heavy work at once, no trim, no janitor)" if unbounded else
                 "on: 1 heavy computation at a time (visualizer/ui/heavy.py), malloc_trim, janitor",
        "visitors": f"{CROWD} at once, {CROWD_ROUNDS} rounds: the largest link (64x64 RGB, 32 filters 7x7, padding 3, "
                    f"maps on the full image), then an upload of a {UPLOAD_SIDE}x{UPLOAD_SIDE} JPEG "
                    f"({len(photo) / 1e6:.1f} MB), then Play",
        "rounds": rounds, **after, "rss_at_rest": resting,
        "measure": "VmHWM of the streamlit process (peak RSS over both rounds); VmRSS after the pages closed",
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def run(quick: bool) -> list[dict]:
    lines = worst_case_lines(quick)
    if quick:
        lines.append({"metric": "server_rss_5_sessions", "value": None, "unit": "bytes", "reference": None,
                      "reference_value": None, "ratio": None, "skipped": "takes about a minute: full run only"})
    else:
        lines += server_lines()
        lines += crowd_lines()
    return lines


def crowd_lines() -> list[dict]:
    lines = []
    for unbounded in (True, False):
        try:
            lines.append(crowd_line(unbounded))
        except Exception as exc:  # noqa: BLE001 - one line says what failed
            lines.append({"metric": f"server_peak_rss_{CROWD}_worst_visitors" + ("_unbounded" if unbounded else ""),
                          "value": None, "unit": "bytes", "reference": None, "ratio": None,
                          "error": f"{type(exc).__name__}: {exc}"})
    return lines


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker("--quick" in sys.argv)
    elif "--crowd" in sys.argv:  # only the ten worst-case visitors: unbounded, then bounded (or one of them)
        for unbounded in [u for u in (True, False) if f"--{'un' if u else ''}bounded" in sys.argv] or (True, False):
            print(json.dumps(crowd_line(unbounded)), flush=True)
    else:
        for line in run("--quick" in sys.argv):
            print(json.dumps(line))
