"""Sobol' indices of the broadcast response vs their analytic values (Sobol' 1993; Saltelli et al. 2010).

One airing of a broadcast alone, with word of mouth off (``share_rate = 0``) and one community: each of
the N people is exposed with probability ``reach`` and an exposure engages with ``trust x alignment``, each
person independently, so the engaged count of a run is Binomial(N, reach x trust x alignment) and its mean

    Y = N x reach x trust x alignment

is a product of independent inputs. With reach, ``broadcast.trust`` and ``audience.alignment`` uniform on
their ranges, the Sobol' indices of a product of independent factors are closed form. With
``E_i``, ``V_i`` and ``M_i = E_i^2 + V_i`` the mean, variance and second moment of factor i:

    Var Y / N^2 = prod M_j - prod E_j^2
    S_i  = V_i prod_{j != i} E_j^2 / Var(Y / N)          (first order: Var E[Y | X_i] / Var Y)
    S_Ti = V_i prod_{j != i} M_j   / Var(Y / N)          (total order: E Var[Y | X_~i] / Var Y)

The first-order indices sum to less than 1 (the product interacts); the total-order ones to more.

The estimates come from the package's own pipeline: ``virality.uncertainty.run_uncertainty(config,
sensitivity=B)`` runs Saltelli's design (B x (3 + 2) worlds, each world ``runs`` replicates of the campaign
engine) and writes ``sensitivity.csv`` (SALib's estimators, 95% bootstrap intervals). The same indices are
also estimated from the exact response Y at the same worlds: the gap between the two is the Monte Carlo
error the replicates leave in the indices; the gap between the exact-response estimate and the analytic
value is the estimator's own error at this B.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from virality.config import config_ranges, load_config
from virality.tables import read_table
from virality.uncertainty import run_uncertainty, sobol_indices

try:
    from . import common as C
except ImportError:
    import common as C

NAME = "sobol_broadcast"
#: the uncertain inputs: config key -> uniform bounds
RANGES = {
    "audience.alignment": (0.3, 1.0),
    "broadcast.trust": (0.02, 0.10),
    "strategy.0.broadcast.reach": (0.2, 0.8),
}
SIZES = {
    "small": dict(N=2_000, runs=20, base=64),
    "full": dict(N=20_000, runs=20, base=256),
}
#: estimated minus simulated-world indices: the Monte Carlo error the replicates may leave
MC_TOLERANCE = 0.02

CONFIG = """\
name = "sobol_broadcast"
seed = 15
runs = {runs}
max_steps = 3

[graph]
generator = "social_graph"
n = {N}
communities = 1
mean_degree = 4
p = 0.0

[audience]
share_rate = 0.0
alignment = {{ uniform = [{alignment[0]}, {alignment[1]}] }}

[broadcast]
trust = {{ uniform = [{trust[0]}, {trust[1]}] }}
lead_time = 1

[outputs]
figures = false
records = 0
nodes = 1
parquet = false

[[strategy]]
name = "broadcast"
broadcast = {{ reach = {{ uniform = [{reach[0]}, {reach[1]}] }}, airings = 1 }}
"""


def product_sobol(bounds: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first- and total-order Sobol' indices of a product of independent uniforms on ``bounds``.

    Examples
    --------
    >>> s1, st = product_sobol([(0.0, 1.0), (0.0, 1.0)])  # x y on the unit square: Var = 7/144
    >>> [round(float(x), 4) for x in s1], [round(float(x), 4) for x in st]  # (1/48) / (7/144), (1/36) / (7/144)
    ([0.4286, 0.4286], [0.5714, 0.5714])
    """
    a, b = np.asarray(bounds, float).T
    mean, var = (a + b) / 2, (b - a) ** 2 / 12
    m2 = mean**2 + var
    total = np.prod(m2) - np.prod(mean**2)
    others = np.arange(len(a))[:, None] != np.arange(len(a))[None, :]
    s1 = var * np.prod(np.where(others, mean[None, :] ** 2, 1.0), axis=1) / total
    st = var * np.prod(np.where(others, m2[None, :], 1.0), axis=1) / total
    return s1, st


