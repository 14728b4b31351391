"""The kind of convolution in a real browser: choosing "Transposed" in the sidebar plays PyTorch's numbers in the
player, the stamping view plays on its own, the share link carries the kind and reopens it, the HTML export and
the code download hold the transposed layer."""

from __future__ import annotations

import numpy as np
import torch
from browser_helpers import screenshot
from playwright.sync_api import Page
from studio_helpers import (
    MAIN,
    UI_TIMEOUT_MS,
    assert_no_exception,
    choose,
    link_state,
    open_app,
    player,
    press,
    set_number,
    share_link,
    wait_for_label,
)

from visualizer import load_example
from visualizer.ui.studio_model import working_image

STAMPS_JS = "[...document.querySelectorAll('.js-plotly-plot')].find(g => g._transitionData && g.data && " \
            "g.data.some(t => t.name === 'output so far'))"


def _stamping_frame(page: Page):
    for frame in page.frames:
        try:
            if frame.evaluate(f"() => !!({STAMPS_JS})"):
                return frame
        except Exception:  # a frame that went away, or one without the figure
            continue
    raise AssertionError("no stamping figure in any frame")


def _transposed(image, bank, bias, stride):
    x = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
    w = torch.from_numpy(bank.transpose(3, 0, 1, 2).copy())
    return torch.nn.functional.conv_transpose2d(x, w, torch.from_numpy(bias), stride=stride)[0].numpy()


def test_the_transposed_kind_plays_shares_exports_and_gives_its_code(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    open_app(page, f"{app_url}/studio")
    set_number(page, "w_stride", 2)
    choose(page, "w_kind", "Transposed")
    assert_no_exception(page)
    assert "Step 1 of 121" in player(page).locator("#label").inner_text()  # an 11x11 output: (5 - 1)*2 + 3
    press(page, "Play")
    wait_for_label(page, "k >= 3")
    press(page, "Pause")
    link = share_link(page)
    assert "kind=transposed" in link
    state = link_state(link)
    state.image = load_example(state.example, channels=3)  # as the studio does for an example in a link
    want = _transposed(working_image(state), state.bank, state.effective_bias, 2)[0]
    frame = _stamping_frame(page)
    frame.evaluate(f"() => ({STAMPS_JS}).scrollIntoView()")
    frame.locator(".updatemenu-button", has_text="Play").click()
    frame.wait_for_function(f"() => ({STAMPS_JS}).layout.sliders[0].active > 0", timeout=UI_TIMEOUT_MS)
    last = frame.evaluate(f"() => ({STAMPS_JS})._transitionData._frames.slice(-1)[0].data[1].z")
    np.testing.assert_allclose(np.array(last), want, atol=1e-9)
    with page.expect_download() as html:
        page.locator(MAIN).get_by_role("button", name="Download the animation (HTML page)").click()
    assert "Plotly" in open(html.value.path(), encoding="utf-8").read(2_000_000)
    page.locator(MAIN).locator("[data-testid='stExpander']").filter(
        has_text="Reproduce these numbers").locator("summary").click()
    with page.expect_download() as code:
        page.locator(MAIN).get_by_role("button", name="Download convolution.py").click()
    namespace: dict = {}
    exec(open(code.value.path(), encoding="utf-8").read(), namespace)  # the code the app generated
    np.testing.assert_allclose(namespace["out"][:, :, 0], want, atol=1e-12)
    screenshot(page, "studio-transposed", full_page=False)
    open_app(page, link)  # the link reopens the transposed layer (a new session)
    assert "of 121" in player(page).locator("#label").inner_text()
    _stamping_frame(page)
