"""Where a run's time goes: milliseconds per run by phase of ``GovernanceModel.step()``.

Usage: ``.venv/bin/python benchmarks/bench_phases.py [--n 1000] [--steps 200] [--repeats 6]``

Times each phase of the protocol (context, forum, lobby, deliberation, decision, engagement,
twins, observation) over whole runs as a sweep makes them (``summary_only=True``, no
DataCollector), plus construction and ``summary()``/``scorecard()``, for the representative and
the open forum without and with a lobby (3 lobbyists, budget 1, adaptive). Medians are not
taken per phase: the figures are means over ``--repeats`` runs, so compare two versions back
to back on the same machine.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import defaultdict

from msisim import GovernanceModel

PHASES = (
    "apply_context",
    "form_forum",
    "lobby",
    "deliberate",
    "decide",
    "update_engagement",
    "step_twins",
    "observe",
)


def timed(n: int, steps: int, repeats: int, **kw: object) -> tuple[dict[str, float], float, float]:
    """Mean ms per run of each phase, of construction and of the summary."""
    spent: dict[str, float] = defaultdict(float)
    build = summary = 0.0
    for seed in range(repeats):
        t0 = time.perf_counter()
        model = GovernanceModel(
            rng=seed, collect=False, summary_only=True, n_steps=steps, n_stakeholders=n,
            n_lobbyists=3, **kw,
        )  # fmt: skip
        build += time.perf_counter() - t0
        for _ in range(steps):
            model.steps += 1  # what Mesa's step wrapper does before calling step()
            for phase in PHASES:
                t = time.perf_counter()
                getattr(model, phase)()
                spent[phase] += time.perf_counter() - t
        t = time.perf_counter()
        model.summary()
        model.scorecard()
        summary += time.perf_counter() - t
    ms = 1000.0 / repeats
    return {p: spent[p] * ms for p in PHASES}, build * ms, summary * ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=6)
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    print(f"ms per run by phase; N={args.n}, {args.steps} steps, mean of {args.repeats} runs")
    for membership in ("representative", "open"):
        for budget in (0.0, 1.0):
            phases, build, summary = timed(
                args.n, args.steps, args.repeats, membership=membership, lobby_budget=budget
            )
            total = sum(phases.values()) + build + summary
            cells = " ".join(f"{p}={v:.1f}" for p, v in phases.items())
            print(
                f"{membership:15s} budget={budget:g} total={total:.1f} build={build:.1f} "
                f"summary={summary:.1f} {cells}"
            )


if __name__ == "__main__":
    main()
