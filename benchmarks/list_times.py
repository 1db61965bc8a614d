"""End-to-end wall time of the studies, stored for ``msisim list``'s estimates.

Usage: ``.venv/bin/python benchmarks/list_times.py [--studies NAME ...] [--full NAME ...]
[--workers N] [--dry-run]``

Runs ``python -m msisim experiment NAME --quick`` (and, for the studies named after
``--full``, the full setting) as a user would, each in a fresh temporary folder, and measures
the wall time of the whole command: interpreter start-up, imports, the runs and the report.
The runs' own time is the ``in X s`` the command prints; the rest is the fixed cost. Both go
into ``src/msisim/study/timings.json`` (merged with what is there: a study not re-measured
keeps its figures), which ``msisim list`` reads (:mod:`msisim.study.timings`). Prints, per
setting, the measured wall time beside what ``msisim list`` estimated before.

The full settings of the large studies take minutes to hours; measure them only on a quiet
machine and say so. The default measures every quick setting (a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from msisim.cli import load_experiment
from msisim.conf import experiment_names
from msisim.study.timings import TIMINGS_FILE, estimate, formula_seconds, load_timings

RUNS_LINE = re.compile(r"^(\S+): (\d+) runs \(.*\) in ([0-9.]+) s$", re.MULTILINE)


def measure(name: str, quick: bool, workers: int) -> dict[str, float | int]:
    """Run one study setting end to end; its wall time, run time, run count and formula time."""
    spec = load_experiment(name, [], quick=quick)
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "msisim", "experiment", name, "--out", "out",
                   "--workers", str(workers)] + (["--quick"] if quick else [])  # fmt: skip
        load = os.getloadavg()[0]
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
    found = RUNS_LINE.search(proc.stdout)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"{name}: 'msisim experiment' failed ({proc.returncode}): {proc.stderr}")
    return {
        "runs": int(found.group(2)),
        "wall_seconds": round(wall, 2),
        "run_seconds": float(found.group(3)),
        "formula_seconds": formula_seconds(spec),
        "workers": workers,
        "date": date.today().isoformat(),
        "load_before": round(load, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", nargs="*", default=None, help="quick settings (default all)")
    parser.add_argument("--full", nargs="*", default=[], help="studies to time in full too")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dry-run", action="store_true", help="print only, do not store")
    args = parser.parse_args()
    names = experiment_names() if args.studies is None else args.studies
    timings = load_timings()
    before = json.loads(json.dumps(timings))
    print(
        f"msisim end-to-end study times — {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, --workers {args.workers}, load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'study':<24} {'setting':<6} {'runs':>5} {'wall s':>7} {'runs s':>7} "
          f"{'fixed s':>7} {'listed before':>13}")  # fmt: skip
    jobs = [(n, True) for n in names] + [(n, False) for n in args.full]
    for name, quick in jobs:
        setting = "quick" if quick else "full"
        spec = load_experiment(name, [], quick=quick)
        listed = estimate(name, setting, spec, workers=args.workers, timings=before).seconds
        entry = measure(name, quick, args.workers)
        timings["studies"].setdefault(name, {})[setting] = entry
        fixed = float(entry["wall_seconds"]) - float(entry["run_seconds"])
        print(
            f"{name:<24} {setting:<6} {entry['runs']:>5} {entry['wall_seconds']:>7.1f} "
            f"{entry['run_seconds']:>7.1f} {fixed:>7.1f} {listed:>13.1f}",
            flush=True,
        )
    timings.update(
        measured=date.today().isoformat(),
        cores=os.cpu_count(),
        workers=args.workers,
        machine=f"{platform.machine()}, Python {platform.python_version()}",
    )
    if args.dry_run:
        return
    Path(TIMINGS_FILE).write_text(json.dumps(timings, indent=1, sort_keys=True) + "\n")
    print(f"written: {TIMINGS_FILE}")


if __name__ == "__main__":
    main()
