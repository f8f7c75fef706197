"""Time the graph generators of virality.generators against networkx.

Usage::

    python benchmarks/bench_generators.py [--quick] [--repeat R] [--memory-arcs 1e7] [--old PATH]

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
* Peak memory (first, before this process imports anything heavy): each generator builds a graph of
  about ``--memory-arcs`` arcs in a fresh process, as ``bench_scale.py`` does; the build's peak RSS
  (``ru_maxrss``) over the interpreter's (numba and the package imported, the kernels compiled by a
  tiny call, the inputs made, freed heap returned with ``malloc_trim``, then the peak reset through
  ``/proc/self/clear_refs`` where Linux allows)
  is divided by the graph's held bytes (``indptr``, ``indices``). ``--old PATH`` (e.g. ``git archive
  main virality | tar -x -C /tmp/gen-old``) measures that code the same way in the same run.
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


# one build of about `arcs` arcs per generator, in a fresh process: peak RSS over the interpreter's
MEMORY_SCRIPT = r"""
import json, resource, sys, time
import virality.generators as G
name, arcs = sys.argv[1], float(sys.argv[2])

def build(n, weights):
    return {
        "erdos_renyi": lambda: G.erdos_renyi(n, mean_degree=10, rng=1),
        "erdos_renyi directed": lambda: G.erdos_renyi(n, mean_degree=10, directed=True, rng=1),
        "barabasi_albert": lambda: G.barabasi_albert(n, 5, rng=1),
        "holme_kim": lambda: G.holme_kim(n, 5, 0.5, rng=1),
        "watts_strogatz": lambda: G.watts_strogatz(n, 10, 0.1, rng=1),
        "chung_lu": lambda: G.chung_lu(weights, rng=1),
        "chung_lu directed": lambda: G.chung_lu(weights, directed=True, rng=1),
        "configuration_model": lambda: G.configuration_model(weights, rng=1),
        "configuration_model multi": lambda: G.configuration_model(weights, simple=False, rng=1),
    }[name]

build(200, G.power_law_degrees(200, 2.5, min_degree=3, rng=1))()  # compile (or load the cache)
weights = G.power_law_degrees(int(arcs / 7.6), 2.5, min_degree=3, rng=1) if "_lu" in name or "config" in name else None
make = build(int(arcs / 10), weights)
try:  # give freed heap back (glibc), so the build cannot reuse memory the base counted
    import ctypes
    ctypes.CDLL("libc.so.6").malloc_trim(0)
except (OSError, AttributeError):
    pass
try:  # forget the peaks of the imports, the compile and the inputs (Linux)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
except OSError:
    pass
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter()
g = make()
secs = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
held = g.indptr.nbytes + g.indices.nbytes + (g.community.nbytes if g.community is not None else 0)
print(json.dumps(dict(model=name, n=g.n, arcs=g.m, build_s=secs, base=base, peak_over_base=peak - base, held=held)))
"""
MEMORY_MODELS = ("erdos_renyi", "erdos_renyi directed", "barabasi_albert", "holme_kim", "watts_strogatz",
                 "chung_lu", "chung_lu directed", "configuration_model", "configuration_model multi")


def memory_rows(arcs: float, old: str | None) -> list[dict]:
    """Peak over base / held per generator, this code and (``old``) another checkout's, alternating."""
    rows = []
    for model in MEMORY_MODELS:
        for code, path in (("new", str(ROOT)), ("old", old)):
            if path is None:
                continue
            env = dict(os.environ, PYTHONPATH=path)
            proc = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, model, str(arcs)], env=env,
                                  capture_output=True, text=True, cwd="/")
            if proc.returncode:
                raise SystemExit(f"memory child failed ({model}, {path}):\n{proc.stderr[-3000:]}")
            row = dict(json.loads(proc.stdout.strip().splitlines()[-1]), code=code)
            row["ratio"] = round(row["peak_over_base"] / row["held"], 3)
            rows.append(row)
            print(f"memory {code} {model:26s} arcs={row['arcs']:>9d}  peak/held {row['ratio']:.2f}  "
                  f"{row['peak_over_base'] / row['arcs']:.2f} B/arc", flush=True)
    return rows


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
    parser.add_argument("--memory-arcs", type=float, default=1e7, help="arcs of the peak-memory builds (0: skip)")
    parser.add_argument("--old", help="checkout whose generators' peak memory is measured too (before/after)")
    parser.add_argument("--memory-only", action="store_true",
                        help="only the peak-memory builds; the timings already in the results are kept")
    args = parser.parse_args(argv)

    # first, while this process is small: a child's ru_maxrss can start from its parent's
    memory = memory_rows(args.memory_arcs, args.old) if args.memory_arcs else []
    if args.memory_only:
        result = json.loads((RESULTS / "generators.json").read_text())
        result["memory"] = memory
        result["memory_meta"] = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "load_average_1min": (loadavg() or [None])[0],
                                 "arcs": args.memory_arcs, "old": args.old, "memory_only": True}
        md = markdown(result)
        write_report(RESULTS / "generators.json", result, md + "\n", indent=2)
        print(md)
        return 0

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
              "warmup_s": round(warm_s, 3), "results": rows, "memory": memory,
              "memory_meta": {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "arcs": args.memory_arcs, "old": args.old}}
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
    if result.get("memory"):
        lines += [
            "",
            "## Peak memory of the build",
            "",
            "Each build in a fresh process; peak = max RSS during the build over the interpreter's (numba and the "
            "package imported, kernels compiled, inputs made); held = `indptr` + `indices` of the graph. "
            "\"old\" is the code before the in-place builds (issue #16), measured in the same run"
            f" ({result.get('memory_meta', {}).get('date', '')})."
            + (" The timings above come from an earlier run (`--memory-only` kept them); this table's build "
               "times compare the two codes." if result.get("memory_meta", {}).get("memory_only") else ""),
            "",
            "| model | code | n | arcs | build (s) | held B/arc | peak B/arc | peak / held |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in result["memory"]:
            lines.append(
                f"| {r['model']} | {r['code']} | {r['n']:,} | {r['arcs']:,} | {r['build_s']:.2f} "
                f"| {r['held'] / r['arcs']:.2f} | {r['peak_over_base'] / r['arcs']:.2f} | {r['ratio']:.2f} |"
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
