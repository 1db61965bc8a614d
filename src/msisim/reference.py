"""Reference implementation: the rules of :class:`~msisim.model.GovernanceModel`, per agent.

The fast model keeps stakeholders as arrays and applies each rule to all of them at once.
This module writes the same rules the plain Mesa way, to check the fast model against
(docking, Axtell et al. 1996) and to measure what the arrays buy (``benchmarks/``):

* every stakeholder is a :class:`ReferenceStakeholder` (a ``mesa.Agent``) holding its own
  attributes as Python numbers and lists, and deciding for itself (attending, standing for a
  seat, exchanging arguments with a partner, feeling its lobby ties, updating engagement);
* every lobbyist is a :class:`ReferenceLobbyist` that picks its targets and spends its
  budget; its ties are stored on the stakeholders it is tied to;
* the model's ``step()`` runs the protocol of docs/ODD.md §3 as loops over agents, pair by pair
  and tie by tie. Nothing is vectorised; the per-step metrics are the pure functions of
  :mod:`msisim.metrics`, fed with arrays collected from the agents.

It takes the same parameter objects (:class:`~msisim.params.Params`, or flat keywords) and
implements the core rules and lobbying (ties, decay, pull, targeting strategies, selector
capture, gatekeeping, rotation and cooling-off, recusal, transparency). Paid participants
(``astroturf_share > 0``) are not implemented and raise ``ValueError``.

Its random draws use the model's stdlib generator (``model.random``, the Mesa idiom for
per-agent draws), in a different order from the fast model, so the two agree in
distribution, not run by run.

Reference:
    Axtell, R., Axelrod, R., Epstein, J. M., & Cohen, M. D. (1996). Aligning simulation
    models: a case study and results. Computational and Mathematical Organization Theory,
    1(2), 123-141.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

import mesa
import numpy as np

from msisim import metrics
from msisim.params import Params
from msisim.rules.decision import DECISION_RULES
from msisim.rules.lobbying import STRATEGIES, TargetingContext, choose_targets
from msisim.rules.membership import SELECTION_RULES, SelectionContext

#: Presence is an exponential moving average of membership (same constant as the fast model).
PRESENCE_RATE = 0.1

#: Named rules this per-agent implementation writes out by hand, as an independent check of the
#: fast model. Membership rules are asked through their protocol (seat pools, eligibility,
#: voice, accountability: :class:`~msisim.rules.membership.MembershipRule`), so every registered
#: membership rule, a plugin's too, is implemented. Selection rules and lobby strategies other
#: than these are asked for their scores (:class:`~msisim.rules.membership.SelectionRule`,
#: :class:`~msisim.rules.lobbying.LobbyStrategy`), except a strategy that allocates the whole
#: budget itself (the adaptive lobby).
IMPLEMENTED: dict[str, tuple[str, ...]] = {
    "selection": ("random", "election", "merit"),
    "decision_rule": ("weighted_mean", "majority", "consensus"),
    "lobby_strategy": ("allies", "swing", "influential"),
    "selector_information": ("advocated", "true"),
    "deliberation": ("pairs",),
}


def implements(params: Params) -> str | None:
    """Why the reference model cannot run ``params`` (a named rule it lacks), or ``None``."""
    flat = params.to_flat()
    lobby_acts = params.context.lobby_budget > 0 and params.context.n_lobbyists > 0
    if params.context.lobbies:
        return "lobbies (further lobbies) is not implemented by the reference model"
    for parameter, names in IMPLEMENTED.items():
        if parameter == "lobby_strategy" and not lobby_acts:
            continue  # a strategy nobody follows
        if parameter == "lobby_strategy" and not STRATEGIES[flat[parameter]].allocates:
            continue  # asked for its scores
        if parameter == "selection":
            continue  # the built-in rules are written out; any other is asked for its scores
        if parameter == "decision_rule" and hasattr(DECISION_RULES[flat[parameter]], "decide"):
            continue  # the built-in rules are written out; any other is asked to decide
        if flat[parameter] not in names:
            return (
                f"{parameter}={flat[parameter]!r} is not implemented by the reference model "
                f"(it implements {', '.join(names)})"
            )
    if params.context.astroturf_share > 0:
        return "astroturf_share > 0 is not implemented by the reference model"
    if any(s.jitter for s in params.context.shocks):
        return "shocks with jitter > 0 are not implemented by the reference model"
    if params.population.groups:
        return "groups (a stakeholder map) are not implemented by the reference model"
    return None


#: Outcomes of :meth:`ReferenceModel.summary` (a subset of the fast model's, same names).
OUTCOMES: tuple[str, ...] = (
    "n_members", "rose", "rose_voice", "grassroots_share", "grassroots_voice_share",
    "voice_gini", "viewpoint_coverage", "congruence_error", "mean_citizen_distance",
    "congruence", "policy_congruence", "lobby_bias", "captured_share", "mean_tie",
    "selection_odds_ratio", "selector_capture", "gridlock_rate", "mean_engagement",
)  # fmt: skip


def _clip(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return min(max(value, low), high)


def _toward(point: list[float], target: list[float], rate: float) -> list[float]:
    """``point + rate * (target - point)``, coordinate by coordinate."""
    return [p + rate * (t - p) for p, t in zip(point, target, strict=True)]


def _percentile_ranks(scores: list[float]) -> list[float]:
    """Rank of each score scaled to [0, 1] (0 = smallest); ties keep list order."""
    n = len(scores)
    if n <= 1:
        return [1.0] * n
    ranks = [0.0] * n
    for rank, i in enumerate(sorted(range(n), key=lambda i: scores[i])):
        ranks[i] = rank / (n - 1)
    return ranks


class ReferenceStakeholder(mesa.Agent):
    """A stakeholder holding its own state and deciding for itself.

    Attributes:
        category_code: Index of the category in the category table.
        category: Category name.
        position: True interest in policy space (list of d floats).
        advocated: Position argued and voted for (list of d floats).
        resources: Time, money and civic skills.
        affectedness: How strongly decisions touch the stakeholder, in [0, 1].
        engagement: Propensity to take part, in [0, 1].
        baseline_engagement: The category's baseline engagement.
        base_voice: ``resources ** voice_resource_exponent``.
        support: Participation subsidy of the stakeholder's category.
        tie: Tie strength with the lobby (its lobbyists share it).
        cooling_until: Step until which the stakeholder cannot be lobbied.
        is_member: In the forum this round.
        is_seated: Holds a seat in the seated body.
        is_attending: Came to this round's open session (before gatekeeping).
        is_excluded: Turned away by the convener this round.
        steps_forward: Stood as a candidate at the last seat selection.
        terms_served: Consecutive terms served.
        presence: Exponential moving average of membership.
        voice: Voice weight this round (0 outside the forum).
        distance_to_policy: Distance of the true position to the policy after the last decision.
    """

    model: ReferenceModel

    def __init__(
        self,
        model: ReferenceModel,
        category_code: int,
        position: list[float],
        resources: float,
    ) -> None:
        super().__init__(model)
        spec = model.params.population.categories[category_code]
        self.index = len(model.people)  # its place in model.people (appended next)
        self.category_code = category_code
        self.category = spec.name
        self.position = position
        self.advocated = list(position)
        self.resources = resources
        self.affectedness = spec.affectedness
        self.engagement = spec.engagement
        self.baseline_engagement = spec.engagement
        self.base_voice = resources**model.params.design.voice_resource_exponent
        self.support = float(model.support_by_category[category_code])
        self.tie = 0.0  # with the lobby (its lobbyists share it)
        self.cooling_until = 0
        self.is_member = False
        self.is_seated = False
        self.is_attending = False
        self.is_excluded = False
        self.steps_forward = False
        self.terms_served = 0
        self.presence = 0.0
        self.voice = 0.0
        self.distance_to_policy = 0.0
        self.shock_displacement = 0.0

    # ------------------------------------------------------------------ context

    def drift(self, sd: float) -> None:
        """Add ``N(0, sd^2)`` to each coordinate of the true position, clipped to [0, 1]."""
        self.position = [_clip(x + self.random.gauss(0.0, sd)) for x in self.position]

    def shift(self, shift: list[float]) -> None:
        """Move the true position by ``shift``, clipped to [0, 1]."""
        self.position = [_clip(x + s) for x, s in zip(self.position, shift, strict=True)]

    # ------------------------------------------------------------------ membership

    def consider_standing(self, engaged_only: bool) -> None:
        """Stand for a seat with probability equal to engagement (always, for a lottery)."""
        self.steps_forward = self.random.random() < self.engagement if engaged_only else True

    def may_serve(self) -> bool:
        """Whether the membership rule lets this stakeholder take a seat at this selection."""
        return self.index in self.model.eligible

    def attendance_probability(self) -> float:
        """``sigmoid(b0 + b_e e + b_r log(resources) + b_a affectedness - cost (1 - support))``."""
        pop = self.model.params.population
        logit = (
            pop.attendance_intercept
            + pop.attendance_engagement * self.engagement
            + pop.attendance_resources * math.log(self.resources)
            + pop.attendance_affectedness * self.affectedness
            - self.model.params.context.participation_cost * (1.0 - self.support)
        )
        return 1.0 / (1.0 + math.exp(-logit))

    def decide_attendance(self, chance: float) -> None:
        """Attend this round's open session with the chance the membership rule gives."""
        self.is_attending = chance > 0 and self.random.random() < chance

    def face_gatekeeper(self, capture: float) -> None:
        """An attendee is turned away with probability ``capture * |a - L| / D``.

        ``D`` is the farthest a point of the unit cube can be from the lobby ideal ``L``.
        """
        self.is_excluded = False
        if not self.is_attending or capture <= 0:
            return
        lobby = self.model.lobby_ideal
        farthest = math.sqrt(sum(max(x, 1.0 - x) ** 2 for x in lobby))
        nonconformity = _clip(math.dist(self.advocated, lobby) / farthest) if farthest > 0 else 0
        self.is_excluded = self.random.random() < capture * nonconformity

    def leave_seat(self) -> None:
        """On leaving a seat, ties are cut (cooling-off) or weakened (retention)."""
        des = self.model.params.design
        keep = 0.0 if des.cooling_off > 0 else des.rotation_tie_retention
        self.tie *= keep
        if des.cooling_off > 0:
            self.cooling_until = self.model.steps + des.cooling_off

    # ------------------------------------------------------------------ lobbying

    def decay_ties(self, decay: float) -> None:
        """The tie loses the share ``decay`` of its strength."""
        self.tie *= 1.0 - decay

    def combined_tie(self) -> float:
        """Tie with the lobby (one actor, whose lobbyists share it)."""
        return self.tie

    def feel_lobby_pull(self) -> None:
        """A member argues the lobby's case: ``a += pull * tie * (1 - transparency) * (L - a)``."""
        if not self.is_member:
            return
        ctx, des = self.model.params.context, self.model.params.design
        force = ctx.lobby_pull * (1.0 - des.transparency) * self.combined_tie()
        self.advocated = _toward(self.advocated, self.model.lobby_ideal, force)

    # ------------------------------------------------------------------ deliberation

    def update_presence(self) -> None:
        """Presence tracks membership (its voice is then the rule's, see ``deliberate``)."""
        self.presence += PRESENCE_RATE * (float(self.is_member) - self.presence)

    def exchange(self, other: ReferenceStakeholder) -> None:
        """Deffuant exchange with ``other`` if their advocated positions are within epsilon.

        ``x_i += mu * 2 v_j / (v_i + v_j) * (x_j - x_i)`` and symmetrically for ``j``, both
        computed from the positions before the exchange.
        """
        des = self.model.params.design
        if math.dist(self.advocated, other.advocated) >= des.epsilon:
            return
        total = self.voice + other.voice
        w_self = 2.0 * other.voice / total if total > 0 else 1.0
        w_other = 2.0 * self.voice / total if total > 0 else 1.0
        mine, theirs = self.advocated, other.advocated
        self.advocated = _toward(mine, theirs, des.mu * w_self)
        other.advocated = _toward(theirs, mine, des.mu * w_other)

    def answer_to_constituency(self) -> None:
        """Expressed positions move toward what each stakeholder answers to.

        A member moves at ``accountability``: a representative toward its category's
        constituency signal (the engagement-weighted mean of the expressed positions of the
        category's stakeholders who are not seated, ``model.signals``), anyone else toward
        their own interest. A non-member expresses its own interest at ``expression_rate``.
        """
        model = self.model
        if not self.is_member:
            rate = model.params.population.expression_rate
            if rate > 0:
                self.advocated = _toward(self.advocated, self.position, rate)
            return
        rate = model.params.design.accountability
        if rate <= 0:
            return
        anchor = self.position
        if self.index in model.category_answerers:
            signal = model.signals[self.category_code]
            if signal is not None:
                anchor = signal
        self.advocated = _toward(self.advocated, anchor, rate)

    # ------------------------------------------------------------------ engagement

    def update_engagement(self) -> None:
        """Efficacy feedback, exclusion penalty and reversion to the baseline, clipped to [0, 1].

        ``e += rate * clip((d_before - d_after) / scale, -1, 1) - penalty * excluded
        + reversion * (baseline - e)``; in a step with a shock, then
        ``e += mobilisation * |distance the shock moved one's interest|`` (clipped again).
        """
        pop = self.model.params.population
        before = self.distance_to_policy
        self.distance_to_policy = math.dist(self.position, self.model.policy)
        gain = _clip((before - self.distance_to_policy) / pop.engagement_scale, -1.0, 1.0)
        self.engagement = _clip(
            self.engagement
            + pop.engagement_rate * gain
            - pop.exclusion_penalty * float(self.is_excluded)
            + pop.engagement_reversion * (self.baseline_engagement - self.engagement)
        )
        if self.model.shocked_now and pop.mobilisation > 0:  # a shock mobilises the affected
            self.engagement = _clip(self.engagement + pop.mobilisation * self.shock_displacement)


