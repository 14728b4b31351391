"""The studio page in a real browser: the player (a component in an iframe) plays, steps and jumps to a clicked
output cell; drawing, uploads and RGB change the input. Screenshots go to test-output/screenshots/.

Every test opens a fresh page (its own browser context, so its own session) and waits on DOM state (the app's
script state, the player's label, the figure's drawn text and shapes), never on a fixed delay alone.
The README screenshot is `test_studio_screenshot_for_the_readme`; run it with UPDATE_README_SCREENSHOT=1 to
copy its PNG to docs/studio.png.
"""

from __future__ import annotations

import io
import os
import random
import shutil

import numpy as np
from browser_helpers import REPO_ROOT, SCREENSHOT_DIR, screenshot
from PIL import Image
from playwright.sync_api import Page
from studio_helpers import (
    SIDEBAR,
    UI_TIMEOUT_MS,
    assert_no_exception,
    assert_views_agree,
    caption,
    drawn_sum,
    label,
    open_app,
    player,
    press,
    settle,
    wait_for_label,
    wait_for_share,
)

MAIN = '[data-testid="stMain"]'
README_SCREENSHOT = REPO_ROOT / "docs" / "studio.png"
README_MAX_BYTES = 400_000
FIRST_SCREEN = {"width": 1366, "height": 768}

# What the figure shows now: its layout shapes (window outline, output cover) as drawn SVG paths, and how many
# output cells are visible. The output heatmap is drawn whole and a filled shape covers the cells still to come,
# so a cell counts as shown when its centre is in no filled shape. The output heatmap is the trace whose
# ``customdata`` holds each cell's step (``[step, step + 1]``).
CELLS_JS = """(gd) => {
    const t = gd._fullData.find((d) => d.type === 'heatmap' && d.customdata);
    if (!t) return null;
    const cells = [];
    t.customdata.forEach((row, y) => row.forEach((c, x) => { if (c) cells.push({x, y, step: c[0]}); }));
    return {xaxis: t.xaxis, yaxis: t.yaxis, cells};
}"""
GRAPH_STATE_JS = """() => {
    const gd = document.getElementById('plot');
    const fl = gd._fullLayout;
    const out = (""" + CELLS_JS + """)(gd);
    let shown = null;
    if (out) {
        const xa = fl['xaxis' + out.xaxis.slice(1)];
        const ya = fl['yaxis' + out.yaxis.slice(1)];
        const covers = fl.shapes
            .map((s, i) => ({s, i}))
            .filter(({s}) => s.xref === out.xaxis && s.fillcolor && !/rgba\\(.*,\\s*0\\)$/.test(s.fillcolor))
            .map(({i}) => gd.querySelector(`g.shapelayer path[data-index="${i}"]`))
            .filter((p) => p !== null);
        shown = 0;
        for (const c of out.cells) {
            const point = new DOMPoint(xa._offset + xa.l2p(c.x), ya._offset + ya.l2p(c.y));
            if (!covers.some((p) => p.isPointInFill(point))) shown++;
        }
    }
    return {paths: [...gd.querySelectorAll('g.shapelayer path')].map((p) => p.getAttribute('d')), shown};
}"""

# Coordinates, in the player's frame, of the centre of the output cell that step `step` computes.
OUTPUT_CELL_JS = """(step) => {
    const gd = document.getElementById('plot');
    const fl = gd._fullLayout;
    const box = gd.getBoundingClientRect();
    const out = (""" + CELLS_JS + """)(gd);
    const c = out && out.cells.find((cell) => cell.step === step);
    if (!c) return null;
    const xa = fl['xaxis' + out.xaxis.slice(1)];
    const ya = fl['yaxis' + out.yaxis.slice(1)];
    return {x: box.left + xa._offset + xa.l2p(c.x), y: box.top + ya._offset + ya.l2p(c.y)};
}"""


def banner(page: Page) -> str:
    """The shapes line, ``Input [5 x 5 x 1] · 4 filters [3 x 3 x 1] → output [3 x 3 x 4]``."""
    return page.locator(f"{MAIN} [data-testid='stMarkdown'] strong").filter(has_text="Input [").first.inner_text(
    ).replace("\xa0", " ")


def wait_for_banner(page: Page, text: str) -> None:
    page.locator(f"{MAIN} [data-testid='stMarkdown'] strong").filter(has_text=text).first.wait_for(
        timeout=UI_TIMEOUT_MS)
    settle(page)


def sidebar_choice(page: Page, label_text: str) -> None:
    """Pick ``label_text`` in the sidebar's "Image source" segmented control and wait for the rerun."""
    group = page.locator(f'{SIDEBAR} [data-testid="stButtonGroup"]').filter(has_text="Image source")
    group.get_by_role("radio", name=label_text, exact=True).click()
    settle(page)


