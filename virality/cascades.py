"""Cascade analytics and key-node rankings: trees, community flows, penetration, who accelerates the spread.

Everything here derives from the campaign kernel's outputs (:class:`~virality.campaign.CampaignResult`)
or from one run's record (adoption step and parent per node, plus the channel in campaigns). Tables
(:mod:`virality.experiment`) and figures (:mod:`virality.plots`) both call these functions, so a tree,
a flow or a ranking means the same thing in both.

- trees: :func:`cascade_forest` (the one definition), :func:`structural_virality`,
  :func:`breadth_per_generation`, :func:`largest_tree`, :func:`breadth_first`;
- communities: :func:`community_table`, :func:`community_edge_matrix`, :func:`cross_community_flows`,
  :func:`penetration_matrix`;
- key nodes: :func:`key_nodes`, :func:`rank_key_nodes`, :func:`spearman`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .campaign import CampaignResult
from .codes import C_ENGAGED, C_EXPOSED, C_POSITIVE, CH_POSTER, CH_SEED, POSTED, S_CROSS_COMMUNITY, S_DIRECT, S_DOWNSTREAM, S_EARLY, S_ENGAGED

__all__ = [
    "cascade_forest", "structural_virality", "breadth_per_generation", "largest_tree", "breadth_first",
    "community_table", "community_edge_matrix", "cross_community_flows", "penetration_matrix",
    "key_nodes", "rank_key_nodes", "spearman", "average_ranks",
]


# ------------------------------------------------------------------------------------- trees
def cascade_forest(parents: np.ndarray, times: np.ndarray, channels: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The diffusion trees of one run's record: per node its tree root, generation and subtree size.

    This is the one definition of a cascade tree that tables, metrics and figures share. A node
    engaged by another node (``parents[v] >= 0``) hangs below it; a node without a node parent (an
    organic seed, a hired account, a person reached by mass media) roots a tree. With a campaign's
    ``channels``, hired posters (``CH_POSTER``) are left out, as the campaign kernel counts them: each
    follower engaged by a post roots its own tree (parent code ``POSTED``). Parents may engage in the
    same step as their children (a hired account engaged by a peer in the step its post goes out):
    trees are found by pointer jumping, not by step order, so the cost is O(adopters log depth).

    Parameters
    ----------
    parents : int array (n,)
        Node id of who engaged each node, or a negative code of :mod:`virality.codes`.
    times : int array (n,)
        Engagement step (-1: never).
    channels : int array (n,), optional
        A campaign record's channel codes.

    Returns
    -------
    dict
        ``root``, ``generation`` (0 at a root), ``subtree`` (people in the subtree, itself included),
        each -1 / 0 for people who never engaged; ``parents`` and ``times`` as used (posters removed).

    Examples
    --------
    >>> f = cascade_forest(np.array([-2, 0, 1, 0]), np.array([0, 1, 2, 1]))
    >>> f["root"].tolist(), f["generation"].tolist(), f["subtree"].tolist()
    ([0, 0, 0, 0], [0, 1, 2, 1], [4, 2, 1, 1])
    """
    parents = np.asarray(parents, dtype=np.int64)
    times = np.asarray(times)
    if channels is not None:
        poster = np.asarray(channels) == CH_POSTER
        times = np.where(poster, -1, times)
        parents = np.where((parents >= 0) & poster[np.maximum(parents, 0)], POSTED, parents)
    n = parents.size
    adopted = times >= 0
    ids = np.arange(n, dtype=np.int64)
    up = np.where(adopted & (parents >= 0), parents, ids)  # roots point at themselves
    gen = (up != ids).astype(np.int64)
    for _ in range(64):  # pointer jumping: log2(depth) passes
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        gen = gen + gen[up]
        up = nxt
    else:
        raise ValueError("cascade_forest: the parent pointers form a cycle")
    root = np.where(adopted, up, -1)
    gen = np.where(adopted, gen, -1)
    sub = adopted.astype(np.int64)
    order = np.flatnonzero(adopted & (parents >= 0))
    order = order[np.argsort(-gen[order], kind="stable")]
    cuts = np.flatnonzero(np.diff(gen[order])) + 1
    for nodes in np.split(order, cuts) if order.size else []:  # deepest generation first
        np.add.at(sub, parents[nodes], sub[nodes])
    return {"root": root, "generation": gen, "subtree": sub, "parents": parents, "times": times}


