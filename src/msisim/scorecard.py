"""Governance scorecard: 4 arenas x 6 principles on a 1-10 scale (docs/ODD.md §7.7.4).

After the Indonesia Governance Index of the Partnership for Governance Reform (Kemitraan,
2008/2012), which rates the government, bureaucracy, civil society and economic society
arenas on participation, fairness, accountability, transparency, efficiency and
effectiveness, each on 1-10, from indicators and a well-informed-person survey.

Each (arena, principle) cell maps one model indicator ``x`` (oriented so that higher is
better) over *fixed theoretical bounds* ``[lo, hi]`` to ``score = 1 + 9 * clip((x - lo) /
(hi - lo), 0, 1)``. The indicators, computed by the model from its state (see
:func:`indicators`), are:

============== =====================================================================  ========
principle      indicator for arena a (its members = real forum members of its           bounds
               categories; P_a, S_a, V_a = population, headcount and voice shares)
============== =====================================================================  ========
participation  representation parity ``min(S_a / P_a, P_a / S_a)`` (0 if absent)        [0, 1]
fairness       voice parity ``min(V_a, P_a) / max(V_a, P_a)``                           [0, 1]
accountability ``1 - mean |advocated - category median interest| / R`` of members       [0, 1]
transparency   ``1 - mean(tie * (1 - transparency))`` of members (hidden influence)     [0, 1]
efficiency     ``1 - gridlock rate`` of the forum (same for every arena)                [0, 1]
effectiveness  ``1 - mean |policy - interest| / R`` over the arena's stakeholders        [0, 1]
============== =====================================================================  ========

Each cell is recorded every step of the summary window and the scorecard reports its mean
there (``GovernanceModel.scorecard(window=False)``: the forum as it is now).
``R = sqrt(d) / 2`` is the distance from the centre of the policy space to a corner.
Effectiveness weights stakeholders by affectedness. An arena with no members in the room
gets the lowest participation, fairness and accountability (nobody there to speak or answer
for it) and full transparency (nobody there to be tied); an arena none of whose categories
exists is left out (with no arena at all, the table is empty). The combined index is the
weighted mean of the scores, with weights the product of the arena weight and the
principle weight (equal by default), normalised.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from msisim.metrics import distances, shares
from msisim.rules.lobbying import combined_tie

ARENAS: tuple[str, ...] = ("government", "bureaucracy", "civil_society", "economic_society")
PRINCIPLES: tuple[str, ...] = (
    "participation",
    "fairness",
    "accountability",
    "transparency",
    "efficiency",
    "effectiveness",
)

#: Which stakeholder categories make up each arena (categories absent from the table are
#: skipped; an arena with none is left out of the scorecard).
ARENA_CATEGORIES: dict[str, tuple[str, ...]] = {
    "government": ("government",),
    "bureaucracy": ("bureaucracy",),
    "civil_society": ("civil_society", "grassroots", "academia"),
    "economic_society": ("business",),
}

#: Fixed theoretical bounds of each principle's indicator.
BOUNDS: dict[str, tuple[float, float]] = {p: (0.0, 1.0) for p in PRINCIPLES}


def to_score(value: float, lower: float, upper: float) -> float:
    """Map an indicator to the 1-10 scale over fixed bounds: ``1 + 9 * clip((x-lo)/(hi-lo))``."""
    return float(1.0 + 9.0 * np.clip((value - lower) / (upper - lower), 0.0, 1.0))


def _weights(
    given: Mapping[str, float] | None, names: tuple[str, ...], what: str
) -> dict[str, float]:
    weights = {n: 1.0 for n in names}
    for key, value in (given or {}).items():
        if key not in names:
            raise ValueError(f"unknown {what} {key!r} in weights; valid: {', '.join(names)}")
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{what} weight {key}={value!r} is invalid: must be >= 0")
        weights[key] = float(value)
    if sum(weights.values()) <= 0:
        raise ValueError(f"{what} weights must not all be 0")
    return weights


def build_scorecard(
    indicators: Mapping[tuple[str, str], float],
    *,
    arena_weights: Mapping[str, float] | None = None,
    principle_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Tidy scorecard from indicators keyed by ``(arena, principle)``.

    Returns:
        One row per cell: ``arena, principle, indicator, lower, upper, score, weight``; the
        weights sum to 1 over the rows.
    """
    aw = _weights(arena_weights, ARENAS, "arena")
    pw = _weights(principle_weights, PRINCIPLES, "principle")
    rows = []
    for (arena, principle), value in indicators.items():
        lo, hi = BOUNDS[principle]
        rows.append(
            {
                "arena": arena,
                "principle": principle,
                "indicator": float(value),
                "lower": lo,
                "upper": hi,
                "score": to_score(value, lo, hi),
                "weight": aw[arena] * pw[principle],
            }
        )
    columns = ["arena", "principle", "indicator", "lower", "upper", "score", "weight"]
    table = pd.DataFrame(rows, columns=columns)
    total = table["weight"].sum()
    table["weight"] = table["weight"] / total if total > 0 else 0.0
    return table


