"""Figures and the self-contained HTML report of a results directory.

Every plotting function takes plain data (column dicts of the tidy tables, a ``summary.json`` cell,
or record arrays of single runs) and an optional Matplotlib ``ax`` (``fig`` for multi-panel figures),
draws with one colour-blind-safe palette (Okabe-Ito: a fixed colour per strategy and per channel) and
returns what it drew on. Nothing here touches global Matplotlib state: styles are applied with
``plt.rc_context`` for the duration of a call, and files are written from stand-alone
:class:`matplotlib.figure.Figure` objects on an Agg canvas, never through pyplot's backend.

:func:`figures_for_results` draws every figure that applies to a results directory into its
``figures/`` folder (PNG and SVG); :func:`html_report` writes one self-contained HTML page.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib import patheffects
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

__all__ = [
    "STYLE", "STRATEGY_PALETTE", "CHANNEL_COLORS", "CHANNEL_LABELS", "strategy_colors",
    "adoption_curves", "comparison_panel", "channel_attribution", "community_layout", "community_edge_matrix",
    "cross_community_flows", "community_map", "network_layout", "network_map", "diffusion_roots", "largest_tree",
    "cascade_tree", "penetration_matrix", "penetration_heatmap", "phase_diagram", "sweep_metric", "sweep_axes",
    "figures_for_results", "html_report",
]

# ------------------------------------------------------------------------------------- style
#: Okabe-Ito (colour-blind safe), in the order strategies get them; yellow last (weak on white)
STRATEGY_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#4D4D4D", "#F0E442",
                    # further strategies: Paul Tol's muted scheme (also colour-blind safe)
                    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
#: channel code (records) -> colour
CHANNEL_COLORS = {0: "#000000", 1: "#882255", 2: "#E69F00", 3: "#CC79A7", 4: "#009E73"}
#: channel code (records) -> label
CHANNEL_LABELS = {0: "organic seed", 1: "hired influencer", 2: "broadcast (mass media)", 3: "influencer post",
                  4: "peer (word of mouth)"}
_CHANNEL_BY_NAME = {"broadcast": 2, "influencer": 3, "peer": 4}
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
_LOWER_IS_BETTER = {"cost_per_engagement", "cost_per_conversion", "cost_per_thousand_reached", "time_to_half",
                    "time_to_peak", "negative"}
_PERCENT = {"engagement_rate", "positive_share", "grassroots_share", "reach_share", "broadcast_share",
            "influencer_share", "conversion_rate"}
_METRIC_LABELS = {
    "engaged": ("Reach: people engaged", "people engaged per run"),
    "unique_exposed": ("Audience: people exposed", "people exposed per run"),
    "engagement_rate": ("Engagement rate", "% of exposed people who engaged"),
    "cost_per_engagement": ("Cost per engagement", "currency per engagement"),
    "cost_per_conversion": ("Cost per conversion", "currency per conversion"),
    "time_to_half": ("Speed: time to half of reach", "steps"),
    "time_to_peak": ("Speed: time to peak", "steps"),
    "structural_virality": ("Structural virality", "mean hops between people in a cascade"),
    "grassroots_share": ("Grassroots share", "% of engagements made by peers"),
    "contextual_alignment": ("Contextual alignment", "alignment index (0-1)"),
    "positive_share": ("Positive sentiment", "% of engagements that are positive"),
    "conversions": ("Conversions", "people converted per run"),
    "depth": ("Cascade depth", "generations"),
}


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


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _thousands(x: float, _pos: Any = None) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.6g}"


def _text_color(rgba: Sequence[float]) -> str:
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _fmt(metric: str, value: float) -> str:
    from .report import fmt

    return fmt(metric, value)


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(float(x))


# ------------------------------------------------------------------------------------- tables
def _col_equals(col: np.ndarray, value: Any) -> np.ndarray:
    """Mask of a table column equal to ``value`` (strategy names survive CSV number parsing)."""
    col = np.asarray(col)
    if col.dtype == object:
        return np.array([str(x) == str(value) for x in col.tolist()], dtype=bool)
    try:
        return col == float(value)
    except (TypeError, ValueError):
        return np.zeros(col.size, dtype=bool)


def _strategy_names(col: np.ndarray) -> list[str]:
    out = []
    for x in np.asarray(col).tolist():
        s = str(x)
        if isinstance(x, float) and x.is_integer():
            s = str(int(x))
        out.append(s)
    return list(dict.fromkeys(out))


def _rows(table: Mapping[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: np.asarray(v)[mask] for k, v in table.items()}


def _one_cell(table: Mapping[str, np.ndarray], cell: int | None) -> dict[str, np.ndarray]:
    """The rows of one sweep cell (``cell`` None: the lowest cell in the table)."""
    if "cell" not in table or len(table["cell"]) == 0:
        return dict(table)
    c = np.asarray(table["cell"], dtype=float)
    want = c.min() if cell is None else float(cell)
    return _rows(table, c == want)


# ------------------------------------------------------------------------------------- 1. curves
@_styled
def adoption_curves(curves_table: Mapping[str, np.ndarray], ax: Any = None, *, strategies: Sequence[str] | None = None,
                    colors: Mapping[str, str] | None = None, cell: int | None = None, title: str | None = None) -> Any:
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

    Returns
    -------
    matplotlib Axes
        The legend lists exactly the strategies drawn.
    """
    t = _one_cell(curves_table, cell)
    names_all = _strategy_names(t["strategy"])
    names = list(strategies) if strategies is not None else names_all
    colors = dict(colors) if colors is not None else strategy_colors(names_all)
    ax = _axes(ax, (9, 5))
    last_active = 1
    series = []
    for name in names:
        sel = _col_equals(t["strategy"], name)
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
        ax.fill_between(step, lo, hi, color=colors.get(name, "#333333"), alpha=0.12, linewidth=0, label="_nolegend_")
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
    ax.legend(title="strategy (line: mean,\nband: 5-95% of runs)", loc="upper left", bbox_to_anchor=(1.01, 1.0),
              alignment="left")
    return ax