def run(size: str = "small", out: Path = Path("results")) -> dict:
    started = time.perf_counter()
    C.check_size(size)
    out = Path(out)
    cfg = SIZES[size]
    N, R, B = cfg["N"], cfg["runs"], cfg["base"]
    keys = sorted(RANGES)
    path = _write(out, N, R)
    with tempfile.TemporaryDirectory(prefix="sobol_broadcast_") as tmp:
        folder = run_uncertainty(path, sensitivity=B, out=Path(tmp) / "run", quiet=True, log=lambda _: None)
        sens = read_table(folder / "sensitivity")
        worlds = read_table(folder / "worlds")
    # the pipeline's estimates from the simulated world means (output "broadcast", metric "engaged")
    rows = [i for i in range(len(sens["key"])) if str(sens["output"][i]) == "broadcast"
            and str(sens["metric"][i]) == "engaged"]
    est = {str(sens["key"][i]): {c: float(sens[c][i]) for c in ("S1", "S1_conf", "ST", "ST_conf")} for i in rows}
    # the exact response at the same worlds, through the same estimator
    x = {k: np.asarray(worlds[k], float) for k in keys}
    exact = N * np.prod([x[k] for k in keys], axis=0)
    exact_idx = sobol_indices(config_ranges(load_config(path)[1]), exact, seed=15)  # the pipeline's key order
    ex = {k: {"S1": exact_idx["S1"][i], "ST": exact_idx["ST"][i]} for i, k in enumerate(exact_idx["key"])}
    s1, st = product_sobol([RANGES[k] for k in keys])
    theory = {k: {"S1": s1[i], "ST": st[i]} for i, k in enumerate(keys)}

    # the replicate noise of a world mean: Binomial(N, p) / R, p = reach x trust x alignment
    W = len(exact)
    p = exact / N
    noise_share = float(np.mean(N * p * (1 - p) / R) / np.var(exact))

    table, checks = [], []
    for k in keys:
        for order in ("S1", "ST"):
            sim, conf = est[k][order], est[k][f"{order}_conf"]
            table.append({"key": k, "order": "first" if order == "S1" else "total", "analytic": theory[k][order],
                          "simulated": sim, "simulated_conf95": conf, "exact_response": ex[k][order],
                          "worlds": W, "base": B, "runs": R, "N": N})
            checks.append(C.check(f"{k}: {'first' if order == 'S1' else 'total'}-order index (simulated worlds) vs "
                                  f"analytic; tol 2 x 95% bootstrap half-width (~4 SE)", sim, theory[k][order],
                                  2 * conf))
    mc = max(abs(est[k][o] - ex[k][o]) for k in keys for o in ("S1", "ST"))
    checks.append(C.check(f"Monte Carlo error left in the indices: max |simulated - exact-response estimate| over "
                          f"the 6 indices; tol {MC_TOLERANCE}", mc, 0.0, MC_TOLERANCE))
    table_path = C.write_csv(out / f"{NAME}.csv", table)
    fig_path = _figure(table, out / f"{NAME}.png", W, R)
    est_err = max(abs(ex[k][o] - theory[k][o]) for k in keys for o in ("S1", "ST"))
    notes = (f"Broadcast alone, one airing, no word of mouth, N = {N:,}: engaged ~ Binomial(N, reach x trust x "
             f"alignment), a product of three independent uniforms ({', '.join(f'{k} U{RANGES[k]}' for k in keys)}). "
             f"Saltelli's design with B = {B} ({W} worlds, {R} replicates each) through `virality uncertainty "
             f"--sensitivity`. Analytic first order {', '.join(f'{v:.3f}' for v in s1)} (sum {s1.sum():.3f}), "
             f"total order {', '.join(f'{v:.3f}' for v in st)} (sum {st.sum():.3f}). Largest gap between the "
             f"indices of the simulated worlds and those of the exact response at the same worlds (the Monte Carlo "
             f"error left by {R} replicates): {mc:.4f}; replicate noise is {100 * noise_share:.3f}% of the output "
             f"variance. Largest gap between the exact-response estimate and the analytic value (the estimator's "
             f"own error at B = {B}): {est_err:.3f}.")
    return C.result(NAME, checks, fig_path, table_path, notes, started, size)


def _write(out: Path, N: int, R: int) -> Path:
    """The config of the run beside its results (what was run, to rerun it with ``virality uncertainty``)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{NAME}.toml"
    path.write_text(CONFIG.format(N=N, runs=R, alignment=RANGES["audience.alignment"],
                                  trust=RANGES["broadcast.trust"], reach=RANGES["strategy.0.broadcast.reach"]))
    return path


def _figure(table: list[dict], path: Path, worlds: int, runs: int) -> Path:
    plt = C.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, order in zip(axes, ("first", "total")):
        rows = [r for r in table if r["order"] == order]
        y = np.arange(len(rows))
        ax.errorbar([r["simulated"] for r in rows], y, xerr=[r["simulated_conf95"] for r in rows], fmt="o",
                    color="C0", capsize=3, label=f"simulated worlds ({runs} runs each), 95% bootstrap")
        ax.plot([r["exact_response"] for r in rows], y + 0.15, "s", mfc="none", color="C2",
                label="exact response at the same worlds")
        ax.plot([r["analytic"] for r in rows], y, "|", color="k", ms=18, mew=2, label="analytic")
        ax.set_yticks(y, [r["key"] for r in rows])
        ax.set_title(f"{order}-order Sobol' index ({worlds} worlds)")
        ax.set_xlim(-0.05, 1.0)
    axes[0].invert_yaxis()
    fig.legend(*axes[1].get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3,
               fontsize=7)
    return C.save(fig, path)


if __name__ == "__main__":
    import json
    import sys

    res = run("full" if "--full" in sys.argv else "small", Path(__file__).resolve().parent / "results")
    print(json.dumps(res, indent=1))
