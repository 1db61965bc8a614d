"""A claims map: a study's claims re-evaluated over the model's structural assumptions.

``msisim robustness STUDY`` draws the structural assumptions (:class:`AssumptionSpace`, declared
with their ranges and rationale in ``configs/robustness/assumptions.yaml``) from a Saltelli
sample, runs at every sample point the cells the study's claims need
(:mod:`msisim.study.claims`) on one seed, and writes:

* ``points.csv``: each point's assumptions, each cell's outcome and each claim's contrast;
* ``claims.csv``: each claim's share of the map where it holds, with a Wilson 95% interval, its
  verdict (*supported*: holds at every point; *conditional*: fails somewhere, with the PRIM
  box where it fails; *fails*: holds nowhere) and the box in words;
* ``prim_boxes.csv``: the limits of each box;
* ``sobol.csv``: first-order and total Sobol indices (SALib) of every claim's contrast and
  every cell's outcome over the assumptions, with bootstrap confidence and a flag where an
  index leaves [0, 1] beyond it (the sample is then too small to read it as a share).

The runs themselves are journalled in the same folder as a study's are (a locked
:class:`~msisim.study.store.ResultStore`: verified parts, ``runs.parquet``, ``runs.csv``,
``manifest.json``), so an interrupted map resumes where it stopped. Each run computes only
the outcomes the claims read (``Task.outcomes``).

One set of runs serves both: the Saltelli sample's ``N (k + 2)`` points are the map's points.
All cells of a point share its seed (common random numbers), and so do all points of one
Saltelli block (a base row, its ``k`` mixed rows and its partner row), so an assumption with no
effect has a total index of exactly 0; blocks have their own seeds, so the map covers the
model's randomness too.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msisim.params import FIELD_GROUP, LOBBY_ACTION_FIELDS, Params
from msisim.registry import did_you_mean
from msisim.study.analysis import import_prim
from msisim.study.bounds import max_runs
from msisim.study.claims import (
    STUDY_CLAIMS,
    Cell,
    Claim,
    cells_of,
    generic_claims,
    generic_pairs,
)
from msisim.study.spec import ExperimentSpec, Task, _digest, _plain
from msisim.study.store import atomic_write
from msisim.validation import spec_of

logger = logging.getLogger(__name__)

#: The assumption space shipped with the package.
ASSUMPTIONS_FILE = (
    Path(__file__).resolve().parents[1] / "configs" / "robustness" / "assumptions.yaml"
)

#: Quantities of the map that are not model parameters: name -> (lowest, highest) allowed.
MAP_QUANTITIES: dict[str, tuple[float, float]] = {"counter_share": (0.0, 0.5)}

#: Assumptions about the lobby: dropped for a study that never lobbies.
LOBBY_ASSUMPTIONS: frozenset[str] = frozenset(
    {*LOBBY_ACTION_FIELDS, "lobby_budget", "n_lobbyists", "counter_share", "lobby_ideal"}
)

#: Saltelli base sample of the documented (full) setting and of ``--quick``.
FULL_BASE = 512
QUICK_BASE = 4
#: Where ``msisim robustness STUDY --study DIR`` writes the map, inside the study's folder.
MAP_FOLDER = "claims_map"

#: A total index whose 95% half-width exceeds this is marked not ``precise`` in sobol.csv.
PRECISE_CONF = 0.1

_KEYS = {"low", "high", "integer", "scale", "per", "choices", "why"}


# --------------------------------------------------------------------------- assumptions


@dataclass(frozen=True)
class Assumption:
    """One drawn assumption.

    Attributes:
        name: A model parameter or a map quantity (:data:`MAP_QUANTITIES`).
        low: Lowest value (ranges).
        high: Highest value (ranges).
        integer: Whole numbers, each equally likely.
        log: Draw the logarithm uniformly.
        per: The value is this multiple of another parameter (e.g. ``tie_cost``).
        choices: Categories (a uniform number is mapped to one of them).
        why: Why the assumption is uncertain.
    """

    name: str
    low: float = 0.0
    high: float = 1.0
    integer: bool = False
    log: bool = False
    per: str = ""
    choices: tuple[Any, ...] = ()
    why: str = ""

    def value(self, u: float) -> Any:
        """The assumption's value at the unit coordinate ``u`` in [0, 1]."""
        if self.choices:
            return self.choices[min(len(self.choices) - 1, int(u * len(self.choices)))]
        if self.integer:
            lo, hi = math.ceil(self.low), math.floor(self.high)
            return int(min(hi, lo + int(u * (hi - lo + 1))))
        if self.log:
            return float(math.exp(math.log(self.low) + u * math.log(self.high / self.low)))
        return float(self.low + u * (self.high - self.low))

    def describe(self) -> str:
        """The range in words, e.g. ``0.5-100 x tie_cost (log)`` or ``adaptive | allies``."""
        if self.choices:
            return " | ".join(map(str, self.choices))
        text = f"{self.low:g}-{self.high:g}"
        if self.integer:
            text += " (whole)"
        if self.per:
            text += f" x {self.per}"
        if self.log:
            text += " (log)"
        return text


