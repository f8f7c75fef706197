"""Reverse-reachable (RR) sets for influence maximization: numba kernels over flat arrays.

An RR set (Borgs, Brautbar, Chayes and Lucier 2014) holds the nodes that would have activated a
uniformly drawn root in one live-edge sample of the graph. Sampling walks the in-arcs of every node
it reaches, so the work per reached node must not grow with its in-degree when most in-arcs fail
(Guo, Chen, Xiao and Lin 2020, SUBSIM):

* IC, one probability ``q`` for all in-arcs of a node (a scalar ``p``, weighted cascade
  ``1 / in-degree``, or any per-arc array whose in-rows are constant): geometric skips over the
  in-list, one draw per live arc plus one, instead of one coin per arc.
* IC, in-arc probabilities that vary within a row whose largest is ``q < THIN_BELOW``: skips at ``q``,
  each candidate kept with chance ``p[a] / q`` (thinning: SUBSIM's subset sampling with one bucket).
  Other rows, and rows shorter than ``SKIP_MIN_ARCS``, flip one coin per in-arc.
* LT, constant in-weights ``w`` (weighted cascade, the default): the live in-arc is picked in O(1)
  (``floor(x / w)``); otherwise by a scan of the in-weights.

The in-arc lists are built here by a counting sort (sources ascending within each target, like
:attr:`Graph.transpose`), with the probabilities copied into in-arc order only when some row needs
them: a scalar ``p`` or constant rows never hold a per-arc array. RR sets are returned as CSR with
int64 offsets and int32 nodes. Set i draws only from ``(root, i)`` (counter-based hashing, as in
``_kernels``), so sets are identical for any thread count, batching or ``start``.
"""

from __future__ import annotations

import numpy as np
import numba
from numba import njit, prange

from ._kernels import SKIP_BELOW, SKIP_MIN_ARCS, THIN_BELOW, _take, fetch_add, geometric_gap, stream_key, sub_key, uniform

STREAM_RR = 13  # distinct from every stream kind of _kernels
RR_IC, RR_LT = 0, 1
_SCRATCH = 4096  # initial entries of a thread's chunk buffer (doubles as needed)

_jit = njit(cache=True, nogil=True)


# ---------------------------------------------------------------------------------------- preparation
@_jit
def in_rows(indptr, indices, arc_p):
    """Per target node: the largest in-arc probability and whether all its in-arcs share it."""
    n = indptr.size - 1
    p_max = np.zeros(n)
    p_min = np.ones(n)
    for u in range(n):
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            p_max[v] = max(p_max[v], arc_p[a])
            p_min[v] = min(p_min[v], arc_p[a])
    return p_max, p_min >= p_max  # a node without in-arcs counts as constant


@_jit
def in_csr(indptr, indices, arc_p, want_p):
    """In-arc CSR ``(t_indptr, t_src, t_p)`` by counting sort; ``t_p`` is ``arc_p`` in in-arc order
    when ``want_p`` (else empty)."""
    n = indptr.size - 1
    t_indptr = np.zeros(n + 1, np.int64)
    for a in range(indices.size):
        t_indptr[indices[a] + 1] += 1
    for v in range(n):
        t_indptr[v + 1] += t_indptr[v]
    fill = t_indptr[:-1].copy()
    t_src = np.empty(indices.size, np.int32)
    t_p = np.empty(indices.size if want_p else 0)
    for u in range(n):
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            pos = fill[v]
            fill[v] = pos + 1
            t_src[pos] = u
            if want_p:
                t_p[pos] = arc_p[a]
    return t_indptr, t_src, t_p


def inv_log_q(q: np.ndarray | float, below: np.ndarray | float) -> np.ndarray:
    """``1 / log(1 - q)`` where rows skip (``0 < q < below``), else 0 (a coin per arc)."""
    q = np.asarray(q, dtype=np.float64)
    skip = (q > 0) & (q < below)
    return np.where(skip, 1.0 / np.log1p(-np.where(skip, q, 0.5)), 0.0)


