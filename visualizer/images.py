"""Turning uploads, drawings and the bundled examples into float images ``(H, W, C)`` in [0, 1].

Every way an upload can go wrong ends in :class:`ImageError` (a ``ValueError``) with a message a
student understands; no other exception leaves :func:`load_image`.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

ASSETS = Path(__file__).resolve().parent.parent / "assets"

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Pixels we agree to decode; checked from the header before any pixel data is read, so a
# decompression bomb is refused without allocating its memory.
MAX_PIXELS = 40_000_000
MAX_SIDE = 1024
MAX_ASPECT = 64

# Luma weights of ITU-R BT.601, the ones Pillow's "L" mode uses.
_LUMA = np.array([0.299, 0.587, 0.114])

EXAMPLES: dict[str, str] = {
    "Founding 5x5 (binary)": "founding_5x5.png",
    "Handwritten digit (28x28)": "digit_7.png",
    "Shapes (64x64, colour)": "shapes.png",
    "Checkerboard (16x16)": "checkerboard.png",
    "Landscape photo (256x256, colour)": "photo.png",
}

FOUNDING = np.array(
    [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ],
    dtype=np.float64,
)


class ImageError(ValueError):
    """An upload or drawing that cannot become an image; the message is meant for the user."""


def load_image(data: bytes, *, channels: int = 1, max_side: int = MAX_SIDE) -> np.ndarray:
    """Decode image file bytes into a float64 ``(H, W, C)`` array in [0, 1].

    Inputs:
    - data: the file's bytes (PNG, JPEG, GIF, BMP, WebP, TIFF, or any format Pillow reads).
    - channels: 1 (grayscale, BT.601 luma) or 3 (RGB).
    - max_side: the longer side is shrunk to at most this, keeping the aspect ratio; an 8-bit picture shrunk
      keeps 8-bit values (each value the nearest ``level / 255``).
    EXIF orientation is applied, transparency is composited on white, palette, CMYK, 16-bit and
    float images are converted, and an animation gives its first frame.
    Raises :class:`ImageError` for anything that is not a usable image.
    """
    _check_channels(channels)
    _check_max_side(max_side)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError("the upload could not be read as a file")
    if len(data) == 0:
        raise ImageError("the file is empty (0 bytes)")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(
            f"the file is {len(data):,} bytes ({len(data) / 2**20:.2f} MiB); the limit is {MAX_UPLOAD_BYTES // 2**20} "
            f"MiB ({MAX_UPLOAD_BYTES:,} bytes)"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(bytes(data))) as im:
                w, h = im.size
                _check_size(w, h)
                im.seek(0)
                im.load()
                ImageOps.exif_transpose(im, in_place=True)  # in place: no copy of a large image
                arr = _to_float_rgb(_shrink(im, max_side))
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(
            "this file is not an image we can read; upload a PNG, JPEG, GIF, BMP, WebP or TIFF"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            f"the image has too many pixels (more than {MAX_PIXELS:,}); it could be a "
            "'decompression bomb'. Upload a smaller image"
        ) from None
    except MemoryError:
        raise ImageError("the image is too large to open; upload a smaller one") from None
    except Exception:  # Pillow's plugins raise OSError, SyntaxError, struct.error, EOFError, ...
        raise ImageError(
            "the image file is damaged or incomplete (it may be truncated); try saving it again"
        ) from None
    eight_bit = bool(np.array_equal(np.rint(arr * 255.0) / 255.0, arr))
    arr = resize_image(arr, max_side)
    if eight_bit:  # an 8-bit picture, shrunk, stays one (as an image editor saves it): each value its nearest level
        arr = np.rint(arr * 255.0) / 255.0
    return to_channels(arr, channels)


def _check_channels(channels: int) -> None:
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), not {channels!r}")


def _check_max_side(max_side: int) -> None:
    if isinstance(max_side, (bool, np.bool_)) or not isinstance(max_side, (int, np.integer)) or max_side < 1:
        raise ValueError(f"the size limit must be a whole number of pixels, at least 1, not {max_side!r}")


def _shrink(im: Image.Image, max_side: int) -> Image.Image:
    """Reduce a large image by a whole factor in its own pixel format, before it becomes float64.

    A file of a few kilobytes can decode to tens of millions of pixels, gigabytes as float64 RGBA;
    averaging blocks here (weighted by alpha, as Pillow's ``reduce`` does) leaves less than twice
    ``max_side`` for :func:`resize_image` to finish.
    """
    factor = max(im.size) // max_side
    if factor < 2:
        return im
    if im.mode.startswith("I;16"):
        im = im.convert("F").point(lambda v: v / 65535.0)  # keeps the 16-bit scale: 65535 is white
    elif im.mode == "1":
        im = im.convert("L")
    elif im.mode in ("P", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
    return im.reduce(factor)


def _check_size(w: int, h: int) -> None:
    if w < 1 or h < 1:
        raise ImageError(f"the image has no pixels ({w}x{h})")
    if w * h > MAX_PIXELS:
        raise ImageError(
            f"the image is {w:,}x{h:,} pixels, more than the {MAX_PIXELS:,} we accept; "
            "it could be a 'decompression bomb'. Upload a smaller image"
        )
    if max(w, h) > MAX_ASPECT * min(w, h):
        raise ImageError(
            f"the image is {w}x{h} pixels: too long and thin (more than {MAX_ASPECT}:1) to show"
        )


def _to_float_rgb(im: Image.Image) -> np.ndarray:
    """Any Pillow image as float64 ``(H, W, 3)`` in [0, 1], transparency composited on white."""
    mode = im.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        gray = _scale_high_depth(np.asarray(im), mode)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode == "1":
        im = im.convert("L")
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info
    if has_alpha:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float64) / 255.0
        alpha = rgba[:, :, 3:4]
        return rgba[:, :, :3] * alpha + (1.0 - alpha)
    return np.asarray(im.convert("RGB"), dtype=np.float64) / 255.0


def _scale_high_depth(values: np.ndarray, mode: str) -> np.ndarray:
    """16-bit, 32-bit integer and float pixels into [0, 1]; NaN and infinite pixels become black."""
    arr = values.astype(np.float64)
    missing = ~np.isfinite(arr)
    if missing.all():
        return np.zeros_like(arr)
    lo, hi = float(arr[~missing].min()), float(arr[~missing].max())
    arr[missing] = lo  # scaled with the others' range, then set to 0 below
    if mode.startswith("I;16"):
        out = np.clip(arr / 65535.0, 0.0, 1.0)
    elif mode == "F" and lo >= 0.0 and hi <= 1.0:
        out = arr
    elif mode == "I" and lo >= 0.0 and hi <= 65535.0:
        out = arr / (255.0 if hi <= 255.0 else 65535.0)
    elif hi == lo:
        out = np.zeros_like(arr)
    else:
        out = (arr - lo) / (hi - lo)
    out[missing] = 0.0
    return out


def resize_image(image: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink ``(H, W, C)`` so its longer side is at most ``max_side`` (area averaging); never enlarges."""
    _check_max_side(max_side)
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image
    scale = max_side / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    channels = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(image[:, :, c], dtype=np.float32), mode="F").resize(
                (nw, nh), Image.Resampling.BOX
            ),
            dtype=np.float64,
        )
        for c in range(image.shape[2])
    ]
    return np.clip(np.stack(channels, axis=2), 0.0, 1.0)


