"""Many visitors, one server: three browser sessions act at the same time and each keeps its own image and filters.

Session A picks the 16x16 checkerboard and 2 filters, B keeps the 5x5 example and asks for 7 filters, C uploads
a photo-like PNG and sets stride 2. Their actions are started one after another without waiting, so the server
runs the three scripts at once. Each page must then show its own shape banner; a reload starts a fresh session
from its own address bar (never another visitor's state; an upload is not in it, and the page says so), and a
shared link brings back exactly the state it was made from.
Guards: no module-level mutable state in visualizer/, per-session st.session_state, st.cache_data copies.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pytest
from browser_helpers import screenshot, wait_for_app
from PIL import Image
from playwright.sync_api import Browser, Page
from studio_helpers import link_state, share_link

SIDEBAR = '[data-testid="stSidebar"]'
MAIN = '[data-testid="stMain"]'
BANNER = f'{MAIN} [data-testid="stMarkdown"] strong'
EXCEPTION = '[data-testid="stException"]'
VIEWPORT = {"width": 1600, "height": 1000}
APP_TIMEOUT_MS = 90_000  # three sessions share two cores: a run can take several seconds


@pytest.fixture
def pages(browser: Browser) -> Iterator[list[Page]]:
    """Three pages, each in its own browser context (own cookies, own WebSocket, own Streamlit session)."""
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(3)]
    try:
        yield [context.new_page() for context in contexts]
    finally:
        for context in contexts:
            context.close()


def settle(page: Page) -> None:
    wait_for_app(page, timeout_ms=APP_TIMEOUT_MS)


def banner(page: Page) -> str:
    return page.locator(BANNER).filter(has_text="Input [").first.inner_text().replace("\xa0", " ")


def wait_for_banner(page: Page, *parts: str) -> str:
    """Wait until the shape banner contains every one of ``parts``; return it."""
    page.wait_for_function(
        """([sel, parts]) => [...document.querySelectorAll(sel)].some((el) => {
               const text = el.innerText.replace(/\\u00a0/g, ' ');
               return text.includes('Input [') && parts.every((p) => text.includes(p));
           })""",
        arg=[BANNER, list(parts)],
        timeout=APP_TIMEOUT_MS,
    )
    settle(page)
    return banner(page)


def assert_no_exception(page: Page) -> None:
    exceptions = page.locator(EXCEPTION)
    assert exceptions.count() == 0, f"the app shows an exception: {exceptions.first.inner_text()}"


def set_number(page: Page, key: str, value: int) -> None:
    """Type ``value`` into the number input with widget key ``key`` and commit it (no wait)."""
    field = page.locator(f".st-key-{key} input")
    field.fill(str(value))
    field.press("Enter")


def choose_example(page: Page, name: str) -> None:
    """Open the sidebar's Example selectbox and pick ``name`` (no wait)."""
    page.locator(f"{SIDEBAR} .st-key-w_example [role='combobox']").click()
    page.get_by_role("option", name=name, exact=True).click()


