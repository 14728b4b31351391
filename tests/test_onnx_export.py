"""Our networks as ONNX (visualizer.onnx_export): onnxruntime and PyTorch (the model rebuilt in torch from the
weights) compute what our engine does, this app reads the file back to the same stages, and the shipped .onnx
files are exactly what the scripts make."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from visualizer import LayerSpec, learn, read_onnx, run_stack
from visualizer.network import build_layers, founding_specs
from visualizer.onnx_export import ExportError, model_to_onnx, stack_to_onnx

ASSETS = Path(__file__).resolve().parent.parent / "assets"
TOL = 1e-4


def _nchw(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


def _torch_stack(specs: list[LayerSpec], params: list[dict], x: np.ndarray) -> np.ndarray:
    """The stack rebuilt in PyTorch from the same weights (an independent implementation of every layer)."""
    t = torch.from_numpy(x.transpose(2, 0, 1)[None].astype(np.float64))
    acts = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "none": lambda v: v,
            "leaky_relu": lambda v: torch.nn.functional.leaky_relu(v, 0.01)}
    for spec, p in zip(specs, params, strict=True):
        if spec.kind == "conv":
            w = torch.from_numpy(p["filters"].transpose(0, 3, 1, 2).copy())
            t = torch.nn.functional.conv2d(t, w, torch.from_numpy(p["bias"]), stride=spec.stride, padding=spec.padding)
        elif spec.kind == "activation":
            t = acts[spec.activation](t)
        else:
            pool = torch.nn.functional.max_pool2d if spec.pool_mode == "max" else torch.nn.functional.avg_pool2d
            t = pool(t, spec.pool_size)
    return t.numpy()


def _check_round_trip(specs, params, x: np.ndarray, names=None) -> None:
    data = stack_to_onnx(specs, params, x.shape, class_names=names)
    ours = run_stack(x, specs, params)
    # onnxruntime on the file
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    out = session.run(None, {"input": _nchw(x)})[0]
    np.testing.assert_allclose(out[0].transpose(1, 2, 0), ours[-1].tensor, rtol=TOL, atol=TOL)
    # PyTorch from the weights
    np.testing.assert_allclose(_torch_stack(specs, params, x)[0].transpose(1, 2, 0), ours[-1].tensor, rtol=1e-9,
                               atol=1e-9)
    # this app, reading the file again: the same stages, the same numbers
    network = read_onnx(data)
    assert [s.label for s in network.stages[1:]] == [s.label for s in ours[1:]]
    assert [s.image_shape for s in network.stages] == [s.shape for s in ours]
    values = network.run(_nchw(x))
    for i, stage in enumerate(ours):
        np.testing.assert_allclose(network.image(i, values[i]), stage.tensor, rtol=TOL, atol=TOL)
    assert network.labels == tuple(names or ())


@pytest.mark.parametrize("name", ["shapes", "digits"])
def test_the_trained_networks_round_trip(name: str) -> None:
    model = learn.load_trained(name)
    x = np.random.default_rng(0).random(model.input_shape)
    _check_round_trip(model.specs, model.params, x, model.class_names)


def test_a_stack_from_the_stack_editor_round_trips() -> None:
    specs = [LayerSpec("conv", n_filters=4, kernel=3, padding=1, seed=4),
             LayerSpec("activation", activation="leaky_relu"), LayerSpec("pool", pool_size=2, pool_mode="avg"),
             LayerSpec("conv", n_filters=3, kernel=2, stride=2, seed=5), LayerSpec("activation", activation="sigmoid"),
             LayerSpec("activation", activation="tanh"), LayerSpec("pool", pool_size=2, pool_mode="max"),
             LayerSpec("activation", activation="none")]
    x = np.random.default_rng(1).random((13, 11, 3))
    layers = build_layers(specs, 3)  # the seeded weights the network view shows
    _check_round_trip(specs, [layer.params for layer in layers], x)


def test_a_network_trained_here_and_one_taught_on_drawings_round_trip() -> None:
    data = learn.make_shapes(30, seed=3)
    model = learn.new_model(founding_specs(), (5, 5, 1), data.class_names, seed=1)
    learn.train(model, data, data, epochs=2, batch_size=16, lr=0.01, seed=0)
    _check_round_trip(model.specs, model.params, data.images[0], model.class_names)
    specs = founding_specs()
    own = learn.new_model(specs[:-1] + [replace(specs[-1], n_filters=3)], (5, 5, 1), ["cat", "<b>x</b>", "*"], seed=0)
    three = learn.Dataset("own", data.images[:9], np.arange(9) % 3, list(own.class_names))
    learn.train(own, three, three, epochs=2, batch_size=4, lr=0.01, seed=0)
    _check_round_trip(own.specs, own.params, data.images[1], own.class_names)


def test_the_binary_step_has_no_onnx_form_and_says_so() -> None:
    specs = [LayerSpec("conv", n_filters=2, kernel=3), LayerSpec("activation", activation="step")]
    layers = build_layers(specs, 1)
    with pytest.raises(ExportError, match="layer 2 is the binary step"):
        stack_to_onnx(specs, [la.params for la in layers], (5, 5, 1))


@pytest.mark.parametrize(("file", "name", "title"), [
    ("founding_chain.onnx", "shapes", "the founding chain, trained on six 5x5 shapes"),
    ("digits_net.onnx", "digits", "the digits network, trained on the UCI 8x8 digits"),
])
def test_the_shipped_onnx_files_are_what_the_script_makes_from_the_shipped_weights(file, name, title) -> None:
    assert (ASSETS / file).read_bytes() == model_to_onnx(learn.load_trained(name), name=title)


@pytest.mark.parametrize("file", ["lenet5_digits.onnx", "tiny_mobilenet_shapes.onnx"])
def test_the_shipped_example_cnns_open_and_match_onnxruntime(file: str) -> None:
    data = (ASSETS / file).read_bytes()
    network = read_onnx(data)
    x = np.random.default_rng(2).random(network.input_shape).astype(np.float32)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    want = session.run(None, {network.input_name: x})[0]
    np.testing.assert_allclose(network.run(x)[network.output], want, rtol=TOL, atol=TOL)
    assert len(network.labels) == want.shape[1]
    if "mobilenet" in file:
        assert any(len(s.inputs) == 2 for s in network.stages)  # a residual add
        assert any(s.spec is not None and s.spec.groups > 1 for s in network.stages)  # depthwise
