"""Seeding strategies, follower tiers, price lists and budgets: hand-computed answers on small graphs.

Conventions under test: an arc ``u -> v`` means v follows u, so followers = out-degree (unless the
graph is given ``followers=``); every ranking breaks ties by the lowest node id.
"""

from __future__ import annotations

from contextlib import nullcontext

import networkx as nx
import numpy as np
import pytest

from virality import Graph, InputError, estimate_spread
from virality import strategies as S
from virality.pricing import TIERS, PriceList, TierScheme, tiers
from virality.strategies import (
    STRATEGIES,
    budgeted,
    core_numbers,
    degree_discount,
    follower_band,
    k_core,
    one_per_community,
    pagerank,
    pagerank_scores,
    random,
    top_degree,
)


def isolated(followers, community=None):
    """A graph with no arcs whose follower counts are set directly."""
    n = len(followers)
    return Graph.from_edges([], [], n=n, followers=followers, community=community)


# ======================================================================= tiers
COUNT = TierScheme("count", (10, 100, 1_000, 10_000))

# node:      0  1   2   3    4    5      6      7        8       9
FOLLOW = [0, 9, 10, 99, 100, 999, 1_000, 9_999, 10_000, 50_000]
# bounds are inclusive lower bounds: 10 -> nano, 99 -> nano, 100 -> micro, ..., <10 -> regular (-1)
FOLLOW_TIER = [-1, -1, 0, 0, 1, 1, 2, 2, 3, 3]


def test_tiers_by_count_with_regular_users():
    g = isolated(FOLLOW)
    assert tiers(g, COUNT).tolist() == FOLLOW_TIER
    assert tiers(g, COUNT).dtype == np.int8


def test_tiers_by_count_from_out_degree():
    # 0 has 5 followers (1..5), 1 has 2 (2, 3), everyone else none -> with bounds (1, 2, 3, 5):
    # 0 is mega (5 >= 5), 1 is micro (2 <= 2 < 3), the rest have 0 < 1 followers: regular
    g = Graph.from_edges([0] * 5 + [1] * 2, [1, 2, 3, 4, 5, 2, 3])
    assert tiers(g, TierScheme("count", (1, 2, 3, 5))).tolist() == [3, 1, -1, -1, -1, -1]


def test_tiers_by_percentile_exact_shares():
    # 1000 nodes with follower counts 0..999 (shuffled so ids do not line up with counts).
    # Percentile p with method="higher" on 0..999 is the value at index ceil(p/100 * 999):
    #   80 -> ceil(799.2) = 800, 95 -> ceil(949.05) = 950, 99 -> ceil(989.01) = 990, 99.9 -> 999.
    # So nano = [800, 950): 150 nodes, micro = [950, 990): 40, macro = [990, 999): 9, mega = {999}: 1,
    # i.e. exactly the top 20% / 5% / 1% / 0.1% are at least nano / micro / macro / mega.
    f = np.random.default_rng(3).permutation(1000)
    t = tiers(isolated(f))  # default scheme: percentiles (80, 95, 99, 99.9)
    expected = np.select([f >= 999, f >= 990, f >= 950, f >= 800], [3, 2, 1, 0], -1)
    assert t.tolist() == expected.tolist()
    assert np.bincount(t + 1).tolist() == [800, 150, 40, 9, 1]


def test_tiers_by_percentile_never_tiers_zero_followers():
    # 9 of 10 nodes have no follower: the 80th percentile is 0, clamped to 1, so they stay regular;
    # the 95th, 99th and 99.9th percentiles are all 3 (the one node with followers), which is mega.
    g = isolated([0] * 9 + [3])
    assert tiers(g).tolist() == [-1] * 9 + [3]
    assert tiers(isolated([0] * 5)).tolist() == [-1] * 5


@pytest.mark.parametrize("by, bounds", [("rank", (1, 2, 3, 4)), ("count", (1, 1, 2, 3)), ("count", (-1, 2, 3, 4)),
                                        ("percentile", (80, 90, 99, 101)), ("count", (1, 2, 3))])
def test_tier_scheme_rejects_bad_bounds(by, bounds):
    with pytest.raises(InputError):
        TierScheme(by, bounds)


