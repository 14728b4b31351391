"""The classroom loop of issue 8 in Chromium: open, play, step, change, present, share; offline and accessible.

Each test is one of the issue's numbered problems and fails on the app before the one-state rewrite:
- one step: Play then First/Next/Back, and Play, Pause, Next, leave the player's label, the figure's caption and
  (once the player's report reached Python) the share link on the same step;
- settings survive a trip to another page;
- a share link opened in a fresh browser context restores every field, kernels bit for bit;
- /studio, /network and /learn answer, with and without a query;
- no request leaves the app's host, on any page;
- axe-core finds no serious or critical violation (studio default, RGB, presentation; network view);
- in presentation mode a presenter's clicker (Page Down / Page Up sent to the page) steps the animation.
"""

from __future__ import annotations

from dataclasses import fields
from urllib.parse import urlsplit

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_helpers import screenshot
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from studio_helpers import (
    SIDEBAR,
    assert_no_exception,
    assert_views_agree,
    caption,
    choose,
    drawn_sum,
    label,
    link_state,
    number_value,
    open_app,
    player,
    press,
    selected_text,
    set_number,
    settle,
    share_link,
    step_of,
    wait_for_app_step,
    wait_for_label,
    wait_for_share,
    wait_until_paused,
    watch_renders,
)

from visualizer.studio_state import StudioState

VIEWPORT = {"width": 1366, "height": 768}


# --- 1. One step ------------------------------------------------------------------------------------------------
def test_play_then_first_next_back_agree_everywhere(page: Page, app_url: str) -> None:
    page.set_viewport_size(VIEWPORT)
    open_app(page, f"{app_url}/studio")
    assert label(page) == "Step 1 of 9" and step_of(caption(page)) == 1

    press(page, "Play")
    wait_for_label(page, "k >= 3")
    press(page, "First")  # while playing: First stops and goes to step 1
    wait_until_paused(page)
    assert_views_agree(page, 1)
    assert drawn_sum(page).startswith("out(0, 0) =") and drawn_sum(page).endswith("= 4")
    wait_for_share(page, "step", "1")

    press(page, "Next")
    assert_views_agree(page, 2)
    assert drawn_sum(page).startswith("out(0, 1) =") and drawn_sum(page).endswith("= 3")
    wait_for_share(page, "step", "2")
    assert_views_agree(page, 2)  # the app's rerun did not move the player

    press(page, "Back")
    assert_views_agree(page, 1)
    wait_for_share(page, "step", "1")
    press(page, "Last")
    assert_views_agree(page, 9)
    wait_for_share(page, "step", "9")
    assert_no_exception(page)


def test_play_pause_next_continues_from_where_it_paused(page: Page, app_url: str) -> None:
    page.set_viewport_size(VIEWPORT)
    open_app(page, f"{app_url}/studio?speed=200")
    press(page, "Play")
    wait_for_label(page, "k >= 4")
    pause = player(page).get_by_role("button", name="Pause", exact=True)
    try:  # on a busy machine Play can reach the last step first: its button is then Play again (handled below)
        pause.click(timeout=5000)
    except PlaywrightTimeoutError:
        assert step_of(label(page)) == 9, label(page)
    wait_until_paused(page)
    paused = step_of(label(page))
    assert 4 <= paused <= 9
    assert_views_agree(page, paused)
    wait_for_share(page, "step", str(paused))
    if paused == 9:  # the machine was slow and Play ran to the end: Next has nowhere to go, step back first
        press(page, "Back")
        paused = 8
        wait_for_share(page, "step", "8")
    press(page, "Next")
    assert_views_agree(page, paused + 1)
    wait_for_share(page, "step", str(paused + 1))
    assert_views_agree(page, paused + 1)


# --- 2. Settings survive a page switch ------------------------------------------------------------------------------
def test_a_round_trip_to_the_network_view_keeps_every_setting(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1600, "height": 1000})
    open_app(page, app_url)
    set_number(page, "w_stride", 2)
    set_number(page, "w_padding", 2)
    set_number(page, "w_dilation", 2)
    set_number(page, "w_filters", 6)
    page.locator(f"{SIDEBAR} .st-key-w_channels").get_by_text("RGB (3 channels)").click()
    settle(page)
    choose(page, "w_pool", "Max pool 2x2")
    before = share_link(page)
    expected = link_state(before)
    assert (expected.stride, expected.padding, expected.dilation, expected.n_filters, expected.channels,
            expected.pooling) == (2, 2, 2, 6, 3, "max")

    page.get_by_role("link", name="Network view").click()
    settle(page)
    assert "/network" in page.url
    page.get_by_role("link", name="Convolution studio").first.click()
    settle(page)
    assert_no_exception(page)

    for key, value in (("w_stride", "2"), ("w_padding", "2"), ("w_dilation", "2"), ("w_filters", "6")):
        assert number_value(page, key) == value, key
    assert page.locator(f"{SIDEBAR} .st-key-w_channels input[type=radio]:checked").count() == 1
    assert "RGB" in page.locator(f"{SIDEBAR} .st-key-w_channels label:has(input:checked)").inner_text()
    assert "Max pool 2x2" in selected_text(page, "w_pool")
    assert "6 filters [3 x 3 x 3]" in page.locator('[data-testid="stMain"]').inner_text().replace("\xa0", " ")
    after = link_state(share_link(page))
    assert_same_state(after, expected)


def assert_same_state(got: StudioState, want: StudioState) -> None:
    for f in fields(StudioState):
        if f.name in ("source", "image"):
            continue
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray):
            assert a.shape == b.shape and a.tobytes() == b.tobytes(), f"{f.name} is not bit-exact"
        else:
            assert a == b, f"{f.name}: {a!r} != {b!r}"


