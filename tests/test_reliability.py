"""Reliability and safety: faults in sweeps, exact reproducibility, configs that try to run code."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import msisim.study.runner as runner
from msisim import GovernanceModel, Params
from msisim.model import GovernanceModel as RealModel
from msisim.study.spec import ExperimentSpec

ROOT = Path(__file__).resolve().parents[1]
MSISIM = str(Path(sys.executable).parent / "msisim")


def small_spec(**over) -> ExperimentSpec:
    data = {
        "name": "faults",
        "base": {"n_stakeholders": 200},
        "factors": {"lobby_budget": [0.0, 1.0, 2.0]},
        "replicates": 3,
        "steps": 15,
        "batch_size": 3,
    }
    data.update(over)
    return ExperimentSpec.from_dict(data)


# --------------------------------------------------------------------------- faults in sweeps


@pytest.mark.slow
def test_a_dying_worker_and_a_hanging_run_are_recorded_and_the_rest_finish(tmp_path, monkeypatch):
    spec = small_spec()
    tasks = spec.tasks()
    die, hang = tasks[1].seed, tasks[5].seed

    class Faulty(RealModel):
        def __init__(self, *args, rng=None, **kwargs):
            self._fault_seed = rng
            super().__init__(*args, rng=rng, **kwargs)

        def step(self):
            if self._fault_seed == die:
                os._exit(3)  # the worker process dies without a word
            if self._fault_seed == hang:
                time.sleep(600)  # the run hangs
            super().step()

    monkeypatch.setattr(runner, "GovernanceModel", Faulty)  # forked workers inherit it
    start = time.monotonic()
    result = runner.run_experiment(spec, tmp_path / "out", workers=2, run_timeout=4)
    assert time.monotonic() - start < 60, "a hanging run must not hold the sweep"
    runs = result.runs.set_index("run_id")
    assert runs.loc[tasks[1].run_id, "error"] == "worker died", "the dying run is recorded"
    assert runs.loc[tasks[5].run_id, "error"].startswith("timed out"), "the hang is recorded"
    assert result.n_failed == 2, "exactly the two faulty runs fail; innocent ones are retried"
    assert len(runs) == len(tasks) and runs.index.is_unique, "every run recorded exactly once"
    # the sweep is resumable: rerun without the faults completes it
    monkeypatch.setattr(runner, "GovernanceModel", RealModel)
    again = runner.run_experiment(spec, tmp_path / "out", workers=2)
    assert again.n_run == 2 and again.n_failed == 0, "only the failed runs are run again"


def test_a_different_config_in_the_same_folder_is_refused(tmp_path):
    runner.run_experiment(small_spec(), tmp_path / "out", workers=1)
    with pytest.raises(ValueError, match="different configuration"):
        runner.run_experiment(small_spec(replicates=4), tmp_path / "out", workers=1)


def test_a_corrupt_result_part_is_never_accepted(tmp_path):
    out = tmp_path / "out"
    runner.run_experiment(small_spec(), out, workers=1)
    part = sorted((out / "parts").glob("runs-*.parquet"))[0]
    lost = set(pd.read_parquet(part)["run_id"])
    part.write_bytes(part.read_bytes()[:100])  # a torn write (as if the disk failed)
    result = runner.run_experiment(small_spec(), out, workers=1)
    assert result.n_run == len(lost), "runs of the unreadable part are run again"
    assert set(result.runs["run_id"]) >= lost and result.runs["run_id"].is_unique


# --------------------------------------------------------------------------- reproducibility


def _runs_content(folder: Path) -> pd.DataFrame:
    runs = pd.read_parquet(folder / "runs.parquet").drop(columns=["seconds"])
    return runs.sort_values("run_id").reset_index(drop=True)


SCRIPT = """
import sys
from msisim.study.spec import ExperimentSpec
from msisim.study.runner import run_experiment
spec = ExperimentSpec.from_dict({spec!r})
if __name__ == "__main__":
    run_experiment(spec, sys.argv[1], workers=int(sys.argv[2]))
