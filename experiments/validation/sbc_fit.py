"""Simulation-based calibration of ``virality fit`` (Talts et al. 2018), and IC EM recovery (Saito et al. 2008).

``virality fit`` (:mod:`virality.calibrate`) fits a config's ranges to a pilot's new engagements per step by
ABC-SMC. If its posterior is right, then for parameters drawn from the prior and a pilot simulated at them,
the rank of the true value among ``L`` posterior draws is uniform on ``0..L`` and a 95% interval holds the
truth 95% of the time. ABC with a tolerance above zero gives a posterior a little wider than the exact one
(it conditions on "a simulated pilot within the tolerance", not on the pilot itself), so coverage at or a
little above 95% and ranks a little heaped in the middle are the expected deviation; coverage below 90% or
ranks heaped at the ends (a posterior too narrow or shifted) would be a fault.

The pilot: a two-parameter synthetic config (``influencers.trust`` uniform on [0.1, 0.5], the peer
probability ``graph.p`` uniform on [0.03, 0.3]; share rate 0.5) on a 300-person follower graph with 5
communities, one micro influencer per community, new engagements per step over 12 steps. Checks:

* SBC over 50 parameter draws from the prior (8 at the small size): coverage of the 95% intervals (both keys pooled) in
  [0.90, 0.99] (the small size widens this by 2 binomial SE), and each key's ranks (L = 100 posterior
  draws, in 10 bins; 30 draws in 4 bins at the small size) uniform by a chi-square test (p >= 0.01);
* the issue's bar: at a fixed truth (trust 0.3, p 0.15), over 20 independent pilots (8 at the small size),
  each key's 95% interval holds the truth at least 18 times of 20 (6 of 8);
* IC EM: one probability per source community (truth 0.04, 0.08, 0.12, 0.16), fitted from 100 IC cascades on
  a 2,000-person social graph by :func:`virality.fitting.fit_ic`, each within 3 standard errors.

The fits call :func:`virality.calibrate.fit` and :meth:`Posterior.resample` as ``virality fit`` does, with the
graph built once and a seed per data set (the config's seed also fixes the graph, so the command's ``--seed``
is not used here).
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import numpy as np

import virality as vr
from virality.calibrate import INTERVAL, Observed, PilotSimulator, fit, pilot_simulator, weighted_quantile
from virality.fitting import fit_ic

try:
    from . import common as C
except ImportError:
    import common as C

NAME = "sbc_fit"
TRUTH = {"influencers.trust": 0.3, "graph.p": 0.15}
SIZES = {
    "small": dict(datasets=8, repeats=8, particles=30, generations=3, bins=4, need=6),
    "full": dict(datasets=50, repeats=20, particles=100, generations=6, bins=10, need=18),
}
CONFIG = """
name = "sbc_pilot"
seed = 11
runs = 50
max_steps = 12

[graph]
generator = "social_graph"
n = 300
communities = 5
mean_degree = 8
p = { uniform = [0.03, 0.3] }

[audience]
share_rate = 0.5

[influencers]
trust = { uniform = [0.1, 0.5] }
lead_time = 1

