"""The studio's whole state as one typed value, every change to its filter bank, and its share link.

Pure: no Streamlit. The UI keeps one :class:`StudioState` per visitor under a session key that no widget
owns (widgets are views of it), so it survives page switches; :func:`to_query` / :func:`from_query`
turn it into a share link and back. The parser is strict and never raises: every value is checked for
type, range and size, a bad value is left out with a plain sentence saying why, and the rest is kept.

Link format (all values are ours; names are a person's text and are shown escaped by the UI)::

    ?example=Founding%205x5%20(binary)&channels=1&size=24&stride=1&padding=0&dilation=1&filter=1&step=5
     &speed=400&activation=relu&maps=animation&pool=none&bias=0&bank=<zlib+base64url JSON>

and, when they are not the default, ``kind=transposed`` (the kind of convolution) and ``field=2`` (the
receptive field of two stacked layers).

``bank`` holds every filter as ``[name, recipe, bias]``: a recipe is ``["preset", name]`` or
``["random", seed]`` when the kernel is exactly that (checked bit for bit when the link is written), or
``["values", kh, kw, [...]]`` with every value written as the shortest decimal that reads back to the
same float64 (Python's ``repr``), so kernels round-trip exactly. The link has no length limit that its
own banks can exceed: the largest bank (32 filters of 7x7x3 arbitrary floats) encodes to well under
``MAX_BANK_CHARS``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import math
import re
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache

import numpy as np

from .activations import ACTIVATION_NAMES
from .family import KINDS as CONV_KINDS
from .filters import PRESET_NAMES, convert_bank, expand_kernel, preset_kernel, preset_sizes, random_filters
from .images import EXAMPLES, example_names, example_size

MAX_FILTERS = 32
MAX_KERNEL = 7
KERNEL_LIMIT = 1e6  # |value| of a kernel value
# Every number field's one range: the link's parser, clamp and the widgets all read it from here, so a value the
# link accepts is always one the widget accepts (a bias of 1e6 from a link once broke the bias input).
BIAS_RANGE = (-100.0, 100.0)
MAX_NAME_CHARS = 60  # a filter's name, as kept (longer names are cut)
MAX_KERNEL_TEXT = 20_000  # typed kernel text is refused beyond this length before it is parsed
MIN_WORKING, MAX_WORKING, DEFAULT_WORKING = 5, 64, 24
MAX_STEPS = 20_000  # the trace's own limit; the UI clips the step to the steps there are
SPEEDS_MS = (50, 100, 200, 400, 700, 1000, 2000)
CHANNELS = (1, 3)
MAPS = ("animation", "full")  # feature maps on the animation's image, or on the full image
MAP_SCALES = ("own", "shared")  # a photo's feature maps: each on its own colour scale, or one for all
# A picture larger than this a side is a photo: its animation runs on a region at the photo's own pixels, and its
# feature maps are computed on the whole picture (smaller pictures are shrunk to the working size, as before).
PHOTO_MIN_SIDE = 65
MAX_PICTURE_SIDE = 640  # a picture is kept at most this large (an upload's 640x480 stays at its own pixels)
# A photo's animation runs on a square this many pixels a side unless a person (or a link) says otherwise: at
# 1366x768 the player writes every pixel's number in its cell (a photo's pixels need three digits; at 8 they no
# longer fit), and 4x4 steps of a 3x3 kernel play in 6 s. The slider goes up to 64.
PHOTO_REGION = 6
POOLS = ("none", "max", "avg")
SOURCES = ("example", "upload", "draw", "grid")
RANGES: dict[str, tuple[int, int]] = {
    "working_size": (MIN_WORKING, MAX_WORKING),
    "stride": (1, 4),
    "padding": (0, 3),
    "dilation": (1, 4),
    "field_layers": (1, 2),
    "groups": (1, MAX_FILTERS),  # the grouped kind's g; it must also divide C and N (visualizer.family.kind_groups)
}
# Link limits: scalars are short; the bank is compressed JSON. The largest bank our encoder can write
# (32 x 7x7x3 float64 of 17 significant digits, long names) is about 130,000 characters.
MAX_VALUE_CHARS = 64
MAX_BANK_CHARS = 400_000
MAX_BANK_JSON = 2_000_000  # decompressed size cap (a zip bomb in a link stops here)
MAX_IMAGE_SIDE_IN_LINK = 16
# Inputs whose pixels a link cannot carry: the link names the kind, and opening it says what is missing.
NOT_IN_LINK = {
    "upload": "the image was an upload, and an upload's pixels are not kept in the link or on another server: "
              "upload it again (an example stands in until then)",
    "drawing": "the image was a canvas drawing, which is not kept in the link or on another server: draw it again "
               "(an example stands in until then)",
}
FOUNDING_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
DEFAULT_FILTERS = [("X (founding example)", None), ("sobel x", "sobel x"), ("sobel y", "sobel y"),
                   ("outline", "outline")]


def _default_filters(channels: int = 1) -> tuple[np.ndarray, list[str], list[list]]:
    kernels, names, recipes = [], [], []
    for name, preset in DEFAULT_FILTERS:
        kernels.append(expand_kernel(FOUNDING_KERNEL if preset is None else preset_kernel(preset, 3), channels))
        names.append(name)
        recipes.append(["preset", preset] if preset else ["values"])
    return np.stack(kernels), names, recipes


_read_pixels = threading.local()  # one visitor's run at a time reads its image as floats (see _Pixels)


def compact_pixels(image: np.ndarray | None) -> np.ndarray | None:
    """``image`` as it is kept: its 8-bit levels (uint8) when every value is exactly ``level / 255`` (a decoded
    photo or an example), else a read-only float64 copy."""
    if image is None:
        return None
    arr = np.array(image, dtype=np.float64)  # the state's own copy, read-only like the levels' floats
    arr.flags.writeable = False
    levels = np.rint(arr * 255.0)
    if arr.size and (levels.min() < 0 or levels.max() > 255):
        return arr
    small = levels.astype(np.uint8)
    return small if np.array_equal(small / 255.0, arr) else arr


class _Pixels:
    """The state's ``image``: read as float64 ``(H, W, 3)`` in [0, 1], kept as 8-bit levels when it is exactly made
    of them (:func:`compact_pixels`).

    Every visitor's session keeps its picture for as long as it lives, including two minutes after the page closed:
    a 640x640 photo is 9.8 MB as floats, 1.2 MB as levels, and twenty visitors' photos were 205 MB of a 717 MB peak
    (bench/bench_limits.py --crowd). The floats are made again on reading, once per script run and thread (a run is
    one thread), and are read-only: a view that changes the image sets a new one."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj: object, objtype: type | None = None) -> np.ndarray | None:
        if obj is None:  # the dataclass asks for the default
            return None
        kept = obj.__dict__.get(self.slot)
        if kept is None or kept.dtype != np.uint8:
            return kept
        memo = getattr(_read_pixels, "memo", None)
        if memo is None or memo[0] is not kept:
            floats = kept / 255.0
            floats.flags.writeable = False
            memo = _read_pixels.memo = (kept, floats)
        return memo[1]

    def __set__(self, obj: object, value: np.ndarray | None) -> None:
        obj.__dict__[self.slot] = compact_pixels(value)


