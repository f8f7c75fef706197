"""Time the graph generators of virality.generators against networkx.

Usage::

    python benchmarks/bench_generators.py [--quick] [--repeat R]

Writes ``benchmarks/results/generators.json`` and ``benchmarks/results/generators.md``.

* The numba compile is excluded from the timings: first, a subprocess with an empty numba cache
  times each generator's first call on a tiny graph (the true cold compile, reported separately);
  then this process warms every generator up on a tiny graph before timing.
* Each virality time is the best of ``--repeat`` runs (default 3; 2 at 10^6 nodes with
  ``--quick``), as wall clock and as CPU time (``time.process_time``; the kernels are
  single-threaded, so on a shared, busy machine this is the steadier figure); networkx runs once
  (its graphs are built from Python objects and take long).
* ``--quick`` skips the slow networkx runs (Barabasi-Albert at 10^6, Erdos-Renyi and Holme-Kim
  at 10^5), keeping networkx Barabasi-Albert at 10^4 and 10^5.
* networkx times generation only (a ``networkx.Graph``); virality times include building the CSR
  :class:`~virality.graph.Graph` with both arcs of every edge.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import loadavg, write_report  # helpers shared by the benchmarks

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"

# tiny calls that compile every kernel (run in a fresh process with an empty numba cache)
WARMUP = {
    "barabasi_albert": "G.barabasi_albert(50, 3, rng=1)",
    "holme_kim": "G.holme_kim(50, 3, 0.5, rng=1)",
    "erdos_renyi": "G.erdos_renyi(50, 0.1, rng=1)",
    "watts_strogatz": "G.watts_strogatz(50, 4, 0.3, rng=1)",
    "chung_lu": "G.chung_lu(G.power_law_degrees(50, 2.5, rng=1), rng=1)",
    "configuration_model": "G.configuration_model(G.power_law_degrees(50, 2.5, rng=1), rng=1, simple=False)",
    "social_graph": "G.social_graph(200, communities=4, reciprocity=0.1, rng=1)",
}

COMPILE_SCRIPT = """
import json, sys, time
t = time.perf_counter()
import virality.generators as G
out = {"import": time.perf_counter() - t}
for name, call in json.loads(sys.argv[1]).items():
    t = time.perf_counter()
    eval(call)
    out[name] = time.perf_counter() - t
