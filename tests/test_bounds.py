"""Work is bounded before it starts: a study too large is refused in one line, at once.

Each case is a hostile study or option that once ran for minutes, ran out of memory or
oversubscribed the cores; now it is refused when the study is built (before the output
folder exists, exit 2 from the CLI), naming the input and the environment variable that
raises the cap (:mod:`msisim.study.bounds`), or warned about in one line. The time bounds
are generous: they check that nothing large is built, not how fast the check is.
"""

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import msisim.study.runner as runner
from msisim.cli import load_experiment
from msisim.study.bounds import DEFAULT_MAX_RUNS, max_memory
from msisim.study.runner import check_run_options, run_experiment
from msisim.study.spec import ExperimentSpec, _digest

MSISIM = str(Path(sys.executable).parent / "msisim")
QUICK = 10.0  # seconds: generous, nothing large may be built before the refusal

TINY = {
    "name": "tiny",
    "base": {"n_stakeholders": 60, "n_seats": 12},
    "factors": {"lobby_budget": [0.0, 1.0]},
    "replicates": 2,
    "steps": 4,
    "batch_size": 2,
}

CAPS = ("MSISIM_MAX_RUNS", "MSISIM_MAX_MEMORY", "MSISIM_MAX_CORE_HOURS", "MSISIM_MAX_WORKERS")


@pytest.fixture(autouse=True)
def default_caps(monkeypatch):
    for name in CAPS:
        monkeypatch.delenv(name, raising=False)


def refused(data, *expect):
    """Build the study; it must be refused quickly in one line naming each of ``expect``."""
    start = time.monotonic()
    with pytest.raises(ValueError) as err:
        ExperimentSpec.from_dict(data)
    elapsed = time.monotonic() - start
    message = str(err.value)
    assert elapsed < QUICK, f"refused at once, not after building the runs ({elapsed:.1f} s)"
    assert "\n" not in message, f"one line: {message}"
    for word in expect:
        assert word in message, f"the message must say {word!r}: {message}"
    return message


# --------------------------------------------------------------------------- runs


def test_a_million_replicates_are_refused_naming_replicates_and_the_cap():
    message = refused({**TINY, "replicates": 10**6}, "replicates=1,000,000", "MSISIM_MAX_RUNS=")
    assert "2,000,000 runs" in message, message


def test_a_grid_of_4_factors_with_300_levels_is_refused_without_listing_its_points():
    levels = [i / 300 for i in range(300)]
    names = ("lobby_budget", "participation_cost", "tie_decay", "tie_cost")
    message = refused(
        {**TINY, "factors": dict.fromkeys(names, levels), "replicates": 1},
        "lobby_budget: 300",
        "MSISIM_MAX_RUNS=8100000000",
    )
    assert "8,100,000,000 runs" in message, message


def test_the_run_cap_is_raised_by_its_variable(monkeypatch):
    data = {**TINY, "replicates": 60_000}  # 120,000 runs
    refused(data, "120,000 runs", "MSISIM_MAX_RUNS=120000")
    monkeypatch.setenv("MSISIM_MAX_RUNS", "120000")
    spec = ExperimentSpec.from_dict(data)
    assert spec.n_runs() == 120_000 > DEFAULT_MAX_RUNS, "allowed once the cap is raised"


def test_a_sampler_is_counted_before_it_draws():
    refused(
        {**TINY, "sampler": "lhs", "n_samples": 10**6, "replicates": 10,
         "factors": {"lobby_budget": {"low": 0.0, "high": 2.0}}},
        "n_samples=1,000,000", "10,000,000 runs",
    )  # fmt: skip


# --------------------------------------------------------------------------- memory


def test_the_run_table_is_refused_above_the_memory_cap(monkeypatch):
    monkeypatch.setenv("MSISIM_MAX_MEMORY", "10M")
    refused({**TINY, "replicates": 25_000}, "run table of 50,000 runs", "MSISIM_MAX_MEMORY=")


def test_a_huge_forum_population_is_refused_above_the_memory_cap(monkeypatch):
    monkeypatch.setenv("MSISIM_MAX_MEMORY", "1G")
    refused(
        {**TINY, "base": {"n_stakeholders": 2_000_000, "n_dims": 10,
                          "lobby_ideal": [0.9] + [0.1] * 9, "n_seats": 12}},
        "n_stakeholders=2,000,000", "n_dims=10", "MSISIM_MAX_MEMORY=3G",
    )  # fmt: skip


def test_a_huge_parliament_is_refused_on_any_machine():
    """2 x 10^6 seats voting 10^6 acts: judgement matrices of 2 x 10^12 cells (24 TB)."""
    message = refused(
        {"name": "chamber", "model": "parliament", "steps": 2, "replicates": 1,
         "base": {"n_seats": 2_000_000, "n_proposals": 10**6}},
        "n_seats=2,000,000", "n_proposals=1,000,000", "MSISIM_MAX_MEMORY=",
    )  # fmt: skip
    assert "TB" in message, message


def test_the_default_memory_cap_is_half_the_available_memory():
    from msisim.study.bounds import available_memory

    assert 0 < max_memory() <= available_memory(), "a share of what is available"