def to_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """Convert an ``(H, W, C)`` image to 1 channel (BT.601 luma) or 3 (gray copied to R, G, B)."""
    _check_channels(channels)
    c = image.shape[2]
    if c == channels:
        return image.copy()
    if channels == 1:
        if c == 3:
            gray = image @ _LUMA
            # Gray pixels stay exact: the weights sum to 1 only up to rounding (0.9999999999999999).
            same = image.max(axis=2) == image.min(axis=2)
            gray[same] = image[:, :, 0][same]
            return gray[:, :, None]
        return image.mean(axis=2, keepdims=True)
    return np.repeat(image.mean(axis=2, keepdims=True), 3, axis=2)


def image_from_array(pixels: np.ndarray, *, channels: int = 1, max_side: int = MAX_SIDE) -> np.ndarray:
    """A drawing's pixels (uint8 ``(H, W)``, ``(H, W, 3)`` or RGBA ``(H, W, 4)``) as an image in [0, 1].

    Transparent pixels (an untouched canvas) count as black, the canvas's background.
    """
    _check_channels(channels)
    _check_max_side(max_side)
    try:
        arr = np.asarray(pixels)
    except (TypeError, ValueError, OverflowError):
        raise ImageError("the drawing could not be read (its rows differ in length)") from None
    if arr.dtype.kind not in "biuf":
        raise ImageError(f"the drawing could not be read (it holds {arr.dtype}, not pixel values)")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4) or 0 in arr.shape:
        raise ImageError(f"the drawing could not be read (shape {arr.shape})")
    _check_size(arr.shape[1], arr.shape[0])
    values = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
    # uint8 is always 0-255 (a canvas); other arrays are 0-1 unless a value says otherwise
    values = np.clip(values / (255.0 if arr.dtype == np.uint8 or values.max() > 1.0 else 1.0), 0.0, 1.0)
    if values.shape[2] == 4:
        values = values[:, :, :3] * values[:, :, 3:4]
    if values.shape[2] == 1:
        values = np.repeat(values, 3, axis=2)
    return to_channels(resize_image(values, max_side), channels)


