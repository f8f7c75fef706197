"""Plan the budget (virality.planner, ``virality optimize``): response curves against a closed form, the
optimiser against an exhaustive grid, budgets, the CLI's outputs and its errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import run_cli
from virality.config import load_config, parse_config
from virality.errors import InputError
from virality.experiment import run_cell
from virality.metrics import paired
from virality.planner import Planner, fit_hill

# Two audiences that never meet. Community 0: people 0..399 on a ring (each follows the one before);
# community 1: two hubs, 400 and 401, followed by 402..701 and 502..801 (200 people follow both), who
# follow nobody. A broadcast targets community 0, the hubs' posts reach community 1.
N0, HUB_A, HUB_B = 400, 400, 401
FOLLOW_A, FOLLOW_B = range(402, 702), range(502, 802)
N = 802
TRUST_BC, TRUST_MEGA, ALIGN = 0.3, 0.2, (0.8, 0.5)


def two_audiences(tmp_path, p: float = 0.0, airings: int = 2, extra: str = "") -> str:
    edges = [(i, (i + 1) % N0) for i in range(N0)]
    edges += [(HUB_A, v) for v in FOLLOW_A] + [(HUB_B, v) for v in FOLLOW_B]
    (tmp_path / "edges.txt").write_text("".join(f"{u} {v}\n" for u, v in edges))
    (tmp_path / "labels.txt").write_text("".join(f"{v} {0 if v < N0 else 1}\n" for v in range(N)))
    return f"""
name = "two"
seed = 11
runs = 400
max_steps = 20

[graph]
file = "edges.txt"
labels = "labels.txt"
p = {p}

[audience]
share_rate = 1.0
alignment = [{ALIGN[0]}, {ALIGN[1]}]

[tiers]
by = "count"
bounds = [1, 2, 3, 100]          # the hubs (300 followers) are mega; the ring nano; their followers regular

[prices]
cpm = 1000.0                     # one airing to all 400 people of community 0 costs 400
per_post = {{ nano = 1.0, micro = 2.0, macro = 3.0, mega = 400.0 }}

[broadcast]
trust = {TRUST_BC}
lead_time = 1

[influencers]
trust = {{ nano = 0.1, micro = 0.1, macro = 0.1, mega = {TRUST_MEGA}, regular = 0.1 }}

[[strategy]]
name = "tv"
budget = 800
broadcast = {{ airings = {airings}, target = [0] }}

