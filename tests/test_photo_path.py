"""A photo in the studio (AppTest): feature maps of the whole photo by default, the animation on a region of it at its
own pixels, the region chosen by a click on the photo or a map, and carried by the share link.

The photo is the bundled landscape (256x256) and a 640x480 JPEG made from it; pixels are checked against Pillow's
own decoding and BT.601 luma written out here, never against the app's helpers.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image
from test_studio_app import player, rerun, run_app, send, share_link, state

from visualizer.studio_state import MAX_PICTURE_SIDE, StudioState, from_query, photo_region, to_query
from visualizer.ui.inputs import NEW_PHOTO_REGION, accept_upload

PHOTO = "Landscape photo (256x256, colour)"
ASSET = Path(__file__).resolve().parent.parent / "assets" / "photo.png"
LUMA = np.array([0.299, 0.587, 0.114])


def photo_jpeg(width: int = 640, height: int = 480) -> bytes:
    """The bundled photo as a JPEG of ``width x height`` (a phone's photo, downsized)."""
    buf = io.BytesIO()
    Image.open(ASSET).convert("RGB").resize((width, height), Image.Resampling.BICUBIC).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def gray_of(data: bytes) -> np.ndarray:
    """Pillow's own decoding of the file, as BT.601 luma in [0, 1] ``(H, W)``."""
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64) / 255
    return rgb @ LUMA


def _photo_elements(at) -> list:
    """The maps component that shows a photo (key ``w_photo_pick``; other images' maps are drawn under
    ``feature_maps``, with no photo)."""
    return [c for c in at.get("component_instance")
            if c.proto.component_name.endswith("photo_maps") and c.proto.id.endswith("w_photo_pick")]


def photo_component(at):
    found = _photo_elements(at)
    return json.loads(found[0].proto.json_args) if found else None


def pick(at, target: str, fy: float, fx: float):
    element = _photo_elements(at)[0]
    value = {"target": target, "fy": fy, "fx": fx, "seq": int(np.random.randint(1, 10**6))}
    return send(at, element.proto.id, json_value=json.dumps(value))


def player_input(at) -> np.ndarray:
    """The input panel's values in the player's figure (the first heatmap)."""
    figure = player(at)["figure"]
    return np.array([t for t in figure["data"] if t["type"] == "heatmap"][0]["z"], dtype=float)


@pytest.fixture()
def photo_app():
    at = run_app()
    at.selectbox(key="w_example").set_value(PHOTO)
    return rerun(at)


def test_a_photo_shows_its_feature_maps_at_full_resolution_by_default(photo_app) -> None:
    args = photo_component(photo_app)
    assert args is not None, "a photo's maps are drawn by the photo component"
    # The small maps' component is not drawn for a photo (the receptive-field view under the player has its own).
    assert not [c for c in photo_app.get("component_instance") if c.proto.component_name.endswith("plotly_figures")
                and c.key != "studio_field"]
    s = state(photo_app)
    n = s.n_filters
    before, after = args["panels"][:2]
    assert len(before["tiles"]) == len(after["tiles"]) == n
    assert {(t["h"], t["w"]) for t in before["tiles"]} == {(254, 254)}  # the 256x256 photo, a 3x3 kernel
    assert args["photo"]["h"] == args["photo"]["w"] == 256
    assert [t["title"] for t in before["tiles"]][0].startswith("1: ")
    assert [t["title"].split(":")[0] for t in before["tiles"]] == [str(i + 1) for i in range(n)]


def test_the_animation_runs_on_a_region_of_the_photo_at_its_own_pixels(photo_app) -> None:
    s = state(photo_app)
    assert s.working_size == NEW_PHOTO_REGION
    y, x, h, w = photo_region(s)
    assert (h, w) == (NEW_PHOTO_REGION, NEW_PHOTO_REGION)
    gray = gray_of(ASSET.read_bytes())
    np.testing.assert_allclose(player_input(photo_app), gray[y:y + h, x:x + w], atol=1e-9)
    captions = " ".join(c.value for c in photo_app.caption)
    assert f"rows {y}-{y + h - 1}, columns {x}-{x + w - 1} of 256x256" in captions


def test_numbers_are_written_in_the_animated_regions_cells(photo_app) -> None:
    figure = player(photo_app)["figure"]
    heatmaps = [t for t in figure["data"] if t["type"] == "heatmap"]
    assert all("texttemplate" in t for t in heatmaps[:1]), "the input's cells show their values"


