"""``select_seats_by_capture`` and ``select_seats`` keep the bits of the one-level selection.

:func:`~msisim.rules.membership.select_seats_by_capture` ranks every capture level of one
selection together (the adaptive lobby's forecast). The reference below is ``select_seats``
as it was before (one level, one pool after another, in Python): on random cases with ties,
overlapping pools, lotteries, term limits and short pools, every level must seat exactly the
stakeholders the reference seats on a generator in the same state, and report the same
candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from msisim.metrics import distances
from msisim.rules import lobbying, membership
from msisim.rules.membership import (
    SELECTION_RULES,
    SelectionContext,
    SelectionRule,
    percentile_rank,
    selection_rule,
)


def _reference_select_seats(
    pools: Sequence[np.ndarray],
    seats: Sequence[int],
    *,
    selection: str | SelectionRule,
    capture: float,
    lobby_ideal: np.ndarray,
    seen: np.ndarray,
    resources: np.ndarray,
    engagement: np.ndarray,
    eligible: np.ndarray,
    rng: np.random.Generator,
    engaged_only: bool = True,
    lottery: Sequence[bool] | None = None,
    lottery_capture: float | None = None,
    lottery_acceptance: bool = False,
    candidates_out: np.ndarray | None = None,
) -> np.ndarray:
    """select_seats before select_seats_by_capture (the reference bits)."""
    score_rule = selection_rule(selection) if isinstance(selection, str) else selection
    by_lot = [False] * len(pools) if lottery is None else list(lottery)
    n = seen.shape[0]
    draws_candidacy = engaged_only and (lottery_acceptance or not all(by_lot))
    steps_forward = rng.random(size=n) < engagement if draws_candidacy else np.ones(n, dtype=bool)
    noise = np.asarray(rng.random(n), dtype=float)
    lobby_distance = distances(seen, lobby_ideal)
    seated = np.zeros(n, dtype=bool)
    stands_and_eligible = steps_forward & eligible
    for pool, k, is_lottery in zip(pools, seats, by_lot, strict=True):
        k = int(k)
        if k <= 0 or pool.shape[0] == 0:
            continue
        pool_capture = capture if not is_lottery or lottery_capture is None else lottery_capture
        everyone_stands = is_lottery and not lottery_acceptance
        stands = np.ones(n, dtype=bool) if everyone_stands else steps_forward
        order = pool[np.argsort(noise[pool], kind="stable")]  # random order for top-ups
        order = order[~seated[order]]  # nobody holds two seats
        willing = order[(eligible if everyone_stands else stands_and_eligible)[order]]
        if willing.shape[0] < k:
            rest = order[eligible[order] & ~stands[order]]
            willing = np.concatenate([willing, rest[: k - willing.shape[0]]])
        if willing.shape[0] < k:
            rest = order[~eligible[order]]
            willing = np.concatenate([willing, rest[: k - willing.shape[0]]])
        candidates = np.sort(willing)
        if candidates_out is not None:
            candidates_out[candidates] = True
        if pool_capture > 0 and candidates.shape[0] > k:
            n_keep = max(k, int(np.ceil((1.0 - pool_capture) * candidates.shape[0])))
            closest = np.argsort(lobby_distance[candidates], kind="stable")[:n_keep]
            candidates = np.sort(candidates[closest])
        rule = SELECTION_RULES["random"] if is_lottery else score_rule
        rule_score = np.asarray(
            rule.score(SelectionContext(candidates, pool, noise, seen, resources, engagement))
        )
        if rule_score.shape != candidates.shape:
            raise ValueError(
                f"selection rule {rule.name!r} scored {rule_score.shape} for "
                f"{candidates.shape[0]} candidates: must give one score per candidate"
            )
        if pool_capture == 0:  # 1.0 * r + 0.0 * r' has the bits of r (ranks are >= 0)
            score = percentile_rank(rule_score)
        else:
            score = (1.0 - pool_capture) * percentile_rank(
                rule_score
            ) + pool_capture * percentile_rank(-lobby_distance[candidates])
        score = score + 1e-9 * noise[candidates]  # break exact ties at random
        top = candidates[np.argsort(-score, kind="stable")[:k]]
        seated[top] = True
    return seated


def _score_spread(c: SelectionContext) -> np.ndarray:
    """A rule whose scores depend on who else stands: closeness to the candidates' mean."""
    if c.candidates.shape[0] == 0:
        return np.zeros(0)
    return -distances(c.seen[c.candidates], c.seen[c.candidates].mean(axis=0))


SPREAD = SelectionRule("spread", "closeness to the candidates' mean (test only)", _score_spread)


