"""Receptive fields: which pixels of the input can change one output cell after a stack of sliding windows.

A layer is a window ``(kernel, stride, padding, dilation)``, each a ``(h, w)`` pair (or an int for both):
convolutions and poolings alike (a pooling of size k is the window ``(k, k, 0, 1)``), an elementwise layer
the window ``(1, 1, 0, 1)``. Output cell ``o`` of a layer reads the cells ``o*s - p + u*d`` (``u = 0 .. k-1``)
of the stage before it; those outside ``0 .. size-1`` are padding, which no pixel of the image feeds.

Two answers, which agree (tests/test_receptive.py checks both against gradients):

- the mask (:func:`receptive_field`, :func:`receptive_cone`): the cells of every earlier stage that feed the
  chosen cell, walked backwards one layer at a time, holes of dilation and of stride included;
- the classic arithmetic (:func:`field_arithmetic`, :func:`field_box`), after Araujo, Norris and Sim,
  "Computing Receptive Fields of Convolutional Neural Networks" (Distill, 2019). With ``k' = d(k - 1) + 1``
  the span of a dilated kernel, from the input (``r = 1, j = 1, start = 0``) layer by layer::

      j_l = j_(l-1) * s_l                      (jump: input pixels between two neighbouring cells)
      r_l = r_(l-1) + (k'_l - 1) * j_(l-1)     (receptive size, in input pixels)
      start_l = start_(l-1) - p_l * j_(l-1)    (first input pixel of cell 0's field; negative = padding)

  so cell ``o`` of stage ``l`` sees input pixels ``start_l + o*j_l`` to ``start_l + o*j_l + r_l - 1``: the
  field's bounding box, before it is clipped to the image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .conv import PairArg, _pair, output_shape
from .grad import transpose_output_shape

Pair = tuple[int, int]
Window = tuple[Pair, Pair, Pair, Pair]  # kernel, stride, padding, dilation
IDENTITY: Window = ((1, 1), (1, 1), (0, 0), (1, 1))
MAX_CONE_CELLS = 2**24  # cells of all the stages' masks together: a bound on the work of one request


def as_window(layer: object, stage: int = 1) -> Window:
    """A layer ``(kernel, stride, padding, dilation)`` (ints or ``(h, w)`` pairs) as four checked pairs."""
    if not isinstance(layer, (list, tuple)) or len(layer) != 4:
        raise ValueError(f"layer {stage} must be (kernel, stride, padding, dilation), not {layer!r:.80}")
    kernel, stride, padding, dilation = layer
    return (_pair(kernel, f"layer {stage}'s kernel", minimum=1), _pair(stride, f"layer {stage}'s stride", minimum=1),
            _pair(padding, f"layer {stage}'s padding", minimum=0),
            _pair(dilation, f"layer {stage}'s dilation", minimum=1))


def stage_sizes(input_hw: PairArg, layers: Sequence[object]) -> list[Pair]:
    """``(H, W)`` of the input and of every layer's output; ``ValueError`` naming the layer that does not fit."""
    sizes = [_pair(input_hw, "input size", minimum=1)]
    for n, layer in enumerate(layers, start=1):
        k, s, p, d = as_window(layer, n)
        try:
            sizes.append(output_shape(sizes[-1], k, stride=s, padding=p, dilation=d))
        except ValueError as err:
            raise ValueError(f"layer {n} does not fit its {sizes[-1][0]}x{sizes[-1][1]} input: {err}") from None
    return sizes


