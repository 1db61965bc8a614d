"""Rules are protocol objects: every consumer asks them, and a broken one is refused early.

A membership rule, selection rule, decision rule or lobby strategy keeps a small documented
protocol (docs/extending.md). Registration refuses a unit that lacks a part of it;
:func:`msisim.conformance.check_unit` (run for every unit a plugin registers) refuses one whose
methods return the wrong shape or that fails on a small trial forum. The example plugins in
``examples/plugins`` show that a new rule is one file and acts everywhere: in the seat
selection, in the adaptive lobby's forecast and in the per-agent reference model.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from msisim import GovernanceModel
from msisim.conformance import PROBES, ProtocolError, check_unit
from msisim.plugins import PluginError, load_plugin, unload_plugin
from msisim.reference import ReferenceModel
from msisim.registry import RegistrationError
from msisim.rules.lobbying import STRATEGIES
from msisim.rules.membership import (
    MEMBERSHIP_PROTOCOL,
    MEMBERSHIP_RULES,
    SELECTED_SEATS,
    SELECTION_RULES,
    MembershipRule,
    SelectionContext,
    SelectionRule,
    category_seats,
)

logging.getLogger("MESA").setLevel(logging.WARNING)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "plugins"


@pytest.fixture
def example() -> Iterator[Any]:
    """Load example plugins by name; each is unloaded (its units unregistered) afterwards."""
    loaded: list[Path] = []

    def load(name: str) -> Any:
        path = EXAMPLES / f"{name}.py"
        loaded.append(path)
        return load_plugin(path)

    yield load
    for path in loaded:
        unload_plugin(path)


@pytest.mark.parametrize(
    ("kind", "name"),
    [(kind, name) for kind, (registry, _) in PROBES.items() for name in registry],
)
def test_every_built_in_rule_keeps_its_protocol(kind: str, name: str) -> None:
    check_unit(kind, name)  # raises ProtocolError naming what is wrong


def test_a_membership_rule_missing_a_method_is_refused_naming_it() -> None:
    class HalfARule:  # a rule written without subclassing, that forgot most of the protocol
        name = "half"
        summary = "seats, but nothing else"

        def seat_pools(self, design: Any, shares: Any, names: Any) -> list[Any]:
            return []

    with pytest.raises(RegistrationError) as caught:
        MEMBERSHIP_RULES.add("half", HalfARule())  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("membership rule 'half' lacks "), message
    assert "expected_stay" in message and "eligible" in message, (
        f"the refusal names every missing part of the protocol: {message}"
    )
    assert "\n" not in message, "one line"
    assert "half" not in MEMBERSHIP_RULES, "a refused rule is not registered"
    assert set(MEMBERSHIP_PROTOCOL) >= {"eligible", "voice", "expected_stay", "seat_pools"}


@dataclass(frozen=True)
class _WrongShape(MembershipRule):
    def eligible(self, terms_served: np.ndarray, seated: np.ndarray, design: Any) -> np.ndarray:
        return np.ones(3, dtype=bool)  # one entry per stakeholder was asked for


def test_a_rule_returning_the_wrong_shape_is_refused_before_any_run() -> None:
    rule = _WrongShape("wrong_shape", "eligible() of the wrong shape", seat_plan=category_seats)
    with MEMBERSHIP_RULES.temporary():
        MEMBERSHIP_RULES.add("wrong_shape", rule)
        with pytest.raises(ProtocolError) as caught:
            check_unit("membership rule", "wrong_shape")
    assert str(caught.value) == (
        "membership rule 'wrong_shape': eligible() returned shape (3,), expected (8,)"
    ), "the refusal names the rule, the method and the shapes"


def test_a_plugin_whose_rule_breaks_the_protocol_is_one_line_naming_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad_strategy.py"
    path.write_text(
        textwrap.dedent(
            """
            import numpy as np
            from msisim.rules.lobbying import LobbyStrategy, register_strategy

            register_strategy(
                LobbyStrategy("everyone_once", "one score for the whole room", lambda c: 1.0)
            )
            """
        )
    )
    with pytest.raises(PluginError) as caught:
        load_plugin(path)
    assert str(caught.value) == (
        f"plugin {path}: lobby strategy 'everyone_once': score() returned shape (), expected (6,)"
    ), "the refusal names the plugin, the strategy and what is wrong"
    assert "everyone_once" not in STRATEGIES, "a refused plugin leaves nothing registered"


def test_rotating_seats_never_reseats_an_incumbent(example: Any) -> None:
    plugin = example("rotating_seats")
    assert plugin.units == (("membership rule", "rotating_seats"),)
    model = GovernanceModel(
        membership="rotating_seats", n_stakeholders=400, n_seats=12, term_length=5, rng=4
    )
    bodies = []
    for _ in range(4):
        model.run_for(5)
        bodies.append(set(np.flatnonzero(model.stakeholders.seated).tolist()))
    for before, after in itertools.pairwise(bodies):
        assert len(after) == 12 and not before & after, (
            "each term's body is new: nobody who held a seat is re-seated (rotation)"
        )


def test_the_adaptive_lobby_forecasts_a_shorter_stay_under_rotation(example: Any) -> None:
    """The lobby asks the rule how long a member stays: an incumbent never returns."""
    example("rotating_seats")
    stays = {}
    for rule in ("representative", "rotating_seats"):
        model = GovernanceModel(membership=rule, n_stakeholders=400, n_seats=12, rng=2)
        model.run_for(25)  # the second term has begun: every incumbent has served a term
        seated = np.flatnonzero(model.stakeholders.seated)
        stays[rule] = model.rule.expected_stay(
            step=model.steps,
            design=model.params.design,
            seated=np.ones(seated.shape[0], dtype=bool),
            terms_served=model.stakeholders.terms_served[seated],
            incumbent_terms=model.stakeholders.terms_served[seated],
            attendance=None,
            horizon=50.0,
        )
    left = 20 - 25 % 20 + 1  # rounds left in the term at step 25 with terms of 20
    np.testing.assert_array_equal(
        stays["rotating_seats"], left, err_msg="under rotation a member stays the term's rest"
    )
    assert np.all(stays["representative"] > left), (
        "a representative may be re-seated, so a tie with them is expected to last longer"
    )


def test_grassroots_first_courts_the_grassroots(example: Any) -> None:
    example("grassroots_first")
    ties = {}
    for strategy in ("allies", "grassroots_first"):
        model = GovernanceModel(
            membership="open",
            n_stakeholders=500,
            lobby_strategy=strategy,
            n_lobbyists=1,
            lobby_budget=1.0,
            rng=6,
        )
        model.run_for(30)
        tie = model.lobby_state.ties.sum(axis=0)
        grassroots = model.stakeholders.category == model.category_names.index("grassroots")
        ties[strategy] = tie[grassroots].sum() / tie.sum()
    assert ties["grassroots_first"] > 0.75 > 0.25 > ties["allies"], (
        f"grassroots_first puts most of its ties on the grassroots "
        f"({ties['grassroots_first']:.2f} of them), allies on those already close to the lobby "
        f"({ties['allies']:.2f})"
    )


def test_the_reference_model_runs_plugin_rules(example: Any) -> None:
    example("rotating_seats")
    example("grassroots_first")
    ref = ReferenceModel(
        membership="rotating_seats",
        lobby_strategy="grassroots_first",
        n_lobbyists=1,
        lobby_budget=1.0,
        n_stakeholders=200,
        n_seats=12,
        term_length=5,
        rng=1,
    )
    bodies = []
    for _ in range(3):
        ref.run_for(5)
        bodies.append({s.index for s in ref.people if s.is_seated})
    assert all(not a & b for a, b in itertools.pairwise(bodies)), (
        "the reference asks the rule who is eligible: no incumbent is re-seated"
    )
    assert SELECTED_SEATS - {"term_limit"} == MEMBERSHIP_RULES["rotating_seats"].parameters


def test_a_selection_rule_wrongly_claiming_per_candidate_scores_is_refused() -> None:
    """``per_candidate=True`` lets the adaptive lobby's forecast score a pool once for every
    capture level; a rule whose scores depend on who else stands would get a wrong forecast
    without it, so the claim is checked before any run."""

    def rank_among_candidates(c: SelectionContext) -> np.ndarray:
        return np.argsort(np.argsort(c.resources[c.candidates])).astype(float)

    honest = SelectionRule("relative_merit", "rank among those standing", rank_among_candidates)
    with SELECTION_RULES.temporary():
        SELECTION_RULES.add("relative_merit", honest)
        check_unit("selection rule", "relative_merit")  # the safe default: accepted
    wrong = dataclasses.replace(honest, per_candidate=True)
    with SELECTION_RULES.temporary():
        SELECTION_RULES.add("relative_merit", wrong)
        with pytest.raises(ProtocolError) as caught:
            check_unit("selection rule", "relative_merit")
    assert str(caught.value).startswith(
        "selection rule 'relative_merit': declares per_candidate=True, but scoring a subset"
    ), str(caught.value)
