"""The network view: the founding chain 5x5x1 -> 3x3x15 -> 3x3x10 -> 1x1x6 end to end, with real numbers.

The sidebar holds the input choice, the weights (trained on the six shapes, or seeded random) and the
editable stack (:mod:`network_stack`); the page shows the stages as a row of boxes (click one to inspect
it), the 1x1xK output as class scores with their softmax probabilities, the size arithmetic of every
stage, and the inspector of the chosen stage (:mod:`network_inspect`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import streamlit as st

from visualizer import LayerSpec, StackError, founding_image, learn, resize_image, run_stack, to_channels
from visualizer.figures.learn import probability_figure
from visualizer.figures.network import stage_row_figure
from visualizer.figures.pixel_grid import pixel_grid_figure
from visualizer.network import Stage
from visualizer.text import md_text

from .common import CACHE_ENTRIES, CACHE_TTL, INPUT_IMAGE, INPUT_NAME, clicked_customdata, error_boundary, shape_label
from .model_download import onnx_download
from .network_inspect import WIDTH_KEY, arithmetic_text, inspect_stage, stage_name
from .network_stack import check_stack, current_specs, init_stack, refusal_message, stack_editor
from .player import column_width
from .receptive_view import cone_section

SOURCES = {"founding": "Founding 5x5 example", "grid": "Draw on a 5x5 pixel grid", "studio": "Image from the studio"}
WEIGHTS = {"trained": "Trained on the six shapes", "random": "Random (seeded)"}
FOUNDING_NAME = "the founding 5x5 binary image"
GRID = "net_grid"  # the 5x5 drawing of the "grid" source, (5, 5) in [0, 1]
TRAINED_SIDE = 5  # the trained chain classifies 5x5 grayscale pictures
MAX_SIDE = 32  # the network view shows every stage's numbers; larger inputs would be unreadable and slow
STAGE = "net_stage"
CHART = "net_chart"


@st.cache_data(max_entries=1, ttl=CACHE_TTL, show_spinner=False)  # one network
def trained_model() -> learn.Model:
    """The founding chain trained on the six shapes (shipped in assets/), a copy per caller."""
    return learn.load_trained("shapes")


def _plain_specs(specs: list[LayerSpec]) -> list[LayerSpec]:
    return [replace(s, seed=0) for s in specs]  # the seed only picks random weights


def uses_trained(stack: list[dict]) -> bool:
    """True when the trained weights are asked for and fit: the stack is the founding chain (seeds aside)."""
    if st.session_state.get("net_weights", "trained") != "trained":
        return False
    return _plain_specs([LayerSpec(**d) for d in stack]) == _plain_specs(trained_model().specs)


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def cached_run(image: np.ndarray, stack: list[dict], trained: bool = False) -> list[Stage]:
    """Every stage of ``image`` through the stack, with the trained weights or the seeded random ones;
    cached on the image, the specs and the choice of weights.

    Raises :class:`StackError` when a stage cannot work or is larger than the network view shows.
    """
    specs = [LayerSpec(**d) for d in stack]
    check_stack(specs, np.shape(image))
    return run_stack(image, specs, trained_model().params if trained else None)


def classifier_input(image: np.ndarray) -> np.ndarray:
    """``image`` ``(H, W, C)`` as the trained chain takes it: grayscale, shrunk to fit 5x5 and centred on black."""
    gray = resize_image(to_channels(np.asarray(image, dtype=np.float64), 1), TRAINED_SIDE)
    out = np.zeros((TRAINED_SIDE, TRAINED_SIDE, 1))
    h, w = gray.shape[:2]
    top, left = (TRAINED_SIDE - h) // 2, (TRAINED_SIDE - w) // 2
    out[top: top + h, left: left + w] = gray
    return out


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _shrunk(image: np.ndarray) -> np.ndarray:
    return resize_image(np.asarray(image, dtype=np.float64), MAX_SIDE)


def network_input(for_classifier: bool = False) -> tuple[np.ndarray, str, str | None]:
    """The image sent through the network, where it came from, and a note about it (or None).

    ``for_classifier``: the trained chain runs, so the image is made 5x5 grayscale (the note says so).
    """
    ss = st.session_state
    source = ss.get("net_source")
    if source == "grid":
        return _grid_image()[:, :, None], "your 5x5 drawing", None
    if source != "studio":
        return founding_image(1), FOUNDING_NAME, None
    studio = ss.get(INPUT_IMAGE)
    if studio is None:
        return founding_image(1), FOUNDING_NAME, (
            "The studio has no image yet: open the **Convolution studio** page, choose, upload or draw an image, "
            "then come back. Until then the founding 5x5 example goes through."
        )
    name = str(ss.get(INPUT_NAME, "the studio's image"))
    h, w = np.shape(studio)[:2]
    if for_classifier:
        return classifier_input(studio), name, (
            f"The trained network classifies 5x5 grayscale pictures: the studio's image ({h}x{w}) is made grayscale "
            "and shrunk to fit 5x5. Choose random weights in the sidebar to send it through at up to "
            f"{MAX_SIDE} pixels a side instead.")
    small = _shrunk(studio)
    if small.shape[:2] != (h, w):
        note = (f"The studio's image ({h}x{w}) is shrunk here to {small.shape[0]}x{small.shape[1]}: at most "
                f"{MAX_SIDE} pixels a side, so that every stage's numbers stay readable.")
    else:
        note = f"The studio's image, {h}x{w} with {small.shape[2]} channel{'s' if small.shape[2] > 1 else ''}."
    return small, name, note


def _grid_image() -> np.ndarray:
    ss = st.session_state
    grid = ss.get(GRID)
    if not isinstance(grid, np.ndarray) or grid.shape != (TRAINED_SIDE, TRAINED_SIDE):
        ss[GRID] = founding_image(1)[:, :, 0].copy()
    return np.array(ss[GRID], dtype=np.float64)


def _on_grid_click() -> None:
    ss = st.session_state
    try:
        points = ss[f"net_grid_chart_{ss.get('net_grid_version', 0)}"]["selection"]["points"]
    except (KeyError, TypeError):
        return
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)) and len(data) == 2:
            grid = _grid_image()
            y, x = int(data[0]), int(data[1])
            if 0 <= y < grid.shape[0] and 0 <= x < grid.shape[1]:
                grid[y, x] = 0.0 if grid[y, x] >= 0.5 else 1.0
                ss[GRID] = grid
                ss["net_grid_version"] = ss.get("net_grid_version", 0) + 1
            return


def _grid_editor() -> None:
    """The sidebar's click-to-toggle 5x5 grid (starts as the founding image)."""
    ss = st.session_state
    key = f"net_grid_chart_{ss.get('net_grid_version', 0)}"
    st.plotly_chart(pixel_grid_figure(_grid_image(), cell_px=40), key=key, on_select=_on_grid_click,
                    selection_mode="points", config={"displayModeBar": False})
    c1, c2 = st.columns(2)
    if c1.button("Clear", key="net_grid_clear", width="stretch"):
        ss[GRID] = np.zeros((TRAINED_SIDE, TRAINED_SIDE))
        ss["net_grid_version"] = ss.get("net_grid_version", 0) + 1
        st.rerun()
    if c2.button("Founding image", key="net_grid_founding", width="stretch"):
        ss[GRID] = founding_image(1)[:, :, 0].copy()
        ss["net_grid_version"] = ss.get("net_grid_version", 0) + 1
        st.rerun()
    st.caption("Click a cell to turn it white or black.")


