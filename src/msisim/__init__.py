"""msisim — agent-based simulation of multistakeholder governance.

Public API:

* :class:`GovernanceModel` — the forum model (``GovernanceModel(membership="open", rng=7)``);
* :class:`Parliament` — the chamber of Pluchino et al. (2011) that votes acts, the other model
  kind (``Parliament(n_seats=500, lottery_seats=140, rng=7)``; :mod:`msisim.kinds`);
* parameter groups :class:`Params`, :class:`PopulationParams`, :class:`DesignParams`,
  :class:`ContextParams`, :class:`SimulationParams`, :class:`CategorySpec`, :class:`Shock`,
  and the parliament's :class:`ParliamentParams`;
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
        ParliamentParams,
        PopulationParams,
        Shock,
        SimulationParams,
    )
    from msisim.parliament import Parliament

#: Public name -> module that defines it.
_LAZY = {
    "GovernanceModel": "msisim.model",
    "DEFAULT_CATEGORIES": "msisim.params",
    "CategorySpec": "msisim.params",
    "ContextParams": "msisim.params",
    "DesignParams": "msisim.params",
    "Params": "msisim.params",
    "Parliament": "msisim.parliament",
    "ParliamentParams": "msisim.params",
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
    "Parliament",
    "ParliamentParams",
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
