"""Helpers for browser tests of the studio: its player (a component in an iframe that owns the current step),
its sidebar widgets (found by their Streamlit key), and its share link (read back with the app's own parser).

The player's page has HTML buttons First, Back, Play (Pause while playing), Next, Last, a range input "Step",
a label "Step k of N", and the Plotly figure whose annotations hold the step's sum ("out(y, x) = ...") and
caption ("Step k of N · window at row ..."). It reports the step to Python when the step settles; the app then
reruns and the share link carries it (as ``step=k``, 1-based).
"""

from __future__ import annotations

import re
import sys
import time
from urllib.parse import parse_qs, urlsplit

from browser_helpers import REPO_ROOT, wait_for_app
from playwright.sync_api import Frame, Page

if str(REPO_ROOT) not in sys.path:  # the app's own parser reads the share links
    sys.path.insert(0, str(REPO_ROOT))

from visualizer.studio_state import StudioState, from_query  # noqa: E402

APP_TIMEOUT_MS = 90_000  # the first run of a fresh server imports NumPy, SciPy and Plotly; the machine is shared
UI_TIMEOUT_MS = 30_000
PLAYER = "sliding_player"
SIDEBAR = '[data-testid="stSidebar"]'
MAIN = '[data-testid="stMain"]'
EXCEPTION = '[data-testid="stException"]'

# The texts the figure draws now (SVG annotations; the sum's line break becomes nothing in textContent).
DRAWN_TEXTS_JS = "() => [...document.querySelectorAll('#plot .annotation-text')].map((e) => e.textContent)"


def settle(page: Page) -> None:
    wait_for_app(page, timeout_ms=APP_TIMEOUT_MS)


def open_app(page: Page, url: str) -> None:
    """Go to ``url`` (any page of the app), wait for its run and its charts, and check it shows no exception."""
    page.goto(url)
    settle(page)
    if any(PLAYER in frame.url for frame in page.frames):
        # After its first draw the player reports the room it has; when that differs from the layout the figure
        # was made for, the app reruns and sends a new figure. Let that happen before the test clicks anything.
        player(page)
        page.wait_for_timeout(1_000)
        settle(page)
    assert_no_exception(page)


def assert_no_exception(page: Page) -> None:
    exceptions = page.locator(EXCEPTION)
    assert exceptions.count() == 0, f"the app shows an exception: {exceptions.first.inner_text()}"


# --- The player -------------------------------------------------------------------------------------------------
def player(page: Page, timeout_ms: float = UI_TIMEOUT_MS) -> Frame:
    """The player's frame, once its figure has drawn."""
    deadline = time.monotonic() + timeout_ms / 1e3
    while True:
        for frame in page.frames:
            if PLAYER in frame.url and not frame.is_detached():
                try:
                    if frame.locator("#plot .main-svg").count() and frame.locator("#label").count():
                        return frame
                except Exception:  # detached while we looked: try again
                    pass
        if time.monotonic() > deadline:
            raise AssertionError(f"no drawn player in any frame: {[f.url[:80] for f in page.frames]}")
        page.wait_for_timeout(100)


def press(page: Page, name: str) -> None:
    """Click the player's button ``name`` (First, Back, Play, Pause, Next, Last)."""
    player(page).get_by_role("button", name=name, exact=True).click()


def label(page: Page) -> str:
    """The player's "Step k of N"."""
    return player(page).locator("#label").inner_text().strip()


def step_of(text: str) -> int:
    match = re.search(r"Step (\d+) of (\d+)", text)
    assert match, f"no 'Step k of N' in {text!r}"
    return int(match.group(1))


def drawn_texts(page: Page) -> list[str]:
    return player(page).evaluate(DRAWN_TEXTS_JS)


def caption(page: Page) -> str:
    """The figure's caption as drawn: ``Step k of N · window at row ..., column ... → out(y, x)``."""
    found = [t for t in drawn_texts(page) if t.startswith("Step ")]
    assert len(found) == 1, f"one caption expected in the figure, found {found}"
    return found[0]


def drawn_sum(page: Page) -> str:
    """The figure's sum as drawn: ``out(y, x) = a × b + ... = v``."""
    found = [t for t in drawn_texts(page) if t.startswith("out(")]
    assert len(found) == 1, f"one sum expected in the figure, found {found}"
    return found[0]