# ======================================================================= prices
def test_post_costs_by_tier_and_regular():
    g = isolated(FOLLOW)
    prices = PriceList(per_post={"nano": 25.0, "micro": 100.0, "macro": 500.0, "mega": 2500.0, "regular": 1.0})
    # tiers are [-1, -1, 0, 0, 1, 1, 2, 2, 3, 3]
    assert prices.post_costs(g, COUNT).tolist() == [1, 1, 25, 25, 100, 100, 500, 500, 2500, 2500]
    # without a "regular" price, regular users cost a nano post (never free by omission)
    assert PriceList().post_costs(g, COUNT).tolist() == [1, 1, 1, 1, 2.5, 2.5, 8, 8, 50, 50]  # default prices
    # without tier prices at all, the fixed + per-follower formula applies to everyone
    flat = PriceList(per_post={}, fixed=2.0)
    assert flat.post_costs(g, COUNT).tolist() == [2.0] * 10


def test_post_costs_fixed_plus_per_follower():
    g = isolated(FOLLOW)
    prices = PriceList(per_post={}, fixed=5.0, per_follower=0.01)
    # 5 + 0.01 * followers for everyone: 0 -> 5, 9 -> 5.09, ..., 50_000 -> 505
    expected = [5.0, 5.09, 5.1, 5.99, 6.0, 14.99, 15.0, 104.99, 105.0, 505.0]
    np.testing.assert_allclose(prices.post_costs(g, COUNT), expected, rtol=1e-12)
    # a tier price overrides the formula for that tier only (mega: nodes 8 and 9)
    mixed = PriceList(per_post={"mega": 1_000.0}, fixed=5.0, per_follower=0.01)
    np.testing.assert_allclose(mixed.post_costs(g, COUNT), expected[:8] + [1_000.0, 1_000.0], rtol=1e-12)


def test_broadcast_cost_cpm():
    assert PriceList().broadcast_cost(50_000) == pytest.approx(1_000.0)  # 20 per 1000 impressions
    assert PriceList(cpm=7.5).broadcast_cost(2_000) == pytest.approx(15.0)
    assert PriceList(cpm=7.5).broadcast_cost(0) == 0.0


@pytest.mark.parametrize("kwargs", [{"per_post": {"giga": 1.0}}, {"per_post": {"nano": -1.0}}, {"fixed": -1.0},
                                    {"per_follower": float("nan")}, {"cpm": -0.1}])
def test_price_list_rejects_bad_prices(kwargs):
    with pytest.raises(InputError):
        PriceList(**kwargs)


# ======================================================================= top_degree, _check_k, random
# followers (out-degree): 0 -> {1, 2}: 2; 1 -> {3, 4, 5}: 3; 2 -> {0, 4, 5}: 3; 3 -> {0}: 1; 4: 0; 5 -> {4}: 1
DEG = Graph.from_edges([0, 0, 1, 1, 1, 2, 2, 2, 3, 5], [1, 2, 3, 4, 5, 0, 4, 5, 0, 4])


def test_top_degree_ties_by_lowest_id():
    # 3 followers: 1, 2 (tie -> 1 first); 2 followers: 0; 1 follower: 3, 5 (tie -> 3 first); 0: 4
    assert DEG.followers.tolist() == [2, 3, 3, 1, 0, 1]
    assert top_degree(DEG, 6).tolist() == [1, 2, 0, 3, 5, 4]
    assert top_degree(DEG, 2).tolist() == [1, 2]
    assert top_degree(DEG, 0).tolist() == []
    assert top_degree(DEG, 3).dtype == np.int32


def test_top_degree_uses_given_followers():
    # all-equal counts: pure id order; given counts override the (empty) structure
    assert top_degree(isolated([7, 7, 7, 7]), 4).tolist() == [0, 1, 2, 3]
    assert top_degree(isolated([5, 50, 0, 50]), 3).tolist() == [1, 3, 0]


@pytest.mark.parametrize("k", [-1, 7, 100, 2.0, 2.5, "2", None, True, np.float64(1.0)])
def test_check_k_errors(k):
    for strategy in (top_degree, pagerank, k_core, degree_discount, random):
        with pytest.raises(InputError, match="k must be an integer in \\[0, 6\\]"):
            strategy(DEG, k)


def test_check_k_accepts_numpy_integers_and_bounds():
    assert top_degree(DEG, np.int64(2)).tolist() == [1, 2]
    assert sorted(top_degree(DEG, 6).tolist()) == list(range(6))  # k = n is allowed


def test_random_is_distinct_and_reproducible():
    g = isolated([0] * 50)
    a = random(g, 20, rng=5)
    assert a.dtype == np.int32 and np.unique(a).size == 20 and a.min() >= 0 and a.max() < 50
    assert a.tolist() == random(g, 20, rng=5).tolist()
    assert sorted(random(g, 50, rng=1).tolist()) == list(range(50))


