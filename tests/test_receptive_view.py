"""The cone of receptive fields on the network view: the figure's lit cells are the engine's masks, on the
founding chain and on a stack with stride, padding and pooling, and a click (its selection event) picks the cell."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from visualizer import LayerSpec, founding_image, founding_specs, receptive_field, run_stack
from visualizer.figures.receptive import cone_figure, field_boxes
from visualizer.receptive import stack_arithmetic, stack_cone
from visualizer.ui.receptive_view import FIELD, clicked_cell

TIMEOUT = 60


def _network_app() -> None:
    from visualizer.ui import network_page

    network_page.render()


def cone_args(at: AppTest) -> dict:
    """The arguments of the cone's component (its figure, panels and every cell's field for the hover)."""
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args)
        if isinstance(args.get("figure"), dict) and any(t.get("name") == "field 0" for t in args["figure"]["data"]):
            return args
    raise AssertionError("no cone figure on the page")


def _cone(at: AppTest) -> dict:
    return cone_args(at)["figure"]


def lit(fig: dict, stage: int) -> np.ndarray:
    """The cells the figure lights on ``stage``: its "field <stage>" trace, 1 where lit."""
    trace = next(t for t in fig["data"] if t.get("name") == f"field {stage}")
    return np.array([[v == 1 for v in row] for row in trace["z"]])


def _windows(specs):
    return [((s.kernel,) * 2, (s.stride,) * 2, (s.padding,) * 2, (1, 1)) if s.kind == "conv" else
            ((s.pool_size,) * 2, (s.pool_size,) * 2, (0, 0), (1, 1)) if s.kind == "pool" else
            ((1, 1), (1, 1), (0, 0), (1, 1)) for s in specs]


def test_the_founding_output_lights_the_whole_input_by_default() -> None:
    at = AppTest.from_function(_network_app, default_timeout=TIMEOUT).run()
    assert not at.exception
    fig = _cone(at)
    assert lit(fig, 0).all() and lit(fig, 1).all() and lit(fig, 4).all()
    assert "Cell (0, 0) of stage 4 sees input rows 0–4 and columns 0–4: 25 pixels" in " ".join(
        m.value for m in at.markdown)


def test_a_chosen_cell_of_a_strided_padded_pooled_stack_lights_exactly_its_field() -> None:
    specs = [LayerSpec("conv", n_filters=2, kernel=3, stride=2, padding=1), LayerSpec("activation"),
             LayerSpec("conv", n_filters=3, kernel=3, padding=1), LayerSpec("pool", pool_size=2)]
    at = AppTest.from_function(_network_app, default_timeout=TIMEOUT)
    at.session_state["net_weights"] = "random"
    at.session_state["net_source"] = "grid"
    at.session_state["net_stack"] = [s.to_dict() for s in specs]
    at.session_state[FIELD] = [3, 1, 2]
    at.run()
    assert not at.exception
    fig = _cone(at)
    cone = stack_cone([(5, 5, 1), (3, 3, 2), (3, 3, 2), (3, 3, 3), (1, 1, 3)], specs, 3, (1, 2))
    np.testing.assert_array_equal(cone[0], receptive_field((5, 5), _windows(specs[:3]), (1, 2)))
    for stage in range(4):  # the chosen cell of stage 3, then its field on stages 2, 1 and the input
        np.testing.assert_array_equal(lit(fig, stage), cone[stage])
    assert cone[0].sum() == 20  # rows 0-4, columns 1-4 (the field starts at -3: padding is not lit)
    assert not lit(fig, 4).any()  # stages after the chosen one stay dark
    table = " ".join(m.value for m in at.markdown)
    assert "| 3 | 3 x [3x3x2], padding 1 | 3, 1, 1, 1 | 7 | 2 | -3 |" in table


def test_a_click_picks_stage_row_and_column_and_nothing_else() -> None:
    assert clicked_cell({"stage": 3, "row": 1, "col": 2, "seq": 4}) == (3, 1, 2)
    for bad in (None, 4, {"stage": 3, "row": 1}, {"stage": True, "row": 1, "col": 2},
                {"stage": 3, "row": -1, "col": 2}, {"stage": 3, "row": 1.5, "col": 2},
                {"stage": "3", "row": 1, "col": 2}):
        assert clicked_cell(bad) is None, bad


def test_every_cell_carries_its_clipped_field_box_for_hover_and_click() -> None:
    stages = run_stack(founding_image(), founding_specs())
    shapes, specs = [s.shape for s in stages], [s.layer.spec for s in stages[1:]]
    steps = stack_arithmetic(shapes, specs)
    fig = cone_figure([s.tensor for s in stages], stack_cone(shapes, specs, 1, (2, 0)), [str(i) for i in range(5)],
                      chosen=(1, 2, 0), boxes=[field_boxes(steps, i, s[:2], (5, 5)) for i, s in enumerate(shapes)])
    go.Figure(fig)  # valid for Plotly, as st.plotly_chart checks it
    targets = next(t for t in fig["data"] if t.get("name") == "cells 1")
    assert [2, 0, 2, 4, 0, 2] == targets["customdata"][6][1:]
    assert targets["text"][6] == "stage 1, cell (2, 0) sees input rows 2–4, columns 0–2"
    assert field_boxes(steps, 4, (1, 1), (5, 5)).tolist() == [[[0, 4, 0, 4]]]
    np.testing.assert_array_equal(lit(fig, 0), receptive_field((5, 5), _windows(specs[:1]), (2, 0)))


def _studio_app() -> None:
    from visualizer.ui import studio

    studio.render()


def _named(fig: dict, name: str) -> np.ndarray:
    trace = next(t for t in fig["data"] if t.get("name") == name)
    return np.array([[v == 1 for v in row] for row in trace["z"]])


def _growth(at: AppTest) -> dict:
    """The field figure under the player (drawn by the player's plotly_figures component, key studio_field)."""
    element = next(c for c in at.get("component_instance") if c.proto.id.endswith("studio_field"))
    return json.loads(element.proto.json_args)["figures"][0]


def _studio_on(query: dict[str, str], edit=None) -> AppTest:
    """The studio run on the state a share link with ``query`` gives (``edit(state)`` first, if given)."""
    from visualizer.studio_state import from_query
    from visualizer.ui.studio_model import STATE_KEY

    state, errors = from_query(query)
    assert not errors, errors
    if edit is not None:
        edit(state)
    at = AppTest.from_function(_studio_app, default_timeout=TIMEOUT)
    at.session_state[STATE_KEY] = state
    at.run()
    assert not at.exception
    return at


def test_the_studio_shows_the_current_cells_field_with_holes_and_a_second_layer_grows_it() -> None:
    from visualizer.studio_state import to_query
    from visualizer.ui.studio_model import STATE_KEY

    at = _studio_on({"dilation": "2", "padding": "1", "step": "5"})
    fig = _growth(at)
    one = _named(fig, "field 1 layer")
    window = ((3, 3), (1, 1), (1, 1), (2, 2))
    np.testing.assert_array_equal(one, receptive_field((5, 5), [window], (1, 1)))  # step 5 computes out(1, 1)
    assert one.sum() == 9 and not one[1].any() and not one[:, 3].any()  # 3x3 taps 2 apart: rows and columns 0, 2, 4
    assert not any(t["name"] == "field 2 layers" for t in fig["data"])
    at.toggle(key="w_field_layers").set_value(True).run()
    assert at.session_state[STATE_KEY].field_layers == 2
    assert to_query(at.session_state[STATE_KEY])["field"] == "2"
    two = _named(_growth(at), "field 2 layers")  # the second layer's output is 1x1: its one cell, (0, 0)
    np.testing.assert_array_equal(two, receptive_field((5, 5), [window, window], (0, 0)))
    assert "After two such layers, r = r₁ + (k' − 1)·j₁ = 9" in " ".join(c.value for c in at.caption)


def test_the_field_layers_link_value_is_parsed_strictly() -> None:
    from visualizer.studio_state import from_query

    state, errors = from_query({"field": "2"})
    assert state.field_layers == 2 and not errors
    state, errors = from_query({"field": "3"})
    assert state.field_layers == 1 and errors == ["field must be a whole number from 1 to 2"]


def test_a_transposed_cell_lights_the_inputs_whose_stamps_reach_it() -> None:
    from visualizer.receptive import transposed_field

    # 5x5 input, 3x3 kernel, stride 2: an 11x11 output; step 14 computes out(1, 2), which the stamps of input
    # (0, 0) (tap (1, 2)) and (0, 1) (tap (1, 0)) reach, and no other
    at = _studio_on({"kind": "transposed", "stride": "2", "step": "14"})
    one = _named(_growth(at), "field 1 layer")
    want = np.zeros((5, 5), dtype=bool)
    want[0, 0] = want[0, 1] = True
    np.testing.assert_array_equal(one, want)
    captions = " ".join(c.value for c in at.caption)
    assert "Output cell (1, 2) is the sum of the stamps of the 2 input pixels lit (1 row by 2 columns)" in captions
    at.toggle(key="w_field_layers").set_value(True).run()
    assert not at.exception
    two = _named(_growth(at), "field 2 layers")
    window = ((3, 3), (2, 2), (0, 0), (1, 1))
    np.testing.assert_array_equal(two, transposed_field((5, 5), [window, window], (1, 2)))
    assert f"After a second such layer the cell sees {int(two.sum())} input pixel" in " ".join(
        c.value for c in at.caption)


def test_a_grouped_layers_field_is_the_standard_window() -> None:
    def one_filter_a_channel(state) -> None:
        state.bank, state.names, state.bias = state.bank[:3], state.names[:3], state.bias[:3]

    at = _studio_on({"kind": "depthwise", "channels": "3", "padding": "1", "step": "1"}, one_filter_a_channel)
    one = _named(_growth(at), "field 1 layer")
    np.testing.assert_array_equal(one, receptive_field(one.shape, [((3, 3), (1, 1), (1, 1), (1, 1))], (0, 0)))
    assert "groups narrow the channels a filter sees, not the pixels" in " ".join(c.value for c in at.caption)
