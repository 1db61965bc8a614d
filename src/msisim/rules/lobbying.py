"""Step 3 — lobbying: ties bought with money and time, their decay, pull and capture.

Ties ("intimacy") live in a dense ``float64[K, N]`` array (one row per lobby: a lobby acts as
one actor, however many lobbyists share its budget, so how its money is split changes
nothing) plus a ``float64[K]`` array of ties with the selector/convener. Every function here
is vectorised over members; the model loops only over the lobbies, who are few.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from msisim.apportionment import largest_remainder
from msisim.metrics import distances
from msisim.registry import Registry, protocol_check


@dataclass(frozen=True)
class TargetingContext:
    """What a lobby strategy sees of the members it can reach this round (rows = members).

    Attributes:
        advocated: Their advocated positions, ``float64[m, d]``.
        base_voice: Their base voice (``resources ** voice_resource_exponent``), ``float64[m]``.
        category: Their category codes, ``int[m]``.
        seated: Whether each holds a seat, ``bool[m]``.
        proposal: The last proposal put to the decision rule, ``float64[d]``.
        lobby_ideal: The lobby's ideal point, ``float64[d]``.
        category_names: Category names, in code order.
    """

    advocated: np.ndarray
    base_voice: np.ndarray
    category: np.ndarray
    seated: np.ndarray
    proposal: np.ndarray
    lobby_ideal: np.ndarray
    category_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class LobbyStrategy:
    """A lobby strategy: which members a lobby targets (docs/ODD.md §7.3).

    A strategy *scores* the members it can reach (:class:`TargetingContext`, higher =
    targeted first); the lobby spends ``1 - selector_spending`` of its budget equally on the
    top ``max(1, ceil(lobby_focus * m))`` of them (:func:`choose_targets`) and the rest on
    the selector. A strategy that ``allocates`` spends the whole budget itself, selector
    included, from the forum's rules (the adaptive lobby, :func:`adaptive_spending`); its
    ``score`` is then only a one-step ranking.

    Attributes:
        name: Registered name (the value of ``lobby_strategy``).
        summary: One line for docs, the app and error messages.
        score: ``(TargetingContext) -> float64[m]``, a pure function.
        allocates: Whether the model hands the strategy the whole budget (adaptive).
    """

    name: str
    summary: str
    score: Callable[[TargetingContext], np.ndarray]
    allocates: bool = False


#: Refuses a lobby strategy that lacks part of its protocol (what its class documents).
check_strategy = protocol_check("lobby strategy", ("name", "summary", "allocates"), ("score",))

#: Targeting strategies by name.
STRATEGIES: Registry[LobbyStrategy] = Registry(
    "lobby strategy", "lobby_strategy", check=check_strategy
)


def register_strategy(strategy: LobbyStrategy) -> LobbyStrategy:
    """Register a lobby strategy under its name (one call per strategy), checking its protocol."""
    return STRATEGIES.add(strategy.name, strategy)


def _allies(c: TargetingContext) -> np.ndarray:
    """``allies``: members already advocating close to the lobby ideal."""
    return -distances(c.advocated, c.lobby_ideal)


def _swing(c: TargetingContext) -> np.ndarray:
    """``swing``: members advocating close to the current proposal (the pivotal middle)."""
    return -distances(c.advocated, c.proposal)


def _influential(c: TargetingContext) -> np.ndarray:
    """``influential``: members with the highest base voice (``resources ** exponent``)."""
    return c.base_voice.astype(float)


register_strategy(
    LobbyStrategy("allies", "members already advocating close to the lobby ideal", _allies)
)
register_strategy(
    LobbyStrategy("swing", "members advocating close to the current proposal", _swing)
)
register_strategy(LobbyStrategy("influential", "members with the highest base voice", _influential))


@dataclass(frozen=True)
class Actor:
    """One lobby, acting as one actor: its lobbyists share its budget and its ties.

    Attributes:
        name: ``lobby`` for the main lobby, else the further lobby's name.
        ideal: Its ideal point, ``float64[d]``.
        budget: Its total spend per step (0 when it does not act).
        strategy: How it spends.
    """

    name: str
    ideal: np.ndarray
    budget: float
    strategy: LobbyStrategy


def actors(context: Any) -> tuple[Actor, ...]:
    """The lobbies of a run's context (``ContextParams``): the main one first, then ``lobbies``.

    The main lobby's budget is ``lobby_budget`` when it has lobbyists, else 0; a further lobby
    without a strategy of its own spends as the main one does.
    """
    main = Actor(
        "lobby",
        np.asarray(context.lobby_ideal, dtype=float),
        float(context.lobby_budget) if context.n_lobbyists > 0 else 0.0,
        STRATEGIES[context.lobby_strategy],
    )
    further = [
        Actor(
            x.name,
            np.asarray(x.ideal, dtype=float),
            float(x.budget),
            STRATEGIES[x.strategy or context.lobby_strategy],
        )
        for x in context.lobbies
    ]
    return (main, *further)


def choose_targets(
    strategy: str | LobbyStrategy, context: TargetingContext, focus: float
) -> np.ndarray:
    """Positions (rows of the context) of the members a lobbyist targets this step.

    The top ``max(1, ceil(focus * m))`` members by the strategy's score, ties broken by row
    order (deterministic).

    Raises:
        ValueError: For an unknown strategy name (listing the valid ones), or a score of the
            wrong shape (naming the strategy).
    """
    rule = STRATEGIES[strategy] if isinstance(strategy, str) else strategy
    m = context.advocated.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    k = max(1, int(np.ceil(focus * m)))
    score = np.asarray(rule.score(context))
    if score.shape != (m,):
        raise ValueError(
            f"lobby strategy {rule.name!r} scored {score.shape} for {m} members: must give one "
            "score per member"
        )
    return np.argsort(-score, kind="stable")[:k]


def invest(ties: np.ndarray, spend: float | np.ndarray, tie_cost: float) -> np.ndarray:
    """Ties after spending: ``tie + (1 - tie) * (1 - exp(-spend / tie_cost))``.

    Saturating: each unit of spending closes a constant share of the remaining gap to a full
    tie (1), so ties stay in [0, 1] and the first contacts are the cheapest.
    """
    return ties + (1.0 - ties) * (1.0 - np.exp(-np.asarray(spend) / tie_cost))


def combined_tie(ties: np.ndarray) -> np.ndarray:
    """Strength of a stakeholder's ties to the lobby as a whole: ``1 - prod_l (1 - tie_l)``.

    ``ties`` is ``[L, n]`` (or ``[L]`` for the selector); returns ``[n]`` (or a scalar).
    In [0, 1]; with one lobbyist it is that lobbyist's tie.
    """
    if ties.shape[0] == 0:
        return np.zeros(ties.shape[1:])
    return 1.0 - np.multiply.reduce(1.0 - ties, axis=0)  # np.prod without its wrapper


def lobby_pull(
    advocated: np.ndarray,
    tie: np.ndarray,
    lobby_ideal: np.ndarray,
    *,
    pull: float,
    transparency: float,
) -> np.ndarray:
    """Advocated positions after the lobby's pull.

    ``a += pull * tie * (1 - transparency) * (L - a)``: the stronger the tie, the more a
    member argues the lobby's case; a lobby register (transparency) makes undue closeness
    visible and so weakens the pull.
    """
    force = pull * (1.0 - transparency) * tie
    return advocated + force[:, None] * (lobby_ideal - advocated)


def lobbies_pull(
    advocated: np.ndarray,
    ties: np.ndarray,
    ideals: np.ndarray,
    *,
    pull: float,
    transparency: float,
) -> np.ndarray:
    """Advocated positions after the pull of every lobby (:func:`lobby_pull` for one).

    ``ties`` is ``[K, m]`` (each lobby's tie with each member), ``ideals`` ``[K, d]``. Each
    lobby pulls with force ``f_k = pull * (1 - transparency) * t_k`` toward its ideal; when the
    forces on a member add up to more than 1 they are scaled to sum to 1, so a member is never
    pulled past the lobbies' weighted ideal. With one lobby this is :func:`lobby_pull`.
    """
    if ties.shape[0] == 1:
        return lobby_pull(
            advocated, combined_tie(ties), ideals[0], pull=pull, transparency=transparency
        )
    force = pull * (1.0 - transparency) * ties  # [K, m]
    total = force.sum(axis=0)
    force = force / np.maximum(total, 1.0)
    target = force.T @ ideals  # [m, d]: sum_k f_k L_k
    return advocated + target - force.sum(axis=0)[:, None] * advocated


def captured_selector(selector_ties: np.ndarray, transparency: float) -> float:
    """Endogenous capture of the selector/convener: ``combined_tie * (1 - transparency)``."""
    return float(combined_tie(selector_ties) * (1.0 - transparency))


def selector_capture_by_lobby(
    selector_ties: np.ndarray, ideals: np.ndarray, transparency: float
) -> tuple[float, np.ndarray]:
    """The selector's capture by several lobbies and the ideal it favours.

    ``selector_ties`` is each lobby's tie with the selector ``[K]``, ``ideals`` ``[K, d]``.
    Each lobby's capture is ``c_k = t_k (1 - transparency)``; the selector is captured by some
    lobby with probability ``1 - prod_k (1 - c_k)`` and favours the capture-weighted mean of
    their ideals ``sum_k c_k L_k / sum_k c_k`` (the first lobby's ideal when nobody has
    captured it). With one lobby: :func:`captured_selector` and its ideal.
    """
    if selector_ties.shape[0] == 1:
        return captured_selector(selector_ties, transparency), ideals[0]
    each = selector_ties * (1.0 - transparency)
    total = float(each.sum())
    favoured = each @ ideals / total if total > 0 else ideals[0]
    return float(1.0 - np.prod(1.0 - each)), favoured


def rotate_out(
    ties: np.ndarray,
    leavers: np.ndarray,
    *,
    cooling_off: int,
    retention: float,
) -> None:
    """Ties of members leaving their seat, in place.

    With a cooling-off period (``cooling_off > 0``) they are cut to 0; without, they are only
    weakened to ``retention`` of their strength (the revolving door stays ajar).
    """
    if leavers.shape[0] == 0:
        return
    ties[:, leavers] *= 0.0 if cooling_off > 0 else retention


def astroturf_claims(
    real_counts: np.ndarray, population_shares: np.ndarray, n_paid: int
) -> np.ndarray:
    """Categories claimed by ``n_paid`` paid participants, ``int64[K]``.

    They claim the most under-represented categories, to make the room look inclusive:
    seats go in proportion to each category's deficit ``max(P_g * M' - X_g, 0)`` in the room
    of ``M' = M + n_paid`` (largest remainder), or in proportion to ``P_g`` when no
    category is short.
    """
    if n_paid <= 0:
        return np.zeros(real_counts.shape[0], dtype=np.int64)
    total = real_counts.sum() + n_paid
    deficit = np.maximum(population_shares * total - real_counts, 0.0)
    weights = deficit if deficit.sum() > 0 else population_shares
    return largest_remainder(weights, n_paid)


# --------------------------------------------------------------------------- adaptive lobby


def _adaptive(c: TargetingContext) -> np.ndarray:
    """``adaptive``: spends where the expected gain per unit of budget is highest.

    The model allocates an adaptive lobby's budget with :func:`adaptive_spending`, which knows
    the forum's rules. This score is only its one-step ranking when a fixed number of targets
    is asked for (:func:`choose_targets`): the voice-weighted gap ``v_i (L - a_i) . u`` along
    the axis ``u`` from the last proposal to the lobby ideal (what one unit of a fresh tie
    moves the proposal by, up to constants).
    """
    axis = c.lobby_ideal - c.proposal
    norm = float(np.linalg.norm(axis))
    gap = (
        (c.lobby_ideal - c.advocated) @ (axis / norm)
        if norm > 0
        else distances(c.advocated, c.lobby_ideal)
    )
    return c.base_voice.astype(float) * np.maximum(gap, 0.0)


register_strategy(
    LobbyStrategy(
        "adaptive",
        "spends where the expected gain per unit of budget is highest, selector included",
        _adaptive,
        allocates=True,
    )
)


def discounted_steps(rate: np.ndarray | float, steps: np.ndarray | float) -> np.ndarray:
    """``sum_{h=0}^{H-1} r^h = (1 - r^H) / (1 - r)`` (``H`` when ``r = 1``; real ``H`` allowed)."""
    h = np.asarray(steps, dtype=float)
    if isinstance(rate, int | float):  # one rate (the common case): no masks needed
        r0 = float(rate)
        return h.copy() if abs(1.0 - r0) < 1e-12 else (1.0 - r0**h) / (1.0 - r0)
    r = np.asarray(rate, dtype=float)
    near_one = np.abs(1.0 - r) < 1e-12
    safe = np.where(near_one, 0.5, r)
    return np.where(near_one, h, (1.0 - safe**h) / (1.0 - safe))


def tie_effect(
    steps_left: np.ndarray, tie_decay: float, relaxation: np.ndarray | float
) -> np.ndarray:
    """Cumulative displacement-steps one unit of tie bought now buys, per unit of flow.

    A tie increment decays by ``q = 1 - tie_decay`` per step; at step ``h`` it adds a flow
    ``q^h`` to the member's displacement, which then relaxes by ``p = 1 - relaxation`` per step
    and counts until the member leaves, ``H`` steps from now:

    ``F = sum_{h<H} q^h (1 - p^(H-h)) / (1 - p)
        = [ (1 - q^H)/(1 - q) - p (q^H - p^H)/(q - p) ] / (1 - p)``

    (``H p^H`` for the second sum when ``q = p``). Increases with ``H``; bounded by
    ``1 / (tie_decay * relaxation)``.
    """
    h = np.asarray(steps_left, dtype=float)
    rho = np.minimum(np.maximum(relaxation, 1e-9), 1.0)
    q, p = 1.0 - tie_decay, 1.0 - rho
    q_h, p_h = q**h, p**h  # each power once (discounted_steps' r^H is q_h)
    if isinstance(q, int | float) and abs(1.0 - q) >= 1e-12:
        ties_sum = (1.0 - q_h) / (1.0 - q)  # discounted_steps(q, h)
    else:
        ties_sum = discounted_steps(q, h)
    gap = q - p
    close = np.abs(gap) < 1e-9
    if close.any():
        gap = np.where(close, 1.0, gap)
        cross = np.where(close, h * p_h, p * (q_h - p_h) / gap)
    else:
        cross = p * (q_h - p_h) / gap
    return np.maximum(ties_sum - cross, 0.0) / rho


def member_values(
    advocated: np.ndarray,
    voice_share: np.ndarray,
    tie: np.ndarray,
    lobby_ideal: np.ndarray,
    axis: np.ndarray,
    steps_left: np.ndarray,
    *,
    pull: float,
    transparency: float,
    tie_decay: float,
    accountability: float,
) -> np.ndarray:
    """Expected proposal displacement per unit of combined tie gained on each member.

    ``V_i = w_i * k * g_i * F_i`` with ``w_i = voice_share`` (``v_i / sum v`` over the room:
    member ``i``'s weight in the voice-weighted mean, the proposal of ``weighted_mean`` and
    ``consensus``), ``k = pull * (1 - transparency)``,
    ``g_i = max((L - a_i) . u, 0)`` the member's gap to the lobby ideal along the unit axis
    ``u`` from the public ideal to the lobby ideal, and ``F_i = tie_effect(H_i, tie_decay,
    rho_i)`` the tie's cumulative effect over the ``H_i = steps_left`` rounds the member is
    expected to stay, with relaxation ``rho_i = k * tie_i + accountability`` (the lobby's own
    pull and accountability both pull a displaced position back toward its anchor).
    """
    k = pull * (1.0 - transparency)
    gap = np.maximum((lobby_ideal - advocated) @ axis, 0.0)
    relaxation = k * tie + accountability
    return voice_share * k * gap * tie_effect(steps_left, tie_decay, relaxation)


#: ``ndarray.sum()`` without its Python wrapper (the same reduction, the same bits).
_sum = np.add.reduce


def selection_gain(
    pool_projections: list[np.ndarray],
    pool_distances: list[np.ndarray],
    seats: Sequence[int],
) -> float:
    """Displacement of the seated body's mean along the axis per unit of selector capture.

    A fully captured selector seats, in each pool, the ``k_p`` candidates closest to the lobby
    ideal (smallest ``pool_distances``); an uncaptured one seats a typical draw of the pool.
    Linear in capture:
    ``G = sum_p (k_p / K) * (mean of a.u over the k_p closest - mean of a.u over the pool)``
    with ``K = sum_p k_p``. Pools are the non-lottery pools (a lottery cannot be bought); a
    pool with no more candidates than seats contributes nothing (all of it is seated anyway).
    """
    total = float(sum(seats))
    if total <= 0:
        return 0.0
    gain = 0.0
    for projection, distance, k in zip(pool_projections, pool_distances, seats, strict=True):
        n = projection.shape[0]
        if k <= 0 or k >= n:
            continue
        closest = distance.argpartition(k - 1)[:k]
        seated_sum, pool_sum = _sum(projection[closest]), _sum(projection)  # as ndarray.sum
        gain += k / total * (float(seated_sum) / k - float(pool_sum) / n)
    return max(gain, 0.0)


def gatekeeping_gain(
    advocated: np.ndarray, voice: np.ndarray, lobby_ideal: np.ndarray, axis: np.ndarray
) -> float:
    """Displacement of the proposal along the axis per unit of convener capture.

    Gatekeeping turns attendee ``i`` away with probability ``c * n_i`` (``n_i`` its
    nonconformity, :func:`msisim.rules.membership.gatekeep`). At ``c = 0`` the voice-weighted
    mean then moves by ``dP/dc = sum_i w_i n_i (P - a_i)``; projected on ``u``:
    ``G = max(sum_i w_i n_i (P - a_i) . u, 0)``.
    """
    total = _sum(voice)
    if total <= 0 or advocated.shape[0] == 0:
        return 0.0
    weights = voice / total
    corner = np.maximum(lobby_ideal, 1.0 - lobby_ideal)
    farthest = math.sqrt(corner.dot(corner))  # np.linalg.norm(corner)
    nonconformity = np.minimum(distances(advocated, lobby_ideal) / max(farthest, 1e-12), 1.0)
    projection = advocated @ axis
    proposal = float(weights @ projection)
    return max(float(_sum(weights * nonconformity * (proposal - projection))), 0.0)


def water_fill(
    value: np.ndarray,
    gap: np.ndarray,
    budget: float,
    tie_cost: float | np.ndarray,
    cap: np.ndarray | None = None,
) -> np.ndarray:
    """Spend ``budget`` over items to maximise ``sum_i V_i g_i (1 - exp(-s_i / c))``.

    Item ``i`` gains ``g_i (1 - exp(-s_i / c))`` of tie (``g_i = 1 - tie_i``) worth ``V_i`` per
    unit, so its marginal gain per unit of budget is ``V_i g_i exp(-s_i / c) / c``, decreasing
    in ``s_i``: the optimum equalises it at a level ``lambda`` (water-filling),
    ``s_i = clip(c * ln(V_i g_i / (c lambda)), 0, cap_i)``. Without caps, ``lambda`` has a
    closed form: sorting ``l_i = ln(V_i g_i / c)`` in decreasing order, the ``j`` best items are
    funded at ``ln lambda = (sum_{i<=j} l_i - budget / c) / j`` for the largest ``j`` with
    ``l_j > ln lambda``. Items whose spending would pass their cap are fixed at it and the rest
    re-solved with what is left (a few rounds; clamping only frees budget for the others). If
    even every item at its cap costs less than the budget, each gets its cap and the rest is
    not spent; items with ``V_i g_i = 0`` get 0. ``cap=None`` means no caps (all infinite).

    ``tie_cost`` may be one price per item (``c_i``): then ``l_i = ln(V_i g_i / c_i)``,
    ``s_i = c_i max(l_i - ln lambda, 0)`` and the funded items' level is
    ``ln lambda = (sum c_i l_i - budget) / sum c_i`` (:func:`_shares`).
    """
    worth = np.asarray(value, dtype=float) * np.asarray(gap, dtype=float)
    spend = np.zeros(worth.shape[0])
    priced = np.ndim(tie_cost) > 0
    if cap is None:  # one round, no clamping (the loop below, infinite caps)
        useful = worth > 0
        if budget <= 0 or not useful.any():
            return spend
        if budget == math.inf:  # every item at its (infinite) cap
            spend[useful] = math.inf
            return spend
        if not priced:
            cost = float(tie_cost)
            candidates = np.log(worth[useful] / cost)
            level = _fill_level(candidates, float(budget) / cost)
            spend[useful] = cost * np.maximum(candidates - level, 0.0)
            return spend
        prices = np.asarray(tie_cost, dtype=float)[useful]  # one price per item
        share = _shares(np.log(worth[useful] / prices), prices, float(budget))
        if share is not None:
            spend[useful] = share
        return spend
    cap = np.asarray(cap, dtype=float)
    useful = (worth > 0) & (cap > 0)
    if budget <= 0 or not useful.any():
        return spend
    if cap[useful].sum() <= budget:
        spend[useful] = cap[useful]
        return spend
    price = np.asarray(tie_cost, dtype=float) if priced else float(tie_cost)
    log_worth = np.log(np.where(useful, worth, 1.0) / price)
    free, remaining = useful.copy(), float(budget)
    while free.any() and remaining > 0:
        share = _shares(log_worth[free], price[free] if priced else price, remaining)  # type: ignore[index]
        if share is None:  # a budget too small to register: spend nothing more
            break
        over = share > cap[free]
        if not over.any():
            spend[free] = share
            break
        capped = np.flatnonzero(free)[over]
        spend[capped] = cap[capped]
        remaining -= float(cap[capped].sum())
        free[capped] = False
    return spend


def _shares(log_worth: np.ndarray, price: float | np.ndarray, budget: float) -> np.ndarray | None:
    """What each free item gets of ``budget`` at the common water level (no caps).

    One price ``c``: ``c max(l_i - ln lambda, 0)`` with :func:`_fill_level`. One price per item
    ``c_i``: the funded items (a prefix of those sorted by ``l_i``) share a level
    ``ln lambda = (sum c_i l_i - budget) / sum c_i``. ``None`` when nothing can be funded.
    """
    if np.ndim(price) == 0:
        cost = float(price)
        return cost * np.maximum(log_worth - _fill_level(log_worth, budget / cost), 0.0)
    order = np.argsort(-log_worth, kind="stable")
    ordered, weights = log_worth[order], np.asarray(price)[order]
    levels = (np.cumsum(weights * ordered) - budget) / np.cumsum(weights)
    funded = (ordered > levels).nonzero()[0]
    if funded.size == 0:
        return None
    return price * np.maximum(log_worth - float(levels[funded[-1]]), 0.0)


def water_fills(
    value: np.ndarray, gap: np.ndarray, budgets: Sequence[float], tie_cost: float
) -> np.ndarray:
    """:func:`water_fill` without caps at one price for each of ``budgets``: the same bits.

    Returns ``float64[len(budgets), n]``, one row per budget. The items' order is sorted once
    and every budget's water level is found in one pass over a ``[budgets, items]`` table (the
    adaptive lobby's split search water-fills the members at six budgets a step); each entry is
    the same arithmetic as :func:`water_fill`'s, so each row has its bits.
    """
    worth = np.asarray(value, dtype=float) * np.asarray(gap, dtype=float)
    budget = np.asarray(budgets, dtype=float)
    out = np.zeros((budget.shape[0], worth.shape[0]))
    useful = worth > 0
    if not useful.any():
        return out
    columns = np.flatnonzero(useful)
    out[np.ix_(budget == math.inf, columns)] = math.inf  # every item at its (infinite) cap
    rows = np.flatnonzero((budget > 0) & (budget < math.inf))
    if rows.shape[0] == 0:
        return out
    cost = float(tie_cost)
    candidates = np.log(worth[columns] / cost)
    ordered = np.sort(candidates)[::-1]
    levels = (ordered.cumsum() - (budget[rows] / cost)[:, None]) / np.arange(
        1, ordered.shape[0] + 1
    )
    above = ordered > levels  # a prefix of each row (the best item is always funded)
    last = above.shape[1] - 1 - above[:, ::-1].argmax(axis=1)  # the last funded item
    level = np.where(above.any(axis=1), levels[np.arange(rows.shape[0]), last], ordered[0])
    out[np.ix_(rows, columns)] = cost * np.maximum(candidates - level[:, None], 0.0)
    return out


def _fill_level(log_worth: np.ndarray, budget_units: float) -> float:
    """Water level ``ln lambda`` at which uncapped items spend ``budget_units * c`` in total."""
    ordered = np.sort(log_worth)[::-1]
    levels = (ordered.cumsum() - budget_units) / np.arange(1, ordered.shape[0] + 1)
    funded = (ordered > levels).nonzero()[0]  # a prefix: the best item is always funded
    if funded.size == 0:  # a budget too small to register in floating point: spend nothing
        return float(ordered[0])
    return float(levels[funded[-1]])


def recusal_cap(
    tie: np.ndarray, strong_tie: float, tie_cost: float, margin: float = 1e-3
) -> np.ndarray:
    """Largest spending that keeps a combined tie below ``strong_tie`` (minus ``margin``).

    From ``tie + (1 - tie)(1 - exp(-s / c)) <= theta``: ``s <= c ln((1 - tie) / (1 - theta))``
    with ``theta = strong_tie - margin``; 0 for members already at or above it.
    """
    theta = strong_tie - margin
    ratio = (1.0 - tie) / max(1.0 - theta, 1e-12)
    return np.where(tie < theta, tie_cost * np.log(np.maximum(ratio, 1.0)), 0.0)


def adaptive_spending(
    member_value: np.ndarray,
    member_tie: np.ndarray,
    selector_value: float,
    selector_tie: float,
    *,
    budget: float,
    tie_cost: float,
    selector_tie_cost: float | None = None,
    strong_tie: float | None = None,
) -> tuple[np.ndarray, float]:
    """The adaptive lobby's spending this step: ``(spend per member, spend on the selector)``.

    The lobby as a whole (all lobbyists; ``budget`` is their total) buys combined ties:
    spending ``s`` on an item with combined tie ``t`` raises it by ``(1 - t)(1 - exp(-s / c))``
    however it is split among lobbyists. Each member ``i`` is worth ``V_i`` =
    :func:`member_values` per unit of tie, the selector/convener ``V_S`` (the gain per unit of
    capture at coming selections or gatekeeping rounds, times ``1 - transparency``; 0 when its
    capture is exogenous or it cannot be captured). The budget goes where the marginal gain per
    unit is highest, ``V (1 - t) exp(-s / c) / c``, equalised by :func:`water_fill`.

    With recusal (``strong_tie`` given), a member whose tie reaches ``strong_tie`` is recused
    and its vote, the only channel of ``V_i``, is lost: crossing never pays in this objective,
    so each member's spending is capped at :func:`recusal_cap` (the tie stays just below).

    The selector's tie has its own price ``selector_tie_cost`` (default: ``tie_cost``, a
    member's): its marginal gain per unit is then ``V_S (1 - t_S) exp(-s / c_S) / c_S``.
    """
    n = member_value.shape[0]
    caps = None  # no caps without recusal
    if strong_tie is not None:
        caps = np.full(n + 1, np.inf)
        caps[:n] = recusal_cap(member_tie, strong_tie, tie_cost)
    value, gap = np.empty(n + 1), np.empty(n + 1)  # members, then the selector
    value[:n], value[n] = member_value, selector_value
    gap[:n], gap[n] = 1.0 - member_tie, 1.0 - selector_tie
    if selector_tie_cost is None or selector_tie_cost == tie_cost:
        spend = water_fill(value, gap, budget, tie_cost, caps)
    else:
        prices = np.full(n + 1, float(tie_cost))
        prices[n] = selector_tie_cost
        spend = water_fill(value, gap, budget, prices, caps)
    return spend[:n], float(spend[n])


#: Capture levels at which the adaptive lobby forecasts who gets seated (:func:`seat_value`).
CAPTURE_GRID = np.linspace(0.0, 1.0, 11)
#: Shares of its budget the adaptive lobby weighs putting into the selector when seats are at
#: stake (:func:`spending_with_seats`); 0 keeps it no worse, in its own forecast, than a lobby
#: barred from the selector.
SELECTOR_SHARES = np.array([0.0, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0])


def seat_value(
    selector_tie: np.ndarray,
    seating: np.ndarray,
    *,
    to_selection: int,
    term: int,
    selections: int,
    tie_decay: float,
    transparency: float,
) -> np.ndarray:
    """Forecast displacement of the seated body at the coming selections, per selector tie.

    ``seating[j]`` is the forecast displacement of the seated body's mean along the lobby's
    axis when the selector is captured at ``CAPTURE_GRID[j]`` (0 at no capture): who gets
    seated, as the selection rule would seat them (:meth:`GovernanceModel._seating_forecast`),
    so the value follows the rule's own non-linear response to capture rather than a line. A tie
    ``t`` now is ``t q^(r + jT)`` at the ``j``-th coming selection (``q = 1 - tie_decay``, ``r``
    rounds to the next one, ``T`` the term), a capture of ``(1 - transparency)`` times that;
    the value is ``sum_{j < selections} D(capture_j)``, ``D`` interpolated on the grid.
    ``selector_tie`` may be an array of candidate ties; returns one value per tie.
    """
    ties = np.atleast_1d(np.asarray(selector_tie, dtype=float))
    decay = (1.0 - tie_decay) ** (to_selection + term * np.arange(max(selections, 1)))
    capture = np.clip(np.outer(ties, decay) * (1.0 - transparency), 0.0, 1.0)
    return np.interp(capture, CAPTURE_GRID, seating).sum(axis=1)


def spending_with_seats(
    member_value: np.ndarray,
    member_tie: np.ndarray,
    selector_tie: float,
    seat_worth: Callable[[np.ndarray], np.ndarray],
    gate_value: float,
    *,
    budget: float,
    tie_cost: float,
    selector_tie_cost: float,
    strong_tie: float | None = None,
) -> tuple[np.ndarray, float]:
    """The adaptive lobby's spending when seats are at stake: ``(per member, on the selector)``.

    The selector's worth in seats is not linear in its tie (``seat_worth(t)``, the forecast
    value of a selector tie ``t``, e.g. :func:`seat_value` times the seated's voice share and
    the rounds a selection holds), so the split between the selector and the members is
    searched: for each share of :data:`SELECTOR_SHARES` of the budget put into the selector,
    the rest is water-filled over the members (:func:`water_fill`, recusal caps as in
    :func:`adaptive_spending`), and the split with the highest forecast total
    ``sum_i V_i dt_i + gate_value dt_S + seat_worth(t_S + dt_S) - seat_worth(t_S)`` is kept
    (ties go to the smaller selector share). ``gate_value`` is the linear worth per unit of
    selector tie at gatekeeping rounds (:func:`gatekeeping_gain`).
    """
    caps = recusal_cap(member_tie, strong_tie, tie_cost) if strong_tie is not None else None
    gap = 1.0 - member_tie
    shares = budget * SELECTOR_SHARES
    gained_tie = (1.0 - selector_tie) * -np.expm1(-shares / selector_tie_cost)
    worth = seat_worth(np.append(selector_tie + gained_tie, selector_tie))  # one call, row-wise
    seats = worth[:-1] - worth[-1]
    best, best_total = (np.zeros(member_value.shape[0]), 0.0), -math.inf
    rests = [budget - to_selector for to_selector in shares]
    spends = (
        water_fills(member_value, gap, rests, tie_cost)
        if caps is None
        else np.array([water_fill(member_value, gap, rest, tie_cost, caps) for rest in rests])
    )
    gained = -np.expm1(-spends / tie_cost)  # each split's tie gains, one row per split
    gained *= gap
    for to_selector, tie_gain, seat_gain, spend, member_gain in zip(
        shares, gained_tie, seats, spends, gained, strict=True
    ):
        total = float(member_value @ member_gain)
        total += gate_value * tie_gain + seat_gain
        if total > best_total + 1e-12:
            best, best_total = (spend, float(to_selector)), total
    return best
