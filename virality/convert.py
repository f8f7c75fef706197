"""Edge lists of integer ids read in a bounded amount of memory: :func:`edgelist_to_store`, and
:func:`virality.read_edgelist` for such files (:func:`stream_edgelist`).

The in-memory reader holds the whole text and several arrays per arc while it parses (about 16 bytes of
memory per byte of text). This reader reads the file in blocks, twice: a counting pass (each
node's out-degree, the largest id, the line checks), then a filling pass that writes every arc straight
into its place in the CSR arrays (a third pass places the reverse arcs of an undirected file). Memory
is the final graph (4 bytes per arc, 8 with weights) plus one block of text and its parsed columns, so
files far larger than memory convert. Lines are split by a numba kernel; weights are parsed by numpy's
C parser (correctly rounded, then held as float32).
"""

from __future__ import annotations

import gzip
import mmap
import os
import re
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from numba import njit

from ._build import _ptr_dtype, _sort_rows
from ._headers import _MAX_NODE_ID, _comment_prefixes, _default_name, _delimiter_byte, _is_column_name, _is_number
from .errors import InputError
from .graph import Graph, compact_indptr
from .files import _GZIP_MAGIC, _open_regular
from .store import save_graph

__all__ = ["edgelist_to_store"]

_jit = njit(cache=True, nogil=True)
#: bytes of text per block (a block ends at a line end; a longer line is read whole)
BLOCK_BYTES = 8 << 20
_MAX_DIGITS = 18
_NO_ID = -1  # not a plain digit string
_MAX_QUOTE = 200
#: threads splitting a block's lines (each scans a piece of whole lines; the result is the same)
_THREADS = max(1, min(os.cpu_count() or 1, 8))


@_jit
def _starts_comment(b, start, i, pre, pre_len):
    """Whether the line ``b[start:i]`` begins with one of the comment prefixes ``pre[p, :pre_len[p]]``."""
    for p in range(pre_len.size):
        n_p = pre_len[p]
        if i - start >= n_p:
            same = True
            for j in range(n_p):
                if b[start + j] != pre[p, j]:
                    same = False
            if same:
                return True
    return False


@_jit
def _line(b, cls, pre, pre_len, i):
    """Parse the line starting at byte ``i``: ``(next line's start, fields (capped at 4), delimiters,
    first id, second id (-1 when not plain digits), third field's start and end (-1 if none))``;
    0 fields for a blank or comment line. ``cls`` classes the bytes: 0 a field byte, 1 whitespace, 2
    the delimiter, 3 the newline."""
    size = b.size
    fields = 0
    delims = 0
    ids0 = np.int64(_NO_ID)
    ids1 = np.int64(_NO_ID)
    w0 = -1
    w1 = -1
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
            comment = _starts_comment(b, start, i, pre, pre_len)
            if comment:
                while i < size and b[i] != 10:
                    i += 1
                return i + 1, 0, 0, ids0, ids1, w0, w1
            ids0 = value if digits else np.int64(_NO_ID)
        elif fields == 1:
            ids1 = value if digits else np.int64(_NO_ID)
        elif fields == 2:
            w0 = start
            w1 = i
        if fields < 4:
            fields += 1
    return i + 1, fields, delims, ids0, ids1, w0, w1


@_jit
def _scan(b, cls, delimited, pre, pre_len, u, v, ws, we, nf, line, bad_delim):
    """Every data line (not blank, not a comment) of the complete lines of ``b``: its ids, third-field
    span, field count, line number (1-based within ``b``) and whether its delimiters disagree with its
    fields (``delimited``: a delimiter is set). Returns ``(data lines, lines)``."""
    k = 0
    lineno = 0
    i = 0
    while i < b.size:
        lineno += 1
        i, fields, delims, ids0, ids1, w0, w1 = _line(b, cls, pre, pre_len, i)
        if fields == 0:
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


# _parse's accumulators (an int64 array carried across the calls over a file)
_A_LINE, _A_DATA, _A_SKIP, _A_FF, _A_FLINE, _A_UNEVEN, _A_ARCS, _A_TOP, _A_LOOPS, _A_LOOP1, _A_BAD, _A_SLOW = range(12)
#: arcs parsed per kernel call (two int32 columns: 2 MB)
_CHUNK = 1 << 18