@contextlib.contextmanager
def reading_pixels() -> Iterator[None]:
    """Read states' images in this block, then drop the floats this thread made of them: for work outside a script
    run (a download made later runs in one of Streamlit's long-lived threads, which would keep them)."""
    try:
        yield
    finally:
        _read_pixels.memo = None


@dataclass
class StudioState:
    """Everything the studio shows, for one visitor.

    - source: which input panel is open ("example", "upload", "draw", "grid"); example: the example chosen;
    - image: the input as RGB ``(H, W, 3)`` in [0, 1] (at most 256 a side); input_name: where it came
      from, as a person would say it (a file name is a person's text: show it escaped); input_kind:
      "example", "upload", "drawing" or "pixels";
    - channels: 1 (grayscale) or 3 (RGB); working_size: the animation's image is at most this many pixels a side;
    - bank ``(N, kh, kw, C)``, bias ``(N,)``, names (N), use_bias; selected: the filter shown (0-based);
    - stride, padding, dilation; step: the animation's current step (0-based); speed_ms: per step when playing;
    - activation, maps ("animation" | "full"), pooling ("none" | "max" | "avg"); presentation: projector mode;
    - field_layers: the receptive field under the player, of one layer or of two identical layers stacked.
    - groups: the grouped kind's number of groups (link ``groups=``); the layer runs with it when it divides the
      channels and the filters, else the screen says so and names the nearest that does.
    - region: for a photo (see :func:`is_photo`), the top-left ``(row, column)`` of the square the animation runs
      on, at the photo's own pixels (None: the centre); map_scale: the photo's maps, each on its "own" colour
      scale or one "shared" scale.
    """

    source: str = "example"
    example: str = field(default_factory=lambda: example_names()[0])
    image: np.ndarray | None = _Pixels()  # type: ignore[assignment]  # kept compact, read as floats
    input_name: str = field(default_factory=lambda: example_names()[0])
    input_kind: str = "example"
    channels: int = 1
    working_size: int = DEFAULT_WORKING
    bank: np.ndarray = field(default_factory=lambda: _default_filters()[0])
    bias: np.ndarray = field(default_factory=lambda: np.zeros(len(DEFAULT_FILTERS)))
    names: list[str] = field(default_factory=lambda: _default_filters()[1])
    use_bias: bool = False
    selected: int = 0
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    step: int = 0
    speed_ms: int = 400
    activation: str = "relu"
    maps: str = "animation"
    pooling: str = "none"
    presentation: bool = False
    field_layers: int = 1  # the receptive-field view under the player: one layer, or two identical ones stacked
    kind: str = "standard"  # the kind of convolution (visualizer.family.KINDS)
    groups: int = 1  # the grouped kind's number of groups (a g that does not divide C and N is said so on screen)
    region: tuple[int, int] | None = None
    map_scale: str = "own"

    @property
    def n_filters(self) -> int:
        return int(self.bank.shape[0])

    @property
    def kernel_size(self) -> tuple[int, int]:
        return int(self.bank.shape[1]), int(self.bank.shape[2])

    @property
    def effective_bias(self) -> np.ndarray:
        """The bias the convolution adds: ``bias`` when it is switched on, else zeros."""
        return self.bias.copy() if self.use_bias else np.zeros(self.n_filters)