def upload(page: Page, name: str, data: bytes) -> None:
    page.locator(f'{SIDEBAR} [data-testid="stButtonGroup"]').filter(has_text="Image source").get_by_role(
        "radio", name="Upload", exact=True).click()
    settle(page)
    page.locator(f'{SIDEBAR} [data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "image/png", "buffer": data}])


def photo_png(width: int = 40, height: int = 30) -> bytes:
    rng = np.random.default_rng(11)
    buffer = io.BytesIO()
    Image.fromarray((rng.random((height, width, 3)) * 255).astype(np.uint8), "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def test_three_sessions_at_once_each_keep_their_own_image_and_filters(pages: list[Page], app_url: str) -> None:
    a, b, c = pages
    for page in pages:
        page.goto(app_url)
    for page in pages:
        settle(page)
        assert "Input [5 x 5 x 1]" in banner(page)

    # All three act before any of them is waited for: the server runs their scripts at the same time.
    choose_example(a, "Checkerboard (16x16)")
    set_number(b, "w_filters", 7)
    upload(c, "photo.png", photo_png())
    wait_for_banner(a, "Input [16 x 16 x 1]")
    wait_for_banner(c, "Input [12 x 16 x 1]")  # 40x30, a new picture animated at 16 pixels a side
    set_number(a, "w_filters", 2)
    set_number(c, "w_stride", 2)
    set_number(b, "w_padding", 1)

    seen = {
        "A": wait_for_banner(a, "Input [16 x 16 x 1]", "2 filters", "output [14 x 14 x 2]"),
        "B": wait_for_banner(b, "Input [5 x 5 x 1]", "7 filters", "output [5 x 5 x 7]"),
        "C": wait_for_banner(c, "Input [12 x 16 x 1]", "4 filters", "output [5 x 7 x 4]"),
    }
    for name, page in zip("ABC", pages, strict=True):
        assert_no_exception(page)
        screenshot(page, f"sessions-{name}")
    assert "16 x 16" not in seen["B"] + seen["C"] and "7 filters" not in seen["A"] + seen["C"]
    assert "(Checkerboard (16x16))" in a.locator(MAIN).inner_text()
    assert "(photo.png)" in c.locator(MAIN).inner_text()

    # A change in one session after the others settled reaches nobody else.
    set_number(b, "w_filters", 9)
    wait_for_banner(b, "9 filters")
    a.reload()
    settle(a)
    c.locator(".st-key-w_stride input").press("Enter")  # rerun C: its own state, not B's new one
    settle(c)
    assert "4 filters" in banner(c) and "Input [12 x 16 x 1]" in banner(c)
    # A reload is a new session that reads A's own view from A's address bar: not B's nine filters nor C's upload.
    assert "Input [16 x 16 x 1]" in banner(a) and "2 filters" in banner(a)
    # C's reload cannot bring its upload back (pixels are not in a link): the page says so.
    c.reload()
    settle(c)
    assert "4 filters" in banner(c) and "Input [12 x 16 x 1]" not in banner(c)
    assert "upload it again" in c.locator(MAIN).inner_text()


def test_a_shared_link_restores_one_session_in_another_without_touching_the_first(
    pages: list[Page], app_url: str
) -> None:
    a, b, _ = pages
    a.goto(app_url)
    settle(a)
    choose_example(a, "Checkerboard (16x16)")
    wait_for_banner(a, "Input [16 x 16 x 1]")
    set_number(a, "w_filters", 6)
    set_number(a, "w_stride", 3)
    expected = wait_for_banner(a, "6 filters", "output [5 x 5 x 6]")
    link = share_link(a)
    assert "/studio?" in link and "example=Checkerboard" in link
    sent = link_state(link)
    assert sent.n_filters == 6 and sent.stride == 3

    b.goto(link)
    restored = wait_for_banner(b, "Input [16 x 16 x 1]", "6 filters")
    assert restored == expected
    assert b.locator('[data-testid="stAlert"]').filter(has_text="link were not used").count() == 0
    assert link_state(share_link(b)).bank.tobytes() == sent.bank.tobytes()
    assert_no_exception(b)

    set_number(b, "w_filters", 1)
    wait_for_banner(b, "1 filter ")
    set_number(a, "w_padding", 1)
    assert "6 filters" in wait_for_banner(a, "output [6 x 6 x 6]")


def test_a_link_with_hostile_values_gives_one_warning_and_the_defaults(page: Page, app_url: str) -> None:
    hostile = "?stride=0&size=-9&bank=nan,1&example=%3Cscript%3Ealert(1)%3C/script%3E&filter=1e9"
    page.goto(app_url.rstrip("/") + "/" + hostile)
    text = wait_for_banner(page, "Input [5 x 5 x 1]", "4 filters")
    warning = page.locator('[data-testid="stAlert"]').filter(has_text="link were not used")
    warning.first.wait_for(timeout=APP_TIMEOUT_MS)
    assert warning.count() == 1
    said = warning.first.inner_text()
    assert "stride must be a whole number from 1 to 4" in said and "<script>" not in said
    assert "filters are not in the link" in said and "example must be one of" in said
    assert "output [3 x 3 x 4]" in text
    assert_no_exception(page)
