#!/usr/bin/env python
"""Uncertainty benchmark: what ``virality uncertainty`` costs on the flagship graph, and the cost model.

Usage::

    python benchmarks/bench_uncertainty.py [--quick] [--full] [--out benchmarks/results/uncertainty.json]

The cost of a decision under uncertainty is ``worlds x strategies x replicates`` campaign runs plus a
fixed cost per world (its plans: tiers, influencer selection, budgets; its tables and checkpoints) and a
fixed cost per run of the command (the graph, built once per process; the summary and decision tables over
all worlds). One run of this script measures, on ``configs/mass_vs_micro.toml`` (100,000 people, 7
strategies) at the ranges' medians and over its ranges:

1. **reference**: ``virality run`` of the flagship (one cell, ``REF`` replicates): seconds per campaign
   run when nothing but the replicates varies, the reference the uncertainty costs are read against;
2. **cost model**: ``run_uncertainty`` with ``W`` worlds at two replicate counts ``R_LO`` and ``R_HI``; the
   wall time is ``t(W, R) = W (o + S R c) + f``, so the two give the cost per campaign run ``c`` and the
   overhead per world ``o`` (``f``, the per-command cost, cancels; it is measured apart: graph build,
   decision table);
3. **extrapolation** to the bar of issue #15, 256 worlds x 7 strategies x 200 replicates, and the cost
   per campaign run that would meet 15 minutes;
4. **Dask**: the small case again with ``scheduler = "local"`` (a LocalCluster of the config's
   ``workers`` processes): its time, and whether ``decision.csv`` and ``runs.csv`` are byte-identical to
   the local executor's;
5. with ``--full``, the full 256 x 7 x 200 for real, as a user runs it (the CLI, figures and report
   included; about 12 minutes on 2 shared cores).

Method: wall time by ``time.perf_counter`` around each whole call, in one process after a warm-up run
(numba's compile or cache load is not counted; the graph is built once, as in one ``virality
uncertainty`` command, and timed apart); the ``simulate`` and ``write`` phases from each run's manifest.
The load average before and after is recorded: on a shared machine the numbers move with it, and the
ratios (uncertainty cost per run against the reference in the same run) move less.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # benchmark this checkout, installed or not
    sys.path.insert(0, str(ROOT))

from common import fmt, git_info, loadavg, log, machine_info, write_report  # noqa: E402

CONFIG = ROOT / "configs" / "mass_vs_micro.toml"
#: the bar of issue #15 item 6
BAR = {"worlds": 256, "replicates": 200, "minutes": 15.0}
SIZES = {"quick": dict(REF=20, W=2, R_LO=4, R_HI=12), "normal": dict(REF=100, W=4, R_LO=10, R_HI=50)}


def _quiet(_: str) -> None:
    pass


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def _phases(folder: Path) -> dict[str, float]:
    return json.loads((folder / "manifest.json").read_text()).get("timings_s", {})


def _uncertainty(tmp: Path, tag: str, worlds: int, runs: int, scheduler: str | None = None) -> dict[str, Any]:
    from virality.uncertainty import run_uncertainty

    folder, wall = _timed(run_uncertainty, CONFIG, worlds=worlds, out=tmp / tag, quiet=True, log=_quiet,
                          overrides=[f"runs={runs}"], scheduler=scheduler)
    log(f"{tag}: {worlds} worlds x {runs} replicates in {wall:.1f} s")
    return {"worlds": worlds, "replicates": runs, "wall_s": wall, "phases_s": _phases(folder), "folder": folder}


#: where a world's time goes: functions of virality.experiment and below, by name (cumulative time, per world)
PROFILED = ("run_cell", "build_plan", "_simulate_all", "campaign_monte_carlo", "save_batch", "_tables", "spearman",
            "_write_cell", "combine")


def _profile(tmp: Path, worlds: int, runs: int) -> dict[str, float]:
    """Seconds per world spent in each of :data:`PROFILED` (cProfile's cumulative time over ``worlds`` worlds)."""
    import cProfile
    import pstats

    from virality.uncertainty import run_uncertainty

    prof = cProfile.Profile()
    prof.runcall(run_uncertainty, CONFIG, worlds=worlds, out=tmp / "profile", quiet=True, log=_quiet,
                 overrides=[f"runs={runs}"])
    stats = pstats.Stats(prof).stats  # {(file, line, name): (calls, primitive, tottime, cumtime, callers)}
    total: dict[str, float] = {}
    for (file, _, name), (_, _, _, cum, _) in stats.items():
        name = name.lstrip("_") if name == "_save_batch" else name  # its name in experiment.py before checkpoints.py
        if name in PROFILED and "virality" in file:
            total[name] = total.get(name, 0.0) + cum
    return {name: total.get(name, 0.0) / worlds for name in PROFILED}


def _full(tmp: Path) -> dict[str, Any]:
    """The bar for real, as a user runs it: ``virality uncertainty CONFIG --worlds 256 --runs 200``, its
    figures and HTML report included; wall time, the manifest's phases and the process's peak memory."""
    import resource

    from virality.cli import main as cli

    log(f"full: {BAR['worlds']} worlds x {BAR['replicates']} replicates, figures and report included (long)")
    folder = tmp / "full"
    code, wall = _timed(cli, ["uncertainty", str(CONFIG), "--worlds", str(BAR["worlds"]), "--runs",
                              str(BAR["replicates"]), "--out", str(folder), "--quiet"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB; the whole benchmark's peak
    log(f"full: exit {code} in {wall / 60:.1f} min")
    return {"worlds": BAR["worlds"], "replicates": BAR["replicates"], "exit": code, "wall_s": wall,
            "minutes": wall / 60, "phases_s": _phases(folder), "report": (folder / "report.html").exists(),
            "peak_rss_bytes": peak, "meets_bar": code == 0 and wall / 60 <= BAR["minutes"]}


def measure(size: str, full: bool) -> dict[str, Any]:
    from virality.config import load_config
    from virality.experiment import build_graph, run_experiment

    cfg = SIZES[size]
    exp, _ = load_config(CONFIG)
    strategies = len(exp.strategy)
    out: dict[str, Any] = {"config": str(CONFIG.relative_to(ROOT)), "strategies": strategies,
                           "uncertain_keys": None, "size": size, "load_before": loadavg()}
    with tempfile.TemporaryDirectory(prefix="bench_uncertainty_") as name:
        tmp = Path(name)
        log("warm-up (numba compile or cache load, graph build)")
        run_experiment(CONFIG, out=tmp / "warm", overrides=["runs=2"], quiet=True, log=_quiet)
        _, graph_s = _timed(build_graph, exp.graph, exp.seed)
        log(f"graph build (once per process): {graph_s:.2f} s")
        ref_dir, ref_wall = _timed(run_experiment, CONFIG, out=tmp / "ref", quiet=True, log=_quiet,
                                   overrides=[f"runs={cfg['REF']}"])
        ref_phases = _phases(ref_dir)
        c_ref = ref_phases["simulate"] / (strategies * cfg["REF"])
        log(f"reference: {cfg['REF']} replicates x {strategies} strategies in {ref_wall:.1f} s "
            f"({1000 * c_ref:.2f} ms per campaign run)")
        lo = _uncertainty(tmp, "lo", cfg["W"], cfg["R_LO"])
        hi = _uncertainty(tmp, "hi", cfg["W"], cfg["R_HI"])
        W = cfg["W"]
        c = (hi["wall_s"] - lo["wall_s"]) / (W * strategies * (cfg["R_HI"] - cfg["R_LO"]))
        o = lo["wall_s"] / W - strategies * cfg["R_LO"] * c
        per_world = _profile(tmp, cfg["W"], cfg["R_LO"])
        log("per world: " + ", ".join(f"{k} {v:.2f} s" for k, v in per_world.items()))
        dask = _uncertainty(tmp, "dask", cfg["W"], cfg["R_LO"], scheduler="local")
        same = all((dask["folder"] / f).read_bytes() == (lo["folder"] / f).read_bytes()
                   for f in ("decision.csv", "runs.csv", "worlds.csv"))
        from virality.config import config_ranges

        out["uncertain_keys"] = list(config_ranges(load_config(CONFIG)[1]))
        bar_runs = BAR["worlds"] * strategies * BAR["replicates"]
        predicted = BAR["worlds"] * (o + strategies * BAR["replicates"] * c) + graph_s
        out.update({
            "graph_build_s": graph_s,
            "reference": {"replicates": cfg["REF"], "wall_s": ref_wall, "phases_s": ref_phases,
                          "s_per_campaign_run": c_ref},
            "cost_model": {"lo": {k: v for k, v in lo.items() if k != "folder"},
                           "hi": {k: v for k, v in hi.items() if k != "folder"},
                           "s_per_campaign_run": c, "s_overhead_per_world": o,
                           "run_cost_vs_reference": c / c_ref,
                           "profile_s_per_world": per_world | {"replicates": cfg["R_LO"]}},
            "dask_local": {k: v for k, v in dask.items() if k != "folder"} | {
                "identical_to_local": same, "vs_local_wall": dask["wall_s"] / lo["wall_s"]},
            "bar": BAR | {"campaign_runs": bar_runs, "predicted_min": predicted / 60,
                          "meets_bar": predicted / 60 <= BAR["minutes"],
                          "s_per_campaign_run_needed": (BAR["minutes"] * 60 - graph_s - BAR["worlds"] * o)
                          / (BAR["worlds"] * strategies * BAR["replicates"])},
        })
        log(f"cost model: {1000 * c:.2f} ms per campaign run, {o:.2f} s per world; 256 x 7 x 200 predicted "
            f"{predicted / 60:.1f} min; dask identical: {same}")
        if full:
            out["full"] = _full(tmp)
    out["load_after"] = loadavg()
    return out


def markdown(res: dict[str, Any]) -> str:
    cm, ref, bar, dk = res["cost_model"], res["reference"], res["bar"], res["dask_local"]
    m = res["machine"]
    lines = [
        "# Uncertainty benchmark (`bench_uncertainty.py`)", "",
        f"{res['date']}, {m.get('cpu', '?')}, {m.get('cpus_usable', '?')} CPUs; load average "
        f"{res['load_before']} before, {res['load_after']} after; size {res['size']}; commit {res['git']['commit']}.",
        "",
        f"Config `{res['config']}`: {res['strategies']} strategies on the 100,000-person flagship graph, "
        f"{len(res['uncertain_keys'])} uncertain keys ({', '.join(res['uncertain_keys'])}).", "",
        "## Cost model", "",
        "`virality uncertainty` costs `worlds x (o + strategies x replicates x c) + f`: `c` per campaign run, `o` "
        "per world (its plans, tables and checkpoints), `f` once per command (the graph, built once per process).",
        "",
        "| quantity | value |", "| --- | --- |",
        f"| graph build (f, once per process) | {fmt(res['graph_build_s'])} s |",
        f"| reference: `virality run`, 1 cell x {res['strategies']} x {ref['replicates']} | {fmt(ref['wall_s'])} s wall, "
        f"{fmt(1000 * ref['s_per_campaign_run'])} ms per campaign run (simulate phase) |",
        f"| uncertainty {cm['lo']['worlds']} worlds x {cm['lo']['replicates']} replicates | {fmt(cm['lo']['wall_s'])} s |",
        f"| uncertainty {cm['hi']['worlds']} worlds x {cm['hi']['replicates']} replicates | {fmt(cm['hi']['wall_s'])} s |",
        f"| c: cost per campaign run (fit) | {fmt(1000 * cm['s_per_campaign_run'])} ms "
        f"({fmt(cm['run_cost_vs_reference'])}x the reference) |",
        f"| o: overhead per world (fit) | {fmt(cm['s_overhead_per_world'])} s |",
        "", f"Where a world's time goes (cProfile, cumulative seconds per world, {cm['lo']['worlds']} worlds x "
        f"{cm['profile_s_per_world']['replicates']} replicates, profiler overhead included): `run_cell` holds "
        "`build_plan`, `_simulate_all` (the kernel `campaign_monte_carlo`), the checkpoints `save_batch` and `_tables` "
        "(the key-node `spearman`); `_write_cell` writes the world; `combine` runs once per command (shown per world):",
        "",
        "| function | s per world |", "| --- | --- |",
        *[f"| `{k}` | {fmt(v)} |" for k, v in cm["profile_s_per_world"].items() if k != "replicates"],
        "", "## The bar: 256 worlds x 7 strategies x 200 replicates in 15 minutes", "",
        f"{bar['campaign_runs']:,} campaign runs. Predicted by the cost model on this machine: "
        f"**{fmt(bar['predicted_min'])} min** ({'meets' if bar['meets_bar'] else 'misses'} the bar). "
        + (f"With this per-world overhead it still meets it at up to {fmt(1000 * bar['s_per_campaign_run_needed'])} ms "
           f"per campaign run ({fmt(bar['s_per_campaign_run_needed'] / cm['s_per_campaign_run'])}x the measured cost)."
           if bar["meets_bar"] else
           f"Meeting it with this per-world overhead needs {fmt(1000 * bar['s_per_campaign_run_needed'])} ms per "
           f"campaign run ({fmt(cm['s_per_campaign_run'] / bar['s_per_campaign_run_needed'])}x faster than measured)."
           if bar["s_per_campaign_run_needed"] > 0 else
           f"The per-world overhead alone, 256 x {fmt(cm['s_overhead_per_world'])} s = "
           f"{fmt(256 * cm['s_overhead_per_world'] / 60)} min, exceeds it: both the overhead and the "
           f"{fmt(1000 * cm['s_per_campaign_run'])} ms per campaign run must shrink "
           f"(e.g. overhead under 1 s per world and runs under {fmt(1000 * (BAR['minutes'] * 60 - 256) / bar['campaign_runs'])} ms)."),
    ]
    if "full" in res:
        f = res["full"]
        ph = f["phases_s"]
        lines += ["", f"Measured (`--full`, the command as a user runs it: `virality uncertainty {res['config']} "
                  f"--worlds {f['worlds']} --runs {f['replicates']}`, figures and HTML report included): "
                  f"**{fmt(f['minutes'])} min** wall, {'within' if f['meets_bar'] else 'over'} the bar of "
                  f"{fmt(BAR['minutes'])} min (simulate {fmt(ph.get('simulate', float('nan')))} s, combine the "
                  f"tables {fmt(ph.get('write', float('nan')))} s, the rest figures and report); exit code {f['exit']}, "
                  f"report written: {f['report']}; peak memory of the benchmark process "
                  f"{fmt(f['peak_rss_bytes'] / 2**30)} GiB."]
    lines += ["", "## Dask", "",
              f"The {dk['worlds']}-world x {dk['replicates']}-replicate case with `--scheduler local` (a LocalCluster): "
              f"{fmt(dk['wall_s'])} s ({fmt(dk['vs_local_wall'])}x the local executor, cluster start-up included); "
              f"decision.csv, runs.csv and worlds.csv byte-identical to the local executor's: "
              f"**{dk['identical_to_local']}**.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller cases (a smoke run)")
    ap.add_argument("--full", action="store_true", help="also run 256 worlds x 200 replicates for real")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "uncertainty.json")
    args = ap.parse_args(argv)
    res = measure("quick" if args.quick else "normal", args.full)
    res["date"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    res["machine"] = machine_info(("scipy", "SALib", "dask", "distributed"))
    res["git"] = git_info()
    json_path, md_path = write_report(args.out, res, "")
    md_path.write_text(markdown(res))
    log(f"wrote {json_path} and {md_path}")
    print(md_path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
