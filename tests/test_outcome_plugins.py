"""Outcomes written outside src/: they read a read-only view and declare their whole-run needs.

The acceptance example is ``examples/plugins/member_turnover.py``, imported by path as a user
would; the other outcomes here are declared inside each test (and unregistered after it).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from msisim import GovernanceModel
from msisim.outcomes import OUTCOMES, Observation, outcome, recording_plan
from msisim.view import UndeclaredNeed

PLUGIN = Path(__file__).resolve().parents[1] / "examples" / "plugins" / "member_turnover.py"

#: A representative forum with several terms inside the run and a term limit, so seats
#: change hands at every re-selection; small enough for a quick test.
FORUM = {
    "membership": "representative",
    "n_stakeholders": 400,
    "n_steps": 40,
    "term_length": 5,
    "term_limit": 2,
    "rng": 11,
}


def both_ways(**kwargs: object) -> tuple[dict[str, float], dict[str, float]]:
    """Summaries of the same run, observed in full and only in its summary window."""
    full = GovernanceModel(collect=True, **kwargs).run()  # type: ignore[arg-type]
    lean = GovernanceModel(collect=False, summary_only=True, **kwargs).run()  # type: ignore[arg-type]
    assert lean.observe_from > 1 or recording_plan().twin_throughout, "lean skips early steps"
    return full.summary(), lean.summary()


@pytest.fixture
def member_turnover():
    """The example plugin, imported by path (it registers itself) and unregistered after."""
    with OUTCOMES.temporary():
        spec = importlib.util.spec_from_file_location("member_turnover_plugin", PLUGIN)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert "member_turnover" in OUTCOMES, "importing the plugin registers its outcome"
        yield module
    assert "member_turnover" not in OUTCOMES, "leaving the context unregisters it"


@pytest.fixture
def registry():
    """Declarations made inside a test are undone after it."""
    with OUTCOMES.temporary():
        yield OUTCOMES


def test_member_turnover_plugin_gives_the_same_finite_value_in_a_study_run(
    member_turnover,
) -> None:
    full, lean = both_ways(**FORUM)
    assert math.isfinite(full["member_turnover"]), "seats change hands in a representative forum"
    assert 0.0 < full["member_turnover"] <= 1.0, "a term limit of 2 forces some turnover"
    assert lean["member_turnover"] == full["member_turnover"], (
        "summary_only records the seat selections its declaration asks for, from step 1"
    )


def test_member_turnover_counts_every_seat_as_new_with_a_one_term_limit(member_turnover) -> None:
    m = GovernanceModel(collect=False, **{**FORUM, "term_limit": 1}).run()
    assert m.summary()["member_turnover"] == 1.0, "nobody may sit two terms in a row"


@pytest.mark.parametrize("membership", ["open", "plenary"])
def test_member_turnover_is_nan_for_a_forum_without_seats(member_turnover, membership) -> None:
    m = GovernanceModel(collect=False, **{**FORUM, "membership": membership}).run()
    assert math.isnan(m.summary()["member_turnover"]), "no seats, nothing changes hands"


def test_a_run_outcome_over_a_per_step_outcome_is_the_same_in_a_study_run(registry) -> None:
    """The issue's bug: a per-step outcome aggregated over the whole run read NaN before the
    summary window under summary_only. Declaring it in needs records it from step 1."""

    @outcome("lowest_rose", "lowest Rose index of the run", unit="index", lo=0, hi=1,
             direction="higher", aggregate="run", needs=("rose",))  # fmt: skip
    def _lowest_rose(view, table):
        return float(table["rose"].min())

    full, lean = both_ways(**FORUM)
    assert math.isfinite(full["lowest_rose"]), "every step has a Rose index"
    assert lean["lowest_rose"] == full["lowest_rose"], "summary_only recorded rose throughout"


def test_a_run_outcome_over_a_twin_reading_step_outcome_observes_the_twin_throughout(
    registry,
) -> None:
    @outcome("worst_capture", "largest capture of the run", unit="share of axis",
             direction="lower", aggregate="run", needs=("capture",))  # fmt: skip
    def _worst_capture(view, table):
        return float(table["capture"].max())

    assert recording_plan().twin_throughout, "capture reads the no-lobby twin every step"
    full, lean = both_ways(**FORUM, n_lobbyists=2, lobby_budget=1.0)
    assert math.isfinite(full["worst_capture"]), "the twin gives capture in every step"
    assert lean["worst_capture"] == full["worst_capture"], "the twin was observed from step 1"


def test_reading_an_undeclared_step_column_raises_in_every_run(registry) -> None:
    @outcome("sloppy", "reads what it did not declare", unit="index", direction="neither",
             aggregate="run")  # fmt: skip
    def _sloppy(view, table):
        return float(table["rose"].min())

    for lean in (False, True):
        m = GovernanceModel(collect=not lean, summary_only=lean, **FORUM).run()
        with pytest.raises(UndeclaredNeed, match=r"'sloppy' reads the step column 'rose'"):
            m.summary()


def test_reading_an_undeclared_record_raises(registry) -> None:
    @outcome("nosy", "reads a record it did not declare", unit="share", direction="neither",
             aggregate="run", needs=("rose",))  # fmt: skip
    def _nosy(view, table):
        return float(len(view.shock_responses))

    m = GovernanceModel(collect=False, **FORUM).run()
    with pytest.raises(UndeclaredNeed, match=r"record 'shock_responses' without declaring"):
        m.summary()


def test_a_need_that_names_nothing_is_refused_before_the_run(registry) -> None:
    @outcome("confused", "needs a column nobody records", unit="share", direction="neither",
             aggregate="run", needs=("rose_typo",))  # fmt: skip
    def _confused(view, table):
        return 0.0

    with pytest.raises(ValueError, match=r"'confused' needs 'rose_typo'.*neither"):
        GovernanceModel(collect=False, **FORUM)


def test_a_per_step_outcome_may_need_only_the_twin() -> None:
    with pytest.raises(ValueError, match="only need 'lobby_twin'"):
        outcome("bad_step", "bad", unit="x", direction="neither", needs=("shock_responses",))


def test_outcomes_cannot_change_the_run(registry) -> None:
    @outcome("vandal", "writes to the policy", unit="x", direction="neither")
    def _vandal(o: Observation) -> float:
        o.view.policy[0] = 0.0
        return 0.0

    m = GovernanceModel(collect=False, **FORUM)
    with pytest.raises(ValueError, match="read-only"):
        m.step()


def test_the_view_hands_out_read_only_arrays_that_follow_the_run() -> None:
    m = GovernanceModel(collect=False, **FORUM)
    m.run_for(3)
    view = m.view
    for name in (
        "position",
        "advocated",
        "voice",
        "members",
        "seated",
        "policy",
        "ties",
        "public_ideal",
        "category_medians",
        "population_shares",
    ):
        array = getattr(view, name)
        assert not array.flags.writeable, f"view.{name} is read-only"
    assert np.array_equal(view.policy, m.forum.policy), "the view reads the model's state"
    m.run_for(1)
    assert np.array_equal(view.policy, m.forum.policy), "and follows it step by step"


def test_the_scorecard_sets_no_attribute_on_the_model() -> None:
    m = GovernanceModel(collect=False, panel_respondents=3, **FORUM).run()
    before = set(vars(m))
    s = m.summary()
    assert "panel_index" in s, "a panel rates the forum"
    assert set(vars(m)) == before, "the panel's cache lives in the view, not on the model"


def test_registry_remove_and_temporary() -> None:
    with OUTCOMES.temporary():
        outcome("scratch", "scratch", unit="x", direction="neither")(lambda o: 0.0)
        assert "scratch" in OUTCOMES
        OUTCOMES.remove("scratch")
        assert "scratch" not in OUTCOMES
        with pytest.raises(ValueError, match="scratch"):
            OUTCOMES.remove("scratch")
        outcome("scratch", "scratch", unit="x", direction="neither")(lambda o: 0.0)
    assert "scratch" not in OUTCOMES, "temporary() undoes its registrations"


def test_a_study_may_name_a_plugin_outcome_and_reports_it(member_turnover) -> None:
    from msisim.study.runner import execute_task
    from msisim.study.spec import ExperimentSpec

    spec = ExperimentSpec.from_dict(
        {
            "name": "turnover",
            "title": "Turnover",
            "base": {k: v for k, v in FORUM.items() if k not in ("rng", "n_steps")},
            "designs": {"representative": {"membership": "representative"}},
            "replicates": 1,
            "steps": 40,
            "outcomes": ["member_turnover"],
        }
    )
    row, _series = execute_task(spec.tasks()[0])  # a study run: summary_only, no series
    assert row["status"] == "ok", row["error"]
    assert 0.0 < row["member_turnover"] <= 1.0, "the study row carries the plugin's outcome"
