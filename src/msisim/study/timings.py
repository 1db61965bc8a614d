"""How long a study takes end to end: start-up, runs and report, from measured runs.

``msisim list`` shows, for each study's quick and full setting, the wall time of the whole
``msisim experiment`` command. The estimate comes from end-to-end runs of that command measured
by ``benchmarks/list_times.py`` and stored in ``timings.json`` beside this module:

* the **fixed cost** of a measured command (its wall time less the time of its runs): the
  interpreter's start-up, imports, composing the config, and building the report and figures;
* the **run cost** as a ratio to the step-time formula of the study's model kind
  (:func:`formula_seconds`: runs x steps x the kind's seconds per step), which absorbs what the
  formula does not see (shared twins, copied runs, worker start-up, this machine's speed).

A setting that was measured as shipped is listed at its measured time; another (overrides, or
the full setting when only the quick one was measured) scales the run cost by the formula. A
study without measurements (a user's own) gets the median fixed cost and ratio of the measured
ones. Measurements hold for the machine and load they were taken on; a busier machine is
slower.
"""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TIMINGS_FILE", "Estimate", "estimate", "formula_seconds", "load_timings"]

#: The stored measurements (written by ``benchmarks/list_times.py``).
TIMINGS_FILE = Path(__file__).with_name("timings.json")


def formula_seconds(spec: Any) -> float:
    """A study's run time on one core by formula: runs x steps x its kind's step time.

    A forum's step time grows with its population, a parliament's with the acts it votes
    (:attr:`msisim.kinds.ModelKind.seconds_per_step`). Start-up and report are not included.
    """
    from msisim.kinds import model_kind

    return spec.n_runs() * spec.steps * model_kind(spec.model).seconds_per_step(spec.base)


def load_timings(path: Path = TIMINGS_FILE) -> dict[str, Any]:
    """The stored measurements; an empty record when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"studies": {}}
    return (
        data
        if isinstance(data, dict) and isinstance(data.get("studies"), dict)
        else {"studies": {}}
    )


@dataclass(frozen=True)
class Estimate:
    """An end-to-end time estimate of one study setting.

    Attributes:
        seconds: Expected wall time of the whole command (start-up, runs, report).
        basis: ``measured`` (this setting as shipped was timed), ``scaled`` (the run cost of a
            measured setting of the study scaled by the formula) or ``typical`` (the median of
            the measured studies).
    """

    seconds: float
    basis: str


def _parts(entry: Mapping[str, Any]) -> tuple[float, float]:
    """(fixed seconds, ratio of measured run seconds to the formula) of one measurement."""
    fixed = max(0.0, float(entry["wall_seconds"]) - float(entry["run_seconds"]))
    ratio = float(entry["run_seconds"]) / max(float(entry["formula_seconds"]), 1e-9)
    return fixed, ratio


def estimate(
    name: str,
    setting: str,
    spec: Any,
    *,
    workers: int | None = None,
    timings: Mapping[str, Any] | None = None,
) -> Estimate:
    """The wall time of ``msisim experiment NAME`` (``setting``: ``quick`` or ``full``).

    ``workers`` (default: all cores, as the command's default) divides the run cost in
    proportion to the workers of the measurement.
    """
    data = load_timings() if timings is None else timings
    studies: Mapping[str, Any] = data.get("studies", {})
    cores = os.cpu_count() or 1
    workers = workers or cores
    formula = formula_seconds(spec)
    measured = studies.get(name, {})
    entry = measured.get(setting)
    if (
        entry is not None
        and int(entry.get("runs", -1)) == spec.n_runs()
        and abs(float(entry["formula_seconds"]) - formula) <= 1e-9 * max(1.0, formula)
        and int(entry.get("workers", 0)) == workers
    ):
        return Estimate(float(entry["wall_seconds"]), "measured")
    basis = "scaled"
    candidates = [measured[s] for s in (setting, "full", "quick") if s in measured]
    if candidates:
        fixed, ratio = _parts(candidates[0])
        measured_workers = int(candidates[0].get("workers", workers))
    else:
        every = [_parts(e) for study in studies.values() for e in study.values()]
        basis = "typical"
        if every:
            fixed = statistics.median(f for f, _ in every)
            ratio = statistics.median(r for _, r in every)
        else:  # nothing measured: the formula alone, on one core, and a few seconds' start-up
            fixed, ratio = 5.0, 1.0
        measured_workers = int(data.get("workers", 1) or 1)
    return Estimate(fixed + ratio * formula * measured_workers / workers, basis)
