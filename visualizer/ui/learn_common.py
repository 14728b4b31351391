"""Pieces the Learn page's sections share: its session state, the one-training-at-a-time slot, cached data
and models, the click-to-toggle drawing grid, and the view of one prediction with every stage.

All state lives in ``st.session_state`` under keys starting with ``learn_``; nothing is kept after the
session ends. The only module-level object is :data:`TRAIN_SLOTS`, which holds no data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from visualizer import learn
from visualizer.figures import image_figure, tensor_figure
from visualizer.figures.learn import probability_figure
from visualizer.figures.pixel_grid import pixel_grid_figure
from visualizer.text import plain, plotly_text

from .common import CACHE_TTL, error_boundary, shape_label

# One training at a time per server, for every visitor together (as uploads are decoded one at a time): a
# training keeps a core busy for seconds, and a class pressing Train at once must not stall the server.
# The semaphore holds no data, so it shares nothing between visitors.
TRAIN_SLOTS = threading.BoundedSemaphore(1)
TRAIN_WAIT_S = 3.0
BUSY_MESSAGE = ("Another training is running on this server right now (only one at a time, for everyone). "
                "Try again in a few seconds.")
DATASETS = {"shapes": "Shapes (5x5, six classes)", "digits": "Digits (8x8, UCI)"}
PLOT_CONFIG = {"displayModeBar": False, "scrollZoom": False}
GRID_GAP = "#9e9e9e"


@dataclass
class TrainingRun:
    """One training on this page: the model (trained in place), its epochs so far, and how it ended.

    status: "running", "finished" (all epochs), "stopped" (the Stop button or another click), or
    "time limit". confusion: ``(K, K)`` on the held-out set once the run is over.
    """

    dataset: str
    model: learn.Model
    total_epochs: int
    history: list = field(default_factory=list)  # EpochReport: epoch 0 (before training), then one per epoch
    status: str = "running"
    confusion: np.ndarray | None = None
    stop_requested: bool = False

    @property
    def epochs_done(self) -> int:
        """Epochs trained so far (``history`` starts with epoch 0: the random weights before training)."""
        return sum(1 for r in self.history if r.epoch > 0)


def run_key(dataset: str) -> str:
    return f"learn_run_{dataset}"


@st.cache_data(max_entries=2, ttl=CACHE_TTL, show_spinner=False)  # two data sets
def cached_split(name: str) -> tuple[learn.Dataset, learn.Dataset]:
    """The shipped data set ``name`` split into (training, held-out), the same split for everyone."""
    return learn.load_dataset(name).split(0.2, 0)


@st.cache_data(max_entries=2, ttl=CACHE_TTL, show_spinner=False)  # two networks
def cached_trained(name: str) -> learn.Model:
    """The shipped trained network for ``name`` (each caller gets its own copy)."""
    return learn.load_trained(name)


def take_training_slot() -> bool:
    """Wait a moment for the server's one training slot; False (and a message shown) when it stays busy."""
    if TRAIN_SLOTS.acquire(timeout=TRAIN_WAIT_S):
        return True
    st.warning(BUSY_MESSAGE)
    return False


# --- The click-to-toggle drawing grid ------------------------------------------------------------------
def grid_image(key: str, shape: tuple[int, int]) -> np.ndarray:
    """The drawing ``(H, W)`` in [0, 1] kept under ``key`` (blank on first use, or when the shape changed)."""
    ss = st.session_state
    current = ss.get(key)
    if not isinstance(current, np.ndarray) or current.shape != tuple(shape):
        ss[key] = np.zeros(shape)
    return ss[key]


def _on_grid_click(key: str, chart_key: str) -> None:
    ss = st.session_state
    try:
        points = ss[chart_key]["selection"]["points"]
    except (KeyError, TypeError):
        return
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)) and len(data) == 2:
            toggle(key, int(data[0]), int(data[1]))
            return


def toggle(key: str, y: int, x: int) -> None:
    """Flip cell ``(y, x)`` of the drawing under ``key`` between black (0) and white (1)."""
    ss = st.session_state
    img = np.array(ss[key], dtype=np.float64)
    if 0 <= y < img.shape[0] and 0 <= x < img.shape[1]:
        img[y, x] = 0.0 if img[y, x] >= 0.5 else 1.0
        ss[key] = img
        ss[f"{key}_version"] = ss.get(f"{key}_version", 0) + 1  # a fresh chart: a second click on a cell counts


def set_drawing(key: str, image: np.ndarray) -> None:
    st.session_state[key] = np.array(image, dtype=np.float64)
    st.session_state[f"{key}_version"] = st.session_state.get(f"{key}_version", 0) + 1


def drawing_grid(key: str, shape: tuple[int, int], *, cell_px: int = 44) -> np.ndarray:
    """A click-to-toggle grid of ``shape`` with a Clear button; returns the drawing ``(H, W)`` in [0, 1]."""
    ss = st.session_state
    img = grid_image(key, shape)
    chart_key = f"{key}_chart_{ss.get(f'{key}_version', 0)}"
    fig = pixel_grid_figure(img, cell_px=cell_px)
    # Grey between the cells, so that a white cell stands out from the page; the rows exactly, no margin rows.
    fig["layout"]["plot_bgcolor"] = GRID_GAP
    fig["layout"]["yaxis"].update({"autorange": False, "range": [shape[0] - 0.5, -0.5]})
    st.plotly_chart(fig, key=chart_key, selection_mode="points",
                    on_select=lambda: _on_grid_click(key, chart_key), config=PLOT_CONFIG,
                    width=cell_px * shape[1] + 60)
    st.button("Clear the drawing", key=f"{key}_clear", on_click=set_drawing, args=(key, np.zeros(shape)))
    return np.array(ss[key], dtype=np.float64)


# --- One prediction, every stage -----------------------------------------------------------------------
def prediction_view(model: learn.Model, image: np.ndarray, key: str) -> None:
    """What ``model`` makes of ``image`` ``(H, W, 1)``: the class probabilities, and every stage's tensor."""
    x = np.asarray(image, dtype=np.float64)[None]
    logits = model.forward(x)[0]
    probs = model.predict_proba(x)[0]
    best = int(np.argmax(probs))
    names = list(model.class_names)
    c1, c2 = st.columns([2, 3], gap="large")
    with c1:
        st.markdown("**The network's answer**")
        st.text(f"{plain(names[best], 24)}  ({100 * probs[best]:.1f}% sure)")
        st.caption(f"The last stage is {len(names)} scores, one per class. Softmax turns them into probabilities: "
                   "e^score divided by the sum of all e^score. The largest score wins.")
    with c2, error_boundary("probabilities"):
        st.plotly_chart(probability_figure(probs, names, logits), key=f"{key}_probs", config=PLOT_CONFIG)
    with error_boundary("stages"):
        _stages_view(model, x[0], key)


def _stages_view(model: learn.Model, image: np.ndarray, key: str) -> None:
    stages = model.stages(image)
    st.markdown("**Every stage, from the drawing to the scores** (one tab per stage)")
    tabs = st.tabs([f"{s.index} · {'input' if s.layer is None else s.label} {shape_label(s.shape)}" for s in stages])
    for tab, stage in zip(tabs, stages, strict=True):
        with tab:
            if stage.layer is None:
                fig = image_figure(stage.tensor, title=f"input {shape_label(stage.shape)}")
            else:
                title = f"stage {stage.index}: after {plotly_text(stage.label)} {shape_label(stage.shape)}"
                fig = tensor_figure(stage.tensor, title=title)
            st.plotly_chart(fig, key=f"{key}_stage_{stage.index}", config=PLOT_CONFIG)
