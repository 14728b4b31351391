"""Take the README's and the design review's screenshots of the running app in headless Chromium.

    python docs/screenshots.py            # writes docs/screens/*.png and docs/studio.png
    python docs/screenshots.py model model-stages   # only these views (also: studio-photo studio-maps)

Starts the app on a free local port (and stops that server, by its process id), opens each view at
390x844, 1366x768 and 1920x1080, waits for the chart, and saves what a person would see on the first
screen (no scrolling): that is the point of the pictures.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the engine, for the links of the kinds
from visualizer import family  # noqa: E402
from visualizer.studio_state import StudioState, to_query  # noqa: E402

OUT = ROOT / "docs" / "screens"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SIZES = {"phone": (390, 844), "laptop": (1366, 768), "projector": (1920, 1080)}
def _kind_link(kind: str) -> str:
    """The studio in RGB with 6 seeded filters (filter 5 selected), of ``kind`` (grouped: 3 groups), as a link."""
    state = StudioState(example="Shapes (64x64, colour)", channels=3, working_size=12, kind=kind,
                        groups=3 if kind == "grouped" else 1, padding=1)
    state.bank = np.random.default_rng(7).normal(size=(6, 3, 3, 3)).round(2)
    state.names, state.bias, state.selected = [f"filter {i + 1}" for i in range(6)], np.zeros(6), 4
    return f"/studio?{urlencode(to_query(state))}"


VIEWS = {
    "studio": "/studio",
    "studio-rgb": "/studio?example=Shapes%20(64x64,%20colour)&channels=3&size=16",
    "studio-photo": "/studio?example=Landscape%20photo%20(256x256,%20colour)",
    "studio-photo-maps": "/studio?example=Landscape%20photo%20(256x256,%20colour)&region=40,180",  # the maps
    "studio-maps": "/studio",  # the founding example's maps, with their numbers
    "presentation-maps": "/studio?present=1",  # ... and on a projector
    "presentation": "/studio?present=1",
    "network": "/network",
    "learn": "/learn",
    "model": "/model",
    "model-stages": "/model",  # scrolled to the graph and the inspected stage (SCROLL_TO)
    "network-cone": "/network",  # scrolled to the cone of receptive fields
    "studio-transposed": "/studio?kind=transposed&stride=2",  # scrolled to the stamping view
    "studio-transposed-field": "/studio?kind=transposed&stride=2&step=14",  # scrolled to the cell's field
    "model-cone": "/model",  # scrolled to the cone of receptive fields through the model's graph
    # The grouped kinds on an RGB example of 6 filters (a whole number per channel), scrolled to what the kind is
    **{f"studio-{kind}": _kind_link(kind) for kind in family.GROUPED_KINDS},
}
# Views reached by doing something: "switch" turns presentation mode on with its switch, "edit" opens a cell of
# the player's kernel and types a value into it (not yet applied: the picture shows the field in place).
ACTED_VIEWS = {
    "studio-edit": ("/studio", ["edit"]),
    "studio-rgb-edit": ("/studio?channels=3", ["edit"]),
    "presentation-switch-edit": ("/studio", ["switch", "edit"]),
}


def _act(page: Page, action: str) -> None:
    if action == "switch":
        page.locator(".st-key-w_presentation label").first.click()
        page.wait_for_timeout(1000)
        _wait_for_chart(page)
    elif action == "edit":
        frame = next(f for f in page.frames if "sliding_player" in f.url)
        frame.locator('.kcell[data-cell="0,1,1"]').click()
        frame.locator("input.kedit").fill("-2.5")
        page.wait_for_timeout(300)
SCROLL_TO = {  # a view shown from this heading down, not from the top
    "model-stages": "The graph",
    "network-cone": "What a cell sees: its receptive field",
    "studio-transposed": "Each input cell stamps the kernel, scaled by its value, into the output",
    "studio-transposed-field": "Stack a second identical layer",
    "model-cone": "What a cell sees: its receptive field",
    **{f"studio-{kind}": f"{family.LABELS[kind]} convolution." for kind in family.GROUPED_KINDS},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_chart(page: Page, timeout_s: float = 120) -> None:
    """Until a Plotly chart is drawn in the page or in any of its frames (the studio's player is a frame)."""
    end = time.time() + timeout_s
    while time.time() < end:
        for frame in page.frames:
            try:
                if frame.locator(".js-plotly-plot .main-svg").count():
                    page.wait_for_timeout(2500)  # the player re-lays out once for the window it is in
                    return
            except Exception:  # a frame that went away while we looked
                continue
        page.wait_for_timeout(250)


def _wait_for_server(port: int, timeout_s: float = 120) -> None:
    """Until the server answers its health check (a busy machine takes a while to start it)."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    end = time.time() + timeout_s
    while time.time() < end:
        try:
            with opener.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the app did not start within {timeout_s:.0f} s")


def main() -> int:
    every = {**{v: (path, []) for v, path in VIEWS.items()}, **ACTED_VIEWS}
    views = {v: every[v] for v in sys.argv[1:]} or every
    OUT.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_server(port)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for size, (width, height) in SIZES.items():
                for view, (path, actions) in views.items():
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(f"http://127.0.0.1:{port}{path}", timeout=120_000)
                    _wait_for_chart(page)
                    if view.endswith("-maps"):  # the maps (a photo's: with the photo), from their top
                        frame = page.locator("iframe[title*='photo_maps']").first
                        frame.wait_for(timeout=120_000)
                        frame.evaluate("(e) => e.scrollIntoView({block: 'start'})")
                        page.wait_for_timeout(3000)
                    for action in actions:
                        _act(page, action)
                    if view in SCROLL_TO:
                        page.get_by_text(SCROLL_TO[view], exact=True).first.scroll_into_view_if_needed()
                        page.evaluate("window.scrollBy(0, -20)")
                        page.wait_for_timeout(1500)
                    target = OUT / f"{view}-{size}.png"
                    page.screenshot(path=str(target))
                    page.close()
                    print(target.relative_to(ROOT))
            browser.close()
        if "studio" in views:
            shutil.copyfile(OUT / "studio-laptop.png", ROOT / "docs" / "studio.png")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
