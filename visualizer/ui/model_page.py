"""Your model: open an ONNX CNN (upload one, or an example we ship) and see every stage on your own image.

The sidebar holds the model (an example or an upload of up to 30 MB) and the image (the studio's, an
example, an upload or a drawing, with the model's normalization); the page shows the model's verdict (top 5
with softmax), its graph (click a stage), the chosen stage's feature maps and, for a convolution, one filter
sliding over the stage's real input at a chosen output cell, and the cost of every layer. A file that cannot
be opened is a message; the model before it and the image stay.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import streamlit as st

from visualizer import ImageError, ModelError, OnnxNetwork, example_names, load_example, read_onnx
from visualizer.figures import sliding_figure, tensor_figure
from visualizer.figures.graph import GraphBox, graph_figure
from visualizer.figures.learn import probability_figure
from visualizer.figures.raster import png_bytes, upscale_for_display
from visualizer.learn import softmax
from visualizer.numbers import fmt
from visualizer.onnx_model import MAX_FILE_BYTES, NORMALIZATIONS, model_input, trace_conv_cell
from visualizer.text import md_text, plain

from .common import CACHE_TTL, INPUT_IMAGE, INPUT_NAME, clicked_customdata, error_boundary, lazy_expander, shape_label
from .heavy import BUSY_MESSAGE, heavy_section
from .inputs import UPLOAD_TYPES, decode_upload
from .player import column_width
from .receptive_view import model_cone_section

log = logging.getLogger("visualizer")
ASSETS = Path(__file__).resolve().parents[2] / "assets"
EXAMPLES = {
    "tiny_mobilenet_shapes.onnx": "Tiny MobileNet: 32x32 colour pictures of four shapes",
    "lenet5_digits.onnx": "LeNet-5: 32x32 handwritten digits",
    "founding_chain.onnx": "The founding chain: 5x5 shapes (ours, from the Learn page)",
    "digits_net.onnx": "The digits network: 8x8 digits (ours, from the Learn page)",
}
DEFAULT_IMAGES = {"tiny_mobilenet_shapes.onnx": "Shapes (64x64, colour)", "lenet5_digits.onnx":
                  "Handwritten digit (28x28)", "founding_chain.onnx": "Founding 5x5 (binary)",
                  "digits_net.onnx": "Handwritten digit (28x28)"}
IMAGE_SOURCES = {"example": "Example", "studio": "The studio's image", "upload": "Upload", "draw": "Draw"}
MODEL = "model_current"  # {"name", "digest", "example"}: the model open now
MODEL_BYTES = "model_bytes"  # an uploaded model's bytes (examples are read from assets/)
MODEL_ERROR = "model_error"  # the last refusal, shown until another model opens
IMAGE = "model_image"  # the page's own picture (upload or drawing), RGB (H, W, 3) in [0, 1]
STAGE = "model_stage"
GRAPH = "model_graph"
TOP = 5
MAX_MAP_CHANNELS = 32
REGION = 6  # the sliding view covers this many output cells a side around the chosen one
FRAME_MS = 500
SLIDING_WIDTH_PX = 800  # the page's main column at 1366 px with the sidebar open: the sum is wrapped to fit it
WIDTH_KEY = "model_column"  # the main column's width as the browser reports it (player.column_width)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_data(max_entries=4, ttl=CACHE_TTL, show_spinner=False)
def cached_network(digest: str, _data: bytes) -> OnnxNetwork:
    """The model read once per file, keyed on its hash (each caller gets its own copy)."""
    return read_onnx(_data)


@st.cache_data(max_entries=4, ttl=CACHE_TTL, show_spinner=False)
def cached_run(digest: str, x: np.ndarray, _data: bytes) -> list[np.ndarray]:
    """Every stage's tensor for the input ``x``, keyed on the model's hash and the input."""
    return cached_network(digest, _data).run(x)


@st.cache_data(max_entries=len(EXAMPLES), show_spinner=False)
def example_bytes(file: str) -> bytes:
    return (ASSETS / file).read_bytes()


def _current() -> tuple[str, str, bytes]:
    ss = st.session_state
    if MODEL not in ss:
        _open_example(next(iter(EXAMPLES)))
    m = ss[MODEL]
    data = example_bytes(m["example"]) if m["example"] else ss[MODEL_BYTES]
    return m["name"], m["digest"], data


def _open_example(file: str) -> None:
    ss = st.session_state
    ss[MODEL] = {"name": EXAMPLES[file], "digest": _digest(example_bytes(file)), "example": file}
    ss.pop(MODEL_BYTES, None)
    ss[MODEL_ERROR] = None
    ss[STAGE] = None
    ss.setdefault("model_example_image", DEFAULT_IMAGES[file])
    if ss.get("model_image_source", "example") == "example":
        ss["model_example_image"] = DEFAULT_IMAGES[file]


def _on_example() -> None:
    _open_example(st.session_state["model_example"])


def _on_upload() -> None:
    upload = st.session_state.get("model_upload")
    if upload is not None:
        accept_model(upload.name, upload.getvalue())


def accept_model(filename: str, data: bytes) -> str | None:
    """Open an uploaded model; on a refusal, keep the model before it and return (and show) the message."""
    ss = st.session_state
    name = plain(filename)
    try:
        if len(data) > MAX_FILE_BYTES:
            raise ModelError(f"the file is {len(data) / 2**20:.1f} MB; models up to {MAX_FILE_BYTES // 2**20} MB "
                             "are accepted here")
        digest = _digest(data)
        with heavy_section(4.0 * len(data)) as granted:  # parsing holds the protobuf and its arrays
            if not granted:
                ss[MODEL_ERROR] = f"Could not open **{md_text(name)}** yet: {BUSY_MESSAGE}"
                return ss[MODEL_ERROR]
            cached_network(digest, data)
    except ModelError as err:
        ss[MODEL_ERROR] = f"Could not open **{md_text(name)}**: {md_text(str(err), limit=600)}."
        return ss[MODEL_ERROR]
    except Exception:  # a bug of ours must not lose the page: the model before stays open
        log.exception("reading model %s failed", name)
        ss[MODEL_ERROR] = f"Could not open **{md_text(name)}**: reading it failed in a way we did not expect."
        return ss[MODEL_ERROR]
    ss[MODEL] = {"name": f"upload: {name}", "digest": digest, "example": None}
    ss[MODEL_BYTES] = data
    ss[MODEL_ERROR] = None
    ss[STAGE] = None
    return None


# ------------------------------------------------------------------------------------------- sidebar


def _model_panel() -> None:
    ss = st.session_state
    st.header("1 · Model")
    current = ss[MODEL]
    ss["model_example"] = current["example"]  # None while an upload is open
    st.selectbox("An example we ship", list(EXAMPLES), key="model_example", format_func=EXAMPLES.get,
                 on_change=_on_example, placeholder="(your upload is open)")
    st.file_uploader(f"Or your own .onnx (up to {MAX_FILE_BYTES // 2**20} MB)", type=["onnx"], key="model_upload",
                     on_change=_on_upload, max_upload_size=MAX_FILE_BYTES // 2**20,
                     help="Export from PyTorch with torch.onnx.export, from Keras with tf2onnx (see the README). "
                          "The file is read as data only: nothing in it runs, no other file is opened.")


def _image_panel(network: OnnxNetwork) -> tuple[np.ndarray, str]:
    """The picture (RGB in [0, 1]) and where it came from."""
    ss = st.session_state
    st.header("2 · Image")
    source = st.radio("Image", list(IMAGE_SOURCES), key="model_image_source", format_func=IMAGE_SOURCES.get,
                      horizontal=True, label_visibility="collapsed")
    if source == "studio":
        studio = ss.get(INPUT_IMAGE)
        if studio is not None:
            return np.asarray(studio, dtype=np.float64), str(ss.get(INPUT_NAME, "the studio's image"))
        st.info("The studio has no image yet (open the Convolution studio page first); the example goes through.")
    elif source == "upload":
        _image_upload()
    elif source == "draw":
        _image_drawing()
    if source in ("upload", "draw") and ss.get(IMAGE) is not None:
        return ss[IMAGE], ss.get("model_image_name", "your picture")
    if source in ("upload", "draw"):
        st.caption("Until then, the example goes through.")
    ss.setdefault("model_example_image", DEFAULT_IMAGES.get(ss[MODEL]["example"] or "", example_names()[2]))
    name = st.selectbox("Example", example_names(), key="model_example_image")
    return load_example(name, channels=3), name


def _image_upload() -> None:
    ss = st.session_state
    upload = st.file_uploader("Upload a picture (PNG, JPEG, ...; up to 5 MB)", type=UPLOAD_TYPES,
                              key="model_image_upload", max_upload_size=5)
    if upload is None:
        return
    digest = _digest(upload.getvalue())
    if ss.get("model_image_digest") == digest:
        return
    ss["model_image_digest"] = digest
    try:
        ss[IMAGE] = decode_upload(upload.getvalue())
        ss["model_image_name"] = f"upload: {plain(upload.name)}"
        ss["model_image_error"] = None
    except ImageError as err:
        ss["model_image_error"] = f"Could not use **{md_text(upload.name)}**: {err}. The picture before stays."
    if ss.get("model_image_error"):
        st.error(ss["model_image_error"])


def _image_drawing() -> None:
    from streamlit_drawable_canvas import st_canvas

    from visualizer import image_from_array

    ss = st.session_state
    result = st_canvas(stroke_width=18, stroke_color="#ffffff", background_color="#000000", height=224, width=224,
                       drawing_mode="freedraw", return_image_data=True, key="model_canvas")
    st.caption("Draw in white on black, like the digits the LeNet learned.")
    if result is None or result.image_data is None:
        return
    try:
        drawn = image_from_array(result.image_data, channels=3, max_side=256)
    except ImageError:
        return
    if drawn.max() > 0:
        ss[IMAGE], ss["model_image_name"] = drawn, "your drawing"


def _normalization_panel(network: OnnxNetwork) -> tuple[tuple[float, ...], tuple[float, ...]]:
    ss = st.session_state
    c = 1 if network.input_layout == "flat" else network.stages[0].image_shape[2]

    def preset() -> None:
        mean, std = NORMALIZATIONS[ss["model_norm"]]
        ss["model_mean"] = ", ".join(f"{v:g}" for v in mean)
        ss["model_std"] = ", ".join(f"{v:.6g}" for v in std)

    if "model_mean" not in ss:
        ss["model_norm"] = "[0, 1]"
        preset()
    st.selectbox("Normalization", list(NORMALIZATIONS), key="model_norm", on_change=preset,
                 help="What the model was trained on: the model sees (pixel - mean) / std, pixels from 0 to 1. "
                      "PyTorch's ImageNet models use the ImageNet preset; many others [0, 1] or [-1, 1].")
    c1, c2 = st.columns(2)
    c1.text_input("mean", key="model_mean", help=f"One number, or {c} (one per channel), comma-separated")
    c2.text_input("std", key="model_std", help=f"One number, or {c}, comma-separated")
    try:
        mean = tuple(float(v) for v in ss["model_mean"].split(",") if v.strip())
        std = tuple(float(v) for v in ss["model_std"].split(",") if v.strip())
    except ValueError:
        st.error("The mean and std must be numbers, e.g. 0.485, 0.456, 0.406; using [0, 1] meanwhile.")
        return (0.0,), (1.0,)
    return mean or (0.0,), std or (1.0,)


# ------------------------------------------------------------------------------------------- the page


def _summary(name: str, network: OnnxNetwork) -> None:
    convs = sum(s.kind in ("conv", "conv_transpose") for s in network.stages)
    st.caption(
        f"Model: **{md_text(name)}** ({md_text(network.producer or 'unknown producer')}, opset {network.opset}). "
        f"Input **{' x '.join(map(str, network.input_shape))}** ({network.input_layout.upper()}), "
        f"{len(network.stages) - 1} stages, {convs} convolutions, **{network.n_params:,} parameters**, "
        f"**{network.macs:,} multiply-adds** per image. Every number below is computed by this app's NumPy engine."
    )


def _scores(network: OnnxNetwork, values: list[np.ndarray]) -> None:
    out = values[network.output].reshape(-1)
    st.subheader("What the model says")
    if out.size < 2 or out.size > 10_000:
        st.caption(f"The output has {out.size} values; class scores need 2 or more.")
        return
    is_prob = network.stages[network.output].kind == "softmax" or (
        bool(np.all(out >= 0)) and abs(float(out.sum()) - 1.0) < 1e-4)
    probs = out if is_prob else softmax(out[None])[0]
    labels = list(network.labels) if len(network.labels) == out.size else None
    typed = st.text_input("Class labels (comma-separated)", key="model_labels",
                          placeholder="the model carries none: type them here, e.g. cat, dog, bird",
                          help="One label per output, in order.") if labels is None else ""
    if labels is None:
        parts = [plain(p.strip(), limit=40) for p in typed.split(",")] if typed.strip() else []
        labels = [parts[i] if i < len(parts) and parts[i] else f"class {i}" for i in range(out.size)]
    top = np.argsort(-probs, kind="stable")[:TOP]
    st.plotly_chart(probability_figure(probs[top], [labels[i] for i in top], None if is_prob else out[top]),
                    key="model_probs", config={"displayModeBar": False, "scrollZoom": False})
    how = ("The model ends in a softmax: its output already is probabilities." if is_prob else
           f"Softmax turns the {out.size} scores into probabilities: e^score / sum of e^score.")
    st.caption(f"The top {min(TOP, out.size)} of {out.size} classes. {how}")


def _on_graph_click() -> None:
    stage = clicked_customdata(st.session_state.get(GRAPH))
    if stage is not None:
        st.session_state[STAGE] = stage


def _graph(network: OnnxNetwork, selected: int) -> None:
    boxes = [GraphBox(s.index, s.label if s.index else "input", shape_label(s.image_shape), s.kind, s.inputs)
             for s in network.stages]
    st.plotly_chart(graph_figure(boxes, selected=selected), key=GRAPH, on_select=_on_graph_click,
                    selection_mode="points", config={"displayModeBar": False, "scrollZoom": False})


def _maps(tensor: np.ndarray, title: str, key: str) -> None:
    st.plotly_chart(tensor_figure(tensor, title=title, max_channels=MAX_MAP_CHANNELS), key=key,
                    config={"displayModeBar": False, "scrollZoom": False})


def _stage_text(network: OnnxNetwork, index: int) -> None:
    s = network.stages[index]
    ins = ", ".join(str(i) for i in s.inputs)
    st.markdown(f"**Stage {index}**: {md_text(s.op_type)} node **{md_text(s.name, limit=80)}**, "
                f"{md_text(s.label)}, from stage{'s' if len(s.inputs) > 1 else ''} {ins}, "
                f"shape {shape_label(s.image_shape)}. Parameters: {s.n_params:,}; multiply-adds: {s.macs:,}.")
    st.code(s.arithmetic.replace("; ", "\n"), language=None, wrap_lines=True)


def _inspector(network: OnnxNetwork, values: list[np.ndarray], index: int) -> None:
    s = network.stages[index]
    image = network.image(index, values[index])
    if index == 0:
        st.markdown(f"**Stage 0: the input** {shape_label(s.image_shape)}, as the model sees it (normalized).")
        _maps(image, f"input {shape_label(s.image_shape)}", "model_maps")
        return
    _stage_text(network, index)
    shown = min(image.shape[2], MAX_MAP_CHANNELS)
    st.markdown(f"**What comes out: {'the' if shown == image.shape[2] else f'the first {shown} of the'} "
                f"{image.shape[2]} channel{'s' if image.shape[2] > 1 else ''} of stage {index}**")
    _maps(image, f"stage {index}: {shape_label(s.image_shape)}", "model_maps")


@st.fragment
@error_boundary("sliding animation")
def sliding_section(network: OnnxNetwork, values: list[np.ndarray], index: int) -> None:
    """One filter of a convolution stage sliding over the stage's real input, at a chosen output cell."""
    ss = st.session_state
    s = network.stages[index]
    before = network.image(s.inputs[0], values[s.inputs[0]])
    ho, wo, nf = s.image_shape
    for key, top in (("model_n", nf - 1), ("model_y", ho - 1), ("model_x", wo - 1)):
        ss[key] = int(np.clip(ss.get(key, 0), 0, top))
    c1, c2, c3 = st.columns(3)
    n = c1.number_input(f"Output channel n (0 to {nf - 1})", 0, nf - 1, key="model_n")
    y = c2.number_input(f"Output row (0 to {ho - 1})", 0, ho - 1, key="model_y")
    x = c3.number_input(f"Output column (0 to {wo - 1})", 0, wo - 1, key="model_x")
    cell = trace_conv_cell(s, before, int(n), int(y), int(x), region=REGION)
    trace, step = cell.trace, cell.step
    # Fitted to the column the browser reports (a phone's 358 px gets the phone layout); a wide default until then
    width = min(column_width(key=WIDTH_KEY) or SLIDING_WIDTH_PX, SLIDING_WIDTH_PX)
    value = float(network.image(index, values[index])[y, x, n])
    c = trace.kernel.shape[2]
    if c <= 3:
        fig = sliding_figure(trace, step=step, frame_ms=FRAME_MS, max_frames=REGION * REGION,
                             width_px=width, channel_labels=[f"ch {cell.channels[0] + i}" for i in range(c)])
        st.plotly_chart(fig, key="model_sliding", config={"displayModeBar": False, "scrollZoom": False})
    else:
        _many_channels(trace, step, cell, width)
    y0, x0 = cell.out_origin
    r0, q0 = cell.in_origin
    group = f" (its group: input channels {cell.channels[0]} to {cell.channels[1] - 1})" if (
        s.spec.groups > 1) else ""
    st.caption(
        f"Filter {n} ({'x'.join(map(str, trace.kernel.shape))}){group} makes out({y}, {x}) of channel {n}: "
        f"{fmt(float(trace.totals[step]), 6)}, and the model's stage holds {fmt(value, 6)}. The animation covers "
        f"output cells {y0}..{y0 + trace.out_shape[0] - 1} x {x0}..{x0 + trace.out_shape[1] - 1}, reading input "
        f"rows from {r0} and columns from {q0} (negative: the zero padding, drawn as zeros). Press Play in the chart.")