# ------------------------------------------------------------------------------------- 2. comparison
#: the panels of :func:`comparison_panel`
PANEL_METRICS = ("engaged", "engagement_rate", "cost_per_engagement", "time_to_half", "structural_virality",
                 "grassroots_share")


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
        structural virality, grassroots share).
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
    nrows = math.ceil(len(metrics) / ncols)
    h = 0.9 + 0.34 * len(names)
    if fig is None:
        fig = plt.figure(figsize=(14, nrows * h + 0.8), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    for extra in axes[len(metrics):]:
        extra.remove()
    y = np.arange(len(names))
    for ax, metric in zip(axes, metrics):
        scale = 100.0 if metric in _PERCENT else 1.0
        vals, los, his = [], [], []
        for n in names:
            e = summary_cell["summary"][n]["metrics"].get(metric, {})
            v, lo, hi = (e.get(k) for k in ("value", "low", "high"))
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
        best = None
        if ok.any():
            best = int(np.nanargmin(vals) if metric in _LOWER_IS_BETTER else np.nanargmax(vals))
        for i in range(len(names)):
            x = his[i] if np.isfinite(his[i]) else vals[i]
            text = _fmt(metric, vals[i] / scale) if ok[i] else "n/a"
            ax.text((x if np.isfinite(x) else 0) + top * 0.03, y[i], text, va="center", ha="left", fontsize=8.5,
                    fontweight="bold" if i == best else "normal", color="#222222")
        ax.set_xlim(0, MaxNLocator(5).tick_values(0, top * 1.32)[-1])
        title, unit = _METRIC_LABELS.get(metric, (metric.replace("_", " "), ""))
        arrow = "lower is better" if metric in _LOWER_IS_BETTER else ("higher is better" if metric not in
                                                                     ("structural_virality",) else "higher: more viral")
        ax.set_title(f"{title}\n", loc="left")
        ax.text(0, 1.02, f"({arrow})", transform=ax.transAxes, fontsize=8.5, color="#555555", va="bottom")
        ax.set_xlabel(unit)
        ax.grid(axis="x", color="#e5e5e5", lw=0.8)
        ax.set_axisbelow(True)
        if metric in _PERCENT:
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
        ax.barh(y, np.maximum(other, 0), left=left, color=colors[0], height=0.66, label="organic seeds / other",
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


# ------------------------------------------------------------------------------------- 4. community map
def community_edge_matrix(graph: Any, max_communities: int = 1500) -> np.ndarray | None:
    """Arc counts between communities: ``W[a, b]`` arcs from community ``a`` to ``b`` (O(arcs)).

    Parameters
    ----------
    graph : virality.Graph
    max_communities : int
        Above this many communities, None (the matrix would be too large).

    Returns
    -------
    int64 array (C, C) or None
        None when the graph has no communities or too many.
    """
    if graph is None or graph.community is None:
        return None
    c = int(graph.n_communities)
    if c < 1 or c > max_communities:
        return None
    src, dst = graph.arcs()
    comm = np.asarray(graph.community, dtype=np.int64)
    return np.bincount(comm[src] * c + comm[dst], minlength=c * c).reshape(c, c)


def cross_community_flows(parents: np.ndarray, community: np.ndarray, n_communities: int | None = None) -> np.ndarray:
    """Mean cross-community parent -> child engagements per run, from records.

    Parameters
    ----------
    parents : int array (runs, n) or (n,)
        Parent of each node in each stored run (negative: none, seed or external).
    community : int array (n,)
        Community of each node.
    n_communities : int, optional

    Returns
    -------
    float array (C, C)
        ``F[a, b]``: people of community ``b`` engaged per run by someone of community ``a`` (a != b).
    """
    parents = np.atleast_2d(np.asarray(parents))
    community = np.asarray(community, dtype=np.int64)
    c = int(n_communities if n_communities is not None else community.max(initial=-1) + 1)
    flows = np.zeros(c * c)
    child = np.arange(parents.shape[1])
    for p in parents:
        ok = p >= 0
        a, b = community[p[ok]], community[child[ok]]
        cross = a != b
        flows += np.bincount(a[cross] * c + b[cross], minlength=c * c)
    return (flows / max(parents.shape[0], 1)).reshape(c, c)


#: above this many communities, :func:`community_layout` uses a grid instead of a spring layout
MAX_LAYOUT_COMMUNITIES = 400


def community_layout(sizes: np.ndarray, weights: np.ndarray | None = None, *, seed: int = 7,
                     fill: float = 0.15, iterations: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Positions and radii of community circles: a spring layout of the community graph, no overlaps.

    Cost is in communities only (never in graph nodes): networkx's spring layout on at most a few
    hundred community nodes with a fixed seed, then pairwise overlap removal.

    Parameters
    ----------
    sizes : array (C,)
        People per community; circle area is proportional.
    weights : array (C, C), optional
        Arc (or flow) counts between communities; the layout pulls strongly linked ones together.
        Without them, the circles are placed on a ring by size.
    seed : int
        Layout seed (deterministic).
    fill : float
        Share of the unit box covered by circles.
    iterations : int
        Overlap-removal passes.

    Returns
    -------
    xy : float array (C, 2)
    radius : float array (C,)
    """
    import networkx as nx

    sizes = np.maximum(np.asarray(sizes, float), 1e-9)
    c = sizes.size
    if c == 1:
        return np.zeros((1, 2)), np.array([0.6])
    if c > MAX_LAYOUT_COMMUNITIES:
        # too many for a spring layout: a square grid, largest communities first (no overlaps by construction)
        side = int(math.ceil(math.sqrt(c)))
        order = np.argsort(-sizes, kind="stable")
        cell = 2.0 / side
        xy = np.empty((c, 2))
        k = np.arange(c)
        xy[order] = np.c_[-1 + cell * (k % side + 0.5), 1 - cell * (k // side + 0.5)]
        return xy, 0.45 * cell * np.sqrt(sizes / sizes.max())
    xy = None
    if weights is not None and np.asarray(weights).shape == (c, c):
        w = np.asarray(weights, float)
        sym = w + w.T
        np.fill_diagonal(sym, 0)
        if sym.sum() > 0:
            norm = sym / np.sqrt(np.outer(sizes, sizes))
            norm = norm / norm.max()
            g = nx.Graph()
            g.add_nodes_from(range(c))
            a, b = np.nonzero(np.triu(norm) > 0)
            g.add_weighted_edges_from(zip(a.tolist(), b.tolist(), norm[a, b].tolist()))
            pos = nx.spring_layout(g, weight="weight", seed=seed, iterations=100)
            xy = np.array([pos[i] for i in range(c)], float)
    if xy is None:
        order = np.argsort(-sizes, kind="stable")
        ang = np.pi / 2 - 2 * np.pi * np.arange(c) / c
        xy = np.empty((c, 2))
        xy[order] = np.c_[np.cos(ang), np.sin(ang)]
    xy = xy - xy.mean(axis=0)
    span = np.abs(xy).max()
    xy = xy / (span if span > 0 else 1.0)
    radius = np.sqrt(sizes / sizes.sum() * fill * 4 / np.pi)
    pad = 0.1 * radius.max()  # white space between circles, room for arrows
    rng = np.random.default_rng(seed)
    xy = xy + rng.normal(0, 1e-6, xy.shape)
    for it in range(iterations + 300):
        d = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((d ** 2).sum(-1))
        np.fill_diagonal(dist, np.inf)
        overlap = radius[:, None] + radius[None, :] + pad - dist
        overlap[overlap < 0] = 0
        if not overlap.any() and it >= iterations // 2:
            break
        push = (d / dist[..., None]) * (overlap / 2)[..., None]
        xy = xy + push.sum(axis=1) * 0.6
        if it < iterations:
            xy = xy * 0.998  # a slight pull to the centre keeps the map compact; none in the final passes
    return xy, radius


@_styled
def community_map(communities_table: Mapping[str, np.ndarray], strategy: str,
                  graph_edges_between_communities: np.ndarray | None = None, ax: Any = None, *,
                  flows: np.ndarray | None = None, layout: tuple[np.ndarray, np.ndarray] | None = None,
                  vmax: float | None = None, cell: int | None = None, max_communities: int = 300,
                  top_flows: int = 20, colorbar: bool = True, title: str | None = None) -> Any:
    """The community virality map: one circle per community, coloured by penetration.

    Scales to graphs of any size: it draws communities, not people. Circle area is proportional to
    the community's size, colour to its penetration (share of its people engaged, mean per run);
    arrows show cross-community spread (people engaged in one community by someone from another).

    Parameters
    ----------
    communities_table : dict of numpy arrays
        Columns of ``communities.csv`` (``strategy``, ``community``, ``size``, ``penetration``,
        optionally ``alignment`` and ``cell``).
    strategy : str
        Strategy to draw.
    graph_edges_between_communities : array (C, C), optional
        Arc counts between communities (:func:`community_edge_matrix`), for the layout.
    ax : matplotlib Axes, optional
    flows : array (C, C), optional
        Mean cross-community engagements per run (:func:`cross_community_flows`); the ``top_flows``
        largest are drawn as arrows. No arrows when None.
    layout : (xy, radius), optional
        Reuse a layout (:func:`community_layout`) so that several maps line up.
    vmax : float, optional
        Top of the colour scale (share engaged); default the largest penetration drawn.
    cell : int, optional
        Sweep cell (default: the first).
    max_communities : int
        Only the largest communities are drawn beyond this.
    top_flows : int
    colorbar : bool
    title : str, optional

    Returns
    -------
    matplotlib Axes
        The circles are one PatchCollection with gid ``"communities"`` (one path per community drawn,
        its array the penetrations); arrows are FancyArrowPatch patches.
    """
    t = _one_cell(communities_table, cell)
    t = _rows(t, _col_equals(t["strategy"], strategy))
    if t["community"].size == 0:
        raise ValueError(f"community_map: no rows for strategy {strategy!r}")
    order = np.argsort(t["community"])
    comm = t["community"][order].astype(int)
    sizes = t["size"][order].astype(float)
    pen = np.nan_to_num(t["penetration"][order].astype(float))
    shown = np.arange(comm.size)
    if comm.size > max_communities:
        shown = np.sort(np.argsort(-sizes, kind="stable")[:max_communities])
    if layout is None:
        w = None
        src = graph_edges_between_communities if graph_edges_between_communities is not None else flows
        if src is not None:
            w = np.asarray(src, float)[np.ix_(comm[shown], comm[shown])]
        layout = community_layout(sizes[shown], w)
    xy, radius = layout
    ax = _axes(ax, (8, 8))
    vmax = vmax if vmax is not None else max(float(pen[shown].max()), 1e-6)
    norm = mcolors.Normalize(0, vmax)
    cmap = matplotlib.colormaps[SEQUENTIAL]
    coll = PatchCollection([Circle(tuple(p), r) for p, r in zip(xy, radius)], cmap=cmap, norm=norm,
                           edgecolor="white", linewidth=1.0, zorder=2)
    coll.set_array(pen[shown])
    coll.set_gid("communities")
    ax.add_collection(coll)
    # arrows for the largest cross-community flows
    drawn_flows = []
    if flows is not None:
        f = np.asarray(flows, float)[np.ix_(comm[shown], comm[shown])].copy()
        np.fill_diagonal(f, 0)
        flat = np.argsort(-f, axis=None)[:top_flows]
        a_idx, b_idx = np.unravel_index(flat, f.shape)
        vals = f[a_idx, b_idx]
        keep = vals > 0
        a_idx, b_idx, vals = a_idx[keep], b_idx[keep], vals[keep]
        fmax = vals.max() if vals.size else 1.0
        rmax = radius.max()
        for a, b, v in zip(a_idx, b_idx, vals):
            u = xy[b] - xy[a]
            dist = np.hypot(*u)
            if dist <= radius[a] + radius[b]:
                continue
            u = u / dist
            gap = dist - radius[a] - radius[b]
            inset = min(0.45, max(0.0, (0.4 * rmax - gap) / 2) / max(min(radius[a], radius[b]), 1e-9))
            start = xy[a] + u * radius[a] * (1 - inset)
            end = xy[b] - u * radius[b] * (1 - inset)
            lw = 0.6 + 4.4 * v / fmax
            ax.add_patch(FancyArrowPatch(tuple(start), tuple(end), arrowstyle="-|>", mutation_scale=6 + 1.3 * lw,
                                         connectionstyle="arc3,rad=0.15", lw=lw, color="#222222", alpha=0.75,
                                         shrinkA=0, shrinkB=0, zorder=3,
                                         path_effects=[patheffects.withStroke(linewidth=lw + 1.6, foreground="white",
                                                                              alpha=0.7)]))
            drawn_flows.append(v)
    # labels on circles big enough to hold them
    rgba = cmap(norm(pen[shown]))
    rmax = radius.max()
    for i, (p, r) in enumerate(zip(xy, radius)):
        if r >= 0.3 * rmax or len(shown) <= 25:
            ax.text(p[0], p[1], str(comm[shown][i]), ha="center", va="center", fontsize=7 if r < 0.5 * rmax else 8,
                    color=_text_color(rgba[i]), zorder=4)
    lim_lo = (xy - radius[:, None]).min(axis=0)
    lim_hi = (xy + radius[:, None]).max(axis=0)
    padding = 0.04 * (lim_hi - lim_lo).max()
    ax.set_xlim(lim_lo[0] - padding, lim_hi[0] + padding)
    ax.set_ylim(lim_lo[1] - padding, lim_hi[1] + padding)
    ax.set_aspect("equal")
    ax.set_axis_off()
    extra = f" (largest {len(shown)} of {comm.size})" if len(shown) < comm.size else ""
    ax.set_title(title or f"{strategy}: penetration by community{extra}")
    handles = []
    if drawn_flows:
        lo, hi = min(drawn_flows), max(drawn_flows)
        for v in sorted({hi, (lo + hi) / 2}, reverse=True):
            handles.append(Line2D([], [], color="#222222", alpha=0.75, lw=0.6 + 4.4 * v / max(drawn_flows),
                                  label=f"{v:,.1f} people per run"))
    note = "circle area: community size; number: community id"
    if handles:
        ax.legend(handles=handles, title=f"{note}\narrows: people engaged across communities (top {len(drawn_flows)})",
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2, alignment="center")
    else:
        ax.text(0.5, 0.0, note, transform=ax.transAxes, ha="center", va="top", fontsize=8.5, color="#555555")
    if colorbar:
        cb = ax.figure.colorbar(coll, ax=ax, shrink=0.6, pad=0.02, format=PercentFormatter(1.0, decimals=0))
        cb.set_label("penetration: % of the community engaged")
    return ax


# ------------------------------------------------------------------------------------- 5. network map
def network_layout(graph: Any, *, seed: int = 7, fill: float = 0.45) -> np.ndarray:
    """Community-grouped positions of every node: O(n) after a layout of the community graph.

    Communities are placed by :func:`community_layout` (spring layout of the community graph); each
    community's people fill its disc at random angles, largest follower counts nearest the centre.

    Parameters
    ----------
    graph : virality.Graph
    seed : int
    fill : float
        Share of the box covered by the community discs.

    Returns
    -------
    float array (n, 2)
    """
    n = graph.n
    comm = np.asarray(graph.community, dtype=np.int64) if graph.community is not None else np.zeros(n, np.int64)
    c = int(comm.max(initial=-1)) + 1
    sizes = np.bincount(comm, minlength=c)
    xy, radius = community_layout(sizes, community_edge_matrix(graph), seed=seed, fill=fill)
    followers = np.asarray(graph.followers, float)
    order = np.lexsort((np.arange(n), -followers, comm))
    start = np.concatenate([[0], np.cumsum(sizes)])
    rank = np.arange(n) - start[comm[order]]
    k = sizes[comm[order]]
    rng = np.random.default_rng(seed)
    # uniform over the disc, ordered by followers outwards (jittered: no moire of a regular spiral)
    r = radius[comm[order]] * np.sqrt((rank + rng.uniform(0, 1, n)) / np.maximum(k, 1))
    theta = rng.uniform(0, 2 * np.pi, n)
    pos = np.empty((n, 2))
    pos[order] = xy[comm[order]] + np.c_[r * np.cos(theta), r * np.sin(theta)]
    return pos


@_styled
def network_map(graph: Any, nodes_table: Mapping[str, np.ndarray], strategies: Sequence[str], *, fig: Figure | None = None,
                positions: np.ndarray | None = None, cell: int | None = None, top: int = 10,
                max_edges: int = 15000, seed: int = 7) -> Figure:
    """Every person of a small graph (up to ~10^4), side by side for a few strategies.

    Nodes are coloured by their engagement probability (share of runs in which they engaged) and
    sized by followers; hired influencers are triangles, the ``top`` key nodes by ripple (downstream
    cascade size) are ringed. Grey lines are a sample of the follow arcs.

    Parameters
    ----------
    graph : virality.Graph
        The experiment's graph (regenerate it from ``config.toml``; results do not store it).
    nodes_table : dict of numpy arrays
        Columns of ``nodes.csv`` holding all nodes (``outputs.nodes = "all"``).
    strategies : sequence of str
        One panel each.
    fig : matplotlib Figure, optional
    positions : array (n, 2), optional
        Node positions (default :func:`network_layout`).
    cell : int, optional
    top : int
        Key nodes ringed per panel.
    max_edges : int
        Arcs drawn (a fixed-seed sample beyond this).
    seed : int

    Returns
    -------
    matplotlib Figure
    """
    t = _one_cell(nodes_table, cell)
    n = graph.n
    pos = positions if positions is not None else network_layout(graph, seed=seed)
    if fig is None:
        fig = plt.figure(figsize=(7.2 * len(strategies) + 1.2, 7.6), layout="constrained")
    else:
        fig.clear()
    axes = fig.subplots(1, len(strategies), squeeze=False).ravel()
    src, dst = graph.arcs()
    if src.size > max_edges:
        pick = np.random.default_rng(seed).choice(src.size, max_edges, replace=False)
        src, dst = src[pick], dst[pick]
    segs = np.stack([pos[src], pos[dst]], axis=1)
    followers = np.asarray(graph.followers, float)
    size = 1.2 + 90 * np.sqrt(followers / max(followers.max(), 1)) * min(1.0, (3000 / max(n, 1)) ** 0.25)
    probs = {}
    for name in strategies:
        rows = _rows(t, _col_equals(t["strategy"], name))
        p = np.zeros(n)
        p[rows["node"].astype(int)] = rows["engage_probability"].astype(float)
        probs[name] = (p, rows)
    vmax = max(max(float(np.quantile(p, 0.995)) for p, _ in probs.values()), 1e-3)
    norm = mcolors.Normalize(0, vmax)
    cmap = matplotlib.colormaps[SEQUENTIAL]
    sc = None
    for ax, name in zip(axes, strategies):
        p, rows = probs[name]
        ax.add_collection(LineCollection(segs, colors="#9a9a9a", linewidths=0.25, alpha=0.12, zorder=1,
                                         rasterized=True))
        order = np.argsort(p, kind="stable")
        sc = ax.scatter(pos[order, 0], pos[order, 1], c=p[order], s=size[order], cmap=cmap, norm=norm,
                        linewidths=0, zorder=2, rasterized=n > 2000)
        hired = rows["node"][rows["seeded"].astype(float) > 0].astype(int)
        if hired.size:
            many = hired.size > 150
            ax.scatter(pos[hired, 0], pos[hired, 1], marker="^", s=np.maximum(size[hired], 8 if many else 22),
                       facecolors="none", edgecolors="#D55E00", linewidths=0.45 if many else 0.9, zorder=3,
                       label=f"hired influencers ({hired.size:,})", rasterized=many and n > 2000)
        key = rows["node"][np.lexsort((rows["node"], -rows["ripple"].astype(float)))[:top]].astype(int)
        ax.scatter(pos[key, 0], pos[key, 1], s=size[key] + 160, facecolors="none", edgecolors="black",
                   linewidths=1.6, zorder=4, label=f"top {len(key)} key nodes (ripple)")
        engaged = p.sum()
        ax.set_title(f"{name}\n{engaged:,.0f} people engaged per run (mean)")
        ax.set_aspect("equal")
        ax.set_axis_off()
        handles = [Line2D([], [], ls="none", marker="o", ms=9, mfc="none", mec="black", mew=1.6,
                          label=f"top {len(key)} key nodes (largest ripple)")]
        if hired.size:
            handles.insert(0, Line2D([], [], ls="none", marker="^", ms=7, mfc="none", mec="#D55E00", mew=1.2,
                                     label=f"hired influencers ({hired.size:,})"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2)
    cb = fig.colorbar(sc, ax=list(axes), shrink=0.55, pad=0.01, format=PercentFormatter(1.0, decimals=0))
    cb.set_label("chance a person engages (% of runs)")
    fig.suptitle(f"Who engages: all {n:,} people, grouped by community (dot size: followers)")
    return fig


# ------------------------------------------------------------------------------------- 6. cascade tree
def diffusion_roots(times: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """Root of each engaged node's diffusion tree in one run (-1 for people who never engaged).

    A tree starts at a node without a node parent: an organic seed or hired influencer (``SEED``),
    or a person reached by mass media (``EXTERNAL``).

    Parameters
    ----------
    times, parents : int arrays (n,)
        One run's record.

    Returns
    -------
    int64 array (n,)
    """
    times = np.asarray(times)
    parents = np.asarray(parents, dtype=np.int64)
    n = times.size
    engaged = times >= 0
    root = np.arange(n, dtype=np.int64)
    linked = engaged & (parents >= 0)
    root[linked] = parents[linked]
    for _ in range(64):  # pointer jumping: log2(depth) passes
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    root[~engaged] = -1
    return root


def largest_tree(times: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """The nodes of the largest diffusion tree of one run, root first (empty if nobody engaged).

    Parameters
    ----------
    times, parents : int arrays (n,)

    Returns
    -------
    int64 array
    """
    root = diffusion_roots(times, parents)
    members = root[root >= 0]
    if members.size == 0:
        return np.zeros(0, np.int64)
    counts = np.bincount(members)
    r = int(np.argmax(counts))
    nodes = np.flatnonzero(root == r)
    return np.concatenate([[r], nodes[nodes != r]])


def _tree_cap(tree: np.ndarray, times: np.ndarray, parents: np.ndarray, cap: int):
    """Breadth-first first ``cap`` nodes of a tree: (nodes, generation, parent) in BFS order."""
    root = int(tree[0])
    rest = tree[1:]
    order = rest[np.lexsort((rest, times[rest], parents[rest]))]
    par = parents[order]
    nodes, gen, parent = [root], [0], [-1]
    frontier, g = [root], 0
    while frontier and len(nodes) < cap:
        nxt = []
        for u in frontier:
            lo, hi = np.searchsorted(par, u, "left"), np.searchsorted(par, u, "right")
            for v in order[lo:hi].tolist():
                if len(nodes) >= cap:
                    break
                nodes.append(v)
                gen.append(g + 1)
                parent.append(u)
                nxt.append(v)
            if len(nodes) >= cap:
                break
        frontier, g = nxt, g + 1
    return np.array(nodes), np.array(gen), np.array(parent)


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
    nodes, gen, parent = _tree_cap(tree, times, parents, max_nodes)
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
    for code in (1, 0, 2, 3, 4):
        sel = ch == code
        if sel.any():
            ax.scatter(x[sel], y[sel], s=size[sel] * (2 if code in (0, 1) else 1), color=CHANNEL_COLORS[code],
                       edgecolors="white", linewidths=0.4, zorder=3, label=f"{CHANNEL_LABELS[code]} ({sel.sum()})")
    other = ~np.isin(ch, (0, 1, 2, 3, 4))
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
def penetration_matrix(times: np.ndarray, community: np.ndarray, channels: np.ndarray | None = None, *,
                       sizes: np.ndarray | None = None, n_communities: int | None = None) -> np.ndarray:
    """Share of each community engaged by each step, averaged over stored runs.

    Parameters
    ----------
    times : int array (runs, n) or (n,)
        Engagement step per node (-1: never).
    community : int array (n,)
    channels : int array like ``times``, optional
        When given, hired influencers (channel 1) are not counted, as in the ``engaged`` metric.
    sizes : array (C,), optional
        People per community (default: counted from ``community``).
    n_communities : int, optional

    Returns
    -------
    float array (C, steps)
        Cumulative share engaged by the end of each step.
    """
    times = np.atleast_2d(np.asarray(times))
    community = np.asarray(community, np.int64)
    c = int(n_communities if n_communities is not None else community.max(initial=-1) + 1)
    sizes = np.bincount(community, minlength=c) if sizes is None else np.asarray(sizes, float)
    steps = int(max(times.max(initial=-1), 0)) + 1
    total = np.zeros(c * steps)
    chans = None if channels is None else np.atleast_2d(np.asarray(channels))
    for r in range(times.shape[0]):
        t = times[r]
        ok = t >= 0
        if chans is not None:
            ok &= chans[r] != 1
        total += np.bincount(community[ok] * steps + t[ok], minlength=c * steps)
    counts = total.reshape(c, steps) / max(times.shape[0], 1)
    return np.cumsum(counts, axis=1) / np.maximum(sizes, 1)[:, None]


@_styled
def penetration_heatmap(times: np.ndarray, community: np.ndarray, channels: np.ndarray | None = None, ax: Any = None, *,
                        sizes: np.ndarray | None = None, rows: np.ndarray | None = None,
                        labels: Mapping[int, str] | None = None, max_rows: int = 50, max_step: int | None = None,
                        vmax: float | None = None, colorbar: bool = True, title: str | None = None) -> Any:
    """Community x time heatmap: the share of each community engaged by each step (one strategy).

    Parameters
    ----------
    times, community, channels, sizes
        As in :func:`penetration_matrix` (the stored records of one strategy).
    ax : matplotlib Axes, optional
    rows : int array, optional
        Communities to show, top to bottom (default: the ``max_rows`` most penetrated).
    labels : mapping, optional
        Community -> row label (default ``"community c"``).
    max_rows : int
    max_step : int, optional
        Last step shown (default: when every row has reached 99.5% of its final value, plus a margin).
    vmax : float, optional
        Top of the colour scale.
    colorbar : bool
    title : str, optional

    Returns
    -------
    matplotlib Axes
        The image's array is the matrix shown (rows x steps).
    """
    m = penetration_matrix(times, community, channels, sizes=sizes)
    if rows is None:
        rows = np.argsort(-m[:, -1], kind="stable")[:max_rows]
    rows = np.asarray(rows, int)
    sub = m[rows]
    if max_step is None:
        final = sub[:, -1:]
        done = (sub >= 0.995 * final) | (final == 0)
        first = np.argmax(done.all(axis=0)) if done.all(axis=0).any() else sub.shape[1] - 1
        max_step = max(int(math.ceil(first * 1.2)) + 1, 5)
    max_step = min(max_step, sub.shape[1] - 1)
    sub = sub[:, : max_step + 1]
    ax = _axes(ax, (9, 1.5 + 0.16 * len(rows)))
    vmax = vmax if vmax is not None else max(float(sub.max()), 1e-6)
    im = ax.imshow(sub, aspect="auto", cmap=SEQUENTIAL, vmin=0, vmax=vmax, interpolation="nearest",
                   extent=(-0.5, max_step + 0.5, len(rows) - 0.5, -0.5))
    names = [labels.get(int(r), f"community {r}") if labels else f"community {r}" for r in rows]
    ax.set_yticks(np.arange(len(rows)), names, fontsize=7 if len(rows) > 30 else 8.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("steps since launch")
    ax.tick_params(axis="y", length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or "Penetration by community over time")
    if colorbar:
        cb = ax.figure.colorbar(im, ax=ax, shrink=0.6, pad=0.02, format=PercentFormatter(1.0, decimals=0))
        cb.set_label("share of the community engaged")
    return ax


# ------------------------------------------------------------------------------------- 8. sweeps
def _sweep_values(values: list[Any]) -> list[Any]:
    uniq: list[Any] = []
    for v in values:
        if not any(json.dumps(v, default=str) == json.dumps(u, default=str) for u in uniq):
            uniq.append(v)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in uniq):
        uniq.sort()
    return uniq


def _key(v: Any) -> str:
    return json.dumps(v, default=str, sort_keys=True)


def _label(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_label(x) for x in v)
    return str(v)


def sweep_axes(cells: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The independent axes of a sweep: groups of swept keys that vary together (``sweep.zip``).

    Parameters
    ----------
    cells : sequence of dict
        ``summary["cells"]`` (each with ``overrides``).

    Returns
    -------
    list of list of str
        One list of keys per axis, in order of appearance; keys with a single value are left out.
    """
    overs = [c.get("overrides") or {} for c in cells]
    keys: list[str] = []
    for o in overs:
        keys += [k for k in o if k not in keys]
    keys = [k for k in keys if len(_sweep_values([o.get(k) for o in overs])) > 1]

    def n_distinct(*ks: str) -> int:
        return len({tuple(_key(o.get(k)) for k in ks) for o in overs})

    axes: list[list[str]] = []
    for k in keys:
        for axis in axes:
            if n_distinct(axis[0], k) == n_distinct(axis[0]) == n_distinct(k):
                axis.append(k)
                break
        else:
            axes.append([k])
    return axes


def _tied(cells: Sequence[Mapping[str, Any]], key: str) -> list[str]:
    """Keys that vary together with ``key`` (including itself)."""
    for axis in sweep_axes(cells):
        if key in axis:
            return axis
    return [key]


def _grid_from_summary(summary: Mapping[str, Any], x_key: str, y_key: str, metric: str,
                       fixed: Mapping[str, Any] | None) -> tuple[list, list, list[str], np.ndarray, dict]:
    cells = summary["cells"]
    names = list(cells[0]["strategies"])
    first = cells[0].get("overrides") or {}
    tied = set(_tied(cells, x_key)) | set(_tied(cells, y_key))
    fixed = dict(fixed) if fixed is not None else {k: v for k, v in first.items() if k not in tied}
    chosen = [c for c in cells if all(_key((c.get("overrides") or {}).get(k)) == _key(v) for k, v in fixed.items())]
    xs = _sweep_values([(c.get("overrides") or {}).get(x_key) for c in chosen])
    ys = _sweep_values([(c.get("overrides") or {}).get(y_key) for c in chosen])
    z = np.full((len(ys), len(xs), len(names)), np.nan)
    for c in chosen:
        o = c.get("overrides") or {}
        i = [_key(v) for v in ys].index(_key(o.get(y_key)))
        j = [_key(v) for v in xs].index(_key(o.get(x_key)))
        for s, n in enumerate(names):
            v = c["summary"].get(n, {}).get("metrics", {}).get(metric, {}).get("value")
            z[i, j, s] = v if _finite(v) else np.nan
    return xs, ys, names, z, fixed


def _grid_from_runs(runs: Mapping[str, np.ndarray], x_key: str, y_key: str, metric: str,
                    fixed: Mapping[str, Any] | None) -> tuple[list, list, list[str], np.ndarray, dict]:
    from .metrics import RATIOS

    names = _strategy_names(runs["strategy"])
    mask = np.ones(len(runs["strategy"]), bool)
    for k, v in (fixed or {}).items():
        mask &= _col_equals(runs[k], v)
    xs = _sweep_values(np.asarray(runs[x_key])[mask].tolist())
    ys = _sweep_values(np.asarray(runs[y_key])[mask].tolist())
    z = np.full((len(ys), len(xs), len(names)), np.nan)
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            for s, n in enumerate(names):
                sel = mask & _col_equals(runs[x_key], xv) & _col_equals(runs[y_key], yv) & _col_equals(runs["strategy"], n)
                if not sel.any():
                    continue
                if metric in RATIOS and all(c in runs for c in RATIOS[metric]):
                    num, den = (np.asarray(runs[c], float)[sel].mean() for c in RATIOS[metric])
                    z[i, j, s] = num / den if den else np.nan
                else:
                    z[i, j, s] = np.nanmean(np.asarray(runs[metric], float)[sel])
    return xs, ys, names, z, dict(fixed or {})


@_styled
def phase_diagram(data: Mapping[str, Any], x_key: str, y_key: str, metric: str = "engaged", ax: Any = None, *,
                  strategy: str | None = None, fixed: Mapping[str, Any] | None = None,
                  colors: Mapping[str, str] | None = None) -> Any:
    """A metric over two swept parameters: which strategy wins where, or one strategy's value.

    Parameters
    ----------
    data : dict
        A summary (``summary.json``, its ``cells`` carry ``overrides``) or a runs table (columns of
        ``runs.csv`` with one column per swept key).
    x_key, y_key : str
        Swept (dotted) config keys.
    metric : str
    ax : matplotlib Axes, optional
    strategy : str, optional
        Colour the grid by this strategy's value. When None, each grid cell takes the colour of the
        strategy that does best on ``metric`` there (lower is better for costs and times), labelled
        with its name and value.
    fixed : mapping, optional
        Values of further swept keys (default: those of the first cell).
    colors : mapping, optional
        Strategy -> colour.

    Returns
    -------
    matplotlib Axes
    """
    if "cells" in data:
        xs, ys, names, z, fixed = _grid_from_summary(data, x_key, y_key, metric, fixed)
    else:
        xs, ys, names, z, fixed = _grid_from_runs(data, x_key, y_key, metric, fixed)
    colors = dict(colors) if colors is not None else strategy_colors(names)
    ax = _axes(ax, (2.5 + 1.6 * len(xs), 1.6 + 0.9 * len(ys)))
    low = metric in _LOWER_IS_BETTER
    title, unit = _METRIC_LABELS.get(metric, (metric.replace("_", " "), ""))
    if strategy is not None:
        s = names.index(strategy)
        grid = z[:, :, s]
        im = ax.imshow(grid, cmap=SEQUENTIAL + ("_r" if low else ""), origin="lower", aspect="auto")
        norm = im.norm
        for i in range(len(ys)):
            for j in range(len(xs)):
                if np.isfinite(grid[i, j]):
                    ax.text(j, i, _fmt(metric, grid[i, j]), ha="center", va="center", fontsize=9,
                            color=_text_color(im.get_cmap()(norm(grid[i, j]))))
        cb = ax.figure.colorbar(im, ax=ax, shrink=0.8)
        cb.set_label(unit or metric)
        ax.set_title(f"{title}: {strategy}")
    else:
        filled = np.where(np.isnan(z), np.inf if low else -np.inf, z)
        best = np.argmin(filled, axis=2) if low else np.argmax(filled, axis=2)
        allnan = np.isnan(z).all(axis=2)
        rgb = np.ones((len(ys), len(xs), 3))
        for i in range(len(ys)):
            for j in range(len(xs)):
                if not allnan[i, j]:
                    rgb[i, j] = mcolors.to_rgb(colors[names[best[i, j]]])
        ax.imshow(rgb, origin="lower", aspect="auto")
        for i in range(len(ys)):
            for j in range(len(xs)):
                if allnan[i, j]:
                    continue
                n = names[best[i, j]]
                ax.text(j, i, f"{n}\n{_fmt(metric, z[i, j, best[i, j]])}", ha="center", va="center", fontsize=8.5,
                        color=_text_color(mcolors.to_rgb(colors[n])))
        winners = [names[k] for k in sorted(set(best[~allnan].tolist()))]
        ax.legend(handles=[Patch(color=colors[n], label=n) for n in winners], title="best strategy",
                  loc="upper left", bbox_to_anchor=(1.02, 1.0))
        ax.set_title(f"Best strategy by {title.lower()} ({'lowest' if low else 'highest'} wins)")
    ax.set_xticks(np.arange(len(xs)), [_label(v) for v in xs])
    ax.set_yticks(np.arange(len(ys)), [_label(v) for v in ys])
    ax.set_xlabel(x_key)
    ax.set_ylabel(y_key)
    for side in ax.spines.values():
        side.set_visible(False)
    if fixed:
        ax.text(0, -0.16 if len(ys) < 4 else -0.1, "with " + ", ".join(f"{k} = {_label(v)}" for k, v in fixed.items()),
                transform=ax.transAxes, fontsize=8.5, color="#555555", va="top")
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
    values = _sweep_values([(c.get("overrides") or {}).get(key) for c in cells])
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    ax = _axes(ax, (9, 5))
    scale = 100.0 if metric in _PERCENT else 1.0
    for s, n in enumerate(names):
        xs, ys, lo, hi = [], [], [], []
        for j, v in enumerate(values):
            for c in cells:
                if _key((c.get("overrides") or {}).get(key)) != _key(v):
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
        ax.set_xticks(np.arange(len(values)), [_label(v) for v in values])
    title, unit = _METRIC_LABELS.get(metric, (metric.replace("_", " "), ""))
    ax.set_xlabel(key)
    ax.set_ylabel(unit or metric)
    if metric in _PERCENT:
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.grid(axis="y", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    ax.set_title(f"{title} across {key} (mean, 95% interval)")
    ax.legend(title="strategy", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


# ------------------------------------------------------------------------------------- results
#: largest graph regenerated from config.toml for the community arrays and maps
GRAPH_LIMIT = 2_000_000
#: largest graph drawn person by person
NETWORK_LIMIT = 10_000


def _read(path: Path) -> dict[str, np.ndarray] | None:
    """A tidy table (Parquet when it is current and pyarrow is installed, else CSV), or None."""
    from .experiment import read_table

    csv_path, pq_path = path.with_suffix(".csv"), path.with_suffix(".parquet")
    if pq_path.exists() and (not csv_path.exists() or pq_path.stat().st_mtime >= csv_path.stat().st_mtime - 1):
        try:
            import pyarrow.parquet as pq

            t = pq.read_table(pq_path)
            return {c: t.column(c).to_numpy(zero_copy_only=False) for c in t.column_names}
        except Exception:  # noqa: BLE001 - fall back to the CSV
            pass
    if csv_path.exists():
        return read_table(path)
    return None


class _Results:
    """Lazy access to one cell of a results directory."""

    def __init__(self, results_dir: Path, cell: int = 0) -> None:
        from .report import load_summary

        self.dir = Path(results_dir)
        self.summary = load_summary(self.dir)
        self.cells = self.summary.get("cells") or []
        if not self.cells:
            from .errors import InputError

            raise InputError(f"{self.dir / 'summary.json'}: no finished cells")
        self.cell_index = cell
        self.cell = self.cells[cell]
        self.strategies = list(self.cell["strategies"])
        base = self.summary.get("baseline")
        self.baseline = base if base in self.strategies else self.strategies[0]
        self.colors = strategy_colors(self.strategies)
        self._cache: dict[str, Any] = {}

    def _memo(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def table(self, name: str) -> dict[str, np.ndarray] | None:
        def load() -> dict[str, np.ndarray] | None:
            t = _read(self.dir / name)
            if t is None or "strategy" not in t:
                return None
            return _one_cell(t, self.cell_index)

        return self._memo(f"table:{name}", load)

    @property
    def n(self) -> int:
        return int(self.cell.get("graph", {}).get("n", 0))

    @property
    def n_communities(self) -> int:
        return int(self.cell.get("graph", {}).get("communities", 0))

    def metric(self, strategy: str, metric: str) -> float:
        v = self.cell["summary"][strategy]["metrics"].get(metric, {}).get("value")
        return float(v) if _finite(v) else float("nan")

    @property
    def best(self) -> str:
        """The strategy with the most people engaged."""
        vals = [self.metric(n, "engaged") for n in self.strategies]
        return self.strategies[int(np.nanargmax(vals))] if np.isfinite(vals).any() else self.strategies[0]

    def pair(self) -> list[str]:
        """Baseline and the best other strategy by engaged (one name when there is one strategy)."""
        others = [n for n in self.strategies if n != self.baseline]
        if not others:
            return [self.baseline]
        vals = [self.metric(n, "engaged") for n in others]
        return [self.baseline, others[int(np.nanargmax(vals)) if np.isfinite(vals).any() else 0]]

    @property
    def records(self) -> dict[str, np.ndarray] | None:
        def load() -> dict[str, np.ndarray] | None:
            path = self.dir / "cells" / f"cell_{self.cell_index:04d}" / "records.npz"
            if not path.exists():
                return None
            with np.load(path) as z:
                return {k: z[k] for k in z.files}

        return self._memo("records", load)

    def record(self, strategy: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        rec = self.records
        if rec is None or strategy not in self.strategies:
            return None
        i = self.strategies.index(strategy)
        keys = [f"{i}_{k}" for k in ("times", "parents", "channels")]
        if not all(k in rec for k in keys) or rec[keys[0]].shape[0] == 0:
            return None
        return tuple(rec[k] for k in keys)  # type: ignore[return-value]

    @property
    def graph(self) -> Any:
        def load() -> Any:
            if not 0 < self.n <= GRAPH_LIMIT or not (self.dir / "config.toml").exists():
                return None
            try:
                from .config import expand_cells, load_config
                from .experiment import build_graph

                exp, raw = load_config(self.dir / "config.toml")
                cells = expand_cells(exp, raw, str(self.dir / "config.toml"))
                spec = cells[self.cell_index][1] if self.cell_index < len(cells) else exp
                g = build_graph(spec.graph, spec.seed)
            except Exception as exc:  # noqa: BLE001 - figures that need the graph are skipped
                warnings.warn(f"virality.plots: could not rebuild the graph from config.toml ({exc}); "
                              "figures that need it are skipped", stacklevel=2)
                return None
            return g if g.n == self.n else None

        return self._memo("graph", load)

    @property
    def nodes_all(self) -> bool:
        """Whether nodes.csv holds every node (for the first strategy)."""
        t = self.table("nodes")
        if t is None or self.n == 0:
            return False
        return int(_col_equals(t["strategy"], self.strategies[0]).sum()) == self.n

    @property
    def community(self) -> np.ndarray | None:
        """Community of each node: from the rebuilt graph, else from nodes.csv when it holds all nodes."""

        def load() -> np.ndarray | None:
            g = self.graph
            if g is not None:
                return np.asarray(g.community, np.int64) if g.community is not None else np.zeros(g.n, np.int64)
            if self.nodes_all:
                t = self.table("nodes")
                sel = _col_equals(t["strategy"], self.strategies[0])
                comm = np.zeros(self.n, np.int64)
                comm[t["node"][sel].astype(int)] = t["community"][sel].astype(int)
                return comm
            return None

        return self._memo("community", load)

    def sweep_axes(self) -> list[list[str]]:
        return sweep_axes(self.cells)

    def median_record(self, strategy: str) -> tuple[int, np.ndarray, np.ndarray, np.ndarray] | None:
        """The stored run whose engaged count is closest to the median over all runs."""
        rec = self.record(strategy)
        if rec is None:
            return None
        times, parents, channels = rec
        runs = self.table("runs")
        stored = [int(((times[r] >= 0) & (channels[r] != 1)).sum()) for r in range(times.shape[0])]
        target = float(np.median(stored))
        if runs is not None and "engaged" in runs:
            sel = _col_equals(runs["strategy"], strategy)
            if sel.any():
                target = float(np.median(runs["engaged"][sel].astype(float)))
        r = int(np.argmin([abs(s - target) for s in stored]))
        return r, times[r], parents[r], channels[r]


def _new_figure(figsize: tuple[float, float]) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, folder: Path, name: str) -> list[Path]:
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    fig.savefig(png, dpi=DPI, bbox_inches="tight", pad_inches=0.15)
    fig.savefig(svg, bbox_inches="tight", pad_inches=0.15)
    return [png, svg]


def _figure_specs(res: _Results) -> list[tuple[str, str, str, Callable[[], Figure]]]:
    """(name, title, caption, draw) of every figure that applies to a results directory."""
    specs: list[tuple[str, str, str, Callable[[], Figure]]] = []
    cell_note = ""
    if len(res.cells) > 1:
        over = res.cell.get("overrides") or {}
        cell_note = " Sweep cell 0 (" + ", ".join(f"{k} = {_label(v)}" for k, v in over.items()) + ")."
    runs_note = f"{res.cell.get('n_runs', '?')} runs per strategy."
    curves = res.table("curves")
    if curves is not None and len(curves["strategy"]):
        def draw_curves() -> Figure:
            fig = _new_figure((10, 5.2))
            adoption_curves(curves, fig.add_subplot(), strategies=res.strategies, colors=res.colors)
            return fig

        specs.append(("adoption_curves", "Engagement over time",
                      "Cumulative people engaged by each step since launch: the line is the mean over runs, the "
                      "band holds 90% of runs (5th to 95th percentile). Steeper is faster; higher is more reach. "
                      + runs_note + cell_note, draw_curves))

    def draw_panel() -> Figure:
        fig = _new_figure((13, 2 * (0.9 + 0.34 * len(res.strategies)) + 0.9))
        comparison_panel(res.cell, fig, colors=res.colors)
        return fig

    specs.append(("comparison_panel", "How the strategies compare",
                  "Six headline metrics per strategy: bars are means per run, whiskers 95% confidence intervals "
                  "(costs and rates are ratios of means). The best value of each panel is printed in bold." + cell_note,
                  draw_panel))

    def draw_channels() -> Figure:
        fig = _new_figure((11, 1.6 + 0.5 * len(res.strategies)))
        channel_attribution(res.cell, fig.add_subplot())
        return fig

    specs.append(("channel_attribution", "Who engaged them",
                  "People engaged per run, split by the channel that engaged them: mass media, an influencer's "
                  "post, or a peer's share (word of mouth). The percentage is the grassroots share: engagement "
                  "the campaign did not pay for directly." + cell_note, draw_channels))

    comms = res.table("communities")
    n_comm = len(np.unique(comms["community"])) if comms is not None and "community" in comms else 0
    pair = res.pair()
    if n_comm >= 2:
        def draw_map() -> Figure:
            comm_arr = res.community
            g = res.graph
            edges = community_edge_matrix(g) if g is not None else None
            flows = {}
            for n in pair:
                rec = res.record(n)
                if rec is not None and comm_arr is not None:
                    flows[n] = cross_community_flows(rec[1], comm_arr, n_comm)
            first = _rows(comms, _col_equals(comms["strategy"], pair[0]))
            order = np.argsort(first["community"])
            cids = first["community"][order].astype(int)
            sizes = first["size"][order].astype(float)
            shown = np.sort(np.argsort(-sizes, kind="stable")[:300]) if cids.size > 300 else np.arange(cids.size)
            w = edges if edges is not None else (sum(flows.values()) if flows else None)
            if w is not None:
                w = np.asarray(w, float)[np.ix_(cids[shown], cids[shown])]
            layout = community_layout(sizes[shown], w)
            pens = [comms["penetration"][_col_equals(comms["strategy"], n)].astype(float) for n in pair]
            vmax = max(float(np.nanmax(p)) if p.size else 0 for p in pens) or 1e-6
            fig = _new_figure((6.3 * len(pair) + 1.3, 7.4))
            axes = fig.subplots(1, len(pair), squeeze=False).ravel()
            coll = None
            for ax, n in zip(axes, pair):
                community_map(comms, n, edges, ax, flows=flows.get(n), layout=layout, vmax=vmax, colorbar=False)
                coll = next(c for c in ax.collections if c.get_gid() == "communities")
            cb = fig.colorbar(coll, ax=list(axes), shrink=0.5, pad=0.01, format=PercentFormatter(1.0, decimals=0))
            cb.set_label("penetration: % of the community engaged")
            fig.suptitle("Community virality map: where the message caught on", y=1.04)
            return fig

        arrows = (" Arrows show the largest flows of engagement across communities (mean people per run engaged "
                  "in one community by someone from another, from the stored runs)."
                  if res.records is not None and res.community is not None else "")
        specs.append(("community_map", "Community virality map",
                      f"Each circle is a community (niche); its area is the community's size and its colour the "
                      f"share of its people engaged (mean per run), for {' and '.join(pair)}. Communities that follow "
                      f"each other a lot sit close together." + arrows + cell_note, draw_map))

        if res.records is not None and res.community is not None:
            def draw_heat() -> Figure:
                comm_arr = res.community
                sizes = np.bincount(comm_arr, minlength=n_comm)
                mats = {}
                for n in pair:
                    rec = res.record(n)
                    if rec is not None:
                        mats[n] = (rec[0], rec[2])
                if not mats:
                    raise ValueError("no records")
                last = pair[-1] if pair[-1] in mats else next(iter(mats))
                m_last = penetration_matrix(mats[last][0], comm_arr, mats[last][1], sizes=sizes, n_communities=n_comm)
                rows = np.argsort(-m_last[:, -1], kind="stable")[:30]
                align = {}
                first = _rows(comms, _col_equals(comms["strategy"], pair[0]))
                if "alignment" in first:
                    align = {int(c): float(a) for c, a in zip(first["community"], first["alignment"])}
                labels = {int(c): (f"c{c} (align {align[c]:.2f})" if c in align else f"community {c}") for c in rows}
                vmax = 0.0
                full = {}
                for n, (t, ch) in mats.items():
                    full[n] = penetration_matrix(t, comm_arr, ch, sizes=sizes, n_communities=n_comm)
                    vmax = max(vmax, float(full[n][rows].max()))
                steps = []
                for n, m in full.items():
                    sub = m[rows]
                    final = sub[:, -1:]
                    done = ((sub >= 0.995 * final) | (final == 0)).all(axis=0)
                    steps.append(int(np.argmax(done)) if done.any() else sub.shape[1] - 1)
                max_step = max(5, int(math.ceil(max(steps) * 1.15)) + 1)
                fig = _new_figure((6.2 * len(mats) + 1.6, 2.0 + 0.2 * len(rows)))
                axes = fig.subplots(1, len(mats), squeeze=False, sharey=True).ravel()
                im = None
                for ax, (n, (t, ch)) in zip(axes, mats.items()):
                    penetration_heatmap(t, comm_arr, ch, ax, sizes=sizes, rows=rows, labels=labels, vmax=vmax or 1e-6,
                                        max_step=min(max_step, full[n].shape[1] - 1), colorbar=False, title=n)
                    im = ax.images[0]
                cb = fig.colorbar(im, ax=list(axes), shrink=0.6, pad=0.01, format=PercentFormatter(1.0, decimals=0))
                cb.set_label("share of the community engaged")
                fig.suptitle("When each community caught on (most penetrated communities first)")
                return fig

            specs.append(("penetration_heatmap", "When each community caught on",
                          f"Share of each community engaged by each step, averaged over the stored runs, for "
                          f"{' and '.join(pair)}; rows are the 30 most penetrated communities (align: how well the "
                          f"message fits the community, 0-1)." + cell_note, draw_heat))

    if res.records is not None:
        def draw_tree() -> Figure:
            picks = [(n, res.median_record(n)) for n in pair]
            picks = [(n, p) for n, p in picks if p is not None]
            if not picks:
                raise ValueError("no records")
            fig = _new_figure((13, 5 * len(picks)))
            axes = fig.subplots(len(picks), 1, squeeze=False).ravel()
            for ax, (n, (r, t, p, ch)) in zip(axes, picks):
                tree = largest_tree(t, p)
                engaged = int(((t >= 0) & (ch != 1)).sum())
                shown = min(tree.size, 400)
                cascade_tree(t, p, ch, ax, max_nodes=400,
                             title=f"{n}: largest cascade of a typical run (run {r}, {engaged:,} engaged): "
                                   + (f"first {shown} of {tree.size:,} people" if shown < tree.size
                                      else f"{tree.size:,} people"))
            return fig

        specs.append(("cascade_tree", "A typical cascade",
                      "The largest diffusion tree of a typical run (the stored run whose engagement is closest to "
                      "the median), for " + " and ".join(pair) + ". The root is a hired influencer, an organic seed or "
                      "a person reached by mass media; each row down is one more hop of sharing. Colour is the "
                      "channel that engaged each person; at most 400 people are drawn (breadth first)." + cell_note,
                      draw_tree))

    if 0 < res.n <= NETWORK_LIMIT and res.nodes_all and res.graph is not None:
        def draw_network() -> Figure:
            fig = _new_figure((6.4 * len(pair) + 1.2, 7.4))
            network_map(res.graph, res.table("nodes"), pair, fig=fig)
            return fig

        specs.append(("network_map", "Who engages, person by person",
                      "Every person of the graph, grouped by community (the biggest accounts at each community's "
                      "centre), coloured by the share of runs in which they engaged and sized by followers, for "
                      + " and ".join(pair) + ". Triangles are hired influencers; black rings mark the 10 key nodes "
                      "with the largest downstream cascades (ripple). Grey lines are a sample of follow links."
                      + cell_note, draw_network))

    axes = res.sweep_axes()
    names = [" = ".join(a) for a in axes]  # keys varied together (sweep.zip) make one axis
    if len(axes) >= 2:
        x_key, y_key = axes[0][0], axes[1][0]
        for metric in ("engaged", "cost_per_engagement"):
            def draw_phase(metric: str = metric) -> Figure:
                xs = _sweep_values([(c.get("overrides") or {}).get(x_key) for c in res.cells])
                ys = _sweep_values([(c.get("overrides") or {}).get(y_key) for c in res.cells])
                fig = _new_figure((3.5 + 1.7 * len(xs), 2.2 + 0.9 * len(ys)))
                ax = phase_diagram(res.summary, x_key, y_key, metric, fig.add_subplot(), colors=res.colors)
                ax.set_xlabel(names[0])
                ax.set_ylabel(names[1])
                return fig

            title = _METRIC_LABELS.get(metric, (metric, ""))[0]
            specs.append((f"phase_{metric}", f"Which strategy wins where: {title.lower()}",
                          f"Across the sweep of {names[0]} (x) and {names[1]} (y): each square takes the colour of "
                          f"the strategy with the {'lowest' if metric in _LOWER_IS_BETTER else 'highest'} "
                          f"{title.lower()} there, and shows its value."
                          + (" Further swept keys are held at their first value." if len(axes) > 2 else ""),
                          draw_phase))
    elif len(axes) == 1:
        key = axes[0][0]
        for metric in ("engaged", "cost_per_engagement"):
            def draw_sweep(metric: str = metric) -> Figure:
                fig = _new_figure((10, 5.2))
                ax = sweep_metric(res.summary, key, metric, fig.add_subplot(), colors=res.colors)
                ax.set_xlabel(names[0])
                return fig

            title = _METRIC_LABELS.get(metric, (metric, ""))[0]
            specs.append((f"sweep_{metric}", f"{title} across {names[0]}",
                          f"{title} (mean per run with 95% interval) for each value of {names[0]}, one line per "
                          f"strategy.", draw_sweep))
    return specs


def figures_for_results(results_dir: str | Path) -> list[Path]:
    """Draw every figure that applies to a results directory into ``results_dir/figures/``.

    Each figure is written as PNG (``DPI`` dots per inch) and SVG; ``figures/index.json`` lists them
    with titles and captions (for :func:`html_report`). Figures whose inputs are missing are skipped:
    the cascade tree and penetration heatmap need stored records (``outputs.records``), the community
    figures at least two communities, the network map a graph of at most ``NETWORK_LIMIT`` people
    with all nodes stored, the sweep figures a sweep over one key (metric lines) or two and more keys
    (phase diagrams). Per-cell figures show the first cell of a sweep. A figure that fails is skipped
    with a warning, so a finished experiment is never lost to a plotting problem.

    Parameters
    ----------
    results_dir : str or Path
        A finished results directory (``summary.json`` and the tidy tables).

    Returns
    -------
    list of Path
        PNG and SVG files written.
    """
    results_dir = Path(results_dir)
    res = _Results(results_dir)
    folder = results_dir / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    index_path = folder / "index.json"
    if index_path.exists():
        try:
            for entry in json.loads(index_path.read_text()):
                for k in ("png", "svg"):
                    (folder / Path(entry[k]).name).unlink(missing_ok=True)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    written: list[Path] = []
    index = []
    with plt.rc_context(STYLE):
        for name, title, caption, draw in _figure_specs(res):
            try:
                fig = draw()
                paths = _save(fig, folder, name)
            except Exception as exc:  # noqa: BLE001 - one figure must not sink the others
                warnings.warn(f"virality.plots: figure {name!r} skipped: {type(exc).__name__}: {exc}", stacklevel=2)
                continue
            written += paths
            index.append({"name": name, "title": title, "caption": caption, "png": paths[0].name, "svg": paths[1].name})
    index_path.write_text(json.dumps(index, indent=1))
    return written


# ------------------------------------------------------------------------------------- HTML
_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;background:#f6f7f9;
margin:0;line-height:1.5}
main{max-width:1240px;margin:0 auto;padding:28px 32px 60px;background:#fff;box-shadow:0 0 0 1px #e4e6ea}
h1{font-size:28px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid #e4e6ea}
h3{font-size:16px;margin:22px 0 6px}.sub{color:#57606a;margin:0 0 14px}.meta{color:#57606a;font-size:13px}
ul.findings{padding-left:0;list-style:none}ul.findings li{margin:6px 0;padding:8px 12px;background:#f1f6fb;
border-left:4px solid #0072B2;border-radius:3px}ul.findings b{color:#0b3d62}
table{border-collapse:collapse;font-size:13px;margin:8px 0 16px;width:100%}
th,td{padding:5px 8px;border-bottom:1px solid #e4e6ea;text-align:right;white-space:nowrap}
th{background:#f0f2f5;font-weight:600;position:relative}td.l,th.l{text-align:left}
tr:nth-child(even) td{background:#fafbfc}td.best{font-weight:700;color:#0b3d62;background:#e6f0f8 !important}
td.good{color:#00634a;font-weight:600}td.bad{color:#a23b00;font-weight:600}td.flat{color:#6e7781}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.wrap{overflow-x:auto}figure{margin:18px 0 30px}figure img{max-width:100%;height:auto;border:1px solid #eceef1}
figcaption{color:#444c56;font-size:13.5px;margin-top:6px;max-width:1000px}figcaption b{color:#1f2328}
pre{background:#f6f8fa;border:1px solid #e4e6ea;padding:12px;font-size:12px;overflow-x:auto;border-radius:4px}
.note{color:#57606a;font-size:13px}details{margin:8px 0}summary{cursor:pointer;font-weight:600;padding:4px 0}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:4px 28px}.grid2 table{font-size:12px}
.grid2 th,.grid2 td{padding:4px 6px}nav a{margin-right:14px;font-size:13.5px;color:#0b5cad;text-decoration:none}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, left: int = 1,
           classes: Sequence[Sequence[str]] | None = None) -> str:
    out = ['<div class="wrap"><table><thead><tr>']
    out += [f'<th class="{"l" if j < left else ""}">{_e(h)}</th>' for j, h in enumerate(header)]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        out.append("<tr>")
        for j, v in enumerate(row):
            cls = ["l"] if j < left else []
            if classes is not None and classes[i][j]:
                cls.append(classes[i][j])
            out.append(f'<td class="{" ".join(cls)}">{v if isinstance(v, _Raw) else _e(v)}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


class _Raw(str):
    """Already-escaped HTML."""


def _swatch(name: str, colors: Mapping[str, str]) -> _Raw:
    return _Raw(f'<span class="swatch" style="background:{_e(colors.get(name, "#999"))}"></span>{_e(name)}')


def _comparison_html(cell: Mapping[str, Any], colors: Mapping[str, str]) -> str:
    from .experiment import ASPECTS
    from .report import comparison_rows

    header, rows = comparison_rows(cell)
    names = list(cell["strategies"])
    metrics = [None] * (len(rows) - len(ASPECTS)) + [m for _, _, m in ASPECTS]
    classes = []
    for row, metric in zip(rows, metrics):
        cls = [""] * len(row)
        if metric is not None and len(names) > 1:
            vals = [cell["summary"][n]["metrics"].get(metric, {}).get("value") for n in names]
            vals = [v if _finite(v) else np.nan for v in vals]
            if np.isfinite(vals).any() and np.nanmax(vals) != np.nanmin(vals):
                b = int(np.nanargmin(vals) if metric in _LOWER_IS_BETTER else np.nanargmax(vals))
                cls[2 + b] = "best"
        classes.append(cls)
    head = [*header[:2], *header[2:]]
    body = []
    for row in rows:
        body.append([row[0], row[1], *row[2:]])
    html_head = ['<div class="wrap"><table><thead><tr><th class="l">aspect</th><th class="l">metric</th>']
    html_head += [f"<th>{_swatch(n, colors)}</th>" for n in head[2:]]
    html_head.append("</tr></thead><tbody>")
    last = None
    for row, cls in zip(body, classes):
        html_head.append("<tr>")
        aspect = row[0] if row[0] != last else ""
        last = row[0]
        html_head.append(f'<td class="l"><b>{_e(aspect)}</b></td><td class="l">{_e(row[1])}</td>')
        for v, c in zip(row[2:], cls[2:]):
            html_head.append(f'<td class="{c}">{_e(v)}</td>')
        html_head.append("</tr>")
    html_head.append("</tbody></table></div>")
    return "".join(html_head)


_PAIRED = ("engaged", "cost_per_engagement", "engagement_rate", "time_to_half", "grassroots_share",
           "contextual_alignment", "structural_virality")


def _paired_html(cell: Mapping[str, Any], baseline: str, colors: Mapping[str, str]) -> str:
    from .report import fmt

    names = [n for n in cell["strategies"] if n != baseline]
    if not names:
        return '<p class="note">Only one strategy: no paired differences.</p>'
    header = ["strategy"] + [_METRIC_LABELS.get(m, (m, ""))[0].split(":")[0].lower() if m != "engaged"
                             else "people engaged" for m in _PAIRED]
    rows, classes = [], []
    for n in names:
        d = cell["summary"][n].get("vs_baseline", {})
        row: list[Any] = [_swatch(n, colors)]
        cls = [""]
        for m in _PAIRED:
            e = d.get(m)
            if not e or not _finite(e.get("value")):
                row.append("n/a")
                cls.append("flat")
                continue
            v, lo, hi = e["value"], e.get("low"), e.get("high")
            if m in _PERCENT:
                text = f"{100 * v:+.1f} pts"
                ci = f" [{100 * lo:+.1f}, {100 * hi:+.1f}]" if _finite(lo) and _finite(hi) else ""
            else:
                text = ("+" if v >= 0 else "-") + fmt(m, abs(v))
                ci = (f" [{'+' if lo >= 0 else '-'}{fmt(m, abs(lo))}, {'+' if hi >= 0 else '-'}{fmt(m, abs(hi))}]"
                      if _finite(lo) and _finite(hi) else "")
            row.append(text + ci)
            sure = _finite(lo) and _finite(hi) and (lo > 0 or hi < 0)
            if not sure or m == "structural_virality":
                cls.append("flat" if not sure else "")
            else:
                better = (v < 0) if m in _LOWER_IS_BETTER else (v > 0)
                cls.append("good" if better else "bad")
        rows.append(row)
        classes.append(cls)
    return _table(header, rows, classes=classes)


def _key_nodes_html(res: _Results) -> str:
    from .report import key_node_rows

    nodes = res.table("nodes")
    if nodes is None or "ripple" not in nodes:
        return '<p class="note">No node table in this results directory.</p>'
    blocks = []
    for item in key_node_rows(nodes, top=10, strategies=res.strategies, summary_cell=res.cells[0]):
        rho = item["rho"]
        if math.isfinite(rho):
            verdict = ("the key nodes are largely the hubs" if rho >= 0.6 else
                       "the key nodes are only partly the hubs" if rho >= 0.3 else
                       "the key nodes are mostly not the hubs")
            rho_text = f"Spearman correlation of ripple with followers: {rho:.2f} over {item['stored']:,} people ({verdict})."
        else:
            rho_text = "Spearman correlation of ripple with followers: n/a."
        blocks.append(f"<div><h3>{_swatch(item['strategy'], res.colors)}</h3><p class=\"note\">{_e(rho_text)}</p>"
                      + _table(item["header"], item["rows"], left=0) + "</div>")
    return (f'<p class="note">Top 10 people per strategy by <b>ripple</b> (mean downstream cascade size: how many '
            f'engagements follow from them per run). <b>direct</b>: engagements they caused directly; <b>bridging</b>: '
            f'engagements they caused in other communities; <b>early</b>: share of runs in which they were among the '
            f'first engaged.</p><div class="grid2">' + "".join(blocks) + "</div>")


def _communities_html(res: _Results, top: int = 10) -> str:
    comms = res.table("communities")
    if comms is None or len(np.unique(comms["community"])) < 2:
        return '<p class="note">The graph has no communities.</p>'
    best = res.best
    ref = _rows(comms, _col_equals(comms["strategy"], best))
    order = np.argsort(-ref["penetration"].astype(float), kind="stable")[:top]
    ids = ref["community"][order].astype(int)
    pen = {}
    for n in res.strategies:
        r = _rows(comms, _col_equals(comms["strategy"], n))
        pen[n] = dict(zip(r["community"].astype(int).tolist(), r["penetration"].astype(float).tolist()))
    header = ["community", "people", "alignment", *[f"{n}" for n in res.strategies]]
    rows, classes = [], []
    for k, c in enumerate(ids):
        vals = [pen[n].get(int(c), float("nan")) for n in res.strategies]
        row = [str(c), f"{int(ref['size'][order][k]):,}",
               f"{ref['alignment'][order][k]:.2f}" if "alignment" in ref else "n/a",
               *[f"{100 * v:.1f}%" if math.isfinite(v) else "n/a" for v in vals]]
        cls = [""] * len(row)
        if np.isfinite(vals).any():
            cls[3 + int(np.nanargmax(vals))] = "best"
        rows.append(row)
        classes.append(cls)
    return (f'<p class="note">The {len(ids)} communities where {_e(best)} (most people engaged) penetrated deepest: '
            f'share of each community engaged (mean per run) under every strategy; alignment is how well the message '
            f'fits the community (0-1).</p>' + _table(header, rows, classes=classes))


def html_report(results_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write one self-contained HTML report of a results directory (figures embedded, no JavaScript).

    Contents: title and description; "what won on what" sentences generated from the numbers
    (:func:`virality.report.headline_findings`); the comparison table; paired differences against
    the baseline; every figure of :func:`figures_for_results` (drawn first when missing or older
    than ``summary.json``) as an embedded PNG; the key-node table (top 10 per strategy with the
    Spearman correlation of ripple with followers); the top communities by penetration; the config
    and the manifest. All text is escaped.

    Parameters
    ----------
    results_dir : str or Path
        A finished results directory.
    out : str or Path, optional
        Report path (default ``results_dir/report.html``).

    Returns
    -------
    Path
    """
    from .report import headline_findings

    results_dir = Path(results_dir)
    res = _Results(results_dir)
    out = Path(out) if out is not None else results_dir / "report.html"
    folder = results_dir / "figures"
    index_path = folder / "index.json"
    summary_path = results_dir / "summary.json"
    stale = not index_path.exists() or index_path.stat().st_mtime < summary_path.stat().st_mtime
    index = None
    if not stale:
        try:
            index = json.loads(index_path.read_text())
            if any(not (folder / e["png"]).exists() for e in index):
                index = None
        except (OSError, ValueError, KeyError, TypeError):
            index = None
    if index is None:
        figures_for_results(results_dir)
        index = json.loads(index_path.read_text())
    s = res.summary
    g = res.cell.get("graph", {})
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             f"<title>{_e(s.get('name', 'virality report'))}</title><style>{_CSS}</style></head><body><main>"]
    parts.append(f"<h1>{_e(s.get('name', 'experiment'))}</h1>")
    if s.get("description"):
        parts.append(f'<p class="sub">{_e(s["description"])}</p>')
    meta = (f"Graph {g.get('name', '?')}: {g.get('n', 0):,} people, {g.get('m', 0):,} follow links, "
            f"{g.get('communities', 0):,} communities. {res.cell.get('n_runs', '?')} runs per strategy; "
            f"baseline: {res.baseline}. {len(res.cells)} cell(s).")
    parts.append(f'<p class="meta">{_e(meta)}</p>')
    nav = [("findings", "Findings"), ("comparison", "Comparison"), ("paired", "Vs baseline"), ("figures", "Figures"),
           ("keynodes", "Key nodes"), ("communities", "Communities"), ("config", "Config")]
    parts.append("<nav>" + "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t in nav) + "</nav>")

    parts.append('<h2 id="findings">What won on what</h2>')
    full_runs = _read(results_dir / "runs") if len(res.cells) > 1 else None
    for k, cell in enumerate(res.cells):
        if len(res.cells) > 1:
            over = cell.get("overrides") or {}
            parts.append(f"<h3>Cell {k}: {_e(', '.join(f'{a} = {_label(b)}' for a, b in over.items()))}</h3>")
        runs = None
        if k == 0:
            runs = res.table("runs")
        else:
            runs = _one_cell(full_runs, k) if full_runs is not None else None
        items = headline_findings(cell, runs, res.baseline)
        if len(res.cells) > 1:
            items = items[:3]  # a sweep: reach, cost and engagement rate per cell
        parts.append('<ul class="findings">' + "".join(f"<li><b>{_e(h)}:</b> {_e(t)}</li>" for h, t in items) + "</ul>")
        if k >= 11 and len(res.cells) > 12:
            parts.append(f'<p class="note">{len(res.cells) - 12} further cells: see summary.json.</p>')
            break
    parts.append('<p class="note">Intervals are 95% confidence intervals. All strategies ran on the same replicates '
                 '(common random numbers), so differences are paired and much tighter than the separate intervals.</p>')

    parts.append('<h2 id="comparison">Comparison</h2>')
    parts.append('<p class="note">Mean per run, ± the 95% interval half-width; the best value of each row is '
                 'highlighted.</p>')
    for k, cell in enumerate(res.cells[:12]):
        if len(res.cells) > 1:
            over = cell.get("overrides") or {}
            parts.append(f"<h3>Cell {k}: {_e(', '.join(f'{a} = {_label(b)}' for a, b in over.items()))}</h3>")
        parts.append(_comparison_html(cell, res.colors))

    parts.append(f'<h2 id="paired">Differences against the baseline ({_e(res.baseline)})</h2>')
    parts.append('<p class="note">Strategy minus baseline on the same replicates, with the 95% interval in brackets; '
                 'green: significantly better, orange: significantly worse, grey: not distinguishable '
                 '(pts: percentage points).</p>')
    for k, cell in enumerate(res.cells[:12]):
        if len(res.cells) > 1:
            over = cell.get("overrides") or {}
            parts.append(f"<h3>Cell {k}: {_e(', '.join(f'{a} = {_label(b)}' for a, b in over.items()))}</h3>")
        parts.append(_paired_html(cell, res.baseline, res.colors))

    parts.append('<h2 id="figures">Figures</h2>')
    for i, entry in enumerate(index, 1):
        data = base64.b64encode((folder / entry["png"]).read_bytes()).decode("ascii")
        parts.append(f'<figure id="fig-{_e(entry["name"])}"><img alt="{_e(entry["title"])}" '
                     f'src="data:image/png;base64,{data}"><figcaption><b>Figure {i}. {_e(entry["title"])}.</b> '
                     f'{_e(entry["caption"])}</figcaption></figure>')
    if not index:
        parts.append('<p class="note">No figures could be drawn for this results directory.</p>')

    parts.append('<h2 id="keynodes">Key nodes: who accelerates the spread</h2>')
    parts.append(_key_nodes_html(res))
    parts.append('<h2 id="communities">Communities by penetration</h2>')
    parts.append(_communities_html(res))

    parts.append('<h2 id="config">Config and manifest</h2>')
    cfg = results_dir / "config.toml"
    parts.append("<details><summary>config.toml (the resolved config: rerun it with <code>virality run</code>)</summary>"
                 f"<pre>{_e(cfg.read_text(encoding='utf-8')) if cfg.exists() else 'config.toml not found'}</pre></details>")
    man = results_dir / "manifest.json"
    parts.append("<details><summary>manifest.json (versions, seed, platform, timings)</summary>"
                 f"<pre>{_e(man.read_text(encoding='utf-8')) if man.exists() else 'manifest.json not found'}</pre></details>")
    parts.append("</main></body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(out)
    return out
