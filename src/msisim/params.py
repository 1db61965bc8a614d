"""Typed, frozen, self-validating parameters, each declared once.

Parameters fall into four groups, kept apart as in the EMA Workbench vocabulary:

* :class:`PopulationParams` — who the stakeholders are (the category table of docs/ODD.md §2.5)
  and how they behave (attendance and engagement coefficients; declared in
  :mod:`msisim.population_params`);
* :class:`DesignParams` — the *design levers* a forum's founders choose (membership rule,
  seats, selection, terms, decision rule, deliberation settings, participation support);
* :class:`ContextParams` — *context uncertainties* nobody in the forum controls
  (participation cost, shocks, drift, the selector's exogenous capture, the lobby);
* :class:`SimulationParams` — how a run is observed and summarised.

Every field is declared once with :func:`~msisim.validation.parameter`: its default, its
bounds or its choices (a rule registry of :mod:`msisim.rules`) and a one-line meaning. One
generic validator (:func:`~msisim.validation.validate_group`) checks every group from those
declarations; the Hydra schema of ``msisim run``, the ODD check and the docs read the same
declarations (:func:`parameter_table`).

:class:`Params` bundles the four, converts to and from *flat keywords* (so that every
parameter can be passed as ``GovernanceModel(n_seats=40, epsilon=0.2, ...)``) and derives the
seats of the design. Every value is checked when the object is built: a wrong one raises
:class:`ValueError` naming the parameter, the value and what is allowed, before any simulation
starts. What a counterfactual twin's parameters are is said in :mod:`msisim.counterfactual`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from msisim.apportionment import largest_remainder
from msisim.population_params import (
    DEFAULT_CATEGORIES,
    MAX_DIMS,
    MAX_STAKEHOLDERS,
    CategorySpec,
    GroupSpec,
    PopulationParams,
    categories_from_groups,
)
from msisim.registry import did_you_mean
from msisim.rules.decision import DECISION_RULES, PARTIES
from msisim.rules.deliberation import DELIBERATION_FORMATS
from msisim.rules.lobbying import STRATEGIES
from msisim.rules.membership import (
    MEMBERSHIP_RULES,
    SEAT_ALLOCATIONS,
    SELECTION_RULES,
    MembershipRule,
    SeatPool,
)
from msisim.validation import (
    ParamSpec,
    as_mapping,
    check_choice,
    check_float,
    check_int,
    fail,
    parameter,
    reject_unknown_keys,
    spec_of,
    validate_group,
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "FIELD_GROUP",
    "GROUPS",
    "LOBBY_ACTION_FIELDS",
    "MAX_DIMS",
    "MAX_STAKEHOLDERS",
    "PARAMETER_GROUPS",
    "PARLIAMENT_DECISION_RULES",
    "PARLIAMENT_ONLY",
    "CategorySpec",
    "ContextParams",
    "DesignParams",
    "GroupSpec",
    "Lobby",
    "ParamSpec",
    "Params",
    "ParliamentParams",
    "PopulationParams",
    "Shock",
    "SimulationParams",
    "categories_from_groups",
    "largest_remainder",
    "parameter",
    "parameter_table",
]


# --------------------------------------------------------------------------- converters


def _seat_counts(name: str, value: Any) -> tuple[tuple[str, int], ...]:
    seats = as_mapping(name, value)
    return tuple((str(k), check_int(f"{name}[{k}]", v, 0)) for k, v in seats.items())


def _party_names(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        fail(name, value, f"must be a list of party names from {', '.join(map(repr, PARTIES))}")
    names = tuple(check_choice(f"{name}[{i}]", v, PARTIES) for i, v in enumerate(value))
    if len(set(names)) != len(names):
        fail(name, value, "must name each party once")
    return names


def _support_levels(name: str, value: Any) -> tuple[tuple[str, float], ...]:
    support = as_mapping(name, value)
    return tuple((str(k), check_float(f"{name}[{k}]", v, 0, 1)) for k, v in support.items())


def _lobby_list(name: str, value: Any) -> tuple[Lobby, ...]:
    if isinstance(value, (Mapping, str)) or not isinstance(value, Sequence):
        fail(name, value, "must be a list of lobbies (name, ideal, budget[, strategy])")
    lobbies = tuple(Lobby.from_any(x) for x in value)
    names = [x.name for x in lobbies]
    if len(set(names)) != len(names):
        fail(name, names, "must name each lobby once")
    return lobbies


def _shock_list(name: str, value: Any) -> tuple[Shock, ...]:
    if isinstance(value, (Mapping, str)) or not isinstance(value, Sequence):
        fail(name, value, "must be a list of shocks (step, category, shift)")
    return tuple(Shock.from_any(s) for s in value)


# --------------------------------------------------------------------------- groups


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
        "(representative_with_lottery)",
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
        "per-step pull of members' advocated positions toward what they answer to: a "
        "representative's constituency signal (its category's engagement-weighted expressed "
        "positions), anyone else's own interest",
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
                fail("seats_per_category", {}, "must be given when seat_allocation='explicit'")
            if sum(seats.values()) != self.n_seats:
                fail(
                    "seats_per_category",
                    seats,
                    f"must sum to n_seats={self.n_seats} (they sum to {sum(seats.values())})",
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
            fail("shock.category", self.category, "must be a category name or 'all'")
        if isinstance(self.shift, str) or not isinstance(self.shift, (Sequence, np.ndarray)):
            fail("shock.shift", self.shift, "must be a sequence of numbers in [-1, 1]")
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
            reject_unknown_keys(cls, value)
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
class Lobby:
    """A further lobby competing with the main one (``lobbies``): one actor with its own ideal.

    The main lobby is described by ``lobby_ideal``, ``lobby_budget`` and ``lobby_strategy``;
    every further lobby shares its other settings (tie prices, decay, pull, focus).

    Attributes:
        name: A name of its own (not ``lobby``, the main lobby's), used in outcome records.
        ideal: Its ideal point (``n_dims`` coordinates in [0, 1]).
        budget: Its total spend per step (>= 0).
        strategy: How it spends (a registered strategy); ``None`` = the main lobby's.
    """

    name: str
    ideal: tuple[float, ...]
    budget: float
    strategy: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            fail("lobby.name", self.name, "must be a name (letters, digits, underscores)")
        if self.name == "lobby":
            fail("lobby.name", self.name, "'lobby' is the main lobby's name; choose another")
        if isinstance(self.ideal, str) or not isinstance(self.ideal, (Sequence, np.ndarray)):
            fail(f"lobbies.{self.name}.ideal", self.ideal, "must be a point in [0, 1]^n_dims")
        ideal = tuple(
            check_float(f"lobbies.{self.name}.ideal[{i}]", v, 0, 1)
            for i, v in enumerate(self.ideal)
        )
        object.__setattr__(self, "ideal", ideal)
        budget = check_float(f"lobbies.{self.name}.budget", self.budget, 0.0, 1e6)
        object.__setattr__(self, "budget", budget)
        if self.strategy is not None:
            check_choice(f"lobbies.{self.name}.strategy", self.strategy, tuple(STRATEGIES))

    @classmethod
    def from_any(cls, value: Any) -> Lobby:
        """Build from a ``Lobby`` or a mapping (``name``, ``ideal``, ``budget``, ``strategy``)."""
        if isinstance(value, Lobby):
            return value
        if isinstance(value, Mapping):
            reject_unknown_keys(cls, value)
            try:
                return cls(
                    name=value["name"],
                    ideal=tuple(value["ideal"]),
                    budget=value["budget"],
                    strategy=value.get("strategy"),
                )
            except KeyError as err:
                raise ValueError(f"lobby {dict(value)!r} is missing key {err}") from None
        raise ValueError(f"lobbies entry {value!r} is invalid: must be a Lobby or a mapping")


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
    n_lobbyists: int = parameter(
        1,
        "number of lobbyist agents of the main lobby; they share its budget and its ties (the "
        "lobby acts as one actor, so the number changes nothing but 0 = no lobby)",
        lo=0,
        hi=1000,
    )
    lobby_budget: float = parameter(
        0.0,
        "the main lobby's total spend per step, shared by its lobbyists (0 = no lobbying)",
        lo=0.0,
        hi=1e6,
    )
    lobbies: tuple[Lobby, ...] = parameter(
        (),
        "further lobbies competing with the main one, each one actor with its own name, ideal, "
        "budget per step and optionally strategy, e.g. a civil-society counter-lobby",
        convert=_lobby_list,
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
        0.2, "fixed strategies: share of the members a lobby targets per step (at least "
        "one)", lo=0.0,
        hi=1.0, lo_open=True,
    )  # fmt: skip
    selector_spending: float = parameter(
        0.1,
        "fixed strategies: share of a lobby's budget spent on the selector/convener "
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
    selector_tie_cost: float | None = parameter(
        None,
        "the selector's or convener's tie price: spending on it that closes 63% of the gap to a "
        "full tie with it (null = tie_cost, a member's price)",
        lo=1e-6,
        hi=1e6,
        kind="optional_float",
    )
    lobby_targets_selector: bool = parameter(
        True,
        "whether the lobby may court the selector/convener at all (false: every strategy "
        "spends its whole budget on members)",
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
        """Whether some lobby spends: the main one (lobbyists and a budget) or a further one."""
        main = self.n_lobbyists > 0 and self.lobby_budget > 0
        return main or any(x.budget > 0 for x in self.lobbies)

    @property
    def selector_price(self) -> float:
        """What a tie with the selector/convener costs: ``selector_tie_cost``, else ``tie_cost``."""
        return self.tie_cost if self.selector_tie_cost is None else self.selector_tie_cost

    @property
    def lobby_acts(self) -> bool:
        """Whether a lobby acts: a funded lobby, or an exogenous selector capture."""
        return self.lobby_funded or self.selector_capture is not None


#: Context fields that only a lobby's actions read (how it targets, spends, ties and pulls).
#: A run where no lobby acts ignores them, so its no-lobby twin sets them to their defaults
#: (:func:`msisim.counterfactual.without_lobby`): runs that differ only in them share one twin.
LOBBY_ACTION_FIELDS: tuple[str, ...] = (
    "lobby_strategy",
    "lobby_focus",
    "selector_spending",
    "tie_cost",
    "selector_tie_cost",
    "lobby_targets_selector",
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
                fail(name, getattr(self, name), f"must be a {cls.__name__}")
        pop, des, ctx = self.population, self.design, self.context
        names = pop.category_names
        counts = pop.category_counts()
        d = pop.n_dims
        if len(ctx.lobby_ideal) != d:
            fail("lobby_ideal", ctx.lobby_ideal, f"must have n_dims={d} coordinates")
        for lobby in ctx.lobbies:
            if len(lobby.ideal) != d:
                where = f"lobbies.{lobby.name}.ideal"
                fail(where, lobby.ideal, f"must have n_dims={d} coordinates")
        for field_name in ("seats_per_category", "participation_support"):
            for key, _ in getattr(des, field_name):
                if key not in names:
                    raise ValueError(
                        f"{field_name} names unknown category {key!r}; "
                        f"categories are: {', '.join(names)}"
                    )
        for shock in ctx.shocks:
            if shock.category != "all" and shock.category not in names:
                fail(
                    "shock.category", shock.category, f"must be 'all' or one of {', '.join(names)}"
                )
            if len(shock.shift) > d:
                fail("shock.shift", shock.shift, f"has more coordinates than n_dims={d}")
        if des.is_seated:
            pools = self.seat_pools()
            total = sum(p.seats for p in pools)
            if total > pop.n_stakeholders:
                in_all = "" if total == des.n_seats else f" (the body has {total} seats in all)"
                fail(
                    "n_seats",
                    des.n_seats,
                    f"must not exceed n_stakeholders={pop.n_stakeholders}{in_all}",
                )
            for pool in pools:
                if pool.category is None:
                    continue
                n_pop = counts[pool.category]
                if pool.seats > n_pop:
                    fail(
                        "n_seats",
                        des.n_seats,
                        f"allocates {pool.seats} seats to {names[pool.category]!r}, which has "
                        f"only {n_pop} stakeholders at n_stakeholders={pop.n_stakeholders}",
                    )

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
        if kwargs.get("decision_rule") in PARLIAMENT_DECISION_RULES:
            rule = kwargs["decision_rule"]
            fail(
                "decision_rule",
                rule,
                f"{rule} votes acts in a parliament, not in a forum: choose model kind "
                "'parliament' (model: parliament, msisim.Parliament)",
            )
        groups: dict[str, dict[str, Any]] = {g: {} for g in GROUPS}
        base: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in GROUPS:
                if not isinstance(value, GROUPS[key]):
                    fail(key, value, f"must be a {GROUPS[key].__name__}")
                base[key] = value
            elif key in FIELD_GROUP:
                groups[FIELD_GROUP[key]][key] = value
            elif key in PARLIAMENT_ONLY:
                raise ValueError(
                    f"{key!r} is a parliament parameter, which a forum does not read: choose "
                    "model kind 'parliament' (model: parliament, msisim.Parliament)"
                )
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


# --------------------------------------------------------------------------- parliament


#: Rules by which a parliament votes acts (:func:`msisim.rules.decision.proposal_vote`).
PARLIAMENT_DECISION_RULES: tuple[str, ...] = ("proposal_vote",)


@dataclass(frozen=True)
class ParliamentParams:
    """A parliament's parameters: the chamber of Pluchino et al. (2011) (docs/ODD.md §7.8).

    The parliament (:class:`msisim.parliament.Parliament`, model kind ``parliament``) has no
    population, lobby or deliberation: a forum's parameters mean nothing to it and are refused,
    and its own (party seats, discipline, tolerance radius, acts) are refused by a forum. Names
    shared with a forum (``n_seats``, ``lottery_seats``, ``decision_rule``, ``n_steps``) have the
    parliament's meaning here: its lottery seats are *part of* its ``n_seats``.
    """

    decision_rule: str = parameter(
        "proposal_vote",
        "how the chamber votes acts: proposal_vote (members propose acts and vote by their "
        "acceptance windows; Pluchino et al. 2011)",
        choices=PARLIAMENT_DECISION_RULES,
    )
    n_seats: int = parameter(30, "seats of the chamber", lo=1, hi=MAX_STAKEHOLDERS)
    lottery_seats: int = parameter(
        0,
        "seats of n_seats that go to independents drawn by lot each legislature",
        lo=0,
        hi=MAX_STAKEHOLDERS,
    )
    majority_share: float = parameter(
        0.6,
        "p: share of the party seats held by the majority party",
        lo=0.5,
        hi=1.0,
    )
    party_discipline: tuple[str, ...] = parameter(
        ("majority", "minority"),
        "parties whose members vote as a bloc, by the party's acceptance window (the others "
        "vote on their own)",
        convert=_party_names,
    )
    party_radius: float = parameter(
        0.1,
        "radius of a party's circle of tolerance in the Cipolla plane [-1, 1]^2",
        lo=0.0,
        hi=1.0,
    )
    n_proposals: int = parameter(
        1000, "acts proposed and voted in each legislature", lo=1, hi=10**6
    )
    n_steps: int = parameter(200, "legislatures of run(), one per step", lo=1, hi=10_000_000)

    def __post_init__(self) -> None:
        validate_group(self)
        if self.lottery_seats > self.n_seats:
            fail(
                "lottery_seats",
                self.lottery_seats,
                f"must be <= n_seats={self.n_seats}: a parliament's lottery seats are part of "
                "its n_seats",
            )

    @classmethod
    def from_flat(cls, **kwargs: Any) -> ParliamentParams:
        """Build from flat keywords (``n_seats=500, lottery_seats=140``); a forum's are refused."""
        names = [f.name for f in fields(cls)]
        for key in kwargs:
            if key in names:
                continue
            if key in FIELD_GROUP:
                raise ValueError(
                    f"{key!r} is a forum parameter, which a parliament (model kind 'parliament') "
                    f"does not read; its parameters: {', '.join(names)}"
                )
            raise ValueError(
                f"unknown parameter {key!r}{did_you_mean(key, names)}; a parliament's "
                f"parameters: {', '.join(names)}"
            )
        return cls(**kwargs)

    def to_flat(self) -> dict[str, Any]:
        """All parameters as one flat mapping (the inverse of :meth:`from_flat`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


#: The parliament's parameters that a forum does not have.
PARLIAMENT_ONLY: tuple[str, ...] = tuple(
    f.name for f in fields(ParliamentParams) if f.name not in FIELD_GROUP
)

#: Every declared parameter group of every model kind, by name (a forum's four, then the
#: parliament's); a name declared by two kinds is listed under the first.
PARAMETER_GROUPS: dict[str, type] = {**GROUPS, "parliament": ParliamentParams}


def _with_stakeholder_map(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Flat keywords with ``stakeholder_map`` replaced by the population it describes."""
    # imported here: reading maps needs pandas, which a bare ``import msisim.params`` need not load
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
    """Every parameter of every model kind as a row: ``name, group, default, kind, allowed, doc``.

    Read by the Hydra schema of ``msisim run``, ``msisim run --help``, the ODD check and
    the docs, so that a parameter is described once, in its field.
    """
    rows = []
    for group, cls in PARAMETER_GROUPS.items():
        for f in fields(cls):
            if group not in GROUPS and f.name in FIELD_GROUP:
                continue  # a name a forum declares too: listed once, under the forum's group
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
