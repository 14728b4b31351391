"""The studio's filter bank in session state, and every change to it (count, size, channels, presets, text).

``bank`` is ``(N, kh, kw, C)``, ``bias`` is ``(N,)`` and ``filter_names`` names each filter. Changes
made outside the grid editors bump ``editor_version`` so the editors start from the new values.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from visualizer import PRESET_NAMES, convert_bank, expand_kernel, preset_kernel, preset_sizes, random_filters

MAX_FILTERS = 32
MAX_KERNEL = 7
# Typed kernel text is refused beyond this length before it is parsed (7x7x3 values need about 2,000).
MAX_KERNEL_TEXT = 20_000
FOUNDING_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
DEFAULT_FILTERS = [("X (founding example)", FOUNDING_KERNEL), ("sobel x", None), ("sobel y", None), ("outline", None)]


def init_filter_state(channels: int) -> None:
    ss = st.session_state
    if "bank" in ss:
        return
    kernels = [k if k is not None else preset_kernel(name, 3) for name, k in DEFAULT_FILTERS]
    ss["bank"] = np.stack([expand_kernel(k, channels) for k in kernels])
    ss["bias"] = np.zeros(len(kernels))
    ss["filter_names"] = [name for name, _ in DEFAULT_FILTERS]
    ss["n_filters"], ss["kh"], ss["kw"] = len(kernels), 3, 3
    ss["editor_version"] = 0


def _bump() -> None:
    st.session_state["editor_version"] = st.session_state.get("editor_version", 0) + 1


def _fit_kernel(kernel: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Centre-crop or zero-pad a ``(h, w, C)`` kernel to ``(kh, kw, C)``."""
    h, w, c = kernel.shape
    out = np.zeros((kh, kw, c))
    sy, sx = max(0, (h - kh) // 2), max(0, (w - kw) // 2)
    dy, dx = max(0, (kh - h) // 2), max(0, (kw - w) // 2)
    ch, cw = min(h, kh), min(w, kw)
    out[dy:dy + ch, dx:dx + cw] = kernel[sy:sy + ch, sx:sx + cw]
    return out


def resize_bank(n: int, kh: int, kw: int) -> None:
    """Change the number of filters and the kernel size, keeping what can be kept.

    A preset filter is rebuilt in the new size when the preset exists in it; other kernels are
    centre-cropped or zero-padded. New filters are seeded random ones.
    """
    ss = st.session_state
    bank, bias, names = ss["bank"], ss["bias"], list(ss["filter_names"])
    c = bank.shape[3]
    n = int(np.clip(n, 1, MAX_FILTERS))
    kh, kw = int(np.clip(kh, 1, MAX_KERNEL)), int(np.clip(kw, 1, MAX_KERNEL))
    kernels = []
    for i in range(n):
        if i < len(names):
            name = names[i]
            if kh == kw and name in PRESET_NAMES and kh in preset_sizes(name):
                kernels.append(expand_kernel(preset_kernel(name, kh), c))
            else:
                kernels.append(_fit_kernel(bank[i], kh, kw))
        else:
            kernels.append(random_filters(1, kh, kw, c, seed=i)[0])
            names.append(f"random (seed {i})")
    ss["bank"] = np.stack(kernels)
    ss["bias"] = np.concatenate([bias[:n], np.zeros(max(0, n - len(bias)))])
    ss["filter_names"] = names[:n]
    _bump()


def on_shape_change() -> None:
    ss = st.session_state
    resize_bank(ss["n_filters"], ss["kh"], ss["kw"])
    ss["filter_idx"] = min(ss.get("filter_idx", 0), ss["n_filters"] - 1)


def set_channels(channels: int) -> str | None:
    """Give every filter ``channels`` channels; returns a sentence saying how (None if unchanged)."""
    ss = st.session_state
    bank = ss["bank"]
    old = bank.shape[3]
    if old == channels:
        return None
    ss["bank"] = convert_bank(bank, channels)
    _bump()
    kh, kw = bank.shape[1:3]
    if channels > old:
        return (
            f"Each {kh}x{kw} kernel was copied into all {channels} channels (R, G, B): a filter always has "
            "as many channels as its input, and the three channel sums are added into one number."
        )
    return f"Each filter's {old} channels were averaged into one {kh}x{kw} kernel for the grayscale input."


def apply_preset(index: int, name: str) -> str | None:
    """Set filter ``index`` to a preset; returns an error message when the kernel size does not allow it."""
    ss = st.session_state
    kh, kw, c = ss["bank"].shape[1:]
    if kh != kw or kh not in preset_sizes(name):
        sizes = ", ".join(f"{s}x{s}" for s in preset_sizes(name))
        return f"The {name} preset exists in {sizes}; the kernels are {kh}x{kw}. Change the kernel size first."
    ss["bank"] = ss["bank"].copy()
    ss["bank"][index] = expand_kernel(preset_kernel(name, kh), c)
    ss["filter_names"] = [*ss["filter_names"][:index], name, *ss["filter_names"][index + 1:]]
    _bump()
    return None


def randomize(index: int | None, seed: int) -> None:
    """Seeded random values for one filter (or all filters when ``index`` is None)."""
    ss = st.session_state
    n, kh, kw, c = ss["bank"].shape
    bank = ss["bank"].copy()
    names = list(ss["filter_names"])
    targets = range(n) if index is None else [index]
    for i in targets:
        bank[i] = random_filters(1, kh, kw, c, seed=seed + i)[0]
        names[i] = f"random (seed {seed + i})"
    ss["bank"], ss["filter_names"] = bank, names
    _bump()


def founding_bank(channels: int, seed: int = 1) -> None:
    """The founding example's first layer: 15 seeded random 3x3 filters."""
    ss = st.session_state
    ss["bank"] = random_filters(15, 3, 3, channels, seed=seed)
    ss["bias"] = np.zeros(15)
    ss["filter_names"] = [f"random {i + 1}" for i in range(15)]
    ss["n_filters"], ss["kh"], ss["kw"] = 15, 3, 3
    ss["filter_idx"] = 0
    _bump()


def set_kernel_values(index: int, channel: int | None, values: np.ndarray) -> None:
    """Write edited values into filter ``index`` (one channel, or every channel when None)."""
    ss = st.session_state
    bank = ss["bank"].copy()
    if channel is None:
        bank[index] = values
    else:
        bank[index, :, :, channel] = values
    ss["bank"] = bank
    if not ss["filter_names"][index].endswith("(edited)"):
        ss["filter_names"] = [
            *ss["filter_names"][:index], f"{ss['filter_names'][index]} (edited)", *ss["filter_names"][index + 1:]
        ]


def parse_kernel(text: str, kh: int, kw: int, channels: int) -> np.ndarray:
    """Typed kernel values as ``(kh, kw, C)``.

    One row a line (values split by spaces or commas); for several channels, one block of ``kh`` rows
    per channel, blocks split by a blank line; a single block is used for every channel.
    Raises ``ValueError`` with a plain message when a value is not a finite number or a size is off.
    """
    if len(text) > MAX_KERNEL_TEXT:
        raise ValueError(f"that text is {len(text):,} characters long; a kernel needs at most {MAX_KERNEL_TEXT:,}")
    blocks, current = [], []
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
            try:
                row = [float(v) for v in line.replace(",", " ").split()]
            except ValueError:
                where = f"block {b}, row {r}" if len(blocks) > 1 else f"row {r}"
                raise ValueError(f"{where} has something that is not a number: {line.strip()!r}") from None
            rows.append(row)
        if len(rows) != kh or any(len(row) != kw for row in rows):
            raise ValueError(f"the kernel is {kh}x{kw}: give {kh} rows of {kw} values")
        parsed.append(np.array(rows))
    arr = np.stack(parsed, axis=2)
    if not np.isfinite(arr).all():
        raise ValueError("kernel values must be finite numbers (no NaN or infinity)")
    if np.abs(arr).max() > 1e6:
        raise ValueError("kernel values must be between -1,000,000 and 1,000,000")
    return np.repeat(arr, channels, axis=2) if arr.shape[2] == 1 else arr


def kernel_to_text(kernel: np.ndarray) -> str:
    """A ``(kh, kw, C)`` kernel as text that :func:`parse_kernel` reads back."""
    return "\n\n".join(
        "\n".join(" ".join(f"{v:.6g}" for v in row) for row in kernel[:, :, c]) for c in range(kernel.shape[2])
    )
