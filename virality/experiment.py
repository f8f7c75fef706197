"""Experiments: cells x strategies x replicates -> local cores or a Dask cluster -> tidy tables on disk.

A config (see :mod:`virality.config`) expands into sweep *cells*. A cell builds its graph once, turns
each ``[[strategy]]`` into an outreach :class:`~virality.campaign.Plan` that spends the strategy's
budget, and simulates every plan with the same replicates (common random numbers). The driver writes
each finished cell atomically under ``cells/``; an interrupted experiment resumes from them, and the
top-level tables are rebuilt from the cells at the end. Workers only compute: all writes happen in
the driver, so a Dask cluster needs no shared file system.
"""

from __future__ import annotations

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
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import strategies as S
from .campaign import Audience, Broadcast, CampaignResult, Influencers, Plan, run_campaign
from .config import GENERATORS, Experiment, GraphSpec, expand_cells
from .errors import InputError
from .graph import Graph
from .io import load_dataset, read_edgelist, read_labels
from .metrics import RATIOS, community_table, key_nodes, paired, run_table, summarize
from .report import spearman

__all__ = ["build_graph", "build_plan", "run_cell", "run_experiment", "ASPECTS", "HEADLINE"]

# stream ids of the experiment's seed: graph, alignment, strategy choices, simulation
_GRAPH, _ALIGN, _STRATEGY, _SIM = 1, 2, 3, 4

#: the seed document's comparison aspects -> (label, metric) rows of the comparison table
ASPECTS: list[tuple[str, str, str]] = [
    ("Audience reach", "unique exposed", "unique_exposed"),
    ("Audience reach", "engaged (reach)", "engaged"),
    ("Engagement rate", "engaged / exposed", "engagement_rate"),
    ("Cost efficiency", "cost per engagement", "cost_per_engagement"),
    ("Cost efficiency", "cost per conversion", "cost_per_conversion"),
    ("Credibility & trust", "positive sentiment share", "positive_share"),
    ("Credibility & trust", "contextual alignment index", "contextual_alignment"),
    ("Speed of deployment", "steps to half of reach", "time_to_half"),
    ("Speed of deployment", "steps to peak", "time_to_peak"),
    ("Measurement", "grassroots (peer) share", "grassroots_share"),
    ("Measurement", "structural virality", "structural_virality"),
    ("Measurement", "cascade depth", "depth"),
]
#: metrics summarised with intervals and compared pairwise
HEADLINE = sorted({m for _, _, m in ASPECTS} | {
    "impressions", "conversions", "shares", "reach_share", "broadcast_share", "influencer_share",
    "negative", "largest_cascade", "cost_per_thousand_reached", "conversion_rate",
})


def _seq(seed: int, stream: int, *more: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, stream, *more])


# ------------------------------------------------------------------------------------- graph
@functools.lru_cache(maxsize=4)
def _cached_graph(spec_json: str, seed: int) -> Graph:
    spec = GraphSpec(**json.loads(spec_json))
    return _build_graph(spec, seed)


def build_graph(spec: GraphSpec, seed: int) -> Graph:
    """The cell's graph (cached per process: a Dask worker builds each distinct graph once)."""
    return _cached_graph(spec.model_dump_json(), seed)


def _build_graph(spec: GraphSpec, seed: int) -> Graph:
    if spec.generator is not None:
        g = GENERATORS[spec.generator](**spec.params, rng=_seq(seed, _GRAPH))
    elif spec.dataset is not None:
        g = load_dataset(spec.dataset)
    else:
        g = read_edgelist(spec.file, directed=not spec.undirected)
        if spec.labels:
            g = g.with_community(read_labels(spec.labels, graph=g))
    if spec.p == "weighted_cascade":
        return g.with_prob(g.weighted_cascade())
    if spec.p == "file":
        if g.prob is None:
            raise InputError(f"graph.p = 'file' but {spec.file or spec.dataset or spec.generator} has no arc weights")
        return g
    return g.with_prob(float(spec.p))


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