# --- Keeping a state valid --------------------------------------------------------------------------------
def _whole(value: object) -> int | None:
    """``value`` as an int when it is a finite whole-valued number (not a bool), else None."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    if not math.isfinite(float(value)):
        return None
    return int(round(float(value)))


class _Defaults:
    """A new state's numbers and choices (clamp's fallbacks), built once: a new StudioState also builds its
    default filter bank, and clamp runs on every view of the state."""

    def __init__(self) -> None:
        fresh = StudioState()
        for key in (*RANGES, "source", "example", "activation", "maps", "pooling", "map_scale", "kind"):
            setattr(self, key, getattr(fresh, key))


@lru_cache(maxsize=1)
def _scalar_defaults() -> _Defaults:
    return _Defaults()


def clamp(state: StudioState) -> StudioState:
    """Put every field back in range (in place) and return ``state``.

    Values set by code or by a hostile client can be anything; a number is clamped to its range, a value
    that is not a number or not a known choice becomes the default. The bank keeps its values but gets
    the state's channels; the selected filter and the step are clipped to what exists (the step's upper
    end is clipped again by the animation, which knows its number of steps).
    """
    default = _scalar_defaults()
    for key, (lo, hi) in RANGES.items():
        value = _whole(getattr(state, key))
        setattr(state, key, getattr(default, key) if value is None else int(np.clip(value, lo, hi)))
    channels = _whole(state.channels)
    state.channels = channels if channels in CHANNELS else 1
    for key, options in (("source", SOURCES), ("example", list(EXAMPLES)), ("activation", ACTIVATION_NAMES),
                         ("maps", MAPS), ("pooling", POOLS), ("map_scale", MAP_SCALES), ("kind", CONV_KINDS)):
        if not isinstance(getattr(state, key), str) or getattr(state, key) not in options:
            setattr(state, key, getattr(default, key))
    speed = _whole(state.speed_ms)
    state.speed_ms = min(SPEEDS_MS, key=lambda s: abs(s - speed)) if speed is not None else 400
    for key in ("use_bias", "presentation"):
        if not isinstance(getattr(state, key), (bool, np.bool_)):
            setattr(state, key, False)
        setattr(state, key, bool(getattr(state, key)))
    state.region = _clamp_region(state.region)
    if state.bank.shape[3] != state.channels:
        state.bank = convert_bank(state.bank, state.channels)
    n = state.n_filters
    if state.bias.shape != (n,):
        state.bias = np.resize(np.asarray(state.bias, dtype=float), n) if state.bias.size else np.zeros(n)
    bias = np.nan_to_num(np.asarray(state.bias, dtype=float), nan=0.0)
    state.bias = np.clip(bias, *BIAS_RANGE)
    names = [str(v)[:MAX_NAME_CHARS] for v in list(state.names)[:n]]
    state.names = names + [f"filter {i + 1}" for i in range(len(names), n)]
    selected = _whole(state.selected)
    state.selected = int(np.clip(selected if selected is not None else 0, 0, n - 1))
    step = _whole(state.step)
    state.step = int(np.clip(step if step is not None else 0, 0, MAX_STEPS - 1))
    return state


def _clamp_region(region: object) -> tuple[int, int] | None:
    """A region's ``(row, column)`` as two whole numbers of at least 0 (the image's own size clips it further, in
    :func:`photo_region`), or None when it is not a pair of numbers."""
    if not isinstance(region, (tuple, list)) or len(region) != 2:
        return None
    values = [_whole(v) for v in region]
    if any(v is None for v in values):
        return None
    return tuple(int(np.clip(v, 0, MAX_PICTURE_SIDE - 1)) for v in values)  # type: ignore[return-value]


# --- A photo and the region the animation runs on -----------------------------------------------------------
def is_photo(state: StudioState) -> bool:
    """Is the input a photo (an upload or an example larger than ``PHOTO_MIN_SIDE - 1`` a side)? Then the animation
    runs on a region of it at its own pixels, and the feature maps are computed on all of it. A drawing, a pixel
    grid and the small examples are shrunk to the working size instead."""
    image = state.image
    return image is not None and state.input_kind in ("upload", "example") and max(image.shape[:2]) >= PHOTO_MIN_SIDE


def photo_region(state: StudioState) -> tuple[int, int, int, int] | None:
    """The animated square of a photo as ``(row, column, height, width)`` in the photo's pixels, inside it (the
    state's ``region``, clipped; its centre when None), or None when the input is not a photo.

    Its side is the working size; its top-left corner is a multiple of the stride, so that the animation's output
    cells are cells of the full feature map (see :func:`region_in_map`)."""
    if not is_photo(state):
        return None
    h, w = state.image.shape[:2]
    rh, rw = min(state.working_size, h), min(state.working_size, w)
    y, x = state.region if state.region is not None else ((h - rh) // 2, (w - rw) // 2)
    s = max(1, int(state.stride))
    y, x = int(np.clip(y, 0, h - rh)), int(np.clip(x, 0, w - rw))
    return y - y % s, x - x % s, rh, rw


def region_centred_at(state: StudioState, row: float, col: float) -> tuple[int, int]:
    """The region's top-left corner that puts its centre on pixel ``(row, col)`` of the photo (clipped inside)."""
    h, w = state.image.shape[:2]
    rh, rw = min(state.working_size, h), min(state.working_size, w)
    y = int(np.clip(round(row - rh / 2), 0, h - rh))
    x = int(np.clip(round(col - rw / 2), 0, w - rw))
    return y, x


