"""Randomness at the public boundary.

Every entry point takes ``rng``: an int, a :class:`numpy.random.SeedSequence`, a
:class:`numpy.random.Generator`, or None (fresh entropy). Numpy code uses :func:`as_generator`.
Numba kernels get a single 64-bit *root key* (:func:`root_key`) and derive every random number from
``(root key, replicate, stream kind, counter)`` with a counter-based hash (see ``_kernels.uniform``), so
results never depend on thread count, batch size or worker layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError

__all__ = ["RNGLike", "as_generator", "as_seed_sequence", "root_key"]

RNGLike = int | np.integer | np.random.SeedSequence | np.random.Generator | None


def _seed_sequence(rng: Any) -> np.random.SeedSequence | None:
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise InputError(f"rng must be a non-negative integer seed, got {rng}")
        return np.random.SeedSequence(int(rng))
    if isinstance(rng, np.random.Generator):
        return None
    raise InputError(f"rng must be an int, a numpy SeedSequence or Generator, or None; got {type(rng).__name__}")


def as_generator(rng: RNGLike) -> np.random.Generator:
    """Return a numpy Generator for ``rng`` (a Generator is returned as is, and advanced by its user).

    Examples
    --------
    >>> bool(as_generator(7).integers(10) == as_generator(7).integers(10))
    True
    """
    ss = _seed_sequence(rng)
    return rng if ss is None else np.random.Generator(np.random.PCG64(ss))


def root_key(rng: RNGLike) -> int:
    """A 64-bit root key for the numba kernels (a Generator is advanced by one draw).

    Examples
    --------
    >>> root_key(1) == root_key(np.random.SeedSequence(1))
    True
    """
    ss = _seed_sequence(rng)
    if ss is None:
        return int(rng.integers(0, 2**64, dtype=np.uint64))
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def as_seed_sequence(rng: RNGLike) -> np.random.SeedSequence:
    """A SeedSequence with the same root key as ``rng`` (a Generator is advanced by one draw), for code
    that must hand the same randomness to many calls.

    Examples
    --------
    >>> root_key(as_seed_sequence(5)) == root_key(5)
    True
    """
    ss = _seed_sequence(rng)
    return np.random.SeedSequence(root_key(rng)) if ss is None else ss
