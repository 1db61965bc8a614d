"""Outcome metrics (docs/ODD.md §7.7), each a pure function with its formula, range and source.

Inclusiveness: :func:`rose_index`, :func:`expected_rose_index`, :func:`representation_ratio`,
:func:`viewpoint_coverage`, :func:`gini`. Responsiveness: :func:`congruence_error`,
:func:`mean_citizen_distance`, :func:`congruence`, :func:`adaptation_lags`. Capture:
:func:`lobby_bias`. Helpers: :func:`shares`, :func:`weighted_median`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist
from scipy.special import gammaln


def distances(points: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Euclidean distance of each row of ``points`` to ``target`` (a point or matching rows).

    Same values as ``np.linalg.norm(points - target, axis=1)``, with less overhead: in the
    plane, column by column (the same bits as the row-wise sum of two squares).
    """
    if points.ndim == 2 and points.shape[1] == 2:
        target = np.asarray(target)
        t0, t1 = (target[0], target[1]) if target.ndim == 1 else (target[:, 0], target[:, 1])
        d0 = points[:, 0] - t0
        d1 = points[:, 1] - t1
        d0 *= d0
        d1 *= d1
        d0 += d1
        return np.sqrt(d0, out=d0)
    diff = points - target
    return np.sqrt(np.einsum("ij,ij->i", diff, diff))


def shares(counts: np.ndarray) -> np.ndarray:
    """Normalise non-negative counts (or weights) to shares; all zeros stay zeros.

    Range: each share in [0, 1]; they sum to 1 unless all counts are 0.
    """
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    return counts / total if total > 0 else np.zeros_like(counts)


def rose_index(forum_shares: np.ndarray, population_shares: np.ndarray) -> float:
    """Rose index of proportionality, ``1 - 0.5 * sum_g |S_g - P_g|``.

    ``S_g`` is category g's share of the forum (by headcount or by voice), ``P_g`` its share of
    the population. Equals 1 minus the Loosemore–Hanby index of disproportionality.

    Range: [0, 1]; 1 = the forum mirrors the population.

    Source: Rose (1984), Loosemore & Hanby (1971); as used for descriptive representation by
    Gerring, Jerzak & Oncel (2024), "The Composition of Descriptive Representation",
    American Political Science Review.
    """
    s = np.asarray(forum_shares, dtype=float)
    p = np.asarray(population_shares, dtype=float)
    return 1.0 - 0.5 * float(np.abs(s - p).sum())  # (the same operations on Python floats)


def binomial_mean_absolute_deviation(n: int, p: float) -> float:
    """``E|X - n p|`` for ``X ~ Binomial(n, p)``, exactly, by de Moivre's formula.

    ``E|X - np| = 2 k C(n, k) p^k (1 - p)^(n - k + 1)`` with ``k = floor(n p) + 1``
    (de Moivre 1730; see Diaconis & Zabell 1991, Statistical Science 6(3)). 0 when p is 0 or 1.
    """
    if n <= 0 or p <= 0.0 or p >= 1.0:
        return 0.0
    k = int(np.floor(n * p)) + 1
    if k > n:
        return 0.0
    log_term = (
        np.log(2 * k)
        + gammaln(n + 1)
        - gammaln(k + 1)
        - gammaln(n - k + 1)
        + k * np.log(p)
        + (n - k + 1) * np.log1p(-p)
    )
    return float(np.exp(log_term))


@lru_cache(maxsize=4096)
def _expected_rose_cached(body_size: int, population_shares: tuple[float, ...]) -> float:
    mad = sum(binomial_mean_absolute_deviation(body_size, p) for p in population_shares)
    return 1.0 - 0.5 * mad / body_size


def expected_rose_index(body_size: int, population_shares: Sequence[float]) -> float:
    """Expected Rose index of a body of ``body_size`` members drawn at random from the population.

    Each member's category is an independent draw with probabilities ``P_g``, so the count
    ``X_g ~ Binomial(M, P_g)`` and ``E[Rose] = 1 - 0.5 * sum_g E|X_g - M P_g| / M``, computed
    exactly (:func:`binomial_mean_absolute_deviation`). This is the baseline a selection
    process should reach: a random body of size M is itself imperfectly proportional.

    Range: [0, 1], increasing toward 1 with M. An empty body gets 0.5 (all ``S_g = 0``).

    Source: Gerring, Jerzak & Oncel (2024), APSR, "The Composition of Descriptive
    Representation" (expected Rose index under random selection).
    """
    if body_size <= 0:
        return rose_index(np.zeros(len(population_shares)), np.asarray(population_shares))
    key = tuple(round(float(p), 12) for p in population_shares)
    return _expected_rose_cached(int(body_size), key)


