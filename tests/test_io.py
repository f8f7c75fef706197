"""Tests for virality.io: edge-list and label files, the bundled data sets."""

from __future__ import annotations

import gzip
import re
import warnings

import numpy as np
import pytest

from virality.errors import InputError
from virality.graph import Graph
from virality.datasets import dataset_path, load_dataset
from virality.io import read_communities, read_edgelist, read_labels, write_edgelist


def write(path, text: str, *, newline: str = "\n") -> str:
    path.write_bytes(text.replace("\n", newline).encode())
    return str(path)


def same_graph(a: Graph, b: Graph) -> None:
    assert a.n == b.n
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    if a.prob is None:
        assert b.prob is None
    else:
        np.testing.assert_array_equal(a.prob, b.prob)  # bit for bit


def arc_list(g: Graph) -> list[tuple]:
    src, dst = g.arcs()
    lab = (lambda i: i) if g.labels is None else (lambda i: g.labels[i].item())
    p = [None] * g.m if g.prob is None else g.arc_prob.tolist()
    return [(lab(u), lab(v), q) for u, v, q in zip(src.tolist(), dst.tolist(), p)]


def random_graph(seed: int = 0, n: int = 50, m: int = 300) -> Graph:
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    # awkward probabilities: many digits, tiny values, exact 0 and 1, parallel arcs with different p
    prob = rng.random(src.size) ** 3
    prob[:3] = [0.0, 1.0, 1e-17]
    return Graph.from_edges(src, dst, n=n, prob=prob)


# ---------------------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("suffix", [".txt", ".txt.gz"])
@pytest.mark.parametrize("weights", [True, False])
def test_round_trip(tmp_path, suffix, weights):
    g = random_graph()
    assert (np.unique(g.arcs()[0] * g.n + g.arcs()[1]).size < g.m), "want parallel arcs in the test graph"
    path = tmp_path / f"g{suffix}"
    write_edgelist(g, path, weights=weights, header=True)
    h = read_edgelist(path)
    expected = g if weights else g._replace(prob=None)
    same_graph(expected, h)
    if suffix.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_round_trip_without_header_and_csv(tmp_path):
    g = Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], prob=[0.1, 0.2, 0.3, 1 / 3])
    path = tmp_path / "g.csv"
    write_edgelist(g, path, delimiter=",")
    assert path.read_text().splitlines()[0] == "0,1,0.1"
    same_graph(g, read_edgelist(path))


def test_round_trip_with_string_labels(tmp_path):
    src = write(tmp_path / "names.txt", "carol alice 0.5\nbob carol 0.25\nalice bob 1\ndave alice 0.125\n")
    g = read_edgelist(src)
    assert g.labels.tolist() == ["alice", "bob", "carol", "dave"]
    out = tmp_path / "out.txt"
    write_edgelist(g, out)
    assert "carol alice 0.5" in out.read_text().splitlines()
    h = read_edgelist(out)
    same_graph(g, h)
    assert h.labels.tolist() == g.labels.tolist()
    assert sorted(arc_list(h)) == sorted(arc_list(g))


def test_write_rejects_labels_that_would_not_read_back(tmp_path):
    g = Graph.from_edges([0], [1], labels=np.array(["new york", "boston"]))
    with pytest.raises(InputError, match="new york"):
        write_edgelist(g, tmp_path / "x.txt")
    assert not list(tmp_path.iterdir())


