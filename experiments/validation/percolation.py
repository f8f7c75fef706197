"""Independent Cascade = bond percolation (Newman 2002): outbreak size and probability vs T.

On an undirected graph (both arcs stored, each firing independently with ``p = T``) the set reached by
IC from one seed has exactly the law of the seed's cluster in bond percolation with occupation T
(Newman 2002; Kenah and Robins 2007). For a configuration model with degree distribution p_k
(generating functions G0(x) = sum p_k x^k, G1(x) = G0'(x) / G0'(1)):

* share reached by a large outbreak ``S = 1 - G0(u)``, with ``u = 1 - T + T G1(u)`` (Erdos-Renyi with
  mean degree c: ``S = 1 - exp(-c T S)``);
* probability that one random seed starts a large outbreak ``P = 1 - G0(u) = S`` (undirected);
* threshold ``T_c = <k> / (<k^2> - <k>)``;
* below T_c, mean outbreak size from a random seed ``<s> = 1 + T <k> / (1 - T G1'(1))``,
  with ``G1'(1) = (<k^2> - <k>) / <k>``.

Simulation: one IC run from each of R uniformly drawn seeds per T; a run is a large outbreak when it
reaches more than 5% of the nodes. S_sim is the mean share of the large outbreaks, P_sim their share
of runs. The theory uses the realised graph (ER: its mean degree 2m/n; CM: its degree sequence).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

import virality as vr

try:
    from . import common as C
except ImportError:  # run as a top-level module (run_all puts this folder on sys.path)
    import common as C

NAME = "percolation"
LARGE = 0.05  # a run is a large outbreak above this share of nodes
NEAR = 0.15  # points with S_theory below this (near T_c) are shown, not checked
SIZES = {
    "small": dict(n=3000, seeds=400),
    "full": dict(n=20000, seeds=2000),
}


# ---------------------------------------------------------------------------------------------- theory
def degree_pgf(degrees: np.ndarray):
    """(G0, G1, <k>, <k^2>) of the empirical degree distribution."""
    k = np.asarray(degrees, dtype=float)
    ks, counts = np.unique(k, return_counts=True)
    pk = counts / counts.sum()
    k1 = float((ks * pk).sum())
    k2 = float((ks**2 * pk).sum())

    def g0(x: float) -> float:
        return float((pk * x**ks).sum())

    def g1(x: float) -> float:
        return float((ks * pk * x ** np.maximum(ks - 1, 0)).sum() / k1)

    return g0, g1, k1, k2


def cm_theory(pgf: tuple, T: float) -> float:
    """S = P = 1 - G0(u) with u = 1 - T + T G1(u) (the smallest root in [0, 1]); pgf from degree_pgf."""
    g0, g1, k1, k2 = pgf
    if T * (k2 - k1) / k1 <= 1.0:
        return 0.0
    u = C.bisect(lambda x: 1 - T + T * g1(x) - x, 0.0, 1.0 - 1e-7)
    return 1.0 - g0(u)


def er_theory(c: float, T: float) -> float:
    """S = 1 - exp(-c T S): the positive root when c T > 1."""
    x = c * T
    if x <= 1.0:
        return 0.0
    # below (x - 1) / x^2 the right-hand side exceeds s, so the bracket excludes the root s = 0
    return C.bisect(lambda s: -math.expm1(-x * s) - s, (x - 1) / x**2, 1.0)


def mean_small(k1: float, k2: float, T: float) -> float:
    """Mean cluster size of a random node below the threshold: 1 + T <k> / (1 - T G1'(1))."""
    g1p = (k2 - k1) / k1
    return 1.0 + T * k1 / (1.0 - T * g1p) if T * g1p < 1 else math.inf


# ---------------------------------------------------------------------------------------------- simulation
def outbreaks(g: vr.Graph, T: float, seeds: np.ndarray, rng: int) -> np.ndarray:
    """Final size of one IC run (p = T) from each seed; run r draws from (rng, r)."""
    out = np.empty(seeds.size, dtype=np.int64)
    with C.numba_threads(1):
        for r, s in enumerate(seeds.tolist()):
            out[r] = vr.simulate(g, [s], model="ic", p=T, runs=1, rng=rng, run_offset=r,
                                 max_steps=g.n).final_sizes[0]
    return out


def study(label: str, g: vr.Graph, theory, k1: float, k2: float, grid: np.ndarray, R: int, rng: int):
    n = g.n
    seeds = np.random.default_rng(rng).integers(0, n, size=R)
    rows = []
    for i, T in enumerate(grid):
        sizes = outbreaks(g, float(T), seeds, rng + 1000 * (i + 1))
        large = sizes > LARGE * n
        nl = int(large.sum())
        s_sim, s_se = C.mean_se(sizes[large] / n) if nl else (math.nan, math.nan)
        p_sim = nl / R
        mean_all, mean_se = C.mean_se(sizes)
        rows.append({
            "graph": label, "T": float(T), "T_over_Tc": float(T) * (k2 - k1) / k1,
            "S_sim": s_sim, "S_se": s_se, "S_theory": theory(float(T)),
            "P_sim": p_sim, "P_se": C.binomial_se(p_sim, R), "P_theory": theory(float(T)),
            "mean_size_sim": mean_all, "mean_size_se": mean_se, "mean_size_theory": mean_small(k1, k2, float(T)),
            "runs": R, "large_runs": nl,
        })
    return rows


def grid_for(tc: float, size: str) -> np.ndarray:
    rel = [0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5] if size == "full" else [0.25, 0.5, 0.75, 1.0, 1.25]
    far = np.linspace(0.1, 0.9, 9) if size == "full" else np.array([0.4, 0.6, 0.9])
    g = np.unique(np.round(np.concatenate([np.array(rel) * tc, far]), 4))
    return g[(g > 0) & (g < 1)]


# ---------------------------------------------------------------------------------------------- checks
def checks_for(label: str, rows: list[dict], tc: float) -> list[dict]:
    out = []
    sup = [r for r in rows if r["S_theory"] >= NEAR]
    # large-outbreak share: tolerance 0.02 (at least 4 standard errors)
    worst = max(sup, key=lambda r: abs(r["S_sim"] - r["S_theory"]) / max(0.02, 4 * r["S_se"]))
    tol = max(0.02, 4 * worst["S_se"])
    out.append(C.check(f"{label}: share S of large outbreaks, worst of {len(sup)} T with S>={NEAR} "
                       f"(T={worst['T']:.3g})", worst["S_sim"], worst["S_theory"], tol))
    # outbreak probability: 4 binomial SE + 0.01 for finite size
    worst = max(sup, key=lambda r: abs(r["P_sim"] - r["P_theory"]) / (4 * r["P_se"] + 0.01))
    out.append(C.check(f"{label}: probability P of a large outbreak, worst of {len(sup)} T "
                       f"(T={worst['T']:.3g}); tol 4 SE + 0.01", worst["P_sim"], worst["P_theory"],
                       4 * worst["P_se"] + 0.01))
    # subcritical: no large outbreaks and the mean size of small ones
    sub = [r for r in rows if r["T"] <= 0.75 * tc + 1e-12]
    nl = sum(r["large_runs"] for r in sub)
    runs = sum(r["runs"] for r in sub)
    out.append(C.check(f"{label}: share of large outbreaks over {len(sub)} T <= 0.75 T_c (tol: 3/runs)",
                       nl / runs, 0.0, 3.0 / runs))
    r = max(sub, key=lambda r: r["T"])
    tol = 4 * r["mean_size_se"] + 0.03 * r["mean_size_theory"]
    out.append(C.check(f"{label}: mean outbreak size at T={r['T']:.3g} ({r['T_over_Tc']:.2f} T_c); tol 4 SE + 3%",
                       r["mean_size_sim"], r["mean_size_theory"], tol))
    return out


# ---------------------------------------------------------------------------------------------- figure
def plot(panels: list[tuple[str, list[dict], float, callable]], path: Path, size: str, n: int, R: int) -> Path:
    plt = C.pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), gridspec_kw={"height_ratios": [2.2, 1]})
    for col, (label, rows, tc, theory, k1, k2) in enumerate(panels):
        ax = axes[0, col]
        T = np.array([r["T"] for r in rows])
        tt = np.linspace(0.0, 1.0, 201)
        ax.plot(tt, [theory(x) for x in tt], "k-", lw=1.5, label="theory: S = P = 1 - G0(u)")
        near = [r for r in rows if r["S_theory"] < NEAR and r["T"] > 0.75 * tc]
        if near:
            lo = min(r["T"] for r in near)
            hi = max(r["T"] for r in near)
            ax.axvspan(lo - 0.005, hi + 0.005, color="0.85", alpha=0.6, lw=0,
                       label="near threshold: shown, not checked")
        ax.axvline(tc, color="tab:red", ls="--", lw=1, label=f"$T_c = <k>/(<k^2>-<k>)$ = {tc:.3f}")
        S = np.array([r["S_sim"] for r in rows])
        Sse = np.array([r["S_se"] for r in rows])
        P = np.array([r["P_sim"] for r in rows])
        Pse = np.array([r["P_se"] for r in rows])
        ok = ~np.isnan(S)
        ax.errorbar(T[ok], S[ok], yerr=2 * Sse[ok], fmt="o", ms=5, mfc="none", color="tab:blue", capsize=2,
                    label="simulated S: mean share of large outbreaks")
        ax.errorbar(T, P, yerr=2 * Pse, fmt="s", ms=3.5, color="tab:orange", capsize=2,
                    label="simulated P: share of runs with a large outbreak")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("transmissibility T (IC arc probability p)")
        ax.set_ylabel("share of nodes / probability")
        ax.set_title(label)
        ax.legend(loc="lower right")
        # subcritical mean outbreak size
        ax = axes[1, col]
        sub = [r for r in rows if r["T"] < tc]
        tt = np.linspace(0.0, tc * 0.97, 200)
        ax.plot(tt, [mean_small(k1, k2, x) for x in tt], "k-", lw=1.5,
                label=r"theory: $1 + T<k>/(1 - T\,G_1'(1))$")
        ax.errorbar([r["T"] for r in sub], [r["mean_size_sim"] for r in sub],
                    yerr=[2 * r["mean_size_se"] for r in sub], fmt="o", mfc="none", color="tab:blue", capsize=2,
                    label="simulated mean outbreak size")
        ax.axvline(tc, color="tab:red", ls="--", lw=1)
        ax.set_yscale("log")
        ax.set_xlim(0, 1.05 * tc)
        ax.set_xlabel("T (below threshold)")
        ax.set_ylabel("mean outbreak size (nodes)")
        ax.legend(loc="upper left")
    fig.suptitle(f"IC as bond percolation (Newman 2002): n = {n}, {R} runs per T, one random seed each; "
                 f"error bars 2 SE ({size} size)")
    fig.text(0.5, -0.01, "Near T_c finite size blurs the transition (large outbreaks are not yet separated from "
             "small ones at n nodes, and the cutoff of 5% of n biases S upward): those points are shown, not "
             "checked.", ha="center", fontsize=8)
    fig.tight_layout()
    return C.save(fig, path)


