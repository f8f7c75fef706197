"""Figures of a calibration (``virality fit``): the posterior predictive check and the posterior of each key.

Reads ``predictive.csv``, ``posterior.csv`` and ``fit_summary.json`` written by :func:`virality.calibrate.run_fit`
and draws, with :mod:`virality.plots`' style, ``figures/fit_predictive`` (observed new engagements per step
against the 5-95% band and median of pilots simulated at posterior draws; one panel for the total and one per
channel when the pilot was split by channel) and ``figures/fit_posterior`` (a histogram of each fitted key over
its prior range, the median and 95% interval marked), as PNG and SVG, listed in ``figures/index.json`` (group
``"fit"``). It sits beside :mod:`virality.plan_figures`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .figures import _new_figure, _save, write_index
from .plots import STYLE
from .tables import read_table

__all__ = ["predictive_figure", "posterior_figure", "figures_for_fit"]

_BAND, _OBSERVED = "#4c72b0", "#c44e52"


def predictive_figure(pred: dict[str, np.ndarray]) -> Figure:
    """One panel per group of ``predictive.csv`` (``all``, then each channel): observed points against the
    simulated 5-95% band and median of new engagements per step."""
    groups = list(dict.fromkeys(str(g) for g in pred["group"]))
    cols = min(2, len(groups))
    rows = math.ceil(len(groups) / cols)
    with plt.rc_context(STYLE):
        fig = _new_figure((5.2 * cols, 3.4 * rows + 0.3))
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax in axes[len(groups):]:
            ax.remove()
        for ax, group in zip(axes, groups):
            rows_g = np.array([str(g) == group for g in pred["group"]])
            step = np.asarray(pred["step"])[rows_g]
            ax.fill_between(step, np.asarray(pred["low"])[rows_g], np.asarray(pred["high"])[rows_g], color=_BAND,
                            alpha=0.25, step="mid", label="simulated 5-95%")
            ax.step(step, np.asarray(pred["median"])[rows_g], where="mid", color=_BAND, label="simulated median")
            ax.plot(step, np.asarray(pred["observed"])[rows_g], "o", color=_OBSERVED, ms=4, label="observed")
            ax.set_title("all channels" if group == "all" else f"channel: {group}")
            ax.set_xlabel("step")
            ax.set_ylabel("new engagements")
        axes[0].legend(loc="upper right")
    return fig


def posterior_figure(posterior: dict[str, np.ndarray], summary: dict) -> Figure:
    """A histogram of each fitted key's posterior samples over its prior range, median and 95% interval marked."""
    params = [p for p in summary["parameters"] if p.get("low") is not None]
    cols = min(3, max(len(params), 1))
    rows = max(math.ceil(len(params) / cols), 1)
    with plt.rc_context(STYLE):
        fig = _new_figure((4.0 * cols, 2.9 * rows + 0.3))
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax in axes[len(params):]:
            ax.remove()
        for ax, p in zip(axes, params):
            x = np.asarray(posterior[p["key"]], float)
            ax.hist(x, bins=25, range=(p["prior_low"], p["prior_high"]), color=_BAND, alpha=0.7)
            ax.axvline(p["median"], color="black", lw=1.2)
            for v in (p["low"], p["high"]):
                ax.axvline(v, color="black", lw=0.8, ls="--")
            ax.set_xlim(p["prior_low"], p["prior_high"])
            ax.set_title(p["key"])
            ax.set_xlabel(f"median {p['median']:.4g}, 95% {p['low']:.4g} to {p['high']:.4g}", fontsize=8.5)
            ax.set_yticks([])
    return fig


def figures_for_fit(out_dir: str | Path) -> list[Path]:
    """Draw a fit's figures into ``out_dir/figures`` (PNG and SVG), list them in ``figures/index.json`` (group
    ``"fit"``) and return the files."""
    out_dir = Path(out_dir)
    summary = json.loads((out_dir / "fit_summary.json").read_text())
    folder = out_dir / "figures"
    folder.mkdir(exist_ok=True)
    inside = summary.get("predictive_inside_90", math.nan)
    draws = [("fit_predictive", "Posterior predictive check",
              f"New engagements per step of the pilot ({summary['data']}, red) against pilots simulated at "
              f"posterior draws (median line and 5-95% band). {100 * inside:.0f}% of the observed steps lie in the "
              f"band; a fitted model that reproduces the pilot puts about 90% there.",
              lambda: predictive_figure(read_table(out_dir / "predictive")))]
    if any(p.get("low") is not None for p in summary["parameters"]):
        draws.append(("fit_posterior", "Posterior of each fitted parameter",
                      "Posterior samples (posterior.csv) over each key's prior range (the x axis): the solid line is "
                      "the median, dashed the 95% interval. A histogram as flat as the range means the pilot says "
                      "little about that key.",
                      lambda: posterior_figure(read_table(out_dir / "posterior"), summary)))
    paths, index = [], []
    for name, title, caption, draw in draws:
        files = _save(draw(), folder, name)
        paths += files
        index.append({"name": name, "title": title, "caption": caption, "png": files[0].name, "svg": files[1].name})
    write_index(folder, "fit", index)
    return paths
