"""The GIF export: one frame per step (capped), the window drawn where the trace says, output filling in."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from visualizer import founding_image, trace_convolution
from visualizer.figures.gif import WINDOW, animation_gif, gif_frames

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
    frames = gif_frames(trace, cell=cell)
    for step, frame in enumerate(frames):
        pixels = np.asarray(frame)
        rows, cols = trace.window_cells(step)
        # the top-left corner pixel of every window cell is painted in the window colour
        for r in rows:
            for c in cols:
                assert tuple(pixels[r * cell, c * cell]) == WINDOW
        # and a cell outside the window is not
        outside = [(r, c) for r in range(5) for c in range(5) if r not in rows or c not in cols]
        r, c = outside[0]
        assert tuple(pixels[r * cell + cell // 2, c * cell + 2]) != WINDOW


def test_output_cells_fill_in_step_by_step() -> None:
    trace = trace_convolution(founding_image(), X)
    cell = 40
    frames = [np.asarray(f) for f in gif_frames(trace, cell=cell)]
    x0 = 5 * cell + cell
    white = np.array([255, 255, 255])
    for step, pixels in enumerate(frames):
        for s in range(trace.steps):
            y, x = trace.positions[s]
            centre = pixels[y * cell + cell // 4, x0 + x * cell + cell // 4]
            assert (not np.array_equal(centre, white)) == (s <= step)
