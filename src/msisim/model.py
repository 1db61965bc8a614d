"""GovernanceModel: the Mesa model that wires parameters, state, rules and metrics.

``step()`` is the protocol of MODEL.md §3: context, membership, lobbying, deliberation,
decision, engagement, observation. Each phase is a short method that calls pure rules from
:mod:`msisim.rules` on the stakeholder arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from msisim import metrics
from msisim import scorecard as scorecards
from msisim.agents import Lobbyist, Selector, Stakeholder
from msisim.params import Params
from msisim.population import build_population
from msisim.rules import context, decision, deliberation, engagement, lobbying, membership
from msisim.state import ForumState, LobbyState

logger = logging.getLogger(__name__)

#: Presence is an exponential moving average of membership with this weight on the new round.
PRESENCE_RATE = 0.1

#: Per-step metrics in column order (category- and dimension-specific ones follow).
BASE_METRICS: tuple[str, ...] = (
    "step", "n_members", "n_paid", "rose", "true_rose", "rose_voice", "rose_affected",
    "expected_rose", "rose_gap", "grassroots_share", "true_grassroots_share",
    "grassroots_voice_share", "voice_gini", "viewpoint_coverage", "congruence_error",
    "congruence_error_median", "mean_citizen_distance", "responsiveness", "lobby_bias",
    "captured_share", "mean_tie", "selection_odds_ratio", "selector_capture", "n_recused",
    "gridlock", "gridlock_rate", "mean_engagement",
)  # fmt: skip


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
        rng: Seed or generator (Mesa 3.5 semantics); every draw uses ``self.rng``.
        collect: Whether the DataCollector records per-step metrics (the model's own series,
            used by :meth:`summary`, is always kept).
        **kwargs: Flat parameters or parameter groups.
    """

    def __init__(
        self,
        params: Params | None = None,
        *,
        rng: Any = None,
        collect: bool = True,
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
        self.rule = params.design.rule
        pop, des, ctx = params.population, params.design, params.context
        self.category_names: tuple[str, ...] = pop.category_names
        self.n_categories = len(self.category_names)

        self.stakeholders = build_population(pop, self.rng)
        st = self.stakeholders
        self.population_shares = metrics.shares(pop.category_counts())
        self._shares_key = tuple(float(p) for p in self.population_shares)
        self.affected_shares = metrics.shares(
            np.bincount(st.category, weights=st.affectedness, minlength=self.n_categories)
        )
        self.lobby_ideal = np.asarray(ctx.lobby_ideal, dtype=float)
        self.support = params.support_by_category()[st.category]
        self.base_voice = st.resources**des.voice_resource_exponent
        self.log_resources = np.log(st.resources)
        self.grassroots_code = self._grassroots_code()
        self.seats = params.seats_by_category()
        self._seat_plan = params.seat_pools()
        self._pools = [
            np.arange(st.n)
            if pool.category is None
            else np.flatnonzero(st.category == pool.category)
            for pool in self._seat_plan
        ]
        sample_size = min(params.simulation.viewpoint_sample, st.n)
        self.viewpoint_sample = np.sort(self.rng.choice(st.n, size=sample_size, replace=False))
        self._refresh_position_summaries()

        self.forum = ForumState(policy=self.public_ideal.copy(), proposal=self.public_ideal.copy())
        st.distance_to_policy = metrics.distances(st.position, self.forum.policy)
        self.lobby_state = LobbyState(
            ties=np.zeros((ctx.n_lobbyists, st.n)),
            selector_ties=np.zeros(ctx.n_lobbyists),
            cooling_until=np.zeros(st.n, dtype=np.int64),
            paid_claims=np.zeros(self.n_categories, dtype=np.int64),
        )
        self.lobbying_active = ctx.n_lobbyists > 0 and ctx.lobby_budget > 0
        self.members = np.zeros(0, dtype=np.int64)
        self.recused = np.zeros(0, dtype=bool)
        self.room = np.zeros((0, pop.n_dims))  # advocated positions in the room at the decision

        self.agents_list = [Stakeholder(self, i) for i in range(st.n)]
        self.selector = Selector(self)
        self.lobbyists = [Lobbyist(self, i) for i in range(ctx.n_lobbyists)]

        self.series: list[dict[str, float]] = []
        self.metrics: dict[str, float] = {}
        self._collect = collect
        reporters = {name: _reporter(name) for name in self.metric_names()} if collect else {}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.running = True

    # ------------------------------------------------------------------ protocol

    def step(self) -> None:
        """One forum round (MODEL.md §3)."""
        self.apply_context()  # 1. shocks and drift move true interests
        self.form_forum()  # 2. seats (re)filled or attendance drawn; gatekeeping; astroturf
        self.lobby()  # 3. lobbyists spend on members and the selector; ties pull
        self.deliberate()  # 4. bounded-confidence exchange, accountability pull
        self.decide()  # 5. proposal, decision rule (recusal), policy moves with inertia
        self.update_engagement()  # 6. efficacy feedback, exclusion, outreach
        self.observe()  # 7. metrics recorded
        if self.steps >= self.params.simulation.n_steps:
            self.running = False

    # ------------------------------------------------------------------ 1. context

    def apply_context(self) -> None:
        """Apply the shocks scheduled for this step and any drift."""
        st, ctx = self.stakeholders, self.params.context
        now = [s for s in ctx.shocks if s.step == self.steps]
        moved = context.apply_shocks(st.position, st.category, now, self.category_names)
        moved |= context.apply_drift(st.position, ctx.drift, self.rng)
        if moved:
            self._refresh_position_summaries()

    # ------------------------------------------------------------------ 2. membership

    def form_forum(self) -> None:
        """Fill seats at the start of each term, draw this round's open attendance, gatekeep."""
        st, des = self.stakeholders, self.params.design
        self.forum.selector_capture = self.capture_level()
        if self.rule.everyone:
            st.member[:] = True
            self.members = np.arange(st.n)
            return
        if self.rule.seated and (self.steps - 1) % des.term_length == 0:
            self._fill_seats()
        attending = np.zeros(st.n, dtype=bool)
        if self.rule.open_round:
            attending = self._draw_attendance() & ~st.seated
        st.excluded = membership.gatekeep(
            attending, st.advocated, self.lobby_ideal, self.forum.selector_capture, self.rng
        )
        st.member = st.seated | (attending & ~st.excluded)
        self.members = np.flatnonzero(st.member)
        self._hire_astroturf(attending & ~st.excluded)

    def capture_level(self) -> float:
        """The selector's capture: the exogenous level if set, else from its lobby ties.

        Endogenous capture is ``combined tie * (1 - transparency)``: registered ties count less.
        A pure lottery (a rule that is not ``selector_capturable``) leaves the selector no
        discretion to sell, so there only an exogenous level (a rigged lottery) biases the draw.
        """
        exogenous = self.params.context.selector_capture
        if exogenous is not None:
            return float(exogenous)
        if not self.rule.selector_capturable:
            return 0.0
        return lobbying.captured_selector(
            self.lobby_state.selector_ties, self.params.design.transparency
        )

    def _fill_seats(self) -> None:
        st, des = self.stakeholders, self.params.design
        was_seated = st.seated.copy()
        exogenous = self.params.context.selector_capture
        st.seated = membership.select_seats(
            self._pools,
            [pool.seats for pool in self._seat_plan],
            selection=des.selection,
            capture=self.forum.selector_capture,
            lottery=[pool.lottery for pool in self._seat_plan],
            lottery_capture=0.0 if exogenous is None else float(exogenous),
            lobby_ideal=self.lobby_ideal,
            position=st.position,
            advocated=st.advocated,
            resources=st.resources,
            engagement=st.engagement,
            eligible=membership.eligible_for_term(st.terms_served, des.term_limit),
            rng=self.rng,
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

    def _draw_attendance(self) -> np.ndarray:
        st, pop = self.stakeholders, self.params.population
        p = membership.attendance_probability(
            st.engagement,
            self.log_resources,
            st.affectedness,
            self.support,
            intercept=pop.attendance_intercept,
            b_engagement=pop.attendance_engagement,
            b_resources=pop.attendance_resources,
            b_affectedness=pop.attendance_affectedness,
            cost=self.params.context.participation_cost,
        )
        return membership.draw_attendance(p, self.rng)

    def _hire_astroturf(self, real_attendees: np.ndarray) -> None:
        """Paid participants fill ``astroturf_share`` of an open room (funded lobbies only)."""
        lob, ctx = self.lobby_state, self.params.context
        lob.n_paid = 0
        lob.paid_claims = np.zeros(self.n_categories, dtype=np.int64)
        if not (self.lobbying_active and ctx.astroturf_share > 0):
            return
        n_real = int(real_attendees.sum())
        if n_real == 0:
            return
        lob.n_paid = round(ctx.astroturf_share / (1.0 - ctx.astroturf_share) * n_real)
        counts = np.bincount(
            self.stakeholders.category[real_attendees], minlength=self.n_categories
        )
        lob.paid_claims = lobbying.astroturf_claims(counts, self.population_shares, lob.n_paid)

    # ------------------------------------------------------------------ 3. lobbying

    def lobby(self) -> None:
        """Lobbyists spend on the selector and on targeted members; ties decay and pull.

        Each lobbyist puts ``selector_spending`` of its budget into its tie with the
        selector/convener and spreads the rest equally over the members its strategy targets
        (former members in a cooling-off period are off limits). Then every tied member's
        advocated position is pulled toward the lobby ideal (weaker under transparency).
        Lobbyists share ideal, budget and strategy, so they pick the same targets: the
        spending is one vectorised update of all lobbyists' rows.
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
        reachable = self.members[lob.cooling_until[self.members] <= self.steps]
        member_budget = ctx.lobby_budget * (1.0 - ctx.selector_spending)
        lob.selector_ties[:] = lobbying.invest(
            lob.selector_ties, ctx.lobby_budget * ctx.selector_spending, ctx.tie_cost
        )
        if reachable.shape[0] > 0 and member_budget > 0:
            rows = lobbying.choose_targets(
                ctx.lobby_strategy,
                st.advocated[reachable],
                self.base_voice[reachable],
                self.forum.proposal,
                self.lobby_ideal,
                ctx.lobby_focus,
            )
            targets = reachable[rows]
            lob.ties[:, targets] = lobbying.invest(
                lob.ties[:, targets], member_budget / targets.shape[0], ctx.tie_cost
            )
        tie = lobbying.combined_tie(lob.ties[:, self.members])
        st.advocated[self.members] = lobbying.lobby_pull(
            st.advocated[self.members],
            tie,
            self.lobby_ideal,
            pull=ctx.lobby_pull,
            transparency=des.transparency,
        )

    # ------------------------------------------------------------------ 4. deliberation

    def deliberate(self) -> None:
        """Members exchange arguments in random pairs; accountability pulls positions back.

        Paid participants take part in the exchange but never move from the lobby ideal.
        """
        st, des, lob = self.stakeholders, self.params.design, self.lobby_state
        st.presence += PRESENCE_RATE * (st.member - st.presence)
        st.voice = np.where(
            st.member, self.base_voice * (1.0 + des.presence_weight * st.presence), 0.0
        )
        if self.rule.consulted_voice:
            st.voice = np.where(st.seated, st.voice, des.consultation_weight * st.voice)
        members = self.members
        lob.paid_voice = float(st.voice[members].mean()) if members.shape[0] else 0.0
        if lob.n_paid == 0:
            deliberation.bounded_confidence(
                st.advocated, members, st.voice, epsilon=des.epsilon, mu=des.mu, rng=self.rng
            )
        else:
            room, voice = self._room()
            deliberation.bounded_confidence(
                room, np.arange(room.shape[0]), voice, epsilon=des.epsilon, mu=des.mu, rng=self.rng
            )
            st.advocated[members] = room[: members.shape[0]]
        if des.accountability > 0:
            deliberation.accountability_pull(st.advocated, st.position, des.accountability)
            if self.rule.category_accountability:
                # representatives answer to their category's median interest, not their own
                seated = np.flatnonzero(st.seated)
                shift = self.category_medians[st.category[seated]] - st.position[seated]
                st.advocated[seated] += des.accountability * shift

    def _room(self) -> tuple[np.ndarray, np.ndarray]:
        """Advocated positions and voices of the room: members first, then paid participants."""
        st, lob = self.stakeholders, self.lobby_state
        if lob.n_paid == 0:
            return st.advocated[self.members], st.voice[self.members]
        paid = np.broadcast_to(self.lobby_ideal, (lob.n_paid, self.lobby_ideal.shape[0]))
        room = np.concatenate([st.advocated[self.members], paid])
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
            tie = lobbying.combined_tie(self.lobby_state.ties[:, self.members])
            self.recused[: self.members.shape[0]] = tie >= self.params.simulation.strong_tie
            room, voice = room[~self.recused], voice[~self.recused]
        if room.shape[0] == 0:
            forum.adopted = False
        else:
            rule = decision.decision_rule(des.decision_rule)
            result = rule(room, voice, des.support_radius, des.consensus_threshold)
            forum.proposal = result.proposal
            forum.adopted = result.adopted
            if result.adopted:
                forum.policy = decision.move_policy(forum.policy, result.proposal, des.inertia)
                forum.n_adopted += 1
        forum.policy_trail.append(forum.policy.copy())

    # ------------------------------------------------------------------ 6. engagement

    def update_engagement(self) -> None:
        """Engagement follows efficacy: closer policy raises it, exclusion lowers it."""
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
        if des.outreach > 0:
            boost = engagement.outreach_boost(
                st.engagement, st.category, self.n_categories, des.outreach
            )
            st.engagement = np.clip(st.engagement + boost, 0.0, 1.0)

    # ------------------------------------------------------------------ 7. observation

    def observe(self) -> None:
        """Compute this step's metrics, append them to the series and collect them."""
        self.metrics = self.compute_metrics()
        self.series.append(self.metrics)
        if self._collect:
            self.datacollector.collect(self)

    def compute_metrics(self) -> dict[str, float]:
        """The per-step metrics of MODEL.md §4 for the current state (draws nothing).

        *Measured* composition counts paid participants under the categories they claim (as
        the forum sees it); *true* composition counts them as a category of their own with
        population share 0 (``true_rose``, ``true_grassroots_share``).
        """
        st, forum, sim, lob = (
            self.stakeholders,
            self.forum,
            self.params.simulation,
            self.lobby_state,
        )
        members, k = self.members, self.n_categories
        d = st.position.shape[1]
        real = np.bincount(st.category[members], minlength=k)
        measured = real + lob.paid_claims
        voice = np.bincount(st.category[members], weights=st.voice[members], minlength=k)
        voice = voice + lob.paid_claims * lob.paid_voice
        head_shares, voice_shares = metrics.shares(measured), metrics.shares(voice)
        true_shares = metrics.shares(np.append(real, lob.n_paid))
        rose = metrics.rose_index(head_shares, self.population_shares)
        body = int(members.shape[0] + lob.n_paid)
        expected = metrics.expected_rose_index(body, self._shares_key)
        error = metrics.congruence_error(forum.policy, self.public_ideal)
        room = self.room
        tie = lobbying.combined_tie(lob.ties[:, members])
        aligned = int(self.lobby_aligned[members].sum())
        out: dict[str, float] = {
            "step": float(self.steps),
            "n_members": float(members.shape[0]),
            "n_paid": float(lob.n_paid),
            "rose": rose,
            "true_rose": metrics.rose_index(true_shares, np.append(self.population_shares, 0.0)),
            "rose_voice": metrics.rose_index(voice_shares, self.population_shares),
            "rose_affected": metrics.rose_index(head_shares, self.affected_shares),
            "expected_rose": expected,
            "rose_gap": rose - expected,
            "grassroots_share": float(head_shares[self.grassroots_code]),
            "true_grassroots_share": float(true_shares[self.grassroots_code]),
            "grassroots_voice_share": float(voice_shares[self.grassroots_code]),
            "voice_gini": metrics.gini(st.voice[members]),
            "viewpoint_coverage": metrics.viewpoint_coverage(
                st.position[self.viewpoint_sample],
                room,
                sim.viewpoint_radius,
                sample_tree=self._sample_tree,
            ),
            "congruence_error": error,
            "congruence_error_median": metrics.congruence_error(forum.policy, self.public_median),
            "mean_citizen_distance": metrics.mean_citizen_distance(
                st.distance_to_policy, st.affectedness
            ),
            "responsiveness": metrics.responsiveness(error, d),
            "lobby_bias": metrics.lobby_bias(forum.policy, self.public_ideal, self.lobby_ideal),
            "captured_share": float(np.mean(tie >= sim.strong_tie)) if tie.size else 0.0,
            "mean_tie": float(tie.mean()) if tie.size else 0.0,
            "selection_odds_ratio": metrics.odds_ratio(
                aligned, int(members.shape[0]), self.aligned_share
            ),
            "selector_capture": float(forum.selector_capture),
            "n_recused": float(self.recused.sum()),
            "gridlock": 0.0 if forum.adopted else 1.0,
            "gridlock_rate": 1.0 - forum.n_adopted / max(forum.n_decisions, 1),
            "mean_engagement": float(st.engagement.mean()),
        }
        ratio = metrics.representation_ratio(head_shares, self.population_shares)
        for g, name in enumerate(self.category_names):
            out[f"representation_{name}"] = float(ratio[g])
        for j in range(d):
            out[f"policy_{j}"] = float(forum.policy[j])
        return out

    def metric_names(self) -> list[str]:
        """Names of the per-step metrics, in column order."""
        names = list(BASE_METRICS)
        names += [f"representation_{n}" for n in self.category_names]
        names += [f"policy_{j}" for j in range(self.params.population.n_dims)]
        return names

    # ------------------------------------------------------------------ results

    def run(self, n_steps: int | None = None) -> GovernanceModel:
        """Run ``n_steps`` steps (default: the ``n_steps`` parameter); returns ``self``."""
        self.run_for(self.params.simulation.n_steps if n_steps is None else n_steps)
        return self

    def series_frame(self) -> pd.DataFrame:
        """Per-step metrics as a DataFrame (one row per step), independent of collection."""
        return pd.DataFrame(self.series, columns=self.metric_names())

    def summary(self) -> dict[str, float]:
        """Per-run outcomes: name -> float.

        Every per-step metric is averaged over the steps after the burn-in
        (``summary_burn_in``, default the second half of the run); ``gridlock_rate`` is the
        share of gridlocked rounds in that window. When shocks were scheduled,
        ``adaptation_lag`` is the mean lag over shocks inside the run and
        ``adaptation_censored`` the share of them never absorbed (see
        :func:`msisim.metrics.adaptation_lags`). ``governance_index`` is the weighted
        scorecard index (1-10) at the end of the run (absent when no category belongs to a
        scorecard arena); ``steps`` the number of steps run.
        """
        if not self.series:
            raise RuntimeError("summary() needs at least one step; call run_for(n) first")
        names = self.metric_names()
        table = np.array([[row[n] for n in names] for row in self.series])
        window = table[self._burn_in(table.shape[0]) :]
        out = {n: float(window[:, j].mean()) for j, n in enumerate(names) if n != "step"}
        out["gridlock_rate"] = out.pop("gridlock")
        ctx, sim = self.params.context, self.params.simulation
        if ctx.shocks:
            errors = table[:, names.index("congruence_error")]
            lags, censored = metrics.adaptation_lags(
                errors,
                [s.step for s in ctx.shocks],
                tolerance=sim.adaptation_tolerance,
                window=sim.adaptation_window,
            )
            if lags.size:
                out["adaptation_lag"] = float(lags.mean())
                out["adaptation_censored"] = float(censored.mean())
        card = self.scorecard()
        if not card.empty:  # no arena when no category belongs to one
            out["governance_index"] = scorecards.governance_index(card)
        out["steps"] = float(self.steps)
        return out

    def scorecard(
        self,
        *,
        arena_weights: Mapping[str, float] | None = None,
        principle_weights: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """Governance scorecard of the forum now: 4 arenas x 6 principles on 1-10.

        Indicators and their bounds are documented in :mod:`msisim.scorecard`; efficiency
        uses the gridlock rate over the summary window. Returns a tidy table (``arena,
        principle, indicator, lower, upper, score, weight``).
        """
        return scorecards.build_scorecard(
            self._scorecard_indicators(),
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
    ) -> pd.DataFrame:
        """Simulated well-informed-person survey of the scorecard (see :mod:`msisim.scorecard`).

        ``n_respondents`` per arena are drawn among the arena's forum members (topped up from
        its other stakeholders); their ratings are noisy and inflated by their lobby ties.
        The draws use their own generator (default: seeded from the model's seed), so asking
        never changes the run.
        """
        if n_respondents < 1:
            raise ValueError(f"n_respondents={n_respondents!r} is invalid: must be >= 1")
        gen = np.random.default_rng([self._seed, 0x5157] if rng is None else rng)
        st = self.stakeholders
        tie = lobbying.combined_tie(self.lobby_state.ties)
        respondents, ties = {}, {}
        for arena, codes in self._arena_codes().items():
            pool = np.flatnonzero(np.isin(st.category, codes))
            inside = pool[st.member[pool]]
            outside = pool[~st.member[pool]]
            first = gen.permutation(inside)[:n_respondents]
            rest = gen.permutation(outside)[: n_respondents - first.shape[0]]
            who = np.concatenate([first, rest])
            respondents[arena], ties[arena] = who, tie[who]
        return scorecards.simulate_questionnaire(
            self.scorecard(), respondents, ties, noise=noise, tie_bias=tie_bias, rng=gen
        )

    # ------------------------------------------------------------------ helpers

    def _burn_in(self, n_rows: int) -> int:
        return int(np.floor(self.params.simulation.summary_burn_in * n_rows))

    def _arena_codes(self) -> dict[str, list[int]]:
        codes = {}
        for arena, cats in scorecards.ARENA_CATEGORIES.items():
            present = [self.category_names.index(c) for c in cats if c in self.category_names]
            if present:
                codes[arena] = present
        return codes

    def _scorecard_indicators(self) -> dict[tuple[str, str], float]:
        st, forum, des = self.stakeholders, self.forum, self.params.design
        members = self.members
        real = np.bincount(st.category[members], minlength=self.n_categories)
        voice = np.bincount(
            st.category[members], weights=st.voice[members], minlength=self.n_categories
        )
        head_s, voice_s = metrics.shares(real), metrics.shares(voice)
        tie = lobbying.combined_tie(self.lobby_state.ties)
        gridlock = [row["gridlock"] for row in self.series]
        radius = np.sqrt(st.position.shape[1]) / 2.0  # centre of the space to a corner
        efficiency = (
            1.0 - float(np.mean(gridlock[self._burn_in(len(gridlock)) :])) if gridlock else 1.0
        )
        out: dict[tuple[str, str], float] = {}
        for arena, codes in self._arena_codes().items():
            p_a = float(self.population_shares[codes].sum())
            s_a, v_a = float(head_s[codes].sum()), float(voice_s[codes].sum())
            in_arena = np.isin(st.category, codes)
            mem = members[in_arena[members]]
            out[(arena, "participation")] = s_a / p_a
            out[(arena, "fairness")] = min(v_a, p_a) / max(v_a, p_a)
            if mem.shape[0]:
                drift = np.linalg.norm(
                    st.advocated[mem] - self.category_medians[st.category[mem]], axis=1
                )
                out[(arena, "accountability")] = 1.0 - float(drift.mean()) / radius
                out[(arena, "transparency")] = 1.0 - float(tie[mem].mean()) * (1 - des.transparency)
            else:
                out[(arena, "accountability")] = 0.0
                out[(arena, "transparency")] = 1.0
            out[(arena, "efficiency")] = efficiency
            dist = np.linalg.norm(st.position[in_arena] - forum.policy, axis=1)
            weights = st.affectedness[in_arena]
            mean_dist = np.average(dist, weights=weights) if weights.sum() > 0 else dist.mean()
            out[(arena, "effectiveness")] = 1.0 - float(mean_dist) / radius
        return out

    def _refresh_position_summaries(self) -> None:
        """Recompute what depends only on true positions (after shocks or drift)."""
        st = self.stakeholders
        self.public_ideal = np.average(st.position, axis=0, weights=st.affectedness)
        self.public_median = metrics.weighted_median(st.position, st.affectedness)
        self.category_medians = np.array(
            [
                np.median(st.position[st.category == g], axis=0)
                if np.any(st.category == g)
                else np.full(st.position.shape[1], 0.5)
                for g in range(self.n_categories)
            ]
        )
        self._sample_tree = cKDTree(st.position[self.viewpoint_sample])
        lobby_distance = metrics.distances(st.position, self.lobby_ideal)
        self.lobby_aligned = lobby_distance < np.median(lobby_distance)
        self.aligned_share = float(self.lobby_aligned.mean())

    def _grassroots_code(self) -> int:
        """Code of the ``grassroots`` category, or of the most affected one if none is so named."""
        if "grassroots" in self.category_names:
            return self.category_names.index("grassroots")
        return int(np.argmax([c.affectedness for c in self.params.population.categories]))


def _reporter(name: str) -> Any:
    return lambda model: model.metrics[name]
