"""The studio page, driven headless with Streamlit's AppTest: every control changes the one state and what is shown.

The studio keeps one :class:`StudioState` under ``st.session_state["studio_state"]``; widgets are views of it.
The animation is a custom component (the player): AppTest shows it as an element whose JSON arguments are the
figure, its id, the number of steps and the current step. The player reports a step the way the browser
does, as the component's widget value, so its ``on_change`` path runs (see :func:`report`). Numbers are
checked against ``scipy.signal.correlate`` and plain NumPy, never against our own engine.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import scipy.signal
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from visualizer.filters import preset_kernel, random_filters
from visualizer.studio_state import StudioState, from_query, to_query

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
FOUNDING = np.array(
    [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=float
)
X_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)


# --- Driving the app ------------------------------------------------------------------------------------------
def run_app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if query:
        at.query_params.update(query)
    return rerun(at)


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def send(at: AppTest, widget_id: str, **value: object) -> AppTest:
    """Run the page as the browser does after a widget sent ``value`` (a WidgetState field, e.g. json_value)."""
    states = at._tree.get_widget_states()
    kept = [w for w in states.widgets if w.id != widget_id]
    del states.widgets[:]
    states.widgets.extend(kept)
    states.widgets.append(WidgetState(id=widget_id, **value))
    at._run(states)
    assert not at.exception, at.exception
    return at


def report(at: AppTest, step: object, speed_ms: object = 400, width: object = 1180, avail: object = 520) -> AppTest:
    """The player settled on ``step``: what its page sends (``setComponentValue`` with JSON)."""
    value = {"step": step, "speed_ms": speed_ms, "width": width, "avail": avail, "seq": np.random.randint(1, 10**6)}
    return send(at, player_element(at).proto.id, json_value=json.dumps(value))


def go_to(at: AppTest, url_path: str) -> AppTest:
    """Open the page registered at ``url_path`` ("" is the home page) as the navigation menu does."""
    if not any("url_pathname" in info for info in at._registered_pages.values()):
        rerun(at)  # the last run was a fragment's alone (it registers no pages): the browser keeps its menu
    hashes = [h for h, info in at._registered_pages.items() if info.get("url_pathname") == url_path]
    assert hashes, f"no page at /{url_path}: {at._registered_pages}"
    at._page_hash = hashes[0]
    return rerun(at)


def state(at: AppTest) -> StudioState:
    return at.session_state["studio_state"]


def player_element(at: AppTest):
    players = [c for c in at.get("component_instance") if c.proto.component_name.endswith("sliding_player")]
    assert len(players) == 1, "the studio shows exactly one player"
    return players[0]


def player(at: AppTest) -> dict:
    """The player's arguments: figure, fig_id, steps, step, speed_ms, presentation, layout."""
    return json.loads(player_element(at).proto.json_args)


MAPS = {"maps_before": 0, "maps_after": 1, "maps_pooled": 2}  # the feature maps' panels, in the order drawn


def maps_panel(at: AppTest, key: str) -> dict:
    """A panel of feature maps (``MAPS``; drawn together as pictures by the maps component under the key
    ``feature_maps``): its ``heading``, ``note`` and ``tiles`` (each with the map's values ``z``)."""
    for element in at.get("component_instance"):
        if element.proto.component_name.endswith("photo_maps") and element.proto.id.endswith("feature_maps"):
            panels = json.loads(element.proto.json_args)["panels"]
            if MAPS[key] < len(panels):
                return panels[MAPS[key]]
    raise AssertionError(f"no panel of maps {key}")


def chart(at: AppTest, key: str) -> dict:
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(f"-{key}"):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart with key {key}")


def heatmaps(at: AppTest, key: str) -> list[np.ndarray]:
    """The values of every map of a panel of feature maps (``MAPS``), or of every heatmap of a chart."""
    if key in MAPS:
        return [np.array(t["z"], dtype=float) for t in maps_panel(at, key)["tiles"]]
    return [np.array(t["z"], dtype=float) for t in chart(at, key)["data"] if t["type"] == "heatmap"]


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def share_link(at: AppTest) -> str:
    """The link in the "Share this view" expander (opened first if it is closed: it is drawn only when open)."""
    if not ("w_share_open" in at.session_state and at.session_state["w_share_open"]):
        at.session_state["w_share_open"] = True
        rerun(at)
    links = [c.value for c in at.code if "/studio?" in c.value]
    assert len(links) == 1, "one share link"
    return links[0]


