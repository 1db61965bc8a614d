"""``msisim compare MAP``: from a stakeholder map to designs compared across sampled contexts.

The study module (:mod:`msisim.study.forum`): the lobby taken from a group of the map, the
contexts drawn over the map's uncertainty and the lobby budget, the spec comparing designs on
common random numbers, and the regret of each design.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msisim.stakeholder_map import DEFAULT_UNCERTAINTY, load_stakeholder_map
from msisim.study import forum


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- the lobby


def test_the_lobby_ideal_is_the_named_groups_mean_position() -> None:
    smap = load_stakeholder_map("example")
    spec = forum.forum_spec("example", lobby_group="environmental ngos", quick=True)
    ngos = next(g for g in smap.groups if g.name == "Environmental NGOs")
    assert spec.base["lobby_ideal"] == [0.2, 0.8], (
        f"the lobby's ideal should be the NGOs' mean position (x, y) = (0.2, 0.8) of the map; "
        f"got {spec.base['lobby_ideal']}"
    )
    assert tuple(spec.base["lobby_ideal"]) == ngos.position_mean(2)
    assert spec.inputs["lobby_group"] == "Environmental NGOs"
    assert spec.base["n_lobbyists"] == 1


def test_the_default_lobby_is_the_business_group_with_most_power_times_interest() -> None:
    smap = load_stakeholder_map("example")
    group, why = forum.choose_lobby(smap)
    # Extractive companies: 0.85 x 0.80 = 0.68; SMEs: 0.35 x 0.50 = 0.175
    assert group.name == "Extractive companies", f"default lobby group {group.name!r}"
    assert "power x interest" in why and "0.68" in why, why


def test_an_unknown_lobby_group_is_refused_in_one_line_listing_the_groups() -> None:
    with pytest.raises(ValueError) as err:
        forum.forum_spec("example", lobby_group="Extractive company")
    message = str(err.value)
    assert "\n" not in message
    assert "did you mean 'Extractive companies'" in message, message
    assert "'Smallholder farmers'" in message, f"the groups should be listed: {message}"


# --------------------------------------------------------------------------- designs


def test_the_shipped_designs_start_with_the_representative_forum() -> None:
    designs = forum.shipped_designs()
    assert next(iter(designs)) == "representative", list(designs)
    assert len(designs) >= 7 and designs["open"] == {"membership": "open"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("open: {membership: opne}\n", ["design 'open'", "membership", "opne"]),
        ("open: {membership: open, lobby_budget: 2}\n", ["design 'open'", "'lobby_budget'"]),
        ("open: {membership: open, participation_cost: 1}\n", ["'participation_cost'", "context"]),
        ("open: {membrship: open}\n", ["'membrship'", "did you mean 'membership'"]),
        ("base: representative_x\n", ["design 'base'", "did you mean 'representative'"]),
        ("- open\n", ["expected a mapping of design names"]),
        ("open: [1, 2\n", ["malformed YAML"]),
    ],
)
def test_a_bad_designs_file_is_refused_in_one_line_naming_file_and_key(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, text, "designs.yaml")
    with pytest.raises(ValueError) as err:
        forum.forum_spec("example", designs=path, quick=True)
    message = str(err.value)
    assert "\n" not in message, message
    assert str(path) in message, f"the message should name the file: {message}"
    for part in expected:
        assert part in message, f"{part!r} missing from: {message}"


def test_a_designs_file_gives_the_designs_in_its_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mine: {membership: open, transparency: 0.5}\nbaseline: representative\n",
        "designs.yaml",
    )
    spec = forum.forum_spec("example", designs=path, quick=True)
    assert list(spec.designs) == ["mine", "baseline"]
    assert spec.designs["baseline"]["membership"] == "representative"
    assert spec.inputs["reference_design"] == "mine"


# --------------------------------------------------------------------------- contexts


def test_contexts_are_seeded_and_a_third_have_no_lobby() -> None:
    smap = load_stakeholder_map("example")
    first = forum.sample_contexts(smap, 9, seed=3)
    again = forum.sample_contexts(smap, 9, seed=3)
    other = forum.sample_contexts(smap, 9, seed=4)
    assert first == again, "the same seed must give the same contexts"
    assert first != other
    budgets = np.array([c["lobby_budget"] for c in first])
    assert (budgets == 0).sum() == 3, f"a third of 9 contexts without a lobby: {budgets}"
    assert budgets.max() <= forum.BUDGET_HIGH
    bands = pd.Series([forum.budget_band(b) for b in budgets]).value_counts()
    assert sorted(bands.to_list()) == [3, 3, 3], f"the Latin hypercube fills each band: {bands}"


def test_contexts_move_groups_within_their_uncertainty(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "group,category,size,power,interest,x,y,uncertainty\n"
        "Firms,business,40,0.8,0.7,0.9,0.2,0\n"
        "Citizens,grassroots,60,0.2,0.9,0.3,0.7,\n",
        "forum.csv",
    )
    smap = load_stakeholder_map(path)
    contexts = forum.sample_contexts(smap, 12, seed=0)
    firms = [c["groups"][0] for c in contexts]
    citizens = [c["groups"][1] for c in contexts]
    assert all(tuple(g["position_mean"]) == (0.9, 0.2) for g in firms), (
        "uncertainty 0 must keep a group's position"
    )
    xs = np.array([g["position_mean"][0] for g in citizens])
    assert np.all(np.abs(xs - 0.3) <= DEFAULT_UNCERTAINTY + 1e-12), xs
    assert xs.std() > 0.02, "a blank uncertainty means the default range, not none"
    engagement = {round(g["engagement"], 6) for g in citizens}
    assert len(engagement) > 1, "derived engagement follows the sampled power and interest"


def test_a_bad_uncertainty_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "group,category,size,power,interest,uncertainty\nFirms,business,1,0.8,0.7,0.7\n",
        "forum.csv",
    )
    with pytest.raises(ValueError, match=r"row 2 \(group 'Firms'\), column 'uncertainty'.*0.5"):
        load_stakeholder_map(path)


def test_designs_share_seeds_within_a_context_and_contexts_differ() -> None:
    spec = forum.forum_spec("example", quick=True)
    tasks = pd.DataFrame(
        [{"design": t.design, "sample": t.sample, "seed": t.seed} for t in spec.tasks()]
    )
    per_context = tasks.groupby("sample")["seed"].nunique()
    assert (per_context == 1).all(), "every design runs a context on the same seed"
    assert tasks.groupby("sample")["seed"].first().nunique() == len(spec.contexts)
    assert len(tasks) == len(spec.designs) * forum.QUICK.contexts * forum.QUICK.replicates


def test_explicit_contexts_leave_other_studies_fingerprints_alone() -> None:
    from msisim.study.spec import ExperimentSpec

    spec = ExperimentSpec.from_dict({"name": "x", "replicates": 1, "steps": 5})
    assert "contexts" in spec.to_dict()
    same = ExperimentSpec.from_dict({"name": "x", "replicates": 1, "steps": 5, "inputs": {"a": 1}})
    assert spec.fingerprint() == same.fingerprint(), "inputs are prose, not the runs"


# --------------------------------------------------------------------------- regret


def test_regret_is_the_gap_to_the_best_design_in_each_context() -> None:
    runs = pd.DataFrame(
        {
            "status": "ok",
            "sample": [0, 0, 1, 1],
            "design": ["a", "b", "a", "b"],
            "rose": [0.5, 0.7, 0.6, 0.4],
            "responsiveness": [0.9, 0.9, 0.8, 0.8],
            "capture": [0.1, 0.3, 0.0, 0.0],
        }
    )
    table = forum.regret_table(runs).set_index(["design", "outcome"])
    assert table.loc[("a", "rose"), "max_regret"] == pytest.approx(0.2)
    assert table.loc[("b", "capture"), "max_regret"] == pytest.approx(0.2), "lower is better"
    # combined: a = (0.2 + 0 + 0, 0) ; b = (0 + 0 + 0.2, 0.2 + 0 + 0)
    assert table.loc[("a", "combined"), "max_regret"] == pytest.approx(0.2)
    assert table.loc[("b", "combined"), "mean_regret"] == pytest.approx(0.2)
    assert forum.most_robust(forum.regret_table(runs))["design"] == "a", (
        "equal worst regret: the smaller mean regret wins"
    )


# --------------------------------------------------------------------------- the command


@pytest.mark.slow
def test_quick_compare_on_the_example_map_writes_a_decision_report(tmp_path: Path) -> None:
    from msisim.cli import main
    from msisim.viz.report import build_report

    out = tmp_path / "compare"
    assert main(["compare", "example", "--quick", "--out", str(out), "--workers", "2"]) == 0
    text = (out / "report.md").read_text()
    assert "## Key findings" in text
    assert "**The most robust design is " in text and "(minimax regret)" in text, (
        "the report must name the most robust design in words"
    )
    for band, _, _ in forum.BUDGET_BANDS:
        assert f"### Lobby budget {band}:" in text, f"a table per budget band: {band}"
    assert "## Paired differences against representative" in text
    assert "mean difference" in text and "95% CI low" in text
    assert "90th percentile regret" in text and "worst regret" in text
    assert "quick look" in text, "a quick run says it is one"
    assert "docs/calibration.md" in text and "](docs/" not in text, "units pointed to as text"
    assert (out / "figures" / "map.png").is_file() and (out / "figures" / "outcomes_by_band.png")
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all(), runs.loc[runs["status"] != "ok", "error"].head()
    # msisim report rebuilds the same report from the stored runs
    before = text
    build_report(out)
    assert (out / "report.md").read_text() == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lobby", "Extractive company"], "did you mean 'Extractive companies'"),
        (["--designs", "DESIGNS"], "'lobby_budget'"),
        (["--designs", "missing.yaml"], "no such file"),
    ],
)
def test_compare_refuses_bad_input_in_one_line_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    from msisim.cli import EXIT_BAD_INPUT, main

    designs = write(tmp_path, "open: {membership: open, lobby_budget: 2}\n", "designs.yaml")
    args = [str(designs) if a == "DESIGNS" else a for a in args]
    out = tmp_path / "out"
    code = main(["compare", "example", "--quick", "--out", str(out), *args])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_BAD_INPUT, err
    assert err.startswith("msisim compare: error:") and "\n" not in err, err
    assert expected in err, err
    assert not out.exists(), "nothing may run (or be written) before the input is checked"


@pytest.mark.slow
def test_run_takes_a_stakeholder_map_by_name_or_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from msisim.cli import EXIT_BAD_INPUT, main

    monkeypatch.chdir(tmp_path)
    path = write(
        tmp_path,
        "group,category,size,power,interest\nFirms,business,30,0.8,0.7\n"
        "Citizens,grassroots,90,0.2,0.9\n",
        "forum.csv",
    )
    assert main(["run", "stakeholder_map=example", "steps=5", "replicates=1"]) == 0
    assert "stakeholder_map=example" in capsys.readouterr().out
    assert main(["run", "stakeholder_map=forum.csv", "steps=5", "replicates=1"]) == 0
    newest = max(tmp_path.glob("outputs/run/*/runs.parquet"), key=lambda p: p.stat().st_mtime)
    assert pd.read_parquet(newest)["param.n_stakeholders"].iloc[0] == 120, (
        "the map's head count (30 + 90) sets N"
    )
    assert main(["run", f"stakeholder_map={path.with_name('missing.csv')}", "steps=5"]) == (
        EXIT_BAD_INPUT
    )
    err = capsys.readouterr().err.strip()
    assert "missing.csv: no such file" in err and "\n" not in err, err
