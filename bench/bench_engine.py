"""Engine benchmarks: conv2d against SciPy, a plain loop and (when installed) PyTorch, timed in the same run.

Every line compares our time with a reference measured moments before or after it, so the ratio holds
on any machine. Contenders of one workload are timed round-robin (best of N, ``time.perf_counter``),
so a busy neighbour slows them alike. Each result is checked against SciPy first: a wrong answer is an
error, not a benchmark.
"""

from __future__ import annotations

import gc
import math
import os
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import scipy.ndimage
import scipy.signal

from visualizer import conv as conv_module
from visualizer.conv import conv2d
from visualizer.trace import trace_convolution

try:  # PyTorch is a yardstick here, never a requirement.
    import torch
    import torch.nn.functional as torch_f
except ImportError:
    torch = None

# (image H, W, C), (filters N, kh, kw), in the quick run too?
WORKLOADS = [
    ((5, 5, 1), (15, 3, 3), True),
    ((28, 28, 1), (8, 3, 3), True),
    ((256, 256, 3), (16, 3, 3), True),
    ((1024, 1024, 3), (16, 3, 3), True),
    ((1024, 1024, 3), (16, 7, 7), False),
]

# Our time over the reference's: what we aim for (see the issue on engine speed).
BUDGETS = {"torch f64": 1.0, "torch f32": 1.5, "scipy.signal.correlate": 1.0, "scipy.ndimage.correlate": 1.0}
F64_TOLERANCE = 1e-9
SAMPLE_SECONDS = 0.005  # a sample repeats a fast call until it lasts about this long
SLOW_CALL_SECONDS = 0.3  # SciPy calls slower than this are timed once (--quick) or twice


def best_times(
    contenders: dict[str, Callable[[], object]],
    repeats: int,
    slow: dict[str, float | None] | None = None,
    slow_samples: int = 1,
) -> dict[str, float]:
    """Best seconds per call of each contender, sampled round-robin ``repeats`` times.

    ``slow`` names references that may be cut short, with the seconds of a call already made (or None):
    when a call takes more than ``SLOW_CALL_SECONDS``, that call counts and ``slow_samples`` more are made.
    """
    slow = slow or {}
    loops: dict[str, int] = {}
    samples: dict[str, int] = {}
    best = {name: math.inf for name in contenders}
    for name, fn in contenders.items():
        once = slow.get(name)
        if once is None:
            t0 = time.perf_counter()
            fn()
            once = time.perf_counter() - t0
        if name in slow and once > SLOW_CALL_SECONDS:
            best[name], loops[name], samples[name] = once, 1, slow_samples
            continue
        t0 = time.perf_counter()
        fn()  # the first call warmed up (imports, thread pools, page faults): time a second one
        once = time.perf_counter() - t0
        loops[name] = max(1, min(2000, int(SAMPLE_SECONDS / max(once, 1e-7))))
        samples[name] = repeats
    gc.collect()
    for i in range(repeats):
        for name, fn in contenders.items():
            if i >= samples[name]:
                continue
            n = loops[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / n)
    return best


# --- references (someone else's code, or the formula as loops) ------------------------------------


