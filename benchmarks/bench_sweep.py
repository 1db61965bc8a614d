"""Wall-clock time of the bollow_comparison sweep, twins included (local backend).

Usage: ``.venv/bin/python benchmarks/bench_sweep.py [--setting 440|study] [--repeats 3]
[--workers 2 1]``

Settings (N = 1000 stakeholders, 200 steps, 3 lobbyists; every lobbied run has its no-lobby
twin, shared by the runs of a replicate that differ only in the lobby):

* ``440`` (default): the 440-run Bollow comparison the cost target names — 2 templates x 11
  lobby budgets (0, 0.2, ..., 2) x 20 replicates, the default adaptive lobby and selector,
  budgets on common random numbers;
* ``study``: the study as shipped (``configs/experiment/bollow_comparison.yaml``).

Each repetition runs the whole sweep into a fresh temporary folder (results written to
parquet as in real use; the report is not built). Prints the median wall time per worker
count and the speed-up of the largest worker count over 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import tempfile
import time
import warnings

from msisim.cli import load_experiment
from msisim.study.runner import run_experiment
from msisim.study.spec import ExperimentSpec


def setting(name: str) -> ExperimentSpec:
    """The study as shipped, or its 440-run setting."""
    spec = load_experiment("bollow_comparison", [], quick=False)
    if name == "study":
        return spec
    plain = spec.to_dict()
    plain["factors"] = {"lobby_budget": {"levels": [round(0.2 * i, 1) for i in range(11)]}}
    plain["design_factors"] = ["lobby_budget"]
    plain["replicates"] = 20
    return ExperimentSpec.from_dict(plain)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setting", choices=["440", "study"], default="440")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 1])
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    spec = setting(args.setting)
    n_runs = len(spec.tasks())
    print(
        f"bollow_comparison ({args.setting}) sweep benchmark — {platform.machine()}, "
        f"{os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {n_runs} runs of N="
        f"{spec.base['n_stakeholders']}, {spec.steps} steps; median of {args.repeats}"
    )
    medians = {}
    for workers in args.workers:
        times = []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as folder:
                start = time.perf_counter()
                result = run_experiment(spec, folder, workers=workers)
                times.append(time.perf_counter() - start)
                assert result.n_failed == 0, "benchmark runs must not fail"
        medians[workers] = statistics.median(times)
        print(
            f"workers={workers}: median {medians[workers]:.1f} s "
            f"({n_runs / medians[workers]:.1f} runs/s); all: {', '.join(f'{t:.1f}' for t in times)}"
        )
    if 1 in medians and len(medians) > 1:
        top = max(medians)
        print(f"speed-up of {top} workers over 1: {medians[1] / medians[top]:.2f}x")


if __name__ == "__main__":
    main()
