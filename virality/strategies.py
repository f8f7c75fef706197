"""Who to seed: influencer selection and budgets.

Every strategy is a plain function ``f(graph, k, **options) -> int32 array of node ids`` in the order
chosen; ties are broken by the lowest node id. :data:`STRATEGIES` maps config names to them.
Budgeted selection (:func:`budgeted`) spends a money budget against per-node costs
(:meth:`virality.pricing.PriceList.post_costs`); tiers come from :mod:`virality.pricing`.
"""

from __future__ import annotations

import heapq
import math
import warnings
from typing import Any, Callable

import numpy as np

from . import _kernels as K
from .errors import InputError
from .graph import Graph
from .models import rr_sampler, simulate
from .pricing import TIERS, TierScheme, tiers
from .rng import RNGLike, as_generator, as_seed_sequence, root_key

__all__ = [
    "random",
    "top_degree",
    "follower_band",
    "pagerank",
    "k_core",
    "one_per_community",
    "degree_discount",
    "budgeted",
    "imm",
    "celf",
    "budgeted_greedy",
    "STRATEGIES",
]

# ------------------------------------------------------------------------------------- helpers
def _check_k(graph: Graph, k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= graph.n:
        raise InputError(f"k must be an integer in [0, {graph.n}], got {k!r}")
    return int(k)


def _top(score: np.ndarray, k: int, candidates: np.ndarray | None = None) -> np.ndarray:
    """The k highest scores, ties by lowest node id."""
    ids = np.arange(score.size) if candidates is None else candidates
    order = np.lexsort((ids, -score[ids]))
    return ids[order[:k]].astype(np.int32)


# ------------------------------------------------------------------------------------- strategies
def random(graph: Graph, k: int, *, rng: RNGLike = None) -> np.ndarray:
    """k distinct nodes uniformly at random."""
    k = _check_k(graph, k)
    return as_generator(rng).choice(graph.n, size=k, replace=False).astype(np.int32)


def top_degree(graph: Graph, k: int) -> np.ndarray:
    """The k nodes with the most followers (macro/mega influencers).

    Examples
    --------
    >>> g = Graph.from_edges([0, 0, 1, 1, 2], [1, 2, 0, 2, 0])
    >>> top_degree(g, 2).tolist()
    [0, 1]
    """
    return _top(graph.followers.astype(float), _check_k(graph, k))


def follower_band(
    graph: Graph, k: int, *, tier: str | None = None, low: float | None = None, high: float | None = None,
    scheme: TierScheme = TierScheme(), order: str = "followers", rng: RNGLike = None,
) -> np.ndarray:
    """k nodes whose follower count lies in a band: a tier name or ``[low, high)``.

    ``order="followers"`` takes the largest accounts of the band first; ``"random"`` samples the band.
    Raises InputError when the band holds no node.
    """
    k = _check_k(graph, k)
    candidates = _band(graph, tier, low, high, scheme)
    if order == "random":
        take = min(k, candidates.size)
        return as_generator(rng).choice(candidates, size=take, replace=False).astype(np.int32)
    if order != "followers":
        raise InputError(f"order must be 'followers' or 'random', got {order!r}")
    return _top(graph.followers.astype(float), k, candidates)


def _band(graph: Graph, tier: str | None, low: float | None, high: float | None, scheme: TierScheme) -> np.ndarray:
    if tier is not None:
        if tier not in TIERS:
            raise InputError(f"unknown tier {tier!r}; valid: {', '.join(TIERS)}")
        candidates = np.flatnonzero(tiers(graph, scheme) == TIERS.index(tier))
        what = f"tier {tier!r}"
    else:
        f = graph.followers
        lo = -np.inf if low is None else low
        hi = np.inf if high is None else high
        candidates = np.flatnonzero((f >= lo) & (f < hi))
        what = f"follower band [{lo}, {hi})"
    if candidates.size == 0:
        f = graph.followers
        have = f"followers range {f.min()}..{f.max()}" if f.size else "the graph has no nodes"
        raise InputError(f"{what} selects no node ({have})")
    return candidates


def pagerank(graph: Graph, k: int, *, alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 200) -> np.ndarray:
    """k nodes with the highest PageRank of influence: rank flows from followers to the accounts they
    follow (PageRank on the reversed graph), so an account ranks high when well-followed accounts
    follow it (Brin and Page 1998)."""
    k = _check_k(graph, k)
    return _top(pagerank_scores(graph, alpha=alpha, tol=tol, max_iter=max_iter), k)


def pagerank_scores(graph: Graph, *, alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 200) -> np.ndarray:
    """PageRank on the reversed graph (a follower passes rank to whom it follows), by power iteration."""
    n = graph.n
    src, dst = graph.arcs()
    indeg = graph.in_degree.astype(float)  # out-degree in the reversed graph
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        share = np.where(indeg > 0, x / np.maximum(indeg, 1), 0.0)
        new = np.bincount(src, weights=share[dst], minlength=n)
        dangling = x[indeg == 0].sum()
        new = alpha * (new + dangling / n) + (1 - alpha) / n
        if np.abs(new - x).sum() < tol:
            return new
        x = new
    return x


def core_numbers(graph: Graph) -> np.ndarray:
    """k-core number of every node, treating arcs as undirected edges (Batagelj-Zaversnik peeling)."""
    import networkx as nx

    src, dst = graph.arcs()
    G = nx.Graph()
    G.add_nodes_from(range(graph.n))
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    core = nx.core_number(G)
    return np.array([core[v] for v in range(graph.n)], dtype=np.int64)


def k_core(graph: Graph, k: int) -> np.ndarray:
    """k nodes of the highest core number (Kitsak et al. 2010), ties by followers then lowest id."""
    k = _check_k(graph, k)
    core = core_numbers(graph).astype(float)
    ids = np.arange(graph.n)
    order = np.lexsort((ids, -graph.followers, -core))
    return ids[order[:k]].astype(np.int32)


def one_per_community(graph: Graph, k: int, *, tier: str | None = None, scheme: TierScheme = TierScheme()) -> np.ndarray:
    """Nichecasting: the biggest account of each community in turn (round robin, largest communities
    first), optionally within one tier, until k are chosen."""
    k = _check_k(graph, k)
    if graph.community is None:
        raise InputError("one_per_community needs community labels: the graph has none")
    candidates = _band(graph, tier, None, None, scheme) if tier else np.arange(graph.n)
    f = graph.followers
    comm = graph.community[candidates]
    # rank within community by followers (desc), then lowest id
    order = np.lexsort((candidates, -f[candidates], comm))
    cand, comm = candidates[order], comm[order]
    start = np.searchsorted(comm, comm, side="left")
    rank_in = np.arange(cand.size) - start
    sizes = np.bincount(graph.community, minlength=graph.n_communities)
    order2 = np.lexsort((cand, comm, -sizes[comm], rank_in))
    return cand[order2[:k]].astype(np.int32)


def degree_discount(graph: Graph, k: int, *, p: float = 0.01) -> np.ndarray:
    """DegreeDiscountIC (Chen, Wang and Yang 2009), counting arcs: after picking v, each follower u of v
    has its score discounted to ``dd_u = d_u - 2 t_u - (d_u - t_u) t_u p``.

    ``d_u`` is u's out-degree (its arcs to followers) and ``t_u`` the number of arcs into u from picked
    nodes. Both count arcs, so a neighbour joined by c parallel arcs counts c times in both: under IC
    each parallel arc is an independent chance (u stays unreached by the picked nodes with probability
    ``(1 - p) ** t_u``) and only ``d_u - t_u`` of u's arcs lead to nodes not picked. On a simple
    undirected graph (both arcs stored) this is the paper's heuristic exactly. Already-picked nodes are
    not rescored. Ties go to the lowest node id.

    Examples
    --------
    >>> g = Graph.from_edges([0, 0, 0, 1, 1, 2], [1, 2, 3, 0, 2, 4], undirected=True)
    >>> degree_discount(g, 2, p=0.1).tolist()
    [0, 4]
    """
    k = _check_k(graph, k)
    if not 0 <= p <= 1:
        raise InputError(f"p must lie in [0, 1], got {p!r}")
    d = graph.out_degree.astype(float)
    dd = d.copy()
    t = np.zeros(graph.n)
    chosen = np.zeros(graph.n, dtype=bool)
    heap = [(-dd[v], v) for v in range(graph.n)]
    heapq.heapify(heap)  # (-score, id): the highest score first, ties by the lowest id
    out: list[int] = []
    while len(out) < k and heap:
        score, v = heapq.heappop(heap)
        if chosen[v] or -score != dd[v]:
            continue  # stale entry
        chosen[v] = True
        out.append(v)
        # v's followers (out-neighbours) each gain one picked in-arc per arc from v (parallel arcs
        # counted, like d); undirected graphs store both arcs, so this is the paper's neighbour discount
        followers, arcs = np.unique(graph.out_neighbors(v), return_counts=True)
        for u, c in zip(followers.tolist(), arcs.tolist()):
            if chosen[u]:
                continue
            t[u] += c
            dd[u] = d[u] - 2 * t[u] - (d[u] - t[u]) * t[u] * p
            heapq.heappush(heap, (-dd[u], u))
    return np.array(out, dtype=np.int32)


def budgeted(
    graph: Graph, budget: float, *, costs: np.ndarray, strategy: str = "top_degree",
    allowed: np.ndarray | None = None, **options: Any,
) -> np.ndarray:
    """Spend ``budget`` on posts: walk the ranking of ``strategy`` and hire every node that still fits.

    ``costs`` is the per-node post price (e.g. :meth:`PriceList.post_costs`); ``allowed`` an optional
    boolean mask of eligible nodes (a tier, aligned communities). The total cost of the returned nodes
    never exceeds the budget. A budget too small for any candidate is an InputError.

    Examples
    --------
    >>> g = Graph.from_edges([0, 0, 0, 1, 1, 2], [1, 2, 3, 2, 3, 3])
    >>> budgeted(g, 5.0, costs=np.array([4.0, 2.0, 1.0, 1.0])).tolist()
    [0, 2]
    """
    if not isinstance(budget, (int, float)) or not budget >= 0:
        raise InputError(f"budget must be a number >= 0, got {budget!r}")
    if strategy not in STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}; valid: {', '.join(STRATEGIES)}")
    costs = np.asarray(costs, dtype=np.float64)
    if costs.shape != (graph.n,) or not np.all(costs >= 0):
        raise InputError(f"costs must be one non-negative number per node ({graph.n})")
    ranking = STRATEGIES[strategy](graph, graph.n, **options)
    if allowed is not None:
        allowed = np.asarray(allowed)
        if allowed.dtype != np.bool_ or allowed.shape != (graph.n,):
            raise InputError(f"allowed must be a boolean mask with one entry per node ({graph.n})")
        ranking = ranking[allowed[ranking]]
        if ranking.size == 0:
            raise InputError("no node is eligible (the tier or community filter selects nobody)")
    cheapest = costs[ranking].min() if ranking.size else np.inf
    if budget > 0 and cheapest > budget:
        raise InputError(f"budget {budget:g} buys no post: the cheapest candidate costs {cheapest:g}")
    chosen = []
    left = float(budget)
    for v in ranking.tolist():
        c = float(costs[v])
        if c <= left + 1e-9:
            chosen.append(v)
            left -= c
    return np.array(chosen, dtype=np.int32)


