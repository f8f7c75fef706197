"""Decisions under uncertainty: ranges in configs, worlds, probability of being best."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from conftest import TINY, run_cli
from virality.config import Range, config_ranges, load_config
from virality.uncertainty import _wilson, decision_table, draw_worlds

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
    rc, text, err = run_cli("uncertainty", cfg, "--worlds", "8", "--out", out, "--quiet")
    assert rc == 0, err
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
