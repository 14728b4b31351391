"""Editing the kernel where one looks: the player's kernel cells and its preset row (issue 16), in Chromium.

Every number is checked against the engine (``visualizer.conv2d`` on the example's pixels), never against the
app's own figure: the kernel the player draws, the step's products, the sum, the output, every feature map and
the share link (read back by the app's strict parser).
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from studio_helpers import (
    assert_no_exception,
    link_state,
    open_app,
    player,
    settle,
    share_link,
)

from visualizer import conv2d, load_example, preset_kernel, resize_image, to_channels
from visualizer.studio_state import FOUNDING_KERNEL, StudioState

FOUNDING = StudioState().example
MAPS = "photo_maps"  # the feature maps, drawn as pictures

# What the player draws now: every heatmap's z by trace name, and the annotation texts.
PLAYER_NUMBERS_JS = """() => {
    const gd = document.getElementById('plot');
    const z = {};
    for (const t of gd.data) if (t.type === 'heatmap' && t.name) z[t.name] = t.z;
    return {z, texts: [...gd.querySelectorAll('.annotation-text')].map((e) => e.textContent)};
}"""


def founding_image() -> np.ndarray:
    return to_channels(resize_image(load_example(FOUNDING, channels=3), 24), 1)


def cell(page: Page, k: int, r: int, c: int):
    return player(page).locator(f'.kcell[data-cell="{k},{r},{c}"]')


def editor(page: Page):
    return player(page).locator("input.kedit")


def drawn(page: Page) -> dict:
    return player(page).evaluate(PLAYER_NUMBERS_JS)


def wait_for_kernel(page: Page, kernel: np.ndarray, name: str = "kernel") -> None:
    """Until the player draws ``kernel`` (kh, kw) in its kernel panel ``name``."""
    player(page).wait_for_function(
        """([name, want]) => { const t = document.getElementById('plot').data.find((d) => d.name === name);
            return t && JSON.stringify(t.z) === JSON.stringify(want); }""",
        arg=[name, kernel.tolist()], timeout=30_000)
    settle(page)


def maps_frame(page: Page):
    for frame in page.frames:
        if MAPS in frame.url and not frame.is_detached():
            return frame
    raise AssertionError("no feature maps frame")


def wait_for_maps(page: Page, before: np.ndarray) -> None:
    """Until the feature maps' first section (the convolution before the activation) shows ``before`` (H, W, N): the
    numbers written over its maps are the engine's, as :func:`visualizer.numbers.fmt` writes them."""
    from visualizer.figures import style
    from visualizer.numbers import fmt

    digits = style.value_digits(max(before.shape[:2]))
    want = [[fmt(v, digits) for v in before[:, :, n].ravel()] for n in range(before.shape[2])]
    check = """(want) => { const section = document.querySelector('#panels section');
            if (!section) return false;
            const maps = [...section.querySelectorAll('.values')].map((g) => [...g.children].map((c) => c.textContent));
            return JSON.stringify(maps) === JSON.stringify(want); }"""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for frame in page.frames:
            if MAPS in frame.url and not frame.is_detached():
                try:
                    if frame.evaluate(check, want):
                        return
                except PlaywrightError:
                    pass
        page.wait_for_timeout(100)
    raise AssertionError("the feature maps never showed the engine's numbers")


def type_into(page: Page, k: int, r: int, c: int, text: str, key: str = "Enter") -> None:
    cell(page, k, r, c).click()
    field = editor(page)
    field.wait_for()
    field.fill(text)
    field.press(key)


def the_sum(texts: list[str]) -> str:
    found = [t for t in texts if t.startswith("out(")]
    assert len(found) == 1, texts
    return found[0]


