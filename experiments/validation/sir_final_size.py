"""Discrete SIR on a well-mixed population vs the final-size relation z = 1 - exp(-R0 z).

Model ``sir``: an adopter shares on each of D steps after adopting, D ~ Geometric(gamma) on {1, 2, ...}
(P(D = d) = gamma (1 - gamma)^(d - 1)), and on each of them every out-arc to a non-adopter fires with
probability beta. The chance that an infective ever transmits along a given arc (its transmissibility) is

    T = 1 - sum_d P(D = d) (1 - beta)^d = 1 - gamma (1 - beta) / (1 - (1 - gamma)(1 - beta))
      = beta / (1 - (1 - beta)(1 - gamma)),

so on the complete graph of N nodes one infective causes R0 = (N - 1) T infections on average in a
susceptible population. For a given R0 we set T = R0 / (N - 1) and beta = T gamma / (1 - T (1 - gamma)).

* Large outbreaks infect a share z with z = 1 - exp(-R0 z) (Kermack-McKendrick; the relation holds for
  any infectious-period law: a susceptible escapes everyone with probability (1 - beta)^(sum of the
  infectives' D) ~ exp(-N z E[D] beta) = exp(-R0 z) to first order in 1/N).
* The probability of a large outbreak is 1 - q, q the extinction probability of the branching process
  whose offspring given D is Binomial(N - 1, 1 - (1 - beta)^D). With gamma < 1 the offspring law is
  overdispersed, so 1 - q < z (it equals z only for gamma = 1, i.e. Independent Cascade).
* Below R0 = 1 the mean outbreak size is 1 / (1 - R0).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

import virality as vr

try:
    from . import common as C
    from .bass import complete_graph
except ImportError:
    import common as C
    from bass import complete_graph

NAME = "sir_final_size"
GAMMA = 0.5
LARGE = 0.10  # a run is a large outbreak above this share of N
R0S = (0.5, 0.8, 1.2, 1.5, 2.0, 2.5, 3.0)
SIZES = {
    "small": dict(N=800, runs=200),
    "full": dict(N=2000, runs=1000),
}


def beta_for(R0: float, N: int, gamma: float = GAMMA) -> tuple[float, float]:
    T = R0 / (N - 1)
    return T * gamma / (1 - T * (1 - gamma)), T


def final_size(R0: float) -> float:
    if R0 <= 1:
        return 0.0
    # below (R0 - 1) / R0^2 the right-hand side exceeds z, so the bracket excludes the root z = 0
    return C.bisect(lambda z: -math.expm1(-R0 * z) - z, (R0 - 1) / R0**2, 1.0)


def major_probability(R0: float, N: int, gamma: float = GAMMA) -> float:
    """1 - q, q = sum_d P(D = d) (1 - (1 - (1 - beta)^d)(1 - q))^(N - 1): the smallest root in [0, 1]."""
    beta, _ = beta_for(R0, N, gamma)
    d = np.arange(1, 400)
    pd = gamma * (1 - gamma) ** (d - 1)
    fire = 1 - (1 - beta) ** d

    def f(q: float) -> float:
        return float((pd * (1 - fire * (1 - q)) ** (N - 1)).sum()) - q

    if R0 <= 1 or f(1 - 1e-7) >= 0:  # subcritical: extinction is certain
        return 0.0
    return 1.0 - C.bisect(f, 0.0, 1.0 - 1e-7)


def run(size: str = "small", out: Path = Path("results")) -> dict:
    started = time.perf_counter()
    C.check_size(size)
    out = Path(out)
    cfg = SIZES[size]
    N, R = cfg["N"], cfg["runs"]
    g = complete_graph(N)
    rows = []
    for i, R0 in enumerate(R0S):
        beta, T = beta_for(R0, N)
        res = vr.simulate(g, [0], model="sir", beta=beta, gamma=GAMMA, runs=R, rng=61 + i, max_steps=2000)
        sizes = res.final_sizes
        large = sizes > LARGE * N
        z_sim, z_se = C.mean_se(sizes[large] / N) if large.any() else (math.nan, math.nan)
        p_sim = float(large.mean())
        m_all, m_se = C.mean_se(sizes)
        rows.append({
            "R0": R0, "N": N, "gamma": GAMMA, "beta": beta, "T": T, "runs": R,
            "z_sim": z_sim, "z_se": z_se, "z_theory": final_size(R0),
            "P_major_sim": p_sim, "P_major_se": C.binomial_se(p_sim, R), "P_major_theory": major_probability(R0, N),
            "P_major_if_poisson": final_size(R0),
            "mean_size_sim": m_all, "mean_size_se": m_se,
            "mean_size_theory": 1 / (1 - R0) if R0 < 1 else math.nan,
        })
    checks = []
    for r in rows:
        if r["R0"] >= 1.5:
            checks.append(C.check(f"R0={r['R0']:g}: mean share of large outbreaks vs z = 1 - exp(-R0 z); "
                                  f"tol max(0.02, 4 SE)", r["z_sim"], r["z_theory"], max(0.02, 4 * r["z_se"])))
    sup = [r for r in rows if r["R0"] >= 1.5]
    w = max(sup, key=lambda r: abs(r["P_major_sim"] - r["P_major_theory"]) / (4 * r["P_major_se"] + 0.01))
    checks.append(C.check(f"probability of a large outbreak vs branching process (geometric periods), worst of "
                          f"R0>=1.5 (R0={w['R0']:g}); tol 4 SE + 0.01", w["P_major_sim"], w["P_major_theory"],
                          4 * w["P_major_se"] + 0.01))
    r = rows[0]
    checks.append(C.check(f"R0={r['R0']:g}: mean outbreak size vs 1/(1 - R0); tol 4 SE + 2%", r["mean_size_sim"],
                          r["mean_size_theory"], 4 * r["mean_size_se"] + 0.02 * r["mean_size_theory"]))
    table = C.write_csv(out / f"{NAME}.csv", rows)
    figure = plot(rows, N, R, size, out / f"{NAME}.png")
    notes = (
        f"Complete graph N = {N}, gamma = {GAMMA} (mean sharing period 1/gamma = {1 / GAMMA:g} steps), beta set from "
        "R0 = (N - 1) T with T = beta / (1 - (1 - beta)(1 - gamma)). Large outbreak: > 10% of N. The final share of "
        "large outbreaks follows z = 1 - exp(-R0 z); their probability is below z because the random sharing period "
        "makes the number of secondary cases overdispersed (branching process with geometric periods)."
    )
    return C.result(NAME, checks, figure, table, notes, started, size)


def plot(rows, N, R, size, path):
    plt = C.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    rr = np.linspace(0.3, 3.2, 146)
    ax = axes[0]
    ax.plot(rr, [final_size(x) for x in rr], "k-", lw=1.5, label="final size z = 1 - exp(-R0 z)")
    ax.plot(rr, [major_probability(x, N) for x in rr], "-", color="tab:orange", lw=1.2,
            label="P(large outbreak), branching process, geometric D")
    ax.axvline(1.0, color="tab:red", ls="--", lw=1, label="threshold R0 = 1")
    R0 = np.array([r["R0"] for r in rows])
    z = np.array([r["z_sim"] for r in rows])
    zse = np.array([r["z_se"] for r in rows])
    ok = ~np.isnan(z)
    ax.errorbar(R0[ok], z[ok], yerr=2 * zse[ok], fmt="o", ms=5, mfc="none", color="tab:blue", capsize=2,
                label="simulated: mean share of large outbreaks")
    ax.errorbar(R0, [r["P_major_sim"] for r in rows], yerr=[2 * r["P_major_se"] for r in rows], fmt="s", ms=4,
                color="tab:orange", capsize=2, label="simulated: share of runs with a large outbreak")
    ax.axvspan(1.5, 3.2, color="tab:green", alpha=0.06, lw=0, label="checked (R0 >= 1.5)")
    ax.set_xlabel("R0 = (N - 1) T")
    ax.set_ylabel("share of N / probability")
    ax.set_xlim(0.3, 3.2)
    ax.set_ylim(-0.02, 1.0)
    ax.set_title("final size and outbreak probability")
    ax.legend(loc="lower right")
    ax = axes[1]
    sub = [r for r in rows if r["R0"] < 1]
    rs = np.linspace(0.3, 0.9, 100)
    ax.plot(rs, 1 / (1 - rs), "k-", lw=1.5, label="1 / (1 - R0)")
    ax.errorbar([r["R0"] for r in sub], [r["mean_size_sim"] for r in sub], yerr=[2 * r["mean_size_se"] for r in sub],
                fmt="o", ms=5, mfc="none", color="tab:blue", capsize=2, label="simulated mean outbreak size")
    ax.set_xlabel("R0")
    ax.set_ylabel("mean outbreak size (nodes, seed included)")
    ax.legend(loc="upper left")
    ax.set_title("below threshold")
    fig.suptitle(f"Discrete SIR on a complete graph (well mixed), N = {N}, gamma = {GAMMA}, {R} runs per R0 from one "
                 f"seed; error bars 2 SE ({size} size)")
    fig.tight_layout()
    return C.save(fig, path)


if __name__ == "__main__":
    import json
    import sys

    res = run(sys.argv[1] if len(sys.argv) > 1 else "small", Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/val"))
    print(json.dumps(res, indent=1))