def test_write_replaces_existing_file(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("old junk\n")
    write_edgelist(Graph.from_edges([0], [1]), path)
    assert path.read_text() == "0 1\n"


# ---------------------------------------------------------------------------------------------- formats
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r\r\n", "\r"])
def test_line_endings(tmp_path, newline):
    text = "# comment\n0 1 0.5\n\n1 2 0.25\n2 0 1.0\n"
    g = read_edgelist(write(tmp_path / "e.txt", text, newline=newline))
    assert (g.n, g.m) == (3, 3)
    assert arc_list(g) == [(0, 1, 0.5), (1, 2, 0.25), (2, 0, 1.0)]


def test_error_line_numbers_count_crlf_lines_once(tmp_path):
    path = write(tmp_path / "crlf.txt", "0 1\n1 2\nbad\n", newline="\r\r\n")
    with pytest.raises(InputError, match=r"crlf\.txt:3: "):
        read_edgelist(path)


def test_comments_and_blank_lines(tmp_path):
    text = "# SNAP style\n% KONECT style\n   \n  # indented comment\n0 1\n\t\n1 2\n# trailing"
    g = read_edgelist(write(tmp_path / "c.txt", text))
    assert arc_list(g) == [(0, 1, None), (1, 2, None)]
    with pytest.raises(InputError, match=r"c2\.txt:1: "):
        read_edgelist(write(tmp_path / "c2.txt", "// 1 2 3\n0 1\n"))
    g = read_edgelist(tmp_path / "c2.txt", comments="//")
    assert g.m == 1


def test_gzip_by_magic_bytes(tmp_path):
    path = tmp_path / "packed.dat"
    path.write_bytes(gzip.compress(b"0 1\n1 2\n"))
    assert read_edgelist(path).m == 2


def test_csv_with_spaces_and_column_names(tmp_path):
    g = read_edgelist(write(tmp_path / "e.csv", "source,target,weight\n0, 1, 0.5\n1 ,2,0.25\n"))
    assert arc_list(g) == [(0, 1, 0.5), (1, 2, 0.25)]
    # string ids: the first line is an arc, not column names
    g = read_edgelist(write(tmp_path / "s.csv", "a,b\nb,c\n"))
    assert g.m == 2 and g.labels.tolist() == ["a", "b", "c"]
    with pytest.raises(InputError, match=r"e2\.csv:2: expected fields separated by a single ','"):
        read_edgelist(write(tmp_path / "e2.csv", "0,1\n1,,2\n"))


def test_undirected(tmp_path):
    g = read_edgelist(write(tmp_path / "u.txt", "0 1\n1 2\n"), directed=False)
    assert sorted(arc_list(g)) == [(0, 1, None), (1, 0, None), (1, 2, None), (2, 1, None)]


def test_weighted_modes(tmp_path):
    path = write(tmp_path / "t.txt", "0 1 1217567877\n1 2 1217573801\n")
    with pytest.raises(InputError, match=r"t\.txt:1: .*\[0, 1\].*weighted=False"):
        read_edgelist(path)
    g = read_edgelist(path, weighted=False)
    assert g.prob is None and g.m == 2
    with pytest.raises(InputError, match=r"u\.txt:2: expected 'u v weight' \(weighted=True\)"):
        read_edgelist(write(tmp_path / "u.txt", "0 1 0.5\n1 2\n"), weighted=True)
    with pytest.raises(InputError, match=r"mixed\.txt:3: expected 'u v' like line 1"):
        read_edgelist(write(tmp_path / "mixed.txt", "0 1\n1 2\n2 3 0.5\n"))


# ---------------------------------------------------------------------------------------------- header
def test_header_nethept_like(tmp_path):
    g = read_edgelist(write(tmp_path / "hept.txt", "6 4\n0 1 0.5\n1 2 0.25\n0 1 1.0\n3 2 0.5\n"))
    assert (g.n, g.m) == (6, 4)  # the header's n counts isolated nodes 4 and 5
    assert g.prob.tolist() == [0.5, 1.0, 0.25, 0.5]  # parallel 0->1 kept, in file order


def test_header_two_columns(tmp_path):
    g = read_edgelist(write(tmp_path / "h.txt", "10 2\n0 1\n1 2\n"))
    assert (g.n, g.m) == (10, 2)


def test_first_line_is_a_genuine_arc(tmp_path):
    # counts differ: "5 2" is followed by 3 lines
    g = read_edgelist(write(tmp_path / "a.txt", "5 2\n0 1\n2 3\n4 0\n"))
    assert (g.n, g.m) == (6, 4)
    assert (5, 2, None) in arc_list(g)
    # count matches (2 lines follow "0 2") but ids >= 0 follow, so "0 2" cannot be "n m"
    g = read_edgelist(write(tmp_path / "b.txt", "0 2\n1 2\n2 0\n"))
    assert (g.n, g.m) == (3, 3)
    assert (0, 2, None) in arc_list(g)


def test_header_forced(tmp_path):
    path = write(tmp_path / "h.txt", "4 3\n0 1\n1 2\n2 3\n")
    assert read_edgelist(path).m == 3
    assert read_edgelist(path, header=False).m == 4
    with pytest.raises(InputError, match=r"bad\.txt:1: header says m=5 arcs but 3"):
        read_edgelist(write(tmp_path / "bad.txt", "4 5\n0 1\n1 2\n2 3\n"), header=True)
    with pytest.raises(InputError, match=r"small\.txt:3: expected node ids below the header's n=2"):
        read_edgelist(write(tmp_path / "small.txt", "2 2\n0 1\n1 2\n"), header=True)


def ring_of_names(k: int) -> list[tuple[str, str]]:
    names = [f"user{i:05d}" for i in range(k)]
    return [(names[i], names[(i + 1) % k]) for i in range(k)]


@pytest.mark.parametrize(
    "first, sep",
    [("source,target", ","), ("Source Target", " "), ("FromNodeId\tToNodeId", "\t"), ("src;dst", ";"),
     ("node_id,friend_id", ",")],
)
def test_column_names_over_string_ids(tmp_path, first, sep):
    text = first + "\n" + "".join(f"{u}{sep}{v}\n" for u, v in [("alice", "bob"), ("bob", "carol"), ("carol", "alice")])
    g = read_edgelist(write(tmp_path / "ring.csv", text), delimiter=";" if sep == ";" else None)
    assert (g.n, g.m) == (3, 3)
    assert g.labels.tolist() == ["alice", "bob", "carol"]
    assert sorted(arc_list(g)) == [("alice", "bob", None), ("bob", "carol", None), ("carol", "alice", None)]


def test_column_names_over_many_string_ids(tmp_path):
    # the case: a 3000-node ring with a source,target header used to give n = 3002
    arcs = ring_of_names(3000)
    path = tmp_path / "big.csv.gz"
    path.write_bytes(gzip.compress(("source,target\n" + "".join(f"{u},{v}\n" for u, v in arcs)).encode()))
    g = read_edgelist(path)
    assert (g.n, g.m) == (3000, 3000)
    assert "source" not in g.labels and "target" not in g.labels
    assert sorted(arc_list(g)) == sorted((u, v, None) for u, v in arcs)


def test_column_names_with_weights_and_integer_ids(tmp_path):
    g = read_edgelist(write(tmp_path / "w.csv", "Source,Target,Weight\nalice,bob,0.5\nbob,alice,0.25\n"))
    assert (g.n, g.m) == (2, 2) and sorted(arc_list(g)) == [("alice", "bob", 0.5), ("bob", "alice", 0.25)]
    g = read_edgelist(write(tmp_path / "s.txt", "id1 id2\n-1 5\n5 -1\n"))  # signed integer ids
    assert (g.n, g.m) == (2, 2) and g.labels.tolist() == [-1, 5]
    g = read_edgelist(write(tmp_path / "i.txt", "Alpha Beta\n0 1\n1 2\n"))  # any words over integer ids
    assert (g.n, g.m, g.labels) == (3, 2, None)


def test_words_that_are_not_a_header(tmp_path):
    # string ids on every line and no column names: the first line is an arc
    g = read_edgelist(write(tmp_path / "a.txt", "alice bob\nbob carol\n"))
    assert (g.n, g.m) == (3, 2)
    # column names, but a later line uses "v" as a node: an arc between nodes u and v
    g = read_edgelist(write(tmp_path / "uv.txt", "u v\nv w\n"))
    assert (g.n, g.m) == (3, 2) and ("u", "v", None) in arc_list(g)


def test_header_keyword(tmp_path):
    names = write(tmp_path / "names.txt", "alice bob\nbob carol\ncarol alice\n")
    g = read_edgelist(names, header=True)  # the first line is skipped, whatever it holds
    assert (g.n, g.m) == (3, 2) and ("alice", "bob", None) not in arc_list(g)
    assert read_edgelist(names, header=None).m == read_edgelist(names, header="auto").m == 3
    csv_ = write(tmp_path / "h.csv", "source,target\nalice,bob\n")
    g = read_edgelist(csv_, header=False)  # every line is an arc
    assert (g.n, g.m) == (4, 2) and ("source", "target", None) in arc_list(g)
    assert read_edgelist(csv_, header=True).m == read_edgelist(csv_).m == 1
    with pytest.raises(InputError, match=r"few\.txt:1: expected a header line with a column name for each of "
                                         r"the 3 fields of line 2"):
        read_edgelist(write(tmp_path / "few.txt", "source target\n0 1 0.5\n"), header=True)
    with pytest.raises(InputError, match="header must be one of"):
        read_edgelist(names, header="yes")


def test_first_line_with_another_number_of_fields(tmp_path):
    with pytest.raises(InputError, match=r"odd\.txt:2: expected an arc with 2 fields like line 3, or a header"):
        read_edgelist(write(tmp_path / "odd.txt", "# names\nAlpha Beta Gamma\nalice bob\nbob carol\n"))
    with pytest.raises(InputError, match=r"odd2\.txt:1: expected a header line with a column name for each of "
                                         r"the 2 fields"):
        read_edgelist(write(tmp_path / "odd2.txt", "source target weight\nalice bob\n"))


def test_header_alone_is_no_graph(tmp_path):
    with pytest.raises(InputError, match=r"alone\.csv: no arcs found after the header line 1"):
        read_edgelist(write(tmp_path / "alone.csv", "source,target\n"))
    assert read_edgelist(tmp_path / "alone.csv", header=False).m == 1


@pytest.mark.parametrize(
    "text, line",
    [
        ("source,target\nalice,bob\nbob,carol\nsource,target\ncarol,dave\n", 4),  # concatenated files
        ("source,target\n0,1\n1,2\n\nsource,target\n2,3\n", 5),
        ("Alpha,Beta\n0,1\nAlpha,Beta\n1,2\n", 3),  # the first line again, whatever its words
        ("0 1\n1 2\n2 3\nfrom to\n3 4\n", 4),  # a header after arcs
        ("0 1\n1 2\n# c\nfoo bar\n2 3\n", 4),  # two words among integer ids
        ("source target weight\n0 1 0.5\nsource target weight\n1 2 0.5\n", 3),
        ("alice bob\nbob carol\nsource target\n", 3),
    ],
)
def test_header_in_the_middle_is_an_error(tmp_path, text, line):
    path = write(tmp_path / "mid.csv", text)
    with pytest.raises(InputError, match=rf"mid\.csv:{line}: expected an arc"):
        read_edgelist(path)
    if "weight" not in text:
        assert read_edgelist(path, header=False).m == len([x for x in text.splitlines() if x and x[0] != "#"])


def test_header_n_beyond_the_limit(tmp_path):
    path = write(tmp_path / "huge.txt", "1099511627776 1\n0 1\n")
    for header in (None, True):
        with pytest.raises(InputError, match=r"huge\.txt:1: header says n=1099511627776 nodes, more than the limit"):
            read_edgelist(path, header=header)
    g = read_edgelist(path, header=False)  # an arc after all
    assert g.m == 2 and g.labels.tolist() == [0, 1, 1099511627776]
    with pytest.raises(InputError, match=r"empty\.txt:1: header says n=4294967296 nodes, more than the limit"):
        read_edgelist(write(tmp_path / "empty.txt", "4294967296 0\n"))
    with pytest.raises(InputError, match=r"big\.txt:2: expected node ids below \d+ .*relabel=True"):
        read_edgelist(write(tmp_path / "big.txt", "0 1\n1 4000000000\n"), relabel=False)


# ---------------------------------------------------------------------------------------------- node ids
def test_string_ids_keep_labels(tmp_path):
    g = read_edgelist(write(tmp_path / "s.txt", "bob alice\nalice carol\ncarol bob\n"))
    assert g.labels.tolist() == ["alice", "bob", "carol"]
    assert sorted(arc_list(g)) == [("alice", "carol", None), ("bob", "alice", None), ("carol", "bob", None)]
    with pytest.raises(InputError, match=r"s\.txt:1: .*relabel=False"):
        read_edgelist(tmp_path / "s.txt", relabel=False)


def test_sparse_ids_relabelled(tmp_path):
    g = read_edgelist(write(tmp_path / "sp.txt", "5000000 12\n12 700\n700 5000000\n"))
    assert g.n == 3
    assert g.labels.tolist() == [12, 700, 5000000]
    assert sorted(arc_list(g)) == [(12, 700, None), (700, 5000000, None), (5000000, 12, None)]
    # a few gaps are fine: ids are kept as node indices
    g = read_edgelist(write(tmp_path / "dense.txt", "0 5\n5 9\n"))
    assert (g.n, g.labels) == (10, None)
    assert read_edgelist(tmp_path / "dense.txt", relabel=True).n == 3
    assert read_edgelist(tmp_path / "sp.txt", relabel=False).n == 5000001


def test_negative_ids_relabelled_numerically(tmp_path):
    g = read_edgelist(write(tmp_path / "neg.txt", "-1 10\n10 -20\n"))
    assert g.labels.tolist() == [-20, -1, 10]


# ---------------------------------------------------------------------------------------------- arcs
def test_parallel_keep_and_merge(tmp_path):
    path = write(tmp_path / "par.txt", "0 1 0.5\n1 2 0.3\n0 1 0.2\n")
    keep = read_edgelist(path)
    assert keep.m == 3 and keep.out_neighbors(0).tolist() == [1, 1]
    merged = read_edgelist(path, parallel="merge")
    assert merged.m == 2
    assert merged.prob[0] == pytest.approx(1 - (1 - 0.5) * (1 - 0.2), rel=1e-15, abs=0)
    assert merged.prob[1] == 0.3
    with pytest.raises(InputError, match="parallel"):
        read_edgelist(path, parallel="sum")


def test_self_loop_dropped_with_warning(tmp_path):
    path = write(tmp_path / "loops.txt", "0 1\n1 1\n1 2\n2 2\n")
    with pytest.warns(UserWarning, match=r"loops\.txt: dropped 2 self-loop\(s\), the first on line 2"):
        g = read_edgelist(path)
    assert arc_list(g) == [(0, 1, None), (1, 2, None)]


# ---------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "text, line",
    [
        ("0 1\n1 2\n3\n", 3),  # one field
        ("0 1\n1 2 0.5 7\n", 2),  # four fields
        ("# c\n0 1 0.5\n1 2 0.5\n2 3 abc\n", 4),  # non-numeric weight
        ("0 1 0.5\n1 2 1/3\n", 2),
    ],
)
def test_malformed_line(tmp_path, text, line):
    path = write(tmp_path / "bad.txt", text)
    bad_line = text.splitlines()[line - 1]
    with pytest.raises(InputError, match=rf"bad\.txt:{line}: expected .*got {re.escape(repr(bad_line))}"):
        read_edgelist(path)


