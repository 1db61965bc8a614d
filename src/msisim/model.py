"""GovernanceModel: the Mesa model that wires parameters, state, rules and metrics.

``step()`` is the protocol of docs/ODD.md §3 (submodels in §7): context, membership,
lobbying, deliberation, decision, engagement, observation. Each phase is a short method
that calls pure rules from :mod:`msisim.rules` on the stakeholder arrays.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from msisim import counterfactual as twins
from msisim import metrics
from msisim import outcomes as declared
from msisim import scorecard as scorecards
from msisim.agents import Lobbyist, Selector, Stakeholder
from msisim.params import Params
from msisim.population import build_population
from msisim.rules import context, decision, deliberation, engagement, lobbying, membership
from msisim.state import ForumState, LobbyState, StakeholderState
from msisim.streams import spawn_streams
from msisim.view import ForumView

logger = logging.getLogger(__name__)

#: Presence is an exponential moving average of membership with this weight on the new round.
PRESENCE_RATE = 0.1
#: The whole-run records read from the no-shock twin (:data:`msisim.view.RECORDS`).
SHOCK_RECORDS = frozenset({"shock_responses", "excess_error"})


class GovernanceModel(mesa.Model):
    """A multistakeholder forum, the population it decides for, and the lobby.

    Every parameter can be given as a flat keyword (``n_seats=40``) or as one of the typed
    groups (``design=DesignParams(...)``), or as a whole :class:`~msisim.params.Params`
    (``params=...``); see :mod:`msisim.params` for names, defaults and allowed values.

    Example:
        >>> m = GovernanceModel(membership="open", n_stakeholders=2000, rng=7)
        >>> m.run_for(50)
        >>> df = m.datacollector.get_model_vars_dataframe()
        >>> outcomes = m.summary()

    Args:
        params: A complete parameter set (flat keywords then override its fields).
        rng: Seed or generator (Mesa 3.5 semantics). Every process draws from its own named
            stream spawned from the seed (:mod:`msisim.streams`), so runs that differ in one
            lever share every other draw.
        collect: Whether the DataCollector records per-step metrics (the model's own series,
            used by :meth:`summary`, is always kept).
        counterfactual: Whether to run counterfactual twins in lockstep on the same streams:
            a *no-lobby twin* (no budget, no exogenous selector capture) when a lobby acts,
            for ``capture``; a *no-shock twin* when shocks are scheduled, for
            ``pass_through`` and ``adaptation_half_life``. Default: whenever they apply.
        summary_only: Compute the full set of per-step metrics only for the steps that
            :meth:`summary` averages when the run lasts ``n_steps`` (the others record only
            what whole-run outcomes need, ``NaN`` elsewhere): for sweeps that keep only
            per-run outcomes. Needs ``collect=False``.
        lobby_twin: A no-lobby twin already run to the end (:meth:`no_lobby_twin`), to be
            read instead of stepping one in lockstep: runs that differ only in their lobby
            share one twin (the study runner does this). It must be this run's twin (same
            seed, :func:`~msisim.counterfactual.without_lobby` parameters up to fields it
            cannot read, observation window) and have taken at least as many steps as this run will.
        outcomes: The outcome keys the caller reads (``summary()`` keys; a family by its name
            or a column), or None for every registered outcome. The run then computes only
            those and what they need (:func:`msisim.outcomes.recording_plan`), with the same
            values; its scorecard only when one of them needs it. The claims map reads five.
        **kwargs: Flat parameters or parameter groups.
    """

    def __init__(
        self,
        params: Params | None = None,
        *,
        rng: Any = None,
        collect: bool = True,
        counterfactual: bool | None = None,
        summary_only: bool = False,
        lobby_twin: GovernanceModel | None = None,
        outcomes: Iterable[str] | None = None,
        _twin: bool = False,
        **kwargs: Any,
    ) -> None:
        if params is None:
            params = Params.from_flat(**kwargs)
        elif not isinstance(params, Params):
            raise ValueError(f"params={params!r} is invalid: must be a msisim.Params")
        elif kwargs:
            groups = {g: getattr(params, g) for g in ("population", "design", "context")}
            params = Params.from_flat(**groups, simulation=params.simulation, **kwargs)
        super().__init__(rng=rng)
        self.params = params
        #: The membership, selection and decision rules and the lobby strategy: every phase
        #: asks them what they imply.
        self.rule = params.design.rule
        self.selection = membership.SELECTION_RULES[params.design.selection]
        self.decision = decision.DECISION_RULES[params.design.decision_rule]
        self.strategy = lobbying.STRATEGIES[params.context.lobby_strategy]
        self.streams = spawn_streams(self._seed)
        self.is_twin = _twin
        #: The shocks of this run at the steps they fall (jittered ones drawn once).
        self.shocks = tuple(
            dataclasses.replace(
                s, step=s.step + int(self.streams["shock_timing"].integers(s.jitter)), jitter=0
            )
            if s.jitter
            else s
            for s in params.context.shocks
        )
        if summary_only and collect:
            raise ValueError("summary_only=True needs collect=False (the DataCollector keeps all)")
        #: What this run records for its outcomes (derived from their declared needs).
        self._plan = declared.recording_plan(outcomes)
        #: First step whose full metrics summary() needs (1 = every step).
        self.observe_from = self.observation_start(params, summary_only, self._plan)
        pop, des, ctx = params.population, params.design, params.context
        self.category_names: tuple[str, ...] = pop.category_names
        self.n_categories = len(self.category_names)

        self.stakeholders = build_population(pop, self.streams["population"])
        st = self.stakeholders
        self.population_counts = tuple(int(k) for k in pop.category_counts())
        self.population_shares = metrics.shares(pop.category_counts())
        self.shares_key = tuple(float(p) for p in self.population_shares)
        #: Stakeholders and their summed affectedness per category (fixed for the run).
        self.category_sizes = np.bincount(st.category, minlength=self.n_categories)
        self.category_affectedness = np.bincount(
            st.category, weights=st.affectedness, minlength=self.n_categories
        )
        self.affected_shares = metrics.shares(self.category_affectedness)
        #: Population shares with paid participants as a category of their own (share 0).
        self.true_population_shares = np.append(self.population_shares, 0.0)
        self.lobby_ideal = np.asarray(ctx.lobby_ideal, dtype=float)
        #: The lobbies, each one actor (the main lobby first, then ``lobbies``), and their
        #: ideals ``[K, d]``.
        self.lobbies = lobbying.actors(ctx)
        self.lobby_ideals = np.array([actor.ideal for actor in self.lobbies])
        #: The ideal the selector/convener favours this round (its capturers' weighted ideal).
        self.selector_ideal = self.lobby_ideal
        self.support = params.support_by_category()[st.category]
        self.base_voice = st.resources**des.voice_resource_exponent
        self.log_resources = np.log(st.resources)
        #: The attendance logit's terms that are constant over the run (attendance_terms).
        self._attendance_terms = membership.attendance_terms(
            self.log_resources,
            st.affectedness,
            self.support,
            b_resources=pop.attendance_resources,
            b_affectedness=pop.attendance_affectedness,
            cost=ctx.participation_cost,
        )
        self.grassroots_code = self._grassroots_code()
        #: Deliberation group of each stakeholder: its category's arena (scorecard.arena_groups)
        self.arena_group = scorecards.arena_groups(self.category_names)[st.category]
        #: Stakeholders of each category (categories never change during a run).
        self.category_members = [np.flatnonzero(st.category == g) for g in range(self.n_categories)]
        self.seats = params.seats_by_category()
        self._seat_plan = params.seat_pools()
        self._pools = [
            np.arange(st.n)
            if pool.category is None
            else np.flatnonzero(st.category == pool.category)
            for pool in self._seat_plan
        ]
        # the pools a captured selector fills (not lotteries), back to back, for selection_gain
        bought = [i for i, plan in enumerate(self._seat_plan) if not plan.lottery]
        self._bought_order = np.concatenate([self._pools[i] for i in bought] + [np.zeros(0, int)])
        ends = np.cumsum([self._pools[i].shape[0] for i in bought], dtype=np.int64)
        self._bought_slices = [
            slice(int(end - self._pools[i].shape[0]), int(end))
            for i, end in zip(bought, ends, strict=True)
        ]
        self._bought_seats = tuple(self._seat_plan[i].seats for i in bought)
        sample_size = min(params.simulation.viewpoint_sample, st.n)
        self.viewpoint_sample = np.sort(
            self.streams["observation"].choice(st.n, size=sample_size, replace=False)
        )
        self._everyone_mean: np.ndarray | None = None  # head-counted mean interest (tilt_parts)
        self._baselines: dict[int, tuple[float, float]] = {}  # random_body_baselines
        self._refresh_position_summaries()

        self.forum = ForumState(policy=self.public_ideal.copy(), proposal=self.public_ideal.copy())
        st.distance_to_policy = metrics.distances(st.position, self.forum.policy)
        self.lobby_state = LobbyState(
            ties=np.zeros((len(self.lobbies), st.n)),
            selector_ties=np.zeros(len(self.lobbies)),
            cooling_until=np.zeros(st.n, dtype=np.int64),
            paid_claims=np.zeros(self.n_categories, dtype=np.int64),
        )
        self.lobbying_active = ctx.lobby_funded
        self.lobby_acts = ctx.lobby_acts
        self.members = np.zeros(0, dtype=np.int64)
        # the seated's indices, kept until the seats are replaced (_seated_members)
        self._seated_cache: tuple[np.ndarray, np.ndarray] = (st.seated, np.zeros(0, np.int64))
        #: How far this step's shocks moved each stakeholder's interest (None: no shock now).
        self._shock_displacement: np.ndarray | None = None
        self._nobody = _read_only(np.zeros(st.n, dtype=bool))  # no attendees (seats only)
        self._no_claims = _read_only(np.zeros(self.n_categories, dtype=np.int64))
        self.candidates = np.ones(st.n, dtype=bool)  # who the forum's members were chosen from
        self._attendance = (-1, np.zeros(0))  # (step, attendance probability drawn then)
        self.recused = np.zeros(0, dtype=bool)
        #: Each adaptive lobby's seating forecast, kept until its selection (_seating_forecast).
        self._forecasts: dict[int, tuple[int, np.ndarray]] = {}
        #: The endogenous capture and favoured ideal, with the selector ties they were
        #: computed from (_selector_capture).
        self._capture_memo: tuple[bytes, tuple[float, np.ndarray]] | None = None
        self.room = np.zeros((0, pop.n_dims))  # advocated positions in the room at the decision

        # the Mesa agents are views onto these arrays, made when first asked for (_mesa_views)
        self._views: tuple[list[Stakeholder], Selector, list[Lobbyist]] | None = None

        self._step_outcomes = list(self._plan.step_outcomes)
        #: The read-only view of this forum that outcomes read (they never see the model).
        self.view = ForumView(self)
        self._columns = {
            o.name: declared.columns(o, self.category_names, pop.n_dims)
            for o in self._step_outcomes
        }
        if self._plan.kept is not None:  # a family's column must be one this run has
            self._check_kept_columns(self._plan.kept)
        self._unobserved = dict.fromkeys(self.metric_names(), math.nan)  # a row before the window
        self.series: list[dict[str, float]] = []
        #: A twin's record per step: what its sibling reads (None before the window).
        self.trace: list[dict[str, float] | None] = []
        #: Whether this run (one without a lobby) also keeps a twin's record in ``trace``, so
        #: that it can serve as the no-lobby twin of runs that differ only in their lobby
        #: (:mod:`msisim.study.sharing`); set before the run starts.
        self.records_twin_trace = False
        #: Scorecard indicators per observed step (None before the summary window).
        self._cells: list[np.ndarray | None] = []
        self._arenas = scorecards.ArenaSums(self)  # what the scorecard cells read of the arenas
        self.metrics: dict[str, float] = {}
        self._collect = collect
        reporters = {name: _reporter(name) for name in self.metric_names()} if collect else {}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.lobby_twin, self.shock_twin = self._make_twins(counterfactual, lobby_twin)
        #: Whether this run steps its no-lobby twin (False when a finished one was given).
        self.owns_lobby_twin = lobby_twin is None
        self.shock_responses: list[dict[str, float]] = []
        #: Per shock step: the public ideal's and the policy's gaps to the no-shock twin just
        #: before the shock (the baseline of its ``ideal_change_*`` and ``policy_change_*``).
        self._before_shock: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.excess_error: list[float] = []
        self.running = True

    # ------------------------------------------------------------------ Mesa agents

    def _mesa_views(self) -> tuple[list[Stakeholder], Selector, list[Lobbyist]]:
        """The Mesa agents: stakeholders, the selector and the lobbyists, made on first use.

        They are views onto the model's arrays that the rules never read, so a run that never
        asks for them (a sweep) does not pay for registering a thousand agents with Mesa. They
        are made in the same order as ever (stakeholders first), so ``unique_id`` is the same.
        """
        if self._views is None:
            self._views = (
                [Stakeholder(self, i) for i in range(self.stakeholders.n)],
                Selector(self),
                [Lobbyist(self, i) for i in range(self.params.context.n_lobbyists)],
            )
        return self._views

    @property
    def agents_list(self) -> list[Stakeholder]:
        """The stakeholder agents, in index order."""
        return self._mesa_views()[0]

    @property
    def selector(self) -> Selector:
        """The selector (representative forums) or convener (open forums) agent."""
        return self._mesa_views()[1]

    @property
    def lobbyists(self) -> list[Lobbyist]:
        """The lobbyist agents."""
        return self._mesa_views()[2]

    @property
    def agents(self) -> Any:
        """All agents (:attr:`mesa.Model.agents`), made on first use."""
        self._mesa_views()
        return super().agents

    @agents.setter
    def agents(self, agents: Any) -> None:
        mesa.Model.agents.fset(self, agents)  # Mesa refuses (model.agents is its own)

    @property
    def agents_by_type(self) -> Any:
        """Agents by type (:attr:`mesa.Model.agents_by_type`), made on first use."""
        self._mesa_views()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Agent types (:attr:`mesa.Model.agent_types`), made on first use."""
        self._mesa_views()
        return super().agent_types

    def remove_all_agents(self) -> None:
        """Remove all agents (:meth:`mesa.Model.remove_all_agents`), made first if need be."""
        self._mesa_views()
        super().remove_all_agents()

    # ------------------------------------------------------------------ protocol

    def step(self) -> None:
        """One forum round (docs/ODD.md §3)."""
        self.apply_context()  # 1. shocks and drift move true interests
        self.form_forum()  # 2. seats (re)filled or attendance drawn; gatekeeping; astroturf
        self.lobby()  # 3. lobbyists spend on members and the selector; ties pull
        self.deliberate()  # 4. bounded-confidence exchange, accountability pull
        self.decide()  # 5. proposal, decision rule (recusal), policy moves with inertia
        self.update_engagement()  # 6. efficacy feedback, exclusion, outreach
        self.step_twins()  # counterfactual twins take the same step on the same streams
        self.observe()  # 7. metrics recorded
        if self.steps >= self.params.simulation.n_steps:
            self.running = False

    # ------------------------------------------------------------------ 1. context

    def apply_context(self) -> None:
        """Apply the shocks scheduled for this step and any drift."""
        st, ctx = self.stakeholders, self.params.context
        now = [s for s in self.shocks if s.step == self.steps]
        before = st.position.copy() if now else None
        moved = context.apply_shocks(st.position, st.category, now, self.category_names)
        self._shock_displacement = (
            None if before is None else metrics.distances(st.position, before)
        )
        moved |= context.apply_drift(st.position, ctx.drift, self.streams["context"])
        if moved:
            self._refresh_position_summaries()

    # ------------------------------------------------------------------ 2. membership

    def form_forum(self) -> None:
        """Fill seats at the start of each term, draw this round's open attendance, gatekeep."""
        st, des = self.stakeholders, self.params.design
        self.forum.selector_capture, self.selector_ideal = self._selector_capture()
        if self.rule.everyone:
            st.member[:] = True
            self.members = np.arange(st.n)
            return
        if self.rule.selects_seats(self.steps, des):
            self._fill_seats()
        attending = self._nobody
        if self.rule.open_round:
            attending = self._draw_attendance()
        st.excluded = membership.gatekeep(
            attending,
            st.advocated,
            self.selector_ideal,
            self.forum.selector_capture,
            self.streams["gatekeeping"],
        )
        if not self.rule.open_round:  # the seated body alone (gatekeeping drew all the same)
            st.member = st.seated.copy()
            self.members = self._seated_members()
            self._hire_astroturf(None)
            return
        self.candidates = st.seated | attending  # the pool the convener admits from
        admitted = attending & ~st.excluded
        st.member = st.seated | admitted
        self.members = np.flatnonzero(st.member)
        self._hire_astroturf(admitted)

    def capture_level(self) -> float:
        """The selector's capture: the exogenous level if set, else from its lobby ties.

        Endogenous capture is ``tie * (1 - transparency)``: registered ties count less; with
        several lobbies, the chance that some lobby has captured it
        (:func:`~msisim.rules.lobbying.selector_capture_by_lobby`). A pure lottery (a rule that
        is not ``selector_capturable``) leaves the selector no discretion to sell, so there only
        an exogenous level (a rigged lottery) biases the draw.
        """
        return self._selector_capture()[0]

    def _selector_capture(self) -> tuple[float, np.ndarray]:
        """The selector's capture and the ideal it favours (the main lobby's when exogenous)."""
        exogenous = self.params.context.selector_capture
        if exogenous is not None:
            return float(exogenous), self.lobby_ideal
        if not self.rule.selector_capturable:
            return 0.0, self.lobby_ideal
        # a pure function of the ties (the ideals and transparency are fixed for the run):
        # recomputed only when some tie has changed (never, when nobody buys the selector)
        ties = self.lobby_state.selector_ties
        memo = self._capture_memo
        if memo is None or memo[0] != ties.tobytes():
            memo = self._capture_memo = (
                ties.tobytes(),
                lobbying.selector_capture_by_lobby(
                    ties, self.lobby_ideals, self.params.design.transparency
                ),
            )
        return memo[1]

    def _fill_seats(self) -> None:
        st, des = self.stakeholders, self.params.design
        was_seated = st.seated.copy()
        exogenous = self.params.context.selector_capture
        seen = self._selector_view()
        self.candidates = np.zeros(st.n, dtype=bool)
        st.seated = membership.select_seats(
            self._pools,
            [pool.seats for pool in self._seat_plan],
            selection=self.selection,
            capture=self.forum.selector_capture,
            lottery=[pool.lottery for pool in self._seat_plan],
            lottery_capture=0.0 if exogenous is None else float(exogenous),
            lottery_acceptance=des.sortition_acceptance == "engagement",
            candidates_out=self.candidates,
            lobby_ideal=self.selector_ideal,
            seen=seen,
            resources=st.resources,
            engagement=st.engagement,
            eligible=self.rule.eligible(st.terms_served, was_seated, des),
            rng=self.streams["selection"],
        )
        st.terms_served = membership.update_terms(st.terms_served, was_seated, st.seated)
        leavers = np.flatnonzero(was_seated & ~st.seated)
        lobbying.rotate_out(
            self.lobby_state.ties,
            leavers,
            cooling_off=des.cooling_off,
            retention=des.rotation_tie_retention,
        )
        if des.cooling_off > 0:
            self.lobby_state.cooling_until[leavers] = self.steps + des.cooling_off

    def _seated_members(self) -> np.ndarray:
        """Indices of the seated (``np.flatnonzero(st.seated)``), kept between selections.

        The array is shared (it is also ``members`` of a seated body) and read-only.
        ``st.seated`` is only ever replaced (:meth:`_fill_seats`), never modified in place, so
        the identity of the array tells whether the seats have changed since last asked.
        """
        seated = self.stakeholders.seated
        if self._seated_cache[0] is not seated:
            self._seated_cache = (seated, _read_only(np.flatnonzero(seated)))
        return self._seated_cache[1]

    def _selector_view(self) -> np.ndarray:
        """What the selector sees of each stakeholder (``selector_information``).

        ``advocated`` positions (what people argue), the same with Gaussian noise of
        ``selector_noise`` (clipped to the space; drawn from the selection stream), or the
        true interests (an oracle, for comparison).
        """
        st, des = self.stakeholders, self.params.design
        if des.selector_information == "true":
            return st.position
        if des.selector_information == "noisy":
            noise = self.streams["selection"].normal(0.0, des.selector_noise, st.advocated.shape)
            return np.clip(st.advocated + noise, 0.0, 1.0)
        return st.advocated

    def _draw_attendance(self) -> np.ndarray:
        """Who attends this round's open session: each with the chance the rule gives."""
        p = self.rule.attendance(
            self._attendance_probability(), self.stakeholders.seated, self.params.design
        )
        self._attendance = (self.steps, p)  # the lobby reads it this step (engagement unchanged)
        return membership.draw_attendance(p, self.streams["attendance"])

    def _attendance_probability(self, who: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Probability that each stakeholder (of ``who``) attends an open round now."""
        pop = self.params.population
        return membership.attendance_from_terms(
            self.stakeholders.engagement[who],
            self._attendance_terms[:, who],
            intercept=pop.attendance_intercept,
            b_engagement=pop.attendance_engagement,
        )

    def _hire_astroturf(self, real_attendees: np.ndarray | None) -> None:
        """Paid participants fill up to ``astroturf_share`` of an open room, as far as affordable.

        Each costs ``astroturf_cost`` for the round out of the main lobby's budget (when it is
        funded); what they cost is taken from this round's budget before it spends on ties.
        ``real_attendees``: the admitted attendees (``bool[N]``), ``None`` when nobody attends.
        """
        lob, ctx = self.lobby_state, self.params.context
        lob.n_paid = 0
        lob.astroturf_spend = 0.0
        lob.paid_claims = self._no_claims  # read-only zeros, replaced when any are hired
        main_budget = self.lobbies[0].budget
        if real_attendees is None or not (main_budget > 0 and ctx.astroturf_share > 0):
            return
        n_real = int(real_attendees.sum())
        if n_real == 0:
            return
        wanted = round(ctx.astroturf_share / (1.0 - ctx.astroturf_share) * n_real)
        affordable = int(np.floor(main_budget / ctx.astroturf_cost + 1e-9))
        lob.n_paid = min(wanted, affordable)
        lob.astroturf_spend = lob.n_paid * ctx.astroturf_cost
        counts = np.bincount(
            self.stakeholders.category[real_attendees], minlength=self.n_categories
        )
        lob.paid_claims = lobbying.astroturf_claims(counts, self.population_shares, lob.n_paid)

    # ------------------------------------------------------------------ 3. lobbying

    def lobby(self) -> None:
        """Lobbies spend on the selector and on targeted members; ties decay and pull.

        Each lobby acts as one actor: its lobbyists share its budget and its ties (one row of
        ``ties`` per lobby), so how its money is split among them changes nothing. A lobby
        with a fixed strategy puts ``selector_spending`` of its budget into its tie with the
        selector/convener and spreads the rest equally over the members its strategy targets;
        the adaptive one allocates its budget where the forecast gain is highest. Former
        members in a cooling-off period are off limits. Then every member's advocated position
        is pulled toward each lobby's ideal by its tie with it (weaker under transparency).
        """
        if not self.lobbying_active:
            return
        st, ctx, des, lob = (
            self.stakeholders,
            self.params.context,
            self.params.design,
            self.lobby_state,
        )
        lob.ties *= 1.0 - ctx.tie_decay
        lob.selector_ties *= 1.0 - ctx.tie_decay
        members = self.members
        in_reach = lob.cooling_until[members] <= self.steps
        everyone = bool(in_reach.all())
        reachable = members if everyone else members[in_reach]
        room = st.advocated.take(members, axis=0)  # positions in the room before the pull
        for k, actor in enumerate(self.lobbies):
            if actor.budget <= 0:
                continue
            paid = lob.astroturf_spend if k == 0 else 0.0  # the main lobby pays for astroturf
            budget = max(actor.budget - paid, 0.0)
            if actor.strategy.allocates:
                self._lobby_adaptively(k, reachable, in_reach, everyone, room, budget)
            else:
                self._lobby_fixed(k, reachable, in_reach, everyone, room, budget)
        st.advocated[members] = lobbying.lobbies_pull(
            room,
            lob.ties.take(members, axis=1),
            self.lobby_ideals,
            pull=ctx.lobby_pull,
            transparency=des.transparency,
        )

    def _lobby_fixed(
        self,
        k: int,
        reachable: np.ndarray,
        in_reach: np.ndarray,
        everyone: bool,
        room: np.ndarray,
        budget: float,
    ) -> None:
        """Lobby ``k`` with a fixed strategy spends ``budget`` (arguments as in :meth:`lobby`).

        ``selector_spending`` of it on its tie with the selector/convener (none when
        ``lobby_targets_selector`` is false), the rest equally on the members its strategy
        targets.
        """
        st, ctx, lob = self.stakeholders, self.params.context, self.lobby_state
        actor = self.lobbies[k]
        to_selector = ctx.selector_spending if ctx.lobby_targets_selector else 0.0
        member_budget = budget * (1.0 - to_selector)
        lob.selector_ties[k : k + 1] = lobbying.invest(
            lob.selector_ties[k : k + 1], budget * to_selector, ctx.selector_price
        )
        if reachable.shape[0] == 0 or member_budget <= 0:
            return
        seen = lobbying.TargetingContext(
            advocated=room if everyone else room[in_reach],
            base_voice=self.base_voice[reachable],
            category=st.category[reachable],
            seated=st.seated[reachable],
            proposal=self.forum.proposal,
            lobby_ideal=actor.ideal,
            category_names=self.category_names,
        )
        targets = reachable[lobbying.choose_targets(actor.strategy, seen, ctx.lobby_focus)]
        lob.ties[k : k + 1, targets] = lobbying.invest(
            lob.ties[k : k + 1, targets], member_budget / targets.shape[0], ctx.tie_cost
        )

    @functools.cached_property
    def _lobby_horizons(self) -> tuple[float, float]:
        """Per-run constants of the adaptive lobby's selector value (parameters are frozen).

        The discounted rounds a seat selection holds (``discounted_steps(1 - accountability,
        term_length)``) and a gatekeeping round's tie lasts (``discounted_steps(1 - tie_decay,
        horizon)``).
        """
        ctx, des = self.params.context, self.params.design
        horizon = 1.0 / ctx.tie_decay if ctx.tie_decay > 0 else self.params.simulation.n_steps
        held = lobbying.discounted_steps(1.0 - des.accountability, des.term_length)
        gatekept = lobbying.discounted_steps(1.0 - ctx.tie_decay, horizon)
        return float(held), float(gatekept)

    def _lobby_adaptively(
        self,
        k: int,
        reachable: np.ndarray,
        in_reach: np.ndarray,
        everyone: bool,
        room: np.ndarray,
        budget: float,
    ) -> None:
        """Adaptive lobby ``k``: spend where the expected gain per unit is highest (ODD 7.3).

        Gathers what :func:`~msisim.rules.lobbying.adaptive_spending` needs from the forum's
        rules: each reachable member's voice share, gap to the lobby ideal along the public-
        ideal-to-lobby axis and expected stay (rest of the term plus the chance of being
        reseated, or the attendance probability in an open round), and the selector's value
        (at coming seat selections or gatekeeping rounds, 0 when it cannot be bought). The
        lobby's budget (``budget``, after paying for astroturf) buys its ties (row ``k``).

        ``reachable`` are the members ``members[in_reach]`` (``members`` itself when
        ``everyone`` is), ``room`` the members' advocated positions.
        """
        st, ctx, des, lob = (
            self.stakeholders,
            self.params.context,
            self.params.design,
            self.lobby_state,
        )
        members = self.members
        ideal = self.lobbies[k].ideal
        axis = self.lobby_axes[k]
        horizon = 1.0 / ctx.tie_decay if ctx.tie_decay > 0 else self.params.simulation.n_steps
        # voice in the room this round, as the rule gives it (deliberate() recomputes it after
        # presence is updated: presence + rate * (member - presence) with member = 1)
        room_presence = st.presence[members]
        room_presence = room_presence + PRESENCE_RATE * (1.0 - room_presence)
        seated_room = st.seated[members]
        room_voice = self.rule.voice(self.base_voice[members], room_presence, seated_room, des)
        room_total = room_voice.sum()
        # expected stay of each reachable member, in rounds (this one included), as the rule
        # forecasts it
        term = des.term_length
        rounds_left = self.rule.rounds_left(self.steps, des)
        seated = seated_room if everyone else seated_room[in_reach]
        room_terms = st.terms_served[members]
        attend = None
        if self.rule.open_round:
            drawn_at, p = self._attendance
            attend = (
                p[reachable]
                if drawn_at == self.steps
                else self.rule.attendance(
                    self._attendance_probability(reachable), st.seated[reachable], des
                )
            )
        stay = self.rule.expected_stay(
            step=self.steps,
            design=des,
            seated=seated,
            terms_served=room_terms if everyone else room_terms[in_reach],
            incumbent_terms=room_terms[seated_room],  # every seated stakeholder is a member
            attendance=attend,
            horizon=horizon,
        )
        ties = lob.ties[k : k + 1].take(reachable, axis=1)
        tie = lobbying.combined_tie(ties)
        value = lobbying.member_values(
            room if everyone else room[in_reach],
            (room_voice if everyone else room_voice[in_reach]) / room_total
            if room_total > 0
            else np.zeros(reachable.shape[0]),
            tie,
            ideal,
            axis,
            stay,
            pull=ctx.lobby_pull,
            transparency=des.transparency,
            tie_decay=ctx.tie_decay,
            accountability=des.accountability,
        )
        selector_tie = float(lobbying.combined_tie(lob.selector_ties[k : k + 1]))
        strong_tie = self.params.simulation.strong_tie if des.recusal else None
        buys_selector = (
            ctx.selector_capture is None
            and self.rule.selector_capturable
            and ctx.lobby_targets_selector
        )
        gate_value = 0.0
        if buys_selector and self.rule.open_round and not seated_room.all():
            attending = ~seated_room
            share = room_voice[attending].sum() / room_total if room_total > 0 else 0.0
            gain = lobbying.gatekeeping_gain(room[attending], room_voice[attending], ideal, axis)
            gate_value = share * gain * self._lobby_horizons[1] * (1.0 - des.transparency)
        if buys_selector and self.rule.seated:
            # seats are at stake: the selector's worth follows the rule's forecast seating
            seating = self._seating_forecast(k, rounds_left)
            share = room_voice[seated_room].sum() / room_total if room_total > 0 else 1.0
            held = self._lobby_horizons[0]
            horizon_steps = max(horizon - (rounds_left - 1), 0.0)
            selections = 1 + min(int(horizon_steps // max(term, 1)), 20)

            def seat_worth(selector_ties: np.ndarray) -> np.ndarray:
                return (
                    share
                    * held
                    * lobbying.seat_value(
                        selector_ties,
                        seating,
                        to_selection=rounds_left - 1,
                        term=term,
                        selections=selections,
                        tie_decay=ctx.tie_decay,
                        transparency=des.transparency,
                    )
                )

            member_spend, selector_spend = lobbying.spending_with_seats(
                value,
                tie,
                selector_tie,
                seat_worth,
                gate_value,
                budget=budget,
                tie_cost=ctx.tie_cost,
                selector_tie_cost=ctx.selector_price,
                strong_tie=strong_tie,
            )
        else:
            member_spend, selector_spend = lobbying.adaptive_spending(
                value,
                tie,
                gate_value,
                selector_tie,
                budget=budget,
                tie_cost=ctx.tie_cost,
                selector_tie_cost=ctx.selector_price,
                strong_tie=strong_tie,
            )
        lob.selector_ties[k : k + 1] = lobbying.invest(
            lob.selector_ties[k : k + 1], selector_spend, ctx.selector_price
        )
        lob.ties[k : k + 1, reachable] = lobbying.invest(ties, member_spend, ctx.tie_cost)

    def _seating_forecast(self, k: int, rounds_left: int) -> np.ndarray:
        """Lobby ``k``'s forecast of who gets seated at the next selection, by capture level.

        The displacement of the seated body's mean advocated position along the lobby's axis
        when the selector is captured at each level of ``CAPTURE_GRID``, minus that at no
        capture. The lobby asks the forum's own rules (the membership rule's eligibility, the
        selection rule's scores, the screening of :func:`~msisim.rules.membership.select_seats`)
        with what it can observe (advocated positions, not true interests), on one draw of
        candidacy shared by every level (common random numbers from the lobbying stream).
        Kept until the next selection has passed.
        """
        next_selection = self.steps + rounds_left - 1
        cached = self._forecasts.get(k)
        if cached is not None and cached[0] == next_selection:
            return cached[1]
        st, des = self.stakeholders, self.params.design
        actor, axis = self.lobbies[k], self.lobby_axes[k]
        seed = int(self.streams["lobbying"].integers(2**62))
        eligible = self.rule.eligible(st.terms_served, st.seated, des)
        projection = st.advocated @ axis
        plan = self._seat_plan
        seated_by_level = membership.select_seats_by_capture(
            self._pools,
            [pool.seats for pool in plan],
            selection=self.selection,
            captures=lobbying.CAPTURE_GRID,
            lottery=[pool.lottery for pool in plan],
            lottery_capture=0.0,
            lottery_acceptance=des.sortition_acceptance == "engagement",
            lobby_ideal=actor.ideal,
            seen=st.advocated,
            resources=st.resources,
            engagement=st.engagement,
            eligible=eligible,
            rng=np.random.default_rng(seed),
        )
        means = []
        for seated in seated_by_level:
            body = projection[seated]
            # body.mean(): np.mean sums with add.reduce and divides by the count
            means.append(float(np.add.reduce(body)) / body.shape[0] if body.shape[0] else 0.0)
        seating = np.array(means) - means[0]
        self._forecasts[k] = (next_selection, seating)
        return seating

    # ------------------------------------------------------------------ 4. deliberation

    def deliberate(self) -> None:
        """Members exchange arguments in random pairs; accountability pulls positions back.

        Paid participants take part in the exchange but never move from the lobby ideal.
        """
        st, des, lob = self.stakeholders, self.params.design, self.lobby_state
        # presence += rate * (member - presence) (in place); members speak with the voice
        # their membership rule gives them, everyone else has none
        change = np.subtract(st.member, st.presence)
        change *= PRESENCE_RATE
        st.presence += change
        voice = self.rule.voice(self.base_voice, st.presence, st.seated, des)
        st.voice = np.where(st.member, voice, 0.0)
        members = self.members
        # the room's mean voice (as ndarray.mean: the sum over the count)
        lob.paid_voice = (
            float(np.add.reduce(st.voice.take(members))) / members.shape[0]
            if members.shape[0]
            else 0.0
        )
        exchange = deliberation.DELIBERATION_FORMATS[des.deliberation]
        if lob.n_paid == 0:
            exchange(
                st.advocated,
                members,
                st.voice,
                self.arena_group,
                epsilon=des.epsilon,
                mu=des.mu,
                rng=self.streams["pairing"],
            )
        else:  # paid participants form a group of their own (code -1): plenary only
            room, voice = self._room()
            groups = np.concatenate([self.arena_group[members], np.full(lob.n_paid, -1)])
            exchange(
                room,
                np.arange(room.shape[0]),
                voice,
                groups,
                epsilon=des.epsilon,
                mu=des.mu,
                rng=self.streams["pairing"],
            )
            st.advocated[members] = room[: members.shape[0]]
        self._answer(st, des.accountability, self.params.population.expression_rate)

    def _answer(self, st: StakeholderState, accountability: float, expression_rate: float) -> None:
        """Everyone's expressed position moves toward what they answer to (docs/ODD.md §7.4.3).

        Members move at ``accountability``: those the membership rule makes answer to their
        category toward its constituency signal (the engagement-weighted expressed positions
        of its stakeholders who are not seated, :func:`~msisim.rules.deliberation.
        constituency_signal`), the others toward their own interest; non-members express
        their own interest at ``expression_rate``. No agent reads a true category median.
        """
        if accountability <= 0 and expression_rate <= 0:
            return
        rate = np.where(st.member, accountability, expression_rate)
        anchor = st.position
        answerers = self.rule.category_answerers(self._seated_members())
        if accountability > 0 and answerers.shape[0]:
            signal = deliberation.constituency_signal(
                st.advocated, st.category, st.engagement, ~st.seated, self.n_categories
            )
            rows = signal[st.category[answerers]]
            heard = ~np.isnan(rows[:, 0])  # a category nobody speaks for: own interest
            anchor = st.position.copy()
            anchor[answerers[heard]] = rows[heard]
        deliberation.answer_pull(st.advocated, anchor, rate)

    def _room(self) -> tuple[np.ndarray, np.ndarray]:
        """Advocated positions and voices of the room: members first, then paid participants."""
        st, lob = self.stakeholders, self.lobby_state
        if lob.n_paid == 0:
            return st.advocated.take(self.members, axis=0), st.voice.take(self.members)
        paid = np.broadcast_to(self.lobby_ideal, (lob.n_paid, self.lobby_ideal.shape[0]))
        room = np.concatenate([st.advocated.take(self.members, axis=0), paid])
        voice = np.concatenate([st.voice[self.members], np.full(lob.n_paid, lob.paid_voice)])
        return room, voice

    # ------------------------------------------------------------------ 5. decision

    def decide(self) -> None:
        """The decision rule adopts or rejects a proposal; an adopted one moves the policy.

        With ``recusal``, members with a strong lobby tie take no part in the decision.
        """
        des, forum = self.params.design, self.forum
        forum.n_decisions += 1
        room, voice = self._room()
        self.room = room
        self.recused = np.zeros(room.shape[0], dtype=bool)
        if des.recusal and self.lobbying_active:
            tie = lobbying.combined_tie(self.lobby_state.ties.take(self.members, axis=1))
            self.recused[: self.members.shape[0]] = tie >= self.params.simulation.strong_tie
            room, voice = room[~self.recused], voice[~self.recused]
        if room.shape[0] == 0:
            forum.adopted = False
        else:
            result = self.decision.decide(room, voice, des)
            forum.proposal = result.proposal
            forum.adopted = result.adopted
            if result.adopted:
                forum.policy = decision.move_policy(forum.policy, result.proposal, des.inertia)
                forum.n_adopted += 1
        forum.policy_trail.append(forum.policy.copy())

    # ------------------------------------------------------------------ 6. engagement

    def update_engagement(self) -> None:
        """Engagement follows efficacy: closer policy raises it, exclusion lowers it.

        A shock this step mobilises those whose interest it moved
        (:func:`~msisim.rules.engagement.mobilisation_boost`).
        """
        st, pop, des = self.stakeholders, self.params.population, self.params.design
        before = st.distance_to_policy
        st.distance_to_policy = metrics.distances(st.position, self.forum.policy)
        st.engagement = engagement.update_engagement(
            st.engagement,
            st.baseline_engagement,
            before,
            st.distance_to_policy,
            st.excluded,
            rate=pop.engagement_rate,
            scale=pop.engagement_scale,
            reversion=pop.engagement_reversion,
            exclusion_penalty=pop.exclusion_penalty,
        )
        moved = self._shock_displacement
        if moved is not None and pop.mobilisation > 0:  # the affected engage after a shock
            boost = engagement.mobilisation_boost(moved, pop.mobilisation)
            st.engagement = np.clip(st.engagement + boost, 0.0, 1.0)
        if des.outreach > 0:
            boost = engagement.outreach_boost(
                st.engagement, st.category, self.n_categories, des.outreach
            )
            st.engagement = np.clip(st.engagement + boost, 0.0, 1.0)

    # ------------------------------------------------------------------ 7. observation

    def step_twins(self) -> None:
        """Step the counterfactual twins; record each shock's response against the no-shock twin.

        The no-lobby twin is the same forum with no lobby (``capture`` compares with it); the
        no-shock twin is the same forum without the scheduled shocks. After a shock at step
        ``s``, ``pass_through`` is read at ``s + pass_through_lag``: the share of the shift of
        the public ideal (shocked run minus twin) that the policy has followed
        (``(y - y') . (m - m') / |m - m'|^2``); the excess congruence error over the twin is
        kept every step for ``adaptation_half_life``.
        """
        if self.lobby_twin is not None:
            if self.owns_lobby_twin:
                self.lobby_twin.step()
            elif self.lobby_twin.steps < self.steps:
                raise RuntimeError(
                    f"the shared no-lobby twin was run for {self.lobby_twin.steps} steps; "
                    f"this run has reached step {self.steps}"
                )
        if self.shock_twin is not None:
            self.shock_twin.step()
        twin = self.shock_twin
        if twin is None:
            return
        error = metrics.congruence_error(self.forum.policy, self.public_ideal)
        twin_error = metrics.congruence_error(twin.forum.policy, twin.public_ideal)
        self.excess_error.append(error - twin_error)
        lag = self.params.simulation.pass_through_lag
        shift = self.public_ideal - twin.public_ideal  # the shocks' effects so far
        followed = self.forum.policy - twin.forum.policy
        for shock in self.shocks:
            if self.steps == shock.step - 1:  # the gaps just before this shock
                self._before_shock[shock.step] = (shift, followed)
            if self.steps == shock.step + lag:
                norm2 = float(shift @ shift)
                value = float(followed @ shift / norm2) if norm2 > 1e-12 else float("nan")
                # what this shock changed: the gaps now minus just before it (responsiveness)
                zero = np.zeros_like(shift)
                ideal_before, policy_before = self._before_shock.get(shock.step, (zero, zero))
                self.shock_responses.append(
                    {
                        "step": float(shock.step),
                        "pass_through": value,
                        **{
                            f"ideal_change_{j}": float(x)
                            for j, x in enumerate(shift - ideal_before)
                        },
                        **{
                            f"policy_change_{j}": float(x)
                            for j, x in enumerate(followed - policy_before)
                        },
                    }
                )

    @staticmethod
    def observation_start(
        params: Params, summary_only: bool, plan: declared.RecordingPlan | None = None
    ) -> int:
        """First step a run observes in full: the summary window's first with ``summary_only``.

        Before it a run records only the per-step outcomes that run outcomes declare they
        need in every step; when one of those reads the no-lobby twin, the twin (and so the
        run) is observed from the first step. ``plan``: the run's recording plan (default:
        every registered outcome).
        """
        if plan is None:
            plan = declared.recording_plan()
        if not summary_only or plan.twin_throughout:
            return 1
        sim = params.simulation
        return int(np.floor(sim.summary_burn_in * sim.n_steps)) + 1

    @staticmethod
    def no_lobby_twin(params: Params, *, rng: Any, observe_from: int = 1) -> GovernanceModel:
        """The no-lobby twin of a run with these parameters and seed, not yet stepped.

        Its parameters are :func:`msisim.counterfactual.without_lobby`, so runs that differ
        only in their lobby have equal twins; it observes only what its sibling's
        observation reads, from step ``observe_from`` (its sibling's). A twin is a plain
        :class:`GovernanceModel` whatever its sibling's class (the app's model, a test's).
        """
        twin = GovernanceModel(twins.without_lobby(params), rng=rng, _twin=True)
        twin.observe_from = observe_from
        return twin

    def _make_twins(
        self, counterfactual: bool | None, lobby_twin: GovernanceModel | None
    ) -> tuple[GovernanceModel | None, GovernanceModel | None]:
        """The no-lobby and the no-shock twins (same seed, so the same streams), or None."""
        if lobby_twin is not None:
            twins.check_shared_twin(self, lobby_twin, counterfactual)
        if self.is_twin or counterfactual is False:
            return None, None
        shock_twin = None
        if self.lobby_acts and lobby_twin is None:
            lobby_twin = self.no_lobby_twin(
                self.params, rng=self._seed, observe_from=self.observe_from
            )
        if self.params.context.shocks and (
            self._plan.kept is None or self._plan.records & SHOCK_RECORDS
        ):  # a run that keeps no outcome reading the no-shock twin runs none
            shock_twin = GovernanceModel(
                twins.without_shocks(self.params), rng=self._seed, _twin=True
            )
            shock_twin.observe_from = self.observe_from  # observed only when its sibling is
        return lobby_twin, shock_twin

    def twin_record(self) -> dict[str, float]:
        """The no-lobby twin's record at this step: its ``lobby_bias`` and tilt parts."""
        if self.lobby_twin is None:
            raise RuntimeError("this run has no no-lobby twin")
        record = self.lobby_twin.trace[self.steps - 1]
        if record is None:
            raise RuntimeError(f"the no-lobby twin did not observe step {self.steps}")
        return record

    def observe(self) -> None:
        """Compute this step's metrics, append them to the series and collect them.

        A twin records only what its sibling's observation reads (lobby bias and its parts),
        and only from the step its sibling observes in full; with a panel, also its scorecard
        cells (the panel outcomes compare the two scorecards over the same window).
        """
        if self.is_twin:
            observed = self.steps >= self.observe_from
            if observed:
                self.metrics = self.tilt_record()
            self.trace.append(self.metrics if observed else None)
            panel = observed and self.params.simulation.panel_respondents > 0
            self._cells.append(scorecards.cells(self, self._arenas) if panel else None)
            return
        self.view.note_step(self._plan.records)
        if self.steps < self.observe_from:  # before the summary window: what run outcomes need
            self.metrics = dict(self._unobserved)
            if self._plan.throughout:
                self._compute(declared.Observation(self.view), self._plan.throughout, self.metrics)
            self.series.append(self.metrics)
            self._cells.append(None)
            if self.records_twin_trace:
                self.trace.append(None)
            return
        observation = declared.Observation(self.view)  # shared by the outcomes and the scorecard
        self.metrics = self.compute_metrics(observation)
        self.series.append(self.metrics)
        if self.records_twin_trace:  # what a twin records (a run without a lobby is its own)
            self.trace.append(
                {
                    "lobby_bias": observation.lobby_bias,
                    **observation.tilt_parts,
                    **self._policy_record(),
                }
            )
        if self._plan.scorecard:
            self._cells.append(scorecards.cells(self, self._arenas, observation))
        if self._collect:
            self.datacollector.collect(self)

    def tilt_parts(self) -> dict[str, float]:
        """This forum's lobby bias split into its parts (:func:`msisim.metrics.tilt_parts`)."""
        return metrics.parts_of_path(self.tilt_path())

    def tilt_record(self) -> dict[str, float]:
        """What a no-lobby twin records: ``lobby_bias``, its tilt parts and the policy.

        The policy's coordinates (``policy_0``, ...) give each further lobby's capture toward
        its own ideal (:meth:`lobby_captures`).
        """
        path = self.tilt_path()  # its last value is metrics.lobby_bias (the same bits)
        return {"lobby_bias": path[-1], **metrics.parts_of_path(path), **self._policy_record()}

    def _policy_record(self) -> dict[str, float]:
        return {f"policy_{j}": float(x) for j, x in enumerate(self.forum.policy)}

    def lobby_captures(self) -> dict[str, float]:
        """Each lobby's capture now, toward its own ideal, against the no-lobby twin.

        ``(y - y') . (L_k - m) / |L_k - m|^2`` for the policy ``y``, the twin's ``y'``, the
        public ideal ``m`` and lobby ``k``'s ideal ``L_k`` (the main lobby's is ``capture``).
        NaN when a lobby acts but no twin was run; 0 for every lobby when none acts.
        """
        if self.lobby_twin is not None:
            record = self.twin_record()
            twin = np.array([record[f"policy_{j}"] for j in range(self.forum.policy.shape[0])])
        elif not self.lobby_acts:
            twin = self.forum.policy
        else:
            return {actor.name: math.nan for actor in self.lobbies}
        moved, m = self.forum.policy - twin, self.public_ideal
        return {actor.name: metrics.lobby_bias(m + moved, m, actor.ideal) for actor in self.lobbies}

    def tilt_path(self) -> list[float]:
        """The lobby bias of each reference point of the tilt parts (:func:`metrics.tilt_path`)."""
        st = self.stakeholders
        if self._everyone_mean is None:  # head-counted mean interest, until interests move
            self._everyone_mean = st.position.mean(axis=0)
        return metrics.tilt_path(
            st.position,
            st.advocated,
            self.members,
            st.voice,
            self.forum.policy,
            self.public_ideal,
            self.lobby_ideal,
            everyone_mean=self._everyone_mean,
        )

    def random_body_baselines(self, body_size: int) -> tuple[float, float]:
        """Expected Rose index and viewpoint coverage of a random body of ``body_size``.

        :func:`msisim.metrics.expected_rose_index_finite` and
        :func:`msisim.metrics.expected_random_coverage`, kept per body size until interests
        move.
        """
        if body_size not in self._baselines:
            self._baselines[body_size] = (
                metrics.expected_rose_index_finite(body_size, self.population_counts),
                metrics.expected_random_coverage(self.neighbour_share, body_size),
            )
        return self._baselines[body_size]

    def compute_metrics(self, observation: declared.Observation | None = None) -> dict[str, float]:
        """The per-step outcomes of :mod:`msisim.outcomes` for the current state (draws nothing).

        ``observation``: this step's :class:`~msisim.outcomes.Observation`, if already built.
        """
        if observation is None:
            observation = declared.Observation(self.view)
        return self._compute(observation, self._step_outcomes, {})

    def _compute(
        self,
        observation: declared.Observation,
        outcomes: Iterable[declared.Outcome],
        out: dict[str, float],
    ) -> dict[str, float]:
        """Fill ``out`` with the columns of ``outcomes`` (per-step) for this observation."""
        for o in outcomes:
            value = o.compute(observation)
            if o.family is None:
                out[o.name] = value
            else:  # one float per column (as float(v) of each value)
                out.update(
                    zip(self._columns[o.name], np.asarray(value, float).tolist(), strict=True)
                )
        return out

    def metric_names(self) -> list[str]:
        """Names of the per-step metrics, in column order."""
        return [column for o in self._step_outcomes for column in self._columns[o.name]]

    # ------------------------------------------------------------------ results

    def run(self, n_steps: int | None = None) -> GovernanceModel:
        """Run ``n_steps`` steps (default: the ``n_steps`` parameter); returns ``self``."""
        self.run_for(self.params.simulation.n_steps if n_steps is None else n_steps)
        return self

    def series_frame(self) -> pd.DataFrame:
        """Per-step metrics as a DataFrame (one row per step), independent of collection."""
        return pd.DataFrame(self.series, columns=self.metric_names())

    def summary(self) -> dict[str, float]:
        """Per-run outcomes: name -> float, aggregated as each outcome declares.

        ``mean`` outcomes are averaged over the steps after the burn-in
        (``summary_burn_in``, default the second half of the run); a ``rate`` (such as
        ``gridlock_rate``) is the share of rounds in that window with the event; ``last`` is
        the value at the end. Whole-run outcomes follow: ``adaptation_lag`` and
        ``adaptation_censored`` when shocks fell inside the run (see
        :func:`msisim.metrics.adaptation_lags`), ``governance_index`` (absent when no category
        belongs to a scorecard arena) and ``steps``. See :mod:`msisim.outcomes`.
        """
        if not self.series:
            raise RuntimeError("summary() needs at least one step; call run_for(n) first")
        names = self.metric_names()
        table = np.array([[row[n] for n in names] for row in self.series])
        columns = {n: table[:, j] for j, n in enumerate(names)}
        start = self._burn_in(table.shape[0])
        if start + 1 < self.observe_from:
            raise RuntimeError(
                f"summary() after {table.shape[0]} steps averages from step {start + 1}, but this "
                f"model (summary_only=True) observed in full only from step {self.observe_from}; "
                f"run it for n_steps={self.params.simulation.n_steps} steps"
            )
        out = declared.Summary()
        for o in self._step_outcomes:
            if o.aggregate == "row":  # labels the row (step): nothing to summarise
                continue
            for column in self._columns[o.name]:
                values = columns[column]
                key = o.key if o.family is None else column
                out[key] = float(values[-1] if o.aggregate == "last" else values[start:].mean())
        for o in self._plan.run_outcomes:
            value = declared.evaluate(o, self.view, columns, self._columns)
            if value is not None:
                out[o.key] = float(value)
        return out

    def _check_kept_columns(self, kept: frozenset[str]) -> None:
        """Refuse a kept family column this run does not have (``policy_7`` in 2 dimensions)."""
        names = {o.key for o in (*self._step_outcomes, *self._plan.run_outcomes)}
        names |= {o.name for o in self._step_outcomes}
        columns = {c for cols in self._columns.values() for c in cols}
        unknown = sorted(
            k for k in kept
            if k not in names and k not in columns and not k.startswith(declared.CARD_PREFIXES)
        )  # fmt: skip
        if unknown:
            family = sorted(
                c for o in self._step_outcomes if o.family for c in self._columns[o.name]
            )
            raise ValueError(
                f"outcomes {unknown} are not columns of this run (its families' columns: "
                f"{', '.join(family)})"
            )

    @property
    def keeps_scorecard(self) -> bool:
        """Whether this run records its scorecard (every run, unless ``outcomes=`` left it out)."""
        return self._plan.scorecard

    def scorecard(
        self,
        *,
        window: bool = True,
        arena_weights: Mapping[str, float] | None = None,
        principle_weights: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """Governance scorecard of the forum: 4 arenas x 6 principles on 1-10.

        Indicators and their bounds are documented in :mod:`msisim.scorecard`. Each cell's
        indicator is its mean over the summary window (the steps ``summary()`` averages;
        efficiency there is ``1 -`` the gridlock rate); ``window=False`` scores the forum as
        it is now. Returns a tidy table (``arena, principle, indicator, lower, upper, score,
        weight``).

        Raises:
            RuntimeError: ``window=True`` in a run made with ``outcomes=`` that kept no outcome
                reading the scorecard (its cells were not recorded).
        """
        if window and not self._plan.scorecard:
            raise RuntimeError(
                "this run kept only the outcomes it was asked for (outcomes=...), none of them "
                "reading the scorecard: its cells over the summary window were not recorded"
            )
        return scorecards.build_scorecard(
            scorecards.indicators(self, window=window),
            arena_weights=arena_weights,
            principle_weights=principle_weights,
        )

    def questionnaire(
        self,
        n_respondents: int = 5,
        *,
        noise: float = 1.0,
        tie_bias: float = 3.0,
        rng: np.random.Generator | int | None = None,
        perspective: float = 0.0,
    ) -> pd.DataFrame:
        """Simulated well-informed-person survey of the scorecard (see :mod:`msisim.scorecard`).

        ``n_respondents`` per arena are drawn among the arena's forum members (topped up from
        its other stakeholders); their ratings are noisy and inflated by their lobby ties.
        The draws use their own generator (default: a fresh copy of the run's
        ``questionnaire`` stream, so asking twice gives the same answers), so asking never
        changes the run. With ``perspective > 0`` respondents rate effectiveness partly by
        the policy's distance from the position they advocate (docs/ODD.md §7.7.5).
        """
        if n_respondents < 1:
            raise ValueError(f"n_respondents={n_respondents!r} is invalid: must be >= 1")
        if not 0.0 <= perspective <= 1.0:
            raise ValueError(f"perspective={perspective!r} is invalid: must lie in [0, 1]")
        gen = (
            spawn_streams(self._seed)["questionnaire"]
            if rng is None
            else np.random.default_rng(rng)
        )
        st = self.stakeholders
        tie = lobbying.combined_tie(self.lobby_state.ties)
        radius = np.sqrt(st.position.shape[1]) / 2.0
        respondents, ties, views = {}, {}, {}
        for arena, codes in scorecards.arena_codes(self.category_names).items():
            pool = np.flatnonzero(np.isin(st.category, codes))
            inside = pool[st.member[pool]]
            outside = pool[~st.member[pool]]
            first = gen.permutation(inside)[:n_respondents]
            rest = gen.permutation(outside)[: n_respondents - first.shape[0]]
            who = np.concatenate([first, rest])
            respondents[arena], ties[arena] = who, tie[who]
            own = 1.0 - np.linalg.norm(st.advocated[who] - self.forum.policy, axis=1) / radius
            views[arena] = 1.0 + 9.0 * np.clip(own, 0.0, 1.0)  # scorecard.to_score, bounds [0, 1]
        return scorecards.simulate_questionnaire(
            self.scorecard(),
            respondents,
            ties,
            noise=noise,
            tie_bias=tie_bias,
            rng=gen,
            views=views,
            perspective=perspective,
        )

    # ------------------------------------------------------------------ helpers

    def scorecard_cells(self) -> np.ndarray | None:
        """Mean scorecard indicators over the summary window, or None before it has a step."""
        recorded = [c for c in self._cells[self._burn_in(len(self._cells)) :] if c is not None]
        return np.mean(recorded, axis=0) if recorded else None

    def _burn_in(self, n_rows: int) -> int:
        return int(np.floor(self.params.simulation.summary_burn_in * n_rows))

    def _refresh_position_summaries(self) -> None:
        """Recompute what depends only on true positions (after shocks or drift)."""
        st = self.stakeholders
        self.public_ideal = np.average(st.position, axis=0, weights=st.affectedness)
        self.public_median = metrics.weighted_median(st.position, st.affectedness)
        # each category's median true interest: read only by the metrics (the scorecard's
        # accountability indicator), never by an agent (members answer to expressed positions)
        self.category_medians = np.array(
            [
                np.median(st.position[members], axis=0)
                if members.shape[0]
                else np.full(st.position.shape[1], 0.5)
                for members in self.category_members
            ]
        )
        self.sample_positions = st.position[self.viewpoint_sample]
        #: The sample's affectedness-weighted distribution per coordinate (read-only arrays).
        values, cdf = metrics.distribution_of(
            self.sample_positions, st.affectedness[self.viewpoint_sample]
        )
        self.population_distribution = (_read_only(values), _read_only(cdf))
        at_values = metrics.distribution_at_values(values, cdf)
        #: The distribution function at each of those values (metrics.distribution_at_values).
        self.population_at_values = None if at_values is None else _read_only(at_values)
        self.sample_tree = cKDTree(self.sample_positions)
        radius = self.params.simulation.viewpoint_radius
        near = self.sample_tree.query_ball_point(self.sample_positions, radius, return_length=True)
        # share of the population near each sampled interest, estimated on the sample itself
        self.neighbour_share = np.asarray(near, dtype=float) / self.viewpoint_sample.shape[0]
        axis = self.lobby_ideal - self.public_ideal
        norm = math.sqrt(axis.dot(axis))  # as np.linalg.norm
        #: Unit axis from the public ideal to the lobby ideal (the adaptive lobby's yardstick).
        self.lobby_axis = axis / norm if norm > 0 else axis
        #: The same axis for each lobby (toward its own ideal), ``[K, d]``.
        self.lobby_axes = np.array(
            [self.lobby_axis] + [_unit(a.ideal - self.public_ideal) for a in self.lobbies[1:]]
        )
        lobby_distance = metrics.distances(st.position, self.lobby_ideal)
        self.lobby_aligned = lobby_distance < np.median(lobby_distance)
        self.aligned_share = float(self.lobby_aligned.mean())
        self._everyone_mean = None  # computed when first needed
        self._baselines = {}

    def _grassroots_code(self) -> int:
        """Code of the ``grassroots`` category, or of the most affected one if none is so named."""
        if "grassroots" in self.category_names:
            return self.category_names.index("grassroots")
        return int(np.argmax([c.affectedness for c in self.params.population.categories]))


def _unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to length 1 (itself when it is 0)."""
    norm = math.sqrt(vector.dot(vector))
    return vector / norm if norm > 0 else vector


def _read_only(array: np.ndarray) -> np.ndarray:
    """``array``, flagged read-only (it is shared: modifying it in place would be a bug)."""
    array.flags.writeable = False
    return array


def _reporter(name: str) -> Any:
    return lambda model: model.metrics[name]
