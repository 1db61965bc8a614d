"""Step 5 — decision: a proposal from advocated positions, a decision rule, policy inertia."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from msisim.metrics import distances, weighted_median
from msisim.registry import Registry, protocol_check


class Decision:
    """Outcome of one decision round.

    Attributes:
        proposal: The proposal put to the forum, ``float64[d]``.
        adopted: Whether it was adopted (``False`` = gridlock).
        support: Voice-weighted share of members within the support radius of the proposal
            (:func:`support_share`). A rule that does not need it to decide gives the room
            instead (``room=(advocated, voice, radius)``), and it is computed when first read,
            from those arrays as they are then: the model never reads it, so a round does
            not pay for it.
    """

    __slots__ = ("_room", "_support", "adopted", "proposal")

    def __init__(
        self,
        proposal: np.ndarray,
        adopted: bool,
        support: float | None = None,
        *,
        room: tuple[np.ndarray, np.ndarray, float] | None = None,
    ) -> None:
        if (support is None) == (room is None):
            raise ValueError("Decision needs either its support or the room to compute it from")
        self.proposal = proposal
        self.adopted = adopted
        self._support = support
        self._room = room

    @property
    def support(self) -> float:
        """Voice-weighted share of members within the support radius (computed once)."""
        if self._support is None:
            if self._room is None:  # __init__ refuses a Decision with neither
                raise RuntimeError("Decision has neither its support nor its room")
            advocated, voice, radius = self._room
            self._support = support_share(advocated, voice, self.proposal, radius)
            self._room = None
        return self._support

    def __repr__(self) -> str:
        return (
            f"Decision(proposal={self.proposal!r}, adopted={self.adopted!r}, "
            f"support={self.support!r})"
        )


def support_share(
    advocated: np.ndarray, voice: np.ndarray, proposal: np.ndarray, radius: float
) -> float:
    """Voice-weighted share of members advocating within ``radius`` of ``proposal``."""
    total = voice.sum()
    if total <= 0:
        return 0.0
    near = distances(advocated, proposal) <= radius
    return float(voice[near].sum() / total)


@dataclass(frozen=True)
class DecisionRule:
    """A decision rule: the proposal the room puts forward and whether it is adopted.

    Attributes:
        name: Registered name (the value of the ``decision_rule`` parameter).
        summary: One line for docs, the app and error messages.
        decide: ``(advocated, voice, design) -> Decision``, a pure function of the room's
            advocated positions (``float64[m, d]``, paid participants included), their voices
            (``float64[m]``; recused members are left out) and the design levers.
        parameters: The design parameters the rule reads besides the room; a value given for
            one that the chosen rule does not read is reported before a study runs.
    """

    name: str
    summary: str
    decide: Callable[[np.ndarray, np.ndarray, Any], Decision]
    parameters: frozenset[str] = frozenset()


#: Refuses a decision rule that lacks part of its protocol (what its class documents).
check_decision_rule = protocol_check(
    "decision rule", ("name", "summary", "parameters"), ("decide",)
)

#: Decision rules by name.
DECISION_RULES: Registry[Any] = Registry(
    "decision rule", "decision_rule", check=check_decision_rule
)


def register_decision(rule: DecisionRule) -> DecisionRule:
    """Register a decision rule under its name (one call per rule), checking its protocol."""
    DECISION_RULES.add(rule.name, rule)
    RULE_PARAMETERS[rule.name] = frozenset(rule.parameters)
    return rule


#: Design parameters each decision rule reads besides the room (from the rules' declarations).
RULE_PARAMETERS: dict[str, frozenset[str]] = {}


def _weights(voice: np.ndarray) -> np.ndarray:
    return voice if voice.sum() > 0 else np.ones_like(voice)


def weighted_mean(advocated: np.ndarray, voice: np.ndarray) -> np.ndarray:
    """Voice-weighted mean of advocated positions (the plain mean when every voice is 0).

    ``sum_i v_i a_i / sum_i v_i``, computed as :func:`numpy.average` does (same operations in
    the same order, so the same bits) without its argument checks.
    """
    total = np.add.reduce(voice)  # voice.sum() without its wrapper
    weights = voice
    if not total > 0:
        weights = np.ones_like(voice)
        total = np.add.reduce(weights)
    return np.add.reduce(np.multiply(advocated, weights[:, None]), axis=0) / total


def decide_weighted_mean(
    advocated: np.ndarray, voice: np.ndarray, radius: float, _threshold: float
) -> Decision:
    """``weighted_mean``: the voice-weighted mean of advocated positions is always adopted."""
    return Decision(weighted_mean(advocated, voice), True, room=(advocated, voice, radius))


def decide_majority(
    advocated: np.ndarray, voice: np.ndarray, radius: float, _threshold: float
) -> Decision:
    """``majority``: the coordinate-wise voice-weighted median is always adopted.

    Each coordinate's median is its majority winner under single-peaked preferences
    (Black 1948).
    """
    proposal = weighted_median(advocated, _weights(voice))
    return Decision(proposal, True, room=(advocated, voice, radius))


def decide_consensus(
    advocated: np.ndarray, voice: np.ndarray, radius: float, threshold: float
) -> Decision:
    """``consensus``: the voice-weighted mean, adopted only with enough support.

    Adopted when the voice-weighted share of members within ``radius`` of it reaches
    ``threshold``; otherwise the round is gridlocked.
    """
    proposal = weighted_mean(advocated, voice)
    support = support_share(advocated, voice, proposal, radius)
    return Decision(proposal, support >= threshold, support)


def _on_design(
    decide: Callable[[np.ndarray, np.ndarray, float, float], Decision],
) -> Callable[[np.ndarray, np.ndarray, Any], Decision]:
    """A rule of ``(advocated, voice, support_radius, threshold)`` as ``decide(.., design)``."""
    return lambda advocated, voice, design: decide(
        advocated, voice, design.support_radius, design.consensus_threshold
    )


register_decision(
    DecisionRule(
        "weighted_mean",
        "the voice-weighted mean of advocated positions, always adopted",
        _on_design(decide_weighted_mean),
    )
)
register_decision(
    DecisionRule(
        "majority",
        "the coordinate-wise voice-weighted median, always adopted",
        _on_design(decide_majority),
    )
)
register_decision(
    DecisionRule(
        "consensus",
        "the voice-weighted mean, adopted when enough voice lies within support_radius of it",
        _on_design(decide_consensus),
        parameters=frozenset({"support_radius", "consensus_threshold"}),
    )
)


def decision_rule(name: str) -> DecisionRule:
    """Look up a decision rule by name; an unknown name raises ``ValueError`` naming valid ones."""
    return DECISION_RULES[name]


def move_policy(policy: np.ndarray, proposal: np.ndarray, inertia: float) -> np.ndarray:
    """Policy after adopting ``proposal``: ``policy + (1 - inertia) * (proposal - policy)``."""
    return policy + (1.0 - inertia) * (proposal - policy)


# --------------------------------------------------------------------------- parliaments
# How a parliament (model kind ``parliament``, :class:`msisim.Parliament`) votes acts. It is
# not a forum's decision rule (not in DECISION_RULES): a forum has no acts to vote on.


#: Party codes of a parliament's members (``independent`` = chosen by lot, no party).
PARTIES: tuple[str, ...] = ("majority", "minority")
INDEPENDENT = -1


@dataclass(frozen=True)
class Acts:
    """Acts proposed and voted in one legislature (:func:`proposal_vote`).

    Attributes:
        proposer: Index of the member who proposed each act, ``int64[n_acts]``.
        social_gain: Social gain of each act (the proposer's social coordinate), in [-1, 1].
        yes: Yes votes each act received, ``int64[n_acts]``.
        passed: Whether each act passed (more yes votes than half the chamber).
    """

    proposer: np.ndarray
    social_gain: np.ndarray
    yes: np.ndarray
    passed: np.ndarray


def proposal_vote(
    points: np.ndarray,
    party: np.ndarray,
    centres: np.ndarray,
    disciplined: np.ndarray,
    n_acts: int,
    rng: np.random.Generator,
) -> Acts:
    """``proposal_vote``: members propose acts and vote yes or no (Pluchino et al. 2011).

    Every member has a point ``(x, y)`` of the Cipolla plane ``[-1, 1]^2``: ``x`` the
    personal gain, ``y`` the social gain of the acts it stands for. Each act is proposed
    by a member drawn uniformly (with replacement) and carries the proposer's social gain
    ``y_a``. A voter's *acceptance window* is the quarter-plane to the upper right of a
    reference point ``(x_r, y_r)``: it votes yes iff ``y_a >= y_r`` and the personal gain
    it perceives from the act, ``x* ~ U(-1, 1)`` drawn afresh per act, is ``>= x_r``.

    * An independent (``party == INDEPENDENT``) judges by its own point and draw.
    * Members of a disciplined party vote as a bloc: yes on every act of a fellow party
      member, otherwise as the party's window says, with the party's centre (of mass) as
      reference point and one draw ``x*`` for the whole party.
    * A member of an undisciplined party votes yes on its own party's acts and judges the
      others like an independent, by its own point and draw.

    An act passes with more yes votes than half the chamber (``yes > N / 2``).

    Args:
        points: Members' Cipolla points, ``float64[N, 2]``.
        party: Each member's party code (index into ``centres``) or ``INDEPENDENT``.
        centres: Each party's reference point (centre of its circle of tolerance),
            ``float64[K, 2]``.
        disciplined: Whether each party votes as a bloc, ``bool[K]``.
        n_acts: Acts proposed in the legislature.
        rng: The generator every draw comes from (proposers, then perceptions).

    Returns:
        The acts with their votes.
    """
    n = points.shape[0]
    proposer = np.minimum((rng.random(n_acts) * n).astype(np.int64), n - 1)
    social_gain = points[proposer, 1]
    own = party[proposer]
    party_draw = rng.uniform(-1.0, 1.0, size=(n_acts, centres.shape[0]))
    individual = np.flatnonzero(~np.isin(party, np.flatnonzero(disciplined)))
    perceived = rng.uniform(-1.0, 1.0, size=(n_acts, individual.shape[0]))
    reference = points[individual]
    judged = (perceived >= reference[:, 0]) & (social_gain[:, None] >= reference[:, 1])
    fellow = (party[individual][None, :] == own[:, None]) & (party[individual] >= 0)
    yes = (judged | fellow).sum(axis=1)
    for k in np.flatnonzero(disciplined):
        size = int((party == k).sum())
        verdict = (own == k) | (
            (party_draw[:, k] >= centres[k, 0]) & (social_gain >= centres[k, 1])
        )
        yes = yes + size * verdict
    return Acts(proposer, social_gain, yes.astype(np.int64), yes > n / 2)
