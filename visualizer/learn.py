"""Learning: the data sets we ship, a model made of a layer stack, and a training loop you can read in
one sitting.

A :class:`Model` is a stack of :class:`~visualizer.network.LayerSpec` plus one dict of weights per
layer; its last stage is ``1x1xK``: K class scores ("logits"). Training pushes a batch forward layer by
layer (each kind's ``forward`` from :data:`visualizer.layers.KINDS`, keeping a cache), measures the
softmax cross-entropy, walks back through the layers (each kind's ``backward``) and lets an optimizer
(:class:`SGD` or :class:`Adam`) move every weight a little against its gradient.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .conv import real_array
from .layers import KINDS
from .network import LayerSpec, StackError, Stage, founding_specs, plan_shapes, run_stack

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DATASETS = ("shapes", "digits")
SHAPES_CLASSES: list[str] = ["X", "O", "+", "-", "|", ">"]
DIGITS_CLASSES: list[str] = [str(d) for d in range(10)]
FORMAT_VERSION = 1


# --- data ------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Labelled images: images ``(M, H, W, 1)`` float64 in [0, 1]; labels ``(M,)`` int, indices into class_names."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: np.ndarray) -> Dataset:
        return Dataset(self.name, self.images[index], self.labels[index], list(self.class_names))

    def split(self, test_fraction: float = 0.2, seed: int = 0) -> tuple[Dataset, Dataset]:
        """A seeded split into ``(train, test)``, stratified: each class gives ``test_fraction`` of its
        examples (at least one when it has two or more) to the test set."""
        if not 0 < test_fraction < 1:
            raise ValueError(f"the test fraction must be between 0 and 1, not {test_fraction!r}")
        rng = np.random.default_rng(seed)
        test = []
        for k in range(len(self.class_names)):
            members = np.flatnonzero(self.labels == k)
            n_test = min(len(members) - 1, max(1, round(len(members) * test_fraction))) if len(members) > 1 else 0
            test.extend(rng.permutation(members)[:n_test])
        is_test = np.zeros(len(self), dtype=bool)
        is_test[np.asarray(test, dtype=int)] = True
        return self.subset(np.flatnonzero(~is_test)), self.subset(np.flatnonzero(is_test))


# The six glyph classes of the shapes set; each is drawn from one of several templates ("1" = ink),
# placed at a random shift inside the 5x5 grid. The founding image is the third ">" template.
_GLYPHS: dict[str, list[str]] = {
    "X": ["101/010/101", "1001/0110/0110/1001", "10001/01010/00100/01010/10001"],
    "O": ["111/101/111", "1111/1001/1111", "111/101/101/111", "1111/1001/1001/1111", "01110/10001/10001/01110"],
    "+": ["010/111/010", "00100/00100/11111/00100/00100", "0100/1111/0100/0100", "010/111/010/010"],
    "-": ["1111", "11111", "1111/1111", "11111/11111"],
    "|": ["1/1/1/1", "1/1/1/1/1", "11/11/11/11", "11/11/11/11/11"],
    ">": ["100/010/001/010/100", "11100/01110/00111/00110/01100", "1100/0110/0011/0110/1100", "110/011/110"],
}


def _template(text: str) -> np.ndarray:
    return np.array([[int(ch) for ch in row] for row in text.split("/")], dtype=np.float64)


def make_shapes(n_per_class: int, *, seed: int = 0, noise: float = 0.04) -> Dataset:
    """Six classes of 5x5 binary glyphs (:data:`SHAPES_CLASSES`), each a template at a random shift with
    each pixel flipped with probability ``noise``.

    Returns a :class:`Dataset` of ``6 * n_per_class`` images ``(5, 5, 1)`` in class order; the same seed
    always gives the same images.
    """
    if not (isinstance(n_per_class, int) and 1 <= n_per_class <= 100_000):
        raise ValueError(f"n_per_class must be a whole number from 1 to 100000, not {n_per_class!r}")
    if not 0 <= noise <= 0.5:
        raise ValueError(f"noise is the chance of flipping a pixel, from 0 to 0.5, not {noise!r}")
    rng = np.random.default_rng(seed)
    images = np.zeros((6 * n_per_class, 5, 5))
    for k, name in enumerate(SHAPES_CLASSES):
        templates = [_template(t) for t in _GLYPHS[name]]
        for i in range(n_per_class):
            t = templates[rng.integers(len(templates))]
            y, x = rng.integers(0, 6 - t.shape[0]), rng.integers(0, 6 - t.shape[1])
            images[k * n_per_class + i, y : y + t.shape[0], x : x + t.shape[1]] = t
    flips = rng.random(images.shape) < noise
    images = np.where(flips, 1.0 - images, images)
    labels = np.repeat(np.arange(6), n_per_class)
    return Dataset("shapes", images[..., None], labels, list(SHAPES_CLASSES))


def load_dataset(name: str) -> Dataset:
    """A shipped data set from ``assets/<name>.npz`` ("shapes" or "digits"); nothing is downloaded.

    The npz holds ``images`` (uint8, 0..``scale``), ``labels`` and ``class_names``; images come back
    as ``(M, H, W, 1)`` float64 in [0, 1].
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    with np.load(ASSETS / f"{name}.npz", allow_pickle=False) as data:
        images = data["images"].astype(np.float64) / float(data["scale"])
        return Dataset(name, images[..., None], data["labels"].astype(np.int64), [str(c) for c in data["class_names"]])