@pytest.mark.parametrize("weight", ["1.5", "-0.1", "nan", "inf"])
def test_weight_outside_unit_interval(tmp_path, weight):
    path = write(tmp_path / "w.txt", f"0 1 0.5\n1 2 0.5\n2 0 {weight}\n")
    with pytest.raises(InputError, match=r"w\.txt:3: expected a weight \(probability\) in \[0, 1\]"):
        read_edgelist(path)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match=r"nowhere\.txt: no such file"):
        read_edgelist(tmp_path / "nowhere.txt")
    with pytest.raises(InputError, match=r"empty\.txt: no arcs"):
        read_edgelist(write(tmp_path / "empty.txt", "# only a comment\n\n"))
    with pytest.raises(InputError, match=r"broken\.txt\.gz: not a valid gzip file"):
        read_edgelist(write(tmp_path / "broken.txt.gz", "0 1\n"))


def test_bad_arguments(tmp_path):
    path = write(tmp_path / "e.txt", "0 1\n")
    with pytest.raises(InputError, match="weighted"):
        read_edgelist(path, weighted="yes")
    with pytest.raises(InputError, match="delimiter"):
        read_edgelist(path, delimiter="::")


# ---------------------------------------------------------------------------------------------- labels
def test_read_labels(tmp_path):
    comm = read_labels(write(tmp_path / "l.txt", "0\t3\n2\t0\n1\t3\n", newline="\r\r\n"))
    assert comm.dtype == np.int32
    assert comm.tolist() == [3, 3, 0]  # small integer labels kept as they are
    comm = read_labels(write(tmp_path / "l.csv", "# node,label\n1,red\n0,blue\n2,red\n"))
    assert comm.tolist() == [0, 1, 1]  # names numbered in sorted order: blue=0, red=1


