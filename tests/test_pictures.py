"""Feature maps as pictures (visualizer/figures/pictures.py): the colours are the diverging scale's, pixel for pixel,
the numbers written are the values as the app's one formatter writes them, and each number's ink reads on its cell."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from visualizer.figures import style
from visualizer.figures.pictures import EXACT_MAX_SIDE, map_tiles, scale_limits, scale_note
from visualizer.figures.raster import DIVERGING
from visualizer.numbers import fmt


def decoded(src: str) -> np.ndarray:
    header, data = src.split(",", 1)
    assert header in ("data:image/png;base64", "data:image/jpeg;base64")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


def reference_colour(value: float, limit: float) -> np.ndarray:
    """The diverging scale by hand: -limit deep blue, 0 white, +limit deep orange, linear between its stops."""
    t = min(1.0, max(0.0, 0.5 + 0.5 * value / limit)) * (len(DIVERGING) - 1)
    lo = min(int(np.floor(t)), len(DIVERGING) - 2)
    return np.round(DIVERGING[lo] + (t - lo) * (DIVERGING[lo + 1] - DIVERGING[lo]))


MAPS = arrays(np.float64, st.tuples(st.integers(1, 7), st.integers(1, 9), st.integers(1, 4)),
              elements=st.floats(-50, 50, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(MAPS, st.sampled_from(["own", "shared"]))
def test_every_pixel_is_its_value_on_the_diverging_scale_and_every_number_is_fmt(maps: np.ndarray, scale: str) -> None:
    h, w, n = maps.shape
    tiles = map_tiles(maps, [f"f{i}" for i in range(n)], scale=scale)
    limits = scale_limits(maps, scale)
    digits = style.value_digits(max(h, w))
    for i, tile in enumerate(tiles):
        pixels = decoded(tile["src"])
        assert pixels.shape == (h, w, 3) and (tile["h"], tile["w"]) == (h, w)
        for y in range(h):
            for x in range(w):
                np.testing.assert_array_equal(pixels[y, x], reference_colour(maps[y, x, i], limits[i]))
                assert tile["text"][y][x] == fmt(maps[y, x, i], digits)
        np.testing.assert_allclose(tile["z"], maps[:, :, i], atol=1e-9)
        light = pixels @ np.array([0.299, 0.587, 0.114]) < 140
        assert ["".join("w" if d else "d" for d in row) for row in light] == tile["ink"]


def test_own_scales_use_each_maps_largest_value_and_shared_the_panels() -> None:
    maps = np.stack([np.full((2, 2), 1.0), np.array([[-4.0, 2.0], [0.0, 1.0]]), np.zeros((2, 2))], axis=-1)
    assert scale_limits(maps, "own") == [1.0, 4.0, 1.0]  # an all-zero map keeps a limit of 1 (it is white)
    assert scale_limits(maps, "shared") == [4.0, 4.0, 4.0]
    own = map_tiles(maps, ["a", "b", "c"], scale="own")
    assert [t["limit"] for t in own] == ["±1", "±4", "±1"]
    assert decoded(own[0]["src"])[0, 0].tolist() == DIVERGING[-1].tolist()  # its own largest value: deepest orange
    assert decoded(map_tiles(maps, ["a", "b", "c"])[0]["src"])[0, 0].tolist() != DIVERGING[-1].tolist()
    assert "one scale for all maps of this row (±4)" in scale_note(maps, "shared")
    with pytest.raises(ValueError, match="scale must be one of"):
        scale_limits(maps, "loud")


def test_numbers_only_on_grids_small_enough_to_read_and_values_only_on_small_maps() -> None:
    rng = np.random.default_rng(0)
    small, mid, large = rng.normal(size=(12, 12, 2)), rng.normal(size=(13, 13, 2)), rng.normal(size=(80, 70, 1))
    assert all("text" in t and "z" in t for t in map_tiles(small, ["a", "b"]))
    assert all("text" not in t and "z" in t for t in map_tiles(mid, ["a", "b"]))
    big = map_tiles(large, ["a"])[0]
    assert "z" not in big and "text" not in big and big["src"].startswith("data:image/jpeg") and EXACT_MAX_SIDE < 80
    assert decoded(big["src"]).shape == (80, 70, 3)


def test_titles_stay_text_and_bad_maps_are_refused_with_a_reason() -> None:
    tile = map_tiles(np.ones((2, 2, 1)), ["<b>x</b> & ![i](http://127.0.0.9/a.png)"], alt="After ReLU")[0]
    assert tile["title"] == "<b>x</b> & ![i](http://127.0.0.9/a.png)"  # the component sets it with textContent
    assert tile["alt"] == "After ReLU, map <b>x</b> & ![i](http://127.0.0.9/a.png)"
    with pytest.raises(ValueError, match="2 maps need 2 titles"):
        map_tiles(np.ones((2, 2, 2)), ["a"])
    with pytest.raises(ValueError, match="NaN or infinite"):
        map_tiles(np.full((2, 2, 1), np.nan), ["a"])
    with pytest.raises(ValueError, match=r"\(H, W, N\)"):
        map_tiles(np.ones((2, 2)), ["a"])


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 40)), elements=st.floats(-1e6, 1e6)),
       st.one_of(st.none(), st.floats(1e-6, 1e6)))
def test_the_looked_up_scale_is_within_one_level_of_the_exact_one(values: np.ndarray, limit: float | None) -> None:
    from visualizer.figures.raster import colorize, colorize_near

    exact, near = colorize(values, limit=limit).astype(int), colorize_near(values, limit=limit).astype(int)
    assert near.shape == exact.shape and np.abs(near - exact).max(initial=0) <= 1
