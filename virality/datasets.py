"""The bundled real graphs: SNAP's ego-Facebook and email-Eu-core (with its departments), and NetHEPT.

See ``virality/data/README.md`` for their provenance; :func:`load_dataset` reads them the way the
literature does (and :func:`dataset_path` gives the raw files).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import InputError
from .graph import Graph
from .io import _read_edgelist, read_labels

__all__ = ["dataset_path", "load_dataset", "DATASETS"]

#: bundled data set name -> file in ``virality/data``
DATASETS = {
    "facebook": "facebook_combined.txt.gz",
    "email-eu-core": "email-Eu-core.txt",
    "email-eu-core-labels": "email-Eu-core-department-labels.txt",
    "nethept": "NetHEPT.txt.gz",
    "nethept-undirected": "NetHEPT.txt.gz",
}


def dataset_path(name: str) -> Path:
    """Path of a bundled data file.

    Parameters
    ----------
    name : {"facebook", "email-eu-core", "email-eu-core-labels", "nethept", "nethept-undirected"}
        Case-insensitive. See ``virality/data/README.md`` for provenance.

    Returns
    -------
    pathlib.Path
    """
    key = str(name).strip().lower()
    if key not in DATASETS:
        raise InputError(f"unknown data set {name!r}; valid names: {', '.join(DATASETS)}")
    return Path(str(files("virality") / "data" / DATASETS[key]))


def load_dataset(name: str) -> Graph:
    """Load a bundled real graph.

    Parameters
    ----------
    name : {"facebook", "email-eu-core", "nethept-undirected", "nethept"}
        - ``"facebook"``: SNAP ego-Facebook friendships, undirected, both arcs stored
          (n = 4039, m = 2 * 88234 = 176468).
        - ``"email-eu-core"``: SNAP e-mails, directed, ``community`` = the 42 departments
          (n = 1005; the file's 642 self-loops are dropped, m = 24929).
        - ``"nethept-undirected"``: arXiv hep-th co-authorship as the influence-maximization
          literature uses it (Chen, Wang and Yang, KDD 2009; the IMM papers): undirected, both arcs of
          every co-authorship line, parallel arcs kept, weighted cascade ``p(u, v) = 1 / in-degree(v)``
          (n = 15233, m = 2 * 58852 = 117704). Use this one to compare spreads with published ones.
        - ``"nethept"``: the same file read directed, in file order (only 1,696 of its 32,235 node
          pairs appear both ways), with the file's own probabilities, parallel arcs kept (n = 15233;
          the file's 39 self-loops are dropped, m = 58852). Kept for the benchmarks against
          CyNetDiff, which read it this way; spreads on it are not comparable with published ones.

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
    if key == "nethept-undirected":
        g = _read_edgelist(path, directed=False, weighted=True, name="nethept-undirected", **common)
        return g.with_prob(g.weighted_cascade())
    return _read_edgelist(path, directed=True, weighted=True, name="nethept", **common)
