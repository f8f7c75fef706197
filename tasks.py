#!/usr/bin/env python3
"""The project's two commands, each doing its own set-up on a fresh machine (only Python 3.11+ needed).

    python3 tasks.py flagship   # set up, run the mass-media-vs-influencer experiment at the medians and over
                                # worlds drawn from its ranges, write results + figures + report
    python3 tasks.py test       # set up, run the test suite

(and, for maintainers, ``python3 tasks.py docs``: rerun the flagship and rewrite the README's table,
findings and figures from that one run)

Set-up: a virtual environment in .venv with the package installed in editable mode and its extras,
reinstalled only when pyproject.toml changes. Extra arguments go to the command (e.g. pytest -k bass).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
EXTRAS = "test,dask,parquet,uncertainty"


def setup() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"virality needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    stamp = VENV / ".installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == want and PY.exists():
        return
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing virality and its dependencies (first time: a minute or two)", flush=True)
    subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{EXTRAS}]"], check=True)
    stamp.write_text(want)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("flagship", "test", "docs"):
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    setup()
    if command == "test":
        return subprocess.run([str(PY), "-m", "pytest", *rest], cwd=ROOT).returncode
    if command == "docs":
        return subprocess.run([str(PY), str(ROOT / "docs" / "regenerate.py"), *rest], cwd=ROOT).returncode
    return flagship(rest)


#: the flagship's decision under uncertainty: worlds drawn over the config's ranges, replicates per world
FLAGSHIP_WORLDS, FLAGSHIP_WORLD_RUNS = 32, 20


def flagship(rest: list[str]) -> int:
    """The flagship at the ranges' medians, then over worlds drawn from them (into its uncertainty/ folder),
    then both reports: results/mass_vs_micro/report.html opens with each strategy's probability of being best."""
    out = ROOT / "results" / "mass_vs_micro"
    virality, config = str(BIN / "virality"), str(ROOT / "configs" / "mass_vs_micro.toml")
    again = [a for a in rest if a in ("--force", "--resume", "--quiet")]
    steps = [[virality, "run", config, "--out", str(out), "--no-report", *rest],
             [virality, "uncertainty", config, "--worlds", str(FLAGSHIP_WORLDS), "--runs", str(FLAGSHIP_WORLD_RUNS),
              "--out", str(out / "uncertainty"), *again],  # draws its figures and report
             [virality, "report", str(out)]]
    for step in steps:
        code = subprocess.run(step, cwd=ROOT).returncode
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
