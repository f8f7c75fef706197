"""The graph cache (a config's graph stored once, opened memory-mapped by every run, resume and Dask
worker) and Dask cells split into blocks of runs: identical tables, no rebuild, corrupt entries rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import TABLES, TINY

import virality.experiment as E
import virality.graph_cache as GC
from virality.config import load_config
from virality.experiment import run_experiment
from virality.store import load_graph


def run(config: Path, out: Path, **kw) -> tuple[Path, list[str]]:
    logs: list[str] = []
    return run_experiment(config, out=out, quiet=True, log=logs.append, **kw), logs


def tables(out: Path) -> dict[str, bytes]:
    return {name: (out / f"{name}.csv").read_bytes() for name in TABLES}


@pytest.fixture
def tiny(tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A fresh cache folder for this test."""
    folder = tmp_path / "graphs"
    monkeypatch.setenv("VIRALITY_GRAPH_CACHE", str(folder))
    return folder


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    """The graphs the cache built (by generator, data set or file)."""
    made: list[str] = []
    real = GC._topology

    def counting(spec, seed):
        made.append(spec.generator or spec.dataset or spec.file)
        return real(spec, seed)

    monkeypatch.setattr(GC, "_topology", counting)
    return made


@pytest.fixture(scope="module")
def uncached(tmp_path_factory) -> Path:
    """TINY run with the cache off: its graph built in memory, the reference for every cached run."""
    folder = tmp_path_factory.mktemp("uncached")
    (folder / "tiny.toml").write_text(TINY)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VIRALITY_GRAPH_CACHE", "off")
        out, _ = run(folder / "tiny.toml", folder / "out")
    return out


def only_entry(cache: Path) -> Path:
    entries = [p for p in cache.iterdir() if not p.name.startswith(".")]
    assert len(entries) == 1
    return entries[0]


# ------------------------------------------------------------------------------------- the cache
def test_a_cache_hit_skips_the_build_and_gives_identical_tables(tiny, tmp_path, cache, builds, uncached):
    a, logs = run(tiny, tmp_path / "a")
    assert builds == ["social_graph"] and logs == []
    store = only_entry(cache)
    assert len(store.name) == 64 and load_graph(store, verify=True).n == 300
    b, _ = run(tiny, tmp_path / "b")
    assert builds == ["social_graph"]  # the second run opened the store
    assert tables(a) == tables(b) == tables(uncached)
    # p is applied when the store is opened: a config differing only in p shares the store
    c, _ = run(tiny, tmp_path / "c", overrides=["graph.p=0.3"])
    assert builds == ["social_graph"] and only_entry(cache) == store
    assert tables(c)["runs"] != tables(a)["runs"]


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "bad header"])
def test_a_corrupt_cache_entry_is_rebuilt_with_a_warning_naming_the_file(tiny, tmp_path, cache, builds, uncached,
                                                                         damage):
    run(tiny, tmp_path / "a")
    store = only_entry(cache)
    if damage == "truncated":
        bad = store / "indices.npy"
        bad.write_bytes(bad.read_bytes()[:-4])
    elif damage == "flipped byte":  # same size: only the checksum catches it
        bad = store / "indices.npy"
        data = bytearray(bad.read_bytes())
        data[-1] ^= 0xFF
        bad.write_bytes(bytes(data))
    else:
        bad = store / "graph.json"
        bad.write_text("{not json")
    out, logs = run(tiny, tmp_path / "b")
    assert builds == ["social_graph", "social_graph"]
    assert len(logs) == 1 and logs[0].startswith(f"warning: graph cache: {bad}: ")
    assert logs[0].endswith(f"; rebuilding {store}")
    assert load_graph(store, verify=True).n == 300
    assert tables(out) == tables(uncached)


def test_an_unwritable_cache_builds_in_memory_with_a_warning(tiny, tmp_path, monkeypatch, uncached):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("")
    monkeypatch.setenv("VIRALITY_GRAPH_CACHE", str(blocker / "graphs"))
    out, logs = run(tiny, tmp_path / "out")
    assert len(logs) == 1 and logs[0].startswith(f"warning: graph cache {blocker / 'graphs'}: cannot write (")
    assert logs[0].endswith("); the graph is built in memory")
    assert tables(out) == tables(uncached)


def test_the_key_follows_what_determines_the_graph(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("0 1\n1 2\n")
    cfg = tmp_path / "file.toml"
    cfg.write_text(TINY.replace('generator = "social_graph"\nn = 300\ncommunities = 5', f'file = "{edges}"'))
    exp, _ = load_config(cfg)
    spec = exp.graph
    key = GC.graph_key(spec, 1)
    assert GC.graph_key(spec, 2) == key  # a file's graph does not depend on the seed
    assert GC.graph_key(spec.model_copy(update={"p": 0.5}), 1) == key
    assert GC.graph_key(spec.model_copy(update={"undirected": True}), 1) != key
    edges.write_text("0 1\n1 3\n")  # same size, new content
    assert GC.graph_key(spec, 1) != key
    cfg.write_text(TINY)
    gen = load_config(cfg)[0].graph
    assert GC.graph_key(gen, 1) != GC.graph_key(gen, 2)  # a generated graph does


def test_cache_off_and_the_default_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("VIRALITY_GRAPH_CACHE", "off")
    assert GC.cache_dir() is None
    monkeypatch.delenv("VIRALITY_GRAPH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert GC.cache_dir() == tmp_path / "virality" / "graphs"


# ------------------------------------------------------------------------------------- blocks of runs
def test_a_cell_in_blocks_equals_the_cell_in_one_piece_and_resumes_from_saved_blocks(tiny, tmp_path, cache):
    exp, _ = load_config(tiny)
    exp = exp.model_copy(update={"runs": 23})
    [store] = GC.graph_stores([(exp.graph, exp.seed)])
    whole = E.run_cell(exp, store=store)
    parts = tmp_path / "cell_0000.parts"
    first = E._Blocks(exp, store, parts)
    assert first.missing(3) == [(0, 3), (3, 10), (10, 17), (17, 23)]  # the records' runs apart
    first.add(10, 17, E._simulate_block(exp, store, first.plans, 10, 17))  # then interrupted
    again = E._Blocks(exp, store, parts)
    assert again.missing(2) == [(0, 3), (3, 10), (17, 23)]
    cell = None
    for start, end in again.missing(2):
        cell = again.add(start, end, E._simulate_block(exp, store, again.plans, start, end))
    assert cell is not None
    for name in (*TABLES, "records"):
        assert json.dumps(cell[name], default=lambda a: np.asarray(a).tolist()) == \
            json.dumps(whole[name], default=lambda a: np.asarray(a).tolist()), name
    assert cell["summary"] == whole["summary"]


# ------------------------------------------------------------------------------------- Dask
@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
            distributed.Client(c) as client:
        yield c, client


def test_dask_with_2_workers_and_a_stored_graph_equals_the_local_run(tiny, tmp_path, cache, dask_cluster, uncached):
    from dask.distributed import get_task_stream

    cluster, client = dask_cluster
    with get_task_stream(client) as stream:
        out, logs = run(tiny, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert logs == []
    assert len(stream.data) == 3  # one cell, fewer than the workers: runs 1-3 (with records), 4-13, 14-20
    assert tables(out) == tables(uncached)
    assert not (out / "cells" / "cell_0000.parts").exists()
    # the workers opened the store by path and never built the graph
    built = client.run(GC._cached_graph.cache_info)
    opened = client.run(GC._open_store.cache_info)
    assert [info.currsize for info in built.values()] == [0, 0]
    assert sum(info.misses for info in opened.values()) >= 1
