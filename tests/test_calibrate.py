"""``virality fit``: a pilot's CSV read or refused by line and column; ABC-SMC against an analytic posterior;
fits reproducible by seed; a two-parameter synthetic pilot recovered within its 95% intervals; the fitted config
loads and runs. (Calibration over many data sets is ``experiments/validation/sbc_fit.py``.)"""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest

from virality.calibrate import (CHANNELS, Observed, PilotSimulator, abc_smc, fit, pilot_simulator, read_observed,
                                weighted_quantile, write_observed)
from virality.cli import main
from virality.config import config_ranges, load_config
from virality.errors import InputError
from virality.experiment import run_experiment
from virality.tables import read_table

CONFIG = """
name = "tiny_pilot"
seed = 5
runs = 20
max_steps = 8

[graph]
generator = "social_graph"
n = 200
communities = 4
mean_degree = 8
p = { uniform = [0.03, 0.3] }

[audience]
share_rate = 0.5

[influencers]
trust = { uniform = [0.1, 0.5] }
lead_time = 1

[[strategy]]
name = "micro pilot"
budget = 20
influencers = { select = "one_per_community", tier = "micro" }
"""
TRUTH = {"graph.p": 0.15, "influencers.trust": 0.3}


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("fit") / "tiny.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture(scope="module")
def pilot(config):
    """A synthetic pilot of the config's strategy at TRUTH, as a CSV."""
    _, _, sim = pilot_simulator(config)
    counts = sim(TRUTH, np.random.SeedSequence([77, 1]))
    return write_observed(config.parent / "pilot.csv", Observed(sim.observed.steps, counts))


@pytest.fixture(scope="module")
def fitted(config, pilot):
    out = config.parent / "fit_out"
    assert main(["fit", str(config), "--data", str(pilot), "--out", str(out), "--particles", "60",
                 "--generations", "5", "--quiet"]) == 0
    return out


# ------------------------------------------------------------------------------------- the pilot's CSV
@pytest.mark.parametrize("text, wanted", [
    ("step,count\n0,1\n", "pilot.csv:1: missing column(s) engaged"),
    ("step,engaged,region\n0,1,x\n", "pilot.csv:1: unknown column(s) region"),
    ("step,engaged\n0,1\n1.5,2\n", "pilot.csv:3: column step: step '1.5' is not a whole number"),
    ("step,engaged\n0,1\nfirst,2\n", "pilot.csv:3: column step: step 'first' is not a number"),
    ("step,engaged\n0,1\n1,-2\n", "pilot.csv:3: column engaged: engaged '-2' is negative"),
    ("step,engaged,channel\n0,1,peer\n1,2,radio\n", "pilot.csv:3: column channel: unknown channel 'radio'"),
    ("step,engaged,community\n0,1,0\n1,2,9\n", "pilot.csv:3: column community: unknown community '9'"),
    ("step,engaged\n0,1\n0,2\n", "pilot.csv:3: step 0 repeats line 2"),
    ("step,engaged\n0,1\n99,2\n", "pilot.csv:3: column step: step 99 is past the config's max_steps = 8"),
    ("step,engaged\n", "no data rows"),
])
def test_bad_pilot_csv_names_file_line_and_column(tmp_path, text, wanted):
    path = tmp_path / "pilot.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_observed(path, communities=4, max_steps=8)
    assert wanted in str(err.value)


def test_split_pilot_reads_back_with_missing_cells_as_zero(tmp_path):
    path = tmp_path / "pilot.csv"
    path.write_text("step,engaged,channel,community\n1,5,influencer,0\n1,2,peer,1\n3,1,peer,A\n")
    obs = read_observed(path, communities=2, names=["Z", "A"])
    assert obs.steps.tolist() == [1, 3] and obs.channels == ("influencer", "peer") and obs.communities == (0, 1)
    assert obs.counts.tolist() == [[[5, 0], [0, 2]], [[0, 0], [0, 1]]]
    again = read_observed(write_observed(tmp_path / "again.csv", obs), communities=2)
    assert again.counts.tolist() == obs.counts.tolist() and again.steps.tolist() == obs.steps.tolist()


