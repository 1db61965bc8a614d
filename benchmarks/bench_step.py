"""Time per stakeholder-step of GovernanceModel at several population sizes.

Usage: ``.venv/bin/python benchmarks/bench_step.py [--sizes 1000 10000 100000] [--steps 100]``

For each template and size, the model is built once per repetition (not timed), run for
``--steps`` steps (timed), and the median over ``--repeats`` repetitions is reported in
microseconds per stakeholder-step, with the ratio of each size's cost to the smallest size's.
Agent-level collection is off; the model's own per-step metrics are on (they are part of a step).
Scenarios ``+lobby`` add 3 lobbyists with a budget of 2 each and print their cost relative to
the same template without lobbying.
"""

from __future__ import annotations

import argparse
import gc
import logging
import platform
import statistics
import time

import numpy as np

from msisim import GovernanceModel

LOBBY = {"n_lobbyists": 3, "lobby_budget": 2.0}
SCENARIOS: dict[str, dict[str, object]] = {
    "representative": {"membership": "representative"},
    "open": {"membership": "open"},
    "representative+lobby": {"membership": "representative", **LOBBY},
    "open+lobby": {"membership": "open", **LOBBY},
}


def time_run(size: int, steps: int, params: dict[str, object], seed: int) -> float:
    model = GovernanceModel(n_stakeholders=size, rng=seed, collect=False, **params)
    gc.collect()
    start = time.perf_counter()
    model.run_for(steps)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    print(
        f"msisim step benchmark — {platform.processor() or platform.machine()}, "
        f"{platform.python_version()}, numpy {np.__version__}; median of {args.repeats} runs "
        f"of {args.steps} steps"
    )
    print(
        f"{'scenario':<22}{'N':>9}{'s/run':>9}{'us/stakeholder-step':>22}"
        f"{'vs smallest N':>15}{'vs no lobby':>13}"
    )
    cost: dict[tuple[str, int], float] = {}
    for name in args.scenarios:
        base = None
        for size in args.sizes:
            runs = [
                time_run(size, args.steps, SCENARIOS[name], seed) for seed in range(args.repeats)
            ]
            median = statistics.median(runs)
            per = median / (size * args.steps) * 1e6
            cost[(name, size)] = per
            base = base or per
            plain = cost.get((name.removesuffix("+lobby"), size))
            versus = f"{per / plain:>12.2f}x" if name.endswith("+lobby") and plain else ""
            print(f"{name:<22}{size:>9}{median:>9.3f}{per:>22.4f}{per / base:>14.2f}x{versus}")


if __name__ == "__main__":
    main()
