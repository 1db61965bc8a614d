"""Typed, frozen, self-validating parameters, each declared once.

Parameters fall into four groups, kept apart as in the EMA Workbench vocabulary:

* :class:`PopulationParams` — who the stakeholders are (the category table of docs/ODD.md §2.5)
  and how they behave (attendance and engagement coefficients);
* :class:`DesignParams` — the *design levers* a forum's founders choose (membership rule,
  seats, selection, terms, decision rule, deliberation settings, participation support);
* :class:`ContextParams` — *context uncertainties* nobody in the forum controls
  (participation cost, shocks, drift, the selector's exogenous capture, the lobby);
* :class:`SimulationParams` — how a run is observed and summarised.

Every field is declared once with :func:`parameter`: its default, its bounds or its choices
(a rule registry of :mod:`msisim.rules`) and a one-line meaning. One generic validator
(:func:`validate_group`) checks every group from those declarations; the Hydra schema of
``msisim run``, the ODD check and the docs read the same declarations
(:func:`parameter_table`).

:class:`Params` bundles the four and converts to and from *flat keywords*, so that every
parameter can be passed as ``GovernanceModel(n_seats=40, epsilon=0.2, ...)``. Every value is
checked when the object is built: a wrong one raises :class:`ValueError` naming the
parameter, the value and what is allowed, before any simulation starts.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np

from msisim.apportionment import largest_remainder
from msisim.registry import Registry, did_you_mean
from msisim.rules.decision import DECISION_RULES, PARLIAMENT_RULES, PARTIES, RULE_PARAMETERS
from msisim.rules.deliberation import DELIBERATION_FORMATS
from msisim.rules.lobbying import STRATEGIES
from msisim.rules.membership import (
    MEMBERSHIP_RULES,
    SEAT_ALLOCATIONS,
    SELECTION_RULES,
    MembershipRule,
    SeatPool,
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "FIELD_GROUP",
    "GROUPS",
    "CategorySpec",
    "ContextParams",
    "DesignParams",
    "GroupSpec",
    "ParamSpec",
    "Params",
    "PopulationParams",
    "Shock",
    "SimulationParams",
    "largest_remainder",
    "parameter",
    "parameter_table",
]

#: Largest population the model accepts. Each stakeholder is also a Mesa agent object
#: (about 0.5 KB with its array rows), so 2 * 10^6 stakeholders need about 1 GB.
MAX_STAKEHOLDERS = 2_000_000
MAX_DIMS = 10


# --------------------------------------------------------------------------- validation


def _fail(name: str, value: Any, allowed: str) -> None:
    raise ValueError(f"{name}={value!r} is invalid: {allowed}")


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    """Return ``value`` as an int if it is a whole number in ``[lo, hi]``, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
            value = int(value)
        else:
            _fail(name, value, f"must be a whole number >= {lo}" + (f" and <= {hi}" if hi else ""))
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        _fail(name, value, f"must be {bound}")
    return value


