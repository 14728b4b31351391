"""The app loads in a real browser, finishes its first run without an exception and says what it is."""

from __future__ import annotations

from browser_helpers import screenshot, wait_for_app
from playwright.sync_api import Page


def test_app_loads_without_exception(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_app(page)
    screenshot(page, "smoke")

    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, f"the app shows an exception: {exceptions.first.inner_text()}"
    title = page.title()
    headings = page.locator("h1").all_inner_texts()
    assert "Convolution" in title or any("Convolution" in h for h in headings), (
        f"neither the page title {title!r} nor a heading {headings!r} mentions Convolution"
    )
