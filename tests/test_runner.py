"""The sweep runner and its store: backends agree, resume, failures, kill -9, manifest."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import msisim.study.runner as runner_module
from msisim.kinds import model_kind
from msisim.model import GovernanceModel
from msisim.study.runner import run_experiment
from msisim.study.spec import ExperimentSpec

TINY: dict[str, Any] = {
    "name": "tiny",
    "title": "Tiny runner study",
    "base": {"n_stakeholders": 200, "n_lobbyists": 2},
    "designs": {
        "representative": {"membership": "representative", "n_seats": 12},
        "open": {"membership": "open"},
    },
    "factors": {"lobby_budget": {"levels": [0.0, 1.0]}},
    "replicates": 2,
    "steps": 25,
    "batch_size": 3,
}


def tiny(**over: Any) -> ExperimentSpec:
    return ExperimentSpec.from_dict({**TINY, **over})


def content(runs: pd.DataFrame) -> pd.DataFrame:
    """Run table without wall-clock times, in run-id order."""
    return (
        runs.drop(columns="seconds").sort_values("run_id").reset_index(drop=True).sort_index(axis=1)
    )


def read_runs(folder: Path) -> pd.DataFrame:
    path = folder / "runs.parquet"
    assert path.exists(), f"{path} should have been written"
    return pd.read_parquet(path)


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The tiny study run in-process (workers=1): the reference content."""
    folder = tmp_path_factory.mktemp("reference")
    result = run_experiment(tiny(), folder, workers=1)
    assert result.n_failed == 0, f"the reference sweep must not fail: {result.runs['error']}"
    return content(read_runs(folder))


# --------------------------------------------------------------------------- backends


def test_local_workers_1_and_2_give_identical_results(
    tmp_path: Path, local_reference: pd.DataFrame
) -> None:
    spec = tiny()
    result = run_experiment(spec, tmp_path, workers=2)
    assert result.n_run == len(spec.tasks()), "a fresh folder must run every task"
    assert result.n_failed == 0, "no run of the tiny study should fail"
    assert len(local_reference) == len(spec.tasks()), "the reference has one row per task"
    pd.testing.assert_frame_equal(
        content(read_runs(tmp_path)),
        local_reference,
        obj="runs.parquet with workers=2 vs workers=1",
    )


def test_runs_table_is_in_task_order(tmp_path: Path) -> None:
    spec = tiny()
    run_experiment(spec, tmp_path, workers=2)
    runs = read_runs(tmp_path)
    assert list(runs["run_id"]) == [t.run_id for t in spec.tasks()], (
        "runs.parquet must list runs in task order whatever order they finished in"
    )
    assert list(runs["seed"]) == [t.seed for t in spec.tasks()], "each row carries its task seed"


@pytest.mark.slow
def test_dask_backend_matches_local(tmp_path: Path, local_reference: pd.DataFrame) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        result = run_experiment(
            tiny(), tmp_path, backend="dask", workers=2, address=cluster.scheduler_address
        )
    assert result.n_failed == 0, "no run on the dask backend should fail"
    pd.testing.assert_frame_equal(
        content(read_runs(tmp_path)), local_reference, obj="runs.parquet with dask vs local"
    )
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["backend"] == "dask", "the manifest must record the dask backend"
    assert manifest["address"] == cluster.scheduler_address, "and the scheduler address"


def test_unknown_backend_and_bad_workers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="backend"):
        run_experiment(tiny(), tmp_path, backend="slurm")
    with pytest.raises(ValueError, match="workers"):
        run_experiment(tiny(), tmp_path, workers=0)


# --------------------------------------------------------------------------- resume


def test_resume_runs_nothing_and_leaves_results_unchanged(tmp_path: Path) -> None:
    spec = tiny()
    first = run_experiment(spec, tmp_path, workers=1)
    before = read_runs(tmp_path)
    parts_before = sorted(p.name for p in (tmp_path / "parts").glob("runs-*.parquet"))
    second = run_experiment(spec, tmp_path, workers=1)
    assert first.n_run == len(spec.tasks()), "the first sweep runs every task"
    assert second.n_run == 0, "a rerun into a finished folder must run nothing"
    assert second.n_skipped == len(spec.tasks()), "and skip every task"
    assert second.n_failed == 0, "and report no failure"
    pd.testing.assert_frame_equal(
        read_runs(tmp_path), before, obj="runs.parquet after a no-op resume (incl. seconds)"
    )
    parts_after = sorted(p.name for p in (tmp_path / "parts").glob("runs-*.parquet"))
    assert parts_after == parts_before, "a no-op resume must journal no new part"


