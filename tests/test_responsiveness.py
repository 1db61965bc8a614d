"""Responsiveness by mechanism: members answer to what they can observe, never to true medians.

A representative answers to its constituency's *expressed* positions (the engagement-weighted
advocated positions of its category's unseated stakeholders); the public expresses its interest
at ``expression_rate``; a shock mobilises those it moves. Responsiveness is then the
opinion-policy slope over a run's shocks (Achen 1978; Soroka & Wlezien 2010) and congruence
the many-to-many distance between the population's and the room's positions (Golder &
Stramski 2010).
"""

import math

import numpy as np
import pytest
from scipy import stats

from msisim import GovernanceModel
from msisim.rules import deliberation, engagement

#: Shocks of varied size and direction (as in the shock study), 30 steps apart so that each
#: response is read (pass_through_lag = 20) before the next shock lands.
SHOCKS = [
    {"step": 40, "category": "all", "shift": [-0.15, 0.15]},
    {"step": 70, "category": "all", "shift": [0.05, -0.02]},
    {"step": 100, "category": "all", "shift": [0.10, 0.05]},
    {"step": 130, "category": "all", "shift": [-0.03, -0.10]},
    {"step": 160, "category": "all", "shift": [0.08, -0.12]},
]


def test_constituency_signal_hand_case() -> None:
    """Engagement-weighted mean of the unseated's expressed positions, per category."""
    advocated = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5], [0.2, 0.8], [0.9, 0.9]])
    category = np.array([0, 0, 0, 1, 1])
    engaged = np.array([1.0, 3.0, 1.0, 0.0, 0.5])
    speaks = np.array([True, True, False, True, False])  # 2 and 4 are seated
    signal = deliberation.constituency_signal(advocated, category, engaged, speaks, 3)
    assert signal[0] == pytest.approx([0.75, 0.75]), "(1*0 + 3*1) / 4; the seated one unheard"
    assert np.isnan(signal[1]).all(), "category 1's only speaker has engagement 0: no signal"
    assert np.isnan(signal[2]).all(), "an empty category has no signal"


def test_mobilisation_boost_scales_with_displacement() -> None:
    """Those a shock moved further engage more; the unmoved do not."""
    boost = engagement.mobilisation_boost(np.array([0.0, 0.1, 0.2]), 2.0)
    assert boost == pytest.approx([0.0, 0.2, 0.4])


def _pair(**kwargs):
    """Two identical representative forums after 5 rounds (same seed: same state)."""
    common = {
        "membership": "representative", "n_stakeholders": 300, "n_seats": 18,
        "accountability": 0.5, "expression_rate": 0.0, "epsilon": 0.0, **kwargs,
    }  # fmt: skip
    a = GovernanceModel(rng=3, collect=False, counterfactual=False, **common)
    b = GovernanceModel(rng=3, collect=False, counterfactual=False, **common)
    a.run_for(5)
    b.run_for(5)
    return a, b


def test_representatives_answer_to_expressed_not_true_positions() -> None:
    """No agent reads what it cannot observe: moving the constituents' true interests (and
    nothing they express) leaves what representatives argue unchanged; moving what they express
    (and nothing true) changes it."""
    a, b = _pair()
    seated = np.flatnonzero(a.stakeholders.seated)
    others = np.flatnonzero(~b.stakeholders.seated)
    # the constituents' true interests move; what they say does not
    b.stakeholders.position[others] = np.clip(b.stakeholders.position[others] + 0.3, 0, 1)
    b._refresh_position_summaries()  # the true medians move with them (an oracle would see)
    a.deliberate()
    b.deliberate()
    assert not np.allclose(a.category_medians, b.category_medians), "the true medians moved"
    np.testing.assert_array_equal(
        a.stakeholders.advocated[seated],
        b.stakeholders.advocated[seated],
        err_msg="representatives answer to expressed positions, not to true interests",
    )
    # now what the constituents say moves, their true interests do not
    a, b = _pair()
    b.stakeholders.advocated[others] = np.clip(b.stakeholders.advocated[others] - 0.3, 0, 1)
    a.deliberate()
    b.deliberate()
    np.testing.assert_array_equal(a.stakeholders.position, b.stakeholders.position)
    gap = np.abs(a.stakeholders.advocated[seated] - b.stakeholders.advocated[seated]).max()
    assert gap > 0.05, f"representatives follow what their constituents express (moved {gap})"