# ======================================================================= follower_band
# node:   0  1   2   3    4    5      6      7        8       9    (tiers by COUNT)
# tiers: -1 -1   0   0    1    1      2      2        3       3
def test_follower_band_by_tier():
    g = isolated(FOLLOW)
    # micro = nodes 4 (100) and 5 (999): biggest first
    assert follower_band(g, 2, tier="micro", scheme=COUNT).tolist() == [5, 4]
    # asking for more than the band holds returns the whole band
    assert follower_band(g, 5, tier="mega", scheme=COUNT).tolist() == [9, 8]
    assert follower_band(g, 1, tier="nano", scheme=COUNT).tolist() == [3]


def test_follower_band_by_low_high():
    g = isolated(FOLLOW)
    # [10, 1000) holds 2 (10), 3 (99), 4 (100), 5 (999): high is exclusive so 6 (1000) is out
    assert follower_band(g, 10, low=10, high=1_000).tolist() == [5, 4, 3, 2]
    assert follower_band(g, 2, low=10, high=1_000).tolist() == [5, 4]
    # open ends: below 10 -> 1 (9), 0 (0); from 10_000 up -> 9, 8
    assert follower_band(g, 10, high=10).tolist() == [1, 0]
    assert follower_band(g, 10, low=10_000).tolist() == [9, 8]


def test_follower_band_ties_by_lowest_id():
    g = isolated([5, 8, 5, 8, 5, 100])
    assert follower_band(g, 6, low=1, high=50).tolist() == [1, 3, 0, 2, 4]


def test_follower_band_random_order_in_band_and_reproducible():
    f = np.arange(200) * 10  # node i has 10 i followers
    g = isolated(f)
    band = set(range(20, 60))  # [200, 600) -> nodes 20..59
    a = follower_band(g, 15, low=200, high=600, order="random", rng=42)
    assert a.dtype == np.int32 and len(a) == 15 and len(set(a.tolist())) == 15
    assert set(a.tolist()) <= band
    assert a.tolist() == follower_band(g, 15, low=200, high=600, order="random", rng=42).tolist()
    assert a.tolist() != follower_band(g, 15, low=200, high=600, order="random", rng=43).tolist()
    # k larger than the band: the whole band, in some order
    b = follower_band(g, 100, low=200, high=600, order="random", rng=np.random.default_rng(0))
    assert sorted(b.tolist()) == sorted(band)
    # by tier, too: micro = 100 <= f < 1000 -> nodes 10..99
    c = follower_band(g, 30, tier="micro", scheme=COUNT, order="random", rng=1)
    assert set(c.tolist()) <= set(range(10, 100)) and len(set(c.tolist())) == 30


def test_follower_band_empty_band_raises_naming_the_band():
    g = isolated(FOLLOW)
    with pytest.raises(InputError, match=r"follower band \[101, 999\) selects no node"):
        follower_band(g, 1, low=101, high=999)
    with pytest.raises(InputError, match="follower band .*selects no node"):
        follower_band(g, 1, low=60_000, order="random", rng=0)
    # no macro account on a graph with at most 999 followers
    with pytest.raises(InputError, match="tier 'macro' selects no node"):
        follower_band(isolated([0, 50, 500, 999]), 1, tier="macro", scheme=COUNT)
    # an empty graph: still an InputError, not a crash on min() of nothing
    with pytest.raises(InputError, match="selects no node"):
        follower_band(Graph.from_edges([], [], n=0), 0, low=1)


def test_follower_band_bad_options():
    g = isolated(FOLLOW)
    with pytest.raises(InputError, match="unknown tier 'giga'"):
        follower_band(g, 1, tier="giga")
    with pytest.raises(InputError, match="order must be"):
        follower_band(g, 1, low=0, order="biggest")


# ======================================================================= pagerank
def test_pagerank_two_nodes_by_hand():
    # arc 0 -> 1: 1 follows 0. Reversed, 1 passes all its rank to 0; 0 follows nobody (dangling),
    # so it spreads its rank uniformly. With a = 0.85:
    #   x1 = a x0 / 2 + (1 - a) / 2,  x0 = 1 - x1  =>  x1 = 0.5 / 1.425, x0 = 0.925 / 1.425
    g = Graph.from_edges([0], [1])
    np.testing.assert_allclose(pagerank_scores(g), [0.925 / 1.425, 0.5 / 1.425], atol=1e-9)
    assert pagerank(g, 2).tolist() == [0, 1]


