"""A study's claims as declarative contrasts, re-evaluated by the claims map.

A :class:`Claim` states one finding as a linear combination of *cells* — one run each of a
design at a multiple of the point's lobby budget, with optional levers — of one outcome, and
the sign the finding expects. ``capture[representative, budget b] - capture[open, budget b] >
0`` is ``Claim(outcome="capture", terms=((1, Cell("representative")), (-1, Cell("open"))),
sign=+1)``. :mod:`msisim.study.robustness` runs every cell a study's claims need at each
point of the assumption space (one seed per point: common random numbers) and records where
each claim holds.

Claims are declared per study in :data:`STUDY_CLAIMS`; a study without its own declarations
gets :func:`generic_claims`: for every pair of its designs and each of its first outcomes,
the ordering its runs show at the study's own assumptions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from msisim.study.spec import ExperimentSpec


@dataclass(frozen=True)
class Cell:
    """One run a claim reads, at a sample point.

    Attributes:
        design: A design label of the study (``""`` for a study without designs).
        budget: The lobby's total money as a multiple of the point's sampled ``lobby_budget``
            (0: the run without a lobby, which is also the lobbied runs' no-lobby twin).
        levers: Further flat parameters of this cell, e.g. ``(("lobby_targets_selector",
            False),)``.
    """

    design: str
    budget: float = 1.0
    levers: tuple[tuple[str, Any], ...] = ()

    def label(self) -> str:
        """Short name, e.g. ``representative@1b`` or ``open@0``."""
        money = "0" if self.budget == 0 else f"{self.budget:g}b"
        extra = "".join(f",{k}={v}" for k, v in self.levers)
        return f"{self.design or 'forum'}@{money}{extra}"


@dataclass(frozen=True)
class Claim:
    """A finding as a signed contrast of cells.

    Attributes:
        key: Short identifier (a column of ``points.csv``).
        text: The claim in words, as the study states it.
        outcome: The per-run outcome the cells are read on.
        terms: ``(weight, cell)`` pairs; the contrast is ``sum(weight * outcome[cell])``.
        sign: ``+1`` when the claim says the contrast is positive, ``-1`` negative.
        built_in: Whether the claim follows from a formula of the model (reported as such).
    """

    key: str
    text: str
    outcome: str
    terms: tuple[tuple[float, Cell], ...]
    sign: int = 1
    built_in: bool = False

    def __post_init__(self) -> None:
        if self.sign not in (1, -1):
            raise ValueError(f"claim {self.key}: sign={self.sign!r} must be +1 or -1")
        if not self.terms:
            raise ValueError(f"claim {self.key}: needs at least one cell")

    def formula(self) -> str:
        """The contrast in symbols, e.g. ``capture[representative@1b] - capture[open@1b] > 0``."""
        parts = []
        for weight, cell in self.terms:
            w = "" if abs(weight) == 1 else f"{abs(weight):g}*"
            sign = "-" if weight < 0 else "+"
            parts.append(f"{sign} {w}{self.outcome}[{cell.label()}]")
        text = " ".join(parts).lstrip("+ ")
        return f"{text} {'>' if self.sign > 0 else '<'} 0"


def _bollow(spec: ExperimentSpec) -> list[Claim]:
    """The Bollow comparison's claims (experiments/bollow_comparison/README.md, "Findings")."""
    rep, opn = "representative", "open"
    barred = (("lobby_targets_selector", False),)
    out = [
        Claim(
            f"capture_rises_{d}",
            f"Capture rises with the lobby budget ({d} forum)",
            "capture",
            ((1.0, Cell(d, 1.0)), (-1.0, Cell(d, 0.0))),
        )
        for d in (rep, opn)
    ]
    out += [
        Claim(
            "rep_more_congruent_without_lobby",
            "Without a lobby the representative forum is more congruent than the open one",
            "congruence",
            ((1.0, Cell(rep, 0.0)), (-1.0, Cell(opn, 0.0))),
        ),
        Claim(
            "rep_saturates",
            "In the representative forum capture climbs steeply and then saturates (the rise "
            "from 0 to b exceeds the rise from b to 2b)",
            "capture",
            ((2.0, Cell(rep, 1.0)), (-1.0, Cell(rep, 0.0)), (-1.0, Cell(rep, 2.0))),
        ),
        Claim(
            "open_larger_tilt",
            "The open forum starts with a larger resource-driven structural tilt",
            "structural_tilt",
            ((1.0, Cell(opn, 0.0)), (-1.0, Cell(rep, 0.0))),
            built_in=True,
        ),
    ]
    out += [
        Claim(
            f"open_loses_{o}",
            f"The open forum loses inclusiveness as the budget grows ({o} falls)",
            o,
            ((1.0, Cell(opn, 1.0)), (-1.0, Cell(opn, 0.0))),
            sign=-1,
        )
        for o in ("rose", "viewpoint_coverage")
    ]
    out.append(
        Claim(
            "rep_more_captured",
            "At equal money the representative forum is more captured than the open one",
            "capture",
            ((1.0, Cell(rep, 1.0)), (-1.0, Cell(opn, 1.0))),
        )
    )
    out += [
        Claim(
            f"barring_selector_lowers_capture_{d}",
            f"Barring the lobby from the selector/convener lowers capture ({d} forum)",
            "capture",
            ((1.0, Cell(d, 1.0, barred)), (-1.0, Cell(d, 1.0))),
            sign=-1,
        )
        for d in (rep, opn)
    ]
    return out


#: Claims declared per study (a study not listed gets :func:`generic_claims`).
STUDY_CLAIMS: dict[str, Callable[[ExperimentSpec], list[Claim]]] = {
    "bollow_comparison": _bollow,
}


def generic_claims(spec: ExperimentSpec, signs: dict[str, int], n_outcomes: int = 3) -> list[Claim]:
    """For every pair of designs and each of the study's first outcomes: their ordering.

    Args:
        spec: The study.
        signs: The expected sign of each claim's key, as the study's runs show it at its own
            assumptions (:func:`generic_pairs` lists the keys; the caller measures them).
        n_outcomes: How many of the study's outcomes (in its order) to check.
    """
    out = []
    for key, outcome, first, second in generic_pairs(spec, n_outcomes):
        sign = signs.get(key, 1)
        word = "above" if sign > 0 else "below"
        out.append(
            Claim(
                key,
                f"{outcome}: {first} {word} {second} (the ordering at the study's own assumptions)",
                outcome,
                ((1.0, Cell(first, 1.0)), (-1.0, Cell(second, 1.0))),
                sign=sign,
            )
        )
    return out


def generic_pairs(spec: ExperimentSpec, n_outcomes: int = 3) -> list[tuple[str, str, str, str]]:
    """``(key, outcome, design, other design)`` of every generic claim of a study."""
    designs = list(spec.designs) or [""]
    outcomes = [o for o in spec.outcomes if o not in ("seconds",)][:n_outcomes]
    return [
        (f"{o}_{a}_vs_{b}", o, a, b)
        for o in outcomes
        for a, b in itertools.combinations(designs, 2)
    ]


def has_own_claims(name: str) -> bool:
    """Whether a study declares its own claims (else the generic ones apply)."""
    return name in STUDY_CLAIMS


def cells_of(claims: list[Claim]) -> list[Cell]:
    """Every distinct cell the claims read, in first-use order (no-lobby cells first)."""
    cells = list(dict.fromkeys(c for claim in claims for _, c in claim.terms))
    return sorted(cells, key=lambda c: c.budget != 0)
