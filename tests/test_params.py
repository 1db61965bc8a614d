"""Validation of the parameters (params.py): every wrong value is refused before a run starts.

A wrong input must raise ``ValueError`` whose message names the parameter, so that a user of
``GovernanceModel(**kwargs)`` or of a sweep config sees at once what to fix.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import fields
from typing import Any

import numpy as np
import pytest

from msisim import (
    DEFAULT_CATEGORIES,
    CategorySpec,
    ContextParams,
    DesignParams,
    Params,
    PopulationParams,
    Shock,
    SimulationParams,
)
from msisim.params import GROUPS, largest_remainder


def _with_share(name: str, share: float) -> tuple[CategorySpec, ...]:
    """The default category table with one category's share changed."""
    return tuple(
        dataclasses.replace(c, share=share) if c.name == name else c for c in DEFAULT_CATEGORIES
    )


# (flat keywords, regex the message must match: it names the parameter)
BAD_INPUTS: list[Any] = [
    # counts
    pytest.param({"n_stakeholders": -5}, r"n_stakeholders=-5", id="negative-N"),
    pytest.param({"n_stakeholders": 0}, r"n_stakeholders=0", id="zero-N"),
    pytest.param({"n_stakeholders": 10.5}, r"n_stakeholders=10\.5", id="fractional-N"),
    pytest.param({"n_stakeholders": math.nan}, r"n_stakeholders=nan", id="nan-N"),
    pytest.param({"n_seats": -1}, r"n_seats=-1", id="negative-seats"),
    pytest.param({"n_seats": "30"}, r"n_seats='30'", id="string-seats"),
    pytest.param({"n_dims": 0}, r"n_dims=0", id="zero-dims"),
    pytest.param({"term_length": 0}, r"term_length=0", id="zero-term-length"),
    pytest.param({"term_limit": -1}, r"term_limit=-1", id="negative-term-limit"),
    pytest.param({"n_steps": 0}, r"n_steps=0", id="zero-steps"),
    pytest.param({"adaptation_window": 0}, r"adaptation_window=0", id="zero-window"),
    # booleans where numbers are expected
    pytest.param({"n_seats": True}, r"n_seats=True", id="bool-seats"),
    pytest.param({"epsilon": True}, r"epsilon=True", id="bool-epsilon"),
    pytest.param({"n_steps": False}, r"n_steps=False", id="bool-steps"),
    pytest.param({"stratified": "yes"}, r"stratified='yes'", id="string-stratified"),
    # NaN, inf, wrong types, out-of-range reals
    pytest.param({"epsilon": math.nan}, r"epsilon=nan", id="nan-epsilon"),
    pytest.param({"inertia": math.inf}, r"inertia=inf", id="inf-inertia"),
    pytest.param({"attendance_intercept": -math.inf}, r"attendance_intercept", id="-inf-b0"),
    pytest.param({"selector_capture": math.nan}, r"selector_capture=nan", id="nan-capture"),
    pytest.param({"selector_capture": 1.5}, r"selector_capture=1\.5", id="capture>1"),
    pytest.param({"epsilon": "0.3"}, r"epsilon='0\.3'", id="string-epsilon"),
    pytest.param({"mu": 0.6}, r"mu=0\.6", id="mu>0.5"),
    pytest.param({"mu": 0.0}, r"mu=0", id="mu=0"),
    pytest.param({"inertia": 1}, r"inertia=1", id="inertia=1"),
    pytest.param({"consensus_threshold": 1.5}, r"consensus_threshold", id="threshold>1"),
    pytest.param({"support_radius": 0.0}, r"support_radius", id="zero-radius"),
    pytest.param({"participation_cost": -1.0}, r"participation_cost", id="negative-cost"),
    pytest.param({"drift": 2.0}, r"drift=2", id="drift>1"),
    pytest.param({"outreach": -0.1}, r"outreach", id="negative-outreach"),
    pytest.param({"viewpoint_radius": 0.0}, r"viewpoint_radius", id="zero-viewpoint-radius"),
    pytest.param({"summary_burn_in": 1.0}, r"summary_burn_in", id="burn-in=1"),
    # names of rules
    pytest.param({"membership": "opn"}, r"membership='opn'.*did you mean 'open'", id="membership"),
    pytest.param({"selection": "lottery"}, r"selection='lottery'", id="selection"),
    pytest.param({"decision_rule": "unanimity"}, r"decision_rule='unanimity'", id="decision"),
    pytest.param({"seat_allocation": "random"}, r"seat_allocation='random'", id="allocation"),
    # misspelled keyword
    pytest.param({"n_seat": 30}, re.escape("did you mean 'n_seats'"), id="misspelled-n_seats"),
    pytest.param({"epsilom": 0.2}, re.escape("did you mean 'epsilon'"), id="misspelled-eps"),
    pytest.param({"design": "x"}, r"design='x'", id="group-not-a-DesignParams"),
    # population table
    pytest.param(
        {"categories": _with_share("grassroots", 0.6)},
        r"categories.*shares must sum to 1",
        id="shares-sum-1.1",
    ),
    pytest.param({"categories": []}, r"categories", id="no-categories"),
    pytest.param(
        {"categories": (*DEFAULT_CATEGORIES, DEFAULT_CATEGORIES[0])},
        r"categories.*unique",
        id="duplicate-category",
    ),
    pytest.param({"n_dims": 1}, r"position_mean", id="means-longer-than-n_dims"),
    # seats versus population
    pytest.param({"n_seats": 2000}, r"n_seats=2000.*must not exceed", id="seats>N"),
    pytest.param(
        {"n_stakeholders": 100, "n_seats": 60},
        r"n_seats=60.*10 seats to 'government'.*only 5",
        id="equal-seats>category",
    ),
    pytest.param(
        {"n_stakeholders": 10, "n_seats": 6},
        r"n_seats=6.*'academia'.*only 0",
        id="seat-for-empty-category",
    ),
    pytest.param(
        {
            "n_stakeholders": 100,
            "n_seats": 10,
            "seat_allocation": "explicit",
            "seats_per_category": {"government": 10},
        },
        r"10 seats to 'government'",
        id="explicit-seats>category",
    ),
    # explicit allocation
    pytest.param(
        {"seat_allocation": "explicit"}, r"seats_per_category", id="explicit-without-seats"
    ),
    pytest.param(
        {"seat_allocation": "explicit", "n_seats": 10, "seats_per_category": {"government": 3}},
        r"seats_per_category.*must sum to n_seats=10",
        id="explicit-not-summing",
    ),
    pytest.param(
        {"seats_per_category": {"government": -1}},
        r"seats_per_category\[government\]=-1",
        id="negative-explicit-seats",
    ),
    # category names in other groups
    pytest.param(
        {"seats_per_category": {"farmers": 3}},
        r"seats_per_category.*farmers|farmers.*seats_per_category",
        id="unknown-category-in-seats",
    ),
    pytest.param(
        {"participation_support": {"farmers": 0.5}},
        r"participation_support.*farmers|farmers.*participation_support",
        id="unknown-category-in-support",
    ),
    pytest.param(
        {"participation_support": {"grassroots": 1.5}},
        r"participation_support\[grassroots\]=1\.5",
        id="support>1",
    ),
    pytest.param(
        {"shocks": [{"step": 5, "category": "farmers", "shift": (0.1,)}]},
        r"shock\.category='farmers'",
        id="unknown-category-in-shock",
    ),
    pytest.param({"shocks": "abc"}, r"shocks='abc'", id="shocks-not-a-list"),
    pytest.param(
        {"shocks": [{"step": 0, "category": "grassroots", "shift": (0.1,)}]},
        r"shock\.step=0",
        id="shock-step-0",
    ),
    pytest.param(
        {"shocks": [{"step": 2, "category": "grassroots", "shift": (1.5,)}]},
        r"shock\.shift\[0\]=1\.5",
        id="shock-shift>1",
    ),
    pytest.param(
        {"shocks": [{"step": 2, "category": "grassroots", "shift": (0.1, 0.1, 0.1)}]},
        r"shock\.shift.*n_dims=2",
        id="shock-shift-too-long",
    ),
    # lobby ideal
    pytest.param({"lobby_ideal": (0.9,)}, r"lobby_ideal.*n_dims=2", id="lobby-wrong-dimension"),
    pytest.param({"lobby_ideal": (1.2, 0.1)}, r"lobby_ideal\[0\]=1\.2", id="lobby-outside"),
    pytest.param({"lobby_ideal": (0.5, -0.1)}, r"lobby_ideal\[1\]=-0\.1", id="lobby-negative"),
    pytest.param({"lobby_ideal": (math.nan, 0.1)}, r"lobby_ideal\[0\]=nan", id="lobby-nan"),
    pytest.param({"lobby_ideal": "ab"}, r"lobby_ideal='ab'", id="lobby-string"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_INPUTS)
def test_wrong_input_raises_value_error_naming_the_parameter(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Params.from_flat(**kwargs)


def test_enough_wrong_inputs_are_checked() -> None:
    assert len(BAD_INPUTS) >= 25, "the validation table covers at least 25 wrong inputs"


def test_unknown_category_in_design_is_refused() -> None:
    # The message names both the parameter and the unknown category.
    for key in ("seats_per_category", "participation_support"):
        with pytest.raises(ValueError, match=rf"{key} names unknown category 'farmers'"):
            Params.from_flat(**{key: {"farmers": 0.5 if key != "seats_per_category" else 3}})


# --------------------------------------------------------------------------- valid input


def test_defaults_build() -> None:
    p = Params()
    assert p == Params.from_flat(), "Params() and Params.from_flat() agree"
    assert p.population.n_stakeholders == 1000, "default N = 1000 (docs/ODD.md §2.5)"
    assert p.population.category_names == (
        "government",
        "bureaucracy",
        "business",
        "civil_society",
        "academia",
        "grassroots",
    ), "the six default categories of docs/ODD.md §2.5, in table order"
    assert p.context.lobby_ideal == (0.9, 0.1), "default lobby ideal (0.9, 0.1)"
    for cls in (PopulationParams, DesignParams, ContextParams, SimulationParams):
        assert isinstance(cls(), cls), f"{cls.__name__} builds with its defaults"


def test_valid_whole_float_is_accepted_as_int() -> None:
    p = Params.from_flat(n_seats=24.0)
    assert p.design.n_seats == 24 and isinstance(p.design.n_seats, int), "24.0 -> 24"


@pytest.mark.parametrize(
    "params",
    [
        Params(),
        Params.from_flat(
            n_stakeholders=500,
            membership="open_with_support",
            participation_support={"grassroots": 0.7},
            shocks=[{"step": 50, "category": "grassroots", "shift": (0.1, -0.1)}],
            selector_capture=0.3,
            epsilon=0.2,
        ),
        Params.from_flat(
            seat_allocation="explicit",
            n_seats=12,
            seats_per_category={"government": 2, "grassroots": 10},
            decision_rule="consensus",
            term_limit=2,
        ),
    ],
    ids=["defaults", "open-with-shock", "explicit-seats"],
)
def test_flat_round_trip(params: Params) -> None:
    flat = params.to_flat()
    assert Params.from_flat(**flat) == params, "from_flat(**p.to_flat()) == p"
    assert set(flat) == {f.name for cls in GROUPS.values() for f in fields(cls)}, (
        "to_flat lists every field of every group"
    )


def test_flat_keywords_override_typed_groups() -> None:
    design = DesignParams(membership="open", n_seats=12, epsilon=0.1)
    p = Params.from_flat(design=design, n_seats=24, drift=0.01)
    assert p.design.n_seats == 24, "a flat keyword overrides the typed group's field"
    assert p.design.membership == "open", "fields not overridden keep the group's value"
    assert p.design.epsilon == 0.1, "fields not overridden keep the group's value"
    assert p.context.drift == 0.01, "flat keywords of other groups apply too"


def test_shock_and_support_normalised() -> None:
    p = Params.from_flat(
        shocks=[{"step": 3, "category": "all", "shift": [0.1]}],
        participation_support={"grassroots": 1},
    )
    assert p.context.shocks == (Shock(3, "all", (0.1,)),), "mapping shocks become Shock objects"
    assert p.design.participation_support == (("grassroots", 1.0),), "support stored as pairs"
    np.testing.assert_allclose(
        p.support_by_category(), [0, 0, 0, 0, 0, 1.0], err_msg="support per category code"
    )


# --------------------------------------------------------------------------- apportionment


@pytest.mark.parametrize("n", [1, 2, 7, 13, 99, 999, 1000, 12_345])
def test_category_counts_sum_to_n_and_follow_largest_remainder(n: int) -> None:
    pop = PopulationParams(n_stakeholders=n)
    counts = pop.category_counts()
    assert counts.sum() == n, f"category sizes sum to N={n}"
    shares = np.array([c.share for c in pop.categories])
    quota = shares * n
    assert np.all(np.abs(counts - quota) < 1), "each count is its quota rounded down or up"
    np.testing.assert_array_equal(
        counts, largest_remainder(shares, n), err_msg="counts are Hamilton's apportionment"
    )


def test_category_counts_hand_cases() -> None:
    # N = 1000: quotas are whole -> (50, 100, 150, 150, 50, 500)
    np.testing.assert_array_equal(
        PopulationParams().category_counts(),
        [50, 100, 150, 150, 50, 500],
        err_msg="default shares times 1000",
    )
    # N = 7: quotas (.35, .7, 1.05, 1.05, .35, 3.5) -> floors (0, 0, 1, 1, 0, 3) = 5; the two
    # remaining go to the largest remainders .7 (bureaucracy) and .5 (grassroots).
    np.testing.assert_array_equal(
        PopulationParams(n_stakeholders=7).category_counts(),
        [0, 1, 1, 1, 0, 4],
        err_msg="largest remainders at N = 7",
    )


def test_largest_remainder_hand_cases() -> None:
    # quotas (3.5, 2.1, 1.4): floors (3, 2, 1) = 6, one left -> largest remainder .5 -> (4, 2, 1)
    np.testing.assert_array_equal(
        largest_remainder(np.array([0.5, 0.3, 0.2]), 7), [4, 2, 1], err_msg="(.5,.3,.2) x 7"
    )
    # equal weights, 10 units: quotas 3.33 each, one left; tie -> the earliest entry
    np.testing.assert_array_equal(
        largest_remainder(np.ones(3), 10), [4, 3, 3], err_msg="ties go to the earlier entry"
    )
    # unnormalised weights (2, 1, 1), 6 units: quotas (3, 1.5, 1.5) -> (3, 2, 1)
    np.testing.assert_array_equal(
        largest_remainder(np.array([2.0, 1.0, 1.0]), 6), [3, 2, 1], err_msg="weights normalised"
    )
    # Hamilton's classic: votes (4200, 3300, 2500) for 7 seats: quotas (2.94, 2.31, 1.75)
    # -> floors (2, 2, 1) = 5; remainders .94 and .75 get the last two -> (3, 2, 2)
    np.testing.assert_array_equal(
        largest_remainder(np.array([4200.0, 3300.0, 2500.0]), 7), [3, 2, 2], err_msg="Hamilton"
    )
    np.testing.assert_array_equal(
        largest_remainder(np.array([0.2, 0.8]), 0), [0, 0], err_msg="zero units -> zeros"
    )


def test_seats_by_category_hand_cases() -> None:
    equal = Params.from_flat(n_seats=30)
    np.testing.assert_array_equal(equal.seats_by_category(), [5] * 6, err_msg="30 / 6 = 5 each")
    prop = Params.from_flat(n_seats=20, seat_allocation="proportional")
    # quotas (1, 2, 3, 3, 1, 10)
    np.testing.assert_array_equal(
        prop.seats_by_category(), [1, 2, 3, 3, 1, 10], err_msg="proportional to the shares"
    )
    explicit = Params.from_flat(
        n_seats=5, seat_allocation="explicit", seats_per_category={"business": 2, "academia": 3}
    )
    np.testing.assert_array_equal(
        explicit.seats_by_category(), [0, 0, 2, 0, 3, 0], err_msg="explicit seats, others 0"
    )


# --------------------------------------------------------------------------- groups


def test_no_field_name_in_two_groups() -> None:
    seen: dict[str, str] = {}
    for group, cls in GROUPS.items():
        for f in fields(cls):
            assert f.name not in seen, (
                f"field {f.name!r} is in both {seen.get(f.name)} and {group}: "
                "flat keywords would be ambiguous"
            )
            seen[f.name] = group
    assert not set(seen) & set(GROUPS), "no field is named like a group"
