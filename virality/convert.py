"""Edge list to graph store in a bounded amount of memory: :func:`edgelist_to_store`.

:func:`virality.read_edgelist` holds the whole text and several arrays per arc while it parses (about 16
bytes of memory per byte of text). This converter reads the file in blocks, twice: a counting pass (each
node's out-degree, the largest id, the line checks), then a filling pass that writes every arc straight
into its place in the CSR arrays (a third pass places the reverse arcs of an undirected file). Memory
is the final graph (4 bytes per arc, 8 with weights) plus one block of text and its parsed columns, so
files far larger than memory convert. Lines are split by a numba kernel; weights are parsed by numpy's
C parser (correctly rounded, then held as float32).
"""

from __future__ import annotations

import gzip
import os
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from numba import njit

from ._build import _sort_rows
from ._headers import _is_column_name
from .errors import InputError
from .graph import Graph, compact_indptr
from .io import _GZIP_MAGIC, _MAX_NODE_ID, _comment_prefixes, _default_name, _delimiter_byte, _open_regular
from .store import save_graph

__all__ = ["edgelist_to_store"]

_jit = njit(cache=True, nogil=True)
#: bytes of text per block (a block ends at a line end; a longer line is read whole)
BLOCK_BYTES = 32 << 20
_MAX_DIGITS = 18
_NO_ID = -1  # not a plain digit string
_MAX_QUOTE = 200
#: threads splitting a block's lines (each scans a piece of whole lines; the result is the same)
_THREADS = max(1, min(os.cpu_count() or 1, 8))


@_jit
def _scan(b, cls, delimited, pre, pre_len, u, v, ws, we, nf, line, bad_delim):
    """Split the complete lines of ``b`` (ending in ``\\n``, the last one perhaps not): per data line
    (not blank, not a comment) its two first fields as ids (``-1`` when not plain digits), the byte span
    of its third field, its field count (capped at 4), its line number (1-based within ``b``) and
    whether its delimiters disagree with its fields (``delimited``: a delimiter is set). ``cls`` classes
    the bytes: 0 a field byte, 1 whitespace, 2 the delimiter, 3 the newline. Returns ``(data lines, lines)``."""
    k = 0
    lineno = 0
    i = 0
    size = b.size
    while i < size:
        lineno += 1
        fields = 0
        delims = 0
        ids0 = np.int64(_NO_ID)
        ids1 = np.int64(_NO_ID)
        w0 = -1
        w1 = -1
        comment = False
        while i < size:
            c = cls[b[i]]
            if c == 3:
                break
            if c != 0:
                delims += c == 2
                i += 1
                continue
            start = i
            value = np.int64(0)
            digits = True
            while i < size and cls[b[i]] == 0:
                d = np.int64(b[i]) - 48
                if d < 0 or d > 9:
                    digits = False
                value = value * 10 + d
                i += 1
            if i - start > _MAX_DIGITS:
                digits = False
            if fields == 0:
                for p in range(pre_len.size):
                    n_p = pre_len[p]
                    if i - start >= n_p:
                        same = True
                        for j in range(n_p):
                            if b[start + j] != pre[p, j]:
                                same = False
                        comment = comment or same
                if comment:
                    while i < size and b[i] != 10:
                        i += 1
                    break
                ids0 = value if digits else np.int64(_NO_ID)
            elif fields == 1:
                ids1 = value if digits else np.int64(_NO_ID)
            elif fields == 2:
                w0 = start
                w1 = i
            if fields < 4:
                fields += 1
        i += 1  # the newline
        if fields == 0 or comment:
            continue
        u[k] = ids0
        v[k] = ids1
        ws[k] = w0
        we[k] = w1
        nf[k] = fields
        line[k] = lineno
        bad_delim[k] = delimited and delims != fields - 1
        k += 1
    return k, lineno


def _classes(delim: int) -> np.ndarray:
    cls = np.zeros(256, np.uint8)
    cls[list(b" \t\r\v\f")] = 1
    if delim >= 0:
        cls[delim] = 2
    cls[10] = 3
    return cls


