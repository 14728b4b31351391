"""The studio's one state (visualizer/studio_state.py), pure: its share link, its strict parser, clamp, and
every change to the filter bank.

References are independent: the link is checked by comparing every field (kernels and biases bit for bit,
through the same URL encoding a browser uses), bank changes against plain NumPy slicing, padding and
averaging and against the filters module's own presets and seeded banks, never against a copy of the code.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from dataclasses import fields
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from visualizer.activations import ACTIVATION_NAMES
from visualizer.filters import preset_kernel, preset_sizes, random_filters
from visualizer.images import EXAMPLES, load_example
from visualizer.studio_state import (
    BIAS_RANGE,
    CHANNELS,
    CONV_KINDS,
    KERNEL_LIMIT,
    MAP_SCALES,
    MAPS,
    MAX_BANK_CHARS,
    MAX_FILTERS,
    MAX_KERNEL,
    MAX_NAME_CHARS,
    MAX_STEPS,
    POOLS,
    RANGES,
    SPEEDS_MS,
    StudioState,
    apply_preset,
    clamp,
    from_query,
    kernel_to_text,
    parse_kernel,
    randomize,
    resize_bank,
    set_bias,
    set_channels,
    set_kernel_values,
    to_query,
)

# Fields the link does not carry by design: which input panel is open, and the picture itself when it is an
# example (the example's name restores it) or a photo.
NOT_IN_LINK = {"source", "image"}


# --- Helpers -------------------------------------------------------------------------------------------------
def bits(arr: np.ndarray) -> bytes:
    """The exact bytes of a float64 array: equal bytes mean bit-exact values (-0.0 and 0.0 differ)."""
    return np.ascontiguousarray(np.asarray(arr, dtype=np.float64)).tobytes()


def through_the_address_bar(params: dict[str, str]) -> dict[str, list[str]]:
    """What a browser sends back: the parameters URL-encoded into a link, then read from it."""
    link = "https://example.org/studio?" + urlencode(params, safe=",()")
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


def assert_same_state(got: StudioState, want: StudioState) -> None:
    for f in fields(StudioState):
        if f.name in NOT_IN_LINK:
            continue
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray):
            assert a.shape == b.shape, f.name
            assert bits(a) == bits(b), f"{f.name} is not bit-exact"
        else:
            assert a == b, f"{f.name}: {a!r} != {b!r}"


def wide_floats(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Finite float64 with full 53-bit mantissas over every exponent from 1e6 down to subnormals, both signs,
    with exact zeros, negative zeros and whole numbers mixed in."""
    values = rng.uniform(-1, 1, shape) * KERNEL_LIMIT * np.exp2(-rng.integers(0, 1075, shape).astype(float))
    pick = rng.integers(0, 8, shape)
    values[pick == 0] = 0.0
    values[pick == 1] = -0.0
    values[pick == 2] = rng.integers(-100, 100, (pick == 2).sum())
    values[pick == 3] = np.nextafter(KERNEL_LIMIT, 0) * np.sign(rng.uniform(-1, 1, (pick == 3).sum()))
    return values


NAME_TEXT = st.text(st.characters(codec="utf-8"), min_size=0, max_size=MAX_NAME_CHARS)