def test_runs_times_population_are_refused_above_the_core_hours():
    """10,000 runs of 10^6-2x10^6 stakeholders: fewer runs than the cap, ~1,250 core-hours."""
    refused(
        {**TINY, "factors": {"n_stakeholders": [1_000_000, 2_000_000]}, "replicates": 5_000,
         "steps": 200},
        "10,000 runs", "core-hours", "n_stakeholders=2,000,000", "MSISIM_MAX_CORE_HOURS=",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value"),
    [("MSISIM_MAX_RUNS", "many"), ("MSISIM_MAX_RUNS", "0"), ("MSISIM_MAX_MEMORY", "8Q"),
     ("MSISIM_MAX_CORE_HOURS", "-1"), ("MSISIM_MAX_CORE_HOURS", "inf")],
)  # fmt: skip
def test_a_bad_cap_is_refused_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    refused(TINY, f"{name}={value!r}")


def test_a_study_read_back_from_its_manifest_is_not_refused_again(monkeypatch):
    spec = ExperimentSpec.from_dict(TINY)
    monkeypatch.setenv("MSISIM_MAX_RUNS", "1")  # lowered after the study ran
    refused(TINY, "MSISIM_MAX_RUNS=4")
    again = ExperimentSpec.from_dict(spec.to_dict(), bounded=False)
    assert again.fingerprint() == spec.fingerprint(), "a finished study still reports"


# --------------------------------------------------------------------------- the CLI


def test_cli_refuses_a_million_replicates_in_one_line_before_the_folder(tmp_path):
    out = tmp_path / "out"
    start = time.monotonic()
    proc = subprocess.run(
        [MSISIM, "experiment", "bollow_comparison", "replicates=1000000", "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={**{k: v for k, v in os.environ.items() if k not in CAPS}, "COLUMNS": "300"},
    )  # fmt: skip
    elapsed = time.monotonic() - start
    assert proc.returncode == 2, f"exit 2 for a study too large: {proc.returncode} {proc.stderr}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "MSISIM_MAX_RUNS=" in lines[0], proc.stderr
    assert "replicates=1,000,000" in lines[0], proc.stderr
    assert not out.exists(), "refused before the output folder is touched"
    # start-up (imports, Hydra) included; building 48 million tasks took minutes
    assert elapsed < 60, f"refused in {elapsed:.0f} s"


def test_a_shipped_study_with_a_million_replicates_is_refused_when_loaded():
    start = time.monotonic()
    with pytest.raises(ValueError, match="MSISIM_MAX_RUNS"):
        load_experiment("bollow_comparison", ["replicates=1000000"], quick=False)
    assert time.monotonic() - start < 30, "Hydra's compose plus arithmetic"


# --------------------------------------------------------------------------- workers


def test_64_workers_on_2_cores_start_2_with_one_warning(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 2)
    workers, notes = check_run_options("local", 64, None, None, n_batches=64)
    assert workers == 2, "capped at the cores"
    assert len(notes) == 1, notes
    assert "--workers 64" in notes[0] and "MSISIM_MAX_WORKERS=64" in notes[0], notes
    started = []
    real_local = runner._local
    monkeypatch.setattr(
        runner, "_local", lambda batches, n, *a: started.append(n) or real_local(batches, 1, *a)
    )
    spec = ExperimentSpec.from_dict({**TINY, "replicates": 32})  # 64 runs in 32 batches
    with caplog.at_level("WARNING"):
        run_experiment(spec, tmp_path / "out", workers=64)
    assert started == [2], f"the sweep starts the capped number of workers: {started}"
    warned = [r.message for r in caplog.records if "MSISIM_MAX_WORKERS" in r.message]
    expected = "--workers 64 is more than the 2 cores: starting 2; set MSISIM_MAX_WORKERS=32"
    assert warned == [f"{expected} to start 32"], f"one line (32 batches): {caplog.text}"


def test_more_workers_than_cores_when_asked_for_explicitly(monkeypatch):
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 2)
    monkeypatch.setenv("MSISIM_MAX_WORKERS", "8")
    workers, notes = check_run_options("local", 64, None, None)
    assert workers == 8, "MSISIM_MAX_WORKERS is the cap"
    assert any("compete for the cores" in n for n in notes), notes
    assert check_run_options("local", None, None, None)[0] == 2, "default: the cores"
    workers, _ = check_run_options("dask", 64, "tcp://127.0.0.1:8786", None)
    assert workers == 64, "a remote Dask cluster's workers are not this machine's cores"


# --------------------------------------------------------------------------- tasks


def test_tasks_keep_their_run_ids_and_seeds():
    """Built per point (the text around the replicate encoded once): ids as before."""
    import numpy as np

    spec = ExperimentSpec.from_dict(
        {**TINY, "designs": {"open": {"membership": "open"}, "rep": {}}, "replicates": 3}
    )
    tasks = spec.tasks()
    assert len(tasks) == spec.n_runs() == 12, "n_runs counts without building"
    for task in tasks:
        identity = {"design": task.design, "params": task.params, "steps": spec.steps,
                    "seed": spec.seed, "r": task.replicate}  # fmt: skip
        assert task.run_id == _digest(identity)[:16], "the run id hashes the run's identity"
        context = {k: v for k, v in task.params.items() if k != "membership"}
        key = _digest({"context": context, "steps": spec.steps, "seed": spec.seed,
                       "r": task.replicate})  # fmt: skip
        seed = np.random.SeedSequence(int(key, 16)).generate_state(1, dtype=np.uint64)[0]
        assert task.seed == int(seed >> np.uint64(1)), "the seed keys on context and replicate"
