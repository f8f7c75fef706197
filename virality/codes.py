"""Names of the kernels' outputs: record codes and the columns of the campaign kernel's arrays.

The compiled kernels write flat arrays by position; this module is the one place that says which
position means what. The kernels import the index constants (numba reads module globals as
compile-time constants), and everything above them reads the name tuples, so the two cannot drift
apart without a test failing (``tests/test_layers.py``).
"""

from __future__ import annotations

__all__ = [
    "NO_PARENT", "SEED", "EXTERNAL",
    "CH_NONE", "CH_SEED", "CH_POSTER", "CH_BROADCAST", "CH_INFLUENCER", "CH_PEER", "CHANNEL_NAMES",
    "RUN_METRICS", "NODE_STATS", "COMMUNITY_COUNTS",
]

# ---------------------------------------------------------------------------------------- records
# parent codes of a record (a node id >= 0 is the person who engaged it)
NO_PARENT = -1  # never engaged
SEED = -2  # an organic seed, or a hired account when it posts
EXTERNAL = -3  # broadcast / mass media / Bass innovation

# channel codes of a campaign record: how a person came to engage
CH_NONE, CH_SEED, CH_POSTER, CH_BROADCAST, CH_INFLUENCER, CH_PEER = -1, 0, 1, 2, 3, 4
#: channel code -> the channel's name in tables
CHANNEL_NAMES = {CH_SEED: "seed", CH_POSTER: "poster", CH_BROADCAST: "broadcast", CH_INFLUENCER: "influencer",
                 CH_PEER: "peer"}

# ---------------------------------------------------------------------------------------- campaign kernel
#: per-run metrics of the campaign kernel, in column order of ``CampaignResult.raw``
RUN_METRICS = (
    "engaged", "engaged_broadcast", "engaged_influencer", "engaged_peer", "shares", "conversions",
    "positive", "depth", "structural_virality", "structural_virality_largest", "impressions_broadcast",
    "impressions_influencer", "impressions_peer", "aligned_impressions", "unique_exposed",
    "reach_broadcast_trees", "reach_influencer_trees", "reach_seed_trees", "largest_cascade",
    "seeds_and_posters",
)
(M_ENGAGED, M_ENGAGED_BROADCAST, M_ENGAGED_INFLUENCER, M_ENGAGED_PEER, M_SHARES, M_CONVERSIONS,
 M_POSITIVE, M_DEPTH, M_STRUCTURAL_VIRALITY, M_STRUCTURAL_VIRALITY_LARGEST, M_IMPRESSIONS_BROADCAST,
 M_IMPRESSIONS_INFLUENCER, M_IMPRESSIONS_PEER, M_ALIGNED_IMPRESSIONS, M_UNIQUE_EXPOSED,
 M_REACH_BROADCAST_TREES, M_REACH_INFLUENCER_TREES, M_REACH_SEED_TREES, M_LARGEST_CASCADE,
 M_SEEDS_AND_POSTERS) = range(len(RUN_METRICS))
N_RUN_METRICS = len(RUN_METRICS)

#: per-node sums over runs, in column order of ``CampaignResult.node_stats``
NODE_STATS = ("engaged", "direct_engagements", "downstream", "cross_community", "early_adopter")
S_ENGAGED, S_DIRECT, S_DOWNSTREAM, S_CROSS_COMMUNITY, S_EARLY = range(len(NODE_STATS))
N_NODE_STATS = len(NODE_STATS)

#: per run and community, in order of the last axis of ``CampaignResult.community``
COMMUNITY_COUNTS = ("engaged", "positive", "exposed")
C_ENGAGED, C_POSITIVE, C_EXPOSED = range(len(COMMUNITY_COUNTS))
N_COMMUNITY_COUNTS = len(COMMUNITY_COUNTS)

# ---------------------------------------------------------------------------------------- cascade trees
POSTED = -4  # in cascade trees of campaigns: engaged by a hired account's post (the post is not a tree node)
