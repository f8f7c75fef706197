"""Golden tables: the flagship at 20 runs writes byte-identical tables to the ones recorded in
tests/golden/flagship_runs20.json. A refactor must not change them; a change meant to change results
updates the golden file in the same commit and says why."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from virality.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((ROOT / "tests" / "golden" / "flagship_runs20.json").read_text())


@pytest.fixture(scope="module")
def flagship(tmp_path_factory):
    out = tmp_path_factory.mktemp("flagship")
    code = main(["run", str(ROOT / "configs" / "mass_vs_micro.toml"), "--runs", str(GOLDEN["runs"]), "--out",
                 str(out), "--no-figures", "--quiet"])
    assert code == 0
    return out


@pytest.mark.parametrize("table", sorted(GOLDEN["tables"]))
def test_flagship_table_is_unchanged(flagship, table):
    data = (flagship / f"{table}.csv").read_bytes()
    want = GOLDEN["tables"][table]
    assert data.count(b"\n") - 1 == want["rows"]
    assert hashlib.sha256(data).hexdigest() == want["sha256"], f"{table}.csv differs from the golden table"
