"""Experiments: cells x strategies x replicates -> local cores or a Dask cluster -> tidy tables on disk.

A config (see :mod:`virality.config`) expands into sweep *cells*. A cell builds its graph once, turns
each ``[[strategy]]`` into an outreach :class:`~virality.campaign.Plan` that spends the strategy's
budget, and simulates every plan with the same replicates (common random numbers). The driver writes
each finished cell atomically under ``cells/``; an interrupted experiment resumes from them, and the
top-level tables are rebuilt from the cells at the end. The driver keeps each graph in the graph cache
(:mod:`virality.graph_cache`); cells open it by path, memory-mapped, so Dask workers on the driver's
machine (or file system) share one copy and never receive a graph. Workers only compute: all results
are written by the driver. A cell with many runs and fewer cells than workers is split into blocks of
runs on several workers, joined in the driver into exactly the local result.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import functools
import hashlib
import inspect
import json
import math
import os
import platform
import shutil
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numba
import numpy as np

from tqdm.auto import tqdm

from . import strategies as S
from ._version import __version__
from .campaign import Audience, Broadcast, CampaignResult, Influencers, Plan, run_campaign
from .cascades import average_ranks, community_table, key_nodes, spearman
from .catalog import HEADLINE
from . import checkpoints
from .checkpoints import load_batches, save_batch, saved_batches
from .cluster import check_scheduler, connect, run_tasks, worker_count
from .config import Experiment, expand_cells, load_config, to_toml
from .errors import InputError, RunError, is_interrupt
from .files import atomic_write, temporary_path
from .graph import Graph
from .graph_cache import build_graph, graph_stores, open_graph
from .metrics import common_target, paired, run_table, summarize, time_to_reach
from .pricing import TIERS, PriceList, TierScheme, tiers
from .tables import stack_tables, read_table, write_table

__all__ = ["build_graph", "build_plan", "merge_influencers", "run_cell", "run_experiment", "combine"]

#: the tidy tables every cell writes (and a run combines at its top level): per run, adoption curves, per
#: community, per node, per community and step (over all runs), flows between communities (over all runs)
CELL_TABLES = ("runs", "curves", "communities", "nodes", "penetration", "flows")
# stream ids of the experiment's seed: alignment, strategy choices, simulation (1: the graph, virality.graph_cache)
_ALIGN, _STRATEGY, _SIM = 2, 3, 4

def _seq(seed: int, stream: int, *more: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, stream, *more])


# ------------------------------------------------------------------------------------- audience
def build_audience(exp: Experiment, graph: Graph) -> Audience:
    """The trust funnel of the config, with per-community alignment resolved."""
    a = exp.audience
    n_comm = max(graph.n_communities, 1)
    if a.alignment_random is not None:
        lo, hi = a.alignment_random
        align = np.random.default_rng(_seq(exp.seed, _ALIGN)).uniform(lo, hi, n_comm)
    elif a.alignment is None:
        align = np.ones(n_comm)
    elif isinstance(a.alignment, (int, float)):
        align = np.full(n_comm, float(a.alignment))
    else:
        align = np.asarray(a.alignment, dtype=float)
        if align.size != n_comm:
            raise InputError(f"audience.alignment has {align.size} values but the graph has {n_comm} communities")
    return Audience(alignment=tuple(align.tolist()), peer_trust=a.peer_trust, share_rate=a.share_rate,
                    share_steps=a.share_steps, convert_rate=a.convert_rate, peer_positive=a.peer_positive)


# ------------------------------------------------------------------------------------- plans
@dataclass(frozen=True)
class PlanInfo:
    """What a strategy bought."""

    budget: float | None
    spend: float
    posts: int
    airings: int
    reach: float
    tiers: dict[str, int]
    unspent: float = 0.0
    unspent_reason: str | None = None


def price_list(exp: Experiment) -> tuple[TierScheme, PriceList]:
    """The config's follower tiers and prices."""
    scheme = TierScheme(exp.tiers.by, exp.tiers.bounds)
    prices = PriceList(per_post=dict(exp.prices.per_post), fixed=exp.prices.fixed,
                       per_follower=exp.prices.per_follower, cpm=exp.prices.cpm)
    return scheme, prices


#: the last graph's tiers and post costs: every strategy of a cell (and a planner's every plan) prices the same
#: graph the same way; holds (graph, key, read-only array) so that another graph or price list recomputes
_TIERING: dict[str, tuple[Graph, Any, np.ndarray]] = {}


def _memo(name: str, graph: Graph, key: Any, make: Callable[[], np.ndarray]) -> np.ndarray:
    hit = _TIERING.get(name)
    if hit is not None and hit[0] is graph and hit[1] == key:
        return hit[2]
    value = make()
    value.flags.writeable = False
    _TIERING[name] = (graph, key, value)
    return value


def _tier_of(graph: Graph, scheme: TierScheme) -> np.ndarray:
    """:func:`virality.pricing.tiers` of ``graph``, computed once for consecutive calls on one graph."""
    return _memo("tiers", graph, scheme, lambda: tiers(graph, scheme))


def _post_costs(graph: Graph, scheme: TierScheme, prices: PriceList) -> np.ndarray:
    """``prices.post_costs(graph, scheme)``, computed once for consecutive calls on one graph."""
    return _memo("costs", graph, (scheme, prices), lambda: prices.post_costs(graph, scheme))


