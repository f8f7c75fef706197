"""Reading and writing graphs as edge lists, community labels, and the bundled data sets.

Edge lists are text files with one arc ``u v`` or ``u v weight`` per line, as distributed by SNAP,
KONECT and the influence-maximization literature. The reader copes with what such files contain in
practice: ``#``/``%`` comments, blank lines, Windows (``\\r\\n``) and even ``\\r\\r\\n`` line endings,
gzip compression, comma-separated columns, an ``n m`` header line or a line of column names
(``source,target``), string or sparse node ids.

Reading is bounded: only regular files are opened (a FIFO, directory or device is refused before
``open``), text beyond :data:`MAX_DECOMPRESSED_BYTES` (a plain file's size, or what a gzip file
decompresses to, checked while decompressing) is refused, and an ``n m`` header may not claim more
nodes than int32 ids number or physical memory holds.

A file of non-negative integer ids is read in two streaming passes over its text
(:func:`virality.convert.stream_edgelist`: a numba kernel counts each node's arcs, then places every arc
in the final arrays), in about the memory of the final graph. Other files (string or sparse ids to
relabel, ``parallel="merge"``, a line that is not a plain arc) are read whole: parsing is vectorised
over the raw bytes with numpy, about 16 bytes of memory per byte of text, and per-line Python only runs
to point at the exact line of an error.

Every problem with a file raises :class:`~virality.errors.InputError` with ``path:line: what was
expected, what was found``.
"""

from __future__ import annotations

import gzip
import os
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

import numpy as np

from ._headers import (
    _MAX_NODE_ID, _column_names, _comment_prefixes, _default_name, _delimiter_byte, _is_column_name, _is_number,
    _label_kinds,
)
from .errors import InputError
from .files import _GZIP_MAGIC, _open_regular, atomic_write
from .convert import TextOverLimit, stream_edgelist
from .graph import Graph

__all__ = ["read_communities", "read_edgelist", "read_labels", "write_edgelist"]

PathLike = str | os.PathLike


_WHITESPACE = b" \t\r\n\v\f"
# longest digit string that surely fits int64
_MAX_DIGITS = 18
# bytes of memory per node that a graph and a simulation on it keep (indptr, degrees, states, ...):
# an "n m" header may not promise more nodes than physical memory holds at this rate
_BYTES_PER_NODE = 64
# the readers need about 16 bytes of working memory per byte of text (measured on integer edge lists)
_WORK_BYTES_PER_TEXT_BYTE = 16
# longest excerpt of a line quoted in an error message
_MAX_QUOTE = 200


def _physical_memory() -> int | None:
    """Bytes of physical memory, or None where the system does not say."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * size if pages > 0 and size > 0 else None


_PHYSICAL_MEMORY = _physical_memory()

#: Largest text the readers accept, in bytes: the size of a plain file, or what a gzip file decompresses
#: to (decompression stops there). The default is 1/16 of physical memory (4 GiB where the system does
#: not say), because parsing needs about 16 bytes of working memory per byte of text; larger input is
#: an :class:`~virality.errors.InputError` instead of a ``MemoryError`` or a machine driven into swap.
#: Assign a new value to ``virality.io.MAX_DECOMPRESSED_BYTES`` to change it.
MAX_DECOMPRESSED_BYTES: int = (
    _PHYSICAL_MEMORY // _WORK_BYTES_PER_TEXT_BYTE if _PHYSICAL_MEMORY else 4 << 30
)


def _node_limit() -> tuple[int, str]:
    """The most nodes a graph read from a file may have, and why."""
    limit, why = _MAX_NODE_ID + 1, "node ids are 32-bit integers"
    if _PHYSICAL_MEMORY and _PHYSICAL_MEMORY // _BYTES_PER_NODE < limit:
        limit = _PHYSICAL_MEMORY // _BYTES_PER_NODE
        why = f"at {_BYTES_PER_NODE} bytes per node, this machine's {_size(_PHYSICAL_MEMORY)} of memory"
    return limit, why


def _size(nbytes: int) -> str:
    """A byte count for people: "1.5 GiB"."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if nbytes >= 1 << shift:
            return f"{nbytes / (1 << shift):.1f} {unit}"
    return f"{nbytes} bytes"


def _too_big(path: Path, what: str) -> InputError:
    limit = MAX_DECOMPRESSED_BYTES
    return InputError(
        f"{path}: {what} more than the limit of {limit} bytes ({_size(limit)}) of text a file may hold; "
        "raise virality.io.MAX_DECOMPRESSED_BYTES to read it"
    )


