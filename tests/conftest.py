"""Shared test fixtures: the repository root, a tiny experiment config, and an in-process CLI runner."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from virality.cli import main

ROOT = Path(__file__).resolve().parent.parent
#: the tidy tables every run writes
TABLES = ("runs", "curves", "communities", "nodes", "penetration", "flows")

#: a config that runs in a fraction of a second: 300 people, mass media against top-degree influencers
TINY = """\
name = "tiny"
seed = 7
runs = 20
max_steps = 30

[graph]
generator = "social_graph"
n = 300
communities = 5
p = 0.1

[prices]
per_post = { nano = 1.0, micro = 2.5, macro = 8.0, mega = 50.0 }

[[strategy]]
name = "tv"
budget = 10
broadcast = { airings = 2 }

[[strategy]]
name = "inf"
budget = 10
influencers = { select = "top_degree" }
"""


#: a richer one for figures and the report: 500 people, 5 communities, three strategies, stored records
FIGURES_TINY = """
name = "tiny"
description = "Tiny <b>test</b> & check"
seed = 11
runs = 20
max_steps = 30

[graph]
generator = "social_graph"
n = 500
communities = 5
mean_degree = 8
reciprocity = 0.2
p = 0.25

[audience]
share_rate = 0.6
alignment_random = [0.4, 1.0]

[prices]
cpm = 20.0
per_post = { nano = 1.0, micro = 2.5, macro = 8.0, mega = 50.0 }

[broadcast]
trust = 0.05
lead_time = 2

[influencers]
lead_time = 1
trust = 0.2

[[strategy]]
name = "mass media"
budget = 30
broadcast = { reach = 0.5 }

[[strategy]]
name = "micro"
budget = 30
influencers = { select = "one_per_community", tier = "micro" }

[[strategy]]
name = "nano"
budget = 30
influencers = { select = "one_per_community", tier = "nano" }

[outputs]
records = 3
parquet = false
"""


def run_cli(*argv: object) -> tuple[int, str, str]:
    """Run the ``virality`` command in-process; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def write_config(tmp_path):
    """Write config text to a file in a fresh folder and return its path."""

    def write(text: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture(scope="session", autouse=True)
def graph_cache(tmp_path_factory):
    """Runs cache their graphs in a fresh folder, never the user's ~/.cache (subprocesses inherit it)."""
    old = os.environ.get("VIRALITY_GRAPH_CACHE")
    os.environ["VIRALITY_GRAPH_CACHE"] = str(tmp_path_factory.mktemp("graph_cache"))
    yield
    if old is None:
        os.environ.pop("VIRALITY_GRAPH_CACHE", None)
    else:
        os.environ["VIRALITY_GRAPH_CACHE"] = old
