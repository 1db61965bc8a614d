"""Unit tests of the lobbying rules (docs/ODD.md §7.3) and of ``metrics.odds_ratio``.

Every function in :mod:`msisim.rules.lobbying` is a pure function of small numpy arrays; each
test works a case out by hand (the computation is in a comment) and checks the rule against it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from msisim import metrics
from msisim.rules import lobbying

LOBBY = np.array([0.9, 0.1])
PROPOSAL = np.array([0.5, 0.5])

# Five members. Distances (computed by hand):
#   row  advocated     to lobby (0.9, 0.1)        to proposal (0.5, 0.5)   voice
#   0    (0.10, 0.90)  sqrt(.64 + .64)   = 1.131  sqrt(.16 + .16) = 0.566   1
#   1    (0.85, 0.15)  sqrt(.0025*2)     = 0.071  sqrt(.1225*2)  = 0.495   5
#   2    (0.50, 0.50)  sqrt(.16 + .16)   = 0.566  0                       2
#   3    (0.90, 0.10)  0                          sqrt(.16 + .16) = 0.566   3
#   4    (0.60, 0.40)  sqrt(.09 + .09)   = 0.424  sqrt(.01 + .01) = 0.141   4
ADVOCATED = np.array([[0.10, 0.90], [0.85, 0.15], [0.50, 0.50], [0.90, 0.10], [0.60, 0.40]])
VOICE = np.array([1.0, 5.0, 2.0, 3.0, 4.0])


def _context(advocated=ADVOCATED, voice=VOICE) -> lobbying.TargetingContext:
    m = advocated.shape[0]
    return lobbying.TargetingContext(
        advocated=advocated,
        base_voice=voice,
        category=np.zeros(m, dtype=np.int64),
        seated=np.zeros(m, dtype=bool),
        proposal=PROPOSAL,
        lobby_ideal=LOBBY,
    )


def _targets(strategy: str, focus: float, advocated=ADVOCATED, voice=VOICE) -> list[int]:
    return lobbying.choose_targets(strategy, _context(advocated, voice), focus).tolist()


# --------------------------------------------------------------------------- choose_targets


def test_allies_target_the_members_closest_to_the_lobby_ideal() -> None:
    # Ranking by distance to the lobby ideal: 3 (0), 1 (.071), 4 (.424), 2 (.566), 0 (1.13).
    # focus .3 of m = 5 -> k = ceil(1.5) = 2 -> rows [3, 1].
    assert _targets("allies", 0.3) == [3, 1], "allies = the 2 members closest to the lobby ideal"
    assert _targets("allies", 1.0) == [3, 1, 4, 2, 0], "focus 1 ranks every member by closeness"


def test_swing_targets_the_members_closest_to_the_proposal() -> None:
    # Ranking by distance to the proposal: 2 (0), 4 (.141), 1 (.495), then rows 0 and 3.
    # focus .5 of m = 5 -> k = ceil(2.5) = 3 -> rows [2, 4, 1].
    assert _targets("swing", 0.5) == [2, 4, 1], "swing = the 3 members closest to the proposal"


def test_influential_targets_the_highest_voices() -> None:
    # Voices 1, 5, 2, 3, 4 -> highest first: rows 1 (5), 4 (4), 3 (3), 2 (2), 0 (1).
    # focus .3 -> k = 2 -> rows [1, 4].
    assert _targets("influential", 0.3) == [1, 4], "influential = the 2 highest voices"
    assert _targets("influential", 1.0) == [1, 4, 3, 2, 0], "all members by decreasing voice"


@pytest.mark.parametrize(
    ("focus", "k"),
    [(0.01, 1), (0.1, 1), (0.21, 2), (0.3, 2), (0.5, 3), (0.7, 4), (0.99, 5), (1.0, 5)],
)
def test_number_of_targets_is_max_one_ceil_focus_times_m(focus: float, k: int) -> None:
    # m = 5: k = max(1, ceil(focus * 5)), e.g. .01 -> ceil(.05) = 1, .21 -> ceil(1.05) = 2.
    for strategy in lobbying.STRATEGIES:
        got = _targets(strategy, focus)
        assert len(got) == k, f"{strategy}, focus={focus}: expected k={k} targets, got {got}"
        assert len(set(got)) == k, f"{strategy}: targets are distinct rows"


def test_ties_in_the_score_are_broken_by_row_order() -> None:
    # Equal voices -> every score ties; stable sort keeps rows 0, 1 (k = ceil(.5*3) = 2).
    adv = np.array([[0.2, 0.2], [0.4, 0.4], [0.6, 0.6]])
    got = _targets("influential", 0.5, advocated=adv, voice=np.ones(3))
    assert got == [0, 1], "equal scores -> the earliest rows are targeted first"


@pytest.mark.parametrize("strategy", ["allies", "swing", "influential"])
def test_no_members_no_targets(strategy: str) -> None:
    got = lobbying.choose_targets(strategy, _context(np.zeros((0, 2)), np.zeros(0)), focus=0.5)
    assert got.shape == (0,), "an empty forum has no targets"
    assert np.issubdtype(got.dtype, np.integer), "targets are integer row positions"


def test_unknown_strategy_raises_listing_the_valid_names() -> None:
    with pytest.raises(ValueError, match="bribe") as err:
        _targets("bribe", 0.5)
    for name in ("allies", "swing", "influential"):
        assert name in str(err.value), f"the error message lists the valid strategy {name!r}"


# --------------------------------------------------------------------------- invest


def test_zero_spend_leaves_ties_unchanged() -> None:
    ties = np.array([0.0, 0.3, 1.0])
    np.testing.assert_allclose(
        lobbying.invest(ties, 0.0, tie_cost=2.0), ties, err_msg="no money, no change"
    )


@pytest.mark.parametrize("tie_cost", [0.5, 1.0, 10.0])
def test_spending_tie_cost_from_zero_gives_one_minus_one_over_e(tie_cost: float) -> None:
    # 0 + (1 - 0) * (1 - exp(-c / c)) = 1 - 1/e = 0.632.
    got = lobbying.invest(np.zeros(2), tie_cost, tie_cost)
    np.testing.assert_allclose(got, 1 - 1 / math.e, err_msg="spend = tie_cost closes 1 - 1/e")


def test_invest_hand_case_closes_half_the_gap() -> None:
    # spend = c * ln 2 -> 1 - exp(-ln 2) = 1/2 of the gap: .5 + .5 * .5 = .75; .2 -> .6.
    got = lobbying.invest(np.array([0.5, 0.2]), 3.0 * math.log(2), 3.0)
    np.testing.assert_allclose(got, [0.75, 0.6], err_msg="half the remaining gap is closed")


def test_invest_accepts_a_spend_per_target() -> None:
    # tie 0, spends 0 and c: 0 and 1 - 1/e.
    got = lobbying.invest(np.zeros(2), np.array([0.0, 2.0]), 2.0)
    np.testing.assert_allclose(got, [0.0, 1 - 1 / math.e], err_msg="spend is elementwise")


def test_ties_stay_in_unit_interval() -> None:
    ties = np.array([0.0, 0.25, 0.999, 1.0])
    for spend in (0.0, 0.01, 1.0, 50.0, 1e6):
        got = lobbying.invest(ties, spend, 1.0)
        assert np.all((got >= 0) & (got <= 1)), f"spend {spend}: ties stay in [0, 1], got {got}"
        assert np.all(got >= ties), f"spend {spend}: spending never weakens a tie"
    assert lobbying.invest(np.zeros(1), 1e6, 1.0)[0] == pytest.approx(1.0), "huge spend -> 1"


def test_invest_is_monotone_in_spend() -> None:
    spends = np.linspace(0.0, 10.0, 41)
    got = np.array([lobbying.invest(np.array([0.1]), s, 2.0)[0] for s in spends])
    assert np.all(np.diff(got) > 0), "more spending gives a strictly stronger tie"


def test_invest_saturates_second_unit_adds_less_than_first() -> None:
    # From 0 with c = 1: first unit -> 1 - 1/e = .632; second adds (1 - .632)(1 - 1/e) = .233.
    first = lobbying.invest(np.zeros(1), 1.0, 1.0)
    second = lobbying.invest(first, 1.0, 1.0)
    gain1, gain2 = first[0], second[0] - first[0]
    assert gain1 == pytest.approx(1 - 1 / math.e), "first unit closes 1 - 1/e"
    assert gain2 == pytest.approx((1 / math.e) * (1 - 1 / math.e)), (
        "second unit closes 1-1/e of 1/e"
    )
    assert gain2 < gain1, "saturating: the second unit of spending adds less than the first"
    # Two units one after the other equal two units at once (exponential gap).
    np.testing.assert_allclose(
        second, lobbying.invest(np.zeros(1), 2.0, 1.0), err_msg="spend is additive in the exponent"
    )


# --------------------------------------------------------------------------- combined_tie


def test_combined_tie_of_one_lobbyist_is_its_tie() -> None:
    ties = np.array([[0.0, 0.4, 1.0]])
    np.testing.assert_allclose(
        lobbying.combined_tie(ties), [0.0, 0.4, 1.0], err_msg="one lobbyist -> its own tie"
    )


def test_two_half_ties_combine_to_three_quarters() -> None:
    # 1 - (1 - .5)(1 - .5) = .75; 1 - (1 - .2)(1 - 0) = .2; 1 - 0 * (1 - .3) = 1.
    ties = np.array([[0.5, 0.2, 1.0], [0.5, 0.0, 0.3]])
    np.testing.assert_allclose(
        lobbying.combined_tie(ties), [0.75, 0.2, 1.0], err_msg="1 - prod(1 - tie)"
    )
    assert lobbying.combined_tie(np.array([0.5, 0.5])) == pytest.approx(0.75), (
        "1-D selector ties combine the same way to a scalar"
    )


def test_combined_tie_of_no_lobbyists_is_zero() -> None:
    got = lobbying.combined_tie(np.zeros((0, 4)))
    np.testing.assert_array_equal(got, np.zeros(4), err_msg="no lobbyists -> no ties")
    assert float(lobbying.combined_tie(np.zeros(0))) == 0.0, "no selector ties -> 0"


# --------------------------------------------------------------------------- lobby_pull


def test_lobby_pull_hand_case() -> None:
    # force = pull * (1 - transparency) * tie = .2 * .5 * [0, .5] = [0, .05].
    # row 1: (.1, .9) + .05 * ((.9, .1) - (.1, .9)) = (.1 + .04, .9 - .04) = (.14, .86).
    adv = np.array([[0.5, 0.5], [0.1, 0.9]])
    got = lobbying.lobby_pull(adv, np.array([0.0, 0.5]), LOBBY, pull=0.2, transparency=0.5)
    np.testing.assert_allclose(got, [[0.5, 0.5], [0.14, 0.86]], err_msg="a += f * tie * (L - a)")


def test_no_tie_no_move() -> None:
    got = lobbying.lobby_pull(ADVOCATED, np.zeros(5), LOBBY, pull=1.0, transparency=0.0)
    np.testing.assert_array_equal(got, ADVOCATED, err_msg="untied members are not pulled")


def test_full_transparency_no_move() -> None:
    got = lobbying.lobby_pull(ADVOCATED, np.ones(5), LOBBY, pull=1.0, transparency=1.0)
    np.testing.assert_array_equal(got, ADVOCATED, err_msg="a full lobby register cancels the pull")


def test_full_pull_and_tie_lands_on_the_ideal() -> None:
    # force = 1 * 1 * 1 -> a + (L - a) = L.
    got = lobbying.lobby_pull(ADVOCATED, np.ones(5), LOBBY, pull=1.0, transparency=0.0)
    np.testing.assert_allclose(got, np.tile(LOBBY, (5, 1)), err_msg="force 1 -> exactly at L")


def test_pull_moves_toward_the_ideal_never_past_it() -> None:
    rng = np.random.default_rng(3)
    adv = rng.random((50, 2))
    before = np.linalg.norm(adv - LOBBY, axis=1)
    for pull in (0.1, 0.5, 1.0):
        for transparency in (0.0, 0.3):
            tie = rng.random(50)
            got = lobbying.lobby_pull(adv, tie, LOBBY, pull=pull, transparency=transparency)
            force = pull * (1 - transparency) * tie
            after = np.linalg.norm(got - LOBBY, axis=1)
            np.testing.assert_allclose(
                after, (1 - force) * before, atol=1e-12, err_msg="distance shrinks by 1 - force"
            )
            lo, hi = np.minimum(adv, LOBBY), np.maximum(adv, LOBBY)
            assert np.all((got >= lo - 1e-12) & (got <= hi + 1e-12)), (
                "each coordinate stays between the old position and the ideal (no overshoot)"
            )
    np.testing.assert_array_equal(
        np.linalg.norm(adv - LOBBY, axis=1), before, err_msg="the input array is not modified"
    )


# --------------------------------------------------------------------------- captured_selector


def test_captured_selector() -> None:
    # combined tie of (.5, .5) = .75; times (1 - transparency).
    ties = np.array([0.5, 0.5])
    got = lobbying.captured_selector(ties, 0.0)
    assert isinstance(got, float) and got == pytest.approx(0.75), "no register -> combined tie"
    assert lobbying.captured_selector(ties, 0.2) == pytest.approx(0.6), ".75 * (1 - .2) = .6"
    assert lobbying.captured_selector(ties, 1.0) == 0.0, "full transparency -> no capture"
    assert lobbying.captured_selector(np.array([0.3]), 0.0) == pytest.approx(0.3), (
        "one lobbyist -> its tie"
    )
    assert lobbying.captured_selector(np.zeros(0), 0.0) == 0.0, "no lobbyists -> no capture"


# --------------------------------------------------------------------------- rotate_out


def _ties() -> np.ndarray:
    return np.array([[0.2, 0.4, 0.6, 0.8], [1.0, 0.5, 0.1, 0.3]])


def test_cooling_off_cuts_leavers_ties_to_zero() -> None:
    ties = _ties()
    lobbying.rotate_out(ties, np.array([1, 3]), cooling_off=2, retention=0.5)
    expected = _ties()
    expected[:, [1, 3]] = 0.0
    np.testing.assert_array_equal(ties, expected, err_msg="leavers 1, 3 cut; 0, 2 untouched")


def test_without_cooling_off_leavers_keep_retention_share() -> None:
    ties = _ties()
    lobbying.rotate_out(ties, np.array([0, 2]), cooling_off=0, retention=0.5)
    # columns 0, 2 halved: (.1, .5) and (.3, .05); columns 1, 3 untouched.
    expected = np.array([[0.1, 0.4, 0.3, 0.8], [0.5, 0.5, 0.05, 0.3]])
    np.testing.assert_allclose(ties, expected, err_msg="leavers' ties * retention, others kept")
    ties = _ties()
    lobbying.rotate_out(ties, np.array([0, 2]), cooling_off=0, retention=1.0)
    np.testing.assert_array_equal(ties, _ties(), err_msg="retention 1 keeps the door wide open")


def test_rotate_out_no_leavers_is_a_no_op() -> None:
    for cooling_off in (0, 3):
        ties = _ties()
        lobbying.rotate_out(ties, np.zeros(0, dtype=np.int64), cooling_off=cooling_off, retention=0)
        np.testing.assert_array_equal(ties, _ties(), err_msg="no leavers -> ties unchanged")


# --------------------------------------------------------------------------- astroturf_claims


def test_claims_go_to_the_only_short_category() -> None:
    # M' = 10 + 5 = 15; deficits max(P*15 - X, 0) = (3 - 5, 4.5 - 5, 7.5 - 0) -> (0, 0, 7.5).
    got = lobbying.astroturf_claims(np.array([5, 5, 0]), np.array([0.2, 0.3, 0.5]), 5)
    np.testing.assert_array_equal(got, [0, 0, 5], err_msg="all paid claim the absent category")


def test_claims_in_proportion_to_the_deficit() -> None:
    # M' = 8 + 4 = 12; deficits (6 - 6, 3 - 2, 3 - 0) = (0, 1, 3) -> claims (0, 1, 3),
    # after which the measured room (6, 3, 3) mirrors the population (.5, .25, .25) exactly.
    got = lobbying.astroturf_claims(np.array([6, 2, 0]), np.array([0.5, 0.25, 0.25]), 4)
    np.testing.assert_array_equal(got, [0, 1, 3], err_msg="claims proportional to the deficits")
    assert got.dtype == np.int64, "claims are int64 counts"


def test_claims_sum_to_the_number_paid() -> None:
    rng = np.random.default_rng(11)
    for _ in range(50):
        k = int(rng.integers(2, 7))
        shares = rng.dirichlet(np.ones(k))
        real = rng.integers(0, 30, size=k)
        n_paid = int(rng.integers(1, 40))
        got = lobbying.astroturf_claims(real, shares, n_paid)
        assert got.sum() == n_paid, f"claims {got} sum to n_paid={n_paid}"
        assert np.all(got >= 0), "claims are non-negative"
        deficit = shares * (real.sum() + n_paid) - real
        assert np.all(got[deficit <= 0] == 0), "no claim goes to a category that is not short"


def test_claims_proportional_to_population_when_nobody_is_short() -> None:
    # A room already proportional to P = (.2, .3, .5): X = (2, 3, 5), paid 10 -> M' = 20,
    # deficits (4 - 2, 6 - 3, 10 - 5) = (2, 3, 5), i.e. in proportion to P.
    shares = np.array([0.2, 0.3, 0.5])
    got = lobbying.astroturf_claims(np.array([2, 3, 5]), shares, 10)
    np.testing.assert_array_equal(got, [2, 3, 5], err_msg="proportional room -> claims ~ P_g")
    # Empty room: deficits = P * n_paid -> proportional to P.
    got = lobbying.astroturf_claims(np.zeros(3, dtype=np.int64), shares, 10)
    np.testing.assert_array_equal(got, [2, 3, 5], err_msg="empty room -> claims ~ P_g")
    # With shares summing to 1 some category is always short (the deficits sum to n_paid);
    # the all-zero-deficit fallback is reached only by shares summing to < 1: P = (.1, .1),
    # X = (10, 10), paid 2 -> deficits (2.2 - 10, 2.2 - 10) -> 0 -> weights P -> (1, 1).
    got = lobbying.astroturf_claims(np.array([10, 10]), np.array([0.1, 0.1]), 2)
    np.testing.assert_array_equal(got, [1, 1], err_msg="no deficit -> in proportion to P_g")


def test_zero_paid_claims_nothing() -> None:
    for n_paid in (0, -1):
        got = lobbying.astroturf_claims(np.array([1, 0, 3]), np.array([0.2, 0.3, 0.5]), n_paid)
        np.testing.assert_array_equal(got, [0, 0, 0], err_msg=f"n_paid={n_paid} -> no claims")
        assert got.dtype == np.int64, "claims are int64 counts"


# --------------------------------------------------------------------------- odds_ratio


@pytest.mark.parametrize("m", [2, 10, 30])
def test_odds_ratio_is_one_when_forum_mirrors_the_pool(m: int) -> None:
    # A = M/2, p = .5: [(M/2 + .5) / (M/2 + .5)] / [.5 / .5] = 1.
    assert metrics.odds_ratio(m // 2, m, 0.5) == pytest.approx(1.0), "A = M/2 with p = .5 -> 1"


def test_odds_ratio_hand_case() -> None:
    # A = 3, M = 5, p = .25: (3.5 / 2.5) / (.25 / .75) = 1.4 * 3 = 4.2.
    assert metrics.odds_ratio(3, 5, 0.25) == pytest.approx(4.2), "(3.5/2.5) / (1/3) = 4.2"


def test_odds_ratio_all_or_none_aligned_is_finite() -> None:
    # All aligned, M = 10, p = .5: (10.5 / .5) / 1 = 21; none aligned: (.5 / 10.5) = 1/21.
    assert metrics.odds_ratio(10, 10, 0.5) == pytest.approx(21.0), "all aligned -> 21, finite"
    assert metrics.odds_ratio(0, 10, 0.5) == pytest.approx(1 / 21), "none aligned -> 1/21 > 0"


def test_odds_ratio_empty_forum_or_degenerate_pool_is_one() -> None:
    assert metrics.odds_ratio(0, 0, 0.5) == 1.0, "empty forum -> 1"
    assert metrics.odds_ratio(3, 5, 0.0) == 1.0, "p = 0 -> 1 (odds undefined)"
    assert metrics.odds_ratio(3, 5, 1.0) == 1.0, "p = 1 -> 1 (odds undefined)"
