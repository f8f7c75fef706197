"""Metrics: per-run metrics of campaign results, confidence intervals, paired differences.

What each metric is (label, unit, ratio of what, better direction) lives in :mod:`virality.catalog`;
cascade trees and key nodes in :mod:`virality.cascades`.

Per-run metrics come from :func:`run_table`. Aggregates (:func:`summarize`, :func:`paired`) report
means of plain metrics and *ratios of means* for rates and costs (cost per engagement = total spend /
total engagements, as a marketer computes it), with normal-approximation confidence intervals from the
linearised (delta-method) per-run contributions. Paired differences between two plans run with the
same ``rng`` use the per-run differences of those contributions: common random numbers make them far
tighter than the difference of two independent intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .campaign import CampaignResult
from .catalog import RATIOS
from .codes import RUN_METRICS

__all__ = ["run_table", "summarize", "paired", "Estimate", "time_to_peak", "time_to_half", "time_to_reach",
           "common_target"]


def time_to_peak(step_counts: np.ndarray) -> np.ndarray:
    """Per run, the step (>= 1) with the most new engagements; 0 when nothing happened after step 0
    (such runs pull a mean down: compare speeds where nearly every run engages someone)."""
    later = step_counts[:, 1:]
    peak = np.argmax(later, axis=1) + 1 if later.shape[1] else np.zeros(step_counts.shape[0], dtype=int)
    return np.where(later.sum(axis=1) > 0, peak, 0) if later.shape[1] else peak


def time_to_half(step_counts: np.ndarray) -> np.ndarray:
    """Per run, the first step by which half of the run's final engagements (after step 0) happened."""
    later = np.cumsum(step_counts[:, 1:], axis=1)
    if later.shape[1] == 0:
        return np.zeros(step_counts.shape[0], dtype=int)
    total = later[:, -1]
    half = np.argmax(later >= total[:, None] / 2.0, axis=1) + 1
    return np.where(total > 0, half, 0)


def time_to_reach(step_counts: np.ndarray, target: float, horizon: int) -> np.ndarray:
    """Per run, the first step (>= 1) by which ``target`` people had engaged after step 0; ``horizon``
    for a run that never got there (censored at the end of the simulation).

    Examples
    --------
    >>> time_to_reach(np.array([[1, 2, 5, 1], [1, 0, 1, 0]]), 6, horizon=4).tolist()
    [2.0, 4.0]
    """
    later = np.cumsum(step_counts[:, 1:], axis=1)
    if later.shape[1] == 0:
        return np.full(step_counts.shape[0], float(horizon))
    hit = later >= target
    return np.where(hit.any(axis=1), np.argmax(hit, axis=1) + 1, horizon).astype(float)


def common_target(tables: list[dict[str, np.ndarray]]) -> float:
    """The engagement count every strategy of a comparison is timed to: half the smallest mean reach over
    the strategies that engage anyone (at least 1), so that speed is measured on one scale for all."""
    means = [float(t["engaged"].mean()) for t in tables if t["engaged"].size and t["engaged"].mean() > 0]
    return max(1.0, math.ceil(0.5 * min(means))) if means else 1.0


def run_table(result: CampaignResult) -> dict[str, np.ndarray]:
    """Every per-run metric by name (float64 arrays of length ``runs``).

    The kernel's columns (:data:`virality.codes.RUN_METRICS`) plus impressions, spend, the ratio
    metrics of :data:`virality.catalog.RATIOS` per run (NaN where the denominator is 0), time to peak and
    time to half.
    """
    t = {name: result.raw[:, i].copy() for i, name in enumerate(RUN_METRICS)}
    runs = result.runs
    t["impressions"] = t["impressions_broadcast"] + t["impressions_influencer"] + t["impressions_peer"]
    t["spend"] = np.full(runs, result.spend)
    t["spend_thousand"] = t["spend"] * 1000.0
    t["population"] = np.full(runs, float(result.population))
    t["negative"] = t["engaged"] - t["positive"]
    t["time_to_peak"] = time_to_peak(result.step_counts).astype(float)
    t["time_to_half"] = time_to_half(result.step_counts).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, (num, den) in RATIOS.items():
            t[name] = np.where(t[den] > 0, t[num] / t[den], np.nan)
    return t


@dataclass(frozen=True)
class Estimate:
    """A mean (or ratio of means) with a confidence interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:.4g} [{self.low:.4g}, {self.high:.4g}]"


def _linearised(table: dict[str, np.ndarray], metric: str) -> tuple[float, np.ndarray]:
    """Estimate and per-run influence values (mean: the values; ratio of means: delta method)."""
    if metric in RATIOS:
        num, den = (table[c] for c in RATIOS[metric])
        dbar = den.mean()
        if dbar == 0:
            return math.nan, np.full(num.size, math.nan)
        r = num.mean() / dbar
        return r, r + (num - r * den) / dbar
    x = table[metric]
    return float(x.mean()), x


def _interval(value: float, infl: np.ndarray, level: float) -> Estimate:
    n = infl.size
    if n < 2 or not np.isfinite(value):
        return Estimate(value, math.nan, math.nan)
    half = NormalDist().inv_cdf(0.5 + level / 2) * float(infl.std(ddof=1)) / math.sqrt(n)
    return Estimate(value, value - half, value + half)


def summarize(table: dict[str, np.ndarray], metrics: list[str] | None = None, level: float = 0.95) -> dict[str, Estimate]:
    """Mean (ratio of means for :data:`RATIOS`) and a ``level`` confidence interval per metric.

    Examples
    --------
    >>> t = {"engaged": np.array([1.0, 3.0]), "spend": np.array([8.0, 8.0])}
    >>> float(summarize(t, ["engaged", "cost_per_engagement"])["cost_per_engagement"].value)
    4.0
    """
    names = metrics or [m for m in table if m in RATIOS or not m.startswith("spend")]
    return {m: _interval(*_linearised(table, m), level) for m in names}


def paired(a: dict[str, np.ndarray], b: dict[str, np.ndarray], metrics: list[str], level: float = 0.95) -> dict[str, Estimate]:
    """Paired difference ``a - b`` per metric, for two plans simulated with the same ``rng``."""
    out = {}
    for m in metrics:
        va, ia = _linearised(a, m)
        vb, ib = _linearised(b, m)
        out[m] = _interval(va - vb, ia - ib, level)
    return out
