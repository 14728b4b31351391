"""The kind of convolution in a real browser: choosing "Transposed" in the sidebar plays PyTorch's numbers in the
player, the stamping view plays on its own, the share link carries the kind and reopens it, the HTML export and
the code download hold the transposed layer."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import torch
from browser_helpers import screenshot
from playwright.sync_api import Page
from studio_helpers import (
    MAIN,
    UI_TIMEOUT_MS,
    assert_no_exception,
    choose,
    drawn_sum,
    label,
    link_state,
    open_app,
    player,
    press,
    set_number,
    settle,
    share_link,
    step_of,
    wait_for_label,
)

from visualizer import family, load_example
from visualizer.studio_state import StudioState, to_query
from visualizer.trace import trace_convolution
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


OUTPUT_JS = "() => document.getElementById('plot').data.find((d) => d.name === 'output').z"
SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def _rgb_link(app_url: str, kind: str, groups: int) -> tuple[str, StudioState]:
    """An RGB studio of 6 filters, filter 5 selected (group 3 of 3 sees channel 3), as a share link."""
    s = StudioState(channels=3, kind=kind, groups=groups, stride=2, padding=1, use_bias=True)
    s.bank = np.random.default_rng(7).normal(size=(6, 3, 3, 3)).round(3)
    s.names = [f"f{i}" for i in range(6)]
    s.bias = np.linspace(-0.5, 0.5, 6)
    s.selected = 4
    return f"{app_url}/studio?{urlencode(to_query(s))}", s


def test_grouped_depthwise_and_separable_play_the_engines_numbers(page: Page, app_url: str) -> None:
    for kind, groups in (("grouped", 3), ("depthwise", 1), ("separable", 1)):
        link, s = _rgb_link(app_url, kind, groups)
        page.set_viewport_size({"width": 1366, "height": 900})
        open_app(page, link)
        assert_no_exception(page)
        state = link_state(share_link(page))
        assert state.kind == kind and state.groups == groups
        state.image = load_example(state.example, channels=3)
        image = working_image(state)
        lo, hi = family.channel_range(4, 6, 3, 3)
        trace = trace_convolution(image[:, :, lo:hi], state.bank[4][:, :, lo:hi],
                                  0.0 if kind == "separable" else float(state.effective_bias[4]), stride=2, padding=1)
        if kind != "separable":  # the player's output is the layer's map of filter 5 (depthwise: groups = C = 3)
            layer = family.layer_output(kind, image, state.bank, state.effective_bias, stride=2, padding=1,
                                        dilation=1, groups=groups)
            np.testing.assert_allclose(trace.output, layer[:, :, 4], atol=1e-12)
        else:  # separable: the depthwise stage's map 5
            np.testing.assert_allclose(trace.output, family.depthwise_stage(image, state.bank, stride=2, padding=1,
                                                                            dilation=1)[:, :, 4], atol=1e-12)
        assert f"Step 1 of {trace.steps}" in player(page).locator("#label").inner_text()
        press(page, "Play")
        k = wait_for_label(page, "k >= 3")
        press(page, "Pause")
        np.testing.assert_allclose(np.array(player(page).evaluate(OUTPUT_JS), float), trace.output, atol=1e-9)
        shown = drawn_sum(page)
        value = float(shown.rsplit("=", 1)[1].replace("\u2212", "-"))
        k = step_of(label(page))
        assert abs(value - trace.totals[k - 1]) < 0.006, (shown, trace.totals[k - 1])
        body = page.locator(MAIN).inner_text()
        assert "Filter 5 is in group 3 of 3: it sees only channel 3 of 3" in body
        assert "x fewer multiply-adds" in body
        SCREENS.mkdir(parents=True, exist_ok=True)
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
            settle(page)
            page.screenshot(path=str(SCREENS / f"studio-{kind}-rgb-{width}.png"), full_page=False)
            page.get_by_text("Filter 5 is in group 3 of 3").scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENS / f"studio-{kind}-rgb-{width}-section.png"), full_page=False)
