"""Step 2 — membership: who sits in, or attends, the forum this round.

* Seated bodies (``representative``, ``sortition``, the seated part of
  ``representative_with_consultation``): :func:`select_seats` fills each pool's seats from
  its candidates, ranked by a selection rule blended with closeness to the lobby ideal in
  proportion to the selector's capture, after dropping the least conforming candidates.
* Open rounds: :func:`attendance_probability` and :func:`draw_attendance`, then
  :func:`gatekeep` (a captured convener turns away attendees far from the lobby ideal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from msisim.metrics import distances, weighted_median


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


def _score_random(
    candidates: np.ndarray, _pool: np.ndarray, noise: np.ndarray, **_: np.ndarray
) -> np.ndarray:
    """``random``: sortition within the pool — a uniform draw per candidate."""
    return noise[candidates]


def _score_election(
    candidates: np.ndarray,
    pool: np.ndarray,
    _noise: np.ndarray,
    *,
    position: np.ndarray,
    advocated: np.ndarray,
    **_: np.ndarray,
) -> np.ndarray:
    """``election``: closeness of the advocated position to the pool's median interest."""
    center = weighted_median(position[pool], np.ones(pool.shape[0]))
    return -np.linalg.norm(advocated[candidates] - center, axis=1)


def _score_merit(
    candidates: np.ndarray,
    _pool: np.ndarray,
    _noise: np.ndarray,
    *,
    resources: np.ndarray,
    **_: np.ndarray,
) -> np.ndarray:
    """``merit``: the most resourceful (time, money, civic skills) rank first."""
    return resources[candidates]


#: Selection rules by name: each scores candidates (higher = preferred).
SELECTION_RULES: dict[str, Callable[..., np.ndarray]] = {
    "random": _score_random,
    "election": _score_election,
    "merit": _score_merit,
}


def selection_rule(name: str) -> Callable[..., np.ndarray]:
    """Look up a selection rule by name; an unknown name raises ``ValueError`` naming valid ones."""
    try:
        return SELECTION_RULES[name]
    except KeyError:
        raise ValueError(
            f"selection={name!r} is invalid: must be one of {', '.join(map(repr, SELECTION_RULES))}"
        ) from None


def select_seats(
    pools: Sequence[np.ndarray],
    seats: Sequence[int],
    *,
    selection: str,
    capture: float,
    lobby_ideal: np.ndarray,
    position: np.ndarray,
    advocated: np.ndarray,
    resources: np.ndarray,
    engagement: np.ndarray,
    eligible: np.ndarray,
    rng: np.random.Generator,
    engaged_only: bool = True,
) -> np.ndarray:
    """Fill the seats of each pool; returns the new ``seated`` mask (``bool[N]``).

    Within each pool (a category, or the whole population for unstratified sortition):

    1. *Candidates* are eligible stakeholders who step forward, each with probability equal
       to their engagement (everyone eligible when ``engaged_only`` is false). If fewer than
       the seats step forward, the remaining eligible members of the pool are added, and only
       if the pool is still short, ineligible ones (so seats are always filled as allocated).
    2. *Screening* (MODEL.md §3.2): a selector with capture ``c`` drops the fraction ``c`` of
       candidates farthest from the lobby ideal, keeping at least as many as there are seats.
    3. *Ranking*: ``score = (1 - c) * rank(rule score) + c * rank(closeness to lobby ideal)``
       with ranks scaled to [0, 1]; the top ``seats`` candidates are seated.

    Args:
        pools: Stakeholder indices of each pool.
        seats: Seats to fill in each pool.
        selection: Name of the selection rule (``random``, ``election``, ``merit``).
        capture: The selector's capture level in [0, 1].
        lobby_ideal: The lobby's ideal point, ``float64[d]``.
        position: True positions, ``float64[N, d]``.
        advocated: Advocated positions, ``float64[N, d]`` (what the selector sees).
        resources: Resources, ``float64[N]``.
        engagement: Engagement, ``float64[N]`` (probability of standing as a candidate).
        eligible: Who may serve another term, ``bool[N]``.
        rng: The model's generator.
        engaged_only: Whether candidacy depends on engagement (false for sortition).

    Returns:
        ``bool[N]`` mask of seated stakeholders.
    """
    score_rule = selection_rule(selection)
    n = position.shape[0]
    steps_forward = rng.random(size=n) < engagement if engaged_only else np.ones(n, dtype=bool)
    noise = np.asarray(rng.random(n), dtype=float)
    lobby_distance = distances(advocated, lobby_ideal)
    seated = np.zeros(n, dtype=bool)
    for pool, k in zip(pools, seats, strict=True):
        k = int(k)
        if k <= 0 or pool.shape[0] == 0:
            continue
        order = pool[np.argsort(noise[pool], kind="stable")]  # random order for top-ups
        willing = order[(steps_forward & eligible)[order]]
        if willing.shape[0] < k:
            rest = order[eligible[order] & ~steps_forward[order]]
            willing = np.concatenate([willing, rest[: k - willing.shape[0]]])
        if willing.shape[0] < k:
            rest = order[~eligible[order]]
            willing = np.concatenate([willing, rest[: k - willing.shape[0]]])
        candidates = np.sort(willing)
        if capture > 0 and candidates.shape[0] > k:
            n_keep = max(k, int(np.ceil((1.0 - capture) * candidates.shape[0])))
            closest = np.argsort(lobby_distance[candidates], kind="stable")[:n_keep]
            candidates = np.sort(candidates[closest])
        rule_score = score_rule(
            candidates, pool, noise, position=position, advocated=advocated, resources=resources
        )
        score = (1.0 - capture) * percentile_rank(rule_score) + capture * percentile_rank(
            -lobby_distance[candidates]
        )
        score = score + 1e-9 * noise[candidates]  # break exact ties at random
        top = candidates[np.argsort(-score, kind="stable")[:k]]
        seated[top] = True
    return seated


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
    """Probability of attending an open round (MODEL.md §3.2).

    ``p = sigmoid(b0 + b_e * engagement + b_r * log(resources) + b_a * affectedness
    - cost * (1 - support))``: attendance favours the engaged, the resourceful and the
    affected; a participation subsidy ``support`` in [0, 1] offsets the cost. Takes
    ``log(resources)`` (constant over a run, so the model computes it once).
    """
    logit = (
        intercept
        + b_engagement * engagement
        + b_resources * log_resources
        + b_affectedness * affectedness
        - cost * (1.0 - support)
    )
    return 1.0 / (1.0 + np.exp(-logit))


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
    No draws when uncaptured.
    """
    excluded = np.zeros(attending.shape[0], dtype=bool)
    if capture <= 0:
        return excluded
    idx = np.flatnonzero(attending)
    if idx.shape[0] == 0:
        return excluded
    farthest = float(np.linalg.norm(np.maximum(lobby_ideal, 1.0 - lobby_ideal)))
    distance = distances(advocated[idx], lobby_ideal)
    nonconformity = np.clip(distance / farthest, 0.0, 1.0) if farthest > 0 else distance * 0
    excluded[idx] = rng.random(idx.shape[0]) < capture * nonconformity
    return excluded
