"""Virality maps: communities as circles (scales to any size) and every person of a small graph.

:func:`community_map` draws one circle per community, sized by its people and coloured by penetration,
with arrows for the largest flows of engagement across communities; :func:`network_map` draws every
person of a graph of up to ~10^4, coloured by how often they engage. Layouts (:func:`community_layout`,
:func:`network_layout`) cost communities, not people. Style and colours come from :mod:`virality.plots`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib import patheffects
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch

from .cascades import community_edge_matrix
from .tables import column_equals, one_cell, select_rows

from .plots import SEQUENTIAL, _axes, _people, _styled, _text_color, percent_formatter

__all__ = ["community_layout", "community_map", "network_layout", "network_map", "MAX_LAYOUT_COMMUNITIES"]


# ------------------------------------------------------------------------------------- 4. community map

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
                  top_flows: int = 20, flow_max: float | None = None, colorbar: bool = True,
                  title: str | None = None) -> Any:
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
        Mean cross-community engagements per run (the ``flows`` table through
        :func:`flows_from_table`, or :func:`~virality.cascades.cross_community_flows` of records); the
        ``top_flows`` largest are drawn as arrows. No arrows when None.
    layout : (xy, radius), optional
        Reuse a layout (:func:`community_layout`) so that several maps line up.
    vmax : float, optional
        Top of the colour scale (share engaged); default the largest penetration drawn.
    cell : int, optional
        Sweep cell (default: the first).
    max_communities : int
        Only the largest communities are drawn beyond this.
    top_flows : int
    flow_max : float, optional
        The flow drawn with the widest arrow (default: the largest drawn); pass the same value to
        maps drawn side by side so that equal widths mean equal flows.
    colorbar : bool
    title : str, optional

    Returns
    -------
    matplotlib Axes
        The circles are one PatchCollection with gid ``"communities"`` (one path per community drawn,
        its array the penetrations); arrows are FancyArrowPatch patches.
    """
    t = one_cell(communities_table, cell)
    t = select_rows(t, column_equals(t["strategy"], strategy))
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
        fmax = flow_max if flow_max is not None and flow_max > 0 else (vals.max() if vals.size else 1.0)
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
            lw = 0.6 + 4.4 * min(v / fmax, 1.0)
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
        # every circle of a map of up to 60 (the ids the heatmap and tables name), else the big ones
        if r >= 0.3 * rmax or len(shown) <= 60:
            size = 8 if r >= 0.5 * rmax else 7 if r >= 0.2 * rmax else 6
            ax.text(p[0], p[1], str(comm[shown][i]), ha="center", va="center", fontsize=size,
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
        fmax = flow_max if flow_max is not None and flow_max > 0 else hi
        for v in sorted({hi, (lo + hi) / 2}, reverse=True):
            handles.append(Line2D([], [], color="#222222", alpha=0.75, lw=0.6 + 4.4 * min(v / fmax, 1.0),
                                  label=f"{_people(v)} people per run"))
    note = "circle area: community size; number: community id"
    if handles:
        ax.legend(handles=handles, title=f"{note}\narrows: people engaged across communities (top {len(drawn_flows)})",
                  loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2, alignment="center")
    else:
        ax.text(0.5, 0.0, note, transform=ax.transAxes, ha="center", va="top", fontsize=8.5, color="#555555")
    if colorbar:
        cb = ax.figure.colorbar(coll, ax=ax, shrink=0.6, pad=0.02, format=percent_formatter(vmax))
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
    t = one_cell(nodes_table, cell)
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
        rows = select_rows(t, column_equals(t["strategy"], name))
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
    cb = fig.colorbar(sc, ax=list(axes), shrink=0.55, pad=0.01, format=percent_formatter(vmax))
    cb.set_label("chance a person engages (% of runs)")
    fig.suptitle(f"Who engages: all {n:,} people, grouped by community (dot size: followers)")
    return fig