def region_in_map(region: tuple[int, int, int, int], out_shape: tuple[int, int], stride: int
                  ) -> tuple[int, int, int, int]:
    """Where the animation's ``out_shape`` output sits in the full feature map: ``(row, column, height, width)``.

    The animation's output cell (i, j) reads the photo's rows ``y + i*s + u*d - p``; the full map's cell (Y, X) reads
    ``Y*s + u*d - p``; with ``y`` a multiple of ``s`` they are the same cell when ``Y = y/s + i``. (With padding,
    the region's own border is padded with zeros where the full map sees the photo's pixels: only its edge cells
    can differ.)"""
    y, x = region[0] // stride, region[1] // stride
    return y, x, int(out_shape[0]), int(out_shape[1])


def region_text(state: StudioState) -> str | None:
    """``rows 120-135, columns 200-215 of 480x640``: the part of the photo the animation shows (None: no photo)."""
    region = photo_region(state)
    if region is None:
        return None
    y, x, rh, rw = region
    h, w = state.image.shape[:2]
    return f"rows {y}-{y + rh - 1}, columns {x}-{x + rw - 1} of {h}x{w}"


# --- Changes to the filter bank ----------------------------------------------------------------------------
def _fit_kernel(kernel: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Centre-crop or zero-pad a ``(h, w, C)`` kernel to ``(kh, kw, C)``."""
    h, w, c = kernel.shape
    out = np.zeros((kh, kw, c))
    sy, sx = max(0, (h - kh) // 2), max(0, (w - kw) // 2)
    dy, dx = max(0, (kh - h) // 2), max(0, (kw - w) // 2)
    ch, cw = min(h, kh), min(w, kw)
    out[dy:dy + ch, dx:dx + cw] = kernel[sy:sy + ch, sx:sx + cw]
    return out


def resize_bank(state: StudioState, n: int, kh: int, kw: int) -> None:
    """Change the number of filters and the kernel size, keeping what can be kept.

    A preset filter is rebuilt in the new size when the preset exists in it; other kernels are
    centre-cropped or zero-padded. New filters are seeded random ones.
    """
    n = int(np.clip(n, 1, MAX_FILTERS))
    kh, kw = int(np.clip(kh, 1, MAX_KERNEL)), int(np.clip(kw, 1, MAX_KERNEL))
    c = state.bank.shape[3]
    names = list(state.names)
    kernels = []
    for i in range(n):
        if i < len(names):
            name = names[i]
            if kh == kw and name in PRESET_NAMES and kh in preset_sizes(name):
                kernels.append(expand_kernel(preset_kernel(name, kh), c))
            else:
                kernels.append(_fit_kernel(state.bank[i], kh, kw))
        else:
            kernels.append(random_filters(1, kh, kw, c, seed=i)[0])
            names.append(f"random (seed {i})")
    state.bank = np.stack(kernels)
    state.bias = np.concatenate([state.bias[:n], np.zeros(max(0, n - len(state.bias)))])
    state.names = names[:n]
    state.selected = min(state.selected, n - 1)


def set_channels(state: StudioState, channels: int) -> str | None:
    """Give the input and every filter ``channels`` channels; returns a sentence saying how (None if unchanged)."""
    old = state.bank.shape[3]
    state.channels = channels
    if old == channels:
        return None
    state.bank = convert_bank(state.bank, channels)
    kh, kw = state.kernel_size
    if channels > old:
        return (f"Each {kh}x{kw} kernel was copied into all {channels} channels (R, G, B): a filter always has "
                "as many channels as its input, and the three channel sums are added into one number.")
    return f"Each filter's {old} channels were averaged into one {kh}x{kw} kernel for the grayscale input."


def apply_preset(state: StudioState, index: int, name: str) -> str | None:
    """Set filter ``index`` to a preset; returns an error message when the kernel size does not allow it."""
    kh, kw = state.kernel_size
    if name not in PRESET_NAMES:
        return f"There is no preset called {name!r}."
    if kh != kw or kh not in preset_sizes(name):
        sizes = ", ".join(f"{s}x{s}" for s in preset_sizes(name))
        return f"The {name} preset exists in {sizes}; the kernels are {kh}x{kw}. Change the kernel size first."
    bank = state.bank.copy()
    bank[index] = expand_kernel(preset_kernel(name, kh), state.bank.shape[3])
    state.bank = bank
    state.names = [*state.names[:index], name, *state.names[index + 1:]]
    return None


def randomize(state: StudioState, index: int | None, seed: int) -> None:
    """Seeded random values for one filter (or all filters when ``index`` is None)."""
    n, kh, kw, c = state.bank.shape
    bank, names = state.bank.copy(), list(state.names)
    for i in range(n) if index is None else [index]:
        bank[i] = random_filters(1, kh, kw, c, seed=seed + i)[0]
        names[i] = f"random (seed {seed + i})"
    state.bank, state.names = bank, names


def founding_bank(state: StudioState, seed: int = 1) -> None:
    """The founding example's first layer: 15 seeded random 3x3 filters."""
    state.bank = random_filters(15, 3, 3, state.bank.shape[3], seed=seed)
    state.bias = np.zeros(15)
    state.names = [f"random {i + 1}" for i in range(15)]
    state.selected = 0


def set_kernel_values(state: StudioState, index: int, channel: int | None, values: np.ndarray) -> None:
    """Write edited values into filter ``index`` (one channel, or every channel when None)."""
    bank = state.bank.copy()
    if channel is None:
        bank[index] = values
    else:
        bank[index, :, :, channel] = values
    if np.array_equal(bank, state.bank):
        return
    state.bank = bank
    if not state.names[index].endswith("(edited)"):
        state.names = [*state.names[:index], f"{state.names[index]} (edited)"[:MAX_NAME_CHARS],
                       *state.names[index + 1:]]


def kernel_value_error(value: object) -> str | None:
    """Why ``value`` cannot be a kernel value (None when it can): a finite number within ``KERNEL_LIMIT``.

    The one range of every kernel editor (the player's cells, the grid, typed values, the share link)."""
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))
            or not math.isfinite(float(value))):
        return "not a number"
    if abs(float(value)) > KERNEL_LIMIT:
        return f"keep it between {-KERNEL_LIMIT:,.0f} and {KERNEL_LIMIT:,.0f}"
    return None