print(json.dumps(out))
"""


def cold_compile_times() -> dict[str, float]:
    """First-call times in a fresh interpreter with an empty numba cache (true compile times)."""
    with tempfile.TemporaryDirectory() as cache:
        path = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=path)
        proc = subprocess.run(
            [sys.executable, "-c", COMPILE_SCRIPT, json.dumps(WARMUP)],
            env=env, capture_output=True, text=True, check=True, cwd=str(ROOT),
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_of(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall-clock time and best CPU time (process_time: robust to a shared, busy machine)."""
    best, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        c = time.process_time()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
        if repeat > 1 and best > 20:
            break
    return best, best_cpu, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow networkx runs")
    parser.add_argument("--repeat", type=int, default=3, help="virality runs per case (best is kept)")
    parser.add_argument("--no-compile", action="store_true", help="skip the cold-compile subprocess")
    args = parser.parse_args(argv)

    import networkx as nx
    import numba
    import numpy as np

    import virality.generators as G

    compile_s = {} if args.no_compile else cold_compile_times()
    t = time.perf_counter()
    for call in WARMUP.values():  # compile here too (or load the cache) before timing
        eval(call, {"G": G})
    warm_s = time.perf_counter() - t

    big_repeat = min(2, args.repeat) if args.quick else args.repeat
    # (model, n, parameters, virality call, networkx call or None)
    cases = []
    for n in (10**4, 10**5, 10**6):
        nx_call = (lambda n=n: nx.barabasi_albert_graph(n, 5, seed=1)) if (n < 10**6 or not args.quick) else None
        cases.append(("barabasi_albert", n, "m=5", lambda n=n: G.barabasi_albert(n, 5, rng=1), nx_call))
    for n in (10**5, 10**6):
        cases.append(("social_graph", n, "communities=20, mean_degree=10, mixing=0.1",
                      lambda n=n: G.social_graph(n, rng=1), None))
    if not args.quick:
        cases.append(("erdos_renyi", 10**5, "mean_degree=10", lambda: G.erdos_renyi(10**5, mean_degree=10, rng=1),
                      lambda: nx.fast_gnp_random_graph(10**5, 10 / (10**5 - 1), seed=1)))
        cases.append(("holme_kim", 10**5, "m=5, p_triad=0.5", lambda: G.holme_kim(10**5, 5, 0.5, rng=1),
                      lambda: nx.powerlaw_cluster_graph(10**5, 5, 0.5, seed=1)))
    cases.append(("erdos_renyi", 10**6, "mean_degree=10", lambda: G.erdos_renyi(10**6, mean_degree=10, rng=1), None))
    cases.append(("holme_kim", 10**6, "m=5, p_triad=0.5", lambda: G.holme_kim(10**6, 5, 0.5, rng=1), None))
    cases.append(("watts_strogatz", 10**6, "k=10, beta=0.1", lambda: G.watts_strogatz(10**6, 10, 0.1, rng=1), None))
    weights = G.power_law_degrees(10**6, 2.5, min_degree=3, rng=1)
    cases.append(("chung_lu", 10**6, "power-law weights, exponent 2.5, min 3",
                  lambda: G.chung_lu(weights, rng=1), None))
    cases.append(("configuration_model", 10**6, "same degrees, simple=True",
                  lambda: G.configuration_model(weights, rng=1), None))

    rows = []
    for model, n, params, ours, theirs in cases:
        secs, cpu, g = best_of(ours, big_repeat if n >= 10**6 else args.repeat)
        row = {"model": model, "n": n, "params": params, "arcs": int(g.m), "virality_s": round(secs, 4),
               "virality_cpu_s": round(cpu, 4)}
        if theirs is not None:
            t = time.perf_counter()
            H = theirs()
            row["networkx_s"] = round(time.perf_counter() - t, 4)
            row["networkx_arcs"] = 2 * H.number_of_edges()
            row["speedup"] = round(row["networkx_s"] / secs, 1)
            del H
        rows.append(row)
        extra = f"  networkx {row['networkx_s']:.3f} s  x{row['speedup']}" if "speedup" in row else ""
        print(f"{model:20s} n={n:>8d}  arcs={row['arcs']:>9d}  {secs:8.3f} s (cpu {cpu:.3f} s){extra}", flush=True)

    meta = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "networkx": nx.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.uname().machine,
        "cpus": os.cpu_count(),
        "load_average_1min": (loadavg() or [None])[0],
        "quick": args.quick,
        "repeat": args.repeat,
    }
    result = {"meta": meta, "cold_compile_s": {k: round(v, 3) for k, v in compile_s.items()},
              "warmup_s": round(warm_s, 3), "results": rows}
    md = markdown(result)
    write_report(RESULTS / "generators.json", result, md + "\n", indent=2)
    print(md)
    return 0


def markdown(result: dict) -> str:
    meta = result["meta"]
    lines = [
        "# Generator benchmarks",
        "",
        f"Python {meta['python']}, numpy {meta['numpy']}, numba {meta['numba']}, networkx {meta['networkx']}; "
        f"{meta['cpus']} CPUs ({meta['processor']}), 1-min load average {meta['load_average_1min']} at the end; "
        f"{'--quick; ' if meta['quick'] else ''}virality: best of {meta['repeat']} runs"
        f"{' (2 at 10^6 nodes)' if meta['quick'] else ''}, compile excluded, wall clock and CPU time (the CPU "
        "time is the steadier number on a shared machine); networkx: one run, wall clock, generation only; "
        "speedup = networkx wall / virality wall.",
        "",
        "| model | n | parameters | arcs | virality (s) | virality CPU (s) | networkx (s) | speedup |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in result["results"]:
        nx_s = f"{r['networkx_s']:.3f}" if "networkx_s" in r else "-"
        speed = f"{r['speedup']:.0f}x" if "speedup" in r else "-"
        lines.append(
            f"| {r['model']} | {r['n']:,} | {r['params']} | {r['arcs']:,} | {r['virality_s']:.3f} "
            f"| {r['virality_cpu_s']:.3f} | {nx_s} | {speed} |"
        )
    if result["cold_compile_s"]:
        cc = result["cold_compile_s"]
        parts = ", ".join(f"{k} {v:.1f}" for k, v in cc.items() if k != "import")
        lines += [
            "",
            f"First call with an empty numba cache (compile, seconds, in call order; later kernels reuse "
            f"earlier helpers): {parts}; total {sum(v for k, v in cc.items() if k != 'import'):.1f} s. "
            f"In the benchmarking process itself the same first calls took {result['warmup_s']:.2f} s in all "
            "(a load from numba's on-disk cache, or a compile where that cache was stale).",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
