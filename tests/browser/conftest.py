"""Fixtures for browser tests: a running Streamlit server, headless Chromium and a fresh page per test.

Use them as `def test_x(page, app_url): page.goto(app_url); wait_for_app(page)`, with the helpers from
`browser_helpers`. Every test in this folder gets the `browser` marker. These tests never skip: without
Chromium they fail, so that CI cannot pass without really driving the app.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import OUTPUT_DIR, REPO_ROOT
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

APP_SCRIPT = "streamlit_app.py"
SERVER_START_TIMEOUT_S = 60
SERVER_STOP_TIMEOUT_S = 10
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1600, "height": 1000}
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test collected from this folder as a browser test."""
    for item in items:
        if BROWSER_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(log_path: Path, lines: int = 40) -> str:
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _wait_until_healthy(process: subprocess.Popen, health_url: str, log_path: Path) -> None:
    # The server is local: never send its health check through a proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"streamlit exited with code {process.returncode} before answering {health_url}; "
                f"log {log_path}:\n{_log_tail(log_path)}"
            )
        try:
            with opener.open(health_url, timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(
        f"streamlit did not answer 'ok' at {health_url} within {SERVER_START_TIMEOUT_S} s; "
        f"log {log_path}:\n{_log_tail(log_path)}"
    )


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and everything it started (it leads its own process group)."""
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """Start `streamlit run streamlit_app.py` on a free local port; yield its URL; stop it at the end."""
    script = REPO_ROOT / APP_SCRIPT
    if not script.exists():
        pytest.fail(f"{script} does not exist: there is no app to test")
    port = _free_port()
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    # One server per test session; with pytest-xdist, one per worker, each with its own log.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    log_path = OUTPUT_DIR / f"streamlit-server{'-' + worker if worker else ''}.log"
    command = [
        sys.executable, "-m", "streamlit", "run", APP_SCRIPT,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        # The code under test stays as it was at start: without this, an edit anywhere in visualizer/ (other
        # work in the same checkout) makes Streamlit re-import the modules mid-test, and a session's state,
        # an instance of the old StudioState class, is no longer recognised and starts again from defaults.
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(process, f"{url}/_stcore/health", log_path)
        yield url
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    playwright = sync_playwright().start()
    try:
        yield playwright
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Headless system Chromium (CHROMIUM_PATH, default /usr/bin/chromium); fails, never skips, without it."""
    executable = os.environ.get("CHROMIUM_PATH", DEFAULT_CHROMIUM)
    if not Path(executable).is_file():
        pytest.fail(
            f"Chromium not found at {executable}: install it (apt-get install chromium) or set "
            "CHROMIUM_PATH. Browser tests are required and are not skipped.",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own browser context (no shared cookies or storage), 1600x1000."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