def build_plan(graph: Graph, exp: Experiment, index: int) -> tuple[Plan, PlanInfo]:
    """Turn ``exp.strategy[index]`` into a :class:`Plan` that spends at most its budget.

    A strategy may hold a broadcast part and one or several influencer groups (a *portfolio*:
    ``influencers = [{...}, {...}]``). Each part gets its ``share`` of the budget; parts without one split
    what is left equally. Groups hire in the order given, each skipping accounts an earlier group hired, and
    their accounts post as one :class:`Influencers` with trust per tier (:func:`merge_influencers`).
    """
    s = exp.strategy[index]
    key = f"strategy[{index}] ({s.name})"
    scheme, prices = price_list(exp)
    bc = exp.channel(s, "broadcast")
    groups = exp.groups(s)
    many = len(groups) > 1
    used = ([bc] if bc is not None else []) + groups
    if s.budget is not None and not used:
        raise InputError(f"{key}: a budget needs a broadcast or influencers table to spend it on")
    # split the budget: explicit shares, the rest to the parts without one
    shares = {id(c): c.share for c in used}
    free = [c for c in used if c.share is None]
    left = 1.0 - sum(x for x in shares.values() if x is not None)
    for c in free:
        shares[id(c)] = max(left, 0.0) / len(free)

    def money(channel: Any) -> float | None:
        return None if s.budget is None else s.budget * shares[id(channel)]

    influencers = None
    nodes = np.zeros(0, np.int32)
    unspent: list[tuple[float, str | None]] = []  # (money left over, why) per part that left more than a unit
    if groups:
        hired = np.zeros(graph.n, dtype=bool)
        parts: list[tuple[str, Any, np.ndarray]] = []
        for j, inf in enumerate(groups):
            group = j if many else None
            exclude = hired.copy() if j else None  # the accounts earlier groups hired
            part = _influencer_part(graph, exp, index, inf, money(inf), scheme, prices, key, group=group,
                                    exclude=exclude)
            hired[part] = True
            parts.append((f"group {j}", inf, part))
            if money(inf) is not None:
                unspent.append(_influencers_unspent(graph, exp, inf, part, money(inf), scheme, prices, key,
                                                    group=group, exclude=exclude))
        nodes = np.concatenate([part for _, _, part in parts]).astype(np.int32, copy=False) if many else parts[0][2]
        influencers = merge_influencers(parts, _tier_of(graph, scheme), f"{key}.influencers")
    bc_money = money(bc) if bc is not None else None
    if s.leftover == "reallocate" and bc_money is not None and unspent:
        bc_money += sum(x for x, _ in unspent)  # what the posts left goes to mass media
        unspent = []
    broadcast = None if bc is None else _broadcast_part(graph, bc, bc_money, prices, key)
    if broadcast is not None and bc_money is not None:
        unspent.append(_broadcast_unspent(graph, broadcast, bc, bc_money, prices))
    tier_of = _tier_of(graph, scheme)[nodes]
    tier_counts = {name: int((tier_of == t).sum()) for t, name in enumerate(TIERS)}
    tier_counts["regular"] = int((tier_of < 0).sum())
    spend_bc = prices.broadcast_cost(broadcast.planned_impressions(graph)) if broadcast is not None else 0.0
    spend_inf = float(_post_costs(graph, scheme, prices)[nodes].sum()) if nodes.size else 0.0
    plan = Plan(seeds=tuple(s.seeds), influencers=influencers, broadcast=broadcast)
    left = s.budget - (spend_bc + spend_inf) if s.budget is not None else 0.0
    reasons = [why for _, why in unspent if why]
    info = PlanInfo(budget=s.budget, spend=spend_bc + spend_inf, posts=int(nodes.size),
                    airings=broadcast.airings if broadcast is not None else 0,
                    reach=broadcast.reach if broadcast is not None else 0.0, tiers=tier_counts,
                    unspent=max(left, 0.0), unspent_reason="; ".join(reasons) or None)
    return plan, info


def merge_influencers(groups: list[tuple[str, Any, np.ndarray]], tier_of: np.ndarray, where: str) -> Influencers | None:
    """One :class:`Influencers` for several groups of hired accounts: their union (in group order), with
    trust per tier. ``groups`` holds ``(name, spec, nodes)`` (the spec an ``InfluencerSpec``; the names are
    written as given in errors, after ``where``); ``tier_of`` is each account's tier index. The groups must
    post alike (one ``lead_time`` and ``positive``), and each tier hired must have one trust across them.
    One group gives the group's own settings unchanged. None when no group hired anyone.
    """
    groups = [g for g in groups if g[2].size] if len(groups) > 1 else groups
    if not groups:
        return None
    first_name, first, _ = groups[0]
    for name, spec, _ in groups[1:]:
        for attr in ("lead_time", "positive"):
            if getattr(spec, attr) != getattr(first, attr):
                raise InputError(f"{where}: {first_name} and {name} have different influencers.{attr} "
                                 f"({getattr(first, attr)} and {getattr(spec, attr)}); a plan posts all its "
                                 "influencers alike")
    nodes = tuple(int(v) for _, _, group in groups for v in group.tolist())
    trusts = [spec.trust if isinstance(spec.trust, float) else dict(spec.trust) for _, spec, _ in groups]
    if all(t == trusts[0] for t in trusts):
        trust: Any = trusts[0]
    else:  # trust is per tier: each tier hired must have one trust across the groups
        trust, owner = {}, {}
        for (name, _, group), t in zip(groups, trusts):
            for tier in sorted(set(tier_of[group].tolist())):
                tier_name = TIERS[tier] if tier >= 0 else "regular"
                value = t if isinstance(t, float) else t.get(tier_name)
                if value is None:
                    raise InputError(f"{where}: {name} has no influencers.trust for tier {tier_name} of the "
                                     "accounts it hires")
                if tier_name in trust and trust[tier_name] != value:
                    raise InputError(f"{where}: {owner[tier_name]} and {name} both hire {tier_name} accounts with "
                                     f"different trust ({trust[tier_name]} and {value})")
                trust[tier_name], owner[tier_name] = value, name
    return Influencers(nodes=nodes, trust=trust, lead_time=first.lead_time, positive=first.positive)


def _strategy_seq(exp: Experiment, index: int, group: int | None) -> np.random.SeedSequence:
    """The randomness of a strategy's selection (group 0 of a portfolio: the strategy's own, as a single group)."""
    return _seq(exp.seed, _STRATEGY, index) if not group else _seq(exp.seed, _STRATEGY, index, group)


def _ikey(key: str, group: int | None) -> str:
    """The config key of an influencer table in messages: ``strategy[0] (x).influencers`` or ``...influencers[1]``."""
    return f"{key}.influencers" + (f"[{group}]" if group is not None else "")


def _without(allowed: np.ndarray | None, exclude: np.ndarray | None) -> np.ndarray | None:
    """An eligibility mask less the accounts in ``exclude`` (hired by an earlier group)."""
    if exclude is None or not exclude.any():
        return allowed
    return ~exclude if allowed is None else allowed & ~exclude


def _influencers_unspent(graph: Graph, exp: Experiment, inf: Any, nodes: np.ndarray, money: float,
                         scheme: TierScheme, prices: PriceList, key: str, group: int | None = None,
                         exclude: np.ndarray | None = None) -> tuple[float, str | None]:
    """What the posts left of their money, and why when it is more than the cheapest eligible post."""
    costs = _post_costs(graph, scheme, prices)
    allowed = _without(_eligible(graph, exp, inf, scheme, key, group), exclude)
    eligible = np.flatnonzero(allowed) if allowed is not None else np.arange(graph.n)
    left = money - float(costs[nodes].sum())
    cheapest = float(costs[eligible].min()) if eligible.size else np.inf
    if left <= cheapest + 1e-9 and eligible.size:
        return left, None
    rest = np.setdiff1d(eligible, nodes)
    what = f"{inf.tier} tier" if inf.tier else "eligible"
    if inf.k is not None:
        why = f"k = {inf.k} accounts asked for cost {money - left:,.2f} of {money:,.2f}"
    elif rest.size == 0 or inf.select == "one_per_community":
        why = (f"no account left: all {nodes.size:,} {what} accounts the selection offers are hired"
               + (f" (min_alignment {inf.min_alignment:g})" if inf.min_alignment is not None else ""))
    else:
        why = f"the {rest.size:,} {what} accounts not hired cost more than the {left:,.2f} left"
    what = "influencers" + (f" group {group}" if group is not None else "")
    return left, f"{what} left {left:,.2f} unspent: {why}"


