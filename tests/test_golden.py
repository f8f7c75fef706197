"""Golden tables: the flagship at 20 runs writes byte-identical tables to the ones recorded in
tests/golden/flagship_runs20.json. A refactor must not change them; a change meant to change results
updates the golden file in the same commit and says why."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from virality.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((ROOT / "tests" / "golden" / "flagship_runs20.json").read_text())


@pytest.fixture(scope="module")
def flagship(tmp_path_factory):
    out = tmp_path_factory.mktemp("flagship")
    code = main(["run", str(ROOT / "configs" / "mass_vs_micro.toml"), "--runs", str(GOLDEN["runs"]), "--out",
                 str(out), "--no-figures", "--quiet"])
    assert code == 0
    return out


@pytest.mark.parametrize("table", sorted(GOLDEN["tables"]))
def test_flagship_table_is_unchanged(flagship, table):
    data = (flagship / f"{table}.csv").read_bytes()
    want = GOLDEN["tables"][table]
    assert data.count(b"\n") - 1 == want["rows"]
    assert hashlib.sha256(data).hexdigest() == want["sha256"], f"{table}.csv differs from the golden table"


def test_every_finding_agrees_with_runs_csv_in_absolute_terms(flagship):
    """The report's "what won on what", recomputed from runs.csv alone: the named winner has the best value of
    the metric (a ratio of totals for rates and costs), and the value printed is that value."""
    import numpy as np

    from virality.catalog import FINDINGS, METRICS, RATIOS, fmt_value
    from virality.report import headline_findings
    from virality.results import Results

    res = Results(flagship)
    runs = res.table("runs")
    names = list(res.strategies)
    found = dict(headline_findings(res.cell, runs, res.baseline))
    checked = 0
    for metric, headline in FINDINGS:
        text = found.get(headline) or found.get(f"{headline}: a tie")
        assert text is not None, headline
        per = {}
        for n in names:
            sel = np.array([str(s) == n for s in runs["strategy"].tolist()])
            if metric in RATIOS:
                num, den = (np.asarray(runs[c], float)[sel].sum() for c in RATIOS[metric])
                per[n] = num / den if den else np.nan
            else:
                per[n] = np.asarray(runs[metric], float)[sel].mean()
        if metric == "cost_per_engagement":  # a strategy that spent nothing has no cost per engagement
            per = {n: v for n, v in per.items() if res.cell["summary"][n]["plan"]["spend"] > 0}
        better = METRICS[metric].better
        best = max(per, key=per.get) if better == "higher" else min(per, key=per.get)
        if f"{headline}: a tie" in found:
            assert best in text
        else:
            assert text.startswith(f"{best}: "), (headline, text, per)
            assert per[best] == pytest.approx(res.cell["summary"][best]["metrics"][metric]["value"], rel=1e-9)
            assert text.startswith(f"{best}: {fmt_value(metric, per[best])}") or \
                text.startswith(f"{best}: {fmt_value(metric, per[best], *(res.cell['summary'][best]['metrics'][metric][k] for k in ('low', 'high')))}")
        checked += 1
    assert checked == len(FINDINGS)
