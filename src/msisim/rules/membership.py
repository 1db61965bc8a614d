"""Step 2 — membership: who sits in, or attends, the forum this round.

* Seated bodies (``representative``, ``sortition``, the seated part of
  ``representative_with_consultation``): :func:`select_seats` fills each pool's seats from
  its candidates, ranked by a selection rule blended with closeness to the lobby ideal in
  proportion to the selector's capture, after dropping the least conforming candidates.
* Open rounds: :func:`attendance_probability` and :func:`draw_attendance`, then
  :func:`gatekeep` (a captured convener turns away attendees far from the lobby ideal).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from msisim.apportionment import largest_remainder
from msisim.metrics import distances
from msisim.registry import Registry, protocol_check


def percentile_rank(values: np.ndarray) -> np.ndarray:
    """Rank of each value among ``values`` scaled to ``[0, 1]`` (0 = smallest, 1 = largest).

    Ties are broken by position (stable sort), so the result is deterministic. A single value
    gets rank 1.
    """
    n = values.shape[0]
    if n <= 1:
        return np.ones(n)
    ranks = np.empty(n)
    ranks[np.argsort(values, kind="stable")] = np.arange(n)
    return ranks / (n - 1)


@dataclass(frozen=True)
class SelectionContext:
    """What a selection rule sees when it ranks one pool's candidates.

    Attributes:
        candidates: Stakeholder indices of the candidates to score, ``int[k]``.
        pool: Stakeholder indices of the whole pool (a category, or everyone), ``int[p]``.
        noise: One uniform draw per stakeholder from the selection stream, ``float64[N]``
            (a lottery's randomness: never draw from another generator).
        seen: What the selector sees of each stakeholder's position (``selector_information``:
            advocated positions by default), ``float64[N, d]``.
        resources: Resources, ``float64[N]``.
        engagement: Engagement, ``float64[N]``.
    """

    candidates: np.ndarray
    pool: np.ndarray
    noise: np.ndarray
    seen: np.ndarray
    resources: np.ndarray
    engagement: np.ndarray


@dataclass(frozen=True)
class SelectionRule:
    """A selection rule: how the selector ranks a pool's candidates for its seats.

    The rule's score is blended with closeness to the lobby ideal in proportion to the
    selector's capture (:func:`select_seats`); a lottery pool always ranks with ``random``.

    Attributes:
        name: Registered name (the value of the ``selection`` parameter).
        summary: One line for docs, the app and error messages.
        score: ``(SelectionContext) -> float64[k]``, one score per candidate (higher =
            preferred), a pure function.
        per_candidate: Each candidate's score depends on the candidate and the pool alone,
            not on who else stands (scoring a subset of the candidates gives the subset of
            their scores, bit for bit). :func:`select_seats_by_capture` then scores a pool
            once for every capture level instead of once per level; false (the safe
            default) scores each level's candidates after its screening.
    """

    name: str
    summary: str
    score: Callable[[SelectionContext], np.ndarray]
    per_candidate: bool = False


#: Refuses a selection rule that lacks part of its protocol (what its class documents).
check_selection_rule = protocol_check("selection rule", ("name", "summary"), ("score",))

#: Selection rules by name.
SELECTION_RULES: Registry[SelectionRule] = Registry(
    "selection rule", "selection", check=check_selection_rule
)


def register_selection(rule: SelectionRule) -> SelectionRule:
    """Register a selection rule under its name (one call per rule), checking its protocol."""
    return SELECTION_RULES.add(rule.name, rule)


def _score_random(c: SelectionContext) -> np.ndarray:
    """``random``: sortition within the pool — a uniform draw per candidate."""
    return c.noise[c.candidates]


def _score_election(c: SelectionContext) -> np.ndarray:
    """``election``: closeness of what the selector sees to the pool's median of it."""
    center = _median(c.seen[c.pool])
    if c.seen.shape[1] == 2:  # distances: the bits of np.linalg.norm in the plane
        return -distances(c.seen[c.candidates], center)
    return -np.linalg.norm(c.seen[c.candidates] - center, axis=1)


def _median(points: np.ndarray) -> np.ndarray:
    """Coordinate-wise median of the rows of ``points`` (at least one).

    The bits of :func:`~msisim.metrics.weighted_median` with equal weights (the midpoint
    ``0.5 * (lower + upper)`` of the two middle values when the count is even), by sorting
    each column.
    """
    ordered = np.sort(points, axis=0)
    mid = ordered.shape[0] // 2
    if ordered.shape[0] % 2:
        return ordered[mid]
    return 0.5 * (ordered[mid - 1] + ordered[mid])


def _score_merit(c: SelectionContext) -> np.ndarray:
    """``merit``: the most resourceful (time, money, civic skills) rank first."""
    return c.resources[c.candidates]


