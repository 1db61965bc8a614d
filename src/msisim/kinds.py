"""Model kinds: which model a run builds, the parameters it reads and the outcomes it reports.

A run is one of two kinds of model:

* ``forum`` — :class:`msisim.model.GovernanceModel`, the multistakeholder forum with its
  population, lobby and counterfactual twins (the default);
* ``parliament`` — :class:`msisim.parliament.Parliament`, the two-party chamber of Pluchino
  et al. (2011) that votes acts (docs/ODD.md §7.8).

A study chooses the kind with a top-level ``model: parliament`` (default ``forum``) and
``msisim run`` with ``model=parliament``. Each kind declares its parameters once (its groups
in :mod:`msisim.params`); a parameter of one kind given to the other is refused with a
one-line error. The study runner, twin sharing, the CLI and the reports ask this registry,
never a parameter's value, which model a run is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from msisim.model import GovernanceModel
from msisim.outcomes import summary_keys
from msisim.params import GROUPS, Params, ParliamentParams
from msisim.parliament import PARLIAMENT_OUTCOMES, Parliament
from msisim.registry import Registry

__all__ = ["MODEL_KINDS", "ModelKind", "model_kind"]

#: Seconds one model step takes per 1,000 stakeholders on one core, measured once (2026-12,
#: ``GovernanceModel`` with 1,000 stakeholders and 3 lobbyists, median of 3 x 200 steps:
#: 1.4-1.5 ms on a 2-core machine shared with other jobs; a quiet machine is up to 2x faster).
#: ``msisim list`` multiplies it by each study's runs, steps and population to estimate how
#: long the study takes on one core, so its times are upper rather than lower estimates.
SECONDS_PER_STEP_PER_1000 = 1.5e-3
#: Seconds per proposed act of a parliament's legislature (Pluchino's model; one legislature
#: of 1,000 acts in a chamber of 500 takes 5-13 ms on the same machine).
SECONDS_PER_PROPOSAL = 8e-6
#: Bytes one stakeholder of a forum holds (its ``mesa.Agent`` and its rows of the state
#: arrays), plus :data:`BYTES_PER_STAKEHOLDER_DIM` per policy dimension and 8 per lobbyist
#: (its tie strength). Measured 2026-12 as the peak resident memory a ``GovernanceModel``
#: adds over 3 steps: 275 B per stakeholder at 10^6 stakeholders in 2 dimensions, 614 B at
#: 3 x 10^5 in 10 dimensions; rounded up.
BYTES_PER_STAKEHOLDER = 250
#: Bytes one stakeholder adds per policy dimension (see :data:`BYTES_PER_STAKEHOLDER`).
BYTES_PER_STAKEHOLDER_DIM = 40
#: Bytes per seat and proposed act of a parliament's legislature (the acts x members
#: judgement matrices of the vote): peak 11 B measured with 20,000 independents and 1,000
#: acts (2026-12); rounded up.
BYTES_PER_SEAT_ACT = 12


def forum_bytes(flat: Mapping[str, Any]) -> int:
    """Memory of one forum run and its no-lobby twin (a batch keeps the twin while it runs)."""
    population = Params().population
    n = int(flat.get("n_stakeholders", population.n_stakeholders))
    d = int(flat.get("n_dims", population.n_dims))
    lobbyists = int(flat.get("n_lobbyists", Params().context.n_lobbyists))
    return 2 * n * (BYTES_PER_STAKEHOLDER + BYTES_PER_STAKEHOLDER_DIM * d + 8 * lobbyists)


def parliament_bytes(flat: Mapping[str, Any]) -> int:
    """Memory of one parliament run: its members and one legislature's judgement matrices."""
    defaults = ParliamentParams()
    seats = int(flat.get("n_seats", defaults.n_seats))
    acts = int(flat.get("n_proposals", defaults.n_proposals))
    return seats * BYTES_PER_STAKEHOLDER + seats * acts * BYTES_PER_SEAT_ACT


