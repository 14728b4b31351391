"""A photo in the studio, in Chromium: its feature maps at full resolution by default, the animated region picked by
a click on the photo, the numbers written in the region's cells, the region in the share link, and a 640x480 JPEG
upload kept at its own pixels."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

from browser_helpers import REPO_ROOT, screenshot
from PIL import Image
from playwright.sync_api import Frame, Page
from studio_helpers import (
    MAIN,
    SIDEBAR,
    UI_TIMEOUT_MS,
    assert_no_exception,
    open_app,
    player,
    settle,
    share_params,
)

from visualizer import ACTIVATION_LABELS, activate, conv2d, load_image, to_channels
from visualizer.figures.export import feature_sheet_png
from visualizer.studio_state import MAX_PICTURE_SIDE, StudioState
from visualizer.ui.common import shape_label

PHOTO = "Landscape photo (256x256, colour)"
REGION = re.compile(r"rows (\d+)-(\d+), columns (\d+)-(\d+) of (\d+)x(\d+)")


def photo_frame(page: Page) -> Frame:
    """The photo component's frame, once its pictures have loaded."""
    frame_el = page.locator("iframe[title*='photo_maps']").first
    frame_el.wait_for(timeout=UI_TIMEOUT_MS)
    frame = frame_el.element_handle().content_frame()
    frame.wait_for_function("() => [...document.images].length > 2 && [...document.images].every((i) => i.complete "
                            "&& i.naturalWidth > 0)", timeout=UI_TIMEOUT_MS)
    return frame


def region_caption(page: Page) -> tuple[int, ...]:
    match = REGION.search(page.locator(MAIN).inner_text())
    assert match, "the page says which part of the photo the animation shows"
    return tuple(int(v) for v in match.groups())


def input_cell_texts(page: Page) -> list[str]:
    """The numbers written in the player's input cells (Plotly draws a heatmap's cell text in its text layer)."""
    return player(page).evaluate(
        "() => [...document.querySelectorAll('#plot .heatmaplayer .hm text, #plot .textpoint text, #plot text')]"
        ".map((t) => t.textContent).filter((t) => /^-?\\d*\\.\\d+$|^\\d$/.test(t))")


def test_a_photo_shows_full_maps_and_a_click_picks_the_animated_region(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}/studio?example={quote(PHOTO)}")
    frame = photo_frame(page)
    titles = frame.locator("figcaption span:first-child").all_inner_texts()
    assert titles[:4] == ["1: X (founding example)", "2: sobel x", "3: sobel y", "4: outline"]
    sizes = frame.evaluate("() => [...document.querySelectorAll('.grid img')].map((i) => [i.naturalHeight, "
                           "i.naturalWidth])")
    assert sizes and all(s == [254, 254] for s in sizes), "every map at the photo's full 256x256 resolution"
    before = region_caption(page)
    assert before[4:] == (256, 256)
    numbers = input_cell_texts(page)
    assert len(numbers) >= 36, f"the region's 6x6 input cells show their numbers: {numbers[:10]}"

    photo = frame.locator("#photo-tile .pic")
    box = photo.bounding_box()
    photo.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.2})
    page.wait_for_function(
        "(old) => { const m = /rows (\\d+)-\\d+, columns (\\d+)/.exec(document.body.innerText); "
        "return m && m[1] + ',' + m[2] !== old; }", arg=f"{before[0]},{before[2]}", timeout=UI_TIMEOUT_MS)
    settle(page)
    y0, y1, x0, x1, _, _ = region_caption(page)
    assert abs((y0 + y1) / 2 - 256 * 0.2) <= 2 and abs((x0 + x1) / 2 - 256 * 0.8) <= 2
    assert share_params(page)["region"] == [f"{y0},{x0}"]
    assert len(input_cell_texts(page)) >= 36
    outline = frame.evaluate("() => { const b = document.querySelector('#photo-tile .box').getBoundingClientRect();"
                             " const p = document.querySelector('#photo-tile .pic').getBoundingClientRect();"
                             " return [(b.top + b.height / 2 - p.top) / p.height,"
                             "         (b.left + b.width / 2 - p.left) / p.width]; }")
    assert abs(outline[0] - 0.2) < 0.03 and abs(outline[1] - 0.8) < 0.03, outline
    assert_no_exception(page)
    frame.locator("body").scroll_into_view_if_needed()
    screenshot(page, "photo-region-picked", full_page=False)


