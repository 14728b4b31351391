"""Benchmark of the sliding animation: figure bytes and time from click to chart, against a naive figure.

"To chart" is what happens between a click and the figure leaving the server: build the trace, build
the figure, and hand it to ``st.plotly_chart`` exactly as the app does. We call ``st.plotly_chart``
itself, in Streamlit's bare mode (no server): it runs the same code as in the app (Plotly validates the
dict into a ``go.Figure`` and back, ``plotly.io.to_json``, the element id hash over the spec, the widget
registration); only putting the finished message on the websocket is skipped. The bytes are those of
that spec: ``plotly.io.to_json(return_figure_from_figure_or_data(fig, validate_figure=True))``, the two
calls ``st.plotly_chart`` makes (streamlit/elements/plotly_chart.py, 1.67).

The reference is the naive figure: one frame per step, every frame resending the whole input, the output
filled so far and the products as heatmaps. Its bytes are counted exactly at every size (frame by frame,
so the 192 MB of the 64x64 case are never held at once). Its time is measured at most at
``NAIVE_TIME_SIDE`` pixels a side: building and validating 192 MB of frames would take minutes and
gigabytes, so for 64x64 the reference time is the 28x28 naive figure's, which flatters the reference.

Timings are the best of several warm runs (the server process keeps Plotly's validators loaded after its
first chart); the machine may be shared, so the median and the CPU time of this process are reported too.

Run: ``python -m bench.bench_animation`` (``--quick``: fewer repetitions, the naive time reference at
16x16, and no one-frame-per-step comparison).
"""

from __future__ import annotations

import itertools
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from visualizer import load_example, resize_image, trace_convolution  # noqa: E402
from visualizer.figures import sliding_figure  # noqa: E402
from visualizer.figures.maps import to_list  # noqa: E402
from visualizer.trace import ConvTrace  # noqa: E402

SIZES = (5, 28, 64)
KERNEL = np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])
BYTES_BUDGET = 2_000_000
TIME_BUDGET_S = 0.5
NAIVE_TIME_SIDE = 28  # 16 with --quick
_keys = itertools.count()


def _image(side: int) -> np.ndarray:
    """The 64x64 shapes example (grayscale) at ``side`` pixels a side."""
    return resize_image(load_example("Shapes (64x64, colour)"), side) if side < 64 else load_example(
        "Shapes (64x64, colour)"
    )


# ------------------------------------------------------------------------------------------ the reference
def _naive_frame(trace: ConvTrace, s: int, *, placeholders: bool = False) -> dict:
    """One frame of the naive figure: the whole input, the output so far and the products, every time.
    With ``placeholders`` the two image-sized arrays are replaced by ``0`` (for counting bytes)."""
    if placeholders:
        image, out = 0, 0
    else:
        grid = np.full(trace.out_shape, np.nan)
        grid.flat[: s + 1] = trace.totals[: s + 1]
        image, out = to_list(trace.padded[:, :, 0]), to_list(grid)
    rows, cols = trace.window_cells(s)
    return {
        "name": str(s),
        "data": [
            {"type": "heatmap", "z": image},
            {"type": "heatmap", "z": to_list(trace.products[s, :, :, 0])},
            {"type": "heatmap", "z": out},
        ],
        "traces": [0, 1, 2],
        "layout": {
            "shapes": [
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": float(cols[0]) - 0.5,
                    "x1": float(cols[-1]) + 0.5,
                    "y0": float(rows[0]) - 0.5,
                    "y1": float(rows[-1]) + 0.5,
                    "line": {"color": "#d6007f", "width": 4},
                }
            ],
            "annotations": [
                {"text": trace.equation(s), "x": 0.5, "y": -0.1, "xref": "paper", "yref": "paper", "showarrow": False}
            ],
        },
    }


def _naive_base(trace: ConvTrace) -> dict:
    axes = {}
    for k, dom in ((1, [0.0, 0.45]), (2, [0.5, 0.7]), (3, [0.75, 1.0])):
        suffix = "" if k == 1 else str(k)
        axes[f"xaxis{suffix}"] = {"domain": dom}
        axes[f"yaxis{suffix}"] = {"autorange": "reversed", "scaleanchor": f"x{suffix}"}
    first = _naive_frame(trace, 0)
    data = [
        dict(d, xaxis=f"x{i + 1 if i else ''}", yaxis=f"y{i + 1 if i else ''}") for i, d in enumerate(first["data"])
    ]
    names = [str(s) for s in range(trace.steps)]
    opts = {"frame": {"duration": 400, "redraw": True}, "transition": {"duration": 0}, "mode": "immediate"}
    layout = {
        **axes,
        **first["layout"],
        "updatemenus": [{"type": "buttons", "buttons": [{"label": "Play", "method": "animate", "args": [None, opts]}]}],
        "sliders": [{"steps": [{"method": "animate", "label": n, "args": [[n], opts]} for n in names]}],
    }
    return {"data": data, "layout": layout}


