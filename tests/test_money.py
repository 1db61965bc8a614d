"""What a capture level costs: the budget an adaptive lobby needs (msisim.study.money).

The inversion is checked on fake curves with known answers, the refusal for a rule whose
selector cannot be bought without running the model, and the selection-capture report's
section on a hand-made run table; one slow test prices a small real design.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msisim.cli import load_experiment
from msisim.study import money
from msisim.viz.report import selection_capture as sc
from msisim.viz.report.common import Context

CATEGORY = {"membership": "representative", "seat_allocation": "proportional"}


def test_monotone_fit_pools_adjacent_violators() -> None:
    assert money.monotone_fit([1, 3, 2, 4]).tolist() == [1, 2.5, 2.5, 4]
    assert money.monotone_fit([0.1, 0.2, 0.3]).tolist() == [0.1, 0.2, 0.3]
    # weights: the heavier value pulls the pooled mean
    np.testing.assert_allclose(money.monotone_fit([3, 1], [3, 1]), [2.5, 2.5])


def test_a_known_curve_is_inverted_exactly() -> None:
    # capture = 0.1 * budget on a doubling grid (anchored at 0): price = 10 * level
    budgets = np.array([8.0, 1.0, 2.0, 4.0])  # any order
    out = money.budget_for_capture(budgets, 0.1 * budgets, [0.0, 0.05, 0.1, 0.3, 0.8])
    np.testing.assert_allclose(out["budget"], [0.0, 0.5, 1.0, 3.0, 8.0])
    assert (out["reason"] == "").all()


def test_a_concave_curve_prices_between_grid_points() -> None:
    budgets = np.array([0.125, 0.25, 0.5, 1, 2, 4, 8])
    captures = budgets / (1 + budgets)  # rising, never reaching 1
    levels = captures[[1, 3, 5]]  # on the grid: the grid's budgets come back
    out = money.budget_for_capture(budgets, captures, levels)
    np.testing.assert_allclose(out["budget"], budgets[[1, 3, 5]])
    mid = money.budget_for_capture(budgets, captures, 0.6)  # between 1 (0.5) and 2 (0.667)
    assert mid["budget"].iloc[0] == pytest.approx(1 + 0.1 / (2 / 3 - 0.5))


def test_noise_is_made_monotone_and_the_smallest_budget_wins() -> None:
    # a dip at 2 (seed noise): pooled with 1 to 0.45; 0.45 is first reached at budget 1
    out = money.budget_for_capture([1, 2, 4], [0.5, 0.4, 0.9], [0.3, 0.45, 0.5])
    np.testing.assert_allclose(out["budget"], [1 / 1.5, 1.0, 2 + 0.05 / 0.45 * 2])


def test_a_level_above_the_largest_budget_is_not_reachable() -> None:
    out = money.budget_for_capture([1, 2, 4], [0.5, 0.7, 0.9], [0.9, 0.95, 1.0])
    assert out["budget"].iloc[0] == 4
    assert out["budget"].iloc[1:].isna().all()
    assert out["reason"].iloc[1] == "not reachable with budgets up to 4 (which reach 0.900)"
    assert "not reachable" in money.words(float("nan"), out["reason"].iloc[1])


def test_a_selector_that_cannot_be_bought_has_no_price() -> None:
    out = money.budget_for_capture([1, 2], [0.0, 0.0], [0.0, 0.25, 1.0], capturable=False)
    assert out["budget"].tolist() == [0.0, math.inf, math.inf]
    assert out["reason"].iloc[1] == money.UNBUYABLE
    assert money.words(math.inf).startswith("no price")


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="capture levels in"):
        money.budget_for_capture([1, 2], [0.1, 0.2], [1.5])
    with pytest.raises(ValueError, match="distinct"):
        money.budget_for_capture([1, 1], [0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="one non-zero length"):
        money.budget_for_capture([1, 2], [0.1], [0.1])


def test_budget_needed_refuses_a_lottery_without_running(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> pd.DataFrame:
        raise AssertionError("a lottery's selector cannot be bought: nothing to run")

    monkeypatch.setattr(money, "capture_curve", never)
    out = money.budget_needed({"membership": "sortition"}, [0.0, 0.5])
    assert out["budget"].tolist() == [0.0, math.inf]
    assert out["reason"].iloc[1] == money.UNBUYABLE
    with pytest.raises(ValueError, match="needs a lobby"):
        money.budget_needed({**CATEGORY, "n_lobbyists": 0}, [0.5])


def test_curve_from_runs_averages_per_design_and_budget() -> None:
    runs = pd.DataFrame(
        {
            "design": ["a", "a", "a", "b", "b"],
            "status": ["ok", "ok", "ok", "ok", "failed"],
            "param.lobby_budget": [1.0, 1.0, 2.0, 1.0, 1.0],
            "selector_capture": [0.2, 0.4, 0.5, 0.0, 0.9],
            "capture": [0.1, 0.3, 0.2, 0.05, 0.9],
        }
    )
    curve = money.curve_from_runs(runs)
    assert curve[["design", "lobby_budget", "n"]].values.tolist() == [
        ["a", 1.0, 2],
        ["a", 2.0, 1],
        ["b", 1.0, 1],
    ]
    np.testing.assert_allclose(curve["selector_capture"], [0.3, 0.5, 0.0])


def _study_runs(spec: object) -> pd.DataFrame:
    """A hand-made run table of selection_capture: capture set by hand and bought."""
    rows = []
    by_hand = {"lottery": 0.5, "random": 0.12, "election": 0.08, "merit": 0.1}
    for design, slope in by_hand.items():
        for level in (0.0, 0.5, 1.0):
            for r in range(2):
                rows.append({
                    "run_id": f"{design}-{level}-{r}", "design": design, "status": "ok",
                    "param.selector_capture": level, "param.selector_information": "advocated",
                    "param.lobby_budget": np.nan, "capture": slope * level, "selector_capture":
                    level,
                })  # fmt: skip
    bought = {"lottery": 0.0, "random": 0.2, "election": 0.1, "merit": 0.2}
    for design, rate in bought.items():
        for budget in (0.125, 0.5, 2.0, 8.0):
            for r in range(2):
                selector = 0.0 if design == "lottery" else budget / (1 + budget)
                rows.append({
                    "run_id": f"{design}_lobbied-{budget}-{r}", "design": design + "_lobbied",
                    "status": "ok", "param.selector_capture": np.nan,
                    "param.selector_information": "advocated", "param.lobby_budget": budget,
                    "capture": 0.04 * budget if design == "lottery" else rate * selector,
                    "selector_capture": selector,
                })  # fmt: skip
    return pd.DataFrame(rows)


def test_the_report_prices_each_level_from_the_lobbied_runs(tmp_path: Path) -> None:
    spec = load_experiment("selection_capture", [], quick=True)
    ctx = Context(spec, _study_runs(spec), None, tmp_path, tmp_path)
    by_hand, lobbied = sc._split(ctx)
    assert not by_hand.runs["design"].str.endswith("_lobbied").any()
    text = "\n".join(sc.cost_section(by_hand, lobbied))
    assert "## What the capture levels cost" in text
    # random: selector = b / (1 + b) reaches 0.5 at budget 1, between the grid's 0.5 and 2
    price = money.budget_for_capture([0.125, 0.5, 2, 8], [1 / 9, 1 / 3, 2 / 3, 8 / 9], 0.5)
    expected = money.words(float(price["budget"].iloc[0]))
    assert expected == "1.250"
    # its price, the capture set by hand (0.12 * 0.5) and bought there (0.2 * 0.5), and the
    # lottery's members-only capture at that budget (0.04 * 1.25)
    cells = ["category seats, random", "0.500", "1.250", "0.060", "0.100", "0.050"]
    row = r"\s*\|\s*".join(re.escape(c) for c in cells)
    assert re.search(row, text), text
    assert "no price: the selector cannot be bought" in text
    assert "not reachable with budgets up to 8" in text
    assert "At equal money, budget 8 per step" in text
    # the lottery's members-only capture at budget 8 is 0.04 * 8
    assert "moves it 0.320" in text
    assert "param." not in text


def test_without_lobbied_runs_the_report_says_levels_are_not_priced(tmp_path: Path) -> None:
    spec = load_experiment("selection_capture", [], quick=True)
    runs = _study_runs(spec)
    runs = runs[~runs["design"].str.endswith("_lobbied")]
    ctx = Context(spec, runs, None, tmp_path, tmp_path)
    text = "\n".join(sc.cost_section(*sc._split(ctx)))
    assert "not priced" in text


@pytest.mark.slow
def test_budget_needed_prices_a_small_real_design() -> None:
    flat = {**CATEGORY, "selection": "election", "n_stakeholders": 200, "n_seats": 20}
    out = money.budget_needed(flat, [0.0, 0.25, 0.5, 1.0], budgets=(0.125, 0.5, 2.0), steps=40)
    prices = out["budget"].to_numpy()
    assert prices[0] == 0.0
    assert 0 < prices[1] < prices[2] <= 2.0  # a higher level costs more, within the grid
    assert math.isnan(prices[3]) and "not reachable" in out["reason"].iloc[3]
