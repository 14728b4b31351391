"""The transposed convolution's own sliding view: each input cell stamping the kernel, scaled by its value, onto
the output (PyTorch's semantics), with Plotly's own Play and step slider. Pure: arrays in, a figure dict out.

Each frame carries only what changes: the stamp (``kh x kw`` values), the output so far, and two outlines.
Frames are thinned evenly past ``max_frames`` so a 64x64 input stays within the studio's 2 MB budget.
"""

from __future__ import annotations

import numpy as np

from ..family import Stamps
from . import style
from .toolkit import (
    abs_limit,
    base_layout,
    controls_px,
    fit_values,
    heatmap,
    image_range,
    panel_axes,
    play_controls,
    split_domain,
    title_annotation,
    usable_px,
)

FRAME_BUDGET_VALUES = 180_000  # output values carried by all frames together (about 1.3 MB of JSON)
MAX_STAMP_FRAMES = 400
PANEL_PX = 340


def stamp_frame_steps(stamps: Stamps, max_frames: int = MAX_STAMP_FRAMES) -> list[int]:
    """The steps that get a frame: all of them while the output values fit :data:`FRAME_BUDGET_VALUES`, else
    evenly spaced ones (always the first and the last)."""
    ho, wo = stamps.out_hw
    frames = int(np.clip(FRAME_BUDGET_VALUES // max(1, ho * wo), 2, max_frames))
    if stamps.steps <= frames:
        return list(range(stamps.steps))
    return sorted({int(round(v)) for v in np.linspace(0, stamps.steps - 1, frames)})


def _rect(xref: str, yref: str, r0: float, c0: float, r1: float, c1: float, dash: str = "solid") -> dict:
    return {"type": "rect", "xref": xref, "yref": yref, "x0": c0 - 0.5, "x1": c1 + 0.5, "y0": r0 - 0.5,
            "y1": r1 + 0.5, "line": {"color": style.HIGHLIGHT, "width": style.HIGHLIGHT_WIDTH, "dash": dash}}


def _shapes(stamps: Stamps, step: int) -> list[dict]:
    y, x = (int(v) for v in stamps.positions[step])
    r0, c0 = (int(v) for v in stamps.origins[step])
    kh, kw = stamps.stamps.shape[1:]
    d = stamps.dilation
    shapes = [_rect("x", "y", y, x, y, x)]
    if d == 1:
        shapes.append(_rect("x3", "y3", r0, c0, r0 + kh - 1, c0 + kw - 1))
    else:
        shapes += [_rect("x3", "y3", r0 + u * d, c0 + v * d, r0 + u * d, c0 + v * d) for u in range(kh)
                   for v in range(kw)]
    return shapes


def stamp_figure(image: np.ndarray, stamps: Stamps, *, step: int = 0, frame_ms: int = style.DEFAULT_FRAME_MS,
                 width_px: int | None = None, max_frames: int = MAX_STAMP_FRAMES) -> dict:
    """Input, stamp and output panels, one frame per (sampled) step of ``stamps``.

    Inputs: image ``(H, W, C)`` (drawn in grayscale; the stamp already sums its channels); stamps from
    :func:`visualizer.family.stamp_steps`. The output panel shows the running sum after each step; the
    stamp panel ``value × kernel`` of the current input cell. Cells hanging outside the output (its
    padding) are cut off, as PyTorch does.
    """
    h, w = image.shape[:2]
    kh, kw = stamps.stamps.shape[1:]
    ho, wo = stamps.out_hw
    steps = stamp_frame_steps(stamps, max_frames)
    step = min(steps, key=lambda s: abs(s - step))
    partials = stamps.partials(steps)
    usable = usable_px(width_px)
    domains = split_domain([w, kw, wo], 0.06)
    gray = np.asarray(image, dtype=np.float64).mean(axis=2)
    lo, hi = image_range(gray)
    limit = abs_limit(partials[-1], stamps.stamps)
    stamp_fit = fit_values(stamps.stamps, usable * (domains[1][1] - domains[1][0]) / kw, digits=2, max_font=20)
    out_fit = fit_values(partials[-1], usable * (domains[2][1] - domains[2][0]) / wo, digits=2, max_font=20)
    in_fit = fit_values(gray, usable * (domains[0][1] - domains[0][0]) / w, digits=2, max_font=20)
    i0 = steps.index(step)
    data = [
        heatmap(gray, 1, zmin=lo, zmax=hi, colorscale=style.GRAYSCALE, fit=in_fit, name="input"),
        heatmap(stamps.stamps[step], 2, zmin=-limit, zmax=limit, colorscale=style.DIVERGING, fit=stamp_fit,
                name="stamp"),
        heatmap(partials[i0], 3, zmin=-limit, zmax=limit, colorscale=style.DIVERGING, fit=out_fit,
                name="output so far"),
    ]
    top = style.TITLE_PX
    bottom = controls_px() + 40
    height = PANEL_PX + top + bottom
    layout = base_layout(height, {"l": style.SIDE_MARGIN_PX, "r": style.SIDE_MARGIN_PX, "t": top, "b": bottom})
    for k, (dom, (rows, cols)) in enumerate(zip(domains, [(h, w), (kh, kw), (ho, wo)], strict=True), start=1):
        layout.update(panel_axes(k, dom, [0.0, 1.0], rows, cols, ticks=max(rows, cols) <= 16))
    titles = [f"input {h}x{w}", "stamp = value × kernel", f"output {ho}x{wo} so far"]
    layout["annotations"] = [title_annotation(t, d, 1.0, size=16) for t, d in zip(titles, domains, strict=True)]
    layout["shapes"] = _shapes(stamps, step)
    names = [f"s{s}" for s in steps]
    labels = [_label(stamps, s) for s in steps]
    menus, sliders = play_controls(labels, names, frame_ms=frame_ms, top_px=40, active=i0,
                                   prefix="")
    layout["updatemenus"], layout["sliders"] = menus, sliders
    frames = [{"name": name, "traces": [1, 2],
               "data": [{"z": np.round(stamps.stamps[s], 10).tolist()}, {"z": np.round(partials[i], 10).tolist()}],
               "layout": {"shapes": _shapes(stamps, s)}} for i, (s, name) in enumerate(zip(steps, names, strict=True))]
    return {"data": data, "layout": layout, "frames": frames}


def _label(stamps: Stamps, s: int) -> str:
    y, x = (int(v) for v in stamps.positions[s])
    r0, c0 = (int(v) for v in stamps.origins[s])
    return f"step {s + 1} / {stamps.steps} · input ({y}, {x}) stamps at output row {r0}, column {c0}"
