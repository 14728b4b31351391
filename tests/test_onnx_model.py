"""Models read from ONNX files (visualizer.onnx_model): every operator and attribute against onnxruntime on
random inputs, PyTorch's two exporters, hypothesis over convolution and pooling attributes, and every hostile
file refused with a message before anything runs."""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from onnx_builders import f32, model, one_op, tensor

from visualizer import ModelError, read_onnx, run_onnx
from visualizer.onnx_model import MAX_FILE_BYTES, MAX_MACS, MAX_PARAMS

TOL = 1e-4


def reference(data: bytes, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def assert_like_onnxruntime(data: bytes, x: np.ndarray) -> np.ndarray:
    ours = run_onnx(data, x)
    want = reference(data, x)
    assert ours.shape == want.shape
    np.testing.assert_allclose(ours, want, rtol=TOL, atol=TOL)
    return ours


rng = np.random.default_rng(0)
X = f32(rng, 1, 4, 9, 7)  # non-square on purpose


def _cases() -> dict[str, tuple[bytes, tuple]]:
    w = f32(rng, 6, 4, 3, 2)
    b = f32(rng, 6)
    cases = {
        "conv bias asym pads strides dilations": one_op("Conv", X.shape, weights={"w": w, "b": b},
                                                        pads=[1, 0, 2, 1], strides=[2, 1], dilations=[1, 2]),
        "conv same_upper": one_op("Conv", X.shape, weights={"w": w}, auto_pad="SAME_UPPER", strides=[2, 2]),
        "conv same_lower": one_op("Conv", X.shape, weights={"w": w}, auto_pad="SAME_LOWER"),
        "conv valid": one_op("Conv", X.shape, weights={"w": w}, auto_pad="VALID"),
        "conv grouped": one_op("Conv", X.shape, weights={"w": f32(rng, 6, 2, 3, 3), "b": b}, group=2, pads=[1] * 4),
        "conv depthwise": one_op("Conv", X.shape, weights={"w": f32(rng, 8, 1, 3, 3)}, group=4),
        "conv transpose": one_op("ConvTranspose", X.shape, weights={"w": f32(rng, 4, 3, 3, 2), "b": f32(rng, 3)},
                                 strides=[2, 3], pads=[1, 0, 0, 1], output_padding=[1, 0], dilations=[1, 2]),
        "conv transpose grouped": one_op("ConvTranspose", X.shape, weights={"w": f32(rng, 4, 3, 2, 2)}, group=2,
                                         strides=[2, 2]),
        "relu": one_op("Relu", X.shape),
        "leaky relu": one_op("LeakyRelu", X.shape, alpha=0.2),
        "clip relu6 (inputs)": one_op("Clip", X.shape, weights={"lo": np.float32(0), "hi": np.float32(0.5)}),
        "clip (opset 9 attributes)": one_op("Clip", X.shape, opset=9, min=-0.3, max=0.4),
        "sigmoid": one_op("Sigmoid", X.shape),
        "tanh": one_op("Tanh", X.shape),
        "softmax axis 1": one_op("Softmax", X.shape, axis=1),
        "softmax default": one_op("Softmax", X.shape),
        "softmax opset 11 (flattened)": one_op("Softmax", X.shape, opset=11, axis=2),
        "max pool": one_op("MaxPool", X.shape, kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1]),
        "max pool ceil dilated": one_op("MaxPool", X.shape, kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1,
                                        dilations=[2, 1]),
        "avg pool count_include_pad": one_op("AveragePool", X.shape, kernel_shape=[3, 3], strides=[2, 2],
                                             pads=[1, 1, 1, 1], count_include_pad=1),
        "avg pool ceil": one_op("AveragePool", X.shape, kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
        "avg pool same": one_op("AveragePool", X.shape, kernel_shape=[3, 3], auto_pad="SAME_UPPER"),
        "global average pool": one_op("GlobalAveragePool", X.shape),
        "global max pool": one_op("GlobalMaxPool", X.shape),
        "reduce mean HW (attr)": one_op("ReduceMean", X.shape, axes=[2, 3], keepdims=0),
        "reduce mean HW (input, opset 18)": one_op("ReduceMean", X.shape, weights={"axes": np.array([2, 3])},
                                                   opset=18),
        "batch norm": one_op("BatchNormalization", X.shape, weights={
            "s": f32(rng, 4), "b": f32(rng, 4), "m": f32(rng, 4), "v": np.abs(f32(rng, 4)) + 0.1}, epsilon=1e-3),
        "add constant broadcast": one_op("Add", X.shape, weights={"c": f32(rng, 4, 1, 1)}),
        "mul constant": one_op("Mul", X.shape, weights={"c": np.float32(0.5)}),
        "sub constant first": model([helper.make_node("Sub", ["c", "x"], ["y"])], X.shape,
                                    initializers={"c": f32(rng, 1, 1, 7)}),
        "div": one_op("Div", X.shape, weights={"c": np.float32(4.0)}),
        "flatten": one_op("Flatten", X.shape, axis=2),
        "reshape with 0 and -1": one_op("Reshape", X.shape, weights={"s": np.array([0, -1, 7])}),
        "transpose to channels-last": one_op("Transpose", X.shape, perm=[0, 2, 3, 1]),
        "pad constant": one_op("Pad", X.shape, weights={"p": np.array([0, 0, 1, 2, 0, 0, 2, 0]),
                                                        "v": np.float32(0.5)}),
        "pad reflect": one_op("Pad", X.shape, weights={"p": np.array([0, 0, 2, 1, 0, 0, 1, 2])}, mode="reflect"),
        "pad edge (opset 9)": one_op("Pad", X.shape, opset=9, pads=[0, 0, 1, 1, 0, 0, 1, 1], mode="edge"),
        "pad crop": one_op("Pad", X.shape, weights={"p": np.array([0, 0, -1, 1, 0, 0, 0, -2])}),
        "dropout": one_op("Dropout", X.shape),
        "identity": one_op("Identity", X.shape),
    }
    # Dense layers: Gemm (transB, alpha, beta, bias), MatMul, after Flatten.
    k = int(np.prod(X.shape[1:]))
    flat = helper.make_node("Flatten", ["x"], ["f"])
    cases["gemm transB alpha beta"] = model(
        [flat, helper.make_node("Gemm", ["f", "w", "c"], ["y"], transB=1, alpha=0.5, beta=2.0)], X.shape,
        initializers={"w": f32(rng, 5, k), "c": f32(rng, 5)})
    cases["gemm no bias"] = model([flat, helper.make_node("Gemm", ["f", "w"], ["y"])], X.shape,
                                  initializers={"w": f32(rng, k, 3)})
    cases["matmul"] = model([flat, helper.make_node("MatMul", ["f", "w"], ["y"])], X.shape,
                            initializers={"w": f32(rng, k, 4)})
    # A residual block and a concatenation: the graph is a DAG.
    cases["residual add"] = model([
        helper.make_node("Conv", ["x", "w"], ["a"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("Add", ["r", "x"], ["y"]),
    ], X.shape, initializers={"w": f32(rng, 4, 4, 3, 3)})
    cases["concat of two branches"] = model([
        helper.make_node("Conv", ["x", "w1"], ["a"]),
        helper.make_node("Conv", ["x", "w2"], ["b"]),
        helper.make_node("Concat", ["a", "b"], ["y"], axis=1),
    ], X.shape, initializers={"w1": f32(rng, 2, 4, 1, 1), "w2": f32(rng, 3, 4, 1, 1)})
    cases["mul of two stages"] = model([
        helper.make_node("Sigmoid", ["x"], ["s"]), helper.make_node("Mul", ["x", "s"], ["y"])], X.shape)
    cases["constant node and shape arithmetic"] = model([
        helper.make_node("Shape", ["x"], ["shp"]),
        helper.make_node("Constant", [], ["zero"], value=tensor("zero", np.array(0))),
        helper.make_node("Gather", ["shp", "zero"], ["n"], axis=0),
        helper.make_node("Constant", [], ["axes"], value=tensor("axes", np.array([0]))),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        helper.make_node("Constant", [], ["minus"], value=tensor("minus", np.array([-1]))),
        helper.make_node("Concat", ["n1", "minus"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["y"]),
    ], X.shape)
    return cases


CASES = _cases()


@pytest.mark.parametrize("name", list(CASES))
def test_every_operator_and_attribute_matches_onnxruntime(name: str) -> None:
    data = CASES[name]
    x = X.copy()
    assert_like_onnxruntime(data, x)


def test_channels_last_input_is_read_as_such_and_keras_style_transposes_run() -> None:
    """A Keras model (through tf2onnx) takes (1, H, W, C) and transposes to channels-first around its convolutions."""
    xs = f32(rng, 1, 10, 12, 3)
    data = model([
        helper.make_node("Transpose", ["x"], ["t"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["t", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Transpose", ["c"], ["back"], perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["back", "s"], ["f"]),
        helper.make_node("MatMul", ["f", "d"], ["y"]),
    ], xs.shape, initializers={"w": f32(rng, 5, 3, 3, 3), "s": np.array([1, -1]), "d": f32(rng, 600, 4)})
    network = read_onnx(data)
    assert network.input_layout == "nhwc"
    assert [s.layout for s in network.stages] == ["nhwc", "nchw", "nchw", "nhwc", "flat", "flat"]
    values = network.run(xs)
    np.testing.assert_array_equal(network.image(0, values[0]), xs[0])
    np.testing.assert_array_equal(network.image(2, values[2]), network.image(3, values[3]))
    assert_like_onnxruntime(data, xs)


def test_stages_carry_names_shapes_labels_costs_and_a_dag() -> None:
    network = read_onnx(CASES["residual add"])
    assert [s.op_type for s in network.stages] == ["input", "Conv", "Relu", "Add"]
    assert network.stages[3].inputs == (2, 0)  # the residual reads the input again
    assert network.stages[1].label == "4 x [3x3x4], padding 1"
    assert network.stages[1].shape == (1, 4, 9, 7)
    assert network.stages[1].n_params == 4 * 4 * 3 * 3  # no bias in the file, none counted
    assert network.stages[1].macs == 9 * 7 * 4 * 4 * 3 * 3
    assert network.macs == network.stages[1].macs and network.n_params == 144
    assert read_onnx(CASES["conv bias asym pads strides dilations"]).n_params == 6 * 4 * 3 * 2 + 6
    assert network.stages[1].arithmetic == ("H: floor((9 + 2*1 - 1*(3-1) - 1) / 1) + 1 = 9; "
                                            "W: floor((7 + 2*1 - 1*(3-1) - 1) / 1) + 1 = 7")
    depthwise = read_onnx(CASES["conv depthwise"]).stages[1]
    assert depthwise.label == "8 x [3x3x1], depthwise" and depthwise.macs == 7 * 5 * 8 * 9


def test_labels_come_from_metadata_props() -> None:
    data = model([helper.make_node("Relu", ["x"], ["y"])], (1, 3), metadata={"labels": '["cat", "dog", "<b>"]'})
    assert read_onnx(data).labels == ("cat", "dog", "<b>")
    data = model([helper.make_node("Relu", ["x"], ["y"])], (1, 3), metadata={"classes": "a,b,c"})
    assert read_onnx(data).labels == ("a", "b", "c")


def test_a_dynamic_batch_becomes_one() -> None:
    data = model([helper.make_node("Relu", ["x"], ["y"])], ("batch", 3, 4, 4))
    assert read_onnx(data).input_shape == (1, 3, 4, 4)
    assert_like_onnxruntime(data, f32(rng, 1, 3, 4, 4))


# --- hypothesis: convolution and pooling attributes ----------------------------------------------------


@st.composite
def conv_cases(draw):
    g = draw(st.sampled_from([1, 2, 3]))
    cg, per = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(4, 10)), draw(st.integers(4, 10))
    attrs = {"strides": [draw(st.integers(1, 3)), draw(st.integers(1, 3))],
             "dilations": [draw(st.integers(1, 2)), draw(st.integers(1, 2))], "group": g}
    if draw(st.booleans()):
        attrs["pads"] = [draw(st.integers(0, 2)) for _ in range(4)]
    else:
        attrs["auto_pad"] = draw(st.sampled_from(["SAME_UPPER", "SAME_LOWER", "VALID"]))
        if attrs["auto_pad"] != "VALID":
            attrs["dilations"] = [1, 1]  # onnxruntime: "Dilation not supported for AutoPadType::SAME_UPPER"
    assume((attrs["dilations"][0] * (kh - 1) + 1 <= h) and (attrs["dilations"][1] * (kw - 1) + 1 <= w))
    seed = draw(st.integers(0, 2**16))
    return (1, cg * g, h, w), (per * g, cg, kh, kw), attrs, draw(st.booleans()), seed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conv_cases())
def test_conv_attributes_match_onnxruntime(case) -> None:
    xshape, wshape, attrs, with_bias, seed = case
    r = np.random.default_rng(seed)
    weights = {"w": f32(r, *wshape)}
    if with_bias:
        weights["b"] = f32(r, wshape[0])
    assert_like_onnxruntime(one_op("Conv", xshape, weights=weights, **attrs), f32(r, *xshape))


@st.composite
def pool_cases(draw):
    op = draw(st.sampled_from(["MaxPool", "AveragePool"]))
    k = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    attrs = {"kernel_shape": k, "strides": [draw(st.integers(1, 3)), draw(st.integers(1, 3))],
             "ceil_mode": int(draw(st.booleans()))}
    if draw(st.booleans()):
        attrs["pads"] = [draw(st.integers(0, k[0] - 1)), draw(st.integers(0, k[1] - 1)),
                         draw(st.integers(0, k[0] - 1)), draw(st.integers(0, k[1] - 1))]
    if op == "AveragePool":
        attrs["count_include_pad"] = int(draw(st.booleans()))
    else:
        attrs["dilations"] = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    shape = (1, draw(st.integers(1, 3)), draw(st.integers(4, 9)), draw(st.integers(4, 9)))
    d = attrs.get("dilations", [1, 1])
    assume(all(d[i] * (k[i] - 1) + 1 <= shape[2 + i] for i in range(2)))
    return op, shape, attrs, draw(st.integers(0, 2**16))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool_cases())
def test_pool_attributes_match_onnxruntime(case) -> None:
    op, shape, attrs, seed = case
    assert_like_onnxruntime(one_op(op, shape, **attrs), f32(np.random.default_rng(seed), *shape))


# --- PyTorch's two exporters ---------------------------------------------------------------------------


class LeNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1, self.c2 = torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.Conv2d(6, 16, 5)
        self.f1, self.f2, self.f3 = torch.nn.Linear(400, 120), torch.nn.Linear(120, 84), torch.nn.Linear(84, 10)

    def forward(self, x):
        x = torch.nn.functional.avg_pool2d(torch.tanh(self.c1(x)), 2)
        x = torch.nn.functional.max_pool2d(torch.relu(self.c2(x)), 2, ceil_mode=True)
        x = x.view(x.size(0), -1)
        return self.f3(torch.relu(self.f2(torch.relu(self.f1(x)))))


class Mobile(torch.nn.Module):
    """Depthwise-separable blocks with batch norm, ReLU6, a residual add, a concat and global pooling."""

    def __init__(self) -> None:
        super().__init__()
        bn = torch.nn.BatchNorm2d
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), bn(8),
                                        torch.nn.ReLU6())
        self.dw = torch.nn.Sequential(torch.nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), bn(8),
                                      torch.nn.ReLU6(), torch.nn.Conv2d(8, 8, 1, bias=False), bn(8))
        self.side = torch.nn.Conv2d(8, 4, 1)
        self.up = torch.nn.ConvTranspose2d(12, 6, 2, stride=2)
        self.head = torch.nn.Linear(6, 5)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.dw(x)
        x = torch.cat([x, torch.nn.functional.leaky_relu(self.side(x), 0.1)], dim=1)
        x = torch.sigmoid(self.up(x)).mean(dim=(2, 3))
        return torch.softmax(self.head(x), dim=1)


def _randomised(net: torch.nn.Module) -> torch.nn.Module:
    torch.manual_seed(0)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    return net.eval()


def _export(net: torch.nn.Module, x: torch.Tensor, dynamo: bool) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            return torch.onnx.export(net, (x,), dynamo=True, verbose=False).model_proto.SerializeToString()
        buf = io.BytesIO()
        torch.onnx.export(net, (x,), buf, dynamo=False, do_constant_folding=False)
        return buf.getvalue()


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy exporter", "dynamo exporter"])
@pytest.mark.parametrize(("net", "shape"), [(LeNet, (1, 1, 28, 28)), (Mobile, (1, 3, 32, 32))], ids=["lenet", "mobile"])
def test_pytorch_exports_match_onnxruntime_and_pytorch(net, shape, dynamo: bool) -> None:
    torch.manual_seed(1)
    module = _randomised(net())
    x = torch.randn(*shape)
    data = _export(module, x, dynamo)
    ours = assert_like_onnxruntime(data, x.numpy())
    with torch.no_grad():
        np.testing.assert_allclose(ours, module(x).numpy(), rtol=TOL, atol=TOL)
    network = read_onnx(data)
    convs = [s for s in network.stages if s.kind == "conv"]
    assert len(convs) == (2 if net is LeNet else 4)


# --- hostile files ---------------------------------------------------------------------------------


def _with_external_weight() -> bytes:
    m = onnx.load_model_from_string(one_op("Conv", (1, 1, 4, 4), weights={"w": np.ones((1, 1, 3, 3), np.float32)}))
    w = m.graph.initializer[0]
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "/etc/passwd"), ("offset", "0"), ("length", "36")):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    return m.SerializeToString()


