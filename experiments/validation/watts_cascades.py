"""Global cascades in the Watts (2002) threshold model on Erdos-Renyi graphs, vs the cascade window.

Model ``threshold``: a node adopts once the adopted share of its neighbours is at least phi. A node of
degree k is *vulnerable* (one adopted neighbour suffices) when ``k <= floor(1/phi)``. Watts's cascade
condition on a random graph with degree distribution p_k (mean z):

    sum_k k (k - 1) p_k rho_k > z,   rho_k = 1 for vulnerable degrees (1 <= k <= floor(1/phi)), else 0,

which for Poisson p_k reads ``z P(Poisson(z) <= floor(1/phi) - 2) > 1``: a window (z_lo, z_hi) of mean
degrees. Inside it, one random seed triggers a global cascade with the probability that it touches the
giant vulnerable cluster (the "extended vulnerable cluster", Watts 2002):

    P = 1 - sum_k p_k (1 - q)^k,   q = sum_k (k p_k / z) rho_k (1 - (1 - q)^(k - 1)),

and a global cascade then covers the share given by the fixed point of Gleeson and Cahalane (2007)
started from one seed (rho_0 = 1/n). Simulation: one run from one uniformly drawn seed per replicate,
on several graphs per z; a run is a global cascade when it reaches more than 10% of the nodes.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

import virality as vr

try:
    from . import common as C
except ImportError:
    import common as C

NAME = "watts_cascades"
GLOBAL = 0.10  # a global cascade reaches more than this share of the nodes
PHIS = (0.12, 0.18, 0.24)
SIZES = {
    "small": dict(n=2000, graphs=2, seeds=100, z=np.array([0.5, *range(1, 13), 14, 16], dtype=float)),
    "full": dict(n=10000, graphs=5, seeds=100, z=np.concatenate([[0.5], np.arange(1.0, 16.01, 0.5)])),
}


# ---------------------------------------------------------------------------------------------- theory
def poisson(z: float, kmax: int) -> np.ndarray:
    k = np.arange(kmax + 1)
    return np.exp(-z + k * math.log(z) - np.array([math.lgamma(x + 1.0) for x in k]))


def vulnerable_max(phi: float) -> int:
    """Largest vulnerable degree: the engine adopts when ceil(phi k) <= 1 adopted neighbours suffice."""
    return int(math.floor(1.0 / phi + 1e-9))


def condition(z: float, phi: float) -> float:
    """sum_k k(k-1) p_k rho_k - z (positive inside the cascade window)."""
    K = vulnerable_max(phi)
    pk = poisson(z, K)
    k = np.arange(K + 1)
    return float((k * (k - 1) * pk).sum()) - z


def window(phi: float) -> tuple[float, float]:
    zs = np.linspace(0.2, 40, 4000)
    v = np.array([condition(z, phi) for z in zs])
    idx = np.flatnonzero(np.diff(np.sign(v)) != 0)
    lo = C.bisect(lambda z: condition(z, phi), zs[idx[0]], zs[idx[0] + 1])
    hi = C.bisect(lambda z: condition(z, phi), zs[idx[-1]], zs[idx[-1] + 1])
    return lo, hi


def cascade_probability(z: float, phi: float) -> float:
    """Extended vulnerable cluster: the chance that a random seed has a neighbour in the giant
    vulnerable cluster (0 outside the window)."""
    if condition(z, phi) <= 0:
        return 0.0
    K = vulnerable_max(phi)
    kmax = int(z + 12 * math.sqrt(z) + 30)
    pk = poisson(z, kmax)
    k = np.arange(kmax + 1)
    rho = (k >= 1) & (k <= K)

    def f(q: float) -> float:
        return float((k * pk / z * rho * (1 - (1 - q) ** np.maximum(k - 1, 0))).sum()) - q

    # f > 0 just above q = 0 inside the window; start where that is not lost in rounding
    lo = 1e-6
    while f(lo) <= 0 and lo > 1e-15:
        lo /= 10
    q = C.bisect(f, lo, 1.0)
    return 1.0 - float((pk * (1 - q) ** k).sum())


def cascade_size(z: float, phi: float, n: int) -> float:
    """Gleeson and Cahalane (2007): share adopting from a seed share rho0 = 1/n (tree-like limit).

    q = rho0 + (1 - rho0) sum_k (k p_k / z) P(Bin(k - 1, q) >= need_k) is the chance that a neighbour
    reached along an edge adopts; the share is rho0 + (1 - rho0) sum_k p_k P(Bin(k, q) >= need_k), with
    need_k = max(1, ceil(phi k)) as in the engine."""
    rho0 = 1.0 / n
    kmax = int(z + 12 * math.sqrt(z) + 30)
    pk = poisson(z, kmax)
    k = np.arange(kmax + 1)
    need = np.maximum(1, np.ceil(phi * k - 1e-9)).astype(int)
    m = np.arange(kmax + 1)
    lg = np.array([math.lgamma(x + 1.0) for x in range(kmax + 2)])

    def tail(trials: np.ndarray, q: float) -> np.ndarray:
        """P(Bin(trials[k], q) >= need[k]) for every k."""
        t = trials[:, None]
        valid = (m[None, :] <= t) & (m[None, :] >= need[:, None])
        logc = lg[np.clip(t, 0, None)] - lg[np.clip(m[None, :], 0, None)] - lg[np.clip(t - m[None, :], 0, None)]
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = logc + m[None, :] * math.log(max(q, 1e-300)) + (t - m[None, :]) * math.log1p(-min(q, 1 - 1e-16))
        return np.where(valid, np.exp(np.where(valid, logp, -np.inf)), 0.0).sum(axis=1)

    edge_w = k * pk / z
    q = rho0
    for _ in range(5000):
        new = rho0 + (1 - rho0) * float((edge_w * tail(np.maximum(k - 1, 0), q) * (k >= 1)).sum())
        if abs(new - q) < 1e-12:
            q = new
            break
        q = new
    return rho0 + (1 - rho0) * float((pk * tail(k, q) * (k >= 1)).sum())


# ---------------------------------------------------------------------------------------------- simulation
def simulate_z(z: float, cfg: dict, rng: int) -> dict[float, np.ndarray]:
    """Final sizes, per phi, of one run from a random seed on each of cfg graphs x seeds."""
    n = cfg["n"]
    sizes = {phi: [] for phi in PHIS}
    gen = np.random.default_rng(rng)
    with C.numba_threads(1):
        for j in range(cfg["graphs"]):
            g = vr.generators.erdos_renyi(n, mean_degree=z, rng=int(gen.integers(2**31)))
            seeds = gen.integers(0, n, size=cfg["seeds"])
            for phi in PHIS:
                for s in seeds.tolist():
                    # deterministic given the seed: no coins are drawn
                    sizes[phi].append(vr.simulate(g, [s], model="threshold", phi=phi, runs=1, rng=0,
                                                  max_steps=n).final_sizes[0])
    return {phi: np.asarray(v) for phi, v in sizes.items()}


# ---------------------------------------------------------------------------------------------- run
def run(size: str = "small", out: Path = Path("results")) -> dict:
    started = time.perf_counter()
    C.check_size(size)
    out = Path(out)
    cfg = SIZES[size]
    n = cfg["n"]
    R = cfg["graphs"] * cfg["seeds"]
    windows = {phi: window(phi) for phi in PHIS}
    rows = []
    for i, z in enumerate(cfg["z"]):
        sims = simulate_z(float(z), cfg, rng=500 + i)
        for phi in PHIS:
            sizes = sims[phi]
            glob = sizes > GLOBAL * n
            freq = float(glob.mean())
            size_sim, size_se = C.mean_se(sizes[glob] / n) if glob.any() else (math.nan, math.nan)
            lo, hi = windows[phi]
            rows.append({
                "phi": phi, "z": float(z), "runs": R, "global_cascades": int(glob.sum()),
                "freq_sim": freq, "freq_se": C.binomial_se(freq, R),
                "freq_theory": cascade_probability(float(z), phi),
                "size_sim": size_sim, "size_se": size_se,
                "size_theory": cascade_size(float(z), phi, n) if lo < z < hi else math.nan,
                "condition": condition(float(z), phi), "window_lo": lo, "window_hi": hi,
            })
    checks = []
    for phi in PHIS:
        lo, hi = windows[phi]
        mine = [r for r in rows if r["phi"] == phi]
        # inside, away from the edges: one unit of z (or a quarter of the window) from each edge
        margin = min(1.0, 0.25 * (hi - lo))
        inside = [r for r in mine if lo + margin <= r["z"] <= hi - margin]
        outside = [r for r in mine if r["z"] <= lo - 0.4 or r["z"] >= hi + max(1.5, 0.15 * hi)]
        w = min(inside, key=lambda r: r["freq_sim"] - 3 * r["freq_se"])
        checks.append(C.check(
            f"phi={phi}: inside window ({lo:.2f}, {hi:.2f}) by >= {margin:.2g}, lowest cascade frequency of {len(inside)} z "
            f"(z={w['z']:g}); pass if freq - 3 SE > 0.05", w["freq_sim"], w["freq_theory"], 3 * w["freq_se"] + 0.05,
            passed=w["freq_sim"] - 3 * w["freq_se"] > 0.05))
        tot = sum(r["global_cascades"] for r in outside)
        runs = sum(r["runs"] for r in outside)
        checks.append(C.check(
            f"phi={phi}: outside window by >= max(1.5, 15%) (or z <= lo - 0.4), global cascades "
            f"over {len(outside)} z; pass if share <= 3/runs", tot / runs, 0.0, 3.0 / runs))
        # frequency vs the extended vulnerable cluster, in the interior
        worst = max(inside, key=lambda r: abs(r["freq_sim"] - r["freq_theory"]) / (4 * r["freq_se"] + 0.05))
        checks.append(C.check(
            f"phi={phi}: cascade frequency vs extended vulnerable cluster, worst inside z "
            f"(z={worst['z']:g}); tol 4 SE + 0.05", worst["freq_sim"], worst["freq_theory"],
            4 * worst["freq_se"] + 0.05))
    table = C.write_csv(out / f"{NAME}.csv", rows)
    figure = plot(rows, windows, out / f"{NAME}.png", size, n, cfg)
    notes = (
        "Global cascade: > 10% of n from one random seed. Checks use z at least 1 inside each edge of the "
        "window (or clearly outside it): at finite n the edges are blurred (Watts 2002, Fig. 1), in "
        "particular the upper edge, where the transition is discontinuous and cascades that need a rare "
        "vulnerable cluster of a few nodes still occur at small n."
    )
    return C.result(NAME, checks, figure, table, notes, started, size)


def plot(rows, windows, path, size, n, cfg):
    plt = C.pyplot()
    fig, axes = plt.subplots(2, 1, figsize=(12.5, 8), sharex=True, gridspec_kw={"height_ratios": [1.6, 1]})
    colors = {0.12: "tab:blue", 0.18: "tab:green", 0.24: "tab:red"}
    zz = np.linspace(0.3, 16.5, 163)
    for phi in PHIS:
        col = colors[phi]
        mine = [r for r in rows if r["phi"] == phi]
        z = np.array([r["z"] for r in mine])
        lo, hi = windows[phi]
        ax = axes[0]
        ax.plot(zz, [cascade_probability(x, phi) for x in zz], "-", color=col, lw=1.3,
                label=f"theory phi = {phi}: extended vulnerable cluster")
        ax.errorbar(z, [r["freq_sim"] for r in mine], yerr=[2 * r["freq_se"] for r in mine], fmt="o", ms=4,
                    color=col, mfc="none", capsize=2, label=f"simulated phi = {phi}")
        for edge in (lo, hi):
            ax.axvline(edge, color=col, ls="--", lw=0.9)
        ax.annotate(f"window phi={phi}\n({lo:.2f}, {hi:.2f})", xy=(hi, 0.55 - 0.12 * PHIS.index(phi)),
                    xytext=(4, 0), textcoords="offset points", color=col, fontsize=7.5, va="center")
        ax = axes[1]
        sel = ~np.isnan([r["size_theory"] for r in mine])
        if sel.any():
            zin = np.linspace(lo + 1e-3, hi - 1e-3, 24)
            ax.plot(zin, [cascade_size(x, phi, n) for x in zin], "-", color=col, lw=1.3,
                    label=f"theory phi = {phi}: Gleeson-Cahalane")
        ok = ~np.isnan([r["size_sim"] for r in mine])
        ax.errorbar(z[ok], [r["size_sim"] for r, o in zip(mine, ok) if o],
                    yerr=[2 * r["size_se"] for r, o in zip(mine, ok) if o], fmt="o", ms=4, color=col, mfc="none",
                    capsize=2, label=f"simulated phi = {phi}")
        for edge in (lo, hi):
            ax.axvline(edge, color=col, ls="--", lw=0.9)
    axes[0].set_ylabel("frequency of global cascades\n(> 10% of n, one random seed)")
    axes[0].set_ylim(-0.02, 1.02)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5)
    axes[0].set_title(f"Watts (2002) threshold model on Erdos-Renyi graphs, n = {n}: "
                      f"{cfg['graphs']} graphs x {cfg['seeds']} seeds per point; error bars 2 SE ({size} size)\n"
                      "dashed: analytic cascade window  sum k(k-1) p_k rho_k = z,  vulnerable: k <= floor(1/phi)")
    axes[1].set_ylabel("mean size of global cascades\n(share of n)")
    axes[1].set_xlabel("mean degree z")
    axes[1].set_ylim(-0.02, 1.05)
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5)
    axes[1].set_xlim(0, 16.5)
    fig.tight_layout()
    return C.save(fig, path)


if __name__ == "__main__":
    import json
    import sys

    res = run(sys.argv[1] if len(sys.argv) > 1 else "small", Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/val"))
    print(json.dumps(res, indent=1))
