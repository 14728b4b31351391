"""The Plotly figure builders: structure, not pixels (the browser tests look at pixels).

Every number a frame carries is checked against the trace it was drawn from; shapes are checked by
parsing their SVG paths, the way Plotly reads them.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import pytest
from PIL import Image

from visualizer import founding_image, load_example, resize_image, trace_convolution
from visualizer.figures import image_figure, kernel_figure, sliding_figure, style, tensor_figure
from visualizer.figures.animation import Sizes, frame_steps, plan_layout
from visualizer.figures.toolkit import colour_map

FOUNDING_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
LAPLACE = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float)


# --------------------------------------------------------------------------------------------- traces
@pytest.fixture(scope="module")
def founding():
    return trace_convolution(founding_image(), FOUNDING_KERNEL)


@pytest.fixture(scope="module")
def rgb():
    image = resize_image(load_example("Shapes (64x64, colour)", channels=3), 12)
    kernel = np.stack([LAPLACE * s for s in (1.0, 0.5, -1.0)], axis=-1)
    return trace_convolution(image, kernel, 0.1, padding=1)


@pytest.fixture(scope="module")
def odd():
    """Non-square everything: a 9x7 image, a 2x3 kernel, stride (2, 1), padding (2, 1), dilation (2, 1)."""
    image = np.random.default_rng(1).random((9, 7, 1))
    kernel = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    return trace_convolution(image, kernel, -0.25, stride=(2, 1), padding=(2, 1), dilation=(2, 1))


@pytest.fixture(scope="module")
def big():
    return trace_convolution(load_example("Shapes (64x64, colour)"), LAPLACE)


@pytest.fixture(scope="module")
def big_figure(big):
    return sliding_figure(big, step=1000)


ALL = ["founding", "rgb", "odd"]


def _trace(request, name):
    return request.getfixturevalue(name)


# --------------------------------------------------------------------------------------------- helpers
def _polygons(path: str) -> list[list[tuple[float, float]]]:
    """The closed polygons of an SVG path made of absolute M, L, H, V and Z commands."""
    polys: list[list[tuple[float, float]]] = []
    x = y = 0.0
    for cmd, args in re.findall(r"([MLHVZ])([^MLHVZ]*)", path):
        nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", args)]
        if cmd == "M":
            x, y = nums
            polys.append([(x, y)])
        elif cmd == "L":
            x, y = nums
            polys[-1].append((x, y))
        elif cmd == "H":
            x = nums[0]
            polys[-1].append((x, y))
        elif cmd == "V":
            y = nums[0]
            polys[-1].append((x, y))
    return polys


def _inside(poly: list[tuple[float, float]], px: float, py: float) -> bool:
    """Ray casting: is (px, py) strictly inside the polygon?"""
    inside = False
    n = len(poly)
    for i in range(n):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
        if (y1 > py) != (y2 > py) and px < x1 + (py - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _squares(path: str) -> set[tuple[float, float, float, float]]:
    """Each closed axis-aligned rectangle of a path as (x0, y0, x1, y1)."""
    out = set()
    for poly in _polygons(path):
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        out.add((min(xs), min(ys), max(xs), max(ys)))
    return out


def _frame_steps(fig) -> list[int]:
    return [int(f["name"]) for f in fig["frames"]]


def _lists(obj):
    """Every list inside a JSON-like object."""
    if isinstance(obj, list):
        yield obj
        for item in obj:
            yield from _lists(item)
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _lists(value)


# --------------------------------------------------------------------------------------------- frames
def test_one_frame_per_step_for_small_traces(founding):
    fig = sliding_figure(founding)
    assert len(fig["frames"]) == founding.steps == 9
    assert _frame_steps(fig) == list(range(9))


def test_large_traces_get_fewer_frames_each_an_exact_step(big, big_figure):
    steps = _frame_steps(big_figure)
    assert big.steps == 3844
    assert steps == frame_steps(big.steps, 1000)
    assert len(steps) <= style.MAX_FRAMES + 1
    assert steps[0] == 0 and steps[-1] == big.steps - 1 and 1000 in steps
    assert steps == sorted(set(steps))
    k = -(-big.steps // (style.MAX_FRAMES - 1))
    assert max(np.diff(steps)) <= k


def test_frame_steps_rule():
    assert frame_steps(9) == list(range(9))
    assert frame_steps(style.MAX_FRAMES, 5) == list(range(style.MAX_FRAMES))
    assert len(frame_steps(style.MAX_FRAMES + 1, 5)) < style.MAX_FRAMES + 1
    coarse = frame_steps(1000, 7, max_frames=10)
    assert coarse[0] == 0 and coarse[-1] == 999 and 7 in coarse and len(coarse) <= 12


@pytest.mark.parametrize("name", ALL)
def test_frames_carry_only_kernel_sized_arrays(request, name):
    trace = _trace(request, name)
    fig = sliding_figure(trace)
    kh, kw, c = trace.kernel.shape
    longest = max(kh, kw, c + 2, c)
    for frame in fig["frames"]:
        assert set(frame) == {"name", "data", "traces", "layout"}
        assert set(frame["layout"]) == {"shapes", "annotations"}
        assert max(len(lst) for lst in _lists(frame)) <= longest


def test_frame_size_does_not_grow_with_the_image(founding, big_figure):
    """Same 3x3 kernel on a 5x5 and a 64x64 input: every frame stays under one small bound."""
    small = sliding_figure(trace_convolution(founding_image(), LAPLACE))
    for fig in (small, big_figure):
        assert max(len(json.dumps(f)) for f in fig["frames"]) < 1000


def test_64x64_animation_fits_the_2_mb_budget(big_figure):
    spec = pio.to_json(plotly.tools.return_figure_from_figure_or_data(big_figure, validate_figure=True), validate=False)
    assert len(spec) <= 2_000_000


@pytest.mark.parametrize("name", ALL)
def test_frame_products_equal_the_trace_products(request, name):
    trace = _trace(request, name)
    fig = sliding_figure(trace)
    c = trace.kernel.shape[2]
    for frame in fig["frames"]:
        s = int(frame["name"])
        assert len(frame["data"]) == c
        for ch, heat in enumerate(frame["data"]):
            assert heat["type"] == "heatmap"
            np.testing.assert_allclose(np.array(heat["z"], dtype=float), trace.products[s, :, :, ch], atol=1e-9)


def test_frames_update_the_product_heatmaps_and_nothing_else(rgb):
    fig = sliding_figure(rgb)
    products = [i for i, t in enumerate(fig["data"]) if t.get("name", "").startswith("products")]
    assert len(products) == 3
    for frame in fig["frames"]:
        assert frame["traces"] == products


@pytest.mark.parametrize("name", ALL)
def test_window_outline_sits_at_the_trace_origin(request, name):
    trace = _trace(request, name)
    fig = sliding_figure(trace)
    c = trace.kernel.shape[2]
    for frame in fig["frames"]:
        s = int(frame["name"])
        rows, cols = trace.window_cells(s)
        if trace.dilation == (1, 1):
            want = {(cols[0] - 0.5, rows[0] - 0.5, cols[-1] + 0.5, rows[-1] + 0.5)}
        else:  # one square per sampled cell
            want = {(x - 0.5, y - 0.5, x + 0.5, y + 0.5) for y in rows for x in cols}
        oy, ox = trace.origins[s]
        assert (rows[0], cols[0]) == (oy, ox)
        for ch in range(c):
            assert _squares(frame["layout"]["shapes"][ch]["path"]) == want


def test_window_shapes_are_on_their_channel_input_panels(rgb):
    fig = sliding_figure(rgb)
    inputs = [t for t in fig["data"] if t.get("name", "").startswith("input")]
    for ch in range(3):
        shape = fig["layout"]["shapes"][ch]
        assert (shape["xref"], shape["yref"]) == (inputs[ch]["xaxis"], inputs[ch]["yaxis"])


@pytest.mark.parametrize("name", ALL)
def test_cover_leaves_exactly_the_computed_cells_uncovered(request, name):
    trace = _trace(request, name)
    fig = sliding_figure(trace)
    c = trace.kernel.shape[2]
    ho, wo = trace.out_shape
    for frame in fig["frames"]:
        s = int(frame["name"])
        (poly,) = _polygons(frame["layout"]["shapes"][c]["path"])
        for j in range(trace.steps):
            y, x = divmod(j, wo)
            assert _inside(poly, x, y) == (j > s), (s, j)


@pytest.mark.parametrize("name", ALL)
def test_current_cell_mark_is_the_cell_of_the_step(request, name):
    trace = _trace(request, name)
    fig = sliding_figure(trace)
    c = trace.kernel.shape[2]
    for frame in fig["frames"]:
        y, x = trace.positions[int(frame["name"])]
        assert _squares(frame["layout"]["shapes"][c + 1]["path"]) == {(x - 0.5, y - 0.5, x + 0.5, y + 0.5)}


def test_animated_shapes_live_on_the_output_panel(founding):
    fig = sliding_figure(founding)
    output = next(t for t in fig["data"] if t.get("name") == "output")
    for shape in fig["layout"]["shapes"][1:3]:
        assert (shape["xref"], shape["yref"]) == (output["xaxis"], output["yaxis"])
    assert fig["layout"]["shapes"][1]["fillcolor"] == style.BACKGROUND


def _plain(text: str) -> str:
    return re.sub(r"<[^>]*>", "", text.replace("<br>+ ", " + ").replace("<br>", "\n"))


def _number(text: str) -> float:
    """A number as the sum writes it (``(−0.25)``, ``−4``, ``0.5``) read back with plain Python."""
    inner = text[1:-1] if text.startswith("(") and text.endswith(")") else text
    assert not inner.startswith("-"), f"hyphen instead of the minus sign in {text!r}"
    if inner.startswith("\u2212"):
        assert text.startswith("(") or text is inner, text
        return -float(inner[1:])
    return float(inner)


def _check_terms(terms: str, window: np.ndarray, kernel: np.ndarray) -> None:
    """``a × b + ...`` term by term against the window and kernel values (3 decimals shown)."""
    pairs = [t.split(" \u00d7 ") for t in terms.split(" + ")]
    assert len(pairs) == window.size
    for (a, b), w, k in zip(pairs, window.ravel(), kernel.ravel(), strict=True):
        assert abs(_number(a) - w) <= 5e-4 and abs(_number(b) - k) <= 5e-4
        for operand, value in ((a, w), (b, k)):  # negatives, and only they, are in parentheses
            assert operand.startswith("(\u2212") == (round(value, 3) < 0), operand


def test_equation_is_written_out_with_math_typography(founding, odd):
    kernel = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -0.25], [1.0, 0.0, -3.0]])
    signed = trace_convolution(founding_image(), kernel, padding=1)
    for trace in (founding, signed):
        fig = sliding_figure(trace)
        for frame in fig["frames"]:
            s = int(frame["name"])
            text = _plain(frame["layout"]["annotations"][0]["text"])
            assert "*" not in text and "-" not in text
            head, terms, value = re.fullmatch(r"(out\(\d+, \d+\)) = (.*) = (\S+)", text).groups()
            assert head == "out({}, {})".format(*trace.positions[s])
            _check_terms(terms, trace.windows[s, :, :, 0], trace.kernel[:, :, 0])
            assert abs(_number(value) - trace.totals[s]) <= 5e-4
    assert _plain(sliding_figure(founding)["frames"][6]["layout"]["annotations"][0]["text"]).endswith(" = 2")


def test_equation_adds_the_bias(odd):
    fig = sliding_figure(odd)
    for frame in fig["frames"]:
        s = int(frame["name"])
        *sum_lines, bias_line = _plain(frame["layout"]["annotations"][0]["text"]).split("\n")
        head, terms, _ = re.fullmatch(r"(out\(\d+, \d+\)) = (.*) = (\S+)", " ".join(sum_lines)).groups()
        assert head == f"out({odd.positions[s][0]}, {odd.positions[s][1]})"
        _check_terms(terms, odd.windows[s, :, :, 0], odd.kernel[:, :, 0])
        value, total = re.fullmatch(r"(\S+) \+ bias \(\u22120\.25\) = (\S+)", bias_line).groups()
        assert abs(_number(value) - (odd.totals[s] - odd.bias)) < 5e-4
        assert abs(_number(total) - odd.totals[s]) < 5e-4


def test_equation_shows_each_channel_then_absorbs_them(rgb):
    fig = sliding_figure(rgb)
    for frame in fig["frames"][:20]:
        s = int(frame["name"])
        lines = _plain(frame["layout"]["annotations"][0]["text"]).split("\n")
        assert len(lines) == 4
        for ch, label in enumerate("RGB"):
            terms, value = re.fullmatch(rf"{label}: (.*) = (\S+)", lines[ch]).groups()
            _check_terms(terms, rgb.windows[s, :, :, ch], rgb.kernel[:, :, ch])
            assert abs(_number(value) - rgb.channel_sums[s, ch]) <= 5e-4
        assert "(channels absorbed)" in lines[-1]
        assert "+ bias 0.1 = " in lines[-1]
        total = _number(lines[-1].rsplit("= ", 1)[1])
        assert abs(total - rgb.totals[s]) < 5e-4


def test_on_a_phone_the_channels_are_named_then_summed_on_two_lines(rgb):
    fig = sliding_figure(rgb, width_px=358)  # the products panels show the terms; the sum must fit the screen
    for frame in fig["frames"][:20]:
        s = int(frame["name"])
        named, values = _plain(frame["layout"]["annotations"][0]["text"]).split("\n")
        y, x = rgb.positions[s]
        assert named == f"out({y}, {x}) = R + G + B + bias"
        added, total = re.fullmatch(r"= (.*) = (\S+)", values).groups()
        *sums, bias = added.split(" + ")
        assert np.allclose([_number(v) for v in sums], rgb.channel_sums[s], atol=5e-4)
        assert abs(_number(bias) - rgb.bias) < 5e-4
        assert abs(_number(total) - rgb.totals[s]) < 5e-4


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_caption_names_the_step_and_the_window_on_the_padded_axes(padding):
    trace = trace_convolution(founding_image(), FOUNDING_KERNEL, stride=2, padding=padding)
    fig = sliding_figure(trace)
    where = "the padded input" if padding else "the input"
    for frame in fig["frames"]:
        s = int(frame["name"])
        caption = frame["layout"]["annotations"][1]["text"]
        y, x = trace.positions[s]
        row, col = y * 2 - padding, x * 2 - padding  # the window's top-left cell, padded axes start at -p
        expected = f"Step {s + 1} of {trace.steps} · window at row {row}, column {col} of {where} → out({y}, {x})"
        assert caption == expected.replace("-", "\u2212")
    ticks = fig["layout"]["xaxis"]["ticktext"]
    assert ticks[0] == f"{-padding}".replace("-", "\u2212")  # the axis the caption counts on


# ----------------------------------------------------------------------------------- initial state, controls
@pytest.mark.parametrize("step", [0, 6, 8])
def test_initial_layout_shows_the_requested_step(founding, step):
    fig = sliding_figure(founding, step=step)
    frame = fig["frames"][step]
    shapes = fig["layout"]["shapes"]
    for i, shape in enumerate(frame["layout"]["shapes"]):
        assert shapes[i]["path"] == shape["path"]
    for i in (0, 1):  # the sum and the caption
        assert fig["layout"]["annotations"][i]["text"] == frame["layout"]["annotations"][i]["text"]
    (products,) = frame["traces"]
    np.testing.assert_allclose(fig["data"][products]["z"], founding.products[step, :, :, 0])
    assert fig["layout"]["sliders"][0]["active"] == step


def test_slider_active_is_the_frame_of_the_step_in_coarse_animations(big, big_figure):
    slider = big_figure["layout"]["sliders"][0]
    assert slider["steps"][slider["active"]]["value"] == "1000"


def test_slider_has_one_entry_per_frame(founding):
    fig = sliding_figure(founding, step=6)
    slider = fig["layout"]["sliders"][0]
    assert len(slider["steps"]) == len(fig["frames"]) == founding.steps
    assert [s["value"] for s in slider["steps"]] == [f["name"] for f in fig["frames"]]
    assert slider["steps"][6]["label"] == "step 7 / 9 · out(2, 0)"
    for entry in slider["steps"]:
        assert entry["method"] == "animate"
        assert entry["args"][0] == [entry["value"]]
        assert entry["args"][1]["frame"]["redraw"] is True
        assert entry["args"][1]["transition"]["duration"] == 0


def test_play_and_pause_buttons(founding):
    fig = sliding_figure(founding, step=4, frame_ms=250)
    (menu,) = fig["layout"]["updatemenus"]
    play, pause = menu["buttons"]
    assert play["method"] == "animate" and pause["method"] == "animate"
    assert play["args"][0] == [str(s) for s in range(4, 9)]  # from the step on screen
    assert play["args"][1]["frame"] == {"duration": 250, "redraw": True}
    assert play["args"][1]["transition"]["duration"] == 0
    assert play["args"][1]["fromcurrent"] is True
    assert pause["args"][0] == [None]


def test_height_is_honoured(founding, rgb):
    for trace in (founding, rgb):
        assert sliding_figure(trace, height=900)["layout"]["height"] == 900
        assert isinstance(sliding_figure(trace)["layout"]["height"], int)


def test_bad_arguments_are_refused(founding):
    with pytest.raises(ValueError, match="step 9 does not exist"):
        sliding_figure(founding, step=9)
    with pytest.raises(ValueError, match="step -1"):
        sliding_figure(founding, step=-1)
    with pytest.raises(ValueError, match="whole number"):
        sliding_figure(founding, step=2.5)
    with pytest.raises(ValueError, match="whole number"):
        sliding_figure(founding, step=True)
    assert sliding_figure(founding, step=np.int64(3))["layout"]["sliders"][0]["active"] == 3
    with pytest.raises(ValueError, match="frame_ms"):
        sliding_figure(founding, frame_ms=-5)


# ------------------------------------------------------------------------------------ colour, values, click
@pytest.mark.parametrize("name", ALL)
def test_colour_ranges_are_fixed_and_cover_every_frame(request, name):
    trace = _trace(request, name)
    fig = sliding_figure(trace)
    for heat in (t for t in fig["data"] if t["type"] == "heatmap"):
        assert heat["zauto"] is False
        assert heat["zmin"] < heat["zmax"]
    for frame in fig["frames"]:
        for heat in frame["data"]:
            assert "zmin" not in heat and "zmax" not in heat  # the layout's range stays
    products = [t for t in fig["data"] if t.get("name", "").startswith("products")]
    for heat in products:
        assert heat["zmin"] <= trace.products.min() and heat["zmax"] >= trace.products.max()
        assert heat["zmin"] == -heat["zmax"]  # centred at zero
    output = next(t for t in fig["data"] if t.get("name") == "output")
    assert output["zmin"] <= trace.totals.min() and output["zmax"] >= trace.totals.max()
    assert output["zmin"] == -output["zmax"]


@pytest.mark.parametrize("name", ALL + ["big"])
def test_click_targets_map_every_output_cell_to_its_step(request, name):
    """The output heatmap is the clickable trace (last): each cell carries its step, 0-based and as shown."""
    trace = _trace(request, name)
    fig = sliding_figure(trace)
    clicks = fig["data"][-1]
    assert clicks["type"] == "heatmap" and clicks["name"] == "output"
    assert "%{customdata[1]}" in clicks["hovertemplate"]
    ho, wo = trace.out_shape
    grid = clicks["customdata"]
    assert len(grid) == ho and all(len(row) == wo for row in grid)
    steps = []
    for y in range(ho):
        for x in range(wo):
            step, shown = grid[y][x]
            assert trace.step_of(y, x) == step and shown == step + 1
            steps.append(step)
    assert sorted(steps) == list(range(trace.steps))
    assert not any(t["type"] == "scatter" and t.get("customdata") for t in fig["data"])  # no marker per cell
    last = len(fig["data"]) - 1
    assert all(last not in f["traces"] for f in fig["frames"])
    assert all(d["type"] == "heatmap" for f in fig["frames"] for d in f["data"])


@pytest.mark.parametrize("name", ALL)
def test_click_markers_put_an_invisible_marker_on_every_output_cell_after_the_output(request, name):
    """For ``st.plotly_chart`` (it reports scatter points, never heatmap cells): the same steps, on markers."""
    trace = _trace(request, name)
    fig = sliding_figure(trace, click_markers=True)
    output, markers = fig["data"][-2], fig["data"][-1]
    assert output["name"] == "output" and markers["type"] == "scatter" and markers["marker"]["opacity"] == 0
    assert (markers["xaxis"], markers["yaxis"]) == (output["xaxis"], output["yaxis"])
    for y, x, (step, shown) in zip(markers["y"], markers["x"], markers["customdata"], strict=True):
        assert trace.step_of(y, x) == step and output["customdata"][y][x] == [step, shown]
    assert len(markers["x"]) == trace.steps
    assert all(len(fig["data"]) - 1 not in f["traces"] for f in fig["frames"])


def _heat(fig, name):
    return next(t for t in fig["data"] if t.get("name") == name)


def test_show_values_auto_rule():
    def fig_for(side, **kw):
        return sliding_figure(trace_convolution(np.full((side, side), 0.5), np.ones((3, 3))), **kw)

    assert "texttemplate" in _heat(fig_for(12), "input")  # padded input 12x12: numbers
    assert "texttemplate" not in _heat(fig_for(13), "input")  # 13x13: colours only
    assert "texttemplate" in _heat(fig_for(13, show_values=True), "input")
    assert "texttemplate" not in _heat(fig_for(5, show_values=False), "input")
    assert "texttemplate" not in _heat(fig_for(5, show_values=False), "output")
    for fig in (fig_for(5), fig_for(20), fig_for(5, show_values=False)):
        assert "texttemplate" in _heat(fig, "products") and "texttemplate" in _heat(fig, "kernel")
    padded = trace_convolution(np.full((11, 11), 0.5), np.ones((3, 3)), padding=1)  # 13x13 once padded
    assert "texttemplate" not in _heat(sliding_figure(padded), "input")


def test_padding_is_drawn_as_its_own_grey_hatched_ring(odd):
    fig = sliding_figure(odd)
    ph, pw = odd.padding
    h, w = odd.image.shape[:2]
    pad = _heat(fig, "padding")
    z = np.array([[np.nan if v is None else v for v in row] for row in pad["z"]])
    real = np.zeros(z.shape, dtype=bool)
    real[ph : ph + h, pw : pw + w] = True
    assert np.isnan(z[real]).all() and (z[~real] == 0).all()
    img = _heat(fig, "input")
    zi = np.array([[np.nan if v is None else v for v in row] for row in img["z"]])
    assert np.isnan(zi[~real]).all()
    np.testing.assert_allclose(zi[real].reshape(h, w), odd.image[:, :, 0], atol=1e-9)
    hatch = [t for t in fig["data"] if t["type"] == "scatter" and "fillpattern" in t]
    assert len(hatch) == 1
    dashed = [s for s in fig["layout"]["shapes"] if s.get("line", {}).get("dash") == "dash"]
    assert [(s["x0"], s["y0"], s["x1"], s["y1"]) for s in dashed] == [(pw - 0.5, ph - 0.5, pw + w - 0.5, ph + h - 0.5)]


def test_no_padding_no_padding_layer(founding):
    fig = sliding_figure(founding)
    assert all(t.get("name") != "padding" for t in fig["data"])
    assert not any(s.get("line", {}).get("dash") == "dash" for s in fig["layout"]["shapes"])


def test_panels_keep_square_cells_and_rows_go_down(founding):
    layout = sliding_figure(founding)["layout"]
    for key, axis in layout.items():
        if key.startswith("yaxis"):
            assert axis["scaleanchor"] == "x" + key[5:]
            assert axis["range"][0] > axis["range"][1]  # reversed: row 0 on top


# ------------------------------------------------------------------------------------------- validity
def _all_figures(founding, rgb, odd):
    rng = np.random.default_rng(0)
    return [
        sliding_figure(founding, step=3),
        sliding_figure(rgb, step=20),
        sliding_figure(odd, step=2),
        sliding_figure(trace_convolution(rng.normal(size=(3, 3, 10)), rng.normal(size=(3, 3, 10)), 0.3)),
        kernel_figure(rgb.kernel),
        kernel_figure(np.array(FOUNDING_KERNEL)),
        tensor_figure(rng.normal(size=(6, 6, 15)), title="6x6x15"),
        tensor_figure(rng.random((30, 40, 3)), title="30x40x3", zmid=None),
        tensor_figure(rng.normal(size=(300, 300, 4)), title="300x300x4"),
        image_figure(founding_image()),
        image_figure(rgb.image, title="RGB"),
        image_figure(rng.random((600, 600, 3))),
        tensor_figure(rng.normal(size=(3, 3, 15)), title="3x3x15"),
        tensor_figure(rng.normal(size=(1, 1, 6)), title="1x1x6"),
    ]


def test_every_figure_is_plain_json_and_valid_plotly(founding, rgb, odd):
    for fig in _all_figures(founding, rgb, odd):
        json.dumps(fig, allow_nan=False)  # no numpy types, no NaN (gaps are null)
        go.Figure(fig)  # plotly's own validation
        plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)  # what st.plotly_chart does


# ------------------------------------------------------------------------------------------- static maps
def test_the_maps_of_a_tensor_share_one_colour_range():
    maps = np.random.default_rng(2).normal(size=(5, 7, 15))
    maps[0, 0, 3] = 9.0
    titles = [f"ch {i}" for i in range(15)]
    fig = tensor_figure(maps, width_px=1920)
    heats = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert len(heats) == 15
    assert {(h["zmin"], h["zmax"]) for h in heats} == {(-9.0, 9.0)}
    assert [h["showscale"] for h in heats] == [True] + [False] * 14
    assert heats[0]["colorbar"]["title"]["text"] == "value"
    for i, h in enumerate(heats):
        np.testing.assert_allclose(h["z"], maps[:, :, i], atol=1e-9)
        assert "texttemplate" in h  # 5x7 maps on a wide screen: numbers in cells
    narrow = tensor_figure(maps, width_px=390)
    assert not any("texttemplate" in t for t in narrow["data"])  # 10 px cells: colour alone
    texts = {a["text"] for a in fig["layout"]["annotations"]}
    assert set(titles) <= texts
    for key, axis in fig["layout"].items():
        if key.startswith("yaxis"):
            assert axis["autorange"] == "reversed" and axis["scaleanchor"] == "x" + key[5:]


def test_tensor_maps_without_centre_use_the_data_range():
    maps = np.stack([np.full((13, 13), 2.0), np.full((13, 13), 5.0)], axis=-1)
    fig = tensor_figure(maps, zmid=None)
    assert {(h["zmin"], h["zmax"]) for h in fig["data"]} == {(2.0, 5.0)}
    assert all("texttemplate" not in h for h in fig["data"])  # 13x13: no numbers


def _png(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.array(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def test_large_tensor_maps_are_sent_as_pixel_exact_pngs():
    maps = np.random.default_rng(3).normal(size=(300, 260, 4))
    fig = tensor_figure(maps)
    images = [t for t in fig["data"] if t["type"] == "image"]
    (bar,) = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert len(images) == 4
    lo, hi = bar["zmin"], bar["zmax"]
    assert lo == -hi == -np.abs(maps).max()
    for i, img in enumerate(images):
        np.testing.assert_array_equal(_png(img["source"]), colour_map(maps[:, :, i], lo, hi, style.DIVERGING))
    assert len(json.dumps(fig)) < maps.size * 4  # far smaller than a number per pixel


def test_colour_map_follows_the_scale_ends_and_middle():
    rgb = colour_map(np.array([[-1.0, 0.0, 1.0]]), -1.0, 1.0, style.DIVERGING)
    assert rgb[0, 0].tolist() == [0x08, 0x51, 0x9C]
    assert rgb[0, 1].tolist() == [0xF7, 0xF7, 0xF7]
    assert rgb[0, 2].tolist() == [0xD9, 0x48, 0x01]


def test_image_figure_rgb_is_pixel_exact():
    img = np.random.default_rng(4).random((4, 5, 3))
    fig = image_figure(img, title="t")
    (trace,) = fig["data"]
    assert trace["type"] == "image"
    np.testing.assert_array_equal(np.array(trace["z"]), np.round(img * 255).astype(int))
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"


def test_image_figure_grayscale_is_a_heatmap_with_values_when_small():
    fig = image_figure(founding_image())
    (heat,) = fig["data"]
    assert heat["type"] == "heatmap" and "texttemplate" in heat
    assert (heat["zmin"], heat["zmax"]) == (0.0, 1.0)
    np.testing.assert_array_equal(heat["z"], founding_image()[:, :, 0])
    big = image_figure(np.zeros((40, 40, 1)))
    assert "texttemplate" not in big["data"][0]
    with pytest.raises(ValueError, match="1 .* or 3"):
        image_figure(np.zeros((4, 4, 2)))


def test_large_images_are_sent_as_png(founding):
    img = np.random.default_rng(5).random((400, 300, 3))
    (trace,) = image_figure(img)["data"]
    np.testing.assert_array_equal(_png(trace["source"]), np.round(img * 255).astype(np.uint8))


def test_tensor_figure_labels_every_channel():
    t = np.random.default_rng(6).normal(size=(3, 3, 15))
    fig = tensor_figure(t, title="3x3x15")
    assert len(fig["data"]) == 15
    assert [a["text"] for a in fig["layout"]["annotations"]] == [f"ch {i}" for i in range(15)]
    assert len({(h["zmin"], h["zmax"]) for h in fig["data"]}) == 1
    assert all("texttemplate" in h for h in fig["data"])


def test_tensor_figure_draws_1x1xC_as_one_strip():
    t = np.arange(6, dtype=float).reshape(1, 1, 6) - 2
    fig = tensor_figure(t, title="1x1x6")
    (heat,) = fig["data"]
    assert np.array(heat["z"]).shape == (1, 6)
    np.testing.assert_array_equal(heat["z"][0], t[0, 0])
    assert fig["layout"]["xaxis"]["ticktext"] == [f"ch {i}" for i in range(6)]
    assert "texttemplate" in heat


def test_tensor_figure_caps_the_channels():
    fig = tensor_figure(np.zeros((2, 2, 40)), title="x", max_channels=32)
    assert len(fig["data"]) == 32
    assert "first 32 of 40" in fig["layout"]["title"]["text"]


def test_kernel_figure_one_panel_per_channel_with_values(rgb):
    fig = kernel_figure(rgb.kernel)
    assert len(fig["data"]) == 3
    assert [a["text"] for a in fig["layout"]["annotations"]] == ["R", "G", "B"]
    for ch, heat in enumerate(fig["data"]):
        np.testing.assert_array_equal(heat["z"], rgb.kernel[:, :, ch])
        assert "texttemplate" in heat and heat["zmin"] == -heat["zmax"] == -4.0
    single = kernel_figure(np.array(FOUNDING_KERNEL))
    assert len(single["data"]) == 1 and single["layout"]["annotations"][0]["text"] == "kernel 3x3"


# ------------------------------------------------------------------------------ controls, presentation, width
def test_without_controls_there_are_no_plotly_controls_and_no_room_for_them(founding):
    with_controls = sliding_figure(founding, step=3)
    bare = sliding_figure(founding, step=3, controls=False)
    assert "updatemenus" not in bare["layout"] and "sliders" not in bare["layout"]
    assert with_controls["layout"]["updatemenus"] and with_controls["layout"]["sliders"]
    room = with_controls["layout"]["margin"]["b"] - bare["layout"]["margin"]["b"]
    assert room >= 100 and with_controls["layout"]["height"] - bare["layout"]["height"] == room
    assert [f["name"] for f in bare["frames"]] == [f["name"] for f in with_controls["frames"]]


def test_play_pause_sit_on_their_own_row_above_the_slider(founding):
    layout = sliding_figure(founding)["layout"]
    (menu,), (slider,) = layout["updatemenus"], layout["sliders"]
    button_bottom = menu["pad"]["t"] + 1.5 * menu["font"]["size"] + 12  # text plus Plotly's button padding
    slider_top = slider["pad"]["t"]  # the current-step label is drawn from here down, then the rail
    assert menu["y"] == slider["y"] == 0 and menu["yanchor"] == slider["yanchor"] == "top"
    assert button_bottom <= slider_top
    assert layout["margin"]["b"] >= slider_top + 60  # room for the label and the rail


VERDANA_EM = {".": 0.364, "-": 0.454}  # digits are 0.636 em


def _value_heatmaps(fig):
    return [d for d in fig["data"] if d["type"] == "heatmap" and "texttemplate" in d]


def _cell_px(fig, trace_dict, width_px):
    """A heatmap's cell size in px, from the layout alone (square cells, the smaller of the two sides)."""
    layout = fig["layout"]
    suffix = trace_dict["xaxis"][1:]
    xa, ya = layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"]
    rows, cols = np.asarray(trace_dict["z"], dtype=object).shape
    plot_w = width_px - layout["margin"]["l"] - layout["margin"]["r"]
    plot_h = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    return min((xa["domain"][1] - xa["domain"][0]) * plot_w / cols, (ya["domain"][1] - ya["domain"][0]) * plot_h / rows)