@st.composite
def states(draw: st.DrawFn) -> StudioState:
    """Any valid state: every field drawn, banks of random float64 up to 32 x 7x7x3, unicode names."""
    channels = draw(st.sampled_from(CHANNELS))
    n = draw(st.integers(1, MAX_FILTERS))
    kh, kw = draw(st.integers(1, MAX_KERNEL)), draw(st.integers(1, MAX_KERNEL))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    state = StudioState(
        example=draw(st.sampled_from(list(EXAMPLES))),
        channels=channels,
        working_size=draw(st.integers(*RANGES["working_size"])),
        bank=wide_floats(rng, (n, kh, kw, channels)),
        bias=wide_floats(rng, (n,)) * (BIAS_RANGE[1] / KERNEL_LIMIT),  # every exponent, inside the bias's range
        names=[draw(NAME_TEXT) for _ in range(n)],
        use_bias=draw(st.booleans()),
        selected=draw(st.integers(0, n - 1)),
        stride=draw(st.integers(*RANGES["stride"])),
        padding=draw(st.integers(*RANGES["padding"])),
        dilation=draw(st.integers(*RANGES["dilation"])),
        step=draw(st.integers(0, MAX_STEPS - 1)),
        speed_ms=draw(st.sampled_from(SPEEDS_MS)),
        activation=draw(st.sampled_from(ACTIVATION_NAMES)),
        maps=draw(st.sampled_from(MAPS)),
        pooling=draw(st.sampled_from(POOLS)),
        presentation=draw(st.booleans()),
        field_layers=draw(st.integers(*RANGES["field_layers"])),
        groups=draw(st.integers(*RANGES["groups"])),
        kind=draw(st.sampled_from(CONV_KINDS)),
        map_scale=draw(st.sampled_from(MAP_SCALES)),
    )
    state.input_name = state.example
    return state


# --- The share link --------------------------------------------------------------------------------------------
@settings(max_examples=30)
@given(states())
def test_the_link_restores_every_field_with_kernels_and_biases_bit_exact(state: StudioState) -> None:
    params = through_the_address_bar(to_query(state))
    restored, errors = from_query(params)
    assert errors == []
    assert_same_state(restored, state)


def test_every_field_is_compared_by_the_round_trip_test() -> None:
    # A field added to the state must be either in the link or named in NOT_IN_LINK on purpose.
    names = {f.name for f in fields(StudioState)}
    assert NOT_IN_LINK < names
    changed = StudioState(channels=3, working_size=40, use_bias=True, selected=2, stride=2, padding=3,
                          dilation=4, step=7, speed_ms=1000, activation="tanh", maps="full", pooling="avg",
                          presentation=True, example="Landscape photo (256x256, colour)", region=(30, 40),
                          map_scale="shared", field_layers=2, kind="grouped", groups=2)
    changed.input_name = changed.example
    changed.image = load_example(changed.example, channels=3)  # a photo: its region is in the link
    changed.bank = np.arange(4 * 2 * 3 * 3, dtype=float).reshape(4, 2, 3, 3) / 7
    changed.bias = np.array([0.5, -1.25, 1e-300, 3.0])
    changed.names = ["ä", "b", "c", "d"]
    default = StudioState()
    differing = {n for n in names - NOT_IN_LINK if not _equal(getattr(changed, n), getattr(default, n))}
    # input_kind differs only with a pixel-grid input (see the pixel-grid test); everything else differs here
    assert differing == names - NOT_IN_LINK - {"input_kind"}, "the example must change every field the link carries"
    restored, errors = from_query(through_the_address_bar(to_query(changed)))
    assert errors == []
    assert_same_state(restored, changed)


