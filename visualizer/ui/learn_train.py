"""The Learn page's training section: train the shapes or the digits network live, stop it, see what it got wrong.

How Stop works: training runs inside the page's script run and redraws its charts after each epoch. A
click on Stop starts a new run of the page at once (Streamlit stops the old run at its next chart update);
the new run's callback also marks the training as stopped, so the old run's ``on_epoch`` returns False
even between two chart updates. The new run waits a moment for the old one to finish its epoch, then shows
the stopped network: curves, filters, confusion matrix, misclassified examples.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from visualizer import learn
from visualizer.figures.learn import confusion_figure, curves_figure, filter_grid_figure, image_grid_figure
from visualizer.network import founding_specs
from visualizer.text import md_text

from .common import error_boundary
from .learn_common import (
    PLOT_CONFIG,
    TRAIN_SLOTS,
    TrainingRun,
    cached_split,
    cached_trained,
    run_key,
    take_training_slot,
)

DEFAULT_EPOCHS = {"shapes": 40, "digits": 30}
MAX_EPOCHS = 200
LEARNING_RATES = [0.001, 0.003, 0.01, 0.03, 0.1]
TIME_LIMIT_S = 20.0  # one training does at most this many seconds of work: its thread's CPU time, which a busy
# server does not inflate (an epoch of the shapes is ~0.23 s of it, so the default 40 epochs need ~9 s)
WALL_LIMIT_S = 60.0  # and holds the server's training slot at most this long, however busy the server is
UPDATE_EVERY_S = 0.25  # redraw the live charts at most this often (and after the last epoch)
SLOW_EPOCH_S = 0.2  # "slow motion": every epoch lasts at least this long, so that the filters can be seen changing
STOP_WAIT_S = 5.0  # after Stop, wait at most this long for the stopped run to finish its epoch
MAX_MISTAKES = 18
BEFORE_SAMPLE = 2000  # training images measured before the first epoch (enough for the curves' first point)


@dataclass
class Live:
    """The placeholders the training redraws in place, and how many times it drew (unique chart keys)."""

    progress: object
    curves: object
    filters: object
    draws: int = 0


def specs_for(name: str) -> list:
    """The layers of the network trained on ``name``: the founding chain for the shapes."""
    return founding_specs() if name == "shapes" else learn.digits_specs()


def _request_stop(name: str) -> None:
    run = st.session_state.get(run_key(name))
    if run is not None and run.status == "running":
        run.stop_requested = True


def _wait_for_stopped_run(run: TrainingRun | None) -> None:
    """A run still marked running belongs to a script run that a click has just stopped: let it finish."""
    deadline = time.monotonic() + STOP_WAIT_S
    while run is not None and run.status == "running" and time.monotonic() < deadline:
        time.sleep(0.05)


def draw_live(run: TrainingRun, live: Live) -> None:
    """Progress, curves and first-layer filters of ``run`` as they are now, into the placeholders."""
    live.draws += 1
    done = run.epochs_done
    last = run.history[-1] if run.history else None
    text = f"Epoch {done} of {run.total_epochs}"
    if last is not None:
        text += (f" · loss {last.loss:.3f} · training set {100 * last.train_acc:.1f}% · "
                 f"held-out {100 * last.test_acc:.1f}%")
    live.progress.progress(min(done / max(run.total_epochs, 1), 1.0), text=text)
    h = run.history
    fig = curves_figure([r.epoch for r in h], [r.loss for r in h], [r.train_acc for r in h],
                        [r.test_acc for r in h], total_epochs=run.total_epochs)
    live.curves.plotly_chart(fig, key=f"learn_curves_{live.draws}", config=PLOT_CONFIG)
    filters = run.model.params[0]["filters"]
    if not np.isfinite(filters).all():
        live.filters.warning("The first layer's weights are no longer finite numbers: the training diverged.")
        return
    title = f"The first layer's {filters.shape[0]} filters ({filters.shape[1]}x{filters.shape[2]}), after epoch {done}"
    live.filters.plotly_chart(filter_grid_figure(filters, title=title), key=f"learn_filters_{live.draws}",
                              config=PLOT_CONFIG)


def before_training(model: learn.Model, train: learn.Dataset, test: learn.Dataset) -> learn.EpochReport:
    """Epoch 0: the loss and the accuracies of the random starting weights, where the curves begin (about
    chance: 1 in K right, loss near log K)."""
    sample = train.subset(np.arange(min(len(train), BEFORE_SAMPLE)))
    loss, _ = learn.softmax_cross_entropy(model.forward(sample.images), sample.labels)
    return learn.EpochReport(0, loss, learn.accuracy(model, sample), learn.accuracy(model, test), 0.0)


def train_now(name: str, epochs: int, lr: float, live: Live, *, slow: bool = False) -> None:
    """Train a new network on ``name`` for ``epochs`` epochs, redrawing ``live`` as it learns (after every
    epoch, each taking at least ``SLOW_EPOCH_S``, when ``slow``)."""
    ss = st.session_state
    train, test = cached_split(name)
    if not take_training_slot():
        return
    run = None
    ending = "stopped"  # unless training returns on its own: a click stopped this script run mid-epoch
    try:
        model = learn.new_model(specs_for(name), tuple(train.images.shape[1:]), list(train.class_names), seed=0)
        run = TrainingRun(name, model, epochs, history=[before_training(model, train, test)])
        ss[run_key(name)] = run
        draw_live(run, live)  # the random starting filters and the curves' first point, before epoch 1
        last_draw = [time.monotonic()]

        # Seconds of CPU the epochs themselves took in this thread (not the drawing, not slow motion's waits, not
        # the time other visitors' work held the processor).
        work, cpu_mark = [0.0], [time.thread_time()]

        def on_epoch(report: learn.EpochReport, _model: learn.Model) -> bool:
            run.history.append(report)
            work[0] += time.thread_time() - cpu_mark[0]
            if run.stop_requested or work[0] > TIME_LIMIT_S:
                return False
            now = time.monotonic()
            if slow or now - last_draw[0] >= UPDATE_EVERY_S or report.epoch >= epochs:
                last_draw[0] = now
                draw_live(run, live)
            if slow:
                time.sleep(max(0.0, SLOW_EPOCH_S - report.seconds - (time.monotonic() - now)))
            cpu_mark[0] = time.thread_time()
            return not run.stop_requested

        # The limit is about the work: TIME_LIMIT_S of training's CPU time (checked above), so a busy server or slow
        # motion does not cut the default run short; the wall clock still ends any run at WALL_LIMIT_S.
        learn.train(model, train, test, epochs=epochs, lr=lr, seed=0, time_limit_s=WALL_LIMIT_S, on_epoch=on_epoch)
        if not math.isfinite(run.history[-1].loss):
            ending = "diverged"
        elif not run.stop_requested:
            ending = "finished" if run.epochs_done >= epochs else "time limit"
    finally:
        if run is not None:
            run.confusion = learn.confusion_matrix(run.model, test)
            run.status = ending  # last: the page run waiting for this one reads the results once this is set
        TRAIN_SLOTS.release()


def _ending(run: TrainingRun) -> str:
    n = run.epochs_done
    seconds = sum(r.seconds for r in run.history)
    how = {
        "finished": f"Trained for all {n} epochs",
        "stopped": f"Stopped after {n} of {run.total_epochs} epochs",
        "time limit": f"Stopped by the limit ({TIME_LIMIT_S:.0f} s of the processor's work, {WALL_LIMIT_S:.0f} s in "
                      f"all) after {n} of {run.total_epochs} epochs",
        "diverged": f"Stopped after {n} epochs: the loss became infinite, the weights blew up. The learning rate "
                    "is too large for this network; try a smaller one",
    }.get(run.status, f"{n} epochs")
    return f"{how} ({seconds:.1f} s)."


def results_view(model: learn.Model, test: learn.Dataset, confusion: np.ndarray, key: str) -> None:
    """Held-out accuracy, the confusion matrix and the misclassified held-out examples of ``model``."""
    names = list(model.class_names)
    total = int(confusion.sum())
    right = int(np.trace(confusion))
    st.markdown(f"**Held-out accuracy: {100 * right / max(total, 1):.1f}%** ({right} of {total} images the "
                "network never saw while training).")
    c1, c2 = st.columns([1, 1], gap="large")
    with c1, error_boundary("confusion matrix"):
        st.markdown("**Confusion matrix** (rows: the true class; columns: what the network said)")
        st.plotly_chart(confusion_figure(confusion, names), key=f"{key}_confusion", config=PLOT_CONFIG)
    with c2, error_boundary("misclassified examples"):
        predicted = np.argmax(model.predict_proba(test.images), axis=1)
        wrong = np.flatnonzero(predicted != test.labels)
        if wrong.size == 0:
            st.success("No mistakes on the held-out set.")
            return
        shown = wrong[:MAX_MISTAKES]
        st.markdown(f"**Misclassified: {wrong.size}** (the first {shown.size} shown)")
        titles = [f"true {names[test.labels[i]]}\nsaid {names[predicted[i]]}" for i in shown]
        st.plotly_chart(image_grid_figure(test.images[shown], titles, cols=6), key=f"{key}_mistakes",
                        config=PLOT_CONFIG)


@st.cache_data(show_spinner=False, max_entries=4)
def _shipped_confusion(name: str) -> np.ndarray:
    _, test = cached_split(name)
    return learn.confusion_matrix(cached_trained(name), test)


def train_section(name: str) -> learn.Model:
    """Train / Stop, the live charts and the results; returns the network to try (the last trained, or
    the shipped one)."""
    ss = st.session_state
    train, test = cached_split(name)
    c1, c2, c3 = st.columns([2, 2, 2], vertical_alignment="bottom")
    epochs = c1.number_input("Epochs", 1, MAX_EPOCHS, DEFAULT_EPOCHS[name], key=f"learn_epochs_{name}")
    lr = c2.select_slider("Learning rate", LEARNING_RATES, value=0.01, key=f"learn_lr_{name}")
    slow = c3.toggle("Slow motion", value=True, key="learn_slow",
                     help=f"Each epoch takes at least {SLOW_EPOCH_S} s, so that you can watch the filters change.")
    b1, b2, _ = st.columns([1, 1, 2])
    start = b1.button("Train", key="learn_train", type="primary", width="stretch")
    current = ss.get(run_key(name))
    training = bool(start) or (current is not None and current.status == "running")
    # Stop is live only while a training runs (this run starts one, or another is still running).
    stop_slot = b2.empty()
    stop_slot.button("Stop", key="learn_stop", on_click=_request_stop, args=(name,), width="stretch",
                     disabled=not training)
    live = Live(st.empty(), st.empty(), st.empty())
    st.caption(f"{len(train.labels)} training images and {len(test.labels)} held-out images of "
               f"{len(train.class_names)} classes ({md_text(', '.join(train.class_names))}). Each epoch goes once "
               "through the training images in small batches; after each batch the weights move a little against their "
               "gradient (Adam). The held-out images are never trained on: they measure what was learned.")
    if start:
        _wait_for_stopped_run(ss.get(run_key(name)))
        train_now(name, int(epochs), float(lr), live, slow=bool(slow))
        # The training this run did has ended: Stop goes idle again (under its own key, the live one is drawn).
        stop_slot.button("Stop", key="learn_stop_idle", width="stretch", disabled=True)
    run = ss.get(run_key(name))
    _wait_for_stopped_run(run)
    if run is None:
        live.progress.info("Press **Train** to train a new network from random weights and watch it learn. "
                           "Until then, the network we trained and ship answers below.")
        model = cached_trained(name)
        with st.expander("How well the shipped network does", expanded=False):
            results_view(model, test, _shipped_confusion(name), "learn_shipped")
        return model
    if run.status == "running":  # another tab of this session is still training
        live.progress.info("A training is still running; its charts appear when it ends.")
        return cached_trained(name)
    draw_live(run, live)
    (st.warning if run.status == "diverged" else st.success)(_ending(run))
    results_view(run.model, test, run.confusion, "learn_results")
    return run.model