def test_pagerank_rewards_being_followed_by_the_well_followed():
    # 0 is followed by 1, 2, 3 (nobody follows those); 4 is followed only by 0.
    # top_degree prefers 0 (3 followers), but 0's whole rank flows to 4, so 4 ranks above 0.
    g = Graph.from_edges([0, 0, 0, 4], [1, 2, 3, 0])
    assert top_degree(g, 2).tolist() == [0, 4]
    assert pagerank(g, 2).tolist() == [4, 0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pagerank_matches_networkx_on_reversed_graph(seed):
    D = nx.gnp_random_graph(40, 0.08, directed=True, seed=seed)
    src, dst = zip(*D.edges())
    g = Graph.from_edges(src, dst, n=45)  # nodes 40..44 isolated: dangling in both directions
    G = g.to_networkx()
    assert G.number_of_nodes() == 45 and not G.is_multigraph()
    expected = nx.pagerank(G.reverse(), alpha=0.85, tol=1e-13, max_iter=1000)
    ours = pagerank_scores(g)
    np.testing.assert_allclose(ours, [expected[v] for v in range(45)], rtol=0, atol=1e-6)
    assert ours.sum() == pytest.approx(1.0, abs=1e-9)
    # the top-k order is that of networkx's scores (highest first, lowest id on ties); check the
    # scores that decide it are far enough apart for the comparison to mean something
    k = 8
    ranked = sorted(range(45), key=lambda v: (-expected[v], v))[: k + 1]
    gaps = [expected[ranked[i]] - expected[ranked[i + 1]] for i in range(k)]
    top = pagerank(g, k).tolist()
    assert top == ranked[:k] or min(gaps) < 1e-6
    assert top == sorted(range(45), key=lambda v: (-ours[v], v))[:k]


def test_pagerank_alpha_option():
    g = Graph.from_edges([0], [1])
    # alpha = 0: pure teleport, everyone 1/n, ties by id
    np.testing.assert_allclose(pagerank_scores(g, alpha=0.0), [0.5, 0.5])
    assert pagerank(g, 2, alpha=0.0).tolist() == [0, 1]


# ======================================================================= k_core
def k4_with_path_and_star():
    # K4 on 0..3 (core 3), pendant path 3-4-5-6 (core 1), star hub 7 with leaves 8..13 (core 1).
    # Undirected, so followers = degree: 0,1,2 -> 3; 3 -> 4; 4, 5 -> 2; 6 -> 1; 7 -> 6; 8..13 -> 1
    edges = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (3, 4), (4, 5), (5, 6)] + [(7, v) for v in range(8, 14)]
    src, dst = zip(*edges)
    return Graph.from_edges(src, dst, undirected=True), edges


def test_k_core_known_3_core():
    g, edges = k4_with_path_and_star()
    core = nx.core_number(nx.Graph(edges))
    assert core_numbers(g).tolist() == [core[v] for v in range(14)]
    assert core_numbers(g).tolist() == [3, 3, 3, 3] + [1] * 10
    # the 3-core first, bigger account first (3 has 4 followers, then 0, 1, 2 by id); then core 1 by
    # followers: the hub 7 (6), then 4, 5 (2 each), then the degree-1 nodes by id
    assert k_core(g, 14).tolist() == [3, 0, 1, 2, 7, 4, 5, 6, 8, 9, 10, 11, 12, 13]
    assert k_core(g, 4).tolist() == [3, 0, 1, 2]
    # top_degree would have taken the star hub first
    assert top_degree(g, 2).tolist() == [7, 3]


def test_core_numbers_treat_arcs_as_undirected():
    D = nx.gnp_random_graph(60, 0.1, directed=True, seed=7)
    src, dst = zip(*D.edges())
    g = Graph.from_edges(src, dst, n=60)
    core = nx.core_number(nx.Graph(D.to_undirected()))
    assert core_numbers(g).tolist() == [core[v] for v in range(60)]
    ours = k_core(g, 10).tolist()
    f = g.followers
    assert ours == sorted(range(60), key=lambda v: (-core[v], -f[v], v))[:10]


# ======================================================================= one_per_community
# node:       0   1   2   3   4   5   6   7   8
COMM = [0, 1, 1, 2, 1, 2, 0, 1, 2]
FOLL = [50, 10, 30, 40, 30, 5, 60, 1, 40]


def test_one_per_community_round_robin():
    # sizes: community 1 has 4 nodes {1, 2, 4, 7}, community 2 has 3 {3, 5, 8}, community 0 has 2 {0, 6}
    # within each, by followers then id: c1: 2 (30), 4 (30), 1 (10), 7 (1); c2: 3 (40), 8 (40), 5 (5);
    # c0: 6 (60), 0 (50). Round robin, largest community first: 2 3 6 | 4 8 0 | 1 5 | 7
    g = isolated(FOLL, community=COMM)
    assert one_per_community(g, 9).tolist() == [2, 3, 6, 4, 8, 0, 1, 5, 7]
    assert one_per_community(g, 4).tolist() == [2, 3, 6, 4]
    # the biggest account overall (6) is not first: its community is the smallest
    assert top_degree(g, 1).tolist() == [6]


