"""The budget plan in words: the allocation, the path, the frontier and what to do, from ``optimize.json``.

Text only (the CLI's table and the report's "Budget plan" section read it); the planning itself is
:mod:`virality.planner`.
"""

from __future__ import annotations

import math
from typing import Any

from .catalog import EVERY_RUN, fmt, label
from .planner import _count, _money, _value_words

__all__ = ["allocation_rows", "difference_text", "estimate_text", "frontier_rows", "path_rows", "plan_sentence",
           "text_report"]


def _signed(metric: str, x: float) -> str:
    return ("+" if x > 0 else "-" if x < 0 else "") + fmt(metric, abs(x))


def difference_text(metric: str, d: dict[str, Any]) -> str:
    """A paired difference with its 95% interval, "+52 [+20, +83]"; "0 (every run)" when every run agrees."""
    if d["value"] is None:
        return "n/a"
    if d["low"] is None or d["high"] is None:
        return _signed(metric, d["value"])
    if d["low"] is not None and d["high"] is not None and abs(d["high"] - d["low"]) <= 1e-9 * max(1.0, abs(d["value"])):
        return f"{_signed(metric, d['value'])} {EVERY_RUN}"
    return f"{_signed(metric, d['value'])} [{_signed(metric, d['low'])}, {_signed(metric, d['high'])}]"


def estimate_text(metric: str, e: dict[str, Any]) -> str:
    """A value with its 95% interval, "6,227 [6,042, 6,413]"; "2 (every run)" when every run agrees."""
    value, low, high = e["value"], e.get("low"), e.get("high")
    if low is None or high is None:
        return fmt(metric, value)
    if abs(high - low) <= 1e-9 * max(1.0, abs(value)):
        return f"{fmt(metric, value)} {EVERY_RUN}"
    return f"{fmt(metric, value)} [{fmt(metric, low)}, {fmt(metric, high)}]"


def _cost(x: float | None) -> str:
    """A marginal cost per extra engagement in words (money; "no gain" when the step engaged nobody more)."""
    if x is None or math.isinf(x):  # optimize.json holds an infinite cost (no one more engaged) as null
        return "no gain"
    return "n/a" if math.isnan(x) else fmt("cost_per_engagement", x)


def _shares(summary: dict[str, Any]) -> tuple[list[tuple[str, float]], float]:
    """The options with money and the basis of their shares: the budget (max) or the spend the form chose."""
    used = [(n, s) for n, s in summary["allocation"].items() if s > 0]
    allotted = summary.get("allotted") or sum(summary["allocation"].values())
    basis = summary["budget"] if summary.get("form", "max") == "max" or not allotted else allotted
    return used, basis


def allocation_rows(summary: dict[str, Any]) -> list[list[str]]:
    """The allocation as text rows: option, allotted, share, spent (the CLI's and the report's table)."""
    _, basis = _shares(summary)
    return [[name, _money(spend), f"{100 * spend / basis:.0f}%", _money(summary["spent"][name])]
            for name, spend in summary["allocation"].items()]


def path_rows(summary: dict[str, Any]) -> list[list[str]]:
    """The expansion path as text rows: budget, the best mix there, its objective, its marginal cost."""
    m = summary["objective"]
    out = []
    for e in summary.get("path") or []:
        mix = ", ".join(f"{n} {_money(x)}" for n, x in e["allocation"].items() if x > 0) or "nothing"
        out.append([_money(e["budget"]), mix, estimate_text(m, e["value"]),
                    "" if e["marginal_cost"] is None and e["added_engaged"] is None else _cost(e["marginal_cost"])])
    return out


def plan_sentence(summary: dict[str, Any]) -> str:
    """One sentence saying what to do with the money, for the plan's form."""
    m = summary["objective"]
    budget = summary["budget"]
    v = summary["value"]
    hold = summary.get("holdout") or {}
    used, basis = _shares(summary)
    what = " and ".join(f"{_money(s)} ({100 * s / basis:.0f}%) on {n}" for n, s in used) or "nothing"
    form = summary.get("form", "max")
    if form == "least_spend":
        ls = summary["least_spend"]
        goal = _value_words(m, ls["target"])
        if not ls["reached"]:
            return (f"No mix of up to {_money(budget)} reaches {goal}: the best, {what}, gives "
                    f"{_value_words(m, v['value'])}; raise optimize.budget to look further.")
        fresh = ls.get("fresh") or {}
        check = ""
        if fresh:
            fv = fresh["value"]
            verdict = ("met, its interval above the target" if fresh["interval_meets"] else
                       "met, though its interval reaches below the target" if fresh["met"] else
                       "missed, its interval below the target" if fresh["interval_misses"] else
                       "missed, though its interval reaches the target")
            check = f" ({estimate_text(m, fv)} on fresh replicates: {verdict})"
        less = ls.get("one_step_less")
        tail = (f"; one step less ({_money(less['budget'])}) gives {_value_words(m, less['value']['value'])}"
                if less else "")
        return (f"Spend {what}: {_money(summary['allotted'])} in all, the least in steps of {_money(summary['step'])} "
                f"that reaches {goal}{check}{tail}.")
    if form == "marginal_cost":
        mc = summary["marginal_cost"]
        last = (f"the last step's marginal cost {_cost(mc['marginal_cost'])} per extra engagement"
                if mc.get("marginal_cost") is not None else "no step taken")
        if mc["next"] is not None:
            nxt = mc["next"]
            tail = (f"; the next {_money(nxt['budget'] - mc['budget'])} would cost {_cost(nxt['marginal_cost'])} "
                    "per extra engagement")
        else:
            tail = f"; it stays under the limit up to the whole {_money(budget)}: raise optimize.budget to see where " \
                   "it crosses"
        return (f"Spend {what}: {_money(summary['allotted'])} in all, the most at which one more engagement costs at "
                f"most {_cost(mc['limit'])} ({last}{tail}); {_value_words(m, v['value'])}.")
    fixed = summary["vs_best_fixed_strategy"]
    d = hold.get("vs_best_fixed_strategy") or fixed["difference"]  # fresh replicates: no selection bias
    clear = (d["low"] is not None and d["low"] > 0) if summary["better"] == "higher" else \
        (d["high"] is not None and d["high"] < 0)
    if clear:
        verdict = f"{difference_text(m, d)} against the best fixed strategy ({fixed['strategy']})"
    else:
        verdict = f"no clear gain over the best fixed strategy ({fixed['strategy']}: {difference_text(m, d)})"
    if hold:
        verdict += " on fresh replicates"
    return f"Spend {what} of the {_money(budget)}: {_value_words(m, v['value'])}, {verdict}."


