"""Tasks built a chunk at a time: same tasks, ids, seeds, rows and row order as the full list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import msisim.study.runner as runner_module
from msisim.study.runner import run_experiment
from msisim.study.spec import ExperimentSpec

#: Two designs, a design factor on common random numbers (twin groups span the designs), a
#: factor restricted to one design, and three replicates: 4 + 2 points x 3 replicates.
GRID: dict[str, Any] = {
    "name": "stream",
    "base": {"n_stakeholders": 60, "n_lobbyists": 2},
    "designs": {
        "representative": {"membership": "representative", "n_seats": 12},
        "open": {"membership": "open"},
    },
    "factors": {
        "lobby_budget": {"levels": [0.0, 1.0]},
        "n_seats": {"levels": [10, 12], "designs": ["representative"]},
    },
    "design_factors": ["lobby_budget"],
    "replicates": 3,
    "steps": 6,
    "batch_size": 2,
}

#: The sobol sampler: every sample point of a replicate shares its seed (one twin group may
#: hold many points), two ranged factors and a design factor.
SOBOL: dict[str, Any] = {
    "name": "stream_sobol",
    "base": {"n_stakeholders": 60, "n_lobbyists": 2},
    "designs": {"open": {"membership": "open"}, "lottery": {"membership": "sortition"}},
    "factors": {
        "lobby_budget": {"low": 0.0, "high": 2.0},
        "participation_cost": {"low": 0.0, "high": 1.0},
    },
    "sampler": "sobol",
    "n_samples": 2,
    "replicates": 2,
    "steps": 5,
    "batch_size": 3,
}


def _content(runs: pd.DataFrame) -> pd.DataFrame:
    """The run table in its row order, wall-clock times left out (they differ between sweeps).

    Columns are sorted: a column only some runs have (a factor restricted to a design) takes
    its place from the journal part read first, whose name is random, with or without chunks.
    """
    return runs.drop(columns="seconds").sort_index(axis=1)


@pytest.mark.parametrize("plain", [GRID, SOBOL], ids=["grid", "sobol"])
@pytest.mark.parametrize("max_tasks", [1, 4, 7, 12, 10_000])
def test_chunks_hold_every_task_once_at_its_place(plain: dict[str, Any], max_tasks: int) -> None:
    spec = ExperimentSpec.from_dict(plain)
    tasks = spec.tasks()
    chunks = list(spec.task_chunks(max_tasks))
    assert all(0 < len(c) <= max_tasks for c in chunks), (
        f"chunks of at most {max_tasks} tasks: {[len(c) for c in chunks]}"
    )
    streamed = [t for c in chunks for t in c]
    n_points = spec.n_runs() // spec.replicates
    point_of = {t.run_id: i // spec.replicates for i, t in enumerate(tasks)}
    at = {t.run_id: point_of[t.run_id] * spec.replicates + t.replicate for t in streamed}
    assert len(streamed) == len(tasks) == n_points * spec.replicates, "every task, once"
    assert sorted(streamed, key=lambda t: at[t.run_id]) == tasks, (
        "each chunked task equals the task at place point * replicates + r of tasks()"
    )
    if len(tasks) > max_tasks >= n_points:
        replicates = [{t.replicate for t in c} for c in chunks]
        assert all(
            len([c for c in chunks for t in c if t.replicate == r]) == n_points
            for r in range(spec.replicates)
        ) and all(not (a & b) for i, a in enumerate(replicates) for b in replicates[i + 1 :]), (
            f"a chunk holds whole replicates, none split: {replicates}"
        )
    assert list(spec.run_ids()) == [t.run_id for t in tasks], "run_ids() is tasks()' ids in order"


def test_a_bad_chunk_size_is_refused() -> None:
    spec = ExperimentSpec.from_dict(GRID)
    with pytest.raises(ValueError, match="max_tasks=0 is invalid"):
        next(spec.task_chunks(0))


@pytest.mark.parametrize("plain", [GRID, SOBOL], ids=["grid", "sobol"])
def test_streamed_sweep_writes_what_the_single_list_writes(
    plain: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A study run a few tasks at a time (as a large one is) equals it run from one list."""
    spec = ExperimentSpec.from_dict(plain)
    whole = run_experiment(spec, tmp_path / "whole", workers=1)
    monkeypatch.setattr(runner_module, "CHUNK_TASKS", 5)  # several chunks, replicates cut
    streamed = run_experiment(spec, tmp_path / "streamed", workers=2)
    assert whole.n_failed == streamed.n_failed == 0, f"no run fails: {whole.runs['error']}"
    assert streamed.n_run == whole.n_run == spec.n_runs(), "both sweeps run every task"
    ours = pd.read_parquet(tmp_path / "streamed" / "runs.parquet")
    reference = pd.read_parquet(tmp_path / "whole" / "runs.parquet")
    tasks = spec.tasks()
    assert list(ours["run_id"]) == [t.run_id for t in tasks], "rows in the order of tasks()"
    assert list(ours["seed"]) == [t.seed for t in tasks], "each row carries its task's seed"
    pd.testing.assert_frame_equal(
        _content(ours), _content(reference), check_exact=True, obj="streamed vs one list"
    )


