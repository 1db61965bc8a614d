"""The adaptive lobby (issue 11, Must have 3; ODD 7.3): known answers and directional facts.

Capture is measured as a counterfactual: ``lobby_bias`` of the lobbied run minus
``lobby_bias`` of the same seed with ``lobby_budget=0`` (common random numbers: a zero
budget draws nothing extra, see tests/test_capture.py), averaged over 6 seeds, 150 steps,
3 lobbyists, N = 1000.

Tolerances (measured when these tests were written, 2026-12): the seed-to-seed SD of
capture is about 0.02-0.035 in the representative forum and 0.004-0.010 in the open forum,
so the standard error of a 6-seed mean is about 0.012 and 0.003. "At least as much as"
allows 0.03 (representative) and 0.01 (open), about 2.5-3 standard errors.

Where the adaptive lobby only ties with a fixed strategy (within these tolerances), the
test says so; it is not tuned to pass: representative, budget 1: adaptive 0.327 +- 0.022 vs
swing 0.336 +- 0.024; open, budget 4: adaptive 0.271 +- 0.004 vs influential 0.275 +- 0.005
(6 seeds). The fixed strategies there happen to be near the best allocation; the adaptive
lobby's one-step model of its gain is an approximation (see ODD 7.3).
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest

from msisim import GovernanceModel
from msisim.rules import lobbying

SEEDS = range(6)
STEPS = 150
BUDGETS = (0.5, 1.0, 2.0, 4.0)
FIXED = ("allies", "swing", "influential")
TOLERANCE = {"representative": 0.03, "open": 0.01}


@functools.cache
def _bias(membership: str, budget: float, strategy: str, seed: int, **extra: object) -> float:
    model = GovernanceModel(
        membership=membership,
        n_lobbyists=3,
        lobby_budget=budget,
        lobby_strategy=strategy,
        rng=seed,
        collect=False,
        **extra,
    )
    return float(model.run(STEPS).summary()["lobby_bias"])


def captures(membership: str, budget: float, strategy: str, **extra: object) -> np.ndarray:
    """Capture per seed: lobby bias minus the same seed's no-lobby lobby bias."""
    return np.array(
        [
            _bias(membership, budget, strategy, seed, **extra)
            - _bias(membership, 0.0, "allies", seed, **extra)
            for seed in SEEDS
        ]
    )


# --------------------------------------------------------------------------- directional


