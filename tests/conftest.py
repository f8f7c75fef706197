"""Shared test fixtures: the repository root, a tiny experiment config, and an in-process CLI runner."""

from __future__ import annotations

import contextlib
import io
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