@_jit
def _place(indptr_pos, indices, prob, src, dst, w, reverse):
    """Write arcs ``src[i] -> dst[i]`` (``dst -> src`` when ``reverse``) at the next free slot of their
    row, in the order given, with their weights; self-loops are skipped."""
    weighted = prob.size > 0
    for i in range(src.size):
        a = src[i]
        c = dst[i]
        if a == c:
            continue
        if reverse:
            a, c = c, a
        pos = indptr_pos[a]
        indices[pos] = c
        if weighted:
            prob[pos] = w[i]
        indptr_pos[a] = pos + 1


@_jit
def _sort_rows_with(indptr, indices, prob):
    """Sort each row by target, stably (parallel copies keep their order), carrying ``prob`` along."""
    for r in range(indptr.size - 1):
        a = indptr[r]
        b = indptr[r + 1]
        if b - a <= 32:
            for i in range(a + 1, b):
                x = indices[i]
                px = prob[i]
                j = i - 1
                while j >= a and indices[j] > x:
                    indices[j + 1] = indices[j]
                    prob[j + 1] = prob[j]
                    j -= 1
                indices[j + 1] = x
                prob[j + 1] = px
        else:
            order = np.argsort(indices[a:b], kind="mergesort")
            indices[a:b] = indices[a:b][order]
            prob[a:b] = prob[a:b][order]


class _Blocks:
    """The file's text in blocks of whole lines, with the number of the first line of each."""

    def __init__(self, path: Path, block: int) -> None:
        self.path, self.block = path, block

    def __iter__(self) -> Any:
        fh, _ = _open_regular(self.path)
        with fh:
            try:
                magic = fh.read(2)
                fh.seek(0)
                stream = gzip.GzipFile(fileobj=fh, mode="rb") if magic == _GZIP_MAGIC else fh
                first, rest = 1, b""
                while True:
                    chunk = stream.read(self.block)
                    data = rest + chunk
                    if not chunk:
                        if data:
                            yield first, data
                        return
                    cut = data.rfind(b"\n") + 1
                    if cut == 0:
                        rest = data
                        continue
                    if first == 1 and data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark
                        data = data[3:]
                        cut -= 3
                    rest = data[cut:]
                    yield first, data[:cut]
                    first += data.count(b"\n", 0, cut)
            except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                raise InputError(f"{self.path}: not a valid gzip file ({exc})") from None
            except OSError as exc:
                raise InputError(f"{self.path}: cannot read: {exc.strerror or exc}") from None


