"""Predict-then-reveal questions: "what number goes here?" and "what shape comes out?".

Questions are generated from a seed, so a question can be shown, answered and checked across reruns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .trace import ConvTrace


@dataclass(frozen=True)
class ValueQuestion:
    """The output of one step: the window and kernel are shown; the user predicts the sum."""

    step: int
    position: tuple[int, int]
    window: np.ndarray  # (kh, kw, C)
    kernel: np.ndarray  # (kh, kw, C)
    bias: float
    answer: float


@dataclass(frozen=True)
class ShapeQuestion:
    """Sizes of a layer; the user predicts the output height and width."""

    input_hw: tuple[int, int]
    kernel_hw: tuple[int, int]
    stride: int
    padding: int
    dilation: int
    answer: tuple[int, int]
    kind: str = "standard"  # or "transposed" (visualizer.family.KINDS)

    def text(self) -> str:
        (h, w), (kh, kw) = self.input_hw, self.kernel_hw
        layer = {"transposed": "A transposed convolution of a", "grouped": "A grouped convolution of a",
                 "depthwise": "A depthwise convolution of a",
                 "separable": "A depthwise-separable convolution of a"}.get(self.kind, "A")
        parts = [f"{layer} {h}x{w} input, a {kh}x{kw} kernel, stride {self.stride}, padding {self.padding}"]
        if self.dilation > 1:
            parts.append(f"dilation {self.dilation}")
        return ", ".join(parts) + ". What is the output's height x width?"


def value_question(trace: ConvTrace, seed: int) -> ValueQuestion:
    """A random step of ``trace`` to predict."""
    step = int(np.random.default_rng(seed).integers(trace.steps))
    y, x = (int(v) for v in trace.positions[step])
    return ValueQuestion(step, (y, x), trace.windows[step].copy(), trace.kernel.copy(), trace.bias,
                         float(trace.totals[step]))


def shape_question(seed: int, kind: str = "standard") -> ShapeQuestion:
    """Random but valid layer sizes (the kernel always fits the padded input) of the layer ``kind``."""
    from .family import output_hw

    rng = np.random.default_rng(seed)
    while True:
        h, w = (int(v) for v in rng.integers(4, 33, size=2))
        k = int(rng.choice([1, 2, 3, 4, 5, 7]))
        kh, kw = (k, k) if rng.random() < 0.8 else (k, int(rng.choice([1, 3, 5])))
        s = int(rng.choice([1, 1, 2, 2, 3]))
        p = int(rng.integers(0, 3))
        d = 1 if rng.random() < 0.75 else 2
        if kind == "transposed":
            h, w, p = h // 3 + 1, w // 3 + 1, min(p, k - 1)  # it grows the map: start small
        try:
            answer = output_hw(kind, (h, w), (kh, kw), stride=s, padding=p, dilation=d)
        except ValueError:
            continue
        return ShapeQuestion((h, w), (kh, kw), s, p, d, answer, kind)


def check_value(question: ValueQuestion, guess: float, *, tolerance: float = 0.01) -> bool:
    """Right when within ``tolerance`` (values on screen are rounded to two decimals)."""
    return abs(float(guess) - question.answer) <= tolerance + 1e-12
