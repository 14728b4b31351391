"""Run every benchmark module of this folder and print one JSON object per line.

Usage: ``python bench/run.py [--quick]``. Each ``bench_*.py`` module exposes ``run(quick: bool) -> list[dict]``;
a module that fails to import or run becomes a line with ``"error"`` and the others still run. The exit
code is non-zero only when the engine benchmarks (``bench_engine``) fail.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ENGINE = "bench_engine"  # ours: its failures fail the run
KNOWN = (ENGINE, "bench_animation", "bench_limits", "bench_ui", "bench_browser", "bench_load", "bench_train")
TIME_BUDGET_S = {True: 240.0, False: 900.0}  # the browser and load benchmarks take ~2.5 min of --quick


def module_names() -> list[str]:
    """The engine first, then the other known modules, then any other ``bench_*.py``, if present."""
    found = {p.stem for p in HERE.glob("bench_*.py")}
    return [n for n in KNOWN if n in found] + sorted(found - set(KNOWN))


def plain(value: object) -> object:
    """``value`` with NumPy scalars and arrays made JSON-ready and NaN/infinity written as null."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit(obj: dict) -> None:
    print(json.dumps(plain(obj), allow_nan=False, default=str), flush=True)


def error_line(module: str, message: str) -> dict:
    return {
        "metric": module,
        "value": None,
        "unit": None,
        "reference": None,
        "ratio": None,
        "error": message,
        "module": module,
    }


def run_module(name: str, quick: bool) -> bool:
    """Print the lines of one module; return False if it (or one of its lines) failed."""
    try:
        module = importlib.import_module(name)
        results = module.run(quick)
        if not isinstance(results, list):
            raise TypeError(f"run() returned {type(results).__name__}, not a list of dicts")
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit from a module must not end the run either
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last else ""
        emit(error_line(name, f"{type(exc).__name__}: {exc}{where}"))
        return False
    ok = True
    for item in results:
        if not isinstance(item, dict) or "metric" not in item:
            emit(error_line(name, f"not a result line: {item!r:.200}"))
            ok = False
            continue
        ok = ok and "error" not in item
        try:
            emit({**item, "module": name})
        except (TypeError, ValueError) as exc:
            emit(error_line(name, f"line {item.get('metric')!r} is not JSON: {exc}"))
            ok = False
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small workloads only (under four minutes)")
    args = parser.parse_args(argv)
    sys.path[:0] = [str(ROOT), str(HERE)]
    start = time.perf_counter()
    engine_ok = True
    for name in module_names():
        ok = run_module(name, args.quick)
        if name == ENGINE:
            engine_ok = ok
    if ENGINE not in module_names():
        emit(error_line(ENGINE, "bench/bench_engine.py is missing"))
        engine_ok = False
    elapsed = time.perf_counter() - start
    budget = TIME_BUDGET_S[args.quick]
    emit(
        {
            "metric": f"bench/run.py wall time{' (--quick)' if args.quick else ''}",
            "value": round(elapsed, 2),
            "unit": "s",
            "reference": "time budget",
            "reference_value": budget,
            "ratio": round(elapsed / budget, 3),
            "budget": 1.0,
            "within_budget": elapsed <= budget,
            "module": "run",
        }
    )
    return 0 if engine_ok else 1


if __name__ == "__main__":
    sys.exit(main())
