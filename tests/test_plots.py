"""Figures and the HTML report: every figure builds on a tiny results directory and shows what it should."""

from __future__ import annotations

import json
import re

import matplotlib
import numpy as np
import pytest
from conftest import FIGURES_TINY
from matplotlib.collections import LineCollection, PatchCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from virality import cascades, figures, maps, plots, report
from virality.experiment import run_experiment
from virality.results import Results, sweep_axes
from virality.tables import read_table

NAMES = ["mass media", "micro", "nano"]

TINY = FIGURES_TINY


def _run(tmp_path_factory, name: str, text: str):
    folder = tmp_path_factory.mktemp(name)
    cfg = folder / f"{name}.toml"
    cfg.write_text(text)
    return run_experiment(cfg, out=folder / "results", quiet=True, log=lambda msg: None)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return _run(tmp_path_factory, "tiny", TINY)


@pytest.fixture(scope="module")
def drawn(tiny):
    """figures_for_results on the tiny run (rendered once), with the rcParams before and after."""
    before = dict(matplotlib.rcParams)
    paths = figures.figures_for_results(tiny)
    after = dict(matplotlib.rcParams)
    return paths, before, after


@pytest.fixture(scope="module")
def summary(tiny):
    return json.loads((tiny / "summary.json").read_text())


@pytest.fixture(scope="module")
def records(tiny):
    with np.load(tiny / "cells" / "cell_0000" / "records.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def community(tiny):
    t = read_table(tiny / "nodes")
    sel = t["strategy"] == NAMES[0]
    comm = np.zeros(500, int)
    comm[t["node"][sel].astype(int)] = t["community"][sel].astype(int)
    return comm


def _points(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))


# ------------------------------------------------------------------------------------- figures
def test_adoption_curves_legend_lists_exactly_the_strategies(tiny):
    fig = Figure()
    ax = plots.adoption_curves(read_table(tiny / "curves"), fig.add_subplot())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES
    colors = [line.get_color() for line in ax.get_lines()]
    assert colors == [plots.strategy_colors(NAMES)[n] for n in NAMES]
    assert ax.get_xlabel() and "people" in ax.get_ylabel()
    # the curves are cumulative: the mean line never decreases, and the last point is the mean engaged
    s = json.loads((tiny / "summary.json").read_text())["cells"][0]["summary"]
    for line, name in zip(ax.get_lines(), NAMES):
        y = line.get_ydata()
        assert np.all(np.diff(y) >= -1e-9)
        assert y[-1] == pytest.approx(s[name]["metrics"]["engaged"]["value"])


def test_comparison_panel_has_six_axes_with_one_bar_per_strategy(summary):
    cell = summary["cells"][0]
    fig = plots.comparison_panel(cell, Figure())
    assert len(fig.axes) == 6
    for ax, metric in zip(fig.axes, plots.PANEL_METRICS):
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert len(bars) == 3
        scale = 100 if metric in ("engagement_rate", "grassroots_share") else 1
        widths = sorted(b.get_width() for b in bars)
        want = sorted(cell["summary"][n]["metrics"][metric]["value"] * scale for n in NAMES)
        assert widths == pytest.approx(want)
        assert ax.get_xlabel()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == NAMES


