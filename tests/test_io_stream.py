"""The streaming edge-list reader (virality.convert): the same arrays as the in-memory reader
(``io._read_edgelist(stream=False)``) at any block size, and the same errors, naming file and line; both
for ``edgelist_to_store`` and for ``read_edgelist``, which streams the files of integer ids."""

from __future__ import annotations

import gzip
import re
import warnings

import numpy as np
import pytest

from virality import convert
from virality import io as vio
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


def _in_memory(path, **kw):
    """read_edgelist's result by the in-memory reader, the reference for the streaming one."""
    options = dict(directed=True, weighted=None, delimiter=None, comments=("#", "%"), header=None, parallel="keep",
                   relabel="auto", name=None)
    return vio._read_edgelist(path, **{**options, **kw}, warn_loops=True, stream=False)


def _same(path, store, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = _in_memory(path, relabel=False, **kw)
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
        _in_memory(path)
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


# ---------------------------------------------------------------------------------------------- read_edgelist
def _random_file(rng: np.random.Generator) -> tuple[bytes, dict]:
    """A small edge list with a random mix of what files hold, and random reader options."""
    k = int(rng.integers(1, 12))
    ids = rng.choice(["dense"] * 6 + ["sparse", "names", "negative", "mixed"])
    u, v = rng.integers(0, 9, k), rng.integers(0, 9, k)
    if ids == "sparse":
        u, v = u * 10**int(rng.integers(1, 9)), v * 7
    words = np.array(["alice", "bob", "source", "target", "x", "7", "-3", "0", "1e3"])

    def name(i):
        if ids == "names" or (ids == "mixed" and rng.random() < 0.3):
            return str(words[i % words.size])
        return str(-i if ids == "negative" and rng.random() < 0.3 else i)

    third = rng.choice(["none"] * 3 + ["weight"] * 2 + ["bad", "some"])
    sep = str(rng.choice([" "] * 3 + ["\t", ",", "  ", " , "]))
    end = str(rng.choice(["\n"] * 4 + ["\r\n", "\r"]))
    lines = []
    for i in range(k):
        fields = [name(int(u[i])), name(int(v[i]))]
        if third == "weight" or (third == "some" and rng.random() < 0.5):
            fields.append(str(rng.choice(["0.5", "1", "0", ".25", "1e-2", "0.123456789"])))
        elif third == "bad":
            fields.append(str(rng.choice(["1.5", "w", "-0.1", "2024"])))
        lines.append(sep.join(fields))
        if rng.random() < 0.1:
            lines.append(str(rng.choice(["", "# c", "% c", "   "])))
    first = rng.choice(["none", "none", "nm", "nm wrong", "names", "names 3", "words", "comment"])
    head = {"none": [], "nm": [f"{max(int(u.max()), int(v.max())) + 1} {k}"], "nm wrong": [f"3 {k + 1}"],
            "names": ["source target"], "names 3": ["source target weight"], "words": ["foo bar"],
            "comment": ["# a comment"]}[first]
    text = end.join([*head, *lines]) + (end if rng.random() < 0.8 else "")
    if rng.random() < 0.1:
        text = "\ufeff" + text
    options = dict(directed=bool(rng.random() < 0.6), weighted=[None, None, True, False][rng.integers(4)],
                   header=[None, None, True, False, "auto"][rng.integers(5)],
                   relabel=["auto", "auto", False][rng.integers(3)],
                   delimiter=None if rng.random() < 0.8 else ",")
    return text.encode(), options


def _outcome(read):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            g = read()
        except InputError as exc:
            return "error", str(exc)
    arrays = (g.indptr.tolist(), g.indices.tolist(), None if g.prob is None else g.prob.tolist(),
              None if g.labels is None else g.labels.tolist())
    return g.n, g.m, g.name, arrays, [str(w.message) for w in caught]


@pytest.mark.parametrize("seed", range(4))
def test_read_edgelist_streams_what_the_in_memory_reader_reads(tmp_path, seed):
    """Random files and options: the same graph, warnings or error message, streamed or not."""
    rng = np.random.default_rng(seed)
    streamed = 0
    for case in range(150):
        text, options = _random_file(rng)
        path = tmp_path / f"f{case}.{'txt.gz' if case % 5 == 0 else 'txt'}"
        path.write_bytes(gzip.compress(text) if case % 5 == 0 else text)
        want = _outcome(lambda: _in_memory(path, **options))
        got = _outcome(lambda: read_edgelist(path, **options))
        assert got == want, (text, options)
        streamed += vio._streamed(path, name="f", comments=("#", "%"), **{
            k: (None if val == "auto" and k == "header" else val) for k, val in options.items()}) is not None
    assert streamed >= 10  # the plain integer edge lists among them streamed


def test_read_edgelist_holds_the_text_only_for_files_it_must_relabel(tmp_path, monkeypatch):
    whole = []
    real = vio._tokens_from_file
    monkeypatch.setattr(vio, "_tokens_from_file", lambda *a: whole.append(a[0]) or real(*a))
    ints = tmp_path / "ints.txt.gz"
    ints.write_bytes(gzip.compress(b"# n m\n4 3\n0 1 0.5\n1 2 0.25\n3 0 1\n"))
    g = read_edgelist(ints, directed=False)
    assert (g.n, g.m, whole) == (4, 6, [])  # streamed
    assert g.indices.tolist() == [1, 3, 0, 2, 1, 0] and g.prob.tolist() == [0.5, 1, 0.5, 0.25, 0.25, 1]
    names = tmp_path / "names.txt"
    names.write_text("alice bob\nbob carol\n")
    sparse = tmp_path / "sparse.txt"
    sparse.write_text("0 1000\n1000 7\n")
    for path, options in ((names, {}), (sparse, {}), (ints, {"parallel": "merge"}), (ints, {"relabel": True})):
        whole.clear()
        read_edgelist(path, **options)
        assert whole == [path], (path, options)
    assert read_edgelist(sparse).labels.tolist() == [0, 7, 1000]


def test_an_id_beyond_the_header_n_is_an_error_not_a_write_out_of_bounds(tmp_path):
    path = tmp_path / "h.txt"
    path.write_text("3 3\n0 1\n# c\n5 2\n1 2\n")  # header=True: "3 3" is n m whatever the ids
    for read in (lambda: edgelist_to_store(path, tmp_path / "s", header=True, block_bytes=6),
                 lambda: _in_memory(path, header=True), lambda: read_edgelist(path, header=True)):
        with pytest.raises(InputError) as info:
            read()
        assert str(info.value) == f"{path}:4: expected node ids below the header's n=3, got '5 2'"
    assert not (tmp_path / "s").exists()