def field_back(mask_out: np.ndarray, in_hw: Pair, window: Window) -> np.ndarray:
    """The cells of a layer's input ``(H, W)`` that feed any True cell of ``mask_out`` ``(H', W')``.

    Every kernel tap ``(u, v)`` is one strided OR of ``mask_out`` into the padded input (the transposed
    convolution of the mask, with logical OR for sum); the padding ring is then cut off.
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = window
    ho, wo = mask_out.shape
    h, w = in_hw
    padded = np.zeros((h + 2 * ph, w + 2 * pw), dtype=bool)
    for u in range(kh):
        for v in range(kw):
            y0, x0 = u * dh, v * dw
            padded[y0 : y0 + (ho - 1) * sh + 1 : sh, x0 : x0 + (wo - 1) * sw + 1 : sw] |= mask_out
    return padded[ph : ph + h, pw : pw + w]


def full_window(in_hw: Pair) -> Window:
    """The window of a layer that reads all of its input for every output (a dense layer, a global pooling)."""
    return ((in_hw[0], in_hw[1]), (1, 1), (0, 0), (1, 1))


def cone(sizes: Sequence[Pair], windows: Sequence[Window | None], stage: int, cell: Sequence[int]) -> list[np.ndarray]:
    """The receptive field of ``cell`` of stage ``stage`` on every stage of a network: a cone.

    Inputs:
    - sizes: ``(H, W)`` of every stage, the input first (``len(windows) + 1`` of them);
    - windows: the window of the layer that makes each stage after the input (None: it reads all of its
      input, as a dense layer does);
    - stage: 0 (the input) to ``len(windows)``; cell: ``(row, col)`` in that stage.
    Returns one bool mask ``(H, W)`` per stage: stages before ``stage`` hold the cells that feed the cell,
    ``stage`` holds the cell itself, later stages are all False.
    """
    if len(sizes) != len(windows) + 1:
        raise ValueError(f"{len(windows)} layers need {len(windows) + 1} stage sizes, not {len(sizes)}")
    if sum(h * w for h, w in sizes) > MAX_CONE_CELLS:
        raise ValueError(f"these stages hold more than {MAX_CONE_CELLS:,} cells: too many to trace a field through")
    if not (isinstance(stage, (int, np.integer)) and 0 <= stage < len(sizes)):
        raise ValueError(f"stage {stage!r} does not exist: the network has stages 0 to {len(sizes) - 1}")
    h, w = sizes[stage]
    row, col = _cell(cell, (h, w))
    masks = [np.zeros(size, dtype=bool) for size in sizes]
    masks[stage][row, col] = True
    for n in range(stage, 0, -1):
        window = windows[n - 1] or full_window(sizes[n - 1])
        masks[n - 1] = field_back(masks[n], sizes[n - 1], window)
    return masks


def _cell(cell: object, hw: Pair) -> Pair:
    try:
        row, col = cell  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"a cell is (row, column), not {cell!r:.40}") from None
    whole = all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in (row, col))
    if not (whole and 0 <= row < hw[0] and 0 <= col < hw[1]):
        raise ValueError(f"cell {cell!r:.40} is outside the {hw[0]}x{hw[1]} output")
    return int(row), int(col)


def receptive_cone(input_hw: PairArg, layers: Sequence[object], cell: Sequence[int]) -> list[np.ndarray]:
    """The field of output ``cell`` of the last layer on the input and on every stage in between.

    Returns ``len(layers) + 1`` bool masks, the input's first and the output's (the cell alone) last.
    """
    sizes = stage_sizes(input_hw, layers)
    windows = [as_window(layer, n) for n, layer in enumerate(layers, start=1)]
    return cone(sizes, windows, len(windows), cell)


def receptive_field(input_hw: PairArg, layers: Sequence[object], cell: Sequence[int]) -> np.ndarray:
    """Which pixels of the (unpadded) input can change output ``cell = (row, col)`` after ``layers``.

    Inputs:
    - input_hw: ``(H, W)`` of the input;
    - layers: a sequence of ``(kernel, stride, padding, dilation)``, each an int or an ``(h, w)`` pair
      (convolutions and poolings alike);
    - cell: ``(row, col)`` of the last layer's output.
    Returns a bool array ``(H, W)``; with dilation (or a stride larger than the next kernel) it has holes.
    Padding cells are never in it: they are zeros, not pixels of the image.
    """
    return receptive_cone(input_hw, layers, cell)[0]


def transposed_sizes(input_hw: PairArg, layers: Sequence[object]) -> list[Pair]:
    """``(H, W)`` of the input and of every transposed layer's output (PyTorch's ConvTranspose2d, no
    output_padding): ``(i - 1)s - 2p + d(k - 1) + 1`` per side; ``ValueError`` naming the layer without one."""
    sizes = [_pair(input_hw, "input size", minimum=1)]
    for n, layer in enumerate(layers, start=1):
        k, s, p, d = as_window(layer, n)
        try:
            sizes.append(transpose_output_shape(sizes[-1], k, stride=s, padding=p, dilation=d,
                                                output_padding=(0, 0)))
        except ValueError as err:
            raise ValueError(f"layer {n} does not fit its {sizes[-1][0]}x{sizes[-1][1]} input: {err}") from None
    if sum(h * w for h, w in sizes) > MAX_CONE_CELLS:
        raise ValueError(f"these stages hold more than {MAX_CONE_CELLS:,} cells: too many to trace a field through")
    return sizes


def axis_reads(n_out: int, n_in: int, k: int, s: int, p: int, d: int) -> np.ndarray:
    """Along one axis, which input cells each output cell of a sliding window reads: bool ``(n_out, n_in)``,
    True at ``(o, o*s - p + u*d)`` for the taps ``u = 0 .. k-1`` that land inside the input (not the padding).
    Its transpose is what a transposed convolution (input ``o`` stamping output ``o*s - p + u*d``) reads."""
    o = np.arange(n_out)[:, None]
    taps = o * s - p + np.arange(k)[None, :] * d
    inside = (taps >= 0) & (taps < n_in)
    reads = np.zeros((n_out, n_in), dtype=bool)
    reads[np.broadcast_to(o, taps.shape)[inside], taps[inside]] = True
    return reads


def reads_back(mask_out: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The input cells that feed any True cell of ``mask_out`` ``(H', W')`` through a layer that reads input rows
    ``rows`` ``(H', H)`` and columns ``cols`` ``(W', W)``: ``rowsᵀ · mask · cols``, in 0/1 arithmetic."""
    f = np.float32
    return (rows.T.astype(f) @ mask_out.astype(f) @ cols.astype(f)) > 0