def test_a_640x480_jpeg_keeps_its_own_pixels(page: Page, app_url: str) -> None:
    buf = io.BytesIO()
    Image.open(REPO_ROOT / "assets" / "photo.png").convert("RGB").resize((640, 480)).save(buf, "JPEG", quality=90)
    open_app(page, app_url)
    page.locator(f'{SIDEBAR} [data-testid="stButtonGroup"]').filter(has_text="Image source").get_by_role(
        "radio", name="Upload", exact=True).click()
    settle(page)
    page.locator(f'{SIDEBAR} [data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "holiday.jpg", "mimeType": "image/jpeg", "buffer": buf.getvalue()}])
    page.get_by_text("of 480x640", exact=False).first.wait_for(timeout=UI_TIMEOUT_MS)
    settle(page)
    frame = photo_frame(page)
    sizes = frame.evaluate("() => [...document.querySelectorAll('.grid img')].map((i) => [i.naturalHeight, "
                           "i.naturalWidth])")
    assert sizes and all(s == [478, 638] for s in sizes)
    assert len(input_cell_texts(page)) >= 36
    assert_no_exception(page)
    # The maps' sheet is made when asked for, in one of the server's own threads, from the session's compact photo:
    # exactly the sheet of the engine's maps of the decoded upload (the studio's default filters, grayscale).
    with page.expect_download(timeout=UI_TIMEOUT_MS) as sheet:
        page.locator(MAIN).get_by_role("button", name="Download the feature maps (PNG)").click()
    state = StudioState()
    photo = to_channels(load_image(buf.getvalue(), channels=3, max_side=MAX_PICTURE_SIDE), state.channels)
    maps = activate(conv2d(photo, state.bank, state.effective_bias), state.activation)
    titles = [f"{i + 1}: {name}" for i, name in enumerate(state.names)]
    want = feature_sheet_png(maps, titles, title=f"Feature maps after {ACTIVATION_LABELS[state.activation]}, "
                             f"{shape_label(maps.shape)}")
    assert open(sheet.value.path(), "rb").read() == want


def test_on_a_phone_the_photo_region_writes_its_numbers(page: Page, app_url: str) -> None:
    """At 390x844 the region's input used to share a row with the kernel, the products and the output: 13 px cells,
    colour alone. Now the input sits on the left as large as its numbers need, the others on its right."""
    page.set_viewport_size({"width": 390, "height": 844})
    open_app(page, f"{app_url}/studio?example={quote(PHOTO)}")
    frame = player(page)
    frame.wait_for_function("() => { const t = document.getElementById('plot').data.find((d) => d.name === 'input');"
                            " return Boolean(t && t.texttemplate); }", timeout=UI_TIMEOUT_MS)
    drawn = frame.evaluate("""() => { const gd = document.getElementById('plot');
        const t = gd.data.find((d) => d.name === 'input'), k = gd.data.find((d) => d.name === 'kernel');
        const box = (a) => { const x = gd._fullLayout[a]; return [x._offset, x._offset + x._length]; };
        return {font: t.textfont.size, kernel_numbers: Boolean(k.texttemplate), cells: input_cells(),
                input_x: box('xaxis'), kernel_x: box('xaxis2'), output_x: box('xaxis4'),
                input_y: box('yaxis'), kernel_y: box('yaxis2'), output_y: box('yaxis4')};
        function input_cells() { return [...document.querySelectorAll('#plot .hm text, #plot text')]
            .map((e) => e.textContent).filter((s) => /^0(\\.\\d+)?$|^1$/.test(s)).length; } }""")
    assert drawn["font"] >= 11 and drawn["kernel_numbers"], drawn
    assert drawn["cells"] >= 36, f"the 6x6 region's numbers are written: {drawn['cells']} found"
    # the kernel and the output on the input's right, the output under the kernel: no panel over another
    assert drawn["kernel_x"][0] > drawn["input_x"][1] and drawn["output_x"][0] > drawn["input_x"][1], drawn
    assert drawn["output_y"][0] > drawn["kernel_y"][1], drawn  # Plotly's y offsets grow downwards
    assert len(input_cell_texts(page)) >= 36
    assert_no_exception(page)
    screenshot(page, "photo-region-phone", full_page=False)
