"""Is the adaptive lobby no worse than any fixed strategy, or than itself barred from the
selector? (issue 22, item 2)

Runs the Bollow setting (1,000 stakeholders, 200 steps) at budgets 0.5, 1 and 2 in both
templates on common random numbers, for every registered strategy and for the adaptive lobby
with ``lobby_targets_selector=false``, and prints the mean capture of each and the adaptive
lobby's margin over the best alternative (>= -0.01 is the test of
``tests/test_lobbies.py``).

    python benchmarks/lobby_dominance.py [--seeds 3] [--stakeholders 1000] [--steps 200]
"""

from __future__ import annotations

import argparse
import itertools
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from msisim import GovernanceModel
from msisim.rules.lobbying import STRATEGIES


def capture(job: tuple[str, float, str, bool, int, int, int]) -> float:
    membership, budget, strategy, bars, seed, n, steps = job
    model = GovernanceModel(
        membership=membership, lobby_budget=budget, lobby_strategy=strategy,
        lobby_targets_selector=not bars, n_stakeholders=n, n_steps=steps,
        rng=seed, collect=False, summary_only=True,
    )  # fmt: skip
    return float(model.run().summary()["capture"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--stakeholders", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    variants = [(s, False) for s in STRATEGIES] + [("adaptive", True)]
    cells = list(itertools.product(("representative", "open"), (0.5, 1.0, 2.0), variants))
    jobs = [
        (m, b, s, bars, seed, args.stakeholders, args.steps)
        for (m, b, (s, bars)) in cells
        for seed in range(args.seeds)
    ]
    with ProcessPoolExecutor(args.workers) as pool:
        values = list(pool.map(capture, jobs, chunksize=2))
    means = {
        cell: float(np.mean(values[i * args.seeds : (i + 1) * args.seeds]))
        for i, cell in enumerate(cells)
    }
    worst = np.inf
    for membership, budget in itertools.product(("representative", "open"), (0.5, 1.0, 2.0)):
        row = {
            ("adaptive, barred" if bars else s): means[(membership, budget, (s, bars))]
            for s, bars in variants
        }
        others = {k: v for k, v in row.items() if k != "adaptive"}
        best = max(others, key=others.__getitem__)
        margin = row["adaptive"] - others[best]
        worst = min(worst, margin)
        shown = "  ".join(f"{k} {v:.3f}" for k, v in row.items())
        print(f"{membership:14s} budget {budget:3.1f}: {shown}  | margin {margin:+.3f} ({best})")
    print(f"smallest margin of the adaptive lobby over the best alternative: {worst:+.3f}")


if __name__ == "__main__":
    main()