class _Lines:
    """The data lines of one block, parsed: ids, field counts, line numbers, third-field spans."""

    def __init__(self, blocks: _Blocks, first: int, data: bytes, delim: int, pre: np.ndarray, pre_len: np.ndarray):
        self.path, self.first, self.data = blocks.path, first, data
        b = np.frombuffer(data, dtype=np.uint8)
        cls = _classes(delim)
        # pieces of whole lines, one per thread (the kernel releases the GIL), stitched in order
        cuts = [0]
        for j in range(1, _THREADS):
            at = data.find(b"\n", len(data) * j // _THREADS) + 1
            cuts.append(at if at > cuts[-1] else cuts[-1])
        cuts.append(len(data))

        def scan(j: int) -> tuple:
            piece = b[cuts[j] : cuts[j + 1]]
            cap = data.count(b"\n", cuts[j], cuts[j + 1]) + 1
            cols = (np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap, np.int64),
                    np.empty(cap, np.int64), np.empty(cap, np.int8), np.empty(cap, np.int64), np.empty(cap, np.bool_))
            k, lines = _scan(piece, cls, delim >= 0, pre, pre_len, *cols)
            return tuple(c[:k] for c in cols), lines

        with ThreadPoolExecutor(_THREADS) as pool:
            parts = list(pool.map(scan, range(_THREADS)))
        lines_before = np.cumsum([0] + [lines for _, lines in parts[:-1]])
        offset = np.array(cuts[:-1])
        cols = []
        for c in range(7):
            pieces = [cols_j[c] for cols_j, _ in parts]
            if c in (2, 3):  # byte offsets within a piece -> within the block
                pieces = [np.where(x >= 0, x + offset[j], x) for j, x in enumerate(pieces)]
            elif c == 5:  # line numbers within a piece -> within the block
                pieces = [x + lines_before[j] for j, x in enumerate(pieces)]
            cols.append(pieces[0] if len(pieces) == 1 else np.concatenate(pieces))
        self.u, self.v, self.ws, self.we, self.nf, self.line, self.bad_delim = cols
        self.b, self.delim = b, delim

    def error(self, i: int, expected: str) -> InputError:
        """An InputError for data line ``i`` of the block, quoting it, as :func:`read_edgelist` words it."""
        lineno = int(self.line[i])
        text = self.data.split(b"\n", lineno)[lineno - 1]
        cut = len(text) > _MAX_QUOTE
        shown = text[:_MAX_QUOTE].decode("utf-8", "replace").rstrip("\r") + ("..." if cut else "")
        return InputError(f"{self.path}:{self.first + lineno - 1}: expected {expected}, got {shown!r}")

    def weights(self, rows: np.ndarray) -> np.ndarray:
        """The third fields of data lines ``rows`` as float64 in [0, 1]."""
        spans = np.zeros(self.b.size + 1, np.int8)
        spans[self.ws[rows]] = 1
        spans[self.we[rows]] = -1
        buf = np.where(np.cumsum(spans[:-1], dtype=np.int8) > 0, self.b, np.uint8(32))
        values = None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                values = np.fromstring(buf.tobytes(), dtype=np.float64, sep=" ")
            except (ValueError, DeprecationWarning):
                pass
        if values is None or values.size != rows.size:
            for i in rows.tolist():  # slow path, only to find the culprit
                try:
                    float(self.data[self.ws[i]:self.we[i]])
                except ValueError:
                    raise self.error(i, "'u v weight' with a numeric weight") from None
            raise InputError(f"{self.path}: could not parse the weight column")  # pragma: no cover
        bad = np.flatnonzero(~((values >= 0.0) & (values <= 1.0)))
        if bad.size:
            raise self.error(int(rows[bad[0]]), "a weight (probability) in [0, 1] as the third field (pass "
                                                "weighted=False to ignore it)")
        return values