def _equal(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bits(a) == bits(b)
    return a == b


def test_presets_and_seeded_filters_round_trip_as_what_they_are() -> None:
    state = StudioState()
    resize_bank(state, 6, 5, 5)
    randomize(state, 5, seed=41)
    restored, errors = from_query(through_the_address_bar(to_query(state)))
    assert errors == []
    assert_same_state(restored, state)
    np.testing.assert_array_equal(restored.bank[1, :, :, 0], preset_kernel("sobel x", 5))
    np.testing.assert_array_equal(restored.bank[5], random_filters(1, 5, 5, 1, seed=46)[0])
    assert restored.names[5] == "random (seed 46)"


def test_a_kernel_that_only_looks_like_a_preset_keeps_its_own_values() -> None:
    state = StudioState()
    state.bank = state.bank.copy()
    state.bank[1, 0, 0, 0] = 0.1 + 0.2  # still named "sobel x", but no longer sobel x
    restored, _ = from_query(through_the_address_bar(to_query(state)))
    assert bits(restored.bank) == bits(state.bank)


def test_the_largest_bank_of_distinct_values_fits_the_link_and_reads_back() -> None:
    # 32 filters of 7x7x3, every value a different float64 needing 17 digits and an exponent, the longest
    # names (60 random characters outside the BMP, 12 characters each in JSON) and long biases.
    rng = np.random.default_rng(2026)
    state = StudioState(channels=3)
    shape = (MAX_FILTERS, MAX_KERNEL, MAX_KERNEL, 3)
    state.bank = -rng.uniform(1, 10, shape) * 10.0 ** -rng.integers(100, 300, shape).astype(float)
    assert len(np.unique(state.bank)) == state.bank.size
    assert np.mean([len(repr(float(v))) for v in state.bank.reshape(-1)]) > 22
    state.bias = -rng.uniform(1, 10, MAX_FILTERS) * 1e-299
    state.names = ["".join(chr(c) for c in rng.integers(0x1F000, 0x1FFFF, MAX_NAME_CHARS)) for _ in range(32)]
    clamp(state)
    params = to_query(state)
    assert len(params["bank"]) < MAX_BANK_CHARS
    restored, errors = from_query(through_the_address_bar(params))
    assert errors == []
    assert_same_state(restored, state)


def test_the_link_carries_a_small_pixel_grid_exactly_but_never_a_photo_or_its_name() -> None:
    state = StudioState()
    levels = np.arange(16 * 12).reshape(16, 12) % 256
    state.image = np.repeat(levels[:, :, None] / 255.0, 3, axis=2)
    state.input_kind, state.input_name, state.source = "pixels", "my ☃ grid", "grid"
    restored, errors = from_query(through_the_address_bar(to_query(state)))
    assert errors == []
    assert bits(restored.image) == bits(state.image)
    assert restored.input_name == "my ☃ grid" and restored.source == "grid"

    state.input_kind, state.input_name = "upload", "holiday_secret.png"
    params = to_query(state)
    assert "image" not in params and "name" not in params and "example" not in params
    assert "holiday_secret" not in urlencode(params)


def test_a_list_value_counts_by_its_last_entry_and_unknown_keys_are_ignored() -> None:
    restored, errors = from_query({"stride": ["1", "3"], "utm_source": "x", "": "y"})
    assert restored.stride == 3 and errors == []


# --- The strict parser on hostile input -----------------------------------------------------------------------
KEYS = ["example", "image", "name", "channels", "size", "stride", "padding", "dilation", "filter", "step",
        "speed", "activation", "maps", "pool", "bias", "present", "bank"]
MARK = "Qz"  # every hostile text carries this; an error that repeats the rejected text would show it


def b64(payload: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(payload)).decode().rstrip("=")


HOSTILE_TEXT = st.one_of(
    st.text(max_size=80).map(lambda t: MARK + t),
    st.text(st.characters(codec="utf-8"), max_size=20).map(lambda t: t + MARK),
    st.sampled_from(["1e3", "0x10", "1_0", "nan", "inf", "-0", "+1", " 2 ", "１", "4.0", "99999999999"]).map(
        lambda t: t + MARK if len(t) > 3 else t),
    st.integers(-10**30, 10**30).map(lambda v: f"{MARK}{v}"),
    st.integers(65, 500_000).map(lambda n: MARK + "7" * n),
)
HOSTILE_VALUE = st.one_of(
    HOSTILE_TEXT,
    st.lists(HOSTILE_TEXT, max_size=3),
    st.none(),
    st.integers(),
    st.floats(),
    st.binary(max_size=20),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def assert_plain_sentences(errors: list[str]) -> None:
    """Every hostile text carries MARK, so an error that repeats rejected text would show it."""
    for error in errors:
        assert isinstance(error, str) and 8 <= len(error) <= 200 and "\n" not in error
        assert error[0].isalpha(), error
        assert "Traceback" not in error and "Error" not in error
        assert MARK not in error, f"the error repeats the rejected text: {error!r}"


def assert_valid(state: StudioState) -> None:
    for key, (lo, hi) in RANGES.items():
        value = getattr(state, key)
        assert type(value) is int and lo <= value <= hi, key
    assert type(state.channels) is int and state.channels in CHANNELS and state.speed_ms in SPEEDS_MS
    assert state.activation in ACTIVATION_NAMES and state.maps in MAPS and state.pooling in POOLS
    assert state.example in EXAMPLES
    n, kh, kw, c = state.bank.shape
    assert 1 <= n <= MAX_FILTERS and 1 <= kh <= MAX_KERNEL and 1 <= kw <= MAX_KERNEL and c == state.channels
    assert np.isfinite(state.bank).all() and np.abs(state.bank).max() <= KERNEL_LIMIT
    assert state.bias.shape == (n,) and np.isfinite(state.bias).all()
    assert len(state.names) == n and all(isinstance(s, str) and len(s) <= MAX_NAME_CHARS for s in state.names)
    assert 0 <= state.selected < n and 0 <= state.step < MAX_STEPS
    assert type(state.use_bias) is bool and type(state.presentation) is bool


@given(st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), HOSTILE_VALUE, max_size=10))
def test_the_parser_never_raises_and_its_errors_never_repeat_the_rejected_text(params: dict) -> None:
    state, errors = from_query(params)
    assert_valid(state)
    assert_plain_sentences(errors)