def scipy_signal(image: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """``scipy.signal.correlate`` per filter per channel ('valid'), summed over channels."""
    return np.stack(
        [
            sum(scipy.signal.correlate(image[:, :, c], f[:, :, c], mode="valid") for c in range(image.shape[2]))
            for f in bank
        ],
        axis=-1,
    )


def scipy_ndimage(image: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """``scipy.ndimage.correlate`` per filter per channel, cropped to the 'valid' part (odd kernels)."""
    kh, kw = bank.shape[1:3]
    ho, wo = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    rows, cols = slice(kh // 2, kh // 2 + ho), slice(kw // 2, kw // 2 + wo)
    return np.stack(
        [
            sum(
                scipy.ndimage.correlate(image[:, :, c], f[:, :, c], mode="constant")[rows, cols]
                for c in range(image.shape[2])
            )
            for f in bank
        ],
        axis=-1,
    )


def naive_rows(image: np.ndarray, bank: np.ndarray, rows: int) -> np.ndarray:
    """The first ``rows`` output rows by a Python loop over output pixels, one NumPy dot per window."""
    n, kh, kw, c = bank.shape
    wo = image.shape[1] - kw + 1
    weights = bank.reshape(n, kh * kw * c)
    out = np.empty((rows, wo, n))
    for y in range(rows):
        for x in range(wo):
            out[y, x] = weights @ image[y : y + kh, x : x + kw, :].reshape(-1)
    return out


def naive_rows_timed(image: np.ndarray, bank: np.ndarray, out_rows: int, quick: bool) -> tuple[int, float]:
    """How many output rows the naive loop runs, and its best time for them."""
    budget_pixels = 1500 if quick else 4000  # about 3 us per pixel: a few milliseconds
    rows = max(1, min(out_rows, budget_pixels // max(1, image.shape[1] - bank.shape[2] + 1)))
    t = best_times({"naive": lambda: naive_rows(image, bank, rows)}, 3)["naive"]
    return rows, t


# --- lines ----------------------------------------------------------------------------------------


def line(metric: str, value: float | None, unit: str, reference: str, reference_value: float | None, **extra) -> dict:
    """One result: our value, the reference's from the same run, and their ratio (ours / reference)."""
    ratio = value / reference_value if value is not None and reference_value else None
    out = {
        "metric": metric,
        "value": value,
        "unit": unit,
        "reference": reference,
        "reference_value": reference_value,
        "ratio": ratio,
    }
    budget = extra.pop("budget", BUDGETS.get(reference))
    if budget is not None:
        out["budget"] = budget
        out["within_budget"] = ratio is not None and ratio <= budget
    out.update(extra)
    out["loadavg_1m"] = round(os.getloadavg()[0], 2)
    return out


def ms(seconds: float) -> float:
    return round(seconds * 1e3, 4)


def workload_name(shape: tuple[int, int, int], filters: tuple[int, int, int]) -> str:
    (h, w, c), (n, kh, kw) = shape, filters
    return f"{h}x{w}x{c} {n}x{kh}x{kw}"


def bench_workload(shape: tuple[int, int, int], filters: tuple[int, int, int], quick: bool) -> list[dict]:
    rng = np.random.default_rng(sum(shape) + sum(filters))
    image = rng.standard_normal(shape)
    bank = rng.standard_normal((*filters, shape[2]))
    name = workload_name(shape, filters)
    big = shape[0] * shape[1] >= 512 * 512
    repeats = (3 if quick else 5) if big else (15 if quick else 30)

    # Correctness before speed: a fast wrong answer is a failure. (The SciPy calls also count as samples.)
    ours = conv2d(image, bank)
    t0 = time.perf_counter()
    expected = scipy_signal(image, bank)
    t1 = time.perf_counter()
    err = float(np.abs(ours - expected).max())
    if not err <= F64_TOLERANCE:
        raise AssertionError(f"conv2d {name}: differs from scipy.signal.correlate by {err:.3g}")
    t2 = time.perf_counter()
    err_nd = float(np.abs(scipy_ndimage(image, bank) - expected).max())
    scipy_seconds = {"scipy.signal.correlate": t1 - t0, "scipy.ndimage.correlate": time.perf_counter() - t2}
    scale = float(np.abs(expected).max())
    err32 = float(np.abs(conv2d(image, bank, dtype=np.float32) - expected).max())
    if not err32 <= 1e-4 * max(1.0, scale):
        raise AssertionError(f"conv2d float32 {name}: differs from scipy.signal.correlate by {err32:.3g}")

    contenders: dict[str, Callable[[], object]] = {
        "conv2d f64": lambda: conv2d(image, bank),
        "conv2d f32": lambda: conv2d(image, bank, dtype=np.float32),
        "scipy.signal.correlate": lambda: scipy_signal(image, bank),
        "scipy.ndimage.correlate": lambda: scipy_ndimage(image, bank),
    }
    # The arithmetic alone, without conv2d's argument checks: what they cost shows on small inputs.
    compute = getattr(conv_module, "_correlate", None)
    if compute is not None:
        args = (image, bank, np.zeros(bank.shape[0]), (1, 1), (0, 0), (1, 1), ours.shape[:2], np.dtype(np.float64))
        contenders["compute"] = lambda: compute(*args)
    torch_note = None
    if torch is not None:
        x64 = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)[None]))
        w64 = torch.from_numpy(np.ascontiguousarray(bank.transpose(0, 3, 1, 2)))
        x32, w32 = x64.float(), w64.float()
        torch_out = torch_f.conv2d(x64, w64)[0].numpy().transpose(1, 2, 0)
        torch_err = float(np.abs(torch_out - expected).max())
        if not torch_err <= F64_TOLERANCE:
            torch_note = f"torch f64 differs from SciPy by {torch_err:.3g}"
        contenders["torch f64"] = lambda: torch_f.conv2d(x64, w64)
        contenders["torch f32"] = lambda: torch_f.conv2d(x32, w32)
    best = best_times(contenders, repeats, slow=scipy_seconds, slow_samples=0 if quick else 1)
    rows, naive_t = naive_rows_timed(image, bank, ours.shape[0], quick)
    naive_total = naive_t * ours.shape[0] / rows

    common = {"max_abs_err_vs_scipy": err, "repeats": repeats}
    f64, f32 = f"conv2d f64 {name}", f"conv2d f32 {name}"
    out = [
        line(
            f"{f64} vs scipy.signal",
            ms(best["conv2d f64"]),
            "ms",
            "scipy.signal.correlate",
            ms(best["scipy.signal.correlate"]),
            note="scipy: one 2-D correlate per filter per channel",
            **common,
        ),
        line(
            f"{f64} vs scipy.ndimage",
            ms(best["conv2d f64"]),
            "ms",
            "scipy.ndimage.correlate",
            ms(best["scipy.ndimage.correlate"]),
            reference_max_abs_err=err_nd,
            **common,
        ),
    ]
    naive_label = "naive loop"
    if rows < ours.shape[0]:
        naive_label += f" (extrapolated from {rows} of {ours.shape[0]} rows)"
    out.append(
        line(
            f"{f64} vs naive loop",
            ms(best["conv2d f64"]),
            "ms",
            naive_label,
            ms(naive_total),
            note="a Python loop over output pixels, one NumPy dot per window",
            budget=None,
            **common,
        )
    )
    if compute is not None:
        out.append(
            line(
                f"{f64} arithmetic alone",
                ms(best["compute"]),
                "ms",
                "conv2d f64 (the whole call, with its argument checks)",
                ms(best["conv2d f64"]),
                note="conv._correlate on checked arguments; 1 - ratio is the share spent checking arguments",
                budget=None,
            )
        )
    if torch is None:
        for dt in ("f64", "f32"):
            out.append(
                line(
                    f"conv2d {dt} {name} vs torch",
                    ms(best[f"conv2d {dt}"]),
                    "ms",
                    f"torch {dt}",
                    None,
                    skipped="torch is not installed",
                    budget=None,
                )
            )
    else:
        extra = {"torch_threads": torch.get_num_threads(), "note": "torch timed on NCHW tensors made beforehand"}
        if torch_note:
            extra["warning"] = torch_note
        out.append(
            line(f"{f64} vs torch", ms(best["conv2d f64"]), "ms", "torch f64", ms(best["torch f64"]), **extra, **common)
        )
        out.append(
            line(
                f"{f32} vs torch",
                ms(best["conv2d f32"]),
                "ms",
                "torch f32",
                ms(best["torch f32"]),
                max_abs_err_f32_vs_scipy=err32,
                **extra,
            )
        )
    return out


def bench_trace(quick: bool) -> list[dict]:
    """trace_convolution on a 64x64 RGB input with one 3x3 filter: its time and the bytes it keeps."""
    rng = np.random.default_rng(64)
    image = rng.standard_normal((64, 64, 3))
    kernel = rng.standard_normal((3, 3, 3))
    trace = trace_convolution(image, kernel, 0.5)
    err = float(np.abs(trace.output - scipy_signal(image, kernel[None])[:, :, 0] - 0.5).max())
    if not err <= F64_TOLERANCE:
        raise AssertionError(f"trace_convolution totals differ from scipy.signal.correlate by {err:.3g}")
    best = best_times(
        {"trace": lambda: trace_convolution(image, kernel, 0.5), "conv2d": lambda: conv2d(image, kernel[None], [0.5])},
        10 if quick else 30,
    )
    arrays, seen = [], []
    for value in vars(trace).values():
        if isinstance(value, np.ndarray) and not any(value is s or np.shares_memory(value, s) for s in seen):
            seen.append(value)
            arrays.append(value.nbytes)
    nbytes = int(sum(arrays))
    return [
        line(
            "trace_convolution 64x64x3 3x3 time",
            ms(best["trace"]),
            "ms",
            "conv2d (same input, 1 filter)",
            ms(best["conv2d"]),
            steps=trace.steps,
            budget=None,
        ),
        line(
            "trace_convolution 64x64x3 3x3 bytes",
            nbytes,
            "bytes",
            "input image bytes",
            image.nbytes,
            steps=trace.steps,
            bytes_per_step=round(nbytes / trace.steps, 1),
            budget=None,
        ),
    ]


def bench_memory() -> list[dict]:
    """Peak memory NumPy allocates inside conv2d on 1024x1024x3 with 16 7x7 filters (tracemalloc)."""
    rng = np.random.default_rng(7)
    image = rng.standard_normal((1024, 1024, 3))
    bank = rng.standard_normal((16, 7, 7, 3))
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = conv2d(image, bank)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    mib = 2**20
    unbanded = out.shape[0] * out.shape[1] * 7 * 7 * 3 * 8
    return [
        line(
            "conv2d f64 1024x1024x3 16x7x7 peak memory",
            round(peak / mib, 1),
            "MiB",
            "output array",
            round(out.nbytes / mib, 1),
            budget=2.0,
            input_mib=round(image.nbytes / mib, 1),
            unbanded_patch_matrix_mib=round(unbanded / mib, 1),
            note="tracemalloc peak during the call",
        ),
    ]


def environment() -> dict:
    """Versions and the BLAS that runs, so a ratio can be read in context."""
    info: dict = {"numpy": np.__version__, "scipy": scipy.__version__, "torch": getattr(torch, "__version__", None)}
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [
            {k: p.get(k) for k in ("prefix", "version", "architecture", "num_threads")}
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ]
    except ImportError:
        blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        info["blas"] = f"{blas.get('name')} {blas.get('version')} (install threadpoolctl for the kernel in use)"
    info["cpus"] = os.cpu_count()
    info["loadavg_1m"] = round(os.getloadavg()[0], 2)  # above the core count, other work shares the machine
    return {
        "metric": "environment",
        "value": os.cpu_count(),
        "unit": "cpus",
        "reference": None,
        "reference_value": None,
        "ratio": None,
        **info,
    }


def bench_family(quick: bool) -> list[dict]:
    """The grouped (depthwise and g = 4) and transposed engine paths against PyTorch on the same float64 values."""
    from visualizer import conv2d
    from visualizer.family import layer_output

    if torch is None:
        return [line("family vs torch", None, "ms", "torch f64", None, skipped="torch is not installed")]
    rng = np.random.default_rng(0)
    side = 128 if quick else 256
    image = rng.random((side, side, 16))
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)[None]))
    out = []
    for groups, n in ((16, 16), (4, 32)):
        bank = rng.normal(size=(n, 3, 3, 16 // groups))
        w = torch.from_numpy(np.ascontiguousarray(bank.transpose(0, 3, 1, 2)))
        err = float(np.abs(torch_f.conv2d(x, w, groups=groups)[0].numpy().transpose(1, 2, 0)
                           - conv2d(image, bank, groups=groups)).max())
        best = best_times({"ours": lambda b=bank, g=groups: conv2d(image, b, groups=g),
                           "torch": lambda w=w, g=groups: torch_f.conv2d(x, w, groups=g)}, 3 if quick else 7)
        out.append(line(f"conv2d f64 {side}x{side}x16 {n}x3x3 groups={groups} vs torch", ms(best["ours"]), "ms",
                        "torch f64", ms(best["torch"]), max_abs_diff=err, budget=None))
    bank = rng.normal(size=(8, 3, 3, 16))
    wt = torch.from_numpy(np.ascontiguousarray(bank.transpose(3, 0, 1, 2)))  # ConvTranspose2d(16, 8)
    small = image[: side // 2, : side // 2]
    xs = torch.from_numpy(np.ascontiguousarray(small.transpose(2, 0, 1)[None]))
    zeros = np.zeros(8)
    err = float(np.abs(torch_f.conv_transpose2d(xs, wt, stride=2)[0].numpy().transpose(1, 2, 0)
                       - layer_output("transposed", small, bank, zeros, stride=2, padding=0, dilation=1)).max())
    best = best_times({"ours": lambda: layer_output("transposed", small, bank, zeros, stride=2, padding=0, dilation=1),
                       "torch": lambda: torch_f.conv_transpose2d(xs, wt, stride=2)}, 3 if quick else 7)
    out.append(line(f"conv_transpose2d f64 {side // 2}x{side // 2}x16 -> 8, 3x3, stride 2 vs torch", ms(best["ours"]),
                    "ms", "torch f64", ms(best["torch"]), max_abs_diff=err, budget=None))
    return out


def run(quick: bool) -> list[dict]:
    """All engine benchmarks; a workload that fails becomes a line with ``error`` (the others still run)."""
    results = [environment()]
    jobs: list[tuple[str, Callable[[], list[dict]]]] = [
        (f"conv2d {workload_name(shape, filters)}", lambda s=shape, f=filters: bench_workload(s, f, quick))
        for shape, filters, in_quick in WORKLOADS
        if in_quick or not quick
    ]
    jobs.append(("trace_convolution 64x64x3 3x3", lambda: bench_trace(quick)))
    jobs.append(("conv2d f64 1024x1024x3 16x7x7 peak memory", bench_memory))
    jobs.append(("grouped and transposed vs torch", lambda: bench_family(quick)))
    for label, job in jobs:
        try:
            results.extend(job())
        except Exception as exc:  # noqa: BLE001 - report and carry on
            results.append(
                {
                    "metric": label,
                    "value": None,
                    "unit": None,
                    "reference": None,
                    "ratio": None,
                    "error": f"{type(exc).__name__}: {exc}",
                }
            )
    return results
