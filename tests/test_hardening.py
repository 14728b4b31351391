"""Hardening: hostile uploads, extreme values, bad links, shared-server state, security and error boundaries.

Every test names the guard it protects; removing that guard makes the test fail. The engine's own fuzzing
lives in ``test_fuzz_engine.py``; decoding details of single formats in ``test_images.py``. Here the same
hostile inputs go through the app's own entry points (``accept_upload``, the studio page, the link parser)
and we check what a visitor sees: an image or a clear message, never a traceback, and their state kept.
"""

from __future__ import annotations

import ast
import io
import json
import re
import struct
import time
import tomllib
import zlib
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st_
from PIL import Image, TiffImagePlugin
from streamlit.testing.v1 import AppTest

from visualizer import EXAMPLES
from visualizer.images import MAX_UPLOAD_BYTES
from visualizer.studio_state import RANGES, StudioState, from_query, kernel_to_text, parse_kernel, to_query
from visualizer.ui.inputs import SOURCE_MAX_SIDE

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "streamlit_app.py")
# How long each decision takes (a slow bomb, a hang) is measured by bench/bench_hardening.py, not asserted here:
# wall-clock limits fail on a busy shared machine. A hang still fails, at the AppTest timeout.


# --- (a) the hostile upload corpus ---------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def raw_png(width: int, height: int, idat: bytes, *, color_type: int = 0, extra: bytes = b"") -> bytes:
    """A PNG written byte by byte (8-bit), so its header can claim anything."""
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + extra + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def zero_png(width: int, height: int, *, color_type: int = 0) -> bytes:
    """A valid PNG of zeros compressed row by row: a few kilobytes that decode to ``width * height`` pixels."""
    per_pixel = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width * per_pixel + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return raw_png(width, height, idat, color_type=color_type)


def gif_with_screen(width: int, height: int, frame: tuple[int, int] = (1, 1)) -> bytes:
    """A GIF whose logical screen (and first frame) claim any size, with one tiny block of data."""
    fw, fh = frame
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, fw, fh, 0) + b"\x02\x02\x44\x01\x00" + b"\x3b")


def gradient(h: int = 30, w: int = 40) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 6, y * 8, (x + y) * 3], axis=2).astype(np.uint8)


def float_tiff(values: np.ndarray) -> bytes:
    return encode(Image.fromarray(values.astype(np.float32), mode="F"), "TIFF")