@dataclass(frozen=True)
class ModelKind:
    """One kind of model: its class, its parameters and the outcomes it reports.

    Attributes:
        name: The kind's name (``model: NAME`` in a study, ``model=NAME`` in ``msisim run``).
        doc: One-line description.
        model: The Mesa model class; built as ``model(params, rng=seed)``.
        parameters: The kind's parameter class (:class:`~msisim.params.Params`,
            :class:`~msisim.params.ParliamentParams`), built with ``from_flat(**flat)``.
        groups: The kind's parameter groups by name (declared in :mod:`msisim.params`).
        outcomes: The per-run outcomes it reports (keys of its ``summary()``).
        headline: The outcomes a study's report focuses on unless the study names its own.
        twins: Whether its runs carry counterfactual twins that the runs of a study can share
            (:mod:`msisim.study.sharing`).
        panel: Whether its runs can carry the simulated questionnaire panel
            (:func:`msisim.scorecard.panel_scorecard`).
        study_options: The model class's keywords for a study's run, given whether only
            per-run outcomes are kept (``summary_only``).
        seconds_per_step: Expected seconds of one step of a run with these flat parameters
            (``msisim list``'s estimate).
        memory_bytes: Expected peak bytes of one run with these flat parameters (a study
            refuses runs that would not fit in memory, :mod:`msisim.study.bounds`).
        averaging: How a run's outcomes are aggregated over its steps, in words (reports).
    """

    name: str
    doc: str
    model: type
    parameters: Any
    groups: Mapping[str, type]
    outcomes: tuple[str, ...]
    headline: tuple[str, ...]
    twins: bool
    panel: bool
    study_options: Callable[[bool], dict[str, Any]]
    seconds_per_step: Callable[[Mapping[str, Any]], float]
    averaging: str
    memory_bytes: Callable[[Mapping[str, Any]], int] = lambda _flat: 0  # 0: not estimated

    def parameter_names(self) -> tuple[str, ...]:
        """Every parameter the kind reads, in group order."""
        return tuple(f.name for cls in self.groups.values() for f in fields(cls))

    def params(self, flat: Mapping[str, Any], n_steps: int | None = None) -> Any:
        """The kind's validated parameters from flat keywords (``n_steps`` sets the run length).

        Raises:
            ValueError: A value the kind refuses, or a parameter of another kind (one line).
        """
        extra = {} if n_steps is None else {"n_steps": n_steps}
        return self.parameters.from_flat(**{**flat, **extra})

    def build(self, flat: Mapping[str, Any], *, rng: Any, n_steps: int, **options: Any) -> Any:
        """A model of this kind, not yet run (``options``: the model class's own keywords)."""
        return self.model(self.params(flat, n_steps), rng=rng, **options)


MODEL_KINDS: Registry[ModelKind] = Registry("model kind", "model")

MODEL_KINDS.add(
    "forum",
    ModelKind(
        name="forum",
        doc="a multistakeholder forum: its population, seats or open rounds, lobby and twins",
        model=GovernanceModel,
        parameters=Params,
        groups=GROUPS,
        outcomes=tuple(
            key for key in summary_keys() if key not in PARLIAMENT_OUTCOMES or key == "steps"
        ),
        headline=("lobby_bias", "rose", "congruence"),
        twins=True,
        panel=True,
        study_options=lambda summary_only: {"collect": False, "summary_only": summary_only},
        seconds_per_step=lambda flat: (
            int(flat.get("n_stakeholders", 1000)) / 1000 * SECONDS_PER_STEP_PER_1000
        ),
        averaging=(
            "Outcomes are each run's mean over the second half of its steps (the summary "
            "window; scorecard cells and the governance index too)."
        ),
        memory_bytes=forum_bytes,
    ),
)
MODEL_KINDS.add(
    "parliament",
    ModelKind(
        name="parliament",
        doc="the two-party chamber of Pluchino et al. (2011) that votes acts",
        model=Parliament,
        parameters=ParliamentParams,
        groups={"parliament": ParliamentParams},
        outcomes=PARLIAMENT_OUTCOMES,
        headline=("legislative_efficiency",),
        twins=False,
        panel=False,
        study_options=lambda _summary_only: {},
        seconds_per_step=lambda flat: int(flat.get("n_proposals", 1000)) * SECONDS_PER_PROPOSAL,
        averaging="Outcomes are each run's mean over all its legislatures (one per step).",
        memory_bytes=parliament_bytes,
    ),
)


def model_kind(name: Any) -> ModelKind:
    """The registered kind ``name``; an unknown name raises the registry's one-line error."""
    return MODEL_KINDS[name]
