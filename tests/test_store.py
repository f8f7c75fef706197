"""The graph store (virality.store): a folder of raw arrays plus graph.json, loaded memory-mapped.

Round trips must give back every array and attribute; a damaged store must be an InputError naming the
file and what is wrong; a memory-mapped graph must give the kernels' exact results; saving must never
replace something that is not a store.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import virality
import virality.store as vs
from virality import (
    Graph,
    Influencers,
    Plan,
    load_graph,
    run_campaign,
    save_graph,
    simulate,
)
from virality.errors import InputError
from virality.generators import social_graph
from virality.store import store_info

FIELDS = ("indptr", "indices", "prob", "community", "followers_data", "labels")


def assert_same_graph(a: Graph, b: Graph) -> None:
    assert (a.n, a.m, a.name) == (b.n, b.m, b.name)
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert (x is None) == (y is None), f
        if isinstance(x, float):  # a uniform probability: a float in the header, no array
            assert type(y) is float and x == y, f
        elif x is not None:
            assert np.asarray(x).tolist() == np.asarray(y).tolist(), f
            if f != "labels":
                assert x.dtype == y.dtype, f


def _graphs() -> dict[str, Graph]:
    src, dst = [0, 0, 1, 2, 3, 3, 4], [1, 2, 2, 0, 4, 1, 0]
    return {
        "bare": Graph.from_edges(src, dst),
        "prob": Graph.from_edges(src, dst, prob=np.linspace(0.1, 0.7, 7), name="p"),
        "community": Graph.from_edges(src, dst, prob=0.3, community=[0, 0, 1, 1, 2], name="c"),
        "string_labels": Graph.from_edges(src, dst, labels=np.array(["a", "bb", "ccc", "dé", "€"]), name="s"),
        "int_labels": Graph.from_edges(src, dst, labels=np.array([10, 20, 30, 40, 10**12]), name="i"),
        "followers": Graph.from_edges(src, dst, followers=[5, 0, 7, 1, 2]),
        "everything": Graph.from_edges(src, dst, prob=np.linspace(0.2, 0.8, 7), community=[1, 0, 1, 0, 1], followers=[1, 2, 3, 4, 5],
                                       labels=np.array(["u", "v", "w", "x", "y"]), name="all"),
        "no_arcs": Graph.from_edges([], [], n=3, name="empty"),
        "no_arcs_prob": Graph.from_edges([], [], n=3, prob=np.zeros(0)),
        "no_nodes": Graph.from_edges([], [], n=0),
        "networkx": Graph.from_networkx(nx.karate_club_graph(), prob=0.1),  # int labels as Python objects
        "networkx_str": Graph.from_networkx(nx.relabel_nodes(nx.path_graph(4), str), prob=1.0),
    }


GRAPHS = _graphs()


@pytest.mark.parametrize("mmap", [True, False], ids=["mmap", "memory"])
@pytest.mark.parametrize("key", list(GRAPHS))
def test_round_trip(tmp_path, key, mmap):
    g = GRAPHS[key]
    store = save_graph(g, tmp_path / "store")
    h = load_graph(store, mmap=mmap)
    assert_same_graph(g, h)
    assert h.indices.flags.writeable is not mmap  # memory-mapped arrays are read-only
    assert load_graph(store, mmap=mmap, verify=True).n == g.n
    files = {p.name for p in store.iterdir()}
    held = {n for n, (a, _, _) in vs._ARRAYS.items() if isinstance(getattr(g, a), np.ndarray)}
    assert files == {"graph.json", *(f"{n}.npy" for n in held)}
    assert not [p for p in tmp_path.iterdir() if p.name != "store"]  # no temporary folder left


def test_header_records_format_sizes_and_checksums(tmp_path):
    g = GRAPHS["everything"]
    store = save_graph(g, tmp_path / "s", provenance={"source": "test", "seed": 7, "args": [1, 2.5, None]})
    header = json.loads((store / "graph.json").read_text())
    assert header["format"] == "virality-graph" and header["format_version"] == 2
    assert (header["n"], header["m"], header["name"]) == (5, 7, "all")
    assert header["provenance"] == {"source": "test", "seed": 7, "args": [1, 2.5, None]}
    assert store_info(store)["provenance"] == header["provenance"]
    for entry in header["arrays"].values():
        data = (store / entry["file"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert np.load(store / entry["file"], allow_pickle=False).dtype.str == entry["dtype"]
    assert header["arrays"]["indptr"]["shape"] == [6] and header["arrays"]["indices"]["dtype"] == "<i4"
    assert header["arrays"]["indptr"]["dtype"] == "<i4" and header["arrays"]["prob"]["dtype"] == "<f4"
    assert header["prob"] is None
    uniform = json.loads((save_graph(GRAPHS["community"], tmp_path / "u") / "graph.json").read_text())
    assert uniform["prob"] == 0.3 and "prob" not in uniform["arrays"]  # no array for one probability
    assert save_graph(GRAPHS["bare"], tmp_path / "t") and store_info(tmp_path / "t")["provenance"] == {}


def test_labels_that_cannot_be_stored_are_refused(tmp_path):
    g = Graph.from_networkx(nx.relabel_nodes(nx.path_graph(3), {0: 0, 1: "one", 2: 2}))
    with pytest.raises(InputError, match="all strings or all integers.*label 1 is 'one'"):
        save_graph(g, tmp_path / "s")
    g = Graph.from_networkx(nx.grid_2d_graph(2, 2))  # tuple labels (a 2-D object array)
    with pytest.raises(InputError, match="labels must"):
        save_graph(g, tmp_path / "s")
    with pytest.raises(InputError, match="provenance must be JSON"):
        save_graph(GRAPHS["bare"], tmp_path / "s", provenance={"x": float("nan")})
    with pytest.raises(InputError, match="provenance must be a dict"):
        save_graph(GRAPHS["bare"], tmp_path / "s", provenance=[1])
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------------------- damaged stores
@pytest.fixture
def store(tmp_path) -> Path:
    return save_graph(GRAPHS["everything"], tmp_path / "store")


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # inside the data, past the .npy header
    path.write_bytes(bytes(data))


def test_flipped_byte_is_found_by_verify(store):
    _flip_last_byte(store / "indices.npy")
    load_graph(store)  # the default does not read the data: documented
    for mmap in (True, False):
        with pytest.raises(InputError, match=r"indices\.npy: checksum mismatch"):
            load_graph(store, mmap=mmap, verify=True)


def test_truncated_file_is_found_without_verify(store):
    path = store / "prob.npy"
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(InputError, match=r"prob\.npy: size mismatch: graph\.json says \d+ bytes, the file has \d+"):
        load_graph(store)


def test_missing_file(store):
    (store / "community.npy").unlink()
    with pytest.raises(InputError, match=r"community\.npy: missing file"):
        load_graph(store)


def test_same_size_file_of_another_type(store):
    np.save(store / "indices.npy", np.zeros(7, dtype=np.float32))  # same byte count as 7 int32
    with pytest.raises(InputError, match=r"indices\.npy: the file holds <f4 \[7\], graph\.json says <i4 \[7\]"):
        load_graph(store)


def test_npy_header_garbage(store):
    path = store / "indptr.npy"
    path.write_bytes(b"X" * path.stat().st_size)
    with pytest.raises(InputError, match=r"indptr\.npy: not a readable \.npy"):
        load_graph(store)


def _edit_header(store: Path, edit) -> None:
    header = json.loads((store / "graph.json").read_text())
    edit(header)
    (store / "graph.json").write_text(json.dumps(header))


@pytest.mark.parametrize("edit, message", [
    (lambda h: h.update(format_version=3), r"unknown format version 3 \(written by a newer virality.*reads "
                                           "versions 1, 2"),
    (lambda h: h.update(format_version="1"), "bad header: format_version must be an integer"),
    (lambda h: h.update(format="something"), "bad header: format is 'something'"),
    (lambda h: h.update(n=6), r"bad header: arrays.indptr: shape must be \[7\]"),
    (lambda h: h.update(m=-1), "bad header: m must be a non-negative integer"),
    (lambda h: h["arrays"]["prob"].update(dtype="<f8"), "bad header: arrays.prob: dtype must be '<f4'"),
    (lambda h: h["arrays"]["indptr"].update(dtype="<u4"), "bad header: arrays.indptr: dtype must be '<i4' or '<i8'"),
    (lambda h: h.update(prob=0.5), r"bad header: prob must be null or a number in \[0, 1\] \(with no prob array\)"),
    (lambda h: h.update(prob=1.5, arrays={k: v for k, v in h["arrays"].items() if k != "prob"}),
     "bad header: prob must be null or a number in"),
    (lambda h: h.update(prob="0.5", arrays={k: v for k, v in h["arrays"].items() if k != "prob"}),
     "bad header: prob must be null or a number in"),
    (lambda h: h["arrays"]["labels"].update(dtype="|O"), "bad header: arrays.labels: dtype must be"),
    (lambda h: h["arrays"]["prob"].update(file="../prob.npy"), "bad header: arrays.prob: file must be 'prob.npy'"),
    (lambda h: h["arrays"]["prob"].update(sha256="xyz"), "bad header: arrays.prob: sha256"),
    (lambda h: h["arrays"]["prob"].update(bytes=12), r"prob\.npy: size mismatch"),
    (lambda h: h["arrays"].pop("indices"), "bad header: arrays has no 'indices' entry"),
    (lambda h: h["arrays"].update(weights=h["arrays"]["prob"]), "bad header: unknown array 'weights'"),
    (lambda h: h.update(name=3), "bad header: name must be a string"),
])
def test_bad_header(store, edit, message):
    _edit_header(store, edit)
    with pytest.raises(InputError, match=message) as info:
        load_graph(store)
    assert str(store) in str(info.value)


def test_header_not_json_or_missing(store, tmp_path):
    (store / "graph.json").write_text('{"format": "virality-graph", ')
    with pytest.raises(InputError, match=r"graph\.json: bad header: not valid JSON"):
        load_graph(store)
    (store / "graph.json").write_text("[1, 2]")
    with pytest.raises(InputError, match=r"graph\.json: bad header: expected a JSON object"):
        load_graph(store)
    (store / "graph.json").unlink()
    with pytest.raises(InputError, match=r"graph\.json: missing file"):
        load_graph(store)
    with pytest.raises(InputError, match="not a graph store \\(no such directory\\)"):
        load_graph(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a graph store \\(not a directory\\)"):
        load_graph(tmp_path / "file")


def test_verify_checks_the_structure_of_consistent_bytes(store):
    """A store whose checksums match but whose graph is broken (written by something else): verify
    catches it before a kernel reads out of bounds."""
    np.save(store / "indices.npy", np.array([1, 2, 9, 0, 4, 1, 0], dtype=np.int32))

    def rehash(h):
        data = (store / "indices.npy").read_bytes()
        h["arrays"]["indices"].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())

    _edit_header(store, rehash)
    with pytest.raises(InputError, match=r"indices\.npy: bad data: arc 2 points to node 9, outside 0 \.\. 4"):
        load_graph(store, verify=True)
    np.save(store / "indptr.npy", np.array([0, 2, 3, 4, 7, 6], dtype=np.int32))
    with pytest.raises(InputError, match=r"indptr\.npy: bad data: indptr must run from 0 to m=7"):
        load_graph(store)


# ----------------------------------------------------------------------------------------- kernels on a mapped graph
def test_memory_mapped_graph_gives_the_same_cascades(tmp_path):
    g = social_graph(3000, mean_degree=8, rng=5, prob=0.08)
    h = load_graph(save_graph(g, tmp_path / "g"))
    assert not h.indptr.flags.writeable and not h.community.flags.writeable and h.prob == 0.08
    g2 = g.with_prob(np.random.default_rng(3).uniform(0.0, 0.16, g.m))  # one float32 per arc
    h2 = load_graph(save_graph(g2, tmp_path / "g2"))
    assert not h2.prob.flags.writeable and h2.prob.dtype == np.float32
    seeds = [0, 17, 123, 2999]
    for x, y in ((g, h), (g2, h2)):
        a = simulate(x, seeds, model="ic", runs=50, rng=1)
        b = simulate(y, seeds, model="ic", runs=50, rng=1)
        assert a.final_sizes.sum() > 50 * len(seeds)  # cascades happened
        for f in ("final_sizes", "step_counts", "adoption_frequency"):
            assert np.array_equal(getattr(a, f), getattr(b, f)), f
    a = simulate(g, seeds, model="lt", runs=20, rng=2, record=True)
    b = simulate(h, seeds, model="lt", runs=20, rng=2, record=True)
    assert np.array_equal(a.times, b.times) and np.array_equal(a.parents, b.parents)
    plan = Plan(influencers=Influencers(nodes=(3, 40, 500), trust=0.6))
    c, d = run_campaign(g, plan, runs=30, rng=1), run_campaign(h, plan, runs=30, rng=1)
    assert c.raw[:, 0].sum() > 0
    for f in ("raw", "community", "step_counts", "node_stats", "community_flows"):
        assert np.array_equal(getattr(c, f), getattr(d, f)), f
    assert np.array_equal(h.indices, g.indices)  # nothing wrote into the mapped arrays


# ----------------------------------------------------------------------------------------- where a store may go
def test_saving_over_something_else_is_refused(tmp_path):
    g = GRAPHS["prob"]
    d = tmp_path / "d"
    d.mkdir()
    (d / "keep.txt").write_text("precious")
    with pytest.raises(InputError, match="is not a graph store .*refusing to replace it"):
        save_graph(g, d)
    assert (d / "keep.txt").read_text() == "precious"
    (d / "graph.json").write_text('{"format": "something else"}')
    with pytest.raises(InputError, match="is not a graph store"):
        save_graph(g, d)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="is not a graph store"):
        save_graph(g, empty)
    f = tmp_path / "f.txt"
    f.write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        save_graph(g, f)
    real = save_graph(g, tmp_path / "real")
    os.symlink(real, tmp_path / "link")
    with pytest.raises(InputError, match="symbolic link"):
        save_graph(g, tmp_path / "link")
    assert f.read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "empty", "f.txt", "link", "real"]


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_saving_over_a_store_replaces_it(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(vs, "_exchange", lambda a, b: False)
    target = save_graph(GRAPHS["everything"], tmp_path / "sub" / "s")
    mapped = load_graph(target)
    save_graph(GRAPHS["bare"], target)
    assert_same_graph(load_graph(target), GRAPHS["bare"])
    assert_same_graph(mapped, GRAPHS["everything"])  # a reader of the old store keeps the old arrays
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["s"]
    save_graph(load_graph(target), target)  # a mapped graph saved over its own store
    assert_same_graph(load_graph(target, verify=True), GRAPHS["bare"])


def test_a_failed_save_leaves_the_old_store(tmp_path, monkeypatch):
    target = save_graph(GRAPHS["everything"], tmp_path / "s")
    calls = []

    def failing(path, arr, sync):
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(path, arr, sync)

    real = vs._write_array
    monkeypatch.setattr(vs, "_write_array", failing)
    with pytest.raises(OSError, match="No space left"):
        save_graph(GRAPHS["prob"], target)
    assert_same_graph(load_graph(target, verify=True), GRAPHS["everything"])
    assert [p.name for p in tmp_path.iterdir()] == ["s"]


def test_top_level_names():
    assert virality.save_graph is save_graph and virality.load_graph is load_graph


def test_community_names_round_trip(tmp_path):
    from virality.store import load_graph, save_graph

    g = Graph.from_edges([0, 1], [1, 2]).with_community(["sales", "hr", "sales"])
    back = load_graph(save_graph(g, tmp_path / "s"))
    assert back.community_names == ("hr", "sales") and back.community.tolist() == [1, 0, 1]


def test_a_version_1_store_is_still_read(tmp_path):
    """Version 1 wrote int64 indptr and float64 probabilities; they load as the graph holds them now."""
    g = GRAPHS["everything"]
    store = save_graph(g, tmp_path / "v1")
    indptr, prob = g.indptr.astype(np.int64), g.prob.astype(np.float64)
    header = json.loads((store / "graph.json").read_text())
    for name, arr in (("indptr", indptr), ("prob", prob)):
        np.save(store / f"{name}.npy", arr)
        data = (store / f"{name}.npy").read_bytes()
        header["arrays"][name].update(dtype=arr.dtype.str, bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    header["format_version"] = 1
    del header["prob"]
    (store / "graph.json").write_text(json.dumps(header))
    h = load_graph(store, verify=True)
    assert h.indptr.dtype == np.int64 and h.indptr.tolist() == g.indptr.tolist()
    assert h.prob.dtype == np.float32 and np.array_equal(h.prob, g.prob)
    header["prob"] = 0.5  # version 1 had no uniform probability
    (store / "graph.json").write_text(json.dumps(header))
    with pytest.raises(InputError, match="bad header: prob must be null"):
        load_graph(store)


@pytest.fixture(params=["page cache", "direct"])
def writes(request, monkeypatch):
    """Save every array through the page cache, or with O_DIRECT (as arrays of DIRECT_BYTES and more are)."""
    if request.param == "direct":
        monkeypatch.setattr(vs, "DIRECT_BYTES", 0)
    return request.param


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_every_array_file_is_the_bytes_numpy_save_writes(tmp_path, name, writes):
    import io

    store = save_graph(GRAPHS[name], tmp_path / "s")
    info = json.loads((store / "graph.json").read_text())
    for entry in info["arrays"].values():
        data = (store / entry["file"]).read_bytes()
        buf = io.BytesIO()
        np.save(buf, np.load(store / entry["file"]), allow_pickle=False)
        assert data == buf.getvalue()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)


def test_only_a_synced_save_waits_for_the_disk(tmp_path, monkeypatch, writes):
    synced = []
    real = os.fsync
    monkeypatch.setattr(vs.os, "fsync", lambda fd: synced.append(fd) or real(fd))
    save_graph(GRAPHS["everything"], tmp_path / "fast")
    assert synced == []
    store = save_graph(GRAPHS["everything"], tmp_path / "durable", sync=True)
    files = len(list(store.iterdir()))
    assert len(synced) == files + 2  # every file, the store's folder and the folder it is in
    assert_same_graph(load_graph(store, verify=True), GRAPHS["everything"])


@pytest.mark.skipif(not hasattr(os, "O_DIRECT"), reason="no O_DIRECT here")
@pytest.mark.parametrize("refuses", ["open", "write"])
def test_a_file_system_without_o_direct_gets_the_same_files(tmp_path, monkeypatch, refuses):
    """Large arrays are written with O_DIRECT; where open or the first write says EINVAL (tmpfs, some network
    file systems), the file is written through the page cache instead, byte for byte the same."""
    import errno

    monkeypatch.setattr(vs, "DIRECT_BYTES", 0)
    g = GRAPHS["everything"]
    direct = []
    real_open, real_write = os.open, os.write

    def spy_open(path, flags, *args):
        if flags & os.O_DIRECT:
            direct.append(Path(path).name)
            if refuses == "open":
                raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, *args)

    def spy_write(fd, data):
        if refuses == "write" and len(data) % vs._ALIGN == 0 and len(data) >= vs._ALIGN:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(vs.os, "open", spy_open)
    monkeypatch.setattr(vs.os, "write", spy_write)
    store = save_graph(g, tmp_path / "s")
    assert sorted(direct) == sorted(f"{name}.npy" for name in vs._arrays_of(g))  # each array tried O_DIRECT
    assert_same_graph(load_graph(store, verify=True), g)
    monkeypatch.undo()
    reference = save_graph(g, tmp_path / "r")
    assert sorted(p.name for p in store.iterdir()) == sorted(p.name for p in reference.iterdir())
    for p in reference.glob("*.npy"):
        assert (store / p.name).read_bytes() == p.read_bytes()
