"""What the presets added to the model: the arena-sessions deliberation format and the
end-of-run well-informed-person panel (docs/ODD.md §7.4.4 and §7.7.5)."""

from __future__ import annotations

import numpy as np
import pytest

from msisim import GovernanceModel
from msisim.rules.deliberation import DELIBERATION_FORMATS
from msisim.scorecard import ARENAS, arena_groups


def test_arena_sessions_converge_each_arena_before_the_plenary() -> None:
    # two arenas of two members each, far apart (1-D); mu = 0.5 with equal voices moves a
    # pair to its midpoint, so each arena's session meets at its mean, and the plenary
    # (pairs either within an arena, now equal, or across, farther apart than epsilon)
    # changes nothing: a known answer whatever the pairing.
    advocated = np.array([[0.0], [0.2], [0.8], [1.0]])
    groups = np.array([0, 0, 1, 1])
    members = np.arange(4)
    for seed in range(5):
        room = advocated.copy()
        DELIBERATION_FORMATS["arena_sessions"](
            room, members, np.ones(4), groups, epsilon=0.25, mu=0.5,
            rng=np.random.default_rng(seed),
        )  # fmt: skip
        assert np.allclose(room[:, 0], [0.1, 0.1, 0.9, 0.9]), (
            f"seed {seed}: each arena's session must bring its two members to their midpoint, "
            f"and the plenary must not move anyone farther than epsilon apart; got {room[:, 0]}"
        )


def test_arena_groups_follow_the_scorecard_arenas() -> None:
    names = ("government", "business", "civil_society", "grassroots", "technical_community")
    groups = arena_groups(names)
    assert groups[0] == ARENAS.index("government"), "government is its own arena"
    assert groups[1] == ARENAS.index("economic_society"), "business is the economic society"
    assert groups[2] == groups[3] == ARENAS.index("civil_society"), (
        "grassroots deliberate with civil society (their scorecard arena)"
    )
    assert groups[4] >= len(ARENAS), "a category in no arena forms a group of its own"


def test_questionnaire_perspective_rates_effectiveness_from_the_respondents_view() -> None:
    m = GovernanceModel(n_stakeholders=300, n_steps=20, rng=4, collect=False).run()
    answers = m.questionnaire(5, noise=0.0, tie_bias=0.0, perspective=1.0)
    truth = m.scorecard().set_index(["arena", "principle"])["score"]
    radius = np.sqrt(2) / 2
    for row in answers.itertuples():
        if row.principle == "effectiveness":
            gap = np.linalg.norm(m.stakeholders.advocated[row.respondent] - m.forum.policy)
            expected = np.rint(1 + 9 * np.clip(1 - gap / radius, 0, 1))
            assert row.rating == expected, (
                "with perspective 1 and no noise a respondent rates effectiveness from the "
                "policy's distance to the position they advocate"
            )
        else:
            assert row.rating == np.rint(truth[(row.arena, row.principle)]), (
                "without noise and ties the other principles are rated at their true score"
            )
    with pytest.raises(ValueError, match="perspective"):
        m.questionnaire(5, perspective=1.5)


def test_panel_outcomes_only_with_a_panel() -> None:
    plain = GovernanceModel(n_stakeholders=300, n_steps=20, rng=2, collect=False).run().summary()
    assert "panel_index" not in plain, "without panel_respondents no panel is asked"
    m = GovernanceModel(
        n_stakeholders=300, n_steps=20, rng=2, collect=False, panel_respondents=4,
        panel_noise=0.0, selector_capture=0.0,
    ).run()  # fmt: skip
    out = m.summary()
    assert out["panel_capture_shift"] == 0.0, (
        "a convener with capture 0 and no lobby budget runs exactly as its no-lobby twin, so "
        "the panel's shift is 0"
    )
    assert 0 <= out["panel_error"] <= 0.5, (
        "a noise-free, untied panel without perspective errs only by rounding to whole points"
    )
