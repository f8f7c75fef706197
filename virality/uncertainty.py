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

__all__ = ["draw_worlds", "run_uncertainty", "decision_table", "decision_text", "sobol_indices", "sensitivity_text",
           "DECISION_METRICS"]

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


def _problem(ranges: dict[str, Any]) -> dict[str, Any]:
    """SALib's problem over the unit cube: each range maps its coordinate through its own quantile function."""
    return {"num_vars": len(ranges), "names": list(ranges), "bounds": [[0.0, 1.0]] * len(ranges)}


def sensitivity_worlds(ranges: dict[str, Any], base: int, seed: int) -> list[dict[str, Any]]:
    """Saltelli's design for first- and total-order Sobol' indices (SALib): ``base x (keys + 2)`` worlds."""
    try:
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise InputError("--sensitivity needs SALib: pip install 'virality[uncertainty]'") from None
    u = sobol_sample.sample(_problem(ranges), base, calc_second_order=False, seed=seed % 2**31)
    return [{k: ranges[k].value(float(min(row[j], 1 - 1e-12))) for j, k in enumerate(ranges)} for row in u]


def sobol_indices(ranges: dict[str, Any], outputs: np.ndarray, seed: int = 0) -> dict[str, list]:
    """First- and total-order Sobol' indices of ``outputs`` (one per world of :func:`sensitivity_worlds`, in
    order), with 95% bootstrap intervals (SALib), one row per uncertain key.

    Examples
    --------
    >>> from virality.config import Range
    >>> r = {"a": Range("a", "uniform", (0.0, 1.0)), "b": Range("b", "uniform", (0.0, 1.0))}
    >>> w = sensitivity_worlds(r, 512, seed=1)
    >>> s = sobol_indices(r, np.array([x["a"] + 2 * x["b"] for x in w]), seed=1)
    >>> [round(v, 1) for v in s["S1"]]  # analytic: Var a / Var = 1/5, Var 2b / Var = 4/5
    [0.2, 0.8]
    """
    from SALib.analyze import sobol as sobol_analyze

    res = sobol_analyze.analyze(_problem(ranges), np.asarray(outputs, float), calc_second_order=False,
                                seed=seed % 2**31)
    return {"key": list(ranges), "S1": [float(x) for x in res["S1"]], "S1_conf": [float(x) for x in res["S1_conf"]],
            "ST": [float(x) for x in res["ST"]], "ST_conf": [float(x) for x in res["ST_conf"]]}


def run_uncertainty(config: str | Path, *, worlds: int = 64, sensitivity: int | None = None,
                    pair: tuple[str, str] | None = None, out: str | Path | None = None,
                    overrides: list[str] | None = None, resume: bool = False, force: bool = False,
                    quiet: bool = False, scheduler: str | None = None,
                    log: Callable[[str], None] = print) -> Path:
    """Run every strategy of ``config`` in ``worlds`` worlds drawn over its ranges; write ``worlds.csv``
    and ``decision.csv`` beside the usual tables and return the results folder.

    With ``sensitivity = B`` the worlds are instead Saltelli's design of ``B x (keys + 2)`` worlds and
    ``sensitivity.csv`` holds first- and total-order Sobol' indices of each decision metric of each
    strategy, and of the paired difference between the two strategies of ``pair`` (default: the best
    other strategy by engaged against the baseline): which unknown decides between them."""
    exp, raw = load_config(config, overrides)
    ranges = config_ranges(raw)
    if not ranges:
        raise InputError(f"{config}: no parameter is given as a range (e.g. trust = {{ uniform = [0.01, 0.05] }}): "
                         "nothing is uncertain")
    if raw.get("sweep"):
        raise InputError(f"{config}: [sweep] and ranges together are not supported: uncertainty draws its own cells")
    names = [s.name for s in exp.strategy]
    if pair is not None and any(n not in names for n in pair):
        raise InputError(f"--pair {','.join(pair)}: strategies are {', '.join(names)}")
    drawn = sensitivity_worlds(ranges, sensitivity, exp.seed) if sensitivity else draw_worlds(ranges, worlds, exp.seed)
    worlds = len(drawn)
    sweep = [f'sweep."{k}"={json.dumps([w[k] for w in drawn])}' for k in ranges]
    sweep.append(f"sweep.zip=[{json.dumps(list(ranges))}]")
    folder = run_experiment(config, out=out if out is not None else Path("results") / f"{exp.name}_uncertainty",
                            overrides=[*(overrides or []), *sweep], resume=resume, force=force, quiet=quiet,
                            scheduler=scheduler, log=log)
    summary = load_summary(folder)
    write_table(folder / "worlds", {"world": list(range(worlds)), **{k: [w[k] for w in drawn] for k in ranges}})
    write_table(folder / "decision", decision_table(summary))
    if sensitivity:
        write_table(folder / "sensitivity", _sensitivity_table(summary, ranges, pair, exp.seed))
    return folder


def _sensitivity_table(summary: dict[str, Any], ranges: dict[str, Any], pair: tuple[str, str] | None,
                       seed: int) -> dict[str, list]:
    cells = summary["cells"]
    names = list(cells[0]["strategies"])
    base = summary.get("baseline") if summary.get("baseline") in names else names[0]
    if pair is None:
        others = [n for n in names if n != base]
        mean = {n: np.mean([c["summary"][n]["metrics"]["engaged"]["value"] for c in cells]) for n in others}
        pair = (max(mean, key=mean.get), base) if others else (base, base)
    out: dict[str, list] = {k: [] for k in ("output", "metric", "key", "S1", "S1_conf", "ST", "ST_conf")}
    for metric in DECISION_METRICS:
        value = {n: np.array([c["summary"][n]["metrics"].get(metric, {}).get("value", math.nan) for c in cells])
                 for n in names}
        series = {f"{n}": value[n] for n in names}
        series[f"{pair[0]} - {pair[1]}"] = value[pair[0]] - value[pair[1]]
        for label, y in series.items():
            if not np.isfinite(y).all() or np.ptp(y) == 0:
                continue  # no variation: nothing to attribute
            idx = sobol_indices(ranges, y, seed)
            for i, key in enumerate(idx["key"]):
                for col, v in (("output", label), ("metric", metric), ("key", key), ("S1", idx["S1"][i]),
                               ("S1_conf", idx["S1_conf"][i]), ("ST", idx["ST"][i]), ("ST_conf", idx["ST_conf"][i])):
                    out[col].append(v)
    return out


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


def sensitivity_text(table: dict[str, Any]) -> str:
    """Sobol' indices written for people: per output and metric, the keys by total-order index."""
    from tabulate import tabulate

    blocks = []
    outputs = [str(x) for x in np.asarray(table["output"]).tolist()]
    metrics = [str(x) for x in np.asarray(table["metric"]).tolist()]
    for out, metric in dict.fromkeys(zip(outputs, metrics)):
        rows = [i for i in range(len(outputs)) if outputs[i] == out and metrics[i] == metric]
        rows.sort(key=lambda i: -float(table["ST"][i]))
        body = [[table["key"][i], f"{float(table['S1'][i]):.2f} ±{float(table['S1_conf'][i]):.2f}",
                 f"{float(table['ST'][i]):.2f} ±{float(table['ST_conf'][i]):.2f}"] for i in rows]
        blocks.append(f"\n== which unknown decides {METRICS[metric].label.lower()} of {out}\n"
                      + tabulate(body, headers=["parameter", "first order", "total order"]))
    return "\n".join(blocks)
