"""Hostile and unlucky inputs: output folders that are not ours, planted links, busy and failed runs,
a full or read-only disk. Each ends with one line, the right exit code, and nothing written outside the
results folder."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time

import pytest
from conftest import TINY, run_cli

import virality.cluster as cluster
import virality.experiment as E
from virality.files import atomic_write


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("virality: error: "), stderr
    return lines[0]


@pytest.fixture
def tiny(write_config):
    return write_config(TINY)


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/virality-escaped"])
def test_a_name_cannot_leave_results(tmp_path, tiny, monkeypatch, name):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    rc, _, err = run_cli("run", tiny, "--set", f"name={json.dumps(name)}", "--runs", "2", "--quiet")
    assert rc == 2 and "cannot name a folder under results/" in one_line(err)
    assert os.listdir(work) == [] and not (tmp_path / "escaped").exists() and not os.path.exists(name)


def test_a_foreign_folder_is_never_written_nor_deleted(tmp_path, tiny):
    foreign = tmp_path / "mine"
    (foreign / "figures").mkdir(parents=True)
    (foreign / "config.toml").write_text("my own config\n")
    (foreign / "runs.csv").write_text("my,data\n")
    (foreign / "figures" / "a.png").write_bytes(b"png")
    before = snapshot(foreign)
    for extra in ([], ["--force"], ["--resume"]):
        rc, _, err = run_cli("run", tiny, "--out", foreign, "--runs", "2", "--quiet", "--no-figures", *extra)
        assert rc == 2 and "was not written by virality" in one_line(err)
        assert snapshot(foreign) == before


def test_force_clears_only_what_the_tool_wrote(tmp_path, tiny):
    out = tmp_path / "out"
    assert run_cli("run", tiny, "--out", out, "--runs", "2", "--quiet", "--no-figures")[0] == 0
    assert (out / E.MARKER).is_file()
    (out / "notes.txt").write_text("keep me")
    assert run_cli("run", tiny, "--out", out, "--runs", "2", "--quiet", "--no-figures", "--force")[0] == 0
    assert (out / "notes.txt").read_text() == "keep me"


def test_atomic_write_never_follows_a_planted_link(tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "report.html"
    planted = tmp_path / ".report.html.fixed.tmp"
    planted.symlink_to(victim)
    monkeypatch.setattr("virality.files.temporary_path", lambda p: planted)  # the attacker guessed the name
    with pytest.raises(FileExistsError):
        atomic_write(target, "new")
    assert victim.read_text() == "precious" and not target.exists()


def test_saved_config_names_no_absolute_path(tmp_path, write_config):
    from virality.generators import erdos_renyi
    from virality.io import write_edgelist

    data = tmp_path / "data"
    data.mkdir()
    write_edgelist(erdos_renyi(200, 0.05, rng=1), data / "edges.txt")
    cfg = write_config(TINY.replace('generator = "social_graph"\nn = 300\ncommunities = 5\n', 'file = "data/edges.txt"\n'))
    out = tmp_path / "out"
    assert run_cli("run", cfg, "--out", out, "--runs", "2", "--quiet", "--no-figures")[0] == 0
    saved = (out / "config.toml").read_text()
    assert str(tmp_path) not in saved and '"file" = "../data/edges.txt"' in saved
    from virality.results import Results

    assert Results(out).graph is not None  # the saved config still finds its graph


def test_a_second_run_in_the_same_folder_is_told_it_is_busy(tmp_path, tiny):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         f"os.makedirs({str(out)!r}, exist_ok=True)\n"
         f"f = open(os.path.join({str(out)!r}, {E.MARKER!r}), 'a')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        rc, _, err = run_cli("run", tiny, "--out", out, "--runs", "2", "--quiet", "--no-figures")
        assert rc == 1 and "is busy: another virality run is writing it" in one_line(err)
        assert time.monotonic() - t0 < 20
    finally:
        holder.kill()
        holder.wait()
    assert run_cli("run", tiny, "--out", out, "--runs", "2", "--quiet", "--no-figures")[0] == 0  # lock gone with it


def test_a_failed_run_is_marked_and_the_next_one_needs_no_force(tmp_path, tiny, monkeypatch):
    out = tmp_path / "out"
    real = E.combine

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "runs.csv"))

    monkeypatch.setattr(E, "combine", disk_full)
    rc, _, err = run_cli("run", tiny, "--out", out, "--runs", "2", "--quiet", "--no-figures")
    assert rc == 1 and one_line(err) == f"virality: error: {out / 'runs.csv'}: No space left on device"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "No space left" in manifest["error"]
    monkeypatch.setattr(E, "combine", real)
    rc, _, err = run_cli("run", tiny, "--out", out, "--runs", "2", "--quiet", "--no-figures")
    assert rc == 0, err
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_a_read_only_folder_is_one_line_exit_1(tmp_path, tiny, monkeypatch):
    def read_only(path, data):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(E, "atomic_write", read_only)
    rc, _, err = run_cli("run", tiny, "--out", tmp_path / "out", "--runs", "2", "--quiet", "--no-figures")
    assert rc == 1 and one_line(err).endswith("config.toml: Read-only file system")


@pytest.mark.parametrize("setting, key", [("graph.n=1000000000000", "graph.n"), ("max_steps=1000000000", "max_steps"),
                                          ("runs=1000000000000", "runs")])
def test_a_run_too_big_for_the_machine_is_refused_before_allocating(tmp_path, tiny, setting, key):
    t0 = time.monotonic()
    for command in ("validate", "run"):
        extra = ["--out", tmp_path / "out", "--quiet"] if command == "run" else []
        rc, _, err = run_cli(command, tiny, "--set", setting, *extra)
        assert rc == 2 and f": {key} = " in one_line(err) and "GiB of memory" in err and "this machine has" in err
    assert time.monotonic() - t0 < 40 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("setting, message", [
    ("strategy.0.budget=inf", "strategy[0].budget: Input should be a finite number"),
    ("prices.cpm=nan", "prices.cpm: Input should be a finite number"),
    ('sweep."graph.p"=[]', "sweep.graph.p is empty"),
])
def test_infinite_money_and_empty_sweeps_are_errors(tiny, setting, message):
    for command in ("validate", "run"):
        rc, _, err = run_cli(command, tiny, "--set", setting)
        assert rc == 2 and message in one_line(err)


def test_resume_refuses_when_an_input_file_changed(tmp_path, write_config):
    from virality.generators import erdos_renyi
    from virality.io import write_edgelist

    edges = tmp_path / "edges.txt"
    write_edgelist(erdos_renyi(300, 0.03, rng=1), edges)
    cfg = write_config(TINY.replace('generator = "social_graph"\nn = 300\ncommunities = 5\n', 'file = "edges.txt"\n')
                       + '\n[sweep]\n"audience.share_rate" = [0.2, 0.4]\n')
    out = tmp_path / "out"
    assert run_cli("run", cfg, "--out", out, "--quiet", "--no-figures")[0] == 0
    (out / "manifest.json").write_text((out / "manifest.json").read_text().replace('"complete"', '"running"'))
    write_edgelist(erdos_renyi(300, 0.01, rng=2), edges)  # the input changes between interrupt and resume
    rc, _, err = run_cli("run", cfg, "--out", out, "--quiet", "--no-figures", "--resume")
    assert rc == 2 and "holds results of a different config" in one_line(err)


@pytest.mark.parametrize("setting, message", [
    ("graph.n=0", "social_graph: n must be an integer >= 2, got 0"),
    ("graph.communities=100000", "communities must be an integer in [1, 150], got 100000"),
    ("strategy.0.seeds=[99999999]", "strategy[0] (tv): seeds: node 99999999 is out of range"),
    ("broadcast.target=[999]", "broadcast.target: community 999 does not exist"),
    ("tiers.bounds=[80,95,99,101]", "tiers.bounds are percentiles and must be at most 100"),
    ("strategy.1.influencers.k=1000000000", "k = 1000000000 but only"),
])
def test_validate_says_valid_only_when_run_would_run(tiny, tmp_path, setting, message):
    rc, _, err = run_cli("validate", tiny, "--set", setting)
    assert rc == 2 and message in one_line(err)
    rc, _, err = run_cli("run", tiny, "--set", setting, "--out", tmp_path / "out", "--quiet", "--no-figures")
    assert rc == 2 and message in one_line(err)


def test_a_bad_scheduler_address_is_exit_2_and_writes_nothing(tiny, tmp_path):
    rc, _, err = run_cli("run", tiny, "--out", tmp_path / "out", "--scheduler", "not-an-address", "--quiet")
    assert rc == 2 and "expected a scheduler address such as tcp://host:8786" in one_line(err)
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_exit_1_within_the_timeout(tiny, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(cluster, "DASK_CONNECT_TIMEOUT", 3.0)
    t0 = time.monotonic()
    rc, _, err = run_cli("run", tiny, "--out", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9", "--quiet")
    assert rc == 1 and "Dask scheduler tcp://127.0.0.1:9 unreachable after 3 s" in one_line(err)
    assert time.monotonic() - t0 < 40
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["status"] == "failed"


def test_string_ids_reach_nodes_csv_and_the_ranking(tmp_path, write_config):
    import csv

    names = [f"user_{i}" for i in range(60)]
    rng = __import__("numpy").random.default_rng(3)
    lines = ["source,target"] + [f"{names[a]},{names[b]}" for a, b in rng.integers(0, 60, (400, 2)) if a != b]
    (tmp_path / "follows.csv").write_text("\n".join(lines) + "\n")
    cfg = write_config(TINY.replace('generator = "social_graph"\nn = 300\ncommunities = 5\n', 'file = "follows.csv"\n')
                       .replace("p = 0.1", "p = 0.3"))
    out = tmp_path / "out"
    rc, _, err = run_cli("run", cfg, "--out", out, "--runs", "20", "--quiet", "--no-figures")
    assert rc == 0, err
    with open(out / "nodes.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["label"] for r in rows} == set(names) & {r["label"] for r in rows} and len({r["label"] for r in rows}) == 60
    for r in rows[:60]:
        assert r["label"] == sorted(names)[int(r["node"])]  # node i is the i-th id in sorted order
    rc, text, err = run_cli("rank", out, "--top", "3", "--out", tmp_path / "rank.csv")
    assert rc == 0 and "user_" in text
    ranked = list(csv.DictReader(open(tmp_path / "rank.csv", newline="")))
    assert all(r["label"] == sorted(names)[int(r["node"])] for r in ranked)
    # no communities: bridging cannot happen, and the ranking says so instead of listing zeros
    rc, text, _ = run_cli("rank", out, "--by", "bridging")
    assert rc == 0 and "no one has any bridging in these runs (the graph has one community" in text and "nan" not in text


def test_configs_that_are_not_text_or_too_deep_are_one_line(tmp_path):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('name = "café"\nseed = 1\n'.encode("latin-1"))
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    for path, message in ((bad, "latin1.toml:1: not UTF-8 text (byte 0xe9)"),
                          (deep, "not valid TOML: arrays or tables nested too deeply"),
                          (tmp_path, "not a regular file; a config is a TOML file")):
        rc, _, err = run_cli("validate", path)
        assert rc == 2 and message in one_line(err)


def test_a_toml_date_where_a_number_belongs_is_one_line(tiny):
    rc, _, err = run_cli("validate", tiny, "--set", "audience.share_rate=1979-05-27")
    assert rc == 2 and "audience.share_rate: Input should be a valid number" in one_line(err)


def test_community_names_reach_the_tables_and_the_ranking(tmp_path, write_config):
    import csv

    from virality.generators import erdos_renyi
    from virality.io import write_edgelist

    write_edgelist(erdos_renyi(90, 0.08, rng=2), tmp_path / "edges.txt")
    depts = ("sales", "hr", "it")
    (tmp_path / "depts.txt").write_text("".join(f"{i} {depts[i % 3]}\n" for i in range(90)))
    cfg = write_config(TINY.replace('generator = "social_graph"\nn = 300\ncommunities = 5\n',
                                    'file = "edges.txt"\nlabels = "depts.txt"\n').replace("p = 0.1", "p = 0.3"))
    out = tmp_path / "out"
    rc, _, err = run_cli("run", cfg, "--out", out, "--runs", "5", "--quiet", "--no-figures")
    assert rc == 0, err
    comms = list(csv.DictReader(open(out / "communities.csv", newline="")))
    assert {(r["community"], r["name"]) for r in comms} == {("0", "hr"), ("1", "it"), ("2", "sales")}
    nodes = list(csv.DictReader(open(out / "nodes.csv", newline="")))
    assert all(r["community_name"] == depts[int(r["node"]) % 3] for r in nodes)
    rc, text, _ = run_cli("rank", out, "--top", "3")
    assert rc == 0 and any(d in text for d in depts)
