"""Follower tiers and price lists: what an account is (nano ... mega) and what its post costs.

A :class:`TierScheme` places every account in a tier by its follower count (absolute counts or
percentiles); a :class:`PriceList` prices a post by tier (or by followers) and broadcast by the
thousand impressions. Strategies and campaigns both read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .graph import Graph

__all__ = ["TIERS", "TierScheme", "PriceList", "tiers", "DEFAULT_PER_POST", "DEFAULT_CPM"]

#: default price of one post by tier, and of a thousand broadcast impressions: the flagship's scale, where
#: 2,000 buys two airings to half of 100,000 people, or 2,000 nano / 800 micro / 250 macro / 40 mega posts
DEFAULT_PER_POST = {"nano": 1.0, "micro": 2.5, "macro": 8.0, "mega": 50.0}
DEFAULT_CPM = 20.0

#: follower tiers, smallest first; a node below the nano bound is a regular user (tier -1)
TIERS = ("nano", "micro", "macro", "mega")


@dataclass(frozen=True)
class TierScheme:
    """Follower tiers by absolute counts (``by="count"``) or follower percentiles (``by="percentile"``).

    ``bounds`` are the lower bounds of nano, micro, macro and mega (a node whose follower count
    equals a bound is in the higher tier, so on graphs with many tied counts a percentile tier can
    hold more than its nominal share). The default percentiles suit
    synthetic graphs (nano: top 20%, micro: top 5%, macro: top 1%, mega: top 0.1%); the marketing
    convention for real follower counts is ``TierScheme("count", (1_000, 10_000, 100_000, 1_000_000))``.
    """

    by: str = "percentile"
    bounds: tuple[float, float, float, float] = (80.0, 95.0, 99.0, 99.9)

    def __post_init__(self) -> None:
        if self.by not in ("percentile", "count"):
            raise InputError(f"tiers.by must be 'percentile' or 'count', got {self.by!r}")
        b = tuple(float(x) for x in self.bounds)
        if len(b) != 4 or any(b[i] >= b[i + 1] for i in range(3)) or b[0] < 0:
            raise InputError(f"tiers.bounds must be 4 increasing non-negative numbers (nano, micro, macro, mega), got {self.bounds!r}")
        if self.by == "percentile" and b[3] > 100:
            raise InputError(f"tiers.bounds are percentiles and must be at most 100, got {self.bounds!r}")


def tiers(graph: Graph, scheme: TierScheme = TierScheme()) -> np.ndarray:
    """Tier of every node: 0 nano, 1 micro, 2 macro, 3 mega, -1 regular user (int8).

    Examples
    --------
    >>> g = Graph.from_edges([0] * 5 + [1] * 2, [1, 2, 3, 4, 5, 2, 3])
    >>> tiers(g, TierScheme("count", (1, 2, 3, 5))).tolist()
    [3, 1, -1, -1, -1, -1]
    """
    followers = graph.followers
    cut = np.array(scheme.bounds, dtype=float)
    if scheme.by == "percentile":
        # percentile p: the follower count below which p% of nodes fall
        cut = np.percentile(followers, cut, method="higher") if followers.size else cut
        cut = np.maximum(cut, 1)
    return (np.searchsorted(cut, followers, side="right") - 1).astype(np.int8)


@dataclass(frozen=True)
class PriceList:
    """What influencer posts and broadcast impressions cost.

    A post costs ``per_post[tier]`` when set (by tier name), else ``fixed + per_follower * followers``.
    Regular users (below the nano tier) cost ``per_post["regular"]``, else the nano price, else the
    fixed formula.
    Broadcast costs ``cpm`` per thousand impressions.
    """

    per_post: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PER_POST))
    fixed: float = 0.0
    per_follower: float = 0.0
    cpm: float = DEFAULT_CPM

    def __post_init__(self) -> None:
        for name, price in self.per_post.items():
            if name not in TIERS + ("regular",):
                raise InputError(f"prices.per_post: unknown tier {name!r}; valid: {', '.join(TIERS + ('regular',))}")
            if not price >= 0:
                raise InputError(f"prices.per_post.{name} must be >= 0, got {price!r}")
        for name in ("fixed", "per_follower", "cpm"):
            if not getattr(self, name) >= 0:
                raise InputError(f"prices.{name} must be >= 0, got {getattr(self, name)!r}")
        missing = [t for t in TIERS if t not in self.per_post]
        if self.per_post and missing and self.fixed == 0 and self.per_follower == 0:
            # an unpriced tier would be free and a budget would hire all of it
            raise InputError(f"prices.per_post has no price for {', '.join(missing)}; price every tier, "
                             "or set prices.fixed / prices.per_follower for the others")

    def post_costs(self, graph: Graph, scheme: TierScheme = TierScheme()) -> np.ndarray:
        """Cost of one post by each node (float64, one per node)."""
        tier = tiers(graph, scheme)
        cost = self.fixed + self.per_follower * graph.followers.astype(float)
        for t, name in enumerate(TIERS):
            if name in self.per_post:
                cost[tier == t] = self.per_post[name]
        # a regular user posting costs what a nano post costs unless priced: never free by omission
        regular = self.per_post.get("regular", self.per_post.get("nano"))
        if regular is not None:
            cost[tier < 0] = regular
        return cost

    def broadcast_cost(self, impressions: float) -> float:
        """Cost of ``impressions`` broadcast impressions."""
        return self.cpm * impressions / 1000.0
