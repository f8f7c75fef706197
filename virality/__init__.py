"""virality: how a message spreads through a social graph, and what mass media or influencers buy.

The public API is small:

- :class:`Graph` (frozen CSR), :func:`read_edgelist`, :func:`read_labels`, :func:`load_dataset`;
  :func:`save_graph` and :func:`load_graph`: a graph store on disk, loaded memory-mapped;
- :mod:`virality.generators`: synthetic social graphs;
- :func:`simulate`: IC, LT, threshold, SIR and Bass as Monte Carlo over all cores;
- :func:`run_campaign` with a :class:`Plan` of :class:`Broadcast`, :class:`Influencers` and organic
  seeds, through the trust funnel of an :class:`Audience`;
- :mod:`virality.strategies`: who to seed (heuristics, budgets, IMM, CELF);
  :func:`estimate_spread` and :func:`rr_sets` for influence estimation;
- :mod:`virality.metrics`, :mod:`virality.cascades`, :mod:`virality.catalog`: run metrics, cascade
  trees and key nodes, and what each metric is; :mod:`virality.plots` and :mod:`virality.report`:
  figures and reports; :mod:`virality.experiment`: config-driven experiments (the ``virality`` command).

Importing the package changes one thing in the process, documented in the README: it sets
``OMP_WAIT_POLICY=PASSIVE`` unless already set.
"""

import os

# numba's OpenMP threads spin for a while after each parallel call; on a shared machine that takes the
# cores from whatever runs next (a 1-thread call right after a 2-thread one ran 2x slower). Only takes
# effect if OpenMP has not loaded yet; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from ._version import __version__
from .convert import edgelist_to_store
from .campaign import Audience, Broadcast, CampaignResult, Influencers, Plan, run_campaign
from .errors import InputError
from .graph import Graph
from .datasets import dataset_path, load_dataset
from .io import read_communities, read_edgelist, read_labels, write_edgelist
from .models import SimulationResult, SpreadEstimate, estimate_spread, rr_sets, simulate
from .store import load_graph, save_graph
from . import generators, strategies

__all__ = [
    "Audience",
    "Broadcast",
    "CampaignResult",
    "Graph",
    "Influencers",
    "Plan",
    "run_campaign",
    "InputError",
    "SimulationResult",
    "SpreadEstimate",
    "dataset_path",
    "edgelist_to_store",
    "estimate_spread",
    "generators",
    "load_dataset",
    "load_graph",
    "read_edgelist",
    "read_communities",
    "read_labels",
    "rr_sets",
    "save_graph",
    "simulate",
    "strategies",
    "write_edgelist",
    "__version__",
]
