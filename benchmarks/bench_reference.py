"""Fast model vs per-agent reference vs Mesa's BoltzmannWealth vs a bare numpy floor.

Usage::

    .venv/bin/python benchmarks/bench_reference.py              # the full run (~6-10 min)
    .venv/bin/python benchmarks/bench_reference.py --quick      # 10^3 and 10^4 only
    .venv/bin/python benchmarks/bench_reference.py --profile 100000   # cProfile, fast model

Measures, in one run, microseconds per stakeholder-step (median over repetitions) of:

* the fast model (:class:`msisim.GovernanceModel`, DataCollector off, its own per-step metrics
  on) at 10^3, 10^4, 10^5 (``--repeats`` runs of ``--steps`` steps) and 10^6 (one run), for
  the representative and open templates, without and with a lobby (3 lobbyists, budget 2);
* the per-agent reference (:class:`msisim.reference.ReferenceModel`) at 10^3 and 10^4;
* Mesa's own ``BoltzmannWealth`` example (``mesa.examples``), run the idiomatic way
  (``BoltzmannWealth(BoltzmannScenario(...)).run_for(steps)``, its DataCollector and
  DataRecorder on, as shipped) on a square grid of about one agent per cell (the example's
  default density: 100 agents on 10 x 10), at 10^3, 10^4, 10^5 — the yardstick of an
  idiomatic Mesa model; its cost per agent-step does not depend on the number of steps, so
  larger populations run fewer steps (``10^6 / N``, at least 10);
* a bare numpy update of N positions (``x += rng.normal(size=(N, 2)) * 0.01``, clipped) —
  the floor no array model can beat.

Every (model, scenario, size) runs in a fresh subprocess, which reports its timings and its
peak resident memory (``ru_maxrss``: the whole Python process, interpreter and imports
included; the RSS after imports is shown too). Model construction is not timed. The script
ends with the ratios behind the targets of issue 6.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import logging
import math
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

LOBBY = {"n_lobbyists": 3, "lobby_budget": 2.0}
SCENARIOS: dict[str, dict[str, Any]] = {
    "representative": {"membership": "representative"},
    "open": {"membership": "open"},
    "representative+lobby": {"membership": "representative", **LOBBY},
    "open+lobby": {"membership": "open", **LOBBY},
}
FAST_SIZES = [1_000, 10_000, 100_000]
BIG = 1_000_000
REFERENCE_SIZES = [1_000, 10_000]
BOLTZMANN_SIZES = [1_000, 10_000, 100_000]

# targets of issue 6
TARGET_US = 0.25
TARGET_VS_BOLTZMANN = 40.0
TARGET_SCALING = 1.2
TARGET_VS_REFERENCE = 30.0
TARGET_MEMORY_MB = 400.0


# --------------------------------------------------------------------------- workers


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def _build(kind: str, scenario: str, size: int, seed: int) -> Any:
    if kind == "fast":
        from msisim import GovernanceModel

        return GovernanceModel(n_stakeholders=size, rng=seed, collect=False, **SCENARIOS[scenario])
    if kind == "reference":
        from msisim.reference import ReferenceModel

        return ReferenceModel(n_stakeholders=size, rng=seed, **SCENARIOS[scenario])
    if kind == "boltzmann":
        from mesa.examples.basic.boltzmann_wealth_model.model import (
            BoltzmannScenario,
            BoltzmannWealth,
        )

        side = max(1, round(math.sqrt(size)))  # about one agent per cell, as the example's default
        return BoltzmannWealth(BoltzmannScenario(n=size, width=side, height=side, rng=seed))
    raise ValueError(f"unknown kind {kind!r}")


def _numpy_floor(size: int, steps: int, seed: int) -> float:
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.random((size, 2))
    start = time.perf_counter()
    for _ in range(steps):
        x += rng.normal(size=(size, 2)) * 0.01
        np.clip(x, 0.0, 1.0, out=x)
    return time.perf_counter() - start


def worker(kind: str, scenario: str, size: int, steps: int, repeats: int) -> dict[str, Any]:
    """Time ``repeats`` runs of ``steps`` steps in this process; report times and peak memory."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    import mesa  # noqa: F401  (imports count in the baseline, not in the model's memory)
    import numpy  # noqa: F401

    import msisim  # noqa: F401

    baseline = _peak_rss_mb()
    times, builds = [], []
    for seed in range(repeats):
        if kind == "numpy":
            times.append(_numpy_floor(size, steps, seed))
            continue
        start = time.perf_counter()
        model = _build(kind, scenario, size, seed)
        builds.append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        model.run_for(steps)
        times.append(time.perf_counter() - start)
        del model
        gc.collect()
    return {"times": times, "builds": builds, "baseline_mb": baseline, "peak_mb": _peak_rss_mb()}


