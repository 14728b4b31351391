"""Training benchmarks: the shipped networks' time to their reported accuracy, an epoch against the same
network in PyTorch, and conv2d_grad / conv_transpose2d against PyTorch on 64x64x3 and 256x256x3.

1. ``train <name> time to reported accuracy``: the recipe of ``assets/train_networks.py`` from its seeds;
   the seconds until the held-out accuracy first reaches what the shipped weights report, against the
   budget of 10 s (the whole recipe's time is given too).
2. ``train <name> epoch vs torch``: one epoch (mini-batches with Adam, then the accuracy on the training
   and held-out sets, as ``learn.train`` does) against the same layers, weights, batches and optimizer in
   PyTorch CPU (float64, and float32 as a second line without --quick), when torch is importable.
3. ``conv2d_grad`` and ``conv_transpose2d`` with 16 3x3 filters: against ``torch.autograd.grad`` through
   ``conv2d`` (forward and backward: our call builds the patch matrix, which is most of a forward) and
   against ``torch.nn.functional.conv_transpose2d``, float64, after checking they agree to 1e-9.

Run: ``python bench/bench_train.py [--quick]`` or through ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(ROOT), str(HERE), str(ROOT / "assets")):
    if path not in sys.path:
        sys.path.insert(0, path)

from bench_engine import best_times, line, ms  # noqa: E402
from train_networks import RECIPES, run_recipe  # noqa: E402

from visualizer.grad import conv2d_grad, conv_transpose2d  # noqa: E402
from visualizer.learn import load_dataset, load_trained, new_model, train  # noqa: E402

try:  # PyTorch is a yardstick here, never a requirement.
    import torch
    import torch.nn.functional as torch_f
except ImportError:
    torch = None

TRAIN_BUDGET_S = 10.0
GRAD_WORKLOADS = [((64, 64, 3), True), ((256, 256, 3), True)]
N_FILTERS, KERNEL = 16, 3


def time_to_accuracy(name: str, runs: int) -> dict:
    """Train ``name`` from its recipe ``runs`` times; the best seconds until the held-out accuracy reaches
    the shipped model's (the recipe is deterministic: only the time varies)."""
    target = load_trained(name).meta["test_accuracy"]
    times, wholes = [], []
    for _ in range(runs):
        start = time.perf_counter()
        reached: list[float] = []

        def on_epoch(report, model, start=start, reached=reached) -> bool:
            if not reached and report.test_acc >= target:
                reached.append(time.perf_counter() - start)
            return True

        model, reports, seconds = run_recipe(name, on_epoch=on_epoch)
        times.extend(reached)
        wholes.append(seconds)
    first = min(times) if times else None
    seconds = min(wholes)
    return line(
        f"train {name} time to reported accuracy",
        None if first is None else round(first, 3),
        "s",
        "budget",
        TRAIN_BUDGET_S,
        budget=1.0,
        target_accuracy=target,
        final_accuracy=model.meta["test_accuracy"],
        whole_recipe_s=round(seconds, 3),
        epochs=len(reports),
        runs=runs,
        **({"error": f"never reached {target}"} if first is None else {}),
    )


def torch_network(model, dtype):
    """The same layers as ``model`` in torch.nn, with the same weights (HWC banks turned to NCHW)."""
    layers, c = [], model.input_shape[2]
    for spec, params in zip(model.specs, model.params, strict=True):
        if spec.kind == "conv":
            conv = torch.nn.Conv2d(c, spec.n_filters, spec.kernel, stride=spec.stride, padding=spec.padding)
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(params["filters"].transpose(0, 3, 1, 2)))
                conv.bias.copy_(torch.from_numpy(params["bias"]))
            layers.append(conv)
            c = spec.n_filters
        elif spec.kind == "activation":
            layers.append(torch.nn.ReLU())
        else:
            pool = torch.nn.MaxPool2d if spec.pool_mode == "max" else torch.nn.AvgPool2d
            layers.append(pool(spec.pool_size))
    return torch.nn.Sequential(*layers, torch.nn.Flatten()).to(dtype)


def torch_epoch(net, train_x, train_y, test_x, test_y, batch_size, lr, order) -> None:
    """One epoch as learn.train runs it: Adam on the batches in ``order``, then both accuracies."""
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    for b0 in range(0, len(order), batch_size):
        index = order[b0 : b0 + batch_size]
        optimizer.zero_grad()
        torch_f.cross_entropy(net(train_x[index]), train_y[index]).backward()
        optimizer.step()
    with torch.no_grad():
        (net(train_x).argmax(1) == train_y).double().mean().item()
        (net(test_x).argmax(1) == test_y).double().mean().item()


