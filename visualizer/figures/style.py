"""Colours, fonts, sizes and thresholds of every figure, in one place (as CNN Explainer keeps its ``config.js``).

Sizes are in CSS pixels and chosen for a projector: a class at the back of a room must read the numbers.
"""

from __future__ import annotations

# --- Colours -------------------------------------------------------------------------------------------
# Signed data (kernels, products, outputs, feature maps): blue for negative, white at zero, orange for
# positive. Blue-orange is the diverging pair that all common colour-vision deficiencies still tell apart
# (red-green is not); the ends are dark enough for white text.
DIVERGING = [
    [0.0, "#08519c"],
    [0.25, "#6baed6"],
    [0.5, "#f7f7f7"],
    [0.75, "#fdae6b"],
    [1.0, "#d94801"],
]
# Non-negative images (the input in [0, 1]): black at 0, white at 1, as a photograph.
GRAYSCALE = [[0.0, "#000000"], [1.0, "#ffffff"]]
# Non-negative data that is not an image (feature maps after ReLU when no centre is asked for).
SEQUENTIAL = "Cividis"

# The sliding window on the input and the output cell it computes share this colour, so the eye links
# them. Magenta stands out on grayscale and on the blue-orange scale alike.
HIGHLIGHT = "#d6007f"
PADDING_FILL = "#dcdcdc"  # zero-padding cells: a flat grey, never mistaken for a black image pixel
PADDING_HATCH = "#8c8c8c"  # diagonal hatching drawn over the padding ring
PADDING_TEXT = "#6b6b6b"
IMAGE_BORDER = "#1f1f1f"  # dashed line around the real image inside its padding
BACKGROUND = "#ffffff"  # paper and plot background; also the cover over not-yet-computed output cells
OUTPUT_BORDER = "#9e9e9e"  # outline of the whole output, so its size shows before it is filled
TEXT = "#1f1f1f"
MUTED = "#57606a"  # secondary text: axis ticks, panel captions of the network view
ACCENT = "#1f6feb"  # the selected stage of the network view: the app's primary colour
GRID_LINE = "rgba(27, 31, 36, 0.35)"  # thin lines drawn over boxes (the network view's pixel grids)
# Face colours of a network stage box by layer kind: (front, top, side).
STAGE_COLOURS = {
    "input": ("#d0d7de", "#e6eaef", "#afb8c1"),
    "conv": ("#9ecbff", "#c8e1ff", "#6cb0f5"),
    "activation": ("#ffd08a", "#ffe3b8", "#f0b45a"),
    "pool": ("#a8e6b4", "#cdf2d4", "#7fcf8e"),
}

# --- Fonts ---------------------------------------------------------------------------------------------
FONT_FAMILY = "Open Sans, Verdana, Arial, sans-serif"
FONT_SIZE = 16  # axis labels, hover, colour bars
TITLE_SIZE = 20  # panel titles
MIN_TITLE_SIZE = 13  # below this a shorter title is used ("products R" for "window × kernel R")
EQUATION_SIZE = 21  # the sum written out under the animation
SLIDER_LABEL_SIZE = 18  # "step 7 / 9 · out(2, 0)"
CONTROL_FONT_SIZE = 18  # Play / Pause and the slider's current-step label
PHONE_EQUATION_SIZE = 17  # the sum on a phone (a figure under PHONE_WIDTH_PX): more terms a line, fewer lines
PHONE_CAPTION_SIZE = 15
PHONE_WIDTH_PX = 460  # a figure drawn narrower than this gets the phone sizes above
PHONE_KERNEL_CELL_PX = 22  # on a phone, kernel, products and output cells at most this: the input gets the width
CAPTION_SIZE = 17  # "Step 5 of 9 · window at row −1, column 0 ..." under the animation
TICK_SIZE = 12  # row and column numbers along a grid
MIN_VALUE_FONT = 11  # a number in a cell is written at least this big, or not at all (hover shows it)
CELL_MARGIN = 0.1  # a number keeps this fraction of its cell's width free on each side

# Presentation (projector) mode: everything a class must read from the back of the room.
PRESENT_MIN_VALUE_FONT = 28  # numbers in cells: this big or not written
PRESENT_MAX_VALUE_FONT = 48
PRESENT_TITLE_SIZE = 30
PRESENT_EQUATION_SIZE = 30
PRESENT_CAPTION_SIZE = 28
PRESENT_GROW = 1.6  # the caption and the sum may grow this much into height the panels leave on a projector
PRESENT_CONTROL_FONT_SIZE = 24
PRESENT_TICK_SIZE = 18
PRESENT_MAX_CELL_PX = 170  # cells may grow this big on a projector
PRESENT_PANEL_PX = 560  # panel height when no height is given


def value_font_size(side: int) -> int:
    """The largest font for numbers written in cells of a grid whose longer side is ``side`` cells (the
    toolkit's :func:`~visualizer.figures.toolkit.fit_values` shrinks it to what fits the cell)."""
    if side <= 4:
        return 24
    if side <= 6:
        return 20
    if side <= 9:
        return 16
    return 13


def value_digits(side: int) -> int:
    """Decimals of numbers written in cells: fewer when cells are small (the equation keeps 3)."""
    return 3 if side <= 6 else 2


# --- Sizes and thresholds ------------------------------------------------------------------------------
# The figure's width is only known in the browser; font sizes that depend on it assume this many pixels
# (Streamlit's wide layout on a laptop or projector). Narrower screens shrink cells, not the layout.
ASSUMED_WIDTH_PX = 1200
SIDE_MARGIN_PX = 16  # left and right margin of the grid figures
VALUES_MAX_SIDE = 12  # numbers are written in cells when the grid is at most this many cells a side
GAP_MAX_SIDE = 32  # grids up to this size get a 1 px gap between cells; larger ones would lose pixels
HIGHLIGHT_WIDTH = 4  # line width of the window outline and of the current output cell
DILATED_CELL_WIDTH = 3  # line width of each sampled cell's outline when dilation > 1
EQUATION_DIGITS = 3  # decimals of the numbers in the written-out sum
EQUATION_LINE_HEIGHT = 1.45  # line height of the written-out sum, in ems
TITLE_PX = 44  # room above the panels for their titles
PANEL_PX = 400  # height of the row of panels with one channel
CHANNEL_ROW_PX = 230  # height of one row of channel panels when C > 1
MAX_CHANNEL_ROWS = 4  # up to this many channels, each channel's sum is written out term by term
MAX_BLOCK_PX = 900  # the panels of many channels share at most this height
MAX_CELL_PX = 100  # cells of the input and output panels are at most this big (a 3x3 output stays sane)
KERNEL_CELL_PX = 80  # cells of the kernel and products panels are at most this big
MAP_PANEL_PX = 260  # height of one row of the feature-map / tensor grids
MAP_GRID_MAX_COLS = 6

# An animation has one frame per step up to this many steps; beyond, one frame every k steps (each frame
# still an exact step; the UI's own step controls reach every single step). Plotly validates every frame
# in Python (~0.5 ms each), so this bounds the time from a click to the figure being sent.
MAX_FRAMES = 150
DEFAULT_FRAME_MS = 400

# Feature maps larger than this many values in total are sent as PNG images (colour-mapped here, pixel
# exact, a fraction of the bytes) instead of heatmaps with one JSON number per pixel.
HEATMAP_MAX_VALUES = 250_000
