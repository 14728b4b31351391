"""The Learn page: its figures, the canvas-to-digit conversion, the first layer's gradient, and the page driven
through AppTest (train, stop, draw and predict, teach it yourself, the gradient view)."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from visualizer import learn
from visualizer.figures.learn import (
    confusion_figure,
    curves_figure,
    filter_grid_figure,
    image_grid_figure,
    probability_figure,
)
from visualizer.ui.learn_draw import canvas_to_digit
from visualizer.ui.learn_gradient import first_layer_gradient

TIMEOUT = 60
HOSTILE = "<b>**bold**</b> [x](http://e.com) $x$ :red[r] & more text here"


# --------------------------------------------------------------------------------------------- figures


def test_curves_grow_into_a_fixed_frame_of_all_epochs() -> None:
    fig = curves_figure([1, 2, 3], [1.5, 0.9, 0.4], [0.5, 0.7, 0.9], [0.4, 0.65, 0.85], total_epochs=30)
    go.Figure(fig)
    loss, train, test = fig["data"]
    assert loss["y"] == [1.5, 0.9, 0.4]
    assert train["y"] == pytest.approx([50, 70, 90]) and test["y"] == pytest.approx([40, 65, 85])
    assert fig["layout"]["xaxis"]["range"] == [-0.5, 30.5] == fig["layout"]["xaxis2"]["range"]
    assert fig["layout"]["yaxis2"]["range"] == [0.0, 101.0]
    no_test = curves_figure([1], [1.0], [0.5], [0.5], total_epochs=5, test_name=None)
    assert len(no_test["data"]) == 2


def test_an_infinite_loss_is_a_gap_in_the_curve_not_invalid_json() -> None:
    fig = curves_figure([0, 1, 2], [1.8, float("inf"), float("nan")], [0.2, 0.1, 0.1], [0.2, 0.1, 0.1], total_epochs=3)
    assert fig["data"][0]["y"] == [1.8, None, None]
    json.loads(json.dumps(fig, allow_nan=False))


def test_curves_refuse_a_missing_value() -> None:
    with pytest.raises(ValueError, match="one loss and two accuracies per epoch"):
        curves_figure([1, 2], [1.0], [0.5, 0.6], [0.5, 0.6], total_epochs=5)


def test_filter_grid_draws_every_filter_on_one_scale_centred_at_zero() -> None:
    bank = np.random.default_rng(0).normal(size=(15, 3, 3, 1))
    fig = filter_grid_figure(bank, title="after epoch 3")
    go.Figure(fig)
    heat = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert len(heat) == 15
    for i, trace in enumerate(heat):
        np.testing.assert_allclose(trace["z"], bank[i, :, :, 0], atol=1e-9)
        assert trace["zmax"] == pytest.approx(np.abs(bank).max()) and trace["zmin"] == -trace["zmax"]


def test_confusion_matrix_writes_every_count_rows_true_columns_predicted() -> None:
    m = np.array([[5, 1, 0], [0, 7, 2], [3, 0, 4]])
    fig = confusion_figure(m, ["X", "O", "+"])
    go.Figure(fig)
    trace = fig["data"][0]
    assert trace["text"] == [["5", "1", "0"], ["0", "7", "2"], ["3", "0", "4"]]
    assert trace["customdata"][2][0] == ["+", "X"]  # row 2 is the true class +, column 0 the prediction X
    assert fig["layout"]["yaxis"]["title"]["text"] == "true class"
    with pytest.raises(ValueError, match="2 classes is 2x2"):
        confusion_figure(m, ["X", "O"])


def test_typed_class_names_reach_plotly_escaped_and_cut() -> None:
    names = [HOSTILE, "ok"]
    for fig in (confusion_figure(np.eye(2, dtype=int), names), probability_figure(np.array([0.3, 0.7]), names)):
        text = json.dumps(fig)
        assert "<b>" not in text and "&lt;b&gt;" in text
    ticks = probability_figure(np.array([0.3, 0.7]), names)["layout"]["yaxis"]["ticktext"]
    assert len(ticks[0].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")) <= 24
    grid = image_grid_figure(np.zeros((1, 5, 5)), [HOSTILE])
    assert "<b>" not in json.dumps(grid)


def test_probability_bars_are_percentages_with_the_most_likely_darker() -> None:
    p = np.array([0.1, 0.6, 0.3])
    fig = probability_figure(p, ["a", "b", "c"], scores=np.array([-1.0, 0.79, 0.1]))
    go.Figure(fig)
    bar = fig["data"][0]
    assert bar["x"] == pytest.approx([10, 60, 30])
    colours = bar["marker"]["color"]
    assert colours[1] != colours[0] == colours[2]
    assert bar["text"][1] == "60.0%  (score 0.79)"


def test_image_grid_has_one_titled_panel_per_image() -> None:
    images = np.random.default_rng(1).uniform(size=(7, 8, 8, 1))
    fig = image_grid_figure(images, [f"true {i}\nsaid {i + 1}" for i in range(7)], cols=6)
    go.Figure(fig)
    assert len(fig["data"]) == 7
    assert "true 6<br>said 7" in [a["text"] for a in fig["layout"]["annotations"]]
    np.testing.assert_allclose(fig["data"][3]["z"], images[3, :, :, 0], atol=1e-9)


# ------------------------------------------------------------------------------------- canvas to digit


def _block_counts_by_loops(bitmap: np.ndarray) -> np.ndarray:
    out = np.zeros((8, 8))
    for by in range(8):
        for bx in range(8):
            out[by, bx] = sum(bitmap[by * 4 + u, bx * 4 + v] for u in range(4) for v in range(4))
    return out


def test_a_32x32_drawing_is_counted_in_4x4_blocks_like_the_uci_digits() -> None:
    rng = np.random.default_rng(3)
    bitmap = rng.random((32, 32)) < 0.4
    bitmap[0, 0] = bitmap[31, 31] = True  # the strokes span the whole canvas: no cropping, no resizing
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)
    rgba[bitmap] = [255, 255, 255, 255]
    digit = canvas_to_digit(rgba)
    assert digit.shape == (8, 8, 1)
    np.testing.assert_allclose(digit[:, :, 0], _block_counts_by_loops(bitmap) / 16)


def test_a_small_off_centre_stroke_is_centred_and_fills_the_height() -> None:
    rgba = np.zeros((224, 224, 4), dtype=np.uint8)
    rgba[10:90, 150:166] = 255  # a short vertical bar near the top right corner
    digit = canvas_to_digit(rgba)[:, :, 0]
    assert digit[:, 3:5].min() > 0  # centred: the middle columns, top to bottom
    np.testing.assert_allclose(digit, digit[:, ::-1])  # symmetric left-right
    assert digit[:, :2].max() == 0 and digit[:, 6:].max() == 0


def test_an_empty_canvas_is_no_digit_and_a_bad_array_is_refused() -> None:
    assert canvas_to_digit(np.zeros((224, 224, 4), dtype=np.uint8)) is None
    transparent_white = np.full((50, 50, 4), 255, dtype=np.uint8)
    transparent_white[:, :, 3] = 0
    assert canvas_to_digit(transparent_white) is None  # nothing drawn: only the (transparent) layer
    with pytest.raises(ValueError, match="a drawing is"):
        canvas_to_digit(np.zeros((5, 5, 2)))


# ---------------------------------------------------------------------------------- first-layer gradient


def test_first_layer_gradient_matches_central_differences_of_the_loss() -> None:
    model = learn.load_trained("shapes")
    _, test = learn.load_dataset("shapes").split(0.2, 0)
    image, label = test.images[5], int(test.labels[5])
    _, grad_out, grad_filters = first_layer_gradient(model, image, label)
    assert grad_out.shape == (3, 3, 15) and grad_filters.shape == (15, 3, 3, 1)

    def loss(filters: np.ndarray) -> float:
        model.params[0]["filters"] = filters
        logits = model.forward(image[None])
        z = logits[0] - logits[0].max()
        return float(np.log(np.exp(z).sum()) - z[label])  # cross-entropy written out, not the engine's

    base = model.params[0]["filters"].copy()
    h = 1e-6
    for n, u, v in [(0, 0, 0), (3, 1, 2), (14, 2, 1), (7, 1, 1)]:
        plus, minus = base.copy(), base.copy()
        plus[n, u, v, 0] += h
        minus[n, u, v, 0] -= h
        numeric = (loss(plus) - loss(minus)) / (2 * h)
        assert grad_filters[n, u, v, 0] == pytest.approx(numeric, abs=1e-7)
    model.params[0]["filters"] = base


# ------------------------------------------------------------------------------------------- the page


def _learn_app() -> None:
    from visualizer.ui import learn_page

    learn_page.render()


def _app(**state: object) -> AppTest:
    at = AppTest.from_function(_learn_app, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _texts(at: AppTest, kind: str) -> str:
    return " ".join(str(e.value) for e in getattr(at, kind))


def _bar_chart(at: AppTest) -> dict:
    bars = [c for c in _charts(at) if c["data"] and c["data"][0].get("type") == "bar"]
    assert len(bars) == 1
    return bars[0]


def test_the_learn_page_is_in_the_app_navigation_without_an_icon() -> None:
    from pathlib import Path

    app = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "streamlit_app.py"), default_timeout=TIMEOUT)
    app.run()
    pages = {info.get("url_pathname"): (h, info) for h, info in app._registered_pages.items()}
    assert "learn" in pages
    page_hash, info = pages["learn"]
    assert not info.get("icon")  # a :material/ icon would fetch a web font from outside the app's host
    app._page_hash = page_hash
    app.run()
    assert not app.exception
    assert app.title[0].value == "Learn"


def test_the_page_opens_with_the_shipped_network_before_any_training() -> None:
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "Learn"
    assert "Press **Train**" in _texts(at, "info")
    assert at.session_state["learn_dataset"] == "shapes"


def test_training_draws_curves_filters_and_ends_with_a_confusion_matrix() -> None:
    at = _app(learn_slow=False)
    at.run()
    at.number_input(key="learn_epochs_shapes").set_value(3)
    at.button(key="learn_train").click().run()
    assert not at.exception
    assert "Trained for all 3 epochs" in _texts(at, "success")
    run = at.session_state["learn_run_shapes"]
    assert [r.epoch for r in run.history] == [0, 1, 2, 3] and run.status == "finished"
    start = run.history[0]  # the random starting weights: about chance, 1 in 6 right and a loss near log 6
    assert start.train_acc < 0.5 and start.loss > 1.0
    charts = _charts(at)
    curves = [c for c in charts if c["data"] and c["data"][0].get("name") == "loss"]
    assert curves and curves[-1]["data"][0]["y"] == pytest.approx([r.loss for r in run.history])
    filters = [c for c in charts if "first layer" in str(c["layout"].get("title", {}).get("text", ""))]
    heat = [t for t in filters[-1]["data"] if t["type"] == "heatmap"]
    np.testing.assert_allclose(heat[4]["z"], run.model.params[0]["filters"][4, :, :, 0], atol=1e-9)
    _, test = learn.load_dataset("shapes").split(0.2, 0)
    assert run.confusion.sum() == len(test.labels)
    assert np.trace(run.confusion) == int((run.model.predict(test.images) == test.labels).sum())
    confusion = [c for c in charts if c["layout"].get("yaxis", {}).get("title", {}).get("text") == "true class"]
    assert len(confusion) == 1


def _stop_after_two_epochs_app() -> None:
    """The page, with the Stop button's callback called during epoch 2 (AppTest cannot click mid-run)."""
    from visualizer import learn as engine
    from visualizer.ui import learn_page, learn_train

    real = engine.train

    def train(*args, on_epoch=None, **kwargs):
        def wrapped(report, model):
            if report.epoch == 2:
                learn_train._request_stop("shapes")
            return on_epoch(report, model)

        return real(*args, on_epoch=wrapped, **kwargs)

    engine.train = train
    try:
        learn_page.render()
    finally:
        engine.train = real


