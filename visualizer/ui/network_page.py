"""The network view: the founding chain 5x5x1 -> 3x3x15 -> 3x3x10 -> 1x1x6 end to end, with real numbers.

The sidebar holds the input choice and the editable stack (:mod:`network_stack`); the page shows the
stages as a row of boxes (click one to inspect it), the size arithmetic of every stage, and the
inspector of the chosen stage (:mod:`network_inspect`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from visualizer import LayerSpec, StackError, founding_image, resize_image, run_stack
from visualizer.figures.network import stage_row_figure
from visualizer.network import Stage

from .common import CACHE_ENTRIES, CACHE_TTL, INPUT_IMAGE, INPUT_NAME, clicked_customdata, error_boundary, shape_label
from .network_inspect import arithmetic_text, inspect_stage, stage_name
from .network_stack import check_stack, current_specs, init_stack, refusal_message, stack_editor

SOURCES = {"founding": "Founding 5x5 example", "studio": "Image from the studio"}
FOUNDING_NAME = "the founding 5x5 binary image"
MAX_SIDE = 32  # the network view shows every stage's numbers; larger inputs would be unreadable and slow
STAGE = "net_stage"
CHART = "net_chart"


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def cached_run(image: np.ndarray, stack: list[dict]) -> list[Stage]:
    """Every stage of ``image`` through the stack (seeded weights), cached on the image and the specs.

    Raises :class:`StackError` when a stage cannot work or is larger than the network view shows.
    """
    specs = [LayerSpec(**d) for d in stack]
    check_stack(specs, np.shape(image))
    return run_stack(image, specs)


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _shrunk(image: np.ndarray) -> np.ndarray:
    return resize_image(np.asarray(image, dtype=np.float64), MAX_SIDE)


def network_input() -> tuple[np.ndarray, str, str | None]:
    """The image sent through the network, where it came from, and a note about it (or None)."""
    ss = st.session_state
    if ss.get("net_source") != "studio":
        return founding_image(1), FOUNDING_NAME, None
    studio = ss.get(INPUT_IMAGE)
    if studio is None:
        return founding_image(1), FOUNDING_NAME, (
            "The studio has no image yet: open the **Convolution studio** page, choose, upload or draw an image, "
            "then come back. Until then the founding 5x5 example goes through."
        )
    small = _shrunk(studio)
    name = str(ss.get(INPUT_NAME, "the studio's image"))
    h, w = np.shape(studio)[:2]
    if small.shape[:2] != (h, w):
        note = (f"The studio's image ({h}x{w}) is shrunk here to {small.shape[0]}x{small.shape[1]}: at most "
                f"{MAX_SIDE} pixels a side, so that every stage's numbers stay readable.")
    else:
        note = f"The studio's image, {h}x{w} with {small.shape[2]} channel{'s' if small.shape[2] > 1 else ''}."
    return small, name, note


def _on_stage_click() -> None:
    """A click on a box of the stage row selects that stage."""
    stage = clicked_customdata(st.session_state.get(CHART))
    if stage is not None:
        st.session_state[STAGE] = stage


def _stage_row(stages: list[Stage], selected: int) -> None:
    kinds = ["input"] + [s.layer.spec.kind for s in stages[1:]]
    fig = stage_row_figure(
        [s.shape for s in stages],
        [s.label for s in stages[1:]],
        kinds,
        selected=selected,
        names=[stage_name(s) for s in stages],
        input_image=stages[0].tensor,
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


def _sidebar(input_shape: tuple[int, int, int]) -> None:
    with st.sidebar:
        st.header("1 · Input")
        st.radio("What goes through the network", list(SOURCES), key="net_source", format_func=SOURCES.get)
        st.header("2 · Layers")
        with error_boundary("layer editor"):
            stack_editor(input_shape)


def render() -> None:
    init_stack()
    image, name, note = network_input()
    _sidebar(image.shape)

    st.title("Network view")
    st.caption(
        f"Input: **{name}**. A small convolutional network, layer by layer, with the real numbers: each "
        "box is a stage (a tensor of height x width x channels), each arrow the layer that makes the next one. "
        "Click a box to see how it is made. Edit the layers in the sidebar."
    )
    if note:
        st.info(note)

    specs = current_specs()
    try:
        stages = cached_run(image, st.session_state["net_stack"])
    except StackError as err:
        st.error(f"{refusal_message(err, specs, image.shape)} Edit or remove that layer, reset to the founding "
                 "chain, or go back to the founding 5x5 input.")
        return

    selected = int(np.clip(st.session_state.get(STAGE, min(1, len(stages) - 1)), 0, len(stages) - 1))
    with error_boundary("row of stages"):
        _stage_row(stages, selected)
    with error_boundary("size arithmetic"):
        _arithmetic_table(stages)
    st.divider()
    selected = _stage_picker(stages)
    with error_boundary(f"inspector of stage {selected}"):
        inspect_stage(stages, selected)
