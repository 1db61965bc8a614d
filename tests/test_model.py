"""The public API, reproducibility and invariants of GovernanceModel."""

import mesa
import numpy as np
import pandas as pd
import pytest

from msisim import DesignParams, GovernanceModel, Params, PopulationParams, Shock
from msisim.agents import Stakeholder

REQUIRED_METRICS = [
    "rose", "expected_rose", "grassroots_share", "voice_gini", "viewpoint_coverage",
    "congruence_error", "congruence", "gridlock",
]  # fmt: skip
#: Per-step event -> its summary key (one meaning each: a round gridlocked; the share of such
#: rounds in the summary window).
SUMMARY_KEY = {"gridlock": "gridlock_rate"}


def test_api_snippet_runs_as_written():
    m = GovernanceModel(membership="open", n_stakeholders=2000, rng=7)
    m.run_for(200)
    df = m.datacollector.get_model_vars_dataframe()
    summary = m.summary()
    assert len(df) == 200, "one row of per-step metrics per step"
    for name in REQUIRED_METRICS:
        assert name in df.columns, f"per-step metric {name} missing"
        key = SUMMARY_KEY.get(name, name)
        assert key in summary and isinstance(summary[key], float), f"outcome {key} missing"


def test_model_vars_dataframe_equals_own_series():
    m = GovernanceModel(rng=1, n_stakeholders=300)
    m.run_for(30)
    collected = m.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    pd.testing.assert_frame_equal(collected, m.series_frame(), check_dtype=False)


