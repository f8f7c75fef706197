"""Figures of a budget plan (``virality optimize``): response curves, the allocation, the expansion path and the
trade-off frontier, from its folder.

Reads ``response_curves.csv``, ``optimize.json`` and (with a frontier) ``mixes.csv`` written by
:func:`virality.planner.write_outputs` and draws, with :mod:`virality.plots`' style and colours,
``figures/response_curves`` (one panel per option: the objective's mean and 95% interval at each spend,
the Hill fit, the chosen spend marked), ``figures/allocation`` (the money per option), for the least-spend and
marginal-cost forms ``figures/expansion_path`` (the best mix's value at each budget, with the target or the
marginal cost against its limit) and with a frontier ``figures/frontier`` (every evaluated mix on the two metrics,
the Pareto-optimal ones joined), as PNG and SVG. The figures are listed in ``figures/index.json`` (group
``"plan"``, beside a run's own figures: :func:`virality.figures.write_index`), which the HTML report embeds.
It sits beside :mod:`virality.figures` (it draws with :mod:`virality.plots`, above the planner's layer).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .catalog import fmt, is_percent, label, unit
from .figures import _new_figure, _save, write_index
from .plots import STYLE, percent_formatter, strategy_colors
from .tables import column_equals, read_table

__all__ = ["response_curves_figure", "allocation_figure", "path_figure", "frontier_figure", "figures_for_plan"]


def _money(x: float, _pos: object = None) -> str:
    return f"{x:,.0f}"


def _number(x: float, _pos: object = None) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.6g}"


def response_curves_figure(curves: dict[str, np.ndarray], summary: dict, colors: dict[str, str]) -> Figure:
    """One panel per option: the objective against spend, with 95% intervals, the Hill fit and the optimum."""
    names = list(summary["allocation"])  # option names as given (a CSV column may read "1" as a number)
    metric = summary["objective"]
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    with plt.rc_context(STYLE):
        fig = _new_figure((4.2 * cols, 3.3 * rows + 0.5))
        axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
        lows = np.asarray(curves["low"], dtype=float)
        highs = np.asarray(curves["high"], dtype=float)
        finite = np.isfinite(lows) & np.isfinite(highs)
        y_lo = min(0.0, float(lows[finite].min())) if finite.any() else 0.0
        y_hi = float(highs[finite].max()) if finite.any() else 1.0
        pad = 0.05 * (y_hi - y_lo) or 1.0
        for k, name in enumerate(names):
            ax = axes[k // cols][k % cols]
            sel = column_equals(curves["option"], name)
            s = np.asarray(curves["spend"], dtype=float)[sel]
            mean = np.asarray(curves["mean"], dtype=float)[sel]
            low = np.asarray(curves["low"], dtype=float)[sel]
            high = np.asarray(curves["high"], dtype=float)[sel]
            color = colors[name]
            ax.fill_between(s, low, high, color=color, alpha=0.25, linewidth=0, label="95% interval")
            ax.plot(s, mean, "o-", color=color, markersize=4, label="mean (simulated)")
            fit = (summary.get("fits") or {}).get(name) or {}
            if all(fit.get(key) is not None for key in ("top", "half", "k", "y0")):
                x = np.linspace(0, s.max(), 200)
                with np.errstate(divide="ignore", invalid="ignore"):
                    y = fit["y0"] + fit["top"] / (1.0 + (fit["half"] / np.maximum(x, 1e-12)) ** fit["k"])
                ax.plot(x, y, "--", color="#444444", linewidth=1,
                        label=f"Hill fit (half {fit['half']:,.0f}, k {fit['k']:.2f})")
            spend = summary["allocation"].get(name, 0.0)
            chosen = "optimum" if summary.get("form", "max") == "max" else "chosen"
            ax.axvline(spend, color="#222222", linewidth=1, linestyle=":", label=f"{chosen}: {spend:,.0f}")
            ax.set_title(name)
            ax.set_xlabel("spend")
            ax.xaxis.set_major_formatter(FuncFormatter(_money))
            ax.yaxis.set_major_formatter(percent_formatter(y_hi) if is_percent(metric) else FuncFormatter(_number))
            if k % cols == 0:
                ax.set_ylabel(unit(metric) or label(metric))
            ax.set_ylim(y_lo - (pad if y_lo < 0 else 0.0), y_hi + pad)  # one scale for every option
            ax.legend(loc="upper left", fontsize=7.5)
        for k in range(len(names), rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        fig.suptitle(f"Response curves, each option alone: {label(metric)}")
    return fig


def allocation_figure(summary: dict, colors: dict[str, str]) -> Figure:
    """The budget per option: a horizontal bar per option, its spend and share written beside it."""
    names = list(summary["allocation"])
    spend = np.array([summary["allocation"][n] for n in names], dtype=float)
    form = summary.get("form", "max")
    budget = float(summary["budget"])
    basis = budget if form == "max" or not spend.sum() else float(spend.sum())  # what the shares are of
    metric = summary["objective"]
    v = summary["value"]
    with plt.rc_context(STYLE):
        fig = _new_figure((8.5, 1.4 + 0.45 * len(names)))
        ax = fig.add_subplot()
        y = np.arange(len(names))[::-1]
        ax.barh(y, spend, color=[colors[n] for n in names], height=0.6)
        for yi, x in zip(y, spend):
            ax.text(x + budget * 0.01, yi, f"{x:,.0f} ({100 * x / basis:.0f}%)", va="center", fontsize=9)
        ax.set_yticks(y, names)
        ax.set_xlim(0, budget * 1.18)
        ax.xaxis.set_major_formatter(FuncFormatter(_money))
        ax.set_xlabel(f"spend (budget {budget:,.0f})")
        value = f"{label(metric)} {fmt(metric, v['value'])} [{fmt(metric, v['low'])}, {fmt(metric, v['high'])}]"
        if form == "least_spend":
            ls = summary["least_spend"]
            title = (f"Least spend to reach {fmt(metric, ls['target'])}: {basis:,.0f} of at most {budget:,.0f}"
                     if ls["reached"] else f"No mix of up to {budget:,.0f} reaches {fmt(metric, ls['target'])}")
        elif form == "marginal_cost":
            title = (f"Most spend at a marginal cost of at most {fmt('cost_per_engagement', summary['marginal_cost']['limit'])}"
                     f" per engagement: {spend.sum():,.0f}")
        else:
            title = f"Allocation of {budget:,.0f}"
        ax.set_title(f"{title}: {value}")
    return fig


def path_figure(summary: dict) -> Figure:
    """The expansion path: the best mix's objective at each budget (95% intervals), with the least-spend target
    or, for the marginal-cost form, a second panel of the marginal cost per extra engagement against its limit."""
    path = summary["path"]
    metric = summary["objective"]
    form = summary.get("form", "max")
    x = np.array([e["budget"] for e in path], dtype=float)
    y = np.array([e["value"]["value"] for e in path], dtype=float)
    lo = np.array([np.nan if e["value"]["low"] is None else e["value"]["low"] for e in path], dtype=float)
    hi = np.array([np.nan if e["value"]["high"] is None else e["value"]["high"] for e in path], dtype=float)
    chosen = float(sum(summary["allocation"].values()))
    panels = 2 if form == "marginal_cost" else 1
    with plt.rc_context(STYLE):
        fig = _new_figure((5.4 * panels + 1.0, 4.2))
        axes = fig.subplots(1, panels, squeeze=False).ravel()
        ax = axes[0]
        ax.fill_between(x, lo, hi, color="#0072B2", alpha=0.2, linewidth=0, label="95% interval")
        ax.plot(x, y, "o-", color="#0072B2", markersize=4, label="best mix at each budget")
        if form == "least_spend":
            ax.axhline(summary["least_spend"]["target"], color="#D55E00", linestyle="--", linewidth=1,
                       label=f"target {fmt(metric, summary['least_spend']['target'])}")
        ax.axvline(chosen, color="#222222", linestyle=":", linewidth=1, label=f"chosen: {chosen:,.0f}")
        ax.set_xlabel("budget")
        ax.set_ylabel(unit(metric) or label(metric))
        ax.xaxis.set_major_formatter(FuncFormatter(_money))
        ax.yaxis.set_major_formatter(percent_formatter(float(np.nanmax(hi)) if np.isfinite(hi).any() else 1.0)
                                     if is_percent(metric) else FuncFormatter(_number))
        ax.set_title(f"{label(metric)}: the best mix as the budget grows")
        ax.legend(loc="upper left", fontsize=8)
        if form == "marginal_cost":
            ax = axes[1]
            mc = np.array([np.nan if e["marginal_cost"] is None else e["marginal_cost"] for e in path], dtype=float)
            ml = np.array([np.nan if e["marginal_low"] is None else e["marginal_low"] for e in path], dtype=float)
            mh = np.array([np.nan if e["marginal_high"] is None else e["marginal_high"] for e in path], dtype=float)
            limit = float(summary["marginal_cost"]["limit"])
            finite = np.isfinite(mc)
            top = max(limit * 2.0, float(np.nanmax(np.where(np.isfinite(mh), mh, np.nan))) if np.isfinite(mh).any()
                      else limit * 2.0)
            top = min(top, limit * 6.0)
            err = np.vstack([np.where(np.isfinite(ml), mc - ml, 0.0), np.where(np.isfinite(mh), mh - mc, top)])
            ax.errorbar(x[finite], mc[finite], yerr=np.clip(err[:, finite], 0, None), fmt="o-", color="#009E73",
                        markersize=4, capsize=2, label="marginal cost of the step to this budget")
            for xi in x[~finite & (np.arange(x.size) > 0)]:
                ax.annotate("no gain", (xi, top * 0.95), ha="center", fontsize=8, color="#009E73")
            ax.axhline(limit, color="#D55E00", linestyle="--", linewidth=1,
                       label=f"limit {fmt('cost_per_engagement', limit)}")
            ax.axvline(chosen, color="#222222", linestyle=":", linewidth=1, label=f"chosen: {chosen:,.0f}")
            ax.set_ylim(0, top)
            ax.set_xlim(axes[0].get_xlim())
            ax.set_xlabel("budget")
            ax.set_ylabel("currency per extra person engaged")
            ax.xaxis.set_major_formatter(FuncFormatter(_money))
            ax.set_title("Marginal cost per extra engagement")
            ax.legend(loc="upper left", fontsize=8)
    return fig


def frontier_figure(mixes: dict[str, np.ndarray], summary: dict) -> Figure:
    """Every evaluated mix on the frontier's two metrics (grey), the Pareto-optimal ones in colour and joined,
    with their 95% intervals; the mix with the most people engaged (or the best first metric) ringed."""
    fr = summary["frontier"]
    a, b = fr["metrics"]
    xa = np.asarray(mixes[a], dtype=float)
    yb = np.asarray(mixes[b], dtype=float)
    front = np.asarray(mixes["pareto"], dtype=float) > 0
    spend = np.asarray(mixes["allotted"], dtype=float)
    with plt.rc_context(STYLE):
        fig = _new_figure((8.6, 5.6))
        ax = fig.add_subplot()
        ax.scatter(xa[~front], yb[~front], s=18, color="#b8bec6", label=f"other mixes ({int((~front).sum())})",
                   zorder=2)
        order = np.argsort(xa[front], kind="stable")
        fx, fy = xa[front][order], yb[front][order]
        xerr = np.vstack([fx - np.asarray(mixes[f"{a}_low"], float)[front][order],
                          np.asarray(mixes[f"{a}_high"], float)[front][order] - fx])
        yerr = np.vstack([fy - np.asarray(mixes[f"{b}_low"], float)[front][order],
                          np.asarray(mixes[f"{b}_high"], float)[front][order] - fy])
        ax.errorbar(fx, fy, xerr=np.nan_to_num(np.clip(xerr, 0, None)), yerr=np.nan_to_num(np.clip(yerr, 0, None)),
                    fmt="none", ecolor="#D55E00", alpha=0.5, linewidth=0.8, zorder=3)
        sc = ax.scatter(fx, fy, s=46, c=spend[front][order], cmap="viridis", edgecolor="#222222", linewidth=0.6,
                        zorder=4, label=f"Pareto-optimal ({int(front.sum())})")
        ax.plot(fx, fy, "-", color="#D55E00", linewidth=1.2, zorder=3)
        cb = fig.colorbar(sc, ax=ax, pad=0.01, format=FuncFormatter(_money))
        cb.set_label("money allotted")
        key = "engaged" if "engaged" in (a, b) else a
        vals = xa if key == a else yb
        best = int(np.argmax(np.where(front, vals, -np.inf))) if fr["better"][[a, b].index(key)] == "higher" else \
            int(np.argmin(np.where(front, vals, np.inf)))
        ax.scatter([xa[best]], [yb[best]], s=160, facecolor="none", edgecolor="#222222", linewidth=1.4, zorder=5,
                   label=f"best {label(key).lower()}: {mixes['allocation'][best]!s}")
        for m, axis in ((a, ax.xaxis), (b, ax.yaxis)):
            vals_m = np.asarray(mixes[m], dtype=float)
            axis.set_major_formatter(percent_formatter(float(np.nanmax(vals_m))) if is_percent(m)
                                     else FuncFormatter(_number))
        target = fr.get("common_target")
        names = {m: (f"steps until {target:,.0f} engaged" if m == "time_to_common" and target else label(m))
                 for m in (a, b)}
        ax.set_xlabel(f"{names[a]} ({fr['better'][0]} is better)")
        ax.set_ylabel(f"{names[b]} ({fr['better'][1]} is better)")
        ax.set_title(f"Trade-off frontier: {fr['pareto']} of {fr['evaluated']} mixes "
                     f"{'is' if fr['pareto'] == 1 else 'are'} Pareto-optimal")
        ax.legend(loc="best", fontsize=8)
    return fig


def _captions(summary: dict) -> dict[str, tuple[str, str]]:
    """(title, caption) of each figure of a plan."""
    m = summary["objective"]
    runs = f"{summary['runs']} replicates per evaluation, all on the same replicates."
    form = summary.get("form", "max")
    chosen = {"max": "the optimum's spend", "least_spend": "the least spend's allocation",
              "marginal_cost": "the marginal-cost spend's allocation"}[form]
    out = {
        "response_curves": ("Response curves: each option alone",
                            f"{label(m)} (mean per run, with its 95% interval) when all the money at each spend goes to "
                            f"one option; the dashed line is a Hill saturation fit, the dotted line {chosen}. One "
                            f"scale for every option. " + runs),
        "allocation": ("The plan: money per option",
                       "What to spend on each option (share of the "
                       + ("budget" if form == "max" else "spend chosen") + f"), and the mix's {label(m).lower()} "
                       "with its 95% interval, simulated as one plan."),
    }
    if form != "max":
        what = ("the dashed line is the target; the dotted line the least budget whose mix reaches it"
                if form == "least_spend" else
                "right: the marginal cost of each step (its money over the paired increase in people engaged, "
                "with a 95% interval), the dashed line the limit; the dotted line the last budget before a step costs "
                "more than the limit")
        out["expansion_path"] = ("The best mix as the budget grows",
                                 f"At each budget on the step grid, the greedy start and paired search find the best "
                                 f"mix; left: its {label(m).lower()} (mean per run, 95% interval); {what}. " + runs)
    fr = summary.get("frontier")
    if fr:
        a, b = fr["metrics"]
        out["frontier"] = ("Trade-off frontier",
                           f"Every mix evaluated ({fr['evaluated']}) by {label(a).lower()} and {label(b).lower()}: the "
                           f"{fr['pareto']} Pareto-optimal mixes (no other mix is at least as good on both and better "
                           "on one) in colour by the money they allot, joined, with 95% intervals; the others grey."
                           + (f" Speed is the steps until {fr['common_target']:,.0f} people engaged, half the smallest "
                              "reach among the mixes of the whole budget." if fr.get("common_target") else "")
                           + " " + runs)
    return out


def figures_for_plan(out_dir: str | Path) -> list[Path]:
    """Draw the plan's figures into ``out_dir/figures`` (PNG and SVG) and list them in ``figures/index.json``
    (group ``"plan"``, with titles and captions, beside a run's figures); returns the files."""
    out_dir = Path(out_dir)
    summary = json.loads((out_dir / "optimize.json").read_text())
    curves = read_table(out_dir / "response_curves.csv")
    # the colours of the config's strategies in its other figures (by position in the strategy list)
    colors = strategy_colors(list(summary["vs_best_fixed_strategy"]["strategies"]))
    folder = out_dir / "figures"
    folder.mkdir(exist_ok=True)
    draws = [("response_curves", lambda: response_curves_figure(curves, summary, colors)),
             ("allocation", lambda: allocation_figure(summary, colors))]
    if summary.get("path"):
        draws.append(("expansion_path", lambda: path_figure(summary)))
    if summary.get("frontier") and (out_dir / "mixes.csv").exists():
        draws.append(("frontier", lambda: frontier_figure(read_table(out_dir / "mixes.csv"), summary)))
    captions = _captions(summary)
    paths, index = [], []
    for name, draw in draws:
        files = _save(draw(), folder, name)
        paths += files
        title, caption = captions[name]
        index.append({"name": name, "title": title, "caption": caption, "png": files[0].name, "svg": files[1].name})
    write_index(folder, "plan", index)
    return paths
