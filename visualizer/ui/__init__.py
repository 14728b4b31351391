"""The Streamlit layer: pages and their pieces. Calls visualizer.figures and the engine, never the reverse."""