@pytest.mark.parametrize("first", ["node,label", "Id,Label", "node,community", "vertex_id,group"])
def test_read_labels_header(tmp_path, first):
    comm = read_labels(write(tmp_path / "l.csv", f"{first}\n1,red\n0,blue\n2,red\n"))
    assert comm.tolist() == [0, 1, 1]
    comm = read_labels(write(tmp_path / "n.txt", first.replace(",", " ") + "\n1 1\n0 2\n"))
    assert comm.tolist() == [2, 1]


def test_read_labels_header_keyword_and_string_graph(tmp_path):
    g = read_edgelist(write(tmp_path / "e.txt", "bob alice\nalice carol\n"))
    path = write(tmp_path / "l.txt", "Id Label\ncarol 1\nalice 0\nbob 1\n")
    assert read_labels(path, graph=g).tolist() == [0, 1, 1]
    assert read_labels(path, graph=g, header=True).tolist() == [0, 1, 1]
    with pytest.raises(InputError, match=r"l\.txt:1: expected a node of the graph, not 'Id'"):
        read_labels(path, graph=g, header=False)
    plain = write(tmp_path / "p.txt", "0 1\n1 0\n2 1\n")
    with pytest.raises(InputError, match=r"p\.txt: no label for node 0"):
        read_labels(plain, header=True)  # the first line is skipped
    assert read_labels(plain, header=False).tolist() == [1, 0, 1]
    with pytest.raises(InputError, match=r"mid\.txt:3: expected 'node label' with a non-negative integer"):
        read_labels(write(tmp_path / "mid.txt", "node label\n0 1\nnode label\n1 2\n"))
    with pytest.raises(InputError, match=r"only\.txt: no labels found after the header line"):
        read_labels(write(tmp_path / "only.txt", "node label\n"), header=True)


