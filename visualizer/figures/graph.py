"""A model's graph as the network view draws a network: stages as boxes with their shapes, the operator on
the arrow into each, and the branches of residual and concatenated paths as arcs beside the column.

Stages go top to bottom in the order the model computes them. A stage that reads the one just above it gets
a straight arrow; any other input (the skip of a residual ``add``, the second branch of a ``concat``) is an
arc on the right, each arc in a lane of its own so that none overlaps another. Pure function: plain data in,
a figure dict out (no Streamlit).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import style
from .toolkit import base_layout, fit_title

ROW_PX = 62  # one stage: the arrow with its operator, then the box
BOX_PX = 30
LANE_PX = 14  # horizontal room of one arc lane
BOX_COLOURS = {"input": "input", "conv": "conv", "conv_transpose": "conv", "dense": "conv", "pool": "pool",
               "reduce": "pool", "activation": "activation", "clip": "activation", "softmax": "activation",
               "batch_norm": "activation"}
OTHER_COLOUR = ("#e2d4f7", "#efe6fb", "#b99be8")  # add, concat, reshape...: the graph's own joints


@dataclass(frozen=True)
class GraphBox:
    """One stage to draw: its index, the operator that makes it, its shape text, its kind and inputs."""

    index: int
    operator: str
    shape: str
    kind: str
    inputs: tuple[int, ...]


def _lanes(boxes: list[GraphBox]) -> list[tuple[int, int, int]]:
    """``(source, target, lane)`` for every arc, lanes given greedily so that arcs sharing rows differ."""
    arcs = sorted(((src, b.index) for b in boxes for src in b.inputs if src != b.index - 1),
                  key=lambda a: (a[1] - a[0], a[0]))
    placed: list[tuple[int, int, int]] = []
    for src, dst in arcs:
        lane = 0
        while any(lane == lane_b and not (dst <= s or src >= d) for s, d, lane_b in placed):
            lane += 1
        placed.append((src, dst, lane))
    return placed


def graph_figure(boxes: list[GraphBox], *, selected: int | None = None, width_px: int = 700) -> dict:
    """The stages of a model, one box each; ``selected`` is outlined; each box's ``customdata`` is its index."""
    n = len(boxes)
    arcs = _lanes(boxes)
    lanes = 1 + max((lane for *_, lane in arcs), default=-1)
    height = n * ROW_PX + 10
    layout = base_layout(height, {"l": 4, "r": 4, "t": 4, "b": 4})
    width = float(width_px)
    right = width - 8 - lanes * LANE_PX  # the boxes end here; the arcs use the room beyond
    layout["xaxis"] = {"range": [0, width], "visible": False, "fixedrange": True}
    layout["yaxis"] = {"range": [height, 0], "visible": False, "fixedrange": True}
    shapes, notes = layout["shapes"], layout["annotations"]
    xs, ys, data_ids = [], [], []
    font = 14 if width >= 520 else 12

    def top(i: int) -> float:
        return i * ROW_PX + (ROW_PX - BOX_PX)

    for b in boxes:
        y0 = top(b.index)
        fill, _, line = style.STAGE_COLOURS.get(BOX_COLOURS.get(b.kind, ""), OTHER_COLOUR)
        chosen = b.index == selected
        shapes.append({"type": "rect", "x0": 8, "x1": right, "y0": y0, "y1": y0 + BOX_PX, "xref": "x", "yref": "y",
                       "fillcolor": fill, "line": {"color": style.ACCENT if chosen else line,
                                                   "width": 3 if chosen else 1}})
        head = f"{b.index} · {b.shape}"
        notes.append({"x": 16, "y": y0 + BOX_PX / 2, "xref": "x", "yref": "y", "text": head, "showarrow": False,
                      "xanchor": "left", "font": {"size": font, "color": style.TEXT}})
        if b.index > 0:
            text, size = fit_title([b.operator, b.operator[:40] + "…", b.operator[:20] + "…"], right - 60,
                                   max_size=font - 1, min_size=10)
            notes.append({"x": 40, "y": y0 - (ROW_PX - BOX_PX) / 2, "xref": "x", "yref": "y", "text": text,
                          "showarrow": False, "xanchor": "left", "font": {"size": size, "color": style.MUTED}})
            if b.index - 1 in b.inputs:
                shapes.append({"type": "line", "x0": 26, "x1": 26, "y0": top(b.index - 1) + BOX_PX, "y1": y0 - 2,
                               "xref": "x", "yref": "y", "line": {"color": style.MUTED, "width": 2}})
                notes.append(_arrow_head(26, y0))
        xs.append((8 + right) / 2)
        ys.append(y0 + BOX_PX / 2)
        data_ids.append(b.index)
    for src, dst, lane in arcs:
        x = right + 6 + lane * LANE_PX
        y_src, y_dst = top(src) + BOX_PX / 2, top(dst) + BOX_PX / 2
        shapes.append({"type": "path", "path": f"M {right},{y_src} L {x},{y_src} L {x},{y_dst} L {right + 2},{y_dst}",
                       "xref": "x", "yref": "y", "line": {"color": style.MUTED, "width": 2}})
        notes.append({"x": right, "y": y_dst, "ax": x, "ay": y_dst, "xref": "x", "yref": "y", "axref": "x",
                      "ayref": "y", "showarrow": True, "arrowhead": 2, "arrowsize": 1, "arrowwidth": 2,
                      "arrowcolor": style.MUTED, "text": ""})
    data = [{"type": "scatter", "x": xs, "y": ys, "mode": "markers", "customdata": data_ids,
             "marker": {"size": BOX_PX, "symbol": "square", "opacity": 0.0},
             "hovertemplate": "stage %{customdata}: click to inspect<extra></extra>"}]
    return {"data": data, "layout": layout}


def _arrow_head(x: float, y: float) -> dict:
    return {"x": x, "y": y, "ax": x, "ay": y - 10, "xref": "x", "yref": "y", "axref": "x", "ayref": "y",
            "showarrow": True, "arrowhead": 2, "arrowsize": 1, "arrowwidth": 2, "arrowcolor": style.MUTED, "text": ""}
