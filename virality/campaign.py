"""Outreach campaigns: broadcast (mass media) and influencer seeding through a trust funnel.

A campaign exposes people through three channels:

============ ===================================== ========================= ==================
channel      who is exposed                        chance an exposure engages cost
============ ===================================== ========================= ==================
broadcast    a share ``reach`` of the (targeted)   ``trust x alignment x     per thousand
             population per airing, on a schedule  susceptibility``          impressions (CPM)
influencer   the followers of each hired account,  ``trust[tier] x ...``     per post (by tier)
             when it posts (after ``lead_time``)
peer         the followers of anyone who shares    ``p[arc] x peer_trust x   free
                                                   ...``
============ ===================================== ========================= ==================

Funnel: exposed -> engaged -> shares (with ``share_rate``; a sharer exposes its followers on each of
the next ``share_steps`` steps: fatigue) -> converts (``convert_rate``). Each engagement is positive
with a channel-dependent chance (sentiment). With only organic ``seeds``, trust, alignment,
susceptibility and share rate all 1, a campaign is exactly Independent Cascade (same coins).

Common random numbers: every plan run with the same ``rng`` and replicate draws the same coin for the
same arc, airing and node, so comparisons between plans are paired.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numba
import numpy as np

from . import _kernels as K
from .errors import InputError
from .graph import Graph, check_probabilities
from .models import check_seeds
from .rng import RNGLike, root_key
from .pricing import TIERS, PriceList, TierScheme, tiers

__all__ = ["Broadcast", "Influencers", "Audience", "Plan", "CampaignResult", "run_campaign", "FLOW_COMMUNITIES"]

#: most communities for which flows between communities are summed (a C x C array per thread)
FLOW_COMMUNITIES = 2_000


def _prob(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in [0, 1], got {value!r}") from None
    if not 0.0 <= x <= 1.0:
        raise InputError(f"{name} must lie in [0, 1], got {x:g}")
    return x


def _count(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InputError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Broadcast:
    """Mass media: ``airings`` airings, the first after ``lead_time`` steps, then every ``spacing``.

    Each airing exposes every node of the targeted communities (all, when ``target`` is None) with
    probability ``reach``; an exposure engages with ``trust x alignment x susceptibility``.
    """

    reach: float = 0.2
    airings: int = 1
    lead_time: int = 3
    spacing: int = 1
    trust: float = 0.02
    target: tuple[int, ...] | None = None
    positive: float = 0.55

    def __post_init__(self) -> None:
        _prob("broadcast.reach", self.reach)
        _prob("broadcast.trust", self.trust)
        _prob("broadcast.positive", self.positive)
        _count("broadcast.airings", self.airings, 0)
        _count("broadcast.lead_time", self.lead_time, 1)
        _count("broadcast.spacing", self.spacing, 1)

    @property
    def steps(self) -> list[int]:
        """The steps at which it airs."""
        return [self.lead_time + i * self.spacing for i in range(self.airings)]

    def audience_size(self, graph: Graph) -> int:
        """Nodes in the targeted communities."""
        if self.target is None:
            return graph.n
        return int(np.isin(_communities(graph), self.target).sum())

    def planned_impressions(self, graph: Graph) -> float:
        """Impressions bought: ``reach x audience x airings`` (what the CPM is paid on)."""
        return self.reach * self.audience_size(graph) * self.airings


@dataclass(frozen=True)
class Influencers:
    """Hired accounts: each posts once, ``lead_time`` steps after launch, to all its followers.

    ``trust`` is one engagement chance per exposure, or one per tier name (``"regular"`` for accounts
    below the nano tier).
    """

    nodes: tuple[int, ...] = ()
    trust: float | Mapping[str, float] = field(
        default_factory=lambda: {"nano": 0.08, "micro": 0.06, "macro": 0.03, "mega": 0.015, "regular": 0.08}
    )
    lead_time: int = 1
    positive: float = 0.85

    def __post_init__(self) -> None:
        _count("influencers.lead_time", self.lead_time, 1)
        _prob("influencers.positive", self.positive)
        if isinstance(self.trust, Mapping):
            for name, value in self.trust.items():
                if name not in TIERS + ("regular",):
                    raise InputError(f"influencers.trust: unknown tier {name!r}; valid: {', '.join(TIERS + ('regular',))}")
                _prob(f"influencers.trust.{name}", value)
        else:
            _prob("influencers.trust", self.trust)

    def trust_per_node(self, graph: Graph, nodes: np.ndarray, scheme: TierScheme) -> np.ndarray:
        if not isinstance(self.trust, Mapping):
            return np.full(nodes.size, float(self.trust))
        tier = tiers(graph, scheme)[nodes]
        names = [TIERS[t] if t >= 0 else "regular" for t in tier.tolist()]
        missing = sorted({nm for nm in names if nm not in self.trust})
        if missing:
            raise InputError(f"influencers.trust has no value for tier(s) {', '.join(missing)} of the hired accounts")
        return np.array([self.trust[nm] for nm in names], dtype=np.float64)


@dataclass(frozen=True)
class Audience:
    """How the population responds: the trust funnel.

    ``alignment`` is the contextual alignment of each community with the message (one per community,
    default 1); ``susceptibility`` one factor per node (default 1).
    """

    alignment: tuple[float, ...] | None = None
    susceptibility: np.ndarray | None = None
    peer_trust: float = 1.0
    share_rate: float = 1.0
    share_steps: int = 1
    convert_rate: float = 0.0
    peer_positive: float = 0.75

    def __post_init__(self) -> None:
        _prob("audience.peer_trust", self.peer_trust)
        _prob("audience.share_rate", self.share_rate)
        _prob("audience.convert_rate", self.convert_rate)
        _prob("audience.peer_positive", self.peer_positive)
        _count("audience.share_steps", self.share_steps, 1)


@dataclass(frozen=True)
class Plan:
    """One outreach plan: any mix of organic seeds, influencers and broadcast."""

    seeds: tuple[int, ...] = ()
    influencers: Influencers | None = None
    broadcast: Broadcast | None = None


def _communities(graph: Graph) -> np.ndarray:
    return graph.community if graph.community is not None else np.zeros(graph.n, dtype=np.int32)


@dataclass(frozen=True, eq=False)
class CampaignResult:
    """Outcome of ``runs`` Monte Carlo runs of one plan.

    Attributes
    ----------
    raw : float64 array (runs, len(RUN_METRICS))
        Per-run metrics, columns named by :data:`virality.codes.RUN_METRICS`; by name, with the
        derived ones, through :func:`virality.metrics.run_table`.
    community : int32 array (runs, C, 3)
        Per run and community: engaged, positive engagements, unique exposed
        (:data:`virality.codes.COMMUNITY_COUNTS`).
    step_counts : int32 array (runs, steps + 1)
        New engagements per step (organic seeds at step 0; hired posters are not counted).
    node_stats : int64 array (n, len(NODE_STATS))
        Per node, sums over runs of NODE_STATS (engaged, direct engagements caused, downstream
        cascade size, cross-community engagements caused, early adopter).
    community_steps : int64 array (C, steps + 1)
        Per community and step, people engaged at that step, summed over all runs (as
        ``community[:, :, C_ENGAGED]`` counts them: neither organic seeds nor hired posters), as wide
        as ``step_counts``. Its cumulative sum over steps divided by ``runs`` ends at the mean engaged
        per community.
    community_flows : int64 array (C, C), or (0, 0)
        ``[a, b]``: people of community ``b`` engaged by someone of community ``a != b`` (a peer's
        share or a hired account's post), summed over all runs; empty when the graph has more than
        ``FLOW_COMMUNITIES`` communities.
    spend : float
        Influencer posts plus broadcast impressions bought.
    spend_influencers, spend_broadcast : float
    posters : int32 array
        Hired accounts.
    times, parents, channels : (runs, n) arrays or None
        Records, when asked; channel codes of :mod:`virality.codes` (``CH_SEED`` ... ``CH_PEER``).
    """

    raw: np.ndarray
    community: np.ndarray
    step_counts: np.ndarray
    node_stats: np.ndarray
    community_steps: np.ndarray
    community_flows: np.ndarray
    spend: float
    spend_influencers: float
    spend_broadcast: float
    posters: np.ndarray
    population: int
    times: np.ndarray | None = None
    parents: np.ndarray | None = None
    channels: np.ndarray | None = None

    @property
    def runs(self) -> int:
        return self.raw.shape[0]

    @classmethod
    def concat(cls, parts: list[CampaignResult]) -> CampaignResult:
        """Join batches of runs of the same plan (in run order); records come from the first batch."""
        first = parts[0]
        width = max(p.step_counts.shape[1] for p in parts)
        steps = np.vstack([np.pad(p.step_counts, ((0, 0), (0, width - p.step_counts.shape[1]))) for p in parts])
        comm_steps = sum(np.pad(p.community_steps, ((0, 0), (0, width - p.community_steps.shape[1]))) for p in parts)
        return replace(
            first,
            raw=np.vstack([p.raw for p in parts]),
            community=np.concatenate([p.community for p in parts]),
            step_counts=steps,
            node_stats=sum(p.node_stats for p in parts),
            community_steps=comm_steps,
            community_flows=sum(p.community_flows for p in parts),
        )


def run_campaign(
    graph: Graph,
    plan: Plan,
    *,
    audience: Audience | None = None,
    p: Any = None,
    prices: PriceList | None = None,
    scheme: TierScheme = TierScheme(),
    runs: int = 100,
    rng: RNGLike = None,
    record: bool = False,
    max_steps: int = 200,
    run_offset: int = 0,
    early_share: float = 0.1,
) -> CampaignResult:
    """Simulate one outreach plan ``runs`` times.

    Parameters
    ----------
    graph : Graph
    plan : Plan
    audience : Audience, optional
    p : float or array, optional
        Peer transmission probability per arc (default: the graph's ``prob``).
    prices : PriceList, optional
        For spend (default prices).
    scheme : TierScheme
        Follower tiers, for per-tier trust and prices.
    runs, rng, record, max_steps, run_offset
        As in :func:`virality.simulate`; run ``r`` depends only on ``(rng, run_offset + r)``.
    early_share : float
        Share of each run's engaged audience counted as early adopters (for key-node rankings).

    Examples
    --------
    >>> from virality import Graph
    >>> g = Graph.from_edges([0, 0, 1], [1, 2, 3], prob=1.0)
    >>> from virality.metrics import run_table
    >>> res = run_campaign(g, Plan(influencers=Influencers(nodes=(0,), trust=1.0)), runs=2, rng=1)
    >>> run_table(res)["engaged"].tolist()
    [3.0, 3.0]
    """
    audience = audience or Audience()
    prices = prices or PriceList()
    runs = _count("runs", runs, 1)
    max_steps = _count("max_steps", max_steps, 1)
    if p is None:
        if graph.prob is None:
            raise InputError("the campaign needs peer arc probabilities p: the graph has none")
        arc_p = graph.arc_prob  # the kernel reads one probability per arc
    else:
        arc_p = check_probabilities("p", p, graph.m)
    comm = _communities(graph)
    n_comm = max(int(comm.max(initial=-1)) + 1, 1)
    align = np.ones(n_comm) if audience.alignment is None else np.asarray(audience.alignment, dtype=np.float64)
    if align.shape != (n_comm,):
        raise InputError(f"audience.alignment needs one value per community ({n_comm}), got {align.size}")
    align = check_probabilities("audience.alignment", align, n_comm)
    susc = np.zeros(0) if audience.susceptibility is None else check_probabilities(
        "audience.susceptibility", audience.susceptibility, graph.n)
    seeds = check_seeds(graph, plan.seeds, "seeds")
    infl = plan.influencers
    if infl is not None and len(infl.nodes):
        if infl.lead_time >= max_steps:
            raise InputError(f"influencers post at step {infl.lead_time} but max_steps is {max_steps}")
        posters = check_seeds(graph, list(infl.nodes), "influencers.nodes")
        post_trust = infl.trust_per_node(graph, posters, scheme)
        post_step = np.full(posters.size, infl.lead_time, dtype=np.int32)
        spend_infl = float(prices.post_costs(graph, scheme)[posters].sum())
        infl_positive = infl.positive
    else:
        posters = np.zeros(0, np.int32)
        post_trust = np.zeros(0)
        post_step = np.zeros(0, np.int32)
        spend_infl = 0.0
        infl_positive = 0.85
    bc = plan.broadcast
    airing = np.zeros(0)
    target = np.ones(n_comm, dtype=np.bool_)
    bc_trust, bc_positive, spend_bc = 0.0, 0.55, 0.0
    if bc is not None and bc.airings > 0 and bc.reach > 0:
        last = bc.steps[-1]
        if last >= max_steps:
            raise InputError(f"broadcast airs until step {last} but max_steps is {max_steps}")
        airing = np.zeros(last + 1)
        airing[bc.steps] = bc.reach
        if bc.target is not None:
            bad = [c for c in bc.target if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= c < n_comm]
            if bad:
                raise InputError(f"broadcast.target: community {bad[0]} does not exist (0..{n_comm - 1})")
            target[:] = False
            target[list(bc.target)] = True
        bc_trust, bc_positive = bc.trust, bc.positive
        spend_bc = prices.broadcast_cost(bc.planned_impressions(graph))
    positive = np.array([bc_positive, infl_positive, audience.peer_positive])
    root = root_key(rng)
    n_blocks = min(runs, numba.get_num_threads())  # one set of work arrays per thread
    raw, comm_counts, steps, stats, comm_steps, comm_flows, rec_t, rec_p, rec_c = K.campaign_monte_carlo(
        graph.indptr, graph.indices, arc_p, graph.skip_table(arc_p), comm, n_comm, align, align[comm], susc, seeds,
        posters, post_step, post_trust, airing, target, bc_trust, audience.peer_trust, audience.share_rate,
        audience.share_steps, audience.convert_rate, positive, float(early_share), np.uint64(root),
        int(run_offset), runs, max_steps, record, n_blocks, n_comm <= FLOW_COMMUNITIES,
    )
    used = np.flatnonzero(steps.any(axis=0))
    width = used[-1] + 1 if used.size else 1
    steps = steps[:, :width]
    return CampaignResult(
        raw=raw, community=comm_counts, step_counts=steps, node_stats=stats.sum(axis=0, dtype=np.int64),
        community_steps=comm_steps.sum(axis=0, dtype=np.int64)[:, :width],
        community_flows=comm_flows.sum(axis=0, dtype=np.int64),
        spend=spend_infl + spend_bc, spend_influencers=spend_infl, spend_broadcast=spend_bc,
        posters=posters, population=graph.n,
        times=rec_t if record else None, parents=rec_p if record else None, channels=rec_c if record else None,
    )