def test_a_stop_request_ends_training_after_the_current_epoch() -> None:
    at = AppTest.from_function(_stop_after_two_epochs_app, default_timeout=TIMEOUT)
    at.session_state["learn_slow"] = False
    at.run()
    at.number_input(key="learn_epochs_shapes").set_value(50)
    at.button(key="learn_train").click().run()
    assert not at.exception
    run = at.session_state["learn_run_shapes"]
    assert run.status == "stopped" and [r.epoch for r in run.history] == [0, 1, 2]
    assert "Stopped after 2 of 50 epochs" in _texts(at, "success")
    assert run.confusion is not None  # the stopped network is measured and shown


def test_a_busy_server_asks_to_try_again() -> None:
    from visualizer.ui import learn_common

    assert learn_common.TRAIN_SLOTS.acquire(timeout=5)
    old_wait = learn_common.TRAIN_WAIT_S
    learn_common.TRAIN_WAIT_S = 0.05
    try:
        at = _app(learn_slow=False).run()
        at.button(key="learn_train").click().run()
    finally:
        learn_common.TRAIN_WAIT_S = old_wait
        learn_common.TRAIN_SLOTS.release()
    assert not at.exception
    assert "Try again in a few seconds" in _texts(at, "warning")
    assert "learn_run_shapes" not in at.session_state