def parse_kernel_value(text: object) -> float:
    """One typed kernel value (a plain decimal, as in :func:`parse_kernel`); raises ValueError saying why not."""
    if not isinstance(text, str) or len(text) > MAX_VALUE_CHARS or not _NUMBER.fullmatch(text.strip()):
        raise ValueError("not a number")
    value = float(text.strip())
    error = kernel_value_error(value)
    if error:
        raise ValueError(error)
    return value


def set_kernel_cell(state: StudioState, index: int, channel: int, row: int, col: int, value: float) -> str | None:
    """Set one value of filter ``index`` (cell ``row``, ``col`` of ``channel``); returns why not, or None."""
    n, kh, kw, c = state.bank.shape
    where = (index, row, col, channel)
    if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in where) or not (
            0 <= index < n and 0 <= row < kh and 0 <= col < kw and 0 <= channel < c):
        return "that cell is not in the kernel"
    error = kernel_value_error(value)
    if error:
        return error
    values = state.bank[index, :, :, channel].copy()
    values[row, col] = float(value)
    set_kernel_values(state, index, channel, values)
    return None


def set_bias(state: StudioState, index: int, value: float) -> str | None:
    """Set filter ``index``'s bias; returns an error message when ``value`` is not a usable number."""
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating))
            or not math.isfinite(float(value))):
        return "the bias must be a finite number"
    if not BIAS_RANGE[0] <= float(value) <= BIAS_RANGE[1]:
        return f"the bias must be between {BIAS_RANGE[0]:g} and {BIAS_RANGE[1]:g}"
    bias = state.bias.copy()
    bias[index] = float(value)
    state.bias = bias
    return None


# --- Typed kernels ----------------------------------------------------------------------------------------
def parse_kernel(text: str, kh: int, kw: int, channels: int) -> np.ndarray:
    """Typed kernel values as ``(kh, kw, C)``.

    One row a line (values split by spaces or commas; ``;`` also ends a row); for several channels, one
    block of ``kh`` rows per channel, blocks split by a blank line; a single block is used for every
    channel. Raises ``ValueError`` with a plain message when a value is not a finite number or a size is off.
    """
    if len(text) > MAX_KERNEL_TEXT:
        raise ValueError(f"that text is {len(text):,} characters long; a kernel needs at most {MAX_KERNEL_TEXT:,}")
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.replace(";", "\n").splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    if not blocks:
        raise ValueError("type the kernel's values, one row a line")
    if len(blocks) not in (1, channels):
        raise ValueError(f"give one block of rows, or {channels} blocks (one per channel) split by blank lines")
    parsed = []
    for b, block in enumerate(blocks, start=1):
        rows = []
        for r, line in enumerate(block, start=1):
            cells = line.replace(",", " ").split()
            if not all(_NUMBER.fullmatch(v) for v in cells):
                where = f"block {b}, row {r}" if len(blocks) > 1 else f"row {r}"
                raise ValueError(f"{where} has something that is not a plain number")
            rows.append([float(v) for v in cells])
        if len(rows) != kh or any(len(row) != kw for row in rows):
            raise ValueError(f"the kernel is {kh}x{kw}: give {kh} rows of {kw} values")
        parsed.append(np.array(rows, dtype=np.float64))
    arr = np.stack(parsed, axis=2)
    if not np.isfinite(arr).all() or np.abs(arr).max() > KERNEL_LIMIT:
        raise ValueError("kernel values must be finite numbers between -1,000,000 and 1,000,000")
    return np.repeat(arr, channels, axis=2) if arr.shape[2] == 1 else arr


