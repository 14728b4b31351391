"""Helpers for browser tests: wait until the Streamlit app has finished a run, find a drawn Plotly chart in the page
or in any of its frames (a custom component draws its chart inside an iframe), save screenshots."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Frame, Locator, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO_ROOT / "test-output"
SCREENSHOT_DIR = OUTPUT_DIR / "screenshots"

# The app root carries the script and connection state as attributes (Streamlit 1.67); Streamlit's own
# end-to-end tests wait on these rather than on the "Running..." icon, which appears only after a delay.
APP = '[data-testid="stApp"]'
APP_CONNECTED = f'{APP}[data-test-connection-state="CONNECTED"]'
APP_IDLE = f'{APP}[data-test-script-state="notRunning"], {APP}[data-test-script-state="compilationError"]'
RUNNING_ICON = '[data-testid="stStatusWidgetRunningIcon"]'
SKELETON = '[data-testid="stSkeleton"]'
PLOTLY_CHART = '[data-testid="stPlotlyChart"]'
# A Plotly chart has drawn when its container holds the plot's SVG.
PLOTLY_DRAWN = ".main-svg"
# A drawn Plotly graph anywhere (st.plotly_chart, or a component's own plotly.js in an iframe).
PLOTLY_GRAPH = ".js-plotly-plot"
PLOTLY_GRAPH_DRAWN = ".js-plotly-plot .main-svg"
# Every graph of a frame has drawn its SVG (a frame without graphs counts as drawn).
FRAME_CHARTS_DRAWN_JS = """(graph) => [...document.querySelectorAll(graph)].every(
    (g) => g.querySelector('.main-svg') !== null)"""


def wait_for_app(page: Page, timeout_ms: float = 30_000, settle_ms: float = 100) -> None:
    """Block until the app is connected, its script run has finished and its output has drawn.

    Call it after `page.goto(app_url)` and after every interaction that reruns the script.
    `settle_ms` is a short pause first, so that a rerun just requested by a click has time to
    start; without it we could see the previous run's "notRunning" state and return too early.
    Raises playwright's TimeoutError if the app is still busy after `timeout_ms`.
    """
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector(APP_CONNECTED, state="attached", timeout=timeout_ms)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
    page.wait_for_selector(RUNNING_ICON, state="detached", timeout=timeout_ms)
    page.wait_for_function(
        """([skeleton, chart, drawn]) =>
            document.querySelectorAll(skeleton).length === 0 &&
            [...document.querySelectorAll(chart)].every((c) => c.querySelector(drawn) !== null)""",
        arg=[SKELETON, PLOTLY_CHART, PLOTLY_DRAWN],
        timeout=timeout_ms,
    )
    for frame in page.frames[1:]:  # charts drawn by components, inside their iframes
        try:
            frame.wait_for_function(FRAME_CHARTS_DRAWN_JS, arg=PLOTLY_GRAPH, timeout=timeout_ms)
        except Exception as exc:  # a frame that went away while we waited has nothing left to draw
            if not frame.is_detached():
                raise exc


def chart_frames(page: Page) -> list[Frame]:
    """The page's frames (the page itself first) that hold at least one drawn Plotly graph."""
    found = []
    for frame in page.frames:
        try:
            if frame.locator(PLOTLY_GRAPH_DRAWN).count():
                found.append(frame)
        except Exception:  # detached while we looked
            continue
    return found


def find_chart(page: Page, has_play: bool = False, timeout_ms: float = 30_000) -> Locator:
    """The first drawn Plotly graph (``.js-plotly-plot``) in the page or in any frame, waiting up to ``timeout_ms``.

    ``has_play``: only a graph that can play, i.e. one with a Plotly updatemenu button named Play, or one in a
    frame (a component) that has a button named Play. Raises AssertionError with what was found if none appears.
    """
    deadline = time.monotonic() + timeout_ms / 1e3
    while True:
        for frame in chart_frames(page):
            graphs = frame.locator(PLOTLY_GRAPH).filter(has=frame.locator(".main-svg"))
            for i in range(graphs.count()):
                graph = graphs.nth(i)
                if not has_play or _can_play(frame, graph):
                    return graph
        if time.monotonic() > deadline:
            seen = {f.url: f.locator(PLOTLY_GRAPH).count() for f in page.frames if not f.is_detached()}
            raise AssertionError(f"no drawn Plotly chart{' with Play' if has_play else ''} in any frame; "
                                 f"graphs per frame: {seen}")
        page.wait_for_timeout(100)


def _can_play(frame: Frame, graph: Locator) -> bool:
    if graph.locator("g.updatemenu-button").filter(has_text=re.compile("Play")).count():
        return True
    return frame != frame.page.main_frame and frame.get_by_role("button", name=re.compile(r"^\W*Play\b")).count() > 0


def play_button(page: Page) -> Locator:
    """The Play control: a button named Play in the page or any frame, else a Plotly updatemenu button "Play"."""
    for frame in page.frames:
        button = frame.get_by_role("button", name=re.compile(r"^\W*Play\b"))
        if button.count():
            return button.first
    for frame in page.frames:
        menu = frame.locator(f"{PLOTLY_GRAPH} g.updatemenu-button").filter(has_text=re.compile("Play"))
        if menu.count():
            return menu.first
    raise AssertionError("no Play button (by role, or a Plotly updatemenu button) in the page or any frame")


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot to test-output/screenshots/<name>.png (repo root relative) and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name.removesuffix('.png')}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