def wait_for_label(page: Page, predicate: str, timeout_ms: float = UI_TIMEOUT_MS) -> int:
    """Wait until the label's step k satisfies the JS expression ``predicate`` (of ``k``); return k."""
    player(page).wait_for_function(
        f"""() => {{ const m = /Step (\\d+) of/.exec(document.getElementById('label').textContent);
                    if (!m) return false; const k = Number(m[1]); return {predicate}; }}""",
        timeout=timeout_ms,
    )
    return step_of(label(page))


def wait_until_paused(page: Page) -> None:
    player(page).get_by_role("button", name="Play", exact=True).wait_for(timeout=UI_TIMEOUT_MS)


def assert_views_agree(page: Page, k: int) -> None:
    """The label and the figure's caption both say step ``k`` (the figure's frame is the label's step)."""
    player(page).wait_for_function(
        """(k) => [...document.querySelectorAll('#plot .annotation-text')].some(
               (e) => e.textContent.startsWith(`Step ${k} of`))""", arg=k, timeout=UI_TIMEOUT_MS)
    assert step_of(label(page)) == k, label(page)
    assert step_of(caption(page)) == k, caption(page)


# The steps the app sent back to the player (Streamlit's render messages), recorded in the player's frame from
# the moment ``watch_renders`` is called. In presentation mode there is no share link to show that the app has
# taken a reported step; this does.
RECORD_RENDERS_JS = """() => {
    if (window.__renderedSteps) return;
    window.__renderedSteps = [];
    window.addEventListener("message", (event) => {
        const data = event.data;
        if (data && data.type === "streamlit:render") window.__renderedSteps.push(Number((data.args || {}).step));
    });
}"""


def watch_renders(page: Page) -> None:
    """Start recording the steps the app sends to the player (call before the key or click that reports one)."""
    player(page).evaluate(RECORD_RENDERS_JS)


def wait_for_app_step(page: Page, k: int, timeout_ms: float = UI_TIMEOUT_MS) -> None:
    """Wait until the app's latest render hands the player step ``k`` (1-based) back: the app has taken the
    player's report, so no render with an older step is still on its way (renders arrive in order)."""
    player(page).wait_for_function("(s) => (window.__renderedSteps || []).at(-1) === s", arg=k - 1,
                                   timeout=timeout_ms)
    settle(page)


# --- Sidebar and main-area widgets, by key ---------------------------------------------------------------------
def set_number(page: Page, key: str, value: int, wait: bool = True) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(str(value))
    field.press("Enter")
    if wait:
        settle(page)


def choose(page: Page, key: str, option: str, wait: bool = True) -> None:
    """Pick ``option`` (its shown text) in the selectbox with key ``key``."""
    widget = page.locator(f".st-key-{key}")
    widget.scroll_into_view_if_needed()
    option_element = page.get_by_role("option", name=option, exact=True)
    for opener in (widget.locator("[role='combobox']"), widget.get_by_role("button", name="Open")):
        opener.click()
        try:
            option_element.wait_for(timeout=5_000)
            break
        except Exception:  # the list did not open (a rerun redrew the widget): try its other opener
            continue
    option_element.click()
    if wait:
        settle(page)


def number_value(page: Page, key: str) -> str:
    return page.locator(f".st-key-{key} input").input_value()


def selected_text(page: Page, key: str) -> str:
    """The option a selectbox shows as chosen (the text in its combobox)."""
    return page.locator(f".st-key-{key} [role='combobox']").input_value()


# --- The share link ---------------------------------------------------------------------------------------------
def share_link(page: Page) -> str:
    """The link in the "Share this view" expander (opened if needed)."""
    expander = page.locator(f"{MAIN} [data-testid='stExpander']").filter(has_text="Share this view")
    code = expander.locator("[data-testid='stCode']")
    if not code.first.is_visible():
        expander.locator("summary").click()
    code.first.wait_for(timeout=UI_TIMEOUT_MS)
    return code.first.inner_text().strip()


def share_params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(share_link(page)).query, keep_blank_values=True)


def wait_for_share(page: Page, key: str, value: str, timeout_ms: float = UI_TIMEOUT_MS) -> None:
    """Wait until the share link says ``key=value`` (the app reran with what the player reported)."""
    deadline = time.monotonic() + timeout_ms / 1e3
    while True:
        got = share_params(page).get(key)
        if got == [value]:
            settle(page)
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the share link says {key}={got}, not {value}")
        page.wait_for_timeout(150)


def link_state(link: str) -> StudioState:
    """The studio state a share link opens, read by the app's own strict parser (which must not complain)."""
    state, errors = from_query(parse_qs(urlsplit(link).query, keep_blank_values=True))
    assert errors == [], errors
    return state