@given(st.sampled_from(["stride", "padding", "dilation", "size", "step", "channels", "bias", "present", "speed"]),
       st.integers(-10**6, 10**6))
def test_the_parser_takes_exactly_the_whole_numbers_in_range(key: str, value: int) -> None:
    attr = {"size": "working_size", "step": "step", "bias": "use_bias", "present": "presentation",
            "speed": "speed_ms"}.get(key, key)
    state, errors = from_query({key: str(value)})
    limits = {"step": (1, MAX_STEPS), "channels": (1, 3), "bias": (0, 1), "present": (0, 1),
              "speed": (min(SPEEDS_MS), max(SPEEDS_MS))}.get(key) or RANGES[attr]
    accepted = limits[0] <= value <= limits[1] and not (key == "channels" and value == 2)
    if accepted:
        assert errors == []
        expected = value - 1 if key == "step" else value
        if key == "speed":
            expected = min(SPEEDS_MS, key=lambda s: abs(s - value))
        assert getattr(state, attr) == expected
    else:
        assert len(errors) == 1 and key in errors[0]
        assert getattr(state, attr) == getattr(StudioState(), attr)


def hostile_banks() -> list[tuple[str, str]]:
    """Payloads in the bank's own format (zlib, base64url) that must each be refused with a sentence."""
    good = {"k": [3, 3], "f": [["a", ["values", 3, 3, [0.5] * 9], 0]]}

    def with_(**change: object) -> str:
        return b64(json.dumps({**good, **change}).encode())

    def entry(recipe: object, bias: object = 0, name: object = "a") -> str:
        return with_(f=[[name, recipe, bias]])

    return [
        ("not base64", "Qz!!**"),
        ("not zlib", base64.urlsafe_b64encode(b"Qz plain text").decode().rstrip("=")),
        ("not json", b64(b"{Qz")),
        ("a NaN", b64(b'{"k":[3,3],"f":[["a",["values",3,3,[NaN,0,0,0,0,0,0,0,0]],0]]}')),
        ("an infinity", b64(b'{"k":[3,3],"f":[["a",["values",3,3,[1e999,0,0,0,0,0,0,0,0]],0]]}')),
        ("a zip bomb", b64(b"[" + b" " * 30_000_000 + b"]")),
        ("deep nesting", b64(b"[" * 100_000 + b"]" * 100_000)),
        ("not a dict", b64(b"[1, 2]")),
        ("no filters", with_(f=[])),
        ("33 filters", with_(f=good["f"] * 33)),
        ("kernel 8x8", with_(k=[8, 8])),
        ("kernel 0x3", with_(k=[0, 3])),
        ("kernel as floats", with_(k=[3.0, 3.0])),
        ("kernel as bools", with_(k=[True, True])),
        ("too few values", entry(["values", 3, 3, [1] * 8])),
        ("a value too large", entry(["values", 3, 3, [2e6] * 9])),
        ("a string value", entry(["values", 3, 3, ["Qz"] * 9])),
        ("a bool value", entry(["values", 3, 3, [True] * 9])),
        ("size mismatch", entry(["values", 5, 5, [1] * 25])),
        ("unknown preset", entry(["preset", "Qz"])),
        ("preset in a size it lacks", with_(k=[4, 4], f=[["a", ["preset", "sobel x"], 0]])),
        ("negative seed", entry(["random", -1])),
        ("huge seed", entry(["random", 10**12])),
        ("unknown recipe", entry(["Qz", 1])),
        ("a bias too large", entry(["values", 3, 3, [1] * 9], bias=1e7)),
        ("a bool bias", entry(["values", 3, 3, [1] * 9], bias=True)),
        ("a name that is not text", entry(["values", 3, 3, [1] * 9], name=7)),
        ("an entry of two", with_(f=[["a", ["values", 3, 3, [1] * 9]]])),
        ("longer than the limit", "A" * (MAX_BANK_CHARS + 1)),
    ]