def test_a_shape_drawn_on_the_grid_is_predicted_with_every_stage() -> None:
    bar = np.zeros((5, 5))
    bar[:, 2] = 1.0
    at = _app(learn_draw_shapes=bar).run()
    assert not at.exception
    assert "|" in _texts(at, "text")
    probs = np.array(_bar_chart(at)["data"][0]["x"]) / 100
    expected = learn.load_trained("shapes").predict_proba(bar[:, :, None])[0]
    np.testing.assert_allclose(probs, expected, atol=1e-9)
    tensors = [c for c in _charts(at) if str(c["layout"].get("title", {}).get("text", "")).startswith("stage")]
    assert len(tensors) == 4  # four layers after the input, each stage's tensor drawn
    assert len(at.tabs) >= 5


def test_a_held_out_digit_is_predicted() -> None:
    at = _app(learn_dataset="digits", learn_source_digits="held-out").run()
    at.number_input(key="learn_draw_digits_index").set_value(7).run()
    assert not at.exception
    _, test = learn.load_dataset("digits").split(0.2, 0)
    expected = learn.load_trained("digits").predict_proba(test.images[7])[0]
    np.testing.assert_allclose(np.array(_bar_chart(at)["data"][0]["x"]) / 100, expected, atol=1e-9)
    assert f"Its true class: {test.class_names[test.labels[7]]}" in _texts(at, "caption")


