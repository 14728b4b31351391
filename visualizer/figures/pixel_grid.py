"""The click-to-toggle pixel grid: a small grayscale image whose cells can be clicked (Plotly, no Streamlit)."""

from __future__ import annotations

import numpy as np

from ..numbers import fmt
from . import style
from .toolkit import fit_font


def pixel_grid_figure(gray: np.ndarray, *, cell_px: int = 36) -> dict:
    """A figure dict of ``gray`` ``(H, W)`` in [0, 1], values written in the cells, every cell clickable.

    The clickable layer is an invisible scatter marker per cell whose ``customdata`` is ``[y, x]``
    (Streamlit's selection events return nothing for heatmap cells themselves).
    """
    h, w = gray.shape
    ys, xs = np.mgrid[0:h, 0:w]
    text = [[fmt(v, 2) for v in row] for row in gray]
    font = fit_font([t for row in text for t in row], cell_px, max_font=14, min_font=9) if max(h, w) <= 12 else None
    heat = {
        "type": "heatmap",
        "z": gray.tolist(),
        "zmin": 0.0,
        "zmax": 1.0,
        "colorscale": "Greys",
        "reversescale": True,
        "showscale": False,
        "text": text,
        "texttemplate": "%{text}" if font else "",
        "textfont": {"size": font or 14},
        "hoverinfo": "skip",
        "xgap": 1,
        "ygap": 1,
    }
    clicks = {
        "type": "scatter",
        "mode": "markers",
        "x": xs.ravel().tolist(),
        "y": ys.ravel().tolist(),
        "customdata": np.stack([ys.ravel(), xs.ravel()], axis=1).tolist(),
        "marker": {"size": max(8, cell_px - 4), "symbol": "square", "opacity": 0.01, "color": style.ACCENT},
        "hovertemplate": "row %{customdata[0]}, column %{customdata[1]}: click to toggle<extra></extra>",
        "showlegend": False,
    }
    side = max(h, w) * cell_px + 40
    return {
        "data": [heat, clicks],
        "layout": {
            "height": side,
            "margin": {"l": 20, "r": 20, "t": 10, "b": 20},
            "xaxis": {"showgrid": False, "zeroline": False, "tickmode": "linear", "dtick": 1, "constrain": "domain",
                      "range": [-0.5, w - 0.5]},
            "yaxis": {"showgrid": False, "zeroline": False, "tickmode": "linear", "dtick": 1, "autorange": "reversed",
                      "scaleanchor": "x", "constrain": "domain"},
            "dragmode": False,
            "clickmode": "event+select",
            "plot_bgcolor": style.BACKGROUND,
        },
    }