def naive_sliding_figure(trace: ConvTrace) -> dict:
    """The naive animation: one frame per step, each resending every heatmap."""
    return {**_naive_base(trace), "frames": [_naive_frame(trace, s) for s in range(trace.steps)]}


def naive_json_bytes(trace: ConvTrace) -> int:
    """``len(json.dumps(naive_sliding_figure(trace)))``, counted exactly without building it: each frame
    is dumped with its two image-sized arrays as placeholders, whose JSON lengths are added: the input's
    is the same every frame, the output's grows by one cell's text ("null" becomes the value) per step."""
    base = len(json.dumps(_naive_base(trace)))
    image = len(json.dumps(to_list(trace.padded[:, :, 0])))
    empty = len(json.dumps(to_list(np.full(trace.out_shape, np.nan))))
    filled = np.cumsum([len(json.dumps(v)) - len("null") for v in to_list(trace.totals)])
    frames = sum(
        len(json.dumps(_naive_frame(trace, s, placeholders=True))) - 2 + image + empty + int(filled[s])
        for s in range(trace.steps)
    )
    return base + len(', "frames": []') + frames + len(", ") * max(trace.steps - 1, 0)


# ------------------------------------------------------------------------------------- what Streamlit does
def chart_spec(fig: dict) -> str:
    """The JSON ``st.plotly_chart`` puts in its message for ``fig`` (the same two Plotly calls)."""
    import plotly.io
    import plotly.tools

    return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True), validate=False)


def to_chart(fig: dict) -> None:
    """Hand ``fig`` to ``st.plotly_chart`` as the app does (click-to-select on), in bare mode."""
    import streamlit as st

    st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=f"bench_{next(_keys)}")


def _timed(fn, repeats: int, warm: bool = True) -> tuple[float, float, float]:
    """``(best, median)`` wall-clock seconds of ``fn()`` and its best CPU seconds (this process only, so
    it barely moves when other programs share the machine)."""
    if warm:  # imports and Plotly's validator caches, as in a server that has drawn a chart before
        fn()
    runs, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(runs), statistics.median(runs), min(cpu)