HOSTILE_BANKS = hostile_banks()


@pytest.mark.parametrize("name, bank", HOSTILE_BANKS, ids=[n for n, _ in HOSTILE_BANKS])
def test_a_hostile_bank_is_refused_with_one_sentence_and_the_default_filters_stand(name: str, bank: str) -> None:
    state, errors = from_query({"bank": bank, "stride": "2"})
    assert len(errors) == 1, errors
    assert_plain_sentences(errors)
    default = StudioState()
    assert bits(state.bank) == bits(default.bank) and state.names == default.names
    assert state.stride == 2  # the rest of the link is kept


def test_a_long_name_in_a_bank_is_cut_not_refused() -> None:
    payload = {"k": [1, 1], "f": [["n" * 500, ["values", 1, 1, [2.5]], 0.25]]}
    state, errors = from_query({"bank": b64(json.dumps(payload).encode())})
    assert errors == []
    assert state.names == ["n" * MAX_NAME_CHARS] and state.bank.shape == (1, 1, 1, 1) and state.bias[0] == 0.25


def test_a_mapping_that_cannot_be_read_is_the_same_as_no_link() -> None:
    class Broken(dict):
        def __iter__(self):
            raise RuntimeError("boom")

    state, errors = from_query(Broken(stride="2"))
    assert state.stride == 1 and len(errors) == 1 and "boom" not in errors[0]


def test_a_filter_number_past_the_link_own_filters_is_refused() -> None:
    state, errors = from_query({"filter": "9"})
    assert state.selected == 0 and len(errors) == 1 and "(4)" in errors[0]


# --- clamp -------------------------------------------------------------------------------------------------------
ABSURD = [float("nan"), float("inf"), -float("inf"), -1e300, 1e300, "3", None, True, [2], np.int64(10**9), -7]


@pytest.mark.parametrize("value", ABSURD, ids=repr)
def test_clamp_brings_any_absurd_scalar_back_in_range(value: object) -> None:
    state = StudioState()
    for key in ("working_size", "stride", "padding", "dilation", "speed_ms", "selected", "step"):
        setattr(state, key, value)
    for key in ("channels", "source", "example", "activation", "maps", "pooling", "use_bias", "presentation"):
        setattr(state, key, value)
    assert_valid(clamp(state))
    number = None if isinstance(value, (bool, str, list, type(None))) else float(value)
    if number is not None and math.isfinite(number):
        lo, hi = RANGES["stride"]
        assert state.stride == min(max(round(number), lo), hi)
    else:
        assert state.stride == 1 and state.working_size == StudioState().working_size


def test_clamp_fits_bias_names_selection_and_channels_to_the_bank() -> None:
    state = StudioState(channels=3)
    state.bias = np.array([1.0, 2.0])
    state.names = ["x" * 200]
    state.selected, state.step = 99, -5
    clamp(state)
    assert state.bank.shape == (4, 3, 3, 3)
    np.testing.assert_array_equal(state.bank[:, :, :, 0], state.bank[:, :, :, 2])
    assert state.bias.shape == (4,)
    assert state.names[0] == "x" * MAX_NAME_CHARS and len(state.names) == 4
    assert state.selected == 3 and state.step == 0