class ReferenceLobbyist(mesa.Agent):
    """A lobbyist: spends its share of the lobby's budget on the selector and on members.

    The lobby acts as one actor: its lobbyists share its ties (each stakeholder's ``tie``, the
    model's ``selector_tie``) and its budget (``lobby_budget / n_lobbyists`` each).
    """

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    def score(self, member: ReferenceStakeholder) -> float:
        """How much a built-in strategy wants to target ``member`` (higher first)."""
        strategy, model = self.model.params.context.lobby_strategy, self.model
        if strategy == "allies":
            return -math.dist(member.advocated, model.lobby_ideal)
        if strategy == "swing":
            return -math.dist(member.advocated, model.proposal)
        return member.base_voice  # influential

    def targets(self, reachable: list[ReferenceStakeholder], n: int) -> list[ReferenceStakeholder]:
        """The ``n`` members the strategy targets first, ties broken by stakeholder order.

        The built-in strategies are written out by hand (:meth:`score`); any other is asked
        for its scores of the reachable members (:class:`~msisim.rules.lobbying.LobbyStrategy`).
        """
        name, model = self.model.params.context.lobby_strategy, self.model
        if name in IMPLEMENTED["lobby_strategy"]:
            return sorted(reachable, key=self.score, reverse=True)[:n]
        context = TargetingContext(
            advocated=np.array([s.advocated for s in reachable]),
            base_voice=np.array([s.base_voice for s in reachable]),
            category=np.array([s.category_code for s in reachable]),
            seated=np.array([s.is_seated for s in reachable]),
            proposal=np.array(model.proposal),
            lobby_ideal=np.array(model.lobby_ideal),
            category_names=tuple(model.category_names),
        )
        rows = choose_targets(STRATEGIES[name], context, 1.0)[:n]
        return [reachable[i] for i in rows.tolist()]

    def spend(self) -> None:
        """Invest ``selector_spending`` of the budget in the selector, the rest in targets.

        Each investment closes a share ``1 - exp(-spend / tie_cost)`` of the gap to a full
        tie. Targets are the top ``max(1, ceil(focus * m))`` of the ``m`` lobbyable members
        (not cooling off), ties broken by stakeholder order.
        """
        ctx, model = self.model.params.context, self.model
        share = ctx.lobby_budget / ctx.n_lobbyists
        to_selector = ctx.selector_spending if ctx.lobby_targets_selector else 0.0
        gain = 1.0 - math.exp(-share * to_selector / ctx.selector_price)
        model.selector_tie += (1.0 - model.selector_tie) * gain
        reachable = [s for s in model.members if s.cooling_until <= model.steps]
        member_budget = share * (1.0 - to_selector)
        if not reachable or member_budget <= 0:
            return
        n_targets = max(1, math.ceil(ctx.lobby_focus * len(reachable)))
        targets = self.targets(reachable, n_targets)
        gain = 1.0 - math.exp(-member_budget / n_targets / ctx.tie_cost)
        for member in targets:
            member.tie += (1.0 - member.tie) * gain


