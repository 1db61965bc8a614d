"""Pluchino et al. (2011) reproduced: the proposal_vote rule on hand-made chambers, and the
efficiency peak of the accidental_politicians study near the golden rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msisim import GovernanceModel
from msisim.cli import load_experiment
from msisim.kinds import MODEL_KINDS
from msisim.parliament import Parliament, golden_rule, seat_parties
from msisim.rules.decision import DECISION_RULES, INDEPENDENT, proposal_vote
from msisim.study.runner import run_experiment
from msisim.study.spec import ExperimentSpec
from msisim.viz.report.accidental_politicians import golden_window, peak_table

N_ACTS = 4000


def _vote(points, party, centres, disciplined, seed=0, n_acts=N_ACTS):
    return proposal_vote(
        np.asarray(points, dtype=float),
        np.asarray(party),
        np.asarray(centres, dtype=float),
        np.asarray(disciplined, dtype=bool),
        n_acts,
        np.random.default_rng(seed),
    )


def test_a_disciplined_party_votes_as_a_bloc() -> None:
    # 3 majority members, 2 minority members, both disciplined: on every act, each party
    # gives all its votes or none
    points = [[0.1, 0.2], [0.15, 0.25], [0.05, 0.1], [-0.5, -0.4], [-0.45, -0.5]]
    acts = _vote(points, [0, 0, 0, 1, 1], [[0.1, 0.2], [-0.5, -0.45]], [True, True])
    assert set(np.unique(acts.yes)) <= {0, 2, 3, 5}, (
        f"bloc votes give 0, 2, 3 or 5 yes votes, found {sorted(set(acts.yes.tolist()))}"
    )
    by_majority = acts.proposer < 3
    assert np.all(acts.yes[by_majority] >= 3), "a disciplined party votes yes on its own acts"
    assert np.all(acts.passed[by_majority]), "a disciplined majority passes all its own acts"
    # the majority's centre has social gain 0.2 > every minority act's: it never supports one
    assert np.all(acts.yes[~by_majority] == 2), (
        "the majority rejects acts below its centre's social gain; the minority backs its own"
    )


def test_an_independent_judges_by_its_own_acceptance_window() -> None:
    # A at x = -1 accepts any perceived personal gain, so it votes yes iff the act's social
    # gain is >= its own 0.3; B at x = 1 never perceives enough personal gain: never yes
    points = [[-1.0, 0.3], [1.0, -0.5]]
    acts = _vote(points, [INDEPENDENT, INDEPENDENT], np.zeros((2, 2)), [False, False])
    np.testing.assert_array_equal(
        acts.yes, (acts.proposer == 0).astype(int),
        err_msg="A votes yes exactly on its own act (y = 0.3 >= 0.3), not on B's (y = -0.5)",
    )  # fmt: skip
    np.testing.assert_array_equal(acts.social_gain, np.where(acts.proposer == 0, 0.3, -0.5))


def test_an_independent_accepts_with_the_chance_its_window_leaves() -> None:
    # alone in the chamber, an independent at x = 0.2 votes on its own acts (y >= y): yes iff
    # the perceived personal gain x* ~ U(-1, 1) is >= 0.2, with probability 0.4
    acts = _vote([[0.2, 0.0]], [INDEPENDENT], np.zeros((2, 2)), [False, False], n_acts=20000)
    share = acts.passed.mean()
    # standard error sqrt(0.24 / 20000) = 0.0035: 0.02 is more than 5 of them
    assert abs(share - 0.4) < 0.02, f"P(yes) = (1 - x) / 2 = 0.4, measured {share:.3f}"


def test_an_undisciplined_party_member_votes_on_its_own() -> None:
    # the minority is undisciplined: its member at x = 1 backs its own party's acts only;
    # the disciplined majority (centre x = -1, y = -1) accepts every act
    points = [[0.0, 0.0], [1.0, 0.5], [0.9, 0.6]]
    acts = _vote(points, [0, 1, 1], [[-1.0, -1.0], [0.95, 0.55]], [True, False])
    expected = 1 + 2 * (acts.proposer >= 1)
    np.testing.assert_array_equal(
        acts.yes, expected,
        err_msg="majority always yes; the two minority members yes only on minority acts",
    )  # fmt: skip


def test_golden_rule_and_seats() -> None:
    assert golden_rule(500, 0.6) == pytest.approx(140.0), "N* = 140 at N = 500, p = 0.6"
    assert golden_rule(500, 0.7) == pytest.approx(220.0), "N* = 220 at N = 500, p = 0.7"
    assert seat_parties(500, 140, 0.6) == (216, 144, 140), "party seats 360 split 60:40"
    assert sum(seat_parties(500, 33, 0.51)) == 500, "the chamber keeps N seats"


def test_parliament_is_reproducible_and_refuses_bad_input() -> None:
    kw = {"n_seats": 100, "lottery_seats": 30, "n_proposals": 200, "n_steps": 3}
    a = Parliament(rng=5, **kw).run().summary()
    b = Parliament(rng=5, **kw).run().summary()
    assert a == b, "same seed, same legislatures"
    assert -100 <= a["legislative_efficiency"] <= 100, "efficiency lies in [-100, 100]"
    assert Parliament(rng=5, decision_rule="proposal_vote", **kw).run().summary() == a, (
        "proposal_vote is the parliament's own rule, and its default"
    )
    with pytest.raises(ValueError, match=r"lottery_seats=120 is invalid.*n_seats=100"):
        Parliament(rng=5, **{**kw, "lottery_seats": 120})
    with pytest.raises(ValueError, match=r"party_discipline\[0\]='left'.*'majority'"):
        Parliament(rng=5, **{**kw, "party_discipline": ["left"]})
    with pytest.raises(ValueError, match=r"decision_rule='majority' is invalid.*'proposal_vote'"):
        Parliament(rng=5, decision_rule="majority")


def test_a_parameter_has_one_meaning_per_model_kind() -> None:
    """The parliament is a model kind with its own parameters: each kind refuses the other's
    in one line that names the parameter and the kind to choose."""
    from msisim import Parliament as exported

    assert exported is Parliament, "from msisim import Parliament works"
    for forum_only in ({"epsilon": 0.2}, {"membership": "open"}, {"lobby_budget": 1.0}):
        with pytest.raises(ValueError, match=r"is a forum parameter.*parliament") as err:
            Parliament(rng=1, **forum_only)
        assert "\n" not in str(err.value), "one line"
    for own in ({"majority_share": 0.7}, {"party_radius": 0.2}, {"n_proposals": 10},
                {"party_discipline": ["majority"]}):  # fmt: skip
        with pytest.raises(ValueError, match=r"is a parliament parameter.*model: parliament"):
            GovernanceModel(rng=1, **own)
    with pytest.raises(ValueError, match=r"decision_rule='proposal_vote'.*msisim\.Parliament"):
        GovernanceModel(decision_rule="proposal_vote", rng=1)
    assert "proposal_vote" not in DECISION_RULES, "a forum has no acts to vote on"
    # lottery seats: added to a forum's seats, part of a parliament's
    assert (
        GovernanceModel(
            membership="representative_with_lottery", n_seats=12, lottery_seats=30, rng=1
        ).params.design.lottery_seats
        == 30
    ), "a forum's lottery seats may exceed its n_seats"
    with pytest.raises(ValueError, match=r"lottery_seats=30 is invalid.*part of its n_seats"):
        Parliament(n_seats=12, lottery_seats=30, rng=1)


def test_a_study_chooses_the_parliament_by_its_model_kind() -> None:
    spec = load_experiment("accidental_politicians", [], quick=True)
    assert spec.model == "parliament", "the study's config says model: parliament"
    assert {t.model for t in spec.tasks()} == {"parliament"}, "every run is a parliament"
    assert MODEL_KINDS[spec.model].model is Parliament, "the registry maps the kind to its class"
    with pytest.raises(ValueError, match=r"'epsilon' is a forum parameter"):
        ExperimentSpec.from_dict({"name": "x", "model": "parliament", "base": {"epsilon": 0.2}})
    with pytest.raises(ValueError, match=r"'majority_share' is a parliament parameter"):
        ExperimentSpec.from_dict({"name": "x", "base": {"majority_share": 0.7}})
    with pytest.raises(ValueError, match=r"model='parlament' is invalid.*'parliament'"):
        ExperimentSpec.from_dict({"name": "x", "model": "parlament"})
    with pytest.raises(ValueError, match=r"legislative_efficiency.*not an outcome of model kind"):
        ExperimentSpec.from_dict({"name": "x", "outcomes": ["legislative_efficiency"]})


@pytest.mark.slow
def test_quick_study_peaks_at_the_golden_rule(tmp_path: Path) -> None:
    """Done-when of issue 12: the peak lies within 20% of N* for p = 0.6 and 0.7, and below
    60 independents for p = 0.51 (N* = 15), on the quick setting."""
    spec = load_experiment("accidental_politicians", [], quick=True)
    run_experiment(spec, tmp_path, workers=2)
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert (runs["status"] == "ok").all(), "every quick run finishes"
    peaks = peak_table(runs).set_index("param.majority_share")
    for p in (0.51, 0.6, 0.7):
        row = peaks.loc[p]
        low, high = golden_window(500, p)
        assert low <= row["peak_independents"] <= high, (
            f"p = {p}: the efficiency peak ({row['peak_independents']} independents) must lie "
            f"in [{low:.0f}, {high:.0f}] (within 20% of N* = {golden_rule(500, p):.0f}, or "
            "below 60 when N* < 50)"
        )
        assert row["peak_efficiency"] > row["efficiency_parties_only"], (
            f"p = {p}: independents drawn by lot raise efficiency above parties only"
        )