def frontier_rows(summary: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The Pareto-optimal mixes as text: header and rows (mix, spend, both metrics with intervals)."""
    fr = summary.get("frontier") or {}
    a, b = fr.get("metrics", (None, None))
    rows = []
    for mix in fr.get("mixes", []):
        alloc = ", ".join(f"{n} {_money(x)}" for n, x in mix["spent"].items() if x > 0) or "nothing"
        rows.append([alloc, _money(mix["spend"]), estimate_text(a, mix[a]), estimate_text(b, mix[b])])
    return ["mix", "spend", label(a) if a else "", label(b) if b else ""], rows


def text_report(summary: dict[str, Any]) -> str:
    """A short table of the allocation and one sentence saying what to do with the budget."""
    from tabulate import tabulate

    m = summary["objective"]
    form = summary.get("form", "max")
    lines = [tabulate(allocation_rows(summary), headers=["option", "allotted", "share", "spent"], tablefmt="simple",
                      colalign=("left", "right", "right", "right"))]
    v = summary["value"]
    single = summary["vs_best_single_option"]
    fixed = summary["vs_best_fixed_strategy"]
    sims = summary["simulations"]
    lines.append("")
    lines.append(f"{label(m)}: {fmt(m, v['value'])} [{fmt(m, v['low'])}, {fmt(m, v['high'])}] per run "
                 f"({summary['runs']} replicates per evaluation)")
    lines.append(f"vs the best single option ({single['option']} at {_money(single['spend'])}): "
                 f"{difference_text(m, single['difference'])}")
    lines.append(f"vs the best fixed strategy ({fixed['strategy']}, budget {_money(fixed['budget'] or 0)}): "
                 f"{difference_text(m, fixed['difference'])}")
    hold = summary.get("holdout") or {}
    if hold:
        lines.append(f"on fresh replicates ({hold['runs'][0]}-{hold['runs'][1]}, the search's choice not tuned to "
                     f"them): {fmt(m, hold['value']['value'])}; vs the best single option "
                     f"{difference_text(m, hold['vs_best_single_option'])}, vs the best fixed strategy "
                     f"{difference_text(m, hold['vs_best_fixed_strategy'])}")
    if form != "max":
        lines.append("")
        lines.append("the best mix at each budget (marginal cost: the step's money per extra person engaged):")
        lines.append(tabulate(path_rows(summary), headers=["budget", "mix", label(m), "marginal cost"],
                              tablefmt="simple", disable_numparse=True))
    if form == "least_spend":
        ls = summary["least_spend"]
        one = ls.get("single_option")
        lines.append("alone, " + (f"the cheapest option to reach {fmt(m, ls['target'])} is {one['option']} at "
                                  f"{_money(one['budget'])}" if one else
                                  f"no option reaches {fmt(m, ls['target'])} within {_money(summary['budget'])}"))
    fr = summary.get("frontier")
    if fr:
        header, rows = frontier_rows(summary)
        lines.append("")
        lines.append(f"trade-off frontier: {_count(fr['pareto'], 'Pareto-optimal mix', 'Pareto-optimal mixes')} of "
                     f"{fr['evaluated']} evaluated "
                     f"({label(fr['metrics'][0]).lower()}: {fr['better'][0]} is better; "
                     f"{label(fr['metrics'][1]).lower()}: {fr['better'][1]} is better)"
                     + (f"; speed: steps until {fr['common_target']:,.0f} people engaged" if fr.get("common_target")
                        else ""))
        lines.append(tabulate(rows, headers=header, tablefmt="simple", disable_numparse=True))
    lines.append(f"simulations: {sims['total']} ({sims['curves']} response curves, {sims['search']} search, "
                 + (f"{sims['frontier']} frontier, " if sims.get("frontier") else "")
                 + f"{sims['comparison']} fixed strategies, {sims.get('holdout', 0)} on fresh replicates); "
                 f"{summary['seconds']:,.1f} s")
    lines.append("")
    lines.append(plan_sentence(summary))
    return "\n".join(lines)
