"""What a level of selector capture costs: the lobby budget an adaptive lobby needs to reach it.

A study that sets the selector's capture by hand (``selector_capture``) compares designs at
equal *nominal* capture, and equal nominal capture can cost very different money: a pure
lottery's selector cannot be bought at all, while category seats' selector is bought by
ties. This module prices a capture level in ``lobby_budget`` (the lobby's total spend per
step):

1. :func:`capture_curve` runs a design with an adaptive lobby (``selector_capture`` unset,
   so the selector's capture comes from the lobby's ties) over a grid of budgets on a few
   seeds and takes, per budget, the mean over seeds of each run's ``selector_capture`` (a
   run's per-step level averaged over its summary window, the second half of the run by
   default). A study whose designs carry ``lobby_budget`` levels gives the same curve from
   its stored runs (:func:`curve_from_runs`).
2. :func:`budget_for_capture` inverts the curve: it fits the non-decreasing curve closest
   to the means (isotonic regression, so seed noise cannot make the inverse ambiguous),
   anchors it at budget 0 (no lobby, no capture) and interpolates linearly between the
   grid's budgets; for each target it returns the smallest budget whose fitted capture
   reaches it. Vectorised over targets.
3. :func:`budget_needed` does both for one design's parameters, and refuses without
   running where the rule's selector cannot be bought
   (``params.design.rule.selector_capturable`` is False, as for ``membership:
   sortition``): every positive level is then priced ``inf``.

A level above what the grid's largest budget reaches gets ``NaN`` (not ``inf``: a larger
budget might reach it) with the reason "not reachable with budgets up to B".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from msisim.kinds import model_kind

#: The budget grid of :func:`budget_needed` (doubling; the curve is anchored at 0 too).
DEFAULT_BUDGETS: tuple[float, ...] = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)

#: Reasons a level gets no finite price.
UNBUYABLE = "the rule's selector cannot be bought (only an exogenous level, a rigged draw)"


def unreachable(top: float, reached: float) -> str:
    """The reason for a level above what the largest budget of the grid reaches."""
    return f"not reachable with budgets up to {top:g} (which reach {reached:.3f})"


def monotone_fit(values: ArrayLike, weights: ArrayLike | None = None) -> np.ndarray:
    """The non-decreasing sequence closest to ``values`` in weighted least squares.

    Pool-adjacent-violators (isotonic regression): adjacent values that decrease are
    replaced by their weighted mean until none does. A curve that already rises is
    returned unchanged.
    """
    y = np.asarray(values, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    if y.ndim != 1 or w.shape != y.shape:
        raise ValueError("monotone_fit needs a 1-d sequence (and weights of the same length)")
    means: list[float] = []
    sizes: list[float] = []
    counts: list[int] = []
    for value, weight in zip(y, w, strict=True):
        means.append(float(value))
        sizes.append(float(weight))
        counts.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            m, s, c = means.pop(), sizes.pop(), counts.pop()
            total = sizes[-1] + s
            means[-1] = (means[-1] * sizes[-1] + m * s) / total if total > 0 else means[-1]
            sizes[-1] = total
            counts[-1] += c
    return np.repeat(np.asarray(means), counts)


def budget_for_capture(
    budgets: ArrayLike,
    captures: ArrayLike,
    targets: float | Iterable[float],
    *,
    capturable: bool = True,
    weights: ArrayLike | None = None,
) -> pd.DataFrame:
    """The smallest budget whose (monotone, interpolated) capture curve reaches each target.

    Args:
        budgets: The grid's budgets (positive, any order; budget 0 is added as the anchor
            with capture 0 unless given).
        captures: Mean selector capture at each budget.
        targets: Selector capture levels to price (in [0, 1]).
        capturable: Whether the rule's selector can be bought; if not, every positive
            target is priced ``inf`` (and 0 costs nothing).
        weights: Runs behind each mean (for the isotonic fit); default equal.

    Returns:
        One row per target: ``target``, ``budget`` (``inf`` if no budget buys it, ``NaN``
        if the grid's largest budget does not reach it) and ``reason`` (empty when priced).
    """
    listed = [float(targets)] if isinstance(targets, (int, float)) else [float(t) for t in targets]
    goal = np.asarray(listed, dtype=float)
    if np.any(~np.isfinite(goal)) or np.any((goal < 0) | (goal > 1)):
        raise ValueError(f"targets must be capture levels in [0, 1], got {goal.tolist()}")
    price = np.full(goal.shape, np.nan)
    reason = np.full(goal.shape, "", dtype=object)
    if not capturable:
        price[:] = np.where(goal > 0, np.inf, 0.0)
        reason[goal > 0] = UNBUYABLE
        return pd.DataFrame({"target": goal, "budget": price, "reason": reason})
    b = np.asarray(budgets, dtype=float)
    c = np.asarray(captures, dtype=float)
    w = np.ones_like(c) if weights is None else np.asarray(weights, dtype=float)
    if b.shape != c.shape or w.shape != c.shape or b.ndim != 1 or b.size == 0:
        raise ValueError("budgets, captures (and weights) must be 1-d of one non-zero length")
    if np.any(~np.isfinite(b)) or np.any(b < 0) or np.unique(b).size != b.size:
        raise ValueError(f"budgets must be distinct finite numbers >= 0, got {b.tolist()}")
    keep = np.isfinite(c)
    b, c, w = b[keep], c[keep], w[keep]
    order = np.argsort(b)
    b, c, w = b[order], c[order], w[order]
    if b.size == 0 or b[0] > 0:  # the anchor: no lobby, no capture
        b, c, w = np.r_[0.0, b], np.r_[0.0, c], np.r_[1.0, w]
    fit = monotone_fit(c, w)
    top = fit[-1]
    # first grid point whose fitted capture reaches the target; the one before lies below it
    i = np.searchsorted(fit, goal, side="left")
    inside = i < fit.size
    at_grid = inside & (i == 0)
    price[at_grid] = b[0]
    mid = inside & (i > 0)
    j = i[mid]
    lo_b, hi_b, lo_c, hi_c = b[j - 1], b[j], fit[j - 1], fit[j]
    price[mid] = lo_b + (goal[mid] - lo_c) / (hi_c - lo_c) * (hi_b - lo_b)
    reason[~inside] = unreachable(float(b[-1]), float(top))
    return pd.DataFrame({"target": goal, "budget": price, "reason": reason})


def curve_from_runs(
    runs: pd.DataFrame, by: Sequence[str] = ("design",), budget: str = "param.lobby_budget"
) -> pd.DataFrame:
    """Mean selector capture (and capture of the policy) per group and budget of stored runs.

    Args:
        runs: A study's run table (finished runs are used).
        by: Grouping columns besides the budget (e.g. the design).
        budget: The column holding each run's ``lobby_budget``.

    Returns:
        ``by`` columns, ``lobby_budget``, ``selector_capture`` and ``capture`` (means over the
        runs) and ``n``.
    """
    data = runs[runs["status"] == "ok"] if "status" in runs else runs
    data = data[data[budget].notna()]
    keys = [*by, budget]
    outcomes = [o for o in ("selector_capture", "capture") if o in data]
    grouped = data.groupby(keys, sort=True, dropna=False)
    table = grouped[outcomes].mean()
    table["n"] = grouped.size()
    return table.reset_index().rename(columns={budget: "lobby_budget"})


def capture_curve(
    flat: Mapping[str, Any],
    *,
    budgets: Sequence[float] = DEFAULT_BUDGETS,
    seeds: Sequence[int] = (1, 2, 3),
    steps: int = 100,
) -> pd.DataFrame:
    """Run one design with an adaptive lobby over a budget grid (see the module's doc).

    Args:
        flat: The design's flat parameters (``selector_capture``, ``lobby_budget`` and
            ``lobby_strategy`` are overridden: unset, each budget, ``adaptive``).
        budgets: The budget grid.
        seeds: One run per seed and budget (the same seeds at every budget).
        steps: Steps per run.

    Returns:
        One row per budget: ``lobby_budget``, ``selector_capture`` and ``capture`` (means
        over seeds) and ``n``.
    """
    kind = model_kind("forum")
    rows = []
    for b in budgets:
        for seed in seeds:
            params = {
                **flat,
                "selector_capture": None,
                "lobby_budget": float(b),
                "lobby_strategy": "adaptive",
            }
            model = kind.build(params, rng=seed, n_steps=steps, **kind.study_options(True))
            model.run()
            out = model.summary()
            rows.append(
                {
                    "lobby_budget": float(b),
                    "selector_capture": out["selector_capture"],
                    "capture": out["capture"],
                }
            )
    frame = pd.DataFrame(rows)
    grouped = frame.groupby("lobby_budget", sort=True)
    table = grouped.mean()
    table["n"] = grouped.size()
    return table.reset_index()


def budget_needed(
    flat: Mapping[str, Any],
    targets: float | Iterable[float],
    *,
    budgets: Sequence[float] = DEFAULT_BUDGETS,
    seeds: Sequence[int] = (1, 2, 3),
    steps: int = 100,
) -> pd.DataFrame:
    """The lobby budget an adaptive lobby needs to bring this design's selector to ``targets``.

    Refuses without running where the rule's selector cannot be bought (every positive
    target ``inf``, with the reason). Otherwise :func:`capture_curve` then
    :func:`budget_for_capture`.

    Returns:
        One row per target: ``target``, ``budget``, ``reason``.

    Raises:
        ValueError: The design has no lobby to spend (``n_lobbyists`` 0) or invalid
            parameters.
    """
    kind = model_kind("forum")
    params = kind.params({**flat, "selector_capture": None, "lobby_budget": 1.0}, n_steps=steps)
    if params.context.n_lobbyists <= 0:
        raise ValueError("budget_needed needs a lobby: n_lobbyists must be at least 1")
    if not params.design.rule.selector_capturable:
        return budget_for_capture([1.0], [0.0], targets, capturable=False)
    curve = capture_curve(flat, budgets=budgets, seeds=seeds, steps=steps)
    return budget_for_capture(
        curve["lobby_budget"].to_numpy(),
        curve["selector_capture"].to_numpy(),
        targets,
        weights=curve["n"].to_numpy(),
    )


def words(budget: float, reason: str = "") -> str:
    """A price in words: ``0.270``, ``no price (...)`` or ``> 8 (...)``."""
    if math.isinf(budget):
        return "no price: the selector cannot be bought"
    if math.isnan(budget):
        return reason or "unknown"
    return f"{budget:.3f}"
