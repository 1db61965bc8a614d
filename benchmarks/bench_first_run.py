"""Time and peak memory until a very large study submits its first batch (issue 24).

Usage: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_first_run.py [--replicates 4167]
[--trace]`` (under ``/usr/bin/time -v`` for the peak resident memory).

design_comparison (240 points) with its replicates raised to ``--replicates`` (4167: 1,000,080
runs), its caps raised through ``MSISIM_MAX_RUNS``, ``MSISIM_MAX_MEMORY`` and
``MSISIM_MAX_CORE_HOURS``, is swept on the local backend with 2 workers into a temporary
folder; the process exits as the first batch is handed to the pool, so nothing runs. Prints
the seconds from the study built to that moment and, with ``--trace``, tracemalloc's peak
(which slows everything several times).
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
import tracemalloc
import warnings
from typing import Any

os.environ.setdefault("MSISIM_MAX_RUNS", "100000000")
os.environ.setdefault("MSISIM_MAX_MEMORY", "1T")
os.environ.setdefault("MSISIM_MAX_CORE_HOURS", "1e12")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=4167)
    parser.add_argument("--trace", action="store_true", help="measure tracemalloc's peak")
    args = parser.parse_args()
    if args.trace:
        tracemalloc.start()
    from msisim.cli import load_experiment
    from msisim.study import runner
    from msisim.study.spec import ExperimentSpec

    logging.basicConfig(level=logging.INFO, format="%(relativeCreated)8.0f ms %(message)s")
    warnings.filterwarnings("ignore")
    plain = load_experiment("design_comparison", [], quick=False).to_dict()
    plain["replicates"] = args.replicates
    spec = ExperimentSpec.from_dict(plain)
    built = time.perf_counter()
    print(f"design_comparison x {args.replicates} replicates: {spec.n_runs():,} runs", flush=True)

    def first_submit(pool: Any, batch: Any, plugins: Any = ()) -> None:
        seconds = time.perf_counter() - built
        peak = f"; tracemalloc peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MiB"
        print(
            f"first batch ({len(batch)} runs) submitted {seconds:.2f} s after the study was "
            f"built{peak if args.trace else ''}",
            flush=True,
        )
        os._exit(0)  # nothing is run: the pool's workers have not started

    runner._submit = first_submit
    runner.run_experiment(spec, tempfile.mkdtemp(prefix="first-run-"), workers=2)


if __name__ == "__main__":
    main()
