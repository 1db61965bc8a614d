"""msisim — agent-based simulation of multistakeholder governance.

Public API:

* :class:`GovernanceModel` — the Mesa model (``GovernanceModel(membership="open", rng=7)``);
* parameter groups :class:`Params`, :class:`PopulationParams`, :class:`DesignParams`,
  :class:`ContextParams`, :class:`SimulationParams`, :class:`CategorySpec`, :class:`Shock`;
* :mod:`msisim.metrics` — the outcome metrics as pure functions.
"""

from msisim.model import GovernanceModel
from msisim.params import (
    DEFAULT_CATEGORIES,
    CategorySpec,
    ContextParams,
    DesignParams,
    Params,
    PopulationParams,
    Shock,
    SimulationParams,
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "CategorySpec",
    "ContextParams",
    "DesignParams",
    "GovernanceModel",
    "Params",
    "PopulationParams",
    "Shock",
    "SimulationParams",
]

__version__ = "0.1.0"