def test_read_labels_through_graph_labels(tmp_path):
    g = read_edgelist(write(tmp_path / "e.txt", "bob alice\nalice carol\n"))
    comm = read_labels(write(tmp_path / "l.txt", "carol 1\nalice 0\nbob 1\n"), graph=g)
    assert comm.tolist() == [0, 1, 1]  # alice, bob, carol
    g = read_edgelist(write(tmp_path / "sp.txt", "900000 7\n"))
    comm = read_labels(write(tmp_path / "l2.txt", "900000 2\n7 5\n"), graph=g)
    # labels 2 and 5 are not small next to n=2 nodes, so they are numbered in sorted order
    assert g.labels.tolist() == [7, 900000] and comm.tolist() == [1, 0]
    with pytest.raises(InputError, match=r"l3\.txt:2: expected a node id that is in the graph"):
        read_labels(write(tmp_path / "l3.txt", "900000 2\n8 5\n"), graph=g)


def test_read_labels_missing_node(tmp_path):
    with pytest.raises(InputError, match=r"gap\.txt: no label for node 1 "):
        read_labels(write(tmp_path / "gap.txt", "0 1\n2 1\n"))
    g = read_edgelist(write(tmp_path / "e.txt", "bob alice\nalice carol\n"))
    with pytest.raises(InputError, match=r"part\.txt: no label for node 'bob'"):
        read_labels(write(tmp_path / "part.txt", "alice 0\ncarol 1\n"), graph=g)


