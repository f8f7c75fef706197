"""Every numba function of the package: flat arrays, scalars and a 64-bit root key in, arrays out.

Randomness is counter-based: a random number is ``uniform(key, counter)`` (an arc's coin:
``coin(key, counter)``), a SplitMix64 hash of a stream key and a counter, so a run draws the same
coins whatever the thread, batch or worker it lands on, and two strategies simulated with the same
replicate see the same coin on the same arc (common random numbers). ``tests/reference.py`` holds
a slow Python twin of each kernel that draws the same numbers; the tests compare them exactly.

Conventions: ``seen[v]`` (one byte) marks the adopters of the current run, which are ``queue[:count]``
in adoption order; ``steps[t]`` counts the new adopters of step t (the last column lumps later steps
together). Only when they are kept (records asked for, or the model needs them) do ``time[v]``, the
step at which v adopted (-1: never), and ``parent[v]``, who engaged it or one of the codes below, have
one entry per node; otherwise they are empty and never written. Byte flags keep the hot loops' random
reads in cache (1 MB for a million nodes, against 8 MB for times and parents).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

# record codes and output columns: the kernels write by these names (numba reads them as constants)
from .codes import (
    C_ENGAGED, C_EXPOSED, C_POSITIVE, CH_BROADCAST, CH_INFLUENCER, CH_NONE, CH_PEER, CH_POSTER, CH_SEED, EXTERNAL,
    M_ALIGNED_IMPRESSIONS, M_CONVERSIONS, M_DEPTH, M_ENGAGED, M_ENGAGED_BROADCAST, M_IMPRESSIONS_BROADCAST,
    M_IMPRESSIONS_INFLUENCER, M_IMPRESSIONS_PEER, M_LARGEST_CASCADE, M_POSITIVE, M_REACH_BROADCAST_TREES,
    M_REACH_INFLUENCER_TREES, M_REACH_SEED_TREES, M_SEEDS_AND_POSTERS, M_SHARES, M_STRUCTURAL_VIRALITY,
    M_STRUCTURAL_VIRALITY_LARGEST, M_UNIQUE_EXPOSED, N_COMMUNITY_COUNTS, N_NODE_STATS, N_RUN_METRICS, NO_PARENT, SEED,
    S_CROSS_COMMUNITY, S_DIRECT, S_DOWNSTREAM, S_EARLY, S_ENGAGED,
)

# model codes for the Monte Carlo driver
IC, LT, THRESHOLD, SIR, BASS = 0, 1, 2, 3, 4

# stream kinds: each purpose draws from its own stream
STREAM_ARC = 1  # per-arc coin, first attempt (IC, SIR, campaign peers)
STREAM_SKIP = 2  # geometric skipping over a node's arcs (IC, SIR, campaign peers)
STREAM_THRESHOLD = 3  # LT thresholds
STREAM_EXTERNAL = 4  # external field: who is exposed at each step
STREAM_PERIOD = 5  # SIR infectious periods
STREAM_BASS = 6  # Bass adoption coins
ATTEMPT_STRIDE = 1000  # kind of attempt k >= 1 of an arc: STREAM_ARC + k * ATTEMPT_STRIDE

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_S33 = np.uint64(33)
_ONE = np.uint64(1)
_INV53 = 1.0 / 9007199254740992.0
COIN_SCALE = 2.0**31  # arc coins are 31-bit integers

_jit = njit(cache=True, nogil=True)
# IC skips failed arcs geometrically in a row whose arcs all have one p below SKIP_BELOW, or whose
# largest p is below THIN_BELOW (then thinned); elsewhere a coin per arc costs less than a skip (a
# logarithm) per candidate (measured on Barabasi-Albert graphs and NetHEPT, same-process A/B)
SKIP_BELOW = 0.2
THIN_BELOW = 0.06
SKIP_MIN_ARCS = 3  # on a shorter row a coin per arc costs less than one skip (a logarithm)
AHEAD = 8  # a BFS fetches the row of the adopter AHEAD places on in the queue (its bounds 2 * AHEAD on)


@intrinsic
def prefetch(typingctx, arr, index):
    """Ask the CPU to start loading ``arr[index]`` into cache (``llvm.prefetch``): no effect on any
    result, and no fault even out of bounds. A cascade is a chain of cache misses (an adopter's row
    bounds, then its row): fetching the rows of adopters a few places ahead in the queue overlaps them
    (1.5-2x faster cascades on graphs larger than the cache)."""
    def codegen(context, builder, signature, args):
        arr_type = signature.args[0]
        array = context.make_array(arr_type)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, arr_type, array, [args[1]], wraparound=False)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        # p0i8 is the typed-pointer name; newer LLVMs remangle it for opaque pointers
        fn_type = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fn_type, "llvm.prefetch.p0i8")
        # read access, keep in all cache levels, data cache
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, index), codegen


@intrinsic
def fetch_add(typingctx, arr, index, value):
    """Atomically add ``value`` to ``arr[index]`` and return the old value (LLVM ``atomicrmw add``):
    threads take work from a shared counter, so a thread that the machine slows down takes less."""
    def codegen(context, builder, signature, args):
        arr_type = signature.args[0]
        array = context.make_array(arr_type)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, arr_type, array, [args[1]], wraparound=False)
        value = context.cast(builder, args[2], signature.args[2], arr_type.dtype)
        return builder.atomic_rmw("add", ptr, value, "seq_cst")

    return arr.dtype(arr, index, value), codegen


@_jit
def mix64(z):
    """SplitMix64 finaliser (Steele, Lea and Flood 2014): a bijective 64-bit hash."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@_jit
def sub_key(key, index):
    """Key of sub-stream ``index`` (a run, a kind, a step, a node) of stream ``key``."""
    return mix64(key + GOLDEN * (np.uint64(index) + _ONE))


@_jit
def stream_key(root, run, kind):
    """Key of stream ``kind`` of replicate ``run`` under the root key."""
    return sub_key(sub_key(root, run), kind)


