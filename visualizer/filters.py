"""Kernel presets by name, seeded random filter banks, and the rule that gives a kernel C channels.

Kernels here are 2-D ``(kh, kw)``; :func:`expand_kernel` copies one into every channel of an
``(kh, kw, C)`` filter, and :func:`reduce_kernel` averages the channels back into one.
"""

from __future__ import annotations

import numpy as np

from .conv import as_filters, real_array

# Limits that keep a request from allocating gigabytes: channels of one filter, values in one bank.
MAX_CHANNELS = 1024
MAX_BANK_VALUES = 2**24

_BOX = {3: np.ones((3, 3)) / 9.0, 5: np.ones((5, 5)) / 25.0}
_GAUSS = {
    3: np.outer([1, 2, 1], [1, 2, 1]) / 16.0,
    5: np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0,
}
_SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
_SOBEL_X5 = np.outer([1, 4, 6, 4, 1], [-1, -2, 0, 2, 1]).astype(float)


def _identity(size: int) -> np.ndarray:
    k = np.zeros((size, size))
    k[size // 2, size // 2] = 1.0
    return k


def _sharpen(size: int) -> np.ndarray:
    if size == 3:
        return np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float)
    return 2 * _identity(size) - _BOX[size]


def _laplacian(size: int) -> np.ndarray:
    if size == 3:
        return np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float)
    k = np.ones((5, 5))
    k[2, 2] = -24.0  # centre against the 24 neighbours: sums to 0, so flat areas give 0
    return k


# Each preset: its sizes, a builder, and one plain sentence on what it does.
_PRESETS: dict[str, tuple[tuple[int, ...], object, str]] = {
    "identity": ((1, 3, 5, 7), _identity, "Copies the centre pixel: the output is the input."),
    "box blur": ((3, 5), lambda n: _BOX[n].copy(), "Averages the window: a soft blur."),
    "gaussian": ((3, 5), lambda n: _GAUSS[n].copy(), "Weighted average, centre first: a smooth blur."),
    "sharpen": ((3, 5), _sharpen, "Boosts the centre against its neighbours: crisper edges."),
    "laplacian": ((3, 5), _laplacian, "Responds where brightness changes in any direction: edges."),
    "sobel x": (
        (3, 5),
        lambda n: _SOBEL_X.copy() if n == 3 else _SOBEL_X5.copy(),
        "Left-to-right change: bright on vertical edges.",
    ),
    "sobel y": (
        (3, 5),
        lambda n: _SOBEL_X.T.copy() if n == 3 else _SOBEL_X5.T.copy(),
        "Top-to-bottom change: bright on horizontal edges.",
    ),
    "prewitt x": (
        (3,),
        lambda n: np.array([[-1, 0, 1]] * 3, dtype=float),
        "Like Sobel x without the extra centre weight.",
    ),
    "prewitt y": (
        (3,),
        lambda n: np.array([[-1, 0, 1]] * 3, dtype=float).T.copy(),
        "Like Sobel y without the extra centre weight.",
    ),
    "emboss": (
        (3,),
        lambda n: np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=float),
        "Light from the bottom right: a relief effect.",
    ),
    "outline": (
        (3,),
        lambda n: np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float),
        "Zero on flat areas, strong on every edge.",
    ),
}

PRESET_NAMES: list[str] = list(_PRESETS)


def preset_sizes(name: str) -> tuple[int, ...]:
    """The kernel sizes a preset exists in."""
    return _preset(name)[0]


def preset_description(name: str) -> str:
    """One sentence on what the preset does to an image."""
    return _preset(name)[2]


def _preset(name: str) -> tuple[tuple[int, ...], object, str]:
    key = str(name).lower().replace("_", " ").strip()
    if key not in _PRESETS:
        raise ValueError(f"unknown filter preset {name!r}; choose one of {', '.join(PRESET_NAMES)}")
    return _PRESETS[key]


def preset_kernel(name: str, size: int = 3) -> np.ndarray:
    """The 2-D kernel ``(size, size)`` of preset ``name`` (see :data:`PRESET_NAMES`)."""
    sizes, build, _ = _preset(name)
    if not _is_whole(size) or size not in sizes:
        listed = ", ".join(f"{s}x{s}" for s in sizes)
        raise ValueError(f"the {name} preset exists in sizes {listed}, not {size}x{size}")
    return np.array(build(size), dtype=np.float64)  # type: ignore[operator]


