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
from tabulate import tabulate

from .catalog import METRICS, fmt
from .config import config_ranges, load_config
from .errors import InputError
from .experiment import run_experiment
from .results import load_summary
from .tables import write_table

__all__ = ["draw_worlds", "run_uncertainty", "decision_table", "decision_text", "sobol_indices", "sensitivity_text",
           "morris_worlds", "morris_indices", "morris_text", "decision_keys", "paired_output", "p_best_decimals",
           "p_best_label", "DECISION_METRICS",
           "MORRIS_LEVELS", "WORLD_NODES"]

#: metrics a decision is read on (each with a better direction in the catalogue)
DECISION_METRICS = ("engaged", "cost_per_engagement", "engaged_peer", "time_to_common")
#: levels of each parameter in Morris' design
MORRIS_LEVELS = 4
#: rows of the key-node table kept per strategy and world (``outputs.nodes``) unless the config sets it
WORLD_NODES = 100


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


def _morris_design(ranges: dict[str, Any], trajectories: int, seed: int) -> np.ndarray:
    """Morris' trajectories on SALib's grid of :data:`MORRIS_LEVELS` levels in [0, 1] (one row per world)."""
    try:
        from SALib.sample import morris as morris_sample
    except ImportError:
        raise InputError("--morris needs SALib: pip install 'virality[uncertainty]'") from None
    if trajectories < 1:
        raise InputError(f"--morris must be at least 1 trajectory, got {trajectories}")
    return morris_sample.sample(_problem(ranges), trajectories, num_levels=MORRIS_LEVELS, seed=seed % 2**31)


def _morris_quantile(u: np.ndarray) -> np.ndarray:
    """SALib's grid levels 0, 1/3, 2/3, 1 -> the middle quantiles 1/8, 3/8, 5/8, 7/8 of four equal-probability
    bins: no world sits at the very ends of a range, and each level stands for a quarter of it."""
    return (np.asarray(u, float) * (MORRIS_LEVELS - 1) + 0.5) / MORRIS_LEVELS


def morris_worlds(ranges: dict[str, Any], trajectories: int, seed: int) -> list[dict[str, Any]]:
    """Morris' one-at-a-time design (SALib): ``trajectories x (keys + 1)`` worlds, each trajectory moving one
    parameter at a time by half of its range (in quantiles), over :data:`MORRIS_LEVELS` levels per parameter."""
    q = _morris_quantile(_morris_design(ranges, trajectories, seed))
    return [{k: ranges[k].value(float(row[j])) for j, k in enumerate(ranges)} for row in q]


def morris_indices(ranges: dict[str, Any], outputs: np.ndarray, seed: int = 0) -> dict[str, list]:
    """Morris screening of ``outputs`` (one per world of :func:`morris_worlds` with the same ``seed``, in order):
    per uncertain key ``mu_star``, the mean absolute elementary effect, with its 95% bootstrap interval
    half-width ``mu_star_conf``, and ``sigma``, the spread of the effects (interactions or a curved response).

    Effects are per unit of the parameter's quantile scale: ``mu_star`` is the typical change of the output
    when the parameter moves across its whole range (for a linear response, exactly that change), in the
    output's units; ``mu_star`` near zero screens a parameter out.

    Examples
    --------
    >>> from virality.config import Range
    >>> r = {"a": Range("a", "uniform", (0.0, 1.0)), "b": Range("b", "uniform", (0.0, 10.0))}
    >>> w = morris_worlds(r, 8, seed=1)
    >>> m = morris_indices(r, np.array([2 * x["a"] + 0 * x["b"] for x in w]), seed=1)
    >>> [round(v, 6) for v in m["mu_star"]]  # a moves the output by 2 across its range; b not at all
    [2.0, 0.0]
    """
    from SALib.analyze import morris as morris_analyze

    y = np.asarray(outputs, float)
    trajectories = len(y) // (len(ranges) + 1)
    grid = _morris_design(ranges, trajectories, seed)
    if grid.shape[0] != len(y):
        raise InputError(f"Morris screening: {len(y)} outputs for a design of {grid.shape[0]} worlds")
    res = morris_analyze.analyze(_problem(ranges), grid, y, num_levels=MORRIS_LEVELS, seed=seed % 2**31)
    # SALib divides each effect by its grid step (levels / (2 (levels - 1)) of [0, 1]); the worlds moved by
    # (levels - 1) / levels of that in quantiles (:func:`_morris_quantile`): rescale to effects per quantile unit
    scale = MORRIS_LEVELS / (MORRIS_LEVELS - 1)
    return {"key": list(ranges), "mu_star": [float(x) * scale for x in res["mu_star"]],
            "mu_star_conf": [float(x) * scale for x in res["mu_star_conf"]],
            "sigma": [float(x) * scale for x in res["sigma"]]}