@_jit
def uniform(key, counter):
    """The ``counter``-th uniform number of stream ``key``, strictly inside (0, 1)."""
    return (np.float64(sub_key(key, counter) >> _S11) + 0.5) * _INV53


@_jit
def coin(key, counter):
    """The ``counter``-th arc coin of stream ``key``: a uniform integer in ``[0, 2**31)``.

    An arc with probability p fires when ``coin < p * 2**31`` (exact in float64): p = 0 never fires,
    p = 1 always does, and the chance is ``ceil(p * 2**31) / 2**31``, within 2**-31 of p (an absolute
    error: any p in (0, 2**-31] fires with chance 2**-31). IC, SIR and the campaign's peer and
    influencer arcs use this rule where they flip a coin per arc, and the thinning coin of a skipped
    row too (``row_skip_table``), so a campaign with unit trust is IC exactly.
    """
    return np.int64(sub_key(key, counter) >> _S33)


@_jit
def geometric_gap(u, inv_log_q):
    """Failures before the next success, ``floor(log(u) * inv_log_q)`` with
    ``inv_log_q = 1 / log(1 - p)``, as a float (may be huge or infinite). The reciprocal is computed
    once (per run, or per node in ``row_skip_table``): a multiply, not a divide, per draw."""
    return np.floor(np.log(u) * inv_log_q)


@_jit
def skip_params(p_max, below):
    """``(1 / log(1 - p_max), 2**31 / p_max)``: skip an arc row at rate ``p_max``, then keep a candidate
    arc ``a`` when ``coin < p[a] * 2**31 / p_max`` (thinning). ``(0, 0)`` for ``p_max >= below``
    (flip a coin per arc instead); a row with ``p_max = 0`` never fires."""
    if p_max >= below:
        return 0.0, 0.0
    if p_max <= 0.0:
        return -np.inf, 0.0
    return 1.0 / np.log1p(-p_max), COIN_SCALE / p_max


@_jit
def row_skip_table(indptr, prob):
    """``skip_params`` of each node's out-arc row (``(0, 0)``, a coin per arc, for rows shorter than
    ``SKIP_MIN_ARCS``), flat: ``table[2 u]``, ``table[2 u + 1]``, the scale
    negated when every arc of the row has ``p_max`` (thinning would keep every candidate: IC need not
    read the row's probabilities at all). Built once per probability array, so that runs read two
    numbers per adopter instead of scanning its row."""
    n = indptr.size - 1
    table = np.zeros(2 * n)
    for u in range(n):
        p_max = 0.0
        p_min = 1.0
        for a in range(indptr[u], indptr[u + 1]):
            p_max = max(p_max, prob[a])
            p_min = min(p_min, prob[a])
        equal = p_min == p_max
        below = SKIP_BELOW if equal else THIN_BELOW
        inv_log_q, scale = skip_params(p_max, below if indptr[u + 1] - indptr[u] >= SKIP_MIN_ARCS else 0.0)
        table[2 * u] = inv_log_q
        table[2 * u + 1] = -scale if equal else scale
    return table


@_jit
def next_candidate(node_key, draw, a, end, inv_log_q):
    """Geometric skipping along an arc row that ends at ``end``: the candidate after arc ``a`` (``end``
    when none is left) and the next draw counter. Scalars only, so it inlines into every loop for free
    (an inlined helper taking the CSR arrays costs a quarter of a cascade in reference counting)."""
    gap = geometric_gap(uniform(node_key, draw), inv_log_q)
    if gap >= end - 1 - a:
        return end, draw + 1
    return a + 1 + np.int64(gap), draw + 1


# ---------------------------------------------------------------------------------------- helpers
@_jit
def _adopt(v, t, par, seen, time, parent, queue, count):
    seen[v] = 1
    queue[count] = v
    if time.size > 0:
        time[v] = t
        parent[v] = par
    return count + 1


@_jit
def _seed(seeds, seen, time, parent, queue, steps):
    count = 0
    for s in seeds:
        if seen[s] == 0:
            count = _adopt(s, 0, SEED, seen, time, parent, queue, count)
    steps[0] += count
    return count


@_jit
def _tally(steps, t, new):
    steps[min(t, steps.size - 1)] += new