def kernel_to_text(kernel: np.ndarray) -> str:
    """A ``(kh, kw, C)`` kernel as text that :func:`parse_kernel` reads back exactly (shortest repr)."""
    return "\n\n".join(
        "\n".join(" ".join(_short(v) for v in row) for row in kernel[:, :, c]) for c in range(kernel.shape[2])
    )


def _short(value: float) -> str:
    """The shortest decimal that reads back to the same float64 (``1`` for 1.0, ``0.1`` for 0.1)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


# A plain decimal number: no "nan", "inf", underscores or hex, and an exponent of at most 3 digits.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")
_INTEGER = re.compile(r"[+-]?\d{1,7}")
NUMBER_PATTERN = _NUMBER.pattern  # the same grammar for the player's kernel cells (a JavaScript RegExp reads it)


# --- The share link ----------------------------------------------------------------------------------------
def _recipe(state: StudioState, i: int) -> list:
    """How filter ``i`` can be rebuilt bit for bit: a preset or seed when it is exactly that, else its values."""
    kernel = state.bank[i]
    kh, kw, c = kernel.shape
    name = state.names[i]
    if name in PRESET_NAMES and kh == kw and kh in preset_sizes(name):
        if np.array_equal(expand_kernel(preset_kernel(name, kh), c), kernel):
            return ["preset", name]
    seed = re.fullmatch(r"random \(seed (\d{1,7})\)", name)
    if seed and np.array_equal(random_filters(1, kh, kw, c, seed=int(seed.group(1)))[0], kernel):
        return ["random", int(seed.group(1))]
    return ["values", kh, kw, [float(v) for v in kernel.reshape(-1)]]


def encode_bank(state: StudioState) -> str:
    """The filters (names, kernels, biases) as compact, exact text: JSON, zlib, base64url."""
    entries = [[state.names[i], _recipe(state, i), float(state.bias[i])] for i in range(state.n_filters)]
    kh, kw = state.kernel_size
    payload = json.dumps({"k": [kh, kw], "f": entries}, separators=(",", ":"), allow_nan=False)
    return base64.urlsafe_b64encode(zlib.compress(payload.encode(), 9)).decode().rstrip("=")


def decode_bank(text: str, channels: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The inverse of :func:`encode_bank`: ``(bank (N, kh, kw, C), bias (N,), names)``; raises ValueError."""
    if len(text) > MAX_BANK_CHARS:
        raise ValueError(f"the filters are longer than {MAX_BANK_CHARS:,} characters")
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("the filters are not in the link's format")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, MAX_BANK_JSON)
    except (binascii.Error, zlib.error):
        raise ValueError("the filters are not in the link's format") from None
    if inflater.unconsumed_tail:
        raise ValueError("the filters unpack to more than the link allows")
    try:
        payload = json.loads(data.decode("utf-8"), parse_constant=_no_constant, parse_int=_short_int)
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: JSON's own, and Python's digit limit
        raise ValueError("the filters are not in the link's format") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("f"), list):
        raise ValueError("the filters are not in the link's format")
    entries = payload["f"]
    if not 1 <= len(entries) <= MAX_FILTERS:
        raise ValueError(f"the link must have 1 to {MAX_FILTERS} filters")
    size = payload.get("k")
    if not (isinstance(size, list) and len(size) == 2 and all(_whole(v) is not None and 1 <= v <= MAX_KERNEL
                                                               and not isinstance(v, float) for v in size)):
        raise ValueError(f"the link's kernel size must be 1x1 to {MAX_KERNEL}x{MAX_KERNEL}")
    kh, kw = int(size[0]), int(size[1])
    kernels, biases, names = [], [], []
    for n, entry in enumerate(entries, start=1):
        if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)):
            raise ValueError(f"filter {n} is not in the link's format")
        name, recipe, bias = entry
        kernels.append(_kernel_from_recipe(recipe, kh, kw, channels, n))
        if (isinstance(bias, bool) or not isinstance(bias, (int, float))
                or not BIAS_RANGE[0] <= bias <= BIAS_RANGE[1]):
            raise ValueError(f"filter {n}'s bias must be a number between {BIAS_RANGE[0]:g} and {BIAS_RANGE[1]:g}")
        biases.append(float(bias))
        names.append(name[:MAX_NAME_CHARS])
    return np.stack(kernels), np.array(biases), names