def link_state(at: AppTest) -> StudioState:
    """The state the page's own share link opens (read by the strict parser; it must not complain)."""
    params = parse_qs(urlsplit(share_link(at)).query, keep_blank_values=True)
    restored, errors = from_query(params)
    assert errors == []
    return restored


def bits(arr: np.ndarray) -> bytes:
    return np.ascontiguousarray(np.asarray(arr, dtype=np.float64)).tobytes()


def assert_same_fields(got: StudioState, want: StudioState, skip: tuple[str, ...] = ("source", "image")) -> None:
    for f in fields(StudioState):
        if f.name in skip:
            continue
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray):
            assert a.shape == b.shape and bits(a) == bits(b), f"{f.name} differs"
        else:
            assert a == b, f"{f.name}: {a!r} != {b!r}"


def frame_texts(figure: dict, step: int) -> tuple[str, str]:
    """The sum and the caption the figure shows at ``step`` (its frame's two annotations)."""
    frame = next(f for f in figure["frames"] if f["name"] == str(step))
    sum_text, caption = (a["text"] for a in frame["layout"]["annotations"][:2])
    return sum_text, caption


def shown_value(sum_text: str) -> float:
    """The number after the last '=' of a sum as the figure prints it (math minus, bold)."""
    tail = sum_text.rsplit("=", 1)[1]
    return float(re.sub(r"<[^>]+>", "", tail).replace("−", "-").strip())


def dilate(kernel: np.ndarray, d: int) -> np.ndarray:
    """A kernel with d-1 zeros between its cells: dilation as a plain larger kernel."""
    kh, kw = kernel.shape
    out = np.zeros(((kh - 1) * d + 1, (kw - 1) * d + 1))
    out[::d, ::d] = kernel
    return out


def reference_maps(image: np.ndarray, bank: np.ndarray, stride: int, padding: int, dilation: int) -> np.ndarray:
    """``(Ho, Wo, N)`` by scipy.signal.correlate, summed over channels: the convolution layer's output."""
    padded = np.pad(image, ((padding, padding), (padding, padding), (0, 0)))
    maps = []
    for n in range(bank.shape[0]):
        total = sum(scipy.signal.correlate(padded[:, :, c], dilate(bank[n, :, :, c], dilation), mode="valid")
                    for c in range(image.shape[2]))
        maps.append(total[::stride, ::stride])
    return np.stack(maps, axis=2)


@pytest.fixture(scope="module")
def app() -> AppTest:
    """The default page, opened once for the tests that only read it."""
    return run_app()


# --- The default page ------------------------------------------------------------------------------------------
def test_default_page_shows_the_founding_example_and_its_shapes(app: AppTest) -> None:
    s = state(app)
    assert app.title[0].value == "Convolution studio"
    np.testing.assert_array_equal(app.session_state["input_image"][:, :, 0], FOUNDING)
    assert s.bank.shape == (4, 3, 3, 1) and s.step == 0 and s.selected == 0
    np.testing.assert_array_equal(s.bank[0, :, :, 0], X_KERNEL)
    assert "Input [5 x 5 x 1] · 4 filters [3 x 3 x 1] → output [3 x 3 x 4]" in markdown_text(app)
    assert not app.error and not app.warning


def test_the_player_has_one_frame_per_step_and_each_frame_shows_its_sum_from_scipy(app: AppTest) -> None:
    args = player(app)
    figure = args["figure"]
    expected = scipy.signal.correlate(FOUNDING, X_KERNEL, mode="valid")
    assert args["steps"] == 9 and args["step"] == 0
    assert [f["name"] for f in figure["frames"]] == [str(i) for i in range(9)]
    output = next(t for t in figure["data"] if t.get("name") == "output")
    np.testing.assert_array_equal(np.array(output["z"], dtype=float), expected)
    for step in range(9):
        y, x = divmod(step, 3)
        sum_text, caption = frame_texts(figure, step)
        assert sum_text.startswith(f"out({y}, {x}) = ") and shown_value(sum_text) == expected[y, x]
        assert caption.startswith(f"Step {step + 1} of 9") and f"out({y}, {x})" in caption
    assert frame_texts(figure, 0)[0].startswith("out(0, 0) = 1 × 1 + 1 × 0 + 1 × 1")


