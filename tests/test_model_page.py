"""The Your model page (visualizer/ui/model_page.py) in AppTest: the examples open and every stage inspects,
hostile files are a message while the model and the picture before stay, the sliding view's cell equals the
stage's value, labels come from the model or are typed (and shown as text), normalization presets."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx import helper  # noqa: E402
from onnx_builders import model  # noqa: E402

from visualizer import read_onnx  # noqa: E402
from visualizer.text import md_text  # noqa: E402
from visualizer.ui.model_page import EXAMPLES  # noqa: E402

TIMEOUT = 120


def page() -> None:
    from visualizer.ui import model_page

    model_page.render()


def upload_page() -> None:
    """The page, after feeding the files queued in session state through the upload path."""
    import streamlit as st

    from visualizer.ui import model_page

    for name, data in st.session_state.pop("queued_uploads", []):
        st.session_state.setdefault("upload_results", []).append(model_page.accept_model(name, data))
    model_page.render()


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def bar_labels(at: AppTest) -> list[str]:
    bars = [c for c in charts(at) if c["data"] and c["data"][0].get("type") == "bar"]
    assert len(bars) == 1
    return list(bars[0]["layout"]["yaxis"]["ticktext"])


@pytest.fixture(scope="module")
def app() -> AppTest:
    at = AppTest.from_function(page, default_timeout=TIMEOUT)
    at.run()
    return at


def test_the_first_example_opens_with_its_verdict_graph_and_first_convolution(app: AppTest) -> None:
    assert not app.exception and not app.error
    assert bar_labels(app)[0] == "circle"  # the shapes example picture's first shape is read as a circle
    graph = next(c for c in charts(app) if c["data"] and c["data"][0].get("customdata") == list(range(17)))
    assert len(graph["layout"]["shapes"]) > 17  # boxes, arrows and the two residual arcs
    assert app.session_state["model_stage"] == 1  # the first convolution is inspected
    assert "3,092 parameters" in app.caption[0].value and "339,072 multiply-adds" in app.caption[0].value


@pytest.mark.parametrize("example", list(EXAMPLES))
def test_every_stage_of_every_example_inspects_without_error(example: str) -> None:
    at = AppTest.from_function(page, default_timeout=TIMEOUT)
    at.run()
    at.selectbox(key="model_example").set_value(example).run()
    n = len(read_onnx((Path(__file__).resolve().parent.parent / "assets" / example).read_bytes()).stages)
    for i in range(n):
        at.selectbox(key="model_stage").set_value(i).run()
        assert not at.exception and not at.error, (example, i)
    assert len(bar_labels(at)) == min(5, int(re.search(r"of (\d+) classes", " ".join(c.value for c in at.caption))
                                             .group(1)))


def _caption_numbers(at: AppTest) -> tuple[float, float]:
    text = next(c.value for c in at.caption if "the model's stage holds" in c.value)
    made, held = re.search(r": (-?\d+\.?\d*), and the model.s stage holds (-?\d+\.?\d*)", text).groups()
    return float(made), float(held)


def test_the_sliding_cell_is_the_stage_value_for_any_channel_and_cell(app: AppTest) -> None:
    for stage, (n, y, x) in ((1, (5, 15, 3)), (3, (7, 0, 15)), (5, (2, 9, 9)), (13, (31, 7, 0))):
        app.selectbox(key="model_stage").set_value(stage).run()
        app.number_input(key="model_n").set_value(n).run()
        app.number_input(key="model_y").set_value(y).run()
        app.number_input(key="model_x").set_value(x).run()
        assert not app.exception
        made, held = _caption_numbers(app)
        assert made == held and f"makes out({y}, {x}) of channel {n}" in " ".join(c.value for c in app.caption)


def test_a_filter_of_many_channels_shows_one_channel_and_sums_them_all(app: AppTest) -> None:
    app.selectbox(key="model_stage").set_value(13).run()  # 32 x [1x1x32]
    assert app.number_input(key="model_channel") is not None
    assert any("channel sums, largest first" in m.value for m in app.markdown)


def test_hostile_files_then_a_good_one_keep_the_page_the_model_and_the_picture() -> None:
    at = AppTest.from_function(upload_page, default_timeout=TIMEOUT)
    at.run()
    at.selectbox(key="model_example_image").set_value("Landscape photo (256x256, colour)").run()
    before = bar_labels(at)
    good = model([helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("MatMul", ["f", "w"], ["y"])],
                 (1, 3, 4, 4), initializers={"w": np.eye(48, 3, dtype=np.float32)},
                 metadata={"labels": '["red", "green", "blue"]'})
    tricky = "**bold** ![x](http://e.com/a.png).onnx"
    hostile = [("noise.onnx", np.random.default_rng(0).bytes(3000)), (tricky, b"\x08\x07\x12\x00garbage")]
    at.session_state["queued_uploads"] = hostile
    at.run()
    assert not at.exception
    assert all(r and "Could not open" in r for r in at.session_state["upload_results"])
    assert f"**{md_text(tricky)}**" in at.error[0].value and "The model before it is still open" in at.error[0].value
    assert bar_labels(at) == before  # the same model, the same picture: the same verdict
    assert at.selectbox(key="model_example_image").value == "Landscape photo (256x256, colour)"
    at.session_state["queued_uploads"] = [("mine.onnx", good)]
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["upload_results"][-1] is None
    assert sorted(bar_labels(at)) == ["blue", "green", "red"]
    assert md_text("upload: mine.onnx") in at.caption[0].value
    assert at.selectbox(key="model_example_image").value == "Landscape photo (256x256, colour)"


def test_typed_labels_are_shown_as_text() -> None:
    at = AppTest.from_function(upload_page, default_timeout=TIMEOUT)
    at.run()
    unlabelled = model([helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("MatMul", ["f", "w"], ["y"])],
                       (1, 3, 4, 4), initializers={"w": np.eye(48, 3, dtype=np.float32)})
    at.session_state["queued_uploads"] = [("plain.onnx", unlabelled)]
    at.run()
    assert sorted(bar_labels(at)) == ["class 0", "class 1", "class 2"]
    at.text_input(key="model_labels").input("<b>cat</b>, dog").run()
    labels = bar_labels(at)
    assert "&lt;b&gt;cat&lt;/b&gt;" in labels and "dog" in labels and "class 2" in labels


def test_normalization_presets_fill_mean_and_std_and_bad_numbers_are_a_message(app: AppTest) -> None:
    app.selectbox(key="model_norm").set_value("ImageNet mean and std").run()
    assert app.text_input(key="model_mean").value == "0.485, 0.456, 0.406"
    assert app.text_input(key="model_std").value == "0.229, 0.224, 0.225"
    app.text_input(key="model_mean").input("zero").run()
    assert not app.exception and any("must be numbers" in e.value for e in app.error)
    app.text_input(key="model_mean").input("0.5").run()
    app.text_input(key="model_std").input("0.5").run()
    assert not app.error


def _cone(at: AppTest) -> dict:
    from test_receptive_view import cone_args

    return cone_args(at)["figure"]


def _lit(fig: dict, stage: int) -> np.ndarray:
    trace = next(t for t in fig["data"] if t.get("name") == f"field {stage}")
    return np.array([[v == 1 for v in row] for row in trace["z"]])


def test_a_cell_of_any_stage_lights_its_field_through_the_residual_graph(app: AppTest) -> None:
    from visualizer.receptive import graph_cone, graph_reads

    network = read_onnx((Path(__file__).resolve().parent.parent / "assets" / next(iter(EXAMPLES))).read_bytes())
    sizes = [s.image_shape[:2] for s in network.stages]
    reads = graph_reads(network.stages)
    adds = [s.index for s in network.stages if s.kind == "binary" and len(s.inputs) == 2]
    assert adds, "the example has residual adds"
    app.selectbox(key="model_stage").set_value(adds[-1]).run()  # after the last residual add
    assert not app.exception and not app.error
    fig = _cone(app)
    h, w = sizes[adds[-1]]
    want = graph_cone(sizes, reads, adds[-1], ((h - 1) // 2, (w - 1) // 2))
    np.testing.assert_array_equal(_lit(fig, 0), want[0])
    np.testing.assert_array_equal(_lit(fig, adds[-1]), want[adds[-1]])
    assert f"of stage {adds[-1]} sees input rows" in " ".join(m.value for m in app.markdown)
    app.session_state["model_field"] = [adds[-1], 0, 0]  # what a click on the corner cell keeps
    app.run()
    np.testing.assert_array_equal(_lit(_cone(app), 0), graph_cone(sizes, reads, adds[-1], (0, 0))[0])
    app.selectbox(key="model_stage").set_value(network.output).run()  # the scores: every pixel counts
    assert _lit(_cone(app), 0).all()