@dataclass(frozen=True)
class AssumptionSpace:
    """The assumptions a claims map draws, in order."""

    assumptions: tuple[Assumption, ...]

    @property
    def names(self) -> list[str]:
        """The assumptions' names."""
        return [a.name for a in self.assumptions]

    def __len__(self) -> int:
        return len(self.assumptions)

    def without(self, names: set[str] | frozenset[str]) -> AssumptionSpace:
        """This space without the named assumptions."""
        return AssumptionSpace(tuple(a for a in self.assumptions if a.name not in names))

    def values(self, unit_row: Sequence[float]) -> dict[str, Any]:
        """The assumptions' values at a point of the unit cube."""
        return {a.name: a.value(u) for a, u in zip(self.assumptions, unit_row, strict=True)}

    def sobol_problem(self) -> dict[str, Any]:
        """SALib's problem on the unit cube (each assumption is a function of its coordinate)."""
        return {"num_vars": len(self), "names": self.names, "bounds": [[0.0, 1.0]] * len(self)}

    @classmethod
    def load(cls, path: str | Path | None = None) -> AssumptionSpace:
        """Read an assumption file (safe YAML); the shipped one when ``path`` is None.

        Raises:
            ValueError: One line naming the unknown parameter or the bad range.
        """
        import yaml

        from msisim.study.checks import check_yaml_file
        from msisim.user_files import read_user_file

        source = Path(path) if path is not None else ASSUMPTIONS_FILE
        # a regular file of bounded size, without aliases: a FIFO or a YAML bomb is refused
        check_yaml_file(source, what="assumptions file")
        data = yaml.safe_load(read_user_file(source, "assumptions file"))
        return cls.from_dict(data, where=str(source))

    @classmethod
    def from_dict(cls, data: Any, where: str = "assumptions") -> AssumptionSpace:
        """Build from ``{assumptions: {name: {low, high, ...}}}`` (or the inner mapping)."""
        if isinstance(data, Mapping) and set(data) == {"assumptions"}:
            data = data["assumptions"]
        if not isinstance(data, Mapping) or not data:
            raise ValueError(f"{where}: must map assumption names to their ranges")
        return cls(tuple(_assumption(str(k), v, where) for k, v in data.items()))


def _assumption(name: str, entry: Any, where: str) -> Assumption:
    """One validated assumption (against the parameter's own declaration)."""
    valid = sorted(FIELD_GROUP) + sorted(MAP_QUANTITIES)
    if name not in FIELD_GROUP and name not in MAP_QUANTITIES:
        raise ValueError(
            f"{where}: unknown assumption {name!r}{did_you_mean(name, valid)}; give a model "
            f"parameter or one of {', '.join(MAP_QUANTITIES)}"
        )
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: {name} must be a mapping (low/high or choices, and why)")
    unknown = set(entry) - _KEYS
    if unknown:
        raise ValueError(
            f"{where}: {name} has unknown keys {sorted(unknown)}; valid: {sorted(_KEYS)}"
        )
    why = str(entry.get("why", "")).strip()
    param = _param_spec(name)
    if "choices" in entry:
        choices = entry["choices"]
        if isinstance(choices, str) or not isinstance(choices, Sequence) or not choices:
            raise ValueError(f"{where}: {name} choices must be a non-empty list")
        allowed = list(param.choices) if param is not None and param.choices is not None else None
        if param is None or param.kind == "bool":
            allowed = [False, True] if param is not None else None
        if allowed is None:
            raise ValueError(f"{where}: {name} takes a range (low/high), not choices")
        for c in choices:
            if c not in allowed:
                hint = did_you_mean(c, map(str, allowed))
                raise ValueError(
                    f"{where}: {name} choice {c!r} is not allowed{hint}; valid: "
                    + ", ".join(map(str, allowed))
                )
        return Assumption(name, choices=tuple(choices), why=why)
    if "low" not in entry or "high" not in entry:
        raise ValueError(f"{where}: {name} needs low and high (or choices)")
    try:
        low, high = float(entry["low"]), float(entry["high"])
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {name} low/high must be numbers") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{where}: {name} low={low:g}, high={high:g}: both must be finite")
    if not low < high:
        raise ValueError(f"{where}: {name} low={low:g} must be below high={high:g}")
    scale = entry.get("scale", "linear")
    if scale not in ("linear", "log"):
        raise ValueError(f"{where}: {name} scale={scale!r} must be linear or log")
    if scale == "log" and low <= 0:
        raise ValueError(f"{where}: {name} on a log scale needs low > 0 (low={low:g})")
    integer = entry.get("integer", False)
    if not isinstance(integer, bool):
        raise ValueError(f"{where}: {name} integer={integer!r} must be true or false")
    if integer and not (low.is_integer() and high.is_integer()):
        raise ValueError(
            f"{where}: {name} low={low:g}, high={high:g}: with integer: true both must be "
            "whole numbers"
        )
    per = str(entry.get("per", "") or "")
    if per and per not in FIELD_GROUP:
        raise ValueError(
            f"{where}: {name} per={per!r} is not a model parameter{did_you_mean(per, valid)}"
        )
    if name in MAP_QUANTITIES:
        lo, hi = MAP_QUANTITIES[name]
        if low < lo or high > hi:
            raise ValueError(
                f"{where}: {name} range [{low:g}, {high:g}] must lie in [{lo:g}, {hi:g}]"
            )
    elif param is not None:
        if param.kind not in ("int", "float", "optional_float"):
            raise ValueError(f"{where}: {name} is not a number ({param.kind}); give choices")
        if param.kind == "int" and not integer:
            raise ValueError(f"{where}: {name} is a whole number: add integer: true")
        if not per:
            if param.lo is not None and low < param.lo:
                raise ValueError(f"{where}: {name} low={low:g} is below its bound {param.lo:g}")
            if param.hi is not None and high > param.hi:
                raise ValueError(f"{where}: {name} high={high:g} is above its bound {param.hi:g}")
        elif low <= 0:
            raise ValueError(f"{where}: {name} as a multiple of {per} needs low > 0")
    return Assumption(name, low, high, integer, scale == "log", per, (), why)


