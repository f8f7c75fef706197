"""The directed social graph: a frozen CSR structure with per-arc probabilities and node attributes.

An arc ``u -> v`` means *v sees what u posts or shares* (v follows u). A node's follower count is its
out-degree unless the data gives one. Undirected friendship graphs store both arcs.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ._kernels import row_skip_table
from .errors import InputError

__all__ = ["Graph"]


def _as_index_array(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.mod(arr, 1) == 0):
            arr = arr.astype(np.int64)
        else:
            raise InputError(f"{name} must hold integer node ids, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


#: appended to the errors about per-arc arrays: the order is the usual way such an array goes wrong
ARC_ORDER_HINT = ("per-arc arrays follow graph.arcs() order (sorted by source, then target), not the order "
                  "the edges were given; Graph.arc_values(src, dst, values) maps values given per edge to it")


def check_probabilities(name: str, values: Any, size: int, *, per_arc: bool = False) -> np.ndarray:
    """Coerce ``values`` (scalar or array of length ``size``) to float64 and check it lies in [0, 1].

    ``per_arc=True``: ``values`` is one per arc, and a wrong length says so (with :data:`ARC_ORDER_HINT`).
    """
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in [0, 1] or an array of them, got {values!r}") from None
    if arr.ndim == 0:
        arr = np.full(size, float(arr))
    if arr.shape != (size,):
        if per_arc:
            raise InputError(f"{name} must be a scalar or have length {size} (one entry per arc), got shape "
                             f"{arr.shape}; {ARC_ORDER_HINT}")
        raise InputError(f"{name} must be a scalar or have length {size}, got shape {arr.shape}")
    bad = np.flatnonzero(~((arr >= 0.0) & (arr <= 1.0)))
    if bad.size:
        raise InputError(f"{name} must lie in [0, 1]; entry {bad[0]} is {float(arr[bad[0]])!r}")
    return arr


#: arc offsets fit int32 below this many arcs; larger graphs keep int64 ``indptr``
INT32_ARCS = 2**31


def compact_indptr(indptr: np.ndarray) -> np.ndarray:
    """``indptr`` as int32 when the graph has fewer than 2**31 arcs (4 bytes per node instead of 8), else
    as int64; no copy when it already has that type."""
    big = indptr.size and int(indptr[-1]) >= INT32_ARCS
    return indptr.astype(np.int64 if big else np.int32, copy=False)


def graph_prob(values: Any, size: int, *, name: str = "prob") -> float | np.ndarray | None:
    """A graph's stored arc probabilities: None, one float for every arc (no array), or a float32 array
    of length ``size`` (values checked in float64, then rounded to float32: within 6e-8 relative of the
    value given, far below any Monte Carlo tolerance)."""
    if values is None:
        return None
    if np.ndim(values) == 0:
        return float(check_probabilities(name, values, 1)[0])
    return check_probabilities(name, values, size, per_arc=True).astype(np.float32)


@dataclass(frozen=True, eq=False)
class Graph:
    """A directed graph in compressed sparse row form.

    Arcs of node ``u`` are ``indices[indptr[u]:indptr[u + 1]]``, sorted by target. The arc index (the
    position in ``indices``) keys per-arc data: ``prob`` and the random coin each arc gets in a run.
    Arcs are thus sorted by source, then target (:meth:`arcs` lists them), which is in general *not*
    the order the edges were given in: every per-arc array the package accepts (``prob``, ``p=``,
    ``weights=``, ``beta=``) is in this arc order. :meth:`from_edges` aligns its ``prob`` with the edges
    as given; for other per-arc values, :meth:`arc_values` maps ``(src, dst, value)`` triples to it.

    Build one with :meth:`from_edges`, :meth:`from_networkx`, :func:`virality.read_edgelist` or a
    generator in :mod:`virality.generators`; do not call the constructor directly. A graph is
    immutable: its arrays are checked when it is built and tables derived from them are cached, so do
    not write into them (:meth:`with_prob` and :meth:`with_community` make new graphs).

    Attributes
    ----------
    indptr : int32 array (int64 from 2**31 arcs on), shape (n + 1,)
    indices : int32 array, shape (m,)
    prob : float, float32 array of shape (m,), or None
        Transmission probability (IC) or weight (LT): one float for every arc (no per-arc array: a
        graph then holds about 4 bytes per arc), or one per arc in arc-index order, stored as float32
        (8 bytes per arc with ``indices``). :attr:`arc_prob` gives an array either way.
    community : int32 array of shape (n,), or None
        Niche/community label of each node, ``0 .. n_communities - 1``.
    followers : int64 array of shape (n,), or None
        Follower counts given by the data; when None, the out-degree is used.
    labels : array of shape (n,), or None
        Original node ids (from an edge list or networkx), index ``i`` is node ``i``.
    name : str
    """

    indptr: np.ndarray
    indices: np.ndarray
    prob: float | np.ndarray | None = None
    community: np.ndarray | None = None
    followers_data: np.ndarray | None = field(default=None, repr=False)
    labels: np.ndarray | None = field(default=None, repr=False)
    name: str = ""
    community_names: tuple[str, ...] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_edges(
        cls,
        src: Any,
        dst: Any,
        *,
        n: int | None = None,
        prob: Any = None,
        community: Any = None,
        followers: Any = None,
        undirected: bool = False,
        parallel: str = "keep",
        labels: Any = None,
        name: str = "",
    ) -> Graph:
        """Build a graph from arcs ``src[i] -> dst[i]``.

        Parameters
        ----------
        src, dst : array-like of int
            Arc endpoints, node ids in ``0 .. n - 1``.
        n : int, optional
            Number of nodes; default ``max(src, dst) + 1``.
        prob : float or array-like, optional
            Probability (or LT weight) in [0, 1]: a scalar for every arc, or one per edge *as given*:
            ``prob[i]`` belongs to ``src[i] -> dst[i]`` (and, with ``undirected``, to ``dst[i] -> src[i]``
            too), whatever the order of the edges; it follows its edge into arc order (``graph.prob``
            is in :meth:`arcs` order), and is dropped with it when the edge is a self-loop.
        community : array-like of int, optional
            Community label per node (any values; relabelled to ``0 .. C - 1`` in sorted order unless they
            already are ``0 .. C - 1``).
        followers : array-like of int, optional
            Follower count per node, when the data gives one (default: out-degree).
        undirected : bool
            Store both ``u -> v`` and ``v -> u`` for each pair given.
        parallel : {"keep", "merge"}
            Repeated arcs ``u -> v``: ``"keep"`` keeps each as an independent arc (multigraph semantics,
            as in the influence-maximization literature's NetHEPT), the copies in the order given (with
            ``undirected``: the edges given as ``u, v``, then those given as ``v, u``); ``"merge"`` keeps
            one arc whose probability is ``1 - prod(1 - p_i)``, the chance that at least one of them
            fires.
        labels : array-like, optional
            Original node ids, kept for output.

        Self-loops are dropped with a warning: nobody influences themselves.

        The arcs are stored sorted by source, then target (a stable sort); :meth:`arcs` gives that order,
        which every per-arc array passed later (``with_prob``, ``simulate(p=...)``, ``weights=``) must
        follow. :meth:`arc_values` maps values given per edge to it.

        Examples
        --------
        >>> g = Graph.from_edges([0, 0, 1], [1, 2, 2], prob=0.5)
        >>> g.n, g.m
        (3, 3)
        >>> g.out_neighbors(0).tolist()
        [1, 2]
        """
        src = _as_index_array("src", src)
        dst = _as_index_array("dst", dst)
        if src.shape != dst.shape:
            raise InputError(f"src and dst must have the same length, got {src.size} and {dst.size}")
        if src.size and (src.min() < 0 or dst.min() < 0):
            raise InputError("node ids must be non-negative")
        top = int(max(src.max(initial=-1), dst.max(initial=-1))) + 1
        if n is None:
            n = top
        n = int(n)
        if n < top:
            raise InputError(f"n={n} but the arcs name node {top - 1}")
        # per-arc values stay float64 until stored (merged parallel arcs are computed from them)
        p = graph_prob(prob, src.size) if np.ndim(prob) == 0 else check_probabilities("prob", prob, src.size)
        per_arc = isinstance(p, np.ndarray)
        if undirected:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            p = np.concatenate([p, p]) if per_arc else p
        loops = src == dst
        if loops.any():
            warnings.warn(f"dropped {int(loops.sum())} self-loop(s)", stacklevel=2)
            keep = ~loops
            src, dst = src[keep], dst[keep]
            p = p[keep] if per_arc else p
        order = np.lexsort((dst, src))
        src, dst = src[order], dst[order]
        p = p[order] if per_arc else p
        if parallel == "merge" and src.size:
            first = np.ones(src.size, dtype=bool)
            first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
            if not first.all():
                group = np.cumsum(first) - 1
                if p is not None:
                    p = np.full(src.size, p) if not per_arc else p
                    # chance that at least one parallel arc fires
                    log_miss = np.zeros(int(first.sum()))
                    with np.errstate(divide="ignore"):
                        np.add.at(log_miss, group, np.log1p(-p))
                    p = -np.expm1(log_miss)
                src, dst = src[first], dst[first]
        elif parallel != "keep":
            raise InputError(f"parallel must be 'keep' or 'merge', got {parallel!r}")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        return cls(
            indptr=compact_indptr(indptr),
            indices=dst.astype(np.int32),
            prob=p.astype(np.float32) if isinstance(p, np.ndarray) else p,
            community=None if community is None else _relabel_communities(community, n),
            followers_data=None if followers is None else _node_array("followers", followers, n),
            labels=None if labels is None else np.asarray(labels),
            name=name,
        )

    @classmethod
    def from_networkx(cls, G: Any, prob: Any = None, *, community: str | None = "community") -> Graph:
        """Build a graph from a networkx (Di)Graph; undirected graphs get both arcs.

        ``prob`` is a float, an edge-attribute name (e.g. ``"weight"``), or None. Node labels are kept
        in ``labels``; a node attribute named ``community`` (or a ``block`` from networkx's SBM) becomes
        the community labels.

        Examples
        --------
        >>> import networkx as nx
        >>> g = Graph.from_networkx(nx.path_graph(3), prob=1.0)
        >>> g.m
        4
        """
        nodes = list(G.nodes())
        index = {u: i for i, u in enumerate(nodes)}
        edges = list(G.edges(data=True))
        src = np.fromiter((index[u] for u, _, _ in edges), dtype=np.int64, count=len(edges))
        dst = np.fromiter((index[v] for _, v, _ in edges), dtype=np.int64, count=len(edges))
        if isinstance(prob, str):
            missing = [(u, v) for u, v, d in edges if prob not in d]
            if missing:
                raise InputError(f"edge {missing[0]} has no attribute {prob!r}")
            prob = np.array([d[prob] for _, _, d in edges], dtype=np.float64)
        comm = None
        for key in (community, "block"):
            if key and nodes and all(key in G.nodes[u] for u in nodes):
                comm = np.array([G.nodes[u][key] for u in nodes])
                break
        return cls.from_edges(
            src, dst, n=len(nodes), prob=prob, community=comm, undirected=not G.is_directed(),
            labels=np.array(nodes, dtype=object) if nodes else None,
        )

    def to_networkx(self) -> Any:
        """Return a ``networkx.MultiDiGraph`` if there are parallel arcs, else a ``DiGraph``.

        Arc probabilities are stored as the ``prob`` edge attribute, communities as ``community``.
        """
        import networkx as nx

        src, dst = self.arcs()
        pairs = src.astype(np.int64) * max(self.n, 1) + dst
        G = nx.MultiDiGraph() if np.unique(pairs).size < pairs.size else nx.DiGraph()
        G.add_nodes_from(range(self.n))
        if self.community is not None:
            nx.set_node_attributes(G, dict(enumerate(self.community.tolist())), "community")
        if self.prob is None:
            G.add_edges_from(zip(src.tolist(), dst.tolist()))
        else:
            G.add_edges_from((u, v, {"prob": p}) for u, v, p in zip(src.tolist(), dst.tolist(), self.arc_prob.tolist()))
        return G

    def with_prob(self, prob: Any) -> Graph:
        """A copy of this graph with new arc probabilities: a scalar (kept as one float, no array) or one
        per arc (stored as a float32 copy: a later write into the caller's array does not reach the graph
        or the tables cached from it).

        An array is in arc-index order, the order of :meth:`arcs` (sorted by source, then target), not
        the order the edges were given; ``graph.with_prob(graph.arc_values(src, dst, p))`` takes one
        probability per edge ``src[i] -> dst[i]`` in any order.
        """
        return self._replace(prob=graph_prob(prob, self.m))

    def with_community(self, community: Any, names: Any = None) -> Graph:
        """A copy of this graph with new community labels, and their names.

        Communities are numbered ``0 .. C-1``. String labels are numbered in sorted order and become the
        names; ``names`` (one per community, in number order) names numbered ones.

        Examples
        --------
        >>> g = Graph.from_edges([0, 1], [1, 2]).with_community(["sales", "hr", "sales"])
        >>> g.community.tolist(), g.community_names
        ([1, 0, 1], ('hr', 'sales'))
        """
        arr = np.asarray(community)
        codes = _relabel_communities(arr, self.n)
        if names is None and arr.dtype.kind in "OUS":
            names = np.unique(arr.astype(str))
        if names is not None:
            names = tuple(str(x) for x in np.asarray(names).tolist())
            if len(names) != int(codes.max(initial=-1)) + 1:
                raise InputError(f"community names: {len(names)} given for {int(codes.max(initial=-1)) + 1} communities")
        return self._replace(community=codes, community_names=names)

    def _replace(self, **changes: Any) -> Graph:
        from dataclasses import replace

        return replace(self, **changes)

    # ------------------------------------------------------------------ views
    @property
    def n(self) -> int:
        """Number of nodes."""
        return self.indptr.size - 1

    @property
    def m(self) -> int:
        """Number of arcs."""
        return self.indices.size

    @cached_property
    def out_degree(self) -> np.ndarray:
        """Out-degree per node (how many follow it), int64."""
        return np.diff(self.indptr).astype(np.int64, copy=False)

    @cached_property
    def in_degree(self) -> np.ndarray:
        """In-degree per node (how many it follows), counting parallel arcs."""
        return np.bincount(self.indices, minlength=self.n).astype(np.int64)

    @property
    def followers(self) -> np.ndarray:
        """Follower count per node: the data's, else the out-degree."""
        return self.out_degree if self.followers_data is None else self.followers_data

    @property
    def n_communities(self) -> int:
        """Number of communities (0 when the graph has none)."""
        return 0 if self.community is None else int(self.community.max(initial=-1)) + 1

    def out_neighbors(self, u: int) -> np.ndarray:
        """Followers of ``u``: the nodes that see what ``u`` posts."""
        return self.indices[self.indptr[u] : self.indptr[u + 1]]

    def arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """``(src, dst)`` arrays of all arcs, in arc-index order: sorted by source, then target, parallel
        copies in the order their edges were given to :meth:`from_edges`. Every per-arc array (``prob``,
        ``simulate(p=...)``, ``weights=``, ``beta=``) is in this order."""
        src = np.repeat(np.arange(self.n, dtype=np.int32), self.out_degree)
        return src, self.indices

    def arc_values(self, src: Any, dst: Any, values: Any, *, undirected: bool = False,
                   default: float | None = None, name: str = "values") -> np.ndarray:
        """Per-edge values, given as triples ``(src[i], dst[i], values[i])`` in any order, as the float64
        array of length ``m`` in arc-index order (:meth:`arcs`) that ``with_prob``, ``simulate(p=...,
        weights=..., beta=...)``, ``estimate_spread`` and the strategies' ``p=`` / ``weights=`` expect.

        Rules:

        * every pair ``(src[i], dst[i])`` must be an arc of the graph, else an InputError names the first
          that is not;
        * parallel arcs: the values given for a pair go to its parallel copies in the order given (the
          copies are in the order their edges were given to :meth:`from_edges`, so the edge list a graph
          was built from maps back exactly); a pair needs as many values as it has copies;
        * ``undirected=True`` (for graphs that store both arcs of each edge): a value given for
          ``u, v`` serves ``v -> u`` too, unless ``v, u`` has values of its own (then each direction gets
          its own). With parallel copies the two layouts agree with :meth:`from_edges`: the values
          given as ``v, u`` follow those given as ``u, v`` on the arc ``u -> v``;
        * every arc needs a value: an arc with none is an InputError naming it, unless ``default`` is
          given (then such arcs get ``default``).

        Values are returned as given (as float64); the caller checks their range (probabilities: [0, 1]).
        ``name`` names the values in error messages. Node ids are ``0 .. n - 1``, as in
        :meth:`from_edges` (a graph read with string ids keeps them in ``labels``: map them first).

        Examples
        --------
        >>> g = Graph.from_edges([2, 0, 1], [0, 1, 2])
        >>> g.arcs()[0].tolist(), g.arcs()[1].tolist()
        ([0, 1, 2], [1, 2, 0])
        >>> g.arc_values([2, 0, 1], [0, 1, 2], [0.3, 0.1, 0.2]).tolist()
        [0.1, 0.2, 0.3]
        """
        src = _as_index_array("src", src)
        dst = _as_index_array("dst", dst)
        try:
            vals = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be numbers, got {values!r}") from None
        if vals.ndim != 1 or not src.shape == dst.shape == vals.shape:
            raise InputError(f"src, dst and {name} must be one-dimensional of one length, got shapes "
                             f"{src.shape}, {dst.shape} and {vals.shape}")
        n = max(self.n, 1)
        g_src, g_dst = self.arcs()
        g_key = g_src.astype(np.int64) * n + g_dst
        g_order = np.argsort(g_key, kind="stable")  # copies of one pair stay in arc-index order
        keys, first, copies = np.unique(g_key[g_order], return_index=True, return_counts=True)

        def place(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            """Index into ``keys`` of each pair ``a[i] -> b[i]``; -1 where it is not an arc."""
            inside = (a >= 0) & (a < self.n) & (b >= 0) & (b < self.n)
            key = np.where(inside, a * n + b, -1)
            if keys.size == 0:
                return np.full(a.size, -1, dtype=np.int64)
            pos = np.minimum(np.searchsorted(keys, key), keys.size - 1)
            return np.where(inside & (keys[pos] == key), pos, -1)

        def grouped(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """Values per arc pair in the order given: (count per pair, start per pair, values)."""
            order = np.argsort(pos, kind="stable")
            count = np.bincount(pos, minlength=keys.size)
            start = np.zeros(keys.size, dtype=np.int64)
            np.cumsum(count[:-1], out=start[1:])
            return count, start, vals[order]

        own_pos = place(src, dst)
        if (own_pos < 0).any():
            i = int(np.flatnonzero(own_pos < 0)[0])
            raise InputError(f"{name}: ({int(src[i])}, {int(dst[i])}) (entry {i}) is not an arc of the graph")
        own_n, own_start, own_vals = grouped(own_pos)
        if undirected:
            back_pos = place(dst, src)
            if (back_pos < 0).any():
                i = int(np.flatnonzero(back_pos < 0)[0])
                raise InputError(f"{name}: undirected=True, but the graph has no arc ({int(dst[i])}, "
                                 f"{int(src[i])}) reversing ({int(src[i])}, {int(dst[i])}) (entry {i})")
            back_n, back_start, back_vals = grouped(back_pos)
        else:
            back_n = np.zeros(keys.size, dtype=np.int64)
            back_start, back_vals = back_n, vals[:0]
        use_own = own_n == copies
        use_both = ~use_own & (own_n + back_n == copies)
        use_default = (own_n + back_n == 0) & (default is not None)
        bad = ~(use_own | use_both | use_default)
        if bad.any():
            g = int(np.flatnonzero(bad)[np.argmin(g_order[first[bad]])])  # the first such arc
            u, v = divmod(int(keys[g]), n)
            if own_n[g] + back_n[g] == 0:
                hint = ("; an undirected graph stores both arcs: pass undirected=True to give one value "
                        "per edge" if not undirected and self._has_arc(v, u) else "")
                raise InputError(f"{name}: arc ({u}, {v}) of the graph has no value (pass default= to fill "
                                 f"arcs without one){hint}")
            c, k = int(copies[g]), int(own_n[g])
            given = f"{k} value{'s' * (k != 1)} {'were' if k != 1 else 'was'} given for ({u}, {v})"
            if undirected:
                given += f" and {int(back_n[g])} for ({v}, {u})"
            raise InputError(f"{name}: the graph has {c} arc{'s' * (c != 1)} ({u}, {v}) but {given}; give "
                             "one value per parallel copy")
        group = np.repeat(np.arange(keys.size), copies)
        rank = np.arange(self.m) - np.repeat(first, copies)  # copy number within its pair
        out = np.empty(self.m)
        from_own = rank < own_n[group]
        from_back = ~from_own & use_both[group]
        filled = ~from_own & ~from_back
        out[g_order[from_own]] = own_vals[own_start[group[from_own]] + rank[from_own]]
        gb = group[from_back]
        out[g_order[from_back]] = back_vals[back_start[gb] + rank[from_back] - own_n[gb]]
        out[g_order[filled]] = np.nan if default is None else float(default)
        return out

    def _has_arc(self, u: int, v: int) -> bool:
        return bool((self.out_neighbors(u) == v).any())

    @cached_property
    def transpose(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """In-arc CSR: ``(t_indptr, t_sources, t_arc)`` with ``t_arc`` the original arc index."""
        src, dst = self.arcs()
        order = np.argsort(dst, kind="stable")
        t_indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(self.in_degree, out=t_indptr[1:])
        return t_indptr, src[order].astype(np.int32), order.astype(np.int64)

    @cached_property
    def arc_prob(self) -> np.ndarray:
        """The arc probabilities as one array in arc-index order, for code that needs one value per arc:
        the stored float32 array itself, or a uniform ``prob`` materialised once as float64 (exactly the
        value given; 8 bytes per arc while the graph lives, so only code that cannot take a scalar should
        ask). An InputError when the graph has no probabilities.

        Examples
        --------
        >>> g = Graph.from_edges([0, 0], [1, 2], prob=0.25)
        >>> g.prob, g.arc_prob.tolist()
        (0.25, [0.25, 0.25])
        """
        if self.prob is None:
            raise InputError("the graph has no arc probabilities")
        if isinstance(self.prob, np.ndarray):
            return self.prob
        p = np.full(self.m, self.prob)
        p.flags.writeable = False
        return p

    def skip_table(self, prob: np.ndarray) -> np.ndarray:
        """The kernels' per-node skipping parameters for per-arc probabilities ``prob`` (see
        ``_kernels.row_skip_table``): computed once for the graph's own :attr:`arc_prob`, else per call."""
        # the cached arc_prob, if asked for already (never materialised here)
        own = self.__dict__.get("arc_prob", self.prob)
        return self._own_skip_table if prob is own else row_skip_table(self.indptr, prob)

    @cached_property
    def _own_skip_table(self) -> np.ndarray:
        return row_skip_table(self.indptr, self.arc_prob)

    def weighted_cascade(self) -> np.ndarray:
        """Per-arc probability ``1 / in-degree(target)``: the "weighted cascade" setting of Kempe et al.
        (computed once per graph; treat the array as read-only)."""
        return self._weighted_cascade

    @cached_property
    def _weighted_cascade(self) -> np.ndarray:
        w = 1.0 / np.maximum(self.in_degree[self.indices], 1)
        w.flags.writeable = False
        return w

    def __repr__(self) -> str:
        extra = f", communities={self.n_communities}" if self.community is not None else ""
        label = f"{self.name!r}, " if self.name else ""
        return f"Graph({label}n={self.n}, m={self.m}{extra})"


def _node_array(name: str, values: Any, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise InputError(f"{name} must have one entry per node ({n}), got shape {arr.shape}")
    return arr.astype(np.int64)


def _relabel_communities(values: Any, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise InputError(f"community must have one entry per node ({n}), got shape {arr.shape}")
    if arr.dtype.kind in "iu" and (arr.size == 0 or (arr.min() >= 0 and arr.max() < n + 1)):
        # already small non-negative integers: keep the numbering users know, compacted
        uniq, inv = np.unique(arr, return_inverse=True)
        return inv.astype(np.int32) if uniq.size != int(arr.max(initial=-1)) + 1 else arr.astype(np.int32)
    _, inv = np.unique(arr.astype(str) if arr.dtype == object else arr, return_inverse=True)
    return inv.astype(np.int32)
