"""The quiz: predict a number of the animation, or the output shape of a layer, then reveal the answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from visualizer.network import size_arithmetic
from visualizer.quiz import check_value, shape_question, value_question
from visualizer.trace import ConvTrace


def _new_question(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


def _grid(values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(values).map(lambda v: f"{v:.3g}")


def quiz_section(trace: ConvTrace) -> None:
    """Two questions side by side; answers are checked against the engine, not stored text."""
    with st.expander("Quiz yourself: predict, then reveal", icon=":material/quiz:"):
        left, right = st.columns(2, gap="large")
        with left:
            seed = st.session_state.get("quiz_value_seed", 0)
            q = value_question(trace, seed)
            st.markdown(f"**What number goes in output cell ({q.position[0]}, {q.position[1]})?**")
            names = ["R", "G", "B"] if q.kernel.shape[2] == 3 else [f"ch {i}" for i in range(q.kernel.shape[2])]
            for c in range(q.kernel.shape[2]):
                cols = st.columns(2)
                label = f" ({names[c]})" if q.kernel.shape[2] > 1 else ""
                cols[0].caption(f"Window{label}")
                cols[0].table(_grid(q.window[:, :, c]))
                cols[1].caption(f"Kernel{label}")
                cols[1].table(_grid(q.kernel[:, :, c]))
            if q.bias:
                st.caption(f"Bias: {q.bias:g}")
            guess = st.number_input("Your answer", value=None, step=1.0, key=f"quiz_value_guess_{seed}")
            b1, b2 = st.columns(2)
            if b1.button("Check", key="quiz_value_check", width="stretch") and guess is not None:
                if check_value(q, guess):
                    st.success(f"Right: {q.answer:.4g}.")
                else:
                    st.error(f"Not quite: the sum of the products is {q.answer:.4g}. Multiply cell by cell, then add.")
            b2.button("Another cell", key="quiz_value_next", on_click=_new_question, args=("quiz_value_seed",),
                      width="stretch")
        with right:
            seed = st.session_state.get("quiz_shape_seed", 0)
            sq = shape_question(seed)
            st.markdown(f"**{sq.text()}**")
            c1, c2 = st.columns(2)
            gh = c1.number_input("Height", 0, 100, value=None, key=f"quiz_h_{seed}")
            gw = c2.number_input("Width", 0, 100, value=None, key=f"quiz_w_{seed}")
            b1, b2 = st.columns(2)
            if b1.button("Check", key="quiz_shape_check", width="stretch") and gh is not None and gw is not None:
                (h, w), (kh, kw) = sq.input_hw, sq.kernel_hw
                args = {"stride": sq.stride, "padding": sq.padding, "dilation": sq.dilation}
                how = f"Height: `{size_arithmetic(h, kh, **args)}`; width: `{size_arithmetic(w, kw, **args)}`"
                if (int(gh), int(gw)) == sq.answer:
                    st.success(f"Right: {sq.answer[0]}x{sq.answer[1]}. {how}")
                else:
                    st.error(f"Not quite: {sq.answer[0]}x{sq.answer[1]}. {how}")
            b2.button("Another layer", key="quiz_shape_next", on_click=_new_question, args=("quiz_shape_seed",),
                      width="stretch")
