"""Exact-output check for speed work: do outcomes stay the same to the last bit?

Usage: ``.venv/bin/python benchmarks/exact_outputs.py save REF.pkl`` on the code before a
change, then ``.venv/bin/python benchmarks/exact_outputs.py check REF.pkl`` after it (~25 s).

Runs 198 runs of every shipped study (steps capped at 120): 6 tasks spread over each study,
alone and with their per-step series, and the first 12 tasks of each through
:func:`~msisim.study.runner.run_batch` (shared twins, copied same runs). ``check`` compares
every summary outcome, scorecard cell and series column of the reference with the new ones
exactly (NaN equals NaN; ``seconds`` ignored; outcomes the reference lacks are listed as new)
and prints ``bad 0`` when nothing that existed changed.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import pickle
import sys
import warnings
from typing import Any

import numpy as np

from msisim.cli import load_experiment
from msisim.study.runner import execute_task, run_batch
from msisim.study.spec import Task

STUDIES = (
    "accidental_politicians",
    "bollow_comparison",
    "design_comparison",
    "internet_governance",
    "participation_cost",
    "provincial_workshop",
    "safeguards",
    "sdg_partnership",
    "selection_capture",
    "sensitivity",
    "shock_responsiveness",
)


def _capped(task: Task) -> Task:
    return dataclasses.replace(task, steps=min(task.steps, 120))


def collect() -> dict[tuple[str, str, int], Any]:
    """Rows and series of the check's runs, keyed by (study, kind, index)."""
    out: dict[tuple[str, str, int], Any] = {}
    for study in STUDIES:
        tasks = load_experiment(study, [], quick=False).tasks()
        for i in np.linspace(0, len(tasks) - 1, 6).astype(int):
            task = dataclasses.replace(_capped(tasks[i]), collect_series=True)
            out[(study, "one", int(i))] = execute_task(task)
        for j, result in enumerate(run_batch([_capped(t) for t in tasks[:12]])):
            out[(study, "batch", j)] = result
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("save", "check"):
        raise SystemExit("usage: exact_outputs.py save|check REF.pkl (see the module docstring)")
    mode, path = sys.argv[1], sys.argv[2]
    logging.getLogger("MESA").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore")
    results = collect()
    if mode == "save":
        with open(path, "wb") as f:
            pickle.dump(results, f)
        print(f"saved {len(results)} runs to {path}")
        return
    with open(path, "rb") as f:
        reference = pickle.load(f)
    bad = 0
    added: set[str] = set()  # outcomes the reference did not have (new ones): listed, not bad
    for key, (row, series) in reference.items():
        new_row, new_series = results[key]
        added |= set(new_row) - set(row)
        diff = [c for c in row if c != "seconds" and not _same(row.get(c), new_row.get(c))]
        if diff:
            bad += 1
            print("outcomes differ", key, sorted(diff)[:5])
        if new_series is not None and series is not None:
            added |= set(new_series.columns) - set(series.columns)
            new_series = new_series[[c for c in series.columns if c in new_series.columns]]
        if (series is None) != (new_series is None) or (
            series is not None and not series.equals(new_series)
        ):
            bad += 1
            print("series differ", key)
    if added:
        print(f"outcomes the reference does not have (new, not compared): {sorted(added)}")
    print(f"runs {len(reference)} bad {bad}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
