"""Calibration: the parameters a config gives as ranges, fitted to a pilot campaign's observed engagement.

A pilot's data is a CSV of new engagements per step (:func:`read_observed`: columns ``step`` and ``engaged``,
optionally split by ``channel`` and ``community``). :func:`fit` estimates every parameter given as a range
(:class:`virality.config.Range`, the prior) by approximate Bayesian computation with sequential Monte Carlo
(:func:`abc_smc`: ABC-PMC of Beaumont et al. 2009 with the adaptive tolerance of Del Moral et al. 2012, the
median of the previous generation's distances). Each proposal simulates the pilot strategy once on the config's
graph (built once) and is kept when its curve is within the tolerance of the observed one; the distance is the
Euclidean distance of Anscombe-transformed counts (``2 sqrt(x + 3/8)``: Poisson-like counts get unit variance,
so a step of 2 engagements weighs as much as one of 2,000 in relative terms, and no step dominates).

Inference runs in the quantile space of the ranges (each range maps ``[0, 1)`` to its values,
:meth:`~virality.config.Range.value`), where every prior is uniform on the unit cube: the perturbation kernel,
a Gaussian with twice the particles' weighted covariance (Beaumont et al. 2009), and the importance weights need
no prior density. Every simulation has its own seed from ``(seed, generation, batch, proposal)`` and proposals
are accepted in order, so a fit is identical for the same seed, whatever the number of threads.

Why no library: pyABC (the maintained ABC-SMC package) pulls in a database layer, a server and a dozen packages
for a loop of about a hundred lines here, ELFI is unmaintained, and sbi needs torch; none is installed and the
machines this runs on may have no network. The loop below is tested against an analytic posterior
(``tests/test_calibrate.py``) and calibrated by simulation (``experiments/validation/sbc_fit.py``).

:func:`run_fit` writes ``posterior.csv`` (one column per fitted key, one equally weighted sample per row),
``fit_summary.csv``/``.json`` (median and 95% interval per key), ``predictive.csv`` (the posterior predictive
band of new engagements per step against the observed counts) and ``fitted.toml`` (the config with each range
replaced by its posterior median, the intervals in comments), which ``virality run`` and ``virality optimize``
accept. The figure is :mod:`virality.fit_plots`.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .codes import CH_NONE, CH_POSTER, CHANNEL_NAMES
from .campaign import run_campaign
from .config import Range, apply_override, config_ranges, load_config, parse_config, to_toml
from .errors import InputError
from .experiment import _portable, build_audience, build_graph, build_plan, price_list
from .files import atomic_write
from .tables import write_table

__all__ = ["Observed", "read_observed", "write_observed", "PilotSimulator", "pilot_simulator", "abc_smc", "Posterior", "fit", "run_fit", "weighted_quantile",
           "CHANNELS", "INTERVAL"]

#: channels a pilot's rows may name (a hired account's own post is not an engagement)
CHANNELS = tuple(name for code, name in CHANNEL_NAMES.items() if code != CH_POSTER)
#: the reported interval's probability
INTERVAL = 0.95
# seed streams of a fit: proposals of ABC-SMC, their simulations, resampling, posterior predictive
_PROPOSE, _SIMULATE, _RESAMPLE, _PREDICT = 31, 32, 33, 34
_COLUMNS = ("step", "engaged", "channel", "community")


# ------------------------------------------------------------------------------------- observed data
@dataclass(frozen=True)
class Observed:
    """A pilot's new engagements: ``counts[s, c, k]`` at ``steps[s]``, channel group ``c``, community group ``k``.

    Without a ``channel`` column there is one channel group (``channels`` is None), likewise communities.
    """

    steps: np.ndarray
    counts: np.ndarray
    channels: tuple[str, ...] | None = None
    communities: tuple[int, ...] | None = None
    source: str = "<observed>"

    def totals(self) -> np.ndarray:
        """New engagements per observed step, over all channels and communities."""
        return self.counts.sum(axis=(1, 2))


def _whole(text: str, where: str, what: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: {what} {text!r} is not a number; expected a whole number") from None
    if not math.isfinite(value) or value != int(value):
        raise InputError(f"{where}: {what} {text!r} is not a whole number")
    if value < 0:
        raise InputError(f"{where}: {what} {text!r} is negative; expected 0 or more")
    return int(value)


def read_observed(path: str | Path, *, communities: int = 1, names: list[str] | None = None,
                  max_steps: int | None = None) -> Observed:
    """A pilot's observed new engagements per step, from a CSV with columns ``step`` and ``engaged`` and
    optional ``channel`` (one of :data:`CHANNELS`) and ``community`` (an id ``0 .. communities - 1`` or, with
    ``names``, a community's name), several rows per step when split. A step absent from the file is not
    observed (it is left out of the distance); within an observed step, a channel or community without a row
    had no engagements. Errors name the file, line and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "pilot.csv"
    >>> _ = p.write_text("step,engaged,channel\\n0,0,influencer\\n1,5,influencer\\n1,2,peer\\n")
    >>> obs = read_observed(p)
    >>> obs.steps.tolist(), obs.channels, obs.totals().tolist()
    ([0, 1], ('influencer', 'peer'), [0, 7])
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = [h.strip().lower() for h in next(reader, [])]
            rows = [(reader.line_num, row) for row in reader if any(x.strip() for x in row)]
    except FileNotFoundError:
        raise InputError(f"{path}: observed data file not found") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the observed data as a UTF-8 CSV") from None
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV ({exc})") from None
    missing = [c for c in ("step", "engaged") if c not in header]
    if missing:
        raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}; the header has {', '.join(header) or 'nothing'}"
                         f" (expected step, engaged and optionally channel, community)")
    unknown = [c for c in header if c not in _COLUMNS]
    if unknown:
        raise InputError(f"{path}:1: unknown column(s) {', '.join(unknown)}; expected step, engaged, channel, community")
    col = {c: header.index(c) for c in _COLUMNS if c in header}
    if not rows:
        raise InputError(f"{path}: no data rows after the header")
    labels = {str(n): i for i, n in enumerate(names or [])}
    parsed = []
    for line, row in rows:
        if len(row) != len(header):
            raise InputError(f"{path}:{line}: {len(row)} values for {len(header)} columns")
        step = _whole(row[col["step"]].strip(), f"{path}:{line}: column step", "step")
        if max_steps is not None and step > max_steps:
            raise InputError(f"{path}:{line}: column step: step {step} is past the config's max_steps = {max_steps}")
        engaged = _whole(row[col["engaged"]].strip(), f"{path}:{line}: column engaged", "engaged")
        channel = row[col["channel"]].strip().lower() if "channel" in col else None
        if channel is not None and channel not in CHANNELS:
            raise InputError(f"{path}:{line}: column channel: unknown channel {row[col['channel']]!r}; "
                             f"expected one of {', '.join(CHANNELS)}")
        community = None
        if "community" in col:
            text = row[col["community"]].strip()
            if text in labels:
                community = labels[text]
            elif text.isdigit() and int(text) < communities:
                community = int(text)
            else:
                raise InputError(f"{path}:{line}: column community: unknown community {text!r}; the graph has "
                                 f"ids 0..{communities - 1}" + (" or the labels file's names" if names else ""))
        parsed.append((line, step, channel, community, engaged))
    steps = np.array(sorted({p[1] for p in parsed}))
    chans = tuple(c for c in CHANNELS if any(p[2] == c for p in parsed)) if "channel" in col else None
    comms = tuple(sorted({p[3] for p in parsed})) if "community" in col else None
    counts = np.zeros((steps.size, len(chans or (0,)), len(comms or (0,))), dtype=np.int64)
    seen: dict[tuple, int] = {}
    for line, step, channel, community, engaged in parsed:
        cell = (int(np.searchsorted(steps, step)), chans.index(channel) if chans else 0,
                comms.index(community) if comms else 0)
        if cell in seen:
            raise InputError(f"{path}:{line}: step {step}" + (f", channel {channel}" if chans else "")
                             + (f", community {community}" if comms else "") + f" repeats line {seen[cell]}")
        seen[cell] = line
        counts[cell] = engaged
    return Observed(steps=steps, counts=counts, channels=chans, communities=comms, source=str(path))


