#!/usr/bin/env python
"""Engine benchmark: how fast ``virality.simulate`` runs IC and LT, and how that compares.

Usage::

    python benchmarks/bench_engine.py [--quick] [--out benchmarks/results/engine.json]

One run measures, and writes to ``--out`` (JSON, every timing) and to the same path with ``.md``
(readable tables with ratios and the project's bars):

1. the first ``simulate`` call in a fresh subprocess (numba compile, or load from numba's cache);
2. IC on Barabasi-Albert graphs (m=5, both arcs of each edge) of 10^4, 10^5 and 10^6 nodes (10^6
   skipped with ``--quick``), seeds = the 10 top-degree nodes, p = 0.05 and p = 0.01, by the scalar-p
   path, the per-arc path with that p on every arc ("array") and the per-arc path with p varying
   uniformly in [0, 2p) ("varying", its own case: a different cascade), with 1 numba thread and all;
3. a plain-Python BFS reference implementation of IC (``random.random()`` per arc) on 10^4 and 10^5;
4. LT (weights 1/in-degree) on the same graphs;
5. CyNetDiff's IC and LT and NDlib's ``IndependentCascadesModel`` (10^4 only), when installed
   (``pip install cynetdiff ndlib``, or the ``bench`` extra); missing ones are recorded as not installed;
6. per-call engine overheads (allocation, validation, threading) that explain the numbers;
7. IC on NetHEPT (``load_dataset("nethept")``, the file's weighted-cascade p per arc, read as CyNetDiff
   reads it) from its 5 top-degree nodes: short cascades of about 130 people, where a run's fixed
   costs would show, against CyNetDiff on the same arrays (also with ``--quick``).

``--scaling-only`` runs only the thread-scaling case (1, 2, 4, 8, 16 threads, capped at numba's
thread count, on a 10^6-node graph; IC at p = 0.05 and 0.01 and LT, plus the machine's reference
loops at each thread count) and writes ``engine_scaling.json`` / ``.md`` (``--out`` overrides): a few
minutes on a 16-core machine.

Method. Time is ``time.perf_counter`` around the whole public call (``simulate`` including its
validation and allocation; for the references, the run loop without graph conversion). Every
contender is warmed up, its run count is sized from a pilot to fill a time target, and the
contenders of one case are timed in interleaved repetitions (so machine noise hits all of them
alike); the best repetition counts. Every repetition replays the same random workload (same root
key / RNG seed), so "best of" never picks a lucky, smaller workload. Throughput is *arcs examined
per second per core*, where the arcs examined by a cascade are the summed out-degrees of its
adopters (the work a one-coin-per-arc BFS does; the scalar-p path skips most of them, which is why it
is faster). Ratios use that throughput, so a contender that happened to draw bigger cascades is not
penalised. Before any speed is compared, the mean spreads are checked to agree within a few
standard errors (|z| <= 4); a mismatch is flagged in both outputs.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmark this checkout, installed or not
    sys.path.insert(0, str(ROOT))

import numba  # noqa: E402
import numpy as np  # noqa: E402

from virality import simulate  # noqa: E402
from virality.generators import barabasi_albert  # noqa: E402
from virality.graph import check_probabilities  # noqa: E402
from virality.models import lt_weights  # noqa: E402
from virality._kernels import sub_key, uniform  # noqa: E402

from common import (  # noqa: E402  (helpers shared by the benchmarks)
    fmt, fmt_ms, fmt_n, fmt_x, loadavg, log, machine_info, mean_se, write_report, z_score)

SEED_GRAPH = 20240601
SEED_RUNS = 12345
N_SEEDS = 10
PROBS = (0.05, 0.01)
Z_OK = 4.0  # "agree within a few standard errors"

# project bars (see benchmarks/README.md)
BAR_IC_CYNETDIFF = 2.0
BAR_LT_CYNETDIFF = 5.0
BAR_NDLIB = 1000.0
BAR_SPEEDUP = 1.8
BAR_NETHEPT_CYNETDIFF = 2.0
NETHEPT_SEEDS = 5  # top out-degree: cascades of about 130 people on the file's weighted-cascade p
SCALING_THREADS = (1, 2, 4, 8, 16)
SCALING_N = 10**6


@dataclass
class Mode:
    sizes: tuple[int, ...]
    target_s: float  # wall time one repetition of one contender aims at
    reps: int  # repetitions (best counts)
    ref_reps: int  # repetitions for slow references (BFS, NDlib)
    min_runs: int  # virality (cheap): enough runs for a tight standard error
    ref_min_runs: int  # CyNetDiff
    ref_max_s: float  # cap on one repetition of a slow reference
    bfs_sizes: tuple[int, ...]
    ndlib_runs: int
    cold_compile: bool
    threading_envs: bool


FULL = Mode(sizes=(10**4, 10**5, 10**6), target_s=0.4, reps=5, ref_reps=2, min_runs=64, ref_min_runs=8,
            ref_max_s=3.0, bfs_sizes=(10**4, 10**5), ndlib_runs=6, cold_compile=True, threading_envs=True)
QUICK = Mode(sizes=(10**4, 10**5), target_s=0.15, reps=2, ref_reps=1, min_runs=32, ref_min_runs=8,
             ref_max_s=1.0, bfs_sizes=(10**4, 10**5), ndlib_runs=6, cold_compile=False, threading_envs=False)


@numba.njit(parallel=True, cache=True)
def _hash_work(blocks: int, per_block: int) -> float:
    """Compute-bound reference work: independent SplitMix64 hashes, ``blocks`` parallel blocks."""
    out = np.zeros(blocks)
    for b in numba.prange(blocks):
        key = np.uint64(b + 1)
        acc = 0.0
        for j in range(per_block):
            acc += uniform(key, j)
        out[b] = acc
    return out.sum()


@numba.njit(parallel=True, cache=True)
def _gather_work(arr: np.ndarray, blocks: int, per_block: int) -> float:
    """Memory-bound reference work: random reads from ``arr`` (a power-of-two size far beyond the
    caches), ``blocks`` parallel blocks: what a cascade on a large graph mostly waits for."""
    mask = np.uint64(arr.size - 1)
    out = np.zeros(blocks)
    for b in numba.prange(blocks):
        key = np.uint64(b + 1)
        acc = 0.0
        for j in range(per_block):
            acc += arr[sub_key(key, j) & mask]
        out[b] = acc
    return out.sum()


def machine_scaling(reps: int = 5) -> dict[str, Any]:
    """What 1 -> all threads gives two reference numba loops right now (interleaved repetitions, best
    of each): compute-bound hashing and random reads over 256 MB. The ceilings the cascades'
    speed-up can be read against on a shared machine."""
    threads = numba.config.NUMBA_NUM_THREADS
    table = np.random.default_rng(0).random(1 << 25)
    _hash_work(threads, 10)
    _gather_work(table, threads, 10)
    work = {"compute": lambda: _hash_work(2 * threads, 20_000_000),
            "memory": lambda: _gather_work(table, 2 * threads, 3_000_000)}
    best = {(k, th): math.inf for k in work for th in (1, threads)}
    for _ in range(reps):
        for k, fn in work.items():
            for th in (1, threads):
                numba.set_num_threads(th)
                t0 = time.perf_counter()
                fn()
                best[k, th] = min(best[k, th], time.perf_counter() - t0)
    numba.set_num_threads(threads)
    return {"threads": threads, "best_1t_s": best["compute", 1], "best_all_s": best["compute", threads],
            "speedup": best["compute", 1] / best["compute", threads],
            "memory_speedup": best["memory", 1] / best["memory", threads], "loadavg": loadavg()}


# ------------------------------------------------------------------------------------------ contenders
class Clock:
    """Adds up wall time (``perf_counter``) and this process's CPU time (all threads) over sections."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self) -> Clock:
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall += time.perf_counter() - self._w
        self.cpu += time.process_time() - self._c