def transposed_back(mask_out: np.ndarray, in_hw: Pair, window: Window) -> np.ndarray:
    """The cells of a transposed layer's input ``(H, W)`` that feed any True cell of ``mask_out``: input cell
    ``i`` stamps the kernel onto output cells ``i*s - p + u*d`` (``u = 0 .. k-1``); stamps that land outside the
    output (cropped by the padding) feed nothing."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = window
    ho, wo = mask_out.shape
    return reads_back(mask_out, axis_reads(in_hw[0], ho, kh, sh, ph, dh).T, axis_reads(in_hw[1], wo, kw, sw, pw, dw).T)


def transposed_field(input_hw: PairArg, layers: Sequence[object], cell: Sequence[int]) -> np.ndarray:
    """Which input pixels can change output ``cell`` after a stack of transposed convolutions ``layers``
    (``(kernel, stride, padding, dilation)`` each): the input cells whose stamps reach it, layer by layer
    backwards. With a stride larger than the kernel's span some output cells receive no stamp at all: their
    field is empty (they hold only the bias)."""
    sizes = transposed_sizes(input_hw, layers)
    windows = [as_window(layer, n) for n, layer in enumerate(layers, start=1)]
    mask = np.zeros(sizes[-1], dtype=bool)
    mask[_cell(cell, sizes[-1])] = True
    for n in range(len(windows), 0, -1):
        mask = transposed_back(mask, sizes[n - 1], windows[n - 1])
    return mask


def mask_box(mask: np.ndarray) -> tuple[Pair, Pair] | None:
    """The bounding box ``((top, bottom), (left, right))`` (inclusive) of a mask's True cells; None if none."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return (int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))


