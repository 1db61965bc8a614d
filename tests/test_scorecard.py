"""The governance scorecard (docs/ODD.md §7.7.4): 1-10 scores, weights, index, questionnaire.

Unit tests on hand-built indicator tables, then model-level checks of statements that follow
from the indicator definitions in :mod:`msisim.scorecard` (e.g. no lobby -> full transparency,
no gridlock -> full efficiency, equal seats under-represent the civil-society arena).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from conftest import UNIFORM_CITIZENS
from msisim import GovernanceModel
from msisim.rules import lobbying
from msisim.scorecard import (
    ARENAS,
    PRINCIPLES,
    build_scorecard,
    governance_index,
    simulate_questionnaire,
    to_score,
)

COLUMNS = ["arena", "principle", "indicator", "lower", "upper", "score", "weight"]
N = 400  # stakeholders in model-level tests
# The fixed allies lobby piles strong ties on a few members, which these tests need; the
# adaptive lobby (the default) spends nothing under a full register and keeps ties weak.
HEAVY_LOBBY = {"lobby_budget": 5.0, "n_lobbyists": 3, "lobby_strategy": "allies"}


def _full_indicators(value: float = 0.5) -> dict[tuple[str, str], float]:
    return {(a, p): value for a, p in itertools.product(ARENAS, PRINCIPLES)}


def _model(seed: int, steps: int = 40, **kwargs) -> GovernanceModel:
    m = GovernanceModel(n_stakeholders=N, rng=seed, collect=False, **kwargs)
    m.run_for(steps)
    return m


# --------------------------------------------------------------------------- to_score


def test_to_score_maps_bounds_to_one_and_ten() -> None:
    assert to_score(0.0, 0.0, 1.0) == 1.0, "lower bound -> 1"
    assert to_score(1.0, 0.0, 1.0) == 10.0, "upper bound -> 10"
    assert to_score(0.5, 0.0, 1.0) == pytest.approx(5.5), "midpoint -> 1 + 9/2 = 5.5"
    # Other bounds: (3 - 2) / (4 - 2) = .5 -> 5.5; (2.5 - 2) / 2 = .25 -> 1 + 2.25 = 3.25.
    assert to_score(3.0, 2.0, 4.0) == pytest.approx(5.5), "midpoint of [2, 4] -> 5.5"
    assert to_score(2.5, 2.0, 4.0) == pytest.approx(3.25), "quarter of [2, 4] -> 3.25"


def test_to_score_clips_outside_the_bounds() -> None:
    assert to_score(-0.7, 0.0, 1.0) == 1.0, "below the lower bound -> 1"
    assert to_score(3.3, 0.0, 1.0) == 10.0, "above the upper bound -> 10"
    assert isinstance(to_score(0.2, 0.0, 1.0), float), "a plain float"


# --------------------------------------------------------------------------- build_scorecard


def test_build_scorecard_is_tidy_with_equal_weights_summing_to_one() -> None:
    table = build_scorecard(_full_indicators(0.5))
    assert list(table.columns) == COLUMNS, f"columns {COLUMNS}"
    assert len(table) == 24, "4 arenas x 6 principles = 24 rows"
    assert set(zip(table["arena"], table["principle"], strict=True)) == set(
        itertools.product(ARENAS, PRINCIPLES)
    ), "one row per (arena, principle) cell"
    assert table["weight"].sum() == pytest.approx(1.0), "weights sum to 1"
    np.testing.assert_allclose(table["weight"], 1 / 24, err_msg="equal default weights 1/24")
    np.testing.assert_allclose(table["score"], 5.5, err_msg="indicator .5 on [0, 1] -> 5.5")
    assert (table["lower"] == 0.0).all() and (table["upper"] == 1.0).all(), "bounds [0, 1]"


def test_build_scorecard_scores_each_indicator() -> None:
    ind = {("government", "participation"): 2.0, ("bureaucracy", "fairness"): -1.0}
    table = build_scorecard(ind).set_index(["arena", "principle"])
    assert table.loc[("government", "participation"), "score"] == 10.0, "ratio 2 clipped -> 10"
    assert table.loc[("bureaucracy", "fairness"), "score"] == 1.0, "-1 clipped -> 1"
    assert table.loc[("government", "participation"), "indicator"] == 2.0, "raw indicator kept"


def test_custom_weights_are_the_normalised_product() -> None:
    # Arena weights: government 2, others 1 -> sum 5; principle weights: participation 3,
    # others 1 -> sum 8; total of the products = 5 * 8 = 40. Hence
    # (gov, participation) 2*3/40 = .15, (gov, fairness) 2/40 = .05,
    # (civil, participation) 3/40 = .075, (civil, fairness) 1/40 = .025.
    table = build_scorecard(
        _full_indicators(),
        arena_weights={"government": 2.0},
        principle_weights={"participation": 3.0},
    ).set_index(["arena", "principle"])
    w = table["weight"]
    assert w.sum() == pytest.approx(1.0), "weights still sum to 1"
    assert w[("government", "participation")] == pytest.approx(0.15), "2 * 3 / 40"
    assert w[("government", "fairness")] == pytest.approx(0.05), "2 * 1 / 40"
    assert w[("civil_society", "participation")] == pytest.approx(0.075), "1 * 3 / 40"
    assert w[("civil_society", "fairness")] == pytest.approx(0.025), "1 * 1 / 40"


def test_zero_weight_drops_a_principle() -> None:
    table = build_scorecard(_full_indicators(), principle_weights={"efficiency": 0.0})
    eff = table["principle"] == "efficiency"
    assert (table.loc[eff, "weight"] == 0).all(), "weight 0 -> the principle does not count"
    np.testing.assert_allclose(table.loc[~eff, "weight"], 1 / 20, err_msg="20 cells share it")


@pytest.mark.parametrize(
    ("kwargs", "valid"),
    [
        ({"arena_weights": {"parliament": 1.0}}, ARENAS),
        ({"principle_weights": {"speed": 1.0}}, PRINCIPLES),
    ],
)
def test_unknown_weight_name_raises_naming_the_valid_ones(kwargs, valid) -> None:
    with pytest.raises(ValueError, match=r"parliament|speed") as err:
        build_scorecard(_full_indicators(), **kwargs)
    for name in valid:
        assert name in str(err.value), f"the error message names the valid {name!r}"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"arena_weights": {"government": -1.0}},
        {"principle_weights": {"fairness": -0.1}},
        {"principle_weights": {"fairness": float("nan")}},
        {"arena_weights": dict.fromkeys(ARENAS, 0.0)},
    ],
)
def test_invalid_weights_raise(kwargs) -> None:
    with pytest.raises(ValueError):
        build_scorecard(_full_indicators(), **kwargs)


# --------------------------------------------------------------------------- governance_index


def test_governance_index_is_the_weighted_mean() -> None:
    # Scores 1 (indicator 0) and 10 (indicator 1) with principle weights 3 : 1
    # -> weights .75, .25 -> index .75 * 1 + .25 * 10 = 3.25.
    table = build_scorecard(
        {("government", "participation"): 0.0, ("government", "fairness"): 1.0},
        principle_weights={"participation": 3.0},
    )
    assert governance_index(table) == pytest.approx(3.25), ".75 * 1 + .25 * 10"
    equal = build_scorecard({("government", "participation"): 0.0, ("bureaucracy", "fairness"): 1})
    assert governance_index(equal) == pytest.approx(5.5), "equal weights -> plain mean (1+10)/2"


def test_governance_index_extremes() -> None:
    assert governance_index(build_scorecard(_full_indicators(1.0))) == pytest.approx(10.0), (
        "every indicator at its upper bound -> 10"
    )
    assert governance_index(build_scorecard(_full_indicators(0.0))) == pytest.approx(1.0), (
        "every indicator at its lower bound -> 1"
    )


# --------------------------------------------------------------------------- questionnaire


def _small_table() -> pd.DataFrame:
    # Scores: .3 -> 1 + 2.7 = 3.7; .62 -> 1 + 5.58 = 6.58; 0 -> 1; 1 -> 10.
    return build_scorecard(
        {
            ("government", "participation"): 0.3,
            ("government", "fairness"): 0.62,
            ("civil_society", "participation"): 0.0,
            ("civil_society", "fairness"): 1.0,
        }
    )


WHO = {"government": np.array([7, 8]), "civil_society": np.array([1, 2, 3])}


def _ask(ties: dict[str, np.ndarray], *, noise: float, tie_bias: float, seed: int = 0):
    who = {arena: WHO[arena] for arena in ties}
    return simulate_questionnaire(
        _small_table(), who, ties, noise=noise, tie_bias=tie_bias, rng=np.random.default_rng(seed)
    )


def test_questionnaire_without_noise_or_tie_gives_the_rounded_score() -> None:
    ties = {"government": np.zeros(2), "civil_society": np.zeros(3)}
    q = _ask(ties, noise=0.0, tie_bias=3.0)
    assert list(q.columns) == ["arena", "principle", "respondent", "tie", "score", "rating"], (
        "tidy columns"
    )
    assert len(q) == 2 * 2 + 2 * 3, "one row per (arena, principle, respondent)"
    # round(3.7) = 4, round(6.58) = 7, 1, 10.
    expected = {
        ("government", "participation"): 4.0,
        ("government", "fairness"): 7.0,
        ("civil_society", "participation"): 1.0,
        ("civil_society", "fairness"): 10.0,
    }
    for (arena, principle), rating in expected.items():
        rows = q[(q["arena"] == arena) & (q["principle"] == principle)]
        assert (rows["rating"] == rating).all(), f"{arena}/{principle}: rating = rounded score"
    assert sorted(q.loc[q["arena"] == "government", "respondent"].unique()) == [7, 8], (
        "respondents are the given stakeholders"
    )


def test_full_tie_adds_tie_bias_points_clipped_at_ten() -> None:
    ties = {"government": np.array([1.0, 0.0]), "civil_society": np.array([1.0, 1.0, 0.0])}
    q = _ask(ties, noise=0.0, tie_bias=3.0)
    tied = q[q["tie"] == 1.0].set_index(["arena", "principle", "respondent"])["rating"]
    # round(3.7 + 3) = 7; round(6.58 + 3) = round(9.58) = 10; 1 + 3 = 4; 10 + 3 -> 10 (clip).
    assert tied[("government", "participation", 7)] == 7.0, "3.7 + 3 -> 7"
    assert tied[("government", "fairness", 7)] == 10.0, "6.58 + 3 = 9.58 -> 10"
    assert (tied.xs("participation", level="principle").loc["civil_society"] == 4.0).all(), (
        "1 + 3 -> 4"
    )
    assert (tied.xs("fairness", level="principle").loc["civil_society"] == 10.0).all(), (
        "10 + 3 clipped at 10"
    )
    untied = q[q["tie"] == 0.0]
    assert (untied["rating"] == np.rint(untied["score"])).all(), "untied -> the rounded score"


def test_half_tie_adds_half_the_bias() -> None:
    # government participation: 3.7 + 4 * .5 = 5.7 -> 6.
    q = _ask({"government": np.array([0.5, 0.5])}, noise=0.0, tie_bias=4.0)
    part = q[q["principle"] == "participation"]
    assert (part["rating"] == 6.0).all(), "3.7 + 4 * .5 = 5.7 -> 6"
    assert set(q["arena"]) == {"government"}, "an arena without respondents has no rows"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ratings_always_within_one_and_ten(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ties = {"government": rng.random(2), "civil_society": rng.random(3)}
    for noise, bias in ((0.0, 0.0), (1.0, 3.0), (25.0, 10.0), (25.0, -10.0)):
        q = _ask(ties, noise=noise, tie_bias=bias, seed=seed)
        assert q["rating"].between(1, 10).all(), f"noise {noise}, bias {bias}: ratings in 1..10"
        assert (q["rating"] == np.rint(q["rating"])).all(), "ratings are whole points"


# --------------------------------------------------------------------------- model-level


@pytest.mark.parametrize(
    ("seed", "kwargs"),
    [
        (1, {}),
        (2, {"membership": "open"}),
        (3, {"membership": "sortition", **HEAVY_LOBBY}),
        (4, {"decision_rule": "consensus", **HEAVY_LOBBY}),
    ],
)
def test_model_scorecard_has_24_cells_scored_one_to_ten(seed: int, kwargs) -> None:
    m = _model(seed, 30, **kwargs)
    table = m.scorecard()
    assert list(table.columns) == COLUMNS, "tidy scorecard columns"
    assert len(table) == 24, "4 arenas x 6 principles with the default categories"
    assert set(zip(table["arena"], table["principle"], strict=True)) == set(
        itertools.product(ARENAS, PRINCIPLES)
    ), "every (arena, principle) cell is present once"
    assert table["score"].between(1, 10).all(), "scores within [1, 10]"
    assert table["weight"].sum() == pytest.approx(1.0), "weights sum to 1"
    index = governance_index(table)
    assert 1.0 <= index <= 10.0, "the index is on the 1-10 scale"
    assert m.summary()["governance_index"] == pytest.approx(index), (
        "summary()['governance_index'] is the index of scorecard() at the end of the run"
    )


def _participation_score(m: GovernanceModel, arena: str) -> float:
    t = m.scorecard()
    return float(t[(t["arena"] == arena) & (t["principle"] == "participation")]["score"].iloc[0])


@pytest.mark.parametrize("seed", [1, 2])
def test_equal_seats_under_represent_the_civil_society_arena(seed: int) -> None:
    # Default table, N = 400: civil_society + grassroots + academia = 60 + 200 + 20 = 280,
    # P_a = .7. Equal seats, 30 / 6 = 5 each -> the arena holds 15 seats, S_a = .5:
    # participation = .5 / .7 = 5/7 -> score 1 + 9 * 5/7 = 7.43.
    # Proportional seats (largest remainder of 30 * shares) -> 4 + 1 + 15 = 20 seats,
    # S_a = 2/3 -> 2/3 / .7 = .952 -> score 9.57.
    equal = _model(seed, 30, seat_allocation="equal")
    prop = _model(seed, 30, seat_allocation="proportional")
    for m in (equal, prop):
        assert m.members.shape[0] == 30, "precondition: all 30 seats filled"
    civil = [equal.category_names.index(c) for c in ("civil_society", "grassroots", "academia")]
    assert int(equal.seats[civil].sum()) == 15, "equal seats give the arena 15 of 30 seats"
    assert int(prop.seats[civil].sum()) == 20, "proportional seats give it 20 of 30"
    eq_score = _participation_score(equal, "civil_society")
    prop_score = _participation_score(prop, "civil_society")
    assert eq_score == pytest.approx(1 + 9 * (15 / 30) / 0.7), "equal seats: 1 + 9 * (.5 / .7)"
    assert prop_score == pytest.approx(1 + 9 * (20 / 30) / 0.7), "proportional: 1 + 9*(2/3)/.7"
    assert eq_score < prop_score, "equal seats under-represent the 70% civil-society arena"
    # Government (5% of the population) is over-represented by both, and over-representation
    # costs participation points as under-representation does: parity min(S/P, P/S).
    assert _participation_score(equal, "government") == pytest.approx(1 + 9 * 0.05 / (5 / 30)), (
        "5 of 30 seats for 5% of the population: parity .05 / (1/6) = .3 -> 3.7"
    )
    assert _participation_score(prop, "government") == pytest.approx(1 + 9 * 0.05 / (2 / 30)), (
        "2 of 30 seats: parity .05 / (1/15) = .75 -> 7.75"
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_gridlock_gives_full_efficiency(seed: int) -> None:
    # weighted_mean (the default) always adopts -> gridlock rate 0 -> efficiency 1 -> 10.
    m = _model(seed, 30)
    assert m.series_frame()["gridlock"].sum() == 0, "precondition: weighted_mean never gridlocks"
    t = m.scorecard()
    eff = t[t["principle"] == "efficiency"]["score"]
    assert (eff == 10.0).all(), "gridlock rate 0 -> efficiency score 10 for every arena"


@pytest.mark.parametrize("seed", [1, 2])
def test_efficiency_is_one_minus_gridlock_rate_over_the_summary_window(seed: int) -> None:
    # 40 steps, burn-in .5 -> window = steps 21..40; efficiency = 1 - mean(gridlock there).
    m = _model(seed, 40, decision_rule="consensus")
    gridlock = m.series_frame()["gridlock"].to_numpy()
    expected = 1 + 9 * (1 - gridlock[20:].mean())
    t = m.scorecard()
    eff = t[t["principle"] == "efficiency"]["score"]
    np.testing.assert_allclose(eff, expected, err_msg="1 + 9 * (1 - gridlock rate), every arena")


@pytest.mark.parametrize("membership", ["open", "representative"])
def test_scorecard_cells_are_means_over_the_summary_window(membership: str) -> None:
    # 40 steps, burn-in .5 -> window = steps 21..40. Each cell of scorecard() is the mean of
    # the cells of the forum as it was at each of those steps (scorecard(window=False)).
    m = GovernanceModel(n_stakeholders=N, rng=3, collect=False, membership=membership,
                        **HEAVY_LOBBY)  # fmt: skip
    snapshots = []
    for step in range(1, 41):
        m.run_for(1)
        if step > 20:
            snapshots.append(m.scorecard(window=False).set_index(["arena", "principle"]))
    mean = sum(s["indicator"] for s in snapshots) / len(snapshots)
    table = m.scorecard().set_index(["arena", "principle"])
    cells = [c for c in table.index if c[1] != "efficiency"]  # efficiency: the window's rate
    np.testing.assert_allclose(
        table.loc[cells, "indicator"], mean.loc[cells], rtol=1e-12,
        err_msg="each cell is the mean of the per-step indicators over steps 21..40",
    )  # fmt: skip
    assert not np.allclose(table.loc[cells, "indicator"], snapshots[-1].loc[cells, "indicator"]), (
        f"{membership}: the window mean differs from the last step's snapshot"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_no_lobby_means_full_transparency(seed: int) -> None:
    # lobby_budget = 0 (default) -> every tie is 0 -> indicator 1 - 0 = 1 -> score 10.
    for membership in ("representative", "open"):
        t = _model(seed, 30, membership=membership).scorecard()
        assert (t[t["principle"] == "transparency"]["score"] == 10.0).all(), (
            f"{membership}: no lobbying -> transparency 10 in every arena"
        )


def test_full_register_means_full_transparency_despite_lobbying() -> None:
    # transparency = 1 -> indicator 1 - mean(tie) * 0 = 1 -> 10, however strong the ties.
    m = _model(5, 30, transparency=1.0, **HEAVY_LOBBY)
    assert lobbying.combined_tie(m.lobby_state.ties).max() > 0.3, "precondition: strong ties"
    t = m.scorecard()
    assert (t[t["principle"] == "transparency"]["score"] == 10.0).all(), (
        "a full lobby register -> transparency 10 in every arena"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_transparency_indicator_is_one_minus_mean_member_tie(seed: int) -> None:
    m = _model(seed, 40, **HEAVY_LOBBY)
    tie = lobbying.combined_tie(m.lobby_state.ties)
    t = m.scorecard(window=False).set_index(["arena", "principle"])  # the forum as it is now
    business = m.category_names.index("business")
    mem = m.members[m.stakeholders.category[m.members] == business]
    assert mem.shape[0] > 0, "precondition: business members in the room"
    expected = 1.0 - tie[mem].mean()
    assert t.loc[("economic_society", "transparency"), "indicator"] == pytest.approx(expected), (
        "economic_society transparency = 1 - mean combined tie of its members"
    )
    assert t.loc[("economic_society", "transparency"), "score"] < 10.0, (
        "allies lobbying ties the business members -> transparency below 10"
    )


def test_questionnaire_rows_cover_every_arena_principle_and_respondent() -> None:
    m = _model(1, 30)
    n = 5
    q = m.questionnaire(n_respondents=n)
    table = m.scorecard().set_index(["arena", "principle"])
    assert len(q) == 4 * 6 * n, "4 arenas x 6 principles x 5 respondents"
    arena_cats = {
        "government": {"government"},
        "bureaucracy": {"bureaucracy"},
        "civil_society": {"civil_society", "grassroots", "academia"},
        "economic_society": {"business"},
    }
    names = np.array(m.category_names)
    for (arena, principle), cell in q.groupby(["arena", "principle"]):
        assert cell["respondent"].nunique() == n, f"{arena}/{principle}: {n} distinct respondents"
        cats = set(names[m.stakeholders.category[cell["respondent"].to_numpy()]])
        assert cats <= arena_cats[arena], f"{arena}: respondents belong to the arena"
        assert m.stakeholders.member[cell["respondent"].to_numpy()].all(), (
            f"{arena}: with >= 5 members in the room, respondents are members"
        )
        assert (cell["score"] == table.loc[(arena, principle), "score"]).all(), (
            "each row carries the cell's true score"
        )
    for arena in ARENAS:
        sets = {frozenset(g["respondent"]) for _, g in q[q["arena"] == arena].groupby("principle")}
        assert len(sets) == 1, f"{arena}: the same respondents rate every principle"
    assert q["rating"].between(1, 10).all(), "ratings within 1..10"
    with pytest.raises(ValueError, match="n_respondents"):
        m.questionnaire(n_respondents=0)


def test_questionnaire_is_reproducible_and_does_not_change_the_run() -> None:
    kwargs = {"membership": "open", **HEAVY_LOBBY}
    asked, silent = _model(7, 20, **kwargs), _model(7, 20, **kwargs)
    first, again = asked.questionnaire(n_respondents=8), asked.questionnaire(n_respondents=8)
    pd.testing.assert_frame_equal(first, again, obj="questionnaire with the default generator")
    asked.run_for(10)
    silent.run_for(10)
    pd.testing.assert_frame_equal(
        asked.series_frame(), silent.series_frame(), obj="series after asking vs not asking"
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tied_respondents_inflate_their_ratings_under_heavy_lobbying(seed: int) -> None:
    m = _model(seed, 40, **HEAVY_LOBBY)
    q = m.questionnaire(n_respondents=30, noise=0.5, tie_bias=3.0, rng=seed)
    gap = q["rating"] - q["score"]
    tied, untied = q["tie"] > 0.3, q["tie"] < 0.05
    assert tied.any() and untied.any(), "precondition: both tied and untied respondents"
    assert gap[tied].mean() > gap[untied].mean(), (
        "tied respondents rate above the true score by more than untied ones"
    )
    assert gap[tied].mean() > 0.5, "a tie with bias 3 inflates ratings by well over half a point"
    assert abs(gap[untied].mean()) < 0.5, "untied respondents are unbiased up to rounding"


# --------------------------------------------------------------------------- no arena


def test_build_scorecard_of_no_indicators_is_an_empty_tidy_table() -> None:
    table = build_scorecard({})
    assert list(table.columns) == COLUMNS and len(table) == 0, "no cells -> empty tidy table"


def test_summary_works_when_no_category_belongs_to_an_arena() -> None:
    # One category named "citizens" (conftest.UNIFORM_CITIZENS): no arena has a category.
    m = GovernanceModel(
        n_stakeholders=100, rng=1, categories=UNIFORM_CITIZENS, n_dims=1, lobby_ideal=(0.9,)
    )
    m.run_for(5)
    assert len(m.scorecard()) == 0, "no arena present -> no scorecard cells"
    summary = m.summary()
    assert "rose" in summary, "summary() still reports the per-step outcomes"
    assert "governance_index" not in summary, "no arena -> no governance index"