@dataclass
class Contender:
    """One implementation of one case. ``fn(runs)`` returns ``(Clock, sizes, arcs_per_run)``."""

    name: str  # e.g. "virality scalar-p"
    impl: str  # virality | python-bfs | cynetdiff | cynetdiff-batch | ndlib
    path: str  # scalar | array | lt
    threads: int
    fn: Callable[[int], tuple[Clock, np.ndarray, float | None]]
    runs: int = 0
    reps: int = 1
    prepare: Callable[[], None] = lambda: None
    replay: Callable[[int], float] | None = None  # arcs per run of the timed workload, when fn can't tell
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # process CPU time (all threads) of each repetition
    sizes: np.ndarray | None = None
    arcs_per_run: float | None = None
    warm: bool = False  # already called (compiled, thread pool started, caches touched)
    calibration: dict[str, Any] | None = None  # virality 1-thread: fixed and marginal cost per call

    def time_once(self) -> None:
        self.prepare()
        clock, sizes, arcs = self.fn(self.runs)
        self.times.append(clock.wall)
        self.cpu.append(clock.cpu)
        self.sizes = sizes
        if arcs is not None:
            self.arcs_per_run = arcs

    def record(self) -> dict[str, Any]:
        best = min(self.times)
        best_cpu = min(self.cpu)
        mean, se = mean_se(self.sizes)
        arcs = self.arcs_per_run
        return {
            "name": self.name,
            "impl": self.impl,
            "path": self.path,
            "threads": self.threads,
            "runs": self.runs,
            "reps": len(self.times),
            "times_s": [round(t, 6) for t in self.times],
            "best_s": best,
            "cpu_s": [round(t, 6) for t in self.cpu],
            "best_cpu_s": best_cpu,
            "cpu_per_wall_best": self.cpu[self.times.index(best)] / best,
            "per_cascade_s": best / self.runs,
            "mean_size": mean,
            "se_size": se,
            "arcs_per_cascade": arcs,
            "arcs_per_s_per_core": None if arcs is None else arcs * self.runs / best / self.threads,
            "arcs_per_cpu_s": None if arcs is None or best_cpu <= 0 else arcs * self.runs / best_cpu,
        }


def calibrate(call: Callable[[int], float], target_s: float, lo: int, hi: int,
              cap_s: float = math.inf, min_k: int = 1, k0: int = 1) -> tuple[int, dict[str, float]]:
    """Run count for one repetition of about ``target_s`` (at least ``lo`` runs unless that would take
    longer than ``cap_s``; never fewer than 2), from pilot calls of 1, 8, 64, ... runs until one takes
    a measurable time and clearly more than the first call (``k0`` runs: for virality, enough runs
    that both calls allocate the same number of blocks). The runs are sized by the marginal cost per
    run, so that a large fixed cost per call does not shrink the workload to a few runs."""
    t1 = call(k0)
    if t1 < 0.05:
        t1 = min(t1, call(k0))
    k, tk = k0, t1
    while (tk < max(0.05, 0.1 * target_s) or k < min_k or (k < 64 * k0 and tk < 1.5 * t1)) and k < hi:
        k = min(k * 8, hi)
        tk = call(k)
    per_run = max(tk / k, 1e-8)
    marginal = max((tk - t1) / (k - k0), 1e-9) if k > k0 else per_run
    fixed = max(t1 - k0 * marginal, 0.0)
    work_s = max(target_s - fixed, 0.5 * target_s)
    runs = int(min(max(math.ceil(work_s / min(marginal, per_run) if k > k0 else target_s / per_run), lo), hi))
    # a noisy pilot (the first call slower than a larger one) must not size a repetition to hours:
    # whatever the marginal estimate, a repetition stays within a few targets at the pilot's pace
    runs = max(2, min(runs, int(4 * target_s / per_run) + 1))
    if math.isfinite(cap_s):
        runs = max(2, min(runs, int(cap_s / per_run)))
    return runs, {"base_runs": k0, "call_base_s": t1, "pilot_runs": k, "pilot_s": tk,
                  "marginal_per_run_s": marginal, "fixed_per_call_s": fixed}


# --- virality
def virality_contender(graph, seeds, *, model: str, p: Any, threads: int, label: str, path: str):
    outdeg = graph.out_degree.astype(np.float64)
    kwargs = {"p": p} if model == "ic" else {}
    if np.ndim(p) == 1:
        # per-arc probabilities live on the graph, as CyNetDiff's model holds its activation_probs
        graph, kwargs = graph.with_prob(p), {}

    def fn(runs: int):
        with Clock() as clock:
            res = simulate(graph, seeds, model=model, runs=runs, rng=SEED_RUNS, **kwargs)
        return clock, res.final_sizes, float(res.adoption_frequency @ outdeg)

    return Contender(name=label, impl="virality", path=path, threads=threads, fn=fn,
                     prepare=lambda: numba.set_num_threads(threads))


# --- plain Python BFS reference
def ic_bfs(adj: list[list[int]], seeds: list[int], p: float, rnd: Callable[[], float]) -> list[int]:
    """Independent Cascade by breadth-first search: each new adopter flips one coin per arc to a
    node that has not adopted yet (plain Python, ``random.random()`` per coin)."""
    active = set(seeds)
    order = list(seeds)
    frontier = list(seeds)
    while frontier:
        nxt = []
        for u in frontier:
            for v in adj[u]:
                if v not in active and rnd() < p:
                    active.add(v)
                    nxt.append(v)
        order.extend(nxt)
        frontier = nxt
    return order


def bfs_contender(adj, seeds, p, outdeg):
    seeds_l = [int(s) for s in seeds]

    def fn(runs: int):
        rng = random.Random(SEED_RUNS)
        rnd = rng.random
        sizes = np.empty(runs, np.int64)
        arcs = 0
        clock = Clock()
        for r in range(runs):
            with clock:
                adopters = ic_bfs(adj, seeds_l, p, rnd)
            sizes[r] = len(adopters)
            arcs += int(outdeg[adopters].sum())
        return clock, sizes, arcs / runs

    return Contender(name="python BFS", impl="python-bfs", path="scalar", threads=1, fn=fn)


# --- CyNetDiff
def varying_p(graph, p: float) -> np.ndarray:
    """Per-arc probabilities uniform in [0, 2p) (mean p), float32-exact so both engines get the same."""
    rng = np.random.default_rng(SEED_GRAPH)
    return rng.uniform(0, 2 * p, graph.m).astype(np.float32).astype(np.float64)


def cynetdiff_models(graph, p: float | None, varying: bool = False):
    """CyNetDiff models on the same CSR arrays (what ``networkx_to_ic_model`` builds, without networkx)."""
    from cynetdiff.models import IndependentCascadeModel, LinearThresholdModel

    starts = np.ascontiguousarray(graph.indptr[:-1], dtype=np.uint32)
    edges = np.ascontiguousarray(graph.indices, dtype=np.uint32)
    if p is None:
        return {"lt": LinearThresholdModel(starts, edges, rng=SEED_RUNS)}  # influence 1/in-degree
    if varying:
        probs = varying_p(graph, p).astype(np.float32)
        return {"varying": IndependentCascadeModel(starts, edges, activation_probs=probs, rng=SEED_RUNS)}
    probs = np.full(graph.m, p, dtype=np.float32)
    return {
        "scalar": IndependentCascadeModel(starts, edges, activation_prob=p, rng=SEED_RUNS),
        "array": IndependentCascadeModel(starts, edges, activation_probs=probs, rng=SEED_RUNS),
    }


def cynetdiff_contenders(model, seeds, outdeg, path: str, label: str) -> list[Contender]:
    seeds_l = [int(s) for s in seeds]
    model.set_seeds(seeds_l)

    def loop(runs: int):
        reset, advance, count = model.reset_model, model.advance_until_completion, model.get_num_activated_nodes
        sizes = np.empty(runs, np.int64)
        with Clock() as clock:
            for r in range(runs):
                reset()
                advance()
                sizes[r] = count()
        return clock, sizes, None

    def batch(runs: int):
        # CyNetDiff's own C++ loop over trials; returns only the mean (float32), so no sizes
        with Clock() as clock:
            (mean,) = model.compute_marginal_gains(seeds_l, [], runs)
        return clock, np.array([mean]), None

    cache: dict[int, float] = {}

    def replay(runs: int) -> float:
        """Arcs examined per run of the timed workload (same RNG seed, untimed; loop and batch draw
        the same cascades, so one replay serves both)."""
        if runs in cache:
            return cache[runs]
        model.set_rng(SEED_RUNS)
        arcs = 0
        for _ in range(runs):
            model.reset_model()
            model.advance_until_completion()
            arcs += int(outdeg[np.fromiter(model.get_activated_nodes(), np.int64)].sum())
        cache[runs] = arcs / runs
        return cache[runs]

    reseed = lambda: model.set_rng(SEED_RUNS)  # noqa: E731
    return [
        Contender(name=f"{label} loop", impl="cynetdiff", path=path, threads=1, fn=loop, prepare=reseed,
                  replay=replay),
        Contender(name=f"{label} batch", impl="cynetdiff-batch", path=path, threads=1, fn=batch,
                  prepare=reseed, replay=replay),
    ]


