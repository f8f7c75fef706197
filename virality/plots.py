"""Figures: data in, Axes out.

Every plotting function takes plain data (column dicts of the tidy tables, a ``summary.json`` cell,
or record arrays of single runs) and an optional Matplotlib ``ax`` (``fig`` for multi-panel figures),
draws with one colour-blind-safe palette (Okabe-Ito: a fixed colour per strategy and per channel) and
returns what it drew on. Nothing here touches global Matplotlib state or reads a folder: styles are
applied with ``plt.rc_context`` for the duration of a call. Labels, units and better directions come
from :mod:`virality.catalog`; trees, flows and penetration from :mod:`virality.cascades`.
Maps of communities and people are :mod:`virality.maps`; :mod:`virality.figures` draws the figure set of a
results directory.
"""

from __future__ import annotations

import functools
import math
import textwrap
from typing import Any, Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter

from .cascades import breadth_first, largest_tree
from .catalog import LOWER_IS_BETTER, METRICS, RATIOS, fmt, fmt_difference, fmt_value, is_percent, label, unit
from .codes import CH_BROADCAST, CH_INFLUENCER, CH_PEER, CH_POSTER, CH_SEED
from .results import (key_label, per_strategy_runs, sweep_summary, sweep_values, tied_keys, value_key, value_label,
                      winner_margin)
from .tables import column_equals, one_cell, select_rows, strategy_names

__all__ = [
    "STYLE", "STRATEGY_PALETTE", "CHANNEL_COLORS", "CHANNEL_LABELS", "strategy_colors",
    "adoption_curves", "comparison_panel", "channel_attribution", "cascade_tree", "penetration_heatmap",
    "phase_diagram", "sweep_metric",
    "ShareTicks", "percent_formatter", "panel_axes", "penetration_from_table", "flows_from_table", "settled_step",
    "margin_text",
]

# ------------------------------------------------------------------------------------- style
#: Okabe-Ito (colour-blind safe), in the order strategies get them; yellow last (weak on white)
STRATEGY_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#4D4D4D", "#F0E442",
                    # further strategies: Paul Tol's muted scheme (also colour-blind safe)
                    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
#: channel code (records) -> colour
CHANNEL_COLORS = {CH_SEED: "#000000", CH_POSTER: "#882255", CH_BROADCAST: "#E69F00", CH_INFLUENCER: "#CC79A7",
                  CH_PEER: "#009E73"}
#: channel code (records) -> label
CHANNEL_LABELS = {CH_SEED: "organic seed", CH_POSTER: "hired influencer", CH_BROADCAST: "broadcast (mass media)",
                  CH_INFLUENCER: "influencer post",
                  4: "peer (word of mouth)"}
_CHANNEL_BY_NAME = {"broadcast": CH_BROADCAST, "influencer": CH_INFLUENCER, "peer": CH_PEER}
#: Matplotlib settings used (through ``plt.rc_context``) by every function here
STYLE: dict[str, Any] = {
    "font.size": 10, "axes.titlesize": 11.5, "axes.titleweight": "bold", "axes.titlepad": 8,
    "axes.labelsize": 10, "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 9,
    "legend.title_fontsize": 9, "legend.frameon": False, "axes.spines.top": False, "axes.spines.right": False,
    "axes.edgecolor": "#444444", "axes.labelcolor": "#222222", "xtick.color": "#444444", "ytick.color": "#444444",
    "figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
    "figure.titlesize": 13, "figure.titleweight": "bold", "svg.fonttype": "none", "image.cmap": "viridis",
}
SEQUENTIAL = "viridis"
DPI = 130
def strategy_colors(names: Sequence[str]) -> dict[str, str]:
    """A fixed colour per strategy, by its position in the experiment's strategy list.

    Parameters
    ----------
    names : sequence of str
        Strategy names in config order.

    Returns
    -------
    dict
        Name -> hex colour (Okabe-Ito first, then Paul Tol's muted scheme, then repeating).
    """
    return {n: STRATEGY_PALETTE[i % len(STRATEGY_PALETTE)] for i, n in enumerate(names)}


