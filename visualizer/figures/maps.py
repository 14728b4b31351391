"""Static figures of grids of numbers (kernels, feature maps, images, tensors) and the building blocks the
animation shares with them.

Every builder is a pure function: NumPy arrays in, a plain Plotly figure dict out (lists, numbers and
strings only, ready for ``json.dumps`` and ``st.plotly_chart``). Rows go down the screen as in an image:
every y axis is reversed, and every panel keeps square cells (``scaleanchor``), so nothing is distorted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..numbers import fmt as fmt_number  # noqa: F401  (learn.py imports it from here)
from . import style
from .toolkit import (  # noqa: F401  (learn.py imports some of these from here)
    abs_limit,
    auto_show_values,
    axis_ids,
    base_layout,
    channel_names,
    colour_map,
    fit_title,
    fit_values,
    heatmap,
    image_range,
    image_trace,
    panel_axes,
    split_domain,
    symmetric_range,
    title_annotation,
    to_list,
    usable_px,
)


def _values_fit(values: np.ndarray, cell_px: float, want: bool) -> tuple[int, int] | None:
    """``(decimals, font)`` for the numbers of a grid whose cells are ``cell_px`` square, or None: not
    wanted, or they do not fit (colour alone, value on hover)."""
    if not want:
        return None
    arr = np.asarray(values)
    side = max(arr.shape[:2])
    return fit_values(arr, cell_px, digits=style.value_digits(side), max_font=style.value_font_size(side))


def _grid_shape(n: int, cols: int | None) -> tuple[int, int]:
    """``(rows, cols)`` for ``n`` panels: wider than tall, at most ``MAP_GRID_MAX_COLS`` columns."""
    if cols is None:
        rows = max(1, round(math.sqrt(n / 1.6)))
        cols = min(math.ceil(n / rows), style.MAP_GRID_MAX_COLS)
    cols = max(1, min(int(cols), n))
    return math.ceil(n / cols), cols


def as_hwn(maps: np.ndarray, name: str) -> np.ndarray:
    """``maps`` as finite float ``(H, W, N)`` (a single ``(H, W)`` map gets N = 1), or a ValueError naming it."""
    arr = np.asarray(maps, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or 0 in arr.shape:
        raise ValueError(f"{name} must be (H, W, N) with no empty side; got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _map_grid(
    maps: np.ndarray,
    titles: Sequence[str],
    *,
    zmin: float,
    zmax: float,
    colorscale: str | list,
    show_values: bool | None,
    cols: int | None,
    colorbar_title: str,
    title: str = "",
    width_px: int | None = None,
) -> dict:
    """The grid behind :func:`tensor_figure` (the network view's stages)."""
    h, w, n = maps.shape
    rows, cols = _grid_shape(n, cols)
    values = auto_show_values(h, w, show_values)
    as_png = h * w * n > style.HEATMAP_MAX_VALUES
    panel_px = style.MAP_PANEL_PX if cols <= 4 else round(style.MAP_PANEL_PX * 0.8)
    title_px = 34
    top = style.TITLE_PX + (40 if title else 0)
    plot_px = rows * panel_px + (rows - 1) * title_px
    height = top + plot_px + 30
    right = 0.92 if not as_png else 0.9
    x_domains = split_domain([1.0] * cols, 0.03, 0.0, right)
    y_domains = []
    for r in range(rows):
        y1 = 1.0 - r * (panel_px + title_px) / plot_px
        y_domains.append([round(max(y1 - panel_px / plot_px, 0.0), 5), round(y1, 5)])
    cell = min((x_domains[0][1] - x_domains[0][0]) * usable_px(width_px) / w, panel_px / h)
    fit = None if as_png else _values_fit(maps, cell, values)
    panel_w = (x_domains[0][1] - x_domains[0][0] + 0.03) * usable_px(width_px)
    title_size = min(fit_title([t], panel_w, max_size=17, min_size=11)[1] for t in titles)
    layout = base_layout(height, {"l": 10, "r": 10, "t": top, "b": 30})
    if title:
        layout["title"] = {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": style.TITLE_SIZE + 2}}
    data = []
    colorbar = {
        "title": {"text": colorbar_title, "side": "right"},
        "len": 1.0,
        "lenmode": "fraction",
        "y": 0.5,
        "yanchor": "middle",
        "yref": "paper",
        "x": right + 0.015,
        "xanchor": "left",
        "thickness": 18,
    }
    for i in range(n):
        k = i + 1
        r, c = divmod(i, cols)
        layout.update(panel_axes(k, x_domains[c], y_domains[r], h, w, autorange=True))
        layout["annotations"].append(title_annotation(titles[i], x_domains[c], y_domains[r][1], size=title_size))
        if as_png:
            data.append(image_trace(colour_map(maps[:, :, i], zmin, zmax, colorscale), k, png=True))
        else:
            data.append(
                heatmap(
                    maps[:, :, i],
                    k,
                    zmin=zmin,
                    zmax=zmax,
                    colorscale=colorscale,
                    fit=fit,
                    name=titles[i],
                    hovertemplate=f"{titles[i]}<br>row %{{y}}, column %{{x}}: %{{z:.4~f}}<extra></extra>",
                    showscale=(i == 0),
                    colorbar=colorbar if i == 0 else None,
                )
            )
    if as_png:
        # Image traces have no colour bar: a one-cell heatmap on a hidden axis pair carries it.
        k = n + 1
        xid, yid = axis_ids(k)
        layout[f"xaxis{k}"] = {"domain": [0.99, 1.0], "visible": False, "fixedrange": True}
        layout[f"yaxis{k}"] = {"domain": [0.0, 1.0], "visible": False, "fixedrange": True}
        data.append(
            {
                "type": "heatmap",
                "z": [[zmin, zmax]],
                "xaxis": xid,
                "yaxis": yid,
                "zmin": zmin,
                "zmax": zmax,
                "zauto": False,
                "colorscale": colorscale,
                "opacity": 0,
                "hoverinfo": "skip",
                "showscale": True,
                "colorbar": colorbar,
            }
        )
    return {"data": data, "layout": layout}


# --- Public figures ------------------------------------------------------------------------------------
def kernel_figure(kernel: np.ndarray, *, width_px: int | None = None) -> dict:
    """Small heatmaps of one filter, one per input channel, values written in the cells where they fit.

    Inputs: kernel ``(kh, kw, C)`` (or ``(kh, kw)`` for one channel); width_px: the width the figure is
    drawn at, when known. One colour range, centred at zero, shared by all channels.
    """
    k = as_hwn(kernel, "kernel")
    kh, kw, c = k.shape
    zmin, zmax = symmetric_range(k)
    names = channel_names(c) if c > 1 else [f"kernel {kh}x{kw}"]
    side = max(kh, kw)
    cell_px = 70 if side <= 5 else 50
    panel_px = max(kh * cell_px, 120)
    height = style.TITLE_PX + panel_px + 20
    x_domains = split_domain([1.0] * c, 0.06 if c > 1 else 0.0)
    fit = _values_fit(k, min((x_domains[0][1] - x_domains[0][0]) * usable_px(width_px) / kw, panel_px / kh), True)
    layout = base_layout(height, {"l": 10, "r": 10, "t": style.TITLE_PX, "b": 20})
    data = []
    for i in range(c):
        layout.update(panel_axes(i + 1, x_domains[i], [0.0, 1.0], kh, kw, autorange=True))
        layout["annotations"].append(title_annotation(names[i], x_domains[i], 1.0))
        data.append(
            heatmap(
                k[:, :, i],
                i + 1,
                zmin=zmin,
                zmax=zmax,
                colorscale=style.DIVERGING,
                fit=fit,
                name=names[i],
                hovertemplate=f"{names[i]}<br>w[%{{y}}, %{{x}}] = %{{z:.6~g}}<extra></extra>",
            )
        )
    return {"data": data, "layout": layout}


def image_figure(
    image: np.ndarray, *, title: str = "", show_values: bool | None = None, width_px: int | None = None
) -> dict:
    """An image, pixel exact with square pixels.

    Inputs: image ``(H, W, 1)`` (or ``(H, W)``) grayscale, drawn as a heatmap with values when at most
    12x12 and they fit; or ``(H, W, 3)`` RGB in [0, 1], drawn as an ``image`` trace (a PNG when large).
    width_px: the width the figure is drawn at, when known.
    """
    arr = as_hwn(image, "image")
    h, w, c = arr.shape
    if c not in (1, 3):
        raise ValueError(f"an image has 1 (grayscale) or 3 (RGB) channels; got {c}")
    cell = max(2, min(60, 480 // max(h, w)))
    panel_px = max(min(h * cell, 520), 120)
    top = style.TITLE_PX if title else 10
    layout = base_layout(top + panel_px + 10, {"l": 10, "r": 10, "t": top, "b": 10})
    layout.update(panel_axes(1, [0.0, 1.0], [0.0, 1.0], h, w, autorange=True))
    layout["yaxis"]["constraintoward"] = "middle"
    if title:
        layout["title"] = {"text": title, "x": 0.5, "xanchor": "center", "font": {"size": style.TITLE_SIZE}}
    if c == 1:
        gray = arr[:, :, 0]
        zmin, zmax = image_range(gray)
        if h * w > style.HEATMAP_MAX_VALUES:
            trace = image_trace(colour_map(gray, zmin, zmax, style.GRAYSCALE), 1, png=True)
        else:
            trace = heatmap(
                gray,
                1,
                zmin=zmin,
                zmax=zmax,
                colorscale=style.GRAYSCALE,
                fit=_values_fit(gray, min(usable_px(width_px) / w, panel_px / h), auto_show_values(h, w, show_values)),
            )
    else:
        rgb = np.round(np.clip(arr, 0.0, 1.0) * 255).astype(np.uint8)
        trace = image_trace(rgb, 1, png=h * w * 3 > style.HEATMAP_MAX_VALUES)
    return {"data": [trace], "layout": layout}


def tensor_figure(
    tensor: np.ndarray,
    *,
    title: str = "",
    max_channels: int = 32,
    zmid: float | None = 0,
    width_px: int | None = None,
) -> dict:
    """An ``(H, W, C)`` tensor of the network view as a grid of per-channel heatmaps ``ch 0`` ... ``ch C-1``.

    A ``1 x 1 x C`` tensor (the end of the founding chain) is one strip of C cells, labelled by channel.
    Only the first ``max_channels`` channels are drawn (the title says so). One colour range for all.
    Numbers are written where they fit the cells at ``width_px`` (when known, else the assumed width).
    """
    arr = as_hwn(tensor, "tensor")
    h, w, c = arr.shape
    shown = min(c, max_channels)
    label = title + (f" (first {shown} of {c} channels)" if shown < c else "")
    part = arr[:, :, :shown]
    zmin, zmax = symmetric_range(part, float(zmid)) if zmid is not None else (float(part.min()), float(part.max()))
    if zmax <= zmin:
        zmin, zmax = zmin - 1.0, zmin + 1.0
    scale = style.DIVERGING if zmid is not None else style.SEQUENTIAL
    if h == 1 and w == 1:
        return _strip(part[0, 0, :], label, zmin, zmax, scale, width_px)
    return _map_grid(
        part,
        [f"ch {i}" for i in range(shown)],
        zmin=zmin,
        zmax=zmax,
        colorscale=scale,
        show_values=None,
        cols=None,
        colorbar_title="value",
        title=label,
        width_px=width_px,
    )


def _strip(
    values: np.ndarray, title: str, zmin: float, zmax: float, scale: str | list, width_px: int | None
) -> dict:
    """A 1 x C tensor: one row of C cells with their values (where they fit), a channel label under each."""
    c = values.shape[0]
    cell_px = 70 if c <= 12 else max(24, 840 // c)
    fit = _values_fit(values[None, :], min(cell_px, usable_px(width_px) / c), c <= 16)
    top = style.TITLE_PX + (30 if title else 0)
    layout = base_layout(top + cell_px + 60, {"l": 10, "r": 10, "t": top, "b": 50})
    if title:
        layout["title"] = {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": style.TITLE_SIZE + 2}}
    layout.update(panel_axes(1, [0.0, 1.0], [0.0, 1.0], 1, c, autorange=True))
    layout["yaxis"]["constraintoward"] = "middle"
    layout["xaxis"].update(
        {
            "showticklabels": True,
            "tickmode": "array",
            "tickvals": list(range(c)),
            "ticktext": [f"ch {i}" for i in range(c)],
            "side": "bottom",
            "tickfont": {"size": 14},
        }
    )
    trace = heatmap(
        values[None, :],
        1,
        zmin=zmin,
        zmax=zmax,
        colorscale=scale,
        fit=fit,
        hovertemplate="ch %{x}: %{z:.6~g}<extra></extra>",
    )
    return {"data": [trace], "layout": layout}
