"""Our networks as ONNX files: a layer stack with its weights, written with ``onnx.helper``.

The engine keeps images ``(H, W, C)`` and filter banks ``(N, kh, kw, C)``; ONNX (and PyTorch) take
``(1, C, H, W)`` and weights ``(N, C, kh, kw)``, so the banks are transposed on the way out and the file's
input is channels-first. The last stage ``1 x 1 x K`` comes out as ``(1, K, 1, 1)``: the same stages, so
:func:`visualizer.onnx_model.read_onnx` opens the file again with the layers it was made of. The same
weights always give the same bytes (no time stamps, weights as float32).
"""

from __future__ import annotations

import json

import numpy as np

from .layers import KINDS
from .network import LayerSpec, plan_shapes

PRODUCER = "convolution-visualizer"
ACTIVATION_OPS = {"relu": "Relu", "leaky_relu": "LeakyRelu", "sigmoid": "Sigmoid", "tanh": "Tanh", "none": "Identity"}
OPSET = 17


class ExportError(ValueError):
    """A stack that has no ONNX equivalent (the message says which layer and why)."""


def stack_to_onnx(
    specs: list[LayerSpec],
    params: list[dict[str, np.ndarray]],
    input_shape: tuple[int, int, int],
    *,
    class_names: list[str] | None = None,
    name: str = "network",
) -> bytes:
    """The stack ``specs`` with ``params`` (one dict per layer) as the bytes of an ONNX model.

    Inputs: input_shape ``(H, W, C)`` of the engine; the file's input is ``input`` ``(1, C, H, W)`` float32,
    its output ``scores`` ``(1, C', H', W')``. class_names go into ``metadata_props["labels"]`` (JSON).
    Raises :class:`ExportError` for a layer ONNX has no operator for (the binary step).
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    stages = plan_shapes(list(specs), tuple(input_shape))
    h, w, c = stages[0].shape
    nodes, inits = [], []
    current = "input"
    for i, (spec, p) in enumerate(zip(specs, params, strict=True), start=1):
        out = "scores" if i == len(specs) else f"stage{i}"
        node_name = f"layer{i}_{spec.kind}"
        if spec.kind == "conv":
            checked = KINDS["conv"].check_params(spec, p, stages[i - 1].shape[2], i)
            weight = np.ascontiguousarray(checked["filters"].transpose(0, 3, 1, 2), dtype=np.float32)
            inits += [numpy_helper.from_array(weight, f"{node_name}_weight"),
                      numpy_helper.from_array(checked["bias"].astype(np.float32), f"{node_name}_bias")]
            nodes.append(helper.make_node(
                "Conv", [current, f"{node_name}_weight", f"{node_name}_bias"], [out], name=node_name,
                kernel_shape=[spec.kernel, spec.kernel], strides=[spec.stride, spec.stride], pads=[spec.padding] * 4))
        elif spec.kind == "activation":
            op = ACTIVATION_OPS.get(spec.activation)
            if op is None:
                raise ExportError(f"layer {i} is the binary step, which has no ONNX operator: choose ReLU or another "
                                  "activation to download this network as ONNX")
            extra = {"alpha": 0.01} if op == "LeakyRelu" else {}
            nodes.append(helper.make_node(op, [current], [out], name=node_name, **extra))
        elif spec.kind == "pool":
            op = "MaxPool" if spec.pool_mode == "max" else "AveragePool"
            size = [spec.pool_size, spec.pool_size]
            nodes.append(helper.make_node(op, [current], [out], name=node_name, kernel_shape=size, strides=size))
        else:
            raise ExportError(f"layer {i} is of kind {spec.kind!r}, which this export does not know")
        current = out
    ho, wo, co = stages[-1].shape
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, c, h, w])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, co, ho, wo])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name=PRODUCER,
                              ir_version=8)
    model.doc_string = (f"{name}: {h}x{w}x{c} -> {ho}x{wo}x{co}. Input (1, C, H, W) float32, values as the app "
                        "shows them (0 black to 1 white).")
    if class_names:
        entry = model.metadata_props.add()
        entry.key, entry.value = "labels", json.dumps([str(n) for n in class_names])
    onnx.checker.check_model(model)
    return model.SerializeToString()


def model_to_onnx(model, *, name: str = "network") -> bytes:
    """A :class:`visualizer.learn.Model` (trained, or a stack with its weights) as ONNX bytes."""
    return stack_to_onnx(model.specs, model.params, model.input_shape, class_names=model.class_names, name=name)
