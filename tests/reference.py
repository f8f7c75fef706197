"""Slow, obviously correct twins of the numba kernels, drawing the same random numbers.

Each function simulates ONE run in plain Python with the same counter-based coins as
``virality._kernels`` (SplitMix64 over Python integers), and returns ``(time, parent)`` lists. The
tests compare them with the kernels exactly. Also here: exact expectations by enumerating live-edge
graphs, for tiny graphs.
"""

from __future__ import annotations

import itertools
import math
from collections import deque

import numpy as np

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
SEED, EXTERNAL = -2, -3
STREAM_ARC, STREAM_SKIP, STREAM_THRESHOLD, STREAM_EXTERNAL, STREAM_PERIOD, STREAM_BASS = 1, 2, 3, 4, 5, 6
ATTEMPT_STRIDE = 1000


def mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def sub_key(key: int, index: int) -> int:
    return mix64((key + GOLDEN * (index + 1)) & MASK)


def stream_key(root: int, run: int, kind: int) -> int:
    return sub_key(sub_key(root, run), kind)


def uniform(key: int, counter: int) -> float:
    return ((sub_key(key, counter) >> 11) + 0.5) / 2.0**53


def fires(key: int, arc: int, p: float) -> bool:
    """An arc's coin: its 31-bit hash, as a fraction of 2**31, below p."""
    return (sub_key(key, arc) >> 33) < p * 2.0**31


# the kernels' cuts between geometric skipping and a coin per arc
SKIP_BELOW, THIN_BELOW, SKIP_MIN_ARCS = 0.2, 0.06, 3


def fire_row(arcs, u, arc_key, skip_key, *, p=None, prob=None):
    """The arcs of u that fire: probability ``p`` each, or ``prob[a]``. A row of SKIP_MIN_ARCS arcs or
    more, of one p below SKIP_BELOW or of varying p all below THIN_BELOW, is skipped geometrically at
    its largest probability, and candidates are thinned by ``prob[a] / p_max``; other rows flip a
    coin per arc."""
    row = [p] if p is not None else [prob[a] for a, _ in arcs] or [0.0]
    p_max = max(row)
    if len(arcs) < SKIP_MIN_ARCS or p_max >= (SKIP_BELOW if min(row) == p_max else THIN_BELOW):
        return [(a, v) for a, v in arcs if fires(arc_key, a, p if p is not None else prob[a])]
    if p_max <= 0:
        return []
    node_key, fired, j, draw = sub_key(skip_key, u), [], -1, 0
    while True:
        gap = math.floor(math.log(uniform(node_key, draw)) * (1.0 / math.log1p(-p_max)))
        draw += 1
        if gap >= len(arcs) - 1 - j:
            return fired
        j += 1 + gap
        a = arcs[j][0]
        if p is not None or (sub_key(arc_key, a) >> 33) < prob[a] * (2.0**31 / p_max):
            fired.append(arcs[j])


def out_arcs(g, u):
    return [(a, int(g.indices[a])) for a in range(int(g.indptr[u]), int(g.indptr[u + 1]))]


def _external(n, q, key, t, time, parent, order):
    """Exactly the kernel's geometric skipping over node ids, written as a plain loop."""
    if q <= 0:
        return
    if q >= 1:
        hits = range(n)
    else:
        step_key, hits, pos, draw = sub_key(key, t), [], -1, 0
        while True:
            gap = math.floor(math.log(uniform(step_key, draw)) * (1.0 / math.log1p(-q)))
            draw += 1
            if gap >= n - 1 - pos:
                break
            pos += 1 + gap
            hits.append(pos)
    for v in hits:
        if time[v] < 0:
            time[v], parent[v] = t, EXTERNAL
            order.append(v)


def _start(g, seeds):
    time, parent, order = [-1] * g.n, [-1] * g.n, []
    for s in seeds:
        if time[s] < 0:
            time[s], parent[s] = 0, SEED
            order.append(s)
    return time, parent, order


def ic(g, seeds, root, run, *, prob=None, p=None, ext=(), max_steps=1000):
    """Independent Cascade with one probability ``p`` or per-arc ``prob``."""
    time, parent, order = _start(g, seeds)
    arc_key = stream_key(root, run, STREAM_ARC)
    skip_key = stream_key(root, run, STREAM_SKIP)
    ext_key = stream_key(root, run, STREAM_EXTERNAL)
    last_ext = max([t for t, q in enumerate(ext) if q > 0], default=-1)
    frontier, t = list(order), 0
    while t < max_steps and (frontier or t < last_ext):
        t += 1
        before = len(order)
        for u in frontier:
            fired = fire_row(out_arcs(g, u), u, arc_key, skip_key, p=p, prob=prob)
            for _, v in fired:
                if time[v] < 0:
                    time[v], parent[v] = t, u
                    order.append(v)
        if t < len(ext):
            _external(g.n, ext[t], ext_key, t, time, parent, order)
        frontier = order[before:]
    return time, parent


