"""Decisions under uncertainty: ranges in configs, worlds, probability of being best."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from matplotlib import colors as mcolors
from matplotlib.figure import Figure

from conftest import FIGURES_TINY, TINY, run_cli
from virality.catalog import label
from virality.config import Range, config_ranges, load_config
from virality.plots import strategy_colors
from virality.tables import read_table
from virality.uncertainty import _wilson, decision_keys, decision_table, draw_worlds

pytest.importorskip("scipy")

BROADCASTS = TINY.replace('''[[strategy]]
name = "inf"
budget = 10
influencers = { select = "top_degree" }''', '''[[strategy]]
name = "double"
budget = 20
broadcast = { airings = 2 }''').replace("[prices]", "[broadcast]\ntrust = { uniform = [0.02, 0.2] }\n\n[prices]\ncpm = 40.0")


@pytest.mark.parametrize("value, message", [
    ("{uniform=[0.5,0.1]}", "audience.share_rate: { uniform = [0.5, 0.1] } needs a < b"),
    ("{loguniform=[0,0.1]}", "needs 0 < a < b"),
    ("{triangular=[0.1,0.9,0.5]}", "needs a <= mode <= b and a < b"),
    ("{beta=[0,1]}", "needs a > 0 and b > 0"),
    ("{uniform=[0.1]}", "{ uniform = ... } takes 2 numbers"),
    ("{choice=[]}", "takes a non-empty list of values"),
    ("{uniform=[0.5,2.0]}", "audience.share_rate"),  # the median 1.25 is validated like any value: out of [0, 1]
])
def test_bad_ranges_are_exit_2_naming_the_key(write_config, value, message):
    cfg = write_config(TINY)
    rc, _, err = run_cli("validate", cfg, "--set", f"audience.share_rate={value}")
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1


def test_ranges_are_found_and_validated_at_their_median(write_config):
    cfg = write_config(BROADCASTS.replace("p = 0.1", "p = { choice = [0.05, 0.1, 0.2] }"))
    exp, raw = load_config(cfg)
    assert set(config_ranges(raw)) == {"broadcast.trust", "graph.p"}
    assert exp.broadcast.trust == pytest.approx(0.11) and exp.graph.p == 0.1
    assert Range("x", "triangular", (0.0, 0.0, 1.0)).value(0.75) == pytest.approx(0.5)  # 1 - sqrt(0.25)


def test_worlds_fill_the_space_and_repeat_with_the_seed():
    ranges = {"a": Range("a", "uniform", (0.0, 1.0)), "b": Range("b", "loguniform", (1.0, 100.0))}
    w = draw_worlds(ranges, 16, seed=3)
    a = np.array([x["a"] for x in w])
    assert np.array_equal(np.sort((a * 16).astype(int)), np.arange(16))  # one world in each sixteenth
    assert w == draw_worlds(ranges, 16, seed=3) and w != draw_worlds(ranges, 16, seed=4)


def test_a_dominating_strategy_is_best_in_every_world_and_a_world_reruns_alone(write_config, tmp_path):
    cfg = write_config(BROADCASTS)
    out = tmp_path / "unc"
    rc, text, err = run_cli("uncertainty", cfg, "--worlds", "8", "--out", out, "--quiet", "--no-figures")
    assert rc == 0, err
    assert not (out / "figures").exists() and not (out / "report.html").exists()  # as --no-figures says
    rows = list(csv.DictReader(open(out / "decision.csv", newline="")))
    engaged = {r["strategy"]: r for r in rows if r["metric"] == "engaged"}
    # twice the money buys twice the reach; on common random numbers it engages a superset in every run
    assert float(engaged["double"]["p_best"]) == 1.0 and float(engaged["double"]["expected_regret"]) == 0.0
    assert float(engaged["double"]["vs_baseline_q05"]) > 0 and float(engaged["tv"]["p_best"]) == 0.0
    worlds = list(csv.DictReader(open(out / "worlds.csv", newline="")))
    assert len(worlds) == 8 and len({w["broadcast.trust"] for w in worlds}) == 8
    # world 5 run alone, as an ordinary config with that value, gives the same runs byte for byte
    alone = tmp_path / "alone"
    rc, _, err = run_cli("run", cfg, "--out", alone, "--quiet", "--no-figures",
                         "--set", f"broadcast.trust={worlds[5]['broadcast.trust']}")
    assert rc == 0, err
    assert (alone / "cells" / "cell_0000" / "runs.csv").read_bytes() == \
        (out / "cells" / "cell_0005" / "runs.csv").read_bytes()


def test_decision_table_splits_ties_and_gives_regret():
    cell = lambda a, b: {"strategies": ["a", "b"], "summary": {  # noqa: E731
        "a": {"metrics": {"engaged": {"value": a}}}, "b": {"metrics": {"engaged": {"value": b}}}}}
    t = decision_table({"baseline": "a", "cells": [cell(1, 2), cell(3, 3), cell(5, 1), cell(0, 4)]},
                       metrics=("engaged",))
    got = {s: (p, r) for s, p, r in zip(t["strategy"], t["p_best"], t["expected_regret"])}
    assert got["a"] == (pytest.approx(1.5 / 4), pytest.approx((1 + 0 + 0 + 4) / 4))
    assert got["b"] == (pytest.approx(2.5 / 4), pytest.approx((0 + 0 + 4 + 0) / 4))
    lo, hi = _wilson(8, 8)
    assert hi == 1.0 and 0.6 < lo < 0.7  # Wilson: 8 of 8 is not certainty


def test_sobol_indices_say_which_unknown_decides(write_config, tmp_path):
    pytest.importorskip("SALib")
    # engaged depends on the broadcast's trust and not at all on the conversion rate
    cfg = write_config(BROADCASTS.replace("[prices]", "[audience]\nconvert_rate = { uniform = [0.01, 0.2] }\n\n[prices]"))
    out = tmp_path / "sens"
    rc, text, err = run_cli("uncertainty", cfg, "--sensitivity", "16", "--out", out, "--pair", "double,tv")
    assert rc == 0, err
    rows = list(csv.DictReader(open(out / "sensitivity.csv", newline="")))
    idx = {(r["output"], r["metric"], r["key"]): float(r["ST"]) for r in rows}
    assert len(list(csv.DictReader(open(out / "worlds.csv")))) == 16 * (2 + 2)
    assert idx[("double - tv", "engaged", "broadcast.trust")] > 0.9
    assert abs(idx[("double - tv", "engaged", "audience.convert_rate")]) < 0.02
    assert "which unknown decides reach: people engaged of double - tv" in text
    # the decision map's axes: by total-order index when there is one, else by rank correlation over the worlds
    summary = json.loads((out / "summary.json").read_text())
    chosen = decision_keys(summary, "engaged", sensitivity=read_table(out / "sensitivity"), n=1)
    assert chosen["keys"] == ["broadcast.trust"] and chosen["by"] == "sobol" and chosen["output"] == "double - tv"
    chosen = decision_keys(summary, "engaged", n=1)
    assert chosen["keys"] == ["broadcast.trust"] and chosen["by"] == "spearman" and chosen["scores"][0] > 0.9



def test_sobol_indices_of_a_product_of_uniforms_match_the_closed_form():
    """The estimator of the validation experiments/validation/sobol_broadcast.py on the exact broadcast response
    N x reach x trust x alignment (no simulation): within 2 bootstrap half-widths and 0.03 of the analytic values."""
    pytest.importorskip("SALib")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments" / "validation"))
    from sobol_broadcast import RANGES, product_sobol

    from virality.uncertainty import sensitivity_worlds, sobol_indices
    ranges = {k: Range(k, "uniform", b) for k, b in RANGES.items()}
    worlds = sensitivity_worlds(ranges, 2048, seed=3)
    s = sobol_indices(ranges, np.array([np.prod([w[k] for k in ranges]) for w in worlds]), seed=3)
    s1, st = product_sobol([RANGES[k] for k in s["key"]])
    assert s1.sum() < 1 < st.sum()  # a product interacts
    for got, conf, want in ((s["S1"], s["S1_conf"], s1), (s["ST"], s["ST_conf"], st)):
        assert np.all(np.abs(np.array(got) - want) <= np.minimum(2 * np.array(conf), 0.03)), (got, want)

# ------------------------------------------------------------------------------------- Morris screening
def test_morris_screens_out_a_parameter_without_effect():
    pytest.importorskip("SALib")
    from virality.uncertainty import morris_indices, morris_worlds

    r = {"a": Range("a", "uniform", (0.0, 1.0)), "b": Range("b", "uniform", (-1.0, 1.0)),
         "c": Range("c", "choice", (1.0, 5.0, 9.0))}
    w = morris_worlds(r, 10, seed=3)
    assert len(w) == 10 * (3 + 1) and 0 < min(x["a"] for x in w) and max(x["a"] for x in w) < 1  # no world at an end
    m = morris_indices(r, np.array([x["a"] + 2 * x["b"] for x in w]), seed=3)  # c has no effect at all
    mu = dict(zip(m["key"], m["mu_star"]))
    # additive and linear: every elementary effect is the change across the whole range (a: 1, b: 2 x 2 = 4)
    assert mu["a"] == pytest.approx(1.0) and mu["b"] == pytest.approx(4.0) and mu["c"] == 0.0
    assert m["sigma"] == pytest.approx([0, 0, 0], abs=1e-9)
    # a multiplicative term: effects differ from trajectory to trajectory (sigma > 0)
    m = morris_indices(r, np.array([x["a"] * x["b"] for x in w]), seed=3)
    assert min(m["sigma"][:2]) > 0 and m["mu_star"][2] == 0.0


def test_morris_on_a_config_says_which_unknown_moves_the_difference(write_config, tmp_path):
    pytest.importorskip("SALib")
    cfg = write_config(BROADCASTS.replace("[prices]", "[audience]\nconvert_rate = { uniform = [0.01, 0.2] }\n\n[prices]"))
    out = tmp_path / "morris"
    rc, text, err = run_cli("uncertainty", cfg, "--morris", "6", "--out", out, "--pair", "double,tv")
    assert rc == 0, err
    assert len(list(csv.DictReader(open(out / "worlds.csv")))) == 6 * (2 + 1)
    with open(out / "morris.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames == ["output", "metric", "key", "mu_star", "mu_star_conf", "sigma"]
    mu = {(r["output"], r["metric"], r["key"]): float(r["mu_star"]) for r in rows}
    assert {r["output"] for r in rows} == {"tv", "double", "double - tv"}  # the same outputs as the Sobol' table
    assert mu[("double - tv", "engaged", "broadcast.trust")] > 1
    assert mu[("double - tv", "engaged", "audience.convert_rate")] < 0.01 * mu[("double - tv", "engaged", "broadcast.trust")]
    assert "which unknown moves reach: people engaged of double - tv" in text
    assert not (out / "sensitivity.csv").exists()
    rc, _, err = run_cli("uncertainty", cfg, "--morris", "2", "--sensitivity", "2", "--out", tmp_path / "both")
    assert rc == 2 and "give one of them" in err


# ------------------------------------------------------------------------------------- decision figures and report
#: three strategies whose winner changes with the two trusts
DECIDE = FIGURES_TINY.replace("trust = 0.05\n", "trust = { uniform = [0.002, 0.06] }\n", 1) \
    .replace("trust = 0.2\n", "trust = { loguniform = [0.05, 0.8] }\n", 1)


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    folder = tmp_path_factory.mktemp("decide")
    (folder / "decide.toml").write_text(DECIDE)
    rc, _, err = run_cli("uncertainty", folder / "decide.toml", "--worlds", "8", "--out", folder / "out", "--quiet")
    assert rc == 0, err
    return folder / "out"


def test_the_probability_of_best_bars_are_decision_csv(decided):
    from virality.decision_plots import probability_of_best

    table = read_table(decided / "decision")
    names = ["mass media", "micro", "nano"]
    axes = probability_of_best(table, Figure(), strategies=names)
    metrics = list(dict.fromkeys(table["metric"].tolist()))
    assert len(axes) == len(metrics) == 4
    for ax, metric in zip(axes, metrics):
        bars = [p for p in ax.patches if p.get_gid() == "p_best"]
        want = {s: p for m, s, p in zip(table["metric"], table["strategy"], table["p_best"]) if m == metric}
        assert [b.get_width() for b in bars] == pytest.approx([want[n] for n in names])
        assert [mcolors.to_hex(b.get_facecolor()) for b in bars] == [strategy_colors(names)[n].lower() for n in names]
        assert label(metric) in ax.get_title(loc="left")


def test_the_probability_of_best_bolds_every_tied_top_strategy_and_only_those():
    from virality.decision_plots import probability_of_best

    # speed: three strategies tie at the top, as in the flagship, and one is just below them, at what rounds to
    # the same whole percent; reach: one clear winner
    names = ["mass media", "micro", "nano", "micro-aligned"]
    p = {"speed": [0.166, 0.172, 0.172, 0.172], "reach": [0.6, 0.2, 0.1, 0.1]}
    table = {k: [] for k in ("metric", "strategy", "p_best", "p_best_low", "p_best_high", "worlds")}
    for metric, shares in p.items():
        for name, share in zip(names, shares):
            for key, value in (("metric", metric), ("strategy", name), ("p_best", share),
                               ("p_best_low", share / 2), ("p_best_high", min(1.0, 2 * share)), ("worlds", 12)):
                table[key].append(value)
    for ax, metric in zip(probability_of_best(table, Figure(), strategies=names), p):
        labels = [t for t in ax.texts if t.get_gid() == "p_best_label"]
        bold = [n for n, t in zip(names, labels) if t.get_fontweight() == "bold"]
        top = max(p[metric])
        assert bold == [n for n, s in zip(names, p[metric]) if s == top]
        # a label in bold never reads like one that is not: the near-tie gets a decimal
        shown = [t.get_text().split("%")[0] for t in labels]
        assert not {s for s, t in zip(shown, labels) if t.get_fontweight() == "bold"} & \
            {s for s, t in zip(shown, labels) if t.get_fontweight() != "bold"}
        if metric == "speed":
            assert shown == ["16.6", "17.2", "17.2", "17.2"]
    assert bold == ["mass media"]


def test_the_decision_map_colours_each_world_by_its_winner(decided):
    from virality.decision_plots import decision_map

    summary = json.loads((decided / "summary.json").read_text())
    colors = strategy_colors(summary["cells"][0]["strategies"])
    winners = []
    for c in summary["cells"]:
        v = {n: c["summary"][n]["metrics"]["engaged"]["value"] for n in c["strategies"]}
        winners.append(max(v, key=v.get))
    assert len(set(winners)) > 1  # the premise: the decision turns on the parameters
    keys = ["broadcast.trust", "influencers.trust"]
    ax = decision_map(summary, keys, "engaged", Figure().add_subplot(), runs=read_table(decided / "runs"),
                      log=(False, True))
    (points,) = [c for c in ax.collections if c.get_gid() == "worlds"]
    assert [mcolors.to_hex(c) for c in points.get_edgecolors()] == [colors[w].lower() for w in winners]
    xy = points.get_offsets()
    assert np.allclose(xy[:, 0], [c["overrides"][keys[0]] for c in summary["cells"]])  # no two worlds share a point
    assert ax.get_yscale() == "log" and "influencers.trust" in ax.get_ylabel()
    # the legend counts the worlds each strategy wins, as decision.csv does (no exact ties here)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    table = read_table(decided / "decision")
    for n in set(winners):
        p = next(p for m, s, p in zip(table["metric"], table["strategy"], table["p_best"]) if m == "engaged" and s == n)
        assert f"{n} wins ({winners.count(n)} of 8 worlds)" in legend and p == winners.count(n) / 8


def test_the_tornado_draws_the_indices_of_the_paired_output():
    from virality.decision_plots import sensitivity_tornado

    table = {"output": np.array(["a"] * 2 + ["a - b"] * 4, dtype=object),
             "metric": np.array(["engaged"] * 4 + ["cost_per_engagement"] * 2, dtype=object),
             "key": np.array(["x", "y", "x", "y", "x", "y"], dtype=object),
             "S1": np.array([0.5, 0.4, 0.1, 0.7, 0.2, 0.0]), "S1_conf": np.full(6, 0.05),
             "ST": np.array([0.6, 0.4, 0.2, 0.8, 0.3, 0.01]), "ST_conf": np.full(6, 0.05)}
    axes = sensitivity_tornado(table, "a - b", Figure())
    assert len(axes) == 2
    st = [p.get_width() for p in axes[0].patches if p.get_gid() == "ST"]
    s1 = [p.get_width() for p in axes[0].patches if p.get_gid() == "S1"]
    assert st == pytest.approx([0.8, 0.2]) and s1 == pytest.approx([0.7, 0.1])  # y (largest total order) on top
    assert [t.get_text() for t in axes[0].get_yticklabels()][0].startswith("y")


def test_the_report_of_an_uncertainty_run_has_the_decision_and_its_figures(decided):
    from virality.report import WORLD_CAP

    html = (decided / "report.html").read_text()  # drawn by `virality uncertainty` itself, with its figures
    names = [e["name"] for e in json.loads((decided / "figures" / "index.json").read_text())]
    assert {"decision_p_best", "decision_map_engaged", "decision_map_cost_per_engagement"} <= set(names)
    assert not any(n.startswith(("sweep_", "phase_")) for n in names)  # the worlds are no grid to draw lines through
    decision = html[html.index('<h2 id="decision">'):html.index('<h2 id="findings">')]
    assert "Each of its 8 cells is a world" in decision
    for n in ("decision_p_best", "decision_map_engaged"):  # embedded once, in the decision section
        assert html.count(f'id="fig-{n}"') == 1 and f'id="fig-{n}"' in decision
    assert decision.count("<img") == 3 and "Figure 1. Which strategy is best how often" in decision
    table = read_table(decided / "decision")
    for m, s, p in zip(table["metric"], table["strategy"], table["p_best"]):
        if m == "engaged":
            assert f"{100 * p:.0f}% [" in decision
    assert "Who wins each world" in decision and "Sweep summary" not in html
    # the cell-by-cell sections show a few worlds, not all of them
    comparison = html[html.index('<h2 id="comparison">'):html.index('<h2 id="paired">')]
    assert comparison.count("<h3>World ") == WORLD_CAP and "Worlds 3-7: see the decision section" in comparison
    assert html.count('<figure id="fig-') == len(names)


def test_a_run_reports_the_decision_of_its_uncertainty_folder_as_decision_csv_says(tmp_path):
    """The flagship's layout: RUN/ (medians) and RUN/uncertainty/ (the same config over worlds): RUN's report
    opens with each strategy's P(best) and its interval, the numbers of uncertainty/decision.csv."""
    from virality.report import UNCERTAINTY_DIR, write_report

    (tmp_path / "decide.toml").write_text(DECIDE)
    run = tmp_path / "run"
    rc, _, err = run_cli("run", tmp_path / "decide.toml", "--out", run, "--quiet", "--no-report")
    assert rc == 0, err
    assert 'id="decision"' not in write_report(run).read_text()  # nothing uncertain run yet: no section
    sub = run / UNCERTAINTY_DIR
    rc, _, err = run_cli("uncertainty", tmp_path / "decide.toml", "--worlds", "8", "--out", sub, "--quiet")
    assert rc == 0, err
    assert (sub / "report.html").exists()
    html = write_report(run).read_text()
    assert '<a href="#decision">' in html and f'<a href="{UNCERTAINTY_DIR}/report.html">' in html
    section = html[html.index('<h2 id="decision">'):html.index('<h2 id="findings">')]
    assert "8 worlds" in section and "Figure 1. Which strategy is best how often" in section
    assert "Figure 2." in html[html.index('<h2 id="figures">'):]  # numbered on after the decision figure
    table = read_table(sub / "decision")
    blocks = section.split("<h3>")[1:]
    metrics = list(dict.fromkeys(str(m) for m in table["metric"]))
    assert len(blocks) == len(metrics)
    for metric, block in zip(metrics, blocks):
        assert block.startswith(label(metric))
        shown = [block.index(f"{100 * p:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]")
                 for m, p, lo, hi in zip(table["metric"], table["p_best"], table["p_best_low"], table["p_best_high"])
                 if str(m) == metric]
        assert len(shown) == 3
    # another experiment's folder in its place is not mistaken for this run's decision
    (run / "summary.json").write_text((run / "summary.json").read_text().replace('"name": "tiny"', '"name": "other"'))
    assert 'id="decision"' not in write_report(run).read_text()