@pytest.mark.parametrize("width_px", [390, 1366, 1920])
@pytest.mark.parametrize("presentation", [False, True])
def test_numbers_are_written_only_where_they_fit(width_px, presentation, founding, rgb, odd):
    # A phone is no projector: presentation mode keeps its sizes there (the page around the player changes).
    least = 28 if presentation and width_px >= style.PHONE_WIDTH_PX else style.MIN_VALUE_FONT
    for trace in (founding, rgb, odd):
        fig = sliding_figure(trace, width_px=width_px, presentation=presentation, controls=False)
        for d in _value_heatmaps(fig):
            decimals = re.fullmatch(r"%\{z:\.(\d)~f\}", d["texttemplate"])
            digits = int(decimals.group(1)) if decimals else 0
            values = [v for row in d["z"] for v in row if v is not None]
            texts = [f"{v:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{v:g}" for v in values]
            font = d["textfont"]["size"]
            assert font >= least
            # Verdana's advance widths (the widest font the figures may get): the text fits inside its cell
            widest = max(sum(VERDANA_EM.get(ch, 0.636) for ch in text) for text in texts)
            assert widest * font <= 0.9 * _cell_px(fig, d, width_px), (d["name"], texts, font)


def test_presentation_writes_the_founding_example_large(founding):
    for width_px, height in ((1920, 1000), (1366, 700)):
        fig = sliding_figure(founding, presentation=True, controls=False, width_px=width_px, height=height)
        written = {d["name"] for d in _value_heatmaps(fig)}
        assert {"input", "kernel", "products", "output"} <= written
        assert all(d["textfont"]["size"] >= 28 for d in _value_heatmaps(fig))
        assert all(a["font"]["size"] >= 28 for a in fig["layout"]["annotations"])  # sum, caption, titles
        assert fig["layout"]["height"] == height
    normal = sliding_figure(founding, controls=False, width_px=1920)
    assert max(d["textfont"]["size"] for d in _value_heatmaps(normal)) < 28


