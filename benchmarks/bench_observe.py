"""The observation phase (step 7): milliseconds per run in a claims map's runs and a study's.

Usage: ``.venv/bin/python benchmarks/bench_observe.py [--runs 24] [--repeats 3]``

``map``: the first ``--runs`` runs of the ``bollow_comparison`` claims map (base 1, run as the
map runs them: :func:`~msisim.study.runner.run_batch`, each run computing only the outcomes
the claims read). ``study``: the representative and the open forum with an adaptive lobby
(1,000 stakeholders, 200 steps, ``summary_only``), computing every outcome. Each figure is
the median over ``--repeats`` of the mean ms per run spent in ``GovernanceModel.observe``
(its twins' included) and of the whole run, in CPU time (less disturbed by other processes
than the wall clock); compare two versions back to back.

``--frozen``: instead, microseconds per call of ``compute_metrics()`` (what an observed step
computes) on models stopped at step 150, the least of many calls: steadier on a busy machine.
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from msisim import GovernanceModel
from msisim.cli import load_experiment
from msisim.study import robustness
from msisim.study.runner import _to_model, model_kind, run_batch

SPENT = [0.0]


def _timed_observe(observe: Callable[[Any], None]) -> Callable[[Any], None]:
    def timed(model: Any) -> None:
        t = time.process_time()
        observe(model)
        SPENT[0] += time.process_time() - t

    return timed


def _map_runs(n_runs: int) -> Callable[[], int]:
    spec = load_experiment("bollow_comparison", [], quick=False)
    tasks = robustness.build_map(spec, base=1, workers=1).tasks()[:n_runs]
    return lambda: len(run_batch(tasks))


def _study_runs(membership: str) -> Callable[[], int]:
    def go() -> int:
        for seed in range(2):
            GovernanceModel(
                rng=seed, collect=False, summary_only=True, n_steps=200, n_stakeholders=1000,
                n_lobbyists=3, membership=membership, lobby_budget=1.0,
            ).run()  # fmt: skip
        return 2

    return go


def _frozen(n_runs: int) -> None:
    """Least microseconds per ``compute_metrics()`` call on models stopped at step 150."""
    spec = load_experiment("bollow_comparison", [], quick=False)
    tasks = robustness.build_map(spec, base=1, workers=1).tasks()[:n_runs]
    cases: dict[str, list[Any]] = {"map": [], "study": []}
    for task in tasks:
        kind = model_kind(task.model)
        options = kind.study_options(True)
        for name, outcomes in (("map", task.outcomes), ("study", None)):
            model = kind.build(
                _to_model(task.params), rng=task.seed, n_steps=task.steps, **options,
                outcomes=outcomes,
            )  # fmt: skip
            model.run(150)
            cases[name].append(model)
    for name, models in cases.items():
        spent = []
        for model in models:
            best = math.inf
            for _ in range(20):
                t = time.process_time()
                for _ in range(10):
                    model.compute_metrics()
                best = min(best, (time.process_time() - t) / 10)
            spent.append(best * 1e6)
        print(f"{name:6s} compute_metrics {statistics.mean(spent):7.1f} us per observed step "
              f"(mean over {len(models)} models of the least of 20 x 10 calls)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--frozen", action="store_true")
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    if args.frozen:
        _frozen(args.runs)
        return
    GovernanceModel.observe = _timed_observe(GovernanceModel.observe)  # type: ignore[method-assign]
    cases = {
        "map": _map_runs(args.runs),
        "study/representative": _study_runs("representative"),
        "study/open": _study_runs("open"),
    }
    for name, go in cases.items():
        observe, total = [], []
        for _ in range(args.repeats):
            SPENT[0] = 0.0
            t = time.process_time()
            n = go()
            total.append((time.process_time() - t) * 1000.0 / n)
            observe.append(SPENT[0] * 1000.0 / n)
        print(
            f"{name:22s} observe {statistics.median(observe):7.1f} ms/run  "
            f"run {statistics.median(total):7.1f} ms/run  (median of {args.repeats})"
        )


if __name__ == "__main__":
    main()