class ReferenceModel(mesa.Model):
    """The forum, its population and the lobby, as per-agent Python (see the module docstring).

    Example:
        >>> m = ReferenceModel(membership="open", n_stakeholders=200, rng=7)
        >>> m.run_for(50)
        >>> outcomes = m.summary()

    Args:
        params: A complete parameter set (flat keywords then override its fields).
        rng: Seed or generator (Mesa 3.5 semantics); the draws use ``self.random``.
        **kwargs: Flat parameters or parameter groups, as for ``GovernanceModel``.

    Raises:
        ValueError: For invalid parameters, or paid participants (``astroturf_share > 0``).
    """

    def __init__(self, params: Params | None = None, *, rng: Any = None, **kwargs: Any) -> None:
        if params is None:
            params = Params.from_flat(**kwargs)
        elif kwargs:
            groups = {g: getattr(params, g) for g in ("population", "design", "context")}
            params = Params.from_flat(**groups, simulation=params.simulation, **kwargs)
        missing = implements(params)
        if missing:
            raise ValueError(missing)
        super().__init__(rng=rng)
        self.params = params
        self.rule = params.design.rule
        pop, ctx = params.population, params.context
        self.category_names = pop.category_names
        self.population_shares = metrics.shares(pop.category_counts())
        self.support_by_category = params.support_by_category()
        self.lobby_ideal = list(ctx.lobby_ideal)
        self.lobbying_active = ctx.n_lobbyists > 0 and ctx.lobby_budget > 0

        self.people: list[ReferenceStakeholder] = []  # in category order, like the fast model
        for code, (spec, count) in enumerate(
            zip(pop.categories, pop.category_counts(), strict=True)
        ):
            mean = list(spec.position_mean) + [0.5] * (pop.n_dims - len(spec.position_mean))
            for _ in range(int(count)):
                if spec.distribution == "uniform":
                    position = [self.random.random() for _ in range(pop.n_dims)]
                else:
                    position = [_clip(self.random.gauss(m, spec.spread)) for m in mean]
                resources = self.random.lognormvariate(spec.resources_mu, spec.resources_sigma)
                self.people.append(ReferenceStakeholder(self, code, position, resources))
        self.stakeholders = self.agents_by_type[ReferenceStakeholder]
        self.lobbyists = [ReferenceLobbyist(self, i) for i in range(ctx.n_lobbyists)]
        self.selector_tie = 0.0  # the lobby's tie with the selector/convener
        self.pools = self._seat_pools()
        sample_size = min(params.simulation.viewpoint_sample, len(self.people))
        self.viewpoint_sample = self.random.sample(self.people, sample_size)
        affected = [0.0] * len(self.category_names)
        for s in self.people:
            affected[s.category_code] += s.affectedness
        self.affected_shares = metrics.shares(np.array(affected))
        self.refresh_position_summaries()

        self.policy = list(self.public_ideal)
        self.proposal = list(self.public_ideal)
        for s in self.people:
            s.distance_to_policy = math.dist(s.position, self.policy)
        self.selector_capture = 0.0
        self.candidates: set[ReferenceStakeholder] = set(self.people)  # who members came from
        self.members: list[ReferenceStakeholder] = []
        self.room: list[list[float]] = []
        self.n_recused = 0
        #: Who may take a seat at this selection, and who answers to their category (indices
        #: into ``people``), as the membership rule says.
        self.eligible: set[int] = set()
        self.category_answerers: set[int] = set()
        #: Each category's constituency signal this round (``constituency_signals``).
        self.signals: list[list[float] | None] = []
        self.shocked_now = False  # whether a shock moved interests this step (mobilisation)
        self.adopted = False
        self.n_decisions = 0
        self.n_adopted = 0
        self.series: list[dict[str, float]] = []
        self.running = True

    # ------------------------------------------------------------------ protocol

    def step(self) -> None:
        """One forum round (docs/ODD.md §3), phase by phase, agent by agent."""
        self.apply_context()
        self.form_forum()
        self.lobby()
        self.deliberate()
        self.decide()
        self.stakeholders.do("update_engagement")
        self.apply_outreach()
        self.series.append(self.compute_metrics())
        if self.steps >= self.params.simulation.n_steps:
            self.running = False

    def apply_context(self) -> None:
        """Scheduled shocks and drift move true positions."""
        ctx, d = self.params.context, self.params.population.n_dims
        moved = False
        now = [shock for shock in ctx.shocks if shock.step == self.steps]
        before = [list(s.position) for s in self.people] if now else []
        for shock in now:
            shift = list(shock.shift) + [0.0] * (d - len(shock.shift))
            for s in self.people:
                if shock.category in ("all", s.category):
                    s.shift(shift)
            moved = True
        self.shocked_now = bool(now)
        for s, start in zip(self.people, before, strict=False):
            s.shock_displacement = math.dist(s.position, start)
        if ctx.drift > 0:
            self.stakeholders.do("drift", ctx.drift)
            moved = True
        if moved:
            self.refresh_position_summaries()

    def form_forum(self) -> None:
        """Fill seats each term, let stakeholders decide to attend, let the convener gatekeep."""
        des = self.params.design
        self.selector_capture = self.capture_level()
        if self.rule.everyone:
            for s in self.people:
                s.is_member = True
            self.members = list(self.people)
            return
        if self.rule.selects_seats(self.steps, des):
            self.fill_seats()
        for s in self.people:
            s.is_attending = False
        if self.rule.open_round:
            chance = self.rule.attendance(
                np.array([s.attendance_probability() for s in self.people]),
                np.array([s.is_seated for s in self.people]),
                des,
            )
            for s, p in zip(self.people, chance.tolist(), strict=True):
                s.decide_attendance(p)
        self.stakeholders.do("face_gatekeeper", self.selector_capture)
        for s in self.people:
            s.is_member = s.is_seated or (s.is_attending and not s.is_excluded)
        self.members = [s for s in self.people if s.is_member]
        if self.rule.open_round:  # the convener admits from the seated and this round's attendees
            self.candidates = {s for s in self.people if s.is_seated or s.is_attending}

    def capture_level(self) -> float:
        """Exogenous capture if set; 0 for a lottery; else ``combined selector tie * (1 - T)``."""
        ctx, des = self.params.context, self.params.design
        if ctx.selector_capture is not None:
            return float(ctx.selector_capture)
        if not self.rule.selector_capturable:
            return 0.0
        return self.selector_tie * (1.0 - des.transparency)

    def fill_seats(self) -> None:
        """The selector fills each pool's seats: candidates, screening, blended ranking."""
        accept_all = self.params.design.sortition_acceptance == "all"
        engaged_only = not (accept_all and all(lottery for _, _, lottery in self.pools))
        self.stakeholders.do("consider_standing", engaged_only)
        self.eligible = self._indices(
            self.rule.eligible(
                np.array([s.terms_served for s in self.people]),
                np.array([s.is_seated for s in self.people]),
                self.params.design,
            )
        )
        self.candidates = set()
        seated: set[ReferenceStakeholder] = set()
        for pool, n_seats, lottery in self.pools:
            free = [s for s in pool if s not in seated]  # nobody holds two seats
            seated.update(self._select(free, n_seats, lottery))
        for s in self.people:
            now = s in seated
            if s.is_seated and not now:
                s.leave_seat()
            s.terms_served = (s.terms_served + 1 if s.is_seated else 1) if now else 0
            s.is_seated = now

    def _select(
        self, pool: list[ReferenceStakeholder], n_seats: int, lottery: bool
    ) -> list[ReferenceStakeholder]:
        """Seat ``n_seats`` of ``pool`` (see :func:`msisim.rules.membership.select_seats`).

        A lottery pool takes every eligible stakeholder as a candidate, ranks at random and
        is biased only by an exogenous capture level.
        """
        des, capture = self.params.design, self.selector_capture
        if lottery:
            exogenous = self.params.context.selector_capture
            capture = 0.0 if exogenous is None else float(exogenous)
        if n_seats <= 0 or not pool:
            return []
        order = self.random.sample(pool, len(pool))  # random order for top-ups
        accept_all = lottery and self.params.design.sortition_acceptance == "all"
        candidates = [s for s in order if (accept_all or s.steps_forward) and s.may_serve()]
        for reserve in (
            [s for s in order if s.may_serve() and not (accept_all or s.steps_forward)],
            [s for s in order if not s.may_serve()],
        ):
            if len(candidates) < n_seats:
                candidates += reserve[: n_seats - len(candidates)]
        self.candidates.update(candidates)  # the pool, before screening

        def lobby_distance(s: ReferenceStakeholder) -> float:
            return math.dist(self.seen(s), self.lobby_ideal)

        if capture > 0 and len(candidates) > n_seats:  # screening drops the least conforming
            n_keep = max(n_seats, math.ceil((1.0 - capture) * len(candidates)))
            candidates = sorted(candidates, key=lobby_distance)[:n_keep]
        selection = "random" if lottery else des.selection
        if selection not in IMPLEMENTED["selection"]:  # a rule not written out here: ask it
            rule = self._rule_scores(selection, candidates, pool)
        elif selection == "random":
            rule = [self.random.random() for _ in candidates]
        elif selection == "election":  # by what the selector sees (selector_information)
            d = self.params.population.n_dims
            center = [statistics.median(self.seen(s)[k] for s in pool) for k in range(d)]
            rule = [-math.dist(self.seen(s), center) for s in candidates]
        else:  # merit
            rule = [s.resources for s in candidates]
        rule_rank = _percentile_ranks(rule)
        lobby_rank = _percentile_ranks([-lobby_distance(s) for s in candidates])
        score = [
            (1.0 - capture) * r + capture * q for r, q in zip(rule_rank, lobby_rank, strict=True)
        ]
        tiebreak = [self.random.random() for _ in candidates]
        ranked = sorted(range(len(candidates)), key=lambda i: (score[i], tiebreak[i]), reverse=True)
        return [candidates[i] for i in ranked[:n_seats]]

    def _rule_scores(
        self, name: str, candidates: list[ReferenceStakeholder], pool: list[ReferenceStakeholder]
    ) -> list[float]:
        """A registered selection rule's scores of ``candidates`` (rules not written out here)."""
        people = self.people
        context = SelectionContext(
            candidates=np.array([s.index for s in candidates], dtype=np.int64),
            pool=np.array([s.index for s in pool], dtype=np.int64),
            noise=np.array([self.random.random() for _ in people]),
            seen=np.array([self.seen(s) for s in people]),
            resources=np.array([s.resources for s in people]),
            engagement=np.array([s.engagement for s in people]),
        )
        return [float(x) for x in SELECTION_RULES[name].score(context)]

    def lobby(self) -> None:
        """Ties decay; the lobbyists spend their shares; every member feels the pull of its tie."""
        if not self.lobbying_active:
            return
        decay = self.params.context.tie_decay
        self.stakeholders.do("decay_ties", decay)
        self.selector_tie *= 1.0 - decay
        for lobbyist in self.lobbyists:
            lobbyist.spend()
        self.stakeholders.do("feel_lobby_pull")

    def deliberate(self) -> None:
        """Voices are updated, members exchange in random pairs, accountability pulls back.

        Members speak with the voice their membership rule gives them
        (:meth:`~msisim.rules.membership.MembershipRule.voice`), asked once for everyone.
        """
        self.stakeholders.do("update_presence")
        seated = np.array([s.is_seated for s in self.people])
        voice = self.rule.voice(
            np.array([s.base_voice for s in self.people]),
            np.array([s.presence for s in self.people]),
            seated,
            self.params.design,
        )
        for s, v in zip(self.people, voice.tolist(), strict=True):
            s.voice = v if s.is_member else 0.0
        self.category_answerers = set(self.rule.category_answerers(np.flatnonzero(seated)).tolist())
        order = list(self.members)
        self.random.shuffle(order)
        for first, second in zip(order[0::2], order[1::2], strict=False):
            first.exchange(second)
        self.signals = self.constituency_signals()
        self.stakeholders.do("answer_to_constituency")

    def constituency_signals(self) -> list[list[float] | None]:
        """Per category: the engagement-weighted mean expressed position of its unseated.

        What its representatives can observe of their constituency (``None``: nobody engaged
        speaks for it). True interests are never read.
        """
        d = self.params.population.n_dims
        k = len(self.category_names)
        total = [0.0] * k
        sums = [[0.0] * d for _ in range(k)]
        for s in self.people:
            if s.is_seated:
                continue
            total[s.category_code] += s.engagement
            for j in range(d):
                sums[s.category_code][j] += s.engagement * s.advocated[j]
        return [[x / total[g] for x in sums[g]] if total[g] > 0 else None for g in range(k)]

    def decide(self) -> None:
        """The decision rule adopts or rejects a proposal; an adopted one moves the policy."""
        des, sim = self.params.design, self.params.simulation
        self.n_decisions += 1
        self.room = [list(s.advocated) for s in self.members]
        voters = list(self.members)
        if des.recusal and self.lobbying_active:
            voters = [s for s in voters if s.combined_tie() < sim.strong_tie]
        self.n_recused = len(self.members) - len(voters)
        self.adopted = False
        if not voters:
            return
        voice = [s.voice for s in voters]
        weights = voice if sum(voice) > 0 else [1.0] * len(voters)
        d = len(self.policy)
        adopted = True
        if des.decision_rule not in IMPLEMENTED["decision_rule"]:  # not written out: ask it
            result = DECISION_RULES[des.decision_rule].decide(
                np.array([s.advocated for s in voters]), np.array(voice), des
            )
            proposal, adopted = [float(x) for x in result.proposal], bool(result.adopted)
        elif des.decision_rule == "majority":
            advocated = np.array([s.advocated for s in voters])
            proposal = list(metrics.weighted_median(advocated, np.array(weights)))
        else:
            proposal = [
                sum(w * s.advocated[k] for w, s in zip(weights, voters, strict=True)) / sum(weights)
                for k in range(d)
            ]
        if des.decision_rule == "consensus":
            total = sum(voice)
            near = sum(
                s.voice for s in voters if math.dist(s.advocated, proposal) <= des.support_radius
            )
            adopted = (near / total if total > 0 else 0.0) >= des.consensus_threshold
        self.proposal, self.adopted = proposal, adopted
        if adopted:
            self.policy = _toward(self.policy, proposal, 1.0 - des.inertia)
            self.n_adopted += 1

    def apply_outreach(self) -> None:
        """Categories less engaged than the population on average gain ``outreach``."""
        outreach = self.params.design.outreach
        if outreach <= 0:
            return
        k = len(self.category_names)
        total, count = [0.0] * k, [0] * k
        for s in self.people:
            total[s.category_code] += s.engagement
            count[s.category_code] += 1
        overall = sum(total) / len(self.people)
        for s in self.people:
            if total[s.category_code] / count[s.category_code] < overall:
                s.engagement = _clip(s.engagement + outreach)

    # ------------------------------------------------------------------ observation

    def seen(self, s: ReferenceStakeholder) -> list[float]:
        """What the selector sees of ``s``: advocated position, or true interest (oracle)."""
        return s.position if self.params.design.selector_information == "true" else s.advocated

    def refresh_position_summaries(self) -> None:
        """Public ideal and lobby alignment, from the true positions (for the metrics)."""
        d = self.params.population.n_dims
        weight = sum(s.affectedness for s in self.people)
        self.public_ideal = [
            sum(s.affectedness * s.position[k] for s in self.people) / weight for k in range(d)
        ]
        lobby_distance = {s: math.dist(s.position, self.lobby_ideal) for s in self.people}
        cut = statistics.median(lobby_distance.values())
        self.lobby_aligned = {s for s in self.people if lobby_distance[s] < cut}

    def compute_metrics(self) -> dict[str, float]:
        """This step's metrics (names as in the fast model), from arrays collected from agents."""
        k, sim = len(self.category_names), self.params.simulation
        grassroots = self._grassroots_code()
        counts, voices = np.zeros(k), np.zeros(k)
        for s in self.members:
            counts[s.category_code] += 1
            voices[s.category_code] += s.voice
        head_shares, voice_shares = metrics.shares(counts), metrics.shares(voices)
        ties = np.array([s.combined_tie() for s in self.members])
        policy, ideal = np.array(self.policy), np.array(self.public_ideal)
        error = metrics.congruence_error(policy, ideal)
        sample = np.array([s.position for s in self.viewpoint_sample])
        room = np.array(self.room).reshape(-1, len(self.policy))
        n_aligned = sum(1 for s in self.members if s in self.lobby_aligned)
        return {
            "n_members": float(len(self.members)),
            "rose": metrics.rose_index(head_shares, self.population_shares),
            "rose_voice": metrics.rose_index(voice_shares, self.population_shares),
            "grassroots_share": float(head_shares[grassroots]),
            "grassroots_voice_share": float(voice_shares[grassroots]),
            "voice_gini": metrics.gini(np.array([s.voice for s in self.members])),
            "viewpoint_coverage": metrics.viewpoint_coverage(sample, room, sim.viewpoint_radius),
            "congruence_error": error,
            "mean_citizen_distance": metrics.mean_citizen_distance(
                np.array([s.distance_to_policy for s in self.people]),
                np.array([s.affectedness for s in self.people]),
            ),
            "congruence": 1.0
            - metrics.many_to_many_distance(
                metrics.distribution_of(
                    sample, np.array([s.affectedness for s in self.viewpoint_sample])
                ),
                room,
            ),
            "policy_congruence": metrics.congruence(error, len(self.policy)),
            "lobby_bias": metrics.lobby_bias(policy, ideal, np.array(self.lobby_ideal)),
            "captured_share": float(np.mean(ties >= sim.strong_tie)) if ties.size else 0.0,
            "mean_tie": float(ties.mean()) if ties.size else 0.0,
            "selection_odds_ratio": metrics.odds_ratio(
                n_aligned,
                len(self.members),
                sum(1 for s in self.candidates if s in self.lobby_aligned) / len(self.candidates)
                if self.candidates
                else 0.5,
            ),
            "selector_capture": float(self.selector_capture),
            "gridlock_rate": 0.0 if self.adopted else 1.0,
            "mean_engagement": float(np.mean([s.engagement for s in self.people])),
        }

    def summary(self) -> dict[str, float]:
        """Per-run outcomes: each per-step metric averaged after the burn-in (as the fast model).

        ``gridlock_rate`` is the share of gridlocked rounds in that window.
        """
        if not self.series:
            raise RuntimeError("summary() needs at least one step; call run_for(n) first")
        start = int(np.floor(self.params.simulation.summary_burn_in * len(self.series)))
        window = self.series[start:]
        return {name: float(np.mean([row[name] for row in window])) for name in OUTCOMES}

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _indices(mask: np.ndarray) -> set[int]:
        """Indices (into ``people``) where ``mask`` holds."""
        return set(np.flatnonzero(mask).tolist())

    def _grassroots_code(self) -> int:
        if "grassroots" in self.category_names:
            return self.category_names.index("grassroots")
        cats = self.params.population.categories
        return max(range(len(cats)), key=lambda g: cats[g].affectedness)

    def _seat_pools(self) -> list[tuple[list[ReferenceStakeholder], int, bool]]:
        """Candidate pools, their seats and whether each is a lottery (the rule's seat plan)."""
        return [
            (
                list(self.people)
                if pool.category is None
                else [s for s in self.people if s.category_code == pool.category],
                pool.seats,
                pool.lottery,
            )
            for pool in self.params.seat_pools()
        ]
