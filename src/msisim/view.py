"""Read-only views of a run: what outcomes may read, and nothing they could change.

An outcome (:mod:`msisim.outcomes`) never sees the model. Per-step outcomes read this step's
:class:`ForumView` (through an :class:`~msisim.outcomes.Observation`); run outcomes read the
view at the end of the run, beside the run's per-step table. Every array a view hands out is
a read-only numpy view onto the model's own array (``writeable=False``, no copy), so an
outcome that tries to change the run raises instead.

*Whole-run records* (:data:`RECORDS`: the shock responses, the excess error, the scorecard,
the panel, the no-lobby twin, the seat selections, a parliament's legislatures) are read
only by run outcomes that declare them in ``needs``: the view a run outcome receives refuses
the records it did not declare, and the model keeps a record such as ``seat_selections`` only
when a registered outcome needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Self, TypeVar

import numpy as np

T = TypeVar("T")

#: Whole-run records a run outcome may declare in ``needs``, with what each holds.
RECORDS: Mapping[str, str] = MappingProxyType(
    {
        "shock_responses": "each shock's pass-through and the changes it caused against the "
        "no-shock twin",
        "excess_error": "congruence error in excess of the no-shock twin's, every step",
        "scorecard": "the governance scorecard over the summary window",
        "panel": "the panel's questionnaire on the scorecard (with 'scorecard')",
        "lobby_twin": "the no-lobby twin's view",
        "seat_selections": "each seat selection: step, seats filled, seats that changed hands",
        "legislatures": "a parliament's legislatures (acts proposed, passed, their gain)",
    }
)


def read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view onto ``array`` (no copy: it follows the array's later changes)."""
    view = array.view()
    view.flags.writeable = False
    return view


