"""The studio page in a real browser: Play moves the window, the step buttons and output cells move the step,
drawing, uploads and RGB change the input. Screenshots go to test-output/screenshots/.

Every test opens a fresh page on the founding 5x5 example and waits on DOM state (the app's script state, the
text of the equation or the banner, the Plotly graph's own state), never on a fixed delay alone.
The README screenshot is `test_studio_screenshot_for_the_readme`; run it with UPDATE_README_SCREENSHOT=1 to
copy its PNG to docs/studio.png.
"""

from __future__ import annotations

import io
import os
import random
import shutil

import numpy as np
from browser_helpers import REPO_ROOT, SCREENSHOT_DIR, screenshot, wait_for_app
from PIL import Image
from playwright.sync_api import Locator, Page

MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
EXCEPTION = '[data-testid="stException"]'
ANIM_GRAPH = '.st-key-anim_chart [data-testid="stPlotlyChart"] .js-plotly-plot'
EQUATION = f'{MAIN} [data-testid="stCode"]'
BANNER = f'{MAIN} [data-testid="stMarkdown"] h4'
STEP_VALUE = '.st-key-step_slider [data-testid="stSliderThumbValue"]'
README_SCREENSHOT = REPO_ROOT / "docs" / "studio.png"
README_MAX_BYTES = 400_000
# Generous limits: on a busy machine a script run of this app can take several seconds. A failure still
# fails, only later; nothing here sleeps for a fixed time.
APP_TIMEOUT_MS = 60_000
UI_TIMEOUT_MS = 30_000
TALL_VIEWPORT = {"width": 1600, "height": 2600}

# What the animation shows right now, read from the Plotly graph div: the slider's step, the layout shapes
# (window outline, output cover) as JSON and as drawn SVG paths, and how many output cells are visible. The
# output heatmap is drawn whole and a filled shape covers the cells still to come, so a cell counts as shown
# when the centre of its click marker (the scatter with customdata) lies in no filled shape on its axes.
GRAPH_STATE_JS = """(gd) => {
    const fl = gd._fullLayout;
    const cells = gd._fullData.find((t) => t.type === 'scatter' && t.customdata);
    let shown = null;
    if (cells) {
        const xa = fl['xaxis' + cells.xaxis.slice(1)];
        const ya = fl['yaxis' + cells.yaxis.slice(1)];
        const covers = fl.shapes
            .map((s, i) => ({s, i}))
            .filter(({s}) => s.xref === cells.xaxis && s.fillcolor && !/rgba\\(.*,\\s*0\\)$/.test(s.fillcolor))
            .map(({i}) => gd.querySelector(`g.shapelayer path[data-index="${i}"]`))
            .filter((p) => p !== null);
        shown = 0;
        for (let k = 0; k < cells.x.length; k++) {
            const point = new DOMPoint(xa._offset + xa.l2p(cells.x[k]), ya._offset + ya.l2p(cells.y[k]));
            if (!covers.some((p) => p.isPointInFill(point))) shown++;
        }
    }
    return {
        active: fl.sliders && fl.sliders.length ? fl.sliders[0].active : null,
        shapes: JSON.stringify(gd.layout.shapes || []),
        paths: [...gd.querySelectorAll('g.shapelayer path')].map((p) => p.getAttribute('d')),
        shown,
    };
}"""

# Page coordinates of the clickable marker of output step `step`: the scatter trace whose customdata holds
# each output cell's step, placed on its own axes (in a subplot) by Plotly.
OUTPUT_CELL_JS = """(gd, step) => {
    const fl = gd._fullLayout;
    const box = gd.getBoundingClientRect();
    const stepOf = (c) => (Array.isArray(c) || ArrayBuffer.isView(c) ? c[0] : c);
    for (const t of gd._fullData) {
        if (t.type !== 'scatter' || !t.customdata) continue;
        const k = [...t.customdata].findIndex((c) => stepOf(c) === step);
        if (k < 0) continue;
        const xa = fl['xaxis' + t.xaxis.slice(1)];
        const ya = fl['yaxis' + t.yaxis.slice(1)];
        return {x: box.left + xa._offset + xa.l2p(xa.d2l(t.x[k])), y: box.top + ya._offset + ya.l2p(ya.d2l(t.y[k]))};
    }
    return null;
}"""


def settle(page: Page) -> None:
    """Wait until the app's script run (or fragment rerun) has finished and its charts have drawn."""
    wait_for_app(page, timeout_ms=APP_TIMEOUT_MS)


def open_studio(page: Page, app_url: str) -> None:
    """Load the studio on its default input (the founding 5x5 example) and check it ran cleanly."""
    page.goto(app_url)
    settle(page)
    assert_no_exception(page)


def assert_no_exception(page: Page) -> None:
    exceptions = page.locator(EXCEPTION)
    assert exceptions.count() == 0, f"the app shows an exception: {exceptions.first.inner_text()}"


