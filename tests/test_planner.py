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
])
def test_bad_optimize_keys_are_exit_2_naming_the_key(write_config, tmp_path, section, key):
    cfg = write_config(SOCIAL + f"\n[optimize]\n{section}\n")
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "out", "--quiet")
    assert rc == 2, (rc, stderr)
    assert key in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out" / "allocation.csv").exists()


def test_bad_command_line_values_are_exit_2(write_config, tmp_path):
    cfg = write_config(SOCIAL)
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "o", "--objective", "likes", "--quiet")
    assert rc == 2 and "optimize.objective" in stderr and "engaged" in stderr
    rc, _, stderr = run_cli("optimize", cfg, "--out", tmp_path / "o", "--budget", "inf", "--quiet")
    assert rc == 2 and "optimize.budget" in stderr
    # two broadcast-only strategies cannot both be options of one plan
    two_tv = SOCIAL + '\n[[strategy]]\nname = "radio"\nbudget = 100\nbroadcast = { reach = 0.1 }\n'
    rc, _, stderr = run_cli("optimize", write_config(two_tv, "two.toml"), "--out", tmp_path / "o", "--quiet")
    assert rc == 2 and "optimize.options" in stderr and "'radio'" in stderr
