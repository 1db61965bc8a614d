"""Caps on the work a study may start, checked when the study is built, before any run.

A study is refused in one line, naming what made it large and the environment variable
that raises the cap, when

* its runs (designs x sample points x replicates) exceed ``MSISIM_MAX_RUNS`` (default
  :data:`DEFAULT_MAX_RUNS`): counted by arithmetic before any list of runs is built, so a
  grid of 4 factors with 300 levels each is refused at once;
* its run table (what a sweep holds whole: the journal read back and consolidated; its
  tasks are built a chunk at a time), or one of its runs (a forum's population and twin, a
  parliament's vote matrices; :attr:`msisim.kinds.ModelKind.memory_bytes`), would take more
  memory than
  ``MSISIM_MAX_MEMORY`` (default: half the memory available when the study is built);
* its runs would take more than ``MSISIM_MAX_CORE_HOURS`` (default
  :data:`DEFAULT_MAX_CORE_HOURS`) of one core, by the formula of ``msisim list``
  (:attr:`msisim.kinds.ModelKind.seconds_per_step`): runs x steps x population.

Workers are capped at the cores (``MSISIM_MAX_WORKERS`` allows more, each with a warning):
see :func:`msisim.study.runner.check_run_options`.
"""

from __future__ import annotations

import os
import re

__all__ = [
    "DEFAULT_MAX_CORE_HOURS",
    "DEFAULT_MAX_RUNS",
    "MEMORY_SHARE",
    "RUN_BYTES",
    "available_memory",
    "env_size",
    "human_bytes",
    "max_core_hours",
    "max_memory",
    "max_runs",
    "max_workers",
]

#: Runs a study may have unless ``MSISIM_MAX_RUNS`` says otherwise: 50 times the largest
#: shipped study (2,100 runs), and a run table of about 300 MB at consolidation
#: (:data:`RUN_BYTES`).
DEFAULT_MAX_RUNS = 100_000
#: Core-hours a study may need by the formula of ``msisim list`` unless
#: ``MSISIM_MAX_CORE_HOURS`` says otherwise (the shipped studies need minutes).
DEFAULT_MAX_CORE_HOURS = 1_000.0
#: Share of the available memory a run table or one run may take unless
#: ``MSISIM_MAX_MEMORY`` says otherwise.
MEMORY_SHARE = 0.5
#: Bytes per run a sweep holds at its end: a row of the run table as pandas holds it (730
#: to 1,560 bytes in the shipped studies' ``runs.parquet``, measured 2026-12 with
#: ``memory_usage(deep=True)``), twice (the journal's parts read back, and the table
#: ordered for ``runs.parquet``). Tasks are built a chunk at a time (``CHUNK_TASKS``) and
#: no longer count.
RUN_BYTES = 2 * 1_600

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def max_runs() -> int:
    """``MSISIM_MAX_RUNS``, or :data:`DEFAULT_MAX_RUNS`."""
    value = _env("MSISIM_MAX_RUNS")
    return DEFAULT_MAX_RUNS if value is None else _whole("MSISIM_MAX_RUNS", value)


def max_workers(cores: int) -> int:
    """``MSISIM_MAX_WORKERS``, or the number of cores."""
    value = _env("MSISIM_MAX_WORKERS")
    return cores if value is None else _whole("MSISIM_MAX_WORKERS", value)


def max_core_hours() -> float:
    """``MSISIM_MAX_CORE_HOURS``, or :data:`DEFAULT_MAX_CORE_HOURS`."""
    value = _env("MSISIM_MAX_CORE_HOURS")
    if value is None:
        return DEFAULT_MAX_CORE_HOURS
    try:
        hours = float(value)
    except ValueError:
        hours = float("nan")
    if not hours > 0 or hours == float("inf"):
        raise ValueError(f"MSISIM_MAX_CORE_HOURS={value!r} is invalid: must be a number > 0")
    return hours


def max_memory() -> int:
    """``MSISIM_MAX_MEMORY`` in bytes, or half the available memory.

    The variable takes bytes or a size such as ``512M``, ``8G``, ``2.5GB`` (powers of 1024).
    """
    value = _env("MSISIM_MAX_MEMORY")
    if value is None:
        return int(MEMORY_SHARE * available_memory())
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?", value.upper())
    if not match or float(match[1]) <= 0:
        raise ValueError(
            f"MSISIM_MAX_MEMORY={value!r} is invalid: give bytes or a size such as 512M, 8G"
        )
    return int(float(match[1]) * _UNITS[match[2]])


def available_memory() -> int:
    """Bytes of memory available to new work (Linux ``MemAvailable``; else free memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return 8 * 2**30  # unknown (Windows): assume a small machine


def human_bytes(n: float) -> str:
    """``n`` bytes as ``1.5 GB``, ``300 MB`` ..."""
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def env_size(n: float) -> str:
    """``n`` bytes rounded up as a value for ``MSISIM_MAX_MEMORY`` (``12G``, ``300M``)."""
    for unit in ("T", "G", "M"):
        if n >= _UNITS[unit]:
            return f"{-(-int(n) // _UNITS[unit])}{unit}"
    return "1M"


def _whole(name: str, value: str) -> int:
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"{name}={value!r} is invalid: must be a whole number >= 1")
    return number