def _read_capped(path: Path, stream: Any, what: str, first: int = 1 << 24) -> bytes:
    """All of ``stream``, in chunks (the first of ``first`` bytes, the rest of 16 MiB), stopping with an
    InputError past MAX_DECOMPRESSED_BYTES. ``stream.read(k)`` must return fewer than ``k`` bytes only
    at the end, as buffered files and GzipFile do."""
    limit = MAX_DECOMPRESSED_BYTES
    chunks: list[bytes] = []
    total = 0
    while True:
        want = min(first if not chunks else 1 << 24, limit + 1 - total)
        chunk = stream.read(want)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            chunks.clear()
            raise _too_big(path, what)
        if len(chunk) < want:
            return b"".join(chunks)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by suffix or magic bytes), within the size limit."""
    fh, size = _open_regular(path)
    with fh:
        try:
            magic = fh.read(2)
            fh.seek(0)
            if magic == _GZIP_MAGIC or path.suffix.lower() == ".gz":
                try:
                    with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                        data = _read_capped(path, gz, "decompresses to")
                except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                    raise InputError(f"{path}: not a valid gzip file ({exc})") from None
            else:
                if size > MAX_DECOMPRESSED_BYTES:
                    raise _too_big(path, f"is {size} bytes,")
                data = _read_capped(path, fh, "holds", first=size + 1)  # all at once unless it grows
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):  # UTF-8 byte-order mark written by some Windows tools
        data = data[3:]
    if b"\n" not in data and b"\r" in data:  # classic Mac line endings
        data = data.replace(b"\r", b"\n")
    return data


def _first_data_line(data: bytes, prefixes: tuple[bytes, ...]) -> bytes:
    """The first line that is neither blank nor a comment (b"" if none); used to sniff the delimiter.

    A regular expression finds it, so a file that starts with millions of comment lines costs no
    Python loop over them."""
    skip = b"(?!" + b"|".join(re.escape(p) for p in prefixes) + b")" if prefixes else b""
    found = re.search(rb"^[ \t\v\f\r]*" + skip + rb"[^\s][^\n]*", data, re.MULTILINE)
    return found.group(0).strip() if found else b""


@dataclass
class _Tokens:
    """Fields of the data lines of a text file, as byte offsets into ``data``.

    ``starts``/``ends`` delimit each field; data line ``i`` holds fields
    ``first[i] .. first[i] + lens[i] - 1`` and is line ``lineno[i]`` (1-based) of the file.
    """

    path: Path
    data: bytes
    b: np.ndarray
    newlines: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    first: np.ndarray
    lens: np.ndarray
    lineno: np.ndarray

    @property
    def n_lines(self) -> int:
        return int(self.first.size)

    def field(self, line: int, col: int) -> bytes:
        """Raw bytes of field ``col`` of data line ``line``."""
        k = self.first[line] + col
        return self.data[self.starts[k] : self.ends[k]]

    def text(self, lineno: int) -> str:
        """Line ``lineno`` (1-based) of the file, for error messages."""
        nl = self.newlines
        start = 0 if lineno == 1 else int(nl[lineno - 2]) + 1
        end = int(nl[lineno - 1]) if lineno - 1 < nl.size else len(self.data)
        cut = end - start > _MAX_QUOTE  # a line can be the whole file: quote its start only
        text = self.data[start : min(end, start + _MAX_QUOTE)].decode("utf-8", "replace").rstrip("\r")
        return text + "..." if cut else text

    def error(self, line: int, expected: str) -> InputError:
        """An InputError for data line ``line`` (0-based index), quoting it."""
        lineno = int(self.lineno[line])
        return InputError(f"{self.path}:{lineno}: expected {expected}, got {self.text(lineno)!r}")


def _tokenize(path: Path, data: bytes, delim: int | None, prefixes: tuple[bytes, ...]) -> _Tokens:
    """Split ``data`` into fields per line, dropping blank and comment lines, without a Python loop."""
    b = np.frombuffer(data, dtype=np.uint8)
    is_sep = np.zeros(256, dtype=bool)
    is_sep[list(_WHITESPACE)] = True  # \r counts as whitespace: handles \r\n and \r\r\n alike
    if delim is not None:
        is_sep[delim] = True
    sep = is_sep[b]
    field = ~sep
    starts = np.flatnonzero(field & np.concatenate(([True], sep[:-1])))
    ends = np.flatnonzero(field & np.concatenate((sep[1:], [True]))) + 1
    newlines = np.flatnonzero(b == 10)
    line_of = np.searchsorted(newlines, starts)  # 0-based line of each field
    is_first = np.ones(starts.size, dtype=bool)
    is_first[1:] = line_of[1:] != line_of[:-1]

    if prefixes and starts.size:
        # a line is a comment when its first field starts with a comment prefix
        fs, fe = starts[is_first], ends[is_first]
        comment = np.zeros(fs.size, dtype=bool)
        for p in prefixes:
            match = (fe - fs) >= len(p)
            for j, byte in enumerate(p):
                match &= b[np.minimum(fs + j, b.size - 1)] == byte
            comment |= match
        if comment.any():
            line_index = np.cumsum(is_first) - 1  # which line (among lines with fields) each field is on
            keep = ~comment[line_index]
            starts, ends, line_of, is_first = starts[keep], ends[keep], line_of[keep], is_first[keep]

    first = np.flatnonzero(is_first)
    lens = np.diff(np.append(first, starts.size))
    tokens = _Tokens(path, data, b, newlines, starts, ends, first, lens, line_of[first] + 1)

    if delim is not None and first.size:
        # with an explicit delimiter, a line of k fields must hold exactly k - 1 of them: this catches
        # empty fields ("1,,2", "1,2,") and fields with spaces inside, which whitespace would split
        dline = np.searchsorted(newlines, np.flatnonzero(b == delim))
        per_line = np.bincount(dline, minlength=newlines.size + 1)
        bad = np.flatnonzero(per_line[tokens.lineno - 1] != lens - 1)
        if bad.size:
            raise tokens.error(int(bad[0]), f"fields separated by a single {chr(delim)!r}")
    return tokens


def _tokens_from_file(path: Path, delimiter: str | None, comments: str | Sequence[str] | None) -> _Tokens:
    prefixes = _comment_prefixes(comments)
    delim = _delimiter_byte(delimiter)
    data = _read_bytes(path)
    if delimiter is None and b"," in _first_data_line(data, prefixes):
        delim = ord(",")  # a CSV file
    return _tokenize(path, data, delim, prefixes)


# ---------------------------------------------------------------------------------------------- fields
def _parse_digits(b: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parse fields made of ASCII digits as int64, vectorised.

    Returns ``(values, ok)``; ``ok[i]`` is False where field ``i`` is not a plain digit string that
    fits (its value is then meaningless).
    """
    lens = ends - starts
    width = int(lens.max(initial=0))
    values = np.zeros(starts.size, dtype=np.int64)
    ok = lens <= _MAX_DIGITS
    width = min(width, _MAX_DIGITS)
    # Horner's rule over right-aligned fields: position j of a field of length L is digit j - (width - L)
    for j in range(width):
        idx = ends - width + j
        valid = idx >= starts
        d = b[np.where(valid, idx, starts)].astype(np.int64) - 48
        ok &= ~valid | ((d >= 0) & (d <= 9))
        values = values * 10 + np.where(valid, d, 0)
    return values, ok


