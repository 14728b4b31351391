"""What a person reads in the studio matches what is there, and a bad link never breaks a widget (AppTest)."""

from __future__ import annotations

import base64
import json
import zlib

from test_studio_app import rerun, run_app, state


def bank_link(entries: list) -> str:
    payload = json.dumps({"k": [3, 3], "f": entries}, separators=(",", ":"))
    return base64.urlsafe_b64encode(zlib.compress(payload.encode())).decode().rstrip("=")


def test_the_founding_filter_shows_custom_not_a_preset_it_is_not() -> None:
    at = run_app()
    assert state(at).names[0] == "X (founding example)"
    assert at.selectbox(key="w_preset").value == "custom"
    captions = " ".join(c.value for c in at.caption)
    assert "Copies the centre pixel" not in captions and "Custom: values of its own" in captions
    assert at.button(key="apply_preset").disabled


def test_the_preset_box_follows_the_filter_shown() -> None:
    at = run_app()
    at.selectbox(key="w_selected").set_value(1)
    rerun(at)
    assert at.selectbox(key="w_preset").value == "sobel x"
    at.selectbox(key="w_preset").set_value("laplacian")
    rerun(at)
    assert at.selectbox(key="w_preset").value == "laplacian", "a pick stays until Apply"
    at.button(key="apply_preset").click()
    rerun(at)
    assert state(at).names[1] == "laplacian" and at.selectbox(key="w_preset").value == "laplacian"


def test_a_link_with_a_bias_beyond_the_inputs_range_is_refused_and_the_editor_works() -> None:
    at = run_app({"bank": bank_link([["a", ["preset", "identity"], 150.0]]), "bias": "1"})
    warning = " ".join(w.value for w in at.warning)
    assert "bias must be a number between \\-100 and 100" in warning  # Markdown-escaped
    assert not [e for e in at.error if "Something went wrong" in e.value]
    bias_inputs = [n for n in at.number_input if n.key and n.key.startswith("bias_")]
    assert len(bias_inputs) == 1 and bias_inputs[0].value == 0.0
