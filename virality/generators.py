"""Synthetic social graphs, built for scale.

Every generator returns a :class:`~virality.graph.Graph` (CSR, an arc ``u -> v`` means *v follows u*)
with a descriptive ``name``, takes ``rng`` (an int, a :class:`numpy.random.SeedSequence`, a
:class:`numpy.random.Generator` or None; the same ``rng`` gives the identical graph) and ``prob`` (an
optional scalar transmission probability stored on every arc).

Undirected models (Erdos-Renyi, Barabasi-Albert, Watts-Strogatz, Holme-Kim, Chung-Lu, the
configuration model) store both arcs of every edge, so ``g.m`` is twice the number of edges. Simple
models have no self-loops and no repeated arcs.

Everything runs in numpy or in numba kernels; nothing loops over nodes or edges in Python. The
kernels are cached on disk (``cache=True``): the first call of each generator in a fresh
environment compiles its kernels (a few seconds each), later processes load them in milliseconds.
The kernels draw their random numbers from a sequential SplitMix64 stream (Steele, Lea and Flood
2014) seeded by one 64-bit draw from the numpy generator, so a graph depends only on ``rng`` (and
not on the numba version or thread count).

The graphs are built in the buffer they end up in, with no arc list beside it (issue #16): arcs that
come out row by row go straight into their rows; undirected models list each edge once, in the first
half of the final ``indices``, and then give every row its return arcs in place; Chung-Lu counts each
row's arcs in a first pass and writes them in a second over the same random numbers. The build's peak
memory stays within about 1.5x the graph's (``benchmarks/results/generators.md`` measures it at 10^7
arcs), except directed Chung-Lu at low mean degrees (its two weight arrays take 16 bytes per node).

=============================  ==================================================================
:func:`erdos_renyi`            G(n, p), undirected or directed (Erdos & Renyi 1959; Gilbert 1959)
:func:`barabasi_albert`        preferential attachment (Barabasi & Albert 1999)
:func:`watts_strogatz`         small world: ring lattice plus rewiring (Watts & Strogatz 1998)
:func:`holme_kim`              clustered scale-free graph (Holme & Kim 2002)
:func:`chung_lu`               given expected degrees (Chung & Lu 2002; Miller & Hagberg 2011)
:func:`configuration_model`    given degrees, stub matching (Bender & Canfield 1978; Molloy & Reed 1995)
:func:`power_law_degrees`      a power-law degree sequence
:func:`social_graph`           directed degree-corrected block model with niche communities
                               and heavy-tailed follower counts (Karrer & Newman 2011)
=============================  ==================================================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from ._build import (
    _ONE,
    _ZERO,
    _edge_keys,
    _edge_rows,
    _finish,
    _grow,
    _int,
    _nonneg_array,
    _order_by_weight,
    _prob,
    _ptr_dtype,
    _put,
    _randint,
    _real,
    _sort_rows,
    _start_fill,
    _state,
    _symmetrize,
    _uniform,
    count_below,
    reciprocate,
)
from ._kernels import GOLDEN
from .errors import InputError
from .graph import Graph
from .rng import RNGLike, as_generator

__all__ = [
    "barabasi_albert",
    "chung_lu",
    "configuration_model",
    "erdos_renyi",
    "holme_kim",
    "power_law_degrees",
    "social_graph",
    "watts_strogatz",
]

_jit = njit(cache=True, nogil=True)

# ------------------------------------------------------------------------------------ Erdos-Renyi
@_jit
def _er_rows(n, p, directed, state):
    """Geometric skipping over the candidate pairs (Batagelj & Brandes 2005): O(n + m).

    The pairs come out row by row with increasing targets: arcs ``u -> v`` (directed) or edges ``v - w``
    with ``w < v`` (undirected, in row v), so they go straight into CSR rows. Returns ``(row_ptr, buf,
    count)``: row r is ``buf[row_ptr[r]:row_ptr[r + 1]]``; undirected, ``buf`` has room for the return
    arcs (:func:`~virality._build._symmetrize`), untouched until then."""
    if directed:
        total = np.float64(n) * (n - 1)
    else:
        total = np.float64(n) * (n - 1) / 2.0
    room = 1 if directed else 2
    expected = p * total
    cap = np.int64(expected + 8.0 * math.sqrt(expected) + 64.0)
    buf = np.empty(room * cap, np.int32)
    row_ptr = np.zeros(n + 1, np.int64)
    cnt = 0
    lq = math.log1p(-p) if p < 1.0 else -np.inf
    if n < 2 or p <= 0.0 or lq == 0.0:
        return row_ptr, buf, cnt
    if directed:
        big = n * (n - 1)
        k = -1
        while True:
            gap = math.floor(math.log1p(-_uniform(state)) / lq) if p < 1.0 else 0.0
            if gap >= big:
                break
            k += 1 + np.int64(gap)
            if k >= big:
                break
            u = k // (n - 1)
            r = k - u * (n - 1)
            if cnt == cap:
                cap = cap + cap // 2 + 64
                buf = _grow(buf, cnt, room * cap)
            buf[cnt] = r + 1 if r >= u else r
            row_ptr[u + 1] += 1
            cnt += 1
    else:
        big = n * (n - 1) // 2
        v = 1
        w = -1
        while v < n:
            gap = math.floor(math.log1p(-_uniform(state)) / lq) if p < 1.0 else 0.0
            if gap >= big:
                break
            w += 1 + np.int64(gap)
            while w >= v and v < n:
                w -= v
                v += 1
            if v < n:
                if cnt == cap:
                    cap = cap + cap // 2 + 64
                    buf = _grow(buf, cnt, room * cap)
                buf[cnt] = w
                row_ptr[v + 1] += 1
                cnt += 1
    for u in range(n):
        row_ptr[u + 1] += row_ptr[u]
    return row_ptr, buf, cnt


def erdos_renyi(
    n: int,
    p: float | None = None,
    *,
    mean_degree: float | None = None,
    directed: bool = False,
    rng: RNGLike = None,
    prob: float | None = None,
) -> Graph:
    """Erdos-Renyi random graph G(n, p): every pair (or ordered pair) is linked independently.

    Exact G(n, p) in O(n + m) time by geometric skipping over the candidate pairs (Batagelj &
    Brandes 2005). No self-loops, no repeated arcs. The pairs come out row by row, straight into the
    graph's buffer: the build's peak is about 1.2x the graph's memory.

    Parameters
    ----------
    n : int
        Number of nodes, >= 1.
    p : float, optional
        Probability of each edge (undirected) or arc (directed), in [0, 1].
    mean_degree : float, optional
        Instead of ``p``: the expected degree (undirected) or out-degree (directed), in [0, n - 1];
        ``p = mean_degree / (n - 1)``. Give exactly one of ``p`` and ``mean_degree``.
    directed : bool
        Draw each ordered pair ``u -> v`` independently instead of each unordered pair (stored as
        both arcs).
    rng : int, SeedSequence, Generator or None
    prob : float, optional
        Transmission probability stored on every arc.

    Returns
    -------
    Graph

    References
    ----------
    P. Erdos and A. Renyi, "On random graphs I", Publicationes Mathematicae 6 (1959) 290-297.
    E. N. Gilbert, "Random graphs", Annals of Mathematical Statistics 30 (1959) 1141-1144.
    V. Batagelj and U. Brandes, "Efficient generation of large random networks", Phys. Rev. E 71
    (2005) 036113.

    Examples
    --------
    >>> g = erdos_renyi(1000, mean_degree=8, rng=1)
    >>> g.n, round(g.m / g.n)
    (1000, 8)
    >>> erdos_renyi(1000, mean_degree=8, rng=1).m == g.m  # same rng, same graph
    True
    >>> erdos_renyi(3, 1.0, directed=True).m
    6
    """
    func = "erdos_renyi"
    n = _int(func, "n", n, 1)
    if (p is None) == (mean_degree is None):
        got = "both" if p is not None else "neither"
        raise InputError(f"{func}: give exactly one of p and mean_degree, got {got}")
    if p is not None:
        p = _real(func, "p", p, 0.0, 1.0)
    else:
        md = _real(func, "mean_degree", mean_degree, 0.0, float(n - 1))
        p = md / (n - 1) if n > 1 else 0.0
    prob = _prob(func, prob)
    g = as_generator(rng)
    row_ptr, buf, cnt = _er_rows(n, p, bool(directed), _state(g))
    if directed:
        indptr, indices = row_ptr, buf[:cnt]
    else:
        own_ptr = row_ptr.astype(_ptr_dtype(2 * cnt))
        del row_ptr
        indptr, indices = _symmetrize(own_ptr, buf), buf[: 2 * cnt]
    kind = "directed" if directed else "undirected"
    return _finish(indptr, indices, prob, f"erdos_renyi(n={n}, p={p:.6g}, {kind})")


# ------------------------------------------------------------------------------------ Barabasi-Albert
# Growth models (BA, Holme-Kim) store edge e as (src[e], dst[e]) with src[e] the node that created
# it: the seed star's edge j is (j + 1, 0) and node s > m creates edges m + (s - m - 1) * m + 0..m-1.


@_jit
def _creator(h, m):
    """The node that created edge ``h`` (so ``src[h]``, computed without touching memory)."""
    return h + 1 if h < m else m + 1 + (h - m) // m


@_jit
def _pa_pick(dst, ends, m, state):
    """A node drawn with probability proportional to its degree: a uniformly random endpoint of the
    first ``ends / 2`` edges (the "repeated nodes" list of networkx, without storing it)."""
    i = _randint(state, ends)
    h = i >> 1
    return _creator(h, m) if (i & 1) == 0 else np.int64(dst[h])


@_jit
def _chosen(w, s, dst, e0, e, mark, use_mark):
    """Whether ``w`` is the new node ``s`` or ``s`` (edges ``e0 .. e - 1`` so far) already links to it."""
    if w == s:
        return True
    if use_mark:
        return mark[w] == s
    for i in range(e0, e):
        if dst[i] == w:
            return True
    return False


@_jit
def _pa_distinct(dst, ends, m, s, e0, e, mark, use_mark, state):
    """Preferential attachment, redrawn until the target is new for ``s``."""
    t = _pa_pick(dst, ends, m, state)
    while _chosen(t, s, dst, e0, e, mark, use_mark):
        t = _pa_pick(dst, ends, m, state)
    return t


@_jit
def _ba_kernel(n, m, state, dst):
    """Targets of the ``m * (n - m)`` edges, in creation order, into ``dst`` (their sources follow
    from the order: see :func:`_creator`)."""
    use_mark = m > 16  # else a linear scan of the (few) targets already chosen
    mark = np.full(n if use_mark else 1, -1, np.int32)
    # seed graph: a star on nodes 0..m with centre 0, as in networkx
    for j in range(m):
        dst[j] = 0
    e = m
    first = np.empty(m, np.int64)
    for s in range(m + 1, n):
        ends = 2 * e
        e0 = e
        # every target's first draw before any check: the m random reads of dst are independent, so
        # the memory system overlaps them (3x faster at 10^6 nodes than drawing one target at a time);
        # the draws are i.i.d., so the graph's distribution is unchanged
        for k in range(m):
            first[k] = _pa_pick(dst, ends, m, state)
        for k in range(m):
            t = first[k]
            while _chosen(t, s, dst, e0, e, mark, use_mark):
                t = _pa_pick(dst, ends, m, state)
            if use_mark:
                mark[t] = s
            dst[e] = t
            e += 1


@_jit
def _creator_ptr(own_ptr, m):
    """Offsets of the edges each node created (the rows of the growth models' edge list)."""
    own_ptr[0] = 0
    for u in range(own_ptr.size - 1):
        own_ptr[u + 1] = own_ptr[u] + (0 if u == 0 else (1 if u <= m else m))


def _grown_graph(n: int, m: int, kernel: Any, *args: Any) -> tuple[np.ndarray, np.ndarray]:
    """CSR of a growth model: ``kernel(*args, dst)`` writes the edges' targets into the first half of
    the final ``indices`` buffer, which then takes the return arcs in place (no ``src`` array)."""
    n_edges = m * (n - m)
    indices = np.empty(2 * n_edges, np.int32)
    kernel(*args, indices[:n_edges])
    own_ptr = np.empty(n + 1, _ptr_dtype(2 * n_edges))
    _creator_ptr(own_ptr, m)
    return _symmetrize(own_ptr, indices), indices


def barabasi_albert(n: int, m: int, *, rng: RNGLike = None, prob: float | None = None) -> Graph:
    """Barabasi-Albert preferential-attachment graph (undirected).

    Starts from a star on nodes ``0 .. m`` (centre 0, as networkx does); each later node ``s``
    links to ``m`` distinct existing nodes drawn with probability proportional to their degree
    (a uniformly random endpoint of the existing edges; repeats are redrawn). The graph has exactly
    ``m * (n - m)`` edges, so ``2 * m * (n - m)`` arcs; every node added after the seed star has
    degree >= ``m``, and the degree distribution has a power-law tail ``P(k) ~ k**-3``. Same model as
    ``networkx.barabasi_albert_graph`` (not the same random draws). The edges' targets (the sampler's
    state) fill the first half of the graph's buffer, and the return arcs then go in place: the build's
    peak is about 1.2x the graph's memory.

    Parameters
    ----------
    n : int
        Number of nodes, >= 2.
    m : int
        Edges each new node brings, in [1, n - 1].
    rng : int, SeedSequence, Generator or None
    prob : float, optional
        Transmission probability stored on every arc.

    Returns
    -------
    Graph

    References
    ----------
    A.-L. Barabasi and R. Albert, "Emergence of scaling in random networks", Science 286 (1999)
    509-512.

    Examples
    --------
    >>> g = barabasi_albert(1000, 3, rng=7)
    >>> g.n, g.m, g.m == 2 * 3 * (1000 - 3)
    (1000, 5982, True)
    >>> int(g.out_degree.min())
    3
    >>> bool((barabasi_albert(1000, 3, rng=7).indices == g.indices).all())
    True
    """
    func = "barabasi_albert"
    n = _int(func, "n", n, 2)
    m = _int(func, "m", m, 1, n - 1)
    prob = _prob(func, prob)
    g = as_generator(rng)
    indptr, indices = _grown_graph(n, m, _ba_kernel, n, m, _state(g))
    return _finish(indptr, indices, prob, f"barabasi_albert(n={n}, m={m})")


# ------------------------------------------------------------------------------------ Holme-Kim
@_jit
def _neighbor(u, r, m, dst, inc, pool):
    """The ``r``-th neighbour of ``u``: first the nodes u linked to when it was created (its own
    edges), then the later nodes that linked to u (its incoming list in ``pool``)."""
    if u == 0:
        own_start, own = 0, 0
    elif u <= m:
        own_start, own = u - 1, 1
    else:
        own_start, own = m + (u - m - 1) * m, m
    if r < own:
        return np.int64(dst[own_start + r])
    return np.int64(pool[inc[2 * u] + r - own])


@_jit
def _tf_pick(last, s, m, dst, inc, pool, e0, e, mark, use_mark, state):
    """Triad formation: a uniformly random neighbour of ``last`` that ``s`` is not linked to, or -1.
    Rejection first; if that keeps failing, one reservoir-sampling pass over all neighbours."""
    deg = (m if last > m else (1 if last > 0 else 0)) + inc[2 * last + 1]
    for _ in range(4 * m):
        w = _neighbor(last, _randint(state, deg), m, dst, inc, pool)
        if not _chosen(w, s, dst, e0, e, mark, use_mark):
            return w
    t = -_ONE
    c = _ZERO
    for r in range(deg):
        w = _neighbor(last, r, m, dst, inc, pool)
        if not _chosen(w, s, dst, e0, e, mark, use_mark):
            c += 1
            if _randint(state, c) == 0:
                t = w
    return t


@_jit
def _hk_relay(pool, inc, dst, e, m):
    """Lay the incoming lists out afresh from the first ``e`` edges (edge h's creator joins the list of
    ``dst[h]``, in the order of h), each in one block of the capacity it has, which reclaims the blocks
    left behind as lists grew. Returns the pool's new end."""
    end = _ZERO
    for u in range(inc.size // 2):
        length = inc[2 * u + 1]
        inc[2 * u] = end
        inc[2 * u + 1] = 0
        if length > 0:
            cap = 4
            while cap < length:
                cap *= 2
            end += cap
    for h in range(e):
        t = dst[h]
        pool[inc[2 * t] + inc[2 * t + 1]] = _creator(h, m)
        inc[2 * t + 1] += 1
    return end


@_jit
def _hk_kernel(n, m, p_triad, offsets, pool_size, state, dst):
    """Targets of the ``m * (n - m)`` edges, in creation order, into ``dst`` (as :func:`_ba_kernel`);
    ``offsets`` (empty) gives the dtype of the incoming lists' offsets, ``pool_size`` their first room."""
    n_edges = m * (n - m)
    use_mark = m > 16
    mark = np.full(n if use_mark else 1, -1, np.int32)
    # incoming lists: growable blocks in one pool; inc[2u], inc[2u + 1] = start, length; a block holds
    # 4 entries, then doubles whenever it is full (capacity 4, or the length, a power of two, when full)
    inc = np.zeros(2 * n, offsets.dtype)
    # when the pool is full, the lists are laid out afresh without the blocks left behind (a larger
    # pool only if little comes back)
    pool = np.empty(pool_size, np.int32)
    pool_end = _ZERO
    e = _ZERO
    for s in range(1, n):
        ends = 2 * e  # preferential attachment sees the graph before s arrived
        e0 = e
        last = _ZERO  # target of the latest preferential-attachment step
        for j in range(m if s > m else 1):
            t = -_ONE
            if s <= m:
                t = 0  # seed star
            elif j > 0 and p_triad > 0.0 and _uniform(state) < p_triad:
                t = _tf_pick(last, s, m, dst, inc, pool, e0, e, mark, use_mark, state)
            if t < 0:
                t = _pa_distinct(dst, ends, m, s, e0, e, mark, use_mark, state)
                last = t
            if use_mark:
                mark[t] = s
            dst[e] = t
            e += 1
            # s joins t's incoming list
            length = inc[2 * t + 1]
            if length == 0 or (length >= 4 and (length & (length - 1)) == 0):
                cap = 4 if length == 0 else 2 * length
                if pool_end + cap > pool.size:
                    pool_end = _hk_relay(pool, inc, dst, e - 1, m)
                    if pool_end + cap + pool.size // 8 > pool.size:
                        # 4 (n + n_edges) entries hold every block ever made, so never more than that
                        size = min(pool.size + pool.size // 4 + cap, 4 * (n + n_edges) + 64)
                        pool = np.empty(0, np.int32)  # free the old pool first
                        pool = np.empty(size, np.int32)
                        pool_end = _hk_relay(pool, inc, dst, e - 1, m)
                old = inc[2 * t]
                for i in range(length):
                    pool[pool_end + i] = pool[old + i]
                inc[2 * t] = pool_end
                pool_end += cap
            pool[inc[2 * t] + length] = s
            inc[2 * t + 1] = length + 1


def holme_kim(n: int, m: int, p_triad: float, *, rng: RNGLike = None, prob: float | None = None) -> Graph:
    """Holme-Kim clustered scale-free graph: preferential attachment plus triad formation.

    Same seed star and edge count as :func:`barabasi_albert` (``m * (n - m)`` edges, ``2 * m * (n - m)``
    arcs). Each new node makes a preferential-attachment (PA) link first; each of its other ``m - 1``
    links is, with probability ``p_triad``, a triad-formation step (a link to a uniformly random
    neighbour of the latest PA target that the new node is not yet linked to, closing a triangle)
    and otherwise, or when no such neighbour exists, another PA step. Degree tail ``k**-3`` as in BA;
    clustering grows with ``p_triad`` and stays finite as n grows. ``p_triad = 0`` is the BA model.
    Built like :func:`barabasi_albert`, plus each node's list of later neighbours for triad formation
    (blocks laid out afresh when their pool is full): the build's peak is about 1.5x the graph's memory.

    Parameters
    ----------
    n : int
        Number of nodes, >= 2.
    m : int
        Edges each new node brings, in [1, n - 1].
    p_triad : float
        Probability of a triad-formation step, in [0, 1].
    rng : int, SeedSequence, Generator or None
    prob : float, optional
        Transmission probability stored on every arc.

    Returns
    -------
    Graph

    References
    ----------
    P. Holme and B. J. Kim, "Growing scale-free networks with tunable clustering", Phys. Rev. E 65
    (2002) 026107.

    Examples
    --------
    >>> g = holme_kim(1000, 3, 0.8, rng=7)
    >>> g.n, g.m
    (1000, 5982)
    """
    func = "holme_kim"
    n = _int(func, "n", n, 2)
    m = _int(func, "m", m, 1, n - 1)
    p_triad = _real(func, "p_triad", p_triad, 0.0, 1.0)
    prob = _prob(func, prob)
    g = as_generator(rng)
    n_edges = m * (n - m)
    offsets = np.empty(0, _ptr_dtype(4 * (n + n_edges) + 64))  # the pool's largest size
    # the incoming lists hold n_edges entries, in blocks of about 1.5 n_edges at the end
    pool_size = n_edges + 3 * n_edges // 4 + 64
    indptr, indices = _grown_graph(n, m, _hk_kernel, n, m, p_triad, offsets, pool_size, _state(g))
    return _finish(indptr, indices, prob, f"holme_kim(n={n}, m={m}, p_triad={p_triad:g})")


# ------------------------------------------------------------------------------------ Watts-Strogatz
@_jit
def _hash_slot(key, bits):
    return np.int64((np.uint64(key) * GOLDEN) >> np.uint64(64 - bits))


@_jit
def _ws_kernel(n, k, beta, state, ends):
    """Ring lattice, then rewiring. Slot ``e = (j - 1) * n + u`` holds lattice edge ``u - (u + j)``
    until it is rewired; a slot is visited once, so a rewired edge is never removed again. Hence
    ``u - w`` exists iff it is a lattice edge whose slot is not rewired, or it is in the (insert-only)
    hash set of rewired edges. Slot e's far end is kept at ``ends[u * k / 2 + j - 1]``, so the edges
    come out in rows of their node u (for :func:`~virality._build._symmetrize`)."""
    h = k // 2
    n_edges = n * h
    for u in range(n):
        for j in range(1, h + 1):
            ends[u * h + j - 1] = (u + j) % n
    if beta <= 0.0:
        return
    rewired = np.zeros(n_edges, np.bool_)
    bound = min(n_edges, np.int64(beta * n_edges + 8.0 * math.sqrt(beta * n_edges) + 64.0))
    bits = 4
    while (1 << bits) < 2 * bound:
        bits += 1
    mask = (1 << bits) - 1
    table = np.full(1 << bits, -1, np.int64)
    count = 0
    deg = np.full(n, k, np.int64)
    for e in range(n_edges):
        if _uniform(state) >= beta:
            continue
        u = e % n
        slot = u * h + e // n
        v = np.int64(ends[slot])
        if deg[u] >= n - 1:
            continue
        while True:
            w = _randint(state, n)
            if w == u:
                continue
            d = (w - u) % n
            if d <= h:
                if not rewired[(d - 1) * n + u]:
                    continue
            elif n - d <= h:
                if not rewired[(n - d - 1) * n + w]:
                    continue
            key = min(u, w) * n + max(u, w)
            i = _hash_slot(key, bits)
            while table[i] != -1 and table[i] != key:
                i = (i + 1) & mask
            if table[i] == -1:
                break
        if count + 1 > (mask + 1) // 2:  # keep the load below 1/2
            old = table
            bits += 1
            mask = (1 << bits) - 1
            table = np.full(1 << bits, -1, np.int64)
            for x in old:
                if x != -1:
                    j = _hash_slot(x, bits)
                    while table[j] != -1:
                        j = (j + 1) & mask
                    table[j] = x
            i = _hash_slot(key, bits)
            while table[i] != -1:
                i = (i + 1) & mask
        table[i] = key
        count += 1
        rewired[e] = True
        deg[v] -= 1
        deg[w] += 1
        ends[slot] = w


def watts_strogatz(n: int, k: int, beta: float, *, rng: RNGLike = None, prob: float | None = None) -> Graph:
    """Watts-Strogatz small-world graph (undirected): a ring lattice with rewired edges.

    Each node is linked to its ``k / 2`` nearest neighbours on each side of a ring (``n * k / 2``
    edges). Then, lattice distance by lattice distance and node by node (as in the paper and
    networkx), each edge ``u - v`` is rewired with probability ``beta`` to ``u - w``, ``w`` uniform
    among the nodes other than ``u`` not yet linked to ``u`` (skipped if ``u`` is linked to everyone).
    The edge count stays exactly ``n * k / 2`` (``n * k`` arcs); no self-loops or repeated edges.
    Each node's ``k / 2`` edges are kept in the graph's buffer, which then takes the return arcs in
    place: the build's peak is about 1.2x the graph's memory (more with large ``beta``: the set of
    rewired edges takes 16 to 32 bytes per rewired edge).
    ``beta = 0`` is the ring lattice, whose clustering is ``3 (k - 2) / (4 (k - 1))``.

    Parameters
    ----------
    n : int
        Number of nodes, >= 3.
    k : int
        Lattice degree, an even integer in [2, n - 1].
    beta : float
        Rewiring probability, in [0, 1].
    rng : int, SeedSequence, Generator or None
    prob : float, optional
        Transmission probability stored on every arc.

    Returns
    -------
    Graph

    References
    ----------
    D. J. Watts and S. H. Strogatz, "Collective dynamics of 'small-world' networks", Nature 393
    (1998) 440-442.

    Examples
    --------
    >>> g = watts_strogatz(10, 4, 0.0)
    >>> g.m, g.out_neighbors(0).tolist()
    (40, [1, 2, 8, 9])
    >>> watts_strogatz(1000, 6, 0.1, rng=3).m
    6000
    """
    func = "watts_strogatz"
    n = _int(func, "n", n, 3)
    k = _int(func, "k", k, 2, n - 1)
    if k % 2:
        raise InputError(f"{func}: k must be an even integer in [2, {n - 1}], got {k}")
    beta = _real(func, "beta", beta, 0.0, 1.0)
    prob = _prob(func, prob)
    g = as_generator(rng)
    # each node's k / 2 edges, then their return arcs, in the one final buffer
    indices = np.empty(n * k, np.int32)
    _ws_kernel(n, k, beta, _state(g), indices[: n * k // 2])
    own_ptr = np.arange(0, n * k // 2 + 1, k // 2, dtype=_ptr_dtype(n * k))
    indptr = _symmetrize(own_ptr, indices)
    return _finish(indptr, indices, prob, f"watts_strogatz(n={n}, k={k}, beta={beta:g})")


# ------------------------------------------------------------------------------------ Chung-Lu
@_jit
def _cl_arcs(w_src, w_in_sorted, order, total, directed, state, ptr, indices, fill):
    """Miller & Hagberg (2011): for each u, walk the targets in decreasing weight order, skipping
    geometrically with the current (upper-bound) probability, then accepting with q / p.

    Sources are node ids (directed) or positions in ``order`` (undirected: u walks the same sorted
    order); targets are positions in ``order``. Each arc goes to :func:`~virality._build._put`, both
    arcs of an edge when undirected: run once to count, then again from the same state to fill."""
    n = w_src.size
    if total <= 0.0:
        return
    for u in range(n):
        wu = w_src[u]
        if wu <= 0.0:
            continue
        v = 0 if directed else u + 1
        if v >= n:
            continue
        p = min(wu * w_in_sorted[v] / total, 1.0)
        while v < n and p > 0.0:
            if p < 1.0:
                gap = math.floor(math.log1p(-_uniform(state)) / math.log1p(-p))
                if gap >= n - v:
                    break
                v += np.int64(gap)
            q = min(wu * w_in_sorted[v] / total, 1.0)
            if _uniform(state) < q / p:
                if directed:
                    if order[v] != u:
                        _put(ptr, indices, u, order[v], fill)
                else:
                    _put(ptr, indices, order[u], order[v], fill)
                    _put(ptr, indices, order[v], order[u], fill)
            p = q
            v += 1


def _given_weights(given: Any, w: np.ndarray) -> np.ndarray:
    """The weights as the kernels read them by node id: the caller's int64 array itself where numba can read
    it as is (as float64, as numpy converts it), so that its float64 copy can go, else ``w``."""
    f = given.flags if type(given) is np.ndarray else None
    if f is not None and given.dtype == np.int64 and given.ndim == 1 and f.c_contiguous and f.aligned and f.writeable:
        return given
    return np.ascontiguousarray(w)


def chung_lu(weights: Any, *, directed: bool = False, rng: RNGLike = None, prob: float | None = None) -> Graph:
    """Chung-Lu graph with given expected degrees.

    Undirected: each pair ``u != v`` is linked independently with probability
    ``min(1, w_u w_v / S)``, ``S = sum(w)``, so node ``u`` has expected degree ``w_u - w_u**2 / S``
    (slightly less where the cap at 1 binds, i.e. for ``w_u w_v > S``). Directed: arc ``u -> v``
    with probability ``min(1, wout_u win_v / S)``, ``S = sum(wout)``, after rescaling ``win`` to the
    same total. Exact, in O(n + m) time, with the algorithm of Miller & Hagberg (2011): targets in
    decreasing weight order, geometric skips, thinning. No self-loops or repeated arcs. Two passes
    over the same random numbers, one to count each node's arcs and one to write them into the graph's
    buffer, keep the build's peak at 1.35x the graph's memory (int64 weights, mean degree 7.6, directed
    or not; 1.4x with float64 or paired weights, 1.6x with weights of other types, which are copied),
    for about twice the generation time.

    Parameters
    ----------
    weights : array-like of float, shape (n,), or pair of them
        Expected degrees, >= 0. With ``directed=True``, either one array (used for both out- and
        in-degrees) or ``(out_weights, in_weights)``.
    directed : bool
    rng : int, SeedSequence, Generator or None
    prob : float, optional
        Transmission probability stored on every arc.

    Returns
    -------
    Graph
        Undirected graphs store both arcs of each edge.

    References
    ----------
    F. Chung and L. Lu, "Connected components in random graphs with given expected degree
    sequences", Annals of Combinatorics 6 (2002) 125-145.
    J. C. Miller and A. Hagberg, "Efficient generation of networks with given expected degrees",
    WAW 2011, LNCS 6732, 115-126.

    Examples
    --------
    >>> w = power_law_degrees(2000, 2.5, min_degree=4, rng=1)
    >>> g = chung_lu(w, rng=2)
    >>> g.n, bool(abs(g.m / w.sum() - 1) < 0.1)
    (2000, True)
    """
    func = "chung_lu"
    pair = isinstance(weights, (tuple, list)) and len(weights) == 2 and all(np.ndim(x) == 1 for x in weights)
    pair = pair or (isinstance(weights, np.ndarray) and weights.ndim == 2 and weights.shape[0] == 2)
    if directed and pair:
        given = weights[0], weights[1]
        w_out = _nonneg_array(func, "weights[0]", weights[0], integer=False)
        w_in = _nonneg_array(func, "weights[1]", weights[1], integer=False)
        if w_in.size != w_out.size:
            raise InputError(
                f"{func}: out- and in-weights must have the same length, got {w_out.size} and {w_in.size}"
            )
    else:
        given = weights, weights
        w_out = w_in = _nonneg_array(func, "weights", weights, integer=False)
    prob = _prob(func, prob)
    n = w_out.size
    total = float(w_out.sum())
    scale = total / float(w_in.sum()) if directed and w_in.sum() > 0 and total != float(w_in.sum()) else 1.0
    # freed memory stays resident through the fill (the heap keeps it), so: weights are read by node id
    # from a caller's int64 array as it is, its float64 copy (for the checks) freed first and its memory
    # taken by w_in_sorted (same size, so allocated first); the order is sorted in int32, in place of
    # numpy's int64 argsort, with the counts as the sort's buffer
    same = w_in is w_out
    w_out = _given_weights(given[0], w_out)
    w_in = w_out if same else _given_weights(given[1], w_in)
    w_in_sorted, order, counts = np.empty(n), np.empty(n, np.int32), np.empty(n + 2, np.int32)
    _order_by_weight(w_in, scale, order, counts, w_in_sorted)
    counts.fill(0)
    # undirected: u walks the same sorted order (ids mapped back as the arcs are placed)
    w_src = w_out if directed else w_in_sorted
    del w_in, w_out
    g = as_generator(rng)
    # two passes over the same random numbers: count each row's arcs, then write them in place
    state = _state(g)
    _cl_arcs(w_src, w_in_sorted, order, total, bool(directed), state.copy(), counts, counts[:0], False)
    ptr, indices = _start_fill(counts)
    del counts
    _cl_arcs(w_src, w_in_sorted, order, total, bool(directed), state, ptr, indices, True)
    indptr = ptr[: n + 1]
    _sort_rows(indptr, indices)
    kind = "directed" if directed else "undirected"
    return _finish(indptr, indices, prob, f"chung_lu(n={n}, {kind})")


# ------------------------------------------------------------------------------------ configuration model
@_jit
def _repair_loops(a, b, state):
    """Remove self-loops by degree-preserving swaps: loop ``u-u`` and edge ``x-y`` (neither end u)
    become ``u-x`` and ``u-y``. Returns False if it gives up (cannot happen when max d <= S - max d)."""
    n_pairs = a.size
    for i in range(n_pairs):
        if a[i] != b[i]:
            continue
        u = a[i]
        tries = 0
        while True:
            j = _randint(state, n_pairs)
            if j != i and a[j] != u and b[j] != u:
                break
            tries += 1
            if tries > 100 * n_pairs + 1000:
                return False
        b[i] = a[j]
        a[j] = u
    return True


def configuration_model(
    degrees: Any, *, rng: RNGLike = None, prob: float | None = None, simple: bool = True
) -> Graph:
    """Configuration model: a random (multi)graph with the given degree sequence (undirected).

    Each node gets ``degrees[u]`` stubs; the stubs are shuffled and paired at random. The stub array
    is the only arc buffer: its pairs are sorted in place as edge keys, then spread into rows with
    their return arcs, so the build's peak is about 1.4x the graph's memory.

    * ``simple=True`` (the *erased* configuration model): self-loops are dropped and repeated edges
      merged into one, so the graph is simple and degrees can fall below the sequence (rarely, for
      sequences with ``max(d)**2`` well below ``sum(d)``; hubs lose the most).
    * ``simple=False``: repeated edges are kept as parallel arcs (independent chances to pass a
      message) and self-loops, which the graph cannot hold, are removed by degree-preserving swaps
      with random other edges, so every node has exactly its degree. Needs
      ``max(d) <= sum(d) - max(d)``.

    Parameters
    ----------
    degrees : array-like of int, shape (n,)
        Non-negative degrees with an even sum.
    rng : int, SeedSequence, Generator or None
    prob : float, optional
        Transmission probability stored on every arc.
    simple : bool
        Erase self-loops and multi-edges (see above).

    Returns
    -------
    Graph
        Both arcs of each edge are stored.

    References
    ----------
    E. A. Bender and E. R. Canfield, "The asymptotic number of labeled graphs with given degree
    sequences", J. Combin. Theory A 24 (1978) 296-307.
    M. Molloy and B. Reed, "A critical point for random graphs with a given degree sequence",
    Random Structures & Algorithms 6 (1995) 161-180.
    M. E. J. Newman, S. H. Strogatz and D. J. Watts, "Random graphs with arbitrary degree
    distributions and their applications", Phys. Rev. E 64 (2001) 026118.

    Examples
    --------
    >>> d = [3, 3, 2, 2, 2, 1, 1]
    >>> g = configuration_model(d, simple=False, rng=4)
    >>> g.out_degree.tolist() == d
    True
    """
    func = "configuration_model"
    d = _nonneg_array(func, "degrees", degrees, integer=True)
    total = int(d.sum())
    if total % 2:
        raise InputError(f"{func}: degrees must have an even sum, got {total}")
    dmax = int(d.max(initial=0))
    if not simple and dmax > total - dmax:
        raise InputError(
            f"{func}: with simple=False the largest degree must be at most the sum of the others "
            f"(else self-loops are unavoidable), got {dmax} > {total - dmax}"
        )
    prob = _prob(func, prob)
    n = d.size
    g = as_generator(rng)
    stubs = np.repeat(np.arange(n, dtype=np.int32), d)
    del d
    g.shuffle(stubs)
    # edge i is stubs[2 i] - stubs[2 i + 1]; the graph is built in this one buffer
    if not simple and not _repair_loops(stubs[0::2], stubs[1::2], _state(g)):  # pragma: no cover
        raise RuntimeError("configuration_model: could not remove the self-loops")  # excluded by the check above
    keys = stubs.view(np.int64)  # one 64-bit key per edge: larger end, then smaller end
    _edge_keys(stubs, keys)
    keys.sort()
    own_ptr = np.zeros(n + 1, _ptr_dtype(total))
    e = _edge_rows(keys, stubs, own_ptr, bool(simple))
    del keys
    # simple: the room of the dropped self-loops and repeats stays at the end of the buffer (a view)
    indptr, indices = _symmetrize(own_ptr, stubs), stubs[: 2 * e]
    return _finish(indptr, indices, prob, f"configuration_model(n={n}, simple={bool(simple)})")


# ------------------------------------------------------------------------------------ degree sequences
def power_law_degrees(
    n: int,
    exponent: float,
    *,
    min_degree: int = 1,
    max_degree: int | None = None,
    rng: RNGLike = None,
) -> np.ndarray:
    """An integer degree sequence drawn i.i.d. from ``P(k) ~ k**-exponent``, with an even sum.

    Exact discrete power law on ``min_degree .. max_degree`` (inverse-CDF sampling on the table of
    probabilities). If the sum is odd, one random node gets one more (or, at ``max_degree``, one
    less) so the sequence can be a graph's.

    Parameters
    ----------
    n : int
        Length, >= 1.
    exponent : float
        Power-law exponent, > 2 (finite mean degree).
    min_degree : int
        Smallest degree, >= 1.
    max_degree : int, optional
        Largest degree, in [min_degree, ...]; default ``max(n - 1, min_degree)``.
    rng : int, SeedSequence, Generator or None

    Returns
    -------
    numpy.ndarray of int64, shape (n,)

    References
    ----------
    A. Clauset, C. R. Shalizi and M. E. J. Newman, "Power-law distributions in empirical data",
    SIAM Review 51 (2009) 661-703.

    Examples
    --------
    >>> d = power_law_degrees(10000, 2.5, min_degree=2, rng=0)
    >>> int(d.min()), int(d.sum()) % 2
    (2, 0)
    """
    func = "power_law_degrees"
    n = _int(func, "n", n, 1)
    exponent = _real(func, "exponent", exponent, 2.0, lo_open=True)
    kmin = _int(func, "min_degree", min_degree, 1)
    kmax = max(n - 1, kmin) if max_degree is None else _int(func, "max_degree", max_degree, kmin)
    if kmax - kmin > 10**8:
        raise InputError(
            f"{func}: max_degree - min_degree must be at most 10**8 (the sampler tabulates P(k)), "
            f"got max_degree={kmax}; pass a smaller max_degree"
        )
    g = as_generator(rng)
    ks = np.arange(kmin, kmax + 1, dtype=np.float64)
    cdf = np.cumsum(ks**-exponent)
    u = g.random(n) * cdf[-1]
    deg = kmin + np.minimum(np.searchsorted(cdf, u, side="right"), kmax - kmin).astype(np.int64)
    if deg.sum() % 2:
        i = int(g.integers(n))
        if deg[i] < kmax:
            deg[i] += 1
        elif deg[i] > kmin:
            deg[i] -= 1
        else:
            raise InputError(
                f"{func}: min_degree = max_degree = {kmin} with n={n} gives an odd degree sum; "
                "change n or the degree bounds"
            )
    return deg


# ------------------------------------------------------------------------------------ social graph
@_jit
def _sample_distinct(k, size, u, base, skip, out, pos, mark, state):
    """Write ``k`` distinct pool items to ``out[pos:pos + k]``. Pool item ``r`` in ``[0, size)`` is
    node ``base + r + (skip if base + r >= u_gap)``: see ``_pool_node``. Rejection on ``mark`` when
    ``k <= size / 2``, else selection sampling (Knuth's algorithm S) in one pass over the pool."""
    if 2 * k <= size:
        for i in range(k):
            v = _pool_node(_randint(state, size), u, base, skip)
            while mark[v] == u:
                v = _pool_node(_randint(state, size), u, base, skip)
            mark[v] = u
            out[pos + i] = v
    else:
        need = k
        i = _ZERO
        r = _ZERO
        while need > 0:
            if (size - r) * _uniform(state) < need:
                out[pos + i] = _pool_node(r, u, base, skip)
                i += 1
                need -= 1
            r += 1


@_jit
def _pool_node(r, u, base, skip):
    """Inside pool (skip < 0): the members ``base ..`` of u's community other than u itself.
    Outside pool (skip > 0): all nodes but u's community ``base .. base + skip - 1``."""
    if skip < 0:
        v = base + r
        return v + 1 if v >= u else v
    return r if r < base else r + skip


@_jit
def _social_kernel(k_in, k_out, comm, start, size, state, indptr, indices):
    """Each node's followers: ``k_in[u]`` distinct ones inside its community and ``k_out[u]``
    distinct ones outside, uniformly; rows sorted. Writes ``indptr`` and the first arcs of
    ``indices`` (which may be longer: room left for return arcs)."""
    n = k_in.size
    indptr[0] = 0
    for u in range(n):
        indptr[u + 1] = indptr[u] + k_in[u] + k_out[u]
    mark = np.full(n, -1, np.int32)
    for u in range(n):
        c = comm[u]
        s0 = start[c]
        sz = size[c]
        pos = indptr[u]
        _sample_distinct(k_in[u], sz - 1, u, s0, np.int64(-1), indices, pos, mark, state)
        _sample_distinct(k_out[u], n - sz, u, s0, sz, indices, pos + k_in[u], mark, state)
    _sort_rows(indptr, indices)


def _community_sizes(func: str, n: int, c: int, how: Any, g: np.random.Generator) -> np.ndarray:
    if isinstance(how, str) and how == "equal":
        sizes = np.full(c, n // c, dtype=np.int64)
        sizes[: n % c] += 1
        return sizes
    if isinstance(how, str) and how == "powerlaw":
        raw = np.minimum(1.0 / (1.0 - g.random(c)), 50.0)  # P(x) ~ x**-2 on [1, 50]
        extra = n - 2 * c
        share = raw / raw.sum() * extra
        sizes = np.floor(share).astype(np.int64)
        left = extra - int(sizes.sum())
        if left:
            sizes[np.argsort(sizes - share, kind="stable")[:left]] += 1
        return sizes + 2
    raise InputError(f"{func}: community_sizes must be 'powerlaw' or 'equal', got {how!r}")


def _rate(theta: np.ndarray, cap: np.ndarray, target: float) -> np.ndarray:
    """Expected degrees ``min(lam * theta, cap)`` with ``lam`` set so that they sum to ``target``
    (or all equal to ``cap`` if even that falls short)."""
    lam = target / float(theta.sum())
    for _ in range(200):
        capped = lam * theta >= cap
        free = float(theta[~capped].sum())
        if free <= 0.0:
            break
        new = (target - float(cap[capped].sum())) / free
        if new <= lam * (1.0 + 1e-12):
            break
        lam = new
    return np.minimum(lam * theta, cap)


_SATURATION = 0.9  # a node's expected followers fill at most this share of the pool they come from


def social_graph(
    n: int,
    *,
    communities: int = 20,
    mean_degree: float = 10.0,
    mixing: float = 0.1,
    exponent: float = 2.5,
    community_sizes: str = "powerlaw",
    reciprocity: float = 0.0,
    rng: RNGLike = None,
    prob: float | None = None,
) -> Graph:
    """A follower graph with niche communities and heavy-tailed follower counts (directed).

    A directed degree-corrected stochastic block model (Karrer & Newman 2011) in which only the
    *source* of an arc is degree-corrected:

    1. Nodes are split into ``communities`` contiguous blocks (node ids ``0 .. s_0 - 1`` form
       community 0, and so on). ``"equal"`` sizes differ by at most one; ``"powerlaw"`` sizes are
       2 plus a share of the rest proportional to draws from ``P(x) ~ x**-2`` on [1, 50] (a few
       large communities, many small niches).
    2. Each node gets a propensity ``theta_u`` from a Pareto law ``P(theta) ~ theta**-exponent``,
       ``theta >= 1``, and ``Poisson(lambda_u)`` followers (arcs ``u -> v``), with
       ``lambda_u = min(lambda * theta_u, cap_u)`` and ``lambda`` set so that the expected number of
       arcs is ``n * mean_degree``. The cap keeps a node's expected followers inside and outside its
       community within 90% of the nodes there, so hubs of small niches are not cut short; otherwise
       follower counts (out-degrees) are heavy-tailed with tail exponent ``exponent``.
    3. ``Binomial(d_u, mixing)`` of the ``d_u`` followers are drawn uniformly, without repetition,
       from outside u's community and the rest likewise from inside it (u excluded), so in-degrees
       (how many a node follows) are close to Poisson. (In the rare case that a Poisson draw exceeds
       the pool, it is cut to the pool size.)
    4. With ``reciprocity > 0``, each arc ``u -> v`` also gets ``v -> u`` with that probability
       (unless present), and ``lambda`` is divided by ``1 + reciprocity`` to keep the mean degree.

    So there are no self-loops or repeated arcs; the share of arcs crossing communities is
    ``mixing`` up to sampling noise and the mean degree is ``mean_degree`` (less only when the caps
    cannot hold that many arcs, i.e. for graphs nearly as dense as their communities). With a single
    community every arc stays inside.

    Parameters
    ----------
    n : int
        Number of nodes, >= 2.
    communities : int
        Number of communities, in [1, n // 2] (each has at least 2 nodes).
    mean_degree : float
        Expected arcs per node (mean out-degree = mean in-degree), in (0, n - 1].
    mixing : float
        Expected fraction of each node's arcs that leave its community, in [0, 1].
    exponent : float
        Tail exponent of the follower-count distribution, > 2.
    community_sizes : {"powerlaw", "equal"}
    reciprocity : float
        Probability that a follow is returned, in [0, 1].
    rng : int, SeedSequence, Generator or None
    prob : float, optional
        Transmission probability stored on every arc.

    Returns
    -------
    Graph
        With ``community`` labels ``0 .. communities - 1``.

    References
    ----------
    B. Karrer and M. E. J. Newman, "Stochastic blockmodels and community structure in networks",
    Phys. Rev. E 83 (2011) 016107.
    P. W. Holland, K. B. Laskey and S. Leinhardt, "Stochastic blockmodels: first steps", Social
    Networks 5 (1983) 109-137.

    Examples
    --------
    >>> g = social_graph(10000, communities=8, mean_degree=10, rng=1)
    >>> g.n, g.n_communities
    (10000, 8)
    >>> src, dst = g.arcs()
    >>> 0.08 < float((g.community[src] != g.community[dst]).mean()) < 0.12
    True
    >>> bool(g.followers.max() > 20 * g.followers.mean())
    True
    """
    func = "social_graph"
    n = _int(func, "n", n, 2)
    c = _int(func, "communities", communities, 1, n // 2)
    mean_degree = _real(func, "mean_degree", mean_degree, 0.0, float(n - 1), lo_open=True)
    mixing = _real(func, "mixing", mixing, 0.0, 1.0)
    exponent = _real(func, "exponent", exponent, 2.0, lo_open=True)
    reciprocity = _real(func, "reciprocity", reciprocity, 0.0, 1.0)
    prob = _prob(func, prob)
    g = as_generator(rng)
    sizes = _community_sizes(func, n, c, community_sizes, g)
    start = np.zeros(c, dtype=np.int64)
    np.cumsum(sizes[:-1], out=start[1:])
    comm = np.repeat(np.arange(c, dtype=np.int32), sizes)
    mix = mixing if c > 1 else 0.0
    # per-node arrays are built one at a time and freed early: at 10^9 arcs each is 0.4 GB
    with np.errstate(divide="ignore"):
        cap_in = (sizes - 1) / (1.0 - mix) if mix < 1.0 else np.full(c, np.inf)
        cap_out = (n - sizes) / mix if mix > 0.0 else np.full(c, np.inf)
    cap = (_SATURATION * np.minimum(cap_in, cap_out))[comm]
    theta = (1.0 - g.random(n)) ** (-1.0 / (exponent - 1.0))
    expected = _rate(theta, cap, n * mean_degree / (1.0 + reciprocity))
    del theta, cap
    deg = g.poisson(expected)
    del expected
    k_out = g.binomial(deg, mix) if mix > 0.0 else np.zeros(n, dtype=np.int64)
    deg -= k_out
    k_in = np.minimum(deg, (sizes - 1)[comm]).astype(np.int32)
    del deg
    k_out = np.minimum(k_out, (n - sizes)[comm]).astype(np.int32)
    state = _state(g)
    m = int(k_in.sum()) + int(k_out.sum())
    # built in place: the arcs, then (reciprocity) their return arcs in the same buffer, counted first
    back = count_below(m, reciprocity, g) if reciprocity > 0.0 else 0
    indptr = np.empty(n + 1, np.int64)
    indices = np.empty(m + back, np.int32)
    _social_kernel(k_in, k_out, comm, start, sizes, state, indptr, indices)
    del k_in, k_out
    if reciprocity > 0.0:
        indptr, indices = reciprocate(indptr, indices, m, reciprocity, g)
    name = (
        f"social_graph(n={n}, communities={c}, mean_degree={mean_degree:g}, mixing={mixing:g}, "
        f"exponent={exponent:g})"
    )
    return _finish(indptr, indices, prob, name, community=comm)
