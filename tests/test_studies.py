"""Every shipped study: its config loads, and its quick setting runs and reports end to end."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from msisim.cli import load_experiment
from msisim.conf import experiment_names
from msisim.study.runner import run_experiment
from msisim.viz.report import build_report
from test_report_files import check_files
from test_reports import check_report

STUDIES = experiment_names()


def test_the_seven_studies_are_shipped() -> None:
    assert len(STUDIES) >= 7, f"the seven studies must be shipped, found {STUDIES}"


@pytest.mark.parametrize("name", STUDIES)
def test_study_config_loads_quick_and_full(name: str) -> None:
    full = load_experiment(name, [], quick=False)
    quick = load_experiment(name, [], quick=True)
    assert full.name == name, f"configs/experiment/{name}.yaml must be named {name!r}"
    assert quick.name == name, "the quick setting keeps the study's name"
    assert full.title, f"{name}: the study needs a title for its report"
    assert quick.title == full.title, f"{name}: the quick setting keeps the title"
    n_full, n_quick = len(full.tasks()), len(quick.tasks())
    assert n_quick < n_full, f"{name}: quick must have fewer runs than full ({n_quick} >= {n_full})"
    assert quick.fingerprint() != full.fingerprint(), f"{name}: quick and full differ in runs"
    assert set(quick.designs) == set(full.designs), f"{name}: quick compares the same designs"
    assert [f.name for f in quick.factors] == [f.name for f in full.factors], (
        f"{name}: quick varies the same factors"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", STUDIES)
def test_quick_study_runs_and_reports(
    name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spec = load_experiment(name, [], quick=True)
    result = run_experiment(spec, tmp_path, workers=2)
    runs_path = tmp_path / "runs.parquet"
    assert runs_path.is_file(), f"{name}: runs.parquet must be written"
    runs = pd.read_parquet(runs_path)
    assert len(runs) == len(spec.tasks()), f"{name}: one row per task"
    failed = runs.loc[runs["status"] != "ok", "error"]
    assert failed.empty, f"{name}: no quick run may fail: {failed.value_counts().to_dict()}"
    assert result.n_failed == 0, f"{name}: the sweep reports no failure"
    for outcome in spec.outcomes:
        assert outcome in runs, f"{name}: outcome {outcome!r} must be a column of runs.parquet"
    if spec.collect_series:
        assert (tmp_path / "series.parquet").is_file(), f"{name}: series.parquet is collected"

    with caplog.at_level(logging.WARNING, logger="msisim.viz.report"):
        report = build_report(tmp_path)
    pooled = [r.getMessage() for r in caplog.records if "averages over levels" in r.getMessage()]
    assert not pooled, f"{name}: no table may average over levels of a varied factor: {pooled}"
    assert report == tmp_path / "report.md", f"{name}: build_report returns report.md's path"
    figures = list((tmp_path / "figures").glob("*.png"))
    assert figures, f"{name}: the report must draw at least one PNG in figures/"
    text = report.read_text()
    assert spec.title in text, f"{name}: report.md must contain the study's title"
    for figure in figures:
        assert figure.stat().st_size > 1000, f"{name}: {figure.name} must not be empty"
    missing = [
        line
        for line in text.splitlines()
        if line.startswith("![") and not (tmp_path / line.split("](", 1)[1].rstrip(")")).exists()
    ]
    assert not missing, f"{name}: every embedded figure must exist: {missing}"
    check_report(name, text)
    check_files(name, tmp_path)


# --------------------------------------------------------------------------- presets
# The forums this tool is about (experiments/<name>/README.md): each preset's quick setting
# runs, and the findings that held robustly in its full study hold in the quick one too.


def _quick_runs(name: str, folder: Path) -> pd.DataFrame:
    spec = load_experiment(name, [], quick=True)
    run_experiment(spec, folder, workers=1)
    runs = pd.read_parquet(folder / "runs.parquet")
    assert (runs["status"] == "ok").all(), f"{name}: every quick run must finish"
    return runs


def _paired(runs: pd.DataFrame, outcome: str, design: str, baseline: str) -> pd.Series:
    """Per-seed difference ``design - baseline`` (designs share seeds at each sample point)."""
    keys = ["sample", "replicate"]
    a = runs[runs["design"] == design].set_index(keys)[outcome]
    b = runs[runs["design"] == baseline].set_index(keys)[outcome]
    return (a - b).dropna()


@pytest.mark.slow
def test_provincial_workshop_panel_against_the_true_state(tmp_path: Path) -> None:
    runs = _quick_runs("provincial_workshop", tmp_path)
    calm = runs[runs["param.selector_capture"] == 0.0]
    assert (calm["panel_capture_shift"].abs() < 1e-12).all(), (
        "with selector capture 0 and no lobby budget the run equals its no-lobby twin, so the "
        "panel's capture shift must be exactly 0"
    )
    cells = [c for c in runs if c.startswith("panel.")]
    assert len(cells) == 24, f"the panel's 4 x 6 cells are stored beside the truth, got {cells}"
    assert (runs["panel_error"] < 1.0).all(), (
        "seven honest respondents per arena with rating noise 1 stay within a scale point of "
        "the true scorecard on average"
    )
    open_call = runs[(runs["design"] == "open_call") & (runs["param.selector_capture"] == 1.0)]
    assert open_call["panel_capture_shift"].mean() < -0.3, (
        "a fully captured convener who turns attendees away from an open call lowers the "
        "scorecard its panel reports (about -0.7 points in the full study)"
    )
    gap = (open_call["panel_capture_shift"] - open_call["index_capture_shift"]).abs().mean()
    assert gap < 0.2, (
        "the open call's panel reports the change the captured convener made to the forum: "
        f"its shift follows the true state's within 0.2 points (got {gap:.3f})"
    )


@pytest.mark.slow
def test_internet_governance_seated_group_and_open_process(tmp_path: Path) -> None:
    runs = _quick_runs("internet_governance", tmp_path)
    mag = runs[runs["design"] == "mag"]
    assert (mag["n_members"] == 55).all(), "the advisory group seats 55 members"
    assert (mag["grassroots_share"] == 0).all(), "users have no seats of their own in the group"
    open_room = runs[(runs["design"] != "mag") & (runs["param.lobby_budget"] == 0.0)]
    assert open_room["grassroots_share"].max() < 0.4, (
        "self-selected attendance keeps users (40% of the population, few resources, low "
        "engagement) under-represented in the open process"
    )
    lobbied = runs[runs["param.lobby_budget"] > 0]
    for design, group in lobbied.groupby("design"):
        assert group["capture"].mean() > 0.05, (
            f"{design}: business lobbying moves the policy toward its ideal (capture > 0)"
        )


@pytest.mark.slow
def test_sdg_partnership_levers_bring_communities_in(tmp_path: Path) -> None:
    runs = _quick_runs("sdg_partnership", tmp_path)
    for lever in ("outreach", "support", "both"):
        gain = _paired(runs, "grassroots_share", lever, "no_levers")
        assert (gain > 0).all(), (
            f"{lever} raises the local communities' share of the room on every seed and cost "
            f"(got {gain.round(3).tolist()})"
        )
    high = runs["param.participation_cost"].max()
    low = runs["param.participation_cost"].min()
    gain = _paired(runs, "grassroots_share", "support", "no_levers")
    by_cost = gain.groupby(level="sample").mean()
    samples = runs.drop_duplicates("sample").set_index("sample")["param.participation_cost"]
    assert by_cost[samples == high].mean() > by_cost[samples == low].mean(), (
        "participation support scales the cost term, so its gain grows with the cost"
    )
