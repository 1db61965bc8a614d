"""Work that runs of a study share: one no-lobby twin per group, one run per distinct run.

A lobbied run carries a no-lobby twin (:meth:`msisim.model.GovernanceModel.no_lobby_twin`):
the same run with no lobby, on the same seed. Runs that differ only in their lobby (its
budget, strategy, focus...: :data:`msisim.params.LOBBY_ACTION_FIELDS`) on the same seed have
*equal* twins (up to fields the twin cannot read: :func:`msisim.counterfactual.twin_parameters`),
and a study that compares lobby levers on common random numbers (levers in
``design_factors``) has many such runs. So:

* tasks are grouped by their twin (:func:`plan`) and batches keep groups together
  (:func:`batches`);
* a worker runs each group's twin once and hands it to every run of the group that is in
  its batch (:class:`SharedWork`); when the group holds a run without a lobby (a budget of
  0, no exogenous capture), that run *is* the twin — the same parameters up to fields it
  cannot read, on the same seed — so it is run first, keeps a twin's record
  (:attr:`~msisim.model.GovernanceModel.records_twin_trace`) and serves as the group's twin;
* runs that differ only in fields they cannot read (a lobby strategy at budget 0, what the
  selector sees in an open forum without a selector: :func:`msisim.counterfactual.effective`)
  are the same run: it is run once per batch and its outcomes copied.

Results are identical to running every task alone (tested): a twin never interacts with its
sibling, and a field that no lobby reads cannot change a run without a lobby.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from msisim import counterfactual as twins
from msisim import outcomes as declared
from msisim.kinds import model_kind
from msisim.model import GovernanceModel
from msisim.params import Params
from msisim.study.spec import Task, _to_model


@dataclass(frozen=True)
class Plan:
    """How a task is run: its model parameters and what it can share.

    Attributes:
        params: The run's parameters (None for a model kind without twins, e.g. a
            parliament, or parameters that do not validate: those runs share nothing and
            fail alone).
        group: Key of the task's twin group: runs with equal keys have equal twins.
        lobby_acts: Whether the run has a lobby (and so a twin).
        same_run: Key equal for tasks that are the same run: same seed and steps, same
            outputs asked, and the same parameters up to fields the run cannot read
            (:func:`msisim.counterfactual.effective`: a strategy at budget 0, a selector's
            information in a forum without a selector).
        serves_as_twin: Whether the run is its group's no-lobby twin
            (:func:`msisim.counterfactual.can_serve_as_twin`).
        outcomes: The outcomes the run keeps (:attr:`msisim.study.spec.Task.outcomes`).
    """

    params: Params | None
    group: str
    lobby_acts: bool
    same_run: str
    serves_as_twin: bool = False
    outcomes: tuple[str, ...] | None = None

    def observe_from(self, summary_only: bool) -> int:
        """The first step this run (and so its twin) observes in full."""
        if self.params is None:
            raise ValueError("a plan without parameters (a chamber, invalid ones) shares no twin")
        recording = declared.recording_plan(self.outcomes)
        return GovernanceModel.observation_start(self.params, summary_only, recording)


#: Plans by task key, per process: the parent plans the batches, forked workers inherit them.
_PLANS: dict[tuple[Any, ...], Plan] = {}
_MAX_PLANS = 5000  # about 10 kB each


def plan(task: Task) -> Plan:
    """The :class:`Plan` of one task (kept per process: planning costs milliseconds)."""
    key = (task.run_id, task.seed, task.steps, task.collect_series, task.model, task.outcomes)
    known = _PLANS.get(key)
    if known is not None:
        return known
    made = _plan(task)
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[key] = made
    return made


#: The seed-free part of plans (parameters, twin and same-run texts, whether the run serves
#: as twin) by the task's parameters: the replicates of a study's point share it, so a study
#: is planned in validations per point, not per run.
_POINTS: dict[tuple[Any, ...], tuple[Params, str, str, bool] | None] = {}


def _plan(task: Task) -> Plan:
    if not model_kind(task.model).twins:  # e.g. a parliament: nothing to share
        return Plan(None, task.run_id, False, task.run_id)
    point = _point(task)
    if point is None:  # parameters that do not validate: reported by the run itself
        return Plan(None, task.run_id, False, task.run_id)
    params, twin_text, effective_text, serves = point
    # the texts of repr((seed, steps, twin_parameters)) and repr((seed, steps, effective,
    # collect_series, outcomes)), the parameters' part written once per point
    group = f"({task.seed!r}, {task.steps!r}, {twin_text})"
    same_run = (
        f"({task.seed!r}, {task.steps!r}, {effective_text}, {task.collect_series!r}, "
        f"{task.outcomes!r})"
    )
    return Plan(params, group, params.context.lobby_acts, same_run, serves, task.outcomes)


def _point(task: Task) -> tuple[Params, str, str, bool] | None:
    key = (task.model, task.steps, repr(task.params))
    if key in _POINTS:
        return _POINTS[key]
    try:
        params = Params.from_flat(n_steps=task.steps, **_to_model(task.params))
    except (TypeError, ValueError):
        made = None
    else:
        made = (
            params,
            repr(twins.twin_parameters(params)),
            repr(twins.effective(params)),
            twins.can_serve_as_twin(params),
        )
    if len(_POINTS) >= _MAX_PLANS:
        _POINTS.clear()
    _POINTS[key] = made
    return made


def batches(tasks: Sequence[Task], size: int) -> list[list[Task]]:
    """Batches of about ``size`` tasks that keep twin groups together.

    Tasks are ordered by group (groups in order of first appearance, tasks in their order).
    A batch takes whole groups until it holds at least ``size`` tasks; only a group of more
    than ``4 * size`` tasks is cut, into batches of ``size`` (each runs the group's twin once).
    """
    groups: dict[str, list[Task]] = {}
    for task in tasks:
        groups.setdefault(plan(task).group, []).append(task)
    out: list[list[Task]] = []
    current: list[Task] = []
    for members in groups.values():
        if len(members) > 4 * size:
            out.extend(list(members[i : i + size]) for i in range(0, len(members), size))
            continue
        current.extend(members)
        if len(current) >= size:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


class SharedWork:
    """What the runs of one batch share: finished twins by group, results by same-run key."""

    def __init__(self) -> None:
        self._twins: dict[str, GovernanceModel] = {}
        self._results: dict[str, tuple[Task, Any]] = {}

    @staticmethod
    def _key(p: Plan, summary_only: bool) -> str:
        if p.params is None:
            raise ValueError("a plan without parameters (a chamber, invalid ones) shares no twin")
        return repr((p.group, p.observe_from(summary_only)))

    def twin(self, task: Task, p: Plan, summary_only: bool) -> GovernanceModel | None:
        """The finished no-lobby twin of ``task``'s group (run on first request), or None."""
        if not p.lobby_acts or p.params is None:
            return None
        observe_from = p.observe_from(summary_only)
        key = self._key(p, summary_only)
        if key not in self._twins:
            twin = GovernanceModel.no_lobby_twin(p.params, rng=task.seed, observe_from=observe_from)
            twin.run_for(task.steps)
            self._twins[key] = twin
        return self._twins[key]

    def serving(self, p: Plan, summary_only: bool) -> bool:
        """Whether a run of this plan should keep a twin's record and :meth:`offer` itself."""
        return p.serves_as_twin and self._key(p, summary_only) not in self._twins

    def offer(self, p: Plan, summary_only: bool, model: GovernanceModel) -> None:
        """A finished run without a lobby that kept a twin's record: its group's twin."""
        self._twins.setdefault(self._key(p, summary_only), model)

    def result(self, p: Plan) -> tuple[Task, Any] | None:
        """``(task, result)`` of a run in this batch that is the same run, if any."""
        return self._results.get(p.same_run)

    def keep(self, task: Task, p: Plan, result: Any) -> None:
        """Remember a run's result for the same runs later in the batch."""
        self._results.setdefault(p.same_run, (task, result))
