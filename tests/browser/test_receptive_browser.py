"""The cone of receptive fields in a real browser: a click on a deep cell lights exactly the engine's mask on
the input (read back from the drawn figure), and the r, j, start table follows the click."""

from __future__ import annotations

import re
import time

import numpy as np
from browser_helpers import screenshot, wait_for_app
from playwright.sync_api import Frame, Page

from visualizer import receptive_field

TIMEOUT_MS = 120_000
FOUNDING = [((3, 3), (1, 1), (0, 0), (1, 1)), ((1, 1), (1, 1), (0, 0), (1, 1)), ((1, 1), (1, 1), (0, 0), (1, 1)),
            ((3, 3), (1, 1), (0, 0), (1, 1))]
CONE_JS = "document.getElementById('cone')"  # the cone's graph, in its component's frame (ui/cone_assets)
CONE_FRAME = "cone_chart"


def _frame(page: Page) -> Frame:
    """The cone's frame, once its graph has drawn."""
    deadline = time.monotonic() + TIMEOUT_MS / 1e3
    while time.monotonic() < deadline:
        for frame in page.frames:
            if CONE_FRAME in frame.url and not frame.is_detached():
                try:
                    if frame.evaluate(f"() => !!(({CONE_JS}) || {{}})._fullLayout"):
                        return frame
                except Exception:  # noqa: BLE001 - the frame was replaced while we looked
                    continue
        page.wait_for_timeout(200)
    raise AssertionError("the cone's frame never drew its graph")


def _lit(page: Page, stage: int) -> np.ndarray:
    z = _frame(page).evaluate(f"() => ({CONE_JS}).data.find(t => t.name === 'field {stage}').z")
    return np.array([[v == 1 for v in row] for row in z])


def _cell_xy(page: Page, stage: int, row: int, col: int) -> tuple[float, float]:
    """The page coordinates of the centre of a cell of ``stage``, found through the drawn axes of its panel."""
    frame = _frame(page)
    frame.frame_element().scroll_into_view_if_needed()
    box = frame.frame_element().bounding_box()
    xy = frame.evaluate(f"""() => {{
        const g = {CONE_JS};
        const k = {stage + 1} === 1 ? '' : '{stage + 1}';
        const xa = g._fullLayout['xaxis' + k], ya = g._fullLayout['yaxis' + k];
        const r = g.getBoundingClientRect();
        return [r.left + xa._offset + xa.l2p({col}), r.top + ya._offset + ya.l2p({row})];
    }}""")
    return box["x"] + xy[0], box["y"] + xy[1]


def _click_cell(page: Page, stage: int, row: int, col: int) -> None:
    page.mouse.click(*_cell_xy(page, stage, row, col))
    wait_for_app(page, timeout_ms=TIMEOUT_MS, settle_ms=600)


def _wait_lit(page: Page, stage: int, want: np.ndarray) -> None:
    """Wait until the figure lights exactly ``want`` on ``stage`` (a hover draws within a frame or two)."""
    deadline = time.monotonic() + 10
    while not np.array_equal(_lit(page, stage), want):
        assert time.monotonic() < deadline, f"stage {stage} lights {_lit(page, stage).astype(int)}, not {want}"
        page.wait_for_timeout(50)


def test_clicking_a_deep_cell_lights_exactly_its_receptive_field(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{app_url}/network")
    wait_for_app(page, timeout_ms=TIMEOUT_MS)
    assert _lit(page, 0).all()  # by default the 1x1x6 output: it sees the whole 5x5 input
    _click_cell(page, 3, 0, 2)
    _wait_lit(page, 4, np.zeros((1, 1), dtype=bool))
    np.testing.assert_array_equal(_lit(page, 0), receptive_field((5, 5), FOUNDING[:3], (0, 2)))
    assert _lit(page, 3).sum() == 1 and _lit(page, 3)[0, 2]
    assert not _lit(page, 4).any()
    assert page.get_by_text("Cell (0, 2) of stage 3 sees input rows 0–2 and columns 2–4: 9 pixels").count() == 1
    _click_cell(page, 1, 2, 1)  # a first-stage cell: the 3x3 window under it
    page.get_by_text("Cell (2, 1) of stage 1 sees input rows 2–4 and columns 1–3: 9 pixels").wait_for(
        timeout=TIMEOUT_MS)  # the app kept the click
    _wait_lit(page, 3, np.zeros((3, 3), dtype=bool))
    np.testing.assert_array_equal(_lit(page, 0), receptive_field((5, 5), FOUNDING[:1], (2, 1)))
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "network-receptive-cone", full_page=False)


