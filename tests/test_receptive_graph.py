"""Receptive fields through a model's graph (visualizer.receptive.graph_cone, graph_boxes) against PyTorch's
autograd: a model with a strided padded convolution, batch norm, ReLU, a depthwise convolution, a residual add, a
transposed convolution, a reflect pad, a concat and an average pooling, exported to ONNX and read by our reader.
With positive weights and a positive input no sum cancels and every ReLU passes, so an input pixel is in a cell's
field exactly when the gradient of the cell (summed over its channels) with respect to it is non-zero."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from visualizer.onnx_model import read_onnx
from visualizer.receptive import graph_boxes, graph_cone, graph_reads, mask_box


class Branchy(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = torch.nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.dw = torch.nn.Conv2d(4, 4, 3, padding=2, dilation=2, groups=4)
        self.up = torch.nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
        self.side = torch.nn.Conv2d(2, 3, (3, 1))
        self.mirror = torch.nn.ReflectionPad2d((0, 0, 1, 1))
        self.pool = torch.nn.AvgPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = torch.relu(self.bn(self.stem(x)))          # 13x13 -> 7x7
        a = a + self.dw(a)                              # a residual add around a dilated depthwise convolution
        u = self.up(a)                                  # 7x7 -> 13x13, stamped
        s = self.side(self.mirror(x))                  # rows mirrored, then a 3x1 kernel
        return self.pool(torch.cat([u, s], dim=1))      # 13x13 -> 6x6


def _positive(net: torch.nn.Module) -> torch.nn.Module:
    torch.manual_seed(0)
    with torch.no_grad():
        for p in net.parameters():
            p.uniform_(0.5, 1.5)
        net.bn.running_mean.zero_()
        net.bn.running_var.fill_(1.0)
    return net.eval()


@pytest.fixture(scope="module")
def model():
    net = _positive(Branchy())
    x = torch.rand(1, 2, 13, 13, dtype=torch.float32) + 0.5
    with warnings.catch_warnings():  # the dynamo exporter writes the reflect pad as one Pad node
        warnings.simplefilter("ignore")
        data = torch.onnx.export(net, (x,), dynamo=True, verbose=False).model_proto.SerializeToString()
    return net, read_onnx(data)


def _autograd_field(net, stage_fn, cell) -> np.ndarray:
    x = (torch.rand(1, 2, 13, 13, dtype=torch.float64) + 0.5).requires_grad_(True)
    out = stage_fn(net.double(), x)
    out[0, :, cell[0], cell[1]].sum().backward()
    return (x.grad[0].abs().sum(dim=0) > 0).numpy()


@pytest.mark.parametrize("cell", [(0, 0), (2, 3), (5, 5), (3, 0)])
def test_the_cone_through_the_graph_is_the_gradients_pattern(model, cell) -> None:
    net, network = model
    sizes = [s.image_shape[:2] for s in network.stages]
    assert sizes[0] == (13, 13) and sizes[network.output] == (6, 6)
    kinds = {s.kind for s in network.stages}
    assert {"conv", "conv_transpose", "binary", "concat", "pool", "pad"} <= kinds, kinds
    reads = graph_reads(network.stages)
    masks = graph_cone(sizes, reads, network.output, cell)
    want = _autograd_field(net, lambda m, x: m(x), cell)
    np.testing.assert_array_equal(masks[0], want)
    box = graph_boxes(sizes, reads, [network.output])[network.output][cell]
    (t, b), (left, r) = mask_box(want)
    assert box.tolist() == [t, b, left, r]


def test_a_transposed_stage_cell_sees_what_its_stamps_carry(model) -> None:
    net, network = model
    up = next(s for s in network.stages if s.kind == "conv_transpose")
    sizes = [s.image_shape[:2] for s in network.stages]
    reads = graph_reads(network.stages)

    def upto(m, x):
        a = torch.relu(m.bn(m.stem(x)))
        return m.up(a + m.dw(a))

    for cell in [(0, 0), (4, 7), (12, 12)]:
        masks = graph_cone(sizes, reads, up.index, cell)
        np.testing.assert_array_equal(masks[0], _autograd_field(net, upto, cell))
    boxes = graph_boxes(sizes, reads, [up.index])[up.index]
    for y in range(13):
        for x in range(13):
            (t, b), (left, r) = mask_box(graph_cone(sizes, reads, up.index, (y, x))[0])
            assert boxes[y, x].tolist() == [t, b, left, r]


def test_a_dense_head_reads_every_pixel_and_bad_cells_are_refused(model) -> None:
    _, network = model
    sizes = [s.image_shape[:2] for s in network.stages]
    reads = graph_reads(network.stages)
    with pytest.raises(ValueError, match="outside the 6x6 output"):
        graph_cone(sizes, reads, network.output, (6, 0))
    with pytest.raises(ValueError, match="does not exist"):
        graph_cone(sizes, reads, len(sizes), (0, 0))


def test_every_cells_field_at_once_follows_every_path_of_the_graph(model) -> None:
    """field_table (what the cone lights under the pointer) is graph_cone for every cell of every stage drawn,
    through residual adds, concats, a transposed stage and a reflect pad; its text reads back to the same cells."""
    from test_receptive import decode_field

    from visualizer.figures.receptive import field_codes
    from visualizer.receptive import field_table

    _net, network = model
    sizes = [s.image_shape[:2] for s in network.stages]
    reads = graph_reads(network.stages)
    panels = sorted({0, network.output, *[s.index for s in network.stages if s.kind in ("conv_transpose", "pad")]})
    table = field_table(sizes, reads, panels, panels)
    for t in panels:
        h, w = sizes[t]
        codes = {s: field_codes(table[t][s]) for s in panels if s <= t}
        for r in range(h):
            for c in range(w):
                want = graph_cone(sizes, reads, t, (r, c))
                for s in codes:
                    np.testing.assert_array_equal(table[t][s][r, c], want[s])
                    np.testing.assert_array_equal(decode_field(codes[s][r * w + c], sizes[s]), want[s])


def test_every_cells_field_at_once_is_the_union_over_paths_that_do_not_nest() -> None:
    """Two branches read the input shifted up-left and down-right, then an add joins them: a cell sees two single
    pixels on a diagonal (no box, no product of rows and columns), and each branch alone would miss one of them."""
    from test_receptive import decode_field

    from visualizer.figures.receptive import field_codes
    from visualizer.receptive import axis_reads, field_table

    up, down = axis_reads(5, 5, 1, 1, 1, 1), axis_reads(5, 5, 1, 1, -1, 1)  # output o reads input o - 1, o + 1
    same = np.eye(5, dtype=bool)
    sizes = [(5, 5)] * 4
    reads = [[], [(0, (up, up))], [(0, (down, down))], [(1, (same, same)), (2, (same, same))]]
    table = field_table(sizes, reads, [3], [0, 3])
    want = graph_cone(sizes, reads, 3, (2, 2))[0]
    assert want.sum() == 2 and want[1, 1] and want[3, 3]
    np.testing.assert_array_equal(table[3][0][2, 2], want)
    code = field_codes(table[3][0])[2 * 5 + 2]
    assert code == "#6,18"
    np.testing.assert_array_equal(decode_field(code, (5, 5)), want)
    for r in range(5):
        for c in range(5):
            np.testing.assert_array_equal(table[3][0][r, c], graph_cone(sizes, reads, 3, (r, c))[0])