def test_one_per_community_within_a_tier():
    # nano = [20, 45): 2 (30), 3 (40), 4 (30), 8 (40); community sizes still count every member
    g = isolated(FOLL, community=COMM)
    scheme = TierScheme("count", (20, 45, 100, 1_000))
    assert one_per_community(g, 9, tier="nano", scheme=scheme).tolist() == [2, 3, 4, 8]
    assert one_per_community(g, 2, tier="micro", scheme=scheme).tolist() == [6, 0]  # only c0 has micro
    with pytest.raises(InputError, match="tier 'mega' selects no node"):
        one_per_community(g, 1, tier="mega", scheme=scheme)


def test_one_per_community_equal_sizes_by_label():
    # two communities of 2: label 0 goes first on a size tie
    g = isolated([1, 9, 5, 3], community=[1, 0, 1, 0])
    # c0 = {1 (9), 3 (3)}, c1 = {2 (5), 0 (1)}: 1 2 | 3 0
    assert one_per_community(g, 4).tolist() == [1, 2, 3, 0]


def test_one_per_community_needs_communities():
    with pytest.raises(InputError, match="community"):
        one_per_community(DEG, 2)


# ======================================================================= degree_discount
# undirected: hub 0 - {1, 2, 3, 4, 5}; 1 - {6, 7, 8}; 9 - {10, 11}
# degrees: 0: 5, 1: 4, 9: 2, everyone else 1
DD_EDGES = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 6), (1, 7), (1, 8), (9, 10), (9, 11)]


def dd_graph():
    src, dst = zip(*DD_EDGES)
    return Graph.from_edges(src, dst, undirected=True)


def test_degree_discount_by_hand():
    # p = 0.1, dd = d - 2t - (d - t) t p:
    # pick 0 (5). Its neighbours get t = 1: dd1 = 4 - 2 - 3 * 0.1 = 1.7; dd2..dd5 = 1 - 2 - 0 = -1.
    # Now 9 has 2 > 1.7: pick 9. Its neighbours 10, 11 get t = 1: dd = -1.
    # Next 1 (1.7) beats the untouched leaves 6, 7, 8 (1 each); picking 1 discounts them to -1.
    # Everything left scores -1: ties by id 2, 3, 4, 5, 6, 7, 8, 10, 11.
    g = dd_graph()
    assert degree_discount(g, 12, p=0.1).tolist() == [0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11]
    assert degree_discount(g, 3, p=0.1).tolist() == [0, 9, 1]
    # p = 0: after 0, dd1 = 4 - 2 = 2 ties with 9 (2): lowest id, 1, goes first
    assert degree_discount(g, 3, p=0.0).tolist() == [0, 1, 9]
    # plain degree ranking for contrast
    assert top_degree(g, 3).tolist() == [0, 1, 9]


def test_degree_discount_docstring_example():
    # pairs 0-1 (twice: (0, 1) and (1, 0)), 0-2, 0-3, 1-2, 2-4, stored both ways: arcs counted with
    # repeats give d = [4, 3, 3, 1, 1]. Pick 0 (4). t counts arcs too (issue #17): 1 is joined to 0 by
    # two parallel arcs, so t1 = 2 and dd1 = 3 - 4 - 1 * 2 * 0.1 = -1.2; t2 = t3 = 1: dd2 = 3 - 2 -
    # 2 * 0.1 = 0.8, dd3 = -1. Node 4 is untouched at 1 > 0.8, so it comes second (the docstring used
    # to claim [0, 1], which no reading of the formula gives).
    # Picking 4 gives 2 two picked arcs (from 0 and 4): dd2 = 3 - 4 - 1 * 2 * 0.1 = -1.2, so the third
    # pick is 3 (-1). The old rule (t counting distinct neighbours, d counting arcs) left dd1 at 0.8
    # and picked 1 third: [0, 4, 1].
    g = Graph.from_edges([0, 0, 0, 1, 1, 2], [1, 2, 3, 0, 2, 4], undirected=True)
    assert g.out_degree.tolist() == [4, 3, 3, 1, 1]
    assert degree_discount(g, 2, p=0.1).tolist() == [0, 4]
    assert degree_discount(g, 3, p=0.1).tolist() == [0, 4, 3]
    assert degree_discount(g, 3, p=0.1).tolist() == degree_discount_per_arc_reference(
        [(0, 1), (0, 2), (0, 3), (1, 0), (1, 2), (2, 4)], 5, 3, 0.1, undirected=True)