def governance_index(table: pd.DataFrame) -> float:
    """Weighted mean score of a scorecard table (1-10); NaN for an empty table."""
    if table.empty:
        return float("nan")
    return float((table["score"] * table["weight"]).sum())


def simulate_questionnaire(
    table: pd.DataFrame,
    respondents: Mapping[str, np.ndarray],
    respondent_ties: Mapping[str, np.ndarray],
    *,
    noise: float,
    tie_bias: float,
    rng: np.random.Generator,
    views: Mapping[str, np.ndarray] | None = None,
    perspective: float = 0.0,
) -> pd.DataFrame:
    """Simulated well-informed-person questionnaire.

    Each respondent of an arena rates every principle for that arena:
    ``rating = clip(round(score + Normal(0, noise) + tie_bias * tie), 1, 10)`` — honest but
    noisy, and inflated in proportion to the respondent's tie with the lobby. With
    ``perspective = w > 0`` a respondent rates effectiveness partly from their own view:
    ``score`` is replaced by ``(1 - w) * score + w * view`` for that principle, where
    ``view`` is the respondent's own effectiveness score (the policy's distance from the
    position they advocate, on the same scale).

    Args:
        table: The scorecard (true scores).
        respondents: Stakeholder indices sampled per arena.
        respondent_ties: Their combined lobby tie, per arena.
        noise: Standard deviation of a rating's error, in scale points.
        tie_bias: Points added by a full tie.
        rng: Generator for the rating errors.
        views: Each respondent's own effectiveness score (1-10), per arena; needed when
            ``perspective > 0``.
        perspective: Weight of the respondent's own view in their effectiveness rating.

    Returns:
        One row per (arena, principle, respondent): ``arena, principle, respondent, tie,
        score, rating``.
    """
    rows = []
    for arena, group in table.groupby("arena", sort=False):
        who = respondents.get(str(arena), np.zeros(0, dtype=np.int64))
        ties = respondent_ties.get(str(arena), np.zeros(0))
        for _, cell in group.iterrows():
            errors = rng.normal(0.0, noise, size=who.shape[0])
            base = np.full(who.shape[0], float(cell["score"]))
            if perspective > 0 and cell["principle"] == "effectiveness":
                own = (views or {}).get(str(arena), base)
                base = (1.0 - perspective) * base + perspective * own
            ratings = np.clip(np.rint(base + errors + tie_bias * ties), 1, 10)
            for i, t, r in zip(who, ties, ratings, strict=True):
                rows.append(
                    {
                        "arena": arena,
                        "principle": cell["principle"],
                        "respondent": int(i),
                        "tie": float(t),
                        "score": float(cell["score"]),
                        "rating": float(r),
                    }
                )
    return pd.DataFrame(
        rows, columns=["arena", "principle", "respondent", "tie", "score", "rating"]
    )


def arena_codes(category_names: Sequence[str]) -> dict[str, list[int]]:
    """Category codes of each arena present in the category table (absent arenas left out)."""
    codes = {}
    for arena, cats in ARENA_CATEGORIES.items():
        present = [list(category_names).index(c) for c in cats if c in category_names]
        if present:
            codes[arena] = present
    return codes


