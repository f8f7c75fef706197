"""Tidy tables on disk: column dicts written as CSV (and Parquet) atomically, and read back.

A table is a ``dict`` of equal-length columns. :func:`write_table` writes ``NAME.csv`` (and
``NAME.parquet`` when asked and pyarrow is installed) through :func:`virality.files.atomic_write`;
:func:`read_table` reads the CSV back with numbers where they parse; :func:`read_any` prefers a current
Parquet file.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> write_table(folder / "runs", {"strategy": ["a", "b"], "engaged": [3, 4.5]})
>>> t = read_table(folder / "runs")
>>> t["strategy"].tolist(), t["engaged"].tolist()
(['a', 'b'], [3.0, 4.5])
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .files import atomic_write, temporary_path

__all__ = ["write_table", "read_table", "read_any", "column_equals", "strategy_names", "select_rows", "one_cell"]


def write_table(path: Path, table: dict[str, Any], parquet: bool = False) -> None:
    """Write a column dict as ``path.csv`` (and ``path.parquet`` when pyarrow is installed and asked for)."""
    cols = list(table)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(cols)
    w.writerows(zip(*(table[c] for c in cols)))
    atomic_write(path.with_suffix(".csv"), buf.getvalue())
    if parquet:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            return
        target = path.with_suffix(".parquet")
        tmp = temporary_path(target)
        try:
            pq.write_table(pa.table({c: table[c] for c in cols}), tmp)
            tmp.replace(target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def read_table(path: Path) -> dict[str, np.ndarray]:
    """Read a CSV written by :func:`write_table` back into numpy columns (integers, floats, else strings)."""
    with open(path.with_suffix(".csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    out = {}
    for j, col in enumerate(rows[0]):
        vals = [r[j] for r in rows[1:]]
        for dtype in (np.int64, float, object):  # ids and counts stay integers through combine()
            try:
                out[col] = np.array(vals, dtype=dtype)
                break
            except (ValueError, OverflowError):
                continue
    return out


def read_any(path: Path) -> dict[str, np.ndarray] | None:
    """A table from ``path.parquet`` when it is current and pyarrow is installed, else ``path.csv``; None if neither."""
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


# ------------------------------------------------------------------------------------- selecting rows
def column_equals(col: np.ndarray, value: Any) -> np.ndarray:
    """Mask of a table column equal to ``value`` (strategy names survive CSV number parsing)."""
    col = np.asarray(col)
    if col.dtype == object:
        return np.array([str(x) == str(value) for x in col.tolist()], dtype=bool)
    try:
        return col == float(value)
    except (TypeError, ValueError):
        return np.zeros(col.size, dtype=bool)


def strategy_names(col: np.ndarray) -> list[str]:
    """Distinct strategy names of a column in order of appearance (a name CSV parsed as a number back as text)."""
    out = []
    for x in np.asarray(col).tolist():
        s = str(x)
        if isinstance(x, float) and x.is_integer():
            s = str(int(x))
        out.append(s)
    return list(dict.fromkeys(out))


def select_rows(table: Mapping[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of a table where ``mask`` holds."""
    return {k: np.asarray(v)[mask] for k, v in table.items()}


def one_cell(table: Mapping[str, np.ndarray], cell: int | None) -> dict[str, np.ndarray]:
    """The rows of one sweep cell (``cell`` None: the lowest cell in the table)."""
    if "cell" not in table or len(table["cell"]) == 0:
        return dict(table)
    c = np.asarray(table["cell"], dtype=float)
    want = c.min() if cell is None else float(cell)
    return select_rows(table, c == want)
