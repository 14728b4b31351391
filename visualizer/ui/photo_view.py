"""A photo's feature maps at full resolution, and the region of the photo the animation runs on.

A photo (see :func:`visualizer.studio_state.is_photo`) is animated on a square of it at its own pixels, so the
window, the numbers and the output cell stay readable; its feature maps are computed on the whole photo. One small
component (``photo_assets/``, declared in ``player.py``) shows the photo and every map as pictures in a grid without
gaps, outlines the animated region in each, shows the region (or what is under the pointer) magnified, and reports a
click or a drag: the region moves there (:func:`_on_pick`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from visualizer import output_shape, resize_image, to_channels
from visualizer.figures.pictures import data_url, map_tiles, scale_note
from visualizer.studio_state import StudioState, photo_region, region_centred_at, region_in_map, region_text
from visualizer.text import plain

from .player import photo_pictures
from .studio_model import studio_state

PICK_KEY = "w_photo_pick"  # the component's value: where the last click or drag ended
SCALE_LABELS = {"own": "Each map its own", "shared": "One for all"}
# The maps of a photo hold at most this many values (about 17 MB of float64 each for the output and the activated
# maps, as many as 32 maps of 256x256 did before): more filters on a large photo are computed on it shrunk to fit.
MAX_MAP_VALUES = 256 * 256 * 32
PAYLOADS = "_studio_photo_payloads"  # this visitor's last few encoded pictures, by content
KEPT_PAYLOADS = 3


@dataclass(frozen=True)
class Panel:
    """One row of maps: their heading, values ``(H, W, N)`` and how many photo pixels one map cell steps (its
    ``pool`` factor: 2 after 2x2 pooling)."""

    name: str
    sentence: str
    maps: np.ndarray
    pool: int = 1


def maps_source(state: StudioState) -> tuple[np.ndarray, float]:
    """The picture the maps are computed on, and its scale to the photo (1.0: the photo's own pixels).

    The photo itself while ``N x H x W`` fits ``MAX_MAP_VALUES``; else the photo shrunk so that it does."""
    photo = to_channels(state.image, state.channels)
    h, w = photo.shape[:2]
    values = state.n_filters * h * w
    if values <= MAX_MAP_VALUES:
        return photo, 1.0
    side = max(8, int(max(h, w) * (MAX_MAP_VALUES / values) ** 0.5))
    small = resize_image(photo, side)
    return small, small.shape[0] / h


def _encoded(photo: np.ndarray | None, panels: list[Panel], titles: list[str], scale: str) -> dict:
    """The pictures and their titles (no region): encoded once per visitor and content."""
    digest = hashlib.sha256(scale.encode() + "\0".join(titles).encode("utf-8", "replace"))
    for part in ([] if photo is None else [photo]) + [p.maps for p in panels]:
        digest.update(np.ascontiguousarray(part).tobytes() + str(part.shape).encode())
    key = digest.hexdigest()[:20]
    kept = dict(st.session_state.get(PAYLOADS, {}))
    payload = kept.pop(key, None)
    if payload is None:
        picture = None
        if photo is not None:
            pixels = np.clip(photo * 255, 0, 255).round().astype(np.uint8)
            picture = data_url(pixels if pixels.shape[2] == 3 else pixels[:, :, 0], exact=False)
        payload = {"fig_id": key, "photo": picture,
                   "panels": [map_tiles(p.maps, [plain(t, 60) for t in titles], scale=scale,
                                        alt=p.name) for p in panels]}
        kept[key] = payload
    st.session_state[PAYLOADS] = dict(list(kept.items())[-KEPT_PAYLOADS:])
    return payload


def _panel_args(panels: list[Panel], payload: dict, scale: str, boxes: list[list[float] | None]) -> list[dict]:
    """What the component draws for each panel: its heading, the note on its colours and its tiles."""
    out = []
    for panel, tiles, box in zip(panels, payload["panels"], boxes, strict=True):
        mh, mw, n = panel.maps.shape
        out.append({"heading": [panel.name, f" [{mh} x {mw} x {n}]: {panel.sentence}"],
                    "note": scale_note(panel.maps, scale), "tiles": [dict(t, box=box) for t in tiles]})
    return out


def _animated_box(state: StudioState, region: tuple[int, int, int, int], factor: float, pool: int
                  ) -> list[float] | None:
    """The animated output's place in a map (rows, columns in map cells), or None when it has no output."""
    try:
        out = output_shape(region[2:], state.kernel_size, stride=state.stride, padding=state.padding,
                           dilation=state.dilation)
    except ValueError:
        return None
    y, x, h, w = region_in_map(region, out, state.stride)
    scale = factor / pool
    return [y * scale, x * scale, max(h * scale, 1.0), max(w * scale, 1.0)]


def photo_maps(state: StudioState, panels: list[Panel], titles: list[str], factor: float) -> None:
    """The photo and every panel's maps, the animated region outlined in each; a click or drag moves it."""
    region = photo_region(state)
    photo = to_channels(state.image, state.channels)
    h, w = photo.shape[:2]
    payload = _encoded(photo, panels, titles, state.map_scale)
    boxes = [_animated_box(state, region, factor, p.pool) for p in panels]
    args_panels = _panel_args(panels, payload, state.map_scale, boxes)
    photo_pictures(
        fig_id=payload["fig_id"],
        photo={"src": payload["photo"], "h": h, "w": w, "box": list(region),
               "alt": f"The photo, {h} by {w} pixels, with the animated region outlined",
               "heading": f"The photo, {h}x{w}:",
               "hint": f"the animation shows {region_text(state)} (outlined). Click or drag on the photo or on "
               "any map to move it; the square beside the photo magnifies what is under the pointer."},
        panels=args_panels, large=state.presentation, key=PICK_KEY, on_change=_on_pick,
    )


def map_pictures(panels: list[Panel], titles: list[str], *, large: bool, key: str) -> None:
    """Maps that are not a photo's (the studio's example, a drawing, a small upload): every panel's maps as
    pictures on one shared scale per panel, their numbers written while they are small enough to read; ``large``
    (presentation mode) for a projector."""
    payload = _encoded(None, panels, titles, "shared")
    photo_pictures(fig_id=payload["fig_id"], photo=None, panels=_panel_args(panels, payload, "shared",
                   [None] * len(panels)), large=large, key=key, on_change=None)


def _on_pick() -> None:
    """A click or drag ended on the photo or a map: centre the region on the photo pixel under it."""
    value = st.session_state.get(PICK_KEY)
    state = studio_state()
    if not isinstance(value, dict) or photo_region(state) is None:
        return
    fy, fx, target = value.get("fy"), value.get("fx"), value.get("target")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in (fy, fx)):
        return
    row, col = pick_to_photo(state, str(target), float(fy), float(fx))
    state.region = region_centred_at(state, row, col)


def pick_to_photo(state: StudioState, target: str, fy: float, fx: float) -> tuple[float, float]:
    """The photo pixel ``(row, column)`` under a click at fractions ``(fy, fx)`` of the photo (``target`` "photo")
    or of a map (``"panel:index"``): a map cell stands for the centre of the window that made it."""
    h, w = state.image.shape[:2]
    if target == "photo":
        return fy * h, fx * w
    try:
        panel = int(target.split(":")[0])
    except ValueError:
        return fy * h, fx * w
    source, factor = maps_source(state)
    pool = 2 if panel >= 2 else 1
    kh, kw = state.kernel_size
    s, p, d = state.stride, state.padding, state.dilation
    try:
        ho, wo = output_shape(source.shape[:2], (kh, kw), stride=s, padding=p, dilation=d)
    except ValueError:
        return fy * h, fx * w
    y_cell, x_cell = fy * (ho // pool) * pool, fx * (wo // pool) * pool
    row = (y_cell * s - p + d * (kh - 1) / 2) / factor
    col = (x_cell * s - p + d * (kw - 1) / 2) / factor
    return row, col
