"""Initial stakeholder arrays drawn from the category table (docs/ODD.md §2.5)."""

from __future__ import annotations

import numpy as np

from msisim.params import PopulationParams
from msisim.state import StakeholderState


def category_means(population: PopulationParams) -> np.ndarray:
    """Mean true position of each category, ``float64[K, d]``; short tuples padded with 0.5."""
    means = np.full((len(population.categories), population.n_dims), 0.5)
    for g, spec in enumerate(population.categories):
        means[g, : len(spec.position_mean)] = spec.position_mean
    return means


def build_population(population: PopulationParams, rng: np.random.Generator) -> StakeholderState:
    """Draw the initial population.

    Category sizes are the shares times N rounded by largest remainder (so ``P_g`` is exact).
    Within a category: positions ``~ clip(Normal(mean, spread), 0, 1)`` per coordinate (or
    ``Uniform[0, 1]^d`` for a category with ``distribution="uniform"``),
    resources ``~ LogNormal(mu, sigma)``, affectedness and engagement at the category's value.
    Stakeholders are ordered by category.

    Args:
        population: The population parameters.
        rng: The model's generator; every draw goes through it.

    Returns:
        The stakeholder arrays, with nobody a member yet.
    """
    counts = population.category_counts()
    n, d = population.n_stakeholders, population.n_dims
    category = np.repeat(np.arange(len(counts)), counts)
    specs = population.categories
    mean = category_means(population)[category]
    spread = np.array([c.spread for c in specs])[category]
    position = np.clip(mean + rng.standard_normal((n, d)) * spread[:, None], 0.0, 1.0)
    uniform = np.array([c.distribution == "uniform" for c in specs])[category]
    if uniform.any():
        position[uniform] = rng.random((int(uniform.sum()), d))
    res_mu = np.array([c.resources_mu for c in specs])[category]
    res_sigma = np.array([c.resources_sigma for c in specs])[category]
    resources = np.exp(res_mu + res_sigma * rng.standard_normal(n))
    affectedness = np.array([c.affectedness for c in specs])[category]
    engagement = np.array([c.engagement for c in specs])[category]
    return StakeholderState(
        category=category,
        position=position,
        advocated=position.copy(),
        resources=resources,
        affectedness=affectedness.astype(float),
        engagement=engagement.astype(float),
        baseline_engagement=engagement.astype(float).copy(),
        member=np.zeros(n, dtype=bool),
        seated=np.zeros(n, dtype=bool),
        excluded=np.zeros(n, dtype=bool),
        terms_served=np.zeros(n, dtype=np.int64),
        presence=np.zeros(n),
        voice=np.zeros(n),
        distance_to_policy=np.zeros(n),
    )
