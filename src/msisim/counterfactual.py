"""Counterfactual twins: what a twin's parameters are, and whether a given twin is a run's.

A run where a lobby acts is read against its *no-lobby twin*: the same run, on the same seed
(so the same random streams), with no lobby (docs/ODD.md §4.9; ``capture`` is the run's lobby
bias minus its twin's). A run with scheduled shocks is read against its *no-shock twin*
(``pass_through``, ``adaptation_half_life``). This module says once:

* what a twin's parameters are (:func:`without_lobby`, :func:`without_shocks`);
* which fields a run cannot read, so that runs differing only in them are the same run
  (:func:`effective`);
* when two runs have the same no-lobby twin, and when a run without a lobby *is* that twin
  (:func:`twin_parameters`, :func:`can_serve_as_twin`);
* whether a finished twin handed to a run is that run's (:func:`check_shared_twin`).

:class:`msisim.model.GovernanceModel` builds and steps the twins
(:meth:`~msisim.model.GovernanceModel.no_lobby_twin`), and :mod:`msisim.study.sharing` runs one
twin per group of runs; both ask this module and re-derive nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from msisim.params import LOBBY_ACTION_FIELDS, ContextParams, DesignParams, Params
from msisim.rules.decision import RULE_PARAMETERS
from msisim.rules.membership import MEMBERSHIP_RULES

__all__ = [
    "LOBBY_ACTION_FIELDS",
    "Run",
    "can_serve_as_twin",
    "check_shared_twin",
    "effective",
    "twin_parameters",
    "without_lobby",
    "without_shocks",
]


def without_lobby(params: Params) -> Params:
    """These parameters with no lobby: the no-lobby twin's (docs/ODD.md §4.9).

    No budget, no further lobbies and no exogenous selector capture; the fields only a lobby's
    actions read (:data:`~msisim.params.LOBBY_ACTION_FIELDS`) are set to their defaults, so that
    runs differing only in how their lobbies act have equal twins. The main lobby's ideal stays
    (lobby bias is measured toward it), and so does the number of lobbyists; a further lobby's
    capture is measured from the twin's policy, which its ideal does not change.
    """
    defaults = ContextParams()
    calm = dataclasses.replace(
        params.context,
        lobby_budget=0.0,
        lobbies=(),
        selector_capture=None,
        **{name: getattr(defaults, name) for name in LOBBY_ACTION_FIELDS},
    )
    return dataclasses.replace(params, context=calm)


def without_shocks(params: Params) -> Params:
    """These parameters with no scheduled shock: the no-shock twin's."""
    return dataclasses.replace(params, context=dataclasses.replace(params.context, shocks=()))


def effective(params: Params) -> Params:
    """These parameters with every field the run cannot read set to its default.

    The fields are those :func:`msisim.study.checks.check_run_params` notes as without
    effect: the rule-specific design parameters that neither the membership rule nor the
    decision rule reads, astroturf without an open round, and, when no lobby acts, the fields
    only a lobby's actions read (:data:`~msisim.params.LOBBY_ACTION_FIELDS`). Two runs with
    equal effective parameters on one seed are the same run (tested for every rule and field).
    """
    design, context = params.design, params.context
    unused = frozenset().union(*(r.parameters for r in MEMBERSHIP_RULES.values()))
    unused -= design.rule.parameters
    unused |= frozenset().union(*RULE_PARAMETERS.values()) - RULE_PARAMETERS.get(
        design.decision_rule, frozenset()
    )
    design_defaults, context_defaults = DesignParams(), ContextParams()
    design = dataclasses.replace(design, **{n: getattr(design_defaults, n) for n in sorted(unused)})
    idle: set[str] = set()
    if not params.design.has_open_round:
        idle |= {"astroturf_share", "astroturf_cost"}
    if not context.lobby_acts:
        idle |= set(LOBBY_ACTION_FIELDS)
    context = dataclasses.replace(
        context, **{n: getattr(context_defaults, n) for n in sorted(idle)}
    )
    return dataclasses.replace(params, design=design, context=context)


def twin_parameters(params: Params) -> Params:
    """The no-lobby twin's parameters up to fields it cannot read: equal for runs sharing a twin.

    Runs on one seed with equal ``twin_parameters`` have the same no-lobby twin.
    """
    return effective(without_lobby(params))


def can_serve_as_twin(params: Params) -> bool:
    """Whether a run with these parameters *is* its own group's no-lobby twin.

    It is when its parameters equal their :func:`twin_parameters` (no lobby acts, up to fields
    it cannot read) and it has no questionnaire panel (a twin records the panel's scorecard
    cells its own way).
    """
    return effective(params) == twin_parameters(params) and (
        params.simulation.panel_respondents == 0
    )


class Run(Protocol):
    """What :func:`check_shared_twin` reads of a run and of the twin handed to it."""

    params: Params
    observe_from: int
    is_twin: bool
    records_twin_trace: bool
    lobby_acts: bool
    _seed: Any


def check_shared_twin(run: Run, twin: Any, counterfactual: bool | None) -> None:
    """Refuse a finished no-lobby twin handed to ``run`` that is not its twin (one line each).

    The twin is one made by :meth:`msisim.model.GovernanceModel.no_lobby_twin`, or a run
    without a lobby that kept a twin's record (``records_twin_trace``): the same run, since
    its parameters are this run's without its lobby (checked here). It must be on the same
    seed and observe from the same step.

    Args:
        run: The run that is given the twin.
        twin: The twin given (``lobby_twin=``).
        counterfactual: The run's ``counterfactual`` argument (``False`` = no twins).

    Raises:
        ValueError: The twin is not a twin, the run has no lobby to compare with, or the
            twin's seed, parameters or observation window differ from the run's.
    """
    if not (getattr(twin, "is_twin", False) or getattr(twin, "records_twin_trace", False)):
        raise ValueError(
            f"lobby_twin={type(twin).__name__} is invalid: must be a model made by "
            "GovernanceModel.no_lobby_twin (or a run without a lobby that records a twin's "
            "trace)"
        )
    if counterfactual is False or not run.lobby_acts or run.is_twin:
        raise ValueError(
            "lobby_twin is given but this run has no no-lobby twin to share (no lobby "
            "acts, or counterfactual=False)"
        )
    if twin._seed != run._seed:
        raise ValueError(f"lobby_twin has seed {twin._seed}, this run {run._seed}")
    if effective(twin.params) != twin_parameters(run.params):
        raise ValueError(
            "lobby_twin's parameters are not this run's without its lobby "
            "(counterfactual.without_lobby, up to fields it cannot read: "
            "counterfactual.effective)"
        )
    if twin.observe_from != run.observe_from:
        raise ValueError(
            f"lobby_twin observes from step {twin.observe_from}, this run from {run.observe_from}"
        )
