"""The network view's editable stack: the layers in session state, edits validated before they are kept.

The stack lives in ``st.session_state[STACK]`` as a list of :class:`LayerSpec` dicts. Every edit (add,
remove, move, reset) builds the new list, checks it with :func:`plan_shapes` on the current input, and
keeps it only if every stage has an output; otherwise the previous stack stays and the refusal, naming
the stage and its arithmetic, is shown once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from visualizer import ACTIVATION_LABELS, ACTIVATION_NAMES, LayerSpec, StackError, plan_shapes
from visualizer.layers import KINDS, LayerKind
from visualizer.network import MAX_FILTERS, MAX_KERNEL, MAX_LAYERS, founding_specs, size_arithmetic

STACK = "net_stack"
REFUSAL = "net_refusal"  # the message of the last refused edit, shown on the next run only
NOTICE = "net_notice"  # a short confirmation of the last accepted edit
# Kinds with weights (their specs carry the seed of the random weights the view shows before training).
WEIGHTED = frozenset(name for name, kind in KINDS.items() if type(kind).init_params is not LayerKind.init_params)
# The network view draws every number of every stage and caches whole runs for all visitors: these caps keep
# one run under 8 MB of arrays and every stage drawable (a 1x1 convolution with padding grows its input).
MAX_STAGE_SIDE = 64
MAX_NETWORK_VALUES = 1_000_000
POOL_LABELS = {"max": "max", "avg": "average"}


def init_stack() -> None:
    """First visit: the founding chain."""
    st.session_state.setdefault(STACK, [s.to_dict() for s in founding_specs()])


def current_specs() -> list[LayerSpec]:
    return [LayerSpec(**d) for d in st.session_state[STACK]]


def refusal_message(err: StackError, specs: list[LayerSpec], input_shape: tuple[int, int, int]) -> str:
    """``err`` with the output-size arithmetic of the failing stage written out (when it has one)."""
    text = str(err).replace("*", "\\*")  # shown as Markdown: "2*0 ... 1*(3-1)" must not turn italic
    stage = err.stage
    if not 1 <= stage <= len(specs):
        return text
    spec = specs[stage - 1]
    form = FORMS.get(spec.kind)
    if form is None or form.window is None:  # only a sliding window can be too large for its input
        return text
    try:
        h, w, _ = plan_shapes(specs[: stage - 1], input_shape)[-1].shape
    except StackError:
        return text
    k, s, p = form.window(spec)
    parts = [f"{name} `{size_arithmetic(i, k, stride=s, padding=p)}`"
             for name, i in ((("height and width", h),) if h == w else (("height", h), ("width", w)))
             if (i + 2 * p - k) // s + 1 < 1]
    if not parts:  # the error is about the layer's own values, not about the size
        return text
    return f"{text}. Output size: {'; '.join(parts)}, and a size must be at least 1."


def check_stack(specs: list[LayerSpec], input_shape: tuple[int, int, int]) -> None:
    """:func:`plan_shapes`, plus the network view's own limits on the size of the stages.

    Raises :class:`StackError` naming the first stage that cannot work or is too large to show.
    """
    total = 0
    for stage in plan_shapes(specs, input_shape):
        h, w, c = stage.shape
        if max(h, w) > MAX_STAGE_SIDE:
            raise StackError(stage.index, f"its output would be {h}x{w}, larger than the {MAX_STAGE_SIDE} pixels "
                             "a side the network view shows; use less padding or a smaller input")
        total += h * w * c
        if total > MAX_NETWORK_VALUES:
            raise StackError(stage.index, f"the stages up to this one would hold {total:,} numbers, more than the "
                             f"{MAX_NETWORK_VALUES:,} the network view shows; use fewer filters or layers")


def try_stack(specs: list[LayerSpec], input_shape: tuple[int, int, int], done: str) -> bool:
    """Keep ``specs`` if every stage works on ``input_shape``; else keep the old stack and say why."""
    ss = st.session_state
    try:
        check_stack(specs, input_shape)
    except StackError as err:
        ss[REFUSAL] = f"{refusal_message(err, specs, input_shape)} The stack was not changed."
        ss.pop(NOTICE, None)
        return False
    ss[STACK] = [s.to_dict() for s in specs]
    ss[NOTICE] = done
    ss.pop(REFUSAL, None)
    return True


def _label(specs: list[LayerSpec], i: int, input_shape: tuple[int, int, int]) -> str:
    """Layer ``i``'s label with its input channel count when the stack up to it works (else with ``C``)."""
    try:
        channels = plan_shapes(specs[:i], input_shape)[-1].shape[2]
    except StackError:
        channels = None
    return specs[i].label(channels)