def _broadcast_unspent(graph: Graph, broadcast: Broadcast, bc: Any, money: float,
                       prices: PriceList) -> tuple[float, str | None]:
    """What the airings left of their money, and why when it is more than one more airing at their reach."""
    left = money - prices.broadcast_cost(broadcast.planned_impressions(graph))
    one_airing = prices.broadcast_cost(broadcast.reach * broadcast.audience_size(graph))
    if left <= max(one_airing, 1e-9):
        return left, None
    if broadcast.reach >= 1.0:
        why = f"reach saturated: {broadcast.airings} airing(s) already reach the whole audience"
    else:
        why = f"{broadcast.airings} airing(s) at reach {broadcast.reach:g}, as the config fixes them"
    return left, f"broadcast left {left:,.2f} unspent: {why}"


def _broadcast_part(graph: Graph, bc: Any, money: float | None, prices: PriceList, key: str) -> Broadcast:
    """The airings a broadcast table buys: its reach and airings as given, or as many as ``money`` pays for."""
    target = None if bc.target is None else tuple(bc.target)
    audience = Broadcast(target=target).audience_size(graph)
    per_airing_full = prices.broadcast_cost(audience)  # one airing at reach 1
    reach, airings = bc.reach, bc.airings
    if money is not None and reach is None:
        airings = 1 if airings is None else airings
        reach = min(1.0, money / (per_airing_full * airings)) if per_airing_full * airings > 0 else 1.0
    elif money is not None and airings is None:
        airings = int(math.floor(money / (per_airing_full * reach) + 1e-9)) if per_airing_full * reach > 0 else 0
    reach = 0.2 if reach is None else reach
    airings = 1 if airings is None else airings
    if money is not None and airings == 0:
        raise InputError(f"{key}: broadcast budget {money:g} buys no airing at reach {reach:g} "
                         f"(one costs {per_airing_full * reach:g})")
    cost = prices.broadcast_cost(reach * audience * airings)
    if money is not None and cost > money + 1e-6:
        raise InputError(f"{key}: broadcast of {airings} airing(s) at reach {reach:g} costs {cost:g}, "
                         f"over its budget {money:g}")
    return Broadcast(reach=reach, airings=airings, lead_time=bc.lead_time, spacing=bc.spacing, trust=bc.trust,
                     target=target, positive=bc.positive)


def _eligible(graph: Graph, exp: Experiment, inf: Any, scheme: TierScheme, key: str,
              group: int | None = None) -> np.ndarray | None:
    """Accounts an influencer table may hire (its tier and alignment filters); None: every account."""
    allowed = None
    if inf.tier is not None:
        allowed = _tier_of(graph, scheme) == TIERS.index(inf.tier)
    if inf.min_alignment is not None:
        align = np.asarray(build_audience(exp, graph).alignment)
        comm = graph.community if graph.community is not None else np.zeros(graph.n, dtype=np.int32)
        aligned = align[comm] >= inf.min_alignment
        allowed = aligned if allowed is None else allowed & aligned
    if allowed is not None and not allowed.any():
        raise InputError(f"{_ikey(key, group)}: no account is eligible (tier {inf.tier!r}, "
                         f"min_alignment {inf.min_alignment!r})")
    return allowed


def _strategy_options(exp: Experiment, index: int, inf: Any, scheme: TierScheme, key: str,
                      group: int | None = None) -> dict[str, Any]:
    """The keyword options the selection function takes, from the config (an option it does not take is an error)."""
    accepted = inspect.signature(S.STRATEGIES[inf.select]).parameters
    for option in ("order", "p"):
        if getattr(inf, option) is not None and option not in accepted:
            raise InputError(f"{_ikey(key, group)}: select = {inf.select!r} takes no {option!r}")
    opts: dict[str, Any] = {}
    if "rng" in accepted:
        opts["rng"] = _strategy_seq(exp, index, group)
    if "p" in accepted:
        opts["p"] = inf.p if inf.p is not None else (exp.graph.p if isinstance(exp.graph.p, float) else 0.01)
    if "order" in accepted and inf.order is not None:
        opts["order"] = inf.order
    if "scheme" in accepted:
        opts["scheme"] = scheme
    if "tier" in accepted and inf.tier is not None:
        opts["tier"] = inf.tier
    return opts


def _influencer_part(graph: Graph, exp: Experiment, index: int, inf: Any, money: float | None, scheme: TierScheme,
                     prices: PriceList, key: str, group: int | None = None,
                     exclude: np.ndarray | None = None) -> np.ndarray:
    """The accounts an influencer table hires: ``k`` of them, or as many as ``money`` pays for; never one of
    ``exclude`` (accounts an earlier group of a portfolio hired). ``group``: the table's place in a portfolio."""
    costs = _post_costs(graph, scheme, prices)
    opts = _strategy_options(exp, index, inf, scheme, key, group)
    allowed = _without(_eligible(graph, exp, inf, scheme, key, group), exclude)
    if allowed is not None and not allowed.any():
        return np.zeros(0, np.int32)  # an earlier group hired every eligible account
    where = _ikey(key, group)
    if inf.select in ("imm", "celf"):
        nodes = _influence_max(graph, exp, index, inf, money, costs, allowed, where, group)
    elif inf.k is not None:
        ranking = S.STRATEGIES[inf.select](graph, graph.n, **opts)
        if allowed is not None:
            ranking = ranking[allowed[ranking]]
        if ranking.size < inf.k:
            raise InputError(f"{where}: k = {inf.k} but only {ranking.size} accounts are eligible")
        nodes = ranking[: inf.k]
    elif money is not None:
        try:
            nodes = S.budgeted(graph, money, costs=costs, strategy=inf.select, allowed=allowed, **opts)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
    else:
        raise InputError(f"{where}: give k (how many accounts) or a strategy budget")
    if money is not None and costs[nodes].sum() > money + 1e-6:
        raise InputError(f"{where}: {nodes.size} posts cost {costs[nodes].sum():g}, over the budget {money:g}")
    return nodes


