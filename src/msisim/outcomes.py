"""The outcomes table: every metric declared once, with what people and code need to know.

Each outcome is one :func:`outcome` declaration beside the function that computes it: its
name, human label, unit and range, direction (is higher better, lower better, or neither)
and how a run aggregates it (mean over the summary window, last value, rate of a 0/1 event,
or computed from the whole run). The model's per-step columns and ``summary()``, report
labels, the regret direction of design comparisons, the app's plot titles and the ODD check
all read this table (:data:`OUTCOMES`); nothing else lists metric names.

Outcomes never see the model: they read a read-only :class:`~msisim.view.ForumView` of the
forum. Per-step outcomes are computed from an :class:`Observation` of that view, built once per
step (its tallies are computed when first read); the formulas themselves are the pure
functions of :mod:`msisim.metrics` and :mod:`msisim.scorecard`. Run outcomes are computed
once from the view at the end of the run and the run's per-step table, and declare in
``needs`` every whole-run input they read: the per-step outcomes whose values they need in
*every* step (a run that records full metrics only in the summary window, ``summary_only``,
still records these), and the view's whole-run records (:data:`msisim.view.RECORDS`). Reading
an undeclared input raises :class:`~msisim.view.UndeclaredNeed`, in every run, so a run
outcome cannot silently read ``NaN`` in a study. Adding a metric is one declaration, here or
in a user's own file (``examples/plugins/member_turnover.py``)::

    @outcome("mean_voice", "mean voice of members", unit="voice weight", lo=0,
             direction="neither")
    def _mean_voice(o: Observation) -> float:
        return float(o.voice_members.mean()) if o.voice_members.size else 0.0

    @outcome("worst_congruence_error", "worst congruence error of the run", unit="distance",
             lo=0, direction="lower", aggregate="run", needs=("congruence_error",))
    def _worst(view: ForumView, table: StepTable) -> float:
        return float(table["congruence_error"].max())
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np

from msisim import metrics
from msisim import scorecard as scorecards
from msisim.registry import Registry
from msisim.view import RECORDS, ForumView, RunView, UndeclaredNeed

Direction = Literal["higher", "lower", "neither"]
Aggregate = Literal["mean", "last", "rate", "run", "row"]
Family = Literal["category", "dimension"]


@dataclass(frozen=True)
class Outcome:
    """One declared outcome.

    Attributes:
        name: Column name (per step) and key of ``summary()`` (unless ``summary_name``).
        label: Human label for tables, figures and the app.
        unit: Unit or kind of number (``"index"``, ``"share"``, ``"steps"``, ...).
        lo: Lowest possible value (``None`` = unbounded).
        hi: Highest possible value (``None`` = unbounded).
        direction: ``higher`` or ``lower`` is better, or ``neither`` (a count, a position).
        aggregate: How a run summarises it: ``mean`` over the summary window, ``last``
            value, ``rate`` (mean of a 0/1 event, reported as ``summary_name``), ``run``
            (computed from the whole run; absent from the per-step table) or ``row`` (a
            per-step column that labels the row, such as ``step``: not summarised).
        compute: Per step ``(Observation) -> float`` (an array for a family); for ``run``
            outcomes ``(view, table) -> float | None`` (``None`` = not applicable), with
            ``view`` a :class:`~msisim.view.RunView` (a :class:`~msisim.view.ForumView` for a
            forum) and ``table`` the run's :class:`StepTable`.
        doc: One-line meaning (formula and source are in the function's docstring).
        summary_name: Key in ``summary()`` when it differs from ``name``.
        family: ``category`` (one column per category, ``<name>_<category>``) or
            ``dimension`` (``<name>_<j>``), or ``None``.
        needs: Whole-run inputs. A run outcome names the per-step outcomes it reads from
            the table (recorded in every step, even before the summary window) and the
            view's records it reads (:data:`msisim.view.RECORDS`). A per-step outcome names
            ``lobby_twin`` when it reads the no-lobby twin's record of the step.
    """

    name: str
    label: str
    unit: str
    lo: float | None
    hi: float | None
    direction: Direction
    aggregate: Aggregate
    compute: Callable[..., Any]
    doc: str
    summary_name: str | None = None
    family: Family | None = None
    needs: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The outcome's key in ``summary()``."""
        return self.summary_name or self.name

    def clip_range(self) -> tuple[float, float]:
        """``(lo, hi)`` with infinities for open ends (for intervals and axes)."""
        return (
            -math.inf if self.lo is None else float(self.lo),
            math.inf if self.hi is None else float(self.hi),
        )


#: Every outcome, by name, in column order.
OUTCOMES: Registry[Outcome] = Registry("outcome", "outcome")


def outcome(
    name: str,
    label: str,
    *,
    unit: str,
    lo: float | None = None,
    hi: float | None = None,
    direction: Direction,
    aggregate: Aggregate = "mean",
    summary_name: str | None = None,
    family: Family | None = None,
    needs: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an outcome: decorate the function that computes it (its docstring is its doc).

    The public way to add an outcome, in this module or in a plugin file; see :class:`Outcome`
    for the fields. ``OUTCOMES.remove(name)`` unregisters one (``OUTCOMES.temporary()`` undoes
    every registration made inside it).
    """
    needs = (needs,) if isinstance(needs, str) else tuple(needs)
    if aggregate != "run" and set(needs) - {"lobby_twin"}:
        raise ValueError(
            f"outcome {name!r}: needs={needs!r} is invalid for a per-step outcome: it may only "
            "need 'lobby_twin'"
        )

    def register(compute: Callable[..., Any]) -> Callable[..., Any]:
        doc = (compute.__doc__ or "").strip().splitlines()[0] if compute.__doc__ else label
        OUTCOMES.add(
            name,
            Outcome(name, label, unit, lo, hi, direction, aggregate, compute, doc, summary_name,
                    family, needs),
        )  # fmt: skip
        return compute

    return register


# --------------------------------------------------------------------------- observation


class Observation(scorecards.RoomTallies):
    """What the per-step outcomes read of this step's :class:`~msisim.view.ForumView`.

    *Measured* composition counts paid participants under the categories they claim (as the
    forum sees it); *true* composition counts them as a category of their own with
    population share 0. The room's tallies by category (:class:`msisim.scorecard.RoomTallies`)
    are shared with the scorecard's cells. Each tally is computed when first read and kept
    for the step, so a step that needs only a few outcomes computes only what they read.

    Attributes:
        view: The forum's read-only view at this step (``o.view.policy``, ...).
        simulation: The run's simulation settings.
    """

    def __init__(self, view: ForumView) -> None:
        super().__init__(view)
        self.view = view
        self.simulation = view.params.simulation
        self.population_shares = view.population_shares
        self.grassroots = view.grassroots

    @cached_property
    def head_shares(self) -> np.ndarray:
        """Categories' shares of the room by headcount, paid participants as they claim."""
        if self.n_paid == 0:  # nobody paid, nobody claims a category: the room's own
            return self.member_shares
        return metrics.shares(self.member_counts + self.view.paid_claims)

    @cached_property
    def voice_shares(self) -> np.ndarray:
        """Categories' shares of the room's voice, paid participants as they claim."""
        view = self.view
        if self.n_paid == 0:
            return self.member_voice_shares
        return metrics.shares(self.member_voice + view.paid_claims * view.paid_voice)

    @cached_property
    def true_shares(self) -> np.ndarray:
        """Shares of the room with paid participants as a category of their own (``K + 1``)."""
        n_paid = self.n_paid
        if n_paid == 0:  # (whole counts: the same sums as with the paid column)
            return np.append(self.member_shares, 0.0)
        return metrics.shares(np.concatenate((self.member_counts, [n_paid])))

    @cached_property
    def n_paid(self) -> int:
        """Paid participants in the room."""
        return self.view.n_paid

    @cached_property
    def body_size(self) -> int:
        """Everyone in the room: real members and paid participants."""
        return int(self.members.shape[0] + self.n_paid)

    @cached_property
    def n_dims(self) -> int:
        """Dimensions of the policy space."""
        return int(self.view.policy.shape[0])

    @cached_property
    def error(self) -> float:
        """Congruence error of the policy to the public ideal."""
        return metrics.congruence_error(self.view.policy, self.view.public_ideal)

    @cached_property
    def rose(self) -> float:
        """Rose index by headcount (measured)."""
        return metrics.rose_index(self.head_shares, self.population_shares)

    @cached_property
    def _baselines(self) -> tuple[float, float]:
        return self.view.random_body_baselines(self.body_size)

    @cached_property
    def expected_rose(self) -> float:
        """Expected Rose index of a random body of the room's size."""
        return self._baselines[0]

    @cached_property
    def expected_coverage(self) -> float:
        """Expected viewpoint coverage of a random body of the room's size."""
        return self._baselines[1]

    @cached_property
    def coverage(self) -> float:
        """Viewpoint coverage of the positions advocated in the room."""
        return metrics.viewpoint_coverage(
            self.view.sample_positions, self.view.room, self.simulation.viewpoint_radius
        )

    @cached_property
    def many_to_many(self) -> float:
        """Wasserstein-1 distance between the population's and the room's positions."""
        view = self.view
        return metrics.many_to_many_distance(
            view.population_distribution, view.room, view.population_at_values
        )

    @cached_property
    def _tilt(self) -> tuple[float, float, dict[str, float]]:
        view = self.view
        if not view.has_lobby_twin and not view.lobby_acts:  # the run is its own twin
            path = view.tilt_path()  # its last value is the lobby bias (as in tilt_record)
            return path[-1], path[-1], metrics.parts_of_path(path)
        lobby_bias = metrics.lobby_bias(view.policy, view.public_ideal, view.lobby_ideal)
        if view.has_lobby_twin:
            twin = view.twin_record()
            return lobby_bias, twin["lobby_bias"], {p: twin[p] for p in metrics.TILT_PARTS}
        # a lobby acts but no twin was run: capture is unknown
        return lobby_bias, math.nan, dict.fromkeys(metrics.TILT_PARTS, math.nan)

    @cached_property
    def lobby_bias(self) -> float:
        """Projection of the policy on the public-ideal-to-lobby axis."""
        return self._tilt[0]

    @cached_property
    def tilt(self) -> float:
        """The no-lobby twin's lobby bias (the structural tilt); NaN when unknown."""
        return self._tilt[1]

    @cached_property
    def tilt_parts(self) -> dict[str, float]:
        """The structural tilt's parts (:data:`msisim.metrics.TILT_PARTS`)."""
        return self._tilt[2]


# --------------------------------------------------------------------------- per step


@outcome("step", "step", unit="step", lo=0, direction="neither", aggregate="row")
def _step(o: Observation) -> float:
    """The step (round) the row describes."""
    return float(o.view.step)


@outcome("n_members", "members in the room", unit="count", lo=0, direction="neither")
def _n_members(o: Observation) -> float:
    """Real members this round: seat holders and admitted attendees (paid ones excluded)."""
    return float(o.members.shape[0])


@outcome("n_paid", "paid participants in the room", unit="count", lo=0, direction="lower")
def _n_paid(o: Observation) -> float:
    """Participants paid by the lobby (astroturf) in the room this round."""
    return float(o.n_paid)


@outcome("rose", "Rose index (measured)", unit="index", lo=0, hi=1, direction="higher")
def _rose(o: Observation) -> float:
    """Rose index by headcount, paid participants counted as the categories they claim."""
    return o.rose


@outcome("true_rose", "Rose index (true)", unit="index", lo=0, hi=1, direction="higher")
def _true_rose(o: Observation) -> float:
    """Rose index with paid participants as a category of their own (population share 0)."""
    return metrics.rose_index(o.true_shares, o.view.true_population_shares)


@outcome("rose_voice", "Rose index by voice", unit="index", lo=0, hi=1, direction="higher")
def _rose_voice(o: Observation) -> float:
    """Rose index of voice shares against population shares."""
    return metrics.rose_index(o.voice_shares, o.population_shares)


@outcome(
    "rose_affected", "Rose index (affectedness-weighted)", unit="index", lo=0, hi=1,
    direction="higher",
)  # fmt: skip
def _rose_affected(o: Observation) -> float:
    """Rose index of headcount shares against affectedness-weighted population shares."""
    return metrics.rose_index(o.head_shares, o.view.affected_shares)


@outcome(
    "expected_rose", "expected Rose index of a random body", unit="index", lo=0, hi=1,
    direction="neither",
)  # fmt: skip
def _expected_rose(o: Observation) -> float:
    """Expected Rose index of a body of the same size drawn at random without replacement."""
    return o.expected_rose


@outcome(
    "rose_gap", "Rose index minus its random-selection expectation", unit="index", lo=-1,
    hi=1, direction="higher",
)  # fmt: skip
def _rose_gap(o: Observation) -> float:
    """Measured Rose index minus the expected Rose index of a random body of the same size."""
    return o.rose - o.expected_rose


@outcome(
    "grassroots_share", "grassroots share of members", unit="share", lo=0, hi=1,
    direction="higher",
)  # fmt: skip
def _grassroots_share(o: Observation) -> float:
    """Grassroots (most affected category) share of members, as measured."""
    return float(o.head_shares[o.grassroots])


@outcome(
    "true_grassroots_share", "grassroots share of members (true)", unit="share", lo=0, hi=1,
    direction="higher",
)  # fmt: skip
def _true_grassroots_share(o: Observation) -> float:
    """Grassroots share of the room, paid participants counted apart."""
    return float(o.true_shares[o.grassroots])


@outcome(
    "grassroots_voice_share", "grassroots share of voice", unit="share", lo=0, hi=1,
    direction="higher",
)  # fmt: skip
def _grassroots_voice_share(o: Observation) -> float:
    """Grassroots share of the members' voice."""
    return float(o.voice_shares[o.grassroots])


@outcome("voice_gini", "Gini of members' voice", unit="index", lo=0, hi=1, direction="lower")
def _voice_gini(o: Observation) -> float:
    """Gini coefficient of voice among members."""
    return metrics.gini(o.voice_members)


@outcome("viewpoint_coverage", "viewpoint coverage", unit="share", lo=0, hi=1, direction="higher")
def _viewpoint_coverage(o: Observation) -> float:
    """Share of stakeholders whose interest lies within a radius of an advocated position."""
    return o.coverage


@outcome(
    "coverage_ratio", "viewpoint coverage relative to a random body of the same size",
    unit="ratio", lo=0, direction="higher",
)  # fmt: skip
def _coverage_ratio(o: Observation) -> float:
    """Viewpoint coverage over the expected coverage of a random body of the same size.

    1 = the room covers as many interests as a lottery of its size would; comparable across
    a 30-seat body and a 300-person room, unlike the coverage itself.
    """
    if o.expected_coverage <= 0:
        return 0.0
    return o.coverage / o.expected_coverage


@outcome(
    "congruence_error", "congruence error (policy to public ideal)", unit="distance", lo=0,
    direction="lower",
)  # fmt: skip
def _congruence_error(o: Observation) -> float:
    """Distance of the policy to the affectedness-weighted public ideal (Golder & Stramski)."""
    return o.error


@outcome(
    "congruence_error_median", "congruence error (to the public median)", unit="distance",
    lo=0, direction="lower",
)  # fmt: skip
def _congruence_error_median(o: Observation) -> float:
    """Distance of the policy to the coordinate-wise weighted median of interests."""
    return metrics.congruence_error(o.view.policy, o.view.public_median)


@outcome(
    "many_to_many_distance", "distance between the population's and the room's positions",
    unit="distance", lo=0, hi=1, direction="lower",
)  # fmt: skip
def _many_to_many_distance(o: Observation) -> float:
    """Many-to-many congruence: Wasserstein-1 distance, population vs room, per coordinate.

    The affectedness-weighted distribution of true positions (estimated on the fixed
    viewpoint sample) against that of the advocated positions in the room (paid
    participants included), Golder & Stramski (2010)
    (:func:`msisim.metrics.many_to_many_distance`); ``congruence`` is ``1 -`` it. Unlike
    ``congruence_error`` (the policy's distance to the public ideal) it asks whether the room
    holds the population's spread of views, not only its centre.
    """
    return o.many_to_many


@outcome(
    "mean_citizen_distance", "mean citizen distance to the policy", unit="distance", lo=0,
    direction="lower",
)  # fmt: skip
def _mean_citizen_distance(o: Observation) -> float:
    """Affectedness-weighted mean distance of interests to the policy (many-to-many)."""
    return metrics.mean_citizen_distance(o.view.distance_to_policy, o.view.affectedness)


@outcome(
    "congruence", "many-to-many congruence (1 - W1 distance, population vs room)",
    unit="index", lo=0, hi=1, direction="higher",
)  # fmt: skip
def _congruence(o: Observation) -> float:
    """Many-to-many congruence ``1 - many_to_many_distance`` (Golder & Stramski 2010).

    How closely the distribution of the positions argued in the room matches the
    affectedness-weighted distribution of the population's interests (1 = identical
    distributions; the Wasserstein-1 distance per coordinate lies in [0, 1]). It says whether
    the room holds the population's spread of views, not where the policy sits: read it
    beside ``structural_tilt`` and ``lobby_bias``, which place the policy. The policy's
    distance to the public ideal is ``congruence_error`` (``policy_congruence`` on a 0..1
    scale).
    """
    return 1.0 - o.many_to_many


@outcome(
    "policy_congruence", "policy congruence (1 - policy error / max distance)", unit="index",
    lo=0, hi=1, direction="higher",
)  # fmt: skip
def _policy_congruence(o: Observation) -> float:
    """Many-to-one congruence of the policy ``1 - congruence error / sqrt(d)``.

    How close the policy is to the public ideal now (the measure called ``congruence`` until
    the many-to-many measure took that name); how it *moves* after a change of interests is
    ``responsiveness``, ``pass_through`` and ``adaptation_half_life``.
    """
    return metrics.congruence(o.error, o.n_dims)


@outcome(
    "lobby_bias", "lobby bias (policy on the public-to-lobby axis)", unit="share of axis",
    direction="lower",
)  # fmt: skip
def _lobby_bias(o: Observation) -> float:
    """Projection of the policy on the public-ideal-to-lobby axis (0 public, 1 lobby)."""
    return o.lobby_bias


@outcome(
    "structural_tilt", "structural tilt (no-lobby lobby bias)", unit="share of axis",
    direction="lower", needs=("lobby_twin",),
)  # fmt: skip
def _structural_tilt(o: Observation) -> float:
    """Lobby bias of the no-lobby twin: the tilt the forum has toward the lobby without one."""
    return o.tilt


@outcome(
    "tilt_reference", "tilt from the reference point (heads vs affectedness)",
    unit="share of axis", direction="neither", needs=("lobby_twin",),
)  # fmt: skip
def _tilt_reference(o: Observation) -> float:
    """Part of the structural tilt from counting heads instead of weighting by affectedness."""
    return o.tilt_parts["reference"]


@outcome(
    "tilt_selection", "tilt from who is selected or attends", unit="share of axis",
    direction="neither", needs=("lobby_twin",),
)  # fmt: skip
def _tilt_selection(o: Observation) -> float:
    """Part of the structural tilt from the members' true positions vs everyone's."""
    return o.tilt_parts["selection"]


@outcome(
    "tilt_deliberation", "tilt from deliberation (advocated vs true)", unit="share of axis",
    direction="neither",
)  # fmt: skip
def _tilt_deliberation(o: Observation) -> float:
    """Part of the structural tilt from members advocating other than their true positions."""
    return o.tilt_parts["deliberation"]


@outcome(
    "tilt_voice", "tilt from voice weighting", unit="share of axis", direction="neither",
    needs=("lobby_twin",),
)  # fmt: skip
def _tilt_voice(o: Observation) -> float:
    """Part of the structural tilt from voice: voice-weighted vs plain mean of advocacy."""
    return o.tilt_parts["voice"]


@outcome(
    "tilt_decision", "tilt from the decision (rule, inertia)", unit="share of axis",
    direction="neither", needs=("lobby_twin",),
)  # fmt: skip
def _tilt_decision(o: Observation) -> float:
    """Part of the structural tilt from the decision: the policy vs the voice-weighted mean."""
    return o.tilt_parts["decision"]


@outcome(
    "capture", "capture (policy moved by the lobby)", unit="share of axis", direction="lower",
    needs=("lobby_twin",),
)  # fmt: skip
def _capture(o: Observation) -> float:
    """Lobby bias minus the no-lobby twin's: displacement the lobby caused (0 with no lobby)."""
    return o.lobby_bias - o.tilt


@outcome(
    "counter_capture", "capture by the further lobbies (each toward its own ideal)",
    unit="share of axis", direction="neither", needs=("lobby_twin",),
)  # fmt: skip
def _counter_capture(o: Observation) -> float:
    """Mean capture of the further lobbies, each toward its own ideal, against the twin.

    The further lobbies are ``lobbies``; 0 without any (none moved the policy).
    """
    captures = list(o.view.lobby_captures().values())[1:]
    return float(np.mean(captures)) if captures else 0.0


@outcome(
    "capture_share", "capture share (of the remaining way to the lobby)", unit="share",
    hi=1, direction="lower", needs=("lobby_twin",),
)  # fmt: skip
def _capture_share(o: Observation) -> float:
    """Share of the twin's remaining distance to the lobby ideal that the lobby closed."""
    room = 1.0 - o.tilt
    return (o.lobby_bias - o.tilt) / room if abs(room) > 1e-9 else 0.0


@outcome(
    "captured_share", "share of members strongly tied to the lobby", unit="share", lo=0, hi=1,
    direction="lower",
)  # fmt: skip
def _captured_share(o: Observation) -> float:
    """Share of members whose combined lobby tie is at least ``strong_tie``."""
    return (
        float(np.count_nonzero(o.tie >= o.simulation.strong_tie) / o.tie.size)
        if o.tie.size
        else 0.0
    )


@outcome("mean_tie", "mean lobby tie of members", unit="tie", lo=0, hi=1, direction="lower")
def _mean_tie(o: Observation) -> float:
    """Mean combined lobby tie of members."""
    return float(o.tie.sum() / o.tie.size) if o.tie.size else 0.0


@outcome(
    "selection_odds_ratio", "odds ratio: lobby-aligned in forum vs candidate pool",
    unit="odds ratio", lo=0, direction="neither",
)  # fmt: skip
def _selection_odds_ratio(o: Observation) -> float:
    """Odds of lobby-aligned stakeholders among members over their odds in the candidate pool.

    The pool is who the members were chosen from: the candidates at the last seat selection
    (seated bodies; everyone for a plenary), this round's attendees before gatekeeping (open
    rounds). So the ratio measures the selector's (or convener's) bias, not self-selection.
    """
    aligned_everywhere = o.view.lobby_aligned
    aligned = int(np.count_nonzero(aligned_everywhere[o.members]))
    pool = o.view.candidates
    n_pool = int(np.count_nonzero(pool))
    pool_share = int(np.count_nonzero(aligned_everywhere & pool)) / n_pool if n_pool else 0.5
    return metrics.odds_ratio(aligned, int(o.members.shape[0]), pool_share)


@outcome("selector_capture", "selector capture", unit="level", lo=0, hi=1, direction="lower")
def _selector_capture(o: Observation) -> float:
    """Capture level of the selector/convener used this round."""
    return float(o.view.selector_capture)


@outcome("n_recused", "members recused", unit="count", lo=0, direction="neither")
def _n_recused(o: Observation) -> float:
    """Members recused from this round's decision for a strong lobby tie."""
    return float(np.count_nonzero(o.view.recused))


@outcome(
    "gridlock", "gridlock", unit="share of rounds", lo=0, hi=1, direction="lower",
    aggregate="rate", summary_name="gridlock_rate",
)  # fmt: skip
def _gridlock(o: Observation) -> float:
    """1 when this round's proposal was rejected (or nobody could decide), else 0.

    A run reports ``gridlock_rate``: the share of gridlocked rounds in the summary window.
    """
    return 0.0 if o.view.adopted else 1.0


@outcome("mean_engagement", "mean engagement", unit="propensity", lo=0, hi=1,
         direction="higher")  # fmt: skip
def _mean_engagement(o: Observation) -> float:
    """Mean engagement of the whole population."""
    engagement = o.view.engagement
    return float(engagement.sum() / engagement.size)


@outcome(
    "representation", "representation ratio", unit="ratio", lo=0, direction="neither",
    family="category",
)  # fmt: skip
def _representation(o: Observation) -> np.ndarray:
    """Representation ratio ``S_g / P_g`` of each category (1 = proportional)."""
    return metrics.representation_ratio(o.head_shares, o.population_shares)


@outcome("policy", "policy coordinate", unit="position", lo=0, hi=1, direction="neither",
         family="dimension")  # fmt: skip
def _policy(o: Observation) -> np.ndarray:
    """The policy's coordinate on each dimension."""
    return np.asarray(o.view.policy, dtype=float)


# --------------------------------------------------------------------------- whole run


@outcome(
    "adaptation_lag", "adaptation lag after a shock", unit="steps", lo=0, direction="lower",
    aggregate="run", needs=("congruence_error",),
)  # fmt: skip
def _adaptation_lag(view: ForumView, table: StepTable) -> float | None:
    """Mean steps until the congruence error is back near its pre-shock level (shocks only).

    Over the shocks that were absorbed within the run; NaN when none was (every shock
    censored: ``adaptation_censored`` is then 1), so a censored run never passes for a fast one.
    """
    lags, censored = _lags(view, table)
    if lags is None or not lags.size:
        return None
    absorbed = lags[~censored]
    return float(absorbed.mean()) if absorbed.size else math.nan


@outcome(
    "adaptation_censored", "share of shocks never absorbed", unit="share", lo=0, hi=1,
    direction="lower", aggregate="run", needs=("congruence_error",),
)  # fmt: skip
def _adaptation_censored(view: ForumView, table: StepTable) -> float | None:
    """Share of the run's shocks whose error never came back within the tolerance."""
    lags, censored = _lags(view, table)
    return float(censored.mean()) if lags is not None and lags.size else None


@outcome(
    "governance_index", "governance index (1-10)", unit="score", lo=1, hi=10,
    direction="higher", aggregate="run", needs=("scorecard",),
)  # fmt: skip
def _governance_index(view: ForumView, _table: StepTable) -> float | None:
    """Weighted scorecard index, cells averaged over the summary window (absent: no arena)."""
    card = view.scorecard()
    return None if card.empty else scorecards.governance_index(card)


def _twin_panel(view: ForumView) -> Any:
    twin = view.lobby_twin
    return None if twin is None else scorecards.panel_scorecard(twin)


@outcome(
    "panel_index", "governance index as the panel rates it (1-10)", unit="score", lo=1, hi=10,
    direction="neither", aggregate="run", needs=("scorecard", "panel"),
)  # fmt: skip
def _panel_index(view: ForumView, _table: StepTable) -> float | None:
    """Weighted mean of the panel's mean questionnaire ratings at the end of the run.

    Asked of ``panel_respondents`` well-informed persons per arena (absent when 0).
    """
    table = scorecards.panel_scorecard(view)
    return None if table.empty else scorecards.panel_index(table)


@outcome(
    "panel_error", "panel's distance from the true scorecard", unit="scale points", lo=0, hi=9,
    direction="lower", aggregate="run", needs=("scorecard", "panel"),
)  # fmt: skip
def _panel_error(view: ForumView, _table: StepTable) -> float | None:
    """Weighted mean over cells of |panel's mean rating - true (window) score|, asked at the end."""
    table = scorecards.panel_scorecard(view)
    if table.empty:
        return None
    return float(((table["panel"] - table["score"]).abs() * table["weight"]).sum())


@outcome(
    "panel_inflation", "panel index minus the true index", unit="scale points", lo=-9, hi=9,
    direction="neither", aggregate="run", needs=("scorecard", "panel"),
)  # fmt: skip
def _panel_inflation(view: ForumView, _table: StepTable) -> float | None:
    """``panel_index - governance_index``: how much rosier (> 0) the panel sees the forum."""
    table = scorecards.panel_scorecard(view)
    if table.empty:
        return None
    return scorecards.panel_index(table) - scorecards.governance_index(view.scorecard())


@outcome(
    "panel_capture_shift", "panel index moved by the lobby (vs no-lobby twin)",
    unit="scale points", lo=-9, hi=9, direction="neither", aggregate="run",
    needs=("scorecard", "panel", "lobby_twin"),
)  # fmt: skip
def _panel_capture_shift(view: ForumView, _table: StepTable) -> float | None:
    """Panel index minus the no-lobby twin's panel index (absent without a lobby or panel).

    The twin is the same run without the lobby and with no exogenous selector capture, on
    the same random streams; its panel answers the same questionnaire.
    """
    table, twin = scorecards.panel_scorecard(view), _twin_panel(view)
    if table.empty or twin is None or twin.empty:
        return None
    return scorecards.panel_index(table) - scorecards.panel_index(twin)


@outcome(
    "index_capture_shift", "true governance index moved by the lobby (vs no-lobby twin)",
    unit="scale points", lo=-9, hi=9, direction="neither", aggregate="run",
    needs=("scorecard", "panel", "lobby_twin"),
)  # fmt: skip
def _index_capture_shift(view: ForumView, _table: StepTable) -> float | None:
    """Governance index minus the no-lobby twin's (absent without a lobby or panel)."""
    table, twin = scorecards.panel_scorecard(view), view.lobby_twin
    if table.empty or twin is None or scorecards.panel_scorecard(twin).empty:
        return None
    return scorecards.governance_index(view.scorecard()) - scorecards.governance_index(
        twin.scorecard()
    )


@outcome(
    "pass_through", "pass-through of a shock to the policy", unit="share of the shift",
    direction="higher", aggregate="run", needs=("shock_responses",),
)  # fmt: skip
def _pass_through(view: ForumView, _table: StepTable) -> float | None:
    """Share of a shock's shift of the public ideal the policy followed k steps later.

    Measured against the no-shock twin on the same streams (mean over the run's shocks read
    before its end); k is ``pass_through_lag``.
    """
    values = [r["pass_through"] for r in view.shock_responses if np.isfinite(r["pass_through"])]
    return float(np.mean(values)) if values else None


def _shock_changes(view: ForumView) -> tuple[np.ndarray, np.ndarray]:
    """Each shock's change of the public ideal and of the policy, ``float64[K, d]`` each."""
    records = view.shock_responses
    d = sum(1 for key in records[0] if key.startswith("ideal_change_")) if records else 0
    ideal = np.array([[r[f"ideal_change_{j}"] for j in range(d)] for r in records])
    policy = np.array([[r[f"policy_change_{j}"] for j in range(d)] for r in records])
    return ideal.reshape(len(records), d), policy.reshape(len(records), d)


@outcome(
    "responsiveness", "responsiveness (policy change per unit of public-ideal change)",
    unit="slope", direction="higher", aggregate="run", needs=("shock_responses",),
)  # fmt: skip
def _responsiveness(view: ForumView, _table: StepTable) -> float | None:
    """Slope of the policy's change on the public ideal's change over the run's shocks.

    Achen (1978) / Soroka & Wlezien (2010): each shock's change of the public ideal and of
    the policy ``pass_through_lag`` steps later, both against the no-shock twin
    (:func:`msisim.metrics.responsiveness_slope`); 1 = the policy follows fully, 0 = not at
    all. Absent without shocks read inside the run.
    """
    if not view.shock_responses:
        return None
    slope, _ = metrics.responsiveness_slope(*_shock_changes(view))
    return None if math.isnan(slope) else slope


@outcome(
    "responsiveness_se", "standard error of responsiveness", unit="slope", lo=0,
    direction="lower", aggregate="run", needs=("shock_responses",),
)  # fmt: skip
def _responsiveness_se(view: ForumView, _table: StepTable) -> float | None:
    """Standard error of ``responsiveness`` (absent with fewer than two shocks read)."""
    if len(view.shock_responses) < 2:
        return None
    _, se = metrics.responsiveness_slope(*_shock_changes(view))
    return None if math.isnan(se) else se


@outcome(
    "adaptation_half_life", "half-life of the excess error after a shock", unit="steps",
    lo=0, direction="lower", aggregate="run", needs=("excess_error",),
)  # fmt: skip
def _adaptation_half_life(view: ForumView, _table: StepTable) -> float | None:
    """Steps until the congruence error in excess of the no-shock twin's has halved.

    Mean over the run's shocks whose excess halved within the run; NaN when none did (all
    censored; their share is ``half_life_censored``).
    """
    lives, censored = _half_lives(view)
    if lives is None:
        return None
    halved = lives[~censored]
    return float(halved.mean()) if halved.size else math.nan


@outcome(
    "half_life_censored", "share of shocks whose excess error never halved", unit="share",
    lo=0, hi=1, direction="lower", aggregate="run", needs=("excess_error",),
)  # fmt: skip
def _half_life_censored(view: ForumView, _table: StepTable) -> float | None:
    """Share of the run's shocks whose excess error over the no-shock twin never halved."""
    lives, censored = _half_lives(view)
    return None if lives is None else float(censored.mean())


def _half_lives(view: ForumView) -> tuple[Any, Any]:
    """Per shock inside the run: steps until its excess error halved, and whether it never did."""
    excess = view.excess_error
    if excess.size == 0:
        return None, None
    lives, censored = [], []
    for shock in view.shocks:
        if shock.step > excess.size:
            continue
        after = excess[shock.step - 1 :]
        start = after[0]
        if start <= 1e-12:  # the shock did not pull the policy away from the public ideal
            lives.append(0.0)
            censored.append(False)
            continue
        halved = np.flatnonzero(after <= start / 2.0)
        lives.append(float(halved[0]) if halved.size else float(after.size))
        censored.append(not halved.size)
    if not lives:
        return None, None
    return np.array(lives), np.array(censored, dtype=bool)


@outcome("steps", "steps run", unit="steps", lo=0, direction="neither", aggregate="run")
def _steps(view: RunView, _table: StepTable) -> float:
    """Number of steps the run lasted."""
    return float(view.step)


def _lags(view: ForumView, table: StepTable) -> tuple[Any, Any]:
    sim = view.params.simulation
    if not view.shocks:
        return None, None
    return metrics.adaptation_lags(
        table["congruence_error"],
        [s.step for s in view.shocks],
        tolerance=sim.adaptation_tolerance,
        window=sim.adaptation_window,
    )


# --------------------------------------------------------------------------- whole-run needs


class StepTable(Mapping[str, np.ndarray]):
    """A run's per-step table as one run outcome may read it: the columns it declared.

    ``table[name]`` is the column's values over the whole run (read-only, one per step);
    a family's columns are named ``<name>_<category>`` or ``<name>_<j>``. Reading a column
    the outcome did not declare in ``needs`` raises :class:`~msisim.view.UndeclaredNeed`
    (a summary-window run would hold ``NaN`` there before the window).
    """

    def __init__(self, columns: Mapping[str, np.ndarray], allowed: set[str], outcome: str) -> None:
        self._columns = columns
        self._allowed = allowed
        self._outcome = outcome

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._allowed:
            raise UndeclaredNeed(
                f"outcome {self._outcome!r} reads the step column {name!r} without declaring "
                f"it: add its outcome to needs= in its outcome(...) declaration"
            )
        try:
            column = self._columns[name]
        except KeyError:
            raise UndeclaredNeed(
                f"outcome {self._outcome!r} needs the step column {name!r}, which this run did "
                "not record (was its outcome registered after the model was made?)"
            ) from None
        view = np.asarray(column).view()
        view.flags.writeable = False
        return view

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._columns if name in self._allowed)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class RecordingPlan:
    """What a run must record for its run outcomes, derived from their ``needs``.

    Attributes:
        step_outcomes: Per-step outcomes, in column order.
        run_outcomes: Run outcomes, in registration order.
        throughout: The per-step outcomes some run outcome reads in every step (recorded
            even before the summary window).
        records: The whole-run records some outcome declares (:data:`msisim.view.RECORDS`).
        twin_throughout: Whether one of ``throughout`` reads the no-lobby twin (which then
            has to be observed from the first step).
        kept: The outcome keys a caller asked for (:func:`recording_plan`'s ``keep``), or
            None when the run records every registered outcome.
    """

    step_outcomes: tuple[Outcome, ...]
    run_outcomes: tuple[Outcome, ...]
    throughout: tuple[Outcome, ...]
    records: frozenset[str]
    twin_throughout: bool
    kept: frozenset[str] | None = None

    @property
    def scorecard(self) -> bool:
        """Whether the run records its scorecard cells (every run, unless ``keep`` left it out).

        Kept when an outcome needs it, or ``keep`` names a scorecard column of a study's row
        (``score.<arena>.<principle>``, ``panel.<arena>.<principle>``).
        """
        return (
            self.kept is None
            or "scorecard" in self.records
            or any(k.startswith(CARD_PREFIXES) for k in self.kept)
        )


def recording_plan(keep: Iterable[str] | None = None) -> RecordingPlan:
    """The recording plan of the outcomes registered now; an unmeetable need raises.

    Args:
        keep: The outcome keys (``summary()`` keys; a family by its name or any of its
            columns) the caller reads, or None for every registered outcome. With ``keep`` a
            run computes only those outcomes and what they need (the per-step outcomes and
            records their ``needs`` name), and its scorecard only when one of them needs it:
            a claims map that reads five outcomes skips the other forty. The kept outcomes'
            values are the same bits as in a run that records everything (outcomes draw
            nothing and never change the state).

    Raises:
        ValueError: A run outcome needs a name that is neither a per-step outcome nor a
            whole-run record, or ``keep`` names no registered outcome.
    """
    step, run = tuple(step_outcomes()), tuple(run_outcomes())
    kept = None if keep is None else frozenset(keep)
    if kept is not None:
        step, run = _keep(step, run, kept)
    by_name = {o.name: o for o in step}
    needed: set[str] = set()
    records: set[str] = set()
    for o in run:
        for need in o.needs:
            if need in RECORDS:
                records.add(need)
            elif need in by_name:
                needed.add(need)
            else:
                raise ValueError(
                    f"outcome {o.name!r} needs {need!r}, which is neither a per-step outcome "
                    f"nor a whole-run record ({', '.join(RECORDS)})"
                )
    throughout = tuple(o for o in step if o.name in needed)
    return RecordingPlan(
        step_outcomes=step,
        run_outcomes=run,
        throughout=throughout,
        records=frozenset(records),
        twin_throughout=any("lobby_twin" in o.needs for o in throughout),
        kept=kept,
    )


#: Prefixes of a study row's scorecard columns (not outcomes: the scorecard's cells).
CARD_PREFIXES = ("score.", "panel.")


def _keep(
    step: tuple[Outcome, ...], run: tuple[Outcome, ...], kept: frozenset[str]
) -> tuple[tuple[Outcome, ...], tuple[Outcome, ...]]:
    """The per-step and run outcomes a run computes for the keys ``kept`` (in column order)."""

    def asked(o: Outcome) -> bool:
        return any(asked_by(o, k) for k in kept)

    kept = frozenset(k for k in kept if not k.startswith(CARD_PREFIXES))
    unknown = sorted(k for k in kept if not any(asked_by(o, k) for o in (*step, *run)))
    if unknown:
        raise ValueError(
            f"outcomes {unknown} are not registered outcomes (msisim.outcomes.OUTCOMES; "
            "docs/ODD.md lists them)"
        )
    run = tuple(o for o in run if asked(o))
    needed = {need for o in run for need in o.needs}
    step = tuple(o for o in step if asked(o) or o.name in needed or o.aggregate == "row")
    return step, run


def asked_by(o: Outcome, key: str) -> bool:
    """Whether ``key`` names the outcome ``o``: its summary key, name or a family's column."""
    return key in (o.key, o.name) or (o.family is not None and key.startswith(o.name + "_"))


def evaluate(
    outcome_: Outcome,
    view: RunView,
    columns: Mapping[str, np.ndarray],
    column_names: Mapping[str, list[str]] | None = None,
) -> float | None:
    """A run outcome's value: computed from the view and the declared columns only.

    Args:
        outcome_: The run outcome.
        view: The run's view; the outcome receives one that hands out only the records it
            declared.
        columns: The run's per-step columns, by column name.
        column_names: The columns of each per-step outcome (a family has several); by
            default each outcome's one column of its name.
    """
    allowed: set[str] = set()
    for need in outcome_.needs:
        if need not in RECORDS:
            allowed.update(column_names.get(need, [need]) if column_names else [need])
    table = StepTable(columns, allowed, outcome_.name)
    value = outcome_.compute(view.declaring(outcome_.needs, outcome_.name), table)
    return None if value is None else float(value)


# --------------------------------------------------------------------------- reading the table


def step_outcomes() -> list[Outcome]:
    """Outcomes recorded every step, in column order."""
    return [o for o in OUTCOMES.values() if o.aggregate != "run"]


def run_outcomes() -> list[Outcome]:
    """Outcomes computed once from the whole run."""
    return [o for o in OUTCOMES.values() if o.aggregate == "run"]


def columns(outcome_: Outcome, category_names: tuple[str, ...], n_dims: int) -> list[str]:
    """Column names of an outcome (one per category or dimension for a family)."""
    if outcome_.family == "category":
        return [f"{outcome_.name}_{c}" for c in category_names]
    if outcome_.family == "dimension":
        return [f"{outcome_.name}_{j}" for j in range(n_dims)]
    return [outcome_.name]


#: Old outcome names and the names that replaced them (reading an old name warns). The name
#: ``responsiveness`` (static congruence until December 2026) now means the opinion–policy
#: slope, so it is no longer an alias.
RENAMED: dict[str, str] = {}


def current_name(name: str) -> str:
    """The current name of an outcome, with a ``DeprecationWarning`` for a renamed one."""
    if name in RENAMED:
        warnings.warn(
            f"outcome {name!r} is now called {RENAMED[name]!r} (static congruence; "
            "responsiveness is measured by pass_through and adaptation_half_life)",
            DeprecationWarning,
            stacklevel=3,
        )
        return RENAMED[name]
    return name


class Summary(dict[str, float]):
    """``summary()``'s mapping: reading a renamed outcome warns and gives the new one's value."""

    def __missing__(self, key: str) -> float:
        if key in RENAMED:
            return self[current_name(key)]
        raise KeyError(key)


def find(name: str) -> Outcome | None:
    """The outcome behind a column or ``summary()`` key (family members included), or None."""
    name = current_name(name) if name in RENAMED else name
    if name in OUTCOMES:
        return OUTCOMES[name]
    for o in OUTCOMES.values():
        if o.summary_name == name:
            return o
        if o.family is not None and name.startswith(f"{o.name}_"):
            return o
    return None


def label(name: str) -> str:
    """Human label of an outcome column or summary key (the name itself when unknown)."""
    o = find(name)
    if o is None:
        return name
    if o.family is not None and name != o.name:
        return f"{o.label}: {name[len(o.name) + 1 :].replace('_', ' ')}"
    if o.summary_name == name and o.aggregate == "rate":
        return f"{o.label} rate"
    return o.label


def direction(name: str) -> Direction:
    """Whether higher or lower is better for an outcome (``neither`` when unknown)."""
    o = find(name)
    return "neither" if o is None else o.direction


def lower_is_better(name: str) -> bool:
    """True when lower values of the outcome are better (for regret and wording)."""
    return direction(name) == "lower"


def value_range(name: str) -> tuple[float, float]:
    """``(lo, hi)`` of an outcome, infinite where unbounded (and for unknown names)."""
    o = find(name)
    return (-math.inf, math.inf) if o is None else o.clip_range()


def summary_keys() -> list[str]:
    """Keys every ``summary()`` may hold for non-family outcomes (for docs and checks)."""
    return [o.key for o in OUTCOMES.values() if o.family is None and o.aggregate != "row"]


# --------------------------------------------------------------------------- parliaments


@outcome(
    "legislative_efficiency", "legislative efficiency (Pluchino et al. 2011)",
    unit="percentage points", lo=-100, hi=100, direction="higher", aggregate="run",
    needs=("legislatures",),
)  # fmt: skip
def _legislative_efficiency(view: RunView, _table: StepTable) -> float | None:
    """Share of acts passed times their mean social gain, in %, averaged over legislatures.

    Per legislature ``Eff = N_acc% x Y = 100 * sum_{a passed} y_a / N_acts`` (Pluchino et al.
    2011): percentage of the proposed acts that passed times the mean social gain ``y`` of
    those passed; in [-100, 100]. Only a parliament (``decision_rule=proposal_vote``) votes
    acts; absent for a forum.
    """
    rows = view.legislatures
    if not rows:
        return None
    return float(np.mean([100.0 * r["social_gain_passed"] / r["n_acts"] for r in rows]))
