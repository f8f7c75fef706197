"""The metric catalogue: what each metric *is*, in one place.

One :class:`Metric` record per metric a user sees: its label and unit, how it is aggregated (a plain
mean, or a ratio of means and of what), whether it is a percentage or money, which way is better (or
neither), which aspect of the seed document's comparison it belongs to, and what a headline finding
about it says. Tables, findings, figures and the report all read these records; adding a metric
means adding one record here (and, if it is computed per run, one line in
:func:`virality.metrics.run_table`).

Examples
--------
>>> METRICS["cost_per_engagement"].better
'lower'
>>> METRICS["grassroots_share"].ratio
('engaged_peer', 'engaged')
>>> fmt("engagement_rate", 0.0421)
'4.2%'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Metric", "METRICS", "RATIOS", "HEADLINE", "ASPECTS", "FINDINGS", "LOWER_IS_BETTER", "fmt", "fmt_diff",
           "label", "unit", "is_percent"]


@dataclass(frozen=True)
class Metric:
    """What one metric is.

    Attributes
    ----------
    name : str
        Column name in ``runs.csv`` and key in ``summary.json``.
    label : str
        Title for figures and tables (e.g. "Cost per engagement").
    unit : str
        What one unit is (an axis label: "people engaged per run").
    style : {"number", "percent", "money", "index"}
        How values are written: plain numbers, percentages of 1, currency, a 0-1 index.
    better : {"higher", "lower", None}
        Which way is the better outcome; None where neither is (depth, virality: a shape, not a goal).
    ratio : (str, str) or None
        Aggregated as a ratio of means ``mean(numerator) / mean(denominator)`` (a share of the
        denominator when both count people); None: a plain mean over runs.
    aspect : str or None
        The seed document's comparison aspect whose table row this metric is.
    row : str or None
        Its row label in the comparison table.
    headline : bool
        Summarised with a confidence interval and paired differences in ``summary.json``.
    finding : str or None
        Headline of a "what won on what" finding about it.
    finding_unit : str
        Words after the value in a finding sentence.
    shown_with : str or None
        A share written beside an absolute finding (what part of the strategy's own total it is).
    """

    name: str
    label: str
    unit: str = ""
    style: Literal["number", "percent", "money", "index"] = "number"
    better: Literal["higher", "lower"] | None = "higher"
    ratio: tuple[str, str] | None = None
    aspect: str | None = None
    row: str | None = None
    headline: bool = False
    finding: str | None = None
    finding_unit: str = ""
    shown_with: str | None = None

    @property
    def share_of(self) -> str | None:
        """The denominator when this metric is a share of it (a percentage ratio), else None."""
        return self.ratio[1] if self.ratio is not None and self.style == "percent" else None


_RECORDS = (
    # ----- the comparison table, aspect by aspect (this order is the table's)
    Metric("unique_exposed", "Audience: people exposed", "people exposed per run", aspect="Audience reach",
           row="unique exposed", headline=True, finding="Widest audience", finding_unit=" people exposed per run"),
    Metric("engaged", "Reach: people engaged", "people engaged per run", aspect="Audience reach", row="engaged (reach)",
           headline=True, finding="Most people engaged", finding_unit=" people per run"),
    Metric("engagement_rate", "Engagement rate", "% of exposed people who engaged", style="percent",
           ratio=("engaged", "unique_exposed"), aspect="Engagement rate", row="engaged / exposed", headline=True,
           finding="Highest engagement rate", finding_unit=" of the people exposed engaged"),
    Metric("cost_per_engagement", "Cost per engagement", "currency per engagement", style="money", better="lower",
           ratio=("spend", "engaged"), aspect="Cost efficiency", row="cost per engagement", headline=True,
           finding="Lowest cost per engagement", finding_unit=" per engagement"),
    Metric("cost_per_conversion", "Cost per conversion", "currency per conversion", style="money", better="lower",
           ratio=("spend", "conversions"), aspect="Cost efficiency", row="cost per conversion", headline=True),
    Metric("positive_share", "Positive sentiment", "% of engagements that are positive", style="percent",
           ratio=("positive", "engaged"), aspect="Credibility & trust", row="positive sentiment share", headline=True),
    Metric("contextual_alignment", "Contextual alignment", "alignment index (0-1)", style="index",
           ratio=("aligned_impressions", "impressions"), aspect="Credibility & trust", row="contextual alignment index",
           headline=True, finding="Best contextual alignment", finding_unit=" alignment index"),
    Metric("time_to_half", "Speed: steps to half of its own reach", "steps", better="lower",
           aspect="Speed of deployment", row="steps to half of its own reach", headline=True,
           finding="Fastest to half of its own reach", finding_unit=" steps to half of its own (smaller or larger) reach"),
    Metric("time_to_peak", "Speed: time to peak", "steps", better="lower", aspect="Speed of deployment",
           row="steps to peak", headline=True),
    Metric("grassroots_share", "Grassroots share", "% of its own engagements made by peers", style="percent",
           better=None, ratio=("engaged_peer", "engaged"), aspect="Measurement", row="grassroots (peer) share",
           headline=True),
    Metric("engaged_peer", "Word of mouth: people engaged by peers", "people engaged by peers per run",
           aspect="Measurement", row="engaged by peers", headline=True, finding="Most word of mouth",
           finding_unit=" people engaged by peers per run", shown_with="grassroots_share"),
    Metric("structural_virality", "Structural virality", "mean hops between people in a cascade", better=None,
           aspect="Measurement", row="structural virality", headline=True),
    Metric("depth", "Cascade depth", "generations", better=None, aspect="Measurement", row="cascade depth",
           headline=True),
    # ----- further headline metrics (summarised with intervals, not rows of the table)
    Metric("impressions", "Impressions", "exposures per run (all channels)", headline=True),
    Metric("conversions", "Conversions", "people converted per run", headline=True),
    Metric("shares", "Shares", "people who shared per run", headline=True),
    Metric("reach_share", "Population reached", "% of the population engaged", style="percent",
           ratio=("engaged", "population"), headline=True),
    Metric("broadcast_share", "Broadcast share", "% of engagements made by mass media", style="percent",
           better=None, ratio=("engaged_broadcast", "engaged"), headline=True),
    Metric("influencer_share", "Influencer share", "% of engagements made by influencer posts", style="percent",
           better=None, ratio=("engaged_influencer", "engaged"), headline=True),
    Metric("negative", "Negative engagements", "negative engagements per run", better="lower", headline=True),
    Metric("largest_cascade", "Largest cascade", "people in the largest tree per run", headline=True),
    Metric("cost_per_thousand_reached", "Cost per thousand reached", "currency per 1,000 people exposed",
           style="money", better="lower", ratio=("spend_thousand", "unique_exposed"), headline=True),
    Metric("conversion_rate", "Conversion rate", "% of engaged people who converted", style="percent",
           ratio=("conversions", "engaged"), headline=True),
)

#: metric name -> record
METRICS: dict[str, Metric] = {m.name: m for m in _RECORDS}
#: metric -> (numerator column, denominator column): aggregated as a ratio of means (in the column
#: order of ``runs.csv``)
RATIOS: dict[str, tuple[str, str]] = {name: METRICS[name].ratio for name in (
    "engagement_rate", "reach_share", "contextual_alignment", "grassroots_share", "broadcast_share",
    "influencer_share", "positive_share", "conversion_rate", "cost_per_engagement", "cost_per_conversion",
    "cost_per_thousand_reached")}
#: metrics summarised with intervals and compared pairwise
HEADLINE: list[str] = sorted(m.name for m in _RECORDS if m.headline)
#: the seed document's comparison aspects: (aspect, row label, metric) rows of the comparison table
ASPECTS: list[tuple[str, str, str]] = [(m.aspect, m.row or m.name, m.name) for m in _RECORDS if m.aspect]
#: metrics where a smaller value is the better outcome
LOWER_IS_BETTER: frozenset[str] = frozenset(m.name for m in _RECORDS if m.better == "lower")
#: (metric, headline) of the "what won on what" findings, in the order they are stated
FINDINGS: list[tuple[str, str]] = [(name, METRICS[name].finding) for name in (
    "engaged", "cost_per_engagement", "engagement_rate", "time_to_half", "unique_exposed", "contextual_alignment",
    "engaged_peer")]


def label(metric: str) -> str:
    """The metric's title (its name with spaces when it has no record)."""
    m = METRICS.get(metric)
    return m.label if m else metric.replace("_", " ")


def unit(metric: str) -> str:
    """What one unit of the metric is ("" when it has no record)."""
    m = METRICS.get(metric)
    return m.unit if m else ""


def is_percent(metric: str) -> bool:
    """Whether the metric is a share written as a percentage."""
    m = METRICS.get(metric)
    return m is not None and m.style == "percent"


def fmt(metric: str, value: Any, interval: bool = False) -> str:
    """One value of a metric, written for people.

    Examples
    --------
    >>> fmt("engaged", 1465.3), fmt("cost_per_engagement", 1.5), fmt("contextual_alignment", 0.61234)
    ('1,465', '1.50', '0.612')
    >>> fmt("engaged", float("nan"))
    'n/a'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    style = METRICS[metric].style if metric in METRICS else "number"
    if style == "percent":
        return f"{100 * value:.1f}%" if not interval else f"{100 * value:.1f}"
    if style == "money":
        return f"{value:,.2f}"
    if style == "index":
        return f"{value:.3f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def fmt_diff(metric: str, d: Any) -> str:
    """A difference of a metric with its sign, written for people (percentage points for shares).

    Examples
    --------
    >>> fmt_diff("engaged", 118.4), fmt_diff("cost_per_engagement", -0.392), fmt_diff("engagement_rate", 0.035)
    ('+118', '-0.39', '+3.5 pts')
    """
    if d is None or (isinstance(d, float) and not math.isfinite(d)):
        return "n/a"
    if is_percent(metric):
        return f"{100 * d:+.1f} pts"
    return ("+" if d >= 0 else "-") + fmt(metric, abs(d))
