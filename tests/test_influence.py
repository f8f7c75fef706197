"""Influence maximization: RIS estimates, IMM's guarantee, CELF = greedy, budgets."""

from __future__ import annotations

import itertools

import numba
import numpy as np
import pytest
import reference as ref

import virality as vr
from virality import Graph, InputError, _rr
from virality import strategies as S
from virality.models import estimate_spread, rr_sampler, rr_sets

# a 9-node directed graph with two hubs and a chain: small enough to enumerate 2^m live-edge graphs
SRC = [0, 0, 0, 1, 2, 3, 4, 4, 5, 6, 7, 8, 8]
DST = [1, 2, 3, 4, 4, 4, 5, 6, 7, 7, 8, 0, 6]
G = Graph.from_edges(SRC, DST)
P = np.array([0.6, 0.4, 0.5, 0.7, 0.3, 0.5, 0.8, 0.4, 0.6, 0.5, 0.7, 0.2, 0.3])


def exact(seeds, model="ic"):
    if model == "ic":
        return ref.exact_ic(G, list(seeds), P).sum()
    return ref.exact_lt(G, list(seeds), G.weighted_cascade() * 0.9).sum()


def test_ris_and_mc_estimates_match_exact_spread():
    for seeds in ([0], [4], [0, 8]):
        truth = exact(seeds)
        ris = estimate_spread(G, seeds, p=P, method="ris", samples=400_000, rng=1)
        mc = estimate_spread(G, seeds, p=P, method="mc", samples=200_000, rng=2)
        assert abs(ris.value - truth) < 4 * ris.stderr, (seeds, ris, truth)
        assert abs(mc.value - truth) < 4 * mc.stderr, (seeds, mc, truth)


def test_ris_for_linear_threshold_matches_exact_spread():
    w = G.weighted_cascade() * 0.9
    for seeds in ([0], [4, 8]):
        truth = exact(seeds, "lt")
        ris = estimate_spread(G, seeds, model="lt", weights=w, method="ris", samples=400_000, rng=3)
        assert abs(ris.value - truth) < 4 * ris.stderr


def test_imm_reaches_its_guarantee_against_brute_force_optimum():
    for k in (1, 2, 3):
        best = max(exact(c) for c in itertools.combinations(range(G.n), k))
        for rule in ("imm", "opim-c"):
            chosen = S.imm(G, k, epsilon=0.1, p=P, rng=5, rule=rule)
            assert len(set(chosen.tolist())) == k
            assert exact(chosen) >= (1 - 1 / np.e - 0.1) * best
            # in practice IMM finds the optimum on a graph this small
            assert exact(chosen) >= 0.99 * best


def test_celf_equals_plain_greedy_with_shared_randomness():
    g = vr.generators.erdos_renyi(150, mean_degree=4, directed=True, rng=3, prob=0.15)
    runs = 200

    def spread(seeds):
        return vr.simulate(g, seeds, runs=runs, rng=np.random.SeedSequence(99)).mean_size if seeds else 0.0

    greedy = []
    for _ in range(4):
        gains = [(spread(greedy + [v]), -v) for v in range(g.n) if v not in greedy]
        greedy.append(-max(gains)[1])
    from virality.rng import root_key

    assert root_key(np.random.SeedSequence(99)) == root_key(99)
    assert S.celf(g, 4, runs=runs, rng=99).tolist() == greedy


def test_celf_ris_equals_greedy_max_coverage_and_imm_close_to_it():
    g = vr.generators.barabasi_albert(3000, 2, rng=4)
    p = g.weighted_cascade()
    c = S.celf(g, 10, method="ris", samples=100_000, p=p, rng=6)
    i = S.imm(g, 10, epsilon=0.2, p=p, rng=7)
    sc = estimate_spread(g, c, p=p, samples=300_000, rng=8)
    si = estimate_spread(g, i, p=p, samples=300_000, rng=8)
    sd = estimate_spread(g, S.degree_discount(g, 10, p=0.01), p=p, samples=300_000, rng=8)
    assert si.value >= 0.97 * sc.value
    assert sc.value >= sd.value - 3 * sd.stderr  # greedy is at least as good as a heuristic


def test_rr_sets_are_deterministic_in_batches():
    g = vr.generators.barabasi_albert(2000, 3, rng=1, prob=0.1)
    a_ptr, a_nodes = rr_sets(g, 5000, rng=11)
    b_ptr, b_nodes = rr_sets(g, 2000, rng=11)
    c_ptr, c_nodes = rr_sets(g, 3000, rng=11, start=2000)
    assert np.array_equal(a_nodes, np.concatenate([b_nodes, c_nodes]))
    assert np.array_equal(a_ptr, np.concatenate([b_ptr, c_ptr[1:] + b_ptr[-1]]))
    # every set holds distinct nodes and starts at its root
    for s in range(0, 5000, 97):
        members = a_nodes[a_ptr[s]:a_ptr[s + 1]]
        assert len(set(members.tolist())) == members.size >= 1