class UndeclaredNeed(ValueError, KeyError):
    """An outcome read a whole-run input it did not declare in ``needs``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class RunView:
    """What every model kind shows its run outcomes: the step reached, parameters, records.

    Args:
        model: The model viewed (kept private; outcomes read the view's fields only).
        declared: Whole-run records this view may hand out (``None``: every record, for
            the model's own use).
        outcome: Name of the outcome the view was made for (for error messages).
    """

    def __init__(
        self, model: Any, declared: frozenset[str] | None = None, outcome: str = ""
    ) -> None:
        self._model = model
        self._declared = declared
        self._outcome = outcome
        self._per_step: dict[str, tuple[int, Any]] = {}

    def declaring(self, needs: Iterable[str], outcome: str) -> Self:
        """A view of the same run that hands out only the records in ``needs``."""
        view = type(self).__new__(type(self))
        view.__dict__.update(self.__dict__)
        view._declared = frozenset(needs) & frozenset(RECORDS)
        view._outcome = outcome
        return view

    def _record(self, name: str) -> None:
        """Refuse a whole-run record this view's outcome did not declare."""
        if self._declared is not None and name not in self._declared:
            raise UndeclaredNeed(
                f"outcome {self._outcome!r} reads the whole-run record {name!r} without "
                f"declaring it: add {name!r} to needs= in its outcome(...) declaration"
            )

    def per_step(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, kept for the rest of this step (a cache owned by the view)."""
        cached = self._per_step.get(key)
        if cached is not None and cached[0] == self.step:
            return cached[1]
        value = compute()
        self._per_step[key] = (self.step, value)
        return value

    @property
    def step(self) -> int:
        """Steps taken so far (the step this view describes)."""
        return int(self._model.steps)

    @property
    def params(self) -> Any:
        """The run's parameters (:class:`msisim.params.Params`, frozen)."""
        return self._model.params

    def scorecard(self, **weights: Any) -> Any:
        """Record ``scorecard``: the scorecard over the summary window (a new table)."""
        self._record("scorecard")
        return self._model.scorecard(**weights)

    def questionnaire(self, n_respondents: int, **options: Any) -> Any:
        """Record ``panel``: the panel's answers (drawn on a copy of the run's stream)."""
        self._record("panel")
        return self._model.questionnaire(n_respondents, **options)

    @property
    def legislatures(self) -> tuple[Mapping[str, float], ...]:
        """Record ``legislatures``: one row per legislature (empty for a forum)."""
        self._record("legislatures")
        return tuple(MappingProxyType(r) for r in getattr(self._model, "legislatures", ()))


class ForumView(RunView):
    """A read-only view of a forum (:class:`msisim.GovernanceModel`).

    Per-step fields describe the forum after this step's decision; arrays are read-only
    numpy views onto the model's (indexed by stakeholder unless said otherwise).

    Attributes:
        category_names: The categories, in code order.
        n_categories: Number of categories ``K``.
        grassroots: Code of the grassroots (most affected) category.
        shocks: The run's shocks at the steps they fall (frozen).
    """

    def __init__(self, model: Any, declared: frozenset[str] | None = None) -> None:
        super().__init__(model, declared)
        self.category_names: tuple[str, ...] = model.category_names
        self.n_categories: int = model.n_categories
        self.grassroots: int = model.grassroots_code
        self.shocks: tuple[Any, ...] = model.shocks
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._selections: list[tuple[float, float, float]] = []
        self._last_seated: np.ndarray = model.stakeholders.seated  # before the first selection

    def _ro(self, key: str, array: np.ndarray) -> np.ndarray:
        """A read-only view of ``array``, kept until the model replaces the array."""
        cached = self._arrays.get(key)
        if cached is None or cached[0] is not array:
            cached = (array, read_only(array))
            self._arrays[key] = cached
        return cached[1]

    # ------------------------------------------------------------------ stakeholders

    @property
    def category(self) -> np.ndarray:
        """Category code of each stakeholder, ``int64[N]``."""
        return self._ro("category", self._model.stakeholders.category)

    @property
    def position(self) -> np.ndarray:
        """True interests, ``float64[N, d]``."""
        return self._ro("position", self._model.stakeholders.position)

    @property
    def advocated(self) -> np.ndarray:
        """Positions argued and voted for, ``float64[N, d]``."""
        return self._ro("advocated", self._model.stakeholders.advocated)

    @property
    def voice(self) -> np.ndarray:
        """Voice weights this round, ``float64[N]``."""
        return self._ro("voice", self._model.stakeholders.voice)

    @property
    def affectedness(self) -> np.ndarray:
        """Affectedness, ``float64[N]`` in [0, 1]."""
        return self._ro("affectedness", self._model.stakeholders.affectedness)

    @property
    def engagement(self) -> np.ndarray:
        """Engagement, ``float64[N]`` in [0, 1]."""
        return self._ro("engagement", self._model.stakeholders.engagement)

    @property
    def resources(self) -> np.ndarray:
        """Resources, ``float64[N]``."""
        return self._ro("resources", self._model.stakeholders.resources)

    @property
    def distance_to_policy(self) -> np.ndarray:
        """Distance of each true interest to the policy after this step's decision."""
        return self._ro("distance_to_policy", self._model.stakeholders.distance_to_policy)

    @property
    def lobby_aligned(self) -> np.ndarray:
        """Whether each stakeholder's interest lies nearer the lobby than the median's."""
        return self._ro("lobby_aligned", self._model.lobby_aligned)

    # ------------------------------------------------------------------ the room

    @property
    def members(self) -> np.ndarray:
        """Indices of this round's real members (seat holders and admitted attendees)."""
        return self._ro("members", self._model.members)

    @property
    def member(self) -> np.ndarray:
        """Membership mask this round, ``bool[N]``."""
        return self._ro("member", self._model.stakeholders.member)

    @property
    def seated(self) -> np.ndarray:
        """Seat holders, ``bool[N]`` (all False for a forum without seats)."""
        return self._ro("seated", self._model.stakeholders.seated)

    @property
    def candidates(self) -> np.ndarray:
        """Who this round's members were chosen from, ``bool[N]``."""
        return self._ro("candidates", self._model.candidates)

    @property
    def recused(self) -> np.ndarray:
        """Members recused from this round's decision (mask over the room)."""
        return self._ro("recused", self._model.recused)

    @property
    def room(self) -> np.ndarray:
        """Advocated positions in the room at the decision, ``float64[n_room, d]``."""
        return self._ro("room", self._model.room)

    @property
    def ties(self) -> np.ndarray:
        """Tie of each lobby with each stakeholder, ``float64[K, N]`` (the main lobby first)."""
        return self._ro("ties", self._model.lobby_state.ties)

    @property
    def n_paid(self) -> int:
        """Paid (astroturf) participants in the room this round."""
        return int(self._model.lobby_state.n_paid)

    @property
    def paid_claims(self) -> np.ndarray:
        """Categories the paid participants claim, ``int64[K]``."""
        return self._ro("paid_claims", self._model.lobby_state.paid_claims)

    @property
    def paid_voice(self) -> float:
        """Voice of each paid participant this round."""
        return float(self._model.lobby_state.paid_voice)

    # ------------------------------------------------------------------ policy and ideals

    @property
    def policy(self) -> np.ndarray:
        """The policy after this step's decision, ``float64[d]``."""
        return self._ro("policy", self._model.forum.policy)

    @property
    def adopted(self) -> bool:
        """Whether this round's proposal was adopted."""
        return bool(self._model.forum.adopted)

    @property
    def selector_capture(self) -> float:
        """Capture level of the selector/convener used this round."""
        return float(self._model.forum.selector_capture)

    @property
    def public_ideal(self) -> np.ndarray:
        """Affectedness-weighted mean interest, ``float64[d]``."""
        return self._ro("public_ideal", self._model.public_ideal)

    @property
    def public_median(self) -> np.ndarray:
        """Coordinate-wise affectedness-weighted median interest, ``float64[d]``."""
        return self._ro("public_median", self._model.public_median)

    @property
    def lobby_ideal(self) -> np.ndarray:
        """The lobby's ideal policy, ``float64[d]``."""
        return self._ro("lobby_ideal", self._model.lobby_ideal)

    @property
    def sample_positions(self) -> np.ndarray:
        """Interests of the viewpoint sample, ``float64[n_sample, d]``."""
        return self._ro("sample_positions", self._model.sample_positions)

    @property
    def population_distribution(self) -> tuple[np.ndarray, np.ndarray]:
        """The viewpoint sample's affectedness-weighted interests, per coordinate.

        :func:`msisim.metrics.distribution_of`, kept until interests move.
        """
        return self._model.population_distribution

    @property
    def population_at_values(self) -> np.ndarray | None:
        """:func:`msisim.metrics.distribution_at_values` of ``population_distribution``."""
        return self._model.population_at_values

    # ------------------------------------------------------------------ categories

    @property
    def population_shares(self) -> np.ndarray:
        """Each category's share of the population, ``float64[K]``."""
        return self._ro("population_shares", self._model.population_shares)

    @property
    def true_population_shares(self) -> np.ndarray:
        """Population shares with paid participants as a category of share 0, ``[K + 1]``."""
        return self._ro("true_population_shares", self._model.true_population_shares)

    @property
    def affected_shares(self) -> np.ndarray:
        """Each category's share of the summed affectedness, ``float64[K]``."""
        return self._ro("affected_shares", self._model.affected_shares)

    @property
    def category_medians(self) -> np.ndarray:
        """Coordinate-wise median interest of each category, ``float64[K, d]``."""
        return self._ro("category_medians", self._model.category_medians)

    # ------------------------------------------------------------------ derived (pure)

    @property
    def has_lobby_twin(self) -> bool:
        """Whether a no-lobby twin runs beside this forum."""
        return self._model.lobby_twin is not None

    @property
    def lobby_acts(self) -> bool:
        """Whether a lobby acts in this forum."""
        return bool(self._model.lobby_acts)

    def random_body_baselines(self, body_size: int) -> tuple[float, float]:
        """Expected Rose index and viewpoint coverage of a random body of ``body_size``."""
        return self._model.random_body_baselines(body_size)

    def tilt_record(self) -> Mapping[str, float]:
        """This forum's ``lobby_bias`` and its tilt parts now."""
        return MappingProxyType(self._model.tilt_record())

    def tilt_path(self) -> list[float]:
        """This forum's :func:`msisim.metrics.tilt_path` now (a new list; the last is its bias)."""
        return self._model.tilt_path()

    def lobby_captures(self) -> Mapping[str, float]:
        """Each lobby's capture toward its own ideal now (the main lobby's is ``lobby``)."""
        return MappingProxyType(self._model.lobby_captures())

    def twin_record(self) -> Mapping[str, float]:
        """The no-lobby twin's ``lobby_bias`` and tilt parts at this step (read-only)."""
        return MappingProxyType(self._model.twin_record())

    # ------------------------------------------------------------------ whole-run records

    @property
    def shock_responses(self) -> tuple[Mapping[str, float], ...]:
        """Record ``shock_responses``: each shock read, ``pass_through_lag`` steps after it.

        ``step``, ``pass_through``, and the changes it caused against the no-shock twin,
        ``ideal_change_j`` (public ideal) and ``policy_change_j`` (policy) per dimension ``j``.
        """
        self._record("shock_responses")
        return tuple(MappingProxyType(r) for r in self._model.shock_responses)

    @property
    def excess_error(self) -> np.ndarray:
        """Record ``excess_error``: congruence error minus the no-shock twin's, per step."""
        self._record("excess_error")
        return read_only(np.asarray(self._model.excess_error, dtype=float))

    @property
    def seat_selections(self) -> np.ndarray:
        """Record ``seat_selections``: one row per selection, ``(step, seats, changed)``.

        ``seats`` is the number of seat holders after the selection, ``changed`` the number
        of them who did not hold a seat before it (the seats that changed hands). A
        selection is a new seat mask (the model replaces it at each selection, never
        modifying it in place), so a selection that re-seats everyone counts with 0 changes.
        """
        self._record("seat_selections")
        return read_only(np.array(self._selections, dtype=float).reshape(-1, 3))

    @property
    def lobby_twin(self) -> ForumView | None:
        """Record ``lobby_twin``: the no-lobby twin's view (same declarations), or None."""
        self._record("lobby_twin")
        twin = self._model.lobby_twin
        if twin is None:
            return None
        view: ForumView = twin.view
        return view if self._declared is None else view.declaring(self._declared, self._outcome)

    # ------------------------------------------------------------------ recording

    def note_step(self, records: frozenset[str]) -> None:
        """Keep this step's part of the records in ``records`` (called by the model each step)."""
        if "seat_selections" in records:
            seated, last = self._model.stakeholders.seated, self._last_seated
            if seated is not last:  # a selection replaced the seat mask
                changed = float(np.count_nonzero(seated & ~last))
                seats = float(np.count_nonzero(seated))
                self._selections.append((float(self.step), seats, changed))
                self._last_seated = seated
