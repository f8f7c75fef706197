"""The figure set of a results directory: which figures apply, drawn into ``figures/`` with captions.

:func:`figure_specs` lists (name, title, caption, draw) for every figure that applies to one cell of a
results directory; :func:`figures_for_results` draws them all as PNG and SVG with an ``index.json`` of
titles and captions (read by the HTML report). The drawing itself is :mod:`virality.plots` (and
:mod:`virality.decision_plots` for the figures of a decision under uncertainty).
"""

from __future__ import annotations

import json
import math
import textwrap
import warnings
from pathlib import Path
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .campaign import FLOW_COMMUNITIES
from .cascades import community_edge_matrix, largest_tree
from .catalog import LOWER_IS_BETTER, label
from .config import config_ranges
from .decision_plots import decision_map, probability_of_best, sensitivity_tornado
from .maps import community_layout, community_map, network_map
from .plots import (DPI, STYLE, adoption_curves, cascade_tree, channel_attribution, comparison_panel, flows_from_table,
                    penetration_from_table, penetration_heatmap, percent_formatter, phase_diagram, settled_step,
                    strategy_colors, sweep_metric)
from .results import Results, cell_label, key_label, sweep_values, value_label
from .tables import column_equals, read_table, select_rows
from .uncertainty import decision_keys, paired_output

__all__ = ["figure_specs", "figures_for_results", "is_uncertainty", "read_index", "write_index", "NETWORK_LIMIT",
           "DECISION_FIGURES"]

#: largest graph drawn person by person
NETWORK_LIMIT = 10_000
#: figures of a decision under uncertainty (the report shows them in its decision section), by name prefix
DECISION_FIGURES = "decision_"


def _new_figure(figsize: tuple[float, float]) -> Figure:
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, folder: Path, name: str) -> list[Path]:
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    fig.savefig(png, dpi=DPI, bbox_inches="tight", pad_inches=0.15)
    fig.savefig(svg, bbox_inches="tight", pad_inches=0.15)
    return [png, svg]


def _stamped(draw: Callable[[], Figure], text: str) -> Callable[[], Figure]:
    """``draw`` with a line of text under the figure (which sweep cell it shows)."""

    def stamped() -> Figure:
        fig = draw()
        fig.canvas.draw()  # lay the figure out, then write below everything drawn (legends under the axes too)
        bottom = fig.get_tightbbox(fig.canvas.get_renderer()).y0 / fig.get_figheight()
        # wrapped to the figure's width (about 11 bold 9.5 pt characters per inch): a long list of a world's
        # values must not widen the saved figure, which is cut to what is drawn
        lines = textwrap.fill(text, width=max(40, int(fig.get_figwidth() * 11)))
        fig.text(0.005, min(bottom, 0.0) - 0.01, lines, ha="left", va="top", fontsize=9.5, color="#7a2e00",
                 fontweight="bold", gid="cell_note")
        return fig

    return stamped


def is_uncertainty(folder: Path) -> bool:
    """Whether a results folder is a ``virality uncertainty`` run (one cell per world: ``decision.csv``)."""
    return (Path(folder) / "decision.csv").exists() and (Path(folder) / "worlds.csv").exists()


def _table_or_none(path: Path) -> dict[str, np.ndarray] | None:
    try:
        return read_table(path) if path.with_suffix(".csv").exists() else None
    except (OSError, ValueError):
        return None


def _ranges(folder: Path) -> dict:
    """The uncertain keys' ranges (:class:`virality.config.Range`) from the results' ``config.toml``."""
    import tomllib

    try:
        with open(folder / "config.toml", "rb") as fh:
            return config_ranges(tomllib.load(fh))
    except (OSError, ValueError):
        return {}


def _bounds(r) -> tuple[float, float] | None:
    """The ends of a numeric range (beta: [0, 1]); None for a choice."""
    if r is None or r.kind == "choice":
        return None
    return (0.0, 1.0) if r.kind == "beta" else (float(r.params[0]), float(r.params[-1]))


