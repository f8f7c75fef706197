"""Building graphs fast: the generators' sequential random numbers, CSR assembly and argument checks.

Shared by :mod:`virality.generators` (and any streaming builder): a SplitMix64 generator whose state
is a one-element array (kernels stay free of Python objects); CSR assembly inside the final buffer
(two passes over the same random numbers with :func:`_put`, or each edge listed once and given its
return arc in place with :func:`_symmetrize`), row sorting and deduplication; and the one-line argument
errors every generator raises.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from ._kernels import GOLDEN, mix64
from .errors import InputError
from .graph import INT32_ARCS, Graph, compact_indptr

_jit = njit(cache=True, nogil=True)

# ------------------------------------------------------------------------------------ randomness
# A sequential SplitMix64 generator over the kernels' finaliser; the state is a one-element uint64 array.
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0
# int64 constants: a bare 0 would be typed Literal[int](0) at some call sites and make numba compile
# extra specialisations of the helpers it reaches
_ZERO = np.int64(0)
_ONE = np.int64(1)


@_jit
def _next64(state):
    state[0] += GOLDEN
    return mix64(state[0])


@_jit
def _uniform(state):
    """A uniform float in [0, 1) with 53 random bits."""
    return np.float64(_next64(state) >> _S11) * _INV53


@_jit
def _randint(state, k):
    """A uniform integer in [0, k), k >= 1."""
    r = np.int64(_uniform(state) * k)
    return r if r < k else k - 1


def _state(g: np.random.Generator) -> np.ndarray:
    return np.array([g.integers(0, 2**64, dtype=np.uint64)], dtype=np.uint64)


# ------------------------------------------------------------------------------------ CSR building
@_jit
def _grow(a, used, size):
    """A larger int32 buffer holding ``a[:used]`` (the rest untouched, so not resident)."""
    b = np.empty(size, np.int32)
    for i in range(used):
        b[i] = a[i]
    return b


def _ptr_dtype(arcs: int) -> type:
    """Row offsets in int32 while the arcs fit (4 bytes per node instead of 8, also while building)."""
    return np.int32 if arcs < INT32_ARCS else np.int64


@_jit
def _put(ptr, indices, a, b, fill):
    """Arc ``a -> b`` of a two-pass build: pass 1 (``fill`` False) counts it in ``ptr[a + 2]``; after a
    cumulative sum ``ptr[a + 1]`` is where row ``a`` starts, and pass 2 writes the arc there and moves
    that cursor on, which leaves ``ptr[:n + 1]`` the CSR offsets with no cursor array besides."""
    if fill:
        indices[ptr[a + 1]] = b
        ptr[a + 1] += 1
    else:
        ptr[a + 2] += 1


def _start_fill(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """After pass 1 (int32 ``counts`` from :func:`_put`): the cursors for pass 2 and the ``indices``
    buffer to fill."""
    total = int(counts.sum(dtype=np.int64))
    ptr = counts.astype(_ptr_dtype(total), copy=False)
    np.cumsum(ptr, out=ptr)
    return ptr, np.empty(total, np.int32)


@_jit
def _sift_down(x, a, root, end):
    """Max-heap sift-down of ``x[a + root]`` within ``x[a : a + end]``."""
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and x[a + child + 1] > x[a + child]:
            child += 1
        if x[a + root] >= x[a + child]:
            return
        tmp = x[a + root]
        x[a + root] = x[a + child]
        x[a + child] = tmp
        root = child


@_jit
def _heapsort(x, a, b):
    """Sort ``x[a:b]`` in place (heapsort: compiles fast, O(k log k) for hub rows)."""
    k = b - a
    for root in range(k // 2 - 1, -1, -1):
        _sift_down(x, a, root, k)
    for end in range(k - 1, 0, -1):
        tmp = x[a]
        x[a] = x[a + end]
        x[a + end] = tmp
        _sift_down(x, a, _ZERO, end)


@_jit
def _sort_rows(indptr, indices):
    """Sort each row of a CSR structure in place (insertion sort for short rows, else heapsort)."""
    n = indptr.size - 1
    for u in range(n):
        a = indptr[u]
        b = indptr[u + 1]
        if b - a <= 32:
            for i in range(a + 1, b):
                x = indices[i]
                j = i - 1
                while j >= a and indices[j] > x:
                    indices[j + 1] = indices[j]
                    j -= 1
                indices[j + 1] = x
        else:
            _heapsort(indices, a, b)


@_jit
def _order_by_weight(w, scale, order, buf, w_sorted):
    """``order[:] = np.argsort(-(w * scale), kind="stable")`` in int32 (node ids by decreasing weight,
    ties by increasing id) and ``w_sorted[:] = (w * scale)[order]`` (float64; int64 ``w`` is read as
    numpy converts it). A bottom-up merge sort with ``buf`` (int32, size >= n) as the other buffer: no
    int64 index array as numpy's argsort returns (8 bytes per node, which the heap can keep resident,
    unused, once freed)."""
    n = w.size
    for i in range(n):
        order[i] = i
    src, dst = order, buf
    in_buf = False
    width = 1
    while width < n:
        for a in range(0, n, 2 * width):
            i = a
            mid = min(a + width, n)
            j = mid
            b = min(a + 2 * width, n)
            k = a
            if j < b:  # merge src[a:mid] and src[mid:b], the left one first on ties
                wi = w[src[i]] * scale
                wj = w[src[j]] * scale
                while True:
                    if wj > wi:
                        dst[k] = src[j]
                        k += 1
                        j += 1
                        if j == b:
                            break
                        wj = w[src[j]] * scale
                    else:
                        dst[k] = src[i]
                        k += 1
                        i += 1
                        if i == mid:
                            break
                        wi = w[src[i]] * scale
            for t in range(i, mid):
                dst[k] = src[t]
                k += 1
            for t in range(j, b):
                dst[k] = src[t]
                k += 1
        src, dst = dst, src
        in_buf = not in_buf
        width *= 2
    for k in range(n):
        if in_buf:
            order[k] = buf[k]
        w_sorted[k] = w[order[k]] * scale


@_jit
def _symmetrize(own_ptr, indices):
    """Both arcs of every edge, in place. ``indices[:e]`` (``e = own_ptr[-1]``) lists each edge once, in
    the row of one of its ends (row u at ``own_ptr[u] .. own_ptr[u + 1]``); ``indices`` has room for
    ``2 e``. Afterwards ``indices[:2 e]`` is the symmetric CSR of those edges with rows sorted (row u:
    the other end of each edge at u, twice for a self-loop); returns its offsets (``own_ptr``'s dtype).
    Each row moves right to its final start, then takes the other end of every edge after its own."""
    n = own_ptr.size - 1
    indptr = np.zeros(n + 1, own_ptr.dtype)
    for u in range(n):
        indptr[u + 1] = own_ptr[u + 1] - own_ptr[u]
    for i in range(own_ptr[n]):
        indptr[indices[i] + 1] += 1
    for u in range(n):
        indptr[u + 1] += indptr[u]
    _open_rows(own_ptr, indptr, indices)
    fill = np.empty(n, own_ptr.dtype)  # where row u's next return arc goes: after its own arcs
    for u in range(n):
        fill[u] = indptr[u] + own_ptr[u + 1] - own_ptr[u]
    for u in range(n):
        for i in range(indptr[u], indptr[u] + own_ptr[u + 1] - own_ptr[u]):
            v = indices[i]
            indices[fill[v]] = u
            fill[v] += 1
    _sort_rows(indptr, indices)
    return indptr


@_jit
def _edge_keys(stubs, keys):
    """Edge ``stubs[2 i] - stubs[2 i + 1]`` as ``keys[i] = larger << 32 | smaller``, in place (``keys`` is
    ``stubs`` seen as int64): sorted keys list the edges row by row, by their larger end."""
    for i in range(keys.size):
        a = np.int64(stubs[2 * i])
        b = np.int64(stubs[2 * i + 1])
        keys[i] = (max(a, b) << 32) | min(a, b)


@_jit
def _edge_rows(keys, stubs, own_ptr, simple):
    """Sorted edge keys to rows of smaller ends under their larger end, in place (``stubs[:e]``, offsets
    ``own_ptr``), dropping self-loops and repeats if ``simple``; returns the edge count e."""
    e = 0
    prev = -_ONE
    for i in range(keys.size):
        key = keys[i]
        hi = key >> 32
        lo = key & 0xFFFFFFFF
        if simple and (hi == lo or key == prev):
            continue
        prev = key
        stubs[e] = lo  # stubs[e] lies in keys[e // 2], already read
        own_ptr[hi + 1] += 1
        e += 1
    for u in range(own_ptr.size - 1):
        own_ptr[u + 1] += own_ptr[u]
    return e


# ------------------------------------------------------------------------------------ streaming reciprocity
#: uniforms drawn per block when adding return arcs (32 MB of float64): memory stays O(n) plus the arcs
_BLOCK = 1 << 22


@_jit
def _back_arcs(indptr, indices, old_ptr, a0, draws, rate, row, count, fill):
    """Arcs ``a0 .. a0 + draws.size - 1`` of the original rows (offsets ``old_ptr``, now at ``indptr``)
    whose draw is below ``rate`` get their return arc: ``count`` (fill is None: add one to the
    target's count) or place it (``indices[fill[v]] = u``). ``row[0]`` carries the row across blocks."""
    u = row[0]
    for i in range(draws.size):
        a = a0 + i
        while old_ptr[u + 1] <= a:
            u += 1
        if draws[i] < rate:
            v = indices[indptr[u] + a - old_ptr[u]]
            if count:
                fill[v + 1] += 1
            else:
                indices[fill[v]] = u
                fill[v] += 1
    row[0] = u


@_jit
def _open_rows(old_ptr, indptr, indices):
    """Move each row from ``old_ptr`` to its new start ``indptr`` (never to the left), last row first."""
    for u in range(old_ptr.size - 2, -1, -1):
        shift = indptr[u] - old_ptr[u]
        if shift:
            for a in range(old_ptr[u + 1] - 1, old_ptr[u] - 1, -1):
                indices[a + shift] = indices[a]


@_jit
def _dedupe_rows(indptr, indices):
    """Sort each row and drop repeated arcs, in place; returns the new arc count."""
    _sort_rows(indptr, indices)
    n = indptr.size - 1
    w = 0
    start = indptr[0]
    for u in range(n):
        end = indptr[u + 1]
        prev = -1
        for i in range(start, end):
            v = indices[i]
            if v != prev:
                indices[w] = v
                w += 1
            prev = v
        start = end
        indptr[u + 1] = w
    return w


def reciprocate(indptr: np.ndarray, indices: np.ndarray, m: int, rate: float, g: np.random.Generator,
                block: int = _BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Give each arc ``u -> v`` of a CSR graph (rows sorted, no repeats; its ``m`` arcs at the start of
    ``indices``) a return arc ``v -> u`` with chance ``rate`` unless there is one: the draws are
    ``g.random(m)`` in arc order, the result that of adding them all at once and deduplicating, built
    in blocks of ``block`` draws, in place.

    ``indices`` must have room for the return arcs: the caller sizes it with :func:`count_below` (the
    same draws, from the same state of ``g``). Returns the new ``(indptr, indices)``; ``indices`` is a
    view of the buffer (its unused tail is the repeated arcs dropped).
    """
    state = g.bit_generator.state
    n = indptr.size - 1
    old_ptr = indptr
    fill = np.zeros(n + 1, np.int64)

    def sweep(ptr: np.ndarray, count: bool) -> None:
        g.bit_generator.state = state
        row = np.zeros(1, np.int64)
        for a0 in range(0, m, block):
            _back_arcs(ptr, indices, old_ptr, a0, g.random(min(block, m - a0)), rate, row, count, fill)

    sweep(old_ptr, True)  # count each row's return arcs
    np.cumsum(fill, out=fill)
    new_ptr = old_ptr + fill  # each row keeps its arcs and gains its return arcs after them
    _open_rows(old_ptr, new_ptr, indices)
    fill = new_ptr[:-1] + np.diff(old_ptr)
    sweep(new_ptr, False)  # place them
    w = _dedupe_rows(new_ptr, indices)
    return new_ptr, indices[:w]


def count_below(m: int, rate: float, g: np.random.Generator, block: int = _BLOCK) -> int:
    """How many of ``g.random(m)`` fall below ``rate``, drawn in blocks; ``g`` is left as it was."""
    state = g.bit_generator.state
    total = sum(int(np.count_nonzero(g.random(min(block, m - a0)) < rate)) for a0 in range(0, m, block))
    g.bit_generator.state = state
    return total


def _finish(
    indptr: np.ndarray, indices: np.ndarray, prob: float | None, name: str, community: np.ndarray | None = None
) -> Graph:
    """The generators' graph: int32 offsets where they fit, and ``prob`` kept as one float (no array)."""
    return Graph(indptr=compact_indptr(indptr), indices=indices, prob=prob, community=community, name=name)


# ------------------------------------------------------------------------------------ validation
def _int(func: str, name: str, value: Any, lo: int, hi: int | None = None) -> int:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if not ok and isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        ok = True
    if ok:
        ok = lo <= int(value) and (hi is None or int(value) <= hi)
    if not ok:
        allowed = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"
        raise InputError(f"{func}: {name} must be {allowed}, got {value!r}")
    return int(value)


def _real(
    func: str, name: str, value: Any, lo: float, hi: float = math.inf, *, lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if ok:
        x = float(value)
        ok = math.isfinite(x) and (x > lo if lo_open else x >= lo) and (x < hi if hi_open else x <= hi)
    if not ok:
        left = "(" if lo_open else "["
        right = ")" if hi_open or hi == math.inf else "]"
        raise InputError(f"{func}: {name} must be a number in {left}{lo:g}, {hi:g}{right}, got {value!r}")
    return float(value)


def _prob(func: str, prob: Any) -> float | None:
    if prob is None:
        return None
    if np.ndim(prob) != 0:
        raise InputError(
            f"{func}: prob must be a number in [0, 1] or None, got an array of shape {np.shape(prob)}; "
            "set per-arc values afterwards with Graph.with_prob"
        )
    return _real(func, "prob", prob, 0.0, 1.0)


def _nonneg_array(func: str, name: str, values: Any, *, integer: bool) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{func}: {name} must be an array of numbers, got {type(values).__name__}") from None
    if arr.ndim != 1:
        raise InputError(f"{func}: {name} must be one-dimensional, got shape {arr.shape}")
    bad = np.flatnonzero(~(np.isfinite(arr) & (arr >= 0)))
    if bad.size:
        raise InputError(f"{func}: {name} must be finite and >= 0; entry {bad[0]} is {arr[bad[0]]!r}")
    if integer:
        frac = np.flatnonzero(arr != np.floor(arr))
        if frac.size:
            raise InputError(f"{func}: {name} must hold integers; entry {frac[0]} is {arr[frac[0]]!r}")
        return arr.astype(np.int64)
    return arr