def test_a_different_configuration_is_refused(tmp_path: Path) -> None:
    run_experiment(tiny(), tmp_path, workers=1)
    before = read_runs(tmp_path)
    with pytest.raises(ValueError, match="different configuration"):
        run_experiment(tiny(replicates=3), tmp_path, workers=1)
    pd.testing.assert_frame_equal(
        read_runs(tmp_path), before, obj="runs.parquet after a refused sweep"
    )


def test_prose_changes_are_not_a_different_configuration(tmp_path: Path) -> None:
    run_experiment(tiny(), tmp_path, workers=1)
    again = run_experiment(tiny(title="Renamed", batch_size=5), tmp_path, workers=1)
    assert again.n_run == 0, "a new title or batch size must reuse the finished runs"


# --------------------------------------------------------------------------- failures


def test_a_failing_run_is_recorded_and_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tiny()
    tasks = spec.tasks()
    bad = tasks[5]
    # designs share seeds (common random numbers): fail the run by seed *and* design
    bad_membership = bad.params["membership"]

    class Flaky(GovernanceModel):
        def __init__(self, *args: Any, rng: Any = None, **kwargs: Any) -> None:
            params = args[0] if args else None  # the runner passes validated Params
            membership = params.design.membership if params else kwargs.get("membership")
            self._explode = rng == bad.seed and membership == bad_membership
            super().__init__(*args, rng=rng, **kwargs)

        def step(self) -> None:
            if self._explode:
                raise RuntimeError("injected failure for the test")
            super().step()

    monkeypatch.setattr(runner_module, "GovernanceModel", Flaky)
    result = run_experiment(spec, tmp_path, workers=1)
    runs = read_runs(tmp_path)
    assert len(runs) == len(tasks), "a failing run must not stop the sweep: one row per task"
    assert result.n_failed == 1, f"exactly one run should fail, got {result.n_failed}"
    row = runs.set_index("run_id").loc[bad.run_id]
    assert row["status"] == "failed", "the injected run must have status 'failed'"
    assert "RuntimeError" in row["error"], f"the error must name the exception: {row['error']!r}"
    assert "injected failure for the test" in row["error"], "and carry its message"
    others = runs[runs["run_id"] != bad.run_id]
    assert (others["status"] == "ok").all(), "every other run must be 'ok'"
    assert (others["error"] == "").all(), "ok runs carry an empty error"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"] == {"ok": len(tasks) - 1, "failed": 1}, "manifest counts"
    assert manifest["runs"][bad.run_id] == "failed", "the manifest records the failure"

    monkeypatch.undo()
    assert runner_module.GovernanceModel is GovernanceModel, "the patch must be undone"
    again = run_experiment(spec, tmp_path, workers=1)
    assert again.n_run == 1, "a rerun must run only the failed run"
    assert again.n_failed == 0, "without the fault the run must now succeed"
    runs = read_runs(tmp_path)
    assert runs["run_id"].is_unique, "each run id must appear exactly once"
    assert sorted(runs["run_id"]) == sorted(t.run_id for t in tasks), "and every task is there"
    assert (runs["status"] == "ok").all(), "every run must be 'ok' after the rerun"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["counts"] == {"ok": len(tasks)}, "manifest counts after the rerun"


def test_execute_task_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(GovernanceModel):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise MemoryError("no memory")

    broken = dataclasses.replace(model_kind("forum"), model=Broken)  # the runner asks the kind
    monkeypatch.setattr(runner_module, "model_kind", lambda _name: broken)
    monkeypatch.setattr(runner_module, "GovernanceModel", Broken)
    row, series = runner_module.execute_task(tiny().tasks()[0])
    assert row["status"] == "failed", "a run whose model cannot be built is 'failed'"
    assert row["error"] == "MemoryError: no memory", f"error text: {row['error']!r}"
    assert series is None, "a failed run returns no series"


# --------------------------------------------------------------------------- kill -9

KILL_SPEC: dict[str, Any] = {
    "name": "killed",
    "base": {"n_stakeholders": 1000, "n_lobbyists": 2, "lobby_budget": 1.0},
    "designs": {"open": {"membership": "open"}},
    "factors": {"participation_cost": {"levels": [0.5, 1.0, 1.5, 2.0]}},
    "replicates": 10,
    "steps": 400,
    "batch_size": 1,
}