def _on_stage_click() -> None:
    """A click on a box of the stage row selects that stage."""
    stage = clicked_customdata(st.session_state.get(CHART))
    if stage is not None:
        st.session_state[STAGE] = stage


def _stage_row(stages: list[Stage], selected: int) -> None:
    kinds = ["input"] + [s.layer.spec.kind for s in stages[1:]]
    width = column_width(key=WIDTH_KEY)  # None on a session's first run: drawn for a wide screen until reported
    fig = stage_row_figure(
        [s.shape for s in stages],
        [s.label for s in stages[1:]],
        kinds,
        selected=selected,
        names=[stage_name(s) for s in stages],
        input_image=stages[0].tensor,
        width_px=width,
    )
    st.plotly_chart(fig, key=CHART, on_select=_on_stage_click, selection_mode="points",
                    config={"displayModeBar": False, "scrollZoom": False})


def _arithmetic_table(stages: list[Stage]) -> None:
    rows = ["| Stage | Layer | Shape | Output size, per side: floor((i + 2p − d(k−1) − 1) / s) + 1 |",
            "|:--|:--|:--|:--|"]
    for s in stages:
        arithmetic = arithmetic_text(s).replace("\n", "` `")
        rows.append(f"| {s.index} · {stage_name(s)} | {'—' if s.layer is None else s.label} | "
                    f"{shape_label(s.shape)} | {'—' if s.layer is None else '`' + arithmetic + '`'} |")
    st.markdown("\n".join(rows))


def _stage_picker(stages: list[Stage]) -> int:
    ss = st.session_state
    last = len(stages) - 1
    ss[STAGE] = int(np.clip(ss.get(STAGE, min(1, last)), 0, last))
    st.segmented_control(
        "Inspect a stage (or click its box)",
        list(range(len(stages))),
        key=STAGE,
        required=True,
        format_func=lambda i: f"{i} · {stages[i].label if i else 'input'}",
    )
    return int(ss[STAGE])