def test_feature_maps_equal_scipy_correlate_before_and_after_relu(app: AppTest) -> None:
    bank = state(app).bank
    expected = reference_maps(FOUNDING[:, :, None], bank, 1, 0, 1)
    before, after = heatmaps(app, "maps_before"), heatmaps(app, "maps_after")
    assert len(before) == len(after) == 4
    for n in range(4):
        np.testing.assert_allclose(before[n], expected[:, :, n], atol=1e-12)
        np.testing.assert_allclose(after[n], np.maximum(expected[:, :, n], 0), atol=1e-12)


def test_the_share_link_on_the_page_is_the_state(app: AppTest) -> None:
    assert share_link(app).startswith("/studio?") or "/studio?" in share_link(app)
    assert_same_fields(link_state(app), state(app))


# --- One step -------------------------------------------------------------------------------------------------
def test_the_step_the_player_reports_is_the_step_of_the_state_the_link_and_the_player() -> None:
    at = run_app()
    report(at, 5, speed_ms=700)
    assert state(at).step == 5 and state(at).speed_ms == 700
    assert player(at)["step"] == 5 and player(at)["speed_ms"] == 700
    assert parse_qs(urlsplit(share_link(at)).query)["step"] == ["6"]
    report(at, 2)
    assert state(at).step == 2 and player(at)["step"] == 2
    report(at, 10**9)
    assert state(at).step == 8 and player(at)["step"] == 8  # the last step there is


@pytest.mark.parametrize("value", [None, "3", True, 2.5, [1], -4])
def test_a_step_report_that_is_not_a_step_keeps_the_state_valid(value: object) -> None:
    at = run_app()
    report(at, 4)
    report(at, value, speed_ms="fast", width="wide", avail=float("inf"))
    s = state(at)
    assert 0 <= s.step <= 8 and s.speed_ms == 400
    assert s.step == (0 if value == -4 else 4)
    assert player(at)["step"] == s.step and not at.error


def test_a_new_layout_from_the_player_is_used_for_the_figure() -> None:
    at = run_app()
    before = player(at)
    report(at, 0, width=700, avail=900)
    after = player(at)
    assert after["layout"] == {"width": 700, "avail": 900}
    assert after["fig_id"] != before["fig_id"] and after["figure"]["layout"]["height"] > before["figure"]["layout"][
        "height"]


# --- Each control changes the state and what is shown -----------------------------------------------------------
@pytest.mark.parametrize("key, attr, value, shape", [
    ("w_stride", "stride", 2, (2, 2)), ("w_padding", "padding", 1, (5, 5)), ("w_padding", "padding", 3, (9, 9)),
    ("w_dilation", "dilation", 2, (1, 1)),
])
def test_stride_padding_dilation_change_the_state_the_player_and_the_maps(key: str, attr: str, value: int,
                                                                           shape: tuple[int, int]) -> None:
    at = run_app()
    report(at, 3)
    at.number_input(key=key).set_value(value)
    rerun(at)
    s = state(at)
    assert getattr(s, attr) == value
    assert f"output [{shape[0]} x {shape[1]} x 4]" in markdown_text(at)
    args = player(at)
    assert args["steps"] == shape[0] * shape[1] == len(args["figure"]["frames"])
    expected = reference_maps(FOUNDING[:, :, None], s.bank, s.stride, s.padding, s.dilation)
    for n, z in enumerate(heatmaps(at, "maps_before")):
        np.testing.assert_allclose(z, expected[:, :, n], atol=1e-12)
    last = args["steps"] - 1
    assert shown_value(frame_texts(args["figure"], last)[0]) == pytest.approx(expected[-1, -1, 0])
    assert parse_qs(urlsplit(share_link(at)).query)[{"w_stride": "stride"}.get(key, attr)] == [str(value)]


def test_filter_count_and_kernel_size_reshape_the_bank_the_heading_and_the_maps() -> None:
    at = run_app()
    at.number_input(key="w_filters").set_value(15)
    rerun(at)
    s = state(at)
    assert s.bank.shape == (15, 3, 3, 1) and len(s.names) == 15
    np.testing.assert_array_equal(s.bank[9], random_filters(1, 3, 3, 1, seed=9)[0])
    assert "15 filters [3 x 3 x 1] → output [3 x 3 x 15]" in markdown_text(at)
    assert len(heatmaps(at, "maps_before")) == 15
    at.number_input(key="w_kh").set_value(5)
    rerun(at)
    at.number_input(key="w_kw").set_value(2)
    rerun(at)
    assert state(at).bank.shape == (15, 5, 2, 1)
    assert "output [1 x 4 x 15]" in markdown_text(at)
    assert at.number_input(key="w_filters").value == 15 and at.number_input(key="w_kh").value == 5
    assert player(at)["steps"] == 4


