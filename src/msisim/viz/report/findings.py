"""Key findings: each claim of a study's hypothesis checked against its runs.

A study's report module splits the ``hypothesis:`` of its config into claims and registers a
function ``Context -> list[Finding]`` with :func:`register_findings`; each finding states a
verdict computed from the runs (never written by hand) and the numbers behind it: means and
95% intervals, and differences with their intervals. :func:`render` writes the "Key
findings" section that opens ``report.md``; :func:`glossary` writes the glossary that closes
it, from the outcome declarations (:mod:`msisim.outcomes`) and the parameter declarations
(:mod:`msisim.params`).

Verdicts: *supported* (the interval of the effect lies on the claimed side of zero),
*reversed* (it lies on the other side), *not supported* (it includes zero, or the claim's
condition fails), *partly supported* (some of the claim's parts hold), *cannot be checked*
(the runs lack the designs or factors the claim needs) and *measured* (a reference value
reported as its own finding, not a claim).

A claim that follows from one of the model's formulas rather than from its dynamics (a lobby
register scales every tie's pull by ``1 - transparency``; full support removes the cost term
of attendance) is labelled *built in* beside its verdict (:attr:`Finding.built_in` says
which formula): the runs confirm the code does what the ODD says, not a finding about forums.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
from scipy import stats

from msisim import outcomes as declared
from msisim.study import analysis
from msisim.viz.report.common import Context, design_words

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
REVERSED = "reversed"
PARTLY = "partly supported"
UNCHECKED = "cannot be checked"
MEASURED = "measured"


@dataclass
class Finding:
    """One claim (or reference measurement) with its verdict and the numbers behind it.

    ``checks`` holds the same claim checked under the study's other assumptions (another
    lobby strategy, another selector information): ``(assumptions in words, verdict,
    evidence)`` each; see :func:`check_across`.
    """

    claim: str
    verdict: str
    evidence: str
    outcomes: tuple[str, ...] = field(default_factory=tuple)
    checks: list[tuple[str, str, str]] = field(default_factory=list)
    #: Whether the finding is repeated under the study's other assumptions.
    across: bool = True
    #: The formula the claim follows from, if it follows from one (then it is *built in*:
    #: the runs check the code, they do not discover the effect); empty otherwise.
    built_in: str = ""

    def label(self) -> str:
        """The verdict as the report shows it: ``Supported``, or ``Built in (supported)``."""
        return f"Built in ({self.verdict})" if self.built_in else self.verdict.capitalize()


FindingsBuilder = Callable[[Context], list[Finding]]

#: Findings builders by report name (the ``report:`` key of a study's config).
FINDINGS: dict[str, FindingsBuilder] = {}


def register_findings(name: str) -> Callable[[FindingsBuilder], FindingsBuilder]:
    """Register the findings of the study whose report is ``name``."""

    def add(builder: FindingsBuilder) -> FindingsBuilder:
        if name in FINDINGS:
            raise ValueError(f"findings {name!r} are registered twice")
        FINDINGS[name] = builder
        return builder

    return add


# --------------------------------------------------------------------------- labels


@cache
def _parameters() -> dict[str, dict[str, object]]:
    from msisim.params import parameter_table

    return {row["name"]: row for row in parameter_table()}


def factor_label(name: str) -> str:
    """Human name of a parameter (``lobby_budget`` -> ``lobby budget``), ``param.`` dropped."""
    name = name.removeprefix("param.")
    return name.replace("_", " ")


def factor_doc(name: str) -> str:
    """The parameter's declared one-line meaning (empty when undeclared)."""
    row = _parameters().get(name.removeprefix("param."))
    return str(row["doc"]) if row else ""


def better(outcome: str) -> str:
    """``higher is better``, ``lower is better`` or ``neither direction is better``."""
    d = declared.direction(outcome)
    return f"{d} is better" if d != "neither" else "neither direction is better"


def scale(outcome: str) -> str:
    """Unit and declared range, e.g. ``share, 0 to 1`` or ``share of axis, unbounded``."""
    o = declared.find(outcome)
    if o is None:
        return "unknown unit"
    if o.lo is not None and o.hi is not None:
        rng = f"{o.lo:g} to {o.hi:g}"
    elif o.lo is not None:
        rng = f"{o.lo:g} or more"
    elif o.hi is not None:
        rng = f"at most {o.hi:g}"
    else:
        rng = "unbounded"
    return f"{o.unit}, {rng}"


