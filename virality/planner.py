"""Plan the budget: response curves per channel, a greedy start and a paired local search over mixes.

The *options* are single-channel strategies of a config (a broadcast, or one group of influencers such as
nano or micro accounts), each scalable by money the way :func:`virality.experiment.build_plan` builds it:
a broadcast buys airings at its reach (or the reach that fits), influencers hire down their ranking every
account whose post still fits. A budget ``B`` is split into ``grid - 1`` steps of ``B / (grid - 1)``.

1. **Response curves.** Each option alone at spends ``0, B/(grid-1), ..., B``: the objective's mean and
   95% interval per spend, the marginal cost per extra engagement between grid points, and a Hill
   saturation fit ``y = y0 + top * s^k / (half^k + s^k)`` (least squares, numpy only).
2. **Greedy start.** Steps of money go, one after another, to the option whose response curve returns
   the most per unit of money (looking ahead over several steps, so that a channel bought in lumps, such
   as whole airings, is not starved).
3. **Local search.** A mix is one plan: the broadcast part and the influencer groups of the options, each
   with its spend, simulated as a whole (channels overlap and feed each other's word of mouth). A move
   takes one step of money from one option to another; it is kept only if its paired difference against
   the current mix, on the same replicates, improves the objective. The search stops when no move does.

The *form* of the question (``[optimize] form``):

- ``"max"``: the best mix of the whole budget (steps 1-3 at ``B``).
- ``"least_spend"`` with ``target``: the least spend, in steps of ``B / (grid - 1)`` up to ``B``, whose mix
  reaches the target. The budget grows one step at a time from the lowest the bounds allow, with the same
  greedy start and paired search at each budget (the *expansion path*: the best mix at each budget), and stops
  at the first budget whose mix reaches the target on the search's replicates. Growing rather than bisecting:
  every smaller budget was searched and fell short, with no assumption that the search's best value rises
  with money; each budget costs one search.
- ``"marginal_cost"`` with ``limit``: the most spend at which the marginal cost per extra engagement along the
  expansion path (one step of money over the paired increase in people engaged between the best mixes of two
  consecutive budgets) stays at or under the limit; the path stops at the first step that costs more.

A *frontier* of two metrics (``[optimize] frontier = ["engaged", "time_to_common"]``) evaluates every mix the
search visited, the response curves' points, the expansion path at every budget and, for up to three options,
every split of the whole budget on the step grid, and keeps the Pareto-optimal mixes (each metric in the
better direction of :mod:`virality.catalog`). Speed is timed to one target for all mixes: half the smallest
reach among the mixes of the whole budget, as a comparison of strategies of equal budget times it.

Every evaluation uses the same ``rng`` and run indices as ``virality run`` (common random numbers), so
a plan is simulated at most once (evaluations are cached by plan) and a fixed strategy of the config is
the same number here as in its own run. Spend never exceeds the budget: each option spends at most
its allotment and allotments sum to at most ``B``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any

import numpy as np

from .campaign import Broadcast, Influencers, Plan, run_campaign
from .catalog import LOWER_IS_BETTER, RATIOS, fmt, label, unit
from .config import FORMS, FRONTIER_METRICS, OBJECTIVES, Experiment, OptimizeSpec, load_config, single_channel
from .errors import InputError
from .experiment import (_SIM, _broadcast_part, _claim, _config_hash, _eligible, _influencer_part, _seq, build_audience, build_graph,
                         build_plan, check_memory, merge_influencers, price_list)
from .files import atomic_write, temporary_path
from .graph import Graph
from .metrics import Estimate, common_target, paired, run_table, summarize, time_to_reach
from .pricing import tiers
from .tables import write_table

__all__ = ["Option", "Evaluation", "Curve", "PathStep", "PlanResult", "Planner", "fit_hill", "pareto", "optimize",
           "run_optimize", "write_outputs", "MAX_DEFAULT_RUNS"]

#: replicates per evaluation when ``[optimize] runs`` is not given: the config's runs, at most this many
MAX_DEFAULT_RUNS = 300
_EPS = 1e-9


@dataclass(frozen=True)
class Option:
    """One channel option: a single-channel strategy of the config, scaled by money."""

    name: str
    index: int  # position in exp.strategy (its selection randomness and seeds)
    channel: str  # "broadcast" or "influencers"
    spec: Any  # the merged BroadcastSpec or InfluencerSpec
    seeds: tuple[int, ...]
    low: float
    high: float


@dataclass(frozen=True, eq=False)
class Evaluation:
    """One simulated plan: what each option was allotted and spent, the run table, the objective."""

    allotted: tuple[float, ...]
    spent: tuple[float, ...]
    spend: float
    table: dict[str, np.ndarray]
    value: Estimate
    phase: str
    steps: np.ndarray | None = None  # new engagements per run and step (kept when a frontier times speed)


@dataclass(frozen=True)
class Curve:
    """The response of one option alone, at every grid spend."""

    option: str
    spends: tuple[float, ...]
    spent: tuple[float, ...]
    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    engaged: tuple[float, ...]
    marginal_cost: tuple[float, ...]  # per extra engagement from the previous grid point (NaN at 0)
    fit: dict[str, float]


@dataclass(frozen=True, eq=False)
class PathStep:
    """The best mix the search found at one budget of the expansion path (``steps`` steps of money)."""

    steps: int
    start: tuple[int, ...]
    levels: tuple[int, ...]
    evaluation: Evaluation
    moves: list[dict[str, Any]]


@dataclass
class PlanResult:
    """What :meth:`Planner.run` found: ``levels`` is the chosen mix (the best of the budget for ``form = "max"``,
    the least spend or the marginal-cost spend for the other forms)."""

    objective: str
    better: str
    budget: float
    step: float
    grid: int
    runs: int
    options: list[Option]
    curves: list[Curve]
    greedy: tuple[int, ...]
    levels: tuple[int, ...]
    best: Evaluation
    start: Evaluation
    moves: list[dict[str, Any]]
    simulations: dict[str, int]
    single: dict[str, Any]
    fixed: dict[str, Any]
    holdout: dict[str, Any] = field(default_factory=dict)
    evaluations: list[Evaluation] = field(default_factory=list)
    seconds: float = 0.0
    form: str = "max"
    form_result: dict[str, Any] = field(default_factory=dict)  # the form's own keys of optimize.json
    path: list[dict[str, Any]] = field(default_factory=list)  # the expansion path, budget by budget
    frontier: dict[str, Any] | None = None
    mixes: dict[str, list] | None = None  # every mix the frontier weighed (mixes.csv), Pareto ones flagged

    @property
    def spends(self) -> list[float]:
        return [lv * self.step for lv in self.levels]


# ------------------------------------------------------------------------------------- the Hill fit
def fit_hill(spend: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Least-squares fit of ``y = y0 + top * s^k / (half^k + s^k)``, ``y0`` the value at spend 0.

    Numpy only: for each ``(half, k)`` on a log grid, ``top`` is linear and solved exactly; the best pair
    is refined twice on finer grids around it. Returns ``top``, ``half``, ``k``, ``y0`` and ``r2`` (NaN
    where fewer than two positive spends have finite values, or nothing varies).

    Examples
    --------
    >>> s = np.linspace(0, 1000, 9)
    >>> f = fit_hill(s, 500 * s**1.5 / (300**1.5 + s**1.5))
    >>> round(f["top"]), round(f["half"]), round(f["k"], 2)
    (500, 300, 1.5)
    """
    s = np.asarray(spend, dtype=float)
    y = np.asarray(y, dtype=float)
    nan = {"top": math.nan, "half": math.nan, "k": math.nan, "y0": math.nan, "r2": math.nan}
    zero = np.isfinite(y) & (s <= 0)
    y0 = float(y[zero][0]) if zero.any() else 0.0
    keep = np.isfinite(y) & (s > 0)
    s, z = s[keep], y[keep] - y0
    if s.size < 2 or not np.any(z != 0):
        return nan | {"y0": y0}
    smin, smax = float(s.min()), float(s.max())

    def best_on(halves: np.ndarray, ks: np.ndarray) -> tuple[float, float, float, float]:
        h = halves[:, None, None]
        k = ks[None, :, None]
        f = 1.0 / (1.0 + (h / s[None, None, :]) ** k)  # s^k / (h^k + s^k), stable for large k
        ff = np.einsum("ijn,ijn->ij", f, f)
        top = np.einsum("ijn,n->ij", f, z) / np.where(ff > 0, ff, np.inf)
        sse = np.einsum("ijn->ij", (z[None, None, :] - top[..., None] * f) ** 2)
        i, j = np.unravel_index(np.argmin(sse), sse.shape)
        return float(halves[i]), float(ks[j]), float(top[i, j]), float(sse[i, j])

    half, k, top, sse = best_on(np.geomspace(smin / 20, smax * 50, 161), np.geomspace(0.2, 10, 81))
    for zoom in (1.5, 1.1):
        half, k, top, sse = best_on(np.geomspace(half / zoom, half * zoom, 41),
                                    np.geomspace(max(k / zoom, 0.05), k * zoom, 41))
    total = float(((z - z.mean()) ** 2).sum())
    return {"top": top, "half": half, "k": k, "y0": y0, "r2": 1.0 - sse / total if total > 0 else math.nan}