def _next_seed(specs: list[LayerSpec]) -> int:
    return max((s.seed for s in specs if s.kind in WEIGHTED), default=0) + 1


# --- The "Add a layer" form of each kind ---------------------------------------------------------------
def _conv_form() -> None:
    c1, c2 = st.columns(2)
    c1.number_input("Filters (N)", 1, MAX_FILTERS, 4, key="net_filters")
    c2.number_input("Kernel k (k x k)", 1, MAX_KERNEL, 3, key="net_kernel")
    c1.number_input("Stride", 1, 4, 1, key="net_stride")
    c2.number_input("Padding", 0, 3, 0, key="net_padding")
    st.number_input("Random seed of the filters", 0, 10_000, key="net_seed",
                    help="Weights are random numbers in [-1, 1] with one decimal; the same seed, the same filters.")


def _conv_spec() -> LayerSpec:
    ss = st.session_state
    return LayerSpec("conv", n_filters=int(ss["net_filters"]), kernel=int(ss["net_kernel"]),
                     stride=int(ss["net_stride"]), padding=int(ss["net_padding"]), seed=int(ss["net_seed"]))


def _activation_form() -> None:
    st.selectbox("Function", ACTIVATION_NAMES, key="net_activation", format_func=ACTIVATION_LABELS.get)


def _activation_spec() -> LayerSpec:
    return LayerSpec("activation", activation=st.session_state["net_activation"])


def _pool_form() -> None:
    c1, c2 = st.columns(2)
    c1.selectbox("Pooling", list(POOL_LABELS), key="net_pool_mode", format_func=POOL_LABELS.get)
    c2.number_input("Window (stride = window)", 1, MAX_KERNEL, 2, key="net_pool_size")


def _pool_spec() -> LayerSpec:
    ss = st.session_state
    return LayerSpec("pool", pool_mode=ss["net_pool_mode"], pool_size=int(ss["net_pool_size"]))


@dataclass(frozen=True)
class KindForm:
    """The stack editor's side of one layer kind (what the kind computes lives in :data:`KINDS`)."""

    widgets: Callable[[], None]  # the widgets of "Add a layer"
    spec: Callable[[], LayerSpec]  # the layer those widgets describe
    window: Callable[[LayerSpec], tuple[int, int, int]] | None = None  # (k, s, p) of a sliding window


FORMS: dict[str, KindForm] = {
    "conv": KindForm(_conv_form, _conv_spec, lambda s: (s.kernel, s.stride, s.padding)),
    "activation": KindForm(_activation_form, _activation_spec),
    "pool": KindForm(_pool_form, _pool_spec, lambda s: (s.pool_size, s.pool_size, 0)),
}


def spec_from_form() -> LayerSpec:
    """The layer described by the "Add a layer" widgets."""
    return FORMS[st.session_state.get("net_kind") or "conv"].spec()


def _add(input_shape: tuple[int, int, int]) -> None:
    specs = current_specs()
    at = int(st.session_state.get("net_position", len(specs)))
    spec = spec_from_form()
    new = specs[:at] + [spec] + specs[at:]
    if len(new) > MAX_LAYERS:
        st.session_state[REFUSAL] = f"A stack may have at most {MAX_LAYERS} layers; remove one first."
        return
    added = try_stack(new, input_shape, f"Added layer {at + 1}: {_label(new, at, input_shape)}.")
    if added and spec.kind in WEIGHTED:
        st.session_state["net_seed"] = _next_seed(new)