def name(outcome: str) -> str:
    """The outcome's label for running text."""
    return declared.label(outcome) if declared.find(outcome) else outcome.replace("_", " ")


def describe(outcome: str) -> str:
    """``label (unit, range; direction)`` for the first mention of an outcome in a claim."""
    return f"{name(outcome)} ({scale(outcome)}; {better(outcome)})"


# --------------------------------------------------------------------------- estimates


@dataclass(frozen=True)
class Estimate:
    """A mean (or difference of means) with its 95% interval and the runs behind it."""

    mean: float
    low: float
    high: float
    n: int

    def sign(self) -> int:
        """+1 when the interval lies above zero, -1 below, 0 when it includes zero."""
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return 0
        return 1 if self.low > 0 else -1 if self.high < 0 else 0

    def __str__(self) -> str:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return f"{self.mean:.3f} (n = {self.n}, no interval)"
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"


def mean_ci(values: Iterable[float], outcome: str | None = None) -> Estimate:
    """Mean and Student-t 95% interval (clipped to the outcome's range when given)."""
    arr = np.asarray(list(values), dtype=float)
    arr = arr[np.isfinite(arr)]
    bounds = declared.value_range(outcome) if outcome else None
    mean, low, high = analysis.t_interval(arr, bounds=bounds)
    return Estimate(mean, low, high, int(arr.size))


def contrast(parts: Sequence[tuple[float, np.ndarray]]) -> Estimate:
    """``sum(w * mean(values))`` over independent groups, with a Welch 95% interval.

    No interval (NaN ends) when a group has a single value; no estimate at all when one is
    empty.
    """
    mean, var, df_num, df_den, n = 0.0, 0.0, 0.0, 0.0, 0
    single = False
    for weight, values in parts:
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return Estimate(float("nan"), float("nan"), float("nan"), 0)
        mean += weight * float(v.mean())
        n += int(v.size)
        if v.size < 2:
            single = True  # no variance: the mean still sums every group
            continue
        term = weight**2 * float(v.var(ddof=1)) / v.size
        var += term
        df_den += term**2 / (v.size - 1)
    if single:
        return Estimate(mean, float("nan"), float("nan"), n)
    df_num = var**2
    if var == 0:
        return Estimate(mean, mean, mean, n)
    df = df_num / df_den if df_den > 0 else float(n - len(parts))
    half = float(stats.t.ppf(0.975, max(df, 1.0))) * math.sqrt(var)
    return Estimate(mean, mean - half, mean + half, n)


def values(
    ctx: Context, outcome: str, *, design: str | None = None, **levels: object
) -> np.ndarray:
    """The finished runs' values of an outcome, for one design and factor levels."""
    data = analysis.ok_runs(ctx.runs)
    if outcome not in data:
        return np.array([], dtype=float)
    mask = pd.Series(True, index=data.index)
    if design is not None:
        mask &= data["design"] == design
    for factor, level in levels.items():
        mask &= data[f"param.{factor}"] == level
    return data.loc[mask, outcome].to_numpy(dtype=float)


def change(
    ctx: Context, outcome: str, factor: str, design: str, low: object, high: object
) -> Estimate:
    """Mean of ``outcome`` at ``factor = high`` minus at ``factor = low`` for one design.

    Paired when the two levels are on common random numbers (see :func:`combination`).
    """
    return combination(ctx, outcome, [(1.0, design, {factor: high}), (-1.0, design, {factor: low})])


