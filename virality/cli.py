"""Command line: ``virality run | sweep | uncertainty | optimize | fit | validate | rank | map | report | convert``.

Exit status: 0 success, 2 bad input (one line naming the file, key or line; no traceback),
1 the environment stopped the run (one line: no space left, a read-only or busy folder, ...) or an
internal error (with its traceback), 130 interrupted (finished cells are kept: rerun with ``--resume``).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from ._version import __version__
from .calibrate import run_fit
from .config import Experiment, expand_cells, load_config
from .convert import edgelist_to_store
from .errors import InputError, RunError, is_interrupt
from .experiment import check_cells, run_experiment
from .figures import figures_for_results
from .fit_plots import figures_for_fit
from .plan_figures import figures_for_plan
from .plan_text import text_report
from .planner import run_optimize
from .report import key_node_table, print_comparison, write_report
from .results import load_summary
from .store import store_info
from .tables import read_table
from .uncertainty import decision_text, morris_text, run_uncertainty, sensitivity_text

__all__ = ["main"]


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="experiment config (TOML)")
    p.add_argument("--out", help="results directory (default: results/<name>)")
    p.add_argument("--runs", help="Monte Carlo runs per strategy and cell (an integer or 'auto')")
    p.add_argument("--seed", type=int, help="root seed (default: the config's seed)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set audience.share_rate=0.3 (repeatable)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its finished cells")
    p.add_argument("--force", action="store_true", help="run again even if the results directory is complete")
    p.add_argument("--quiet", action="store_true", help="no progress bars or tables")
    p.add_argument("--scheduler", help="Dask scheduler address, or 'local' to start a LocalCluster")
    p.add_argument("--no-figures", action="store_true", help="skip the figures (and so the report)")
    p.add_argument("--no-report", action="store_true", help="skip the HTML report (figures are still drawn)")


def _overrides(args: argparse.Namespace) -> list[str]:
    over = list(args.set)
    if args.runs is not None:
        over.append(f"runs={args.runs}" if args.runs.isdigit() else f'runs="{args.runs}"')
    if args.seed is not None:
        over.append(f"seed={args.seed}")
    for item in getattr(args, "grid", None) or []:
        if "=" not in item:
            raise InputError(f"--grid {item!r}: expected key=v1,v2,..., e.g. --grid audience.share_rate=0.2,0.4")
        key, values = item.split("=", 1)
        over.append(f'sweep."{key.strip()}"=[{values}]')
    return over


def _cmd_run(args: argparse.Namespace) -> int:
    overrides = _overrides(args)
    out = run_experiment(args.config, out=args.out, overrides=overrides, resume=args.resume,
                         force=args.force, quiet=args.quiet, scheduler=args.scheduler, log=_log(args))
    _figures_and_report(args, out, overrides)
    if not args.quiet:
        print_comparison(out)
        print(f"\nresults: {out}")
    return 0


def _figures_and_report(args: argparse.Namespace, out: Path, overrides: list[str]) -> None:
    """The figures and the HTML report of a finished results folder, unless the config or the flags say not."""
    exp, _ = load_config(args.config, overrides)
    if exp.outputs.figures and not args.no_figures:
        figures_for_results(out)
        if not args.no_report:
            report = write_report(out)
            if not args.quiet:
                print(f"report: {report}", file=sys.stderr)


def _log(args: argparse.Namespace):
    return (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))


def _cmd_uncertainty(args: argparse.Namespace) -> int:
    pair = tuple(x.strip() for x in args.pair.split(",")) if args.pair else None
    if pair is not None and len(pair) != 2:
        raise InputError(f"--pair {args.pair!r}: expected two strategy names separated by a comma")
    overrides = _overrides(args)
    out = run_uncertainty(args.config, worlds=args.worlds, sensitivity=args.sensitivity, morris=args.morris, pair=pair,
                          out=args.out, overrides=overrides, resume=args.resume, force=args.force, quiet=args.quiet,
                          scheduler=args.scheduler, log=_log(args))
    _figures_and_report(args, out, overrides)
    summary = load_summary(out)
    if not args.quiet:
        print(decision_text(read_table(out / "decision"), summary.get("baseline")))
        if (out / "sensitivity.csv").exists():
            print(sensitivity_text(read_table(out / "sensitivity")))
        if (out / "morris.csv").exists():
            print(morris_text(read_table(out / "morris")))
        print(f"\nresults: {out} (decision.csv, worlds.csv and the usual tables: one cell per world)")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    exp, raw = load_config(args.config, args.set)
    cells = expand_cells(exp, raw, args.config)
    check_cells(cells, str(args.config))
    runs = exp.runs if exp.runs != "auto" else f"auto (batches of {exp.batch}, at most {exp.max_runs})"
    per_cell = len(exp.strategy)
    total = "auto" if exp.runs == "auto" else len(cells) * per_cell * exp.runs
    print(f"{args.config}: valid. {len(cells)} cell(s) x {per_cell} strategies x {runs} runs = {total} runs")
    return 0


def _cmd_optimize(args: argparse.Namespace) -> int:
    frontier = None if args.frontier is None else [m.strip() for m in args.frontier.split(",")]
    given = {"budget": args.budget, "objective": args.objective, "runs": args.runs, "form": args.form,
             "target": args.target, "limit": args.limit, "frontier": frontier}
    # each flag as a TOML value of [optimize] (JSON writes numbers, strings and lists the same way)
    over = [*args.set, *(f"optimize.{key}={json.dumps(value)}" for key, value in given.items() if value is not None)]
    out, summary = run_optimize(args.config, out=args.out, overrides=over, log=_log(args))
    if not args.no_figures:
        for path in figures_for_plan(out):
            if path.suffix == ".png" and not args.quiet:
                print(f"figure: {path}", file=sys.stderr)
        if not args.no_report:
            report = write_report(out)
            if not args.quiet:
                print(f"report: {report}", file=sys.stderr)
    if not args.quiet:
        print(text_report(summary))
        print(f"\nresults: {out}")
    return 0


def _cmd_fit(args: argparse.Namespace) -> int:
    over = list(args.set) + ([f"seed={args.seed}"] if args.seed is not None else [])
    out = run_fit(args.config, args.data, out=args.out, strategy=args.strategy, particles=args.particles,
                  generations=args.generations, overrides=over, log=_log(args))
    if not args.no_figures:
        for path in figures_for_fit(out):
            if path.suffix == ".png" and not args.quiet:
                print(f"figure: {path}", file=sys.stderr)
    if not args.quiet:
        summary = json.loads((out / "fit_summary.json").read_text())
        for p in summary["parameters"]:
            iv = "" if p["low"] is None else f"  95% interval {p['low']:.4g} to {p['high']:.4g}"
            print(f"{p['key']}: median {p['median']:.4g}{iv}" if isinstance(p["median"], float)
                  else f"{p['key']}: {p['median']!r}")
        print(f"\nresults: {out} (posterior.csv, fit_summary.csv, fitted.toml: run it with virality run)")
    return 0


def _cmd_rank(args: argparse.Namespace) -> int:
    rows = key_node_table(Path(args.results), strategy=args.strategy, by=args.by, top=args.top)
    text = rows["text"]
    if args.out:
        Path(args.out).write_text(rows["csv"])
    print(text)
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    paths = figures_for_results(Path(args.results))
    for p in paths:
        print(p)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    print(write_report(Path(args.results), Path(args.out) if args.out else None))
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(Experiment.model_json_schema(), indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n")
    else:
        print(text)
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = edgelist_to_store(args.edgelist, args.store, directed=not args.undirected, weighted=args.weighted,
                                  delimiter=args.delimiter, header=args.header, name=args.name)
    for w in caught:
        print(f"virality: warning: {w.message}", file=sys.stderr)
    info = store_info(store)
    print(f"{store}: n={info['n']:,} nodes, m={info['m']:,} arcs")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="virality", description="Simulate how a message spreads through a social graph.")
    parser.add_argument("--version", action="version", version=f"virality {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run an experiment config", description="Run an experiment config and write tidy results.")
    _add_run_options(p)
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("sweep", help="run a config over a parameter grid",
                       description="Run a config over a grid: the config's [sweep] plus --grid KEY=V1,V2,...")
    _add_run_options(p)
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2", help="add a sweep axis (repeatable)")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("uncertainty", help="run every strategy in worlds drawn over the config's ranges",
                       description="Draw --worlds parameter worlds over the config's ranges (a Sobol' design), run "
                                   "every strategy in each, and report each strategy's probability of being best.")
    _add_run_options(p)
    p.add_argument("--worlds", type=int, default=64, help="parameter worlds (default 64; a power of two is balanced)")
    p.add_argument("--sensitivity", type=int, metavar="B",
                   help="Sobol' indices instead: Saltelli's design of B x (keys + 2) worlds (SALib)")
    p.add_argument("--morris", type=int, metavar="R",
                   help="Morris screening instead: R trajectories of keys + 1 worlds each (SALib); writes morris.csv")
    p.add_argument("--pair", metavar="A,B", help="the two strategies whose paired difference the indices explain")
    p.set_defaults(func=_cmd_uncertainty)
    p = sub.add_parser("optimize", help="plan the budget: response curves and the best mix of channel options",
                       description="Split a budget over the config's channel options (its [optimize] section, or its "
                                   "single-channel strategies): response curves, a greedy start and a paired local "
                                   "search; writes allocation.csv, response_curves.csv, optimize.json, figures and "
                                   "report.html (with --frontier also frontier.csv and mixes.csv).")
    p.add_argument("config", help="experiment config (TOML)")
    p.add_argument("--out", help="results directory (default: results/<name>)")
    p.add_argument("--budget", type=float, help="total budget (default: optimize.budget, else the options' budget)")
    p.add_argument("--objective", help="run metric to optimise (default: optimize.objective, else engaged)")
    p.add_argument("--runs", type=int, help="replicates per evaluation (default: optimize.runs, else the config's "
                                            "runs, at most 300)")
    p.add_argument("--form", help="max (the best mix of the budget, the default), least_spend (the least spend that "
                                  "reaches --target) or marginal_cost (the most spend whose marginal cost per extra "
                                  "engagement stays under --limit)")
    p.add_argument("--target", type=float, help="least_spend: the objective's value to reach (e.g. 5000 engaged)")
    p.add_argument("--limit", type=float, help="marginal_cost: the most to pay for one more engagement")
    p.add_argument("--frontier", metavar="A,B", help="the trade-off frontier of two metrics, e.g. "
                                                     "engaged,time_to_common or engaged,cost_per_engagement")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress or table")
    p.add_argument("--no-figures", action="store_true", help="skip the figures (and so the report)")
    p.add_argument("--no-report", action="store_true", help="skip the HTML report (figures are still drawn)")
    p.set_defaults(func=_cmd_optimize)
    p = sub.add_parser("fit", help="fit the config's ranges to a pilot's observed engagements (ABC-SMC)",
                       description="Estimate the parameters the config gives as ranges from a pilot campaign's "
                                   "new engagements per step (a CSV with columns step, engaged and optionally "
                                   "channel, community) by ABC-SMC; writes posterior.csv, fit_summary.csv/json, "
                                   "predictive.csv, fitted.toml and figures.")
    p.add_argument("config", help="experiment config (TOML) with the unknown parameters as ranges")
    p.add_argument("--data", required=True, help="the pilot's observed new engagements per step (CSV)")
    p.add_argument("--out", help="results directory (default: results/<name>_fit)")
    p.add_argument("--strategy", help="the strategy the pilot ran (default: the config's first)")
    p.add_argument("--particles", type=int, default=200, help="ABC-SMC population size (default 200)")
    p.add_argument("--generations", type=int, default=8, help="most ABC-SMC generations (default 8)")
    p.add_argument("--seed", type=int, help="root seed (default: the config's seed)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress or table")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.set_defaults(func=_cmd_fit)
    p = sub.add_parser("validate", help="check a config and count its cells and runs")
    p.add_argument("config")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("schema", help="print the JSON Schema of config files (for editors)")
    p.add_argument("--out", help="write it to this file")
    p.set_defaults(func=_cmd_schema)
    p = sub.add_parser("rank", help="key-node ranking table of a finished run")
    p.add_argument("results", help="results directory")
    p.add_argument("--strategy", help="strategy name (default: each)")
    p.add_argument("--by", default="ripple", choices=["ripple", "direct", "bridging", "engage_probability", "early"])
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--out", help="also write the table as CSV")
    p.set_defaults(func=_cmd_rank)
    p = sub.add_parser("map", help="draw the virality maps and figures of a finished run")
    p.add_argument("results")
    p.set_defaults(func=_cmd_map)
    p = sub.add_parser("report", help="write a self-contained HTML report of a finished run")
    p.add_argument("results")
    p.add_argument("--out", help="report path (default: RESULTS/report.html)")
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("convert", help="convert an edge list (integer ids, plain or gzip) to a graph store",
                       description="Convert an edge list ('u v' or 'u v weight' per line, non-negative integer ids, "
                                   "plain or gzip) to a graph store, streaming: memory stays near the graph's.")
    p.add_argument("edgelist", help="edge-list file")
    p.add_argument("store", help="graph store directory to write (an existing store there is replaced)")
    p.add_argument("--undirected", action="store_true", help="each line is an edge both ways")
    p.add_argument("--weighted", action=argparse.BooleanOptionalAction, default=None,
                   help="the third column is each arc's probability (default: when the first arc line has one; "
                        "--no-weighted ignores it)")
    p.add_argument("--delimiter", help="field separator (default: whitespace, or ',' when the first line has one)")
    p.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                   help="the first line is an 'n m' header or column names (default: detected)")
    p.add_argument("--name", help="the graph's name (default: the file's)")
    p.set_defaults(func=_cmd_convert)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"virality: error: {exc}", file=sys.stderr)
        return 2
    except RunError as exc:
        print(f"virality: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the environment: no space left, a read-only folder, a vanished file
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"virality: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return _interrupted(args)
    except Exception as exc:
        if not is_interrupt(exc):
            raise
        return _interrupted(args)


def _interrupted(args: argparse.Namespace) -> int:
    again = ("the plans simulated so far are kept: rerun the same command" if args.command == "optimize"
             else "finished cells are kept: rerun with --resume")
    print(f"\nvirality: interrupted; {again}", file=sys.stderr)
    return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
