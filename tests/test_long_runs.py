"""Long runs: memory stays flat in long sweeps and long simulations (slow)."""

import gc

import psutil
import pytest

from msisim import GovernanceModel
from msisim.study.runner import run_experiment
from msisim.study.spec import ExperimentSpec


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.slow
def test_memory_stays_flat_over_a_2000_run_sweep(tmp_path):
    # Results stream to parquet parts on disk as batches finish; the parent holds only the
    # task list. RSS is sampled after each batch: growth from the first quarter of the sweep
    # to its end must stay small (a few MB of bookkeeping), not proportional to the runs.
    spec = ExperimentSpec.from_dict(
        {
            "name": "long_sweep",
            "base": {"n_stakeholders": 60, "n_seats": 12, "viewpoint_sample": 50},
            "factors": {"lobby_budget": [round(0.01 * i, 2) for i in range(100)]},
            "replicates": 20,
            "steps": 3,
            "batch_size": 50,
        }
    )
    samples: list[float] = []
    result = run_experiment(spec, tmp_path / "out", workers=2,
                            on_batch=lambda n: samples.append(rss_mb()))  # fmt: skip
    assert len(result.runs) == 2000 and result.n_failed == 0
    quarter = samples[len(samples) // 4]
    growth = max(samples[len(samples) // 4 :]) - quarter
    assert growth < 40, f"parent memory grew {growth:.1f} MB over 3/4 of a 2000-run sweep"


@pytest.mark.slow
def test_a_large_model_runs_2000_steps_without_memory_growth():
    # 10^5 stakeholders, DataCollector off: after warm-up, memory grows only by the model's
    # own per-step metric rows (about 45 numbers a step), not by anything per stakeholder.
    m = GovernanceModel(n_stakeholders=100_000, membership="open", n_lobbyists=3,
                        lobby_budget=1.0, rng=1, collect=False)  # fmt: skip
    m.run_for(200)
    start = rss_mb()
    m.run_for(1800)
    growth = rss_mb() - start
    per_step_kb = growth * 1024 / 1800
    assert per_step_kb < 20, f"memory grew {growth:.1f} MB ({per_step_kb:.1f} KB per step)"