def test_read_labels_duplicate_node(tmp_path):
    with pytest.raises(InputError, match=r"dup\.txt:4: expected each node once, .*line 2"):
        read_labels(write(tmp_path / "dup.txt", "# c\n0 1\n1 1\n0 2\n"))


def test_read_labels_malformed(tmp_path):
    with pytest.raises(InputError, match=r"m\.txt:2: expected 'node label'"):
        read_labels(write(tmp_path / "m.txt", "0 1\n1 2 3\n"))
    with pytest.raises(InputError, match=r"m2\.txt:1: expected 'node label' with a non-negative integer"):
        read_labels(write(tmp_path / "m2.txt", "x 1\n"))


# ---------------------------------------------------------------------------------------------- bundled data
def _data_arcs(name: str) -> list[tuple[str, ...]]:
    """The arcs of a bundled file by plain Python, independently of the reader."""
    path = dataset_path(name)
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    lines = [ln.split() for ln in raw.decode("utf-8", "replace").splitlines()]
    return [tuple(f) for f in lines if f and not f[0].startswith("#")]


def test_dataset_path():
    assert dataset_path("NetHEPT").name == "NetHEPT.txt.gz"
    assert dataset_path("email-eu-core-labels").is_file()
    valid = "valid names: facebook, email-eu-core, email-eu-core-labels, nethept"
    with pytest.raises(InputError, match=valid):
        dataset_path("twitter")