def _many_channels(trace, step: int, cell, width: int) -> None:
    """A filter over many channels: one channel's slide (chosen), and the sum of all channel sums written out."""
    from visualizer.trace import trace_convolution

    c = trace.kernel.shape[2]
    sums = trace.channel_sums[step]
    st.markdown(f"The filter has **{c} channels**: at this cell each one gives a sum of {trace.kernel[..., 0].size} "
                "products, and the output is the sum of all of them, plus the bias. Pick a channel to watch its slide.")
    strongest = int(np.argmax(np.abs(sums)))
    ss = st.session_state
    ss["model_channel"] = int(np.clip(ss.get("model_channel", strongest), 0, c - 1))
    ch = st.number_input(f"Input channel (0 to {c - 1}; the largest contribution here is {strongest})", 0, c - 1,
                         key="model_channel")
    one = trace_convolution(trace.image[:, :, ch:ch + 1], trace.kernel[:, :, ch:ch + 1], 0.0, stride=trace.stride,
                            dilation=trace.dilation)
    fig = sliding_figure(one, step=step, frame_ms=FRAME_MS, max_frames=one.steps, width_px=width,
                         channel_labels=[f"ch {cell.channels[0] + ch}"])
    st.plotly_chart(fig, key="model_sliding", config={"displayModeBar": False, "scrollZoom": False})
    order = np.argsort(-np.abs(sums), kind="stable")
    terms = " + ".join(f"{fmt(float(sums[i]), 3)}" for i in order[:8])
    rest = float(sums[order[8:]].sum()) if c > 8 else None
    tail = f" + {fmt(rest, 3)} (the other {c - 8} channels)" if rest is not None else ""
    st.markdown(f"out = {terms}{tail} + bias {fmt(trace.bias, 3)} = **{fmt(float(trace.totals[step]), 6)}** "
                "(channel sums, largest first)")


