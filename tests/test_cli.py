"""The ``msisim`` command line, run as a subprocess like a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from msisim.cli import load_experiment
from msisim.conf import experiment_names

MSISIM = str(Path(sys.executable).parent / "msisim")


def msisim(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MSISIM, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def assert_clean_failure(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode != 0, f"{what}: must exit non-zero (stdout: {proc.stdout!r})"
    assert "Traceback" not in proc.stderr + proc.stdout, f"{what}: no traceback: {proc.stderr}"


def assert_one_line(proc: subprocess.CompletedProcess[str], what: str) -> str:
    assert_clean_failure(proc, what)
    err = lines(proc.stderr)
    assert len(err) == 1, f"{what}: stderr must be exactly one line, got {err}"
    return err[0]


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), ["experiment", "report", "run", "list"]),
        (("experiment",), ["study", "--quick", "--backend", "--out", "overrides"]),
        (("report",), ["DIR", "report.md"]),
        (("run",), ["design", "population", "lobbying", "replicates", "steps"]),
    ],
    ids=["msisim", "experiment", "report", "run"],
)
def test_help(tmp_path: Path, args: tuple[str, ...], expected: list[str]) -> None:
    proc = msisim(*args, "--help", cwd=tmp_path)
    assert proc.returncode == 0, f"msisim {' '.join(args)} --help must exit 0: {proc.stderr}"
    for word in expected:
        assert word in proc.stdout, f"msisim {' '.join(args)} --help should mention {word!r}"
    assert "Traceback" not in proc.stderr, "help must not print a traceback"


def test_help_lists_only_existing_commands(tmp_path: Path) -> None:
    proc = msisim("--help", cwd=tmp_path)
    for command in ("run", "experiment", "report", "list", "app"):
        assert command in proc.stdout, f"msisim --help must list the {command!r} command"
        sub = msisim(command, "--help", cwd=tmp_path)
        assert sub.returncode == 0, f"'msisim {command} --help' must exist and exit 0"


def test_list_shows_question_runs_and_time(tmp_path: Path) -> None:
    proc = msisim("list", cwd=tmp_path)
    assert proc.returncode == 0, f"msisim list must exit 0: {proc.stderr}"
    out = lines(proc.stdout)
    names = [line for line in out if not line.startswith(" ") and "estimate" not in line]
    assert names == experiment_names(), "msisim list starts one unindented line per study"
    for name in experiment_names():
        block = out[out.index(name) + 1 : out.index(name) + 3]
        full, quick = (load_experiment(name, [], quick=q) for q in (False, True))
        assert " ".join(full.question.split()) in block[0], f"{name}: the question, one line"
        assert f"quick: {len(quick.tasks())} runs" in block[1], f"{name}: quick run count"
        assert f"full: {len(full.tasks())} runs" in block[1], f"{name}: full run count"
        assert "~" in block[1], f"{name}: an expected time"
    assert "estimate" in proc.stdout, "msisim list says the times are estimates"


# --------------------------------------------------------------------------- bad input


def test_unknown_study(tmp_path: Path) -> None:
    proc = msisim("experiment", "nosuch", cwd=tmp_path)
    line = assert_one_line(proc, "msisim experiment nosuch")
    assert "nosuch" in line, f"the message must name the unknown study: {line}"
    for name in experiment_names():
        assert name in line, f"the message must list the valid study {name!r}: {line}"


def test_malformed_override_after_an_option_fails_cleanly(tmp_path: Path) -> None:
    proc = msisim("experiment", "bollow_comparison", "--quick", "replicates=abc", cwd=tmp_path)
    assert_clean_failure(proc, "msisim experiment bollow_comparison --quick replicates=abc")
    assert not (tmp_path / "outputs").exists(), "bad input must be refused before any run"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["replicates=abc", "--quick"], ["replicates"], id="override-first"),
        pytest.param(["replicates=abc", "--quick"], ["replicates", "abc"], id="full-path"),
        pytest.param(["--quick", "replicates=abc"], ["replicates"], id="option-first"),
    ],
)
def test_malformed_override_one_line(tmp_path: Path, args: list[str], words: list[str]) -> None:
    proc = msisim("experiment", "bollow_comparison", *args, cwd=tmp_path)
    line = assert_one_line(proc, f"malformed override {args}")
    for word in words:
        assert word in line, f"the message must mention {word!r}: {line}"
    assert not (tmp_path / "outputs").exists(), "bad input must be refused before any run"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["base.n_seat=3", "--quick"], ["n_seat"], id="override-first"),
        pytest.param(["+base.n_seat=3", "--quick"], ["n_seat", "'n_seats'"], id="append"),
        pytest.param(["--quick", "base.n_seat=3"], ["n_seat"], id="option-first"),
    ],
)
def test_unknown_model_parameter_one_line(
    tmp_path: Path, args: list[str], words: list[str]
) -> None:
    proc = msisim("experiment", "bollow_comparison", *args, cwd=tmp_path)
    line = assert_one_line(proc, f"unknown parameter {args}")
    for word in words:
        assert word in line, f"the message must mention {word!r}: {line}"
    assert not (tmp_path / "outputs").exists(), "bad input must be refused before any run"


def test_report_of_an_empty_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = msisim("report", str(empty), cwd=tmp_path)
    line = assert_one_line(proc, "msisim report <empty dir>")
    assert "empty" in line, f"the message must name the folder: {line}"


def test_bad_workers_value(tmp_path: Path) -> None:
    proc = msisim("experiment", "bollow_comparison", "--workers", "0", cwd=tmp_path)
    assert_clean_failure(proc, "--workers 0")
    assert "workers" in proc.stderr, f"the message must name --workers: {proc.stderr}"


def test_run_with_unknown_group_option(tmp_path: Path) -> None:
    proc = msisim("run", "design=nosuch", cwd=tmp_path)
    assert_clean_failure(proc, "msisim run design=nosuch")
    assert "nosuch" in proc.stderr, f"Hydra's message must name the option: {proc.stderr}"
    assert not list(tmp_path.glob("outputs/**/runs.parquet")), "nothing may run"


# --------------------------------------------------------------------------- overrides (in-process)


def test_documented_override_syntax_works() -> None:
    spec = load_experiment("bollow_comparison", ["replicates=5"], quick=False)
    assert spec.replicates == 5, "replicates=5 must set the study's replicates"


def test_nested_override_works_without_quick() -> None:
    spec = load_experiment("bollow_comparison", ["base.n_stakeholders=700"], quick=False)
    assert spec.base["n_stakeholders"] == 700, "base.n_stakeholders=700 must set the population"


def test_user_override_wins_over_the_quick_block() -> None:
    spec = load_experiment("bollow_comparison", ["replicates=2"], quick=True)
    assert spec.replicates == 2, f"an explicit replicates=2 must win, got {spec.replicates}"


# --------------------------------------------------------------------------- full commands


@pytest.mark.slow
def test_experiment_quick_then_report_rebuild(tmp_path: Path) -> None:
    out = tmp_path / "study"
    proc = msisim(
        "experiment", "bollow_comparison", "--quick", "--out", str(out), "--workers", "2",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, f"the quick study must succeed: {proc.stderr}"
    for name in ("runs.parquet", "runs.csv", "manifest.json", "report.md"):
        assert (out / name).is_file(), f"msisim experiment must write {name}"
    figures = sorted((out / "figures").glob("*.png"))
    assert figures, "msisim experiment must draw figures/*.png"
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all(), "no run of the quick study may fail"
    spec = load_experiment("bollow_comparison", [], quick=True)
    assert len(runs) == len(spec.tasks()), "one row per task of the quick setting"
    assert str(out / "runs.parquet") in proc.stdout, "stdout must print the results path"

    manifest_before = (out / "manifest.json").read_text()
    runs_before = (out / "runs.parquet").read_bytes()
    (out / "report.md").unlink()
    shutil.rmtree(out / "figures")
    proc = msisim("report", str(out), cwd=tmp_path)
    assert proc.returncode == 0, f"msisim report must succeed: {proc.stderr}"
    assert (out / "report.md").is_file(), "msisim report must rebuild report.md"
    assert sorted((out / "figures").glob("*.png")) == figures, "and the same figures"
    assert spec.title in (out / "report.md").read_text(), "the report carries the study title"
    assert (out / "manifest.json").read_text() == manifest_before, (
        "msisim report must not run any model: the manifest (counts, seconds) is unchanged"
    )
    assert json.loads(manifest_before)["counts"] == {"ok": len(spec.tasks())}, "manifest counts"
    assert (out / "runs.parquet").read_bytes() == runs_before, "runs.parquet is untouched"


@pytest.mark.slow
def test_run_one_scenario(tmp_path: Path) -> None:
    proc = msisim(
        "run", "population=small", "replicates=2", "steps=20", "params.epsilon=0.2", cwd=tmp_path
    )
    assert proc.returncode == 0, f"msisim run must succeed: {proc.stderr}"
    found = list((tmp_path / "outputs" / "run").glob("*/runs.parquet"))
    assert len(found) == 1, f"one runs.parquet under outputs/run/<time>/, got {found}"
    runs = pd.read_parquet(found[0])
    assert len(runs) == 2, "two replicates give two rows"
    assert (runs["status"] == "ok").all(), "both runs succeed"
    assert (runs["param.n_stakeholders"] == 300).all(), "population=small has 300 stakeholders"
    assert (runs["param.epsilon"] == 0.2).all(), "params.epsilon=0.2 works without '+'"
    csv = pd.read_csv(found[0].parent / "runs.csv")
    assert len(csv) == 2 and list(csv.columns) == list(runs.columns), "runs.csv = runs.parquet"
    assert (found[0].parent / "metrics_over_time.png").is_file(), "the figure is drawn"


@pytest.mark.slow
def test_run_a_parliament(tmp_path: Path) -> None:
    """``msisim run`` reaches the Pluchino parliament too: its table and figure show the
    legislature's efficiency (the forum outcomes it does not have are left out)."""
    proc = msisim(
        "run", "model=parliament", "params.n_seats=500", "params.lottery_seats=140",
        "params.majority_share=0.6", "replicates=2", "steps=2", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, f"msisim run must succeed for a parliament: {proc.stderr}"
    assert "legislative_efficiency" in proc.stdout, "the table reports the efficiency"
    (found,) = (tmp_path / "outputs" / "run").glob("*/metrics_over_time.png")
    assert found.stat().st_size > 0, "the figure is drawn"


@pytest.mark.slow
def test_run_multirun(tmp_path: Path) -> None:
    proc = msisim(
        "run", "-m", "design=representative,open", "population=small", "replicates=1",
        "steps=10", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, f"msisim run -m must succeed: {proc.stderr}"
    found = sorted((tmp_path / "outputs" / "multirun").glob("*/*/runs.parquet"))
    assert len(found) == 2, f"two job folders with runs.parquet, got {found}"
    memberships = {pd.read_parquet(p)["param.membership"].iloc[0] for p in found}
    assert memberships == {"representative", "open"}, "one job per design"
    for path in found:
        membership = pd.read_parquet(path)["param.membership"].iloc[0]
        assert f"design={membership}" in path.parent.name, (
            f"a job's folder is named by its overrides, got {path.parent.name!r}"
        )
    sweep = found[0].parent.parent
    combined = pd.read_parquet(sweep / "sweep_runs.parquet")
    assert len(combined) == 2, "one combined table of every job's runs at the sweep folder"
    assert set(combined["job"]) == {p.parent.name for p in found}, "rows name their job"
    assert len(pd.read_csv(sweep / "sweep_runs.csv")) == 2, "and its CSV"