# --- NDlib
def ndlib_contender(G, seeds, p, outdeg, runs: int):
    import ndlib.models.ModelConfig as mc
    import ndlib.models.epidemics as ep

    seeds_l = [int(s) for s in seeds]
    model = ep.IndependentCascadesModel(G, seed=SEED_RUNS)
    cfg = mc.Configuration()
    cfg.add_model_initial_configuration("Infected", seeds_l)
    for e in G.edges():  # every edge, else NDlib silently uses 1/degree
        cfg.add_edge_configuration("threshold", e, p)
    model.set_initial_status(cfg)

    def fn(runs: int):
        np.random.seed(SEED_RUNS)  # NDlib draws from numpy's global RNG
        sizes = np.empty(runs, np.int64)
        arcs = 0
        clock = Clock()
        for r in range(runs):
            model.reset(seeds_l)
            with clock:
                while True:
                    it = model.iteration(node_status=False)
                    if it["node_count"][1] == 0:
                        break
            adopters = np.fromiter((u for u, s in model.status.items() if s != 0), np.int64)
            sizes[r] = adopters.size
            arcs += int(outdeg[adopters].sum())
        return clock, sizes, arcs / runs

    c = Contender(name="ndlib IndependentCascadesModel", impl="ndlib", path="scalar", threads=1, fn=fn)
    c.runs = runs
    return c


# ------------------------------------------------------------------------------------------ one case
def run_case(contenders: list[Contender], reps_of: Callable[[Contender], int]) -> None:
    """Warm up, then interleave repetitions of all contenders (each keeps its own run count)."""
    for c in contenders:
        if not c.warm:
            c.prepare()
            c.fn(1)  # warm-up
    max_reps = max(reps_of(c) for c in contenders)
    for rep in range(max_reps):
        for c in contenders:
            if rep < reps_of(c):
                c.time_once()
    for c in contenders:
        if c.arcs_per_run is None and c.replay is not None:
            c.arcs_per_run = c.replay(c.runs)
        if c.calibration is not None and c.runs > c.calibration["base_runs"]:
            # refine with the timed repetitions: marginal from the base call and the timed call
            cal = c.calibration
            k0 = cal["base_runs"]
            cal["marginal_per_run_s"] = max((min(c.times) - cal["call_base_s"]) / (c.runs - k0), 0.0)
            cal["fixed_per_call_s"] = max(cal["call_base_s"] - k0 * cal["marginal_per_run_s"], 0.0)
            cal["timed_runs"] = c.runs


def agreement(case: dict[str, Any], a: Contender, b: Contender) -> dict[str, Any] | None:
    # a standard error from fewer runs is itself too noisy to test against
    if a.sizes is None or b.sizes is None or b.sizes.size < 5 or a.sizes.size < 5:
        return None
    ma, mb = mean_se(a.sizes), mean_se(b.sizes)
    z = z_score(ma, mb)
    return {**case, "a": a.name, "b": b.name, "mean_a": ma[0], "se_a": ma[1], "mean_b": mb[0], "se_b": mb[1],
            "z": z, "ok": bool(z <= Z_OK)}


def check_agreement(out: list[dict[str, Any]], case: dict[str, Any], cs: list[Contender]) -> None:
    """Multi-thread virality runs must equal the 1-thread ones bit for bit (same root key); every other
    contender's mean spread must agree with virality's first (1-thread) contender within Z_OK s.e."""
    ref = cs[0]
    for c in cs[1:]:
        if c.impl == "virality" and c.threads != 1:
            one = next(o for o in cs if o.impl == "virality" and o.path == c.path and o.threads == 1)
            same = bool(np.array_equal(one.sizes, c.sizes))
            out.append({**case, "a": one.name, "b": c.name, "identical": same, "ok": same})
            continue
        ag = agreement(case, ref, c)
        if ag:
            out.append(ag)


# ------------------------------------------------------------------------------------------ sections
FIRST_CALL_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import virality
from virality import Graph, simulate
t1 = time.perf_counter()
g = Graph.from_edges(np.arange(199), np.arange(1, 200), undirected=True)
t2 = time.perf_counter(); simulate(g, [0], model="ic", p=0.2, runs=4, rng=1); t3 = time.perf_counter()
simulate(g, [0], model="ic", p=0.2, runs=4, rng=1); t4 = time.perf_counter()
simulate(g, [0], model="lt", runs=4, rng=1); t5 = time.perf_counter()
simulate(g, [0], model="ic", p=np.full(g.m, 0.2), runs=4, rng=1); t6 = time.perf_counter()
from virality import _kernels as K
st = K.monte_carlo.stats
print(json.dumps({"import_s": t1 - t0, "first_ic_s": t3 - t2, "second_ic_s": t4 - t3,
                  "first_lt_s": t5 - t4, "first_ic_array_s": t6 - t5,
                  "monte_carlo_cache_hits": sum(st.cache_hits.values()),
                  "monte_carlo_cache_misses": sum(st.cache_misses.values())}))
"""


def first_call(mode: Mode) -> dict[str, Any]:
    """First simulate() in fresh interpreters: cold compile (empty numba cache) and cache load."""
    out: dict[str, Any] = {}

    def child(env_extra: dict[str, str]) -> dict[str, Any]:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        env.update(env_extra)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", FIRST_CALL_SCRIPT], env=env, capture_output=True, text=True,
                              timeout=600)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            return {"error": proc.stderr.strip().splitlines()[-1:] if proc.stderr else proc.returncode}
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["process_wall_s"] = wall
        return res

    if mode.cold_compile:
        with tempfile.TemporaryDirectory(prefix="virality-numba-cache-") as cache:
            log("first call: cold compile (empty NUMBA_CACHE_DIR)")
            out["cold_compile"] = child({"NUMBA_CACHE_DIR": cache})
            log("first call: cache load (same NUMBA_CACHE_DIR, new process)")
            out["cache_load"] = child({"NUMBA_CACHE_DIR": cache})
    else:
        log("first call: default numba cache location (virality/__pycache__)")
        res = child({})
        # numba's own counters tell whether the kernel came from the cache or was compiled (stale cache)
        key = "cache_load" if res.get("monte_carlo_cache_hits") and not res.get("monte_carlo_cache_misses") \
            else "compile (default cache stale or empty)"
        out[key] = res
    return out


def median_call(fn: Callable[[], Any], k: int) -> float:
    ts = []
    for _ in range(k):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def engine_overheads(graph, seeds, mode: Mode) -> dict[str, Any]:
    """Fixed costs of one simulate() call, independent of cascade size."""
    max_threads = numba.config.NUMBA_NUM_THREADS
    k = 15 if graph.n <= 10**5 else 5
    out: dict[str, Any] = {"n": graph.n, "m": graph.m}
    for threads in sorted({1, max_threads}):
        numba.set_num_threads(threads)
        for runs in (1, 4 * max_threads):
            simulate(graph, seeds, p=0.0, runs=runs, rng=1)
            out[f"p0_call_s[threads={threads},runs={runs}]"] = median_call(
                lambda: simulate(graph, seeds, p=0.0, runs=runs, rng=1), k)
    numba.set_num_threads(1)
    arr = np.full(graph.m, 0.05)
    out["check_probabilities_per_arc_s"] = median_call(lambda: check_probabilities("p", arr, graph.m), 3)
    out["lt_weights_s"] = median_call(lambda: lt_weights(graph), 3)
    if graph.n == min(mode.sizes):
        runs = 16384
        for max_steps in (1000, 50):
            simulate(graph, seeds, p=0.0, runs=runs, rng=1, max_steps=max_steps)
            t = median_call(lambda: simulate(graph, seeds, p=0.0, runs=runs, rng=1, max_steps=max_steps), 3)
            out[f"p0_per_run_s[max_steps={max_steps}]"] = t / runs
            out[f"step_counts_bytes_per_run[max_steps={max_steps}]"] = 4 * (max_steps + 1)
    return out


THREADING_SCRIPT = r"""
import json, statistics, time, numba, numpy as np
from virality import simulate
from virality.generators import barabasi_albert
out = {}
g = barabasi_albert(10**4, 5, rng=1); s = np.argsort(-g.out_degree, kind="stable")[:10]
G = barabasi_albert(10**5, 5, rng=1); S = np.argsort(-G.out_degree, kind="stable")[:10]
for th in (1, numba.config.NUMBA_NUM_THREADS):
    numba.set_num_threads(th)
    simulate(g, s, p=0.0, runs=1, rng=1); simulate(G, S, p=0.05, runs=8, rng=1)
    ts = []
    for _ in range(30):
        t0 = time.perf_counter(); simulate(g, s, p=0.0, runs=1, rng=1); ts.append(time.perf_counter() - t0)
    out[f"p0_call_s[threads={th}]"] = statistics.median(ts)
    best = 1e9
    for _ in range(3):
        t0 = time.perf_counter(); simulate(G, S, p=0.05, runs=256, rng=1); best = min(best, time.perf_counter() - t0)
    out[f"ic_1e5_p005_256runs_s[threads={th}]"] = best