def _picture_png(values: np.ndarray) -> bytes:
    """The input as the model takes it (normalized values stretched back to 0..255), about 224 px a side."""
    lo, hi = float(values.min()), float(values.max())
    v = values if lo >= 0 and hi <= 1 else (values - lo) / max(hi - lo, 1e-12)
    rgb = np.round(255 * np.repeat(v, 3, axis=2) if v.shape[2] == 1 else 255 * v[:, :, :3]).astype(np.uint8)
    return png_bytes(rgb, scale=upscale_for_display(*v.shape[:2], target=224))


def _cost_table(network: OnnxNetwork) -> None:
    rows = ["| Stage | Operator | Layer | Output | Parameters | Multiply-adds |", "|--:|:--|:--|:--|--:|--:|"]
    for s in network.stages[1:]:
        rows.append(f"| {s.index} | {md_text(s.op_type)} | {md_text(s.label)} | {shape_label(s.image_shape)} | "
                    f"{s.n_params:,} | {s.macs:,} |")
    rows.append(f"| | | **total** | | **{network.n_params:,}** | **{network.macs:,}** |")
    st.markdown("\n".join(rows))


def render() -> None:
    ss = st.session_state
    if MODEL not in ss:
        _open_example(next(iter(EXAMPLES)))
    name, digest, data = _current()
    try:
        network = cached_network(digest, data)
    except ModelError as err:  # an example damaged on disk: say so, offer the others
        st.error(f"This model could not be opened: {md_text(str(err))}")
        ss.pop(MODEL, None)
        return
    with st.sidebar:
        _model_panel()
        picture, picture_name = _image_panel(network)
        mean, std = _normalization_panel(network)
    st.title("Your model")
    if ss.get(MODEL_ERROR):
        st.error(ss[MODEL_ERROR] + " The model before it is still open.")
    _summary(name, network)
    # A run keeps every stage (up to 64 MB of float64), and the page gets its own copy from the cache.
    with heavy_section(16.0 * sum(s.values for s in network.stages)) as granted:
        if not granted:
            st.warning(BUSY_MESSAGE)
            st.button("Try again", key="busy_retry_model")
            return
        _views(network, digest, data, picture, picture_name, mean, std)


