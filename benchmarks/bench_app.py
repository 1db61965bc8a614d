"""Server-side cost of one frame of the app: a step plus the open tab's figures.

The browser test measures the page's steps per second end to end (``outputs/app_speed.json``),
which the machine's load moves a lot; this script times only what the server does per frame
(``Session.step`` and ``forum_html`` or ``compare_html``), as steps per second, the median of
several repeats. Run it from two checkouts to compare (``PYTHONPATH=<checkout>/src``).

    python benchmarks/bench_app.py [--steps 200] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from msisim.viz.app import Session, compare_html, forum_html


def frames_per_second(tab: str, steps: int) -> float:
    """Steps per second of one session playing ``steps`` frames of ``tab``."""
    session = Session()
    draw = forum_html if tab == "forum" else compare_html
    draw(session)
    start = time.perf_counter()
    for _ in range(steps):
        session.step()
        draw(session)
    return steps / (time.perf_counter() - start)


def main() -> None:
    """Print the median steps per second of the Forum and the Compare tab."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for tab in ("forum", "compare"):
        rates = [frames_per_second(tab, args.steps) for _ in range(args.repeats)]
        print(
            f"{tab:8s} {statistics.median(rates):6.1f} steps/s (median of {args.repeats}, "
            f"{args.steps} steps; min {min(rates):.1f}, max {max(rates):.1f})"
        )


if __name__ == "__main__":
    main()