def banner(page: Page) -> str:
    """The shape banner, ``Input [5 x 5 x 1] -- 4 filters [3 x 3 x 1] -> output [3 x 3 x 4]``."""
    return page.locator(BANNER).filter(has_text="Input [").first.inner_text().replace("\xa0", " ")


def wait_for_banner(page: Page, text: str) -> None:
    page.locator(BANNER).filter(has_text=text).first.wait_for(timeout=UI_TIMEOUT_MS)
    settle(page)


def equation(page: Page) -> Locator:
    """The code block under the animation with the current step's sum (the main area's first code block)."""
    return page.locator(EQUATION).first


def wait_for_equation(page: Page, start: str) -> str:
    """Wait until the equation block starts with ``start`` (the step's output cell); return its text."""
    page.wait_for_function(
        "([sel, start]) => { const el = document.querySelector(sel); "
        "return el !== null && el.innerText.trim().startsWith(start); }",
        arg=[EQUATION, start],
        timeout=UI_TIMEOUT_MS,
    )
    settle(page)
    return equation(page).inner_text()


def anim_graph(page: Page) -> Locator:
    graph = page.locator(ANIM_GRAPH)
    graph.wait_for(timeout=UI_TIMEOUT_MS)
    return graph


def sidebar_choice(page: Page, label: str) -> None:
    """Pick ``label`` in the sidebar's "Image source" segmented control and wait for the rerun."""
    group = page.locator(f'{SIDEBAR} [data-testid="stButtonGroup"]').filter(has_text="Image source")
    group.get_by_role("radio", name=label, exact=True).click()
    settle(page)