def _decision_specs(res: Results) -> list[tuple[str, str, str, Callable[[], Figure]]]:
    """The figures of a decision under uncertainty: probability of being best, decision maps, the tornado."""
    decision = _table_or_none(res.dir / "decision")
    if decision is None or not len(decision.get("metric", [])):
        return []
    sens = _table_or_none(res.dir / "sensitivity")
    morris = _table_or_none(res.dir / "morris")
    colors = strategy_colors(res.strategies)
    n = len(res.cells)
    design = (" The worlds are the points of a sensitivity design (Saltelli's or Morris'), which are not "
              "independent draws: the intervals are then narrower than they should be." if sens or morris else "")
    specs: list[tuple[str, str, str, Callable[[], Figure]]] = []
    metrics = list(dict.fromkeys(str(m) for m in decision["metric"]))

    def draw_best() -> Figure:
        names = res.strategies
        fig = _new_figure((12, math.ceil(len(metrics) / 2) * (1.3 + 0.42 * len(names)) + 0.9))
        probability_of_best(decision, fig, strategies=names, colors=colors)
        return fig

    specs.append(("decision_p_best", "Which strategy is best how often",
                  f"For each decision metric, the share of the {n} worlds (draws of the uncertain parameters) in which "
                  f"each strategy is the best, ties split (decision.csv: p_best), with its 95% Wilson interval "
                  f"(whisker and brackets). A strategy that wins in most worlds is a robust choice; overlapping "
                  f"intervals mean the worlds drawn cannot tell the strategies apart. The dotted line is the share "
                  f"each would get if the choice were a coin toss. How much is lost in the worlds where a strategy is "
                  f"not best (expected regret) is in the decision table. A world counts for the strategy with the best mean even where its "
                  f"margin's interval holds zero (the hollow points of the decision maps)." + design, draw_best))

    keys = list(res.cells[0].get("overrides") or {})
    ranges = _ranges(res.dir)
    for metric in ("engaged", "cost_per_engagement"):
        if metric not in metrics or not keys:
            continue
        try:
            choice = decision_keys(res.summary, metric, sensitivity=sens, morris=morris)
        except (KeyError, ValueError, TypeError, IndexError) as exc:  # a damaged table must not sink the others
            warnings.warn(f"virality.plots: figure 'decision_map_{metric}' skipped: {type(exc).__name__}: {exc}",
                          stacklevel=2)
            continue

        def draw_map(metric: str = metric, choice: dict = choice) -> Figure:
            fig = _new_figure((10.5, 7.2))
            decision_map(res.summary, choice["keys"], metric, fig.add_subplot(), runs=res.runs_all, colors=colors,
                         log=[getattr(ranges.get(k), "kind", "") == "loguniform" for k in choice["keys"]] + [False],
                         bounds=[_bounds(ranges.get(k)) for k in choice["keys"]], note=choice["note"])
            return fig

        title = label(metric)
        why = {"sobol": f"the largest total-order Sobol' index of {choice['output']} (sensitivity.csv)",
               "morris": f"the largest Morris mu* of {choice['output']} (morris.csv)",
               "spearman": f"the strongest rank correlation, over the worlds, with {choice['output']} (the two "
                           f"strategies most often best)"}.get(choice["by"], "the first uncertain parameters")
        axes_text = (f"x and y are the two uncertain parameters with {why}" if len(choice["keys"]) > 1 else
                     f"x is the uncertain parameter ({choice['keys'][0]}) and y the winner's margin over the "
                     f"runner-up as a share of the larger value")
        others = (f" The other uncertain parameters ({', '.join(choice['others'])}) vary between the worlds too, so "
                  f"neighbouring points can have different winners." if choice["others"] else "")
        specs.append((f"decision_map_{metric}", f"Which strategy wins in which world: {title.lower()}",
                      f"One point per world: {axes_text}. The point takes the colour of the strategy with the "
                      f"{'lowest' if metric in LOWER_IS_BETTER else 'highest'} {title.lower()} in that world, its fill "
                      f"paler the smaller the margin over the runner-up (paired over the world's runs, as in the phase "
                      f"diagrams of a sweep); a hollow point is a tie (the margin's 95% interval holds zero). Where the "
                      f"colours part, the decision turns on those parameters." + others, draw_map))

    output = paired_output(sens, res.strategies) if sens is not None else None
    if output is not None:
        def draw_tornado() -> Figure:
            rows = [i for i, o in enumerate(sens["output"].tolist()) if str(o) == output]
            n_metrics = len({str(sens["metric"][i]) for i in rows})
            n_keys = len({str(sens["key"][i]) for i in rows})
            fig = _new_figure((12, math.ceil(n_metrics / 2) * (1.3 + 0.55 * n_keys) + 0.9))
            sensitivity_tornado(sens, output, fig, strategies=res.strategies)
            return fig

        specs.append(("decision_sensitivity", f"Which unknown decides {output}",
                      f"Sobol' indices of the paired difference {output} (per world, mean over its runs) for each "
                      f"decision metric (sensitivity.csv): the dark bar is the total-order index, the share of the "
                      f"difference's variance a parameter is responsible for with its interactions; the light bar the "
                      f"first-order index, its share alone. Whiskers are 95% bootstrap intervals; parameters are sorted "
                      f"by total order. An index within its interval of zero means no measurable effect; a total order "
                      f"well above the first order means the parameter acts through interactions.", draw_tornado))
    return specs