@pytest.mark.slow
def test_kill_9_mid_sweep_then_resume(tmp_path: Path) -> None:
    spec = ExperimentSpec.from_dict(KILL_SPEC)
    tasks = spec.tasks()
    assert len(tasks) == 40, "the kill test needs a sweep of 40 runs"
    out = tmp_path / "out"
    script = tmp_path / "sweep.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json, sys
            from msisim.study.runner import run_experiment
            from msisim.study.spec import ExperimentSpec

            spec = ExperimentSpec.from_dict(json.loads({json.dumps(json.dumps(KILL_SPEC))}))
            run_experiment(spec, sys.argv[1], workers=1)
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    parts = out / "parts"
    try:
        deadline = time.monotonic() + 120
        while len(list(parts.glob("runs-*.parquet"))) < 3:
            assert proc.poll() is None, (
                f"the sweep must still be running when killed; it exited with "
                f"{proc.returncode}: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
            assert time.monotonic() < deadline, "the sweep should journal 3 parts within 2 min"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the sweep must have died of SIGKILL"

    journalled = sorted(parts.glob("runs-*.parquet"))
    assert 3 <= len(journalled) < len(tasks), (
        f"the kill must land mid-sweep: {len(journalled)} of {len(tasks)} parts journalled"
    )
    before = pd.concat([pd.read_parquet(p) for p in journalled], ignore_index=True)
    assert before["run_id"].is_unique, "each journalled batch holds distinct runs"
    assert not (out / "runs.parquet").exists(), "a killed sweep never reached consolidation"

    # leftover temporary files (a write interrupted by the kill) must be ignored
    (parts / ".runs-deadbeef0000.parquet.abc123.tmp").write_bytes(b"PAR1 truncated garbage")
    (parts / "runs-cafebabe0000.parquet.tmp").write_bytes(b"not parquet either")

    result = run_experiment(spec, out, workers=1)
    assert result.n_skipped == len(before), "the resume must skip every journalled run"
    assert result.n_run == len(tasks) - len(before), "and run exactly the rest"
    runs = read_runs(out)
    assert len(runs) == len(tasks), f"one row per task: {len(runs)} != {len(tasks)}"
    assert runs["run_id"].is_unique, "each run id must appear exactly once"
    assert set(runs["run_id"]) == {t.run_id for t in tasks}, "every task must be in runs.parquet"
    assert (runs["status"] == "ok").all(), f"all runs must be ok: {runs['error'].unique()}"

    finished = runs.set_index("run_id").loc[before["run_id"]].reset_index()
    pd.testing.assert_frame_equal(
        finished[list(before.columns)],
        before,
        check_exact=True,
        obj="rows journalled before the kill vs the same rows in the final runs.parquet",
    )

    store = runner_module.ResultStore(out, spec.to_dict(), spec.fingerprint())
    read = {p.name for p in store.parts.glob("runs-*.parquet")}
    assert not any(name.endswith(".tmp") for name in read), "a .tmp file must never be a part"
    assert len(store.read_runs_parts()) == len(tasks), (
        "the journal holds exactly the task runs; the .tmp leftovers contribute nothing"
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"ok": len(tasks)}, "manifest counts after the resume"


# --------------------------------------------------------------------------- manifest


def test_manifest_records_provenance_and_every_run(tmp_path: Path) -> None:
    spec = tiny()
    run_experiment(spec, tmp_path, workers=1)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["spec"] == spec.to_dict(), "the manifest must store the spec"
    assert ExperimentSpec.from_dict(manifest["spec"]) == spec, "and rebuild the same spec"
    assert manifest["fingerprint"] == spec.fingerprint(), "the manifest stores the fingerprint"
    assert manifest["experiment"] == spec.name, "and the study's name"
    for package in ("msisim", "mesa", "numpy"):
        version = manifest["versions"].get(package, "")
        assert version and version != "not installed", f"the version of {package} is recorded"
    assert isinstance(manifest["git_revision"], str) and manifest["git_revision"], (
        "the git revision (or 'unknown') is recorded"
    )
    assert manifest["counts"] == {"ok": len(spec.tasks())}, "counts by status"
    assert set(manifest["runs"]) == {t.run_id for t in spec.tasks()}, (
        "the manifest has a status for every run id"
    )
    assert set(manifest["runs"].values()) == {"ok"}, "every status is ok"
    assert manifest["backend"] == "local" and manifest["workers"] == 1, "backend and workers"
