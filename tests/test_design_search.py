"""The design search (``msisim design``): levers decode to applicable designs; the front is
the set no other design beats on all three objectives at once."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from msisim.params import Params
from msisim.study import design_search as ds
from msisim.study.spec import ExperimentSpec

CATEGORIES = ["government", "business", "civil_society", "grassroots"]
SIZES = [20, 20, 20, 40]


def _context() -> ExperimentSpec:
    return ExperimentSpec.from_dict(
        {
            "name": "ctx",
            "base": {"n_stakeholders": 100},
            "factors": {"lobby_budget": {"low": 0.0, "high": 2.0}},
            "sampler": "lhs",
            "n_samples": 3,
            "replicates": 1,
            "steps": 10,
        }
    )


def test_every_decoded_design_is_valid_and_sets_only_what_its_family_reads() -> None:
    space = ds.lever_space(CATEGORIES, SIZES)
    rng = np.random.default_rng(1)
    families = set()
    for _ in range(300):
        design = ds.decode(rng.random(len(space)), space)
        if design is None:
            continue
        families.add(design["membership"])
        Params.from_flat(**design)  # refused if any lever were invalid
        if design["membership"] == "open_with_support":
            assert "seats_per_category" not in design and "term_length" not in design, (
                "an open forum has no seats or terms: setting them would be a lever without effect"
            )
        else:
            assert design["n_seats"] == sum(design["seats_per_category"].values())
            for name, seats in design["seats_per_category"].items():
                size = SIZES[CATEGORIES.index(name)]
                assert seats <= size // 2, f"{name}: {seats} seats for {size} members"
        if design["membership"] != "representative_with_lottery":
            assert "lottery_seats" not in design
    assert families == set(ds.FAMILIES), "every family must be reachable"


def test_a_seated_body_without_seats_is_infeasible() -> None:
    space = ds.lever_space(CATEGORIES, SIZES)
    point = np.zeros(len(space))  # family 0 (seated), every category 0 seats
    assert ds.decode(point, space) is None


def test_describe_says_the_design_in_a_sentence() -> None:
    design = {
        "membership": "open_with_support",
        "participation_support": {"grassroots": 0.5},
        "transparency": 0.0,
        "recusal": False,
    }
    text = ds.describe(design)
    assert text == (
        "An open forum anyone may attend; participation support grassroots 50%; "
        "no lobby register (transparency 0) and no recusal."
    )


def test_dominated_marks_rows_beaten_on_every_objective() -> None:
    frame = pd.DataFrame(
        {"rose": [0.8, 0.7, 0.9], "responsiveness": [0.5, 0.4, 0.3], "capture": [0.1, 0.2, 0.3]}
    )
    # row 1 is worse than row 0 on all three; rows 0 and 2 trade inclusiveness for capture
    assert ds.dominated(frame).tolist() == [False, True, False]


def _fake_run(calls: list[int]) -> Any:
    """A runner whose outcomes follow the levers by formula (no model): a known front."""

    def run(spec: ExperimentSpec, folder: Path, workers: int | None = None) -> Any:
        calls.append(len(spec.designs))
        rows = []
        for name, design in spec.designs.items():
            seats = design.get("n_seats", 0)
            support = sum((design.get("participation_support") or {}).values())
            for context in range(3):
                rows.append(
                    {
                        "design": name,
                        "status": "ok",
                        # more seats: more inclusive but slower to respond; support helps both;
                        # transparency lowers capture; capture falls with context
                        "rose": 0.5 + 0.01 * seats + 0.05 * support,
                        "responsiveness": 0.8 - 0.01 * seats + 0.02 * support,
                        "capture": 0.3 * (1 - design["transparency"]) / (1 + context),
                    }
                )
        return SimpleNamespace(runs=pd.DataFrame(rows))

    return run


def test_search_returns_a_front_no_evaluated_design_beats(tmp_path: Path) -> None:
    calls: list[int] = []
    result = ds.search(_context(), tmp_path, nfe=60, population=12, seed=3, run=_fake_run(calls))
    assert len(result.pareto) >= 2, "a trade-off front has more than one design"
    assert calls and all(n <= 12 for n in calls), "one study per generation, never more"
    evaluated = result.evaluated.drop_duplicates("design")
    front = set(result.pareto["design"])
    values = evaluated.set_index("design")[["rose", "responsiveness", "capture"]]
    signs = np.array([1.0, 1.0, -1.0])
    for name in front:
        mine = values.loc[name].to_numpy() * signs
        others = values.drop(index=name).to_numpy() * signs
        beats = (others >= mine).all(axis=1) & (others > mine + 1e-12).any(axis=1)
        # within the epsilon boxes a design may be beaten by less than epsilon
        margin = ((others - mine) > np.array(ds.EPSILONS)).any(axis=1)
        assert not (beats & margin).any(), f"{name} is beaten beyond epsilon by another design"
    for params in result.pareto["params"]:
        Params.from_flat(**json.loads(params))


def test_search_is_reproducible(tmp_path: Path) -> None:
    a = ds.search(_context(), tmp_path / "a", nfe=36, population=12, seed=5, run=_fake_run([]))
    b = ds.search(_context(), tmp_path / "b", nfe=36, population=12, seed=5, run=_fake_run([]))
    pd.testing.assert_frame_equal(a.pareto, b.pareto)


def test_search_refuses_too_few_evaluations(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nfe=4 must be at least the population"):
        ds.search(_context(), tmp_path, nfe=4, population=8, run=_fake_run([]))


@pytest.mark.slow
def test_design_quick_on_the_example_map_writes_a_front(tmp_path: Path) -> None:
    from msisim.cli import main

    out = tmp_path / "search"
    assert main(["design", "example", "--quick", "--out", str(out), "--workers", "2"]) == 0
    pareto = pd.read_csv(out / "pareto.csv")
    assert len(pareto) >= 2, "the quick search must find at least two designs no other beats"
    assert not ds.dominated(pareto).any(), "no design of the front is beaten on all three"
    assert pareto["responsiveness"].notna().all(), "responsiveness is measured (shocks)"
    for params in pareto["params"]:
        Params.from_flat(**json.loads(params))
    report = (out / "report.md").read_text()
    assert "figures/tradeoff.png" in report and (out / "figures" / "tradeoff.png").is_file()
    for description in pareto["description"]:
        assert description in report, "each design is explained in a sentence"


def test_design_refuses_an_unknown_lobby_group_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from msisim.cli import main

    code = main(["design", "example", "--quick", "--lobby", "Nobody", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "Nobody" in err[0], err
    assert not (tmp_path / "x").exists(), "nothing may be written for a refused input"
