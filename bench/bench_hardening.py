"""The time limits of the hardening guards, measured here rather than asserted in unit tests.

Wall-clock limits inside unit tests fail on a busy shared machine (one failed at 2.84 s against 2.0 s), so
``tests/test_hardening.py`` checks what a visitor gets (an image or a message, their state kept) and this module
times the same work, each line with the machine's load average:

- ``hardening: slowest hostile upload``: the hostile upload corpus of the tests (bombs, truncated files, every
  format Pillow writes...) through ``accept_upload`` inside an AppTest, the slowest single decision against
  the 2 s a visitor may wait (a slow decompression bomb shows here);
- ``hardening: long typed text refused``: the test that 20 MB of typed kernel and pixel text is refused before
  it is parsed, timed against 0.5 s;
- ``hardening: image bombs refused``: the two image tests of ``tests/test_images.py`` that refuse a PNG header
  claiming 100,000 x 100,000 pixels and a real 7000 x 7000 decompression bomb from the header, each timed
  against 1 s (their memory bound is asserted in the tests).

The worst allowed request (32 filters of 7x7 on 64x64 RGB) is timed by ``bench_limits.py``.
Run alone: ``python bench/bench_hardening.py``; or through ``bench/run.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
UPLOAD_BUDGET_S = 2.0
TEXT_BUDGET_S = 0.5
BOMB_BUDGET_S = 1.0


def _line(metric: str, value: float | None, budget_s: float, **extra) -> dict:
    return {"metric": metric, "value": None if value is None else round(value, 3), "unit": "s",
            "reference": "time a visitor may wait", "reference_value": budget_s,
            "ratio": None if value is None else round(value / budget_s, 3), "budget": 1.0, "budget_is": "maximum",
            "within_budget": value is not None and value <= budget_s, **extra,
            "loadavg_1m": round(os.getloadavg()[0], 2)}


def _tests_module():
    for path in (str(ROOT), str(ROOT / "tests")):
        if path not in sys.path:
            sys.path.insert(0, path)
    import test_hardening

    return test_hardening


def upload_line() -> dict:
    from streamlit.testing.v1 import AppTest

    th = _tests_module()
    corpus = th.upload_corpus()
    at = AppTest.from_function(th.upload_script, args=(corpus,), default_timeout=10 + 3 * len(corpus))
    at.run()
    if at.exception:
        raise RuntimeError(f"the upload script failed: {at.exception[0].value}")
    results = at.session_state["results"]
    seconds = sorted(((r["seconds"], r["name"]) for r in results), reverse=True)
    return _line("hardening: slowest hostile upload decided (accept_upload)", seconds[0][0], UPLOAD_BUDGET_S,
                 files=len(results), median_s=round(statistics.median(s for s, _ in seconds), 4),
                 slowest=[[name, round(s, 3)] for s, name in seconds[:3]])


def text_line(repeats: int) -> dict:
    th = _tests_module()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        th.test_long_typed_text_is_refused_before_it_is_parsed()
        best = min(best, time.perf_counter() - start)
    return _line("hardening: 20 MB of typed kernel and pixel text refused (best of runs)", best, TEXT_BUDGET_S,
                 runs=repeats)


def bomb_lines(repeats: int) -> list[dict]:
    for path in (str(ROOT), str(ROOT / "tests")):
        if path not in sys.path:
            sys.path.insert(0, path)
    import test_images

    lines = []
    for metric, test in (
        ("hardening: PNG header claiming 100000x100000 pixels refused (best of runs)",
         test_images.test_png_header_claiming_100000_by_100000_pixels_is_refused_from_its_header),
        ("hardening: 7000x7000 decompression bomb refused (best of runs)",
         test_images.test_real_decompression_bomb_over_the_pixel_limit_is_refused_before_decoding),
    ):
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            test()  # the test's own assertions (message, memory) hold on every run
            best = min(best, time.perf_counter() - start)
        lines.append(_line(metric, best, BOMB_BUDGET_S, runs=repeats))
    return lines


def run(quick: bool) -> list[dict]:
    lines = []
    try:
        lines += bomb_lines(2 if quick else 5)
    except Exception as exc:  # noqa: BLE001 - the line says what failed; the others still run
        lines.append({"metric": "hardening: image bombs", "value": None, "unit": "s", "reference": None,
                      "ratio": None, "unavailable": f"{type(exc).__name__}: {exc}"})
    for name, make in (("hardening: uploads", upload_line), ("hardening: typed text", lambda: text_line(3))):
        try:
            lines.append(make())
        except Exception as exc:  # noqa: BLE001 - one line says what failed; the other still runs
            lines.append({"metric": name, "value": None, "unit": "s", "reference": None, "ratio": None,
                          "unavailable": f"{type(exc).__name__}: {exc}"})
    return lines


if __name__ == "__main__":
    for item in run("--quick" in sys.argv):
        print(json.dumps({**item, "module": "bench_hardening"}), flush=True)