def _draw_and_add(at: AppTest, picture: np.ndarray, target: int) -> None:
    at.session_state["learn_own_draw"] = picture
    at.selectbox(key="learn_own_class").set_value(target)
    at.button(key="learn_own_add").click().run()


def test_teach_it_yourself_trains_on_drawn_examples_and_keeps_labels_plain() -> None:
    at = _app(learn_section="own").run()
    at.number_input(key="learn_own_k").set_value(2).run()
    at.text_input(key="learn_own_label_0").set_value(HOSTILE).run()
    at.text_input(key="learn_own_label_1").set_value("bar").run()
    rng = np.random.default_rng(0)
    for i in range(4):
        cross = np.eye(5) + np.eye(5)[::-1] > 0
        bar = np.zeros((5, 5))
        bar[:, i % 5] = 1
        _draw_and_add(at, np.where(rng.random((5, 5)) < 0.05, 1 - cross, cross).astype(float), 0)
        _draw_and_add(at, bar, 1)
    assert not at.exception
    assert len(at.session_state["learn_own"].examples) == 8
    at.button(key="learn_own_train").click().run()
    assert not at.exception
    data = at.session_state["learn_own"]
    assert data.model is not None and data.model.class_names[1] == "bar"
    assert len(data.model.class_names[0]) <= 24
    test = np.zeros((5, 5))
    test[:, 3] = 1
    at.session_state["learn_own_test"] = test
    at.run()
    assert "bar" in _texts(at, "text")
    for kind in ("markdown", "caption", "success", "info", "warning", "subheader"):
        assert "**bold**" not in _texts(at, kind) and "<b>" not in _texts(at, kind)
    assert "&lt;b&gt;" in json.dumps(_bar_chart(at))


