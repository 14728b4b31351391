"""Teach it yourself: a class names 2 to 6 classes of its own, draws at least 3 examples of each on the 5x5
grid, trains the founding chain on them in seconds, and tests it on new drawings.

Bounded: at most ``MAX_EXAMPLES`` drawings, ``OWN_TIME_LIMIT_S`` seconds of training, one training at a
time per server (:data:`TRAIN_SLOTS`). Everything lives in this session's state and goes with it. Labels
are user text: shown only as plain text (``st.text``, data frames, select boxes, escaped Plotly text).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import streamlit as st

from visualizer import learn
from visualizer.figures.learn import curves_figure, image_grid_figure
from visualizer.network import founding_specs
from visualizer.text import md_text, plain

from .common import error_boundary
from .learn_common import PLOT_CONFIG, TRAIN_SLOTS, drawing_grid, prediction_view, set_drawing, take_training_slot
from .model_download import onnx_download

OWN = "learn_own"
MIN_CLASSES, MAX_CLASSES = 2, 6
MIN_PER_CLASS = 3
MAX_EXAMPLES = 300
MAX_LABEL = 24
OWN_EPOCHS = 60
OWN_TIME_LIMIT_S = 4.0
SIDE = 5
DEFAULT_LABELS = ["cross", "ring", "plus", "dash", "bar", "slash"]


@dataclass
class OwnData:
    """The drawings of this session: ``examples`` ``(5, 5)`` arrays and their class indices ``targets``."""

    examples: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    model: learn.Model | None = None
    history: list = field(default_factory=list)
    trained_labels: list = field(default_factory=list)

    def counts(self, k: int) -> list[int]:
        return [sum(1 for t in self.targets if t == i) for i in range(k)]


def own_data() -> OwnData:
    return st.session_state.setdefault(OWN, OwnData())


def clean_label(text: object, index: int) -> str:
    """A typed class label as kept: one line, no control or invisible characters, at most ``MAX_LABEL``
    characters, not empty."""
    label = plain(text or "", MAX_LABEL)
    return label or f"class {index + 1}"


def class_labels() -> list[str]:
    """The labels typed for the chosen number of classes (duplicates get a number so that each is distinct)."""
    ss = st.session_state
    k = int(ss.get("learn_own_k", 3))
    labels: list[str] = []
    for i in range(k):
        label = clean_label(ss.get(f"learn_own_label_{i}", DEFAULT_LABELS[i]), i)
        labels.append(label if label not in labels else f"{label[: MAX_LABEL - 4]} ({i + 1})")
    return labels


def _add_example(labels: list[str]) -> None:
    ss = st.session_state
    data = own_data()
    drawing = np.array(ss.get("learn_own_draw", np.zeros((SIDE, SIDE))), dtype=np.float64)
    if len(data.examples) >= MAX_EXAMPLES:
        ss["learn_own_msg"] = f"There are already {MAX_EXAMPLES} drawings, the most one session keeps."
        return
    if not drawing.any():
        ss["learn_own_msg"] = "The grid is empty: click some cells first."
        return
    target = int(ss.get("learn_own_class", 0))
    if not 0 <= target < len(labels):
        return
    data.examples.append(drawing)
    data.targets.append(target)
    ss["learn_own_msg"] = None
    set_drawing("learn_own_draw", np.zeros((SIDE, SIDE)))


def _remove_last() -> None:
    data = own_data()
    if data.examples:
        data.examples.pop()
        data.targets.pop()


def _forget_all() -> None:
    st.session_state[OWN] = OwnData()


def _labels_form() -> list[str]:
    st.columns([1, 3])[0].number_input("How many classes", MIN_CLASSES, MAX_CLASSES, 3, key="learn_own_k")
    k = int(st.session_state["learn_own_k"])
    cols = st.columns(min(k, 3))
    for i in range(k):
        cols[i % len(cols)].text_input(f"Label of class {i + 1}", DEFAULT_LABELS[i], max_chars=MAX_LABEL,
                                       key=f"learn_own_label_{i}")
    return class_labels()


def _examples_view(data: OwnData, labels: list[str]) -> None:
    k = len(labels)
    counts = data.counts(k)
    extra = sum(1 for t in data.targets if t >= k)
    width = max(len(label) for label in labels)
    st.text("\n".join(f"{label:<{width}}  {n} drawing{'s' if n != 1 else ''}" for label, n in zip(labels, counts,
                                                                                            strict=True)))
    if extra:
        st.caption(f"{extra} drawing(s) belong to classes beyond the first {k}; they are left out of training.")
    if data.examples:
        shown = list(range(len(data.examples)))[-12:]
        titles = [labels[data.targets[i]] if data.targets[i] < k else "(unused)" for i in shown]
        st.plotly_chart(image_grid_figure(np.array([data.examples[i] for i in shown]), titles, cols=6,
                                          panel_px=60), key="learn_own_gallery", config=PLOT_CONFIG)
        st.caption(f"The last {len(shown)} of {len(data.examples)} drawings.")


def shifted_copies(drawing: np.ndarray) -> np.ndarray:
    """Every shift of ``drawing`` ``(H, W)`` that keeps all of its ink inside the grid: ``(M, H, W)``, the
    drawing itself among them (as the shapes set is made: a glyph at every place it fits)."""
    img = np.asarray(drawing, dtype=np.float64)
    h, w = img.shape
    ys, xs = np.nonzero(img)
    if ys.size == 0:
        return img[None]
    copies = []
    for dy in range(-int(ys.min()), h - int(ys.max())):
        for dx in range(-int(xs.min()), w - int(xs.max())):
            copies.append(np.roll(img, (dy, dx), axis=(0, 1)))
    return np.array(copies)


def _dataset(data: OwnData, labels: list[str], *, shifts: bool) -> learn.Dataset:
    """The drawings of the first ``len(labels)`` classes (with all their shifts when ``shifts``)."""
    images, targets = [], []
    for drawing, target in zip(data.examples, data.targets, strict=True):
        if target < len(labels):
            copies = shifted_copies(drawing) if shifts else np.asarray(drawing)[None]
            images.append(copies)
            targets += [target] * len(copies)
    return learn.Dataset(name="your drawings", images=np.concatenate(images)[:, :, :, None],
                         labels=np.array(targets, dtype=np.int64), class_names=list(labels))


def own_specs(k: int) -> list:
    """The founding chain with ``k`` filters in its last layer: one score per class of yours."""
    specs = founding_specs()
    return specs[:-1] + [replace(specs[-1], n_filters=k)]


def train_own(data: OwnData, labels: list[str]) -> str | None:
    """Train the founding chain from random weights on the drawings; returns a message when it cannot."""
    counts = data.counts(len(labels))
    short = [f"{md_text(labels[i])}: {c}" for i, c in enumerate(counts) if c < MIN_PER_CLASS]  # shown as Markdown
    if short:
        return (f"Every class needs at least {MIN_PER_CLASS} drawings before training; still short: "
                + ", ".join(short) + ".")
    if not take_training_slot():
        return None
    try:
        # Trained on every shift of every drawing: the network learns the shape, not the place. Measured on
        # the drawings as drawn.
        model = learn.new_model(own_specs(len(labels)), (SIDE, SIDE, 1), list(labels), seed=0)
        history = learn.train(model, _dataset(data, labels, shifts=True), _dataset(data, labels, shifts=False),
                              epochs=OWN_EPOCHS, batch_size=32, lr=0.01, seed=0, time_limit_s=OWN_TIME_LIMIT_S)
    finally:
        TRAIN_SLOTS.release()
    data.model, data.history, data.trained_labels = model, list(history), list(labels)
    return None


def own_section() -> None:
    ss = st.session_state
    data = own_data()
    st.markdown(f"Make up {MIN_CLASSES} to {MAX_CLASSES} classes of 5x5 pictures, draw at least {MIN_PER_CLASS} "
                "examples of each, and train the founding chain on them: the same network (with one output per "
                "class of yours instead of six), the same training, your own data. Nothing is kept after you "
                "close the page.")
    st.subheader("1 · Your classes")
    labels = _labels_form()
    st.subheader("2 · Draw examples")
    c1, c2 = st.columns([1, 2], gap="large")
    with c1:
        drawing_grid("learn_own_draw", (SIDE, SIDE))
    with c2:
        ss["learn_own_class"] = min(int(ss.get("learn_own_class", 0)), len(labels) - 1)
        st.selectbox("This drawing is a", range(len(labels)), key="learn_own_class", format_func=lambda i: labels[i])
        st.button("Add the drawing to this class", key="learn_own_add", type="primary", on_click=_add_example,
                  args=(labels,))
        b1, b2 = st.columns(2)
        b1.button("Remove the last drawing", key="learn_own_undo", on_click=_remove_last, width="stretch")
        b2.button("Forget all drawings", key="learn_own_forget", on_click=_forget_all, width="stretch")
        if ss.get("learn_own_msg"):
            st.warning(ss["learn_own_msg"])
        with error_boundary("your drawings"):
            _examples_view(data, labels)
    st.subheader("3 · Train")
    if st.button(f"Train on your drawings (at most {OWN_TIME_LIMIT_S:.0f} s)", key="learn_own_train", type="primary"):
        with st.spinner("Training..."):
            problem = train_own(data, labels)
        if problem:
            st.warning(problem)
    if data.model is None:
        st.caption("Not trained yet.")
        return
    h = data.history
    if h:
        last = h[-1]
        st.success(f"Trained for {len(h)} epochs in {sum(r.seconds for r in h):.1f} s: it gets "
                   f"{100 * last.test_acc:.0f}% of your {int(sum(data.counts(len(data.trained_labels))))} drawings "
                   "right. New drawings will tell whether it learned the idea or only your examples.")
        st.caption("Each drawing was also shifted to every place where it fits in the grid, so that the network "
                   "learns the shape and not where you drew it.")
        m = data.model
        with error_boundary("ONNX download"):
            onnx_download(m.specs, m.params, m.input_shape, class_names=m.class_names, file_name="your_network.onnx",
                          key="learn_own_onnx", title="a network taught on your drawings")
        st.plotly_chart(curves_figure([r.epoch for r in h], [r.loss for r in h], [r.test_acc for r in h],
                                      [r.test_acc for r in h], total_epochs=len(h), test_name=None),
                        key="learn_own_curves",
                        config=PLOT_CONFIG)
    if data.trained_labels != labels:
        st.info("The labels changed since the training: train again to use the new ones.")
    st.subheader("4 · Test it on a new drawing")
    test = drawing_grid("learn_own_test", (SIDE, SIDE))
    if not test.any():
        st.caption("Draw something the network has not seen.")
        return
    with error_boundary("prediction"):
        prediction_view(data.model, test[:, :, None], "learn_own_pred")
