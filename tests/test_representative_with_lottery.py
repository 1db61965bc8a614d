"""`representative_with_lottery`: category seats as in `representative`, plus seats by lot.

The rule was added as one registered declaration (rules/membership.py) and one design config
(configs/design/representative_with_lottery.yaml); these tests are its examples.
"""

import numpy as np
import pytest

from msisim import GovernanceModel
from msisim.params import Params


def seated_by_category(m: GovernanceModel) -> np.ndarray:
    st = m.stakeholders
    return np.bincount(st.category[st.seated], minlength=m.n_categories)


def test_every_seat_is_filled_once() -> None:
    m = GovernanceModel(
        membership="representative_with_lottery", lottery_seats=12, n_stakeholders=600, rng=3
    )
    m.run_for(45)  # three selections
    counts = seated_by_category(m)
    assert counts.sum() == 30 + 12, "n_seats category seats plus lottery_seats, nobody twice"
    assert (counts >= m.params.seats_by_category() - 12).all(), "category seats stay reserved"
    assert (counts >= 5).all(), "each category keeps at least its 5 equal seats"


def test_zero_lottery_seats_is_the_representative_forum() -> None:
    a = GovernanceModel(membership="representative_with_lottery", n_stakeholders=400, rng=9)
    b = GovernanceModel(membership="representative", n_stakeholders=400, rng=9)
    a.run_for(40)
    b.run_for(40)
    assert a.summary() == b.summary(), (
        "with lottery_seats=0 the rule must reproduce the representative forum draw for draw"
    )


@pytest.mark.parametrize("seed", range(4))
def test_lottery_seats_bring_the_body_closer_to_the_population(seed: int) -> None:
    """Equal category seats over-represent small categories; seats drawn by an ideal lottery
    (everyone drawn serves) follow the population, so many of them raise the grassroots
    share. When winners may decline (acceptance tied to engagement, the default), the least
    engaged grassroots decline most and the gain shrinks."""
    common = {"n_stakeholders": 1000, "rng": seed, "n_steps": 40}
    rule = {"membership": "representative_with_lottery"}
    few = GovernanceModel(**rule, lottery_seats=0, **common)
    ideal = GovernanceModel(**rule, lottery_seats=60, sortition_acceptance="all", **common)
    declining = GovernanceModel(**rule, lottery_seats=60, **common)
    for m in (few, ideal, declining):
        m.run()
    base = few.summary()["grassroots_share"]
    assert ideal.summary()["grassroots_share"] > base + 0.15, (
        "60 ideal-lottery seats beside 30 equal seats should raise the grassroots share of "
        "members (50% of the population, 1/6 of the equal seats) by well over 0.15"
    )
    assert ideal.summary()["rose"] > few.summary()["rose"], "and the Rose index with it"
    assert declining.summary()["grassroots_share"] < ideal.summary()["grassroots_share"], (
        "winners who may decline leave the grassroots fewer lottery seats than the ideal lottery"
    )


def test_lottery_seats_ignore_an_endogenously_captured_selector() -> None:
    """The selector's capture screens its own picks; the lottery seats are drawn by lot, so
    only an exogenous (rigged-lottery) capture could bias them."""
    p = Params.from_flat(membership="representative_with_lottery", lottery_seats=20)
    pools = p.seat_pools()
    assert [pool.lottery for pool in pools] == [False] * 6 + [True], "6 category pools, 1 lot"
    assert pools[-1].category is None and pools[-1].seats == 20, "drawn from everyone"


def test_too_many_lottery_seats_are_refused() -> None:
    with pytest.raises(ValueError, match="n_stakeholders"):
        Params.from_flat(
            membership="representative_with_lottery", n_stakeholders=100, lottery_seats=95
        )
