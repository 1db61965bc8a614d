"""Membership rule ``rotating_seats``: a seated body whose seats rotate every term.

Seats per category are filled by the selector at the start of each term, as in the
``representative`` rule, but nobody who held a seat in the term just ended may take one in
the next: every term's body is new (a rotation rule, as in councils whose members may not
succeed themselves). Everything else — seat allocation, selection rule, screening by a
captured selector, accountability to the category — is the representative rule's.

Only :meth:`~msisim.rules.membership.MembershipRule.eligible` differs, and every part of the
model asks it: the seat selection, the adaptive lobby's forecast of how long a member stays
(an incumbent is never re-seated, so a tie bought late in a term is worth less), and the
per-agent reference model.

Use it::

    msisim run --plugin rotating_seats.py params.membership=rotating_seats

or, in Python, ``import`` this file (or ``msisim.plugins.load_plugin("rotating_seats.py")``)
and pass ``membership="rotating_seats"`` to :class:`msisim.GovernanceModel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from msisim.rules.membership import (
    SELECTED_SEATS,
    MembershipRule,
    category_seats,
    register_membership,
)


@dataclass(frozen=True)
class RotatingSeats(MembershipRule):
    """Category seats filled each term from stakeholders who did not sit in the last one."""

    def eligible(self, terms_served: np.ndarray, seated: np.ndarray, design: Any) -> np.ndarray:
        """Everyone but the incumbents (``term_limit`` is not read: the limit is one term)."""
        return ~np.asarray(seated, dtype=bool)


register_membership(
    RotatingSeats(
        "rotating_seats",
        "category seats filled each term by the selector; incumbents may not be re-seated",
        seat_plan=category_seats,
        category_accountability=True,
        parameters=SELECTED_SEATS - {"term_limit"},
    )
)