def write_observed(path: str | Path, observed: Observed) -> Path:
    """Write new engagements per step (and split) as a CSV that :func:`read_observed` reads back."""
    path = Path(path)
    table: dict[str, list] = {"step": [], "engaged": []}
    if observed.channels is not None:
        table["channel"] = []
    if observed.communities is not None:
        table["community"] = []
    for s, step in enumerate(observed.steps.tolist()):
        for c in range(observed.counts.shape[1]):
            for k in range(observed.counts.shape[2]):
                table["step"].append(step)
                table["engaged"].append(int(observed.counts[s, c, k]))
                if observed.channels is not None:
                    table["channel"].append(observed.channels[c])
                if observed.communities is not None:
                    table["community"].append(observed.communities[k])
    write_table(path.with_suffix(""), table)
    return path.with_suffix(".csv")


def anscombe(counts: np.ndarray) -> np.ndarray:
    """Counts on a scale where Poisson noise has about unit variance: ``2 sqrt(x + 3/8)``."""
    return 2.0 * np.sqrt(np.asarray(counts, float) + 0.375)


# ------------------------------------------------------------------------------------- ABC-SMC
def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: Any) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its step CDF, each sample at the middle of its weight).

    Examples
    --------
    >>> float(weighted_quantile(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4), 0.5))
    2.5
    >>> float(weighted_quantile(np.array([1.0, 3.0]), np.array([3.0, 1.0]), 0.5))  # 1 holds three quarters
    1.5
    """
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, v)


@dataclass
class Posterior:
    """ABC-SMC's last population: particles ``u`` in the ranges' quantile space (n, d), their importance
    ``weights`` (summing to 1) and ``distances``, and per generation the tolerance, acceptance rate and
    simulations."""

    u: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    tolerances: list[float] = field(default_factory=list)
    acceptance: list[float] = field(default_factory=list)
    simulations: list[int] = field(default_factory=list)

    def resample(self, n: int, seed: np.random.SeedSequence) -> np.ndarray:
        """``n`` equally weighted draws of the particles (systematic resampling), rows of ``u``."""
        positions = (np.random.default_rng(seed).random() + np.arange(n)) / n
        idx = np.minimum(np.searchsorted(np.cumsum(self.weights), positions), len(self.weights) - 1)
        return self.u[idx]


def abc_smc(distance: Callable[[np.ndarray, np.random.SeedSequence], float], dims: int, *, particles: int = 200,
            generations: int = 8, min_acceptance: float = 0.05, alpha: float = 0.5, seed: int = 0,
            batch: int = 64, log: Callable[[str], None] | None = None) -> Posterior:
    """ABC-SMC over the unit cube ``[0, 1)^dims`` (a uniform prior): ``distance(u, seed_sequence)`` simulates
    at ``u`` and returns the distance to the observed data.

    Generation 0 draws ``particles`` from the prior. Generation ``t`` sets the tolerance to the ``alpha``
    quantile of the previous distances, moves particles drawn by weight with a Gaussian kernel of twice their
    weighted covariance, and keeps a proposal inside the cube whose distance is within the tolerance, until
    ``particles`` are kept; weights are ``1 / sum_j w_j K(u | u_j)``. It stops after ``generations`` or when a
    generation's acceptance rate falls under ``min_acceptance`` (the tolerance has reached the simulation's
    noise: smaller tolerances cost more than they sharpen). Proposals come in batches of ``batch``, each batch
    from its own seed, accepted in order: the result depends on ``seed`` only.

    Examples
    --------
    A normal mean with a flat prior on [0, 1) and one observation 0.6 with noise 0.05: the posterior is about
    normal(0.6, 0.05).

    >>> def distance(u, seq):
    ...     return abs(u[0] + 0.05 * np.random.default_rng(seq).standard_normal() - 0.6)
    >>> post = abc_smc(distance, 1, particles=300, generations=6, seed=1)
    >>> lo, mid, hi = weighted_quantile(post.u[:, 0], post.weights, [0.025, 0.5, 0.975])
    >>> bool(0.55 < mid < 0.65 and 0.4 < lo < 0.55 and 0.65 < hi < 0.8)
    True
    """
    if particles < 10:
        raise InputError(f"--particles must be at least 10, got {particles}")
    if generations < 1:
        raise InputError(f"--generations must be at least 1, got {generations}")
    say = log or (lambda msg: None)
    u = np.empty((0, dims))
    weights = dist = np.empty(0)
    post = Posterior(u, weights, dist)
    for gen in range(generations):
        eps = math.inf if gen == 0 else float(np.quantile(dist, alpha))
        if gen:
            cov = 2.0 * np.atleast_2d(np.cov(u.T, aweights=weights))
            cov += np.eye(dims) * 1e-12
            chol = np.linalg.cholesky(cov)
            prec = np.linalg.inv(cov)
        kept_u, kept_d, tried, simulated = [], [], 0, 0
        b = 0
        while len(kept_u) < particles:
            rng = np.random.default_rng([seed, _PROPOSE, gen, b])
            if gen == 0:
                props = rng.random((batch, dims))
            else:
                pick = rng.choice(len(weights), size=batch, p=weights)
                props = u[pick] + rng.standard_normal((batch, dims)) @ chol.T
            for i, x in enumerate(props):
                tried += 1
                if ((x < 0) | (x >= 1)).any():
                    continue  # outside the prior's support: weight 0, no simulation
                d = distance(x, np.random.SeedSequence([seed, _SIMULATE, gen, b, i]))
                simulated += 1
                if d <= eps:
                    kept_u.append(x)
                    kept_d.append(d)
                    if len(kept_u) == particles:
                        break
            b += 1
            if gen and len(kept_u) < particles and simulated >= particles / min_acceptance:
                break  # this generation would cost more than the acceptance floor allows: keep the last one
        rate = len(kept_u) / max(simulated, 1)
        if len(kept_u) < particles:
            say(f"generation {gen}: acceptance under {min_acceptance:.0%} at tolerance {eps:.4g}; stopping")
            break
        new_u = np.array(kept_u)
        if gen == 0:
            new_w = np.full(particles, 1.0 / particles)
        else:
            diff = new_u[:, None, :] - u[None, :, :]
            kern = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, prec, diff))
            new_w = 1.0 / (kern @ weights)
            new_w /= new_w.sum()
        u, weights, dist = new_u, new_w, np.array(kept_d)
        post = Posterior(u, weights, dist, post.tolerances + [eps], post.acceptance + [rate],
                         post.simulations + [simulated])
        say(f"generation {gen}: tolerance {eps:.4g}, {simulated:,} simulations, acceptance {rate:.1%}")
        if gen and rate < min_acceptance:
            break
    return post


# ------------------------------------------------------------------------------------- the pilot simulator
class PilotSimulator:
    """One pilot run of a config's strategy at given values of its ranges, as an :class:`Observed`-shaped
    array of new engagements (observed steps x channel groups x community groups).

    The graph is built once; a fitted ``graph.p`` (the peer probability) is passed to the campaign instead of
    rebuilding it. Fitting other ``graph.*`` keys rebuilds the graph at every simulation (slow, but right).
    """

    def __init__(self, raw: dict[str, Any], ranges: dict[str, Range], strategy: int, observed: Observed,
                 source: str = "<config>"):
        self.raw, self.ranges, self.strategy, self.observed, self.source = raw, ranges, strategy, observed, source
        self.keys = list(ranges)
        self._plans: dict[str, Any] = {}

    def config(self, values: dict[str, Any]) -> dict[str, Any]:
        """The raw config with these values in place of its ranges (the others at their medians)."""
        data = copy.deepcopy(self.raw)
        for key, r in self.ranges.items():
            apply_override(data, key, values.get(key, r.central), source=f"{self.source}: {key}")
        return data

    def values(self, u: np.ndarray) -> dict[str, Any]:
        return {k: self.ranges[k].value(float(x)) for k, x in zip(self.keys, u)}

    def __call__(self, values: dict[str, Any], seq: np.random.SeedSequence) -> np.ndarray:
        exp = parse_config(self.config(values), self.source)
        spec, p = exp.graph, None
        if "graph.p" in values and isinstance(exp.graph.p, float):  # the same graph whatever p: build it once
            spec, p = exp.graph.model_copy(update={"p": float(self.ranges["graph.p"].central)}), float(exp.graph.p)
        graph = build_graph(spec, exp.seed)
        # the plan depends on neither the audience nor p: build it once for all values of those
        key = exp.model_copy(update={"graph": spec}).model_dump_json(exclude={"audience"})
        if key not in self._plans:
            if len(self._plans) > 64:
                self._plans.clear()
            self._plans[key] = build_plan(graph, exp, self.strategy)[0]
        plan = self._plans[key]
        scheme, prices = price_list(exp)
        obs = self.observed
        split = obs.channels is not None or obs.communities is not None
        res = run_campaign(graph, plan, audience=build_audience(exp, graph), p=p, prices=prices, scheme=scheme,
                           runs=1, rng=seq, max_steps=exp.max_steps, record=split)
        out = np.zeros(obs.counts.shape, dtype=np.int64)
        if not split:
            steps = res.step_counts[0]
            ok = obs.steps < steps.size
            out[ok, 0, 0] = steps[obs.steps[ok]]
            return out
        times, chans = res.times[0], res.channels[0]
        comm = graph.community if graph.community is not None else np.zeros(graph.n, np.int32)
        engaged = (chans != CH_NONE) & (chans != CH_POSTER)
        pos = np.searchsorted(obs.steps, times)
        engaged &= (pos < obs.steps.size) & (obs.steps[np.minimum(pos, obs.steps.size - 1)] == times)
        c_idx = np.zeros(graph.n, np.int64)
        if obs.channels is not None:
            code = {name: c for c, name in CHANNEL_NAMES.items()}
            lookup = np.full(len(CHANNEL_NAMES) + 1, -1)
            for j, name in enumerate(obs.channels):
                lookup[code[name] + 1] = j
            c_idx = lookup[chans + 1]
            engaged &= c_idx >= 0  # a channel the pilot did not report
        k_idx = np.zeros(graph.n, np.int64)
        if obs.communities is not None:
            lookup = np.full(max(int(comm.max(initial=0)) + 1, max(obs.communities) + 1), -1)
            lookup[list(obs.communities)] = np.arange(len(obs.communities))
            k_idx = lookup[comm]
            engaged &= k_idx >= 0
        np.add.at(out, (pos[engaged], c_idx[engaged], k_idx[engaged]), 1)
        return out


def pilot_simulator(config: str | Path, data: str | Path | Observed | None = None, *,
                    overrides: list[str] | None = None,
                    strategy: str | None = None) -> tuple[Any, dict[str, Any], PilotSimulator]:
    """The config (spec and raw dict) and its :class:`PilotSimulator` for the pilot of ``data`` (a CSV path or
    an :class:`Observed`; None: every step from 0 to ``max_steps``, unsplit, all zero, to simulate pilots)."""
    exp, raw = load_config(config, overrides)
    ranges = config_ranges(raw)
    if not ranges:
        raise InputError(f"{config}: no parameter is given as a range (e.g. audience.share_rate = "
                         "{ uniform = [0.1, 0.5] }): nothing to fit")
    if raw.get("sweep"):
        raise InputError(f"{config}: [sweep] and fit together are not supported: fit one config")
    names = [s.name for s in exp.strategy]
    if strategy is None:
        index = 0
    elif strategy in names:
        index = names.index(strategy)
    else:
        raise InputError(f"--strategy {strategy!r}: the config's strategies are {', '.join(names)}")
    graph = build_graph(exp.graph, exp.seed)
    if data is None:
        data = Observed(np.arange(exp.max_steps + 1), np.zeros((exp.max_steps + 1, 1, 1), np.int64))
    observed = data if isinstance(data, Observed) else read_observed(data, communities=max(graph.n_communities, 1), max_steps=exp.max_steps,
                             names=None if graph.community_names is None else list(graph.community_names))
    return exp, raw, PilotSimulator(raw, ranges, index, observed, str(config))


def fit(sim: PilotSimulator, *, particles: int = 200, generations: int = 8, min_acceptance: float = 0.05,
        seed: int = 0, log: Callable[[str], None] | None = None) -> Posterior:
    """ABC-SMC of ``sim``'s ranges against its observed pilot (see :func:`abc_smc`)."""
    target = anscombe(sim.observed.counts).ravel()

    def distance(u: np.ndarray, seq: np.random.SeedSequence) -> float:
        return float(np.linalg.norm(anscombe(sim(sim.values(u), seq)).ravel() - target))

    return abc_smc(distance, len(sim.keys), particles=particles, generations=generations,
                   min_acceptance=min_acceptance, seed=seed, log=log)