def combination(
    ctx: Context, outcome: str, cells: Sequence[tuple[float, str, Mapping[str, object]]]
) -> Estimate:
    """``sum(w * mean(outcome))`` over cells ``(w, design, {factor: level})``, with a 95% interval.

    Cells whose runs share seeds (designs and ``design_factors`` are on common random numbers)
    are paired: their runs match one to one on the seed and every parameter that neither a cell
    nor the cells' designs set, and each matched set gives ``sum(w * value)``, averaged per
    seed (the independent unit). Groups of cells on disjoint seeds are independent samples, so
    the interval is Welch's over the groups' per-seed values (:func:`contrast`) — a t-interval
    over the seeds when every cell shares them. When cells cannot be paired, it is the contrast
    of the cells' per-seed means: several runs of one seed (e.g. under two lobby strategies)
    are one independent unit, not several.
    """
    groups = _paired_groups(ctx, outcome, cells)
    if groups is None:
        return contrast([(w, seed_means(ctx, outcome, d, levels)) for w, d, levels in cells])
    return contrast([(1.0, group) for group in groups])


def seed_means(ctx: Context, outcome: str, design: str, levels: Mapping[str, object]) -> np.ndarray:
    """A cell's finished runs' values of ``outcome``, averaged per seed (the independent unit).

    The runs' own values when the table has no seeds.
    """
    data = analysis.ok_runs(ctx.runs)
    if outcome not in data:
        return np.array([], dtype=float)
    mask = data["design"] == design
    for factor, level in levels.items():
        mask &= data[f"param.{factor}"] == level
    cell = data.loc[mask]
    if "seed" not in cell:
        return cell[outcome].to_numpy(dtype=float)
    finite = cell[np.isfinite(cell[outcome].to_numpy(dtype=float))]
    return finite.groupby("seed")[outcome].mean().to_numpy(dtype=float)


def _paired_groups(
    ctx: Context, outcome: str, cells: Sequence[tuple[float, str, Mapping[str, object]]]
) -> list[np.ndarray] | None:
    """Per-seed ``sum(w * value)`` of each group of cells on common seeds, or None.

    None when no two cells share seeds, when groups share some seeds but not all, or when a
    group's runs do not match one to one.
    """
    data = analysis.ok_runs(ctx.runs)
    named = {f"param.{factor}" for _, _, levels in cells for factor in levels}
    if outcome not in data or "seed" not in data or not named <= set(data.columns):
        return None
    # a design's own parameters differ between designs by definition: match on the rest
    designs = getattr(ctx.spec, "designs", None) or {}
    named |= {f"param.{key}" for _, design, _ in cells for key in designs.get(design, {})}
    keys = ["seed", *(c for c in data.columns if c.startswith("param.") and c not in named)]
    groups: dict[frozenset[object], list[tuple[float, pd.DataFrame]]] = {}
    for weight, design, levels in cells:
        mask = data["design"] == design
        for factor, level in levels.items():
            mask &= data[f"param.{factor}"] == level
        cell = data.loc[mask, [*keys, outcome]]
        if cell.empty or cell.duplicated(subset=keys).any():
            return None
        groups.setdefault(frozenset(cell["seed"]), []).append((weight, cell))
    seeds = list(groups)
    if len(groups) == len(cells) or any(a & b for a, b in itertools.combinations(seeds, 2)):
        return None  # nothing to pair, or groups that are neither matched nor independent
    out = []
    for members in groups.values():
        joined = members[0][1].rename(columns={outcome: "_v0"})
        for i, (_, cell) in enumerate(members[1:], start=1):
            merged = joined.merge(cell.rename(columns={outcome: f"_v{i}"}), on=keys)
            if len(merged) != len(joined) or len(merged) != len(cell):
                return None  # some run has no match in another cell
            joined = merged
        total = sum(w * joined[f"_v{i}"].to_numpy(float) for i, (w, _) in enumerate(members))
        finite = np.isfinite(total)
        per_seed = pd.Series(total[finite]).groupby(joined["seed"].to_numpy()[finite]).mean()
        out.append(per_seed.to_numpy())
    return out


def paired(
    ctx: Context, outcome: str, design: str, baseline: str, runs: pd.DataFrame | None = None
) -> Estimate:
    """Mean paired difference ``design minus baseline`` (same seeds) with its 95% interval."""
    table = analysis.paired_differences(ctx.runs if runs is None else runs, outcome, baseline)
    row = table[table["design"] == design] if not table.empty else table
    if row.empty:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    r = row.iloc[0]
    return Estimate(float(r["mean_difference"]), float(r["ci_low"]), float(r["ci_high"]),
                    int(r["pairs"]))  # fmt: skip