# --- the model ---------------------------------------------------------------------------------------


@dataclass
class Model:
    """A layer stack with weights. ``params[i]`` belongs to ``specs[i]`` (``{}`` for layers without weights).

    ``meta`` carries what a saved model reports about itself (its held-out accuracy, how it was trained).
    """

    specs: list[LayerSpec]
    params: list[dict[str, np.ndarray]]
    class_names: list[str]
    input_shape: tuple[int, int, int]
    meta: dict = field(default_factory=dict)

    def forward(self, x: np.ndarray, caches: list | None = None) -> np.ndarray:
        """Class scores (logits) ``(B, K)`` for a batch ``(B, H, W, C)``; fills ``caches`` for backward."""
        for spec, params in zip(self.specs, self.params, strict=True):
            x, cache = KINDS[spec.kind].forward(spec, params, x)
            if caches is not None:
                caches.append(cache)
        return x.reshape(x.shape[0], -1)

    def backward(self, caches: list, grad_logits: np.ndarray) -> list[dict[str, np.ndarray]]:
        """The gradient of every weight, from the caches of :meth:`forward` and ``grad_logits`` ``(B, K)``."""
        g = grad_logits.reshape(grad_logits.shape[0], 1, 1, -1)
        grads: list[dict[str, np.ndarray]] = [{} for _ in self.specs]
        for i in reversed(range(len(self.specs))):
            spec = self.specs[i]
            g, grads[i] = KINDS[spec.kind].backward(spec, self.params[i], caches[i], g)
        return grads

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Softmax probabilities ``(B, K)`` for a batch ``(B, H, W, C)`` (or one image ``(H, W, C)``: B = 1)."""
        x = _as_batch(x, self.input_shape)
        return softmax(self.forward(x))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The most likely class index ``(B,)`` of each image."""
        return self.predict_proba(x).argmax(axis=1)

    def stages(self, image: np.ndarray) -> list[Stage]:
        """Every stage's tensor for one image ``(H, W, C)``, with these weights (for the network view)."""
        return run_stack(image, self.specs, self.params)


