"""Step 4 — deliberation: bounded-confidence exchange in random pairs, and accountability.

The deliberation *format* (how the exchange is organised: the whole room in pairs, or group
sessions by arena then a plenary) is a registered rule of :data:`DELIBERATION_FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from msisim.registry import Registry


def bounded_confidence(
    advocated: np.ndarray,
    members: np.ndarray,
    voice: np.ndarray,
    *,
    epsilon: float,
    mu: float,
    rng: np.random.Generator,
) -> int:
    """One round of Deffuant-style exchange among ``members``, in place.

    Members are shuffled and paired (each takes part in at most one exchange per round, so
    the cost is O(members)). For a pair ``(i, j)`` whose advocated positions are closer than
    ``epsilon`` (Euclidean):

    ``x_i += mu * w_ij * (x_j - x_i)``, ``x_j += mu * w_ji * (x_i - x_j)``, with voice weights
    ``w_ij = 2 v_j / (v_i + v_j)`` (1 for equal voices, so this is Deffuant et al. 2000
    exactly; ``mu <= 0.5`` keeps every move within the pair's segment).

    Args:
        advocated: Advocated positions, ``float64[N, d]``, modified in place.
        members: Indices of the stakeholders in the room.
        voice: Voice weights, ``float64[N]``.
        epsilon: Confidence bound.
        mu: Convergence parameter in (0, 0.5].
        rng: The model's generator.

    Returns:
        The number of pairs that moved.

    Reference:
        Deffuant, G., Neau, D., Amblard, F., & Weisbuch, G. (2000). Mixing beliefs among
        interacting agents. Advances in Complex Systems, 3, 87-98.
    """
    m = members.shape[0]
    if m < 2:
        return 0
    order = rng.permutation(members)
    half = m // 2
    if m != 2 * half:
        order = order[: 2 * half]
    # Pair k is (a, b) = (order[k], order[half + k]). Both members of every pair are updated
    # in one pass: row k for a, row half + k for b, each moving toward its partner
    # ``swapped`` (x_a - x_b is the exact negation of x_b - x_a, so x_b += c * (x_a - x_b)
    # has the bits of x_b -= c * (x_b - x_a)).
    swapped = np.concatenate((order[half:], order[:half]))
    pos = advocated.take(order, axis=0)
    toward = advocated.take(swapped, axis=0)
    toward -= pos
    diff = toward[:half]  # x_b - x_a
    if diff.shape[1] == 2:  # squared distance column by column (the bits of einsum's)
        close = diff[:, 0] * diff[:, 0]
        close += diff[:, 1] * diff[:, 1]
    else:
        close = np.einsum("ij,ij->i", diff, diff)
    close = close < epsilon * epsilon
    n_moved = np.count_nonzero(close)
    if n_moved == 0:
        return 0
    own = voice.take(order)
    other = voice.take(swapped)
    total = own + other
    if np.minimum.reduce(total) > 0:
        weight = 2.0 * other / total
    else:  # a silent pair (both voices 0) weighs its two members equally
        safe = np.where(total > 0, total, 1.0)
        weight = np.where(total > 0, 2.0 * other / safe, 1.0)
    weight *= mu
    toward *= weight[:, None]
    pos += toward
    if n_moved == half:
        advocated[order] = pos
    else:  # only the pairs within epsilon move
        both = np.concatenate((close, close))
        advocated[order[both]] = pos[both]
    return int(n_moved)


def accountability_pull(advocated: np.ndarray, anchor: np.ndarray, rate: float) -> None:
    """Pull advocated positions toward their anchors, in place: ``x += rate * (anchor - x)``.

    The anchor is what a stakeholder answers to: its own true interest, or for a
    representative its constituency's expressed position (:func:`constituency_signal`).
    """
    if rate > 0:
        pull = np.subtract(anchor, advocated)
        pull *= rate
        advocated += pull


def answer_pull(advocated: np.ndarray, anchor: np.ndarray, rate: np.ndarray) -> None:
    """Pull each advocated position toward its anchor at its own rate, in place.

    ``x_i += rate_i * (anchor_i - x_i)``: members at ``accountability``, everyone else at
    ``expression_rate`` (docs/ODD.md §7.4.3).
    """
    pull = np.subtract(anchor, advocated)
    pull *= rate[:, None]
    advocated += pull


def constituency_signal(
    advocated: np.ndarray,
    category: np.ndarray,
    engagement: np.ndarray,
    speaks: np.ndarray,
    n_categories: int,
) -> np.ndarray:
    """What each category's representatives can observe of their constituency, ``float64[K, d]``.

    The engagement-weighted mean of the *expressed* (advocated) positions of the category's
    stakeholders who speak (``speaks``: everyone but the seated themselves):
    ``s_g = sum_{i in g, speaks} e_i a_i / sum_{i in g, speaks} e_i``. Those who speak up are
    heard in proportion to their engagement; nobody's true interest is read. A category with
    no engaged speaker has no signal (a row of NaN): its representatives then answer to their
    own interest. One ``np.bincount`` per coordinate, no loop over stakeholders.
    """
    weight = np.where(speaks, engagement, 0.0)
    total = np.bincount(category, weights=weight, minlength=n_categories)
    d = advocated.shape[1]
    sums = np.empty((n_categories, d))
    for j in range(d):
        sums[:, j] = np.bincount(category, weights=weight * advocated[:, j], minlength=n_categories)
    heard = total > 0
    signal = np.full((n_categories, d), np.nan)
    signal[heard] = sums[heard] / total[heard, None]
    return signal


#: Deliberation formats by name (the ``deliberation`` parameter): how the room's exchange of
#: arguments is organised in a round. Each takes ``(advocated, members, voice, groups,
#: epsilon=, mu=, rng=)``, where ``groups`` gives each row of ``advocated`` a group code (the
#: arena of its category; see :func:`msisim.scorecard.arena_groups`), and returns the number
#: of pairs that moved.
DELIBERATION_FORMATS: Registry[Callable[..., int]] = Registry("deliberation format", "deliberation")


@DELIBERATION_FORMATS.register("pairs")
def _pairs(
    advocated: np.ndarray,
    members: np.ndarray,
    voice: np.ndarray,
    _groups: np.ndarray,
    *,
    epsilon: float,
    mu: float,
    rng: np.random.Generator,
) -> int:
    """``pairs``: one round of :func:`bounded_confidence` in the whole room (the default)."""
    return bounded_confidence(advocated, members, voice, epsilon=epsilon, mu=mu, rng=rng)


@DELIBERATION_FORMATS.register("arena_sessions")
def _arena_sessions(
    advocated: np.ndarray,
    members: np.ndarray,
    voice: np.ndarray,
    groups: np.ndarray,
    *,
    epsilon: float,
    mu: float,
    rng: np.random.Generator,
) -> int:
    """``arena_sessions``: group sessions by arena, then a plenary.

    As in the data-collection workshops of the Indonesia Governance Index (Kemitraan 2013),
    the room first splits into one group per arena (government, bureaucracy, civil society,
    economic society; a category in no arena forms its own group) and each group holds one
    round of :func:`bounded_confidence` among its members, in the order of the group codes;
    then the whole room holds one plenary round. Each member takes part in at most two
    exchanges per round (one in its group, one in the plenary).
    """
    moved = 0
    room_groups = groups[members]
    for code in np.unique(room_groups):
        moved += bounded_confidence(
            advocated, members[room_groups == code], voice, epsilon=epsilon, mu=mu, rng=rng
        )
    return moved + bounded_confidence(advocated, members, voice, epsilon=epsilon, mu=mu, rng=rng)
