"""Findings that survive scrutiny: paired streams, capture against a no-lobby twin, symmetric
assumptions for every design, and responsiveness measured against a no-shock twin."""

import math

import numpy as np
import pytest

from msisim import GovernanceModel, metrics

SEEDS = range(4)
TEMPLATES = ("representative", "open")


def summary(**kwargs) -> dict[str, float]:
    kwargs.setdefault("n_stakeholders", 600)
    kwargs.setdefault("n_steps", 120)
    m = GovernanceModel(collect=False, **kwargs)
    m.run()
    return m.summary()


@pytest.mark.parametrize("membership", TEMPLATES)
@pytest.mark.parametrize("seed", SEEDS)
def test_a_negligible_lobby_changes_nothing(membership: str, seed: int) -> None:
    """Budget 0 and 1e-9 differ only in a lever that does (almost) nothing: every named
    stream is shared, so every outcome agrees within 1e-6 (gatekeeping used to draw only
    when capture > 0 and let such runs drift apart by 0.01)."""
    a = summary(membership=membership, rng=seed, n_lobbyists=3, lobby_budget=0.0)
    b = summary(membership=membership, rng=seed, n_lobbyists=3, lobby_budget=1e-9)
    for name, value in a.items():
        assert b[name] == pytest.approx(value, abs=1e-6, nan_ok=True), (
            f"{membership}, seed {seed}: {name} should not move with a budget of 1e-9"
        )


TILT_PARTS = ("tilt_reference", "tilt_selection", "tilt_deliberation", "tilt_voice",
              "tilt_decision")  # fmt: skip


@pytest.mark.parametrize("budget", [0.0, 1.5])
@pytest.mark.parametrize("membership", (*TEMPLATES, "sortition"))
def test_the_tilt_parts_add_up_to_the_structural_tilt(membership: str, budget: float) -> None:
    """The five parts are successive moves from the public ideal to the twin's policy, so
    they sum to the structural tilt exactly, lobby or not; the lobby leaves them unchanged
    (they describe the twin)."""
    s = summary(membership=membership, rng=2, n_lobbyists=3, lobby_budget=budget)
    calm = summary(membership=membership, rng=2, n_lobbyists=3, lobby_budget=0.0)
    assert sum(s[p] for p in TILT_PARTS) == pytest.approx(s["structural_tilt"], abs=1e-9), (
        f"{membership}: the tilt parts should add up to the structural tilt"
    )
    for p in TILT_PARTS:
        assert s[p] == pytest.approx(calm[p], abs=1e-12), f"{p} describes the no-lobby twin"


def test_counting_heads_and_voice_tilt_every_forum_toward_business() -> None:
    """With the default population, the head-counted mean lies toward the business lobby
    (grassroots, the most affected, weigh more in the public ideal), and voice growing with
    resources tilts further: both parts are positive in both templates, and the open forum's
    selection part (attendance favours the resourceful) exceeds the seated body's."""
    parts = {t: summary(membership=t, rng=5) for t in TEMPLATES}
    for t, s in parts.items():
        assert s["tilt_reference"] > 0.05, f"{t}: counting heads should tilt toward the lobby"
        assert s["tilt_voice"] > 0.05, f"{t}: voice growing with resources should tilt too"
    assert parts["open"]["tilt_selection"] > parts["representative"]["tilt_selection"], (
        "self-selected attendance should tilt more than seats allocated by category"
    )


@pytest.mark.parametrize("membership", TEMPLATES)
def test_capture_is_exactly_zero_without_a_lobby(membership: str) -> None:
    s = summary(membership=membership, rng=1)
    assert s["capture"] == 0.0, "no lobby: capture is exactly 0"
    assert s["capture_share"] == 0.0, "no lobby: capture share is exactly 0"
    assert s["structural_tilt"] == pytest.approx(s["lobby_bias"]), "no lobby: tilt = lobby bias"


@pytest.mark.parametrize("membership", TEMPLATES)
@pytest.mark.parametrize("seed", SEEDS)
def test_capture_is_lobby_bias_minus_the_no_lobby_twin(membership: str, seed: int) -> None:
    lobbied = summary(membership=membership, rng=seed, n_lobbyists=3, lobby_budget=1.0)
    calm = summary(membership=membership, rng=seed, n_lobbyists=3, lobby_budget=0.0)
    assert lobbied["structural_tilt"] == pytest.approx(calm["lobby_bias"], abs=1e-12), (
        "the twin is the same run without the lobby, on the same streams"
    )
    assert lobbied["capture"] == pytest.approx(
        lobbied["lobby_bias"] - calm["lobby_bias"], abs=1e-12
    ), "capture = lobby bias minus the twin's lobby bias"
    assert lobbied["capture"] > 0.02, f"{membership}: a funded lobby moves the policy its way"


