"""A shareable link: the studio's state in the URL's query string, read strictly and written back.

``?example=Checkerboard%20(16x16)&channels=3&size=32&stride=2&filters=8&filter=2&kernel=1,0,1;0,1,0;1,0,1``
opens the studio on that example, with 8 filters, the second one shown and set to that kernel.
:func:`read_query_state` is a pure parser (no Streamlit): every value is checked for its type, range
and size, unknown keys are ignored, and a bad value is left out with a plain sentence saying why; it
never raises. :func:`apply_query_state` writes the accepted values into the session once, before the
widgets exist; :func:`share_link_panel` shows the query string of what is on screen.

Numbers in the link are as the page shows them: ``filter`` and ``step`` count from 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from visualizer import ACTIVATION_NAMES, EXAMPLES, load_example
from visualizer.trace import MAX_TRACE_STEPS

from . import filter_state as fs
from .common import INPUT_NAME, error_boundary
from .inputs import DEFAULT_WORKING, MAX_WORKING, MIN_WORKING, set_source

# Allowed ranges, the same as the studio's widgets.
RANGES: dict[str, tuple[int, int]] = {
    "channels": (1, 3),
    "size": (MIN_WORKING, MAX_WORKING),
    "stride": (1, 4),
    "padding": (0, 3),
    "dilation": (1, 4),
    "filters": (1, fs.MAX_FILTERS),
    "filter": (1, fs.MAX_FILTERS),
    "step": (1, MAX_TRACE_STEPS),
}
MAPS = ("animation", "full")  # the feature maps' "Computed on" choices, in the order of RESOLUTIONS
KERNEL_LIMIT = 1e6
MAX_CHARS = 64  # longest value read for every key but the kernel
MAX_KERNEL_CHARS = 2_000  # 7x7x3 values of about 12 characters each, with separators
APPLIED = "_url_state_applied"
# A plain decimal number: no "nan", "inf", underscores or hex, and an exponent of at most 3 digits.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?")
_INTEGER = re.compile(r"[+-]?\d{1,7}")


def _integer(key: str, text: str) -> int:
    lo, hi = RANGES[key]
    if not _INTEGER.fullmatch(text):
        raise ValueError(f"{key} must be a whole number from {lo} to {hi}")
    value = int(text)
    if not lo <= value <= hi:
        raise ValueError(f"{key} must be from {lo} to {hi}, not {value}")
    return value


def parse_kernel_text(text: str, channels: int = 1) -> np.ndarray:
    """A compact kernel ``1,0,1;0,1,0;1,0,1`` (rows split by ``;``, values by ``,``) as ``(kh, kw, B)``.

    ``B`` is 1, or ``channels`` when one block per channel is given, blocks split by ``|``. At most
    7x7, every value a finite number with ``|v| <= 1e6``. Raises ``ValueError`` with a plain message.
    """
    if len(text) > MAX_KERNEL_CHARS:
        raise ValueError(f"kernel is longer than {MAX_KERNEL_CHARS:,} characters")
    blocks = text.split("|")
    if len(blocks) not in (1, channels):
        raise ValueError(f"kernel needs one block of rows, or {channels} blocks (one per channel) split by '|'")
    parsed = []
    for block in blocks:
        rows = block.split(";")
        if len(rows) > fs.MAX_KERNEL:
            raise ValueError(f"kernel has more than {fs.MAX_KERNEL} rows")
        values = []
        for row in rows:
            cells = [c.strip() for c in row.split(",")]
            if len(cells) > fs.MAX_KERNEL:
                raise ValueError(f"kernel has more than {fs.MAX_KERNEL} values in a row")
            if not all(_NUMBER.fullmatch(c) for c in cells):
                raise ValueError("kernel values must be plain numbers, rows split by ';' and values by ','")
            values.append([float(c) for c in cells])
        if len({len(r) for r in values}) != 1:
            raise ValueError("every row of the kernel needs the same number of values")
        parsed.append(np.array(values, dtype=np.float64))
    if len({b.shape for b in parsed}) != 1:
        raise ValueError("every channel of the kernel needs the same size")
    kernel = np.stack(parsed, axis=2)
    if not np.isfinite(kernel).all() or np.abs(kernel).max() > KERNEL_LIMIT:
        raise ValueError("kernel values must be finite numbers between -1,000,000 and 1,000,000")
    return kernel


def read_query_state(params: Mapping[str, str]) -> tuple[dict, list[str]]:
    """Strictly parse query parameters into studio settings.

    Inputs: ``params``, the URL's query parameters (key -> text).
    Returns ``(accepted, errors)``: ``accepted`` maps ``example`` (a name of ``EXAMPLES``),
    ``channels``, ``size``, ``stride``, ``padding``, ``dilation``, ``filters``, ``filter`` and ``step``
    (ints, ``filter`` and ``step`` counted from 1), ``kernel`` (float ``(kh, kw, B)``), ``activation``
    (a name of ``ACTIVATION_NAMES``) and ``maps`` (``"animation"`` or ``"full"``) to checked values;
    ``errors`` has one plain sentence per rejected value (the rejected text itself is never repeated).
    Unknown keys are ignored. Never raises.
    """
    accepted: dict = {}
    errors: list[str] = []
    try:
        items = {str(k): params[k] for k in params}
    except Exception:  # a mapping that cannot even be read is the same as no link
        return {}, ["the link's settings could not be read"]

    def text_of(key: str, limit: int = MAX_CHARS) -> str | None:
        if key not in items:
            return None
        value = items[key]
        if isinstance(value, (list, tuple)):  # a key given twice: the last one counts, as in Streamlit
            value = value[-1] if value else ""
        if not isinstance(value, str):
            errors.append(f"{key} could not be read")
            return None
        if len(value) > limit:
            errors.append(f"{key} is longer than {limit:,} characters")
            return None
        return value.strip()

    for key in RANGES:
        text = text_of(key)
        if text is None:
            continue
        try:
            value = _integer(key, text)
            if key == "channels" and value not in (1, 3):
                raise ValueError("channels must be 1 (grayscale) or 3 (RGB)")
            accepted[key] = value
        except ValueError as err:
            errors.append(str(err))
    if "filter" in accepted and accepted["filter"] > accepted.get("filters", accepted["filter"]):
        errors.append(f"filter must be from 1 to the number of filters ({accepted['filters']})")
        del accepted["filter"]

    example = text_of("example")
    if example is not None:
        names = {name.lower(): name for name in EXAMPLES}
        if example.lower() in names:
            accepted["example"] = names[example.lower()]
        else:
            errors.append(f"example must be one of the built-in examples: {', '.join(EXAMPLES)}")
    activation = text_of("activation")
    if activation is not None:
        if activation.lower() in ACTIVATION_NAMES:
            accepted["activation"] = activation.lower()
        else:
            errors.append(f"activation must be one of {', '.join(ACTIVATION_NAMES)}")
    maps = text_of("maps")
    if maps is not None:
        if maps.lower() in MAPS:
            accepted["maps"] = maps.lower()
        else:
            errors.append(f"maps must be {' or '.join(MAPS)}")
    kernel = text_of("kernel", MAX_KERNEL_CHARS)
    if kernel is not None:
        try:
            accepted["kernel"] = parse_kernel_text(kernel, accepted.get("channels", 1))
        except ValueError as err:
            errors.append(str(err))
    return accepted, errors


# Session-state keys of the studio's number widgets, with the URL key whose range they share.
STATE_RANGES = {"working_size": "size", "stride": "stride", "padding": "padding", "dilation": "dilation",
                "n_filters": "filters"}
KERNEL_RANGE = (1, fs.MAX_KERNEL)


def _clamped(value: object, lo: int, hi: int, default: int) -> int:
    """``value`` as a whole number in ``[lo, hi]``; ``default`` when it is not a finite number at all."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return default
    if not np.isfinite(value):
        return default
    return int(np.clip(round(float(value)), lo, hi))