def example_names() -> list[str]:
    """The names of the bundled example images, the founding 5x5 first."""
    return list(EXAMPLES)


def example_size(name: str) -> tuple[int, int]:
    """An example's ``(height, width)``, read from its file's header (no pixels decoded)."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; choose one of {', '.join(EXAMPLES)}")
    with Image.open(ASSETS / EXAMPLES[name]) as im:
        return im.height, im.width


def load_example(name: str, *, channels: int = 1, max_side: int = MAX_SIDE) -> np.ndarray:
    """A bundled example from ``assets/`` as ``(H, W, C)`` in [0, 1]; the founding image is exactly 0/1."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; choose one of {', '.join(EXAMPLES)}")
    if EXAMPLES[name] == "founding_5x5.png":
        return founding_image(channels)
    return load_image((ASSETS / EXAMPLES[name]).read_bytes(), channels=channels, max_side=max_side)


def founding_image(channels: int = 1) -> np.ndarray:
    """The 5x5 binary image of our founding text, ``(5, 5, C)`` of exact 0s and 1s.

    Read from ``assets/founding_5x5.png`` and thresholded, so the file is the source of truth.
    """
    _check_channels(channels)
    path = ASSETS / "founding_5x5.png"
    gray = np.asarray(Image.open(path).convert("L"), dtype=np.float64) if path.exists() else FOUNDING * 255
    binary = (gray >= 128).astype(np.float64)[:, :, None]
    return np.repeat(binary, channels, axis=2)


def resize_to(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``(H, W, C)`` resized to exactly ``height x width`` (area averaging when shrinking, bilinear when
    enlarging; the aspect ratio follows the target), values kept in [0, 1]."""
    _check_max_side(max(height, width))
    h, w = image.shape[:2]
    if (h, w) == (height, width):
        return np.asarray(image, dtype=np.float64).copy()
    method = Image.Resampling.BOX if height <= h and width <= w else Image.Resampling.BILINEAR
    channels = [
        np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c], dtype=np.float32), mode="F").resize(
            (width, height), method), dtype=np.float64)
        for c in range(image.shape[2])
    ]
    return np.clip(np.stack(channels, axis=2), 0.0, 1.0)
