"""Make the two real-style example models the "Your model" page offers, as PyTorch exports them.

- ``lenet5_digits.onnx``: LeNet-5 (LeCun et al. 1998: 32x32x1 -> 6 [5x5] -> average pool -> 16 [5x5] ->
  average pool -> 120 -> 84 -> 10, tanh) trained on ``assets/digits.npz`` (the UCI 8x8 digits, enlarged
  to 32x32 and padded like MNIST);
- ``tiny_mobilenet_shapes.onnx``: a small MobileNet-style network on 32x32 RGB pictures of four coloured
  shapes drawn here (square, circle, triangle, cross): a strided stem, depthwise-separable blocks with
  batch norm, ReLU6 and a residual Add, global average pooling and a dense layer.

Needs PyTorch (``requirements-dev.txt``), never at run time: ``python assets/make_onnx_examples.py``.
Everything is seeded and trained on one thread for a few seconds; the weights are ours (the LeNet's are
learned from the UCI digits, CC BY 4.0, like ``trained_digits.npz``). The class names go into the file's
``metadata_props["labels"]``, where the app reads them.
"""

from __future__ import annotations

import io
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

ASSETS = Path(__file__).resolve().parent
SHAPES = ["square", "circle", "triangle", "cross"]


class LeNet5(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(),
                                      nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
                                        nn.Linear(84, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def separable(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_in, 3, stride=stride, padding=1, groups=c_in, bias=False), nn.BatchNorm2d(c_in), nn.ReLU6(),
        nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out))


class Residual(nn.Module):
    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class TinyMobileNet(nn.Module):
    def __init__(self, classes: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.blocks = nn.Sequential(Residual(separable(16, 16, 1)), separable(16, 32, 2), nn.ReLU6(),
                                    Residual(separable(32, 32, 1)))
        self.head = nn.Linear(32, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(x)).mean(dim=(2, 3)))


def digits_32() -> tuple[np.ndarray, np.ndarray]:
    with np.load(ASSETS / "digits.npz", allow_pickle=False) as data:
        images = data["images"].astype(np.float32) / float(data["scale"])
        labels = data["labels"].astype(np.int64)
    x = torch.from_numpy(images[:, None])
    x = nn.functional.interpolate(x, size=(24, 24), mode="bilinear", align_corners=False)
    return nn.functional.pad(x, (4, 4, 4, 4)).numpy(), labels  # 24x24 in a 32x32 frame, as MNIST centres its digits


def draw_shapes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 32x32 RGB pictures in [0, 1]: one shape of a random colour on a plain, noisy background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:32, 0:32] + 0.5
    images = np.empty((n, 3, 32, 32), np.float32)
    labels = rng.integers(0, len(SHAPES), n)
    for i, k in enumerate(labels):
        r = rng.uniform(5, 12)
        cy, cx = rng.uniform(r + 1, 31 - r, 2)
        dy, dx = (yy - cy) / r, (xx - cx) / r
        mask = [np.maximum(abs(dy), abs(dx)) <= 0.85,
                dy ** 2 + dx ** 2 <= 1,
                (dy <= 0.8) & (abs(dx) <= (dy + 1) / 1.8 * 0.95),
                ((abs(dx) <= 0.3) | (abs(dy) <= 0.3)) & (np.maximum(abs(dy), abs(dx)) <= 1)][k]
        background, ink = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        while np.abs(background - ink).sum() < 0.8:
            ink = rng.uniform(0, 1, 3)
        picture = np.where(mask[None], ink[:, None, None], background[:, None, None])
        images[i] = np.clip(picture + rng.normal(0, 0.04, picture.shape), 0, 1)
    return images, labels


def fit(net: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, lr: float) -> float:
    """Adam on 80 % of the data; returns the accuracy on the 20 % held out."""
    g = torch.Generator().manual_seed(0)
    order = torch.randperm(len(y), generator=g)
    cut = int(0.8 * len(y))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    train, test = order[:cut], order[cut:]
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(epochs):
        net.train()
        for batch in train[torch.randperm(cut, generator=g)].split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(net(xt[batch]), yt[batch]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        return float((net(xt[test]).argmax(1) == yt[test]).float().mean())


def export(net: nn.Module, shape: tuple[int, ...], labels: list[str], filename: str, accuracy: float) -> None:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.zeros(shape),), buf, dynamo=False, input_names=["image"],
                          output_names=["logits"], opset_version=17)
    model = onnx.load_model_from_string(buf.getvalue())
    for key, value in (("labels", json.dumps(labels)), ("held_out_accuracy", f"{accuracy:.4f}"),
                       ("made_by", "assets/make_onnx_examples.py"), ("licence", "see assets/README.md")):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    (ASSETS / filename).write_bytes(model.SerializeToString())
    print(f"wrote assets/{filename}: held-out accuracy {accuracy:.4f}")


def main() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x, y = digits_32()
    lenet = LeNet5()
    export(lenet, (1, 1, 32, 32), [str(d) for d in range(10)], "lenet5_digits.onnx", fit(lenet, x, y, 15, 3e-3))
    torch.manual_seed(0)
    x, y = draw_shapes(4000, seed=0)
    mobile = TinyMobileNet(len(SHAPES))
    export(mobile, (1, 3, 32, 32), SHAPES, "tiny_mobilenet_shapes.onnx", fit(mobile, x, y, 6, 3e-3))


if __name__ == "__main__":
    sys.exit(main())