[[strategy]]
name = "hubs"
budget = 800
influencers = {{ select = "top_degree", tier = "mega" }}
{extra}"""


def closed_form(spend_tv: float, hubs: int, airings: int = 2) -> float:
    """Engaged = sum over people of 1 - prod(1 - trust x reach x alignment) over their exposures."""
    reach = min(1.0, spend_tv / (400.0 * airings))
    tv = N0 * (1 - (1 - TRUST_BC * reach * ALIGN[0]) ** airings)
    followed = np.zeros(N)
    for hub, fans in ((HUB_A, FOLLOW_A), (HUB_B, FOLLOW_B))[:hubs]:
        followed[list(fans)] += 1
    inf = float((1 - (1 - TRUST_MEGA * ALIGN[1]) ** followed).sum())
    return tv + inf


def planner(tmp_path, text: str, **kw) -> Planner:
    path = tmp_path / "config.toml"
    path.write_text(text)
    exp, _ = load_config(path)
    return Planner(exp, **kw)


def se(est) -> float:
    return (est.high - est.low) / (2 * 1.959964)


# ----------------------------------------------------------------------------------- (a) closed form
def test_response_curves_match_the_closed_form_without_word_of_mouth(tmp_path):
    pl = planner(tmp_path, two_audiences(tmp_path) + "\n[optimize]\ngrid = 5\n")
    assert pl.graph.n == N and pl.budget == 800 and pl.step == 200
    curves = {c.option: c for c in pl.curves()}
    tv, hubs = curves["tv"], curves["hubs"]
    for spend, mean, low, high in zip(tv.spends, tv.mean, tv.low, tv.high):
        want = closed_form(spend, 0)
        assert abs(mean - want) <= 4 * max((high - low) / (2 * 1.959964), 1e-9), (spend, mean, want)
    # a mega post costs 400: 0 or 200 hire nobody, 400 and 600 one hub, 800 both (200 people follow both)
    for spend, mean, low, high, n_hubs in zip(hubs.spends, hubs.mean, hubs.low, hubs.high, (0, 0, 1, 1, 2)):
        want = closed_form(0, n_hubs)
        assert abs(mean - want) <= 4 * max((high - low) / (2 * 1.959964), 1e-9), (spend, mean, want)
    assert tv.mean[-1] == pytest.approx(closed_form(800, 0), rel=0.1)  # and the check has teeth: 4 SE is tight
    assert 4 * se(pl.evaluate((4, 0)).value) < 0.1 * closed_form(800, 0)
    # a mix: both channels in one plan, disjoint audiences add up
    mix = pl.evaluate((2, 2))
    assert abs(mix.value.value - closed_form(400, 1)) <= 4 * se(mix.value)
    assert mix.spent == (400.0, 400.0) and mix.spend == 800.0
    # the marginal cost per extra engagement between grid points
    assert tv.marginal_cost[1] == pytest.approx(200 / (tv.engaged[1] - tv.engaged[0]))
    assert math.isinf(hubs.marginal_cost[1]) and math.isnan(hubs.marginal_cost[0])


# ----------------------------------------------------------------------------------- (b) the optimiser
def test_the_optimiser_matches_an_exhaustive_grid_with_fewer_simulations(tmp_path):
    # one airing: 400 buys all of community 0 (more is wasted); hubs cost 400 each. Best: 400 / 400.
    text = two_audiences(tmp_path, p=0.1, airings=1) + "\n[optimize]\ngrid = 3\nruns = 200\n"
    pl = planner(tmp_path, text)
    res = pl.run()
    optimiser = res.simulations["optimiser"]
    # the exhaustive grid: 11 shares of the budget to tv, the rest to hubs, on the same replicates
    exhaustive = planner(tmp_path, text.replace("grid = 3", "grid = 11"))
    grid = [exhaustive.evaluate((k, 10 - k)) for k in range(11)]
    best = max(grid, key=lambda ev: ev.value.value)
    assert best.allotted == (400.0, 400.0)
    diff = paired(res.best.table, best.table, ["engaged"])["engaged"]
    assert diff.high >= 0, (res.spends, diff)  # not worse than the grid's best, within the paired interval
    assert optimiser < len(grid), res.simulations
    assert res.spends == [400.0, 400.0]
    # and the single options are worse: the mix beats both
    assert res.single["difference"]["low"] > 0


def test_the_search_stops_at_a_local_optimum_of_paired_moves(tmp_path):
    pl = planner(tmp_path, SOCIAL + '\n[optimize]\noptions = ["tv", "nano", "micro", "mega"]\ngrid = 6\nruns = 40\n')
    res = pl.run()
    start = pl.evaluate(res.greedy)
    values = [start.value.value] + [m["value"] for m in res.moves]
    assert res.moves and all(b > a for a, b in zip(values, values[1:]))  # every kept move improved
    assert all(m["gain"]["value"] > 0 for m in res.moves)
    # every move from the optimum was tried (no new simulation now) and none improves on common replicates
    used = dict(pl.simulations)
    n = len(res.levels)
    for a in range(n):
        for b in range(n):
            if a == b or res.levels[a] == 0 or res.levels[b] == pl.grid - 1:
                continue
            new = list(res.levels)
            new[a] -= 1
            new[b] += 1
            ev = pl.evaluate(new)
            assert paired(ev.table, res.best.table, ["engaged"])["engaged"].value <= 0
    assert pl.simulations == used


# ----------------------------------------------------------------------------------- (c) budgets
SOCIAL = """
name = "social"
seed = 5
runs = 10
max_steps = 30

[graph]
generator = "social_graph"
n = 1500
communities = 6
p = 0.1

[prices]
cpm = 100.0
per_post = { nano = 1.0, micro = 2.5, macro = 8.0, mega = 50.0 }

[broadcast]
reach = 0.3

[[strategy]]
name = "tv"
budget = 100
broadcast = { reach = 0.3 }

[[strategy]]
name = "nano"
budget = 100
influencers = { select = "one_per_community", tier = "nano", trust = 0.08 }

[[strategy]]
name = "micro"
budget = 100
influencers = { select = "one_per_community", tier = "micro", trust = 0.06 }

[[strategy]]
name = "mega"
budget = 100
influencers = { select = "top_degree", tier = "mega" }

