"""Models from a file: an ONNX graph read with the ``onnx`` package (protobuf only) and run by our engine.

A model file is a stranger's input, so :func:`read_onnx` bounds everything before anything runs: the
file's size, the opset, tensors stored as *external data* (a path to another file: refused, never
opened), the declared input, the parameters, every stage's shape and memory, and the multiply-adds of
one image; :meth:`OnnxNetwork.run` also stops at a time cap. What it cannot run (an operator outside
:data:`SUPPORTED`, control flow, integer data, open sizes, an unknown opset) is a :class:`ModelError`
naming the node and what is supported.

The graph is a DAG of stages, not a second engine: the operator table :data:`OPERATORS` maps each ONNX
operator onto a layer kind of :data:`visualizer.layers.KINDS` (a ``Conv`` is the kind "conv" the founding
chain uses, with its filters as ``(N, kh, kw, C)``); constants and shape arithmetic are folded while
reading. Tensors keep the model's own layout (``(1, C, H, W)``, ``(1, K)``); kinds that take images
(``layout = "hwc"``) get ``(H, W, C)`` and give it back. A dynamic batch dimension becomes 1.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .conv import real_array
from .layers import KINDS, OpSpec, StackError

MAX_FILE_BYTES = 30 * 1024 * 1024  # a deliberate limit for models, separate from the 5 MB of an image
MAX_PARAMS = 10_000_000
MAX_MACS = 1_000_000_000  # multiply-adds of one image (MobileNetV2 at 224 px needs 0.3 billion)
MAX_INPUT_SIDE = 1024
MAX_INPUT_VALUES = 1024 * 1024 * 3
MAX_STAGE_VALUES = 2**22  # 32 MB of float64 for one stage
MAX_TOTAL_VALUES = 2**23  # every stage is kept for the views: 64 MB of float64 for one run
MAX_NODES = 2000
MAX_SECONDS = 20.0
MAX_CONSTANT_VALUES = 100_000  # integer tensors are shapes and axes, never data
MIN_OPSET = 7

FLOAT_TYPES = {1: np.float32, 10: np.float16, 11: np.float64}  # TensorProto FLOAT, FLOAT16, DOUBLE
INT_TYPES = {6: np.int32, 7: np.int64}
CONTROL_FLOW = {"If", "Loop", "Scan", "SequenceMap"}


class ModelError(ValueError):
    """A model file this app will not read or run; the message is meant for the person who chose it."""


@dataclass(frozen=True)
class GraphStage:
    """One stage of a model: the tensor a node makes (stage 0: the model's input).

    ``inputs`` are the indices of the stages it reads (one for a chain; two for a residual ``add``, several
    for a ``concat``); ``shape`` is the model's own (with the batch of 1), ``layout`` "nchw", "nhwc" or
    "flat" (how to show it as an image); ``spec`` and ``params`` are what :data:`KINDS` ``[kind]`` runs.
    """

    index: int
    name: str
    op_type: str
    kind: str
    spec: OpSpec | None
    params: dict[str, np.ndarray]
    inputs: tuple[int, ...]
    shape: tuple[int, ...]
    layout: str
    arithmetic: str
    label: str
    n_params: int = 0
    macs: int = 0

    @property
    def values(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """The stage as an image ``(H, W, C)`` (a vector is ``1 x 1 x K``)."""
        if self.layout == "nchw":
            return (self.shape[2], self.shape[3], self.shape[1])
        if self.layout == "nhwc":
            return (self.shape[1], self.shape[2], self.shape[3])
        return (1, 1, self.values)


@dataclass(frozen=True)
class OnnxNetwork:
    """A model read by :func:`read_onnx`: its stages (stage 0 is the declared input), where its first output
    is, the class labels it carries (``metadata_props``), and its totals."""

    stages: tuple[GraphStage, ...]
    input_name: str
    output: int
    labels: tuple[str, ...] = ()
    opset: int = 0
    producer: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.stages[0].shape

    @property
    def input_layout(self) -> str:
        return self.stages[0].layout

    @property
    def n_params(self) -> int:
        return sum(s.n_params for s in self.stages)

    @property
    def macs(self) -> int:
        return sum(s.macs for s in self.stages)

    def run(self, x: np.ndarray, *, max_seconds: float = MAX_SECONDS) -> list[np.ndarray]:
        """Every stage's tensor (the model's layout, float64) for the input ``x`` of :attr:`input_shape`
        (the batch axis may be left out). Raises :class:`ModelError`."""
        arr = _checked_input(x, self.input_shape)
        deadline = time.monotonic() + max_seconds
        values = [arr]
        for stage in self.stages[1:]:
            kind = KINDS[stage.kind]
            ins = [values[i] for i in stage.inputs]
            try:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    if kind.layout == "hwc":
                        y = kind.apply(stage.spec, stage.params, to_hwc(ins[0]))
                        y = np.ascontiguousarray(y.transpose(2, 0, 1))[None]
                    else:
                        y = np.asarray(kind.apply(stage.spec, stage.params, *ins), dtype=np.float64)
            except (ValueError, FloatingPointError) as err:
                where = f"stage {stage.index} ('{stage.name}', {stage.op_type})"
                raise ModelError(f"{where} could not run: {err}") from None
            if y.shape != stage.shape:
                raise ModelError(f"stage {stage.index} ('{stage.name}') gave shape {y.shape}, not the {stage.shape} "
                                 "its operator declares")
            if not np.isfinite(y).all():
                raise ModelError(f"stage {stage.index} ('{stage.name}', {stage.op_type}) gives infinite or NaN values "
                                 "for this input: the numbers grew beyond what float64 holds")
            values.append(y)
            if time.monotonic() > deadline:
                raise ModelError(f"this model took more than {max_seconds:g} s on one image (stopped at stage "
                                 f"{stage.index} of {len(self.stages) - 1}); try a smaller model")
        return values

    def image(self, index: int, tensor: np.ndarray) -> np.ndarray:
        """Stage ``index``'s tensor as an image ``(H, W, C)`` for the views."""
        return as_image(tensor, self.stages[index].layout)


def to_hwc(tensor: np.ndarray) -> np.ndarray:
    """A ``(1, C, H, W)`` tensor as an image ``(H, W, C)``."""
    return np.ascontiguousarray(tensor[0].transpose(1, 2, 0))