def _acc(skip: int) -> np.ndarray:
    acc = np.zeros(12, np.int64)
    acc[_A_SKIP], acc[_A_TOP], acc[_A_BAD] = skip, -1, -1
    return acc


@_jit
def _parse(b, i, first, kind, delimited, pre, lead, pre_len, fields_as, src, dst, w, acc):
    """Parse the lines of ``b`` (whole lines; ``first`` is the file's number of its first line) from byte
    ``i`` until its end or until ``src`` is full, each arc line's ids into ``src`` and ``dst``. Lines
    split as :func:`_line` splits them; ``kind`` classes the bytes: 0 a digit, 1 whitespace, 2 the
    delimiter, 3 the newline, 4 another field byte; ``lead`` marks the first bytes of the comment
    prefixes ``pre`` (of lengths ``pre_len``). The first ``acc[_A_SKIP]`` data lines are passed
    over. A line that breaks a rule (2 or 3 fields; exactly ``fields_as`` when it is > 0; plain-digit ids
    up to the limit; one delimiter between fields) stops the parse: its data-line index within ``b``
    goes to ``acc[_A_BAD]`` and the caller words the error. ``acc`` also counts lines and data lines (of
    ``b``; the caller zeroes them per block), arcs, self-loops (the file's line of the first), the
    largest id, the first arc line's field count and line, and whether a later one has other fields.
    When ``w`` is not empty the third fields go to ``w``: a plain decimal (digits with at most one
    point) is parsed exactly as ``strtod`` would (:func:`_decimal`); at any other (an exponent, a sign,
    more digits, not a number, not in [0, 1]) the parse stops before its line and ``acc[_A_SLOW]`` is
    set, for the caller to read the rest of the block with numpy's parser.
    Returns ``(the next byte, arcs stored)``."""
    size = b.size
    cap = src.size
    k = 0
    n_pre = pre_len.size
    # the counters live in locals (the stores into src and dst could alias acc for the compiler)
    line, data, skip, ff, fline = acc[_A_LINE], acc[_A_DATA], acc[_A_SKIP], acc[_A_FF], acc[_A_FLINE]
    uneven, top, loops, loop1 = acc[_A_UNEVEN], acc[_A_TOP], acc[_A_LOOPS], acc[_A_LOOP1]
    bad = np.int64(-1)
    slow = np.int64(0)
    weights = w.size > 0
    while i < size and k < cap:
        line_start = i
        line += 1
        fields = 0
        delims = 0
        u = np.int64(_NO_ID)
        v = np.int64(_NO_ID)
        comment = False
        w0 = w1 = 0
        while i < size:
            c = kind[b[i]]
            if c == 3:
                break
            if c == 1 or c == 2:
                delims += c == 2
                i += 1
                continue
            start = i
            value = np.int64(0)
            digits = True
            while i < size:
                x = b[i]
                c = kind[x]
                if c == 0:
                    value = value * 10 + (np.int64(x) - 48)
                elif c == 4:
                    digits = False
                else:
                    break
                i += 1
            if i - start > _MAX_DIGITS:
                digits = False
            if fields == 0:
                if n_pre and lead[b[start]]:
                    comment = _starts_comment(b, start, i, pre, pre_len)
                    if comment:
                        while i < size and b[i] != 10:
                            i += 1
                        break
                u = value if digits else np.int64(_NO_ID)
            elif fields == 1:
                v = value if digits else np.int64(_NO_ID)
            elif fields == 2:
                w0, w1 = start, i
            if fields < 4:
                fields += 1
        i += 1  # past the newline
        if comment or fields == 0:
            continue
        data += 1
        if skip > 0:
            skip -= 1
            continue
        if (fields < 2 or fields > 3 or (fields_as > 0 and fields != fields_as) or u < 0 or v < 0
                or u > _MAX_NODE_ID or v > _MAX_NODE_ID or (delimited and delims != fields - 1)):
            bad = data - 1
            break
        if weights:
            x = _decimal(b, w0, w1) if fields == 3 else -1.0
            if not 0.0 <= x <= 1.0:  # this line and the rest of the block: numpy's parser
                line -= 1
                data -= 1
                i = line_start
                slow = 1
                break
            w[k] = x
        if ff == 0:
            ff = fields
            fline = first + line - 1
        elif fields != ff:
            uneven = 1
        top = max(top, u, v)
        if u == v:
            loops += 1
            if loop1 == 0:
                loop1 = first + line - 1
        src[k] = u
        dst[k] = v
        k += 1
    acc[_A_LINE], acc[_A_DATA], acc[_A_SKIP], acc[_A_FF], acc[_A_FLINE] = line, data, skip, ff, fline
    acc[_A_UNEVEN], acc[_A_TOP], acc[_A_LOOPS], acc[_A_LOOP1], acc[_A_BAD] = uneven, top, loops, loop1, bad
    acc[_A_ARCS] += k
    acc[_A_SLOW] = slow
    return i, k


