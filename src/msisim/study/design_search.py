"""Search the design levers for the designs no other design beats (``msisim design MAP``).

A *candidate design* is a point in the lever space (:func:`lever_space`): the membership
family (category seats with seats by lot, category seats with an open consultation, or an
open forum with participation support), seats per category, seats by lot, term length,
transparency, recusal and participation support per category. :func:`decode` turns a point
into the flat design parameters, keeping only the levers the family's membership rule reads
(a seat count means nothing to an open forum), so no parameter is set without effect.

Every candidate is run over the same sampled contexts and seeds (the *context study*, an
:class:`~msisim.study.spec.ExperimentSpec` whose factors sample the map's uncertainty and the
lobby's budget; see :mod:`msisim.study.forum`), on common random numbers, and scored by three
objectives averaged over the contexts: inclusiveness (the Rose index, higher is better),
responsiveness (the opinion-policy slope over the run's shocks, higher is better) and capture
(the policy moved by the lobby against the no-lobby twin, lower is better).

The optimiser is Platypus's epsilon-NSGA-II (Deb et al. 2002; Kollat & Reed 2006), the one
EMA Workbench's ``optimize`` wraps. Each generation's candidates are run as one study with the
study runner (:func:`msisim.study.runner.run_experiment`) into ``generations/NNN/``: workers,
shared no-lobby twins, progress and resume come with it, so an interrupted search re-run with
the same command re-evaluates nothing it has finished (the optimiser is seeded, so it proposes
the same candidates again). The epsilon-box archive's designs are the result: ``pareto.csv``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msisim.study.spec import ExperimentSpec

logger = logging.getLogger(__name__)

__all__ = [
    "FAMILIES",
    "FULL_SEARCH",
    "OBJECTIVES",
    "QUICK_SEARCH",
    "Lever",
    "SearchResult",
    "SearchSetting",
    "decode",
    "describe",
    "lever_space",
    "search",
]

#: Membership families the search chooses between; each reads its own levers.
FAMILIES: tuple[str, ...] = (
    "representative_with_lottery",
    "representative_with_consultation",
    "open_with_support",
)
#: What each family's design reads (beyond transparency and recusal, which every design reads).
_FAMILY_LEVERS: dict[str, frozenset[str]] = {
    "representative_with_lottery": frozenset({"seats", "lottery_seats", "term_length"}),
    "representative_with_consultation": frozenset({"seats", "term_length", "support"}),
    "open_with_support": frozenset({"support"}),
}
#: The objectives: (outcome, direction, label); +1 is maximised, -1 minimised.
OBJECTIVES: tuple[tuple[str, int, str], ...] = (
    ("rose", 1, "inclusiveness (Rose index)"),
    ("responsiveness", 1, "responsiveness (opinion-policy slope)"),
    ("capture", -1, "capture"),
)
#: Epsilon boxes of the archive, per objective: differences below these are not told apart.
EPSILONS: tuple[float, ...] = (0.01, 0.02, 0.01)


@dataclass(frozen=True)
class SearchSetting:
    """How big a design search is: the context study's size and the optimiser's budget."""

    contexts: int
    steps: int
    nfe: int
    population: int


#: A first look: 3 contexts of 100 steps (three shocks), 16 candidates in two generations.
QUICK_SEARCH = SearchSetting(contexts=3, steps=100, nfe=16, population=8)
#: The full search: 12 contexts of 150 steps (four shocks), 200 candidates, 20 per generation.
FULL_SEARCH = SearchSetting(contexts=12, steps=150, nfe=200, population=20)


#: Most seats one category may get; most seats by lot; term lengths searched.
MAX_CATEGORY_SEATS = 8
MAX_LOTTERY_SEATS = 10
TERM_RANGE = (5, 40)


@dataclass(frozen=True)
class Lever:
    """One searched lever: a coordinate of a candidate in [0, 1] and how it decodes.

    Attributes:
        name: ``family``, ``seats.<category>``, ``lottery_seats``, ``term_length``,
            ``transparency``, ``recusal`` or ``support.<category>``.
        kind: ``choice``, ``int``, ``real`` or ``bool``.
        lo: Lower bound (``int``, ``real``).
        hi: Upper bound (``int``, ``real``).
        choices: The options of a ``choice``.
    """

    name: str
    kind: str
    lo: float = 0.0
    hi: float = 1.0
    choices: tuple[str, ...] = ()

    def value(self, u: float) -> Any:
        """The lever's value at coordinate ``u`` in [0, 1]."""
        u = min(max(float(u), 0.0), 1.0)
        if self.kind == "choice":
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        if self.kind == "bool":
            return u >= 0.5
        if self.kind == "int":
            span = int(self.hi) - int(self.lo) + 1
            return int(self.lo) + min(int(u * span), span - 1)
        return round(self.lo + u * (self.hi - self.lo), 2)


