"""The studio's input panel: examples, uploads, a drawing canvas and a click-to-toggle pixel grid.

The chosen picture is the state's ``image`` (float ``(H, W, 3)`` in [0, 1], at most ``SOURCE_MAX_SIDE`` a
side); the working image the animation uses is derived from it (channels, working size) on every run.
A failed upload or drawing shows a message and leaves the image as it was.
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import streamlit as st

from visualizer import ImageError, example_names, image_from_array, load_example, load_image, to_channels
from visualizer.figures.pixel_grid import pixel_grid_figure
from visualizer.images import MAX_UPLOAD_BYTES
from visualizer.studio_state import MAX_PICTURE_SIDE, MAX_WORKING, PHOTO_REGION, StudioState, is_photo
from visualizer.text import md_text

from .studio_model import bind, studio_state

UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]
SOURCE_LABELS = {"example": "Example", "upload": "Upload", "draw": "Draw", "grid": "Pixel grid"}
GRID_MAX_SIDE = 16
# Typed pixel text is refused beyond this length before it is parsed (64x64 values need about 30,000).
MAX_PIXELS_TEXT = 200_000
# Each visitor's picture is kept at most this large: a 640x480 photo stays at its own pixels (the feature maps are
# computed on all of it, the animation runs on a region of it), and a session holds at most 9.8 MB, not the 25 MB
# of a 1024x1024 RGB float image.
SOURCE_MAX_SIDE = MAX_PICTURE_SIDE
# One upload is decoded at a time, server-wide: the largest file we accept (36 million RGBA pixels in a few
# kB) needs ~300 MB while Pillow decodes it, and visitors uploading at once must not multiply that. The
# semaphore holds no data, so it shares nothing between visitors; a decode takes at most a second or two.
DECODE_SLOTS = threading.BoundedSemaphore(1)
DECODE_WAIT_S = 30.0
INPUT_ERROR = "_studio_input_error"  # the last upload/drawing/typing problem, shown under the panel


# A new photo or drawing starts at this animation size: 14x14 steps of a 3x3 kernel play in about a minute
# at 400 ms; the slider goes up to 64 for those who want more.
NEW_PICTURE_WORKING = 16
NEW_PHOTO_REGION = PHOTO_REGION  # a new photo's animated square (see studio_state.PHOTO_REGION)


def set_source(state: StudioState, image: np.ndarray, name: str, kind: str) -> None:
    """Make ``image`` ``(H, W, C)`` the studio's input (stored as RGB); ``name`` is kept as given (raw)."""
    state.image = to_channels(np.asarray(image, dtype=np.float64), 3)
    state.input_name = name
    state.input_kind = kind
    state.step = 0
    state.region = None  # a new picture's animation starts at its centre
    if is_photo(state):  # a region of the photo, small enough that every cell shows its number
        state.working_size = NEW_PHOTO_REGION
    elif kind in ("upload", "drawing") and state.working_size > NEW_PICTURE_WORKING:
        state.working_size = NEW_PICTURE_WORKING


class DecoderBusy(ImageError):
    """Another visitor's upload was being decoded for longer than ``DECODE_WAIT_S``."""


def decode_upload(data: bytes) -> np.ndarray:
    """An upload as RGB ``(H, W, 3)`` at most ``SOURCE_MAX_SIDE`` a side, one decode at a time; raises ImageError."""
    if not DECODE_SLOTS.acquire(timeout=DECODE_WAIT_S):
        raise DecoderBusy("the server is busy reading other uploads; try again in a moment")
    try:
        return load_image(data, channels=3, max_side=SOURCE_MAX_SIDE)
    finally:
        DECODE_SLOTS.release()


def accept_upload(state: StudioState, filename: str, data: bytes) -> str | None:
    """Decode an upload and make it the input; returns an error message (input unchanged) or None.

    The message is Markdown with the file name escaped (a file name is a person's text).
    """
    try:
        image = decode_upload(data)
    except ImageError as err:
        if isinstance(err, DecoderBusy):
            st.session_state.pop("upload_digest", None)  # the same file is tried again on the next run
        return f"Could not use **{md_text(filename)}**: {err}. Your previous image is still in place."
    set_source(state, image, filename, "upload")
    return None