@dataclass(frozen=True)
class FieldStep:
    """The arithmetic after one layer (``layer`` 0: the input itself), per axis ``(vertical, horizontal)``.

    - r: receptive size in input pixels; j: jump, input pixels between neighbouring cells of this stage;
    - start: the input pixel where the field of cell 0 begins (negative: it begins in the padding).
    """

    layer: int
    r: Pair
    j: Pair
    start: Pair


def field_arithmetic(layers: Sequence[object], *, windows: Sequence[Window] | None = None) -> list[FieldStep]:
    """``r, j, start`` after each layer, from the input (``r = 1, j = 1, start = 0``): Araujo et al. 2019.

    ``windows`` (already checked) may stand in for ``layers``. Returns ``len(layers) + 1`` steps.
    """
    wins = list(windows) if windows is not None else [as_window(layer, n) for n, layer in enumerate(layers, start=1)]
    steps = [FieldStep(0, (1, 1), (1, 1), (0, 0))]
    for n, (k, s, p, d) in enumerate(wins, start=1):
        prev = steps[-1]
        span = tuple(d[a] * (k[a] - 1) + 1 for a in range(2))
        steps.append(FieldStep(
            n,
            r=(prev.r[0] + (span[0] - 1) * prev.j[0], prev.r[1] + (span[1] - 1) * prev.j[1]),
            j=(prev.j[0] * s[0], prev.j[1] * s[1]),
            start=(prev.start[0] - p[0] * prev.j[0], prev.start[1] - p[1] * prev.j[1]),
        ))
    return steps


def field_box(layers: Sequence[object], cell: Sequence[int], *,
              windows: Sequence[Window] | None = None) -> tuple[Pair, Pair]:
    """The bounding box ``((top, bottom), (left, right))`` (inclusive) of the field of ``cell`` of the last
    layer, in input pixels, from :func:`field_arithmetic`: ``start + o*j`` to ``start + o*j + r - 1``.

    It is not clipped: rows and columns outside the image lie in the padding. The mask of
    :func:`receptive_field` lies inside it, and when the box lies inside the image it is the mask's exact
    bounding box.
    """
    last = field_arithmetic(layers, windows=windows)[-1]
    row, col = cell
    top, left = last.start[0] + row * last.j[0], last.start[1] + col * last.j[1]
    return (top, top + last.r[0] - 1), (left, left + last.r[1] - 1)


def spec_windows(specs: Sequence[object]) -> list[Window | None]:
    """The window of each layer of a stack (:class:`visualizer.network.LayerSpec` or any spec with a ``kind``
    of :data:`visualizer.layers.KINDS`), from the kind's own ``window``; None for a layer that reads all of its
    input (a dense layer)."""
    from .layers import KINDS

    out: list[Window | None] = []
    for n, spec in enumerate(specs, start=1):
        kind = KINDS.get(getattr(spec, "kind", None))
        if kind is None:
            raise ValueError(f"layer {n} has no known kind: {spec!r:.60}")
        window = kind.window(spec)
        out.append(None if window is None else as_window(window, n))
    return out


def stack_cone(shapes: Sequence[Sequence[int]], specs: Sequence[object], stage: int,
               cell: Sequence[int]) -> list[np.ndarray]:
    """:func:`cone` for a network's stages: ``shapes`` ``(H, W, C)`` of every stage (the input first) and the
    spec of each layer; what the network view (and any model run through the layer kinds) lights up."""
    return cone([(int(s[0]), int(s[1])) for s in shapes], spec_windows(specs), stage, cell)


def stack_arithmetic(shapes: Sequence[Sequence[int]], specs: Sequence[object]) -> list[FieldStep]:
    """:func:`field_arithmetic` of a network's layers; a dense layer counts as a window over all of its input."""
    windows = [w or full_window((int(s[0]), int(s[1]))) for w, s in zip(spec_windows(specs), shapes, strict=False)]
    return field_arithmetic((), windows=windows)


