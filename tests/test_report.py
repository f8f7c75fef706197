"""Findings a decision can rest on: absolute metrics, shares named as shares, ties said as ties."""

from __future__ import annotations

import numpy as np

from virality.catalog import FINDINGS, METRICS
from virality.report import comparison_rows, headline_findings


def cell(values: dict[str, dict[str, float]]) -> dict:
    """A summary cell with point values only (no intervals)."""
    return {"strategies": list(values), "summary": {
        name: {"plan": {"spend": 100.0, "posts": 1, "airings": 0},
               "metrics": {m: {"value": v, "low": None, "high": None} for m, v in vals.items()}}
        for name, vals in values.items()}}


def test_word_of_mouth_is_won_in_absolute_terms_not_by_share():
    # mass media has the larger peer *share* (70% of its few engagements); nano engages far more people by peers
    c = cell({"mass media": {"engaged": 1000.0, "engaged_peer": 700.0, "grassroots_share": 0.7},
              "nano": {"engaged": 10000.0, "engaged_peer": 4000.0, "grassroots_share": 0.4}})
    found = dict(headline_findings(c))
    assert found["Most word of mouth"].startswith("nano: 4,000 people engaged by peers per run (40.0% of its own "
                                                  "engagements); runner-up mass media: 700")
    assert "mass media" not in found["Most word of mouth"].split(";")[0]
    # and no finding, table mark or panel says "best" of a share
    assert all(METRICS[m].style != "percent" or METRICS[m].better is not None for m, _ in FINDINGS)
    assert METRICS["grassroots_share"].better is None and METRICS["grassroots_share"].share_of == "engaged"


def test_a_finding_whose_paired_interval_holds_zero_is_a_tie():
    rng = np.random.default_rng(1)
    base = rng.normal(100, 10, 200)
    noise = rng.normal(0, 5, 200)
    runs = {"strategy": np.array(["a"] * 200 + ["b"] * 200, dtype=object), "run": np.r_[np.arange(200), np.arange(200)],
            "engaged": np.r_[base + noise, base]}  # a is higher on average, by noise only
    a, b = runs["engaged"][:200].mean(), runs["engaged"][200:].mean()
    c = cell({"a": {"engaged": a}, "b": {"engaged": b}})
    found = dict(headline_findings(c, runs))
    (headline, text), = [(h, t) for h, t in found.items() if h.startswith("Most people engaged")]
    diff = runs["engaged"][:200] - runs["engaged"][200:]
    half = 1.96 * diff.std(ddof=1) / np.sqrt(200)
    assert abs(diff.mean()) < half  # the premise: the interval holds zero
    assert headline == "Most people engaged: a tie" and "cannot be told apart" in text and "includes zero" in text
    # a real difference is stated as a win
    runs["engaged"] = np.r_[base + 20 + noise, base]
    c = cell({"a": {"engaged": runs["engaged"][:200].mean()}, "b": {"engaged": b}})
    found = dict(headline_findings(c, runs))
    assert found["Most people engaged"].startswith("a: ") and "95% interval" in found["Most people engaged"]


def test_comparison_rows_show_n_a_for_a_metric_an_old_run_lacks():
    c = cell({"x": {"engaged": 5.0}, "y": {"engaged": 6.0}})
    header, rows = comparison_rows(c)
    peer = next(r for r in rows if r[1] == "engaged by peers")
    assert peer[2:] == ["n/a", "n/a"]


def test_speed_is_timed_to_one_target_for_every_strategy():
    from virality.metrics import common_target, time_to_reach

    # two strategies: a reaches 100 people, b 10; both are timed to 5 people (half the smaller reach)
    a = {"engaged": np.array([100.0, 100.0])}
    b = {"engaged": np.array([10.0, 10.0])}
    assert common_target([a, b]) == 5
    steps_a = np.array([[0, 50, 50, 0], [0, 1, 2, 97]])  # run 2 of a gets to 5 only in step 3
    steps_b = np.array([[0, 5, 5, 0], [0, 0, 0, 4]])  # run 2 of b never gets there: censored at the horizon
    assert time_to_reach(steps_a, 5, horizon=10).tolist() == [1.0, 3.0]
    assert time_to_reach(steps_b, 5, horizon=10).tolist() == [1.0, 10.0]
    # half of each strategy's *own* reach would have called b faster in run 1 (5 of 10 at step 1 vs 50 of 100 at
    # step 1: a tie) and hidden that b needs the whole horizon in run 2
    c = cell({"a": {"engaged": 100.0, "time_to_common": 2.0}, "b": {"engaged": 10.0, "time_to_common": 5.5}})
    c["common_reach"] = 5
    found = dict(headline_findings(c))
    assert found["Fastest"].startswith("a: 2 steps until 5 people engaged (the same target for every strategy")
