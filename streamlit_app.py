"""Convolution Visualizer: the entry point. Page config and navigation; each page lives in visualizer/ui."""

import streamlit as st

from visualizer.ui import learn_page, model_page, network_page, studio
from visualizer.ui.common import app_icon

st.set_page_config(page_title="Convolution Visualizer", page_icon=app_icon(), layout="wide",
                   initial_sidebar_state="auto")

# The studio is the home page ("/") and also has its own address ("/studio", shared links use it): a
# default page answers only at "/", so a hidden twin answers at "/studio". No icons: Streamlit draws them
# with a web font, and the app fetches nothing from outside its own host.
pages = [
    st.Page(studio.render, title="Convolution studio", url_path="home", default=True),
    st.Page(studio.render, title="Convolution studio", url_path="studio", visibility="hidden"),
    st.Page(network_page.render, title="Network view", url_path="network"),
    st.Page(learn_page.render, title="Learn", url_path="learn"),
    st.Page(model_page.render, title="Your model", url_path="model"),
]
st.navigation(pages, position="top").run()
