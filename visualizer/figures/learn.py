"""Figures of the Learn page: training curves, first-layer filters, a confusion matrix, a grid of small
images (misclassified examples, drawn examples) and the class probabilities of one prediction.

Pure functions: arrays in, plain Plotly figure dicts out (no Streamlit). Class names may be typed by
users: every builder passes them through :func:`label_text`, since Plotly renders a subset of HTML in
titles, tick labels and annotations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..text import plotly_text
from . import style
from .maps import (
    base_layout,
    fmt_number,
    heatmap,
    panel_axes,
    split_domain,
    symmetric_range,
    title_annotation,
    to_list,
)

LOSS_COLOUR = "#d94801"  # the orange end of the diverging scale
TRAIN_COLOUR = "#08519c"  # the blue end
TEST_COLOUR = "#d6007f"  # the highlight magenta: the number that matters (held-out accuracy)
BAR_COLOUR = "#6baed6"
BAR_TOP_COLOUR = "#08519c"
COUNT_SCALE = [[0.0, "#ffffff"], [1.0, "#08519c"]]  # confusion counts: white (none) to dark blue (many)
FRAME = "#9e9e9e"  # around small images, so that white pixels at an edge do not melt into the page
CURVES_PX = 330
FILTER_CELL_PX = 30  # one cell of a first-layer filter in the live grid
MAX_LABEL_CHARS = 24


def label_text(text: object) -> str:
    """A class name (maybe typed by a user) for a Plotly tick or title: cleaned, cut to ``MAX_LABEL_CHARS``,
    ``&``, ``<`` and ``>`` escaped (Plotly reads a subset of HTML there)."""
    return plotly_text(text, MAX_LABEL_CHARS)


# --- Training curves -----------------------------------------------------------------------------------
def curves_figure(
    epochs: Sequence[int],
    loss: Sequence[float],
    train_acc: Sequence[float],
    test_acc: Sequence[float],
    *,
    total_epochs: int,
    test_name: str | None = "held-out set",
) -> dict:
    """Loss (left) and accuracy on the training and the held-out set (right), one point per epoch.

    Inputs: four sequences of equal length E (epoch 0 is before training; accuracies in [0, 1]);
    total_epochs: the x axes run from 0 to it from the first point on, so the curves grow into a fixed frame;
    test_name: the legend of the second accuracy curve (None: no such curve, when there is no held-out set).
    Returns a figure dict with scatter traces: loss, train accuracy, test accuracy (in percent).
    """
    n = len(epochs)
    if not (len(loss) == len(train_acc) == len(test_acc) == n):
        raise ValueError(f"curves need one loss and two accuracies per epoch; got {n} epochs, {len(loss)} losses, "
                         f"{len(train_acc)} and {len(test_acc)} accuracies")
    xs = [int(e) for e in epochs]

    def finite(values: Sequence[float], scale: float = 1.0) -> list:
        return [scale * float(v) if math.isfinite(float(v)) else None for v in values]  # a gap, not NaN

    top = max(int(total_epochs), max(xs, default=1), 2)
    layout = base_layout(CURVES_PX, {"l": 60, "r": 20, "t": 40, "b": 90})
    layout["showlegend"] = True
    layout["legend"] = {"orientation": "h", "x": 1.0, "xanchor": "right", "y": -0.22, "yanchor": "top",
                        "font": {"size": 14}}
    layout["hovermode"] = "x"
    domains = split_domain([1.0, 1.0], 0.1)
    finite_loss = [float(v) for v in loss if math.isfinite(float(v))]
    loss_top = max(finite_loss, default=1.0) * 1.1 or 1.0
    for k, (domain, title) in enumerate(zip(domains, ["loss (cross-entropy)", "accuracy (%)"], strict=True), 1):
        suffix = "" if k == 1 else str(k)
        layout[f"xaxis{suffix}"] = {"domain": domain, "range": [-0.5, top + 0.5], "title": {"text": "epoch"},
                                    "fixedrange": True, "zeroline": False, "anchor": f"y{suffix}",
                                    "gridcolor": "#eeeeee"}
        layout[f"yaxis{suffix}"] = {"domain": [0.0, 1.0], "fixedrange": True, "anchor": f"x{suffix}",
                                    "gridcolor": "#eeeeee", "zeroline": False,
                                    "range": [0.0, loss_top] if k == 1 else [0.0, 101.0]}
        layout["annotations"].append(title_annotation(title, domain, 1.0, size=style.TITLE_SIZE - 4))
    mode = "lines+markers" if n <= 60 else "lines"
    data = [
        {"type": "scatter", "mode": mode, "x": xs, "y": finite(loss), "name": "loss",
         "line": {"color": LOSS_COLOUR, "width": 3}, "xaxis": "x", "yaxis": "y",
         "hovertemplate": "epoch %{x}: loss %{y:.4f}<extra></extra>"},
        {"type": "scatter", "mode": mode, "x": xs, "y": finite(train_acc, 100.0),
         "name": "training set", "line": {"color": TRAIN_COLOUR, "width": 3, "dash": "dot"},
         "xaxis": "x2", "yaxis": "y2", "hovertemplate": "training set: %{y:.1f}%<extra></extra>"},
    ]
    if test_name is not None:
        data.append({"type": "scatter", "mode": mode, "x": xs, "y": finite(test_acc, 100.0),
                     "name": label_text(test_name), "line": {"color": TEST_COLOUR, "width": 3}, "xaxis": "x2",
                     "yaxis": "y2", "hovertemplate": f"{label_text(test_name)}: %{{y:.1f}}%<extra></extra>"})
    return {"data": data, "layout": layout}


# --- First-layer filters -------------------------------------------------------------------------------
def filter_grid_figure(filters: np.ndarray, *, cols: int = 8, title: str = "") -> dict:
    """The filters of one layer as small heatmaps, one colour range (centred at zero) for all of them.

    Inputs: filters ``(N, kh, kw, C)``; only channel 0 is drawn when C > 1 (the first layer here has one).
    Returns a figure dict: N heatmaps titled ``0`` ... ``N-1``, compact enough to redraw every epoch.
    """
    bank = np.asarray(filters, dtype=np.float64)
    if bank.ndim != 4 or 0 in bank.shape:
        raise ValueError(f"filters must be (N, kh, kw, C); got shape {bank.shape}")
    n, kh, kw, _ = bank.shape
    cols = max(1, min(int(cols), n))
    rows = math.ceil(n / cols)
    zmin, zmax = symmetric_range(bank[..., 0])
    cell = FILTER_CELL_PX if max(kh, kw) <= 5 else max(6, FILTER_CELL_PX * 5 // max(kh, kw))
    panel_px = max(kh, kw) * cell
    label_px = 20
    top = (34 if title else 6) + label_px
    plot_px = rows * panel_px + (rows - 1) * label_px
    layout = base_layout(top + plot_px + 10, {"l": 10, "r": 10, "t": top, "b": 10})
    if title:
        layout["title"] = {"text": plotly_text(title, 80), "x": 0.01, "xanchor": "left",
                           "font": {"size": style.TITLE_SIZE - 4}}
    x_domains = split_domain([1.0] * cols, 0.02, 0.0, 0.93)
    data = []
    for i in range(n):
        r, c = divmod(i, cols)
        y1 = 1.0 - r * (panel_px + label_px) / plot_px
        y_domain = [round(max(y1 - panel_px / plot_px, 0.0), 5), round(y1, 5)]
        layout.update(panel_axes(i + 1, x_domains[c], y_domain, kh, kw, autorange=True))
        layout["annotations"].append(title_annotation(str(i), x_domains[c], y_domain[1], size=13))
        data.append(heatmap(bank[i, :, :, 0], i + 1, zmin=zmin, zmax=zmax, colorscale=style.DIVERGING,
                            show_values=False, name=f"filter {i}", showscale=(i == 0),
                            colorbar={"thickness": 12, "len": 1.0, "x": 0.95, "xanchor": "left",
                                      "title": {"text": "weight", "side": "right"}} if i == 0 else None,
                            hovertemplate=f"filter {i}<br>w[%{{y}}, %{{x}}] = %{{z:.4~f}}<extra></extra>"))
    return {"data": data, "layout": layout}


# --- Confusion matrix ----------------------------------------------------------------------------------
def confusion_figure(matrix: np.ndarray, class_names: Sequence[str]) -> dict:
    """Counts of (true class, predicted class) on the held-out set: rows true, columns predicted.

    Inputs: matrix ``(K, K)`` of whole counts; class_names: K names. The diagonal holds the correct
    predictions; every number is written in its cell.
    """
    m = np.asarray(matrix)
    k = len(class_names)
    if m.shape != (k, k):
        raise ValueError(f"a confusion matrix of {k} classes is {k}x{k}; got shape {m.shape}")
    names = [label_text(c) for c in class_names]
    cell = 56 if k <= 6 else 42
    size = max(k * cell, 160)
    layout = base_layout(size + 150, {"l": 110, "r": 20, "t": 40, "b": 110})
    layout["xaxis"] = {"tickmode": "array", "tickvals": list(range(k)), "ticktext": names, "side": "bottom",
                       "title": {"text": "predicted class"}, "fixedrange": True, "showgrid": False,
                       "zeroline": False, "constrain": "domain", "range": [-0.5, k - 0.5]}
    layout["yaxis"] = {"tickmode": "array", "tickvals": list(range(k)), "ticktext": names,
                       "title": {"text": "true class"}, "fixedrange": True, "showgrid": False, "zeroline": False,
                       "autorange": "reversed", "scaleanchor": "x", "constrain": "domain"}
    top = max(int(m.max()), 1)
    text = [[str(int(v)) for v in row] for row in m]
    trace = {"type": "heatmap", "z": m.astype(float).tolist(), "zmin": 0, "zmax": top, "colorscale": COUNT_SCALE,
             "showscale": False, "text": text, "texttemplate": "%{text}", "xgap": 2, "ygap": 2,
             "textfont": {"size": 16 if k <= 6 else 13, "family": style.FONT_FAMILY},
             "customdata": [[[names[r], names[c]] for c in range(k)] for r in range(k)],
             "hovertemplate": "true %{customdata[0]}, predicted %{customdata[1]}: %{z} images<extra></extra>"}
    return {"data": [trace], "layout": layout}


# --- Small images --------------------------------------------------------------------------------------
def image_grid_figure(images: np.ndarray, titles: Sequence[str], *, cols: int = 6, panel_px: int = 90) -> dict:
    """Small grayscale images side by side with a title each (misclassified examples, drawn examples).

    Inputs: images ``(M, H, W)`` or ``(M, H, W, 1)`` in [0, 1]; titles: M strings (plain text, escaped
    here; ``\\n`` breaks a line).
    """
    arr = np.asarray(images, dtype=np.float64)
    if arr.ndim == 4:
        arr = arr[..., 0]
    if arr.ndim != 3 or arr.shape[0] == 0:
        raise ValueError(f"images must be (M, H, W) with at least one image; got shape {arr.shape}")
    m, h, w = arr.shape
    if len(titles) != m:
        raise ValueError(f"{m} images need {m} titles; got {len(titles)}")
    cols = max(1, min(int(cols), m))
    rows = math.ceil(m / cols)
    label_px = 44
    plot_px = rows * panel_px + (rows - 1) * label_px
    layout = base_layout(label_px + plot_px + 10, {"l": 10, "r": 10, "t": label_px, "b": 10})
    x_domains = split_domain([1.0] * cols, 0.03)
    if cols < 6:  # a short row keeps its panels at their size instead of stretching across the page
        x_domains = split_domain([1.0] * cols, 0.03, 0.0, min(1.0, cols / 6))
    data = []
    for i in range(m):
        r, c = divmod(i, cols)
        y1 = 1.0 - r * (panel_px + label_px) / plot_px
        y_domain = [round(max(y1 - panel_px / plot_px, 0.0), 5), round(y1, 5)]
        layout.update(panel_axes(i + 1, x_domains[c], y_domain, h, w, autorange=True))
        xid, yid = ("x", "y") if i == 0 else (f"x{i + 1}", f"y{i + 1}")
        layout["shapes"].append({"type": "rect", "xref": xid, "yref": yid, "x0": -0.5, "x1": w - 0.5, "y0": -0.5,
                                 "y1": h - 0.5, "line": {"color": FRAME, "width": 2}})
        title = "<br>".join(plotly_text(part, 2 * MAX_LABEL_CHARS) for part in str(titles[i]).split("\n"))
        layout["annotations"].append(title_annotation(title, x_domains[c], y_domain[1], size=13))
        data.append(heatmap(arr[i], i + 1, zmin=0.0, zmax=1.0, colorscale=style.GRAYSCALE, show_values=False,
                            hovertemplate="row %{y}, column %{x}: %{z:.2f}<extra></extra>"))
    return {"data": data, "layout": layout}


# --- One prediction ------------------------------------------------------------------------------------
def probability_figure(probabilities: np.ndarray, class_names: Sequence[str],
                       scores: np.ndarray | None = None) -> dict:
    """The softmax probability of every class as a horizontal bar, the most likely one darker.

    Inputs: probabilities ``(K,)`` summing to 1; class_names: K names; scores ``(K,)``: the raw
    outputs (logits) the probabilities come from, written next to each bar when given.
    """
    p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    k = p.shape[0]
    if len(class_names) != k:
        raise ValueError(f"{k} probabilities need {k} class names; got {len(class_names)}")
    names = [label_text(c) for c in class_names]
    best = int(np.argmax(p))
    text = [f"{100 * v:.1f}%" + (f"  (score {fmt_number(scores[i], 2)})" if scores is not None else "")
            for i, v in enumerate(p)]
    height = 60 + 40 * k
    layout = base_layout(height, {"l": 10, "r": 20, "t": 10, "b": 40})
    layout["xaxis"] = {"range": [0, 100], "fixedrange": True, "title": {"text": "probability (%)"},
                       "gridcolor": "#eeeeee", "zeroline": False}
    layout["yaxis"] = {"tickmode": "array", "tickvals": list(range(k)), "ticktext": names, "autorange": "reversed",
                       "fixedrange": True, "automargin": True, "tickfont": {"size": 16}}
    inside = [bool(v > 0.5) for v in p]  # a long bar holds its number; a short one has room after it
    trace = {"type": "bar", "orientation": "h", "x": to_list(100 * p), "y": list(range(k)), "text": text,
             "textposition": ["inside" if i else "outside" for i in inside], "insidetextanchor": "end",
             "cliponaxis": False, "textfont": {"size": 14},
             "marker": {"color": [BAR_TOP_COLOUR if i == best else BAR_COLOUR for i in range(k)]},
             "customdata": names, "hovertemplate": "%{customdata}: %{x:.2f}%<extra></extra>"}
    return {"data": [trace], "layout": layout}


__all__ = [
    "confusion_figure",
    "curves_figure",
    "filter_grid_figure",
    "image_grid_figure",
    "label_text",
    "probability_figure",
]