def test_a_streamed_sweep_resumes_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = ExperimentSpec.from_dict(GRID)
    reference = run_experiment(spec, tmp_path / "whole", workers=1).runs
    monkeypatch.setattr(runner_module, "CHUNK_TASKS", 6)  # one replicate per chunk
    finished = []

    def stop_after_two_batches(n: int) -> None:
        finished.append(n)
        if len(finished) == 2:
            raise KeyboardInterrupt

    out = tmp_path / "streamed"
    with pytest.raises(KeyboardInterrupt):
        run_experiment(spec, out, workers=1, on_batch=stop_after_two_batches)
    assert not (out / "runs.parquet").exists(), "the interrupted sweep never consolidated"
    resumed = run_experiment(spec, out, workers=1)
    assert resumed.n_skipped == sum(finished) == 4, f"the two batches are kept: {finished}"
    assert resumed.n_run == spec.n_runs() - resumed.n_skipped, "the rest runs, once each"
    pd.testing.assert_frame_equal(
        _content(pd.read_parquet(out / "runs.parquet")),
        _content(reference),
        check_exact=True,
        obj="resumed streamed sweep vs an uninterrupted one",
    )


@pytest.mark.parametrize("plain", [GRID, SOBOL], ids=["grid", "sobol"])
def test_plans_made_once_per_point_say_what_a_plan_per_run_says(plain: dict[str, Any]) -> None:
    """A study's replicates share their point's validated parameters; keys are as defined."""
    from msisim import counterfactual as twins
    from msisim.params import Params
    from msisim.study import sharing
    from msisim.study.spec import _to_model

    spec = ExperimentSpec.from_dict(plain)
    sharing._POINTS.clear()
    for task in spec.tasks():
        made = sharing._plan(task)
        params = Params.from_flat(n_steps=task.steps, **_to_model(task.params))
        assert made.params == params, "the run's own parameters"
        assert made.group == repr((task.seed, task.steps, twins.twin_parameters(params))), (
            "twin group: seed, steps and the twin's parameters"
        )
        assert made.same_run == repr(
            (task.seed, task.steps, twins.effective(params), task.collect_series, task.outcomes)
        ), "same-run key: seed, steps, the parameters the run reads, the outputs asked"
        assert made.serves_as_twin == twins.can_serve_as_twin(params), "serves as twin"
        assert made.lobby_acts == params.context.lobby_acts, "has a lobby"
    assert len(sharing._POINTS) == spec.n_runs() // spec.replicates, "one validation per point"


def test_a_sweep_builds_its_chunks_as_workers_take_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = ExperimentSpec.from_dict(GRID)
    monkeypatch.setattr(runner_module, "CHUNK_TASKS", 6)  # three chunks, one per replicate
    built: list[int] = []
    chunks = ExperimentSpec.task_chunks

    def counted(self: ExperimentSpec, max_tasks: int) -> Any:
        for chunk in chunks(self, max_tasks):
            built.append(len(chunk))
            yield chunk

    monkeypatch.setattr(ExperimentSpec, "task_chunks", counted)
    seen: list[int] = []
    run_experiment(spec, tmp_path, workers=1, on_batch=lambda n: seen.append(len(built)))
    assert built == [6, 6, 6], f"every task built once, a chunk at a time: {built}"
    assert seen[0] == 1, f"the first batch ran with one chunk built of three: {seen}"
