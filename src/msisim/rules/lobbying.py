"""Step 3 — lobbying: ties bought with money and time, their decay, pull and capture.

Ties ("intimacy") live in a dense ``float64[L, N]`` array (L lobbyists, who are few) plus a
``float64[L]`` array of ties with the selector/convener. Every function here is vectorised
over members; the model loops only over lobbyists.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from msisim.apportionment import largest_remainder
from msisim.metrics import distances
from msisim.registry import Registry

#: Targeting strategies by name: each scores members (higher = targeted first).
STRATEGIES: Registry[Callable[..., np.ndarray]] = Registry("lobby strategy", "lobby_strategy")


@STRATEGIES.register("allies")
def _allies(advocated: np.ndarray, _voice: np.ndarray, _proposal: np.ndarray, lobby: np.ndarray):
    """``allies``: members already advocating close to the lobby ideal."""
    return -distances(advocated, lobby)


@STRATEGIES.register("swing")
def _swing(advocated: np.ndarray, _voice: np.ndarray, proposal: np.ndarray, _lobby: np.ndarray):
    """``swing``: members advocating close to the current proposal (the pivotal middle)."""
    return -distances(advocated, proposal)


@STRATEGIES.register("influential")
def _influential(advocated: np.ndarray, voice: np.ndarray, _p: np.ndarray, _l: np.ndarray):
    """``influential``: members with the highest base voice (``resources ** exponent``)."""
    return voice.astype(float)


def choose_targets(
    strategy: str,
    advocated: np.ndarray,
    voice: np.ndarray,
    proposal: np.ndarray,
    lobby_ideal: np.ndarray,
    focus: float,
) -> np.ndarray:
    """Positions (rows of ``advocated``) of the members a lobbyist targets this step.

    The top ``max(1, ceil(focus * m))`` members by the strategy's score, ties broken by row
    order (deterministic).

    Raises:
        ValueError: For an unknown strategy name, listing the valid ones.
    """
    score_fn = STRATEGIES[strategy]
    m = advocated.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    k = max(1, int(np.ceil(focus * m)))
    score = score_fn(advocated, voice, proposal, lobby_ideal)
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
    return 1.0 - np.prod(1.0 - ties, axis=0)


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


def captured_selector(selector_ties: np.ndarray, transparency: float) -> float:
    """Endogenous capture of the selector/convener: ``combined_tie * (1 - transparency)``."""
    return float(combined_tie(selector_ties) * (1.0 - transparency))


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