# --- Bank operations -----------------------------------------------------------------------------------------------
def centre_pad(kernel: np.ndarray, to: int) -> np.ndarray:
    extra = (to - kernel.shape[0]) // 2
    return np.pad(kernel, ((extra, extra), (extra, extra)))


def test_resize_rebuilds_presets_in_the_new_size_and_pads_the_rest_in_the_centre() -> None:
    state = StudioState()
    x_kernel, outline = state.bank[0, :, :, 0].copy(), state.bank[3, :, :, 0].copy()
    state.bias = np.array([1.0, 2.0, 3.0, 4.0])
    resize_bank(state, 6, 7, 7)
    assert state.bank.shape == (6, 7, 7, 1)
    np.testing.assert_array_equal(state.bank[0, :, :, 0], centre_pad(x_kernel, 7))
    assert 7 not in preset_sizes("sobel x")
    np.testing.assert_array_equal(state.bank[3, :, :, 0], centre_pad(outline, 7))
    for i in (4, 5):
        np.testing.assert_array_equal(state.bank[i], random_filters(1, 7, 7, 1, seed=i)[0])
        assert state.names[i] == f"random (seed {i})"
    np.testing.assert_array_equal(state.bias, [1, 2, 3, 4, 0, 0])
    assert state.names[:4] == StudioState().names[:4]

    resize_bank(state, 6, 5, 5)  # back to a size sobel exists in: the 5x5 preset, not a crop of the 7x7
    np.testing.assert_array_equal(state.bank[1, :, :, 0], preset_kernel("sobel x", 5))
    np.testing.assert_array_equal(state.bank[2, :, :, 0], preset_kernel("sobel y", 5))
    np.testing.assert_array_equal(state.bank[0, :, :, 0], centre_pad(x_kernel, 7)[1:6, 1:6])


def test_resize_to_a_non_square_kernel_crops_and_pads_and_the_count_is_clamped() -> None:
    state = StudioState()
    original = state.bank.copy()
    state.selected = 3
    resize_bank(state, 2, 1, 5)
    assert state.bank.shape == (2, 1, 5, 1) and state.selected == 1
    np.testing.assert_array_equal(state.bank[:, 0, :, 0], np.pad(original[:2, 1, :, 0], ((0, 0), (1, 1))))
    resize_bank(state, 10**6, 0, 99)
    assert state.bank.shape == (MAX_FILTERS, 1, MAX_KERNEL, 1)


def test_rgb_copies_each_kernel_into_three_channels_and_grayscale_averages_them() -> None:
    state = StudioState()
    rng = np.random.default_rng(3)
    state.bank = rng.normal(size=(4, 3, 2, 1))
    original = state.bank.copy()
    note = set_channels(state, 3)
    assert state.channels == 3 and "copied into all 3 channels" in note
    np.testing.assert_array_equal(state.bank, np.repeat(original, 3, axis=3))
    state.bank = rng.normal(size=(4, 3, 2, 3))
    rgb = state.bank.copy()
    note = set_channels(state, 1)
    assert "averaged" in note and state.bank.shape == (4, 3, 2, 1)
    np.testing.assert_allclose(state.bank[..., 0], rgb.mean(axis=3), rtol=1e-15, atol=1e-15)
    before = state.bank.copy()
    assert set_channels(state, 1) is None and bits(state.bank) == bits(before)


def test_apply_preset_sets_the_kernel_and_its_name() -> None:
    state = StudioState(channels=3)
    clamp(state)
    assert apply_preset(state, 2, "laplacian") is None
    np.testing.assert_array_equal(state.bank[2], np.repeat(preset_kernel("laplacian", 3)[:, :, None], 3, axis=2))
    assert state.names[2] == "laplacian"


@pytest.mark.parametrize("size, name, words", [((4, 4), "sobel x", "3x3, 5x5"), ((3, 5), "identity", "3x5"),
                                               ((5, 5), "emboss", "3x3"), ((3, 3), "no such", "no preset")])