def _on_example_change() -> None:
    state = studio_state()
    state.example = st.session_state["w_example"]
    set_source(state, load_example(state.example, channels=3), state.example, "example")


def input_panel(state: StudioState) -> None:
    """Sidebar controls for where the image comes from; changes the state's image."""
    ss = st.session_state
    st.segmented_control(
        "Image source", list(SOURCE_LABELS), format_func=SOURCE_LABELS.get, selection_mode="single",
        **bind("w_source", "source", from_widget=lambda v: v or "example"),
    )
    if state.source == "example":
        ss["w_example"] = state.example
        st.selectbox("Example", example_names(), key="w_example", on_change=_on_example_change)
    elif state.source == "upload":
        _upload_panel(state)
    elif state.source == "draw":
        _draw_panel(state)
    else:
        _grid_text_panel(state)
    if ss.get(INPUT_ERROR):
        st.error(ss[INPUT_ERROR])


def _upload_panel(state: StudioState) -> None:
    ss = st.session_state
    upload = st.file_uploader(
        f"Upload an image (PNG, JPEG, GIF, BMP, WebP, TIFF; up to {MAX_UPLOAD_BYTES // 2**20} MiB, "
        f"{MAX_UPLOAD_BYTES:,} bytes)",
        type=UPLOAD_TYPES,
        key="upload",
        max_upload_size=MAX_UPLOAD_BYTES // 2**20 + 1,  # Streamlit's own check, above ours: ours names the limit
    )
    if upload is None:
        return
    data = upload.getvalue()
    digest = hashlib.sha256(upload.name.encode("utf-8", "replace") + b"\0" + data).hexdigest()
    if ss.get("upload_digest") == digest:
        return
    ss["upload_digest"] = digest
    ss[INPUT_ERROR] = accept_upload(state, upload.name, data)
    if ss[INPUT_ERROR] is None:
        st.toast(f"Loaded {md_text(upload.name)}")


def _draw_panel(state: StudioState) -> None:
    from streamlit_drawable_canvas import st_canvas  # imported here: registers a component on import

    ss = st.session_state
    brush = st.slider("Brush size", 2, 40, 16, key="brush")
    if st.button("Clear canvas", key="clear_canvas", icon=":material/delete:"):
        ss["canvas_version"] = ss.get("canvas_version", 0) + 1
    result = st_canvas(
        stroke_width=brush,
        stroke_color="#ffffff",
        background_color="#000000",
        height=224,
        width=224,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"canvas_{ss.get('canvas_version', 0)}",
    )
    st.caption("Draw in white on black, like the MNIST digits. The drawing becomes the input as you draw.")
    pixels = None if result is None else result.image_data
    if pixels is None:
        return
    digest = hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()
    if ss.get("canvas_digest") == digest:
        return
    ss["canvas_digest"] = digest
    try:
        drawn = image_from_array(pixels, channels=3, max_side=SOURCE_MAX_SIDE)
    except ImageError as err:
        ss[INPUT_ERROR] = f"Could not use the drawing: {err}."
        return
    if drawn.max() == 0 and state.input_kind != "drawing":
        return  # an empty canvas does not replace the current image
    ss[INPUT_ERROR] = None
    set_source(state, drawn, "drawing", "drawing")