def _log_choose(n: float | np.ndarray, k: float | np.ndarray) -> np.ndarray:
    """``log C(n, k)`` by log-gamma (vectorised; the hypergeometric law without scipy.stats)."""
    return np.asarray(
        gammaln(np.add(n, 1)) - gammaln(np.add(k, 1)) - gammaln(np.subtract(n, k) + 1)
    )


@lru_cache(maxsize=8192)
def _expected_rose_finite_cached(body_size: int, counts: tuple[int, ...]) -> float:
    population = sum(counts)
    mad = 0.0
    for k in counts:
        if k == 0 or k == population:
            continue
        low, high = max(0, body_size - (population - k)), min(k, body_size)
        x = np.arange(low, high + 1)
        pmf = np.exp(
            _log_choose(k, x) + _log_choose(population - k, body_size - x)
            - _log_choose(population, body_size)
        )  # fmt: skip
        mad += float(np.sum(pmf * np.abs(x - body_size * k / population)))
    return 1.0 - 0.5 * mad / body_size


def expected_rose_index_finite(body_size: int, population_counts: Sequence[int]) -> float:
    """Expected Rose index of a body drawn at random *without replacement* from a finite population.

    With ``K_g`` stakeholders of category g among ``N`` and a body of ``M`` drawn without
    replacement, ``X_g ~ Hypergeometric(N, K_g, M)`` and
    ``E[Rose] = 1 - 0.5 * sum_g E|X_g - M K_g / N| / M``, summed exactly over the support.
    It exceeds the with-replacement value of :func:`expected_rose_index` (the finite
    population correction narrows each count), noticeably when M is a large share of N
    (N = 500, M = 100: 0.931 against 0.923).

    Range: [0, 1]; 1 when the body is the whole population; 0.5 for an empty body.

    Source: Gerring, Jerzak & Oncel (2024), APSR (expected Rose index under random
    selection), with the hypergeometric law of draws from a finite population.
    """
    if body_size <= 0:
        return 0.5 if len(population_counts) else 1.0
    counts = tuple(int(k) for k in population_counts)
    return _expected_rose_finite_cached(int(min(body_size, sum(counts))), counts)


def representation_ratio(forum_shares: np.ndarray, population_shares: np.ndarray) -> np.ndarray:
    """Representation ratio ``S_g / P_g`` per category (1 = proportional; 0 = absent).

    Range: [0, 1 / P_g]. Categories with ``P_g = 0`` get 0.
    """
    s = np.asarray(forum_shares, dtype=float)
    p = np.asarray(population_shares, dtype=float)
    return np.divide(s, p, out=np.zeros_like(s), where=p > 0)


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values, ``sum_i sum_j |x_i - x_j| / (2 n^2 mean)``.

    Computed in O(n log n) from the sorted values. Range: [0, 1 - 1/n]; 0 = equal voice.
    Empty or all-zero input gives 0.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = x.shape[0]
    total = x.sum()
    if n == 0 or total <= 0:
        return 0.0
    index = np.arange(1, n + 1)
    return float((2.0 * (index * x).sum() / (n * total)) - (n + 1) / n)


def viewpoint_coverage(
    true_positions: np.ndarray, member_positions: np.ndarray, radius: float
) -> float:
    """Share of stakeholders whose true position is within ``radius`` of a member's advocated one.

    ``(1/n) * #{i : min_j |x_i - a_j| <= radius}``, from the squared distances of all
    (stakeholder, member) pairs, or for a crowded room (m > 250) from each stakeholder's
    nearest member in a k-d tree of the members (O((n + m) log m)). Estimated on a fixed
    random sample of stakeholders by the model.

    Range: [0, 1]; 0 for an empty forum.
    """
    n, m = true_positions.shape[0], member_positions.shape[0]
    if m == 0 or n == 0:
        return 0.0
    if m > 250:  # a crowded room: nearest member per stakeholder beats listing all pairs
        members = cKDTree(member_positions, balanced_tree=False, compact_nodes=False)
        dist, _ = members.query(true_positions, k=1, distance_upper_bound=radius * (1 + 1e-12))
        return float(np.mean(dist <= radius))
    # members by rows: the OR over the members runs along whole rows (the distances are the
    # same bits as cdist(true_positions, member_positions), transposed)
    near = cdist(member_positions, true_positions, "sqeuclidean") <= radius * radius
    return int(np.count_nonzero(near.any(axis=0))) / n


