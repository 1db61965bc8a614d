"""Step 6 — engagement: efficacy feedback, exclusion, reversion, mobilisation and outreach."""

from __future__ import annotations

import numpy as np


def update_engagement(
    engagement: np.ndarray,
    baseline: np.ndarray,
    distance_before: np.ndarray,
    distance_after: np.ndarray,
    excluded: np.ndarray,
    *,
    rate: float,
    scale: float,
    reversion: float,
    exclusion_penalty: float,
) -> np.ndarray:
    """New engagement after a decision (efficacy feedback), clipped to ``[0, 1]``.

    ``e += rate * clip((dist_before - dist_after) / scale, -1, 1)`` (closer to one's
    interest: more engaged; pushed away: less), ``- exclusion_penalty`` for those turned away
    this round, ``+ reversion * (baseline - e)`` toward the category's baseline.
    """
    # the same operations in the same order as the formula, in place (fewer temporaries)
    new = np.subtract(distance_before, distance_after)
    new /= scale
    np.maximum(new, -1.0, out=new)
    np.minimum(new, 1.0, out=new)
    new *= rate
    new += engagement  # engagement + rate * gain (addition commutes bit for bit)
    if exclusion_penalty != 0.0 and excluded.any():  # subtracting 0.0 changes no bit
        new -= exclusion_penalty * excluded
    back = np.subtract(baseline, engagement)
    back *= reversion
    new += back
    np.maximum(new, 0.0, out=new)  # as np.clip, with less overhead
    return np.minimum(new, 1.0, out=new)


def mobilisation_boost(displacement: np.ndarray, mobilisation: float) -> np.ndarray:
    """Engagement added by a shock to those whose own interest it moved.

    ``boost_i = mobilisation * |x_i(after) - x_i(before)|``: the affected engage in
    proportion to how far a shock moved their interest (grievance mobilisation; a shock is
    an event people notice, gradual drift is not). The caller adds it and clips to [0, 1].
    """
    return mobilisation * displacement


def outreach_boost(
    engagement: np.ndarray, category: np.ndarray, n_categories: int, outreach: float
) -> np.ndarray:
    """Engagement added by outreach (stakeholder mapping before participation).

    Every stakeholder of a category whose mean engagement is below the population's mean
    engagement gains ``outreach``; returns the per-stakeholder boost (zeros when off).
    """
    if outreach <= 0:
        return np.zeros_like(engagement)
    counts = np.bincount(category, minlength=n_categories)
    sums = np.bincount(category, weights=engagement, minlength=n_categories)
    means = np.divide(sums, counts, out=np.zeros(n_categories), where=counts > 0)
    low = means < engagement.mean()
    return outreach * low[category]