def test_rgb_copies_each_kernel_into_three_channels_and_grayscale_averages_back() -> None:
    at = run_app()
    at.radio(key="w_channels").set_value(3)
    rerun(at)
    s = state(at)
    assert s.channels == 3 and s.bank.shape == (4, 3, 3, 3)
    np.testing.assert_array_equal(s.bank[0], np.repeat(X_KERNEL[:, :, None], 3, axis=2))
    # said beside the Channels switch, not in a box above the player (it pushed Play down)
    assert any("copied into all 3 channels" in c.value for c in at.sidebar.caption) and not at.main.info
    assert "Input [5 x 5 x 3]" in markdown_text(at)
    image = at.session_state["input_image"]
    expected = reference_maps(image, s.bank, 1, 0, 1)
    np.testing.assert_allclose(heatmaps(at, "maps_before")[0], expected[:, :, 0], atol=1e-12)
    assert link_state(at).channels == 3
    at.radio(key="w_channels").set_value(1)
    rerun(at)
    np.testing.assert_array_equal(state(at).bank[0, :, :, 0], X_KERNEL)


def test_the_working_size_and_an_example_change_the_input() -> None:
    at = run_app()
    at.selectbox(key="w_example").set_value("Handwritten digit (28x28)")
    rerun(at)
    assert state(at).example == "Handwritten digit (28x28)" and state(at).step == 0
    assert "Input [24 x 24 x 1]" in markdown_text(at)
    at.slider(key="w_working_size").set_value(10)
    rerun(at)
    assert state(at).working_size == 10 and at.session_state["input_image"].shape == (10, 10, 1)
    assert player(at)["steps"] == 64
    at.selectbox(key="w_maps").set_value("full")
    rerun(at)
    assert state(at).maps == "full"
    assert heatmaps(at, "maps_before")[0].shape == (26, 26)  # the 28x28 digit, not the 10x10 animation image


def test_the_filter_to_watch_changes_the_player_not_the_bank() -> None:
    at = run_app()
    bank = state(at).bank.copy()
    fig_id = player(at)["fig_id"]
    at.selectbox(key="w_selected").set_value(1)
    rerun(at)
    assert state(at).selected == 1 and bits(state(at).bank) == bits(bank)
    args = player(at)
    assert args["fig_id"] != fig_id
    expected = scipy.signal.correlate(FOUNDING, preset_kernel("sobel x", 3), mode="valid")
    for step in range(9):
        assert shown_value(frame_texts(args["figure"], step)[0]) == expected[divmod(step, 3)]
    assert link_state(at).selected == 1


def test_presentation_mode_keeps_only_the_player_and_one_way_back() -> None:
    at = run_app()
    at.number_input(key="w_stride").set_value(2)
    rerun(at)
    at.toggle(key="w_presentation").set_value(True)
    rerun(at)
    assert state(at).presentation and player(at)["presentation"] is True
    assert not at.title and not at.sidebar.number_input and len(at.toggle) == 1
    assert state(at).stride == 2
    at.toggle(key="w_presentation").set_value(False)
    rerun(at)
    assert not state(at).presentation and at.title[0].value == "Convolution studio"
    assert at.number_input(key="w_stride").value == 2 and state(at).stride == 2