def prepare(model: int, indptr: np.ndarray, indices: np.ndarray, p_scalar: float, arc_p: np.ndarray) -> tuple:
    """The sampler's arrays for IC (``p_scalar >= 0``, or per-arc ``arc_p``) or LT (weights ``arc_p``):
    ``(model, t_indptr, t_src, t_p, p_scalar, inv_scalar, rows)``, the arguments of :func:`rr_sets`
    before the root key. ``rows[v, 0]`` is v's in-arc probability (weight), negated when its in-arcs
    differ (then ``t_p`` holds them); ``rows[v, 1]`` its skipping rate (0: a coin per arc). One row of
    two numbers: one cache miss per reached node, not two."""
    if model == RR_IC and p_scalar >= 0.0:
        t_indptr, t_src, t_p = in_csr(indptr, indices, np.zeros(0), False)
        rows = np.zeros((0, 2))
        inv_scalar = float(inv_log_q(p_scalar, SKIP_BELOW))
    else:
        p_max, constant = in_rows(indptr, indices, arc_p)
        t_indptr, t_src, t_p = in_csr(indptr, indices, arc_p, not constant.all())
        rows = np.empty((p_max.size, 2))
        rows[:, 0] = np.where(constant, p_max, -p_max)
        rows[:, 1] = inv_log_q(p_max, np.where(constant, SKIP_BELOW, THIN_BELOW)) if model == RR_IC else 0.0
        p_scalar, inv_scalar = -1.0, 0.0
    return model, t_indptr, t_src, t_p, float(p_scalar), inv_scalar, rows


# ---------------------------------------------------------------------------------------- one set
@_jit
def _push(u, stamp, mark, buf, used):
    """Append u to the set being built in ``buf[:used]`` unless already in it; returns (buf, used)."""
    if mark[u] == stamp:
        return buf, used
    mark[u] = stamp
    if used == buf.size:
        bigger = np.empty(2 * buf.size, np.int32)
        bigger[:used] = buf[:used]
        buf = bigger
    buf[used] = u
    return buf, used + 1


@_jit
def _one(model, t_indptr, t_src, t_p, p_scalar, inv_scalar, rows, set_key, stamp, mark, buf, used):
    """Append RR set ``set_key`` to ``buf[:used]`` (growing it); returns (buf, new used). The set itself
    is the BFS queue (IC) or the walk (LT), root first."""
    n = t_indptr.size - 1
    begin = used
    buf, used = _push(min(n - 1, np.int64(uniform(set_key, n) * n)), stamp, mark, buf, used)
    h = begin
    while h < used:
        w = buf[h]
        h += 1
        beg = t_indptr[w]
        end = t_indptr[w + 1]
        if end == beg:
            continue
        q, inv, constant = p_scalar, inv_scalar, True
        if p_scalar < 0.0:
            q = rows[w, 0]
            constant = q >= 0.0
            q = abs(q)
        if q <= 0.0:
            continue
        if model == RR_LT:  # a reverse walk: at most one live in-arc, chosen by weight
            x = uniform(set_key, w)
            j = -1
            if constant:
                if x < (end - beg) * q:
                    j = min(end - 1, beg + np.int64(x / q))
            else:
                for a in range(beg, end):
                    x -= t_p[a]
                    if x < 0.0:
                        j = a
                        break
            if j >= 0 and mark[t_src[j]] != stamp:
                buf, used = _push(t_src[j], stamp, mark, buf, used)
            continue
        key = sub_key(set_key, w)
        if p_scalar < 0.0:
            inv = rows[w, 1]
        if inv != 0.0 and end - beg >= SKIP_MIN_ARCS:  # geometric skips (thinned where rows vary)
            a = beg - 1
            draw = 0
            while True:
                gap = geometric_gap(uniform(key, draw), inv)
                draw += 1
                if gap >= end - 1 - a:
                    break
                a += 1 + np.int64(gap)
                if not constant:
                    keep = uniform(key, draw) * q < t_p[a]
                    draw += 1
                    if not keep:
                        continue
                buf, used = _push(t_src[a], stamp, mark, buf, used)
        else:
            for a in range(beg, end):
                if uniform(key, a - beg) < (q if constant else t_p[a]):
                    buf, used = _push(t_src[a], stamp, mark, buf, used)
    return buf, used


