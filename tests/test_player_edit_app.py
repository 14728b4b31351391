"""The player's kernel edits as the app receives them (AppTest): what it writes into the state, what it refuses,
and the light figure it sends right after an edit on a large animation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_studio_app import X_KERNEL, player, player_element, run_app, send, state

from visualizer.studio_state import KERNEL_LIMIT
from visualizer.ui.animation_view import DENSE_FRAMES, LIGHT_FRAMES

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
    assert not player(at)["partial"] and whole > 3 * LIGHT_FRAMES
    player_sends(at, edit={"filter": 0, "channel": 2, "row": 0, "col": 0, "text": "3"})
    light = player(at)
    assert light["partial"] and len(light["figure"]["frames"]) <= LIGHT_FRAMES + 2 * DENSE_FRAMES + 2
    assert state(at).bank[0, 0, 0, 2] == 3
    player_sends(at, complete=True)
    assert not player(at)["partial"] and len(player(at)["figure"]["frames"]) == whole
