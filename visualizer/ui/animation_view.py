"""The sliding animation with its step controls: play in the browser, or step, scrub and click to a cell."""

from __future__ import annotations

import numpy as np
import streamlit as st

from visualizer.figures.gif import MAX_GIF_FRAMES, animation_gif
from visualizer.trace import ConvTrace

from .common import cached_sliding_figure, cached_trace, clicked_customdata, error_boundary
from .quiz_view import quiz_section

SPEEDS_MS = [50, 100, 200, 400, 700, 1000, 2000]
STEP = "step"  # 0-based index of the step shown; the slider shows it 1-based
STEP_SLIDER = "step_slider"


def _speed_label(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:g} s"


def _on_chart_select(key: str, steps: int) -> None:
    step = clicked_customdata(st.session_state.get(key))
    if step is not None and 0 <= step < steps:
        st.session_state[STEP] = step


def _on_slider() -> None:
    st.session_state[STEP] = int(st.session_state[STEP_SLIDER]) - 1


def _move(delta: int | None, steps: int, to: int | None = None) -> None:
    current = int(st.session_state.get(STEP, 0))
    st.session_state[STEP] = int(np.clip(to if to is not None else current + (delta or 0), 0, steps - 1))


def step_controls(steps: int) -> None:
    """First / back / slider / next / last, and the speed of Play."""
    ss = st.session_state
    ss[STEP] = int(np.clip(ss.get(STEP, 0), 0, steps - 1))
    cols = st.columns([1.1, 1.1, 5, 1.1, 1.1, 2.6], vertical_alignment="bottom")
    cols[0].button("First", key="step_first", on_click=_move, args=(None, steps, 0), icon=":material/first_page:",
                   width="stretch")
    cols[1].button("Back", key="step_back", on_click=_move, args=(-1, steps), icon=":material/chevron_left:",
                   width="stretch")
    if steps > 1:
        ss[STEP_SLIDER] = ss[STEP] + 1
        cols[2].slider("Step", 1, steps, key=STEP_SLIDER, format=f"step %d of {steps}", on_change=_on_slider)
    else:
        cols[2].markdown("**One step:** the filter fits in exactly one place.")
    cols[3].button("Next", key="step_next", on_click=_move, args=(1, steps), icon=":material/chevron_right:",
                   width="stretch")
    cols[4].button("Last", key="step_last", on_click=_move, args=(None, steps, steps - 1),
                   icon=":material/last_page:", width="stretch")
    cols[5].select_slider("Play speed (per step)", SPEEDS_MS, key="speed_ms", format_func=_speed_label)


def equation_panel(trace: ConvTrace, step: int) -> None:
    """The current step's sum written out with exact numbers, channel by channel."""
    y, x = trace.positions[step]
    c = trace.kernel.shape[2]
    names = ["R", "G", "B"] if c == 3 else [f"ch {i}" for i in range(c)]
    lines = []
    if c == 1:
        lines.append(f"out({y}, {x}) = {trace.equation(step, 0)}")
    else:
        for ch in range(c):
            lines.append(f"{names[ch]}: {trace.equation(step, ch)}")
        sums = " + ".join(_num(v) for v in trace.channel_sums[step])
        lines.append(f"channels absorbed: {sums} = {_num(trace.channel_sums[step].sum())}")
    if trace.bias:
        lines.append(f"+ bias {_num(trace.bias)}  →  out({y}, {x}) = {_num(trace.totals[step])}")
    elif c > 1:
        lines.append(f"out({y}, {x}) = {_num(trace.totals[step])}")
    st.code("\n".join(lines), language=None, wrap_lines=True)


def _num(v: float) -> str:
    text = f"{float(v):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@st.fragment
@error_boundary("animation")  # inside the fragment: Streamlit shows a fragment's own errors first
def animation_section(image: np.ndarray, kernel: np.ndarray, bias: float, name: str) -> None:
    """The figure of ``kernel`` ``(kh, kw, C)`` sliding over ``image`` ``(H, W, C)``, with its controls."""
    ss = st.session_state
    ss.setdefault("speed_ms", 400)
    try:
        trace = cached_trace(image, kernel, bias, int(ss["stride"]), int(ss["padding"]), int(ss["dilation"]))
    except ValueError as err:
        st.error(f"Cannot animate this: {err}.")
        return
    steps = trace.steps
    ho, wo = trace.out_shape
    st.subheader(f"Watch “{name}” slide: {steps} step{'s' if steps > 1 else ''}, output {ho}x{wo}")
    step_controls(steps)
    step = int(ss[STEP])
    fig = cached_sliding_figure(image, kernel, bias, int(ss["stride"]), int(ss["padding"]), int(ss["dilation"]),
                                step, int(ss["speed_ms"]))
    key = "anim_chart"
    st.plotly_chart(
        fig,
        key=key,
        on_select=lambda: _on_chart_select(key, steps),
        selection_mode="points",
        config={"displayModeBar": False, "scrollZoom": False},
    )
    y, x = trace.positions[step]
    st.caption(
        f"Step {step + 1} of {steps}: the window's top-left corner is at row {trace.origins[step][0]}, column "
        f"{trace.origins[step][1]} of the padded input; it makes output cell ({y}, {x}). Press Play in the "
        "chart to animate, or click any output cell to jump to its step."
    )
    equation_panel(trace, step)
    if ss.get("presentation"):
        return
    quiz_section(trace)
    frame_ms = int(ss["speed_ms"])
    st.download_button(
        "Download the animation (GIF)",
        data=lambda: animation_gif(trace, frame_ms=frame_ms),
        file_name="convolution.gif",
        mime="image/gif",
        key="download_gif",
        icon=":material/gif_box:",
        on_click="ignore",
        help=f"The window sliding and the output filling in, {frame_ms} ms a step "
        f"(at most {MAX_GIF_FRAMES} frames; larger animations skip evenly).",
    )
