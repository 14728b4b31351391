"""The convolution studio (being built)."""

import streamlit as st


def render() -> None:
    st.title("Convolution studio")
