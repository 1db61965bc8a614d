"""Typed, frozen, self-validating parameters.

Parameters fall into four groups, kept apart as in the EMA Workbench vocabulary:

* :class:`PopulationParams` — who the stakeholders are (the category table of MODEL.md §2)
  and how they behave (attendance and engagement coefficients);
* :class:`DesignParams` — the *design levers* a forum's founders choose (membership rule,
  seats, selection, terms, decision rule, deliberation settings, participation support);
* :class:`ContextParams` — *context uncertainties* nobody in the forum controls
  (participation cost, shocks, drift, the selector's exogenous capture, the lobby);
* :class:`SimulationParams` — how a run is observed and summarised.

:class:`Params` bundles the four and converts to and from *flat keywords*, so that every
parameter can be passed as ``GovernanceModel(n_seats=40, epsilon=0.2, ...)``. Every value is
checked when the object is built: a wrong one raises :class:`ValueError` naming the
parameter, the value and what is allowed, before any simulation starts.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

import numpy as np

Membership = Literal[
    "representative",
    "open",
    "sortition",
    "plenary",
    "representative_with_consultation",
    "open_with_support",
]
SeatAllocation = Literal["equal", "proportional", "explicit"]
Selection = Literal["random", "election", "merit"]
DecisionRule = Literal["consensus", "majority", "weighted_mean"]
LobbyStrategy = Literal["allies", "swing", "influential"]

MEMBERSHIP_RULES: tuple[str, ...] = get_args(Membership)
SEAT_ALLOCATIONS: tuple[str, ...] = get_args(SeatAllocation)
SELECTION_RULES: tuple[str, ...] = get_args(Selection)
DECISION_RULES: tuple[str, ...] = get_args(DecisionRule)
LOBBY_STRATEGIES: tuple[str, ...] = get_args(LobbyStrategy)

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
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value, choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
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
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"unknown {cls.__name__} key {key!r}{hint}; valid keys: {', '.join(names)}"
            )


# --------------------------------------------------------------------------- population


@dataclass(frozen=True)
class CategorySpec:
    """One stakeholder category (a row of MODEL.md §2's category table).

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


#: Default category table of MODEL.md §2, merged from the seed documents. Resources are
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
class PopulationParams:
    """Who the stakeholders are and how they behave.

    Attributes:
        n_stakeholders: Population size N (>= 1).
        n_dims: Dimensions d of the policy space ``[0, 1]^d``.
        categories: The category table; shares must sum to 1.
        attendance_intercept: ``b0`` of the open-forum attendance logit (MODEL.md §3.2).
        attendance_engagement: ``b_e``, weight of engagement in the attendance logit.
        attendance_resources: ``b_r``, weight of ``log(resources)`` in the attendance logit.
        attendance_affectedness: ``b_a``, weight of affectedness in the attendance logit.
        engagement_rate: Engagement gained per step when one's distance to the policy
            shrinks by ``engagement_scale`` or more (lost symmetrically when it grows).
        engagement_scale: Distance change that counts as a full improvement.
        engagement_reversion: Per-step pull of engagement back to the category baseline.
        exclusion_penalty: Engagement lost in a round in which one is excluded by the convener.
    """

    n_stakeholders: int = 1000
    n_dims: int = 2
    categories: tuple[CategorySpec, ...] = DEFAULT_CATEGORIES
    attendance_intercept: float = -2.0
    attendance_engagement: float = 2.0
    attendance_resources: float = 0.8
    attendance_affectedness: float = 1.0
    engagement_rate: float = 0.02
    engagement_scale: float = 0.02
    engagement_reversion: float = 0.01
    exclusion_penalty: float = 0.05

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "n_stakeholders",
            check_int("n_stakeholders", self.n_stakeholders, 1),
        )
        if self.n_stakeholders > MAX_STAKEHOLDERS:
            _fail(
                "n_stakeholders",
                self.n_stakeholders,
                f"must be at most {MAX_STAKEHOLDERS:,} (each stakeholder is a Mesa agent; "
                f"{self.n_stakeholders:,} would need about "
                f"{self.n_stakeholders * 550 / 1e9:.0f} GB of memory)",
            )
        set_(self, "n_dims", check_int("n_dims", self.n_dims, 1, MAX_DIMS))
        cats: Any = self.categories
        if isinstance(cats, Mapping):
            cats = [{"name": k, **v} for k, v in cats.items()]
        if isinstance(cats, (str, bytes)) or not isinstance(cats, Sequence) or len(cats) == 0:
            _fail("categories", self.categories, "must be a non-empty sequence of categories")
        specs = tuple(CategorySpec.from_any(c) for c in cats)
        names = [c.name for c in specs]
        if len(set(names)) != len(names):
            _fail("categories", names, "category names must be unique")
        total = sum(c.share for c in specs)
        if abs(total - 1.0) > 1e-6:
            _fail(
                "categories",
                {c.name: c.share for c in specs},
                f"shares must sum to 1 (they sum to {total:.6g})",
            )
        for c in specs:
            if len(c.position_mean) > self.n_dims:
                _fail(
                    f"categories[{c.name}].position_mean",
                    c.position_mean,
                    f"has more coordinates than n_dims={self.n_dims}",
                )
        set_(self, "categories", specs)
        for name in (
            "attendance_intercept",
            "attendance_engagement",
            "attendance_resources",
            "attendance_affectedness",
        ):
            set_(self, name, check_float(name, getattr(self, name), -50.0, 50.0))
        set_(self, "engagement_rate", check_float("engagement_rate", self.engagement_rate, 0, 1))
        set_(
            self,
            "engagement_scale",
            check_float("engagement_scale", self.engagement_scale, 0, 1, lo_open=True),
        )
        set_(
            self,
            "engagement_reversion",
            check_float("engagement_reversion", self.engagement_reversion, 0, 1),
        )
        set_(
            self,
            "exclusion_penalty",
            check_float("exclusion_penalty", self.exclusion_penalty, 0, 1),
        )

    @property
    def category_names(self) -> tuple[str, ...]:
        """Names of the categories, in table order (their integer codes)."""
        return tuple(c.name for c in self.categories)

    def category_counts(self) -> np.ndarray:
        """Stakeholders per category: shares times N, rounded by largest remainder (Hamilton).

        Counts are deterministic so that population shares ``P_g`` are exact and a seat count
        can be checked against a category's size before any simulation starts.
        """
        shares = np.array([c.share for c in self.categories])
        return largest_remainder(shares, self.n_stakeholders)


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


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class DesignParams:
    """Design levers: how the forum is built and decides.

    Attributes:
        membership: ``representative`` (seats per category filled by a selector),
            ``open`` (self-selected attendance each round), ``sortition`` (seats drawn at
            random from the population), ``plenary`` (everyone is a member; for analytic
            checks and small direct-democratic bodies), ``representative_with_consultation``
            (a seated body that also hears an open round) or ``open_with_support`` (open,
            with participation support for low-resource categories by default).
        n_seats: Seats in a seated body (representative, sortition, hybrids).
        seat_allocation: ``equal`` seats per category, ``proportional`` to population share,
            or ``explicit`` from ``seats_per_category``.
        seats_per_category: Explicit seats per category name (``seat_allocation='explicit'``).
        selection: How the selector ranks candidates within a category: ``random``
            (sortition within category), ``election`` (closest to the category's median) or
            ``merit`` (most resources).
        term_length: Steps between seat (re)selections.
        term_limit: Most consecutive terms a member may serve; 0 means no limit.
        stratified: Sortition draws seats per category in proportion to population shares.
        decision_rule: ``consensus``, ``majority`` (coordinate-wise weighted median) or
            ``weighted_mean``.
        support_radius: Distance within which a member supports a proposal (consensus).
        consensus_threshold: Voice-weighted support share needed to adopt (consensus).
        inertia: Share of the gap the policy keeps per adopted decision:
            ``policy += (1 - inertia) * (proposal - policy)``.
        epsilon: Bounded-confidence threshold of deliberation (Deffuant et al. 2000).
        mu: Convergence parameter of deliberation, in (0, 0.5].
        accountability: Per-step pull of representatives' advocated positions toward their
            category's median true position (open participants: toward their own interest).
        voice_resource_exponent: Voice grows as ``resources ** exponent``.
        presence_weight: Voice multiplier for full presence: ``1 + presence_weight * presence``.
        participation_support: Participation subsidy per category name, in [0, 1]; it scales
            the participation cost by ``1 - support`` in the attendance logit.
        consultation_weight: Voice multiplier of consulted attendees in
            ``representative_with_consultation``.
        outreach: Engagement added per step to the least engaged categories (stakeholder
            mapping before participation); 0 switches outreach off.
        transparency: Lobby register, in [0, 1]: a tie's pull on a member's advocated
            position, and the selector's capture by its ties, are scaled by
            ``1 - transparency``.
        cooling_off: Steps after leaving a seat during which a former member cannot be
            lobbied; their ties are cut to 0 on leaving. 0 = no cooling-off: ties are only
            weakened (kept at ``rotation_tie_retention``).
        rotation_tie_retention: Share of a departing member's ties kept when there is no
            cooling-off period.
        recusal: Members with a strong tie (>= ``strong_tie``) are recused from decisions.
    """

    membership: Membership = "representative"
    n_seats: int = 30
    seat_allocation: SeatAllocation = "equal"
    seats_per_category: tuple[tuple[str, int], ...] = ()
    selection: Selection = "election"
    term_length: int = 20
    term_limit: int = 0
    stratified: bool = False
    decision_rule: DecisionRule = "weighted_mean"
    support_radius: float = 0.25
    consensus_threshold: float = 0.6
    inertia: float = 0.8
    epsilon: float = 0.3
    mu: float = 0.3
    accountability: float = 0.02
    voice_resource_exponent: float = 0.5
    presence_weight: float = 1.0
    participation_support: tuple[tuple[str, float], ...] = ()
    consultation_weight: float = 0.3
    outreach: float = 0.0
    transparency: float = 0.0
    cooling_off: int = 0
    rotation_tie_retention: float = 0.5
    recusal: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        check_choice("membership", self.membership, MEMBERSHIP_RULES)
        set_(self, "n_seats", check_int("n_seats", self.n_seats, 1, MAX_STAKEHOLDERS))
        check_choice("seat_allocation", self.seat_allocation, SEAT_ALLOCATIONS)
        seats = _as_mapping("seats_per_category", self.seats_per_category)
        seats = {str(k): check_int(f"seats_per_category[{k}]", v, 0) for k, v in seats.items()}
        set_(self, "seats_per_category", tuple(seats.items()))
        if self.seat_allocation == "explicit":
            if not seats:
                _fail("seats_per_category", {}, "must be given when seat_allocation='explicit'")
            if sum(seats.values()) != self.n_seats:
                _fail(
                    "seats_per_category",
                    seats,
                    f"must sum to n_seats={self.n_seats} (they sum to {sum(seats.values())})",
                )
        check_choice("selection", self.selection, SELECTION_RULES)
        set_(self, "term_length", check_int("term_length", self.term_length, 1))
        set_(self, "term_limit", check_int("term_limit", self.term_limit, 0))
        if not isinstance(self.stratified, (bool, np.bool_)):
            _fail("stratified", self.stratified, "must be true or false")
        set_(self, "stratified", bool(self.stratified))
        check_choice("decision_rule", self.decision_rule, DECISION_RULES)
        set_(
            self,
            "support_radius",
            check_float("support_radius", self.support_radius, 0, 10, lo_open=True),
        )
        set_(
            self,
            "consensus_threshold",
            check_float("consensus_threshold", self.consensus_threshold, 0, 1),
        )
        set_(self, "inertia", check_float("inertia", self.inertia, 0, 1, hi_open=True))
        set_(self, "epsilon", check_float("epsilon", self.epsilon, 0, 10))
        set_(self, "mu", check_float("mu", self.mu, 0, 0.5, lo_open=True))
        set_(self, "accountability", check_float("accountability", self.accountability, 0, 1))
        set_(
            self,
            "voice_resource_exponent",
            check_float("voice_resource_exponent", self.voice_resource_exponent, 0, 5),
        )
        set_(self, "presence_weight", check_float("presence_weight", self.presence_weight, 0, 100))
        support = _as_mapping("participation_support", self.participation_support)
        support = {
            str(k): check_float(f"participation_support[{k}]", v, 0, 1) for k, v in support.items()
        }
        set_(self, "participation_support", tuple(support.items()))
        set_(
            self,
            "consultation_weight",
            check_float("consultation_weight", self.consultation_weight, 0, 1),
        )
        set_(self, "outreach", check_float("outreach", self.outreach, 0, 1))
        set_(self, "transparency", check_float("transparency", self.transparency, 0, 1))
        set_(self, "cooling_off", check_int("cooling_off", self.cooling_off, 0))
        set_(
            self,
            "rotation_tie_retention",
            check_float("rotation_tie_retention", self.rotation_tie_retention, 0, 1),
        )
        if not isinstance(self.recusal, (bool, np.bool_)):
            _fail("recusal", self.recusal, "must be true or false")
        set_(self, "recusal", bool(self.recusal))

    @property
    def is_seated(self) -> bool:
        """Whether the forum has a seated body filled each term."""
        return self.membership in (
            "representative",
            "sortition",
            "representative_with_consultation",
        )

    @property
    def has_open_round(self) -> bool:
        """Whether self-selected attendees take part each round."""
        return self.membership in ("open", "open_with_support", "representative_with_consultation")