def read_index(folder: Path) -> list[dict]:
    """The entries of ``folder/index.json`` (name, title, caption, png, svg and, for the figures of a budget plan,
    ``group = "plan"``); [] when it is missing or unreadable."""
    try:
        index = json.loads((Path(folder) / "index.json").read_text())
        return [e for e in index if isinstance(e, dict) and {"name", "png", "svg"} <= set(e)]
    except (OSError, ValueError, TypeError):
        return []


def write_index(folder: Path, group: str, entries: list[dict]) -> None:
    """Replace one group's entries of ``folder/index.json`` (``"results"``: the figures of a run; ``"plan"``: those of
    a budget plan), keeping the other groups' entries whose files are still there, and remove the files of the
    group's old entries that are no longer listed. One index, so the report embeds every figure one way."""
    folder = Path(folder)
    old = read_index(folder)
    mine = [e for e in old if e.get("group", "results") == group]
    keep = [e for e in old if e.get("group", "results") != group and (folder / Path(e["png"]).name).exists()]
    names = {x for e in entries for x in (e["png"], e["svg"])}
    for e in mine:
        for k in ("png", "svg"):
            if e[k] not in names:
                (folder / Path(e[k]).name).unlink(missing_ok=True)
    new = [{**e, "group": group} for e in entries]
    ordered = new + keep if group == "results" else keep + new  # the run's figures first
    (folder / "index.json").write_text(json.dumps(ordered, indent=1))