# --- A model's graph: every stage reads its inputs along rows and columns -----------------------------------------
#
# A model read from a file is a graph of stages (GraphStage: kind, spec, inputs, image_shape, layout), not a chain:
# a residual add reads two stages, a concat several. Every kind reads its input separably, one relation per axis
# (axis_reads for a window, its transpose for a transposed convolution, the identity for an elementwise layer, all
# cells for one that mixes positions), so the cone walks back through the graph by ``reads_back`` and the
# bounding box of every cell's field follows from the relations' products.

ReadsPair = tuple[np.ndarray, np.ndarray]  # (rows (H', H), cols (W', W)) bool


def _spatial_axes(layout: str, rank: int) -> tuple[int, int] | None:
    return (2, 3) if layout == "nchw" and rank == 4 else (1, 2) if layout == "nhwc" and rank == 4 else None


def _channel_axis(layout: str) -> int | None:
    return {"nchw": 1, "nhwc": 3}.get(layout)


def _same_or_all(n_out: int, n_in: int) -> np.ndarray:
    """Elementwise along an axis: the same cell; an input of size 1 (broadcast) or of another size: all cells."""
    return np.eye(n_out, dtype=bool) if n_out == n_in else np.ones((n_out, n_in), dtype=bool)


def _pad_reads(n_out: int, n_in: int, widths: tuple[int, int], mode: str) -> np.ndarray:
    """Which input cell each output cell of a Pad copies (constant padding copies none), from the pad itself
    applied to the cells' indices (as :class:`visualizer.layers.Pad` applies it to values)."""
    lo, hi = widths
    index = np.arange(n_in)[max(0, -lo): n_in - max(0, -hi)]
    pads = (max(0, lo), max(0, hi))
    index = np.pad(index, pads, constant_values=-1) if mode == "constant" else np.pad(index, pads, mode=mode)
    reads = np.zeros((n_out, n_in), dtype=bool)
    inside = index >= 0
    reads[np.flatnonzero(inside), index[inside]] = True
    return reads


def stage_reads(stage: object, inputs: Sequence[object]) -> list[ReadsPair]:
    """How ``stage`` (a GraphStage) reads each of its ``inputs`` (their GraphStages), rows and columns."""
    from .layers import KINDS, _window_of, geometry

    kind, spec = stage.kind, stage.spec
    h, w = stage.image_shape[:2]
    out_axes = _spatial_axes(stage.layout, len(stage.shape))
    pairs: list[ReadsPair] = []
    for src in inputs:
        hi_, wi = src.image_shape[:2]
        in_axes = _spatial_axes(src.layout, len(src.shape))
        every = (np.ones((h, hi_), dtype=bool), np.ones((w, wi), dtype=bool))
        same = (_same_or_all(h, hi_), _same_or_all(w, wi))
        if kind == "conv_transpose":
            (kh, kw), (sh, sw), (ph, pw), (dh, dw) = _window_of(geometry(spec))
            pairs.append((axis_reads(hi_, h, kh, sh, ph, dh).T, axis_reads(wi, w, kw, sw, pw, dw).T))
        elif kind in ("conv", "pool"):
            (kh, kw), (sh, sw), (ph, pw), (dh, dw) = as_window(KINDS[kind].window(spec), stage.index)
            pairs.append((axis_reads(h, hi_, kh, sh, ph, dh), axis_reads(w, wi, kw, sw, pw, dw)))
        elif kind in ("activation", "batch_norm", "clip", "binary"):
            pairs.append(same)
        elif kind == "softmax":
            axis = spec.axis % len(src.shape)
            alone = not spec.legacy or axis == len(src.shape) - 1
            pairs.append(same if alone and (in_axes is None or axis not in in_axes) else every)
        elif kind == "concat":
            pairs.append(same if spec.axis % len(src.shape) == _channel_axis(src.layout) else every)
        elif kind == "reduce":
            axes = {a % len(src.shape) for a in spec.axes}
            pairs.append(every if in_axes is None or axes & set(in_axes) else same)
        elif kind == "pad" and in_axes is not None and out_axes is not None:
            pairs.append(tuple(_pad_reads(n, m, spec.pad_widths[a], spec.pad_mode)
                               for n, m, a in ((h, hi_, in_axes[0]), (w, wi, in_axes[1]))))
        elif kind == "transpose" and in_axes is not None and out_axes is not None and (
                tuple(spec.perm[a] for a in out_axes) == in_axes):
            pairs.append(same)  # a change of layout: rows stay rows, columns columns
        else:  # flatten, reshape, dense, a transpose that mixes the axes: every output cell reads all cells
            pairs.append(every)
    return pairs