def build_plan(graph: Graph, exp: Experiment, index: int) -> tuple[Plan, PlanInfo]:
    """Turn ``exp.strategy[index]`` into a :class:`Plan` that spends at most its budget."""
    s = exp.strategy[index]
    key = f"strategy[{index}] ({s.name})"
    scheme = S.TierScheme(exp.tiers.by, exp.tiers.bounds)
    prices = S.PriceList(per_post=dict(exp.prices.per_post), fixed=exp.prices.fixed,
                         per_follower=exp.prices.per_follower, cpm=exp.prices.cpm)
    bc = exp.channel(s, "broadcast")
    inf = exp.channel(s, "influencers")
    used = [c for c in (bc, inf) if c is not None]
    if s.budget is not None and not used:
        raise InputError(f"{key}: a budget needs a broadcast or influencers table to spend it on")
    # split the budget: explicit shares, the rest to a channel without one
    shares = {id(c): c.share for c in used}
    free = [c for c in used if c.share is None]
    left = 1.0 - sum(x for x in shares.values() if x is not None)
    for c in free:
        shares[id(c)] = max(left, 0.0) / len(free)
    broadcast = None
    airings, reach, spend_bc = 0, 0.0, 0.0
    if bc is not None:
        audience = Broadcast(target=None if bc.target is None else tuple(bc.target)).audience_size(graph)
        per_airing_full = prices.cpm * audience / 1000.0  # cost of one airing at reach 1
        money = None if s.budget is None else s.budget * shares[id(bc)]
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
        if money is not None and prices.cpm * reach * audience * airings / 1000.0 > money + 1e-6:
            raise InputError(f"{key}: broadcast of {airings} airing(s) at reach {reach:g} costs "
                             f"{prices.cpm * reach * audience * airings / 1000.0:g}, over its budget {money:g}")
        broadcast = Broadcast(reach=reach, airings=airings, lead_time=bc.lead_time, spacing=bc.spacing,
                              trust=bc.trust, target=None if bc.target is None else tuple(bc.target), positive=bc.positive)
        spend_bc = prices.broadcast_cost(broadcast.planned_impressions(graph))
    influencers = None
    nodes = np.zeros(0, np.int32)
    if inf is not None:
        costs = prices.post_costs(graph, scheme)
        money = None if s.budget is None else s.budget * shares[id(inf)]
        fn = S.STRATEGIES[inf.select]
        accepted = inspect.signature(fn).parameters
        opts: dict[str, Any] = {}
        if "rng" in accepted:
            opts["rng"] = _seq(exp.seed, _STRATEGY, index)
        if "p" in accepted:
            opts["p"] = inf.p if inf.p is not None else (exp.graph.p if isinstance(exp.graph.p, float) else 0.01)
        for option in ("order", "p"):
            if getattr(inf, option) is not None and option not in accepted:
                raise InputError(f"{key}.influencers: select = {inf.select!r} takes no {option!r}")
        if "order" in accepted and inf.order is not None:
            opts["order"] = inf.order
        if "scheme" in accepted:
            opts["scheme"] = scheme
        if "tier" in accepted and inf.tier is not None:
            opts["tier"] = inf.tier
        allowed = None
        if inf.tier is not None:
            allowed = S.tiers(graph, scheme) == S.TIERS.index(inf.tier)
        if inf.min_alignment is not None:
            align = np.asarray(build_audience(exp, graph).alignment)
            comm = graph.community if graph.community is not None else np.zeros(graph.n, dtype=np.int32)
            aligned = align[comm] >= inf.min_alignment
            allowed = aligned if allowed is None else allowed & aligned
        if allowed is not None and not allowed.any():
            raise InputError(f"{key}.influencers: no account is eligible (tier {inf.tier!r}, "
                             f"min_alignment {inf.min_alignment!r})")
        if inf.select in ("imm", "celf"):
            # influence maximization for the campaign's own word of mouth: IC with arc probability
            # p x peer trust x alignment of the follower's community. k accounts without filters: IMM
            # (or CELF on RR sets); a budget or filters: the budgeted greedy on RR sets
            unit = inf.k is not None
            if not unit and money is None:
                raise InputError(f"{key}.influencers: give k (how many accounts) or a strategy budget")
            align = np.asarray(build_audience(exp, graph).alignment)
            comm = graph.community if graph.community is not None else np.zeros(graph.n, dtype=np.int32)
            p_eff = graph.prob * exp.audience.peer_trust * align[comm[graph.indices]]
            rng = _seq(exp.seed, _STRATEGY, index)
            if unit and allowed is None:
                nodes = (S.imm(graph, inf.k, p=p_eff, rng=rng) if inf.select == "imm"
                         else S.celf(graph, inf.k, method="ris", p=p_eff, rng=rng))
            else:
                c = np.ones(graph.n) if unit else costs.copy()
                if allowed is not None:
                    c[~allowed] = np.inf
                nodes = S.budgeted_greedy(graph, float(inf.k) if unit else money, costs=c, p=p_eff, rng=rng)
            if unit and nodes.size < inf.k:
                raise InputError(f"{key}.influencers: k = {inf.k} but only {nodes.size} accounts add reach")
            if money is not None and costs[nodes].sum() > money + 1e-6:
                raise InputError(f"{key}.influencers: {nodes.size} posts cost {costs[nodes].sum():g}, over the budget {money:g}")
        elif inf.k is not None:
            ranking = fn(graph, graph.n, **opts)
            if allowed is not None:
                ranking = ranking[allowed[ranking]]
            if ranking.size < inf.k:
                raise InputError(f"{key}.influencers: k = {inf.k} but only {ranking.size} accounts are eligible")
            nodes = ranking[: inf.k]
            if money is not None and costs[nodes].sum() > money + 1e-6:
                raise InputError(f"{key}.influencers: {inf.k} posts cost {costs[nodes].sum():g}, over the budget {money:g}")
        elif money is not None:
            try:
                nodes = S.budgeted(graph, money, costs=costs, strategy=inf.select, allowed=allowed, **opts)
            except InputError as exc:
                raise InputError(f"{key}.influencers: {exc}") from None
        else:
            raise InputError(f"{key}.influencers: give k (how many accounts) or a strategy budget")
        trust = inf.trust if isinstance(inf.trust, float) else dict(inf.trust)
        influencers = Influencers(nodes=tuple(nodes.tolist()), trust=trust, lead_time=inf.lead_time, positive=inf.positive)
    tier_of = S.tiers(graph, scheme)[nodes]
    tier_counts = {name: int((tier_of == t).sum()) for t, name in enumerate(S.TIERS)}
    tier_counts["regular"] = int((tier_of < 0).sum())
    spend_inf = float(prices.post_costs(graph, scheme)[nodes].sum()) if nodes.size else 0.0
    plan = Plan(seeds=tuple(s.seeds), influencers=influencers, broadcast=broadcast)
    info = PlanInfo(budget=s.budget, spend=spend_bc + spend_inf, posts=int(nodes.size), airings=airings if bc else 0,
                    reach=reach if bc else 0.0, tiers=tier_counts)
    return plan, info


