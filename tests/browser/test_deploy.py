"""A school's front door: deploy/serve.sh starts 2 instances of the app and nginx in front of them; browsers and
protocol clients go through the proxy only.

- a browser's page, its websocket (/_stcore/stream) and its uploads (/_stcore/upload_file) reach one instance (read
  from the proxy's access log: the instance that answered each request);
- two browsers opened one after the other reach different instances (least_conn) and each keeps its own state;
- the address bar carries the share link as the view changes, with replaceState (the history does not grow);
- a few seconds of load from protocol sessions through the proxy: no error, both instances serve;
- failover (last, it kills an instance): the instance holding a page is killed; the page reconnects through the
  proxy to the other one and shows the same image, filters, settings and step.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from browser_helpers import OUTPUT_DIR, REPO_ROOT, screenshot
from PIL import Image
from playwright.sync_api import Browser, Page
from studio_helpers import APP_TIMEOUT_MS, MAIN, SIDEBAR, assert_no_exception, label, player, press, settle

sys.path[:0] = [str(REPO_ROOT / "bench")]

SERVE = REPO_ROOT / "deploy" / "serve.sh"
BANNER = f'{MAIN} [data-testid="stMarkdown"] strong'
VIEWPORT = {"width": 1600, "height": 1000}


@dataclass
class School:
    url: str
    run: Path
    ports: list[int]

    def access_log(self) -> list[dict[str, str]]:
        """The proxy's access log: per request, its path, the instance that answered and the browser's name."""
        rows = []
        pattern = re.compile(r'"(?:GET|POST|PUT|DELETE|HEAD) (\S+) [^"]*" (\d+) upstream=(\S+(?:, \S+)*) '
                             r'cookie=(\S*) agent="([^"]*)"')
        for line in (self.run / "nginx-access.log").read_text().splitlines():
            match = pattern.search(line)
            if match:
                path, status, upstream, cookie, agent = match.groups()
                rows.append({"path": path, "status": status, "upstream": upstream.split(", ")[-1],
                             "cookie": cookie, "agent": agent})
        return rows

    def served(self, agent: str, prefix: str) -> set[str]:
        return {r["upstream"] for r in self.access_log() if r["agent"] == agent and r["path"].startswith(prefix)}


def _free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports of 127.0.0.1."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            first = sock.getsockname()[1]
        if first + count > 65535:
            continue
        try:
            held = []
            for p in range(first, first + count):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", p))
            return first
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no consecutive free ports")


def _serve(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SERVE), *args], env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def school() -> Iterator[School]:
    """2 instances and nginx on free ports of 127.0.0.1, with their own run directory; stopped at the end."""
    run = OUTPUT_DIR / f"deploy-run-{os.getpid()}"
    app_port, proxy_port = _free_ports(2), _free_ports(1)
    env = {**os.environ, "CONVVIZ_RUN": str(run), "CONVVIZ_PORT": str(proxy_port), "CONVVIZ_LISTEN": "127.0.0.1",
           "CONVVIZ_APP_PORT": str(app_port), "CONVVIZ_PYTHON": sys.executable}
    try:
        started = _serve(env, "start", "2")
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"Open http://127.0.0.1:{proxy_port}/" in started.stdout
        yield School(f"http://127.0.0.1:{proxy_port}", run, [app_port, app_port + 1])
    finally:
        stopped = _serve(env, "stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        for p in (app_port, app_port + 1, proxy_port):  # nothing is left listening
            with socket.socket() as sock:
                assert sock.connect_ex(("127.0.0.1", p)) != 0, f"port {p} still answers after stop"


def visitor(browser: Browser, name: str):
    return browser.new_context(viewport=VIEWPORT, user_agent=f"convviz-test-{name}")


def banner(page: Page) -> str:
    return page.locator(BANNER).filter(has_text="Input [").first.inner_text().replace("\xa0", " ")


def wait_for_banner(page: Page, *parts: str) -> str:
    page.wait_for_function(
        """([sel, parts]) => [...document.querySelectorAll(sel)].some((el) => {
               const text = el.innerText.replace(/\\u00a0/g, ' ');
               return text.includes('Input [') && parts.every((p) => text.includes(p));
           })""", arg=[BANNER, list(parts)], timeout=APP_TIMEOUT_MS)
    settle(page)
    return banner(page)


def open_studio(page: Page, url: str) -> None:
    page.goto(url)
    settle(page)
    player(page)
    page.wait_for_timeout(800)  # the player reports its room once; the app may redraw it
    settle(page)
    assert_no_exception(page)


def set_number(page: Page, key: str, value: int) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(str(value))
    field.press("Enter")
    settle(page)


def choose(page: Page, key: str, option: str) -> None:
    page.locator(f"{SIDEBAR} .st-key-{key} [role='combobox']").click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def address(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def wait_for_address(page: Page, **expected: str) -> dict[str, str]:
    """Wait until the address bar's link holds every ``key=value`` of ``expected``; return its parameters."""
    deadline = time.monotonic() + APP_TIMEOUT_MS / 1e3
    while True:
        got = address(page)
        if all(got.get(k) == v for k, v in expected.items()):
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"the address bar holds {got}, not {expected}")
        page.wait_for_timeout(150)