def test_cli_refuses_a_bad_pilot_with_exit_2(config, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("step,engaged\n0,x\n")
    assert main(["fit", str(config), "--data", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.csv:2: column engaged" in err and "Traceback" not in err


def test_a_config_without_ranges_has_nothing_to_fit(tmp_path, pilot):
    path = tmp_path / "fixed.toml"
    path.write_text(CONFIG.replace("p = { uniform = [0.03, 0.3] }", "p = 0.1")
                    .replace("trust = { uniform = [0.1, 0.5] }", "trust = 0.3"))
    with pytest.raises(InputError, match="nothing to fit"):
        pilot_simulator(path, pilot)


# ------------------------------------------------------------------------------------- the simulator and ABC-SMC
def test_split_counts_add_up_to_the_pilot_curve(config):
    """Counting records by step, channel and community gives the kernel's own new engagements per step."""
    _, raw, whole = pilot_simulator(config)
    steps = whole.observed.steps
    split = PilotSimulator(raw, config_ranges(raw), 0, Observed(steps, np.zeros((steps.size, len(CHANNELS), 4), int),
                                                                CHANNELS, (0, 1, 2, 3)))
    for k in range(3):
        seq = [9, k]
        a = whole(TRUTH, np.random.SeedSequence(seq))[:, 0, 0]
        b = split(TRUTH, np.random.SeedSequence(seq))
        assert b.sum(axis=(1, 2)).tolist() == a.tolist() and a.sum() > 0
        assert b[:, CHANNELS.index("influencer")].sum() > 0 and b[:, CHANNELS.index("broadcast")].sum() == 0


def test_abc_smc_matches_an_analytic_posterior():
    """y = theta + N(0, 0.05) observed at 0.6, flat prior on [0, 1): the posterior is about normal(0.6, 0.05);
    ABC's tolerance widens it a little (its 95% interval is at least the exact one, 0.196 wide, and less than
    1.5 times it)."""
    def distance(u, seq):
        return abs(u[0] + 0.05 * np.random.default_rng(seq).standard_normal() - 0.6)

    post = abc_smc(distance, 1, particles=400, generations=7, seed=3)
    lo, mid, hi = weighted_quantile(post.u[:, 0], post.weights, [0.025, 0.5, 0.975])
    assert abs(mid - 0.6) < 0.02
    assert 0.196 * 0.9 < hi - lo < 0.196 * 1.5
    assert np.isclose(post.weights.sum(), 1.0) and post.tolerances[0] == np.inf
    assert all(a > b for a, b in zip(post.tolerances[1:], post.tolerances[2:]))


def test_fit_is_reproducible_for_a_seed(config, pilot):
    _, _, sim = pilot_simulator(config, pilot)
    a = fit(sim, particles=20, generations=3, seed=4)
    b = fit(sim, particles=20, generations=3, seed=4)
    c = fit(sim, particles=20, generations=3, seed=5)
    assert np.array_equal(a.u, b.u) and np.array_equal(a.weights, b.weights) and a.simulations == b.simulations
    assert not np.array_equal(a.u, c.u)


# ------------------------------------------------------------------------------------- virality fit end to end
def test_fit_recovers_a_two_parameter_synthetic_pilot_within_its_intervals(fitted):
    summary = read_table(fitted / "fit_summary")
    assert summary["key"].tolist() == ["graph.p", "influencers.trust"]
    for key, lo, mid, hi, plo, phi in zip(summary["key"], summary["low"], summary["median"], summary["high"],
                                          summary["prior_low"], summary["prior_high"]):
        assert lo <= TRUTH[key] <= hi, (key, lo, hi)
        assert hi - lo < 0.8 * (phi - plo), (key, lo, hi)  # the pilot narrowed the prior
        assert lo < mid < hi


def test_fit_writes_posterior_predictive_and_figures(fitted):
    post = read_table(fitted / "posterior")
    assert list(post) == ["graph.p", "influencers.trust"] and len(post["graph.p"]) == 60
    assert ((0.03 <= post["graph.p"]) & (post["graph.p"] <= 0.3)).all()
    pred = read_table(fitted / "predictive")
    assert set(pred["group"]) == {"all"} and pred["step"].tolist() == list(range(9))
    assert (pred["low"] <= pred["median"]).all() and (pred["median"] <= pred["high"]).all()
    meta = json.loads((fitted / "fit_summary.json").read_text())
    assert meta["generations"] >= 2 and meta["predictive_inside_90"] >= 0.6
    assert [p["key"] for p in meta["parameters"]] == ["graph.p", "influencers.trust"]
    for name in ("fit_predictive", "fit_posterior"):
        assert (fitted / "figures" / f"{name}.png").stat().st_size > 0


def test_fitted_config_has_the_medians_and_runs(fitted, tmp_path):
    text = (fitted / "fitted.toml").read_text()
    assert "# Posterior medians and 95% intervals:" in text and "#   graph.p = " in text
    raw = tomllib.loads(text)
    assert not config_ranges(raw)
    medians = dict(zip(*(read_table(fitted / "fit_summary")[k] for k in ("key", "median"))))
    assert raw["graph"]["p"] == pytest.approx(medians["graph.p"]) and raw["influencers"]["trust"] == pytest.approx(
        medians["influencers.trust"])
    exp, _ = load_config(fitted / "fitted.toml")
    assert exp.graph.p == pytest.approx(medians["graph.p"])
    out = run_experiment(fitted / "fitted.toml", out=tmp_path / "run", overrides=["runs=5"], quiet=True,
                         log=lambda m: None)
    assert (out / "runs.csv").is_file()
