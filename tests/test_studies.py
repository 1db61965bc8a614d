"""Every shipped study: its config loads, and its quick setting runs and reports end to end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from msisim.cli import load_experiment
from msisim.conf import experiment_names
from msisim.study.runner import run_experiment
from msisim.viz.report import build_report
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
def test_quick_study_runs_and_reports(name: str, tmp_path: Path) -> None:
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

    report = build_report(tmp_path)
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