def threshold(g, seeds, root, run, *, weights, thresholds=None, max_steps=1000):
    """LT (random thresholds) or fixed thresholds; parent = the arc that crossed the threshold."""
    time, parent, order = _start(g, seeds)
    th_key = stream_key(root, run, STREAM_THRESHOLD)
    acc = [0.0] * g.n
    frontier, t = list(order), 0
    while t < max_steps and frontier:
        t += 1
        before = len(order)
        for u in frontier:
            for a, v in out_arcs(g, u):
                if time[v] >= 0:
                    continue
                acc[v] += weights[a]
                theta = uniform(th_key, v) if thresholds is None else thresholds[v]
                if acc[v] >= theta:
                    time[v], parent[v] = t, u
                    order.append(v)
        frontier = order[before:]
    return time, parent


def sir(g, seeds, root, run, *, beta, gamma, max_steps=1000):
    """Each adopter shares on D ~ Geometric(gamma) consecutive steps after adopting."""
    time, parent, order = _start(g, seeds)
    period_key = stream_key(root, run, STREAM_PERIOD)
    until = {}

    def draw_period(v):
        inv_log_q = 1.0 / math.log1p(-gamma) if gamma < 1 else 0.0
        extra = 0 if gamma >= 1 else math.floor(math.log(uniform(period_key, v)) * inv_log_q)
        until[v] = time[v] + 1 + extra

    for v in order:
        draw_period(v)
    t = 0
    while t < max_steps and any(until[v] > t for v in order):
        t += 1
        sharers = [u for u in order if time[u] < t <= until[u]]
        for u in sharers:
            attempt = (t - 1 - time[u]) * ATTEMPT_STRIDE
            fired = fire_row(out_arcs(g, u), u, stream_key(root, run, STREAM_ARC + attempt),
                             stream_key(root, run, STREAM_SKIP + attempt), prob=beta)
            for _, v in fired:
                if time[v] < 0:
                    time[v], parent[v] = t, u
                    order.append(v)
                    draw_period(v)
    return time, parent


def bass(g, seeds, root, run, *, p, q, max_steps=1000):
    """Discrete network Bass: adopt with p + q * (adopted in-neighbours before t) / in-degree."""
    time, parent, order = _start(g, seeds)
    bass_key = stream_key(root, run, STREAM_BASS)
    t_indptr, t_src, _ = g.transpose
    t = 0
    while t < max_steps and len(order) < g.n:
        t += 1
        step_key = sub_key(bass_key, t)
        adopted_before = [w >= 0 and w < t for w in time]
        new = []
        for v in range(g.n):
            if time[v] >= 0:
                continue
            ins = [int(w) for w in t_src[t_indptr[v] : t_indptr[v + 1]]]
            active = [w for w in ins if adopted_before[w]]
            mouth = q * len(active) / len(ins) if ins else 0.0
            u = uniform(step_key, v)
            if u < p:
                new.append((v, EXTERNAL))
            elif u < p + mouth:
                k = min(int((u - p) / mouth * len(active)), len(active) - 1)
                new.append((v, active[k]))
        for v, par in new:
            time[v], parent[v] = t, par
            order.append(v)
        if p <= 0 and not new and not any(
            time[v] < 0 and any(adopted_before[int(w)] for w in t_src[t_indptr[v] : t_indptr[v + 1]])
            for v in range(g.n)
        ):
            break
    return time, parent


# ------------------------------------------------------------------------------ exact enumeration
def reachable(n, live_arcs, seeds):
    """Nodes reachable from ``seeds`` over ``live_arcs`` (list of (u, v))."""
    adj = [[] for _ in range(n)]
    for u, v in live_arcs:
        adj[u].append(v)
    seen = set(seeds)
    todo = deque(seeds)
    while todo:
        u = todo.popleft()
        for v in adj[u]:
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def exact_ic(g, seeds, prob):
    """Exact per-node adoption probabilities under IC: sum over all 2^m live-edge graphs."""
    src, dst = g.arcs()
    arcs = list(zip(src.tolist(), dst.tolist()))
    probs = np.zeros(g.n)
    for live in itertools.product([False, True], repeat=len(arcs)):
        w = math.prod(prob[a] if on else 1 - prob[a] for a, on in enumerate(live))
        for v in reachable(g.n, [arc for arc, on in zip(arcs, live) if on], seeds):
            probs[v] += w
    return probs


def exact_lt(g, seeds, weights):
    """Exact per-node adoption probabilities under LT: each node keeps at most one in-arc (Kempe et al.)."""
    src, dst = g.arcs()
    choices = []  # per node: list of (arc or None, probability)
    for v in range(g.n):
        ins = [a for a in range(g.m) if dst[a] == v]
        options = [(a, weights[a]) for a in ins]
        options.append((None, 1 - sum(weights[a] for a in ins)))
        choices.append(options)
    probs = np.zeros(g.n)
    for pick in itertools.product(*choices):
        w = math.prod(pw for _, pw in pick)
        live = [(int(src[a]), int(dst[a])) for a, _ in pick if a is not None]
        for v in reachable(g.n, live, seeds):
            probs[v] += w
    return probs
