"""Experiment configs: validation messages, --set overrides, sweep expansion, paths, the written config."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, TINY

from virality.config import (
    GENERATORS,
    Experiment,
    expand_cells,
    load_config,
    parse_config,
    to_toml,
)
from virality.errors import InputError
from virality.strategies import STRATEGIES

CONFIGS = sorted((ROOT / "configs").glob("*.toml"))

BASE = TINY.replace("[prices]", "[audience]\nshare_rate = 0.3\n\n[prices]")

TOP_KEYS = ("audience, baseline, batch, broadcast, description, executor, graph, influencers, max_runs, max_steps, "
            "name, optimize, outputs, precision, prices, runs, scheduler, seed, strategy, sweep, tiers, workers")


def write(folder: Path, text: str, name: str = "exp.toml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def err(path: Path, message: str) -> str:
    """The full expected error message, as a regex matching it exactly."""
    return "^" + re.escape(f"{path}: {message}") + "$"


# ------------------------------------------------------------------------------------- unknown keys
def test_unknown_top_level_key_names_file_key_and_valid_keys(tmp_path):
    path = write(tmp_path, "colour = 'red'\n" + BASE)
    with pytest.raises(InputError, match=err(path, f"colour: unknown key; valid keys: {TOP_KEYS}")):
        load_config(path)


def test_unknown_audience_key(tmp_path):
    path = write(tmp_path, BASE.replace("share_rate = 0.3", "share_rate = 0.3\nshare_prob = 0.2"))
    valid = "alignment, alignment_random, convert_rate, peer_positive, peer_trust, share_rate, share_steps"
    with pytest.raises(InputError, match=err(path, f"audience.share_prob: unknown key; valid keys: {valid}")):
        load_config(path)


def test_unknown_key_in_a_strategy_entry(tmp_path):
    path = write(tmp_path, BASE + 'colour = "red"\n')  # lands in the second [[strategy]]
    valid = "broadcast, budget, influencers, leftover, name, seeds"
    with pytest.raises(InputError, match=err(path, f"strategy[1].colour: unknown key; valid keys: {valid}")):
        load_config(path)


def test_unknown_key_in_a_strategy_channel_table(tmp_path):
    path = write(tmp_path, BASE.replace("{ airings = 2 }", "{ airings = 2, rech = 0.5 }"))
    valid = "airings, lead_time, positive, reach, share, spacing, target, trust"
    with pytest.raises(InputError, match=err(path, f"strategy[0].broadcast.rech: unknown key; valid keys: {valid}")):
        load_config(path)


# ------------------------------------------------------------------------------------- types and ranges
def test_wrong_type_names_key_value_and_alternatives(tmp_path):
    path = write(tmp_path, BASE.replace("runs = 20", 'runs = "many"'))
    with pytest.raises(InputError, match=err(
            path, "runs: Input should be a valid integer, unable to parse string as an integer; "
                  "or Input should be 'auto' (got 'many')")):
        load_config(path)


@pytest.mark.parametrize("old, new, message", [
    ("share_rate = 0.3", "share_rate = 1.5", "audience.share_rate: Input should be less than or equal to 1 (got 1.5)"),
    ("budget = 10\nbroadcast", "budget = -5\nbroadcast",
     "strategy[0].budget: Input should be greater than or equal to 0 (got -5)"),
    ("{ airings = 2 }", "{ reach = 2 }", "strategy[0].broadcast.reach: Input should be less than or equal to 1 (got 2)"),
    ("runs = 20", "runs = 0", "runs: runs must be a positive integer or 'auto', got 0"),
    ("p = 0.1", "p = 1.5", "graph.p: p must lie in [0, 1] or be 'weighted_cascade' or 'file', got 1.5"),
    ('select = "top_degree"', 'select = "loudest"',
     f"strategy[1].influencers.select: unknown strategy 'loudest'; valid: {', '.join(STRATEGIES)}"),
])
def test_out_of_range_names_dotted_key_and_value(tmp_path, old, new, message):
    assert old in BASE
    path = write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(InputError, match=err(path, message)):
        load_config(path)


def test_short_tier_bounds(tmp_path):
    path = write(tmp_path, BASE + "\n[tiers]\nbounds = [80, 95, 99]\n")
    with pytest.raises(InputError, match=err(path, "tiers.bounds: too few values (got [80, 95, 99])")):
        load_config(path)


def test_unknown_generator_lists_valid_ones(tmp_path):
    path = write(tmp_path, BASE.replace('generator = "social_graph"', 'generator = "small_world"'))
    with pytest.raises(InputError, match=err(
            path, f"graph.generator: unknown generator 'small_world'; valid: {', '.join(GENERATORS)}")):
        load_config(path)
    assert {"social_graph", "erdos_renyi", "barabasi_albert", "watts_strogatz"} <= set(GENERATORS)
    with pytest.raises(InputError, match=r"valid: .*social_graph"):
        load_config(path)


def test_unknown_generator_parameter_lists_valid_ones(tmp_path):
    path = write(tmp_path, BASE.replace("communities = 5", "clusters = 5"))
    with pytest.raises(InputError, match=err(
            path, "graph: social_graph has no parameter 'clusters'; valid: n, communities, mean_degree, mixing, "
                  "exponent, community_sizes, reciprocity")):
        load_config(path)


def test_unknown_dataset_and_two_graph_sources(tmp_path):
    path = write(tmp_path, BASE.replace('generator = "social_graph"\nn = 300\ncommunities = 5', 'dataset = "twitter"'))
    with pytest.raises(InputError, match=err(path, "graph.dataset: unknown dataset 'twitter'; valid: facebook, "
                                                   "email-eu-core, nethept, nethept-undirected")):
        load_config(path)
    path = write(tmp_path, BASE.replace("n = 300", 'n = 300\ndataset = "facebook"'))
    with pytest.raises(InputError, match=err(path, "graph: give exactly one of generator, dataset or file "
                                                   "(got generator, dataset)")):
        load_config(path)


def test_bad_toml_names_file_and_line(tmp_path):
    path = write(tmp_path, BASE.replace("runs = 20", "runs = = 20"))
    with pytest.raises(InputError, match=re.escape(f"{path}: not valid TOML: ") + r".*line 3"):
        load_config(path)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(InputError, match=err(path, "config file not found")):
        load_config(path)


def test_duplicate_strategy_names(tmp_path):
    path = write(tmp_path, BASE.replace('name = "inf"', 'name = "tv"'))
    with pytest.raises(InputError, match=err(path, "strategy names must be unique; repeated: tv")):
        load_config(path)


def test_missing_graph_and_strategies(tmp_path):
    path = write(tmp_path, 'name = "x"\n[[strategy]]\nname = "a"\n')
    with pytest.raises(InputError, match=err(path, "graph: required key is missing")):
        load_config(path)
    path = write(tmp_path, '[graph]\ngenerator = "social_graph"\nn = 100\n')
    with pytest.raises(InputError, match=err(path, "strategy: required key is missing")):
        load_config(path)


def test_baseline_must_be_a_strategy(tmp_path):
    path = write(tmp_path, 'baseline = "radio"\n' + BASE)
    with pytest.raises(InputError, match=err(path, "baseline 'radio' is not a strategy; strategies: tv, inf")):
        load_config(path)


# ------------------------------------------------------------------------------------- --set overrides
def test_overrides_apply(tmp_path):
    path = write(tmp_path, BASE)
    exp, raw = load_config(path, ["runs=5", "audience.share_rate=0.3", "strategy.1.budget=100", 'name="other"',
                                  "seed = 11", "executor=dask", "audience.alignment=[0.5, 1.0]"])
    assert exp.runs == 5
    assert exp.audience.share_rate == 0.3
    assert [s.budget for s in exp.strategy] == [10, 100]
    assert exp.name == "other" and exp.seed == 11 and exp.executor == "dask"  # a bare word is a string
    assert exp.audience.alignment == [0.5, 1.0]
    assert raw["strategy"][1]["budget"] == 100 and raw["runs"] == 5
    exp2, _ = load_config(path, ["strategy[1].budget=100", "runs=auto"])
    assert [s.budget for s in exp2.strategy] == [10, 100] and exp2.runs == "auto"
    # a new table is created on demand
    exp3, _ = load_config(path, ["broadcast.trust=0.5", "strategy.0.broadcast.reach=0.25"])
    assert exp3.broadcast.trust == 0.5
    assert exp3.channel(exp3.strategy[0], "broadcast").reach == 0.25


def test_bad_overrides(tmp_path):
    path = write(tmp_path, BASE)
    with pytest.raises(InputError, match=r"^--set 'runs': expected key=value"):
        load_config(path, ["runs"])
    with pytest.raises(InputError, match=r"^--set strategy\.5\.budget: strategy has 2 entries; '5' is not an index$"):
        load_config(path, ["strategy.5.budget=1"])
    with pytest.raises(InputError, match=r"^--set runs\.x: runs is a value, not a table$"):
        load_config(path, ["runs.x=1"])
    # a valid override with a bad value is reported like the same value in the file
    with pytest.raises(InputError, match=err(path, "audience.share_rate: Input should be less than or equal to 1 (got 2)")):
        load_config(path, ["audience.share_rate=2"])
    with pytest.raises(InputError, match=re.escape(f"{path}: audience.share_rat: unknown key; valid keys: alignment,")):
        load_config(path, ["audience.share_rat=0.2"])


# ------------------------------------------------------------------------------------- sweeps
def test_sweep_grid_expands_to_cartesian_cells(tmp_path):
    path = write(tmp_path, BASE + '\n[sweep]\n"audience.share_rate" = [0.1, 0.2, 0.4]\n"strategy.1.budget" = [10, 30]\n')
    exp, raw = load_config(path)
    cells = expand_cells(exp, raw, str(path))
    assert len(cells) == 6
    want = [{"audience.share_rate": s, "strategy.1.budget": b} for s in (0.1, 0.2, 0.4) for b in (10, 30)]
    assert [over for over, _ in cells] == want
    for over, spec in cells:
        assert isinstance(spec, Experiment)
        assert spec.audience.share_rate == over["audience.share_rate"]
        assert spec.strategy[1].budget == over["strategy.1.budget"]
        assert spec.strategy[0].budget == 10 and spec.sweep == {}  # the rest is untouched
    # the config itself is unchanged by the expansion
    assert exp.audience.share_rate == 0.3 and raw["audience"]["share_rate"] == 0.3


def test_sweep_nested_table_keys_equal_quoted_keys(tmp_path):
    quoted = write(tmp_path, BASE + '\n[sweep]\n"audience.share_rate" = [0.1, 0.2]\n', "q.toml")
    nested = write(tmp_path, BASE + "\n[sweep]\naudience.share_rate = [0.1, 0.2]\n", "n.toml")
    a = expand_cells(*load_config(quoted))
    b = expand_cells(*load_config(nested))
    assert [o for o, _ in a] == [o for o, _ in b] == [{"audience.share_rate": 0.1}, {"audience.share_rate": 0.2}]
    assert [s for _, s in a] == [s for _, s in b]


def test_sweep_zip_moves_keys_in_lockstep(tmp_path):
    path = write(tmp_path, BASE + '\n[sweep]\n"strategy.0.budget" = [10, 20, 40]\n"strategy.1.budget" = [11, 21, 41]\n'
                                  'seed = [1, 2]\nzip = [["strategy.0.budget", "strategy.1.budget"]]\n')
    cells = expand_cells(*load_config(path))
    assert len(cells) == 6
    pairs = [(o["strategy.0.budget"], o["strategy.1.budget"], o["seed"]) for o, _ in cells]
    assert pairs == [(b0, b1, s) for b0, b1 in ((10, 11), (20, 21), (40, 41)) for s in (1, 2)]
    assert all((sp.strategy[0].budget, sp.strategy[1].budget, sp.seed) == p for (_, sp), p in zip(cells, pairs))


def test_sweep_errors(tmp_path):
    path = write(tmp_path, BASE + '\n[sweep]\n"strategy.0.budget" = [10, 20, 40]\n"strategy.1.budget" = [11, 21]\n'
                                  'zip = [["strategy.0.budget", "strategy.1.budget"]]\n')
    with pytest.raises(InputError, match=re.escape(
            f"{path}: sweep.zip keys ['strategy.0.budget', 'strategy.1.budget'] must have lists of equal length, got [2, 3]")):
        expand_cells(*load_config(path), str(path))
    path = write(tmp_path, BASE + '\n[sweep]\n"seed" = [1, 2]\nzip = [["seed", "runs"]]\n')
    with pytest.raises(InputError, match=re.escape(f"{path}: sweep.zip entries must list keys of [sweep], got ['seed', 'runs']")):
        expand_cells(*load_config(path), str(path))
    path = write(tmp_path, BASE + '\n[sweep]\nseed = 3\n')
    with pytest.raises(InputError, match=err(path, "sweep.seed must be a list of values, got 3")):
        load_config(path)
    # a bad value in a sweep names the cell and the key
    path = write(tmp_path, BASE + '\n[sweep]\n"audience.share_rate" = [0.5, 1.5]\n')
    with pytest.raises(InputError, match=re.escape(
            f'{path} (sweep cell {{"audience.share_rate": 1.5}}): audience.share_rate: Input should be less than or equal to 1')):
        expand_cells(*load_config(path), str(path))


def test_no_sweep_is_one_cell(tmp_path):
    exp, raw = load_config(write(tmp_path, BASE))
    assert expand_cells(exp, raw) == [({}, exp)]


# ------------------------------------------------------------------------------------- paths
def test_graph_file_resolves_relative_to_config_folder(tmp_path, monkeypatch):
    text = BASE.replace('generator = "social_graph"\nn = 300\ncommunities = 5', 'file = "../data/edges.txt"\nlabels = "labels.txt"')
    path = write(tmp_path / "configs" / "sub", text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    exp, raw = load_config(path)
    assert Path(exp.graph.file) == (tmp_path / "configs" / "data" / "edges.txt").resolve()
    assert Path(exp.graph.labels) == (tmp_path / "configs" / "sub" / "labels.txt").resolve()
    assert raw["graph"]["file"] == exp.graph.file
    # a path given on the command line is relative to the working folder, as usual for command lines
    exp2, _ = load_config(path, ["graph.file=mine.txt"])
    assert Path(exp2.graph.file) == (elsewhere / "mine.txt").resolve()
    assert Path(exp2.graph.labels) == (tmp_path / "configs" / "sub" / "labels.txt").resolve()


# ------------------------------------------------------------------------------------- the written config
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_written_config_parses_back_to_the_same_spec(path):
    exp, raw = load_config(path, ["runs=7"])
    again = tomllib.loads(to_toml(raw))
    assert again == raw
    assert parse_config(again) == exp
    assert [s for _, s in expand_cells(parse_config(again), again)] == [s for _, s in expand_cells(exp, raw)]


def test_written_config_keeps_odd_strings(tmp_path):
    path = write(tmp_path, BASE.replace('name = "tv"', 'name = "café 😀 \\"quoted\\" \\\\ tab\\t"'))
    exp, raw = load_config(path, ['description="line\\nbreak"'])
    assert exp.strategy[0].name == 'café 😀 "quoted" \\ tab\t'
    assert parse_config(tomllib.loads(to_toml(raw))) == exp


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/elsewhere", "a/b", ".hidden", "..", "x" * 300, "nul\x00byte"])
def test_a_name_is_one_safe_folder_name(tmp_path, name):
    path = write(tmp_path, BASE.replace('name = "tiny"', f"name = {json.dumps(name)}"))
    with pytest.raises(InputError, match=r"name: .* cannot name a folder under results/.*--out DIR"):
        load_config(path)