def edgelist_to_store(
    path: str | os.PathLike,
    store: str | os.PathLike,
    *,
    directed: bool = True,
    weighted: bool | None = None,
    delimiter: str | None = None,
    comments: str | Sequence[str] | None = ("#", "%"),
    header: bool | None = None,
    name: str | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> Path:
    """Convert an edge-list file (``u v`` or ``u v weight`` per line, plain or gzip) to a graph store,
    streaming: memory stays near the final graph's, whatever the file's size. Returns the store's path.

    The result equals ``save_graph(read_edgelist(path, relabel=False, ...), store)`` array for array,
    for the files this converter reads: node ids are non-negative integers, used as node indices
    (``n`` = the largest id + 1, or the ``n`` of an ``n m`` header); parallel arcs are kept. Options
    are those of :func:`virality.read_edgelist`: ``directed``, ``weighted``, ``delimiter`` (None:
    whitespace, or commas when the first data line has one), ``comments`` and ``header`` (None:
    an ``n m`` first line is a header when exactly ``m`` lines follow and no id reaches ``n``; a first
    line of column names such as ``source,target`` is skipped). Errors name the file and line as
    :func:`~virality.read_edgelist`'s do; string ids are an error (relabelling needs the whole file:
    use ``read_edgelist`` and ``save_graph``). Self-loops are dropped with a warning.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from virality.store import load_graph
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "g.txt").write_text("# follows\\n0 1 0.5\\n0 2 0.25\\n2 1 1\\n")
    >>> g = load_graph(edgelist_to_store(d / "g.txt", d / "store"))
    >>> g.n, g.m, g.indices.tolist(), g.prob.tolist()
    (3, 3, [1, 2, 1], [0.5, 0.25, 1.0])
    """
    path = Path(path)
    if header not in (None, True, False):
        raise InputError(f"header must be one of None, True, False; got {header!r}")
    if weighted not in (None, True, False):
        raise InputError(f"weighted must be one of None, True, False; got {weighted!r}")
    prefixes = _comment_prefixes(comments)
    pre = np.zeros((len(prefixes), max((len(p) for p in prefixes), default=0)), np.uint8)
    for i, p in enumerate(prefixes):
        pre[i, : len(p)] = np.frombuffer(p, np.uint8)
    pre_len = np.array([len(p) for p in prefixes], np.int64)
    blocks = _Blocks(path, int(block_bytes))
    delim = _delimiter_byte(delimiter)

    def parsed() -> Any:
        for first, data in blocks:  # the delimiter as known when each block is read (a CSV is found on line 1)
            yield _Lines(blocks, first, data, -1 if delim is None else delim, pre, pre_len)

    # ---- pass 1: the first data line decides the delimiter; count each row's arcs, check every line
    deg = np.zeros(0, np.int64)
    top, lines, loops, first_loop = -1, 0, 0, None
    head: Any = None  # the first data line: (u, v, fields, its block)
    second: Any = None  # the second one: (line number, fields)
    for blk in parsed():
        if head is None and blk.line.size and delim is None and b"," in _text(blk, 0):
            delim = ord(",")  # a CSV file: split again
            blk = _Lines(blocks, blk.first, blk.data, delim, pre, pre_len)
        rows = np.arange(blk.line.size)
        if head is None and rows.size:
            head = (int(blk.u[0]), int(blk.v[0]), int(blk.nf[0]), blk)
            rows = rows[1:]
        if second is None and rows.size:
            second = (blk.first + int(blk.line[rows[0]]) - 1, int(blk.nf[rows[0]]))
        _check(blk, rows, weighted, delim)
        u, v = blk.u[rows], blk.v[rows]
        lines += rows.size
        top = max(top, int(u.max(initial=-1)), int(v.max(initial=-1)))
        deg = _grown(deg, top + 1)
        _count(deg, u, v, directed)
        loop = np.flatnonzero(u == v)
        if loop.size and first_loop is None:
            first_loop = blk.first + int(blk.line[rows[loop[0]]]) - 1
        loops += loop.size
    if head is None:
        raise InputError(f"{path}: no arcs found; expected lines 'u v' or 'u v weight'")
    hu, hv, hf, hblk = head
    # ---- the first line: an "n m" header, column names, or an arc
    n_header = None
    skip_first = False
    if header is not False and hf == 2 and hu >= 0 and hv >= 0:
        if header is True and hv != lines:
            raise InputError(f"{path}:{hblk.first + int(hblk.line[0]) - 1}: header says m={hv} arcs but {lines} "
                             "arc lines follow")
        if header is True or (hv == lines and top < hu):
            n_header, skip_first = hu, True
    elif header is True or (header is None and (hu < 0 or hv < 0) and hf >= 2 and all(
            _is_column_name(x.strip()) for x in _text(hblk, 0).split(None if delim is None else bytes([delim]))[:2])):
        skip_first = True
    if skip_first and second is None:
        raise InputError(f"{path}: no arcs found after the header on line {hblk.first + int(hblk.line[0]) - 1}")
    if not skip_first:
        _check(hblk, np.zeros(1, np.int64), weighted, delim)
        lines += 1
        top = max(top, hu, hv)
        deg = _grown(deg, top + 1)
        _count(deg, hblk.u[:1], hblk.v[:1], directed)
        if hu == hv:
            loops += 1
            first_loop = hblk.first + int(hblk.line[0]) - 1
    arc_line, arc_fields = second if skip_first else (hblk.first + int(hblk.line[0]) - 1, hf)
    use_w = weighted is True or (weighted is None and arc_fields == 3)
    n = n_header if n_header is not None else top + 1
    if first_loop is not None:
        warnings.warn(f"{path}: dropped {loops} self-loop(s), the first on line {first_loop}", stacklevel=2)
    deg = _grown(deg, n)[:n]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(deg, out=indptr[1:])
    del deg
    m = int(indptr[-1])
    indices = np.empty(m, np.int32)
    prob = np.empty(m if use_w else 0, np.float32)
    pos = indptr[:-1].copy()
    # ---- pass 2 (and 3: reverse arcs, after all forward ones, as Graph.from_edges orders them)
    form = "'u v weight'" if use_w else "'u v'"
    for reverse in ((False,) if directed else (False, True)):
        first_block = True
        for blk in parsed():
            rows = np.arange(blk.line.size)
            if first_block and skip_first:
                rows = rows[1:]
            first_block = first_block and not blk.line.size
            if weighted is None:
                bad = np.flatnonzero(blk.nf[rows] != (3 if use_w else 2))
                if bad.size:
                    raise blk.error(int(rows[bad[0]]), f"{form} like line {arc_line} (pass weighted=False to "
                                                       "ignore a third column)")
            w = blk.weights(rows) if use_w and rows.size else np.zeros(0)
            _place(pos, indices, prob, blk.u[rows], blk.v[rows], w, reverse)
    del pos
    if use_w:
        _sort_rows_with(indptr, indices, prob)
    else:
        _sort_rows(indptr, indices)
    graph = Graph(indptr=compact_indptr(indptr), indices=indices, prob=prob if use_w else None,
                  name=name if name is not None else _default_name(path))
    return save_graph(graph, store, provenance={"source": str(path), "converter": "edgelist_to_store"})


def _text(blk: _Lines, i: int) -> bytes:
    """Data line ``i`` of a block, as bytes."""
    lineno = int(blk.line[i])
    return blk.data.split(b"\n", lineno)[lineno - 1]


_IDS = f"non-negative integer node ids up to {_MAX_NODE_ID} (this converter does not relabel: use read_edgelist and save_graph)"


def _check(blk: _Lines, rows: np.ndarray, weighted: bool | None, delim: int | None) -> None:
    """The checks of every arc line: delimiters, field count, integer ids (read_edgelist's messages)."""
    bad = np.flatnonzero(blk.bad_delim[rows])
    if bad.size:
        raise blk.error(int(rows[bad[0]]), f"fields separated by a single {chr(delim)!r}")
    nf = blk.nf[rows]
    bad = np.flatnonzero((nf < 2) | (nf > 3))
    if bad.size:
        raise blk.error(int(rows[bad[0]]), "'u v' or 'u v weight'")
    if weighted is True:
        bad = np.flatnonzero(nf != 3)
        if bad.size:
            raise blk.error(int(rows[bad[0]]), "'u v weight' (weighted=True)")
    u, v = blk.u[rows], blk.v[rows]
    bad = np.flatnonzero((u < 0) | (v < 0) | (u > _MAX_NODE_ID) | (v > _MAX_NODE_ID))
    if bad.size:
        raise blk.error(int(rows[bad[0]]), _IDS)


def _grown(deg: np.ndarray, size: int) -> np.ndarray:
    """``deg`` with room for ``size`` entries (doubling, zero-filled)."""
    if size <= deg.size:
        return deg
    grown = np.zeros(max(size, 2 * deg.size), np.int64)
    grown[: deg.size] = deg
    return grown


@_jit
def _count(deg, u, v, directed):
    """Count each arc in its source's row (and, undirected, its target's); self-loops are not arcs."""
    for i in range(u.size):
        if u[i] != v[i]:
            deg[u[i]] += 1
            if not directed:
                deg[v[i]] += 1