def verdict(est: Estimate, expected: int) -> str:
    """``supported`` when the interval lies on the ``expected`` side of zero (+1 or -1)."""
    s = est.sign()
    return SUPPORTED if s == expected else REVERSED if s == -expected else NOT_SUPPORTED


def combine(verdicts: Sequence[str]) -> str:
    """One verdict for a claim made of parts (every part supported, none, some)."""
    if not verdicts:
        return UNCHECKED
    if all(v == SUPPORTED for v in verdicts):
        return SUPPORTED
    if all(v == REVERSED for v in verdicts):
        return REVERSED
    if any(v == SUPPORTED for v in verdicts):
        return PARTLY
    return NOT_SUPPORTED


def missing(ctx: Context, designs: Sequence[str] = (), factors: Sequence[str] = ()) -> str:
    """What the claim needs that the runs lack (empty when nothing is missing)."""
    data = analysis.ok_runs(ctx.runs)
    lacking = [f"design '{d}'" for d in designs if d not in set(data["design"])]
    lacking += [f"factor {factor_label(f)}" for f in factors if f"param.{f}" not in data]
    return ", ".join(lacking)


def unchecked(claim: str, what: str) -> Finding:
    """A claim the runs cannot check."""
    return Finding(claim, UNCHECKED, f"the runs lack {what}.")


TILT_NOTE = " Capture is measured on top of this tilt, not including it."


def structural_tilt(ctx: Context, **levels: object) -> Finding | None:
    """The no-lobby tilt of each design, reported as its own finding (not a claim)."""
    if "structural_tilt" not in ctx.runs:
        return None
    data = analysis.ok_runs(ctx.runs)
    for factor, level in levels.items():
        data = data[data[f"param.{factor}"] == level]
    # the tilt is the twin's: runs that share a twin (same seed and tilt) count once
    if "seed" in data:
        data = data.drop_duplicates(subset=["design", "seed", "structural_tilt"])
    parts = []
    for design in dict.fromkeys(data["design"]):
        own = data.loc[data["design"] == design, "structural_tilt"]
        parts.append(f"**{design_words(design)}** {mean_ci(own)}")
    where = (
        " at " + ", ".join(f"{factor_label(k)} {v}" for k, v in levels.items()) if levels else ""
    )
    return Finding(
        f"Structural tilt: how far each forum leans toward the lobby's side by its make-up "
        f"alone, with no lobby at all (the no-lobby twin's lobby bias; {scale('structural_tilt')};"
        f" 0 = the public ideal, 1 = the lobby's ideal)",
        MEASURED,
        "; ".join(parts) + f"{where}.{TILT_NOTE}",
        ("structural_tilt",),
    )


# --------------------------------------------------------------------------- assumptions

#: Assumptions under which every claim is checked when a study varies them as factors: the
#: lobby's strategy (docs/ODD.md §7.3, §7.3.1) and what the selector sees of candidates
#: (§7.2.3). A claim counts as a finding only if it holds under each of them.
ASSUMPTIONS = ("lobby_strategy", "selector_information")

#: The words for an assumption's level in running text.
ASSUMPTION_WORDS = {
    ("lobby_strategy", "adaptive"): "an adaptive lobby",
    ("lobby_strategy", "allies"): "a fixed lobby that courts its allies",
    ("lobby_strategy", "swing"): "a fixed lobby that courts swing members",
    ("lobby_strategy", "influential"): "a fixed lobby that courts the most influential members",
    ("selector_information", "advocated"): "a selector who sees advocated positions",
    ("selector_information", "noisy"): "a selector who sees advocated positions with noise",
    ("selector_information", "true"): "a selector who sees true interests (an oracle)",
}


def assumption_sets(ctx: Context) -> list[dict[str, object]]:
    """The combinations of the assumption factors the study varies, the defaults first.

    Empty when the study varies none of them (its runs all share one set of assumptions).
    """
    import itertools

    defaults = {name: _parameters().get(name, {}).get("default") for name in ASSUMPTIONS}
    varied = []
    for f in ctx.spec.factors:
        if f.name in ASSUMPTIONS and len(f.levels) > 1:
            levels = sorted(f.levels, key=lambda v: v != defaults[f.name])  # default first
            varied.append((f.name, levels))
    if not varied:
        return []
    names = [n for n, _ in varied]
    return [dict(zip(names, combo, strict=True)) for combo in
            itertools.product(*(levels for _, levels in varied))]  # fmt: skip


