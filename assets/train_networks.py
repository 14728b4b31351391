"""Train the two networks the app ships and save them as ``trained_shapes.npz`` and ``trained_digits.npz``,
and the same weights as ONNX: ``founding_chain.onnx`` and ``digits_net.onnx`` (``--onnx`` writes only
these, from the saved weights: the same weights always give the same bytes).

Run from anywhere: ``python assets/train_networks.py``. Everything is seeded (the split, the starting
weights, the order of the batches), so a run gives the same weights on the same NumPy and BLAS; the
held-out accuracy printed at the end is stored in the file (``meta``) and checked by tests/test_learn.py.

- shapes: the founding chain (``network.founding_specs()``, 5x5x1 -> 1x1x6) on ``assets/shapes.npz``;
- digits: ``learn.digits_specs()`` (8x8x1 -> 1x1x10) on ``assets/digits.npz`` (the UCI digits).

Each is trained with Adam in two phases (a larger learning rate, then a smaller one to settle), and
held out: 20 % of each class, never seen in training, measures the accuracy.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ASSETS = Path(__file__).resolve().parent
sys.path.insert(0, str(ASSETS.parent))

from visualizer.learn import (  # noqa: E402
    EpochReport,
    Model,
    accuracy,
    digits_specs,
    load_dataset,
    load_trained,
    new_model,
    save_model,
    train,
)
from visualizer.network import founding_specs  # noqa: E402
from visualizer.onnx_export import model_to_onnx  # noqa: E402

RECIPES = {
    "shapes": {
        "specs": founding_specs,
        "test_fraction": 0.2,
        "split_seed": 0,
        "init_seed": 0,
        "batch_size": 64,
        "phases": [(15, 0.01), (5, 0.002)],  # (epochs, Adam learning rate)
    },
    "digits": {
        "specs": digits_specs,
        "test_fraction": 0.2,
        "split_seed": 0,
        "init_seed": 0,
        "batch_size": 32,
        "phases": [(15, 0.01), (5, 0.002)],
    },
}


def run_recipe(name: str, on_epoch=None) -> tuple[Model, list[EpochReport], float]:
    """Train the network ``name`` from its recipe; returns ``(model, reports, seconds)`` (seconds of training,
    including the accuracy measured after each epoch, excluding loading the data)."""
    recipe = RECIPES[name]
    data = load_dataset(name)
    train_set, test_set = data.split(recipe["test_fraction"], seed=recipe["split_seed"])
    model = new_model(recipe["specs"](), data.images.shape[1:], data.class_names, seed=recipe["init_seed"])
    reports: list[EpochReport] = []
    start = time.perf_counter()
    for phase, (epochs, lr) in enumerate(recipe["phases"]):
        reports += train(model, train_set, test_set, epochs=epochs, batch_size=recipe["batch_size"], lr=lr,
                         seed=phase, on_epoch=on_epoch)
    seconds = time.perf_counter() - start
    model.meta = {
        "dataset": name,
        "test_fraction": recipe["test_fraction"],
        "split_seed": recipe["split_seed"],
        "test_accuracy": accuracy(model, test_set),
        "train_accuracy": accuracy(model, train_set),
        "n_train": len(train_set),
        "n_test": len(test_set),
        "epochs": sum(e for e, _ in recipe["phases"]),
        "recipe": "assets/train_networks.py",
    }
    return model, reports, seconds


ONNX_FILES = {"shapes": ("founding_chain.onnx", "the founding chain, trained on six 5x5 shapes"),
              "digits": ("digits_net.onnx", "the digits network, trained on the UCI 8x8 digits")}


def write_onnx() -> None:
    """The shipped weights as ONNX files beside them (what the Your model page opens as examples)."""
    for name, (filename, title) in ONNX_FILES.items():
        (ASSETS / filename).write_bytes(model_to_onnx(load_trained(name), name=title))
        print(f"wrote assets/{filename}")


def main() -> None:
    if "--onnx" in sys.argv[1:]:
        write_onnx()
        return
    for name in RECIPES:
        model, reports, seconds = run_recipe(name)
        save_model(model, ASSETS / f"trained_{name}.npz")
        meta = model.meta
        print(
            f"{name}: held-out accuracy {meta['test_accuracy']:.4f} ({meta['n_test']} images), "
            f"train {meta['train_accuracy']:.4f}, {len(reports)} epochs in {seconds:.2f} s"
        )
    write_onnx()


if __name__ == "__main__":
    main()