def test_on_a_projector_the_panels_then_the_text_grow_into_the_height_left(founding, monkeypatch):
    """At 1920x1000 the four panels are as wide as the screen allows and height is left under them. The panels take
    it first: the kernel's and products' cells shrink towards the input's (never below), so the row grows taller.
    The caption, the sum and the axes' numbers take the rest, written larger."""
    def cells(fig):
        by_name = {d["name"]: d for d in _value_heatmaps(fig)}
        return _cell_px(fig, by_name["input"], 1888), _cell_px(fig, by_name["kernel"], 1888)

    grown = sliding_figure(founding, presentation=True, controls=False, width_px=1888, height=1000)
    monkeypatch.setattr(style, "PRESENT_GROW", 1.0)
    kept = sliding_figure(founding, presentation=True, controls=False, width_px=1888, height=1000)  # panels only
    own = plan_layout(founding, Sizes.of(True, 1888), width_px=1888, height=1000, equation_lines_count=1,
                      caption_lines=1, controls=False)  # the mode's own sizes: the kernel's cells as large as they fit
    annotations = grown["layout"]["annotations"]
    assert annotations[0]["font"]["size"] > 1.2 * style.PRESENT_EQUATION_SIZE
    assert annotations[1]["font"]["size"] > 1.2 * style.PRESENT_CAPTION_SIZE
    assert grown["layout"]["xaxis"]["tickfont"]["size"] > 1.2 * style.PRESENT_TICK_SIZE
    assert kept["layout"]["annotations"][0]["font"]["size"] == style.PRESENT_EQUATION_SIZE
    assert grown["layout"]["height"] == kept["layout"]["height"] == 1000
    in_cell, k_cell = cells(grown)
    assert in_cell <= k_cell <= 1.15 * in_cell  # the kernel's cells came down to (about) the input's
    assert in_cell > 1.1 * own.in_cell and own.k_cell > 1.5 * own.in_cell  # so the input's grew
    assert in_cell >= 0.97 * cells(kept)[0]  # and the text's growth kept the panels' size
    small = sliding_figure(founding, presentation=True, controls=False, width_px=1334, height=560)
    assert small["layout"]["annotations"][0]["font"]["size"] == style.PRESENT_EQUATION_SIZE  # no room: as it was


