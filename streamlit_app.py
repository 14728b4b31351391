"""Convolution Visualizer: the entry point. Page config and navigation; each page lives in visualizer/ui."""

import streamlit as st

from visualizer.ui import learn_page, model_page, network_page, studio
from visualizer.ui.common import app_icon
from visualizer.ui.heavy import start_janitor

st.set_page_config(page_title="Convolution Visualizer", page_icon=app_icon(), layout="wide",
                   initial_sidebar_state="auto")
start_janitor()  # once per process: ends closed pages' sessions when their reconnect time is over, trims memory

# The studio is the home page ("/") and also has its own address ("/studio", shared links use it): a
# default page answers only at "/", so a hidden twin answers at "/studio". No icons: Streamlit draws them
# with a web font, and the app fetches nothing from outside its own host.
# The twin hands over to the home page with the link's settings (so the navigation shows the studio as the page
# one is on): the home page reads the link as the twin would have.
home = st.Page(studio.render, title="Convolution studio", url_path="home", default=True)


def _studio_twin() -> None:
    st.switch_page(home, query_params=st.query_params.to_dict())


pages = [
    home,
    st.Page(_studio_twin, title="Convolution studio", url_path="studio", visibility="hidden"),
    st.Page(network_page.render, title="Network view", url_path="network"),
    st.Page(learn_page.render, title="Learn", url_path="learn"),
    st.Page(model_page.render, title="Your model", url_path="model"),
]
# Streamlit leaves about 100 px of blank space between the top navigation and a page's title (the main block's
# top padding of 6rem, which also makes room for its header bar of 3.75rem): a constant style of ours, no user text.
# On a phone the studio's intro sentence moves under the player (animation_view.INTRO) and the page's title is
# smaller, so that a photo's region, its numbers, Play and the sum share the first screen.
st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 4.25rem; }"
        ".st-key-studio_intro_below { display: none; }"
        "@media (max-width: 500px) { .st-key-studio_intro { display: none; }"
        " .st-key-studio_intro_below { display: block; }"
        " [data-testid='stMainBlockContainer'] h1 { font-size: 2rem; padding: 0 0 0.5rem; } }</style>")
st.navigation(pages, position="top").run()
