"""Tables for people: the comparison table, findings, key-node rankings and the HTML report.

Text and HTML only: numbers come from a results directory (:class:`virality.results.Results`),
what each metric is from :mod:`virality.catalog`, figures from :mod:`virality.figures`.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from tabulate import tabulate

from .cascades import rank_key_nodes
from .catalog import (ASPECTS, EVERY_RUN, FINDINGS, LOWER_IS_BETTER, METRICS, difference_parts, fmt, fmt_amount,
                      fmt_difference, fmt_estimate, fmt_fixed, fmt_value, label)
from .errors import InputError
from .figures import DECISION_FIGURES, figures_for_results, is_uncertainty, read_index
from .files import atomic_write
from .metrics import paired
from .plan_figures import figures_for_plan
from .plan_text import allocation_rows, difference_text, estimate_text, frontier_rows, path_rows, plan_sentence
from .plots import strategy_colors
from .results import Results, cell_label, key_label, load_summary, sweep_axes, sweep_summary, value_label
from .tables import column_equals, one_cell, read_any, read_table, select_rows
from .uncertainty import p_best_decimals, p_best_label, paired_output

__all__ = ["comparison_rows", "print_comparison", "sweep_summary_table", "key_node_table", "key_node_rows",
           "headline_findings", "write_report", "FULL_TABLES", "CLI_SWEEP_METRICS", "CELL_CAP", "WORLD_CAP",
           "UNCERTAINTY_DIR"]

#: a sweep's CLI output prints the full comparison table of this many cells, then the sweep summary
FULL_TABLES = 3
#: metrics of the sweep summary printed by the CLI (the report has every one of ``SWEEP_METRICS``)
CLI_SWEEP_METRICS = ("engaged", "cost_per_engagement", "engagement_rate", "time_to_half")
#: the report's sections that go cell by cell show this many cells of a sweep, and this many worlds of an
#: uncertainty run (whose decision section covers every world)
CELL_CAP, WORLD_CAP = 12, 3
#: a run's own decision under uncertainty: ``virality uncertainty CONFIG --out RUN/uncertainty`` (its report
#: opens with a summary of it; ``python3 tasks.py flagship`` writes one for the flagship)
UNCERTAINTY_DIR = "uncertainty"


def _common(cell: Mapping[str, Any]) -> str:
    """The common engagement target speed is timed to (``common_reach`` of the cell), written for a label."""
    n = cell.get("common_reach")
    return f"{n:,.0f}" if isinstance(n, (int, float)) else "N"


def comparison_rows(cell: dict[str, Any], with_ci: bool = True) -> tuple[list[str], list[list[str]]]:
    """The seed document's aspects as rows, strategies as columns (mean and 95% interval).

    Numbers are written by :func:`virality.catalog.fmt_estimate` (``with_ci=False``: the value alone,
    :func:`virality.catalog.fmt_value`), to the precision of their interval.
    """
    names = cell["strategies"]
    header = ["aspect", "metric", *names]
    rows = []
    plan_rows = [("Plan", "spend", lambda s: fmt_amount(s["plan"]["spend"])),
                 ("Plan", "posts / airings", lambda s: f"{s['plan']['posts']:,} / {s['plan']['airings']:,}")]
    if any(cell["summary"][n]["plan"].get("unspent_reason") for n in names):
        plan_rows.insert(1, ("Plan", "budget unspent", lambda s: fmt_amount(s["plan"].get("unspent", 0))
                             + (" (!)" if s["plan"].get("unspent_reason") else "")))
    for aspect, row_label, fn in plan_rows:
        rows.append([aspect, row_label, *[fn(cell["summary"][n]) for n in names]])
    for aspect, row_label, metric in ASPECTS:
        row = [aspect, row_label.format(common=_common(cell))]
        for n in names:
            e = cell["summary"][n]["metrics"].get(metric) or {}
            value, low, high = e.get("value"), e.get("low"), e.get("high")
            row.append(fmt_estimate(metric, value, low, high) if with_ci else fmt_value(metric, value, low, high))
        rows.append(row)
    return header, rows


def _cell_title(cells: Sequence[Mapping[str, Any]], k: int, strategies: Sequence[str]) -> str:
    return f"cell {k}: {cell_label(cells, k, strategies)}"


def sweep_summary_table(rows: Sequence[Mapping[str, Any]], cells: Sequence[Mapping[str, Any]],
                        metric: str) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """One metric's rows of :func:`virality.results.sweep_summary` as text: header, rows and CSS classes.

    Columns: the cell, its value of each swept parameter (in words), the winner and its value, the
    runner-up and its value, and the margin (winner minus runner-up) with its 95% interval. A margin
    whose interval holds zero is a tie: the winner column says "tie (NAME ahead)".
    """
    strategies = list(cells[0]["strategies"]) if cells else []
    axes = sweep_axes(cells)
    header = ["cell", *[key_label(a, strategies).split(" (")[0] for a in axes], "winner", "value", "runner-up",
              "value", "margin [95% interval]"]
    out, classes = [], []
    for r in rows:
        if r["metric"] != metric:
            continue
        vals = [" / ".join(dict.fromkeys(value_label(r["overrides"].get(k)) for k in a)) for a in axes]
        if r["winner"] is None:
            out.append([str(r["cell"]), *vals, "n/a", "", "", "", ""])
            classes.append([""] * len(header))
            continue
        low, high = (r["low"], r["high"]) if _finite(r["low"]) else (None, None)
        margin = fmt_difference(metric, r["margin"], low, high) if r["runner_up"] is not None else "no runner-up"
        win = f"tie ({r['winner']} ahead)" if r["tie"] else r["winner"]
        out.append([str(r["cell"]), *vals, win, fmt(metric, r["winner_value"]), r["runner_up"] or "",
                    fmt(metric, r["runner_up_value"]) if r["runner_up"] is not None else "",
                    ("tie: " if r["tie"] else "") + margin])
        cls = [""] * len(header)
        cls[-1] = cls[-5] = "flat" if r["tie"] else "good"
        classes.append(cls)
    return header, out, classes


def _sweep_note(rows: Sequence[Mapping[str, Any]]) -> str:
    pairs = sorted({r["n_pairs"] for r in rows if r["n_pairs"]})
    how = (f"paired over each cell's {', '.join(map(str, pairs))} common replicates, with its 95% interval; a margin "
           f"whose interval holds zero is a tie" if pairs else "difference of the two values (no runs table: no "
           "intervals)")
    return f"margin = winner minus runner-up ({how}); lower wins for costs and times."


def print_comparison(results: Path) -> None:
    """Print the comparison table and the paired differences against the baseline of every cell; for a
    sweep, the full tables of the first :data:`FULL_TABLES` cells and then the sweep summary (who wins
    each cell, by how much: :func:`virality.results.sweep_summary`)."""
    summary = load_summary(results)
    cells = summary["cells"]
    sweep = len(cells) > 1
    for k, cell in enumerate(cells):
        if sweep and k >= FULL_TABLES:
            rest = f"cells {k}-{len(cells) - 1}" if k < len(cells) - 1 else f"cell {k}"
            print(f"\n{rest}: full tables in {Path(results) / 'report.html'} and {Path(results) / 'summary.json'}; "
                  f"the sweep summary below covers every cell.")
            break
        title = summary["name"] + (f"  {_cell_title(cells, k, cell['strategies'])}" if sweep else "")
        print(f"\n== {title}: {cell['n_runs']} runs per strategy, graph {cell['graph']['name']} "
              f"(n={cell['graph']['n']:,}, arcs={cell['graph']['m']:,}); ± is the 95% interval half-width, "
              f"{EVERY_RUN}: the same value in every run")
        header, rows = comparison_rows(cell)
        print(tabulate(rows, headers=header, tablefmt="simple"))
        for name in cell["strategies"]:
            reason = cell["summary"][name]["plan"].get("unspent_reason")
            if reason:
                print(f"(!) {name}: {reason}")
        base = summary["baseline"]
        diffs = []
        for n in cell["strategies"]:
            if n == base:
                continue
            d = cell["summary"][n]["vs_baseline"]
            diffs.append([n, *(fmt_difference(m, *((d.get(m) or {}).get(k) for k in ("value", "low", "high")))
                               for m in ("engaged", "cost_per_engagement", "engagement_rate", "time_to_common")
                               if m in d)])
        if diffs:
            print(f"\npaired differences vs {base!r} (same replicates; 95% intervals; pts: percentage points):")
            print(tabulate(diffs, headers=["strategy", "engaged", "cost per engagement", "engagement rate",
                                           f"steps until {_common(cell)} engaged"]))
    if sweep:
        rows = sweep_summary(summary, read_any(Path(results) / "runs"), CLI_SWEEP_METRICS)
        print(f"\n== sweep summary: who wins each of the {len(cells)} cells, and by how much")
        print(_sweep_note(rows))
        print("parameters: " + "; ".join(key_label(a, cells[0]["strategies"]) for a in sweep_axes(cells)))
        for metric in CLI_SWEEP_METRICS:
            header, table, _ = sweep_summary_table(rows, cells, metric)
            print(f"\n{label(metric)} ({'lowest' if metric in LOWER_IS_BETTER else 'highest'} wins)")
            print(tabulate(table, headers=header, tablefmt="simple", disable_numparse=True))
        print(f"\nmore metrics: the sweep summary of {Path(results) / 'report.html'}")


def key_node_table(results: Path, *, strategy: str | None = None, by: str = "ripple", top: int = 15) -> dict[str, str]:
    """Top key nodes per strategy by ``by``, with the Spearman rank correlation of ``by`` with followers."""
    path = Path(results) / "nodes"
    if not path.with_suffix(".csv").exists():
        raise InputError(f"{path.with_suffix('.csv')}: not found; is {results} a finished results directory?")
    t = read_table(path)
    names = list(dict.fromkeys(t["strategy"].tolist()))
    if strategy is not None and strategy not in names:
        raise InputError(f"--strategy {strategy!r}: not in the results; strategies: {', '.join(names)}")
    first = t["cell"] == t["cell"].min()
    cell = {k: v[first] for k, v in t.items()}
    try:
        summary_cell = load_summary(results)["cells"][0]
    except (InputError, IndexError, KeyError):
        summary_cell = None
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")  # strategy names may hold commas or quotes
    columns = {"id": "label", "hired": "seeded", "P(engage)": "engage_probability"}
    texts = []
    for k, item in enumerate(key_node_rows(cell, by=by, top=top, strategies=[strategy] if strategy else names,
                                           summary_cell=summary_cell)):
        if k == 0:
            writer.writerow(["strategy", *[columns.get(h, h) for h in item["header"]]])
        for row in item["rows"]:
            writer.writerow([item["strategy"], *[x.replace(",", "") if j != 2 or "id" not in item["header"] else x
                                                 for j, x in enumerate(row)]])
        values = np.asarray(cell[by], float)[np.array([str(x) == item["strategy"] for x in cell["strategy"].tolist()])]
        if values.size and not values.any():
            why = " (the graph has one community: nobody can bridge)" if by == "bridging" and \
                len(np.unique(cell["community"])) < 2 else ""
            texts.append(f"\n== {item['strategy']}: no one has any {by} in these runs{why}; nothing to rank.")
            continue
        rho = item["rho"]
        rho_text = fmt_fixed(rho, 2) if isinstance(rho, (int, float)) and math.isfinite(rho) else "n/a (all values tied)"
        texts.append(f"\n== {item['strategy']}: top {len(item['rows'])} by {by}; Spearman correlation of {by} with "
                     f"followers over {item['stored']:,} people: {rho_text}\n"
                     + tabulate(item["rows"], headers=item["header"]))
    return {"text": "\n".join(texts), "csv": buf.getvalue()}


def key_node_rows(nodes: dict[str, np.ndarray], *, by: str = "ripple", top: int = 10,
                  strategies: list[str] | None = None, summary_cell: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Top key nodes per strategy as text rows (:func:`virality.cascades.rank_key_nodes`, formatted).

    Parameters
    ----------
    nodes : dict of numpy arrays
        Columns of ``nodes.csv`` (``strategy``, ``node``, ``followers``, ``community``, ``seeded``,
        ``engage_probability``, ``direct``, ``ripple``, ``bridging``, ``early``), restricted to one cell.
    by : str
        Ranking column.
    top : int
        Rows per strategy.
    strategies : list of str, optional
        Strategy order (default: order of appearance).
    summary_cell : dict, optional
        The cell's entry of ``summary.json``: its whole-graph correlations (``key_nodes``) are used
        when ``nodes`` holds only the top rows of a large graph.

    Returns
    -------
    list of dict
        One per strategy: ``strategy``, ``rho``, ``stored`` (as in ``rank_key_nodes``), ``header`` and
        ``rows`` (strings).
    """
    whole = {name: s.get("key_nodes") for name, s in ((summary_cell or {}).get("summary") or {}).items()}
    labelled = "label" in nodes
    header = ["rank", "node", *(["id"] if labelled else []), "followers", "community", "hired", "P(engage)", "direct",
              "ripple", "bridging", "early"]
    out = []
    for item in rank_key_nodes(nodes, by=by, top=top, strategies=strategies, whole_graph=whole):
        rows = []
        for rank, i in enumerate(item["rows"], 1):
            hired = bool(nodes["seeded"][i])
            community = str(nodes["community_name"][i]) if "community_name" in nodes else str(int(nodes["community"][i]))
            rows.append([str(rank), str(int(nodes["node"][i])), *([str(nodes["label"][i])] if labelled else []),
                         f"{int(nodes['followers'][i]):,}", community, "yes" if hired else "",
                         # a hired account posts; it is not counted among the people who engage
                         # (fixed columns, one format per column; fmt_fixed: never "-0.000")
                         "posts" if hired else fmt_fixed(nodes["engage_probability"][i], 3),
                         fmt_fixed(nodes["direct"][i], 3), fmt_fixed(nodes["ripple"][i], 2),
                         fmt_fixed(nodes["bridging"][i], 3), fmt_fixed(nodes["early"][i], 3)])
        out.append({"strategy": item["strategy"], "rho": item["rho"], "stored": item["stored"], "header": header,
                    "rows": rows})
    return out