def test_degree_discount_rejects_bad_p():
    for p in (-0.1, 1.5, float("nan")):
        with pytest.raises(InputError, match="p must lie in"):
            degree_discount(dd_graph(), 2, p=p)


def degree_discount_reference(G: nx.Graph, k: int, p: float) -> list[int]:
    """The O(k n) textbook loop: rescan every score each round, argmax takes the lowest id on ties."""
    n = G.number_of_nodes()
    d = np.array([G.degree(v) for v in range(n)], dtype=float)
    t = np.zeros(n)
    dd = d.copy()
    chosen = np.zeros(n, dtype=bool)
    out = []
    for _ in range(k):
        v = int(np.argmax(np.where(chosen, -np.inf, dd)))
        chosen[v] = True
        out.append(v)
        for u in G.neighbors(v):
            if not chosen[u]:
                t[u] += 1
                dd[u] = d[u] - 2 * t[u] - (d[u] - t[u]) * t[u] * p
    return out


@pytest.mark.parametrize("seed, p", [(0, 0.1), (1, 0.01), (2, 0.1), (3, 0.5)])
def test_degree_discount_matches_reference(seed, p):
    G = nx.gnm_random_graph(200, 600, seed=seed)  # simple undirected graph, many degree ties
    src, dst = zip(*G.edges())
    g = Graph.from_edges(src, dst, n=200, undirected=True)
    assert g.out_degree.tolist() == [G.degree(v) for v in range(200)]
    assert degree_discount(g, 10, p=p).tolist() == degree_discount_reference(G, 10, p)
    assert degree_discount(g, 200, p=p).tolist() == degree_discount_reference(G, 200, p)


def degree_discount_per_arc_reference(edges, n: int, k: int, p: float, *, undirected: bool) -> list[int]:
    """DegreeDiscountIC counting arcs, slowly and plainly, from the edge list itself: d[u] is the number
    of arcs out of u; after each pick v, every arc v -> u into an unpicked u adds one to t[u] (so a
    neighbour joined by c parallel arcs gets c). Each round rescans all scores; the highest score wins,
    ties to the lowest id (the implementation's rule). Self-loops are not arcs (from_edges drops them)."""
    arcs = [(u, v) for u, v in edges if u != v]
    if undirected:
        arcs += [(v, u) for u, v in arcs]
    d = [0] * n
    for u, _ in arcs:
        d[u] += 1
    t = [0] * n
    dd = [float(x) for x in d]
    chosen = [False] * n
    out = []
    for _ in range(min(k, n)):
        v = max((u for u in range(n) if not chosen[u]), key=lambda u: (dd[u], -u))
        chosen[v] = True
        out.append(v)
        for a, b in arcs:
            if a == v and not chosen[b]:
                t[b] += 1
                dd[b] = d[b] - 2 * t[b] - (d[b] - t[b]) * t[b] * p
    return out


@pytest.mark.parametrize("undirected", [True, False])
@pytest.mark.parametrize("seed, p", [(0, 0.01), (1, 0.1), (2, 0.3), (3, 0.9)])
def test_degree_discount_counts_parallel_arcs_like_the_reference(seed, p, undirected):
    # a small multigraph: 90 edges over 30 nodes drawn from 35 pairs, so most pairs repeat (some
    # both ways, some self-loops, which from_edges drops)
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, 30, size=(35, 2))
    edges = [tuple(map(int, pairs[i])) for i in rng.integers(0, 35, size=90)]
    src, dst = zip(*edges)
    with pytest.warns(UserWarning, match="self-loop") if any(u == v for u, v in edges) else nullcontext():
        g = Graph.from_edges(src, dst, n=30, undirected=undirected)
    pair_keys = g.arcs()[0].astype(np.int64) * 30 + g.arcs()[1]
    assert np.unique(pair_keys).size < g.m, "want parallel arcs"
    for k in (5, 30):
        want = degree_discount_per_arc_reference(edges, 30, k, p, undirected=undirected)
        assert degree_discount(g, k, p=p).tolist() == want