def test_a_drawing_is_shifted_to_every_place_it_fits() -> None:
    from visualizer.ui.learn_own import shifted_copies

    dot = np.zeros((5, 5))
    dot[2, 3] = 1
    copies = shifted_copies(dot)
    assert len(copies) == 25 and {tuple(np.argwhere(c)[0]) for c in copies} == {(y, x) for y in range(5)
                                                                                 for x in range(5)}
    row = np.zeros((5, 5))
    row[1, :] = 1
    assert sorted(int(np.argwhere(c)[0][0]) for c in shifted_copies(row)) == [0, 1, 2, 3, 4]  # only up and down
    corner = np.zeros((5, 5))
    corner[0, 0] = corner[1, 1] = 1
    copies = shifted_copies(corner)
    assert len(copies) == 16 and all(c.sum() == 2 for c in copies)  # the ink never wraps around an edge
    assert any(np.array_equal(c, corner) for c in copies)


def test_teach_it_yourself_asks_for_three_drawings_of_every_class() -> None:
    at = _app(learn_section="own").run()
    at.number_input(key="learn_own_k").set_value(2).run()
    at.text_input(key="learn_own_label_1").set_value("**bold**").run()
    _draw_and_add(at, np.eye(5), 0)
    at.button(key="learn_own_train").click().run()
    assert not at.exception
    assert "at least 3 drawings" in _texts(at, "warning")
    assert "\\*\\*bold\\*\\*: 0" in _texts(at, "warning")  # the typed label escaped in the Markdown message
    assert at.session_state["learn_own"].model is None


def test_teach_it_yourself_keeps_at_most_300_drawings_and_refuses_an_empty_one() -> None:
    from visualizer.ui.learn_own import OwnData

    full = OwnData(examples=[np.eye(5)] * 300, targets=[0] * 300)
    at = _app(learn_section="own", learn_own=full).run()
    _draw_and_add(at, np.eye(5), 1)
    assert len(at.session_state["learn_own"].examples) == 300
    assert "300 drawings" in _texts(at, "warning")
    at = _app(learn_section="own").run()
    _draw_and_add(at, np.zeros((5, 5)), 0)
    assert "empty" in _texts(at, "warning")
    assert not at.session_state["learn_own"].examples


def test_the_gradient_view_animates_and_checks_the_filter_gradient() -> None:
    at = _app(learn_section="gradient").run()
    at.selectbox(key="learn_grad_filter").set_value(9).run()
    assert not at.exception
    assert "Equal" in _texts(at, "success")
    model = learn.load_trained("shapes")
    _, test = learn.load_dataset("shapes").split(0.2, 0)
    _, grad_out, grad_filters = first_layer_gradient(model, test.images[0], int(test.labels[0]))
    animated = [c for c in _charts(at) if c.get("frames")]
    assert len(animated) == 1 and len(animated[0]["frames"]) == 9  # a 3x3 gradient slides over 5x5: 9 steps
    grids = [np.array(t["z"], dtype=float) for t in animated[0]["data"] if t.get("type") == "heatmap"]
    assert any(g.shape == (3, 3) and np.allclose(g, grad_out[:, :, 9]) for g in grids)
    kernels = [c for c in _charts(at) if not c.get("frames") and len(c["data"]) == 1
               and c["data"][0].get("type") == "heatmap"]
    assert any(np.allclose(np.array(k["data"][0]["z"], dtype=float), grad_filters[9, :, :, 0]) for k in kernels)


def test_stop_is_live_only_while_a_training_runs() -> None:
    # Issue 15: Stop looked active before any training. It is disabled until Train starts one, and after it ends.
    at = _app(learn_slow=False)
    at.run()
    assert at.button(key="learn_stop").disabled
    at.number_input(key="learn_epochs_shapes").set_value(2)
    at.button(key="learn_train").click().run()
    assert not at.exception and at.session_state["learn_run_shapes"].status == "finished"
    # The run that trained drew Stop live while it trained, then idle again once the training ended.
    assert at.button(key="learn_stop_idle").disabled
    assert "learn_stop" not in [b.key for b in at.button], "a live Stop stayed after the training ended"
    at.run()
    assert at.button(key="learn_stop").disabled
