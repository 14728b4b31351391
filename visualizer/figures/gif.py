"""The sliding animation as an animated GIF (Pillow only), drawn as the chart draws it.

Each frame draws one step of a :class:`~visualizer.trace.ConvTrace`, left to right: the padded input
(zero ring in flat grey) with the window outlined, the kernel, the products of the step, and the output
filled in up to that step with the current cell outlined; under them the step caption and the sum
written out (``out(0, 0) = 1 × 1 + 0 × (−1) + … = 4``). With several channels each channel gets a row of
(input, kernel, products), as in the chart. Numbers are written in cells where they fit. Colours are the
figures' (:mod:`visualizer.figures.style`), texts those of the chart (:func:`equation_lines`,
:func:`step_caption`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .. import numbers
from ..trace import ConvTrace
from . import style
from .animation import equation_lines, step_caption
from .raster import colorize
from .toolkit import channel_names


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


MAX_GIF_FRAMES = 240
WINDOW = _rgb(style.HIGHLIGHT)  # magenta: stands out on gray and on blue-orange alike
CURRENT = (0, 0, 0)
PAD_FILL = _rgb(style.PADDING_FILL)
GRID = (200, 200, 200)
INK = _rgb(style.TEXT)
MUTED = _rgb(style.MUTED)
WHITE = (255, 255, 255)
GAP = 24  # px between panels
TITLE_PX = 24
TEXT_PX = 16  # font of titles, caption and sum
MARGIN = 8


def load_font(size: int) -> tuple[ImageFont.ImageFont, bool]:
    """A font and whether it has the math signs (× and −): DejaVu Sans where the system has it, else
    Pillow's own font (then the sum is written with ``x`` and ``-``)."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size), True
    except OSError:
        try:
            return ImageFont.load_default(size=size), False
        except TypeError:  # Pillow without FreeType
            return ImageFont.load_default(), False


def _plain(text: str, math_glyphs: bool) -> str:
    """Plotly's small HTML to plain text; ASCII signs when the font lacks the math ones."""
    text = re.sub(r"<[^>]*>", "", text)
    return text if math_glyphs else text.replace(numbers.TIMES, "x").replace(numbers.MINUS, "-")


@dataclass(frozen=True)
class GifGeometry:
    """Where the panels of a GIF frame sit, in px: x of each panel's left edge; every grid starts
    ``TITLE_PX`` below its row's top (channel ``i``'s row starts at ``i * row_h``)."""

    cell: int  # px of an input cell
    kcell: int  # px of a kernel / products cell
    ocell: int  # px of an output cell
    rows: int  # channel rows
    in_x: int
    k_x: int
    p_x: int
    out_x: int
    row_h: int  # px of one channel row (its title included)
    panels_h: int
    width: int