def clamp_session_state() -> None:
    """Put the studio's settings back in range before any widget reads them.

    Widgets keep values in range, but session state can be set by code, and a hostile client can send
    any widget value: a negative working size would reach ``resize_image`` and a padding of a million
    would allocate gigabytes. Values that are not numbers become the default; numbers are clamped.
    """
    from .studio import CHANNEL_CHOICES

    ss = st.session_state
    defaults = {"working_size": DEFAULT_WORKING, "stride": 1, "padding": 0, "dilation": 1, "n_filters": 4}
    for key, url_key in STATE_RANGES.items():
        if key in ss:
            value = _clamped(ss[key], *RANGES[url_key], defaults[key])
            if value != ss[key] or type(ss[key]) is not int:
                ss[key] = value
    for key in ("kh", "kw"):
        if key in ss and (value := _clamped(ss[key], *KERNEL_RANGE, 3)) != ss[key]:
            ss[key] = value
    for key in ("filter_idx", "step"):  # their views clip the upper end to the filters and steps there are
        if key in ss and (value := _clamped(ss[key], 0, MAX_TRACE_STEPS, 0)) != ss[key]:
            ss[key] = value
    for key in ("use_bias", "presentation"):
        if key in ss and not isinstance(ss[key], bool):
            ss[key] = False
    if ss.get("channels_choice") not in CHANNEL_CHOICES:
        ss["channels_choice"] = next(iter(CHANNEL_CHOICES))
    if "bank" in ss and ss["bank"].shape[3] != CHANNEL_CHOICES[ss["channels_choice"]]:
        ss["channel_note"] = fs.set_channels(CHANNEL_CHOICES[ss["channels_choice"]])


def _channel_label(channels: int) -> str:
    from .studio import CHANNEL_CHOICES  # the studio imports this module: import its labels late

    return next(label for label, c in CHANNEL_CHOICES.items() if c == channels)


def _resolution_label(maps: str) -> str:
    from .feature_maps_view import RESOLUTIONS

    return list(RESOLUTIONS)[MAPS.index(maps)]