def test_counterfactual_false_leaves_capture_unknown() -> None:
    s = summary(rng=1, n_lobbyists=3, lobby_budget=1.0, n_steps=20)
    m = GovernanceModel(rng=1, n_lobbyists=3, lobby_budget=1.0, counterfactual=False)
    m.run_for(20)
    assert np.isnan(m.summary()["capture"]), "without the twin capture is not guessed"
    assert np.isfinite(s["capture"]), "with the twin (the default) it is measured"


@pytest.mark.parametrize("seed", SEEDS)
def test_more_budget_more_capture_in_a_representative_forum(seed: int) -> None:
    low = summary(rng=seed, n_lobbyists=3, lobby_budget=0.2)["capture"]
    high = summary(rng=seed, n_lobbyists=3, lobby_budget=2.0)["capture"]
    assert high > low, f"seed {seed}: ten times the budget should buy more capture"


def test_astroturf_costs_money() -> None:
    """Paid participants cost astroturf_cost each per round out of the lobby's budget, so a
    negligible budget buys none (it used to buy 41)."""
    kwargs = {"membership": "open", "astroturf_share": 0.3, "n_lobbyists": 1, "rng": 2}
    cheap = GovernanceModel(lobby_budget=1e-6, **kwargs)
    cheap.run_for(20)
    assert cheap.summary()["n_paid"] == 0.0, "a budget of 1e-6 buys no paid participant"
    funded = GovernanceModel(lobby_budget=1.0, astroturf_cost=0.05, **kwargs)
    funded.run_for(20)
    assert 0 < funded.summary()["n_paid"] <= 20, "a budget of 1 buys at most 1 / 0.05 = 20"