# ------------------------------------------------------------------------------------- outputs
def _summary(sim: PilotSimulator, post: Posterior) -> dict[str, list]:
    lo, hi = (1 - INTERVAL) / 2, (1 + INTERVAL) / 2
    out: dict[str, list] = {k: [] for k in ("key", "median", "low", "high", "prior_low", "prior_high")}
    for j, key in enumerate(sim.keys):
        r = sim.ranges[key]
        if r.kind == "choice":  # the most probable choice; the interval is the choices' span
            vals = [r.value(float(x)) for x in post.u[:, j]]
            mass: dict[Any, float] = {}
            for v, w in zip(vals, post.weights):
                mass[json.dumps(v)] = mass.get(json.dumps(v), 0.0) + w
            best = json.loads(max(mass, key=mass.get))
            row = (best, None, None, None, None)
        else:
            q = weighted_quantile(post.u[:, j], post.weights, [0.5, lo, hi])
            row = (r.value(q[0]), r.value(q[1]), r.value(q[2]), r.value(0.0), r.value(1.0 - 1e-12))
        out["key"].append(key)
        for name, v in zip(("median", "low", "high", "prior_low", "prior_high"), row):
            out[name].append(v)
    return out


def _predictive(sim: PilotSimulator, draws: np.ndarray, seed: int) -> dict[str, list]:
    """Observed new engagements per step (total, and per channel when split) against the 5-95% band and median
    of pilots simulated at posterior draws."""
    obs = sim.observed
    sims = np.array([sim(sim.values(u), np.random.SeedSequence([seed, _PREDICT, i])) for i, u in enumerate(draws)])
    groups = [("all", obs.counts.sum(axis=(1, 2)), sims.sum(axis=(2, 3)))]
    if obs.channels is not None and len(obs.channels) > 1:
        groups += [(c, obs.counts[:, j].sum(axis=1), sims[:, :, j].sum(axis=2)) for j, c in enumerate(obs.channels)]
    out: dict[str, list] = {k: [] for k in ("group", "step", "observed", "low", "median", "high")}
    for name, seen, simulated in groups:
        q = np.quantile(simulated, [0.05, 0.5, 0.95], axis=0)
        out["group"] += [name] * obs.steps.size
        out["step"] += obs.steps.tolist()
        out["observed"] += seen.tolist()
        for k, row in zip(("low", "median", "high"), q):
            out[k] += row.tolist()
    return out


