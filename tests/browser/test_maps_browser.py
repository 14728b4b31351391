"""The feature maps as a person sees them in Chromium (they are pictures, not Plotly: ui/photo_assets): every pixel of
every map is the engine's value on the diverging scale, the numbers written over them are the engine's, the value
under the pointer is said after the map's title, and a 26x26 map shows colour without crowded numbers."""

from __future__ import annotations

import base64
import io
from urllib.parse import quote

import numpy as np
from PIL import Image
from playwright.sync_api import Page
from studio_helpers import assert_no_exception, open_app, settle

from visualizer import activate, conv2d, load_example, resize_image, to_channels
from visualizer.figures.raster import colorize
from visualizer.studio_state import StudioState

MAPS_FRAME = "photo_maps"


def maps_frame(page: Page):
    page.locator(f"iframe[title*='{MAPS_FRAME}']").first.wait_for(timeout=60_000)
    frame = next(f for f in page.frames if MAPS_FRAME in f.url and not f.is_detached())
    frame.wait_for_selector(".pic img", timeout=60_000)
    return frame


def studio_maps(image: np.ndarray) -> np.ndarray:
    """The default studio's layer on ``image`` (H, W, 1), as the engine computes it."""
    state = StudioState()
    return conv2d(image, state.bank, state.effective_bias)


def test_every_map_shows_the_engines_values_in_colour_and_in_numbers(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    open_app(page, app_url)
    frame = maps_frame(page)
    settle(page)
    image = to_channels(resize_image(load_example(StudioState().example, channels=3), 24), 1)
    out = studio_maps(image)
    after = activate(out, "relu")
    shown = frame.evaluate("""() => [...document.querySelectorAll('#panels section')].map((s) =>
        [...s.querySelectorAll('.tile')].map((t) => ({src: t.querySelector('img').src,
          numbers: [...t.querySelectorAll('.values span')].map((c) => c.textContent),
          hidden: t.querySelector('.values').hidden})))""")
    assert len(shown) == 2 and [len(panel) for panel in shown] == [out.shape[2]] * 2
    for panel, maps in zip(shown, (out, after), strict=True):
        limit = float(np.abs(maps).max())
        for n, tile in enumerate(panel):
            pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(tile["src"].split(",", 1)[1]))).convert("RGB"))
            np.testing.assert_array_equal(pixels, colorize(maps[:, :, n], limit=limit))
            assert not tile["hidden"]
            assert [float(t) for t in tile["numbers"]] == maps[:, :, n].ravel().tolist()  # integers here

    # The value under the pointer: map 2 (sobel x), row 2, column 0.
    pic = frame.locator("#panels section").first.locator(".pic").nth(1)
    pic.scroll_into_view_if_needed()
    box = pic.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.9)
    readout = frame.locator("#panels section").first.locator(".readout").nth(1)
    assert readout.inner_text().strip() == f"· row 2, column 0: {out[2, 0, 1]:g}"
    assert_no_exception(page)


def test_a_larger_map_is_colour_with_its_value_under_the_pointer(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    open_app(page, app_url + "/studio?example=" + quote("Handwritten digit (28x28)"))
    frame = maps_frame(page)
    settle(page)
    image = to_channels(resize_image(load_example("Handwritten digit (28x28)", channels=3), 24), 1)  # the animation's
    out = studio_maps(image)
    side = out.shape[0]
    tile = frame.locator("#panels section").first.locator(".tile").first
    assert side > 12 and tile.locator(".values").count() == 0  # too many cells for numbers: colour alone
    assert tile.locator("img").evaluate("(im) => [im.naturalHeight, im.naturalWidth]") == list(out.shape[:2])
    tile.locator(".pic").scroll_into_view_if_needed()
    box = tile.locator(".pic").bounding_box()
    page.mouse.move(box["x"] + box["width"] * (13.5 / side), box["y"] + box["height"] * (5.5 / side))
    text = tile.locator(".readout").inner_text().strip()
    assert text.startswith("· row 5, column 13: ")
    assert float(text.rsplit(": ", 1)[1]) == round(float(out[5, 13, 0]), 4)
    assert_no_exception(page)
