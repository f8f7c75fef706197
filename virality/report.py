"""Tables for people: the comparison table, key-node rankings and the HTML report of a results folder."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError

__all__ = ["comparison_rows", "print_comparison", "key_node_table", "write_report", "load_summary", "key_node_rows",
           "headline_findings", "LOWER_IS_BETTER"]

_PERCENT = {"engagement_rate", "positive_share", "grassroots_share", "reach_share", "broadcast_share",
            "influencer_share", "conversion_rate"}
_MONEY = {"cost_per_engagement", "cost_per_conversion", "cost_per_thousand_reached"}
#: metrics where a smaller value is the better outcome
LOWER_IS_BETTER = {"cost_per_engagement", "cost_per_conversion", "cost_per_thousand_reached", "time_to_half",
                   "time_to_peak", "negative"}


def load_summary(results: Path) -> dict[str, Any]:
    path = Path(results) / "summary.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: not found; is {results} a finished results directory?") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def fmt(metric: str, value: float, interval: bool = False) -> str:
    """Human formatting of one metric value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if metric in _PERCENT:
        return f"{100 * value:.1f}%" if not interval else f"{100 * value:.1f}"
    if metric in _MONEY:
        return f"{value:,.2f}"
    if metric == "contextual_alignment":
        return f"{value:.3f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def comparison_rows(cell: dict[str, Any], with_ci: bool = True) -> tuple[list[str], list[list[str]]]:
    """The seed document's aspects as rows, strategies as columns (mean and 95% interval)."""
    from .experiment import ASPECTS

    names = cell["strategies"]
    header = ["aspect", "metric", *names]
    rows = []
    plan_rows = [("Plan", "spend", lambda s: f"{s['plan']['spend']:,.0f}"),
                 ("Plan", "posts / airings", lambda s: f"{s['plan']['posts']} / {s['plan']['airings']}")]
    for aspect, label, fn in plan_rows:
        rows.append([aspect, label, *[fn(cell["summary"][n]) for n in names]])
    for aspect, label, metric in ASPECTS:
        row = [aspect, label]
        for n in names:
            e = cell["summary"][n]["metrics"][metric]
            text = fmt(metric, e["value"])
            if with_ci and e["low"] is not None and math.isfinite(e["low"]) and e["high"] != e["low"]:
                text += f" ±{fmt(metric, (e['high'] - e['low']) / 2, True)}"
            row.append(text)
        rows.append(row)
    return header, rows


def print_comparison(results: Path) -> None:
    """Print the comparison table of every cell, and the paired differences against the baseline."""
    from tabulate import tabulate

    summary = load_summary(results)
    for cell in summary["cells"]:
        over = cell.get("overrides") or {}
        title = f"{summary['name']}" + (f"  {json.dumps(over)}" if over else "")
        print(f"\n== {title}: {cell['n_runs']} runs per strategy, graph {cell['graph']['name']} "
              f"(n={cell['graph']['n']:,}, arcs={cell['graph']['m']:,}); ± is the 95% interval half-width")
        header, rows = comparison_rows(cell)
        print(tabulate(rows, headers=header, tablefmt="simple"))
        base = summary["baseline"]
        diffs = []
        for n in cell["strategies"]:
            if n == base:
                continue
            d = cell["summary"][n]["vs_baseline"]
            diffs.append([n, *(f"{fmt(m, d[m]['value'])} [{fmt(m, d[m]['low'])}, {fmt(m, d[m]['high'])}]"
                               for m in ("engaged", "cost_per_engagement", "engagement_rate", "time_to_half"))])
        if diffs:
            print(f"\npaired differences vs {base!r} (same replicates; 95% intervals):")
            print(tabulate(diffs, headers=["strategy", "engaged", "cost per engagement", "engagement rate", "steps to half"]))


def key_node_table(results: Path, *, strategy: str | None = None, by: str = "ripple", top: int = 15) -> dict[str, str]:
    """Top key nodes per strategy by ``by``, with the Spearman rank correlation of ``by`` with followers."""
    import csv
    import io

    from tabulate import tabulate

    from .experiment import read_table

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
    writer.writerow(["strategy", "rank", "node", "followers", "community", "seeded", "engage_probability", "direct",
                     "ripple", "bridging", "early"])
    texts = []
    for item in key_node_rows(cell, by=by, top=top, strategies=[strategy] if strategy else names, summary_cell=summary_cell):
        for row in item["rows"]:
            writer.writerow([item["strategy"], *[x.replace(",", "") for x in row]])
        texts.append(f"\n== {item['strategy']}: top {len(item['rows'])} by {by}; Spearman correlation of {by} with "
                     f"followers over {item['stored']:,} people: {item['rho']:.2f}\n"
                     + tabulate(item["rows"], headers=item["header"]))
    return {"text": "\n".join(texts), "csv": buf.getvalue()}


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    if a.size < 2:
        return math.nan

    def ranks(x: np.ndarray) -> np.ndarray:
        order = np.argsort(x, kind="stable")
        r = np.empty(x.size)
        r[order] = np.arange(x.size)
        _, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
        sums = np.bincount(inv, weights=r)
        return sums[inv] / counts[inv]

    ra, rb = ranks(np.asarray(a, float)), ranks(np.asarray(b, float))
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


