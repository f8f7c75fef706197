"""Experiment configs: TOML -> validated, frozen spec; sweeps expand it into cells.

A config is read with :mod:`tomllib` and validated with pydantic before any work starts. Every error
names the file, the dotted key, the bad value and what is allowed; an unknown key lists the valid
ones. Nothing from a config is ever evaluated. Paths resolve relative to the config file.
See the README's "Config reference" for every key.
"""

from __future__ import annotations

import copy
import inspect
import math
import itertools
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import generators
from .catalog import METRICS
from .errors import InputError
from .pricing import DEFAULT_CPM, DEFAULT_PER_POST, TIERS
from .strategies import STRATEGIES

__all__ = ["Experiment", "OptimizeSpec", "OBJECTIVES", "FORMS", "FRONTIER_METRICS", "single_channel", "load_config",
           "parse_config", "expand_cells", "apply_override", "to_toml", "GENERATORS", "Range", "config_ranges"]

#: largest config file read (a config is a few kilobytes; this keeps a wrong path from filling memory)
MAX_CONFIG_BYTES = 1 << 20
#: most cells one sweep may expand into, checked on the product of its axes' lengths before anything is built
MAX_CELLS = 10_000
#: generator name -> function; config ``[graph] generator = NAME`` and its keyword parameters
GENERATORS = {name: getattr(generators, name) for name in generators.__all__ if name != "power_law_degrees"}
DATASETS = ("facebook", "email-eu-core", "nethept", "nethept-undirected")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # inf money would spend NaN


