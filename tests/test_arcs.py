"""Per-arc values and the user's own edges (issue #17, item 7).

Graphs store arcs sorted by source, then target (``graph.arcs()``); every per-arc array the package
accepts is in that order. ``Graph.from_edges(prob=...)`` aligns its values with the edges as given, and
``Graph.arc_values(src, dst, values)`` maps values given per edge onto the arc order. These tests check
both against a dict keyed by ``(src, dst)``, and that misaligned arrays are caught where they can be.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from virality import Graph, InputError, estimate_spread, simulate
from virality.models import lt_weights


def shuffled_simple_edges(seed: int, n: int = 40, m: int = 150):
    """A simple directed graph's edges (no repeats, no loops) in random order, with a value per edge."""
    rng = np.random.default_rng(seed)
    keys = rng.choice(n * n, size=3 * m, replace=False)
    src, dst = keys // n, keys % n
    keep = src != dst
    src, dst = src[keep][:m], dst[keep][:m]
    assert np.any(np.diff(src) < 0), "want edges out of arc order"
    return src, dst, rng.random(src.size)


def by_pair(src, dst, values):
    return {(int(u), int(v)): float(x) for u, v, x in zip(src, dst, values)}


# ------------------------------------------------------------------ from_edges(prob=...)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_from_edges_prob_follows_each_edge(seed):
    src, dst, p = shuffled_simple_edges(seed)
    want = by_pair(src, dst, p)
    g = Graph.from_edges(src, dst, n=40, prob=p)
    a_src, a_dst = g.arcs()
    assert np.all(np.diff(a_src) >= 0)  # arc order is by source, not the order given
    # a graph holds per-arc probabilities as float32
    assert np.float32([want[u, v] for u, v in zip(a_src.tolist(), a_dst.tolist())]).tolist() == g.prob.tolist()
    assert not np.array_equal(g.prob, p)  # so an array in the user's order is not in arc order


def test_from_edges_prob_undirected_and_parallel_copies_in_order_given():
    # undirected: both arcs get the edge's value
    g = Graph.from_edges([2, 0, 1], [1, 2, 0], prob=[0.3, 0.1, 0.2], undirected=True)
    got = {(u, v): x for u, v, x in zip(*(a.tolist() for a in g.arcs()), g.prob.tolist())}
    want = {(2, 1): 0.3, (1, 2): 0.3, (0, 2): 0.1, (2, 0): 0.1, (1, 0): 0.2, (0, 1): 0.2}
    assert got == {k: float(np.float32(x)) for k, x in want.items()}
    # parallel copies keep the order the edges were given (a stable sort)
    g = Graph.from_edges([1, 0, 1, 1], [0, 1, 0, 0], prob=[0.7, 0.5, 0.1, 0.4])
    assert list(zip(*(a.tolist() for a in g.arcs()))) == [(0, 1), (1, 0), (1, 0), (1, 0)]
    assert g.prob.tolist() == np.float32([0.5, 0.7, 0.1, 0.4]).tolist()


# ------------------------------------------------------------------ arc_values
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_arc_values_round_trip_on_shuffled_edges(seed):
    src, dst, x = shuffled_simple_edges(seed)
    want = by_pair(src, dst, x)
    g = Graph.from_edges(src, dst, n=40)  # no prob: values come later
    rng = np.random.default_rng(seed + 10)
    perm = rng.permutation(src.size)  # any order of the triples will do
    out = g.arc_values(src[perm], dst[perm], x[perm])
    assert out.dtype == np.float64 and out.shape == (g.m,)
    a_src, a_dst = g.arcs()
    assert [want[u, v] for u, v in zip(a_src.tolist(), a_dst.tolist())] == out.tolist()
    assert np.array_equal(g.with_prob(out).prob, Graph.from_edges(src, dst, n=40, prob=x).prob)


def test_arc_values_undirected_one_value_per_edge_or_one_per_direction():
    g = Graph.from_edges([0, 1, 2], [1, 2, 3], undirected=True)
    out = g.arc_values([2, 0, 1], [3, 1, 2], [0.3, 0.1, 0.2], undirected=True)
    got = {(u, v): x for u, v, x in zip(*(a.tolist() for a in g.arcs()), out.tolist())}
    assert got == {(0, 1): 0.1, (1, 0): 0.1, (1, 2): 0.2, (2, 1): 0.2, (2, 3): 0.3, (3, 2): 0.3}
    # a direction given explicitly keeps its own value; the other edges still serve both directions
    out = g.arc_values([2, 0, 1, 3], [3, 1, 2, 2], [0.3, 0.1, 0.2, 0.9], undirected=True)
    got = {(u, v): x for u, v, x in zip(*(a.tolist() for a in g.arcs()), out.tolist())}
    assert got[2, 3] == 0.3 and got[3, 2] == 0.9 and got[1, 0] == 0.1
    # without undirected=True the reverse arcs have no value: named, with the hint
    with pytest.raises(InputError, match=r"arc \(1, 0\) of the graph has no value.*undirected=True"):
        g.arc_values([0, 1, 2], [1, 2, 3], [0.1, 0.2, 0.3])
    # undirected=True on arcs whose reverse is missing
    d = Graph.from_edges([0, 1], [1, 2])
    with pytest.raises(InputError, match=r"no arc \(1, 0\) reversing \(0, 1\) \(entry 0\)"):
        d.arc_values([0, 1], [1, 2], [0.1, 0.2], undirected=True)


