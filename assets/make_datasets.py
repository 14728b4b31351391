"""Write the two data sets the Learn page ships: ``shapes.npz`` (generated) and ``digits.npz`` (UCI digits).

Run once from anywhere: ``python assets/make_datasets.py``. The shapes come from
:func:`visualizer.learn.make_shapes` with a fixed seed. The digits are the UCI "Optical Recognition of
Handwritten Digits" test set (Alpaydin & Kaynak, CC BY 4.0) exported from the copy bundled with
scikit-learn, which is needed for this script only (``pip install scikit-learn``), never at run time.
Both files load with ``np.load(path, allow_pickle=False)``: ``images`` uint8 in ``0..scale``, ``labels``
uint8, ``class_names`` text, ``scale`` the value that means full ink.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ASSETS = Path(__file__).resolve().parent
sys.path.insert(0, str(ASSETS.parent))

from visualizer.learn import make_shapes  # noqa: E402

SHAPES_PER_CLASS = 1500
SHAPES_SEED = 0
SHAPES_NOISE = 0.03


def save(name: str, images: np.ndarray, labels: np.ndarray, class_names: list[str], scale: int) -> Path:
    path = ASSETS / f"{name}.npz"
    np.savez_compressed(
        path,
        images=images.astype(np.uint8),
        labels=labels.astype(np.uint8),
        class_names=np.array(class_names),
        scale=np.array(scale, dtype=np.uint8),
    )
    return path


def main() -> None:
    shapes = make_shapes(SHAPES_PER_CLASS, seed=SHAPES_SEED, noise=SHAPES_NOISE)
    print(save("shapes", shapes.images[..., 0], shapes.labels, shapes.class_names, 1))

    from sklearn.datasets import load_digits  # only here: scikit-learn is not a run-time dependency

    digits = load_digits()
    print(save("digits", digits.images, digits.target, [str(d) for d in range(10)], 16))


if __name__ == "__main__":
    main()