out["threading_layer"] = numba.threading_layer()
print(json.dumps(out))
"""


def threading_envs() -> dict[str, Any]:
    """Parallel-region cost under numba's default threading layer and two alternatives (fresh processes)."""
    variants = {
        # importing virality sets OMP_WAIT_POLICY=PASSIVE unless it is set: "active" shows what that avoids
        "default (passive)": {},
        "OMP_WAIT_POLICY=active": {"OMP_WAIT_POLICY": "active"},
        "NUMBA_THREADING_LAYER=workqueue": {"NUMBA_THREADING_LAYER": "workqueue"},
    }
    out = {}
    for name, extra in variants.items():
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        env.update(extra)
        log(f"threading variant: {name}")
        proc = subprocess.run([sys.executable, "-c", THREADING_SCRIPT], env=env, capture_output=True, text=True,
                              timeout=300)
        if proc.returncode != 0:
            out[name] = {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        th = numba.config.NUMBA_NUM_THREADS
        res["speedup_1_to_all"] = res["ic_1e5_p005_256runs_s[threads=1]"] / res[f"ic_1e5_p005_256runs_s[threads={th}]"]
        res["loadavg"] = loadavg()
        out[name] = res
    return out


# ------------------------------------------------------------------------------------------ driver
def top_seeds(graph, k: int = N_SEEDS) -> np.ndarray:
    return np.argsort(-graph.out_degree, kind="stable")[:k].astype(np.int64)


def sized(c: Contender, mode: Mode, lo: int, k0: int = 1, cap_s: float = math.inf) -> Contender:
    """Warm ``c`` up and size its run count to the mode's time target."""
    c.prepare()
    c.runs, cal = calibrate(lambda k: c.fn(k)[0].wall, mode.target_s, lo, 1_000_000, cap_s, k0=k0)
    c.warm = True
    if c.impl == "virality":
        c.calibration = cal
    return c


def nethept_case(mode: Mode, use_cyn: bool) -> dict[str, Any]:
    """IC on NetHEPT with the file's weighted-cascade p per arc from the top-degree nodes: short
    cascades, where per-run costs (resetting state, bookkeeping) would dominate. Virality 1 thread vs
    CyNetDiff on the same CSR arrays and float32 probabilities, interleaved repetitions."""
    from virality.datasets import load_dataset

    graph = load_dataset("nethept")
    seeds = top_seeds(graph, NETHEPT_SEEDS)
    outdeg = graph.out_degree.astype(np.int64)
    prob = np.asarray(graph.prob, dtype=np.float64)
    case = {"model": "ic", "graph": "nethept", "n": graph.n, "m": graph.m, "p": "weighted cascade (file)",
            "seeds": seeds.tolist(), "seed_degrees": outdeg[seeds].tolist()}
    log(f"  IC NetHEPT, weighted cascade, top-{NETHEPT_SEEDS} seeds")
    numba.set_num_threads(1)
    cs = [sized(virality_contender(graph, seeds, model="ic", p=prob, threads=1, label="virality per-arc p 1T",
                                   path="nethept-wc"), mode, mode.min_runs, k0=4)]
    if use_cyn:
        from cynetdiff.models import IndependentCascadeModel

        model = IndependentCascadeModel(np.ascontiguousarray(graph.indptr[:-1], dtype=np.uint32),
                                        np.ascontiguousarray(graph.indices, dtype=np.uint32),
                                        activation_probs=prob.astype(np.float32), rng=SEED_RUNS)
        cs += [sized(c, mode, mode.ref_min_runs)
               for c in cynetdiff_contenders(model, seeds, outdeg, "nethept-wc", "cynetdiff per-arc p")]
    run_case(cs, lambda c: mode.reps)
    records = [{**case, **c.record()} for c in cs]
    out: dict[str, Any] = {"case": case, "records": records, "agreement": []}
    check_agreement(out["agreement"], {"model": "ic", "n": graph.n, "p": None}, cs)
    v = records[0]
    ref = _best_ref(records, ("cynetdiff", "cynetdiff-batch"))
    if ref:
        out["vs_cynetdiff"] = v["arcs_per_s_per_core"] / ref["arcs_per_s_per_core"]
        out["cynetdiff_impl"] = ref["name"]
        out["cynetdiff_per_cascade_s"] = ref["per_cascade_s"]
        ref_cpu = _best_ref(records, ("cynetdiff", "cynetdiff-batch"), key="arcs_per_cpu_s")
        out["vs_cynetdiff_cpu"] = v["arcs_per_cpu_s"] / ref_cpu["arcs_per_cpu_s"]
        cal = cs[0].calibration
        if cal and cal["marginal_per_run_s"] > 0:
            out["vs_cynetdiff_marginal"] = (v["arcs_per_cascade"] / cal["marginal_per_run_s"]
                                            / ref["arcs_per_s_per_core"])
    return out


def scaling(reps: int = 3) -> dict[str, Any]:
    """1, 2, 4, 8, 16 threads (capped at numba's thread count) on a 10^6-node Barabasi-Albert graph:
    IC at p = 0.05 and 0.01 (scalar p) and LT, the same runs at every thread count (results must be
    bit-identical), best of ``reps`` interleaved repetitions; with the machine's compute-bound and
    memory-bound reference loops at each thread count."""
    max_threads = numba.config.NUMBA_NUM_THREADS
    threads = [t for t in SCALING_THREADS if t <= max_threads] or [1]
    log(f"scaling: barabasi_albert(n={SCALING_N}, m=5), threads {threads}")
    graph = barabasi_albert(SCALING_N, 5, rng=SEED_GRAPH)
    seeds = top_seeds(graph)
    # runs: a multiple of 16 * 4 so that every thread count gets equal chunks
    cases = {"IC p=0.05": (dict(model="ic", p=0.05), 512), "IC p=0.01": (dict(model="ic", p=0.01), 32768),
             "LT": (dict(model="lt"), 256)}
    table = np.random.default_rng(0).random(1 << 25)
    _hash_work(max_threads, 10)
    _gather_work(table, max_threads, 10)
    refs = {"compute-bound loop": lambda: _hash_work(32, 5_000_000),
            "memory-bound loop": lambda: _gather_work(table, 32, 1_000_000)}
    best = {(name, t): math.inf for name in list(cases) + list(refs) for t in threads}
    sizes: dict[tuple[str, int], np.ndarray] = {}
    cpu: dict[tuple[str, int], float] = {}
    for name, (kw, runs) in cases.items():
        simulate(graph, seeds, runs=4, rng=1, **kw)  # warm
    for _ in range(reps):
        for t in threads:
            numba.set_num_threads(t)
            for name, (kw, runs) in cases.items():
                with Clock() as clock:
                    res = simulate(graph, seeds, runs=runs, rng=SEED_RUNS, **kw)
                if clock.wall < best[name, t]:
                    best[name, t], cpu[name, t] = clock.wall, clock.cpu
                sizes[name, t] = res.final_sizes
            for name, fn in refs.items():
                with Clock() as clock:
                    fn()
                best[name, t] = min(best[name, t], clock.wall)
    numba.set_num_threads(max_threads)
    rows = []
    for name in list(cases) + list(refs):
        row = {"case": name, "runs": cases[name][1] if name in cases else None,
               "best_s": {t: best[name, t] for t in threads},
               "speedup": {t: best[name, threads[0]] / best[name, t] for t in threads}}
        if name in cases:
            row["cpu_per_wall"] = {t: cpu[name, t] / best[name, t] for t in threads}
            row["mean_size"] = float(sizes[name, threads[0]].mean())
            row["identical"] = all(np.array_equal(sizes[name, threads[0]], sizes[name, t]) for t in threads)
        rows.append(row)
    return {"n": graph.n, "m": graph.m, "threads": threads, "reps": reps, "rows": rows}


def render_scaling_md(res: dict[str, Any]) -> str:
    m, sc = res["machine"], res["scaling"]
    L = [f"# Engine thread scaling ({res['started']})\n",
         "Generated by `python benchmarks/bench_engine.py --scaling-only`; all timings are in the JSON next to "
         "this file.\n",
         f"- Machine: {m['cpu']}, {m['cpus_usable']} usable cores, {m['memory_gib']} GiB; {m['platform']}; "
         f"numba {m['versions']['numba']} ({m.get('numba_threading_layer')} layer, {m['numba_num_threads']} threads)",
         f"- Load average at start {res['loadavg_start']}, at end {res['loadavg_end']}; wall time {res['wall_s']:.0f} s.",
         f"- Graph: Barabasi-Albert, n = {sc['n']:,}, m = 5 ({sc['m']:,} arcs); seeds: the {N_SEEDS} top-degree "
         f"nodes; best of {sc['reps']} interleaved repetitions; the same runs at every thread count.\n",
         "| case | runs | " + " | ".join(f"{t}T s" for t in sc["threads"]) + " | "
         + " | ".join(f"speed-up {t}T" for t in sc["threads"][1:]) + " | identical |",
         "|---|---|" + "---|" * (2 * len(sc["threads"])) ]
    for r in sc["rows"]:
        L.append(f"| {r['case']} | {r['runs'] or '–'} | " + " | ".join(f"{r['best_s'][t]:.3g}" for t in sc["threads"])
                 + " | " + " | ".join(f"{r['speedup'][t]:.2f}x" for t in sc["threads"][1:]) + " | "
                 + ("–" if "identical" not in r else ("yes" if r["identical"] else "**NO**")) + " |")
    L.append("\nThe reference loops (independent hashes; random reads over 256 MB) show what the machine gives "
             "any program at each thread count: read the cascades' speed-ups against them.\n")
    return "\n".join(L)


def bench_scaling() -> dict[str, Any]:
    t_start = time.perf_counter()
    res: dict[str, Any] = {"mode": "scaling", "started": _dt.datetime.now().isoformat(timespec="seconds"),
                           "machine": machine_info(), "loadavg_start": loadavg()}
    res["scaling"] = scaling()
    res["machine"]["numba_threading_layer"] = numba.threading_layer()
    res["loadavg_end"] = loadavg()
    res["wall_s"] = time.perf_counter() - t_start
    return res


def have(module: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            __import__(module)
        return True
    except Exception:  # noqa: BLE001 - any import failure means "not usable"
        return False


def bench(mode: Mode, quick: bool) -> dict[str, Any]:
    t_start = time.perf_counter()
    max_threads = numba.config.NUMBA_NUM_THREADS
    results: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "started": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "loadavg_start": loadavg(),
        "settings": {"sizes": list(mode.sizes), "ba_m": 5, "seeds": f"top-{N_SEEDS} out-degree", "probs": list(PROBS),
                     "target_s": mode.target_s, "reps": mode.reps, "ref_reps": mode.ref_reps, "z_ok": Z_OK},
        "optional": {"cynetdiff": "installed" if have("cynetdiff.models") else "not installed",
                     "ndlib": "installed" if have("ndlib.models.epidemics") else "not installed"},
        "graphs": [], "ic": [], "lt": [], "agreement": [], "marginal": [], "overheads": [],
    }
    use_cyn = results["optional"]["cynetdiff"] == "installed"
    use_nd = results["optional"]["ndlib"] == "installed"

    results["first_call"] = first_call(mode)
    results["machine_scaling"] = [machine_scaling()]

    for n in mode.sizes:
        log(f"graph: barabasi_albert(n={n}, m=5)")
        t0 = time.perf_counter()
        graph = barabasi_albert(n, 5, rng=SEED_GRAPH)
        gen_s = time.perf_counter() - t0
        seeds = top_seeds(graph)
        outdeg = graph.out_degree.astype(np.int64)
        results["graphs"].append({"n": graph.n, "m": graph.m, "generate_s": gen_s, "seeds": seeds.tolist(),
                                  "seed_degrees": outdeg[seeds].tolist()})
        numba.set_num_threads(1)
        simulate(graph, seeds, p=0.05, runs=2, rng=1)  # warm: compiled / cache-loaded already

        adj = G = None
        if n in mode.bfs_sizes:
            # plain Python adjacency lists (what ``[list(G.adj[u]) for u in G]`` gives for
            # ``graph.to_networkx()``, built straight from the CSR arrays, which is much faster at 10^5)
            t0 = time.perf_counter()
            ptr, ind = graph.indptr.tolist(), graph.indices.tolist()
            adj = [ind[ptr[u]:ptr[u + 1]] for u in range(n)]
            results["graphs"][-1]["adjacency_lists_s"] = time.perf_counter() - t0
        if use_nd and n == min(mode.sizes):
            t0 = time.perf_counter()
            G = graph.to_networkx()
            results["graphs"][-1]["to_networkx_s"] = time.perf_counter() - t0

        log(f"  overheads n={n}")
        results["overheads"].append(engine_overheads(graph, seeds, mode))

        def add_virality(cs, case, model, path, pv):
            """1-thread and all-thread contenders with the same run count (a multiple of the blocks)."""
            one = virality_contender(graph, seeds, model=model, p=pv, threads=1, path=path,
                                     label=f"virality {path}{'-p' if model == 'ic' else ''} 1T")
            one.prepare()
            lo = mode.min_runs if graph.n < 10**6 else max(16, mode.min_runs // 2)
            # a call makes min(runs, threads) blocks of work arrays: compare calls of >= 4 runs
            runs, cal = calibrate(lambda k: one.fn(k)[0].wall, mode.target_s, lo, 1_000_000, min_k=32, k0=4)
            runs = -(-runs // (4 * max_threads)) * (4 * max_threads)
            one.runs = runs
            one.warm = True
            one.calibration = {**case, "path": path, **cal}
            cs.append(one)
            if max_threads > 1:
                many = virality_contender(graph, seeds, model=model, p=pv, threads=max_threads, path=path,
                                          label=f"virality {path}{'-p' if model == 'ic' else ''} {max_threads}T")
                many.runs = runs
                cs.append(many)

        def add_reference(cs, c, lo):
            c.prepare()
            c.runs, _ = calibrate(lambda k: c.fn(k)[0].wall, mode.target_s, lo, 1_000_000, mode.ref_max_s)
            c.warm = True
            cs.append(c)

        # ---------------------------------------------------------------- IC
        for p in PROBS:
            case = {"model": "ic", "n": n, "p": p}
            log(f"  IC n={n} p={p}")
            cs: list[Contender] = []
            add_virality(cs, case, "ic", "scalar", p)
            add_virality(cs, case, "ic", "array", np.full(graph.m, p))
            if n in mode.bfs_sizes:
                add_reference(cs, bfs_contender(adj, seeds, p, outdeg), 8)
            if use_cyn:
                for path, model in cynetdiff_models(graph, p).items():
                    for c in cynetdiff_contenders(model, seeds, outdeg, path, f"cynetdiff {path}-p"):
                        add_reference(cs, c, mode.ref_min_runs)
            if use_nd and n == min(mode.sizes):
                cs.append(ndlib_contender(G, seeds, p, outdeg, mode.ndlib_runs))
            slow = {"python-bfs", "ndlib"}
            run_case(cs, lambda c: mode.ref_reps if c.impl in slow else mode.reps)
            results["ic"].extend({**case, **c.record()} for c in cs)
            results["marginal"].extend(c.calibration for c in cs if c.calibration)
            check_agreement(results["agreement"], case, cs)
            del cs
            gc.collect()

            log(f"  IC n={n} p varying in [0, {2 * p:g})")
            cs = []
            add_virality(cs, case, "ic", "varying", varying_p(graph, p))
            if use_cyn:
                model = cynetdiff_models(graph, p, varying=True)["varying"]
                for c in cynetdiff_contenders(model, seeds, outdeg, "varying", "cynetdiff varying-p"):
                    add_reference(cs, c, mode.ref_min_runs)
            run_case(cs, lambda c: mode.reps)
            results["ic"].extend({**case, **c.record()} for c in cs)
            results["marginal"].extend(c.calibration for c in cs if c.calibration)
            check_agreement(results["agreement"], {**case, "path": "varying"}, cs)
            del cs
            gc.collect()

        # ---------------------------------------------------------------- LT
        case = {"model": "lt", "n": n, "p": None}
        log(f"  LT n={n}")
        cs = []
        add_virality(cs, case, "lt", "lt", None)
        if use_cyn:
            model = cynetdiff_models(graph, None)["lt"]
            for c in cynetdiff_contenders(model, seeds, outdeg, "lt", "cynetdiff LT"):
                add_reference(cs, c, mode.ref_min_runs)
        run_case(cs, lambda c: mode.ref_reps if c.impl.startswith("cynetdiff") and c.runs < mode.ref_min_runs
                 else mode.reps)
        results["lt"].extend({**case, **c.record()} for c in cs)
        results["marginal"].extend(c.calibration for c in cs if c.calibration)
        check_agreement(results["agreement"], case, cs)
        del cs
        adj = G = None
        gc.collect()

    results["nethept"] = nethept_case(mode, use_cyn)
    results["agreement"].extend(results["nethept"]["agreement"])
    results["machine_scaling"].append(machine_scaling())
    if mode.threading_envs:
        results["threading_envs"] = threading_envs()
    numba.set_num_threads(max_threads)
    results["machine"]["numba_threading_layer"] = numba.threading_layer()
    results["loadavg_end"] = loadavg()
    results["summary"] = summarize(results)
    results["wall_s"] = time.perf_counter() - t_start
    return results


# ------------------------------------------------------------------------------------------ summary
def _get(records, **kw):
    return [r for r in records if all(r.get(k) == v for k, v in kw.items())]


def _best_ref(records, impls, key="arcs_per_s_per_core", **kw):
    """Fastest (highest ``key`` throughput) of the given reference implementations for one case."""
    cands = [r for r in records if r["impl"] in impls and all(r.get(k) == v for k, v in kw.items()) and r.get(key)]
    return max(cands, key=lambda r: r[key]) if cands else None


def summarize(res: dict[str, Any]) -> dict[str, Any]:
    max_threads = res["machine"]["numba_num_threads"]
    rows = []
    for model, recs in (("ic", res["ic"]), ("lt", res["lt"])):
        for n in res["settings"]["sizes"]:
            for p in (PROBS if model == "ic" else (None,)):
                for path in (("scalar", "array", "varying") if model == "ic" else ("lt",)):
                    v1 = _get(recs, impl="virality", n=n, p=p, path=path, threads=1)
                    vt = _get(recs, impl="virality", n=n, p=p, path=path, threads=max_threads)
                    if not v1:
                        continue
                    v1 = v1[0]
                    cal = next((c for c in res["marginal"] if c["model"] == model and c["n"] == n and c["p"] == p
                                and c["path"] == path), None)
                    kernel = None  # arcs per second of cascade work, the fixed per-call cost left out
                    if cal and cal["marginal_per_run_s"] > 0 and v1["arcs_per_cascade"]:
                        kernel = v1["arcs_per_cascade"] / cal["marginal_per_run_s"]
                    row = {"model": model, "n": n, "p": p, "path": path, "v_per_cascade_s": v1["per_cascade_s"],
                           "v_arcs_per_s_per_core": v1["arcs_per_s_per_core"], "v_best_1t_s": v1["best_s"],
                           "v_arcs_per_cpu_s": v1["arcs_per_cpu_s"], "v_arcs_per_s_marginal": kernel}
                    if vt and max_threads > 1:
                        row["speedup"] = v1["best_s"] / vt[0]["best_s"]
                        row["v_arcs_per_s_per_core_all"] = vt[0]["arcs_per_s_per_core"]
                    refs = [("cynetdiff", ("cynetdiff", "cynetdiff-batch"), path)]
                    if path != "varying":  # the plain references run one p on every arc
                        refs += [("bfs", ("python-bfs",), "scalar"), ("ndlib", ("ndlib",), "scalar")]
                    for key, impls, ref_path in refs:
                        ref = _best_ref(recs, impls, n=n, p=p, path=ref_path)
                        if ref:
                            row[f"vs_{key}"] = v1["arcs_per_s_per_core"] / ref["arcs_per_s_per_core"]
                            row[f"{key}_impl"] = ref["name"]
                        if ref and kernel:
                            row[f"vs_{key}_marginal"] = kernel / ref["arcs_per_s_per_core"]
                        ref_cpu = _best_ref(recs, impls, key="arcs_per_cpu_s", n=n, p=p, path=ref_path)
                        if ref_cpu and v1["arcs_per_cpu_s"]:
                            row[f"vs_{key}_cpu"] = v1["arcs_per_cpu_s"] / ref_cpu["arcs_per_cpu_s"]
                    rows.append(row)

    def bar(name, values, threshold, how, cpu_values=(), marginal_values=()):
        vals = [v for v in values if v is not None and math.isfinite(v)]
        if not vals:
            return {"bar": name, "threshold": threshold, "status": "n/a", "how": how}
        stat = min(vals) if how == "min" else statistics.median(vals)
        out = {"bar": name, "threshold": threshold, "value": stat, "min": min(vals), "max": max(vals),
               "cases": len(vals), "how": how, "status": "PASS" if stat >= threshold else "FAIL"}
        for tag, alt in (("cpu", cpu_values), ("marginal", marginal_values)):
            alt = [v for v in alt if v is not None and math.isfinite(v)]
            if alt:
                out[f"{tag}_value"] = min(alt) if how == "min" else statistics.median(alt)
                out[f"{tag}_status"] = "PASS" if out[f"{tag}_value"] >= threshold else "FAIL"
        return out

    def col(key, model, path=None):
        return [r.get(key) for r in rows if r["model"] == model and (path is None or r["path"] == path)]

    ic_scalar, ic_scalar_cpu = col("vs_cynetdiff", "ic", "scalar"), col("vs_cynetdiff_cpu", "ic", "scalar")
    ic_array, ic_array_cpu = col("vs_cynetdiff", "ic", "array"), col("vs_cynetdiff_cpu", "ic", "array")
    ic_vary, ic_vary_cpu = col("vs_cynetdiff", "ic", "varying"), col("vs_cynetdiff_cpu", "ic", "varying")
    lt, lt_cpu = col("vs_cynetdiff", "lt"), col("vs_cynetdiff_cpu", "lt")
    nd, nd_cpu = col("vs_ndlib", "ic", "scalar"), col("vs_ndlib_cpu", "ic", "scalar")
    # 1 -> all cores, judged where the 1-thread repetition is long enough for threads to matter
    sp = [r.get("speedup") for r in rows if r.get("v_best_1t_s", 0) >= 0.5 * res["settings"]["target_s"]]
    bars = [
        bar(f"IC per core >= {BAR_IC_CYNETDIFF:g}x CyNetDiff (scalar p)", ic_scalar, BAR_IC_CYNETDIFF, "min",
            ic_scalar_cpu, col("vs_cynetdiff_marginal", "ic", "scalar")),
        bar(f"IC per core >= {BAR_IC_CYNETDIFF:g}x CyNetDiff (per-arc p, the same on every arc)", ic_array,
            BAR_IC_CYNETDIFF, "min", ic_array_cpu, col("vs_cynetdiff_marginal", "ic", "array")),
        bar(f"IC per core >= {BAR_IC_CYNETDIFF:g}x CyNetDiff (per-arc p, varying in [0, 2p))", ic_vary,
            BAR_IC_CYNETDIFF, "min", ic_vary_cpu, col("vs_cynetdiff_marginal", "ic", "varying")),
        bar(f"LT per core >= {BAR_LT_CYNETDIFF:g}x CyNetDiff", lt, BAR_LT_CYNETDIFF, "min", lt_cpu,
            col("vs_cynetdiff_marginal", "lt")),
        bar(f"IC > {BAR_NDLIB:g}x NDlib (10^4 graph)", nd, BAR_NDLIB, "min", nd_cpu,
            col("vs_ndlib_marginal", "ic", "scalar")),
        bar(f"1 -> {max_threads} cores >= {BAR_SPEEDUP:g}x", sp, BAR_SPEEDUP, "median"),
    ]
    net = res.get("nethept") or {}
    bars.insert(-1, bar(f"IC per core >= {BAR_NETHEPT_CYNETDIFF:g}x CyNetDiff (NetHEPT, weighted-cascade p, "
                        f"top-{NETHEPT_SEEDS} seeds: short cascades)", [net.get("vs_cynetdiff")],
                        BAR_NETHEPT_CYNETDIFF, "min", [net.get("vs_cynetdiff_cpu")],
                        [net.get("vs_cynetdiff_marginal")]))
    # was a second core there to be had? (the machine is shared: other processes may hold it)
    util = [r["cpu_per_wall_best"] for r in res["ic"] + res["lt"]
            if r["impl"] == "virality" and r["threads"] == max_threads > 1]
    cpus = res["machine"]["cpus_usable"] or 1
    busy = max((res["loadavg_start"] or [0])[0], (res["loadavg_end"] or [0])[0])
    sp_bar = bars[-1]
    ms = res.get("machine_scaling") or []
    if ms:
        sp_bar["machine_speedups"] = [m["speedup"] for m in ms]
        sp_bar["machine_memory_speedups"] = [m.get("memory_speedup", math.nan) for m in ms]
    if util:
        sp_bar["cpu_per_wall_median"] = statistics.median(util)
        if sp_bar["status"] != "n/a" and (busy >= cpus or statistics.median(util) < 0.8 * max_threads):
            sp_bar["note"] = (f"load average {busy:g} on {cpus} cores; the {max_threads}-thread runs got "
                              f"{statistics.median(util):.2f} cores of CPU time per wall second (median): "
                              "other processes held the cores, so this does not measure the engine's scaling")
    bad = [a for a in res["agreement"] if not a["ok"]]
    return {"rows": rows, "bars": bars, "agreement_failures": len(bad), "agreement_checks": len(res["agreement"])}


# ------------------------------------------------------------------------------------------ markdown
def render_md(res: dict[str, Any]) -> str:
    m = res["machine"]
    v = m["versions"]
    th = m["numba_num_threads"]
    L: list[str] = []
    L.append(f"# Engine benchmark ({res['mode']} run, {res['started']})\n")
    L.append(f"Generated by `python benchmarks/bench_engine.py{' --quick' if res['mode'] == 'quick' else ''}`; "
             "all timings are in `engine.json`.\n")
    L.append(f"- Machine: {m['cpu']}, {m['cpus_usable']} usable cores, {m['memory_gib']} GiB; {m['platform']}")
    L.append(f"- numba {v['numba']} ({m.get('numba_threading_layer')} layer, {th} threads), numpy {v['numpy']}, "
             f"python {m['python']}, networkx {v['networkx']}, CyNetDiff {v['cynetdiff'] or 'not installed'}, "
             f"NDlib {v['ndlib'] or 'not installed'}")
    L.append(f"- Load average at start {res['loadavg_start']}, at end {res['loadavg_end']}: the machine is shared, "
             "so every number carries noise (best of interleaved repetitions), the multi-core ones most of all.")
    L.append(f"- Wall time of this run: {res['wall_s']:.0f} s.\n")
    L.append("Graphs: Barabasi-Albert, m=5, both arcs of each edge; seeds: the 10 top-degree nodes. "
             "*Arcs examined* = summed out-degree of a cascade's adopters; throughput = arcs examined per second "
             "per core, so ratios are normalised for the cascades each implementation happened to draw. "
             "Ratios > 1 mean virality is faster.\n")

    S = res["summary"]
    L.append("## Bars\n")
    L.append("| bar | measured (wall) | cases (min – max) | status | by CPU time | cascade work only |")
    L.append("|---|---|---|---|---|---|")
    for b in S["bars"]:
        if b["status"] == "n/a":
            L.append(f"| {b['bar']} | – | – | n/a (not measured) | | |")
            continue
        note = f" ({b['note']})" if b.get("note") else ""
        alt = [f"{b['how']} {b[t + '_value']:.3g}x: {b[t + '_status']}" if t + "_value" in b else "–"
               for t in ("cpu", "marginal")]
        L.append(f"| {b['bar']} | {b['how']} {b['value']:.3g}x | {b['cases']} ({b['min']:.3g} – {b['max']:.3g}) "
                 f"| **{b['status']}**{note} | {alt[0]} | {alt[1]} |")
    L.append("\nStatus is judged on wall time (`perf_counter`, best repetition) of whole `simulate` calls. "
             "*By CPU time* repeats the per-core comparisons with process CPU time, which leaves out the time "
             "another process held the core (not cache or memory-bandwidth contention). *Cascade work only* "
             "uses virality's marginal cost per run, i.e. leaves out its fixed cost per call (validation, "
             "allocation; see Engine overheads), which a call with many more runs would amortise.\n")
    ms = [b for b in S["bars"] if b.get("machine_speedups")]
    if ms:
        mem = [x for x in ms[0].get("machine_memory_speedups", []) if math.isfinite(x)]
        L.append("Machine reference for the speed-up bar: a compute-bound numba loop (independent SplitMix64 "
                 "hashes, no memory traffic) ran " + " and ".join(f"{x:.2f}x" for x in ms[0]["machine_speedups"])
                 + " faster on all threads than on one, at the start and at the end of this run"
                 + (", and a memory-bound one (random reads over 256 MB, what a cascade on a large graph waits "
                    "for) " + " and ".join(f"{x:.2f}x" for x in mem) if mem else "")
                 + ": what the machine gave any program then.\n")
    ag_fail = S["agreement_failures"]
    L.append(f"\nAgreement of mean spreads: {S['agreement_checks'] - ag_fail}/{S['agreement_checks']} checks "
             f"within {Z_OK:g} standard errors{' — **MISMATCHES BELOW**' if ag_fail else ''}.\n")

    L.append("## Ratios (virality, 1 thread, per core)\n")
    L.append(f"| model | n | p | path | ms / cascade | arcs/s/core | vs python BFS | vs CyNetDiff "
             f"| vs CyNetDiff (CPU time) | vs CyNetDiff (cascade work only) | vs NDlib | 1→{th} cores |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in S["rows"]:
        L.append(f"| {r['model'].upper()} | {fmt_n(r['n'])} | {fmt(r['p'], 'g')} | {r['path']} | "
                 f"{fmt_ms(r['v_per_cascade_s'])} | {fmt(r['v_arcs_per_s_per_core'], '.3g')} | "
                 f"{fmt_x(r.get('vs_bfs'))} | {fmt_x(r.get('vs_cynetdiff'))} | {fmt_x(r.get('vs_cynetdiff_cpu'))} | "
                 f"{fmt_x(r.get('vs_cynetdiff_marginal'))} | {fmt_x(r.get('vs_ndlib'), '.4g')} | "
                 f"{fmt_x(r.get('speedup'), '.2f')} |")
    L.append("\nvs BFS and vs NDlib compare both virality paths against the same scalar-p reference; "
             "vs CyNetDiff compares like with like (its `activation_prob` scalar vs its `activation_probs` "
             "array; LT with default 1/in-degree influence) and takes the faster of its Python loop "
             "(`reset_model` / `advance_until_completion`) and its C++ trial loop (`compute_marginal_gains`).\n")

    net = res.get("nethept")
    if net:
        c = net["case"]
        L.append("## NetHEPT, weighted cascade (short cascades)\n")
        L.append(f"`load_dataset(\"nethept\")` ({c['n']:,} nodes, {c['m']:,} arcs, the file's weighted-cascade p "
                 f"per arc), seeds: the {len(c['seeds'])} top out-degree nodes (out-degrees {c['seed_degrees']}), "
                 "1 thread: the case where per-run costs (resetting state, bookkeeping) would weigh most; a run resets only what it touched, and its fixed cost (p = 0: *Fixed cost per run* under Engine overheads) is a small fraction of these cascades.\n")
        L.append("| implementation | runs | µs / cascade | mean spread ± se | arcs / cascade | arcs/s/core |")
        L.append("|---|---|---|---|---|---|")
        for r in net["records"]:
            mean = (f"{r['mean_size']:.4g} (mean only)" if r["impl"] == "cynetdiff-batch"
                    else f"{r['mean_size']:.4g} ± {fmt(r['se_size'], '.2g')}")
            L.append(f"| {r['name']} | {r['runs']} | {r['per_cascade_s'] * 1e6:.2f} | {mean} | "
                     f"{fmt(r['arcs_per_cascade'], '.4g')} | {fmt(r['arcs_per_s_per_core'], '.3g')} |")
        if "vs_cynetdiff" in net:
            L.append(f"\nvirality vs the faster CyNetDiff ({net['cynetdiff_impl']}): {net['vs_cynetdiff']:.2f}x "
                     f"(wall), {fmt_x(net.get('vs_cynetdiff_cpu'))} (CPU time), "
                     f"{fmt_x(net.get('vs_cynetdiff_marginal'))} (cascade work only); bar >= "
                     f"{BAR_NETHEPT_CYNETDIFF:g}x: **{'PASS' if net['vs_cynetdiff'] >= BAR_NETHEPT_CYNETDIFF else 'FAIL'}**.\n")
        else:
            L.append("\nCyNetDiff not installed: no ratio.\n")

    L.append("## All timings\n")
    L.append("| model | n | p | implementation | threads | runs | best s | CPU/wall | ms / cascade "
             "| mean spread ± se | arcs / cascade | arcs/s/core |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in res["ic"] + res["lt"]:
        mean = f"{r['mean_size']:.4g} ± {fmt(r['se_size'], '.2g')}"
        if r["impl"] == "cynetdiff-batch":
            mean = f"{r['mean_size']:.4g} (mean only)"
        L.append(f"| {r['model'].upper()} | {fmt_n(r['n'])} | {fmt(r['p'], 'g')} | {r['name']} | {r['threads']} | "
                 f"{r['runs']} | {r['best_s']:.3g} | {r['cpu_per_wall_best']:.2f} | {fmt_ms(r['per_cascade_s'])} | "
                 f"{mean} | "
                 f"{fmt(r['arcs_per_cascade'], '.4g')} | {fmt(r['arcs_per_s_per_core'], '.3g')} |")

    L.append("\n## Agreement checks\n")
    L.append("| model | n | p | a | b | mean a ± se | mean b ± se | z | ok |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for a in res["agreement"]:
        if "identical" in a:
            L.append(f"| {a['model'].upper()} | {fmt_n(a['n'])} | {fmt(a['p'], 'g')} | {a['a']} | {a['b']} | "
                     f"bit-identical final sizes: {a['identical']} | | | {'yes' if a['ok'] else '**NO**'} |")
            continue
        L.append(f"| {a['model'].upper()} | {fmt_n(a['n'])} | {fmt(a['p'], 'g')} | {a['a']} | {a['b']} | "
                 f"{a['mean_a']:.4g} ± {a['se_a']:.2g} | {a['mean_b']:.4g} ± {fmt(a['se_b'], '.2g')} | "
                 f"{a['z']:.2f} | {'yes' if a['ok'] else '**NO**'} |")

    L.append("\n## First call\n")
    L.append("| numba cache | process wall s | import s | first IC call s | second IC call s | first LT call s "
             "| first per-arc IC call s |")
    L.append("|---|---|---|---|---|---|---|")
    for key, fc in res["first_call"].items():
        if "error" in fc:
            L.append(f"| {key} | error: {fc['error']} | | | | | |")
            continue
        L.append(f"| {key.replace('_', ' ')} | {fc['process_wall_s']:.2f} | {fc['import_s']:.2f} | "
                 f"{fc['first_ic_s']:.2f} | {fc['second_ic_s']:.4f} | {fc['first_lt_s']:.4f} | "
                 f"{fc['first_ic_array_s']:.4f} |")

    L.append("\n## Engine overheads (fixed costs per `simulate` call)\n")
    L.append("`p=0` calls run no cascade beyond the seeds: what remains is validation, allocation and thread "
             f"start-up. `runs={4 * th}` makes {th} blocks at {th} threads, one per thread (each block allocates "
             "a byte flag and a queue entry per node, plus a row of per-node counts).\n")
    keys = [k for k in res["overheads"][0] if k not in ("n", "m") and not k.startswith(("p0_per_run", "step_counts"))]
    L.append("| n | " + " | ".join(k.replace("_s[", " [").replace("_s", "") + " ms" for k in keys) + " |")
    L.append("|---|" + "---|" * len(keys))
    for o in res["overheads"]:
        L.append(f"| {fmt_n(o['n'])} | " + " | ".join(fmt_ms(o.get(k)) for k in keys) + " |")
    o0 = res["overheads"][0]
    per_run = [(k, o0[k]) for k in o0 if k.startswith("p0_per_run")]
    if per_run:
        L.append("\nFixed cost per run (p=0 on the smallest graph, 16384 runs, 1 thread): " + "; ".join(
            f"{k.split('[')[1].rstrip(']')}: {t * 1e6:.2f} µs/run "
            f"({o0['step_counts_bytes_per_run[' + k.split('[')[1]]} B of step counts)" for k, t in per_run) + ".")
    L.append("\nFixed and marginal cost of a `simulate` call (1 thread): a call with k = 4 runs (enough "
             "that every thread gets a block, as in bigger calls) vs the timed call with R runs; "
             "marginal = (t(R) - t(k)) / (R - k), fixed = t(k) - k * marginal:\n")
    L.append("| model | n | p | path | call with 4 runs ms | R | fixed per call ms | marginal per run ms | "
             "fixed share of timed call |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for r in res["marginal"]:
        R = r.get("timed_runs", r["pilot_runs"])
        total = r["fixed_per_call_s"] + R * r["marginal_per_run_s"]
        L.append(f"| {r['model'].upper()} | {fmt_n(r['n'])} | {fmt(r['p'], 'g')} | {r['path']} | "
                 f"{fmt_ms(r['call_base_s'])} | {R} | {fmt_ms(r['fixed_per_call_s'])} | "
                 f"{fmt_ms(r['marginal_per_run_s'])} | "
                 f"{fmt(100 * r['fixed_per_call_s'] / total if total else None, '.0f')}% |")
    if res.get("threading_envs"):
        L.append("\n### Threading layer (fresh processes)\n")
        L.append(f"| variant | layer | p=0 call 1T ms | p=0 call {th}T ms | IC 10^5 p=0.05 256 runs 1T s | "
                 f"{th}T s | speed-up | load |")
        L.append("|---|---|---|---|---|---|---|---|")
        for name, r in res["threading_envs"].items():
            if "error" in r:
                L.append(f"| {name} | error: {r['error']} | | | | | | |")
                continue
            L.append(f"| {name} | {r['threading_layer']} | {fmt_ms(r['p0_call_s[threads=1]'])} | "
                     f"{fmt_ms(r[f'p0_call_s[threads={th}]'])} | {r['ic_1e5_p005_256runs_s[threads=1]']:.3f} | "
                     f"{r[f'ic_1e5_p005_256runs_s[threads={th}]']:.3f} | {r['speedup_1_to_all']:.2f}x | "
                     f"{r['loadavg']} |")
    L.append("")
    return "\n".join(L)


# ------------------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: 10^4 and 10^5 only, short repetitions (< 2 min)")
    ap.add_argument("--out", help="JSON output (default: benchmarks/results/engine.json, with --scaling-only "
                    "engine_scaling.json); the markdown table goes next to it with the suffix .md")
    ap.add_argument("--sizes", type=int, nargs="+", help="override the graph sizes (debugging)")
    ap.add_argument("--scaling-only", action="store_true",
                    help="only the thread-scaling case (1-16 threads, 10^6 nodes); writes engine_scaling.json/.md")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    results = ROOT / "benchmarks" / "results"
    if args.scaling_only:
        res = bench_scaling()
        out, md = write_report(args.out or results / "engine_scaling.json", res, render_scaling_md(res))
        log(f"wrote {out} and {md} ({res['wall_s']:.0f} s)")
        return 0
    mode = QUICK if args.quick else FULL
    if args.sizes:
        mode = Mode(**{**mode.__dict__, "sizes": tuple(args.sizes),
                       "bfs_sizes": tuple(s for s in args.sizes if s <= 10**5)})
    res = bench(mode, args.quick)
    out, md = write_report(args.out or results / "engine.json", res, render_md(res))
    log(f"wrote {out} and {md} ({res['wall_s']:.0f} s)")
    for b in res["summary"]["bars"]:
        print(f"  {b['status']:4s}  {b['bar']}" + (f": {b['how']} {b['value']:.3g}x" if "value" in b else ""))
    if res["summary"]["agreement_failures"]:
        print(f"  WARNING: {res['summary']['agreement_failures']} agreement check(s) failed; see {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
