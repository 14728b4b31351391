"""What we rely on in Streamlit without importing its private modules: fails loudly when Streamlit changes it.

`visualizer.ui.common.error_boundary` turns a view's unexpected error into a message with `except Exception`.
`st.rerun()` and `st.stop()` work by raising an exception; Streamlit 1.67 derives it from `BaseException`
(`streamlit.runtime.scriptrunner_utils.exceptions.ScriptControlException`, a private module), so the
boundary lets it through without naming it. If a Streamlit upgrade makes it an `Exception`, the boundary
would swallow every rerun and stop: these tests say so.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

MOVED = (
    "Streamlit's st.rerun()/st.stop() now raise an Exception subclass ({kind}); error_boundary in "
    "visualizer/ui/common.py catches `Exception` and would swallow it. Re-raise Streamlit's control-flow "
    "exception there before `except Exception` (find its class with `type(exc).__mro__`)."
)


def _script() -> None:
    import streamlit as st

    from visualizer.ui.common import error_boundary

    ss = st.session_state
    ss["runs"] = ss.get("runs", 0) + 1
    with error_boundary("rerun check"):
        if ss["runs"] == 1:
            try:
                st.rerun()
            except BaseException as exc:
                ss["rerun_kind"] = [c.__name__ for c in type(exc).__mro__]
                ss["rerun_is_exception"] = isinstance(exc, Exception)
                raise
    st.markdown(f"runs: {ss['runs']}")
    with error_boundary("stop check"):
        st.stop()
    st.markdown("after stop")


def test_rerun_and_stop_are_not_swallowed_by_the_error_boundary() -> None:
    at = AppTest.from_function(_script, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["rerun_is_exception"] is False, MOVED.format(kind=at.session_state["rerun_kind"])
    errors = [e.value for e in at.error]
    assert errors == [], f"error_boundary turned Streamlit's control flow into an error message: {errors}"
    texts = [m.value for m in at.markdown]
    assert "runs: 2" in texts, f"st.rerun() inside error_boundary did not rerun the script: {texts}"
    assert "after stop" not in texts, MOVED.format(kind="st.stop() went on past error_boundary") + f" {texts}"
