"""The standalone HTML export in Chromium with the network off: it plays from its own Play button, asks
for nothing outside the file, and its Play / Pause never cover the slider or its label."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import Browser

from visualizer import founding_image, trace_convolution
from visualizer.figures import sliding_figure, standalone_html

X = np.array([[1, 0, 1], [0, -1, 0], [1, 0, 1.0]])
LOCAL = ("file:", "data:", "about:", "blob:")


def _overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.fixture(scope="module")
def html_file(tmp_path_factory):
    trace = trace_convolution(founding_image(), X, padding=1)
    fig = sliding_figure(trace, controls=True, frame_ms=40)
    path = tmp_path_factory.mktemp("export") / "animation.html"
    path.write_text(standalone_html(fig, title="Founding <example> & X"), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [390, 1366, 1920])
def test_standalone_page_plays_offline_and_asks_for_nothing_outside(browser: Browser, html_file, width: int) -> None:
    context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html_file.as_uri())
        page.wait_for_selector(".js-plotly-plot .slider-rail-rect", timeout=30_000)
        assert page.title() == "Founding <example> & X"  # escaped, shown as text
        caption = page.locator(".annotation-text").nth(1)
        assert caption.text_content().startswith("Step 1 of 25")
        # Play / Pause on their own row: no button box meets the slider rail or its current-step label.
        buttons = [b.bounding_box() for b in page.locator(".updatemenu-button").all()]
        rail = page.locator(".slider-rail-rect").bounding_box()
        label = page.locator(".slider-group > .slider-label").first.bounding_box()
        assert len(buttons) == 2
        for box in buttons:
            assert not _overlap(box, rail) and not _overlap(box, label)
        page.locator(".updatemenu-button", has_text="Play").click()
        page.wait_for_function(
            "() => document.querySelectorAll('.annotation-text')[1].textContent.startsWith('Step 25 of 25')",
            timeout=20_000,
        )
        assert "step 25 / 25" in page.locator(".slider-group > .slider-label").first.text_content()
        foreign = [u for u in requests if not u.startswith(LOCAL)]
        assert foreign == []
    finally:
        context.close()
