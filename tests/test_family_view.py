"""The kind of convolution in the studio (AppTest): the transposed kind plays the equivalent ordinary convolution
with PyTorch's numbers, draws the stamping view, goes into the share link, the exports, the code and the quiz."""

from __future__ import annotations

import json

import numpy as np
import torch
from test_studio_app import maps_panel, player, rerun, run_app, state

from visualizer import family
from visualizer.figures.family import stamp_figure, stamp_frame_steps
from visualizer.figures.gif import animation_gif
from visualizer.quiz import shape_question
from visualizer.studio_state import from_query, to_query
from visualizer.text import md_text
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
    maps = maps_panel(at, "maps_before")
    assert "[9 x 9 x 4]" in json.dumps(maps["heading"]) and len(maps["tiles"]) == 4
    text = " ".join(m.value for m in at.markdown)
    assert "(5 - 1)*2 - 2*1 + 1*(3 - 1) + 0 + 1 = 9" in text
    assert "[9 x 9 x 4]" in text
    assert to_query(s)["kind"] == "transposed"


def _generated(at, marker: str) -> dict:
    """Open the code section, run the generated code that contains ``marker``, and return its names."""
    at.session_state["w_code_open"] = True
    rerun(at)
    code = next(c.value for c in at.code if marker in c.value)
    namespace: dict = {}
    exec(code, namespace)  # our own generated code, in a test
    return namespace


def test_the_transposed_kind_generates_code_that_runs_and_matches_pytorch() -> None:
    at = run_app({"kind": "transposed", "stride": "2", "dilation": "2"})
    namespace = _generated(at, "conv_transpose2d")
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
    assert errors == ["kind must be one of: standard, transposed, grouped, depthwise, separable"]


def test_the_stamping_figure_of_a_64x64_image_stays_lean() -> None:
    rng = np.random.default_rng(0)
    image = rng.random((64, 64, 3))
    stamps = family.stamp_steps(image, rng.normal(size=(3, 3, 3)), stride=2, padding=1, dilation=1)
    fig = stamp_figure(image, stamps)
    assert len(fig["frames"]) == len(stamp_frame_steps(stamps)) < stamps.steps
    assert len(json.dumps(fig)) < 2_000_000


def _grouped_link(kind: str, groups: int = 1, n: int = 6, selected: int = 4) -> dict[str, str]:
    """An RGB studio's link with ``n`` random filters, the kind and groups given."""
    from visualizer.studio_state import StudioState

    s = StudioState(channels=3, kind=kind, groups=groups, stride=2, padding=1, use_bias=True)
    s.bank = np.random.default_rng(7).normal(size=(n, 3, 3, 3)).round(3)
    s.names = [f"f{i}" for i in range(n)]
    s.bias = np.linspace(-0.5, 0.5, n)
    s.selected = selected
    return to_query(s)


def torch_grouped(image, weight, bias, groups):
    x = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
    w = torch.from_numpy(weight.transpose(0, 3, 1, 2).copy())
    y = torch.nn.functional.conv2d(x, w, None if bias is None else torch.from_numpy(bias), stride=2, padding=1,
                                   groups=groups)
    return y[0].numpy().transpose(1, 2, 0)


