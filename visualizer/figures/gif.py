"""The sliding animation as an animated GIF (Pillow only): the padded input with the window, and the output.

Each frame draws one step of a :class:`~visualizer.trace.ConvTrace`: the padded input in gray (the
zero border hatched), the window outlined, and the output map filled in up to that step, the current
cell outlined. Values are written in the cells while the grids are small.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..trace import ConvTrace
from .raster import colorize

MAX_GIF_FRAMES = 240
WINDOW = (214, 0, 127)  # the figures' highlight magenta: stands out on gray and on blue-orange alike
CURRENT = (0, 0, 0)
PAD_FILL = (214, 222, 235)


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def _label(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def gif_frames(trace: ConvTrace, *, cell: int | None = None, max_frames: int = MAX_GIF_FRAMES) -> list[Image.Image]:
    """One RGB image per step (at most ``max_frames``, evenly spaced, always ending on the last step)."""
    hp, wp, c = trace.padded.shape
    ho, wo = trace.out_shape
    cell = cell or int(np.clip(360 // max(hp, wp, 1), 6, 48))
    show_values = cell >= 28
    gap = cell
    width = wp * cell + gap + wo * cell + 2
    height = max(hp, ho) * cell + 2
    ph, pw = trace.padding
    gray = trace.padded.mean(axis=2)
    base = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(base)
    font = _font(max(10, cell // 3))
    for y in range(hp):
        for x in range(wp):
            box = (x * cell, y * cell, (x + 1) * cell - 1, (y + 1) * cell - 1)
            is_pad = not (ph <= y < hp - ph and pw <= x < wp - pw)
            v = int(round(255 * float(np.clip(gray[y, x], 0, 1))))
            draw.rectangle(box, fill=PAD_FILL if is_pad else (v, v, v), outline=(200, 200, 200))
            if show_values:
                ink = (0, 0, 0) if is_pad or v > 128 else (255, 255, 255)
                draw.text((box[0] + cell / 2, box[1] + cell / 2), _label(gray[y, x]), fill=ink, font=font, anchor="mm")
    out_rgb = colorize(trace.output)
    x0 = wp * cell + gap
    steps = np.unique(np.linspace(0, trace.steps - 1, min(trace.steps, max_frames)).round().astype(int))
    frames = []
    canvas = base.copy()
    painter = ImageDraw.Draw(canvas)
    done = -1
    for step in (int(v) for v in steps):
        for s in range(done + 1, step + 1):  # output cells are painted once, onto the shared canvas
            y, x = trace.positions[s]
            box = (x0 + x * cell, y * cell, x0 + (x + 1) * cell - 1, (y + 1) * cell - 1)
            painter.rectangle(box, fill=tuple(int(v) for v in out_rgb[y, x]), outline=(200, 200, 200))
            if show_values:
                painter.text((box[0] + cell / 2, box[1] + cell / 2), _label(trace.totals[s]), fill=(0, 0, 0),
                             font=font, anchor="mm")
        done = step
        im = canvas.copy()
        d = ImageDraw.Draw(im)
        rows, cols = trace.window_cells(step)
        for r in rows:
            for col in cols:
                d.rectangle((col * cell, r * cell, (col + 1) * cell - 1, (r + 1) * cell - 1), outline=WINDOW,
                            width=max(2, cell // 10))
        y, x = trace.positions[step]
        d.rectangle((x0 + x * cell, y * cell, x0 + (x + 1) * cell - 1, (y + 1) * cell - 1), outline=CURRENT,
                    width=max(2, cell // 10))
        frames.append(im)
    return frames


def animation_gif(trace: ConvTrace, *, frame_ms: int = 400, max_frames: int = MAX_GIF_FRAMES) -> bytes:
    """The animation as GIF bytes, looping, ``frame_ms`` per step (the last frame held longer)."""
    frames = gif_frames(trace, max_frames=max_frames)
    durations = [max(20, int(frame_ms))] * len(frames)
    durations[-1] = max(durations[-1], 1500)
    # One palette for all frames, taken from the last (it holds every output colour): quantizing each
    # frame on its own is ten times slower and the colours flicker.
    palette = frames[-1].quantize(colors=255)
    indexed = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    buf = io.BytesIO()
    indexed[0].save(buf, format="GIF", save_all=True, append_images=indexed[1:], duration=durations, loop=0,
                    disposal=1)
    return buf.getvalue()