def expected_random_coverage(neighbour_share: np.ndarray, body_size: int) -> float:
    """Expected viewpoint coverage of a body of ``body_size`` stakeholders drawn at random.

    ``neighbour_share[i]`` is the share ``q_i`` of the population whose true position lies
    within the coverage radius of stakeholder i's; a random body of M members (advocating
    their own interests) covers i with probability ``1 - (1 - q_i)^M``, so the expected
    coverage is ``mean_i [1 - (1 - q_i)^M]``. The baseline that makes coverage comparable
    across body sizes (:func:`viewpoint_coverage` grows with the number of members).

    Range: [0, 1]; 0 for an empty body.
    """
    if body_size <= 0 or neighbour_share.size == 0:
        return 0.0
    q = np.clip(np.asarray(neighbour_share, dtype=float), 0.0, 1.0)
    return float(np.mean(1.0 - np.power(1.0 - q, body_size)))


def weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Coordinate-wise weighted median of ``values`` (``[n, d]`` or ``[n]``).

    For each coordinate the smallest value at which the cumulative weight reaches half the
    total; when it reaches exactly half, the midpoint with the next value (so equal weights
    give :func:`numpy.median`). Values with zero weight are ignored. Weights must be
    non-negative with a positive sum.
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    one_d = x.ndim == 1
    if one_d:
        x = x[:, None]
    if (w == 0).any() and (w > 0).any():  # zero-weight values play no part
        x, w = x[w > 0], w[w > 0]
    order = np.argsort(x, axis=0, kind="stable")
    xs = x[order, np.arange(x.shape[1])]  # each column sorted (np.take_along_axis)
    cw = np.cumsum(w[order], axis=0)
    half = cw[-1] / 2.0
    out = np.empty(x.shape[1])
    for k in range(x.shape[1]):
        target = float(half[k])
        i = min(int(cw[:, k].searchsorted(target * (1 - 1e-12))), x.shape[0] - 1)
        reached = float(cw[i, k])
        # np.isclose(reached, target, rtol=1e-12, atol=0), spelled out for speed
        exactly_half = reached == target or (
            abs(reached - target) <= 1e-12 * abs(target) and math.isfinite(target)
        )
        if exactly_half and i + 1 < x.shape[0]:
            out[k] = 0.5 * (xs[i, k] + xs[i + 1, k])
        else:
            out[k] = xs[i, k]
    return out[0:1].reshape(()) if one_d else out


def congruence_error(policy: np.ndarray, public_ideal: np.ndarray) -> float:
    """Many-to-one congruence: distance ``|policy - m|`` between policy and public ideal.

    Range: [0, sqrt(d)]. Source: Golder & Stramski (2010), "Ideological Congruence and
    Electoral Institutions", AJPS 54(1).
    """
    diff = np.ravel(np.asarray(policy, dtype=float) - np.asarray(public_ideal, dtype=float))
    return math.sqrt(diff.dot(diff))  # as numpy.linalg.norm computes it, with less overhead


def mean_citizen_distance(distance: np.ndarray, weights: np.ndarray) -> float:
    """Many-to-many congruence: weighted mean distance ``sum_i w_i |policy - x_i| / sum_i w_i``.

    Args:
        distance: Each stakeholder's distance ``|policy - x_i|`` to the policy.
        weights: Affectedness weights.

    Range: [0, sqrt(d)]. Source: Golder & Stramski (2010).
    """
    total = weights.sum()
    if total <= 0:
        return float(distance.mean())
    # einsum, not BLAS: a threaded BLAS dot waits for a busy second core in parallel sweeps
    return float(np.einsum("i,i->", weights, distance) / total)


def congruence(error: float, n_dims: int) -> float:
    """Static congruence ``1 - error / sqrt(d)`` (``sqrt(d)``: largest distance in ``[0, 1]^d``).

    Range: [0, 1]; 1 = the policy is at the public ideal.
    """
    return float(1.0 - error / math.sqrt(n_dims))


#: The former name of :func:`congruence` (kept for callers of the first release).
responsiveness = congruence


