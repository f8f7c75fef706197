"""The streaming edge list -> store converter (virality.convert): the same arrays as reading the whole file
with read_edgelist(relabel=False) and saving it, at any block size; the same errors, naming file and line."""

from __future__ import annotations

import gzip
import re
import warnings

import numpy as np
import pytest

from virality import convert
from virality.cli import main
from virality.convert import edgelist_to_store
from virality.errors import InputError
from virality.io import read_edgelist
from virality.store import load_graph


def _text(seed: int, weighted: bool) -> str:
    rng = np.random.default_rng(seed)
    m = 400
    u, v = rng.integers(0, 60, m), rng.integers(0, 60, m)
    u[:5], v[:5] = 7, 7  # self-loops
    u[10:20], v[10:20] = 3, 4  # parallel copies, each its own weight
    w = rng.random(m).round(rng.integers(1, 9))
    lines = ["# a comment", "% another", ""]
    for i in range(m):
        body = f"{u[i]} {v[i]} {float(w[i])!r}" if weighted else f"{u[i]}\t{v[i]}"
        lines.append(body + ("\r" if i % 7 == 0 else ""))
        if i % 50 == 0:
            lines.append("   ")
    return "\n".join(lines) + "\n"


def _same(path, store, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = read_edgelist(path, relabel=False, **kw)
        got = load_graph(store)
    assert (got.n, got.m) == (want.n, want.m)
    assert np.array_equal(got.indptr, want.indptr) and got.indptr.dtype == want.indptr.dtype
    assert np.array_equal(got.indices, want.indices)
    if want.prob is None:
        assert got.prob is None
    else:
        assert got.prob.dtype == np.float32 and np.array_equal(got.prob, want.prob)


@pytest.mark.parametrize("block", [16, 1000, 1 << 25])
@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("directed", [True, False])
def test_streaming_build_equals_the_one_shot_build(tmp_path, block, weighted, directed):
    path = tmp_path / "g.txt"
    path.write_text(_text(block + weighted, weighted))
    with pytest.warns(UserWarning, match=r"dropped \d+ self-loop\(s\), the first on line 4"):
        store = edgelist_to_store(path, tmp_path / "s", directed=directed, block_bytes=block)
    _same(path, store, directed=directed)


def test_gzip_header_and_csv(tmp_path):
    text = "5 3\n0 1\n1 2\n3 0\n"
    (tmp_path / "h.txt.gz").write_bytes(gzip.compress(text.encode()))
    store = edgelist_to_store(tmp_path / "h.txt.gz", tmp_path / "a")
    assert load_graph(store).n == 5  # the header's n: node 4 has no arcs
    _same(tmp_path / "h.txt.gz", store)
    (tmp_path / "c.csv").write_text("source,target,weight\n0,1,0.5\n2,0,0.25\n")
    _same(tmp_path / "c.csv", edgelist_to_store(tmp_path / "c.csv", tmp_path / "b"))
    # "n m" whose m does not match: the first line is an arc
    (tmp_path / "x.txt").write_text("3 2\n0 1\n")
    _same(tmp_path / "x.txt", edgelist_to_store(tmp_path / "x.txt", tmp_path / "c"))


@pytest.mark.parametrize("text, line, expected", [
    ("0 1\n1 2 3 4\n", 2, "'u v' or 'u v weight'"),
    ("0 1 0.5\n1 2 x\n", 2, "'u v weight' with a numeric weight"),
    ("0 1 0.5\n1 2 1.5\n", 2, "a weight (probability) in [0, 1] as the third field"),
    ("0 1\n1 2 0.5\n", 2, "'u v' like line 1 (pass weighted=False to ignore a third column)"),
    ("0,1\n1,,2\n", 2, "fields separated by a single ','"),
])
def test_errors_name_file_and_line_as_read_edgelist_does(tmp_path, text, line, expected):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputError) as ours:
        edgelist_to_store(path, tmp_path / "s", block_bytes=4)
    with pytest.raises(InputError) as theirs:
        read_edgelist(path)
    assert str(ours.value).startswith(f"{path}:{line}: expected {expected}")
    assert str(ours.value) == str(theirs.value)
    assert not (tmp_path / "s").exists()


def test_what_it_does_not_read(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("0 1\nalice bob\n")
    with pytest.raises(InputError, match=re.escape(f"{path}:2: expected non-negative integer node ids")):
        edgelist_to_store(path, tmp_path / "s")
    path.write_text("# nothing\n")
    with pytest.raises(InputError, match="no arcs found"):
        edgelist_to_store(path, tmp_path / "s")
    with pytest.raises(InputError, match="no such file"):
        edgelist_to_store(tmp_path / "missing.txt", tmp_path / "s")


@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
@pytest.mark.parametrize("block", [4, 9, 1 << 20])
def test_any_chunk_of_arcs_and_block_of_text_gives_the_same_store(tmp_path, monkeypatch, chunk, block):
    # the kernel parses at most _CHUNK arcs per call; a block grows to hold a line longer than it
    monkeypatch.setattr(convert, "_CHUNK", chunk)
    path = tmp_path / "g.txt"
    path.write_bytes(b"\xef\xbb\xbf// two-byte comment prefix\n5,0\n0,1\n\n1,4\n" + b"3,2" + b" " * 40 + b"\n4,4\n2,1")
    with pytest.warns(UserWarning, match="dropped 1 self-loop"):
        store = edgelist_to_store(path, tmp_path / "s", directed=False, comments="//", block_bytes=block)
    _same(path, store, directed=False, comments="//")
    assert load_graph(store).indices.tolist() == [1, 5, 0, 2, 4, 1, 3, 2, 1, 0]


def test_cli_convert(tmp_path, capsys):
    path = tmp_path / "g.txt"
    path.write_text("0 1\n1 2\n2 2\n")
    assert main(["convert", str(path), str(tmp_path / "s"), "--undirected"]) == 0
    out, err = capsys.readouterr()
    assert out == f"{tmp_path / 's'}: n=3 nodes, m=4 arcs\n"
    assert err == f"virality: warning: {path}: dropped 1 self-loop(s), the first on line 3\n"
    _same(path, tmp_path / "s", directed=False)
    path.write_text("0 1\n1 x\n")
    assert main(["convert", str(path), str(tmp_path / "t")]) == 2
    assert capsys.readouterr().err.startswith(f"virality: error: {path}:2: expected non-negative integer node ids")
    assert not (tmp_path / "t").exists()


@pytest.mark.parametrize("block", [8, 1 << 20])
def test_weights_in_any_notation_are_read_as_numpy_reads_them(tmp_path, block):
    # plain decimals are parsed by the kernel; an exponent, a sign or many digits go to numpy's parser
    weights = ["0.1", "1", ".5", "0.", "1e-3", "0.30000000000000004", "+0.25", "5E-1", "0.7", "0.0000001", "1.000"]
    path = tmp_path / "w.txt"
    path.write_text("".join(f"{i} {(i * 7) % 5 + 11} {x}\n" for i, x in enumerate(weights)))
    store = edgelist_to_store(path, tmp_path / "s", directed=False, block_bytes=block)
    _same(path, store, directed=False)
    path.write_text("0 1 0.5\n1 2 1e-3\n2 3 2e0\n")
    with pytest.raises(InputError, match=re.escape(f"{path}:3: expected a weight (probability) in [0, 1]")):
        edgelist_to_store(path, tmp_path / "t", block_bytes=block)
