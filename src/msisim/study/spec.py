"""Experiment specifications: designs x sampled factors x replicates, as keyed run tasks.

An :class:`ExperimentSpec` is built from a plain mapping (what the Hydra config of a study
resolves to, or a dict in a notebook). :meth:`ExperimentSpec.tasks` expands it into
:class:`Task` objects, each keyed by a *run id* derived from the run's parameters and
replicate number, with a seed derived from the run's *context* (everything but the design
levers) and replicate. So:

* adding a factor level or a design leaves every other run's id, seed and result unchanged;
* designs are compared on common random numbers: the same context and replicate get the
  same seed whatever the design.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import itertools
import json
import logging
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from msisim.kinds import MODEL_KINDS, model_kind
from msisim.params import PARAMETER_GROUPS, Params
from msisim.study.checks import check_map_conflicts, check_run_params

logger = logging.getLogger(__name__)

#: Largest root seed (``numpy.random.SeedSequence`` takes any non-negative integer; JSON and
#: parquet keep 63 bits exactly).
MAX_SEED = 2**63 - 1

#: A study's whole-number settings and their bounds (checked by :class:`ExperimentSpec`; a
#: study file's value is checked against them before Hydra converts it, :mod:`msisim.conf`).
WHOLE_NUMBER_BOUNDS: dict[str, tuple[int, int]] = {
    "n_samples": (1, 10**6),
    "replicates": (1, 10**6),
    "steps": (1, 10_000_000),
    "batch_size": (1, 10**6),
    "seed": (0, MAX_SEED),
}

#: Tasks a sweep builds at a time (:meth:`ExperimentSpec.task_chunks`): a study of more runs
#: is built, planned and batched a chunk of whole replicates at a time, so memory and the
#: wait before the first run stay bounded however many runs it has.
CHUNK_TASKS = 10_000

#: The root seed of a study that does not set its own (and of ``msisim run``).
DEFAULT_SEED = 20261125

#: Whether a study being built is checked against the caps of :mod:`msisim.study.bounds`
#: (off while a study is read back from a manifest: ``from_dict(..., bounded=False)``).
_BOUNDED: contextvars.ContextVar[bool] = contextvars.ContextVar("msisim_bounded", default=True)

#: Parameters that size a run, named when a run is too large (any kind of model).
_SIZE_KEYS = ("n_stakeholders", "n_dims", "n_lobbyists", "n_seats", "n_proposals")

Sampler = Literal["grid", "lhs", "sobol"]
SAMPLERS = ("grid", "lhs", "sobol")


#: Every parameter of every model kind (a study's model kind then refuses another kind's).
ALL_PARAMETERS: tuple[str, ...] = tuple(
    dict.fromkeys(f.name for cls in PARAMETER_GROUPS.values() for f in dataclasses.fields(cls))
)


@dataclass(frozen=True)
class Factor:
    """One varied parameter.

    Attributes:
        name: A flat model parameter (see :mod:`msisim.params`).
        levels: Values for a grid sampler.
        low: Lower bound for Latin hypercube / Sobol samplers.
        high: Upper bound for Latin hypercube / Sobol samplers.
        integer: Round sampled values to whole numbers.
        designs: The designs the factor applies to (empty: every design). A design left
            out runs once per level of the other factors, at its own or the base value
            (e.g. term length varies for seated bodies, not for an open forum).

    With the ``lhs`` and ``sobol`` samplers a factor given by ``levels`` (a choice such as
    the lobby's strategy) is crossed with the sampled points of the ranged factors: every
    sampled point runs at every level.
    """

    name: str
    levels: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False
    designs: tuple[str, ...] = ()

    @classmethod
    def from_any(cls, name: str, value: Any) -> Factor:
        """Build from a list of levels or a mapping ``{levels: [...]}`` / ``{low, high}``."""
        if name not in ALL_PARAMETERS:
            import difflib

            close = difflib.get_close_matches(name, ALL_PARAMETERS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"factor {name!r} is not a model parameter{hint}")
        if isinstance(value, Mapping):
            unknown = set(value) - {"levels", "low", "high", "integer", "designs"}
            if unknown:
                raise ValueError(
                    f"factor {name}: unknown keys {sorted(unknown)}; "
                    "use levels: [...] or low/high (and integer, designs)"
                )
            designs = value.get("designs") or ()
            if isinstance(designs, str) or not all(isinstance(d, str) for d in designs):
                raise ValueError(
                    f"factor {name}: designs={designs!r} must be a list of design names"
                )
            levels = tuple(_plain(v) for v in value.get("levels", ()))
            low, high = value.get("low"), value.get("high")
            if not levels and (low is None or high is None):
                raise ValueError(f"factor {name}: give levels: [...] or both low and high")
            for key, bound in (("low", low), ("high", high)):
                if bound is not None and (
                    isinstance(bound, bool) or not isinstance(bound, numbers.Real)
                ):
                    raise ValueError(
                        f"factor {name}: {key}={bound!r} is invalid: must be a number "
                        f"(e.g. {name}: {{low: 0.1, high: 0.3}})"
                    )
            if low is not None and high is not None and not float(low) < float(high):
                raise ValueError(f"factor {name}: low={low} must be below high={high}")
            integer = value.get("integer", False)
            if not isinstance(integer, bool):
                raise ValueError(f"factor {name}: integer={integer!r} must be true or false")
            if (
                integer
                and low is not None
                and high is not None
                and math.ceil(float(low)) > math.floor(float(high))
            ):
                raise ValueError(
                    f"factor {name}: integer range [{low}, {high}] holds no whole number"
                )
            return cls(
                name,
                levels,
                None if low is None else float(low),
                None if high is None else float(high),
                bool(value.get("integer", False)),
                tuple(designs),
            )
        if isinstance(value, Sequence) and not isinstance(value, str):
            if len(value) == 0:
                raise ValueError(f"factor {name}: needs at least one level")
            return cls(name, tuple(_plain(v) for v in value))
        raise ValueError(f"factor {name}={value!r} is invalid: give a list of levels or low/high")


@dataclass(frozen=True)
class Task:
    """One model run.

    Attributes:
        run_id: Stable key of the run: a hash of its parameters, steps, root seed and
            replicate number.
        seed: The run's seed, derived from its context (not its design) and replicate.
        design: Label of the design (``""`` when the study has none).
        sample: Index of the factor sample point.
        replicate: Replicate number.
        params: Flat model parameters.
        steps: Steps to run.
        collect_series: Whether to return the per-step metrics.
        model: The kind of model the run builds (:data:`msisim.kinds.MODEL_KINDS`).
        outcomes: The outcome keys the run's row needs (a forum then computes only those:
            ``GovernanceModel(outcomes=...)``; its row has no scorecard columns unless one of
            them reads the scorecard), or None for every outcome. Not part of the run id:
            studies record every outcome; the claims map asks for its claims' outcomes.
    """

    run_id: str
    seed: int
    design: str
    sample: int
    replicate: int
    params: dict[str, Any]
    steps: int
    collect_series: bool = False
    model: str = "forum"
    outcomes: tuple[str, ...] | None = None


#: Outcomes a study's report focuses on when it names none (a forum's; another model kind's
#: study gets its kind's headline outcomes instead).
DEFAULT_OUTCOMES: tuple[str, ...] = ("lobby_bias", "rose", "congruence")


@dataclass(frozen=True)
class ExperimentSpec:
    """A study: designs x factor samples x replicates.

    Attributes:
        name: Study name.
        title: One-line title for reports.
        question: The question the study answers.
        hypothesis: What we expect and why.
        report: Name of the study's report builder (a module of :mod:`msisim.viz.report`);
            empty: the generic report.
        model: The kind of model every run builds: ``forum`` (:class:`msisim.GovernanceModel`)
            or ``parliament`` (:class:`msisim.Parliament`); see :mod:`msisim.kinds`. Its
            parameters are the only ones the study may set.
        base: Flat parameters shared by every run.
        stakeholder_map: A stakeholder map (a shipped map's name or a ``.csv``/``.yaml``
            path) whose groups are every run's population (docs/ODD.md §6); ``base`` may
            still set ``n_stakeholders`` (the map's sizes then scale to it).
        map_population: The population the map resolved to (``groups``, ``n_dims`` and, for
            head counts, ``n_stakeholders``): filled when the spec is built, and stored in
            the manifest so that reports and resumed runs never reread the file.
        designs: Named sets of design levers (flat parameters), compared on common random
            numbers. Empty: one unnamed design.
        factors: Varied parameters.
        design_factors: Factors excluded from the seed, like designs: design levers, and
            assumptions (the lobby's strategy, what the selector sees) compared on common
            random numbers. Where such a factor has no effect (a strategy without a lobby, a
            selector's information without a selector) its runs are the same run, so no note
            is raised about it.
        sampler: ``grid`` (full product of levels), ``lhs`` (Latin hypercube of
            ``n_samples`` points) or ``sobol`` (Saltelli/Sobol sample of ``n_samples`` base
            points, for Sobol indices).
        n_samples: Sample size for ``lhs`` and ``sobol``.
        replicates: Runs per design and sample point.
        steps: Steps per run.
        seed: Root seed of the study.
        collect_series: Store per-step metrics (``series.parquet``).
        batch_size: Runs per task sent to a worker.
        outcomes: Outcomes the report focuses on (default: the model kind's headline ones).
        capture_threshold: Capture (the run's lobby bias minus its no-lobby twin's, so the
            structural tilt is not counted) above which a run counts as captured, for
            scenario discovery.
        contexts: Sample points given explicitly, each a mapping of flat parameters that
            override ``base`` (e.g. a perturbed copy of the map's ``groups`` and a lobby
            budget, drawn by :func:`msisim.study.forum.sample_contexts`). With contexts the
            sampler is ``grid`` and every factor is given by levels, crossed with the
            contexts. Context parameters count as context: designs share their seeds.
        inputs: What a generated study was built from, for its report (``msisim
            compare``'s map rows, lobby group and sampling ranges); no run reads it, and it
            is not part of the fingerprint.
    """

    name: str
    title: str = ""
    question: str = ""
    hypothesis: str = ""
    report: str = ""
    model: str = "forum"
    base: dict[str, Any] = field(default_factory=dict)
    stakeholder_map: str = ""
    map_population: dict[str, Any] = field(default_factory=dict)
    designs: dict[str, dict[str, Any]] = field(default_factory=dict)
    factors: tuple[Factor, ...] = ()
    design_factors: tuple[str, ...] = ()
    sampler: Sampler = "grid"
    n_samples: int = 16
    replicates: int = 10
    steps: int = 200
    seed: int = DEFAULT_SEED
    collect_series: bool = False
    batch_size: int = 4
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES
    capture_threshold: float = 0.25
    contexts: tuple[dict[str, Any], ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.replace("_", "").isalnum():
            raise ValueError(f"name={self.name!r} is invalid: letters, digits and _ only")
        kind = model_kind(self.model)  # else the registry's one-line error with valid kinds
        if self.sampler not in SAMPLERS:
            raise ValueError(f"sampler={self.sampler!r} is invalid: must be one of {SAMPLERS}")
        for key, (lo, hi) in WHOLE_NUMBER_BOUNDS.items():
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ValueError(
                    f"{key}={value!r} is invalid: must be a whole number in [{lo}, {hi}]"
                )
        threshold = self.capture_threshold
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
            or not math.isfinite(threshold)
        ):
            raise ValueError(f"capture_threshold={threshold!r} is invalid: must be a finite number")
        unknown = [o for o in self.outcomes if not is_outcome(o)]
        if unknown:
            import difflib

            valid = _outcome_names()  # (read now: a plugin may have added outcomes)
            close = difflib.get_close_matches(str(unknown[0]), valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"outcomes: {unknown[0]!r} is not an outcome{hint}; valid: {', '.join(valid)}"
            )
        if self.outcomes == DEFAULT_OUTCOMES and not set(self.outcomes) <= set(kind.outcomes):
            object.__setattr__(self, "outcomes", kind.headline)  # the default is a forum's
        others = {o for k in MODEL_KINDS.values() if k is not kind for o in k.outcomes}
        other = [o for o in self.outcomes if o in others - set(kind.outcomes)]
        if other:
            raise ValueError(
                f"outcomes: {other[0]!r} is not an outcome of model kind {kind.name!r}; its "
                f"outcomes: {', '.join(kind.outcomes)}"
            )
        names = [f.name for f in self.factors]
        for f in self.factors:
            if self.sampler == "grid" and not f.levels:
                raise ValueError(f"factor {f.name}: the grid sampler needs levels: [...]")
            if self.sampler != "grid" and not f.levels and (f.low is None or f.high is None):
                raise ValueError(
                    f"factor {f.name}: the {self.sampler} sampler needs low and high (or levels, "
                    "crossed with the sampled points)"
                )
            for d in f.designs:
                if d not in self.designs:
                    raise ValueError(
                        f"factor {f.name}: designs names {d!r}, which is not a design; "
                        f"valid: {', '.join(self.designs)}"
                    )
        if self.sampler != "grid" and self.factors and not self._ranged():
            raise ValueError(
                f"the {self.sampler} sampler needs low and high for at least one factor "
                "(factors given by levels are crossed with the sampled points)"
            )
        if self.sampler == "sobol" and len(self._ranged()) < 2:
            raise ValueError("the sobol sampler needs at least two factors with low and high")
        self._check_contexts()
        for d in self.design_factors:
            if d not in names:
                raise ValueError(f"design_factors names {d!r}, which is not a factor")
        for label, design in self.designs.items():
            if not str(label).replace("_", "").replace("+", "").isalnum():
                raise ValueError(f"design label {label!r} is invalid: letters, digits, _ and +")
            _check_params(design, f"design {label}")
        _check_params(self.base, "base")
        self._resolve_stakeholder_map()
        for where, keys in [("base", self.base), ("factors", names)] + [
            (f"design {k}", v) for k, v in self.designs.items()
        ]:
            if "n_steps" in keys:
                raise ValueError(f"{where}: set the run length with steps, not n_steps")
        for f in self.factors:
            if len(set(map(json.dumps, f.levels))) != len(f.levels):
                raise ValueError(f"factor {f.name}: levels repeat ({list(f.levels)})")
        if _BOUNDED.get():  # by arithmetic: before a list of sample points is built
            self._check_run_count()
        # validate every combination's parameters once, before anything runs
        notes: dict[str, None] = {}
        checked: set[str] = set()
        recorded: set[str] | None = set()  # family columns the runs record (forum kinds)
        # a design factor's level: the runs holding it, and the notes where it had no effect
        level_runs: dict[tuple[str, str], int] = {}
        level_idle: dict[tuple[str, str], dict[str, None]] = {}
        level_idle_runs: dict[tuple[str, str], int] = {}
        base_idle: dict[str, int] = {}  # a base value's note: the runs it was found in
        for task in self._first_tasks():
            text = json.dumps([task.design, task.params], sort_keys=True)
            if text in checked:
                continue
            checked.add(text)
            try:
                params = kind.params(_to_model(task.params), n_steps=self.steps)
                found = check_run_params(params) if isinstance(params, Params) else []
                if isinstance(params, Params) and recorded is not None:
                    recorded |= family_columns(params)
                else:
                    recorded = None  # another model kind: its columns are its own
            except ValueError as err:
                where = ", ".join(f"{k}={v}" for k, v in task.params.items() if k in self._varied())
                label = f"design {task.design}: " if task.design else ""
                if str(err).split("=", 1)[0] in set(self.base) - self._varied():
                    raise ValueError(f"base.{err}") from None  # named as the study's key
                raise ValueError(f"{label}{where}: {err}" if where else f"{label}{err}") from None
            levels = {
                name: (name, json.dumps(task.params.get(name), sort_keys=True))
                for name in self.design_factors
            }
            for level in levels.values():
                level_runs[level] = level_runs.get(level, 0) + 1
            idle: set[tuple[str, str]] = set()
            for note in found:
                if _note_parameter(note) in self.design_factors:
                    # an assumption or lever compared on common random numbers: where it has
                    # no effect (no lobby, no selector) its runs are simply the same run; a
                    # level without effect in every run is reported below
                    level = levels[_note_parameter(note)]
                    level_idle.setdefault(level, {})[note] = None
                    idle.add(level)
                    continue
                if self.designs and _note_parameter(note) not in self._own(task.design):
                    # a base value shared by designs that some design ignores: expected;
                    # one that every run ignores is reported below
                    base_idle[note] = base_idle.get(note, 0) + 1
                    continue
                name = _note_parameter(note)
                if name in task.params and name in {f.name for f in self.factors}:
                    note = f"factor {name}={task.params[name]}: {note}"  # the level named
                notes[f"design {task.design}: {note}" if task.design else note] = None
            for level in idle:
                level_idle_runs[level] = level_idle_runs.get(level, 0) + 1
        self._check_shadowed_base(kind)
        for note, count in base_idle.items():
            if count == len(checked):  # every design ignores it, in every run
                notes[f"base: {note}"] = None
        for level, found_notes in level_idle.items():
            if level_idle_runs[level] == level_runs[level]:  # no run where the level acts
                for note in found_notes:
                    notes[f"factor {level[0]}={json.loads(level[1])}: {note}"] = None
        object.__setattr__(self, "_notes", tuple(notes))
        if recorded is not None:
            self._check_family_outcomes(recorded)
        if _BOUNDED.get():
            self._check_work()

    # ------------------------------------------------------------------ bounds

    def _points_per_design(self) -> dict[str, int]:
        """Sample points each design runs, by arithmetic (no list of points is built).

        Exact for the grid sampler (levels never repeat); for the others, and for explicit
        contexts (which may repeat), an upper bound.
        """
        if self.sampler == "grid" or self.contexts:
            unit = max(1, len(self.contexts))
        else:
            n = self.n_samples
            if self.sampler == "sobol":  # Saltelli: N (D + 2) points, N a power of 2
                n = 2 ** max(0, math.ceil(math.log2(n))) * (len(self._ranged()) + 2)
            unit = n if self.factors else 1
        ranged = self._ranged() if self.sampler != "grid" and not self.contexts else []
        out = {}
        for label, _design in self._design_items():
            crossed = [f for f in self.factors if f not in ranged]
            applies = [f for f in crossed if not f.designs or label in f.designs]
            out[label] = unit * math.prod(len(f.levels) for f in applies)
        return out

    def _check_run_count(self) -> None:
        """Refuse a study with more runs than ``MSISIM_MAX_RUNS`` (one line, before work)."""
        from msisim.study.bounds import max_runs

        points = self._points_per_design()
        n_runs = sum(points.values()) * self.replicates
        cap = max_runs()
        if n_runs <= cap:
            return
        levels = [f"{f.name}: {len(f.levels):,}" for f in self.factors if len(f.levels) > 1]
        where = f"factor levels {', '.join(levels)}; " if levels else ""
        if self.sampler != "grid" and self.factors and not self.contexts:
            where += f"{self.sampler} n_samples={self.n_samples:,}; "
        if self.contexts:
            where += f"{len(self.contexts):,} contexts; "
        raise ValueError(
            f"the study has {n_runs:,} runs ({len(points)} design(s) x up to "
            f"{max(points.values()):,} sample point(s) x replicates={self.replicates:,}; "
            f"{where}at most {cap:,} allowed): reduce them, or set MSISIM_MAX_RUNS={n_runs} "
            "to allow it"
        )

    def _check_work(self) -> None:
        """Refuse a run table or a run too large for memory, or too many core-hours.

        The caps are ``MSISIM_MAX_MEMORY`` and ``MSISIM_MAX_CORE_HOURS``; one line each.
        """
        from msisim.study.bounds import (
            RUN_BYTES,
            env_size,
            human_bytes,
            max_core_hours,
            max_memory,
        )

        kind = model_kind(self.model)
        cells = self._cells()
        n_runs = len(cells) * self.replicates
        memory = max_memory()
        if n_runs * RUN_BYTES > memory:
            raise ValueError(
                f"the study's run table of {n_runs:,} runs needs about "
                f"{human_bytes(n_runs * RUN_BYTES)} of memory, more than the "
                f"{human_bytes(memory)} allowed: reduce replicates or factor levels, or set "
                f"MSISIM_MAX_MEMORY={env_size(n_runs * RUN_BYTES)} to allow it"
            )
        largest, largest_bytes, seconds = None, 0, 0.0
        for _s, label, design, point in cells:
            params = {**self.map_population, **self.base, **design, **point}
            size = kind.memory_bytes(params)
            if size > largest_bytes:
                largest, largest_bytes = (label, params), size
            seconds += kind.seconds_per_step(params) * self.steps * self.replicates
        if largest is not None and largest_bytes > memory:
            label, params = largest
            sizes = ", ".join(f"{k}={v:,}" for k, v in params.items() if k in _SIZE_KEYS)
            raise ValueError(
                f"{f'design {label}: ' if label else ''}one run with {sizes} needs about "
                f"{human_bytes(largest_bytes)} of memory, more than the {human_bytes(memory)} "
                f"allowed: make it smaller, or set MSISIM_MAX_MEMORY={env_size(largest_bytes)} "
                "to allow it"
            )
        hours, cap = seconds / 3600, max_core_hours()
        if hours > cap:
            sizes = ", ".join(
                f"{k}={v:,}" for k, v in (largest[1] if largest else {}).items() if k in _SIZE_KEYS
            )
            raise ValueError(
                f"the study's {n_runs:,} runs of steps={self.steps:,}"
                f"{f' (largest: {sizes})' if sizes else ''} need about {hours:,.0f} core-hours, "
                f"more than the {cap:,g} allowed: reduce them, or set "
                f"MSISIM_MAX_CORE_HOURS={math.ceil(hours)} to allow it"
            )

    def n_runs(self) -> int:
        """The number of runs (designs x sample points x replicates), without building them."""
        return len(self._cells()) * self.replicates

    def _check_shadowed_base(self, kind: Any) -> None:
        """Validate the ``base`` values that every design, a factor or every context replaces.

        They never reach a run, so the check of the runs' parameters never sees them; each is
        put in place of the value it shadows in the first run and checked there.

        Raises:
            ValueError: One line naming ``base.KEY``, its value and what is wrong.
        """
        factors = {f.name for f in self.factors}
        tasks = self._first_tasks()
        if not tasks:
            return
        for key, value in self.base.items():
            by = "a factor" if key in factors else ""
            if not by and self.designs and all(key in d for d in self.designs.values()):
                by = "every design"
            if not by and self.contexts and all(key in c for c in self.contexts):
                by = "every context"
            if not by:
                continue
            try:
                kind.params(_to_model({**tasks[0].params, key: value}), n_steps=self.steps)
            except (ValueError, TypeError) as err:
                raise ValueError(
                    f"base.{key}={value!r}: {err} ({by} replaces it, but a base value must be "
                    "valid too; fix it or remove it)"
                ) from None

    def _check_family_outcomes(self, recorded: set[str]) -> None:
        """Refuse a family outcome no run records (``policy_9``, ``score.a.b``), before runs."""
        import difflib

        names = set(_outcome_names())
        for name in self.outcomes:
            if name in names or name in recorded:
                continue
            prefix = name.split(".")[0] + "." if "." in name else name.split("_")[0] + "_"
            family = sorted(c for c in recorded if c.startswith(prefix))
            close = difflib.get_close_matches(name, family, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if prefix == "score.":
                from msisim.scorecard import ARENAS, PRINCIPLES

                shown = (
                    f"score.ARENA.PRINCIPLE, ARENA one of {', '.join(ARENAS)}, PRINCIPLE one "
                    f"of {', '.join(PRINCIPLES)}"
                )
            else:
                shown = ", ".join(family)
            raise ValueError(
                f"outcomes: {name!r} is not recorded by this study's runs{hint}; "
                f"its {prefix}* outcomes: {shown}"
            )

    def _check_contexts(self) -> None:
        """Refuse explicit contexts that a sampler, a factor or a design would contradict."""
        if not self.contexts:
            return
        if self.sampler != "grid":
            raise ValueError(
                f"contexts are given explicitly: the sampler must be grid, not {self.sampler!r}"
            )
        levers = set().union(*(set(d) for d in self.designs.values())) if self.designs else set()
        for i, context in enumerate(self.contexts):
            if not isinstance(context, Mapping):
                raise ValueError(f"context {i}: expected a mapping of parameters")
            _check_params(context, f"context {i}")
            clash = sorted(set(context) & ({f.name for f in self.factors} | levers))
            if clash:
                raise ValueError(
                    f"context {i}: {clash[0]} is also set by a factor or a design; a context "
                    "sets only what the designs and factors leave"
                )
            if "categories" in context:
                raise ValueError(
                    f"context {i}: categories are derived from groups; give groups instead"
                )

    def _resolve_stakeholder_map(self) -> None:
        """Check ``stakeholder_map`` and fill ``map_population`` once (a manifest carries it)."""
        if not isinstance(self.stakeholder_map, str):
            raise ValueError(
                f"stakeholder_map={self.stakeholder_map!r} is invalid: give a map's name or a "
                ".csv/.yaml path"
            )
        if not self.stakeholder_map:
            if self.map_population:
                raise ValueError("map_population is set without a stakeholder_map")
            return
        check_map_conflicts(
            {
                "base": self.base,
                "factors": [f.name for f in self.factors],
                **{f"design {k}": v for k, v in self.designs.items()},
            }
        )
        if not self.map_population:
            population = map_population(self.stakeholder_map, self.base)
            object.__setattr__(self, "map_population", population)

    def notes(self) -> tuple[str, ...]:
        """Warnings about parameters without effect under some design of the study."""
        return tuple(getattr(self, "_notes", ()))

    def _own(self, label: str) -> set[str]:
        """Parameters a design sets itself (its levers and the factors)."""
        return set(self.designs.get(label, {})) | {f.name for f in self.factors}

    def _varied(self) -> set[str]:
        names = {f.name for f in self.factors}.union(*(set(d) for d in self.designs.values()))
        # a context's scalars (its lobby budget), not a table such as its groups
        return names.union(
            *({k for k, v in c.items() if not isinstance(v, (list, tuple, Mapping))}
              for c in self.contexts)
        )  # fmt: skip

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        config_dirs: Sequence[Any] = (),
        base_dirs: Sequence[Any] = (),
        bounded: bool = True,
    ) -> ExperimentSpec:
        """Build from a plain mapping (resolved YAML); unknown keys are refused.

        ``config_dirs`` (whose ``maps/`` hold named maps) and ``base_dirs`` (tried for a
        relative map path before the current folder) locate ``stakeholder_map``; see
        :func:`msisim.stakeholder_map.resolve_map_path`. ``bounded=False`` skips the caps
        on runs, memory and core-hours (:mod:`msisim.study.bounds`): for a study read back
        from a manifest, which passed them (or a raised cap) when it ran.
        """
        if not bounded:
            token = _BOUNDED.set(False)
            try:
                return cls.from_dict(data, config_dirs=config_dirs, base_dirs=base_dirs)
            finally:
                _BOUNDED.reset(token)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            from msisim.registry import did_you_mean

            first = sorted(unknown)[0]
            raise ValueError(
                f"unknown experiment keys {sorted(unknown)}{did_you_mean(first, names)}; "
                f"valid keys: {', '.join(sorted(names))}"
            )
        values = dict(data)
        values["factors"] = tuple(
            Factor.from_any(k, v) for k, v in dict(values.get("factors") or {}).items()
        )
        values["designs"] = {str(k): dict(v) for k, v in dict(values.get("designs") or {}).items()}
        values["base"] = dict(values.get("base") or {})
        for key in ("design_factors", "outcomes"):
            if key in values:
                values[key] = tuple(values[key])
        if "contexts" in values:
            values["contexts"] = tuple(dict(c) for c in values["contexts"] or ())
        if "inputs" in values:
            values["inputs"] = dict(values["inputs"] or {})
        reference = values.get("stakeholder_map")
        if reference and isinstance(reference, str) and not values.get("map_population"):
            # resolved here, where the config's folders are known (__post_init__ knows only cwd)
            values["map_population"] = map_population(
                reference, values["base"], config_dirs, base_dirs
            )
        if "map_population" in values:
            values["map_population"] = dict(values["map_population"] or {})
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable form (the manifest stores it)."""
        out = dataclasses.asdict(self)
        out["factors"] = {
            f.name: (
                {"levels": list(f.levels)}
                if f.levels
                else {"low": f.low, "high": f.high, "integer": f.integer}
            )
            | ({"designs": list(f.designs)} if f.designs else {})
            for f in self.factors
        }
        return json.loads(json.dumps(out, default=_plain))

    def fingerprint(self) -> str:
        """Hash of everything that determines the runs (not title or prose)."""
        prose = ("title", "question", "hypothesis", "report", "batch_size", "outcomes", "inputs")
        keep = {k: v for k, v in self.to_dict().items() if k not in prose}
        # the map's contents are in map_population; a study without a map keeps its old hash
        del keep["stakeholder_map"]
        if not keep["map_population"]:
            del keep["map_population"]
        if not keep["contexts"]:  # a study without explicit contexts keeps its old hash
            del keep["contexts"]
        if keep["model"] == "forum":  # a forum study keeps the hash it had before model kinds
            del keep["model"]
        return _digest(keep)[:16]

    # ------------------------------------------------------------------ samples and tasks

    def samples(self) -> list[dict[str, Any]]:
        """The factor sample points, in order (a list of ``{factor: value}``)."""
        if self.contexts:  # given explicitly: crossed with the factors' levels
            combos = itertools.product(*(f.levels for f in self.factors))
            names = [f.name for f in self.factors]
            return [
                {**dict(c), **dict(zip(names, combo, strict=True))}
                for combo in combos
                for c in self.contexts
            ]
        if not self.factors:
            return [{}]
        if self.sampler == "grid":
            names = [f.name for f in self.factors]
            return [
                dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(f.levels for f in self.factors))
            ]
        ranged, chosen = self._ranged(), [f for f in self.factors if f not in self._ranged()]
        unit = self._unit_sample()
        points = []
        for combo, row in itertools.product(itertools.product(*(f.levels for f in chosen)), unit):
            point: dict[str, Any] = dict(zip([f.name for f in chosen], combo, strict=True))
            for f, u in zip(ranged, row, strict=True):
                lo, hi = float(f.low), float(f.high)  # type: ignore[arg-type]
                if f.integer:  # each whole number in [lo, hi] equally likely
                    lo_i, hi_i = math.ceil(lo), math.floor(hi)
                    point[f.name] = min(hi_i, lo_i + int(u * (hi_i - lo_i + 1)))
                else:
                    point[f.name] = float(lo + u * (hi - lo))
            points.append({f.name: point[f.name] for f in self.factors})
        return points

    def _ranged(self) -> list[Factor]:
        """Factors sampled from a range (the others, given by levels, are crossed)."""
        if self.sampler == "grid":
            return list(self.factors)
        return [f for f in self.factors if not f.levels]

    def n_points(self) -> int:
        """Sample points per combination of the crossed (levels) factors."""
        if self.contexts:
            return len(self.contexts)
        crossed = [f for f in self.factors if f not in self._ranged()]
        return len(self.samples()) // max(1, math.prod(len(f.levels) for f in crossed))

    def sobol_problem(self) -> dict[str, Any]:
        """The SALib problem definition of the ranged factors."""
        ranged = self._ranged()
        return {
            "num_vars": len(ranged),
            "names": [f.name for f in ranged],
            "bounds": [[f.low, f.high] for f in ranged],
        }

    def _unit_sample(self) -> np.ndarray:
        ranged = self._ranged()
        k = len(ranged)
        if self.sampler == "lhs":
            from scipy.stats import qmc

            return qmc.LatinHypercube(d=k, rng=np.random.default_rng(self.seed)).random(
                self.n_samples
            )
        from SALib.sample import sobol as sobol_sample

        problem = {"num_vars": k, "names": [f.name for f in ranged], "bounds": [[0, 1]] * k}
        n = 2 ** max(0, math.ceil(math.log2(self.n_samples)))  # Sobol' needs a power of 2
        return sobol_sample.sample(problem, n, calc_second_order=False, seed=self.seed)

    def _lever_keys(self) -> set[str]:
        """Parameters excluded from the seed: every design's levers and the design factors.

        With the ``sobol`` sampler the factors are excluded too, so all sample points of a
        replicate share one seed (common random numbers across the sample): the indices
        then measure the factors' effects, not seed noise.
        """
        keys = set(self.design_factors).union(*(set(d) for d in self.designs.values()))
        if self.sampler == "sobol":
            keys |= {f.name for f in self.factors}
        return keys

    def _design_items(self) -> list[tuple[str, dict[str, Any]]]:
        return list(self.designs.items()) if self.designs else [("", {})]

    def tasks(self) -> list[Task]:
        """Every run of the study, keyed by run id (designs x samples x replicates).

        Built anew at each call: a caller that needs only the count asks :meth:`n_runs`, one
        that runs them all takes them a chunk at a time (:meth:`task_chunks`), one that needs
        their ids asks :meth:`run_ids`. The replicates of one design and sample point share
        one ``params`` mapping (read it, never change it).
        """
        return [task for cell in self._cells() for task in self._cell_tasks(*cell)]

    def task_chunks(self, max_tasks: int = CHUNK_TASKS) -> Iterator[list[Task]]:
        """Every task of :meth:`tasks`, built a chunk of at most ``max_tasks`` at a time.

        A study of at most ``max_tasks`` runs is one chunk, :meth:`tasks` itself. A larger one
        comes replicate by replicate: each chunk holds whole replicates of every design and
        sample point (as many as fit), in the order of :meth:`tasks` within the chunk, so the
        task of design and sample point number ``c`` (of :meth:`n_runs` ``/ replicates``) and
        replicate ``r`` is at place ``c * replicates + r`` of :meth:`tasks`. Runs sharing a
        no-lobby twin share their seed, which depends on the replicate: no twin group spans
        two chunks, unless one replicate has more than ``max_tasks`` points, which are then
        cut into slices (a group cut in two runs its twin once per slice; results are equal).

        Raises:
            ValueError: ``max_tasks`` is not a whole number >= 1.
        """
        if isinstance(max_tasks, bool) or not isinstance(max_tasks, int) or max_tasks < 1:
            raise ValueError(f"max_tasks={max_tasks!r} is invalid: must be a whole number >= 1")
        cells = self._cells()
        if len(cells) * self.replicates <= max_tasks:
            if cells and self.replicates:
                yield self.tasks()
            return
        per_chunk = max(1, max_tasks // len(cells))  # whole replicates of every point
        width = min(len(cells), max_tasks)  # points per slice of a replicate
        for first in range(0, self.replicates, per_chunk):
            replicates = range(first, min(self.replicates, first + per_chunk))
            for start in range(0, len(cells), width):
                yield [
                    task
                    for cell in cells[start : start + width]
                    for task in self._cell_tasks(*cell, replicates)
                ]

    def run_ids(self) -> Iterator[str]:
        """The run ids of :meth:`tasks`, in its order, one at a time (no task is built)."""
        for _sample, label, design, point in self._cells():
            _params, id_head, _seed_head, tail = self._identity_text(label, design, point)
            for r in range(self.replicates):
                yield hashlib.sha256(f"{id_head}{r}{tail}".encode()).hexdigest()[:16]

    def _cells(self) -> list[tuple[int, str, dict[str, Any], dict[str, Any]]]:
        """(sample index, design label, design, point) of every design and sample point.

        A factor restricted to some designs is dropped from the point of the others, which
        then run once per distinct remaining point (at its first sample index). Computed
        once per spec (the spec is frozen).
        """
        cached = self.__dict__.get("_cells_cache")
        if cached is not None:
            return cached
        out, seen = [], set()
        restricted = {f.name: f.designs for f in self.factors if f.designs}
        for s, point in enumerate(self.samples()):
            for label, design in self._design_items():
                own = {
                    k: v for k, v in point.items() if k not in restricted or label in restricted[k]
                }
                key = json.dumps([label, _plain(own)], sort_keys=True)
                if key in seen:
                    continue
                seen.add(key)
                out.append((s, label, design, own))
        object.__setattr__(self, "_cells_cache", out)
        return out

    def _first_tasks(self) -> list[Task]:
        return [self._task(label, design, s, point, 0) for s, label, design, point in self._cells()]

    def _task(
        self, label: str, design: dict[str, Any], sample: int, point: dict[str, Any], r: int
    ) -> Task:
        return next(self._cell_tasks(sample, label, design, point, range(r, r + 1)))

    def _identity_text(
        self, label: str, design: dict[str, Any], point: dict[str, Any]
    ) -> tuple[dict[str, Any], str, str, str]:
        """A point's parameters and the JSON text around ``r`` of its run id and seed key."""
        params = {**self.map_population, **self.base, **design, **point}
        lever_keys = self._lever_keys()
        context = {k: v for k, v in params.items() if k not in lever_keys}
        tail = f',"seed":{_json(self.seed)},"steps":{_json(self.steps)}}}'
        id_head = f'{{"design":{_json(label)},"params":{_json(params)},"r":'
        seed_head = f'{{"context":{_json(context)},"r":'
        return params, id_head, seed_head, tail

    def _cell_tasks(
        self,
        sample: int,
        label: str,
        design: dict[str, Any],
        point: dict[str, Any],
        replicates: range | None = None,
    ) -> Iterator[Task]:
        """The tasks of one design and sample point, one per replicate.

        The run id hashes ``{"design", "params", "r", "seed", "steps"}`` and the seed key
        ``{"context", "r", "seed", "steps"}`` as :func:`_digest` would (sorted keys, no
        spaces); the text around ``r`` is encoded once per point, not once per replicate.
        """
        params, id_head, seed_head, tail = self._identity_text(label, design, point)
        for r in range(self.replicates) if replicates is None else replicates:
            run_id = hashlib.sha256(f"{id_head}{r}{tail}".encode()).hexdigest()[:16]
            seed_key = hashlib.sha256(f"{seed_head}{r}{tail}".encode()).hexdigest()
            seed = int(
                np.random.SeedSequence(int(seed_key, 16)).generate_state(1, dtype=np.uint64)[0]
                >> np.uint64(1)
            )
            yield Task(
                run_id, seed, label, sample, r, params, self.steps, self.collect_series, self.model
            )


def map_population(
    reference: str,
    base: Mapping[str, Any],
    config_dirs: Sequence[Any] = (),
    base_dirs: Sequence[Any] = (),
) -> dict[str, Any]:
    """The flat population parameters a stakeholder map gives a study's runs.

    ``groups`` as plain mappings; ``n_dims`` when the map needs more than the default (and
    ``base`` does not set it); ``n_stakeholders`` when the sizes are head counts (``base``
    may override it, so the head counts then scale as shares).
    """
    from msisim.stakeholder_map import load_stakeholder_map

    smap = load_stakeholder_map(reference, config_dirs=config_dirs, base_dirs=base_dirs)
    keywords = smap.population_keywords(n_dims=base.get("n_dims"))
    population: dict[str, Any] = {
        "groups": [_plain(dataclasses.asdict(g)) for g in keywords["groups"]]
    }
    if "n_dims" not in base and keywords["n_dims"] != Params().population.n_dims:
        population["n_dims"] = keywords["n_dims"]
    if "n_stakeholders" in keywords:
        population["n_stakeholders"] = keywords["n_stakeholders"]
    return population


def _note_parameter(note: str) -> str:
    """The parameter a check's note is about (its first word, before any ``=``)."""
    return note.split(" ", 1)[0].split("=", 1)[0]


def _outcome_names() -> tuple[str, ...]:
    from msisim.outcomes import summary_keys

    return (*summary_keys(), "seconds")


#: Per-run outcomes a study may name (besides ``representation_<category>``,
#: ``policy_<dimension>`` and ``score.<arena>.<principle>``), read from the declarations of
#: :mod:`msisim.outcomes` at import (:func:`is_outcome` reads them when asked, so outcomes
#: a plugin registers later count too).
OUTCOMES: tuple[str, ...] = _outcome_names()


def family_columns(params: Params) -> set[str]:
    """The per-run columns of outcome families a forum with ``params`` records.

    One per category (``representation_<category>``), per policy dimension (``policy_<j>``)
    and per scorecard cell (``score.<arena>.<principle>``).
    """
    from msisim import outcomes as declared
    from msisim.scorecard import ARENAS, PRINCIPLES

    population = params.population
    out = {f"score.{a}.{p}" for a in ARENAS for p in PRINCIPLES}
    for o in declared.step_outcomes():
        if o.family is not None and o.aggregate != "row":
            out.update(declared.columns(o, population.category_names, population.n_dims))
    return out


def is_outcome(name: Any) -> bool:
    """Whether ``name`` is a per-run outcome of the model (a renamed one warns and counts)."""
    from msisim.outcomes import RENAMED, current_name

    if not isinstance(name, str):
        return False
    if name in RENAMED:
        name = current_name(name)
    prefixes = ("representation_", "policy_", "score.")
    return name in _outcome_names() or any(
        name.startswith(p) and len(name) > len(p) for p in prefixes
    )


def _plain(value: Any) -> Any:
    """JSON-friendly scalars and lists (numpy scalars, tuples)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _json(data: Any) -> str:
    """The canonical JSON text of ``data`` that :func:`_digest` hashes."""
    return json.dumps(_plain(data), sort_keys=True, separators=(",", ":"))


def _digest(data: Any) -> str:
    return hashlib.sha256(_json(data).encode()).hexdigest()


def _to_model(params: Mapping[str, Any]) -> dict[str, Any]:
    """Flat parameters as the model takes them (JSON lists back to tuples where needed)."""
    out = dict(params)
    for key in ("lobby_ideal",):
        if isinstance(out.get(key), list):
            out[key] = tuple(out[key])
    return out


def _check_params(params: Mapping[str, Any], where: str) -> None:
    for key in params:
        if key not in ALL_PARAMETERS:
            import difflib

            close = difflib.get_close_matches(str(key), ALL_PARAMETERS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{where}: unknown parameter {key!r}{hint}")