def _sidebar_input() -> None:
    with st.sidebar:
        st.header("1 · Input")
        st.radio("What goes through the network", list(SOURCES), key="net_source", format_func=SOURCES.get)
        if st.session_state.get("net_source") == "grid":
            with error_boundary("pixel grid"):
                _grid_editor()
        st.radio("Weights", list(WEIGHTS), key="net_weights", format_func=WEIGHTS.get,
                 help="Trained: the founding chain after training on six 5x5 shapes (the Learn page trains it "
                      "live). Random: the seeded random filters, to compare.")


def _sidebar_layers(input_shape: tuple[int, int, int]) -> None:
    with st.sidebar:
        st.header("2 · Layers")
        with error_boundary("layer editor"):
            stack_editor(input_shape)


def output_view(stages: list[Stage], trained: bool) -> None:
    """A last stage of 1x1xK read as K class scores, with their softmax probabilities and class names."""
    last = stages[-1]
    if last.shape[:2] != (1, 1):
        return
    scores = last.tensor[0, 0, :]
    probs = learn.softmax(scores[None])[0]
    k = scores.shape[0]
    names = list(trained_model().class_names) if trained else [f"ch {i}" for i in range(k)]
    c1, c2 = st.columns([2, 3], gap="large")
    with c1:
        st.subheader(f"The output: {k} class score{'s' if k > 1 else ''}")
        if trained:
            best = int(np.argmax(probs))
            runner_up = int(np.argsort(scores)[-2]) if k > 1 else best
            gap = float(scores[best] - scores[runner_up])
            st.markdown(f"The network says **{md_text(names[best])}**, {100 * probs[best]:.1f}% sure (score "
                        f"{scores[best]:.2f}; next: {md_text(names[runner_up])}, {scores[runner_up]:.2f}).")
            st.caption(f"The trained chain scores six shapes: {md_text(', '.join(names))}. Softmax turns the "
                       "six scores into probabilities: e^score divided by the sum of all six e^score. "
                       f"A lead of {gap:.1f} in score is a factor of e^{gap:.1f} ≈ {math.exp(min(gap, 700)):.3g} in "
                       "probability: on an image like the ones it was trained on, training pushed the right score far "
                       "above the others, so softmax is nearly certain; on a new drawing the scores are closer. "
                       "The raw scores are next to the probabilities in the chart. Try the Learn page to train it "
                       "yourself.")
        else:
            st.caption("With random weights these numbers mean nothing yet: they are just what random filters make "
                       "of the input. Choose the trained weights in the sidebar to give them a meaning.")
    with c2, error_boundary("class probabilities"):
        st.plotly_chart(probability_figure(probs, names, scores), key="net_probs",
                        config={"displayModeBar": False, "scrollZoom": False})


def render() -> None:
    init_stack()
    _sidebar_input()
    trained = False
    try:
        trained = uses_trained(st.session_state["net_stack"])
    except (OSError, ValueError):  # the shipped weights are missing or damaged: random weights still work
        st.warning("The trained weights could not be loaded; the network runs with random weights.")
    image, name, note = network_input(for_classifier=trained)
    _sidebar_layers(image.shape)

    st.title("Network view")
    st.caption(
        f"Input: **{md_text(name)}**. A small convolutional network, layer by layer, with the real numbers: each "
        "box is a stage (a tensor of height x width x channels), each arrow the layer that makes the next one. "
        "Click a box to see how it is made. Edit the layers in the sidebar."
    )
    if note:
        st.info(note)
    if st.session_state.get("net_weights", "trained") == "trained" and not trained:
        st.info("The trained weights belong to the founding chain (15 [3x3x1], ReLU, 10 [1x1x15], 6 [3x3x10]); "
                "this stack is different, so it runs with seeded random weights. Reset the layers to use them.")

    specs = current_specs()
    try:
        stages = cached_run(image, st.session_state["net_stack"], trained)
    except StackError as err:
        st.error(f"{refusal_message(err, specs, image.shape)} Edit or remove that layer, reset to the founding "
                 "chain, or go back to the founding 5x5 input.")
        return

    selected = int(np.clip(st.session_state.get(STAGE, min(1, len(stages) - 1)), 0, len(stages) - 1))
    with error_boundary("row of stages"):
        _stage_row(stages, selected)
    with error_boundary("output"):
        output_view(stages, trained)
    with error_boundary("size arithmetic"):
        _arithmetic_table(stages)
    with error_boundary("receptive field"):
        cone_section(stages, [f"{s.index} · {stage_name(s)} {shape_label(s.shape)}" for s in stages])
    with error_boundary("ONNX download"):
        onnx_download([s.layer.spec for s in stages[1:]], [s.layer.params for s in stages[1:]], stages[0].shape,
                      class_names=list(trained_model().class_names) if trained else None,
                      file_name="network_view.onnx", key="net_onnx", title="a stack from the network view")
    st.divider()
    selected = _stage_picker(stages)
    with error_boundary(f"inspector of stage {selected}"):
        inspect_stage(stages, selected)