def as_image(tensor: np.ndarray, layout: str) -> np.ndarray:
    """A tensor of the given layout as ``(H, W, C)``: channels-first or -last images, else ``1 x 1 x K``."""
    if layout == "nchw":
        return to_hwc(tensor)
    if layout == "nhwc":
        return tensor[0]
    return tensor.reshape(1, 1, -1)


def _checked_input(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    try:
        arr = real_array(x, "the input").astype(np.float64)
    except ValueError as err:
        raise ModelError(str(err)) from None
    if arr.shape == shape[1:]:
        arr = arr[None]
    if arr.shape != shape:
        raise ModelError(f"this model takes an input of shape {shape}, not {arr.shape}")
    if not np.isfinite(arr).all():
        raise ModelError("the input contains NaN or infinite values")
    return arr


def run_onnx(data: bytes, x: np.ndarray) -> np.ndarray:
    """The model's first output (its own layout, e.g. ``(1, K)``) for ``x`` in its own layout, e.g. ``(1, C, H, W)``."""
    network = read_onnx(data)
    return network.run(x)[network.output]


# --------------------------------------------------------------------------------------------- reading


def _parse(data: bytes) -> Any:
    import onnx  # only here: the engine imports without it, and the package is what reads the protobuf

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ModelError("the model could not be read as a file")
    if len(data) == 0:
        raise ModelError("the file is empty (0 bytes)")
    if len(data) > MAX_FILE_BYTES:
        raise ModelError(f"the file is {len(data) / 2**20:.1f} MB; models up to {MAX_FILE_BYTES // 2**20} MB are "
                         "accepted here")
    try:
        model = onnx.load_model_from_string(bytes(data))  # never loads external data: it reads no other file
    except Exception:  # protobuf raises DecodeError, RuntimeError or others on damaged bytes
        raise ModelError("this file is not an ONNX model we can read (it is damaged, truncated, or another "
                         "format); export your network with torch.onnx.export or tf2onnx") from None
    if not model.HasField("graph") or len(model.graph.node) == 0:
        raise ModelError("this file is not an ONNX model with layers: it holds no graph of nodes")
    return model


def _tensors(graph: Any) -> list:
    """Every tensor a graph holds: initializers and the values of constant nodes (and of any subgraph)."""
    out = list(graph.initializer)
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                out.append(attr.t)
            out.extend(attr.tensors)
            if attr.HasField("g"):
                out.extend(_tensors(attr.g))
            for g in attr.graphs:
                out.extend(_tensors(g))
    return out


def _refuse_external(graph: Any) -> None:
    for t in _tensors(graph):
        if t.data_location == 1 or len(t.external_data) > 0:  # TensorProto.EXTERNAL
            where = next((e.value for e in t.external_data if e.key == "location"), "another file")
            raise ModelError(f"tensor '{t.name}' is stored as external data (in '{where}', a file beside the "
                             "model): this app reads only what is inside the file you choose and never opens a path "
                             "a file names. Save the model with its weights inside (onnx.save without "
                             "save_as_external_data, up to 30 MB)")
    if len(graph.sparse_initializer):
        raise ModelError("the model stores sparse tensors; this app reads dense ones only")


def _opset(model: Any) -> int:
    import onnx

    versions = {op.domain: op.version for op in model.opset_import}
    version = versions.get("", versions.get("ai.onnx"))
    newest = onnx.defs.onnx_opset_version()
    if version is None:
        raise ModelError("the model declares no ONNX opset (operator version); this app reads opsets "
                         f"{MIN_OPSET} to {newest}")
    if not MIN_OPSET <= version <= newest:
        raise ModelError(f"the model uses opset {version}; this app knows opsets {MIN_OPSET} to {newest}")
    return int(version)


def _array(t: Any) -> np.ndarray:
    """An initializer or constant as a NumPy array, after checking its type and size."""
    from onnx import numpy_helper

    dims = [int(d) for d in t.dims]
    if any(d < 0 for d in dims):
        raise ModelError(f"tensor '{t.name}' has a negative size {dims}")
    count = math.prod(dims)
    if t.data_type in FLOAT_TYPES:
        if count > MAX_PARAMS:
            raise ModelError(f"tensor '{t.name}' holds {count:,} numbers; this app runs models of up to "
                             f"{MAX_PARAMS:,} parameters")
    elif t.data_type in INT_TYPES:
        if count > MAX_CONSTANT_VALUES:
            raise ModelError(f"integer tensor '{t.name}' holds {count:,} values; integers are shapes and axes here")
    else:
        raise ModelError(f"tensor '{t.name}' holds {_type_name(t.data_type)} values; this app runs float networks "
                         "(integers only as shapes and axes)")
    try:
        arr = numpy_helper.to_array(t)
    except Exception:
        raise ModelError(f"tensor '{t.name}' is damaged: its data does not match its shape {dims}") from None
    if arr.shape != tuple(dims):
        raise ModelError(f"tensor '{t.name}' is damaged: its data does not match its shape {dims}")
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float64)
        if not np.isfinite(arr).all():
            raise ModelError(f"tensor '{t.name}' contains NaN or infinite values")
    return arr.astype(np.int64) if arr.dtype.kind == "i" else arr


def _type_name(code: int) -> str:
    import onnx

    try:
        return onnx.TensorProto.DataType.Name(code).lower()
    except ValueError:
        return f"unknown (type {code})"