def _parse_floats(tokens: _Tokens, rows: np.ndarray, col: int, what: str) -> np.ndarray:
    """Parse field ``col`` of data lines ``rows`` as float64, pointing at the first bad line on failure."""
    k = tokens.first[rows] + col
    starts, ends = tokens.starts[k], tokens.ends[k]
    # blank out everything but these fields and let numpy's C parser read what is left
    inside = np.zeros(tokens.b.size + 1, dtype=np.int8)
    inside[starts] = 1  # fields are disjoint and separated, so no index repeats
    inside[ends] = -1
    buf = np.where(np.cumsum(inside[:-1], dtype=np.int8) > 0, tokens.b, np.uint8(32))
    values = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy < 2.3 only warns on unparsable data
        try:
            values = np.fromstring(buf.tobytes(), dtype=np.float64, sep=" ")
        except (ValueError, DeprecationWarning):
            pass
    if values is not None and values.size == rows.size:
        return values
    for row in rows.tolist():  # slow path, only to find the culprit
        if not _is_number(tokens.field(row, col)):
            raise tokens.error(row, what)
    raise InputError(f"{tokens.path}: could not parse the {what} column")  # pragma: no cover


def _as_signed_ints(fields: list[bytes]) -> np.ndarray | None:
    """The fields as int64 if every one is an integer (sign allowed), else None."""
    # a fixed-width array is as wide as the longest field: one huge field must not blow it up
    if max(map(len, fields), default=0) > 20:
        return None
    try:
        return np.array(fields, dtype=np.bytes_).astype(np.int64)
    except (ValueError, OverflowError):
        return None


def _relabel_strings(
    tokens: _Tokens, fields: list[bytes], line_of: Callable[[int], int]
) -> tuple[np.ndarray, np.ndarray]:
    """Map string ids to ``0 .. k-1`` in sorted order; returns ``(codes, labels)``.

    ``line_of(i)`` is the data line of ``fields[i]``, for the error when the labels would not fit:
    a numpy string array is as wide as its longest string, so one huge id among many would need
    (distinct ids) x (longest id) x 4 bytes.
    """
    index: dict[bytes, int] = {}
    codes = np.fromiter((index.setdefault(f, len(index)) for f in fields), dtype=np.int64, count=len(fields))
    seen = list(index)
    longest = max(range(len(seen)), key=lambda i: len(seen[i]), default=0)
    need = len(seen) * (len(seen[longest]) if seen else 0) * 4
    if need > MAX_DECOMPRESSED_BYTES:
        where = fields.index(seen[longest])
        raise tokens.error(
            line_of(where),
            f"shorter ids: {len(seen)} distinct ids as long as the {len(seen[longest])}-byte one on this "
            f"line would need {_size(need)} of labels, more than the limit of {_size(MAX_DECOMPRESSED_BYTES)} "
            "(virality.io.MAX_DECOMPRESSED_BYTES)",
        )
    names = [f.decode("utf-8", "surrogateescape") for f in seen]
    order = sorted(range(len(names)), key=names.__getitem__)  # code point order, as numpy sorts str
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    labels = np.array([names[i] for i in order], dtype=str)
    return rank[codes], labels