def _influence_max(graph: Graph, exp: Experiment, index: int, inf: Any, money: float | None, costs: np.ndarray,
                   allowed: np.ndarray | None, where: str, group: int | None = None) -> np.ndarray:
    """IMM / CELF for the campaign's own word of mouth: IC with arc probability p x peer trust x the
    alignment of the follower's community. ``k`` accounts without filters: IMM (or CELF on RR sets);
    a budget or filters: the budgeted greedy on RR sets."""
    unit = inf.k is not None
    if not unit and money is None:
        raise InputError(f"{where}: give k (how many accounts) or a strategy budget")
    align = np.asarray(build_audience(exp, graph).alignment)
    comm = graph.community if graph.community is not None else np.zeros(graph.n, dtype=np.int32)
    p_eff = graph.prob * exp.audience.peer_trust * align[comm[graph.indices]]
    rng = _strategy_seq(exp, index, group)
    if unit and allowed is None:
        nodes = (S.imm(graph, inf.k, p=p_eff, rng=rng) if inf.select == "imm"
                 else S.celf(graph, inf.k, method="ris", p=p_eff, rng=rng))
    else:
        c = np.ones(graph.n) if unit else costs.copy()
        if allowed is not None:
            c[~allowed] = np.inf
        nodes = S.budgeted_greedy(graph, float(inf.k) if unit else money, costs=c, p=p_eff, rng=rng)
    if unit and nodes.size < inf.k:
        raise InputError(f"{where}: k = {inf.k} but only {nodes.size} accounts add reach")
    return nodes


