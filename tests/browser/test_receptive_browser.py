"""The cone of receptive fields in a real browser: a click on a deep cell lights exactly the engine's mask on
the input (read back from the drawn figure), and the r, j, start table follows the click."""

from __future__ import annotations

import numpy as np
from browser_helpers import screenshot, wait_for_app
from playwright.sync_api import Page

from visualizer import receptive_field

TIMEOUT_MS = 120_000
FOUNDING = [((3, 3), (1, 1), (0, 0), (1, 1)), ((1, 1), (1, 1), (0, 0), (1, 1)), ((1, 1), (1, 1), (0, 0), (1, 1)),
            ((3, 3), (1, 1), (0, 0), (1, 1))]
CONE_JS = "[...document.querySelectorAll('.js-plotly-plot')].find(g => (g.data || []).some(t => t.name === 'field 0'))"


def _lit(page: Page, stage: int) -> np.ndarray:
    z = page.evaluate(f"() => ({CONE_JS}).data.find(t => t.name === 'field {stage}').z")
    return np.array([[v == 1 for v in row] for row in z])


def _click_cell(page: Page, stage: int, row: int, col: int) -> None:
    """Click the centre of a cell of ``stage``, found through the drawn axes of its panel."""
    xy = page.evaluate(f"""() => {{
        const g = {CONE_JS};
        g.scrollIntoView({{block: 'center'}});
        const k = {stage + 1} === 1 ? '' : '{stage + 1}';
        const xa = g._fullLayout['xaxis' + k], ya = g._fullLayout['yaxis' + k];
        const r = g.getBoundingClientRect();
        return [r.left + xa._offset + xa.l2p({col}), r.top + ya._offset + ya.l2p({row})];
    }}""")
    page.mouse.click(xy[0], xy[1])
    wait_for_app(page, timeout_ms=TIMEOUT_MS, settle_ms=600)


def test_clicking_a_deep_cell_lights_exactly_its_receptive_field(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{app_url}/network")
    wait_for_app(page, timeout_ms=TIMEOUT_MS)
    page.wait_for_function(f"() => !!({CONE_JS})", timeout=TIMEOUT_MS)
    assert _lit(page, 0).all()  # by default the 1x1x6 output: it sees the whole 5x5 input
    _click_cell(page, 3, 0, 2)
    page.wait_for_function(f"() => ({CONE_JS}).data.find(t => t.name === 'field 4').z[0][0] !== 1",
                           timeout=TIMEOUT_MS)
    np.testing.assert_array_equal(_lit(page, 0), receptive_field((5, 5), FOUNDING[:3], (0, 2)))
    assert _lit(page, 3).sum() == 1 and _lit(page, 3)[0, 2]
    assert not _lit(page, 4).any()
    assert page.get_by_text("Cell (0, 2) of stage 3 sees input rows 0–2 and columns 2–4: 9 pixels").count() == 1
    _click_cell(page, 1, 2, 1)  # a first-stage cell: the 3x3 window under it
    page.wait_for_function(f"() => ({CONE_JS}).data.find(t => t.name === 'field 3').z[0][2] !== 1",
                           timeout=TIMEOUT_MS)
    np.testing.assert_array_equal(_lit(page, 0), receptive_field((5, 5), FOUNDING[:1], (2, 1)))
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "network-receptive-cone", full_page=False)