def _domain_px(fig, axis, width_px):
    """An axis's domain in pixels of the plot area: x from the left, y from the bottom."""
    layout = fig["layout"]
    span = (width_px - 2 * style.SIDE_MARGIN_PX) if axis.startswith("x") else (
        layout["height"] - layout["margin"]["t"] - layout["margin"]["b"])
    lo, hi = layout[axis]["domain"]
    return lo * span, hi * span


def test_a_phone_puts_an_input_too_fine_for_its_numbers_beside_the_other_panels():
    """A photo's 6x6 region on a 358 px phone figure: in one row with the kernel, the products and the output its
    cells were 13 px, colour alone. The input takes the left, as large as its numbers need; the kernel and the
    products sit on its right with the output under them, every cell square, no panel over another."""
    rng = np.random.default_rng(3)
    region = np.round(rng.uniform(0.3, 0.7, size=(6, 6, 1)) * 255) / 255  # 8-bit levels, as a photo's
    trace = trace_convolution(region, FOUNDING_KERNEL)
    fig = sliding_figure(trace, controls=False, width_px=358, height=420)
    by_name = {d["name"]: d for d in _value_heatmaps(fig)}
    assert {"input", "kernel"} <= set(by_name), set(by_name)
    assert by_name["input"]["textfont"]["size"] >= style.MIN_VALUE_FONT
    x = {k: _domain_px(fig, f"xaxis{k}", 358) for k in ("", "2", "3", "4")}
    y = {k: _domain_px(fig, f"yaxis{k}", 358) for k in ("", "2", "3", "4")}
    assert x[""][1] < x["2"][0] < x["2"][1] < x["3"][0] and x[""][1] < x["4"][0]  # input | kernel products / output
    assert y["4"][1] < y["2"][0] and y["2"] == y["3"]  # the output under the kernel and the products
    assert y[""][0] <= y["4"][0] and y["2"][1] <= y[""][1] + 1e-6  # all within the input's height
    for k, (rows, cols) in {"": (6, 6), "2": (3, 3), "3": (3, 3), "4": trace.out_shape}.items():  # square cells
        assert (x[k][1] - x[k][0]) / cols == pytest.approx((y[k][1] - y[k][0]) / rows, rel=0.02), k
    row = sliding_figure(trace, controls=False, width_px=1366)  # a laptop keeps the one row
    assert row["layout"]["yaxis2"]["domain"] == row["layout"]["yaxis"]["domain"]
    founding = sliding_figure(trace_convolution(founding_image(), FOUNDING_KERNEL), controls=False, width_px=358,
                              height=420)  # one-digit numbers fit the row on a phone: it stays
    assert founding["layout"]["yaxis2"]["domain"] == founding["layout"]["yaxis"]["domain"]