def test_degree_discount_spread_matches_greedy_on_a_multigraph():
    # An undirected multigraph (p = 0.1) where counting distinct neighbours in t misleads: hub 0 has 12
    # leaves and 8 parallel edges to node 1, which has 5 leaves of its own (d1 = 13); node 2 has 9
    # leaves (d2 = 9). After picking 0, arc counting gives t1 = 8: dd1 = 13 - 16 - 5 * 8 * 0.1 = -7,
    # so 2 comes next; distinct neighbours gave t1 = 1: dd1 = 13 - 2 - 12 * 0.1 = 9.8 > 9 and picked 1,
    # which 0 already reaches with chance 1 - 0.9**8 = 0.57 (spread 3.7 against 4.95 for {0, 2}).
    edges = [(0, 3 + i) for i in range(12)] + [(0, 1)] * 8 + [(1, 15 + i) for i in range(5)]
    edges += [(2, 20 + i) for i in range(9)]
    src, dst = zip(*edges)
    g = Graph.from_edges(src, dst, n=29, undirected=True)
    dd = degree_discount(g, 2, p=0.1)
    assert dd.tolist() == [0, 2]
    greedy = S.celf(g, 2, p=0.1, runs=2000, rng=3)
    # both spreads on the same 400,000 RR sets (paired); tolerance: 4 standard errors of the difference,
    # taken conservatively as sqrt(se_dd**2 + se_greedy**2) (about 0.07 here)
    est = {name: estimate_spread(g, seeds, p=0.1, samples=400_000, rng=11)
           for name, seeds in (("dd", dd), ("greedy", greedy))}
    tol = 4 * float(np.hypot(est["dd"].stderr, est["greedy"].stderr))
    assert est["dd"].value >= est["greedy"].value - tol
    # the test can fail: the distinct-neighbour choice {0, 1} falls far outside the tolerance
    old = estimate_spread(g, [0, 1], p=0.1, samples=400_000, rng=11)
    assert old.value < est["greedy"].value - 10 * tol
    # by hand: the seeds, 0's 12 leaves at 0.1, node 1 (reached w.p. 1 - 0.9**8) with its 5 leaves, 2's 9
    assert est["greedy"].value == pytest.approx(2 + 1.2 + (1 - 0.9**8) * 1.5 + 0.9, abs=tol)
    assert old.value == pytest.approx(2 + 1.2 + 0.5, abs=tol)


