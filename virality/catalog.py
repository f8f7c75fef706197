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

How numbers are written
-----------------------
Every number a user sees (the CLI table and paired differences, the findings, the HTML report, the
figures' bar labels) is written by the functions at the end of this module, by one rule:

1. **With an interval**, a value is written to the decimal place of its 95% interval's half-width ``h``
   rounded to two significant digits, and ``h`` to the same place: ``4,960 ±61``, ``44.8 ±2.0``,
   ``59,290 ±180``. A style with a coarser unit of account stops there unless that would hide the
   first significant digit of ``h``: money at cents, an index at 0.001, a percentage at 0.1 point
   (``0.321 ±0.004``, ``0.40 ±0.01`` but ``0.398 ±0.003``, ``78.8% ±0.1`` but ``2.64% ±0.04``).
   The value and its ``±`` therefore always have the same number of decimals.
2. **A zero-width interval** (the same value in every run, up to floating-point noise) is written
   once, followed by ``(every run)``: ``2 (every run)``, never ``110 [110, 110]`` or ``2.00 ±0.00``.
3. **Without an interval** (one run, or a single number): a percentage with 1 decimal, money with 2,
   an index with 3, other numbers as whole numbers from 100 and with 2 decimals below.
4. **Counts** (people, impressions, steps, generations: :attr:`Metric.count`) are written as whole
   numbers when the value is whole (without an interval, or in every run); means of counts follow 1.
5. **Zero has no sign**: a value that rounds to zero is written ``0`` with the format's decimals
   (``0.00``, ``0.0 pts``), never ``-0`` or ``-0.00``; differences carry ``+``/``-`` otherwise.
6. **Units**: percentages of shares end in ``%``, differences of shares in ``pts`` (percentage
   points: ``+5.1 pts [+4.9, +5.4]``), numbers and money have thousands separators.

>>> fmt_estimate("engaged", 4960.3, 4899.4, 5021.2)
'4,960 ±61'
>>> fmt_estimate("contextual_alignment", 0.3212, 0.3171, 0.3253)
'0.321 ±0.004'
>>> fmt_estimate("structural_virality", 44.76, 42.74, 46.78)
'44.8 ±2.0'
>>> fmt_estimate("engaged", 110.0, 110.0, 110.0)
'110 (every run)'
>>> fmt_difference("time_to_half", -4.0, -4.0 - 1e-15, -4.0 + 1e-15)
'-4 (every run)'
>>> fmt_difference("engagement_rate", 0.0512, 0.0487, 0.0537)
'+5.1 pts [+4.9, +5.4]'
>>> fmt_difference("cost_per_engagement", -0.0004, -0.0031, 0.0023)
'0.000 [-0.003, +0.002]'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

__all__ = ["ASPECTS", "EVERY_RUN", "FINDINGS", "HEADLINE", "LOWER_IS_BETTER", "METRICS", "RATIOS", "Difference", "Metric",
           "difference_parts", "fmt", "fmt_amount", "fmt_difference", "fmt_estimate", "fmt_fixed", "fmt_value",
           "is_percent", "label", "unit"]


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
    count : bool
        Each run's value is a whole number (people, impressions, steps, generations): written without
        decimals when the value shown is whole (see "How numbers are written" above).
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
    count: bool = False

    @property
    def share_of(self) -> str | None:
        """The denominator when this metric is a share of it (a percentage ratio), else None."""
        return self.ratio[1] if self.ratio is not None and self.style == "percent" else None


_RECORDS = (
    # ----- the comparison table, aspect by aspect (this order is the table's)
    Metric("unique_exposed", "Audience: people exposed", "people exposed per run", aspect="Audience reach",
           row="unique exposed", headline=True, finding="Widest audience", finding_unit=" people exposed per run",
           count=True),
    Metric("engaged", "Reach: people engaged", "people engaged per run", aspect="Audience reach", row="engaged (reach)",
           headline=True, finding="Most people engaged", finding_unit=" people per run", count=True),
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
    Metric("time_to_common", "Speed: steps until the common target engaged", "steps", better="lower",
           aspect="Speed of deployment", row="steps until {common} engaged", headline=True, finding="Fastest",
           finding_unit=" steps until {common} people engaged (the same target for every strategy: half the "
                        "smallest strategy's reach)", count=True),
    # each strategy's own curve: a shape, not comparable across strategies of different reach (no "best")
    Metric("time_to_half", "Speed: steps to half of its own reach", "steps", better=None,
           aspect="Speed of deployment", row="steps to half of its own reach", headline=True, count=True),
    Metric("time_to_peak", "Speed: steps to its own peak", "steps", better=None, aspect="Speed of deployment",
           row="steps to its own peak", headline=True, count=True),
    Metric("grassroots_share", "Grassroots share", "% of its own engagements made by peers", style="percent",
           better=None, ratio=("engaged_peer", "engaged"), aspect="Measurement", row="grassroots (peer) share",
           headline=True),
    Metric("engaged_peer", "Word of mouth: people engaged by peers", "people engaged by peers per run",
           aspect="Measurement", row="engaged by peers", headline=True, finding="Most word of mouth",
           finding_unit=" people engaged by peers per run", shown_with="grassroots_share", count=True),
    Metric("structural_virality", "Structural virality", "mean hops between people in a cascade", better=None,
           aspect="Measurement", row="structural virality", headline=True),
    Metric("depth", "Cascade depth", "generations", better=None, aspect="Measurement", row="cascade depth",
           headline=True, count=True),
    # ----- further headline metrics (summarised with intervals, not rows of the table)
    Metric("impressions", "Impressions", "exposures per run (all channels)", headline=True, count=True),
    Metric("conversions", "Conversions", "people converted per run", headline=True, count=True),
    Metric("shares", "Shares", "people who shared per run", headline=True, count=True),
    Metric("reach_share", "Population reached", "% of the population engaged", style="percent",
           ratio=("engaged", "population"), headline=True),
    Metric("broadcast_share", "Broadcast share", "% of engagements made by mass media", style="percent",
           better=None, ratio=("engaged_broadcast", "engaged"), headline=True),
    Metric("influencer_share", "Influencer share", "% of engagements made by influencer posts", style="percent",
           better=None, ratio=("engaged_influencer", "engaged"), headline=True),
    Metric("negative", "Negative engagements", "negative engagements per run", better="lower", headline=True,
           count=True),
    Metric("largest_cascade", "Largest cascade", "people in the largest tree per run", headline=True, count=True),
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
    "engaged", "cost_per_engagement", "engagement_rate", "time_to_common", "unique_exposed", "contextual_alignment",
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


#: per style, the decimals of a value without an interval (numbers: 0 from 100 up, else 2) and the coarsest
#: place an interval stops at when its half-width has a second significant digit finer than it (None: none)
_SINGLE_DECIMALS = {"percent": 1, "money": 2, "index": 3}
_UNIT_OF_ACCOUNT = {"number": None, "percent": 1, "money": 2, "index": 3}
#: a half-width at most this fraction of the values' size (or at most _NOISE_FLOOR) is floating-point noise of
#: runs that were all equal: a zero-width interval
_NOISE = 1e-9
_NOISE_FLOOR = 1e-12
#: written after a value whose interval has zero width
EVERY_RUN = "(every run)"


def _finite(x: Any) -> bool:
    try:
        return x is not None and not isinstance(x, (str, bytes, bool)) and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _style(metric: str) -> str:
    m = METRICS.get(metric)
    return m.style if m is not None else "number"


def _is_count(metric: str) -> bool:
    m = METRICS.get(metric)
    return m is not None and m.count


def _whole(x: float) -> bool:
    return abs(x - round(x)) <= _NOISE * max(1.0, abs(x))


def _places(half: float, digits: int) -> int:
    """Decimal places that write ``half`` (> 0) with ``digits`` significant digits (negative: tens, hundreds)."""
    places = digits - 1 - math.floor(math.log10(half))
    if abs(round(half, places)) >= 10.0 ** (digits - places):  # 0.0996 -> 0.10: one digit more, one place fewer
        places -= 1
    return places


def _number(x: float, places: int, sign: bool = False, separators: bool = True) -> str:
    """``x`` rounded to ``places`` decimals (negative: to tens, hundreds), thousands separators, no ``-0``."""
    r = round(float(x), places)
    if r == 0:
        r = 0.0  # no "-0" / "-0.00": zero has no sign
    return f"{r:{'+' if sign and r != 0 else ''}{',' if separators else ''}.{max(places, 0)}f}"


def _single_places(metric: str, x: float) -> int:
    """Decimals of a value ``x`` (in its written unit) without an interval."""
    style = _style(metric)
    if style in _SINGLE_DECIMALS:
        return _SINGLE_DECIMALS[style]
    if _is_count(metric) and _whole(x):
        return 0
    return 0 if abs(x) >= 100 else 2


def _interval_places(metric: str, value: Any, low: Any, high: Any) -> int | None | str:
    """Decimals for a value and its interval (in the written unit: points for a percentage).

    Returns "n/a" for a missing value, None when there is no interval (missing or non-finite bounds),
    "every" for a zero-width interval, else the decimal places of rule 1 (module docstring).
    """
    if not _finite(value):
        return "n/a"
    if not (_finite(low) and _finite(high)):
        return None
    scale = 100.0 if _style(metric) == "percent" else 1.0
    half = abs(float(high) - float(low)) / 2 * scale
    size = max(abs(float(value)), abs(float(low)), abs(float(high))) * scale
    if half <= _NOISE_FLOOR or half <= _NOISE * size:
        return "every"
    places = _places(half, 2)
    coarsest = _UNIT_OF_ACCOUNT.get(_style(metric))
    if coarsest is not None:
        places = min(places, max(coarsest, _places(half, 1)))
    return places


def fmt(metric: str, value: Any, interval: bool = False) -> str:
    """One value of a metric without an interval, written for people (rules 3-6 of the module docstring).

    ``interval=True`` leaves the ``%`` off a percentage (a half-width in points).

    Examples
    --------
    >>> fmt("engaged", 1465.3), fmt("cost_per_engagement", 1.5), fmt("contextual_alignment", 0.61234)
    ('1,465', '1.50', '0.612')
    >>> fmt("engaged", float("nan"))
    'n/a'
    >>> fmt("time_to_half", 2.0), fmt("structural_virality", 2.0), fmt("time_to_half", 2.456)
    ('2', '2.00', '2.46')
    >>> fmt("engaged_peer", -0.001), fmt("cost_per_engagement", -0.001), fmt("grassroots_share", -0.0001)
    ('0.00', '0.00', '0.0%')
    """
    if not _finite(value):
        return "n/a"
    percent = _style(metric) == "percent"
    x = float(value) * (100.0 if percent else 1.0)
    text = _number(x, _single_places(metric, x))
    return text + "%" if percent and not interval else text


def fmt_value(metric: str, value: Any, low: Any = None, high: Any = None) -> str:
    """A value alone, to the precision its interval ``[low, high]`` supports (a figure's bar label, a finding).

    Examples
    --------
    >>> fmt_value("engaged", 154.43, 148.4, 160.46), fmt_value("engaged", 154.43)
    ('154.4', '154')
    >>> fmt_value("engagement_rate", 0.06284, 0.06084, 0.06484)
    '6.3%'
    """
    places = _interval_places(metric, value, low, high)
    if not isinstance(places, int):
        return fmt(metric, value)
    percent = _style(metric) == "percent"
    return _number(float(value) * (100.0 if percent else 1.0), places) + ("%" if percent else "")


def fmt_estimate(metric: str, value: Any, low: Any, high: Any) -> str:
    """A value with its 95% interval ``[low, high]``: ``value ±half-width``, both to the interval's precision.

    A zero-width interval writes the value once with ``(every run)``; a missing one writes the value alone.

    Examples
    --------
    >>> fmt_estimate("unique_exposed", 59288.4, 59105.0, 59471.0)
    '59,290 ±180'
    >>> fmt_estimate("positive_share", 0.78841, 0.78721, 0.78961)
    '78.8% ±0.1'
    >>> fmt_estimate("engagement_rate", 0.02642, 0.02602, 0.02682)
    '2.64% ±0.04'
    >>> fmt_estimate("cost_per_engagement", 0.4012, 0.3902, 0.4122)
    '0.40 ±0.01'
    >>> fmt_estimate("cost_per_engagement", 0.3982, 0.3951, 0.4013)
    '0.398 ±0.003'
    >>> fmt_estimate("cost_per_conversion", 1234.567, 1222.1, 1247.0)
    '1,235 ±12'
    >>> fmt_estimate("time_to_half", 2.0, 2.0, 2.0), fmt_estimate("engaged", 5.0, float("nan"), float("nan"))
    ('2 (every run)', '5')
    """
    places = _interval_places(metric, value, low, high)
    if places == "every":
        return f"{fmt(metric, value)} {EVERY_RUN}"
    if not isinstance(places, int):
        return fmt(metric, value)
    scale = 100.0 if _style(metric) == "percent" else 1.0
    half = abs(float(high) - float(low)) / 2 * scale
    return f"{fmt_value(metric, value, low, high)} ±{_number(half, places)}"


class Difference(NamedTuple):
    """A paired difference written in parts (:func:`difference_parts`)."""

    #: the signed difference with its unit ("+112", "+5.1 pts", "0.00")
    value: str
    #: the signed bounds of its interval without the unit (None: no interval, or zero width)
    low: str | None
    high: str | None
    #: the unit written after the value (" pts" for shares, else "")
    unit: str
    #: the interval has zero width: the same difference in every run
    every_run: bool

    def __str__(self) -> str:
        if self.every_run:
            return f"{self.value} {EVERY_RUN}"
        return self.value if self.low is None else f"{self.value} [{self.low}, {self.high}]"


def difference_parts(metric: str, value: Any, low: Any = None, high: Any = None) -> Difference:
    """A paired difference (strategy minus baseline) and its interval, signed, to the interval's precision.

    Shares are differences in percentage points (``pts``); the bounds carry no unit.

    Examples
    --------
    >>> difference_parts("engaged", 112.2, 105.4, 119.0)
    Difference(value='+112.2', low='+105.4', high='+119.0', unit='', every_run=False)
    >>> str(difference_parts("engagement_rate", 0.0, 0.0, 0.0)), str(difference_parts("engaged", -3.0))
    ('0.0 pts (every run)', '-3')
    """
    percent = _style(metric) == "percent"
    unit = " pts" if percent else ""
    places = _interval_places(metric, value, low, high)
    if places == "n/a":
        return Difference("n/a", None, None, "", False)
    scale = 100.0 if percent else 1.0
    if not isinstance(places, int):  # no interval, or zero width: the value as a single value, signed
        x = float(value) * scale
        return Difference(_number(x, _single_places(metric, x), sign=True) + unit, None, None, unit, places == "every")
    low_text, high_text = (_number(float(x) * scale, places, sign=True) for x in (low, high))
    return Difference(_number(float(value) * scale, places, sign=True) + unit, low_text, high_text, unit, False)


def fmt_difference(metric: str, value: Any, low: Any = None, high: Any = None) -> str:
    """A paired difference with its interval: ``+112 [+105, +119]``, ``+5.1 pts [+4.9, +5.4]``, ``-4 (every run)``.

    Examples
    --------
    >>> fmt_difference("engaged", 66.8, 61.87, 71.73), fmt_difference("cost_per_engagement", -1.71, -1.89, -1.52)
    ('+66.8 [+61.9, +71.7]', '-1.71 [-1.89, -1.52]')
    >>> fmt_difference("engaged", -0.001, -0.001, -0.001)
    '0.00 (every run)'
    """
    return str(difference_parts(metric, value, low, high))


def fmt_amount(value: Any) -> str:
    """A sum of money (a budget, a spend): whole units when whole, else cents; thousands separators.

    >>> fmt_amount(2000.0), fmt_amount(99.5), fmt_amount(-0.0)
    ('2,000', '99.50', '0')
    """
    if not _finite(value):
        return "n/a"
    return _number(float(value), 0 if _whole(float(value)) else 2)


def fmt_fixed(value: Any, places: int) -> str:
    """``value`` with a fixed number of decimals and no separators (table columns of fixed format), never ``-0.00``.

    >>> fmt_fixed(-0.001, 2), fmt_fixed(0.4567, 3), fmt_fixed(1234.5, 2)
    ('0.00', '0.457', '1234.50')
    """
    if not _finite(value):
        return "n/a"
    return _number(float(value), places, separators=False)