# ------------------------------------------------------------------------------------- influence maximization
class _RRStore:
    """RR sets drawn so far, as CSR in arrays that grow in chunks (int64 offsets, int32 nodes)."""

    def __init__(self) -> None:
        self.indptr = np.zeros(1, np.int64)
        self.nodes = np.empty(0, np.int32)
        self.count = self.size = 0

    @staticmethod
    def _room(arr: np.ndarray, need: int) -> np.ndarray:
        if need <= arr.size:
            return arr
        grown = np.empty(max(need, arr.size + arr.size // 2), arr.dtype)
        grown[: arr.size] = arr
        return grown

    def extend(self, indptr: np.ndarray, nodes: np.ndarray) -> None:
        c, s = indptr.size - 1, nodes.size
        self.indptr = self._room(self.indptr, self.count + c + 1)
        self.nodes = self._room(self.nodes, self.size + s)
        self.indptr[self.count + 1: self.count + c + 1] = indptr[1:] + self.size
        self.nodes[self.size: self.size + s] = nodes
        self.count += c
        self.size += s

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        return self.indptr[: self.count + 1], self.nodes[: self.size]


def _cover(indptr: np.ndarray, nodes: np.ndarray, n: int, k: int, costs: np.ndarray | None = None,
           budget: float = -1.0, by_ratio: bool = False) -> tuple[np.ndarray, float]:
    """Greedy max coverage of RR sets; returns (nodes in the order chosen, covered share)."""
    chosen, covered = K.max_coverage(indptr, nodes, n, k, np.zeros(0) if costs is None else costs, budget, by_ratio)
    return chosen.astype(np.int32), covered / max(indptr.size - 1, 1)


def imm(graph: Graph, k: int, *, epsilon: float = 0.1, ell: float = 1.0, model: str = "ic", p: Any = None,
        weights: Any = None, rng: RNGLike = None, max_sets: int = 20_000_000, rule: str = "imm") -> np.ndarray:
    """IMM influence maximization (Tang, Shi and Xiao 2015): k seeds whose expected spread is at least
    ``(1 - 1/e - epsilon)`` times the optimum with probability ``1 - 1/n^ell``.

    Reverse-reachable sets (Borgs et al. 2014) are sampled in numba over all cores, with work per
    reached node that does not grow with its in-degree (:func:`virality.models.rr_sampler`).
    ``rule="imm"``: the lower bound on the optimum comes from the martingale sampling phase; the final
    selection uses freshly drawn sets, as Chen (2018) showed is needed for the guarantee to hold.
    ``rule="opim-c"``: the stopping rule of OPIM-C (Tang, Tang, Xiao and Yuan 2018), same guarantee:
    greedy on one collection of sets, its spread bounded below on a second, independent one and the
    optimum bounded above on the first (greedy's coverage / (1 - 1/e), or the tighter bound of SUBSIM,
    Guo et al. 2020: a greedy prefix's coverage plus the k largest marginal coverages given it); both
    collections double until the ratio of the bounds reaches ``1 - 1/e - epsilon``. It usually stops
    after far fewer sets than IMM's worst-case count.
    ``max_sets`` caps memory (a warning says when it binds). Returns node ids in the order chosen.

    Examples
    --------
    >>> g = Graph.from_edges([0, 0, 0, 1], [1, 2, 3, 4], prob=1.0)
    >>> imm(g, 1, rng=1).tolist()
    [0]
    """
    k = _check_k(graph, k)
    n = graph.n
    if not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
        raise InputError(f"epsilon must lie in (0, 1), got {epsilon!r}")
    if not isinstance(ell, (int, float)) or not ell > 0:
        raise InputError(f"ell must be > 0, got {ell!r}")
    if k == 0 or n < 2:
        return np.arange(min(k, n), dtype=np.int32)
    if rule not in ("imm", "opim-c"):
        raise InputError(f"rule must be 'imm' or 'opim-c', got {rule!r}")
    sampler = rr_sampler(graph, model=model, p=p, weights=weights)
    root = root_key(rng)
    if rule == "opim-c":
        return _opim_c(sampler, root, n, k, epsilon, n ** -float(ell), max_sets)
    ell = ell * (1 + math.log(2) / math.log(n))
    log_binom = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    eps_p = math.sqrt(2) * epsilon
    lam_p = (2 + 2 * eps_p / 3) * (log_binom + ell * math.log(n) + math.log(max(math.log2(n), 1.0))) * n / eps_p**2
    alpha = math.sqrt(ell * math.log(n) + math.log(2))
    beta = math.sqrt((1 - 1 / math.e) * (log_binom + ell * math.log(n) + math.log(2)))
    lam_star = 2 * n * ((1 - 1 / math.e) * alpha + beta) ** 2 / epsilon**2
    lower = 1.0
    store = _RRStore()
    for i in range(1, max(int(math.ceil(math.log2(n))), 2)):
        x = n / 2**i
        theta_i = min(int(math.ceil(lam_p / x)), max_sets)
        if theta_i > store.count:  # extend the sets of earlier rounds (set i is the same whenever drawn)
            store.extend(*sampler.sets(root, store.count, theta_i - store.count))
        _, share = _cover(*store.csr(), n, k)
        if n * share >= (1 + eps_p) * x:
            lower = n * share / (1 + eps_p)
            break
    used = store.count
    del store
    theta = int(math.ceil(lam_star / lower))
    if theta > max_sets:
        warnings.warn(f"IMM wants {theta} RR sets; capped at max_sets={max_sets}", stacklevel=2)
        theta = max_sets
    return _cover(*sampler.sets(root, used, theta), n, k)[0]


def _optimum_bound(indptr: np.ndarray, nodes: np.ndarray, n: int, k: int, seeds: np.ndarray) -> float:
    """An upper bound on the best coverage of k nodes: by submodularity, for any prefix S_i of the greedy
    seeds, the coverage of S_i plus the k largest marginal coverages given S_i (Tang et al. 2018; the
    prefixes 0, 1, 2, 4, ..., k: the smallest bound of all prefixes, as SUBSIM takes, at a few passes)."""
    set_of = np.repeat(np.arange(indptr.size - 1, dtype=np.int32 if indptr.size < 2**31 else np.int64), np.diff(indptr))
    best = math.inf
    for i in sorted({0, k} | {2**j for j in range(max(k, 1).bit_length()) if 2**j < k}):
        is_seed = np.zeros(n, np.bool_)
        is_seed[seeds[:i]] = True
        hit = np.zeros(indptr.size - 1, np.bool_)
        hit[set_of[is_seed[nodes]]] = True
        gains = np.bincount(nodes[~hit[set_of]], minlength=n)
        best = min(best, int(hit.sum()) + int(np.partition(gains, n - k)[n - k:].sum()))
    return float(best)


def _opim_c(sampler: Any, root: int, n: int, k: int, epsilon: float, delta: float, max_sets: int) -> np.ndarray:
    """OPIM-C (Tang et al. 2018, Algorithm 2): see :func:`imm`. R1 holds sets 0, 1, ...; R2 sets from
    2**40 on (independent of R1, and the same whatever the round)."""
    e1 = 1 - 1 / math.e
    log_binom = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    log6 = math.log(6 / delta)
    theta_max = 2 * n * (e1 * math.sqrt(log6) + math.sqrt(e1 * (log_binom + log6))) ** 2 / (epsilon**2 * k)
    theta = max(1, int(math.ceil(theta_max * epsilon**2 * k / n)))
    i_max = max(1, int(math.ceil(math.log2(theta_max / theta))))
    a2 = math.log(3 * i_max / delta)
    a1 = a2 + log_binom
    r1, r2 = _RRStore(), _RRStore()
    for i in range(1, i_max + 1):
        if theta > max_sets:
            warnings.warn(f"OPIM-C wants {theta} RR sets per collection; capped at max_sets={max_sets}", stacklevel=3)
            theta = max_sets
        r1.extend(*sampler.sets(root, r1.count, theta - r1.count))
        r2.extend(*sampler.sets(root, 2**40 + r2.count, theta - r2.count))
        seeds, share = _cover(*r1.csr(), n, k)
        upper = min(share * theta / e1, _optimum_bound(*r1.csr(), n, k, seeds))  # the optimum's coverage in R1, at most
        sigma_u = (math.sqrt(upper + a1 / 2) + math.sqrt(a1 / 2)) ** 2 * n / theta
        cov2 = K.coverage(*r2.csr(), seeds, n)
        sigma_l = ((math.sqrt(cov2 + 2 * a2 / 9) - math.sqrt(a2 / 2)) ** 2 - a2 / 18) * n / theta
        if sigma_l >= (e1 - epsilon) * sigma_u or i == i_max or theta == max_sets:
            return seeds
        theta *= 2
    return seeds


def celf(graph: Graph, k: int, *, model: str = "ic", method: str = "mc", runs: int = 1000, samples: int = 200_000,
         p: Any = None, weights: Any = None, rng: RNGLike = None) -> np.ndarray:
    """Greedy seed selection with lazy evaluations, CELF (Leskovec et al. 2007; Kempe et al. 2003).

    ``method="mc"`` estimates spread by ``runs`` Monte Carlo runs that share their random numbers (the
    same replicates for every candidate set). Under IC each run is a fixed live-edge graph, so the
    estimate is submodular and the lazy greedy picks exactly what plain greedy picks; under LT fixed
    thresholds are not submodular per run, so lazy and plain greedy may differ (use ``method="ris"``). ``method="ris"`` maximises coverage of ``samples`` RR sets.
    Ties go to the lowest node id. Returns node ids in the order chosen.
    """
    k = _check_k(graph, k)
    if model not in ("ic", "lt"):
        raise InputError(f"celf supports models 'ic' and 'lt', got {model!r}")
    if method == "ris":
        sampler = rr_sampler(graph, model=model, p=p, weights=weights)
        return _cover(*sampler.sets(root_key(rng), 0, int(samples)), graph.n, k)[0]
    root = as_seed_sequence(rng)
    if method != "mc":
        raise InputError(f"method must be 'mc' or 'ris', got {method!r}")
    params = {"p": p if p is not None else graph.prob} if model == "ic" else {"weights": weights}

    def spread(seeds: list[int]) -> float:
        if not seeds:
            return 0.0
        return simulate(graph, seeds, model=model, runs=runs, rng=root, **params).mean_size

    chosen: list[int] = []
    current = 0.0
    heap = [(-spread([v]), v, 0) for v in range(graph.n)]
    heapq.heapify(heap)
    while len(chosen) < k and heap:
        neg, v, stamp = heapq.heappop(heap)
        if stamp == len(chosen):
            chosen.append(v)
            current += -neg
            continue
        gain = spread(chosen + [v]) - current
        heapq.heappush(heap, (-gain, v, len(chosen)))
    return np.array(chosen, dtype=np.int32)


def budgeted_greedy(graph: Graph, budget: float, *, costs: np.ndarray, model: str = "ic", samples: int = 200_000,
                    p: Any = None, weights: Any = None, rng: RNGLike = None) -> np.ndarray:
    """Budgeted influence maximization on RR sets: the better of the coverage greedy and the
    coverage-per-cost greedy, each hiring only nodes that still fit (the cost-effective lazy forward
    rule of Leskovec et al. 2007). Spend never exceeds ``budget``; nodes with infinite cost are skipped.
    """
    if not isinstance(budget, (int, float)) or not budget >= 0:
        raise InputError(f"budget must be a number >= 0, got {budget!r}")
    costs = np.asarray(costs, dtype=np.float64)
    if costs.shape != (graph.n,) or not np.all(costs >= 0):  # NaN fails too
        raise InputError(f"costs must be one non-negative number per node ({graph.n})")
    sets = rr_sampler(graph, model=model, p=p, weights=weights).sets(root_key(rng), 0, int(samples))
    best, best_share = np.zeros(0, np.int32), -1.0
    for by_ratio in (False, True):
        chosen, share = _cover(*sets, graph.n, 0, costs, float(budget), by_ratio)
        if share > best_share:
            best, best_share = chosen, share
    return best


STRATEGIES: dict[str, Callable[..., np.ndarray]] = {
    "random": random,
    "top_degree": top_degree,
    "follower_band": follower_band,
    "pagerank": pagerank,
    "k_core": k_core,
    "one_per_community": one_per_community,
    "degree_discount": degree_discount,
    "imm": imm,
    "celf": celf,
}
