#!/usr/bin/env python3
"""Regenerate the README's flagship table and figures from one run of the flagship.

    python3 tasks.py docs            # runs the flagship (python3 tasks.py flagship: about 5 minutes), then
                                     # updates README.md and docs/figures
    python3 tasks.py docs --reuse    # reuses results/mass_vs_micro (and its uncertainty/) if complete

Everything the README shows of the flagship comes from that one run: the comparison table between the
<!-- flagship-table --> markers, the findings between <!-- flagship-findings --> markers, the decision
under uncertainty (its uncertainty/ folder) between <!-- flagship-decision --> markers, and the figures
copied into docs/figures/.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from tabulate import tabulate

from virality.report import UNCERTAINTY_DIR, comparison_rows, headline_findings
from virality.results import Results
from virality.tables import read_table
from virality.uncertainty import decision_text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tasks import flagship  # noqa: E402  (the flagship's one definition: the run, its worlds and reports)

OUT = ROOT / "results" / "mass_vs_micro"
FIGURES = ("comparison_panel", "adoption_curves", "community_map", "channel_attribution", "cascade_tree",
           "penetration_heatmap")
#: the decision under uncertainty's figure (from the flagship's uncertainty/ folder)
DECISION_FIGURE = "decision_p_best"
#: the metrics whose P(best) table the README shows (the report has all four)
DECISION_METRICS = ("engaged", "cost_per_engagement")
#: rows of the comparison table the README shows (the full table is in the report)
ROWS = ("posts / airings", "unique exposed", "engaged (reach)", "engaged / exposed", "cost per engagement",
        "positive sentiment share", "contextual alignment index", "steps until", "steps to half of its own reach",
        "grassroots (peer) share", "engaged by peers", "structural virality")


def replace_between(text: str, marker: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {marker} -->\n).*?(<!-- /{marker} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {marker} --> ... <!-- /{marker} --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def _complete(folder: Path) -> bool:
    manifest = folder / "manifest.json"
    return manifest.exists() and json.loads(manifest.read_text())["status"] == "complete"


def main(argv: list[str]) -> int:
    if "--reuse" not in argv or not (_complete(OUT) and _complete(OUT / UNCERTAINTY_DIR)):
        if flagship(["--force", "--quiet"]) != 0:
            return 1
    res = Results(OUT)
    header, rows = comparison_rows(res.cell)
    shown = [r for r in rows if any(r[1].startswith(k) for k in ROWS)]
    table = "```\n" + tabulate(shown, headers=header, tablefmt="simple") + "\n```"
    findings = "\n".join(f"- **{h}:** {t}" for h, t in headline_findings(res.cell, res.table("runs"), res.baseline))
    readme = ROOT / "README.md"
    text = replace_between(readme.read_text(), "flagship-table", table)
    text = replace_between(text, "flagship-findings", findings)
    table = read_table(OUT / UNCERTAINTY_DIR / "decision")
    rows = [i for i, m in enumerate(table["metric"]) if str(m) in DECISION_METRICS]
    decision = decision_text({k: [v[i] for i in rows] for k, v in table.items()}, res.baseline).strip()
    text = replace_between(text, "flagship-decision", "```\n" + decision + "\n```")
    readme.write_text(text)
    for name in FIGURES:
        shutil.copyfile(OUT / "figures" / f"{name}.png", ROOT / "docs" / "figures" / f"{name}.png")
    shutil.copyfile(OUT / UNCERTAINTY_DIR / "figures" / f"{DECISION_FIGURE}.png",
                    ROOT / "docs" / "figures" / f"{DECISION_FIGURE}.png")
    print(f"README.md and docs/figures updated from {OUT} ({res.cell['n_runs']} runs per strategy)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