def test_on_a_laptop_several_channels_give_their_kernels_width_for_larger_panels():
    """RGB 16x16 on a 1366 px laptop with the sidebar (a 906 px figure): each channel's input was as tall as its
    kernel of 22 px cells, so its own cells were 4 px. The kernels' cells come down to what their numbers need, and
    the inputs grow; the kernels keep their numbers."""
    image = resize_image(load_example("Shapes (64x64, colour)", channels=3), 16)
    trace = trace_convolution(image, np.stack([np.array(FOUNDING_KERNEL, float)] * 3, axis=-1))
    fig = sliding_figure(trace, controls=False, width_px=906, height=480)
    own = plan_layout(trace, Sizes.of(False, 906), width_px=906, height=480, equation_lines_count=7,
                      caption_lines=1, controls=False)  # the kernel's cells as large as they fit
    kernels = [d for d in _value_heatmaps(fig) if d["name"].startswith("kernel")]
    assert len(kernels) == 3, "every channel's kernel keeps its numbers"
    in_cell = _cell_px(fig, next(d for d in fig["data"] if d["name"] == "input R"), 906)
    assert in_cell > 1.2 * own.in_cell, (in_cell, own.in_cell)
    assert _cell_px(fig, kernels[0], 906) >= in_cell


def test_on_a_laptop_a_photo_region_writes_every_decimal_the_sum_writes():
    """A photo's 6x6 region on a 1366 px laptop (a 906 px figure): its input cells were 33 px, half the kernel's, so
    they wrote 0.47 where the sum says 0.475. The kernel's and products' cells come down to what their own numbers
    need, the input grows, and every panel writes 3 decimals."""
    rng = np.random.default_rng(4)
    region = np.round(rng.uniform(0.3, 0.7, size=(6, 6, 1)) * 255) / 255
    trace = trace_convolution(region, FOUNDING_KERNEL)
    fig = sliding_figure(trace, controls=False, width_px=906, height=440)
    by_name = {d["name"]: d for d in _value_heatmaps(fig)}
    assert by_name["input"]["texttemplate"] == by_name["products"]["texttemplate"] == "%{z:.3~f}"
    own = plan_layout(trace, Sizes.of(False, 906), width_px=906, height=440, equation_lines_count=2,
                      caption_lines=1, controls=False)
    assert own.k_cell > 1.5 * own.in_cell  # the kernel's cells as large as they fit: twice the input's
    in_cell, k_cell = _cell_px(fig, by_name["input"], 906), _cell_px(fig, by_name["kernel"], 906)
    assert in_cell > 1.2 * own.in_cell and k_cell >= in_cell - 1