_POW10 = np.array([10.0**k for k in range(23)])  # exact doubles


@_jit
def _decimal(b, start, end):
    """The decimal ``b[start:end]`` (digits with at most one point, at least one digit), correctly
    rounded: an integer below 2**53 over an exact power of ten is one IEEE division. -1.0 for any other
    text (the caller's slow path)."""
    mant = np.int64(0)
    digits = 0
    scale = -1  # digits after the point; -1: no point yet
    for j in range(start, end):
        c = np.int64(b[j])
        if c == 46 and scale < 0:
            scale = 0
            continue
        if c < 48 or c > 57:
            return -1.0
        if mant > 0 or c > 48:
            digits += 1
        if digits > 15:
            return -1.0
        mant = mant * 10 + (c - 48)
        if scale >= 0:
            scale += 1
    if end - start == (scale >= 0) or scale > 22:  # no digit at all
        return -1.0
    return np.float64(mant) / _POW10[max(scale, 0)]


@_jit
def _newlines(b):
    k = 0
    for i in range(b.size):
        k += b[i] == 10
    return k


@_jit
def _next_newline(b, i):
    """The index of the first newline of ``b`` from ``i`` on, or -1."""
    for j in range(i, b.size):
        if b[j] == 10:
            return j
    return -1


@_jit
def _last_newline(b):
    """The index of the last newline of ``b``, or -1."""
    for i in range(b.size - 1, -1, -1):
        if b[i] == 10:
            return i
    return -1


def _kinds(delim: int) -> np.ndarray:
    """:func:`_parse`'s byte classes: 0 a digit, 1 whitespace, 2 the delimiter, 3 the newline, 4 another byte."""
    kind = np.full(256, 4, np.uint8)
    kind[48:58] = 0
    kind[list(b" \t\r\v\f")] = 1
    if delim >= 0:
        kind[delim] = 2
    kind[10] = 3
    return kind


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
def _place_grouped(pos, indices, prob, src, dst, w, reverse, shift, tsrc, tdst, tw, starts):
    """:func:`_place`, in two steps for the cache's sake: the arcs are first grouped by their row's range
    of ``2**shift`` rows (stably, into ``tsrc``, ``tdst`` and ``tw``; ``starts`` has one more entry than
    there are ranges), then placed range by range, each writing into one stretch of ``indices`` instead
    of anywhere in it."""
    weighted = prob.size > 0
    starts[:] = 0
    for i in range(src.size):
        a = dst[i] if reverse else src[i]
        if src[i] != dst[i]:
            starts[(a >> shift) + 1] += 1
    for g in range(starts.size - 1):
        starts[g + 1] += starts[g]
    total = starts[starts.size - 1]
    for i in range(src.size):
        a = src[i]
        c = dst[i]
        if a == c:
            continue
        if reverse:
            a, c = c, a
        g = a >> shift
        at = starts[g]
        tsrc[at] = a
        tdst[at] = c
        if weighted:
            tw[at] = w[i]
        starts[g] = at + 1
    for j in range(total):
        a = tsrc[j]
        at = pos[a]
        indices[at] = tdst[j]
        if weighted:
            prob[at] = tw[j]
        pos[a] = at + 1


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