def figure_specs(res: Results) -> list[tuple[str, str, str, Callable[[], Figure]]]:
    """(name, title, caption, draw) of every figure that applies to a results directory."""
    specs: list[tuple[str, str, str, Callable[[], Figure]]] = []
    colors = strategy_colors(res.strategies)
    cell_note = ""
    where = cell_label(res.cells, res.cell_index, res.strategies)
    uncertain = is_uncertainty(res.dir)
    if uncertain:
        where = ", ".join(f"{k} = {value_label(v)}" for k, v in (res.cell.get("overrides") or {}).items())
        cell_note = (f" Shown for world {res.cell_index} only (of worlds 0-{len(res.cells) - 1}; {where}): figures of "
                     f"a single world are drawn for the first world, while the decision figures cover all "
                     f"{len(res.cells)} worlds.")
    elif len(res.cells) > 1:
        cell_note = (f" Shown for sweep cell {res.cell_index} only (of cells 0-{len(res.cells) - 1}; {where}): "
                     f"figures of a single cell are drawn for the first cell of a sweep, while the sweep figures "
                     f"and the report's sweep summary cover all {len(res.cells)} cells.")
    runs_note = f"{res.cell.get('n_runs', '?')} runs per strategy."
    curves = res.table("curves")
    if curves is not None and len(curves["strategy"]):
        def draw_curves() -> Figure:
            fig = _new_figure((10, 5.2))
            adoption_curves(curves, fig.add_subplot(), strategies=res.strategies, colors=colors, bands=res.pair())
            return fig

        specs.append(("adoption_curves", "Engagement over time",
                      "Cumulative people engaged by each step since launch: the line is the mean over runs; for "
                      f"{' and '.join(res.pair())} the band holds 90% of runs (5th to 95th percentile; other "
                      "strategies' bands are left out so that these two can be told apart). Steeper is faster; "
                      "higher is more reach. "
                      + runs_note + cell_note, draw_curves))

    def draw_panel() -> Figure:
        fig = _new_figure((13, 2 * (0.9 + 0.34 * len(res.strategies)) + 0.9))
        comparison_panel(res.cell, fig, colors=colors)
        return fig

    specs.append(("comparison_panel", "How the strategies compare",
                  "Six headline metrics per strategy: bars are means per run, whiskers 95% confidence intervals "
                  "(costs and rates are ratios of means). The best value of each panel is printed in bold." + cell_note,
                  draw_panel))

    def draw_channels() -> Figure:
        fig = _new_figure((11, 1.6 + 0.5 * len(res.strategies)))
        channel_attribution(res.cell, fig.add_subplot())
        return fig

    specs.append(("channel_attribution", "Who engaged them",
                  "People engaged per run, split by the channel that engaged them: mass media, an influencer's "
                  "post, or a peer's share (word of mouth). The percentage is the grassroots share: engagement "
                  "the campaign did not pay for directly." + cell_note, draw_channels))

    comms = res.table("communities")
    n_comm = len(np.unique(comms["community"])) if comms is not None and "community" in comms else 0
    pair = res.pair()
    all_runs = f"over all {res.cell.get('n_runs', '?')} runs"
    both = "both panels" if len(pair) > 1 else "the panel"
    if n_comm >= 2:
        n_ids = int(comms["community"].astype(int).max()) + 1  # community ids index the matrices
        flows_table = res.table("flows")
        flows = {}
        if flows_table is not None:
            for n in pair:
                if column_equals(flows_table["strategy"], n).any():
                    flows[n] = flows_from_table(flows_table, n, n_ids)

        def draw_map() -> Figure:
            g = res.graph
            edges = community_edge_matrix(g) if g is not None else None
            first = select_rows(comms, column_equals(comms["strategy"], pair[0]))
            order = np.argsort(first["community"])
            cids = first["community"][order].astype(int)
            sizes = first["size"][order].astype(float)
            shown = np.sort(np.argsort(-sizes, kind="stable")[:300]) if cids.size > 300 else np.arange(cids.size)
            w = edges if edges is not None else (sum(flows.values()) if flows else None)
            if w is not None:
                w = np.asarray(w, float)[np.ix_(cids[shown], cids[shown])]
            layout = community_layout(sizes[shown], w)
            pens = [comms["penetration"][column_equals(comms["strategy"], n)].astype(float) for n in pair]
            vmax = max(float(np.nanmax(p)) if p.size else 0 for p in pens) or 1e-6
            # one arrow scale for both panels: the widest arrow is the largest flow drawn in either
            flow_max = max((float(f[np.ix_(cids[shown], cids[shown])].max()) for f in flows.values()), default=0.0)
            fig = _new_figure((6.3 * len(pair) + 1.3, 7.4))
            axes = fig.subplots(1, len(pair), squeeze=False).ravel()
            coll = None
            for ax, n in zip(axes, pair):
                community_map(comms, n, edges, ax, flows=flows.get(n), layout=layout, vmax=vmax, colorbar=False,
                              flow_max=flow_max or None)
                coll = next(c for c in ax.collections if c.get_gid() == "communities")
            cb = fig.colorbar(coll, ax=list(axes), shrink=0.5, pad=0.01, format=percent_formatter(vmax))
            cb.set_label("penetration: % of the community engaged")
            fig.suptitle("Community virality map: where the message caught on", y=1.04)
            return fig

        arrows = (f" Arrows show the largest flows of engagement across communities: mean people per run engaged "
                  f"in one community by someone from another (a peer's share or a hired account's post), {all_runs}; "
                  f"arrow width is on one scale in {both}." if flows else "")
        if not flows and n_ids > FLOW_COMMUNITIES:
            arrows = f" No arrows: flows are summed for at most {FLOW_COMMUNITIES:,} communities."
        specs.append(("community_map", "Community virality map",
                      f"Each circle is a community (niche); its area is the community's size and its colour the "
                      f"share of its people engaged (mean per run {all_runs}; one colour scale for {both}), "
                      f"for {' and '.join(pair)}. Communities that follow each other a lot sit close together."
                      + arrows + cell_note, draw_map))

        pen_table = res.table("penetration")
        mats = {}
        if pen_table is not None:
            for n in pair:
                m = penetration_from_table(pen_table, n, n_ids)
                if m is not None:
                    mats[n] = m
        if mats:
            ranked = pair[-1] if pair[-1] in mats else next(iter(mats))
            rows = np.argsort(-mats[ranked][:, -1], kind="stable")[:30]

            def draw_heat() -> Figure:
                align = {}
                first = select_rows(comms, column_equals(comms["strategy"], pair[0]))
                if "alignment" in first:
                    align = {int(c): float(a) for c, a in zip(first["community"], first["alignment"])}
                labels = {int(c): (f"c{c} (align {align[c]:.2f})" if c in align else f"community {c}") for c in rows}
                # both panels: one colour scale and one x range (the later of the two to settle)
                vmax = max(float(m[rows].max()) for m in mats.values()) or 1e-6
                max_step = max(5, max(settled_step(m[rows]) for m in mats.values()) + 1)
                fig = _new_figure((6.2 * len(mats) + 1.6, 2.0 + 0.2 * len(rows)))
                axes = fig.subplots(1, len(mats), squeeze=False, sharey=True, sharex=True).ravel()
                im = None
                for ax, (n, m) in zip(axes, mats.items()):
                    penetration_heatmap(m, ax, rows=rows, labels=labels, vmax=vmax, max_step=max_step,
                                        colorbar=False, title=n)
                    im = ax.images[0]
                cb = fig.colorbar(im, ax=list(axes), shrink=0.6, pad=0.01, format=percent_formatter(vmax))
                cb.set_label("share of the community engaged")
                fig.suptitle(f"When each community caught on (mean {all_runs}; rows: most penetrated by {ranked} first)")
                return fig

            specs.append(("penetration_heatmap", "When each community caught on",
                          f"Share of each community engaged by each step, mean per run {all_runs}, for "
                          f"{' and '.join(pair)}; the number at the end of a row is the community's final share, its "
                          f"penetration in the community table. Rows are "
                          f"the {len(rows)} communities most penetrated by {ranked}, most first (align: how well the "
                          f"message fits the community, 0-1); one colour scale and one step axis for {both}."
                          + cell_note, draw_heat))

    if res.records is not None:
        def draw_tree() -> Figure:
            picks = [(n, res.median_record(n)) for n in pair]
            picks = [(n, p) for n, p in picks if p is not None]
            if not picks:
                raise ValueError("no records")
            fig = _new_figure((13, 5 * len(picks)))
            axes = fig.subplots(len(picks), 1, squeeze=False).ravel()
            for ax, (n, (r, t, p, ch)) in zip(axes, picks):
                tree = largest_tree(t, p)
                engaged = int(((t >= 0) & (ch != 1)).sum())
                shown = min(tree.size, 400)
                cascade_tree(t, p, ch, ax, max_nodes=400,
                             title=f"{n}: largest cascade of a typical run (run {r}, {engaged:,} engaged): "
                                   + (f"first {shown} of {tree.size:,} people" if shown < tree.size
                                      else f"{tree.size:,} people"))
            return fig

        specs.append(("cascade_tree", "A typical cascade",
                      "The largest diffusion tree of a typical run (the stored run whose engagement is closest to "
                      "the median), for " + " and ".join(pair) + ". The root is a hired influencer, an organic seed or "
                      "a person reached by mass media; each row down is one more hop of sharing. Colour is the "
                      "channel that engaged each person; at most 400 people are drawn (breadth first)." + cell_note,
                      draw_tree))

    if 0 < res.n <= NETWORK_LIMIT and res.nodes_all and res.graph is not None:
        def draw_network() -> Figure:
            fig = _new_figure((6.4 * len(pair) + 1.2, 7.4))
            network_map(res.graph, res.table("nodes"), pair, fig=fig)
            return fig

        specs.append(("network_map", "Who engages, person by person",
                      "Every person of the graph, grouped by community (the biggest accounts at each community's "
                      "centre), coloured by the share of runs in which they engaged and sized by followers, for "
                      + " and ".join(pair) + ". Triangles are hired influencers; black rings mark the 10 key nodes "
                      "with the largest downstream cascades (ripple). Grey lines are a sample of follow links."
                      + cell_note, draw_network))

    if len(res.cells) > 1:  # a figure of one cell says so on the picture too, not only in its caption
        stamp = (f"World {res.cell_index} only (of worlds 0-{len(res.cells) - 1}): {where}" if uncertain else
                 f"Sweep cell {res.cell_index} only (of cells 0-{len(res.cells) - 1}): {where}")
        specs = [(name, title, caption, _stamped(draw, stamp)) for name, title, caption, draw in specs]
    if uncertain:  # the worlds are no grid: the sweep figures would draw lines through unrelated worlds
        return _decision_specs(res) + specs
    axes = res.sweep_axes()
    names = [key_label(a, res.strategies) for a in axes]  # keys varied together (sweep.zip) make one axis
    if len(axes) >= 2:
        x_key, y_key = axes[0][0], axes[1][0]
        for metric in ("engaged", "cost_per_engagement"):
            def draw_phase(metric: str = metric) -> Figure:
                xs = sweep_values([(c.get("overrides") or {}).get(x_key) for c in res.cells])
                ys = sweep_values([(c.get("overrides") or {}).get(y_key) for c in res.cells])
                fig = _new_figure((4.6 + 1.9 * len(xs), 2.6 + 1.0 * len(ys)))
                phase_diagram(res.summary, x_key, y_key, metric, fig.add_subplot(), colors=colors, runs=res.runs_all)
                return fig

            title = label(metric)
            specs.append((f"phase_{metric}", f"Which strategy wins where, and by how much: {title.lower()}",
                          f"Across the sweep of {names[0]} (x) and {names[1]} (y): each square names the strategy "
                          f"with the {'lowest' if metric in LOWER_IS_BETTER else 'highest'} {title.lower()} there, "
                          f"its value and its margin over the runner-up (winner minus runner-up, paired over the "
                          f"cell's runs, with its 95% interval), as in the report's sweep summary. The square takes "
                          f"the winner's colour, paler the smaller the margin as a share of the larger of the two "
                          f"values (colour bar); a margin whose interval holds zero is a tie, grey and hatched."
                          + (" Further swept keys are held at their first value." if len(axes) > 2 else ""),
                          draw_phase))
    elif len(axes) == 1:
        key = axes[0][0]
        for metric in ("engaged", "cost_per_engagement"):
            def draw_sweep(metric: str = metric) -> Figure:
                fig = _new_figure((10, 5.2))
                sweep_metric(res.summary, key, metric, fig.add_subplot(), colors=colors)
                return fig

            title = label(metric)
            specs.append((f"sweep_{metric}", f"{title} across {names[0]}",
                          f"{title} (mean per run with 95% interval) for each value of {names[0]}, one line per "
                          f"strategy.", draw_sweep))
    return specs