register_selection(
    SelectionRule(
        "random",
        "sortition within the pool: a uniform draw per candidate",
        _score_random,
        per_candidate=True,
    )
)
register_selection(
    SelectionRule(
        "election",
        "candidates closest to their pool's median position win",
        _score_election,
        per_candidate=True,
    )
)
register_selection(
    SelectionRule(
        "merit",
        "the most resourceful candidates (time, money, skills)",
        _score_merit,
        per_candidate=True,
    )
)


def selection_rule(name: str) -> SelectionRule:
    """Look up a selection rule by name; an unknown name raises ``ValueError`` naming valid ones."""
    return SELECTION_RULES[name]


@dataclass(frozen=True)
class SeatPool:
    """Seats filled from one pool of candidates at each selection.

    Attributes:
        category: Category code whose stakeholders form the pool, or ``None`` for the whole
            population.
        seats: Seats to fill from the pool.
        lottery: Drawn by lot: every eligible stakeholder of the pool is a candidate (no
            engagement filter) and candidates are ranked at random; only an exogenous
            ``selector_capture`` (a rigged lottery) can bias the draw.
    """

    category: int | None
    seats: int
    lottery: bool = False


def select_seats(
    pools: Sequence[np.ndarray],
    seats: Sequence[int],
    *,
    selection: str | SelectionRule,
    capture: float,
    lobby_ideal: np.ndarray,
    seen: np.ndarray,
    resources: np.ndarray,
    engagement: np.ndarray,
    eligible: np.ndarray,
    rng: np.random.Generator,
    engaged_only: bool = True,
    lottery: Sequence[bool] | None = None,
    lottery_capture: float | None = None,
    lottery_acceptance: bool = False,
    candidates_out: np.ndarray | None = None,
) -> np.ndarray:
    """Fill the seats of each pool; returns the new ``seated`` mask (``bool[N]``).

    Within each pool (a category, or the whole population for a lottery), in order:

    1. *Candidates* are eligible stakeholders not seated from an earlier pool who step
       forward, each with probability equal to their engagement (everyone eligible in a
       lottery pool, or when ``engaged_only`` is false). If fewer than the seats step forward,
       the remaining eligible members of the pool are added, and only if the pool is still
       short, ineligible ones (so seats are always filled as allocated).
    2. *Screening* (docs/ODD.md §7.2.3): a selector with capture ``c`` drops the fraction ``c`` of
       candidates farthest from the lobby ideal, keeping at least as many as there are seats.
    3. *Ranking*: ``score = (1 - c) * rank(rule score) + c * rank(closeness to lobby ideal)``
       with ranks scaled to [0, 1]; the top ``seats`` candidates are seated. A lottery pool
       ranks with the ``random`` rule and uses ``lottery_capture`` as ``c``.

    Args:
        pools: Stakeholder indices of each pool.
        seats: Seats to fill in each pool.
        selection: The selection rule of non-lottery pools, or its name (``SELECTION_RULES``).
        capture: The selector's capture level in [0, 1].
        lobby_ideal: The lobby's ideal point, ``float64[d]``.
        seen: What the selector sees of each position, ``float64[N, d]`` (advocated positions
            by default; ``selector_information``): both the rule's score and the screening
            by closeness to the lobby ideal read it.
        resources: Resources, ``float64[N]``.
        engagement: Engagement, ``float64[N]`` (probability of standing as a candidate).
        eligible: Who may serve another term, ``bool[N]``.
        rng: The model's generator.
        engaged_only: Whether candidacy depends on engagement (false for sortition).
        lottery: Per pool, whether it is drawn by lot (default: none is).
        lottery_capture: Capture level applied to lottery pools (default: ``capture``).
        lottery_acceptance: Whether a stakeholder drawn by lot accepts only with the
            probability with which others stand for a seat (engagement); otherwise everyone
            drawn accepts (the ideal lottery).
        candidates_out: If given (``bool[N]``), set to the candidates each pool considered
            (before screening): the pool the selection odds are measured against.

    Returns:
        ``bool[N]`` mask of seated stakeholders.
    """
    return select_seats_by_capture(
        pools,
        seats,
        selection=selection,
        captures=np.array([capture], dtype=float),
        lobby_ideal=lobby_ideal,
        seen=seen,
        resources=resources,
        engagement=engagement,
        eligible=eligible,
        rng=rng,
        engaged_only=engaged_only,
        lottery=lottery,
        lottery_capture=lottery_capture,
        lottery_acceptance=lottery_acceptance,
        candidates_out=candidates_out,
    )[0]