def lobby_bias(policy: np.ndarray, public_ideal: np.ndarray, lobby_ideal: np.ndarray) -> float:
    """Projection of the policy on the public-ideal-to-lobby axis.

    ``(policy - m) . (L - m) / |L - m|^2``: 0 when the policy is at the public ideal ``m``,
    1 at the lobby ideal ``L``, negative when it leans away from the lobby. Range:
    unbounded in principle, within about [-sqrt(d)/|L - m|, sqrt(d)/|L - m|] in the unit cube;
    0 when ``L = m``.
    """
    axis = np.asarray(lobby_ideal, dtype=float) - np.asarray(public_ideal, dtype=float)
    norm2 = float(axis @ axis)
    if norm2 <= 0:
        return 0.0
    return float((np.asarray(policy) - public_ideal) @ axis / norm2)


#: The parts of a forum's structural tilt, in the order they arise (see :func:`tilt_parts`).
TILT_PARTS = ("reference", "selection", "deliberation", "voice", "decision")


def tilt_path(
    position: np.ndarray,
    advocated: np.ndarray,
    members: np.ndarray,
    voice: np.ndarray,
    policy: np.ndarray,
    public_ideal: np.ndarray,
    lobby_ideal: np.ndarray,
    *,
    everyone_mean: np.ndarray | None = None,
) -> list[float]:
    """The lobby bias (:func:`lobby_bias`) of each reference point of :func:`tilt_parts`.

    Six values, from the public ideal ``m`` (0) through the head-counted mean of everyone's
    true position, the members' mean true position, their mean advocated position and its
    voice-weighted mean, to the policy (whose value is ``lobby_bias(policy, m, L)``, the same
    bits). Consecutive differences are the tilt parts. Arguments as for :func:`tilt_parts`.
    """
    m = np.asarray(public_ideal, dtype=float)
    points = [m, position.mean(axis=0) if everyone_mean is None else everyone_mean]
    if members.size:  # (means as sums over the members, divided by their number)
        # rows gathered with take: the same rows as position[members], without the slow
        # fancy-indexing path of numpy for 2-d arrays
        points.append(position.take(members, axis=0).sum(axis=0) / members.size)
        argued = advocated.take(members, axis=0)
        points.append(argued.sum(axis=0) / members.size)
        weights = voice[members]
        total = float(weights.sum())
        points.append((weights @ argued) / total if total > 0 else points[-1])
    else:
        points.extend([points[-1]] * 3)
    points.append(np.asarray(policy, dtype=float))
    # lobby_bias of each point, the axis computed once (one dot product per point, as there)
    axis = np.asarray(lobby_ideal, dtype=float) - m
    norm2 = float(axis @ axis)
    if norm2 <= 0:
        return [0.0] * len(points)
    return [float(move @ axis) / norm2 for move in np.array(points) - m]


def tilt_parts(
    position: np.ndarray,
    advocated: np.ndarray,
    members: np.ndarray,
    voice: np.ndarray,
    policy: np.ndarray,
    public_ideal: np.ndarray,
    lobby_ideal: np.ndarray,
    *,
    everyone_mean: np.ndarray | None = None,
) -> dict[str, float]:
    """Split a forum's lobby bias into the steps between the public ideal and the policy.

    Every part is the projection, on the public-ideal-to-lobby axis (as :func:`lobby_bias`),
    of the move from one reference point to the next; the parts sum exactly to
    ``lobby_bias(policy, m, L)`` with ``m`` the (affectedness-weighted) public ideal:

    - ``reference``: head-counted mean of everyone's true position minus ``m`` (counting
      heads instead of weighting by affectedness);
    - ``selection``: mean true position of the members minus the head-counted mean (who is
      seated or attends);
    - ``deliberation``: members' mean advocated position minus their mean true position (what
      deliberation and accountability did to what members advocate);
    - ``voice``: voice-weighted mean of advocated positions minus the plain mean (voice
      growing with resources and presence);
    - ``decision``: the policy minus the voice-weighted mean (the decision rule, inertia and
      the policy's history).

    With no members, the last four collapse into ``decision``. Range: each part unbounded in
    principle; their sum is the lobby bias. Applied to the no-lobby twin it decomposes the
    structural tilt. ``everyone_mean`` is ``position.mean(axis=0)`` if the caller has it.
    The projections themselves are :func:`tilt_path`.
    """
    bias = tilt_path(
        position, advocated, members, voice, policy, public_ideal, lobby_ideal,
        everyone_mean=everyone_mean,
    )  # fmt: skip
    return parts_of_path(bias)


def parts_of_path(bias: Sequence[float]) -> dict[str, float]:
    """The tilt parts (:data:`TILT_PARTS`) from the six projections of :func:`tilt_path`."""
    return {part: bias[j + 1] - bias[j] for j, part in enumerate(TILT_PARTS)}