def run_uncertainty(config: str | Path, *, worlds: int = 64, sensitivity: int | None = None,
                    morris: int | None = None, pair: tuple[str, str] | None = None, out: str | Path | None = None,
                    overrides: list[str] | None = None, resume: bool = False, force: bool = False,
                    quiet: bool = False, scheduler: str | None = None,
                    log: Callable[[str], None] = print) -> Path:
    """Run every strategy of ``config`` in ``worlds`` worlds drawn over its ranges; write ``worlds.csv``
    and ``decision.csv`` beside the usual tables and return the results folder.

    With ``sensitivity = B`` the worlds are instead Saltelli's design of ``B x (keys + 2)`` worlds and
    ``sensitivity.csv`` holds first- and total-order Sobol' indices of each decision metric of each
    strategy, and of the paired difference between the two strategies of ``pair`` (default: the best
    other strategy by engaged against the baseline): which unknown decides between them. With
    ``morris = R`` the worlds are Morris' design of ``R x (keys + 1)`` worlds (R trajectories) and
    ``morris.csv`` holds the screening measures (``mu_star``, its interval, ``sigma``) of the same outputs:
    fewer worlds than Sobol' indices need, to tell the parameters that matter from those that do not."""
    if sensitivity and morris:
        raise InputError("--sensitivity and --morris each choose the worlds: give one of them")
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
    if sensitivity:
        drawn = sensitivity_worlds(ranges, sensitivity, exp.seed)
    elif morris:
        drawn = morris_worlds(ranges, morris, exp.seed)
    else:
        drawn = draw_worlds(ranges, worlds, exp.seed)
    worlds = len(drawn)
    # the key-node table of every world is only read for the first world's report: keep its top rows, not 2,000
    # per strategy and world (the tables of all worlds are combined into one), unless the config says
    lean = [] if "nodes" in (raw.get("outputs") or {}) else [f"outputs.nodes={WORLD_NODES}"]
    sweep = [f'sweep."{k}"={json.dumps([w[k] for w in drawn])}' for k in ranges]
    sweep.append(f"sweep.zip=[{json.dumps(list(ranges))}]")
    folder = run_experiment(config, out=out if out is not None else Path("results") / f"{exp.name}_uncertainty",
                            overrides=[*lean, *(overrides or []), *sweep], resume=resume, force=force, quiet=quiet,
                            scheduler=scheduler, log=log)
    summary = load_summary(folder)
    write_table(folder / "worlds", {"world": list(range(worlds)), **{k: [w[k] for w in drawn] for k in ranges}})
    write_table(folder / "decision", decision_table(summary))
    for name, wanted in (("sensitivity", sensitivity), ("morris", morris)):
        if not wanted:
            (folder / f"{name}.csv").unlink(missing_ok=True)  # a table of an earlier design would not fit these worlds
    if sensitivity:
        write_table(folder / "sensitivity", _index_table(summary, pair, lambda y: sobol_indices(ranges, y, exp.seed)))
    if morris:
        write_table(folder / "morris", _index_table(summary, pair, lambda y: morris_indices(ranges, y, exp.seed)))
    return folder