def test_apply_preset_refuses_a_size_it_lacks_and_keeps_the_bank(size: tuple[int, int], name: str,
                                                                  words: str) -> None:
    state = StudioState()
    resize_bank(state, 4, *size)
    before, names = state.bank.copy(), list(state.names)
    message = apply_preset(state, 0, name)
    assert message and words in message
    assert bits(state.bank) == bits(before) and state.names == names


def test_randomize_is_seeded_and_touches_only_the_filters_asked_for() -> None:
    state = StudioState()
    before = state.bank.copy()
    randomize(state, 1, seed=7)
    np.testing.assert_array_equal(state.bank[1], random_filters(1, 3, 3, 1, seed=8)[0])
    np.testing.assert_array_equal(np.delete(state.bank, 1, axis=0), np.delete(before, 1, axis=0))
    assert state.names[1] == "random (seed 8)" and state.names[0] == StudioState().names[0]
    randomize(state, None, seed=100)
    for i in range(4):
        np.testing.assert_array_equal(state.bank[i], random_filters(1, 3, 3, 1, seed=100 + i)[0])
    again = StudioState()
    randomize(again, None, seed=100)
    assert bits(again.bank) == bits(state.bank)
    randomize(again, None, seed=101)
    assert bits(again.bank) != bits(state.bank)


def test_edited_values_mark_the_name_once_and_unchanged_values_do_not() -> None:
    state = StudioState(channels=3)
    clamp(state)
    before = state.bank.copy()
    set_kernel_values(state, 1, 2, state.bank[1, :, :, 2])
    assert state.names[1] == "sobel x" and bits(state.bank) == bits(before)
    set_kernel_values(state, 1, 2, np.full((3, 3), 0.25))
    assert state.names[1] == "sobel x (edited)"
    np.testing.assert_array_equal(state.bank[1, :, :, 2], 0.25)
    np.testing.assert_array_equal(state.bank[1, :, :, :2], before[1, :, :, :2])
    np.testing.assert_array_equal(np.delete(state.bank, 1, axis=0), np.delete(before, 1, axis=0))
    set_kernel_values(state, 1, None, np.ones((3, 3, 3)))
    assert state.names[1] == "sobel x (edited)"
    np.testing.assert_array_equal(state.bank[1], 1.0)
    state.names[0] = "y" * MAX_NAME_CHARS
    set_kernel_values(state, 0, 0, np.zeros((3, 3)))
    assert len(state.names[0]) <= MAX_NAME_CHARS


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e7, "1", None])
def test_a_bias_that_is_not_a_usable_number_is_refused(value: object) -> None:
    state = StudioState()
    assert set_bias(state, 0, value)
    np.testing.assert_array_equal(state.bias, 0)
    assert set_bias(state, 2, -0.5) is None and state.bias[2] == -0.5


# --- Typed kernels -------------------------------------------------------------------------------------------------
@settings(max_examples=30)
@given(st.integers(1, 7), st.integers(1, 7), st.sampled_from([1, 3]), st.integers(0, 2**32 - 1))
def test_kernel_text_reads_back_bit_exact(kh: int, kw: int, c: int, seed: int) -> None:
    kernel = wide_floats(np.random.default_rng(seed), (kh, kw, c))
    assert bits(parse_kernel(kernel_to_text(kernel), kh, kw, c)) == bits(kernel)


def test_one_block_of_typed_values_serves_every_channel() -> None:
    got = parse_kernel("1, 2; 3 -4.5e-1", 2, 2, 3)
    np.testing.assert_array_equal(got, np.repeat(np.array([[1, 2], [3, -0.45]])[:, :, None], 3, axis=2))