def adaptation_lags(
    errors: np.ndarray, shock_steps: Sequence[int], *, tolerance: float, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Steps until the congruence error recovers after each shock.

    ``errors[t - 1]`` is the error observed at step t (steps are 1-based). For a shock at step
    s, the pre-shock level is the mean error over steps ``[s - window, s - 1]`` (the error at
    step s itself when s = 1); the lag is the smallest ``k >= 0`` with
    ``error[s + k] <= pre + tolerance``. A shock never absorbed within the run is *censored*:
    its lag is the number of steps observed after it, ``T - s + 1``.

    Range: [0, T - s + 1] per shock.

    Returns:
        ``(lags, censored)``: per shock inside the run, its lag and whether it was censored.
    """
    errors = np.asarray(errors, dtype=float)
    t_max = errors.shape[0]
    lags, censored = [], []
    for s in shock_steps:
        if s > t_max:
            continue
        before = errors[max(0, s - 1 - window) : s - 1]
        pre = before.mean() if before.size else errors[s - 1]
        after = errors[s - 1 :]
        ok = np.flatnonzero(after <= pre + tolerance)
        if ok.size:
            lags.append(float(ok[0]))
            censored.append(False)
        else:
            lags.append(float(after.shape[0]))
            censored.append(True)
    return np.array(lags), np.array(censored, dtype=bool)


def distribution_of(points: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The population side of :func:`many_to_many_distance`, computed once while positions stay.

    Every coordinate's sorted values, coordinate ``j`` shifted by ``2j`` so that all of them
    sit in one sorted array, and the cumulative weight share at each (``j + share`` in
    coordinate ``j``, with a leading 0): ``(values[d * n], cdf[d * n + 1])``.
    """
    n, d = points.shape
    values, cdf = np.empty(d * n), np.zeros(d * n + 1)
    for j in range(d):
        order = np.argsort(points[:, j], kind="stable")
        cumulative = np.cumsum(weights[order])
        values[j * n : (j + 1) * n] = points[order, j] + 2.0 * j
        cdf[j * n + 1 : (j + 1) * n + 1] = j + cumulative / cumulative[-1]
    return values, cdf


def distribution_at_values(values: np.ndarray, cdf: np.ndarray) -> np.ndarray | None:
    """The population's distribution function at each of its own values (:func:`distribution_of`).

    ``cdf[values.searchsorted(values, "right")]``: what :func:`many_to_many_distance` reads
    of the population at each of its knots, kept while positions stay; None when ``values``
    is not sorted (positions outside ``[0, 2)``), where that function takes its general path.
    """
    if values.size > 1 and not bool((values[1:] >= values[:-1]).all()):
        return None
    return cdf[values.searchsorted(values, "right")]


def many_to_many_distance(
    population: tuple[np.ndarray, np.ndarray],
    room: np.ndarray,
    at_values: np.ndarray | None = None,
) -> float:
    """Many-to-many congruence as a distance between two distributions of positions.

    Golder & Stramski (2010) compare the whole distribution of citizens' preferences with the
    whole distribution of their representatives'. Here: the population's positions
    (:func:`distribution_of`, weighted) against the positions in the room (one weight each),
    by the Wasserstein-1 (earth mover's) distance ``∫ |F(x) - G(x)| dx`` of each coordinate,
    averaged over the coordinates: how far the room's positions must move, on average, to be
    distributed as the population's (the value of ``scipy.stats.wasserstein_distance``).
    The coordinates are laid side by side 2 apart on one line, where both distribution
    functions step by 1 per coordinate, so one pass integrates them all (between them the two
    functions agree and add nothing).

    ``at_values``: :func:`distribution_at_values` of the population, if the caller keeps it
    (the value is the same; it saves a search over the population per call).

    Range: [0, 1]; 0 = the room is distributed as the population is; NaN for an empty room.
    """
    m, d = room.shape
    if m == 0:
        return float("nan")
    values, cdf = population
    seats = np.sort(room.T, axis=1)  # each coordinate's seats in a row
    seats += (2.0 * np.arange(d))[:, None]
    if at_values is None:
        at_values = distribution_at_values(values, cdf)
    # the seats are sorted unless a coordinate leaves [0, 2): the general path then
    if at_values is None or (d > 1 and not bool((seats[:-1, -1] <= seats[1:, 0]).all())):
        return _many_to_many_sorting(values, cdf, seats.ravel(), m, d)
    seats = seats.ravel()
    n_values, n_seats = values.shape[0], seats.shape[0]
    # The knots are the values and the seats merged, each seat before the values equal to it
    # (equal floats: the same array as sorting both). At a knot the gap is
    # cdf[values.searchsorted(knot, "right")] - seats.searchsorted(knot, "right") / m: at a
    # value, at_values and the seats before it; at a seat, two searches for the few seats.
    # The same numbers as searching every knot, without that search.
    below = values.searchsorted(seats, "left")
    at_seat = below + np.arange(n_seats)  # where each seat lands among the knots
    is_seat = np.zeros(n_values + n_seats, dtype=bool)
    is_seat[at_seat] = True
    is_value = ~is_seat
    knots = np.empty(n_values + n_seats)
    knots[at_seat] = seats
    knots[is_value] = values
    # value j follows every seat whose landing rank below[i] is at most j
    bounds = np.empty(n_seats + 2, dtype=np.intp)
    bounds[0], bounds[1:-1], bounds[-1] = 0, below, n_values
    seats_before = np.arange(n_seats + 1).repeat(bounds[1:] - bounds[:-1])
    gap = np.empty(n_values + n_seats)
    gap[is_value] = at_values - seats_before / m
    gap[at_seat] = cdf[values.searchsorted(seats, "right")] - seats.searchsorted(seats, "right") / m
    return float(np.abs(gap[:-1]) @ (knots[1:] - knots[:-1])) / d  # (np.diff(knots))


def _many_to_many_sorting(
    values: np.ndarray, cdf: np.ndarray, seats: np.ndarray, m: int, d: int
) -> float:
    """:func:`many_to_many_distance` by sorting the knots and searching each of them."""
    knots = np.concatenate((values, seats))
    knots.sort(kind="mergesort")
    at = knots[:-1]
    gap = cdf[values.searchsorted(at, "right")] - seats.searchsorted(at, "right") / m
    return float(np.abs(gap) @ np.diff(knots)) / d


def responsiveness_slope(
    ideal_changes: np.ndarray, policy_changes: np.ndarray
) -> tuple[float, float]:
    """Opinion–policy responsiveness: the slope of policy change on public-ideal change.

    Each row is one shock: the change of the public ideal it caused (``Δm_k``, against a
    no-shock twin) and the change of the policy over the same span (``Δy_k``), vectors in
    ``[0, 1]^d``. The slope is the least-squares fit of ``Δy = β Δm`` through the origin over
    every coordinate of every shock, ``β = Σ Δy_k·Δm_k / Σ |Δm_k|^2`` (Achen 1978's
    responsiveness; Soroka & Wlezien 2010's opinion–policy link): 1 = the policy moves as far
    as the public ideal, 0 = not at all. Its standard error is
    ``sqrt(Σ |Δy_k - β Δm_k|^2 / (n - 1) / Σ |Δm_k|^2)`` with ``n`` scalar observations
    (shocks × dimensions), reported only with two shocks or more.

    Returns:
        ``(slope, standard error)``; ``(nan, nan)`` when no shock moved the public ideal.
    """
    dm = np.asarray(ideal_changes, dtype=float).reshape(len(ideal_changes), -1)
    dy = np.asarray(policy_changes, dtype=float).reshape(dm.shape)
    moved = float((dm * dm).sum())
    if dm.shape[0] == 0 or moved <= 1e-12:
        return float("nan"), float("nan")
    slope = float((dy * dm).sum() / moved)
    if dm.shape[0] < 2:
        return slope, float("nan")
    residual = dy - slope * dm
    variance = float((residual * residual).sum()) / (dm.size - 1)
    return slope, math.sqrt(variance / moved)


def odds_ratio(n_aligned: int, n_members: int, pool_share: float) -> float:
    """Selection odds of lobby-aligned stakeholders versus the pool.

    ``[(A + 0.5) / (M - A + 0.5)] / [p / (1 - p)]`` where ``A`` of the ``M`` members are
    lobby-aligned (true interest closer to the lobby ideal than the population's median
    distance) and ``p`` is the aligned share of the population (about 0.5). The 0.5 added to
    each count (Haldane–Anscombe correction) keeps the ratio finite for all-aligned or
    none-aligned bodies.

    Range: (0, inf); 1 = aligned stakeholders are neither favoured nor screened out; for an
    empty forum, 1.
    """
    if n_members <= 0 or not 0.0 < pool_share < 1.0:
        return 1.0
    odds_members = (n_aligned + 0.5) / (n_members - n_aligned + 0.5)
    return float(odds_members / (pool_share / (1.0 - pool_share)))
