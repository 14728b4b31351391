"""The player's layout defects of issue 15, each seen in Chromium: presentation mode entered with its switch, the
RGB first screen, and the page errors of quick Play / Pause / Next / Back."""

from __future__ import annotations

from playwright.sync_api import Page
from studio_helpers import SIDEBAR, assert_no_exception, open_app, player, settle

LAPTOP = {"width": 1366, "height": 768}
# What the player shows: are numbers written in the input cells, and where are its buttons.
INPUT_HAS_NUMBERS_JS = """() => { const t = document.getElementById('plot').data.find((d) => d.name === 'input');
    return Boolean(t && t.texttemplate); }"""
BUTTON_TOPS_JS = """() => [...document.querySelectorAll('#controls button')].map(
    (b) => Math.round(b.getBoundingClientRect().top))"""


def presentation_view(page: Page) -> dict:
    frame = player(page)
    sidebar = page.locator(SIDEBAR)
    width = sidebar.bounding_box()["width"] if sidebar.count() and sidebar.is_visible() else 0
    return {"sidebar_px": width, "numbers": frame.evaluate(INPUT_HAS_NUMBERS_JS),
            "button_rows": len(set(frame.evaluate(BUTTON_TOPS_JS))),
            "plot_px": round(frame.locator("#plot").bounding_box()["width"] / 20)}


def test_presentation_mode_looks_the_same_entered_by_its_switch_or_by_the_link(page: Page, app_url: str) -> None:
    page.set_viewport_size(LAPTOP)
    open_app(page, f"{app_url.rstrip('/')}/studio?present=1")
    by_link = presentation_view(page)
    assert by_link["sidebar_px"] == 0 and by_link["numbers"] and by_link["button_rows"] == 1, by_link

    open_app(page, f"{app_url.rstrip('/')}/studio")
    page.locator(".st-key-w_presentation label").first.click()
    settle(page)
    player(page).wait_for_function(INPUT_HAS_NUMBERS_JS, timeout=20_000)
    page.wait_for_timeout(1_500)
    settle(page)
    assert presentation_view(page) == by_link
    assert_no_exception(page)


def test_rgb_keeps_play_the_output_and_the_sum_on_the_first_screen(page: Page, app_url: str) -> None:
    page.set_viewport_size(LAPTOP)
    open_app(page, f"{app_url.rstrip('/')}/studio?channels=3")
    frame = player(page)
    top = frame.frame_element().bounding_box()["y"]
    where = frame.evaluate("""() => {
        const box = (e) => e.getBoundingClientRect();
        const texts = [...document.querySelectorAll('#plot .annotation-text')];
        const sum = texts.find((e) => e.textContent.includes('channels absorbed'));
        const title = texts.find((e) => e.textContent.startsWith('output') || e.textContent === 'out');
        return {play: box(document.getElementById('play')).bottom, sum: sum && box(sum).bottom,
                output: title && box(title).bottom};
    }""")
    assert where["sum"] is not None and where["output"] is not None, where
    for name, bottom in where.items():
        assert top + bottom <= LAPTOP["height"], f"{name} ends at {top + bottom:.0f} px, below the first screen"
    assert not page.locator("[data-testid='stMain'] [data-testid='stAlert']").count(), "a box pushes Play down"


def test_quick_play_pause_next_back_raise_no_page_error(page: Page, app_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    open_app(page, f"{app_url.rstrip('/')}/studio?speed=50")
    for _ in range(4):
        for control in ("#play", "#next", "#play", "#back", "#play", "#play"):  # Play, then Pause: the same button
            player(page).locator(control).click()
            page.wait_for_timeout(60)
        page.wait_for_timeout(300)
    settle(page)
    assert errors == []


# The bottom of the step's sum, in the page's pixels, and the input's cell size.
SUM_BOTTOM_JS = """() => { const texts = [...document.querySelectorAll('#plot .annotation-text')];
    const sum = texts.find((e) => e.textContent.startsWith('out('));
    const gd = document.getElementById('plot'), L = gd._fullLayout;
    return {sum: sum.getBoundingClientRect().bottom, input: L.yaxis._length / 5, body: document.body.scrollHeight}; }"""


def test_presentation_fills_a_projector_and_fits_a_laptop(page: Page, app_url: str) -> None:
    """At 1920x1080 the panels and the sum take the height (the lower third was empty, then 250 px); at 1366x768
    the figure is laid out for the room under the controls and the preset row, so the sum is not cut off."""
    for width, height, most_empty in ((1920, 1080, 120), (1366, 768, 120)):
        page.set_viewport_size({"width": width, "height": height})
        open_app(page, f"{app_url.rstrip('/')}/studio?present=1")
        frame = player(page)
        page.wait_for_timeout(1_000)
        settle(page)
        top = frame.frame_element().bounding_box()["y"]
        where = frame.evaluate(SUM_BOTTOM_JS)
        bottom = top + where["sum"]
        assert bottom <= height, f"at {width}x{height} the sum ends at {bottom:.0f} px, below the first screen"
        assert height - bottom <= most_empty, f"at {width}x{height} {height - bottom:.0f} px are empty under the sum"
        past = top + where["body"] - height
        assert past <= 4, f"the player runs {past:.0f} px past the window"
        if width == 1920:
            assert where["input"] >= 90, where  # 80 px a cell before the panels took the height
    assert_no_exception(page)