def test_activation_and_pooling_change_the_maps_as_numpy_says() -> None:
    at = run_app()
    at.number_input(key="w_filters").set_value(2)  # the X kernel and Sobel x, which has negative outputs
    rerun(at)
    raw = heatmaps(at, "maps_before")[1]
    assert raw.min() < 0
    at.selectbox(key="w_activation").set_value("step")
    rerun(at)
    assert state(at).activation == "step"
    np.testing.assert_array_equal(heatmaps(at, "maps_after")[1], (raw > 0).astype(float))
    rerun(at)  # a setting of the maps reruns only them and the player: AppTest's tree then holds only those parts
    at.selectbox(key="w_activation").set_value("none")
    at.number_input(key="w_padding").set_value(1)
    rerun(at)
    at.selectbox(key="w_pool").set_value("max")
    rerun(at)
    assert state(at).pooling == "max"
    after = heatmaps(at, "maps_after")[1]
    assert after.shape == (5, 5)
    np.testing.assert_array_equal(heatmaps(at, "maps_pooled")[1], after[:4, :4].reshape(2, 2, 2, 2).max(axis=(1, 3)))
    at.selectbox(key="w_pool").set_value("avg")
    rerun(at)
    np.testing.assert_allclose(heatmaps(at, "maps_pooled")[1], after[:4, :4].reshape(2, 2, 2, 2).mean(axis=(1, 3)))


def test_bias_adds_to_every_output_of_its_filter() -> None:
    at = run_app()
    at.toggle(key="w_use_bias").set_value(True)
    rerun(at)
    assert state(at).use_bias
    key = next(w.key for w in at.number_input if w.key and w.key.startswith("bias_0_"))
    at.number_input(key=key).set_value(1.5)
    rerun(at)
    assert state(at).bias[0] == 1.5
    expected = scipy.signal.correlate(FOUNDING, X_KERNEL, mode="valid") + 1.5
    np.testing.assert_allclose(heatmaps(at, "maps_before")[0], expected)
    assert shown_value(frame_texts(player(at)["figure"], 0)[0]) == 5.5
    assert link_state(at).use_bias and link_state(at).bias[0] == 1.5
    at.toggle(key="w_use_bias").set_value(False)
    rerun(at)
    np.testing.assert_allclose(heatmaps(at, "maps_before")[0], expected - 1.5)


def test_a_preset_applies_to_the_selected_filter() -> None:
    at = run_app()
    at.selectbox(key="w_selected").set_value(2)
    rerun(at)
    at.selectbox(key="w_preset").set_value("laplacian")
    rerun(at)
    at.button(key="apply_preset").click()
    rerun(at)
    s = state(at)
    np.testing.assert_array_equal(s.bank[2, :, :, 0], preset_kernel("laplacian", 3))
    assert s.names[2] == "laplacian"
    expected = scipy.signal.correlate(FOUNDING, preset_kernel("laplacian", 3), mode="valid")
    np.testing.assert_allclose(heatmaps(at, "maps_before")[2], expected)


def test_a_preset_in_a_size_it_lacks_is_refused_with_a_message() -> None:
    at = run_app()
    at.number_input(key="w_kh").set_value(4)
    rerun(at)
    at.number_input(key="w_kw").set_value(4)
    rerun(at)
    bank = state(at).bank.copy()
    at.selectbox(key="w_preset").set_value("sobel x")
    rerun(at)  # a pick reruns the page: Apply is live for a preset, not for "custom"
    at.button(key="apply_preset").click()
    rerun(at)
    assert any("Change the kernel size first" in e.value for e in at.error)
    assert bits(state(at).bank) == bits(bank)


def test_the_grid_editor_is_drawn_only_when_its_expander_is_open() -> None:
    at = run_app()
    assert not [d for d in at.sidebar if str(getattr(d, "key", "")).startswith("grid_")]
    assert any(e.label == "Edit the values in a grid" for e in at.expander)
    at.session_state["w_grid_open"] = True
    rerun(at)
    assert [d for d in at.sidebar if str(getattr(d, "key", "")).startswith("grid_0_0_")]


def test_a_grid_edit_changes_one_value_and_bad_cells_keep_theirs() -> None:
    at = run_app()
    at.session_state["w_grid_open"] = True
    rerun(at)
    grid = next(d for d in at.sidebar if getattr(d, "key", None) and d.key.startswith("grid_0_0_"))
    edits = {"edited_rows": {"0": {"1": 5.0}, "1": {"1": "abc"}, "2": {"2": None}}, "added_rows": [],
             "deleted_rows": []}
    send(at, grid.proto.id, string_value=json.dumps(edits))
    s = state(at)
    expected_kernel = X_KERNEL.copy()
    expected_kernel[0, 1] = 5.0
    np.testing.assert_array_equal(s.bank[0, :, :, 0], expected_kernel)
    assert s.names[0] == "X (founding example) (edited)"
    np.testing.assert_allclose(heatmaps(at, "maps_before")[0],
                               scipy.signal.correlate(FOUNDING, expected_kernel, mode="valid"))
    assert bits(link_state(at).bank) == bits(s.bank)