def test_budgeted_greedy_never_exceeds_budget():
    g = vr.generators.barabasi_albert(1000, 3, rng=2, prob=0.05)
    rng = np.random.default_rng(3)
    for _ in range(10):
        costs = rng.uniform(0.5, 5.0, g.n)
        budget = float(rng.uniform(1, 40))
        chosen = S.budgeted_greedy(g, budget, costs=costs, samples=20_000, rng=4)
        assert costs[chosen].sum() <= budget + 1e-9
        assert len(set(chosen.tolist())) == chosen.size
    # a node that does not fit is never hired, even if it covers everything
    costs = np.ones(g.n)
    hub = int(np.argmax(g.out_degree))
    costs[hub] = 100.0
    assert hub not in S.budgeted_greedy(g, 10.0, costs=costs, samples=20_000, rng=4).tolist()


def test_influence_errors():
    with pytest.raises(InputError, match=r"epsilon must lie in \(0, 1\), got 1.5"):
        S.imm(G, 2, epsilon=1.5, p=P)
    with pytest.raises(InputError, match=r"method must be 'ris' or 'mc', got 'x'"):
        estimate_spread(G, [0], p=P, method="x")
    with pytest.raises(InputError, match=r"influence estimation supports models 'ic' and 'lt', got 'sir'"):
        estimate_spread(G, [0], model="sir")
    with pytest.raises(InputError, match=r"k must be an integer in \[0, 9\], got 10"):
        S.imm(G, 10, p=P)
    with pytest.raises(InputError, match=r"budget must be a number >= 0"):
        S.budgeted_greedy(G, -1.0, costs=np.ones(9), p=P)


def test_celf_rejects_models_without_a_spread_estimate():
    with pytest.raises(InputError, match=r"celf supports models 'ic' and 'lt', got 'sir'"):
        S.celf(G, 2, model="sir", p=P)


# ------------------------------------------------------------------------------------- the RR-set sampler
# a fan-in graph whose nodes 0, 1 and 4 have 3 or more in-arcs (the rows the sampler skips over), with
# 12 arcs: small enough to enumerate every live-edge graph
H = Graph.from_edges([1, 2, 3, 4, 5, 6, 7, 5, 8, 6, 7, 8], [0, 0, 0, 0, 1, 1, 1, 2, 2, 4, 4, 4])
# per-arc probabilities that vary within each row, all below THIN_BELOW: skips at the row's largest, thinned
P_THIN = np.array([0.05, 0.02, 0.035, 0.055, 0.04, 0.01, 0.05, 0.03, 0.045, 0.05, 0.025, 0.015])


def _spread_matches_exact(graph, p, seeds_list, samples=400_000, **kw):
    for seeds in seeds_list:
        truth = ref.exact_ic(graph, list(seeds), np.broadcast_to(graph.prob if p is None else p, graph.m)).sum()
        est = estimate_spread(graph, seeds, p=p, samples=samples, rng=21, **kw)
        assert abs(est.value - truth) < 4 * est.stderr, (seeds, est, truth)


def test_skipping_sampler_matches_exact_spread():
    assert _rr.SKIP_MIN_ARCS <= 4 and 0.15 < _rr.SKIP_BELOW and P_THIN.max() < _rr.THIN_BELOW  # the paths tested
    seeds = ([1], [5], [6, 7], [8], [2, 3])
    _spread_matches_exact(H, 0.15, seeds)  # one probability: geometric skips
    _spread_matches_exact(H, np.full(H.m, 0.15), seeds)  # the same as an array (constant rows)
    _spread_matches_exact(H, P_THIN * 3, seeds)  # rows that vary above THIN_BELOW: a coin per in-arc
    _spread_matches_exact(H.with_prob(P_THIN * 4), None, [[5], [6, 7]])  # the graph's own probabilities
    # thinning: tiny spreads, so compare the chance that a node reaches the root instead (spread - 1)
    for seeds in ([6], [5, 8]):
        truth = ref.exact_ic(H, seeds, P_THIN).sum() - len(seeds)
        est = estimate_spread(H, seeds, p=P_THIN, samples=2_000_000, rng=22)
        assert abs(est.value - len(seeds) - truth) < 4 * est.stderr and truth > 0.05


def test_lt_sampler_with_varying_in_weights_matches_exact_spread():
    r = np.arange(1.0, H.m + 1)
    w = 0.8 * r / np.bincount(H.indices, weights=r)[H.indices]  # in-weights vary and sum to 0.8
    for seeds in ([5], [6, 8], [1, 4]):
        truth = ref.exact_lt(H, seeds, w).sum()
        est = estimate_spread(H, seeds, model="lt", weights=w, samples=400_000, rng=23)
        assert abs(est.value - truth) < 4 * est.stderr, (seeds, est, truth)