def test_channel_attribution_stacks_to_engaged(summary):
    cell = summary["cells"][0]
    fig = Figure()
    ax = plots.channel_attribution(cell, fig.add_subplot())
    totals = {}
    for bar in ax.patches:
        y = round(bar.get_y() + bar.get_height() / 2)
        totals[y] = totals.get(y, 0.0) + bar.get_width()
    for i, n in enumerate(NAMES):
        assert totals[i] == pytest.approx(cell["summary"][n]["metrics"]["engaged"]["value"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["broadcast (mass media)", "influencer post", "peer (word of mouth)"]


def test_community_map_one_circle_per_community_and_arrows(tiny, records, community):
    comms = read_table(tiny / "communities")
    flows = cascades.cross_community_flows(records["2_parents"], community, 5)
    assert flows.shape == (5, 5) and np.all(np.diag(flows) == 0)
    # flows count parent -> child pairs across communities, per run
    p = records["2_parents"]
    child = np.arange(p.shape[1])
    manual = sum(int(((r >= 0) & (community[np.maximum(r, 0)] != community[child])).sum()) for r in p) / p.shape[0]
    assert flows.sum() == pytest.approx(manual)
    fig = Figure()
    ax = maps.community_map(comms, "nano", None, fig.add_subplot(), flows=flows)
    circles = [c for c in ax.collections if isinstance(c, PatchCollection) and c.get_gid() == "communities"]
    assert len(circles) == 1 and len(circles[0].get_paths()) == 5
    sel = comms["strategy"] == "nano"
    assert np.allclose(np.sort(circles[0].get_array()), np.sort(comms["penetration"][sel]))
    arrows = [a for a in ax.patches if isinstance(a, FancyArrowPatch)]
    assert 0 < len(arrows) <= 20


def test_community_layout_has_no_overlaps():
    sizes = np.array([500, 200, 100, 50, 50, 20, 10, 5])
    w = np.random.default_rng(1).integers(0, 30, (8, 8))
    xy, r = maps.community_layout(sizes, w)
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(8) * 10
    assert np.all(d >= (r[:, None] + r[None]) * 0.999)
    assert np.allclose(r ** 2 / (r ** 2).sum(), sizes / sizes.sum())
    xy2, _ = maps.community_layout(sizes, w)
    assert np.array_equal(xy, xy2)  # fixed seed: deterministic


def test_diffusion_trees_of_a_hand_built_run():
    #          0 (seed) -> 1 -> 3, 4 ;  0 -> 2 ;  5 (external) -> 6 ;  7 never engaged
    times = np.array([0, 1, 1, 2, 2, 3, 4, -1])
    parents = np.array([-2, 0, 0, 1, 1, -3, 5, -1])
    roots = cascades.cascade_forest(parents, times)["root"]
    assert roots.tolist() == [0, 0, 0, 0, 0, 5, 5, -1]
    tree = cascades.largest_tree(times, parents)
    assert tree[0] == 0 and sorted(tree.tolist()) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("cap", [400, 6])
def test_cascade_tree_draws_the_tree_or_the_cap(records, cap):
    t, p, c = records["1_times"][0], records["1_parents"][0], records["1_channels"][0]
    size = cascades.largest_tree(t, p).size
    assert size > 6
    fig = Figure()
    ax = plots.cascade_tree(t, p, c, fig.add_subplot(), max_nodes=cap)
    drawn = _points(ax)
    assert drawn == min(size, cap)
    edges = [col for col in ax.collections if isinstance(col, LineCollection)]
    assert len(edges[0].get_segments()) == drawn - 1
    labels = [x.get_text() for x in ax.get_legend().get_texts()]
    assert any(label.startswith("hired influencer") for label in labels)


def test_penetration_matrix_matches_records(records, community):
    t, c = records["0_times"], records["0_channels"]
    m = cascades.penetration_matrix(t, community, c)
    sizes = np.bincount(community)
    final = np.mean([np.bincount(community[(r >= 0) & (ch != 1)], minlength=5) for r, ch in zip(t, c)], axis=0)
    assert np.allclose(m[:, -1], final / sizes)
    assert np.all(np.diff(m, axis=1) >= 0)
    fig = Figure()
    ax = plots.penetration_heatmap(m, fig.add_subplot())
    assert ax.images[0].get_array().shape[0] == 5
    # a panel drawn past the matrix's last step repeats its last column (shared x range)
    ax = plots.penetration_heatmap(m, Figure().add_subplot(), max_step=m.shape[1] + 4)
    shown = ax.images[0].get_array()
    assert shown.shape[1] == m.shape[1] + 5 and np.all(shown[:, -5:] == shown[:, [m.shape[1] - 1]])
    assert ax.get_xlim() == (-0.5, m.shape[1] + 4.5)


def _colorbar_labels(fig):
    fig.canvas.draw()
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1
    return [t.get_text() for t in bars[0].get_yticklabels()]


@pytest.mark.parametrize("vmax", [0.004, 0.0004, 0.015, 0.24, 2e-7])
def test_share_colour_bars_have_distinct_labels(vmax):
    f = plots.percent_formatter(vmax)
    ticks = np.linspace(0, vmax, 5)
    labels = f.format_ticks(ticks)
    assert len(set(labels)) == len(labels), labels
    if vmax == 0.004:
        assert labels == ["0.0%", "0.1%", "0.2%", "0.3%", "0.4%"]
    if vmax == 0.24:
        assert labels == ["0%", "6%", "12%", "18%", "24%"]
    assert plots.percent_formatter(0.005).format_ticks([0.005]) == ["0.5%"]  # 0.5% -> one decimal
    # on a real colour bar, whatever ticks Matplotlib picks
    fig = Figure()
    plots.penetration_heatmap(np.linspace(0, vmax, 12).reshape(3, 4), fig.add_subplot())
    labels = _colorbar_labels(fig)
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels


def _specs(res):
    return {s[0]: s for s in figures.figure_specs(res)}


def test_heatmap_reads_all_runs_and_shares_its_scales(tiny):
    res = Results(tiny)
    name, title, caption, draw = _specs(res)["penetration_heatmap"]
    assert "over all 20 runs" in caption
    fig = draw()
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == res.pair()
    comms = read_table(tiny / "communities")
    pen = read_table(tiny / "penetration")
    fig.canvas.draw()
    rows = [int(re.match(r"c(\d+) ", t.get_text()).group(1)) for t in panels[0].get_yticklabels()]
    assert len(rows) == 5
    for ax, strategy in zip(panels, res.pair()):
        sel = comms["strategy"] == strategy
        want = dict(zip(comms["community"][sel].astype(int), comms["penetration"][sel]))
        # each row ends with the community table's penetration (all runs)
        finals = [t.get_text() for t in ax.texts if t.get_gid() == "final"]
        digits = plots.ShareTicks(ax.images[0].get_clim()[1]).decimals + 1
        assert finals == [f"{100 * want[r]:.{digits}f}%" for r in rows]
        m = plots.penetration_from_table(pen, strategy)
        assert np.allclose(ax.images[0].get_array(), np.pad(m, ((0, 0), (0, 200)), mode="edge")[
            rows, : ax.images[0].get_array().shape[1]])
    assert len({ax.get_xlim() for ax in panels}) == 1
    assert len({ax.images[0].get_clim() for ax in panels}) == 1
    assert panels[0].images[0].get_clim()[1] == pytest.approx(max(ax.images[0].get_array().max() for ax in panels))
    labels = _colorbar_labels(fig)
    assert len(set(labels)) == len(labels)


def test_community_map_arrows_read_all_runs_on_one_scale(tiny):
    res = Results(tiny)
    name, title, caption, draw = _specs(res)["community_map"]
    assert "over all 20 runs" in caption and "Arrows" in caption
    fig = draw()
    panels = [ax for ax in fig.axes if any(c.get_gid() == "communities" for c in ax.collections)]
    assert len(panels) == 2
    widths = [[a.get_linewidth() for a in ax.patches if isinstance(a, FancyArrowPatch)] for ax in panels]
    assert all(widths)
    # the largest flow of either panel gets the widest arrow; the other panel is drawn on that scale
    flows = read_table(tiny / "flows")
    f = {n: plots.flows_from_table(flows, n, 5) for n in res.pair()}
    fmax = max(m.max() for m in f.values())
    assert f[res.pair()[0]].max() != f[res.pair()[1]].max()
    for n, drawn in zip(res.pair(), widths):
        scale = 0.6 + 4.4 * f[n][f[n] > 0] / fmax
        for lw in drawn:
            assert np.isclose(scale, lw, rtol=1e-9).any(), (n, lw)
    colls = [next(c for c in ax.collections if c.get_gid() == "communities") for ax in panels]
    assert colls[0].get_clim() == colls[1].get_clim()
    assert len(set(_colorbar_labels(fig))) == len(_colorbar_labels(fig))


def test_network_map_side_by_side(tiny):
    from virality.config import load_config
    from virality.experiment import build_graph

    exp, _ = load_config(tiny / "config.toml")
    g = build_graph(exp.graph, exp.seed)
    nodes = read_table(tiny / "nodes")
    fig = maps.network_map(g, nodes, ["mass media", "nano"], fig=Figure())
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 2
    hired = int(((nodes["strategy"] == "nano") & (nodes["seeded"] > 0)).sum())
    for ax in panels:
        sizes = [len(col.get_offsets()) for col in ax.collections if isinstance(col, PathCollection)]
        assert sizes[0] == 500 and sizes[-1] == 10  # every person, then the ringed key nodes
    assert sum(len(col.get_offsets()) for col in panels[1].collections if isinstance(col, PathCollection)) == 510 + hired


def _sweep_summary():
    cells = []
    for a in (0.1, 0.3, 0.5):
        for b in (1, 2):
            metrics = {"A": a * 100 + b, "B": 40 - a * 50 * b}
            cells.append({"strategies": ["A", "B"], "overrides": {"audience.share_rate": a, "broadcast.reach": b},
                          "summary": {n: {"metrics": {"engaged": {"value": v, "low": v - 1, "high": v + 1}}}
                                      for n, v in metrics.items()}})
    return {"cells": cells}


def test_sweep_axes_group_zipped_keys():
    cells = [{"overrides": {"a": a, "b1": b, "b2": 2 * b, "c": 1}} for a in (0.1, 0.3, 0.6) for b in (50, 150)]
    assert sweep_axes(cells) == [["a"], ["b1", "b2"]]  # c has one value: not an axis
    assert sweep_axes([{"overrides": {}}]) == []


def test_phase_diagram_colours_each_cell_by_the_winner():
    summary = _sweep_summary()
    fig = Figure()
    ax = plots.phase_diagram(summary, "audience.share_rate", "broadcast.reach", "engaged", fig.add_subplot())
    rgb = ax.images[0].get_array()
    colors = plots.strategy_colors(["A", "B"])
    assert rgb.shape[:2] == (2, 3)
    texts = {tuple(round(v) for v in x.get_position()): x.get_text() for x in ax.texts if x.get_gid() == "square"}
    for i, b in enumerate((1, 2)):
        for j, a in enumerate((0.1, 0.3, 0.5)):
            va, vb = a * 100 + b, 40 - a * 50 * b
            win = "A" if va > vb else "B"
            # the winner's colour, no longer at full strength everywhere (#13 item 5: a flat colour hid the
            # margin): white blended with it by the margin's share of the larger value
            strength = plots._WEAKEST + (1 - plots._WEAKEST) * min(1, abs(va - vb) / max(abs(va), abs(vb)))
            assert np.allclose(rgb[i, j], 1 - strength * (1 - np.array(matplotlib.colors.to_rgb(colors[win]))))
            assert texts[(j, i)].splitlines()[0] == win
    # the parameters in words with the keys in parentheses, no longer the raw dotted keys (#13 item 5)
    assert ax.get_xlabel() == "share rate (audience.share_rate)" and ax.get_ylabel() == "reach (broadcast.reach)"
    ax2 = plots.phase_diagram(summary, "audience.share_rate", "broadcast.reach", "engaged", Figure().add_subplot(),
                              strategy="B")
    assert ax2.images[0].get_array().shape == (2, 3)
    ax3 = plots.sweep_metric(summary | {"cells": summary["cells"][::2]}, "audience.share_rate", "engaged",
                             Figure().add_subplot())
    assert [t.get_text() for t in ax3.get_legend().get_texts()] == ["A", "B"]
    assert ax3.get_xlabel() == "share rate (audience.share_rate)"


def test_plotting_functions_work_with_pyplot_and_leave_rcparams_alone(tiny):
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    ax = plots.adoption_curves(read_table(tiny / "curves"))
    assert ax.figure.get_size_inches()[0] > 0
    plt.close(ax.figure)
    assert dict(matplotlib.rcParams) == before


# ------------------------------------------------------------------------------------- results
EXPECTED = ["adoption_curves", "comparison_panel", "channel_attribution", "community_map", "penetration_heatmap",
            "cascade_tree", "network_map"]


def test_figures_for_results_writes_png_and_svg(tiny, drawn):
    paths, before, after = drawn
    assert before == after  # no global Matplotlib state changed
    names = [p.stem for p in paths if p.suffix == ".png"]
    assert names == EXPECTED
    assert sorted(p.stem for p in paths if p.suffix == ".svg") == sorted(EXPECTED)
    for p in paths:
        assert p.parent == tiny / "figures" and p.stat().st_size > 1000
        head = p.read_bytes()[:8]
        assert head.startswith(b"\x89PNG") if p.suffix == ".png" else b"<svg" in p.read_bytes()[:400]
    index = json.loads((tiny / "figures" / "index.json").read_text())
    assert [e["name"] for e in index] == EXPECTED and all(e["caption"] for e in index)


def test_html_report_is_self_contained_and_complete(tiny, drawn, summary):
    paths, _, _ = drawn
    out = report.write_report(tiny)
    assert out == tiny / "report.html"
    text = out.read_text()
    pngs = [p for p in paths if p.suffix == ".png"]
    assert text.count("<img") == len(pngs)
    assert text.count("data:image/png;base64,") == len(pngs)
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", text)  # no external resources
    assert "<script" not in text
    # escaped description
    assert "Tiny &lt;b&gt;test&lt;/b&gt; &amp; check" in text and "<b>test</b>" not in text
    comparison = text[text.index('id="comparison"'):text.index('id="paired"')]
    for name in NAMES:
        assert name in comparison
    assert "cost per engagement" in comparison
    keynodes = text[text.index('id="keynodes"'):text.index('id="communities"')]
    assert keynodes.count("Spearman correlation of ripple with followers") == 3
    assert keynodes.count("<tbody>") == 3
    assert "What won on what" in text and "Most people engaged" in text
    assert "[[&quot;strategy&quot;]]" in text  # the config, escaped
    assert '&quot;status&quot;: &quot;complete&quot;' in text  # the manifest
    other = report.write_report(tiny, tiny / "elsewhere" / "r.html")
    assert other.exists() and other.read_text().count("<img") == len(pngs)


def test_cli_report(tiny, drawn, capsys):
    from virality.cli import main

    assert main(["report", str(tiny), "--out", str(tiny / "cli.html")]) == 0
    assert (tiny / "cli.html").exists()
    assert main(["report", str(tiny / "missing")]) == 2


def test_figure_selection_follows_the_inputs(tmp_path_factory):
    """No records, no communities: the summary figures and the network map; a two-key sweep: phase diagrams."""
    plain = TINY.replace('generator = "social_graph"', 'generator = "erdos_renyi"').replace(
        "communities = 5\n", "").replace("reciprocity = 0.2\n", "").replace("records = 3", "records = 0").replace(
        'alignment_random = [0.4, 1.0]', 'alignment = 0.8').replace("runs = 20", "runs = 5").replace(
        '"one_per_community"', '"top_degree"')
    res = Results(_run(tmp_path_factory, "plain", plain))
    assert [s[0] for s in figures.figure_specs(res)] == ["adoption_curves", "comparison_panel", "channel_attribution",
                                                         "network_map"]
    sweep = TINY.replace("runs = 20", "runs = 4") + '\n[sweep]\n"audience.share_rate" = [0.3, 0.6]\n"graph.p" = [0.1, 0.2]\n'
    res = Results(_run(tmp_path_factory, "sweep", sweep))
    names = [s[0] for s in figures.figure_specs(res)]
    assert names[-2:] == ["phase_engaged", "phase_cost_per_engagement"]
    fig = dict((s[0], s[3]) for s in figures.figure_specs(res))["phase_engaged"]()
    from_summary = fig.axes[0].images[0].get_array()
    assert from_summary.shape[:2] == (2, 2)
    # the same diagram from the runs table (one column per swept key)
    ax = plots.phase_diagram(read_table(res.dir / "runs"), "audience.share_rate", "graph.p", "engaged",
                             Figure().add_subplot())
    assert np.allclose(ax.images[0].get_array(), from_summary)


def test_community_layout_scales_to_many_communities():
    sizes = np.random.default_rng(3).integers(1, 1000, 3000)
    xy, r = maps.community_layout(sizes, None)
    assert xy.shape == (3000, 2) and np.all(r > 0)
    i = np.argsort(xy[:, 0] + 10 * xy[:, 1])  # neighbours on the grid do not overlap
    assert np.all(np.hypot(*(xy[i[1:]] - xy[i[:-1]]).T) >= (r[i[1:]] + r[i[:-1]]) * 0.999)


def test_adoption_bands_only_for_the_strategies_asked(tiny):
    fig = Figure()
    ax = plots.adoption_curves(read_table(tiny / "curves"), fig.add_subplot(), bands=["mass media", "nano"])
    from matplotlib import colors as mcolors
    from matplotlib.collections import PolyCollection

    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    colors = plots.strategy_colors(NAMES)
    assert len(bands) == 2 and len(ax.get_lines()) == 3
    got = sorted(mcolors.to_hex(b.get_facecolor()[0][:3]) for b in bands)
    assert got == sorted(mcolors.to_hex(colors[n]) for n in ("mass media", "nano"))
    assert "(mass media and nano)" in ax.get_legend().get_title().get_text()
