#!/usr/bin/env python3
"""Run every validation (simulator vs theory) and write a summary.

    python experiments/validation/run_all.py [--full] [--out DIR] [--only NAME[,NAME...]]

Writes, into DIR (default ``experiments/validation/results/``), one PNG figure and one CSV table per
result, ``summary.json`` and ``summary.md`` (a table: result, check, simulated, theory, tolerance, pass),
prints the table, and exits with status 1 if any check fails (0 otherwise, 2 on bad arguments).
The default is the reduced size (CI, under 3 minutes on 2 shared cores); ``--full`` is the full size.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import common as C  # noqa: E402

#: module names, in the order they run
SCRIPTS = ("percolation", "watts_cascades", "bass", "kkt", "influentials", "sir_final_size", "sbc_fit",
           "sobol_broadcast")
TITLES = {
    "percolation": "IC = bond percolation (Newman 2002)",
    "watts_cascades": "Watts (2002) global cascades",
    "bass": "Bass (1969) diffusion",
    "kkt": "Kempe, Kleinberg, Tardos (2003)",
    "influentials": "Influentials (Bakshy et al. 2011)",
    "sir_final_size": "SIR final size (Kermack-McKendrick)",
    "sbc_fit": "Calibration of virality fit (Talts et al. 2018); IC EM (Saito et al. 2008)",
    "sobol_broadcast": "Sobol' indices of the broadcast response (analytic)",
}
DEFAULT_OUT = HERE / "results"


def run_all(size: str = "small", out: Path = DEFAULT_OUT, only: tuple[str, ...] | None = None,
            verbose: bool = True) -> dict:
    """Run the validations; return ``{"size", "passed", "seconds", "results": [...]}`` and write the summary."""
    C.check_size(size)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = SCRIPTS if not only else tuple(only)
    started = time.perf_counter()
    results = []
    for name in names:
        t0 = time.perf_counter()
        c0 = time.process_time()
        if verbose:
            print(f"[{name}] running ({size}) ...", flush=True)
        try:
            mod = importlib.import_module(name)
            with warnings.catch_warnings():
                # a run cut off at max_steps would bias a final size: make it a failure, not a warning
                warnings.filterwarnings("error", message="some runs were still spreading")
                res = mod.run(size=size, out=out)
        except Exception as exc:  # a crash is a failed result, not an aborted run
            res = {"name": name, "passed": False, "seconds": round(time.perf_counter() - t0, 2), "size": size,
                   "figure": "", "table": "", "notes": "".join(traceback.format_exception(exc)),
                   "checks": [C.check(f"crashed: {type(exc).__name__}: {exc}", float("nan"), float("nan"),
                                      float("nan"), passed=False)]}
        res["cpu_seconds"] = round(time.process_time() - c0, 1)
        if verbose:
            n_ok = sum(c["passed"] for c in res["checks"])
            print(f"[{name}] {n_ok}/{len(res['checks'])} checks passed in {res['seconds']:.1f} s "
                  f"(CPU {res['cpu_seconds']:.1f} s)", flush=True)
        results.append(res)
    summary = {
        "size": size,
        "passed": all(r["passed"] for r in results),
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(sum(r.get("cpu_seconds", 0.0) for r in results), 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "versions": _versions(),
        "results": results,
    }
    # files are named relative to the summary, so the folder can move (and be committed) as a whole
    portable = dict(summary, results=[dict(r, figure=_rel(r.get("figure"), out), table=_rel(r.get("table"), out))
                                      for r in results])
    (out / "summary.json").write_text(json.dumps(portable, indent=1, default=str))
    (out / "summary.md").write_text(markdown(summary))
    return summary


def _rel(path: str | None, out: Path) -> str:
    if not path:
        return ""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(out.resolve()))
    except ValueError:
        return str(p)


def _versions() -> dict:
    out = {}
    for mod in ("virality", "numba", "numpy", "matplotlib"):
        try:
            out[mod] = importlib.import_module(mod).__version__
        except Exception:  # pragma: no cover - informational only
            out[mod] = "?"
    return out


def table_rows(summary: dict) -> list[list[str]]:
    rows = []
    for r in summary["results"]:
        for c in r["checks"]:
            rows.append([r["name"], c["what"], C.fmt(c["simulated"]), C.fmt(c["theory"]), C.fmt(c["tolerance"]),
                         "PASS" if c["passed"] else "FAIL"])
    return rows


def markdown(summary: dict) -> str:
    head = ["result", "check", "simulated", "theory", "tolerance", "pass"]
    lines = [
        f"# Validation summary ({summary['size']} size)",
        "",
        f"{'All checks passed' if summary['passed'] else 'SOME CHECKS FAILED'}; total {summary['seconds']} s wall "
        f"({summary.get('cpu_seconds', '?')} s CPU) on "
        f"{summary['machine']}; " + ", ".join(f"{k} {v}" for k, v in summary["versions"].items()) + ".",
        "",
        "| " + " | ".join(head) + " |",
        "| " + " | ".join("---" for _ in head) + " |",
    ]
    for row in table_rows(summary):
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in row) + " |")
    lines += ["", "## Results", ""]
    for r in summary["results"]:
        fig = Path(r["figure"]).name if r.get("figure") else ""
        tab = Path(r["table"]).name if r.get("table") else ""
        lines.append(f"### {TITLES.get(r['name'], r['name'])} (`{r['name']}.py`, {r['seconds']} s)")
        lines.append("")
        if fig:
            lines.append(f"![{r['name']}]({fig})")
            lines.append("")
        lines.append(r.get("notes", "").strip())
        lines.append("")
        if tab:
            lines.append(f"Table: [{tab}]({tab})")
            lines.append("")
    return "\n".join(lines)


def text_table(summary: dict) -> str:
    head = ["result", "check", "simulated", "theory", "tolerance", "pass"]
    rows = table_rows(summary)
    width = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    width[1] = min(width[1], 110)

    def line(cells):
        return "  ".join((c if len(c) <= width[i] else c[: width[i] - 3] + "...").ljust(width[i])
                         for i, c in enumerate(cells))

    return "\n".join([line(head), line(["-" * w for w in width])] + [line(r) for r in rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="full size (slower) instead of the reduced CI size")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    ap.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(SCRIPTS)}")
    args = ap.parse_args(argv)
    only = tuple(s.strip() for s in args.only.split(",") if s.strip())
    bad = [s for s in only if s not in SCRIPTS]
    if bad:
        print(f"unknown validation {bad[0]!r}; valid: {', '.join(SCRIPTS)}", file=sys.stderr)
        return 2
    summary = run_all("full" if args.full else "small", args.out, only or None)
    print()
    print(text_table(summary))
    print()
    print(f"{'all checks passed' if summary['passed'] else 'SOME CHECKS FAILED'} ({summary['seconds']} s); "
          f"summary in {Path(args.out) / 'summary.md'}")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