def select_seats_by_capture(
    pools: Sequence[np.ndarray],
    seats: Sequence[int],
    *,
    selection: str | SelectionRule,
    captures: np.ndarray,
    lobby_ideal: np.ndarray,
    seen: np.ndarray,
    resources: np.ndarray,
    engagement: np.ndarray,
    eligible: np.ndarray,
    rng: np.random.Generator,
    engaged_only: bool = True,
    lottery: Sequence[bool] | None = None,
    lottery_capture: float | None = None,
    lottery_acceptance: bool = False,
    candidates_out: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`select_seats` at several capture levels on one draw, ``bool[L, N]``.

    Row ``l`` has the bits of ``select_seats(..., capture=captures[l], rng=r)`` with ``r`` a
    generator in the state ``rng`` is in (every level sees the same candidacy and noise
    draws: common random numbers), for ``captures`` of length ``L``. What does not depend on
    the capture level (candidacy, the pools' candidates, the order of closeness to the lobby
    ideal, the scores of a :attr:`SelectionRule.per_candidate` rule) is done once for all
    levels; the levels are ranked together as rows of arrays. ``candidates_out`` receives
    the candidates considered at any level. The other arguments are those of
    :func:`select_seats`.

    Raises:
        ValueError: A capture level (or ``lottery_capture``) outside [0, 1], or NaN.
    """
    score_rule = selection_rule(selection) if isinstance(selection, str) else selection
    _check_captures(captures, lottery_capture)
    by_lot = [False] * len(pools) if lottery is None else list(lottery)
    levels = _Levels(np.asarray(captures, dtype=float))
    n = seen.shape[0]
    draws_candidacy = engaged_only and (lottery_acceptance or not all(by_lot))
    steps_forward = rng.random(size=n) < engagement if draws_candidacy else np.ones(n, dtype=bool)
    noise = np.asarray(rng.random(n), dtype=float)
    context = _PoolContext(noise, seen, resources, engagement, distances(seen, lobby_ideal))
    seated = np.zeros((levels.n, n), dtype=bool)
    taken = seated[0] if levels.n == 1 else np.zeros(n, dtype=bool)  # seated at some level
    stands_and_eligible = steps_forward & eligible
    for pool, k, is_lottery in zip(pools, seats, by_lot, strict=True):
        k = int(k)
        if k <= 0 or pool.shape[0] == 0:
            continue
        pool_levels = levels
        if is_lottery and lottery_capture is not None:
            pool_levels = _Levels(np.full(levels.n, float(lottery_capture)))
        everyone_stands = is_lottery and not lottery_acceptance
        stands = np.ones(n, dtype=bool) if everyone_stands else steps_forward
        willing = eligible if everyone_stands else stands_and_eligible
        order = pool[np.argsort(noise[pool], kind="stable")]  # random order for top-ups
        member: np.ndarray | None = None  # which of the candidates each level has (None: all)
        if levels.n == 1:
            order = order[~taken[order]]  # nobody holds two seats
            candidates = _pool_candidates(order, k, willing, stands, eligible)
        elif taken[order].any():  # nobody holds two seats: candidates differ by level
            by_level = np.zeros(seated.shape, dtype=bool)
            for row, seated_row in zip(by_level, seated, strict=True):
                free = order[~seated_row[order]]
                row[_pool_candidates(free, k, willing, stands, eligible)] = True
            candidates = np.flatnonzero(by_level.any(axis=0))
            member = by_level[:, candidates]
        else:
            candidates = _pool_candidates(order, k, willing, stands, eligible)
        if candidates_out is not None:
            candidates_out[candidates] = True
        rule = SELECTION_RULES["random"] if is_lottery else score_rule
        if member is None and pool_levels.same:  # every level ranks alike
            top = _rank_one(candidates, pool, k, pool_levels.first, rule, context)
            if levels.n > 1:
                seated[:, top] = True
        else:
            rows, top = _rank_levels(candidates, member, pool, k, pool_levels, rule, context)
            seated[rows, top] = True
        taken[top] = True  # (one level: taken is its row of seated)
    return seated


def _check_captures(captures: np.ndarray, lottery_capture: float | None) -> None:
    """Refuse capture levels outside [0, 1] (NaN included): a selection is defined on [0, 1]."""
    levels = np.asarray(captures, dtype=float)
    extra = () if lottery_capture is None else (float(lottery_capture),)
    if not (np.all((levels >= 0.0) & (levels <= 1.0)) and all(0.0 <= c <= 1.0 for c in extra)):
        raise ValueError(
            f"capture levels must lie in [0, 1]; got {levels.tolist()}"
            + (f" and lottery_capture={extra[0]}" if extra else "")
        )


class _Levels:
    """Capture levels of one selection, with what every pool's ranking reads of them."""

    def __init__(self, captures: np.ndarray) -> None:
        self.array = captures
        self.captures: list[float] = captures.tolist()
        self.n = len(self.captures)
        self.first = self.captures[0]
        #: Every level has the same capture (then every level ranks alike).
        self.same = all(c == self.first for c in self.captures)

    @cached_property
    def positive(self) -> np.ndarray:
        """``captures > 0``, ``bool[L]``."""
        return self.array > 0

    @cached_property
    def weight(self) -> np.ndarray:
        """The captures as a column, ``float64[L, 1]``."""
        return self.array[:, None]

    @cached_property
    def rest(self) -> np.ndarray:
        """``1 - captures`` as a column, ``float64[L, 1]``."""
        return 1.0 - self.weight


@dataclass(frozen=True)
class _PoolContext:
    """What every pool of one selection shares (the draws and what the selector sees)."""

    noise: np.ndarray
    seen: np.ndarray
    resources: np.ndarray
    engagement: np.ndarray
    lobby_distance: np.ndarray

    def score(self, rule: SelectionRule, candidates: np.ndarray, pool: np.ndarray) -> np.ndarray:
        """The rule's scores of ``candidates`` (one per candidate, checked)."""
        score = np.asarray(
            rule.score(
                SelectionContext(
                    candidates, pool, self.noise, self.seen, self.resources, self.engagement
                )
            )
        )
        if score.shape != candidates.shape:
            raise ValueError(
                f"selection rule {rule.name!r} scored {score.shape} for "
                f"{candidates.shape[0]} candidates: must give one score per candidate"
            )
        return score


def _pool_candidates(
    order: np.ndarray, k: int, willing: np.ndarray, stands: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    """A pool's candidates (sorted indices) from its unseated members in random ``order``.

    The ``willing`` (standing and eligible), topped up to ``k`` with eligible members who did
    not stand, then with ineligible ones.
    """
    candidates = order[willing[order]]
    if candidates.shape[0] < k:
        rest = order[eligible[order] & ~stands[order]]
        candidates = np.concatenate([candidates, rest[: k - candidates.shape[0]]])
    if candidates.shape[0] < k:
        rest = order[~eligible[order]]
        candidates = np.concatenate([candidates, rest[: k - candidates.shape[0]]])
    return np.sort(candidates)


def _rank_one(
    candidates: np.ndarray,
    pool: np.ndarray,
    k: int,
    capture: float,
    rule: SelectionRule,
    context: _PoolContext,
) -> np.ndarray:
    """Screen and rank one pool's candidates at one capture level; who wins its ``k`` seats."""
    if capture > 0 and candidates.shape[0] > k:
        n_keep = max(k, int(np.ceil((1.0 - capture) * candidates.shape[0])))
        closest = np.argsort(context.lobby_distance[candidates], kind="stable")[:n_keep]
        candidates = np.sort(candidates[closest])
    rank = percentile_rank(context.score(rule, candidates, pool))
    if capture == 0:  # 1.0 * r + 0.0 * r' has the bits of r (ranks are >= 0)
        score = rank
    else:
        score = (1.0 - capture) * rank + capture * percentile_rank(
            -context.lobby_distance[candidates]
        )
    score = score + 1e-9 * context.noise[candidates]  # break exact ties at random
    return candidates[np.argsort(-score, kind="stable")[:k]]


def _rank_levels(
    candidates: np.ndarray,
    member: np.ndarray | None,
    pool: np.ndarray,
    k: int,
    levels: _Levels,
    rule: SelectionRule,
    context: _PoolContext,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_rank_one` at every capture level at once; the seats each level fills.

    Level ``l`` considers ``candidates[member[l]]`` (all of them when ``member`` is
    ``None``) with capture ``levels.captures[l]``. A level's candidates are a subsequence of
    ``candidates`` (sorted indices), so the stable sort of theirs by any key is the
    subsequence of the stable sort of all: a level's screening keeps its first ``n_keep``
    along the shared order of closeness, and its ranks are counts of its kept candidates
    along the shared order of scores, divided as :func:`percentile_rank` divides.

    Returns:
        ``(level, stakeholder)`` index pairs of the seats filled.
    """
    size = candidates.shape[0]
    distance = context.lobby_distance[candidates]
    keep = member  # the candidates each level keeps after screening (None: all)
    if member is None:
        if size > k and levels.positive.any():
            closest = np.argsort(distance, kind="stable")
            count = np.array(
                [max(k, int(np.ceil((1.0 - c) * size))) if c > 0 else size for c in levels.captures]
            )
            keep = np.empty((levels.n, size), dtype=bool)
            keep[:, closest] = np.arange(1, size + 1) <= count[:, None]
        else:
            count = np.full(levels.n, size)
    else:
        count = member.sum(axis=1)
        screened = levels.positive & (count > k)
        if screened.any():
            n_keep = np.maximum(k, np.ceil(levels.rest[:, 0] * count).astype(np.int64))
            count = np.where(screened, n_keep, count)
            closest = np.argsort(distance, kind="stable")
            along = member[:, closest]
            keep = np.empty(member.shape, dtype=bool)
            keep[:, closest] = along & (np.cumsum(along, axis=1) <= count[:, None])
    divisor = np.maximum(count - 1, 1)[:, None]
    lonely = count <= 1
    if keep is None or getattr(rule, "per_candidate", False):
        rank = _level_ranks(context.score(rule, candidates, pool), keep, divisor, lonely)
    else:  # score each level's candidates after its screening
        rule_score = np.zeros(keep.shape)
        for row, kept in zip(rule_score, keep, strict=True):
            row[kept] = context.score(rule, candidates[kept], pool)
        rank = _level_ranks(rule_score, keep, divisor, lonely)
    if levels.positive.any():  # 1.0 * r + 0.0 * r' has the bits of r (ranks are >= 0)
        score = levels.rest * rank
        score += levels.weight * _level_ranks(-distance, keep, divisor, lonely)
    else:
        score = np.broadcast_to(rank, (levels.n, size))
    score = score + 1e-9 * context.noise[candidates]  # break exact ties at random
    np.negative(score, out=score)
    if keep is not None:
        score[~keep] = np.inf  # dropped candidates rank last and are never seated
    best = np.argsort(score, axis=1, kind="stable")[:, :k]
    if count.min() >= k:
        return np.repeat(np.arange(levels.n), best.shape[1]), candidates[best.ravel()]
    won = np.arange(best.shape[1]) < np.minimum(count, k)[:, None]
    return np.nonzero(won)[0], candidates[best[won]]


def _level_ranks(
    values: np.ndarray, keep: np.ndarray | None, divisor: np.ndarray, lonely: np.ndarray
) -> np.ndarray:
    """:func:`percentile_rank` of ``values`` among each level's kept candidates.

    ``values`` is ``float64[u]`` (the same at every level) or ``float64[L, u]``; ``keep``
    ``bool[L, u]`` (``None``: every level keeps all, and the result is ``float64[u]``);
    ``divisor`` each level's kept count less one (at least 1) as a column; ``lonely`` the
    levels that keep one candidate or none (rank 1). Entries a level does not keep are
    meaningless.
    """
    if keep is None:
        return percentile_rank(values)
    order = np.argsort(values, axis=-1, kind="stable")
    ranks = np.empty(keep.shape, dtype=np.int64)
    if order.ndim == 1:
        ranks[:, order] = np.cumsum(keep[:, order], axis=1)
    else:
        np.put_along_axis(
            ranks, order, np.cumsum(np.take_along_axis(keep, order, axis=1), axis=1), axis=1
        )
    ranks -= 1
    scaled = ranks / divisor  # as percentile_rank divides: int64 / int64 is float64 division
    if lonely.any():
        scaled[lonely] = 1.0
    return scaled


def update_terms(
    terms_served: np.ndarray, was_seated: np.ndarray, seated: np.ndarray
) -> np.ndarray:
    """Consecutive terms served after a selection: +1 if re-seated, 1 if new, 0 if not seated."""
    return np.where(seated, np.where(was_seated, terms_served + 1, 1), 0)


def eligible_for_term(terms_served: np.ndarray, term_limit: int) -> np.ndarray:
    """Who may take a seat: everyone when ``term_limit == 0``, else those below the limit."""
    if term_limit <= 0:
        return np.ones(terms_served.shape[0], dtype=bool)
    return terms_served < term_limit


def attendance_probability(
    engagement: np.ndarray,
    log_resources: np.ndarray,
    affectedness: np.ndarray,
    support: np.ndarray,
    *,
    intercept: float,
    b_engagement: float,
    b_resources: float,
    b_affectedness: float,
    cost: float,
) -> np.ndarray:
    """Probability of attending an open round (docs/ODD.md §7.2.5).

    ``p = sigmoid(b0 + b_e * engagement + b_r * log(resources) + b_a * affectedness
    - cost * (1 - support))``: attendance favours the engaged, the resourceful and the
    affected; a participation subsidy ``support`` in [0, 1] offsets the cost. Takes
    ``log(resources)``. The model computes the terms that are constant over a run once
    (:func:`attendance_terms`) and calls :func:`attendance_from_terms` each round.
    """
    terms = attendance_terms(
        log_resources,
        affectedness,
        support,
        b_resources=b_resources,
        b_affectedness=b_affectedness,
        cost=cost,
    )
    return attendance_from_terms(engagement, terms, intercept=intercept, b_engagement=b_engagement)


def attendance_terms(
    log_resources: np.ndarray,
    affectedness: np.ndarray,
    support: np.ndarray,
    *,
    b_resources: float,
    b_affectedness: float,
    cost: float,
) -> np.ndarray:
    """The terms of the attendance logit that do not change over a run, ``float64[3, N]``.

    ``b_r * log(resources)``, ``b_a * affectedness`` and ``cost * (1 - support)``: the model
    computes them once and passes them to :func:`attendance_from_terms` each round.
    """
    return np.stack(
        [b_resources * log_resources, b_affectedness * affectedness, cost * (1.0 - support)]
    )


def attendance_from_terms(
    engagement: np.ndarray, terms: np.ndarray, *, intercept: float, b_engagement: float
) -> np.ndarray:
    """:func:`attendance_probability` from its constant terms (:func:`attendance_terms`).

    The same operations in the same order, so the same bits: ``((b0 + b_e * engagement) +
    b_r * log(resources)) + b_a * affectedness - cost * (1 - support)``, then the sigmoid.
    """
    logit = b_engagement * engagement
    logit += intercept  # b0 + b_e * engagement (addition commutes bit for bit)
    logit += terms[0]
    logit += terms[1]
    logit -= terms[2]
    np.negative(logit, out=logit)
    np.exp(logit, out=logit)
    logit += 1.0
    return np.divide(1.0, logit, out=logit)


def draw_attendance(probability: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Independent Bernoulli draws of attendance, ``bool[N]``."""
    return rng.random(probability.shape[0]) < probability


def gatekeep(
    attending: np.ndarray,
    advocated: np.ndarray,
    lobby_ideal: np.ndarray,
    capture: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Attendees a captured convener turns away; returns the ``excluded`` mask (``bool[N]``).

    Each attendee is excluded with probability ``capture * |a - L| / D``, where ``|a - L|`` is
    the distance of their advocated position to the lobby ideal and ``D`` the largest
    distance from the lobby ideal to any point of ``[0, 1]^d`` (a corner): the less
    conforming a view, the likelier it is screened out; a view at the lobby ideal never is.
    One uniform draw per stakeholder every round, whether or not anyone attends and whatever
    the capture, so that runs differing only in capture share every draw (common random
    numbers).
    """
    draws = np.asarray(rng.random(attending.shape[0]), dtype=float)
    excluded = np.zeros(attending.shape[0], dtype=bool)
    if capture <= 0:
        return excluded
    idx = np.flatnonzero(attending)
    if idx.shape[0] == 0:
        return excluded
    corner = np.maximum(lobby_ideal, 1.0 - lobby_ideal)
    farthest = math.sqrt(corner.dot(corner))  # np.linalg.norm(corner)
    distance = distances(advocated.take(idx, axis=0), lobby_ideal)
    # distances are >= 0, so clipping to [0, 1] only caps at 1
    nonconformity = np.minimum(distance / farthest, 1.0) if farthest > 0 else distance * 0
    excluded[idx] = draws[idx] < capture * nonconformity
    return excluded


# --------------------------------------------------------------------------- seat plans


#: Seat-allocation rules by name: seats per category code for ``n_seats`` category seats.
SEAT_ALLOCATIONS: Registry[Callable[[Any, np.ndarray, Sequence[str]], np.ndarray]] = Registry(
    "seat allocation", "seat_allocation"
)


@SEAT_ALLOCATIONS.register("equal")
def _equal_seats(design: Any, shares: np.ndarray, _names: Sequence[str]) -> np.ndarray:
    """``equal``: the same number of seats per category (largest remainder)."""
    return largest_remainder(np.ones(shares.shape[0]), design.n_seats)


@SEAT_ALLOCATIONS.register("proportional")
def _proportional_seats(design: Any, shares: np.ndarray, _names: Sequence[str]) -> np.ndarray:
    """``proportional``: seats in proportion to population shares (largest remainder)."""
    return largest_remainder(shares, design.n_seats)


@SEAT_ALLOCATIONS.register("explicit")
def _explicit_seats(design: Any, _shares: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """``explicit``: ``seats_per_category`` by name; categories not named get none."""
    explicit = dict(design.seats_per_category)
    return np.array([explicit.get(name, 0) for name in names], dtype=np.int64)


def category_seats(design: Any, shares: np.ndarray, names: Sequence[str]) -> list[SeatPool]:
    """Seats per category under ``seat_allocation``, filled by the selector."""
    seats = SEAT_ALLOCATIONS[design.seat_allocation](design, shares, names)
    return [SeatPool(g, int(k)) for g, k in enumerate(seats)]


def lottery_seats(seats: int, shares: np.ndarray, *, stratified: bool) -> list[SeatPool]:
    """``seats`` drawn by lot: from the whole population, or per category by share (strata)."""
    if stratified:
        per_category = largest_remainder(shares, seats)
        return [SeatPool(g, int(k), lottery=True) for g, k in enumerate(per_category)]
    return [SeatPool(None, int(seats), lottery=True)]


# --------------------------------------------------------------------------- membership rules


#: What every membership rule provides (docs/extending.md): attributes, then methods. The model's
#: phases, the adaptive lobby's forecast, the reference model and the parameter checks ask a
#: rule these and nothing else; :func:`check_membership_rule` refuses a rule that lacks one.
MEMBERSHIP_PROTOCOL: tuple[str, ...] = (
    "name", "summary", "parameters", "default_support", "seated", "open_round", "everyone",
    "selector_capturable", "seat_pools", "selects_seats", "rounds_left", "eligible",
    "attendance", "voice", "category_answerers", "expected_stay",
)  # fmt: skip


@dataclass(frozen=True)
class MembershipRule:
    """A membership rule: who sits in or attends the forum, and what that implies.

    The built-in rules are instances of this class composed from parts (a seat plan, an open
    round, a plenary); a new rule subclasses it and overrides the methods whose behaviour
    differs (see ``examples/plugins/rotating_seats.py``). Every consumer — the model's
    phases, the adaptive lobby's forecast, the per-agent reference model, the parameter
    checks — asks these attributes and methods; none interprets a rule on its own. Methods
    are pure functions over numpy arrays (one entry per stakeholder they are given), so the
    reference model calls them on its agents' values too.

    Attributes:
        name: Registered name (the value of the ``membership`` parameter).
        summary: One line for docs, the app and error messages.
        seat_plan: For a seated body: ``(design, population shares, category names) ->
            [SeatPool]``, the pools whose seats are (re)filled every ``term_length`` steps;
            ``None`` when there are no seats.
        open_round: Self-selected attendees join each round (attendance logit, gatekeeping).
        everyone: Every stakeholder is a member every round (a plenary).
        selector_capturable: Lobby ties with the selector/convener capture it (endogenous
            capture); false for a pure lottery, which leaves no discretion to sell.
        category_accountability: Seated members answer to their category's median interest
            (open attendees always answer to their own interest).
        consulted_voice: Attendees who hold no seat speak with ``consultation_weight`` of
            their voice (a consultation beside a seated body).
        default_support: Participation support per category name used when the design gives
            none (``participation_support`` empty).
        parameters: The rule-specific design parameters the rule reads (seats, selection,
            lottery, open round...); a value given for a rule-specific parameter that the
            chosen rule does not read is reported before a study runs.
    """

    name: str
    summary: str
    seat_plan: Callable[[Any, np.ndarray, Sequence[str]], list[SeatPool]] | None = None
    open_round: bool = False
    everyone: bool = False
    selector_capturable: bool = True
    category_accountability: bool = False
    consulted_voice: bool = False
    default_support: tuple[tuple[str, float], ...] = ()
    parameters: frozenset[str] = frozenset()

    @property
    def seated(self) -> bool:
        """Whether the forum has a seated body filled each term."""
        return self.seat_plan is not None

    def seat_pools(self, design: Any, shares: np.ndarray, names: Sequence[str]) -> list[SeatPool]:
        """The pools whose seats are filled at each selection (empty when unseated).

        Args:
            design: The design levers (:class:`~msisim.params.DesignParams`).
            shares: Population share of each category, ``float64[G]``.
            names: Category names, in code order.
        """
        return [] if self.seat_plan is None else self.seat_plan(design, shares, names)

    def selects_seats(self, step: int, design: Any) -> bool:
        """Whether seats are (re)filled at ``step`` (1-based): the first step of each term."""
        return self.seated and (step - 1) % design.term_length == 0

    def rounds_left(self, step: int, design: Any) -> int:
        """Rounds left in the current term at ``step``, this one included (1 on its last)."""
        return int(design.term_length - (step - 1) % design.term_length)

    def eligible(self, terms_served: np.ndarray, seated: np.ndarray, design: Any) -> np.ndarray:
        """Who may take a seat at the next selection, ``bool[n]``.

        Args:
            terms_served: Consecutive terms each has served, ``int[n]``.
            seated: Whether each holds a seat now (the incumbents), ``bool[n]``.
            design: The design levers; here only ``term_limit`` is read (0 = no limit).
        """
        return eligible_for_term(terms_served, design.term_limit)

    def attendance(self, probability: np.ndarray, seated: np.ndarray, design: Any) -> np.ndarray:
        """Each stakeholder's chance to attend this round's open session, ``float64[n]``.

        Asked only by a rule with an ``open_round``. By default the attendance logit's
        probability (docs/ODD.md 7.2.5) for everyone without a seat, and 0 for seat holders,
        who are in the room anyway.

        Args:
            probability: The attendance logit's probability of each, ``float64[n]``.
            seated: Whether each holds a seat, ``bool[n]``.
            design: The design levers.
        """
        return np.where(seated, 0.0, probability) if self.seated else probability

    def voice(
        self, base_voice: np.ndarray, presence: np.ndarray, seated: np.ndarray, design: Any
    ) -> np.ndarray:
        """Members' voice, ``base * (1 + presence_weight * presence)``.

        A consulted attendee who holds no seat (``consulted_voice``) speaks with
        ``consultation_weight`` of it.

        Args:
            base_voice: ``resources ** voice_resource_exponent`` of each member, ``float64[n]``.
            presence: Each member's presence (moving average of membership), ``float64[n]``.
            seated: Whether each member holds a seat, ``bool[n]``.
            design: The design levers.
        """
        voice = design.presence_weight * presence
        voice += 1.0
        voice *= base_voice
        if self.consulted_voice:
            voice = np.where(seated, voice, design.consultation_weight * voice)
        return voice

    def category_answerers(self, seated: np.ndarray) -> np.ndarray:
        """Which of the given seat holders answer to their category (not to themselves).

        Args:
            seated: Indices of the seated stakeholders, ``int[k]``.

        Returns:
            The subset of ``seated`` whose ``accountability`` pull is toward their
            category's median interest (all of them for a representative body, none for a
            lottery or an open forum, whose members answer to their own interest).
        """
        return seated if self.category_accountability else seated[:0]

    def expected_stay(
        self,
        *,
        step: int,
        design: Any,
        seated: np.ndarray,
        terms_served: np.ndarray,
        incumbent_terms: np.ndarray,
        attendance: np.ndarray | None,
        horizon: float,
    ) -> np.ndarray:
        """How many more rounds each member is expected to stay (this one included).

        What a tie bought now is worth to the adaptive lobby depends on it. A seat holder
        stays the rest of the term, plus a whole term with the odds that an incumbent is
        re-seated (estimated from the incumbents' record, ``(re-seated + 1) / (n + 2)``) if
        the rule lets them stand again (:meth:`eligible`); an open attendee comes back with
        its attendance probability each round; a plenary member stays for ``horizon``.

        Args:
            step: The current step (1-based).
            design: The design levers.
            seated: Whether each member holds a seat, ``bool[m]``.
            terms_served: Consecutive terms each member has served, ``int[m]``.
            incumbent_terms: Terms served by every seat holder in the forum, ``int[k]``.
            attendance: Each member's attendance probability in an open round (``None``
                when the rule has none).
            horizon: The lobby's horizon in rounds.

        Returns:
            ``float64[m]``.
        """
        term = design.term_length
        if self.seated and seated.any():
            reseated = (np.count_nonzero(incumbent_terms > 1) + 1.0) / (
                incumbent_terms.shape[0] + 2.0
            )
            may_return = self.eligible(terms_served, seated, design)
            stay = np.where(
                seated, self.rounds_left(step, design) + reseated * may_return * term, horizon
            )
        else:
            stay = np.full(seated.shape[0], horizon)
        if self.open_round and attendance is not None:
            stay = np.where(seated, stay, 1.0 + attendance * horizon)
        return stay


#: Refuses a membership rule that lacks part of its protocol (``MEMBERSHIP_PROTOCOL``).
check_membership_rule = protocol_check(
    "membership rule", MEMBERSHIP_PROTOCOL[:8], MEMBERSHIP_PROTOCOL[8:]
)

#: Design parameters of a body whose seats a selector fills each term.
SELECTED_SEATS = frozenset(
    {
        "n_seats", "seat_allocation", "seats_per_category", "selection", "term_length",
        "term_limit", "cooling_off", "rotation_tie_retention", "selector_information",
        "selector_noise",
    }
)  # fmt: skip
#: Design parameters of seats drawn by lot.
LOTTERY_SEATS = frozenset(
    {"n_seats", "term_length", "term_limit", "cooling_off", "rotation_tie_retention",
     "sortition_acceptance"}
)  # fmt: skip
#: Design parameters of a self-selected open round.
OPEN_ROUND = frozenset({"participation_support"})

#: Membership rules by name.
MEMBERSHIP_RULES: Registry[MembershipRule] = Registry(
    "membership rule", "membership", check=check_membership_rule
)


def register_membership(rule: MembershipRule) -> MembershipRule:
    """Register a membership rule under its name (one call per rule), checking its protocol."""
    return MEMBERSHIP_RULES.add(rule.name, rule)


register_membership(
    MembershipRule(
        "representative",
        "seats per category, filled each term by a selector that lobbyists can capture",
        seat_plan=category_seats,
        category_accountability=True,
        parameters=SELECTED_SEATS,
    )
)
register_membership(
    MembershipRule(
        "open",
        "anyone may attend each round; attendance favours the engaged and resourceful",
        open_round=True,
        parameters=OPEN_ROUND,
    )
)
register_membership(
    MembershipRule(
        "sortition",
        "seats drawn by lot from the whole population each term (by category if stratified)",
        seat_plan=lambda design, shares, _names: lottery_seats(
            design.n_seats, shares, stratified=design.stratified
        ),
        selector_capturable=False,
        parameters=LOTTERY_SEATS | {"stratified"},
    )
)
register_membership(
    MembershipRule(
        "plenary",
        "every stakeholder is a member every round (analytic checks, direct democracy)",
        everyone=True,
    )
)
register_membership(
    MembershipRule(
        "representative_with_consultation",
        "a seated body (as representative) that also hears an open round at reduced voice",
        seat_plan=category_seats,
        open_round=True,
        category_accountability=True,
        consulted_voice=True,
        parameters=SELECTED_SEATS | OPEN_ROUND | {"consultation_weight"},
    )
)
register_membership(
    MembershipRule(
        "open_with_support",
        "open, with participation support for low-resource categories by default",
        open_round=True,
        default_support=(("grassroots", 0.5), ("civil_society", 0.5)),
        parameters=OPEN_ROUND,
    )
)
register_membership(
    MembershipRule(
        "representative_with_lottery",
        "category seats as in representative, plus lottery_seats drawn by lot from the whole "
        "population each term",
        seat_plan=lambda design, shares, names: [
            *category_seats(design, shares, names),
            *lottery_seats(design.lottery_seats, shares, stratified=False),
        ],
        category_accountability=True,
        parameters=SELECTED_SEATS | LOTTERY_SEATS | {"lottery_seats"},
    )
)
