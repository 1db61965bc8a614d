"""Command-line entry point ``msisim``.

``msisim compare`` runs the Bollow comparison on the default population: the representative
and open templates side by side, without and with a lobby, several replicates each; it
prints a summary table with 95% confidence intervals and the governance scorecards, and
writes figures of the key metrics over time and of the scorecards.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msisim.model import GovernanceModel

logger = logging.getLogger("msisim")

#: Lobby of the main job's lobbied scenarios: three lobbyists sharing the default lobby ideal.
MAIN_LOBBY: dict[str, Any] = {"n_lobbyists": 3, "lobby_budget": 2.0}

#: Scenarios of the main job: label -> flat parameters.
COMPARE_SCENARIOS: dict[str, dict[str, Any]] = {
    "representative": {"membership": "representative"},
    "open": {"membership": "open"},
    "representative+lobby": {"membership": "representative", **MAIN_LOBBY},
    "open+lobby": {"membership": "open", **MAIN_LOBBY},
}

KEY_OUTCOMES = [
    "n_members", "rose", "true_rose", "expected_rose", "grassroots_share",
    "viewpoint_coverage", "voice_gini", "congruence_error", "responsiveness", "lobby_bias",
    "captured_share", "selector_capture", "selection_odds_ratio", "gridlock_rate",
    "governance_index",
]  # fmt: skip
KEY_SERIES = [
    "rose", "grassroots_share", "viewpoint_coverage", "responsiveness", "lobby_bias",
    "captured_share",
]  # fmt: skip


def run_scenarios(
    scenarios: dict[str, dict[str, Any]], *, replicates: int, steps: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run each scenario ``replicates`` times on common random numbers.

    Replicate ``r`` of every scenario uses the same seed (spawned from ``seed``), so the
    scenarios differ only by design.

    Returns:
        ``(runs, series, scorecards)``: one row per run of summary outcomes, the tidy
        per-step table, and the tidy scorecard of every run at its end.
    """
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(replicates)]
    runs: list[dict[str, Any]] = []
    series: list[pd.DataFrame] = []
    cards: list[pd.DataFrame] = []
    for label, params in scenarios.items():
        for r, run_seed in enumerate(seeds):
            model = GovernanceModel(rng=run_seed, n_steps=steps, collect=False, **params)
            model.run()
            runs.append({"scenario": label, "replicate": r, "seed": run_seed, **model.summary()})
            for table, store in ((model.series_frame(), series), (model.scorecard(), cards)):
                table.insert(0, "replicate", r)
                table.insert(0, "scenario", label)
                store.append(table)
            logger.info("%s replicate %d done", label, r)
    return (
        pd.DataFrame(runs),
        pd.concat(series, ignore_index=True),
        pd.concat(cards, ignore_index=True),
    )


def summary_table(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Mean and 95% t-interval half-width of each outcome per scenario, as 'mean ± hw'."""
    from scipy import stats

    rows = {}
    for label, group in runs.groupby("scenario", sort=False):
        n = len(group)
        t = stats.t.ppf(0.975, n - 1) if n > 1 else float("nan")
        cells = {}
        for outcome in outcomes:
            values = group[outcome].to_numpy(dtype=float)
            half = t * values.std(ddof=1) / np.sqrt(n) if n > 1 else float("nan")
            cells[outcome] = f"{values.mean():.3f} ± {half:.3f}"
        rows[label] = cells
    return pd.DataFrame(rows)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run the representative vs open comparison, with and without a lobby, and report it."""
    from msisim.viz.plots import plot_metrics_over_time, plot_scorecards

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs, series, cards = run_scenarios(
        COMPARE_SCENARIOS, replicates=args.replicates, steps=args.steps, seed=args.seed
    )
    runs.to_csv(out / "runs.csv", index=False)
    cards.to_csv(out / "scorecards.csv", index=False)
    figure = plot_metrics_over_time(
        series, KEY_SERIES, out / "metrics_over_time.png",
        title=f"Representative vs open forum, with and without a lobby "
        f"({args.replicates} replicates: mean and 95% CI)",
    )  # fmt: skip
    heatmap = plot_scorecards(cards, out / "scorecards.png")
    lobby = ", ".join(f"{k}={v}" for k, v in MAIN_LOBBY.items())
    print(
        f"Representative vs open forum on the default population: {args.steps} steps, "
        f"{args.replicates} replicates each on common random numbers; '+lobby': {lobby}.\n"
        f"Outcomes: mean ± 95% CI over replicates of each run's second-half mean.\n"
    )
    print(summary_table(runs, KEY_OUTCOMES).to_string())
    for label in COMPARE_SCENARIOS:
        if not label.endswith("+lobby"):
            continue
        mean = cards[cards["scenario"] == label].pivot_table(
            index="arena", columns="principle", values="score", aggfunc="mean", sort=False
        )
        print(f"\nGovernance scorecard (1-10), {label}:")
        print(mean.round(1).to_string())
    print(f"\nper-run outcomes: {(out / 'runs.csv').resolve()}")
    print(f"scorecards:       {(out / 'scorecards.csv').resolve()}")
    print(f"figure:           {figure.resolve()}")
    print(f"scorecard figure: {heatmap.resolve()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``msisim`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="msisim", description="Simulate multistakeholder governance forums."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compare = sub.add_parser(
        "compare",
        help="representative vs open forum on the default population",
        description="Simulate the representative and open templates side by side on the "
        "default population, print a summary table and write a figure.",
    )
    compare.add_argument("--steps", type=_positive, default=200, help="steps per run (200)")
    compare.add_argument("--replicates", type=_positive, default=10, help="runs per scenario (10)")
    compare.add_argument("--seed", type=int, default=20261125, help="root seed")
    compare.add_argument("--out", default="outputs/compare", help="output folder")
    compare.set_defaults(func=cmd_compare)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse arguments, run the command, turn bad input into a one-line error."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except (ValueError, OSError) as err:
        print(f"msisim: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
