"""Building graphs fast: the generators' sequential random numbers, CSR assembly and argument checks.

Shared by :mod:`virality.generators` (and any streaming builder): a SplitMix64 generator whose state
is a one-element array (kernels stay free of Python objects), row sorting and deduplication of CSR
arrays, and the one-line argument errors every generator raises.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from ._kernels import GOLDEN, mix64
from .errors import InputError
from .graph import Graph, compact_indptr

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
def _grow(a, size):
    b = np.empty(size, np.int32)
    for i in range(a.size):
        b[i] = a[i]
    return b


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
def _compact(indptr, indices):
    """Drop repeated arcs and self-loops from a row-sorted CSR structure."""
    n = indptr.size - 1
    out = np.zeros(n + 1, np.int64)
    w = 0
    for u in range(n):
        prev = -1
        for i in range(indptr[u], indptr[u + 1]):
            v = indices[i]
            if v != prev and v != u:
                indices[w] = v
                w += 1
            prev = v
        out[u + 1] = w
    return out, indices[:w].copy()


@_jit
def _csr(n, src, dst, symmetric, dedupe):
    """CSR (int64 indptr, int32 indices sorted per row) of arcs ``src[i] -> dst[i]``.

    ``symmetric`` adds ``dst[i] -> src[i]`` too; ``dedupe`` drops self-loops and repeated arcs.
    """
    m = src.size
    indptr = np.zeros(n + 1, np.int64)
    for i in range(m):
        indptr[src[i] + 1] += 1
        if symmetric:
            indptr[dst[i] + 1] += 1
    for u in range(n):
        indptr[u + 1] += indptr[u]
    pos = indptr[:-1].copy()
    indices = np.empty(indptr[n], np.int32)
    for i in range(m):
        u = src[i]
        v = dst[i]
        indices[pos[u]] = v
        pos[u] += 1
        if symmetric:
            indices[pos[v]] = u
            pos[v] += 1
    _sort_rows(indptr, indices)
    if dedupe:
        return _compact(indptr, indices)
    return indptr, indices


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
