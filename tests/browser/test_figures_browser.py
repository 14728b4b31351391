"""The figures drawn by plotly.js in a plain page at 390, 1366 and 1920 px: no two cell numbers, titles or
texts overlap, nothing is cut at the page's edge, and Play / Pause never meet the slider's label."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly
import pytest
from browser_helpers import SCREENSHOT_DIR
from playwright.sync_api import Browser

from visualizer import founding_image, load_example, resize_image, trace_convolution
from visualizer.figures import sliding_figure, tensor_figure
from visualizer.figures.network import channel_mixing_figure, stage_row_figure

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
LAPLACE = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float)
OVERLAPS = """() => {
  const boxes = sel => Array.from(document.querySelectorAll(sel)).map(e => {
    const r = e.getBoundingClientRect(); return {t: e.textContent, x: r.x, y: r.y, w: r.width, h: r.height};
  }).filter(b => b.w > 0 && b.t.trim());
  const hit = (a, b) => a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1;
  const pairs = list => { const out = [];
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++)
      if (hit(list[i], list[j])) out.push(list[i].t.slice(0, 30) + ' / ' + list[j].t.slice(0, 30));
    return out; };
  const texts = boxes('.heatmaplayer text'), notes = boxes('.annotation-text-g');
  const controls = boxes('.updatemenu-button').concat(boxes('.slider-group > .slider-label'));
  const width = document.documentElement.clientWidth;
  return pairs(texts).concat(pairs(notes.concat(controls)),
    notes.filter(a => a.x < 0 || a.x + a.w > width + 1).map(a => 'cut: ' + a.t.slice(0, 30)));
}"""


def _figures(width: int) -> dict[str, dict]:
    rng = np.random.default_rng(3)
    w = width - 16  # the page's margins
    founding = trace_convolution(founding_image(), [[1, 0, 1], [0, -1, 0], [1, 0, 1]], padding=1)
    image = resize_image(load_example("Shapes (64x64, colour)", channels=3), 12)
    rgb = trace_convolution(image, np.stack([LAPLACE * s for s in (1.0, 0.5, -1.0)], axis=-1), 0.1, padding=1)
    return {
        "founding": sliding_figure(founding, step=6, width_px=w),
        "present": sliding_figure(founding, step=6, width_px=w, presentation=True, height=800),
        "rgb": sliding_figure(rgb, step=20, width_px=w),
        "stage3": tensor_figure(np.maximum(rng.normal(size=(3, 3, 15)) * 0.4, 0), title="stage 3", width_px=w),
        "maps12": tensor_figure(rng.normal(size=(12, 12, 15)), title="12x12x15", width_px=w),
        "mixing": channel_mixing_figure(rng.random((3, 3, 15)), rng.normal(size=(10, 1, 1, 15)), width_px=w),
        "stages": stage_row_figure([(5, 5, 1), (3, 3, 15), (3, 3, 15), (3, 3, 10), (1, 1, 6)],
                                   ["15 x [3x3x1]", "ReLU", "10 x [1x1x15]", "6 x [3x3x10]"],
                                   ["input", "conv", "activation", "conv", "conv"], width_px=w),
    }


@pytest.mark.parametrize("width", [390, 1366, 1920])
def test_no_text_overlaps_or_is_cut(browser: Browser, tmp_path: Path, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    problems = {}
    try:
        for name, fig in _figures(width).items():
            html = tmp_path / f"{name}.html"
            html.write_text(
                f"<!DOCTYPE html><html><head><meta charset='utf-8'><script src='{PLOTLY_JS.as_uri()}'></script>"
                f"</head><body style='margin:8px'><div id='g'></div><script>const f = {json.dumps(fig)};"
                "Plotly.newPlot('g', f.data, f.layout, {displayModeBar: false}).then(() => {document.title = 'ready'});"
                "</script></body></html>",
                encoding="utf-8",
            )
            page.goto(html.as_uri())
            page.wait_for_function("() => document.title === 'ready'", timeout=30_000)
            page.screenshot(path=str(SCREENSHOT_DIR / f"fig_{name}_{width}.png"), full_page=True)
            found = page.evaluate(OVERLAPS)
            if found:
                problems[name] = found[:5]
    finally:
        page.close()
    assert problems == {}
