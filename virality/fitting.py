"""Fitting Independent Cascade probabilities to observed cascades (Saito, Nakano and Kimura 2008).

An observed cascade is who engaged at which step (``times``, -1 for never), the format
``simulate(..., record=True)`` produces. Under IC, a person ``v`` not yet engaged at step ``t`` has each
in-neighbour ``u`` engaged at ``t - 1`` as one chance: ``v`` engages at ``t`` with probability
``1 - prod(1 - p[u, v])`` and stays out otherwise. :func:`fit_ic` maximises that likelihood over arc
groups (one probability per group: all arcs, or e.g. per source community) by the EM algorithm of Saito
et al., and gives standard errors from the observed information (the likelihood's curvature at the
optimum). Who engaged whom (``parents``) is not needed: the times say it all, as in the paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InputError
from .graph import Graph

__all__ = ["ICFit", "fit_ic"]


@dataclass(frozen=True)
class ICFit:
    """Maximum-likelihood IC probabilities per arc group, with standard errors.

    Attributes
    ----------
    p, se : float arrays (groups,)
    trials : int array (groups,)
        Chances observed per group (arcs from a just-engaged person to a not-yet-engaged one).
    iterations : int
    log_likelihood : float
    """

    p: np.ndarray
    se: np.ndarray
    trials: np.ndarray
    iterations: int
    log_likelihood: float


def _chances(graph: Graph, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All chances of one cascade: arc index, the attempt's target ``v`` engaged then (bool), and an id
    of the (target, step) event the chance belongs to (chances of one event share a success)."""
    src, dst = graph.arcs()
    t_u, t_v = times[src], times[dst]
    live = (t_u >= 0) & ((t_v < 0) | (t_v > t_u))  # u engaged before v (or v never): u had a chance on v
    arcs = np.flatnonzero(live)
    success = t_v[arcs] == t_u[arcs] + 1
    # a failed chance (v not engaged one step later) is an event of its own; successes group by target
    event = np.where(success, dst[arcs], graph.n + np.arange(arcs.size))
    return arcs, success, event


def fit_ic(graph: Graph, cascades: Any, *, groups: np.ndarray | None = None, tol: float = 1e-9,
           max_iter: int = 10_000) -> ICFit:
    """Maximum-likelihood IC arc probabilities from observed cascades, by EM (Saito et al. 2008).

    Parameters
    ----------
    graph : Graph
    cascades : int array (cascades, n) or (n,)
        Engagement step of every person in each observed cascade (-1: never).
    groups : int array (m,), optional
        Group of each arc (in ``graph.arcs()`` order); one probability is fitted per group. Default: one
        group, every arc.
    tol, max_iter
        EM stops when no probability moves by more than ``tol``.

    Returns
    -------
    ICFit

    Examples
    --------
    >>> import virality as vr
    >>> g = vr.generators.erdos_renyi(2000, 0.004, directed=True, rng=1)
    >>> res = vr.simulate(g, [0, 1, 2, 3, 4], p=0.15, runs=200, rng=2, record=True)
    >>> fit = fit_ic(g, res.times)
    >>> bool(abs(fit.p[0] - 0.15) < 3 * fit.se[0])
    True
    """
    times = np.atleast_2d(np.asarray(cascades))
    if times.ndim != 2 or times.shape[1] != graph.n:
        raise InputError(f"cascades must be an array (cascades, {graph.n}) of engagement steps, got shape {times.shape}")
    groups = np.zeros(graph.m, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    if groups.shape != (graph.m,) or (groups.size and groups.min() < 0):
        raise InputError(f"groups must hold one non-negative group id per arc ({graph.m}), in graph.arcs() order")
    k = int(groups.max(initial=-1)) + 1
    parts = []
    for c, row in enumerate(times):  # events are per cascade: offset their ids
        arcs, success, event = _chances(graph, row)
        parts.append((groups[arcs], success, event + c * (graph.n + graph.m + 1)))
    g = np.concatenate([x[0] for x in parts]) if parts else np.zeros(0, np.int64)
    success = np.concatenate([x[1] for x in parts]) if parts else np.zeros(0, bool)
    _, event = np.unique(np.concatenate([x[2] for x in parts]), return_inverse=True) if parts else (None, np.zeros(0, int))
    trials = np.bincount(g, minlength=k)
    p = np.full(k, 0.5)
    it = 0
    for it in range(1, max_iter + 1):
        # E step: the chance that this arc's coin is what engaged v, given that v engaged (its event)
        fail_log = np.log1p(-np.minimum(p[g], 1 - 1e-15))
        event_fail = np.bincount(event, weights=np.where(success, fail_log, 0.0), minlength=event.max(initial=-1) + 1)
        p_event = -np.expm1(event_fail[event])  # P(event succeeds) = 1 - prod(1 - p)
        resp = np.where(success, p[g] / np.maximum(p_event, 1e-300), 0.0)
        new = np.bincount(g, weights=resp, minlength=k) / np.maximum(trials, 1)
        done = np.max(np.abs(new - p), initial=0.0) <= tol
        p = new
        if done:
            break
    ll, se = _loglik_and_se(p, g, success, event)
    return ICFit(p=p, se=se, trials=trials, iterations=it, log_likelihood=ll)


def _loglik_and_se(p: np.ndarray, g: np.ndarray, success: np.ndarray, event: np.ndarray) -> tuple[float, np.ndarray]:
    """Log-likelihood at ``p`` and standard errors from the observed information (numerical Hessian)."""
    n_events = event.max(initial=-1) + 1

    def loglik(q: np.ndarray) -> float:
        q = np.clip(q, 1e-12, 1 - 1e-12)
        fl = np.log1p(-q[g])
        per_event = np.bincount(event, weights=fl, minlength=n_events)
        is_success = np.bincount(event, weights=success.astype(float), minlength=n_events) > 0
        return float(np.sum(np.where(is_success, np.log(-np.expm1(per_event)), per_event)))

    k = p.size
    h = 1e-5
    hess = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            hess[i, j] = hess[j, i] = (loglik(p + ei + ej) - loglik(p + ei - ej) - loglik(p - ei + ej)
                                       + loglik(p - ei - ej)) / (4 * h * h)
    try:
        cov = np.linalg.inv(-hess)
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(k, np.nan)
    return loglik(p), se
