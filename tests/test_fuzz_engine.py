"""Hypothesis drives the engine's public functions with arbitrary shapes, dtypes, values and arguments.

The contract under test, for every function: either it returns a finite, correctly shaped result, or it
raises ``ValueError`` (``ImageError`` and ``StackError`` are ValueErrors) with a non-empty message. Any other
exception (TypeError, IndexError, OverflowError, MemoryError, ...) or a NaN/inf in a result is a bug: the
app turns ValueErrors into messages for the user and would crash on anything else.

Inputs are mostly well-structured (so that the computation really runs, often on extreme values such as
1e308 or with another dtype) and now and then arbitrary: 0-d to 5-d arrays with zero-size dimensions,
complex and object arrays, text, None, huge or negative or boolean arguments, tuples of the wrong length.
``hypothesis.event`` counts how often each call returned and how often it refused: run with
``--hypothesis-show-statistics`` to see that both paths are exercised.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, features

from visualizer import (
    ACTIVATION_NAMES,
    PRESET_NAMES,
    LayerSpec,
    activate,
    conv2d,
    convert_bank,
    expand_kernel,
    image_from_array,
    load_image,
    output_shape,
    plan_shapes,
    pool2d,
    preset_kernel,
    random_filters,
    reduce_kernel,
    run_stack,
    trace_convolution,
)

# numpy's overflow/invalid warnings and ComplexWarning mean the engine computed garbage: make them fail.
pytestmark = [
    pytest.mark.filterwarnings("error::RuntimeWarning"),
    pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning"),
]


# Fuzzing earns its keep by volume: twice the examples of the active profile (80 in "ci").
fuzz = settings(max_examples=2 * settings.default.max_examples)


def outcome(call):
    """The result of ``call()``, or None when it raised a ValueError with a message; anything else propagates."""
    try:
        result = call()
    except ValueError as err:
        assert str(err).strip(), f"{type(err).__name__} raised without a message"
        event("refused with a ValueError")
        return None
    event("returned a result")
    return result


def assert_finite_array(out, ndim=None):
    assert isinstance(out, np.ndarray), type(out)
    assert np.issubdtype(out.dtype, np.floating), out.dtype
    assert np.isfinite(out).all(), "a result holds NaN or inf"
    if ndim is not None:
        assert out.ndim == ndim, out.shape


# --- strategies ---------------------------------------------------------------------------------


def mostly(valid, weird, one_in=6):
    """``valid`` most of the time, ``weird`` about once in ``one_in`` draws (shrinking towards valid)."""
    return st.integers(0, one_in - 1).flatmap(lambda i: weird if i == one_in - 1 else valid)


EXTREMES = [np.nan, np.inf, -np.inf, 1e308, -1e308, 1e154, 5e-324, -0.0]
DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_, np.complex128]

plain_values = st.floats(-10, 10, allow_nan=False)
values = st.one_of(plain_values, plain_values, plain_values, st.sampled_from(EXTREMES))

# Arbitrary things where an array is expected: any number of dimensions (zero-size ones included),
# any dtype with any of its values, object arrays, text, None, ragged lists.
any_numeric_array = st.sampled_from(DTYPES).flatmap(
    lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=5))
)
object_things = st.one_of(
    st.none(),
    st.text(max_size=3),
    st.integers(-(10**30), 10**30),
    st.floats(),
    st.complex_numbers(),
    st.just({}),
    st.just([1, [2]]),
)
any_object_array = st.lists(object_things, min_size=1, max_size=6).map(
    lambda items: np.array(items + [None], dtype=object)
)
any_python = st.one_of(
    object_things, st.lists(st.floats(), max_size=4), st.lists(st.lists(st.integers(), max_size=3), max_size=3)
)
any_array = st.one_of(any_numeric_array, any_object_array, any_python)

weird_scalars = st.one_of(
    st.integers(-3, 6),
    st.sampled_from([10**6, 2**31, 2**62, 2**63, 10**30, -(10**30)]),
    st.booleans(),
    st.floats(allow_nan=True),
    st.sampled_from(["same", "valid", "full", "", "SAME", "3", "1,1"]),
    st.none(),
    st.just(np.int64(2)),
    st.just(np.float64(1.0)),
)
weird_args = st.one_of(
    weird_scalars,
    st.tuples(weird_scalars, weird_scalars),
    st.lists(weird_scalars, max_size=3),
    st.tuples(st.integers(-1, 4)),
    st.just(np.array([1, 2])),
    st.just({}),
)


@st.composite
def float_array(draw, shape):
    """Moderate float64 values, sometimes all scaled up towards overflow, sometimes with one extreme value
    (NaN, inf, 1e308, a subnormal, -0.0) planted somewhere; now and then another dtype with any of its values.

    Rare branches sit at the top of an integer range: Hypothesis favours small integers, so "== 0" would
    fire far more often than its share.
    """
    if draw(st.integers(0, 5)) == 5:
        return draw(hnp.arrays(draw(st.sampled_from(DTYPES)), shape))
    arr = draw(hnp.arrays(np.float64, shape, elements=plain_values))
    if draw(st.integers(0, 5)) == 5:
        arr *= draw(st.sampled_from([1e150, 1e300, 1e307]))
    if arr.size and draw(st.integers(0, 5)) == 5:
        arr.flat[draw(st.integers(0, arr.size - 1))] = draw(st.sampled_from(EXTREMES))
    return arr


@st.composite
def image_like(draw, channels=None, side=None):
    """(H, W, C), or (H, W) when C = 1."""
    c = draw(channels if channels is not None else st.integers(1, 4))
    side = side if side is not None else st.integers(1, 7)
    h, w = draw(side), draw(side)
    return draw(float_array((h, w) if c == 1 and draw(st.booleans()) else (h, w, c)))


@st.composite
def bank_like(draw, channels=None):
    """(N, kh, kw, C), (kh, kw, C), or (kh, kw) when C = 1."""
    c = draw(channels if channels is not None else st.integers(1, 4))
    n, kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ndim = draw(st.sampled_from([2, 3, 4, 4]))
    return draw(float_array({2: (kh, kw) if c == 1 else (kh, kw, c), 3: (kh, kw, c), 4: (n, kh, kw, c)}[ndim]))


@st.composite
def image_and_filters(draw, one_filter=False):
    """An image and filters whose channels agree, except now and then when either is arbitrary."""
    c = st.just(draw(st.integers(1, 3)))
    filters = bank_like(channels=c)
    if one_filter:
        filters = filters.filter(lambda f: f.ndim < 4 or f.shape[0] == 1)
    return draw(mostly(image_like(channels=c), any_array)), draw(mostly(filters, any_array))


small_pair = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
small_padding = st.one_of(
    st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)), st.sampled_from(["same", "valid"])
)
strides = mostly(small_pair, weird_args)
dilations = mostly(small_pair, weird_args)
paddings = mostly(small_padding, weird_args)
biases = mostly(st.one_of(st.none(), values, hnp.arrays(np.float64, st.integers(1, 3), elements=values)), any_array)
images = mostly(image_like(), any_array)


# --- an independent model of the shapes, used only when a call succeeded --------------------------


def pair(value):
    return (int(value), int(value)) if np.ndim(value) == 0 else tuple(int(v) for v in value)


def expected_hw(image_shape, kernel_hw, stride, padding, dilation):
    s, d = pair(stride), pair(dilation)
    if isinstance(padding, str):  # "same" pads d(k-1) in all (the odd one out at the bottom/right)
        same = tuple(di * (k - 1) for k, di in zip(kernel_hw, d, strict=True))
        total = (0, 0) if padding.lower() == "valid" else same
    else:
        total = tuple(2 * v for v in pair(padding))
    return tuple(
        (i + t - di * (k - 1) - 1) // si + 1
        for i, k, si, t, di in zip(image_shape[:2], kernel_hw, s, total, d, strict=True)
    )


def kernel_hw_of(filters):
    shape = np.shape(filters)
    return shape[1:3] if len(shape) == 4 else shape[:2]


# --- conv2d, output_shape, trace ----------------------------------------------------------------


@fuzz
@given(
    image_and_filters(), biases, strides, paddings, dilations, st.booleans(), st.sampled_from([np.float64, np.float32])
)
def test_conv2d_gives_finite_output_of_the_right_shape_or_a_value_error(
    image_filters, bias, stride, padding, dilation, flip, dtype
):
    image, filters = image_filters
    out = outcome(
        lambda: conv2d(image, filters, bias, stride=stride, padding=padding, dilation=dilation, flip=flip, dtype=dtype)
    )
    if out is None:
        return
    assert_finite_array(out, ndim=3)
    assert out.dtype == dtype
    n_filters = np.shape(filters)[0] if np.ndim(filters) == 4 else 1
    assert out.shape == (*expected_hw(np.shape(image), kernel_hw_of(filters), stride, padding, dilation), n_filters)


@fuzz
@given(
    mostly(st.tuples(st.integers(1, 10**9), st.integers(1, 10**9)), weird_args, one_in=3),
    mostly(st.tuples(st.integers(1, 9), st.integers(1, 9)), weird_args, one_in=3),
    strides,
    paddings,
    dilations,
)
def test_output_shape_gives_two_positive_whole_numbers_or_a_value_error(input_hw, kernel_hw, stride, padding, dilation):
    out = outcome(lambda: output_shape(input_hw, kernel_hw, stride=stride, padding=padding, dilation=dilation))
    if out is None:
        return
    assert isinstance(out, tuple) and len(out) == 2
    assert all(type(v) is int and v >= 1 for v in out)
    assert out == expected_hw(pair(input_hw), pair(kernel_hw), stride, padding, dilation)


@fuzz
@given(
    image_and_filters(one_filter=True),
    mostly(st.one_of(values, st.none()), st.one_of(weird_scalars, any_array)),
    strides,
    paddings,
    dilations,
    mostly(st.just(20_000), st.one_of(st.integers(-5, 30), weird_scalars)),
    st.lists(st.one_of(st.integers(-2, 40), weird_scalars), max_size=4),
)
def test_trace_gives_finite_steps_or_a_value_error(image_kernel, bias, stride, padding, dilation, max_steps, probes):
    image, kernel = image_kernel
    trace = outcome(
        lambda: trace_convolution(
            image,
            kernel,
            bias,
            stride=stride,
            padding=padding,
            dilation=dilation,
            max_steps=max_steps,
        )
    )
    if trace is None:
        return
    s = trace.steps
    kh, kw, c = trace.kernel.shape
    assert 1 <= s <= max_steps
    assert trace.out_shape == expected_hw(np.shape(image), (kh, kw), stride, padding, dilation)
    for name, shape in [
        ("windows", (s, kh, kw, c)),
        ("products", (s, kh, kw, c)),
        ("channel_sums", (s, c)),
        ("totals", (s,)),
    ]:
        array = getattr(trace, name)
        assert_finite_array(array)
        assert array.shape == shape, name
    assert_finite_array(trace.output, ndim=2)
    for probe in probes:
        cells = outcome(lambda p=probe: trace.window_cells(p))
        if cells is not None:
            assert 0 <= probe < s
            assert cells[0].shape == (kh,) and cells[1].shape == (kw,)
        text = outcome(lambda p=probe: trace.equation(p))
        if text is not None:
            assert 0 <= probe < s and "=" in text and "nan" not in text and "inf" not in text
        step = outcome(lambda p=probe: trace.step_of(p, p))
        if step is not None:
            assert 0 <= step < s


# --- activations and pooling --------------------------------------------------------------------


@fuzz
@given(images, mostly(st.sampled_from(ACTIVATION_NAMES), st.one_of(weird_scalars, st.text(max_size=8))))
def test_activate_gives_finite_values_of_the_same_shape_or_a_value_error(x, name):
    out = outcome(lambda: activate(x, name))
    if out is None:
        return
    assert_finite_array(out)
    assert out.shape == np.shape(x)


@fuzz
@given(
    images,
    mostly(small_pair, weird_args),
    mostly(st.one_of(st.none(), small_pair), weird_args),
    mostly(st.sampled_from(["max", "avg"]), weird_scalars),
)
def test_pool2d_gives_finite_maps_or_a_value_error(x, size, stride, mode):
    out = outcome(lambda: pool2d(x, size, stride=stride, mode=mode))
    if out is None:
        return
    assert_finite_array(out, ndim=3)
    k = pair(size)
    channels = 1 if np.ndim(x) == 2 else np.shape(x)[2]
    assert out.shape == (*expected_hw(np.shape(x), k, k if stride is None else stride, 0, 1), channels)


# --- filters ------------------------------------------------------------------------------------


@fuzz
@given(mostly(bank_like(), any_array), mostly(st.integers(1, 4), weird_scalars))
def test_expand_reduce_and_convert_give_finite_kernels_or_a_value_error(kernel, channels):
    out = outcome(lambda: expand_kernel(kernel, channels))
    if out is not None:
        assert_finite_array(out, ndim=3)
        assert out.shape == (*np.shape(kernel)[:2], channels)
    out = outcome(lambda: reduce_kernel(kernel))
    if out is not None:
        assert_finite_array(out, ndim=2)
        assert out.shape == np.shape(kernel)[:2]
    out = outcome(lambda: convert_bank(kernel, channels))
    if out is not None:
        assert_finite_array(out, ndim=4)
        assert out.shape == (*np.shape(kernel)[:3], channels)


def int_or_weird(low, high):
    return mostly(st.integers(low, high), weird_scalars, one_in=8)


@fuzz
@given(
    int_or_weird(1, 5),
    int_or_weird(1, 5),
    st.one_of(st.none(), int_or_weird(1, 5)),
    int_or_weird(1, 4),
    int_or_weird(0, 2**64),
    int_or_weird(0, 4),
)
def test_random_filters_give_a_bank_in_minus_one_one_or_a_value_error(n, kh, kw, channels, seed, decimals):
    out = outcome(lambda: random_filters(n, kh, kw, channels, seed=seed, decimals=decimals))
    if out is None:
        return
    assert_finite_array(out, ndim=4)
    assert out.shape == (n, kh, kh if kw is None else kw, channels)
    assert out.min() >= -1.0 and out.max() <= 1.0


@fuzz
@given(
    mostly(st.sampled_from(PRESET_NAMES), st.one_of(weird_scalars, st.text(max_size=10))),
    mostly(st.sampled_from([1, 3, 5, 7]), weird_scalars),
)
def test_preset_kernel_gives_a_square_kernel_or_a_value_error(name, size):
    out = outcome(lambda: preset_kernel(name, size))
    if out is None:
        return
    assert_finite_array(out, ndim=2)
    assert out.shape == (size, size)


# --- images -------------------------------------------------------------------------------------


def _encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _seed_files():
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (12, 10, 3), dtype=np.uint8), mode="RGB")
    frames = [rgb, rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    files = [
        _encode(rgb, "PNG"),
        _encode(rgb.convert("L"), "PNG"),
        _encode(rgb.convert("RGBA"), "PNG"),
        _encode(rgb.convert("LA"), "PNG"),
        _encode(rgb.convert("P"), "PNG", transparency=3),
        _encode(rgb.convert("1"), "PNG"),
        _encode(Image.fromarray(rng.integers(0, 65536, (6, 5), dtype=np.uint16)), "PNG"),
        _encode(rgb, "JPEG", quality=80),
        _encode(rgb.convert("CMYK"), "JPEG"),
        _encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        _encode(rgb, "BMP"),
        _encode(rgb, "TIFF"),
        _encode(Image.fromarray(rng.integers(-9, 9, (6, 5), dtype=np.int32), mode="I"), "TIFF"),
        _encode(Image.fromarray(rng.normal(size=(6, 5)).astype(np.float32), mode="F"), "TIFF"),
        _encode(rgb, "PPM"),
        _encode(rgb, "ICO"),
    ]
    if features.check("webp"):
        files.append(_encode(rgb, "WEBP"))
    return files


SEED_FILES = _seed_files()


@st.composite
def mutated_files(draw):
    """A valid file with a few bytes changed, inserted or deleted, or cut short."""
    data = bytearray(draw(st.sampled_from(SEED_FILES)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "flip", "flip", "truncate", "insert", "delete"]))
        at = draw(st.integers(0, len(data) - 1)) if data else 0
        if action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "truncate":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif data:
            del data[at : at + draw(st.integers(1, 16))]
    return bytes(data)


def check_loaded(out, channels, max_side):
    assert_finite_array(out, ndim=3)
    assert out.shape[2] == channels
    assert 1 <= max(out.shape[:2]) <= max_side
    assert out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.filterwarnings("default")  # Pillow may warn about odd files; only the result matters here
@fuzz
@given(
    st.one_of(st.binary(max_size=300), mutated_files(), mutated_files(), mutated_files(), st.sampled_from(SEED_FILES)),
    st.sampled_from([1, 3]),
    st.integers(1, 64),
)
def test_load_image_of_arbitrary_bytes_gives_an_image_or_an_image_error(data, channels, max_side):
    out = outcome(lambda: load_image(data, channels=channels, max_side=max_side))
    if out is not None:
        check_loaded(out, channels, max_side)


@pytest.mark.filterwarnings("default")
@fuzz
@given(
    mostly(st.sampled_from(SEED_FILES), st.one_of(any_python, any_numeric_array)),
    mostly(st.sampled_from([1, 3]), weird_scalars),
    mostly(st.integers(1, 64), weird_scalars),
)
def test_load_image_with_arbitrary_arguments_gives_an_image_or_a_value_error(data, channels, max_side):
    out = outcome(lambda: load_image(data, channels=channels, max_side=max_side))
    if out is not None:
        check_loaded(out, channels, max_side)


@fuzz
@given(
    mostly(image_like(channels=st.sampled_from([1, 3, 4]), side=st.integers(1, 40)), any_array),
    mostly(st.sampled_from([1, 3]), weird_scalars),
    mostly(st.integers(1, 64), weird_scalars),
)
def test_image_from_array_gives_an_image_or_a_value_error(pixels, channels, max_side):
    out = outcome(lambda: image_from_array(pixels, channels=channels, max_side=max_side))
    if out is not None:
        check_loaded(out, channels, max_side)


# --- the layer stack ----------------------------------------------------------------------------


def field(valid):
    return mostly(valid, weird_scalars, one_in=12)


layer_specs = st.builds(
    LayerSpec,
    kind=field(st.sampled_from(["conv", "conv", "activation", "pool"])),
    n_filters=field(st.integers(1, 4)),
    kernel=field(st.integers(1, 4)),
    stride=field(st.integers(1, 2)),
    padding=field(st.integers(0, 2)),
    seed=field(st.integers(0, 99)),
    activation=field(st.sampled_from(ACTIVATION_NAMES)),
    pool_size=field(st.integers(1, 3)),
    pool_mode=field(st.sampled_from(["max", "avg"])),
)
spec_lists = mostly(
    st.lists(layer_specs, max_size=5),
    st.one_of(any_python, st.lists(st.one_of(layer_specs, object_things), max_size=3)),
)


@fuzz
@given(spec_lists, mostly(st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(1, 4)), weird_args))
def test_plan_shapes_gives_positive_shapes_or_a_value_error(specs, input_shape):
    stages = outcome(lambda: plan_shapes(specs, input_shape))
    if stages is None:
        return
    assert len(stages) == len(specs) + 1
    for stage in stages:
        assert len(stage.shape) == 3 and all(type(v) is int and v >= 1 for v in stage.shape)
        assert stage.arithmetic


@fuzz
@given(mostly(image_like(side=st.integers(3, 9)), any_array), spec_lists)
def test_run_stack_gives_finite_tensors_or_a_value_error(image, specs):
    stages = outcome(lambda: run_stack(image, specs))
    if stages is None:
        return
    assert len(stages) == len(specs) + 1
    for stage in stages:
        assert_finite_array(stage.tensor, ndim=3)
        assert stage.tensor.shape == stage.shape
        assert math.prod(stage.shape) >= 1