def _as_batch(x: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    arr = real_array(x, "the images").astype(np.float64)
    if arr.ndim == 2 and input_shape[2] == 1:
        arr = arr[..., None]
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[1:] != tuple(input_shape):
        raise ValueError(f"this model takes images of shape {tuple(input_shape)}, not {np.shape(x)}")
    if not np.isfinite(arr).all():
        raise ValueError("the images contain NaN or infinite values")
    return arr


def new_model(
    specs: list[LayerSpec], input_shape: tuple[int, int, int], class_names: list[str], *, seed: int = 0
) -> Model:
    """A model with random (He-style) starting weights; its last stage must be ``1x1xK``, K = len(class_names)."""
    stages = plan_shapes(specs, input_shape)
    k = len(class_names)
    if stages[-1].shape != (1, 1, k):
        raise StackError(
            len(specs), f"the last stage must be 1x1x{k} (one score per class), not "
            f"{'x'.join(map(str, stages[-1].shape))}"
        )
    rng = np.random.default_rng(seed)
    params, c = [], int(input_shape[2])
    for spec in specs:
        kind = KINDS[spec.kind]
        params.append(kind.init_params(spec, c, rng))
        c = kind.out_channels(spec, c)
    return Model(list(specs), params, [str(n) for n in class_names], tuple(int(v) for v in input_shape))


def digits_specs() -> list[LayerSpec]:
    """The digits network: the founding chain's layers on 8x8 inputs, with a 2x2 max pool before the last::

        8x8x1 -> 15 [3x3x1] -> 6x6x15 -> ReLU -> 10 [1x1x15] -> 6x6x10 -> ReLU -> max pool 2x2 -> 3x3x10
              -> 10 [3x3x10] -> 1x1x10

    Measured on the held-out digits (assets/train_networks.py): 97.5 %, where the chain without
    the pool (``... -> ReLU -> 10 [6x6x10]``) stops near 95.8 %, learning its training set by heart.
    """
    return [
        LayerSpec("conv", n_filters=15, kernel=3, seed=1),
        LayerSpec("activation", activation="relu"),
        LayerSpec("conv", n_filters=10, kernel=1, seed=2),
        LayerSpec("activation", activation="relu"),
        LayerSpec("pool", pool_size=2, pool_mode="max"),
        LayerSpec("conv", n_filters=10, kernel=3, seed=3),
    ]


# --- loss and optimizers ---------------------------------------------------------------------------


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(B, K)`` scores, shifted by each row's maximum so exp never overflows."""
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean of ``-log softmax(logits)[label]`` over the batch, and its gradient ``(softmax - onehot) / B``.

    Inputs: logits ``(B, K)``; labels ``(B,)`` ints in ``0..K-1``. Returns ``(loss, grad_logits (B, K))``.
    """
    b = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(b)
    loss = -float(log_probs[rows, labels].mean())
    grad = np.exp(log_probs)
    grad[rows, labels] -= 1.0
    return loss, grad / b


class SGD:
    """Stochastic gradient descent with momentum: ``v = momentum * v + g``; ``w -= lr * v``."""

    def __init__(self, lr: float = 0.05, momentum: float = 0.9):
        self.lr, self.momentum = lr, momentum
        self.velocity: dict[tuple[int, str], np.ndarray] = {}

    def step(self, params: list[dict[str, np.ndarray]], grads: list[dict[str, np.ndarray]]) -> None:
        """Update every array of ``params`` in place from the matching array of ``grads``."""
        for i, (layer, layer_grads) in enumerate(zip(params, grads, strict=True)):
            for name, g in layer_grads.items():
                v = self.velocity.get((i, name))
                v = g.copy() if v is None else self.momentum * v + g
                self.velocity[(i, name)] = v
                layer[name] -= self.lr * v


class Adam:
    """Adam (Kingma & Ba, 2015): per-weight steps scaled by running averages of the gradient and its square.

    ``m = b1 m + (1-b1) g``; ``v = b2 v + (1-b2) g^2``; ``w -= lr * m_hat / (sqrt(v_hat) + eps)`` with the
    averages corrected for starting at zero (``m_hat = m / (1 - b1^t)``).
    """

    def __init__(self, lr: float = 1e-2, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.lr, self.betas, self.eps = lr, betas, eps
        self.t = 0
        self.m: dict[tuple[int, str], np.ndarray] = {}
        self.v: dict[tuple[int, str], np.ndarray] = {}

    def step(self, params: list[dict[str, np.ndarray]], grads: list[dict[str, np.ndarray]]) -> None:
        """Update every array of ``params`` in place from the matching array of ``grads``."""
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        for i, (layer, layer_grads) in enumerate(zip(params, grads, strict=True)):
            for name, g in layer_grads.items():
                key = (i, name)
                m = self.m[key] = b1 * self.m.get(key, 0.0) + (1.0 - b1) * g
                v = self.v[key] = b2 * self.v.get(key, 0.0) + (1.0 - b2) * g * g
                layer[name] -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


# --- training --------------------------------------------------------------------------------------


@dataclass
class EpochReport:
    """One epoch of training: mean training loss, accuracies (train, held-out) and its wall time in seconds."""

    epoch: int
    loss: float
    train_acc: float
    test_acc: float
    seconds: float


def accuracy(model: Model, data: Dataset) -> float:
    """The fraction of ``data`` the model labels correctly (0.0 for an empty data set)."""
    if len(data) == 0:
        return 0.0
    return float((model.predict(data.images) == data.labels).mean())


def confusion_matrix(model: Model, data: Dataset) -> np.ndarray:
    """``(K, K)`` counts: row = true class, column = predicted class."""
    k = len(model.class_names)
    counts = np.zeros((k, k), dtype=np.int64)
    if len(data):
        np.add.at(counts, (data.labels, model.predict(data.images)), 1)
    return counts


def _check_data(model: Model, data: Dataset, what: str) -> None:
    """Refuse a data set the model cannot read: images of another shape, labels outside its classes."""
    if len(data) and tuple(data.images.shape[1:]) != tuple(model.input_shape):
        raise ValueError(f"the {what} images are {tuple(data.images.shape[1:])}, but the model takes "
                         f"{tuple(model.input_shape)}")
    if len(data) and not (0 <= int(data.labels.min()) and int(data.labels.max()) < len(model.class_names)):
        raise ValueError(f"the {what} labels must be class numbers from 0 to {len(model.class_names) - 1}")


def train(
    model: Model,
    train: Dataset,
    test: Dataset,
    *,
    epochs: int,
    batch_size: int = 32,
    optimizer: str = "adam",
    lr: float = 0.01,
    seed: int = 0,
    time_limit_s: float | None = None,
    on_epoch: Callable[[EpochReport, Model], bool] | None = None,
) -> list[EpochReport]:
    """Train ``model`` in place on ``train`` with mini-batches; after each epoch measure it on ``test``.

    optimizer: "adam" or "sgd" (with momentum 0.9). The batches are shuffled by ``seed``, so a run is
    reproducible. Stops after ``epochs``, when ``on_epoch(report, model)`` returns False, or when
    ``time_limit_s`` seconds have passed (checked after each batch; the cut epoch is still reported).
    Returns one :class:`EpochReport` per epoch run.
    """
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', not {optimizer!r}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1):
            raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    if not (isinstance(lr, (int, float)) and 0 < lr < math.inf):
        raise ValueError(f"the learning rate must be a positive number, not {lr!r}")
    if len(train) == 0:
        raise ValueError("there is nothing to train on: the training set is empty")
    for what, data in (("training", train), ("test", test)):
        _check_data(model, data, what)
    step = Adam(lr) if optimizer == "adam" else SGD(lr)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    reports: list[EpochReport] = []
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        order = rng.permutation(len(train))
        total, seen, out_of_time = 0.0, 0, False
        for b0 in range(0, len(order), batch_size):
            index = order[b0 : b0 + batch_size]
            caches: list = []
            logits = model.forward(train.images[index], caches)
            loss, grad_logits = softmax_cross_entropy(logits, train.labels[index])
            step.step(model.params, model.backward(caches, grad_logits))
            total, seen = total + loss * len(index), seen + len(index)
            if time_limit_s is not None and time.perf_counter() - start > time_limit_s:
                out_of_time = True
                break
        report = EpochReport(epoch, total / seen, accuracy(model, train), accuracy(model, test),
                             time.perf_counter() - t0)
        reports.append(report)
        if not math.isfinite(report.loss):
            break  # a learning rate too large for this network: the weights have blown up
        if (on_epoch is not None and on_epoch(report, model) is False) or out_of_time:
            break
    return reports


# --- saving and loading ----------------------------------------------------------------------------


def save_model(model: Model, path: str | Path) -> None:
    """Write the model to an ``.npz`` that loads without pickle: the specs, class names, input shape and
    meta as JSON text, the weights as arrays named ``layer{i}_{name}``."""
    arrays = {f"layer{i}_{name}": value for i, params in enumerate(model.params) for name, value in params.items()}
    header = {
        "format": FORMAT_VERSION,
        "specs": [spec.to_dict() for spec in model.specs],
        "class_names": list(model.class_names),
        "input_shape": list(model.input_shape),
        "meta": model.meta,
    }
    np.savez_compressed(path, header=np.array(json.dumps(header)), **arrays)


def load_model(path: str | Path) -> Model:
    """Read a model written by :func:`save_model`; the weights are checked against the specs' shapes."""
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        specs = [LayerSpec(**d) for d in header["specs"]]
        params = [
            {key.split("_", 1)[1]: data[key] for key in data.files if key.startswith(f"layer{i}_")}
            for i in range(len(specs))
        ]
    input_shape = tuple(int(v) for v in header["input_shape"])
    checked = _checked_params(specs, params, input_shape)
    return Model(specs, checked, [str(c) for c in header["class_names"]], input_shape, header.get("meta", {}))


def _checked_params(specs: list[LayerSpec], params: list[dict], input_shape: tuple[int, int, int]) -> list[dict]:
    plan_shapes(specs, input_shape)
    out, c = [], input_shape[2]
    for n, (spec, p) in enumerate(zip(specs, params, strict=True), start=1):
        kind = KINDS[spec.kind]
        out.append(kind.check_params(spec, p, c, n))
        c = kind.out_channels(spec, c)
    return out


def load_trained(name: str) -> Model:
    """The network we trained and ship: "shapes" (the founding chain) or "digits" (see assets/train_networks.py)."""
    if name not in DATASETS:
        raise ValueError(f"unknown trained network {name!r}; choose one of {', '.join(DATASETS)}")
    return load_model(ASSETS / f"trained_{name}.npz")


__all__ = [
    "DATASETS",
    "SHAPES_CLASSES",
    "SGD",
    "Adam",
    "Dataset",
    "EpochReport",
    "Model",
    "accuracy",
    "confusion_matrix",
    "digits_specs",
    "founding_specs",
    "load_dataset",
    "load_model",
    "load_trained",
    "make_shapes",
    "new_model",
    "save_model",
    "softmax",
    "softmax_cross_entropy",
    "train",
]