def _diff_text(metric: str, value: float, low: float, high: float) -> str:
    """A paired difference in words (:func:`virality.catalog.difference_parts`)."""
    p = difference_parts(metric, value, low, high)
    if p.every_run:
        return f"paired difference {p.value} in every run"
    if p.low is None:
        return f"paired difference {p.value}"
    return f"paired difference {p.value}, 95% interval {p.low} to {p.high}{p.unit}"


def headline_findings(cell: dict[str, Any], runs: dict[str, np.ndarray] | None = None,
                      baseline: str | None = None) -> list[tuple[str, str]]:
    """Plain-language "what won on what" sentences for one cell of a summary.

    Parameters
    ----------
    cell : dict
        One entry of ``summary["cells"]``.
    runs : dict of numpy arrays, optional
        The cell's rows of ``runs.csv``; when given, each winner is compared with the runner-up by a
        paired difference over the shared replicates (95% interval).
    baseline : str, optional
        The baseline strategy (default: the first).

    Returns
    -------
    list of (headline, sentence)
    """
    names = list(cell["strategies"])
    baseline = baseline if baseline in names else names[0]
    value = {n: {m: e["value"] for m, e in cell["summary"][n]["metrics"].items()} for n in names}

    def show(name: str, metric: str) -> str:  # a strategy's value to the precision of its interval
        e = cell["summary"][name]["metrics"].get(metric) or {}
        return fmt_value(metric, e.get("value"), e.get("low"), e.get("high"))

    def ok(x: Any) -> bool:
        return x is not None and isinstance(x, (int, float)) and math.isfinite(x)

    def per_run(name: str) -> dict[str, np.ndarray] | None:
        if runs is None or "strategy" not in runs:
            return None
        sel = np.flatnonzero(np.array([str(x) == name for x in runs["strategy"].tolist()]))
        if sel.size == 0:
            return None
        sel = sel[np.argsort(np.asarray(runs["run"])[sel], kind="stable")] if "run" in runs else sel
        return {k: np.asarray(v)[sel].astype(float) for k, v in runs.items() if k not in ("strategy",)
                and np.asarray(v).dtype != object}

    out = []
    for metric, headline in FINDINGS:
        cands = [n for n in names if ok(value[n].get(metric))
                 and (not metric.startswith("time_to") or value[n].get("engaged", 0) > 0)]
        if metric in ("cost_per_engagement",):
            cands = [n for n in cands if cell["summary"][n]["plan"].get("spend", 0) > 0]
        if not cands:
            continue
        low = metric in LOWER_IS_BETTER
        ranked = sorted(cands, key=lambda n: value[n][metric], reverse=not low)
        best = ranked[0]
        v = value[best][metric]
        record = METRICS.get(metric)
        text = f"{best}: {show(best, metric)}{record.finding_unit.format(common=_common(cell)) if record else ''}"
        if record is not None and record.shown_with and ok(value[best].get(record.shown_with)):
            text += f" ({show(best, record.shown_with)} of its own engagements)"
        if len(ranked) > 1:
            second = ranked[1]
            if value[second][metric] == v:
                tied = [n for n in ranked if value[n][metric] == v]
                shown = [f'"{n}"' if "," in n else n for n in tied]  # a name with a comma, quoted in a list
                who = ", ".join(shown[:-1]) + f" and {shown[-1]}"
                unit = record.finding_unit.format(common=_common(cell)) if record else ""
                headline, text = f"{headline}: a tie", f"{who} tie at {show(best, metric)}{unit}"
            else:
                text += f"; runner-up {second}: {show(second, metric)}"
                a, b = per_run(best), per_run(second)
                if a is not None and b is not None and a.get("engaged", np.zeros(0)).size == b.get("engaged", np.zeros(0)).size:
                    try:
                        e = paired(a, b, [metric])[metric]
                    except (KeyError, ValueError):
                        e = None
                    if e is not None and ok(e.low) and ok(e.high):
                        interval = _diff_text(metric, e.value, e.low, e.high)
                        if e.low > 0 or e.high < 0:
                            text += f" ({interval})"
                        else:  # the interval holds zero: no winner can be named
                            headline = f"{headline}: a tie"
                            text = (f"{best} ({show(best, metric)}) and {second} ({show(second, metric)}) "
                                    f"cannot be told apart ({interval}, which includes zero)")
        if best != baseline and ok(value[baseline].get(metric)) and metric in ("engaged", "cost_per_engagement") \
                and value[baseline][metric] > 0:
            text += f"; {v / value[baseline][metric]:.2f}x the baseline {baseline}"
        out.append((headline, text + "."))
    return out


