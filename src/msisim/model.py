"""GovernanceModel: the Mesa model that wires parameters, state, rules and metrics.

``step()`` is the protocol of MODEL.md §3: context, membership, lobbying, deliberation,
decision, engagement, observation. Each phase is a short method that calls pure rules from
:mod:`msisim.rules` on the stakeholder arrays.
"""

from __future__ import annotations

import logging
from typing import Any

import mesa
import numpy as np

from msisim import metrics
from msisim.agents import Selector, Stakeholder
from msisim.params import Params
from msisim.population import build_population
from msisim.rules import context, decision, deliberation, engagement, membership
from msisim.state import ForumState

logger = logging.getLogger(__name__)

#: Presence is an exponential moving average of membership with this weight on the new round.
PRESENCE_RATE = 0.1


class GovernanceModel(mesa.Model):
    """A multistakeholder forum and the population it governs for.

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
        elif kwargs:
            params = Params.from_flat(
                **{
                    "population": params.population,
                    "design": params.design,
                    "context": params.context,
                    "simulation": params.simulation,
                    **kwargs,
                }
            )
        elif not isinstance(params, Params):
            raise ValueError(f"params={params!r} is invalid: must be a msisim.Params")
        super().__init__(rng=rng)
        self.params = params
        pop, des, ctx = params.population, params.design, params.context
        self.category_names: tuple[str, ...] = pop.category_names
        self.n_categories = len(self.category_names)

        self.stakeholders = build_population(pop, self.rng)
        st = self.stakeholders
        counts = pop.category_counts()
        self.population_shares = metrics.shares(counts)
        self.affected_shares = metrics.shares(
            np.bincount(st.category, weights=st.affectedness, minlength=self.n_categories)
        )
        self.lobby_ideal = np.asarray(ctx.lobby_ideal, dtype=float)
        self.seats = params.seats_by_category()
        self.support = params.support_by_category()[st.category]
        self.base_voice = st.resources**des.voice_resource_exponent
        self.grassroots_code = self._grassroots_code()
        self._pools = self._seat_pools()
        sample_size = min(params.simulation.viewpoint_sample, st.n)
        self.viewpoint_sample = np.sort(self.rng.choice(st.n, size=sample_size, replace=False))
        self._refresh_position_summaries()

        self.forum = ForumState(policy=self.public_ideal.copy(), proposal=self.public_ideal.copy())
        st.distance_to_policy = np.linalg.norm(st.position - self.forum.policy, axis=1)

        self.agents_list = [Stakeholder(self, i) for i in range(st.n)]
        self.selector = Selector(self)

        self.series: list[dict[str, float]] = []
        self.metrics: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in self.metric_names()}
            if collect
            else {}
        )
        self._collect = collect
        self.running = True

    # ------------------------------------------------------------------ protocol

    def step(self) -> None:
        """One forum round (MODEL.md §3)."""
        self.apply_context()  # 1. shocks and drift move true interests
        self.form_forum()  # 2. seats (re)filled or attendance drawn; gatekeeping
        self.lobby()  # 3. lobbying (none in the core model)
        self.deliberate()  # 4. bounded-confidence exchange, accountability pull
        self.decide()  # 5. proposal, decision rule, policy moves with inertia
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
        """Fill seats at the start of each term and draw this round's open attendance."""
        st, des, pop = self.stakeholders, self.params.design, self.params.population
        self.forum.selector_capture = self.capture_level()
        capture = self.forum.selector_capture
        if des.membership == "plenary":
            st.seated[:] = False
            st.member[:] = True
            st.excluded[:] = False
            return
        if des.is_seated and (self.steps - 1) % des.term_length == 0:
            was_seated = st.seated.copy()
            st.seated = membership.select_seats(
                self._pools,
                self._pool_seats,
                selection="random" if des.membership == "sortition" else des.selection,
                capture=capture,
                lobby_ideal=self.lobby_ideal,
                position=st.position,
                advocated=st.advocated,
                resources=st.resources,
                engagement=st.engagement,
                eligible=membership.eligible_for_term(st.terms_served, des.term_limit),
                rng=self.rng,
                engaged_only=des.membership != "sortition",
            )
            st.terms_served = membership.update_terms(st.terms_served, was_seated, st.seated)
        attending = np.zeros(st.n, dtype=bool)
        if des.has_open_round:
            p = membership.attendance_probability(
                st.engagement,
                st.resources,
                st.affectedness,
                self.support,
                intercept=pop.attendance_intercept,
                b_engagement=pop.attendance_engagement,
                b_resources=pop.attendance_resources,
                b_affectedness=pop.attendance_affectedness,
                cost=self.params.context.participation_cost,
            )
            attending = membership.draw_attendance(p, self.rng) & ~st.seated
        st.excluded = membership.gatekeep(
            attending, st.advocated, self.lobby_ideal, capture, self.rng
        )
        st.member = st.seated | (attending & ~st.excluded)

    def capture_level(self) -> float:
        """The selector's capture this round: the exogenous level if set, else 0."""
        exogenous = self.params.context.selector_capture
        return float(exogenous) if exogenous is not None else 0.0

    # ------------------------------------------------------------------ 3. lobbying

    def lobby(self) -> None:
        """Lobbyists spend on members and the selector (no lobbyists in the core model)."""

    # ------------------------------------------------------------------ 4. deliberation

    def deliberate(self) -> None:
        """Members exchange arguments in random pairs; accountability pulls positions back."""
        st, des = self.stakeholders, self.params.design
        st.presence += PRESENCE_RATE * (st.member - st.presence)
        st.voice = np.where(
            st.member, self.base_voice * (1.0 + des.presence_weight * st.presence), 0.0
        )
        if des.membership == "representative_with_consultation":
            st.voice = np.where(st.seated, st.voice, des.consultation_weight * st.voice)
        self.members = np.flatnonzero(st.member)
        deliberation.bounded_confidence(
            st.advocated, self.members, st.voice, epsilon=des.epsilon, mu=des.mu, rng=self.rng
        )
        if des.accountability > 0:
            anchor = st.position
            if des.membership in ("representative", "representative_with_consultation"):
                anchor = st.position.copy()
                seated = st.seated
                anchor[seated] = self.category_medians[st.category[seated]]
            deliberation.accountability_pull(st.advocated, anchor, des.accountability)

    # ------------------------------------------------------------------ 5. decision

    def decide(self) -> None:
        """The decision rule adopts or rejects a proposal; an adopted one moves the policy."""
        st, des, forum = self.stakeholders, self.params.design, self.forum
        forum.n_decisions += 1
        if self.members.shape[0] == 0:
            forum.adopted = False
        else:
            rule = decision.decision_rule(des.decision_rule)
            result = rule(
                st.advocated[self.members],
                st.voice[self.members],
                des.support_radius,
                des.consensus_threshold,
            )
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
        st.distance_to_policy = np.linalg.norm(st.position - self.forum.policy, axis=1)
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
        """The per-step metrics of MODEL.md §4 for the current state (draws nothing)."""
        st, forum, sim = self.stakeholders, self.forum, self.params.simulation
        members = self.members
        k = self.n_categories
        d = st.position.shape[1]
        head = np.bincount(st.category[members], minlength=k)
        voice = np.bincount(st.category[members], weights=st.voice[members], minlength=k)
        head_shares, voice_shares = metrics.shares(head), metrics.shares(voice)
        rose = metrics.rose_index(head_shares, self.population_shares)
        expected = metrics.expected_rose_index(int(members.shape[0]), tuple(self.population_shares))
        error = metrics.congruence_error(forum.policy, self.public_ideal)
        sample = st.position[self.viewpoint_sample]
        out: dict[str, float] = {
            "step": float(self.steps),
            "n_members": float(members.shape[0]),
            "rose": rose,
            "rose_voice": metrics.rose_index(voice_shares, self.population_shares),
            "rose_affected": metrics.rose_index(head_shares, self.affected_shares),
            "expected_rose": expected,
            "rose_gap": rose - expected,
            "grassroots_share": float(head_shares[self.grassroots_code]),
            "grassroots_voice_share": float(voice_shares[self.grassroots_code]),
            "voice_gini": metrics.gini(st.voice[members]),
            "viewpoint_coverage": metrics.viewpoint_coverage(
                sample, st.advocated[members], sim.viewpoint_radius
            ),
            "congruence_error": error,
            "congruence_error_median": metrics.congruence_error(forum.policy, self.public_median),
            "mean_citizen_distance": metrics.mean_citizen_distance(
                forum.policy, st.position, st.affectedness
            ),
            "responsiveness": metrics.responsiveness(error, d),
            "lobby_bias": metrics.lobby_bias(forum.policy, self.public_ideal, self.lobby_ideal),
            "gridlock": 0.0 if forum.adopted else 1.0,
            "gridlock_rate": 1.0 - forum.n_adopted / max(forum.n_decisions, 1),
            "selector_capture": float(forum.selector_capture),
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
        names = [
            "step", "n_members", "rose", "rose_voice", "rose_affected", "expected_rose",
            "rose_gap", "grassroots_share", "grassroots_voice_share", "voice_gini",
            "viewpoint_coverage", "congruence_error", "congruence_error_median",
            "mean_citizen_distance", "responsiveness", "lobby_bias", "gridlock",
            "gridlock_rate", "selector_capture", "mean_engagement",
        ]  # fmt: skip
        names += [f"representation_{n}" for n in self.category_names]
        names += [f"policy_{j}" for j in range(self.params.population.n_dims)]
        return names

    # ------------------------------------------------------------------ results

    def run(self, n_steps: int | None = None) -> GovernanceModel:
        """Run ``n_steps`` steps (default: the ``n_steps`` parameter); returns ``self``."""
        self.run_for(self.params.simulation.n_steps if n_steps is None else n_steps)
        return self

    def series_frame(self) -> Any:
        """Per-step metrics as a pandas DataFrame (one row per step), independent of collection."""
        import pandas as pd

        return pd.DataFrame(self.series, columns=self.metric_names())

    def summary(self) -> dict[str, float]:
        """Per-run outcomes: name -> float.

        Every per-step metric is averaged over the steps after the burn-in
        (``summary_burn_in``, default the second half of the run); ``gridlock_rate`` is the
        share of gridlocked rounds in that window. When shocks were scheduled,
        ``adaptation_lag`` is the mean lag over shocks inside the run and
        ``adaptation_censored`` the share of them never absorbed (see
        :func:`msisim.metrics.adaptation_lags`). ``steps`` is the number of steps run.
        """
        if not self.series:
            raise RuntimeError("summary() needs at least one step; call run_for(n) first")
        names = self.metric_names()
        table = np.array([[row[n] for n in names] for row in self.series])
        start = int(np.floor(self.params.simulation.summary_burn_in * table.shape[0]))
        window = table[start:]
        out = {n: float(window[:, j].mean()) for j, n in enumerate(names) if n not in ("step",)}
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
        out["steps"] = float(self.steps)
        return out

    # ------------------------------------------------------------------ helpers

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

    def _grassroots_code(self) -> int:
        """Code of the ``grassroots`` category, or of the most affected one if none is so named."""
        if "grassroots" in self.category_names:
            return self.category_names.index("grassroots")
        return int(np.argmax([c.affectedness for c in self.params.population.categories]))

    def _seat_pools(self) -> list[np.ndarray]:
        """Candidate pools: one per category, or the whole population for unstratified sortition."""
        des = self.params.design
        st = self.stakeholders
        if des.membership == "sortition" and not des.stratified:
            self._pool_seats = [des.n_seats]
            return [np.arange(st.n)]
        self._pool_seats = [int(s) for s in self.seats]
        return [np.flatnonzero(st.category == g) for g in range(self.n_categories)]


def _reporter(name: str) -> Any:
    return lambda model: model.metrics[name]