def _short_int(text: str) -> int:
    """A JSON integer of at most 20 digits (a seed, a size); longer ones are not ours (and Python refuses to read
    more than 4,300 digits with a message of its own)."""
    if len(text.lstrip("-")) > 20:
        raise ValueError("an integer too long for the link")
    return int(text)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _kernel_from_recipe(recipe: object, kh: int, kw: int, channels: int, n: int) -> np.ndarray:
    """Filter ``n``'s ``(kh, kw, C)`` kernel from its recipe; raises ValueError naming the filter."""
    if not isinstance(recipe, list) or not recipe:
        raise ValueError(f"filter {n} is not in the link's format")
    kind = recipe[0]
    if kind == "preset" and len(recipe) == 2 and recipe[1] in PRESET_NAMES:
        if kh != kw or kh not in preset_sizes(recipe[1]):
            raise ValueError(f"filter {n}: the {recipe[1]} preset does not exist in {kh}x{kw}")
        return expand_kernel(preset_kernel(recipe[1], kh), channels)
    if kind == "random" and len(recipe) == 2 and isinstance(recipe[1], int) and 0 <= recipe[1] < 10**7:
        return random_filters(1, kh, kw, channels, seed=int(recipe[1]))[0]
    if kind == "values" and len(recipe) == 4 and recipe[1:3] == [kh, kw]:
        values = recipe[3]
        if not isinstance(values, list) or len(values) not in (kh * kw, kh * kw * channels):
            raise ValueError(f"filter {n} needs {kh * kw * channels} values")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise ValueError(f"filter {n}'s values must be numbers")
        arr = np.array(values, dtype=np.float64)
        if not np.isfinite(arr).all() or np.abs(arr).max() > KERNEL_LIMIT:
            raise ValueError(f"filter {n}'s values must be finite numbers between -1,000,000 and 1,000,000")
        arr = arr.reshape(kh, kw, -1)
        return np.repeat(arr, channels, axis=2) if arr.shape[2] == 1 else arr
    raise ValueError(f"filter {n} is not in the link's format")


def _image_text(state: StudioState) -> str | None:
    """A small grayscale input (at most 16 a side, values exact multiples of 1/255) as ``HxW:hex``."""
    image = state.image
    if image is None or state.input_kind != "pixels" or max(image.shape[:2]) > MAX_IMAGE_SIDE_IN_LINK:
        return None
    if not (np.array_equal(image[:, :, 0], image[:, :, 1]) and np.array_equal(image[:, :, 0], image[:, :, 2])):
        return None
    levels = image[:, :, 0] * 255
    if not np.array_equal(levels, np.round(levels)):
        return None
    h, w = image.shape[:2]
    return f"{h}x{w}:" + levels.astype(np.uint8).tobytes().hex()


def _image_from_text(text: str) -> np.ndarray:
    match = re.fullmatch(r"(\d{1,2})x(\d{1,2}):([0-9a-f]*)", text)
    if not match:
        raise ValueError("the image must be written as HxW:hex")
    h, w = int(match.group(1)), int(match.group(2))
    if not (1 <= h <= MAX_IMAGE_SIDE_IN_LINK and 1 <= w <= MAX_IMAGE_SIDE_IN_LINK):
        raise ValueError(f"an image in a link is at most {MAX_IMAGE_SIDE_IN_LINK}x{MAX_IMAGE_SIDE_IN_LINK}")
    if len(match.group(3)) != 2 * h * w:
        raise ValueError(f"a {h}x{w} image needs {h * w} values")
    gray = np.frombuffer(bytes.fromhex(match.group(3)), dtype=np.uint8).reshape(h, w) / 255.0
    return np.repeat(gray[:, :, None], 3, axis=2)


def to_query(state: StudioState) -> dict[str, str]:
    """The query parameters that restore ``state`` (every field but the open panel and an uploaded photo)."""
    params: dict[str, str] = {}
    image = _image_text(state)
    if image is not None:
        params["image"] = image
        params["name"] = state.input_name[:MAX_NAME_CHARS]
    elif state.input_kind == "example":
        params["example"] = state.example
    elif state.input_kind in NOT_IN_LINK:
        params["missing"] = state.input_kind  # the link opens without it, and says so
    params["channels"] = str(state.channels)
    params["size"] = str(state.working_size)
    for key in ("stride", "padding", "dilation", "step"):
        params[key] = str(getattr(state, key) + (1 if key == "step" else 0))
    params["filter"] = str(state.selected + 1)
    params["speed"] = str(state.speed_ms)
    params["activation"] = state.activation
    params["maps"] = state.maps
    params["pool"] = state.pooling
    region = photo_region(state)
    if region is not None:
        params["region"] = f"{region[0]},{region[1]}"
    if state.map_scale != "own":
        params["scale"] = state.map_scale
    params["bias"] = "1" if state.use_bias else "0"
    if state.presentation:
        params["present"] = "1"
    if state.field_layers != 1:
        params["field"] = str(state.field_layers)
    if state.kind != "standard":
        params["kind"] = state.kind
    if state.groups != 1:
        params["groups"] = str(state.groups)
    params["bank"] = encode_bank(state)
    return params


