"""Step 5 — decision: a proposal from advocated positions, a decision rule, policy inertia."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from msisim.metrics import distances, weighted_median
from msisim.registry import Registry


@dataclass(frozen=True)
class Decision:
    """Outcome of one decision round.

    Attributes:
        proposal: The proposal put to the forum, ``float64[d]``.
        adopted: Whether it was adopted (``False`` = gridlock).
        support: Voice-weighted share of members within the support radius of the proposal.
    """

    proposal: np.ndarray
    adopted: bool
    support: float


def support_share(
    advocated: np.ndarray, voice: np.ndarray, proposal: np.ndarray, radius: float
) -> float:
    """Voice-weighted share of members advocating within ``radius`` of ``proposal``."""
    total = voice.sum()
    if total <= 0:
        return 0.0
    near = distances(advocated, proposal) <= radius
    return float(voice[near].sum() / total)


#: Decision rules by name: ``(advocated, voice, support_radius, threshold) -> Decision``.
DECISION_RULES: Registry[Callable[[np.ndarray, np.ndarray, float, float], Decision]] = Registry(
    "decision rule", "decision_rule"
)


def _weights(voice: np.ndarray) -> np.ndarray:
    return voice if voice.sum() > 0 else np.ones_like(voice)


@DECISION_RULES.register("weighted_mean")
def decide_weighted_mean(
    advocated: np.ndarray, voice: np.ndarray, radius: float, _threshold: float
) -> Decision:
    """``weighted_mean``: the voice-weighted mean of advocated positions is always adopted."""
    proposal = np.average(advocated, axis=0, weights=_weights(voice))
    return Decision(proposal, True, support_share(advocated, voice, proposal, radius))


@DECISION_RULES.register("majority")
def decide_majority(
    advocated: np.ndarray, voice: np.ndarray, radius: float, _threshold: float
) -> Decision:
    """``majority``: the coordinate-wise voice-weighted median is always adopted.

    Each coordinate's median is its majority winner under single-peaked preferences
    (Black 1948).
    """
    proposal = weighted_median(advocated, _weights(voice))
    return Decision(proposal, True, support_share(advocated, voice, proposal, radius))


@DECISION_RULES.register("consensus")
def decide_consensus(
    advocated: np.ndarray, voice: np.ndarray, radius: float, threshold: float
) -> Decision:
    """``consensus``: the voice-weighted mean, adopted only with enough support.

    Adopted when the voice-weighted share of members within ``radius`` of it reaches
    ``threshold``; otherwise the round is gridlocked.
    """
    proposal = np.average(advocated, axis=0, weights=_weights(voice))
    support = support_share(advocated, voice, proposal, radius)
    return Decision(proposal, support >= threshold, support)


#: Design parameters each decision rule reads besides the room (declared beside the rules).
RULE_PARAMETERS: dict[str, frozenset[str]] = {
    "consensus": frozenset({"support_radius", "consensus_threshold"}),
}


def decision_rule(name: str) -> Callable[[np.ndarray, np.ndarray, float, float], Decision]:
    """Look up a decision rule by name; an unknown name raises ``ValueError`` naming valid ones."""
    return DECISION_RULES[name]


def move_policy(policy: np.ndarray, proposal: np.ndarray, inertia: float) -> np.ndarray:
    """Policy after adopting ``proposal``: ``policy + (1 - inertia) * (proposal - policy)``."""
    return policy + (1.0 - inertia) * (proposal - policy)
