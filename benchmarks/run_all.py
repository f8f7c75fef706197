#!/usr/bin/env python
"""Run every benchmark in sequence and stitch their headline tables into ``summary.md``.

Usage::

    python benchmarks/run_all.py [--quick] [--out-dir benchmarks/results] [--summary-only]

Runs ``bench_generators.py``, ``bench_engine.py`` and ``bench_influence.py`` one after the other, each in
its own process with the same ``--quick`` flag, then writes ``<out-dir>/summary.md``: the date, the load
average, each benchmark's wall time and exit status, its headline table (the bars of the engine and
influence benchmarks, the generator table) and a link to its full report. A benchmark that fails does
not stop the others; ``run_all`` exits non-zero if any failed.

``--out-dir`` sends every result file there instead of ``benchmarks/results`` (handy for a smoke run
that must not overwrite the committed full-run results). ``--summary-only`` runs nothing and
re-stitches ``summary.md`` from the result files already in ``--out-dir``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import loadavg  # helpers shared by the benchmarks

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = HERE / "results"

# bench_generators.py writes to its module-level RESULTS folder and has no --out: point it elsewhere
GENERATORS_SHIM = (
    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import bench_generators as b; "
    "b.RESULTS = Path(sys.argv[2]); sys.exit(b.main(sys.argv[3:]))"
)

BENCHES = ("generators", "engine", "influence")


def command(name: str, out_dir: Path, quick: bool) -> list[str]:
    q = ["--quick"] if quick else []
    if name == "generators":
        if out_dir.resolve() == DEFAULT_OUT.resolve():
            return [sys.executable, str(HERE / "bench_generators.py"), *q]
        return [sys.executable, "-c", GENERATORS_SHIM, str(HERE), str(out_dir), *q]
    return [sys.executable, str(HERE / f"bench_{name}.py"), *q, "--out", str(out_dir / f"{name}.json")]


def run(name: str, out_dir: Path, quick: bool) -> dict[str, Any]:
    cmd = command(name, out_dir, quick)
    print(f"\n=== {name}: {' '.join(cmd)}", flush=True)
    start = _dt.datetime.now().isoformat(timespec="seconds")
    la = loadavg()
    t0 = time.perf_counter()
    rc = subprocess.call(cmd, cwd=str(ROOT))
    wall = time.perf_counter() - t0
    print(f"=== {name}: exit {rc} after {wall:.0f} s", flush=True)
    return {"name": name, "cmd": cmd, "started": start, "loadavg_start": la, "loadavg_end": loadavg(),
            "wall_s": round(wall, 1), "rc": rc}


# ------------------------------------------------------------------------------------------ stitching
def section(md: str, heading: str) -> str | None:
    """The body of the ``## heading`` section (up to the next ``## `` heading)."""
    m = re.search(rf"^## {re.escape(heading)}\s*\n(.*?)(?=^## |\Z)", md, flags=re.M | re.S)
    return m.group(1).strip() if m else None


def first_table(md: str) -> str | None:
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            return "\n".join(lines[i:j])
    return None


def bullet(md: str, prefix: str) -> str | None:
    for line in md.splitlines():
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return None


def headline(name: str, md: str, data: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """(headline markdown, load note) of one benchmark's report."""
    if name == "generators":
        load = None
        if data and "meta" in data:
            load = f"1-min load average {data['meta'].get('load_average_1min')} at its end"
        return first_table(md), load
    body = section(md, "Bars")
    load = bullet(md, "- Load average")
    if load:
        load = "load average " + load.split(":")[0]
    return body, load


def mtime(path: Path) -> str:
    return _dt.datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")


def write_summary(out_dir: Path, runs: list[dict[str, Any]], quick: bool | None, started: str,
                  load_start: list[float], load_end: list[float]) -> Path:
    L: list[str] = ["# Benchmark summary\n"]
    by_name = {r["name"]: r for r in runs}
    if runs:
        L.append(f"Written by `python benchmarks/run_all.py{' --quick' if quick else ''}` on {started}: "
                 f"{'quick (smoke) runs' if quick else 'full runs'}, one after the other on this machine. "
                 f"Load average at start {load_start}, at end {load_end} (the machine is shared: see each "
                 "report for how much that matters).\n")
    else:
        L.append(f"Stitched by `python benchmarks/run_all.py --summary-only` on {started} from the result files "
                 f"already in this folder (load average now {load_end}).\n")
    L.append("| benchmark | report | mode | generated | wall | exit | load |")
    L.append("|---|---|---|---|---|---|---|")
    blocks: list[str] = []
    for name in BENCHES:
        md_path = out_dir / f"{name}.md"
        json_path = out_dir / f"{name}.json"
        r = by_name.get(name)
        if not md_path.exists():
            L.append(f"| {name} | (missing) | | | {r['wall_s'] if r else ''} | {r['rc'] if r else ''} | |")
            continue
        md = md_path.read_text()
        try:
            data = json.loads(json_path.read_text()) if json_path.exists() else None
        except json.JSONDecodeError:
            data = None
        table, load = headline(name, md, data)
        title = md.splitlines()[0].lstrip("# ").strip() if md else name
        stale = r is not None and r["rc"] != 0
        when = (data or {}).get("started") or mtime(md_path)
        mode = (data or {}).get("mode") or ("quick" if (data or {}).get("meta", {}).get("quick") else
                                            "full" if (data or {}).get("meta") else "?")
        wall = f"{r['wall_s']:.0f} s" if r else ""
        rc = f"{r['rc']}{' (report is from an earlier run)' if stale else ''}" if r else ""
        L.append(f"| {name} | [{md_path.name}]({md_path.name}) | {mode} | {when} | {wall} | {rc} | {load or ''} |")
        blocks.append(f"## {title}\n\nFull report: [{md_path.name}]({md_path.name}).\n")
        blocks.append((table or "(no headline table found)") + "\n")
    L.append("")
    L += blocks
    out = out_dir / "summary.md"
    out.write_text("\n".join(L))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="pass --quick to every benchmark (smoke runs)")
    ap.add_argument("--out-dir", default=str(DEFAULT_OUT), help="where every result file and summary.md go")
    ap.add_argument("--summary-only", action="store_true", help="run nothing; re-stitch summary.md")
    args = ap.parse_args(argv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = _dt.datetime.now().isoformat(timespec="seconds")
    load_start = loadavg()
    t0 = time.perf_counter()
    runs = [] if args.summary_only else [run(name, out_dir, args.quick) for name in BENCHES]
    path = write_summary(out_dir, runs, None if args.summary_only else args.quick, started, load_start, loadavg())
    print(f"\nwrote {path} ({time.perf_counter() - t0:.0f} s in all)")
    for r in runs:
        print(f"  {r['name']:11s} exit {r['rc']}  {r['wall_s']:.0f} s")
    return 1 if any(r["rc"] != 0 for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