@pytest.mark.parametrize("text, words", [
    ("1 2\n3 nan", "not a plain number"), ("1 2\n3 inf", "not a plain number"), ("1 0x2\n3 4", "not a plain"),
    ("1 1_0\n3 4", "not a plain"), ("1 2\n3 4e9999", "not a plain"), ("1 2\n3 4e999", "finite numbers"),
    ("1 2 3\n4 5 6", "give 2 rows of 2"), ("", "type the kernel"), ("1 2\n3 4\n\n1 2\n3 4", "one block"),
    ("1 " * 20_000, "at most 20,000"),
])
def test_typed_kernel_text_that_is_not_a_kernel_is_refused_with_a_sentence(text: str, words: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_kernel(text, 2, 2, 3)
    assert words in str(info.value)
    assert "nan" not in str(info.value) and "0x2" not in str(info.value)


# --- One range per field, for the parser and the widgets ---------------------------------------------------------
def bank_link(entries: list, size: tuple[int, int] = (3, 3)) -> str:
    payload = json.dumps({"k": list(size), "f": entries}, separators=(",", ":"))
    return base64.urlsafe_b64encode(zlib.compress(payload.encode())).decode().rstrip("=")


@pytest.mark.parametrize("bias", [BIAS_RANGE[1] + 0.5, BIAS_RANGE[0] - 1, 1e6])
def test_a_bias_the_bias_input_cannot_hold_is_refused_by_the_link(bias: float) -> None:
    # Guards: studio_state.BIAS_RANGE, read by decode_bank and the bias number_input (a bias of 1e6 from a link
    # made the filter editor fail with StreamlitValueAboveMaxError on every run).
    restored, errors = from_query({"bank": bank_link([["a", ["preset", "identity"], bias]]), "bias": "1"})
    assert errors == ["filter 1's bias must be a number between -100 and 100"]
    assert restored.n_filters == StudioState().n_filters


def test_a_bias_at_either_end_of_the_range_is_kept() -> None:
    restored, errors = from_query({"bank": bank_link([["a", ["preset", "identity"], BIAS_RANGE[0]],
                                                      ["b", ["preset", "identity"], BIAS_RANGE[1]]])})
    assert errors == [] and list(restored.bias) == list(BIAS_RANGE)


def test_an_integer_of_5000_digits_in_a_bank_gets_our_sentence_not_pythons() -> None:
    payload = '{"k":[3,3],"f":[["a",["random",' + "7" * 5000 + '],0]]}'
    text = base64.urlsafe_b64encode(zlib.compress(payload.encode())).decode().rstrip("=")
    restored, errors = from_query({"bank": text})
    assert errors == ["the filters are not in the link's format"]
    assert not any("digits" in e or "int_max_str" in e for e in errors)


@pytest.mark.parametrize("kind", ["upload", "drawing"])
def test_a_link_made_from_an_upload_or_drawing_says_the_picture_is_not_in_it(kind: str) -> None:
    from visualizer.studio_state import NOT_IN_LINK

    state = StudioState(stride=2, channels=3)
    state.bank = np.ones((2, 3, 3, 3))
    state.bias, state.names = np.zeros(2), ["a", "b"]
    state.image = np.full((40, 30, 3), 0.5)
    state.input_kind, state.input_name = kind, "cat <b>.png"
    query = urlencode(to_query(state), safe=",()")
    params = {k: v[-1] for k, v in parse_qs(query).items()}
    assert params["missing"] == kind and "example" not in params and "image" not in params
    assert "cat" not in query  # the person's file name is not written into the link
    opened, errors = from_query(params)
    assert errors == [NOT_IN_LINK[kind]]
    assert opened.input_kind == "example" and opened.stride == 2 and opened.channels == 3
    np.testing.assert_array_equal(opened.bank, state.bank)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=9),
                  elements=st.one_of(st.floats(0, 1), st.integers(0, 255).map(lambda k: k / 255.0))))
def test_the_state_reads_back_exactly_the_image_it_was_given_kept_as_levels_when_it_is_made_of_them(image) -> None:
    """The image is kept as 8-bit levels only when that loses nothing; it reads back equal, read-only."""
    state = StudioState()
    state.image = image
    np.testing.assert_array_equal(state.image, image)
    assert state.image.dtype == np.float64 and not state.image.flags.writeable
    made_of_levels = np.array_equal(np.rint(image * 255) / 255.0, image)
    assert (state._image.dtype == np.uint8) == made_of_levels
    copy = state.image.copy()
    copy[0, 0, 0] = 0.5
    state.image = copy  # a view that changes the image sets a new one
    assert state.image[0, 0, 0] == 0.5
