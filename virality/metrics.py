"""Metrics: pure functions over campaign results, confidence intervals, paired differences.

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
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .campaign import CampaignResult

__all__ = [
    "RATIOS", "run_table", "summarize", "paired", "Estimate", "time_to_peak", "time_to_half",
    "community_table", "key_nodes", "structural_virality", "cascade_forest", "breadth_per_generation",
]

#: metric -> (numerator column, denominator column): aggregated as a ratio of means
RATIOS: dict[str, tuple[str, str]] = {
    "engagement_rate": ("engaged", "unique_exposed"),
    "reach_share": ("engaged", "population"),
    "contextual_alignment": ("aligned_impressions", "impressions"),
    "grassroots_share": ("engaged_peer", "engaged"),
    "broadcast_share": ("engaged_broadcast", "engaged"),
    "influencer_share": ("engaged_influencer", "engaged"),
    "positive_share": ("positive", "engaged"),
    "conversion_rate": ("conversions", "engaged"),
    "cost_per_engagement": ("spend", "engaged"),
    "cost_per_conversion": ("spend", "conversions"),
    "cost_per_thousand_reached": ("spend_thousand", "unique_exposed"),
}


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


def run_table(result: CampaignResult) -> dict[str, np.ndarray]:
    """Every per-run metric by name (float64 arrays of length ``runs``).

    The kernel's columns (:data:`virality.campaign.RUN_METRICS`) plus impressions, spend, the ratio
    metrics of :data:`RATIOS` per run (NaN where the denominator is 0), time to peak and time to half.
    """
    from .campaign import RUN_METRICS

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
    >>> summarize(t, ["engaged", "cost_per_engagement"])["cost_per_engagement"].value
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


def community_table(result: CampaignResult, sizes: np.ndarray) -> dict[str, np.ndarray]:
    """Per community (mean over runs): penetration (engaged share), exposed share, positive share."""
    engaged = result.community[:, :, 0].mean(axis=0)
    positive = result.community[:, :, 1].mean(axis=0)
    exposed = result.community[:, :, 2].mean(axis=0)
    sizes = np.maximum(sizes.astype(float), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sentiment = np.where(engaged > 0, positive / engaged, np.nan)
    return {
        "community": np.arange(engaged.size),
        "size": sizes,
        "engaged": engaged,
        "penetration": engaged / sizes,
        "exposed_share": exposed / sizes,
        "positive_share": sentiment,
    }


def key_nodes(result: CampaignResult, followers: np.ndarray) -> dict[str, np.ndarray]:
    """Key-node statistics per node, averaged over runs: who accelerates the spread.

    ``engage_probability``; ``direct`` (engagements caused directly); ``ripple`` (mean downstream
    cascade size); ``bridging`` (engagements caused in other communities); ``early`` (share of runs
    in which the node was among the first engaged); and ``followers`` for comparison.
    """
    s = result.node_stats.astype(float) / result.runs
    return {
        "node": np.arange(s.shape[0]),
        "followers": followers.astype(float),
        "engage_probability": s[:, 0],
        "direct": s[:, 1],
        "ripple": s[:, 2],
        "bridging": s[:, 3],
        "early": s[:, 4],
    }


def _by_step(times: np.ndarray) -> list[np.ndarray]:
    """Adopted nodes grouped by adoption step, in step order (parents come before children)."""
    nodes = np.flatnonzero(times >= 0)
    order = nodes[np.argsort(times[nodes], kind="stable")]
    cuts = np.flatnonzero(np.diff(times[order])) + 1
    return np.split(order, cuts) if order.size else []


def cascade_forest(parents: np.ndarray, times: np.ndarray, channels: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Trees of one run's record: per node its tree root, generation and subtree size.

    ``parents`` holds a node id or a negative code (a root: seed, broadcast); ``times`` the adoption
    step (-1: not adopted). With a campaign's ``channels``, hired posters (channel 1) are left out and
    each follower engaged by a post roots its own tree, as the campaign kernel counts them.
    Vectorised per step, so the cost is linear in adopters.
    """
    if channels is not None:
        poster = channels == 1
        times = np.where(poster, -1, times)
        parents = np.where((parents >= 0) & poster[np.maximum(parents, 0)], -4, parents)
    n = parents.size
    root = np.full(n, -1, dtype=np.int64)
    gen = np.full(n, -1, dtype=np.int64)
    sub = np.zeros(n, dtype=np.int64)
    steps = _by_step(times)
    for nodes in steps:
        par = parents[nodes]
        top = par < 0
        root[nodes[top]] = nodes[top]
        gen[nodes[top]] = 0
        root[nodes[~top]] = root[par[~top]]
        gen[nodes[~top]] = gen[par[~top]] + 1
    sub[times >= 0] = 1
    for nodes in reversed(steps):
        child = nodes[parents[nodes] >= 0]
        np.add.at(sub, parents[child], sub[child])
    return {"root": root, "generation": gen, "subtree": sub, "parents": parents, "times": times}


def breadth_per_generation(parents: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Adopters per generation (0: roots) over all trees of a run; its length - 1 is the depth."""
    gen = cascade_forest(parents, times)["generation"]
    return np.bincount(gen[gen >= 0]) if (gen >= 0).any() else np.zeros(0, dtype=np.int64)


def structural_virality(parents: np.ndarray, times: np.ndarray, channels: np.ndarray | None = None) -> float:
    """Structural virality of a run's diffusion trees (Goel, Anderson, Hofman and Watts 2016).

    For one tree, the mean shortest-path distance over all pairs of its nodes, in linear time:
    ``sum over edges of s (N - s) / C(N, 2)`` with ``s`` the subtree size below the edge. For several
    trees (several seeds, broadcast hits), the size-weighted mean over trees of two or more nodes, as
    the campaign kernel reports it (pass a campaign record's ``channels`` so that hired posters are
    treated as the kernel treats them). A run without such a tree has virality 0.

    Examples
    --------
    >>> structural_virality(np.array([-2, 0, 0, 0]), np.array([0, 1, 1, 1]))  # a star of 4 nodes
    1.5
    """
    f = cascade_forest(parents, times, channels)
    parents, times = f["parents"], f["times"]
    adopted = np.flatnonzero(times >= 0)
    if adopted.size < 2:
        return 0.0
    root, sub = f["root"][adopted], f["subtree"]
    size = sub[root]
    edge = parents[adopted] >= 0
    wiener = np.bincount(root[edge], weights=(sub[adopted] * (size - sub[adopted]))[edge], minlength=parents.size)
    roots = adopted[parents[adopted] < 0]
    big = roots[sub[roots] >= 2]
    if big.size == 0:
        return 0.0
    sv = 2.0 * wiener[big] / (sub[big] * (sub[big] - 1.0))
    return float(np.sum(sv * sub[big]) / np.sum(sub[big]))