def breadth_per_generation(parents: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Adopters per generation (0: roots) over all trees of a run; its length - 1 is the depth."""
    gen = cascade_forest(parents, times)["generation"]
    return np.bincount(gen[gen >= 0]) if (gen >= 0).any() else np.zeros(0, dtype=np.int64)


def largest_tree(times: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """The nodes of the largest diffusion tree of one run, root first (empty if nobody engaged).

    Trees as :func:`cascade_forest` defines them without channels: a hired account roots the tree of
    the followers its post engaged.

    Parameters
    ----------
    times, parents : int arrays (n,)

    Returns
    -------
    int64 array
    """
    root = cascade_forest(parents, times)["root"]
    members = root[root >= 0]
    if members.size == 0:
        return np.zeros(0, np.int64)
    r = int(np.argmax(np.bincount(members)))
    nodes = np.flatnonzero(root == r)
    return np.concatenate([[r], nodes[nodes != r]])


def structural_virality(parents: np.ndarray, times: np.ndarray, channels: np.ndarray | None = None) -> float:
    """Structural virality of a run's diffusion trees (Goel, Anderson, Hofman and Watts 2016).

    For one tree, the mean shortest-path distance over all pairs of its nodes, in linear time:
    ``sum over edges of s (N - s) / C(N, 2)`` with ``s`` the subtree size below the edge. For several
    trees (several seeds, broadcast hits), the size-weighted mean over trees of two or more nodes, as
    the campaign kernel reports it (pass a campaign record's ``channels`` so that hired posters are
    treated as the kernel treats them). A run without such a tree has virality 0.

    Examples
    --------
    >>> structural_virality(np.array([-2, 0, 0, 0]), np.array([0, 1, 1, 1]))  # a star of 4 nodes
    1.5
    """
    f = cascade_forest(parents, times, channels)
    parents, times = f["parents"], f["times"]
    adopted = np.flatnonzero(times >= 0)
    if adopted.size < 2:
        return 0.0
    root, sub = f["root"][adopted], f["subtree"]
    size = sub[root]
    edge = parents[adopted] >= 0
    wiener = np.bincount(root[edge], weights=(sub[adopted] * (size - sub[adopted]))[edge], minlength=parents.size)
    roots = adopted[parents[adopted] < 0]
    big = roots[sub[roots] >= 2]
    if big.size == 0:
        return 0.0
    sv = 2.0 * wiener[big] / (sub[big] * (sub[big] - 1.0))
    return float(np.sum(sv * sub[big]) / np.sum(sub[big]))


def breadth_first(tree: np.ndarray, times: np.ndarray, parents: np.ndarray, cap: int):
    """The first ``cap`` nodes of a tree (root first, from :func:`largest_tree`) in breadth-first order.

    Children in order of parent, engagement step and id. Returns ``(nodes, generation, parent)``.
    """
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


# ------------------------------------------------------------------------------------- communities
def community_table(result: CampaignResult, sizes: np.ndarray) -> dict[str, np.ndarray]:
    """Per community (mean over runs): penetration (engaged share), exposed share, positive share."""
    engaged = result.community[:, :, C_ENGAGED].mean(axis=0)
    positive = result.community[:, :, C_POSITIVE].mean(axis=0)
    exposed = result.community[:, :, C_EXPOSED].mean(axis=0)
    sizes = np.maximum(sizes.astype(float), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sentiment = np.where(engaged > 0, positive / engaged, np.nan)
    return {
        "community": np.arange(engaged.size),
        "size": sizes,
        "engaged": engaged,
        "penetration": engaged / sizes,
        "exposed_share": exposed / sizes,
        "positive_share": sentiment,
    }


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

    For single runs or a few stored ones; :class:`~virality.campaign.CampaignResult` holds the same
    counts summed over every run (``community_flows``), which the ``flows`` table reports.

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


def penetration_matrix(times: np.ndarray, community: np.ndarray, channels: np.ndarray | None = None, *,
                       sizes: np.ndarray | None = None, n_communities: int | None = None) -> np.ndarray:
    """Share of each community engaged by each step, averaged over the given records.

    For single runs or a few stored ones; :class:`~virality.campaign.CampaignResult` holds the same
    counts summed over every run (``community_steps``), which the ``penetration`` table reports.

    Parameters
    ----------
    times : int array (runs, n) or (n,)
        Engagement step per node (-1: never).
    community : int array (n,)
    channels : int array like ``times``, optional
        When given, organic seeds and hired influencers (``CH_SEED``, ``CH_POSTER``) are not counted,
        as in the ``engaged`` metric and :func:`community_table`.
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
            ok &= (chans[r] != CH_POSTER) & (chans[r] != CH_SEED)
        total += np.bincount(community[ok] * steps + t[ok], minlength=c * steps)
    counts = total.reshape(c, steps) / max(times.shape[0], 1)
    return np.cumsum(counts, axis=1) / np.maximum(sizes, 1)[:, None]


# ------------------------------------------------------------------------------------- key nodes
def key_nodes(result: CampaignResult, followers: np.ndarray) -> dict[str, np.ndarray]:
    """Key-node statistics per node, averaged over runs: who accelerates the spread.

    ``engage_probability``; ``direct`` (engagements caused directly); ``ripple`` (mean downstream
    cascade size); ``bridging`` (engagements caused in other communities); ``early`` (share of runs
    in which the node was among the first engaged); and ``followers`` for comparison.
    """
    s = result.node_stats.astype(float) / result.runs
    return {
        "node": np.arange(s.shape[0]),
        "followers": followers.astype(float),
        "engage_probability": s[:, S_ENGAGED],
        "direct": s[:, S_DIRECT],
        "ripple": s[:, S_DOWNSTREAM],
        "bridging": s[:, S_CROSS_COMMUNITY],
        "early": s[:, S_EARLY],
    }


def rank_key_nodes(nodes: dict[str, np.ndarray], *, by: str = "ripple", top: int = 10,
                   strategies: list[str] | None = None,
                   whole_graph: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Top key nodes per strategy from a nodes table (one cell's rows), with Spearman's rho to followers.

    Parameters
    ----------
    nodes : dict of numpy arrays
        Columns of ``nodes.csv`` (``strategy``, ``node``, ``followers``, ...), restricted to one cell.
    by : str
        Ranking column (ties: lowest node id first).
    top : int
        Rows per strategy.
    strategies : list of str, optional
        Strategy order (default: order of appearance).
    whole_graph : dict, optional
        Strategy -> the summary's ``key_nodes`` entry (correlations over every node, computed before
        ``nodes.csv`` kept only the top rows of a large graph); used when present.

    Returns
    -------
    list of dict
        One per strategy: ``strategy``, ``rows`` (indices into ``nodes``, best first), ``rho``
        (Spearman correlation of ``by`` with followers) and ``stored`` (how many nodes it is over).
    """
    col = [str(x) for x in np.asarray(nodes["strategy"]).tolist()]
    names = strategies or list(dict.fromkeys(col))
    values = np.asarray(nodes[by], float)
    ids = np.asarray(nodes["node"])
    out = []
    for name in names:
        sel = np.flatnonzero(np.array([c == name for c in col], dtype=bool))
        if sel.size == 0:
            continue
        rho = spearman(values[sel], np.asarray(nodes["followers"], float)[sel])
        stored = int(sel.size)
        whole = (whole_graph or {}).get(name) or {}
        if f"spearman_{by}_followers" in whole:
            rho, stored = whole[f"spearman_{by}_followers"], whole["nodes"]
        order = sel[np.lexsort((ids[sel], -values[sel]))][:top]
        out.append({"strategy": name, "rows": order, "rho": rho, "stored": stored})
    return out


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks of ``x`` from 0, ties sharing the mean of their ranks (float64), from one sort.

    Examples
    --------
    >>> average_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist()
    [2.5, 0.0, 2.5, 1.0]
    """
    x = np.asarray(x, float)
    order = np.argsort(x)  # the order within ties does not matter: they share one rank
    xs = x[order]
    # runs of equal values in sorted order: [start, end) shares rank (start + end - 1) / 2, exact in float64
    start = np.flatnonzero(np.concatenate(([True], xs[1:] != xs[:-1]))) if x.size else np.zeros(0, np.int64)
    end = np.append(start[1:], x.size)
    r = np.empty(x.size)
    r[order] = np.repeat((start + end - 1) / 2.0, end - start)
    return r


def spearman(a: np.ndarray, b: np.ndarray, b_ranks: np.ndarray | None = None) -> float:
    """Spearman rank correlation (average ranks for ties). ``b_ranks``: :func:`average_ranks` of ``b``, when
    ``b`` is correlated with many arrays (computed once)."""
    if a.size < 2:
        return math.nan
    ra = average_ranks(a)
    rb = average_ranks(b) if b_ranks is None else b_ranks
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])