"""


@pytest.mark.slow
def test_runs_are_identical_across_workers_and_hash_seeds(tmp_path):
    spec = {"name": "repro", "base": {"n_stakeholders": 200, "n_lobbyists": 2},
            "designs": {"rep": {"membership": "representative"}, "open": {"membership": "open"}},
            "factors": {"lobby_budget": [0.0, 1.5]}, "replicates": 2, "steps": 20,
            "batch_size": 2}  # fmt: skip
    script = tmp_path / "sweep.py"
    script.write_text(SCRIPT.format(spec=spec))
    outs = []
    for workers, hashseed in ((1, "0"), (2, "12345"), (2, "random")):
        out = tmp_path / f"w{workers}_{hashseed}"
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        subprocess.run([sys.executable, str(script), str(out), str(workers)], env=env,
                       check=True, cwd=tmp_path, capture_output=True)  # fmt: skip
        outs.append(_runs_content(out))
    for other in outs[1:]:
        pd.testing.assert_frame_equal(outs[0], other, check_exact=True)


def test_shuffled_task_order_gives_the_same_results(tmp_path, monkeypatch):
    spec = small_spec()
    runner.run_experiment(spec, tmp_path / "a", workers=1)
    original = ExperimentSpec.tasks

    def shuffled(self):
        tasks = original(self)
        order = np.random.default_rng(7).permutation(len(tasks))
        return [tasks[i] for i in order]

    monkeypatch.setattr(ExperimentSpec, "tasks", shuffled)
    runner.run_experiment(spec, tmp_path / "b", workers=1)
    a = _runs_content(tmp_path / "a")
    b = _runs_content(tmp_path / "b")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# --------------------------------------------------------------------------- safe to open


@pytest.mark.parametrize(
    "override",
    [
        "+base._target_=os.system",
        "+_target_=builtins.open",
        "+designs.evil._target_=os.system",
    ],
)
def test_configs_cannot_name_code_to_run(tmp_path, override):
    canary = tmp_path / "canary"
    proc = subprocess.run(
        [MSISIM, "experiment", "bollow_comparison", "--quick", override,
         f"+base.x=touch {canary}", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode != 0, "a config naming code must be refused"
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not canary.exists(), "nothing named by the config may run"
    assert not (tmp_path / "out" / "runs.parquet").exists(), "refused before any run"


def test_results_are_never_pickled():
    import re

    use = re.compile(r"import (c?pickle|dill|joblib)|pickle\.(loads?|dumps?)|(to|read)_pickle")
    sources = {p: p.read_text() for p in (ROOT / "src" / "msisim").rglob("*.py")}
    users = [str(p) for p, text in sources.items() if use.search(text)]
    assert not users, f"results are parquet and JSON only; pickle used in {users}"


def test_manifest_is_plain_json(tmp_path):
    runner.run_experiment(small_spec(), tmp_path / "out", workers=1)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["fingerprint"] and manifest["runs"], "manifest readable as plain JSON"


# --------------------------------------------------------------------------- property tests

valid_params = st.fixed_dictionaries(
    {
        "membership": st.sampled_from(["representative", "open", "sortition", "plenary",
                                       "representative_with_consultation", "open_with_support"]),
        "n_stakeholders": st.integers(200, 500),
        "n_seats": st.integers(6, 30),
        "decision_rule": st.sampled_from(["consensus", "majority", "weighted_mean"]),
        "epsilon": st.floats(0.0, 1.0),
        "mu": st.floats(0.01, 0.5),
        "inertia": st.floats(0.0, 0.95),
        "participation_cost": st.floats(0.0, 5.0),
        "lobby_budget": st.floats(0.0, 3.0),
        "n_lobbyists": st.integers(0, 3),
        "astroturf_share": st.floats(0.0, 0.5),
        "transparency": st.floats(0.0, 1.0),
        "recusal": st.booleans(),
        "drift": st.floats(0.0, 0.05),
    }
)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=valid_params, seed=st.integers(0, 2**32 - 1))
def test_valid_parameters_run_and_keep_the_invariants(params, seed):
    m = GovernanceModel(rng=seed, collect=False, **params)
    m.run_for(12)
    frame = m.series_frame()
    assert not frame.isna().any().any(), "no NaN in any metric"
    for col in ["rose", "true_rose", "grassroots_share", "viewpoint_coverage", "voice_gini",
                "congruence", "captured_share", "mean_tie", "selector_capture"]:  # fmt: skip
        assert frame[col].between(0, 1).all(), f"{col} stays in [0, 1]"
    s = m.stakeholders
    assert ((s.position >= 0) & (s.position <= 1)).all(), "interests inside the space"
    assert ((s.advocated >= -1e-12) & (s.advocated <= 1 + 1e-12)).all(), "positions inside"
    if m.params.design.is_seated:
        assert s.seated.sum() == m.params.design.n_seats, "seats filled as allocated"


bad_values = st.one_of(
    st.just(("n_stakeholders", -1)), st.just(("n_stakeholders", 0)),
    st.tuples(st.just("epsilon"), st.sampled_from([float("nan"), float("inf"), -0.1])),
    st.tuples(st.just("mu"), st.floats(0.5001, 10)),
    st.tuples(st.just("inertia"), st.floats(1.0, 10)),
    st.tuples(st.just("membership"), st.text(min_size=1, max_size=12)),
    st.tuples(st.just("transparency"), st.floats(1.0001, 1e6)),
    st.tuples(st.just("n_seats"), st.integers(-100, 0)),
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(bad=bad_values)
def test_invalid_parameters_are_refused_naming_the_parameter(bad):
    name, value = bad
    if name == "membership" and value in Params().design.__class__.__annotations__:
        return
    try:
        Params.from_flat(**{name: value})
    except ValueError as err:
        assert name in str(err), f"the message must name {name}: {err}"
    else:
        assert name == "membership" and value in (
            "representative", "open", "sortition", "plenary",
            "representative_with_consultation", "open_with_support",
        ), f"{name}={value!r} must be refused"  # fmt: skip


@pytest.mark.parametrize("name", ["../escape", "/abs/path", "a b", "x;rm -rf", ".."])
def test_names_that_become_paths_cannot_escape(name):
    with pytest.raises(ValueError, match="name"):
        ExperimentSpec.from_dict({"name": name})
    with pytest.raises(ValueError, match="design label"):
        ExperimentSpec.from_dict({"name": "ok", "designs": {name: {}}})