def exif_jpeg(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(Image.fromarray(gradient(30, 40)), "JPEG", exif=exif)


def animated(fmt: str, frames: int = 5, **options) -> bytes:
    images = [Image.fromarray(np.roll(gradient(), 7 * i, axis=1)) for i in range(frames)]
    return encode(images[0], fmt, save_all=True, append_images=images[1:], **options)


def every_pillow_format() -> list[tuple[str, bytes]]:
    """A small image saved in every format this Pillow can write (``Image.SAVE``), in the first mode it takes."""
    Image.init()
    files = []
    for fmt in sorted(Image.SAVE):
        for mode in ("RGB", "L", "P", "1"):
            try:
                files.append((f"saved-as-{fmt}-{mode}", encode(Image.new(mode, (24, 16), 100), fmt)))
                break
            except Exception:  # formats without a writer (BUFR, GRIB, HDF5, WMF) or this mode
                continue
    return files


def truncations(name: str, data: bytes) -> list[tuple[str, bytes]]:
    cuts = sorted({1, 4, 8, 16, 33, len(data) // 4, len(data) // 2, 3 * len(data) // 4, len(data) - 1})
    return [(f"{name}-cut-at-{c}", data[:c]) for c in cuts if 0 < c < len(data)]


@cache
def upload_corpus() -> tuple[tuple[str, bytes], ...]:
    """Every odd or hostile file we can think of, as ``(name, bytes)``. Built once per test run."""
    rng = np.random.default_rng(5)
    files: list[tuple[str, bytes]] = [
        ("empty", b""),
        ("one-byte", b"\x00"),
        ("text", b"Dear teacher,\nthis is a text file, not a picture.\n" * 40),
        ("html", b"<!doctype html><html><body><script>alert(1)</script><img src=x onerror=alert(2)></body></html>"),
        ("svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="9999999" height="9999999"><rect width="9"/></svg>'),
        ("json", b'{"image": [[0, 1], [1, 0]]}'),
        ("pdf-header", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"),
        ("zip-header", b"PK\x03\x04" + bytes(60)),
        ("png-signature-only", b"\x89PNG\r\n\x1a\n"),
        ("png-bad-zlib", raw_png(4, 4, b"this is not zlib data")),
        ("png-bad-crc", raw_png(4, 4, zlib.compress(b"\x00" * 20))[:-5] + b"XXXXX"),
        ("jpeg-soi-only", b"\xff\xd8\xff"),
        ("gif-header-only", b"GIF89a"),
        ("tiff-header-only", b"II*\x00\x08\x00\x00\x00"),
        ("bmp-header-only", b"BM" + bytes(12)),
        ("almost-5-MB-of-noise", rng.bytes(MAX_UPLOAD_BYTES - 1)),
        ("over-5-MB-of-zeros", bytes(MAX_UPLOAD_BYTES + 1)),
    ]
    files += [(f"random-{n}-bytes", rng.bytes(n)) for n in (2, 17, 1000, 100_000)]
    # Pillow's own signatures followed by garbage: each plugin gets to parse nonsense.
    for magic in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF87a", b"II*\x00", b"MM\x00*", b"BM",
                  b"RIFF\x00\x00\x00\x00WEBP", b"\x00\x00\x01\x00", b"P6\n", b"8BPS", b"\x01\xda", b"icns"):
        files.append((f"magic-{magic[:4].hex()}-then-noise", magic + rng.bytes(500)))

    # Valid small images, then each cut short at several places.
    picture = Image.fromarray(gradient())
    valid = {
        "png": encode(picture, "PNG"),
        "jpeg": encode(picture, "JPEG", quality=90),
        "progressive-jpeg": encode(picture, "JPEG", progressive=True),
        "gif": encode(picture.convert("P"), "GIF"),
        "webp": encode(picture, "WEBP", quality=80),
        "lossless-webp": encode(picture, "WEBP", lossless=True),
        "tiff": encode(picture, "TIFF"),
        "lzw-tiff": encode(picture, "TIFF", compression="tiff_lzw"),
        "bmp": encode(picture, "BMP"),
    }
    for name, data in valid.items():
        files.append((f"valid-{name}", data))
        files += truncations(name, data)

    # Decompression bombs and absurd sizes: refused from the header, before any pixel is decoded.
    files += [
        ("png-claims-50000x50000", raw_png(50_000, 50_000, zlib.compress(b"\x00" * 1000))),
        ("png-claims-2^31x2^31", raw_png(2**31 - 1, 2**31 - 1, zlib.compress(b"\x00" * 100))),
        ("png-claims-0x0", raw_png(0, 0, zlib.compress(b""))),
        ("png-claims-0x10", raw_png(0, 10, zlib.compress(b""))),
        ("png-claims-1x5000", raw_png(1, 5000, zlib.compress(b"\x00\x00" * 5000))),
        ("real-1x5000-png", encode(Image.new("L", (1, 5000), 128), "PNG")),
        ("real-5000x1-png", encode(Image.new("L", (5000, 1), 128), "PNG")),
        ("real-bomb-7000x7000-png", zero_png(7000, 7000)),
        ("gif-screen-50000x50000", gif_with_screen(50_000, 50_000)),
        ("gif-frame-65535x65535", gif_with_screen(16, 16, frame=(65535, 65535))),
        ("ztxt-bomb-png", raw_png(4, 4, zlib.compress(b"\x00" * 20),
                                  extra=png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * 50_000_000)))),
        ("itxt-bomb-png", raw_png(4, 4, zlib.compress(b"\x00" * 20),
                                  extra=png_chunk(b"iTXt", b"Comment\x00\x01\x00\x00\x00"
                                                  + zlib.compress(b"A" * 50_000_000)))),
    ]
    # The largest files we accept: tens of millions of pixels, in a few kilobytes. Slow decoding fails here.
    files += [
        ("largest-allowed-gray-png-6000x6000", zero_png(6000, 6000)),
        ("largest-allowed-rgba-png-6000x6000", zero_png(6000, 6000, color_type=6)),
    ]

    # Modes and bit depths, with extreme values.
    ramp16 = np.linspace(0, 65535, 30 * 40).reshape(30, 40).astype(np.uint16)
    files += [
        ("16-bit-png", encode(Image.fromarray(ramp16), "PNG")),
        ("16-bit-tiff", encode(Image.fromarray(ramp16), "TIFF")),
        ("32-bit-int-tiff-extremes", encode(Image.fromarray(
            np.array([[-(2**31), 0], [1, 2**31 - 1]], dtype=np.int32), mode="I"), "TIFF")),
        ("32-bit-int-tiff-constant", encode(Image.new("I", (8, 8), -5), "TIFF")),
        ("float-tiff-nan-inf-1e308", float_tiff(np.array([[np.nan, np.inf], [-np.inf, 3e38]]))),
        ("float-tiff-all-nan", float_tiff(np.full((6, 6), np.nan))),
        ("float-tiff-all-inf", float_tiff(np.full((6, 6), np.inf))),
        ("float-tiff-denormals", float_tiff(np.full((6, 6), 1e-45))),
        ("float-tiff-huge-range", float_tiff(np.array([[-3e38, 3e38], [0, 1]]))),
        ("float64-spider-1e308", encode(Image.fromarray(np.full((8, 8), 1e30, dtype=np.float32), mode="F"),
                                        "SPIDER")),
        ("16-bit-ppm", b"P5\n4 4\n65535\n" + np.arange(16, dtype=">u2").tobytes()),
        ("pfm-float", b"Pf\n2 2\n-1.0\n" + np.array([np.nan, np.inf, -1e30, 0.5], dtype="<f4").tobytes()),
        ("cmyk-jpeg", encode(Image.new("CMYK", (20, 10), (0, 255, 255, 0)), "JPEG")),
        ("cmyk-tiff", encode(Image.new("CMYK", (20, 10), (255, 0, 0, 50)), "TIFF")),
        ("ycbcr-jpeg", encode(Image.new("YCbCr", (20, 10), (128, 30, 200)), "JPEG")),
        ("lab-tiff", encode(Image.new("LAB", (20, 10), (50, 100, 150)), "TIFF")),
        ("palette-png-transparent", encode(picture.convert("P"), "PNG", transparency=0)),
        ("palette-gif-transparent", encode(picture.convert("P"), "GIF", transparency=3)),
        ("la-png", encode(Image.new("LA", (20, 10), (200, 80)), "PNG")),
        ("rgba-png-all-transparent", encode(Image.new("RGBA", (20, 10), (0, 0, 0, 0)), "PNG")),
        ("rgba-webp", encode(Image.new("RGBA", (20, 10), (255, 0, 0, 128)), "WEBP")),
        ("1-bit-png", encode(Image.new("1", (20, 10), 1), "PNG")),
        ("1-bit-bmp", encode(Image.new("1", (20, 10), 1), "BMP")),
        ("1-bit-tiff-group4", encode(Image.new("1", (20, 10), 1), "TIFF", compression="group4")),
        ("1x1-png", encode(Image.new("RGB", (1, 1), (255, 0, 0)), "PNG")),
        ("64x1-png", encode(Image.new("L", (64, 1), 9), "PNG")),
    ]
    # Animations and multi-page files: the first frame is used.
    files += [
        ("animated-gif", animated("GIF", duration=50, loop=0)),
        ("animated-webp", animated("WEBP", duration=50)),
        ("animated-png", animated("PNG", duration=50)),
        ("multi-page-tiff", animated("TIFF")),
        ("gif-1000-frames", encode(Image.new("P", (8, 8)), "GIF", save_all=True,
                                   append_images=[Image.new("P", (8, 8), i % 256) for i in range(999)])),
    ]
    # EXIF orientations 1-8, and nonsense orientation values.
    files += [(f"exif-orientation-{o}", exif_jpeg(o)) for o in range(1, 9)]
    files += [(f"exif-orientation-{o}", exif_jpeg(o)) for o in (0, 9, 65535)]
    tiff_exif = TiffImagePlugin.ImageFileDirectory_v2()
    tiff_exif[0x0112] = 6
    files.append(("tiff-with-orientation-6", encode(picture, "TIFF", tiffinfo=tiff_exif)))
    files += every_pillow_format()
    return tuple(files)


def upload_script(cases: tuple[tuple[str, bytes], ...]) -> None:
    """An AppTest page: upload each file in turn through ``accept_upload``; record what the visitor got."""
    import time

    import numpy as np
    import streamlit as st

    from visualizer import load_example
    from visualizer.studio_state import StudioState
    from visualizer.ui.inputs import accept_upload

    ss = st.session_state
    state = StudioState()
    state.image = load_example(state.example, channels=3)
    results = []
    for name, data in cases:
        image_before, bank_before = state.image.copy(), state.bank.copy()
        start = time.perf_counter()
        try:
            message, crash = accept_upload(state, f"{name}.png", data), None
        except Exception as exc:  # recorded, and the test fails on it
            message, crash = None, f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - start
        image = state.image
        results.append({
            "name": name,
            "message": message,
            "crash": crash,
            "seconds": elapsed,
            "shape": image.shape,
            "finite_in_range": bool(np.isfinite(image).all() and image.min() >= 0.0 and image.max() <= 1.0),
            "image_kept": bool(np.array_equal(image, image_before)),
            "bank_kept": bool(np.array_equal(state.bank, bank_before)),
        })
    ss["results"] = results


@pytest.fixture(scope="module")
def upload_results() -> list[dict]:
    corpus = upload_corpus()
    at = AppTest.from_function(upload_script, args=(corpus,), default_timeout=10 + 3 * len(corpus))
    at.run()
    assert not at.exception, at.exception
    results = at.session_state["results"]
    accepted = sum(r["message"] is None for r in results)
    print(f"\nupload corpus: {len(results)} files tried, {accepted} became images, "
          f"{len(results) - accepted} gave a message")
    return results


def test_every_hostile_upload_gives_an_image_or_a_message_never_an_exception(upload_results):
    # Guards: images.load_image turns every decoder failure into ImageError; inputs.accept_upload catches it.
    crashes = [(r["name"], r["crash"]) for r in upload_results if r["crash"]]
    assert not crashes, crashes
    assert len(upload_results) >= 150


def test_an_accepted_upload_is_a_finite_rgb_image_in_zero_one(upload_results):
    # Guards: images._to_float_rgb / _scale_high_depth (NaN, inf, 16/32-bit and float pixels) and the size limit.
    for r in upload_results:
        assert r["finite_in_range"], r["name"]
        assert len(r["shape"]) == 3 and r["shape"][2] == 3, (r["name"], r["shape"])
        # Guards: inputs.SOURCE_MAX_SIDE: each session keeps at most a 640x640 picture (9.8 MB, not 25 MB).
        assert max(r["shape"][:2]) <= SOURCE_MAX_SIDE == 640, (r["name"], r["shape"])


def test_each_session_keeps_a_picture_no_larger_than_the_largest_view_needs():
    # Guards: inputs.SOURCE_MAX_SIDE equals the feature maps' largest resolution (a 640x480 photo at its own
    # pixels), so a classroom of uploads costs at most 9.8 MB a visitor; photo_view.MAX_MAP_VALUES bounds the maps.
    from visualizer.ui.feature_maps_view import RESOLUTIONS
    from visualizer.ui.photo_view import MAX_MAP_VALUES

    assert SOURCE_MAX_SIDE == max(side for _, side in RESOLUTIONS.values() if side)
    assert SOURCE_MAX_SIDE**2 * 3 * 8 <= 10e6
    assert MAX_MAP_VALUES * 8 <= 17e6


def test_a_refused_upload_keeps_the_previous_image_and_filters(upload_results):
    # Guards: inputs.accept_upload only calls set_source after load_image succeeded.
    refused = [r for r in upload_results if r["message"] is not None]
    assert len(refused) >= 60
    for r in refused:
        assert r["image_kept"] and r["bank_kept"], r["name"]
        assert "previous image is still in place" in r["message"]
    assert all(r["bank_kept"] for r in upload_results)


@pytest.mark.parametrize(
    "name, refused",
    [("empty", "empty"), ("text", "not an image"), ("html", "not an image"), ("svg", "not an image"),
     ("png-claims-50000x50000", "decompression bomb"), ("real-bomb-7000x7000-png", "decompression bomb"),
     ("gif-screen-50000x50000", "decompression bomb"), ("real-1x5000-png", "long and thin"),
     ("over-5-MB-of-zeros", "limit is 5 MiB"), ("png-claims-0x10", ""), ("png-bad-zlib", "damaged")],
)
def test_known_bad_files_are_refused_with_a_clear_reason(upload_results, name: str, refused: str):
    result = next(r for r in upload_results if r["name"] == name)
    assert result["message"] is not None, f"{name} was accepted"
    assert refused in result["message"]
    assert "Traceback" not in result["message"] and len(result["message"]) < 400


@pytest.mark.parametrize(
    "name, shape",
    [("valid-png", (30, 40)), ("animated-gif", (30, 40)), ("animated-webp", (30, 40)), ("multi-page-tiff", (30, 40)),
     ("16-bit-png", (30, 40)), ("cmyk-jpeg", (10, 20)), ("largest-allowed-gray-png-6000x6000", (640, 640)),
     ("exif-orientation-1", (30, 40)), ("exif-orientation-3", (30, 40)), ("exif-orientation-6", (40, 30)),
     ("exif-orientation-8", (40, 30)), ("exif-orientation-5", (40, 30)), ("exif-orientation-9", (30, 40))],
)
def test_odd_but_valid_files_become_images_of_the_right_shape(upload_results, name: str, shape: tuple[int, int]):
    # Guards: first frame of animations, EXIF orientation applied (5-8 swap height and width), mode conversion.
    result = next(r for r in upload_results if r["name"] == name)
    assert result["message"] is None, result["message"]
    assert result["shape"][:2] == shape


def test_uploads_through_the_real_upload_widget_keep_the_page_working():
    # Guards: inputs._upload_panel shows accept_upload's message with st.error; the studio keeps its input.
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.button_group(key="w_source").set_value("upload")
    at.run()
    corpus = dict(upload_corpus())
    at.file_uploader(key="upload").set_value(("good.png", corpus["valid-png"], "image/png"))
    at.run()
    assert not at.exception and not at.error
    assert "Input [12 x 16 x 1]" in markdown_text(at)  # 30x40 shrunk to the 16-pixel size a new picture gets
    for name in ("png-claims-50000x50000", "jpeg-cut-at-33", "html", "ztxt-bomb-png"):
        at.file_uploader(key="upload").set_value((f"{name}.png", corpus[name], "image/png"))
        at.run()
        assert not at.exception, (name, at.exception)
        assert any("previous image is still in place" in e.value for e in at.error), name
        assert "Input [12 x 16 x 1]" in markdown_text(at), name  # the previous image, and the page still renders
    at.file_uploader(key="upload").set_value(("nan.tif", corpus["float-tiff-all-nan"], "image/tiff"))
    at.run()
    assert not at.exception and not at.error
    assert "Input [6 x 6 x 1]" in markdown_text(at)


def test_uploads_from_many_visitors_are_decoded_one_at_a_time(monkeypatch: pytest.MonkeyPatch):
    # Guards: inputs.DECODE_SLOTS. The largest file we accept needs ~300 MB while it is decoded; four visitors
    # uploading it at once would need 1.2 GB, more than the server has.
    import threading

    from visualizer.ui import inputs

    active, most = [0], [0]
    lock = threading.Lock()
    real = inputs.load_image

    def counting_load_image(*args, **kwargs):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        try:
            time.sleep(0.2)  # long enough for the others to arrive
            return real(*args, **kwargs)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(inputs, "load_image", counting_load_image)
    data = dict(upload_corpus())["valid-png"]
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(inputs.decode_upload(data).shape)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [(30, 40, 3)] * 4
    assert most[0] == 1


def busy_script(data: bytes) -> None:
    import streamlit as st

    from visualizer import load_example
    from visualizer.studio_state import StudioState
    from visualizer.ui.inputs import accept_upload

    state = StudioState()
    state.image = load_example(state.example, channels=3)
    st.session_state["upload_digest"] = "the file being uploaded"
    before = state.image.copy()
    st.session_state["message"] = accept_upload(state, "photo.png", data)
    st.session_state["kept"] = bool((state.image == before).all())


def test_an_upload_that_waits_too_long_for_the_decoder_gets_a_message_and_is_retried(monkeypatch: pytest.MonkeyPatch):
    # Guards: inputs.decode_upload's timeout (no visitor waits forever) and accept_upload forgetting the file's
    # digest, so the next run tries the same file again.
    from visualizer.ui import inputs

    monkeypatch.setattr(inputs, "DECODE_WAIT_S", 0.1)
    assert inputs.DECODE_SLOTS.acquire(timeout=5)
    try:
        at = AppTest.from_function(busy_script, args=(dict(upload_corpus())["valid-png"],), default_timeout=30)
        at.run()
    finally:
        inputs.DECODE_SLOTS.release()
    assert not at.exception
    assert "busy" in at.session_state["message"] and at.session_state["kept"]
    assert "upload_digest" not in at.session_state


# --- (b) widgets and session state at their extremes ---------------------------------------------------------


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def run_with_state(fields: dict) -> AppTest:
    """The studio opened with its one state holding ``fields`` as code or a hostile client could set them."""
    at = AppTest.from_file(APP, default_timeout=60)
    state = StudioState()
    for key, value in fields.items():
        setattr(state, key, value)
    at.session_state["studio_state"] = state
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    "fields, key, expected",
    [
        ({"working_size": -5}, "working_size", 5),
        ({"working_size": 10**9}, "working_size", 64),
        ({"working_size": 1e308}, "working_size", 64),
        ({"working_size": float("nan")}, "working_size", 24),
        ({"working_size": "abc"}, "working_size", 24),
        ({"stride": 0}, "stride", 1),
        ({"stride": "2"}, "stride", 1),
        ({"stride": True}, "stride", 1),
        ({"padding": 99}, "padding", 3),
        ({"padding": 10**6}, "padding", 3),
        ({"padding": -1}, "padding", 0),
        ({"dilation": float("inf")}, "dilation", 1),
        ({"selected": "a"}, "selected", 0),
        ({"selected": 999}, "selected", 3),
        ({"step": float("nan")}, "step", 0),
        ({"step": 10**9}, "step", 8),  # the animation clips it to its last step
        ({"speed_ms": -1}, "speed_ms", 50),
        ({"use_bias": "yes"}, "use_bias", False),
        ({"channels": "Purple"}, "channels", 1),
        ({"channels": True}, "channels", 1),
        ({"example": ["unhashable"]}, "example", "Founding 5x5 (binary)"),
        ({"activation": None}, "activation", "relu"),
        ({"pooling": {"max": 1}}, "pooling", "none"),
        ({"names": []}, "names", ["filter 1", "filter 2", "filter 3", "filter 4"]),
        ({"bias": np.zeros(0)}, "bias", [0, 0, 0, 0]),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_session_state_at_and_beyond_its_extremes_is_clamped_not_an_exception(fields, key, expected):
    # Guards: studio_state.clamp (run by studio_model.studio_state before any widget) and the animation's
    # step clip. Without the clamp, the working-size slider raises StreamlitValueBelowMinError, a toggle
    # raises on "yes", an unknown channel count reaches convert_bank, and an unhashable example a TypeError.
    at = run_with_state(fields)
    got = getattr(at.session_state["studio_state"], key)
    assert list(got) == expected if isinstance(got, (list, np.ndarray)) else got == expected
    assert "Input [" in markdown_text(at)


@pytest.mark.parametrize(
    "control, value, lo, hi",
    [("w_stride", 0, 1, 4), ("w_stride", 10**9, 1, 4), ("w_padding", 10**6, 0, 3), ("w_dilation", -3, 1, 4),
     ("w_filters", 10**4, 1, 32), ("w_kh", 10**4, 1, 7)],
)
def test_a_hostile_client_sending_any_number_gets_one_in_range(control: str, value: int, lo: int, hi: int):
    # Guards: Streamlit's number_input resets an out-of-range value, and studio_state.clamp / resize_bank clamp
    # it; either way a padding of a million never reaches np.pad (it would ask for terabytes).
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.number_input(key=control).set_value(value)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    state = at.session_state["studio_state"]
    got = {"w_stride": state.stride, "w_padding": state.padding, "w_dilation": state.dilation,
           "w_filters": state.n_filters, "w_kh": state.kernel_size[0]}[control]
    assert lo <= got <= hi
    assert "Input [5 x 5 x 1]" in markdown_text(at)


def test_hostile_slider_value_for_the_working_size_is_clamped():
    # Guards: studio_state.clamp after the slider's callback (a negative size would reach resize_image and raise).
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.slider(key="w_working_size").set_value(-40)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["studio_state"].working_size == 5


def grid_script(cells: list[list[object]]) -> None:
    """An AppTest page: the kernel grid editor of filter 1 receives ``cells`` as if typed in the browser."""
    from unittest import mock

    import numpy as np
    import pandas as pd
    import streamlit as st

    from visualizer.studio_state import StudioState
    from visualizer.ui.filter_editor import _channel_grid, _on_grid_change

    ss = st.session_state
    state = ss["studio_state"] = StudioState()
    before = state.bank.copy()
    hostile = pd.DataFrame(cells, columns=["0", "1", "2"])
    with mock.patch.object(st, "data_editor", lambda *args, **kwargs: hostile):
        _channel_grid(0, 0, "gray", before[0, :, :, 0], 0, False)
    ss["grid_0_0_0"] = {"edited_rows": {1: {"1": cells[1][1]}}}  # the same cell, as the browser reports the edit
    _on_grid_change(0, 0, "grid_0_0_0")
    ss["bank_kept"] = bool(np.array_equal(ss["studio_state"].bank, before))
    st.markdown("after the grid")


@pytest.mark.parametrize(
    "bad",
    ["abc", "", None, float("nan"), float("inf"), -float("inf"), 1e308, -1e7, "1e999", [1, 2]],
    ids=repr,
)
def test_a_kernel_grid_cell_that_is_not_a_usable_number_is_refused_and_the_kernel_kept(bad):
    # Guards: filter_editor._channel_grid (the to_numpy try/except and the finite, |v| <= 1e6 mask) and
    # _on_grid_change, which writes only usable cells into the state.
    cells = [[1.0, 0.0, 1.0], [0.0, bad, 0.0], [1.0, 0.0, 1.0]]
    at = AppTest.from_function(grid_script, args=(cells,), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["bank_kept"]
    assert at.error and ("must be a number" in at.error[0].value or "must hold a number" in at.error[0].value)
    assert "after the grid" in markdown_text(at)


@pytest.mark.parametrize(
    "text, words",
    [("", "type the kernel"), ("nan 0 0\n0 1 0\n0 0 0", "not a plain number"), ("1e308 0 0\n0 1 0\n0 0 0", "between"),
     ("1 2\n3 4", "give 3 rows"), ("x y z\n0 1 0\n0 0 0", "not a plain number"), ("1 " * 20_000, "characters long")],
    ids=["empty", "nan", "1e308", "too-small", "text", "200-kB"],
)
def test_typed_kernel_text_at_its_extremes_gives_a_message(text: str, words: str):
    # Guards: studio_state.parse_kernel (MAX_KERNEL_TEXT refuses long text before parsing it) and
    # filter_editor's "Use these values" handler, which shows the message and keeps the kernel.
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["w_text_open"] = True  # the typed values are drawn only while their expander is open
    at.run()
    before = at.session_state["studio_state"].bank.copy()
    key = next(t.key for t in at.text_area if t.key.startswith("kernel_text_0_"))
    at.text_area(key=key).set_value(text)
    at.button(key="use_kernel_text").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    np.testing.assert_array_equal(at.session_state["studio_state"].bank, before)


def test_long_typed_text_is_refused_before_it_is_parsed():
    # Guards: studio_state.MAX_KERNEL_TEXT and inputs.MAX_PIXELS_TEXT. 20 MB of numbers took 11 s and 450 MB.
    from visualizer.ui.inputs import parse_pixels

    text = ("1 " * 1000 + "\n") * 10_000
    for parse in (lambda: parse_kernel(text, 3, 3, 1), lambda: parse_pixels(text)):
        with pytest.raises(ValueError, match="characters long"):
            parse()


def link(bank: np.ndarray | None = None, **fields: object) -> dict[str, str]:
    """The share link's parameters for a studio state with ``fields`` (and ``bank`` (N, kh, kw, C))."""
    state = StudioState(**fields)
    if "example" in fields:
        state.input_name = state.example
    if bank is not None:
        state.bank, state.bias = bank, np.zeros(len(bank))
        state.names = [f"filter {i + 1}" for i in range(len(bank))]
    return to_query(state)


# The largest request the studio allows: 32 filters of 7x7 distinct values on 64x64 RGB, padding 3.
WORST_CASE = link(np.random.default_rng(7).normal(size=(32, 7, 7, 3)), example="Shapes (64x64, colour)",
                  channels=3, working_size=64, padding=3, maps="full")


def test_kernel_larger_than_the_padded_input_gives_a_message_and_the_rest_works():
    # Guards: studio._header catches output_shape's ValueError; the views that need an output are skipped.
    at = run_query(link(np.ones((4, 7, 7, 1))))  # 7x7 on the 5x5 example, no padding
    assert any("spans 7 pixels" in e.value and "padded input is only 5" in e.value for e in at.error)
    assert at.session_state["studio_state"].bank.shape == (4, 7, 7, 1)
    assert at.title[0].value == "Convolution studio"


def test_dilation_that_leaves_no_output_gives_a_message():
    # Guards: the same; with stride 1..4 every fitting kernel gives at least one output, so "no output" comes
    # from a kernel (or dilated kernel) that does not fit: a 3x3 kernel at dilation 4 spans 9 pixels.
    at = run_query({"dilation": "4", "stride": "4"})
    assert any("spans 9 pixels" in e.value for e in at.error)


def test_worst_allowed_request_32_filters_7x7_on_64x64_rgb_completes_without_a_message():
    # Guards: the caps that make this the worst case (MAX_FILTERS, MAX_KERNEL, MAX_WORKING, padding <= 3).
    # Its time and memory are measured by bench/bench_limits.py (worst_case_time, worst_case_peak_memory).
    at = run_query(WORST_CASE)
    at.run()
    assert not at.exception and not at.error and not at.warning
    assert "Input [64 x 64 x 3]" in markdown_text(at) and "output [64 x 64 x 32]" in markdown_text(at)


def test_the_bank_can_never_grow_past_32_filters_of_7x7():
    # Guards: studio_state.resize_bank clamps the count and the kernel size whatever it is asked for.
    from visualizer.studio_state import resize_bank

    state = StudioState()
    resize_bank(state, 10**6, 10**4, 10**4)
    assert state.bank.shape == (32, 7, 7, 1)


def test_the_largest_animation_the_ui_allows_is_within_the_trace_step_cap():
    # Guards: inputs.MAX_WORKING and the padding widget's maximum (3) keep every trace under MAX_TRACE_STEPS,
    # which bounds the memory of one animation; trace_convolution refuses more.
    from visualizer import trace_convolution
    from visualizer.trace import MAX_TRACE_STEPS
    from visualizer.ui.inputs import MAX_WORKING

    largest = (MAX_WORKING + 2 * RANGES["padding"][1]) ** 2  # a 1x1 kernel at stride 1
    assert largest <= MAX_TRACE_STEPS
    with pytest.raises(ValueError, match="steps"):
        trace_convolution(np.zeros((200, 200, 1)), np.ones((1, 1, 1)))


def test_shared_caches_are_bounded_in_entries_time_and_bytes():
    # Guards: common.CACHE_ENTRIES and CACHE_TTL. Caches are shared by every visitor: with 64 + 32 entries of
    # up to 17 MB and 10 MB they could hold 1.4 GB, more than the whole server has.
    import pickle

    from visualizer import conv2d, trace_convolution
    from visualizer.ui.common import cached_conv2d, cached_trace

    rng = np.random.default_rng(0)
    largest_maps = conv2d(rng.random((256, 256, 3)), rng.random((32, 7, 7, 3)), padding=3)
    largest_trace = trace_convolution(rng.random((64, 64, 3)), rng.random((7, 7, 3)), padding=3)
    worst = 0
    for cached, value in ((cached_conv2d, largest_maps), (cached_trace, largest_trace)):
        assert cached._info.ttl is not None
        worst += cached._info.max_entries * len(pickle.dumps(value))
    print(f"\nworst-case memory of the shared caches: {worst / 1e6:.0f} MB")
    assert worst < 300e6
    for path in SOURCES:  # every cache in the app has a bounded number of entries
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("cache_data"):
                entries = {kw.arg: kw.value for kw in node.keywords}.get("max_entries")
                assert entries is not None, f"{path}:{node.lineno} has no max_entries"


def test_the_worst_allowed_request_stays_under_half_a_gigabyte_of_arrays():
    # Guards: the caps on working size, filters, kernel and padding, and the lean animation figure. Measured
    # with tracemalloc (NumPy and Python objects), the way the studio builds it; bench/bench_limits.py has RSS.
    import tracemalloc

    from visualizer import activate, conv2d, load_example, resize_image, to_channels, trace_convolution
    from visualizer.figures import sliding_figure
    from visualizer.figures.pictures import map_tiles

    def working_image(source: np.ndarray, channels: int, side: int) -> np.ndarray:
        return to_channels(resize_image(source, side), channels)

    rng = np.random.default_rng(1)
    source = load_example("Landscape photo (256x256, colour)", channels=3)
    bank = rng.normal(size=(32, 7, 7, 3))
    tracemalloc.start()
    try:
        image = working_image(source, 3, 64)
        trace = trace_convolution(image, bank[0], 0.5, padding=3)
        sliding_figure(trace, step=0, frame_ms=400)
        maps = conv2d(image, bank, padding=3)
        map_tiles(activate(maps, "relu"), [str(i) for i in range(32)])
        conv2d(working_image(source, 3, 256), bank, padding=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"\nworst allowed request: {peak / 1e6:.0f} MB of arrays at the peak")
    assert peak < 0.5e9


# --- (c) the shareable link: query parameters ----------------------------------------------------------------


def run_query(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def share_code(at: AppTest) -> str:
    """The query of the share link the page shows (in the "Share this view" code block, opened first if closed)."""
    if not ("w_share_open" in at.session_state and at.session_state["w_share_open"]):
        at.session_state["w_share_open"] = True
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    codes = [c.value for c in at.code if "/studio?" in c.value]
    assert len(codes) == 1, codes
    return codes[0].split("?", 1)[1]


def test_a_link_restores_example_filters_kernel_stride_and_step():
    # Guards: studio_model.studio_state reads the link once, before any widget, into the one state.
    bank = np.zeros((8, 3, 3, 1))
    bank[1, :, :, 0] = [[1, 0, 1], [0, -1, 0], [1, 0, 1]]
    at = run_query(link(bank, example="Checkerboard (16x16)", stride=2, padding=1, selected=1, step=2,
                        activation="tanh", maps="full"))
    state = at.session_state["studio_state"]
    assert not at.warning and not at.error
    assert "Input [16 x 16 x 1]" in markdown_text(at) and "output [8 x 8 x 8]" in markdown_text(at)
    assert state.bank.shape == (8, 3, 3, 1) and state.selected == 1 and state.step == 2
    np.testing.assert_array_equal(state.bank[1, :, :, 0], [[1, 0, 1], [0, -1, 0], [1, 0, 1]])
    assert state.activation == "tanh" and state.maps == "full"
    player = next(c for c in at.get("component_instance") if c.proto.component_name.endswith("sliding_player"))
    assert json.loads(player.proto.json_args)["step"] == 2


def test_the_share_link_round_trips_to_the_same_view():
    # Guards: studio_state.to_query and from_query agree; the page's link is built from the state only.
    from urllib.parse import parse_qsl

    rng = np.random.default_rng(5)
    first = run_query(link(rng.normal(size=(5, 2, 3, 3)), example="Handwritten digit (28x28)", channels=3,
                           working_size=20, dilation=2, selected=4, step=4))
    query = share_code(first)
    params = dict(parse_qsl(query))
    _, errors = from_query(params)
    assert not errors
    second = run_query(params)
    a, b = first.session_state["studio_state"], second.session_state["studio_state"]
    for key in ("working_size", "dilation", "selected", "step", "channels", "input_name", "names"):
        assert getattr(a, key) == getattr(b, key), key
    assert a.bank.tobytes() == b.bank.tobytes()
    assert share_code(second) == query


HOSTILE_TEXT = "<script>alert(1)</script>![x](http://evil.example/t.png)"


def _bank_text(payload: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(zlib.compress(payload)).decode().rstrip("=")


@pytest.mark.parametrize(
    "params, words",
    [
        ({"stride": "0"}, "stride must be a whole number from 1 to 4"),
        ({"size": "-4"}, "size must be a whole number from 5 to 64"),
        ({"padding": "1e9"}, "padding must be a whole number"),
        ({"bank": HOSTILE_TEXT}, "the filters are not in the link's format"),
        ({"filter": "9"}, "filter must be from 1 to the number of filters (4)"),
        ({"channels": "2"}, "channels must be 1 (grayscale) or 3 (RGB)"),
        ({"bank": _bank_text(b'{"k":[2,2],"f":[["a",["values",2,2,[1e300,0,0,0]],0]]}')}, "between -1,000,000"),
        ({"bank": _bank_text(b'{"k":[8,8],"f":[["a",["values",8,8,[]],0]]}')}, "1x1 to 7x7"),
        ({"bank": _bank_text(b'{"k":[2,2],"f":[["a",["values",2,2,[1,2,3]],0]]}')}, "needs 4 values"),
        ({"bank": _bank_text(b"[" + b" " * 10_000_000 + b"]")}, "unpack to more than"),
        ({"example": HOSTILE_TEXT}, "example must be one of"),
        ({"activation": HOSTILE_TEXT}, "activation must be one of"),
        ({"step": "x" * 10_000}, "longer than 64 characters"),
    ],
    ids=lambda v: str(v)[:24],
)
def test_a_bad_link_value_is_named_in_one_warning_and_the_default_kept(params: dict[str, str], words: str):
    # Guards: studio_state.from_query (types, ranges, sizes, a zip bomb) and studio.render's single warning.
    at = run_query({**params, "unknown_key": "ignored"})
    assert len(at.warning) == 1
    text = at.warning[0].value.replace("\\", "")  # the warning is Markdown with its punctuation escaped
    assert words in text
    assert "<script>" not in text and "evil.example" not in text and "x" * 100 not in text
    assert "unknown_key" not in text
    assert "Input [5 x 5 x 1]" in markdown_text(at)


def test_the_share_link_never_carries_an_upload_or_its_name():
    # Guards: studio_state._image_text writes only a pixel-grid drawing into the link, never an upload (even
    # a tiny grayscale one that would fit) nor its file name.
    buffer = io.BytesIO()
    Image.fromarray(np.arange(16, dtype=np.uint8).reshape(4, 4) * 16).save(buffer, "PNG")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.button_group(key="w_source").set_value("upload")
    at.run()
    at.file_uploader(key="upload").set_value((f"{HOSTILE_TEXT}.png", buffer.getvalue(), "image/png"))
    at.run()
    assert at.session_state["studio_state"].input_kind == "upload" and not at.error
    query = share_code(at)
    assert "example=" not in query and "image=" not in query and "name=" not in query
    assert "script" not in query and "evil" not in query


LINK_INTS = {"size": "working_size", "stride": "stride", "padding": "padding", "dilation": "dilation"}
QUERY_KEYS = [*LINK_INTS, "example", "bank", "activation", "maps", "pool", "filter", "step", "channels", "image"]


@given(st_.dictionaries(st_.sampled_from(QUERY_KEYS) | st_.text(max_size=8), st_.text(max_size=80), max_size=12))
def test_the_link_parser_never_raises_and_keeps_only_values_in_range(params: dict[str, str]):
    # Guards: studio_state.from_query is total: every bad value becomes a message, never an exception.
    state, errors = from_query(params)
    assert isinstance(errors, list) and all(isinstance(e, str) and len(e) < 300 for e in errors)
    for key, (lo, hi) in RANGES.items():
        value = getattr(state, key)
        assert isinstance(value, int) and lo <= value <= hi
    assert state.example in EXAMPLES
    n, kh, kw, c = state.bank.shape
    assert 1 <= n <= 32 and 1 <= kh <= 7 and 1 <= kw <= 7 and c == state.channels
    assert np.isfinite(state.bank).all() and np.abs(state.bank).max() <= 1e6


_INTS = st_.integers(-(10**12), 10**12).map(str)
_NUMBERS = st_.one_of(_INTS, st_.floats(allow_nan=True, allow_infinity=True).map(repr), st_.text(max_size=6))


@given(st_.fixed_dictionaries({}, optional={k: _NUMBERS for k in LINK_INTS}))
def test_the_link_parser_accepts_exactly_the_whole_numbers_in_range(params: dict[str, str]):
    state, errors = from_query(params)
    for key, text in params.items():
        lo, hi = RANGES[LINK_INTS[key]]
        ok = bool(re.fullmatch(r"\s*[+-]?\d{1,7}\s*", text)) and lo <= int(text) <= hi
        assert (getattr(state, LINK_INTS[key]) == int(text)) if ok else any(e.startswith(key) for e in errors)
    assert len(errors) == sum(
        not (re.fullmatch(r"\s*[+-]?\d{1,7}\s*", t) and RANGES[LINK_INTS[k]][0] <= int(t) <= RANGES[LINK_INTS[k]][1])
        for k, t in params.items()
    )


@given(st_.integers(1, 7), st_.integers(1, 7), st_.data())
def test_a_kernel_written_as_text_reads_back_the_same(kh: int, kw: int, data):
    values = data.draw(st_.lists(st_.floats(-1e6, 1e6, allow_nan=False), min_size=kh * kw, max_size=kh * kw))
    kernel = np.array(values).reshape(kh, kw, 1)
    back = parse_kernel(kernel_to_text(kernel), kh, kw, 1)
    assert back.tobytes() == kernel.tobytes()


@given(st_.text(max_size=300))
def test_the_kernel_parser_never_raises_anything_but_a_plain_value_error(text: str):
    try:
        kernel = parse_kernel(text, 3, 3, 3)
    except ValueError as err:
        assert str(err) and (text not in str(err) or len(text.strip()) < 3)
    else:
        assert np.isfinite(kernel).all() and kernel.shape == (3, 3, 3)


# --- (d) no module-level mutable state ----------------------------------------------------------------------

SOURCES = sorted((REPO / "visualizer").rglob("*.py")) + [REPO / "streamlit_app.py"]
MUTATING_METHODS = {"append", "extend", "insert", "pop", "popitem", "update", "setdefault", "clear", "add", "remove",
                    "discard", "sort", "reverse", "fill", "resize", "put", "itemset", "__setitem__"}
MUTABLE_CALLS = {"list", "dict", "set", "defaultdict", "deque", "OrderedDict", "Counter", "array", "zeros", "ones",
                 "empty", "full", "arange", "eye", "outer", "stack", "concatenate", "bytearray"}


def _is_mutable(node: ast.AST) -> bool:
    if isinstance(node, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    if isinstance(node, ast.BinOp):  # np.ones((3, 3)) / 9.0 is still an array
        return _is_mutable(node.left) or _is_mutable(node.right)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in MUTABLE_CALLS or (isinstance(func, ast.Attribute) and _is_mutable(func.value))
    return False


def module_level_mutables(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) and node.value is not None else []
        value = getattr(node, "value", None)
        if value is not None and _is_mutable(value):
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _chain(node: ast.AST) -> set[str]:
    """The names along ``a.b[i].c``: {"a", "b", "c"} (so ``module.NAME.append`` counts as NAME)."""
    names = set()
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.add(node.id)
    return names


def mutations(tree: ast.AST, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = [t for t in node.targets if isinstance(t, (ast.Subscript, ast.Attribute))]
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_METHODS:
            targets = [node.func.value]
        found += [f"line {node.lineno}: {ast.unparse(node)[:60]}" for t in targets if _chain(t) & names]
    return found


def test_no_module_level_container_or_array_is_ever_mutated():
    # Guards: every visitor shares one process; a module-level list, dict or array changed at run time would
    # leak one visitor's image or filters into another's page. Constants are fine; mutating them is not.
    trees = {path: ast.parse(path.read_text()) for path in SOURCES}
    shared = set().union(*(module_level_mutables(t) for t in trees.values()))
    assert "FOUNDING_KERNEL" in shared and "_BOX" in shared  # the scan sees lists, dicts and arrays
    problems = {str(p.relative_to(REPO)): m for p, t in trees.items() if (m := mutations(t, shared))}
    assert not problems, problems


def test_the_mutation_scan_catches_a_shared_list_being_appended_to():
    tree = ast.parse("SEEN = []\nCACHE = {}\ndef f(x):\n    SEEN.append(x)\n    CACHE[x] = 1\n    mod.SEEN += [x]\n")
    assert len(mutations(tree, module_level_mutables(tree))) == 3


def test_no_global_statements_and_no_cache_resource():
    # Guards: no function rebinds module state with `global`; st.cache_resource (one shared object for every
    # visitor) is never used for per-visitor arrays: st.cache_data hands each caller its own copy.
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        assert not [n.lineno for n in ast.walk(tree) if isinstance(n, (ast.Global, ast.Nonlocal))], path
        assert "cache_resource" not in path.read_text(), path


def test_shared_tables_are_handed_out_as_copies():
    # Guards: filters.preset_kernel copies its tables (_BOX, _GAUSS, _SOBEL_X); images.founding_image and
    # load_example build new arrays; a caller that edits its kernel or image cannot change another's.
    from visualizer import PRESET_NAMES, founding_image, load_example, preset_kernel, preset_sizes

    for name in PRESET_NAMES:
        for size in preset_sizes(name):
            first = preset_kernel(name, size)
            expected = first.copy()
            first += 1.0
            np.testing.assert_array_equal(preset_kernel(name, size), expected, err_msg=name)
    for make in (lambda: founding_image(1), lambda: load_example("Checkerboard (16x16)")):
        first = make()
        expected = first.copy()
        first[...] = 0.5
        np.testing.assert_array_equal(make(), expected)


# --- (e) security: no HTML from users, no code execution, no unpickling -------------------------------------

FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__"}  # builtins that run code
FORBIDDEN_METHODS = {"html", "iframe", "eval", "exec"}  # st.html / components.html / .iframe inject raw HTML
# The one module that may use Streamlit's components API: the player declares its own bundled page (a local
# folder, checked below), which draws our figure and never receives a visitor's text as HTML.
PLAYER_MODULE = REPO / "visualizer" / "ui" / "player.py"
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "subprocess", "streamlit.components.v1"}


def security_problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            # One exception: st.html of a literal string (our own constant style, never a visitor's text).
            literal_html = (isinstance(func, ast.Attribute) and func.attr == "html" and not node.keywords
                            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args))
            if literal_html:
                continue
            if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_METHODS or (
                    isinstance(func, ast.Name) and func.id in FORBIDDEN_NAMES):
                problems.append(f"line {node.lineno}: call to {ast.unparse(func)}")
            for kw in node.keywords:
                literal_false = isinstance(kw.value, ast.Constant) and kw.value.value is False
                if kw.arg == "unsafe_allow_html" and not literal_false:
                    problems.append(f"line {node.lineno}: unsafe_allow_html")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.ImportFrom):
                modules += [f"{node.module}.{a.name}" for a in node.names]
            problems += [f"line {node.lineno}: import {m}" for m in modules if m in FORBIDDEN_MODULES
                         and not (m == "streamlit.components.v1" and path.resolve() == PLAYER_MODULE)]
    text = path.read_text()
    for needle in ("unsafe_allow_html=True", "components.html", "pickle.load", "yaml.load("):
        if needle in text:
            problems.append(f"text {needle!r}")
    return problems


def test_no_raw_html_eval_exec_or_pickle_in_the_app():
    # Guards: nothing the visitor types or uploads can become HTML or code on the server or in other pages.
    problems = {str(p.relative_to(REPO)): m for p in SOURCES if (m := security_problems(p))}
    assert not problems, problems


def test_the_player_component_is_a_local_folder_never_a_url():
    # Guards: player.py declares its components (the player, the static figures) with path= (files served by this
    # app), not url= (another host).
    calls = [n for n in ast.walk(ast.parse(PLAYER_MODULE.read_text()))
             if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("declare_component")]
    assert len(calls) == 6  # the player, the static figures, a photo's pictures, the address bar, column width, cone
    for call in calls:
        assert {kw.arg for kw in call.keywords} == {"path"}


def test_the_security_scan_finds_what_it_looks_for(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text("import pickle\nimport streamlit as st\nfrom streamlit.components.v1 import html\n"
                   "st.markdown(x, unsafe_allow_html=True)\neval(s)\nst.html(s)\nst.html('<b>' + s)\n")
    assert len(security_problems(bad)) >= 6


# --- (f) configuration: no tracebacks for visitors, a small upload limit that the page states ----------------


def test_config_hides_error_details_and_limits_uploads_and_messages():
    # Guards: .streamlit/config.toml. "none" or "type" keep stack traces in the server log only.
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] in ("none", "type")
    limit_mb = config["server"]["maxUploadSize"]
    # The server takes the largest upload of the app, a model (the Your model page); images keep their 5 MiB in the
    # image reader (its own sentence) and let Streamlit take one MiB more in their uploader (test below).
    from visualizer.onnx_model import MAX_FILE_BYTES

    assert limit_mb * 2**20 == MAX_FILE_BYTES == 30 * 2**20 and MAX_UPLOAD_BYTES == 5 * 2**20
    assert config["server"].get("maxMessageSize", 200) <= 50


def test_the_upload_widget_states_the_limit():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.button_group(key="w_source").set_value("upload")
    at.run()
    uploader = at.file_uploader(key="upload")
    assert f"{MAX_UPLOAD_BYTES // 2**20} MiB, {MAX_UPLOAD_BYTES:,} bytes" in uploader.label
    # Streamlit's own check is one MiB above the app's: a file of exactly 5 MiB reaches the app (which takes it), and
    # a larger one gets the app's sentence in the unit it is checked in, not Streamlit's "5.0MB or smaller".
    assert uploader.proto.max_upload_size_mb == MAX_UPLOAD_BYTES // 2**20 + 1


# --- (g) error boundaries ----------------------------------------------------------------------------------


def boundary_script() -> None:
    import streamlit as st

    from visualizer.ui.common import error_boundary

    ss = st.session_state
    ss["runs"] = ss.get("runs", 0) + 1
    with error_boundary("broken view"):
        st.markdown("inside the broken view")
        raise RuntimeError("secret detail: /etc/passwd line 3")
    st.markdown("after the broken view")
    with error_boundary("rerun view"):
        if ss["runs"] == 1:
            st.rerun()
    with error_boundary("stop view"):
        st.markdown("before stop")
        st.stop()
    st.markdown("never shown")


def test_an_error_in_a_view_is_a_short_message_and_the_rest_of_the_page_works():
    # Guards: common.error_boundary catches Exception, shows st.error and lets st.rerun / st.stop through.
    at = AppTest.from_function(boundary_script, default_timeout=30)
    at.run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "broken view" in message and "secret" not in message and "Traceback" not in message
    assert len(message) < 250 and ("reload" in message or "change" in message)
    text = markdown_text(at)
    assert "after the broken view" in text and "before stop" in text and "never shown" not in text
    assert at.session_state["runs"] == 2  # st.rerun passed through the boundary


def broken_view_script(app: str, module: str, attribute: str) -> None:
    """The whole app, with one function of one view replaced by one that raises."""
    import importlib
    import runpy

    target = importlib.import_module(module)
    original = getattr(target, attribute)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    setattr(target, attribute, broken)
    try:
        runpy.run_path(app, run_name="__main__")
    finally:
        setattr(target, attribute, original)


@pytest.mark.parametrize(
    "module, attribute, view, later",
    [
        ("visualizer.ui.animation_view", "player_figure", "animation", "photo_maps"),
        ("visualizer.ui.feature_maps_view", "map_pictures", "feature maps", "sliding_player"),
        ("visualizer.ui.studio", "to_query", "share link", "photo_maps"),
    ],
)
def test_a_bug_in_one_studio_view_leaves_the_others_working(
    module: str, attribute: str, view: str, later: str
):
    # Guards: the error_boundary around each view in studio.render (the animation, the maps, the share link).
    at = AppTest.from_function(broken_view_script, args=(APP, module, attribute), default_timeout=60)
    at.session_state["w_share_open"] = True  # the share link is drawn only while its expander is open
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error if f"drawing the {view}" in e.value], [e.value for e in at.error]
    charts = [el.proto.id for el in at.get("plotly_chart")] + [c.proto.component_name for c in at.get(
        "component_instance")]
    assert any(later in c for c in charts), charts
    assert "Input [5 x 5 x 1]" in markdown_text(at)