[[strategy]]
name = "tv and micro"
budget = 100
broadcast = { share = 0.5 }
influencers = { select = "one_per_community", tier = "micro" }
"""


@pytest.mark.parametrize("budget, bounds", [(37.0, ""), (100.0, 'bounds = { tv = [0, 60], nano = [20, 100] }'),
                                            (413.0, 'bounds = { micro = [100, 300] }')])
def test_budgets_are_never_exceeded(tmp_path, budget, bounds):
    pl = planner(tmp_path, SOCIAL + f"\n[optimize]\nbudget = {budget}\ngrid = 6\n{bounds}\n")
    res = pl.run()
    assert pl.evaluations and res.simulations["total"] - res.simulations["holdout"] == len(pl._cache)
    for ev in pl.evaluations:
        assert sum(ev.allotted) <= budget + 1e-9
        assert ev.spend <= budget + 1e-9
        assert all(s <= a + 1e-9 for s, a in zip(ev.spent, ev.allotted))
        assert sum(ev.spent) == pytest.approx(ev.spend)
    assert sum(res.spends) <= budget + 1e-9
    for opt, spend in zip(res.options, res.spends):
        assert opt.low - 1e-9 <= spend <= opt.high + 1e-9


def test_several_influencer_groups_share_one_plan_with_trust_per_tier(tmp_path):
    pl = planner(tmp_path, SOCIAL + '\n[optimize]\noptions = ["nano", "micro"]\n')
    plan, spent = pl.plan((50.0, 50.0))
    nano, micro = pl._hired(pl.options[0], 50.0), pl._hired(pl.options[1], 50.0)
    assert list(plan.influencers.nodes) == nano.tolist() + micro.tolist()
    assert plan.influencers.trust == {"nano": 0.08, "micro": 0.06}
    assert spent == (50.0, 50.0)
    # a group alone is the strategy as build_plan builds it: the same simulation as `virality run`
    from virality.experiment import build_plan
    alone, _ = pl.plan((100.0, 0.0))
    assert Planner.plan_key(alone) == Planner.plan_key(build_plan(pl.graph, pl.exp, 1)[0])
    # two groups that give one tier different trust cannot share a plan
    clash = SOCIAL.replace('select = "one_per_community", tier = "micro", trust = 0.06',
                           'select = "random", tier = "nano", trust = 0.06')
    pl = planner(tmp_path, clash + '\n[optimize]\noptions = ["nano", "micro"]\n')
    with pytest.raises(InputError, match="'nano' and 'micro' both hire nano accounts with different trust"):
        pl.plan((50.0, 50.0))


def test_evaluations_are_the_runs_of_virality_run(tmp_path):
    """Common random numbers: a fixed strategy here is the same simulation as in its own run."""
    pl = planner(tmp_path, SOCIAL + '\n[optimize]\nruns = 10\n')
    fixed = pl.fixed_strategies()
    cell = run_cell(pl.exp)
    for name, ev in fixed.items():
        assert ev.value.value == pytest.approx(cell["summary"][name]["metrics"]["engaged"]["value"], abs=1e-12)


def test_default_options_are_the_single_channel_strategies(tmp_path):
    pl = planner(tmp_path, SOCIAL)
    assert [o.name for o in pl.options] == ["tv", "nano", "micro", "mega"] and pl.budget == 100
    assert pl.runs == 10 and pl.grid == 9 and pl.objective == "engaged"
    with pytest.raises(InputError, match="optimize.budget: the options have no common budget"):
        planner(tmp_path, SOCIAL.replace("budget = 100\nbroadcast = { reach", "budget = 50\nbroadcast = { reach", 1))


def test_fit_hill_is_as_good_as_scipy():
    scipy_opt = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(3)
    s = np.linspace(0, 2000, 9)
    y = 6000 * s**0.9 / (1500**0.9 + s**0.9) + rng.normal(0, 40, s.size) * (s > 0)
    ours = fit_hill(s, y)

    def hill(x, top, half, k):
        return top * x**k / (half**k + x**k)

    def sse(t, h, kk):
        return float(((hill(s[1:], t, h, kk) - y[1:]) ** 2).sum())

    (top, half, k), _ = scipy_opt.curve_fit(hill, s[1:], y[1:], p0=(y.max(), 1000, 1), maxfev=20000)
    assert sse(ours["top"], ours["half"], ours["k"]) <= 1.01 * sse(top, half, k) + 1e-6
    assert 0.99 < ours["r2"] <= 1


# ----------------------------------------------------------------------------------- (d) the CLI
def test_the_cli_writes_the_allocation_curves_summary_and_figures(write_config, tmp_path):
    cfg = write_config(SOCIAL)
    out = tmp_path / "out"
    rc, stdout, stderr = run_cli("optimize", cfg, "--out", out, "--runs", "8", "--budget", "150")
    assert rc == 0, stderr
    from virality.tables import read_table
    alloc = read_table(out / "allocation.csv")
    names = [s.name for s in parse_config(__import__("tomllib").loads(SOCIAL)).strategy]
    assert set(alloc["option"].tolist()) <= set(names) and alloc["option"].tolist() == ["tv", "nano", "micro", "mega"]
    assert alloc["spend"].sum() <= 150 + 1e-9 and np.all(alloc["spent"] <= alloc["spend"] + 1e-9)
    assert np.allclose(alloc["share"], alloc["spend"] / 150)
    curves = read_table(out / "response_curves.csv")
    assert len(curves["option"]) == 4 * 9 and set(curves) >= {"option", "spend", "mean", "low", "high", "marginal_cost"}
    summary = json.loads((out / "optimize.json").read_text())
    assert summary["budget"] == 150 and summary["runs"] == 8 and summary["objective"] == "engaged"
    assert summary["simulations"]["total"] >= summary["simulations"]["curves"] > 0
    assert {"value", "low", "high"} <= set(summary["vs_best_fixed_strategy"]["difference"])
    assert summary["vs_best_fixed_strategy"]["strategy"] in names
    assert summary["holdout"]["runs"] == [8, 15] and summary["simulations"]["holdout"] in (1, 2, 3)
    for fig in ("response_curves", "allocation"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 0 and (out / "figures" / f"{fig}.svg").exists()
    assert "Spend " in stdout and "of the 150" in stdout and "best fixed strategy" in stdout


def test_the_cli_objective_may_be_lower_is_better(write_config, tmp_path):
    cfg = write_config(SOCIAL + '\n[optimize]\noptions = ["nano", "micro"]\ngrid = 3\n')
    out = tmp_path / "out"
    rc, stdout, stderr = run_cli("optimize", cfg, "--out", out, "--runs", "5", "--no-figures", "--quiet",
                                 "--objective", "cost_per_engagement")
    assert rc == 0, stderr
    summary = json.loads((out / "optimize.json").read_text())
    assert summary["better"] == "lower" and summary["objective"] == "cost_per_engagement"
    assert not (out / "figures").exists() and stdout == ""


# ----------------------------------------------------------------------------------- (e) errors
@pytest.mark.parametrize("section, key", [
    ("colour = 1", "optimize.colour"),
    ('objective = "reach"', "optimize.objective"),
    ('objective = "structural_virality"', "optimize.objective"),
    ("grid = 1", "optimize.grid"),
    ("budget = -5", "optimize.budget"),
    ("runs = 0", "optimize.runs"),
    ('options = ["radio"]', "optimize.options"),
    ('options = ["tv and micro"]', "optimize.options"),
    ('options = []', "optimize.options"),
    ('options = ["nano", "nano"]', "optimize.options"),
    ('options = ["tv"]\nbounds = { nano = [0, 10] }', "optimize.bounds"),
    ('bounds = { tv = [50, 10] }', "optimize.bounds"),
    ('bounds = { tv = [15, 18] }', "optimize.bounds.tv"),  # no multiple of the step 12.5 inside
    ('bounds = { tv = [60, 100], nano = [60, 100] }', "optimize.bounds"),  # lower bounds over the budget
    ('form = "least"', "optimize.form"),
    ('form = "least_spend"', "optimize.target"),
    ('form = "least_spend"\ntarget = -1', "optimize.target"),
    ('form = "marginal_cost"', "optimize.limit"),
    ('form = "marginal_cost"\nlimit = 0', "optimize.limit"),
    ('frontier = ["engaged"]', "optimize.frontier"),
    ('frontier = ["engaged", "reach"]', "optimize.frontier"),
    ('frontier = ["engaged", "engaged"]', "optimize.frontier"),
    ('frontier = "engaged"', "optimize.frontier"),
])
def test_bad_optimize_keys_are_exit_2_naming_the_key(write_config, tmp_path, section, key):
    cfg = write_config(SOCIAL + f"\n[optimize]\n{section}\n")
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "out", "--quiet")
    assert rc == 2, (rc, stderr)
    assert key in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out" / "allocation.csv").exists()


PORTFOLIO = '''
[[strategy]]
name = "p"
budget = 100
influencers = [{ select = "one_per_community", tier = "nano", share = 0.3 }, { select = "top_degree", tier = "micro" }]
'''


@pytest.mark.parametrize("old, new, key", [
    ('tier = "micro" }', 'tier = "micro", colour = 1 }', "strategy[5].influencers[1].colour"),
    ('tier = "micro" }', 'tier = "micro", lead_time = 3 }', "strategy[5].influencers[1].lead_time"),
    ('tier = "nano", share', 'tier = "pico", share', "strategy[5].influencers[0].tier"),
    ('share = 0.3 }', 'share = 0.7 }, { select = "random", share = 0.6 }', "strategy 'p': channel shares"),
    ('influencers = [{ select = "one_per_community", tier = "nano", share = 0.3 }, { select = "top_degree", '
     'tier = "micro" }]', "influencers = []", "strategy[5].influencers"),
    ('tier = "micro" }]', 'tier = "nano", trust = 0.5 }]',  # one tier, two trusts: found when the plan is built
     "strategy[5] (p).influencers: group 0 and group 1 both hire nano accounts with different trust"),
    ("\n", '\n[optimize]\noptions = ["nano", "p"]\n', "optimize.options: strategy 'p' must use exactly one channel"),
])
def test_bad_portfolio_keys_are_exit_2_naming_the_key(write_config, tmp_path, old, new, key):
    text = SOCIAL + PORTFOLIO.replace(old, new, 1) if old != "\n" else SOCIAL + PORTFOLIO + new
    rc, _, stderr = run_cli("validate", write_config(text))
    assert rc == 2, (rc, stderr)
    assert key in stderr and "Traceback" not in stderr, stderr


def test_bad_command_line_values_are_exit_2(write_config, tmp_path):
    cfg = write_config(SOCIAL)
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "o", "--objective", "likes", "--quiet")
    assert rc == 2 and "optimize.objective" in stderr and "engaged" in stderr
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "o", "--budget", "inf", "--quiet")
    assert rc == 2 and "optimize.budget" in stderr
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "o", "--form", "least_spend", "--quiet")
    assert rc == 2 and "optimize.target" in stderr
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "o", "--form", "least_spend", "--target", "inf")
    assert rc == 2 and "optimize.target" in stderr
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "o", "--frontier", "engaged", "--quiet")
    assert rc == 2 and "optimize.frontier" in stderr
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "o", "--frontier", "engaged,likes", "--quiet")
    assert rc == 2 and "optimize.frontier" in stderr and "time_to_common" in stderr
    assert not (tmp_path / "o" / "allocation.csv").exists()
    # two broadcast-only strategies cannot both be options of one plan
    two_tv = SOCIAL + '\n[[strategy]]\nname = "radio"\nbudget = 100\nbroadcast = { reach = 0.1 }\n'
    rc, _, stderr = run_cli("optimize", write_config(two_tv, "two.toml"), "--out", tmp_path / "o", "--quiet")
    assert rc == 2 and "optimize.options" in stderr and "'radio'" in stderr


# ----------------------------------------------------------------------------------- (f) the other forms
def test_least_spend_reaches_its_target_and_one_step_less_does_not(tmp_path):
    """Without word of mouth, one airing: 400 buys all of community 0 (96 engaged, more money is wasted); a hub
    costs 400 and engages 30 of its 300 followers. 110 engaged needs both: 800, and no mix of 600 gets there."""
    text = two_audiences(tmp_path, airings=1) + '\n[optimize]\ngrid = 5\nform = "least_spend"\ntarget = 110\n'
    pl = planner(tmp_path, text)
    res = pl.run()
    ls = res.form_result
    assert res.form == "least_spend" and ls["reached"] and ls["budget"] == 800.0
    assert res.spends == [400.0, 400.0]
    assert abs(res.best.value.value - closed_form(400, 1, airings=1)) <= 4 * se(res.best.value)
    # the fresh-replicate check: met, its whole interval above the target
    fresh = ls["fresh"]
    assert fresh["met"] and fresh["interval_meets"] and fresh["value"]["low"] > 110
    assert res.holdout["runs"] == [300, 599]
    # one step less: the search's best there falls short, on its replicates and on fresh ones
    less = ls["one_step_less"]
    assert less["budget"] == 600.0 and less["value"]["value"] < 110 and not less["fresh"]["met"]
    # and so does every mix of at most 600 (all of them, on the same replicates)
    for tv in range(4):
        for hubs in range(4 - tv):
            assert pl.evaluate((tv, hubs)).value.value < 110, (tv, hubs)
    # every smaller budget was searched: the path holds 0, 200, ..., 800 and only its last entry reaches
    assert [e["budget"] for e in res.path] == [0.0, 200.0, 400.0, 600.0, 800.0]
    assert [e["value"]["value"] >= 110 for e in res.path] == [False] * 4 + [True]
    assert ls["single_option"] is None  # no option reaches 110 alone
    # a target no mix of the budget reaches: the whole budget's best, reported as not reached
    pl = planner(tmp_path, text.replace("target = 110", "target = 400"))
    res = pl.run()
    assert not res.form_result["reached"] and res.form_result["budget"] == 800.0 and res.spends == [400.0, 400.0]


def test_marginal_cost_stops_at_the_last_step_under_the_limit(tmp_path):
    """Two airings at a growing reach r of community 0: 400 (1 - (1 - 0.24 r)^2) engaged, concave in money, so
    each step of 200 buys fewer people: 200 per 46.6, 43.7, 40.8, 37.9 (marginal cost 4.30, 4.58, 4.90, 5.27).
    With a limit of 4.45 the spend is 200; the next step costs 4.58."""
    text = two_audiences(tmp_path) + '\n[optimize]\ngrid = 5\nform = "marginal_cost"\nlimit = 4.45\n'
    res = planner(tmp_path, text).run()
    mc = res.form_result
    assert mc["budget"] == 200.0 and mc["crossed"] and res.spends == [200.0, 0.0]
    assert mc["marginal_cost"] <= 4.45 < mc["next"]["marginal_cost"]
    assert mc["next"]["budget"] == 400.0 and mc["next"]["allocation"] == {"tv": 400.0, "hubs": 0.0}
    assert [e["budget"] for e in res.path] == [0.0, 200.0, 400.0]  # it stopped at the first step over the limit
    # the whole path: its marginal costs are the closed form's, step by step, and rise with the budget
    res = planner(tmp_path, text.replace("limit = 4.45", "limit = 100")).run()
    assert res.form_result["budget"] == 800.0 and not res.form_result["crossed"] and res.form_result["next"] is None
    costs = []
    for e in res.path[1:]:
        gain = closed_form(e["budget"], 0) - closed_form(e["budget"] - 200, 0)
        assert e["marginal_cost"] == pytest.approx(200 / gain, rel=0.03), e
        assert e["marginal_low"] <= e["marginal_cost"] <= e["marginal_high"]
        costs.append(e["marginal_cost"])
    assert costs == sorted(costs) and len(costs) == 4
    # a limit below the first step: spend nothing
    res = planner(tmp_path, text.replace("limit = 4.45", "limit = 1")).run()
    assert res.form_result["budget"] == 0.0 and res.spends == [0.0, 0.0]


def _dominated(i: int, rows: list[tuple[float, float]]) -> bool:
    return any(a >= rows[i][0] and b >= rows[i][1] and (a, b) != rows[i] for a, b in rows)


@pytest.mark.parametrize("metrics", [("engaged", "cost_per_engagement"), ("engaged", "time_to_common")])
def test_the_frontier_holds_no_dominated_mix_and_the_most_engaging_one(tmp_path, metrics):
    a, b = metrics
    if b == "cost_per_engagement":  # more money engages more people, each at a higher cost
        text = SOCIAL + f'\n[optimize]\noptions = ["tv", "nano", "mega"]\ngrid = 5\nruns = 30\nfrontier = ["{a}", "{b}"]\n'
    else:  # slow mass media engages the most; the hubs' posts are fast
        text = two_audiences(tmp_path, airings=1).replace("lead_time = 1", "lead_time = 5")
        text += f'\n[optimize]\ngrid = 5\nruns = 100\nfrontier = ["{a}", "{b}"]\n'
    pl = planner(tmp_path, text)
    res = pl.run()
    t = res.mixes
    # every split of the whole budget over the 3 options on the grid (15) was weighed (no new simulation now),
    # and so was every distinct plan that spends money
    used = dict(pl.simulations)
    assert len(pl.shares_grid()) == (15 if len(pl.options) == 3 else 5)
    assert all(pl.evaluate(levels) for levels in pl.shares_grid())
    assert pl.simulations == used
    assert res.frontier["evaluated"] == len(t["mix"]) == sum(ev.spend > 0 for ev in pl.evaluations) >= 5
    sign_b = -1.0 if b in ("cost_per_engagement", "time_to_common") else 1.0
    rows = [(x, sign_b * y) for x, y in zip(t[a], t[b])]
    for i, p in enumerate(t["pareto"]):
        assert bool(p) == (not _dominated(i, rows)), (i, rows[i])
    best = int(np.argmax(t[a]))
    assert t["pareto"][best] == 1 and max(t[a]) == max(m[a]["value"] for m in res.frontier["mixes"])
    assert 2 <= res.frontier["pareto"] < res.frontier["evaluated"]  # a trade-off, not a single winner
    # along the frontier, more people engaged costs more per engagement or takes longer
    front = sorted((x, y) for x, y, p in zip(t[a], t[b], t["pareto"]) if p)
    assert all(y1 < y2 for (_, y1), (_, y2) in zip(front, front[1:]))
    if b == "time_to_common":  # the hubs alone are fastest; with one airing, most people engage, later
        assert [m["spent"] for m in res.frontier["mixes"]] == [{"tv": 0.0, "hubs": 800.0},
                                                                    {"tv": 400.0, "hubs": 400.0}]
        assert res.frontier["common_target"] == math.ceil(closed_form(0, 2) / 2)  # half the hubs' 58


def test_a_portfolio_strategy_spends_its_shares_and_hires_from_both_tiers(tmp_path):
    from virality.experiment import build_graph, build_plan, price_list, run_cell
    from virality.pricing import TIERS, tiers

    text = SOCIAL + """
