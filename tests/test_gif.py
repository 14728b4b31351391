"""The GIF export: one frame per step (capped), the window drawn where the trace says, the kernel, the
products and the sum drawn as the chart draws them, the output filling in."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from visualizer import founding_image, trace_convolution
from visualizer.figures.gif import TITLE_PX, WINDOW, animation_gif, gif_frames, gif_geometry

X = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1.0]])


def test_gif_has_one_frame_per_step_and_loops() -> None:
    trace = trace_convolution(founding_image(), X, padding=1)
    gif = Image.open(io.BytesIO(animation_gif(trace, frame_ms=100)))
    assert gif.n_frames == trace.steps == 25
    assert gif.info.get("loop") == 0


def test_frames_are_capped_and_end_on_the_last_step() -> None:
    rng = np.random.default_rng(0)
    trace = trace_convolution(rng.random((40, 40, 1)), X)
    frames = gif_frames(trace, max_frames=50)
    assert len(frames) == 50
    last = np.asarray(frames[-1])
    first = np.asarray(frames[0])
    assert not np.array_equal(first, last)


def test_window_outline_sits_on_the_traced_cells() -> None:
    trace = trace_convolution(founding_image(), X, stride=2)
    cell = 40
    g = gif_geometry(trace, cell)
    frames = gif_frames(trace, cell=cell)
    for step, frame in enumerate(frames):
        pixels = np.asarray(frame)
        rows, cols = trace.window_cells(step)
        # the top-left corner pixel of every window cell is painted in the window colour
        for r in rows:
            for c in cols:
                assert tuple(pixels[TITLE_PX + r * cell, g.in_x + c * cell]) == WINDOW
        # and a cell outside the window is not
        outside = [(r, c) for r in range(5) for c in range(5) if r not in rows or c not in cols]
        r, c = outside[0]
        assert tuple(pixels[TITLE_PX + r * cell + cell // 2, g.in_x + c * cell + 2]) != WINDOW


def test_output_cells_fill_in_step_by_step() -> None:
    trace = trace_convolution(founding_image(), X)
    g = gif_geometry(trace, 40)
    frames = [np.asarray(f) for f in gif_frames(trace, cell=40)]
    white = np.array([255, 255, 255])
    for step, pixels in enumerate(frames):
        for s in range(trace.steps):
            y, x = trace.positions[s]
            centre = pixels[TITLE_PX + y * g.ocell + g.ocell // 4, g.out_x + x * g.ocell + g.ocell // 4]
            assert (not np.array_equal(centre, white)) == (s <= step)


def _region(frame, x0: int, y0: int, w: int, h: int) -> np.ndarray:
    return np.asarray(frame)[y0 : y0 + h, x0 : x0 + w]


def test_the_kernel_is_drawn_and_changes_with_the_kernel() -> None:
    image = founding_image()
    other = X.copy()
    other[1, 1] = -2.0
    a, b = trace_convolution(image, X), trace_convolution(image, other)
    ga, gb = gif_geometry(a), gif_geometry(b)
    assert ga == gb
    size = 3 * ga.kcell
    kernel_a = _region(gif_frames(a)[0], ga.k_x, TITLE_PX, size, size)
    kernel_b = _region(gif_frames(b)[0], ga.k_x, TITLE_PX, size, size)
    assert not np.array_equal(kernel_a, kernel_b)
    assert (kernel_a != 255).any()  # not blank
    # the kernel panel is the same in every frame of one animation
    assert all(np.array_equal(kernel_a, _region(f, ga.k_x, TITLE_PX, size, size)) for f in gif_frames(a))


def test_products_and_sum_change_from_step_to_step() -> None:
    trace = trace_convolution(founding_image(), X)
    g = gif_geometry(trace)
    frames = gif_frames(trace)
    size = 3 * g.kcell
    products = [_region(f, g.p_x, TITLE_PX, size, size) for f in frames]
    sums = [np.asarray(f)[g.panels_h :] for f in frames]
    for s in range(1, trace.steps):
        differ = not np.allclose(trace.products[s], trace.products[s - 1])
        assert differ == (not np.array_equal(products[s], products[s - 1]))
        assert not np.array_equal(sums[s], sums[s - 1])  # the caption and the sum name the step
        assert (sums[s] < 128).any()  # dark text under the panels