@pytest.mark.parametrize("width_px", [906, 1260, 1760])
def test_smaller_kernel_cells_keep_every_decimal_the_kernel_and_products_had(width_px):
    """The kernel's cells come down towards the input's only as far as their numbers keep their decimals (a kernel
    of 3-decimal weights once lost one: "0.7" beside a sum saying 0.702)."""
    from visualizer.figures.toolkit import fit_values

    weights = np.array([0.702, -0.079, 0.26, 0.193, -0.119, 0.363, -1.746, 0.779, 1.249]).reshape(3, 3, 1)
    for trace, height in itertools.product(
            (trace_convolution(founding_image(), weights, 0.3, padding=1),
             trace_convolution(founding_image(3), np.concatenate([weights] * 3, axis=2), padding=1)), (440, 600)):
        fig = sliding_figure(trace, controls=False, width_px=width_px, height=height)
        lines = max(f["layout"]["annotations"][k]["text"].count("<br>") + 1 for f in fig["frames"] for k in (0, 1))
        own = plan_layout(trace, Sizes.of(False, width_px), width_px=width_px, height=height,
                          equation_lines_count=lines, caption_lines=1, controls=False)
        for d in _value_heatmaps(fig):
            if d["name"].startswith(("kernel", "products")):
                values = trace.kernel if d["name"].startswith("kernel") else trace.products
                had = fit_values(values, own.k_cell, digits=3, max_font=99)[0]  # at the kernel's own cell size
                assert d["texttemplate"] == f"%{{z:.{had}~f}}", (width_px, d["name"], d["texttemplate"])


