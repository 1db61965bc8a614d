"""What forming a seated forum costs: one seat selection and one adaptive lobby's forecast.

Usage: ``.venv/bin/python benchmarks/bench_seats.py [--n 1000] [--repeats 200]``

For a few seated designs (N stakeholders, 3 adaptive lobbyists with budget 1, run 10 steps
first so that terms, ties and engagement are not at their start), times in microseconds per
call, as the median of ``--repeats`` calls:

* ``select_seats``: :func:`~msisim.rules.membership.select_seats` with the arguments the
  model's seat selection passes it (on a fresh generator each call);
* ``forecast``: ``GovernanceModel._seating_forecast`` of the first lobby (its cache cleared
  before each call), which seats the body once per level of ``lobbying.CAPTURE_GRID``.

Compare two versions back to back on the same machine.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable

import numpy as np

from msisim import GovernanceModel
from msisim.rules import membership

DESIGNS: dict[str, dict[str, object]] = {
    "representative/election": {"membership": "representative", "selection": "election"},
    "representative/random": {"membership": "representative", "selection": "random"},
    "representative/merit": {"membership": "representative", "selection": "merit"},
    "representative/term_limit=1": {"membership": "representative", "term_limit": 1},
    "representative_with_lottery": {"membership": "representative_with_lottery"},
    "representative_with_consultation": {"membership": "representative_with_consultation"},
}


def median_us(call: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``call`` in microseconds over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e6


def timed(kw: dict[str, object], n: int, repeats: int) -> tuple[float, float]:
    """Median microseconds of one seat selection and of one forecast, for one design."""
    model = GovernanceModel(
        rng=1, collect=False, summary_only=True, n_stakeholders=n, n_lobbyists=3,
        lobby_budget=1.0, **kw,
    )  # fmt: skip
    for _ in range(10):
        model.step()
    st, des = model.stakeholders, model.params.design
    plan = model._seat_plan

    def select() -> np.ndarray:
        return membership.select_seats(
            model._pools,
            [pool.seats for pool in plan],
            selection=model.selection,
            capture=0.3,
            lottery=[pool.lottery for pool in plan],
            lottery_capture=0.0,
            lottery_acceptance=des.sortition_acceptance == "engagement",
            candidates_out=np.zeros(st.n, dtype=bool),
            lobby_ideal=model.selector_ideal,
            seen=st.advocated,
            resources=st.resources,
            engagement=st.engagement,
            eligible=model.rule.eligible(st.terms_served, st.seated, des),
            rng=np.random.default_rng(7),
        )

    def forecast() -> np.ndarray:
        model._forecasts.clear()
        return model._seating_forecast(0, 1)

    return median_us(select, repeats), median_us(forecast, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    print(f"microseconds per call, median of {args.repeats}; N={args.n}")
    for name, kw in DESIGNS.items():
        seats_us, forecast_us = timed(kw, args.n, args.repeats)
        print(f"{name:34s} select_seats={seats_us:7.0f}  forecast={forecast_us:7.0f}")


if __name__ == "__main__":
    main()