def _fitted_toml(raw: dict[str, Any], summary: dict[str, list], out: Path, source: str) -> str:
    data = _portable(raw, out)
    lines = [f"# Fitted by virality fit from {source}: each range replaced by its posterior median.",
             f"# Posterior medians and {INTERVAL:.0%} intervals:"]
    for i, key in enumerate(summary["key"]):
        apply_override(data, key, summary["median"][i])
        iv = "" if summary["low"][i] is None else f"  ({INTERVAL:.0%} interval {summary['low'][i]:.6g} to {summary['high'][i]:.6g})"
        med = summary["median"][i]
        lines.append(f"#   {key} = {med:.6g}{iv}" if isinstance(med, float) else f"#   {key} = {json.dumps(med)}{iv}")
    return "\n".join(lines) + "\n\n" + to_toml(data)


def run_fit(config: str | Path, data: str | Path, *, out: str | Path | None = None, strategy: str | None = None,
            particles: int = 200, generations: int = 8, min_acceptance: float = 0.05, predictive: int = 100,
            overrides: list[str] | None = None, log: Callable[[str], None] = print) -> Path:
    """Fit the ranges of ``config`` to the pilot of ``data`` (the config's first strategy, or ``strategy``) and
    write the results folder (``results/<name>_fit`` unless ``out``): ``posterior.csv``, ``fit_summary.csv``
    and ``.json``, ``predictive.csv`` and ``fitted.toml``. Returns the folder."""
    t0 = time.perf_counter()
    exp, raw, sim = pilot_simulator(config, data, overrides=overrides, strategy=strategy)
    folder = Path(out) if out is not None else Path("results") / f"{exp.name}_fit"
    folder.mkdir(parents=True, exist_ok=True)
    log(f"fitting {', '.join(sim.keys)} to {data} ({sim.observed.steps.size} steps, "
        f"{int(sim.observed.counts.sum()):,} engagements) with strategy {exp.strategy[sim.strategy].name!r}")
    post = fit(sim, particles=particles, generations=generations, min_acceptance=min_acceptance, seed=exp.seed,
               log=log)
    draws = post.resample(particles, np.random.SeedSequence([exp.seed, _RESAMPLE]))
    write_table(folder / "posterior", {k: [sim.ranges[k].value(float(x)) for x in draws[:, j]]
                                       for j, k in enumerate(sim.keys)})
    summary = _summary(sim, post)
    write_table(folder / "fit_summary", summary)
    pred = _predictive(sim, draws[: max(predictive, 1)], exp.seed)
    write_table(folder / "predictive", pred)
    inside = [lo <= x <= hi for g, x, lo, hi in zip(pred["group"], pred["observed"], pred["low"], pred["high"])
              if g == "all"]
    meta = {"config": str(config), "data": str(data), "strategy": exp.strategy[sim.strategy].name,
            "method": "ABC-SMC (Beaumont et al. 2009; adaptive tolerance, Del Moral et al. 2012)",
            "distance": "Euclidean on 2 sqrt(x + 3/8) of new engagements per observed step and split",
            "particles": particles, "generations": len(post.tolerances), "tolerances": post.tolerances,
            "acceptance": post.acceptance, "simulations": int(sum(post.simulations)) + len(draws[:predictive]),
            "seed": exp.seed, "interval": INTERVAL,
            "predictive_inside_90": float(np.mean(inside)) if inside else math.nan,
            "seconds": round(time.perf_counter() - t0, 2),
            "parameters": [{k: summary[k][i] for k in summary} for i in range(len(summary["key"]))]}
    atomic_write(folder / "fit_summary.json", json.dumps(meta, indent=1))
    atomic_write(folder / "fitted.toml", _fitted_toml(raw, summary, folder, str(data)))
    return folder
