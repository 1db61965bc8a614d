"""Mesa agents as views onto the model's arrays.

A :class:`Stakeholder` holds only its index; every attribute reads (and writes) a row of the
model's :class:`~msisim.state.StakeholderState`. So ``model.agents``, ``AgentSet.select``,
``agg`` and ``groupby``, DataCollector agent reporters and SolaraViz portrayals work as Mesa
users expect, while the rules update the arrays in bulk. The rules never read the agents, so
the model makes them the first time they are asked for (``model.agents``, ``agents_list``...).
"""

from __future__ import annotations

from typing import Any, Protocol

import mesa
import numpy as np

from msisim.params import Params
from msisim.state import ForumState, LobbyState, StakeholderState


class ModelArrays(Protocol):
    """What the agents read of their model (:class:`msisim.model.GovernanceModel` has it).

    The agents sit below the model: they name what they read instead of importing it.
    """

    stakeholders: StakeholderState
    category_names: tuple[str, ...]
    params: Params
    forum: ForumState
    lobby_state: LobbyState
    lobby_ideal: np.ndarray


class Stakeholder(mesa.Agent):
    """A stakeholder: a row of the model's stakeholder arrays.

    Attributes are live views: ``agent.position`` is a row of ``model.stakeholders.position``
    (assigning to it writes through to the array).
    """

    model: ModelArrays

    def __init__(self, model: ModelArrays, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _state(self) -> Any:
        return self.model.stakeholders

    @property
    def category(self) -> str:
        """Category name."""
        return self.model.category_names[int(self._state.category[self.index])]

    @property
    def group(self) -> str:
        """Stakeholder group (a stakeholder map's group; the category without a map)."""
        return self.model.params.population.group_names[int(self._state.group[self.index])]

    @property
    def position(self) -> np.ndarray:
        """True interest in policy space (a view)."""
        return self._state.position[self.index]

    @position.setter
    def position(self, value: np.ndarray) -> None:
        self._state.position[self.index] = value

    @property
    def advocated(self) -> np.ndarray:
        """Position argued and voted for (a view)."""
        return self._state.advocated[self.index]

    @advocated.setter
    def advocated(self, value: np.ndarray) -> None:
        self._state.advocated[self.index] = value

    @property
    def resources(self) -> float:
        """Time, money and civic skills."""
        return float(self._state.resources[self.index])

    @property
    def affectedness(self) -> float:
        """How strongly decisions touch this stakeholder, in [0, 1]."""
        return float(self._state.affectedness[self.index])

    @property
    def engagement(self) -> float:
        """Propensity to take part, in [0, 1]."""
        return float(self._state.engagement[self.index])

    @engagement.setter
    def engagement(self, value: float) -> None:
        self._state.engagement[self.index] = value

    @property
    def is_member(self) -> bool:
        """In the forum this round (seated or attending, not excluded)."""
        return bool(self._state.member[self.index])

    @property
    def is_seated(self) -> bool:
        """Holds a seat in the seated body."""
        return bool(self._state.seated[self.index])

    @property
    def is_excluded(self) -> bool:
        """Turned away by the convener this round."""
        return bool(self._state.excluded[self.index])

    @property
    def voice(self) -> float:
        """Voice weight this round (0 outside the forum)."""
        return float(self._state.voice[self.index])

    @property
    def terms_served(self) -> int:
        """Consecutive terms served."""
        return int(self._state.terms_served[self.index])


class Selector(mesa.Agent):
    """The selector (representative forums) or convener (open forums).

    Its ``capture`` is the level used in selection and gatekeeping this round: the exogenous
    ``selector_capture`` when set, otherwise 0 until lobbying makes it endogenous.
    """

    model: ModelArrays

    @property
    def capture(self) -> float:
        """Capture level in [0, 1]."""
        return float(self.model.forum.selector_capture)

    @property
    def ties(self) -> np.ndarray:
        """Tie strength with each lobby (the main one first), ``float64[K]`` (a view)."""
        return self.model.lobby_state.selector_ties


class Lobbyist(mesa.Agent):
    """A lobbyist of the main lobby: its ideal, its share of the budget and its strategy.

    The lobby acts as one actor: its lobbyists share its ties with stakeholders (row 0 of the
    model's ``lobby_state.ties``) and with the selector (``lobby_state.selector_ties[0]``), and
    its budget, ``index`` only tells them apart. Spending happens in bulk in
    :meth:`msisim.model.GovernanceModel.lobby`.
    """

    model: ModelArrays

    def __init__(self, model: ModelArrays, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def ideal(self) -> np.ndarray:
        """The lobby's ideal point."""
        return self.model.lobby_ideal

    @property
    def budget(self) -> float:
        """This lobbyist's share of the lobby's budget per step."""
        ctx = self.model.params.context
        return float(ctx.lobby_budget) / max(ctx.n_lobbyists, 1)

    @property
    def strategy(self) -> str:
        """Spending strategy: ``adaptive`` (default), ``allies``, ``swing`` or ``influential``."""
        return self.model.params.context.lobby_strategy

    @property
    def ties(self) -> np.ndarray:
        """The lobby's tie strength with every stakeholder, ``float64[N]`` (a view)."""
        return self.model.lobby_state.ties[0]

    @property
    def selector_tie(self) -> float:
        """The lobby's tie strength with the selector/convener."""
        return float(self.model.lobby_state.selector_ties[0])