def test_grouped_depthwise_and_separable_play_pytorchs_numbers_and_share() -> None:
    for kind, groups in (("grouped", 3), ("depthwise", 1), ("separable", 1)):
        link = _grouped_link(kind, groups)
        at = run_app(link)
        s = state(at)
        assert s.kind == kind and s.bank.shape == (6, 3, 3, 3) and s.selected == 4, (kind, s.bank.shape)
        image = working_image(s)
        assert image.shape[2] == 3
        g = 3  # 6 filters over 3 channels: groups=3 is also depthwise; filter 5 (index 4) is in group 4 // 2 = 2
        weight = np.stack([s.bank[f][:, :, [f // 2]] for f in range(6)])
        depthwise = torch_grouped(image, weight, None, g)
        want = depthwise + s.effective_bias if kind != "separable" else None
        if kind == "separable":
            pw = np.array([[s.bank[m, :, :, j // 2].mean() for j in range(6)] for m in range(6)])
            want = depthwise @ pw.T + s.effective_bias
        np.testing.assert_allclose(family.layer_output(kind, image, s.bank, s.effective_bias, stride=2, padding=1,
                                                       dilation=1, groups=s.groups), want, atol=1e-9)
        fig = player(at)["figure"]
        output = next(t for t in fig["data"] if t.get("name") == "output")
        played = depthwise[:, :, 4] + (0 if kind == "separable" else s.effective_bias[4])
        np.testing.assert_allclose(np.array(output["z"], dtype=float), played, atol=1e-9)
        trace = studio_trace(s, image)
        assert trace.image.shape[2] == 1 and np.array_equal(trace.image[:, :, 0], image[:, :, 2])
        text = " ".join(m.value for m in at.markdown)
        assert "Filter 5 is in group 3 of 3: it sees only channel 3 of 3" in text
        assert "6 filters [3 x 3 x 1]" in text and "floor((5 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 3" in text
        assert "channel sums are added" not in text  # the standard layer's sentence is not said of this one
        counts = family.multiply_adds(kind, image.shape, (3, 3), 6, stride=2, padding=1, dilation=1, groups=g)
        assert md_text(f"{counts['standard'] / counts['layer']:.3g}x fewer") in text  # the Markdown source
        assert from_query(to_query(s))[0].kind == kind
        maps = _component(at, "feature_maps")
        assert [len(panel["tiles"]) for panel in maps["panels"]][:2] == [6, 6]


def test_groups_that_do_not_divide_say_so_and_name_the_nearest() -> None:
    at = run_app(_grouped_link("grouped", 4))
    s = state(at)
    assert s.groups == 4 and to_query(s)["groups"] == "4"
    assert from_query(to_query(s))[0].groups == 4
    problems = " ".join(e.value for e in at.error) + " ".join(w.value for w in at.warning)
    assert "4 groups do not divide both the 3 channels and the 6 filters; the nearest that does is 3" in problems
    at.number_input(key="w_groups").set_value(3)
    rerun(at)
    assert state(at).groups == 3 and not at.error
    at = run_app(_grouped_link("depthwise", n=4, selected=0))
    problems = " ".join(e.value for e in at.error) + " ".join(w.value for w in at.warning)
    assert "use 3 or 6 filters" in problems


def test_grayscale_makes_grouped_the_standard_layer_and_says_so() -> None:
    at = run_app({"kind": "depthwise", "stride": "2"})
    s = state(at)
    assert s.channels == 1
    text = " ".join(i.value for i in at.info)
    assert "computes exactly what the standard convolution does" in text
    image = working_image(s)
    from visualizer.conv import conv2d
    np.testing.assert_allclose(family.layer_output("depthwise", image, s.bank, s.effective_bias, stride=2,
                                                   padding=0, dilation=1),
                               conv2d(image, s.bank, s.effective_bias, stride=2), atol=1e-12)


def test_the_grouped_kinds_generate_code_that_runs_and_matches() -> None:
    for kind, groups in (("grouped", 3), ("separable", 1)):
        at = run_app(_grouped_link(kind, groups))
        namespace = _generated(at, "groups=groups")
        s = state(at)
        want = family.layer_output(kind, working_image(s), s.bank, s.effective_bias, stride=2, padding=1,
                                   dilation=1, groups=s.groups)
        np.testing.assert_allclose(namespace["out"], want, atol=1e-12)
        np.testing.assert_allclose(namespace["out_torch"], want, atol=1e-12)


def test_the_grouped_kinds_export_and_quiz_their_own_numbers() -> None:
    at = run_app(_grouped_link("grouped", 3))
    at.session_state["w_quiz_open"] = True
    rerun(at)
    s = state(at)
    image = working_image(s)
    trace = studio_trace(s, image)
    np.testing.assert_allclose(trace.output, family.layer_output("grouped", image, s.bank, s.effective_bias, stride=2,
                                                                 padding=1, dilation=1, groups=3)[:, :, 4],
                               atol=1e-9)
    assert animation_gif(trace, max_frames=5)[:6] == b"GIF89a"
    assert "A grouped convolution of a" in " ".join(m.value for m in at.markdown)
    q = shape_question(0, "separable")
    assert "A depthwise-separable convolution of a" in q.text()
    assert q.answer == family.output_hw("standard", q.input_hw, q.kernel_hw, stride=q.stride, padding=q.padding,
                                        dilation=q.dilation)