def png_bytes(width: int, height: int) -> bytes:
    rng = np.random.default_rng(7)
    pixels = (rng.random((height, width, 3)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def test_page_loads_with_the_founding_example(page: Page, app_url: str) -> None:
    open_studio(page, app_url)
    screenshot(page, "studio-loaded")

    assert page.get_by_role("heading", name="Convolution studio", level=1).is_visible()
    assert "Input [5 x 5 x 1]" in banner(page)
    assert page.locator(BANNER).filter(has_text="Input [5 x 5 x 1]").first.is_visible()
    graph = anim_graph(page)
    assert graph.locator(".main-svg").count() > 0, "the animation chart has no SVG: Plotly did not draw it"
    assert graph.locator("g.updatemenu-button").filter(has_text="Play").count() == 1, "no Play button in the chart"
    assert equation(page).inner_text().startswith("out(0, 0) = 1*1 + 1*0 + 1*1")


def test_play_moves_the_window_and_fills_the_output(page: Page, app_url: str) -> None:
    open_studio(page, app_url)
    graph = anim_graph(page)
    graph.scroll_into_view_if_needed()
    before = graph.evaluate(GRAPH_STATE_JS)
    before_png = graph.screenshot(path=str(SCREENSHOT_DIR / "play-before.png"))
    assert before["paths"], "the window outline is not drawn before Play"

    graph.locator("g.updatemenu-button").filter(has_text="Play").click()
    # Two frames further on: the slider has moved at least two steps (the speed is 400 ms a step).
    page.wait_for_function(
        "([sel, start]) => { const gd = document.querySelector(sel); "
        "return gd._fullLayout.sliders[0].active >= start + 2; }",
        arg=[ANIM_GRAPH, before["active"]],
        timeout=UI_TIMEOUT_MS,
    )
    after = graph.evaluate(GRAPH_STATE_JS)
    after_png = graph.screenshot(path=str(SCREENSHOT_DIR / "play-after.png"))
    graph.locator("g.updatemenu-button").filter(has_text="Pause").click()

    assert after["shapes"] != before["shapes"], "the window's layout shape did not move during Play"
    assert after["paths"] != before["paths"], "the window's drawn outline did not move during Play"
    assert before["shown"] is not None, "no output-cell markers (scatter with customdata) in the animation chart"
    assert after["shown"] >= before["shown"] + 2, (
        f"the output did not fill in during Play: {before['shown']} -> {after['shown']} cells shown"
    )
    assert after_png != before_png, "the chart looks the same before and after Play"
    assert_no_exception(page)


def test_next_button_moves_one_step(page: Page, app_url: str) -> None:
    open_studio(page, app_url)
    assert page.locator(STEP_VALUE).inner_text() == "step 1 of 9"

    page.get_by_role("button", name="Next").click()
    text = wait_for_equation(page, "out(0, 1) =")

    assert page.locator(STEP_VALUE).inner_text() == "step 2 of 9"
    assert text.rstrip().endswith("= 3"), f"step 2 of the founding example sums to 3, the page says {text!r}"
    screenshot(page, "studio-next")


def test_clicking_an_output_cell_jumps_to_its_step(page: Page, app_url: str) -> None:
    open_studio(page, app_url)
    graph = anim_graph(page)
    graph.scroll_into_view_if_needed()
    last_step = 8  # the founding 5x5 input with a 3x3 filter: 9 steps, the last makes output cell (2, 2)
    point = graph.evaluate(OUTPUT_CELL_JS, last_step)
    assert point is not None, "no clickable output-cell marker (scatter with customdata) in the animation chart"

    page.mouse.click(point["x"], point["y"])
    text = wait_for_equation(page, "out(2, 2) =")

    assert page.locator(STEP_VALUE).inner_text() == "step 9 of 9"
    assert text.rstrip().endswith("= 4")
    screenshot(page, "studio-clicked-cell")


def test_drawing_on_the_canvas_changes_the_input(page: Page, app_url: str) -> None:
    open_studio(page, app_url)
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
    wait_for_banner(page, "Input [24 x 24 x 1]")

    assert page.get_by_text("Input: drawing.").count() == 1, "the caption does not name the drawing as the input"
    assert_no_exception(page)
    screenshot(page, "studio-drawing")
    component.screenshot(path=str(SCREENSHOT_DIR / "studio-drawing-canvas.png"))


def test_upload_changes_the_input_and_a_bad_file_keeps_it(page: Page, app_url: str) -> None:
    open_studio(page, app_url)
    sidebar_choice(page, "Upload")
    file_input = page.locator(f'{SIDEBAR} [data-testid="stFileUploader"] input[type="file"]')

    # 40 wide, 30 high; the animation works on at most 24 pixels a side: 24 wide, 18 high, made gray.
    file_input.set_input_files(files=[{"name": "good.png", "mimeType": "image/png", "buffer": png_bytes(40, 30)}])
    wait_for_banner(page, "Input [18 x 24 x 1]")
    assert page.get_by_text("Input: upload: good.png.").count() == 1
    assert page.locator(f'{SIDEBAR} [data-testid="stAlert"]').count() == 0

    junk = random.Random(3).randbytes(2_000)
    file_input.set_input_files(files=[{"name": "bad.png", "mimeType": "image/png", "buffer": junk}])
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="Could not use")
    alert.first.wait_for(timeout=UI_TIMEOUT_MS)
    settle(page)

    assert "bad.png" in alert.first.inner_text()
    assert "Input [18 x 24 x 1]" in banner(page), "a bad upload replaced the previous image"
    assert_no_exception(page)
    screenshot(page, "studio-bad-upload")


def test_rgb_shows_per_channel_sums(page: Page, app_url: str) -> None:
    open_studio(page, app_url)
    page.locator(f'{SIDEBAR} [data-testid="stRadio"]').get_by_text("RGB (3 channels)").click()
    wait_for_banner(page, "x 3]")

    assert "Input [5 x 5 x 3]" in banner(page)
    text = wait_for_equation(page, "R:")
    assert "channels absorbed" in text, f"the equation has no per-channel total: {text!r}"
    graph = anim_graph(page)
    for title in ("input R", "input G", "input B", "kernel B"):
        assert graph.locator("text").filter(has_text=title).count() >= 1, f"no panel titled {title!r} in the chart"
    assert graph.locator("text").filter(has_text="channels absorbed").count() >= 1, "the chart's sum has no total"
    assert_no_exception(page)
    screenshot(page, "studio-rgb")
    graph.screenshot(path=str(SCREENSHOT_DIR / "studio-rgb-chart.png"))


def test_studio_screenshot_for_the_readme(page: Page, app_url: str) -> None:
    """The founding example with the animation half-way (step 5 of 9): a tall picture of the whole studio,
    and its top (title to written-out sum) as the README's picture."""
    page.set_viewport_size(TALL_VIEWPORT)
    open_studio(page, app_url)
    for step in range(2, 6):
        page.get_by_role("button", name="Next").click()
        page.locator(STEP_VALUE).filter(has_text=f"step {step} of 9").wait_for(timeout=UI_TIMEOUT_MS)
    wait_for_equation(page, "out(1, 1) =")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(TALL_VIEWPORT["width"] - 1, TALL_VIEWPORT["height"] - 1)  # no hover highlight
    tall = screenshot(page, "studio-full", full_page=False)

    equation_box = equation(page).bounding_box()
    assert equation_box is not None, "the equation block is not laid out"
    bottom = min(int(equation_box["y"] + equation_box["height"]) + 12, TALL_VIEWPORT["height"])
    readme = SCREENSHOT_DIR / "studio-readme.png"
    with Image.open(tall) as image:
        image.crop((0, 0, TALL_VIEWPORT["width"], bottom)).save(readme, optimize=True)

    assert tall.stat().st_size > 50_000, "the tall studio screenshot is nearly empty"
    assert readme.stat().st_size < README_MAX_BYTES, f"{readme} is {readme.stat().st_size} bytes"
    if os.environ.get("UPDATE_README_SCREENSHOT"):
        shutil.copyfile(readme, README_SCREENSHOT)