def test_rr_sets_exact_at_p_one_and_p_zero():
    g = vr.generators.erdos_renyi(120, mean_degree=3, directed=True, rng=5)
    src, dst = g.arcs()
    for p in (0.0, np.zeros(g.m)):
        ptr, nodes = rr_sets(g, 500, p=p, rng=1)
        assert np.array_equal(ptr, np.arange(501))  # the root alone
    import networkx as nx

    G = nx.DiGraph(list(zip(src.tolist(), dst.tolist())))
    G.add_nodes_from(range(g.n))
    for p in (1.0, np.ones(g.m)):
        ptr, nodes = rr_sets(g, 300, p=p, rng=2)
        for s in range(300):
            members = nodes[ptr[s]:ptr[s + 1]]
            root = int(members[0])
            assert sorted(members.tolist()) == sorted(nx.ancestors(G, root) | {root})


def _per_arc_sizes(graph, p_arc, count, rng, lt=False):
    """RR-set sizes from a plain per-arc-coin reverse BFS (LT: a walk that scans the in-weights), the
    sampler the skipping one replaces."""
    t_indptr, t_src, t_arc = graph.transpose
    gen = np.random.default_rng(rng)
    sizes = np.empty(count, np.int64)
    for i in range(count):
        root = int(gen.integers(graph.n))
        seen, stack = {root}, [root]
        while stack:
            w = stack.pop()
            row = slice(t_indptr[w], t_indptr[w + 1])
            if lt:
                x, cum = gen.random(), np.cumsum(p_arc[t_arc[row]])
                j = int(np.searchsorted(cum, x, side="right"))
                live = t_src[row][j:j + 1] if j < cum.size else []
            else:
                live = t_src[row][gen.random(row.stop - row.start) < p_arc[t_arc[row]]]
            for u in live:
                if int(u) not in seen:
                    seen.add(int(u))
                    stack.append(int(u))
        sizes[i] = len(seen)
    return sizes


def _same_distribution(a, b):
    """Mean size and the shares of sizes 1, 2 and 3-5 agree within 4 standard errors."""
    def close(x, y):
        se = np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        return abs(x.mean() - y.mean()) <= 4 * se + 1e-12
    assert close(a.astype(float), b.astype(float)), (a.mean(), b.mean())
    for lo, hi in ((1, 1), (2, 2), (3, 5)):
        assert close(((a >= lo) & (a <= hi)).astype(float), ((b >= lo) & (b <= hi)).astype(float)), (lo, hi)


def test_rr_set_sizes_match_the_per_arc_sampler():
    g = vr.generators.erdos_renyi(300, mean_degree=25, directed=True, rng=8)
    varying = np.random.default_rng(4).uniform(0.0, 0.05, g.m)  # thinned rows
    lt_varying = 0.9 * varying / np.bincount(g.indices, weights=varying)[g.indices]  # in-weights sum to 0.9
    cases = [("ic", 0.025), ("ic", g.weighted_cascade() * 0.8), ("ic", varying), ("lt", lt_varying)]
    for model, p in cases:
        kw = {"p": p} if model == "ic" else {"weights": p}
        ptr, _ = rr_sets(g, 100_000, model=model, rng=9, **kw)
        p_arc = np.broadcast_to(p, g.m)
        _same_distribution(np.diff(ptr), _per_arc_sizes(g, p_arc, 3_000, 10, lt=model == "lt"))


def test_rr_sets_and_imm_identical_for_any_thread_count_and_pool_size():
    g = vr.generators.social_graph(3000, mean_degree=12, rng=3)
    old = numba.get_num_threads()
    outs = []
    try:
        for threads in (1, old):
            numba.set_num_threads(threads)
            outs.append([rr_sets(g, 20_000, p=0.05, rng=4), rr_sets(g, 5_000, p=g.weighted_cascade(), rng=4),
                         S.imm(g, 10, epsilon=0.3, p=0.05, rng=5), S.imm(g, 10, epsilon=0.3, p=0.05, rng=5, rule="opim-c")])
    finally:
        numba.set_num_threads(old)
    for a, b in zip(*outs):
        for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            assert np.array_equal(x, y)
    # a pool too small for the sets: the chunks that miss it are drawn again in place, same sets
    sampler = rr_sampler(g, p=g.weighted_cascade())
    small = _rr.rr_sets(*sampler.args, np.uint64(vr.rng.root_key(4)), 0, 5_000, 2, 0)
    assert np.array_equal(small[0], outs[0][1][0]) and np.array_equal(small[1], outs[0][1][1])


def test_opim_c_close_to_greedy_and_reproducible():
    g = vr.generators.social_graph(2000, mean_degree=15, rng=6)
    celf = S.celf(g, 10, method="ris", samples=100_000, p=0.03, rng=6)
    sc = estimate_spread(g, celf, p=0.03, samples=200_000, rng=8).value
    seeds = S.imm(g, 10, epsilon=0.1, p=0.03, rng=7, rule="opim-c")
    assert np.array_equal(seeds, S.imm(g, 10, epsilon=0.1, p=0.03, rng=7, rule="opim-c"))
    si = estimate_spread(g, seeds, p=0.03, samples=200_000, rng=8).value
    assert si >= (1 - 1 / np.e - 0.1) * sc and si >= 0.97 * sc, (si, sc)
    with pytest.raises(InputError, match=r"rule must be 'imm' or 'opim-c', got 'x'"):
        S.imm(G, 2, p=P, rule="x")