class TextOverLimit(Exception):
    """The file holds more text than the reader's limit (``what``: how read_edgelist words it)."""


class _Blocks:
    """The file's text in blocks of whole lines, with the number of the first line of each."""

    def __init__(self, path: Path, block: int, limit: int | None = None) -> None:
        self.path, self.block, self.limit = path, block, limit

    def __iter__(self) -> Any:
        for first, b in self.views():
            yield first, b.tobytes()

    def views(self) -> Any:
        """The blocks as uint8 arrays: of the memory-mapped file, or of a buffer that the next block
        overwrites (a gzip file)."""
        fh, size = _open_regular(self.path)
        with fh:
            try:
                magic = fh.read(2)
                fh.seek(0)
                if self.limit is not None and magic != _GZIP_MAGIC and size > self.limit:
                    raise TextOverLimit(f"is {size} bytes,")
                if magic != _GZIP_MAGIC and size:
                    # mapped: no copy, and pages are read ahead; the map closes with its last view
                    yield from self._mapped(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
                    return
                stream = gzip.GzipFile(fileobj=fh, mode="rb") if magic == _GZIP_MAGIC else fh
                buf = np.empty(max(self.block, 4), np.uint8)
                first, have, total = 1, 0, 0
                while True:
                    if have == buf.size:  # a line longer than the buffer: read it whole
                        buf = np.concatenate([buf, np.empty(buf.size, np.uint8)])
                    room = buf.size if self.limit is None else min(buf.size, have + self.limit + 1 - total)
                    got = stream.readinto(memoryview(buf)[have:room])
                    total += got
                    if self.limit is not None and total > self.limit:  # stop decompressing a bomb here
                        raise TextOverLimit(f"{'decompresses to' if magic == _GZIP_MAGIC else 'holds'}")
                    if not got:
                        if have:
                            yield first, buf[:have]
                        return
                    have += got
                    cut = _last_newline(buf[:have]) + 1
                    if cut == 0:
                        continue
                    start = 3 if first == 1 and buf[:min(have, 3)].tobytes() == b"\xef\xbb\xbf" else 0  # a UTF-8 BOM
                    yield first, buf[start:cut]
                    first += _newlines(buf[start:cut])
                    buf[: have - cut] = buf[cut:have]
                    have -= cut
            except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                raise InputError(f"{self.path}: not a valid gzip file ({exc})") from None
            except OSError as exc:
                raise InputError(f"{self.path}: cannot read: {exc.strerror or exc}") from None


    def _mapped(self, mm: mmap.mmap) -> Any:
        b = np.frombuffer(mm, np.uint8)
        if hasattr(mmap, "MADV_SEQUENTIAL"):
            mm.madvise(mmap.MADV_SEQUENTIAL)
        first, start, size, done = 1, 0, b.size, 0
        if b[:3].tobytes() == b"\xef\xbb\xbf" and _next_newline(b, 0) >= 0:  # a UTF-8 BOM (kept on a one-line file)
            start = 3
        while start < size:
            end = min(start + self.block, size)
            if end < size:
                cut = _last_newline(b[start:end])
                end = start + cut + 1 if cut >= 0 else _next_newline(b, end) + 1 or size
            yield first, b[start:end]
            first += _newlines(b[start:end])
            start = end
            if hasattr(mmap, "MADV_DONTNEED"):  # the pages read leave this process's memory (not the page cache)
                upto = start // mmap.PAGESIZE * mmap.PAGESIZE
                if upto > done:
                    mm.madvise(mmap.MADV_DONTNEED, done, upto - done)
                    done = upto


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
    graph, loops = stream_edgelist(path, directed=directed, weighted=weighted, delimiter=delimiter, comments=comments,
                                   header=header, name=name, block_bytes=block_bytes)
    if loops:
        warnings.warn(loops, stacklevel=2)
    return save_graph(graph, store, provenance={"source": str(path), "converter": "edgelist_to_store"})


def stream_edgelist(
    path: Path,
    *,
    directed: bool,
    weighted: bool | None,
    delimiter: str | None,
    comments: str | Sequence[str] | None,
    header: bool | None,
    name: str | None = None,
    block_bytes: int = BLOCK_BYTES,
    relabel: bool | str = False,
    max_id: int = _MAX_NODE_ID,
    limit: int | None = None,
) -> tuple[Graph, str | None]:
    """The graph of an edge list of integer ids read in two passes over its text (three undirected), and
    the self-loop warning to give (None if none): :func:`edgelist_to_store`'s reader, and
    :func:`virality.read_edgelist`'s for such files.

    ``relabel="auto"``: an InputError (the caller relabels) where ids are sparse as read_edgelist
    defines it (largest id > 2 * distinct ids + 10, and no ``n m`` header vouches for them). An id above
    ``max_id`` is an InputError before memory is sized by it. ``limit``: the most bytes of text read
    (:class:`TextOverLimit` past it)."""
    auto = relabel == "auto"
    prefixes = _comment_prefixes(comments)
    pre = np.zeros((len(prefixes), max((len(p) for p in prefixes), default=0)), np.uint8)
    for i, p in enumerate(prefixes):
        pre[i, : len(p)] = np.frombuffer(p, np.uint8)
    pre_len = np.array([len(p) for p in prefixes], np.int64)
    lead_bytes = np.zeros(256, np.bool_)
    lead_bytes[[p[0] for p in prefixes]] = True
    blocks = _Blocks(path, int(block_bytes), limit)
    delim = _delimiter_byte(delimiter)

    # ---- pass 1: count each row's arcs and check every line in a kernel; a bad line is worded from the
    # block read again line by line. The first data line (a header?) and the delimiter are read first.
    deg = np.zeros(1024, np.int64)
    seen = np.zeros(1024 if auto else 0, np.uint8)  # the ids named, to count the distinct ones
    src, dst = np.empty(_CHUNK, np.int32), np.empty(_CHUNK, np.int32)
    acc = _acc(1)  # the first data line is read on its own
    kind: Any = None
    head: Any = None  # the first data line: (u, v, fields, its _Lines)
    second: Any = None  # the first arc line after it: (line number, fields)
    uneven: Any = None  # the first block with a later arc line whose field count differs: (first, text, None)
    for first, b in blocks.views():
        if head is None:
            lead = _lead(b, prefixes)
            if lead is None:
                continue  # only blank and comment lines so far
            if delim is None and b"," in lead.rsplit(b"\n", 2)[-2 if lead.endswith(b"\n") else -1]:
                delim = ord(",")  # a CSV file
            hb = _Lines(blocks, first, lead, _d(delim), pre, pre_len)
            head = (int(hb.u[0]), int(hb.v[0]), int(hb.nf[0]), hb)
            kind = _kinds(_d(delim))
        acc[_A_LINE] = acc[_A_DATA] = 0
        i = 0
        while i < b.size:
            i, k = _parse(b, i, first, kind, delim is not None, pre, lead_bytes, pre_len, 3 if weighted is True else 0, src,
                          dst, np.empty(0, np.float32), acc)
            if acc[_A_BAD] >= 0:
                blk = _Lines(blocks, first, b.tobytes(), _d(delim), pre, pre_len)
                _check(blk, acc[_A_BAD:_A_BAD + 1], weighted, delim)
                raise InputError(f"{path}: line {blk.first + int(blk.line[acc[_A_BAD]]) - 1} breaks a rule")  # pragma: no cover
            if acc[_A_TOP] > max_id:
                raise InputError(f"{path}: node ids above {max_id}")
            deg = _grown(deg, int(acc[_A_TOP]) + 1)
            seen = _grown(seen, int(acc[_A_TOP]) + 1) if auto else seen
            _count(deg, seen, src[:k], dst[:k], directed)
        if second is None and acc[_A_FF]:
            second = (int(acc[_A_FLINE]), int(acc[_A_FF]))
        if uneven is None and acc[_A_UNEVEN]:
            uneven = (first, b.tobytes(), None)
    lines, top, loops = int(acc[_A_ARCS]), int(acc[_A_TOP]), int(acc[_A_LOOPS])
    first_loop = int(acc[_A_LOOP1]) or None
    if head is None:
        raise InputError(f"{path}: no arcs found; expected lines 'u v' or 'u v weight'")
    hu, hv, hf, hblk = head
    # ---- the first line: an "n m" header, column names, or an arc
    if hblk.bad_delim[0]:
        raise hblk.error(0, f"fields separated by a single {chr(delim)!r}")
    n_header = None
    skip_first = names = False
    if header is not False and hf == 2 and hu >= 0 and hv >= 0:
        if header is True and hv != lines:
            raise InputError(f"{path}:{hblk.first + int(hblk.line[0]) - 1}: header says m={hv} arcs but {lines} "
                             "arc lines follow")
        if header is True or (hv == lines and top < hu):
            n_header, skip_first = hu, True
    else:
        fields = [x.strip() for x in _text(hblk, 0).split(None if delim is None else bytes([delim]))]
        # column names: no field a number, the id fields words such as "source" (read_edgelist's test)
        skip_first = names = header is True or (header is None and (hu < 0 or hv < 0) and hf >= 2 and all(
            _is_column_name(x) for x in fields[:2]) and not any(_is_number(x) for x in fields[:4]))
    if skip_first and second is None:
        raise InputError(f"{path}: no arcs found after the header on line {hblk.first + int(hblk.line[0]) - 1}")
    if names and hf != second[1]:
        raise hblk.error(0, f"a header line with a column name for each of the {second[1]} fields of line {second[0]}")
    if not skip_first:
        _check(hblk, np.zeros(1, np.int64), weighted, delim)
        lines += 1
        top = max(top, hu, hv)
        if top > max_id:
            raise InputError(f"{path}: node ids above {max_id}")
        deg = _grown(deg, top + 1)
        seen = _grown(seen, top + 1) if auto else seen
        _count(deg, seen, hblk.u[:1], hblk.v[:1], directed)
        if hu == hv:
            loops += 1
            first_loop = hblk.first + int(hblk.line[0]) - 1
        if second is not None and second[1] != hf:
            uneven = "second"  # the first arc line after the first already differs
    arc_line, arc_fields = second if skip_first else (hblk.first + int(hblk.line[0]) - 1, hf)
    use_w = weighted is True or (weighted is None and arc_fields == 3)
    if weighted is None and uneven is not None:
        form = "'u v weight'" if use_w else "'u v'"
        if uneven == "second":
            # the block holding that line: its last line is f + the newlines before its end
            uneven = next((f, d, 0) for f, d in blocks if f + d.count(b"\n", 0, len(d) - 1) >= second[0])
        f, d, _ = uneven
        blk = _Lines(blocks, f, d, _d(delim), pre, pre_len)  # the first block with such a line
        bad = next(j for j in range(blk.line.size) if blk.first + int(blk.line[j]) - 1 > arc_line
                   and int(blk.nf[j]) != arc_fields)
        raise blk.error(bad, f"{form} like line {arc_line} (pass weighted=False to ignore a third column)")
    if n_header is not None and n_header > max_id + 1:
        raise InputError(f"{path}:{hblk.first + int(hblk.line[0]) - 1}: header says n={n_header} nodes, more than "
                         f"the {max_id + 1} node ids can number")
    if n_header is not None and top >= n_header:
        raise _id_beyond(blocks, n_header, delim, pre, pre_len)
    if auto and n_header is None and top > 2 * int(np.count_nonzero(seen)) + 10:
        raise InputError(f"{path}: sparse node ids (the largest, {top}, is over twice the distinct ids): relabel")
    del seen
    n = n_header if n_header is not None else top + 1
    loop_warning = None if first_loop is None else f"{path}: dropped {loops} self-loop(s), the first on line {first_loop}"
    deg = _grown(deg, n)[:n]
    m = int(deg.sum())
    # row u's cursor is ptr[u + 1], starting at the row's first slot: once every arc is placed it is where
    # the row ends, so ptr[:n + 1] is indptr (no second array of cursors)
    ptr = np.zeros(n + 2, _ptr_dtype(m))
    np.cumsum(deg, out=ptr[2:], dtype=ptr.dtype)
    del deg
    indices = np.empty(m, np.int32)
    prob = np.empty(m if use_w else 0, np.float32)
    pos = ptr[1:]
    # ---- pass 2 (and 3: reverse arcs, after all forward ones, as Graph.from_edges orders them)
    shift = max(0, (n - 1).bit_length() - 10)  # some 1,000 ranges of rows
    tsrc, tdst, starts = np.empty_like(src), np.empty_like(dst), np.empty((n >> shift) + 2, np.int64)
    w, tw = (np.empty(_CHUNK, np.float32), np.empty(_CHUNK, np.float32)) if use_w else (prob, prob)
    for reverse in ((False,) if directed else (False, True)):
        acc = _acc(int(skip_first))
        for first, b in blocks.views():
            acc[_A_LINE] = 0
            i = 0
            while i < b.size:
                i, k = _parse(b, i, first, kind, delim is not None, pre, lead_bytes, pre_len, 0, src, dst, w, acc)
                if acc[_A_BAD] >= 0 or acc[_A_ARCS] > lines:  # the file changed since the first pass
                    raise InputError(f"{path}: changed while being converted")
                _place_grouped(pos, indices, prob, src[:k], dst[:k], w[:k], reverse, shift, tsrc, tdst, tw, starts)
                if acc[_A_SLOW]:  # a weight the kernel does not parse: numpy's parser for the rest of the block
                    blk = _Lines(blocks, first + int(acc[_A_LINE]), b[i:].tobytes(), _d(delim), pre, pre_len)
                    rows = np.arange(blk.line.size)
                    _place(pos, indices, prob, blk.u, blk.v, blk.weights(rows) if rows.size else np.zeros(0), reverse)
                    acc[_A_ARCS] += rows.size
                    break
    del pos
    indptr = ptr[: n + 1]
    if use_w:
        _sort_rows_with(indptr, indices, prob)
    else:
        _sort_rows(indptr, indices)
    graph = Graph(indptr=compact_indptr(indptr), indices=indices, prob=prob if use_w else None,
                  name=name if name is not None else _default_name(path))
    return graph, loop_warning


def _d(delim: int | None) -> int:
    return -1 if delim is None else delim


_LEAD = {}


def _lead(data: bytes | np.ndarray, prefixes: tuple[bytes, ...]) -> bytes | None:
    """``data`` up to the end of its first data line (neither blank nor a comment), or None."""
    if prefixes not in _LEAD:
        skip = b"(?!" + b"|".join(re.escape(p) for p in prefixes) + b")" if prefixes else b""
        _LEAD[prefixes] = re.compile(rb"^[ \t\v\f\r]*" + skip + rb"[^\s][^\n]*\n?", re.MULTILINE)
    found = _LEAD[prefixes].search(data)
    return bytes(memoryview(data)[: found.end()]) if found else None


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


def _id_beyond(blocks: _Blocks, n: int, delim: int | None, pre: np.ndarray, pre_len: np.ndarray) -> InputError:
    """The error for the first arc line, after the ``n m`` header line, with an id ``>= n``."""
    skip = 1  # the header line
    for first, data in blocks:
        blk = _Lines(blocks, first, data, _d(delim), pre, pre_len)
        hit = np.flatnonzero((blk.u >= n) | (blk.v >= n))
        hit = hit[hit >= skip]
        if hit.size:
            return blk.error(int(hit[0]), f"node ids below the header's n={n}")
        skip = max(0, skip - blk.u.size)
    return InputError(f"{blocks.path}: node ids below the header's n={n}")  # pragma: no cover (the file changed)


def _grown(deg: np.ndarray, size: int) -> np.ndarray:
    """``deg`` with room for ``size`` entries (doubling, zero-filled)."""
    if size <= deg.size:
        return deg
    grown = np.zeros(max(size, 2 * deg.size), deg.dtype)
    grown[: deg.size] = deg
    return grown


@_jit
def _count(deg, seen, u, v, directed):
    """Count each arc in its source's row (and, undirected, its target's); self-loops are not arcs. Mark
    both ends in ``seen`` unless it is empty."""
    for i in range(u.size):
        if seen.size:
            seen[u[i]] = 1
            seen[v[i]] = 1
        if u[i] != v[i]:
            deg[u[i]] += 1
            if not directed:
                deg[v[i]] += 1