def epoch_vs_torch(name: str, quick: bool) -> list[dict]:
    recipe = RECIPES[name]
    data = load_dataset(name)
    train_set, test_set = data.split(recipe["test_fraction"], seed=recipe["split_seed"])
    batch, lr = recipe["batch_size"], recipe["phases"][0][1]
    model = new_model(recipe["specs"](), data.images.shape[1:], data.class_names, seed=recipe["init_seed"])
    repeats = 2 if quick else 5
    contenders = {"ours": lambda: train(model, train_set, test_set, epochs=1, batch_size=batch, lr=lr)}
    if torch is None:
        ours = best_times(contenders, repeats)["ours"]
        return [line(f"train {name} epoch vs torch", ms(ours), "ms", "torch f64", None,
                     skipped="torch is not installed", budget=None)]
    order = torch.from_numpy(np.random.default_rng(0).permutation(len(train_set)))
    labels = ("torch f64",) if quick else ("torch f64", "torch f32")
    for dtype, label in ((torch.float64, "torch f64"), (torch.float32, "torch f32"))[: len(labels)]:
        args = [torch.from_numpy(train_set.images.transpose(0, 3, 1, 2)).to(dtype),
                torch.from_numpy(train_set.labels),
                torch.from_numpy(test_set.images.transpose(0, 3, 1, 2)).to(dtype),
                torch.from_numpy(test_set.labels)]
        net = torch_network(model, dtype)
        contenders[label] = lambda net=net, args=args: torch_epoch(net, *args, batch, lr, order)
    best = best_times(contenders, repeats)
    common = {"train_images": len(train_set), "batch_size": batch, "torch_threads": torch.get_num_threads(),
              "note": "Adam over every batch, then accuracy on the training and held-out sets", "budget": None}
    return [
        line(f"train {name} epoch vs {label}", ms(best["ours"]), "ms", label, ms(best[label]), **common)
        for label in labels
    ]


def grad_vs_torch(shape: tuple[int, int, int], quick: bool) -> list[dict]:
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    w = rng.standard_normal((N_FILTERS, KERNEL, KERNEL, shape[2]))
    g = rng.standard_normal((shape[0] - KERNEL + 1, shape[1] - KERNEL + 1, N_FILTERS))
    name = f"{shape[0]}x{shape[1]}x{shape[2]} {N_FILTERS}x{KERNEL}x{KERNEL}"
    repeats = 3 if quick else 10
    contenders = {
        "conv2d_grad": lambda: conv2d_grad(x, w, g),
        "conv_transpose2d": lambda: conv_transpose2d(g, w),
    }
    if torch is None:
        best = best_times(contenders, repeats)
        return [line(f"{key} f64 {name} vs torch", ms(best[key]), "ms", "torch", None,
                     skipped="torch is not installed", budget=None) for key in contenders]
    xt = torch.from_numpy(x.transpose(2, 0, 1)[None].copy()).requires_grad_(True)
    wt = torch.from_numpy(w.transpose(0, 3, 1, 2).copy()).requires_grad_(True)
    bt = torch.zeros(N_FILTERS, dtype=torch.float64, requires_grad=True)
    gt = torch.from_numpy(g.transpose(2, 0, 1)[None].copy())

    def torch_grad():
        return torch.autograd.grad(torch_f.conv2d(xt, wt, bt), (xt, wt, bt), grad_outputs=gt)

    def torch_transpose():
        return torch_f.conv_transpose2d(gt, wt.detach())

    gx, gw, gb = conv2d_grad(x, w, g)
    tx, tw, tb = torch_grad()
    err_grad = max(float(np.abs(gx - tx[0].numpy().transpose(1, 2, 0)).max()),
                   float(np.abs(gw - tw.numpy().transpose(0, 2, 3, 1)).max()), float(np.abs(gb - tb.numpy()).max()))
    err_t = float(np.abs(conv_transpose2d(g, w) - torch_transpose()[0].numpy().transpose(1, 2, 0)).max())
    scale = float(np.abs(g).sum(axis=(0, 1)).max() * np.abs(x).max())  # the size of a grad_filters sum
    out = []
    if not (err_grad <= 1e-9 * max(1.0, scale) and err_t <= 1e-9):
        raise AssertionError(f"differs from torch: conv2d_grad by {err_grad:.3g}, conv_transpose2d by {err_t:.3g}")
    best = best_times({**contenders, "torch autograd": torch_grad, "torch conv_transpose2d": torch_transpose},
                      repeats)
    extra = {"torch_threads": torch.get_num_threads(), "budget": None}
    out.append(line(f"conv2d_grad f64 {name} vs torch autograd", ms(best["conv2d_grad"]), "ms",
                    "torch autograd (conv2d forward + backward)", ms(best["torch autograd"]),
                    max_abs_err_vs_torch=err_grad, **extra))
    out.append(line(f"conv_transpose2d f64 {name} vs torch", ms(best["conv_transpose2d"]), "ms",
                    "torch conv_transpose2d", ms(best["torch conv_transpose2d"]), max_abs_err_vs_torch=err_t, **extra))
    return out


def run(quick: bool) -> list[dict]:
    """All training benchmarks; a job that fails becomes a line with ``error`` (the others still run)."""
    jobs = [(f"train {n} time to reported accuracy", lambda n=n: [time_to_accuracy(n, 1 if quick else 3)])
            for n in RECIPES]
    jobs += [(f"train {n} epoch vs torch", lambda n=n: epoch_vs_torch(n, quick)) for n in RECIPES]
    jobs += [(f"conv2d_grad {s}", lambda s=s: grad_vs_torch(s, quick)) for s, in_quick in GRAD_WORKLOADS
             if in_quick or not quick]
    results = []
    for label, job in jobs:
        try:
            results.extend(job())
        except Exception as exc:  # noqa: BLE001 - report and carry on
            results.append({"metric": label, "value": None, "unit": None, "reference": None, "ratio": None,
                            "error": f"{type(exc).__name__}: {exc}"})
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    for result in run(parser.parse_args().quick):
        print(json.dumps(result), flush=True)
