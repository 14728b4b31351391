"""The studio page, driven headless with Streamlit's AppTest: each control changes what it should."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
FOUNDING = np.array(
    [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=float
)


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def chart(at: AppTest, key: str) -> dict:
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if element.proto.id and key in element.proto.id:
            return spec
    raise AssertionError(f"no chart with key {key}")


def equation(at: AppTest) -> str:
    """The current step's sum, written out under the animation (the page's first code block)."""
    return at.code[0].value


@pytest.fixture(scope="module")
def app() -> AppTest:
    return run_app()


def test_default_page_shows_the_founding_example(app: AppTest) -> None:
    ss = app.session_state
    assert app.title[0].value == "Convolution studio"
    np.testing.assert_array_equal(ss["input_image"][:, :, 0], FOUNDING)
    assert ss["bank"].shape == (4, 3, 3, 1)
    text = markdown_text(app)
    assert "Input [5 x 5 x 1]" in text and "output [3 x 3 x 4]" in text
    assert not app.error


def test_default_animation_has_one_frame_per_step(app: AppTest) -> None:
    fig = chart(app, "anim_chart")
    assert len(fig["frames"]) == 9


def test_equation_of_first_step_matches_the_classic_result(app: AppTest) -> None:
    code = equation(app)
    assert code.startswith("out(0, 0) = 1*1 + 1*0 + 1*1")
    assert code.rstrip().endswith("= 4")


def test_feature_maps_equal_scipy_correlate(app: AppTest) -> None:
    before = chart(app, "maps_before")
    bank = app.session_state["bank"]
    heatmaps = [t for t in before["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == bank.shape[0]
    for n, trace in enumerate(heatmaps):
        expected = scipy.signal.correlate(FOUNDING, bank[n, :, :, 0], mode="valid")
        np.testing.assert_allclose(np.array(trace["z"], dtype=float), expected, atol=1e-9)


@pytest.mark.parametrize(
    "name, shape",
    [
        ("Handwritten digit (28x28)", (24, 24, 1)),
        ("Shapes (64x64, colour)", (24, 24, 1)),
        ("Checkerboard (16x16)", (16, 16, 1)),
        ("Landscape photo (256x256, colour)", (24, 24, 1)),
    ],
)
def test_choosing_an_example_changes_the_input(name: str, shape: tuple[int, int, int]) -> None:
    at = run_app()
    at.selectbox(key="example").set_value(name)
    rerun(at)
    assert at.session_state["input_name"] == name
    assert at.session_state["input_image"].shape == shape
    assert f"Input [{shape[0]} x {shape[1]} x 1]" in markdown_text(at)


def test_rgb_copies_kernels_into_three_channels_and_back() -> None:
    at = run_app()
    at.radio(key="channels_choice").set_value("RGB (3 channels)")
    rerun(at)
    bank = at.session_state["bank"]
    assert bank.shape == (4, 3, 3, 3)
    np.testing.assert_array_equal(bank[0, :, :, 0], bank[0, :, :, 2])
    assert any("copied into all 3 channels" in i.value for i in at.info)
    assert "[5 x 5 x 3]" in markdown_text(at)
    code = equation(at)
    assert "channels absorbed" in code
    at.radio(key="channels_choice").set_value("Grayscale (1 channel)")
    rerun(at)
    np.testing.assert_array_equal(at.session_state["bank"][0, :, :, 0], [[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def test_filter_count_and_kernel_size_reshape_the_bank() -> None:
    at = run_app()
    at.number_input(key="n_filters").set_value(15)
    rerun(at)
    assert at.session_state["bank"].shape == (15, 3, 3, 1)
    assert "output [3 x 3 x 15]" in markdown_text(at)
    at.number_input(key="kh").set_value(5)
    at.number_input(key="kw").set_value(2)
    rerun(at)
    assert at.session_state["bank"].shape == (15, 5, 2, 1)
    assert "output [1 x 4 x 15]" in markdown_text(at)


def test_typed_kernel_values_change_the_output() -> None:
    at = run_app()
    version = at.session_state["editor_version"]
    at.text_area(key=f"kernel_text_0_{version}").set_value("0 0 0\n0 2 0\n0 0 0")
    at.button(key="use_kernel_text").click()
    rerun(at)
    np.testing.assert_array_equal(at.session_state["bank"][0, :, :, 0], [[0, 0, 0], [0, 2, 0], [0, 0, 0]])
    z = np.array(chart(at, "maps_before")["data"][0]["z"], dtype=float)
    np.testing.assert_array_equal(z, 2 * FOUNDING[1:4, 1:4])


def test_text_in_a_kernel_is_refused_and_the_kernel_kept() -> None:
    at = run_app()
    before = at.session_state["bank"].copy()
    version = at.session_state["editor_version"]
    at.text_area(key=f"kernel_text_0_{version}").set_value("1 0 x\n0 1 0\n1 0 1")
    at.button(key="use_kernel_text").click()
    rerun(at)
    assert any("not a number" in e.value for e in at.error)
    np.testing.assert_array_equal(at.session_state["bank"], before)


@pytest.mark.parametrize(
    "control, value, shape",
    [("stride", 2, "[2 x 2 x 4]"), ("padding", 1, "[5 x 5 x 4]"), ("dilation", 2, "[1 x 1 x 4]")],
)
def test_stride_padding_dilation_change_the_output_shape(control: str, value: int, shape: str) -> None:
    at = run_app()
    at.number_input(key=control).set_value(value)
    rerun(at)
    assert f"output {shape}" in markdown_text(at)
    steps = int(np.prod([int(v) for v in shape.strip("[]").split(" x ")[:2]]))
    assert len(chart(at, "anim_chart")["frames"]) == steps


def test_kernel_larger_than_the_padded_input_gives_a_message_not_a_crash() -> None:
    at = run_app()
    at.number_input(key="kh").set_value(7)
    rerun(at)
    assert any("spans 7 pixels" in e.value for e in at.error)
    assert at.session_state["bank"].shape == (4, 7, 3, 1)


def test_step_controls_move_through_the_animation() -> None:
    at = run_app()
    at.button(key="step_next").click()
    rerun(at)
    assert at.session_state["step"] == 1
    assert chart(at, "anim_chart")["layout"]["sliders"][0]["active"] == 1
    at.button(key="step_last").click()
    rerun(at)
    assert at.session_state["step"] == 8
    code = equation(at)
    assert code.startswith("out(2, 2) =") and code.rstrip().endswith("= 4")
    at.button(key="step_back").click()
    rerun(at)
    assert at.session_state["step"] == 7


def test_activation_changes_the_feature_maps() -> None:
    at = run_app()
    at.number_input(key="n_filters").set_value(2)  # the X kernel and Sobel x, which has negative outputs
    rerun(at)
    raw = np.array(chart(at, "maps_before")["data"][1]["z"], dtype=float)
    assert raw.min() < 0
    relu = np.array(chart(at, "maps_after")["data"][1]["z"], dtype=float)
    np.testing.assert_array_equal(relu, np.maximum(raw, 0))
    at.selectbox(key="activation").set_value("step")
    rerun(at)
    stepped = np.array(chart(at, "maps_after")["data"][1]["z"], dtype=float)
    np.testing.assert_array_equal(stepped, (raw > 0).astype(float))


def test_typed_pixels_become_the_input_and_bad_ones_are_refused() -> None:
    at = run_app()
    at.segmented_control(key="source").set_value("Pixel grid")
    rerun(at)
    version = at.session_state["grid_version"] if "grid_version" in at.session_state else 0
    at.text_area(key=f"pixels_{version}").set_value("0 1 0 1\n1 0 1 0\n0 1 0 1\n1 0 1 0")
    at.button(key="use_pixels").click()
    rerun(at)
    assert at.session_state["input_image"].shape == (4, 4, 1)
    assert "output [2 x 2 x 4]" in markdown_text(at)
    version = at.session_state["grid_version"]
    at.text_area(key=f"pixels_{version}").set_value("0 1\n1")
    at.button(key="use_pixels").click()
    rerun(at)
    assert any("same number of values" in e.value for e in at.error)
    assert at.session_state["input_image"].shape == (4, 4, 1)


def test_preset_apply_sets_the_kernel() -> None:
    at = run_app()
    at.selectbox(key="preset").set_value("laplacian")
    at.button(key="apply_preset").click()
    rerun(at)
    np.testing.assert_array_equal(at.session_state["bank"][0, :, :, 0], [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    assert at.session_state["filter_names"][0] == "laplacian"


def grid_edit_script() -> None:
    """An AppTest page: filter 1's grid reports edits as the browser does (its widget state), then the
    grid's change callback runs."""
    import numpy as np
    import streamlit as st

    from visualizer.ui import filter_state as fs
    from visualizer.ui.filter_editor import _on_grid_change

    ss = st.session_state
    fs.init_filter_state(1)
    ss["before"] = ss["bank"].copy()
    ss["grid_0_0_0"] = {"edited_rows": {0: {"1": 5.0}, 1: {"1": "abc"}, "2": {"2": float("nan")}}}
    _on_grid_change(0, 0, "grid_0_0_0")
    ss["kept"] = bool(np.array_equal(np.delete(ss["bank"][0, 0], 1), np.delete(ss["before"][0, 0], 1)))


def test_grid_edits_apply_before_the_page_is_drawn_and_bad_cells_keep_their_value() -> None:
    at = AppTest.from_function(grid_edit_script, default_timeout=30)
    at.run()
    assert not at.exception
    bank, before = at.session_state["bank"], at.session_state["before"]
    assert bank[0, 0, 1, 0] == 5.0
    assert bank[0, 1, 1, 0] == before[0, 1, 1, 0]  # "abc" is not used
    assert bank[0, 2, 2, 0] == before[0, 2, 2, 0]  # NaN is not used
    assert at.session_state["filter_names"][0].endswith("(edited)")