def test_facebook():
    arcs = _data_arcs("facebook")
    assert len(arcs) == 88234 and not any(u == v for u, v in arcs)
    g = load_dataset("facebook")
    assert (g.n, g.m, g.name) == (4039, 2 * 88234, "facebook")
    src, dst = g.arcs()
    assert np.array_equal(np.sort(src * g.n + dst), np.sort(dst.astype(np.int64) * g.n + src))  # symmetric


def test_email_eu_core():
    arcs = _data_arcs("email-eu-core")
    loops = sum(u == v for u, v in arcs)
    assert len(arcs) == 25571 and loops > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # load_dataset drops the self-loops silently
        g = load_dataset("email-eu-core")
    assert (g.n, g.m, g.n_communities) == (1005, 25571 - loops, 42)
    departments = dict(_data_arcs("email-eu-core-labels"))
    assert len(departments) == 1005
    assert all(g.community[int(u)] == int(c) for u, c in departments.items())


def test_nethept():
    lines = _data_arcs("nethept")
    n, m = map(int, lines[0])
    arcs = lines[1:]
    loops = sum(u == v for u, v, _ in arcs)
    assert (n, m, len(arcs)) == (15233, 58891, 58891)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = load_dataset("nethept")
    assert (g.n, g.m) == (15233, 58891 - loops)
    assert g.prob is not None and g.prob.min() > 0 and g.prob.max() <= 1
    # parallel arcs kept: as many arcs u -> v as lines "u v p" (self-loops aside)
    expected = sorted((int(u), int(v), float(np.float32(p))) for u, v, p in arcs if u != v)  # held as float32
    assert sorted(arc_list(g)) == expected


def test_load_dataset_rejects_labels_file():
    with pytest.raises(InputError, match="read_labels"):
        load_dataset("email-eu-core-labels")


def test_nethept_as_the_literature_reads_it():
    """Undirected (both arcs of every line, parallel arcs kept) with weighted cascade p = 1/in-degree; the
    file-order directed reading stays under "nethept" (the CyNetDiff benchmarks read it that way)."""
    from collections import Counter

    und, directed = load_dataset("nethept-undirected"), load_dataset("nethept")
    assert (und.n, und.m) == (directed.n, 2 * directed.m) == (15233, 117704)
    src, dst = und.arcs()
    assert np.allclose(und.prob, 1.0 / np.bincount(dst, minlength=und.n)[dst])
    pairs = Counter(zip(src.tolist(), dst.tolist()))
    assert all(pairs[(a, b)] == pairs[(b, a)] for a, b in pairs)
    dsrc, ddst = directed.arcs()
    one_way = Counter(zip(dsrc.tolist(), ddst.tolist()))
    assert sum(1 for a, b in one_way if (b, a) in one_way) < 0.1 * len(one_way)  # the file is not symmetric



def test_community_names_are_kept(tmp_path):
    g = Graph.from_edges([0, 1, 2], [1, 2, 0])
    (tmp_path / "labels.csv").write_text("node,department\n0,sales\n1,hr\n2,sales\n")
    named = read_communities(tmp_path / "labels.csv", graph=g)
    assert named.community.tolist() == [1, 0, 1] and named.community_names == ("hr", "sales")
    assert read_labels(tmp_path / "labels.csv", graph=g).tolist() == [1, 0, 1]
    (tmp_path / "numbers.txt").write_text("0 1\n1 0\n2 1\n")
    assert read_communities(tmp_path / "numbers.txt", graph=g).community_names is None  # small numbers are kept
    (tmp_path / "big.txt").write_text("0 70\n1 30\n2 70\n")  # renumbered 0, 1: the numbers become the names
    big = read_communities(tmp_path / "big.txt", graph=g)
    assert big.community.tolist() == [1, 0, 1] and big.community_names == ("30", "70")
    with pytest.raises(InputError, match="community names: 3 given for 2 communities"):
        g.with_community([0, 1, 1], names=["a", "b", "c"])