# ------------------------------------------------------------------------------------- memory
def available_memory() -> int:
    """Bytes of physical memory this machine has (the budget a run is checked against)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 16 * 2**30


def memory_estimate(exp: Experiment) -> dict[str, float]:
    """Bytes one cell of ``exp`` needs at its peak, by the config key that drives each part.

    A deliberately simple cost model, checked before anything is allocated: the graph (about 40 bytes
    per person and 24 per arc while it is built), the kernel's per-thread work arrays (about 100 bytes
    per person), per-run outputs (new engagements per step, 4 bytes x ``max_steps``, and the run metrics)
    for every run of every strategy, and the stored records (9 bytes per person and record).
    """
    g = exp.graph
    params = g.params
    n = float(params.get("n", 0) or 0)
    degree = float(params.get("mean_degree", 2 * params.get("m", 0) or params.get("k", 0) or 10))
    runs = float(exp.max_runs if exp.runs == "auto" else exp.runs)
    strategies = max(len(exp.strategy), 1)
    threads = max(numba.get_num_threads(), 1)
    return {
        "graph.n": n * (40 + 100 * threads) + n * degree * 24,
        "max_steps": runs * strategies * (exp.max_steps + 1) * 4,
        "runs": runs * strategies * 8 * 40,
        "outputs.records": min(exp.outputs.records, runs) * strategies * n * 9,
    }


def check_memory(exp: Experiment, source: str = "<config>", limit: float | None = None) -> None:
    """Refuse, before allocating, a cell that would need more memory than the machine has (or ``limit``)."""
    parts = memory_estimate(exp)
    need = sum(parts.values())
    limit = available_memory() if limit is None else limit
    if need > limit:
        key = max(parts, key=parts.get)
        value = {"graph.n": exp.graph.params.get("n"), "max_steps": exp.max_steps, "runs": exp.runs,
                 "outputs.records": exp.outputs.records}[key]
        raise InputError(f"{source}: {key} = {value!r} needs about {need / 2**30:,.1f} GiB of memory "
                         f"({parts[key] / 2**30:,.1f} GiB of it for {key}); this machine has {limit / 2**30:,.1f} GiB")


# ------------------------------------------------------------------------------------- one cell
def _simulate_all(graph: Graph, exp: Experiment, plans: list[Plan], runs: int, offset: int, record: int,
                  status: Callable[[str], None] | None = None) -> list[CampaignResult]:
    audience = build_audience(exp, graph)
    scheme, prices = price_list(exp)
    out = []
    for i, plan in enumerate(plans):
        if status:
            status(f"strategy {i + 1} of {len(plans)}: {exp.strategy[i].name}, runs {offset + 1:,}-{offset + runs:,}")
        try:
            res = run_campaign(graph, plan, audience=audience, prices=prices, scheme=scheme, runs=runs,
                               rng=_seq(exp.seed, _SIM), max_steps=exp.max_steps, run_offset=offset,
                               record=record > 0)
        except InputError as exc:
            raise InputError(f"strategy[{i}] ({exp.strategy[i].name}): {exc}") from None
        out.append(res)
    return out


def check_cells(cells: list[tuple[dict[str, Any], Experiment]], source: str = "<config>", simulate: int = 50) -> None:
    """Everything a run checks before it simulates, for every cell: memory, the graph (built: files,
    generator parameters, labels), every strategy's plan (seeds, tiers, budgets, targets) and, for the
    first ``simulate`` cells, one run of each plan. What passes here runs."""
    for k, (over, spec) in enumerate(cells):
        where = f"{source}" + (f" (sweep cell {k}: {_overrides_text(over)})" if over else "")
        check_memory(spec, where)
        try:
            graph = build_graph(spec.graph, spec.seed)
            plans = [build_plan(graph, spec, i)[0] for i in range(len(spec.strategy))]
            if k < simulate:
                _simulate_all(graph, spec, plans, 1, 0, 0)
        except InputError as exc:
            raise InputError(f"{where}: {exc}" if not str(exc).startswith(source) else str(exc)) from None


def _precision_reached(results: list[CampaignResult]) -> float:
    """Worst relative CI half-width over strategies of the main metrics (reach, cost per engagement)."""
    worst = 0.0
    for res in results:
        est = summarize(run_table(res), ["engaged", "cost_per_engagement"] if res.spend > 0 else ["engaged"])
        for e in est.values():
            if e.value and np.isfinite(e.low):
                worst = max(worst, (e.high - e.low) / 2 / abs(e.value))
    return worst


def run_cell(exp: Experiment, progress: Callable[[int], None] | None = None,
             checkpoint: Path | None = None, status: Callable[[str], None] | None = None, *,
             store: Path | str | None = None) -> dict[str, Any]:
    """Simulate every strategy of one cell; returns plain tables (dicts of numpy arrays) and summaries.

    With ``runs = "auto"``, replicate batches of ``batch`` runs are added to every strategy until the
    confidence intervals of reach and cost per engagement are within ``precision`` (relative) for all
    strategies, or ``max_runs`` is reached. Batches are merged as they finish, so memory does not grow
    with their number. ``progress`` is told how many runs of every strategy finished, ``status`` what is
    being simulated, in words. With ``checkpoint`` (a folder), every finished batch is saved there and batches
    already saved are loaded instead of simulated: an interrupted cell resumes losing at most one batch,
    with results identical to an uninterrupted run. ``store``: the graph's store in the graph cache, opened
    memory-mapped (by default, or when the path is not on this machine, the graph is built in memory).
    """
    t0 = time.perf_counter()
    graph = open_graph(exp.graph, exp.seed, store)
    built = [build_plan(graph, exp, i) for i in range(len(exp.strategy))]
    plans = [p for p, _ in built]
    auto = exp.runs == "auto"
    target = exp.max_runs if auto else exp.runs
    # batch boundaries at multiples of `step`; the first `records` runs form their own batch, the only
    # one that keeps full records (runs x nodes arrays); with a fixed number of runs, batches span whole
    # steps, as many as make a batch long enough that its call and checkpoint costs are small against it
    # (:func:`virality.checkpoints.batch_end`). Runs depend only on their index, so the batching never
    # changes the results.
    step = exp.batch if auto else max(1, math.ceil(target / 20))
    records = min(exp.outputs.records, target)
    merged, done = load_batches(checkpoint, len(plans))
    if done and progress:
        progress(done)
    precision = math.inf
    per_run = save_s = 0.0  # seconds per run of the last batch, seconds its save took
    while done < target:
        keep = done == 0 and records > 0
        end = records if keep else checkpoints.batch_end(done, target, step, 0.0 if auto else per_run, save_s)
        t1 = time.perf_counter()
        batch = _simulate_all(graph, exp, plans, end - done, done, records if keep else 0, status)
        t2 = time.perf_counter()
        per_run = (t2 - t1) / (end - done)
        if checkpoint is not None:
            save_batch(checkpoint, done, end, batch)
            save_s = time.perf_counter() - t2
        merged = batch if merged is None else [CampaignResult.concat([m, b]) for m, b in zip(merged, batch)]
        if progress:
            progress(end - done)
        done = end
        if auto and (done % step == 0 or done == target):
            precision = _precision_reached(merged)
            if precision <= exp.precision:
                break
    if not auto or not math.isfinite(precision):
        precision = _precision_reached(merged)
    return _tables(graph, exp, built, merged, precision, time.perf_counter() - t0)


def _tables(graph: Graph, exp: Experiment, built: list[tuple[Plan, PlanInfo]], results: list[CampaignResult],
            precision: float, seconds: float) -> dict[str, Any]:
    names = [s.name for s in exp.strategy]
    tables = [run_table(r) for r in results]
    # speed on one scale for every strategy: steps until the same number of people engaged
    common = common_target(tables)
    for table, res in zip(tables, results):
        table["time_to_common"] = time_to_reach(res.step_counts, common, exp.max_steps + 1)
    base = names.index(exp.baseline_name)
    summary = {}
    for name, (plan, info), table in zip(names, built, tables):
        summary[name] = {
            "plan": {"budget": info.budget, "spend": info.spend, "posts": info.posts, "tiers": info.tiers,
                     "airings": info.airings, "reach": info.reach, "unspent": info.unspent,
                     "unspent_reason": info.unspent_reason},
            "metrics": {m: vars(e) for m, e in summarize(table, HEADLINE).items()},
            "vs_baseline": {m: vars(e) for m, e in paired(table, tables[base], HEADLINE).items()},
        }
    cols = ["run", *[m for m in tables[0] if m not in ("population", "spend_thousand")]]
    runs_tab = {"strategy": [], **{c: [] for c in cols}}
    curves = {"strategy": [], "step": [], "mean": [], "low": [], "median": [], "high": []}
    sizes = np.bincount(graph.community, minlength=graph.n_communities) if graph.community is not None else np.array([graph.n])
    comms: dict[str, list] = {"strategy": []}
    pen: dict[str, list] = {"strategy": [], "community": [], "step": [], "engaged_cum_mean": [], "share": []}
    flows: dict[str, list] = {"strategy": [], "source_community": [], "target_community": [], "per_run": []}
    nodes: dict[str, list] = {"strategy": []}
    keep = exp.outputs.nodes if exp.outputs.nodes is not None else ("all" if graph.n <= 20000 else 2000)
    records = {}
    audience = build_audience(exp, graph)
    follower_ranks = average_ranks(graph.followers)  # one ranking for every strategy's key-node correlations
    for i, (name, res, table) in enumerate(zip(names, results, tables)):
        runs_tab["strategy"] += [name] * res.runs
        runs_tab["run"] += list(range(res.runs))
        for c in cols[1:]:
            runs_tab[c] += table[c].tolist()
        cum = np.cumsum(res.step_counts, axis=1)
        q = np.quantile(cum, [0.05, 0.5, 0.95], axis=0)
        curves["strategy"] += [name] * cum.shape[1]
        curves["step"] += list(range(cum.shape[1]))
        curves["mean"] += cum.mean(axis=0).tolist()
        curves["low"] += q[0].tolist()
        curves["median"] += q[1].tolist()
        curves["high"] += q[2].tolist()
        ct = community_table(res, sizes)
        ct["alignment"] = np.asarray(audience.alignment)[: len(ct["community"])]
        if graph.community_names is not None:  # the names of the user's labels file
            ct["name"] = np.asarray(graph.community_names)[ct["community"]]
        comms["strategy"] += [name] * len(ct["community"])
        for k, v in ct.items():
            comms.setdefault(k, []).extend(np.asarray(v).tolist())
        # over every run: people engaged by each step per community (cumulative mean per run, share of
        # the community; the last step equals the communities table), and flows between communities
        engaged_by = np.cumsum(res.community_steps, axis=1) / res.runs
        n_c, width = engaged_by.shape
        pen["strategy"] += [name] * engaged_by.size
        pen["community"] += np.repeat(np.arange(n_c), width).tolist()
        pen["step"] += np.tile(np.arange(width), n_c).tolist()
        pen["engaged_cum_mean"] += engaged_by.ravel().tolist()
        pen["share"] += (engaged_by / np.maximum(sizes[:n_c].astype(float), 1)[:, None]).ravel().tolist()
        src, dst = np.nonzero(res.community_flows)
        flows["strategy"] += [name] * src.size
        flows["source_community"] += src.tolist()
        flows["target_community"] += dst.tolist()
        flows["per_run"] += (res.community_flows[src, dst] / res.runs).tolist()
        kn = key_nodes(res, graph.followers)
        # are the key nodes the hubs? over every node, before nodes.csv keeps only the top rows
        summary[name]["key_nodes"] = {"nodes": graph.n, **{
            f"spearman_{col}_followers": spearman(kn[col], kn["followers"], follower_ranks)
            for col in ("ripple", "direct", "bridging", "engage_probability", "early")}}
        kn["community"] = graph.community if graph.community is not None else np.zeros(graph.n, int)
        kn["seeded"] = np.isin(np.arange(graph.n), res.posters).astype(int)
        if graph.labels is not None:  # the account's own id in the user's data, to trace key nodes back
            kn["label"] = np.asarray(graph.labels).astype(str)
        if graph.community_names is not None:
            kn["community_name"] = np.asarray(graph.community_names)[kn["community"]]
        sel = np.arange(graph.n) if keep == "all" else np.argsort(-kn["ripple"], kind="stable")[: int(keep)]
        nodes["strategy"] += [name] * sel.size
        for k, v in kn.items():
            nodes.setdefault(k, []).extend(np.asarray(v)[sel].tolist())
        if res.times is not None:
            k = min(exp.outputs.records, res.runs)
            records[f"{i}_times"] = res.times[:k]
            records[f"{i}_parents"] = res.parents[:k]
            records[f"{i}_channels"] = res.channels[:k]
    return {
        "summary": summary, "common_reach": common, "runs": runs_tab, "curves": curves, "communities": comms, "nodes": nodes,
        "penetration": pen, "flows": flows,
        "records": records, "strategies": names, "n_runs": results[0].runs, "precision": precision,
        "seconds": seconds, "graph": {"name": graph.name, "n": graph.n, "m": graph.m, "communities": graph.n_communities},
    }


# ------------------------------------------------------------------------------------- writing
def _write_cell(cell_dir: Path, cell: dict[str, Any], overrides: dict[str, Any], parquet: bool) -> None:
    """Write one cell's outputs into a temporary folder, then rename it into place (atomic)."""
    tmp = temporary_path(cell_dir)
    tmp.mkdir()
    try:
        for name in CELL_TABLES:
            write_table(tmp / name, cell[name], parquet)
        if cell["records"]:
            _savez_fast(tmp / "records.npz", cell["records"])
        meta = {k: cell[k] for k in ("summary", "strategies", "n_runs", "precision", "seconds", "graph", "common_reach")}
        meta["overrides"] = overrides
        meta["tables"] = {name: _fingerprint(tmp / f"{name}.csv") for name in CELL_TABLES}
        (tmp / "cell.json").write_text(json.dumps(meta, indent=1, default=float))
        if cell_dir.exists():
            shutil.rmtree(cell_dir)
        os.replace(tmp, cell_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _savez_fast(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` at zlib's fastest level: a world's records in a quarter of the time, 40% larger."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, value in arrays.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(value), allow_pickle=False)


def _fingerprint(path: Path) -> dict[str, Any]:
    """Row count and SHA-256 of a table file: what a cell promises about its tables."""
    data = path.read_bytes()
    return {"rows": data.count(b"\n") - 1, "sha256": hashlib.sha256(data).hexdigest()}


def _cell_problem(cell_dir: Path) -> str | None:
    """Why a finished cell cannot be used (missing, unreadable, a table changed or cut short), or None."""
    try:
        meta = json.loads((cell_dir / "cell.json").read_text())
    except FileNotFoundError:
        return "not finished"
    except (OSError, ValueError):
        return "cell.json is unreadable"
    for name, want in (meta.get("tables") or {}).items():
        try:
            got = _fingerprint(cell_dir / f"{name}.csv")
        except OSError:
            return f"{name}.csv is missing"
        if got != want:
            return f"{name}.csv has {got['rows']:,} rows instead of {want['rows']:,}" if got["rows"] != want["rows"] \
                else f"{name}.csv differs from what was written (checksum)"
    return None


def _config_hash(raw: dict[str, Any]) -> str:
    """The run's identity: the resolved config and the content of every input file it names, so that a
    resume after an edge list changed is refused instead of mixing cells of two graphs."""
    h = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode())
    graph = raw.get("graph") if isinstance(raw.get("graph"), dict) else {}
    files = [graph.get(k) for k in ("file", "labels")]
    for values in (raw.get("sweep") or {}).values():
        files += [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
    for name in files:
        if isinstance(name, str) and os.path.isfile(name):
            with open(name, "rb") as fh:
                h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()[:16]


def _manifest(exp: Experiment, raw: dict[str, Any], status: str, timings: dict[str, float], n_cells: int) -> dict[str, Any]:
    return {
        "name": exp.name, "status": status, "config_hash": _config_hash(raw), "seed": exp.seed,
        "cells": n_cells, "timings_s": timings,
        "versions": {"virality": __version__, "python": sys.version.split()[0], "numpy": np.__version__,
                     "numba": numba.__version__},
        "platform": {"system": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count(),
                     "numba_threads": numba.get_num_threads()},
        "executor": exp.executor, "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


#: tables that cells written by older versions lack (combine() takes them as empty)
_NEWER_TABLES = ("penetration", "flows")
#: the files a run writes at the top of its results directory (``--force`` removes these and nothing else)
_OUTPUTS = ("manifest.json", "config.toml", "summary.json", "report.html",
            *(f"{t}.{ext}" for t in CELL_TABLES for ext in ("csv", "parquet")))
#: written into every results folder this package creates; it also holds the folder's lock
MARKER = ".virality"


def _ours(out_dir: Path) -> bool:
    """Whether a folder was written by virality: its marker, or (older runs) a virality manifest."""
    if (out_dir / MARKER).is_file():
        return True
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "config_hash" in manifest and "virality" in (manifest.get("versions") or {})


@contextlib.contextmanager
def _claim(out_dir: Path):
    """Create or reuse a results folder and hold its lock: a foreign folder is refused, a busy one too."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder; choose another --out")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not _ours(out_dir):
        raise InputError(f"{out_dir}: the folder exists and was not written by virality (no {MARKER} marker); "
                         "nothing was changed: choose another --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / MARKER, "a") as lock:
        try:
            import fcntl  # POSIX: an advisory lock, released when the process ends however it ends
        except ImportError:  # pragma: no cover - Windows: no lock
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunError(f"{out_dir} is busy: another virality run is writing it; wait for it to finish "
                               "or choose another --out") from None
        yield


def _portable(raw: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The config as saved beside its results: input files relative to the results folder, so the saved
    config names no absolute path of this machine and still finds its files when reloaded from there."""
    raw = copy.deepcopy(raw)
    graph = raw.get("graph")
    if isinstance(graph, dict):
        for key in ("file", "labels"):
            if isinstance(graph.get(key), str) and os.path.isabs(graph[key]):
                graph[key] = os.path.relpath(graph[key], out_dir.resolve())
    return raw


def run_experiment(
    config: str | Path,
    *,
    out: str | Path | None = None,
    overrides: list[str] | None = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = False,
    scheduler: str | None = None,
    log: Callable[[str], None] = print,
) -> Path:
    """Run an experiment config end to end and return its results directory.

    Cells already finished in ``out`` are kept with ``resume``; a finished experiment is not re-run
    unless ``force``; a failed one (its manifest says ``failed``) is continued without either. The
    folder is ``results/<name>`` unless ``out`` is given; a folder that virality did not write is never
    touched, and one that another run holds is refused (:class:`~virality.errors.RunError`).
    ``scheduler`` (an address, or ``"local"`` for a LocalCluster) sends cells to Dask workers. Results
    are identical for every executor and number of workers. Figures and the report are drawn from the
    finished folder by :mod:`virality.report` (the ``virality`` command does it after this returns).
    """
    exp, raw = load_config(config, overrides)
    cells = expand_cells(exp, raw, str(config))
    for _, spec in cells:  # the rest of check_cells happens as each cell builds (validate runs it all up front)
        check_memory(spec, str(config))
    if scheduler or exp.executor == "dask":
        check_scheduler(scheduler or exp.scheduler)
    out_dir = Path(out) if out is not None else Path("results") / exp.name
    with _claim(out_dir):
        if not _reuse(out_dir, _config_hash(raw), resume, force, log):
            return out_dir
        manifest_path = out_dir / "manifest.json"
        try:
            _run_cells(out_dir, exp, raw, cells, quiet, scheduler, log)
        except BaseException as exc:
            if is_interrupt(exc):
                raise  # the manifest stays "running": --resume continues
            with contextlib.suppress(OSError):
                failed = _manifest(exp, raw, "failed", {}, len(cells)) | {"error": str(exc)[:1000]}
                atomic_write(manifest_path, json.dumps(failed, indent=1))
            raise
    return out_dir


def _reuse(out_dir: Path, chash: str, resume: bool, force: bool, log: Callable[[str], None]) -> bool:
    """Decide what an existing results folder allows; False when it is complete already (nothing to do)."""
    manifest_path = out_dir / "manifest.json"
    clear = force
    if manifest_path.exists() and not force:
        try:
            old = json.loads(manifest_path.read_text())
        except (OSError, json.JSONDecodeError):
            raise InputError(f"{manifest_path}: unreadable manifest; use --force to start over") from None
        if old.get("status") == "failed":
            clear = old.get("config_hash") != chash  # a failed run of this config continues; of another, starts over
            log(f"{out_dir}: the last run failed; " + ("starting over" if clear else "continuing from its finished cells"))
        elif old.get("config_hash") != chash:
            raise InputError(f"{out_dir} holds results of a different config; use --force to overwrite or choose --out")
        elif old.get("status") == "complete":
            log(f"{out_dir}: already complete (use --force to run again)")
            return False
        elif not resume:
            raise InputError(f"{out_dir} holds an unfinished run of this config; use --resume to continue or --force")
    if clear:
        for name in ("cells", "figures"):
            shutil.rmtree(out_dir / name, ignore_errors=True)
        for name in _OUTPUTS:
            (out_dir / name).unlink(missing_ok=True)
    return True


def _run_cells(out_dir: Path, exp: Experiment, raw: dict[str, Any], cells: list, quiet: bool, scheduler: str | None,
               log: Callable[[str], None]) -> None:
    """Simulate the cells not finished yet, then write the tables, the summary and a complete manifest."""
    manifest_path = out_dir / "manifest.json"
    (out_dir / "cells").mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / "cells").glob(".cell_*"):  # half-written cells of a killed run
        shutil.rmtree(stale, ignore_errors=True)
    for parts in (out_dir / "cells").glob("cell_*.parts"):  # saved batches of a cell finished since
        if (out_dir / "cells" / parts.name.removesuffix(".parts") / "cell.json").exists():
            shutil.rmtree(parts, ignore_errors=True)
    atomic_write(out_dir / "config.toml", to_toml(_portable(raw, out_dir)))
    atomic_write(manifest_path, json.dumps(_manifest(exp, raw, "running", {}, len(cells)), indent=1))
    names = [f"cell_{i:04d}" for i in range(len(cells))]
    todo = []
    for i in range(len(cells)):
        cell_dir = out_dir / "cells" / names[i]
        problem = _cell_problem(cell_dir)
        if problem is not None:
            if cell_dir.exists():
                log(f"{cell_dir}: {problem}; recomputing the cell")
                shutil.rmtree(cell_dir)
            todo.append(i)
    if len(todo) < len(cells):
        log(f"resuming: {len(cells) - len(todo)} of {len(cells)} cells already finished")
    stores = dict(zip(todo, graph_stores([(cells[i][1].graph, cells[i][1].seed) for i in todo], log)))
    show = not quiet and sys.stderr.isatty()
    bar = tqdm(total=len(todo), desc="cells", unit="cell", disable=not show or len(cells) == 1)
    executor = "dask" if scheduler else exp.executor
    t0 = time.perf_counter()
    try:
        if executor == "dask":
            _run_dask(cells, todo, names, out_dir, exp, scheduler, bar, stores)
        else:
            for i in todo:
                over, spec = cells[i]
                runs_total = spec.runs if spec.runs != "auto" else spec.max_runs
                words = f"cell {i + 1} of {len(cells)}" + (f" ({_overrides_text(over)})" if over else "")
                inner = _Progress(runs_total, words, log, tty=show, quiet=quiet)
                parts = out_dir / "cells" / f"{names[i]}.parts"
                cell = run_cell(spec, progress=inner.update, checkpoint=parts, status=inner.status, store=stores[i])
                inner.close()
                _write_cell(out_dir / "cells" / names[i], cell, over, spec.outputs.parquet)
                shutil.rmtree(parts, ignore_errors=True)
                bar.update(1)
    finally:
        bar.close()
    timings = {"simulate": round(time.perf_counter() - t0, 3)}
    t1 = time.perf_counter()
    summary = combine(out_dir, cells, names, exp)
    for line in budget_warnings(summary):
        log(line)
    timings["write"] = round(time.perf_counter() - t1, 3)
    atomic_write(manifest_path, json.dumps(_manifest(exp, raw, "complete", timings, len(cells)), indent=1))


def _overrides_text(over: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {json.dumps(v)}" for k, v in over.items())


class _Progress:
    """Progress of one cell: a tqdm bar on a terminal; elsewhere (a CI log, nohup, a notebook) a log line
    every ``every`` seconds, so that a long run never goes silent."""

    def __init__(self, total: int, words: str, log: Callable[[str], None], *, tty: bool, quiet: bool,
                 every: float = 5.0) -> None:
        self.total, self.words, self.log, self.every, self.quiet = total, words, log, every, quiet
        self.bar = tqdm(total=total, desc=words, unit="run", leave=False) if tty else None
        self.done, self.note = 0, ""
        self.start = self.last = time.monotonic()

    def status(self, note: str) -> None:
        self.note = note
        if self.bar is not None:
            self.bar.set_postfix_str(note, refresh=True)
        else:
            self._maybe_log()

    def update(self, runs: int) -> None:
        self.done += runs
        if self.bar is not None:
            self.bar.update(runs)
        else:
            self._maybe_log()

    def _maybe_log(self) -> None:
        now = time.monotonic()
        if not self.quiet and now - self.last >= self.every:
            self.last = now
            self.log(f"{self.words}: {self.done:,} of {self.total:,} runs done, {now - self.start:,.0f} s; now {self.note}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _run_dask(cells, todo, names, out_dir, exp, scheduler, bar, stores) -> None:
    """Cells on Dask workers (:mod:`virality.cluster`), written by the driver as they finish. With fewer
    cells than workers, every cell of a fixed number of runs is split into blocks of runs (:class:`_Blocks`)."""
    address = scheduler or exp.scheduler
    with connect(address, exp.workers) as client:
        per_cell = -(-(worker_count(client) or exp.workers) // max(len(todo), 1))
        tasks, where, split = {}, {}, {}
        for i in todo:
            spec = cells[i][1]
            if per_cell < 2 or spec.runs == "auto" or spec.runs < 2:
                tasks[names[i]] = functools.partial(run_cell, spec, store=stores[i])
                where[names[i]] = (i, 0, 0)
                continue
            split[i] = _Blocks(spec, stores[i], out_dir / "cells" / f"{names[i]}.parts")
            blocks = split[i].missing(per_cell)
            for start, end in blocks:
                name = f"{names[i]} runs {start + 1}-{end}"
                tasks[name] = functools.partial(_simulate_block, spec, stores[i], split[i].plans, start, end)
                where[name] = (i, start, end)
            if not blocks:  # every block was saved before an interruption: only the tables are left
                _write_cell(out_dir / "cells" / names[i], split[i].join(), cells[i][0], spec.outputs.parquet)
                bar.update(1)

        def done(name: str, result: Any) -> None:
            i, start, end = where[name]
            if i in split:
                result = split[i].add(start, end, result)
                if result is None:
                    return
            _write_cell(out_dir / "cells" / names[i], result, cells[i][0], cells[i][1].outputs.parquet)
            if i in split:
                shutil.rmtree(split.pop(i).parts, ignore_errors=True)
            bar.update(1)

        run_tasks(client, address, tasks, done)


def _simulate_block(exp: Experiment, store: Path | None, plans: list[Plan], start: int,
                    end: int) -> tuple[list[CampaignResult], float]:
    """Runs ``start .. end - 1`` of every plan of a cell (a Dask task), and the seconds they took. The
    first block of a cell that keeps records is ``0 .. records - 1``, as in :func:`run_cell`."""
    t0 = time.perf_counter()
    graph = open_graph(exp.graph, exp.seed, store)
    records = min(exp.outputs.records, exp.runs)
    return _simulate_all(graph, exp, plans, end - start, start, records if start == 0 else 0), time.perf_counter() - t0


class _Blocks:
    """One cell split into blocks of runs for several workers. The driver makes the plans once (they
    travel with every block; the graph does not), saves each block in the cell's checkpoint folder as it
    arrives (an interrupted run resumes from every saved block, a local one from those that run on from
    run 0) and joins them in run order: runs depend only on their index, so the tables equal a local run's."""

    def __init__(self, exp: Experiment, store: Path | None, parts: Path) -> None:
        t0 = time.perf_counter()
        self.exp, self.parts = exp, parts
        self.graph = open_graph(exp.graph, exp.seed, store)
        self.built = [build_plan(self.graph, exp, i) for i in range(len(exp.strategy))]
        self.plans = [p for p, _ in self.built]
        self.pieces = {(s, e): b for s, e, b in saved_batches(parts, len(self.plans)) if e <= exp.runs}
        self.seconds = time.perf_counter() - t0

    def missing(self, blocks: int) -> list[tuple[int, int]]:
        """The runs no saved block holds, as about ``blocks`` ranges (records apart, as :func:`run_cell` keeps them)."""
        gaps, done = [], 0
        for start, end in sorted(self.pieces):
            if start > done:
                gaps.append((done, start))
            done = end
        if done < self.exp.runs:
            gaps.append((done, self.exp.runs))
        records = min(self.exp.outputs.records, self.exp.runs)
        out = [(0, min(records, gaps[0][1]))] if gaps and gaps[0][0] == 0 and records else []
        gaps = [(max(start, records if out else 0), end) for start, end in gaps]
        size = max(1, math.ceil(sum(max(end - start, 0) for start, end in gaps) / blocks))
        return out + [(a, min(a + size, end)) for start, end in gaps for a in range(start, end, size)]

    def add(self, start: int, end: int, result: tuple[list[CampaignResult], float]) -> dict[str, Any] | None:
        """A finished block; the cell's tables once every run is in, else None."""
        batch, seconds = result
        save_batch(self.parts, start, end, batch)
        self.pieces[(start, end)] = batch
        self.seconds += seconds
        return self.join() if sum(e - s for s, e in self.pieces) == self.exp.runs else None

    def join(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        order = sorted(self.pieces)
        merged = [CampaignResult.concat([self.pieces[k][j] for k in order]) for j in range(len(self.plans))]
        return _tables(self.graph, self.exp, self.built, merged, _precision_reached(merged),
                       self.seconds + time.perf_counter() - t0)


def combine(out_dir: Path, cells: list, names: list[str], exp: Experiment) -> dict[str, Any]:
    """Rebuild the top-level tables and summary from the finished cells; returns the summary."""
    parquet = exp.outputs.parquet
    summary = {"name": exp.name, "description": exp.description, "baseline": exp.baseline_name, "cells": []}
    for table in CELL_TABLES:
        parts = [(out_dir / "cells" / name / table, {"cell": i, **cells[i][0]}) for i, name in enumerate(names)]
        # a cell finished by an older version (resumed) has no rows of a newer table
        parts = [(p, lead) for p, lead in parts if table not in _NEWER_TABLES or p.with_suffix(".csv").exists()]
        if parts and stack_tables(out_dir / table, parts, parquet):
            continue  # rows copied as text: fast, and values keep their exact text
        merged: dict[str, list] = {}
        for path, lead in parts:
            t = read_table(path)
            n_rows = len(next(iter(t.values()))) if t else 0
            for key, value in lead.items():  # the cell's index, then its overrides
                merged.setdefault(key, []).extend([value] * n_rows)
            for col, vals in t.items():
                merged.setdefault(col, []).extend(vals.tolist())
        write_table(out_dir / table, merged, parquet)
    for i, name in enumerate(names):
        meta = json.loads((out_dir / "cells" / name / "cell.json").read_text())
        summary["cells"].append(meta)
    atomic_write(out_dir / "summary.json", json.dumps(summary, indent=1, default=float))
    return summary


def budget_warnings(summary: dict[str, Any]) -> list[str]:
    """One line per strategy (and cell) that left more of its budget than the price of one unit unspent."""
    out = []
    for k, cell in enumerate(summary.get("cells", [])):
        where = f"cell {k} ({_overrides_text(cell['overrides'])}): " if cell.get("overrides") else ""
        for name in cell["strategies"]:
            plan = cell["summary"][name]["plan"]
            if plan.get("unspent_reason"):
                out.append(f"warning: {where}strategy {name!r} spent {plan['spend']:,.2f} of its budget "
                           f"{plan['budget']:,.2f}: {plan['unspent_reason']}")
    return out
