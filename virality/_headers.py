"""Text conventions of edge-list and label files, shared by both edge-list readers.

Header words: a vectorised test over the distinct ids of a file (:func:`_column_names`,
:func:`_label_kinds`) used by :mod:`virality.io` to detect a header line such as ``source,target`` or
``node,label``. Reader options: comment prefixes, the delimiter, the default graph name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import InputError

# node ids are stored as int32 in Graph.indices
_MAX_NODE_ID = np.iinfo(np.int32).max - 1


def _is_number(field: bytes) -> bool:
    """Whether ``field`` is a number numpy's text parser reads (Python's float() also takes "1_0")."""
    try:
        float(field)
    except ValueError:
        return False
    return b"_" not in field


#: Words that column names of edge-list and label files are made of (compared case-insensitively, with
#: ``_``, ``-``, ``.`` and spaces removed): ``source``, ``Target``, ``FromNodeId``, ``node_id`` all qualify.
_COLUMN_WORDS = frozenset(
    """
    source target src dst dest destination from to node nodes vertex vertices id ids key index idx
    u v head tail in out edge arc link start end begin origin name user users follower followee
    friend sender receiver author citing cited label labels community communities group class cluster
    department dept category module partition block team weight weights prob probability value
    time timestamp ts sign type
    """.split()
)
_COLUMN_SUFFIXES = ("id", "ids", "name", "index", "idx", "no", "num", "number")


def _column_name_table() -> np.ndarray:
    """Sorted array of the accepted column names: one or two words, perhaps with a suffix such as "id"."""
    global _COLUMN_TABLE
    if _COLUMN_TABLE is None:
        words = sorted(_COLUMN_WORDS)
        long = [w for w in words if len(w) > 1]  # "u" and "v" only alone: "uv" is no column name
        pairs = [a + b for a in long for b in long]
        names = set(words) | set(pairs) | {p + s for p in pairs for s in _COLUMN_SUFFIXES}
        _COLUMN_TABLE = np.array(sorted(names), dtype=str)
    return _COLUMN_TABLE


_COLUMN_TABLE: np.ndarray | None = None


def _code_points(labels: np.ndarray) -> np.ndarray:
    """The str array ``labels`` as a (k, width) matrix of code points, 0 past each string's end."""
    width = labels.itemsize // 4
    return np.ascontiguousarray(labels).view(np.uint32).reshape(labels.size, width)


def _column_names(labels: np.ndarray) -> np.ndarray:
    """Which strings of ``labels`` are column names (see ``_COLUMN_WORDS``), vectorised."""
    found = np.zeros(labels.size, dtype=bool)
    if labels.size == 0 or labels.dtype.kind != "U" or labels.itemsize == 0:
        return found
    table = _column_name_table()
    # only strings of ASCII letters and separators, no longer than the longest name, can be one
    longest = table.itemsize // 4
    cp = _code_points(labels)[:, : longest + 1]
    low = cp | 32
    ok = ((low >= 97) & (low <= 122)) | np.isin(cp, [0, 32, 45, 46, 95])
    short = cp[:, longest] == 0 if cp.shape[1] > longest else True
    maybe = np.flatnonzero(ok.all(axis=1) & (cp[:, 0] != 0) & short)
    if maybe.size:
        key = np.char.lower(labels[maybe])
        for sep in ("_", "-", ".", " "):
            key = np.char.replace(key, sep, "")
        pos = np.minimum(np.searchsorted(table, key), table.size - 1)
        found[maybe] = table[pos] == key
    return found


def _is_column_name(field: bytes) -> bool:
    return bool(_column_names(np.array([field.decode("utf-8", "surrogateescape")], dtype=str))[0])


def _label_kinds(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(is_int, is_number)`` for each distinct id, vectorised but for non-integers that start like a number."""
    if labels.dtype.kind in "iu":
        ones = np.ones(labels.size, dtype=bool)
        return ones, ones
    if labels.size == 0 or labels.itemsize == 0:
        none = np.zeros(labels.size, dtype=bool)
        return none, none
    cp = _code_points(labels)
    digit = (cp >= 48) & (cp <= 57)
    sign = (cp[:, 0] == 43) | (cp[:, 0] == 45)
    body = np.where(sign[:, None], np.roll(cp, -1, axis=1), cp)  # a string after its sign
    body[sign, -1] = 0
    body_digit = np.where(sign[:, None], np.roll(digit, -1, axis=1), digit)
    body_digit[sign, -1] = False
    is_int = (body_digit | (body == 0)).all(axis=1) & body_digit[:, 0]
    head = np.zeros((labels.size, 3), dtype=np.int64)  # first three characters, lower-cased (ASCII)
    head[:, : min(3, body.shape[1])] = body[:, :3] | 32
    prefix = head[:, 0] << 42 | head[:, 1] << 21 | head[:, 2]
    inf_nan = [ord(a) << 42 | ord(b) << 21 | ord(c) for a, b, c in ("inf", "nan")]
    maybe = ~is_int & (body_digit[:, 0] | (body[:, 0] == 46) | np.isin(prefix, inf_nan))
    is_num = is_int.copy()
    for i in np.flatnonzero(maybe).tolist():
        is_num[i] = _is_number(str(labels[i]).encode("utf-8", "surrogateescape"))
    return is_int, is_num


# ---------------------------------------------------------------------------------------------- reader options
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


def _default_name(path: Path) -> str:
    stem = path.name
    if stem.lower().endswith(".gz"):
        stem = stem[:-3]
    return Path(stem).stem or stem