def arena_matrix(category_names: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The arenas present and a ``bool[n_arenas, K]`` matrix: which categories form each."""
    codes = arena_codes(category_names)
    matrix = np.zeros((len(codes), len(category_names)), dtype=bool)
    for row, members in enumerate(codes.values()):
        matrix[row, members] = True
    return list(codes), matrix


def arena_groups(category_names: Sequence[str]) -> np.ndarray:
    """Group code of each category: its arena's index in :data:`ARENAS`, else its own code.

    A category in no arena gets ``len(ARENAS) + its code``, so it forms a group of its own
    (the ``arena_sessions`` deliberation format meets in these groups).
    """
    groups = [len(ARENAS) + g for g in range(len(category_names))]
    for a, arena in enumerate(ARENAS):
        for g, name in enumerate(category_names):
            if name in ARENA_CATEGORIES[arena]:
                groups[g] = a
    return np.array(groups, dtype=np.int64)


def panel_scorecard(view: Any) -> pd.DataFrame:
    """The scorecard as a forum's panel of well-informed persons answers it, beside the truth.

    The *true state* is the forum's scorecard (each cell's mean over the summary window); the
    panel's scorecard is the mean rating of each cell by ``panel_respondents`` respondents
    per arena (:meth:`msisim.model.GovernanceModel.questionnaire`, with ``panel_noise``,
    ``panel_tie_bias`` and ``panel_perspective``). ``view`` is the forum's
    :class:`~msisim.view.ForumView` (a model is read through its ``view``); the table is
    computed once per step and kept in the view's per-step cache (the questionnaire draws
    from its own stream, so asking never changes the run).

    Returns:
        One row per cell: ``arena, principle, score`` (true), ``panel`` (mean rating),
        ``weight``; empty when ``panel_respondents`` is 0 or no arena exists.
    """
    view = getattr(view, "view", view)
    return view.per_step("panel_scorecard", lambda: _panel_scorecard(view))


def _panel_scorecard(view: Any) -> pd.DataFrame:
    sim = view.params.simulation
    columns = ["arena", "principle", "score", "panel", "weight"]
    table = pd.DataFrame(columns=columns)
    if sim.panel_respondents > 0:
        card = view.scorecard()
        if not card.empty:
            answers = view.questionnaire(
                sim.panel_respondents,
                noise=sim.panel_noise,
                tie_bias=sim.panel_tie_bias,
                perspective=sim.panel_perspective,
            )
            mean = answers.groupby(["arena", "principle"], sort=False)["rating"].mean()
            table = card[["arena", "principle", "score", "weight"]].copy()
            keys = zip(table["arena"], table["principle"], strict=True)
            table["panel"] = [float(mean[key]) for key in keys]
            table = table[columns]
    return table


def panel_index(table: pd.DataFrame) -> float:
    """Weighted mean of the panel's cell ratings (the governance index as the panel sees it)."""
    return float((table["panel"] * table["weight"]).sum()) if not table.empty else float("nan")


class RoomTallies:
    """The real members of the room this round, by category (paid participants apart).

    Built once per observed step from the forum's :class:`~msisim.view.ForumView` and read
    by both :func:`cells` and the per-step outcomes (:class:`msisim.outcomes.Observation`
    extends it). Each tally is computed when first read, then kept.

    Attributes:
        members: Indices of the members.
    """

    def __init__(self, view: Any) -> None:
        self._view = view
        self.members: np.ndarray = view.members
        self._k: int = view.n_categories

    @cached_property
    def member_category(self) -> np.ndarray:
        """Category code of each member."""
        return self._view.category[self.members]

    @cached_property
    def voice_members(self) -> np.ndarray:
        """Each member's voice."""
        return self._view.voice[self.members]

    @cached_property
    def member_counts(self) -> np.ndarray:
        """Members per category, ``int64[K]``."""
        return np.bincount(self.member_category, minlength=self._k)

    @cached_property
    def member_voice(self) -> np.ndarray:
        """Members' summed voice per category, ``float64[K]``."""
        return np.bincount(self.member_category, weights=self.voice_members, minlength=self._k)

    @cached_property
    def tie(self) -> np.ndarray:
        """Each member's combined lobby tie."""
        return combined_tie(self._view.ties.take(self.members, axis=1))  # ties[:, members]

    @cached_property
    def member_shares(self) -> np.ndarray:
        """Members' shares by category (:func:`msisim.metrics.shares`)."""
        return shares(self.member_counts)

    @cached_property
    def member_voice_shares(self) -> np.ndarray:
        """Categories' shares of the members' voice."""
        return shares(self.member_voice)


class ArenaSums:
    """What :func:`cells` reads of a model's arenas that does not change during a run.

    The arena matrix of :func:`arena_matrix` as floats and its products with the fixed
    per-category tallies (population shares, stakeholders and their summed affectedness), and
    the distance ``R`` from the centre of the policy space to a corner.
    """

    def __init__(self, model: Any, arenas: np.ndarray | None = None) -> None:
        if arenas is None:
            arenas = arena_matrix(model.category_names)[1]
        self.matrix = a = np.asarray(arenas).astype(float)
        self.population_shares = (a @ model.population_shares).tolist()
        self.affectedness = a @ model.category_affectedness
        self.all_affected = bool((self.affectedness > 0).all())
        self.sizes = a @ model.category_sizes
        self.radius = math.sqrt(model.stakeholders.position.shape[1]) / 2.0


