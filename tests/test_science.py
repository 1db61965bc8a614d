"""Checks against published results (docs/ODD.md, last sections), and directional facts."""

import numpy as np
import pytest

from conftest import UNIFORM_CITIZENS
from msisim import GovernanceModel
from msisim.metrics import expected_rose_index


def major_clusters(x: np.ndarray, min_share: float = 0.05, gap: float = 0.01) -> int:
    """Opinion clusters holding more than ``min_share`` of agents (Deffuant's 'major' clusters).

    After convergence, opinions sit on a few points; a gap wider than ``gap`` separates
    clusters. Minor clusters (a few stragglers at the extremes) are not counted, as in
    Deffuant et al. (2000), Fig. 2.
    """
    x = np.sort(x)
    cuts = np.flatnonzero(np.diff(x) > gap)
    sizes = np.diff(np.r_[0, cuts + 1, x.shape[0]])
    return int((sizes > min_share * x.shape[0]).sum())


def deffuant_model(epsilon: float, seed: int) -> GovernanceModel:
    """Deliberation alone: one category, everyone attends, d = 1, mu = 0.5, uniform start."""
    return GovernanceModel(
        membership="plenary",
        n_dims=1,
        n_stakeholders=1000,
        categories=UNIFORM_CITIZENS,
        epsilon=epsilon,
        mu=0.5,
        accountability=0.0,
        presence_weight=0.0,
        lobby_ideal=(0.9,),
        rng=seed,
        collect=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("epsilon", [0.5, 0.3, 0.25, 0.2, 0.15])
def test_deliberation_alone_reproduces_deffuant_cluster_counts(epsilon):
    # Deffuant et al. (2000): with uniform initial opinions, N = 1000 and mu = 0.5, the number
    # of major clusters is *about* floor(1 / (2 epsilon)); consensus for epsilon >= 0.3.
    # "About": near the boundaries (epsilon = 0.25, 0.15) two clusters sometimes merge. The
    # first release asserted the exact count in each of seeds 0-4, which held by the luck of
    # those seeds (its own code gave 18/20 and 17/20 exact at 0.25 and 0.15 over seeds
    # 0-19); with one random stream per process the draws differ (17/20 and 14/20). So the
    # published regularity is asserted over 20 seeds: the most common count is the formula's,
    # at least 60% of the runs give it exactly, and none is off by more than one cluster.
    expected = int(np.floor(1 / (2 * epsilon)))
    counts = []
    for seed in range(20):
        m = deffuant_model(epsilon, seed)
        m.run_for(300)
        counts.append(major_clusters(m.stakeholders.advocated[:, 0]))
    values, freq = np.unique(counts, return_counts=True)
    assert values[np.argmax(freq)] == expected, (
        f"epsilon={epsilon}: the most common count should be floor(1/(2 eps)) = {expected} "
        f"(Deffuant et al. 2000), got {counts}"
    )
    assert counts.count(expected) >= 12, f"epsilon={epsilon}: most runs exact, got {counts}"
    assert all(abs(c - expected) <= 1 for c in counts), f"within one cluster: {counts}"


def test_deffuant_cluster_count_keeps_growing_as_epsilon_shrinks():
    # Below epsilon = 0.15 the published count is only "about" 1/(2 eps): at epsilon = 0.1 runs
    # give 3-5 major clusters (stragglers between clusters sometimes merge two), so the exact
    # floor(1/(2 eps)) is asserted only above. Here: more clusters than at epsilon = 0.15 (3)
    # on average, never fewer, and never more than floor(1/(2 eps)) = 5.
    counts = []
    for seed in range(5):
        m = deffuant_model(0.1, seed)
        m.run_for(300)
        counts.append(major_clusters(m.stakeholders.advocated[:, 0]))
    assert np.mean(counts) > 3 and min(counts) >= 3 and max(counts) <= 5, (
        f"epsilon=0.1 should give more major clusters than epsilon=0.15 (3), at most 5: {counts}"
    )


def test_uniform_random_seats_reproduce_expected_rose_index():
    # Gerring, Jerzak & Oncel (2024): a body of M seats drawn at random has expected Rose index
    # 1 - 0.5 sum_g E|X_g/M - P_g| with X_g ~ Binomial(M, P_g). Unstratified sortition
    # re-drawn every step, averaged over 1500 terms x 2 seeds, must match it within 4
    # standard errors of the mean (a population of 10^4 makes the without-replacement
    # correction (N - M)/(N - 1) negligible).
    roses = []
    for seed in (1, 2):
        m = GovernanceModel(
            membership="sortition", n_stakeholders=10_000, n_seats=30, term_length=1,
            rng=seed, collect=False, viewpoint_sample=10, sortition_acceptance="all",
        )  # fmt: skip
        m.run_for(1500)
        roses.extend(row["rose"] for row in m.series)
    roses = np.array(roses)
    expected = expected_rose_index(30, tuple(m.population_shares))
    se = roses.std(ddof=1) / np.sqrt(roses.size)
    assert abs(roses.mean() - expected) < 4 * se, (
        f"random seats: mean Rose {roses.mean():.4f} should equal the expected Rose "
        f"{expected:.4f} (4 SE = {4 * se:.4f})"
    )


def test_captured_selection_falls_below_expected_rose():
    # A selector captured at 0.8 favours lobby-aligned (business) candidates, so the seated
    # body's Rose index falls clearly below its random-selection expectation.
    m = GovernanceModel(
        membership="sortition", n_stakeholders=2000, n_seats=30, term_length=1,
        selector_capture=0.8, rng=3, collect=False, sortition_acceptance="all",
    )  # fmt: skip
    m.run_for(300)
    rose = np.mean([row["rose"] for row in m.series])
    expected = expected_rose_index(30, tuple(m.population_shares))
    assert rose < expected - 0.05, f"captured selection: Rose {rose:.3f} should be < {expected:.3f}"


def test_random_seats_from_a_small_population_match_the_hypergeometric_expectation():
    # Drawing 100 seats from 500 stakeholders is sampling without replacement: each category's
    # count is hypergeometric, narrower than the binomial, so the expected Rose index is 0.931
    # rather than the with-replacement 0.923 (the model's `expected_rose` uses the former).
    roses, expected = [], []
    for seed in (1, 2):
        m = GovernanceModel(
            membership="sortition", n_stakeholders=500, n_seats=100, term_length=1,
            rng=seed, collect=False, viewpoint_sample=10, sortition_acceptance="all",
        )  # fmt: skip
        m.run_for(1500)
        roses.extend(row["rose"] for row in m.series)
        expected.extend(row["expected_rose"] for row in m.series)
    roses = np.array(roses)
    se = roses.std(ddof=1) / np.sqrt(roses.size)
    with_replacement = expected_rose_index(100, tuple(m.population_shares))
    assert abs(roses.mean() - expected[0]) < 4 * se, (
        f"random seats from N=500: mean Rose {roses.mean():.4f} should equal the "
        f"hypergeometric expectation {expected[0]:.4f} (4 SE = {4 * se:.4f})"
    )
    assert abs(roses.mean() - with_replacement) > 4 * se, (
        f"and differ from the with-replacement value {with_replacement:.4f}"
    )


def test_majority_rule_converges_to_median_of_advocated_positions():
    # Black's median voter: with full attendance, d = 1, no lobbying and equal voices, the
    # policy under majority rule converges to the median of advocated positions. Deliberation
    # is frozen (epsilon = 0) so the median is a fixed target; inertia 0.8 gives geometric
    # convergence (0.8^200 ~ 4e-20).
    m = GovernanceModel(
        membership="plenary", n_dims=1, n_stakeholders=1001, categories=UNIFORM_CITIZENS,
        decision_rule="majority", epsilon=0.0, accountability=0.0, inertia=0.8,
        presence_weight=0.0, lobby_ideal=(0.9,), rng=11, collect=False,
    )  # fmt: skip
    m.run_for(200)
    median = np.median(m.stakeholders.advocated[:, 0])
    assert m.forum.policy[0] == pytest.approx(median, abs=1e-12), (
        f"majority rule: policy {m.forum.policy[0]:.6f} should converge to the median {median:.6f}"
    )


def test_majority_rule_tracks_moving_median_with_deliberation():
    # With deliberation on, advocated positions move; the policy still ends at their median.
    m = GovernanceModel(
        membership="plenary", n_dims=1, n_stakeholders=501, categories=UNIFORM_CITIZENS,
        decision_rule="majority", epsilon=0.2, mu=0.5, accountability=0.0, inertia=0.5,
        presence_weight=0.0, lobby_ideal=(0.9,), rng=5, collect=False,
    )  # fmt: skip
    m.run_for(400)
    median = np.median(m.stakeholders.advocated[:, 0])
    assert m.forum.policy[0] == pytest.approx(median, abs=1e-6)


def mean_over_seeds(metric: str, seeds=range(4), steps=150, **kwargs) -> float:
    values = []
    for seed in seeds:
        m = GovernanceModel(rng=seed, collect=False, **kwargs)
        m.run_for(steps)
        values.append(m.summary()[metric])
    return float(np.mean(values))


def test_higher_participation_cost_lowers_grassroots_share_in_open_forums():
    # Open forums favour the resourceful: raising the cost of attending thins out the
    # low-resource grassroots more than the rest.
    low = mean_over_seeds("grassroots_share", membership="open", participation_cost=0.0)
    high = mean_over_seeds("grassroots_share", membership="open", participation_cost=3.0)
    assert high < low - 0.05, (
        f"higher participation cost should lower the grassroots share: cost 0 -> {low:.3f}, "
        f"cost 3 -> {high:.3f}"
    )


def test_participation_support_restores_grassroots_share():
    # Subsidising grassroots attendance offsets the cost.
    without = mean_over_seeds("grassroots_share", membership="open", participation_cost=3.0)
    with_support = mean_over_seeds(
        "grassroots_share", membership="open", participation_cost=3.0,
        participation_support={"grassroots": 1.0},
    )  # fmt: skip
    assert with_support > without + 0.05, (
        f"support should raise the grassroots share: {without:.3f} -> {with_support:.3f}"
    )


def seated_distance_to_lobby(capture: float, seeds=range(4)) -> float:
    distances = []
    for seed in seeds:
        m = GovernanceModel(membership="representative", selector_capture=capture, rng=seed)
        m.run_for(20)
        st = m.stakeholders
        distances.append(np.linalg.norm(st.position[st.seated] - m.lobby_ideal, axis=1).mean())
    return float(np.mean(distances))


def test_higher_selector_capture_seats_members_closer_to_the_lobby():
    # A captured selector screens out non-conforming candidates and favours lobby-aligned
    # ones: the true interests of the seated move toward the lobby ideal as capture rises.
    d0, d5, d10 = (seated_distance_to_lobby(c) for c in (0.0, 0.5, 1.0))
    assert d0 > d5 > d10, (
        f"seated members' distance to the lobby ideal should fall with capture: "
        f"0 -> {d0:.3f}, 0.5 -> {d5:.3f}, 1 -> {d10:.3f}"
    )


def test_gatekeeping_convener_excludes_and_lowers_coverage():
    # In an open forum a captured convener turns away attendees far from the lobby ideal.
    free = mean_over_seeds("viewpoint_coverage", membership="open", selector_capture=0.0)
    kept = mean_over_seeds("viewpoint_coverage", membership="open", selector_capture=1.0)
    assert kept < free, f"gatekeeping should lower viewpoint coverage: {free:.3f} -> {kept:.3f}"