# ------------------------------------------------------------------------------------- the planner
class Planner:
    """The options, budget and objective of a config's ``[optimize]`` section, and a cache of evaluations.

    Without ``[optimize]`` the options are the config's single-channel strategies and the budget their
    common budget. ``budget``, ``objective``, ``runs`` and ``grid`` given here override the config.
    """

    def __init__(self, exp: Experiment, graph: Graph | None = None, *, budget: float | None = None,
                 objective: str | None = None, runs: int | None = None, grid: int | None = None,
                 form: str | None = None, target: float | None = None, limit: float | None = None,
                 frontier: list[str] | tuple[str, str] | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        spec = exp.optimize or OptimizeSpec()
        self.exp = exp
        self.log = log or (lambda msg: None)
        self.objective = objective or spec.objective
        if self.objective not in OBJECTIVES:
            raise InputError(f"optimize.objective: unknown objective {self.objective!r}; valid: {', '.join(OBJECTIVES)}")
        self.form = form or spec.form
        if self.form not in FORMS:
            raise InputError(f"optimize.form: unknown form {self.form!r}; valid: {', '.join(FORMS)}")
        self.target = target if target is not None else spec.target
        self.limit = limit if limit is not None else spec.limit
        if self.form == "least_spend" and (self.target is None or not math.isfinite(self.target)):
            raise InputError(f"optimize.target: form 'least_spend' needs a finite target, got {self.target!r}")
        if self.form == "marginal_cost" and (self.limit is None or not self.limit > 0 or not math.isfinite(self.limit)):
            raise InputError(f"optimize.limit: form 'marginal_cost' needs a positive limit, got {self.limit!r}")
        self.frontier_metrics = tuple(frontier) if frontier is not None else \
            (tuple(spec.frontier) if spec.frontier is not None else None)
        if self.frontier_metrics is not None and (len(self.frontier_metrics) != 2 or len(set(self.frontier_metrics)) != 2
                                                  or any(m not in FRONTIER_METRICS for m in self.frontier_metrics)):
            raise InputError(f"optimize.frontier: two different metrics of {', '.join(FRONTIER_METRICS)}, got "
                             f"{list(self.frontier_metrics)!r}")
        self.keep_steps = self.frontier_metrics is not None and "time_to_common" in self.frontier_metrics
        if runs is not None and (isinstance(runs, bool) or not isinstance(runs, int) or runs < 1):
            raise InputError(f"optimize.runs must be a positive integer, got {runs!r}")
        self.sign = -1.0 if self.objective in LOWER_IS_BETTER else 1.0
        self.grid = grid or spec.grid
        if self.grid < 2:
            raise InputError(f"optimize.grid must be at least 2, got {self.grid}")
        default_runs = min(exp.runs if exp.runs != "auto" else MAX_DEFAULT_RUNS, MAX_DEFAULT_RUNS)
        self.runs = int(runs or spec.runs or default_runs)
        names = spec.options
        if names is None:
            names = [s.name for s in exp.strategy if single_channel(s)]
            if not names:
                raise InputError("optimize.options: the config has no single-channel strategy to use as an option; "
                                 "list options in [optimize]")
            bc = [n for n in names if exp.strategy[self._index(n)].broadcast is not None]
            if len(bc) > 1:
                raise InputError(f"optimize.options: the config has {len(bc)} broadcast-only strategies "
                                 f"({', '.join(map(repr, bc))}) and a plan has one broadcast: list the options in "
                                 "[optimize]")
        for name in spec.bounds:
            if name not in names:
                raise InputError(f"optimize.bounds: {name!r} is not an option; options: {', '.join(names)}")
        self.budget = float(budget if budget is not None else spec.budget if spec.budget is not None
                            else self._common_budget(names))
        if not self.budget > 0 or not math.isfinite(self.budget):
            raise InputError(f"optimize.budget must be a positive number, got {self.budget!r}")
        self.step = self.budget / (self.grid - 1)
        self.options = []
        for name in names:
            i = self._index(name)
            s = exp.strategy[i]
            channel = "broadcast" if s.broadcast is not None else "influencers"
            low, high = spec.bounds.get(name, (0.0, self.budget))
            self.options.append(Option(name, i, channel, exp.channel(s, channel), tuple(s.seeds), float(low), float(high)))
        self.lo = [math.ceil(o.low / self.step - _EPS) for o in self.options]
        self.hi = [min(self.grid - 1, math.floor(min(o.high, self.budget) / self.step + _EPS)) for o in self.options]
        for o, lo, hi in zip(self.options, self.lo, self.hi):
            if lo > hi:
                raise InputError(f"optimize.bounds.{o.name}: [{o.low:g}, {o.high:g}] holds no multiple of the step "
                                 f"{self.step:g} (budget {self.budget:g} in {self.grid - 1} steps)")
        if sum(self.lo) > self.grid - 1:
            raise InputError(f"optimize.bounds: the lower bounds ({sum(o.low for o in self.options):g}) exceed the "
                             f"budget {self.budget:g}")
        self.seeds = tuple(dict.fromkeys(x for o in self.options for x in o.seeds))
        # the graph last: every check above is cheap
        self.graph = graph if graph is not None else build_graph(exp.graph, exp.seed)
        self.audience = build_audience(exp, self.graph)
        self.scheme, self.prices = price_list(exp)
        self.costs = self.prices.post_costs(self.graph, self.scheme)
        self.tier_of = tiers(self.graph, self.scheme)
        self._nodes: dict[tuple[int, float], np.ndarray] = {}
        self._cache: dict[str, Evaluation] = {}
        self.cache_dir: Path | None = None  # where simulated plans are kept for a resume (run_optimize sets it)
        self.evaluations: list[Evaluation] = []
        self.simulations = {"curves": 0, "search": 0, "frontier": 0, "comparison": 0, "holdout": 0}
        self.phase = "curves"
        self._path: dict[int, PathStep] = {}
        for key, form_of in (("target", "least_spend"), ("limit", "marginal_cost")):
            if getattr(self, key) is not None and self.form != form_of:
                self.log(f"note: optimize.{key} is for form = {form_of!r}; form {self.form!r} does not use it")
        if exp.sweep:
            self.log("note: [sweep] is not planned over: the plan is for the config as written, without its sweep")
        question = {"max": "the best mix",
                    "least_spend": f"the least spend to reach {self.target!r}",
                    "marginal_cost": f"the most spend at a marginal cost of at most {self.limit!r} per engagement"}
        self.log(f"planning {_money(self.budget)} over {len(self.options)} options ({', '.join(names)}): "
                 f"{question[self.form]}; {self.grid} spends per response curve, moves of {_money(self.step)}, "
                 f"{self.runs} replicates per evaluation, objective {self.objective} "
                 f"({'lower' if self.sign < 0 else 'higher'} is better)"
                 + (f"; frontier of {' and '.join(self.frontier_metrics)}" if self.frontier_metrics else ""))

    # -------------------------------------------------------------------- setup helpers
    def _index(self, name: str) -> int:
        return [s.name for s in self.exp.strategy].index(name)

    def _common_budget(self, names: list[str]) -> float:
        budgets = {self.exp.strategy[self._index(n)].budget for n in names}
        if len(budgets) != 1 or None in budgets:
            shown = ", ".join(f"{n}: {self.exp.strategy[self._index(n)].budget}" for n in names)
            raise InputError(f"optimize.budget: the options have no common budget ({shown}); set optimize.budget "
                             "or --budget")
        return float(budgets.pop())

    # -------------------------------------------------------------------- one option at one spend
    def _broadcast(self, opt: Option, money: float) -> Broadcast | None:
        """The airings ``money`` buys for a broadcast option; None when it buys none."""
        bc = opt.spec
        if money <= 0:
            return None
        target = None if bc.target is None else tuple(bc.target)
        full = self.prices.broadcast_cost(Broadcast(target=target).audience_size(self.graph))  # one airing, reach 1
        if bc.reach is not None and bc.airings is not None:  # a fixed size: all or nothing
            if full * bc.reach * bc.airings > money + 1e-6:
                return None
        elif bc.reach is not None and full * bc.reach > 0 and math.floor(money / (full * bc.reach) + 1e-9) == 0:
            return None  # not even one airing at the option's reach
        bcast = _broadcast_part(self.graph, bc, money, self.prices, f"optimize option {opt.name!r}")
        return bcast if bcast.airings > 0 and bcast.reach > 0 else None

    def _hired(self, opt: Option, money: float) -> np.ndarray:
        """The accounts ``money`` hires for an influencer option (cached per option and spend)."""
        key = (opt.index, round(money, 9))
        if key not in self._nodes:
            self._nodes[key] = self._hire(opt, money)
        return self._nodes[key]

    def _hire(self, opt: Option, money: float) -> np.ndarray:
        none = np.zeros(0, np.int32)
        if money <= 0:
            return none
        inf = opt.spec
        where = f"strategy[{opt.index}] ({opt.name})"
        allowed = _eligible(self.graph, self.exp, inf, self.scheme, where)
        eligible = np.flatnonzero(allowed) if allowed is not None else np.arange(self.graph.n)
        if eligible.size == 0 or float(self.costs[eligible].min()) > money + 1e-9:
            return none  # not even one post
        if inf.k is not None:  # a fixed number of accounts: all or nothing
            nodes = _influencer_part(self.graph, self.exp, opt.index, inf, None, self.scheme, self.prices, where)
            return nodes if float(self.costs[nodes].sum()) <= money + 1e-6 else none
        return _influencer_part(self.graph, self.exp, opt.index, inf, money, self.scheme, self.prices, where)

    # -------------------------------------------------------------------- a mix
    def plan(self, allotted: list[float] | tuple[float, ...]) -> tuple[Plan, tuple[float, ...]]:
        """One plan for an allotment per option (money), and what each option spends of it."""
        broadcast = None
        groups: list[tuple[Option, np.ndarray]] = []
        spent = [0.0] * len(self.options)
        hired: set[int] = set()
        for k, (opt, money) in enumerate(zip(self.options, allotted)):
            if opt.channel == "broadcast":
                broadcast = self._broadcast(opt, money)
                if broadcast is not None:
                    spent[k] = self.prices.broadcast_cost(broadcast.planned_impressions(self.graph))
            else:
                nodes = self._hired(opt, money)
                new = [int(v) for v in nodes.tolist() if v not in hired]  # an account hired twice posts once
                hired.update(new)
                spent[k] = float(self.costs[new].sum()) if new else 0.0
                if new:
                    groups.append((opt, np.array(new, dtype=np.int32)))
        return Plan(seeds=self.seeds, influencers=self._merge(groups), broadcast=broadcast), tuple(spent)

    def _merge(self, groups: list[tuple[Option, np.ndarray]]) -> Influencers | None:
        """One :class:`Influencers` for several groups: the union of their accounts, trust per tier (the merging
        of a portfolio strategy, :func:`virality.experiment.merge_influencers`)."""
        if not groups:
            return None
        return merge_influencers([(repr(opt.name), opt.spec, nodes) for opt, nodes in groups], self.tier_of,
                                 "optimize.options")

    @staticmethod
    def plan_key(plan: Plan) -> str:
        """What identifies a plan's simulation (equal keys: identical runs)."""
        inf = plan.influencers
        bc = plan.broadcast
        parts = {
            "seeds": list(plan.seeds),
            "inf": None if inf is None or not inf.nodes else
            [list(inf.nodes), inf.trust if isinstance(inf.trust, float) else sorted(dict(inf.trust).items()),
             inf.lead_time, inf.positive],
            "bc": None if bc is None or bc.airings == 0 or bc.reach == 0 else
            [bc.reach, bc.airings, bc.lead_time, bc.spacing, bc.trust, bc.target, bc.positive],
        }
        return json.dumps(parts, default=float)

    def simulate(self, plan: Plan) -> tuple[dict[str, np.ndarray], float, np.ndarray | None]:
        """Run table, spend and (when a frontier times speed) new engagements per step of a plan on the shared
        replicates; cached by plan."""
        key = self.plan_key(plan)
        if key in self._cache:
            ev = self._cache[key]
            return ev.table, ev.spend, ev.steps
        stored = self._stored(key)
        if stored is None:
            res = run_campaign(self.graph, plan, audience=self.audience, prices=self.prices, scheme=self.scheme,
                               runs=self.runs, rng=_seq(self.exp.seed, _SIM), max_steps=self.exp.max_steps)
            stored = (run_table(res), float(res.spend), np.asarray(res.step_counts, dtype=np.int32))
            self._store(key, *stored)
        self.simulations[self.phase] += 1  # also when an earlier, interrupted run simulated it: counts match
        table, spend, steps = stored
        return table, spend, steps if self.keep_steps else None

    def _file(self, key: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".npz")

    def _stored(self, key: str) -> tuple[dict[str, np.ndarray], float, np.ndarray] | None:
        """A plan simulated by an earlier, interrupted run of the same plan (its ``cache_dir``), or None."""
        path = self._file(key)
        if path is None or not path.exists():
            return None
        try:
            with np.load(path) as z:
                if str(z["key"]) != key:
                    return None
                table = {k[2:]: z[k] for k in z.files if k.startswith("t:")}
                return table, float(z["spend"]), z["steps"]
        except (OSError, ValueError, KeyError):  # damaged: simulate again
            return None

    def _store(self, key: str, table: dict[str, np.ndarray], spend: float, steps: np.ndarray) -> None:
        path = self._file(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_path(path).with_suffix(".npz")
        try:
            np.savez(tmp, key=np.array(key), spend=np.array(spend), steps=steps,
                     **{f"t:{k}": np.asarray(v) for k, v in table.items()})
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def evaluate(self, levels: tuple[int, ...] | list[int]) -> Evaluation:
        """The mix that gives option ``i`` ``levels[i]`` steps of money (cached)."""
        allotted = tuple(lv * self.step for lv in levels)
        if sum(allotted) > self.budget * (1 + _EPS):
            raise AssertionError(f"allotment {allotted} over the budget {self.budget}")
        plan, spent = self.plan(allotted)
        key = self.plan_key(plan)
        table, spend, steps = self.simulate(plan)
        ev = self._cache.get(key)
        if ev is None:
            ev = Evaluation(allotted, spent, spend, table, self.estimate(table), self.phase, steps)
            self._cache[key] = ev
            self.evaluations.append(ev)
        elif ev.allotted != allotted:  # the same plan under another allotment (money that buys nothing)
            ev = Evaluation(allotted, spent, spend, table, ev.value, ev.phase, ev.steps)
        return ev

    def estimate(self, table: dict[str, np.ndarray]) -> Estimate:
        return summarize(table, [self.objective])[self.objective]

    def score(self, value: float) -> float:
        """Higher is better, whichever way the objective goes (NaN: worst)."""
        return self.sign * value if math.isfinite(value) else -math.inf

    def improvement(self, new: Evaluation, old: Evaluation) -> Estimate:
        """Paired difference ``new - old`` of the objective on the shared replicates."""
        return paired(new.table, old.table, [self.objective])[self.objective]

    # -------------------------------------------------------------------- 1. response curves
    def curves(self) -> list[Curve]:
        self.phase = "curves"
        out = []
        n = len(self.options)
        spends = tuple(lv * self.step for lv in range(self.grid))
        for k, opt in enumerate(self.options):
            evs = []
            for lv in range(self.grid):
                levels = [0] * n
                levels[k] = lv
                evs.append(self.evaluate(levels))
            mean = np.array([e.value.value for e in evs])
            engaged = np.array([float(e.table["engaged"].mean()) for e in evs])
            with np.errstate(divide="ignore", invalid="ignore"):
                d_eng = np.diff(engaged)
                marginal = np.where(d_eng > 0, self.step / d_eng, np.inf)
            out.append(Curve(opt.name, spends, tuple(e.spent[k] for e in evs), tuple(mean.tolist()),
                             tuple(e.value.low for e in evs), tuple(e.value.high for e in evs),
                             tuple(engaged.tolist()), (math.nan, *marginal.tolist()),
                             fit_hill(np.array(spends), mean)))
            self.log(f"response curve {k + 1} of {n}: {opt.name} ({self.simulations['curves']} simulations so far)")
        return out

    # -------------------------------------------------------------------- 2. greedy start
    def greedy(self, curves: list[Curve], total: int | None = None) -> tuple[int, ...]:
        """Steps of money to the best marginal return per unit on the response curves, within the bounds;
        ``total`` steps in all (default: the whole budget).

        A ratio objective (a rate or a cost per something) does not add up over channels: the greedy then
        follows the engagement curves and leaves the objective to the local search.
        """
        ratio = self.objective in RATIOS
        ys = [np.array(c.engaged if ratio else c.mean) * (1.0 if ratio else self.sign) for c in curves]
        levels = list(self.lo)
        total = self.grid - 1 if total is None else total
        while sum(levels) < total:
            best = None
            for i, y in enumerate(ys):
                for j in range(1, total - sum(levels) + 1):
                    nxt = levels[i] + j
                    if nxt > self.hi[i]:
                        break
                    rate = (y[nxt] - y[levels[i]]) / j
                    if math.isfinite(rate) and (best is None or rate > best[0] + 1e-12):
                        best = (rate, i, j)
            if best is None or best[0] <= 0:
                break
            levels[best[1]] += best[2]
        return tuple(levels)

    # -------------------------------------------------------------------- 3. local search
    def local_search(self, start: tuple[int, ...], curves: list[Curve],
                     total: int | None = None) -> tuple[tuple[int, ...], list[dict[str, Any]]]:
        """Move one step of money between two options (or from money left unspent) while the paired
        difference improves the objective; first improvement, moves tried in the order the response
        curves predict. Money is moved to "unspent" only for objectives that more money need not improve.
        ``total``: the steps of money the mix may allot (default: the whole budget)."""
        n = len(self.options)
        total = self.grid - 1 if total is None else total
        ys = [np.array(c.mean) * self.sign for c in curves]
        may_unspend = self.objective in RATIOS or self.sign < 0
        cur = tuple(start)
        cur_ev = self.evaluate(cur)
        moves: list[dict[str, Any]] = []

        def name(i: int) -> str:
            return self.options[i].name if i < n else "unspent"

        def marginal(i: int, lv: int, d: int) -> float:
            a, b = ys[i][lv], ys[i][lv + d]
            return b - a if math.isfinite(a) and math.isfinite(b) else 0.0  # d = -1: minus the loss

        while True:
            free = total - sum(cur)
            cands = []
            for a in range(n + 1):  # giver (n: unspent money)
                if (a < n and cur[a] <= self.lo[a]) or (a == n and free <= 0):
                    continue
                for b in range(n + 1):  # receiver
                    if a == b or (b < n and cur[b] >= self.hi[b]) or (b == n and not may_unspend):
                        continue
                    pred = (marginal(b, cur[b], 1) if b < n else 0.0) + (marginal(a, cur[a], -1) if a < n else 0.0)
                    cands.append((-pred, a, b))
            cands.sort()
            for _, a, b in cands:
                new = list(cur)
                if a < n:
                    new[a] -= 1
                if b < n:
                    new[b] += 1
                ev = self.evaluate(new)
                diff = self.improvement(ev, cur_ev)
                if self.sign * diff.value > _EPS * max(1.0, abs(cur_ev.value.value)):
                    moves.append({"from": name(a), "to": name(b), "amount": self.step, "value": ev.value.value,
                                  "gain": vars(diff)})
                    self.log(f"move {_money(self.step)} from {name(a)} to {name(b)}: "
                             f"{_value_words(self.objective, ev.value.value)} ({self.simulations['search']} search "
                             "simulations)")
                    cur, cur_ev = tuple(new), ev
                    break
            else:
                return cur, moves

    # -------------------------------------------------------------------- 4. the expansion path
    def path_at(self, total: int, curves: list[Curve]) -> PathStep:
        """The greedy start and paired local search with ``total`` steps of money (cached per budget)."""
        if total not in self._path:
            start = self.greedy(curves, total)
            levels, moves = self.local_search(start, curves, total)
            self._path[total] = PathStep(total, start, levels, self.evaluate(levels), moves)
            if total != self.grid - 1:
                self.log(f"budget {_money(total * self.step)}: {self._alloc_words(levels)}, "
                         f"{_value_words(self.objective, self._path[total].evaluation.value.value)}")
        return self._path[total]

    def _alloc_words(self, levels: tuple[int, ...] | list[int]) -> str:
        used = [f"{o.name} {_money(lv * self.step)}" for o, lv in zip(self.options, levels) if lv]
        return ", ".join(used) or "nothing"

    @property
    def first_step(self) -> int:
        """The smallest budget the bounds allow, in steps (their lower bounds' sum)."""
        return sum(self.lo)

    def reaches(self, value: float) -> bool:
        """Whether a value of the objective reaches ``target`` (at least it; at most it when lower is better)."""
        return math.isfinite(value) and self.sign * value >= self.sign * self.target - _EPS * max(1.0, abs(self.target))

    def _path_entry(self, step: PathStep, previous: PathStep | None) -> dict[str, Any]:
        """One budget of the path for optimize.json: the mix, its value, people engaged, and the marginal cost
        per extra engagement from the previous budget (money added over the paired increase in engaged)."""
        ev = step.evaluation
        entry = {"budget": step.steps * self.step, "allocation": {o.name: lv * self.step for o, lv in
                                                                  zip(self.options, step.levels)},
                 "spend": ev.spend, "value": vars(ev.value), "engaged": float(ev.table["engaged"].mean()),
                 "marginal_cost": None, "marginal_low": None, "marginal_high": None, "added_engaged": None}
        if previous is not None:
            money = (step.steps - previous.steps) * self.step
            d = paired(ev.table, previous.evaluation.table, ["engaged"])["engaged"]
            entry["added_engaged"] = vars(d)
            entry["marginal_cost"] = money / d.value if d.value > 0 else math.inf
            if math.isfinite(d.low) and math.isfinite(d.high):  # the interval of money / the paired increase
                entry["marginal_low"] = money / d.high if d.high > 0 else math.inf
                entry["marginal_high"] = money / d.low if d.low > 0 else math.inf
        return entry

    def least_spend(self, curves: list[Curve]) -> tuple[PathStep, dict[str, Any], list[dict[str, Any]]]:
        """Grow the budget one step at a time (the same greedy and paired search at each) until the best mix
        reaches ``target`` on the search's replicates; the whole budget when none does."""
        path: list[dict[str, Any]] = []
        previous = None
        chosen = None
        for total in range(self.first_step, self.grid):
            step = self.path_at(total, curves)
            path.append(self._path_entry(step, previous))
            if self.reaches(step.evaluation.value.value):
                chosen = step
                break
            previous = step
        reached = chosen is not None
        if chosen is None:
            chosen, previous = self._path[self.grid - 1], None
        out = {"target": self.target, "reached": reached, "budget": chosen.steps * self.step,
               "method": "the budget grows one step at a time from the least the bounds allow; at each budget the "
                         "greedy start and the paired local search find the best mix; the first budget whose mix "
                         "reaches the target on the search's replicates is the least spend",
               "one_step_less": None if previous is None else
               {"budget": previous.steps * self.step, "allocation": {o.name: lv * self.step for o, lv in
                                                                     zip(self.options, previous.levels)},
                "value": vars(previous.evaluation.value)}}
        # the cheapest single option that reaches the target alone (its response curve)
        single = None
        for c in curves:
            for spend, mean in zip(c.spends, c.mean):
                if spend > 0 and self.reaches(mean) and (single is None or spend < single["budget"]):
                    single = {"option": c.option, "budget": spend, "value": mean}
                    break
        out["single_option"] = single
        return chosen, out, path

    def marginal_cost(self, curves: list[Curve]) -> tuple[PathStep, dict[str, Any], list[dict[str, Any]]]:
        """Grow the budget one step at a time while one more step's marginal cost per extra engagement stays at
        or under ``limit``; the chosen spend is the last budget before the first step that costs more."""
        path: list[dict[str, Any]] = []
        chosen = self.path_at(self.first_step, curves)
        path.append(self._path_entry(chosen, None))
        crossed = None
        for total in range(self.first_step + 1, self.grid):
            step = self.path_at(total, curves)
            entry = self._path_entry(step, chosen)
            path.append(entry)
            if not entry["marginal_cost"] <= self.limit:
                crossed = entry
                break
            chosen = step
        last = next((e for e in reversed(path) if e["budget"] == chosen.steps * self.step), None)
        out = {"limit": self.limit, "budget": chosen.steps * self.step, "crossed": crossed is not None,
               "marginal_cost": last["marginal_cost"] if last else None,
               "marginal_low": last["marginal_low"] if last else None,
               "marginal_high": last["marginal_high"] if last else None,
               "next": None if crossed is None else {k: crossed[k] for k in ("budget", "allocation", "value", "engaged",
                                                                              "marginal_cost", "marginal_low",
                                                                              "marginal_high")},
               "method": "the budget grows one step at a time; at each budget the greedy start and the paired local "
                         "search find the best mix; the marginal cost of a step is its money over the paired increase "
                         "in people engaged from the previous budget's mix; the chosen spend is the last budget "
                         "before the first step whose marginal cost exceeds the limit"}
        return chosen, out, path

    # -------------------------------------------------------------------- 5. the trade-off frontier
    def shares_grid(self) -> list[tuple[int, ...]]:
        """Every split of the whole budget over the options on the step grid, within the bounds."""
        total, n = self.grid - 1, len(self.options)
        out = []
        for cuts in itertools.combinations(range(total + n - 1), n - 1):  # stars and bars
            bounds = (-1, *cuts, total + n - 1)
            levels = tuple(b - a - 1 for a, b in zip(bounds, bounds[1:]))
            if all(lo <= lv <= hi for lv, lo, hi in zip(levels, self.lo, self.hi)):
                out.append(levels)
        return out

    def frontier(self, curves: list[Curve]) -> tuple[dict[str, Any], dict[str, list]]:
        """Weigh every evaluated mix on the two frontier metrics and keep the Pareto-optimal ones.

        Evaluated first (cached): the expansion path at every budget and, for up to three options, every split
        of the whole budget on the step grid. Candidates: every evaluated mix that spends something.
        """
        self.phase = "frontier"
        for total in range(self.first_step, self.grid):
            self.path_at(total, curves)
        if len(self.options) <= 3:
            for levels in self.shares_grid():
                self.evaluate(levels)
        a, b = self.frontier_metrics
        cands = [ev for ev in self.evaluations if ev.spend > 0]
        target = None
        if "time_to_common" in (a, b):
            whole = [ev.table for ev in cands if abs(sum(ev.allotted) - self.budget) <= _EPS * self.budget]
            target = common_target(whole or [ev.table for ev in cands])

        def estimate(ev: Evaluation, metric: str) -> Estimate:
            if metric != "time_to_common":
                return summarize(ev.table, [metric])[metric]
            table = {metric: time_to_reach(ev.steps, target, self.exp.max_steps + 1)}
            return summarize(table, [metric])[metric]

        rows = [(ev, estimate(ev, a), estimate(ev, b)) for ev in cands]
        rows = [r for r in rows if math.isfinite(r[1].value) and math.isfinite(r[2].value)]
        signs = [-1.0 if m in LOWER_IS_BETTER else 1.0 for m in (a, b)]
        keep = pareto([(signs[0] * ea.value, signs[1] * eb.value) for _, ea, eb in rows])
        order = sorted(range(len(rows)), key=lambda i: (rows[i][1].value, rows[i][2].value))
        # a mix is written by what each option spends (money allotted that buys nothing, such as part of an
        # airing, is left out: another allotment of the same plan)
        table: dict[str, list] = {k: [] for k in ("mix", "pareto", "allocation", "allotted", "spend", a, f"{a}_low",
                                                   f"{a}_high", b, f"{b}_low", f"{b}_high")}
        for o in self.options:
            table[f"spend: {o.name}"] = []
        for k, i in enumerate(order):
            ev, ea, eb = rows[i]
            table["mix"].append(k)
            table["pareto"].append(int(keep[i]))
            table["allocation"].append(", ".join(f"{o.name} {_money(x)}" for o, x in zip(self.options, ev.spent)
                                                 if x > 0) or "nothing")
            table["allotted"].append(float(sum(ev.allotted)))
            table["spend"].append(ev.spend)
            for m, e in ((a, ea), (b, eb)):
                table[m].append(e.value)
                table[f"{m}_low"].append(e.low)
                table[f"{m}_high"].append(e.high)
            for o, x in zip(self.options, ev.spent):
                table[f"spend: {o.name}"].append(x)
        front = [{"spent": {o.name: x for o, x in zip(self.options, rows[i][0].spent)},
                  "allotted": sum(rows[i][0].allotted), "spend": rows[i][0].spend, a: vars(rows[i][1]),
                  b: vars(rows[i][2])} for i in order if keep[i]]
        summary = {"metrics": [a, b], "better": ["lower" if s < 0 else "higher" for s in signs],
                   "common_target": target, "evaluated": len(rows), "pareto": len(front), "mixes": front,
                   "method": "every mix evaluated (the search's, the response curves' points, the expansion path at "
                             "every budget" + (", every split of the whole budget on the step grid" if
                                               len(self.options) <= 3 else "")
                             + "), each metric estimated on the same replicates; a mix is kept unless another is at "
                               "least as good on both metrics and better on one"
                             + (f"; speed is the steps until {target:,.0f} people engaged (half the smallest reach "
                                "of the mixes of the whole budget)" if target is not None else "")}
        self.log(f"frontier of {a} and {b}: {_count(len(front), 'Pareto-optimal mix', 'Pareto-optimal mixes')} of "
                 f"{len(rows)} evaluated")
        return summary, table

    # -------------------------------------------------------------------- comparisons
    def fixed_strategies(self) -> dict[str, Evaluation]:
        """Every strategy of the config as the config defines it, on the same replicates."""
        self.phase = "comparison"
        out = {}
        for i, s in enumerate(self.exp.strategy):
            plan, _ = build_plan(self.graph, self.exp, i)
            table, spend, steps = self.simulate(plan)
            key = self.plan_key(plan)
            if key not in self._cache:
                self._cache[key] = Evaluation((), (), spend, table, self.estimate(table), self.phase, steps)
            out[s.name] = self._cache[key]
        return out

    def holdout(self, plans: dict[str, Plan]) -> dict[str, dict[str, np.ndarray]]:
        """Run tables of plans on fresh replicates (runs ``runs .. 2 runs - 1``), common to them: the
        search chose its mix on the first ``runs`` replicates, so its own value there is optimistic."""
        self.phase = "holdout"
        done: dict[str, dict[str, np.ndarray]] = {}
        out = {}
        for name, plan in plans.items():
            key = self.plan_key(plan)
            if key not in done:
                res = run_campaign(self.graph, plan, audience=self.audience, prices=self.prices, scheme=self.scheme,
                                   runs=self.runs, rng=_seq(self.exp.seed, _SIM), max_steps=self.exp.max_steps,
                                   run_offset=self.runs)
                self.simulations["holdout"] += 1
                done[key] = run_table(res)
            out[name] = done[key]
        return out

    def run(self) -> PlanResult:
        """Curves, then the form's search (the best mix of the budget, or the expansion path budget by budget),
        the frontier when asked, the comparisons, and the comparisons again on fresh replicates."""
        t0 = time.perf_counter()
        curves = self.curves()
        self.phase = "search"
        form_result: dict[str, Any] = {}
        path: list[dict[str, Any]] = []
        if self.form == "least_spend":
            chosen, form_result, path = self.least_spend(curves)
        elif self.form == "marginal_cost":
            chosen, form_result, path = self.marginal_cost(curves)
        else:
            chosen = self.path_at(self.grid - 1, curves)
        start, levels, moves, best = chosen.start, chosen.levels, chosen.moves, chosen.evaluation
        start_ev = self.evaluate(start)
        frontier = mixes = None
        if self.frontier_metrics is not None:
            frontier, mixes = self.frontier(curves)
        self.phase = "search"
        n = len(self.options)
        # the best single option within its bounds and the chosen budget
        single = None
        for k, opt in enumerate(self.options):
            for lv in range(min(self.hi[k], chosen.steps) + 1):
                lv_levels = [0] * n
                lv_levels[k] = lv
                ev = self.evaluate(lv_levels)
                if single is None or self.score(ev.value.value) > self.score(single[1].value.value):
                    single = (opt.name, ev, lv * self.step)
        fixed = self.fixed_strategies()
        best_fixed = max(fixed, key=lambda nm: self.score(fixed[nm].value.value))
        budgets = {s.name: s.budget for s in self.exp.strategy}
        plans = {"mix": self.plan(best.allotted)[0], "single": self.plan(single[1].allotted)[0],
                 "fixed": build_plan(self.graph, self.exp, self._index(best_fixed))[0]}
        less = form_result.get("one_step_less")
        if less is not None:  # least spend: the mix of one step less, on the fresh replicates too
            plans["less"] = self.plan(tuple(less["allocation"].values()))[0]
        fresh = self.holdout(plans)

        def fresh_diff(other: str) -> dict[str, float]:
            return vars(paired(fresh["mix"], fresh[other], [self.objective])[self.objective])

        value = self.estimate(fresh["mix"])
        holdout = {"runs": [self.runs, 2 * self.runs - 1], "value": vars(value),
                   "vs_best_single_option": fresh_diff("single"), "vs_best_fixed_strategy": fresh_diff("fixed")}
        if self.form == "least_spend":
            lower, upper = (value.low, value.high) if self.sign > 0 else (value.high, value.low)
            form_result["fresh"] = {"value": vars(value), "met": self.reaches(value.value),
                                    "interval_meets": self.reaches(lower), "interval_misses": not self.reaches(upper)}
            if less is not None:
                less_value = self.estimate(fresh["less"])
                less["fresh"] = {"value": vars(less_value), "met": self.reaches(less_value.value)}
        return PlanResult(
            objective=self.objective, better="lower" if self.sign < 0 else "higher", budget=self.budget,
            step=self.step, grid=self.grid, runs=self.runs, options=self.options, curves=curves, greedy=start,
            levels=levels, best=best, start=start_ev, moves=moves,
            simulations={**self.simulations, "optimiser": self.simulations["curves"] + self.simulations["search"],
                         "total": sum(self.simulations.values())},
            holdout=holdout,
            single={"option": single[0], "spend": single[2], "value": vars(single[1].value),
                    "difference": vars(self.improvement(best, single[1]))},
            fixed={"strategy": best_fixed, "budget": budgets[best_fixed], "value": vars(fixed[best_fixed].value),
                   "difference": vars(self.improvement(best, fixed[best_fixed])),
                   "strategies": {nm: {"budget": budgets[nm], "spend": ev.spend, "value": vars(ev.value),
                                       "difference": vars(self.improvement(best, ev))} for nm, ev in fixed.items()}},
            evaluations=list(self.evaluations), seconds=time.perf_counter() - t0,
            form=self.form, form_result=form_result, path=path, frontier=frontier, mixes=mixes,
        )


def pareto(points: list[tuple[float, float]]) -> list[bool]:
    """Which points no other point dominates, higher being better on both coordinates (a point is dominated
    when another is at least as good on both and better on one; equal points are all kept).

    Examples
    --------
    >>> pareto([(1, 5), (2, 4), (2, 3), (0, 5), (3, 1)])
    [True, True, False, False, True]
    """
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    keep = []
    for x, y in pts:
        geq = (pts[:, 0] >= x) & (pts[:, 1] >= y)
        gt = (pts[:, 0] > x) | (pts[:, 1] > y)
        keep.append(not bool((geq & gt).any()))
    return keep


def optimize(exp: Experiment, graph: Graph | None = None, **kwargs: Any) -> PlanResult:
    """Plan the budget of ``exp`` (see :class:`Planner` for the keyword overrides)."""
    return Planner(exp, graph, **kwargs).run()


# ------------------------------------------------------------------------------------- outputs
def _clean(x: Any) -> Any:
    """JSON-safe: NaN and infinities as None."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def summary_of(result: PlanResult, name: str = "", description: str = "") -> dict[str, Any]:
    """``optimize.json``: the method, the simulations used, the chosen mix and its comparisons, and the form's
    own keys (``least_spend``, ``marginal_cost``, with the expansion ``path``) and the ``frontier`` when asked."""
    total = result.grid - 1
    summary = {
        "name": name, "description": description, "form": result.form,
        "method": (f"response curves of each option alone (grid of {result.grid} spends), greedy allocation on the "
                   f"curves in steps of {result.step:g}, then local search moving one step between two options, a move "
                   "kept only if its paired difference on common replicates improves the objective"
                   + ("" if result.form == "max" else ", at each budget of the expansion path")
                   + "; the chosen mix and the best single option and fixed strategy compared again on fresh "
                     "replicates"),
        "objective": result.objective, "better": result.better, "budget": result.budget, "step": result.step,
        "grid": result.grid, "runs": result.runs, "simulations": result.simulations,
        "allotted": sum(result.levels) * result.step,
        "allocation": {o.name: lv * result.step for o, lv in zip(result.options, result.levels)},
        "spent": {o.name: s for o, s in zip(result.options, result.best.spent)},
        "spend": result.best.spend, "unallotted": (total - sum(result.levels)) * result.step,
        "value": vars(result.best.value),
        "greedy": {"allocation": {o.name: lv * result.step for o, lv in zip(result.options, result.greedy)},
                   "value": vars(result.start.value)},
        "moves": result.moves,
        "vs_best_single_option": result.single,
        "vs_best_fixed_strategy": result.fixed,
        "holdout": result.holdout,
        "fits": {c.option: c.fit for c in result.curves},
        "bounds": {o.name: [o.low, o.high] for o in result.options},
        "seconds": round(result.seconds, 3),
    }
    if result.form != "max":
        summary[result.form] = result.form_result
        summary["path"] = result.path
    if result.frontier is not None:
        summary["frontier"] = result.frontier
    return _clean(summary)


def write_outputs(result: PlanResult, out_dir: Path, name: str = "", description: str = "") -> dict[str, Any]:
    """``allocation.csv``, ``response_curves.csv`` and ``optimize.json`` in ``out_dir`` (with a frontier also
    ``frontier.csv``, its Pareto-optimal mixes, and ``mixes.csv``, every mix it weighed); returns the summary."""
    curves = {c.option: c for c in result.curves}
    alloc: dict[str, list] = {k: [] for k in ("option", "channel", "spend", "share", "spent", "objective", "mean",
                                               "low", "high")}
    # shares of the budget; for the least-spend and marginal-cost forms, of the spend they chose
    basis = result.budget if result.form == "max" or not sum(result.levels) else sum(result.levels) * result.step
    for k, (opt, lv) in enumerate(zip(result.options, result.levels)):
        c = curves[opt.name]
        alloc["option"].append(opt.name)
        alloc["channel"].append(opt.channel)
        alloc["spend"].append(lv * result.step)
        alloc["share"].append(lv * result.step / basis)
        alloc["spent"].append(result.best.spent[k])
        alloc["objective"].append(result.objective)
        alloc["mean"].append(c.mean[lv])  # the option alone at this spend (its response curve)
        alloc["low"].append(c.low[lv])
        alloc["high"].append(c.high[lv])
    write_table(out_dir / "allocation", alloc)
    rc: dict[str, list] = {k: [] for k in ("option", "spend", "spent", "objective", "mean", "low", "high", "engaged",
                                            "marginal_cost", "saturation")}
    channel = {o.name: o.channel for o in result.options}
    for c in result.curves:
        first = next((x for x in c.marginal_cost if math.isfinite(x) and x > 0), math.nan)
        for i in range(len(c.spends)):
            rc["saturation"].append(_saturation(channel[c.option], c, i, first, result.step))
            rc["option"].append(c.option)
            rc["spend"].append(c.spends[i])
            rc["spent"].append(c.spent[i])
            rc["objective"].append(result.objective)
            rc["mean"].append(c.mean[i])
            rc["low"].append(c.low[i])
            rc["high"].append(c.high[i])
            rc["engaged"].append(c.engaged[i])
            rc["marginal_cost"].append(c.marginal_cost[i])
    write_table(out_dir / "response_curves", rc)
    for stale in ("frontier.csv", "mixes.csv"):  # a frontier of an earlier plan in this folder
        (out_dir / stale).unlink(missing_ok=True)
    if result.mixes is not None:
        write_table(out_dir / "mixes", result.mixes)
        keep = [i for i, p in enumerate(result.mixes["pareto"]) if p]
        write_table(out_dir / "frontier", {k: [v[i] for i in keep] for k, v in result.mixes.items() if k != "pareto"})
    summary = summary_of(result, name, description)
    atomic_write(out_dir / "optimize.json", json.dumps(summary, indent=1))
    return summary


def _saturation(channel: str, c: Curve, i: int, first: float, step: float) -> str:
    """Why a response curve flattens at grid point ``i``: money it cannot spend (the audience or the tier is
    exhausted), or a marginal cost over twice the first step's (overlapping audiences, saturated word of mouth)."""
    if i and c.spends[i] - c.spent[i] >= step * 0.999:
        return ("audience exhausted: the airings already reach the whole audience" if channel == "broadcast"
                else "tier exhausted: every eligible account is hired")
    if i and math.isfinite(c.marginal_cost[i]) and c.marginal_cost[i] > 2 * first:
        return "diminishing returns: overlapping audiences and saturated word of mouth"
    return ""


def _value_words(metric: str, x: float) -> str:
    """A value with its unit in words: "6,512 people engaged per run", "cost per engagement 0.31"."""
    words = unit(metric)
    if words and not words.startswith("%") and not words.startswith("currency"):
        return f"{fmt(metric, x)} {words}"
    return f"{label(metric).lower()} {fmt(metric, x)}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _money(x: float) -> str:
    """Money without needless decimals: 2,000 and 82.60."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def run_optimize(config: str | Path, *, out: str | Path | None = None, overrides: list[str] | None = None,
                 log: Callable[[str], None] = print) -> tuple[Path, dict[str, Any]]:
    """Plan the budget of a config file and write the results folder; returns it and ``optimize.json``."""
    exp, raw = load_config(config, overrides)
    check_memory(exp, str(config))
    try:
        planner = Planner(exp, log=log)
    except InputError as exc:
        raise InputError(f"{config}: {exc}") from None
    out_dir = Path(out) if out is not None else Path("results") / exp.name
    with _claim(out_dir):
        # every plan simulated is kept until the plan is written: an interrupted plan resumes from them
        planner.cache_dir = out_dir / "plan_cache" / f"{_config_hash(raw)}-{planner.runs}"
        try:
            result = planner.run()
        except InputError as exc:
            raise InputError(f"{config}: {exc}") from None
        summary = write_outputs(result, out_dir, exp.name, exp.description)
        shutil.rmtree(out_dir / "plan_cache", ignore_errors=True)
    return out_dir, summary