# --- 3. A share link restores everything in a fresh browser -----------------------------------------------------------
KERNEL_TEXT = "0.1 -0.30000000000000004 1e-7\n2.5e-300 0.7071067811865476 -3\n1 2 3.141592653589793"


def test_a_share_link_opened_in_a_fresh_browser_restores_every_field_bit_exact(browser: Browser, app_url: str) -> None:
    first = browser.new_context(viewport={"width": 1600, "height": 1000})
    second = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        a = first.new_page()
        open_app(a, f"{app_url}/studio?example=Checkerboard%20(16x16)&stride=2&padding=1&pool=avg&speed=700")
        set_number(a, "w_filters", 5)
        expander = a.locator("[data-testid='stExpander']").filter(has_text="Type or paste the values")
        expander.locator("summary").click()
        expander.locator("textarea").fill(KERNEL_TEXT)
        expander.get_by_role("button", name="Use these values").click()
        settle(a)
        a.locator(f"{SIDEBAR} .st-key-w_use_bias label").click()
        settle(a)
        press(a, "Next")
        press(a, "Next")
        wait_for_share(a, "step", "3")
        link = share_link(a)
        sent = link_state(link)
        assert sent.names[0].endswith("(edited)") and sent.use_bias and sent.n_filters == 5
        np.testing.assert_array_equal(sent.bank[0, :, :, 0], np.array(
            [[0.1, -0.30000000000000004, 1e-7], [2.5e-300, 0.7071067811865476, -3], [1, 2, 3.141592653589793]]))
        assert urlsplit(link).scheme == "http" and urlsplit(link).path == "/studio", link

        b = second.new_page()
        open_app(b, link)
        assert b.locator('[data-testid="stAlert"]').filter(has_text="link were not used").count() == 0
        assert label(b) == "Step 3 of 64"  # 16x16, padding 1, 3x3, stride 2: 8x8 outputs
        assert number_value(b, "w_stride") == "2" and number_value(b, "w_filters") == "5"
        assert_same_state(link_state(share_link(b)), sent)
        screenshot(b, "classroom-link-restored", full_page=False)
    finally:
        first.close()
        second.close()


# --- 4. Every page answers, 5. and nothing leaves the host ---------------------------------------------------------
def test_every_page_answers_with_and_without_a_query_and_nothing_leaves_the_host(browser: Browser,
                                                                                   app_url: str) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        expected = {"/": "Convolution studio", "/studio": "Convolution studio", "/network": "Network",
                    "/learn": "Learn", "/model": "Your model"}
        for path, heading in expected.items():
            for query in ("", "?stride=2&padding=1&filter=2"):
                open_app(page, f"{app_url}{path}{query}")
                text = page.locator("body").inner_text()
                assert "Page not found" not in text, f"{path}{query} says Page not found"
                assert heading in page.locator("h1").first.inner_text(), (path, query)
    finally:
        context.close()
    foreign = sorted({url for url in requests if urlsplit(url).scheme not in ("data", "blob", "about")
                      and urlsplit(url).hostname not in ("127.0.0.1", "localhost")})
    assert len(requests) > 20
    assert foreign == [], f"requests that left the app's host: {foreign}"


# --- 6. Accessibility ------------------------------------------------------------------------------------------------
SERIOUS = ("serious", "critical")


def violations(target) -> list[str]:
    """axe-core's serious and critical violations in a page or frame, as ``rule: element`` lines."""
    results = Axe().run(target)
    return [f"{v['id']} ({v['impact']}): {node['html'][:120]}"
            for v in results.response["violations"] if v["impact"] in SERIOUS for node in v["nodes"]]


@pytest.mark.parametrize("path", ["/studio", "/studio?channels=3", "/studio?present=1", "/network", "/model"])
def test_axe_finds_no_serious_or_critical_violation(page: Page, app_url: str, path: str) -> None:
    page.set_viewport_size(VIEWPORT)
    open_app(page, f"{app_url}{path}")
    found = violations(page)
    if path.startswith("/studio"):
        found += [f"player: {v}" for v in violations(player(page))]
    else:  # the receptive-field cone is drawn in a frame of its own
        cones = [f for f in page.frames if "cone_chart" in f.url]
        assert cones, "no cone of receptive fields on the page"
        found += [f"cone: {v}" for v in violations(cones[0])]
    assert found == [], "\n".join(found)


# --- 7. A presenter's clicker -------------------------------------------------------------------------------------
def test_page_down_and_page_up_on_the_page_step_the_animation_in_presentation_mode(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_app(page, f"{app_url}/studio?present=1")
    assert label(page) == "Step 1 of 9"
    page.evaluate("document.activeElement && document.activeElement.blur()")  # the page has the focus, as a clicker
    watch_renders(page)
    # Each key moves the player at once; it reports the step, and the app sends it back. A presenter waits for
    # the slide; the test waits for the app's answer before the next key (there is no share link to wait on).
    for key, k in (("PageDown", 2), ("PageDown", 3), ("PageUp", 2)):
        page.keyboard.press(key)
        assert_views_agree(page, k)
        wait_for_app_step(page, k)
        assert_views_agree(page, k)  # the app's answer did not move the player
    play = player(page).get_by_role("button", name="Play", exact=True)
    box = play.bounding_box()  # relative to the main frame's viewport
    assert box is not None and box["y"] + box["height"] <= 1080, "Play is below the fold in presentation mode"
    screenshot(page, "classroom-presentation-1920", full_page=False)
