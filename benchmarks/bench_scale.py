#!/usr/bin/env python
"""Graphs at scale: bytes per arc held and at the build's peak, build time, save and memory-mapped reload,
IC cascades, the streaming edge list -> store converter and ``read_edgelist`` (streamed; and the in-memory
reader), from 10^6 arcs up, against the previous release's code measured in the same run.

Usage::

    python benchmarks/bench_scale.py [--arcs 1e6 1e7 1e8] [--old PATH] [--old-max 1e8] [--convert 1e7]
        [--convert-ref PATH] [--repeat 3]

Each measurement runs in a fresh process (``social_graph(arcs / 20, mean_degree=20, prob=0.06)``, then
saving, reloading memory-mapped and 20 IC cascades from 10 seeds), so the peak resident memory of the
build (``ru_maxrss``) is its own; "peak over base" subtracts the interpreter with numba and the package
imported. ``--old PATH`` is a checkout of the previous release (``git worktree add /tmp/oldmain efbd486``):
the same script runs with it on ``PYTHONPATH`` for sizes up to ``--old-max``. ``--convert-ref PATH``
(e.g. ``git archive dc2ce86 virality | tar -x -C /tmp/convref``) times that code's ``edgelist_to_store``
on the same edge list, after this one, each the best of ``--repeat`` runs in one process. Writes
``benchmarks/results/scale.json``, ``scale.md`` and ``scale.png`` (time and memory against arcs, log-log,
with fitted slopes). Speed is never asserted in a test; the ratios here compare two codes measured in
the same run on the same (shared) machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import loadavg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"

CHILD = r"""
import json, resource, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np
import virality
from virality.generators import social_graph
from virality.models import simulate
from virality.store import load_graph, save_graph
arcs = int(float(sys.argv[1]))
n = max(arcs // 20, 100)
social_graph(1000, mean_degree=20, rng=0, prob=0.06)  # compile before measuring
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter()
g = social_graph(n, mean_degree=20, rng=1, prob=0.06)
build = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
held = sum(a.nbytes for a in (g.indptr, g.indices, g.prob, g.community) if isinstance(a, np.ndarray))
seeds = np.arange(0, g.n, max(g.n // 10, 1))[:10]
simulate(g, seeds, runs=1, rng=0)  # compile
t = time.perf_counter()
res = simulate(g, seeds, runs=20, rng=2)
ic = time.perf_counter() - t
tmp = Path(tempfile.mkdtemp(dir=sys.argv[2]))
t = time.perf_counter()
save_graph(g, tmp / "g")
save = time.perf_counter() - t
t = time.perf_counter()
h = load_graph(tmp / "g")
load = time.perf_counter() - t
same = bool(np.array_equal(simulate(h, seeds, runs=3, rng=3).final_sizes, simulate(g, seeds, runs=3, rng=3).final_sizes))
del h
shutil.rmtree(tmp / "g")
sync_save = save_again = None
if "sync" in sys.argv[3:]:
    # the same save flushed to disk before it returns (save_graph(sync=True)), then the plain save again: the
    # first save writes into memory the (virtual) machine has not used yet, which can be slower than the disk
    t = time.perf_counter()
    save_graph(g, tmp / "d", sync=True)
    sync_save = time.perf_counter() - t
    shutil.rmtree(tmp / "d")
    t = time.perf_counter()
    save_graph(g, tmp / "g")
    save_again = time.perf_counter() - t
shutil.rmtree(tmp)
print(json.dumps(dict(arcs=g.m, n=g.n, build_s=build, peak_over_base=peak - base, base=base, held=held,
                      ic_s=ic, ic_adopted=int(res.final_sizes.sum()), save_s=save, load_s=load, mmap_same=same,
                      sync_save_s=sync_save, save_again_s=save_again, version=virality.__version__)))
"""

# the peak memory of a step in a child process: reset_peak() before it, hwm() after it (Linux)
PEAK = r"""
def reset_peak():  # forget the peaks of the imports and the compile: return freed heap, reset VmHWM
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except (OSError, AttributeError):
        pass
    return hwm()


def hwm():  # peak RSS since the reset: VmHWM (getrusage keeps the peak of threads that exited before it)
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM"))
"""

CONVERT = PEAK + r"""
import json, resource, shutil, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np
from virality.convert import edgelist_to_store
text, out = Path(sys.argv[1]), Path(sys.argv[2])
small = out / "small.txt"
small.write_text("0 1\n1 2\n")
edgelist_to_store(small, out / "warm")  # compile
base = reset_peak()
times = []
for _ in range(int(sys.argv[3])):  # the best of a few: the machine is shared
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        edgelist_to_store(text, out / "s")
    times.append(time.perf_counter() - t)
conv = min(times)
peak = hwm()
from virality.store import load_graph
m = load_graph(out / "s").m
print(json.dumps(dict(arcs=m, convert_s=conv, convert_times=times, convert_peak_over_base=peak - base,
                      text_bytes=text.stat().st_size)))
"""

# read_edgelist + save_graph in a fresh process, after CONVERT wrote `s` in the same folder: "read" is
# read_edgelist as a user calls it (streamed for integer ids), "in-memory" the reader that holds the whole text
READ = PEAK + r"""
import json, resource, sys, time, warnings
from pathlib import Path
import numpy as np
from virality import io as vio
from virality.store import load_graph, save_graph
text, out, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
small = out / "small.txt"
small.write_text("0 1\n1 2\n")

def read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if mode == "read":
            return vio.read_edgelist(path, relabel=False)
        return vio._read_edgelist(path, directed=True, weighted=None, delimiter=None, comments=("#", "%"), header=None,
                                  parallel="keep", relabel=False, name=None, warn_loops=False, stream=False)

read(small)  # compile
base = reset_peak()
t = time.perf_counter()
g = read(text)
save_graph(g, out / mode)
secs = time.perf_counter() - t
peak = hwm()
a, b = load_graph(out / mode), load_graph(out / "s")
same = bool(np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices))
print(json.dumps(dict(read_save_s=secs, read_save_peak_over_base=peak - base, held=g.indptr.nbytes + g.indices.nbytes,
                      same=same)))
"""


def child(code: str, args: list[str], path: str | None) -> dict:
    env = dict(os.environ, PYTHONPATH=path or str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, cwd="/")
    if out.returncode:
        raise SystemExit(f"child failed ({args}, PYTHONPATH={path}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def slope(xs: list[float], ys: list[float]) -> float:
    import numpy as np

    return float(np.polyfit(np.log10(xs), np.log10(ys), 1)[0]) if len(xs) > 1 else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arcs", nargs="*", type=float, default=[1e6, 1e7, 1e8])
    ap.add_argument("--old", help="checkout of the previous release, for the same measurements")
    ap.add_argument("--old-max", type=float, default=1e8)
    ap.add_argument("--convert", type=float, default=1e7, help="arcs of the edge list converted (0: skip)")
    ap.add_argument("--convert-ref", help="checkout whose edgelist_to_store is timed on the same edge list")
    ap.add_argument("--repeat", type=int, default=3, help="conversions timed per code (the best is kept)")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--merge", help="an earlier scale.json whose rows (and converter run) join this run's")
    ap.add_argument("--render", action="store_true", help="only rewrite scale.md and scale.png from scale.json")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if a.render:
        write_markdown(json.loads((out / "scale.json").read_text()), out)
        return 0
    rows = []
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        for arcs in a.arcs:
            for code, path in (("new", None), ("old", a.old)):
                if code == "old" and (not path or arcs > a.old_max):
                    continue
                r = child(CHILD, [str(arcs), tmp, *(["sync"] if code == "new" else [])], path)
                r["code"] = code
                rows.append(r)
                print(json.dumps(r), flush=True)
        conv = None
        if a.convert:
            import numpy as np

            text = Path(tmp) / "edges.txt"
            rng = np.random.default_rng(5)
            m = int(a.convert)
            with open(text, "w") as fh:
                for i in range(0, m, 1 << 20):
                    k = min(1 << 20, m - i)
                    pairs = rng.integers(0, m // 10, size=(k, 2))
                    fh.write("\n".join(f"{u} {v}" for u, v in pairs.tolist()) + "\n")
            conv = child(CONVERT, [str(text), tmp, str(a.repeat), "new"], None)
            conv["loadavg"] = loadavg()
            for mode in ("read", "in-memory"):
                conv[mode] = child(READ, [str(text), tmp, mode], None)
            if a.convert_ref:
                conv["ref"] = child(CONVERT, [str(text), tmp, str(a.repeat), "ref"], a.convert_ref)
                conv["loadavg_after"] = loadavg()
            print(json.dumps(conv), flush=True)
    if a.merge:  # e.g. the 10^9-arc run, made alone on a quiet machine
        earlier = json.loads(Path(a.merge).read_text())
        # a size measured again replaces every earlier row of that size: rows compared must come from one run
        ran = {round(r["arcs"], -5) for r in rows}
        kept = [r for r in earlier["rows"] if round(r["arcs"], -5) not in ran]
        for r in kept:  # say which run a kept row comes from
            r.setdefault("from_run", f"{earlier['date']}, load {earlier['loadavg']}")
        rows = sorted(kept + rows, key=lambda r: (r["arcs"], r["code"]))
        conv = conv or earlier.get("convert")
    result = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "loadavg": loadavg(), "rows": rows, "convert": conv}
    (out / "scale.json").write_text(json.dumps(result, indent=2) + "\n")
    write_markdown(result, out)
    return 0


def write_markdown(result: dict, out: Path) -> None:
    rows = result["rows"]
    lines = [f"# Graphs at scale ({result['date']}, load {result['loadavg']})", "",
             "`social_graph(arcs / 20, mean_degree=20, prob=0.06)`, each in a fresh process; `held` counts "
             "indptr, indices, per-arc prob and community; `peak` is the build's max RSS over the interpreter's.", "",
             "`save s` is the process's first `save_graph` (as called by default); `synced save s` is then "
             "`save_graph(sync=True)`, which returns once every file is on disk; `save again s` the default save once "
             "more. Arrays of 64 MiB and more are written with O_DIRECT (`store.DIRECT_BYTES`), smaller ones through the "
             "page cache, which on this virtual machine is slow to fill with memory used for the first time (`dd` "
             "writes a new 470 MB file at about 300 MB/s, and at 2.3 GB/s once that memory has been used); "
             "`-`: not measured in that run.", "",
             "| code | arcs | build s | held B/arc | peak B/arc | peak / held | save s | synced save s | save again s | "
             "mmap load s | 20 IC s | mmap = memory |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]

    def secs(r: dict, key: str) -> str:
        return f"{r[key]:.2f}" if r.get(key) is not None else "-"

    for r in rows:
        lines.append(f"| {r['code']} | {r['arcs']:,} | {r['build_s']:.2f} | {r['held'] / r['arcs']:.2f} | "
                     f"{r['peak_over_base'] / r['arcs']:.2f} | {r['peak_over_base'] / r['held']:.2f} | {r['save_s']:.2f} | "
                     f"{secs(r, 'sync_save_s')} | {secs(r, 'save_again_s')} | {r['load_s']:.3f} | {r['ic_s']:.2f} | "
                     f"{r['mmap_same']} |")
    lines.append("")
    for r in rows:
        if r.get("from_run"):
            lines.append(f"- {r['arcs']:,} arcs ({r['code']}): from an earlier run ({r['from_run']}), not this one")
    for code in ("new", "old"):
        rs = [r for r in rows if r["code"] == code]
        if len(rs) > 1:
            xs = [r["arcs"] for r in rs]
            lines.append(f"- {code}: log-log slope of build time {slope(xs, [r['build_s'] for r in rs]):.2f}, "
                         f"of peak memory {slope(xs, [r['peak_over_base'] for r in rs]):.2f}")
    new = {r["arcs"]: r for r in rows if r["code"] == "new"}
    for r in rows:
        if r["code"] == "old" and r["arcs"] in new:
            x = new[r["arcs"]]
            lines.append(f"- {r['arcs']:,} arcs, previous release / this one: held {r['held'] / x['held']:.2f}x, "
                         f"build peak {r['peak_over_base'] / x['peak_over_base']:.2f}x, build time "
                         f"{r['build_s'] / x['build_s']:.2f}x, 20 IC cascades {r['ic_s'] / x['ic_s']:.2f}x, save "
                         f"{r['save_s'] / x['save_s']:.2f}x")
    c = result.get("convert")
    if c:
        text = (f"Edge list -> store ({c['arcs']:,} arcs, {c['text_bytes'] / 1e6:.0f} MB of text): "
                f"`edgelist_to_store` {c['convert_s']:.2f} s ({c['arcs'] / c['convert_s'] / 1e6:.1f} M arcs/s, peak "
                f"{c['convert_peak_over_base'] / c['arcs']:.1f} B/arc over the interpreter)")
        for mode, what in (("read", "`read_edgelist` (streamed: integer ids)"),
                           ("in-memory", "the in-memory reader (string ids, or `relabel=True`)")):
            r = c.get(mode)
            if r:
                text += (f"; {what} + `save_graph` {r['read_save_s']:.2f} s, peak {r['read_save_peak_over_base'] / 1e6:.0f} MB "
                         f"over the interpreter ({r['read_save_peak_over_base'] / r['held']:.2f}x the graph's "
                         f"{r['held'] / 1e6:.0f} MB), same arrays: {r['same']}")
        ref = c.get("ref")
        if ref:
            text += (f"; the reference converter (`--convert-ref`) in the same run {ref['convert_s']:.2f} s "
                     f"({ref['arcs'] / ref['convert_s'] / 1e6:.2f} M arcs/s, peak "
                     f"{ref['convert_peak_over_base'] / ref['arcs']:.1f} B/arc): {ref['convert_s'] / c['convert_s']:.2f}x "
                     "the time")
        if "loadavg" in c:
            text += (f" (converters: best of {len(c['convert_times'])} runs each; readers: one run each, in a fresh "
                     f"process; load {c['loadavg']} before, {c.get('loadavg_after', c['loadavg'])} after)")
        lines += ["", text]
    (out / "scale.md").write_text("\n".join(lines) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for code, style in (("new", "o-"), ("old", "s--")):
        rs = [r for r in rows if r["code"] == code]
        if not rs:
            continue
        xs = [r["arcs"] for r in rs]
        for ax, key in zip(axes, ("build_s", "peak_over_base")):
            ys = [r[key] for r in rs]
            ax.loglog(xs, ys, style, label=f"{code} (slope {slope(xs, ys):.2f})")
    axes[0].set(xlabel="arcs", ylabel="build time (s)", title="social_graph build time")
    axes[1].set(xlabel="arcs", ylabel="peak memory over interpreter (bytes)", title="build peak memory")
    for ax in axes:
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "scale.png", dpi=110)


if __name__ == "__main__":
    sys.exit(main())