def from_query(params: Mapping[str, object], base: StudioState | None = None) -> tuple[StudioState, list[str]]:
    """Strictly parse a share link's query parameters into a state.

    Inputs: ``params``, key -> text (a list: the last value counts, as in Streamlit); ``base``: the state
    the accepted values go into (default: a new one).
    Returns ``(state, errors)``: ``errors`` has one plain sentence per value that was not used (the
    rejected text itself is never repeated). Unknown keys are ignored. Never raises.
    """
    state = replace(base) if base is not None else StudioState()
    errors: list[str] = []
    try:
        items = {str(k): params[k] for k in params}
    except Exception:  # a mapping that cannot even be read is the same as no link
        return state, ["the link's settings could not be read"]

    def text_of(key: str, limit: int = MAX_VALUE_CHARS) -> str | None:
        if key not in items:
            return None
        value = items[key]
        if isinstance(value, (list, tuple)):
            value = value[-1] if value else ""
        if not isinstance(value, str):
            errors.append(f"{key} could not be read")
            return None
        if len(value) > limit:
            errors.append(f"{key} is longer than {limit:,} characters")
            return None
        return value.strip()

    def integer(key: str, lo: int, hi: int) -> int | None:
        text = text_of(key)
        if text is None:
            return None
        if not _INTEGER.fullmatch(text) or not lo <= int(text) <= hi:
            errors.append(f"{key} must be a whole number from {lo} to {hi}")
            return None
        return int(text)

    def choice(key: str, options: tuple[str, ...] | list[str]) -> str | None:
        text = text_of(key)
        if text is None:
            return None
        lowered = {o.lower(): o for o in options}
        if text.lower() not in lowered:
            errors.append(f"{key} must be one of: {', '.join(options)}")
            return None
        return lowered[text.lower()]

    channels = integer("channels", 1, 3)
    if channels is not None and channels not in CHANNELS:
        errors.append("channels must be 1 (grayscale) or 3 (RGB)")
        channels = None
    if channels is not None:
        state.channels = channels
    example = choice("example", list(EXAMPLES))
    if example is not None:
        state.example, state.input_name, state.input_kind, state.image = example, example, "example", None
        state.source = "example"
    missing = choice("missing", tuple(NOT_IN_LINK))
    if missing is not None:
        errors.append(NOT_IN_LINK[missing])
    image = text_of("image", 2 * MAX_IMAGE_SIDE_IN_LINK**2 + 8)
    if image is not None:
        try:
            state.image = _image_from_text(image)
            state.input_kind, state.source = "pixels", "grid"
            name = text_of("name", MAX_NAME_CHARS * 4)
            state.input_name = (name or "image from the link")[:MAX_NAME_CHARS]
        except ValueError as err:
            errors.append(str(err))
    if example is not None and "size" not in items and max(example_size(example)) >= PHOTO_MIN_SIDE:
        state.working_size = PHOTO_REGION  # a photo example opens as the studio shows it when picked
    for key, attr in (("size", "working_size"), ("stride", "stride"), ("padding", "padding"),
                      ("dilation", "dilation"), ("field", "field_layers"), ("groups", "groups")):
        value = integer(key, *RANGES[attr])
        if value is not None:
            setattr(state, attr, value)
    step = integer("step", 1, MAX_STEPS)
    if step is not None:
        state.step = step - 1
    speed = integer("speed", min(SPEEDS_MS), max(SPEEDS_MS))
    if speed is not None:
        state.speed_ms = speed
    for key, attr, options in (("activation", "activation", ACTIVATION_NAMES), ("maps", "maps", MAPS),
                               ("pool", "pooling", POOLS), ("scale", "map_scale", MAP_SCALES),
                               ("kind", "kind", CONV_KINDS)):
        value = choice(key, tuple(options))
        if value is not None:
            setattr(state, attr, value)
    for key, attr in (("bias", "use_bias"), ("present", "presentation")):
        value = integer(key, 0, 1)
        if value is not None:
            setattr(state, attr, bool(value))
    region = text_of("region")
    if region is not None:
        match = re.fullmatch(r"(\d{1,4}),(\d{1,4})", region)
        if not match or max(int(match.group(1)), int(match.group(2))) >= MAX_PICTURE_SIDE:
            errors.append(f"region must be a row and a column from 0 to {MAX_PICTURE_SIDE - 1}, as 120,200")
        else:
            state.region = (int(match.group(1)), int(match.group(2)))
    bank = text_of("bank", MAX_BANK_CHARS)
    if bank is not None:
        try:
            state.bank, state.bias, state.names = decode_bank(bank, state.channels)
        except ValueError as err:
            errors.append(str(err))
        except Exception:  # anything else a crafted payload may raise is the same: not our format
            errors.append("the filters are not in the link's format")
    if state.bank.shape[3] != state.channels:
        state.bank = convert_bank(state.bank, state.channels)
    selected = integer("filter", 1, MAX_FILTERS)
    if selected is not None:
        if selected > state.n_filters:
            errors.append(f"filter must be from 1 to the number of filters ({state.n_filters})")
        else:
            state.selected = selected - 1
    return clamp(state), errors


def state_fields() -> list[str]:
    """The names of the state's fields (the link restores all of them but ``source`` and a photo)."""
    return [f.name for f in fields(StudioState)]
