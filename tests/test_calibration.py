"""What docs/calibration.md says about the model's units, checked.

A lobby's money is relative: scaling its budget, the tie prices and the price of a paid
participant by one factor changes nothing, so budgets can be given in euros or dollars once
the tie price is in the same currency. Holding a tie at 0.5 costs ``tie_cost * ln(1 +
tie_decay)`` per step, the figure the worked example converts money with.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from msisim import GovernanceModel
from msisim.rules.lobbying import invest

MONEY = ("lobby_budget", "tie_cost", "selector_tie_cost", "astroturf_cost")


@pytest.mark.parametrize("membership", ["representative", "open"])
def test_lobby_money_is_relative_to_the_tie_price(membership: str) -> None:
    forum = {
        "membership": membership,
        "n_stakeholders": 200,
        "n_steps": 40,
        "n_lobbyists": 3,
        "astroturf_share": 0.1 if membership == "open" else 0.0,
        "rng": 5,
    }
    model_units = dict(zip(MONEY, (1.5, 10.0, 30.0, 0.05), strict=True))
    euros = {name: 1000.0 * value for name, value in model_units.items()}
    relative = GovernanceModel(**forum, **model_units).run().summary()
    in_euros = GovernanceModel(**forum, **euros).run().summary()
    assert relative["capture"] > 0.01, (
        "the lobby should capture something, else the check says nothing"
    )
    for name, value in relative.items():
        if isinstance(value, float) and not math.isnan(value):
            assert in_euros[name] == pytest.approx(value, abs=1e-9), (
                f"{membership}: {name} should not change when every price and budget is scaled "
                f"by 1000 ({value} vs {in_euros[name]})"
            )


@pytest.mark.parametrize(("tie_cost", "tie_decay"), [(10.0, 0.02), (22891.0, 0.0561)])
def test_holding_a_tie_at_one_half_costs_tie_cost_times_log_one_plus_decay(
    tie_cost: float, tie_decay: float
) -> None:
    upkeep = tie_cost * math.log(1.0 + tie_decay)
    tie = np.zeros(1)
    for _ in range(3000):  # decay, then spend: the order of a step (docs/ODD.md §7.3)
        tie = invest(tie * (1.0 - tie_decay), upkeep, tie_cost)
    assert tie[0] == pytest.approx(0.5, abs=1e-9), (
        f"spending tie_cost * ln(1 + tie_decay) = {upkeep:.4g} per step should hold a tie at "
        f"0.5, not {tie[0]:.4f}"
    )
