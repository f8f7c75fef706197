"""The command line: exit codes, one-line errors, what `run` writes and prints, re-runs, rank."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, TABLES, TINY, run_cli

import virality
from virality.cli import main
from virality.config import load_config, parse_config

TINY = TINY.replace('name = "inf"\nbudget = 10\ninfluencers = { select = "top_degree" }',
                    'name = "micro, niche"\nbudget = 10\ninfluencers = { select = "one_per_community", tier = "micro" }')
call = run_cli


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("virality: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def done(tiny, tmp_path_factory):
    """One finished run of the tiny config: (results dir, exit status, stdout, stderr)."""
    out = tmp_path_factory.mktemp("results") / "tiny"
    rc, stdout, stderr = call("run", tiny, "--out", out, "--no-figures")
    return out, rc, stdout, stderr


# ------------------------------------------------------------------------------------- basics
def test_version():
    rc, out, _ = call("--version")
    assert rc == 0
    assert out.strip() == f"virality {virality.__version__}"


@pytest.mark.parametrize("command", ["run", "sweep", "validate", "rank", "map", "report"])
def test_help_of_each_subcommand(command):
    rc, out, err = call(command, "--help")
    assert rc == 0, err
    assert out.startswith(f"usage: virality {command}")


def test_no_subcommand_is_a_usage_error():
    rc, _, err = call()
    assert rc == 2 and "usage: virality" in err


def test_validate_counts_cells_and_runs(tiny):
    rc, out, err = call("validate", tiny)
    assert (rc, err) == (0, "")
    assert out == f"{tiny}: valid. 1 cell(s) x 2 strategies x 20 runs = 40 runs\n"
    rc, out, _ = call("validate", tiny, "--set", 'sweep."audience.share_rate"=[0.1, 0.2, 0.3]', "--set", "runs=5")
    assert rc == 0
    assert out == f"{tiny}: valid. 3 cell(s) x 2 strategies x 5 runs = 30 runs\n"
    rc, out, _ = call("validate", tiny, "--set", "runs=auto")
    assert rc == 0 and "auto (batches of 200, at most 20000) runs = auto runs" in out


@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_config_is_one_error_line_with_the_file(tmp_path, command):
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY.replace("n = 300", "n = 300\nsize = 4"))
    rc, out, err = call(command, bad, "--out", tmp_path / "out") if command == "run" else call(command, bad)
    assert rc == 2 and out == ""
    line = one_error_line(err)
    assert f"{bad}: graph: social_graph has no parameter 'size'; valid: n, communities" in line
    assert not (tmp_path / "out").exists()  # nothing is written for a config that does not validate


def test_missing_config_and_bad_set(tmp_path):
    rc, _, err = call("run", tmp_path / "none.toml", "--out", tmp_path / "out")
    assert rc == 2
    assert one_error_line(err) == f"virality: error: {tmp_path / 'none.toml'}: config file not found"
    rc, _, err = call("validate", ROOT / "configs" / "quickstart.toml", "--set", "runs")
    assert rc == 2 and "--set 'runs': expected key=value" in one_error_line(err)


def test_bad_config_in_a_real_process_has_no_traceback(tmp_path):
    bad = tmp_path / "bad config.toml"
    bad.write_text(TINY.replace("runs = 20", 'runs = "many"'))
    proc = subprocess.run([sys.executable, "-m", "virality.cli", "run", str(bad), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    line = one_error_line(proc.stderr)
    assert line == (f"virality: error: {bad}: runs: Input should be a valid integer, unable to parse string as an "
                    "integer; or Input should be 'auto' (got 'many')")


# ------------------------------------------------------------------------------------- run
def test_run_writes_everything_and_prints_the_table(done, tiny):
    out, rc, stdout, stderr = done
    assert rc == 0, stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seed"] == 7 and manifest["name"] == "tiny" and manifest["cells"] == 1
    assert manifest["versions"]["virality"] == virality.__version__
    assert set(manifest["versions"]) >= {"virality", "python", "numpy", "numba"}
    exp, _ = load_config(tiny)
    assert parse_config(tomllib.loads((out / "config.toml").read_text())) == exp
    summary = json.loads((out / "summary.json").read_text())
    assert summary["baseline"] == "tv" and len(summary["cells"]) == 1
    assert summary["cells"][0]["strategies"] == ["tv", "micro, niche"] and summary["cells"][0]["n_runs"] == 20
    for name in TABLES:
        assert (out / f"{name}.csv").stat().st_size > 0
    with open(out / "runs.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * 20
    assert [r["strategy"] for r in rows] == ["tv"] * 20 + ["micro, niche"] * 20
    assert [r["run"] for r in rows[:20]] == [str(i) for i in range(20)]
    assert {"cell", "engaged", "unique_exposed", "cost_per_engagement", "time_to_half"} <= set(rows[0])
    try:
        import pyarrow.parquet as pq
    except ImportError:
        pass
    else:
        for name in TABLES:
            assert pq.read_table(out / f"{name}.parquet").num_rows == sum(1 for _ in open(out / f"{name}.csv")) - 1
    # the comparison table and the paired differences
    assert "== tiny: 20 runs per strategy" in stdout
    header = next(line for line in stdout.splitlines() if line.startswith("aspect"))
    assert header.split()[:2] == ["aspect", "metric"] and "tv" in header and "micro, niche" in header
    for label in ("Audience reach", "engaged (reach)", "cost per engagement", "steps to half of its own reach", "engaged by peers", "cascade depth"):
        assert label in stdout
    assert "paired differences vs 'tv'" in stdout
    assert stdout.rstrip().endswith(f"results: {out}")
    assert "Traceback" not in stderr


def test_rerun_is_a_no_op_unless_forced(done, tiny):
    out, *_ = done
    before = {name: (out / f"{name}.csv").read_bytes() for name in TABLES}
    mtime = (out / "runs.csv").stat().st_mtime_ns
    rc, stdout, stderr = call("run", tiny, "--out", out, "--no-figures", "--quiet")
    assert (rc, stdout, stderr) == (0, "", "")
    rc, stdout, stderr = call("run", tiny, "--out", out, "--no-figures")
    assert rc == 0
    assert f"{out}: already complete (use --force to run again)" in stderr
    assert (out / "runs.csv").stat().st_mtime_ns == mtime
    rc, stdout, stderr = call("run", tiny, "--out", out, "--no-figures", "--force", "--quiet")
    assert (rc, stdout) == (0, "")
    assert (out / "runs.csv").stat().st_mtime_ns != mtime
    assert {name: (out / f"{name}.csv").read_bytes() for name in TABLES} == before
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_different_config_into_the_same_out_is_an_error(done, tiny):
    out, *_ = done
    rc, _, err = call("run", tiny, "--out", out, "--seed", "8", "--no-figures")
    assert rc == 2
    assert one_error_line(err) == (f"virality: error: {out} holds results of a different config; "
                                   "use --force to overwrite or choose --out")
    rc, _, err = call("run", tiny, "--out", out, "--runs", "5", "--no-figures")
    assert rc == 2 and "holds results of a different config" in err


def test_rank_prints_tables_and_spearman(done, tmp_path):
    out, *_ = done
    rc, stdout, err = call("rank", out, "--top", "4")
    assert rc == 0, err
    for name in ("tv", "micro, niche"):
        # the correlation is over the whole graph (300 people), from summary.json
        assert f"== {name}: top 4 by ripple; Spearman correlation of ripple with followers over 300 people: " in stdout
    assert stdout.count("Spearman correlation") == 2
    assert "followers" in stdout and "bridging" in stdout
    rc, stdout, _ = call("rank", out, "--strategy", "micro, niche", "--by", "direct", "--top", "3",
                         "--out", tmp_path / "rank.csv")
    assert rc == 0
    assert stdout.count("Spearman") == 1 and "== micro, niche: top 3 by direct" in stdout
    with open(tmp_path / "rank.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["strategy"] for r in rows] == ["micro, niche"] * 3  # a name with a comma stays one field
    assert [int(r["rank"]) for r in rows] == [1, 2, 3]
    direct = [float(r["direct"]) for r in rows]
    assert direct == sorted(direct, reverse=True)


def test_rank_unknown_strategy_names_the_valid_ones(done):
    out, *_ = done
    rc, stdout, err = call("rank", out, "--strategy", "nope")
    assert rc == 2 and stdout == ""
    assert one_error_line(err) == "virality: error: --strategy 'nope': not in the results; strategies: tv, micro, niche"


def test_rank_of_a_folder_without_results(tmp_path):
    rc, _, err = call("rank", tmp_path)
    assert rc == 2
    assert one_error_line(err) == (f"virality: error: {tmp_path / 'nodes.csv'}: not found; "
                                   f"is {tmp_path} a finished results directory?")


def test_sweep_with_grid(tiny, tmp_path):
    out = tmp_path / "grid"
    rc, stdout, err = call("sweep", tiny, "--grid", "audience.share_rate=0.1,0.5", "--runs", "5", "--out", out,
                           "--no-figures", "--quiet")
    assert (rc, stdout) == (0, ""), err
    summary = json.loads((out / "summary.json").read_text())
    assert [c["overrides"] for c in summary["cells"]] == [{"audience.share_rate": 0.1}, {"audience.share_rate": 0.5}]
    with open(out / "runs.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * 2 * 5
    assert [(r["cell"], r["audience.share_rate"]) for r in rows[::10]] == [("0", "0.1"), ("1", "0.5")]
    rc, _, err = call("sweep", tiny, "--grid", "audience.share_rate", "--out", tmp_path / "x")
    assert rc == 2 and "--grid 'audience.share_rate': expected key=v1,v2" in one_error_line(err)


def _ctrl_c_in_numba():
    # what Ctrl-C inside a numba kernel's call back into Python looks like
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as exc:
        raise SystemError("CPUDispatcher(<function kernel>) returned a result with an exception set") from exc


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, _ctrl_c_in_numba], ids=["plain", "inside-numba"])
def test_interrupt_exits_130_and_suggests_resume(monkeypatch, tiny, tmp_path, interrupt):
    import virality.cli

    def stop(*args, **kwargs):
        if interrupt is KeyboardInterrupt:
            raise KeyboardInterrupt
        interrupt()

    monkeypatch.setattr(virality.cli, "run_experiment", stop)
    rc, _, err = call("run", tiny, "--out", tmp_path / "out")
    assert rc == 130
    assert err.strip() == "virality: interrupted; finished cells are kept: rerun with --resume"


def test_internal_errors_are_not_disguised(monkeypatch, tiny, tmp_path):
    import virality.cli

    def broken(*args, **kwargs):
        raise SystemError("a bug")

    monkeypatch.setattr(virality.cli, "run_experiment", broken)
    with pytest.raises(SystemError, match="a bug"):
        main(["run", str(tiny), "--out", str(tmp_path / "out")])


def test_cli_writes_nothing_in_the_working_folder(tiny, tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    rc, _, err = call("run", tiny, "--out", tmp_path / "out", "--runs", "3", "--quiet", "--no-figures")
    assert rc == 0, err
    assert os.listdir(cwd) == []


def test_schema_is_valid_json_and_matches_the_committed_copy(tmp_path):
    import json
    from pathlib import Path

    from virality.cli import main

    out = tmp_path / "schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    schema = json.loads(out.read_text())
    assert {"graph", "strategy", "audience", "sweep"} <= set(schema["properties"])
    committed = Path(__file__).resolve().parents[1] / "configs" / "schema.json"
    assert json.loads(committed.read_text()) == schema, "regenerate with: virality schema --out configs/schema.json"


def test_run_writes_the_report_unless_asked_not_to(tiny, tmp_path):
    rc, _, err = call("run", tiny, "--out", tmp_path / "with", "--runs", "3", "--quiet")
    assert rc == 0, err
    assert (tmp_path / "with" / "report.html").stat().st_size > 10_000
    assert (tmp_path / "with" / "figures" / "comparison_panel.png").exists()
    rc, _, err = call("run", tiny, "--out", tmp_path / "without", "--runs", "3", "--quiet", "--no-report")
    assert rc == 0, err
    assert (tmp_path / "without" / "figures" / "comparison_panel.png").exists()
    assert not (tmp_path / "without" / "report.html").exists()
