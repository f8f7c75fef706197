"""Experiments end to end: reproducibility, resuming (simulated and real interruptions), adaptive runs,
Dask, output safety, and every example config under configs/ at a small size."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, TABLES, TINY

import virality.experiment as E
from virality.config import expand_cells, load_config
from virality.errors import InputError
from virality.experiment import run_experiment

CONFIGS = sorted((ROOT / "configs").glob("*.toml"))
# 6 cells, slow enough (a few tenths of a second each) to interrupt a real process between cells
SWEEP = (TINY.replace('name = "tiny"', 'name = "sweep"').replace("n = 300", "n = 1500").replace("runs = 20", "runs = 60")
         .replace("max_steps = 30\n", "max_steps = 30\nworkers = 2    # Dask workers, with --scheduler local\n")
         + '\n[sweep]\n"audience.share_rate" = [0.1, 0.3, 0.5]\n"strategy.1.budget" = [10, 20]\n')


def quiet_run(config, out, **kw):
    logs: list[str] = []
    path = run_experiment(config, out=out, quiet=True, log=logs.append, **kw)
    return path, logs


def tables(out: Path) -> dict[str, bytes]:
    return {name: (out / f"{name}.csv").read_bytes() for name in TABLES}


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "sweep.toml"
    path.write_text(SWEEP)
    return path


@pytest.fixture(scope="module")
def reference(sweep, tmp_path_factory) -> Path:
    """The sweep run once, uninterrupted, on local cores."""
    out, _ = quiet_run(sweep, tmp_path_factory.mktemp("ref") / "sweep")
    return out


# ------------------------------------------------------------------------------------- reproducibility
def test_same_config_twice_gives_identical_tables_and_seed_changes_them(tiny, tmp_path):
    a, _ = quiet_run(tiny, tmp_path / "a")
    b, _ = quiet_run(tiny, tmp_path / "b")
    assert tables(a) == tables(b)
    c, _ = quiet_run(tiny, tmp_path / "c", overrides=["seed=8"])
    assert (a / "runs.csv").read_bytes() != (c / "runs.csv").read_bytes()
    assert json.loads((c / "manifest.json").read_text())["seed"] == 8


def test_a_sweep_cell_equals_the_same_settings_run_alone(reference, sweep, tmp_path):
    summary = json.loads((reference / "summary.json").read_text())
    assert [c["overrides"] for c in summary["cells"]] == [
        {"audience.share_rate": s, "strategy.1.budget": b} for s in (0.1, 0.3, 0.5) for b in (10, 20)]
    alone, _ = quiet_run(sweep, tmp_path / "alone",
                         overrides=["sweep={}", "audience.share_rate=0.5", "strategy.1.budget=10"])
    assert (alone / "cells" / "cell_0000" / "runs.csv").read_bytes() == \
        (reference / "cells" / "cell_0004" / "runs.csv").read_bytes()


# ------------------------------------------------------------------------------------- resume
def test_resume_recomputes_only_the_missing_cells(reference, sweep, tmp_path, monkeypatch):
    out = tmp_path / "b"
    shutil.copytree(reference, out)
    for i in (1, 3, 4):
        shutil.rmtree(out / "cells" / f"cell_{i:04d}")
    for name in (*[f"{t}.csv" for t in TABLES], *[f"{t}.parquet" for t in TABLES], "summary.json"):
        (out / name).unlink(missing_ok=True)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(manifest))
    kept = {p: p.stat().st_mtime_ns for i in (0, 2, 5) for p in (out / "cells" / f"cell_{i:04d}").iterdir()}
    assert kept
    # what a killed process leaves: a half-written cell in its temporary folder
    debris = out / "cells" / ".cell_0001.k1ll3d"
    debris.mkdir()
    (debris / "runs.csv").write_text("strategy,run\n")

    # without --resume an unfinished run is not touched
    with pytest.raises(InputError, match=f"^{out} holds an unfinished run of this config; use --resume to continue or --force$"):
        run_experiment(sweep, out=out, quiet=True)

    computed = []
    real = E.run_cell

    def counting(spec, progress=None, checkpoint=None, status=None, **kw):
        computed.append((spec.audience.share_rate, spec.strategy[1].budget))
        return real(spec, progress, checkpoint, status, **kw)

    monkeypatch.setattr(E, "run_cell", counting)
    _, logs = quiet_run(sweep, out, resume=True)
    assert logs == ["resuming: 3 of 6 cells already finished"]
    assert computed == [(0.1, 20), (0.3, 20), (0.5, 10)]
    assert {p: p.stat().st_mtime_ns for p in kept} == kept
    assert tables(out) == tables(reference)
    assert sorted(p.name for p in (out / "cells").iterdir()) == [f"cell_{i:04d}" for i in range(6)]  # no debris
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    def cells(path: Path) -> list[dict]:  # all but the timing
        return [{k: v for k, v in c.items() if k != "seconds"} for c in json.loads(path.read_text())["cells"]]

    assert cells(out / "summary.json") == cells(reference / "summary.json")
    # once complete, a resume is a no-op
    computed.clear()
    _, logs = quiet_run(sweep, out, resume=True)
    assert computed == [] and logs == [f"{out}: already complete (use --force to run again)"]


def test_a_damaged_cell_is_detected_and_recomputed(reference, sweep, tmp_path):
    out = tmp_path / "damaged"
    shutil.copytree(reference, out)
    runs = out / "cells" / "cell_0002" / "runs.csv"
    lines = runs.read_bytes().splitlines(keepends=True)
    runs.write_bytes(b"".join(lines[:-5]))  # truncated from outside
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(manifest))
    _, logs = quiet_run(sweep, out, resume=True)
    assert logs[0] == f"{out / 'cells' / 'cell_0002'}: runs.csv has {len(lines) - 6:,} rows instead of {len(lines) - 1:,}; recomputing the cell"
    assert tables(out) == tables(reference)


SINGLE = TINY.replace("n = 300", "n = 2000").replace("runs = 20", "runs = 200")  # 20 batches of 10 runs


@pytest.fixture
def step_batches(monkeypatch):
    """Batches of one step each (``runs / 20``), however fast they run: no batch is extended by time."""
    monkeypatch.setattr(E.checkpoints, "MIN_BATCH_SECONDS", 0.0)
    monkeypatch.setattr(E.checkpoints, "CHECKPOINT_SHARE", math.inf)


def test_single_cell_interrupted_loses_at_most_one_batch(write_config, tmp_path, monkeypatch, step_batches):
    cfg = write_config(SINGLE)
    whole, _ = quiet_run(cfg, tmp_path / "whole")
    calls = []
    real = E._simulate_all

    def interrupted(graph, exp, plans, runs, offset, *rest):
        calls.append(offset)
        if len(calls) == 8:
            raise KeyboardInterrupt  # Ctrl-C in the 8th batch
        return real(graph, exp, plans, runs, offset, *rest)

    monkeypatch.setattr(E, "_simulate_all", interrupted)
    out = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        quiet_run(cfg, out)
    assert len(list((out / "cells" / "cell_0000.parts").glob("batch_*.npz"))) == 7
    lost = calls[-1]  # batches: runs 0-3 (the recorded ones), 3-10, then tens; the 8th starts at run 60
    assert lost == 60
    calls.clear()
    monkeypatch.setattr(E, "_simulate_all", lambda *a: calls.append(a[4]) or real(*a))
    quiet_run(cfg, out, resume=True)
    assert calls == list(range(lost, 200, 10))  # only the lost batch and those after it are simulated
    assert tables(out) == tables(whole)
    assert not (out / "cells" / "cell_0000.parts").exists()


def test_batches_sized_by_time_give_identical_tables(write_config, tmp_path, monkeypatch, step_batches):
    """Fast runs are simulated (and saved) in batches of many steps; the tables equal those of step batches."""
    cfg = write_config(SINGLE)
    whole, _ = quiet_run(cfg, tmp_path / "steps")
    calls, saved = [], []
    real, real_save = E._simulate_all, E.save_batch
    monkeypatch.setattr(E, "_simulate_all", lambda *a: calls.append((a[4], a[4] + a[3])) or real(*a))
    monkeypatch.setattr(E, "save_batch", lambda folder, start, end, b: saved.append((start, end)) or real_save(folder, start, end, b))
    monkeypatch.setattr(E.checkpoints, "MIN_BATCH_SECONDS", 1e9)  # every batch too short: one batch after the records
    out, _ = quiet_run(cfg, tmp_path / "time")
    assert calls == saved == [(0, 3), (3, 200)]
    assert tables(out) == tables(whole)


def _default_sigint():  # a child of a shell that ignores SIGINT would inherit that
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ctrl_c(argv: list[str], ready) -> tuple[subprocess.Popen, str]:
    """Start `virality ARGV` in a real process, wait (at most 2 minutes) until ``ready()``, press Ctrl-C."""
    proc = subprocess.Popen([sys.executable, "-m", "virality.cli", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 120
        while not ready() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc, stderr


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_real_interruption_then_resume(reference, sweep, tmp_path):
    """Ctrl-C a real `virality sweep` process after its first finished cell, then resume it."""
    out = tmp_path / "killed"
    proc, stderr = ctrl_c(["sweep", str(sweep), "--out", str(out), "--quiet", "--no-figures"],
                          lambda: bool(list(out.glob("cells/cell_*/cell.json"))))
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip() == "virality: interrupted; finished cells are kept: rerun with --resume"
    finished = sorted(p.parent.name for p in out.glob("cells/cell_*/cell.json"))
    assert 1 <= len(finished) < 6, finished
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert not (out / "summary.json").exists()

    with pytest.raises(InputError, match="use --resume to continue"):
        run_experiment(sweep, out=out, quiet=True)
    _, logs = quiet_run(sweep, out, resume=True)
    assert logs == [f"resuming: {len(finished)} of 6 cells already finished"]
    assert tables(out) == tables(reference)
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert sorted(p.name for p in (out / "cells").iterdir()) == [f"cell_{i:04d}" for i in range(6)]  # no debris


HUNDRED = (TINY.replace('name = "tiny"', 'name = "hundred"').replace("n = 300", "n = 200").replace("runs = 20", "runs = 5")
           + '\n[outputs]\nparquet = false\nrecords = 0\n'
           + '\n[sweep]\n"audience.share_rate" = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]\n'
           + '"strategy.1.budget" = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]\n')


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_real_ctrl_c_in_a_single_cell_then_resume(write_config, tmp_path):
    """Ctrl-C a real single-cell `virality run` after a few saved batches; --resume gives identical tables."""
    cfg = write_config(TINY.replace("n = 300", "n = 20000").replace("runs = 20", "runs = 3000"))
    whole, _ = quiet_run(cfg, tmp_path / "whole")
    out = tmp_path / "cut"
    proc, stderr = ctrl_c(["run", str(cfg), "--out", str(out), "--quiet", "--no-figures"],
                          lambda: len(list(out.glob("cells/cell_0000.parts/batch_*.npz"))) >= 3)
    assert proc.returncode == 130, stderr
    saved = len(list(out.glob("cells/cell_0000.parts/batch_*.npz")))
    assert 3 <= saved < 21 and not (out / "cells" / "cell_0000").exists()
    _, logs = quiet_run(cfg, out, resume=True)
    assert tables(out) == tables(whole)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_hundred_cell_sweep_killed_halfway_resumes_to_identical_results(tmp_path):
    """The issue's bar: a 100-cell sweep killed (SIGKILL, no clean-up) halfway finishes with --resume
    and its tables equal those of an uninterrupted run byte for byte."""
    cfg = tmp_path / "hundred.toml"
    cfg.write_text(HUNDRED)
    reference, _ = quiet_run(cfg, tmp_path / "reference")
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "virality.cli", "sweep", str(cfg), "--out", str(out), "--quiet", "--no-figures"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while (len(list(out.glob("cells/cell_*/cell.json"))) < 50 and proc.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.002)
        proc.kill()
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    finished = len(list(out.glob("cells/cell_*/cell.json")))
    assert 50 <= finished < 100, finished
    _, logs = quiet_run(cfg, out, resume=True)
    assert logs == [f"resuming: {finished} of 100 cells already finished"]
    assert tables(out) == tables(reference)
    assert sorted(p.name for p in (out / "cells").iterdir()) == [f"cell_{i:04d}" for i in range(100)]


# ------------------------------------------------------------------------------------- runs = "auto"
AUTO = ["runs=auto", "batch=10", "max_runs=75"]


def test_auto_runs_stop_at_the_target_precision(tiny, tmp_path):
    out, _ = quiet_run(tiny, tmp_path / "auto", overrides=[*AUTO, "precision=0.2"])
    cell = json.loads((out / "summary.json").read_text())["cells"][0]
    n = cell["n_runs"]
    assert cell["precision"] <= 0.2
    assert n % 10 == 0 and 10 <= n < 75
    # the runs it made are the first n runs of a fixed-run experiment with the same seed
    fixed, _ = quiet_run(tiny, tmp_path / "fixed", overrides=["runs=75"])
    auto_rows, fixed_rows = rows(out / "runs.csv"), rows(fixed / "runs.csv")
    assert len(auto_rows) == 2 * n and len(fixed_rows) == 2 * 75
    for k, name in enumerate(["tv", "inf"]):
        assert auto_rows[k * n:(k + 1) * n] == fixed_rows[k * 75:k * 75 + n]
        assert {r["strategy"] for r in auto_rows[k * n:(k + 1) * n]} == {name}


def test_auto_runs_stop_at_max_runs(tiny, tmp_path):
    out, _ = quiet_run(tiny, tmp_path / "auto", overrides=[*AUTO, "precision=0.001"])
    cell = json.loads((out / "summary.json").read_text())["cells"][0]
    assert cell["n_runs"] == 75  # 7 batches of 10 and one of 5
    assert cell["precision"] > 0.001
    fixed, _ = quiet_run(tiny, tmp_path / "fixed", overrides=["runs=75"])
    assert (out / "runs.csv").read_bytes() == (fixed / "runs.csv").read_bytes()


# ------------------------------------------------------------------------------------- Dask
def test_dask_local_cluster_gives_identical_tables(reference, sweep, tmp_path):
    pytest.importorskip("dask.distributed")
    exp, _ = load_config(sweep)
    assert exp.workers == 2
    out, _ = quiet_run(sweep, tmp_path / "dask", scheduler="local")
    assert tables(out) == tables(reference)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"


# ------------------------------------------------------------------------------------- output safety
def snapshot(folder: Path) -> dict[Path, tuple[int, bytes]]:
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()}


def test_run_writes_only_inside_out_and_reads_relative_graph_files(tmp_path, monkeypatch):
    from virality.generators import social_graph
    from virality.io import write_edgelist

    g = social_graph(400, communities=4, rng=3)
    (tmp_path / "data").mkdir()
    write_edgelist(g, tmp_path / "data" / "edges.txt", weights=False, header=True)
    (tmp_path / "data" / "groups.txt").write_text("".join(f"{v} {c}\n" for v, c in enumerate(g.community)))
    text = (TINY.replace('generator = "social_graph"\nn = 300\ncommunities = 5',
                         'file = "../data/edges.txt"\nlabels = "../data/groups.txt"')
            .replace('select = "top_degree"', 'select = "one_per_community"'))
    (tmp_path / "configs").mkdir()
    config = tmp_path / "configs" / "file.toml"
    config.write_text(text)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)

    before = snapshot(tmp_path)
    out, _ = quiet_run("../configs/file.toml", tmp_path / "out")
    after = snapshot(tmp_path)
    assert {p for p in after if p not in before} and all(p.is_relative_to(tmp_path / "out") for p in after if p not in before)
    assert {p: after[p] for p in before} == before  # nothing else touched
    assert os.listdir(cwd) == []
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cells"][0]["graph"]["n"] == 400 and summary["cells"][0]["graph"]["communities"] == 4
    nodes = rows(out / "nodes.csv")
    assert {int(r["community"]) for r in nodes} == {0, 1, 2, 3}

    # --force replaces the run's own outputs and nothing else in the folder
    (out / "notes.txt").write_text("mine")
    (out / "my.analysis.csv").write_text("a,b\n")
    (out / "extra").mkdir()
    (out / "extra" / "x.txt").write_text("x")
    first = tables(out)
    quiet_run("../configs/file.toml", out, force=True)
    assert (out / "notes.txt").read_text() == "mine" and (out / "my.analysis.csv").exists()
    assert (out / "extra" / "x.txt").exists()
    assert tables(out) == first


def test_results_are_readable_files(tiny, tmp_path):
    out, _ = quiet_run(tiny, tmp_path / "out")
    umask = os.umask(0)
    os.umask(umask)
    for p in [out / "manifest.json", out / "runs.csv", out / "cells" / "cell_0000" / "runs.csv"]:
        assert p.stat().st_mode & 0o777 == 0o666 & ~umask, p
    assert (out / "cells" / "cell_0000").stat().st_mode & 0o777 == 0o777 & ~umask


# ------------------------------------------------------------------------------------- all-run tables
def test_penetration_and_flows_tables_cover_every_run(tiny, tmp_path):
    """penetration.csv ends at the communities table; with every run recorded, flows.csv and
    penetration.csv equal what the records give."""
    from virality.cascades import cross_community_flows, penetration_matrix
    from virality.results import Results
    from virality.tables import column_equals, read_table, select_rows

    out, _ = quiet_run(tiny, tmp_path / "out", overrides=["outputs.records=20"])
    res = Results(out)
    comms, pen, flows = (read_table(out / t) for t in ("communities", "penetration", "flows"))
    comm = res.community
    c = int(comm.max()) + 1
    sizes = np.bincount(comm, minlength=c)
    assert len(res.strategies) == 2 and c == 5
    for name in res.strategies:
        times, parents, channels = res.record(name)
        assert times.shape[0] == 20  # every run recorded
        p = select_rows(pen, column_equals(pen["strategy"], name))
        width = int(p["step"].max()) + 1
        assert p["step"].size == c * width  # every community at every step
        share = np.zeros((c, width))
        mean = np.zeros((c, width))
        share[p["community"], p["step"]] = p["share"]
        mean[p["community"], p["step"]] = p["engaged_cum_mean"]
        # (a) the last step is the communities table's penetration and mean engaged
        t = select_rows(comms, column_equals(comms["strategy"], name))
        np.testing.assert_allclose(share[t["community"], -1], t["penetration"], rtol=1e-12, atol=0)
        np.testing.assert_allclose(mean[t["community"], -1], t["engaged"], rtol=1e-12, atol=0)
        assert np.all(np.diff(share, axis=1) >= 0)
        # ... and every step is the records' penetration
        m = penetration_matrix(times, comm, channels, sizes=sizes, n_communities=c)
        np.testing.assert_allclose(share[:, : m.shape[1]], m, rtol=1e-12, atol=0)
        np.testing.assert_allclose(share[:, m.shape[1]:], m[:, -1:].repeat(width - m.shape[1], axis=1))
        # (b) flows over all runs equal the records' flows, exactly
        f = select_rows(flows, column_equals(flows["strategy"], name))
        got = np.zeros((c, c))
        got[f["source_community"], f["target_community"]] = f["per_run"]
        want = cross_community_flows(parents, comm, c)
        assert want.sum() > 0 and np.all(f["per_run"] > 0)
        assert np.array_equal(got, want)


# ------------------------------------------------------------------------------------- example configs
def small(path: Path) -> list[str]:
    """Overrides that make an example config run in about a second."""
    raw = load_config(path)[1]
    over = ["batch=20", "max_runs=60"] if raw.get("runs") == "auto" else ["runs=20"]
    over.append("outputs.nodes=200")  # the 200 key nodes with most ripple, not every node of a big graph
    graph = raw["graph"]
    if "generator" in graph and "n" in graph:
        over.append(f"graph.n={3000 if path.name in ('mass_vs_micro.toml', 'optimize_mix.toml') else 2000}")
    if path.name in ("mass_vs_micro.toml", "optimize_mix.toml"):
        # at n = 3,000 one airing at reach 0.5 costs 30 instead of 1,000: the 2,000 budget would buy 66
        # airings, past max_steps. Scale the CPM with the population so the plans match the full size.
        over.append("prices.cpm=600")
    return over


def test_example_configs_are_there():
    names = {p.name for p in CONFIGS}
    assert {"mass_vs_micro.toml", "quickstart.toml", "sweep_share_rate.toml", "real_graph_email.toml",
            "nethept_strategies.toml", "auto_runs.toml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_example_config_runs(path, tmp_path):
    header = path.read_text().splitlines()
    assert header[0].startswith("#"), "start with a comment saying what the config shows"
    assert any(line.startswith("#") and any(f"virality {c}" in line for c in ("run", "sweep", "optimize", "uncertainty"))
               for line in header)
    over = small(path)
    exp, raw = load_config(path, over)
    cells = expand_cells(exp, raw, str(path))
    out, _ = quiet_run(path, tmp_path / path.stem, overrides=over)
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["cells"]) == len(cells)
    for cell in summary["cells"]:
        assert cell["strategies"] == [s.name for s in exp.strategy]
        if exp.runs == "auto":
            assert cell["n_runs"] % 20 == 0 and 20 <= cell["n_runs"] <= 60
            assert cell["n_runs"] == 60 or cell["precision"] <= exp.precision
        else:
            assert cell["n_runs"] == 20
        for name in cell["strategies"]:
            engaged = cell["summary"][name]["metrics"]["engaged"]["value"]
            assert np.isfinite(engaged) and engaged > 0, (name, engaged)


def test_progress_goes_to_the_log_when_stderr_is_no_terminal(write_config, tmp_path, monkeypatch):
    real = E._Progress.__init__

    def every_call(self, *a, **kw):  # a line every time instead of every 5 seconds
        real(self, *a, **{**kw, "every": 0.0})

    monkeypatch.setattr(E._Progress, "__init__", every_call)
    cfg = write_config(SINGLE)
    logs: list[str] = []
    run_experiment(cfg, out=tmp_path / "out", quiet=False, log=logs.append)
    assert logs and all(line.startswith("cell 1 of 1: ") for line in logs)
    assert any("of 200 runs done" in line and "now strategy 2 of 2: inf, runs" in line for line in logs)
