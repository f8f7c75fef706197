"""virality: how a message spreads through a social graph, and what mass media or influencers buy.

The public API is small:

- :class:`Graph` (frozen CSR), :func:`read_edgelist`, :func:`read_labels`, :func:`load_dataset`;
- :mod:`virality.generators`: synthetic social graphs;
- :func:`simulate`: IC, LT, threshold, SIR and Bass as Monte Carlo over all cores;
- :mod:`virality.campaign`: broadcast, influencer and peer channels through a trust funnel
  (:func:`~virality.campaign.run_campaign`);
- :mod:`virality.strategies`: who to seed (heuristics, budgets, IMM, CELF);
  :func:`estimate_spread` and :func:`rr_sets` for influence estimation;
- :mod:`virality.metrics`, :mod:`virality.plots`, :mod:`virality.experiment`: metrics, figures and
  config-driven experiments (the ``virality`` command).
"""

import os
from importlib.metadata import PackageNotFoundError, version

# numba's OpenMP threads spin for a while after each parallel call; on a shared machine that takes the
# cores from whatever runs next (a 1-thread call right after a 2-thread one ran 2x slower). Only takes
# effect if OpenMP has not loaded yet; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .errors import InputError
from .graph import Graph
from .io import dataset_path, load_dataset, read_edgelist, read_labels, write_edgelist
from .models import SimulationResult, SpreadEstimate, estimate_spread, rr_sets, simulate
from . import generators, strategies

try:
    __version__ = version("virality")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = [
    "Graph",
    "InputError",
    "SimulationResult",
    "SpreadEstimate",
    "dataset_path",
    "estimate_spread",
    "generators",
    "load_dataset",
    "read_edgelist",
    "read_labels",
    "rr_sets",
    "simulate",
    "strategies",
    "write_edgelist",
    "__version__",
]
