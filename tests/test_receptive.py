"""Receptive fields (visualizer.receptive) against gradients: a pixel is in the field of an output cell exactly
when the gradient of that cell with respect to the pixel is non-zero, for a stack with positive weights (no
sum can cancel). References: our conv2d_grad and pool_backward, and PyTorch's autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from visualizer import conv2d_grad, receptive_field
from visualizer.grad import pool_backward, pool_forward
from visualizer.receptive import (
    field_arithmetic,
    field_box,
    mask_box,
    receptive_cone,
    stage_sizes,
    transposed_field,
    transposed_sizes,
)

FOUNDING = [((3, 3), (1, 1), (0, 0), (1, 1)), ((1, 1), (1, 1), (0, 0), (1, 1)), ((1, 1), (1, 1), (0, 0), (1, 1)),
            ((3, 3), (1, 1), (0, 0), (1, 1))]  # 15 [3x3], ReLU (elementwise), 10 [1x1], 6 [3x3]


def gradient_masks(input_hw, layers, cell, pools=(), seed=0):
    """The non-zero pattern of d out[cell] / d stage, for every stage, by conv2d_grad (and pool_backward for
    the layers in ``pools``: square non-overlapping average pooling) with positive weights."""
    rng = np.random.default_rng(seed)
    sizes = stage_sizes(input_hw, layers)
    g = np.zeros((*sizes[-1], 1))
    g[cell[0], cell[1], 0] = 1.0
    masks = [g[:, :, 0] > 0]
    for n in range(len(layers), 0, -1):
        k, s, p, d = layers[n - 1]
        x = np.zeros((*sizes[n - 1], 1))
        if n - 1 in pools:
            _, cache = pool_forward(x[None], k[0], "avg")
            g = pool_backward(cache, g[None])[0]
        else:
            w = rng.uniform(0.5, 1.5, (1, k[0], k[1], 1))
            g = conv2d_grad(x, w, g, stride=s, padding=p, dilation=d)[0]
        assert (g >= 0).all()
        masks.insert(0, g[:, :, 0] > 0)
    return masks


def torch_mask(input_hw, layers, cell, op=torch.nn.functional.conv2d):
    """The same pattern by PyTorch's autograd through ``op`` (conv2d, or conv_transpose2d) with positive weights."""
    x = torch.zeros((1, 1, *input_hw), dtype=torch.float64, requires_grad=True)
    y = x
    gen = torch.Generator().manual_seed(1)
    for k, s, p, d in layers:
        w = torch.rand((1, 1, *k), generator=gen, dtype=torch.float64) + 0.5
        y = op(y, w, stride=s, padding=p, dilation=d)
    y[0, 0, cell[0], cell[1]].backward()
    return (x.grad[0, 0] > 0).numpy()


pairs = st.tuples(st.integers(1, 4), st.integers(1, 4))


@st.composite
def stacks(draw):
    """A random stack of 1 to 4 windows with non-square kernels, strides, padding and dilation, a cell of
    its output, and which layers are (square, non-overlapping) poolings."""
    h, w = draw(st.integers(4, 24)), draw(st.integers(4, 24))
    layers, pools = [], set()
    for n in range(draw(st.integers(1, 4))):
        if draw(st.booleans()) and draw(st.booleans()):
            k = draw(st.integers(2, 3))
            layers.append(((k, k), (k, k), (0, 0), (1, 1)))
            pools.add(n)
        else:
            layers.append((draw(pairs), draw(st.tuples(st.integers(1, 3), st.integers(1, 3))),
                           draw(st.tuples(st.integers(0, 2), st.integers(0, 2))),
                           draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))))
    try:
        sizes = stage_sizes((h, w), layers)
    except ValueError:
        assume(False)
    # pool_forward drops rows beyond the last window, as a pooling window of stride = size does
    cell = (draw(st.integers(0, sizes[-1][0] - 1)), draw(st.integers(0, sizes[-1][1] - 1)))
    return (h, w), layers, cell, pools


@given(stacks())
def test_field_is_the_nonzero_pattern_of_the_gradient(case):
    input_hw, layers, cell, pools = case
    cone = receptive_cone(input_hw, layers, cell)
    want = gradient_masks(input_hw, layers, cell, pools)
    for got, ref in zip(cone, want, strict=True):
        np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(receptive_field(input_hw, layers, cell), want[0])


@given(stacks())
def test_field_matches_pytorch_autograd(case):
    input_hw, layers, cell, _ = case
    np.testing.assert_array_equal(receptive_field(input_hw, layers, cell), torch_mask(input_hw, layers, cell))


