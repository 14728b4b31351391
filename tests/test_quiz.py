"""Quiz questions are valid and their answers agree with independent computations."""

from __future__ import annotations

import numpy as np
import pytest

from visualizer import founding_image, trace_convolution
from visualizer.quiz import check_value, shape_question, value_question


@pytest.mark.parametrize("seed", range(40))
def test_shape_question_answer_follows_the_formula(seed: int) -> None:
    q = shape_question(seed)
    (h, w), (kh, kw) = q.input_hw, q.kernel_hw
    expected = tuple(
        (i + 2 * q.padding - q.dilation * (k - 1) - 1) // q.stride + 1 for i, k in ((h, kh), (w, kw))
    )
    assert q.answer == expected
    assert min(q.answer) >= 1
    assert f"{h}x{w}" in q.text()


@pytest.mark.parametrize("seed", range(10))
def test_value_question_answer_is_the_window_times_the_kernel(seed: int) -> None:
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1.0]])
    trace = trace_convolution(founding_image(), kernel, 0.5, padding=1)
    q = value_question(trace, seed)
    y, x = q.position
    padded = np.pad(founding_image()[:, :, 0], 1)
    window = padded[y:y + 3, x:x + 3]
    np.testing.assert_array_equal(q.window[:, :, 0], window)
    assert q.answer == pytest.approx(float((window * kernel).sum()) + 0.5)
    assert check_value(q, q.answer + 0.004)
    assert not check_value(q, q.answer + 1)
