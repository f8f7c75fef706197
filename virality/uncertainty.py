"""Decisions under uncertainty: parameter ranges -> worlds -> which strategy wins how often.

A config may give any numeric parameter as a range (:class:`virality.config.Range`: ``{ uniform = [a, b] }``
and friends). :func:`draw_worlds` places ``n`` parameter *worlds* over those ranges with a scrambled
Sobol' sequence (``scipy.stats.qmc``), a space-filling design; :func:`run_uncertainty` runs every strategy
in every world, each world a cell of an ordinary sweep (zipped over the uncertain keys), all on the same
replicates: common random numbers across strategies *and* worlds, so that differences between worlds are
the parameters' doing, not noise. :func:`decision_table` then says, per headline metric and strategy, the
probability of being best (share of worlds, with a 95% Wilson interval), the expected regret against the
best strategy of each world, and quantiles of the paired difference against the baseline.

Cost: worlds x strategies x replicates campaign runs, spread like sweep cells (local cores or Dask).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .catalog import METRICS, fmt
from .config import config_ranges, load_config
from .errors import InputError
from .experiment import run_experiment
from .results import load_summary
from .tables import write_table

__all__ = ["draw_worlds", "run_uncertainty", "decision_table", "DECISION_METRICS"]

#: metrics a decision is read on (each with a better direction in the catalogue)
DECISION_METRICS = ("engaged", "cost_per_engagement", "engaged_peer", "time_to_common")


def draw_worlds(ranges: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` worlds (one value per uncertain key) from a scrambled Sobol' design over the ranges.

    Examples
    --------
    >>> from virality.config import Range
    >>> worlds = draw_worlds({"a": Range("a", "uniform", (0.0, 1.0))}, 4, seed=1)
    >>> len(worlds), sorted(int(w["a"] * 4) for w in worlds)  # one point in each quarter
    (4, [0, 1, 2, 3])
    """
    try:
        from scipy.stats import qmc
    except ImportError:
        raise InputError("virality uncertainty needs scipy: pip install 'virality[uncertainty]'") from None
    if n < 1:
        raise InputError(f"--worlds must be at least 1, got {n}")
    keys = list(ranges)
    sampler = qmc.Sobol(d=max(len(keys), 1), scramble=True, seed=np.random.default_rng([seed, 7]))
    m = int(math.log2(n))
    u = sampler.random_base2(m) if 2**m == n else sampler.random(n)  # a power of two keeps the balance
    return [{k: ranges[k].value(float(u[i, j])) for j, k in enumerate(keys)} for i in range(n)]


def run_uncertainty(config: str | Path, *, worlds: int = 64, out: str | Path | None = None,
                    overrides: list[str] | None = None, resume: bool = False, force: bool = False,
                    quiet: bool = False, scheduler: str | None = None,
                    log: Callable[[str], None] = print) -> Path:
    """Run every strategy of ``config`` in ``worlds`` worlds drawn over its ranges; write ``worlds.csv``
    and ``decision.csv`` beside the usual tables and return the results folder."""
    exp, raw = load_config(config, overrides)
    ranges = config_ranges(raw)
    if not ranges:
        raise InputError(f"{config}: no parameter is given as a range (e.g. trust = {{ uniform = [0.01, 0.05] }}): "
                         "nothing is uncertain")
    if raw.get("sweep"):
        raise InputError(f"{config}: [sweep] and ranges together are not supported: uncertainty draws its own cells")
    drawn = draw_worlds(ranges, worlds, exp.seed)
    sweep = [f'sweep."{k}"={json.dumps([w[k] for w in drawn])}' for k in ranges]
    sweep.append(f"sweep.zip=[{json.dumps(list(ranges))}]")
    folder = run_experiment(config, out=out if out is not None else Path("results") / f"{exp.name}_uncertainty",
                            overrides=[*(overrides or []), *sweep], resume=resume, force=force, quiet=quiet,
                            scheduler=scheduler, log=log)
    summary = load_summary(folder)
    write_table(folder / "worlds", {"world": list(range(worlds)), **{k: [w[k] for w in drawn] for k in ranges}})
    write_table(folder / "decision", decision_table(summary))
    return folder


def _wilson(k: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    p = k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, mid - half), min(1.0, mid + half)


def decision_table(summary: dict[str, Any], metrics: tuple[str, ...] = DECISION_METRICS) -> dict[str, list]:
    """Per metric and strategy, over the worlds (cells) of a summary: probability of being best (ties share
    the world) with its 95% Wilson interval, expected regret (how much worse than each world's best, in the
    metric's units, averaged), and the 5%, 50% and 95% quantiles of the paired difference against the
    baseline (strategy minus baseline, per world)."""
    cells = summary["cells"]
    names = list(cells[0]["strategies"])
    base = summary.get("baseline") if summary.get("baseline") in names else names[0]
    out: dict[str, list] = {k: [] for k in ("metric", "strategy", "p_best", "p_best_low", "p_best_high",
                                            "expected_regret", "vs_baseline_q05", "vs_baseline_q50",
                                            "vs_baseline_q95", "worlds")}
    for metric in metrics:
        better = METRICS[metric].better
        vals = np.array([[c["summary"][n]["metrics"].get(metric, {}).get("value", math.nan) for n in names]
                         for c in cells], dtype=float)
        ok = np.isfinite(vals).all(axis=1)
        vals = vals[ok]
        if better is None or vals.size == 0:
            continue
        best = vals.max(axis=1) if better == "higher" else vals.min(axis=1)
        winners = np.isclose(vals, best[:, None], rtol=0, atol=1e-12)
        share = (winners / winners.sum(axis=1, keepdims=True)).sum(axis=0)  # a tie splits the world
        regret = np.abs(best[:, None] - vals).mean(axis=0)
        diffs = vals - vals[:, names.index(base)][:, None]
        for j, name in enumerate(names):
            lo, hi = _wilson(share[j], vals.shape[0])
            q = np.quantile(diffs[:, j], [0.05, 0.5, 0.95])
            for key, value in (("metric", metric), ("strategy", name), ("p_best", share[j] / vals.shape[0]),
                               ("p_best_low", lo), ("p_best_high", hi), ("expected_regret", regret[j]),
                               ("vs_baseline_q05", q[0]), ("vs_baseline_q50", q[1]), ("vs_baseline_q95", q[2]),
                               ("worlds", int(vals.shape[0]))):
                out[key].append(value)
    return out


def decision_text(table: dict[str, list], baseline: str) -> str:
    """The decision table written for people, one block per metric."""
    from tabulate import tabulate

    blocks = []
    for metric in dict.fromkeys(table["metric"]):
        rows = [i for i, m in enumerate(table["metric"]) if m == metric]
        body = [[table["strategy"][i], f"{100 * table['p_best'][i]:.0f}% [{100 * table['p_best_low'][i]:.0f}, "
                 f"{100 * table['p_best_high'][i]:.0f}]", fmt(metric, table["expected_regret"][i]),
                 "(baseline)" if table["strategy"][i] == baseline else
                 f"{fmt(metric, table['vs_baseline_q05'][i])} / {fmt(metric, table['vs_baseline_q50'][i])} / "
                 f"{fmt(metric, table['vs_baseline_q95'][i])}"] for i in rows]
        worlds = table["worlds"][rows[0]]
        blocks.append(f"\n== {METRICS[metric].label} ({METRICS[metric].better} is better), over {worlds} worlds\n"
                      + tabulate(body, headers=["strategy", "P(best) [95%]", "expected regret",
                                                f"vs {baseline}: 5% / 50% / 95%"]))
    return "\n".join(blocks)
