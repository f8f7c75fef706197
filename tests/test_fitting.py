"""IC probabilities recovered from observed cascades (Saito et al. 2008 EM) within their standard errors."""

from __future__ import annotations

import numpy as np
import pytest

import virality as vr
from virality.fitting import fit_ic


def test_em_recovers_known_group_probabilities_within_their_standard_errors():
    g = vr.generators.social_graph(3000, communities=3, mean_degree=8, rng=5)
    src, _ = g.arcs()
    groups = g.community[src].astype(np.int64)  # one probability per source community
    truth = np.array([0.04, 0.10, 0.18])
    res = vr.simulate(g, np.arange(0, 3000, 60), p=truth[groups], runs=150, rng=9, record=True)
    fit = fit_ic(g, res.times, groups=groups)
    z = (fit.p - truth) / fit.se
    assert np.all(np.abs(z) < 3.5), (fit.p, fit.se)  # each within 3.5 SE (a 1-in-2000 chance to fail by luck)
    assert np.all(fit.se < 0.01) and np.all(fit.trials > 1000)


def test_em_standard_errors_are_calibrated_over_repetitions():
    """Over 12 independent sets of cascades, z = (estimate - truth) / SE has mean near 0 and spread near 1."""
    g = vr.generators.erdos_renyi(800, 0.01, directed=True, rng=3)
    zs = []
    for rep in range(12):
        res = vr.simulate(g, np.arange(0, 800, 80), p=0.08, runs=40, rng=100 + rep, record=True)
        fit = fit_ic(g, res.times)
        zs.append((fit.p[0] - 0.08) / fit.se[0])
    zs = np.array(zs)
    assert abs(zs.mean()) < 3 / np.sqrt(12) + 0.1 and 0.5 < zs.std(ddof=1) < 1.6, zs


def test_exact_likelihood_on_a_hand_built_cascade():
    # 0 -> 2 and 1 -> 2 both engaged at step 0; 2 engaged at step 1; 2 -> 3 failed
    g = vr.Graph.from_edges([0, 1, 2], [2, 2, 3])
    fit = fit_ic(g, np.array([[0, 0, 1, -1]]))
    # likelihood (1 - (1 - p)^2) (1 - p): maximised where d/dp = 0 -> p = 1 - 1/sqrt(3)
    assert fit.p[0] == pytest.approx(1 - 1 / np.sqrt(3), abs=1e-6)
    assert fit.trials.tolist() == [3]


def test_bad_cascades_are_input_errors():
    g = vr.Graph.from_edges([0], [1])
    with pytest.raises(vr.InputError, match=r"cascades must be an array \(cascades, 2\)"):
        fit_ic(g, np.zeros((3, 5), int))
    with pytest.raises(vr.InputError, match="groups must hold one non-negative group id per arc"):
        fit_ic(g, np.zeros((1, 2), int), groups=np.array([-1]))
