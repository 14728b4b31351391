"""Controls that shape the filter bank (count, kernel size, presets) and the editor of one filter's values.

Every control is a view of the studio state; its callback changes the state (before the page is drawn, so
an edit costs one run of the page).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from visualizer import PRESET_NAMES, preset_description
from visualizer import studio_state as model
from visualizer.studio_state import StudioState
from visualizer.text import md_text

from .common import lazy_expander
from .studio_model import bind, bump_editors, editor_version, studio_state

CHANNEL_NAMES = {1: ["gray"], 3: ["R", "G", "B"]}
FILTER_ERROR = "_studio_filter_error"
TEXT_OPEN = "w_text_open"  # the typed values' expander: open or closed
GRID_OPEN = "w_grid_open"  # the grid editor's expander: open or closed, kept for the session


def _resize(n: int | None = None, kh: int | None = None, kw: int | None = None) -> None:
    state = studio_state()
    model.resize_bank(state, n or state.n_filters, kh or state.kernel_size[0], kw or state.kernel_size[1])
    bump_editors()


def _widget_int(key: str) -> int:
    return int(st.session_state[key])


def bank_controls(state: StudioState) -> None:
    """Sidebar: number of filters, kernel height and width, bias, and whole-bank presets."""
    c1, c2, c3 = st.columns(3)
    c1.number_input("Filters", 1, model.MAX_FILTERS, help="How many filters the layer has: the output has this "
                    "many channels.", key="w_filters", on_change=lambda: _resize(n=_widget_int("w_filters")))
    c2.number_input("Kernel h", 1, model.MAX_KERNEL, key="w_kh", on_change=lambda: _resize(kh=_widget_int("w_kh")))
    c3.number_input("Kernel w", 1, model.MAX_KERNEL, key="w_kw", on_change=lambda: _resize(kw=_widget_int("w_kw")))
    st.toggle("Bias", help="Add a number b to every sum of the filter: out = sum + b.",
              **bind("w_use_bias", "use_bias"))
    c1, c2 = st.columns(2)
    c1.button("15 random 3x3", key="founding_bank", width="stretch", on_click=_founding_bank,
              help="The founding example's first layer: 15 filters of 3x3, seeded random values.")
    c2.button("Randomize all", key="randomize_all", width="stretch", on_click=_randomize, args=(None,))


def sync_bank_widgets(state: StudioState) -> None:
    """Set the count and size inputs from the state (before they are drawn)."""
    st.session_state["w_filters"] = state.n_filters
    st.session_state["w_kh"], st.session_state["w_kw"] = state.kernel_size


def _founding_bank() -> None:
    model.founding_bank(studio_state(), seed=int(st.session_state.get("w_seed", 1)))
    bump_editors()


def _randomize(index: int | None) -> None:
    model.randomize(studio_state(), index, int(st.session_state.get("w_seed", 1)))
    st.session_state[FILTER_ERROR] = None
    bump_editors()


CUSTOM = "custom"  # the preset box's choice for a filter that is not exactly one of the presets
PRESET_SHOWN = "_studio_preset_shown"  # (filter, editor version, name) the preset box was last set for


def current_preset(state: StudioState, index: int) -> str:
    """The preset filter ``index`` is exactly (its name and every value), else ``CUSTOM``."""
    name = state.names[index]
    kh, kw = state.kernel_size
    if name in PRESET_NAMES and kh == kw and kh in model.preset_sizes(name):
        if np.array_equal(model.expand_kernel(model.preset_kernel(name, kh), state.bank.shape[3]), state.bank[index]):
            return name
    return CUSTOM


def _apply_preset(index: int) -> None:
    choice = st.session_state.get("w_preset")
    if choice == CUSTOM:
        return
    st.session_state[FILTER_ERROR] = model.apply_preset(studio_state(), index, choice)
    bump_editors()


def _preset_caption(preset: str) -> str:
    if preset == CUSTOM:
        return ("Custom: values of its own, not one of the presets. Pick a preset and press Apply to replace them, "
                "or edit the values below.")
    return f"{preset.capitalize()}: {preset_description(preset)}"


def _use_kernel_text(index: int, key: str) -> None:
    ss = st.session_state
    state = studio_state()
    _, kh, kw, c = state.bank.shape
    try:
        values = model.parse_kernel(ss.get(key, ""), kh, kw, c)
    except ValueError as err:
        ss[FILTER_ERROR] = f"Those values were not used: {md_text(str(err), limit=200)}."
        return
    model.set_kernel_values(state, index, None, values)
    ss[FILTER_ERROR] = None
    bump_editors()


def _set_bias(index: int, key: str) -> None:
    error = model.set_bias(studio_state(), index, st.session_state[key])
    st.session_state[FILTER_ERROR] = f"The bias was not changed: {error}." if error else None


def filter_editor(state: StudioState) -> None:
    """Preset, random, values (grid per channel and typed text) and bias of the selected filter."""
    ss = st.session_state
    index = state.selected
    _, kh, kw, c = state.bank.shape
    version = editor_version()

    # The box shows the filter's own preset (or "Custom") whenever another filter is shown or the bank changed;
    # in between it keeps what the person picked, until Apply.
    shown = (index, version, state.names[index])
    if ss.get(PRESET_SHOWN) != shown or ss.get("w_preset") not in (CUSTOM, *PRESET_NAMES):
        ss[PRESET_SHOWN] = shown
        ss["w_preset"] = current_preset(state, index)
    p1, p2 = st.columns([3, 1.3], vertical_alignment="bottom")
    preset = p1.selectbox("Preset", [CUSTOM, *PRESET_NAMES], key="w_preset", format_func=str.capitalize)
    p2.button("Apply", key="apply_preset", width="stretch", type="primary", on_click=_apply_preset, args=(index,),
              disabled=preset == CUSTOM)
    st.caption(_preset_caption(preset))
    r1, r2 = st.columns([1.5, 1.3], vertical_alignment="bottom")
    r1.number_input("Seed", 0, 10_000, 1, key="w_seed")
    r2.button("Random", key="randomize_one", width="stretch", on_click=_randomize, args=(index,))
    if ss.get(FILTER_ERROR):
        st.error(ss[FILTER_ERROR])

    # The grid (Streamlit's data editor) is drawn only while its expander is open: its front-end code is
    # about 1.3 MB that the first screen would otherwise load before the first chart (bench/bench_browser.py).
    grid = lazy_expander("Edit the values in a grid", GRID_OPEN)
    if grid is not None:
        names = CHANNEL_NAMES.get(c, [f"ch {i}" for i in range(c)])
        with grid:
            for ch in range(c):
                _channel_grid(index, ch, names[ch], state.bank[index, :, :, ch], version, c > 1)

    typed = lazy_expander("Type or paste the values", TEXT_OPEN)
    if typed is not None:
        with typed:
            text_key = f"kernel_text_{index}_{version}"
            st.text_area(
                "Kernel values",
                value=model.kernel_to_text(state.bank[index]),
                key=text_key,
                help="One row a line, values split by spaces or commas. For RGB, one block per channel "
                "split by a blank line, or a single block for all three.",
            )
            st.button("Use these values", key="use_kernel_text", on_click=_use_kernel_text, args=(index, text_key))

    if state.use_bias:
        bias_key = f"bias_{index}_{version}"
        st.number_input(
            f"Bias of filter {index + 1}", *model.BIAS_RANGE, float(state.bias[index]), step=0.1,
            key=bias_key, on_change=_set_bias, args=(index, bias_key),
        )


def _on_grid_change(index: int, ch: int, key: str) -> None:
    """Apply a grid's edited cells before the page is drawn; unusable cells keep their previous value
    (the grid itself then says which cell, see :func:`_channel_grid`)."""
    state = studio_state()
    edits = st.session_state.get(key)
    if not isinstance(edits, dict) or not 0 <= index < state.n_filters:
        return
    current = state.bank[index, :, :, ch]
    values = current.copy()
    for row, cells in (edits.get("edited_rows") or {}).items():
        for col, raw in (cells or {}).items():
            try:
                y, x, v = int(row), int(col), float(raw)
            except (TypeError, ValueError, OverflowError):
                continue
            if 0 <= y < values.shape[0] and 0 <= x < values.shape[1] and model.kernel_value_error(v) is None:
                values[y, x] = v
    if not np.array_equal(values, current):
        model.set_kernel_values(state, index, ch, values)


def _channel_grid(index: int, ch: int, name: str, values: np.ndarray, version: int, labelled: bool) -> None:
    """One channel of a kernel as an editable grid; bad cells are reported and not used."""
    kh, kw = values.shape
    frame = pd.DataFrame(values, columns=[str(v) for v in range(kw)])
    if labelled:
        st.markdown(f"**Channel {name}**")
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
    bad = ~np.isfinite(new) | (np.abs(np.nan_to_num(new)) > model.KERNEL_LIMIT)
    if bad.any():
        y, x = np.argwhere(bad)[0]
        st.error(
            f"Channel {name}, row {y}, column {x}: a cell must hold a number between -1,000,000 and "
            "1,000,000. The previous value is kept."
        )