class _Ids:
    """The node ids of data lines ``start ..`` of an edge list, when some id is not a plain digit string.

    ``fields`` are the raw ids interleaved ``u0, v0, u1, v1, ...``; ``labels`` the distinct ids in sorted
    order (int64 when all are integers, else str) and ``codes`` the index of each field among them,
    both computed when first used.
    """

    def __init__(self, tokens: _Tokens, start: int, fields: list[bytes]):
        self.tokens, self.start, self.fields = tokens, start, fields
        self._table: tuple[np.ndarray, np.ndarray] | None = None

    def _compute(self) -> tuple[np.ndarray, np.ndarray]:
        if self._table is None:
            signed = _as_signed_ints(self.fields)
            if signed is not None:
                labels, codes = np.unique(signed, return_inverse=True)
                self._table = codes.reshape(-1), labels
            else:
                start = self.start
                self._table = _relabel_strings(self.tokens, self.fields, lambda i: start + i // 2)
        return self._table

    @property
    def codes(self) -> np.ndarray:
        return self._compute()[0]

    @property
    def labels(self) -> np.ndarray:
        return self._compute()[1]

    @property
    def u(self) -> np.ndarray:
        return self.codes[0::2]

    @property
    def v(self) -> np.ndarray:
        return self.codes[1::2]

    def code(self, field: bytes) -> int:
        """Index of a raw id among ``labels``; -1 when no line names it."""
        if self.labels.dtype.kind in "iu":
            try:
                key: Any = int(field)
            except ValueError:
                return -1
        else:
            key = field.decode("utf-8", "surrogateescape")
        hit = np.flatnonzero(self.labels == key)
        return int(hit[0]) if hit.size else -1

    def with_first_line(self) -> _Ids:
        """The ids of data lines ``0 ..``, these being those of lines ``1 ..`` (string ids), without
        relabelling everything again: the first line's ids are merged into ``labels``."""
        tokens = self.tokens
        head = [tokens.field(0, 0), tokens.field(0, 1)]
        ids = _Ids(tokens, 0, head + self.fields)
        codes, labels = self.codes, self.labels
        if labels.dtype.kind != "U":
            return ids  # not reached: integer ids after a first line of words make it a header
        keys = [f.decode("utf-8", "surrogateescape") for f in head]
        new = sorted({k for k in keys if not np.any(labels == k)})
        if new:
            width = max(labels.itemsize // 4, *map(len, new))
            pos = np.searchsorted(labels, new)
            shift = np.searchsorted(pos, np.arange(labels.size), side="right")
            labels = np.insert(labels.astype(f"U{width}"), pos, new)
            codes = codes + shift[codes]
        first = np.searchsorted(labels, keys)
        ids._table = np.concatenate((first, codes)), labels
        return ids


# ---------------------------------------------------------------------------------------------- read
def read_edgelist(
    path: PathLike,
    *,
    directed: bool = True,
    weighted: bool | None = None,
    delimiter: str | None = None,
    comments: str | Sequence[str] | None = ("#", "%"),
    header: bool | None | Literal["auto"] = None,
    parallel: Literal["keep", "merge"] = "keep",
    relabel: bool | Literal["auto"] = "auto",
    name: str | None = None,
) -> Graph:
    """Read a graph from an edge-list file: one arc ``u v`` or ``u v weight`` per line.

    Parameters
    ----------
    path : str or path-like
        The file; gzip-compressed when it ends in ``.gz`` or starts with the gzip magic bytes. It must be
        a regular file (not a directory, pipe or device), and its text, decompressed, at most
        ``virality.io.MAX_DECOMPRESSED_BYTES`` (default 1/16 of physical memory).
    directed : bool
        True: each line is an arc ``u -> v`` (``v`` sees what ``u`` shares). False: each line is a
        friendship, stored as both arcs.
    weighted : bool or None
        The optional third column, a transmission probability in [0, 1] stored in ``Graph.prob``.
        None: use it when every data line has three fields. True: require it. False: ignore it
        (for example a timestamp).
    delimiter : str or None
        None: fields are separated by any whitespace, or by commas when the first data line has one.
        A single character (e.g. ``","`` or ``";"``): fields are separated by it, with whitespace
        around fields ignored. Ids cannot contain whitespace or the delimiter.
    comments : str, sequence of str, or None
        Lines whose first field starts with one of these are skipped; blank lines always are.
    header : bool or None
        Whether the first data line is a header: an ``n m`` line (two integers: node and arc counts,
        as in NetHEPT) or a line of column names (``source,target``, ``Id Label``...).

        None (default; ``"auto"`` means the same) detects it:

        - ``n m``: the first data line is two non-negative integers, exactly ``m`` data lines follow,
          and no integer id that follows is ``>= n`` (nor more distinct named ids than ``n``).
          Otherwise it is an arc.
        - Column names: no field of the first data line is a number, and either most later lines
          have integer ids and the others are words (the first line's words cannot be such ids), or
          both of its id fields are column names that no later line uses as a node id. A column
          name is one of the words ``source target src dst dest destination from to node(s)
          vertex vertices id(s) key index idx u v head tail in out edge arc link start end begin
          origin name user(s) follower followee friend sender receiver author citing cited label(s)
          community communities group class cluster department dept category module partition
          block team weight(s) prob probability value time timestamp ts sign type``, or two of
          them (not ``u``, ``v``) perhaps followed by ``id ids name index idx no num number``;
          case-insensitive, with ``_ - .`` and spaces ignored: ``Source``, ``FromNodeId``,
          ``source_id``. So ``source,target`` above ``alice,bob`` lines is a header, while
          ``alice bob`` above ``bob carol`` is an arc.
        - A first line of words with a different number of fields than the lines after it is an
          error naming line 1, whether or not it looks like column names: a header has one name per
          column, an arc as many fields as the others.
        - A later line that looks like a header is an error naming it: two column names that no
          other line uses as node ids, the skipped first line again (concatenated files), or two
          words in a file where most lines have integer ids and the others are words. A file of
          one line of column names is an error: no arcs follow the header.

        True: the first data line is a header: ``n m`` (checked against the file) when it is two
        non-negative integers, else column names (one per field of the data lines). False: every
        data line is an arc, and no line is checked for looking like a header.
        An ``n m`` header may not claim more nodes than node ids can number (``2**31 - 1``) or than
        physical memory holds at 64 bytes per node; that is an error naming line 1 and the limit.
    parallel : {"keep", "merge"}
        Repeated arcs ``u -> v``. ``"keep"`` (default) keeps each as an independent arc, the
        multigraph semantics that NetHEPT's probabilities assume. ``"merge"`` keeps one arc with
        probability ``1 - prod(1 - p_i)``. With ``directed=False`` a pair listed as both ``u v`` and
        ``v u`` also gives parallel arcs.
    relabel : "auto", True or False
        How file ids become node indices ``0 .. n-1``. ``"auto"``: non-negative integer ids are kept
        as node indices, unless they are sparse (largest id ``> 2 * distinct ids + 10`` and no header
        vouches for them); other ids (strings, negative numbers) are relabelled. Relabelled nodes are
        numbered in sorted order of their ids (numeric order for integers), which makes
        ``read_edgelist(write_edgelist(g))`` reproduce ``g`` exactly, and the original ids are kept
        in ``Graph.labels``. True: always relabel. False: never (ids must be non-negative integers).
    name : str, optional
        The graph's name; default the file name without ``.gz`` and one more extension.

    Returns
    -------
    Graph
        With ``n`` = the header's ``n``, else largest id + 1 (ids kept) or the number of distinct ids
        (relabelled). Self-loops are dropped with a warning naming the file.

    Notes
    -----
    Memory: a file whose ids are kept (non-negative integers, not sparse) with ``parallel="keep"`` is
    read in two streaming passes, in about the memory of the final graph (10^7 arcs: see
    ``benchmarks/results/scale.md``); any other file is read whole, at about 16 bytes per byte of text.
    Both give the same graph, warnings and errors.

    Raises
    ------
    InputError
        Missing, unreadable or not a regular file, text over the size limit, no arcs, a malformed
        line, a weight outside [0, 1], a header that does not match the file or exceeds the node
        limit, a header-like line after the first; the message names the file and line.

    Examples
    --------
    >>> import warnings
    >>> from virality.datasets import dataset_path
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # NetHEPT has 39 self-loops
    ...     g = read_edgelist(dataset_path("nethept"))
    >>> g.n, g.m, g.prob is not None
    (15233, 58852, True)
    """
    return _read_edgelist(
        Path(path), directed=directed, weighted=weighted, delimiter=delimiter, comments=comments,
        header=header, parallel=parallel, relabel=relabel, name=name, warn_loops=True,
    )


def _check_choice(what: str, value: Any, allowed: tuple) -> None:
    if not any(value is a or (isinstance(a, str) and value == a) for a in allowed):
        raise InputError(f"{what} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def _read_edgelist(
    path: Path,
    *,
    directed: bool,
    weighted: bool | None,
    delimiter: str | None,
    comments: str | Sequence[str] | None,
    header: bool | str | None,
    parallel: str,
    relabel: bool | str,
    name: str | None,
    warn_loops: bool,
    stream: bool = True,
) -> Graph:
    """``stream=False``: always the in-memory reader (the tests' reference for the streaming one)."""
    _check_choice("weighted", weighted, (None, True, False))
    _check_choice("header", header, (None, "auto", True, False))
    _check_choice("parallel", parallel, ("keep", "merge"))
    _check_choice("relabel", relabel, ("auto", True, False))
    header = None if header == "auto" else header
    if stream and parallel == "keep" and relabel is not True:
        read = _streamed(path, directed=directed, weighted=weighted, delimiter=delimiter, comments=comments,
                         header=header, relabel=relabel, name=_name(name, path))
        if read is not None:
            graph, loops = read
            if loops and warn_loops:
                warnings.warn(loops, stacklevel=3)
            return graph
    tokens = _tokens_from_file(path, delimiter, comments)
    if tokens.n_lines == 0:
        raise InputError(f"{path}: no arcs found; expected lines 'u v' or 'u v weight'")

    n_header = None
    if header is not False and tokens.lens[0] == 2 and all(tokens.field(0, c).isdigit() for c in (0, 1)):
        # Maybe an "n m" header. A guess that the rest of the file contradicts falls back to an arc.
        m_header = _count(tokens.field(0, 1))
        if header is True and m_header != tokens.n_lines - 1:
            raise InputError(
                f"{path}:{tokens.lineno[0]}: header says m={_shown(tokens.field(0, 1))} arcs but "
                f"{tokens.n_lines - 1} arc lines follow"
            )
        attempts = ["nm"] if header is True or m_header == tokens.n_lines - 1 else []
        attempts += [] if header is True else ["none"]
        for attempt in attempts:
            start = 0 if attempt == "none" else 1
            body = _arcs(tokens, start, weighted)
            if body is None:  # an explicit "n 0" header: a graph without arcs
                n = _header_n(tokens)
                return Graph.from_edges([], [], n=n, name=_name(name, path))
            src, dst, ints, ids = body
            if attempt == "nm" and header is None:
                n_claimed = _count(tokens.field(0, 0))
                if ints is not None and ints.max(initial=-1) >= n_claimed:
                    continue  # an id beyond n: the first line was an arc
                if ids is not None and ids.labels.size > n_claimed:
                    continue  # more named nodes than n: likewise
            if attempt == "nm":
                n_header = _header_n(tokens)
            break
    else:
        start, body = _first_line(tokens, header, weighted)
        src, dst, ints, ids = body

    if ids is not None and header is not False:
        _check_data_lines(tokens, start, ids)
    prob = _weights(tokens, start, weighted)
    src, dst, n, labels = _node_ids(tokens, start, src, dst, ids, ints, n_header, relabel)
    loops = src == dst
    if loops.any():
        if warn_loops:
            first = int(tokens.lineno[start + int(np.argmax(loops))])
            warnings.warn(
                f"{path}: dropped {int(loops.sum())} self-loop(s), the first on line {first}", stacklevel=3
            )
        keep = ~loops
        src, dst = src[keep], dst[keep]
        prob = None if prob is None else prob[keep]
    return Graph.from_edges(
        src, dst, n=n, prob=prob, undirected=not directed, parallel=parallel, labels=labels,
        name=_name(name, path),
    )


def _streamed(path: Path, *, relabel: bool | str, **options: Any) -> tuple[Graph, str | None] | None:
    """The graph and its self-loop warning, read in two streaming passes (memory near the final graph's:
    :func:`virality.convert.stream_edgelist`); None where the in-memory reader must read the file: ids
    to relabel, or a line that is not a plain arc, which that reader reads or words the error for."""
    try:
        fh, size = _open_regular(path)
        with fh:
            gz = fh.read(2) == _GZIP_MAGIC
        if path.suffix.lower() == ".gz" and not gz:
            return None  # not gzip, though it says so: that reader words the error
        max_id = _node_limit()[0] - 1
        if relabel == "auto":  # a file of b bytes names at most b / 2 ids: an id beyond b + 11 is sparse
            max_id = min(max_id, MAX_DECOMPRESSED_BYTES if gz else size, MAX_DECOMPRESSED_BYTES) + 11
        return stream_edgelist(path, relabel=relabel, max_id=max_id, limit=MAX_DECOMPRESSED_BYTES, **options)
    except TextOverLimit as exc:
        raise _too_big(path, str(exc)) from None
    except (InputError, OSError):
        return None


def _header_n(tokens: _Tokens) -> int:
    """The ``n`` of an ``n m`` header line, within :func:`_node_limit`."""
    n = _count(tokens.field(0, 0))
    limit, why = _node_limit()
    if n > limit:
        raise InputError(
            f"{tokens.path}:{tokens.lineno[0]}: header says n={_shown(tokens.field(0, 0))} nodes, more than "
            f"the limit of {limit} ({why}); pass header=False if this line is an arc"
        )
    return n


def _count(field: bytes) -> int:
    """A count of an ``n m`` header (plain digits); past 18 digits, 10**18, more than anything can be."""
    return int(field) if len(field) <= _MAX_DIGITS else 10**_MAX_DIGITS


def _shown(field: bytes) -> str:
    """A field for a message, its start only when it is long."""
    text = field.decode("utf-8", "replace")
    return text if len(text) <= 40 else text[:40] + "..."


def _first_line(tokens: _Tokens, header: bool | None, weighted: bool | None) -> tuple[int, _Columns]:
    """Whether the first data line (not an ``n m`` header) is a line of column names: ``(start, ids)``.

    ``start`` is 1 when it is, and the columns are those of data lines ``start ..``.
    """
    lens = tokens.lens
    words = not any(_is_number(tokens.field(0, c)) for c in range(min(int(lens[0]), 4)))
    if (header is None and tokens.n_lines < 2 and words and lens[0] >= 2
            and _is_column_name(tokens.field(0, 0)) and _is_column_name(tokens.field(0, 1))):
        raise InputError(
            f"{tokens.path}: no arcs found after the header line {tokens.lineno[0]} "
            "(pass header=False if it is an arc between nodes with these names)"
        )
    if header is False or (header is None and (tokens.n_lines < 2 or not words)):
        return 0, _arcs(tokens, 0, weighted)
    if tokens.n_lines < 2:
        raise InputError(f"{tokens.path}: no arcs found after the header line")
    body = _arcs(tokens, 1, weighted)
    ids = body[3]
    if header is True or ids is None or ids.labels.dtype.kind in "iu":
        names = True  # forced, or the ids that follow are integers, which the first line's fields are not
    else:
        names = _names_line(ids, tokens.field(0, 0), tokens.field(0, 1))
    if names:
        if lens[0] != lens[1]:
            raise tokens.error(
                0, f"a header line with a column name for each of the {lens[1]} fields of line {tokens.lineno[1]}"
            )
        return 1, body
    if weighted is None and 2 <= lens[0] <= 3 and lens[0] != lens[1]:
        raise tokens.error(
            0, f"an arc with {lens[1]} fields like line {tokens.lineno[1]}, or a header line with a column "
            "name for each of them",
        )
    if lens[0] not in (2, 3) or (weighted is True and lens[0] != 3):
        return 0, _arcs(tokens, 0, weighted)  # raises, naming line 1
    return 0, (None, None, None, ids.with_first_line())


def _names_line(ids: _Ids, u: bytes, v: bytes) -> bool:
    """Whether a first line ``u v`` (no field a number) names the columns of the lines after it.

    ``ids`` are the ids of those lines, not all integers. Yes when most lines after it have integer
    ids and the others two words (those are errors later);
    or when ``u`` and ``v`` are column names that no line after it uses as a node id (lines made of
    column names only do not count).
    """
    is_int, is_num = _label_kinds(ids.labels)
    int_line = is_int[ids.u] & is_int[ids.v]
    words_line = ~is_num[ids.u] & ~is_num[ids.v]
    if int_line.sum() > words_line.sum() and (int_line | words_line).all():
        return True
    if not (_is_column_name(u) and _is_column_name(v)):
        return False
    occurs = _ids_in_use(ids)
    return not any(c >= 0 and occurs[c] for c in (ids.code(u), ids.code(v)))


def _ids_in_use(ids: _Ids) -> np.ndarray:
    """For each distinct id, whether it is an endpoint of a line that is not made of column names."""
    is_name = _column_names(ids.labels)
    names_line = is_name[ids.u] & is_name[ids.v]
    occurs = np.zeros(ids.labels.size, dtype=bool)
    occurs[ids.u[~names_line]] = True
    occurs[ids.v[~names_line]] = True
    return occurs


def _check_data_lines(tokens: _Tokens, start: int, ids: _Ids) -> None:
    """Raise on a line among data lines ``start ..`` that is a header line rather than an arc.

    Such a line (files concatenated with their headers, a stray header) is either two column names that
    no other line uses as node ids, the skipped first line again, or two words in a file where most
    lines have integer ids and the others are words.
    """
    if ids.labels.dtype.kind in "iu":
        return
    u, v = ids.u, ids.v
    found: list[tuple[int, str]] = []  # (first offending line, what it should have been)
    is_name = _column_names(ids.labels)
    if (is_name[u] & is_name[v]).any():
        occurs = _ids_in_use(ids)
        hit = is_name[u] & is_name[v] & ~occurs[u] & ~occurs[v]
        if hit.any():
            found.append((int(np.argmax(hit)), "an arc, not column names: only the first data line may be a header"))
    if start == 1:
        cu, cv = ids.code(tokens.field(0, 0)), ids.code(tokens.field(0, 1))
        hit = (u == cu) & (v == cv)
        if cu >= 0 and cv >= 0 and hit.any():
            found.append((int(np.argmax(hit)), f"an arc, not the header of line {tokens.lineno[0]} again"))
    is_int, is_num = _label_kinds(ids.labels)
    int_line = is_int[u] & is_int[v]
    words_line = ~is_num[u] & ~is_num[v]
    if words_line.any() and int_line.sum() > words_line.sum() and (int_line | words_line).all():
        found.append((int(np.argmax(words_line)), "an arc with integer node ids like most lines, not two words"))
    if found:
        line, expected = min(found, key=lambda f: f[0])  # on the same line, the first reason above
        raise tokens.error(start + line, f"{expected} (pass header=False if these are node names)")


def _name(name: str | None, path: Path) -> str:
    return _default_name(path) if name is None else name


_Columns = tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, _Ids | None]


def _arcs(tokens: _Tokens, start: int, weighted: bool | None) -> _Columns | None:
    """Node ids of data lines ``start..``: ``(src, dst, int_ids, ids)``; None if there are no lines.

    ``src``/``dst`` are int64 when every id is a plain digit string (``int_ids`` then holds both
    columns), else None and ``ids`` has them. Checks the number of fields on each line.
    """
    lens = tokens.lens[start:]
    if lens.size == 0:
        return None
    bad = np.flatnonzero((lens < 2) | (lens > 3))
    if bad.size:
        raise tokens.error(start + int(bad[0]), "'u v' or 'u v weight'")
    if weighted is True:
        bad = np.flatnonzero(lens != 3)
        if bad.size:
            raise tokens.error(start + int(bad[0]), "'u v weight' (weighted=True)")
    elif weighted is None:
        bad = np.flatnonzero(lens != lens[0])
        if bad.size:
            first = int(tokens.lineno[start])
            form = "'u v'" if lens[0] == 2 else "'u v weight'"
            raise tokens.error(
                start + int(bad[0]),
                f"{form} like line {first} (pass weighted=False to ignore a third column)",
            )

    rows = np.arange(start, tokens.n_lines)
    k0 = tokens.first[rows]
    s = np.concatenate((tokens.starts[k0], tokens.starts[k0 + 1]))
    e = np.concatenate((tokens.ends[k0], tokens.ends[k0 + 1]))
    values, ok = _parse_digits(tokens.b, s, e)
    if ok.all():
        return values[: rows.size], values[rows.size :], values, None
    # ids interleaved u0, v0, u1, v1, ...: the order relabelling and error lines expect
    s2 = np.stack((s[: rows.size], s[rows.size :]), axis=1).ravel().tolist()
    e2 = np.stack((e[: rows.size], e[rows.size :]), axis=1).ravel().tolist()
    data = tokens.data
    return None, None, None, _Ids(tokens, start, [data[a:z] for a, z in zip(s2, e2)])


def _weights(tokens: _Tokens, start: int, weighted: bool | None) -> np.ndarray | None:
    """The third column of data lines ``start..`` as probabilities, when it is used."""
    if not (weighted is True or (weighted is None and tokens.lens[start] == 3)):
        return None
    rows = np.arange(start, tokens.n_lines)
    prob = _parse_floats(tokens, rows, 2, "'u v weight' with a numeric weight")
    bad = np.flatnonzero(~((prob >= 0.0) & (prob <= 1.0)))
    if bad.size:
        raise tokens.error(
            start + int(bad[0]),
            "a weight (probability) in [0, 1] as the third field (pass weighted=False to ignore it)",
        )
    return prob


def _node_ids(
    tokens: _Tokens,
    start: int,
    src: np.ndarray | None,
    dst: np.ndarray | None,
    ids: _Ids | None,
    ints: np.ndarray | None,
    n_header: int | None,
    relabel: bool | str,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray | None]:
    """Turn file ids into node indices: ``(src, dst, n, labels)``."""
    if ints is None:
        # some id is not a plain digit string: maybe signed integers, maybe names
        if relabel is False:
            for i, f in enumerate(ids.fields):
                if not f.isdigit():
                    shown = f.decode(errors="replace")
                    expected = f"non-negative integer node ids (relabel=False), not {shown!r}"
                    raise tokens.error(start + i // 2, expected)
        return ids.u, ids.v, _relabelled_n(tokens, ids.labels.size, n_header), ids.labels

    top = int(ints.max(initial=-1))
    if relabel == "auto":
        if n_header is not None and top < n_header:
            relabel = False  # the header vouches for the id space
        elif top > 2 * ints.size + 10:
            relabel = True  # cannot be dense, whatever the count of distinct ids
        else:
            distinct = int(np.count_nonzero(np.bincount(ints, minlength=top + 1)))
            relabel = top > 2 * distinct + 10
    if relabel:
        uniq, inv = np.unique(ints, return_inverse=True)
        inv = inv.reshape(-1)
        return inv[: src.size], inv[src.size :], _relabelled_n(tokens, uniq.size, n_header), uniq
    limit, why = _node_limit()
    if top >= limit:
        line = start + int(np.argmax((src == top) | (dst == top)))
        raise tokens.error(
            line, f"node ids below {limit} ({why}) to keep them as node indices; use relabel=True or 'auto'"
        )
    n = top + 1
    if n_header is not None:
        if top >= n_header:
            line = start + int(np.argmax((src == top) | (dst == top)))
            raise tokens.error(line, f"node ids below the header's n={n_header}")
        n = n_header
    return src, dst, n, None


def _relabelled_n(tokens: _Tokens, k: int, n_header: int | None) -> int:
    if n_header is not None and k > n_header:
        raise InputError(
            f"{tokens.path}:{tokens.lineno[0]}: header says n={n_header} nodes "
            f"but the arcs name {k} distinct ids"
        )
    return k


def read_labels(path: PathLike, *, graph: Graph | None = None, header: bool | None = None) -> np.ndarray:
    """Read one community (department, niche) label per node from lines ``node label``
    (:func:`read_communities` also keeps the labels' names).

    Fields are separated by whitespace or, when the first data line has one, a comma; comments,
    blank lines and Windows line endings are handled as in :func:`read_edgelist`.

    Parameters
    ----------
    path : str or path-like
        A regular file, gzip-compressed or not, of at most ``virality.io.MAX_DECOMPRESSED_BYTES`` of text.
    graph : Graph, optional
        The graph the labels are for. When it has ``labels`` (original ids, from an edge list with
        relabelling), the file's node ids are looked up among them; otherwise they are node indices
        ``0 .. graph.n - 1``. Every node of the graph needs a label.
    header : bool or None
        Whether the first data line holds column names such as ``node,label`` or ``Id Label``.
        None (default) detects it: the first data line is a header when neither of its two fields is a
        number and its node field cannot be a node id. Node ids are non-negative integers unless
        ``graph`` has string ``labels``; then the node field must be no node of the graph and both
        fields column names (words such as ``node``, ``id``, ``label``, ``community``, ``group``, as for
        :func:`read_edgelist`). True: the first data line is a header (it must have two fields).
        False: it is data. A header-like line further down is an error like any bad line.

    Returns
    -------
    int32 array of shape (n,)
        The label of each node. Non-negative integer labels no larger than ``n`` are kept as they are
        (department numbers stay recognisable); other labels are numbered ``0 .. C-1`` in sorted order.
        Without ``graph``, ``n`` is the largest node id + 1 and every node ``0 .. n-1`` must appear.

    Raises
    ------
    InputError
        Not a regular file or too large, a malformed line, a node listed twice, a node not in the graph,
        or a node without a label; the message names the file and line.
    """
    return _read_labels(path, graph, header)[0]


def read_communities(path: PathLike, *, graph: Graph, header: bool | None = None) -> Graph:
    """``graph`` with the communities of a labels file (as :func:`read_labels` reads it) and their names:
    a file of words (``alice sales``) keeps them as ``graph.community_names``; numbers are their own names."""
    community, names = _read_labels(path, graph, header)
    return graph.with_community(community, names=names)


def _read_labels(path: PathLike, graph: Graph | None, header: bool | None) -> tuple[np.ndarray, np.ndarray | None]:
    path = Path(path)
    _check_choice("header", header, (None, "auto", True, False))
    header = None if header == "auto" else header
    tokens = _tokens_from_file(path, None, ("#", "%"))
    if tokens.n_lines == 0:
        raise InputError(f"{path}: no labels found; expected lines 'node label'")
    bad = np.flatnonzero(tokens.lens != 2)
    if bad.size:
        raise tokens.error(int(bad[0]), "'node label'")

    labels = None if graph is None else graph.labels
    named = labels is not None and np.asarray(labels).dtype.kind not in "iu"  # original ids are names
    start = 0
    if header is True:
        start = 1
    elif header is None and tokens.n_lines > 1 and not any(_is_number(tokens.field(0, c)) for c in (0, 1)):
        if not named:
            start = 1  # a node field that is not a number cannot be a node id
        else:
            key = tokens.field(0, 0).decode("utf-8", "surrogateescape")
            known = bool(np.any(np.asarray(labels).astype(str) == key))
            start = int(not known and _is_column_name(tokens.field(0, 0)) and _is_column_name(tokens.field(0, 1)))
    rows = tokens.n_lines - start
    if rows == 0:
        raise InputError(f"{path}: no labels found after the header line; expected lines 'node label'")
    k0 = tokens.first[start:]
    nodes_int, ok = _parse_digits(tokens.b, tokens.starts[k0], tokens.ends[k0])

    if named:
        lookup = {str(lab): i for i, lab in enumerate(np.asarray(labels).tolist())}
        idx = np.empty(rows, dtype=np.int64)
        for i in range(rows):
            key = tokens.field(start + i, 0).decode("utf-8", "surrogateescape")
            if key not in lookup:
                raise tokens.error(start + i, f"a node of the graph, not {key!r}")
            idx[i] = lookup[key]
    else:
        if not ok.all():
            i = int(np.argmin(ok))
            raise tokens.error(start + i, "'node label' with a non-negative integer node id")
        if labels is not None:
            lab = np.asarray(labels).astype(np.int64)
            order = np.argsort(lab, kind="stable")
            pos = np.minimum(np.searchsorted(lab[order], nodes_int), lab.size - 1)
            found = lab[order][pos] == nodes_int
            if not found.all():
                raise tokens.error(start + int(np.argmin(found)), "a node id that is in the graph")
            idx = order[pos]
        else:
            idx = nodes_int
            if graph is not None and idx.size and idx.max() >= graph.n:
                i = int(np.argmax(idx >= graph.n))
                raise tokens.error(start + i, f"a node id below the graph's n={graph.n}")

    # a node listed twice: report the second listing and where the first was
    order = np.argsort(idx, kind="stable")
    dup = np.flatnonzero(idx[order][1:] == idx[order][:-1])
    if dup.size:
        second = int(order[1:][dup].min())
        first = int(np.flatnonzero(idx == idx[second])[0])
        earlier = tokens.lineno[start + first]
        raise tokens.error(
            start + second, f"each node once, but this node was already given on line {earlier}"
        )

    if graph is not None:
        n = graph.n
    else:
        # every node 0 .. max id must be listed once: with fewer lines than that, name the first gap
        # before allocating anything of the size of a (perhaps absurd) largest id
        n = int(idx.max()) + 1
        if n > rows:
            ids_sorted = idx[order]
            gap = int(np.argmax(ids_sorted != np.arange(rows)))
            missing_first = gap if ids_sorted[gap] != gap else rows
            raise InputError(
                f"{path}: no label for node {missing_first!r} ({n - rows} node(s) without a label)"
            )
    covered = np.zeros(n, dtype=bool)
    covered[idx] = True
    if not covered.all():
        missing = np.flatnonzero(~covered)
        node = int(missing[0]) if labels is None else np.asarray(labels)[missing[0]].item()
        raise InputError(f"{path}: no label for node {node!r} ({missing.size} node(s) without a label)")

    values, vok = _parse_digits(tokens.b, tokens.starts[k0 + 1], tokens.ends[k0 + 1])
    names = None  # plain numbers name themselves
    if vok.all() and values.max(initial=0) <= n:
        per_line = values
    else:
        fields = [tokens.field(start + i, 1) for i in range(rows)]
        signed = _as_signed_ints(fields)
        if signed is not None:
            uniq, per_line = np.unique(signed, return_inverse=True)
            per_line, names = per_line.reshape(-1), uniq.astype(str)
        else:
            per_line, names = _relabel_strings(tokens, fields, lambda i: start + i)
    community = np.empty(n, dtype=np.int32)
    community[idx] = per_line
    return community, names


# ---------------------------------------------------------------------------------------------- write
def write_edgelist(
    graph: Graph,
    path: PathLike,
    *,
    weights: bool = True,
    header: bool = False,
    delimiter: str = " ",
) -> None:
    """Write ``graph`` as an edge list: a line ``u v`` or ``u v p`` per arc, in arc order.

    Nodes are written by their original ids when the graph has ``labels``. The file is gzip-compressed
    when ``path`` ends in ``.gz``, and replaced atomically (written to a temporary file in the same
    directory, then renamed), so readers never see half a file.

    Parameters
    ----------
    graph : Graph
    path : str or path-like
    weights : bool
        Write ``graph.prob`` as a third column (when the graph has one), with enough digits that it
        reads back bit for bit.
    header : bool
        Start with an ``n m`` line. Use it to keep ``n`` exact when the last nodes are isolated, or when
        ids are sparse enough that reading would relabel them.
    delimiter : str
        Field separator, one character.

    Notes
    -----
    ``read_edgelist(path)`` gives back a graph with the same ``indptr``, ``indices`` and ``prob`` (a
    uniform ``prob`` comes back as one value per arc) when no node is lost (isolated nodes need
    ``header=True`` unless labelled) and labels, if any, are in sorted order, as :func:`read_edgelist`
    makes them. An undirected graph is written with both
    arcs, so read it back with ``directed=True``.
    """
    path = Path(path)
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n":
        raise InputError(f"delimiter must be a single character other than a newline, got {delimiter!r}")
    src, dst = graph.arcs()
    if graph.labels is not None:
        names = [str(x) for x in np.asarray(graph.labels).tolist()]
        for x in names:
            # a label the reader would split or skip cannot be written faithfully
            if not x or any(c.isspace() for c in x) or delimiter in x or x.startswith(("#", "%")):
                raise InputError(
                    f"cannot write node label {x!r} to {path}: labels must be non-empty, without whitespace "
                    f"or {delimiter!r}, and not start with '#' or '%'"
                )
        us = [names[i] for i in src.tolist()]
        vs = [names[i] for i in dst.tolist()]
    else:
        us, vs = src.tolist(), dst.tolist()
    d = delimiter
    if weights and graph.prob is not None:
        # the shortest string that parses back to the same value in the probabilities' type (float32)
        body = [f"{u}{d}{v}{d}{p}\n" for u, v, p in zip(us, vs, graph.arc_prob.astype(str).tolist())]
    else:
        body = [f"{u}{d}{v}\n" for u, v in zip(us, vs)]
    text = (f"{graph.n}{d}{graph.m}\n" if header else "") + "".join(body)
    payload = text.encode("utf-8", "surrogateescape")
    if path.name.lower().endswith(".gz"):
        payload = gzip.compress(payload, compresslevel=6, mtime=0)  # mtime=0: same graph, same bytes
    try:
        atomic_write(path, payload)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