def test_batch_run_works_with_the_model():
    results = mesa.batch_run(
        GovernanceModel,
        parameters={"membership": ["representative", "open"], "n_stakeholders": 300},
        rng=[1, 2],
        max_steps=20,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    assert len(df) == 4, "2 templates x 2 seeds"
    assert set(df["membership"]) == {"representative", "open"}
    assert df["rose"].between(0, 1).all()


def test_typed_parameter_objects_equal_flat_keywords():
    typed = GovernanceModel(
        population=PopulationParams(n_stakeholders=400),
        design=DesignParams(membership="sortition", n_seats=20),
        rng=3,
    )
    flat = GovernanceModel(n_stakeholders=400, membership="sortition", n_seats=20, rng=3)
    assert typed.params == flat.params
    typed.run_for(25)
    flat.run_for(25)
    pd.testing.assert_frame_equal(typed.series_frame(), flat.series_frame())


def test_params_object_with_overrides():
    p = Params.from_flat(n_stakeholders=400)
    m = GovernanceModel(p, n_seats=12)
    assert m.params.design.n_seats == 12 and m.params.population.n_stakeholders == 400


def test_unknown_keyword_is_rejected_with_suggestion():
    with pytest.raises(ValueError, match="did you mean 'n_seats'"):
        GovernanceModel(n_seat=10)


@pytest.mark.parametrize("membership", ["representative", "open", "sortition"])
def test_same_seed_gives_identical_series_and_different_seeds_differ(membership):
    def series(seed):
        m = GovernanceModel(membership=membership, n_stakeholders=500, rng=seed)
        m.run_for(40)
        return m.datacollector.get_model_vars_dataframe()

    pd.testing.assert_frame_equal(series(5), series(5))
    assert not series(5).equals(series(6)), "different seeds should give different runs"


def test_seed_zero_is_a_seed():
    a = GovernanceModel(rng=0, n_stakeholders=200)
    b = GovernanceModel(rng=0, n_stakeholders=200)
    assert np.array_equal(a.stakeholders.position, b.stakeholders.position)


def test_no_global_random_state_is_used():
    state_np = np.random.get_state()[1].copy()  # noqa: NPY002
    import random

    state_py = random.getstate()
    m = GovernanceModel(membership="open", n_stakeholders=300, rng=2)
    m.run_for(20)
    assert np.array_equal(np.random.get_state()[1], state_np), "numpy global state untouched"  # noqa: NPY002
    assert random.getstate() == state_py, "stdlib global random state untouched"


def test_collecting_or_not_does_not_change_results():
    a = GovernanceModel(membership="open", n_stakeholders=300, rng=9, collect=True)
    b = GovernanceModel(membership="open", n_stakeholders=300, rng=9, collect=False)
    a.run_for(30)
    b.run_for(30)
    assert a.summary() == b.summary()


def test_stakeholders_are_mesa_agents_viewing_the_arrays():
    m = GovernanceModel(n_stakeholders=100, rng=1)
    stakeholders = m.agents_by_type[Stakeholder]
    assert len(stakeholders) == 100
    agent = m.agents_list[7]
    assert np.shares_memory(agent.position, m.stakeholders.position), "position is a view"
    agent.engagement = 0.123
    assert m.stakeholders.engagement[7] == 0.123, "attribute writes go to the arrays"
    m.run_for(1)
    n_seated = len(stakeholders.select(lambda a: a.is_seated))
    assert n_seated == m.params.design.n_seats
    by_category = stakeholders.groupby("category").count()
    assert sum(by_category.values()) == 100


@pytest.mark.parametrize(
    "membership",
    ["representative", "open", "sortition", "plenary", "representative_with_consultation",
     "open_with_support"],
)  # fmt: skip
def test_invariants_hold_for_every_membership_rule(membership):
    m = GovernanceModel(membership=membership, n_stakeholders=400, rng=4, drift=0.01)
    m.run_for(60)
    st = m.stakeholders
    df = m.series_frame()
    assert not df.isna().any().any(), "no NaN in per-step metrics"
    for col in ["rose", "expected_rose", "grassroots_share", "voice_gini", "viewpoint_coverage",
                "congruence", "gridlock", "rose_voice"]:  # fmt: skip
        assert df[col].between(0, 1).all(), f"{col} must stay in [0, 1]"
    assert ((st.position >= 0) & (st.position <= 1)).all(), "true positions inside the space"
    assert ((st.advocated >= 0) & (st.advocated <= 1)).all(), "advocated positions inside"
    assert ((st.engagement >= 0) & (st.engagement <= 1)).all()
    if m.params.design.is_seated:
        seats = np.bincount(st.category[st.seated], minlength=m.n_categories)
        if membership == "sortition":
            assert seats.sum() == m.params.design.n_seats, "all seats filled"
        else:
            assert np.array_equal(seats, m.seats), "seats filled as allocated"


def test_term_limit_rotates_members():
    m = GovernanceModel(membership="representative", term_length=5, term_limit=1, rng=2)
    m.run_for(5)
    first = m.stakeholders.seated.copy()
    m.run_for(5)
    assert not (first & m.stakeholders.seated).any(), "with a 1-term limit nobody is re-seated"


def test_shock_moves_interests_and_summary_reports_adaptation_lag():
    m = GovernanceModel(
        membership="open", rng=3,
        shocks=[Shock(step=60, category="all", shift=(-0.2, 0.15))], n_steps=150,
    )  # fmt: skip
    m.run()
    s = m.summary()
    errors = m.series_frame()["congruence_error"].to_numpy()
    assert errors[59] > errors[58] + 0.02, "the shock should raise the congruence error"
    # the policy follows the expressed interests back within the run (else the lag is NaN)
    assert "adaptation_lag" in s and 0 <= s["adaptation_lag"] <= 91
    assert "adaptation_lag" not in GovernanceModel(rng=1, n_stakeholders=100).run(5).summary()


def test_running_flag_stops_after_n_steps():
    m = GovernanceModel(n_steps=7, n_stakeholders=100, rng=1)
    while m.running:
        m.step()
    assert m.steps == 7


def test_consensus_rule_can_gridlock():
    m = GovernanceModel(
        membership="open", decision_rule="consensus", consensus_threshold=0.95,
        support_radius=0.05, rng=1, n_stakeholders=400,
    )  # fmt: skip
    m.run_for(30)
    assert m.summary()["gridlock_rate"] > 0.5, "a demanding consensus rule should gridlock"


def test_summary_before_any_step_is_an_error():
    with pytest.raises(RuntimeError, match="at least one step"):
        GovernanceModel(n_stakeholders=200, rng=1).summary()
