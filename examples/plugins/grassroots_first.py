"""Lobby strategy ``grassroots_first``: court the affected communities before anyone else.

A lobby that wants its position to look like the voice of the affected targets the
``grassroots`` members of the forum first (the most affected category when no category is
so named), the ones already closest to its ideal first among them, and then everyone else by
closeness to its ideal. It spends as every fixed strategy does: ``1 - selector_spending`` of
its budget split equally over the top ``lobby_focus`` share of the members it can reach.

A strategy sees only what a lobbyist could observe, the
:class:`~msisim.rules.lobbying.TargetingContext` of the members it can reach (advocated
positions, voice, category, seat), and returns one score per member (higher first).

Use it::

    msisim run --plugin grassroots_first.py params.lobby_strategy=grassroots_first
"""

from __future__ import annotations

import numpy as np

from msisim.metrics import distances
from msisim.rules.lobbying import LobbyStrategy, TargetingContext, register_strategy

#: Added to a grassroots member's score: larger than any difference in closeness (at most
#: the diagonal of the unit cube, sqrt(10) in the largest space msisim allows).
GRASSROOTS_BONUS = 10.0


def grassroots_first(context: TargetingContext) -> np.ndarray:
    """Grassroots members first, then by closeness of the advocated position to the ideal."""
    closeness = -distances(context.advocated, context.lobby_ideal)
    names = context.category_names
    target = names.index("grassroots") if "grassroots" in names else None
    is_grassroots = (
        context.category == target
        if target is not None
        else np.zeros(context.category.shape[0], dtype=bool)
    )
    return closeness + GRASSROOTS_BONUS * is_grassroots


register_strategy(
    LobbyStrategy(
        "grassroots_first",
        "grassroots members first (closest to the lobby ideal first), then the closest others",
        grassroots_first,
    )
)