def _remove(i: int, input_shape: tuple[int, int, int]) -> None:
    specs = current_specs()
    gone = _label(specs, i, input_shape)
    specs.pop(i)
    try_stack(specs, input_shape, f"Removed layer {i + 1}: {gone}.")


def _move(i: int, delta: int, input_shape: tuple[int, int, int]) -> None:
    specs = current_specs()
    j = i + delta
    if not 0 <= j < len(specs):
        return
    specs[i], specs[j] = specs[j], specs[i]
    try_stack(specs, input_shape, f"Moved {_label(specs, j, input_shape)} to position {j + 1}.")


def _reset(input_shape: tuple[int, int, int]) -> None:
    try_stack(founding_specs(), input_shape, "Back to the founding chain.")


def _add_form(specs: list[LayerSpec], input_shape: tuple[int, int, int]) -> None:
    ss = st.session_state
    ss.setdefault("net_seed", _next_seed(specs))
    st.segmented_control("Kind", list(FORMS), key="net_kind", format_func=lambda k: KINDS[k].title,
                         default="conv", required=True)
    FORMS[ss.get("net_kind") or "conv"].widgets()
    positions = list(range(len(specs) + 1))
    if ss.get("net_position") not in positions:
        ss["net_position"] = len(specs)
    st.selectbox("Where", positions, key="net_position",
                 format_func=lambda p: "at the end" if p == len(specs) else f"before layer {p + 1}")
    st.button("Add layer", key="net_add", icon=":material/add:", type="primary", width="stretch",
              on_click=_add, args=(input_shape,))


def stack_editor(input_shape: tuple[int, int, int]) -> None:
    """The layers with move / remove buttons, the "Add a layer" form and a reset; for the sidebar."""
    ss = st.session_state
    specs = current_specs()
    try:
        shapes = [stage.shape for stage in plan_shapes(specs, input_shape)]
    except StackError:
        shapes = []
    st.markdown(f"Input **[{' x '.join(map(str, input_shape))}]**")
    for i, spec in enumerate(specs):
        channels = shapes[i][2] if shapes else None
        out = f"  \n:small[:gray[→ {'x'.join(map(str, shapes[i + 1]))}]]" if shapes else ""
        st.markdown(f"**{i + 1}.** {spec.label(channels)}{out}")
    if specs:
        # One picker and three buttons named in words (icon-only buttons are announced by their icon's name).
        if ss.get("net_pick") not in range(len(specs)):
            ss["net_pick"] = len(specs) - 1
        st.selectbox("Layer to move or remove", range(len(specs)), key="net_pick",
                     format_func=lambda i: f"{i + 1}. {specs[i].label(shapes[i][2] if shapes else None)}")
        pick = int(ss["net_pick"])
        c1, c2, c3 = st.columns(3, gap="small")
        c1.button("Up", key="net_up", help="Move this layer one place up", disabled=pick == 0, width="stretch",
                  on_click=_move, args=(pick, -1, input_shape))
        c2.button("Down", key="net_down", help="Move this layer one place down", disabled=pick == len(specs) - 1,
                  width="stretch", on_click=_move, args=(pick, 1, input_shape))
        c3.button("Remove", key="net_remove", help="Remove this layer", width="stretch",
                  on_click=_remove, args=(pick, input_shape))
    if not specs:
        st.caption("No layers: the input is the output.")
    if ss.get(REFUSAL):
        st.error(ss.pop(REFUSAL))
    elif ss.get(NOTICE):
        st.success(ss.pop(NOTICE))
    with st.expander("Add a layer", expanded=False, icon=":material/add_box:", key="net_add_open"):
        _add_form(specs, input_shape)
    st.button("Reset to the founding chain", key="net_reset", icon=":material/restart_alt:", width="stretch",
              on_click=_reset, args=(input_shape,))