def figures_for_results(results_dir: str | Path) -> list[Path]:
    """Draw every figure that applies to a results directory into ``results_dir/figures/``.

    Each figure is written as PNG (``DPI`` dots per inch) and SVG; ``figures/index.json`` lists them
    with titles and captions (for :func:`virality.report.write_report`; the entries of a budget plan drawn into the
    same folder, :func:`virality.plan_figures.figures_for_plan`, are kept). Figures whose inputs are missing are skipped:
    the cascade tree needs stored records (``outputs.records``), the community figures at least two
    communities (the heatmap the ``penetration`` table, which results of older versions lack), the
    network map a graph of at most ``NETWORK_LIMIT`` people with all nodes stored, the sweep figures a sweep over one key (metric lines) or two and more keys
    (phase diagrams: winner and margin in each square). Per-cell figures show the first cell of a sweep, and
    say so in their captions and under the picture. An uncertainty run (``decision.csv`` and ``worlds.csv``)
    gets the decision figures first (names starting with :data:`DECISION_FIGURES`): the probability of being
    best, a decision map per headline metric (the winner of every world over the two most influential
    parameters) and, with ``sensitivity.csv``, the Sobol' tornado of the paired difference; its worlds get no
    sweep figures (they are no grid), and the per-cell figures show world 0. A figure that fails is skipped
    with a warning, so a finished experiment is never lost to a plotting problem. The community map's
    colours and arrows and the penetration heatmap are over all runs (the ``communities``, ``flows``
    and ``penetration`` tables); only the cascade tree reads the stored records.

    Parameters
    ----------
    results_dir : str or Path
        A finished results directory (``summary.json`` and the tidy tables).

    Returns
    -------
    list of Path
        PNG and SVG files written.
    """
    results_dir = Path(results_dir)
    res = Results(results_dir)
    folder = results_dir / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    for entry in read_index(folder):  # this run's earlier figures (a budget plan's are kept)
        if entry.get("group", "results") == "results":
            for k in ("png", "svg"):
                (folder / Path(entry[k]).name).unlink(missing_ok=True)
    written: list[Path] = []
    index = []
    with plt.rc_context(STYLE):
        for name, title, caption, draw in figure_specs(res):
            try:
                fig = draw()
                paths = _save(fig, folder, name)
            except Exception as exc:  # noqa: BLE001 - one figure must not sink the others
                warnings.warn(f"virality.plots: figure {name!r} skipped: {type(exc).__name__}: {exc}", stacklevel=2)
                continue
            written += paths
            index.append({"name": name, "title": title, "caption": caption, "png": paths[0].name, "svg": paths[1].name})
    write_index(folder, "results", index)
    return written
