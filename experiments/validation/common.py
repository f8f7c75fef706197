"""Shared helpers for the validation scripts: checks, tables, figures, thread control, root finding.

Every validation script is a module with ``run(size="small" | "full", out=Path) -> dict`` that returns

    {"name", "passed", "checks": [{"what", "simulated", "theory", "tolerance", "passed"}],
     "figure", "table", "notes", "seconds", "size"}

and writes a PNG figure and a CSV table (simulation beside theory) into ``out``.
"""

from __future__ import annotations

import contextlib
import csv
import math
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

SIZES = ("small", "full")


def check_size(size: str) -> str:
    if size not in SIZES:
        raise ValueError(f"size must be 'small' or 'full', got {size!r}")
    return size


def check(what: str, simulated: float, theory: float, tolerance: float, passed: bool | None = None) -> dict:
    """One check: passed when ``|simulated - theory| <= tolerance`` unless ``passed`` is given (one-sided
    checks state their own rule in ``what``)."""
    if passed is None:
        passed = bool(abs(simulated - theory) <= tolerance)
    return {
        "what": what,
        "simulated": float(simulated),
        "theory": float(theory),
        "tolerance": float(tolerance),
        "passed": bool(passed),
    }


def result(name: str, checks: list[dict], figure: Path, table: Path, notes: str, started: float,
           size: str) -> dict:
    return {
        "name": name,
        "passed": bool(checks) and all(c["passed"] for c in checks),
        "checks": checks,
        "figure": str(figure),
        "table": str(table),
        "notes": notes,
        "seconds": round(time.perf_counter() - started, 2),
        "size": size,
    }


def write_csv(path: Path, rows: list[dict]) -> Path:
    """Rows of dicts (same keys) as CSV; floats with 6 significant digits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = list(rows[0].keys()) if rows else []
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, (float, np.floating)) else v) for k, v in r.items()})
    return path


def pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend (set here, at run time, not at import)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "font.size": 9, "axes.titlesize": 10,
                         "legend.fontsize": 8, "axes.grid": True, "grid.alpha": 0.3})
    return plt


def save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


@contextlib.contextmanager
def numba_threads(k: int) -> Iterator[None]:
    """Run numba kernels on ``k`` threads inside the block.

    Many short ``simulate`` calls (one run from one random seed) are dominated by waking the thread pool
    on a busy machine (about 10 ms a call on 2 shared cores, 0.6 ms with one thread), so loops of them
    run single-threaded; results do not depend on the thread count (the engine's counter-based coins).
    """
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(max(1, min(k, numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        numba.set_num_threads(old)


def bisect(f: Callable[[float], float], lo: float, hi: float, tol: float = 1e-13) -> float:
    """A root of ``f`` in ``[lo, hi]`` where ``f(lo)`` and ``f(hi)`` differ in sign."""
    flo = f(lo)
    if flo == 0:
        return lo
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
        if hi - lo < tol:
            break
    return 0.5 * (lo + hi)


def binomial_se(p: float, n: int) -> float:
    """Standard error of a share estimated from ``n`` Bernoulli trials (at least the one of 0.5/n, so
    a share of exactly 0 or 1 still gets a finite interval)."""
    p = min(max(p, 0.5 / n), 1 - 0.5 / n)
    return math.sqrt(p * (1 - p) / n)


def mean_se(x: Iterable[float]) -> tuple[float, float]:
    a = np.asarray(list(x) if not isinstance(x, np.ndarray) else x, dtype=float)
    if a.size == 0:
        return math.nan, math.nan
    if a.size == 1:
        return float(a[0]), math.nan
    return float(a.mean()), float(a.std(ddof=1) / math.sqrt(a.size))


def fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    ax = abs(x)
    if ax != 0 and (ax >= 1e5 or ax < 1e-3):
        return f"{x:.3g}"
    if ax >= 100:
        return f"{x:.1f}"
    return f"{x:.4g}"