def _declared_input(graph: Any, constants: set[str]) -> tuple[str, tuple[int, ...], str]:
    inputs = [i for i in graph.input if i.name not in constants]
    if len(inputs) != 1:
        names = ", ".join(f"'{i.name}'" for i in inputs) or "none"
        raise ModelError(f"the model has {len(inputs)} inputs ({names}); this app feeds one image")
    value = inputs[0]
    kind = value.type.WhichOneof("value")
    if kind != "tensor_type":
        raise ModelError(f"the input '{value.name}' is not a tensor; this app feeds one image")
    tt = value.type.tensor_type
    if tt.elem_type not in FLOAT_TYPES:
        raise ModelError(f"the input '{value.name}' holds {_type_name(tt.elem_type)} values; this app feeds images "
                         "as float numbers")
    if not tt.HasField("shape"):
        raise ModelError(f"the input '{value.name}' has no declared shape; export the model with a fixed input size")
    shape = []
    for i, dim in enumerate(tt.shape.dim):
        if dim.HasField("dim_value") and dim.dim_value > 0:
            shape.append(int(dim.dim_value))
        elif i == 0:
            shape.append(1)  # a dynamic batch: one image
        else:
            open_name = dim.dim_param or "unknown"
            raise ModelError(f"dimension {i} of the input '{value.name}' is '{open_name}', a size the model leaves "
                             "open; export it with a fixed input size (e.g. 1 x 3 x 224 x 224)")
    if len(shape) not in (2, 4):
        raise ModelError(f"the input '{value.name}' has shape {tuple(shape)}; this app feeds images (N, C, H, W) or "
                         "(N, H, W, C), or vectors (N, K)")
    if shape[0] != 1:
        raise ModelError(f"the input '{value.name}' has a batch of {shape[0]}; export the model for a batch of 1")
    count = math.prod(shape)
    sides = shape[1:3] if len(shape) == 4 and shape[3] in (1, 3, 4) and shape[1] not in (1, 3, 4) else shape[2:]
    if count > MAX_INPUT_VALUES or any(s > MAX_INPUT_SIDE for s in sides):
        raise ModelError(f"the input '{value.name}' is {' x '.join(map(str, shape))} ({count:,} values); this app "
                         f"feeds images of up to {MAX_INPUT_SIDE} x {MAX_INPUT_SIDE} pixels with 3 channels")
    layout = "flat"
    if len(shape) == 4:
        layout = "nhwc" if shape[3] in (1, 3, 4) and shape[1] not in (1, 3, 4) else "nchw"
    return value.name, tuple(shape), layout


