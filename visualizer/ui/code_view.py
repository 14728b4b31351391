"""The expander with NumPy and PyTorch code that reproduces the numbers on screen."""

from __future__ import annotations

import numpy as np
import streamlit as st

from visualizer import family
from visualizer.codegen import grouped_code, reproduction_code, transposed_code
from visualizer.text import md_text

from .common import lazy_expander

INLINE_MAX_VALUES = 2_000
CODE_OPEN = "w_code_open"  # the code's expander: open or closed


def code_section(image: np.ndarray, bank: np.ndarray, bias: np.ndarray, stride: int, padding: int,
                 dilation: int, *, kind: str = "standard", groups: int = 1) -> None:
    """Show (small inputs) or offer as a download (any input) the code that recomputes the output.

    Written and drawn only while its expander is open (kept for the session): the code and its highlighter are
    not part of every edit.
    """
    section = lazy_expander("Reproduce these numbers in NumPy and PyTorch", CODE_OPEN)
    if section is None:
        return
    args = {"stride": stride, "padding": padding, "dilation": dilation}
    if kind in family.GROUPED_KINDS:
        try:
            code = grouped_code(image, bank, bias, kind=kind, groups=groups, **args)
        except ValueError as err:
            section.warning(f"No code for this layer: {md_text(err)}.")
            return
    else:
        write = transposed_code if kind == "transposed" else reproduction_code
        code = write(image, bank, bias, **args)
    with section:
        st.caption(
            "The image and filters on screen, written exactly, then the convolution as a plain loop (the "
            "definition: over output cells, or for the transposed convolution over the input cells that stamp), then "
            "PyTorch's conv2d (conv_transpose2d) on the same values."
        )
        if image.size + bank.size <= INLINE_MAX_VALUES:
            st.code(code, language="python")
        else:
            st.info(f"The image has {image.size:,} values: download the code instead of reading it here.")
        st.download_button("Download convolution.py", code, file_name="convolution.py", mime="text/x-python",
                           key="download_code", icon=":material/download:")
