"""Outreach campaigns: the IC reduction, channel formulas, funnel rates, attribution, budgets, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import virality as vr
from virality import Graph, InputError, simulate
from virality.campaign import Audience, Broadcast, Influencers, Plan, run_campaign
from virality.cascades import breadth_per_generation, structural_virality
from virality.metrics import paired, run_table, summarize, time_to_half, time_to_peak


def random_graph(n, m, seed, communities=None):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    comm = None if communities is None else rng.integers(0, communities, n)
    return Graph.from_edges(src[keep], dst[keep], n=n, community=comm)


@pytest.mark.parametrize("p_max", [0.35, 0.055, "equal"], ids=["coin per arc", "skip and thin", "skip"])
def test_campaign_reduces_exactly_to_independent_cascade(p_max):
    g = random_graph(3000, 15000, 1, communities=5)
    p = np.full(g.m, 0.15) if p_max == "equal" else np.random.default_rng(2).uniform(0, p_max, g.m)
    seeds = [0, 10, 20]
    ic = simulate(g, seeds, p=p, runs=40, rng=9, record=True)
    camp = run_campaign(g, Plan(seeds=tuple(seeds)), p=p, runs=40, rng=9, record=True,
                        audience=Audience(alignment=(1.0,) * 5, share_rate=1.0, peer_trust=1.0))
    assert np.array_equal(ic.times, camp.times)
    assert np.array_equal(ic.parents, camp.parents)
    assert np.array_equal(ic.step_counts, camp.step_counts)
    # engaged excludes the seeds; IC final sizes include them
    assert np.array_equal(ic.final_sizes - 3, run_table(camp)["engaged"].astype(int))


def test_broadcast_only_engagement_probability_per_node():
    """No peers: node v engages w.p. 1 - prod over airings of (1 - reach * trust * alignment[c(v)])."""
    g = random_graph(4000, 8000, 3, communities=4)
    align = (1.0, 0.5, 0.25, 0.0)
    bc = Broadcast(reach=0.6, airings=3, lead_time=2, spacing=2, trust=0.3)
    runs = 4000
    res = run_campaign(g, Plan(broadcast=bc), p=0.0, runs=runs, rng=4, audience=Audience(alignment=align))
    expect = 1 - (1 - 0.6 * 0.3 * np.asarray(align)[g.community]) ** 3
    freq = res.node_stats[:, 0] / runs
    se = np.sqrt(expect * (1 - expect) / runs) + 1e-12
    assert np.all(np.abs(freq - expect) <= 5.5 * se)
    t = run_table(res)
    # impressions: each airing exposes each node w.p. reach (mean 0.6 * n * 3, SE ~ sqrt(n*3*0.24/runs))
    assert abs(t["impressions_broadcast"].mean() - 0.6 * g.n * 3) < 5
    assert np.all(t["engaged_peer"] == 0) and np.all(t["engaged"] == t["engaged_broadcast"])
    # engagements happen only at airing steps
    assert set(np.flatnonzero(res.step_counts.sum(axis=0))) <= {2, 4, 6}


def test_targeted_broadcast_reaches_only_its_communities():
    g = random_graph(3000, 6000, 5, communities=3)
    bc = Broadcast(reach=1.0, airings=1, trust=1.0, target=(1,))
    res = run_campaign(g, Plan(broadcast=bc), p=0.0, runs=3, rng=1, record=True)
    engaged = res.times[0] >= 0
    assert np.array_equal(engaged, g.community == 1)
    assert bc.planned_impressions(g) == int((g.community == 1).sum())


def test_influencer_posts_engage_followers_with_tier_trust():
    g = random_graph(3000, 30000, 6)
    hub = int(np.argmax(g.out_degree))
    followers = np.unique(g.out_neighbors(hub))
    infl = Influencers(nodes=(hub,), trust=0.4, lead_time=3)
    runs = 3000
    res = run_campaign(g, Plan(influencers=infl), p=0.0, runs=runs, rng=2, record=False)
    freq = res.node_stats[:, 0] / runs
    # a follower reached by k parallel arcs gets k independent chances
    k = np.bincount(g.out_neighbors(hub), minlength=g.n)[followers]
    expect = 1 - (1 - 0.4) ** k
    se = np.sqrt(expect * (1 - expect) / runs)
    assert np.all(np.abs(freq[followers] - expect) <= 5.5 * se)
    others = np.setdiff1d(np.arange(g.n), np.append(followers, hub))
    assert freq[others].max() == 0
    assert set(np.flatnonzero(res.step_counts.sum(axis=0))) == {3}
    assert run_table(res)["seeds_and_posters"].tolist() == [1.0] * runs


def test_fatigue_gives_each_follower_share_steps_chances():
    """A seed that stays active for k steps engages each follower w.p. 1 - (1 - p)^k (a star)."""
    n = 2001
    g = Graph.from_edges(np.zeros(n - 1, int), np.arange(1, n))
    for k in (1, 3):
        res = run_campaign(g, Plan(seeds=(0,)), p=0.2, runs=300, rng=3, audience=Audience(share_steps=k))
        share = run_table(res)["engaged"].mean() / (n - 1)
        assert abs(share - (1 - 0.8**k)) < 0.005  # SE ~ 0.0005


def test_funnel_rates_sentiment_and_attribution():
    g = vr.generators.social_graph(5000, communities=5, mean_degree=8, rng=1)
    plan = Plan(influencers=Influencers(nodes=tuple(range(0, 300, 3)), trust=0.5, positive=0.9),
                broadcast=Broadcast(reach=0.3, airings=2, trust=0.05, positive=0.4))
    aud = Audience(share_rate=0.4, convert_rate=0.1, peer_positive=0.7)
    res = run_campaign(g, plan, p=0.1, audience=aud, runs=400, rng=5)
    t = run_table(res)
    ok = t["engaged"] > 0
    total = t["broadcast_share"] + t["influencer_share"] + t["grassroots_share"]
    assert np.allclose(total[ok], 1.0)
    s = summarize(t, ["conversion_rate", "positive_share"])
    assert abs(s["conversion_rate"].value - 0.1) < 0.005
    # positive share is the channel mix of positive rates
    mix = (0.4 * t["engaged_broadcast"].sum() + 0.9 * t["engaged_influencer"].sum() + 0.7 * t["engaged_peer"].sum()) / t["engaged"].sum()
    assert abs(s["positive_share"].value - mix) < 0.005
    # shares: a share_rate of the engaged share
    assert abs(t["shares"].sum() / t["engaged"].sum() - 0.4) < 0.005
    # community sums agree with the totals
    assert np.array_equal(res.community[:, :, 0].sum(axis=1), t["engaged"].astype(int))
    assert np.array_equal(res.community[:, :, 1].sum(axis=1), t["positive"].astype(int))
    assert np.array_equal(res.community[:, :, 2].sum(axis=1), t["unique_exposed"].astype(int))


def test_common_random_numbers_make_paired_intervals_tighter():
    g = vr.generators.social_graph(5000, communities=5, mean_degree=8, rng=2)
    a = run_campaign(g, Plan(seeds=tuple(range(20))), p=0.12, runs=300, rng=7)
    b = run_campaign(g, Plan(seeds=tuple(range(21))), p=0.12, runs=300, rng=7)
    ta, tb = run_table(a), run_table(b)
    d = paired(tb, ta, ["engaged"])["engaged"]
    sa, sb = summarize(ta, ["engaged"])["engaged"], summarize(tb, ["engaged"])["engaged"]
    unpaired_half = math.hypot(sa.high - sa.value, sb.high - sb.value)
    assert (d.high - d.value) < 0.5 * unpaired_half
    # one more seed never engages fewer under shared coins: the live-edge graph is the same
    assert np.all(tb["engaged"] + 21 >= ta["engaged"] + 20)


def test_structural_virality_of_path_and_star_cascades():
    """p = 1 from one seed: a path of N nodes has virality (N + 1) / 3; a star of k leaves 2k / (k + 1)."""
    N = 30
    path = Graph.from_edges(np.arange(N - 1), np.arange(1, N))
    res = run_campaign(path, Plan(seeds=(0,)), p=1.0, runs=2, rng=1, record=True)
    t = run_table(res)
    assert t["structural_virality"][0] == pytest.approx((N + 1) / 3)
    assert t["depth"][0] == N - 1
    assert structural_virality(res.parents[0], res.times[0]) == pytest.approx((N + 1) / 3)
    k = 12
    star = Graph.from_edges(np.zeros(k, int), np.arange(1, k + 1))
    res = run_campaign(star, Plan(seeds=(0,)), p=1.0, runs=1, rng=1, record=True)
    assert run_table(res)["structural_virality"][0] == pytest.approx(2 * k / (k + 1))


def test_time_to_peak_and_half():
    steps = np.array([[2, 1, 5, 3, 0], [1, 0, 0, 0, 0], [0, 4, 4, 0, 0]])
    assert time_to_peak(steps).tolist() == [2, 0, 1]
    # run 0: later engagements 1, 5, 3 (total 9): cumulative 1, 6 -> half (4.5) reached at step 2
    assert time_to_half(steps).tolist() == [2, 0, 1]


def test_key_node_sums_on_a_known_tree():
    # 0 -> 1 -> 2 -> 3 and 1 -> 4 (community of 4 differs): with p = 1 node 1 causes 2 direct, 3 downstream
    g = Graph.from_edges([0, 1, 2, 1], [1, 2, 3, 4], community=[0, 0, 0, 0, 1])
    res = run_campaign(g, Plan(seeds=(0,)), p=1.0, runs=5, rng=1)
    s = res.node_stats / 5
    assert s[:, 0].tolist() == [0, 1, 1, 1, 1]  # seeds are not counted as engaged
    assert s[:, 1].tolist() == [1, 2, 1, 0, 0]
    assert s[:, 2].tolist() == [4, 3, 1, 0, 0]
    assert s[:, 3].tolist() == [0, 1, 0, 0, 0]


def test_campaign_errors():
    g = random_graph(100, 300, 1, communities=3)
    with pytest.raises(InputError, match=r"broadcast.reach must lie in \[0, 1\], got 1.5"):
        Broadcast(reach=1.5)
    with pytest.raises(InputError, match=r"broadcast.airings must be an integer >= 0, got -1"):
        Broadcast(airings=-1)
    with pytest.raises(InputError, match=r"influencers.trust.micro must lie in \[0, 1\], got 2"):
        Influencers(trust={"micro": 2.0})
    with pytest.raises(InputError, match=r"influencers.trust: unknown tier 'giga'"):
        Influencers(trust={"giga": 0.1})
    with pytest.raises(InputError, match=r"audience.alignment needs one value per community \(3\), got 2"):
        run_campaign(g, Plan(seeds=(0,)), p=0.1, audience=Audience(alignment=(1.0, 1.0)))
    with pytest.raises(InputError, match=r"influencers.nodes: node 100 is out of range"):
        run_campaign(g, Plan(influencers=Influencers(nodes=(100,))), p=0.1)
    with pytest.raises(InputError, match=r"broadcast.target: community 7 does not exist \(0..2\)"):
        run_campaign(g, Plan(broadcast=Broadcast(target=(7,))), p=0.1)
    with pytest.raises(InputError, match=r"broadcast airs until step 12 but max_steps is 10"):
        run_campaign(g, Plan(broadcast=Broadcast(lead_time=10, airings=2, spacing=2)), p=0.1, max_steps=10)
    with pytest.raises(InputError, match=r"needs peer arc probabilities"):
        run_campaign(g, Plan(seeds=(0,)))
    with pytest.raises(InputError, match=r"influencers post at step 50 but max_steps is 10"):
        run_campaign(g, Plan(influencers=Influencers(nodes=(1,), lead_time=50)), p=0.1, max_steps=10)


def test_budgets_are_never_exceeded_and_impossible_settings_fail(tmp_path):
    from virality.config import parse_config
    from virality.experiment import build_graph, build_plan

    base = {
        "graph": {"generator": "social_graph", "n": 3000, "communities": 6, "mean_degree": 8},
        "prices": {"cpm": 20.0, "per_post": {"nano": 1.0, "micro": 2.5, "macro": 8.0, "mega": 50.0}},
        "strategy": [],
    }
    rng = np.random.default_rng(0)
    for budget in rng.uniform(12, 300, 12).round(2).tolist():  # the mix needs 0.3 x budget >= 3 for an airing
        cfg = dict(base, strategy=[
            {"name": "bc", "budget": budget, "broadcast": {"reach": 0.1}},
            {"name": "bc2", "budget": budget, "broadcast": {"airings": 2}},
            {"name": "nano", "budget": budget, "influencers": {"select": "one_per_community", "tier": "nano"}},
            {"name": "top", "budget": budget, "influencers": {"select": "top_degree"}},
            {"name": "mix", "budget": budget, "broadcast": {"share": 0.3, "reach": 0.05},
             "influencers": {"select": "random"}},
        ])
        exp = parse_config(cfg)
        g = build_graph(exp.graph, exp.seed)
        for i in range(len(exp.strategy)):
            plan, info = build_plan(g, exp, i)
            assert info.spend <= budget + 1e-6, (budget, exp.strategy[i].name, info)
    with pytest.raises(InputError, match=r"strategy\[0\] \(x\): broadcast budget 5 buys no airing at reach 0.1 \(one costs 6\)"):
        exp = parse_config(dict(base, strategy=[{"name": "x", "budget": 5, "broadcast": {"reach": 0.1}}]))
        build_plan(build_graph(exp.graph, exp.seed), exp, 0)
    with pytest.raises(InputError, match=r"prices.per_post has no price for nano, macro, mega"):
        exp = parse_config(dict(base, prices={"per_post": {"micro": 100.0}},
                                strategy=[{"name": "x", "budget": 100, "influencers": {"select": "top_degree"}}]))
        build_plan(build_graph(exp.graph, exp.seed), exp, 0)
    with pytest.raises(InputError, match=r"strategy\[0\]\.budget: Input should be greater than or equal to 0"):
        parse_config(dict(base, strategy=[{"name": "x", "budget": -5, "broadcast": {}}]), "cfg.toml")
    with pytest.raises(InputError, match=r"strategy\[0\]\.broadcast\.reach: Input should be less than or equal to 1"):
        parse_config(dict(base, strategy=[{"name": "x", "budget": 5, "broadcast": {"reach": 1.5}}]), "cfg.toml")
    exp = parse_config(dict(base, tiers={"by": "count", "bounds": [10_000, 20_000, 30_000, 40_000]},
                            strategy=[{"name": "x", "budget": 50, "influencers": {"select": "top_degree", "tier": "mega"}}]))
    with pytest.raises(InputError, match=r"strategy\[0\] \(x\)\.influencers: no account is eligible \(tier 'mega'"):
        build_plan(build_graph(exp.graph, exp.seed), exp, 0)


def test_structural_virality_matches_brute_force_on_random_trees():
    import networkx as nx

    rng = np.random.default_rng(0)
    for size in (2, 3, 7, 40, 150):
        # a random recursive tree: node i attaches to a uniform earlier node
        parents = np.array([-2] + [int(rng.integers(0, i)) for i in range(1, size)])
        times = np.zeros(size, dtype=int)
        for i in range(1, size):
            times[i] = times[parents[i]] + 1
        T = nx.Graph([(i, int(parents[i])) for i in range(1, size)])
        T.add_node(0)
        brute = nx.average_shortest_path_length(T) if size > 1 else 0.0
        assert structural_virality(parents, times) == pytest.approx(brute)
        assert breadth_per_generation(parents, times).sum() == size
        assert breadth_per_generation(parents, times).size - 1 == times.max()


def test_kernel_structural_virality_equals_python_forest_version():
    g = vr.generators.social_graph(3000, communities=4, mean_degree=8, rng=3)
    res = run_campaign(g, Plan(seeds=(1, 2, 3), broadcast=Broadcast(reach=0.2, trust=0.05)), p=0.2,
                       runs=5, rng=2, record=True)
    t = run_table(res)
    for r in range(5):
        assert t["structural_virality"][r] == pytest.approx(structural_virality(res.parents[r], res.times[r]))
    # with hired posters: each engaged follower of a post roots its own tree, in both versions
    posters = tuple(np.argsort(-g.out_degree)[:5].tolist())
    res = run_campaign(g, Plan(influencers=Influencers(nodes=posters, trust=0.3)), p=0.2, runs=5, rng=4, record=True)
    t = run_table(res)
    for r in range(5):
        assert t["structural_virality"][r] == pytest.approx(
            structural_virality(res.parents[r], res.times[r], res.channels[r]))


def test_a_poster_engaged_by_a_peer_in_the_step_it_posts_extends_the_cascade():
    """The record that broke cascade trees: hired account 1 is engaged by seed 0 in step 1, the step its
    post engages 2, so parent and child share a step. One rule everywhere: the tree is 0-1-2."""
    from virality import Influencers, Plan, run_campaign
    from virality.cascades import cascade_forest

    g = Graph.from_edges([0, 1], [1, 2], prob=1.0)
    res = run_campaign(g, Plan(seeds=(0,), influencers=Influencers(nodes=(1,), trust=1.0, lead_time=1)), runs=1,
                       rng=1, record=True)
    t, p, c = res.times[0], res.parents[0], res.channels[0]
    assert t.tolist() == [0, 1, 1] and p.tolist() == [-2, 0, 1] and c.tolist() == [0, 4, 3]
    f = cascade_forest(p, t, c)
    assert f["root"].tolist() == [0, 0, 0] and f["generation"].tolist() == [0, 1, 2]
    assert structural_virality(p, t, c) == pytest.approx(4 / 3)
    assert run_table(res)["structural_virality"][0] == pytest.approx(4 / 3)  # the kernel agrees


# ------------------------------------------------------------------ per community, over every run
def _all_channels(g):
    """A plan with every channel: organic seeds, hired accounts and two airings."""
    return Plan(seeds=(0, 1), influencers=Influencers(nodes=(5, 6, 7, 8), trust=0.3),
                broadcast=Broadcast(reach=0.3, airings=2, trust=0.05, lead_time=2))


def test_community_steps_and_flows_equal_the_records_of_every_run():
    from virality.cascades import cross_community_flows, penetration_matrix
    from virality.codes import C_ENGAGED

    g = random_graph(600, 4000, 3, communities=6)
    comm, c = g.community.astype(np.int64), 6
    res = run_campaign(g, _all_channels(g), p=0.2, runs=30, rng=5, record=True, max_steps=25,
                       audience=Audience(share_rate=0.7, share_steps=2))
    steps, flows = res.community_steps, res.community_flows
    assert steps.dtype == np.int64 and flows.dtype == np.int64
    assert steps.shape == (c, res.step_counts.shape[1]) and flows.shape == (c, c)
    # new engagements per community and step, counted from the records (neither seeds nor posters)
    engaged = (res.times >= 0) & (res.channels >= 2)
    rows = np.broadcast_to(comm, res.times.shape)[engaged]
    counted = np.bincount(rows * steps.shape[1] + res.times[engaged], minlength=steps.size).reshape(steps.shape)
    assert np.array_equal(steps, counted)
    # ... equal to penetration_matrix on the full records, and end at the community counts
    sizes = np.bincount(comm, minlength=c)
    m = penetration_matrix(res.times, comm, res.channels, sizes=sizes, n_communities=c)
    assert np.array_equal(np.cumsum(steps[:, : m.shape[1]] / res.runs, axis=1) / sizes[:, None], m)
    assert np.array_equal(steps.sum(axis=1), res.community[:, :, C_ENGAGED].sum(axis=0))
    assert res.raw[:, 0].sum() == steps.sum()  # the engaged metric
    # flows summed over runs equal the flows of the records, exactly
    assert flows.sum() > 0 and np.all(np.diag(flows) == 0)
    assert np.array_equal(flows / res.runs, cross_community_flows(res.parents, comm, c))
    # the same runs in batches: concat sums them, padding steps
    parts = [run_campaign(g, _all_channels(g), p=0.2, runs=k, rng=5, run_offset=o, max_steps=25,
                          audience=Audience(share_rate=0.7, share_steps=2)) for o, k in ((0, 7), (7, 23))]
    joined = vr.CampaignResult.concat(parts)
    assert np.array_equal(joined.community_steps, steps) and np.array_equal(joined.community_flows, flows)


def test_community_sums_do_not_depend_on_the_thread_count():
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has one thread")
    g = random_graph(800, 5000, 4, communities=7)
    before = numba.get_num_threads()
    out = []
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            out.append(run_campaign(g, _all_channels(g), p=0.2, runs=64, rng=8, max_steps=30,
                                    audience=Audience(share_rate=0.7)))
    finally:
        numba.set_num_threads(before)
    one, two = out
    assert one.community_steps.sum() > 0 and one.community_flows.sum() > 0
    assert np.array_equal(one.community_steps, two.community_steps)
    assert np.array_equal(one.community_flows, two.community_flows)
    assert np.array_equal(one.node_stats, two.node_stats)


def test_flows_are_skipped_above_the_community_cap(monkeypatch):
    import virality.campaign as campaign

    g = random_graph(300, 2000, 5, communities=4)
    monkeypatch.setattr(campaign, "FLOW_COMMUNITIES", 3)
    res = run_campaign(g, _all_channels(g), p=0.2, runs=5, rng=1, max_steps=20)
    assert res.community_flows.shape == (0, 0) and res.community_steps.shape[0] == 4
    assert vr.CampaignResult.concat([res, res]).community_flows.shape == (0, 0)