def _views(network: OnnxNetwork, digest: str, data: bytes, picture: np.ndarray, picture_name: str,
           mean: tuple[float, ...], std: tuple[float, ...]) -> None:
    """The verdict, the graph, the inspected stage and its sliding view, the cost table."""
    ss = st.session_state
    try:
        x = model_input(picture, network, mean, std)
        values = cached_run(digest, x, data)
    except ModelError as err:
        st.error(f"{md_text(str(err))}. Try another picture, normalization or model.")
        return
    last = len(network.stages) - 1
    selected = ss.get(STAGE)
    if not isinstance(selected, int) or not 0 <= selected <= last:
        selected = next((s.index for s in network.stages if s.kind == "conv"), last)
        ss[STAGE] = selected
    c1, c2 = st.columns([2, 3], gap="large")
    with c1, error_boundary("picture"):
        st.markdown(f"**The picture**: {md_text(picture_name)}, as the model takes it "
                    f"({shape_label(network.stages[0].image_shape)})")
        st.image(_picture_png(network.image(0, x.astype(np.float64))), width=224, output_format="PNG",
                 alt=f"the picture the model takes, {shape_label(network.stages[0].image_shape)}")
    with c2, error_boundary("class scores"):
        _scores(network, values)
    st.divider()
    g, insp = st.columns([2, 3], gap="large")
    with g:
        st.subheader("The graph")
        st.caption("Each box is a stage (height x width x channels), each arrow the operator that makes it; arcs "
                   "on the right carry the skip and branch paths. Click a box to inspect it.")
        with error_boundary("graph"):
            _graph(network, selected)
    with insp:
        st.subheader("Inspect a stage")
        st.selectbox("Stage", list(range(last + 1)), key=STAGE,
                     format_func=lambda i: f"{i} · {network.stages[i].label if i else 'input'}")
        with error_boundary(f"stage {ss[STAGE]}"):
            _inspector(network, values, int(ss[STAGE]))
    if network.stages[int(ss[STAGE])].kind == "conv":
        st.subheader(f"Stage {md_text(ss[STAGE])}, one cell: a filter sliding over the stage's real input")
        sliding_section(network, values, int(ss[STAGE]))
    with error_boundary("receptive field"):
        model_cone_section(network, values, int(ss[STAGE]))
    section = lazy_expander("Cost of every layer: parameters and multiply-adds", "model_cost")
    if section is not None:
        with section, error_boundary("cost table"):
            _cost_table(network)