def _styled(fn: Callable) -> Callable:
    """Run a plotting function inside ``plt.rc_context(STYLE)`` (no global state is changed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with plt.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def panel_axes(fig: Figure | None, panels: int, ncols: int, *, width: float, row_height: float,
               extra: float) -> tuple[Figure, np.ndarray]:
    """A figure (cleared, or new) with ``panels`` Axes on a grid of ``ncols`` columns sharing y (unused cells removed)."""
    nrows = math.ceil(panels / ncols)
    if fig is None:
        fig = plt.figure(figsize=(width, nrows * row_height + extra), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    for unused in axes[panels:]:
        unused.remove()
    return fig, axes[:panels]


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _thousands(x: float, _pos: Any = None) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.6g}"


def _people(x: float) -> str:
    """A mean count of people: one decimal, or two significant digits below 0.1."""
    return f"{x:,.1f}" if abs(x) >= 0.1 or x == 0 else f"{x:.2g}"


def _text_color(rgba: Sequence[float]) -> str:
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(float(x))


class ShareTicks(Formatter):
    """Shares (0-1) printed as percentages with as many decimals as the scale needs.

    At least the decimals that ``vmax`` (the top of the scale) needs to show its first digit (24% ->
    none, 0.5% -> one, 0.04% -> two), and, once the axis hands over its ticks, enough for every tick
    to print exactly (ticks 0.25% apart -> two), so that no two ticks read the same; at most
    ``max_decimals``, past which ticks that would still print alike get two significant digits.
    Use it for every colour bar of shares (:func:`percent_formatter`).

    Examples
    --------
    >>> ShareTicks(0.004).format_ticks([0, 0.001, 0.002, 0.003, 0.004])
    ['0.0%', '0.1%', '0.2%', '0.3%', '0.4%']
    >>> ShareTicks(0.3).format_ticks([0, 0.1, 0.2, 0.3])
    ['0%', '10%', '20%', '30%']
    """

    def __init__(self, vmax: float | None = None, max_decimals: int = 3) -> None:
        self.vmax = vmax
        self.max_decimals = max_decimals
        self.decimals = self._from_vmax()
        self.significant = False

    def _from_vmax(self) -> int:
        if not _finite(self.vmax) or self.vmax <= 0:
            return 0
        return int(min(max(0, -math.floor(math.log10(self.vmax * 100))), self.max_decimals))

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        pct = [100.0 * float(x) for x in locs if _finite(x)]
        d = self._from_vmax()
        while d < self.max_decimals and any(abs(p * 10**d - round(p * 10**d)) > 1e-6 for p in pct):
            d += 1
        self.decimals = d
        self.significant = len({f"{p:.{d}f}" for p in pct}) < len(set(pct))

    def __call__(self, x: float, pos: Any = None) -> str:
        if self.significant:
            return f"{100.0 * x:.2g}%"
        return f"{100.0 * x:.{self.decimals}f}%"


def percent_formatter(vmax: float | None = None) -> ShareTicks:
    """The formatter of a colour bar of shares whose scale tops out at ``vmax`` (see :class:`ShareTicks`)."""
    return ShareTicks(vmax)


# ------------------------------------------------------------------------------------- tables
def penetration_from_table(table: Mapping[str, np.ndarray], strategy: str,
                           n_communities: int | None = None) -> np.ndarray | None:
    """One strategy's rows of the ``penetration`` table as a matrix: share of each community engaged
    by each step, mean over all runs (``[community, step]``); None when the table has no rows for it.

    Parameters
    ----------
    table : dict of numpy arrays
        Columns of ``penetration.csv`` (``strategy``, ``community``, ``step``, ``share``), one cell.
    strategy : str
    n_communities : int, optional
        Rows of the matrix (default: the largest community id + 1).
    """
    t = select_rows(table, column_equals(table["strategy"], strategy))
    if t["community"].size == 0:
        return None
    comm, step = t["community"].astype(int), t["step"].astype(int)
    c = int(n_communities if n_communities is not None else comm.max() + 1)
    m = np.zeros((c, int(step.max()) + 1))
    m[comm, step] = t["share"].astype(float)
    return m


def flows_from_table(table: Mapping[str, np.ndarray], strategy: str, n_communities: int) -> np.ndarray:
    """One strategy's rows of the ``flows`` table as a matrix: ``F[a, b]`` people of community b engaged
    per run by someone of community a (mean over all runs; zero where the table has no row)."""
    t = select_rows(table, column_equals(table["strategy"], strategy))
    f = np.zeros((n_communities, n_communities))
    f[t["source_community"].astype(int), t["target_community"].astype(int)] = t["per_run"].astype(float)
    return f


# ------------------------------------------------------------------------------------- 1. curves
@_styled
def adoption_curves(curves_table: Mapping[str, np.ndarray], ax: Any = None, *, strategies: Sequence[str] | None = None,
                    colors: Mapping[str, str] | None = None, cell: int | None = None, title: str | None = None,
                    bands: Sequence[str] | None = None) -> Any:
    """Mean cumulative engagement per step, one line per strategy, with the 5-95% band of runs.

    Parameters
    ----------
    curves_table : dict of numpy arrays
        Columns of ``curves.csv``: ``strategy``, ``step``, ``mean``, ``low`` (5% quantile), ``high`` (95%),
        optionally ``cell``.
    ax : matplotlib Axes, optional
        Drawn on a new figure when None.
    strategies : sequence of str, optional
        Which strategies, in which order (default: all, in table order).
    colors : mapping, optional
        Strategy -> colour (default :func:`strategy_colors` of all strategies in the table).
    cell : int, optional
        Sweep cell to draw (default: the first).
    title : str, optional
    bands : sequence of str, optional
        Strategies whose 5-95% band is drawn (default: all). Overlapping bands of many strategies cannot be
        told apart: pass the baseline and the winner.

    Returns
    -------
    matplotlib Axes
        The legend lists exactly the strategies drawn.
    """
    t = one_cell(curves_table, cell)
    names_all = strategy_names(t["strategy"])
    names = list(strategies) if strategies is not None else names_all
    colors = dict(colors) if colors is not None else strategy_colors(names_all)
    ax = _axes(ax, (9, 5))
    last_active = 1
    series = []
    for name in names:
        sel = column_equals(t["strategy"], name)
        if not sel.any():
            continue
        order = np.argsort(t["step"][sel])
        step = t["step"][sel][order].astype(float)
        mean, lo, hi = (np.asarray(t[k], float)[sel][order] for k in ("mean", "low", "high"))
        series.append((name, step, mean, lo, hi))
        final = mean[-1] if mean.size else 0.0
        if final > 0:
            done = np.flatnonzero(mean >= 0.995 * final)
            last_active = max(last_active, int(step[done[0]]) if done.size else int(step[-1]))
    x_max = max(5, int(math.ceil(last_active * 1.15)) + 1)
    extended = []
    for name, step, mean, lo, hi in series:
        if step.size and step[-1] < x_max:  # cumulative counts stay flat after a run's last engagement
            step = np.append(step, x_max)
            mean, lo, hi = (np.append(a, a[-1]) for a in (mean, lo, hi))
        extended.append((name, step, mean, lo, hi))
    for name, step, mean, lo, hi in extended:
        if bands is None or name in bands:
            ax.fill_between(step, lo, hi, color=colors.get(name, "#333333"), alpha=0.16, linewidth=0,
                            label="_nolegend_")
    for name, step, mean, lo, hi in extended:
        ax.plot(step, mean, color=colors.get(name, "#333333"), lw=2.2, label=name)
    ax.set_xlim(0, x_max)
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_xlabel("steps since launch")
    ax.set_ylabel("people engaged (cumulative)")
    ax.set_title(title or "Engagement over time")
    ax.grid(axis="y", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    shaded = "" if bands is None else "\n(" + " and ".join(b for b in names if b in bands) + ")"
    ax.legend(title=f"strategy (line: mean,\nband: 5-95% of runs{shaded})", loc="upper left", bbox_to_anchor=(1.01, 1.0),
              alignment="left")
    return ax


# ------------------------------------------------------------------------------------- 2. comparison
#: the panels of :func:`comparison_panel`
PANEL_METRICS = ("engaged", "engagement_rate", "cost_per_engagement", "time_to_common", "structural_virality",
                 "engaged_peer")


@_styled
def comparison_panel(summary_cell: Mapping[str, Any], fig: Figure | None = None, *,
                     metrics: Sequence[str] = PANEL_METRICS, colors: Mapping[str, str] | None = None) -> Figure:
    """Six headline metrics side by side: one horizontal bar per strategy with its 95% interval.

    Parameters
    ----------
    summary_cell : dict
        One entry of ``summary["cells"]`` (``strategies`` and ``summary[name]["metrics"][metric]`` with
        ``value``, ``low``, ``high``).
    fig : matplotlib Figure, optional
        Drawn into (cleared first); a new one when None.
    metrics : sequence of str
        Metrics, one panel each (default: reach, engagement rate, cost per engagement, time to half,
        structural virality, people engaged by peers).
    colors : mapping, optional
        Strategy -> colour.

    Returns
    -------
    matplotlib Figure
        One Axes per metric; the best value of each panel is printed in bold.
    """
    names = list(summary_cell["strategies"])
    colors = dict(colors) if colors is not None else strategy_colors(names)
    ncols = 3 if len(metrics) > 4 else len(metrics)
    fig, axes = panel_axes(fig, len(metrics), ncols, width=14, row_height=0.9 + 0.34 * len(names), extra=0.8)
    y = np.arange(len(names))
    for ax, metric in zip(axes, metrics):
        scale = 100.0 if is_percent(metric) else 1.0
        vals, los, his, texts = [], [], [], []
        for n in names:
            e = summary_cell["summary"][n]["metrics"].get(metric, {})
            v, lo, hi = (e.get(k) for k in ("value", "low", "high"))
            texts.append(fmt_value(metric, v, lo, hi))  # to the precision its interval supports
            vals.append(v * scale if _finite(v) else np.nan)
            los.append(lo * scale if _finite(lo) else np.nan)
            his.append(hi * scale if _finite(hi) else np.nan)
        vals, los, his = np.array(vals), np.array(los), np.array(his)
        ok = np.isfinite(vals)
        ax.barh(y[ok], vals[ok], color=[colors[n] for n, k in zip(names, ok) if k], height=0.68, zorder=2)
        err = np.isfinite(los) & np.isfinite(his) & ok
        if err.any():
            ax.errorbar(vals[err], y[err], xerr=[vals[err] - los[err], his[err] - vals[err]], fmt="none",
                        ecolor="#222222", elinewidth=1.1, capsize=3, zorder=3)
        top = np.nanmax(np.where(np.isfinite(his), his, vals)) if ok.any() else 1.0
        top = top if _finite(top) and top > 0 else 1.0
        better = METRICS[metric].better if metric in METRICS else "higher"
        best = None
        if ok.any() and better is not None:
            best = int(np.nanargmin(vals) if better == "lower" else np.nanargmax(vals))
        for i in range(len(names)):
            x = his[i] if np.isfinite(his[i]) else vals[i]
            text = texts[i] if ok[i] else "n/a"
            ax.text((x if np.isfinite(x) else 0) + top * 0.03, y[i], text, va="center", ha="left", fontsize=8.5,
                    fontweight="bold" if i == best else "normal", color="#222222")
        ax.set_xlim(0, MaxNLocator(5).tick_values(0, top * 1.32)[-1])
        title, axis_unit = label(metric), unit(metric)
        arrow = {"lower": "lower is better", "higher": "higher is better"}.get(better, "neither is better")
        ax.set_title(f"{title}\n", loc="left")
        ax.text(0, 1.02, f"({arrow})", transform=ax.transAxes, fontsize=8.5, color="#555555", va="bottom")
        ax.set_xlabel(axis_unit)
        ax.grid(axis="x", color="#e5e5e5", lw=0.8)
        ax.set_axisbelow(True)
        if is_percent(metric):
            ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
        else:
            ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.tick_params(axis="y", length=0)
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()
    fig.suptitle("How the strategies compare (bar: mean per run; whisker: 95% interval; bold: best)")
    return fig


# ------------------------------------------------------------------------------------- 3. attribution
@_styled
def channel_attribution(summary_cell: Mapping[str, Any], ax: Any = None, *,
                        colors: Mapping[int, str] | None = None) -> Any:
    """Stacked bars of who engaged people: broadcast, influencer posts, peers (mean per run).

    Parameters
    ----------
    summary_cell : dict
        One entry of ``summary["cells"]``; uses ``engaged`` and the ``broadcast_share``,
        ``influencer_share`` and ``grassroots_share`` ratios.
    ax : matplotlib Axes, optional
    colors : mapping, optional
        Channel code -> colour (default :data:`CHANNEL_COLORS`).

    Returns
    -------
    matplotlib Axes
        One bar segment per strategy and channel; the grassroots (peer) share is printed at the end.
    """
    colors = dict(colors) if colors is not None else CHANNEL_COLORS
    names = list(summary_cell["strategies"])
    ax = _axes(ax, (10, 0.8 + 0.45 * len(names)))
    y = np.arange(len(names))
    parts = {}
    totals = np.zeros(len(names))
    for j, n in enumerate(names):
        m = summary_cell["summary"][n]["metrics"]
        engaged = m["engaged"]["value"] if _finite(m["engaged"]["value"]) else 0.0
        totals[j] = engaged
        for key, metric in (("broadcast", "broadcast_share"), ("influencer", "influencer_share"),
                            ("peer", "grassroots_share")):
            share = m.get(metric, {}).get("value")
            parts.setdefault(key, np.zeros(len(names)))[j] = engaged * share if _finite(share) else 0.0
    other = totals - sum(parts.values())
    left = np.zeros(len(names))
    for key in ("broadcast", "influencer", "peer"):
        code = _CHANNEL_BY_NAME[key]
        ax.barh(y, parts[key], left=left, color=colors[code], height=0.66, label=CHANNEL_LABELS[code],
                edgecolor="white", linewidth=0.6)
        left += parts[key]
    if (other > 0.005 * np.maximum(totals, 1)).any():
        ax.barh(y, np.maximum(other, 0), left=left, color=colors[CH_SEED], height=0.66, label="organic seeds / other",
                edgecolor="white", linewidth=0.6)
        left += np.maximum(other, 0)
    top = max(left.max(), 1.0)
    for j in range(len(names)):
        share = parts["peer"][j] / totals[j] if totals[j] > 0 else float("nan")
        text = f"{100 * share:.0f}% peer" if math.isfinite(share) else "none engaged"
        ax.text(left[j] + top * 0.012, y[j], text, va="center", fontsize=8.5, color="#222222")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.14)
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_xlabel("people engaged per run (mean), by the channel that engaged them")
    ax.set_title("Who engaged them: paid channels vs word of mouth")
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16 if len(names) > 3 else -0.3), ncols=4,
              handlelength=1.2, title="engaged through")
    return ax


# ------------------------------------------------------------------------------------- 6. cascade tree
@_styled
def cascade_tree(times: np.ndarray, parents: np.ndarray, channels: np.ndarray, ax: Any = None, *,
                 max_nodes: int = 400, title: str | None = None) -> Any:
    """The largest diffusion tree of one run as a layered tree: generation down, nodes by channel.

    Parameters
    ----------
    times, parents, channels : arrays (n,)
        One run's record (channels: 0 seed, 1 hired influencer, 2 broadcast, 3 influencer, 4 peer).
    ax : matplotlib Axes, optional
    max_nodes : int
        Cap for readability: beyond it, the first ``max_nodes`` people breadth-first are drawn.
    title : str, optional

    Returns
    -------
    matplotlib Axes
        Each drawn person is one point of a scatter collection (one collection per channel).
    """
    times, parents, channels = np.asarray(times), np.asarray(parents, np.int64), np.asarray(channels)
    ax = _axes(ax, (11, 5))
    tree = largest_tree(times, parents)
    if tree.size == 0:
        ax.text(0.5, 0.5, "nobody engaged in this run", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    nodes, gen, parent = breadth_first(tree, times, parents, max_nodes)
    k = nodes.size
    idx = {int(v): i for i, v in enumerate(nodes.tolist())}
    kids: list[list[int]] = [[] for _ in range(k)]
    for i in range(1, k):
        kids[idx[int(parent[i])]].append(i)
    # tidy layout: leaves left to right in depth-first order, parents centred over their children
    x = np.zeros(k)
    nxt_leaf = 0.0
    stack = [(0, False)]
    while stack:
        i, done = stack.pop()
        if done or not kids[i]:
            if kids[i]:
                x[i] = (x[kids[i][0]] + x[kids[i][-1]]) / 2
            else:
                x[i] = nxt_leaf
                nxt_leaf += 1.0
            continue
        stack.append((i, True))
        for j in reversed(kids[i]):
            stack.append((j, False))
    # a very wide generation is staggered over a few sub-rows so that its people stay distinguishable
    y = gen.astype(float)
    for g in np.unique(gen):
        members = np.flatnonzero(gen == g)
        if members.size > 90:
            rows = min(4, int(math.ceil(members.size / 90)))
            ranks = np.argsort(np.argsort(x[members], kind="stable"), kind="stable")
            y[members] = g + (ranks % rows) * (0.36 / rows)
    segs = [((x[idx[int(parent[i])]], y[idx[int(parent[i])]]), (x[i], y[i])) for i in range(1, k)]
    ax.add_collection(LineCollection(segs, colors="#b0b0b0", linewidths=0.7 if k <= 150 else 0.45,
                                     alpha=1.0 if k <= 150 else 0.7, zorder=1))
    base = 60 if k <= 60 else (30 if k <= 150 else 16)
    # how many people each engaged directly (in the whole tree): big spreaders are drawn bigger
    fan = np.bincount(parents[tree[1:]], minlength=parents.size) if tree.size > 1 else np.zeros(parents.size, int)
    size = base * (1 + np.sqrt(np.minimum(fan[nodes], 400)) / 3)
    ch = channels[nodes]
    for code in (CH_POSTER, CH_SEED, CH_BROADCAST, CH_INFLUENCER, CH_PEER):
        sel = ch == code
        if sel.any():
            ax.scatter(x[sel], y[sel], s=size[sel] * (2 if code in (CH_SEED, CH_POSTER) else 1), color=CHANNEL_COLORS[code],
                       edgecolors="white", linewidths=0.4, zorder=3, label=f"{CHANNEL_LABELS[code]} ({sel.sum()})")
    other = ~np.isin(ch, list(CHANNEL_COLORS))
    if other.any():
        ax.scatter(x[other], y[other], s=size[other], color="#999999", zorder=3, label=f"other ({other.sum()})")
    placed: list[tuple[float, float]] = []
    span = max(x.max() - x.min(), 1.0)
    for i in np.argsort(-fan[nodes], kind="stable")[:6]:
        if fan[nodes[i]] >= 15 and all(abs(x[i] - px) > 0.1 * span or abs(y[i] - py) > 0.6 for px, py in placed):
            placed.append((x[i], y[i]))
            ax.annotate(f"engaged {fan[nodes[i]]:,} directly", (x[i], y[i]), xytext=(8, -2), textcoords="offset points",
                        fontsize=8.5, color="#222222", va="bottom", zorder=5,
                        path_effects=[patheffects.withStroke(linewidth=3, foreground="white")])
    ax.set_ylim(y.max() + 0.6, -0.6)
    ax.set_xlim(-1, max(x.max(), 1) + 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("generation (hops from the root)")
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    shown = f"first {k} of {tree.size:,} people" if k < tree.size else f"{k:,} people"
    ax.set_title(title or f"Largest cascade of the run: {shown}, {int(gen.max())} generations shown")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="engaged through\n(dot size: people it engaged)",
              markerscale=1.0 if base >= 30 else 1.6)
    return ax


# ------------------------------------------------------------------------------------- 7. heatmap
@_styled
def penetration_heatmap(matrix: np.ndarray, ax: Any = None, *, rows: np.ndarray | None = None,
                        labels: Mapping[int, str] | None = None, max_rows: int = 50, max_step: int | None = None,
                        vmax: float | None = None, colorbar: bool = True, final: bool = True,
                        title: str | None = None) -> Any:
    """Community x time heatmap: the share of each community engaged by each step (one strategy).

    Parameters
    ----------
    matrix : float array (C, steps)
        Cumulative share of each community engaged by the end of each step: the ``penetration``
        table over all runs (:func:`penetration_from_table`), or
        :func:`~virality.cascades.penetration_matrix` of records.
    ax : matplotlib Axes, optional
    rows : int array, optional
        Communities to show, top to bottom (default: the ``max_rows`` most penetrated).
    labels : mapping, optional
        Community -> row label (default ``"community c"``).
    max_rows : int
    max_step : int, optional
        Last step shown (default: when every row has reached 99.5% of its final value, plus a margin).
        Steps past the matrix's last one repeat its last column (nobody engaged after it), so panels
        drawn with one ``max_step`` share their x range.
    vmax : float, optional
        Top of the colour scale (pass one value to panels drawn side by side).
    colorbar : bool
    final : bool
        Print each row's final value (the matrix's last column, which may lie past ``max_step``) at
        its right end: readable where a scale shared with a brighter panel makes this one dark.
    title : str, optional

    Returns
    -------
    matplotlib Axes
        The image's array is the matrix shown (rows x steps).
    """
    m = np.atleast_2d(np.asarray(matrix, dtype=float))
    if rows is None:
        rows = np.argsort(-m[:, -1], kind="stable")[:max_rows]
    rows = np.asarray(rows, int)
    sub = m[rows]
    if max_step is None:
        max_step = max(settled_step(sub) + 1, 5)
    if sub.shape[1] < max_step + 1:
        sub = np.hstack([sub, np.repeat(sub[:, -1:], max_step + 1 - sub.shape[1], axis=1)])
    sub = sub[:, : max_step + 1]
    ax = _axes(ax, (9, 1.5 + 0.16 * len(rows)))
    vmax = vmax if vmax is not None else max(float(sub.max()), 1e-6)
    im = ax.imshow(sub, aspect="auto", cmap=SEQUENTIAL, vmin=0, vmax=vmax, interpolation="nearest",
                   extent=(-0.5, max_step + 0.5, len(rows) - 0.5, -0.5))
    names = [labels.get(int(r), f"community {r}") if labels else f"community {r}" for r in rows]
    ax.set_yticks(np.arange(len(rows)), names, fontsize=7 if len(rows) > 30 else 8.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(-0.5, max_step + 0.5)
    ax.set_xlabel("steps since launch")
    ax.tick_params(axis="y", length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or "Penetration by community over time")
    if final:
        digits = ShareTicks(vmax).decimals + 1  # one more than the colour bar's ticks
        for i, v in enumerate(m[rows, -1]):
            ax.text(1.01, i, f"{100.0 * v:.{digits}f}%", transform=ax.get_yaxis_transform(), ha="left", va="center",
                    fontsize=7 if len(rows) > 30 else 8, color="#333333", gid="final")
        ax.text(1.01, -0.5, "final", transform=ax.get_yaxis_transform(), ha="left", va="bottom", fontsize=7.5,
                color="#555555")
    if colorbar:
        cb = ax.figure.colorbar(im, ax=ax, shrink=0.6, pad=0.02, format=percent_formatter(vmax))
        cb.set_label("share of the community engaged")
    return ax


def settled_step(matrix: np.ndarray, level: float = 0.995) -> int:
    """The first step by which every row of a cumulative matrix has reached ``level`` of its final
    value, with a 20% margin (for the x range of a heatmap)."""
    m = np.atleast_2d(np.asarray(matrix, dtype=float))
    final = m[:, -1:]
    done = ((m >= level * final) | (final == 0)).all(axis=0)
    first = int(np.argmax(done)) if done.any() else m.shape[1] - 1
    return int(math.ceil(first * 1.2))


# ------------------------------------------------------------------------------------- 8. sweeps

def _grid_from_summary(summary: Mapping[str, Any], x_key: str, y_key: str, metric: str,
                       fixed: Mapping[str, Any] | None) -> tuple[list, list, list[str], np.ndarray, dict, np.ndarray]:
    cells = summary["cells"]
    names = list(cells[0]["strategies"])
    first = cells[0].get("overrides") or {}
    tied = set(tied_keys(cells, x_key)) | set(tied_keys(cells, y_key))
    fixed = dict(fixed) if fixed is not None else {k: v for k, v in first.items() if k not in tied}
    chosen = [k for k, c in enumerate(cells)
              if all(value_key((c.get("overrides") or {}).get(a)) == value_key(v) for a, v in fixed.items())]
    xs = sweep_values([(cells[k].get("overrides") or {}).get(x_key) for k in chosen])
    ys = sweep_values([(cells[k].get("overrides") or {}).get(y_key) for k in chosen])
    z = np.full((len(ys), len(xs), len(names)), np.nan)
    index = np.full((len(ys), len(xs)), -1)
    for k in chosen:
        o = cells[k].get("overrides") or {}
        i = [value_key(v) for v in ys].index(value_key(o.get(y_key)))
        j = [value_key(v) for v in xs].index(value_key(o.get(x_key)))
        index[i, j] = k
        for s, n in enumerate(names):
            v = cells[k]["summary"].get(n, {}).get("metrics", {}).get(metric, {}).get("value")
            z[i, j, s] = v if _finite(v) else np.nan
    return xs, ys, names, z, fixed, index


def _grid_from_runs(runs: Mapping[str, np.ndarray], x_key: str, y_key: str, metric: str,
                    fixed: Mapping[str, Any] | None) -> tuple[list, list, list[str], np.ndarray, dict, list]:
    names = strategy_names(runs["strategy"])
    mask = np.ones(len(runs["strategy"]), bool)
    for k, v in (fixed or {}).items():
        mask &= column_equals(runs[k], v)
    xs = sweep_values(np.asarray(runs[x_key])[mask].tolist())
    ys = sweep_values(np.asarray(runs[y_key])[mask].tolist())
    z = np.full((len(ys), len(xs), len(names)), np.nan)
    info: list[list[Any]] = [[None] * len(xs) for _ in ys]
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            square = mask & column_equals(runs[x_key], xv) & column_equals(runs[y_key], yv)
            per = per_strategy_runs(select_rows(runs, square))
            for s, n in enumerate(names):
                t = per.get(n)
                if not t or not len(t.get("engaged", t.get(metric, []))):
                    continue
                if metric in RATIOS and all(c in t for c in RATIOS[metric]):
                    num, den = (t[c].mean() for c in RATIOS[metric])
                    z[i, j, s] = num / den if den else np.nan
                else:
                    z[i, j, s] = np.nanmean(t[metric])
            style = METRICS[metric].style if metric in METRICS else "number"
            values = {n: z[i, j, s] for s, n in enumerate(names) if n in per  # who may win: as in sweep_summary
                      and (style != "money" or per[n].get("spend", np.ones(1)).mean() > 0)
                      and (metric != "time_to_half" or per[n].get("engaged", np.ones(1)).mean() > 0)}
            info[i][j] = winner_margin(values, metric, per) if square.any() else None
    return xs, ys, names, z, dict(fixed or {}), info


def margin_text(row: Mapping[str, Any], runner_up: bool = False) -> str:
    """A phase-diagram square: ``winner/value/+margin [interval]`` (and ``over NAME``), or ``tie/...``."""
    m, win, second = row["metric"], row["winner"], row["runner_up"]
    if second is None:
        return f"{win}\n{fmt(m, row['winner_value'])}\n(no runner-up)"
    if row["tie"]:
        return f"tie\n{win} {fmt(m, row['winner_value'])}\n{second} {fmt(m, row['runner_up_value'])}"
    low, high = (row["low"], row["high"]) if _finite(row["low"]) else (None, None)
    return (f"{win}\n{fmt(m, row['winner_value'])}\n{fmt_difference(m, row['margin'], low, high)}"
            + f"\nover {second}" * runner_up)


#: colour strength of a win by a margin of 0% (and 100%) of the larger value; ties are grey and hatched
_WEAKEST = 0.22
_TIE_GREY = (0.87, 0.87, 0.87)


@_styled
def phase_diagram(data: Mapping[str, Any], x_key: str, y_key: str, metric: str = "engaged", ax: Any = None, *,
                  strategy: str | None = None, fixed: Mapping[str, Any] | None = None,
                  colors: Mapping[str, str] | None = None, runs: Mapping[str, np.ndarray] | None = None) -> Any:
    """A metric over two swept parameters: which strategy wins where and by how much, or one strategy's value.

    Parameters
    ----------
    data : dict
        A summary (``summary.json``, its ``cells`` carry ``overrides``) or a runs table (columns of
        ``runs.csv`` with one column per swept key).
    x_key, y_key : str
        Swept (dotted) config keys; the axes are labelled in words with the keys in parentheses
        (:func:`virality.results.key_label`).
    metric : str
    ax : matplotlib Axes, optional
    strategy : str, optional
        Colour the grid by this strategy's value. When None, each square shows the winner on
        ``metric`` (lower is better for costs and times), its value and its margin over the runner-up
        (:func:`virality.results.winner_margin`, the same as the sweep summary table): the square
        takes the winner's colour, paler the smaller the margin relative to the larger of the two
        values (one colour bar per winner shows the scale); a tie (the margin's 95% interval holds
        zero) is grey and hatched.
    fixed : mapping, optional
        Values of further swept keys (default: those of the first cell).
    colors : mapping, optional
        Strategy -> colour.
    runs : dict of numpy arrays, optional
        ``runs.csv`` when ``data`` is a summary: margins paired over common replicates, with 95% intervals
        (without: differences of the summary's values, ties only when equal). A runs table as ``data`` serves both.

    Returns
    -------
    matplotlib Axes
        In winner mode the first line of each square's text is the winner's name or "tie".
    """
    if "cells" in data:
        xs, ys, names, z, fixed, index = _grid_from_summary(data, x_key, y_key, metric, fixed)
        rows = {r["cell"]: r for r in sweep_summary(data, runs, [metric])} if strategy is None else {}
        info = [[rows.get(int(k)) if k >= 0 else None for k in line] for line in index]
        x_label = key_label(tied_keys(data["cells"], x_key), names)
        y_label = key_label(tied_keys(data["cells"], y_key), names)
    else:
        xs, ys, names, z, fixed, info = _grid_from_runs(data, x_key, y_key, metric, fixed)
        x_label, y_label = key_label(x_key), key_label(y_key)
    colors = dict(colors) if colors is not None else strategy_colors(names)
    ax = _axes(ax, (2.5 + 1.6 * len(xs), 1.6 + 0.9 * len(ys)))
    low = metric in LOWER_IS_BETTER
    title, axis_unit = label(metric), unit(metric)
    notes = []
    if strategy is not None:
        s = names.index(strategy)
        grid = z[:, :, s]
        im = ax.imshow(grid, cmap=SEQUENTIAL + ("_r" if low else ""), origin="lower", aspect="auto")
        norm = im.norm
        for i in range(len(ys)):
            for j in range(len(xs)):
                if np.isfinite(grid[i, j]):
                    ax.text(j, i, fmt(metric, grid[i, j]), ha="center", va="center", fontsize=9,
                            color=_text_color(im.get_cmap()(norm(grid[i, j]))))
        cb = ax.figure.colorbar(im, ax=ax, shrink=0.8)
        cb.set_label(axis_unit or metric)
        ax.set_title(f"{title}: {strategy}")
    else:
        rgb = np.ones((len(ys), len(xs), 3))
        winners: list[str] = []
        ties = 0
        for i in range(len(ys)):
            for j in range(len(xs)):
                row = info[i][j]
                if row is None or row["winner"] is None:
                    continue
                if row["tie"]:
                    rgb[i, j] = _TIE_GREY
                    ties += 1
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#9a9a9a",
                                           lw=0, gid="tie"))
                else:
                    strength = _WEAKEST + (1 - _WEAKEST) * (row["relative"] if _finite(row["relative"]) else 1.0)
                    rgb[i, j] = 1 - strength * (1 - np.array(mcolors.to_rgb(colors[row["winner"]])))
                    winners.append(row["winner"])
                ax.text(j, i, margin_text(row, len(names) > 2), ha="center", va="center", fontsize=8.5,
                        linespacing=1.35, color=_text_color(rgb[i, j]), gid="square")
        ax.imshow(rgb, origin="lower", aspect="auto")
        winners = [n for n in names if n in winners]
        bars = [(n, colors[n]) for n in winners] if len(winners) <= 3 else [("any strategy", "#333333")]
        for k, (n, c) in enumerate(bars):
            rgb_c = np.array(mcolors.to_rgb(c))
            cmap = mcolors.LinearSegmentedColormap.from_list(f"win_{k}", [1 - _WEAKEST * (1 - rgb_c), rgb_c])
            cb = ax.figure.colorbar(plt.cm.ScalarMappable(mcolors.Normalize(0, 1), cmap), ax=ax,
                                    shrink=0.85 / len(bars) + 0.1, pad=0.02, aspect=12, format=PercentFormatter(1.0))
            cb.set_label(f"{n} wins by\n(% of the larger value)", fontsize=8.5)
        sign = "lowest" if low else "highest"
        paired_ci = any(_finite(r["low"]) for line in info for r in line if r)
        notes.append(f"Each square: the winner ({sign} {title.lower()}), its value, its margin over the runner-up"
                     + (" with the 95% interval (paired runs)" * paired_ci) + "."
                     + (f" Hatched grey: a tie ({ties}), the interval holds zero." if ties else ""))
        ax.set_title(f"Best strategy by {title.lower()} ({sign} wins), and by how much")
    ax.set_xticks(np.arange(len(xs)), [value_label(v) for v in xs])
    ax.set_yticks(np.arange(len(ys)), [value_label(v) for v in ys])
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    for side in ax.spines.values():
        side.set_visible(False)
    if fixed:
        notes.append("With " + ", ".join(f"{key_label(k)} = {value_label(v)}" for k, v in fixed.items()) + ".")
    if notes:  # wrapped to the axes' width, so that the layout does not make room for one long line
        width = max(40, int(ax.get_position().width * ax.figure.get_figwidth() * 72 / 4.6))
        ax.text(0, -0.16 if len(ys) < 4 else -0.1, "\n".join(textwrap.fill(n, width) for n in notes),
                transform=ax.transAxes, fontsize=8, color="#555555", va="top")
    return ax


@_styled
def sweep_metric(summary: Mapping[str, Any], key: str, metric: str = "engaged", ax: Any = None, *,
                 colors: Mapping[str, str] | None = None) -> Any:
    """A metric (mean and 95% interval) against one swept parameter, one line per strategy.

    Parameters
    ----------
    summary : dict
        ``summary.json`` of a sweep.
    key : str
        The swept key.
    metric : str
    ax : matplotlib Axes, optional
    colors : mapping, optional

    Returns
    -------
    matplotlib Axes
    """
    cells = summary["cells"]
    names = list(cells[0]["strategies"])
    colors = dict(colors) if colors is not None else strategy_colors(names)
    values = sweep_values([(c.get("overrides") or {}).get(key) for c in cells])
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    ax = _axes(ax, (9, 5))
    scale = 100.0 if is_percent(metric) else 1.0
    for s, n in enumerate(names):
        xs, ys, lo, hi = [], [], [], []
        for j, v in enumerate(values):
            for c in cells:
                if value_key((c.get("overrides") or {}).get(key)) != value_key(v):
                    continue
                e = c["summary"].get(n, {}).get("metrics", {}).get(metric, {})
                if _finite(e.get("value")):
                    xs.append(v if numeric else j)
                    ys.append(e["value"] * scale)
                    lo.append(e["low"] * scale if _finite(e.get("low")) else e["value"] * scale)
                    hi.append(e["high"] * scale if _finite(e.get("high")) else e["value"] * scale)
                break
        if xs:
            ys_a = np.array(ys)
            ax.errorbar(xs, ys_a, yerr=[ys_a - np.array(lo), np.array(hi) - ys_a], color=colors[n], lw=2,
                        marker="o", ms=5, capsize=3, label=n)
    if not numeric:
        ax.set_xticks(np.arange(len(values)), [value_label(v) for v in values])
    title, axis_unit = label(metric), unit(metric)
    ax.set_xlabel(key_label(tied_keys(cells, key), names))
    ax.set_ylabel(axis_unit or metric)
    if is_percent(metric):
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.grid(axis="y", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    ax.set_title(f"{title} across {key_label(key).split(' (')[0]} (mean, 95% interval)")
    ax.legend(title="strategy", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