def _default_pair(summary: dict[str, Any], pair: tuple[str, str] | None) -> tuple[str, str]:
    cells = summary["cells"]
    names = list(cells[0]["strategies"])
    base = summary.get("baseline") if summary.get("baseline") in names else names[0]
    if pair is not None:
        return pair
    others = [n for n in names if n != base]
    mean = {n: np.mean([c["summary"][n]["metrics"]["engaged"]["value"] for c in cells]) for n in others}
    return (max(mean, key=mean.get), base) if others else (base, base)


def _index_table(summary: dict[str, Any], pair: tuple[str, str] | None,
                 analyze: Callable[[np.ndarray], dict[str, list]]) -> dict[str, list]:
    """``analyze`` (one output per world -> one row per key) of each decision metric of each strategy and of the
    paired difference of ``pair``, as one table: ``output``, ``metric``, ``key`` and the analysis' columns."""
    cells = summary["cells"]
    names = list(cells[0]["strategies"])
    pair = _default_pair(summary, pair)
    out: dict[str, list] = {k: [] for k in ("output", "metric", "key")}
    for metric in DECISION_METRICS:
        value = {n: np.array([c["summary"][n]["metrics"].get(metric, {}).get("value", math.nan) for c in cells])
                 for n in names}
        series = {f"{n}": value[n] for n in names}
        series[f"{pair[0]} - {pair[1]}"] = value[pair[0]] - value[pair[1]]
        for label, y in series.items():
            if not np.isfinite(y).all() or np.ptp(y) == 0:
                continue  # no variation: nothing to attribute
            idx = analyze(y)
            for i, key in enumerate(idx["key"]):
                out["output"].append(label)
                out["metric"].append(metric)
                out["key"].append(key)
                for col, values in idx.items():
                    if col != "key":
                        out.setdefault(col, []).append(values[i])
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


def p_best_decimals(shares: list[float]) -> int:
    """Decimals for one metric's P(best) percentages: none, unless rounding would print a share that is not
    the top one exactly like the top one (then as many as tell them apart, at most 3).

    Examples
    --------
    >>> p_best_decimals([0.5, 0.25, 0.25]), p_best_decimals([0.172, 0.168, 0.1])
    (0, 1)
    """
    top = max(shares)
    for d in range(3):
        tops = {f"{100 * p:.{d}f}" for p in shares if p == top}
        if not any(f"{100 * p:.{d}f}" in tops for p in shares if p != top):
            return d
    return 3


def p_best_label(p: float, low: float, high: float, decimals: int = 0) -> str:
    """``"17% [8, 34]"``: a P(best) and its interval, as every table and figure prints them."""
    return f"{100 * p:.{decimals}f}% [{100 * low:.0f}, {100 * high:.0f}]"


def decision_text(table: dict[str, list], baseline: str) -> str:
    """The decision table written for people, one block per metric."""
    blocks = []
    for metric in dict.fromkeys(table["metric"]):
        rows = [i for i, m in enumerate(table["metric"]) if m == metric]
        d = p_best_decimals([float(table["p_best"][i]) for i in rows])
        body = [[table["strategy"][i], p_best_label(table["p_best"][i], table["p_best_low"][i], table["p_best_high"][i], d),
                 fmt(metric, table["expected_regret"][i]),
                 "(baseline)" if table["strategy"][i] == baseline else
                 f"{fmt(metric, table['vs_baseline_q05'][i])} / {fmt(metric, table['vs_baseline_q50'][i])} / "
                 f"{fmt(metric, table['vs_baseline_q95'][i])}"] for i in rows]
        worlds = table["worlds"][rows[0]]
        blocks.append(f"\n== {METRICS[metric].label} ({METRICS[metric].better} is better), over {worlds} worlds\n"
                      + tabulate(body, headers=["strategy", "P(best) [95%]", "expected regret",
                                                f"vs {baseline}: 5% / 50% / 95%"]))
    return "\n".join(blocks)