def graph_reads(stages: Sequence[object]) -> list[list[tuple[int, ReadsPair]]]:
    """For every stage of a model, ``[(input stage, (rows, cols)), ...]`` (stage 0, the input: none)."""
    out: list[list[tuple[int, ReadsPair]]] = [[]]
    for stage in stages[1:]:
        srcs = [stages[i] for i in stage.inputs]
        out.append(list(zip(stage.inputs, stage_reads(stage, srcs), strict=True)))
    return out


def graph_cone(sizes: Sequence[Pair], reads: Sequence[Sequence[tuple[int, ReadsPair]]], stage: int,
               cell: Sequence[int]) -> list[np.ndarray]:
    """:func:`cone` through a graph: the cells of every stage that feed ``cell`` of ``stage`` along any path
    (``reads`` from :func:`graph_reads`; stages are in the order they run, each reading earlier ones)."""
    if sum(h * w for h, w in sizes) > MAX_CONE_CELLS:
        raise ValueError(f"these stages hold more than {MAX_CONE_CELLS:,} cells: too many to trace a field through")
    if not (isinstance(stage, (int, np.integer)) and 0 <= stage < len(sizes)):
        raise ValueError(f"stage {stage!r} does not exist: the model has stages 0 to {len(sizes) - 1}")
    masks = [np.zeros(size, dtype=bool) for size in sizes]
    masks[stage][_cell(cell, sizes[stage])] = True
    for n in range(stage, 0, -1):
        if masks[n].any():
            for i, (rows, cols) in reads[n]:
                masks[i] |= reads_back(masks[n], rows, cols)
    return masks


def graph_boxes(sizes: Sequence[Pair], reads: Sequence[Sequence[tuple[int, ReadsPair]]],
                stages: Sequence[int]) -> dict[int, np.ndarray]:
    """For each of ``stages``, every cell's field box on the input, ``(H, W, 4)`` ints ``top, bottom, left,
    right`` (inclusive), -1 where no input pixel reaches the cell; the hull of the fields along all paths."""
    f = np.float32
    seen_rows: list[np.ndarray | None] = [np.eye(sizes[0][0], dtype=bool)]  # stage cell -> input rows it sees
    seen_cols: list[np.ndarray | None] = [np.eye(sizes[0][1], dtype=bool)]
    for n in range(1, max(stages, default=0) + 1):
        rows = np.zeros((sizes[n][0], sizes[0][0]), dtype=bool)
        cols = np.zeros((sizes[n][1], sizes[0][1]), dtype=bool)
        for i, (r, c) in reads[n]:
            rows |= (r.astype(f) @ seen_rows[i].astype(f)) > 0
            cols |= (c.astype(f) @ seen_cols[i].astype(f)) > 0
        seen_rows.append(rows)
        seen_cols.append(cols)
    out = {}
    for n in stages:
        (top, bottom), (left, right) = _spans(seen_rows[n]), _spans(seen_cols[n])
        h, w = sizes[n]
        box = np.stack([np.broadcast_to(top[:, None], (h, w)), np.broadcast_to(bottom[:, None], (h, w)),
                        np.broadcast_to(left[None, :], (h, w)), np.broadcast_to(right[None, :], (h, w))], axis=-1)
        empty = (top[:, None] < 0) | (left[None, :] < 0)
        out[n] = np.where(empty[..., None], -1, box)
    return out


