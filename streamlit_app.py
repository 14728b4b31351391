"""Convolution Visualizer: the entry point. Page config and navigation; each page lives in visualizer/ui."""

import streamlit as st

from visualizer.ui import learn_page, network_page, studio

st.set_page_config(
    page_title="Convolution Visualizer",
    page_icon=":material/grid_on:",
    layout="wide",
    initial_sidebar_state="expanded",
)

pages = [
    st.Page(studio.render, title="Convolution studio", icon=":material/grid_on:", url_path="studio", default=True),
    st.Page(network_page.render, title="Network view", icon=":material/account_tree:", url_path="network"),
    st.Page(learn_page.render, title="Learn", url_path="learn"),
]
st.navigation(pages, position="top").run()
