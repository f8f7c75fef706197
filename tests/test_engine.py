"""The diffusion engine: exact values, analytic results, invariants, reference twins, reproducibility."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import reference as ref

import virality as vr
from virality import Graph, InputError, simulate
from virality.codes import EXTERNAL, SEED

# a small directed graph with a diamond, a chain and a back arc: 6 nodes, 8 arcs
TINY = Graph.from_edges([0, 0, 1, 2, 3, 3, 4, 5], [1, 2, 3, 3, 4, 5, 5, 1])
TINY_P = np.array([0.5, 0.3, 0.6, 0.8, 0.4, 0.2, 0.9, 0.7])
# a graph for the kernels' three ways of drawing a row: node 0 (3 arcs of varying p below 0.06) is
# skipped at its largest p and thinned, node 1 (3 arcs of one p below 0.2) is skipped, node 2 (p up
# to 0.5) and node 3 (2 arcs below 0.06, too short to skip) flip a coin per arc
SKIPPY = Graph.from_edges([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3], [1, 2, 3, 3, 4, 5, 4, 5, 6, 6, 0])
SKIPPY_P = np.array([0.05, 0.02, 0.04, 0.15, 0.15, 0.15, 0.5, 0.3, 0.1, 0.03, 0.02])


def random_graph(n, m, seed):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    return Graph.from_edges(src[keep], dst[keep], n=n)


# ------------------------------------------------------------------ exact values on tiny graphs
@pytest.mark.parametrize("graph,prob,seeds", [(TINY, TINY_P, [0]), (SKIPPY, SKIPPY_P, [0, 1])],
                         ids=["coin per arc", "skip, thin and coins"])
def test_ic_matches_live_edge_enumeration(graph, prob, seeds):
    exact = ref.exact_ic(graph, seeds, prob)
    runs = 200_000
    res = simulate(graph, seeds, p=prob, runs=runs, rng=11)
    # binomial standard error per node; 5 SE is a 1-in-a-million miss per node
    se = np.sqrt(np.clip(exact * (1 - exact), 0, None) / runs) + 1e-12
    assert np.all(np.abs(res.adoption_frequency - exact) <= 5 * se)
    assert abs(res.mean_size - exact.sum()) <= 5 * res.final_sizes.std() / math.sqrt(runs)


@pytest.mark.parametrize("graph,prob,seeds", [(TINY, TINY_P, [0]), (SKIPPY, SKIPPY_P, [0, 1])],
                         ids=["coin per arc", "skip, thin and coins"])
def test_float32_graph_probabilities_match_live_edge_enumeration(graph, prob, seeds):
    """A graph holds per-arc probabilities as float32: cascades on them still match the exact float64
    enumeration (rounding moves p by at most 6e-8 relative, far inside 5 SE), and equal cascades run with
    the same values given as float64."""
    g = graph.with_prob(prob)
    assert g.prob.dtype == np.float32 and np.abs(g.prob - prob).max() <= 6e-8 * prob.max()
    exact = ref.exact_ic(graph, seeds, prob)
    runs = 200_000
    res = simulate(g, seeds, runs=runs, rng=11)
    se = np.sqrt(np.clip(exact * (1 - exact), 0, None) / runs) + 1e-12
    assert np.all(np.abs(res.adoption_frequency - exact) <= 5 * se)
    same = simulate(graph, seeds, p=g.prob.astype(np.float64), runs=runs, rng=11)
    assert np.array_equal(res.final_sizes, same.final_sizes)


def test_ic_scalar_p_matches_enumeration():
    # p = 0.15: nodes 0-2 (3 arcs each) skip geometrically, node 3 (2 arcs) flips coins
    exact = ref.exact_ic(SKIPPY, [0, 2], np.full(SKIPPY.m, 0.15))
    runs = 200_000
    res = simulate(SKIPPY, [0, 2], p=0.15, runs=runs, rng=3)
    se = np.sqrt(np.clip(exact * (1 - exact), 0, None) / runs) + 1e-12
    assert np.all(np.abs(res.adoption_frequency - exact) <= 5 * se)


def test_lt_matches_live_edge_enumeration():
    w = TINY.weighted_cascade() * 0.9  # leave room for "no live in-arc" at every node
    exact = ref.exact_lt(TINY, [0], w)
    runs = 200_000
    res = simulate(TINY, [0], model="lt", weights=w, runs=runs, rng=5)
    se = np.sqrt(np.clip(exact * (1 - exact), 0, None) / runs) + 1e-12
    assert np.all(np.abs(res.adoption_frequency - exact) <= 5 * se)


def test_p_one_is_reachability_and_p_zero_is_seeds():
    g = random_graph(300, 600, 1)
    seeds = [0, 7]
    expect = ref.reachable(g.n, list(zip(*[a.tolist() for a in g.arcs()])), seeds)
    for p in (1.0, np.ones(g.m)):
        res = simulate(g, seeds, p=p, runs=3, rng=1, record=True)
        assert res.final_sizes.tolist() == [len(expect)] * 3
        assert set(np.flatnonzero(res.times[0] >= 0).tolist()) == expect
        # with p = 1 the adoption step is the BFS distance from the seeds
    for p in (0.0, np.zeros(g.m)):
        res = simulate(g, seeds, p=p, runs=3, rng=1)
        assert res.final_sizes.tolist() == [2, 2, 2]
        assert res.curve.tolist() == [2.0]


def test_p_one_steps_are_bfs_distances():
    import networkx as nx

    g = random_graph(200, 500, 2)
    dist = nx.single_source_shortest_path_length(g.to_networkx(), 0)
    res = simulate(g, [0], p=1.0, runs=1, rng=0, record=True)
    for v, d in dist.items():
        assert res.times[0, v] == d


def test_step_counts_of_long_runs_are_whole():
    # a path of 150 nodes, p = 0.99 per arc: some runs stop within the first 64 steps, most go on; the
    # step counts come from a narrow matrix plus a second, full-width pass over the long runs only
    n = 150
    g = Graph.from_edges(np.arange(n - 1), np.arange(1, n), prob=np.full(n - 1, 0.99))
    res = simulate(g, [0], runs=200, rng=3, record=True, max_steps=400)
    lengths = res.final_sizes
    assert (lengths <= 64).any() and (lengths > 65).any()
    assert res.step_counts.shape == (200, lengths.max())
    for r in range(200):
        expect = np.bincount(res.times[r][res.times[r] >= 0], minlength=res.step_counts.shape[1])
        assert np.array_equal(res.step_counts[r], expect)
    with pytest.warns(UserWarning, match="still spreading at max_steps=40"):
        short = simulate(g, [0], runs=200, rng=3, max_steps=40)  # stops inside the narrow matrix
    assert np.array_equal(short.step_counts, res.step_counts[:, :41])


@pytest.mark.parametrize(
    "model,params",
    [("ic", {"p": 0.97}), ("ic", {"p": "arcs"}), ("lt", {}), ("sir", {"beta": 0.9, "gamma": 0.5})],
)
def test_records_change_nothing_else(model, params):
    # without records the kernels keep no adoption times (byte flags only); on a ring most IC and SIR
    # runs outlast the narrow step matrix, so the full-width second pass is taken too
    g = vr.generators.watts_strogatz(400, 2, 0.0, rng=1)
    if params.get("p") == "arcs":
        params = {"p": np.random.default_rng(2).uniform(0.93, 0.99, g.m)}
    kw = dict(model=model, runs=40, rng=9, max_steps=600, **params)
    a = simulate(g, [0], record=True, **kw)
    b = simulate(g, [0], **kw)
    if model != "lt":
        assert a.step_counts.shape[1] > 65
    assert np.array_equal(a.final_sizes, b.final_sizes) and np.array_equal(a.step_counts, b.step_counts)
    assert np.array_equal(a.adoption_frequency, b.adoption_frequency)
    assert np.array_equal((a.times >= 0).sum(axis=1), a.final_sizes)


# ------------------------------------------------------------------ invariants of the records
@pytest.mark.parametrize(
    "model,params",
    [("ic", {"p": 0.3}), ("ic", {"p": "arcs"}), ("lt", {}), ("threshold", {"phi": 0.2}), ("sir", {"beta": 0.2, "gamma": 0.5})],
)
def test_parents_are_in_neighbours_and_steps_grow_along_trees(model, params):
    g = random_graph(400, 2400, 3)
    if params.get("p") == "arcs":
        params = {"p": np.random.default_rng(0).uniform(0, 0.5, g.m)}
    res = simulate(g, [0, 1, 2], model=model, runs=20, rng=9, record=True, **params)
    arcs = set(zip(*[a.tolist() for a in g.arcs()]))
    for r in range(res.runs):
        t, par = res.times[r], res.parents[r]
        adopted = np.flatnonzero(t >= 0)
        assert adopted.size == res.final_sizes[r]
        for v in adopted:
            if par[v] == SEED:
                assert t[v] == 0 and v in (0, 1, 2)
                continue
            u = par[v]
            assert (u, v) in arcs
            if model == "sir":
                assert t[v] > t[u]
            else:
                assert t[v] == t[u] + 1
        assert np.all(par[t < 0] == -1)


def test_external_field_parents_and_rate():
    g = random_graph(2000, 4000, 4)
    res = simulate(g, [], p=0.0, external=[0.0, 0.1, 0.1], runs=200, rng=1, record=True)
    # no seeds, no peers: each node adopts w.p. 1 - 0.9^2 by step 3, all through the external field
    assert np.all(res.parents[res.times >= 0] == EXTERNAL)
    assert set(np.unique(res.times[res.times >= 0]).tolist()) == {2, 3}
    share = res.mean_size / g.n
    assert abs(share - (1 - 0.9**2)) < 0.005  # SE ~ 0.0006


# ------------------------------------------------------------------ kernels equal their twins
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernels_equal_reference_twins(seed):
    g = random_graph(40, 160, seed)
    rng = np.random.default_rng(seed)
    prob = rng.uniform(0, 0.6, g.m)  # most rows above the skipping cuts: a coin per arc
    seeds = [0, 5]
    runs = 8
    root = vr.rng.root_key(seed)
    cases = [
        ("ic", dict(p=prob), lambda r: ref.ic(g, seeds, root, r, prob=prob)),
        ("ic", dict(p=0.3), lambda r: ref.ic(g, seeds, root, r, p=0.3)),
        ("ic", dict(p=0.3, external=[0.0, 0.05, 0.0, 0.1]), lambda r: ref.ic(g, seeds, root, r, p=0.3, ext=[0, 0, 0.05, 0, 0.1])),
        ("lt", dict(), lambda r: ref.threshold(g, seeds, root, r, weights=g.weighted_cascade())),
        ("threshold", dict(phi=0.25), lambda r: ref.threshold(
            g, seeds, root, r, weights=np.ones(g.m), thresholds=np.maximum(np.ceil(0.25 * g.in_degree - 1e-9), 1))),
        ("sir", dict(beta=prob, gamma=0.4), lambda r: ref.sir(g, seeds, root, r, beta=prob, gamma=0.4)),
        ("bass", dict(p=0.02, q=0.5), lambda r: ref.bass(g, seeds, root, r, p=0.02, q=0.5)),
    ]
    for model, params, twin in cases:
        res = simulate(g, seeds, model=model, runs=runs, rng=seed, record=True, **params)
        for r in range(runs):
            t, par = twin(r)
            assert res.times[r].tolist() == t, (model, params, r)
            assert res.parents[r].tolist() == par, (model, params, r)


@pytest.mark.parametrize("seed", [0, 1])
def test_skipping_kernels_equal_reference_twins(seed):
    # 40 arcs per node: rows of varying p below 0.06 are skipped and thinned, one p of 0.1 is skipped
    g = random_graph(60, 2400, seed)
    low = np.random.default_rng(seed).uniform(0, 0.058, g.m)
    assert np.all(g.skip_table(low)[0::2] != 0)  # every row skips
    seeds, runs, root = [0, 5], 12, vr.rng.root_key(seed)
    cases = [
        ("ic", dict(p=low), lambda r: ref.ic(g, seeds, root, r, prob=low)),
        ("ic", dict(p=0.1), lambda r: ref.ic(g, seeds, root, r, p=0.1)),
        ("sir", dict(beta=low, gamma=0.4), lambda r: ref.sir(g, seeds, root, r, beta=low, gamma=0.4)),
    ]
    for model, params, twin in cases:
        res = simulate(g, seeds, model=model, runs=runs, rng=seed, record=True, **params)
        assert res.final_sizes.sum() >= 3 * runs, (model, params)  # cascades happened
        for r in range(runs):
            t, par = twin(r)
            assert res.times[r].tolist() == t, (model, params, r)
            assert res.parents[r].tolist() == par, (model, params, r)


def test_graph_keeps_a_copy_of_its_probabilities():
    g = random_graph(50, 400, 1)
    p = np.full(g.m, 0.1)
    g2 = g.with_prob(p)
    before = simulate(g2, [0], runs=200, rng=1).final_sizes
    p[:] = 0.9  # the caller's array, not the graph's
    assert np.all(g2.prob == 0.1)
    assert np.array_equal(simulate(g2, [0], runs=200, rng=1).final_sizes, before)


def test_a_graph_without_arcs_keeps_its_seeds():
    g = Graph.from_edges([], [], n=5)
    for model, params in [("ic", {"p": np.zeros(0)}), ("ic", {"p": 0.5}), ("sir", {"beta": np.zeros(0), "gamma": 0.5})]:
        res = simulate(g, [0, 3], model=model, runs=3, rng=1, **params)
        assert res.final_sizes.tolist() == [2, 2, 2], model


@pytest.mark.parametrize("p", [0.05, 0.3, 0.6])
def test_scalar_p_and_an_array_of_it_draw_the_same_cascades(p):
    g = random_graph(2000, 12000, 3)
    a = simulate(g, [0, 1, 2], p=p, runs=30, rng=4, record=True)
    b = simulate(g, [0, 1, 2], p=np.full(g.m, p), runs=30, rng=4, record=True)
    assert np.array_equal(a.times, b.times) and np.array_equal(a.parents, b.parents)
    assert a.final_sizes.max() > 3  # cascades happened


def test_row_skip_table_marks_rows_to_skip():
    from virality._kernels import SKIP_BELOW, SKIP_MIN_ARCS, THIN_BELOW, row_skip_table

    assert (SKIP_BELOW, THIN_BELOW, SKIP_MIN_ARCS) == (ref.SKIP_BELOW, ref.THIN_BELOW, ref.SKIP_MIN_ARCS) == (0.2, 0.06, 3)
    table = row_skip_table(SKIPPY.indptr, SKIPPY_P).reshape(-1, 2)
    # node 0: skip at its largest p, and thin
    assert table[0].tolist() == [1 / math.log1p(-0.05), 2.0**31 / 0.05]
    # node 1: one p, the scale negated (no thinning)
    assert table[1].tolist() == [1 / math.log1p(-0.15), -(2.0**31) / 0.15]
    # node 2 (p up to 0.5) and node 3 (two arcs) flip a coin per arc: (0, 0); so do nodes without arcs
    assert table[2:].tolist() == [[0.0, 0.0]] * 5
    # varying p up to 0.1 (>= THIN_BELOW) flips coins; one p of 0.1 (< SKIP_BELOW) skips
    rows = np.array([0, 3, 6])
    assert row_skip_table(rows, np.array([0.1, 0.05, 0.1, 0.1, 0.1, 0.1]))[[0, 2]].tolist() == [0.0, 1 / math.log1p(-0.1)]
    # a row whose arcs all have p = 0 never fires
    zero = row_skip_table(np.array([0, 3]), np.zeros(3))
    assert zero[0] == -math.inf


def test_thinned_skipping_fires_each_arc_with_its_probability():
    """A star: node 0 with 2,000 followers, per-arc p in [0, 0.055) (one row, skipped at its largest p
    and thinned). Each follower adopts with exactly its arc's p: all within 5 binomial SE, and the
    mean size within 5 SE of 1 + sum(p)."""
    k, runs = 2000, 20_000
    p = np.random.default_rng(8).uniform(0, 0.055, k)
    g = Graph.from_edges(np.zeros(k, int), np.arange(1, k + 1))
    res = simulate(g, [0], p=p, runs=runs, rng=6)
    assert g.skip_table(p)[0] < 0  # the row is skipped
    se = np.sqrt(p * (1 - p) / runs) + 1e-12
    assert np.all(np.abs(res.adoption_frequency[1:] - p) <= 5 * se)
    assert abs(res.mean_size - 1 - p.sum()) <= 5 * np.sqrt((p * (1 - p)).sum() / runs)


@pytest.mark.parametrize("m,p_max", [(3000, 0.4), (20000, 0.055)], ids=["coin per arc", "skip and thin"])
def test_sir_with_full_recovery_is_independent_cascade(m, p_max):
    g = random_graph(500, m, 5)
    prob = np.random.default_rng(1).uniform(0, p_max, g.m)
    a = simulate(g, [0, 1], p=prob, runs=50, rng=2, record=True)
    b = simulate(g, [0, 1], model="sir", beta=prob, gamma=1.0, runs=50, rng=2, record=True)
    assert np.array_equal(a.times, b.times) and np.array_equal(a.parents, b.parents)


# ------------------------------------------------------------------ analytic results on large graphs
def test_ic_on_erdos_renyi_matches_bond_percolation():
    """Newman (2002): on G(n, c/n) with transmissibility T, a large outbreak happens with probability
    S and infects a share S, where S = 1 - exp(-c T S). n = 50,000, c = 4, T = 0.5: S = 0.7968.
    Tolerances: share within 0.01 (finite-size and sampling), outbreak probability within 4 SE."""
    n, c, T = 50_000, 4.0, 0.5
    g = vr.generators.erdos_renyi(n, mean_degree=c, rng=42)
    S = 0.5
    for _ in range(200):
        S = 1 - math.exp(-c * T * S)
    runs = 250
    seeds = np.random.default_rng(0).integers(0, n, runs)
    sizes = np.array([simulate(g, [int(s)], p=T, runs=1, rng=int(s)).final_sizes[0] for s in seeds[:runs]])
    large = sizes > 0.05 * n
    assert abs(large.mean() - S) < 4 * math.sqrt(S * (1 - S) / runs)
    assert abs(sizes[large].mean() / n - S) < 0.01


def test_bass_on_complete_graph_follows_discrete_recursion():
    """Discrete Bass on the complete graph of N nodes: F_t = F + (p + q F N/(N-1)) (1 - F), for the
    expected share; the Monte Carlo mean of 200 runs at N = 1000 stays within 0.01 of it."""
    N, p, q = 1000, 0.01, 0.4
    idx = np.arange(N)
    src, dst = np.meshgrid(idx, idx)
    keep = src != dst
    g = Graph.from_edges(src[keep], dst[keep], n=N)
    res = simulate(g, [], model="bass", p=p, q=q, runs=200, rng=7, max_steps=40)
    F = [0.0]
    for _ in range(40):
        f = F[-1]
        F.append(f + min(1.0, p + q * f * N / (N - 1)) * (1 - f))
    curve = res.curve / N
    k = min(curve.size, 41)
    assert np.max(np.abs(curve[:k] - np.array(F[:k]))) < 0.01


# ------------------------------------------------------------------ reproducibility
def test_same_rng_same_results_and_batches_compose():
    g = random_graph(1000, 5000, 6)
    a = simulate(g, [0, 1, 2], p=0.2, runs=100, rng=123, record=True)
    b = simulate(g, [0, 1, 2], p=0.2, runs=100, rng=np.random.SeedSequence(123), record=True)
    assert np.array_equal(a.times, b.times) and np.array_equal(a.parents, b.parents)
    c1 = simulate(g, [0, 1, 2], p=0.2, runs=60, rng=123, record=True)
    c2 = simulate(g, [0, 1, 2], p=0.2, runs=40, rng=123, record=True, run_offset=60)
    assert np.array_equal(np.vstack([c1.times, c2.times]), a.times)
    d = simulate(g, [0, 1, 2], p=0.2, runs=100, rng=124)
    assert not np.array_equal(d.final_sizes, a.final_sizes)


_THREAD_SCRIPT = """
import hashlib, json, numpy as np, numba, virality as vr
g = vr.generators.barabasi_albert(5000, 3, rng=1)
out = {}
for model, kw in [("ic", {"p": 0.1}), ("lt", {}), ("sir", {"beta": 0.05, "gamma": 0.3}), ("bass", {"p": 0.01, "q": 0.3})]:
    r = vr.simulate(g, [0, 1, 2], model=model, runs=64, rng=5, record=True, max_steps=60, **kw)
    h = hashlib.sha256()
    for a in (r.final_sizes, r.step_counts, r.adoption_frequency, r.times, r.parents):
        h.update(np.ascontiguousarray(a).tobytes())
    out[model] = h.hexdigest()
