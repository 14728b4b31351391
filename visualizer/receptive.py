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