def photo_png(width: int = 40, height: int = 30) -> bytes:
    rng = np.random.default_rng(5)
    buffer = io.BytesIO()
    Image.fromarray((rng.random((height, width, 3)) * 255).astype(np.uint8), "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(page: Page, name: str, data: bytes) -> None:
    page.locator(f'{SIDEBAR} [data-testid="stButtonGroup"]').filter(has_text="Image source").get_by_role(
        "radio", name="Upload", exact=True).click()
    settle(page)
    page.locator(f'{SIDEBAR} [data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "image/png", "buffer": data}])


def test_two_browsers_reach_two_instances_each_with_its_websocket_uploads_and_own_state(
    browser: Browser, school: School
) -> None:
    a_context, b_context = visitor(browser, "A"), visitor(browser, "B")
    try:
        a, b = a_context.new_page(), b_context.new_page()
        open_studio(a, school.url)
        open_studio(b, school.url)  # A's websocket is open: least_conn sends B to the other instance
        upload(a, "photo.png", photo_png())
        set_number(b, "w_filters", 7)
        wait_for_banner(a, "Input [12 x 16 x 1]")
        wait_for_banner(b, "Input [5 x 5 x 1]", "7 filters")
        assert "(photo.png)" in a.locator(MAIN).inner_text()
        assert "7 filters" not in banner(a) and "photo.png" not in b.locator(MAIN).inner_text()
        cookies = {c["name"]: c["value"] for c in a_context.cookies()}, {c["name"]: c["value"] for c in
                                                                         b_context.cookies()}
        assert {cookies[0]["convviz_instance"], cookies[1]["convviz_instance"]} == {"i1", "i2"}, cookies
    finally:
        a_context.close()  # a websocket is logged when it closes
        b_context.close()
    time.sleep(0.5)
    for agent in ("convviz-test-A", "convviz-test-B"):
        streams, pages = school.served(agent, "/_stcore/stream"), school.served(agent, "/")
        assert len(streams) == 1 and pages == streams, (agent, pages, streams)
    uploads = school.served("convviz-test-A", "/_stcore/upload_file")
    assert uploads == school.served("convviz-test-A", "/_stcore/stream"), uploads
    assert school.served("convviz-test-A", "/") != school.served("convviz-test-B", "/")


def test_the_address_bar_follows_the_view_without_growing_the_history(browser: Browser, school: School) -> None:
    context = visitor(browser, "C")
    try:
        page = context.new_page()
        open_studio(page, school.url)
        history = page.evaluate("() => history.length")
        choose(page, "w_example", "Shapes (64x64, colour)")
        page.locator(f"{SIDEBAR} .st-key-w_channels").get_by_text("RGB (3 channels)").click()
        settle(page)
        set_number(page, "w_filters", 7)
        set_number(page, "w_stride", 2)
        wait_for_address(page, channels="3", stride="2", example="Shapes (64x64, colour)")
        press(page, "Next")
        press(page, "Next")
        link = wait_for_address(page, step="3")
        assert page.evaluate("() => history.length") == history, "an edit or a step added a history entry"
        page.reload()
        settle(page)
        wait_for_banner(page, "x 3]", "7 filters")
        assert label(page).startswith("Step 3 of"), label(page)
        assert address(page) == link
    finally:
        context.close()


def test_load_through_the_proxy_spreads_sessions_over_both_instances(school: School) -> None:
    from bench_load import crowd

    with ThreadPoolExecutor(1) as pool:  # Playwright's own event loop runs in this thread
        tally = pool.submit(asyncio.run, crowd(0, 8, 4.0, url=school.url)).result(timeout=120)
    assert tally.errors == []
    assert len(tally.times["open"]) == 8 and tally.times["step"] and tally.times["edit"]
    agents = {r["upstream"] for r in school.access_log() if r["path"].startswith("/_stcore/stream")
              and r["agent"].startswith("bench_load")}
    assert agents == {f"127.0.0.1:{p}" for p in school.ports}, agents


def test_a_killed_instance_loses_no_view(browser: Browser, school: School) -> None:
    """Last in this file: it kills one of the two instances."""
    context = visitor(browser, "D")
    try:
        page = context.new_page()
        open_studio(page, school.url)
        choose(page, "w_example", "Shapes (64x64, colour)")
        page.locator(f"{SIDEBAR} .st-key-w_channels").get_by_text("RGB (3 channels)").click()
        settle(page)
        set_number(page, "w_filters", 7)
        set_number(page, "w_stride", 2)
        for _ in range(4):
            press(page, "Next")
        link = wait_for_address(page, step="5", stride="2", channels="3")
        before = banner(page)
        instance = {c["name"]: c["value"] for c in context.cookies()}["convviz_instance"]
        port = school.ports[int(instance[1:]) - 1]
        pid = int((school.run / f"app-{port}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)  # a crash: no goodbye to the browser
        # The page notices, reconnects through the proxy (to the other instance) and asks for its view back.
        wait_for_banner(page, *before.split(" · ")[:1], "7 filters")
        settle(page)
        screenshot(page, "deploy-after-failover")
        moved = {c["name"]: c["value"] for c in context.cookies()}["convviz_instance"]
        assert moved != instance, "the page is still on the killed instance"
        assert banner(page) == before
        assert label(page).startswith("Step 5 of"), label(page)
        assert address(page) == link
        assert_no_exception(page)
        assert "Shapes (64x64, colour)" in page.locator(MAIN).inner_text()
    finally:
        context.close()
