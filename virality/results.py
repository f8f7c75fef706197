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

from .config import expand_cells, load_config
from .errors import InputError
from .experiment import build_graph
from .tables import column_equals, one_cell, read_any

__all__ = ["Results", "load_summary", "sweep_axes", "sweep_values", "value_key", "value_label", "tied_keys",
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
    uniq: list[Any] = []
    for v in values:
        if not any(json.dumps(v, default=str) == json.dumps(u, default=str) for u in uniq):
            uniq.append(v)
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


# ------------------------------------------------------------------------------------- results
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
