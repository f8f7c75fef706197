"""A results directory read back as one object: the only place a saved experiment's graph is rebuilt.

:class:`Results` gives lazy access to one cell of a finished run: its summary, its tidy tables (Parquet
when current, else CSV), its stored records, and its graph, rebuilt from the saved ``config.toml``.
:func:`load_summary` reads ``summary.json``; the sweep helpers say which keys a sweep varied.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .catalog import FINDINGS, METRICS
from .config import expand_cells, load_config
from .errors import InputError
from .experiment import build_graph
from .metrics import paired
from .tables import column_equals, one_cell, read_any, strategy_names

__all__ = ["Results", "load_summary", "sweep_axes", "sweep_values", "value_key", "value_label", "tied_keys",
           "key_label", "cell_label", "per_strategy_runs", "winner_margin", "sweep_summary", "SWEEP_METRICS",
           "GRAPH_LIMIT"]


def load_summary(results: Path) -> dict[str, Any]:
    """``summary.json`` of a results directory (an error naming the file when it is missing or broken)."""
    path = Path(results) / "summary.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: not found; is {results} a finished results directory?") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(float(x))


# ------------------------------------------------------------------------------------- sweeps
def sweep_values(values: list[Any]) -> list[Any]:
    """Distinct values of a swept key, sorted when they are numbers."""
    first: dict[str, Any] = {}
    for v in values:  # keyed by the value's JSON text: one pass, where 256 worlds made a pairwise scan slow
        first.setdefault(json.dumps(v, default=str), v)
    uniq = list(first.values())
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in uniq):
        uniq.sort()
    return uniq


def value_key(v: Any) -> str:
    """A comparable key of a config value (lists and tables included)."""
    return json.dumps(v, default=str, sort_keys=True)


def value_label(v: Any) -> str:
    """A config value written for a label."""
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(value_label(x) for x in v)
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
    keys = [k for k in keys if len(sweep_values([o.get(k) for o in overs])) > 1]

    def n_distinct(*ks: str) -> int:
        return len({tuple(value_key(o.get(k)) for k in ks) for o in overs})

    axes: list[list[str]] = []
    for k in keys:
        for axis in axes:
            if n_distinct(axis[0], k) == n_distinct(axis[0]) == n_distinct(k):
                axis.append(k)
                break
        else:
            axes.append([k])
    return axes


def tied_keys(cells: Sequence[Mapping[str, Any]], key: str) -> list[str]:
    """Keys that vary together with ``key`` (including itself)."""
    for axis in sweep_axes(cells):
        if key in axis:
            return axis
    return [key]


def key_label(keys: str | Sequence[str], strategies: Sequence[str] | None = None) -> str:
    """A swept parameter named in words, with its dotted key(s) in parentheses.

    The words are the key's last component with underscores as spaces (the catalogue's label where
    that component is a metric); ``strategy.N.x`` names strategy N when ``strategies`` is given;
    keys swept together (``sweep.zip``) are joined with ``=``.

    Examples
    --------
    >>> key_label("audience.share_rate")
    'share rate (audience.share_rate)'
    >>> key_label(["strategy.0.budget", "strategy.1.budget"], ["tv", "micro"])
    'budget of tv and micro (strategy.0.budget = strategy.1.budget)'
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    words: list[str] = []
    owners: list[str] = []
    for k in keys:
        parts = k.split(".")
        last = parts[-1]
        w = METRICS[last].label.lower() if last in METRICS else last.replace("_", " ").strip() or k
        if w not in words:
            words.append(w)
        if len(parts) >= 3 and parts[0] == "strategy" and parts[1].isdigit() and strategies is not None \
                and int(parts[1]) < len(strategies):
            owners.append(str(strategies[int(parts[1])]))
    name = " / ".join(words)
    if owners and len(owners) == len(keys) and len(words) == 1:
        name += " of " + " and ".join(dict.fromkeys(owners))
    return f"{name} ({' = '.join(keys)})"


def cell_label(cells: Sequence[Mapping[str, Any]], k: int, strategies: Sequence[str] | None = None) -> str:
    """A sweep cell's values of the swept parameters, in words (keys swept together once).

    Examples
    --------
    >>> cells = [{"overrides": {"audience.share_rate": r, "strategy.0.budget": b, "strategy.1.budget": b}}
    ...          for r in (0.1, 0.3) for b in (50, 150)]
    >>> cell_label(cells, 1, ["tv", "micro"])
    'share rate = 0.1, budget of tv and micro = 150'
    """
    over = cells[k].get("overrides") or {}
    axes = [a for a in sweep_axes(cells) if a[0] in over] or [[key] for key in over]
    return ", ".join(f"{key_label(a, strategies).split(' (')[0]} = "
                     + " / ".join(dict.fromkeys(value_label(over.get(key)) for key in a)) for a in axes)


# ------------------------------------------------------------------------------------- winners and margins
#: metrics of the sweep summary, in its order: the "what won on what" findings (each has a better direction)
SWEEP_METRICS: tuple[str, ...] = tuple(m for m, _ in FINDINGS if METRICS[m].better is not None)


