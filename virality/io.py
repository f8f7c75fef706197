"""Reading and writing graphs as edge lists, community labels, and the bundled data sets.

Edge lists are text files with one arc ``u v`` or ``u v weight`` per line, as distributed by SNAP,
KONECT and the influence-maximization literature. The reader copes with what such files contain in
practice: ``#``/``%`` comments, blank lines, Windows (``\\r\\n``) and even ``\\r\\r\\n`` line endings,
gzip compression, comma-separated columns, an ``n m`` header line, string or sparse node ids.

Parsing is vectorised over the raw bytes with numpy, so a million-line file reads in a second or two;
per-line Python only runs to point at the exact line of an error.

Every problem with a file raises :class:`~virality.errors.InputError` with ``path:line: what was
expected, what was found``.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np

from .errors import InputError
from .graph import Graph

__all__ = ["dataset_path", "load_dataset", "read_edgelist", "read_labels", "write_edgelist"]

PathLike = str | os.PathLike

#: bundled data set name -> file in ``virality/data``
_DATASETS = {
    "facebook": "facebook_combined.txt.gz",
    "email-eu-core": "email-Eu-core.txt",
    "email-eu-core-labels": "email-Eu-core-department-labels.txt",
    "nethept": "NetHEPT.txt.gz",
}

_GZIP_MAGIC = b"\x1f\x8b"
_WHITESPACE = b" \t\r\n\v\f"
# node ids are stored as int32 in Graph.indices
_MAX_NODE_ID = np.iinfo(np.int32).max - 1
# longest digit string that surely fits int64
_MAX_DIGITS = 18


# ---------------------------------------------------------------------------------------------- bytes
def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by suffix or magic bytes)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data[:2] == _GZIP_MAGIC or path.suffix.lower() == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: not a valid gzip file ({exc})") from None
    if data.startswith(b"\xef\xbb\xbf"):  # UTF-8 byte-order mark written by some Windows tools
        data = data[3:]
    if b"\n" not in data and b"\r" in data:  # classic Mac line endings
        data = data.replace(b"\r", b"\n")
    return data


def _comment_prefixes(comments: str | Sequence[str] | None) -> tuple[bytes, ...]:
    if comments is None:
        return ()
    items = (comments,) if isinstance(comments, str) else tuple(comments)
    if not all(isinstance(c, str) and c for c in items):
        raise InputError(
            f"comments must be a non-empty string, a sequence of them, or None; got {comments!r}"
        )
    return tuple(c.encode() for c in items)


def _delimiter_byte(delimiter: str | None) -> int | None:
    """The delimiter as a byte, or None for "any whitespace"."""
    if delimiter is None or (isinstance(delimiter, str) and delimiter.isspace()):
        return None
    if not isinstance(delimiter, str) or len(delimiter.encode()) != 1:
        raise InputError(f"delimiter must be None or a single character, got {delimiter!r}")
    return delimiter.encode()[0]


def _first_data_line(data: bytes, prefixes: tuple[bytes, ...]) -> bytes:
    """The first line that is neither blank nor a comment (b"" if none); used to sniff the delimiter."""
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        line = data[pos:end].strip()
        if line and not line.startswith(prefixes):
            return line
        pos = end + 1
    return b""


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
        return self.data[start:end].decode("utf-8", "replace").rstrip("\r")

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
    try:
        return np.array(fields, dtype=np.bytes_).astype(np.int64)
    except (ValueError, OverflowError):
        return None


def _relabel_strings(fields: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Map string ids to ``0 .. k-1`` in sorted order; returns ``(codes, labels)``."""
    index: dict[bytes, int] = {}
    codes = np.fromiter((index.setdefault(f, len(index)) for f in fields), dtype=np.int64, count=len(fields))
    seen = list(index)
    order = sorted(range(len(seen)), key=seen.__getitem__)  # UTF-8 byte order is code point order
    rank = np.empty(len(seen), dtype=np.int64)
    rank[order] = np.arange(len(seen))
    labels = np.array([seen[i].decode("utf-8", "surrogateescape") for i in order], dtype=str)
    return rank[codes], labels