#: Support given by ``open_with_support`` when ``participation_support`` is empty: half the
#: participation cost is covered for the two low-resource categories of the default table.
DEFAULT_SUPPORT: tuple[tuple[str, float], ...] = (("grassroots", 0.5), ("civil_society", 0.5))


# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class Shock:
    """A scheduled change of context: at ``step`` the true positions of ``category`` move.

    Attributes:
        step: Step (1-based, as ``model.steps``) at which the shock happens.
        category: Category whose true positions move, or ``"all"``.
        shift: Displacement added to each true position (clipped to the space); a shorter
            tuple is padded with zeros.
    """

    step: int
    category: str
    shift: tuple[float, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "step", check_int("shock.step", self.step, 1))
        if not isinstance(self.category, str):
            _fail("shock.category", self.category, "must be a category name or 'all'")
        if isinstance(self.shift, str) or not isinstance(self.shift, (Sequence, np.ndarray)):
            _fail("shock.shift", self.shift, "must be a sequence of numbers in [-1, 1]")
        shift = tuple(check_float(f"shock.shift[{i}]", v, -1, 1) for i, v in enumerate(self.shift))
        object.__setattr__(self, "shift", shift)

    @classmethod
    def from_any(cls, value: Any) -> Shock:
        """Build from a ``Shock`` or a mapping with keys ``step``, ``category``, ``shift``."""
        if isinstance(value, Shock):
            return value
        if isinstance(value, Mapping):
            _reject_unknown(cls, value)
            try:
                return cls(
                    step=value["step"], category=value["category"], shift=tuple(value["shift"])
                )
            except KeyError as err:
                raise ValueError(f"shock {dict(value)!r} is missing key {err}") from None
        raise ValueError(f"shocks entry {value!r} is invalid: must be a Shock or a mapping")


