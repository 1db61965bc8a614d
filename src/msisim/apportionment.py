"""Apportionment: whole units (stakeholders, seats, paid participants) in proportion to shares."""

from __future__ import annotations

import numpy as np


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Apportion ``total`` units in proportion to ``weights`` (Hamilton's method).

    Ties in the remainders go to the earlier entry, so the result is deterministic.
    """
    weights = np.asarray(weights, dtype=float)
    quota = weights / weights.sum() * total
    base = np.floor(quota).astype(np.int64)
    left = int(total - base.sum())
    if left > 0:
        order = np.lexsort((np.arange(len(quota)), -(quota - base)))
        base[order[:left]] += 1
    return base
