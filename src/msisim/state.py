"""The model's state as a struct of arrays.

Every stakeholder attribute is one numpy array indexed by the stakeholder's index; the Mesa
agents of :mod:`msisim.agents` are views onto these arrays. Rules in :mod:`msisim.rules`
read and write them in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class StakeholderState:
    """Per-stakeholder arrays (N rows each).

    Attributes:
        category: Category code, ``int64[N]`` (index into the category table).
        position: True interest in policy space, ``float64[N, d]``.
        advocated: Position argued and voted for, ``float64[N, d]``.
        resources: Time, money and civic skills (lognormal), ``float64[N]``.
        affectedness: How strongly decisions touch the stakeholder, ``float64[N]`` in [0, 1].
        engagement: Propensity to take part, ``float64[N]`` in [0, 1].
        baseline_engagement: The category's baseline engagement, ``float64[N]``.
        member: Member of the forum this round (seated or attending), ``bool[N]``.
        seated: Holds a seat in the seated body, ``bool[N]``. Replaced at each selection,
            never modified in place (the model keeps the seated's indices between selections).
        excluded: Turned away by the convener this round, ``bool[N]``.
        terms_served: Consecutive terms served up to now, ``int64[N]``.
        presence: Exponential moving average of membership, ``float64[N]`` in [0, 1].
        voice: Voice weight (recomputed each round), ``float64[N]``.
        distance_to_policy: Distance of the true position to the policy after the last
            decision, ``float64[N]``.
        group: Group code, ``int64[N]`` (index into ``PopulationParams.group_names``: the
            groups of a stakeholder map, else the categories themselves).
    """

    category: np.ndarray
    position: np.ndarray
    advocated: np.ndarray
    resources: np.ndarray
    affectedness: np.ndarray
    engagement: np.ndarray
    baseline_engagement: np.ndarray
    member: np.ndarray
    seated: np.ndarray
    excluded: np.ndarray
    terms_served: np.ndarray
    presence: np.ndarray
    voice: np.ndarray
    distance_to_policy: np.ndarray
    group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        """Number of stakeholders."""
        return int(self.category.shape[0])


@dataclass
class LobbyState:
    """Ties between lobbies, stakeholders and the selector.

    Attributes:
        ties: Tie strength of each lobby (the main one first, then ``lobbies``) with each
            stakeholder, ``float64[K, N]`` in [0, 1]; a lobby's lobbyists share its row.
        selector_ties: Tie strength of each lobby with the selector, ``float64[K]``.
        cooling_until: Step until which a former member cannot be lobbied, ``int64[N]``.
        n_paid: Paid (astroturf) participants in the room this round.
        paid_claims: Categories the paid participants claim, ``int64[K]``.
        paid_voice: Voice weight of each paid participant this round.
        astroturf_spend: Budget the main lobby spent on paid participants this round.
    """

    ties: np.ndarray
    selector_ties: np.ndarray
    cooling_until: np.ndarray
    n_paid: int = 0
    paid_claims: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    paid_voice: float = 0.0
    astroturf_spend: float = 0.0


@dataclass
class ForumState:
    """State of the forum itself.

    Attributes:
        policy: Current policy, ``float64[d]``.
        proposal: Last proposal put to the decision rule, ``float64[d]``.
        adopted: Whether the last proposal was adopted.
        n_decisions: Rounds decided so far.
        n_adopted: Rounds with an adopted proposal so far.
        selector_capture: Capture level of the selector/convener used this round, in [0, 1].
        policy_trail: Policy after each round (for drawing its trail), list of ``float64[d]``.
    """

    policy: np.ndarray
    proposal: np.ndarray
    adopted: bool = False
    n_decisions: int = 0
    n_adopted: int = 0
    selector_capture: float = 0.0
    policy_trail: list[np.ndarray] = field(default_factory=list)