def test_grids_too_fine_for_numbers_show_colour_alone(big):
    fig = sliding_figure(big, show_values=True, controls=False, max_frames=10)
    names = {d["name"] for d in _value_heatmaps(fig)}
    assert "input" not in names and "output" not in names  # 66x66 cells cannot hold a number
    assert {"kernel", "products"} <= names


def test_max_frames_allows_a_frame_per_step(big):
    fig = sliding_figure(big, max_frames=4900, controls=False)
    assert _frame_steps(fig) == list(range(big.steps))


@pytest.mark.parametrize("width_px", [390, 1366, 1920])
def test_static_maps_write_numbers_only_where_they_fit(width_px):
    rng = np.random.default_rng(5)
    figures = [
        tensor_figure(rng.normal(size=(3, 3, 10)) * 0.3, title="stage 3", width_px=width_px),  # the network's stage 3
        tensor_figure(rng.normal(size=(1, 1, 6)), title="scores", width_px=width_px),
        tensor_figure(rng.normal(size=(12, 12, 6)), title="12x12x6", width_px=width_px),
        kernel_figure(rng.normal(size=(3, 3, 3)) / 7, width_px=width_px),
        image_figure(rng.random((6, 6)), width_px=width_px),
    ]
    for fig in figures:
        for d in _value_heatmaps(fig):
            digits = int(re.fullmatch(r"%\{z:\.(\d)~f\}", d["texttemplate"]).group(1))
            texts = [f"{v:.{digits}f}".rstrip("0").rstrip(".") for row in d["z"] for v in row]
            widest = max(sum(VERDANA_EM.get(ch, 0.636) for ch in text) for text in texts)
            assert d["textfont"]["size"] >= style.MIN_VALUE_FONT
            assert widest * d["textfont"]["size"] <= 0.9 * _cell_px(fig, d, width_px), (d["name"], texts)
    if width_px == 1920:  # a wide screen has room for the stage-3 numbers and the kernel's
        assert _value_heatmaps(figures[0]) and _value_heatmaps(figures[3])