ring = vr.generators.watts_strogatz(2000, 2, 0.01, rng=2)  # long runs: the narrow-then-wide step matrix
r = vr.simulate(ring, [0], p=0.8, runs=64, rng=6, max_steps=500)
out["ic-long"] = hashlib.sha256(r.step_counts.tobytes() + r.adoption_frequency.tobytes()).hexdigest()
from virality.campaign import Broadcast, Influencers, Plan, run_campaign
sg = vr.generators.social_graph(3000, communities=4, rng=3)
plan = Plan(seeds=(1, 2), broadcast=Broadcast(reach=0.3, trust=0.2), influencers=Influencers(nodes=(5, 9), trust=0.5))
c = run_campaign(sg, plan, p=0.1, runs=64, rng=8)
out["campaign"] = hashlib.sha256(c.raw.tobytes() + c.node_stats.tobytes() + c.step_counts.tobytes()
                                 + c.community_steps.tobytes() + c.community_flows.tobytes()).hexdigest()
ptr, nodes = vr.rr_sets(g.with_prob(0.1), 5000, rng=3)
out["rr"] = hashlib.sha256(ptr.tobytes() + nodes.tobytes()).hexdigest()
out["imm"] = vr.strategies.imm(g.with_prob(0.05), 5, epsilon=0.3, rng=4).tolist()
print(json.dumps({"threads": numba.get_num_threads(), "hashes": out}))
"""


def test_bit_identical_with_one_or_two_threads():
    outs = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        proc = subprocess.run([sys.executable, "-c", _THREAD_SCRIPT], env=env, capture_output=True, text=True, check=True)
        outs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert [o["threads"] for o in outs] == [1, 2]
    assert outs[0]["hashes"] == outs[1]["hashes"]


def test_import_sets_passive_openmp_wait_unless_set():
    code = "import os, virality; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "PASSIVE"
    env["OMP_WAIT_POLICY"] = "active"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "active"


# ------------------------------------------------------------------ errors on bad input
def test_errors_name_the_problem():
    with pytest.raises(InputError, match=r"p must lie in \[0, 1\], got 1.5"):
        simulate(TINY, [0], p=1.5)
    with pytest.raises(InputError, match=r"p must lie in \[0, 1\]; entry 2 is -0.1"):
        simulate(TINY, [0], p=[0.1, 0.1, -0.1, 0, 0, 0, 0, 0])
    with pytest.raises(InputError, match=r"p must be a scalar or have length 8"):
        simulate(TINY, [0], p=[0.1, 0.2])
    with pytest.raises(InputError, match=r"seeds: node 6 is out of range for a graph of 6 nodes"):
        simulate(TINY, [6], p=0.1)
    with pytest.raises(InputError, match=r"seeds must be integer node ids, got 'a'"):
        simulate(TINY, ["a"], p=0.1)
    with pytest.raises(InputError, match=r"LT weights into node 1 sum to 1.4; in-weights must sum to at most 1"):
        simulate(TINY, [0], model="lt", weights=np.full(8, 0.7))
    with pytest.raises(InputError, match=r"unknown model 'foo'; valid models: ic, lt, threshold, sir, bass"):
        simulate(TINY, [0], model="foo")
    with pytest.raises(InputError, match=r"model 'ic' has no parameter 'q'; valid: p"):
        simulate(TINY, [0], p=0.1, q=0.2)
    with pytest.raises(InputError, match=r"the graph has no arc probabilities"):
        simulate(TINY, [0])
    with pytest.raises(InputError, match=r"runs must be a positive integer, got 0"):
        simulate(TINY, [0], p=0.1, runs=0)
    with pytest.raises(InputError, match=r"gamma must lie in \(0, 1\], got 0"):
        simulate(TINY, [0], model="sir", beta=0.1, gamma=0)


def test_lt_zero_weight_arcs_are_inert():
    # many zero-weight arcs into the same nodes once corrupted the touched list
    src = np.repeat(np.arange(200), 10)
    dst = 200 + np.tile(np.arange(10), 200)
    g = Graph.from_edges(src, dst, n=210)
    res = simulate(g, np.arange(200), model="lt", weights=np.zeros(g.m), runs=3, rng=1)
    assert res.final_sizes.tolist() == [200, 200, 200]


def test_non_numeric_parameters_are_input_errors():
    with pytest.raises(InputError, match=r"phi must be a number in \[0, 1\] or an array of them, got 'x'"):
        simulate(TINY, [0], model="threshold", phi="x")
    with pytest.raises(InputError, match=r"runs must be a positive integer, got 'abc'"):
        simulate(TINY, [0], p=0.1, runs="abc")
    with pytest.raises(InputError, match=r"max_steps must be a positive integer, got None"):
        simulate(TINY, [0], p=0.1, max_steps=None)


# ------------------------------------------------------------------ per-run state: a run's cost follows its cascade
def _one_at_a_time(g, seeds, runs, **kw):
    """The runs of one call simulated one per call (fresh work arrays each): final sizes, step counts
    padded to a common width, summed adoptions."""
    alone = [simulate(g, seeds, runs=1, run_offset=r, **kw) for r in range(runs)]
    width = max(a.step_counts.shape[1] for a in alone)
    steps = np.zeros((runs, width), np.int64)
    for r, a in enumerate(alone):
        steps[r, : a.step_counts.shape[1]] = a.step_counts[0]
    return (np.concatenate([a.final_sizes for a in alone]), steps,
            np.sum([a.adoption_frequency for a in alone], axis=0))


@pytest.mark.parametrize("model,params", [
    ("ic", "wc"), ("ic", dict(p=0.12)), ("lt", {}), ("sir", dict(gamma=0.5)), ("threshold", dict(phi=0.2)),
], ids=["ic per-arc", "ic scalar", "lt", "sir", "threshold"])
def test_runs_in_one_call_equal_runs_one_at_a_time(model, params):
    # one call reuses its work arrays from run to run, resetting only what a run touched: any state
    # left over would make a later run differ from the same run simulated alone
    import numba

    g = vr.load_dataset("nethept")  # short weighted-cascade cascades, parallel arcs, all three row kinds
    seeds = np.argsort(-g.out_degree, kind="stable")[:5]
    if params == "wc" or model == "sir":
        params = {**(params if isinstance(params, dict) else {}),
                  ("beta" if model == "sir" else "p"): g.prob}
    runs = 24
    old = numba.get_num_threads()
    numba.set_num_threads(1)  # one block: every run after the first starts from reset arrays
    try:
        batch = simulate(g, seeds, model=model, runs=runs, rng=21, **params)
        final, steps, adopted = _one_at_a_time(g, seeds, runs, model=model, rng=21, **params)
    finally:
        numba.set_num_threads(old)
    assert batch.final_sizes.sum() > 2 * 5 * runs  # cascades happened
    assert np.array_equal(batch.final_sizes, final)
    assert np.array_equal(batch.step_counts, steps[:, : batch.step_counts.shape[1]])
    assert not steps[:, batch.step_counts.shape[1]:].any()
    assert np.array_equal(np.round(batch.adoption_frequency * runs), adopted)


def test_a_row_longer_than_the_graph_fires_every_parallel_arc_once():
    # 40 parallel arcs 0 -> 1 and one 1 -> 2: the buffer of fired arcs holds the longest row, not n
    g = Graph.from_edges([0] * 40 + [1], [1] * 40 + [2])
    for p in (1.0, np.ones(g.m), np.r_[np.full(40, 0.5), 1.0]):
        res = simulate(g, [0], p=p, runs=50, rng=2, record=True)
        assert np.all(res.final_sizes == 3)  # 1 - 0.5**40: node 1 adopts in every run
        assert np.all(res.parents[:, 1] == 0) and np.all(res.times[:, 2] == 2)


def test_thread_count_changes_no_result_in_process():
    # per-arc IC on NetHEPT, records off (the path the subprocess test above does not take), 1 vs 2
    # threads: blocks take runs in whatever order the threads get to them
    import numba

    g = vr.load_dataset("nethept")
    seeds = np.argsort(-g.out_degree, kind="stable")[:5]
    old = numba.get_num_threads()
    out = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            out.append(simulate(g, seeds, runs=300, rng=8))
    finally:
        numba.set_num_threads(old)
    a, b = out
    assert np.array_equal(a.final_sizes, b.final_sizes)
    assert np.array_equal(a.step_counts, b.step_counts)
    assert np.array_equal(a.adoption_frequency, b.adoption_frequency)