def _spans(seen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last True of every row (-1 for a row with none)."""
    anyv = seen.any(axis=1)
    first = np.where(anyv, seen.argmax(axis=1), -1)
    last = np.where(anyv, seen.shape[1] - 1 - seen[:, ::-1].argmax(axis=1), -1)
    return first, last


# --- Every cell's field at once: what the cone lights when a pointer hovers a cell ---------------------------------

MAX_FIELD_TABLE_WORK = 10_000_000  # cells traced x target cells: a bound on field_table's work (and its 40 MB)


def chain_reads(sizes: Sequence[Pair], windows: Sequence[Window | None]) -> list[list[tuple[int, ReadsPair]]]:
    """A chain of windows (the network view's stack: None for a layer that reads all of its input) as the reads
    of a graph, so that :func:`graph_cone` and :func:`field_table` walk it as they walk a model's graph."""
    if len(sizes) != len(windows) + 1:
        raise ValueError(f"{len(windows)} layers need {len(windows) + 1} stage sizes, not {len(sizes)}")
    out: list[list[tuple[int, ReadsPair]]] = [[]]
    for n, window in enumerate(windows, start=1):
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = window or full_window(sizes[n - 1])
        (h, w), (hi, wi) = sizes[n], sizes[n - 1]
        out.append([(n - 1, (axis_reads(h, hi, kh, sh, ph, dh), axis_reads(w, wi, kw, sw, pw, dw)))])
    return out


def field_table_work(sizes: Sequence[Pair], targets: Sequence[int]) -> int:
    """What :func:`field_table` would trace: for every target stage, its cells times the cells up to it."""
    cells = [h * w for h, w in sizes]
    return sum(cells[t] * sum(cells[: t + 1]) for t in set(targets))


def field_table(sizes: Sequence[Pair], reads: Sequence[Sequence[tuple[int, ReadsPair]]], targets: Sequence[int],
                panels: Sequence[int]) -> dict[int, dict[int, np.ndarray]]:
    """The cone of every cell of every ``targets`` stage at once, on each of ``panels`` at or before it.

    Returns ``{t: {s: fields}}`` with ``fields`` bool ``(H_t, W_t, H_s, W_s)``: ``fields[r, c]`` is
    :func:`graph_cone` ``(sizes, reads, t, (r, c))[s]``, along every path of the graph. All cells of a target
    are walked back together (one 0/1 product per read and axis), within :data:`MAX_FIELD_TABLE_WORK`.
    """
    work = field_table_work(sizes, targets)
    if work > MAX_FIELD_TABLE_WORK:
        raise ValueError(f"tracing every cell's field here is {work:,} steps of work, more than "
                         f"{MAX_FIELD_TABLE_WORK:,}")
    f = np.float32
    wanted = set(panels)
    out: dict[int, dict[int, np.ndarray]] = {}
    for t in sorted(set(targets)):
        ht, wt = sizes[t]
        k = ht * wt
        held: list[np.ndarray | None] = [None] * (t + 1)  # stage -> (H, W, K) 0/1: which cells feed which target
        held[t] = np.eye(k, dtype=f).reshape(ht, wt, k)
        fields = {}
        for n in range(t, -1, -1):
            if held[n] is None:
                continue
            if n in wanted:
                fields[n] = held[n].transpose(2, 0, 1).reshape(ht, wt, *sizes[n]) > 0
            for i, (rows, cols) in reads[n] if n else ():
                back = np.tensordot(rows.T.astype(f), held[n], axes=(1, 0))  # (H_i, W_n, K)
                back = np.tensordot(back, cols.astype(f), axes=(1, 0))  # (H_i, K, W_i)
                back = (back.transpose(0, 2, 1) > 0).astype(f)
                held[i] = back if held[i] is None else np.maximum(held[i], back)
            held[n] = None  # walked back: only its inputs are needed now
        out[t] = {s: fields.get(s, np.zeros((ht, wt, *sizes[s]), dtype=bool)) for s in sorted(wanted) if s <= t}
    return out
