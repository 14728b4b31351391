"""The Your model page in Chromium: a hostile .onnx is a message and the page keeps working, then a good model
(our digits network as ONNX) opens, with its verdict, its graph and a stage's sliding view."""

from __future__ import annotations

import random
from pathlib import Path

from browser_helpers import screenshot, wait_for_app
from playwright.sync_api import Page

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SIDEBAR = '[data-testid="stSidebar"]'
MAIN = '[data-testid="stMain"]'
TIMEOUT_MS = 120_000


def _main_text(page: Page) -> str:
    return page.locator(MAIN).inner_text()


def _upload(page: Page, name: str, data: bytes) -> None:
    uploader = page.locator(f'{SIDEBAR} [data-testid="stFileUploader"] input[type="file"]').first
    uploader.set_input_files(files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}])
    page.wait_for_timeout(500)
    wait_for_app(page, timeout_ms=TIMEOUT_MS)


def test_a_hostile_model_then_a_good_one(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/model", timeout=TIMEOUT_MS)
    wait_for_app(page, timeout_ms=TIMEOUT_MS)
    assert "Tiny MobileNet" in _main_text(page)
    assert "circle" in _main_text(page) or page.locator(".js-plotly-plot").count() >= 2

    _upload(page, "broken.onnx", random.Random(7).randbytes(4000))
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="Could not open")
    alert.first.wait_for(timeout=TIMEOUT_MS)
    text = alert.first.inner_text()
    assert "broken.onnx" in text and "The model before it is still open" in text
    assert "Tiny MobileNet" in _main_text(page), "a bad file replaced the open model"
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "model-hostile-upload")

    _upload(page, "digits_net.onnx", (ASSETS / "digits_net.onnx").read_bytes())
    page.get_by_text("upload: digits_net.onnx").first.wait_for(timeout=TIMEOUT_MS)
    main = _main_text(page)
    assert "Could not open" not in main
    assert "10 x [3x3x10]" in main or "Stage 1" in main
    assert page.locator('[data-testid="stException"]').count() == 0
    # The page still works: inspect another stage.
    page.locator(f'{MAIN} [data-testid="stSelectbox"]').filter(has_text="Stage").first.click()
    page.get_by_role("option").filter(has_text="6 · 10 x [3x3x10]").first.click()
    wait_for_app(page, timeout_ms=TIMEOUT_MS)
    page.get_by_text("Stage 6: Conv node").first.wait_for(timeout=TIMEOUT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "model-good-upload")