@pytest.mark.parametrize("undirected", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_arc_values_parallel_copies_get_values_in_order_given(seed, undirected):
    # a multigraph (many repeated pairs, some both ways): arc_values on the edge list a graph was built
    # from reproduces from_edges(prob=...) exactly, copy by copy
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, 12, size=(20, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    e = pairs[rng.integers(0, len(pairs), size=60)]
    x = rng.random(60)
    g = Graph.from_edges(e[:, 0], e[:, 1], n=12, prob=x, undirected=undirected)
    assert np.unique(g.arcs()[0].astype(np.int64) * 12 + g.arcs()[1]).size < g.m, "want parallel arcs"
    assert np.array_equal(g.arc_values(e[:, 0], e[:, 1], x, undirected=undirected).astype(np.float32), g.prob)
    # the copies of one pair take that pair's values in the order given, whatever comes between
    perm = rng.permutation(60)
    out = g.arc_values(e[perm, 0], e[perm, 1], x[perm], undirected=undirected)
    given = defaultdict(list)
    for u, v, val in zip(e[perm, 0].tolist(), e[perm, 1].tolist(), x[perm].tolist()):
        given[u, v].append(val)
    if undirected:
        # u -> v holds the values given as u, v, then those given as v, u (as from_edges stores them);
        # a pair given one way only serves both directions
        expect = {(u, v): given.get((u, v), []) + given.get((v, u), [])
                  for u, v in set(given) | {(v, u) for u, v in given}}
    else:
        expect = dict(given)
    got = defaultdict(list)
    for u, v, val in zip(*(a.tolist() for a in g.arcs()), out.tolist()):
        got[u, v].append(val)
    assert dict(got) == expect


def test_arc_values_unknown_pair_is_named():
    g = Graph.from_edges([0, 1, 2], [1, 2, 0])
    with pytest.raises(InputError, match=r"p: \(1, 0\) \(entry 2\) is not an arc of the graph"):
        g.arc_values([0, 1, 1], [1, 2, 0], [0.1, 0.2, 0.3], name="p")
    with pytest.raises(InputError, match=r"\(0, 7\) \(entry 0\) is not an arc"):  # a node out of range
        g.arc_values([0], [7], [0.1])
    with pytest.raises(InputError, match=r"values: \(0, 1\) \(entry 0\) is not an arc"):
        Graph.from_edges([], [], n=3).arc_values([0], [1], [0.5])


def test_arc_values_missing_extra_and_default():
    g = Graph.from_edges([0, 0, 1, 2], [1, 1, 2, 0])  # two parallel arcs 0 -> 1
    with pytest.raises(InputError, match=r"arc \(2, 0\) of the graph has no value"):
        g.arc_values([0, 0, 1], [1, 1, 2], [0.1, 0.2, 0.3])
    assert g.arc_values([0, 0, 1], [1, 1, 2], [0.1, 0.2, 0.3], default=0.0).tolist() == [0.1, 0.2, 0.3, 0.0]
    with pytest.raises(InputError, match=r"the graph has 2 arcs \(0, 1\) but 1 value was given for \(0, 1\)"):
        g.arc_values([0, 1, 2], [1, 2, 0], [0.1, 0.3, 0.4])
    with pytest.raises(InputError, match=r"the graph has 1 arc \(1, 2\) but 2 values were given"):
        g.arc_values([0, 0, 1, 1, 2], [1, 1, 2, 2, 0], [0.1, 0.2, 0.3, 0.3, 0.4])
    with pytest.raises(InputError, match=r"one length"):
        g.arc_values([0, 0], [1, 1], [0.1])
    assert Graph.from_edges([], [], n=2).arc_values([], [], []).shape == (0,)


# ------------------------------------------------------------------ misaligned arrays are caught where they can be
# edges as a user might list them, with LT weights that are valid for these edges (in-sums 0.8, 0.8, 0.2)
LT_EDGES = [(3, 0, 0.8), (3, 1, 0.8), (0, 2, 0.1), (1, 2, 0.1)]


def test_lt_weights_in_edge_order_are_rejected_naming_the_node():
    src, dst, w = (np.array(c) for c in zip(*LT_EDGES))
    g = Graph.from_edges(src, dst)
    # arc order is (0, 2), (1, 2), (3, 0), (3, 1): the user-order weights put 0.8 + 0.8 into node 2
    assert list(zip(*(a.tolist() for a in g.arcs()))) == [(0, 2), (1, 2), (3, 0), (3, 1)]
    msg = r"LT weights into node 2 sum to 1\.6; in-weights must sum to at most 1.*graph\.arcs\(\) order.*arc_values"
    with pytest.raises(InputError, match=msg):
        simulate(g, [3], model="lt", weights=w, runs=2, rng=1)
    with pytest.raises(InputError, match=msg):
        estimate_spread(g, [3], model="lt", weights=w, samples=100, rng=1)
    with pytest.raises(InputError, match=msg):
        lt_weights(g, w)
    # mapped to arc order, the same weights are accepted and land on their arcs
    aligned = g.arc_values(src, dst, w)
    assert lt_weights(g, aligned).tolist() == [0.1, 0.1, 0.8, 0.8]
    assert simulate(g, [3], model="lt", weights=aligned, runs=5, rng=1).final_sizes.min() >= 1
    # labelled graphs also name the label; several bad nodes are counted
    lab = Graph.from_edges(src, dst, labels=np.array(["a", "b", "c", "d"]))
    with pytest.raises(InputError, match=r"into node 2 \(label 'c'\) sum to 1\.6"):
        lt_weights(lab, w)
    g2 = Graph.from_edges([0, 1, 0, 1], [2, 2, 3, 3])
    with pytest.raises(InputError, match=r"into node 2 sum to 1\.3; in-weights must sum to at most 1 \(1 other node too\)"):
        lt_weights(g2, [0.7, 0.7, 0.6, 0.6])


def test_wrong_length_per_arc_arrays_point_to_arc_order():
    g = Graph.from_edges([0, 1, 1], [1, 2, 0])
    hint = r"have length 3 \(one entry per arc\), got shape \(2,\); per-arc arrays follow graph\.arcs\(\) order"
    with pytest.raises(InputError, match=r"p must be a scalar or " + hint):
        simulate(g, [0], p=[0.1, 0.2])
    with pytest.raises(InputError, match=r"weights must be a scalar or " + hint):
        simulate(g, [0], model="lt", weights=[0.1, 0.2])
    with pytest.raises(InputError, match=r"beta must be a scalar or " + hint):
        simulate(g, [0], model="sir", beta=[0.1, 0.2], gamma=0.5)
    with pytest.raises(InputError, match=r"prob must be a scalar or " + hint):
        g.with_prob([0.1, 0.2])
    with pytest.raises(InputError, match=r"p must be a scalar or " + hint):
        estimate_spread(g, [0], p=[0.1, 0.2], samples=10)


def test_simulate_with_arc_values_reaches_the_right_nodes():
    # a deterministic cascade (p in {0, 1}) from edges listed out of arc order: the values mapped by
    # arc_values open exactly the chosen path; the same list read in arc order opens another
    src, dst = [2, 0, 1, 0], [3, 1, 2, 4]
    p_user = [1.0, 1.0, 0.0, 0.0]  # open 0 -> 1 and 2 -> 3; closed 1 -> 2 and 0 -> 4
    g = Graph.from_edges(src, dst)
    good = simulate(g, [0], p=g.arc_values(src, dst, p_user), runs=1, rng=1, record=True)
    assert np.flatnonzero(good.times[0] >= 0).tolist() == [0, 1]
    wrong = simulate(g, [0], p=p_user, runs=1, rng=1, record=True)  # arcs (0,1),(0,4),(1,2),(2,3)
    assert np.flatnonzero(wrong.times[0] >= 0).tolist() == [0, 1, 4]
    assert np.array_equal(Graph.from_edges(src, dst, prob=p_user).prob, g.arc_values(src, dst, p_user))


def test_docstrings_state_the_arc_order():
    from virality import models

    for doc in (simulate.__doc__, Graph.with_prob.__doc__, Graph.from_edges.__doc__, Graph.__doc__,
                models.__doc__, lt_weights.__doc__, estimate_spread.__doc__):
        assert ("arcs()" in doc or ":meth:`arcs`" in doc) and "arc_values" in doc, doc[:80]
    assert "one coin per arc" not in simulate.__doc__.split("Notes")[0]
    assert "skips" in simulate.__doc__ and "thinning" in simulate.__doc__