def apply_query_state() -> None:
    """Once per session, before any widget: put the link's accepted settings into the session state.

    Rejected values are listed in one warning; the studio's defaults stand in for them.
    """
    ss = st.session_state
    if ss.get(APPLIED):
        return
    ss[APPLIED] = True
    accepted, errors = read_query_state(st.query_params.to_dict())
    if accepted or errors:
        with error_boundary("settings from the link"):
            _apply(accepted, errors)


def _apply(accepted: dict, errors: list[str]) -> None:
    ss = st.session_state
    if "channels" in accepted:
        ss["channels_choice"] = _channel_label(accepted["channels"])
        if "bank" in ss:
            fs.set_channels(accepted["channels"])
    channels = accepted.get("channels", 1 if "bank" not in ss else ss["bank"].shape[3])
    if "example" in accepted:
        name = accepted["example"]
        set_source(load_example(name, channels=3), name)
        ss["example"] = name
    for key, state_key in (("size", "working_size"), ("stride", "stride"), ("padding", "padding"),
                           ("dilation", "dilation"), ("activation", "activation")):
        if key in accepted:
            ss[state_key] = accepted[key]
    if "maps" in accepted:
        ss["fm_resolution"] = _resolution_label(accepted["maps"])

    fs.init_filter_state(channels)
    kernel = accepted.get("kernel")
    if kernel is not None and kernel.shape[2] not in (1, channels):
        errors.append(f"kernel needs one block of rows, or {channels} blocks (one per channel)")
        kernel = None
    n = accepted.get("filters", ss["bank"].shape[0])
    kh, kw = (kernel.shape[:2] if kernel is not None else ss["bank"].shape[1:3])
    if (n, kh, kw) != tuple(ss["bank"].shape[:3]):
        fs.resize_bank(n, kh, kw)
        ss["n_filters"], ss["kh"], ss["kw"] = n, kh, kw
    if accepted.get("filter", 1) > n:
        errors.append(f"filter must be from 1 to the number of filters ({n})")
    index = min(accepted.get("filter", 1), n) - 1
    if kernel is not None:
        fs.set_kernel_values(index, None, np.repeat(kernel, channels // kernel.shape[2], axis=2))
        names = list(ss["filter_names"])
        names[index] = "from the link"
        ss["filter_names"] = names
    ss["filter_idx"] = index
    if "step" in accepted:
        ss["step"] = accepted["step"] - 1
    if errors:
        st.warning("Some settings in the link were not used, and the defaults stand in for them: "
                   + "; ".join(errors) + ".")


def _kernel_text(kernel: np.ndarray) -> str:
    """``(kh, kw, C)`` as the compact text :func:`parse_kernel_text` reads (one block if the channels agree)."""
    same = all(np.array_equal(kernel[:, :, 0], kernel[:, :, c]) for c in range(kernel.shape[2]))
    chans = [kernel[:, :, c] for c in range(1 if same else kernel.shape[2])]
    return "|".join(";".join(",".join(f"{v:.8g}" for v in row) for row in ch) for ch in chans)


def share_query(state: Mapping) -> str:
    """The query string (``?...``) that restores ``state`` (a session state), from our own values only."""
    from .feature_maps_view import RESOLUTIONS
    from .studio import CHANNEL_CHOICES

    bank = state["bank"]
    index = int(np.clip(state.get("filter_idx", 0), 0, bank.shape[0] - 1))
    params: dict[str, str | int] = {}
    if state.get(INPUT_NAME) in EXAMPLES:
        params["example"] = str(state[INPUT_NAME])
    params["channels"] = CHANNEL_CHOICES.get(state.get("channels_choice"), bank.shape[3])
    for key, state_key in (("size", "working_size"), ("stride", "stride"), ("padding", "padding"),
                           ("dilation", "dilation")):
        lo, hi = RANGES[key]
        params[key] = int(np.clip(int(state.get(state_key, lo)), lo, hi))
    params["filters"] = bank.shape[0]
    params["filter"] = index + 1
    params["kernel"] = _kernel_text(bank[index])
    params["step"] = int(np.clip(int(state.get("step", 0)), 0, MAX_TRACE_STEPS - 1)) + 1
    if state.get("activation") in ACTIVATION_NAMES:
        params["activation"] = str(state["activation"])
    if state.get("fm_resolution") in RESOLUTIONS:
        params["maps"] = MAPS[list(RESOLUTIONS).index(state["fm_resolution"])]
    return "?" + urlencode(params, safe=",;|()")


def share_link_panel() -> None:
    """A small expander with the query string that brings back this view."""
    ss = st.session_state
    with st.expander("Share this view", icon=":material/link:"), error_boundary("share link"):
        st.caption(
            "Add this to the app's address to open the studio as it is now: the example, channels, sizes, "
            "the filter shown (with its values) and the step. An uploaded or drawn image is not in the link."
        )
        st.code(share_query(ss), language=None, wrap_lines=True)