[[strategy]]
name = "portfolio"
budget = 100
broadcast = { share = 0.5 }
influencers = [{ select = "one_per_community", tier = "nano", share = 0.3, trust = 0.08 },
               { select = "one_per_community", tier = "micro", share = 0.2, trust = 0.06 }]
"""
    path = tmp_path / "portfolio.toml"
    path.write_text(text)
    exp, _ = load_config(path)
    g = build_graph(exp.graph, exp.seed)
    plan, info = build_plan(g, exp, 5)
    nodes = np.array(plan.influencers.nodes)
    tier_of = tiers(g, price_list(exp)[0])[nodes]
    assert {TIERS[t] for t in tier_of.tolist()} == {"nano", "micro"}
    assert info.tiers["nano"] > 0 and info.tiers["micro"] > 0 and info.posts == nodes.size == len(set(nodes.tolist()))
    assert plan.influencers.trust == {"nano": 0.08, "micro": 0.06}
    # each group spends its share, up to less than one more post (nano 1, micro 2.5), the broadcast its half
    nano, micro = info.tiers["nano"] * 1.0, info.tiers["micro"] * 2.5
    assert 30 - 1.0 < nano <= 30 + 1e-9 and 20 - 2.5 < micro <= 20 + 1e-9
    tv = plan.broadcast.planned_impressions(g) * exp.prices.cpm / 1000
    assert 0 < tv <= 50 + 1e-9 and info.spend == pytest.approx(nano + micro + tv)
    # the planner's mix of the same two groups and the same money is the same plan (one merging)
    pl = Planner(exp.model_copy(update={"optimize": None}), g, budget=100)
    mix, _ = pl.plan((50.0, 30.0, 20.0, 0.0))
    assert Planner.plan_key(mix) == Planner.plan_key(plan)
    # and it runs like any strategy; a single group written as a list of one is the single group
    cell = run_cell(exp.model_copy(update={"runs": 5}))
    assert cell["summary"]["portfolio"]["metrics"]["engaged"]["value"] > 0
    one = text.replace('influencers = [{ select = "one_per_community", tier = "nano", share = 0.3, trust = 0.08 },\n'
                       '               { select = "one_per_community", tier = "micro", share = 0.2, trust = 0.06 }]',
                       'influencers = [{ select = "one_per_community", tier = "micro" }]')  # as "tv and micro"
    path.write_text(one)
    exp1, _ = load_config(path)
    assert Planner.plan_key(build_plan(g, exp1, 5)[0]) == Planner.plan_key(build_plan(g, exp1, 4)[0])


def test_portfolio_groups_that_overlap_hire_an_account_once_and_spend_the_rest(tmp_path):
    from virality.experiment import build_graph, build_plan

    text = SOCIAL + """