def write_report(results: Path, out: Path | None = None) -> Path:
    """Write a self-contained HTML report (figures embedded) of a results directory."""
    from .plots import html_report

    return html_report(Path(results), out)


def key_node_rows(nodes: dict[str, np.ndarray], *, by: str = "ripple", top: int = 10,
                  strategies: list[str] | None = None, summary_cell: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Top key nodes per strategy from a nodes table (one cell's rows), with Spearman's rho to followers.

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
        One per strategy: ``strategy``, ``rho`` (Spearman correlation of ``by`` with followers over
        all nodes when the summary has it, else over the stored rows), ``stored`` (how many nodes the
        correlation is over), ``header`` and ``rows`` (strings).
    """
    col = nodes["strategy"]
    names = strategies or list(dict.fromkeys(str(x) for x in col.tolist()))
    header = ["rank", "node", "followers", "community", "hired", "P(engage)", "direct", "ripple", "bridging", "early"]
    out = []
    for name in names:
        sel = np.flatnonzero(np.array([str(x) == name for x in col.tolist()]))
        if sel.size == 0:
            continue
        rho = spearman(np.asarray(nodes[by], float)[sel], np.asarray(nodes["followers"], float)[sel])
        stored = int(sel.size)
        whole = ((summary_cell or {}).get("summary", {}).get(name, {}).get("key_nodes") or {})
        if f"spearman_{by}_followers" in whole:
            rho, stored = whole[f"spearman_{by}_followers"], whole["nodes"]
        order = sel[np.lexsort((np.asarray(nodes["node"])[sel], -np.asarray(nodes[by], float)[sel]))][:top]
        rows = []
        for rank, i in enumerate(order, 1):
            rows.append([str(rank), str(int(nodes["node"][i])), f"{int(nodes['followers'][i]):,}",
                         str(int(nodes["community"][i])), "yes" if nodes["seeded"][i] else "",
                         f"{nodes['engage_probability'][i]:.3f}", f"{nodes['direct'][i]:.3f}",
                         f"{nodes['ripple'][i]:.2f}", f"{nodes['bridging'][i]:.3f}", f"{nodes['early'][i]:.3f}"])
        out.append({"strategy": name, "rho": rho, "stored": stored, "header": header, "rows": rows})
    return out


#: (metric, headline) pairs of :func:`headline_findings`, in order
FINDINGS = [
    ("engaged", "Most people engaged"),
    ("cost_per_engagement", "Lowest cost per engagement"),
    ("engagement_rate", "Highest engagement rate"),
    ("time_to_half", "Fastest"),
    ("unique_exposed", "Widest audience"),
    ("contextual_alignment", "Best contextual alignment"),
    ("grassroots_share", "Most word of mouth"),
]
_UNITS = {"engaged": " people per run", "unique_exposed": " people exposed per run", "cost_per_engagement": " per engagement",
          "time_to_half": " steps to half of its final reach", "engagement_rate": " of the people exposed engaged",
          "contextual_alignment": " alignment index", "grassroots_share": " of engagements came from peers"}


def _diff_text(metric: str, d: float) -> str:
    if metric in _PERCENT:
        return f"{100 * d:+.1f} pts"
    sign = "+" if d >= 0 else "-"
    if metric in _MONEY and abs(d) < 1:
        return f"{sign}{abs(d):.3f}"
    return sign + fmt(metric, abs(d))


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
    from .metrics import paired

    names = list(cell["strategies"])
    baseline = baseline if baseline in names else names[0]
    value = {n: {m: e["value"] for m, e in cell["summary"][n]["metrics"].items()} for n in names}

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
        cands = [n for n in names if ok(value[n].get(metric)) and (metric != "time_to_half" or value[n].get("engaged", 0) > 0)]
        if metric in ("cost_per_engagement",):
            cands = [n for n in cands if cell["summary"][n]["plan"].get("spend", 0) > 0]
        if not cands:
            continue
        low = metric in LOWER_IS_BETTER
        ranked = sorted(cands, key=lambda n: value[n][metric], reverse=not low)
        best = ranked[0]
        v = value[best][metric]
        text = f"{best}: {fmt(metric, v)}{_UNITS.get(metric, '')}"
        if len(ranked) > 1:
            second = ranked[1]
            if value[second][metric] == v:
                text += f" (tied with {second})"
            else:
                text += f"; runner-up {second}: {fmt(metric, value[second][metric])}"
                a, b = per_run(best), per_run(second)
                if a is not None and b is not None and a.get("engaged", np.zeros(0)).size == b.get("engaged", np.zeros(0)).size:
                    try:
                        e = paired(a, b, [metric])[metric]
                    except (KeyError, ValueError):
                        e = None
                    if e is not None and ok(e.low) and ok(e.high):
                        sure = (e.low > 0 or e.high < 0)
                        text += (f" (paired difference {_diff_text(metric, e.value)}, 95% interval "
                                 f"{_diff_text(metric, e.low)} to {_diff_text(metric, e.high)}"
                                 + ("" if sure else "; not distinguishable from the runner-up") + ")")
        if best != baseline and ok(value[baseline].get(metric)) and metric in ("engaged", "cost_per_engagement") \
                and value[baseline][metric] > 0:
            text += f"; {v / value[baseline][metric]:.2f}x the baseline {baseline}"
        out.append((headline, text + "."))
    return out