@pytest.mark.parametrize("seed", SEEDS)
def test_lottery_winners_who_may_decline_make_a_less_proportional_body(seed: int) -> None:
    """Symmetric assumptions: a lottery winner accepts with the probability with which others
    stand for a seat (engagement), so the grassroots (least engaged) decline more often than
    in the ideal lottery where everyone drawn serves."""
    ideal = summary(membership="sortition", rng=seed, sortition_acceptance="all")
    real = summary(membership="sortition", rng=seed, sortition_acceptance="engagement")
    assert real["grassroots_share"] < ideal["grassroots_share"], (
        f"seed {seed}: declining winners lower the grassroots share of a lottery"
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_a_noisy_selector_seats_representatives_farther_from_their_constituency(seed) -> None:
    """The selector sees candidates' advocated positions (by default), optionally with noise;
    an `election` with a noisy view seats representatives whose interests lie farther from
    their category's median than one that sees advocated positions clearly."""

    def distance_to_median(information: str) -> float:
        m = GovernanceModel(
            n_stakeholders=600, rng=seed, selector_information=information, selector_noise=0.3
        )
        m.run_for(1)
        st = m.stakeholders
        seated = np.flatnonzero(st.seated)
        gap = st.position[seated] - m.category_medians[st.category[seated]]
        return float(np.linalg.norm(gap, axis=1).mean())

    assert distance_to_median("noisy") > distance_to_median("advocated"), (
        f"seed {seed}: a noisy view picks representatives less typical of their category"
    )


def test_pass_through_known_answers() -> None:
    """Everyone attends (plenary), voices equal, no inertia: when advocated positions track
    interests at once (accountability 1) the policy passes the whole shift through; when
    nobody's advocated position moves (accountability 0, no deliberation) none of it."""
    shock = [{"step": 10, "category": "all", "shift": [0.05, -0.05]}]
    one_group = [{
        "name": "citizens", "share": 1.0, "position_mean": (0.5, 0.5), "spread": 0.1,
        "resources_mu": 0.0, "resources_sigma": 0.0, "affectedness": 1.0, "engagement": 0.5,
    }]  # fmt: skip
    common = {
        "membership": "plenary", "n_stakeholders": 300, "categories": one_group,
        "inertia": 0.0, "shocks": shock, "n_steps": 40, "epsilon": 0.0, "rng": 4,
    }  # fmt: skip
    # equal voices and equal affectedness: before the shock the policy sits at the public
    # ideal, so any error after it is the shock's
    full = summary(accountability=1.0, **common)
    frozen = summary(accountability=0.0, **common)
    assert full["pass_through"] == pytest.approx(1.0, abs=0.1), "interests voiced at once"
    assert frozen["pass_through"] == pytest.approx(0.0, abs=0.02), "nobody voices the change"
    assert full["adaptation_half_life"] <= 1.0, "the excess error halves within a step"
    assert math.isnan(frozen["adaptation_half_life"]), "never halves: censored, so NaN"
    assert frozen["half_life_censored"] == 1.0, "the one shock is counted as censored"


def test_responsiveness_slope_known_answers() -> None:
    moved = np.array([[0.1, 0.0], [0.0, -0.2], [0.05, 0.05]])
    slope, se = metrics.responsiveness_slope(moved, 0.5 * moved)
    assert slope == pytest.approx(0.5) and se == pytest.approx(0.0, abs=1e-12), (
        "a policy that moves half as far as the public ideal, every time: slope 0.5, no error"
    )
    dm, dy = moved, 0.5 * moved + np.array([[0.0, 0.01], [0.01, 0.0], [0.0, 0.0]])
    beta = (dy * dm).sum() / (dm * dm).sum()
    resid = dy - beta * dm
    assert metrics.responsiveness_slope(dm, dy) == pytest.approx(
        (beta, np.sqrt((resid**2).sum() / (6 - 1) / (dm * dm).sum()))
    ), "least squares through the origin over 3 shocks x 2 coordinates, n - 1 = 5 df"
    one = metrics.responsiveness_slope(moved[:1], 0.3 * moved[:1])
    assert one[0] == pytest.approx(0.3) and np.isnan(one[1]), "one shock: a slope, no error"
    assert all(np.isnan(metrics.responsiveness_slope(np.zeros((2, 2)), np.ones((2, 2))))), (
        "shocks that did not move the public ideal say nothing about responsiveness"
    )


def test_responsiveness_over_shocks_of_both_directions() -> None:
    shocks = [
        {"step": 10, "category": "all", "shift": [-0.15, 0.15]},
        {"step": 40, "category": "all", "shift": [0.1, -0.05]},
    ]
    kw = {"n_stakeholders": 300, "n_steps": 80, "accountability": 0.2, "rng": 2}
    s = GovernanceModel(shocks=shocks, **kw).run().summary()
    assert 0 < s["responsiveness"] < 1.5 and s["responsiveness_se"] > 0, (
        f"a forum answering to its constituents follows shocks in both directions: {s}"
    )
    single = GovernanceModel(shocks=shocks[:1], **kw).run().summary()
    assert single["responsiveness"] == pytest.approx(single["pass_through"]), (
        "with one shock the slope is its pass-through"
    )
    assert "responsiveness_se" not in single, "one shock gives no standard error"
    assert "responsiveness" not in GovernanceModel(**kw).run().summary(), "no shock, no slope"


@pytest.mark.parametrize("membership", TEMPLATES)
def test_summary_only_gives_the_same_summary_for_less_work(membership: str) -> None:
    """Sweeps keep only per-run outcomes, so a run may skip the full metrics before the
    summary window; every per-run outcome must stay exactly the same."""
    kwargs = {"membership": membership, "n_stakeholders": 300, "n_steps": 60, "rng": 3,
              "n_lobbyists": 2, "lobby_budget": 1.0,
              "shocks": [{"step": 10, "category": "grassroots", "shift": [0.1, 0.0]}]}  # fmt: skip
    full = GovernanceModel(collect=False, **kwargs)
    lean = GovernanceModel(collect=False, summary_only=True, **kwargs)
    full.run()
    lean.run()
    assert lean.summary() == full.summary(), "summary_only changes no per-run outcome"
    short = GovernanceModel(collect=False, summary_only=True, **kwargs)
    short.run_for(20)
    with pytest.raises(RuntimeError, match="summary_only"):
        short.summary()


@pytest.mark.parametrize("membership", TEMPLATES)
def test_a_run_kept_to_some_outcomes_gives_them_the_same_bits(membership: str) -> None:
    """``outcomes=`` (the claims map asks for its claims' five) computes only those and what
    they need: their values are the bits of a run that records everything, other outcomes
    and the scorecard are absent, and the no-shock twin is not run when nothing kept reads
    it; a run outcome kept brings the per-step outcomes it needs."""
    kwargs = {"membership": membership, "n_stakeholders": 300, "n_steps": 60, "rng": 4,
              "n_lobbyists": 2, "lobby_budget": 1.0,
              "shocks": [{"step": 10, "category": "grassroots", "shift": [0.1, 0.0]},
                         {"step": 30, "category": "all", "shift": [-0.05, 0.05]}]}  # fmt: skip
    full = GovernanceModel(collect=False, summary_only=True, **kwargs).run().summary()
    keep = ["capture", "congruence", "rose", "structural_tilt", "policy_1"]
    lean = GovernanceModel(collect=False, summary_only=True, outcomes=keep, **kwargs)
    assert lean.shock_twin is None, "nothing kept reads the no-shock twin"
    assert not lean.keeps_scorecard, "nothing kept reads the scorecard"
    got = lean.run().summary()
    assert set(got) >= set(keep), "every kept outcome is in the summary"
    assert {k: got[k] for k in keep} == {k: full[k] for k in keep}, "same bits as a full run"
    assert "viewpoint_coverage" not in got and "governance_index" not in got, "others skipped"
    with pytest.raises(RuntimeError, match="outcomes="):
        lean.scorecard()
    slope = GovernanceModel(collect=False, summary_only=True, outcomes=["responsiveness"], **kwargs)
    assert slope.shock_twin is not None, "responsiveness reads the no-shock twin's responses"
    assert slope.run().summary()["responsiveness"] == full["responsiveness"]
    with pytest.raises(ValueError, match=r"\['capturr'\] are not registered outcomes"):
        GovernanceModel(outcomes=["capture", "capturr"], **kwargs)


def test_a_kept_scorecard_column_keeps_the_scorecard_and_a_missing_column_is_refused() -> None:
    """A study row's scorecard columns (``score.<arena>.<principle>``) are not outcomes but
    keep the scorecard; a panel is asked only of a run that kept it; a family column the
    run does not have (``policy_7`` in 2 dimensions) is refused, not silently left out."""
    from msisim.study.runner import execute_task
    from msisim.study.spec import Task

    kwargs = {"membership": "representative", "n_stakeholders": 200, "n_steps": 20, "rng": 2}
    model = GovernanceModel(outcomes=["score.government.participation", "capture"], **kwargs)
    assert model.keeps_scorecard, "a score.* column keeps the scorecard"
    assert not GovernanceModel(outcomes=["capture"], **kwargs).keeps_scorecard
    with pytest.raises(ValueError, match=r"\['policy_7'\] are not columns of this run"):
        GovernanceModel(outcomes=["policy_7"], **kwargs)
    with pytest.raises(ValueError, match="representation_nosuch"):
        GovernanceModel(outcomes=["representation_nosuch"], **kwargs)
    params = {"membership": "representative", "n_stakeholders": 200, "panel_respondents": 3}
    for outcomes, card in ((("rose",), False), (("rose", "score.government.participation"), True)):
        task = Task("p" * 16, 3, "", 0, 0, params, 20, outcomes=outcomes)
        row, _ = execute_task(task)
        assert row["status"] == "ok", f"{outcomes}: {row['error']}"
        assert ("score.government.participation" in row) == card, "scorecard columns if kept"
        assert any(k.startswith("panel.") for k in row) == card, "a panel only with the card"


def test_a_jittered_shock_falls_at_a_random_point_of_its_window() -> None:
    """``jitter = J`` moves the shock to ``step + U{0..J-1}``, drawn once per run from its own
    stream: over seeds the offsets spread over the window (a term of 20 is hit at different
    points), and pass_through is read from the step the shock actually fell at."""
    shock = {"step": 40, "category": "all", "shift": [-0.15, 0.15], "jitter": 20}
    steps = []
    for seed in range(12):
        m = GovernanceModel(n_stakeholders=200, n_steps=90, rng=seed, collect=False,
                            shocks=[shock])  # fmt: skip
        (fell,) = m.shocks
        assert 40 <= fell.step <= 59, "the shock falls inside [step, step + jitter - 1]"
        steps.append(fell.step)
        m.run()
        assert 0.0 <= m.summary()["pass_through"] <= 1.5, "pass-through read after the shock"
    assert len(set(steps)) >= 6, f"12 seeds should hit several points of the term: {steps}"
    again = GovernanceModel(n_stakeholders=200, n_steps=90, rng=3, shocks=[shock])
    assert again.shocks[0].step == steps[3], "the same seed draws the same shock step"
