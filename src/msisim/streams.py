"""Named random streams: one generator per process, spawned from the run's seed.

Every process that draws random numbers (building the population, choosing the viewpoint
sample, context drift, seat selection, open-round attendance, gatekeeping, deliberation
pairing, lobbying, the questionnaire, a parliament's votes, the timing of jittered shocks) has
a stream of its own, so that two runs that differ only in one lever share every draw the
lever does not touch: a run and its counterfactual twin (no lobby, no shock) stay paired
(common random numbers, as in Starsim). A process draws the same amount every round whatever
the lever's value, so a branch that is taken only sometimes never shifts later draws.
"""

from __future__ import annotations

import numpy as np

#: The processes that draw, in a fixed order (each name's position keys its stream).
STREAMS: tuple[str, ...] = (
    "population",
    "observation",
    "context",
    "selection",
    "attendance",
    "gatekeeping",
    "pairing",
    "lobbying",
    "questionnaire",
    "legislature",
    "shock_timing",
)


def spawn_streams(seed: int) -> dict[str, np.random.Generator]:
    """One generator per process, ``SeedSequence(seed, spawn_key=(i,))`` for stream ``i``.

    The key is the stream's position in :data:`STREAMS`, not the order of use, so adding a
    process at the end never changes the others' draws.
    """
    return {
        name: np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(i,)))
        for i, name in enumerate(STREAMS)
    }