def _click_to_chart(image: np.ndarray, **figure_kw) -> None:
    trace = trace_convolution(image, KERNEL)
    to_chart(sliding_figure(trace, step=trace.steps // 2, **figure_kw))


def _naive_click_to_chart(image: np.ndarray) -> None:
    to_chart(naive_sliding_figure(trace_convolution(image, KERNEL)))


# ------------------------------------------------------------------------------------------------- run
def run(quick: bool = False) -> list[dict]:
    """The animation benchmarks as JSON-able dicts (see the module docstring)."""
    # Bare mode logs "missing ScriptRunContext" on every call; Streamlit resets its own log level when
    # it reads its config, so silence warnings at the logging module for the duration of the run.
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    # As in the app, Streamlit is loaded before any figure: it installs its Plotly template, which every
    # spec then carries.
    import streamlit.elements.plotly_chart  # noqa: F401

    try:
        return _run(quick)
    finally:
        logging.disable(previous)


def _run(quick: bool) -> list[dict]:
    repeats = 2 if quick else 5
    naive_side = 16 if quick else NAIVE_TIME_SIDE
    results: list[dict] = []
    naive_time: dict[int, float] = {}
    for side in SIZES:
        image = _image(side)
        trace = trace_convolution(image, KERNEL)
        fig = sliding_figure(trace, step=trace.steps // 2)
        size = len(chart_spec(fig))
        naive_size = naive_json_bytes(trace)
        results.append(
            {
                "metric": f"animation_{side}x{side}_json",
                "value": size,
                "unit": "bytes",
                "reference": f"naive per-frame heatmap figure, {side}x{side} (exact bytes, one frame per step)",
                "reference_value": naive_size,
                "ratio": round(size / naive_size, 5),
                "budget": BYTES_BUDGET,
                "within_budget": size <= BYTES_BUDGET,
                "steps": trace.steps,
                "frames": len(fig["frames"]),
            }
        )
        best, median, cpu = _timed(lambda image=image: _click_to_chart(image), repeats)
        ref_side = min(side, naive_side)
        if ref_side not in naive_time:
            ref_image = _image(ref_side)
            naive_time[ref_side] = _timed(lambda ref_image=ref_image: _naive_click_to_chart(ref_image), 1, False)[0]
        entry = {
            "metric": f"animation_{side}x{side}_to_chart",
            "value": round(best, 4),
            "unit": "s",
            "reference": f"naive per-frame heatmap figure, {ref_side}x{ref_side}, same path"
            + (
                f" (the {side}x{side} one is {naive_size / 1e6:.1f} MB of JSON: timed at {ref_side}x{ref_side} only)"
                if ref_side != side
                else ""
            ),
            "reference_value": round(naive_time[ref_side], 4),
            "ratio": round(best / naive_time[ref_side], 4),
            "budget": TIME_BUDGET_S,
            "within_budget": best <= TIME_BUDGET_S,
            "median": round(median, 4),
            "cpu_s": round(cpu, 4),
        }
        if len(fig["frames"]) < trace.steps and not quick:  # what one lean frame per step would cost instead
            per_step = _timed(lambda image=image: _click_to_chart(image, max_frames=10**9), 1, False)[0]
            entry["one_lean_frame_per_step_s"] = round(per_step, 4)
        results.append(entry)
    results.extend(kind_lines(quick))
    return results


def _kind_player(image: np.ndarray, kind: str) -> tuple[int, int]:
    """What the studio sends for ``kind`` on ``image``: the player's figure (as animation_view.player_figure
    builds it) and, for the transposed kind, the stamping figure; returns ``(player bytes, stamping bytes)``."""
    from visualizer import family
    from visualizer.figures.family import stamp_figure
    from visualizer.studio_state import StudioState
    from visualizer.ui.animation_view import DENSE_FRAMES, frame_budget
    from visualizer.ui.family_view import trace_args

    state = StudioState(kind=kind, stride=2 if kind == "transposed" else 1, channels=3)
    # 6 filters: a whole number per channel, as the depthwise and separable kinds need (PyTorch's groups = C)
    state.bank = np.repeat(np.repeat(KERNEL[None, :, :, None], 3, axis=3), 6, axis=0)
    state.bias, state.names = np.zeros(6), [f"filter {i + 1}" for i in range(6)]
    img, kernel, bias, stride, padding, dilation = trace_args(state, image)
    trace = trace_convolution(img, kernel, bias, stride=stride, padding=padding, dilation=dilation)
    budget = frame_budget(kernel, trace.padded.size + trace.steps)
    fig = sliding_figure(trace, step=trace.steps // 2, max_frames=budget, dense_frames=DENSE_FRAMES,
                         controls=False, width_px=1180, height=520)
    player = len(json.dumps(fig))
    stamps = 0
    if kind == "transposed":
        steps = family.stamp_steps(image, state.bank[0], stride=state.stride, padding=0, dilation=1)
        stamps = len(json.dumps(stamp_figure(image, steps)))
    return player, stamps


def kind_lines(quick: bool) -> list[dict]:
    """Each kind of convolution in the studio at 64x64 RGB: bytes and build time of what it sends (player figure,
    and the stamping figure for the transposed kind) against the budgets; the reference is the standard kind."""
    from visualizer import family

    image = load_example("Shapes (64x64, colour)", channels=3)
    repeats = 2 if quick else 5
    out, floor = [], None
    for kind in family.KINDS:
        player, stamps = _kind_player(image, kind)
        best, median, cpu = _timed(lambda kind=kind: _kind_player(image, kind), repeats)
        floor = best if floor is None else floor
        largest = max(player, stamps)  # each figure is its own message (the player; the stamping view)
        out.append({"metric": f"studio_kind_{kind}_64x64_rgb_json", "value": largest, "unit": "bytes",
                    "reference": "budget", "reference_value": BYTES_BUDGET,
                    "ratio": round(largest / BYTES_BUDGET, 4), "budget": BYTES_BUDGET,
                    "within_budget": player <= BYTES_BUDGET and stamps <= BYTES_BUDGET, "player_bytes": player,
                    "stamping_bytes": stamps})
        out.append({"metric": f"studio_kind_{kind}_64x64_rgb_build", "value": round(best, 4), "unit": "s",
                    "reference": "studio_kind_standard_64x64_rgb_build (same run)", "reference_value": round(floor, 4),
                    "ratio": round(best / floor, 3), "budget": TIME_BUDGET_S, "within_budget": best <= TIME_BUDGET_S,
                    "median": round(median, 4), "cpu_s": round(cpu, 4),
                    "loadavg_1m": round(__import__("os").getloadavg()[0], 2)})
    return out


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