def check_float(
    name: str,
    value: Any,
    lo: float = -math.inf,
    hi: float = math.inf,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """Return ``value`` as a float if it is finite and within the bounds, else raise."""
    if not _is_real(value):
        _fail(name, value, "must be a number")
    value = float(value)
    if not math.isfinite(value):
        _fail(name, value, "must be a finite number")
    too_low = value <= lo if lo_open else value < lo
    too_high = value >= hi if hi_open else value > hi
    if too_low or too_high:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        _fail(name, value, f"must lie in {left}{lo:g}, {hi:g}{right}")
    return value


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    if not isinstance(value, str) or value not in choices:
        hint = did_you_mean(value, choices)
        _fail(name, value, f"must be one of {', '.join(map(repr, choices))}{hint}")
    return value


def check_point(name: str, value: Any, n_dims: int | None = None) -> tuple[float, ...]:
    """Return a point of the policy space ``[0, 1]^d`` as a tuple of floats."""
    if isinstance(value, str) or not isinstance(value, (Sequence, np.ndarray)):
        _fail(name, value, "must be a sequence of numbers in [0, 1]")
    point = tuple(check_float(f"{name}[{i}]", v, 0.0, 1.0) for i, v in enumerate(value))
    if not point:
        _fail(name, value, "must have at least one coordinate")
    if n_dims is not None and len(point) != n_dims:
        _fail(name, value, f"must have n_dims={n_dims} coordinates, not {len(point)}")
    return point


def _as_mapping(name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (tuple, list)) and all(
        isinstance(p, (tuple, list)) and len(p) == 2 for p in value
    ):
        return dict(value)
    _fail(name, value, "must be a mapping from category name to value")
    return {}  # unreachable


def _reject_unknown(cls: type, data: Mapping[str, Any]) -> None:
    names = [f.name for f in fields(cls)]
    for key in data:
        if key not in names:
            hint = did_you_mean(str(key), names)
            raise ValueError(
                f"unknown {cls.__name__} key {key!r}{hint}; valid keys: {', '.join(names)}"
            )


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` as a bool if it is one (``True``/``False``), else raise."""
    if not isinstance(value, (bool, np.bool_)):
        _fail(name, value, "must be true or false")
    return bool(value)


def check_optional_float(name: str, value: Any, lo: float, hi: float) -> float | None:
    """``None``, or a finite float in ``[lo, hi]``."""
    return None if value is None else check_float(name, value, lo, hi)


# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class ParamSpec:
    """What a parameter is: its meaning, kind and allowed values (declared once, in its field).

    Attributes:
        doc: One-line meaning (shown by ``msisim run --help``, the app and the docs).
        kind: ``int``, ``float``, ``bool``, ``choice``, ``point``, ``optional_float`` or
            ``custom`` (validated by ``convert``).
        lo: Lower bound (numbers).
        hi: Upper bound (numbers; ``None`` = unbounded for ints).
        lo_open: Whether the lower bound is excluded.
        hi_open: Whether the upper bound is excluded.
        choices: The registry (or tuple) of allowed names (``choice``).
        convert: ``(name, value) -> value`` for ``custom`` kinds (tables, mappings).
    """

    doc: str
    kind: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: Registry[Any] | tuple[str, ...] | None = None
    convert: Callable[[str, Any], Any] | None = None

    def allowed(self) -> str:
        """Allowed values in words (for help texts and docs)."""
        if self.kind == "choice" and self.choices is not None:
            return " | ".join(self.choice_names())
        if self.kind == "bool":
            return "true | false"
        if self.kind in ("int", "float", "optional_float") and self.lo is not None:
            left = "(" if self.lo_open else "["
            if self.hi is None:
                return f">= {self.lo:g}" if not self.lo_open else f"> {self.lo:g}"
            right = ")" if self.hi_open else "]"
            text = f"{left}{self.lo:g}, {self.hi:g}{right}"
            return text + (" or null" if self.kind == "optional_float" else "")
        if self.kind == "point":
            return "point in [0, 1]^d"
        return ""

    def choice_names(self) -> tuple[str, ...]:
        """Allowed names of a ``choice`` parameter (read from its registry when it has one)."""
        if isinstance(self.choices, Registry):
            return self.choices.names()
        return tuple(self.choices or ())

    def validate(self, name: str, value: Any) -> Any:
        """The value, normalised; else a ``ValueError`` naming the value and what is allowed."""
        if self.convert is not None:
            return self.convert(name, value)
        if self.kind == "int":
            lo = int(self.lo if self.lo is not None else -(2**62))
            return check_int(name, value, lo, None if self.hi is None else int(self.hi))
        if self.kind == "float":
            return check_float(
                name,
                value,
                -math.inf if self.lo is None else self.lo,
                math.inf if self.hi is None else self.hi,
                lo_open=self.lo_open,
                hi_open=self.hi_open,
            )
        if self.kind == "optional_float":
            if value is None:
                return None
            return check_float(
                name, value, float(self.lo or 0.0), 1.0 if self.hi is None else self.hi
            )
        if self.kind == "bool":
            return check_bool(name, value)
        if self.kind == "choice":
            if isinstance(self.choices, Registry):
                if value not in self.choices:
                    raise self.choices_error(name, value)
                return value
            return check_choice(name, value, self.choice_names())
        if self.kind == "point":
            return check_point(name, value)
        raise TypeError(f"parameter {name}: unknown kind {self.kind!r}")  # pragma: no cover

    def choices_error(self, name: str, value: Any) -> ValueError:
        """The registry's unknown-name error, under this parameter's name."""
        from msisim.registry import unknown_name

        return unknown_name(name, value, self.choice_names())


def parameter(
    default: Any,
    doc: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    choices: Registry[Any] | tuple[str, ...] | None = None,
    convert: Callable[[str, Any], Any] | None = None,
    kind: str | None = None,
) -> Any:
    """Declare a parameter field: default, bounds or choices, and a one-line meaning.

    The kind is inferred from the default (``bool``, ``int``, ``float``, ``str`` with
    ``choices``) unless given.
    """
    if kind is None:
        if convert is not None:
            kind = "custom"
        elif choices is not None:
            kind = "choice"
        elif isinstance(default, bool):
            kind = "bool"
        elif isinstance(default, int):
            kind = "int"
        elif isinstance(default, float):
            kind = "float"
        else:  # pragma: no cover - a declaration error, caught by the tests
            raise TypeError(f"cannot infer the kind of a parameter with default {default!r}")
    spec = ParamSpec(doc, kind, lo, hi, lo_open, hi_open, choices, convert)
    return field(default=default, metadata={"spec": spec})


def spec_of(f: dataclasses.Field[Any]) -> ParamSpec:
    """The :class:`ParamSpec` of a parameter field."""
    return f.metadata["spec"]


def validate_group(group: Any) -> None:
    """Validate and normalise every declared field of a frozen parameter group, in place."""
    for f in fields(group):
        value = spec_of(f).validate(f.name, getattr(group, f.name))
        object.__setattr__(group, f.name, value)


# --------------------------------------------------------------------------- population


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
            _fail("category name", self.name, "must be an identifier other than 'all' (reserved)")
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
            _reject_unknown(cls, value)
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
            _fail("group name", self.name, "must be non-empty text")
        where = f"groups[{self.name}]"
        if (
            not isinstance(self.category, str)
            or not self.category.isidentifier()
            or self.category == "all"
        ):
            _fail(f"{where}.category", self.category, "must be an identifier other than 'all'")
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
            _reject_unknown(cls, value)
            missing = [f.name for f in fields(cls) if f.name not in value]
            if missing:
                raise ValueError(f"group {dict(value)!r} is missing keys: {', '.join(missing)}")
            data = dict(value)
            if isinstance(data["position_mean"], (str, bytes)) or not isinstance(
                data["position_mean"], (Sequence, np.ndarray)
            ):
                _fail(f"groups[{data['name']}].position_mean", data["position_mean"],
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
        _fail(
            name,
            n,
            f"must be at most {MAX_STAKEHOLDERS:,} (each stakeholder is a Mesa agent; "
            f"{n:,} would need about {n * 550 / 1e9:.0f} GB of memory)",
        )
    return n


def _category_table(name: str, value: Any) -> tuple[CategorySpec, ...]:
    cats: Any = value
    if isinstance(cats, Mapping):
        cats = [{"name": k, **v} for k, v in cats.items()]
    if isinstance(cats, (str, bytes)) or not isinstance(cats, Sequence) or len(cats) == 0:
        _fail(name, value, "must be a non-empty sequence of categories")
    specs = tuple(CategorySpec.from_any(c) for c in cats)
    _check_names_and_shares(name, specs, "category")
    return specs


def _check_names_and_shares(name: str, specs: Sequence[Any], what: str) -> None:
    """Names unique and shares summing to 1 (a category or group table)."""
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        _fail(name, names, f"{what} names must be unique")
    total = sum(s.share for s in specs)
    if abs(total - 1.0) > 1e-6:
        _fail(
            name,
            {s.name: s.share for s in specs},
            f"shares must sum to 1 (they sum to {total:.6g})",
        )


def _group_table(name: str, value: Any) -> tuple[GroupSpec, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        _fail(name, value, "must be a sequence of groups (see msisim.stakeholder_map)")
    if len(value) == 0:
        return ()
    specs = tuple(GroupSpec.from_any(g) for g in value)
    _check_names_and_shares(name, specs, "group")
    return specs


def _seat_counts(name: str, value: Any) -> tuple[tuple[str, int], ...]:
    seats = _as_mapping(name, value)
    return tuple((str(k), check_int(f"{name}[{k}]", v, 0)) for k, v in seats.items())


def _party_names(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        _fail(name, value, f"must be a list of party names from {', '.join(map(repr, PARTIES))}")
    names = tuple(check_choice(f"{name}[{i}]", v, PARTIES) for i, v in enumerate(value))
    if len(set(names)) != len(names):
        _fail(name, value, "must name each party once")
    return names


def _support_levels(name: str, value: Any) -> tuple[tuple[str, float], ...]:
    support = _as_mapping(name, value)
    return tuple((str(k), check_float(f"{name}[{k}]", v, 0, 1)) for k, v in support.items())


def _shock_list(name: str, value: Any) -> tuple[Shock, ...]:
    if isinstance(value, (Mapping, str)) or not isinstance(value, Sequence):
        _fail(name, value, "must be a list of shocks (step, category, shift)")
    return tuple(Shock.from_any(s) for s in value)


# --------------------------------------------------------------------------- groups


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

    def __post_init__(self) -> None:
        validate_group(self)
        if self.groups:
            for g in self.groups:
                if len(g.position_mean) > self.n_dims:
                    _fail(
                        f"groups[{g.name}].position_mean",
                        g.position_mean,
                        f"has more coordinates than n_dims={self.n_dims}",
                    )
            object.__setattr__(self, "categories", categories_from_groups(self.groups))
        for c in self.categories:
            if len(c.position_mean) > self.n_dims:
                _fail(
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


@dataclass(frozen=True)
class DesignParams:
    """Design levers: how the forum is built and decides."""

    membership: str = parameter(
        "representative",
        "membership rule: who sits in or attends the forum (see msisim.rules.membership)",
        choices=MEMBERSHIP_RULES,
    )
    n_seats: int = parameter(
        30, "seats in a seated body (category seats of a representative body)", lo=1,
        hi=MAX_STAKEHOLDERS,
    )  # fmt: skip
    lottery_seats: int = parameter(
        0,
        "further seats drawn by lot from the whole population each term "
        "(representative_with_lottery); in a parliament (proposal_vote) the seats of "
        "n_seats that go to independents drawn by lot",
        lo=0,
        hi=MAX_STAKEHOLDERS,
    )
    seat_allocation: str = parameter(
        "equal",
        "seats per category: equal, proportional to population share, or explicit",
        choices=SEAT_ALLOCATIONS,
    )
    seats_per_category: tuple[tuple[str, int], ...] = parameter(
        (), "explicit seats per category name (seat_allocation=explicit)", convert=_seat_counts
    )
    selection: str = parameter(
        "election",
        "how the selector ranks candidates within a category: random (sortition within "
        "category), election (closest to the category's median) or merit (most resources)",
        choices=SELECTION_RULES,
    )
    term_length: int = parameter(20, "steps between seat (re)selections", lo=1)
    term_limit: int = parameter(0, "most consecutive terms a member may serve; 0 = no limit", lo=0)
    stratified: bool = parameter(
        False, "sortition draws seats per category in proportion to population shares"
    )
    sortition_acceptance: str = parameter(
        "engagement",
        "who accepts a seat drawn by lot: engagement (with the probability with which "
        "others stand for a seat) or all (the ideal lottery)",
        choices=("engagement", "all"),
    )
    selector_information: str = parameter(
        "advocated",
        "what the selector sees of candidates and pools: advocated positions, noisy "
        "advocated positions (selector_noise), or true interests (an oracle)",
        choices=("advocated", "noisy", "true"),
    )
    selector_noise: float = parameter(
        0.1, "standard deviation of the selector's view (selector_information=noisy)", lo=0,
        hi=1.0,
    )  # fmt: skip
    decision_rule: str = parameter(
        "weighted_mean",
        "consensus, majority (coordinate-wise weighted median) or weighted_mean",
        choices=DECISION_RULES,
    )
    support_radius: float = parameter(
        0.25, "distance within which a member supports a proposal (consensus)", lo=0, hi=10,
        lo_open=True,
    )  # fmt: skip
    consensus_threshold: float = parameter(
        0.6, "voice-weighted support share needed to adopt (consensus)", lo=0.0, hi=1.0
    )
    inertia: float = parameter(
        0.8,
        "share of the gap the policy keeps per adopted decision: "
        "policy += (1 - inertia) * (proposal - policy)",
        lo=0.0,
        hi=1.0,
        hi_open=True,
    )
    epsilon: float = parameter(
        0.3, "bounded-confidence threshold of deliberation (Deffuant et al. 2000)", lo=0, hi=10
    )
    mu: float = parameter(
        0.3, "convergence parameter of deliberation", lo=0.0, hi=0.5, lo_open=True
    )
    accountability: float = parameter(
        0.02,
        "per-step pull of representatives' advocated positions toward their category's "
        "median true position (open participants: toward their own interest)",
        lo=0.0,
        hi=1.0,
    )
    voice_resource_exponent: float = parameter(
        0.5, "voice grows as resources ** exponent", lo=0.0, hi=5.0
    )
    presence_weight: float = parameter(
        1.0, "voice multiplier for full presence: 1 + presence_weight * presence", lo=0, hi=100
    )
    participation_support: tuple[tuple[str, float], ...] = parameter(
        (),
        "participation subsidy per category name, in [0, 1]; it scales the participation "
        "cost by 1 - support in the attendance logit",
        convert=_support_levels,
    )
    consultation_weight: float = parameter(
        0.3,
        "voice multiplier of consulted attendees beside a seated body "
        "(representative_with_consultation)",
        lo=0.0,
        hi=1.0,
    )
    outreach: float = parameter(
        0.0,
        "engagement added per step to the least engaged categories; 0 = no outreach",
        lo=0.0,
        hi=1.0,
    )
    transparency: float = parameter(
        0.0,
        "lobby register: a tie's pull on a member, and the selector's capture by its ties, "
        "are scaled by 1 - transparency",
        lo=0.0,
        hi=1.0,
    )
    cooling_off: int = parameter(
        0,
        "steps after leaving a seat during which a former member cannot be lobbied (ties "
        "cut to 0 on leaving); 0 = none (ties only weakened to rotation_tie_retention)",
        lo=0,
    )
    rotation_tie_retention: float = parameter(
        0.5, "share of a departing member's ties kept when there is no cooling-off", lo=0, hi=1.0
    )
    recusal: bool = parameter(
        False, "members with a strong tie (>= strong_tie) are recused from decisions"
    )
    majority_share: float = parameter(
        0.6,
        "p: share of a parliament's party seats held by the majority party (proposal_vote)",
        lo=0.5,
        hi=1.0,
    )
    party_discipline: tuple[str, ...] = parameter(
        ("majority", "minority"),
        "parties whose members vote as a bloc, by the party's acceptance window "
        "(proposal_vote; the others vote on their own)",
        convert=_party_names,
    )
    party_radius: float = parameter(
        0.1,
        "radius of a party's circle of tolerance in the Cipolla plane [-1, 1]^2 (proposal_vote)",
        lo=0.0,
        hi=1.0,
    )
    n_proposals: int = parameter(
        1000, "acts proposed and voted in each legislature (proposal_vote)", lo=1, hi=10**6
    )
    deliberation: str = parameter(
        "pairs",
        "deliberation format: pairs (the whole room in random pairs) or arena_sessions (group "
        "sessions by arena, then a plenary)",
        choices=DELIBERATION_FORMATS,
    )

    def __post_init__(self) -> None:
        validate_group(self)
        seats = dict(self.seats_per_category)
        if self.seat_allocation == "explicit":
            if not seats:
                _fail("seats_per_category", {}, "must be given when seat_allocation='explicit'")
            if sum(seats.values()) != self.n_seats:
                _fail(
                    "seats_per_category",
                    seats,
                    f"must sum to n_seats={self.n_seats} (they sum to {sum(seats.values())})",
                )
        if self.decision_rule in PARLIAMENT_RULES and self.lottery_seats > self.n_seats:
            _fail(
                "lottery_seats",
                self.lottery_seats,
                f"must be <= n_seats={self.n_seats}: a parliament's lottery seats are part of "
                "its n_seats",
            )

    @property
    def rule(self) -> MembershipRule:
        """The registered membership rule (see :data:`msisim.rules.membership.MEMBERSHIP_RULES`)."""
        return MEMBERSHIP_RULES[self.membership]

    @property
    def is_seated(self) -> bool:
        """Whether the forum has a seated body filled each term."""
        return self.rule.seated

    @property
    def has_open_round(self) -> bool:
        """Whether self-selected attendees take part each round."""
        return self.rule.open_round


# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class Shock:
    """A scheduled change of context: at ``step`` the true positions of ``category`` move.

    Attributes:
        step: Step (1-based, as ``model.steps``) at which the shock happens, or the first
            step it may happen at when ``jitter`` > 0.
        category: Category whose true positions move, or ``"all"``.
        shift: Displacement added to each true position (clipped to the space); a shorter
            tuple is padded with zeros.
        jitter: The shock falls at ``step + U{0, ..., jitter - 1}``, drawn once per run from
            its own stream (``shock_timing``), so that it lands at a random point of a term
            (``jitter`` = a multiple of the term length makes every point equally likely);
            0 = exactly at ``step``.
    """

    step: int
    category: str
    shift: tuple[float, ...]
    jitter: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "step", check_int("shock.step", self.step, 1))
        if not isinstance(self.category, str):
            _fail("shock.category", self.category, "must be a category name or 'all'")
        if isinstance(self.shift, str) or not isinstance(self.shift, (Sequence, np.ndarray)):
            _fail("shock.shift", self.shift, "must be a sequence of numbers in [-1, 1]")
        shift = tuple(check_float(f"shock.shift[{i}]", v, -1, 1) for i, v in enumerate(self.shift))
        object.__setattr__(self, "shift", shift)
        object.__setattr__(self, "jitter", check_int("shock.jitter", self.jitter, 0))

    @property
    def last_step(self) -> int:
        """The latest step the shock can fall at."""
        return self.step + max(self.jitter - 1, 0)

    @classmethod
    def from_any(cls, value: Any) -> Shock:
        """Build from a ``Shock`` or a mapping (``step``, ``category``, ``shift``, ``jitter``)."""
        if isinstance(value, Shock):
            return value
        if isinstance(value, Mapping):
            _reject_unknown(cls, value)
            try:
                return cls(
                    step=value["step"],
                    category=value["category"],
                    shift=tuple(value["shift"]),
                    jitter=value.get("jitter", 0),
                )
            except KeyError as err:
                raise ValueError(f"shock {dict(value)!r} is missing key {err}") from None
        raise ValueError(f"shocks entry {value!r} is invalid: must be a Shock or a mapping")


@dataclass(frozen=True)
class ContextParams:
    """Context uncertainties: what the forum's designers do not control."""

    participation_cost: float = parameter(
        1.0, "cost of attending an open round, in logit units", lo=0.0, hi=50.0
    )
    shocks: tuple[Shock, ...] = parameter(
        (), "scheduled shocks to true positions (step, category, shift)", convert=_shock_list
    )
    drift: float = parameter(
        0.0, "standard deviation of a per-step random drift of every true position", lo=0, hi=1
    )
    selector_capture: float | None = parameter(
        None,
        "exogenous capture of the selector/convener in [0, 1]; null = from the lobby's ties "
        "(endogenous; never for a pure lottery)",
        kind="optional_float",
        lo=0.0,
        hi=1.0,
    )
    lobby_ideal: tuple[float, ...] = parameter(
        (0.9, 0.1),
        "the lobby's ideal point, shared by all lobbyists (also the direction of lobby bias)",
        kind="point",
    )
    n_lobbyists: int = parameter(1, "number of lobbyists", lo=0, hi=1000)
    lobby_budget: float = parameter(
        0.0, "budget each lobbyist spends per step (0 = no lobbying)", lo=0.0, hi=1e6
    )
    lobby_strategy: str = parameter(
        "adaptive",
        "how lobbyists spend: adaptive (where the expected gain per unit of budget is highest, "
        "selector or members, knowing the forum's rules), or a fixed share on the selector and "
        "the rest on allies (closest to the lobby ideal), swing (closest to the last proposal) "
        "or influential (highest voice) members",
        choices=STRATEGIES,
    )
    lobby_focus: float = parameter(
        0.2, "fixed strategies: share of the members each lobbyist targets per step (at least "
        "one)", lo=0.0,
        hi=1.0, lo_open=True,
    )  # fmt: skip
    selector_spending: float = parameter(
        0.1,
        "fixed strategies: share of each lobbyist's budget spent on the selector/convener "
        "(the adaptive lobby chooses it each step)",
        lo=0.0,
        hi=1.0,
    )
    tie_cost: float = parameter(
        10.0,
        "spending that closes 63% (1 - 1/e) of the gap to a full tie: "
        "tie += (1 - tie) * (1 - exp(-spend / tie_cost))",
        lo=0.0,
        hi=1e6,
        lo_open=True,
    )
    tie_decay: float = parameter(0.02, "share of every tie lost per step", lo=0.0, hi=1.0)
    lobby_pull: float = parameter(
        0.2,
        "per-step pull of a full, unregistered tie on a member's advocated position toward "
        "the lobby ideal",
        lo=0.0,
        hi=1.0,
    )
    astroturf_share: float = parameter(
        0.0,
        "share of an open round's room filled with participants paid by the lobby, who claim "
        "the most under-represented categories but advocate the lobby ideal",
        lo=0.0,
        hi=0.9,
    )

    astroturf_cost: float = parameter(
        0.05,
        "what one paid participant costs the lobby per round, out of its budget",
        lo=0.0,
        hi=1e6,
        lo_open=True,
    )

    def __post_init__(self) -> None:
        validate_group(self)

    @property
    def lobby_funded(self) -> bool:
        """Whether lobbyists spend: some lobbyists and a budget."""
        return self.n_lobbyists > 0 and self.lobby_budget > 0

    @property
    def lobby_acts(self) -> bool:
        """Whether a lobby acts: a funded lobby, or an exogenous selector capture."""
        return self.lobby_funded or self.selector_capture is not None


#: Context fields that only a lobby's actions read (how it targets, spends, ties and pulls).
#: A run where no lobby acts ignores them, so its no-lobby twin sets them to their defaults
#: (:meth:`Params.without_lobby`): runs that differ only in them share one twin.
LOBBY_ACTION_FIELDS: tuple[str, ...] = (
    "lobby_strategy",
    "lobby_focus",
    "selector_spending",
    "tie_cost",
    "tie_decay",
    "lobby_pull",
    "astroturf_share",
    "astroturf_cost",
)


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class SimulationParams:
    """How a run is observed and summarised."""

    n_steps: int = parameter(
        200, "steps of run(); the model sets running = False after them", lo=1, hi=10_000_000
    )
    viewpoint_radius: float = parameter(
        0.1,
        "radius within which a member's advocated position covers a stakeholder's true "
        "position (viewpoint coverage)",
        lo=0.0,
        hi=10.0,
        lo_open=True,
    )
    viewpoint_sample: int = parameter(
        500, "size of the fixed random sample on which viewpoint coverage is estimated", lo=1,
        hi=1_000_000,
    )  # fmt: skip
    summary_burn_in: float = parameter(
        0.5,
        "share of the run discarded before averaging per-step metrics into per-run outcomes",
        lo=0.0,
        hi=1.0,
        hi_open=True,
    )
    adaptation_tolerance: float = parameter(
        0.02,
        "a shock is absorbed once the congruence error is back within this distance of its "
        "pre-shock level",
        lo=0.0,
        hi=10.0,
        lo_open=True,
    )
    adaptation_window: int = parameter(
        10, "steps before a shock averaged into its pre-shock error level", lo=1
    )
    pass_through_lag: int = parameter(
        20, "steps after a shock at which pass_through is read (against the no-shock twin)", lo=1
    )
    strong_tie: float = parameter(
        0.5,
        "tie strength from which a member counts as captured and, with recusal, is recused",
        lo=0.0,
        hi=1.0,
        lo_open=True,
    )
    panel_respondents: int = parameter(
        0,
        "well-informed persons per arena who answer the scorecard questionnaire at the end of "
        "a run (0 = no questionnaire; the panel_* outcomes need it)",
        lo=0,
        hi=10_000,
    )
    panel_noise: float = parameter(
        1.0, "standard deviation of a questionnaire rating's error, in scale points", lo=0.0,
        hi=10.0,
    )  # fmt: skip
    panel_tie_bias: float = parameter(
        3.0, "scale points a full lobby tie adds to a respondent's ratings", lo=0.0, hi=10.0
    )
    panel_perspective: float = parameter(
        0.0,
        "weight of a respondent's own view (the policy's distance from the position they "
        "advocate) in their effectiveness rating; 0 = they rate the arena's true effectiveness",
        lo=0.0,
        hi=1.0,
    )

    def __post_init__(self) -> None:
        validate_group(self)


# --------------------------------------------------------------------------- bundle

GROUPS: dict[str, type] = {
    "population": PopulationParams,
    "design": DesignParams,
    "context": ContextParams,
    "simulation": SimulationParams,
}


def _field_owner() -> dict[str, str]:
    owner: dict[str, str] = {}
    for group, cls in GROUPS.items():
        for f in fields(cls):
            if f.name in owner:  # pragma: no cover - guarded by a test
                raise RuntimeError(f"parameter {f.name} is defined in two groups")
            owner[f.name] = group
    return owner


FIELD_GROUP: dict[str, str] = _field_owner()


@dataclass(frozen=True)
class Params:
    """All parameters of one model run, validated together.

    Build it from the typed groups, or from flat keywords with :meth:`from_flat`.
    Cross-group checks (seats vs population, category names in other groups, dimensions
    of points) happen here.
    """

    population: PopulationParams = field(default_factory=PopulationParams)
    design: DesignParams = field(default_factory=DesignParams)
    context: ContextParams = field(default_factory=ContextParams)
    simulation: SimulationParams = field(default_factory=SimulationParams)

    def __post_init__(self) -> None:
        for name, cls in GROUPS.items():
            if not isinstance(getattr(self, name), cls):
                _fail(name, getattr(self, name), f"must be a {cls.__name__}")
        pop, des, ctx = self.population, self.design, self.context
        names = pop.category_names
        counts = pop.category_counts()
        d = pop.n_dims
        if len(ctx.lobby_ideal) != d:
            _fail("lobby_ideal", ctx.lobby_ideal, f"must have n_dims={d} coordinates")
        for field_name in ("seats_per_category", "participation_support"):
            for key, _ in getattr(des, field_name):
                if key not in names:
                    raise ValueError(
                        f"{field_name} names unknown category {key!r}; "
                        f"categories are: {', '.join(names)}"
                    )
        for shock in ctx.shocks:
            if shock.category != "all" and shock.category not in names:
                _fail(
                    "shock.category", shock.category, f"must be 'all' or one of {', '.join(names)}"
                )
            if len(shock.shift) > d:
                _fail("shock.shift", shock.shift, f"has more coordinates than n_dims={d}")
        if des.is_seated and des.decision_rule not in PARLIAMENT_RULES:  # a forum's seats
            pools = self.seat_pools()
            total = sum(p.seats for p in pools)
            if total > pop.n_stakeholders:
                in_all = "" if total == des.n_seats else f" (the body has {total} seats in all)"
                _fail(
                    "n_seats",
                    des.n_seats,
                    f"must not exceed n_stakeholders={pop.n_stakeholders}{in_all}",
                )
            for pool in pools:
                if pool.category is None:
                    continue
                n_pop = counts[pool.category]
                if pool.seats > n_pop:
                    _fail(
                        "n_seats",
                        des.n_seats,
                        f"allocates {pool.seats} seats to {names[pool.category]!r}, which has "
                        f"only {n_pop} stakeholders at n_stakeholders={pop.n_stakeholders}",
                    )

    def without_lobby(self) -> Params:
        """These parameters with no lobby: the no-lobby twin's (docs/ODD.md §4.9).

        No budget and no exogenous selector capture; the fields only a lobby's actions read
        (:data:`LOBBY_ACTION_FIELDS`) are set to their defaults, so that runs differing only
        in how their lobby acts have equal twins. The lobby ideal stays (lobby bias is measured
        toward it), and so does the number of lobbyists.
        """
        defaults = ContextParams()
        calm = dataclasses.replace(
            self.context,
            lobby_budget=0.0,
            selector_capture=None,
            **{name: getattr(defaults, name) for name in LOBBY_ACTION_FIELDS},
        )
        return dataclasses.replace(self, context=calm)

    def effective(self) -> Params:
        """These parameters with every field the run cannot read set to its default.

        The fields are those :func:`msisim.study.checks.check_run_params` notes as without
        effect: the rule-specific design parameters that neither the membership rule nor the
        decision rule reads, astroturf without an open round, and, when no lobby acts, the
        fields only a lobby's actions read (:data:`LOBBY_ACTION_FIELDS`). Two runs with equal
        effective parameters on one seed are the same run (tested for every rule and field).
        A parliament (``decision_rule='proposal_vote'``) is returned unchanged.
        """
        des, ctx = self.design, self.context
        if des.decision_rule in PARLIAMENT_RULES:
            return self
        unused = frozenset().union(*(r.parameters for r in MEMBERSHIP_RULES.values()))
        unused -= des.rule.parameters
        unused |= frozenset().union(*RULE_PARAMETERS.values()) - RULE_PARAMETERS.get(
            des.decision_rule, frozenset()
        )
        design_defaults, context_defaults = DesignParams(), ContextParams()
        design = dataclasses.replace(
            des, **{n: getattr(design_defaults, n) for n in sorted(unused)}
        )
        idle: set[str] = set()
        if not des.has_open_round:
            idle |= {"astroturf_share", "astroturf_cost"}
        if not ctx.lobby_acts:
            idle |= set(LOBBY_ACTION_FIELDS)
        context = dataclasses.replace(
            ctx, **{n: getattr(context_defaults, n) for n in sorted(idle)}
        )
        return dataclasses.replace(self, design=design, context=context)

    def seat_pools(self) -> list[SeatPool]:
        """The seat pools of the design's membership rule (empty when it has no seats)."""
        pop = self.population
        return self.design.rule.seat_pools(self.design, pop.category_shares(), pop.category_names)

    def seats_by_category(self) -> np.ndarray:
        """Seats per category code.

        Seats reserved for each category, plus the share (by population share, largest
        remainder) of seats drawn from the whole population that each category can expect.
        """
        pop = self.population
        seats = np.zeros(len(pop.categories), dtype=np.int64)
        for pool in self.seat_pools():
            if pool.category is None:
                seats += largest_remainder(pop.category_shares(), pool.seats)
            else:
                seats[pool.category] += pool.seats
        return seats

    def support_by_category(self) -> np.ndarray:
        """Participation support per category code (the rule's default when none is given)."""
        support = dict(self.design.participation_support)
        if not support:
            names = self.population.category_names
            support = {k: v for k, v in self.design.rule.default_support if k in names}
        return np.array([support.get(n, 0.0) for n in self.population.category_names])

    @classmethod
    def from_flat(cls, **kwargs: Any) -> Params:
        """Build from flat keywords such as ``n_seats=40, membership='open'``.

        The four group objects may also be passed by name (``design=DesignParams(...)``);
        flat keywords then override their fields. Unknown keywords raise ``ValueError``
        with the closest valid name. ``stakeholder_map=`` (a file, a shipped map's name or a
        :class:`~msisim.stakeholder_map.StakeholderMap`) sets ``groups`` and, for a map of
        head counts, ``n_stakeholders`` unless that is given (docs/ODD.md §6).
        """
        if "stakeholder_map" in kwargs:
            kwargs = _with_stakeholder_map(kwargs)
        groups: dict[str, dict[str, Any]] = {g: {} for g in GROUPS}
        base: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in GROUPS:
                if not isinstance(value, GROUPS[key]):
                    _fail(key, value, f"must be a {GROUPS[key].__name__}")
                base[key] = value
            elif key in FIELD_GROUP:
                groups[FIELD_GROUP[key]][key] = value
            else:
                hint = did_you_mean(key, sorted(FIELD_GROUP) + sorted(GROUPS))
                raise ValueError(
                    f"unknown parameter {key!r}{hint}; "
                    f"valid parameters: {', '.join(sorted(FIELD_GROUP))}"
                )
        built = {}
        for name, cls_ in GROUPS.items():
            start = base.get(name, cls_())
            built[name] = dataclasses.replace(start, **groups[name]) if groups[name] else start
        return cls(**built)

    def to_flat(self) -> dict[str, Any]:
        """All parameters as one flat mapping (the inverse of :meth:`from_flat`)."""
        flat: dict[str, Any] = {}
        for name in GROUPS:
            group = getattr(self, name)
            for f in fields(group):
                flat[f.name] = getattr(group, f.name)
        return flat


def _with_stakeholder_map(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Flat keywords with ``stakeholder_map`` replaced by the population it describes."""
    from msisim.stakeholder_map import StakeholderMap, load_stakeholder_map

    out = dict(kwargs)
    source = out.pop("stakeholder_map")
    if source is None:
        return out
    smap = source if isinstance(source, StakeholderMap) else load_stakeholder_map(source)
    if "groups" in out or "categories" in out:
        raise ValueError(
            "stakeholder_map sets the population's groups and categories: drop groups= and "
            "categories="
        )
    population = out.get("population")
    n_dims = out.get("n_dims", population.n_dims if population else smap.n_dims)
    for key, value in smap.population_keywords(n_dims=n_dims).items():
        out.setdefault(key, value)  # an explicit n_stakeholders rescales a map's head counts
    return out


def parameter_table() -> list[dict[str, Any]]:
    """Every parameter as a row: ``name, group, default, kind, allowed, doc``.

    Read by the Hydra schema of ``msisim run``, ``msisim run --help``, the ODD check and
    the docs, so that a parameter is described once, in its field.
    """
    rows = []
    for group, cls in GROUPS.items():
        for f in fields(cls):
            spec = spec_of(f)
            rows.append(
                {
                    "name": f.name,
                    "group": group,
                    "default": f.default,
                    "kind": spec.kind,
                    "allowed": spec.allowed(),
                    "doc": spec.doc,
                }
            )
    return rows