def test_typing_into_a_kernel_cell_changes_every_view_to_the_engines_numbers(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    open_app(page, app_url)
    type_into(page, 0, 0, 1, "2")
    kernel = FOUNDING_KERNEL.copy()
    kernel[0, 1] = 2.0
    wait_for_kernel(page, kernel)
    assert editor(page).count() == 0  # Enter closed the field

    bank = link_state(share_link(page)).bank  # the one state, as the link carries it
    np.testing.assert_array_equal(bank[0, :, :, 0], kernel)
    image = founding_image()
    out = conv2d(image, bank, np.zeros(len(bank)))
    window = image[0:3, 0:3, 0]  # step 1
    numbers = drawn(page)
    np.testing.assert_array_equal(np.array(numbers["z"]["kernel"], float), kernel)
    np.testing.assert_allclose(np.array(numbers["z"]["products"], float), window * kernel, atol=1e-12)
    np.testing.assert_allclose(np.array(numbers["z"]["output"], float), out[:, :, 0], atol=1e-12)
    total = float(re.search(r"= ([−\-]?[\d.]+)$", the_sum(numbers["texts"]).strip()).group(1).replace("−", "-"))
    assert total == pytest.approx(float((window * kernel).sum()), abs=1e-9) == pytest.approx(out[0, 0, 0])
    wait_for_maps(page, out)  # every map, before the activation, the engine's numbers
    assert_no_exception(page)


def test_escape_and_bad_values_change_nothing(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    before = share_link(page)
    message = player(page).locator("#edit-msg")
    for text, said in (("abc", "Not a number"), ("NaN", "Not a number"), ("1e9", "Out of range"), ("", "Not a number")):
        type_into(page, 0, 1, 1, text)
        assert said in message.inner_text(), text
        assert editor(page).get_attribute("aria-invalid") == "true"
        editor(page).press("Escape")
        assert editor(page).count() == 0 and message.is_hidden()
    type_into(page, 0, 1, 1, "7", key="Escape")  # a good value cancelled
    page.wait_for_timeout(800)
    settle(page)
    assert share_link(page) == before
    np.testing.assert_array_equal(np.array(drawn(page)["z"]["kernel"], float), FOUNDING_KERNEL)


def test_keyboard_alone_edits_the_kernel(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    first = cell(page, 0, 0, 0)
    first.focus()
    outline = first.evaluate("(e) => getComputedStyle(e).outlineStyle")
    assert outline not in ("none", ""), "the focused cell shows no focus"
    assert "row 1, column 1" in first.get_attribute("aria-label")
    page.keyboard.press("Enter")
    field = editor(page)
    assert "row 1, column 1" in field.get_attribute("aria-label")
    page.keyboard.type("-3")
    page.keyboard.press("Tab")  # applies, and opens the next cell
    assert "row 1, column 2" in editor(page).get_attribute("aria-label")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Enter")
    kernel = FOUNDING_KERNEL.copy()
    kernel[0, 0], kernel[0, 1] = -3.0, 1.9
    wait_for_kernel(page, kernel)
    np.testing.assert_array_equal(link_state(share_link(page)).bank[0, :, :, 0], kernel)


def test_a_preset_beside_the_kernel_replaces_it(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    player(page).get_by_role("button", name="Kernel preset: Sharpen").click()
    wait_for_kernel(page, preset_kernel("sharpen", 3))
    state = link_state(share_link(page))
    np.testing.assert_array_equal(state.bank[0, :, :, 0], preset_kernel("sharpen", 3))
    assert state.names[0] == "sharpen"


# Each kernel cell is what a click at its centre reaches (no cell covers another).
CELLS_HIT_JS = """() => [...document.querySelectorAll('.kcell')].filter((b) => {
    const r = b.getBoundingClientRect();
    return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) !== b;
}).map((b) => b.dataset.cell)"""


@pytest.mark.parametrize("where", ["presentation", "phone", "presentation-phone"])
def test_editing_works_in_presentation_mode_and_at_390_px(page: Page, app_url: str, where: str) -> None:
    size = {"width": 390, "height": 844} if "phone" in where else {"width": 1366, "height": 768}
    page.set_viewport_size(size)
    open_app(page, f"{app_url.rstrip('/')}/studio" + ("?present=1" if "presentation" in where else ""))
    box = cell(page, 0, 2, 2).bounding_box()
    assert box and box["width"] >= 20 and box["height"] >= 20, box
    assert player(page).evaluate(CELLS_HIT_JS) == []
    type_into(page, 0, 2, 2, "-1.5")
    kernel = FOUNDING_KERNEL.copy()
    kernel[2, 2] = -1.5
    wait_for_kernel(page, kernel)
    out = conv2d(founding_image(), kernel[None, :, :, None], np.zeros(1))
    np.testing.assert_allclose(np.array(drawn(page)["z"]["output"], float), out[:, :, 0], atol=1e-12)
    assert_no_exception(page)


def test_every_channel_of_an_rgb_kernel_is_editable(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url.rstrip('/')}/studio?channels=3")
    type_into(page, 2, 0, 0, "5")  # channel B
    kernel = FOUNDING_KERNEL.copy()
    kernel[0, 0] = 5.0
    wait_for_kernel(page, kernel, name="kernel B")
    bank = link_state(share_link(page)).bank
    np.testing.assert_array_equal(bank[0, :, :, 2], kernel)
    np.testing.assert_array_equal(bank[0, :, :, 0], FOUNDING_KERNEL)


def test_the_code_below_follows_a_typed_value_once_the_player_has_drawn_it(page: Page, app_url: str) -> None:
    """A typed value reruns the stage alone (player, maps, link); the player then reports the new figure drawn and
    the exports, quiz and code below follow: the code block ends up writing the value typed."""
    open_app(page, app_url)
    code = page.get_by_text("Reproduce these numbers in NumPy and PyTorch")
    code.click()
    settle(page)
    block = page.locator("[data-testid='stCode']").filter(has_text="conv2d")
    block.first.wait_for(timeout=30_000)
    assert "7.25" not in block.first.inner_text()
    type_into(page, 0, 1, 1, "7.25")
    kernel = FOUNDING_KERNEL.copy()
    kernel[1, 1] = 7.25
    wait_for_kernel(page, kernel)
    page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stCode']\")].some("
                           "(e) => e.textContent.includes('7.25'))", timeout=30_000)
    settle(page)
    assert_no_exception(page)