# ------------------------------------------------------------------------------------- one cell
def _simulate_all(graph: Graph, exp: Experiment, plans: list[Plan], runs: int, offset: int, record: int) -> list[CampaignResult]:
    audience = build_audience(exp, graph)
    scheme = S.TierScheme(exp.tiers.by, exp.tiers.bounds)
    prices = S.PriceList(per_post=dict(exp.prices.per_post), fixed=exp.prices.fixed,
                         per_follower=exp.prices.per_follower, cpm=exp.prices.cpm)
    out = []
    for i, plan in enumerate(plans):
        try:
            res = run_campaign(graph, plan, audience=audience, prices=prices, scheme=scheme, runs=runs,
                               rng=_seq(exp.seed, _SIM), max_steps=exp.max_steps, run_offset=offset,
                               record=record > 0)
        except InputError as exc:
            raise InputError(f"strategy[{i}] ({exp.strategy[i].name}): {exc}") from None
        out.append(res)
    return out


def _precision_reached(results: list[CampaignResult]) -> float:
    """Worst relative CI half-width over strategies of the main metrics (reach, cost per engagement)."""
    worst = 0.0
    for res in results:
        est = summarize(run_table(res), ["engaged", "cost_per_engagement"] if res.spend > 0 else ["engaged"])
        for e in est.values():
            if e.value and np.isfinite(e.low):
                worst = max(worst, (e.high - e.low) / 2 / abs(e.value))
    return worst