@given(stacks())
def test_arithmetic_box_bounds_the_mask_and_is_exact_inside_the_image(case):
    input_hw, layers, cell, _ = case
    mask = receptive_field(input_hw, layers, cell)
    (top, bottom), (left, right) = field_box(layers, cell)
    rows, cols = np.nonzero(mask)
    h, w = input_hw
    if not rows.size:  # a cell whose windows all fall in padding (a 1x1 kernel on the padding ring) sees nothing
        assert not (0 <= top and bottom < h and 0 <= left and right < w)
        return
    assert top <= rows.min() and rows.max() <= bottom and left <= cols.min() and cols.max() <= right
    if 0 <= top and bottom < h:
        assert (rows.min(), rows.max()) == (top, bottom)
    if 0 <= left and right < w:
        assert (cols.min(), cols.max()) == (left, right)


def test_founding_chain_output_sees_the_whole_input_and_a_middle_cell_a_3x3_window():
    assert receptive_field((5, 5), FOUNDING, (0, 0)).all()
    middle = receptive_field((5, 5), FOUNDING[:3], (2, 1))
    want = np.zeros((5, 5), dtype=bool)
    want[2:5, 1:4] = True
    np.testing.assert_array_equal(middle, want)
    steps = field_arithmetic(FOUNDING)
    assert [s.r for s in steps] == [(1, 1), (3, 3), (3, 3), (3, 3), (5, 5)]
    assert [s.j for s in steps] == [(1, 1)] * 5


def test_dilation_leaves_holes_in_the_field():
    mask = receptive_field((7, 7), [((3, 3), (1, 1), (0, 0), (3, 3))], (0, 0))
    rows, cols = np.nonzero(mask)
    assert sorted(set(rows)) == [0, 3, 6] and sorted(set(cols)) == [0, 3, 6] and mask.sum() == 9
    assert field_box([((3, 3), (1, 1), (0, 0), (3, 3))], (0, 0)) == ((0, 6), (0, 6))


def test_stride_grows_the_field_and_the_jump():
    layers = [((3, 3), (2, 2), (0, 0), (1, 1)), ((3, 3), (2, 2), (0, 0), (1, 1))]
    steps = field_arithmetic(layers)
    assert steps[-1].r == (7, 7) and steps[-1].j == (4, 4)
    assert receptive_field((15, 15), layers, (1, 1))[4:11, 4:11].all()
    assert receptive_field((15, 15), layers, (1, 1)).sum() == 49


def test_padding_is_never_reported_as_pixels():
    layers = [((3, 3), (1, 1), (2, 2), (1, 1))]
    mask = receptive_field((4, 4), layers, (0, 0))  # the window at (-2, -2) covers one pixel of the image
    assert mask.shape == (4, 4) and mask.sum() == 1 and mask[0, 0]
    assert field_box(layers, (0, 0)) == ((-2, 0), (-2, 0))
    assert field_arithmetic(layers)[-1].start == (-2, -2)


def test_non_square_windows_keep_their_axes_apart():
    layers = [((1, 3), (2, 1), (0, 1), (1, 2))]
    mask = receptive_field((6, 5), layers, (1, 2))
    want = np.zeros((6, 5), dtype=bool)
    want[2, [1, 3]] = True  # row 1*2; columns 2 - 1 + (0, 2, 4): 1, 3, and 5, which is the right padding
    np.testing.assert_array_equal(mask, want)
    np.testing.assert_array_equal(mask, gradient_masks((6, 5), layers, (1, 2))[0])


@pytest.mark.parametrize(("layers", "cell", "message"), [
    ([((7, 7), (1, 1), (0, 0), (1, 1))], (0, 0), "layer 1 does not fit"),
    ([((3, 3), (1, 1), (0, 0), (1, 1))], (3, 0), "outside the 3x3 output"),
    ([((3, 3), (1, 1), (0, 0))], (0, 0), "must be (kernel, stride, padding, dilation)"),
    ([((3, 3), (0, 1), (0, 0), (1, 1))], (0, 0), "stride must be at least 1"),
])
def test_bad_stacks_are_refused_with_a_message(layers, cell, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        receptive_field((5, 5), layers, cell)


@st.composite
def transposed_stacks(draw):
    """1 to 3 transposed layers with non-square kernels, strides (larger than the kernel too: cells no stamp
    reaches), padding and dilation, on a small input, and a cell of the last output."""
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    layers = [(draw(pairs), draw(st.tuples(st.integers(1, 4), st.integers(1, 4))),
               draw(st.tuples(st.integers(0, 2), st.integers(0, 2))),
               draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))) for _ in range(draw(st.integers(1, 3)))]
    try:
        sizes = transposed_sizes((h, w), layers)
    except ValueError:
        assume(False)
    cell = (draw(st.integers(0, sizes[-1][0] - 1)), draw(st.integers(0, sizes[-1][1] - 1)))
    return (h, w), layers, cell


