"""Plotly figure builders: arrays and traces in, plain figure dicts out. No Streamlit here.

- :func:`sliding_figure`: the animation of one filter sliding over an image (from a ``ConvTrace``);
- :func:`kernel_figure`, :func:`image_figure`, :func:`tensor_figure`:
  static grids of numbers;
- exports: :func:`feature_sheet_png`, :func:`standalone_html` (and :mod:`.gif` for the GIF);
- :mod:`.pictures`: the studio's feature maps as pictures (not Plotly: an edit redraws them in milliseconds).

Every figure is built from one toolkit (:mod:`visualizer.figures.toolkit`: heatmap, axes, number
fitting, play controls); colours, fonts and sizes live in :mod:`visualizer.figures.style`; numbers are
written by :mod:`visualizer.numbers`.
"""

from .animation import sliding_figure
from .export import feature_sheet_png, standalone_html
from .maps import image_figure, kernel_figure, tensor_figure

__all__ = [
    "feature_sheet_png",
    "image_figure",
    "kernel_figure",
    "sliding_figure",
    "standalone_html",
    "tensor_figure",
]
