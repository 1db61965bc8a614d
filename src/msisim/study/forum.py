"""A study of one forum: from a stakeholder map to designs compared across sampled contexts.

``msisim compare MAP`` (and, later, a design search over the same contexts) starts here:

1. the map (:mod:`msisim.stakeholder_map`) gives the population, and its ``uncertainty``
   column the ranges of each group's power, interest and position;
2. the lobby's ideal is the mean position of one group of the map (:func:`choose_lobby`;
   by default the business group with the highest power x interest);
3. :func:`sample_contexts` draws the contexts by Latin hypercube over those ranges and the
   lobby budget, each as base-parameter overrides (``groups`` and ``lobby_budget``);
4. :func:`forum_spec` turns them into an :class:`~msisim.study.spec.ExperimentSpec` in
   which every design runs on every context with the same seeds (common random numbers), so
   the runner, the store (resume, manifest) and ``msisim report`` handle it like any study;
5. :func:`regret_table` and :func:`most_robust` read the runs: per context, each design's
   gap to the best design on inclusiveness, responsiveness and capture.

**The lobby budget.** A third of the contexts (:data:`NO_LOBBY_SHARE`; exactly a third when
the number of contexts is a multiple of 3, since the Latin hypercube stratifies each column)
have no lobby, so the no-lobby case is seen; the rest spread uniformly over
``(0, BUDGET_HIGH]``. The report shows the budget in :data:`BUDGET_BANDS`, never averaged
over them. A budget is the lobby's total spend per step in the model's resource units (a
stakeholder's resources are lognormal with median ``exp(mu)``; docs/calibration.md says how
to set it from a lobbying register).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msisim.stakeholder_map import (
    DEFAULT_UNCERTAINTY,
    MapGroup,
    StakeholderMap,
    load_stakeholder_map,
)
from msisim.study.spec import DEFAULT_SEED, ExperimentSpec, _plain, map_population

__all__ = [
    "BUDGET_BANDS",
    "BUDGET_HIGH",
    "FULL",
    "NO_LOBBY_SHARE",
    "OUTCOMES",
    "QUICK",
    "Setting",
    "budget_band",
    "choose_lobby",
    "forum_spec",
    "load_designs",
    "most_robust",
    "regret_table",
    "sample_contexts",
    "shipped_designs",
    "shock_schedule",
]

#: The outcomes designs are compared on, with the quality each measures: inclusiveness (the
#: Rose index of the room, higher is better), responsiveness (the opinion-policy slope: the
#: policy's change per unit of change of the public ideal over the run's scheduled shocks,
#: each read ``pass_through_lag`` steps later against a no-shock twin; higher is better;
#: Achen 1978, Soroka & Wlezien 2010) and capture (how far the lobby moved the policy toward
#: its ideal beyond the no-lobby twin, lower is better).
OUTCOMES: dict[str, str] = {
    "rose": "inclusiveness",
    "responsiveness": "responsiveness",
    "capture": "capture",
}
#: Shifts of the public's interests the runs' shocks apply in turn (the shock study's: varied
#: size and direction, so the opinion-policy slope is estimable within a run).
SHOCK_SHIFTS: tuple[tuple[float, float], ...] = (
    (-0.15, 0.15), (0.05, -0.02), (0.10, 0.05), (-0.03, -0.10), (0.08, -0.12),
)  # fmt: skip
#: The first shock's earliest step and each shock's window (it falls at a random step of it).
SHOCK_START, SHOCK_JITTER = 15, 5


#: Highest lobby budget sampled: the design comparison study's range (0 to 3 per step),
#: where its capture ranges from none to most of the way to the lobby's ideal.
BUDGET_HIGH = 3.0
#: Share of the contexts without a lobby (budget 0).
NO_LOBBY_SHARE = 1.0 / 3.0
#: Bands the report shows the budget in: (label, low, high], the first holding exactly 0.
BUDGET_BANDS: tuple[tuple[str, float, float], ...] = (
    ("no lobby (0)", -math.inf, 0.0),
    ("low (0 to 1.5]", 0.0, 1.5),
    ("high (1.5 to 3]", 1.5, math.inf),
)
#: The category a default lobby is taken from.
LOBBY_CATEGORY = "business"
#: The reference design of the shipped set (``msisim run``'s default template); the others
#: follow in alphabetical order.
REFERENCE_DESIGN = "representative"
#: Parameters the comparison sets itself, which a design may not set.
COMPARE_SETS = ("lobby_budget", "lobby_ideal", "n_lobbyists", "groups", "categories", "n_dims")


@dataclass(frozen=True)
class Setting:
    """How big a comparison is.

    Attributes:
        contexts: Contexts sampled (a multiple of 3 keeps the budget bands equal).
        replicates: Runs per design and context (each with its own seed).
        steps: Steps per run.
        n_stakeholders: Population size; ``None``: the map's (its head count, or 1,000).
        batch_size: Runs per task sent to a worker.
    """

    contexts: int
    replicates: int
    steps: int
    n_stakeholders: int | None
    batch_size: int = 7


#: The full comparison: 30 contexts x 2 replicates of 150 steps (7.5 terms of 20 steps) at
#: the map's own size.
FULL = Setting(contexts=30, replicates=2, steps=150, n_stakeholders=None)
#: A first look (about a minute on two cores, report included): 9 contexts, one replicate,
#: 40 steps (two terms, one shock), 150 stakeholders.
QUICK = Setting(contexts=9, replicates=1, steps=40, n_stakeholders=150)


def shock_schedule(steps: int, lag: int = 20) -> list[dict[str, Any]]:
    """Shocks that fit a run of ``steps``: each read ``lag`` steps later, before the next lands.

    Every shock moves every category's interests by the next of :data:`SHOCK_SHIFTS`; it
    falls at a random step of a window of :data:`SHOCK_JITTER` steps (drawn once per run).

    Raises:
        ValueError: When not even one shock and its reading fit.
    """
    spacing = lag + SHOCK_JITTER + 5
    shocks: list[dict[str, Any]] = []
    start = SHOCK_START
    while start + SHOCK_JITTER + lag <= steps and len(shocks) < len(SHOCK_SHIFTS):
        shift = SHOCK_SHIFTS[len(shocks)]
        shocks.append(
            {"step": start, "jitter": SHOCK_JITTER, "category": "all", "shift": list(shift)}
        )
        start += spacing
    if not shocks:
        raise ValueError(
            f"steps={steps} is too short for a shock and its reading {lag} steps later "
            f"(at least {SHOCK_START + SHOCK_JITTER + lag})"
        )
    return shocks


# --------------------------------------------------------------------------- designs


def shipped_designs() -> dict[str, dict[str, Any]]:
    """The designs shipped in ``configs/design/``: ``representative`` first, then by name."""
    import yaml

    from msisim.conf import packaged_config_dir

    folder = packaged_config_dir() / "design"
    designs = {
        p.stem: dict(yaml.safe_load(p.read_text(encoding="utf-8")) or {})
        for p in sorted(folder.glob("*.yaml"))
    }
    first = {REFERENCE_DESIGN: designs.pop(REFERENCE_DESIGN)} if REFERENCE_DESIGN in designs else {}
    return {**first, **designs}


def load_designs(path: str | Path) -> dict[str, dict[str, Any]]:
    """Named designs from a YAML file: ``name: {lever: value, ...}`` (the first is the reference).

    A design's value may also be the name of a shipped design (``baseline: representative``).
    Only design levers (:class:`msisim.params.DesignParams`) may be set.

    Raises:
        ValueError: One line naming the file, the design and the key that is wrong.
    """
    import yaml

    from msisim.kinds import model_kind
    from msisim.params import FIELD_GROUP
    from msisim.registry import did_you_mean
    from msisim.study.checks import check_yaml_file
    from msisim.user_files import read_user_file

    path = Path(path)
    # a regular file of bounded size (a FIFO or a link to a device is refused), no aliases
    # or duplicate keys: each in one line
    check_yaml_file(path, what="designs file")
    try:
        data = yaml.safe_load(read_user_file(path, "designs file"))
    except yaml.YAMLError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"designs file {path}: malformed YAML: {first}") from None
    if not isinstance(data, Mapping) or not data:
        raise ValueError(
            f"designs file {path}: expected a mapping of design names to their levers, e.g. "
            "'open: {membership: open}'"
        )
    shipped = shipped_designs()
    levers = sorted(k for k, g in FIELD_GROUP.items() if g == "design")
    designs: dict[str, dict[str, Any]] = {}
    for name, value in data.items():
        where = f"designs file {path}, design {name!r}"
        if not isinstance(name, str) or not name.replace("_", "").isalnum():
            raise ValueError(f"{where}: a design name is letters, digits and _ only")
        if isinstance(value, str):
            if value not in shipped:
                raise ValueError(
                    f"{where}: {value!r} is not a shipped design{did_you_mean(value, shipped)}; "
                    f"shipped: {', '.join(shipped)} (or give a mapping of levers)"
                )
            value = shipped[value]
        if not isinstance(value, Mapping) or not value:
            raise ValueError(
                f"{where}: expected a mapping of design levers (e.g. membership: open) or a "
                "shipped design's name"
            )
        for key in value:
            if key in COMPARE_SETS:
                raise ValueError(
                    f"{where}, key {key!r}: set by msisim compare itself (the lobby and the "
                    "population come from the map); a design sets only design levers"
                )
            if FIELD_GROUP.get(str(key)) != "design":
                kind = FIELD_GROUP.get(str(key))
                what = f"a {kind} parameter, not a design lever" if kind else "not a parameter"
                raise ValueError(
                    f"{where}, key {key!r}: {what}{did_you_mean(str(key), levers)}; "
                    f"design levers: {', '.join(levers)}"
                )
        try:
            model_kind("forum").params(dict(value))
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
        designs[name] = dict(value)
    return designs


# --------------------------------------------------------------------------- the lobby


def choose_lobby(smap: StakeholderMap, name: str | None = None) -> tuple[MapGroup, str]:
    """The group whose mean position is the lobby's ideal, and why it was chosen.

    Args:
        smap: The map.
        name: A group's name (case does not matter); ``None``: the default, the business
            group with the highest power x interest (the organised interest with most at
            stake and most means to act: the *manage closely* corner of the grid), else the
            group of any category with the highest power x interest. Ties go to the higher
            power, then to the first in the file.

    Raises:
        ValueError: For a name that is no group of the map: one line listing the groups,
            with the closest name.
    """
    import difflib

    if name is not None:
        by_lower = {g.name.lower(): g for g in smap.groups}
        found = by_lower.get(str(name).strip().lower())
        if found is None:
            # as msisim.registry.did_you_mean, but case-blind, in the map's own spelling
            close = difflib.get_close_matches(str(name).strip().lower(), list(by_lower), n=1)
            hint = f" (did you mean {by_lower[close[0]].name!r}?)" if close else ""
            groups = ", ".join(repr(g.name) for g in smap.groups)
            raise ValueError(
                f"lobby group {name!r} is not a group of stakeholder map {smap.source or smap.name}"
                f"{hint}; its groups: {groups}"
            )
        return found, f"the group named with --lobby, {found.name!r}"
    pool = [g for g in smap.groups if g.category == LOBBY_CATEGORY]
    which = f"the {LOBBY_CATEGORY} group"
    if not pool:
        pool, which = list(smap.groups), f"the group (the map has no {LOBBY_CATEGORY} group)"
    best = max(pool, key=lambda g: (g.power * g.interest, g.power, -smap.groups.index(g)))
    return best, (
        f"the default: {which} with the highest power x interest, {best.name!r} "
        f"(power {best.power:g} x interest {best.interest:g} = {best.power * best.interest:.2f})"
    )


def lobby_ideal(group: MapGroup, n_dims: int) -> tuple[float, ...]:
    """The lobby's ideal: the group's mean position as the map gives it (or derives it)."""
    return tuple(float(v) for v in group.position_mean(n_dims))


# --------------------------------------------------------------------------- contexts


def sample_contexts(
    smap: StakeholderMap,
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    budget_high: float = BUDGET_HIGH,
    no_lobby_share: float = NO_LOBBY_SHARE,
    n_dims: int | None = None,
) -> list[dict[str, Any]]:
    """``n`` contexts as base-parameter overrides: a perturbed map and a lobby budget.

    A Latin hypercube (scipy's, seeded) in ``G x (2 + n_dims) + 1`` columns: per group its
    power, interest and position per dimension, each within ``+-uncertainty`` of the map's
    value (:meth:`StakeholderMap.perturbed`), and the lobby budget: 0 for draws below
    ``no_lobby_share``, else uniform on ``(0, budget_high]``.

    Returns:
        One mapping per context: ``groups`` (the perturbed map's groups as plain mappings,
        what ``PopulationParams.groups`` takes) and ``lobby_budget``.
    """
    from scipy.stats import qmc

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"contexts={n!r} is invalid: must be a whole number >= 1")
    if not 0.0 <= no_lobby_share < 1.0:
        raise ValueError(f"no_lobby_share={no_lobby_share!r} must be in [0, 1)")
    if not (math.isfinite(budget_high) and budget_high > 0):
        raise ValueError(f"budget_high={budget_high!r} must be a finite number > 0")
    d = smap.n_dims if n_dims is None else int(n_dims)
    width = smap.n_uncertain(d)
    columns = len(smap.groups) * width + 1
    unit = qmc.LatinHypercube(d=columns, rng=np.random.default_rng(seed)).random(n)
    contexts = []
    for row in unit:
        perturbed = smap.perturbed(row[:-1].reshape(len(smap.groups), width), d)
        u = float(row[-1])
        budget = (
            0.0
            if u < no_lobby_share
            else budget_high * (u - no_lobby_share) / (1.0 - no_lobby_share)
        )
        groups = [_plain(dataclasses.asdict(g)) for g in perturbed.to_groups(d)]
        contexts.append({"groups": groups, "lobby_budget": float(budget)})
    return contexts


def budget_band(budget: float) -> str:
    """The :data:`BUDGET_BANDS` label of a lobby budget."""
    for label, low, high in BUDGET_BANDS:
        if low < budget <= high:
            return label
    return BUDGET_BANDS[-1][0]


# --------------------------------------------------------------------------- the study


def forum_spec(
    map_ref: str | Path | StakeholderMap,
    *,
    designs: Mapping[str, Mapping[str, Any]] | str | Path | None = None,
    lobby_group: str | None = None,
    quick: bool = False,
    contexts: int | None = None,
    replicates: int | None = None,
    steps: int | None = None,
    seed: int = DEFAULT_SEED,
    config_dirs: Sequence[str | Path] = (),
) -> ExperimentSpec:
    """The study comparing designs on a forum's own map across sampled contexts.

    Args:
        map_ref: A map file (``.csv``/``.yaml``), a shipped or configured map's name
            (``example``) or a loaded map.
        designs: Named designs (``{name: {lever: value}}``), a YAML file of them
            (:func:`load_designs`), or ``None`` for the shipped set (:func:`shipped_designs`).
            The first is the reference of the paired differences.
        lobby_group: The group whose mean position is the lobby's ideal (see
            :func:`choose_lobby`; ``None``: the default rule).
        quick: :data:`QUICK` instead of :data:`FULL`.
        contexts: Contexts to sample (default: the setting's).
        replicates: Replicates per design and context (default: the setting's).
        steps: Steps per run (default: the setting's).
        seed: Root seed: of the Latin hypercube and of every run's seed.
        config_dirs: Config folders whose ``maps/`` hold named maps.

    Returns:
        The spec (report ``compare``); its ``inputs`` record the map's rows, the lobby
        group and why it was chosen, and the sampling ranges, for the report.

    Raises:
        ValueError: One line for a bad map, designs file, lobby group or setting, before
            anything runs.
    """
    smap = load_stakeholder_map(map_ref, config_dirs=config_dirs)
    setting = QUICK if quick else FULL
    n_contexts = setting.contexts if contexts is None else contexts
    if isinstance(designs, (str, Path)):
        designs_source = str(designs)
        chosen = load_designs(designs)
    elif designs is None:
        designs_source = "the shipped designs (configs/design/*.yaml)"
        chosen = shipped_designs()
    else:
        designs_source = "given"
        chosen = {str(k): dict(v) for k, v in designs.items()}
    if not chosen:
        raise ValueError("no designs to compare")
    group, rule = choose_lobby(smap, lobby_group)
    d = smap.n_dims
    base: dict[str, Any] = {"n_lobbyists": 1, "lobby_ideal": list(lobby_ideal(group, d))}
    if setting.n_stakeholders is not None:
        base["n_stakeholders"] = setting.n_stakeholders
    n_steps = setting.steps if steps is None else steps
    # shocks of the public's interests, so responsiveness (the opinion-policy slope) is read
    base["shocks"] = [
        {**s, "shift": [*s["shift"], *([0.0] * (d - len(s["shift"])))]}
        for s in shock_schedule(n_steps)
    ]
    sampled = sample_contexts(smap, n_contexts, seed=seed, n_dims=d)
    rows, columns = smap.rows()
    reference = smap.source if isinstance(map_ref, StakeholderMap) else str(map_ref)
    inputs = {
        "command": "compare",
        "quick": bool(quick),
        "map": {"source": smap.source, "name": smap.name, "rows": rows, "columns": columns},
        "lobby_group": group.name,
        "lobby_rule": rule,
        "designs_source": designs_source,
        "reference_design": next(iter(chosen)),
        "default_uncertainty": DEFAULT_UNCERTAINTY,
        "budget_high": BUDGET_HIGH,
        "no_lobby_share": NO_LOBBY_SHARE,
        "budget_bands": [[label, low, high] for label, low, high in BUDGET_BANDS],
        "outcomes": dict(OUTCOMES),
    }
    data: dict[str, Any] = {
        "name": "compare",
        "title": f"Designs compared on the forum of stakeholder map '{smap.name}'"
        + (" (quick look)" if quick else ""),
        "question": "Which design keeps this forum inclusive and responsive and resists capture "
        "by the lobby of "
        f"{group.name!r}, across what the map leaves uncertain and lobby budgets from none to "
        f"{BUDGET_HIGH:g} per step?",
        "report": "compare",
        "base": base,
        "stakeholder_map": reference,
        "map_population": map_population(smap.source, base, config_dirs),
        "designs": chosen,
        "contexts": sampled,
        "replicates": setting.replicates if replicates is None else replicates,
        "steps": n_steps,
        "seed": seed,
        "batch_size": setting.batch_size,
        "outcomes": [*OUTCOMES, "structural_tilt", "lobby_bias"],
        "inputs": inputs,
    }
    return ExperimentSpec.from_dict(data)


# --------------------------------------------------------------------------- reading the runs


def regret_table(runs: pd.DataFrame, outcomes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Each design's regret per context: its gap to the best design there, per outcome.

    A context's value of a design is its mean over replicates; the regret is the best
    design's value minus its own (for capture, its own minus the best's, lower being better),
    so 0 means "best in that context". The ``combined`` rows add the outcomes' regrets
    context by context (each is a share of a unit range, so they are added with equal
    weights).

    Returns:
        One row per design and outcome (``combined`` last): ``design``, ``outcome``,
        ``quality`` (inclusiveness, ...), ``mean_regret``, ``p90_regret`` (90th percentile
        over contexts), ``max_regret``, ``best_in`` (contexts where the design is best) and
        ``contexts``.
    """
    from msisim.outcomes import direction
    from msisim.study.analysis import ok_runs

    outcomes = dict(OUTCOMES if outcomes is None else outcomes)
    data = ok_runs(runs)
    per_outcome: dict[str, pd.DataFrame] = {}
    for outcome in outcomes:
        if outcome not in data:
            continue
        per = data.groupby(["sample", "design"], sort=False)[outcome].mean().unstack("design")
        sign = 1.0 if direction(outcome) == "higher" else -1.0
        best = per.max(axis=1) if sign > 0 else per.min(axis=1)
        per_outcome[outcome] = per.rsub(best, axis=0) * sign
    if not per_outcome:
        return pd.DataFrame()
    combined = functools.reduce(operator.add, per_outcome.values())
    rows = []
    for outcome, regret in [*per_outcome.items(), ("combined", combined)]:
        for design in regret.columns:
            values = regret[design].dropna()
            rows.append(
                {
                    "design": design,
                    "outcome": outcome,
                    "quality": outcomes.get(outcome, "all three, added"),
                    "mean_regret": float(values.mean()),
                    "p90_regret": float(values.quantile(0.9)),
                    "max_regret": float(values.max()),
                    "best_in": int((values <= 1e-12).sum()),
                    "contexts": len(values),
                }
            )
    return pd.DataFrame(rows)


def most_robust(regret: pd.DataFrame) -> pd.Series:
    """The design of minimax regret: the smallest worst-context ``combined`` regret.

    Ties (within 1e-9) go to the smaller 90th-percentile, then mean regret.

    Returns:
        That design's ``combined`` row of :func:`regret_table`.
    """
    combined = regret[regret["outcome"] == "combined"]
    ranked = combined.assign(
        _max=combined["max_regret"].round(9), _p90=combined["p90_regret"].round(9)
    ).sort_values(["_max", "_p90", "mean_regret"], kind="stable")
    return ranked.drop(columns=["_max", "_p90"]).iloc[0]