def per_strategy_runs(runs: Mapping[str, np.ndarray], cell: int | None = None) -> dict[str, dict[str, np.ndarray]]:
    """One cell's rows of ``runs.csv`` split by strategy: name -> numeric columns (float), keyed by ``run``
    (rows sorted by replicate)."""
    t = one_cell(runs, cell) if cell is not None else dict(runs)
    if "strategy" not in t or len(t["strategy"]) == 0:
        return {}
    out = {}
    for name in strategy_names(t["strategy"]):
        sel = np.flatnonzero(column_equals(t["strategy"], name))
        if "run" in t:
            sel = sel[np.argsort(np.asarray(t["run"])[sel], kind="stable")]
        cols = {}
        for k, v in t.items():
            v = np.asarray(v)
            if k != "strategy" and v.dtype.kind in "biuf":
                cols[k] = v[sel].astype(float)
        out[name] = cols
    return out


def _common(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> tuple[dict, dict] | None:
    """The rows of two strategies' runs on their common replicates (by ``run``; by position without it)."""
    if "run" in a and "run" in b:
        common = np.intersect1d(a["run"], b["run"])
        if common.size == 0:
            return None
        ia, ib = (np.searchsorted(t["run"], common) for t in (a, b))
        return {k: v[ia] for k, v in a.items()}, {k: v[ib] for k, v in b.items()}
    n = min(len(next(iter(a.values()), [])), len(next(iter(b.values()), [])))
    return ({k: v[:n] for k, v in a.items()}, {k: v[:n] for k, v in b.items()}) if n else None


def winner_margin(values: Mapping[str, float], metric: str,
                  runs: Mapping[str, Mapping[str, np.ndarray]] | None = None, level: float = 0.95) -> dict[str, Any]:
    """The winner on one metric, its runner-up and the margin between them.

    Parameters
    ----------
    values : mapping
        Strategy -> value of ``metric`` (``summary.json``); strategies that may not win it are left out
        by the caller (NaN values are ignored).
    metric : str
        Its better direction comes from the catalogue (lower wins for costs and times).
    runs : mapping, optional
        Strategy -> its per-run columns (:func:`per_strategy_runs`): the margin is then the paired
        difference over the common replicates (:func:`virality.metrics.paired`) with its interval.
    level : float

    Returns
    -------
    dict
        ``winner``, ``winner_value``, ``runner_up``, ``runner_up_value`` (None when fewer than two
        strategies have a value), ``margin`` (winner minus runner-up: negative when lower wins),
        ``low``, ``high`` (its interval; NaN without runs), ``relative`` (``|margin|`` as a share of the
        larger of the two values, 0-1), ``tie`` (the interval holds zero, or the values are equal) and
        ``n_pairs`` (replicates paired). Winner None when no strategy has a value.
    """
    better = METRICS[metric].better if metric in METRICS else "higher"
    low_wins = better == "lower"
    vals = {n: float(v) for n, v in values.items() if _finite(v)}
    out: dict[str, Any] = {"metric": metric, "better": better, "winner": None, "winner_value": math.nan,
                           "runner_up": None, "runner_up_value": math.nan, "margin": math.nan, "low": math.nan,
                           "high": math.nan, "relative": math.nan, "tie": False, "n_pairs": 0}
    if not vals:
        return out
    ranked = sorted(vals, key=lambda n: vals[n], reverse=not low_wins)  # stable: config order breaks exact ties
    win = ranked[0]
    out.update(winner=win, winner_value=vals[win])
    if len(ranked) < 2:
        return out
    second = ranked[1]
    wv, rv = vals[win], vals[second]
    out.update(runner_up=second, runner_up_value=rv, margin=wv - rv)
    if runs is not None and win in runs and second in runs:
        pair = _common(runs[win], runs[second])
        if pair is not None:
            try:
                e = paired(pair[0], pair[1], [metric], level)[metric]
            except (KeyError, ValueError, ZeroDivisionError):
                e = None
            if e is not None and _finite(e.value):
                out.update(margin=float(e.value), n_pairs=len(next(iter(pair[0].values()))))
                if _finite(e.low) and _finite(e.high):
                    out.update(low=float(e.low), high=float(e.high))
    big = max(abs(wv), abs(rv))
    out["relative"] = min(1.0, abs(out["margin"]) / big) if big > 0 else 0.0
    held = _finite(out["low"]) and _finite(out["high"]) and out["low"] <= 0 <= out["high"]
    out["tie"] = bool(wv == rv or held)
    return out


def _eligible(cell: Mapping[str, Any], name: str, metric: str) -> bool:
    """Whether a strategy may win a metric in a cell: costs need spending, speed needs engagement."""
    s = cell["summary"].get(name, {})
    m = METRICS.get(metric)
    if m is not None and m.style == "money" and not (s.get("plan") or {}).get("spend", 1) > 0:
        return False
    if metric == "time_to_half":
        e = (s.get("metrics") or {}).get("engaged", {}).get("value")
        return _finite(e) and e > 0
    return True


def sweep_summary(summary: Mapping[str, Any], runs: Mapping[str, np.ndarray] | None = None,
                  metrics: Sequence[str] | None = None, level: float = 0.95) -> list[dict[str, Any]]:
    """Who wins each cell of a sweep on each metric, by how much (the sweep summary table).

    Parameters
    ----------
    summary : dict
        ``summary.json`` (its ``cells``, each with ``overrides``).
    runs : dict of numpy arrays, optional
        ``runs.csv`` of all cells (its ``cell`` column): margins are then paired over each cell's
        common replicates, with a ``level`` interval; a margin whose interval holds zero is a tie.
    metrics : sequence of str, optional
        Default :data:`SWEEP_METRICS`; metrics whose better direction is None are skipped.
    level : float

    Returns
    -------
    list of dict
        One per cell and metric (cells in order, metrics in the given order): ``cell`` (its index),
        ``overrides`` (the cell's values of the swept keys) and the fields of :func:`winner_margin`.
    """
    cells = summary.get("cells") or []
    swept = [k for axis in sweep_axes(cells) for k in axis]
    metrics = [m for m in (metrics if metrics is not None else SWEEP_METRICS)
               if m in METRICS and METRICS[m].better is not None]
    has_cells = runs is not None and "cell" in runs and len(runs["cell"]) > 0
    rows = []
    for k, cell in enumerate(cells):
        per = per_strategy_runs(runs, k) if has_cells else (per_strategy_runs(runs) if runs is not None and
                                                               len(cells) == 1 else None)
        over = cell.get("overrides") or {}
        for metric in metrics:
            values = {n: (cell["summary"].get(n, {}).get("metrics", {}).get(metric) or {}).get("value")
                      for n in cell["strategies"] if _eligible(cell, n, metric)}
            rows.append({"cell": k, "overrides": {key: over.get(key) for key in swept},
                         **winner_margin(values, metric, per or None, level)})
    return rows


# ------------------------------------------------------------------------------------- results
#: largest graph regenerated from config.toml for the community arrays and maps
GRAPH_LIMIT = 2_000_000


class Results:
    """One cell of a results directory, read lazily: its summary, tables, records and graph.

    Parameters
    ----------
    results_dir : Path
        A finished results directory (``summary.json`` and the tidy tables).
    cell : int
        Sweep cell (default: the first).
    """

    def __init__(self, results_dir: Path, cell: int = 0) -> None:
        self.dir = Path(results_dir)
        self.summary = load_summary(self.dir)
        self.cells = self.summary.get("cells") or []
        if not self.cells:
            raise InputError(f"{self.dir / 'summary.json'}: no finished cells")
        self.cell_index = cell
        self.cell = self.cells[cell]
        self.strategies = list(self.cell["strategies"])
        base = self.summary.get("baseline")
        self.baseline = base if base in self.strategies else self.strategies[0]
        self._cache: dict[str, Any] = {}

    def _memo(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def table(self, name: str) -> dict[str, np.ndarray] | None:
        def load() -> dict[str, np.ndarray] | None:
            t = read_any(self.dir / name)
            if t is None or "strategy" not in t:
                return None
            return one_cell(t, self.cell_index)

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
                exp, raw = load_config(self.dir / "config.toml")
                cells = expand_cells(exp, raw, str(self.dir / "config.toml"))
                spec = cells[self.cell_index][1] if self.cell_index < len(cells) else exp
                g = build_graph(spec.graph, spec.seed)
            except Exception as exc:  # noqa: BLE001 - figures that need the graph are skipped
                warnings.warn(f"virality.results: could not rebuild the graph from config.toml ({exc}); "
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
        return int(column_equals(t["strategy"], self.strategies[0]).sum()) == self.n

    @property
    def community(self) -> np.ndarray | None:
        """Community of each node: from the rebuilt graph, else from nodes.csv when it holds all nodes."""

        def load() -> np.ndarray | None:
            g = self.graph
            if g is not None:
                return np.asarray(g.community, np.int64) if g.community is not None else np.zeros(g.n, np.int64)
            if self.nodes_all:
                t = self.table("nodes")
                sel = column_equals(t["strategy"], self.strategies[0])
                comm = np.zeros(self.n, np.int64)
                comm[t["node"][sel].astype(int)] = t["community"][sel].astype(int)
                return comm
            return None

        return self._memo("community", load)

    def sweep_axes(self) -> list[list[str]]:
        return sweep_axes(self.cells)

    @property
    def runs_all(self) -> dict[str, np.ndarray] | None:
        """``runs.csv`` of every cell (None when missing)."""
        return self._memo("runs_all", lambda: read_any(self.dir / "runs"))

    def sweep_summary(self, metrics: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """:func:`sweep_summary` of this results directory, margins paired over ``runs.csv``."""
        return sweep_summary(self.summary, self.runs_all, metrics)

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
            sel = column_equals(runs["strategy"], strategy)
            if sel.any():
                target = float(np.median(runs["engaged"][sel].astype(float)))
        r = int(np.argmin([abs(s - target) for s in stored]))
        return r, times[r], parents[r], channels[r]
