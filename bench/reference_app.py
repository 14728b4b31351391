"""The floor for bench_browser.py: a bare Streamlit page with what the studio's first screen needs, nothing else.

One title, one small Plotly heatmap that a number input changes, and one Plotly animation of a 3x3 rectangle
sliding over a 5x5 heatmap (9 steps, like the founding example) played by Plotly's own updatemenu, at the
speed chosen in a "Play speed (per step)" select slider. Run: ``streamlit run bench/reference_app.py``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

SPEEDS_MS = [50, 100, 200, 400, 700, 1000, 2000]
SIDE, K = 5, 3


def heatmap(values: np.ndarray) -> dict:
    return {
        "data": [{"type": "heatmap", "z": values.tolist(), "colorscale": "Viridis", "showscale": False,
                  "zmin": 0, "zmax": 50, "text": values.tolist(), "texttemplate": "%{text}"}],
        "layout": {"height": 260, "margin": {"l": 20, "r": 20, "t": 20, "b": 20}, "yaxis": {"autorange": "reversed"}},
    }


def window(y: int, x: int) -> dict:
    return {"type": "rect", "x0": x - 0.5, "x1": x + K - 0.5, "y0": y - 0.5, "y1": y + K - 0.5,
            "line": {"color": "red", "width": 4}}


def animation(frame_ms: int) -> dict:
    z = (np.arange(SIDE * SIDE).reshape(SIDE, SIDE) % 7).tolist()
    origins = [(y, x) for y in range(SIDE - K + 1) for x in range(SIDE - K + 1)]
    frames = [{"name": str(i), "layout": {"shapes": [window(y, x)]}} for i, (y, x) in enumerate(origins)]
    play = {"frame": {"duration": frame_ms, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    return {
        "data": [{"type": "heatmap", "z": z, "colorscale": "Greys", "showscale": False,
                  "text": z, "texttemplate": "%{text}"}],
        "layout": {
            "height": 420,
            "margin": {"l": 20, "r": 20, "t": 20, "b": 80},
            "yaxis": {"autorange": "reversed", "scaleanchor": "x"},
            "shapes": [window(0, 0)],
            "updatemenus": [{"type": "buttons", "direction": "left", "x": 0, "y": -0.05, "xanchor": "left",
                             "buttons": [{"label": "Play", "method": "animate", "args": [None, play]},
                                         {"label": "Pause", "method": "animate", "args": [[None], pause]}]}],
            "sliders": [{"active": 0, "x": 0.25, "len": 0.75, "y": -0.02,
                         "steps": [{"label": str(i + 1), "method": "animate",
                                    "args": [[str(i)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}}]}
                                   for i in range(len(origins))]}],
        },
        "frames": frames,
    }


st.title("Reference page")
value = st.number_input("Value", 0, 2, 1, key="value")
st.plotly_chart(heatmap(np.outer(np.arange(1, 6), np.arange(1, 6)) * value), key="heatmap")
speed = st.select_slider("Play speed (per step)", SPEEDS_MS, value=400, key="speed_ms",
                         format_func=lambda ms: f"{ms} ms" if ms < 1000 else f"{ms / 1000:g} s")
st.plotly_chart(animation(int(speed)), key="animation")