# ---------------------------------------------------------------------------------------------- read
def read_edgelist(
    path: PathLike,
    *,
    directed: bool = True,
    weighted: bool | None = None,
    delimiter: str | None = None,
    comments: str | Sequence[str] | None = ("#", "%"),
    header: bool | Literal["auto"] = "auto",
    parallel: Literal["keep", "merge"] = "keep",
    relabel: bool | Literal["auto"] = "auto",
    name: str | None = None,
) -> Graph:
    """Read a graph from an edge-list file: one arc ``u v`` or ``u v weight`` per line.

    Parameters
    ----------
    path : str or path-like
        The file; gzip-compressed when it ends in ``.gz`` or starts with the gzip magic bytes.
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
    header : "auto", True or False
        An ``n m`` first line (as in NetHEPT). ``"auto"`` treats the first data line as a header when
        it is two non-negative integers ``n m``, exactly ``m`` data lines follow, and no integer id
        that follows is ``>= n``; it also skips a first line of column names (no field numeric) when
        all ids that follow are integers. True: the first data line is a header (``n m``, checked
        against the file, or column names). False: every line is an arc.
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

    Raises
    ------
    InputError
        Missing or unreadable file, no arcs, a malformed line, a weight outside [0, 1], a header that
        does not match the file; the message names the file and line.

    Examples
    --------
    >>> import warnings
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


def _default_name(path: Path) -> str:
    stem = path.name
    if stem.lower().endswith(".gz"):
        stem = stem[:-3]
    return Path(stem).stem or stem


def _read_edgelist(
    path: Path,
    *,
    directed: bool,
    weighted: bool | None,
    delimiter: str | None,
    comments: str | Sequence[str] | None,
    header: bool | str,
    parallel: str,
    relabel: bool | str,
    name: str | None,
    warn_loops: bool,
) -> Graph:
    _check_choice("weighted", weighted, (None, True, False))
    _check_choice("header", header, ("auto", True, False))
    _check_choice("parallel", parallel, ("keep", "merge"))
    _check_choice("relabel", relabel, ("auto", True, False))
    tokens = _tokens_from_file(path, delimiter, comments)
    if tokens.n_lines == 0:
        raise InputError(f"{path}: no arcs found; expected lines 'u v' or 'u v weight'")

    # Which reading of the first line to try: an "n m" header, a line of column names, or an arc.
    # A guess that the rest of the file contradicts falls back to reading the line as an arc.
    attempts: list[str] = []
    if header is not False:
        if tokens.lens[0] == 2 and all(tokens.field(0, c).isdigit() for c in (0, 1)):
            m_header = int(tokens.field(0, 1))
            if header is True and m_header != tokens.n_lines - 1:
                raise InputError(
                    f"{path}:{tokens.lineno[0]}: header says m={m_header} arcs but {tokens.n_lines - 1} "
                    "arc lines follow"
                )
            if header is True or m_header == tokens.n_lines - 1:
                attempts.append("nm")
        elif header is True or (tokens.n_lines > 1 and not any(
            _is_number(tokens.field(0, c)) for c in range(int(tokens.lens[0]))
        )):
            attempts.append("names")
    if header is not True:
        attempts.append("none")

    for attempt in attempts:
        start = 0 if attempt == "none" else 1
        body = _arcs(tokens, start, weighted)
        if body is None:
            if attempt != "nm":
                raise InputError(f"{path}: no arcs found after the header line")
            # an explicit "n 0" header: a graph without arcs
            return Graph.from_edges([], [], n=int(tokens.field(0, 0)), name=_name(name, path))
        src, dst, prob, fields, ints = body
        if attempt == "names" and header == "auto" and ints is None:
            continue  # the ids are strings, so the first line was an arc between two of them
        n_header = int(tokens.field(0, 0)) if attempt == "nm" else None
        if attempt == "nm" and header == "auto":
            if ints is not None and ints.max(initial=-1) >= n_header:
                continue  # an id beyond n: the first line was an arc
            if ints is None and len(set(fields)) > n_header:
                continue  # more named nodes than n: likewise
        break
    else:  # pragma: no cover - the last attempt never continues
        raise AssertionError(attempts)

    src, dst, n, labels = _node_ids(tokens, start, src, dst, fields, ints, n_header, relabel)
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


def _name(name: str | None, path: Path) -> str:
    return _default_name(path) if name is None else name


def _is_number(field: bytes) -> bool:
    """Whether ``field`` is a number numpy's text parser reads (Python's float() also takes "1_0")."""
    try:
        float(field)
    except ValueError:
        return False
    return b"_" not in field


_Columns = tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, list[bytes] | None, np.ndarray | None]


def _arcs(tokens: _Tokens, start: int, weighted: bool | None) -> _Columns | None:
    """Columns of data lines ``start..``: ``(src, dst, prob, id_fields, int_ids)``; None if no lines.

    ``src``/``dst`` are int64 when every id is a plain digit string (``int_ids`` then holds both
    columns), else None and ``id_fields`` holds the raw ids interleaved ``u0, v0, u1, v1, ...``.
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
    use_weight = weighted is True or (weighted is None and lens[0] == 3)

    rows = np.arange(start, tokens.n_lines)
    k0 = tokens.first[rows]
    s = np.concatenate((tokens.starts[k0], tokens.starts[k0 + 1]))
    e = np.concatenate((tokens.ends[k0], tokens.ends[k0 + 1]))
    values, ok = _parse_digits(tokens.b, s, e)
    if ok.all():
        src, dst = values[: rows.size], values[rows.size :]
        fields, ints = None, values
    else:
        src = dst = ints = None
        # ids interleaved u0, v0, u1, v1, ...: the order relabelling and error lines expect
        s2 = np.stack((s[: rows.size], s[rows.size :]), axis=1).ravel().tolist()
        e2 = np.stack((e[: rows.size], e[rows.size :]), axis=1).ravel().tolist()
        data = tokens.data
        fields = [data[a:z] for a, z in zip(s2, e2)]

    prob = None
    if use_weight:
        prob = _parse_floats(tokens, rows, 2, "'u v weight' with a numeric weight")
        bad = np.flatnonzero(~((prob >= 0.0) & (prob <= 1.0)))
        if bad.size:
            raise tokens.error(
                start + int(bad[0]),
                "a weight (probability) in [0, 1] as the third field (pass weighted=False to ignore it)",
            )
    return src, dst, prob, fields, ints