def _param_spec(name: str) -> Any:
    """The :class:`~msisim.validation.ParamSpec` of a model parameter (None for a map quantity)."""
    if name not in FIELD_GROUP:
        return None
    from msisim.params import GROUPS

    group = GROUPS[FIELD_GROUP[name]]
    return spec_of(next(f for f in dataclasses.fields(group) if f.name == name))


# --------------------------------------------------------------------------- lobby money


def mirrored(point: Sequence[float]) -> tuple[float, ...]:
    """A point mirrored through the centre of the space (0.5, ..., 0.5), clipped to [0, 1]."""
    return tuple(float(min(1.0, max(0.0, 1.0 - x))) for x in point)


def lobby_money(
    params: Mapping[str, Any], total: float, counter_share: float = 0.0
) -> dict[str, Any]:
    """Flat parameters with ``total`` money per step split between the lobby and a counter-lobby.

    The main lobby keeps ``(1 - counter_share) * total`` (its ``lobby_budget``, its total
    whatever its number of lobbyists); a counter-lobby named ``counter`` (the model's
    ``lobbies``), whose ideal is the main lobby's mirrored through the centre
    (:func:`mirrored`), gets the rest.
    """
    out = dict(params)
    out["lobby_budget"] = (1.0 - counter_share) * total
    if counter_share > 0 and total > 0:
        ideal = out.get("lobby_ideal", Params().context.lobby_ideal)
        counter = {
            "name": "counter",
            "ideal": list(mirrored(ideal)),
            "budget": counter_share * total,
        }
        out["lobbies"] = [*list(out.get("lobbies") or []), counter]
    return out


# --------------------------------------------------------------------------- the map


