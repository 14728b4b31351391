"""The kind of convolution in the studio (AppTest): the transposed kind plays the equivalent ordinary convolution
with PyTorch's numbers, draws the stamping view, goes into the share link, the exports, the code and the quiz."""

from __future__ import annotations

import json

import numpy as np
import torch
from test_studio_app import chart, player, rerun, run_app, state

from visualizer import family
from visualizer.figures.family import stamp_figure, stamp_frame_steps
from visualizer.figures.gif import animation_gif
from visualizer.quiz import shape_question
from visualizer.studio_state import from_query, to_query
from visualizer.ui.animation_view import studio_trace
from visualizer.ui.studio_model import working_image


def torch_transposed(image, bank, bias, stride, padding, dilation):
    x = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
    w = torch.from_numpy(bank.transpose(3, 0, 1, 2).copy())
    y = torch.nn.functional.conv_transpose2d(x, w, torch.from_numpy(bias), stride=stride, padding=padding,
                                             dilation=dilation)
    return y[0].numpy().transpose(1, 2, 0)


def _component(at, key: str) -> dict:
    element = next(c for c in at.get("component_instance") if c.proto.id.endswith(key))
    return json.loads(element.proto.json_args)


def test_the_transposed_kind_plays_pytorchs_numbers_and_draws_the_stamping() -> None:
    at = run_app({"kind": "transposed", "stride": "2", "padding": "1", "filter": "2"})
    s = state(at)
    assert s.kind == "transposed" and at.selectbox(key="w_kind").value == "transposed"
    image = working_image(s)
    want = torch_transposed(image, s.bank, s.effective_bias, 2, 1, 1)
    assert want.shape == (9, 9, 4)  # (5 - 1)*2 - 2*1 + 1*(3 - 1) + 0 + 1
    fig = player(at)["figure"]
    output = next(t for t in fig["data"] if t.get("name") == "output")
    np.testing.assert_allclose(np.array(output["z"], dtype=float), want[:, :, 1], atol=1e-9)
    assert player(at)["steps"] == 81
    stamps = _component(at, "family_stamps")["figures"][0]
    last = stamps["frames"][-1]["data"][1]["z"]
    np.testing.assert_allclose(np.array(last), want[:, :, 1], atol=1e-9)
    maps = chart(at, "maps_before")
    assert "[9 x 9 x 4]" in json.dumps(_component(at, "feature_maps")["headings"]) and maps["data"]
    text = " ".join(m.value for m in at.markdown)
    assert "(5 - 1)*2 - 2*1 + 1*(3 - 1) + 0 + 1 = 9" in text
    assert "[9 x 9 x 4]" in text
    assert to_query(s)["kind"] == "transposed"


def test_the_transposed_kind_generates_code_that_runs_and_matches_pytorch() -> None:
    at = run_app({"kind": "transposed", "stride": "2", "dilation": "2"})
    at.session_state["w_code_open"] = True
    rerun(at)
    code = next(c.value for c in at.code if "conv_transpose2d" in c.value)
    namespace: dict = {}
    exec(code, namespace)  # our own generated code, in a test
    s = state(at)
    want = torch_transposed(working_image(s), s.bank, s.effective_bias, 2, 0, 2)
    np.testing.assert_allclose(namespace["out"], want, atol=1e-12)
    np.testing.assert_allclose(namespace["out_torch"], want, atol=1e-12)


def test_the_transposed_kind_exports_and_quizzes_its_own_numbers() -> None:
    at = run_app({"kind": "transposed", "stride": "2"})
    at.session_state["w_quiz_open"] = True
    rerun(at)
    s = state(at)
    trace = studio_trace(s, working_image(s))
    np.testing.assert_allclose(trace.output, torch_transposed(working_image(s), s.bank, s.effective_bias, 2, 0, 1)
                               [:, :, 0], atol=1e-9)
    assert animation_gif(trace, max_frames=5)[:6] == b"GIF89a"  # the GIF plays the same trace
    question = " ".join(m.value for m in at.markdown)
    assert "A transposed convolution of a" in question
    q = shape_question(0, "transposed")
    assert q.answer == family.output_hw("transposed", q.input_hw, q.kernel_hw, stride=q.stride, padding=q.padding,
                                        dilation=q.dilation)


def test_a_bad_kind_in_a_link_is_refused_and_the_rest_kept() -> None:
    s, errors = from_query({"kind": "sideways", "stride": "2"})
    assert s.kind == "standard" and s.stride == 2
    assert errors == ["kind must be one of: standard, transposed"]


def test_the_stamping_figure_of_a_64x64_image_stays_lean() -> None:
    rng = np.random.default_rng(0)
    image = rng.random((64, 64, 3))
    stamps = family.stamp_steps(image, rng.normal(size=(3, 3, 3)), stride=2, padding=1, dilation=1)
    fig = stamp_figure(image, stamps)
    assert len(fig["frames"]) == len(stamp_frame_steps(stamps)) < stamps.steps
    assert len(json.dumps(fig)) < 2_000_000