def test_the_public_expresses_its_interest_at_the_declared_rate() -> None:
    """A non-member's expressed position moves toward its own interest at expression_rate."""
    a, _ = _pair(expression_rate=0.25)
    st = a.stakeholders
    out = np.flatnonzero(~st.member)
    st.advocated[out] = 0.5
    before = st.advocated[out].copy()
    a.deliberate()
    expected = before + 0.25 * (st.position[out] - before)
    np.testing.assert_allclose(st.advocated[out], expected, err_msg="x += rate * (interest - x)")


def test_a_shock_mobilises_the_affected() -> None:
    """After a shock the moved stakeholders' engagement rises (mobilisation), so more attend."""
    shock = [{"step": 10, "category": "grassroots", "shift": [0.2, -0.2]}]
    kw = {"membership": "open", "n_stakeholders": 400, "shocks": shock, "counterfactual": False}
    on = GovernanceModel(rng=5, collect=False, **kw)
    off = GovernanceModel(rng=5, collect=False, mobilisation=0.0, **kw)
    on.run_for(10)
    off.run_for(10)
    g = on.stakeholders.category == on.grassroots_code
    gain = on.stakeholders.engagement[g].mean() - off.stakeholders.engagement[g].mean()
    assert gain > 0.2, f"grassroots moved 0.28 by the shock gain engagement ({gain:.3f})"


@pytest.mark.slow
def test_a_representative_forum_responds_through_reselection_alone() -> None:
    """With accountability 0 no member moves toward anyone's interest within a term, yet the
    policy follows the public: at each term end the body is re-selected from stakeholders who
    have expressed their new interests. The opinion-policy slope is positive, its 95% interval
    over seeds above 0."""
    slopes = []
    for seed in range(6):
        m = GovernanceModel(
            membership="representative", accountability=0.0, term_length=10,
            n_stakeholders=400, n_steps=200, shocks=SHOCKS, rng=seed, collect=False,
        )  # fmt: skip
        slopes.append(m.run().summary()["responsiveness"])
    slopes_arr = np.array(slopes)
    mean = slopes_arr.mean()
    half = stats.t.ppf(0.975, len(slopes) - 1) * slopes_arr.std(ddof=1) / math.sqrt(len(slopes))
    assert mean - half > 0, (
        f"responsiveness at accountability 0: {mean:.3f} [{mean - half:.3f}, {mean + half:.3f}]"
        " should lie above 0 (re-selection passes shocks through)"
    )


@pytest.mark.slow
def test_responsiveness_and_congruence_are_not_restatements_of_capture_and_tilt() -> None:
    """Over a shock-study-like sample (designs x accountability x lobby budget), responsiveness
    is not capture restated, and many-to-many congruence (the room's spread of views against
    the population's) is not the structural tilt (where the policy sits) restated."""
    rows = []
    for membership in ("representative", "sortition", "open", "representative_with_consultation"):
        for accountability in (0.0, 0.02, 0.1):
            for budget in (0.0, 1.0):
                for seed in range(2):
                    m = GovernanceModel(
                        membership=membership, accountability=accountability,
                        lobby_budget=budget, n_lobbyists=1, term_length=10,
                        n_stakeholders=400, n_steps=200, shocks=SHOCKS, rng=seed,
                        collect=False, summary_only=True,
                    )  # fmt: skip
                    s = m.run().summary()
                    rows.append(
                        (s["responsiveness"], s["capture"], s["congruence"], s["structural_tilt"])
                    )
    table = np.array(rows)
    r_capture = np.corrcoef(table[:, 0], table[:, 1])[0, 1]
    r_tilt = np.corrcoef(table[:, 2], table[:, 3])[0, 1]
    assert abs(r_capture) < 0.9, f"corr(responsiveness, capture) = {r_capture:.3f}: a restatement"
    assert abs(r_tilt) < 0.9, f"corr(congruence, structural_tilt) = {r_tilt:.3f}: a restatement"
