"""Draw the app's built-in example images procedurally, so every asset is ours (CC0) and reproducible.

Run from anywhere: ``python assets/make_assets.py``. The output is deterministic: running it twice
gives byte-identical PNG files (fixed random seeds, no timestamps or other metadata in the files).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ASSETS = Path(__file__).resolve().parent

# The 5x5 binary image of our founding text (1 = white).
FOUNDING_5X5 = np.array(
    [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ],
    dtype=np.uint8,
)


def _save(image: Image.Image, name: str) -> Path:
    """Save without any metadata chunks so the bytes depend on the pixels alone."""
    path = ASSETS / name
    image.save(path, format="PNG", optimize=True)
    return path


def founding_5x5() -> Image.Image:
    """The founding 5x5 binary image as a grayscale PNG with values 0 and 255 only."""
    return Image.fromarray(FOUNDING_5X5 * 255, mode="L")


def digit_7(size: int = 28, scale: int = 4) -> Image.Image:
    """A handwritten-looking 7, white on black like MNIST: drawn at `scale`x, then downsampled."""
    big = size * scale
    canvas = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(canvas)
    width = 3 * scale  # about 3 pixels at 28x28, like an MNIST pen stroke

    def stroke(points: list[tuple[float, float]]) -> None:
        pts = [(x * scale, y * scale) for x, y in points]
        draw.line(pts, fill=255, width=width, joint="curve")
        radius = width / 2
        for x, y in (pts[0], pts[-1]):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)

    # Top bar: slightly rising then drooping, as a hand draws it.
    stroke([(7.0, 7.5), (10.0, 6.8), (14.0, 6.4), (18.0, 6.3), (20.5, 6.6)])
    # Down stroke: starts at the bar's right end and curves gently to the lower left.
    stroke([(20.5, 6.6), (19.2, 10.0), (17.6, 13.5), (15.9, 17.0), (14.4, 20.5), (13.3, 23.0)])
    # A short crossbar, as many people write a 7.
    stroke([(13.0, 14.6), (17.0, 14.2), (20.0, 14.0)])

    # Slant the whole digit a little to the right (an affine shear about the centre).
    shear = 0.12
    canvas = canvas.transform(
        canvas.size,
        Image.Transform.AFFINE,
        (1, shear, -shear * big / 2, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    canvas = canvas.filter(ImageFilter.GaussianBlur(radius=scale * 0.35))
    return canvas.resize((size, size), Image.Resampling.LANCZOS)


def _hill(xs: np.ndarray, base: float, waves: list[tuple[float, float, float]]) -> np.ndarray:
    """Height (in pixel rows) of a hill's top edge at each x: a base line plus a few sine waves."""
    y = np.full_like(xs, base, dtype=np.float64)
    for amplitude, period, phase in waves:
        y += amplitude * np.sin(2 * np.pi * xs / period + phase)
    return y


