"""A config's graph, built once: in memory per process, and on disk as a graph store that later runs,
resumes and Dask workers open by path.

The cache is a folder of graph stores (:mod:`virality.store`), one per graph, named by the SHA-256 of
everything that determines the graph: the ``[graph]`` table less ``p`` (the generator and its parameters
with the experiment's seed, or the data set, or the edge-list and labels files by path and content), the
store format, the package version and the source of the modules that build graphs (so that a changed
generator never hands out an old graph). ``p`` is applied when the store is opened: configs or sweep cells
that differ only in ``p`` share one store. The folder is ``$VIRALITY_GRAPH_CACHE``, else
``$XDG_CACHE_HOME/virality/graphs``, else ``~/.cache/virality/graphs``; ``VIRALITY_GRAPH_CACHE=off``
turns the cache off. Entries are written atomically (:func:`~virality.store.save_graph`), so a
half-written store is never picked up, and checked in full (``verify=True``) the first time a run uses
them: one found corrupt is rebuilt with a warning naming the file. Deleting the folder clears the cache.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Callable

import numpy as np

from . import _build, datasets, generators, graph, io, store
from ._version import __version__
from .config import GENERATORS, GraphSpec
from .datasets import load_dataset
from .errors import InputError
from .graph import Graph
from .io import read_communities, read_edgelist

__all__ = ["GRAPH_STREAM", "build_graph", "cache_dir", "graph_key", "graph_store", "graph_stores", "open_graph"]

#: the stream of the experiment's seed that generates its graph (:mod:`virality.experiment` numbers the rest)
GRAPH_STREAM = 1
#: the environment variable naming the cache folder (or ``off``)
ENV = "VIRALITY_GRAPH_CACHE"


# ------------------------------------------------------------------------------------- in memory
@functools.lru_cache(maxsize=4)
def _cached_graph(spec_json: str, seed: int) -> Graph:
    return _build_graph(GraphSpec(**json.loads(spec_json)), seed)


def build_graph(spec: GraphSpec, seed: int) -> Graph:
    """The graph of a ``[graph]`` table, built in memory (cached per process: the last few graphs)."""
    return _cached_graph(spec.model_dump_json(), seed)


def _build_graph(spec: GraphSpec, seed: int) -> Graph:
    return _with_p(_topology(spec, seed), spec)


def _topology(spec: GraphSpec, seed: int) -> Graph:
    """The graph as generated or read, before ``p``: what the cache stores."""
    if spec.generator is not None:
        return GENERATORS[spec.generator](**spec.params, rng=np.random.SeedSequence([seed, GRAPH_STREAM]))
    if spec.dataset is not None:
        return load_dataset(spec.dataset)
    g = read_edgelist(spec.file, directed=not spec.undirected)
    return read_communities(spec.labels, graph=g) if spec.labels else g


def _with_p(g: Graph, spec: GraphSpec) -> Graph:
    if spec.p == "weighted_cascade":
        return g.with_prob(g.weighted_cascade())
    if spec.p == "file":
        if g.prob is None:
            raise InputError(f"graph.p = 'file' but {spec.file or spec.dataset or spec.generator} has no arc weights")
        return g
    return g.with_prob(float(spec.p))


# ------------------------------------------------------------------------------------- on disk
def cache_dir() -> Path | None:
    """The cache folder (see the module docstring); None when ``VIRALITY_GRAPH_CACHE=off``."""
    env = os.environ.get(ENV, "").strip()
    if env.lower() == "off":
        return None
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "virality" / "graphs"


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    h = hashlib.sha256()
    for module in (_build, datasets, generators, graph, io, store):
        h.update(Path(module.__file__).read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=64)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def graph_key(spec: GraphSpec, seed: int) -> str:
    """The cache entry's name: SHA-256 (hex) of everything that determines the graph before ``p`` (an
    ``OSError`` when an input file is missing or not a regular file)."""
    files = {}
    for name in (spec.file, spec.labels):
        if name:
            st = os.stat(name)
            if not stat.S_ISREG(st.st_mode):  # a FIFO would block the hash; the reader refuses it
                raise OSError(errno.EINVAL, "not a regular file", name)
            files[name] = _file_digest(str(name), st.st_size, st.st_mtime_ns)
    key = {"graph": spec.model_dump(mode="json", exclude={"p"}), "seed": seed if spec.generator else None,
           "files": files, "format": store.FORMAT_VERSION, "virality": __version__, "code": _code_digest()}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def graph_store(spec: GraphSpec, seed: int, cache: Path, log: Callable[[str], None] = print) -> Path | None:
    """The store of this graph in ``cache``: built and saved when missing, checked in full when found
    (one found corrupt is rebuilt, with a warning naming the file). None, with a warning, when the cache
    cannot be written: the caller builds the graph in memory instead."""
    try:
        path = Path(cache) / graph_key(spec, seed)
    except OSError:
        return None  # a missing or odd input file: building the graph names it
    if path.is_dir():
        try:
            store.load_graph(path, verify=True)
            return path
        except InputError as exc:
            log(f"warning: graph cache: {exc}; rebuilding {path}")
    g = _topology(spec, seed)
    try:
        if path.is_dir() and not path.is_symlink():  # a corrupt entry (save_graph refuses a non-store)
            shutil.rmtree(path)
        elif os.path.lexists(path):
            path.unlink()
        store.save_graph(g, path, provenance={"graph": spec.model_dump(mode="json", exclude={"p"}), "seed": seed})
    except OSError as exc:
        log(f"warning: graph cache {cache}: cannot write ({exc.strerror or exc}); the graph is built in memory")
        return None
    return path


def graph_stores(graphs: list[tuple[GraphSpec, int]], log: Callable[[str], None] = print) -> list[Path | None]:
    """:func:`graph_store` in the cache folder of every ``(spec, seed)``, each distinct graph once; all
    None when the cache is off."""
    cache = cache_dir()
    found: dict[str, Path | None] = {}
    out = []
    for spec, seed in graphs:
        ident = json.dumps([spec.model_dump(mode="json", exclude={"p"}), seed if spec.generator else None])
        if cache is not None and ident not in found:
            found[ident] = graph_store(spec, seed, cache, log)
        out.append(found.get(ident))
    return out


@functools.lru_cache(maxsize=4)
def _open_store(path: str, inode: int, mtime_ns: int, spec_json: str) -> Graph:
    return _with_p(store.load_graph(path, mmap=True), GraphSpec(**json.loads(spec_json)))


def open_graph(spec: GraphSpec, seed: int, path: Path | str | None) -> Graph:
    """The graph of ``spec``: the store at ``path`` memory-mapped (processes that open the same store
    share its pages) with ``p`` applied, or built in memory when there is no store (``path`` None, or
    not on this machine: a Dask worker without the driver's file system). Cached per process."""
    if path is None or not Path(path).is_dir():
        return build_graph(spec, seed)
    st = os.stat(path)  # a rebuilt store is a new folder (save_graph renames it into place): never the old mapping
    return _open_store(str(path), st.st_ino, st.st_mtime_ns, spec.model_dump_json())
