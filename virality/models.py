"""Public simulators: :func:`simulate` runs one diffusion model as Monte Carlo over all cores.

Models (``model=``):

========== ============================================================== =====================
name       rule                                                           parameters
========== ============================================================== =====================
ic         Independent Cascade: each new adopter gets one chance per arc  ``p`` (scalar/per arc)
lt         Linear Threshold: adopt when in-weight from adopters >= U(0,1) ``weights`` (per arc)
threshold  Watts (2002): adopt when the adopted share of in-neighbours    ``phi`` (scalar/node)
           is at least ``phi``
sir        SIR-like fatigue: an adopter shares for D ~ Geometric(gamma)   ``beta``, ``gamma``
           steps, each arc firing with ``beta`` per step
bass       network Bass: adopt with ``p + q * adopted in-share`` per step ``p``, ``q``
========== ============================================================== =====================

Every model also takes ``external``: a mass-media field, the chance per step that each non-adopter
adopts on its own (parent code ``EXTERNAL``). A run's record is two arrays per node: the adoption step
(-1 never) and the parent (a node id, or a code of :mod:`virality.codes`: ``SEED = -2``,
``EXTERNAL = -3``; ``NO_PARENT = -1`` for non-adopters).

Per-arc arrays (``p``, ``weights``, ``beta``) are in arc-index order, the order of ``graph.arcs()``
(sorted by source, then target), not the order the edges were given; :meth:`Graph.arc_values` maps
values given per edge ``(src, dst, value)`` to it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

from . import _kernels as K
from . import _rr
from .errors import InputError
from .graph import ARC_ORDER_HINT, Graph, check_probabilities
from .rng import RNGLike, root_key

__all__ = ["SimulationResult", "SpreadEstimate", "simulate", "estimate_spread", "rr_sets", "rr_sampler", "MODELS", "check_seeds"]

_NARROW = 65  # step-matrix width tried first

#: model name -> (kernel code, allowed parameters)
MODELS: dict[str, tuple[int, tuple[str, ...]]] = {
    "ic": (K.IC, ("p",)),
    "lt": (K.LT, ("weights",)),
    "threshold": (K.THRESHOLD, ("phi",)),
    "sir": (K.SIR, ("beta", "gamma")),
    "bass": (K.BASS, ("p", "q")),
}


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """The outcome of ``runs`` Monte Carlo runs of one model from one seed set.

    Attributes
    ----------
    model : str
    seeds : int32 array
    final_sizes : int64 array, shape (runs,)
        Adopters at the end of each run, seeds included.
    step_counts : int32 array, shape (runs, steps + 1)
        New adopters per run and step (step 0: the seeds).
    adoption_frequency : float64 array, shape (n,)
        Share of runs in which each node adopted.
    times, parents : int32 arrays of shape (runs, n), or None
        Full per-run records, when ``record=True``.
    root : int
        The 64-bit root key the runs were drawn from.
    """

    model: str
    seeds: np.ndarray
    final_sizes: np.ndarray
    step_counts: np.ndarray
    adoption_frequency: np.ndarray
    times: np.ndarray | None = None
    parents: np.ndarray | None = None
    root: int = 0
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def runs(self) -> int:
        """Number of runs."""
        return self.final_sizes.size

    @property
    def cumulative(self) -> np.ndarray:
        """Cumulative adopters per run and step, shape (runs, steps + 1)."""
        return np.cumsum(self.step_counts, axis=1)

    @property
    def curve(self) -> np.ndarray:
        """Mean cumulative adopters per step (step 0 = the seeds)."""
        return self.cumulative.mean(axis=0)

    def curve_quantiles(self, q: Any = (0.05, 0.5, 0.95)) -> np.ndarray:
        """Quantiles of cumulative adopters per step, shape ``(len(q), steps + 1)``."""
        return np.quantile(self.cumulative, q, axis=0)

    @property
    def mean_size(self) -> float:
        """Mean final size (the expected spread)."""
        return float(self.final_sizes.mean())

    def size_ci(self, level: float = 0.95) -> tuple[float, float]:
        """Normal-approximation confidence interval of the mean final size."""
        z = _z(level)
        half = z * self.final_sizes.std(ddof=1) / math.sqrt(self.runs) if self.runs > 1 else math.nan
        return self.mean_size - half, self.mean_size + half


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def check_seeds(graph: Graph, seeds: Any, name: str = "seeds") -> np.ndarray:
    """Validate initial adopters: integer node ids in ``[0, n)``; duplicates are dropped, order kept."""
    arr = np.atleast_1d(np.asarray(seeds if seeds is not None else [], dtype=object))
    out = np.empty(arr.size, dtype=np.int64)
    for i, s in enumerate(arr.tolist()):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise InputError(f"{name} must be integer node ids, got {s!r}")
        if not 0 <= s < graph.n:
            raise InputError(f"{name}: node {s} is out of range for a graph of {graph.n} nodes (0..{graph.n - 1})")
        out[i] = s
    _, first = np.unique(out, return_index=True)
    return out[np.sort(first)].astype(np.int32)


def check_int(name: str, value: Any, low: int) -> int:
    """An integer parameter >= ``low`` (numpy integers accepted), or an InputError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InputError(f"{name} must be {'a positive' if low == 1 else f'an integer >= {low}'}"
                         f"{' integer' if low == 1 else ''}, got {value!r}")
    return int(value)