class GraphSpec(BaseModel):
    """``[graph]``: one of ``generator`` (with its parameters as further keys), ``dataset`` or ``file``."""

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)
    generator: str | None = None
    dataset: str | None = None
    file: str | None = None
    labels: str | None = None
    undirected: bool = False
    p: float | Literal["weighted_cascade", "file"] = 0.05

    @field_validator("generator")
    @classmethod
    def _generator(cls, v: str | None) -> str | None:
        if v is not None and v not in GENERATORS:
            raise ValueError(f"unknown generator {v!r}; valid: {', '.join(GENERATORS)}")
        return v

    @field_validator("dataset")
    @classmethod
    def _dataset(cls, v: str | None) -> str | None:
        if v is not None and v not in DATASETS:
            raise ValueError(f"unknown dataset {v!r}; valid: {', '.join(DATASETS)}")
        return v

    @field_validator("p")
    @classmethod
    def _p(cls, v: Any) -> Any:
        if isinstance(v, float) and not 0 <= v <= 1:
            raise ValueError(f"p must lie in [0, 1] or be 'weighted_cascade' or 'file', got {v}")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> GraphSpec:
        given = [k for k in ("generator", "dataset", "file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of generator, dataset or file (got {', '.join(given) or 'none'})")
        extra = dict(self.model_extra or {})
        if extra and self.generator is None:
            raise ValueError(f"unknown key(s) {', '.join(extra)}; generator parameters need a generator")
        if self.generator is not None:
            sig = inspect.signature(GENERATORS[self.generator])
            allowed = [n for n in sig.parameters if n not in ("rng", "prob")]
            for key in extra:
                if key not in allowed:
                    raise ValueError(f"{self.generator} has no parameter {key!r}; valid: {', '.join(allowed)}")
        return self

    @property
    def params(self) -> dict[str, Any]:
        """The generator's keyword parameters."""
        return dict(self.model_extra or {})


class AudienceSpec(_Strict):
    """``[audience]``: the trust funnel."""

    share_rate: float = Field(0.5, ge=0, le=1)
    share_steps: int = Field(1, ge=1)
    convert_rate: float = Field(0.05, ge=0, le=1)
    peer_trust: float = Field(1.0, ge=0, le=1)
    peer_positive: float = Field(0.75, ge=0, le=1)
    alignment: float | list[float] | tuple[float, float] | None = None
    alignment_random: tuple[float, float] | None = None

    @field_validator("alignment")
    @classmethod
    def _align(cls, v: Any) -> Any:
        vals = v if isinstance(v, (list, tuple)) else ([] if v is None else [v])
        for x in vals:
            if not 0 <= x <= 1:
                raise ValueError(f"alignment values must lie in [0, 1], got {x}")
        return v

    @field_validator("alignment_random")
    @classmethod
    def _align_random(cls, v: Any) -> Any:
        if v is not None and not 0 <= v[0] <= v[1] <= 1:
            raise ValueError(f"alignment_random must be [low, high] with 0 <= low <= high <= 1, got {list(v)}")
        return v

    @model_validator(mode="after")
    def _one_alignment(self) -> AudienceSpec:
        if self.alignment is not None and self.alignment_random is not None:
            raise ValueError("give alignment or alignment_random, not both")
        return self


class TierSpec(_Strict):
    """``[tiers]``: follower tiers by percentile or by count."""

    by: Literal["percentile", "count"] = "percentile"
    bounds: tuple[float, float, float, float] = (80.0, 95.0, 99.0, 99.9)


class PriceSpec(_Strict):
    """``[prices]``: per post by tier, or fixed + per follower; broadcast CPM."""

    cpm: float = Field(DEFAULT_CPM, ge=0)
    per_post: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_PER_POST))
    fixed: float = Field(0.0, ge=0)
    per_follower: float = Field(0.0, ge=0)

    @field_validator("per_post")
    @classmethod
    def _tiers(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            if k not in TIERS + ("regular",):
                raise ValueError(f"unknown tier {k!r}; valid: {', '.join(TIERS + ('regular',))}")
            if x < 0:
                raise ValueError(f"price of {k} must be >= 0, got {x}")
        return v


class BroadcastSpec(_Strict):
    """Broadcast settings (``[broadcast]`` defaults, overridden per strategy)."""

    share: float | None = Field(None, ge=0, le=1)
    reach: float | None = Field(None, ge=0, le=1)
    airings: int | None = Field(None, ge=0)
    lead_time: int = Field(3, ge=1)
    spacing: int = Field(1, ge=1)
    trust: float = Field(0.02, ge=0, le=1)
    positive: float = Field(0.55, ge=0, le=1)
    target: list[int] | None = None


class InfluencerSpec(_Strict):
    """Influencer settings (``[influencers]`` defaults, overridden per strategy)."""

    share: float | None = Field(None, ge=0, le=1)
    select: str = "top_degree"
    k: int | None = Field(None, ge=0)
    tier: str | None = None
    order: Literal["followers", "random"] | None = None
    min_alignment: float | None = Field(None, ge=0, le=1)
    p: float | None = Field(None, ge=0, le=1)
    lead_time: int = Field(1, ge=1)
    positive: float = Field(0.85, ge=0, le=1)
    trust: float | dict[str, float] = Field(
        default_factory=lambda: {"nano": 0.08, "micro": 0.06, "macro": 0.03, "mega": 0.015, "regular": 0.08})

    @field_validator("select")
    @classmethod
    def _select(cls, v: str) -> str:
        if v not in STRATEGIES:
            raise ValueError(f"unknown strategy {v!r}; valid: {', '.join(STRATEGIES)}")
        return v

    @field_validator("tier")
    @classmethod
    def _tier(cls, v: str | None) -> str | None:
        if v is not None and v not in TIERS:
            raise ValueError(f"unknown tier {v!r}; valid: {', '.join(TIERS)}")
        return v

    @field_validator("trust")
    @classmethod
    def _trust(cls, v: Any) -> Any:
        vals = v.items() if isinstance(v, dict) else [("trust", v)]
        for k, x in vals:
            if isinstance(v, dict) and k not in TIERS + ("regular",):
                raise ValueError(f"unknown tier {k!r}; valid: {', '.join(TIERS + ('regular',))}")
            if not 0 <= x <= 1:
                raise ValueError(f"trust must lie in [0, 1], got {x}")
        return v


class StrategySpec(_Strict):
    """One ``[[strategy]]``: a name, a budget, and how it splits across channels. ``influencers`` is one
    table, or a list of tables (a portfolio of influencer groups, each with its own ``share``)."""

    name: str
    budget: float | None = Field(None, ge=0)
    seeds: list[int] = Field(default_factory=list)
    broadcast: dict[str, Any] | None = None
    influencers: dict[str, Any] | list[dict[str, Any]] | None = None
    leftover: Literal["keep", "reallocate"] = "keep"


class OutputSpec(_Strict):
    """``[outputs]``: what to write."""

    figures: bool = True
    records: int = Field(3, ge=0)
    nodes: Literal["all"] | Annotated[int, Field(ge=1)] | None = None
    parquet: bool = True


#: metrics an ``[optimize]`` objective may name: the catalogue's per-run metrics that have a better direction
OBJECTIVES = tuple(m.name for m in METRICS.values() if m.better is not None and m.name != "time_to_common")
#: the questions ``virality optimize`` answers: the best mix of the budget, the least spend that reaches a
#: target, the most spend whose marginal cost per extra engagement stays under a limit
FORMS = ("max", "least_spend", "marginal_cost")
#: metrics a trade-off frontier may pair: the objectives and the speed to a common target
FRONTIER_METRICS = (*OBJECTIVES, "time_to_common")


class OptimizeSpec(_Strict):
    """``[optimize]``: plan the budget over channel options (``virality optimize``, :mod:`virality.planner`)."""

    budget: float | None = Field(None, gt=0)
    options: list[str] | None = Field(None, min_length=1)
    objective: str = "engaged"
    bounds: dict[str, tuple[float, float]] = Field(default_factory=dict)
    grid: int = Field(9, ge=2, le=201)
    runs: int | None = Field(None, ge=1)
    form: str = "max"
    target: float | None = Field(None, ge=0)
    limit: float | None = Field(None, gt=0)
    frontier: list[str] | None = None

    @field_validator("form")
    @classmethod
    def _form(cls, v: str) -> str:
        if v not in FORMS:
            raise ValueError(f"unknown form {v!r}; valid: {', '.join(FORMS)}")
        return v

    @field_validator("frontier")
    @classmethod
    def _frontier(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if len(v) != 2 or v[0] == v[1]:
            raise ValueError(f"a frontier pairs two different metrics, e.g. [\"engaged\", \"time_to_common\"], got {v!r}")
        for m in v:
            if m not in FRONTIER_METRICS:
                raise ValueError(f"unknown metric {m!r}; valid: {', '.join(FRONTIER_METRICS)}")
        return v

    @field_validator("objective")
    @classmethod
    def _objective(cls, v: str) -> str:
        if v not in OBJECTIVES:
            raise ValueError(f"unknown objective {v!r}; valid: {', '.join(OBJECTIVES)}")
        return v

    @field_validator("bounds")
    @classmethod
    def _bounds(cls, v: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for name, (low, high) in v.items():
            if not 0 <= low <= high:
                raise ValueError(f"bounds of {name!r} must be [low, high] with 0 <= low <= high, got {[low, high]}")
        return v


class Experiment(_Strict):
    """A whole experiment config (validated; see the README's config reference)."""

    name: str = "experiment"
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        # the results folder is results/<name>: one plain path component, never a way out of results/
        bad = (not v or v in (".", "..") or v.startswith(".") or any(c in v for c in "/\\\0")
               or len(v.encode("utf-8", "surrogatepass")) > 200 or any(ord(c) < 32 for c in v if c != "\t"))
        if bad:
            raise ValueError(f"{v[:80]!r} cannot name a folder under results/: use one path component of at most "
                             "200 bytes, without /, \\, a leading dot or control characters (write elsewhere "
                             "with --out DIR)")
        return v
    seed: int = Field(2026, ge=0)
    runs: int | Literal["auto"] = 200
    precision: float = Field(0.02, gt=0, lt=1)
    batch: int = Field(200, ge=1)
    max_runs: int = Field(20000, ge=1)
    max_steps: int = Field(100, ge=1)
    baseline: str | None = None
    executor: Literal["local", "dask"] = "local"
    scheduler: str | None = None
    workers: int = Field(2, ge=1)
    graph: GraphSpec
    audience: AudienceSpec = AudienceSpec()
    tiers: TierSpec = TierSpec()
    prices: PriceSpec = PriceSpec()
    broadcast: BroadcastSpec = BroadcastSpec()
    influencers: InfluencerSpec = InfluencerSpec()
    strategy: list[StrategySpec] = Field(min_length=1)
    sweep: dict[str, Any] = Field(default_factory=dict)
    outputs: OutputSpec = OutputSpec()
    optimize: OptimizeSpec | None = None

    @field_validator("runs")
    @classmethod
    def _runs(cls, v: Any) -> Any:
        if isinstance(v, int) and v < 1:
            raise ValueError(f"runs must be a positive integer or 'auto', got {v}")
        return v

    @model_validator(mode="after")
    def _check(self) -> Experiment:
        names = [s.name for s in self.strategy]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"strategy names must be unique; repeated: {', '.join(dup)}")
        if self.baseline is not None and self.baseline not in names:
            raise ValueError(f"baseline {self.baseline!r} is not a strategy; strategies: {', '.join(names)}")
        for i, s in enumerate(self.strategy):
            if isinstance(s.influencers, list) and not s.influencers:
                raise ValueError(f"strategy[{i}].influencers: an empty list; give one table, or a list of influencer "
                                 "groups")
            tables = _groups(s.influencers)
            parts = [("broadcast", s.broadcast, BroadcastSpec, f"strategy[{i}].broadcast")]
            for j, t in enumerate(tables):
                where = f"strategy[{i}].influencers" + (f"[{j}]" if len(tables) > 1 else "")
                parts.append(("influencers", t, InfluencerSpec, where))
            for channel, table, model, prefix in parts:
                if table is None:
                    continue
                merged = {**getattr(self, channel).model_dump(exclude_unset=True), **table}
                try:
                    model(**merged)
                except ValidationError as exc:
                    raise ValueError(_pydantic_message(exc, prefix=prefix, model=model)) from None
            groups = self.groups(s)
            for j, g in enumerate(groups[1:], 1):
                for attr in ("lead_time", "positive"):  # one Influencers posts them all
                    if getattr(g, attr) != getattr(groups[0], attr):
                        raise ValueError(f"strategy[{i}].influencers[{j}].{attr}: {getattr(g, attr)}, but group 0 "
                                         f"has {getattr(groups[0], attr)}; the groups of a strategy post alike")
            shares = sum((t or {}).get("share", getattr(self, c).share or 0) or 0
                         for c, t in [("broadcast", s.broadcast)] + [("influencers", t) for t in _groups(s.influencers)]
                         if t is not None)
            if s.budget is not None and shares > 1 + 1e-9:
                raise ValueError(f"strategy {s.name!r}: channel shares sum to {shares:g}, more than the whole budget")
        flat = _flat_sweep(self.sweep)
        zipped = [g for g in flat.get("zip", []) if isinstance(g, list)]
        cells = 1
        for key, values in flat.items():
            if key != "zip" and not isinstance(values, list):
                raise ValueError(f"sweep.{key} must be a list of values, got {values!r}")
            if key != "zip" and not values:
                raise ValueError(f"sweep.{key} is empty: give at least one value (an empty axis would run nothing)")
            lead = next((g for g in zipped if key in g), [key])[0]  # keys zipped together count once
            cells *= len(values) if key != "zip" and lead == key else 1
        if cells > MAX_CELLS:
            raise ValueError(f"[sweep] spans {cells:,} cells, more than the {MAX_CELLS:,} one experiment may "
                             "run: sweep fewer values or split the experiment")
        if self.optimize is not None:
            self._check_optimize(names)
        return self

    def _check_optimize(self, names: list[str]) -> None:
        """``[optimize]`` options are single-channel strategies, at most one of them broadcast; bounds name options."""
        opt = self.optimize
        by_name = {s.name: s for s in self.strategy}
        for name in opt.options or []:
            if name not in by_name:
                raise ValueError(f"optimize.options: {name!r} is not a strategy; strategies: {', '.join(names)}")
            s = by_name[name]
            if not single_channel(s):
                raise ValueError(f"optimize.options: strategy {name!r} must use exactly one channel (broadcast or "
                                 "one group of influencers) to be an option")
        if opt.options is not None:
            dup = sorted({n for n in opt.options if opt.options.count(n) > 1})
            if dup:
                raise ValueError(f"optimize.options: repeated option(s) {', '.join(map(repr, dup))}")
            broadcast = [n for n in opt.options if by_name[n].broadcast is not None]
            if len(broadcast) > 1:
                raise ValueError(f"optimize.options: at most one broadcast option (a plan has one broadcast), got "
                                 f"{', '.join(map(repr, broadcast))}")
        if opt.form == "least_spend" and opt.target is None:
            raise ValueError("optimize.target: form 'least_spend' needs target = N (the objective's value to reach, "
                             "e.g. 5000 people engaged)")
        if opt.form == "marginal_cost" and opt.limit is None:
            raise ValueError("optimize.limit: form 'marginal_cost' needs limit = C (the most to pay for one more "
                             "engagement)")
        for name in opt.bounds:
            if name not in (opt.options or names):
                raise ValueError(f"optimize.bounds: {name!r} is not an option; options: "
                                 f"{', '.join(opt.options or names)}")

    def channel(self, strategy: StrategySpec, channel: str) -> BroadcastSpec | InfluencerSpec | None:
        """A strategy's channel settings merged over the experiment defaults (None: channel unused). A
        portfolio of several influencer groups has no one influencers setting: see :meth:`groups`."""
        table = getattr(strategy, channel)
        if table is None:
            return None
        if isinstance(table, list):
            if len(table) != 1:
                raise InputError(f"strategy {strategy.name!r} has {len(table)} influencer groups, not one")
            table = table[0]
        model = BroadcastSpec if channel == "broadcast" else InfluencerSpec
        return model(**{**getattr(self, channel).model_dump(exclude_unset=True), **table})

    def groups(self, strategy: StrategySpec) -> list[InfluencerSpec]:
        """A strategy's influencer groups, each merged over the ``[influencers]`` defaults ([] when it has none)."""
        defaults = self.influencers.model_dump(exclude_unset=True)
        return [InfluencerSpec(**{**defaults, **t}) for t in _groups(strategy.influencers)]

    @property
    def baseline_name(self) -> str:
        return self.baseline or self.strategy[0].name


def _groups(influencers: dict[str, Any] | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A strategy's influencer tables as a list (one table, a portfolio's list, or none)."""
    if influencers is None:
        return []
    return list(influencers) if isinstance(influencers, list) else [influencers]


def single_channel(strategy: StrategySpec) -> bool:
    """A strategy that uses one channel: a broadcast alone, or one group of influencers alone."""
    groups = _groups(strategy.influencers)
    return (strategy.broadcast is not None and not groups) or (strategy.broadcast is None and len(groups) == 1)


_TAG = re.compile(r"^(int|float|str|bool|none|bytes|[a-z-]+\[.*\])$")  # pydantic's union-member tags


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(x for x in loc if not (isinstance(x, str) and _TAG.match(x)))


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(x) if not isinstance(x, int) else f"[{x}]" for x in loc).replace(".[", "[")


def _pydantic_message(exc: ValidationError, *, prefix: str = "", model: type[BaseModel] | None = None) -> str:
    errors = exc.errors()
    first = _clean_loc(tuple(errors[0]["loc"]))
    # the most specific error about the first bad key; the alternatives of a union are merged
    related = [e for e in errors if _clean_loc(tuple(e["loc"]))[: len(first)] == first]
    loc = max((_clean_loc(tuple(e["loc"])) for e in related), key=len)
    same = [e for e in related if _clean_loc(tuple(e["loc"])) == loc]
    err = same[0]
    key = ".".join(x for x in (prefix, _dotted(loc)) if x)
    if err["type"] == "extra_forbidden":
        owner = model
        valid = sorted(owner.model_fields) if owner is not None else []
        return f"{key}: unknown key; valid keys: {', '.join(valid)}" if valid else f"{key}: unknown key"
    if err["type"] == "missing":
        if loc and isinstance(loc[-1], int):  # a fixed-length list given too few values
            return f"{_dotted(loc[:-1])}: too few values (got {err.get('input')!r})"
        return f"{key}: required key is missing"
    msgs = list(dict.fromkeys(e["msg"].removeprefix("Value error, ") for e in same))
    msg = "; or ".join(msgs)
    if err["type"] == "value_error":  # our own messages already name the bad value
        return f"{key}: {msg}" if key else msg
    return f"{key}: {msg} (got {err.get('input')!r})" if key else msg


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The pydantic model that owns the last key of an error location (for 'valid keys' lists)."""
    model: type[BaseModel] = Experiment
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            break
        ann = field.annotation
        inner = getattr(ann, "__args__", (ann,))
        nxt = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if nxt is None:
            for a in inner:
                nxt = next((b for b in getattr(a, "__args__", ()) if isinstance(b, type) and issubclass(b, BaseModel)), None)
                if nxt:
                    break
        if nxt is None:
            break
        model = nxt
    return model


# ------------------------------------------------------------------------------------- ranges
#: distribution kinds a numeric key may be given as, and how many parameters each takes
DISTRIBUTIONS = {"uniform": 2, "loguniform": 2, "triangular": 3, "beta": 2, "choice": None}


@dataclass(frozen=True)
class Range:
    """An uncertain parameter: ``{ uniform = [a, b] }``, ``{ loguniform = [a, b] }``,
    ``{ triangular = [a, mode, b] }``, ``{ beta = [a, b] }`` (on [0, 1]) or ``{ choice = [v1, v2, ...] }``.

    Examples
    --------
    >>> r = Range("audience.share_rate", "uniform", (0.1, 0.5))
    >>> round(r.value(0.5), 12), round(r.value(0.25), 12)
    (0.3, 0.2)
    >>> round(Range("prices.cpm", "loguniform", (10.0, 40.0)).value(0.5), 9)
    20.0
    """

    key: str
    kind: str
    params: tuple[Any, ...]

    def value(self, u: float) -> Any:
        """The parameter's value at quantile ``u`` in [0, 1) (what a space-filling design's coordinate maps to)."""
        p = self.params
        if self.kind == "uniform":
            return float(p[0] + u * (p[1] - p[0]))
        if self.kind == "loguniform":
            return float(math.exp(math.log(p[0]) + u * (math.log(p[1]) - math.log(p[0]))))
        if self.kind == "triangular":
            a, c, b = p
            cut = (c - a) / (b - a)
            return float(a + math.sqrt(u * (b - a) * (c - a)) if u < cut else b - math.sqrt((1 - u) * (b - a) * (b - c)))
        if self.kind == "beta":
            from scipy.stats import beta  # scipy: the uncertainty extra

            return float(beta.ppf(u, p[0], p[1]))
        return p[min(int(u * len(p)), len(p) - 1)]

    @property
    def central(self) -> Any:
        """The median (the middle choice): what ``validate`` checks and ``run`` uses."""
        return self.value(0.5) if self.kind != "beta" else self.params[0] / (self.params[0] + self.params[1])


def _range(key: str, spec: dict[str, Any]) -> Range | None:
    """The Range a config value describes, None when it is an ordinary value; an error when malformed."""
    if not (isinstance(spec, dict) and len(spec) == 1 and next(iter(spec)) in DISTRIBUTIONS):
        return None
    kind, params = next(iter(spec.items()))
    want = DISTRIBUTIONS[kind]
    if not isinstance(params, list) or (want is not None and len(params) != want) or not params:
        n = f"{want} numbers" if want else "a non-empty list of values"
        raise InputError(f"{key}: {{ {kind} = ... }} takes {n}, got {params!r}")
    if kind != "choice":
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in params):
            raise InputError(f"{key}: {{ {kind} = {params!r} }} needs finite numbers")
        ok = {"uniform": lambda a, b: a < b, "loguniform": lambda a, b: 0 < a < b,
              "triangular": lambda a, c, b: a <= c <= b and a < b, "beta": lambda a, b: a > 0 and b > 0}[kind]
        if not ok(*params):
            need = {"uniform": "a < b", "loguniform": "0 < a < b", "triangular": "a <= mode <= b and a < b",
                    "beta": "a > 0 and b > 0 (shape parameters)"}[kind]
            raise InputError(f"{key}: {{ {kind} = {params!r} }} needs {need}")
    return Range(key, kind, tuple(float(x) if kind != "choice" else x for x in params))


def config_ranges(data: dict[str, Any], prefix: str = "") -> dict[str, Range]:
    """Every uncertain parameter of a raw config, by dotted key (``strategy.1.budget``, ``prices.cpm``)."""
    out: dict[str, Range] = {}
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for k, v in items:
        key = f"{prefix}{k}"
        if key == "sweep":
            continue
        r = _range(key, v) if isinstance(v, dict) else None
        if r is not None:
            out[key] = r
        elif isinstance(v, (dict, list)):
            out.update(config_ranges(v, f"{key}."))
    return out


def _central(data: dict[str, Any]) -> dict[str, Any]:
    """The config with every range replaced by its median (validated like any other value)."""
    ranges = config_ranges(data)
    if not ranges:
        return data
    data = copy.deepcopy(data)
    for key, r in ranges.items():
        apply_override(data, key, r.central)
    return data


def parse_config(data: dict[str, Any], source: str = "<config>") -> Experiment:
    """Validate a config dict; errors are InputError naming ``source`` and the dotted key. Uncertain
    parameters (:class:`Range`) are validated at their median."""
    try:
        data = _central(data)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None
    try:
        return Experiment(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        model = _model_at(tuple(err["loc"])) if err["type"] == "extra_forbidden" else None
        raise InputError(f"{source}: {_pydantic_message(exc, model=model)}") from None
    except TypeError as exc:
        raise InputError(f"{source}: {exc}") from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> tuple[Experiment, dict[str, Any]]:
    """Read, override (``key=value`` strings, values parsed as TOML) and validate a config file.

    Returns the spec and the resolved raw dict (written to the run directory).
    """
    path = Path(path)
    try:
        if path.exists() and not path.is_file():
            raise InputError(f"{path}: not a regular file; a config is a TOML file")
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise InputError(f"{path}: {path.stat().st_size:,} bytes; a config is at most {MAX_CONFIG_BYTES:,}")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: config file not found") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text (byte {exc.object[exc.start]:#04x}); save the config as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read config ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None
    _resolve_paths(data, path.parent)  # paths in the file: relative to the config's folder
    for item in overrides or []:
        if "=" not in item:
            raise InputError(f"--set {item!r}: expected key=value, e.g. runs=500 or audience.share_rate=0.3")
        key, value = item.split("=", 1)
        apply_override(data, key.strip(), _parse_value(value.strip()), source=f"--set {key.strip()}")
        if _split_key(key.strip()) in (["graph", "file"], ["graph", "labels"], ["graph"]):
            _resolve_paths(data, Path.cwd())  # paths on the command line: relative to the working folder
    return parse_config(data, str(path)), data


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word: a string


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    graph = data.get("graph")
    if isinstance(graph, dict):
        for key in ("file", "labels"):
            if isinstance(graph.get(key), str):
                graph[key] = str((base / graph[key]).resolve())


def _split_key(key: str) -> list[str]:
    """``a.b[2]."c.d"`` -> ``["a", "b", "2", "c.d"]`` (a quoted part may hold dots)."""
    parts, cur, quoted, i = [], "", False, 0
    while i < len(key):
        ch = key[i]
        if ch == '"':
            quoted = not quoted
        elif quoted:
            cur += ch
        elif ch in ".[]":
            if cur:
                parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    if cur:
        parts.append(cur.strip())
    return parts


def _flat_sweep(sweep: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``[sweep]`` with dotted keys: nested tables (``audience.share_rate = [...]`` unquoted) flatten."""
    out: dict[str, Any] = {}
    for key, value in sweep.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not (name == "zip" and not prefix):
            out.update(_flat_sweep(value, f"{name}."))
        else:
            out[name] = value
    return out


def apply_override(data: dict[str, Any], key: str, value: Any, source: str = "override") -> None:
    """Set a dotted key (``strategy.2.budget`` or ``strategy[2].budget`` index lists) in a raw config."""
    parts = _split_key(key)
    if not parts:
        raise InputError(f"{source}: empty key")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError(f"{source}: {'.'.join(parts[:i])} has {len(node)} entries; {part!r} is not an index")
            node = node[int(part)]
        else:
            node = node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise InputError(f"{source}: {'.'.join(parts[: i + 1])} is a value, not a table")
    last = parts[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            raise InputError(f"{source}: {'.'.join(parts[:-1])} has {len(node)} entries; {last!r} is not an index")
        node[int(last)] = value
    else:
        node[last] = value


def expand_cells(spec: Experiment, raw: dict[str, Any], source: str = "<config>") -> list[tuple[dict[str, Any], Experiment]]:
    """The sweep's cells: ``(overrides, spec)`` for the Cartesian grid of ``[sweep]`` keys, with keys
    listed together in ``sweep.zip`` (a list of key lists) varying in lockstep."""
    sweep = _flat_sweep(dict(raw.get("sweep", {})))
    zipped = sweep.pop("zip", [])
    groups: list[list[str]] = []
    for keys in zipped:
        if not isinstance(keys, list) or any(k not in sweep for k in keys):
            raise InputError(f"{source}: sweep.zip entries must list keys of [sweep], got {keys!r}")
        lengths = {len(sweep[k]) for k in keys}
        if len(lengths) > 1:
            raise InputError(f"{source}: sweep.zip keys {keys} must have lists of equal length, got {sorted(lengths)}")
        groups.append(keys)
    grouped = {k for g in groups for k in g}
    groups += [[k] for k in sweep if k not in grouped]
    if not groups:
        return [({}, spec)]
    axes = [[dict(zip(g, vals)) for vals in zip(*(sweep[k] for k in g))] for g in groups]
    cells = []
    for combo in itertools.product(*axes):
        over: dict[str, Any] = {}
        for part in combo:
            over.update(part)
        data = copy.deepcopy(raw)
        data.pop("sweep", None)
        for key, value in over.items():
            apply_override(data, key, value, source=f"{source}: sweep.{key}")
        cells.append((over, parse_config(data, f"{source} (sweep cell {json.dumps(over)})")))
    return cells


def _toml_str(s: str) -> str:
    """A TOML basic string (JSON escapes, but non-ASCII kept as is: TOML has no surrogate escapes)."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def to_toml(data: dict[str, Any]) -> str:
    """The resolved config as TOML (tables, arrays of tables, scalars, lists): what ``config.toml`` of a run holds."""

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
