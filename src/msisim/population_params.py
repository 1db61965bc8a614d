"""Who the stakeholders are: the category table, stakeholder groups and the population group.

:class:`PopulationParams` is the population group of :class:`msisim.params.Params` (docs/ODD.md
§2.5; attendance: §7.2.5): the category table (:class:`CategorySpec`, default
:data:`DEFAULT_CATEGORIES`), or the groups of a stakeholder map (:class:`GroupSpec`, from which
:func:`categories_from_groups` derives the table), and the attendance and engagement
coefficients. It sits below :mod:`msisim.stakeholder_map` (which builds groups from a map's
rows) and :mod:`msisim.params` (which bundles it with the other groups); every name here is
also importable from :mod:`msisim.params`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from msisim.apportionment import largest_remainder
from msisim.validation import (
    check_choice,
    check_float,
    check_int,
    check_point,
    fail,
    parameter,
    reject_unknown_keys,
    validate_group,
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "MAX_DIMS",
    "MAX_STAKEHOLDERS",
    "CategorySpec",
    "GroupSpec",
    "PopulationParams",
    "categories_from_groups",
]

#: Largest population the model accepts. Each stakeholder is also a Mesa agent object
#: (about 0.5 KB with its array rows), so 2 * 10^6 stakeholders need about 1 GB.
MAX_STAKEHOLDERS = 2_000_000
MAX_DIMS = 10


# --------------------------------------------------------------------------- categories and groups


@dataclass(frozen=True)
class CategorySpec:
    """One stakeholder category (a row of the category table of docs/ODD.md §2.5).

    Attributes:
        name: Category name, e.g. ``"grassroots"``.
        share: Share of the population, in (0, 1]; shares of all categories sum to 1.
        position_mean: Mean true position in policy space (one coordinate per dimension;
            a shorter tuple is padded with 0.5).
        spread: Standard deviation of true positions around the mean (clipped to the space).
        resources_mu: ``mu`` of the lognormal resource distribution.
        resources_sigma: ``sigma`` of the lognormal resource distribution (>= 0).
        affectedness: How strongly decisions touch the category, in [0, 1].
        engagement: Baseline propensity to take part, in [0, 1].
        distribution: ``normal`` (mean + spread, clipped to the space) or ``uniform`` (positions
            uniform on ``[0, 1]^d``, ignoring mean and spread; Deffuant et al.'s start).
    """

    name: str
    share: float
    position_mean: tuple[float, ...]
    spread: float
    resources_mu: float
    resources_sigma: float
    affectedness: float
    engagement: float
    distribution: Literal["normal", "uniform"] = "normal"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier() or self.name == "all":
            fail("category name", self.name, "must be an identifier other than 'all' (reserved)")
        where = f"categories[{self.name}]"
        object.__setattr__(
            self, "share", check_float(f"{where}.share", self.share, 0.0, 1.0, lo_open=True)
        )
        object.__setattr__(
            self, "position_mean", check_point(f"{where}.position_mean", self.position_mean)
        )
        object.__setattr__(self, "spread", check_float(f"{where}.spread", self.spread, 0.0, 1.0))
        object.__setattr__(
            self, "resources_mu", check_float(f"{where}.resources_mu", self.resources_mu, -10, 10)
        )
        object.__setattr__(
            self,
            "resources_sigma",
            check_float(f"{where}.resources_sigma", self.resources_sigma, 0.0, 5.0),
        )
        object.__setattr__(
            self, "affectedness", check_float(f"{where}.affectedness", self.affectedness, 0, 1)
        )
        object.__setattr__(
            self, "engagement", check_float(f"{where}.engagement", self.engagement, 0, 1)
        )
        check_choice(f"{where}.distribution", self.distribution, ("normal", "uniform"))

    @classmethod
    def from_any(cls, value: Any) -> CategorySpec:
        """Build from a ``CategorySpec`` or a mapping with the same keys."""
        if isinstance(value, CategorySpec):
            return value
        if isinstance(value, Mapping):
            reject_unknown_keys(cls, value)
            missing = [
                f.name
                for f in fields(cls)
                if f.name not in value and f.default is dataclasses.MISSING
            ]
            if missing:
                raise ValueError(f"category {dict(value)!r} is missing keys: {', '.join(missing)}")
            data = dict(value)
            data["position_mean"] = tuple(data["position_mean"])
            return cls(**data)
        raise ValueError(
            f"categories entry {value!r} is invalid: must be a CategorySpec or mapping"
        )


#: Default category table of docs/ODD.md §2.5, merged from the seed documents. Resources are
#: lognormal (mu, sigma); grassroots are the affected communities with few resources.
DEFAULT_CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("government", 0.05, (0.50, 0.50), 0.10, 1.0, 0.3, 0.3, 0.7),
    CategorySpec("bureaucracy", 0.10, (0.45, 0.55), 0.10, 0.5, 0.3, 0.3, 0.5),
    CategorySpec("business", 0.15, (0.80, 0.20), 0.10, 1.5, 0.6, 0.5, 0.6),
    CategorySpec("civil_society", 0.15, (0.30, 0.70), 0.12, 0.0, 0.5, 0.6, 0.6),
    CategorySpec("academia", 0.05, (0.50, 0.60), 0.15, 0.3, 0.4, 0.3, 0.5),
    CategorySpec("grassroots", 0.50, (0.25, 0.80), 0.15, -1.0, 0.5, 1.0, 0.3),
)


@dataclass(frozen=True)
class GroupSpec:
    """One stakeholder group of a stakeholder map, drawn as its own subpopulation.

    A group belongs to one forum category (seats, arenas, the scorecard and every
    per-category metric use the category); several groups may share a category. Built from
    a map's rows by :mod:`msisim.stakeholder_map` (docs/ODD.md §6).

    Attributes:
        name: Group name as the map gives it (any non-empty text).
        category: Forum category (an identifier other than ``all``).
        share: Share of the population, in (0, 1]; shares of all groups sum to 1.
        position_mean: Mean true position (at most ``n_dims`` coordinates; padded with 0.5).
        spread: Standard deviation of true positions around the mean.
        resources_mu: ``mu`` of the lognormal resource distribution.
        resources_sigma: ``sigma`` of the lognormal resource distribution.
        affectedness: How strongly decisions touch the group, in [0, 1].
        engagement: Baseline propensity to take part, in [0, 1].
    """

    name: str
    category: str
    share: float
    position_mean: tuple[float, ...]
    spread: float
    resources_mu: float
    resources_sigma: float
    affectedness: float
    engagement: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            fail("group name", self.name, "must be non-empty text")
        where = f"groups[{self.name}]"
        if (
            not isinstance(self.category, str)
            or not self.category.isidentifier()
            or self.category == "all"
        ):
            fail(f"{where}.category", self.category, "must be an identifier other than 'all'")
        checks: tuple[tuple[str, float, float, bool], ...] = (
            ("share", 0.0, 1.0, True),
            ("spread", 0.0, 1.0, False),
            ("resources_mu", -10.0, 10.0, False),
            ("resources_sigma", 0.0, 5.0, False),
            ("affectedness", 0.0, 1.0, False),
            ("engagement", 0.0, 1.0, False),
        )
        for name, lo, hi, lo_open in checks:
            value = check_float(f"{where}.{name}", getattr(self, name), lo, hi, lo_open=lo_open)
            object.__setattr__(self, name, value)
        point = check_point(f"{where}.position_mean", self.position_mean)
        object.__setattr__(self, "position_mean", point)

    @classmethod
    def from_any(cls, value: Any) -> GroupSpec:
        """Build from a ``GroupSpec`` or a mapping with the same keys."""
        if isinstance(value, GroupSpec):
            return value
        if isinstance(value, Mapping):
            reject_unknown_keys(cls, value)
            missing = [f.name for f in fields(cls) if f.name not in value]
            if missing:
                raise ValueError(f"group {dict(value)!r} is missing keys: {', '.join(missing)}")
            data = dict(value)
            if isinstance(data["position_mean"], (str, bytes)) or not isinstance(
                data["position_mean"], (Sequence, np.ndarray)
            ):
                fail(f"groups[{data['name']}].position_mean", data["position_mean"],
                      "must be a sequence of numbers in [0, 1]")  # fmt: skip
            data["position_mean"] = tuple(data["position_mean"])
            return cls(**data)
        raise ValueError(f"groups entry {value!r} is invalid: must be a GroupSpec or mapping")


def categories_from_groups(groups: Sequence[GroupSpec]) -> tuple[CategorySpec, ...]:
    """The category table a set of groups implies (docs/ODD.md §6).

    Categories come in the forum's order (those of :data:`DEFAULT_CATEGORIES` first), then
    new ones in order of first appearance. Each category's share is the sum of its groups'
    shares; its position mean, spread and lognormal ``mu``/``sigma`` are the mean and
    standard deviation of the mixture of its groups (weighted by share); affectedness and
    engagement are share-weighted means. The model draws stakeholders by group; the table
    summarises them for what reads a category's values.
    """
    known = [c.name for c in DEFAULT_CATEGORIES]
    seen = [g.category for g in groups]
    order = [c for c in known if c in seen] + list(dict.fromkeys(c for c in seen if c not in known))
    d = max(len(g.position_mean) for g in groups)
    table = []
    for name in order:
        members = [g for g in groups if g.category == name]
        w = np.array([g.share for g in members])
        share = float(w.sum())
        w = w / share
        means = np.full((len(members), d), 0.5)
        for i, g in enumerate(members):
            means[i, : len(g.position_mean)] = g.position_mean
        mean = w @ means
        spreads = np.array([g.spread for g in members])
        variance = w @ (spreads[:, None] ** 2 + (means - mean) ** 2)  # per coordinate
        mu = np.array([g.resources_mu for g in members])
        sigma = np.array([g.resources_sigma for g in members])
        mix_mu = float(w @ mu)
        mix_sigma = float(np.sqrt(w @ (sigma**2 + (mu - mix_mu) ** 2)))
        table.append(
            CategorySpec(
                name,
                share,
                tuple(float(np.clip(m, 0.0, 1.0)) for m in mean),
                float(min(1.0, np.sqrt(variance.mean()))),
                mix_mu,
                min(5.0, mix_sigma),
                float(w @ [g.affectedness for g in members]),
                float(w @ [g.engagement for g in members]),
            )
        )
    return tuple(table)


# --------------------------------------------------------------------------- converters


def _stakeholder_count(name: str, value: Any) -> int:
    n = check_int(name, value, 1)
    if n > MAX_STAKEHOLDERS:
        fail(
            name,
            n,
            f"must be at most {MAX_STAKEHOLDERS:,} (each stakeholder is a Mesa agent; "
            f"{n:,} would need about {n * 550 / 1e9:.0f} GB of memory)",
        )
    return n


def _category_table(name: str, value: Any) -> tuple[CategorySpec, ...]:
    cats: Any = value
    if isinstance(cats, Mapping):
        for k, v in cats.items():
            if not isinstance(v, Mapping):
                fail(
                    f"{name}.{k}",
                    v,
                    "must be a mapping of the category's fields (share, position_mean, ...)",
                )
        cats = [{"name": k, **v} for k, v in cats.items()]
    if isinstance(cats, (str, bytes)) or not isinstance(cats, Sequence) or len(cats) == 0:
        fail(name, value, "must be a non-empty sequence of categories")
    specs = tuple(CategorySpec.from_any(c) for c in cats)
    _check_names_and_shares(name, specs, "category")
    return specs


def _check_names_and_shares(name: str, specs: Sequence[Any], what: str) -> None:
    """Names unique and shares summing to 1 (a category or group table)."""
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        fail(name, names, f"{what} names must be unique")
    total = sum(s.share for s in specs)
    if abs(total - 1.0) > 1e-6:
        fail(
            name,
            {s.name: s.share for s in specs},
            f"shares must sum to 1 (they sum to {total:.6g})",
        )


def _group_table(name: str, value: Any) -> tuple[GroupSpec, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        fail(name, value, "must be a sequence of groups (see msisim.stakeholder_map)")
    if len(value) == 0:
        return ()
    specs = tuple(GroupSpec.from_any(g) for g in value)
    _check_names_and_shares(name, specs, "group")
    return specs


# --------------------------------------------------------------------------- group


@dataclass(frozen=True)
class PopulationParams:
    """Who the stakeholders are and how they behave (docs/ODD.md §2.5; attendance: §7.2.5)."""

    n_stakeholders: int = parameter(1000, "population size N", convert=_stakeholder_count)
    n_dims: int = parameter(2, "dimensions d of the policy space [0, 1]^d", lo=1, hi=MAX_DIMS)
    categories: tuple[CategorySpec, ...] = parameter(
        DEFAULT_CATEGORIES,
        "the category table (shares summing to 1, positions, resources, affectedness, engagement)",
        convert=_category_table,
    )
    groups: tuple[GroupSpec, ...] = parameter(
        (),
        "stakeholder groups of a stakeholder map, each drawn as its own subpopulation within "
        "its category; when given, the category table is derived from them",
        convert=_group_table,
    )
    attendance_intercept: float = parameter(
        -2.0, "b0 of the open-forum attendance logit", lo=-50.0, hi=50.0
    )
    attendance_engagement: float = parameter(
        2.0, "b_e, weight of engagement in the attendance logit", lo=-50.0, hi=50.0
    )
    attendance_resources: float = parameter(
        0.8, "b_r, weight of log(resources) in the attendance logit", lo=-50.0, hi=50.0
    )
    attendance_affectedness: float = parameter(
        1.0, "b_a, weight of affectedness in the attendance logit", lo=-50.0, hi=50.0
    )
    engagement_rate: float = parameter(
        0.02,
        "engagement gained per step when one's distance to the policy shrinks by "
        "engagement_scale or more (lost symmetrically when it grows)",
        lo=0.0,
        hi=1.0,
    )
    engagement_scale: float = parameter(
        0.02, "distance change that counts as a full improvement", lo=0.0, hi=1.0, lo_open=True
    )
    engagement_reversion: float = parameter(
        0.01, "per-step pull of engagement back to the category baseline", lo=0.0, hi=1.0
    )
    exclusion_penalty: float = parameter(
        0.05, "engagement lost in a round in which one is excluded by the convener", lo=0, hi=1.0
    )
    expression_rate: float = parameter(
        0.1,
        "per-step pull of a non-member's expressed (advocated) position toward its own true "
        "interest (1: non-members say exactly what they want each round)",
        lo=0.0,
        hi=1.0,
    )
    mobilisation: float = parameter(
        1.0,
        "engagement gained per unit of distance a shock moved one's own interest",
        lo=0.0,
        hi=100.0,
    )

    def __post_init__(self) -> None:
        validate_group(self)
        if self.groups:
            for g in self.groups:
                if len(g.position_mean) > self.n_dims:
                    fail(
                        f"groups[{g.name}].position_mean",
                        g.position_mean,
                        f"has more coordinates than n_dims={self.n_dims}",
                    )
            object.__setattr__(self, "categories", categories_from_groups(self.groups))
        for c in self.categories:
            if len(c.position_mean) > self.n_dims:
                fail(
                    f"categories[{c.name}].position_mean",
                    c.position_mean,
                    f"has more coordinates than n_dims={self.n_dims}",
                )

    @property
    def category_names(self) -> tuple[str, ...]:
        """Names of the categories, in table order (their integer codes)."""
        return tuple(c.name for c in self.categories)

    def category_shares(self) -> np.ndarray:
        """Population shares of the categories as declared, ``float64[K]``."""
        return np.array([c.share for c in self.categories])

    def category_counts(self) -> np.ndarray:
        """Stakeholders per category: shares times N, rounded by largest remainder (Hamilton).

        Counts are deterministic so that population shares ``P_g`` are exact and a seat count
        can be checked against a category's size before any simulation starts.
        """
        if self.groups:
            return np.bincount(
                self.group_categories(), weights=self.group_counts(), minlength=len(self.categories)
            ).astype(np.int64)
        return largest_remainder(self.category_shares(), self.n_stakeholders)

    @property
    def group_names(self) -> tuple[str, ...]:
        """Names of the groups (the categories' names when no groups are given)."""
        return tuple(g.name for g in self.groups) if self.groups else self.category_names

    def group_categories(self) -> np.ndarray:
        """Category code of each group, ``int64[G]`` (each category itself without groups)."""
        if not self.groups:
            return np.arange(len(self.categories), dtype=np.int64)
        names = self.category_names
        return np.array([names.index(g.category) for g in self.groups], dtype=np.int64)

    def group_counts(self) -> np.ndarray:
        """Stakeholders per group: shares times N, by largest remainder over the groups."""
        if not self.groups:
            return self.category_counts()
        return largest_remainder(np.array([g.share for g in self.groups]), self.n_stakeholders)