def test_typed_kernel_values_are_used_and_text_is_refused() -> None:
    at = run_app()
    assert not at.text_area, "closed, the typed values are not drawn"
    at.session_state["w_text_open"] = True
    rerun(at)
    text_key = next(t.key for t in at.text_area if t.key.startswith("kernel_text_0_"))
    at.text_area(key=text_key).set_value("0 0 0\n0 2 0\n0 0 0.1")
    at.button(key="use_kernel_text").click()
    rerun(at)
    np.testing.assert_array_equal(state(at).bank[0, :, :, 0], [[0, 0, 0], [0, 2, 0], [0, 0, 0.1]])
    np.testing.assert_allclose(heatmaps(at, "maps_before")[0], 2 * FOUNDING[1:4, 1:4] + 0.1 * FOUNDING[2:, 2:])
    before = state(at).bank.copy()
    text_key = next(t.key for t in at.text_area if t.key.startswith("kernel_text_0_"))
    at.text_area(key=text_key).set_value("1 0 x\n0 1 0\n1 0 1")
    at.button(key="use_kernel_text").click()
    rerun(at)
    assert any("not a plain number" in e.value for e in at.error)
    assert bits(state(at).bank) == bits(before)


def test_typed_pixels_become_the_input_and_travel_in_the_link() -> None:
    at = run_app()
    at.button_group(key="w_source").set_value("grid")
    rerun(at)
    key = next(t.key for t in at.text_area if t.key.startswith("pixels_"))
    at.text_area(key=key).set_value("0 1 0 1\n1 0 1 0\n0 1 0 1\n1 0 1 0")
    at.button(key="use_pixels").click()
    rerun(at)
    assert at.session_state["input_image"].shape == (4, 4, 1)
    assert "output [2 x 2 x 4]" in markdown_text(at)
    restored = link_state(at)
    np.testing.assert_array_equal(restored.image[:, :, 0], np.indices((4, 4)).sum(axis=0) % 2)


def test_a_kernel_larger_than_the_padded_input_gives_a_message_and_keeps_the_settings() -> None:
    at = run_app()
    at.number_input(key="w_kh").set_value(7)
    rerun(at)
    assert any("No output with these settings" in e.value for e in at.error)
    assert state(at).bank.shape == (4, 7, 3, 1)
    at.number_input(key="w_padding").set_value(1)
    rerun(at)
    assert not at.error and player(at)["steps"] == 5


# --- Pages and links -------------------------------------------------------------------------------------------
def test_a_page_round_trip_keeps_every_setting() -> None:
    at = run_app()
    at.number_input(key="w_stride").set_value(2)
    at.number_input(key="w_padding").set_value(2)
    at.number_input(key="w_dilation").set_value(2)
    rerun(at)
    at.number_input(key="w_filters").set_value(6)
    rerun(at)
    at.radio(key="w_channels").set_value(3)
    at.selectbox(key="w_pool").set_value("max")
    at.selectbox(key="w_activation").set_value("tanh")
    rerun(at)
    at.selectbox(key="w_selected").set_value(4)
    at.toggle(key="w_use_bias").set_value(True)
    rerun(at)
    report(at, 3, speed_ms=1000)
    before = state(at)
    snapshot = {f.name: getattr(before, f.name) for f in fields(StudioState)}
    for path in ("network", "learn", "studio", "network", ""):
        go_to(at, path)
    after = state(at)
    for name, value in snapshot.items():
        got = getattr(after, name)
        assert (bits(got) == bits(value)) if isinstance(value, np.ndarray) else got == value, name
    widgets = {"w_stride": 2, "w_padding": 2, "w_dilation": 2, "w_filters": 6, "w_kh": 3, "w_kw": 3}
    assert {k: at.number_input(key=k).value for k in widgets} == widgets
    assert at.radio(key="w_channels").value == 3 and at.selectbox(key="w_pool").value == "max"
    assert at.selectbox(key="w_activation").value == "tanh" and at.selectbox(key="w_selected").value == 4
    assert at.toggle(key="w_use_bias").value is True
    assert "6 filters [3 x 3 x 3]" in markdown_text(at)
    assert player(at)["step"] == 3 and player(at)["speed_ms"] == 1000


