"""The network view (being built)."""

import streamlit as st


def render() -> None:
    st.title("Network view")
