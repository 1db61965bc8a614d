"""Initial stakeholder arrays drawn from the category table (docs/ODD.md §2.5)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from msisim.params import CategorySpec, GroupSpec, PopulationParams
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

    With groups (a stakeholder map, docs/ODD.md §6) the same draws are made per *group*:
    group sizes by largest remainder over the groups, each group with its own mean, spread,
    resources, affectedness and engagement; stakeholders are ordered by category, then by
    group in map order. Without groups each category is its own single group, so the draws
    are the same as before groups existed.

    Args:
        population: The population parameters.
        rng: The model's generator; every draw goes through it.

    Returns:
        The stakeholder arrays, with nobody a member yet.
    """
    n, d = population.n_stakeholders, population.n_dims
    units: Sequence[CategorySpec | GroupSpec] = population.groups or population.categories
    unit_category = population.group_categories()
    order = np.argsort(unit_category, kind="stable")  # draw by category, then map order
    counts = population.group_counts()
    group = np.repeat(order, counts[order])
    category = unit_category[group]
    means = np.full((len(units), d), 0.5)
    for g, spec in enumerate(units):
        means[g, : len(spec.position_mean)] = spec.position_mean
    mean = means[group]
    spread = np.array([u.spread for u in units])[group]
    position = np.clip(mean + rng.standard_normal((n, d)) * spread[:, None], 0.0, 1.0)
    uniform = np.array([getattr(u, "distribution", "normal") == "uniform" for u in units])[group]
    if uniform.any():
        position[uniform] = rng.random((int(uniform.sum()), d))
    res_mu = np.array([u.resources_mu for u in units])[group]
    res_sigma = np.array([u.resources_sigma for u in units])[group]
    resources = np.exp(res_mu + res_sigma * rng.standard_normal(n))
    affectedness = np.array([u.affectedness for u in units], dtype=float)[group]
    engagement = np.array([u.engagement for u in units], dtype=float)[group]
    return StakeholderState(
        category=category,
        position=position,
        advocated=position.copy(),
        resources=resources,
        affectedness=affectedness,
        engagement=engagement,
        baseline_engagement=engagement.copy(),
        member=np.zeros(n, dtype=bool),
        seated=np.zeros(n, dtype=bool),
        excluded=np.zeros(n, dtype=bool),
        terms_served=np.zeros(n, dtype=np.int64),
        presence=np.zeros(n),
        voice=np.zeros(n),
        distance_to_policy=np.zeros(n),
        group=group,
    )
