"""The validation suite (experiments/validation/) at its reduced size: every simulator-vs-theory check
passes, and every result writes its figure and table. About a minute on 2 cores once numba's cache is
warm (the suite's own budget is 3 minutes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

VALIDATION = Path(__file__).resolve().parents[1] / "experiments" / "validation"
if str(VALIDATION) not in sys.path:
    sys.path.insert(0, str(VALIDATION))

import run_all  # noqa: E402


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    code = run_all.main(["--out", str(out)])
    data = json.loads((out / "summary.json").read_text())
    return out, code, data


def test_runner_writes_summary_and_exit_status_matches(summary):
    out, code, data = summary
    assert (out / "summary.md").is_file()
    assert data["size"] == "small"
    assert [r["name"] for r in data["results"]] == list(run_all.SCRIPTS)
    assert code == (0 if data["passed"] else 1)
    md = (out / "summary.md").read_text()
    assert "| result | check | simulated | theory | tolerance | pass |" in md


@pytest.mark.parametrize("name", run_all.SCRIPTS)
def test_every_check_passes_and_files_exist(summary, name):
    out, _, data = summary
    res = next(r for r in data["results"] if r["name"] == name)
    failed = [c for c in res["checks"] if not c["passed"]]
    assert res["checks"], f"{name}: no checks"
    assert not failed, f"{name}: failed checks: {json.dumps(failed, indent=1)}\nnotes: {res['notes']}"
    assert res["passed"]
    for key, suffix in (("figure", ".png"), ("table", ".csv")):
        path = out / res[key]  # summary.json names files relative to itself
        assert path.suffix == suffix and path.is_file() and path.stat().st_size > 0, (name, key, path)
    for c in res["checks"]:
        assert set(c) == {"what", "simulated", "theory", "tolerance", "passed"}


def test_run_all_rejects_unknown_names(capsys):
    assert run_all.main(["--only", "nonsense"]) == 2
    assert "unknown validation" in capsys.readouterr().err