@dataclass
class ClaimsMap:
    """A claims map's setting: the study, its claims, the assumptions and the sample.

    Attributes:
        spec: The study (its base, designs, steps and seed are used).
        claims: The claims to evaluate.
        space: The assumptions drawn.
        base: Saltelli base sample size (a power of 2); the map has ``base * (k + 2)`` points.
        dropped: Assumptions left out, with the reason.
    """

    spec: ExperimentSpec
    claims: list[Claim]
    space: AssumptionSpace
    base: int
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def cells(self) -> list[Cell]:
        """Every cell a point runs."""
        return cells_of(self.claims)

    def n_points(self) -> int:
        """Points of the map (the Saltelli sample without second-order rows)."""
        return self.base * (len(self.space) + 2)

    def unit_sample(self) -> np.ndarray:
        """The Saltelli sample on the unit cube, ``(base * (k + 2), k)``."""
        from SALib.sample import sobol as sobol_sample

        return np.asarray(
            sobol_sample.sample(
                self.space.sobol_problem(), self.base, calc_second_order=False, seed=self.spec.seed
            )
        )

    def points(self) -> list[dict[str, Any]]:
        """Each point's assumption values, in Saltelli order."""
        return [self.space.values(row) for row in self.unit_sample()]

    def block_seed(self, block: int) -> int:
        """The seed of a Saltelli block (a base row, its mixed rows and its partner)."""
        state = np.random.SeedSequence([self.spec.seed, 22, block]).generate_state(1, np.uint64)
        return int(state[0] >> np.uint64(1))

    def cell_params(self, cell: Cell, point: Mapping[str, Any]) -> dict[str, Any]:
        """Flat parameters of one cell at one point.

        The study's base, then the point's assumptions, then the design's levers (a design is
        what it is whatever the assumptions), then the cell's own levers and its lobby money.
        """
        spec = self.spec
        params: dict[str, Any] = {**spec.map_population, **spec.base}
        extra = {k: v for k, v in point.items() if k not in MAP_QUANTITIES and k != "lobby_budget"}
        for a in self.space.assumptions:
            if a.per and a.name in extra:  # a multiple of another parameter, at the study's value
                per = params.get(a.per, getattr(_defaults(), a.per))
                extra[a.name] = float(extra[a.name]) * float(per)
        params.update(extra)
        params.update(spec.designs.get(cell.design, {}))
        params.update(dict(cell.levers))
        total = float(point.get("lobby_budget", _study_budget(spec)))
        share = float(point.get("counter_share", 0.0))
        if not self.lobbies():
            return params
        return lobby_money(params, cell.budget * total, share if cell.budget > 0 else 0.0)

    def lobbies(self) -> bool:
        """Whether the study has a lobby (else its cells keep the study's own budget)."""
        return "lobby_budget" in self.space.names or _study_budget(self.spec) > 0

    def tasks(self) -> list[Task]:
        """Every run of the map: each cell at each point, one seed per Saltelli block."""
        k = len(self.space)
        outcomes = self.outcomes()
        out = []
        for index, point in enumerate(self.points()):
            seed = self.block_seed(index // (k + 2))
            for cell in self.cells:
                params = _plain(self.cell_params(cell, point))
                run_id = _digest({"params": params, "steps": self.spec.steps, "seed": seed})[:16]
                label, steps = cell.label(), self.spec.steps
                out.append(Task(run_id, seed, label, index, 0, params, steps, outcomes=outcomes))
        return out

    def outcomes(self) -> tuple[str, ...]:
        """The outcomes the claims read: the only ones a map's run computes."""
        return tuple(sorted({claim.outcome for claim in self.claims}))

    def record(self) -> dict[str, Any]:
        """What the map's folder records of it (its manifest's ``spec``)."""
        return {
            "name": f"{self.spec.name} claims map",
            "study": self.spec.name,
            "study_fingerprint": self.spec.fingerprint(),
            "base": self.base,
            "assumptions": list(self.space.names),
            "cells": [cell.label() for cell in self.cells],
            "claims": [claim.key for claim in self.claims],
            "outcomes": list(self.outcomes()),
        }

    def fingerprint(self, tasks: Sequence[Task]) -> str:
        """Hash of the map's run ids (parameters, steps, seeds) and the outcomes they compute.

        A folder of another map is refused, never mixed in.
        """
        return _digest(
            {"runs": sorted({t.run_id for t in tasks}), "outcomes": list(self.outcomes())}
        )


def _defaults() -> Any:
    return Params().context


def _study_budget(spec: ExperimentSpec) -> float:
    """The study's own lobby money: its base budget or its largest budget level (0: none)."""
    levels = [float(v) for f in spec.factors if f.name == "lobby_budget" for v in f.levels]
    highs = [float(f.high) for f in spec.factors if f.name == "lobby_budget" and f.high]
    return max([float(spec.base.get("lobby_budget", 0.0)), *levels, *highs])


def study_lobbies(spec: ExperimentSpec) -> bool:
    """Whether a study ever has a lobby (a budget or an exogenous selector capture)."""
    names = {f.name for f in spec.factors}
    return (
        _study_budget(spec) > 0
        or "selector_capture" in names
        or bool(spec.base.get("selector_capture"))
    )


def build_map(
    spec: ExperimentSpec,
    *,
    space: AssumptionSpace | None = None,
    base: int = FULL_BASE,
    samples: int | None = None,
    reference_seeds: int = 4,
    workers: int | None = 1,
    folder: str | Path | None = None,
) -> ClaimsMap:
    """The claims map of a study: its claims and the assumptions that apply to it.

    Args:
        spec: The study (a forum study).
        space: The assumptions (default: the shipped file).
        base: Saltelli base sample (rounded up to a power of 2).
        samples: At least this many map points (raises the base sample if needed).
        reference_seeds: Seeds of the runs that fix the generic claims' expected signs.
        workers: Worker processes for those runs.
        folder: Where the map will run (:func:`run_map`): checked before any run, so a
            folder of another map, or one another process is writing, is refused first.

    Raises:
        ValueError: A study of another model kind, assumptions that cannot apply, or a
            ``folder`` of another map (:class:`~msisim.study.store.FolderBusyError` when
            another process writes it).
    """
    if spec.model != "forum":
        raise ValueError(
            f"study {spec.name} runs a {spec.model}; the claims map needs forum studies"
        )
    space = space if space is not None else AssumptionSpace.load()
    dropped: dict[str, str] = {}
    if not study_lobbies(spec):
        gone = {n for n in space.names if n in LOBBY_ASSUMPTIONS}
        dropped.update(dict.fromkeys(sorted(gone), "the study has no lobby"))
        space = space.without(gone)
    if len(space) < 2:
        raise ValueError(f"the claims map needs at least two assumptions; {len(space)} apply")
    k = len(space)
    if samples is not None:
        base = max(base, math.ceil(samples / (k + 2)))
    base = 2 ** max(1, math.ceil(math.log2(max(2, base))))
    claims = (
        STUDY_CLAIMS[spec.name](spec) if spec.name in STUDY_CLAIMS else generic_claims(spec, {})
    )
    n_runs = base * (k + 2) * len(cells_of(claims))
    if n_runs > max_runs():
        raise ValueError(
            f"claims map of {spec.name}: {n_runs:,} runs (Saltelli base {base} x {k + 2} "
            f"points per block x {len(cells_of(claims))} cells) exceed the cap of "
            f"{max_runs():,}; lower --base/--samples or set MSISIM_MAX_RUNS={n_runs}"
        )
    for name, reason in dropped.items():
        logger.warning("%s: assumption %s dropped: %s", spec.name, name, reason)
    claims_map = ClaimsMap(spec, claims, space, base, dropped)
    _refuse_inert_assumptions(claims_map)  # the generic claims' cells do not wait for signs
    if folder is not None:  # the generic claims' signs change no run: their cells are fixed
        check_map_folder(Path(folder), claims_map)
    if spec.name not in STUDY_CLAIMS:
        claims_map.claims = generic_claims(
            spec, reference_signs(claims_map, reference_seeds, workers)
        )
    designs = set(spec.designs) or {""}
    for claim in claims_map.claims:
        for _, cell in claim.terms:
            if cell.design not in designs:
                raise ValueError(
                    f"claim {claim.key} names design {cell.design!r}, not in the study"
                )
    return claims_map


def _refuse_inert_assumptions(claims_map: ClaimsMap) -> None:
    """Refuse an assumption that every cell the claims compare sets itself; warn of a partial one.

    A cell's design and its own levers win over the point's assumptions
    (:meth:`ClaimsMap.cell_params`), so drawing a parameter that every cell sets (``membership``
    in a study comparing representative and open forums) changes no run: its Sobol indices
    would be 0 and its PRIM box empty, a finding about nothing.
    """
    spec = claims_map.spec
    cells = cells_of(claims_map.claims)
    fixed = {
        cell: set(spec.designs.get(cell.design, {})) | {k for k, _ in cell.levers} for cell in cells
    }
    for name in claims_map.space.names:
        if name in MAP_QUANTITIES or name == "lobby_budget":
            continue
        setting = [cell.label() for cell in cells if name in fixed[cell]]
        if len(setting) == len(cells):
            raise ValueError(
                f"assumption {name!r} is set by every cell the claims of {spec.name} compare "
                f"(their designs or levers), so drawing it changes no run; leave it out of the "
                "assumptions"
            )
        if setting:
            logger.warning(
                "%s: assumption %s is set by cells %s themselves; it varies only in the others",
                spec.name,
                name,
                ", ".join(setting),
            )


def check_map_folder(folder: Path, claims_map: ClaimsMap) -> None:
    """Refuse, before any run, a folder that holds another map's runs or is being written.

    Raises:
        ValueError: The folder's manifest records another map (or cannot be read).
        FolderBusyError: Another process holds the folder's lock.
    """
    from msisim.study.store import FolderBusyError, FolderLock, read_manifest

    manifest = read_manifest(folder)
    if manifest is not None:
        fingerprint = claims_map.fingerprint(claims_map.tasks())
        if manifest.get("fingerprint") != fingerprint:
            what = manifest.get("experiment") or "another study"
            raise ValueError(
                f"{folder} holds the runs of {what!r} with another setting or another map "
                f"(fingerprint {manifest.get('fingerprint')} != {fingerprint}); choose another "
                "output folder or remove it"
            )
    lock = FolderLock(folder)
    if folder.is_dir() and lock.is_held():
        raise FolderBusyError(
            f"{folder} is being written by {lock.holder() or 'another process'}; wait for it "
            "to finish or choose another output folder"
        )


def reference_signs(claims_map: ClaimsMap, seeds: int, workers: int | None) -> dict[str, int]:
    """Expected signs of the generic claims: their mean over ``seeds`` runs at the study's defaults.

    The point is the study's own assumptions (no assumption drawn), each design at the study's
    lobby money (its base budget or its largest budget level).
    """
    spec = claims_map.spec
    pairs = generic_pairs(spec)
    probe = dataclasses.replace(
        claims_map, claims=generic_claims(spec, {}), space=AssumptionSpace(())
    )
    tasks = []
    outcomes = tuple(sorted({outcome for _, outcome, _, _ in pairs}))
    for s in range(seeds):
        seed = claims_map.block_seed(10**6 + s)
        for cell in probe.cells:
            params = _plain(probe.cell_params(cell, {"lobby_budget": _study_budget(spec)}))
            run_id = _digest({"params": params, "steps": spec.steps, "seed": seed})[:16]
            tasks.append(
                Task(run_id, seed, cell.label(), s, 0, params, spec.steps, outcomes=outcomes)
            )
    rows = run_tasks(tasks, workers, label=f"{spec.name} reference")
    table = pd.DataFrame(rows)
    signs = {}
    for key, outcome, first, second in pairs:
        a = table[table["design"] == Cell(first).label()].set_index("sample")[outcome]
        b = table[table["design"] == Cell(second).label()].set_index("sample")[outcome]
        diff = float((a - b).mean())
        signs[key] = 1 if not diff < 0 else -1
    return signs


# --------------------------------------------------------------------------- running


def run_tasks(
    tasks: list[Task], workers: int | None, label: str, points_per_batch: int = 2
) -> list[dict[str, Any]]:
    """Run tasks and return their rows, one per task (:func:`iter_task_rows`, collected)."""
    return [row for rows in iter_task_rows(tasks, workers, label, points_per_batch) for row in rows]


def iter_task_rows(
    tasks: list[Task],
    workers: int | None,
    label: str,
    points_per_batch: int = 2,
    *,
    backend: str = "local",
    address: str | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Run tasks and yield each finished batch's rows (one per task), with a progress bar.

    On this machine's process pool (``backend='local'``) or on Dask (``'dask'``: a local
    cluster, or the scheduler at ``address``), as ``msisim experiment`` runs a study.

    Batches keep each twin group whole (:func:`msisim.study.sharing.batches`), not each
    point: a no-lobby twin is run once per group, and a run that another point repeats (the
    same effective parameters on the same seed: a Saltelli point that differs from its block's
    base point only in an assumption the run cannot read, such as ``n_lobbyists``, or a lobby
    assumption in a cell without a lobby) is run once and its result copied to the other's row.
    """
    from msisim.study.runner import Progress, _dask, _local, check_run_options
    from msisim.study.sharing import batches, plan

    cells = max(1, len(tasks) // max(1, len({t.sample for t in tasks})))
    batch_list = batches(tasks, points_per_batch * cells)
    distinct = len({plan(t).same_run for t in tasks})
    if distinct < len(tasks):
        logger.info("%s: %d runs, %d of them distinct", label, len(tasks), distinct)
    n_workers, notes = check_run_options(backend, workers, address, None, len(batch_list))
    for note in notes:
        logger.warning("%s", note)
    progress = Progress(len(tasks), label)
    stream = (
        _local(batch_list, n_workers)
        if backend == "local"
        else _dask(batch_list, n_workers, address, n_runs=len(tasks))
    )
    try:
        for results in stream:
            yield [row for row, _ in results]
            progress.update(len(results))
    finally:
        progress.close()


@dataclass
class MapResult:
    """What a claims map produced (all tables are also written to the output folder)."""

    points: pd.DataFrame
    claims: pd.DataFrame
    boxes: pd.DataFrame
    sobol: pd.DataFrame
    seconds: float
    n_runs: int
    n_failed: int


def run_map(
    claims_map: ClaimsMap,
    folder: str | Path,
    workers: int | None = None,
    *,
    backend: str = "local",
    address: str | None = None,
) -> MapResult:
    """Run every cell at every point, evaluate the claims and write the tables.

    The runs are journalled batch by batch in ``folder`` (a locked result store,
    :class:`msisim.study.store.ResultStore`: verified parts, ``runs.parquet`` and a manifest),
    so an interrupted map loses at most the batches in flight: the same command into the
    same folder runs only what is missing, with the same tables. A run that several points
    repeat (the same id) is run and kept once.

    ``backend`` and ``address``: where the runs run (:func:`iter_task_rows`): the documented
    setting's core-hours spread over a Dask cluster's workers.

    Raises:
        FolderBusyError: Another process is writing ``folder``.
        ValueError: ``folder`` holds the runs of another map.
        SweepError: Dask failed (no scheduler at ``address``, no worker); the runs finished
            so far are kept.
    """
    from msisim.study.store import ResultStore

    start = time.perf_counter()
    out = Path(folder)
    tasks = claims_map.tasks()
    distinct = list({t.run_id: t for t in tasks}.values())
    label = f"{claims_map.spec.name} claims map"
    with ResultStore(out, claims_map.record(), claims_map.fingerprint(tasks)) as store:
        for name, how in store.changed.items():  # consolidating below rewrites it
            logger.warning("%s %s (changed outside msisim): rebuilt from the verified parts",
                           out / name, how)  # fmt: skip
        done = store.finished_runs()
        todo = [t for t in distinct if t.run_id not in done]
        logger.info(
            "%s: %d points x %d cells = %d runs (%d distinct) over %d assumptions (Saltelli "
            "base %d); %d already finished in %s",
            label, claims_map.n_points(), len(claims_map.cells), len(tasks), len(distinct),
            len(claims_map.space), claims_map.base, len(distinct) - len(todo), out,
        )  # fmt: skip
        for rows in iter_task_rows(todo, workers, label, backend=backend, address=address):
            store.write_batch(rows, ())
        order = [t.run_id for t in distinct]
        table = store.consolidate(order)
        store.write_manifest(table, {"claims_map": True})
        runs = _rows_of_tasks(tasks, table)
        points = evaluate(claims_map, runs)
        claims = claim_table(claims_map, points)
        boxes = failure_boxes(claims_map, points)
        words = box_words(boxes)
        claims = claims.merge(words, on="claim", how="left").fillna({"fails_where": ""})
        sobol = sobol_table(claims_map, points)
        for name, written in (
            ("points.csv", points),
            ("claims.csv", claims),
            ("prim_boxes.csv", boxes),
            ("sobol.csv", sobol),
        ):  # fmt: skip  (under the folder's lock, like the runs)
            atomic_write(out / name, _csv_writer(written))
    n_failed = int((table["status"] != "ok").sum()) if "status" in table else 0
    return MapResult(
        points, claims, boxes, sobol, time.perf_counter() - start, len(distinct), n_failed
    )


def _rows_of_tasks(tasks: Sequence[Task], table: pd.DataFrame) -> pd.DataFrame:
    """One row per task from the table of distinct runs (a repeated run under each task)."""
    rows = table.set_index("run_id").loc[[t.run_id for t in tasks]].reset_index()
    return rows.assign(
        design=[t.design for t in tasks], sample=[t.sample for t in tasks]
    )  # fmt: skip


def write_map_record(folder: Path, claims_map: ClaimsMap, result: MapResult, quick: bool) -> None:
    """Write ``map.json``: which study (by fingerprint) and setting the map's tables are of."""
    spec = claims_map.spec
    record = {
        "study": spec.name,
        "fingerprint": spec.fingerprint(),
        "setting": "quick" if quick else "full",
        "points": claims_map.n_points(),
        "base": claims_map.base,
        "assumptions": list(claims_map.space.names),
        "runs": result.n_runs,
        "failed": result.n_failed,
    }
    atomic_write(Path(folder) / "map.json", lambda p: p.write_text(json.dumps(record, indent=1)))


def read_map_record(folder: Path) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """``(map.json, claims.csv)`` of the claims map in ``folder``, or None when it has none.

    Raises:
        ValueError: A ``map.json`` or ``claims.csv`` that cannot be read (naming the file).
    """
    record_path, claims_path = Path(folder) / "map.json", Path(folder) / "claims.csv"
    if not record_path.is_file() or not claims_path.is_file():
        return None
    try:
        record = json.loads(record_path.read_text())
        claims = pd.read_csv(claims_path, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise ValueError(f"claims map {folder}: unreadable ({exc})") from None
    needed = {"claim", "text", "share", "ci_low", "ci_high", "verdict", "points"}
    if not isinstance(record, dict) or not needed <= set(claims.columns):
        raise ValueError(f"claims map {folder}: map.json or claims.csv lacks its fields")
    return record, claims


def _csv_writer(table: pd.DataFrame) -> Callable[[Path], None]:
    """A writer of ``table`` as CSV, for :func:`msisim.study.store.atomic_write`."""
    return lambda path: table.to_csv(path, index=False)


def evaluate(claims_map: ClaimsMap, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per point: its assumptions, each cell's outcomes and each claim's contrast."""
    points = pd.DataFrame(claims_map.points())
    points.insert(0, "point", np.arange(len(points)))
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    outcomes = sorted({c.outcome for c in claims_map.claims})
    for cell in claims_map.cells:
        mine = ok[ok["design"] == cell.label()].set_index("sample")
        for outcome in outcomes:
            column = mine[outcome] if outcome in mine else pd.Series(dtype=float)
            points[f"{outcome}[{cell.label()}]"] = column.reindex(points["point"]).to_numpy(
                dtype=float
            )
    for claim in claims_map.claims:
        value = np.zeros(len(points))
        for weight, cell in claim.terms:
            value = value + weight * points[f"{claim.outcome}[{cell.label()}]"].to_numpy()
        points[f"claim.{claim.key}"] = value
    return points


def wilson_interval(holds: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of a share (Wilson 1927): ``(low, high)``; NaN for ``n = 0``."""
    if n <= 0:
        return float("nan"), float("nan")
    p = holds / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if holds == 0 else max(0.0, centre - half)
    high = 1.0 if holds == n else min(1.0, centre + half)
    return low, high


def claim_table(claims_map: ClaimsMap, points: pd.DataFrame) -> pd.DataFrame:
    """Each claim's share of the map where it holds, its Wilson interval and its verdict."""
    rows = []
    for claim in claims_map.claims:
        value = points[f"claim.{claim.key}"].to_numpy(dtype=float)
        finite = np.isfinite(value)
        holds = int((claim.sign * value[finite] > 0).sum())
        n = int(finite.sum())
        low, high = wilson_interval(holds, n)
        share = holds / n if n else float("nan")
        verdict = (
            "not evaluated" if n == 0
            else "supported" if holds == n
            else "fails" if holds == 0
            else "conditional"
        )  # fmt: skip
        rows.append(
            {
                "claim": claim.key,
                "text": claim.text,
                "contrast": claim.formula(),
                "built_in": claim.built_in,
                "points": n,
                "missing": int((~finite).sum()),
                "holds": holds,
                "share": share,
                "ci_low": low,
                "ci_high": high,
                "mean_contrast": float(np.mean(value[finite])) if n else float("nan"),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def _quiet_ema() -> None:
    """PRIM's own INFO lines off, unless a level was set (``msisim -v`` sets INFO)."""
    for name in ("EMA", "ema_workbench"):
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.ERROR)


def failure_boxes(claims_map: ClaimsMap, points: pd.DataFrame) -> pd.DataFrame:
    """For each claim that fails somewhere: PRIM's box (ema_workbench) where it fails.

    Cases are the map's points; a case is of interest when the claim fails there. PRIM peels
    the assumption space to a box dense in failures (Friedman & Fisher 1999; Bryant & Lempert
    2010). Categorical assumptions are restricted to a set of categories.

    Returns:
        One row per restricted assumption of each box: ``claim``, ``assumption``, ``low``,
        ``high`` (ranges) or ``categories``, and the box's ``coverage``, ``density``, ``mass``.
    """
    import warnings

    columns = ["claim", "assumption", "low", "high", "categories", "coverage", "density", "mass"]
    rows: list[dict[str, Any]] = []
    x = points[claims_map.space.names].copy()
    for a in claims_map.space.assumptions:
        if a.choices:
            x[a.name] = pd.Categorical(x[a.name].astype(str), [str(c) for c in a.choices])
        else:
            x[a.name] = x[a.name].astype(float)
    _quiet_ema()
    n_boxes = 0
    names = claims_map.space.names
    for claim in claims_map.claims:
        value = points[f"claim.{claim.key}"].to_numpy(dtype=float)
        finite = np.isfinite(value)
        fails = ~(claim.sign * value[finite] > 0)
        if fails.sum() == 0 or fails.all():
            continue
        # an assumption that changes no point's contrast cannot explain where the claim fails;
        # on a Saltelli sample whose blocks share a seed PRIM would still pick it up
        idle = {n for n, i in zip(names, idle_assumptions(value, len(names)), strict=True) if i}
        cases = x[finite].drop(columns=sorted(idle)).reset_index(drop=True)
        prim = import_prim()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            finder = prim.Prim(cases, fails, peel_alpha=0.1, mass_min=0.05)
            box = finder.find_box()
            keep, stats = _readable_box(box, cases, fails)
        n_boxes += 1
        limits = box.box_lim
        found = False
        for a in claims_map.space.assumptions:
            if a.name not in keep or a.name in idle:
                continue
            if a.choices:
                chosen = limits[a.name].iloc[0]
                chosen = set(chosen) if not isinstance(chosen, str) else {chosen}
                if len(chosen) < len(a.choices):
                    found = True
                    rows.append({"claim": claim.key, "assumption": a.name, "low": np.nan,
                                 "high": np.nan, "categories": "|".join(sorted(chosen)),
                                 **stats})  # fmt: skip
                continue
            low, high = float(limits[a.name].iloc[0]), float(limits[a.name].iloc[1])
            if low > x[a.name].min() + 1e-12 or high < x[a.name].max() - 1e-12:
                found = True
                rows.append({"claim": claim.key, "assumption": a.name, "low": low, "high": high,
                             "categories": "", **stats})  # fmt: skip
        if not found:  # failures spread over the whole space: the box is the space itself
            rows.append({"claim": claim.key, "assumption": "", "low": np.nan, "high": np.nan,
                         "categories": "", **stats})  # fmt: skip
    logger.info("PRIM: %d failure box(es) found for %d claim(s)", n_boxes, len(claims_map.claims))
    return pd.DataFrame(rows, columns=columns)


def idle_assumptions(values: np.ndarray, k: int) -> np.ndarray:
    """Which of ``k`` assumptions change no value of a Saltelli sample, ``bool[k]``.

    ``values`` are in SALib's order without second-order terms: per block ``A``, ``AB_1`` ..
    ``AB_k``, ``B``, where ``AB_i`` is ``A`` with assumption ``i`` taken from ``B`` (and, in a
    claims map, the same seed). Assumption ``i`` is idle when ``AB_i`` equals ``A`` in every
    block (NaN equal to NaN): changing it alone changed nothing anywhere. None is idle when the
    values do not come in whole blocks.
    """
    if k <= 0 or values.shape[0] == 0 or values.shape[0] % (k + 2):
        return np.zeros(max(k, 0), dtype=bool)
    blocks = values.reshape(-1, k + 2)
    a, moved = blocks[:, :1], blocks[:, 1 : k + 1]
    same = (moved == a) | (np.isnan(moved) & np.isnan(a))
    return same.all(axis=0)


#: A failure box is the widest box on PRIM's peeling trajectory whose density (share of
#: failures inside) is at least this (or the densest, if none is); of its restrictions, only
#: those PRIM's quasi-p-value finds significant below ``BOX_SIGNIFICANCE`` are reported.
BOX_DENSITY = 0.8
BOX_SIGNIFICANCE = 0.01


def _readable_box(
    box: Any, x: pd.DataFrame, fails: np.ndarray
) -> tuple[set[str], dict[str, float]]:
    """Select the reported box on ``box``'s peeling trajectory and its significant limits.

    PRIM peels to the densest box, which on a few hundred points restricts many assumptions
    by chance (an assumption with no effect can appear in it). The widest box dense enough
    (:data:`BOX_DENSITY`) is selected instead, and only the restrictions that matter are kept:
    a restriction's quasi-p-value (Bryant & Lempert 2010) is the binomial chance of at least as
    many failures in the box as it holds, at the failure rate of the box without that
    restriction; those below :data:`BOX_SIGNIFICANCE` are kept (at least the smallest).
    Returns the kept assumptions and the box's coverage, density and mass.
    """
    from scipy import stats as st

    trajectory = box.peeling_trajectory
    dense = trajectory[trajectory["density"] >= min(BOX_DENSITY, trajectory["density"].max())]
    i = int(dense["coverage"].idxmax())
    box.select(i)
    row = trajectory.loc[i]
    summary = {name: float(row[name]) for name in ("coverage", "density", "mass")}
    limits = box.box_lim
    inside = {name: _within(x[name], limits[name]) for name in x.columns}
    restricted = [name for name in x.columns if not inside[name].all()]
    if not restricted:
        return set(), summary
    every = np.logical_and.reduce([inside[name] for name in restricted])
    n, k = int(every.sum()), int(fails[every].sum())
    qp = {}
    for name in restricted:
        others = [inside[o] for o in restricted if o != name]
        wider = np.logical_and.reduce(others) if others else np.ones(len(x), dtype=bool)
        rate = float(fails[wider].mean()) if wider.any() else 0.0
        qp[name] = float(st.binom.sf(k - 1, n, rate)) if n > 0 else 1.0
    keep = {name for name, q in qp.items() if q < BOX_SIGNIFICANCE}
    return keep or {min(qp, key=qp.__getitem__)}, summary


def _within(column: pd.Series, limit: pd.Series) -> np.ndarray:
    """Which values of ``column`` lie in a box's limit (a range, or a set of categories)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        allowed = limit.iloc[0]
        allowed = {allowed} if isinstance(allowed, str) else set(allowed)
        return column.astype(str).isin({str(a) for a in allowed}).to_numpy()
    low, high = float(limit.iloc[0]), float(limit.iloc[1])
    values = column.to_numpy(dtype=float)
    return (values >= low) & (values <= high)


def box_words(boxes: pd.DataFrame) -> pd.DataFrame:
    """Each claim's box in words (``fails_where``), e.g. ``tie_decay in [0.005, 0.02]; ...``."""
    rows = []
    for claim, group in boxes.groupby("claim", sort=False):
        parts = []
        for _, r in group.iterrows():
            if not r["assumption"]:
                parts.append("anywhere (no box concentrates the failures)")
            elif r["categories"]:
                parts.append(f"{r['assumption']} in {{{r['categories'].replace('|', ', ')}}}")
            else:
                parts.append(f"{r['assumption']} in [{r['low']:.3g}, {r['high']:.3g}]")
        first = group.iloc[0]
        parts_text = "; ".join(parts)
        rows.append(
            {
                "claim": claim,
                "fails_where": f"{parts_text} (density {first['density']:.2f}, "
                f"coverage {first['coverage']:.2f})",
            }
        )
    return pd.DataFrame(rows, columns=["claim", "fails_where"])


def sobol_table(claims_map: ClaimsMap, points: pd.DataFrame) -> pd.DataFrame:
    """Sobol indices (SALib) of every claim's contrast and every cell's outcome.

    Returns:
        One row per target and assumption: ``target`` (``claim.<key>`` or
        ``<outcome>[<cell>]``), ``assumption``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``, and
        ``interpretable`` (false where an index leaves [0, 1] or S1 exceeds ST beyond their
        95% bootstrap confidence: the sample is too small to read it as a share of variance),
        ``missing`` (points without a value: the indices are NaN then) and ``precise``
        (``ST_conf`` at most :data:`PRECISE_CONF`).
    """
    import warnings

    from SALib.analyze import sobol as sobol_analyze

    from msisim.study.analysis import sobol_interpretable

    problem = claims_map.space.sobol_problem()
    targets = [c for c in points.columns if c.startswith("claim.") or "[" in c]
    frames = []
    for target in targets:
        y = points[target].to_numpy(dtype=float)
        missing = int((~np.isfinite(y)).sum())
        table = pd.DataFrame({"target": target, "assumption": problem["names"]})
        if missing or np.nanstd(y) == 0:
            for column in ("S1", "S1_conf", "ST", "ST_conf"):
                table[column] = 0.0 if not missing else np.nan
        else:
            with warnings.catch_warnings():  # SALib warns of constant subsets: expected here
                warnings.simplefilter("ignore")
                result = sobol_analyze.analyze(
                    problem, y, calc_second_order=False, seed=claims_map.spec.seed,
                    print_to_console=False,
                )  # fmt: skip
            for column in ("S1", "S1_conf", "ST", "ST_conf"):
                table[column] = np.asarray(result[column], dtype=float)
        table["missing"] = missing
        frames.append(table)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not out.empty:
        out["interpretable"] = sobol_interpretable(out) & (out["missing"] == 0)
        out["precise"] = out["ST_conf"] <= PRECISE_CONF
    return out