# ---------------------------------------------------------------------------------------- many sets
@njit(cache=True, parallel=True)
def _pass(model, t_indptr, t_src, t_p, p_scalar, inv_scalar, rows, root, start, count, chunk, todo,
          n_blocks, sizes, out, chunk_pos, direct, offsets):
    """Sets of the chunks ``todo`` (chunk c: sets ``c * chunk ..``): each thread builds a chunk in its
    buffer, then copies it to ``out``: at ``offsets`` of its first set (``direct``), or at a place
    reserved from a shared cursor (``chunk_pos[c]``; -1 when ``out`` is full). Sizes go to ``sizes``."""
    n = t_indptr.size - 1
    next_todo = np.zeros(1, np.int64)
    cursor = np.zeros(1, np.int64)
    for b in prange(n_blocks):
        mark = np.zeros(n, np.int32)
        buf = np.empty(_SCRATCH, np.int32)
        while True:
            t, _ = _take(next_todo, 1, todo.size)
            if t >= todo.size:
                break
            c = todo[t]
            used = 0
            for i in range(c * chunk, min(count, (c + 1) * chunk)):
                before = used
                buf, used = _one(model, t_indptr, t_src, t_p, p_scalar, inv_scalar, rows,
                                 stream_key(root, start + i, STREAM_RR), np.int32(i % 2147483647 + 1), mark, buf, used)
                sizes[i] = used - before
            if direct:
                pos = offsets[c * chunk]
            else:
                pos = fetch_add(cursor, 0, used)
                if pos + used > out.size:
                    chunk_pos[c] = -1
                    continue
            for j in range(used):  # a loop, not a slice: numba's parfors mis-size slices set in prange
                out[pos + j] = buf[j]
            chunk_pos[c] = pos


@njit(cache=True, parallel=True)
def _gather(pool, chunk_pos, indptr, chunk, nodes):
    for c in prange(chunk_pos.size):
        if chunk_pos[c] >= 0:
            first = indptr[c * chunk]
            last = indptr[min(indptr.size - 1, (c + 1) * chunk)]
            for j in range(last - first):
                nodes[first + j] = pool[chunk_pos[c] + j]


@_jit
def rr_sets(model, t_indptr, t_src, t_p, p_scalar, inv_scalar, rows, root, start, count, n_blocks,
            expect):
    """RR sets ``start .. start + count - 1`` as CSR ``(indptr int64, nodes int32)``, in one pass:
    threads fill a shared pool of ``expect`` entries (the expected total, e.g. from earlier sets)
    chunk by chunk, which is then put in set order; chunks that found the pool full are drawn again
    straight into place."""
    chunk = max(1, min(4096, count // (16 * n_blocks)))
    n_chunks = (count + chunk - 1) // chunk
    sizes = np.zeros(count, np.int64)
    chunk_pos = np.full(n_chunks, -1, np.int64)
    pool = np.empty(max(expect, count), np.int32)
    args = (model, t_indptr, t_src, t_p, p_scalar, inv_scalar, rows, root, start, count, chunk)
    _pass(*args, np.arange(n_chunks), n_blocks, sizes, pool, chunk_pos, False, sizes)
    indptr = np.zeros(count + 1, np.int64)
    for i in range(count):
        indptr[i + 1] = indptr[i] + sizes[i]
    nodes = np.empty(indptr[count], np.int32)
    _gather(pool, chunk_pos, indptr, chunk, nodes)
    missed = np.flatnonzero(chunk_pos < 0)
    if missed.size:
        _pass(*args, missed, min(n_blocks, missed.size), sizes, nodes, chunk_pos, True, indptr)
    return indptr, nodes


class RRSampler:
    """RR sets of one graph and one set of probabilities: the in-arc lists are built once, then
    :meth:`sets` draws any range of sets. The pool it fills is sized from the sets drawn before (a
    guess that changes the memory used, never the sets)."""

    def __init__(self, model: int, indptr: np.ndarray, indices: np.ndarray, p_scalar: float, arc_p: np.ndarray):
        self.args = prepare(model, indptr, indices, p_scalar, arc_p)
        self.n = indptr.size - 1
        self._drawn = self._entries = 0

    def sets(self, root: int, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Sets ``start .. start + count - 1`` under the 64-bit root key as CSR ``(indptr, nodes)``."""
        blocks = max(1, min(count, numba.get_num_threads()))  # one set of work arrays per thread
        mean = self._entries / self._drawn if self._drawn else 4.0
        expect = int(count * mean * 1.05) + 4096
        indptr, nodes = rr_sets(*self.args, np.uint64(root), int(start), int(count), blocks, expect)
        self._drawn += count
        self._entries += nodes.size
        return indptr, nodes
