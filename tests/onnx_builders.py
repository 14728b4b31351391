"""Small ONNX models built with onnx.helper for the tests: one operator (or a few) on a declared input."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def tensor(name: str, value: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value), name)


def model(nodes: list, input_shape: tuple, output_shape: tuple | None = None, *, initializers: dict | None = None,
          opset: int = OPSET, input_type: int = TensorProto.FLOAT, input_name: str = "x",
          metadata: dict | None = None) -> bytes:
    """A model of ``nodes`` reading ``input_name`` and writing ``y``; initializers by name."""
    inits = [tensor(k, v) for k, v in (initializers or {}).items()]
    graph = helper.make_graph(
        nodes, "test",
        [helper.make_tensor_value_info(input_name, input_type, list(input_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None if output_shape is None else list(output_shape))],
        inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="tests")
    m.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = m.metadata_props.add()
        entry.key, entry.value = key, value
    return m.SerializeToString()


def one_op(op: str, input_shape: tuple, *, weights: dict | None = None, opset: int = OPSET, **attrs) -> bytes:
    """``y = op(x, *weights)`` with attributes."""
    names = ["x", *(weights or {})]
    return model([helper.make_node(op, names, ["y"], name=f"the_{op.lower()}", **attrs)], input_shape,
                 initializers=weights, opset=opset)


def f32(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)
