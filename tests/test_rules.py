"""Unit tests of the process rules (docs/ODD.md §7) on small hand-built arrays.

Each rule is a pure function of numpy arrays and a seeded ``numpy.random.default_rng``; the
tests state the behaviour the model description asks for and check it on cases small enough
to work out by hand.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from msisim.params import Shock
from msisim.rules import context, decision, deliberation, engagement, membership

# --------------------------------------------------------------------------- 1. context


def test_apply_shocks_moves_only_the_shocked_category_and_clips() -> None:
    position = np.array([[0.1, 0.1], [0.5, 0.5], [0.95, 0.2], [0.3, 0.3]])
    category = np.array([0, 1, 1, 0])
    shock = Shock(step=1, category="b", shift=(0.1, -0.3))
    moved = context.apply_shocks(position, category, [shock], ["a", "b"])
    assert moved, "a shock reports that positions moved"
    np.testing.assert_allclose(
        position,
        [[0.1, 0.1], [0.6, 0.2], [1.0, 0.0], [0.3, 0.3]],
        err_msg="category b shifted by (.1, -.3) and clipped to [0, 1]; category a untouched",
    )


def test_apply_shocks_all_and_short_shift_padded_with_zeros() -> None:
    position = np.array([[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]])
    category = np.array([0, 1, 2])
    shock = Shock(step=3, category="all", shift=(0.2,))
    context.apply_shocks(position, category, [shock], ["a", "b", "c"])
    np.testing.assert_allclose(
        position,
        [[0.3, 0.1], [0.7, 0.5], [1.0, 0.9]],
        err_msg="'all' moves everybody; a 1-coordinate shift leaves the 2nd coordinate alone",
    )


def test_apply_shocks_without_shocks_does_nothing() -> None:
    position = np.array([[0.1, 0.2]])
    moved = context.apply_shocks(position, np.array([0]), [], ["a"])
    assert not moved, "no shock -> nothing moved"
    np.testing.assert_array_equal(position, [[0.1, 0.2]], err_msg="positions unchanged")


def test_apply_shocks_two_shocks_accumulate() -> None:
    position = np.array([[0.5], [0.5]])
    shocks = [Shock(1, "a", (0.1,)), Shock(1, "all", (0.2,))]
    context.apply_shocks(position, np.array([0, 1]), shocks, ["a", "b"])
    np.testing.assert_allclose(
        position, [[0.8], [0.7]], err_msg="a gets .1 + .2, b gets .2 from the shocks"
    )


def test_apply_drift_zero_does_nothing() -> None:
    position = np.array([[0.2, 0.4], [0.6, 0.8]])
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    assert not context.apply_drift(position, 0.0, rng), "drift 0 reports no move"
    np.testing.assert_array_equal(
        position, [[0.2, 0.4], [0.6, 0.8]], err_msg="drift 0 leaves positions alone"
    )
    assert rng.bit_generator.state == state, "drift 0 draws no random numbers"


def test_apply_drift_moves_and_clips() -> None:
    position = np.full((200, 2), 0.5)
    assert context.apply_drift(position, 1.0, np.random.default_rng(2)), "drift > 0 moves"
    assert position.min() == 0.0 and position.max() == 1.0, (
        "a large drift pushes some positions to the bounds, where they are clipped"
    )
    assert np.unique(position).size > 2, "positions inside the space take varied values"
    small = np.full((1000, 1), 0.5)
    context.apply_drift(small, 0.01, np.random.default_rng(3))
    assert np.std(small) == pytest.approx(0.01, rel=0.1), "drift has std = drift"


# --------------------------------------------------------------------------- 2. membership


def test_percentile_rank_hand_cases() -> None:
    np.testing.assert_allclose(
        membership.percentile_rank(np.array([3.0, 1.0, 2.0])),
        [1.0, 0.0, 0.5],
        err_msg="ranks (2, 0, 1) scaled by n - 1 = 2",
    )
    np.testing.assert_allclose(
        membership.percentile_rank(np.array([5.0, 5.0, 1.0])),
        [0.5, 1.0, 0.0],
        err_msg="ties are broken by position (earlier ranks lower)",
    )
    np.testing.assert_array_equal(
        membership.percentile_rank(np.array([7.0])), [1.0], err_msg="a single value has rank 1"
    )
    assert membership.percentile_rank(np.array([])).shape == (0,), "empty in, empty out"


def _seat_kwargs(n: int, **over: object) -> dict[str, object]:
    """Arguments of ``select_seats`` for ``n`` stakeholders on a 1-d line (d = 2, y = 0)."""
    position = np.column_stack([np.linspace(0.0, 1.0, n), np.zeros(n)])
    kwargs: dict[str, object] = {
        "selection": "random",
        "capture": 0.0,
        "lobby_ideal": np.array([1.0, 0.0]),
        "seen": position,
        "resources": np.arange(1.0, n + 1.0)[::-1].copy(),  # richest first
        "engagement": np.ones(n),
        "eligible": np.ones(n, dtype=bool),
        "rng": np.random.default_rng(0),
    }
    kwargs.update(over)
    return kwargs


@pytest.mark.parametrize("selection", ["random", "election", "merit"])
@pytest.mark.parametrize("capture", [0.0, 0.4, 1.0])
def test_select_seats_fills_exactly_the_allocated_seats(selection: str, capture: float) -> None:
    n = 20
    pools = [np.arange(0, 10), np.arange(10, 16), np.arange(16, 20)]
    seats = [3, 2, 0]
    rng = np.random.default_rng(11)
    kwargs = _seat_kwargs(
        n, selection=selection, capture=capture, engagement=rng.random(n), rng=rng
    )
    seated = membership.select_seats(pools, seats, **kwargs)
    for pool, k in zip(pools, seats, strict=True):
        assert seated[pool].sum() == k, f"pool of {pool.size} gets exactly its {k} seats"
    assert seated.sum() == sum(seats), "no seat is filled outside the pools"


def test_select_seats_merit_picks_the_richest() -> None:
    n = 10
    resources = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 0.5])
    pools = [np.arange(0, 5), np.arange(5, 10)]
    seated = membership.select_seats(
        pools, [2, 3], **_seat_kwargs(n, selection="merit", resources=resources)
    )
    # pool 0 resources (5, 1, 9, 3, 7): richest two are indices 2 (9) and 4 (7);
    # pool 1 resources (2, 8, 4, 6, .5): richest three are 6 (8), 8 (6), 7 (4).
    np.testing.assert_array_equal(
        np.flatnonzero(seated),
        [2, 4, 6, 7, 8],
        err_msg="merit with capture 0 and everyone standing seats the most resourceful",
    )


def test_select_seats_election_picks_closest_to_pool_median() -> None:
    n = 5
    seated = membership.select_seats(
        [np.arange(n)], [3], **_seat_kwargs(n, selection="election", capture=0.0)
    )
    # positions (= advocated) on x: 0, .25, .5, .75, 1; median .5; the three closest to it
    # are .25, .5, .75 (indices 1, 2, 3).
    np.testing.assert_array_equal(
        np.flatnonzero(seated), [1, 2, 3], err_msg="election seats those nearest the median"
    )


def test_select_seats_full_capture_seats_closest_to_lobby() -> None:
    n = 12
    # lobby at x = 1: closeness increases with the index (positions linspace(0, 1, 12)).
    for selection in ("random", "election", "merit"):
        seated = membership.select_seats(
            [np.arange(n)],
            [4],
            **_seat_kwargs(n, selection=selection, capture=1.0, rng=np.random.default_rng(5)),
        )
        np.testing.assert_array_equal(
            np.flatnonzero(seated),
            [8, 9, 10, 11],
            err_msg=f"capture 1 seats the 4 candidates nearest the lobby ideal ({selection})",
        )


def test_select_seats_partial_capture_screens_out_the_least_conforming() -> None:
    # 10 candidates (everyone stands), capture .5: the selector keeps only the
    # ceil(.5 * 10) = 5 closest to the lobby (x = 1, i.e. indices 5..9) before ranking, so
    # even merit, which on its own would seat the richest (indices 0, 1), seats from 5..9.
    n = 10
    for seed in range(5):
        seated = membership.select_seats(
            [np.arange(n)],
            [2],
            **_seat_kwargs(n, selection="merit", capture=0.5, rng=np.random.default_rng(seed)),
        )
        assert seated.sum() == 2, "both seats filled"
        assert not seated[:5].any(), "candidates far from the lobby are screened out"


def test_select_seats_term_limited_not_seated_when_others_exist() -> None:
    n = 10
    eligible = np.ones(n, dtype=bool)
    eligible[[0, 1, 2]] = False  # the three richest have hit the term limit
    for engaged in (1.0, 0.0):  # all stand / nobody stands (top-up from the eligible)
        for seed in range(5):
            seated = membership.select_seats(
                [np.arange(n)],
                [4],
                **_seat_kwargs(
                    n,
                    selection="merit",
                    eligible=eligible,
                    engagement=np.full(n, engaged),
                    rng=np.random.default_rng(seed),
                ),
            )
            assert seated.sum() == 4, "all seats are filled"
            assert not seated[:3].any(), (
                f"term-limited stakeholders are passed over while 7 eligible remain "
                f"(engagement {engaged}, seed {seed})"
            )
    # merit among the eligible with everyone standing: resources 7, 6, 5, 4 -> indices 3..6
    seated = membership.select_seats(
        [np.arange(n)], [4], **_seat_kwargs(n, selection="merit", eligible=eligible)
    )
    np.testing.assert_array_equal(np.flatnonzero(seated), [3, 4, 5, 6], err_msg="richest eligible")


def test_select_seats_short_pools_still_filled() -> None:
    n = 8
    pools = [np.arange(0, 4), np.arange(4, 8)]
    # nobody is willing: both pools filled from the eligible non-candidates
    seated = membership.select_seats(pools, [2, 4], **_seat_kwargs(n, engagement=np.zeros(n)))
    assert seated[:4].sum() == 2 and seated[4:].all(), "unwilling pools are filled anyway"
    # pool 1 has only 2 eligible members for 3 seats: both seated plus one term-limited member
    eligible = np.array([True] * 4 + [True, True, False, False])
    seated = membership.select_seats(
        pools, [1, 3], **_seat_kwargs(n, eligible=eligible, rng=np.random.default_rng(4))
    )
    assert seated[4] and seated[5], "every eligible member of a short pool is seated"
    assert seated[4:].sum() == 3, "the short pool is topped up with an ineligible member"
    assert seated[:4].sum() == 1, "the other pool keeps its single seat"


def test_select_seats_unknown_rule_raises() -> None:
    with pytest.raises(ValueError, match="selection='lottery'"):
        membership.select_seats([np.arange(3)], [1], **_seat_kwargs(3, selection="lottery"))


def test_selection_rule_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"'random', 'election', 'merit'") as err:
        membership.selection_rule("lottery")
    assert "lottery" in str(err.value), "the message names the bad value"
    assert membership.selection_rule("merit") is membership.SELECTION_RULES["merit"], "lookup"


def test_update_terms_hand_case() -> None:
    terms = np.array([0, 1, 2, 3])
    was = np.array([False, True, True, False])
    now = np.array([True, True, False, False])
    np.testing.assert_array_equal(
        membership.update_terms(terms, was, now),
        [1, 2, 0, 0],
        err_msg="newly seated -> 1, re-seated -> +1, not seated -> 0 (terms are consecutive)",
    )
    # a stale counter of someone not seated last term restarts at 1
    np.testing.assert_array_equal(
        membership.update_terms(np.array([5]), np.array([False]), np.array([True])),
        [1],
        err_msg="a returning member starts a new run of consecutive terms",
    )


def test_eligible_for_term() -> None:
    terms = np.array([0, 1, 2, 3])
    np.testing.assert_array_equal(
        membership.eligible_for_term(terms, 0), [True] * 4, err_msg="limit 0 = no limit"
    )
    np.testing.assert_array_equal(
        membership.eligible_for_term(terms, 2),
        [True, True, False, False],
        err_msg="limit 2: only those with fewer than 2 consecutive terms may serve",
    )


def _attendance(**over: float) -> np.ndarray:
    kwargs = {
        "intercept": 0.0,
        "b_engagement": 0.0,
        "b_resources": 0.0,
        "b_affectedness": 0.0,
        "cost": 0.0,
    }
    args = {
        "engagement": np.array([0.5]),
        "resources": np.array([1.0]),
        "affectedness": np.array([1.0]),
        "support": np.array([0.0]),
    }
    for key in list(over):
        if key in args:
            args[key] = np.array([over.pop(key)])
    kwargs.update(over)
    return membership.attendance_probability(
        args["engagement"],
        np.log(args["resources"]),
        args["affectedness"],
        args["support"],
        **kwargs,
    )


def test_attendance_probability_hand_values() -> None:
    assert _attendance()[0] == pytest.approx(0.5), "logit 0 -> probability 1/2"
    # logit = 2 * .5 (engagement) = 1 -> 1 / (1 + e^-1)
    assert _attendance(b_engagement=2.0)[0] == pytest.approx(1 / (1 + math.exp(-1))), "b_e"
    # logit = .8 * log(e) = .8
    assert _attendance(b_resources=0.8, resources=math.e)[0] == pytest.approx(
        1 / (1 + math.exp(-0.8))
    ), "b_r multiplies log(resources)"
    # logit = -2 + 1 * 1 (affectedness) - 1 * (1 - 0) = -2
    assert _attendance(intercept=-2.0, b_affectedness=1.0, cost=1.0)[0] == pytest.approx(
        1 / (1 + math.exp(2))
    ), "intercept + b_a - cost"


def test_attendance_probability_decreases_with_cost_and_support_cancels_it() -> None:
    costs = [0.0, 0.5, 1.0, 2.0, 5.0]
    p = [_attendance(intercept=1.0, cost=c)[0] for c in costs]
    assert all(a > b for a, b in itertools.pairwise(p)), f"costlier -> rarer: {p}"
    for c in costs:
        assert _attendance(intercept=1.0, cost=c, support=1.0)[0] == pytest.approx(p[0]), (
            "full support (1) cancels the participation cost"
        )
    # half support halves the cost: cost 2 with support .5 equals cost 1 unsupported
    assert _attendance(intercept=1.0, cost=2.0, support=0.5)[0] == pytest.approx(p[2]), (
        "support s scales the cost by 1 - s"
    )


def test_draw_attendance_extremes() -> None:
    rng = np.random.default_rng(0)
    got = membership.draw_attendance(np.array([0.0, 1.0, 0.0, 1.0]), rng)
    np.testing.assert_array_equal(got, [False, True, False, True], err_msg="p=0 never, p=1 always")
    p = np.full(20_000, 0.3)
    assert membership.draw_attendance(p, rng).mean() == pytest.approx(0.3, abs=0.02), "Bernoulli"


def test_gatekeep_uncaptured_excludes_nobody_and_draws_as_much_as_captured() -> None:
    attending = np.array([True, True, False, True])
    advocated = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5], [0.2, 0.9]])
    states = []
    for capture in (0.0, 1e-9, 1.0):
        rng = np.random.default_rng(8)
        excluded = membership.gatekeep(attending, advocated, np.array([0.9, 0.1]), capture, rng)
        if capture == 0.0:
            assert not excluded.any(), "an uncaptured convener excludes nobody"
        states.append(rng.bit_generator.state)
    assert states[0] == states[1] == states[2], (
        "gatekeeping draws the same amount whatever the capture, so runs that differ only in "
        "capture keep common random numbers"
    )


def test_gatekeep_full_capture_spares_the_lobby_view_and_ignores_non_attendees() -> None:
    lobby = np.array([0.9, 0.1])
    # attendees: 1 (middle), 2 (the corner farthest from the lobby), 3 (at the lobby ideal)
    advocated = np.array([[0.9, 0.1], [0.5, 0.5], [0.0, 1.0], [0.9, 0.1], [0.0, 1.0]])
    attending = np.array([False, True, True, True, False])
    for seed in range(30):
        excluded = membership.gatekeep(
            attending, advocated, lobby, 1.0, np.random.default_rng(seed)
        )
        assert not excluded[3], "an attendee advocating the lobby ideal is never excluded"
        assert excluded[2], "with capture 1 the farthest possible view is always excluded"
        assert not excluded[[0, 4]].any(), "non-attendees are never excluded"
    # the middle attendee: distance |(0.5,0.5)-(0.9,0.1)| = 0.566 over the farthest corner
    # distance |(0,1)-(0.9,0.1)| = 1.273 -> excluded with probability 0.444 at capture 1
    rate = np.mean(
        [
            membership.gatekeep(attending, advocated, lobby, 1.0, np.random.default_rng(s))[1]
            for s in range(1000)
        ]
    )
    assert rate == pytest.approx(0.4444, abs=0.05), "exclusion probability = capture * d / D"


def test_gatekeep_never_excludes_a_lone_attendee_at_the_lobby_ideal() -> None:
    lobby = np.array([0.9, 0.1])
    advocated = np.array([[0.9, 0.1], [0.1, 0.9]])
    attending = np.array([True, False])
    excluded = membership.gatekeep(attending, advocated, lobby, 1.0, np.random.default_rng(0))
    assert not excluded[0], "an attendee advocating the lobby ideal is the closest: never excluded"


def test_gatekeep_treats_identical_views_alike() -> None:
    lobby = np.array([0.9, 0.1])
    # attendees 0 and 1 both advocate the lobby ideal (closest), attendee 2 is far away
    advocated = np.array([[0.9, 0.1], [0.9, 0.1], [0.1, 0.9]])
    attending = np.ones(3, dtype=bool)
    hits = np.zeros(3)
    for seed in range(50):
        hits += membership.gatekeep(attending, advocated, lobby, 1.0, np.random.default_rng(seed))
    assert hits[0] == hits[1] == 0, "the attendees closest to the lobby are never excluded"


# --------------------------------------------------------------------------- 4. deliberation


def test_bounded_confidence_equal_voices_meet_at_midpoint() -> None:
    advocated = np.array([[0.4, 0.5], [0.6, 0.5]])
    moved = deliberation.bounded_confidence(
        advocated, np.array([0, 1]), np.ones(2), epsilon=0.3, mu=0.5, rng=np.random.default_rng(0)
    )
    assert moved == 1, "one pair exchanged"
    np.testing.assert_allclose(
        advocated, [[0.5, 0.5], [0.5, 0.5]], err_msg="mu = .5, equal voice -> both at midpoint"
    )


def test_bounded_confidence_partial_move_hand_case() -> None:
    # mu = .25, equal voice: each moves a quarter of the gap .2 -> .45 and .55
    advocated = np.array([[0.4], [0.6]])
    deliberation.bounded_confidence(
        advocated, np.array([0, 1]), np.ones(2), epsilon=0.3, mu=0.25, rng=np.random.default_rng(1)
    )
    np.testing.assert_allclose(advocated, [[0.45], [0.55]], err_msg="x_i += mu (x_j - x_i)")


def test_bounded_confidence_beyond_epsilon_no_move() -> None:
    for positions, eps in (([[0.1], [0.9]], 0.3), ([[0.25], [0.75]], 0.5)):
        advocated = np.array(positions)
        moved = deliberation.bounded_confidence(
            advocated,
            np.array([0, 1]),
            np.ones(2),
            epsilon=eps,
            mu=0.5,
            rng=np.random.default_rng(2),
        )
        assert moved == 0, f"distance >= epsilon={eps}: no exchange (strict bound)"
        np.testing.assert_array_equal(advocated, positions, err_msg="positions unchanged")


def test_bounded_confidence_louder_moves_less() -> None:
    advocated = np.array([[0.4], [0.6]])
    voice = np.array([3.0, 1.0])
    deliberation.bounded_confidence(
        advocated, np.array([0, 1]), voice, epsilon=0.5, mu=0.5, rng=np.random.default_rng(3)
    )
    # w_01 = 2 * 1 / 4 = .5 -> agent 0 moves .5 * .5 * .2 = .05 to .45;
    # w_10 = 2 * 3 / 4 = 1.5 -> agent 1 moves .5 * 1.5 * .2 = .15 to .45.
    np.testing.assert_allclose(advocated, [[0.45], [0.45]], err_msg="voice-weighted moves")
    # voice-weighted mean preserved: (3 * .4 + .6) / 4 = .45


def test_bounded_confidence_preserves_mean_and_ignores_non_members() -> None:
    rng = np.random.default_rng(4)
    advocated = rng.random((41, 2))
    members = np.arange(0, 41, 2)  # 21 members (odd: one sits out), others untouched
    before = advocated.copy()
    moved = deliberation.bounded_confidence(
        advocated, members, np.ones(41), epsilon=2.0, mu=0.3, rng=rng
    )
    assert moved == 10, "21 members form 10 pairs, all within epsilon = 2"
    np.testing.assert_allclose(
        advocated[members].mean(axis=0),
        before[members].mean(axis=0),
        atol=1e-14,
        err_msg="with equal voices the mean advocated position is preserved",
    )
    others = np.setdiff1d(np.arange(41), members)
    np.testing.assert_array_equal(advocated[others], before[others], err_msg="non-members fixed")
    # with unequal voices the voice-weighted mean is preserved instead
    voice = rng.lognormal(size=41)
    before = advocated.copy()
    deliberation.bounded_confidence(advocated, members, voice, epsilon=2.0, mu=0.5, rng=rng)
    np.testing.assert_allclose(
        np.average(advocated[members], axis=0, weights=voice[members]),
        np.average(before[members], axis=0, weights=voice[members]),
        atol=1e-14,
        err_msg="v_i dx_i + v_j dx_j = 0 for every pair, so the voice-weighted mean is kept",
    )


def test_bounded_confidence_fewer_than_two_members() -> None:
    advocated = np.array([[0.2], [0.3]])
    n = deliberation.bounded_confidence(
        advocated, np.array([0]), np.ones(2), epsilon=1.0, mu=0.5, rng=np.random.default_rng(0)
    )
    assert n == 0 and advocated[0, 0] == 0.2, "a lone member has nobody to talk to"


def test_accountability_pull_hand_case() -> None:
    advocated = np.array([[0.0, 1.0], [0.5, 0.5]])
    anchor = np.array([[1.0, 0.0], [0.5, 0.5]])
    deliberation.accountability_pull(advocated, anchor, 0.25)
    np.testing.assert_allclose(
        advocated, [[0.25, 0.75], [0.5, 0.5]], err_msg="x += .25 (anchor - x); anchored stays"
    )
    deliberation.accountability_pull(advocated, anchor, 0.0)
    np.testing.assert_allclose(advocated, [[0.25, 0.75], [0.5, 0.5]], err_msg="rate 0: no pull")
    deliberation.accountability_pull(advocated, anchor, 1.0)
    np.testing.assert_allclose(advocated, anchor, err_msg="rate 1 snaps to the anchor")


# --------------------------------------------------------------------------- 5. decision


def test_weighted_mean_rule_hand_case() -> None:
    advocated = np.array([[0.0, 0.0], [1.0, 1.0]])
    d = decision.decide_weighted_mean(advocated, np.array([1.0, 3.0]), 0.5, 0.9)
    np.testing.assert_allclose(d.proposal, [0.75, 0.75], err_msg="(1*0 + 3*1) / 4 = .75")
    assert d.adopted, "weighted_mean always adopts"
    # distances to (.75,.75): 1.06 and .354 -> only the voice-3 member within .5 -> support .75
    assert d.support == pytest.approx(0.75), "support = voice share within the radius"
    d = decision.decide_weighted_mean(advocated, np.zeros(2), 0.5, 0.9)
    np.testing.assert_allclose(d.proposal, [0.5, 0.5], err_msg="zero voices -> plain mean")


def test_majority_rule_is_weighted_median() -> None:
    advocated = np.array([[0.1, 0.9], [0.2, 0.5], [0.8, 0.4], [0.9, 0.1], [0.3, 0.0]])
    voice = np.array([1.0, 2.0, 1.0, 1.0, 1.0])
    d = decision.decide_majority(advocated, voice, 0.2, 0.5)
    # x: sorted (.1 w1, .2 w2, .3 w1, .8 w1, .9 w1), cumulative 1, 3, ... half 3 -> exactly
    # half at .2 -> midpoint with .3 = .25; y: sorted (0 w1, .1 w1, .4 w1, .5 w2, .9 w1),
    # cumulative 1, 2, 3 -> exactly half at .4 -> midpoint with .5 = .45.
    np.testing.assert_allclose(d.proposal, [0.25, 0.45], err_msg="coordinate-wise w. median")
    assert d.adopted, "majority always adopts"
    x = np.random.default_rng(9).random((7, 2))
    np.testing.assert_allclose(
        decision.decide_majority(x, np.ones(7), 0.2, 0.5).proposal,
        np.median(x, axis=0),
        err_msg="equal voices: the plain coordinate-wise median",
    )


def test_consensus_adopts_or_gridlocks_around_the_threshold() -> None:
    advocated = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.9, 0.9]])
    voice = np.ones(4)
    # proposal = mean = (.6, .6); three members at distance .141 <= .2, one at .566 > .2
    # -> support 3/4 = .75
    at = decision.decide_consensus(advocated, voice, 0.2, 0.75)
    np.testing.assert_allclose(at.proposal, [0.6, 0.6], err_msg="proposal = weighted mean")
    assert at.support == pytest.approx(0.75), "3 of 4 equal voices within the radius"
    assert at.adopted, "support .75 reaches threshold .75: adopted"
    above = decision.decide_consensus(advocated, voice, 0.2, 0.76)
    assert not above.adopted, "support .75 below threshold .76: gridlock"
    wide = decision.decide_consensus(advocated, voice, 0.6, 1.0)
    assert wide.adopted and wide.support == 1.0, "everyone within a wide radius: unanimous"


def test_support_share_with_zero_voice() -> None:
    got = decision.support_share(np.array([[0.5]]), np.zeros(1), np.array([0.5]), 0.1)
    assert got == 0.0, "no voice at all -> zero support"


def test_decision_rule_lookup_and_unknown_name() -> None:
    for name in ("weighted_mean", "majority", "consensus"):
        assert decision.decision_rule(name) is decision.DECISION_RULES[name], f"lookup {name}"
    with pytest.raises(ValueError, match=r"'weighted_mean', 'majority', 'consensus'") as err:
        decision.decision_rule("unanimity")
    assert "decision_rule='unanimity'" in str(err.value), "the message names the bad value"


def test_move_policy_inertia() -> None:
    policy, proposal = np.array([0.2, 0.2]), np.array([0.7, 0.2])
    np.testing.assert_allclose(
        decision.move_policy(policy, proposal, 0.0), proposal, err_msg="inertia 0: jump"
    )
    # inertia .8: policy + .2 * (.5, 0) = (.3, .2)
    np.testing.assert_allclose(
        decision.move_policy(policy, proposal, 0.8), [0.3, 0.2], err_msg="keeps 80% of the gap"
    )


# --------------------------------------------------------------------------- 6. engagement


def test_update_engagement_hand_cases() -> None:
    got = engagement.update_engagement(
        engagement=np.array([0.5, 0.5, 0.01, 0.99]),
        baseline=np.array([0.3, 0.5, 0.5, 0.5]),
        distance_before=np.array([0.30, 0.1, 0.2, 0.5]),
        distance_after=np.array([0.29, 0.5, 0.2, 0.1]),
        excluded=np.array([False, False, True, False]),
        rate=0.02,
        scale=0.02,
        reversion=0.1,
        exclusion_penalty=0.5,
    )
    # 0: gain clip(.01/.02) = .5 -> + .02*.5 = .01; reversion .1*(.3-.5) = -.02 -> .49
    # 1: gain clip(-.4/.02) = -1 -> -.02; reversion 0 -> .48
    # 2: gain 0; -.5 penalty; reversion .1*(.5-.01) = .049 -> -.441 clipped to 0
    # 3: gain +1 -> +.02; reversion .1*(.5-.99) = -.049 -> .961
    np.testing.assert_allclose(
        got, [0.49, 0.48, 0.0, 0.961], err_msg="efficacy gain, exclusion, reversion, clipping"
    )


def test_update_engagement_clips_at_one() -> None:
    got = engagement.update_engagement(
        np.array([0.995]),
        np.array([0.995]),
        np.array([0.5]),
        np.array([0.0]),
        np.array([False]),
        rate=0.1,
        scale=0.02,
        reversion=0.0,
        exclusion_penalty=0.0,
    )
    assert got[0] == 1.0, ".995 + .1 is clipped to 1"


def test_outreach_boost_hand_case() -> None:
    eng = np.array([0.2, 0.2, 0.8, 0.8, 0.5])
    cat = np.array([0, 0, 1, 1, 2])
    # category means .2, .8, .5; population mean 2.5 / 5 = .5; only category 0 is below it
    # (category 2 equals it; category 3 is empty).
    got = engagement.outreach_boost(eng, cat, 4, 0.1)
    np.testing.assert_allclose(got, [0.1, 0.1, 0.0, 0.0, 0.0], err_msg="low categories gain .1")
    np.testing.assert_array_equal(
        engagement.outreach_boost(eng, cat, 4, 0.0), np.zeros(5), err_msg="outreach 0 is off"
    )