def lever_space(categories: Sequence[str], sizes: Sequence[int] | None = None) -> tuple[Lever, ...]:
    """The searched levers for a forum of these categories (their order is the coordinates').

    ``sizes`` (head counts per category) cap a category's seats at half its members, so
    every candidate can be seated (and at :data:`MAX_CATEGORY_SEATS`).
    """
    caps = (
        [MAX_CATEGORY_SEATS] * len(categories)
        if sizes is None
        else [min(MAX_CATEGORY_SEATS, max(0, int(n) // 2)) for n in sizes]
    )
    return (
        Lever("family", "choice", choices=FAMILIES),
        *(Lever(f"seats.{c}", "int", 0, cap) for c, cap in zip(categories, caps, strict=True)),
        Lever("lottery_seats", "int", 0, MAX_LOTTERY_SEATS),
        Lever("term_length", "int", *TERM_RANGE),
        Lever("transparency", "real", 0.0, 1.0),
        Lever("recusal", "bool"),
        *(Lever(f"support.{c}", "real", 0.0, 1.0) for c in categories),
    )


def decode(point: Sequence[float], space: Sequence[Lever]) -> dict[str, Any] | None:
    """Flat design parameters of a candidate; ``None`` for a seated body with no seat."""
    values = {lever.name: lever.value(u) for lever, u in zip(space, point, strict=True)}
    family = values["family"]
    reads = _FAMILY_LEVERS[family]
    design: dict[str, Any] = {"membership": family}
    if "seats" in reads:
        seats = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("seats.")}
        seats = {c: n for c, n in seats.items() if n > 0}
        if not seats:
            return None
        design.update(
            seat_allocation="explicit",
            seats_per_category=seats,
            n_seats=sum(seats.values()),
        )
    if "lottery_seats" in reads:
        design["lottery_seats"] = values["lottery_seats"]
    if "term_length" in reads:
        design["term_length"] = values["term_length"]
    if "support" in reads:
        support = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("support.")}
        design["participation_support"] = {c: s for c, s in support.items() if s > 0}
    design["transparency"] = values["transparency"]
    design["recusal"] = values["recusal"]
    return design


def design_name(design: dict[str, Any]) -> str:
    """A short stable name of a design (a hash of its parameters)."""
    text = json.dumps(design, sort_keys=True)
    return "d" + hashlib.sha256(text.encode()).hexdigest()[:8]


def describe(design: dict[str, Any]) -> str:
    """One sentence saying what a design is."""
    family = design["membership"]
    parts: list[str] = []
    if "seats_per_category" in design:
        seats = ", ".join(f"{n} {c}" for c, n in design["seats_per_category"].items())
        parts.append(f"{design['n_seats']} category seats ({seats})")
    if design.get("lottery_seats"):
        parts.append(f"{design['lottery_seats']} seats by lot")
    if family == "representative_with_consultation":
        parts.append("an open consultation heard at reduced voice")
    if family == "open_with_support":
        parts.append("an open forum anyone may attend")
    if "term_length" in design:
        parts.append(f"terms of {design['term_length']} rounds")
    support = design.get("participation_support") or {}
    if "participation_support" in design:
        if support:
            parts.append(
                "participation support "
                + ", ".join(f"{c} {s:.0%}" for c, s in sorted(support.items(), key=lambda i: -i[1]))
            )
        else:
            parts.append("no participation support")
    parts.append(
        f"transparency {design['transparency']:.0%}"
        if design["transparency"] > 0
        else "no lobby register (transparency 0)"
    )
    parts.append("recusal of tied members" if design["recusal"] else "no recusal")
    text = "; ".join(parts[:-1]) + " and " + parts[-1] + "."
    return text[0].upper() + text[1:]


@dataclass
class SearchResult:
    """What a search found.

    Attributes:
        pareto: One row per design of the final epsilon-box archive: its name, sentence,
            objectives (means over the contexts), worst-case capture and its levers.
        evaluated: Every design evaluated, with its objectives and generation.
        generations: Generations run.
        n_runs: Model runs made (finished runs of an earlier search included).
    """

    pareto: pd.DataFrame
    evaluated: pd.DataFrame
    generations: int
    n_runs: int
    folders: list[Path] = field(default_factory=list)


class _StudyEvaluator:
    """A Platypus evaluator that runs a generation's candidates as one study."""

    def __init__(
        self,
        context: ExperimentSpec,
        space: Sequence[Lever],
        out: Path,
        workers: int | None,
        run: Callable[..., Any],
    ) -> None:
        self.context, self.space, self.out = context, space, out
        self.workers, self.run = workers, run
        self.scores: dict[str, dict[str, float]] = {}
        self.rows: list[dict[str, Any]] = []
        self.generation = 0
        self.n_runs = 0
        self.folders: list[Path] = []

    # Platypus calls evaluate_all(jobs) with one job per unevaluated solution
    def evaluate_all(self, jobs: Sequence[Any], **_kwargs: Any) -> list[Any]:
        designs: dict[str, dict[str, Any]] = {}
        for job in jobs:
            design = decode(job.solution.variables, self.space)
            if design is not None:
                designs.setdefault(design_name(design), design)
        todo = {n: d for n, d in designs.items() if n not in self.scores}
        if todo:
            self._run_generation(todo)
        for job in jobs:
            self._score(job.solution)
        self.generation += 1
        return list(jobs)

    def close(self) -> None:
        """Nothing to release (the runner closes its workers after each study)."""

    def _run_generation(self, designs: dict[str, dict[str, Any]]) -> None:
        data = self.context.to_dict()
        data.update(
            name=f"{self.context.name}_gen{self.generation:03d}",
            designs=designs,
            report="",
            design_factors=[f for f in data.get("design_factors", ())],
        )
        spec = ExperimentSpec.from_dict(data)
        folder = self.out / "generations" / f"{self.generation:03d}"
        self.folders.append(folder)
        result = self.run(spec, folder, workers=self.workers)
        runs = result.runs[result.runs["status"] == "ok"]
        self.n_runs += len(result.runs)
        if runs.empty:
            raise RuntimeError(
                f"every run of generation {self.generation} failed; see 'error' in "
                f"{folder}/runs.csv"
            )
        for name, group in runs.groupby("design"):
            score = {o: float(group[o].mean()) for o, _, _ in OBJECTIVES}
            score["worst_capture"] = float(group["capture"].quantile(0.9))
            score["n_runs"] = float(len(group))
            self.scores[str(name)] = score
            self.rows.append(
                {"design": name, "generation": self.generation, **score,
                 "description": describe(designs[str(name)]),
                 "params": json.dumps(designs[str(name)], sort_keys=True)}
            )  # fmt: skip

    def _score(self, solution: Any) -> None:
        design = decode(solution.variables, self.space)
        if design is None:  # a seated body without a seat: infeasible
            solution.objectives[:] = [-1e9 * d for _, d, _ in OBJECTIVES]
            solution.constraints[:] = [1.0]
        else:
            score = self.scores[design_name(design)]
            values = [score[o] for o, _, _ in OBJECTIVES]
            if any(math.isnan(v) for v in values):
                raise RuntimeError(
                    f"design {design_name(design)} has no {OBJECTIVES[1][0]}: the context study "
                    "needs shocks for the opinion-policy slope (base.shocks)"
                )
            solution.objectives[:] = values
            solution.constraints[:] = [0.0]
        solution.constraint_violation = float(solution.constraints[0])
        solution.feasible = solution.constraint_violation == 0.0
        solution.evaluated = True


def search_context(
    map_ref: str | Path,
    *,
    lobby_group: str | None = None,
    quick: bool = False,
    contexts: int | None = None,
    seed: int | None = None,
    config_dirs: Sequence[str | Path] = (),
) -> ExperimentSpec:
    """The contexts every candidate meets, with shocks so responsiveness is measured.

    They are ``msisim compare``'s (:func:`msisim.study.forum.forum_spec`: the map's
    uncertainty and the lobby budget, the lobby from a named group, shocks scheduled in
    every run by :func:`msisim.study.forum.shock_schedule`), longer runs with more shocks.

    Raises:
        ValueError: One line for a bad map, lobby group or setting, before anything runs.
    """
    from msisim.study import forum

    setting = QUICK_SEARCH if quick else FULL_SEARCH
    options: dict[str, Any] = {} if seed is None else {"seed": seed}
    spec = forum.forum_spec(
        map_ref,
        designs={"representative": {"membership": "representative"}},
        lobby_group=lobby_group,
        quick=quick,
        contexts=setting.contexts if contexts is None else contexts,
        replicates=1,
        steps=setting.steps,
        config_dirs=config_dirs,
        **options,
    )
    data = spec.to_dict()
    data.update(
        name="design",
        title=f"Design search on the forum of stakeholder map '{spec.inputs['map']['name']}'",
        report="",
        outcomes=[o for o, _, _ in OBJECTIVES],
    )
    return ExperimentSpec.from_dict(data)


def search(
    context: ExperimentSpec,
    out: str | Path,
    *,
    nfe: int,
    population: int,
    seed: int = 0,
    workers: int | None = None,
    run: Callable[..., Any] | None = None,
) -> SearchResult:
    """Run epsilon-NSGA-II over the lever space on the context study; see the module doc.

    Args:
        context: The contexts every candidate meets (its ``designs`` are ignored).
        out: Folder of the search (generations, ``evaluated.csv``, ``pareto.csv``).
        nfe: Candidate evaluations the optimiser may make (a stopping rule).
        population: Candidates per generation.
        seed: Seed of the optimiser's own random choices.
        workers: Worker processes for the runs.
        run: The study runner (default :func:`msisim.study.runner.run_experiment`).
    """
    from platypus import EpsNSGAII, Problem, Real

    if run is None:
        from msisim.study.runner import run_experiment

        run = run_experiment
    if nfe < population:
        raise ValueError(f"nfe={nfe} must be at least the population ({population})")
    out = Path(out)
    names, sizes = forum_categories(context)
    space = lever_space(names, sizes)
    problem = Problem(len(space), len(OBJECTIVES), 1)
    problem.types[:] = Real(0.0, 1.0)
    problem.directions[:] = [
        Problem.MAXIMIZE if d > 0 else Problem.MINIMIZE for _, d, _ in OBJECTIVES
    ]
    problem.constraints[:] = "==0"
    evaluator = _StudyEvaluator(context, space, out, workers, run)
    if not logger.isEnabledFor(logging.DEBUG):  # Platypus logs every generation; -v shows it
        logging.getLogger("Platypus").setLevel(logging.WARNING)
    state = random.getstate()
    random.seed(seed)  # Platypus draws from the stdlib generator
    try:
        algorithm = EpsNSGAII(
            problem, epsilons=list(EPSILONS), population_size=population, evaluator=evaluator
        )
        algorithm.run(nfe)
    finally:
        random.setstate(state)
    evaluated = pd.DataFrame(evaluator.rows)
    archive = [s for s in algorithm.archive if s.feasible]
    names_seen: list[str] = []
    for solution in archive:
        design = decode(solution.variables, space)
        if design is not None and design_name(design) not in names_seen:
            names_seen.append(design_name(design))
    pareto = evaluated.drop_duplicates("design").set_index("design").loc[names_seen].reset_index()
    pareto = pareto.sort_values("capture").reset_index(drop=True)
    return SearchResult(
        pareto, evaluated, evaluator.generation, evaluator.n_runs, evaluator.folders
    )


def forum_categories(context: ExperimentSpec) -> tuple[list[str], list[int]]:
    """The forum's categories in the forum's order, with their head counts.

    Head counts are those of the context study's runs: ``n_stakeholders`` times the
    category's share, rounded down.
    """
    from msisim.params import Params
    from msisim.population_params import DEFAULT_CATEGORIES

    known = [c.name for c in DEFAULT_CATEGORIES]
    shares: dict[str, float] = {}
    for group in context.map_population.get("groups") or ():
        shares[str(group["category"])] = shares.get(str(group["category"]), 0.0) + float(
            group["share"]
        )
    if not shares:
        shares = {c.name: c.share for c in DEFAULT_CATEGORIES}
    names = [c for c in known if c in shares] + [c for c in shares if c not in known]
    n = int(
        context.base.get("n_stakeholders")
        or context.map_population.get("n_stakeholders")
        or Params().population.n_stakeholders
    )
    return names, [int(shares[c] * n) for c in names]


def dominated(frame: pd.DataFrame) -> np.ndarray:
    """Which rows another row beats on every objective at once (at least as good, one better)."""
    signs = np.array([d for _, d, _ in OBJECTIVES], dtype=float)
    values = frame[[o for o, _, _ in OBJECTIVES]].to_numpy(dtype=float) * signs
    out = np.zeros(len(values), dtype=bool)
    for i, row in enumerate(values):
        better_or_equal = (values >= row).all(axis=1)
        strictly = (values > row).any(axis=1)
        out[i] = bool((better_or_equal & strictly).any())
    return out
