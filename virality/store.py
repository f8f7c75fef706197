"""A graph saved as a folder of raw arrays, loaded back memory-mapped in milliseconds at any size.

A *graph store* is a directory::

    graph.json        the header (below)
    indptr.npy        int32, n + 1     (int64 from 2**31 arcs on)
    indices.npy       int32, m
    prob.npy          float32, m       (only if the graph has one probability per arc)
    community.npy     int32, n         (only if it has communities)
    followers.npy     int64, n         (only if it has follower counts from the data)
    labels.npy        int, float or unicode, n   (only if it has labels; never pickled objects)

Each ``.npy`` file is a plain NumPy array file (``numpy.lib.format``, no pickles), readable by any
NumPy. ``graph.json`` holds ``format`` (``"virality-graph"``), ``format_version`` (:data:`FORMAT_VERSION`),
``n``, ``m``, ``name``, ``prob`` (the graph's one probability for every arc, or null: a uniform
probability takes no array), the ``provenance`` dict the caller passed (``{}`` when none), the
``virality_version`` that wrote it, and under ``arrays`` one entry per array file: ``file``, ``dtype``
(NumPy's dtype string, e.g. ``"<i8"``), ``shape``, ``bytes`` (the file's size) and ``sha256`` (of the
whole file). Version 1 stores (int64 ``indptr``, float64 ``prob.npy``, no ``prob`` key) are still
read; their probabilities are rounded to float32 on loading, as a graph holds them.

:func:`save_graph` writes atomically: the store is built under a hidden temporary name beside the
target, then renamed into place, so a reader sees the old store or the new one, never a mix; with
``sync=True`` every file is first flushed to disk (see :func:`save_graph` for what that costs and buys).
Large arrays are written with ``O_DIRECT`` where the system has it (:data:`DIRECT_BYTES`): straight to
the disk, not first into page-cache memory, which a virtual machine may have to supply fresh (slowly).
An existing store at the target is replaced (on Linux by one atomic exchange of the two directories;
elsewhere by two renames, between which the path briefly does not exist). Anything else at the target
(a file, a link, a directory without a store's ``graph.json``, even an empty one) is refused with an
InputError: saving never deletes what it did not write. A process that has the old store memory-mapped
keeps reading the old arrays: their files are unlinked, not overwritten.

:func:`load_graph` memory-maps the arrays (``np.load(..., mmap_mode="r")``): loading reads the header
and the few bytes of each ``.npy`` header, whatever the graph's size, and pages are read from disk when
a kernel first touches them. **Verify policy.** By default (``verify=False``) loading checks what is
cheap: the header (format, version, types, that every shape agrees with ``n`` and ``m``), that every
file exists and has exactly the size the header records (so a truncated or extended file is caught),
that each ``.npy`` header agrees with ``graph.json``, and that ``indptr`` starts at 0 and ends at ``m``.
It does not read the data, so a byte changed *inside* a file of the right size goes unnoticed.
``verify=True`` reads every byte: it compares each file's SHA-256 with the header and checks the
graph's structure (``indptr`` non-decreasing, every target in ``0 .. n - 1``, probabilities in
[0, 1], community labels non-negative); it costs about a second per GB. Use it for a store that was
copied, downloaded, or kept on media you do not trust. Every problem is an InputError naming the file
and what is wrong (missing file, size mismatch, checksum mismatch, bad header, unknown format version).

A memory-mapped graph is used by the kernels like an in-memory one, with the same results; its arrays
are read-only (a write raises ``ValueError``), and no kernel writes into a graph's arrays, so nothing is
copied. numba types a read-only array apart from a writeable one: the first call of a kernel with a
new mix of read-only and writeable arguments compiles that variant (some 20-30 s), which is then
cached on disk like the others.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import io
import json
import mmap
import os
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import InputError
from .files import temporary_path
from .graph import Graph, compact_indptr

__all__ = ["FORMAT", "FORMAT_VERSION", "load_graph", "save_graph", "store_info"]

PathLike = str | os.PathLike

#: the ``format`` key of ``graph.json``: what makes a directory a graph store
FORMAT = "virality-graph"
#: the version this module writes; it reads this one and version 1
FORMAT_VERSION = 2
_READS = (1, 2)
HEADER = "graph.json"
#: a header larger than this is refused (it would be a provenance dict of absurd size)
MAX_HEADER_BYTES = 16 << 20

#: array -> (Graph attribute, dtype strings allowed (the first is written; None for labels' allowed
#: kinds), length: "n", "n+1" or "m")
_ARRAYS = {
    "indptr": ("indptr", ("<i4", "<i8"), "n+1"),
    "indices": ("indices", ("<i4",), "m"),
    "prob": ("prob", ("<f4",), "m"),
    "community": ("community", ("<i4",), "n"),
    "followers": ("followers_data", ("<i8",), "n"),
    "labels": ("labels", None, "n"),
}
_REQUIRED = ("indptr", "indices")
#: what version 1 stored instead
_V1_DTYPES = {"indptr": ("<i8",), "prob": ("<f8",)}
#: dtype kinds labels may have on disk: integers, floats, unicode strings
_LABEL_KINDS = "iufU"
_CHUNK = 8 << 20
#: arrays of at least this many bytes are written around the page cache (``O_DIRECT``, where the system
#: and file system have it): at a steady disk speed, instead of first filling page-cache memory, which
#: on a virtual machine whose memory is not yet in use is slower than the disk (1.76 GB: 1.1-1.5 s
#: direct; 0.5 s buffered into warm memory, 5-7 s into fresh memory, on this project's machine)
DIRECT_BYTES = 64 << 20
_ALIGN = 4096  # O_DIRECT writes: buffer address, length and file offset multiples of the block size


# ------------------------------------------------------------------------------------------------ save
def save_graph(graph: Graph, path: PathLike, *, provenance: dict[str, Any] | None = None, sync: bool = False) -> Path:
    """Save ``graph`` as a graph store at ``path`` (a directory); returns the path.

    Parameters
    ----------
    graph : Graph
    path : str or path-like
        The store's directory. Missing parent folders are created. An existing graph store there is
        replaced; anything else there (a file, a link, another directory) is refused.
    provenance : dict, optional
        Where the graph came from (source file, generator and seed, ...), stored as JSON in
        ``graph.json``; keys must be strings and values JSON-serialisable (no NaN or infinity).
    sync : bool
        Flush every file to disk (``fsync``) before the store is renamed into place, so that it survives
        a power cut or an operating-system crash right after the call. Arrays of
        :data:`DIRECT_BYTES` and more are written around the page cache (``O_DIRECT``), at the disk's
        speed, so syncing them costs little (1.8 GB here: about 1.5 s either way;
        benchmarks/results/scale.md). Without it the store is
        as safe against an interrupted *process* (files are complete before the rename, which is atomic), and a
        store cut short by a crash of the machine before the data reached the disk is caught when it is
        loaded (a file shorter than its header says; ``verify=True`` also catches changed bytes).

    Labels are stored as integers, floats or unicode strings; labels held as Python objects (from
    networkx) are stored as strings when all are strings, as int64 when all are integers, and refused
    otherwise (a mix, tuples, ...). Raises the ``OSError`` of a failing disk operation, leaving no
    temporary folder behind.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> g = Graph.from_edges([0, 1, 2], [1, 2, 0], prob=0.5, labels=["ann", "bob", "cy"], name="tri")
    >>> store = save_graph(g, Path(tempfile.mkdtemp()) / "tri", provenance={"source": "doctest"})
    >>> sorted(p.name for p in store.iterdir())  # one probability for every arc: in graph.json, no array
    ['graph.json', 'indices.npy', 'indptr.npy', 'labels.npy']
    >>> store_info(store)["prob"], store_info(store)["provenance"]
    (0.5, {'source': 'doctest'})
    """
    if not isinstance(graph, Graph):
        raise InputError(f"save_graph needs a Graph, got {type(graph).__name__}")
    target = Path(path)
    prov = _check_provenance(provenance)
    arrays = _arrays_of(graph)
    replace = _check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(target)
    os.mkdir(tmp)
    try:
        entries = {name: _write_array(tmp / f"{name}.npy", arr, sync) for name, arr in arrays.items()}
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "n": graph.n,
            "m": graph.m,
            "name": graph.name,
            "prob": None if isinstance(graph.prob, np.ndarray) else graph.prob,
            "community_names": list(graph.community_names) if graph.community_names is not None else None,
            "provenance": prov,
            "virality_version": __version__,
            "arrays": entries,
        }
        _write_file(tmp / HEADER, (json.dumps(header, indent=2, allow_nan=False) + "\n").encode(), sync)
        if sync:
            _fsync_dir(tmp)
        _move_into_place(tmp, target, replace)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if sync:
        _fsync_dir(target.parent)
    return target


def _check_provenance(provenance: Any) -> dict[str, Any]:
    if provenance is None:
        return {}
    if not isinstance(provenance, dict) or not all(isinstance(k, str) for k in provenance):
        raise InputError(f"provenance must be a dict with string keys, got {provenance!r:.200}")
    try:
        return json.loads(json.dumps(provenance, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InputError(f"provenance must be JSON-serialisable (no NaN or infinity): {exc}") from None


def _arrays_of(graph: Graph) -> dict[str, np.ndarray]:
    """The arrays to write, by store name, in the dtypes the format fixes."""
    out = {}
    for name, (attr, dtypes, _) in _ARRAYS.items():
        value = getattr(graph, attr)
        if value is None or (name == "prob" and not isinstance(value, np.ndarray)):  # a uniform prob: in the header
            continue
        if name == "labels":
            arr = _labels_array(value, graph.n)
        elif name == "indptr":
            arr = compact_indptr(np.asarray(value))
            arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        else:
            arr = np.asarray(value).astype(dtypes[0], copy=False)
        out[name] = np.ascontiguousarray(arr)
    return out


def _labels_array(labels: Any, n: int) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.shape != (n,):
        raise InputError(f"labels must have one entry per node ({n}), got shape {arr.shape}")
    if arr.dtype.kind == "O":
        items = arr.tolist()
        if all(isinstance(x, str) for x in items):
            return np.array(items, dtype=str)
        if all(isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) for x in items):
            try:
                return np.array(items, dtype=np.int64)
            except OverflowError:
                raise InputError("labels: an integer label does not fit in 64 bits; store them as strings") from None
        i = next((i for i, x in enumerate(items) if type(x) is not type(items[0]) or not isinstance(x, (str, int))), 0)
        raise InputError(f"labels must be all strings or all integers to be stored; label {i} is {items[i]!r} "
                         f"({type(items[i]).__name__}), label 0 is {items[0]!r} ({type(items[0]).__name__})")
    if arr.dtype.kind not in _LABEL_KINDS:
        raise InputError(f"labels must be integers, floats or strings to be stored, got dtype {arr.dtype}")
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False)


def _is_store(path: Path) -> bool:
    """Whether ``path`` is a directory holding a ``graph.json`` whose ``format`` is :data:`FORMAT`."""
    try:
        return _read_json(path / HEADER).get("format") == FORMAT
    except (InputError, AttributeError):
        return False


def _check_target(target: Path) -> bool:
    """Whether ``target`` is a store to replace (False: nothing there); refuse anything else."""
    if not os.path.lexists(target):
        return False
    if target.is_symlink():
        raise InputError(f"{target}: is a symbolic link, not a graph store; refusing to replace it")
    if not target.is_dir():
        raise InputError(f"{target}: exists and is not a graph store (not a directory); refusing to replace it")
    if not _is_store(target):
        raise InputError(f"{target}: exists and is not a graph store (no {HEADER} with format {FORMAT!r}); "
                         "refusing to replace it: remove it or choose another path")
    return True


def _write_array(path: Path, arr: np.ndarray, sync: bool) -> dict[str, Any]:
    """Write ``arr`` as a ``.npy`` file (the bytes ``np.save`` writes) and return its header entry. The
    SHA-256 is computed in a second thread while this one writes: hashlib and the write both release the
    GIL, so the save takes the longer of the two, not their sum."""
    head = io.BytesIO()
    meta = np.lib.format.header_data_from_array_1_0(arr)
    try:
        np.lib.format.write_array_header_1_0(head, meta)
    except ValueError:  # a header over 64 KiB (a very long dtype description): format 2.0, as np.save does
        head = io.BytesIO()
        np.lib.format.write_array_header_2_0(head, meta)
    data = memoryview(arr.reshape(-1).view(np.uint8))
    sha = hashlib.sha256(head.getvalue())
    with ThreadPoolExecutor(1) as pool:
        hashed = pool.submit(sha.update, data)
        if not (data.nbytes >= DIRECT_BYTES and _write_direct(path, head.getvalue(), data, sync)):
            with open(path, "xb") as fh:
                fh.write(head.getvalue())
                fh.write(data)
                fh.flush()
                if sync:
                    os.fsync(fh.fileno())
        hashed.result()
    return {"file": path.name, "dtype": arr.dtype.str, "shape": list(arr.shape), "bytes": path.stat().st_size,
            "sha256": sha.hexdigest()}


def _write_direct(path: Path, head: bytes, data: memoryview, sync: bool) -> bool:
    """Write ``head`` then ``data`` to the new file ``path`` with ``O_DIRECT``, through one page-aligned
    buffer (the last block padded, then the file cut to its size). False, with no file left, where the
    system or the file system does not take ``O_DIRECT`` (the caller writes through the page cache)."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag or len(head) >= _CHUNK:
        return False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | flag, 0o666)
    except OSError as exc:
        if exc.errno == errno.EINVAL:  # e.g. tmpfs
            return False
        raise
    total = len(head) + data.nbytes
    view = memoryview(mmap.mmap(-1, _CHUNK))  # page-aligned memory, freed with the view
    try:
        view[: len(head)] = head
        filled, off = len(head), 0
        while off < data.nbytes or filled:
            k = min(_CHUNK - filled, data.nbytes - off)
            view[filled : filled + k] = data[off : off + k]
            filled, off = filled + k, off + k
            if filled < _CHUNK and off < data.nbytes:
                continue
            size = -(-filled // _ALIGN) * _ALIGN
            view[filled:size] = bytes(size - filled)
            done = 0
            while done < size:
                done += os.write(fd, view[done:size])
            filled = 0
        os.ftruncate(fd, total)
        if sync:
            os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        path.unlink()
        if exc.errno == errno.EINVAL:  # the file system refused the first aligned write
            return False
        raise
    os.close(fd)
    return True


def _write_file(path: Path, data: bytes, sync: bool) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        if sync:
            os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # a platform that cannot open directories (Windows): nothing to sync
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directory entries in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False
    where the platform or file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _move_into_place(new: Path, target: Path, replace: bool) -> None:
    if not replace:
        os.rename(new, target)
        return
    if _exchange(new, target):  # new is now the old store
        shutil.rmtree(new, ignore_errors=True)
        return
    old = temporary_path(target)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ load
def load_graph(path: PathLike, *, mmap: bool = True, verify: bool = False) -> Graph:
    """Load the graph store at ``path`` (see the module docstring for the format).

    Parameters
    ----------
    path : str or path-like
        A directory written by :func:`save_graph`.
    mmap : bool
        Memory-map the arrays (default): loading takes milliseconds at any size, the arrays are
        read-only and read from disk as they are used, and processes loading the same store share
        the pages. False: read them into (writeable) memory.
    verify : bool
        Read every byte: compare each file's SHA-256 with ``graph.json`` and check the graph's
        structure. Default False: check the header, every file's existence and size, and each
        ``.npy`` header (a truncated file is caught; a changed byte inside a file is not).

    Raises
    ------
    InputError
        Naming the file and what is wrong: missing file, size mismatch, checksum mismatch (with
        ``verify``), a bad header, an unknown format version, or a graph whose structure is broken.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> g = Graph.from_edges([0, 0, 1], [1, 2, 2], prob=0.25, community=[0, 1, 1], name="small")
    >>> store = save_graph(g, Path(tempfile.mkdtemp()) / "small")
    >>> h = load_graph(store, verify=True)
    >>> h, h.indices.flags.writeable
    (Graph('small', n=3, m=3, communities=2), False)
    >>> h.out_neighbors(0).tolist(), h.prob
    ([1, 2], 0.25)
    """
    root = Path(path)
    header = store_info(root)
    n, m = header["n"], header["m"]
    arrays = {name: _load_array(root, name, entry, mmap, verify) for name, entry in header["arrays"].items()}
    if "prob" in arrays and arrays["prob"].dtype != np.float32:  # a version 1 store: float64 on disk
        arrays["prob"] = arrays["prob"].astype(np.float32)
    indptr = arrays["indptr"]
    if indptr[0] != 0 or indptr[-1] != m:
        raise InputError(f"{root / 'indptr.npy'}: bad data: indptr must run from 0 to m={m}, it runs from "
                         f"{int(indptr[0])} to {int(indptr[-1])}")
    if verify:
        _check_structure(root, arrays, n)
    kwargs = {_ARRAYS[name][0]: arr for name, arr in arrays.items()}
    names = header.get("community_names")
    if names is not None and (not isinstance(names, list) or not all(isinstance(x, str) for x in names)):
        raise InputError(f"{root / HEADER}: bad header: community_names must be a list of strings")
    if header.get("prob") is not None:
        kwargs["prob"] = float(header["prob"])
    return Graph(**kwargs, name=header["name"], community_names=tuple(names) if names is not None else None)


def store_info(path: PathLike) -> dict[str, Any]:
    """The checked header (``graph.json``) of the graph store at ``path``, without loading any array:
    ``n``, ``m``, ``name``, ``provenance``, ``arrays`` and the format keys.

    Raises InputError when ``path`` is not a graph store or its header is bad or of an unknown version.
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError(f"{root}: not a graph store ({'not a directory' if root.exists() else 'no such directory'})")
    hp = root / HEADER
    header = _read_json(hp)

    def bad(what: str) -> InputError:
        return InputError(f"{hp}: bad header: {what}")

    if not isinstance(header, dict):
        raise bad(f"expected a JSON object, got {type(header).__name__}")
    if header.get("format") != FORMAT:
        raise bad(f"format is {header.get('format')!r}, expected {FORMAT!r}")
    version = header.get("format_version")
    if not _is_int(version):
        raise bad(f"format_version must be an integer, got {version!r}")
    if version not in _READS:
        newer = " (written by a newer virality: upgrade to read it)" if version > FORMAT_VERSION else ""
        raise InputError(f"{hp}: unknown format version {version}{newer}; this virality "
                         f"({__version__}) reads versions {', '.join(map(str, _READS))}")
    for key in ("n", "m"):
        if not _is_int(header.get(key)) or header[key] < 0:
            raise bad(f"{key} must be a non-negative integer, got {header.get(key)!r}")
    if not isinstance(header.get("name"), str):
        raise bad(f"name must be a string, got {header.get('name')!r}")
    if not isinstance(header.setdefault("provenance", {}), dict):
        raise bad(f"provenance must be an object, got {header.get('provenance')!r:.200}")
    arrays = header.get("arrays")
    if not isinstance(arrays, dict):
        raise bad(f"arrays must be an object, got {arrays!r:.200}")
    prob = header.setdefault("prob", None)
    if prob is not None and (version == 1 or isinstance(prob, bool) or not isinstance(prob, (int, float))
                             or not 0.0 <= prob <= 1.0 or "prob" in arrays):
        raise bad(f"prob must be null or a number in [0, 1] (with no prob array), got {prob!r:.200}")
    for name in _REQUIRED:
        if name not in arrays:
            raise bad(f"arrays has no {name!r} entry")
    for name, entry in arrays.items():
        if name not in _ARRAYS:
            raise bad(f"unknown array {name!r} (version {FORMAT_VERSION} stores {', '.join(_ARRAYS)})")
        _check_entry(hp, name, entry, header["n"], header["m"], version)
    return header


def _check_entry(hp: Path, name: str, entry: Any, n: int, m: int, version: int) -> None:
    def bad(what: str) -> InputError:
        return InputError(f"{hp}: bad header: arrays.{name}: {what}")

    if not isinstance(entry, dict):
        raise bad(f"expected an object, got {entry!r:.200}")
    if entry.get("file") != f"{name}.npy":
        raise bad(f"file must be {name + '.npy'!r}, got {entry.get('file')!r:.200}")
    want = _V1_DTYPES.get(name, _ARRAYS[name][1]) if version == 1 else _ARRAYS[name][1]
    dtype = entry.get("dtype")
    if want is None:
        try:
            ok = isinstance(dtype, str) and np.dtype(dtype).kind in _LABEL_KINDS and np.dtype(dtype).str == dtype
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise bad("dtype must be an integer, float or unicode dtype string such as '<i8' or '<U12', got "
                      f"{dtype!r:.200}")
    elif dtype not in want:
        raise bad(f"dtype must be {' or '.join(map(repr, want))}, got {dtype!r:.200}")
    length = {"n": n, "n+1": n + 1, "m": m}[_ARRAYS[name][2]]
    if entry.get("shape") != [length]:
        raise bad(f"shape must be [{length}] ({_ARRAYS[name][2]} with n={n}, m={m}), got {entry.get('shape')!r:.200}")
    if not _is_int(entry.get("bytes")) or entry["bytes"] < 0:
        raise bad(f"bytes must be a non-negative integer, got {entry.get('bytes')!r:.200}")
    digest = entry.get("sha256")
    if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        raise bad(f"sha256 must be 64 lowercase hex digits, got {digest!r:.200}")


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _regular_file(path: Path, what: str) -> os.stat_result:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: missing file ({what})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: not a regular file ({what})")
    return st


def _read_json(path: Path) -> Any:
    st = _regular_file(path, "a graph store's header")
    if st.st_size > MAX_HEADER_BYTES:
        raise InputError(f"{path}: bad header: {st.st_size} bytes, more than the limit of {MAX_HEADER_BYTES}")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: bad header: not valid JSON ({exc})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while k := fh.readinto(buf):
            sha.update(view[:k])
    return sha.hexdigest()


def _load_array(root: Path, name: str, entry: dict[str, Any], mmap: bool, verify: bool) -> np.ndarray:
    path = root / entry["file"]
    st = _regular_file(path, f"{HEADER} lists the array {name!r}")
    if st.st_size != entry["bytes"]:
        raise InputError(f"{path}: size mismatch: {HEADER} says {entry['bytes']} bytes, the file has "
                         f"{st.st_size} (truncated or overwritten)")
    if verify:
        digest = _sha256(path)
        if digest != entry["sha256"]:
            raise InputError(f"{path}: checksum mismatch: its SHA-256 is {digest}, {HEADER} says "
                             f"{entry['sha256']}; the file is corrupted")
    try:
        arr = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable .npy array file ({exc})") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.str != entry["dtype"] or list(arr.shape) != entry["shape"]:
        found = f"{arr.dtype.str} {list(arr.shape)}" if isinstance(arr, np.ndarray) else type(arr).__name__
        raise InputError(f"{path}: the file holds {found}, {HEADER} says {entry['dtype']} {entry['shape']}")
    if not arr.dtype.isnative:  # a big-endian machine: the kernels need native order
        arr = arr.astype(arr.dtype.newbyteorder("="))
    elif mmap:
        arr = arr.view(np.ndarray)  # a plain read-only array over the mapping, not an np.memmap
    return arr


def _check_structure(root: Path, arrays: dict[str, np.ndarray], n: int) -> None:
    """The checks a graph gets when built, for a store whose bytes may have been written by anyone."""
    indptr, indices = arrays["indptr"], arrays["indices"]
    if indptr.size > 1 and (np.diff(indptr) < 0).any():
        u = int(np.flatnonzero(np.diff(indptr) < 0)[0])
        raise InputError(f"{root / 'indptr.npy'}: bad data: indptr decreases at node {u}")
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= n):
        i = int(np.flatnonzero((indices < 0) | (indices >= n))[0])
        raise InputError(f"{root / 'indices.npy'}: bad data: arc {i} points to node {int(indices[i])}, "
                         f"outside 0 .. {n - 1}")
    prob = arrays.get("prob")
    if prob is not None and prob.size and not ((prob >= 0.0) & (prob <= 1.0)).all():
        i = int(np.flatnonzero(~((prob >= 0.0) & (prob <= 1.0)))[0])
        raise InputError(f"{root / 'prob.npy'}: bad data: arc {i} has probability {float(prob[i])!r}, outside [0, 1]")
    community = arrays.get("community")
    if community is not None and community.size and int(community.min()) < 0:
        raise InputError(f"{root / 'community.npy'}: bad data: a community label is negative")
