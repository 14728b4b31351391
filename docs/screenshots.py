"""Take the README's and the design review's screenshots of the running app in headless Chromium.

    python docs/screenshots.py            # writes docs/screens/*.png and docs/studio.png
    python docs/screenshots.py network-cone studio-transposed   # only these views

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

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screens"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SIZES = {"phone": (390, 844), "laptop": (1366, 768), "projector": (1920, 1080)}
VIEWS = {
    "studio": "/studio",
    "studio-rgb": "/studio?example=Shapes%20(64x64,%20colour)&channels=3&size=16",
    "presentation": "/studio?present=1",
    "network": "/network",
    "learn": "/learn",
    "network-cone": "/network",
    "studio-transposed": "/studio?kind=transposed&stride=2",
}
# Views whose subject is below the first screen: scrolled to the text that heads it (the cone of receptive
# fields), after which the picture is again what a person sees without scrolling further.
SCROLL_TO = {"network-cone": "What a cell sees", "studio-transposed": "Each input cell stamps the kernel"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_chart(page: Page, timeout_s: float = 60) -> None:
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
    """Until the app's port accepts connections (a loaded machine takes a while to start Streamlit)."""
    end = time.time() + timeout_s
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the app did not start on port {port} within {timeout_s:.0f} s")


def main(argv: list[str] | None = None) -> int:
    only = set(sys.argv[1:] if argv is None else argv)
    unknown = only - set(VIEWS)
    if unknown:
        print(f"unknown views: {', '.join(sorted(unknown))}; choose from {', '.join(VIEWS)}", file=sys.stderr)
        return 2
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
                for view, path in VIEWS.items():
                    if only and view not in only:
                        continue
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(f"http://127.0.0.1:{port}{path}", timeout=60_000)
                    _wait_for_chart(page)
                    if view in SCROLL_TO:
                        page.get_by_text(SCROLL_TO[view]).first.wait_for(timeout=60_000)
                        page.wait_for_timeout(3000)  # the figures under the player draw when the page is idle
                        page.get_by_text(SCROLL_TO[view]).first.evaluate("e => e.scrollIntoView()")
                        page.wait_for_timeout(1500)
                    target = OUT / f"{view}-{size}.png"
                    page.screenshot(path=str(target))
                    page.close()
                    print(target.relative_to(ROOT))
            browser.close()
        if not only or "studio" in only:
            shutil.copyfile(OUT / "studio-laptop.png", ROOT / "docs" / "studio.png")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