def _by_output(table: dict[str, Any], rank: str, row: Callable[[int, str], list[str]], title: Callable[[str, str], str],
               headers: list[str]) -> str:
    """A screening table written for people: one block per output and metric, keys by ``rank`` (largest first)."""
    blocks = []
    outputs = [str(x) for x in np.asarray(table["output"]).tolist()]
    metrics = [str(x) for x in np.asarray(table["metric"]).tolist()]
    for out, metric in dict.fromkeys(zip(outputs, metrics)):
        rows = [i for i in range(len(outputs)) if outputs[i] == out and metrics[i] == metric]
        rows.sort(key=lambda i: -float(table[rank][i]))
        blocks.append(f"\n== {title(out, metric)}\n"
                      + tabulate([row(i, metric) for i in rows], headers=headers, disable_numparse=True))
    return "\n".join(blocks)


def sensitivity_text(table: dict[str, Any]) -> str:
    """Sobol' indices written for people: per output and metric, the keys by total-order index."""
    return _by_output(
        table, "ST",
        lambda i, m: [table["key"][i], f"{float(table['S1'][i]):.2f} ±{float(table['S1_conf'][i]):.2f}",
                      f"{float(table['ST'][i]):.2f} ±{float(table['ST_conf'][i]):.2f}"],
        lambda out, m: f"which unknown decides {METRICS[m].label.lower()} of {out}",
        ["parameter", "first order", "total order"])


def morris_text(table: dict[str, Any]) -> str:
    """Morris screening written for people: per output and metric, the keys by ``mu_star``."""
    return _by_output(
        table, "mu_star",
        lambda i, m: [table["key"][i], f"{fmt(m, float(table['mu_star'][i]))} ±{fmt(m, float(table['mu_star_conf'][i]))}",
                      fmt(m, float(table["sigma"][i]))],
        lambda out, m: (f"which unknown moves {METRICS[m].label.lower()} of {out} (Morris: mean absolute effect of "
                        f"moving the parameter across its range)"),
        ["parameter", "mu* ±95%", "sigma"])