def _labels(model: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    meta = {p.key: p.value for p in model.metadata_props}
    for key in meta:
        if key.lower() in ("labels", "class_names", "classes"):
            text = meta[key]
            try:
                items = json.loads(text)
            except ValueError:
                items = [s for s in text.replace("\n", ",").split(",")]
            if isinstance(items, dict):  # {"0": "cat", ...}
                items = [items[k] for k in sorted(items, key=lambda k: int(k) if str(k).isdigit() else 0)]
            if isinstance(items, list):
                return tuple(str(s).strip()[:200] for s in items[:10_000]), meta
    return (), meta


@dataclass
class _Reader:
    """What the table's handlers need while the graph is read: the opset, and each value's stage or constant."""

    opset: int
    stages: list[GraphStage]
    where: dict[str, int]  # value name -> stage index
    constants: dict[str, np.ndarray]
    total_values: int = 0

    def const(self, node: Any, i: int, *, required: bool = True) -> np.ndarray | None:
        """Input ``i`` of ``node`` as a constant (None when absent and not required)."""
        name = node.input[i] if i < len(node.input) else ""
        if not name:
            if required:
                raise ModelError(f"node '{_name(node)}' ({node.op_type}) lacks its input {i + 1}")
            return None
        if name not in self.constants:
            raise ModelError(f"node '{_name(node)}' ({node.op_type}) computes its input '{name}' while the model "
                             "runs; this app needs it fixed in the file (weights, shapes, axes)")
        return self.constants[name]

    def stage(self, node: Any, i: int = 0) -> GraphStage:
        name = node.input[i] if i < len(node.input) else ""
        if name not in self.where:
            raise ModelError(f"node '{_name(node)}' ({node.op_type}) needs a computed tensor as input {i + 1}")
        return self.stages[self.where[name]]


@dataclass(frozen=True)
class Planned:
    """What a handler makes of a node: a stage to run (kind, spec, weights, the stages it reads)."""

    kind: str
    spec: OpSpec
    inputs: tuple[int, ...]
    params: dict[str, np.ndarray] = field(default_factory=dict)
    layout: str | None = None  # the output's layout when the kind changes it


Handler = Callable[[Any, dict, _Reader], "Planned | np.ndarray"]


def _name(node: Any) -> str:
    return node.name or (node.output[0] if node.output else node.op_type)


def _attrs(node: Any) -> dict:
    from onnx import helper

    out = {}
    for a in node.attribute:
        value = helper.get_attribute_value(a)
        out[a.name] = value.decode() if isinstance(value, bytes) else value
    return out


def read_onnx(data: bytes) -> OnnxNetwork:
    """Read an ONNX model from its bytes: every check, every stage's shape and cost, nothing run yet.

    Returns an :class:`OnnxNetwork`; raises :class:`ModelError` with a message for a person.
    """
    model = _parse(data)
    graph = model.graph
    _refuse_external(graph)
    opset = _opset(model)
    for node in graph.node:
        if node.domain not in ("", "ai.onnx"):
            raise ModelError(f"node '{_name(node)}' is a {node.op_type} of the '{node.domain}' operator set; this "
                             f"app runs standard ONNX operators: {SUPPORTED_TEXT}")
        if node.op_type in CONTROL_FLOW or any(a.HasField("g") or len(a.graphs) for a in node.attribute):
            raise ModelError(f"node '{_name(node)}' is a {node.op_type}, control flow (a graph inside a node); this "
                             "app runs graphs that go straight from the input to the output")
        if node.op_type not in OPERATORS:
            raise ModelError(f"node '{_name(node)}' is {_article(node.op_type)} {node.op_type}: this app runs "
                             f"convolutional networks made of {SUPPORTED_TEXT}")
    if len(graph.node) > MAX_NODES:
        raise ModelError(f"the model has {len(graph.node):,} nodes; this app reads up to {MAX_NODES:,}")
    params_total = sum(math.prod(int(d) for d in t.dims) for t in graph.initializer if t.data_type in FLOAT_TYPES)
    if params_total > MAX_PARAMS:
        raise ModelError(f"the model has {params_total:,} parameters; this app runs models of up to {MAX_PARAMS:,}")
    constants = {t.name: _array(t) for t in graph.initializer}
    input_name, input_shape, layout = _declared_input(graph, set(constants))
    first = GraphStage(0, input_name, "input", "input", None, {}, (), input_shape, layout,
                       f"the declared input {' x '.join(map(str, input_shape))}", "input")
    reader = _Reader(opset, [first], {input_name: 0}, constants, first.values)
    for node in graph.node:
        _read_node(node, reader)
    if not graph.output:
        raise ModelError("the model declares no output")
    out_name = graph.output[0].name
    if out_name not in reader.where or reader.where[out_name] == 0:
        raise ModelError(f"the model's output '{out_name}' is not computed from its input by any node")
    labels, meta = _labels(model)
    network = OnnxNetwork(tuple(reader.stages), input_name, reader.where[out_name], labels, opset,
                          f"{model.producer_name} {model.producer_version}".strip(), meta)
    if network.n_params > MAX_PARAMS:
        raise ModelError(f"the model has {network.n_params:,} parameters; this app runs models of up to {MAX_PARAMS:,}")
    return network


def _read_node(node: Any, reader: _Reader) -> None:
    handler = OPERATORS[node.op_type]  # read_onnx refused every other operator first
    for name in node.input:
        if name and name not in reader.where and name not in reader.constants:
            raise ModelError(f"node '{_name(node)}' reads '{name}', which no earlier node makes (the graph is not "
                             "in order, or the tensor is missing)")
    used = [o for o in node.output[1:] if o]
    attrs = _attrs(node)
    result = handler(node, attrs, reader)
    if not isinstance(result, Planned):  # folded while reading: a constant, not a stage
        result = np.asarray(result)
        if result.size > max(MAX_CONSTANT_VALUES, MAX_PARAMS):
            raise ModelError(f"node '{_name(node)}' makes a constant of {result.size:,} values")
        reader.constants[node.output[0]] = result
        return
    extra = used and node.op_type not in ("Dropout", "MaxPool", "BatchNormalization")
    if extra:
        raise ModelError(f"node '{_name(node)}' ({node.op_type}) has {len(node.output)} outputs; this app follows one")
    reader.stages.append(_plan(node, result, reader))
    reader.where[node.output[0]] = len(reader.stages) - 1
    for other in used:  # a second output (MaxPool's indices, Dropout's mask) must not be read later
        reader.where.pop(other, None)


def _article(word: str) -> str:
    if word.isupper():  # an acronym is spelled out: "an LSTM", "an RNN", "a GRU"
        return "an" if word[:1] in "AEFHILMNORSX" else "a"
    return "an" if word[:1].upper() in "AEIOU" else "a"


def _plan(node: Any, plan: Planned, reader: _Reader) -> GraphStage:
    index = len(reader.stages)
    kind = KINDS[plan.kind]
    ins = [reader.stages[i] for i in plan.inputs]
    try:
        if kind.layout == "hwc":
            src = ins[0]
            if len(src.shape) != 4 or src.shape[0] != 1:
                raise ModelError(f"node '{_name(node)}' ({node.op_type}) needs an image tensor (1, C, H, W), "
                                 f"not {src.shape}")
            n, c, h, w = src.shape
            (ho, wo, co), arithmetic = kind.out_shape(plan.spec, (h, w, c), index)
            shape = (1, co, ho, wo)
            label = kind.label(plan.spec, c)
            macs = kind.macs(plan.spec, plan.params, (h, w, c), (ho, wo, co))
        else:
            in_shapes = tuple(s.shape for s in ins)
            arg = in_shapes if kind.inputs != 1 else in_shapes[0]
            shape, arithmetic = kind.out_shape(plan.spec, arg, index)
            shape = tuple(int(d) for d in shape)
            label = kind.label(plan.spec)
            macs = kind.macs(plan.spec, plan.params, in_shapes[0], shape)
    except StackError as err:
        raise ModelError(f"node '{_name(node)}' ({node.op_type}): {str(err).split(': ', 1)[-1]}") from None
    layout = plan.layout or (("nchw" if len(shape) == 4 else "flat") if kind.layout == "hwc" else ins[0].layout)
    if layout != "flat" and (len(shape) != 4 or shape[0] != 1):
        layout = "flat"
    total = sum(s.macs for s in reader.stages) + macs
    if total > MAX_MACS:
        raise ModelError(f"one image through this model needs more than {total:,} multiply-adds (reached at node "
                         f"'{_name(node)}'); this app runs up to {MAX_MACS:,}, a few seconds of its engine")
    values = math.prod(shape)
    if values > MAX_STAGE_VALUES:
        raise ModelError(f"node '{_name(node)}' ({node.op_type}) makes a tensor of {' x '.join(map(str, shape))} = "
                         f"{values:,} values; this app keeps stages of up to {MAX_STAGE_VALUES:,}")
    reader.total_values += values
    if reader.total_values > MAX_TOTAL_VALUES:
        raise ModelError(f"the model's stages hold more than {MAX_TOTAL_VALUES:,} values in all (reached at node "
                         f"'{_name(node)}'); this app keeps every stage of one image, so it takes smaller models")
    n_params = sum(int(v.size) for v in plan.params.values())
    stage = GraphStage(index, _name(node), node.op_type, plan.kind, plan.spec, plan.params, plan.inputs, shape,
                       layout, arithmetic, label, n_params, macs)
    return stage


# ------------------------------------------------------------------------------------- the operator table


def _ints(value: Any, n: int, default: int, what: str, node: Any) -> tuple[int, ...]:
    if value is None:
        return (default,) * n
    out = tuple(int(v) for v in value)
    if len(out) != n:
        raise ModelError(f"node '{_name(node)}' ({node.op_type}) gives {what} {list(out)}; a 2-D window needs {n} "
                         "numbers (this app runs 2-D convolutions and pools)")
    return out


def _window(node: Any, attrs: dict, kernel: tuple[int, int], in_hw: tuple[int, int], dilation=(1, 1)) -> tuple:
    """Strides and ``(top, left, bottom, right)`` pads of a window op, resolving ``auto_pad``."""
    stride = _ints(attrs.get("strides"), 2, 1, "strides", node)
    if min(stride) < 1 or min(kernel) < 1:
        raise ModelError(f"node '{_name(node)}' ({node.op_type}) has a stride or kernel below 1")
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("NOTSET", ""):
        pads = _ints(attrs.get("pads"), 4, 0, "pads", node)
    elif auto == "VALID":
        pads = (0, 0, 0, 0)
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for i, k, s, d in zip(in_hw, kernel, stride, dilation, strict=True):
            total = max(0, (-(-i // s) - 1) * s + d * (k - 1) + 1 - i)
            small, large = total // 2, total - total // 2
            begin.append(small if auto == "SAME_UPPER" else large)
            end.append(large if auto == "SAME_UPPER" else small)
        pads = (*begin, *end)
    else:
        raise ModelError(f"node '{_name(node)}' ({node.op_type}) has auto_pad {auto!r}; ONNX knows NOTSET, VALID, "
                         "SAME_UPPER and SAME_LOWER")
    if min(pads) < 0:
        raise ModelError(f"node '{_name(node)}' ({node.op_type}) has negative pads {list(pads)}")
    return stride, pads


def _conv(node: Any, attrs: dict, r: _Reader) -> Planned:
    x = r.stage(node)
    w = r.const(node, 1)
    if w.ndim != 4 or len(x.shape) != 4:
        raise ModelError(f"node '{_name(node)}' is a {w.ndim - 2}-D convolution; this app runs 2-D ones (images)")
    m, cg, kh, kw = w.shape
    groups = int(attrs.get("group", 1))
    if groups < 1 or x.shape[1] != cg * groups or m % groups:
        raise ModelError(f"node '{_name(node)}' (Conv): {m} filters of {cg} channels in {groups} groups do not fit "
                         f"its input of {x.shape[1]} channels")
    dilation = _ints(attrs.get("dilations"), 2, 1, "dilations", node)
    stride, pads = _window(node, attrs, (kh, kw), x.shape[2:], dilation)
    params = {"filters": np.ascontiguousarray(w.transpose(0, 2, 3, 1))}
    b = r.const(node, 2, required=False)
    if b is not None:  # a convolution without a bias has none to count
        params["bias"] = b.reshape(-1).astype(np.float64)
        if params["bias"].shape != (m,):
            raise ModelError(f"node '{_name(node)}' (Conv) has {b.size} biases for {m} filters")
    spec = OpSpec("conv", "Conv", n_filters=m, kernel=(kh, kw), stride=stride, pads=pads, dilation=dilation,
                  groups=groups)
    return Planned("conv", spec, (x.index,), params)


def _conv_transpose(node: Any, attrs: dict, r: _Reader) -> Planned:
    x = r.stage(node)
    w = r.const(node, 1)
    if w.ndim != 4 or len(x.shape) != 4:
        raise ModelError(f"node '{_name(node)}' is a {w.ndim - 2}-D transposed convolution; this app runs 2-D ones")
    c, mg, kh, kw = w.shape
    groups = int(attrs.get("group", 1))
    if groups < 1 or x.shape[1] != c or c % groups:
        raise ModelError(f"node '{_name(node)}' (ConvTranspose): its weights take {c} channels in {groups} groups, "
                         f"its input has {x.shape[1]}")
    if "output_shape" in attrs:
        raise ModelError(f"node '{_name(node)}' (ConvTranspose) gives an output_shape; this app reads pads and "
                         "output_padding instead (PyTorch's exporter writes those)")
    dilation = _ints(attrs.get("dilations"), 2, 1, "dilations", node)
    out_pad = _ints(attrs.get("output_padding"), 2, 0, "output_padding", node)
    auto = attrs.get("auto_pad", "NOTSET")
    stride = _ints(attrs.get("strides"), 2, 1, "strides", node)
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for i, k, s, d, op in zip(x.shape[2:], (kh, kw), stride, dilation, out_pad, strict=True):
            total = max(0, s * (i - 1) + op + d * (k - 1) + 1 - i * s)
            small, large = total // 2, total - total // 2
            begin.append(small if auto == "SAME_UPPER" else large)
            end.append(large if auto == "SAME_UPPER" else small)
        pads = (*begin, *end)
    else:
        stride, pads = _window(node, attrs, (kh, kw), x.shape[2:], dilation)
    m = mg * groups
    b = r.const(node, 2, required=False)
    bias = np.zeros(m) if b is None else b.reshape(-1).astype(np.float64)
    spec = OpSpec("conv_transpose", "ConvTranspose", n_filters=m, kernel=(kh, kw), stride=stride, pads=pads,
                  dilation=dilation, groups=groups, output_padding=out_pad)
    filters = np.ascontiguousarray(w.transpose(0, 2, 3, 1))
    return Planned("conv_transpose", spec, (x.index,), {"filters": filters, "bias": bias})


def _pool(mode: str) -> Handler:
    def handler(node: Any, attrs: dict, r: _Reader) -> Planned:
        x = r.stage(node)
        if len(x.shape) != 4:
            raise ModelError(f"node '{_name(node)}' ({node.op_type}) pools a tensor of shape {x.shape}; this app "
                             "pools images (1, C, H, W)")
        kernel = _ints(attrs.get("kernel_shape"), 2, 1, "kernel_shape", node)
        dilation = _ints(attrs.get("dilations"), 2, 1, "dilations", node)
        stride, pads = _window(node, attrs, kernel, x.shape[2:], dilation)
        spec = OpSpec("pool", node.op_type, kernel=kernel, stride=stride, pads=pads, dilation=dilation, pool_mode=mode,
                      ceil_mode=bool(attrs.get("ceil_mode", 0)),
                      count_include_pad=bool(attrs.get("count_include_pad", 0)))
        return Planned("pool", spec, (x.index,))
    return handler


def _global(mode: str) -> Handler:
    def handler(node: Any, attrs: dict, r: _Reader) -> Planned:
        x = r.stage(node)
        axes = tuple(range(2, len(x.shape)))
        return Planned("reduce", OpSpec("reduce", node.op_type, pool_mode=mode, axes=axes, keepdims=True), (x.index,))
    return handler


def _reduce(mode: str) -> Handler:
    def handler(node: Any, attrs: dict, r: _Reader) -> Planned:
        x = r.stage(node)
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = r.const(node, 1).reshape(-1).tolist()
        if not axes:
            if attrs.get("noop_with_empty_axes", 0):
                return Planned("activation", OpSpec("activation", node.op_type, activation="none"), (x.index,))
            axes = list(range(len(x.shape)))
        axes = tuple(sorted(int(a) % len(x.shape) for a in axes))
        keep = bool(attrs.get("keepdims", 1))
        return Planned("reduce", OpSpec("reduce", node.op_type, pool_mode=mode, axes=axes, keepdims=keep), (x.index,))
    return handler


def _activation(name: str) -> Handler:
    def handler(node: Any, attrs: dict, r: _Reader) -> Planned:
        alpha = float(attrs.get("alpha", 0.01))
        return Planned("activation", OpSpec("activation", node.op_type, activation=name, alpha=alpha),
                       (r.stage(node).index,))
    return handler


def _clip(node: Any, attrs: dict, r: _Reader) -> Planned:
    if r.opset < 11:
        low, high = attrs.get("min", -math.inf), attrs.get("max", math.inf)
    else:
        lo, hi = r.const(node, 1, required=False), r.const(node, 2, required=False)
        low = -math.inf if lo is None else float(lo.reshape(-1)[0])
        high = math.inf if hi is None else float(hi.reshape(-1)[0])
    return Planned("clip", OpSpec("clip", "Clip", low=float(low), high=float(high)), (r.stage(node).index,))


def _softmax(node: Any, attrs: dict, r: _Reader) -> Planned:
    legacy = r.opset < 13
    axis = int(attrs.get("axis", 1 if legacy else -1))
    return Planned("softmax", OpSpec("softmax", "Softmax", axis=axis, legacy=legacy), (r.stage(node).index,))


def _batch_norm(node: Any, attrs: dict, r: _Reader) -> Planned:
    if attrs.get("training_mode", 0):
        raise ModelError(f"node '{_name(node)}' (BatchNormalization) is in training mode; export the model in "
                         "evaluation mode (model.eval())")
    x = r.stage(node)
    c = x.shape[1] if len(x.shape) > 1 else 0
    params = {}
    for i, key in enumerate(("scale", "bias", "mean", "var"), start=1):
        value = r.const(node, i).reshape(-1).astype(np.float64)
        if value.shape != (c,):
            raise ModelError(f"node '{_name(node)}' (BatchNormalization) has {value.size} values of {key} for "
                             f"{c} channels")
        params[key] = value
    if (params["var"] + float(attrs.get("epsilon", 1e-5)) <= 0).any():
        raise ModelError(f"node '{_name(node)}' (BatchNormalization) has a variance plus epsilon that is not positive")
    return Planned("batch_norm", OpSpec("batch_norm", node.op_type, epsilon=float(attrs.get("epsilon", 1e-5))),
                   (x.index,), params)


def _binary(op: str) -> Handler:
    def handler(node: Any, attrs: dict, r: _Reader) -> Planned | np.ndarray:
        a, b = node.input[0], node.input[1]
        if a in r.constants and b in r.constants:
            return BINARY[op](r.constants[a], r.constants[b])
        spec = OpSpec("binary", node.op_type, op=op)
        if a in r.where and b in r.where:
            return Planned("binary", spec, (r.where[a], r.where[b]))
        const_first = a in r.constants
        value = np.asarray(r.constants[a if const_first else b], dtype=np.float64)
        stage = r.stage(node, 1 if const_first else 0)
        spec = OpSpec("binary", node.op_type, op=op, constant_first=const_first, shape=value.shape)
        return Planned("binary", spec, (stage.index,), {"constant": value})
    return handler


BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply,
          "div": lambda a, b: a // b if a.dtype.kind == "i" and b.dtype.kind == "i" else a / b}


def _concat(node: Any, attrs: dict, r: _Reader) -> Planned | np.ndarray:
    names = [n for n in node.input if n]
    axis = int(attrs.get("axis", 0))
    if all(n in r.constants for n in names):
        return np.concatenate([r.constants[n] for n in names], axis=axis)
    if not all(n in r.where for n in names):
        raise ModelError(f"node '{_name(node)}' (Concat) joins computed tensors with constants; this app joins "
                         "stages only")
    return Planned("concat", OpSpec("concat", "Concat", axis=axis), tuple(r.where[n] for n in names))


def _flatten(node: Any, attrs: dict, r: _Reader) -> Planned:
    x = r.stage(node)
    axis = int(attrs.get("axis", 1))
    axis = axis % len(x.shape) if axis < 0 else axis
    return Planned("flatten", OpSpec("flatten", "Flatten", axis=axis), (x.index,), layout="flat")


def _reshape_to(node: Any, r: _Reader, shape: tuple[int, ...], x: GraphStage | np.ndarray) -> Planned | np.ndarray:
    if isinstance(x, np.ndarray):
        return x.reshape(shape)
    layout = "flat" if len(shape) != 4 else (x.layout if tuple(shape) == tuple(x.shape) else "nchw")
    return Planned("reshape", OpSpec("reshape", node.op_type, shape=tuple(int(s) for s in shape)), (x.index,),
                   layout=layout)


def _source(node: Any, r: _Reader, i: int = 0) -> GraphStage | np.ndarray:
    name = node.input[i]
    return r.constants[name] if name in r.constants else r.stage(node, i)


def _shape_of(x: GraphStage | np.ndarray) -> tuple[int, ...]:
    return tuple(x.shape)


def _reshape(node: Any, attrs: dict, r: _Reader) -> Planned | np.ndarray:
    x = _source(node, r)
    target = [int(v) for v in r.const(node, 1).reshape(-1)]
    shape = _shape_of(x)
    if not attrs.get("allowzero", 0):
        target = [shape[i] if v == 0 and i < len(shape) else v for i, v in enumerate(target)]
    count = math.prod(shape)
    if target.count(-1) > 1 or any(v < -1 for v in target):
        raise ModelError(f"node '{_name(node)}' (Reshape) asks for the shape {target}")
    if -1 in target:
        known = math.prod(v for v in target if v != -1)
        if known == 0 or count % known:
            raise ModelError(f"node '{_name(node)}' (Reshape) cannot give {count} values the shape {target}")
        target[target.index(-1)] = count // known
    if math.prod(target) != count:
        raise ModelError(f"node '{_name(node)}' (Reshape) cannot give {count} values the shape {target}")
    return _reshape_to(node, r, tuple(target), x)


def _squeeze(unsqueeze: bool) -> Handler:
    def handler(node: Any, attrs: dict, r: _Reader) -> Planned | np.ndarray:
        x = _source(node, r)
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = r.const(node, 1).reshape(-1).tolist()
        shape = list(_shape_of(x))
        if unsqueeze:
            rank = len(shape) + len(axes or [])
            for a in sorted(int(a) % rank for a in axes or []):
                shape.insert(a, 1)
        else:
            drop = {int(a) % len(shape) for a in axes} if axes else {i for i, d in enumerate(shape) if d == 1}
            if any(shape[a] != 1 for a in drop):
                raise ModelError(f"node '{_name(node)}' (Squeeze) drops an axis longer than 1 of {tuple(shape)}")
            shape = [d for i, d in enumerate(shape) if i not in drop]
        return _reshape_to(node, r, tuple(shape), x)
    return handler


def _transpose(node: Any, attrs: dict, r: _Reader) -> Planned | np.ndarray:
    x = _source(node, r)
    rank = len(_shape_of(x))
    perm = tuple(int(p) for p in attrs.get("perm", range(rank - 1, -1, -1)))
    if isinstance(x, np.ndarray):
        return x.transpose(perm)
    known = {("nchw", (0, 2, 3, 1)): "nhwc", ("nhwc", (0, 3, 1, 2)): "nchw"}
    layout = x.layout if perm == tuple(range(rank)) else known.get((x.layout, perm), "flat")
    return Planned("transpose", OpSpec("transpose", "Transpose", perm=perm), (x.index,), layout=layout)


def _dense(node: Any, r: _Reader, weight: np.ndarray, bias: np.ndarray | None) -> Planned:
    x = r.stage(node)
    params = {"weight": np.ascontiguousarray(weight, dtype=np.float64)}
    if bias is not None:
        params["bias"] = bias.astype(np.float64)
    spec = OpSpec("dense", node.op_type, kernel=(int(weight.shape[0]), int(weight.shape[1])))
    return Planned("dense", spec, (x.index,), params, layout="flat")


def _gemm(node: Any, attrs: dict, r: _Reader) -> Planned:
    if attrs.get("transA", 0):
        raise ModelError(f"node '{_name(node)}' (Gemm) transposes its input (transA); this app runs dense layers "
                         "x @ W + b")
    b = r.const(node, 1)
    if b.ndim != 2:
        raise ModelError(f"node '{_name(node)}' (Gemm) has weights of shape {b.shape}, not a matrix")
    weight = (b.T if attrs.get("transB", 0) else b) * float(attrs.get("alpha", 1.0))
    c = r.const(node, 2, required=False)
    n = weight.shape[1]
    try:
        bias = None if c is None else np.broadcast_to(c.astype(np.float64) * float(attrs.get("beta", 1.0)),
                                                             (1, n)).reshape(n)
    except ValueError:
        raise ModelError(f"node '{_name(node)}' (Gemm) has a bias of shape {c.shape} for {n} outputs") from None
    return _dense(node, r, weight, bias)


def _matmul(node: Any, attrs: dict, r: _Reader) -> Planned | np.ndarray:
    if node.input[0] in r.constants and node.input[1] in r.constants:
        return r.constants[node.input[0]] @ r.constants[node.input[1]]
    b = r.const(node, 1)
    if b.ndim != 2:
        raise ModelError(f"node '{_name(node)}' (MatMul) multiplies by a tensor of shape {b.shape}; this app runs "
                         "dense layers (a matrix of weights)")
    return _dense(node, r, b, None)


def _identity(node: Any, attrs: dict, r: _Reader) -> Planned | np.ndarray:
    if node.input[0] in r.constants:
        return r.constants[node.input[0]]
    return Planned("activation", OpSpec("activation", node.op_type, activation="none"), (r.stage(node).index,))


def _pad(node: Any, attrs: dict, r: _Reader) -> Planned:
    x = r.stage(node)
    rank = len(x.shape)
    if r.opset < 11:
        pads, value = list(attrs.get("pads", [])), float(attrs.get("value", 0.0))
        axes = list(range(rank))
    else:
        pads = [int(v) for v in r.const(node, 1).reshape(-1)]
        v = r.const(node, 2, required=False)
        value = 0.0 if v is None or v.size == 0 else float(v.reshape(-1)[0])
        a = r.const(node, 3, required=False)
        axes = list(range(rank)) if a is None else [int(i) % rank for i in a.reshape(-1)]
    if len(pads) != 2 * len(axes):
        raise ModelError(f"node '{_name(node)}' (Pad) gives {len(pads)} pads for {len(axes)} axes")
    widths = [(0, 0)] * rank
    for i, axis in enumerate(axes):
        widths[axis] = (int(pads[i]), int(pads[i + len(axes)]))
    mode = attrs.get("mode", "constant")
    if mode not in ("constant", "reflect", "edge"):
        raise ModelError(f"node '{_name(node)}' (Pad) uses mode {mode!r}; this app pads with constant, reflect or edge")
    spec = OpSpec("pad", "Pad", pad_widths=tuple(widths), pad_mode=mode, value=value)
    return Planned("pad", spec, (x.index,))


def _constant(node: Any, attrs: dict, r: _Reader) -> np.ndarray:
    from onnx import TensorProto

    if "value" in attrs and isinstance(attrs["value"], TensorProto):
        return _array(attrs["value"])
    for key, dtype in (("value_float", np.float64), ("value_floats", np.float64), ("value_int", np.int64),
                       ("value_ints", np.int64)):
        if key in attrs:
            return np.asarray(attrs[key], dtype=dtype)
    raise ModelError(f"node '{_name(node)}' (Constant) holds a kind of value this app does not read "
                     f"({', '.join(attrs) or 'none'})")


def _shape(node: Any, attrs: dict, r: _Reader) -> np.ndarray:
    shape = np.array(_shape_of(_source(node, r)), dtype=np.int64)
    start, end = int(attrs.get("start", 0)), attrs.get("end")
    return shape[start: None if end is None else int(end)]


def _gather(node: Any, attrs: dict, r: _Reader) -> np.ndarray:
    data, idx = r.const(node, 0), r.const(node, 1)
    return np.take(data, idx, axis=int(attrs.get("axis", 0)))


def _cast(node: Any, attrs: dict, r: _Reader) -> Planned | np.ndarray:
    to = int(attrs.get("to", 1))
    if node.input[0] in r.constants:
        value = r.constants[node.input[0]]
        if to in FLOAT_TYPES:
            return value.astype(np.float64)
        if to in INT_TYPES:
            return value.astype(np.int64)
        raise ModelError(f"node '{_name(node)}' (Cast) makes {_type_name(to)} values; this app runs float networks")
    if to not in FLOAT_TYPES:
        raise ModelError(f"node '{_name(node)}' (Cast) turns the tensors into {_type_name(to)} values; this app runs "
                         "float networks")
    return Planned("activation", OpSpec("activation", "Cast", activation="none"), (r.stage(node).index,))


def _constant_of_shape(node: Any, attrs: dict, r: _Reader) -> np.ndarray:
    shape = [int(v) for v in r.const(node, 0).reshape(-1)]
    if math.prod(shape) > MAX_CONSTANT_VALUES:
        raise ModelError(f"node '{_name(node)}' (ConstantOfShape) makes {math.prod(shape):,} values")
    value = _array(attrs["value"]).reshape(-1)[0] if "value" in attrs else 0.0
    return np.full(shape, value)


OPERATORS: dict[str, Handler] = {
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "Relu": _activation("relu"),
    "LeakyRelu": _activation("leaky_relu"),
    "Sigmoid": _activation("sigmoid"),
    "Tanh": _activation("tanh"),
    "Clip": _clip,
    "Softmax": _softmax,
    "MaxPool": _pool("max"),
    "AveragePool": _pool("avg"),
    "GlobalAveragePool": _global("avg"),
    "GlobalMaxPool": _global("max"),
    "ReduceMean": _reduce("avg"),
    "ReduceMax": _reduce("max"),
    "BatchNormalization": _batch_norm,
    "Add": _binary("add"),
    "Sub": _binary("sub"),
    "Mul": _binary("mul"),
    "Div": _binary("div"),
    "Concat": _concat,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Squeeze": _squeeze(False),
    "Unsqueeze": _squeeze(True),
    "Transpose": _transpose,
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Dropout": _identity,
    "Identity": _identity,
    "Pad": _pad,
    "Constant": _constant,
    "Shape": _shape,
    "Gather": _gather,
    "Cast": _cast,
    "ConstantOfShape": _constant_of_shape,
}
SUPPORTED = tuple(OPERATORS)
SUPPORTED_TEXT = ", ".join(SUPPORTED[:-1]) + " and " + SUPPORTED[-1]


# ------------------------------------------------------------------------ an image in, one cell traced

NORMALIZATIONS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "[0, 1]": ((0.0,), (1.0,)),
    "[-1, 1]": ((0.5,), (0.5,)),
    "ImageNet mean and std": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    "[0, 255]": ((0.0,), (1 / 255,)),
}
"""Presets of ``(mean, std)``: the model sees ``(pixel - mean) / std`` with pixels in [0, 1] (per channel, or
one value for all)."""


def model_input(image: np.ndarray, network: OnnxNetwork, mean: tuple[float, ...] = (0.0,),
                std: tuple[float, ...] = (1.0,)) -> np.ndarray:
    """An image ``(H, W, C)`` in [0, 1] as the tensor the model takes: resized to its input, given its
    channels (gray <-> RGB), normalized, in its layout. Returns float32, e.g. ``(1, C, H, W)``."""
    from .images import resize_to, to_channels

    shape, layout = network.input_shape, network.input_layout
    if layout == "flat":
        side = math.isqrt(shape[1])
        if side * side != shape[1]:
            raise ModelError(f"this model takes a vector of {shape[1]} numbers, not an image")
        h, w, c = side, side, 1
    else:
        h, w, c = network.stages[0].image_shape
    if c not in (1, 3):
        raise ModelError(f"this model takes images of {c} channels; this app makes pictures of 1 (gray) or 3 (RGB)")
    pixels = resize_to(to_channels(np.asarray(image, dtype=np.float64), c), h, w)
    m, s = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    if m.size not in (1, c) or s.size not in (1, c) or not np.isfinite(m).all() or not (np.abs(s) > 1e-12).all():
        raise ModelError(f"give the mean and the standard deviation as 1 or {c} numbers (standard deviations not 0)")
    values = (pixels - m.reshape(-1)[:c] if m.size == c else pixels - m[0])
    values = values / (s.reshape(-1)[:c] if s.size == c else s[0])
    if layout == "nchw":
        x = values.transpose(2, 0, 1)[None]
    elif layout == "nhwc":
        x = values[None]
    else:
        x = values.reshape(1, -1)
    return np.ascontiguousarray(x, dtype=np.float32)


@dataclass(frozen=True)
class CellTrace:
    """One output cell of a convolution stage, traced on the stage's real input.

    ``trace`` slides filter ``n`` over the crop of the (padded) input that a ``region`` of outputs around the
    cell reads; ``step`` is the cell's step; ``out_origin`` the crop's first output cell, ``in_origin`` the
    first input row and column it reads (negative: in the padding); ``channels`` the input channels the
    filter sees (its group).
    """

    trace: Any
    step: int
    out_origin: tuple[int, int]
    in_origin: tuple[int, int]
    channels: tuple[int, int]


def trace_conv_cell(stage: GraphStage, image: np.ndarray, n: int, y: int, x: int, *, region: int = 6) -> CellTrace:
    """How output ``(y, x)`` of channel ``n`` of a convolution stage is made from ``image``, the stage's input
    as ``(H, W, C)``: the sliding trace over the output cells around it, padding included as zeros."""
    from .layers import geometry
    from .trace import trace_convolution

    if stage.kind != "conv":
        raise ValueError(f"stage {stage.index} is not a convolution")
    g = geometry(stage.spec)
    filters, bias = stage.params["filters"], stage.params.get("bias")
    ho, wo, nf = stage.image_shape
    if not (0 <= n < nf and 0 <= y < ho and 0 <= x < wo):
        raise ValueError(f"cell ({y}, {x}) of channel {n} is outside the {ho}x{wo}x{nf} output")
    cg = filters.shape[3]
    group = n // (nf // g.groups)
    (t, b), (left, r) = g.padding
    padded = np.pad(image[:, :, group * cg:(group + 1) * cg], ((t, b), (left, r), (0, 0)))
    y0, x0 = min(max(0, y - region // 2), max(0, ho - region)), min(max(0, x - region // 2), max(0, wo - region))
    y1, x1 = min(ho, y0 + region), min(wo, x0 + region)
    (sh, sw), (dh, dw), (kh, kw) = g.stride, g.dilation, g.kernel
    crop = padded[y0 * sh:(y1 - 1) * sh + dh * (kh - 1) + 1, x0 * sw:(x1 - 1) * sw + dw * (kw - 1) + 1]
    b = 0.0 if bias is None else float(bias[n])
    trace = trace_convolution(crop, filters[n], b, stride=g.stride, dilation=g.dilation)
    return CellTrace(trace, (y - y0) * (x1 - x0) + (x - x0), (y0, x0), (y0 * sh - t, x0 * sw - left),
                     (group * cg, (group + 1) * cg))