# ---------------------------------------------------------------------------------------------- run
def run(size: str = "small", out: Path = Path("results")) -> dict:
    started = time.perf_counter()
    C.check_size(size)
    out = Path(out)
    cfg = SIZES[size]
    n, R = cfg["n"], cfg["seeds"]
    # Erdos-Renyi, mean degree 4
    er = vr.generators.erdos_renyi(n, mean_degree=4.0, rng=11)
    c = er.m / er.n
    tc_er = 1.0 / c
    er_rows = study(f"Erdos-Renyi, c = {c:.3f}", er, lambda T: er_theory(c, T), c, c * c + c,
                    grid_for(tc_er, size), R, rng=101)
    # configuration model, power-law degrees (exponent 2.5, k >= 2, structural cutoff sqrt(n))
    deg = vr.generators.power_law_degrees(n, 2.5, min_degree=2, max_degree=int(math.sqrt(n)), rng=12)
    cm = vr.generators.configuration_model(deg, simple=False, rng=13)
    pgf = degree_pgf(deg)
    g0, g1, k1, k2 = pgf
    tc_cm = k1 / (k2 - k1)
    cm_label = f"configuration model, p_k ~ k^-2.5, k in [2, {int(math.sqrt(n))}], <k> = {k1:.2f}"
    cm_rows = study(cm_label, cm, lambda T: cm_theory(pgf, T), k1, k2, grid_for(tc_cm, size), R, rng=202)
    checks = checks_for("ER", er_rows, tc_er) + checks_for("CM power law", cm_rows, tc_cm)
    table = C.write_csv(out / f"{NAME}.csv", er_rows + cm_rows)
    figure = plot([(f"Erdos-Renyi, mean degree c = {c:.2f}", er_rows, tc_er, lambda T: er_theory(c, T), c, c * c + c),
                   (cm_label, cm_rows, tc_cm, lambda T: cm_theory(pgf, T), k1, k2)],
                  out / f"{NAME}.png", size, n, R)
    notes = (
        "IC with p = T on an undirected graph is bond percolation: the outbreak of one seed is its cluster. "
        "Theory from the realised degree sequence. Large outbreak: > 5% of n. Points with S_theory < 0.15 "
        "(near T_c) are shown but not checked: at finite n the transition is smeared over a window of width "
        "~ n^(-1/3) and the 5% cutoff counts big small-outbreaks as large. Below T_c on the heavy-tailed CM the "
        "simulated mean outbreak size sits 5-10% under the tree formula (within 2 SE): at finite n the hubs, which "
        "dominate <k^2>, are joined by loops and multi-edges that the formula ignores."
    )
    return C.result(NAME, checks, figure, table, notes, started, size)


if __name__ == "__main__":
    import json
    import sys

    res = run(sys.argv[1] if len(sys.argv) > 1 else "small", Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/val"))
    print(json.dumps(res, indent=1))
