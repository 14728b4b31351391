"""The quiz: predict a number of the animation, or the output shape of a layer, then reveal the answer.

Each question's verdict is kept with the question (by its seed), so checking one never erases the other.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from visualizer.family import size_text
from visualizer.numbers import fmt
from visualizer.quiz import check_value, shape_question, value_question
from visualizer.trace import ConvTrace

from .common import lazy_expander

VERDICTS = "_quiz_verdicts"  # {question id: (right?, text)}
QUIZ_OPEN = "w_quiz_open"  # the quiz's expander: open or closed


def _new_question(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


def _grid_text(values: np.ndarray) -> str:
    """A small grid as aligned text (no header row or index that could be read as data)."""
    cells = [[fmt(v) for v in row] for row in values]
    width = max(len(c) for row in cells for c in row)
    return "\n".join("  ".join(c.rjust(width) for c in row) for row in cells)


def _verdict(qid: str) -> None:
    right, text = st.session_state.get(VERDICTS, {}).get(qid, (None, ""))
    if right is True:
        st.success(text)
    elif right is False:
        st.error(text)


def _remember(qid: str, right: bool, text: str) -> None:
    st.session_state[VERDICTS] = {**st.session_state.get(VERDICTS, {}), qid: (right, text)}


def quiz_section(trace: ConvTrace, kind: str = "standard") -> None:
    """Two questions side by side; answers are checked against the engine, not stored text.

    Drawn only while its expander is open (its open state is kept for the session): a closed quiz costs the page
    nothing on each edit.
    """
    quiz = lazy_expander("Quiz yourself: predict, then reveal", QUIZ_OPEN)
    if quiz is None:
        return
    with quiz:
        left, right = st.columns(2, gap="large")
        with left:
            seed = st.session_state.get("quiz_value_seed", 0)
            q = value_question(trace, seed)
            qid = f"value-{seed}-{q.position}-{hash(q.kernel.tobytes())}"
            st.markdown(f"**What number goes in output cell ({q.position[0]}, {q.position[1]})?**")
            names = ["R", "G", "B"] if q.kernel.shape[2] == 3 else [f"ch {i}" for i in range(q.kernel.shape[2])]
            for c in range(q.kernel.shape[2]):
                cols = st.columns(2)
                label = f" ({names[c]})" if q.kernel.shape[2] > 1 else ""
                cols[0].caption(f"Window{label}")
                cols[0].code(_grid_text(q.window[:, :, c]), language=None)
                cols[1].caption(f"Kernel{label}")
                cols[1].code(_grid_text(q.kernel[:, :, c]), language=None)
            if q.bias:
                st.caption(f"Bias: {fmt(q.bias)}")
            guess = st.number_input("Your answer", value=None, step=1.0, key=f"quiz_value_guess_{seed}")
            b1, b2 = st.columns(2)
            if b1.button("Check", key="quiz_value_check", width="stretch") and guess is not None:
                if check_value(q, guess):
                    _remember(qid, True, f"Right: {fmt(q.answer, 4)}.")
                else:
                    _remember(qid, False, f"Not quite: the sum of the products is {fmt(q.answer, 4)}. "
                              "Multiply cell by cell, then add.")
            b2.button("Another cell", key="quiz_value_next", on_click=_new_question, args=("quiz_value_seed",),
                      width="stretch")
            _verdict(qid)
        with right:
            seed = st.session_state.get("quiz_shape_seed", 0)
            sq = shape_question(seed, kind)
            qid = f"shape-{kind}-{seed}"
            st.markdown(f"**{sq.text()}**")
            c1, c2 = st.columns(2)
            gh = c1.number_input("Height", 0, 100, value=None, key=f"quiz_h_{seed}")
            gw = c2.number_input("Width", 0, 100, value=None, key=f"quiz_w_{seed}")
            b1, b2 = st.columns(2)
            if b1.button("Check", key="quiz_shape_check", width="stretch") and gh is not None and gw is not None:
                (h, w), (kh, kw) = sq.input_hw, sq.kernel_hw
                args = {"stride": sq.stride, "padding": sq.padding, "dilation": sq.dilation}
                how = f"Height: `{size_text(kind, h, kh, **args)}`; width: `{size_text(kind, w, kw, **args)}`"
                answer = f"{sq.answer[0]}x{sq.answer[1]}"
                right_answer = (int(gh), int(gw)) == sq.answer
                _remember(qid, right_answer, f"{'Right' if right_answer else 'Not quite'}: {answer}. {how}")
            b2.button("Another layer", key="quiz_shape_next", on_click=_new_question, args=("quiz_shape_seed",),
                      width="stretch")
            _verdict(qid)