def assumption_words(levels: dict[str, object]) -> str:
    """``an adaptive lobby and a selector who sees advocated positions``."""
    return " and ".join(
        ASSUMPTION_WORDS.get((k, str(v)), f"{factor_label(k)} {v}") for k, v in levels.items()
    )


def restrict(ctx: Context, levels: dict[str, object]) -> Context:
    """The context with only the runs under the given assumption levels."""
    mask = pd.Series(True, index=ctx.runs.index)
    for factor, level in levels.items():
        mask &= ctx.runs[f"param.{factor}"] == level
    runs = ctx.runs[mask]
    series = ctx.series
    if series is not None:
        series = series[series["run_id"].isin(runs["run_id"])]
    return Context(ctx.spec, runs, series, ctx.folder, ctx.figures, ctx.shown)


def _overall(verdicts: Sequence[str]) -> str:
    """One verdict for a claim checked under several assumptions: it must hold under each."""
    if len(set(verdicts)) == 1:
        return verdicts[0]
    if UNCHECKED in verdicts:
        verdicts = [v for v in verdicts if v != UNCHECKED]
        return _overall(verdicts) if verdicts else UNCHECKED
    if any(v in (SUPPORTED, PARTLY) for v in verdicts):
        return PARTLY
    return NOT_SUPPORTED


def check_across(ctx: Context, builder: FindingsBuilder) -> list[Finding]:
    """The study's findings under its default assumptions, each checked under the others.

    The verdict of a claim becomes *partly supported* when it holds under some assumptions
    but not others (the claim's ``checks`` say which).
    """
    sets = assumption_sets(ctx)
    if not sets:
        return builder(ctx)
    primary = builder(restrict(ctx, sets[0]))
    others = [(levels, builder(restrict(ctx, levels))) for levels in sets[1:]]
    for i, finding in enumerate(primary):
        if not finding.across:
            continue
        finding.checks.append((assumption_words(sets[0]), finding.verdict, ""))
        verdicts = [finding.verdict]
        for levels, found in others:
            match = found[i] if i < len(found) and found[i].claim == finding.claim else None
            if match is None:
                finding.checks.append((assumption_words(levels), UNCHECKED, "no matching claim"))
                continue
            finding.checks.append((assumption_words(levels), match.verdict, match.evidence))
            verdicts.append(match.verdict)
        if finding.verdict != MEASURED:
            finding.verdict = _overall(verdicts)
    return primary


# --------------------------------------------------------------------------- sections


def render(ctx: Context, findings: Sequence[Finding]) -> list[str]:
    """The "Key findings" section: one numbered item per claim, verdict first."""
    lines = [
        "## Key findings\n",
        "Each claim of the study's hypothesis (below), checked against these runs. Numbers are "
        "means with 95% intervals in brackets; a difference is *supported* when its interval "
        "lies on the claimed side of zero, *reversed* when it lies on the other side and *not "
        "supported* when it includes zero. With the few replicates of a quick run, read "
        '*not supported* as "not shown". A claim marked *built in* follows from one of the '
        "model's formulas (named after it): its verdict checks the code, not a finding about "
        "forums.\n",
    ]
    sets = assumption_sets(ctx)
    if sets:
        lines.append(
            f"Each claim is checked under {len(sets)} sets of assumptions; the numbers after "
            f"the verdict are those of the default, **{assumption_words(sets[0])}**, and the "
            "lines below each claim give the others. The verdict is *supported* only when the "
            "claim holds under every set, *partly supported* when it holds under some.\n"
        )
    claims = [f for f in findings if f.verdict != MEASURED]
    for i, f in enumerate(claims, 1):
        why = f" *Built in:* {f.built_in}." if f.built_in else ""
        lines.append(f"{i}. **{f.label()}.** {f.claim}. {f.evidence}{why}")
        lines += _checks(f)
    measured = [f for f in findings if f.verdict == MEASURED]
    if measured:
        lines.append("")
        for f in measured:
            lines.append(f"- **Reference.** {f.claim}: {f.evidence}")
            lines += _checks(f)
    lines.append("")
    return lines