def test_a_click_on_the_photo_moves_the_region_there_and_into_the_link(photo_app) -> None:
    pick(photo_app, "photo", 0.25, 0.75)
    s = state(photo_app)
    half = NEW_PHOTO_REGION / 2
    assert s.region == (round(64 - half), round(192 - half))
    y, x, h, w = photo_region(s)
    gray = gray_of(ASSET.read_bytes())
    np.testing.assert_allclose(player_input(photo_app), gray[y:y + h, x:x + w], atol=1e-9)
    args = photo_component(photo_app)
    assert args["photo"]["box"] == [y, x, h, w]
    # The animated output is outlined where it belongs in every full map: the map's cell (Y, X) = (y + i, x + j).
    assert args["panels"][0]["tiles"][0]["box"] == [y, x, h - 2, w - 2]
    params = parse_qs(urlsplit(share_link(photo_app)).query)
    assert params["region"] == [f"{y},{x}"]
    restored, errors = from_query(params)
    assert errors == [] and restored.region == (y, x)


def test_a_click_on_a_map_moves_the_region_to_the_window_that_made_that_cell(photo_app) -> None:
    pick(photo_app, "0:2", 0.5, 0.1)
    s = state(photo_app)
    # map cell row 127, column 25.4 of 254 stands for the window centred on photo pixel (128, 26.4)
    half = NEW_PHOTO_REGION / 2
    assert s.region == (round(128 - half), round(254 * 0.1 + 1 - half))


def test_the_colour_scale_is_a_visible_choice_per_map_or_shared(photo_app) -> None:
    limits = [t["limit"] for t in photo_component(photo_app)["panels"][0]["tiles"]]
    assert len(set(limits)) > 1, "each map on its own scale by default"
    photo_app.segmented_control(key="w_map_scale").set_value("shared")
    rerun(photo_app)
    limits = [t["limit"] for t in photo_component(photo_app)["panels"][0]["tiles"]]
    assert len(set(limits)) == 1
    assert "scale=shared" in share_link(photo_app)


def test_an_uploaded_640x480_jpeg_keeps_its_own_pixels() -> None:
    at = run_app()
    data = photo_jpeg()
    assert accept_upload(state(at), "holiday.jpg", data) is None
    rerun(at)
    s = state(at)
    assert s.image.shape == (480, 640, 3)
    decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64) / 255.0
    np.testing.assert_array_equal(s.image, decoded)  # exactly the decoded pixels, read back from ...
    assert s._image.dtype == np.uint8 and s._image.nbytes == decoded.nbytes // 8  # ... the levels the session keeps
    args = photo_component(at)
    assert {(t["h"], t["w"]) for t in args["panels"][0]["tiles"]} == {(478, 638)}
    y, x, h, w = photo_region(s)
    np.testing.assert_allclose(player_input(at), gray_of(data)[y:y + h, x:x + w], atol=1e-9)
    assert "of 480x640" in " ".join(c.value for c in at.caption)


def test_small_images_keep_their_animation_and_maps_with_numbers() -> None:
    at = run_app()
    assert photo_component(at) is None
    maps = [c for c in at.get("component_instance") if c.proto.id.endswith("feature_maps")]
    tiles = json.loads(maps[0].proto.json_args)["panels"][0]["tiles"]
    assert [t["text"] for t in tiles][0] == [["4", "3", "4"], ["2", "4", "3"], ["2", "3", "4"]]
    assert "region" not in to_query(state(at))
    at.selectbox(key="w_example").set_value("Handwritten digit (28x28)")
    rerun(at)
    assert photo_component(at) is None and player_input(at).shape == (24, 24)


@pytest.mark.parametrize("text", ["1,2,3", "a,b", f"{MAX_PICTURE_SIDE},0", "-1,5", "1;2", " ", "5"])
def test_a_region_in_a_link_is_parsed_strictly(text: str) -> None:
    restored, errors = from_query({"example": PHOTO, "region": text})
    assert restored.region is None and len(errors) == 1 and "region" in errors[0]


def test_a_region_outside_the_photo_is_clipped_inside_it() -> None:
    restored, errors = from_query({"example": PHOTO, "region": "600,3", "size": "10"})
    assert errors == []
    from visualizer import load_example

    restored.image = load_example(PHOTO, channels=3)
    assert photo_region(restored) == (246, 3, 10, 10)
    restored.stride = 2
    assert photo_region(restored)[:2] == (246, 2), "the corner is a multiple of the stride"


def test_a_state_with_a_hostile_region_stays_valid() -> None:
    from visualizer.studio_state import clamp

    for bad in ("x", (1,), (np.nan, 2), [10**9, -5], (True, "a")):
        s = StudioState(region=bad)  # type: ignore[arg-type]
        clamp(s)
        assert s.region is None or all(0 <= v < MAX_PICTURE_SIDE for v in s.region)


def test_a_link_to_the_photo_opens_on_a_readable_region() -> None:
    at = run_app({"example": PHOTO})
    assert state(at).working_size == NEW_PHOTO_REGION
    figure = player(at)["figure"]
    assert "texttemplate" in [t for t in figure["data"] if t["type"] == "heatmap"][0]
    at = run_app({"example": PHOTO, "size": "20"})
    assert state(at).working_size == 20, "a size in the link counts"
