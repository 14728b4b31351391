"""A "Download as ONNX" button for any of our networks (the network view's stack, a Learn page model)."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from visualizer import LayerSpec
from visualizer.onnx_export import ExportError, stack_to_onnx
from visualizer.text import md_text

from .common import CACHE_TTL

HELP = ("An ONNX file of this network with its weights, for onnxruntime, for tools that load ONNX into PyTorch "
        "(such as onnx2torch) and for the **Your model** page of this app. Its input is (1, C, H, W) float32, "
        "values 0 (black) to 1 (white); its output the last stage, (1, K, 1, 1) for class scores.")


def _digest(specs: list[LayerSpec], params: list[dict[str, np.ndarray]], input_shape: tuple, names: tuple) -> str:
    h = hashlib.sha256(repr((specs, input_shape, names)).encode())
    for p in params:
        for key in sorted(p):
            h.update(key.encode())
            h.update(np.ascontiguousarray(p[key], dtype=np.float64).tobytes())
    return h.hexdigest()


@st.cache_data(max_entries=8, ttl=CACHE_TTL, show_spinner=False)
def _onnx_bytes(digest: str, _specs: list[LayerSpec], _params: list[dict], input_shape: tuple, names: tuple,
                title: str) -> bytes:
    return stack_to_onnx(_specs, _params, input_shape, class_names=list(names) or None, name=title)


def onnx_download(specs: list[LayerSpec], params: list[dict[str, np.ndarray]], input_shape: tuple, *,
                  class_names: list[str] | None, file_name: str, key: str, title: str) -> None:
    """The button, or a one-line reason when the network has no ONNX form (the binary step)."""
    names = tuple(str(n) for n in class_names or ())
    shape = tuple(int(v) for v in input_shape)
    try:
        data = _onnx_bytes(_digest(list(specs), list(params), shape, names), list(specs), list(params), shape,
                           names, title)
    except ExportError as err:
        st.caption(f"Download as ONNX: {md_text(err, limit=300)}.")
        return
    st.download_button("Download as ONNX", data, file_name=file_name, mime="application/octet-stream", key=key,
                       help=HELP, on_click="ignore")
