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


def _cone(at: AppTest) -> dict:
    for chart in at.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        if any(t.get("name") == "field 0" for t in fig["data"]):
            return fig
    raise AssertionError("no cone figure on the page")


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


def test_a_click_event_picks_stage_row_and_column() -> None:
    event = {"selection": {"points": [{"customdata": [3, 1, 2, 0, 4, 1, 4], "x": 2, "y": 1}]}}
    assert clicked_cell(event) == (3, 1, 2)
    assert clicked_cell({"selection": {"points": [{"customdata": 4}]}}) is None
    assert clicked_cell(None) is None


def test_every_cell_carries_its_clipped_field_box_for_hover_and_click() -> None:
    stages = run_stack(founding_image(), founding_specs())
    shapes, specs = [s.shape for s in stages], [s.layer.spec for s in stages[1:]]
    steps = stack_arithmetic(shapes, specs)
    fig = cone_figure([s.tensor for s in stages], stack_cone(shapes, specs, 1, (2, 0)), [str(i) for i in range(5)],
                      chosen=(1, 2, 0), steps=steps)
    go.Figure(fig)  # valid for Plotly, as st.plotly_chart checks it
    targets = next(t for t in fig["data"] if t.get("name") == "cells 1")
    assert [2, 0, 2, 4, 0, 2] == targets["customdata"][6][1:]
    assert field_boxes(steps, 4, (1, 1), (5, 5)).tolist() == [[[0, 4, 0, 4]]]
    np.testing.assert_array_equal(lit(fig, 0), receptive_field((5, 5), _windows(specs[:1]), (2, 0)))