def _node_ids(
    tokens: _Tokens,
    start: int,
    src: np.ndarray | None,
    dst: np.ndarray | None,
    fields: list[bytes] | None,
    ints: np.ndarray | None,
    n_header: int | None,
    relabel: bool | str,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray | None]:
    """Turn file ids into node indices: ``(src, dst, n, labels)``."""
    path = tokens.path
    if ints is None:
        # some id is not a plain digit string: maybe signed integers, maybe names
        if relabel is False:
            for i, f in enumerate(fields):
                if not f.isdigit():
                    shown = f.decode(errors="replace")
                    expected = f"non-negative integer node ids (relabel=False), not {shown!r}"
                    raise tokens.error(start + i // 2, expected)
        signed = _as_signed_ints(fields)
        if signed is not None:
            uniq, inv = np.unique(signed, return_inverse=True)
            codes, labels = inv.reshape(-1), uniq
        else:
            codes, labels = _relabel_strings(fields)
        src, dst = codes[0::2], codes[1::2]
        return src, dst, _relabelled_n(tokens, labels.size, n_header), labels

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
    if top > _MAX_NODE_ID:
        raise InputError(
            f"{path}: node id {top} is too large to keep as an index; use relabel=True or 'auto'"
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


def read_labels(path: PathLike, *, graph: Graph | None = None) -> np.ndarray:
    """Read one community (department, niche) label per node from lines ``node label``.

    Fields are separated by whitespace or, when the first data line has one, a comma; comments,
    blank lines and Windows line endings are handled as in :func:`read_edgelist`.

    Parameters
    ----------
    path : str or path-like
    graph : Graph, optional
        The graph the labels are for. When it has ``labels`` (original ids, from an edge list with
        relabelling), the file's node ids are looked up among them; otherwise they are node indices
        ``0 .. graph.n - 1``. Every node of the graph needs a label.

    Returns
    -------
    int32 array of shape (n,)
        The label of each node. Non-negative integer labels no larger than ``n`` are kept as they are
        (department numbers stay recognisable); other labels are numbered ``0 .. C-1`` in sorted order.
        Without ``graph``, ``n`` is the largest node id + 1 and every node ``0 .. n-1`` must appear.

    Raises
    ------
    InputError
        Malformed line, a node listed twice, a node not in the graph, or a node without a label.
    """
    path = Path(path)
    tokens = _tokens_from_file(path, None, ("#", "%"))
    if tokens.n_lines == 0:
        raise InputError(f"{path}: no labels found; expected lines 'node label'")
    bad = np.flatnonzero(tokens.lens != 2)
    if bad.size:
        raise tokens.error(int(bad[0]), "'node label'")
    k0 = tokens.first
    nodes_int, ok = _parse_digits(tokens.b, tokens.starts[k0], tokens.ends[k0])
    rows = tokens.n_lines

    labels = None if graph is None else graph.labels
    if labels is not None and np.asarray(labels).dtype.kind not in "iu":
        # original ids are names: look the file's ids up as strings
        lookup = {str(lab): i for i, lab in enumerate(np.asarray(labels).tolist())}
        idx = np.empty(rows, dtype=np.int64)
        for i in range(rows):
            key = tokens.field(i, 0).decode("utf-8", "surrogateescape")
            if key not in lookup:
                raise tokens.error(i, f"a node of the graph, not {key!r}")
            idx[i] = lookup[key]
    else:
        if not ok.all():
            i = int(np.argmin(ok))
            raise tokens.error(i, "'node label' with a non-negative integer node id")
        if labels is not None:
            lab = np.asarray(labels).astype(np.int64)
            order = np.argsort(lab, kind="stable")
            pos = np.minimum(np.searchsorted(lab[order], nodes_int), lab.size - 1)
            found = lab[order][pos] == nodes_int
            if not found.all():
                raise tokens.error(int(np.argmin(found)), "a node id that is in the graph")
            idx = order[pos]
        else:
            idx = nodes_int
            if graph is not None and idx.size and idx.max() >= graph.n:
                raise tokens.error(int(np.argmax(idx >= graph.n)), f"a node id below the graph's n={graph.n}")

    # a node listed twice: report the second listing and where the first was
    order = np.argsort(idx, kind="stable")
    dup = np.flatnonzero(idx[order][1:] == idx[order][:-1])
    if dup.size:
        second = int(order[1:][dup].min())
        first = int(np.flatnonzero(idx == idx[second])[0])
        earlier = tokens.lineno[first]
        raise tokens.error(second, f"each node once, but this node was already given on line {earlier}")

    n = graph.n if graph is not None else int(idx.max()) + 1
    covered = np.zeros(n, dtype=bool)
    covered[idx] = True
    if not covered.all():
        missing = np.flatnonzero(~covered)
        node = int(missing[0]) if labels is None else np.asarray(labels)[missing[0]].item()
        raise InputError(f"{path}: no label for node {node!r} ({missing.size} node(s) without a label)")

    values, vok = _parse_digits(tokens.b, tokens.starts[k0 + 1], tokens.ends[k0 + 1])
    if vok.all() and values.max(initial=0) <= n:
        per_line = values
    else:
        fields = [tokens.field(i, 1) for i in range(rows)]
        signed = _as_signed_ints(fields)
        if signed is not None:
            per_line = np.unique(signed, return_inverse=True)[1].reshape(-1)
        else:
            per_line, _ = _relabel_strings(fields)
    community = np.empty(n, dtype=np.int32)
    community[idx] = per_line
    return community


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
    ``read_edgelist(path)`` gives back a graph with the same ``indptr``, ``indices`` and ``prob``
    when no node is lost (isolated nodes need ``header=True`` unless labelled) and labels, if any,
    are in sorted order, as :func:`read_edgelist` makes them. An undirected graph is written with both
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
        # repr() of a float is the shortest string that parses back to the same float
        body = [f"{u}{d}{v}{d}{p!r}\n" for u, v, p in zip(us, vs, graph.prob.tolist())]
    else:
        body = [f"{u}{d}{v}\n" for u, v in zip(us, vs)]
    text = (f"{graph.n}{d}{graph.m}\n" if header else "") + "".join(body)
    payload = text.encode("utf-8", "surrogateescape")
    if path.name.lower().endswith(".gz"):
        payload = gzip.compress(payload, compresslevel=6, mtime=0)  # mtime=0: same graph, same bytes
    _atomic_write(path, payload)


def _atomic_write(path: Path, payload: bytes) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private; give it the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------------------------------------- data
def dataset_path(name: str) -> Path:
    """Path of a bundled data file.

    Parameters
    ----------
    name : {"facebook", "email-eu-core", "email-eu-core-labels", "nethept"}
        Case-insensitive. See ``virality/data/README.md`` for provenance.

    Returns
    -------
    pathlib.Path
    """
    key = str(name).strip().lower()
    if key not in _DATASETS:
        raise InputError(f"unknown data set {name!r}; valid names: {', '.join(_DATASETS)}")
    return Path(str(files("virality") / "data" / _DATASETS[key]))


def load_dataset(name: str) -> Graph:
    """Load a bundled real graph.

    Parameters
    ----------
    name : {"facebook", "email-eu-core", "nethept"}
        - ``"facebook"``: SNAP ego-Facebook friendships, undirected, both arcs stored
          (n = 4039, m = 2 * 88234 = 176468).
        - ``"email-eu-core"``: SNAP e-mails, directed, ``community`` = the 42 departments
          (n = 1005; the file's 642 self-loops are dropped, m = 24929).
        - ``"nethept"``: arXiv hep-th co-authorship as used by Chen, Wang and Yang (KDD 2009):
          directed arcs as in the file, with its weighted-cascade probabilities, parallel arcs kept
          (n = 15233; the file's 39 self-loops are dropped, m = 58852).

    Returns
    -------
    Graph
    """
    key = str(name).strip().lower()
    if key == "email-eu-core-labels":
        raise InputError(
            "'email-eu-core-labels' is a labels file: use read_labels(dataset_path('email-eu-core-labels'))"
        )
    path = dataset_path(key)
    # self-loops in the originals are documented above, so dropping them needs no warning
    common = dict(
        delimiter=None, comments=("#", "%"), header="auto", relabel="auto", parallel="keep", warn_loops=False
    )
    if key == "facebook":
        return _read_edgelist(path, directed=False, weighted=False, name="facebook", **common)
    if key == "email-eu-core":
        g = _read_edgelist(path, directed=True, weighted=False, name="email-eu-core", **common)
        return g.with_community(read_labels(dataset_path("email-eu-core-labels"), graph=g))
    return _read_edgelist(path, directed=True, weighted=True, name="nethept", **common)