# ------------------------------------------------------------------------------------------------ exports
def test_feature_sheet_is_a_png_with_titles_and_a_colour_scale():
    from visualizer.figures import feature_sheet_png
    from visualizer.figures.raster import colorize

    maps = np.random.default_rng(4).normal(size=(6, 8, 5))
    maps[0, 0, 2] = 5.0
    maps[1, 1, 3] = -5.0  # the scale runs from -5 to 5
    titles = [f"map {i}" for i in range(5)]
    sheet = np.asarray(Image.open(io.BytesIO(feature_sheet_png(maps, titles, title="five maps"))).convert("RGB"))
    colours = {tuple(int(v) for v in px) for px in sheet.reshape(-1, 3)}
    ends = colorize(np.array([[-5.0, 5.0]]), limit=5.0)[0]
    assert tuple(ends[0]) in colours and tuple(ends[1]) in colours  # the bar holds both ends of the scale
    for i in range(5):  # every map's exact colours are on the sheet
        assert {tuple(int(v) for v in px) for px in colorize(maps[:, :, i], limit=5.0).reshape(-1, 3)} <= colours
    other = np.asarray(Image.open(io.BytesIO(feature_sheet_png(maps, [t.upper() for t in titles], title="five maps"))))
    assert other.shape == sheet.shape and not np.array_equal(other[..., :3], sheet)  # titles are drawn
    with pytest.raises(ValueError, match="5 maps need 5 titles"):
        feature_sheet_png(maps, titles[:4], title="x")


def test_standalone_html_inlines_plotly_and_refers_to_no_other_host(founding):
    from visualizer.figures import standalone_html

    page = standalone_html(sliding_figure(founding), title="<script>alert(1)</script>")
    assert page.startswith("<!DOCTYPE html>") and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert len(page) > 3_000_000  # plotly.js itself is in the page
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)  # nothing fetched by the page's own tags


# ------------------------------------------------------------------------------------------------ toolkit
def test_text_width_estimate_covers_a_wide_real_font():
    """``text_em`` may overestimate, never underestimate: checked against DejaVu Sans (Verdana's metrics)."""
    from PIL import ImageFont

    from visualizer.figures.toolkit import text_em

    font = ImageFont.truetype("DejaVuSans.ttf", 100)
    for text in ["0.016", "-0.125", "−0.125", "(−1)", "1234.5", "1 × (−1) + 0 × 0", "out(0, 0) = 4", "window × kernel"]:
        assert text_em(text) * 100 >= font.getlength(text) * 0.97, text


def test_fit_values_gives_fewer_decimals_then_nothing_as_cells_shrink():
    from PIL import ImageFont

    from visualizer.figures.toolkit import fit_values

    values = np.array([0.016, -0.125, 1.5])
    digits, font = fit_values(values, 80, digits=3, max_font=24)
    real = ImageFont.truetype("DejaVuSans.ttf", font)
    assert digits == 3 and 14 <= font < 24 and real.getlength("-0.125") <= 0.85 * 80  # widest text fits
    digits, font = fit_values(values, 45, digits=3, max_font=24, min_font=11)
    assert digits == 2 and font >= 11
    assert fit_values(values, 20, digits=3, max_font=24, min_font=11) is None
    assert fit_values(np.array([1.0, 0.0]), 200, digits=3, max_font=24) == (3, 24)  # capped by max_font