def paired_output(table: dict[str, Any], strategies: list[str]) -> str | None:
    """The paired-difference output (``"A - B"``) of a ``sensitivity.csv`` or ``morris.csv`` table: the one
    output that is not a strategy's name."""
    outputs = [str(x) for x in np.asarray(table.get("output", [])).tolist()]
    return next((o for o in dict.fromkeys(outputs) if o not in strategies), None)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (for Spearman's correlation)."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    _, inverse = np.unique(x, return_inverse=True)
    return (np.bincount(inverse, ranks) / np.bincount(inverse))[inverse]


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    a, b = _ranks(x), _ranks(y)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _ordinal(values: list[Any]) -> np.ndarray:
    """World values of one key as numbers (a choice of strings by its order of first appearance)."""
    try:
        return np.array([float(v) for v in values])
    except (TypeError, ValueError):
        order = {json.dumps(v, sort_keys=True, default=str): i
                 for i, v in enumerate(dict.fromkeys(json.dumps(v, sort_keys=True, default=str) for v in values))}
        return np.array([order[json.dumps(v, sort_keys=True, default=str)] for v in values], float)


def _count(keys: list[str]) -> str:
    return "parameter" if len(keys) == 1 else "two parameters" if len(keys) == 2 else f"{len(keys)} parameters"


def decision_keys(summary: dict[str, Any], metric: str = "engaged", *, sensitivity: dict[str, Any] | None = None,
                  morris: dict[str, Any] | None = None, n: int = 2) -> dict[str, Any]:
    """The ``n`` uncertain parameters that most decide between the leading strategies on ``metric``, and why.

    With a ``sensitivity`` table (``sensitivity.csv``), by the total-order Sobol' index of its paired difference;
    else with a ``morris`` table, by Morris' ``mu_star`` of its paired difference; else by the absolute rank
    (Spearman) correlation, over the worlds, of each parameter with the paired difference of the two strategies
    most often best on ``metric`` (the engaged margin between the contenders, for ``engaged``).

    Returns
    -------
    dict
        ``keys`` (the ``n`` most influential, in the config's order), ``scores`` (their index, ``mu_star`` or signed correlation), ``by``
        (``"sobol"``, ``"morris"`` or ``"spearman"``), ``output`` (the paired difference, ``"A - B"``),
        ``others`` (the further uncertain keys) and ``note`` (one sentence: which parameters and why).
    """
    cells = summary["cells"]
    names = list(cells[0]["strategies"])
    keys = list(cells[0].get("overrides") or {})
    what = METRICS[metric].label.split(":")[0].lower() if metric in METRICS else metric
    for by, table, col in (("sobol", sensitivity, "ST"), ("morris", morris, "mu_star")):
        if not table or col not in table:
            continue
        output = paired_output(table, names)
        rows = [i for i, (o, m) in enumerate(zip(np.asarray(table["output"]).tolist(),
                                                 np.asarray(table["metric"]).tolist()))
                if str(o) == output and str(m) == metric]
        if output is None or not rows:
            continue
        score = {str(table["key"][i]): float(table[col][i]) for i in rows}
        ranked = sorted((k for k in keys if k in score), key=lambda k: -score[k])[:n]
        if not ranked:
            continue
        ranked.sort(key=keys.index)  # the config's order: every map of a run puts the same key on x
        how = ("total-order Sobol' index" if by == "sobol" else "Morris mu* (mean absolute effect)")
        shown = ", ".join(f"{k} {fmt(metric, score[k]) if by == 'morris' else f'{score[k]:.2f}'}" for k in ranked)
        return {"keys": ranked, "scores": [score[k] for k in ranked], "by": by, "output": output,
                "others": [k for k in keys if k not in ranked],
                "note": f"Axes: the {_count(ranked)} with the largest {how} of {output.replace(' - ', ' − ')} "
                        f"on {what} ({shown}; {'sensitivity' if by == 'sobol' else 'morris'}.csv)."}
    table = decision_table(summary, (metric,))
    if not table["strategy"]:
        return {"keys": keys[:n], "scores": [math.nan] * len(keys[:n]), "by": "none", "output": None,
                "others": keys[n:], "note": f"Axes: the first {min(n, len(keys))} uncertain parameter(s)."}
    p = dict(zip(table["strategy"], table["p_best"]))
    lead = sorted(names, key=lambda s: -p.get(s, 0.0))[:2]  # stable: config order breaks ties
    a, b = (lead + lead)[:2]
    value = {s: np.array([(c["summary"][s]["metrics"].get(metric) or {}).get("value", math.nan) for c in cells],
                         float) for s in (a, b)}
    diff = value[a] - value[b]
    ok = np.isfinite(diff)
    score = {k: _spearman(_ordinal([(c.get("overrides") or {}).get(k) for c in cells])[ok], diff[ok]) for k in keys}
    ranked = sorted(sorted(keys, key=lambda k: -abs(score[k]))[:n], key=keys.index)
    shown = ", ".join(f"{k} ρ = {score[k]:+.2f}" for k in ranked)
    return {"keys": ranked, "scores": [score[k] for k in ranked], "by": "spearman", "output": f"{a} - {b}",
            "others": [k for k in keys if k not in ranked],
            "note": f"Axes: the {_count(ranked)} whose values correlate most (Spearman, over the "
                    f"{int(ok.sum())} worlds) with {a} − {b} on {what}, the two strategies most often best ({shown})."}