@pytest.mark.slow
@pytest.mark.parametrize("membership", ["representative", "open"])
def test_adaptive_lobby_captures_at_least_as_much_as_the_best_fixed_strategy(membership):
    tolerance = TOLERANCE[membership]
    for budget in BUDGETS:
        adaptive = captures(membership, budget, "adaptive")
        fixed = {name: captures(membership, budget, name) for name in FIXED}
        best = max(fixed, key=lambda name: fixed[name].mean())
        table = ", ".join(f"{n} {c.mean():.3f}+-{c.std(ddof=1):.3f}" for n, c in fixed.items())
        assert adaptive.mean() >= fixed[best].mean() - tolerance, (
            f"{membership}, budget {budget}: the adaptive lobby should capture at least as much "
            f"as the best fixed strategy ({best}) within {tolerance}: adaptive "
            f"{adaptive.mean():.3f}+-{adaptive.std(ddof=1):.3f}; {table}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("membership", ["representative", "open"])
def test_more_budget_never_lowers_the_adaptive_lobbys_capture(membership):
    tolerance = TOLERANCE[membership]
    means = [captures(membership, budget, "adaptive").mean() for budget in BUDGETS]
    for (low, high), (before, after) in zip(
        itertools.pairwise(BUDGETS), itertools.pairwise(means), strict=True
    ):
        assert after >= before - tolerance, (
            f"{membership}: more budget ({low} -> {high}) should not lower the adaptive "
            f"lobby's capture on average: {before:.3f} -> {after:.3f} (all: {np.round(means, 3)})"
        )
    assert means[-1] > means[0], f"{membership}: 8x the budget buys more capture: {means}"


@pytest.mark.slow
def test_against_recusal_the_adaptive_lobby_does_not_lose_influence_by_spending_more():
    # The fixed allies lobby benches its own allies when it spends more (issue 11); the
    # adaptive lobby keeps ties below strong_tie, so more budget never costs it votes.
    tolerance = TOLERANCE["representative"]
    means = [
        captures("representative", budget, "adaptive", recusal=True).mean() for budget in BUDGETS
    ]
    allies = [
        captures("representative", budget, "allies", recusal=True).mean() for budget in BUDGETS
    ]
    for before, after in itertools.pairwise(means):
        assert after >= before - tolerance, (
            f"against recusal the adaptive lobby's capture should not fall with the budget "
            f"{BUDGETS}: {np.round(means, 3)} (allies: {np.round(allies, 3)})"
        )
    assert min(means) >= max(allies) - tolerance, (
        f"against recusal the adaptive lobby should do at least as well as allies at every "
        f"budget: adaptive {np.round(means, 3)}, allies {np.round(allies, 3)}"
    )


def test_adaptive_lobby_spends_nothing_on_a_selector_it_cannot_buy():
    exogenous = GovernanceModel(
        membership="representative", n_lobbyists=2, lobby_budget=3.0, selector_capture=0.3, rng=1
    ).run(40)
    assert exogenous.lobby_state.selector_ties.max() == 0.0, (
        "with an exogenous selector_capture the selector cannot be bought: no spending on it"
    )
    assert exogenous.lobby_state.ties.max() > 0.0, "the budget goes to members instead"
    lottery = GovernanceModel(membership="sortition", n_lobbyists=2, lobby_budget=3.0, rng=1).run(
        40
    )
    assert lottery.lobby_state.selector_ties.max() == 0.0, (
        "a pure lottery leaves no selector to capture: no spending on it"
    )


def test_adaptive_lobby_buys_the_selector_before_a_selection():
    m = GovernanceModel(
        membership="representative", n_lobbyists=1, lobby_budget=2.0, term_length=20, rng=3
    ).run(20)
    assert m.lobby_state.selector_ties[0] > 0.5, (
        "an uncaptured selector that picks the next body is worth buying before step 21"
    )


def test_adaptive_lobby_keeps_ties_below_strong_tie_under_recusal():
    m = GovernanceModel(
        membership="representative", n_lobbyists=3, lobby_budget=8.0, recusal=True, rng=2
    )
    strongest = 0.0
    for _ in range(60):
        m.step()
        strongest = max(strongest, float(lobbying.combined_tie(m.lobby_state.ties).max()))
        assert not m.recused.any(), "the adaptive lobby never gets one of its members recused"
    assert strongest < m.params.simulation.strong_tie, f"ties stay below strong_tie: {strongest}"


# --------------------------------------------------------------------------- pure functions


def _values(**overrides: float) -> np.ndarray:
    kwargs = {"pull": 0.2, "transparency": 0.0, "tie_decay": 0.02, "accountability": 0.02}
    kwargs.update(overrides)
    advocated = np.array([[0.3, 0.7], [0.5, 0.5], [0.8, 0.2]])
    axis = np.array([1.0, -1.0]) / np.sqrt(2.0)
    return lobbying.member_values(
        advocated,
        np.array([0.5, 0.3, 0.2]),
        np.zeros(3),
        np.array([0.9, 0.1]),
        axis,
        np.array([20.0, 20.0, 20.0]),
        **kwargs,
    )


def test_under_full_transparency_members_are_worthless():
    assert np.all(_values(transparency=1.0) == 0.0), "a full register leaves ties no pull"
    member, selector = lobbying.adaptive_spending(
        _values(transparency=1.0), np.zeros(3), 0.0, 0.0, budget=5.0, tie_cost=10.0
    )
    assert member.sum() == 0.0 and selector == 0.0, "nothing is worth buying, nothing is spent"


def test_member_values_grow_with_voice_gap_and_stay():
    values = _values()
    assert values[0] > values[1] > values[2] > 0, (
        "the far member with the largest voice share moves the proposal most per unit of tie"
    )
    short = lobbying.tie_effect(np.array([1.0]), 0.02, 0.05)
    long = lobbying.tie_effect(np.array([20.0]), 0.02, 0.05)
    assert short[0] == pytest.approx(1.0), "one round left: the tie acts once (F = 1)"
    assert long[0] > 5 * short[0], "a member staying 20 rounds is worth far more"
    forever = lobbying.tie_effect(np.array([1e6]), 0.02, 1.0)
    assert forever[0] == pytest.approx(1 / 0.02), "instant relaxation: F = sum (1-d)^h = 1/d"


def test_water_filling_several_budgets_at_once_gives_the_bits_of_one_at_a_time() -> None:
    """The split search water-fills the members at six budgets with one sort
    (``water_fills``): each spending is the bits of ``water_fill`` at that budget."""
    rng = np.random.default_rng(5)
    for trial in range(200):
        n = int(rng.integers(1, 60))
        value = rng.exponential(1.0, n) * (rng.random(n) > 0.2)  # some members worth nothing
        gap = rng.random(n)
        budgets = [0.0, float(rng.exponential(3.0)), float(rng.exponential(0.01)), 1e-300, 50.0]
        if trial % 7 == 0:
            budgets.append(math.inf)
        cost = float(rng.uniform(0.5, 20.0))
        together = lobbying.water_fills(value, gap, budgets, cost)
        for budget, spend in zip(budgets, together, strict=True):
            alone = lobbying.water_fill(value, gap, budget, cost)
            assert np.array_equal(spend, alone), f"budget {budget}: the bits of water_fill"


def test_water_filling_equalises_marginal_gains():
    spend = lobbying.water_fill(
        np.array([np.e, 1.0, 0.0]), np.ones(3), 30.0, 10.0, np.full(3, np.inf)
    )
    assert spend.sum() == pytest.approx(30.0), "the whole budget is spent"
    assert spend[2] == 0.0, "a worthless item gets nothing"
    assert spend[0] - spend[1] == pytest.approx(10.0), (
        "equal marginal gains V exp(-s/c): worth ratio e means c * ln(e) = 10 more spending"
    )
    tiny = lobbying.water_fill(np.array([5.0, 1.0]), np.ones(2), 1.0, 10.0, np.full(2, np.inf))
    assert tiny[1] == 0.0 and tiny[0] == pytest.approx(1.0), (
        "a small budget goes to the best item alone while its marginal gain stays highest"
    )


def test_under_recusal_ties_stay_below_strong_tie():
    ties = np.array([0.0, 0.3, 0.49, 0.6])
    member, _ = lobbying.adaptive_spending(
        np.ones(4), ties, 0.0, 0.0, budget=100.0, tie_cost=10.0, strong_tie=0.5
    )
    after = lobbying.invest(ties, member, 10.0)
    assert np.all(after[:3] < 0.5), f"ties of voting members stay below strong_tie: {after}"
    assert member[3] == 0.0, "a member already recused is not worth spending on"
    assert after[0] > 0.49, "with money to spare the lobby fills ties up to just below the cap"
    free, _ = lobbying.adaptive_spending(np.ones(4), ties, 0.0, 0.0, budget=100.0, tie_cost=10.0)
    assert lobbying.invest(ties, free, 10.0).max() > 0.5, "without recusal there is no cap"


def test_with_an_unbuyable_selector_everything_goes_to_members():
    member, selector = lobbying.adaptive_spending(
        _values(), np.zeros(3), 0.0, 0.0, budget=4.0, tie_cost=10.0
    )
    assert selector == 0.0, "selector value 0 (exogenous capture): nothing spent on it"
    assert member.sum() == pytest.approx(4.0), "the whole budget goes to members"


def test_a_valuable_selector_takes_the_budget_first():
    member, selector = lobbying.adaptive_spending(
        _values(), np.zeros(3), 1e3, 0.0, budget=2.0, tie_cost=10.0
    )
    assert selector == pytest.approx(2.0), "the selector's marginal gain is far higher"
    assert member.sum() == pytest.approx(0.0)


def test_selection_and_gatekeeping_gains():
    projections = [np.array([0.0, 0.1, 0.2, 0.9]), np.array([0.5, 0.5])]
    distances = [-p for p in projections]  # the largest projection is the closest
    gain = lobbying.selection_gain(projections, distances, (1, 1))
    assert gain == pytest.approx(0.5 * (0.9 - 0.3) + 0.5 * 0.0), (
        "full capture seats the closest candidate: +0.6 in pool 1 (half the seats), 0 in pool 2"
    )
    axis = np.array([1.0, 0.0])
    advocated = np.array([[0.1, 0.5], [0.9, 0.5]])
    gate = lobbying.gatekeeping_gain(advocated, np.ones(2), np.array([1.0, 0.5]), axis)
    assert gate > 0, "turning away the far attendee moves the proposal toward the lobby"
    assert lobbying.gatekeeping_gain(advocated[1:], np.ones(1), np.array([1.0, 0.5]), axis) == 0


# --------------------------------------------------------------------------- the selector's price


@pytest.mark.parametrize("with_caps", [False, True])
def test_priced_water_filling_equalises_marginal_gains_per_unit(with_caps: bool) -> None:
    value, price = np.array([4.0, 2.0, 1.0, 0.5]), np.array([10.0, 10.0, 40.0, 5.0])
    caps = np.full(4, np.inf) if with_caps else None
    spend = lobbying.water_fill(value, np.ones(4), 12.0, price, caps)
    assert spend.sum() == pytest.approx(12.0), "the whole budget is spent"
    funded = spend > 0
    marginal = value * np.exp(-spend / price) / price
    assert np.ptp(marginal[funded]) == pytest.approx(0.0, abs=1e-12), (
        "every funded item's marginal gain per unit of budget, V exp(-s/c) / c, is equal"
    )
    assert np.all(marginal[~funded] <= marginal[funded].max() + 1e-12), (
        "an unfunded item's first unit gains no more than the funded items' last"
    )
    same = lobbying.water_fill(value, np.ones(4), 12.0, np.full(4, 10.0), caps)
    np.testing.assert_allclose(
        same,
        lobbying.water_fill(value, np.ones(4), 12.0, 10.0, caps),
        atol=1e-12,
        err_msg="one price for every item gives the one-price answer",
    )


def test_a_dearer_selector_gets_less_of_the_adaptive_budget() -> None:
    spent = {
        price: lobbying.adaptive_spending(
            _values(), np.zeros(3), 20.0, 0.0, budget=4.0, tie_cost=10.0, selector_tie_cost=price
        )[1]
        for price in (10.0, 100.0)
    }
    assert spent[100.0] == 0.0 < spent[10.0], (
        f"at ten times a member's price the selector is worth less per unit than members: {spent}"
    )


@pytest.mark.parametrize("strategy", ["adaptive", "allies"])
def test_a_lobby_barred_from_the_selector_never_ties_with_it(strategy: str) -> None:
    kw = {"membership": "representative", "n_stakeholders": 300, "n_seats": 12,
          "n_lobbyists": 2, "lobby_budget": 2.0, "lobby_strategy": strategy}  # fmt: skip
    free = GovernanceModel(rng=3, **kw)
    barred = GovernanceModel(rng=3, lobby_targets_selector=False, **kw)
    free.run_for(25)
    barred.run_for(25)
    assert barred.lobby_state.selector_ties.max() == 0.0, "no tie with the selector is bought"
    assert barred.forum.selector_capture == 0.0, "so the selector is never captured"
    assert free.lobby_state.selector_ties.max() > 0.0, "a lobby free to court it does"


def test_a_fixed_lobby_barred_from_the_selector_spends_its_share_on_members() -> None:
    kw = {"n_stakeholders": 300, "n_seats": 12, "n_lobbyists": 2, "lobby_budget": 2.0,
          "lobby_strategy": "allies"}  # fmt: skip
    free, barred = (
        GovernanceModel(rng=3, **kw),
        GovernanceModel(rng=3, lobby_targets_selector=False, **kw),
    )
    free.run_for(1)
    barred.run_for(1)
    targets = free.lobby_state.ties[0] > 0
    np.testing.assert_allclose(
        barred.lobby_state.ties[:, targets].sum() / free.lobby_state.ties[:, targets].sum(),
        (1 - np.exp(-2.0 / targets.sum() / 10)) / (1 - np.exp(-1.8 / targets.sum() / 10)),
        err_msg="the same targets, with the whole budget instead of 1 - selector_spending of it",
    )


def test_the_selector_price_sets_the_fixed_lobby_selector_tie() -> None:
    # one step of a fixed lobby: it spends selector_spending * budget = 0.1 * 2 on the
    # selector, closing 1 - exp(-0.2 / c) of the gap, however many lobbyists share the budget
    for price in (10.0, 1.0):
        model = GovernanceModel(
            rng=1, n_stakeholders=200, n_seats=12, n_lobbyists=2, lobby_budget=2.0,
            lobby_strategy="allies", selector_tie_cost=price,
        )  # fmt: skip
        model.run_for(1)
        tie = 1.0 - np.exp(-0.2 / price)
        np.testing.assert_allclose(
            model.lobby_state.selector_ties, [tie], err_msg=f"selector price {price}"
        )


def test_water_filling_at_per_item_prices_without_caps_gives_the_bits_of_infinite_caps() -> None:
    """The uncapped path at one price per item (the open forum's lobby when the convener's tie
    has its own price) skips the capping rounds: the bits of the same fill with infinite caps."""
    rng = np.random.default_rng(11)
    for trial in range(300):
        n = int(rng.integers(1, 60))
        value = rng.exponential(1.0, n) * (rng.random(n) > 0.2)
        gap = rng.random(n)
        prices = np.full(n, float(rng.uniform(0.5, 20.0)))
        prices[-1] *= float(np.exp(rng.uniform(-1.0, 4.0)))  # the selector's own price
        budget = [0.0, float(rng.exponential(3.0)), 1e-300, 50.0, math.inf][trial % 5]
        uncapped = lobbying.water_fill(value, gap, budget, prices)
        capped = lobbying.water_fill(value, gap, budget, prices, np.full(n, math.inf))
        assert np.array_equal(uncapped, capped), f"trial {trial}, budget {budget}: same bits"
