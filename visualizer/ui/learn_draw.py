"""Drawing an input for the Learn page: a freehand digit on a canvas made into a UCI-style 8x8 digit, a shape on
a click-to-toggle grid, or an image from the held-out set; then the prediction with every stage."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
from PIL import Image

from visualizer import learn
from visualizer.figures import image_figure
from visualizer.figures.learn import FRAME
from visualizer.text import md_text

from .common import error_boundary
from .learn_common import cached_split, drawing_grid, prediction_view

UCI_BITMAP = 32  # the UCI digits were 32x32 black-and-white bitmaps ...
UCI_BLOCK = 4  # ... cut into 4x4 blocks, each block's count of ink pixels (0..16) one of the 8x8 values
CANVAS_PX = 224
INK_LEVEL = 0.25
SEEN_PX = 240  # the 8x8 digit the network sees, drawn about as large as the canvas


def canvas_to_digit(pixels: np.ndarray) -> np.ndarray | None:
    """A canvas drawing as a digit like the UCI ones: ``(8, 8, 1)`` in [0, 1], or None when nothing is drawn.

    Inputs: pixels ``(H, W, 4)`` RGBA ``uint8`` (light strokes; transparent or black elsewhere) or
    ``(H, W)`` / ``(H, W, 3)``.
    As the UCI set was made: the strokes' bounding box, centred in a square, becomes a 32x32 bitmap (ink where
    a pixel is more than half covered); each 4x4 block's count of ink pixels (0 to 16) is one value, / 16.
    """
    arr = np.asarray(pixels, dtype=np.float64)
    if arr.ndim == 2:
        ink = arr / 255.0
    elif arr.ndim == 3 and arr.shape[2] in (3, 4):
        ink = arr[:, :, :3].mean(axis=2) / 255.0
        if arr.shape[2] == 4:
            ink = ink * arr[:, :, 3] / 255.0
    else:
        raise ValueError(f"a drawing is (H, W), (H, W, 3) or (H, W, 4); got shape {arr.shape}")
    ys, xs = np.nonzero(ink > INK_LEVEL)
    if ys.size == 0:
        return None
    crop = ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    side = max(crop.shape)
    square = np.zeros((side, side))
    top, left = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    square[top: top + crop.shape[0], left: left + crop.shape[1]] = crop
    small = Image.fromarray(np.round(square * 255).astype(np.uint8)).resize((UCI_BITMAP, UCI_BITMAP), Image.BOX)
    bitmap = np.asarray(small, dtype=np.float64) / 255.0 > 0.5
    n = UCI_BITMAP // UCI_BLOCK
    counts = bitmap.reshape(n, UCI_BLOCK, n, UCI_BLOCK).sum(axis=(1, 3))
    return (counts / UCI_BLOCK**2)[:, :, None]


def _canvas_digit(key: str) -> np.ndarray | None:
    """The freehand canvas; the last drawing as an 8x8 digit (kept under ``key``), or None."""
    from streamlit_drawable_canvas import st_canvas  # imported here: registers a component on import

    ss = st.session_state
    c1, c2 = st.columns([1, 1], vertical_alignment="top")
    with c1:
        result = st_canvas(stroke_width=18, stroke_color="#ffffff", background_color="#000000", height=CANVAS_PX,
                           width=CANVAS_PX, drawing_mode="freedraw", return_image_data=True,
                           key=f"{key}_canvas_{ss.get(f'{key}_canvas_version', 0)}")
        if st.button("Clear the canvas", key=f"{key}_canvas_clear"):
            ss[f"{key}_canvas_version"] = ss.get(f"{key}_canvas_version", 0) + 1
            ss.pop(key, None)
            st.rerun()
    pixels = None if result is None else result.image_data
    if pixels is not None:
        digest = hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()
        if ss.get(f"{key}_digest") != digest:
            ss[f"{key}_digest"] = digest
            digit = canvas_to_digit(pixels)
            if digit is not None:
                ss[key] = digit
    digit = ss.get(key)
    with c2:
        if digit is None:
            st.info("Draw a digit (0 to 9) with the mouse or a finger, large, in the middle of the black square.")
        else:
            st.caption("What the network sees: your drawing centred and counted in 4x4 blocks into 8x8 values "
                       "from 0 to 16 (shown / 16), as the UCI digits were made.")
            fig = image_figure(digit, show_values=False)
            fig["layout"]["height"] = SEEN_PX  # square cells (scaleanchor): the panel shrinks to fit
            fig["layout"]["shapes"] = [{"type": "rect", "xref": "x", "yref": "y", "x0": -0.5, "x1": 7.5, "y0": -0.5,
                                        "y1": 7.5, "line": {"color": FRAME, "width": 2}}]  # white ink at an edge
            st.plotly_chart(fig, key=f"{key}_seen", config={"displayModeBar": False, "scrollZoom": False})
    return digit


def _held_out(name: str, key: str) -> np.ndarray:
    _, test = cached_split(name)
    n = len(test.labels)
    i = int(st.number_input(f"Held-out image (0 to {n - 1})", 0, n - 1, 0, key=f"{key}_index"))
    st.caption(f"Its true class: {md_text(test.class_names[int(test.labels[i])])}")
    return test.images[i]


def try_section(name: str, model: learn.Model) -> None:
    """Draw a shape or a digit (or pick a held-out image) and see what ``model`` says, stage by stage."""
    choices = ["grid", "held-out"] if name == "shapes" else ["canvas", "grid", "held-out"]
    labels = {"grid": f"Click pixels ({'5x5' if name == 'shapes' else '8x8'})", "canvas": "Draw with the mouse",
              "held-out": "A held-out image"}
    source = st.segmented_control("Input", choices, key=f"learn_source_{name}", default=choices[0], required=True,
                                  format_func=labels.get) or choices[0]
    side = int(model.input_shape[0])
    key = f"learn_draw_{name}"
    if source == "grid":
        st.caption("Click a cell to turn it white (1) or black (0).")
        image = drawing_grid(key, (side, side), cell_px=44 if side <= 5 else 34)[:, :, None]
    elif source == "canvas":
        image = _canvas_digit(f"{key}_digit")
        if image is None:
            return
    else:
        image = _held_out(name, key)
    if not image.any():
        st.info("The drawing is empty: click some cells (or draw), and the network answers.")
        return
    with error_boundary("prediction"):
        prediction_view(model, image, f"{key}_{source}")
