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

__all__ = ["write_table", "stack_tables", "read_table", "read_any", "column_equals", "strategy_names", "select_rows", "one_cell"]


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
        except ImportError:
            return
        _write_parquet(path, pa.table({c: table[c] for c in cols}))


def _write_parquet(path: Path, table: Any) -> None:
    """Write a pyarrow table as ``path.parquet`` atomically (a temporary file renamed into place)."""
    import pyarrow.parquet as pq

    target = path.with_suffix(".parquet")
    tmp = temporary_path(target)
    try:
        pq.write_table(table, tmp)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def stack_tables(path: Path, parts: list[tuple[Path, dict[str, Any]]], parquet: bool = False) -> bool:
    """Write ``path.csv``: the rows of every part's CSV file, in order, each row led by that part's constant
    columns (``parts``: ``(file, {column: value})``, e.g. a sweep cell's index and overrides). Rows are copied
    as text, never parsed, so a table of millions of rows costs a copy, and values keep their exact text.
    With ``parquet`` (and pyarrow installed), ``path.parquet`` likewise stacks the parts' Parquet files where
    every part has a current one with the same schema, else it is written from the stacked CSV.

    Returns False, writing nothing, where the parts do not share one header and one set of constant
    columns (the caller then merges them column by column).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_table(folder / "a", {"x": [1, 2]}); write_table(folder / "b", {"x": [3]})
    >>> stack_tables(folder / "all", [(folder / "a", {"cell": 0, "p": 0.5}), (folder / "b", {"cell": 1, "p": 1.5})])
    True
    >>> print((folder / "all.csv").read_text(), end="")
    cell,p,x
    0,0.5,1
    0,0.5,2
    1,1.5,3
    """
    header, keys = None, []
    for source, constants in parts:
        with open(source.with_suffix(".csv"), "rb") as fh:
            head = fh.readline()
        if header is None:
            header, keys = head, list(constants)
        if head != header or list(constants) != keys:
            return False

    def chunks():
        yield _csv_line(keys).encode("utf-8") + header
        for source, constants in parts:
            body = source.with_suffix(".csv").read_bytes().partition(b"\r\n")[2]
            if _break_in_quotes(body):  # a row spans lines: split into rows by the csv module
                buf = io.StringIO()
                w = csv.writer(buf)
                w.writerows([*constants.values(), *row] for row in csv.reader(io.StringIO(body.decode("utf-8"))))
                yield buf.getvalue().encode("utf-8")
            elif body:  # every line ends in \r\n: lead each one with the constants
                lead = _csv_line([*constants.values()]).encode("utf-8")
                yield lead + body[:-2].replace(b"\r\n", b"\r\n" + lead) + b"\r\n"

    atomic_write(path.with_suffix(".csv"), chunks())
    if parquet:
        _stack_parquet(path, parts)
    return True


def _stack_parquet(path: Path, parts: list[tuple[Path, dict[str, Any]]]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return
    pieces = []
    for source, constants in parts:
        pq_path, csv_path = source.with_suffix(".parquet"), source.with_suffix(".csv")
        if not pq_path.exists() or pq_path.stat().st_mtime < csv_path.stat().st_mtime - 1:
            pieces = None  # a part without its own current Parquet file: parse the stacked CSV instead
            break
        t = pq.read_table(pq_path)
        lead = {k: pa.array([v] * t.num_rows) for k, v in constants.items()}
        pieces.append(pa.table({**lead, **{c: t.column(c) for c in t.column_names}}))
    try:
        table = pa.concat_tables(pieces) if pieces else None
    except pa.ArrowInvalid:  # the parts' schemas differ (a column of integers in one, floats in another)
        table = None
    if table is None:
        merged = read_table(path)
        table = pa.table({c: v.tolist() for c, v in merged.items()})
    _write_parquet(path, table)


def _break_in_quotes(text: bytes) -> bool:
    """Whether a line break of CSV ``text`` lies inside a quoted field: after an odd number of quote
    characters (an escaped quote is two, so it keeps the parity)."""
    if b'"' not in text:
        return False
    b = np.frombuffer(text, np.uint8)
    quotes = np.cumsum(b == ord('"'), dtype=np.int64)
    return bool((quotes[b == ord("\n")] % 2).any())


def _csv_line(values: list[Any]) -> str:
    """``values`` as the start of a CSV row, as :func:`write_table` writes them, with the trailing comma."""
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    return buf.getvalue()[:-2] + "," if values else ""


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
