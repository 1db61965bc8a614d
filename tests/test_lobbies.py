"""A neutral lobby structure: a lobby is one actor, and competing lobbies offset each other.

A lobby's budget is its total spend per step; how it is split among its lobbyists changes
nothing (they share its ties). Further lobbies (``lobbies``) each pull toward their own ideal
and their capture is measured toward it against the same no-lobby twin.
"""

import numpy as np
import pytest

from msisim import GovernanceModel, Params
from msisim.reference import implements

TEMPLATES = ("representative", "open")

#: Two equal categories placed symmetrically about the centre of the space, so that two
#: lobbies at mirrored ideals face the same forum.
SYMMETRIC = tuple(
    {
        "name": name,
        "share": 0.5,
        "position_mean": (x, 0.5),
        "spread": 0.12,
        "resources_mu": 0.0,
        "resources_sigma": 0.5,
        "affectedness": 0.6,
        "engagement": 0.4,
    }
    for name, x in (("left", 0.35), ("right", 0.65))
)


def summary(**kwargs) -> dict[str, float]:
    kwargs.setdefault("n_stakeholders", 300)
    kwargs.setdefault("n_steps", 60)
    return GovernanceModel(collect=False, **kwargs).run().summary()


@pytest.mark.parametrize("strategy", ["adaptive", "allies"])
@pytest.mark.parametrize("membership", TEMPLATES)
def test_how_a_lobbys_money_is_split_changes_nothing(membership: str, strategy: str) -> None:
    """The same total money spread over 1, 3 or 10 lobbyists buys the same capture (it used to
    hold ties longer when spread, 0.946 vs 0.996 selector capture at 3 per step)."""
    for seed in range(2):
        runs = {
            n: summary(
                membership=membership, lobby_strategy=strategy, n_lobbyists=n,
                lobby_budget=1.5, rng=seed,
            )
            for n in (1, 3, 10)
        }  # fmt: skip
        for n in (3, 10):
            assert runs[n]["capture"] == pytest.approx(runs[1]["capture"], abs=0.01), (
                f"{membership}, {strategy}, seed {seed}: capture with {n} lobbyists "
                f"{runs[n]['capture']:.4f} should equal that with one {runs[1]['capture']:.4f}"
            )
            assert runs[n]["selector_capture"] == pytest.approx(runs[1]["selector_capture"])


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["adaptive", "allies"])
@pytest.mark.parametrize("membership", TEMPLATES)
def test_two_opposed_lobbies_of_equal_budget_offset_each_other(
    membership: str, strategy: str
) -> None:
    """In a forum symmetric about its centre, a counter-lobby with the mirrored ideal and the
    same budget cancels the lobby's capture: alone each moves the policy toward itself, together
    the net capture is near 0, and each lobby's capture (toward its own ideal) mirrors the
    other's."""
    seeds = range(6)
    common = dict(
        categories=SYMMETRIC, membership=membership, lobby_strategy=strategy,
        lobby_ideal=(0.9, 0.5), lobby_budget=1.5,
    )  # fmt: skip
    alone = np.mean([summary(rng=s, **common)["capture"] for s in seeds])
    counter = [{"name": "counter", "ideal": (0.1, 0.5), "budget": 1.5}]
    both = [summary(rng=s, lobbies=counter, **common) for s in seeds]
    net = np.mean([r["capture"] for r in both])
    assert alone > 0.03, f"{membership}, {strategy}: a lobby alone should capture ({alone:.3f})"
    assert abs(net) < 0.03 and abs(net) < alone / 3, (
        f"{membership}, {strategy}: an equal counter-lobby should offset the capture "
        f"{alone:.3f} of the lobby alone; net {net:.3f}"
    )
    for r in both:  # mirrored ideals at the same distance: one's gain is the other's loss
        assert r["counter_capture"] == pytest.approx(-r["capture"], abs=0.02)


def test_a_counter_lobby_alone_is_measured_toward_its_own_ideal() -> None:
    """With the main lobby unfunded, a counter-lobby is the only one acting: the run has a
    twin, and the counter-lobby's capture toward its own ideal is positive."""
    r = summary(
        categories=SYMMETRIC, lobby_ideal=(0.9, 0.5), lobby_budget=0.0, rng=1,
        lobbies=[{"name": "civil", "ideal": (0.1, 0.5), "budget": 2.0}],
    )  # fmt: skip
    assert r["counter_capture"] > 0.02, "the counter-lobby should move policy toward itself"
    assert r["capture"] < 0, "toward the counter-lobby is away from the main lobby's ideal"


def test_a_run_without_further_lobbies_reports_no_counter_capture() -> None:
    assert summary(lobby_budget=1.0, rng=0)["counter_capture"] == 0.0


@pytest.mark.parametrize(
    ("lobbies", "message"),
    [
        ([{"name": "c", "ideal": (0.1,), "budget": 1.0}], "lobbies.c.ideal"),
        ([{"name": "c", "ideal": (0.1, 0.2), "budget": -1.0}], "lobbies.c.budget"),
        ([{"name": "lobby", "ideal": (0.1, 0.2), "budget": 1.0}], "main lobby"),
        ([{"name": "c", "ideal": (0.1, 0.2), "budget": 1}] * 2, "each lobby once"),
        ([{"name": "c", "ideal": (0.1, 0.2), "budget": 1, "strategy": "bribe"}], "strategy"),
        ([{"name": "c", "ideal": (0.1, 0.2), "budjet": 1}], "budjet"),
        ({"name": "c"}, "must be a list of lobbies"),
    ],
)
def test_a_bad_lobby_is_refused_in_one_line(lobbies: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as err:
        Params.from_flat(lobbies=lobbies)
    assert "\n" not in str(err.value)


def test_the_reference_model_refuses_further_lobbies() -> None:
    params = Params.from_flat(lobbies=[{"name": "c", "ideal": (0.1, 0.2), "budget": 1.0}])
    assert "lobbies" in (implements(params) or "")


@pytest.mark.slow
@pytest.mark.parametrize("membership", TEMPLATES)
def test_the_adaptive_lobby_is_no_worse_than_a_fixed_one_or_itself_barred(
    membership: str,
) -> None:
    """The adaptive lobby values the selector by the forecast change in who gets seated (the
    rules' own seating at each capture level), so with the same money it captures at least as
    much as every registered fixed strategy and as itself barred from the selector (within
    0.01, mean of 3 seeds), at budgets 0.5, 1 and 2. It used to lose to ``swing`` in the
    representative forum at budget 1 and to its own barred variant by 0.02-0.05."""
    from msisim.rules.lobbying import STRATEGIES

    def mean_capture(budget: float, strategy: str, barred: bool = False) -> float:
        return float(np.mean([
            summary(
                membership=membership, lobby_budget=budget, lobby_strategy=strategy,
                lobby_targets_selector=not barred, n_stakeholders=500, n_steps=120, rng=seed,
            )["capture"]
            for seed in range(3)
        ]))  # fmt: skip

    for budget in (0.5, 1.0, 2.0):
        adaptive = mean_capture(budget, "adaptive")
        rivals = {name: mean_capture(budget, name) for name in STRATEGIES if name != "adaptive"}
        rivals["adaptive, barred from the selector"] = mean_capture(budget, "adaptive", True)
        for name, value in rivals.items():
            assert adaptive >= value - 0.01, (
                f"{membership}, budget {budget:g}: the adaptive lobby captures {adaptive:.3f}, "
                f"less than {name} ({value:.3f})"
            )
