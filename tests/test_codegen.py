"""The generated reproduction code computes the same numbers as the engine, to the last digit."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import scipy.signal

from visualizer import conv2d
from visualizer.codegen import reproduction_code


def run_numpy_part(code: str) -> np.ndarray:
    numpy_part = code.split("# The same with PyTorch")[0]
    namespace: dict = {}
    exec(numpy_part.replace("print(out[:, :, 0])", ""), namespace)  # our own generated code, in a test
    return namespace["out"]


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 0, 1)])
def test_generated_numpy_code_reproduces_conv2d(stride: int, padding: int, dilation: int) -> None:
    rng = np.random.default_rng(7)
    image = rng.random((9, 11, 3))
    filters = rng.normal(size=(4, 3, 2, 3))
    bias = rng.normal(size=4)
    out = run_numpy_part(reproduction_code(image, filters, bias, stride=stride, padding=padding, dilation=dilation))
    expected = conv2d(image, filters, bias, stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)


def test_generated_code_matches_scipy_on_the_founding_example() -> None:
    image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0.]])
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1.]])
    out = run_numpy_part(reproduction_code(image[:, :, None], kernel[None, :, :, None], np.zeros(1), torch=False))
    np.testing.assert_array_equal(out[:, :, 0], scipy.signal.correlate(image, kernel, mode="valid"))
    np.testing.assert_array_equal(out[:, :, 0], [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_values_are_written_exactly() -> None:
    image = np.array([[[0.1], [1 / 3]], [[2 / 3], [1e-300]]])
    code = reproduction_code(image, np.ones((1, 1, 1, 1)), np.zeros(1), torch=False)
    assert repr(1 / 3) in code and "1e-300" in code
    np.testing.assert_array_equal(run_numpy_part(code)[:, :, 0], image[:, :, 0])


def test_torch_part_agrees_when_torch_is_installed() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    image, filters, bias = rng.random((6, 7, 2)), rng.normal(size=(3, 3, 3, 2)), rng.normal(size=3)
    namespace: dict = {}
    exec(reproduction_code(image, filters, bias, stride=2, padding=1), namespace)
    assert torch is not None
    np.testing.assert_allclose(namespace["out_torch"], conv2d(image, filters, bias, stride=2, padding=1), atol=1e-12)


def test_grouped_depthwise_and_separable_code_runs_and_matches_the_engine():
    from visualizer import family
    from visualizer.codegen import grouped_code

    rng = np.random.default_rng(3)
    image, bank, bias = rng.normal(size=(6, 5, 6)), rng.normal(size=(6, 3, 3, 6)), rng.normal(size=6)
    for kind, g in (("grouped", 2), ("grouped", 3), ("depthwise", 1), ("separable", 1)):
        args = {"stride": 2, "padding": 1, "dilation": 1}
        code = grouped_code(image, bank, bias, kind=kind, groups=g, **args)
        namespace: dict = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, namespace)  # our own generated code, in a test
        want = family.layer_output(kind, image, bank, bias, groups=g, **args)
        np.testing.assert_allclose(namespace["out"], want, atol=1e-12)
        np.testing.assert_allclose(namespace["out_torch"], want, atol=1e-12)
