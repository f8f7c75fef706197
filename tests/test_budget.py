"""Budgets: money a strategy cannot spend is reported (table and warning, with the reason), can be moved
to the other channel, and default prices are on the shipped configs' scale."""

from __future__ import annotations

import json

import pytest
from conftest import TINY, run_cli

from virality.config import parse_config
from virality.pricing import DEFAULT_CPM, DEFAULT_PER_POST, PriceList

# broadcast at CPM 2,000: one airing to all 300 people costs 600, so the mix's 200 buy reach 1/3
MIX = TINY.replace("[prices]", "[prices]\ncpm = 2000.0") + '''
[[strategy]]
name = "mega mix"
budget = 400
broadcast = { share = 0.5, airings = 1 }
influencers = { share = 0.5, select = "top_degree", tier = "mega" }
'''


def plan(out, name):
    return json.loads((out / "summary.json").read_text())["cells"][0]["summary"][name]["plan"]


def test_an_unspent_budget_is_a_warning_with_its_reason(write_config, tmp_path):
    cfg = write_config(TINY)
    out = tmp_path / "out"
    rc, stdout, stderr = run_cli("run", cfg, "--out", out, "--runs", "3", "--no-figures", "--set", "strategy.0.budget=500")
    assert rc == 0, stderr
    tv = plan(out, "tv")
    # 2 airings to all 300 people at CPM 20 cost 12: the rest cannot be spent
    assert tv["spend"] == pytest.approx(12.0) and tv["unspent"] == pytest.approx(488.0)
    assert tv["unspent_reason"] == "broadcast left 488.00 unspent: reach saturated: 2 airing(s) already reach the whole audience"
    assert f"warning: strategy 'tv' spent 12.00 of its budget 500.00: {tv['unspent_reason']}" in stderr
    assert "budget unspent" in stdout and "488 (!)" in stdout
    assert plan(out, "inf")["unspent_reason"] is None  # spent within one post's price: no warning


def test_posts_that_run_out_of_accounts_say_so_and_reallocate_moves_the_rest(write_config, tmp_path):
    cfg = write_config(MIX)
    rc, _, err = run_cli("run", cfg, "--out", tmp_path / "keep", "--runs", "3", "--no-figures", "--quiet")
    assert rc == 0, err
    kept = plan(tmp_path / "keep", "mega mix")
    assert "influencers left" in kept["unspent_reason"] and "no account left" in kept["unspent_reason"]
    assert kept["posts"] == kept["tiers"]["mega"] and kept["reach"] == pytest.approx(200 / 600)
    rc, _, err = run_cli("run", cfg, "--out", tmp_path / "move", "--runs", "3", "--no-figures", "--quiet",
                         "--set", 'strategy.2.leftover="reallocate"')
    assert rc == 0, err
    moved = plan(tmp_path / "move", "mega mix")
    assert moved["posts"] == kept["posts"]
    left = 200 - 50.0 * kept["posts"]  # mega posts cost 50 each
    assert moved["reach"] == pytest.approx((200 + left) / 600)  # the posts' leftover bought reach
    assert moved["spend"] == pytest.approx(400) and moved["unspent_reason"] is None


def test_budgets_are_never_exceeded(write_config, tmp_path):
    cfg = write_config(MIX)
    for budget in (5, 37, 400, 2000):
        out = tmp_path / f"b{budget}"
        rc, _, err = run_cli("run", cfg, "--out", out, "--runs", "2", "--no-figures", "--quiet",
                             "--set", f"strategy.2.budget={budget}", "--set", 'strategy.2.leftover="reallocate"')
        if rc == 0:
            assert plan(out, "mega mix")["spend"] <= budget + 1e-6
        else:
            assert "buys no" in err  # too small for one post or airing: an error, never an overspend


def test_default_prices_are_the_shipped_scale_and_documented():
    assert DEFAULT_PER_POST == {"nano": 1.0, "micro": 2.5, "macro": 8.0, "mega": 50.0} and DEFAULT_CPM == 20.0
    assert PriceList().per_post == DEFAULT_PER_POST
    exp = parse_config({"graph": {"generator": "erdos_renyi", "n": 10, "p": 0.1}, "strategy": [{"name": "a", "seeds": [0]}]})
    assert exp.prices.per_post == DEFAULT_PER_POST and exp.prices.cpm == DEFAULT_CPM
    readme = (__import__("conftest").ROOT / "README.md").read_text()
    assert "nano = 1, micro = 2.5, macro = 8, mega = 50" in readme and "leftover" in readme
