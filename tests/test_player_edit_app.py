"""The player's kernel edits as the app receives them (AppTest): what it writes into the state, what it refuses,
and the light figure it sends right after an edit on a large animation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_studio_app import X_KERNEL, player, player_element, run_app, send, state

from visualizer.studio_state import KERNEL_LIMIT
from visualizer.ui.animation_view import LIGHT_ABOVE, LIGHT_DENSE, LIGHT_FRAMES

SEQ = iter(range(10, 10**6))


def player_sends(at, **change) -> None:
    value = {"step": 0, "speed_ms": 400, "width": 1180, "avail": 520, "seq": next(SEQ), **change}
    send(at, player_element(at).proto.id, json_value=json.dumps(value))


def test_a_typed_cell_is_written_into_the_state_and_sent_back_to_the_player() -> None:
    at = run_app()
    player_sends(at, edit={"filter": 0, "channel": 0, "row": 1, "col": 2, "text": "-0.25"})
    expected = X_KERNEL.copy()
    expected[1, 2] = -0.25
    np.testing.assert_array_equal(state(at).bank[0, :, :, 0], expected)
    assert state(at).names[0].endswith("(edited)")
    np.testing.assert_array_equal(np.array(player(at)["kernel"]["values"])[:, :, 0], expected)


@pytest.mark.parametrize("edit", [
    {"filter": 0, "channel": 0, "row": 0, "col": 0, "text": "nan"},
    {"filter": 0, "channel": 0, "row": 0, "col": 0, "text": "1e7"},
    {"filter": 0, "channel": 0, "row": 0, "col": 0, "text": "2 + 2"},
    {"filter": 0, "channel": 0, "row": 3, "col": 0, "text": "1"},
    {"filter": 0, "channel": 1, "row": 0, "col": 0, "text": "1"},
    {"filter": 2, "channel": 0, "row": 0, "col": 0, "text": "1"},
    {"filter": 0, "channel": True, "row": 0, "col": 0, "text": "1"},
    {"filter": 0, "channel": 0, "row": 0, "col": 0, "text": 5},
])
def test_a_hostile_edit_changes_nothing_and_the_player_is_told_why(edit: dict) -> None:
    at = run_app()
    before = state(at).bank.copy()
    player_sends(at, edit=edit)
    np.testing.assert_array_equal(state(at).bank, before)
    assert "not used" in player(at)["kernel"]["notice"]["text"]


def test_the_player_gets_the_apps_one_range_and_grammar() -> None:
    spec = player(run_app())["kernel"]
    assert spec["limit"] == KERNEL_LIMIT and spec["filter"] == 0 and spec["axes"] == [["x2", "y2"]]
    assert ["sharpen", "Sharpen"] in spec["presets"]


def test_after_an_edit_a_large_animation_is_sent_light_then_whole() -> None:
    at = run_app({"example": "Shapes (64x64, colour)", "channels": "3", "size": "64"})
    whole = len(player(at)["figure"]["frames"])
    assert not player(at)["partial"] and whole > 3 * LIGHT_ABOVE
    player_sends(at, edit={"filter": 0, "channel": 2, "row": 0, "col": 0, "text": "3"})
    light = player(at)
    assert light["partial"] and len(light["figure"]["frames"]) <= LIGHT_FRAMES + 2 * LIGHT_DENSE + 2
    assert state(at).bank[0, 0, 0, 2] == 3
    player_sends(at, complete=True)
    assert not player(at)["partial"] and len(player(at)["figure"]["frames"]) == whole


def test_a_typed_value_reruns_the_player_and_the_maps_in_one_run_and_what_is_below_follows_the_pages_report(
        monkeypatch) -> None:
    """A typed value reruns the player's fragment (the player, the maps, the address bar) in one run, and asks for no
    other (AppTest runs the whole page then, a browser that fragment alone, not the stage's shapes, field or sliding
    controls). The player is asked to report once the figure is drawn; that report reruns the header (the first value
    makes the filter "... (edited)" in its picker), the field's part of the stage and the exports, quiz and code
    below, and they follow too."""
    import streamlit as st

    from visualizer import activate, conv2d
    from visualizer.ui.studio_model import BELOW_PART, FIELD_PART, HEADER_PART

    asked = []
    rerun = st.rerun

    def recording(*args, **kwargs):
        asked.append(args[0] if args else kwargs.get("scope"))
        rerun(*args, **kwargs)
    monkeypatch.setattr(st, "rerun", recording)

    at = run_app()
    at.session_state["w_code_open"] = True  # the code is drawn only while its section is open
    player_sends(at, edit={"filter": 0, "channel": 0, "row": 0, "col": 0, "text": "2"})
    assert asked == [], asked
    assert state(at).names[0] == "X (founding example) (edited)"
    player_sends(at, edit={"filter": 0, "channel": 0, "row": 1, "col": 1, "text": "-3"})
    assert asked == [], asked
    s = state(at)
    assert s.bank[0, 0, 0, 0] == 2 and s.bank[0, 1, 1, 0] == -3
    np.testing.assert_array_equal(np.array(player(at)["kernel"]["values"])[:, :, 0], s.bank[0, :, :, 0])
    from test_studio_app import heatmaps

    from visualizer.ui.studio_model import working_image
    want = conv2d(working_image(s), s.bank, s.effective_bias)
    np.testing.assert_allclose(heatmaps(at, "maps_before")[0], want[:, :, 0], atol=1e-9)
    np.testing.assert_allclose(heatmaps(at, "maps_after")[0], activate(want, s.activation)[:, :, 0], atol=1e-9)
    player_sends(at, refresh=True)  # the page drew the figure: the exports, quiz and code follow, and only they run
    assert asked == [[HEADER_PART, FIELD_PART, BELOW_PART]], asked
    keys = {getattr(e, "key", None) for kind in ("number_input", "selectbox") for e in at.get(kind)}
    assert "w_stride" not in keys and "w_activation" not in keys, keys  # the stage did not run
    assert at.selectbox(key="w_selected").options[0] == "1: X (founding example) (edited)"
    code = " ".join(c.value for c in at.code)
    assert "-3" in code, "the generated code did not follow the typed value"


def test_a_run_of_the_whole_page_does_not_ask_the_page_to_report() -> None:
    """The stage tells the player to report (``refresh``) only when the part below has not drawn the current state:
    not after a run of the whole page, which draws that part too (a stride set here: AppTest runs the whole page)."""
    at = run_app()
    assert not player(at)["refresh"]
    at.number_input(key="w_stride").set_value(2).run()
    assert state(at).stride == 2 and not player(at)["refresh"]