def measure(
    kind: str, scenario: str, size: int, steps: int, repeats: int, blas_threads: int | None = None
) -> dict[str, Any] | None:
    """Run one worker in a fresh interpreter; ``None`` if it failed (e.g. out of memory).

    ``blas_threads`` caps the BLAS/OpenMP thread pools of the worker (default: left alone).
    """
    cmd = [sys.executable, __file__, "--worker", kind, scenario, str(size), str(steps),
           str(repeats)]  # fmt: skip
    env = dict(os.environ)
    if blas_threads is not None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(blas_threads)
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        print(f"  ! {kind} {scenario} N={size} failed: {done.stderr.strip()[-300:]}", flush=True)
        return None
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["us"] = statistics.median(result["times"]) / (size * steps) * 1e6
    result["steps"], result["repeats"] = steps, repeats
    return result


# --------------------------------------------------------------------------- report


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
        mem = f"{mem_kb / 1024**2:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        mem = "RAM unknown"
    import mesa
    import numpy

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {numpy.__version__}, Mesa {mesa.__version__}"
    )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min)"


def row(label: str, size: int, r: dict[str, Any] | None, floor: dict[int, float]) -> str:
    if r is None:
        return f"{label:<38}{size:>9}  failed"
    vs_floor = r["us"] / floor[size] if size in floor else float("nan")
    return (
        f"{label:<38}{size:>9}{r['steps']:>7}{r['repeats']:>5}{r['us']:>15.4f}"
        f"{vs_floor:>10.1f}x{r['peak_mb']:>9.0f}{r['baseline_mb']:>8.0f}"
    )


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5, help="fast model and numpy floor")
    parser.add_argument("--reference-repeats", type=int, default=3)
    parser.add_argument("--boltzmann-repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10^3 and 10^4 only")
    parser.add_argument("--no-million", action="store_true", help="skip the 10^6 runs")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile the fast model at N")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        kind, scenario, size, steps, repeats = args.worker
        print(json.dumps(worker(kind, scenario, int(size), int(steps), int(repeats))))
        return
    if args.profile:
        profile(args.profile, args.steps)
        return

    fast_sizes = FAST_SIZES[:2] if args.quick else FAST_SIZES
    boltzmann_sizes = BOLTZMANN_SIZES[:2] if args.quick else BOLTZMANN_SIZES
    million = not (args.quick or args.no_million)
    started = time.perf_counter()
    print("msisim benchmark: fast model vs per-agent reference vs Mesa BoltzmannWealth")
    print(describe_machine())
    print(f"start: {load()}")
    print(
        f"fast: median of {args.repeats} runs of {args.steps} steps (10^6: 1 run); reference: "
        f"median of {args.reference_repeats}; Boltzmann: median of {args.boltzmann_repeats} runs "
        "of max(10, min(100, 10^6/N)) steps; every (model, scenario, N) in its own process\n"
    )
    header = (
        f"{'model / scenario':<38}{'N':>9}{'steps':>7}{'reps':>5}{'us/agent-step':>15}"
        f"{'vs floor':>11}{'peak MB':>9}{'base MB':>8}"
    )
    print(header)
    print("-" * len(header))

    floor: dict[int, float] = {}
    for size in [*fast_sizes, *([BIG] if million else [])]:
        r = measure("numpy", "-", size, args.steps, args.repeats)
        if r is not None:
            floor[size] = r["us"]
        print(row("numpy floor", size, r, floor), flush=True)

    fast: dict[tuple[str, int], dict[str, Any] | None] = {}
    for name in SCENARIOS:
        for size in fast_sizes:
            fast[(name, size)] = measure("fast", name, size, args.steps, args.repeats)
            print(row(f"fast {name}", size, fast[(name, size)], floor), flush=True)
        if million:
            fast[(name, BIG)] = measure("fast", name, BIG, args.steps, 1)
            print(row(f"fast {name}", BIG, fast[(name, BIG)], floor), flush=True)

    # diagnosis: the same runs with BLAS confined to one thread (see benchmarks/README.md)
    fast_1: dict[tuple[str, int], dict[str, Any] | None] = {}
    for name in SCENARIOS:
        for size in fast_sizes[-2:]:
            fast_1[(name, size)] = measure("fast", name, size, args.steps, args.repeats, 1)
            print(row(f"fast {name} [BLAS 1 thr]", size, fast_1[(name, size)], floor), flush=True)

    reference: dict[tuple[str, int], dict[str, Any] | None] = {}
    for name in SCENARIOS:
        for size in REFERENCE_SIZES:
            reference[(name, size)] = measure(
                "reference", name, size, args.steps, args.reference_repeats
            )
            print(row(f"reference {name}", size, reference[(name, size)], floor), flush=True)

    boltzmann: dict[int, dict[str, Any] | None] = {}
    for size in boltzmann_sizes:
        steps = max(10, min(100, 1_000_000 // size))
        boltzmann[size] = measure("boltzmann", "-", size, steps, args.boltzmann_repeats)
        print(row("Mesa BoltzmannWealth", size, boltzmann[size], floor), flush=True)

    print(f"\nend: {load()}; wall time {time.perf_counter() - started:.0f} s")
    print_targets(fast, reference, boltzmann, floor, fast_sizes, million)
    print_single_thread(fast, fast_1, fast_sizes)


def _us(results: dict[Any, dict[str, Any] | None], key: Any) -> float:
    r = results.get(key)
    return r["us"] if r else float("nan")


def print_targets(
    fast: dict[tuple[str, int], dict[str, Any] | None],
    reference: dict[tuple[str, int], dict[str, Any] | None],
    boltzmann: dict[int, dict[str, Any] | None],
    floor: dict[int, float],
    fast_sizes: list[int],
    million: bool,
) -> None:
    top = fast_sizes[-1]
    print(f"\nTargets of issue 6 (fast model; N = {top:,} unless stated)")
    print(
        f"{'scenario':<22}{'us':>8}{'<=0.25':>9}{'Boltz/fast':>12}{'>=40x':>9}"
        f"{'N/(N/10)':>10}{'<=1.2':>9}{'ref/fast@1e4':>14}{'>=30x':>9}{'peak MB':>9}{'<=400':>9}"
    )
    b_top = _us(boltzmann, top)
    for name in SCENARIOS:
        us = _us(fast, (name, top))
        vs_b = b_top / us
        scaling = us / _us(fast, (name, top // 10))
        vs_ref = _us(reference, (name, 10_000)) / _us(fast, (name, 10_000))
        r = fast.get((name, top))
        peak = r["peak_mb"] if r else float("nan")
        print(
            f"{name:<22}{us:>8.4f}{verdict(us <= TARGET_US):>9}{vs_b:>11.0f}x"
            f"{verdict(vs_b >= TARGET_VS_BOLTZMANN):>9}{scaling:>9.2f}x"
            f"{verdict(scaling <= TARGET_SCALING):>9}{vs_ref:>13.0f}x"
            f"{verdict(vs_ref >= TARGET_VS_REFERENCE):>9}{peak:>9.0f}"
            f"{verdict(peak <= TARGET_MEMORY_MB):>9}"
        )
    print(f"Mesa BoltzmannWealth at N = {top:,}: {b_top:.3f} us per agent-step")
    for size in sorted(floor):
        ratios = [f"{name} {_us(fast, (name, size)) / floor[size]:.1f}x" for name in SCENARIOS]
        print(f"fast / numpy floor at N = {size:,}: {', '.join(ratios)}")
    if million:
        print(f"N = {BIG:,}, {100} steps:")
        for name in SCENARIOS:
            r = fast.get((name, BIG))
            if r is None:
                print(f"  {name:<22} did not finish")
            else:
                print(
                    f"  {name:<22} ran {r['steps']} steps in {r['times'][0]:.1f} s "
                    f"({r['us']:.3f} us/stakeholder-step; built in {r['builds'][0]:.1f} s), "
                    f"peak {r['peak_mb']:.0f} MB"
                )


def print_single_thread(
    fast: dict[tuple[str, int], dict[str, Any] | None],
    fast_1: dict[tuple[str, int], dict[str, Any] | None],
    fast_sizes: list[int],
) -> None:
    small, top = fast_sizes[-2], fast_sizes[-1]
    print(f"\nFast model with BLAS confined to one thread (N = {top:,}):")
    for name in SCENARIOS:
        us, us_1 = _us(fast, (name, top)), _us(fast_1, (name, top))
        scaling = us_1 / _us(fast_1, (name, small))
        print(
            f"  {name:<22} {us_1:.4f} us ({verdict(us_1 <= TARGET_US)} <= {TARGET_US}); "
            f"default threads cost {us / us_1:.2f}x this; N/(N/10) {scaling:.2f}x "
            f"({verdict(scaling <= TARGET_SCALING)} <= {TARGET_SCALING})"
        )


def profile(size: int, steps: int) -> None:
    """CProfile the fast model's steps (both templates, with lobby) and print the top entries."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from msisim import GovernanceModel

    for name in ("representative+lobby", "open+lobby"):
        model = GovernanceModel(n_stakeholders=size, rng=0, collect=False, **SCENARIOS[name])
        profiler = cProfile.Profile()
        profiler.enable()
        model.run_for(steps)
        profiler.disable()
        print(f"\n=== {name}, N = {size:,}, {steps} steps (tottime = own time) ===")
        pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(14)


if __name__ == "__main__":
    main()