def _case(seed: int) -> tuple[list[np.ndarray], list[int], dict[str, object]]:
    """A random selection problem with ties (positions, resources, noise-free levels)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    dims = int(rng.choice([2, 2, 3]))
    n_cat = int(rng.integers(1, 5))
    category = rng.integers(0, n_cat, n)
    pools = [np.flatnonzero(category == g) for g in range(n_cat)]
    lottery = [False] * n_cat
    if rng.random() < 0.4:  # a lottery pool of everyone after the categories
        pools.append(np.arange(n))
        lottery.append(True)
    if rng.random() < 0.2:  # overlapping pools that are not lotteries
        pools.append(np.sort(rng.choice(n, size=int(rng.integers(0, n + 1)), replace=False)))
        lottery.append(False)
    seats = [int(rng.integers(0, 7)) for _ in pools]
    grid = int(rng.choice([3, 5, 1000]))  # coarse grids give exact ties
    kwargs: dict[str, object] = {
        "selection": rng.choice(["random", "election", "merit", "spread"]),
        "lobby_ideal": rng.integers(0, grid + 1, dims) / grid,
        "seen": rng.integers(0, grid + 1, (n, dims)) / grid,
        "resources": rng.integers(1, 4, n).astype(float),
        "engagement": rng.choice([0.0, 0.3, 0.9, 1.0], n),
        "eligible": rng.random(n) < rng.choice([0.3, 0.9, 1.0]),
        "engaged_only": bool(rng.random() < 0.8),
        "lottery": lottery,
        "lottery_capture": None if rng.random() < 0.5 else float(rng.choice([0.0, 0.5])),
        "lottery_acceptance": bool(rng.random() < 0.5),
    }
    if kwargs["selection"] == "spread":
        kwargs["selection"] = SPREAD
    return pools, seats, kwargs


@pytest.mark.parametrize("seed", range(200))
def test_every_level_has_the_bits_of_one_level_selection(seed: int) -> None:
    pools, seats, kwargs = _case(seed)
    captures = np.concatenate([lobbying.CAPTURE_GRID, np.random.default_rng(seed).random(3)])
    n = len(kwargs["engagement"])  # type: ignore[arg-type]
    considered = np.zeros(n, dtype=bool)
    by_level = membership.select_seats_by_capture(
        pools,
        seats,
        captures=captures,
        rng=np.random.default_rng(seed),
        candidates_out=considered,
        **kwargs,  # type: ignore[arg-type]
    )
    assert by_level.shape == (captures.shape[0], n), "one row of seats per capture level"
    expected_considered = np.zeros(n, dtype=bool)
    for level, capture in enumerate(captures):
        out = np.zeros(n, dtype=bool)
        expected = _reference_select_seats(
            pools,
            seats,
            capture=float(capture),
            rng=np.random.default_rng(seed),
            candidates_out=out,
            **kwargs,  # type: ignore[arg-type]
        )
        expected_considered |= out
        np.testing.assert_array_equal(
            by_level[level], expected, err_msg=f"case {seed}: level {capture} seats as alone"
        )
        one_out = np.zeros(n, dtype=bool)
        alone = membership.select_seats(
            pools,
            seats,
            capture=float(capture),
            rng=np.random.default_rng(seed),
            candidates_out=one_out,
            **kwargs,  # type: ignore[arg-type]
        )
        np.testing.assert_array_equal(
            alone, expected, err_msg=f"case {seed}: select_seats at {capture} keeps its bits"
        )
        np.testing.assert_array_equal(
            one_out, out, err_msg=f"case {seed}: select_seats reports the same candidates"
        )
    np.testing.assert_array_equal(
        considered, expected_considered, err_msg="candidates_out gathers every level's candidates"
    )


def _six_stakeholders(
    selection: str | SelectionRule, captures: list[float], lottery_capture: float | None = None
) -> np.ndarray:
    """Two seats from a pool of six stakeholders at the given capture levels."""
    return membership.select_seats_by_capture(
        [np.arange(6)],
        [2],
        selection=selection,
        captures=np.array(captures),
        lottery_capture=lottery_capture,
        lobby_ideal=np.zeros(2),
        seen=np.random.default_rng(0).random((6, 2)),
        resources=np.ones(6),
        engagement=np.ones(6),
        eligible=np.ones(6, dtype=bool),
        rng=np.random.default_rng(0),
    )


def test_a_rule_scoring_the_wrong_shape_is_refused_by_name() -> None:
    bad = SelectionRule("bad", "one score too many", lambda c: np.zeros(c.candidates.shape[0] + 1))
    with pytest.raises(ValueError, match="selection rule 'bad' scored"):
        _six_stakeholders(bad, [0.0, 0.5])


@pytest.mark.parametrize(
    ("captures", "lottery_capture"),
    [([0.0, -0.5], None), ([float("nan")], None), ([1.5], None), ([0.5], 1.2)],
)
def test_a_capture_outside_zero_one_is_refused(
    captures: list[float], lottery_capture: float | None
) -> None:
    """A selection is defined for captures in [0, 1]; outside it (or NaN) the levels would not
    rank as one-level selections do, so the call is refused rather than answered."""
    with pytest.raises(ValueError, match=r"capture levels must lie in \[0, 1\]"):
        _six_stakeholders("election", captures, lottery_capture)
    assert _six_stakeholders("election", [0.0, 1.0]).sum(axis=1).tolist() == [2, 2], (
        "the same call within [0, 1] seats two at each level"
    )


@pytest.mark.parametrize("name", sorted(SELECTION_RULES.names()))
def test_a_per_candidate_rule_scores_a_subset_as_it_scores_all(name: str) -> None:
    rule = selection_rule(name)
    rng = np.random.default_rng(3)
    n = 40
    context = SelectionContext(
        candidates=np.sort(rng.choice(n, 25, replace=False)),
        pool=np.arange(n),
        noise=rng.random(n),
        seen=rng.random((n, 2)),
        resources=rng.random(n) + 0.5,
        engagement=rng.random(n),
    )
    if not getattr(rule, "per_candidate", False):
        pytest.skip(f"{name} scores each level's candidates apart")
    every = rule.score(context)
    some = np.arange(0, 25, 3)
    subset = SelectionContext(
        context.candidates[some],
        context.pool,
        context.noise,
        context.seen,
        context.resources,
        context.engagement,
    )
    np.testing.assert_array_equal(
        rule.score(subset), every[some], err_msg=f"{name}: a candidate's score ignores the others"
    )