@pytest.mark.parametrize("seed", [0, 1])
def test_degree_discount_spread_near_greedy_on_a_random_multigraph(seed):
    # a random undirected multigraph (120 nodes, 300 edges from 200 pairs: about a third repeat),
    # p = 0.05, k = 5: degree discount's seeds spread within 2% of CELF's (Chen et al. report near-greedy
    # spread at small p); both on the same 400,000 RR sets, plus 4 standard errors of the difference
    rng = np.random.default_rng(100 + seed)
    pairs = rng.integers(0, 120, size=(200, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    picks = pairs[rng.integers(0, len(pairs), size=300)]
    g = Graph.from_edges(picks[:, 0], picks[:, 1], n=120, undirected=True)
    dd = degree_discount(g, 5, p=0.05)
    greedy = S.celf(g, 5, p=0.05, method="ris", samples=200_000, rng=4)
    a = estimate_spread(g, dd, p=0.05, samples=400_000, rng=12)
    b = estimate_spread(g, greedy, p=0.05, samples=400_000, rng=12)
    assert a.value >= 0.98 * b.value - 4 * float(np.hypot(a.stderr, b.stderr))


# ======================================================================= budgeted
def test_budgeted_hand_example():
    # ranking by followers: 1, 2, 0, 3, 5, 4 (see DEG). Costs below; budget 9:
    # 1 costs 5 (left 4), 2 costs 10 (skip), 0 costs 3 (left 1), 3 costs 2 (skip), 5 costs 1 (left 0), 4 (skip)
    costs = np.array([3.0, 5.0, 10.0, 2.0, 4.0, 1.0])
    assert budgeted(DEG, 9, costs=costs).tolist() == [1, 0, 5]
    # a budget that fits everything returns the whole ranking, in ranking order
    assert budgeted(DEG, 1_000, costs=costs).tolist() == top_degree(DEG, 6).tolist()
    # unit costs: the first B of the ranking
    assert budgeted(DEG, 3, costs=np.ones(6)).tolist() == [1, 2, 0]


def test_budgeted_follows_each_strategy_ranking():
    g = isolated(FOLL, community=COMM)
    ones = np.ones(9)
    assert budgeted(g, 4, costs=ones, strategy="one_per_community").tolist() == [2, 3, 6, 4]
    assert budgeted(g, 3, costs=ones, strategy="follower_band", low=20, high=45).tolist() == [3, 8, 2]
    assert budgeted(g, 5, costs=ones, strategy="random", rng=9).tolist() == random(g, 9, rng=9)[:5].tolist()
    gd = dd_graph()
    assert budgeted(gd, 3, costs=np.ones(12), strategy="degree_discount", p=0.1).tolist() == [0, 9, 1]
    gk, _ = k4_with_path_and_star()
    assert budgeted(gk, 4, costs=np.ones(14), strategy="k_core").tolist() == [3, 0, 1, 2]


def test_budgeted_float_costs_fit_exactly():
    # 0.1 + 0.2 != 0.3 in floating point; the budget still buys both
    g = isolated([2, 1])
    assert budgeted(g, 0.3, costs=np.array([0.1, 0.2])).tolist() == [0, 1]


def test_budgeted_with_price_list():
    g = isolated(FOLLOW)
    costs = PriceList(per_post={"nano": 25.0, "micro": 100.0, "macro": 500.0, "mega": 2500.0, "regular": 1.0}).post_costs(g, COUNT)
    # ranking 9, 8, 7, 6, 5, 4, 3, 2, 1, 0; budget 3000: 9 (2500, left 500), 8 (skip), 7 (500, left 0)
    assert budgeted(g, 3_000, costs=costs).tolist() == [9, 7]
    # budget 130: megas and macros skipped; 5 (100, left 30), 4 skip, 3 (25, left 5), 2 skip, 1, 0 (1 each)
    assert budgeted(g, 130, costs=costs).tolist() == [5, 3, 1, 0]


def test_budgeted_never_exceeds_budget_property():
    rng = np.random.default_rng(2024)
    for trial in range(40):
        n = int(rng.integers(5, 60))
        m = int(rng.integers(0, 4 * n))
        src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = src != dst
        g = Graph.from_edges(src[keep], dst[keep], n=n, community=rng.integers(0, 4, n))
        costs = rng.uniform(0.5, 100.0, n) if trial % 2 else rng.integers(1, 50, n).astype(float)
        budget = float(rng.uniform(costs.min(), costs.sum() * 1.2))
        strategy = ["top_degree", "pagerank", "k_core", "one_per_community", "degree_discount", "random"][trial % 6]
        options = {"rng": trial} if strategy == "random" else {}
        chosen = budgeted(g, budget, costs=costs, strategy=strategy, **options)
        assert chosen.dtype == np.int32
        assert np.unique(chosen).size == chosen.size
        assert costs[chosen].sum() <= budget + 1e-9
        assert chosen.size >= 1  # budget >= the cheapest cost
        # greedy order: a subsequence of the ranking, and every skipped node did not fit when reached
        ranking = STRATEGIES[strategy](g, n, **options).tolist()
        pos = [ranking.index(v) for v in chosen.tolist()]
        assert pos == sorted(pos)
        left, picked = budget, set(chosen.tolist())
        for v in ranking:
            if v in picked:
                left -= costs[v]
            else:
                assert costs[v] > left + 1e-9 - 1e-12


def test_budgeted_too_small_budget_raises():
    costs = np.array([3.0, 5.0, 10.0, 2.0, 4.0, 1.0])
    with pytest.raises(InputError, match=r"budget 0.5 buys no post: the cheapest candidate costs 1"):
        budgeted(DEG, 0.5, costs=costs)
    # cheapest *candidate*: in the band [3, 10) only nodes 1, 2 (3 followers each) count, costing 5 and 10
    with pytest.raises(InputError, match="cheapest candidate costs 5"):
        budgeted(DEG, 4, costs=costs, strategy="follower_band", low=3, high=10)


@pytest.mark.parametrize("budget", [-1.0, -1e-9, float("nan")])
def test_budgeted_negative_budget_raises(budget):
    with pytest.raises(InputError, match="budget must be a number >= 0"):
        budgeted(DEG, budget, costs=np.ones(6))


def test_budgeted_unknown_strategy():
    with pytest.raises(InputError, match="unknown strategy 'best'"):
        budgeted(DEG, 10, costs=np.ones(6), strategy="best")


# ======================================================================= registry
def test_every_strategy_returns_k_distinct_int32_nodes():
    g = isolated(FOLL, community=COMM)
    options = {"random": {"rng": 0}, "follower_band": {"low": 0}, "imm": {"p": 0.1, "rng": 0},
               "celf": {"p": 0.1, "runs": 20, "rng": 0}}
    for name, f in STRATEGIES.items():
        out = f(g, 5, **options.get(name, {}))
        assert out.dtype == np.int32, name
        assert len(out) == 5 and len(set(out.tolist())) == 5, name
        assert f(g, 0, **options.get(name, {})).tolist() == [], name
    assert TIERS == ("nano", "micro", "macro", "mega")