def _external_field(external: Any) -> np.ndarray:
    """``external[i]`` applies at step ``i + 1``; returned array is indexed by step (entry 0 unused)."""
    if external is None:
        return np.zeros(0)
    arr = np.atleast_1d(np.asarray(external, dtype=np.float64))
    arr = check_probabilities("external", arr, arr.size)
    return np.concatenate([[0.0], arr])


def _check_params(model: str, params: dict[str, Any]) -> None:
    if model not in MODELS:
        raise InputError(f"unknown model {model!r}; valid models: {', '.join(MODELS)}")
    allowed = MODELS[model][1]
    for key in params:
        if key not in allowed:
            raise InputError(f"model {model!r} has no parameter {key!r}; valid: {', '.join(allowed)}")


def _scalar_in(name: str, value: Any, lo: float, hi: float, *, open_lo: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not (lo < x <= hi if open_lo else lo <= x <= hi):
        bracket = "(" if open_lo else "["
        raise InputError(f"{name} must lie in {bracket}{lo:g}, {hi:g}], got {x:g}")
    return x


def lt_weights(graph: Graph, weights: Any = None) -> np.ndarray:
    """LT arc weights (default ``1 / in-degree``), one per arc in ``graph.arcs()`` order, checked to lie
    in [0, 1] and to sum to at most 1 into every node.

    An array given in another order (the order the edges were listed, say) is caught where it pushes
    some node's in-weight above 1: the error names the node, its sum, and the arc order to use
    (:meth:`Graph.arc_values` maps per-edge weights to it). A misordered array that keeps every sum
    at most 1 cannot be told from a right one.
    """
    if weights is None:
        return graph.weighted_cascade()  # sums to exactly 1 into every node with in-arcs
    w = check_probabilities("weights", weights, graph.m, per_arc=True)
    into = np.bincount(graph.indices, weights=w, minlength=graph.n)
    bad = np.flatnonzero(into > 1.0 + 1e-9)
    if bad.size:
        v = int(bad[0])
        lab = None if graph.labels is None else graph.labels[v]
        label = "" if lab is None else f" (label {lab.item() if isinstance(lab, np.generic) else lab!r})"
        more = f" ({bad.size - 1} other node{'s' * (bad.size > 2)} too)" if bad.size > 1 else ""
        raise InputError(
            f"LT weights into node {v}{label} sum to {into[v]:.6g}; in-weights must sum to at most 1{more}. "
            f"If the weights are right, check their order: {ARC_ORDER_HINT}"
        )
    return w


def simulate(
    graph: Graph,
    seeds: Any,
    *,
    model: str = "ic",
    runs: int = 1,
    rng: RNGLike = None,
    record: bool = False,
    max_steps: int = 1000,
    external: Any = None,
    run_offset: int = 0,
    **params: Any,
) -> SimulationResult:
    """Run a diffusion model ``runs`` times from the initial adopters ``seeds``.

    Runs are spread over all numba threads; run ``r`` draws only from ``(rng, run_offset + r)``, so the
    result is bit-identical for any thread count, and runs ``0..99`` equal runs ``0..49`` plus runs
    ``50..99`` (``run_offset=50``).

    Parameters
    ----------
    graph : Graph
    seeds : array-like of int
        Initial adopters (adopt at step 0).
    model : {"ic", "lt", "threshold", "sir", "bass"}
    runs : int
        Monte Carlo runs.
    rng : int, SeedSequence, Generator or None
    record : bool
        Keep each run's adoption steps and parents (``runs x n`` int32 each).
    max_steps : int
        Runs stop after this many steps.
    external : float or array-like, optional
        Mass-media field: ``external[i]`` is the chance that each non-adopter adopts on its own at
        step ``i + 1`` (a scalar applies at step 1 only).
    **params
        ``p`` (ic: a scalar, or one probability per arc; default the graph's ``prob``), ``weights`` (lt:
        one per arc, default 1/in-degree; the in-weights of every node must sum to at most 1), ``phi``
        (threshold: a scalar or one per node), ``beta`` (sir: a scalar or one per arc) and ``gamma``
        (sir), ``p`` and ``q`` (bass: scalars).

    Notes
    -----
    Per-arc arrays (``p``, ``weights``, ``beta``) are in arc-index order: entry ``a`` belongs to arc
    ``graph.arcs()[0][a] -> graph.arcs()[1][a]`` (arcs sorted by source, then target), *not* to the
    ``a``-th edge as the edges were given. Build them with ``graph.arc_values(src, dst, values)``, or
    give the probabilities to :meth:`Graph.from_edges` (``prob=``, aligned with the edges as given).
    A wrong length is an InputError; a misordered LT array is one when it pushes a node's in-weight
    above 1; a misordered IC array of the right length cannot be detected.

    How IC draws (the outcome is distributed exactly as Independent Cascade either way: each arc of a
    new adopter fires once, independently, with its own probability, to the 2**-31 resolution of an
    arc's coin): an adopter with 3 arcs or more whose arcs all have one probability below 0.2 (a
    scalar ``p``, or equal entries of an array) skips its failed arcs geometrically, one draw per
    success; one with 3 arcs or more whose probabilities vary, all below 0.06, skips at the row's
    largest probability and keeps each candidate arc with chance ``p[a] / p_max`` (thinning); every
    other adopter flips one coin per arc. The per-node skipping
    parameters are computed once per probability array (``_kernels.row_skip_table``), and a row of one
    probability draws the same numbers whether ``p`` is a scalar or an array. SIR draws each sharing
    step's attempt on an arc the same way with ``beta``.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> from virality import Graph, simulate
    >>> g = Graph.from_edges([0, 1, 2], [1, 2, 3])
    >>> simulate(g, [0], p=1.0, runs=3, rng=1).final_sizes.tolist()
    [4, 4, 4]
    >>> simulate(g, [0], p=0.0, runs=2, rng=1).curve.tolist()
    [1.0]
    """
    _check_params(model, params)
    code = MODELS[model][0]
    runs = check_int("runs", runs, 1)
    max_steps = check_int("max_steps", max_steps, 1)
    run_offset = check_int("run_offset", run_offset, 0)
    seed_arr = check_seeds(graph, seeds)
    ext = _external_field(external)
    arc_p = np.zeros(0)
    p_scalar = -1.0
    thresholds = np.zeros(0)
    gamma = bass_p = bass_q = 0.0
    t_indptr = np.zeros(1, dtype=np.int64)
    t_src = np.zeros(0, dtype=np.int32)
    if model == "ic":
        p = params.get("p", graph.prob)
        if p is None:
            raise InputError("model 'ic' needs p (a scalar or one per arc): the graph has no arc probabilities")
        if np.ndim(p) == 0:
            p_scalar = _scalar_in("p", p, 0.0, 1.0)
        elif p is graph.prob:  # checked when the graph was built
            arc_p = p
        else:
            arc_p = check_probabilities("p", p, graph.m, per_arc=True)
    elif model == "lt":
        arc_p = lt_weights(graph, params.get("weights"))
    elif model == "threshold":
        if "phi" not in params:
            raise InputError("model 'threshold' needs phi (the adopted share of in-neighbours needed)")
        phi = check_probabilities("phi", params["phi"], graph.n)
        # integer counts avoid float round-off in "share >= phi"; at least one adopted in-neighbour
        thresholds = np.maximum(np.ceil(phi * graph.in_degree - 1e-9), 1.0)
        arc_p = np.ones(graph.m)
    elif model == "sir":
        if "beta" not in params or "gamma" not in params:
            raise InputError("model 'sir' needs beta (per-step transmission) and gamma (per-step recovery)")
        arc_p = check_probabilities("beta", params["beta"], graph.m, per_arc=True)
        gamma = _scalar_in("gamma", params["gamma"], 0.0, 1.0, open_lo=True)
    else:  # bass
        if "p" not in params or "q" not in params:
            raise InputError("model 'bass' needs p (innovation, external) and q (imitation, word of mouth)")
        bass_p = _scalar_in("p", params["p"], 0.0, 1.0)
        bass_q = _scalar_in("q", params["q"], 0.0, math.inf)
        t_indptr, t_src, _ = graph.transpose
    root = root_key(rng)
    per_arc = model == "sir" or (model == "ic" and p_scalar < 0.0)
    skip = graph.skip_table(arc_p) if per_arc else np.zeros(0)  # per-arc IC and SIR read it per adopter
    model_args = (code, graph.indptr, graph.indices, t_indptr, t_src, arc_p, skip, p_scalar, thresholds,
                  gamma, bass_p, bass_q, seed_arr, np.uint64(root))

    def run(run_ids: np.ndarray, keep: bool, width: int) -> tuple[np.ndarray, ...]:
        n_blocks = min(run_ids.size, numba.get_num_threads())  # one set of work arrays per thread
        return K.monte_carlo(*model_args, run_ids, ext, max_steps, keep, n_blocks, width)

    run_ids = np.arange(run_offset, run_offset + runs, dtype=np.int64)
    # most cascades end within a few dozen steps: a narrow step matrix for all runs, then the full
    # width for just the runs that outlasted it (a run is the same whenever it is simulated)
    final, steps, node_counts, rec_t, rec_p, overflow = run(run_ids, record, _NARROW)
    if overflow.any() and max_steps + 1 > _NARROW:
        again = np.flatnonzero(overflow)
        _, long_steps, _, _, _, overflow = run(run_ids[again], False, max_steps + 1)
        wide = np.zeros((runs, long_steps.shape[1]), np.int32)
        wide[:, :_NARROW] = steps
        wide[again] = long_steps
        steps = wide
    if model != "bass" and overflow.any() and steps.shape[1] == max_steps + 1:
        warnings.warn(f"some runs were still spreading at max_steps={max_steps}; raise max_steps", stacklevel=2)
    used = np.flatnonzero(steps.any(axis=0))
    steps = steps[:, : (used[-1] + 1 if used.size else 1)]
    return SimulationResult(
        model=model,
        seeds=seed_arr,
        final_sizes=final,
        step_counts=steps,
        adoption_frequency=node_counts.sum(axis=0) / runs,
        times=rec_t if record else None,
        parents=rec_p if record else None,
        root=root,
        params=dict(params),
    )


# ------------------------------------------------------------------------------------- influence estimation
@dataclass(frozen=True)
class SpreadEstimate:
    """An expected-spread estimate with its standard error."""

    value: float
    stderr: float
    samples: int
    method: str


def rr_sampler(graph: Graph, *, model: str = "ic", p: Any = None, weights: Any = None) -> _rr.RRSampler:
    """A reverse-reachable set sampler for IC (``p``: a scalar or one per arc, default the graph's ``prob``)
    or LT (``weights``: one per arc, default 1/in-degree), per-arc arrays in ``graph.arcs()`` order.
    Build it once and draw sets in batches (:func:`rr_sets` does both); see :mod:`virality._rr` for how
    sets are drawn."""
    if model == "ic":
        p = graph.prob if p is None else p
        if p is None:
            raise InputError("model 'ic' needs p (a scalar or one per arc): the graph has no arc probabilities")
        if np.ndim(p) == 0:  # one probability: no per-arc array at all
            return _rr.RRSampler(_rr.RR_IC, graph.indptr, graph.indices, _scalar_in("p", p, 0.0, 1.0), np.zeros(0))
        if p is graph.prob and isinstance(p, np.ndarray):  # float32, checked when the graph was built
            return _rr.RRSampler(_rr.RR_IC, graph.indptr, graph.indices, -1.0, p)
        return _rr.RRSampler(_rr.RR_IC, graph.indptr, graph.indices, -1.0, check_probabilities("p", p, graph.m, per_arc=True))
    if model == "lt":
        return _rr.RRSampler(_rr.RR_LT, graph.indptr, graph.indices, -1.0, lt_weights(graph, weights))
    raise InputError(f"influence estimation supports models 'ic' and 'lt', got {model!r}")


def rr_sets(graph: Graph, count: int, *, model: str = "ic", p: Any = None, weights: Any = None,
            rng: RNGLike = None, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Reverse-reachable sets ``start .. start + count - 1`` (Borgs, Brautbar, Chayes, Lucier 2014).

    A set holds the nodes that would have activated a uniformly drawn root in one live-edge sample; the
    chance that a seed set meets it is ``spread / n``. Returned as CSR ``(indptr, nodes)`` (int64, int32),
    each set root first. Set i depends only on ``(rng, i)``: parallel over threads and identical for any
    thread count. ``p`` (a scalar or one per arc) and ``weights`` (one per arc) are as in :func:`simulate`:
    arrays in ``graph.arcs()`` order.
    """
    return rr_sampler(graph, model=model, p=p, weights=weights).sets(root_key(rng), start, count)


def estimate_spread(graph: Graph, seeds: Any, *, model: str = "ic", method: str = "ris", samples: int = 100_000,
                    rng: RNGLike = None, p: Any = None, weights: Any = None) -> SpreadEstimate:
    """Expected number of adopters (seeds included) of ``seeds`` under IC or LT.

    ``method="ris"``: ``n x`` the share of ``samples`` reverse-reachable sets the seeds meet;
    ``method="mc"``: the mean final size of ``samples`` forward Monte Carlo runs. ``p`` (IC: a scalar or one
    per arc, default the graph's ``prob``) and ``weights`` (LT: one per arc) are as in :func:`simulate`:
    arrays in ``graph.arcs()`` order (see :meth:`Graph.arc_values`).

    Examples
    --------
    >>> from virality import Graph
    >>> g = Graph.from_edges([0, 0], [1, 2], prob=0.5)
    >>> round(estimate_spread(g, [0], samples=200_000, rng=1).value, 1)
    2.0
    """
    seed_arr = check_seeds(graph, seeds)
    samples = check_int("samples", samples, 1)
    if method == "mc":
        params = {"p": p if p is not None else graph.prob} if model == "ic" else {"weights": weights}
        if model not in ("ic", "lt"):
            raise InputError(f"influence estimation supports models 'ic' and 'lt', got {model!r}")
        res = simulate(graph, seed_arr, model=model, runs=samples, rng=rng, **params)
        sd = res.final_sizes.std(ddof=1) if samples > 1 else math.nan
        return SpreadEstimate(res.mean_size, sd / math.sqrt(samples), samples, "mc")
    if method != "ris":
        raise InputError(f"method must be 'ris' or 'mc', got {method!r}")
    indptr, nodes = rr_sets(graph, samples, model=model, p=p, weights=weights, rng=rng)
    share = K.coverage(indptr, nodes, seed_arr, graph.n) / samples
    return SpreadEstimate(graph.n * share, graph.n * math.sqrt(share * (1 - share) / samples), samples, "ris")