def changed_state() -> StudioState:
    """A state with every field the link carries away from its default."""
    rng = np.random.default_rng(8)
    s = StudioState(example="Checkerboard (16x16)", channels=3, working_size=12, use_bias=True, selected=4,
                    stride=2, padding=1, dilation=2, step=5, speed_ms=200, activation="leaky_relu", maps="full",
                    pooling="avg", presentation=False)
    s.input_name = s.example
    s.bank = rng.normal(size=(5, 3, 2, 3)) / 3
    s.bias = rng.normal(size=5)
    s.names = ["Kanten ↗", "<b>bold?</b>", "*stars*", "random (seed 3)", "日本語の名前"]
    return s


def test_opening_a_link_restores_every_field_and_every_widget() -> None:
    want = changed_state()
    at = run_app(to_query(want))
    assert not at.warning and not at.error
    assert_same_fields(state(at), want)
    assert at.number_input(key="w_stride").value == 2 and at.number_input(key="w_padding").value == 1
    assert at.number_input(key="w_dilation").value == 2 and at.number_input(key="w_filters").value == 5
    assert at.number_input(key="w_kh").value == 3 and at.number_input(key="w_kw").value == 2
    assert at.radio(key="w_channels").value == 3 and at.slider(key="w_working_size").value == 12
    assert at.selectbox(key="w_example").value == "Checkerboard (16x16)"
    assert at.selectbox(key="w_activation").value == "leaky_relu" and at.selectbox(key="w_pool").value == "avg"
    assert at.selectbox(key="w_maps").value == "full" and at.selectbox(key="w_selected").value == 4
    assert at.toggle(key="w_use_bias").value is True
    assert player(at)["step"] == 5 and player(at)["speed_ms"] == 200
    assert_same_fields(link_state(at), want)  # the page's own link is the same state again


def test_opening_a_link_in_presentation_mode_shows_the_projector_layout() -> None:
    at = run_app({"present": "1", "stride": "2"})
    assert state(at).presentation and player(at)["presentation"] is True and not at.title
    assert state(at).stride == 2


def test_a_bad_link_value_is_named_in_one_warning_and_the_rest_is_used() -> None:
    at = run_app({"stride": "9", "padding": "2", "bank": "%%%", "filter": "2"})
    assert len(at.warning) == 1
    warning = at.warning[0].value
    assert "stride must be a whole number from 1 to 4" in warning and "filters are not in the link" in warning
    assert state(at).stride == 1 and state(at).padding == 2 and state(at).selected == 1
    report(at, 1)
    assert not at.warning  # said once, not on every run


def test_quiz_is_drawn_when_opened_and_checks_a_value_against_scipy() -> None:
    at = run_app()
    assert not [n for n in at.number_input if str(n.key).startswith("quiz_")], "a closed quiz draws nothing"
    at.session_state["w_quiz_open"] = True
    rerun(at)
    question = next(m.value for m in at.markdown if m.value.startswith("**What number goes in output cell"))
    y, x = (int(v) for v in re.search(r"\((\d+), (\d+)\)", question).groups())
    expected = scipy.signal.correlate(FOUNDING, X_KERNEL, mode="valid")[y, x]
    at.number_input(key="quiz_value_guess_0").set_value(float(expected) + 1)
    at.button(key="quiz_value_check").click()
    rerun(at)
    assert any(e.value.startswith("Not quite") for e in at.error)
    at.number_input(key="quiz_value_guess_0").set_value(float(expected))
    at.button(key="quiz_value_check").click()
    rerun(at)
    assert any(s.value.startswith("Right") for s in at.success)


def test_reproduction_code_is_written_when_opened_and_recomputes_the_maps() -> None:
    at = run_app()
    assert not [c for c in at.code if "import numpy" in c.value], "a closed section writes no code"
    at.session_state["w_code_open"] = True
    rerun(at)
    code = next(c.value for c in at.code if "import numpy" in c.value)
    numpy_part = code.split("# The same with PyTorch")[0]  # the loop a student runs (PyTorch is not required here)
    assert "import torch" in code and "import torch" not in numpy_part
    scope: dict = {}
    exec(compile(numpy_part, "convolution.py", "exec"), scope)
    maps = heatmaps(at, "maps_before")
    assert scope["out"].shape == (3, 3, len(maps))
    for n, z in enumerate(maps):
        np.testing.assert_allclose(scope["out"][:, :, n], z, atol=1e-12)
