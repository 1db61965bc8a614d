"""Human names of outcomes and which outcomes are better low, shared by every study's report.

Both are read from the outcome declarations of :mod:`msisim.outcomes` (label, unit,
direction), so a new metric needs no entry here.
"""

from __future__ import annotations

from msisim import outcomes


def label(outcome: str) -> str:
    """Readable name of an outcome (its declared label; the name itself when undeclared)."""
    declared = outcomes.find(outcome)
    return outcomes.label(outcome) if declared else outcome.replace("_", " ")


def lower_is_better(outcome: str) -> bool:
    """Whether lower values of the outcome are better (declared direction)."""
    return outcomes.lower_is_better(outcome)
