"""The network view: its figures (stage row, channel mixing, dense layer) and the page driven through AppTest."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from visualizer import LayerSpec, StackError, conv2d, dense_equivalent, founding_image, founding_specs, learn, run_stack
from visualizer.figures.network import (
    MAX_MIX_FRAMES,
    ROW_UNITS,
    channel_mixing_figure,
    dense_figure,
    mixing_pixels,
    stage_row_figure,
    stage_rows,
)
from visualizer.filters import random_filters
from visualizer.layers import STACK_KINDS
from visualizer.network import MAX_FILTERS, MAX_LAYERS, plan_shapes
from visualizer.ui.common import INPUT_IMAGE, INPUT_NAME
from visualizer.ui.network_inspect import VIEWS
from visualizer.ui.network_page import classifier_input
from visualizer.ui.network_stack import FORMS, MAX_NETWORK_VALUES, MAX_STAGE_SIDE, check_stack, refusal_message

FOUNDING_SHAPES = ["[5 x 5 x 1]", "[3 x 3 x 15]", "[3 x 3 x 15]", "[3 x 3 x 10]", "[1 x 1 x 6]"]
FOUNDING_LABELS = ["15 x [3x3x1]", "ReLU", "10 x [1x1x15]", "6 x [3x3x10]"]
TIMEOUT = 60
APP_SCRIPT = Path(__file__).resolve().parents[1] / "streamlit_app.py"


def _texts(fig: dict) -> list[str]:
    return [a.get("text", "").replace("<b>", "").replace("</b>", "") for a in fig["layout"].get("annotations", [])]


# ------------------------------------------------------------------------------------------- figures


def _founding_row(selected: int = 1) -> dict:
    stages = run_stack(founding_image(), founding_specs())
    kinds = ["input"] + [s.layer.spec.kind for s in stages[1:]]
    return stage_row_figure([s.shape for s in stages], [s.label for s in stages[1:]], kinds, selected=selected,
                            input_image=stages[0].tensor[:, :, 0])


def test_stage_row_shows_every_shape_and_every_layer_of_the_founding_chain() -> None:
    texts = _texts(_founding_row())
    for label in FOUNDING_SHAPES + FOUNDING_LABELS:
        assert label in texts


def test_stage_row_has_one_click_target_per_stage_carrying_its_index() -> None:
    fig = _founding_row()
    clicks = [t for t in fig["data"] if t["type"] == "scatter"]
    assert len(clicks) == 1
    assert clicks[0]["customdata"] == [0, 1, 2, 3, 4]
    go.Figure(fig)  # valid for Plotly, as st.plotly_chart checks it


def test_stage_row_paints_the_founding_image_on_the_input_box() -> None:
    images = _founding_row()["layout"]["images"]
    assert len(images) == 1
    png = base64.b64decode(images[0]["source"].removeprefix("data:image/png;base64,"))
    painted = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)
    scale = painted.shape[0] // 5
    np.testing.assert_array_equal(painted[::scale, ::scale] / 255, founding_image()[:, :, 0])


def test_stage_row_refuses_labels_that_do_not_match_the_stages() -> None:
    with pytest.raises(ValueError, match="3 stages need 2 layer labels"):
        stage_row_figure([(5, 5, 1), (3, 3, 2), (1, 1, 2)], ["a"], ["input", "conv", "conv"])


def test_a_long_stack_wraps_onto_rows_that_keep_every_stage_clickable() -> None:
    shapes = [(32, 32, 3)] + [(32 - 2 * i, 32 - 2 * i, 8) for i in range(1, 13)]
    fig = stage_row_figure(shapes, [f"8 x [3x3x{c}], padding 1" for c in [3] + [8] * 11], ["input"] + ["conv"] * 12)
    clicks = fig["data"][0]
    assert clicks["customdata"] == list(range(13))
    assert sorted(set(clicks["y"]), reverse=True) == [0.0, -ROW_UNITS, -2 * ROW_UNITS]  # three rows
    assert stage_rows(13) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12]]
    assert stage_rows(5) == [[0, 1, 2, 3, 4]]
    assert "8 x [3x3x3]<br>padding 1" in [a["text"].replace("<b>", "").replace("</b>", "")
                                          for a in fig["layout"]["annotations"]]


def _mixing_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stages = run_stack(founding_image(), founding_specs())
    layer = stages[3].layer
    return stages[2].tensor, layer.filters, np.linspace(-0.5, 0.5, 10)


def test_channel_mixing_has_one_frame_per_pixel_and_filter() -> None:
    x, filters, bias = _mixing_case()
    fig = channel_mixing_figure(x, filters, bias)
    go.Figure(fig)
    assert len(fig["frames"]) == 3 * 3 * 10
    assert len(fig["layout"]["sliders"][0]["steps"]) == 90


def test_channel_mixing_frames_show_the_convolution_values() -> None:
    x, filters, bias = _mixing_case()
    expected = conv2d(x, filters, bias)
    fig = channel_mixing_figure(x, filters, bias)
    rng = np.random.default_rng(0)
    for f in rng.choice(90, size=12, replace=False):
        p, n = divmod(int(f), 10)
        y, xx = divmod(p, 3)
        frame = fig["frames"][f]
        assert frame["traces"] == [1, 3, 4]
        out_column = frame["data"][2]["z"]
        assert out_column[n][0] == pytest.approx(expected[y, xx, n], abs=1e-9)
        assert all(out_column[k] == [None] for k in range(n + 1, 10))  # later filters not computed yet
        products = np.array(frame["data"][1]["z"][0])
        np.testing.assert_allclose(products, x[y, xx] * filters[n, 0, 0], atol=1e-12)
        np.testing.assert_allclose(products.sum() + bias[n], expected[y, xx, n], atol=1e-9)


def test_mixing_pixels_stay_within_the_frame_budget() -> None:
    pixels = mixing_pixels(32, 32, 10)
    assert len(pixels) * 10 <= MAX_MIX_FRAMES
    assert pixels[0] == (0, 0) and pixels[1] == (0, 1)
    assert mixing_pixels(32, 32, 10, start=1023) == [(31, 31)]
    assert mixing_pixels(3, 3, 10) == [(y, x) for y in range(3) for x in range(3)]
    assert len(mixing_pixels(2, 2, 1000)) == 1  # always at least one pixel


def test_dense_figure_puts_both_results_side_by_side() -> None:
    stages = run_stack(founding_image(), founding_specs())
    x, layer = stages[3].tensor, stages[4].layer
    dense = dense_equivalent(x, layer.filters, layer.bias)
    conv = stages[4].tensor[0, 0]
    fig = dense_figure(x, layer.filters, layer.bias, conv, dense)
    go.Figure(fig)
    strip, matrix, by_matrix, by_conv = fig["data"]
    assert len(strip["z"][0]) == 90
    assert np.array(matrix["z"]).shape == (6, 90)
    np.testing.assert_allclose(np.array(matrix["z"]), layer.filters.reshape(6, 90))
    np.testing.assert_allclose([r[0] for r in by_matrix["z"]], dense)
    np.testing.assert_allclose([r[0] for r in by_conv["z"]], conv)


# ------------------------------------------------------------------------------------------- the page


def _network_app() -> None:
    from visualizer.ui import network_page

    network_page.render()


def _app(weights: str = "trained") -> AppTest:
    at = AppTest.from_function(_network_app, default_timeout=TIMEOUT)
    at.session_state["net_weights"] = weights
    return at


def _row(at: AppTest) -> dict:
    """The stage-row figure (the first Plotly chart of the page)."""
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def _shapes(at: AppTest) -> list[str]:
    return [t for t in _texts(_row(at)) if t.startswith("[") and " x " in t]


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_page_renders_the_founding_chain_without_exception() -> None:
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "Network view"
    assert _shapes(at) == FOUNDING_SHAPES
    for label in FOUNDING_LABELS:
        assert label in _texts(_row(at))
    assert [d["kind"] for d in at.session_state["net_stack"]] == ["conv", "activation", "conv", "conv"]
    table = " ".join(m.value for m in at.markdown)
    assert "floor((5 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 3" in table
    assert "floor((3 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 1" in table


def test_the_page_opens_from_the_app_navigation() -> None:
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=TIMEOUT).run()
    pages = {info.get("url_pathname"): h for h, info in at._registered_pages.items()}
    assert "network" in pages
    at._page_hash = pages["network"]  # pages are callables, so switch_page (by file) cannot name them
    at.run()
    assert not at.exception
    assert at.title[0].value == "Network view"
    assert _shapes(at) == FOUNDING_SHAPES


def test_removing_the_last_layer_ends_the_chain_at_3x3x10() -> None:
    at = _app().run()
    at.selectbox(key="net_pick").set_value(3).run()
    at.button(key="net_remove").click().run()
    assert not at.exception
    assert _shapes(at) == FOUNDING_SHAPES[:4]
    assert len(at.session_state["net_stack"]) == 3


def _add(at: AppTest, kind: str, position: int, **values: object) -> AppTest:
    at.button_group(key="net_kind").set_value(kind).run()
    for key, value in values.items():
        at.get_by_key(key).set_value(value)  # type: ignore[union-attr]
    at.selectbox(key="net_position").set_value(position)
    at.button(key="net_add").click().run()
    return at


def test_adding_a_padded_convolution_first_adds_a_5x5x8_stage() -> None:
    at = _app().run()
    _add(at, "conv", 0, net_filters=8, net_kernel=3, net_padding=1)
    assert not at.exception
    assert _shapes(at) == ["[5 x 5 x 1]", "[5 x 5 x 8]", "[3 x 3 x 15]", "[3 x 3 x 15]", "[3 x 3 x 10]",
                           "[1 x 1 x 6]"]
    assert "15 x [3x3x8]" in _texts(_row(at))  # the next filters follow the new channel count
    assert "Added layer 1: 8 x [3x3x1], padding 1." in [s.value for s in at.success]


def test_adding_an_activation_keeps_the_shapes() -> None:
    at = _app().run()
    _add(at, "activation", 4, net_activation="sigmoid")
    assert _shapes(at) == FOUNDING_SHAPES + ["[1 x 1 x 6]"]
    assert "Sigmoid" in _texts(_row(at))


def test_an_impossible_stack_is_refused_with_the_stage_and_its_arithmetic() -> None:
    at = _app().run()
    before = list(at.session_state["net_stack"])
    _add(at, "pool", 3, net_pool_mode="max", net_pool_size=3)  # 3x3x10 -> 1x1x10, then a 3x3 kernel on 1x1
    assert not at.exception
    message = _errors(at)
    assert "Layer 5" in message
    assert "6 x [3x3x10]" in message
    assert "floor((1 + 2*0 - 1*(3-1) - 1) / 1) + 1 = -1" in message
    assert "not changed" in message
    assert at.session_state["net_stack"] == before
    assert _shapes(at) == FOUNDING_SHAPES


def test_a_refusal_writes_the_arithmetic_only_when_the_size_is_the_problem() -> None:
    too_big = [LayerSpec("conv", n_filters=2, kernel=5), LayerSpec("pool", pool_size=2)]
    with pytest.raises(StackError) as err:
        plan_shapes(too_big, (5, 7, 1))
    message = refusal_message(err.value, too_big, (5, 7, 1))
    assert message.startswith("Layer 2: max pool 2x2")
    assert "height `floor((1 + 2*0 - 1*(2-1) - 1) / 2) + 1 = 0`" in message
    assert "width" not in message.split("Output size")[1]  # 3 wide fits a 2x2 window
    odd = [LayerSpec("conv", n_filters=2, kernel=9)]
    with pytest.raises(StackError) as err:
        plan_shapes(odd, (12, 12, 1))
    assert "Output size" not in refusal_message(err.value, odd, (12, 12, 1))  # 9 > 7 is not about size


def test_stages_too_large_to_show_are_refused() -> None:
    growing = [LayerSpec("conv", n_filters=2, kernel=1, padding=3) for _ in range(6)]  # 32 + 6 * 6 = 68 a side
    with pytest.raises(StackError, match="Layer 6: its output would be 68x68, larger than the 64"):
        check_stack(growing, (32, 32, 1))
    wide = [LayerSpec("conv", n_filters=MAX_FILTERS, kernel=1) for _ in range(MAX_LAYERS)]
    with pytest.raises(StackError, match="Layer 7: .* would hold 1,039,104 numbers, more than the 1,000,000"):
        check_stack(wide, (48, 48, 3))
    check_stack(founding_specs(), (32, 32, 3))


def test_the_largest_run_the_page_allows_stays_under_8_megabytes() -> None:
    side = MAX_STAGE_SIDE
    per_value = np.dtype(np.float64).itemsize
    assert MAX_NETWORK_VALUES * per_value <= 8e6
    assert side * side * MAX_FILTERS * per_value <= 8e6


def test_a_pooling_window_larger_than_its_input_is_refused() -> None:
    at = _app().run()
    _add(at, "pool", 4, net_pool_mode="avg", net_pool_size=2)  # after 1x1x6
    assert "Layer 5" in _errors(at)
    assert _shapes(at) == FOUNDING_SHAPES


def test_moving_relu_first_keeps_the_input_shape_for_it() -> None:
    at = _app().run()
    at.selectbox(key="net_pick").set_value(1).run()
    at.button(key="net_up").click().run()
    kinds = [d["kind"] for d in at.session_state["net_stack"]]
    assert kinds == ["activation", "conv", "conv", "conv"]
    assert _shapes(at) == ["[5 x 5 x 1]", "[5 x 5 x 1]", "[3 x 3 x 15]", "[3 x 3 x 10]", "[1 x 1 x 6]"]


def test_a_move_that_breaks_the_stack_is_refused() -> None:
    at = _app()
    stack = [LayerSpec("conv", n_filters=2, kernel=3, padding=2), LayerSpec("conv", n_filters=4, kernel=7)]
    stack = [s.to_dict() for s in stack]
    at.session_state["net_stack"] = stack
    at.run()
    assert _shapes(at) == ["[5 x 5 x 1]", "[7 x 7 x 2]", "[1 x 1 x 4]"]
    at.selectbox(key="net_pick").set_value(1).run()
    at.button(key="net_up").click().run()  # the 7x7 filters would meet the 5x5 input
    message = _errors(at)
    assert "Layer 1" in message and "4 x [7x7x1]" in message
    assert "floor((5 + 2*0 - 1*(7-1) - 1) / 1) + 1 = -1" in message
    assert at.session_state["net_stack"] == stack
    assert _shapes(at) == ["[5 x 5 x 1]", "[7 x 7 x 2]", "[1 x 1 x 4]"]


def test_reset_restores_the_founding_chain() -> None:
    at = _app().run()
    at.selectbox(key="net_pick").set_value(0).run()
    at.button(key="net_remove").click().run()
    at.selectbox(key="net_pick").set_value(0).run()
    at.button(key="net_remove").click().run()
    assert len(at.session_state["net_stack"]) == 2
    at.button(key="net_reset").click().run()
    assert _shapes(at) == FOUNDING_SHAPES


def test_the_full_size_stage_states_the_dense_equality_it_computed() -> None:
    at = _app()
    at.session_state["net_stage"] = 4
    at.run()
    assert not at.exception
    success = " ".join(s.value for s in at.success)
    assert "Equal" in success and "6 numbers" in success
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    dense = [c for c in charts if any("flatten(x)" in t for t in _texts(c))]
    assert len(dense) == 1


def test_the_1x1_stage_shows_the_channel_mixing_animation() -> None:
    at = _app()
    at.session_state["net_stage"] = 3
    at.run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    mixing = [c for c in charts if any("one row each" in t for t in _texts(c))]
    assert len(mixing) == 1
    assert len(mixing[0]["frames"]) == 90


def test_a_convolution_stage_shows_the_sliding_animation_of_the_chosen_filter() -> None:
    at = _app().run()  # stage 1 is inspected first
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    animated = [c for c in charts if c.get("frames")]
    assert len(animated) == 1
    assert len(animated[0]["frames"]) == 9  # 3x3 positions of a 3x3 filter on 5x5
    at.selectbox(key="net_filter").set_value(14).run()
    assert not at.exception
    kernel = learn.load_trained("shapes").params[0]["filters"][14, :, :, 0]
    animated = [c for c in (json.loads(c.proto.spec) for c in at.get("plotly_chart")) if c.get("frames")][0]
    grids = [np.array(t["z"], dtype=float) for t in animated["data"] if t.get("type") == "heatmap"]
    assert any(g.shape == kernel.shape and np.allclose(g, kernel) for g in grids)
    # index 14 is the 15th filter: people read filters counted from 1, as in the studio ("n = 14" names the index)
    assert "Filter 15 " in " ".join(c.value for c in at.caption) and "n = 14" in " ".join(c.value for c in at.caption)
    assert at.selectbox(key="net_filter").format_func(14) == "filter 15 of 15 (n = 14)"


def test_the_sliding_animation_carries_a_click_target_on_every_output_cell() -> None:
    """``st.plotly_chart`` reports clicks on scatter points only: the network view's animation keeps the invisible
    markers, each carrying its step as ``[step, step + 1]``, and a click on one moves the step slider there."""
    from visualizer.ui.common import clicked_customdata

    at = _app().run()
    animated = [c for c in (json.loads(c.proto.spec) for c in at.get("plotly_chart")) if c.get("frames")][0]
    markers = animated["data"][-1]
    assert markers["type"] == "scatter" and markers["mode"] == "markers" and markers["marker"]["opacity"] == 0
    assert markers["customdata"] == [[s, s + 1] for s in range(9)]
    assert "%{customdata[1]}" in markers["hovertemplate"]
    point = {"customdata": markers["customdata"][7], "x": markers["x"][7], "y": markers["y"][7]}
    assert clicked_customdata({"selection": {"points": [point]}}) == 7


def test_the_relu_stage_says_what_relu_is() -> None:
    at = _app()
    at.session_state["net_stage"] = 2
    at.run()
    text = " ".join(m.value for m in at.markdown)
    assert "max(0, x)" in text
    assert "binary step" in text


def test_an_image_from_the_studio_is_shrunk_to_32_pixels_and_sent_through() -> None:
    at = _app("random")
    at.session_state[INPUT_IMAGE] = np.random.default_rng(1).uniform(size=(48, 40, 3))
    at.session_state[INPUT_NAME] = "upload: cat.png"
    at.run()
    at.radio(key="net_source").set_value("studio").run()
    assert not at.exception
    assert _shapes(at)[:2] == ["[32 x 27 x 3]", "[30 x 25 x 15]"]
    info = " ".join(i.value for i in at.info)
    assert "48x40" in info and "32x27" in info and "32 pixels" in info
    assert "15 x [3x3x3]" in _texts(_row(at))


def test_without_a_studio_image_the_founding_example_goes_through() -> None:
    at = _app().run()
    at.radio(key="net_source").set_value("studio").run()
    assert not at.exception
    assert "no image yet" in " ".join(i.value for i in at.info)
    assert _shapes(at) == FOUNDING_SHAPES


def test_every_stage_of_a_mixed_stack_on_a_studio_image_inspects_without_error() -> None:
    # 16x16 proves what 64x64 did (every kind, a full-size last layer, a 1x1 with more frames than fit) at a
    # fraction of the cost. The stack is not the founding chain, so it runs with random weights and says so.
    stack = [LayerSpec("conv", n_filters=4, kernel=3, padding=1, seed=1), LayerSpec("activation", activation="step"),
             LayerSpec("pool", pool_mode="max", pool_size=2), LayerSpec("conv", n_filters=8, kernel=1, seed=2),
             LayerSpec("pool", pool_mode="avg", pool_size=2), LayerSpec("conv", n_filters=3, kernel=4, seed=3)]
    at = _app()
    at.session_state[INPUT_IMAGE] = np.random.default_rng(2).uniform(size=(16, 16, 3))
    at.session_state["net_source"] = "studio"
    at.session_state["net_stack"] = [s.to_dict() for s in stack]
    at.run()
    assert _shapes(at) == ["[16 x 16 x 3]", "[16 x 16 x 4]", "[16 x 16 x 4]", "[8 x 8 x 4]", "[8 x 8 x 8]",
                           "[4 x 4 x 8]", "[1 x 1 x 3]"]
    assert "runs with seeded random weights" in " ".join(i.value for i in at.info)
    for stage in range(len(stack) + 1):
        at.button_group(key="net_stage").set_value(stage).run()
        assert not at.exception, f"stage {stage}"
        assert not at.error, f"stage {stage}: {_errors(at)}"
    # the last stage is a full-size 4x4x8 filter bank: the dense view checks itself
    assert "Equal" in " ".join(s.value for s in at.success)
    at.button_group(key="net_stage").set_value(2).run()
    assert "binary step" in " ".join(m.value for m in at.markdown)
    at.button_group(key="net_stage").set_value(4).run()  # a 1x1 on 8x8x4 to 8: 512 frames, more than fit
    at.slider(key="net_mix_start").set_value(40).run()
    assert not at.exception
    mixing = [c for c in (json.loads(c.proto.spec) for c in at.get("plotly_chart")) if c.get("frames")][0]
    assert mixing["frames"][0]["name"] == "(5,0) n=0"


# ------------------------------------------------------------------------------- trained weights


def _reference_scores(image: np.ndarray, params: list[dict]) -> np.ndarray:
    """The founding chain by plain loops (independent of conv2d and the layer kinds): the six scores."""
    def conv(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        n, k, _, c = w.shape
        h = x.shape[0] - k + 1
        out = np.zeros((h, h, n))
        for y in range(h):
            for xx in range(h):
                for f in range(n):
                    out[y, xx, f] = np.sum(x[y:y + k, xx:xx + k, :] * w[f]) + b[f]
        return out

    x = conv(image, params[0]["filters"], params[0]["bias"])
    x = np.where(x > 0, x, 0.0)
    x = conv(x, params[2]["filters"], params[2]["bias"])
    return conv(x, params[3]["filters"], params[3]["bias"])[0, 0]


def _probability_chart(at: AppTest) -> dict:
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bars = [c for c in charts if c["data"] and c["data"][0].get("type") == "bar"]
    assert len(bars) == 1
    return bars[0]


def test_the_founding_chain_runs_with_the_trained_weights_and_names_its_six_classes() -> None:
    at = _app().run()
    assert not at.exception
    model = learn.load_trained("shapes")
    scores = _reference_scores(founding_image(), model.params)
    probs = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    bars = _probability_chart(at)["data"][0]
    np.testing.assert_allclose(np.array(bars["x"]) / 100, probs, atol=1e-9)
    assert bars["customdata"] == [n.replace(">", "&gt;") for n in model.class_names]
    best = model.class_names[int(np.argmax(probs))]
    said = " ".join(m.value for m in at.markdown if "The network says" in m.value)
    assert f"**\\{best}**" in said or f"**{best}**" in said
    assert best == ">"  # the founding image is one of the ">" glyphs the chain was trained on


def test_random_weights_are_one_click_away() -> None:
    at = _app().run()
    at.radio(key="net_weights").set_value("random").run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    animated = [c for c in charts if c.get("frames")][0]
    kernel = random_filters(15, 3, 3, 1, seed=1)[0, :, :, 0]
    grids = [np.array(t["z"], dtype=float) for t in animated["data"] if t.get("type") == "heatmap"]
    assert any(g.shape == kernel.shape and np.allclose(g, kernel) for g in grids)
    assert _probability_chart(at)["data"][0]["customdata"] == [f"ch {i}" for i in range(6)]
    assert "mean nothing" in " ".join(c.value for c in at.caption)


def test_a_drawing_on_the_pixel_grid_is_classified() -> None:
    at = _app()
    at.session_state["net_source"] = "grid"
    bar = np.zeros((5, 5))
    bar[:, 2] = 1.0
    at.session_state["net_grid"] = bar
    at.run()
    assert not at.exception
    assert "**\\|**" in " ".join(m.value for m in at.markdown if "The network says" in m.value)
    row = _row(at)
    assert _shapes(at) == FOUNDING_SHAPES
    assert row["layout"]["images"]  # the drawing painted on the input box


def test_the_studio_image_is_made_5x5_grayscale_for_the_trained_chain() -> None:
    image = np.zeros((40, 24, 3))
    image[:, 8:16, :] = 1.0  # a white vertical bar on black: the middle third of a tall picture
    small = classifier_input(image)  # 40x24 shrinks to 5x3, centred on black in 5x5
    expected = np.zeros((5, 5))
    expected[:, 2] = 1.0
    np.testing.assert_allclose(small[:, :, 0], expected, atol=1e-6)
    at = _app()
    at.session_state[INPUT_IMAGE] = image
    at.session_state["net_source"] = "studio"
    at.run()
    assert not at.exception
    assert _shapes(at) == FOUNDING_SHAPES
    assert "shrunk to fit 5x5" in " ".join(i.value for i in at.info)


def test_an_edited_stack_runs_with_random_weights_and_says_why() -> None:
    at = _app().run()
    at.selectbox(key="net_pick").set_value(3).run()
    at.button(key="net_remove").click().run()
    assert not at.exception
    assert "seeded random weights" in " ".join(i.value for i in at.info)
    assert not [c for c in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if c["data"] and c["data"][0].get("type") == "bar"]  # no class scores: the chain ends at 3x3x10


def test_every_layer_kind_has_an_inspector_view_and_an_editor_form() -> None:
    assert set(VIEWS) == set(STACK_KINDS) == set(FORMS)
