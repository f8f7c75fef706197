"""Tables for people: the comparison table, key-node rankings and the HTML report of a results folder."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError

__all__ = ["comparison_rows", "print_comparison", "key_node_table", "write_report", "load_summary"]

_PERCENT = {"engagement_rate", "positive_share", "grassroots_share", "reach_share", "broadcast_share",
            "influencer_share", "conversion_rate"}
_MONEY = {"cost_per_engagement", "cost_per_conversion", "cost_per_thousand_reached"}


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
    from tabulate import tabulate

    from .experiment import read_table

    path = Path(results) / "nodes"
    if not path.with_suffix(".csv").exists():
        raise InputError(f"{path.with_suffix('.csv')}: not found; is {results} a finished results directory?")
    t = read_table(path)
    names = list(dict.fromkeys(t["strategy"].tolist()))
    if strategy is not None and strategy not in names:
        raise InputError(f"--strategy {strategy!r}: not in the results; strategies: {', '.join(names)}")
    texts, csv_rows = [], ["strategy,rank,node,followers,community,seeded,engage_probability,direct,ripple,bridging,early"]
    for name in [strategy] if strategy else names:
        sel = (t["strategy"] == name) & (t["cell"] == t["cell"].min())
        rho = spearman(t[by][sel], t["followers"][sel])
        order = np.flatnonzero(sel)[np.lexsort((t["node"][sel], -t[by][sel]))][:top]
        rows = []
        for rank, i in enumerate(order, 1):
            vals = [int(t["node"][i]), int(t["followers"][i]), int(t["community"][i]), "yes" if t["seeded"][i] else "",
                    f"{t['engage_probability'][i]:.3f}", f"{t['direct'][i]:.3f}", f"{t['ripple'][i]:.2f}",
                    f"{t['bridging'][i]:.3f}", f"{t['early'][i]:.3f}"]
            rows.append([rank, *vals])
            csv_rows.append(",".join(str(x) for x in [name, rank, *vals]))
        texts.append(f"\n== {name}: top {len(rows)} by {by}; Spearman correlation of {by} with followers: {rho:.2f}\n"
                     + tabulate(rows, headers=["rank", "node", "followers", "community", "seeded", "P(engage)",
                                               "direct", "ripple", "bridging", "early"]))
    return {"text": "\n".join(texts), "csv": "\n".join(csv_rows) + "\n"}


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
