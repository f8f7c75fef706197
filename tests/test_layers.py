"""The package's layers: each module imports only from lower layers (read from the source with ``ast``).

The order is the README's Layout section. A lower layer importing a higher one fails here, and so does
an import cycle; a function-local import of the package counts like a top-level one (a lazy import
that closes a loop is still a loop).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from virality import Graph, Influencers, Plan, codes, run_campaign

PACKAGE = Path(__file__).resolve().parents[1] / "virality"

#: module -> layer; a module may import modules of a strictly lower layer, or of its own layer without a cycle
LAYERS = {
    "errors": 0, "rng": 0, "_headers": 0, "codes": 0, "files": 0, "_version": 0, "_kernels": 0, "_rr": 0,
    "graph": 1, "_build": 1,
    "generators": 2, "io": 2, "store": 2, "convert": 2, "datasets": 2,
    "models": 3, "pricing": 3,
    "strategies": 4, "campaign": 4,
    "cascades": 5, "checkpoints": 5, "fitting": 5, "metrics": 5, "catalog": 5,
    "config": 6, "tables": 6,
    "experiment": 7, "cluster": 7, "graph_cache": 7,
    "results": 8, "uncertainty": 8, "planner": 8, "plan_text": 8,
    "plots": 9, "maps": 9, "decision_plots": 9,
    "figures": 10, "plan_figures": 10,
    "report": 11,
    "calibrate": 8, "fit_plots": 10,  # virality fit: beside uncertainty, and beside plan_figures
    "cli": 12,
    "__init__": 13,
}


def package_imports(path: Path) -> set[str]:
    """Modules of the package imported anywhere in a file (relative or absolute imports)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:  # from . import a, b
                found.update(alias.name for alias in node.names)
            elif node.level == 0 and node.module and node.module.split(".")[0] == "virality":
                parts = node.module.split(".")
                found.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "virality" and len(parts) > 1:
                    found.add(parts[1])
    return found


def graph() -> dict[str, set[str]]:
    return {p.stem: package_imports(p) & set(LAYERS) for p in sorted(PACKAGE.glob("*.py"))}


def test_every_module_has_a_layer():
    assert {p.stem for p in PACKAGE.glob("*.py")} == set(LAYERS)


def test_imports_go_down_only():
    upward = [f"{mod} (layer {LAYERS[mod]}) imports {dep} (layer {LAYERS[dep]})"
              for mod, deps in graph().items() for dep in sorted(deps) if LAYERS[dep] > LAYERS[mod]]
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    deps = graph()
    state: dict[str, int] = {}

    def visit(mod: str, path: list[str]) -> None:
        state[mod] = 1
        for dep in sorted(deps[mod]):
            if dep == mod:
                continue
            if state.get(dep) == 1:
                pytest.fail("import cycle: " + " -> ".join(path[path.index(dep):] + [dep]))
            if dep not in state:
                visit(dep, path + [dep])
        state[mod] = 2

    for mod in deps:
        if mod not in state:
            visit(mod, [mod])


def test_the_checker_sees_lazy_and_absolute_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import numpy\nfrom . import plots\ndef f():\n    from .report import x\n    import virality.cli\n"
                 "    from virality import catalog\n")
    assert package_imports(f) == {"plots", "report", "cli", "catalog"}


def test_no_module_is_over_1200_lines():
    long = {p.name: n for p in PACKAGE.glob("*.py") if (n := len(p.read_text().splitlines())) > 1200}
    assert not long


# ------------------------------------------------------------------------------------- named kernel outputs
def test_kernel_column_names_match_the_kernel():
    assert len(codes.RUN_METRICS) == codes.N_RUN_METRICS == len(set(codes.RUN_METRICS))
    assert len(codes.NODE_STATS) == codes.N_NODE_STATS
    assert len(codes.COMMUNITY_COUNTS) == codes.N_COMMUNITY_COUNTS
    for names, prefix in ((codes.RUN_METRICS, "M_"), (codes.NODE_STATS, "S_"), (codes.COMMUNITY_COUNTS, "C_")):
        for i, name in enumerate(names):
            consts = [k for k, v in vars(codes).items() if k.startswith(prefix) and v == i]
            assert consts, f"no {prefix} constant for column {i} ({name})"
    assert codes.M_ENGAGED_PEER - codes.M_ENGAGED_BROADCAST == codes.CH_PEER - codes.CH_BROADCAST  # the kernel's offset
    # the kernel writes exactly these columns: a star whose centre posts, every follower engages by the post
    g = Graph.from_edges([0, 0, 0], [1, 2, 3], prob=0.0)
    res = run_campaign(g, Plan(influencers=Influencers(nodes=(0,), trust=1.0)), runs=2, rng=1)
    assert res.raw.shape == (2, codes.N_RUN_METRICS)
    assert res.node_stats.shape == (4, codes.N_NODE_STATS)
    assert res.community.shape[-1] == codes.N_COMMUNITY_COUNTS
    row = dict(zip(codes.RUN_METRICS, res.raw[0]))
    assert (row["engaged"], row["engaged_influencer"], row["impressions_influencer"], row["seeds_and_posters"]) == (3, 3, 3, 1)
    assert row["unique_exposed"] == 3 and row["engaged_peer"] == row["engaged_broadcast"] == 0
    assert np.array_equal(res.node_stats[0], [0, 2 * 3, 2 * 3, 0, 0])  # poster: 3 direct and 3 downstream per run