[[strategy]]
name = "micro pilot"
budget = 20
influencers = { select = "one_per_community", tier = "micro" }
"""
EM_TRUTH = np.array([0.04, 0.08, 0.12, 0.16])


def _fit_one(base: PilotSimulator, truth: dict, data_seed: list[int], fit_seed: int, cfg: dict) -> list[dict]:
    """Simulate a pilot at ``truth``, fit it; one row per key: truth, median, interval, rank among L draws."""
    counts = base(truth, np.random.SeedSequence(data_seed))
    sim = PilotSimulator(base.raw, base.ranges, 0, Observed(base.observed.steps, counts))
    post = fit(sim, particles=cfg["particles"], generations=cfg["generations"], seed=fit_seed)
    draws = post.resample(cfg["particles"], np.random.SeedSequence([fit_seed, 33]))
    rows = []
    for j, key in enumerate(sim.keys):
        r = sim.ranges[key]
        lo, mid, hi = (r.value(float(q)) for q in weighted_quantile(post.u[:, j], post.weights,
                                                                    [(1 - INTERVAL) / 2, 0.5, (1 + INTERVAL) / 2]))
        values = np.array([r.value(float(x)) for x in draws[:, j]])
        rows.append({"key": key, "truth": truth[key], "median": mid, "low": lo, "high": hi,
                     "covered": int(lo <= truth[key] <= hi), "rank": int((values < truth[key]).sum()),
                     "draws": len(values), "engaged": int(counts.sum()), "generations": len(post.tolerances),
                     "simulations": int(sum(post.simulations))})
    return rows


def _chi2_uniform(ranks: np.ndarray, draws: int, bins: int) -> float:
    """p-value of a chi-square test that ranks in 0..draws are uniform, in ``bins`` equal bins."""
    from scipy.stats import chisquare

    counts = np.bincount(np.minimum(ranks * bins // (draws + 1), bins - 1), minlength=bins)
    return float(chisquare(counts).pvalue)


def _em_check(size: str) -> tuple[list[dict], dict]:
    g = vr.generators.social_graph(2000, communities=4, mean_degree=8, rng=21)
    src, _ = g.arcs()
    groups = g.community[src].astype(np.int64)
    res = vr.simulate(g, np.arange(0, 2000, 40), p=EM_TRUTH[groups], runs=100 if size == "full" else 60, rng=22,
                      record=True)
    est = fit_ic(g, res.times, groups=groups)
    z = (est.p - EM_TRUTH) / est.se
    worst = int(np.argmax(np.abs(z)))
    checks = [C.check(f"IC EM (Saito et al. 2008): 4 source-community probabilities from {res.runs} cascades, "
                      f"worst |estimate - truth| / SE (group {worst}; p = {est.p[worst]:.4f} +- {est.se[worst]:.4f})",
                      float(abs(z[worst])), 0.0, 3.0)]
    return checks, {"p": est.p.tolist(), "se": est.se.tolist(), "truth": EM_TRUTH.tolist()}


def run(size: str = "small", out: Path = Path("results")) -> dict:
    C.check_size(size)
    started = time.perf_counter()
    cfg = SIZES[size]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sbc_pilot.toml"
        path.write_text(CONFIG)
        _, _, base = pilot_simulator(path)
    rows = []
    prior = np.random.default_rng([2018, 1])
    for i in range(cfg["datasets"]):  # SBC: truth from the prior
        truth = {k: base.ranges[k].value(float(u)) for k, u in zip(base.keys, prior.random(len(base.keys)))}
        rows += [{"kind": "sbc", "index": i, **r} for r in _fit_one(base, truth, [2018, 2, i], 1000 + i, cfg)]
        print(f"[sbc_fit] SBC data set {i + 1} of {cfg['datasets']} fitted", flush=True)
    for i in range(cfg["repeats"]):  # the bar: a fixed truth, independent pilots
        rows += [{"kind": "repeat", "index": i, **r} for r in _fit_one(base, TRUTH, [2018, 3, i], 5000 + i, cfg)]
        print(f"[sbc_fit] repeated pilot {i + 1} of {cfg['repeats']} fitted", flush=True)
    table = C.write_csv(out / f"{NAME}.csv", rows)

    checks = []
    sbc = [r for r in rows if r["kind"] == "sbc"]
    cover = float(np.mean([r["covered"] for r in sbc]))
    se = math.sqrt(INTERVAL * (1 - INTERVAL) / len(sbc))
    slack = 2 * se if size == "small" else 0.0
    checks.append(C.check(f"SBC: share of {len(sbc)} 95% intervals ({cfg['datasets']} prior draws x 2 keys) holding "
                          f"the truth, in [0.90, 0.99]" + (f" widened by 2 SE ({slack:.3f})" if slack else ""),
                          cover, 0.945, 0.045 + slack))
    pvals = {}
    for key in base.keys:
        ranks = np.array([r["rank"] for r in sbc if r["key"] == key])
        pvals[key] = _chi2_uniform(ranks, cfg["particles"], cfg["bins"])
        checks.append(C.check(f"SBC: {key} ranks among {cfg['particles']} posterior draws uniform "
                              f"({cfg['bins']} bins, chi-square p-value >= 0.01)", pvals[key], 1.0, 0.99,
                              passed=pvals[key] >= 0.01))
    rep = [r for r in rows if r["kind"] == "repeat"]
    for key in base.keys:
        hits = sum(r["covered"] for r in rep if r["key"] == key)
        checks.append(C.check(f"fixed truth {key} = {TRUTH[key]}: 95% interval holds it in >= {cfg['need']} of "
                              f"{cfg['repeats']} independent pilots", hits, cfg["repeats"], cfg["repeats"] - cfg["need"],
                              passed=hits >= cfg["need"]))
    em_checks, em = _em_check(size)
    checks += em_checks

    plt = C.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, key in zip(axes[:2], base.keys):
        ranks = np.array([r["rank"] for r in sbc if r["key"] == key])
        counts = np.bincount(np.minimum(ranks * cfg["bins"] // (cfg["particles"] + 1), cfg["bins"] - 1),
                             minlength=cfg["bins"])
        expect = len(ranks) / cfg["bins"]
        band = 2.576 * math.sqrt(expect * (1 - 1 / cfg["bins"]))
        ax.bar(np.arange(cfg["bins"]), counts, color="#4c72b0", alpha=0.8)
        ax.axhspan(expect - band, expect + band, color="grey", alpha=0.2, label="uniform, 99% band")
        ax.axhline(expect, color="grey")
        ax.set_title(f"SBC ranks: {key} (chi2 p = {pvals[key]:.2f})")
        ax.set_xlabel(f"rank bin (of {cfg['particles']} posterior draws)")
        ax.set_ylabel("data sets")
        ax.legend(loc="lower center")
    ax = axes[2]
    for j, key in enumerate(base.keys):
        sel = [r for r in rep if r["key"] == key]
        span = base.ranges[key].params
        x = np.arange(len(sel)) + 0.15 * j
        lo = [(r["low"] - span[0]) / (span[1] - span[0]) for r in sel]
        hi = [(r["high"] - span[0]) / (span[1] - span[0]) for r in sel]
        ax.vlines(x, lo, hi, color=f"C{j}", lw=2, label=f"{key} 95% interval")
        ax.axhline((TRUTH[key] - span[0]) / (span[1] - span[0]), color=f"C{j}", ls="--")
    ax.set_title("fixed truth (dashed): intervals of independent pilots")
    ax.set_xlabel("pilot")
    ax.set_ylabel("position in the prior range")
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    figure = out / f"{NAME}.png"
    fig.savefig(figure)
    plt.close(fig)
    sims = int(np.mean([r["simulations"] for r in rows if r["key"] == base.keys[0]]))
    notes = (f"{cfg['datasets']} SBC data sets and {cfg['repeats']} repeated pilots, ABC-SMC with "
             f"{cfg['particles']} particles and at most {cfg['generations']} generations ({sims:,} pilot simulations "
             f"per fit on average). SBC coverage {cover:.3f}; rank chi-square p-values "
             + ", ".join(f"{k} {p:.3f}" for k, p in pvals.items())
             + f". IC EM estimates {np.round(em['p'], 4).tolist()} +- {np.round(em['se'], 4).tolist()} "
             f"(truth {em['truth']}).")
    return C.result(NAME, checks, figure, table, notes, started, size)


if __name__ == "__main__":  # pragma: no cover
    import json
    import sys

    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "small", Path(sys.argv[2]) if len(sys.argv) > 2
                         else Path("/tmp/sbc_fit")), indent=1))
