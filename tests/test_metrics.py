"""Unit tests of the outcome metrics (docs/ODD.md §7.7) on hand-computed cases.

Every expected number below is worked out by hand in the comment next to it; the exact
probability results (binomial mean absolute deviation, expected Rose index) are checked
against brute-force sums over ``scipy.stats.binom.pmf`` and, for a small body, against a
full enumeration of the multinomial distribution.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import binom, multinomial, wasserstein_distance

from msisim import metrics

# --------------------------------------------------------------------------- helpers


def brute_force_mad(n: int, p: float) -> float:
    """``E|X - n p|`` for ``X ~ Binomial(n, p)`` by summing over every outcome."""
    x = np.arange(n + 1)
    return float(np.sum(binom.pmf(x, n, p) * np.abs(x - n * p)))


def brute_force_expected_rose(m: int, population_shares: list[float]) -> float:
    """``1 - 0.5 * sum_g E|X_g - M P_g| / M`` with each expectation summed over the pmf."""
    return 1.0 - 0.5 * sum(brute_force_mad(m, p) for p in population_shares) / m


# --------------------------------------------------------------------------- shares


def test_shares_normalises_counts() -> None:
    # counts (1, 3, 0, 4) sum to 8 -> shares (1/8, 3/8, 0, 4/8)
    got = metrics.shares(np.array([1, 3, 0, 4]))
    np.testing.assert_allclose(
        got, [0.125, 0.375, 0.0, 0.5], err_msg="shares must be counts divided by their total"
    )


def test_shares_of_all_zero_counts_stay_zero() -> None:
    got = metrics.shares(np.zeros(3))
    np.testing.assert_array_equal(
        got, np.zeros(3), err_msg="an empty forum has zero share everywhere (no division by 0)"
    )


# --------------------------------------------------------------------------- Rose index


def test_rose_index_hand_case_is_one_half() -> None:
    # Body A,A,C,A,C,A: S = (A 4/6, B 0, C 2/6); P = (A .25, B .5, C .25).
    # |2/3 - 1/4| = 5/12, |0 - 1/2| = 6/12, |1/3 - 1/4| = 1/12; sum = 12/12 = 1.
    # Rose = 1 - 0.5 * 1 = 0.5 exactly.
    body = ["A", "A", "C", "A", "C", "A"]
    counts = np.array([body.count(g) for g in ("A", "B", "C")])
    rose = metrics.rose_index(metrics.shares(counts), np.array([0.25, 0.5, 0.25]))
    assert rose == pytest.approx(0.5, abs=1e-15), "Rose of A,A,C,A,C,A vs (.25,.5,.25) is 0.5"


def test_rose_index_is_one_for_a_mirror_and_zero_for_disjoint_support() -> None:
    p = np.array([0.2, 0.3, 0.5])
    assert metrics.rose_index(p, p) == pytest.approx(1.0), "a forum mirroring P scores 1"
    # S = (1, 0), P = (0, 1): sum |S - P| = 2 -> Rose = 1 - 1 = 0.
    assert metrics.rose_index(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(0.0), (
        "a forum made only of a category absent from the population scores 0"
    )


def test_representation_ratio_hand_case() -> None:
    # S = (.5, .5, 0), P = (.25, .5, .25) -> ratios (2, 1, 0); P_g = 0 gives 0.
    got = metrics.representation_ratio(np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.5, 0.25]))
    np.testing.assert_allclose(got, [2.0, 1.0, 0.0], err_msg="S_g / P_g per category")
    got = metrics.representation_ratio(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    np.testing.assert_allclose(got, [0.5, 0.0], err_msg="a category with P_g = 0 gets ratio 0")


# --------------------------------------------------------------------------- binomial MAD


@pytest.mark.parametrize(
    ("n", "p"),
    [
        (1, 0.5),
        (1, 0.1),
        (1, 0.9),
        (2, 0.5),
        (3, 0.5),
        (4, 0.5),  # n p integer
        (10, 0.3),  # n p = 3 (not exactly representable)
        (10, 0.05),
        (7, 1 / 3),
        (30, 0.15),
        (50, 0.5),
        (200, 0.07),
        (1000, 0.05),
        (5, 0.0),
        (5, 1.0),
        (1, 0.0),
        (1, 1.0),
    ],
)
def test_binomial_mad_matches_brute_force(n: int, p: float) -> None:
    expected = brute_force_mad(n, p)
    got = metrics.binomial_mean_absolute_deviation(n, p)
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-14), (
        f"de Moivre's closed form must equal sum_x pmf(x) |x - np| for n={n}, p={p}"
    )


def test_binomial_mad_hand_cases() -> None:
    # n=1, p=.5: X in {0,1} each w.p. .5, |X - .5| = .5 always -> .5
    assert metrics.binomial_mean_absolute_deviation(1, 0.5) == pytest.approx(0.5), "n=1 p=.5"
    # n=4, p=.5: pmf (1,4,6,4,1)/16, |X-2| = (2,1,0,1,2) -> (2+4+0+4+2)/16 = .75
    assert metrics.binomial_mean_absolute_deviation(4, 0.5) == pytest.approx(0.75), "n=4 p=.5"
    # p = 0 or 1: X = np surely -> 0
    assert metrics.binomial_mean_absolute_deviation(9, 0.0) == 0.0, "p=0 has no deviation"
    assert metrics.binomial_mean_absolute_deviation(9, 1.0) == 0.0, "p=1 has no deviation"
    assert metrics.binomial_mean_absolute_deviation(0, 0.3) == 0.0, "n=0 has no deviation"


# --------------------------------------------------------------------------- expected Rose


@pytest.mark.parametrize(
    ("m", "population_shares"),
    [
        (1, [0.25, 0.5, 0.25]),
        (6, [0.25, 0.5, 0.25]),
        (10, [0.05, 0.10, 0.15, 0.15, 0.05, 0.50]),
        (30, [0.05, 0.10, 0.15, 0.15, 0.05, 0.50]),
        (7, [1.0]),  # one category: every body mirrors it -> 1
        (5, [0.5, 0.5, 0.0]),  # a category with P = 0 never deviates
    ],
)
def test_expected_rose_matches_brute_force(m: int, population_shares: list[float]) -> None:
    expected = brute_force_expected_rose(m, population_shares)
    got = metrics.expected_rose_index(m, population_shares)
    assert got == pytest.approx(expected, rel=1e-12), (
        f"expected Rose of a random body of {m} must be 1 - 0.5 sum_g E|X_g - M P_g| / M"
    )


def test_expected_rose_matches_multinomial_enumeration() -> None:
    # Independent check: enumerate every composition of a body of M=5 over 3 categories,
    # weight its Rose index by the multinomial pmf.
    m, p = 5, np.array([0.25, 0.5, 0.25])
    total = 0.0
    for a, b in itertools.product(range(m + 1), repeat=2):
        c = m - a - b
        if c < 0:
            continue
        counts = np.array([a, b, c])
        total += multinomial.pmf(counts, m, p) * metrics.rose_index(counts / m, p)
    got = metrics.expected_rose_index(m, p.tolist())
    assert got == pytest.approx(total, rel=1e-12), "E[Rose] equals the multinomial average"


def test_expected_rose_single_member_hand_case() -> None:
    # M=1: the member is A w.p. .25 (S = (1,0,0), Rose = 1 - .5 (.75+.5+.25) = .25),
    # B w.p. .5 (Rose = 1 - .5 (.25 + .5 + .25) = .5), C w.p. .25 (Rose = .25).
    # E[Rose] = .25*.25 + .5*.5 + .25*.25 = .375
    got = metrics.expected_rose_index(1, [0.25, 0.5, 0.25])
    assert got == pytest.approx(0.375), "a one-member body has E[Rose] = 0.375 here"


def test_expected_rose_of_empty_body_is_one_half() -> None:
    # All S_g = 0: Rose = 1 - 0.5 * sum P_g = 0.5.
    assert metrics.expected_rose_index(0, [0.3, 0.7]) == pytest.approx(0.5), "empty body -> 0.5"


def test_expected_rose_increases_with_body_size() -> None:
    shares = [0.05, 0.10, 0.15, 0.15, 0.05, 0.50]
    sizes = [1, 5, 10, 30, 100, 1000]
    values = [metrics.expected_rose_index(m, shares) for m in sizes]
    assert all(a < b for a, b in itertools.pairwise(values)), (
        f"a larger random body is more proportional on average: {values}"
    )
    assert values[-1] > 0.97, "a random body of 1000 is nearly proportional"
    # Over consecutive sizes it never decreases (ties occur, e.g. M = 2 and 3 at P = .5).
    dense = np.array([metrics.expected_rose_index(m, shares) for m in range(1, 201)])
    assert np.all(np.diff(dense) >= -1e-12), "expected Rose is non-decreasing in body size"


# --------------------------------------------------------------------------- Gini


def test_gini_hand_cases() -> None:
    assert metrics.gini(np.full(5, 2.5)) == pytest.approx(0.0, abs=1e-15), "equal voice -> 0"
    # (0,0,0,1): sum_ij |x_i - x_j| = 6 (3 ordered pairs each way), 2 n^2 mean = 2*16*.25 = 8
    # -> 6/8 = 0.75 = 1 - 1/n (the maximum for n = 4).
    assert metrics.gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75), "(0,0,0,1) -> .75"
    # (1,2,3): sum_ij |x_i - x_j| = 2 (1 + 2 + 1) = 8, 2 n^2 mean = 2*9*2 = 36 -> 2/9.
    assert metrics.gini(np.array([3.0, 1.0, 2.0])) == pytest.approx(2 / 9), "(1,2,3) -> 2/9"


def test_gini_of_empty_or_all_zero_is_zero() -> None:
    assert metrics.gini(np.array([])) == 0.0, "no members -> Gini 0"
    assert metrics.gini(np.zeros(3)) == 0.0, "all-zero voice -> Gini 0"


def test_gini_matches_pairwise_definition() -> None:
    x = np.random.default_rng(3).lognormal(size=40)
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert metrics.gini(x) == pytest.approx(pairwise, rel=1e-12), "sorted formula = pairwise one"


# --------------------------------------------------------------------------- viewpoint coverage


def test_viewpoint_coverage_hand_case() -> None:
    members = np.array([[0.0, 0.0], [1.0, 1.0]])
    population = np.array(
        [
            [0.05, 0.0],  # 0.05 from member 0: covered
            [0.0, 0.1],  # exactly at radius 0.1: covered (<=)
            [0.5, 0.5],  # ~0.71 from both: not covered
            [0.95, 0.95],  # ~0.07 from member 1: covered
        ]
    )
    got = metrics.viewpoint_coverage(population, members, radius=0.1)
    assert got == pytest.approx(0.75), "3 of 4 stakeholders lie within 0.1 of a member"


def test_viewpoint_coverage_counts_the_same_pairs_as_every_distance() -> None:
    rng = np.random.default_rng(11)
    for case in range(200):
        # positions on a 0.1 grid put many pairs exactly at the radius (the <= boundary)
        population = np.round(rng.random((int(rng.integers(1, 400)), 2)), 1 + case % 3)
        room = np.round(rng.random((int(rng.integers(1, 250)), 2)), 1 + case % 2)
        diff = population[:, None, :] - room[None, :, :]
        squared = diff[..., 0] * diff[..., 0] + diff[..., 1] * diff[..., 1]
        expected = np.count_nonzero((squared <= 0.1 * 0.1).any(axis=1)) / population.shape[0]
        assert metrics.viewpoint_coverage(population, room, 0.1) == expected, (
            f"case {case}: the covered stakeholders are those with a member within 0.1"
        )


def test_viewpoint_coverage_empty_forum_and_full_radius() -> None:
    population = np.random.default_rng(0).random((10, 2))
    assert metrics.viewpoint_coverage(population, np.empty((0, 2)), 0.5) == 0.0, (
        "an empty forum covers nobody"
    )
    members = np.array([[0.5, 0.5]])
    assert metrics.viewpoint_coverage(population, members, math.sqrt(2)) == 1.0, (
        "radius sqrt(2) from any point covers the whole unit square"
    )


# --------------------------------------------------------------------------- weighted median


@pytest.mark.parametrize("n", [1, 2, 5, 6, 11, 20])
def test_weighted_median_equal_weights_is_numpy_median(n: int) -> None:
    x = np.random.default_rng(n).random((n, 2))
    for w in (np.ones(n), np.full(n, 0.1), np.full(n, 1 / 3)):
        np.testing.assert_allclose(
            metrics.weighted_median(x, w),
            np.median(x, axis=0),
            rtol=0,
            atol=1e-15,
            err_msg=f"equal weights {w[0]:.3g} must give numpy.median (n={n})",
        )
        assert float(metrics.weighted_median(x[:, 0], w)) == pytest.approx(
            float(np.median(x[:, 0])), abs=1e-15
        ), "1-d input works the same way"


def test_weighted_median_unequal_weights_hand_cases() -> None:
    # values 1,2,3,4 with weights 1,1,1,5: total 8, half 4; cumulative 1,2,3,8 -> first >= 4
    # is the value 4.
    got = metrics.weighted_median(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1, 1, 5]))
    assert float(got) == 4.0, "a heavy value holding more than half the weight is the median"
    # values 1,2,3 with weights 2,1,1: cumulative 2,3,4 reaches exactly half (2) at value 1
    # -> midpoint with the next value: 1.5.
    got = metrics.weighted_median(np.array([1.0, 2.0, 3.0]), np.array([2.0, 1, 1]))
    assert float(got) == 1.5, "exactly half the weight at a value -> midpoint with the next"
    # 2-d, coordinate-wise: column 0 values (0, .2, .9) w (1, 1, 3) -> cumulative 1, 2, 5,
    # half 2.5 -> .9; column 1 values (.8, .1, .3) sorted (.1, .3, .8) w (1, 3, 1) -> cumulative
    # 1, 4, 5 -> .3.
    x = np.array([[0.0, 0.8], [0.2, 0.1], [0.9, 0.3]])
    got = metrics.weighted_median(x, np.array([1.0, 1.0, 3.0]))
    np.testing.assert_allclose(got, [0.9, 0.3], err_msg="median is taken per coordinate")


def test_weighted_median_ignores_zero_weight_values() -> None:
    # A zero-weight value must not matter: median of {1, 3} with equal weights is 2.
    got = metrics.weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 1.0]))
    assert float(got) == 2.0, "zero-weight entries do not move the weighted median"


# --------------------------------------------------------------------------- congruence


def test_congruence_error_hand_case() -> None:
    # (0.5, 0.5) - (0.2, 0.1) = (0.3, 0.4) -> length 0.5
    got = metrics.congruence_error(np.array([0.5, 0.5]), np.array([0.2, 0.1]))
    assert got == pytest.approx(0.5), "3-4-5 triangle: error 0.5"
    assert metrics.congruence_error(np.array([0.3, 0.3]), np.array([0.3, 0.3])) == 0.0, (
        "policy at the public ideal has error 0"
    )


def test_mean_citizen_distance_hand_case() -> None:
    # policy (0,0); citizens at (.3,.4) (distance .5) and (0,1) (distance 1), weights 1 and 3
    # -> (1*.5 + 3*1) / 4 = .875; with all-zero weights the plain mean .75.
    policy = np.array([0.0, 0.0])
    positions = np.array([[0.3, 0.4], [0.0, 1.0]])
    distance = metrics.distances(positions, policy)
    np.testing.assert_allclose(distance, [0.5, 1.0], err_msg="Euclidean distances")
    got = metrics.mean_citizen_distance(distance, np.array([1.0, 3.0]))
    assert got == pytest.approx(0.875), "affectedness-weighted mean distance"
    got = metrics.mean_citizen_distance(distance, np.zeros(2))
    assert got == pytest.approx(0.75), "all-zero weights fall back to the unweighted mean"


def test_congruence_hand_cases() -> None:
    assert metrics.congruence(0.0, 2) == 1.0, "no error -> congruence 1"
    assert metrics.congruence(math.sqrt(2), 2) == pytest.approx(0.0), "max error in 2-d -> 0"
    assert metrics.congruence(0.5, 1) == pytest.approx(0.5), "half the max in 1-d -> .5"
    # d = 4: max distance 2, error 0.5 -> 1 - .25 = .75
    assert metrics.congruence(0.5, 4) == pytest.approx(0.75), "1 - error / sqrt(d)"
    assert metrics.responsiveness is metrics.congruence, "the first release's name still works"


# --------------------------------------------------------------------------- lobby bias


def test_lobby_bias_hand_cases() -> None:
    m = np.array([0.2, 0.8])
    lobby = np.array([0.9, 0.1])
    axis = lobby - m
    assert metrics.lobby_bias(m, m, lobby) == pytest.approx(0.0), "0 at the public ideal"
    assert metrics.lobby_bias(lobby, m, lobby) == pytest.approx(1.0), "1 at the lobby ideal"
    assert metrics.lobby_bias((m + lobby) / 2, m, lobby) == pytest.approx(0.5), "0.5 midway"
    assert metrics.lobby_bias(m - 0.2 * axis, m, lobby) == pytest.approx(-0.2), (
        "negative when the policy leans away from the lobby"
    )
    # A move perpendicular to the axis, (.7, .7) / |...| scaled, is not lobby bias.
    perpendicular = m + 0.1 * np.array([0.7, 0.7])
    assert metrics.lobby_bias(perpendicular, m, lobby) == pytest.approx(0.0, abs=1e-12), (
        "only the component along the public-to-lobby axis counts"
    )
    assert metrics.lobby_bias(np.array([0.5, 0.5]), m, m) == 0.0, "0 when lobby ideal = m"


@pytest.mark.parametrize("seed", range(5))
def test_tilt_path_is_the_lobby_bias_of_each_point(seed: int) -> None:
    rng = np.random.default_rng(seed)
    position, advocated = rng.random((60, 2)), rng.random((60, 2))
    voice, members = rng.random(60), np.sort(rng.choice(60, size=17, replace=False))
    policy, m, lobby = rng.random(2), rng.random(2), rng.random(2)
    path = metrics.tilt_path(position, advocated, members, voice, policy, m, lobby)
    points = [
        m,
        position.mean(axis=0),
        position[members].sum(axis=0) / members.size,
        advocated[members].sum(axis=0) / members.size,
        (voice[members] @ advocated[members]) / voice[members].sum(),
        policy,
    ]
    assert path == [metrics.lobby_bias(p, m, lobby) for p in points], (
        "each value is lobby_bias of its reference point, to the bit"
    )
    parts = metrics.tilt_parts(position, advocated, members, voice, policy, m, lobby)
    assert list(parts) == list(metrics.TILT_PARTS)
    assert sum(parts.values()) == pytest.approx(path[-1], abs=1e-12), "the parts add up"


# --------------------------------------------------------------------------- adaptation lags


def test_adaptation_lag_recovery() -> None:
    # steps:   1    2    3    4    5    6    7    8     9    10
    errors = [0.1, 0.1, 0.1, 0.1, 0.5, 0.4, 0.2, 0.11, 0.1, 0.1]
    # Shock at step 5, window 3: pre = mean(steps 2..4) = .1; threshold .1 + .02 = .12.
    # Steps 5, 6, 7 are above it, step 8 (.11) is not -> lag = 8 - 5 = 3.
    lags, censored = metrics.adaptation_lags(np.array(errors), [5], tolerance=0.02, window=3)
    np.testing.assert_array_equal(lags, [3.0], err_msg="recovered 3 steps after the shock")
    np.testing.assert_array_equal(censored, [False], err_msg="a recovered shock is not censored")


def test_adaptation_lag_censored_when_never_recovered() -> None:
    # steps 1..5; shock at 3 leaves the error at .5 > .1 + .02 until the end.
    # Censored lag = steps observed from the shock on = T - s + 1 = 5 - 3 + 1 = 3.
    errors = np.array([0.1, 0.1, 0.5, 0.5, 0.5])
    lags, censored = metrics.adaptation_lags(errors, [3], tolerance=0.02, window=10)
    np.testing.assert_array_equal(lags, [3.0], err_msg="censored lag = T - s + 1")
    np.testing.assert_array_equal(censored, [True], err_msg="never recovered -> censored")


def test_adaptation_lag_shock_at_step_one_and_beyond_the_run() -> None:
    # Shock at step 1: the pre-shock level is the error at step 1 itself, so the lag is 0.
    # Shock at step 4 (= T): pre = mean(.3, .3) = .3, error at 4 is .3 -> lag 0.
    # Shock at step 9 > T = 4 is outside the run and ignored.
    errors = np.array([0.3, 0.3, 0.3, 0.3])
    lags, censored = metrics.adaptation_lags(errors, [1, 4, 9], tolerance=0.01, window=2)
    np.testing.assert_array_equal(lags, [0.0, 0.0], err_msg="two shocks in the run, both lag 0")
    np.testing.assert_array_equal(censored, [False, False], err_msg="neither is censored")


def test_adaptation_lags_several_shocks_each_against_its_own_baseline() -> None:
    # steps:   1    2    3    4    5    6
    errors = [0.1, 0.1, 0.4, 0.1, 0.3, 0.3]
    # shock 3: pre = mean(steps 1,2) = .1 -> step 4 (.1) recovers -> lag 1.
    # shock 5: pre = mean(steps 3,4) = .25 -> .3 > .26 until the end -> censored, lag 2.
    lags, censored = metrics.adaptation_lags(np.array(errors), [3, 5], tolerance=0.01, window=2)
    np.testing.assert_allclose(lags, [1.0, 2.0], err_msg="lags (1, censored 2)")
    np.testing.assert_array_equal(censored, [False, True], err_msg="second shock is censored")


def test_many_to_many_distance_known_answers() -> None:
    def distance(population, weights, room):
        return metrics.many_to_many_distance(metrics.distribution_of(population, weights), room)

    population = np.array([[0.0, 0.2], [1.0, 0.2]])
    weights = np.array([1.0, 1.0])
    assert distance(population, weights, population.copy()) == 0.0, (
        "a room distributed as the population is: distance 0"
    )
    # x: mass 1/2 at 0 and at 1 against all at 0.5 -> 0.5; y: both at 0.2 against 0.2 -> 0
    room = np.array([[0.5, 0.2]])
    assert distance(population, weights, room) == pytest.approx(0.25), (
        "the mean over coordinates of the Wasserstein-1 distances 0.5 and 0"
    )
    skewed = distance(population[:, :1], np.array([3.0, 1.0]), room[:, :1])
    assert skewed == pytest.approx(0.5), "every unit of mass moves 0.5, whatever the weights"
    near = distance(population[:, :1], np.array([3.0, 1.0]), np.array([[0.0], [0.0], [0.0], [1.0]]))
    assert near == pytest.approx(0.0), "the room holds the population's 3:1 split exactly"
    assert np.isnan(distance(population, weights, np.zeros((0, 2))))
    rng = np.random.default_rng(4)
    points, mass, seats = rng.random((200, 2)), rng.random(200), rng.random((17, 2))
    expected = np.mean(
        [wasserstein_distance(points[:, j], seats[:, j], u_weights=mass) for j in range(2)]
    )
    assert distance(points, mass, seats) == pytest.approx(expected, rel=1e-12), (
        "the same value as scipy's Wasserstein-1 distance, coordinate by coordinate"
    )


def test_many_to_many_distance_merge_gives_the_bits_of_sorting() -> None:
    rng = np.random.default_rng(12)
    general = 0
    for case in range(300):
        n, d, m = int(rng.integers(1, 300)), int(rng.integers(1, 4)), int(rng.integers(1, 80))
        # clipped positions: many values tie at 0 and 1; rounded ones tie everywhere
        points = np.clip(rng.normal(0.5, 0.4, (n, d)), 0.0, 1.0)
        room = np.clip(rng.normal(0.5, 0.3, (m, d)), 0.0, 1.0)
        if case % 3 == 0:
            points, room = np.round(points, 1), np.round(room, 1)
        if case % 4 == 0:  # members advocating exactly some stakeholders' interests
            room[: m // 2] = points[rng.integers(0, n, m // 2)]
        if case % 10 == 0:  # a coordinate outside [0, 2): the general path
            room = 3.0 * room - 1.0
        population = metrics.distribution_of(points, rng.random(n))
        at_values = metrics.distribution_at_values(*population)
        seats = np.sort(room, axis=0) + 2.0 * np.arange(d)
        sorted_knots = seats.T.ravel()
        general += not bool((sorted_knots[1:] >= sorted_knots[:-1]).all())
        expected = metrics._many_to_many_sorting(*population, sorted_knots, m, d)
        for got in (
            metrics.many_to_many_distance(population, room),
            metrics.many_to_many_distance(population, room, at_values),
        ):
            assert np.float64(got).tobytes() == np.float64(expected).tobytes(), (
                f"case {case}: merging the room into the population's knots gives the bits "
                f"of sorting them all ({got!r} vs {expected!r})"
            )
    assert general > 0, "some cases took the general path (room outside [0, 2))"