@dataclass(frozen=True)
class ContextParams:
    """Context uncertainties: what the forum's designers do not control.

    Attributes:
        participation_cost: Cost of attending an open round, in logit units (MODEL.md §3.2).
        shocks: Scheduled shocks to true positions.
        drift: Standard deviation of a per-step random drift of every true position.
        selector_capture: Exogenous capture level of the selector/convener in [0, 1]; ``None``
            means it comes from the lobby's ties with the selector (endogenous; never for a
            ``sortition`` lottery, which leaves no discretion to capture).
        lobby_ideal: The lobby's ideal point, shared by all lobbyists; it also defines the
            direction of lobby bias.
        n_lobbyists: Number of lobbyists (each a ``Lobbyist`` agent).
        lobby_budget: Budget each lobbyist spends per step (0 = no lobbying).
        lobby_strategy: Whom lobbyists target among members: ``allies`` (advocating closest
            to the lobby ideal), ``swing`` (closest to the last proposal) or ``influential``
            (highest voice).
        lobby_focus: Share of the members each lobbyist targets per step (at least one).
        selector_spending: Share of each lobbyist's budget spent on the selector/convener.
        tie_cost: Spending that closes ``1 - 1/e`` (63%) of the gap to a full tie:
            ``tie += (1 - tie) * (1 - exp(-spend / tie_cost))``.
        tie_decay: Share of every tie lost per step.
        lobby_pull: Per-step pull of a full, unregistered tie on a member's advocated
            position toward the lobby ideal.
        astroturf_share: Share of an open round's room filled with participants paid by the
            lobby, who claim the most under-represented categories but advocate the lobby
            ideal (0 = none).
    """

    participation_cost: float = 1.0
    shocks: tuple[Shock, ...] = ()
    drift: float = 0.0
    selector_capture: float | None = None
    lobby_ideal: tuple[float, ...] = (0.9, 0.1)
    n_lobbyists: int = 1
    lobby_budget: float = 0.0
    lobby_strategy: LobbyStrategy = "allies"
    lobby_focus: float = 0.2
    selector_spending: float = 0.1
    tie_cost: float = 10.0
    tie_decay: float = 0.02
    lobby_pull: float = 0.2
    astroturf_share: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(
            self,
            "participation_cost",
            check_float("participation_cost", self.participation_cost, 0, 50),
        )
        shocks = self.shocks
        if isinstance(shocks, (Mapping, str)) or not isinstance(shocks, Sequence):
            _fail("shocks", shocks, "must be a list of shocks (step, category, shift)")
        set_(self, "shocks", tuple(Shock.from_any(s) for s in shocks))
        set_(self, "drift", check_float("drift", self.drift, 0, 1))
        if self.selector_capture is not None:
            set_(
                self,
                "selector_capture",
                check_float("selector_capture", self.selector_capture, 0, 1),
            )
        set_(self, "lobby_ideal", check_point("lobby_ideal", self.lobby_ideal))
        set_(self, "n_lobbyists", check_int("n_lobbyists", self.n_lobbyists, 0, 1000))
        set_(self, "lobby_budget", check_float("lobby_budget", self.lobby_budget, 0, 1e6))
        check_choice("lobby_strategy", self.lobby_strategy, LOBBY_STRATEGIES)
        set_(self, "lobby_focus", check_float("lobby_focus", self.lobby_focus, 0, 1, lo_open=True))
        set_(
            self,
            "selector_spending",
            check_float("selector_spending", self.selector_spending, 0, 1),
        )
        set_(self, "tie_cost", check_float("tie_cost", self.tie_cost, 0, 1e6, lo_open=True))
        set_(self, "tie_decay", check_float("tie_decay", self.tie_decay, 0, 1))
        set_(self, "lobby_pull", check_float("lobby_pull", self.lobby_pull, 0, 1))
        set_(
            self,
            "astroturf_share",
            check_float("astroturf_share", self.astroturf_share, 0, 0.9),
        )


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class SimulationParams:
    """How a run is observed and summarised.

    Attributes:
        n_steps: Steps run by :meth:`GovernanceModel.run` and by ``mesa.batch_run`` users
            who pass ``max_steps``; the model sets ``running = False`` after this many steps.
        viewpoint_radius: Radius within which a member's advocated position "covers" a
            stakeholder's true position (viewpoint coverage).
        viewpoint_sample: Size of the fixed random sample of stakeholders on which viewpoint
            coverage is estimated (all stakeholders if N is smaller).
        summary_burn_in: Share of the run discarded before averaging per-step metrics into
            per-run outcomes (0.5 = mean over the second half).
        adaptation_tolerance: A shock is absorbed once the congruence error is back within
            this distance of its pre-shock level.
        adaptation_window: Steps before a shock averaged into its pre-shock error level.
        strong_tie: Tie strength from which a member counts as captured (``captured_share``)
            and, with ``recusal``, is recused from decisions.
    """

    n_steps: int = 200
    viewpoint_radius: float = 0.1
    viewpoint_sample: int = 500
    summary_burn_in: float = 0.5
    adaptation_tolerance: float = 0.02
    adaptation_window: int = 10
    strong_tie: float = 0.5

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "n_steps", check_int("n_steps", self.n_steps, 1, 10_000_000))
        set_(
            self,
            "viewpoint_radius",
            check_float("viewpoint_radius", self.viewpoint_radius, 0, 10, lo_open=True),
        )
        set_(
            self,
            "viewpoint_sample",
            check_int("viewpoint_sample", self.viewpoint_sample, 1, 1_000_000),
        )
        set_(
            self,
            "summary_burn_in",
            check_float("summary_burn_in", self.summary_burn_in, 0, 1, hi_open=True),
        )
        set_(
            self,
            "adaptation_tolerance",
            check_float("adaptation_tolerance", self.adaptation_tolerance, 0, 10, lo_open=True),
        )
        set_(self, "adaptation_window", check_int("adaptation_window", self.adaptation_window, 1))
        set_(
            self,
            "strong_tie",
            check_float("strong_tie", self.strong_tie, 0, 1, lo_open=True),
        )


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
        if des.is_seated:
            if des.n_seats > pop.n_stakeholders:
                _fail(
                    "n_seats",
                    des.n_seats,
                    f"must not exceed n_stakeholders={pop.n_stakeholders}",
                )
            if des.membership != "sortition" or des.stratified:
                seats = self.seats_by_category()
                for g, (n_seat, n_pop) in enumerate(zip(seats, counts, strict=True)):
                    if n_seat > n_pop:
                        _fail(
                            "n_seats",
                            des.n_seats,
                            f"allocates {n_seat} seats to {names[g]!r}, which has only {n_pop} "
                            f"stakeholders at n_stakeholders={pop.n_stakeholders}",
                        )

    def seats_by_category(self) -> np.ndarray:
        """Seats per category code under the design's seat-allocation rule."""
        des, pop = self.design, self.population
        k = len(pop.categories)
        if des.membership == "sortition":
            shares = np.array([c.share for c in pop.categories])
            return largest_remainder(shares, des.n_seats)
        if des.seat_allocation == "equal":
            return largest_remainder(np.ones(k), des.n_seats)
        if des.seat_allocation == "proportional":
            return largest_remainder(np.array([c.share for c in pop.categories]), des.n_seats)
        explicit = dict(des.seats_per_category)
        return np.array([explicit.get(name, 0) for name in pop.category_names], dtype=np.int64)

    def support_by_category(self) -> np.ndarray:
        """Participation support per category code (``open_with_support`` has a default)."""
        support = dict(self.design.participation_support)
        if not support and self.design.membership == "open_with_support":
            support = {k: v for k, v in DEFAULT_SUPPORT if k in self.population.category_names}
        return np.array([support.get(n, 0.0) for n in self.population.category_names])

    @classmethod
    def from_flat(cls, **kwargs: Any) -> Params:
        """Build from flat keywords such as ``n_seats=40, membership='open'``.

        The four group objects may also be passed by name (``design=DesignParams(...)``);
        flat keywords then override their fields. Unknown keywords raise ``ValueError``
        with the closest valid name.
        """
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
                valid = sorted(FIELD_GROUP) + sorted(GROUPS)
                close = difflib.get_close_matches(key, valid, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
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
