"""A cell's checkpoints: finished batches of runs saved as arrays, loaded back on resume, and how big a batch is.

A cell simulates its replicates in batches; each finished batch is saved in the cell's checkpoint folder
(``cells/cell_NNNN.parts``), so an interrupted cell resumes losing at most the batch it was in. Runs depend
only on their index (the engine's streams are keyed by run), so the batching never changes the results:
:func:`batch_end` may size batches by the time they take.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np

from .campaign import CampaignResult
from .files import temporary_path

__all__ = ["save_batch", "saved_batches", "load_batches", "batch_end", "CHECKPOINT_SHARE", "MIN_BATCH_SECONDS"]

#: a checkpoint may cost at most this share of the simulating time of the batch it saves
CHECKPOINT_SHARE = 0.02
#: no batch (of a cell of a fixed number of runs) shorter than this, but the last: each costs a call per strategy
MIN_BATCH_SECONDS = 1.0


def batch_end(done: int, target: int, step: int, per_run: float, save_s: float) -> int:
    """Where the batch that starts at run ``done`` ends: the next multiple of ``step``, extended by whole steps
    (at most to ``target``) until it is expected to take ``MIN_BATCH_SECONDS`` and long enough that saving
    it (``save_s``, what the last save took) costs at most ``CHECKPOINT_SHARE`` of it, at ``per_run``
    seconds per run (of every strategy; 0 when not measured yet: one step).

    Examples
    --------
    >>> batch_end(3, 200, 10, 0.0, 0.0), batch_end(10, 200, 10, 0.001, 0.0), batch_end(10, 200, 10, 0.2, 0.0)
    (10, 200, 20)
    """
    end = min(target, (done // step + 1) * step)
    want = max(MIN_BATCH_SECONDS, save_s / CHECKPOINT_SHARE) if per_run > 0 else 0.0
    while end < target and (end - done) * per_run < want:
        end = min(target, end + step)
    return end


def save_batch(folder: Path, start: int, end: int, batch: list[CampaignResult]) -> None:
    """One finished batch of runs of every strategy, as arrays (written atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    meta = []
    for i, res in enumerate(batch):
        scalars = {}
        for f in dataclasses.fields(res):
            value = getattr(res, f.name)
            if isinstance(value, np.ndarray):
                arrays[f"{i}.{f.name}"] = value
            elif value is not None:
                scalars[f.name] = value
        meta.append(scalars)
    arrays["meta"] = np.array(json.dumps(meta))
    target = folder / f"batch_{start:010d}_{end:010d}.npz"
    tmp = temporary_path(target).with_suffix(".npz")
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def saved_batches(folder: Path | None, n_plans: int) -> list[tuple[int, int, list[CampaignResult]]]:
    """Every readable saved batch as ``(start, end, results)``, in run order, none overlapping an earlier one
    (blocks of a Dask run may leave gaps between them)."""
    out: list[tuple[int, int, list[CampaignResult]]] = []
    if folder is None or not folder.is_dir():
        return out
    for path in sorted(folder.glob("batch_*.npz")):
        start, end = (int(x) for x in path.stem.split("_")[1:3])
        if out and start < out[-1][1]:
            continue
        try:
            with np.load(path) as z:
                meta = json.loads(str(z["meta"]))
                batch = [CampaignResult(**meta[i], **{k.split(".", 1)[1]: z[k] for k in z.files
                                                      if k.split(".", 1)[0] == str(i)}) for i in range(n_plans)]
        except (OSError, ValueError, KeyError, TypeError, IndexError):  # damaged or from another version
            continue
        out.append((start, end, batch))
    return out


def load_batches(folder: Path | None, n_plans: int) -> tuple[list[CampaignResult] | None, int]:
    """The saved batches that run on from run 0 without a gap, merged; ``(None, 0)`` when there are none."""
    merged: list[CampaignResult] | None = None
    done = 0
    for start, end, batch in saved_batches(folder, n_plans):
        if start != done:
            break
        merged = batch if merged is None else [CampaignResult.concat([m, b]) for m, b in zip(merged, batch)]
        done = end
    return merged, done
