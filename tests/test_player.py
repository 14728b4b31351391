"""The player's page and its vendored plotly.js bundle: the same plotly.js plotly.py writes figures for, and
every trace type the player draws is in it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import plotly
import pytest

from visualizer import founding_image, load_example, resize_image, trace_convolution
from visualizer.figures import sliding_figure
from visualizer.ui.player import ASSETS, PLOTLY_BUNDLE

FULL_BUNDLE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
VERSION = re.compile(r"plotly\.js(?: \([a-z -]+\))? v(\d+\.\d+\.\d+)")


def _version(path: Path) -> str:
    head = path.read_text(encoding="utf-8", errors="replace")[:400]
    found = VERSION.search(head)
    assert found, f"no plotly.js version in the head of {path.name}: {head[:120]!r}"
    return found.group(1)


def _bundle_traces() -> set[str]:
    """Trace types the vendored bundle registers (from its README, the list npm publishes with it)."""
    head = PLOTLY_BUNDLE.read_text(encoding="utf-8", errors="replace")[:200]
    assert "cartesian" in head, "the player ships plotly.js's cartesian bundle"
    return {"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie",
            "scatter", "scatterternary", "violin"}


def test_vendored_bundle_is_the_plotly_js_that_plotly_py_writes_for():
    assert _version(PLOTLY_BUNDLE) == _version(FULL_BUNDLE), (
        "plotly.py moved to another plotly.js: vendor the same version of plotly.js-cartesian-dist-min "
        "(npm pack plotly.js-cartesian-dist-min@<version>) into visualizer/ui/player_assets/")
    assert PLOTLY_BUNDLE.stat().st_size < FULL_BUNDLE.stat().st_size / 2
    assert (ASSETS / "PLOTLY-LICENSE.txt").read_text().startswith("MIT License")


def test_page_loads_only_files_that_are_served():
    page = (ASSETS / "index.html").read_text()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert PLOTLY_BUNDLE.name in sources
    for source in sources:
        assert "//" not in source, f"{source}: the page must not load anything from another host"
        assert (ASSETS / source).is_file(), f"{source} is not in player_assets/"


@pytest.mark.parametrize("example", ["founding", "rgb"])
def test_every_trace_the_player_draws_is_in_the_bundle(example):
    if example == "founding":
        image, kernel = founding_image(), np.ones((3, 3, 1))
    else:
        image = resize_image(load_example("Shapes (64x64, colour)", channels=3), 8)
        kernel = np.random.default_rng(0).normal(size=(3, 3, 3))
    trace = trace_convolution(image, kernel, padding=1)
    for presentation in (False, True):
        fig = sliding_figure(trace, controls=False, presentation=presentation)
        types = {t.get("type", "scatter") for t in fig["data"]}
        types |= {t.get("type", "scatter") for f in fig.get("frames", []) for t in f.get("data", [])}
        assert types <= _bundle_traces(), f"not in the cartesian bundle: {types - _bundle_traces()}"
