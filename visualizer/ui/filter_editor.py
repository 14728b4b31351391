"""Controls that shape the filter bank (count, kernel size, presets) and the editor of one filter's values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from visualizer import PRESET_NAMES, preset_description

from . import filter_state as fs

CHANNEL_NAMES = {1: ["gray"], 3: ["R", "G", "B"]}


def bank_controls() -> None:
    """Sidebar: number of filters, kernel height and width, bias, and whole-bank presets."""
    c1, c2, c3 = st.columns(3)
    c1.number_input("Filters", 1, fs.MAX_FILTERS, key="n_filters", on_change=fs.on_shape_change,
                    help="How many filters the layer has: the output has this many channels.")
    c2.number_input("Kernel h", 1, fs.MAX_KERNEL, key="kh", on_change=fs.on_shape_change)
    c3.number_input("Kernel w", 1, fs.MAX_KERNEL, key="kw", on_change=fs.on_shape_change)
    st.toggle("Bias", key="use_bias", help="Add a number b to every sum of the filter: out = sum + b.")
    c1, c2 = st.columns(2)
    c1.button("15 random 3x3", key="founding_bank", width="stretch", on_click=_founding_bank,
              help="The founding example's first layer: 15 filters of 3x3, seeded random values.")
    c2.button("Randomize all", key="randomize_all", width="stretch", on_click=_randomize, args=(None,))


# Callbacks run before the page is drawn, so an edit costs one run of the page, not two (edit, then rerun).
def _founding_bank() -> None:
    ss = st.session_state
    fs.founding_bank(ss["bank"].shape[3], seed=int(ss.get("seed", 1)))


def _randomize(index: int | None) -> None:
    fs.randomize(index, int(st.session_state.get("seed", 1)))
    st.session_state["filter_error"] = None


def _apply_preset(index: int) -> None:
    st.session_state["filter_error"] = fs.apply_preset(index, st.session_state["preset"])


def _use_kernel_text(index: int, key: str) -> None:
    ss = st.session_state
    _, kh, kw, c = ss["bank"].shape
    try:
        values = fs.parse_kernel(ss.get(key, ""), kh, kw, c)
    except ValueError as err:
        ss["filter_error"] = f"Those values were not used: {err}."
        return
    fs.set_kernel_values(index, None, values)
    ss["filter_error"] = None
    ss["editor_version"] = ss.get("editor_version", 0) + 1


def _set_bias(index: int, key: str) -> None:
    ss = st.session_state
    bias = ss["bias"].copy()
    bias[index] = float(ss[key])
    ss["bias"] = bias


def filter_editor(index: int) -> None:
    """Preset, random, values (grid per channel and typed text) and bias of filter ``index``."""
    ss = st.session_state
    bank = ss["bank"]
    _, kh, kw, c = bank.shape
    version = ss.get("editor_version", 0)

    p1, p2, p3, p4 = st.columns([3, 1.2, 1.2, 1.2], vertical_alignment="bottom")
    preset = p1.selectbox("Preset", PRESET_NAMES, key="preset", format_func=str.capitalize)
    p2.button("Apply", key="apply_preset", width="stretch", type="primary", on_click=_apply_preset, args=(index,))
    p3.number_input("Seed", 0, 10_000, 1, key="seed")
    p4.button("Random", key="randomize_one", width="stretch", on_click=_randomize, args=(index,))
    st.caption(f"Preset to apply, **{preset}**: {preset_description(preset)}")
    if ss.get("filter_error"):
        st.error(ss["filter_error"])

    names = CHANNEL_NAMES.get(c, [f"ch {i}" for i in range(c)])
    cols = st.columns(c)
    for ch, col in enumerate(cols):
        with col:
            _channel_grid(index, ch, names[ch], bank[index, :, :, ch], version)

    with st.expander("Type or paste the values"):
        text_key = f"kernel_text_{index}_{version}"
        st.text_area(
            "Kernel values",
            value=fs.kernel_to_text(bank[index]),
            key=text_key,
            help="One row a line, values split by spaces or commas. For RGB, one block per channel "
            "split by a blank line, or a single block for all three.",
        )
        st.button("Use these values", key="use_kernel_text", on_click=_use_kernel_text, args=(index, text_key))

    if ss.get("use_bias"):
        bias_key = f"bias_{index}_{version}"
        st.number_input(
            f"Bias of filter {index + 1}", -100.0, 100.0, float(ss["bias"][index]), step=0.1,
            key=bias_key, on_change=_set_bias, args=(index, bias_key),
        )


def _on_grid_change(index: int, ch: int, key: str) -> None:
    """Apply a grid's edited cells before the page is drawn; unusable cells keep their previous value
    (the grid itself then says which cell, see :func:`_channel_grid`)."""
    ss = st.session_state
    state = ss.get(key)
    if not isinstance(state, dict):
        return
    current = ss["bank"][index, :, :, ch]
    values = current.copy()
    for row, cells in (state.get("edited_rows") or {}).items():
        for col, raw in (cells or {}).items():
            try:
                y, x, v = int(row), int(col), float(raw)
            except (TypeError, ValueError, OverflowError):
                continue
            if 0 <= y < values.shape[0] and 0 <= x < values.shape[1] and np.isfinite(v) and abs(v) <= 1e6:
                values[y, x] = v
    if not np.array_equal(values, current):
        fs.set_kernel_values(index, ch, values)


def _channel_grid(index: int, ch: int, name: str, values: np.ndarray, version: int) -> None:
    """One channel of a kernel as an editable grid; bad cells are reported and not used."""
    kh, kw = values.shape
    frame = pd.DataFrame(values, columns=[str(v) for v in range(kw)])
    label = f"Channel {name}" if values is not None else ""
    st.markdown(f"**{label}**")
    key = f"grid_{index}_{ch}_{version}"
    edited = st.data_editor(
        frame,
        key=key,
        on_change=_on_grid_change,
        args=(index, ch, key),
        hide_index=False,
        num_rows="fixed",
        column_config={str(v): st.column_config.NumberColumn(str(v), format="%.4g", step=0.1) for v in range(kw)},
        width="content",
    )
    try:
        new = edited.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        st.error(f"Channel {name}: every cell must be a number. The previous values are kept.")
        return
    if new.shape != (kh, kw):
        return
    bad = ~np.isfinite(new) | (np.abs(np.nan_to_num(new)) > 1e6)
    if bad.any():
        y, x = np.argwhere(bad)[0]
        st.error(
            f"Channel {name}, row {y}, column {x}: a cell must hold a number between -1,000,000 and "
            "1,000,000. The previous value is kept."
        )
        new = np.where(bad, values, new)
    if not np.array_equal(new, values):
        fs.set_kernel_values(index, ch, new)
        st.rerun()
