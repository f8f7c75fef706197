"""One rule for writing numbers (issue #13 item 8), in :mod:`virality.catalog`, used by every table, finding and label.

A value with an interval is written to the decimal place of the half-width rounded to two significant digits
(money, an index and a percentage stop at cents, 0.001 and 0.1 point unless that hides the half-width's first
digit), and its ± to the same place; a zero-width interval is written once with "(every run)"; whole counts are
whole numbers; zero has no sign; shares are "%", differences of shares "pts".
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import TINY, run_cli
from matplotlib.figure import Figure

from virality import plots
from virality.catalog import (EVERY_RUN, METRICS, difference_parts, fmt, fmt_amount, fmt_difference, fmt_estimate,
                              fmt_fixed, fmt_value)
from virality.report import _paired_html, comparison_rows, headline_findings, key_node_rows

NAN = float("nan")
#: a zero with a sign: "-0", "+0.00" (not "-0.003")
NEGATIVE_ZERO = r"[-+]0(\.0*)?(?![\d.,])"


def ci(value: float, half: float) -> tuple[float, float, float]:
    return value, value - half, value + half


# ------------------------------------------------------------------------------------- the brief's examples
def test_the_three_examples_of_the_rule():
    assert fmt_estimate("engaged", *ci(4960.3, 60.91)) == "4,960 ±61"
    assert fmt_estimate("contextual_alignment", *ci(0.3212, 0.0041)) == "0.321 ±0.004"
    assert fmt_estimate("engaged", *ci(44.76, 2.02)) == "44.8 ±2.0"


def test_the_wandering_formats_of_the_issue_are_gone():
    # "110 [110, 110]": a zero-width interval is the value once, said to hold in every run
    assert fmt_estimate("engaged", 110.0, 110.0, 110.0) == "110 (every run)"
    assert fmt_difference("engaged", 110.0, 110.0 - 1e-13, 110.0 + 1e-13) == "+110 (every run)"
    # ... and a narrow interval that is not zero shows bounds that differ
    assert fmt_difference("engaged", *ci(110.0, 0.4)) == "+110.00 [+109.60, +110.40]"
    # "-0.00 [-0.00, -0.00]": identical strategies differ by floating-point noise
    assert fmt_difference("cost_per_engagement", -1e-17, -3e-17, 1e-17) == "0.00 (every run)"
    assert fmt_difference("engagement_rate", -1e-17, -3e-17, 1e-17) == "0.0 pts (every run)"
    # "0.02 ±0.00": money stops at cents only while the half-width keeps a digit
    assert fmt_estimate("cost_per_engagement", *ci(0.0213, 0.0031)) == "0.021 ±0.003"
    assert fmt_estimate("cost_per_engagement", *ci(0.4012, 0.011)) == "0.40 ±0.01"
    # "44.76 ±2.02" beside "155 ±3.13": one rule for both
    assert fmt_estimate("engaged", *ci(155.2, 3.13)) == "155.2 ±3.1"
    # "2.00" for a step count with no interval
    assert fmt("time_to_half", 2.0) == fmt_estimate("time_to_half", 2.0, NAN, NAN) == "2"
    assert fmt_estimate("time_to_half", 2.0, 2.0, 2.0) == "2 (every run)"
    # "-4.00 [-4.00, -4.00]"
    assert fmt_difference("time_to_half", -4.0, -4.0 - 4e-16, -4.0 + 4e-16) == "-4 (every run)"


# ------------------------------------------------------------------------------------- rule by rule
def test_half_width_to_two_significant_digits_and_the_value_to_the_same_place():
    assert fmt_estimate("unique_exposed", *ci(59288.4, 183.0)) == "59,290 ±180"  # tens: the value too
    assert fmt_estimate("unique_exposed", *ci(77659.2, 90.57)) == "77,659 ±91"
    assert fmt_estimate("engaged", *ci(42.43, 0.0996)) == "42.43 ±0.10"  # 0.0996 rounds up to 0.10: two digits
    assert fmt_estimate("structural_virality", *ci(3.28, 0.06)) == "3.280 ±0.060"
    assert fmt_estimate("cost_per_conversion", *ci(1234.567, 12.4)) == "1,235 ±12"  # money: separators


def test_style_units_of_account_stop_at_cents_points_and_thousandths():
    assert fmt_estimate("cost_per_engagement", *ci(0.96, 0.034)) == "0.96 ±0.03"
    assert fmt_estimate("cost_per_engagement", *ci(0.398, 0.0031)) == "0.398 ±0.003"
    assert fmt_estimate("positive_share", *ci(0.7884, 0.0012)) == "78.8% ±0.1"
    assert fmt_estimate("engagement_rate", *ci(0.02642, 0.0004)) == "2.64% ±0.04"
    assert fmt_estimate("contextual_alignment", *ci(0.6386, 0.0012)) == "0.639 ±0.001"
    assert fmt_estimate("contextual_alignment", *ci(0.6386, 0.00041)) == "0.6386 ±0.0004"


def test_counts_are_whole_numbers_when_whole_and_means_of_counts_follow_the_rule():
    counts = [m.name for m in METRICS.values() if m.count]
    assert {"engaged", "unique_exposed", "time_to_half", "time_to_peak", "depth", "impressions"} <= set(counts)
    assert not METRICS["structural_virality"].count and not METRICS["engagement_rate"].count
    for name in counts:
        assert fmt(name, 7.0) == "7" and fmt(name, 12345.0) == "12,345"
        assert fmt_difference(name, -3.0) == "-3"
    assert fmt("time_to_half", 2.46) == "2.46" and fmt("structural_virality", 2.0) == "2.00"
    assert fmt_estimate("time_to_half", *ci(3.0, 0.05)) == "3.000 ±0.050"


def test_zero_has_no_sign():
    for metric in METRICS:
        for x in (-1e-17, -0.0, -0.0004, -0.00004):
            texts = [fmt(metric, x), fmt_value(metric, x), fmt_difference(metric, x),
                     fmt_estimate(metric, *ci(x, 1.0)), fmt_difference(metric, *ci(x, 1.0)),
                     fmt_estimate(metric, x, x, x), fmt_difference(metric, x, x, x)]
            for text in texts:
                assert not re.search(NEGATIVE_ZERO, text), (metric, x, text)
    assert fmt_difference("engaged", *ci(-0.2, 30.0)) == "0 [-30, +30]"  # half-width 30 -> whole numbers
    assert fmt_amount(-0.0) == "0" and fmt_fixed(-0.0004, 3) == "0.000"


def test_shares_keep_percent_and_differences_are_points():
    assert fmt("engagement_rate", 0.123456) == "12.3%"  # no interval: at most one decimal
    assert fmt("engagement_rate", 0.0004) == "0.0%"
    assert fmt_difference("engagement_rate", *ci(0.0512, 0.0025)) == "+5.1 pts [+4.9, +5.4]"
    assert fmt_difference("grassroots_share", 0.031) == "+3.1 pts"
    p = difference_parts("engagement_rate", *ci(0.0512, 0.0025))
    assert (p.value, p.low, p.high, p.unit, p.every_run) == ("+5.1 pts", "+4.9", "+5.4", " pts", False)


def test_missing_values_and_intervals():
    assert fmt_estimate("engaged", None, None, None) == "n/a" == fmt_difference("engaged", NAN, 0.0, 1.0)
    assert fmt_estimate("engaged", 5.5, None, 7.0) == "5.50"  # no interval: the single-value format
    assert fmt_value("engaged", *ci(154.43, 6.03)) == "154.4" and fmt_value("engaged", 154.43) == "154"


@pytest.mark.parametrize("metric", ["engaged", "engagement_rate", "cost_per_engagement", "contextual_alignment",
                                    "structural_virality", "time_to_half"])
def test_value_and_half_width_always_share_their_decimals(metric):
    rng = np.random.default_rng(13)
    scale = 100.0 if METRICS[metric].style == "percent" else 1.0
    for _ in range(2000):
        value = rng.choice([-1, 1]) * 10.0 ** rng.uniform(-4, 5)
        half = abs(value) * 10.0 ** rng.uniform(-5, 1)
        text = fmt_estimate(metric, *ci(value, half))
        assert text.count("±") == 1, text
        v, h = text.split(" ±")
        decimals = [len(x.split(".")[1]) if "." in x else 0 for x in (v.rstrip("%"), h)]
        assert decimals[0] == decimals[1], text
        written = float(h.replace(",", ""))
        assert written > 0, text  # the half-width's first significant digit is always shown
        assert 0.6 <= written / (half * scale) <= 1.4, text  # one or two significant digits of it
        digits = h.replace(",", "").replace(".", "").lstrip("0")
        assert 1 <= len(digits.rstrip("0") if decimals[1] == 0 else digits) <= 2, text
        d = fmt_difference(metric, *ci(value, half))
        lo, hi = re.fullmatch(r"(\S+)(?: pts)? \[(\S+), (\S+)\]", d).group(2, 3)
        assert lo != hi, d


# ------------------------------------------------------------------------------------- everywhere a number is shown
def cell(**metrics: dict[str, tuple[float, float, float]]) -> dict:
    """A summary cell: strategy -> metric -> (value, low, high); paired differences against the first."""
    names = list(next(iter(metrics.values())))
    return {"strategies": names, "summary": {n: {
        "plan": {"spend": 100.0, "posts": 1, "airings": 0},
        "metrics": {m: dict(zip(("value", "low", "high"), by[n])) for m, by in metrics.items()},
        "vs_baseline": {m: dict(zip(("value", "low", "high"), np.subtract(by[n], by[names[0]][0]).tolist()))
                        for m, by in metrics.items()}} for n in names}}


EXAMPLE = cell(engaged={"a": ci(44.76, 2.02), "b": ci(155.0, 3.13), "c": (44.76, 44.76, 44.76)},
               time_to_half={"a": (2.0, 2.0, 2.0), "b": (2.0, NAN, NAN), "c": (2.0, 2.0, 2.0)},
               time_to_common={"a": (2.0, 2.0, 2.0), "b": (2.0, NAN, NAN), "c": (2.0, 2.0, 2.0)},
               cost_per_engagement={"a": ci(0.0213, 0.0031), "b": ci(0.0213, 0.0031), "c": ci(0.0213, 0.0031)},
               engagement_rate={"a": ci(0.0421, 0.002), "b": ci(0.063, 0.002), "c": ci(0.0421, 0.002)})


def test_comparison_rows_write_each_estimate_by_the_rule():
    header, rows = comparison_rows(EXAMPLE)
    by = {r[1]: dict(zip(header[2:], r[2:])) for r in rows}
    assert by["engaged (reach)"] == {"a": "44.8 ±2.0", "b": "155.0 ±3.1", "c": "44.76 (every run)"}
    assert by["steps to half of its own reach"] == {"a": "2 (every run)", "b": "2", "c": "2 (every run)"}
    assert by["cost per engagement"]["a"] == "0.021 ±0.003"
    assert by["spend"] == {"a": "100", "b": "100", "c": "100"}
    _, bare = comparison_rows(EXAMPLE, with_ci=False)
    assert dict(zip(header[2:], next(r for r in bare if r[1] == "engaged (reach)")[2:])) == \
        {"a": "44.8", "b": "155.0", "c": "44.76"}


def test_paired_html_and_findings_use_the_rule():
    html = _paired_html(EXAMPLE, "a", {})
    assert "+110.2" in html and "[+107.1, +113.4]" in html  # 155.0 - 44.76, half-width 3.13
    assert f'>0 <span class="ci">{EVERY_RUN}</span>' in html  # c: as many people as a in every run
    assert not re.search(NEGATIVE_ZERO, html) and "-0.003" in html
    assert "+2.1 pts" in html
    found = dict(headline_findings(EXAMPLE, baseline="a"))
    assert found["Most people engaged"].startswith("b: 155.0 people per run; runner-up a: 44.8")
    assert found["Highest engagement rate"].startswith("b: 6.3% of the people exposed engaged")


def test_key_node_columns_keep_their_fixed_formats_without_negative_zero():
    nodes = {"strategy": np.array(["a", "a"], dtype=object), "node": np.array([0, 1]), "followers": np.array([5, 3]),
             "community": np.array([0, 0]), "seeded": np.array([0, 0]), "engage_probability": np.array([0.5, -0.0]),
             "direct": np.array([1.0, -0.0]), "ripple": np.array([2.0, 1.0]), "bridging": np.array([-0.0, -0.0]),
             "early": np.array([0.25, -0.0])}
    (item,) = key_node_rows(nodes, top=2)
    assert item["rows"][0][5:] == ["0.500", "1.000", "2.00", "0.000", "0.250"]
    assert not any(x.startswith("-0") for row in item["rows"] for x in row)


def test_comparison_panel_labels_are_values_to_their_interval():
    fig = plots.comparison_panel(EXAMPLE, Figure())
    labels = {m: [t.get_text() for t in ax.texts if t.get_text()[:1].isdigit() or t.get_text() == "n/a"]
              for m, ax in zip(plots.PANEL_METRICS, fig.axes)}
    assert labels["engaged"] == ["44.8", "155.0", "44.76"]
    assert labels["time_to_common"] == ["2", "2", "2"]  # the panel's speed: steps until a common target
    assert labels["cost_per_engagement"] == ["0.021"] * 3
    assert labels["engagement_rate"] == ["4.2%", "6.3%", "4.2%"]


# ------------------------------------------------------------------------------------- the CLI on a tiny run
def test_cli_comparison_of_a_tiny_run_follows_the_rule(tmp_path):
    # a third strategy identical to the baseline: every paired difference is zero in every run
    config = tmp_path / "tiny.toml"
    config.write_text(TINY + '\n[[strategy]]\nname = "tv again"\nbudget = 10\nbroadcast = { airings = 2 }\n')
    rc, stdout, stderr = run_cli("run", config, "--out", tmp_path / "out", "--no-figures")
    assert rc == 0, stderr
    table = stdout[stdout.index("\naspect"):]
    numbers = re.findall(r"(?<![\w.,])([-+]?)(\d[\d,]*(?:\.\d+)?)(?![\d.])", table)
    assert numbers and not [s + x for s, x in numbers if s and float(x.replace(",", "")) == 0]  # no "-0.00"
    assert "-0.0" not in table and "-0 " not in table
    brackets = re.findall(r"\[(\S+), (\S+)\]", table)
    assert brackets and all(lo != hi for lo, hi in brackets)  # no "[x, x]"
    for value, half in re.findall(r"(\S+?)%? ±(\S+)", table):
        decimals = [len(x.split(".")[1]) if "." in x else 0 for x in (value, half)]
        assert decimals[1] <= decimals[0], (value, half)  # never a ± with more decimals than its value
    tv_again = next(line for line in table.splitlines() if line.startswith("tv again"))
    assert re.sub(r"\s+", " ", tv_again) == "tv again 0 (every run) 0.00 (every run) 0.0 pts (every run) 0 (every run)"
    assert "pts: percentage points" in stdout
