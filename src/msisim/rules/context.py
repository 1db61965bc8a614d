"""Step 1 — context: scheduled shocks and drift move stakeholders' true positions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from msisim.params import Shock


def apply_shocks(
    position: np.ndarray,
    category: np.ndarray,
    shocks: Sequence[Shock],
    category_names: Sequence[str],
) -> bool:
    """Move the true positions of the shocked categories, in place.

    ``position[i] <- clip(position[i] + shift, 0, 1)`` for every stakeholder ``i`` of the
    shock's category (or everybody for ``"all"``); a shift shorter than ``d`` is padded
    with zeros.

    Args:
        position: True positions, ``float64[N, d]``, modified in place.
        category: Category codes, ``int64[N]``.
        shocks: The shocks happening now.
        category_names: Names of the category codes.

    Returns:
        Whether any position moved.
    """
    moved = False
    d = position.shape[1]
    for shock in shocks:
        shift = np.zeros(d)
        shift[: len(shock.shift)] = shock.shift
        if shock.category == "all":
            rows = slice(None)
        else:
            rows = category == list(category_names).index(shock.category)
        position[rows] = np.clip(position[rows] + shift, 0.0, 1.0)
        moved = True
    return moved


def apply_drift(position: np.ndarray, drift: float, rng: np.random.Generator) -> bool:
    """Add Gaussian drift ``N(0, drift^2)`` to every coordinate, clipped to ``[0, 1]``, in place.

    Returns:
        Whether any position moved (``drift > 0``).
    """
    if drift <= 0:
        return False
    position += rng.normal(0.0, drift, size=position.shape)
    np.clip(position, 0.0, 1.0, out=position)
    return True
