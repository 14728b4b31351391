"""Helpers for browser tests: wait until the Streamlit app has finished a run, save screenshots."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

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


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot to test-output/screenshots/<name>.png (repo root relative) and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name.removesuffix('.png')}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