def gif_geometry(trace: ConvTrace, cell: int | None = None) -> GifGeometry:
    hp, wp, c = trace.padded.shape
    kh, kw = trace.kernel.shape[:2]
    ho, wo = trace.out_shape
    # About 360 px for the input grid(s), stacked channels included; kernels get readable cells.
    cell = cell or int(np.clip(min(360 // max(hp, wp, 1), 420 // (c * hp)), 4, 48))
    kcell = int(np.clip(min(180 // max(kh, kw), (c * hp * cell) // (c * kh)), 10, 48))
    rows = c
    grid_h = max(hp * cell, kh * kcell)
    row_h = TITLE_PX + grid_h + 8
    ocell = max(cell, min(360 // max(ho, wo), (rows * row_h - TITLE_PX - 8) // ho, 48))
    in_x = MARGIN
    k_x = in_x + wp * cell + GAP
    p_x = k_x + kw * kcell + GAP
    out_x = p_x + kw * kcell + GAP
    width = out_x + wo * ocell + MARGIN
    panels_h = max(rows * row_h, TITLE_PX + ho * ocell + 8)
    return GifGeometry(cell, kcell, ocell, rows, in_x, k_x, p_x, out_x, row_h, panels_h, max(width, 360))


def _cell_text(draw: ImageDraw.ImageDraw, box: tuple, text: str, fill: tuple, font) -> None:
    draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), text, fill=fill, font=font, anchor="mm")


def _ink_on(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white text, whichever reads on ``rgb``."""
    return INK if 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140 else WHITE


def _fitted_font(draw: ImageDraw.ImageDraw, texts: list[str], cell: int):
    """The largest font (16 px down to 9) in which every one of ``texts`` fits a ``cell`` px cell, or None."""
    unique = sorted(set(texts), key=len, reverse=True)[:40]
    for size in range(min(16, cell // 2), 8, -1):
        font, _ = load_font(size)
        if all(draw.textlength(t, font=font) <= cell * 0.86 for t in unique):
            return font
    return None


def _grid(draw, x0: int, y0: int, rgb: np.ndarray, cell: int, texts: list[list[str]] | None, font) -> None:
    """A grid of coloured cells (``rgb`` ``(h, w, 3)``) at ``(x0, y0)``, with ``texts`` written in them."""
    h, w = rgb.shape[:2]
    for r in range(h):
        for c in range(w):
            box = (x0 + c * cell, y0 + r * cell, x0 + (c + 1) * cell - 1, y0 + (r + 1) * cell - 1)
            colour = tuple(int(v) for v in rgb[r, c])
            draw.rectangle(box, fill=colour, outline=GRID if cell >= 10 else None)
            if texts is not None:
                _cell_text(draw, box, texts[r][c], _ink_on(colour), font)


def _texts(values: np.ndarray, digits: int = 2) -> list[list[str]]:
    return [[numbers.math_fmt(v, digits, operand=False) for v in row] for row in values]


def _wrap_px(draw: ImageDraw.ImageDraw, line: str, width: int, font) -> list[str]:
    """Break a line at `` + `` so each piece is at most ``width`` px wide."""
    parts = line.split(" + ")
    out = [parts[0]]
    for part in parts[1:]:
        if draw.textlength(out[-1] + " + " + part, font=font) <= width:
            out[-1] += " + " + part
        else:
            out.append("+ " + part)
    return out


def gif_frames(trace: ConvTrace, *, cell: int | None = None, max_frames: int = MAX_GIF_FRAMES) -> list[Image.Image]:
    """One RGB image per step (at most ``max_frames``, evenly spaced, always ending on the last step)."""
    hp, wp, c = trace.padded.shape
    kh, kw = trace.kernel.shape[:2]
    ph, pw = trace.padding
    g = gif_geometry(trace, cell)
    font, math_glyphs = load_font(TEXT_PX)
    steps = [int(v) for v in np.unique(np.linspace(0, trace.steps - 1, min(trace.steps, max_frames)).round())]
    names = channel_names(c)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text_w = g.width - 2 * MARGIN
    texts = {}
    for s in steps:
        lines = [_plain(step_caption(trace, s, 1e9), math_glyphs)]
        for line in equation_lines(trace, s, names, 1e9):
            lines += _wrap_px(measure, _plain(line, math_glyphs), text_w, font)
        texts[s] = lines
    line_px = TEXT_PX + 6
    height = g.panels_h + max(len(v) for v in texts.values()) * line_px + 2 * MARGIN
    base = Image.new("RGB", (g.width, height), WHITE)
    draw = ImageDraw.Draw(base)
    real = np.zeros((hp, wp), dtype=bool)
    real[ph : hp - ph, pw : wp - pw] = True
    k_lim = float(np.abs(trace.kernel).max()) or 1.0
    p_lim = float(np.abs(trace.products).max()) or 1.0
    k_texts = [_texts(trace.kernel[:, :, i]) for i in range(c)]
    k_font = _fitted_font(measure, [t for k in k_texts for row in k for t in row], g.kcell)
    p_values = np.unique(np.round(trace.products, 2))
    p_font = _fitted_font(measure, [numbers.math_fmt(v, 2, operand=False) for v in p_values], g.kcell)
    for i in range(c):
        y0 = i * g.row_h
        suffix = f" {names[i]}" if c > 1 else ""
        draw.text((g.in_x, y0 + 2), f"input{suffix}", fill=MUTED, font=font)
        draw.text((g.k_x, y0 + 2), f"kernel{suffix}", fill=MUTED, font=font)
        draw.text((g.p_x, y0 + 2), f"window {'×' if math_glyphs else 'x'} kernel", fill=MUTED, font=font)
        plane = np.clip(trace.padded[:, :, i], 0, 1)
        grey = np.round(plane * 255).astype(np.uint8)
        rgb = np.where(real[:, :, None], np.repeat(grey[:, :, None], 3, axis=2), np.array(PAD_FILL, dtype=np.uint8))
        in_texts = _texts(trace.padded[:, :, i])
        in_font = _fitted_font(measure, [t for row in in_texts for t in row], g.cell)
        _grid(draw, g.in_x, y0 + TITLE_PX, rgb, g.cell, in_texts if in_font else None, in_font)
        _grid(draw, g.k_x, y0 + TITLE_PX, colorize(trace.kernel[:, :, i], limit=k_lim), g.kcell,
              k_texts[i] if k_font else None, k_font)
    draw.text((g.out_x, 2), "output", fill=MUTED, font=font)
    out_rgb = colorize(trace.output)
    out_texts = _texts(trace.output)
    out_font = _fitted_font(measure, [t for row in out_texts for t in row], g.ocell)
    frames = []
    canvas = base.copy()
    painter = ImageDraw.Draw(canvas)
    done = -1
    for step in steps:
        for s in range(done + 1, step + 1):  # output cells are painted once, onto the shared canvas
            y, x = (int(v) for v in trace.positions[s])
            box = (g.out_x + x * g.ocell, TITLE_PX + y * g.ocell, g.out_x + (x + 1) * g.ocell - 1,
                   TITLE_PX + (y + 1) * g.ocell - 1)
            colour = tuple(int(v) for v in out_rgb[y, x])
            painter.rectangle(box, fill=colour, outline=GRID if g.ocell >= 10 else None)
            if out_font is not None:
                _cell_text(painter, box, out_texts[y][x], _ink_on(colour), out_font)
        done = step
        frames.append(_frame(trace, canvas, g, step, texts[step], font, p_font, p_lim))
    return frames


def _frame(trace: ConvTrace, canvas: Image.Image, g: GifGeometry, step: int, lines: list[str], font, p_font,
           p_lim: float) -> Image.Image:
    """One step drawn over the shared canvas: products, window, current output cell, caption and sum."""
    c = trace.padded.shape[2]
    im = canvas.copy()
    d = ImageDraw.Draw(im)
    rows, cols = trace.window_cells(step)
    line_w = max(2, g.cell // 10)
    for i in range(c):
        y0 = i * g.row_h + TITLE_PX
        products = trace.products[step, :, :, i]
        _grid(d, g.p_x, y0, colorize(products, limit=p_lim), g.kcell, _texts(products) if p_font else None, p_font)
        for r in rows:
            for col in cols:
                d.rectangle((g.in_x + col * g.cell, y0 + r * g.cell, g.in_x + (col + 1) * g.cell - 1,
                             y0 + (r + 1) * g.cell - 1), outline=WINDOW, width=line_w)
    y, x = (int(v) for v in trace.positions[step])
    d.rectangle((g.out_x + x * g.ocell, TITLE_PX + y * g.ocell, g.out_x + (x + 1) * g.ocell - 1,
                 TITLE_PX + (y + 1) * g.ocell - 1), outline=CURRENT, width=max(2, g.ocell // 10))
    top = g.panels_h + MARGIN
    for n, line in enumerate(lines):
        d.text((MARGIN, top + n * (TEXT_PX + 6)), line, fill=MUTED if n == 0 else INK, font=font)
    return im


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
