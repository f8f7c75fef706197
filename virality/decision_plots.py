"""Figures of a decision under uncertainty: data in, Axes out.

:func:`probability_of_best` draws each strategy's probability of being best (``decision.csv``) with its 95%
interval, one panel per decision metric; :func:`decision_map` the winner of every world over two uncertain
parameters, paler the smaller its margin (as the sweep phase diagrams, :func:`virality.plots.phase_diagram`);
:func:`sensitivity_tornado` the Sobol' indices (``sensitivity.csv``) of a paired difference, parameters by
total-order index. Styles, colours and the winner's margin come from :mod:`virality.plots` and
:func:`virality.results.sweep_summary`; which parameters the map shows from
:func:`virality.uncertainty.decision_keys`.
"""

from __future__ import annotations

import json
import math
import textwrap
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter, PercentFormatter

from .catalog import METRICS, label
from .uncertainty import p_best_decimals, p_best_label
from .plots import _WEAKEST, _finite, _styled, panel_axes, strategy_colors
from .results import key_label, sweep_summary, value_label

__all__ = ["probability_of_best", "decision_map", "sensitivity_tornado"]


def _rows(table: Mapping[str, Any], column: str, value: str) -> list[int]:
    return [i for i, x in enumerate(np.asarray(table[column]).tolist()) if str(x) == value]


def _better(metric: str) -> str:
    better = METRICS[metric].better if metric in METRICS else None
    return {"lower": "lower is better", "higher": "higher is better"}.get(better, "")


def _note(ax: Any, text: str, y: float = -0.13) -> None:
    """Grey notes under an Axes, wrapped to its width (so the layout does not make room for one long line)."""
    width = max(40, int(ax.get_position().width * ax.figure.get_figwidth() * 72 / 4.8))
    ax.text(0, y, "\n".join(textwrap.fill(t, width) for t in text.split("\n")), transform=ax.transAxes, fontsize=8,
            color="#555555", va="top", gid="note")