def parse_pixels(text: str) -> np.ndarray:
    """Rows of numbers (spaces or commas; one row a line, or rows split by ';') as an ``(H, W)`` array.

    Raises ``ValueError`` with a plain message when rows differ in length or a value is not a number
    in [0, 1].
    """
    if len(text) > MAX_PIXELS_TEXT:
        raise ValueError(f"that text is {len(text):,} characters long; an image here needs at most {MAX_PIXELS_TEXT:,}")
    rows = [r for r in text.replace(";", "\n").splitlines() if r.strip()]
    if not rows:
        raise ValueError("type at least one row of numbers")
    values = []
    for n, row in enumerate(rows, start=1):
        try:
            values.append([float(v) for v in row.replace(",", " ").split()])
        except ValueError:
            raise ValueError(f"row {n} has something that is not a number: {row.strip()!r}") from None
    widths = {len(r) for r in values}
    if len(widths) != 1:
        raise ValueError(f"every row needs the same number of values; got {sorted(widths)}")
    arr = np.array(values)
    if not np.isfinite(arr).all() or arr.min() < 0 or arr.max() > 1:
        raise ValueError("pixel values must be numbers from 0 (black) to 1 (white)")
    if max(arr.shape) > MAX_WORKING:
        raise ValueError(f"a typed image can be at most {MAX_WORKING}x{MAX_WORKING}")
    return arr


def pixels_to_text(gray: np.ndarray) -> str:
    return "\n".join(" ".join(f"{v:.3g}" for v in row) for row in gray)


def _grid_text_panel(state: StudioState) -> None:
    ss = st.session_state
    st.caption(
        f"Click cells of the input (in the animation, images up to {GRID_MAX_SIDE}x{GRID_MAX_SIDE}) to "
        "toggle them between black and white, or type the pixels here: one row a line, 0 = black, 1 = white."
    )
    gray = to_channels(state.image, 1)[:, :, 0]
    version = ss.get("grid_version", 0)
    if max(gray.shape) <= GRID_MAX_SIDE:
        key = f"pixel_grid_{version}"
        st.plotly_chart(
            pixel_grid_figure(gray, cell_px=min(40, 260 // max(gray.shape))),
            key=key,
            on_select=lambda: _on_grid_select(key),
            selection_mode="points",
            config={"displayModeBar": False},
        )
    else:
        st.info(f"The image is {gray.shape[0]}x{gray.shape[1]}: the clickable grid is for images up to "
                f"{GRID_MAX_SIDE}x{GRID_MAX_SIDE}. Start a blank grid below, or pick the 5x5 example.")
    text = st.text_area(
        "Pixels", value=pixels_to_text(gray) if max(gray.shape) <= MAX_WORKING else "", key=f"pixels_{version}",
        height=160,
    )
    if st.button("Use these pixels", key="use_pixels"):
        try:
            arr = parse_pixels(text)
        except ValueError as err:
            # The message quotes the typed row: escaped, as the text is the visitor's own.
            ss[INPUT_ERROR] = (f"Could not use the typed pixels: {md_text(str(err), limit=200)}. "
                               "Your previous image is still in place.")
        else:
            ss[INPUT_ERROR] = None
            set_source(state, arr[:, :, None], "typed pixels", "pixels")
            ss["grid_version"] = version + 1
            st.rerun()
    c1, c2 = st.columns(2)
    size = c1.number_input("New blank grid", 3, GRID_MAX_SIDE, 5, key="blank_size")
    if c2.button("Blank", key="blank_grid", width="stretch"):
        set_source(state, np.zeros((size, size, 1)), f"blank {size}x{size}", "pixels")
        ss["grid_version"] = version + 1
        st.rerun()


def _on_grid_select(key: str) -> None:
    try:
        points = st.session_state[key]["selection"]["points"]
    except (KeyError, TypeError):
        return
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)) and len(data) == 2:
            toggle_pixel(int(data[0]), int(data[1]))
            return


def toggle_pixel(y: int, x: int) -> None:
    """Flip pixel ``(y, x)`` of the input between black and white (the click-to-toggle grid)."""
    state = studio_state()
    img = state.image.copy()
    if not (0 <= y < img.shape[0] and 0 <= x < img.shape[1]):
        return
    img[y, x, :] = 0.0 if img[y, x].mean() >= 0.5 else 1.0
    if not state.input_name.endswith("(edited)"):
        state.input_name = f"{state.input_name} (edited)"
    state.image, state.input_kind = img, "pixels"  # the step stays: watch the same window change
    st.session_state["grid_version"] = st.session_state.get("grid_version", 0) + 1
