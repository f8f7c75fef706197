"""Sweeps: one summary across cells (winner, runner-up, paired margin), phase diagrams that show the margin,
parameters named in words, and per-cell figures that say which cell they show."""

from __future__ import annotations

import json
import re

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from virality import figures, plots, report
from virality.catalog import LOWER_IS_BETTER, METRICS, fmt_difference
from virality.metrics import paired, summarize
from virality.results import Results, cell_label, key_label, sweep_summary, value_key, value_label
from virality.tables import column_equals, read_table

from conftest import run_cli

#: three strategies on a small graph, swept over two keys: 2 x 2 cells
SWEEP = """
name = "sw"
seed = 5
runs = 16
max_steps = 30

[graph]
generator = "social_graph"
n = 400
communities = 4
mean_degree = 8
p = 0.2

[audience]
share_rate = 0.5
alignment_random = [0.4, 1.0]

[prices]
cpm = 20.0
per_post = { nano = 1.0, micro = 2.5, macro = 8.0, mega = 50.0 }

[broadcast]
trust = 0.05
lead_time = 2

[influencers]
lead_time = 1
trust = 0.15

[[strategy]]
name = "mass media"
budget = 20
broadcast = { reach = 0.5 }

[[strategy]]
name = "micro"
budget = 20
influencers = { select = "one_per_community", tier = "micro" }

[[strategy]]
name = "nano"
budget = 20
influencers = { select = "one_per_community", tier = "nano" }

[outputs]
records = 2
parquet = false

[sweep]
"audience.share_rate" = [0.2, 0.6]
"graph.p" = [0.05, 0.2]
"""
KEYS = ("audience.share_rate", "graph.p")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The sweep run through the CLI without figures: (results folder, printed output)."""
    folder = tmp_path_factory.mktemp("sweep")
    cfg = folder / "sw.toml"
    cfg.write_text(SWEEP)
    rc, out, err = run_cli("sweep", cfg, "--out", folder / "results", "--no-figures")
    assert rc == 0, err
    return folder / "results", out


@pytest.fixture(scope="module")
def rows(sweep):
    res = Results(sweep[0])
    return res.sweep_summary()


def _cell_runs(runs: dict, cell: int, name: str) -> dict:
    sel = np.flatnonzero((runs["cell"] == cell) & column_equals(runs["strategy"], name))
    sel = sel[np.argsort(runs["run"][sel])]
    return {k: np.asarray(v)[sel].astype(float) for k, v in runs.items() if np.asarray(v).dtype.kind in "if"}


# ------------------------------------------------------------------------------------- the summary table
def test_winner_is_the_best_value_of_each_cell(sweep, rows):
    summary = json.loads((sweep[0] / "summary.json").read_text())
    assert len(rows) == 4 * 7 and {r["metric"] for r in rows} >= {"engaged", "cost_per_engagement"}
    assert all(METRICS[r["metric"]].better is not None for r in rows)  # no "winner" of a share or a shape
    for r in rows:
        cell = summary["cells"][r["cell"]]
        assert r["overrides"] == {k: cell["overrides"][k] for k in KEYS}
        names = [n for n in cell["strategies"]
                 if METRICS[r["metric"]].style != "money" or cell["summary"][n]["plan"]["spend"] > 0]
        vals = np.array([cell["summary"][n]["metrics"][r["metric"]]["value"] for n in names], float)
        order = np.argsort(vals if r["metric"] in LOWER_IS_BETTER else -vals, kind="stable")
        assert r["winner"] == names[order[0]], r
        assert r["runner_up"] == names[order[1]]
        assert r["winner_value"] == vals[order[0]] and r["runner_up_value"] == vals[order[1]]


def test_margin_is_the_paired_difference_over_the_cells_runs(sweep, rows):
    runs = read_table(sweep[0] / "runs")
    for r in rows:
        a, b = _cell_runs(runs, r["cell"], r["winner"]), _cell_runs(runs, r["cell"], r["runner_up"])
        e = paired(a, b, [r["metric"]])[r["metric"]]
        assert r["n_pairs"] == 16
        assert r["margin"] == pytest.approx(e.value, rel=1e-12, abs=1e-12)
        assert (r["low"], r["high"]) == pytest.approx((e.low, e.high), rel=1e-12, abs=1e-12)
        assert r["margin"] == pytest.approx(r["winner_value"] - r["runner_up_value"], rel=1e-9, abs=1e-9)
        assert r["tie"] == (e.low <= 0 <= e.high)
        assert (r["margin"] <= 0) if r["metric"] in LOWER_IS_BETTER else (r["margin"] >= 0)


def _tie_case(real: float = 0.0):
    """Two strategies a and b on 200 shared replicates: a = b + noise (+ ``real``), in one 1 x 2 sweep."""
    rng = np.random.default_rng(1)
    cells, cols = [], {k: [] for k in ("cell", "x", "y", "strategy", "run", "engaged", "spend")}
    for k, x in enumerate((1, 2)):
        base = rng.normal(100, 10, 200)
        per = {"a": base + rng.normal(0, 5, 200) + (real if x == 2 else 0.0), "b": base}
        summ = {}
        for name, v in per.items():
            est = summarize({"engaged": v, "spend": np.full(200, 10.0)}, ["engaged", "cost_per_engagement"])
            summ[name] = {"plan": {"spend": 10.0},
                          "metrics": {m: {"value": e.value, "low": e.low, "high": e.high} for m, e in est.items()}}
            for col, val in (("cell", k), ("x", x), ("y", 0.5), ("strategy", name), ("engaged", v), ("spend", 10.0)):
                cols[col] += [val] * 200 if np.ndim(val) == 0 else list(val)
            cols["run"] += list(range(200))
        cells.append({"strategies": ["a", "b"], "overrides": {"x": x, "y": 0.5}, "summary": summ, "n_runs": 200})
    runs = {k: np.array(v, dtype=object if k == "strategy" else float) for k, v in cols.items()}
    return {"name": "t", "baseline": "a", "cells": cells}, runs


def test_a_margin_whose_interval_holds_zero_is_a_tie():
    summary, runs = _tie_case(real=20.0)
    (noise, real), = [[r for r in sweep_summary(summary, runs, ["engaged"])]]
    diff = runs["engaged"][:200] - runs["engaged"][200:400]
    half = 1.96 * diff.std(ddof=1) / np.sqrt(200)
    assert abs(diff.mean()) < half  # the premise: cell 0's interval holds zero
    assert noise["tie"] and noise["low"] < 0 < noise["high"]
    assert noise["winner"] == ("a" if diff.mean() > 0 else "b")  # ahead on the point values, yet a tie
    assert not real["tie"] and real["winner"] == "a" and real["low"] > 0
    # the table says so
    header, table, classes = report.sweep_summary_table([noise, real], summary["cells"], "engaged")
    assert header[:2] == ["cell", "x"]
    assert table[0][2] == f"tie ({noise['winner']} ahead)" and table[0][-1].startswith("tie: ") and classes[0][-1] == "flat"
    assert table[1][2] == "a" and not table[1][-1].startswith("tie")
    # without runs there is no interval: a margin, never a tie unless the values are equal
    assert not any(r["tie"] for r in sweep_summary(summary, None, ["engaged"]))
    # the phase diagram: grey and hatched, its text "tie", the other square names the winner
    ax = plots.phase_diagram(summary, "x", "y", "engaged", Figure().add_subplot(), runs=runs)
    texts = {round(t.get_position()[0]): t.get_text() for t in ax.texts if t.get_gid() == "square"}
    assert texts[0].splitlines()[0] == "tie" and texts[1].splitlines()[0] == "a"
    assert [p.get_x() for p in ax.patches if p.get_gid() == "tie"] == [-0.5]
    rgb = ax.images[0].get_array()
    assert np.allclose(rgb[0, 0], plots._TIE_GREY)
    assert not np.allclose(rgb[0, 1], plots._TIE_GREY)


# ------------------------------------------------------------------------------------- the CLI and the report
def test_cli_prints_full_tables_for_the_first_cells_then_the_sweep_summary(sweep, rows):
    folder, out = sweep
    full = re.findall(r"^== sw  cell (\d+): ", out, flags=re.M)
    assert full == [str(k) for k in range(report.FULL_TABLES)]
    assert f"cell 3: full tables in {folder / 'report.html'}" in out
    summary_part = out[out.index("== sweep summary"):]
    assert "who wins each of the 4 cells" in summary_part
    assert "paired over each cell's 16 common replicates" in summary_part
    for metric in report.CLI_SWEEP_METRICS:
        block = summary_part[summary_part.index(METRICS[metric].label + " ("):]
        lines = block.splitlines()
        assert lines[1].split()[:3] == ["cell", "share", "rate"]  # parameters in words
        for r in (r for r in rows if r["metric"] == metric):
            line = lines[3 + r["cell"]]
            assert line.split()[0] == str(r["cell"])
            assert (f"tie ({r['winner']} ahead)" if r["tie"] else f"  {r['winner']}  ") in line


def test_report_has_a_sweep_summary_section_and_margin_phase_diagrams(sweep, rows):
    folder, _ = sweep
    out = report.write_report(folder)  # draws the figures first
    text = out.read_text()
    assert '<a href="#sweep">Sweep summary</a>' in text
    section = text[text.index('id="sweep"'):text.index('id="findings"')]
    assert section.count("<tbody>") == len({r["metric"] for r in rows})
    assert "share rate" in section and "(audience.share_rate)" in section
    index = json.loads((folder / "figures" / "index.json").read_text())
    captions = {e["name"]: e["caption"] for e in index}
    assert {"phase_engaged", "phase_cost_per_engagement"} <= set(captions)
    assert "margin" in captions["phase_engaged"] and "tie" in captions["phase_engaged"]
    for name, caption in captions.items():  # figures of one cell say which cell, and why
        if not name.startswith("phase_"):
            assert "Shown for sweep cell 0 only (of cells 0-3; share rate = 0.2, p = 0.05)" in caption, name
    assert "Sweep cell 0 only" in text[text.index('id="keynodes"'):]


# ------------------------------------------------------------------------------------- figures
@pytest.mark.parametrize("metric", ["engaged", "cost_per_engagement"])
def test_phase_diagram_names_the_winner_of_the_summary_table(sweep, rows, metric):
    res = Results(sweep[0])
    fig = dict((s[0], s[3]) for s in figures.figure_specs(res))[f"phase_{metric}"]()
    ax = fig.axes[0]
    xs = [t.get_text() for t in ax.get_xticklabels()]
    ys = [t.get_text() for t in ax.get_yticklabels()]
    squares = [t for t in ax.texts if t.get_gid() == "square"]
    assert len(squares) == 4
    by_cell = {r["cell"]: r for r in rows if r["metric"] == metric}
    for t in squares:
        j, i = (round(v) for v in t.get_position())
        # x is the first swept axis (share rate), y the second (p)
        cell = next(k for k, c in enumerate(res.cells) if value_label(c["overrides"][KEYS[0]]) == xs[j]
                    and value_label(c["overrides"][KEYS[1]]) == ys[i])
        r = by_cell[cell]
        lines = t.get_text().splitlines()
        assert lines[0] == ("tie" if r["tie"] else r["winner"])
        if not r["tie"]:
            assert lines[1] == plots.fmt(metric, r["winner_value"])
            assert lines[2].startswith(fmt_difference(metric, r["margin"], r["low"], r["high"]).split(" ")[0])
            assert lines[3] == f"over {r['runner_up']}"  # three strategies: the runner-up is named
    # the winner's colour, paler with a smaller margin (on the line from white to the colour)
    colors = plots.strategy_colors(res.strategies)
    rgb = ax.images[0].get_array()
    for t in squares:
        j, i = (round(v) for v in t.get_position())
        first = t.get_text().splitlines()[0]
        if first != "tie":
            full = 1 - np.array(matplotlib.colors.to_rgb(colors[first]))
            s = (1 - rgb[i, j]) / np.where(full > 0, full, 1)
            assert np.allclose(s[full > 0], s[full > 0][0])
    # without the runs table: the same winners, margins without intervals, no ties
    ax2 = plots.phase_diagram(res.summary, KEYS[0], KEYS[1], metric, Figure().add_subplot())
    firsts = sorted(t.get_text().splitlines()[0] for t in ax2.texts if t.get_gid() == "square")
    assert firsts == sorted(r["winner"] for r in by_cell.values())


def test_axis_labels_name_the_parameters_in_words(sweep):
    res = Results(sweep[0])
    specs = dict((s[0], s[3]) for s in figures.figure_specs(res))
    ax = specs["phase_engaged"]().axes[0]
    assert ax.get_xlabel() == "share rate (audience.share_rate)" and ax.get_ylabel() == "p (graph.p)"
    for lab in (ax.get_xlabel(), ax.get_ylabel()):
        assert lab not in KEYS and not re.fullmatch(r"[\w.]+( = [\w.]+)*", lab)  # not a raw dotted key
    # from the runs table too
    ax = plots.phase_diagram(read_table(res.dir / "runs"), *KEYS, "engaged", Figure().add_subplot())
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("share rate (audience.share_rate)", "p (graph.p)")
    # zipped keys make one axis, named once with both keys; strategy keys name the strategy
    assert key_label(["strategy.0.budget", "strategy.1.budget"], ["mass media", "micro"]) == \
        "budget of mass media and micro (strategy.0.budget = strategy.1.budget)"
    assert key_label("outputs.engaged") == "reach: people engaged (outputs.engaged)"  # a metric: its catalogue label
    assert cell_label(res.cells, 3) == "share rate = 0.6, p = 0.2"


def test_phase_diagram_from_the_runs_table_matches_the_summary(sweep):
    res = Results(sweep[0])
    a = plots.phase_diagram(res.summary, *KEYS, "engaged", Figure().add_subplot(), runs=res.runs_all)
    b = plots.phase_diagram(read_table(res.dir / "runs"), *KEYS, "engaged", Figure().add_subplot())
    assert np.allclose(a.images[0].get_array(), b.images[0].get_array())
    assert [t.get_text() for t in a.texts if t.get_gid() == "square"] == \
        [t.get_text() for t in b.texts if t.get_gid() == "square"]


def test_per_cell_figures_say_which_cell_on_the_picture(sweep):
    res = Results(sweep[0])
    specs = {s[0]: s for s in figures.figure_specs(res)}
    fig = specs["comparison_panel"][3]()
    notes = [t.get_text() for t in fig.texts if t.get_gid() == "cell_note"]
    assert notes == ["Sweep cell 0 only (of cells 0-3): share rate = 0.2, p = 0.05"]
    assert value_key(res.cells[0]["overrides"]["graph.p"]) == "0.05"
    # a long note is wrapped within the figure's width instead of widening the saved picture
    text = "World 0 only: " + ", ".join(f"key{i} = 0.0123456" for i in range(40))
    long = figures._stamped(specs["comparison_panel"][3], text)()
    note = [t for t in long.texts if t.get_gid() == "cell_note"][-1]  # under the one the spec already has
    long.canvas.draw()
    renderer = long.canvas.get_renderer()
    assert "\n" in note.get_text() and note.get_window_extent(renderer).x1 <= long.bbox.x1


# ------------------------------------------------------------------------------------- the combined tables
@pytest.mark.parametrize("table", ["runs", "curves", "communities", "nodes", "penetration", "flows"])
def test_a_combined_table_is_every_cells_rows_led_by_its_cell_and_overrides(sweep, table):
    import csv

    folder = sweep[0]
    summary = json.loads((folder / "summary.json").read_text())
    with open(folder / f"{table}.csv", newline="") as fh:
        header, *combined = list(csv.reader(fh))
    assert header[: 1 + len(KEYS)] == ["cell", *KEYS]
    want = []
    for i, cell in enumerate(summary["cells"]):
        with open(folder / "cells" / f"cell_{i:04d}" / f"{table}.csv", newline="") as fh:
            cell_header, *rows = list(csv.reader(fh))
        assert header[1 + len(KEYS):] == cell_header
        want += [[str(i), *(str(cell["overrides"][k]) for k in KEYS), *r] for r in rows]
    assert combined == want and len(want) > 0


def test_stacking_keeps_quoted_fields_and_refuses_parts_that_do_not_share_a_header(tmp_path):
    from virality.tables import stack_tables, write_table

    write_table(tmp_path / "a", {"label": ["007", 'say "hi",\nthen go'], "x": [1, 2.5]})
    write_table(tmp_path / "b", {"label": ["b"], "x": [3]})
    assert stack_tables(tmp_path / "all", [(tmp_path / "a", {"cell": 0}), (tmp_path / "b", {"cell": 1})])
    got = read_table(tmp_path / "all")
    assert got["cell"].tolist() == [0, 0, 1] and got["x"].tolist() == [1.0, 2.5, 3.0]
    assert got["label"].tolist() == ["007", 'say "hi",\nthen go', "b"]  # the text as written, never re-parsed
    write_table(tmp_path / "c", {"other": [1]})
    assert not stack_tables(tmp_path / "none", [(tmp_path / "a", {"cell": 0}), (tmp_path / "c", {"cell": 1})])
    assert not (tmp_path / "none.csv").exists()


@pytest.mark.parametrize("cell_parquet", [True, False])
def test_stacked_parquet_holds_the_stacked_rows(tmp_path, cell_parquet):
    pq = pytest.importorskip("pyarrow.parquet")
    from virality.tables import stack_tables, write_table

    write_table(tmp_path / "a", {"strategy": ["tv", "nano"], "engaged": [10.5, 3.0]}, parquet=cell_parquet)
    write_table(tmp_path / "b", {"strategy": ["tv"], "engaged": [7.25]}, parquet=cell_parquet)
    parts = [(tmp_path / "a", {"cell": 0, "graph.p": 0.05}), (tmp_path / "b", {"cell": 1, "graph.p": 0.2})]
    assert stack_tables(tmp_path / "all", parts, parquet=True)
    got = pq.read_table(tmp_path / "all.parquet").to_pydict()
    assert got == {"cell": [0, 0, 1], "graph.p": [0.05, 0.05, 0.2], "strategy": ["tv", "nano", "tv"],
                   "engaged": [10.5, 3.0, 7.25]}
