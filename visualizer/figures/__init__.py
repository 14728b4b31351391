"""Plotly figure builders: arrays and traces in, plain figure dicts out. No Streamlit here.

- :func:`sliding_figure`: the animation of one filter sliding over an image (from a ``ConvTrace``);
- :func:`kernel_figure`, :func:`feature_maps_figure`, :func:`image_figure`, :func:`tensor_figure`:
  static grids of numbers.

Colours, fonts and sizes live in :mod:`visualizer.figures.style`.
"""

from .animation import sliding_figure
from .maps import feature_maps_figure, image_figure, kernel_figure, tensor_figure

__all__ = ["feature_maps_figure", "image_figure", "kernel_figure", "sliding_figure", "tensor_figure"]