def _huge_weight() -> bytes:
    """Declares 3 billion parameters (dims only, no data)."""
    m = onnx.load_model_from_string(one_op("Relu", (1, 3)))
    t = m.graph.initializer.add()
    t.name, t.data_type = "w", TensorProto.FLOAT
    t.dims.extend([60000, 50000])
    return m.SerializeToString()


def _many_macs() -> bytes:
    # 64 filters of 7x7x3 over a 512x512 image: 2.5 billion multiply-adds from 38 kB of weights.
    return one_op("Conv", (1, 3, 512, 512), weights={"w": np.zeros((64, 3, 7, 7), np.float32)}, pads=[3] * 4)


def _with_if() -> bytes:
    branch = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "b", [],
                               [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return model([helper.make_node("If", ["c"], ["y"], name="choose", then_branch=branch, else_branch=branch)],
                 (1, 3), initializers={"c": np.array(True)})


HOSTILE = {
    "random bytes": (np.random.default_rng(5).bytes(5000), "not an ONNX model"),
    "empty": (b"", "empty"),
    "truncated": (CASES["conv grouped"][: len(CASES["conv grouped"]) // 2], "not an ONNX model"),
    "too large a file": (b"\0" * (MAX_FILE_BYTES + 1), "30 MB"),
    "external data": (_with_external_weight(), "external data"),
    "200000 x 200000 input": (one_op("Relu", (1, 1, 200000, 200000)), "up to 1024 x 1024"),
    "billions of parameters": (_huge_weight(), f"{MAX_PARAMS:,}"),
    "too many multiply-adds": (_many_macs(), f"{MAX_MACS:,}"),
    "unsupported op": (model([helper.make_node("LSTM", ["x", "w", "r"], ["y"], name="lstm_1", hidden_size=2)],
                             (1, 1, 3), initializers={"w": f32(rng, 1, 8, 3), "r": f32(rng, 1, 8, 2)}),
                       "node 'lstm_1' is an LSTM: this app runs convolutional networks made of Conv"),
    "control flow": (_with_if(), "control flow"),
    "int input": (model([helper.make_node("Identity", ["x"], ["y"])], (1, 3), input_type=TensorProto.INT64),
                  "int64 values"),
    "int weights": (one_op("Add", (1, 3), weights={"c": np.array([1, 2, 3], dtype=np.uint8)}), "uint8 values"),
    "unknown opset": (one_op("Relu", (1, 3), opset=99), "opset 99"),
    "open height": (one_op("Relu", (1, 3, "height", 8)), "'height', a size the model leaves open"),
    "foreign domain": (model([helper.make_node("Relu", ["x"], ["y"], domain="com.microsoft", name="r")], (1, 3)),
                       "'com.microsoft' operator set"),
    "two inputs": (model([helper.make_node("Add", ["x", "x2"], ["y"])], (1, 3))
                   .replace(b"", b""), None),
    "stage too large": (one_op("Pad", (1, 1, 8, 8), weights={"p": np.array([0, 0, 2000, 2000, 0, 0, 2000, 2000])}),
                        "stages of up to"),
    "no layers": (model([], (1, 3)), "no graph of nodes"),
}
HOSTILE.pop("two inputs")  # built below: helper.make_graph declares one input only


def test_two_inputs_are_refused() -> None:
    graph = helper.make_graph([helper.make_node("Add", ["a", "b"], ["y"])], "two",
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3]) for n in "ab"],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])])
    data = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    with pytest.raises(ModelError, match="2 inputs"):
        read_onnx(data)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_with_a_message(name: str) -> None:
    data, words = HOSTILE[name]
    with pytest.raises(ModelError) as err:
        read_onnx(data)
    assert words in str(err.value)
    assert isinstance(err.value, ValueError)


def test_external_data_is_never_opened(monkeypatch) -> None:
    import builtins

    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    with pytest.raises(ModelError, match="/etc/passwd"):
        read_onnx(HOSTILE["external data"][0])
    assert opened == []


def test_a_run_past_its_time_cap_stops_with_a_message() -> None:
    network = read_onnx(CASES["residual add"])
    with pytest.raises(ModelError, match="took more than"):
        network.run(X, max_seconds=0.0)


def test_a_wrong_input_shape_or_nan_is_refused() -> None:
    network = read_onnx(CASES["relu"])
    with pytest.raises(ModelError, match=r"shape \(1, 4, 9, 7\)"):
        network.run(np.zeros((1, 3, 9, 7)))
    with pytest.raises(ModelError, match="NaN"):
        network.run(np.full(X.shape, np.nan))
    np.testing.assert_array_equal(network.run(X[0])[1], np.maximum(X, 0))  # the batch axis may be left out


def test_values_that_overflow_are_a_message_not_inf() -> None:
    data = one_op("Mul", (1, 3), weights={"c": np.float32(3e38)})
    network = read_onnx(data)
    with pytest.raises(ModelError, match="infinite or NaN"):
        network.run(np.full((1, 3), 1e300))
