"""msisim — agent-based simulation of multistakeholder governance.

Public API:

* :class:`GovernanceModel` — the Mesa model (``GovernanceModel(membership="open", rng=7)``);
* parameter groups :class:`Params`, :class:`PopulationParams`, :class:`DesignParams`,
  :class:`ContextParams`, :class:`SimulationParams`, :class:`CategorySpec`, :class:`Shock`;
* :mod:`msisim.metrics` — the outcome metrics as pure functions.

The names are imported on first use (module ``__getattr__``, PEP 562), so that
``msisim --version`` and ``msisim list`` do not load Mesa, NumPy and the model.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers and IDEs; at run time see __getattr__
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

#: Public name -> module that defines it.
_LAZY = {
    "GovernanceModel": "msisim.model",
    "DEFAULT_CATEGORIES": "msisim.params",
    "CategorySpec": "msisim.params",
    "ContextParams": "msisim.params",
    "DesignParams": "msisim.params",
    "Params": "msisim.params",
    "PopulationParams": "msisim.params",
    "Shock": "msisim.params",
    "SimulationParams": "msisim.params",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it in the module's namespace."""
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'msisim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