@njit(cache=True, nogil=True, inline="always")  # as a call it would cost more than it saves
def _fetch_ahead(indptr, indices, values, skip, queue, i, count):
    """Prefetch, while the loop works on ``queue[i]``: the row bounds (and skip parameters) of
    ``queue[i + 2 * AHEAD]``, and the rows of ``queue[i + AHEAD]`` in ``indices`` and in ``values``
    (per-arc: its first two cache lines), unless ``skip`` (a ``row_skip_table``, or empty) says the
    row is skipped geometrically without thinning, which reads ``values`` at most at its candidates."""
    if i + 2 * AHEAD < count:
        w = queue[i + 2 * AHEAD]
        prefetch(indptr, w)
        if skip.size > 0:
            prefetch(skip, 2 * w)
    if i + AHEAD < count:
        w = queue[i + AHEAD]
        row = indptr[w]
        prefetch(indices, row)
        if skip.size == 0 or skip[2 * w] == 0.0 or skip[2 * w + 1] > 0.0:
            prefetch(values, row)
            prefetch(values, row + 64 // values.itemsize)


@_jit
def _take(next_run, chunk, runs):
    """The next chunk ``first .. last - 1`` of runs from the shared counter (empty when all are taken)."""
    first = fetch_add(next_run, 0, chunk)
    return first, min(first + chunk, runs)


@_jit
def _external_step(n, q, key, t, seen, time, parent, queue, count):
    """Each non-adopter adopts with probability q at step t (geometric skipping over node ids)."""
    if q <= 0.0:
        return count
    if q >= 1.0:
        for v in range(n):
            if seen[v] == 0:
                count = _adopt(v, t, EXTERNAL, seen, time, parent, queue, count)
        return count
    step_key = sub_key(key, t)
    inv_log_q = 1.0 / np.log1p(-q)
    pos = -1
    draw = 0
    while True:
        gap = geometric_gap(uniform(step_key, draw), inv_log_q)
        draw += 1
        if gap >= n - 1 - pos:
            break
        pos += 1 + np.int64(gap)
        if seen[pos] == 0:
            count = _adopt(pos, t, EXTERNAL, seen, time, parent, queue, count)
    return count


@_jit
def _last_positive(ext):
    last = -1
    for t in range(ext.size):
        if ext[t] > 0.0:
            last = t
    return last


# ---------------------------------------------------------------------------------------- one run per model
@_jit
def ic_run(indptr, indices, prob, p_scalar, skip, seeds, root, run, ext, max_steps,
           seen, time, parent, queue, steps, fired):
    """Independent Cascade (Kempe, Kleinberg and Tardos 2003): each new adopter gets one chance per arc.

    Arc ``a`` fires with probability ``p_scalar`` if ``>= 0``, else ``prob[a]``. An adopter with
    ``SKIP_MIN_ARCS`` arcs or more, all of one p below ``SKIP_BELOW`` (or varying below ``THIN_BELOW``;
    ``skip`` is ``row_skip_table(indptr, prob)`` for per-arc p) skips failed arcs geometrically, gaps keyed by
    ``(skip key, u)``, and a candidate of a row of varying p fires when ``coin(arc key, a) < prob[a] *
    scale`` (thinning; drawn only for targets not yet adopted). Other adopters flip
    ``coin(arc key, a) < p * 2**31`` per arc. Exact IC either way; a row of one p draws the same numbers
    whether p is a scalar or an array. Returns the number of adopters, ``queue[:count]`` in adoption order.

    A row is read in two passes: the arcs that fire go to ``fired`` (one entry per arc of the longest
    row) without a branch on the coin, then their targets adopt in arc order. A fire is rare, so a
    branch on it would be mispredicted at every fire; coins are pure functions of (key, arc), so the
    split draws the same numbers and adopts the same people in the same order.
    """
    n = indptr.size - 1
    count = _seed(seeds, seen, time, parent, queue, steps)
    arc_key = stream_key(root, run, STREAM_ARC)
    skip_key = stream_key(root, run, STREAM_SKIP)
    ext_key = stream_key(root, run, STREAM_EXTERNAL)
    last_ext = _last_positive(ext)
    per_arc = p_scalar < 0.0
    inv_log_q, scale = skip_params(p_scalar, SKIP_BELOW)
    threshold = p_scalar * COIN_SCALE
    keep = time.size > 0
    head = 0
    t = 0
    while t < max_steps and (head < count or t < last_ext):
        t += 1
        tail = count
        for i in range(head, tail):
            # _fetch_ahead written out: as an inlined helper it costs this loop 5-30% (reference counts)
            if i + 2 * AHEAD < count:
                w = queue[i + 2 * AHEAD]
                prefetch(indptr, w)
                if per_arc:
                    prefetch(skip, 2 * w)
            if i + AHEAD < count:
                w = queue[i + AHEAD]
                row = indptr[w]
                prefetch(indices, row)
                prefetch(indices, row + 16)
                if per_arc and (skip[2 * w] == 0.0 or skip[2 * w + 1] > 0.0):  # the row reads prob
                    prefetch(prob, row)
                    prefetch(prob, row + 8)
            u = queue[i]
            start = indptr[u]
            end = indptr[u + 1]
            if per_arc:
                inv_log_q = skip[2 * u]
                scale = skip[2 * u + 1]
            k = 0  # fired[:k]: this row's arcs that fire; most arcs fail, so targets are read only for these
            if inv_log_q != 0.0 and (per_arc or end - start >= SKIP_MIN_ARCS):
                thin = per_arc and scale > 0.0
                node_key = sub_key(skip_key, u)
                a, draw = next_candidate(node_key, 0, start - 1, end, inv_log_q)
                while a < end:
                    fired[k] = a
                    k += not thin or coin(arc_key, a) < prob[a] * scale
                    a, draw = next_candidate(node_key, draw, a, end, inv_log_q)
            elif per_arc:
                for a in range(start, end):
                    fired[k] = a
                    k += coin(arc_key, a) < prob[a] * COIN_SCALE
            else:
                for a in range(start, end):
                    fired[k] = a
                    k += coin(arc_key, a) < threshold
            for j in range(k):
                v = indices[fired[j]]
                if seen[v] == 0:  # _adopt written out: as a call it costs reference counts per adopter
                    seen[v] = 1
                    queue[count] = v
                    count += 1
                    if keep:
                        time[v] = t
                        parent[v] = u
        head = tail
        if t < ext.size:
            count = _external_step(n, ext[t], ext_key, t, seen, time, parent, queue, count)
        _tally(steps, t, count - tail)
    return count


@_jit
def threshold_run(indptr, indices, weight, thresholds, seeds, root, run, ext, max_steps,
                  seen, time, parent, queue, steps, acc, touched):
    """Linear Threshold (Kempe et al. 2003) and fractional threshold (Watts 2002).

    A node adopts once the summed ``weight`` of arcs from adopters reaches its threshold. With
    ``thresholds`` empty each node draws ``theta ~ U(0, 1)`` per run (LT); otherwise the given
    thresholds are used (Watts: unit weights, threshold = ``ceil(phi * in-degree)``). The parent is the
    adopter whose arc pushed the node over its threshold. ``acc`` must be zeros; it is reset on return.
    """
    n = indptr.size - 1
    count = _seed(seeds, seen, time, parent, queue, steps)
    th_key = stream_key(root, run, STREAM_THRESHOLD)
    ext_key = stream_key(root, run, STREAM_EXTERNAL)
    last_ext = _last_positive(ext)
    random_thresholds = thresholds.size == 0
    n_touched = 0
    head = 0
    t = 0
    while t < max_steps and (head < count or t < last_ext):
        t += 1
        tail = count
        for i in range(head, tail):
            _fetch_ahead(indptr, indices, weight, weight[:0], queue, i, count)  # LT reads every weight
            u = queue[i]
            for a in range(indptr[u], indptr[u + 1]):
                v = indices[a]
                # a zero-weight arc changes nothing (and must not list v as touched twice)
                if seen[v] != 0 or weight[a] == 0.0:
                    continue
                if acc[v] == 0.0:
                    touched[n_touched] = v
                    n_touched += 1
                acc[v] += weight[a]
                theta = uniform(th_key, v) if random_thresholds else thresholds[v]
                if acc[v] >= theta:
                    count = _adopt(v, t, u, seen, time, parent, queue, count)
        head = tail
        if t < ext.size:
            count = _external_step(n, ext[t], ext_key, t, seen, time, parent, queue, count)
        _tally(steps, t, count - tail)
    for i in range(n_touched):
        acc[touched[i]] = 0.0
    return count


@_jit
def sir_run(indptr, indices, prob, skip, gamma, seeds, root, run, ext, max_steps, seen, time, parent, queue,
            steps, until):
    """Discrete-time SIR: an adopter shares at each of the next D steps, D ~ Geometric(gamma) >= 1.

    Arc ``a`` fires on the sharer's k-th active step with probability ``prob[a]``, drawn as ``ic_run``
    draws per-arc p, from the arc and skip streams of attempt k (``skip = row_skip_table(indptr,
    prob)``); attempt 0 uses IC's streams, so ``gamma = 1`` is exactly Independent Cascade.
    ``until[v]`` holds the last step at which v shares; ``time`` must be kept (one entry per node).
    """
    n = indptr.size - 1
    count = _seed(seeds, seen, time, parent, queue, steps)
    period_key = stream_key(root, run, STREAM_PERIOD)
    ext_key = stream_key(root, run, STREAM_EXTERNAL)
    last_ext = _last_positive(ext)
    inv_log_q = 1.0 / np.log1p(-gamma) if gamma < 1.0 else 0.0
    head = 0  # adopters before head have stopped sharing
    t = 0
    done = 0  # adopters whose period is drawn
    while t < max_steps:
        for i in range(done, count):
            v = queue[i]
            extra = 0.0 if gamma >= 1.0 else geometric_gap(uniform(period_key, v), inv_log_q)
            until[v] = time[v] + 1 + np.int32(min(extra, 2.0**30))
        done = count
        while head < count and until[queue[head]] <= t:
            head += 1
        active = False
        for i in range(head, count):
            if until[queue[i]] > t:
                active = True
                break
        if not active and t >= last_ext:
            break
        t += 1
        tail = count
        for i in range(head, tail):
            _fetch_ahead(indptr, indices, prob, skip, queue, i, tail)
            u = queue[i]
            if until[u] < t:
                continue
            attempt = (t - 1 - time[u]) * ATTEMPT_STRIDE
            arc_key = stream_key(root, run, STREAM_ARC + attempt)
            start = indptr[u]
            end = indptr[u + 1]
            row_inv = skip[2 * u]  # (inv_log_q is the period's)
            scale = skip[2 * u + 1]
            if row_inv != 0.0:
                node_key = sub_key(stream_key(root, run, STREAM_SKIP + attempt), u)
                a, draw = next_candidate(node_key, 0, start - 1, end, row_inv)
                while a < end:
                    v = indices[a]
                    if seen[v] == 0 and (scale < 0.0 or coin(arc_key, a) < prob[a] * scale):
                        count = _adopt(v, t, u, seen, time, parent, queue, count)
                    a, draw = next_candidate(node_key, draw, a, end, row_inv)
            else:
                for a in range(start, end):
                    if coin(arc_key, a) < prob[a] * COIN_SCALE:
                        v = indices[a]
                        if seen[v] == 0:
                            count = _adopt(v, t, u, seen, time, parent, queue, count)
        if t < ext.size:
            count = _external_step(n, ext[t], ext_key, t, seen, time, parent, queue, count)
        _tally(steps, t, count - tail)
    return count


@_jit
def bass_run(indptr, indices, t_indptr, t_src, p, q, seeds, root, run, ext, max_steps,
             seen, time, parent, queue, steps, active_in):
    """Network Bass diffusion in discrete time (a node-level version of Bass 1969).

    At step t every non-adopter v adopts with probability ``min(1, p_t + q * A(v) / d_in(v))``, where
    ``A(v)`` counts in-arcs from nodes that adopted before t, ``p_t = 1 - (1 - p)(1 - ext[t])`` is the
    external (mass-media) field, and nodes without in-arcs feel only ``p_t``. An adopter through the
    external part has parent EXTERNAL; through word of mouth, the adopted in-neighbour that the same
    coin picks uniformly. On a complete graph of N nodes the expected adopter share follows
    ``F_t = F_{t-1} + (p + q F_{t-1} N / (N - 1)) (1 - F_{t-1})`` to first order: the discrete Bass
    recursion. ``active_in`` must be zeros; it is reset on return; ``time`` must be kept.
    """
    n = indptr.size - 1
    count = _seed(seeds, seen, time, parent, queue, steps)
    bass_key = stream_key(root, run, STREAM_BASS)
    last_ext = _last_positive(ext)
    head = 0
    t = 0
    while t < max_steps and count < n:
        # the adopters of the previous step now count as word of mouth
        for i in range(head, count):
            u = queue[i]
            for a in range(indptr[u], indptr[u + 1]):
                active_in[indices[a]] += 1
        head = count
        t += 1
        step_key = sub_key(bass_key, t)
        p_t = p
        if t < ext.size:
            p_t = 1.0 - (1.0 - p) * (1.0 - ext[t])
        pending = False
        for v in range(n):
            if seen[v] != 0:
                continue
            deg = t_indptr[v + 1] - t_indptr[v]
            mouth = q * active_in[v] / deg if deg > 0 else 0.0
            if mouth > 0.0:
                pending = True
            u = uniform(step_key, v)
            if u < p_t:
                count = _adopt(v, t, EXTERNAL, seen, time, parent, queue, count)
            elif u < p_t + mouth:
                k = min(np.int64((u - p_t) / mouth * active_in[v]), active_in[v] - 1)
                chosen = -1
                for j in range(t_indptr[v], t_indptr[v + 1]):
                    w = t_src[j]
                    if time[w] >= 0 and time[w] < t:
                        if k == 0:
                            chosen = w
                            break
                        k -= 1
                count = _adopt(v, t, chosen, seen, time, parent, queue, count)
        _tally(steps, t, count - head)
        if p <= 0.0 and t >= last_ext and not pending and count == head:
            break
    for v in range(n):
        active_in[v] = 0
    return count


# ---------------------------------------------------------------------------------------- Monte Carlo
@njit(cache=True, parallel=True)
def monte_carlo(model, indptr, indices, t_indptr, t_src, arc_p, skip, p_scalar, thresholds, gamma, bass_p,
                bass_q, seeds, root, run_ids, ext, max_steps, record, n_blocks, width):
    """Runs ``run_ids`` of one model on ``n_blocks`` threads, each taking chunks of runs from a shared
    counter (dynamic scheduling: on a shared machine one core is often slower than the other).

    ``arc_p`` holds the per-arc probabilities (IC, SIR) or weights (LT, threshold); ``skip`` is
    ``row_skip_table(indptr, arc_p)`` for per-arc IC and SIR (else empty).
    Returns ``(final_sizes, step_counts, node_counts, rec_time, rec_parent, overflow)``: adopters per
    run, new adopters per run and step (``min(width, max_steps + 1)`` columns; ``overflow[r]`` when run
    r reached the last column, whose count then lumps later steps together), per block the number of
    runs each node adopted in (integer sums, so the total is the same whichever block ran which run),
    and the full records when ``record`` (else empty arrays), all in the order of ``run_ids``. Every run
    depends only on ``(root, run id)``.
    """
    n = indptr.size - 1
    runs = run_ids.size
    final = np.zeros(runs, np.int64)
    step_counts = np.zeros((runs, min(width, max_steps + 1)), np.int32)
    overflow = np.zeros(runs, np.bool_)
    node_counts = np.zeros((n_blocks, n), np.int32)
    n_rec = runs if record else 0
    rec_time = np.full((n_rec, n), -1, np.int32)
    rec_parent = np.full((n_rec, n), NO_PARENT, np.int32)
    # adoption times and parents only where they are output or the model reads them
    n_time = n if record or model == SIR or model == BASS else 0
    longest = 0  # the longest arc row: the size of ic_run's buffer of fired arcs
    if model == IC:
        for u in range(n):
            longest = max(longest, indptr[u + 1] - indptr[u])
    # each thread takes chunks of runs from this counter until none is left
    chunk = max(1, runs // (16 * n_blocks))
    next_run = np.zeros(1, np.int64)
    for b in prange(n_blocks):
        seen = np.zeros(n, np.uint8)
        time = np.full(n_time, -1, np.int32)
        parent = np.full(n_time, NO_PARENT, np.int32)
        queue = np.empty(n, np.int32)
        # model-specific workspaces: full size only for the model that uses them
        fired = np.empty(longest if model == IC else 0, np.int64)
        n_lt = n if model == LT or model == THRESHOLD else 1
        acc = np.zeros(n_lt, np.float64)
        touched = np.empty(n_lt, np.int32)
        until = np.zeros(n if model == SIR else 1, np.int32)
        active_in = np.zeros(n if model == BASS else 1, np.int64)
        while True:
            first, last = _take(next_run, chunk, runs)
            if first >= last:
                break
            for r in range(first, last):
                run = run_ids[r]
                steps = step_counts[r]
                if model == IC:
                    count = ic_run(indptr, indices, arc_p, p_scalar, skip, seeds, root, run, ext, max_steps,
                                   seen, time, parent, queue, steps, fired)
                elif model == LT or model == THRESHOLD:
                    count = threshold_run(indptr, indices, arc_p, thresholds, seeds, root, run, ext,
                                          max_steps, seen, time, parent, queue, steps, acc, touched)
                elif model == SIR:
                    count = sir_run(indptr, indices, arc_p, skip, gamma, seeds, root, run, ext, max_steps,
                                    seen, time, parent, queue, steps, until)
                else:
                    count = bass_run(indptr, indices, t_indptr, t_src, bass_p, bass_q, seeds, root, run,
                                     ext, max_steps, seen, time, parent, queue, steps, active_in)
                final[r] = count
                overflow[r] = steps[steps.size - 1] > 0
                for i in range(count):  # tally and reset only what this run touched
                    v = queue[i]
                    node_counts[b, v] += 1
                    seen[v] = 0
                if record:
                    rec_time[r, :] = time
                    rec_parent[r, :] = parent
                if n_time > 0:
                    for i in range(count):
                        v = queue[i]
                        time[v] = -1
                        parent[v] = NO_PARENT
    return final, step_counts, node_counts, rec_time, rec_parent, overflow


# ---------------------------------------------------------------------------------------- campaigns

STREAM_INFLUENCER = 7  # per-arc coin of an influencer post
STREAM_BROADCAST = 8  # per (airing step, node) engagement coin
STREAM_SHARE = 9
STREAM_CONVERT = 10
STREAM_SENTIMENT = 11



@_jit
def _engage(v, t, par, ch, time, parent, channel, queue, count):
    time[v] = t
    parent[v] = par
    channel[v] = ch
    queue[count] = v
    return count + 1


@_jit
def campaign_run(indptr, indices, arc_p, skip, community, align, node_align, susc, seeds, posters, post_step, post_trust,
                 airing, target, bc_trust, peer_trust, share_rate, share_steps, root, run, max_steps,
                 time, parent, channel, queue, seen, seen_list, metrics, comm):
    """One run of an outreach campaign through three channels (see ``virality.campaign``).

    Step t: (1) peers who engaged in the last ``share_steps`` steps and chose to share expose their
    followers, each engaging with ``arc_p * peer_trust * align * susc``; (2) influencers due to post
    at t expose their followers, engaging with ``post_trust * align * susc``; (3) a broadcast airing
    (``airing[t]`` > 0) exposes each node of a targeted community with probability ``airing[t]``,
    engaging with ``bc_trust * align * susc``. Organic ``seeds`` engage at step 0 and always share.
    With only seeds and trust, alignment, susceptibility and share rate all 1 this is exactly
    ``ic_run`` with per-arc probabilities, coin for coin: a peer's row is skipped geometrically as
    ``ic_run`` does (``skip = row_skip_table(indptr, arc_p)``), with the thinning coin scaled by
    trust, alignment and susceptibility, while every arc still counts as an impression. Fills the impression columns of ``metrics`` (one run's row; per channel, the aligned
    impression sum, unique exposed), ``comm[:, C_EXPOSED]`` (exposed per community) and returns the number of records in ``queue`` (engaged, seeds and posters).
    """
    n = indptr.size - 1
    arc_key = stream_key(root, run, STREAM_ARC)
    skip_key = stream_key(root, run, STREAM_SKIP)
    infl_key = stream_key(root, run, STREAM_INFLUENCER)
    expo_key = stream_key(root, run, STREAM_EXTERNAL)
    bc_key = stream_key(root, run, STREAM_BROADCAST)
    share_key = stream_key(root, run, STREAM_SHARE)
    use_susc = susc.size > 0
    count = 0
    for s in seeds:
        if time[s] < 0:
            count = _engage(s, 0, SEED, CH_SEED, time, parent, channel, queue, count)
    last_event = _last_positive(airing)
    for i in range(post_step.size):
        last_event = max(last_event, post_step[i])
    n_seen = 0
    imp_bc = 0.0
    imp_infl = 0.0
    imp_peer = 0.0
    aligned = 0.0
    head = 0  # queue entries before head can no longer share
    t = 0
    while t < max_steps:
        while head < count and time[queue[head]] < t + 1 - share_steps:
            head += 1
        if head >= count and t >= last_event:
            break
        t += 1
        tail = count
        # (1) word of mouth
        for i in range(head, tail):
            _fetch_ahead(indptr, indices, arc_p, skip, queue, i, tail)
            u = queue[i]
            ch = channel[u]
            if ch == CH_POSTER:
                continue
            if ch != CH_SEED and share_rate < 1.0 and uniform(share_key, u) >= share_rate:
                continue
            attempt = t - 1 - time[u]
            if attempt < 0 or attempt >= share_steps:
                continue
            key = arc_key
            node_key = sub_key(skip_key, u)
            if attempt > 0:
                key = stream_key(root, run, STREAM_ARC + attempt * ATTEMPT_STRIDE)
                node_key = sub_key(stream_key(root, run, STREAM_SKIP + attempt * ATTEMPT_STRIDE), u)
            start = indptr[u]
            end = indptr[u + 1]
            row_inv = skip[2 * u]
            scale = abs(skip[2 * u + 1])  # trust and alignment thin even a row of equal probabilities
            nxt = start  # the next candidate arc; without skipping every arc is one
            draw = 0
            if row_inv == 0.0:
                scale = COIN_SCALE
            else:
                nxt, draw = next_candidate(node_key, 0, start - 1, end, row_inv)
            for a in range(start, end):
                v = indices[a]
                al = node_align[v]
                imp_peer += 1.0
                aligned += al
                if seen[v] == 0:  # inline, not a helper: a call taking arrays costs reference counts per impression
                    seen[v] = 1
                    seen_list[n_seen] = v
                    n_seen += 1
                if a < nxt:
                    continue
                if row_inv != 0.0:
                    nxt, draw = next_candidate(node_key, draw, a, end, row_inv)
                if time[v] >= 0:
                    continue
                pr = arc_p[a] * peer_trust * al
                if use_susc:
                    pr *= susc[v]
                if coin(key, a) < pr * scale:
                    count = _engage(v, t, u, CH_PEER, time, parent, channel, queue, count)
        # (2) influencer posts
        for i in range(posters.size):
            if post_step[i] != t:
                continue
            u = posters[i]
            if time[u] < 0:
                count = _engage(u, t, SEED, CH_POSTER, time, parent, channel, queue, count)
            for a in range(indptr[u], indptr[u + 1]):
                v = indices[a]
                al = node_align[v]
                imp_infl += 1.0
                aligned += al
                if seen[v] == 0:
                    seen[v] = 1
                    seen_list[n_seen] = v
                    n_seen += 1
                if time[v] >= 0:
                    continue
                pr = post_trust[i] * al
                if use_susc:
                    pr *= susc[v]
                if coin(infl_key, a) < pr * COIN_SCALE:
                    count = _engage(v, t, u, CH_INFLUENCER, time, parent, channel, queue, count)
        # (3) broadcast airing
        if t < airing.size and airing[t] > 0.0:
            q = airing[t]
            step_key = sub_key(expo_key, t)
            eng_key = sub_key(bc_key, t)
            inv_log_q = 1.0 / np.log1p(-q) if q < 1.0 else 0.0
            pos = -1
            draw = 0
            while True:
                if q >= 1.0:
                    pos += 1
                    if pos >= n:
                        break
                else:
                    gap = geometric_gap(uniform(step_key, draw), inv_log_q)
                    draw += 1
                    if gap >= n - 1 - pos:
                        break
                    pos += 1 + np.int64(gap)
                c = community[pos]
                if not target[c]:
                    continue
                imp_bc += 1.0
                aligned += align[c]
                if seen[pos] == 0:
                    seen[pos] = 1
                    seen_list[n_seen] = pos
                    n_seen += 1
                if time[pos] >= 0:
                    continue
                pr = bc_trust * align[c]
                if use_susc:
                    pr *= susc[pos]
                if uniform(eng_key, pos) < pr:
                    count = _engage(pos, t, EXTERNAL, CH_BROADCAST, time, parent, channel, queue, count)
    # accumulated in locals: stores to the metrics row in the hot loops would not stay in registers
    metrics[M_IMPRESSIONS_BROADCAST] += imp_bc
    metrics[M_IMPRESSIONS_INFLUENCER] += imp_infl
    metrics[M_IMPRESSIONS_PEER] += imp_peer
    metrics[M_ALIGNED_IMPRESSIONS] += aligned
    metrics[M_UNIQUE_EXPOSED] = n_seen
    for i in range(n_seen):
        v = seen_list[i]
        comm[community[v], C_EXPOSED] += 1
        seen[v] = 0
    return count


@njit(cache=True, parallel=True)
def campaign_monte_carlo(indptr, indices, arc_p, skip, community, n_comm, align, node_align, susc, seeds, posters, post_step,
                         post_trust, airing, target, bc_trust, peer_trust, share_rate, share_steps,
                         convert_rate, positive, early_share, root, run0, runs, max_steps, record, n_blocks,
                         flows):
    """Runs ``run0 .. run0 + runs - 1`` of a campaign; every run depends only on ``(root, run)``.

    Returns ``(metrics, comm, step_counts, node_stats, comm_steps, comm_flows, rec_time, rec_parent,
    rec_channel)``: per-run metrics (``N_RUN_METRICS`` columns, order of ``codes.RUN_METRICS``), per
    run and community ``[engaged, positive, exposed]``, new engagements per run and step (seeds at
    step 0, not posters), per block and node the integer sums ``[engaged, direct engagements caused,
    downstream cascade size, cross-community engagements caused, early adopter]``, per block the
    integer sums over its runs of new engagements per community and step (``(n_comm, max_steps + 1)``,
    counted as ``comm[:, C_ENGAGED]``: neither seeds nor posters) and, when ``flows``, of engagements
    across communities, parent's community -> engaged person's community (``(n_comm, n_comm)``; else
    ``(0, 0)``), and the records on request. Sums of integers: the same for any number of blocks.
    """
    n = indptr.size - 1
    metrics = np.zeros((runs, N_RUN_METRICS), np.float64)
    comm = np.zeros((runs, n_comm, N_COMMUNITY_COUNTS), np.int32)
    step_counts = np.zeros((runs, max_steps + 1), np.int32)
    node_stats = np.zeros((n_blocks, n, N_NODE_STATS), np.int64)
    comm_steps = np.zeros((n_blocks, n_comm, max_steps + 1), np.int64)
    n_flow = n_comm if flows else 0
    comm_flows = np.zeros((n_blocks, n_flow, n_flow), np.int64)
    n_rec = runs if record else 0
    rec_time = np.full((n_rec, n), -1, np.int32)
    rec_parent = np.full((n_rec, n), NO_PARENT, np.int32)
    rec_channel = np.full((n_rec, n), CH_NONE, np.int8)
    chunk = max(1, runs // (16 * n_blocks))  # threads take chunks of runs (see monte_carlo)
    next_run = np.zeros(1, np.int64)
    for b in prange(n_blocks):
        time = np.full(n, -1, np.int32)
        parent = np.full(n, NO_PARENT, np.int32)
        channel = np.full(n, CH_NONE, np.int8)
        queue = np.empty(n, np.int32)
        seen = np.zeros(n, np.int8)
        seen_list = np.empty(n, np.int32)
        sub = np.zeros(n, np.int64)
        tree = np.zeros(n, np.int32)
        gen = np.zeros(n, np.int32)
        wiener = np.zeros(n, np.float64)
        while True:
            first, last = _take(next_run, chunk, runs)
            if first >= last:
                break
            for r in range(first, last):
                run = run0 + r
                m = metrics[r]
                count = campaign_run(indptr, indices, arc_p, skip, community, align, node_align, susc, seeds, posters,
                                     post_step, post_trust, airing, target, bc_trust, peer_trust, share_rate,
                                     share_steps, root, run, max_steps, time, parent, channel, queue, seen,
                                     seen_list, m, comm[r])
                _campaign_tally(run, root, count, community, share_rate, convert_rate, positive,
                                early_share, time, parent, channel, queue, sub, tree, gen, wiener, m,
                                comm[r], step_counts[r], node_stats[b], comm_steps[b], comm_flows[b])
                if record:
                    rec_time[r, :] = time
                    rec_parent[r, :] = parent
                    rec_channel[r, :] = channel
                for i in range(count):
                    v = queue[i]
                    time[v] = -1
                    parent[v] = NO_PARENT
                    channel[v] = CH_NONE
                    sub[v] = 0
                    wiener[v] = 0.0
    return metrics, comm, step_counts, node_stats, comm_steps, comm_flows, rec_time, rec_parent, rec_channel


@_jit
def _campaign_tally(run, root, count, community, share_rate, convert_rate, positive, early_share,
                    time, parent, channel, queue, sub, tree, gen, wiener, m, comm, steps, stats, comm_steps, flows):
    """Per-run metrics, cascade trees and per-node sums from one run's record.

    Adds to the sums over runs ``comm_steps[c, t]`` (people of community c engaged at step t, as
    ``comm[:, C_ENGAGED]`` counts them) and, unless it is empty, ``flows[a, b]`` (people of community
    b engaged by someone of community a != b).

    A cascade tree is rooted at a seed, at a broadcast engagement, or at an engaged follower of an
    influencer post (the post itself joins independent cascades, so it is not a tree node). Structural
    virality is the mean pairwise distance in a tree, from the Wiener index computed with subtree sizes
    in linear time (Goel, Anderson, Hofman and Watts 2016).
    """
    share_key = stream_key(root, run, STREAM_SHARE)
    conv_key = stream_key(root, run, STREAM_CONVERT)
    sent_key = stream_key(root, run, STREAM_SENTIMENT)
    for i in range(count - 1, -1, -1):  # subtree sizes, bottom-up over the time-ordered queue
        v = queue[i]
        if channel[v] != CH_POSTER:
            sub[v] += 1
        if parent[v] >= 0:
            sub[parent[v]] += sub[v]
    engaged = 0
    max_depth = 0
    sv_num = 0.0
    sv_den = 0.0
    for i in range(count):  # top-down
        v = queue[i]
        par = parent[v]
        ch = channel[v]
        if ch == CH_POSTER:
            stats[v, S_DOWNSTREAM] += sub[v]
            continue
        if par < 0 or channel[par] == CH_POSTER:
            tree[v] = v
            gen[v] = 0
        else:
            tree[v] = tree[par]
            gen[v] = gen[par] + 1
            wiener[tree[v]] += sub[v] * (sub[tree[v]] - sub[v])
            max_depth = max(max_depth, gen[v])
        if par >= 0:
            stats[par, S_DIRECT] += 1
            if community[par] != community[v]:
                stats[par, S_CROSS_COMMUNITY] += 1
                if flows.shape[0] > 0:
                    flows[community[par], community[v]] += 1
        steps[time[v]] += 1
        stats[v, S_DOWNSTREAM] += sub[v] - 1
        if ch == CH_SEED:
            continue
        engaged += 1
        c = community[v]
        comm[c, C_ENGAGED] += 1
        comm_steps[c, time[v]] += 1
        stats[v, S_ENGAGED] += 1
        m[M_ENGAGED_BROADCAST + ch - CH_BROADCAST] += 1.0  # engaged by broadcast, influencer, peer
        if share_rate >= 1.0 or uniform(share_key, v) < share_rate:
            m[M_SHARES] += 1.0
        if uniform(conv_key, v) < convert_rate:
            m[M_CONVERSIONS] += 1.0
        if uniform(sent_key, v) < positive[ch - CH_BROADCAST]:
            m[M_POSITIVE] += 1.0
            comm[c, C_POSITIVE] += 1
    largest = 0
    for i in range(count):  # per tree: who started it, its size and structural virality
        v = queue[i]
        if channel[v] == CH_POSTER or tree[v] != v:
            continue
        size = sub[v]
        if channel[v] == CH_BROADCAST:
            m[M_REACH_BROADCAST_TREES] += size
        elif channel[v] == CH_SEED:
            m[M_REACH_SEED_TREES] += size
        else:
            m[M_REACH_INFLUENCER_TREES] += size
        if size >= 2:
            sv = wiener[v] * 2.0 / (size * (size - 1.0))
            sv_num += sv * size
            sv_den += size
            if size > largest:
                largest = size
                m[M_STRUCTURAL_VIRALITY_LARGEST] = sv
    m[M_ENGAGED] = engaged
    m[M_DEPTH] = max_depth
    m[M_STRUCTURAL_VIRALITY] = sv_num / sv_den if sv_den > 0 else 0.0
    m[M_LARGEST_CASCADE] = largest
    m[M_SEEDS_AND_POSTERS] = count - engaged
    n_early = np.int64(np.ceil(early_share * engaged))
    k = 0
    for i in range(count):  # early adopters: the first early_share of this run's engaged audience
        if k >= n_early:
            break
        v = queue[i]
        if channel[v] >= CH_BROADCAST:
            stats[v, S_EARLY] += 1
            k += 1


# ---------------------------------------------------------------------------------------- RR-set coverage (sets from _rr)
@_jit
def _invert(rr_indptr, rr_nodes, n):
    """Node -> the sets that contain it (CSR), by counting sort."""
    deg = np.zeros(n + 1, np.int64)
    for x in rr_nodes:
        deg[x + 1] += 1
    for v in range(n):
        deg[v + 1] += deg[v]
    fill = deg[:-1].copy()
    sets = np.empty(rr_nodes.size, np.int64)
    for s in range(rr_indptr.size - 1):
        for j in range(rr_indptr[s], rr_indptr[s + 1]):
            v = rr_nodes[j]
            sets[fill[v]] = s
            fill[v] += 1
    return deg, sets


@_jit
def max_coverage(rr_indptr, rr_nodes, n, k, costs, budget, by_ratio):
    """Greedy maximum coverage of RR sets; ties go to the lowest node id.

    ``budget < 0``: pick k nodes by marginal coverage. Otherwise spend ``budget`` on nodes whose
    ``costs`` fit, by coverage (``by_ratio`` False) or coverage per cost (True). Returns
    ``(chosen nodes in order, sets covered)``; with lazy counts this is exact greedy."""
    node_ptr, node_sets = _invert(rr_indptr, rr_nodes, n)
    gain = np.zeros(n, np.int64)
    for v in range(n):
        gain[v] = node_ptr[v + 1] - node_ptr[v]
    covered = np.zeros(rr_indptr.size - 1, np.bool_)
    picked = np.zeros(n, np.bool_)
    chosen = np.empty(n if budget >= 0 else k, np.int32)
    n_chosen = 0
    total = 0
    left = budget
    while True:
        if budget < 0 and n_chosen >= k:
            break
        best = -1
        best_score = -1.0
        for v in range(n):
            if picked[v]:
                continue
            if budget >= 0:
                if costs[v] > left + 1e-9 or gain[v] == 0:
                    continue
                score = gain[v] / costs[v] if by_ratio and costs[v] > 0 else (np.inf if by_ratio else np.float64(gain[v]))
            else:
                score = np.float64(gain[v])
            if score > best_score:
                best_score = score
                best = v
        if best < 0:
            break
        picked[best] = True
        chosen[n_chosen] = best
        n_chosen += 1
        if budget >= 0:
            left -= costs[best]
        total += gain[best]
        for j in range(node_ptr[best], node_ptr[best + 1]):
            s = node_sets[j]
            if covered[s]:
                continue
            covered[s] = True
            for i in range(rr_indptr[s], rr_indptr[s + 1]):
                gain[rr_nodes[i]] -= 1
    return chosen[:n_chosen], total


@_jit
def coverage(rr_indptr, rr_nodes, seeds, n):
    """How many RR sets contain at least one seed."""
    is_seed = np.zeros(n, np.bool_)
    for s in seeds:
        is_seed[s] = True
    hit = 0
    for s in range(rr_indptr.size - 1):
        for j in range(rr_indptr[s], rr_indptr[s + 1]):
            if is_seed[rr_nodes[j]]:
                hit += 1
                break
    return hit
