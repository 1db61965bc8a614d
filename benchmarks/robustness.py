"""Time the claims map (``msisim robustness``) of the Bollow comparison.

Usage::

    .venv/bin/python benchmarks/robustness.py                 # quick once + a full-setting slice
    .venv/bin/python benchmarks/robustness.py --repeats 3 --slice-base 4

Times ``--quick`` end to end (every run, the claims, PRIM and Sobol; the target is under 3
minutes) and a slice of the documented full setting (the study's 1000 stakeholders and 200
steps, Saltelli base ``--slice-base`` instead of 512), and projects the full setting's time
from the slice's cost per point (the cost per point does not depend on the base). Prints
medians over ``--repeats``. The target of issue 22 is 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time

from msisim.cli import load_experiment
from msisim.study import robustness as rb


def timed(quick: bool, base: int, workers: int) -> tuple[float, int, int]:
    """Seconds, points and runs of one claims map of the Bollow comparison."""
    spec = load_experiment("bollow_comparison", [], quick=quick)
    claims_map = rb.build_map(spec, base=base, workers=workers)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = rb.run_map(claims_map, out, workers=workers)
        seconds = time.perf_counter() - start
    return seconds, claims_map.n_points(), result.n_runs


def main() -> None:
    """Print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slice-base", type=int, default=2)
    parser.add_argument("--full-base", type=int, default=rb.FULL_BASE)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for label, quick, base in (
        ("quick", True, rb.QUICK_BASE),
        ("full slice", False, args.slice_base),
    ):
        runs = [timed(quick, base, args.workers) for _ in range(args.repeats)]
        seconds = statistics.median(r[0] for r in runs)
        points, n_runs = runs[0][1], runs[0][2]
        print(
            f"{label:>10}: base {base}, {points} points, {n_runs} runs: median {seconds:.1f} s "
            f"({seconds / points:.3f} s per point, {seconds * args.workers / n_runs:.3f} core-s "
            f"per run, {args.workers} workers)"
        )
        if not quick:
            k_plus_2 = points // base
            full_points = args.full_base * k_plus_2
            projected = seconds / points * full_points
            print(
                f"  projected documented setting (base {args.full_base}, {full_points} points): "
                f"{projected / 60:.0f} min on {args.workers} workers (target 15 min)"
            )


if __name__ == "__main__":
    main()