def photo(size: int = 256, seed: int = 7) -> Image.Image:
    """A photo-like landscape: sky gradient, sun, three hills, a house and a tree, with film grain.

    It has strong edges in many orientations (roof slopes, walls, horizon, trunk) for edge filters.
    """
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)

    # Sky: deep blue at the top to a pale warm haze at the horizon.
    t = (ys / (size * 0.65)).clip(0, 1)[..., None]
    top, horizon = np.array([40, 90, 170.0]), np.array([235, 210, 180.0])
    rgb = top * (1 - t) + horizon * t

    # Sun with a soft glow.
    cx, cy, r = size * 0.74, size * 0.22, size * 0.075
    dist = np.hypot(xs - cx, ys - cy)
    glow = np.exp(-((dist / (r * 3.0)) ** 2))[..., None] * 0.45
    rgb = rgb * (1 - glow) + np.array([255, 230, 170.0]) * glow
    rgb[dist <= r] = [255, 236, 150]

    # Hills, back to front, each with its own colour and a shading gradient downwards.
    x_line = np.arange(size, dtype=np.float64)
    hills = [
        (_hill(x_line, size * 0.52, [(10, 190, 0.5), (5, 70, 1.3)]), (95, 125, 150), (70, 95, 120)),
        (_hill(x_line, size * 0.62, [(14, 230, 2.1), (4, 55, 0.2)]), (90, 150, 70), (55, 105, 45)),
        (_hill(x_line, size * 0.74, [(9, 300, 4.0), (3, 41, 1.0)]), (150, 170, 60), (105, 125, 40)),
    ]
    for top_edge, light, dark in hills:
        inside = ys >= top_edge[None, :]
        depth = ((ys - top_edge[None, :]) / (size * 0.4)).clip(0, 1)[..., None]
        colour = np.array(light, dtype=np.float64) * (1 - depth) + np.array(dark, dtype=np.float64) * depth
        rgb = np.where(inside[..., None], colour, rgb)

    # Film grain and a little low-frequency blotchiness, fixed seed.
    grain = rng.normal(0, 4.0, size=(size, size, 1))
    blotch = np.asarray(
        Image.fromarray(rng.integers(0, 256, size=(16, 16), dtype=np.uint8)).resize(
            (size, size), Image.Resampling.BICUBIC
        ),
        dtype=np.float64,
    )[..., None]
    rgb = rgb + grain + (blotch - 128) * 0.05
    image = Image.fromarray(rgb.clip(0, 255).astype(np.uint8), mode="RGB")

    draw = ImageDraw.Draw(image)
    s = size / 256  # all coordinates below are for a 256x256 canvas

    def box(*coords: float) -> list[float]:
        return [c * s for c in coords]

    # House on the middle hill: wall, roof, door, two windows with crossbars, a chimney.
    draw.rectangle(box(52, 150, 112, 196), fill=(225, 215, 190), outline=(60, 50, 40), width=2)
    draw.rectangle(box(96, 116, 104, 136), fill=(120, 60, 50), outline=(50, 30, 25))
    draw.polygon(box(44, 152, 82, 120, 120, 152), fill=(170, 45, 40), outline=(80, 25, 20))
    draw.rectangle(box(76, 168, 90, 196), fill=(100, 65, 40), outline=(45, 30, 20))
    for wx in (58, 94):
        draw.rectangle(box(wx, 160, wx + 12, 172), fill=(130, 185, 230), outline=(50, 50, 60), width=2)
        draw.line(box(wx + 6, 160, wx + 6, 172), fill=(50, 50, 60), width=max(1, round(s)))
        draw.line(box(wx, 166, wx + 12, 166), fill=(50, 50, 60), width=max(1, round(s)))

    # Tree on the right: trunk and a round crown made of overlapping discs.
    draw.rectangle(box(182, 160, 192, 210), fill=(95, 60, 35), outline=(50, 30, 15))
    for dx, dy, radius, shade in [(-14, -4, 18, 0), (14, -4, 18, 10), (0, -20, 20, 25), (0, 4, 20, 15)]:
        x0, y0 = 187 + dx, 150 + dy
        green = (40 + shade, 110 + shade, 45 + shade // 2)
        draw.ellipse(box(x0 - radius, y0 - radius, x0 + radius, y0 + radius), fill=green)

    # A path from the door down to the bottom edge: two diagonal edges.
    draw.polygon(box(77, 196, 89, 196, 120, 256, 70, 256), fill=(190, 165, 120))

    # A light grain over the drawn shapes too, so they do not look pasted on.
    pixels = np.asarray(image, dtype=np.float64) + rng.normal(0, 2.5, size=(size, size, 3))
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8), mode="RGB")


def shapes(size: int = 64) -> Image.Image:
    """A red square, a green circle and a blue triangle with crisp (not anti-aliased) edges on white."""
    image = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((6, 6, 27, 27), fill=(220, 30, 30))
    draw.ellipse((36, 6, 58, 28), fill=(30, 170, 60))
    draw.polygon([(32, 34), (56, 58), (8, 58)], fill=(30, 70, 220))
    return image


def checkerboard(size: int = 16, block: int = 4) -> Image.Image:
    """A grayscale checkerboard of `block`x`block` squares, black in the top-left corner."""
    ys, xs = np.mgrid[0:size, 0:size]
    cells = ((ys // block + xs // block) % 2).astype(np.uint8) * 255
    return Image.fromarray(cells, mode="L")


def main() -> None:
    for name, image in [
        ("founding_5x5.png", founding_5x5()),
        ("digit_7.png", digit_7()),
        ("photo.png", photo()),
        ("shapes.png", shapes()),
        ("checkerboard.png", checkerboard()),
    ]:
        path = _save(image, name)
        print(f"{path.name}: {image.width}x{image.height} {image.mode}, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