# ------------------------------------------------------------------------------------- probability of being best
@_styled
def probability_of_best(decision: Mapping[str, Sequence], fig: Figure | None = None, *,
                        strategies: Sequence[str] | None = None, colors: Mapping[str, str] | None = None,
                        metrics: Sequence[str] | None = None) -> list[Any]:
    """Each strategy's probability of being best with its 95% interval, one panel per metric.

    Parameters
    ----------
    decision : dict of columns
        ``decision.csv`` (:func:`virality.uncertainty.decision_table`): ``metric``, ``strategy``, ``p_best``,
        ``p_best_low``, ``p_best_high``, ``worlds``.
    fig : matplotlib Figure, optional
        Drawn into (cleared first); a new one when None.
    strategies : sequence of str, optional
        Order of the bars (default: as in the table; config order).
    colors : mapping, optional
        Strategy -> colour.
    metrics : sequence of str, optional
        Panels (default: every metric of the table).

    Returns
    -------
    list of matplotlib Axes
        One per metric; bar lengths are ``p_best`` (a share, 0-1), the whiskers its Wilson interval.
    """
    metrics = list(metrics) if metrics is not None else list(dict.fromkeys(str(m) for m in decision["metric"]))
    names = list(strategies) if strategies is not None else list(dict.fromkeys(str(s) for s in decision["strategy"]))
    colors = dict(colors) if colors is not None else strategy_colors(names)
    ncols = 2 if len(metrics) > 1 else 1
    fig, axes = panel_axes(fig, len(metrics), ncols, width=12, row_height=1.3 + 0.42 * len(names), extra=0.9)
    y = np.arange(len(names))
    worlds = set()
    for ax, metric in zip(axes, metrics):
        rows = {str(decision["strategy"][i]): i for i in _rows(decision, "metric", metric)}
        p = np.array([float(decision["p_best"][rows[n]]) if n in rows else np.nan for n in names])
        lo = np.array([float(decision["p_best_low"][rows[n]]) if n in rows else np.nan for n in names])
        hi = np.array([float(decision["p_best_high"][rows[n]]) if n in rows else np.nan for n in names])
        worlds |= {int(decision["worlds"][i]) for i in rows.values()}
        ok = np.isfinite(p)
        ax.barh(y[ok], p[ok], color=[colors[n] for n, k in zip(names, ok) if k], height=0.66, zorder=2, gid="p_best")
        err = ok & np.isfinite(lo) & np.isfinite(hi)
        ax.errorbar(p[err], y[err], xerr=[p[err] - lo[err], hi[err] - p[err]], fmt="none", ecolor="#222222",
                    elinewidth=1.1, capsize=3, zorder=3)
        # every strategy tied at the top is marked, as the report's table marks them (a bold on one would pick a
        # winner the data does not)
        top = ok & (p == np.nanmax(p)) if ok.any() else ok
        d = p_best_decimals(p[ok].tolist()) if ok.any() else 0
        for i in range(len(names)):
            text = (p_best_label(p[i], lo[i], hi[i], d) if err[i] else f"{100 * p[i]:.{d}f}%" if ok[i] else "n/a")
            x = hi[i] if err[i] else (p[i] if ok[i] else 0.0)
            ax.text(x + 0.015, y[i], text, va="center", ha="left", fontsize=8.5, color="#222222",
                    fontweight="bold" if top[i] else "normal", gid="p_best_label")
        ax.set_title(f"{label(metric)}\n", loc="left")  # the second line holds the note: long titles do not run into it
        n_worlds = {int(decision["worlds"][i]) for i in rows.values()}
        ax.text(0.0, 1.02, f"({_better(metric)}; {'/'.join(map(str, sorted(n_worlds)))} worlds)", transform=ax.transAxes,
                fontsize=8.5, color="#555555", va="bottom", ha="left")
        ax.axvline(1 / max(len(names), 1), color="#999999", lw=0.8, ls=":", zorder=1)
        ax.grid(axis="x", color="#e5e5e5", lw=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(0, 1.25)  # room for the labels right of a whisker that ends at 100%
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("share of worlds in which it is best")
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()
    n = f" over {worlds.pop()} worlds" if len(worlds) == 1 else ""
    fig.suptitle(f"Probability of being best{n} (bar: share of worlds won, ties split; whisker: 95% "
                 f"interval; dotted: 1 in {len(names)})")
    return list(axes[:len(metrics)])


# ------------------------------------------------------------------------------------- decision map
def _numbers(values: list[Any]) -> tuple[np.ndarray, list[str] | None]:
    """Values of one key as positions: numbers as they are, anything else by order of first appearance (and
    then its tick labels)."""
    try:
        return np.array([float(v) for v in values]), None
    except (TypeError, ValueError):
        keys = list(dict.fromkeys(json.dumps(v, sort_keys=True, default=str) for v in values))
        pos = np.array([keys.index(json.dumps(v, sort_keys=True, default=str)) for v in values], float)
        return pos, [value_label(json.loads(k)) for k in keys]


def _spread(x: np.ndarray, y: np.ndarray, logx: bool, logy: bool, radius: float = 0.022) -> tuple[np.ndarray, np.ndarray, int]:
    """Worlds that share a point (a choice, or the levels of Morris' design) moved onto a small circle around it,
    in axes fractions, so that each stays visible; returns the positions and how many points were moved."""
    tx = np.log(x) if logx else x.copy()
    ty = np.log(y) if logy else y.copy()
    span = [max(float(np.ptp(t)), 1e-12) for t in (tx, ty)]
    groups: dict[tuple[float, float], list[int]] = {}
    for i, (a, b) in enumerate(zip(tx, ty)):
        groups.setdefault((round(a / span[0], 9), round(b / span[1], 9)), []).append(i)
    moved = 0
    for members in groups.values():
        if len(members) < 2:
            continue
        moved += len(members)
        for k, i in enumerate(members):
            angle = 2 * math.pi * k / len(members) + math.pi / 2
            r = radius * (1 + 0.15 * len(members))
            tx[i] += r * span[0] * math.cos(angle)
            ty[i] += r * span[1] * math.sin(angle)
    return (np.exp(tx) if logx else tx), (np.exp(ty) if logy else ty), moved


#: at most this many worlds get their margin written beside their point
_LABELLED = 40


@_styled
def decision_map(summary: Mapping[str, Any], keys: Sequence[str], metric: str = "engaged", ax: Any = None, *,
                 runs: Mapping[str, np.ndarray] | None = None, colors: Mapping[str, str] | None = None,
                 log: Sequence[bool] = (False, False), bounds: Sequence[tuple[float, float] | None] = (),
                 note: str = "") -> Any:
    """The winner of every world over one or two uncertain parameters: a scatter of the worlds, one point each.

    Parameters
    ----------
    summary : dict
        ``summary.json`` of an uncertainty run: one cell per world, its ``overrides`` the world's values.
    keys : sequence of str
        One or two uncertain keys (x, then y); with one, y is the winner's margin.
    metric : str
        Lower wins for costs and times.
    ax : matplotlib Axes, optional
    runs : dict of numpy arrays, optional
        ``runs.csv`` of every world: each margin is then paired over the world's runs, with its 95% interval
        (:func:`virality.results.sweep_summary`, as in the phase diagrams).
    colors : mapping, optional
        Strategy -> colour.
    log : pair of bool
        Log scale on x and y (for ``loguniform`` ranges).
    bounds : pair of (low, high) or None, optional
        The ranges of x and y (the axes then show the whole range, so one sees where the worlds lie in it).
    note : str
        Printed under the plot (which parameters and why: :func:`virality.uncertainty.decision_keys`).

    Returns
    -------
    matplotlib Axes
        One point per world, in world order (collection ``gid="worlds"``): its edge takes the colour of the
        world's winner, its fill the same colour paler the smaller the margin over the runner-up (as a share of
        the larger value); a hollow point is a tie (the margin's interval holds zero).
    """
    cells = summary["cells"]
    names = list(cells[0]["strategies"])
    colors = dict(colors) if colors is not None else strategy_colors(names)
    rows = [r for r in sweep_summary(summary, runs, [metric]) if r["metric"] == metric]
    keep = [r for r in rows if r["winner"] is not None]
    ax = ax if ax is not None else plt.subplots(figsize=(9, 6.5), layout="constrained")[1]
    x, xticks = _numbers([(cells[r["cell"]].get("overrides") or {}).get(keys[0]) for r in keep])
    if len(keys) > 1:
        y, yticks = _numbers([(cells[r["cell"]].get("overrides") or {}).get(keys[1]) for r in keep])
    else:
        y, yticks = np.array([100 * (r["relative"] if _finite(r["relative"]) else 0.0) for r in keep]), None
    logx, logy = bool(log[0]) and xticks is None, len(keys) > 1 and bool(log[1]) and yticks is None
    px, py, moved = _spread(x, y, logx, logy)
    edge, face = [], []
    for r in keep:
        c = np.array(mcolors.to_rgb(colors[r["winner"]]))
        edge.append(mcolors.to_hex(c))
        if r["tie"]:
            face.append("#ffffff")
        else:
            strength = _WEAKEST + (1 - _WEAKEST) * (r["relative"] if _finite(r["relative"]) else 1.0)
            face.append(mcolors.to_hex(1 - strength * (1 - c)))
    ax.scatter(px, py, s=110, c=face, edgecolors=edge, linewidths=1.8, zorder=3, gid="worlds")
    for on, axis, setter in ((logx, ax.xaxis, ax.set_xscale), (logy, ax.yaxis, ax.set_yscale)):
        if on:  # ticks at 1, 2 and 5 of each decade, written as plain numbers
            setter("log")
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
            axis.set_minor_formatter(NullFormatter())
    for (on, lim, setter), b in zip(((logx, x, ax.set_xlim), (logy, y, ax.set_ylim)), list(bounds)[:len(keys)]):
        if b is None or not all(_finite(v) for v in b) or (on and min(b) <= 0):
            continue
        lo, hi = float(min(b[0], np.nanmin(lim))), float(max(b[1], np.nanmax(lim)))
        pad = (hi / lo) ** 0.03 if on else 0.03 * (hi - lo)
        setter(lo / pad, hi * pad) if on else setter(lo - pad, hi + pad)
    labelled = len(keep) <= _LABELLED and len(keys) > 1  # with one key, y is the margin already
    if labelled:  # few worlds: each point says its margin
        for xi, yi, r in zip(px, py, keep):
            text = "tie" if r["tie"] else f"{100 * r['relative']:.0f}%" if _finite(r["relative"]) else ""
            ax.annotate(text, (xi, yi), xytext=(7, 5), textcoords="offset points", fontsize=7.5, color="#444444",
                        gid="margin")
    if xticks is not None:
        ax.set_xticks(np.arange(len(xticks)), xticks)
    if yticks is not None:
        ax.set_yticks(np.arange(len(yticks)), yticks)
    ax.set_xlabel(key_label(keys[0], names) + (" (log scale)" if logx else ""))
    if len(keys) > 1:
        ax.set_ylabel(key_label(keys[1], names) + (" (log scale)" if logy else ""))
    else:
        ax.set_ylabel("winner's margin over the runner-up\n(% of the larger value)")
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_ylim(bottom=0)
    ax.grid(color="#eeeeee", lw=0.8)
    ax.set_axisbelow(True)
    # legend: who wins how often, and how to read the fill
    count = {n: sum(r["winner"] == n for r in keep) for n in names}
    handles = [Line2D([], [], ls="", marker="o", ms=9, mfc=colors[n], mec=colors[n], mew=1.8,
                      label=f"{n} wins ({count[n]} of {len(keep)} worlds)") for n in names]
    handles.append(Line2D([], [], ls="", marker="o", ms=9, mfc=mcolors.to_hex(1 - _WEAKEST * (1 - np.array(
        mcolors.to_rgb("#555555")))), mec="#555555", mew=1.8, label="paler: a smaller margin"))
    ties = sum(bool(r["tie"]) for r in keep)
    if ties:
        handles.append(Line2D([], [], ls="", marker="o", ms=9, mfc="white", mec="#555555", mew=1.8,
                              label=f"hollow: a tie ({ties}), interval holds zero"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="winner of the world")
    low = METRICS[metric].better == "lower" if metric in METRICS else False
    ax.set_title(f"Which strategy wins in which world: {label(metric).lower()} ({'lowest' if low else 'highest'} "
                 f"wins)")
    notes = [f"Each point is one of the {len(keep)} worlds: its colour is the strategy with the "
             f"{'lowest' if low else 'highest'} {label(metric).lower()} there, the fill paler the smaller its margin "
             f"over the runner-up (paired over the world's runs)"
             + (", written beside it as a share of the larger value." if labelled else ".")]
    if moved:
        notes.append(f"{moved} worlds share a point with others and are drawn on a small circle around it.")
    if note:
        notes.append(note)
    _note(ax, "\n".join(notes))
    return ax


# ------------------------------------------------------------------------------------- tornado
#: the tornado's x range at most (indices are shares of a variance, in [0, 1] but for estimation noise)
_CLIP = (-0.3, 1.3)


@_styled
def sensitivity_tornado(table: Mapping[str, Sequence], output: str, fig: Figure | None = None, *,
                        metrics: Sequence[str] | None = None, strategies: Sequence[str] | None = None) -> list[Any]:
    """Sobol' indices of one output, one panel per metric: per parameter the total-order index (dark) and the
    first-order index (light), each with its 95% interval, the largest total order on top.

    Parameters
    ----------
    table : dict of columns
        ``sensitivity.csv``: ``output``, ``metric``, ``key``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
    output : str
        Which output (a strategy, or the paired difference ``"A - B"``).
    fig : matplotlib Figure, optional
    metrics : sequence of str, optional
        Panels (default: every metric the table has for ``output``).
    strategies : sequence of str, optional
        Names for the parameter labels (``strategy.N.x``).

    Returns
    -------
    list of matplotlib Axes
        Bars with ``gid`` ``"ST"`` and ``"S1"``.
    """
    mine = _rows(table, "output", output)
    metrics = list(metrics) if metrics is not None else list(dict.fromkeys(str(table["metric"][i]) for i in mine))
    keys = list(dict.fromkeys(str(table["key"][i]) for i in mine))
    ncols = 2 if len(metrics) > 1 else 1
    nrows = max(1, math.ceil(len(metrics) / ncols))
    if fig is None:
        fig = plt.figure(figsize=(12, nrows * (1.3 + 0.55 * len(keys)) + 0.9), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for extra in axes[len(metrics):]:
        extra.remove()
    lows, highs = [0.0], [1.0]
    for ax, metric in zip(axes, metrics):
        rows = [i for i in mine if str(table["metric"][i]) == metric]
        rows.sort(key=lambda i: -float(table["ST"][i]))
        y = np.arange(len(rows))
        for col, shift, color, name in (("ST", -0.18, "#0b3d62", "total order (with interactions)"),
                                        ("S1", 0.18, "#88CCEE", "first order (alone)")):
            v = np.array([float(table[col][i]) for i in rows])
            e = np.array([float(table[f"{col}_conf"][i]) for i in rows])
            ax.barh(y + shift, v, height=0.34, color=color, zorder=2, gid=col, label=name)
            ax.errorbar(v, y + shift, xerr=e, fmt="none", ecolor="#222222", elinewidth=1, capsize=2.5, zorder=3)
            lows.append(float(np.nanmin(v - e)) if v.size else 0.0)
            highs.append(float(np.nanmax(v + e)) if v.size else 1.0)
            for k, (vi, ei) in enumerate(zip(v, e)):  # the numbers in a column right of the panel
                ax.text(1.02, y[k] + shift, f"{vi:.2f} ±{ei:.2f}", va="center", ha="left", fontsize=8,
                        color="#0b3d62" if col == "ST" else "#2b7bb0", transform=ax.get_yaxis_transform(),
                        clip_on=False, gid=f"{col}_value")
        ax.set_yticks(y, [key_label(str(table["key"][i]), strategies).replace(" (", "\n(") for i in rows])
        ax.invert_yaxis()
        ax.axvline(0, color="#444444", lw=0.8)
        ax.set_title(f"{label(metric)}: {output.replace(' - ', ' − ')}", loc="left")
        ax.grid(axis="x", color="#e5e5e5", lw=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
    # one scale in every panel, around [0, 1] where indices live: an interval far outside is estimation noise
    # (too few worlds) and is cut at the axis rather than squeezing every other bar
    left, right = max(min(lows), _CLIP[0]), min(max(highs), _CLIP[1])
    cut = min(lows) < _CLIP[0] or max(highs) > _CLIP[1]
    for ax in axes[:len(metrics)]:
        ax.set_xlim(left - 0.05, right + 0.05)
        ax.xaxis.set_major_locator(MaxNLocator(6))
        ax.set_xlabel("share of the output's variance")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper right", ncols=2, fontsize=8.5)
    fig.suptitle(f"Which unknown decides {output.replace(' - ', ' − ')}: Sobol' indices with 95% intervals"
                 + ("\n(whiskers beyond the axis are cut: intervals that wide call for more worlds)" if cut else ""),
                 fontsize=12)
    return list(axes[:len(metrics)])
