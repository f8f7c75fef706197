"""Helpers shared by the benchmark scripts (one copy, imported by each of them).

The scripts import this module by name (``from common import ...``): run as
``python benchmarks/<script>.py``, their own folder is first on ``sys.path``.

* :func:`log`, :func:`loadavg`: timestamped progress lines; the 1/5/15-min load average.
* :func:`pkg_version`, :func:`machine_info`, :func:`git_info`: what ran, where, from which checkout.
* :func:`mean_se`, :func:`z_score`: mean and standard error; distance of two means in standard errors.
* :func:`fmt`, :func:`fmt_x`, :func:`fmt_ms`, :func:`fmt_mb`, :func:`fmt_n`: numbers in the markdown tables.
* :func:`write_report`: a result as JSON plus its markdown next to it (same path, suffix ``.md``).

Numba, numpy and virality are imported only where needed (``machine_info``, ``mean_se``), so that
``run_all.py`` can use this module without them; the scripts put the checkout on ``sys.path`` first.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]  # the checkout being benchmarked


# ------------------------------------------------------------------------------------------ progress
def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg() -> list[float]:
    """The 1, 5 and 15-minute load averages (rounded), or ``[]`` where the system has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):  # AttributeError: no os.getloadavg (Windows)
        return []


# ------------------------------------------------------------------------------------------ machine
def pkg_version(name: str) -> str | None:
    """The installed version of distribution ``name``, or None if it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def machine_info(extra_packages: tuple[str, ...] = ()) -> dict[str, Any]:
    """Platform, CPU, memory, Python, numba threading settings and the versions of virality, numpy,
    numba and the reference packages (networkx, cynetdiff, ndlib, then ``extra_packages``, each None
    when not installed)."""
    import numba
    import numpy as np

    import virality

    cpu = platform.processor() or ""
    mem_gib = None
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    mem_gib = round(int(line.split()[1]) / 2**20, 1)
                    break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    versions: dict[str, str | None] = {
        "virality": virality.__version__,
        "numpy": np.__version__,
        "numba": numba.__version__,
    }
    for name in ("networkx", "cynetdiff", "ndlib", *extra_packages):
        versions[name] = pkg_version(name)
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "memory_gib": mem_gib,
        "python": sys.version.split()[0],
        "numba_num_threads": numba.config.NUMBA_NUM_THREADS,
        "numba_threading_layer_env": os.environ.get("NUMBA_THREADING_LAYER") or "default",
        "omp_wait_policy_env": os.environ.get("OMP_WAIT_POLICY"),
        "versions": versions,
    }


def git_info() -> dict[str, Any]:
    """Commit of this checkout and whether virality/ differs from it (others may be editing it)."""
    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", *args], cwd=str(ROOT), capture_output=True, text=True, timeout=10,
                                  check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    head = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--", "virality")
    return {"commit": head, "virality_modified": None if dirty is None else bool(dirty)}


# ------------------------------------------------------------------------------------------ statistics
def mean_se(x: Any) -> tuple[float, float]:
    """Mean and standard error of the mean (NaN standard error below 2 values; NaN mean for none)."""
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    if x.size < 2:
        return (float(x.mean()) if x.size else math.nan), math.nan
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def z_score(a: tuple[float, float], b: tuple[float, float], *, nan_se_degenerate: bool = False) -> float:
    """|mean_a - mean_b| in standard errors of the difference, for two (mean, standard error) pairs.

    A zero combined standard error gives 0 if the means are equal and inf otherwise. A NaN one (a
    standard error from a single value) gives NaN, or, with ``nan_se_degenerate``, is treated like
    zero (0 or inf)."""
    se = math.hypot(a[1], b[1])
    if se == 0.0 or (nan_se_degenerate and math.isnan(se)):
        return 0.0 if a[0] == b[0] else math.inf
    return abs(a[0] - b[0]) / se


# ------------------------------------------------------------------------------------------ markdown
def fmt(x: Any, spec: str = ".3g", none: str = "–") -> str:
    """``format(x, spec)``, or ``none`` for None and non-finite floats."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return none
    return format(x, spec)


def fmt_x(x: float | None, spec: str = ".3g") -> str:
    """A ratio: ``fmt`` with an ``x`` after finite values."""
    return fmt(x, spec) + ("x" if x is not None and math.isfinite(x) else "")


def fmt_ms(s: float | None) -> str:
    """Seconds shown as milliseconds."""
    return fmt(None if s is None else s * 1e3, ".3g")


def fmt_mb(b: float | None) -> str:
    """Bytes shown as MiB."""
    return fmt(None if b is None else b / 2**20, ".1f")


def fmt_n(n: int, *, thousands: bool = False) -> str:
    """A size: ``10^e`` for powers of ten, else the number (with thousands separators if asked)."""
    e = round(math.log10(n))
    if 10**e == n:
        return f"10^{e}"
    return f"{n:,}" if thousands else str(n)


# ------------------------------------------------------------------------------------------ output
def write_report(out: str | Path, result: Any, markdown: str, *, indent: int = 1) -> tuple[Path, Path]:
    """Write ``result`` as JSON to ``out`` (creating its folder) and ``markdown`` to the same path with
    the suffix ``.md``; returns both paths."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=indent, default=float) + "\n")
    md = out.with_suffix(".md")
    md.write_text(markdown)
    return out, md