# ------------------------------------------------------------------------------------- HTML
_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;background:#f6f7f9;
margin:0;line-height:1.5;-webkit-text-size-adjust:100%;text-size-adjust:100%}
main{max-width:1240px;margin:0 auto;padding:28px 32px 60px;background:#fff;box-shadow:0 0 0 1px #e4e6ea}
h1{font-size:28px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid #e4e6ea}
h3{font-size:16px;margin:22px 0 6px}.sub{color:#57606a;margin:0 0 14px}.meta{color:#57606a;font-size:13px}
h1,h2,h3,p,li,figcaption,summary{overflow-wrap:anywhere}
ul.findings{padding-left:0;list-style:none}ul.findings li{margin:6px 0;padding:8px 12px;background:#f1f6fb;
border-left:4px solid #0072B2;border-radius:3px}ul.findings b{color:#0b3d62}
table{border-collapse:collapse;font-size:13px;margin:8px 0 16px;width:100%}
th,td{padding:5px 8px;border-bottom:1px solid #e4e6ea;text-align:right;white-space:nowrap}
th{background:rgba(5,38,88,.06);font-weight:600;position:relative}td.l,th.l{text-align:left}
tr:nth-child(even) td{background:rgba(5,55,105,.02)}
td.best{font-weight:700;color:#0b3d62;background:rgba(5,105,185,.1) !important}
td.good{color:#00634a;font-weight:600}td.bad{color:#a23b00;font-weight:600}td.flat{color:#6e7781}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.wrap{overflow-x:auto;max-width:100%;
background:linear-gradient(to right,#fff 30%,rgba(255,255,255,0)) left/40px 100% no-repeat local,
linear-gradient(to left,#fff 30%,rgba(255,255,255,0)) right/40px 100% no-repeat local,
radial-gradient(farthest-side at 0 50%,rgba(0,0,0,.25),rgba(0,0,0,0)) left/14px 100% no-repeat scroll,
radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.25),rgba(0,0,0,0)) right/14px 100% no-repeat scroll}
figure{margin:18px 0 30px}figure img{max-width:100%;height:auto;box-sizing:border-box;border:1px solid #eceef1}
figcaption{color:#444c56;font-size:13.5px;margin-top:6px;max-width:1000px}figcaption b{color:#1f2328}
pre{background:#f6f8fa;border:1px solid #e4e6ea;padding:12px;font-size:12px;overflow-x:auto;border-radius:4px;
white-space:pre-wrap;overflow-wrap:anywhere}
.note{color:#57606a;font-size:13px}details{margin:8px 0}summary{cursor:pointer;font-weight:600;padding:4px 0}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,560px),1fr));gap:4px 28px}
.grid2>div{min-width:0}.grid2 table{font-size:12px}
.grid2 th,.grid2 td{padding:4px 6px}
nav a{display:inline-block;margin-right:14px;font-size:13.5px;color:#0b5cad;text-decoration:none}
a.zoom{display:block;cursor:zoom-in}figure a.close{display:none}.full{display:block}
.full:target+figure{position:fixed;top:0;right:0;bottom:0;left:0;z-index:10;margin:0;padding:52px 12px 24px;
overflow:auto;overscroll-behavior:contain;background:#fff}
.full:target+figure a.zoom{display:inline-block;cursor:default}.full:target+figure img{max-width:none;border:0}
.full:target+figure figcaption{max-width:60em}
.full:target+figure a.close{display:block;position:fixed;top:10px;right:14px;z-index:11;padding:4px 12px;
font-size:15px;font-weight:600;color:#fff;background:#1f2328;border-radius:16px;text-decoration:none;opacity:.85}
@media (max-width:640px){
main{padding:16px 14px 40px}h1{font-size:23px}h2{font-size:18px;margin-top:28px}
ul.findings li{padding:6px 10px}th,td,.grid2 th,.grid2 td{padding:4px 6px}
th{white-space:normal}td.l{white-space:normal;overflow-wrap:anywhere;min-width:7.5em}
.name{display:inline-block;min-width:5.5em;overflow-wrap:anywhere}.ci{display:block}
figure{margin:14px 0 24px}figcaption{font-size:13px}pre{font-size:11.5px;padding:8px}
}
"""


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(float(x))


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, left: int = 1,
           classes: Sequence[Sequence[str]] | None = None) -> str:
    out = ['<div class="wrap"><table><thead><tr>']
    out += [f'<th class="{"l" if j < left else ""}">{h if isinstance(h, _Raw) else _e(h)}</th>'
            for j, h in enumerate(header)]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        out.append("<tr>")
        for j, v in enumerate(row):
            cls = ["l"] if j < left else []
            if classes is not None and classes[i][j]:
                cls.append(classes[i][j])
            out.append(f'<td class="{" ".join(cls)}">{v if isinstance(v, _Raw) else _e(v)}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


class _Raw(str):
    """Already-escaped HTML."""


def _swatch(name: str, colors: Mapping[str, str]) -> _Raw:
    return _Raw(f'<span class="name"><span class="swatch" style="background:{_e(colors.get(name, "#999"))}"></span>'
                f'{_e(name)}</span>')


def _comparison_html(cell: Mapping[str, Any], colors: Mapping[str, str]) -> str:
    header, rows = comparison_rows(cell)
    names = list(cell["strategies"])
    metrics = [None] * (len(rows) - len(ASPECTS)) + [m for _, _, m in ASPECTS]
    classes = []
    for row, metric in zip(rows, metrics):
        cls = [""] * len(row)
        if metric is not None and len(names) > 1 and METRICS[metric].better is not None:  # no "best" share or shape
            vals = [cell["summary"][n]["metrics"].get(metric, {}).get("value") for n in names]
            vals = [v if _finite(v) else np.nan for v in vals]
            if np.isfinite(vals).any() and np.nanmax(vals) != np.nanmin(vals):
                top = np.nanmin(vals) if metric in LOWER_IS_BETTER else np.nanmax(vals)
                for b in np.flatnonzero(np.asarray(vals) == top):  # a tie marks every strategy that shares it
                    cls[2 + int(b)] = "best"
        classes.append(cls)
    head = [*header[:2], *header[2:]]
    body = []
    for row in rows:
        body.append([row[0], row[1], *row[2:]])
    html_head = ['<div class="wrap"><table><thead><tr><th class="l">aspect</th><th class="l">metric</th>']
    html_head += [f"<th>{_swatch(n, colors)}</th>" for n in head[2:]]
    html_head.append("</tr></thead><tbody>")
    last = None
    for row, cls in zip(body, classes):
        html_head.append("<tr>")
        aspect = row[0] if row[0] != last else ""
        last = row[0]
        html_head.append(f'<td class="l"><b>{_e(aspect)}</b></td><td class="l">{_e(row[1])}</td>')
        for v, c in zip(row[2:], cls[2:]):
            html_head.append(f'<td class="{c}">{_e(v)}</td>')
        html_head.append("</tr>")
    html_head.append("</tbody></table></div>")
    return "".join(html_head)


_PAIRED = ("engaged", "cost_per_engagement", "engagement_rate", "time_to_common", "engaged_peer",
           "contextual_alignment", "structural_virality")


def _paired_html(cell: Mapping[str, Any], baseline: str, colors: Mapping[str, str]) -> str:
    names = [n for n in cell["strategies"] if n != baseline]
    if not names:
        return '<p class="note">Only one strategy: no paired differences.</p>'
    header = ["strategy"] + [label(m).split(":")[0].lower() if m != "engaged"
                             else "people engaged" for m in _PAIRED]
    rows, classes = [], []
    for n in names:
        d = cell["summary"][n].get("vs_baseline", {})
        row: list[Any] = [_swatch(n, colors)]
        cls = [""]
        for m in _PAIRED:
            e = d.get(m)
            if not e or not _finite(e.get("value")):
                row.append("n/a")
                cls.append("flat")
                continue
            v, lo, hi = e["value"], e.get("low"), e.get("high")
            p = difference_parts(m, v, lo, hi)
            ci = EVERY_RUN if p.every_run else f"[{p.low}, {p.high}]" if p.low is not None else ""
            row.append(_Raw(_e(p.value) + (f' <span class="ci">{_e(ci)}</span>' if ci else "")))
            sure = _finite(lo) and _finite(hi) and (lo > 0 or hi < 0)
            if not sure or METRICS[m].better is None:
                cls.append("flat" if not sure else "")
            else:
                better = (v < 0) if m in LOWER_IS_BETTER else (v > 0)
                cls.append("good" if better else "bad")
        rows.append(row)
        classes.append(cls)
    return _table(header, rows, classes=classes)


def _key_nodes_html(res: Results, colors: Mapping[str, str]) -> str:
    nodes = res.table("nodes")
    if nodes is None or "ripple" not in nodes:
        return '<p class="note">No node table in this results directory.</p>'
    blocks = []
    for item in key_node_rows(nodes, top=10, strategies=res.strategies, summary_cell=res.cells[0]):
        rho = item["rho"]
        if math.isfinite(rho):
            verdict = ("the key nodes are largely the hubs" if rho >= 0.6 else
                       "the key nodes are only partly the hubs" if rho >= 0.3 else
                       "the key nodes are mostly not the hubs")
            rho_text = (f"Spearman correlation of ripple with followers: {fmt_fixed(rho, 2)} over {item['stored']:,} "
                        f"people ({verdict}).")
        else:
            rho_text = "Spearman correlation of ripple with followers: n/a."
        blocks.append(f"<div><h3>{_swatch(item['strategy'], colors)}</h3><p class=\"note\">{_e(rho_text)}</p>"
                      + _table(item["header"], item["rows"], left=0) + "</div>")
    return ('<p class="note">Top 10 people per strategy by <b>ripple</b> (mean downstream cascade size: how many '
            'engagements follow from them per run). <b>direct</b>: engagements they caused directly; <b>bridging</b>: '
            'engagements they caused in other communities; <b>early</b>: share of runs in which they were among the '
            'first engaged.</p><div class="grid2">' + "".join(blocks) + "</div>")


def _communities_html(res: Results, top: int = 10) -> str:
    comms = res.table("communities")
    if comms is None or len(np.unique(comms["community"])) < 2:
        return '<p class="note">The graph has no communities.</p>'
    best = res.best
    ref = select_rows(comms, column_equals(comms["strategy"], best))
    order = np.argsort(-ref["penetration"].astype(float), kind="stable")[:top]
    ids = ref["community"][order].astype(int)
    pen = {}
    for n in res.strategies:
        r = select_rows(comms, column_equals(comms["strategy"], n))
        pen[n] = dict(zip(r["community"].astype(int).tolist(), r["penetration"].astype(float).tolist()))
    header = ["community", "people", "alignment",
              *[_Raw(f'<span class="name">{_e(n)}</span>') for n in res.strategies]]
    rows, classes = [], []
    for k, c in enumerate(ids):
        vals = [pen[n].get(int(c), float("nan")) for n in res.strategies]
        row = [f"{c} ({ref['name'][order][k]})" if "name" in ref else str(c), f"{int(ref['size'][order][k]):,}",
               fmt_fixed(ref["alignment"][order][k], 2) if "alignment" in ref else "n/a",
               *[fmt_fixed(100 * v, 1) + "%" if math.isfinite(v) else "n/a" for v in vals]]
        cls = [""] * len(row)
        if np.isfinite(vals).any():
            cls[3 + int(np.nanargmax(vals))] = "best"
        rows.append(row)
        classes.append(cls)
    return (f'<p class="note">The {len(ids)} communities where {_e(best)} (most people engaged) penetrated deepest: '
            f'share of each community engaged (mean per run) under every strategy; alignment is how well the message '
            f'fits the community (0-1).</p>' + _table(header, rows, classes=classes))


def _sweep_html(res: Results, colors: Mapping[str, str]) -> str:
    """The "Sweep summary" section: per metric, who wins each cell and by how much."""
    rows = res.sweep_summary()
    out = [f'<h2 id="sweep">Sweep summary: who wins each of the {len(res.cells)} cells, and by how much</h2>',
           f'<p class="note">{_e(_sweep_note(rows)[0].upper() + _sweep_note(rows)[1:])} Parameters: '
           f'{_e("; ".join(key_label(a, res.strategies) for a in res.sweep_axes()))}.</p>']
    for metric in dict.fromkeys(r["metric"] for r in rows):
        header, table, classes = sweep_summary_table(rows, res.cells, metric)
        win = header.index("winner")
        for line in table:
            if line[win] in colors:
                line[win] = _swatch(line[win], colors)
        out.append(f"<h3>{_e(label(metric))} ({'lowest' if metric in LOWER_IS_BETTER else 'highest'} wins)</h3>")
        out.append(_table(header, table, classes=classes))
    return "".join(out)


def _world_title(res: Results, k: int) -> str:
    over = res.cells[k].get("overrides") or {}
    return f"World {k}: " + ", ".join(f"{key} = {value_label(v)}" for key, v in over.items())


def _per_cell(res: Results, render: Callable[[Mapping[str, Any]], str], cap: int = CELL_CAP,
              worlds: bool = False) -> list[str]:
    """``render`` of each of the first ``cap`` cells, each under its cell's (or world's) title when there are
    several."""
    out = []
    for k, cell in enumerate(res.cells[:cap]):
        if len(res.cells) > 1:
            title = _world_title(res, k) if worlds else "C" + _cell_title(res.cells, k, res.strategies)[1:]
            out.append(f"<h3>{_e(title)}</h3>")
        out.append(render(cell))
    return out


def _head(title: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>")


def _figure_html(entry: Mapping[str, Any], number: int, folder: Path) -> str:
    """One figure of ``figures/index.json``, embedded as a PNG, with its caption and a full-size view."""
    data = base64.b64encode((folder / entry["png"]).read_bytes()).decode("ascii")
    name = _e(entry["name"])
    # full size without JavaScript or a second copy of the picture: the link targets the empty span before
    # the figure, and the CSS rule ".full:target+figure" turns the figure into a scrollable overlay
    return (f'<span class="full" id="full-{name}"></span><figure id="fig-{name}">'
            f'<a class="zoom" href="#full-{name}" title="Show full size"><img alt="{_e(entry["title"])}" '
            f'src="data:image/png;base64,{data}"></a>'
            f'<a class="close" href="#fig-{name}" title="Back to the report">&times; Close</a>'
            f'<figcaption><b>Figure {number}. {_e(entry["title"])}.</b> '
            f'{_e(entry.get("caption", ""))}</figcaption></figure>')


def _decision_table_html(table: Mapping[str, Any], baseline: str, colors: Mapping[str, str]) -> str:
    """``decision.csv`` per metric: P(best) with its interval, expected regret, quantiles against the baseline."""
    out = []
    metrics = [str(m) for m in np.asarray(table["metric"]).tolist()]
    for metric in dict.fromkeys(metrics):
        rows = [i for i, m in enumerate(metrics) if m == metric]
        p = [float(table["p_best"][i]) for i in rows]
        d = p_best_decimals(p)
        header = ["strategy", "P(best) [95% interval]", "expected regret",
                  f"vs {baseline}: 5% / 50% / 95% of worlds"]
        body, classes = [], []
        for i, pi in zip(rows, p):
            name = str(table["strategy"][i])
            q = [fmt_difference(metric, float(table[f"vs_baseline_q{k}"][i]), None, None) for k in ("05", "50", "95")]
            body.append([_swatch(name, colors), p_best_label(pi, float(table["p_best_low"][i]),
                                                             float(table["p_best_high"][i]), d),
                         fmt(metric, float(table["expected_regret"][i])),
                         "(baseline)" if name == baseline else " / ".join(q)])
            classes.append(["", "best" if pi == max(p) and len(rows) > 1 else "", "", ""])
        better = METRICS[metric].better if metric in METRICS else None
        out.append(f"<h3>{_e(label(metric))} ({_e(better or '')} is better), over "
                   f"{int(table['worlds'][rows[0]])} worlds</h3>" + _table(header, body, classes=classes))
    return "".join(out)


def _indices_html(table: Mapping[str, Any], strategies: Sequence[str], kind: str) -> str:
    """The paired-difference rows of ``sensitivity.csv`` (``kind="sobol"``) or ``morris.csv``: one row per
    parameter, one column per metric."""
    output = paired_output(table, list(strategies))
    if output is None:
        return ""
    outputs = [str(x) for x in np.asarray(table["output"]).tolist()]
    rows = [i for i, o in enumerate(outputs) if o == output]
    metrics = list(dict.fromkeys(str(table["metric"][i]) for i in rows))
    keys = list(dict.fromkeys(str(table["key"][i]) for i in rows))
    col = "ST" if kind == "sobol" else "mu_star"
    cell = {(str(table["metric"][i]), str(table["key"][i])): i for i in rows}
    keys.sort(key=lambda k: -float(table[col][cell[(metrics[0], k)]]) if (metrics[0], k) in cell else 0.0)

    def text(metric: str, i: int) -> str:
        if kind == "sobol":
            return (f"{float(table['ST'][i]):.2f} ±{float(table['ST_conf'][i]):.2f} "
                    f"(first {float(table['S1'][i]):.2f} ±{float(table['S1_conf'][i]):.2f})")
        return (f"{fmt(metric, float(table['mu_star'][i]))} ±{fmt(metric, float(table['mu_star_conf'][i]))} "
                f"(σ {fmt(metric, float(table['sigma'][i]))})")

    body = [[k, *[text(m, cell[(m, k)]) if (m, k) in cell else "n/a" for m in metrics]] for k in keys]
    if kind == "sobol":
        what = (f"Which unknown decides {output}: total-order Sobol' index (the share of the difference's variance "
                f"a parameter is responsible for, interactions included) ±95% interval, with the first-order index "
                f"(its share alone) in brackets (sensitivity.csv). An index within its interval of zero: no measurable "
                f"effect.")
    else:
        what = (f"Morris screening of {output}: mu* (the mean absolute change of the difference when the parameter "
                f"moves across its range) ±95% interval, with σ, the spread of those changes (interactions or a "
                f"curved response), in brackets (morris.csv). A mu* near zero screens the parameter out.")
    return (f'<h3>{_e("Which unknown decides " + output if kind == "sobol" else "Morris screening of " + output)}</h3>'
            f'<p class="note">{_e(what)}</p>' + _table(["parameter", *[label(m) for m in metrics]], body))


def _world_winners_html(res: Results, metrics: Sequence[str], colors: Mapping[str, str]) -> str:
    """Who wins each world, by how much: one row per world, one column per uncertain parameter (collapsed)."""
    rows = res.sweep_summary(list(metrics))
    keys = list(res.cells[0].get("overrides") or {})
    out = []
    for metric in dict.fromkeys(r["metric"] for r in rows):
        header = ["world", *keys, "winner", "value", "runner-up", "value", "margin [95% interval]"]
        body, classes = [], []
        for r in rows:
            if r["metric"] != metric:
                continue
            over = res.cells[r["cell"]].get("overrides") or {}
            vals = [value_label(over.get(k)) for k in keys]
            if r["winner"] is None:
                body.append([str(r["cell"]), *vals, "n/a", "", "", "", ""])
                classes.append([""] * len(header))
                continue
            low, high = (r["low"], r["high"]) if _finite(r["low"]) else (None, None)
            margin = fmt_difference(metric, r["margin"], low, high) if r["runner_up"] is not None else "no runner-up"
            win = _swatch(r["winner"], colors)
            body.append([str(r["cell"]), *vals, _Raw(("tie: " if r["tie"] else "") + win), fmt(metric, r["winner_value"]),
                         r["runner_up"] or "", fmt(metric, r["runner_up_value"]) if r["runner_up"] is not None else "",
                         ("tie: " if r["tie"] else "") + margin])
            cls = [""] * len(header)
            cls[-1] = "flat" if r["tie"] else "good"
            classes.append(cls)
        out.append(f"<h3>{_e(label(metric))} ({'lowest' if metric in LOWER_IS_BETTER else 'highest'} wins)</h3>"
                   + _table(header, body, classes=classes))
    return (f"<details><summary>Who wins each world, and by how much ({len(res.cells)} worlds)</summary>"
            f'<p class="note">{_e(_sweep_note(rows)[0].upper() + _sweep_note(rows)[1:])} A world counts for its winner '
            f'in P(best) even when it is a tie.</p>' + "".join(out) + "</details>")


#: how to read a decision table (decision.csv)
_DECISION_NOTE = ('<p class="note">P(best): the share of worlds in which the strategy is best (ties split), with its '
                  '95% Wilson interval. Expected regret: how much worse than the best strategy of each world, averaged '
                  'over the worlds (in the metric\'s units; 0 for a strategy that is always best). Vs the baseline: '
                  'the paired difference, strategy minus baseline, in the 5%, 50% and 95% of worlds.</p>')


def _decision_html(res: Results, colors: Mapping[str, str], figures: Sequence[str], worlds_shown: int) -> str:
    """The "Decision under uncertainty" section: the decision table, sensitivity or screening, the decision
    figures (already rendered by :func:`_figure_html`) and who wins each world."""
    folder = res.dir
    n = len(res.cells)
    keys = list(res.cells[0].get("overrides") or {})
    intro = (f"This run is a decision under uncertainty. Each of its {n} cells is a world: one draw of the uncertain "
             f"parameters ({', '.join(keys)}; their ranges are in config.toml, the values of each world in worlds.csv), "
             f"in which every strategy ran {res.cell.get('n_runs', '?')} runs, on the same replicates in every world. "
             f"This section covers all {n} worlds; the sections below that go cell by cell (findings, comparison, "
             f"differences against the baseline, and the figures of a single world) show only the first "
             f"{min(worlds_shown, n)}.")
    out = [f'<h2 id="decision">Decision under uncertainty: which strategy is best across {n} worlds</h2>',
           f'<p class="note">{_e(intro)}</p>']
    try:
        table = read_table(folder / "decision")
    except (OSError, ValueError):
        table = None
    if table is not None and len(table.get("metric", [])):
        out.append(_DECISION_NOTE)
        out.append(_decision_table_html(table, res.baseline, colors))
        metrics = [m for m in dict.fromkeys(str(m) for m in table["metric"]) if m in METRICS]
    else:
        out.append('<p class="note">decision.csv is missing: rerun virality uncertainty.</p>')
        metrics = []
    for name, kind in (("sensitivity", "sobol"), ("morris", "morris")):
        if (folder / f"{name}.csv").exists():
            try:
                out.append(_indices_html(read_table(folder / name), res.strategies, kind))
            except (OSError, ValueError, KeyError):
                pass
    out += list(figures)
    if metrics:
        out.append(_world_winners_html(res, metrics, colors))
    return "".join(out)


def _companion(res: Results) -> Results | None:
    """The uncertainty run in ``RUN/uncertainty`` of the same experiment (same name and strategies), if any."""
    sub = res.dir / UNCERTAINTY_DIR
    if not is_uncertainty(sub) or not (sub / "summary.json").exists():
        return None
    try:
        unc = Results(sub)
    except (OSError, ValueError, KeyError, InputError):
        return None
    same = unc.summary.get("name") == res.summary.get("name") and list(unc.strategies) == list(res.strategies)
    return unc if same else None


def _companion_html(unc: Results, baseline: str, colors: Mapping[str, str], number: int) -> tuple[str, int]:
    """The "Decision under uncertainty" section of a run whose ``uncertainty/`` folder holds the same experiment
    run over worlds drawn from the config's ranges: P(best) with its interval per metric, the P(best) figure
    and a link to that run's own report. Returns the HTML and the number of figures it embeds."""
    table = read_table(unc.dir / "decision")
    keys = list(unc.cells[0].get("overrides") or {})
    intro = (f"This run used the median of each of the config's {len(keys)} ranges ({', '.join(keys)}). "
             f"virality uncertainty ran every strategy again in {len(unc.cells)} worlds drawn over those ranges (a "
             f"scrambled Sobol' design), {unc.cell.get('n_runs', '?')} runs per strategy in each, on the same "
             f"replicates: tables in {UNCERTAINTY_DIR}/decision.csv and {UNCERTAINTY_DIR}/worlds.csv.")
    link = (f' Its own report, with the decision maps: <a href="{UNCERTAINTY_DIR}/report.html">{UNCERTAINTY_DIR}/'
            f'report.html</a>.' if (unc.dir / "report.html").exists() else "")
    out = ['<h2 id="decision">Decision under uncertainty: how often is each strategy best?</h2>',
           f'<p class="note">{_e(intro)}{link}</p>', _DECISION_NOTE, _decision_table_html(table, baseline, colors)]
    folder = unc.dir / "figures"
    entries = [e for e in read_index(folder) if e.get("name") == f"{DECISION_FIGURES}p_best"
               and (folder / e["png"]).exists()]
    out += [_figure_html(e, k, folder) for k, e in enumerate(entries, number)]
    return "".join(out), len(entries)


def _run_figures(index: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries of ``figures/index.json`` drawn for the run (not those of a budget plan)."""
    return [e for e in index if e.get("group", "results") == "results"]


def _plan_summary(results_dir: Path) -> dict[str, Any] | None:
    """``optimize.json`` of a folder where ``virality optimize`` wrote a budget plan; None when there is none."""
    try:
        return json.loads((results_dir / "optimize.json").read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputError(f"{results_dir / 'optimize.json'}: not readable ({exc})") from None


def _plan_figures(results_dir: Path) -> list[dict[str, Any]]:
    """The budget plan's entries of ``figures/index.json``, drawn first when missing or older than optimize.json."""
    folder = results_dir / "figures"
    index = [e for e in read_index(folder) if e.get("group") == "plan"]
    stale = (not index or any(not (folder / e["png"]).exists() for e in index)
             or (folder / "index.json").stat().st_mtime < (results_dir / "optimize.json").stat().st_mtime)
    if stale:
        try:
            figures_for_plan(results_dir)
        except Exception as exc:  # noqa: BLE001 - the report is written without them
            warnings.warn(f"virality.report: the budget plan's figures were not drawn: {type(exc).__name__}: {exc}",
                          stacklevel=2)
        index = [e for e in read_index(folder) if e.get("group") == "plan"]
    return [e for e in index if (folder / e["png"]).exists()]


def _plan_html(results_dir: Path, plan: Mapping[str, Any], entries: Sequence[Mapping[str, Any]],
               start: int = 1) -> str:
    """The "Budget plan" section: what to do, the allocation, the comparisons, the path or the frontier, figures."""
    m = plan["objective"]
    form = plan.get("form", "max")
    question = {"max": f"the best split of {fmt_amount(plan['budget'])}",
                "least_spend": "the least spend whose mix reaches " + fmt(m, (plan.get("least_spend") or {}).get("target")),
                "marginal_cost": "the most spend at which one more engagement costs at most "
                                 + fmt("cost_per_engagement", (plan.get("marginal_cost") or {}).get("limit"))}[form]
    sims = plan["simulations"]
    out = ['<h2 id="plan">Budget plan</h2>',
           f'<p class="note">From <code>virality optimize</code>: {_e(question)} over '
           f'{_e(", ".join(plan["allocation"]))}, in steps of {_e(fmt_amount(plan["step"]))}; objective '
           f'{_e(label(m).lower())} ({_e(plan["better"])} is better); {plan["runs"]} replicates per evaluation, '
           f'{sims["total"]} simulations.</p>',
           f'<ul class="findings"><li><b>What to do:</b> {_e(plan_sentence(plan))}</li></ul>',
           _table(["option", "allotted", "share", "spent"], allocation_rows(plan))]
    single, fixed, hold = plan["vs_best_single_option"], plan["vs_best_fixed_strategy"], plan.get("holdout") or {}
    lines = [f"{label(m)}: {estimate_text(m, plan['value'])} per run on the search's replicates",
             f"vs the best single option ({single['option']} at {fmt_amount(single['spend'])}): "
             f"{difference_text(m, single['difference'])}",
             f"vs the best fixed strategy ({fixed['strategy']}): {difference_text(m, fixed['difference'])}"]
    if hold:
        lines.append(f"on fresh replicates ({hold['runs'][0]}-{hold['runs'][1]}): {estimate_text(m, hold['value'])}; "
                     f"vs the best fixed strategy {difference_text(m, hold['vs_best_fixed_strategy'])}")
    out.append("<ul>" + "".join(f"<li>{_e(x)}</li>" for x in lines) + "</ul>")
    if plan.get("path"):
        out.append("<h3>The best mix at each budget</h3>")
        out.append(_table(["budget", "mix", label(m), "marginal cost per extra engagement"], path_rows(plan), left=2))
    if plan.get("frontier"):
        fr = plan["frontier"]
        header, rows = frontier_rows(plan)
        mixes = "1 Pareto-optimal mix" if fr["pareto"] == 1 else f"{fr['pareto']} Pareto-optimal mixes"
        out.append(f"<h3>Trade-off frontier: {mixes} of {fr['evaluated']} evaluated</h3>")
        out.append(f'<p class="note">{_e(fr["method"][0].upper() + fr["method"][1:])}.</p>')
        out.append(_table(header, rows, left=1))
    folder = results_dir / "figures"
    out += [_figure_html(e, k, folder) for k, e in enumerate(entries, start)]
    return "".join(out)


def _write_plan_report(results_dir: Path, plan: Mapping[str, Any], out: Path) -> Path:
    """The report of a folder that holds a budget plan and no run: the plan alone."""
    name = plan.get("name") or results_dir.name
    parts = [_head(name), f"<h1>{_e(name)}</h1>"]
    if plan.get("description"):
        parts.append(f'<p class="sub">{_e(plan["description"])}</p>')
    parts.append(_plan_html(results_dir, plan, _plan_figures(results_dir)))
    parts.append("</main></body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, "\n".join(parts))
    return out


def write_report(results_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write one self-contained HTML report of a results directory (figures embedded, no JavaScript).

    Contents: title and description; for a run with an ``uncertainty/`` folder (:data:`UNCERTAINTY_DIR`: the same
    config run by ``virality uncertainty --out RUN/uncertainty``), first a "Decision under uncertainty" section
    with each strategy's probability of being best and its interval, per metric (that folder's ``decision.csv``),
    and its P(best) figure; for an uncertainty run (``decision.csv``), first the "Decision under
    uncertainty" section: the decision table per metric (P(best) with its interval, expected regret, quantiles
    against the baseline), the paired rows of ``sensitivity.csv`` / ``morris.csv``, the decision figures and who
    wins each world (collapsed), while the cell-by-cell sections below show only the first :data:`WORLD_CAP`
    worlds (a sweep: :data:`CELL_CAP` cells); "what won on what" sentences generated from the numbers
    (:func:`virality.report.headline_findings`); the comparison table; paired differences against
    the baseline; every figure of :func:`figures_for_results` (drawn first when missing or older
    than ``summary.json``) as an embedded PNG; the key-node table (top 10 per strategy with the
    Spearman correlation of ripple with followers); the top communities by penetration; the config
    and the manifest. All text is escaped. The page reads from 360 px (a phone) to desktop width: wide
    tables scroll inside their own box, and a click on a figure shows it at its natural size in an overlay
    (CSS ``:target``, no second copy of the picture).

    Parameters
    ----------
    results_dir : str or Path
        A finished results directory.
    out : str or Path, optional
        Report path (default ``results_dir/report.html``).

    Returns
    -------
    Path
    """
    results_dir = Path(results_dir)
    out = Path(out) if out is not None else results_dir / "report.html"
    plan = _plan_summary(results_dir)
    if plan is not None and not (results_dir / "summary.json").exists():
        return _write_plan_report(results_dir, plan, out)
    res = Results(results_dir)
    colors = strategy_colors(res.strategies)
    folder = results_dir / "figures"
    index_path = folder / "index.json"
    summary_path = results_dir / "summary.json"
    uncertain = is_uncertainty(results_dir)
    # figures are redrawn when older than any table they read: the summary, and an uncertainty run's own tables
    inputs = [summary_path, *(results_dir / f"{t}.csv" for t in ("decision", "sensitivity", "morris"))]
    newest = max(f.stat().st_mtime for f in inputs if f.exists())
    stale = not index_path.exists() or index_path.stat().st_mtime < newest
    index = None
    if not stale:
        try:
            index = _run_figures(json.loads(index_path.read_text()))
            if not index or any(not (folder / e["png"]).exists() for e in index):
                index = None
        except (OSError, ValueError, KeyError, TypeError):
            index = None
    if index is None:
        figures_for_results(results_dir)
        index = _run_figures(json.loads(index_path.read_text()))
    plan_entries = _plan_figures(results_dir) if plan is not None else []
    s = res.summary
    g = res.cell.get("graph", {})
    parts = [_head(s.get('name', 'virality report'))]
    parts.append(f"<h1>{_e(s.get('name', 'experiment'))}</h1>")
    if s.get("description"):
        parts.append(f'<p class="sub">{_e(s["description"])}</p>')
    meta = (f"Graph {g.get('name', '?')}: {g.get('n', 0):,} people, {g.get('m', 0):,} follow links, "
            f"{g.get('communities', 0):,} communities. {res.cell.get('n_runs', '?')} runs per strategy; "
            f"baseline: {res.baseline}. "
            + (f"{len(res.cells)} worlds (one cell each)." if uncertain else f"{len(res.cells)} cell(s)."))
    parts.append(f'<p class="meta">{_e(meta)}</p>')
    nav = [("findings", "Findings"), ("comparison", "Comparison"), ("paired", "Vs baseline"), ("figures", "Figures"),
           ("keynodes", "Key nodes"), ("communities", "Communities"), ("config", "Config")]
    companion = None if uncertain else _companion(res)
    if uncertain or companion is not None:
        nav.insert(0, ("decision", "Decision"))
    elif len(res.cells) > 1:
        nav.insert(0, ("sweep", "Sweep summary"))
    if plan is not None:
        nav.insert(nav.index(("figures", "Figures")), ("plan", "Budget plan"))
    parts.append("<nav>" + "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t in nav) + "</nav>")
    cap = WORLD_CAP if uncertain else CELL_CAP
    # figures in order: the decision figures in their section, the rest under Figures, numbered through
    decision_entries = [e for e in index if uncertain and str(e["name"]).startswith(DECISION_FIGURES)]
    other_entries = [e for e in index if e not in decision_entries]
    if uncertain:
        parts.append(_decision_html(res, colors, [_figure_html(e, i, folder) for i, e in enumerate(decision_entries, 1)],
                                    cap))
    elif len(res.cells) > 1:  # an uncertainty run's worlds are no grid: its decision section has who wins each world
        parts.append(_sweep_html(res, colors))
    ahead = len(decision_entries)  # figures numbered before the plan's and the Figures section's
    if companion is not None:
        section, ahead = _companion_html(companion, res.baseline, colors, 1)
        parts.append(section)

    parts.append('<h2 id="findings">What won on what</h2>')
    full_runs = read_any(results_dir / "runs") if len(res.cells) > 1 else None
    for k, cell in enumerate(res.cells):
        if len(res.cells) > 1:
            title = _world_title(res, k) if uncertain else "C" + _cell_title(res.cells, k, res.strategies)[1:]
            parts.append(f"<h3>{_e(title)}</h3>")
        runs = None
        if k == 0:
            runs = res.table("runs")
        else:
            runs = one_cell(full_runs, k) if full_runs is not None else None
        items = headline_findings(cell, runs, res.baseline)
        if len(res.cells) > 1:
            items = items[:3]  # a sweep: reach, cost and engagement rate per cell
        parts.append('<ul class="findings">' + "".join(f"<li><b>{_e(h)}:</b> {_e(t)}</li>" for h, t in items) + "</ul>")
        if k >= cap - 1 and len(res.cells) > cap:
            further = (f"{len(res.cells) - cap} further worlds: see the decision section above and summary.json"
                       if uncertain else f"{len(res.cells) - cap} further cells: see summary.json")
            parts.append(f'<p class="note">{further}.</p>')
            break
    parts.append('<p class="note">Intervals are 95% confidence intervals. All strategies ran on the same replicates '
                 '(common random numbers), so differences are paired and much tighter than the separate intervals.</p>')

    if uncertain:
        more = (f'<p class="note">Worlds {cap}-{len(res.cells) - 1}: see the decision section above (who wins each '
                f'world, by how much) and summary.json.</p>' if len(res.cells) > cap else "")
    else:
        more = (f'<p class="note">Cells {cap}-{len(res.cells) - 1}: see the sweep summary above and summary.json.</p>'
                if len(res.cells) > cap else "")
    parts.append('<h2 id="comparison">Comparison</h2>')
    parts.append(f'<p class="note">Mean per run, ± the 95% interval half-width, each value to the precision its '
                 f'interval supports; {EVERY_RUN}: the same value in every run. The best value of each row is '
                 f'highlighted.</p>')
    parts += _per_cell(res, lambda cell: _comparison_html(cell, colors), cap, uncertain) + [more]

    parts.append(f'<h2 id="paired">Differences against the baseline ({_e(res.baseline)})</h2>')
    parts.append(f'<p class="note">Strategy minus baseline on the same replicates, with the 95% interval in brackets '
                 f'({EVERY_RUN}: the same difference in every run); green: significantly better, orange: '
                 f'significantly worse, grey: not distinguishable (pts: percentage points).</p>')
    parts += _per_cell(res, lambda cell: _paired_html(cell, res.baseline, colors), cap, uncertain) + [more]

    if plan is not None:
        parts.append(_plan_html(results_dir, plan, plan_entries, ahead + 1))

    parts.append('<h2 id="figures">Figures</h2>')
    if index:
        parts.append('<p class="note">Click or tap a figure to see it at full size; close it with &times; or the '
                     'browser\'s Back.</p>')
    if decision_entries and other_entries:
        parts.append(f'<p class="note">The decision figures (1-{len(decision_entries)}) are in the decision section '
                     f'above; the figures here show world 0 only.</p>')
    for i, entry in enumerate(other_entries, ahead + len(plan_entries) + 1):
        parts.append(_figure_html(entry, i, folder))
    if not index:
        parts.append('<p class="note">No figures could be drawn for this results directory.</p>')

    parts.append('<h2 id="keynodes">Key nodes: who accelerates the spread</h2>')
    one_cell_note = (f'<p class="note">Sweep cell 0 only ({_e(cell_label(res.cells, 0, res.strategies))}); '
                     f'node and community tables of the other cells are in nodes.csv and communities.csv.</p>'
                     if len(res.cells) > 1 else "")
    if uncertain:
        one_cell_note = (f'<p class="note">{_e(_world_title(res, 0))} only; node and community tables of the other '
                         f'worlds are in nodes.csv and communities.csv.</p>')
    parts.append(one_cell_note)
    parts.append(_key_nodes_html(res, colors))
    parts.append('<h2 id="communities">Communities by penetration</h2>')
    parts.append(one_cell_note)
    parts.append(_communities_html(res))

    parts.append('<h2 id="config">Config and manifest</h2>')
    cfg = results_dir / "config.toml"
    parts.append("<details><summary>config.toml (the resolved config: rerun it with <code>virality run</code>)</summary>"
                 f"<pre>{_e(cfg.read_text(encoding='utf-8')) if cfg.exists() else 'config.toml not found'}</pre></details>")
    man = results_dir / "manifest.json"
    parts.append("<details><summary>manifest.json (versions, seed, platform, timings)</summary>"
                 f"<pre>{_e(man.read_text(encoding='utf-8')) if man.exists() else 'manifest.json not found'}</pre></details>")
    parts.append("</main></body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, "\n".join(parts))
    return out
