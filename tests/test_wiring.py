"""Every declared parameter is wired: changing it changes a run where it applies.

A parameter is one declaration (its default, bounds and meaning in its field), and the
validation, ``--help``, the Hydra schema and the ODD table follow from it. What cannot follow
is the code that reads it: a parameter declared but never read would pass every other test.
This file closes that gap. ``TEST_VALUES`` must give a value for every declared field (a new
parameter fails here until it has one), and the run with that value must differ from the
default run in some summary outcome, in the scenario the parameter applies to.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Any

import pytest

from msisim import GovernanceModel
from msisim.params import PARAMETER_GROUPS, Params, ParliamentParams
from msisim.parliament import Parliament

logging.getLogger("MESA").setLevel(logging.WARNING)

#: The scenario most parameters apply to: a seated body with an open consultation beside it,
#: lobbied by a fixed strategy (so the fixed strategies' settings act), terms that end inside
#: the run, a shock (pass-through and adaptation), a scorecard panel.
BASE: dict[str, Any] = {
    "membership": "representative_with_consultation",
    "n_stakeholders": 300,
    "n_seats": 18,
    "n_steps": 40,
    "term_length": 8,
    "n_lobbyists": 2,
    "lobby_budget": 1.0,
    "lobby_strategy": "allies",
    "shocks": [{"step": 12, "category": "grassroots", "shift": [0.1, -0.1]}],
    "panel_respondents": 3,
}

#: A forum that absorbs a large shock inside the run (adaptation_lag is not censored).
ADAPTING: dict[str, Any] = {
    "accountability": 0.2,
    "shocks": [{"step": 12, "category": "all", "shift": [-0.3, 0.3]}],
}
#: A parliament of two parties and independents drawn by lot (Pluchino et al. 2011): the
#: model kind its own parameters apply to.
PARLIAMENT: dict[str, Any] = {"n_seats": 100, "lottery_seats": 30, "n_steps": 4}

#: Where a parameter acts only under another setting, that setting.
SCENARIO: dict[str, dict[str, Any]] = {
    "lottery_seats": {"membership": "representative_with_lottery"},
    "stratified": {"membership": "sortition"},
    "sortition_acceptance": {"membership": "sortition"},
    "selector_noise": {"selector_information": "noisy"},
    "support_radius": {"decision_rule": "consensus"},
    "consensus_threshold": {"decision_rule": "consensus"},
    "seats_per_category": {
        "seat_allocation": "explicit",
        "seats_per_category": {"grassroots": 6, "business": 6, "government": 6},
    },
    "term_limit": {"term_length": 4},
    "cooling_off": {"term_length": 4},
    "rotation_tie_retention": {"term_length": 4},
    "astroturf_cost": {"astroturf_share": 0.3, "membership": "open"},
    "astroturf_share": {"membership": "open"},
    "selector_capture": {"lobby_budget": 0.0},
    "lobby_strategy": {},
    "recusal": {"lobby_budget": 5.0, "lobby_pull": 0.5},
    "adaptation_tolerance": ADAPTING,
    "adaptation_window": ADAPTING,
}

#: A value other than the default for every declared field.
TEST_VALUES: dict[str, Any] = {
    # population
    "n_stakeholders": 260,
    "n_dims": 3,
    "categories": [
        {
            "name": "insiders",
            "share": 0.4,
            "position_mean": [0.8, 0.2],
            "spread": 0.1,
            "resources_mu": 1.0,
            "resources_sigma": 0.5,
            "affectedness": 0.3,
            "engagement": 0.6,
        },
        {
            "name": "grassroots",
            "share": 0.6,
            "position_mean": [0.2, 0.8],
            "spread": 0.1,
            "resources_mu": -1.0,
            "resources_sigma": 0.5,
            "affectedness": 1.0,
            "engagement": 0.3,
        },
    ],
    "groups": [
        {
            "name": "industry",
            "category": "business",
            "share": 0.2,
            "position_mean": [0.9, 0.1],
            "spread": 0.05,
            "resources_mu": 1.5,
            "resources_sigma": 0.5,
            "affectedness": 0.4,
            "engagement": 0.7,
        },
        {
            "name": "residents",
            "category": "grassroots",
            "share": 0.8,
            "position_mean": [0.2, 0.8],
            "spread": 0.15,
            "resources_mu": -1.0,
            "resources_sigma": 0.5,
            "affectedness": 1.0,
            "engagement": 0.3,
        },
    ],
    "attendance_intercept": -1.0,
    "attendance_engagement": 3.0,
    "attendance_resources": 0.2,
    "attendance_affectedness": 2.0,
    "engagement_rate": 0.2,
    "engagement_scale": 0.2,
    "engagement_reversion": 0.1,
    "exclusion_penalty": 0.5,
    "expression_rate": 0.8,
    "mobilisation": 5.0,
    # design
    "membership": "open",
    "n_seats": 24,
    "lottery_seats": 6,
    "seat_allocation": "proportional",
    "seats_per_category": {"grassroots": 10, "business": 4, "government": 4},
    "selection": "merit",
    "term_length": 5,
    "term_limit": 1,
    "stratified": True,
    "sortition_acceptance": "all",
    "selector_information": "true",
    "selector_noise": 0.4,
    "decision_rule": "majority",
    "support_radius": 0.6,
    "consensus_threshold": 0.2,
    "inertia": 0.5,
    "epsilon": 0.05,
    "mu": 0.5,
    "accountability": 0.2,
    "voice_resource_exponent": 1.5,
    "presence_weight": 5.0,
    "participation_support": {"grassroots": 1.0},
    "consultation_weight": 0.9,
    "outreach": 0.05,
    "transparency": 0.8,
    "cooling_off": 3,
    "rotation_tie_retention": 0.0,
    "recusal": True,
    "majority_share": 0.8,
    "party_discipline": ["majority"],
    "party_radius": 0.4,
    "n_proposals": 300,
    "deliberation": "arena_sessions",
    # context
    "participation_cost": 3.0,
    "shocks": [{"step": 5, "category": "all", "shift": [0.2, 0.0]}],
    "drift": 0.02,
    "selector_capture": 0.8,
    "lobby_ideal": [0.1, 0.1],
    "n_lobbyists": 0,  # any other number changes nothing: the lobby is one actor
    "lobby_budget": 3.0,
    "lobbies": [{"name": "civil", "ideal": [0.1, 0.9], "budget": 1.0}],
    "lobby_strategy": "influential",
    "lobby_focus": 0.8,
    "selector_spending": 0.6,
    "tie_cost": 2.0,
    "selector_tie_cost": 0.5,
    "lobby_targets_selector": False,
    "tie_decay": 0.2,
    "lobby_pull": 0.6,
    "astroturf_share": 0.3,
    "astroturf_cost": 0.5,
    # simulation
    "n_steps": 36,
    "viewpoint_radius": 0.3,
    "viewpoint_sample": 50,
    "summary_burn_in": 0.2,
    "adaptation_tolerance": 0.1,
    "adaptation_window": 3,
    "pass_through_lag": 5,
    "strong_tie": 0.05,
    "panel_respondents": 6,
    "panel_noise": 3.0,
    "panel_tie_bias": 8.0,
    "panel_perspective": 0.7,
}

#: Fields that do not describe a run but name something else (none today).
NOT_RUN_PARAMETERS: frozenset[str] = frozenset()


#: Every declared parameter, with the model kind whose run it is tried in (a name that both
#: kinds declare is tried in a forum).
DECLARED: dict[str, str] = {
    name: "parliament" if group == "parliament" else "forum"
    for group, cls in reversed(PARAMETER_GROUPS.items())
    for name in (f.name for f in dataclasses.fields(cls))
}


def summary(kind: str, **kwargs: Any) -> dict[str, float]:
    """A run's summary in a model of this kind."""
    if kind == "parliament":
        return Parliament(ParliamentParams.from_flat(**kwargs), rng=5).run().summary()
    return GovernanceModel(Params.from_flat(**kwargs), rng=5, collect=False).run().summary()


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def test_every_declared_parameter_has_a_test_value() -> None:
    declared = set(DECLARED) - NOT_RUN_PARAMETERS
    missing = sorted(declared - set(TEST_VALUES))
    assert not missing, (
        f"give TEST_VALUES a non-default value for {missing}: every declared parameter must "
        "be shown to change a run (and SCENARIO the setting it acts under, if any)"
    )
    stale = sorted(set(TEST_VALUES) - declared)
    assert not stale, f"TEST_VALUES names parameters that are not declared: {stale}"


@pytest.mark.parametrize("name", sorted(set(DECLARED) - NOT_RUN_PARAMETERS))
def test_every_declared_parameter_changes_a_run(name: str) -> None:
    kind = DECLARED[name]
    kwargs = dict(PARLIAMENT) if kind == "parliament" else {**BASE, **SCENARIO.get(name, {})}
    changes = {name: TEST_VALUES[name]}
    if name == "n_dims":  # a 3-d space needs a 3-d lobby ideal (and no 2-d shock)
        kwargs["shocks"] = []
        changes["lobby_ideal"] = [0.9, 0.1, 0.5]
    default = summary(kind, **kwargs)
    other = summary(kind, **{**kwargs, **changes})
    changed = [k for k in set(default) | set(other) if not same(default.get(k, math.nan),
                                                               other.get(k, math.nan))]  # fmt: skip
    assert changed, (
        f"{name}={TEST_VALUES[name]!r} changed no outcome of a run where it applies "
        f"({SCENARIO.get(name, 'the base scenario')}): the parameter is declared but not read"
    )