def _checks(f: Finding) -> list[str]:
    """Sub-items: the claim under each other set of assumptions."""
    out = []
    for words, verdict, evidence in f.checks[1:]:
        head = f"With {words}" + ("" if f.verdict == MEASURED else f": *{verdict}*")
        out.append(f"   - {head}. {evidence.replace(TILT_NOTE, '').strip()}")
    if len(f.checks) > 1 and f.verdict != MEASURED:
        out.insert(0, f"   - With {f.checks[0][0]}: *{f.checks[0][1]}* (the numbers above).")
    return out


def shipped(ctx: Context) -> bool:
    """Whether the study is one shipped with msisim, which has a README in ``experiments/``.

    Shipped: a config of the package's ``configs/experiment/`` under its name, with its own
    report. A user's study (``--config-dir``) has no README, nor has a copy of a shipped study
    that falls back to the generic report.
    """
    from importlib import resources

    config = resources.files("msisim") / "configs" / "experiment" / f"{ctx.spec.name}.yaml"
    return config.is_file() and ctx.spec.report == ctx.spec.name


def readme_pointer(ctx: Context) -> str:
    """Where the study is described: a shipped study's README, or this folder's manifest.

    A shipped study's README is named, not linked (a relative link would break in the output
    folder); a study built by a command (``msisim compare``) points to the README's section
    on it; a user's study has no README, so the report points to ``manifest.json`` beside it,
    which holds the settings it ran with.
    """
    command = ctx.spec.inputs.get("command")
    if command:  # a study built by a command has no README of its own
        return (
            f'**About this study.** Built by `msisim {command}` (see the section "Compare '
            "designs on your own forum\" of the msisim repository's `README.md`); model "
            "documentation in `docs/ODD.md`, units in `docs/calibration.md`.\n"
        )
    if not shipped(ctx):
        return (
            f"**About this study.** `{ctx.spec.name}` is a study of your own, not one shipped "
            "with msisim, so it has no README: the settings it ran with (designs, factors, "
            "base parameters) are the `spec` of [manifest.json](manifest.json) beside this "
            "report. The model is documented in `docs/ODD.md` of the msisim repository; "
            "`msisim list` prints the shipped studies.\n"
        )
    return (
        f"**About this study.** Its design, assumptions and the findings of the full runs are in "
        f"`experiments/{ctx.spec.name}/README.md` of the msisim repository (the study list and "
        f"how to run it are in `experiments/README.md`; model documentation in `docs/ODD.md`). "
        f"`msisim list` prints every study's question.\n"
    )


def glossary(ctx: Context, shown: Iterable[str]) -> list[str]:
    """Glossary of the outcomes shown, the factors varied and the designs compared."""
    rows = []
    for outcome in dict.fromkeys(shown):
        o = declared.find(outcome)
        if o is None:
            continue
        rows.append({"term": o.label, "unit and range": scale(outcome),
                     "better": better(outcome), "meaning": o.doc.replace("``", "`")})  # fmt: skip
    lines = ["## Glossary\n", "### Outcomes\n"]
    lines.append(pd.DataFrame(rows).to_markdown(index=False) if rows else "(none)")
    factors = [f.name for f in ctx.spec.factors]
    if factors:
        lines += ["", "### Factors varied\n"]
        frame = pd.DataFrame(
            [
                {
                    "factor": factor_label(f),
                    "meaning": factor_doc(f),
                    "allowed": str(_parameters().get(f, {}).get("allowed", "")),
                }
                for f in factors
            ]
        )
        lines.append(frame.to_markdown(index=False))
    if ctx.spec.designs:
        lines += ["", "### Designs compared\n"]
        for design, settings in ctx.spec.designs.items():
            text = ", ".join(f"{factor_label(k)} = {v}" for k, v in dict(settings).items())
            lines.append(
                f"- **{design_words(design)}** (`{design}`): {text or 'the study base settings'}"
            )
    lines += [
        "",
        "*Design* is a forum's set of rules; *replicate* a run with its own random seed; *paired "
        "difference* the difference between two designs run on the same seeds (common random "
        "numbers), so that chance cancels out.\n",
    ]
    return lines
