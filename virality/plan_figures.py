"""Figures of a budget plan (``virality optimize``): response curves and the allocation, from its folder.

Reads ``response_curves.csv``, ``allocation.csv`` and ``optimize.json`` written by
:func:`virality.planner.write_outputs` and draws, with :mod:`virality.plots`' style and colours,
``figures/response_curves`` (one panel per option: the objective's mean and 95% interval at each spend,
the Hill fit, the optimum's spend marked) and ``figures/allocation`` (the budget per option), as PNG and SVG.
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
from .figures import _new_figure, _save
from .plots import STYLE, percent_formatter, strategy_colors
from .tables import column_equals, read_table

__all__ = ["response_curves_figure", "allocation_figure", "figures_for_plan"]


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
            ax.axvline(spend, color="#222222", linewidth=1, linestyle=":", label=f"optimum: {spend:,.0f}")
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
    budget = float(summary["budget"])
    metric = summary["objective"]
    v = summary["value"]
    with plt.rc_context(STYLE):
        fig = _new_figure((8.5, 1.4 + 0.45 * len(names)))
        ax = fig.add_subplot()
        y = np.arange(len(names))[::-1]
        ax.barh(y, spend, color=[colors[n] for n in names], height=0.6)
        for yi, x in zip(y, spend):
            ax.text(x + budget * 0.01, yi, f"{x:,.0f} ({100 * x / budget:.0f}%)", va="center", fontsize=9)
        ax.set_yticks(y, names)
        ax.set_xlim(0, budget * 1.18)
        ax.xaxis.set_major_formatter(FuncFormatter(_money))
        ax.set_xlabel(f"spend (budget {budget:,.0f})")
        ax.set_title(f"Allocation of {budget:,.0f}: {label(metric)} {fmt(metric, v['value'])} "
                     f"[{fmt(metric, v['low'])}, {fmt(metric, v['high'])}]")
    return fig


def figures_for_plan(out_dir: str | Path) -> list[Path]:
    """Draw the plan's figures into ``out_dir/figures`` (PNG and SVG); returns the files."""
    out_dir = Path(out_dir)
    summary = json.loads((out_dir / "optimize.json").read_text())
    curves = read_table(out_dir / "response_curves.csv")
    # the colours of the config's strategies in its other figures (by position in the strategy list)
    colors = strategy_colors(list(summary["vs_best_fixed_strategy"]["strategies"]))
    folder = out_dir / "figures"
    folder.mkdir(exist_ok=True)
    paths = []
    for name, fig in (("response_curves", response_curves_figure(curves, summary, colors)),
                      ("allocation", allocation_figure(summary, colors))):
        paths += _save(fig, folder, name)
    return paths
