"""The Learn page: watch a network learn (shapes or digits), try it on your own drawings, teach it your own
classes, and see where a filter's gradient comes from.

Sections: :mod:`learn_train` (Train / Stop, live curves and filters, confusion matrix), :mod:`learn_draw`
(draw and predict, every stage shown), :mod:`learn_own` (teach it yourself), :mod:`learn_gradient`.
"""

from __future__ import annotations

import streamlit as st

from .common import error_boundary
from .learn_common import DATASETS, cached_trained
from .learn_draw import try_section
from .learn_gradient import gradient_section
from .learn_own import own_section
from .learn_train import train_section
from .model_download import onnx_download

SECTIONS = {
    "train": "Train a network",
    "own": "Teach it yourself",
    "gradient": "Where a filter's gradient comes from",
}


def render() -> None:
    ss = st.session_state
    st.title("Learn")
    st.caption("The founding chain and its digits cousin, trained here in pure NumPy: every number of every "
               "stage is computed on this page, and you can watch the filters learn.")
    section = st.segmented_control("Section", list(SECTIONS), key="learn_section", default="train", required=True,
                                   format_func=SECTIONS.get, label_visibility="collapsed") or "train"
    if section == "own":
        with error_boundary("teach it yourself"):
            own_section()
        return
    name = st.radio("Data", list(DATASETS), key="learn_dataset", format_func=DATASETS.get, horizontal=True)
    if section == "gradient":
        run = ss.get(f"learn_run_{name}")
        mine = run is not None and run.status != "running"
        model = run.model if mine else cached_trained(name)
        st.caption("With the network you trained on this page." if mine else
                   "With the network we trained and ship (train one in the first section to use yours).")
        with error_boundary("gradient view"):
            gradient_section(model, name)
        return
    model = None
    with error_boundary("training"):
        model = train_section(name)
    if model is None:
        model = cached_trained(name)
    with error_boundary("ONNX download"):
        onnx_download(model.specs, model.params, model.input_shape, class_names=model.class_names,
                      file_name=f"{name}_network.onnx", key="learn_onnx", title=f"the {name} network")
    st.divider()
    st.header("Try it: draw, and see what the network says")
    with error_boundary("drawing and prediction"):
        try_section(name, model)