def run_cell(exp: Experiment, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Simulate every strategy of one cell; returns plain tables (dicts of numpy arrays) and summaries.

    With ``runs = "auto"``, replicate batches of ``batch`` runs are added to every strategy until the
    confidence intervals of reach and cost per engagement are within ``precision`` (relative) for all
    strategies, or ``max_runs`` is reached.
    """
    t0 = time.perf_counter()
    graph = build_graph(exp.graph, exp.seed)
    built = [build_plan(graph, exp, i) for i in range(len(exp.strategy))]
    plans = [p for p, _ in built]
    auto = exp.runs == "auto"
    target = exp.max_runs if auto else exp.runs
    # batch boundaries at multiples of `step`; the first `records` runs form their own batch, the only
    # one that keeps full records (runs x nodes arrays). Runs depend only on their index, so the
    # batching never changes the results.
    step = exp.batch if auto else max(1, math.ceil(target / 20))
    records = min(exp.outputs.records, target)
    parts: list[list[CampaignResult]] = []
    done = 0
    precision = math.inf
    while done < target:
        keep = done == 0 and records > 0
        end = records if keep else min(target, (done // step + 1) * step)
        parts.append(_simulate_all(graph, exp, plans, end - done, done, records if keep else 0))
        if progress:
            progress(end - done)
        done = end
        if auto and (done % step == 0 or done == target):
            merged = [CampaignResult.concat([p[i] for p in parts]) for i in range(len(plans))]
            precision = _precision_reached(merged)
            if precision <= exp.precision:
                break
    results = [CampaignResult.concat([p[i] for p in parts]) for i in range(len(plans))]
    if not auto:
        precision = _precision_reached(results)
    return _tables(graph, exp, built, results, precision, time.perf_counter() - t0)


def _tables(graph: Graph, exp: Experiment, built: list[tuple[Plan, PlanInfo]], results: list[CampaignResult],
            precision: float, seconds: float) -> dict[str, Any]:
    names = [s.name for s in exp.strategy]
    tables = [run_table(r) for r in results]
    base = names.index(exp.baseline_name)
    summary = {}
    for name, (plan, info), table in zip(names, built, tables):
        summary[name] = {
            "plan": {"budget": info.budget, "spend": info.spend, "posts": info.posts, "tiers": info.tiers,
                     "airings": info.airings, "reach": info.reach},
            "metrics": {m: vars(e) for m, e in summarize(table, HEADLINE).items()},
            "vs_baseline": {m: vars(e) for m, e in paired(table, tables[base], HEADLINE).items()},
        }
    cols = ["run", *[m for m in tables[0] if m not in ("population", "spend_thousand")]]
    runs_tab = {"strategy": [], **{c: [] for c in cols}}
    curves = {"strategy": [], "step": [], "mean": [], "low": [], "median": [], "high": []}
    sizes = np.bincount(graph.community, minlength=graph.n_communities) if graph.community is not None else np.array([graph.n])
    comms: dict[str, list] = {"strategy": []}
    nodes: dict[str, list] = {"strategy": []}
    keep = exp.outputs.nodes if exp.outputs.nodes is not None else ("all" if graph.n <= 20000 else 2000)
    records = {}
    audience = build_audience(exp, graph)
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
        comms["strategy"] += [name] * len(ct["community"])
        for k, v in ct.items():
            comms.setdefault(k, []).extend(np.asarray(v).tolist())
        kn = key_nodes(res, graph.followers)
        # are the key nodes the hubs? over every node, before nodes.csv keeps only the top rows
        summary[name]["key_nodes"] = {"nodes": graph.n, **{
            f"spearman_{col}_followers": spearman(kn[col], kn["followers"])
            for col in ("ripple", "direct", "bridging", "engage_probability", "early")}}
        kn["community"] = graph.community if graph.community is not None else np.zeros(graph.n, int)
        kn["seeded"] = np.isin(np.arange(graph.n), res.posters).astype(int)
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
        "summary": summary, "runs": runs_tab, "curves": curves, "communities": comms, "nodes": nodes,
        "records": records, "strategies": names, "n_runs": results[0].runs, "precision": precision,
        "seconds": seconds, "graph": {"name": graph.name, "n": graph.n, "m": graph.m, "communities": graph.n_communities},
    }


# ------------------------------------------------------------------------------------- writing
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _publish(tmp: str | Path, directory: bool = False) -> None:
    """mkstemp / mkdtemp make private (0600 / 0700) entries: give them the permissions of a plain write."""
    os.chmod(tmp, (0o777 if directory else 0o666) & ~_UMASK)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        _publish(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(path: Path, table: dict[str, list], parquet: bool = False) -> None:
    """Write a column dict as CSV (and Parquet when pyarrow is installed and asked for), atomically."""
    import csv
    import io

    cols = list(table)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(cols)
    w.writerows(zip(*(table[c] for c in cols)))
    _atomic_write(path.with_suffix(".csv"), buf.getvalue())
    if parquet:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            return
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        os.close(fd)
        try:
            pq.write_table(pa.table({c: table[c] for c in cols}), tmp)
            _publish(tmp)
            os.replace(tmp, path.with_suffix(".parquet"))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def read_table(path: Path) -> dict[str, np.ndarray]:
    """Read a CSV written by :func:`write_table` back into numpy columns (numbers where they parse)."""
    import csv

    with open(path.with_suffix(".csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    out = {}
    for j, col in enumerate(rows[0]):
        vals = [r[j] for r in rows[1:]]
        for dtype in (np.int64, float, object):  # ids and counts stay integers through combine()
            try:
                out[col] = np.array(vals, dtype=dtype)
                break
            except (ValueError, OverflowError):
                continue
    return out


def _write_cell(cell_dir: Path, cell: dict[str, Any], overrides: dict[str, Any], parquet: bool) -> None:
    """Write one cell's outputs into a temporary folder, then rename it into place (atomic)."""
    tmp = Path(tempfile.mkdtemp(dir=cell_dir.parent, prefix=f".{cell_dir.name}."))
    try:
        for name in ("runs", "curves", "communities", "nodes"):
            write_table(tmp / name, cell[name], parquet)
        if cell["records"]:
            np.savez_compressed(tmp / "records.npz", **cell["records"])
        meta = {k: cell[k] for k in ("summary", "strategies", "n_runs", "precision", "seconds", "graph")}
        meta["overrides"] = overrides
        (tmp / "cell.json").write_text(json.dumps(meta, indent=1, default=float))
        _publish(tmp, directory=True)
        if cell_dir.exists():
            shutil.rmtree(cell_dir)
        os.replace(tmp, cell_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _config_hash(raw: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _manifest(exp: Experiment, raw: dict[str, Any], status: str, timings: dict[str, float], n_cells: int) -> dict[str, Any]:
    import numba

    from . import __version__

    return {
        "name": exp.name, "status": status, "config_hash": _config_hash(raw), "seed": exp.seed,
        "cells": n_cells, "timings_s": timings,
        "versions": {"virality": __version__, "python": sys.version.split()[0], "numpy": np.__version__,
                     "numba": numba.__version__},
        "platform": {"system": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count(),
                     "numba_threads": numba.get_num_threads()},
        "executor": exp.executor, "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _toml_str(s: str) -> str:
    """A TOML basic string (JSON escapes, but non-ASCII kept as is: TOML has no surrogate escapes)."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _to_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for the resolved config (tables, arrays of tables, scalars, lists)."""

    def val(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return _toml_str(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{_toml_str(k)} = {val(x)}" for k, x in v.items()) + "}"
        raise TypeError(type(v))

    lines: list[str] = []

    def table(prefix: str, d: dict[str, Any]) -> None:
        subs = []
        for k, v in d.items():
            if isinstance(v, dict):
                subs.append((k, v))
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                subs.append((k, v))
            else:
                lines.append(f"{_toml_str(k)} = {val(v)}")
        for k, v in subs:
            name = f"{prefix}.{_toml_str(k)}" if prefix else _toml_str(k)
            if isinstance(v, list):
                for item in v:
                    lines.append(f"\n[[{name}]]")
                    table(name, item)
            else:
                lines.append(f"\n[{name}]")
                table(name, v)

    table("", data)
    return "\n".join(lines).lstrip("\n") + "\n"


#: the files a run writes at the top of its results directory (``--force`` removes these and nothing else)
_OUTPUTS = ("manifest.json", "config.toml", "summary.json", "report.html",
            *(f"{t}.{ext}" for t in ("runs", "curves", "communities", "nodes") for ext in ("csv", "parquet")))


def run_experiment(
    config: str | Path,
    *,
    out: str | Path | None = None,
    overrides: list[str] | None = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = False,
    scheduler: str | None = None,
    figures: bool | None = None,
    log: Callable[[str], None] = print,
) -> Path:
    """Run an experiment config end to end and return its results directory.

    Cells already finished in ``out`` are kept with ``resume``; a finished experiment is not re-run
    unless ``force``. ``scheduler`` (an address, or ``"local"`` for a LocalCluster) sends cells to
    Dask workers. Results are identical for every executor and number of workers.
    """
    from tqdm.auto import tqdm

    from .config import load_config

    exp, raw = load_config(config, overrides)
    cells = expand_cells(exp, raw, str(config))
    out_dir = Path(out) if out is not None else Path("results") / exp.name
    manifest_path = out_dir / "manifest.json"
    chash = _config_hash(raw)
    if manifest_path.exists() and not force:
        try:
            old = json.loads(manifest_path.read_text())
        except (OSError, json.JSONDecodeError):
            raise InputError(f"{manifest_path}: unreadable manifest; use --force to start over") from None
        if old.get("config_hash") != chash:
            raise InputError(f"{out_dir} holds results of a different config; use --force to overwrite or choose --out")
        if old.get("status") == "complete":
            log(f"{out_dir}: already complete (use --force to run again)")
            return out_dir
        if not resume:
            raise InputError(f"{out_dir} holds an unfinished run of this config; use --resume to continue or --force")
    if force and out_dir.exists():
        for name in ("cells", "figures"):
            shutil.rmtree(out_dir / name, ignore_errors=True)
        for name in _OUTPUTS:
            (out_dir / name).unlink(missing_ok=True)
    (out_dir / "cells").mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / "cells").glob(".cell_*"):  # half-written cells of a killed run
        shutil.rmtree(stale, ignore_errors=True)
    _atomic_write(out_dir / "config.toml", _to_toml(raw))
    timings = {"started": time.time()}
    _atomic_write(manifest_path, json.dumps(_manifest(exp, raw, "running", {}, len(cells)), indent=1))
    names = [f"cell_{i:04d}" for i in range(len(cells))]
    todo = [i for i in range(len(cells)) if not (out_dir / "cells" / names[i] / "cell.json").exists()]
    if len(todo) < len(cells):
        log(f"resuming: {len(cells) - len(todo)} of {len(cells)} cells already finished")
    show = not quiet and sys.stderr.isatty()
    bar = tqdm(total=len(todo), desc="cells", unit="cell", disable=not show)
    executor = "dask" if scheduler else exp.executor
    t0 = time.perf_counter()
    try:
        if executor == "dask":
            _run_dask(cells, todo, names, out_dir, exp, scheduler, bar)
        else:
            for i in todo:
                over, spec = cells[i]
                runs_total = spec.runs if spec.runs != "auto" else spec.max_runs
                inner = tqdm(total=runs_total, desc=names[i], unit="run", leave=False, disable=not show)
                cell = run_cell(spec, progress=inner.update)
                inner.close()
                _write_cell(out_dir / "cells" / names[i], cell, over, spec.outputs.parquet)
                bar.update(1)
    finally:
        bar.close()
    timings = {"simulate": round(time.perf_counter() - t0, 3)}
    t1 = time.perf_counter()
    combine(out_dir, cells, names, exp)
    want_figures = exp.outputs.figures if figures is None else figures
    if want_figures:
        try:
            from .plots import figures_for_results
        except ImportError:  # figures come with the plots module
            figures_for_results = None
        if figures_for_results is not None:
            figures_for_results(out_dir)
    timings["write"] = round(time.perf_counter() - t1, 3)
    _atomic_write(manifest_path, json.dumps(_manifest(exp, raw, "complete", timings, len(cells)), indent=1))
    return out_dir


def _run_dask(cells, todo, names, out_dir, exp, scheduler, bar) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("executor 'dask' needs the dask extra: pip install 'virality[dask]'") from None
    address = scheduler or exp.scheduler
    cluster = None
    if address in (None, "local"):
        cluster = LocalCluster(n_workers=exp.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        futures = {client.submit(run_cell, cells[i][1], pure=False): i for i in todo}
        for fut in as_completed(futures):
            i = futures[fut]
            _write_cell(out_dir / "cells" / names[i], fut.result(), cells[i][0], cells[i][1].outputs.parquet)
            bar.update(1)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def combine(out_dir: Path, cells: list, names: list[str], exp: Experiment) -> None:
    """Rebuild the top-level tables and summary from the finished cells."""
    parquet = exp.outputs.parquet
    summary = {"name": exp.name, "description": exp.description, "baseline": exp.baseline_name, "cells": []}
    for table in ("runs", "curves", "communities", "nodes"):
        merged: dict[str, list] = {}
        for i, name in enumerate(names):
            t = read_table(out_dir / "cells" / name / table)
            over = cells[i][0]
            n_rows = len(next(iter(t.values()))) if t else 0
            merged.setdefault("cell", []).extend([i] * n_rows)
            for key, value in over.items():
                merged.setdefault(key, []).extend([value] * n_rows)
            for col, vals in t.items():
                merged.setdefault(col, []).extend(vals.tolist())
        write_table(out_dir / table, merged, parquet)
    for i, name in enumerate(names):
        meta = json.loads((out_dir / "cells" / name / "cell.json").read_text())
        summary["cells"].append(meta)
    _atomic_write(out_dir / "summary.json", json.dumps(summary, indent=1, default=float))