@given(transposed_stacks())
def test_transposed_field_matches_pytorch_autograd(case):
    input_hw, layers, cell = case
    got = transposed_field(input_hw, layers, cell)
    np.testing.assert_array_equal(got, torch_mask(input_hw, layers, cell, torch.nn.functional.conv_transpose2d))
    box = mask_box(got)
    assert (box is None) == (not got.any())
    if box is not None:
        (top, bottom), (left, right) = box
        assert got[top].any() and got[bottom].any() and got[:, left].any() and got[:, right].any()
        assert not got[:top].any() and not got[bottom + 1:].any() and not got[:, :left].any()


def test_a_transposed_cell_sees_the_inputs_whose_stamps_reach_it_and_some_see_none():
    # k = 3, s = 2: output 4 receives the stamps of inputs 1 (tap 2) and 2 (tap 0) per axis
    field = transposed_field((4, 4), [((3, 3), (2, 2), (0, 0), (1, 1))], (4, 4))
    assert field.sum() == 4 and field[1:3, 1:3].all()
    # k = 2, s = 3: output cells 2, 5, 8 lie between two stamps and hold only the bias
    assert not transposed_field((4, 4), [((2, 2), (3, 3), (0, 0), (1, 1))], (2, 2)).any()
    assert transposed_sizes((4, 4), [((3, 3), (2, 2), (1, 1), (1, 1))]) == [(4, 4), (7, 7)]


# --- Every cell's field at once (what the cone lights under the pointer) -------------------------------------------


def decode_field(code: str, hw) -> np.ndarray:
    """The reading of a field's text that the cone's page (ui/cone_assets/cone.js) does, written again here."""
    h, w = hw
    z = np.zeros((h, w), dtype=bool)

    def runs(text, n):
        out = []
        for part in filter(None, text.split(",")):
            a, _, b = part.partition("-")
            out += [i for i in range(int(a), int(b or a) + 1) if 0 <= i < n]
        return out
    if code.startswith("#"):
        for i in runs(code[1:], h * w):
            z[i // w, i % w] = True
    elif code:
        rows, cols = code.split("|")
        z[np.ix_(runs(rows, h), runs(cols, w))] = True
    return z


@given(stacks())
def test_every_cells_field_at_once_is_its_cone_and_its_text_reads_back(case):
    from visualizer.figures.receptive import field_codes
    from visualizer.receptive import chain_reads, cone, field_table

    input_hw, layers, _cell, _pools = case
    sizes = stage_sizes(input_hw, layers)
    windows = list(layers)
    table = field_table(sizes, chain_reads(sizes, windows), range(len(sizes)), range(len(sizes)))
    for t, hw in enumerate(sizes):
        codes = {s: field_codes(table[t][s]) for s in range(t + 1)}
        for r in range(hw[0]):
            for c in range(hw[1]):
                want = cone(sizes, windows, t, (r, c))
                for s in range(t + 1):
                    np.testing.assert_array_equal(table[t][s][r, c], want[s])
                    np.testing.assert_array_equal(decode_field(codes[s][r * hw[1] + c], sizes[s]), want[s])


def test_a_field_that_is_not_rows_times_columns_is_sent_cell_by_cell():
    from visualizer.figures.receptive import field_codes

    fields = np.zeros((1, 2, 3, 3), dtype=bool)
    fields[0, 0, [0, 1, 2], [0, 1, 2]] = True  # a diagonal (two paths of a graph can give such a union)
    fields[0, 1, 0:2, 1:3] = True
    codes = field_codes(fields)
    assert codes == ["#0,4,8", "0-1|1-2"]
    for i, code in enumerate(codes):
        np.testing.assert_array_equal(decode_field(code, (3, 3)), fields[0, i])
    assert field_codes(np.zeros((1, 1, 2, 2), dtype=bool)) == [""]


def test_tracing_every_cell_is_bounded():
    from visualizer.receptive import MAX_FIELD_TABLE_WORK, chain_reads, field_table, field_table_work

    sizes = [(200, 200), (198, 198)]
    assert field_table_work(sizes, [1]) > MAX_FIELD_TABLE_WORK
    with pytest.raises(ValueError, match="more than"):
        field_table(sizes, chain_reads(sizes, [((3, 3), (1, 1), (0, 0), (1, 1))]), [1], [0, 1])
