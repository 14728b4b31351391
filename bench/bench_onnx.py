"""Models read from ONNX files: one image through a LeNet-5 and a small MobileNet-style network (32x32x3,
depthwise blocks, residual adds), our NumPy engine against onnxruntime in the same run; the grouped and
depthwise ``conv2d`` against PyTorch's; and the views of one stage (the sliding view of a cell, its maps)
against the floor of any sliding view.

Run alone with ``python bench/bench_onnx.py [--quick]`` or through ``bench/run.py``. Each line's ratio is
ours / the reference, timed round-robin in the same run (``bench_engine.best_times``); results are checked
against the reference first (a wrong answer is an error, not a benchmark).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from bench_engine import best_times, line, ms  # noqa: E402

from visualizer import read_onnx  # noqa: E402
from visualizer.conv import conv2d  # noqa: E402
from visualizer.figures import sliding_figure, tensor_figure  # noqa: E402
from visualizer.onnx_model import trace_conv_cell  # noqa: E402
from visualizer.trace import trace_convolution  # noqa: E402

ASSETS = HERE.parent / "assets"
MODELS = {"LeNet-5 (32x32x1)": "lenet5_digits.onnx",
          "tiny MobileNet (32x32x3, depthwise)": "tiny_mobilenet_shapes.onnx"}
GROUPED = [  # (H, W, C), (N, k), groups, in --quick too?
    ((64, 64, 32), (32, 3), 32, True),  # depthwise
    ((56, 56, 64), (64, 3), 4, True),
    ((112, 112, 96), (96, 3), 96, False),
]


def bench_model(title: str, file: str, repeats: int) -> list[dict]:
    import onnxruntime as ort

    lines = []
    data = (ASSETS / file).read_bytes()
    network = read_onnx(data)
    x = np.random.default_rng(0).random(network.input_shape).astype(np.float32)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feed = {network.input_name: x}
    ours = network.run(x)[network.output]
    want = session.run(None, feed)[0]
    if not np.allclose(ours, want, rtol=1e-4, atol=1e-4):
        raise AssertionError(f"{title}: our output differs from onnxruntime's by {np.abs(ours - want).max():.3g}")
    t = best_times({"ours": lambda: network.run(x), "ort": lambda: session.run(None, feed)}, repeats)
    lines.append(line(f"onnx one image: {title}", ms(t["ours"]), "ms", "onnxruntime", ms(t["ort"]),
                      macs=network.macs, stages=len(network.stages) - 1,
                      note="our float64 NumPy engine, every stage kept, vs onnxruntime float32"))
    t = best_times({"read": lambda: read_onnx(data)}, repeats)
    lines.append(line(f"onnx read and plan: {title}", ms(t["read"]), "ms", "one run of the model (ours)",
                      ms(best_times({"run": lambda: network.run(x)}, repeats)["run"])))
    return lines


def bench_grouped(shape: tuple[int, int, int], n: int, k: int, groups: int, repeats: int) -> list[dict]:
    import torch
    import torch.nn.functional as f

    lines = []
    rng = np.random.default_rng(sum(shape) + groups)
    image = rng.standard_normal(shape)
    bank = rng.standard_normal((n, k, k, shape[2] // groups))
    xt = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
    wt = torch.from_numpy(bank.transpose(0, 3, 1, 2).copy())
    ours = conv2d(image, bank, padding=k // 2, groups=groups)
    want = f.conv2d(xt, wt, padding=k // 2, groups=groups)[0].numpy().transpose(1, 2, 0)
    if not np.allclose(ours, want, rtol=0, atol=1e-9):
        raise AssertionError(f"grouped conv2d differs from PyTorch by {np.abs(ours - want).max():.3g}")
    t = best_times({"ours": lambda: conv2d(image, bank, padding=k // 2, groups=groups),
                    "torch": lambda: f.conv2d(xt, wt, padding=k // 2, groups=groups)}, repeats)
    kind = "depthwise" if groups == shape[2] else f"{groups} groups"
    h, w, c = shape
    lines.append(line(f"conv2d {kind} {h}x{w}x{c} {n}x{k}x{k}", ms(t["ours"]), "ms", "torch f64", ms(t["torch"])))
    return lines


def bench_stage_views(repeats: int) -> list[dict]:
    """What the Your model page draws for one convolution stage: the cell's trace and sliding figure, and the
    stage's maps; against one sliding figure of a 6x6 trace of a 3x3 kernel (the floor of any sliding view)."""
    data = (ASSETS / "tiny_mobilenet_shapes.onnx").read_bytes()
    network = read_onnx(data)
    x = np.random.default_rng(0).random(network.input_shape).astype(np.float32)
    values = network.run(x)
    stage = network.stages[1]
    before = network.image(0, values[0])

    def views() -> int:
        cell = trace_conv_cell(stage, before, 3, 7, 9)
        fig = sliding_figure(cell.trace, step=cell.step, max_frames=36, width_px=800)
        maps = tensor_figure(network.image(1, values[1]), max_channels=32)
        return len(json.dumps(fig)) + len(json.dumps(maps))

    floor_trace = trace_convolution(np.random.default_rng(1).random((8, 8, 1)), np.ones((3, 3)))
    t = best_times({"views": views, "floor": lambda: json.dumps(sliding_figure(floor_trace, max_frames=36))}, repeats)
    return [line("model page: the views of a convolution stage", ms(t["views"]), "ms",
                 "one sliding figure of a 6x6 trace (floor)", ms(t["floor"]), budget_ms=1000,
                 within_budget_ms=t["views"] < 1.0)]


def run(quick: bool) -> list[dict]:
    repeats = 5 if quick else 15
    lines = [item for title, file in MODELS.items() for item in bench_model(title, file, repeats)]
    for shape, (n, k), groups, in_quick in GROUPED:
        if in_quick or not quick:
            lines += bench_grouped(shape, n, k, groups, repeats)
    return lines + bench_stage_views(repeats)


if __name__ == "__main__":
    for item in run("--quick" in sys.argv[1:]):
        print(json.dumps(item))