def expand_kernel(kernel: np.ndarray, channels: int) -> np.ndarray:
    """Give a 2-D ``(kh, kw)`` kernel ``channels`` channels: the same values in each, ``(kh, kw, C)``.

    The filter then responds to the sum of the channels' responses (the channels are absorbed).
    A ``(kh, kw, C)`` kernel is returned as is when C already matches, and reduced first otherwise.
    """
    arr = _as_kernel(kernel)
    _check_channels(channels)
    if arr.ndim == 3:
        if arr.shape[2] == channels:
            return arr.copy()
        arr = reduce_kernel(arr)
    if arr.ndim != 2:
        raise ValueError(f"a kernel must be (kh, kw) or (kh, kw, C), not {arr.shape}")
    return np.repeat(arr[:, :, None], channels, axis=2)


def reduce_kernel(kernel: np.ndarray) -> np.ndarray:
    """Average the channels of a ``(kh, kw, C)`` kernel into one ``(kh, kw)`` kernel.

    The inverse of :func:`expand_kernel`: expanding then reducing returns the kernel unchanged.
    """
    arr = _as_kernel(kernel)
    if arr.ndim == 2:
        return arr.copy()
    return _channel_mean(arr)


def _channel_mean(arr: np.ndarray) -> np.ndarray:
    """The mean over the last axis, dividing before adding so that huge weights cannot overflow."""
    return (arr / arr.shape[-1]).sum(axis=-1)


def _is_whole(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_channels(channels: int) -> None:
    if not (_is_whole(channels) and 1 <= channels <= MAX_CHANNELS):
        raise ValueError(f"a filter needs a whole number of channels from 1 to {MAX_CHANNELS}, not {channels!r}")


def _as_kernel(kernel: np.ndarray) -> np.ndarray:
    """A finite, non-empty float64 kernel ``(kh, kw)`` or ``(kh, kw, C)``."""
    arr = real_array(kernel, "a kernel")
    if arr.ndim not in (2, 3):
        raise ValueError(f"a kernel must be (kh, kw) or (kh, kw, C), not {arr.shape}")
    if 0 in arr.shape:
        raise ValueError(f"a kernel cannot be empty; its shape is {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("a kernel contains NaN or infinite values")
    return arr


def convert_bank(filters: np.ndarray, channels: int) -> np.ndarray:
    """Give every filter of a bank ``(N, kh, kw, C)`` ``channels`` channels (see :func:`expand_kernel`)."""
    if np.ndim(filters) != 4:
        raise ValueError(f"a filter bank must be (N, kh, kw, C), not an array of shape {np.shape(filters)}")
    bank = as_filters(filters)
    _check_channels(channels)
    if bank.shape[0] * bank.shape[1] * bank.shape[2] * channels > MAX_BANK_VALUES:
        raise ValueError(f"that filter bank would hold more than {MAX_BANK_VALUES:,} values")
    if bank.shape[3] == channels:
        return bank.copy()
    reduced = _channel_mean(bank)
    return np.repeat(reduced[..., None], channels, axis=3)


def random_filters(
    n: int, kh: int, kw: int | None = None, channels: int = 1, *, seed: int = 0, decimals: int = 1
) -> np.ndarray:
    """A seeded random bank ``(N, kh, kw, C)`` of values in [-1, 1], rounded to ``decimals``.

    Rounded so they read well on screen; the same seed always gives the same bank.
    """
    kw = kh if kw is None else kw
    if not all(_is_whole(v) and v >= 1 for v in (n, kh, kw, channels)):
        raise ValueError(f"a filter bank needs positive whole sizes, not {n!r} x {kh!r}x{kw!r}x{channels!r}")
    n, kh, kw, channels = (int(v) for v in (n, kh, kw, channels))  # Python ints: a NumPy product would overflow
    if n * kh * kw * channels > MAX_BANK_VALUES:
        raise ValueError(
            f"a bank of {n} x {kh}x{kw}x{channels} filters would hold more than {MAX_BANK_VALUES:,} values"
        )
    if not (_is_whole(seed) and seed >= 0):
        raise ValueError(f"the seed must be a whole number from 0 up, not {seed!r}")
    if not (_is_whole(decimals) and 0 <= decimals <= 15):
        raise ValueError(f"decimals must be a whole number from 0 to 15, not {decimals!r}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1.0, 1.0, size=(n, kh, kw, channels))
    return np.round(values, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