def test_pointing_at_a_cell_lights_its_field_at_once_and_leaving_shows_the_clicked_one(page: Page,
                                                                                        app_url: str) -> None:
    """Hover is drawn by the cone's page from every cell's field the engine sent: no run of the app."""
    page.set_viewport_size({"width": 1366, "height": 900})
    sent = []  # what the page sends the app (a widget's value asks for a run)
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.goto(f"{app_url}/network")
    wait_for_app(page, timeout_ms=TIMEOUT_MS)
    assert _lit(page, 0).all()  # the default: the 1x1x6 output
    assert sent, "the page's websocket was not watched"
    page.wait_for_timeout(500)
    before = len(sent)
    for stage, row, col, layers in ((1, 0, 0, 1), (3, 2, 2, 3), (2, 1, 0, 2)):
        page.mouse.move(*_cell_xy(page, stage, row, col))
        want = receptive_field((5, 5), FOUNDING[:layers], (row, col))
        _wait_lit(page, 0, want)
        one = np.zeros((3, 3), dtype=bool)
        one[row, col] = True
        np.testing.assert_array_equal(_lit(page, stage), one)  # the cell itself, in the chosen colour
        assert not _lit(page, 4).any()  # the stages after it stay dark
        if stage == 3:
            screenshot(page, "network-receptive-hover", full_page=False)
    page.mouse.move(2, 2)  # off the chart: the clicked cell's (the default's) field again
    _wait_lit(page, 0, np.ones((5, 5), dtype=bool))
    assert _lit(page, 4).all()
    assert len(sent) == before, "pointing at cells made the page ask the app for a run"


def test_pointing_at_a_cell_of_a_models_cone_lights_its_field_through_the_graph(page: Page, app_url: str) -> None:
    """Your model (the Tiny MobileNet example, residual adds included): the pointer over a cell of any drawn panel
    lights exactly the engine's graph_cone of that cell on every panel up to it."""
    from pathlib import Path

    from visualizer.onnx_model import read_onnx
    from visualizer.receptive import graph_cone, graph_reads
    from visualizer.ui.model_page import EXAMPLES

    network = read_onnx((Path(__file__).resolve().parents[2] / "assets" / next(iter(EXAMPLES))).read_bytes())
    sizes = [tuple(int(v) for v in s.image_shape[:2]) for s in network.stages]
    reads = graph_reads(network.stages)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{app_url}/model")
    wait_for_app(page, timeout_ms=TIMEOUT_MS)
    last_add = [s.index for s in network.stages if s.kind == "binary" and len(s.inputs) == 2][-1]
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(has_text="Stage").first.click()
    page.get_by_role("option").filter(has_text=re.compile(rf"^{last_add} · ")).first.click()
    wait_for_app(page, timeout_ms=TIMEOUT_MS)
    names = _frame(page).evaluate(f"() => ({CONE_JS}).data.map(t => t.name).filter(n => n.startsWith('field '))")
    ids = [int(n.split()[1]) for n in names]
    assert len(ids) >= 3 and ids[0] == 0 and ids[-1] == last_add, ids
    for panel in (len(ids) - 1, 1):
        stage = ids[panel]
        row, col = sizes[stage][0] - 1, 0  # a corner: its field is cut by the padding
        page.mouse.move(*_cell_xy(page, panel, row, col))
        want = graph_cone(sizes, reads, stage, (row, col))
        _wait_lit(page, 0, want[0])
        for q in range(1, panel + 1):
            np.testing.assert_array_equal(_lit(page, ids[q]), want[ids[q]])
    screenshot(page, "model-receptive-hover", full_page=False)