def cells(
    model: Any, arenas: np.ndarray | ArenaSums, room: RoomTallies | None = None
) -> np.ndarray:
    """The indicators of the table above for the model's current state, ``float[A, 6]``.

    ``arenas`` is the matrix of :func:`arena_matrix` (or the model's :class:`ArenaSums` of
    it); rows follow its arenas, columns :data:`PRINCIPLES`. Efficiency is ``1 - gridlock`` of
    this round (its mean over a window is ``1 -`` the gridlock rate). Sums over categories are
    vectorised (the ratios per arena are plain floats), so cheap enough to record every step of
    the summary window. ``room``: this round's tallies, if the caller has them. Distances to
    the policy are the stakeholders' ``distance_to_policy`` (set after the decision).
    """
    st, forum, des = model.stakeholders, model.forum, model.params.design
    fixed = arenas if isinstance(arenas, ArenaSums) else ArenaSums(model, arenas)
    if room is None:
        room = RoomTallies(model.view)
    members, k, cat = model.members, model.n_categories, room.member_category
    a, radius = fixed.matrix, fixed.radius
    drift = distances(st.advocated.take(members, axis=0), model.category_medians.take(cat, axis=0))
    tie = room.tie * (1 - des.transparency)
    dist = st.distance_to_policy
    w = fixed.affectedness
    wd = a @ np.bincount(st.category, weights=st.affectedness * dist, minlength=k)
    if fixed.all_affected:
        mean_dist = wd / w
    else:  # an arena nobody in which is affected: plain mean distance there
        d_all = a @ np.bincount(st.category, weights=dist, minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_dist = np.where(w > 0, wd / w, d_all / fixed.sizes)
    # per arena: population, headcount and voice shares, members, drift and tie sums
    sums = zip(
        fixed.population_shares,
        (a @ room.member_shares).tolist(),
        (a @ room.member_voice_shares).tolist(),
        (a @ room.member_counts).tolist(),
        (a @ np.bincount(cat, weights=drift, minlength=k)).tolist(),
        (a @ np.bincount(cat, weights=tie, minlength=k)).tolist(),
        mean_dist.tolist(),
        strict=True,
    )
    efficiency = 0.0 if not forum.adopted else 1.0
    return np.array(
        [
            [
                _parity(s_a, p_a) if s_a > 0 else 0.0,  # participation
                _ratio(min(v_a, p_a), max(v_a, p_a)),  # fairness
                1.0 - drift_a / n_a / radius if n_a > 0 else 0.0,  # accountability
                1.0 - tie_a / n_a if n_a > 0 else 1.0,  # transparency
                efficiency,
                1.0 - mean_dist_a / radius,  # effectiveness
            ]
            for p_a, s_a, v_a, n_a, drift_a, tie_a, mean_dist_a in sums
        ]
    ).reshape(-1, len(PRINCIPLES))


def _parity(s: float, p: float) -> float:
    """``min(s / p, p / s)`` for ``s > 0`` (0 when ``p`` is 0)."""
    return min(s / p, p / s) if p > 0 else 0.0


def _ratio(x: float, y: float) -> float:
    """``x / y``, NaN when ``y`` is 0 (as numpy divides)."""
    return x / y if y != 0 else math.nan


def indicators(model: Any, *, window: bool = True) -> dict[tuple[str, str], float]:
    """The (arena, principle) indicators of the table above.

    With ``window`` (the default) each cell is its mean over the summary window (the steps
    ``summary()`` averages; efficiency there is ``1 -`` the gridlock rate), so one lucky or
    unlucky last round does not decide a score; otherwise the current state, with efficiency
    over the window as before.
    """
    names, matrix = arena_matrix(model.category_names)
    table = model.scorecard_cells() if window else None
    if table is None:
        table = cells(model, matrix)
        gridlock = [row["gridlock"] for row in model.series]
        start = int(np.floor(model.params.simulation.summary_burn_in * len(gridlock)))
        table[:, PRINCIPLES.index("efficiency")] = (
            1.0 - float(np.mean(gridlock[start:])) if gridlock else 1.0
        )
    return {
        (arena, principle): float(table[i, j])
        for i, arena in enumerate(names)
        for j, principle in enumerate(PRINCIPLES)
    }