[[strategy]]
name = "overlap"
budget = 100
influencers = [{ select = "top_degree", share = 0.5 }, { select = "top_degree", share = 0.5 }]
"""
    path = tmp_path / "overlap.toml"
    path.write_text(text)
    exp, _ = load_config(path)
    g = build_graph(exp.graph, exp.seed)
    plan, info = build_plan(g, exp, 5)
    nodes = list(plan.influencers.nodes)
    assert len(nodes) == len(set(nodes))  # the second group skipped the first group's accounts
    alone, alone_info = build_plan(g, exp.model_copy(update={"strategy": [exp.strategy[5].model_copy(
        update={"influencers": {"select": "top_degree", "share": 0.5}})]}), 0)
    assert nodes[:len(alone.influencers.nodes)] == list(alone.influencers.nodes)
    assert info.spend > alone_info.spend and info.spend <= 100 + 1e-9


# ----------------------------------------------------------------------------------- (g) CLI of the forms
def test_the_cli_forms_and_frontier_write_their_outputs_and_a_report(write_config, tmp_path):
    cfg = write_config(SOCIAL + '\n[optimize]\noptions = ["tv", "nano", "micro"]\ngrid = 5\n')
    out = tmp_path / "least"
    rc, stdout, stderr = run_cli("optimize", cfg, "--out", out, "--runs", "8", "--form", "least_spend",
                                 "--target", "40", "--frontier", "engaged,time_to_common")
    assert rc == 0, stderr
    summary = json.loads((out / "optimize.json").read_text())
    assert summary["form"] == "least_spend" and summary["least_spend"]["target"] == 40
    assert {"fresh", "reached", "one_step_less", "single_option"} <= set(summary["least_spend"])
    assert summary["path"] and summary["frontier"]["metrics"] == ["engaged", "time_to_common"]
    from virality.tables import read_table
    front, mixes = read_table(out / "frontier.csv"), read_table(out / "mixes.csv")
    assert len(front["mix"]) == int(mixes["pareto"].sum()) == summary["frontier"]["pareto"]
    assert {"engaged", "engaged_low", "engaged_high", "time_to_common", "spend: nano"} <= set(front)
    for fig in ("response_curves", "allocation", "expansion_path", "frontier"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 0
    index = json.loads((out / "figures" / "index.json").read_text())
    assert [e["name"] for e in index] == ["response_curves", "allocation", "expansion_path", "frontier"]
    html = (out / "report.html").read_text()
    assert 'id="plan"' in html and "Budget plan" in html and "Trade-off frontier" in html
    assert html.count("data:image/png;base64") == 4 and "the least in steps of" in html
    assert "the least in steps of" in stdout and "trade-off frontier" in stdout
    out = tmp_path / "marginal"
    rc, stdout, stderr = run_cli("optimize", cfg, "--out", out, "--runs", "8", "--form", "marginal_cost",
                                 "--limit", "0.5", "--no-report", "--quiet")
    assert rc == 0, stderr
    summary = json.loads((out / "optimize.json").read_text())
    assert summary["form"] == "marginal_cost" and summary["marginal_cost"]["limit"] == 0.5
    assert not (out / "report.html").exists() and not (out / "frontier.csv").exists()


def test_a_run_and_a_plan_in_one_folder_share_one_report(write_config, tmp_path):
    """The run's figures and the plan's are listed in one figures/index.json; redrawing either keeps the other."""
    from virality.figures import figures_for_results
    from virality.report import write_report

    cfg = write_config(SOCIAL.replace("runs = 10", "runs = 6") + '\n[optimize]\noptions = ["nano", "micro"]\ngrid = 3\n')
    out = tmp_path / "both"
    assert run_cli("run", cfg, "--out", out, "--quiet")[0] == 0
    assert run_cli("optimize", cfg, "--out", out, "--quiet")[0] == 0
    index = json.loads((out / "figures" / "index.json").read_text())
    groups = [e["group"] for e in index]
    assert groups.count("plan") == 2 and groups.count("results") >= 3
    figures_for_results(out)  # the run's figures again: the plan's stay listed and on disk
    index = json.loads((out / "figures" / "index.json").read_text())
    assert [e["name"] for e in index if e["group"] == "plan"] == ["response_curves", "allocation"]
    assert all((out / "figures" / e["png"]).exists() for e in index)
    html = write_report(out).read_text()
    assert html.count("data:image/png;base64") == len(index) and '<h2 id="plan">Budget plan</h2>' in html
    assert html.index('id="plan"') < html.index('id="figures"') and "What to do:" in html


def test_response_curves_say_why_they_saturate(tmp_path):
    """A tier with few accounts runs out of accounts; the curves say so where money goes unspent."""
    import csv

    from conftest import TINY, run_cli

    cfg = tmp_path / "sat.toml"
    cfg.write_text(TINY.replace('influencers = { select = "top_degree" }',
                                'influencers = { select = "top_degree", tier = "mega" }').replace("budget = 10", "budget = 400"))
    rc, _, err = run_cli("optimize", cfg, "--out", tmp_path / "out", "--runs", "5", "--quiet", "--no-figures",
                         "--no-report")
    assert rc == 0, err
    rows = [r for r in csv.DictReader(open(tmp_path / "out" / "response_curves.csv", newline="")) if r["option"] == "inf"]
    exhausted = [r for r in rows if r["saturation"].startswith("tier exhausted")]
    assert exhausted and all(float(r["spend"]) - float(r["spent"]) > 0 for r in exhausted)
    assert rows[0]["saturation"] == ""  # nothing to say at no spend


def test_an_interrupted_plan_resumes_from_its_simulated_plans(tmp_path, monkeypatch):
    """Ctrl-C after some simulations: the next run simulates only the rest and writes the same plan."""
    import json

    import virality.planner as P
    from conftest import TINY, run_cli

    cfg = tmp_path / "plan.toml"
    cfg.write_text(TINY)
    args = ["--runs", "5", "--quiet", "--no-figures", "--no-report"]
    assert run_cli("optimize", cfg, "--out", tmp_path / "whole", *args)[0] == 0
    real, calls = P.run_campaign, []

    def counted(*a, **kw):
        calls.append(kw.get("runs"))
        if stop and len(calls) == 4:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(P, "run_campaign", counted)
    stop = True
    assert run_cli("optimize", cfg, "--out", tmp_path / "cut", *args)[0] == 130  # Ctrl-C: exit 130
    assert len(list((tmp_path / "cut" / "plan_cache").rglob("*.npz"))) == 3
    calls.clear()
    stop = False
    assert run_cli("optimize", cfg, "--out", tmp_path / "cut", *args)[0] == 0
    whole_calls = json.loads((tmp_path / "whole" / "optimize.json").read_text())["simulations"]["total"]
    assert len([c for c in calls if c == 5]) == whole_calls - 3  # the 3 saved plans are not simulated again
    for name in ("allocation.csv", "response_curves.csv"):
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    strip = lambda d: {k: v for k, v in d.items() if "time" not in k and "second" not in k}  # noqa: E731
    assert strip(json.loads((tmp_path / "cut" / "optimize.json").read_text())) == \
        strip(json.loads((tmp_path / "whole" / "optimize.json").read_text()))
    assert not (tmp_path / "cut" / "plan_cache").exists()