def png_bytes(width: int, height: int) -> bytes:
    rng = np.random.default_rng(7)
    pixels = (rng.random((height, width, 3)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_first_screen_shows_the_founding_example_and_the_player_with_play(page: Page, app_url: str) -> None:
    page.set_viewport_size(FIRST_SCREEN)
    open_app(page, app_url)
    screenshot(page, "studio-loaded-1366", full_page=False)

    assert page.get_by_role("heading", name="Convolution studio", level=1).is_visible()
    assert "Input [5 x 5 x 1]" in banner(page)
    frame = player(page)
    assert label(page) == "Step 1 of 9"
    assert drawn_sum(page).startswith("out(0, 0) = 1 × 1 + 1 × 0 + 1 × 1") and drawn_sum(page).endswith("= 4")
    for name in ("First", "Back", "Play", "Next", "Last"):
        button = frame.get_by_role("button", name=name, exact=True)
        box = button.bounding_box()  # relative to the page's viewport
        assert box is not None and box["y"] + box["height"] <= FIRST_SCREEN["height"], f"{name} is below the fold"
        assert button.inner_text().strip().endswith(name) or button.inner_text().strip().startswith(name), name
    assert_no_exception(page)


def test_play_moves_the_window_and_fills_the_output(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    frame = player(page)
    before = frame.evaluate(GRAPH_STATE_JS)
    assert before["paths"], "the window outline is not drawn before Play"
    assert before["shown"] == 1, f"before Play only the first output cell is shown, not {before['shown']}"

    press(page, "Play")
    wait_for_label(page, "k >= 3")
    after = frame.evaluate(GRAPH_STATE_JS)
    screenshot(page, "studio-playing", full_page=False)
    assert after["paths"] != before["paths"], "the window's drawn outline did not move during Play"
    assert after["shown"] >= 3, f"the output did not fill in during Play: {after['shown']} cells shown"
    wait_for_label(page, "k === 9")
    player(page).get_by_role("button", name="Play", exact=True).wait_for(timeout=UI_TIMEOUT_MS)  # ended
    assert_views_agree(page, 9)
    assert frame.evaluate(GRAPH_STATE_JS)["shown"] == 9
    wait_for_share(page, "step", "9")
    assert_no_exception(page)


def test_next_moves_one_step_and_the_sum_is_the_classic_one(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    press(page, "Next")
    assert_views_agree(page, 2)
    assert drawn_sum(page).startswith("out(0, 1) =") and drawn_sum(page).endswith("= 3")
    assert "row 0, column 1" in caption(page)
    wait_for_share(page, "step", "2")
    screenshot(page, "studio-next", full_page=False)


def test_clicking_an_output_cell_jumps_to_its_step(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    frame = player(page)
    point = frame.evaluate(OUTPUT_CELL_JS, 8)  # the last step makes output cell (2, 2)
    assert point is not None, "no clickable output cell (the output heatmap's customdata) in the figure"
    origin = page.locator('iframe[title*="sliding_player"]').bounding_box()
    assert origin is not None
    page.mouse.click(origin["x"] + point["x"], origin["y"] + point["y"])
    assert_views_agree(page, 9)
    assert drawn_sum(page).startswith("out(2, 2) =") and drawn_sum(page).endswith("= 4")
    wait_for_share(page, "step", "9")
    screenshot(page, "studio-clicked-cell", full_page=False)


def test_drawing_on_the_canvas_changes_the_input(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    sidebar_choice(page, "Draw")
    # streamlit-drawable-canvas renders Fabric.js canvases inside an isolated (shadow DOM) component;
    # Playwright's CSS locators pierce open shadow roots. The top canvas takes the mouse.
    component = page.locator(f'{SIDEBAR} [data-testid="stBidiComponentIsolated"]')
    canvas = component.locator("canvas").last
    canvas.wait_for(timeout=UI_TIMEOUT_MS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 100, f"the drawing canvas is not laid out: {box}"
    assert "Input [5 x 5 x 1]" in banner(page)

    x0, y0 = box["x"] + 0.2 * box["width"], box["y"] + 0.2 * box["height"]
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(x0 + i * 0.03 * box["width"], y0 + i * 0.03 * box["height"])
    page.mouse.up()
    wait_for_banner(page, "Input [16 x 16 x 1]")  # a new drawing starts at a 16-pixel animation

    assert "(drawing)" in page.locator(MAIN).inner_text()
    assert label(page) == "Step 1 of 196"
    assert_no_exception(page)
    screenshot(page, "studio-drawing")


def test_upload_changes_the_input_and_a_bad_file_keeps_it(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    sidebar_choice(page, "Upload")
    file_input = page.locator(f'{SIDEBAR} [data-testid="stFileUploader"] input[type="file"]')

    # 40 wide, 30 high; a new picture is animated at most 16 pixels a side: 16 wide, 12 high, made gray.
    file_input.set_input_files(files=[{"name": "good.png", "mimeType": "image/png", "buffer": png_bytes(40, 30)}])
    wait_for_banner(page, "Input [12 x 16 x 1]")
    assert "(good.png)" in page.locator(MAIN).inner_text()
    assert page.locator(f'{SIDEBAR} [data-testid="stAlert"]').count() == 0

    junk = random.Random(3).randbytes(2_000)
    file_input.set_input_files(files=[{"name": "bad.png", "mimeType": "image/png", "buffer": junk}])
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="Could not use")
    alert.first.wait_for(timeout=UI_TIMEOUT_MS)
    settle(page)

    assert "bad.png" in alert.first.inner_text()
    assert "Input [12 x 16 x 1]" in banner(page), "a bad upload replaced the previous image"
    assert_no_exception(page)
    screenshot(page, "studio-bad-upload")


def test_rgb_shows_a_panel_per_channel_and_the_channel_sums(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    page.locator(f"{SIDEBAR} .st-key-w_channels").get_by_text("RGB (3 channels)").click()
    wait_for_banner(page, "Input [5 x 5 x 3]")
    player(page).wait_for_function(
        "() => [...document.querySelectorAll('#plot .annotation-text')].some((e) => e.textContent === 'input R')",
        timeout=UI_TIMEOUT_MS)
    texts = player(page).evaluate(
        "() => [...document.querySelectorAll('#plot .annotation-text')].map((e) => e.textContent)")
    for title in ("input R", "input G", "input B", "kernel B"):
        assert any(t.startswith(title) for t in texts), f"no panel titled {title!r} in the figure: {texts}"
    sums = [t for t in texts if t.startswith("R: ")]
    assert len(sums) == 1, texts
    assert "out(0, 0) = 4 + 4 + 4 = 12" in sums[0] and "channels absorbed" in sums[0]  # one sum per channel, added
    assert page.get_by_role("img", name="The animation's input image, 5 by 5 pixels").count() == 1
    assert_no_exception(page)
    screenshot(page, "studio-rgb")


def test_studio_screenshot_for_the_readme(page: Page, app_url: str) -> None:
    """The founding example at 1366x768 with the animation half-way (step 5 of 9): the README's picture."""
    page.set_viewport_size(FIRST_SCREEN)
    open_app(page, app_url)
    for step in range(2, 6):
        press(page, "Next")
        assert_views_agree(page, step)
    wait_for_share(page, "step", "5")
    page.evaluate("document.querySelectorAll('*').forEach((e) => { if (e.scrollTop) e.scrollTop = 0; })")  # the top
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(FIRST_SCREEN["width"] - 1, FIRST_SCREEN["height"] - 1)  # no hover highlight
    readme = screenshot(page, "studio-readme", full_page=False)
    with Image.open(readme) as image:
        image.save(readme, optimize=True)
    assert readme.stat().st_size > 50_000, "the studio screenshot is nearly empty"
    assert readme.stat().st_size < README_MAX_BYTES, f"{readme} is {readme.stat().st_size} bytes"
    if os.environ.get("UPDATE_README_SCREENSHOT"):
        shutil.copyfile(readme, README_SCREENSHOT)
    assert (SCREENSHOT_DIR / "studio-readme.png").is_file()


def test_the_cells_receptive_field_follows_a_step_made_in_the_player(page: Page, app_url: str) -> None:
    """A step reruns the player with the maps only; the field under them (another part of the stage) follows once
    the player has drawn the step. It fails when nothing asks that part to follow."""
    import time

    def headings() -> str:
        texts = []
        for frame in page.frames:
            try:
                texts += frame.locator("section .heading").all_inner_texts()
            except Exception:  # noqa: BLE001, S112 - a frame detached while the page redraws
                continue
        return " | ".join(texts)

    def wait_for_heading(text: str) -> None:
        start = time.monotonic()
        while text not in headings():
            assert time.monotonic() - start < UI_TIMEOUT_MS / 1000, f"no {text!r} in the field: {headings()!r}"
            page.wait_for_timeout(100)

    open_app(page, app_url)
    wait_for_heading("of output cell (0, 0)")
    press(page, "Next")
    press(page, "Next")
    assert_views_agree(page, 3)
    wait_for_heading("of output cell (0, 2)")
    wait_for_share(page, "step", "3")
    assert_no_exception(page)
