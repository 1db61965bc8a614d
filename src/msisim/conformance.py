"""Conformance: does a rule keep its protocol? Checked on a small forum before any run.

A membership rule, selection rule, decision rule or lobby strategy is an object with a small
documented protocol (:mod:`msisim.rules`). Registration checks that every part is there;
:func:`check_unit` goes further and calls each method on a small forum of known shape, then
steps a short trial run with the unit in place, so that a rule returning the wrong shape or
type, or one that fails inside the model, is refused with one line naming the rule and what
is wrong — before a study starts (:func:`msisim.plugins.load_plugin` calls it for every unit a
plugin registers). Outcomes are checked the same way by asking a trial run's summary for them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from msisim.model import GovernanceModel
from msisim.params import Params
from msisim.rules.decision import DECISION_RULES
from msisim.rules.lobbying import STRATEGIES, TargetingContext
from msisim.rules.membership import MEMBERSHIP_RULES, SELECTION_RULES, SelectionContext

#: Stakeholders, steps and seats of the trial run (small enough to cost well under a second).
TRIAL_STAKEHOLDERS = 200
TRIAL_STEPS = 6
TRIAL_SEATS = 12


class ProtocolError(ValueError):
    """A unit that does not keep its protocol; the message names it and what is wrong."""


def _shape(what: str, value: Any, shape: tuple[int, ...], kind: str = "") -> np.ndarray:
    """``value`` as an array of ``shape`` (and dtype kind ``kind``: 'b', 'i' or 'f'), else raise."""
    array = np.asarray(value)
    if array.shape != shape:
        raise ProtocolError(f"{what} returned shape {array.shape}, expected {shape}")
    if kind == "b" and array.dtype != bool:
        raise ProtocolError(f"{what} returned dtype {array.dtype}, expected bool")
    if kind == "i" and not np.issubdtype(array.dtype, np.integer):
        raise ProtocolError(f"{what} returned dtype {array.dtype}, expected integers")
    if kind == "f":
        if not np.issubdtype(array.dtype, np.number):
            raise ProtocolError(f"{what} returned dtype {array.dtype}, expected numbers")
        if not np.all(np.isfinite(array)):
            raise ProtocolError(f"{what} returned values that are not finite")
    return array


def _probe_membership(rule: Any) -> dict[str, Any]:
    params = Params.from_flat(
        n_stakeholders=TRIAL_STAKEHOLDERS, n_seats=TRIAL_SEATS, membership=rule.name
    )
    design, population = params.design, params.population
    shares, names = population.category_shares(), population.category_names
    pools = rule.seat_pools(design, shares, names)
    if not isinstance(pools, list):
        raise ProtocolError(f"seat_pools() returned {type(pools).__name__}, expected a list")
    for pool in pools:
        for part in ("category", "seats", "lottery"):
            if not hasattr(pool, part):
                raise ProtocolError(f"seat_pools() gave a pool without {part!r} (use SeatPool)")
        if pool.category is not None and not 0 <= int(pool.category) < len(names):
            raise ProtocolError(f"seat_pools() gave a pool of unknown category {pool.category!r}")
    if bool(rule.seated) != bool(pools):
        raise ProtocolError(f"seated is {rule.seated!r} but seat_pools() gave {len(pools)} pools")
    if not isinstance(rule.selects_seats(1, design), bool | np.bool_):
        raise ProtocolError("selects_seats() must return a bool")
    if int(rule.rounds_left(1, design)) < 1:
        raise ProtocolError("rounds_left() must be at least 1 (this round counts)")
    n = 8
    rng = np.random.default_rng(0)
    terms = rng.integers(0, 3, n)
    seated = terms > 0
    _shape("eligible()", rule.eligible(terms, seated, design), (n,), "b")
    chance = _shape("attendance()", rule.attendance(rng.random(n), seated, design), (n,), "f")
    if np.any((chance < 0) | (chance > 1)):
        raise ProtocolError("attendance() returned a probability outside [0, 1]")
    voice = _shape(
        "voice()", rule.voice(rng.random(n) + 0.5, rng.random(n), seated, design), (n,), "f"
    )
    if np.any(voice < 0):
        raise ProtocolError("voice() returned a negative voice")
    idx = np.flatnonzero(seated)
    answer = np.asarray(rule.category_answerers(idx))
    if answer.ndim != 1 or not set(answer.tolist()) <= set(idx.tolist()):
        raise ProtocolError("category_answerers() must return a subset of the seated it is given")
    stay = rule.expected_stay(
        step=1,
        design=design,
        seated=seated,
        terms_served=terms,
        incumbent_terms=terms[seated],
        attendance=rng.random(n) if rule.open_round else None,
        horizon=10.0,
    )
    if np.any(_shape("expected_stay()", stay, (n,), "f") < 0):
        raise ProtocolError("expected_stay() returned a negative stay")
    return {"membership": rule.name, "n_lobbyists": 1, "lobby_budget": 1.0}


def _probe_selection(rule: Any) -> dict[str, Any]:
    n, rng = 10, np.random.default_rng(0)
    context = SelectionContext(
        candidates=np.array([1, 3, 4, 8]),
        pool=np.arange(n),
        noise=rng.random(n),
        seen=rng.random((n, 2)),
        resources=rng.random(n) + 0.5,
        engagement=rng.random(n),
    )
    whole = _shape("score()", rule.score(context), (4,), "f")
    if getattr(rule, "per_candidate", False):  # a subset of the candidates: their scores
        some = dataclasses.replace(context, candidates=context.candidates[[1, 3]])
        if not np.array_equal(np.asarray(rule.score(some)), whole[[1, 3]]):
            raise ProtocolError(
                "declares per_candidate=True, but scoring a subset of the candidates changed "
                "their scores; set per_candidate=False (the default)"
            )
    return {"membership": "representative", "selection": rule.name}


def _probe_decision(rule: Any) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    design = Params.from_flat(decision_rule=rule.name).design
    result = rule.decide(rng.random((5, 2)), rng.random(5) + 0.5, design)
    for part in ("proposal", "adopted"):
        if not hasattr(result, part):
            raise ProtocolError(f"decide() returned no {part!r} (return a Decision)")
    _shape("decide().proposal", result.proposal, (2,), "f")
    if not isinstance(result.adopted, bool | np.bool_):
        raise ProtocolError("decide().adopted must be a bool")
    return {"decision_rule": rule.name}


def _probe_strategy(strategy: Any) -> dict[str, Any]:
    m, rng = 6, np.random.default_rng(0)
    context = TargetingContext(
        advocated=rng.random((m, 2)),
        base_voice=rng.random(m) + 0.5,
        category=np.array([0, 1, 1, 2, 5, 5]),
        seated=np.array([True, False, True, False, False, True]),
        proposal=np.array([0.5, 0.5]),
        lobby_ideal=np.array([0.9, 0.1]),
        category_names=Params().population.category_names,
    )
    _shape("score()", strategy.score(context), (m,), "f")
    return {"lobby_strategy": strategy.name, "n_lobbyists": 1, "lobby_budget": 1.0}


#: Registry kind -> (registry, probe returning the trial run's parameters).
PROBES: dict[str, tuple[Any, Callable[[Any], dict[str, Any]]]] = {
    "membership rule": (MEMBERSHIP_RULES, _probe_membership),
    "selection rule": (SELECTION_RULES, _probe_selection),
    "decision rule": (DECISION_RULES, _probe_decision),
    "lobby strategy": (STRATEGIES, _probe_strategy),
}


def trial_run(**kwargs: Any) -> dict[str, float]:
    """The summary of a short run on a small forum (``kwargs`` are flat parameters)."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    kwargs = {
        "n_stakeholders": TRIAL_STAKEHOLDERS,
        "n_seats": TRIAL_SEATS,
        "n_steps": TRIAL_STEPS,
        **kwargs,
    }
    model = GovernanceModel(rng=0, collect=False, **kwargs)
    model.run_for(TRIAL_STEPS)
    return model.summary()


def check_unit(kind: str, name: str) -> None:
    """Check the registered ``kind`` unit ``name`` against its protocol on a small forum.

    Calls each protocol method on arrays of known shape, then steps a trial run of
    :data:`TRIAL_STEPS` steps with the unit in place.

    Raises:
        ProtocolError: One line naming the unit and what is wrong.
    """
    if kind not in PROBES:
        return
    registry, probe = PROBES[kind]
    label = f"{kind} {name!r}"
    try:
        trial = probe(registry[name])
        trial_run(**trial)
    except ProtocolError as err:
        raise ProtocolError(f"{label}: {err}") from None
    except Exception as err:  # anything the unit raises, named as the unit's failure
        raise ProtocolError(
            f"{label} failed on a small trial forum: {type(err).__name__}: {err}"
        ) from None
