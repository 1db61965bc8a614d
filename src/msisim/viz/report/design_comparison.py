"""Report of the design comparison: robustness across sampled contexts, and where capture is."""

from __future__ import annotations

import math

import pandas as pd
from scipy import stats

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report import tilt
from msisim.viz.report.common import Context, design_words, embed, points_with_ci, register, table


@register("design_comparison")
def build(ctx: Context) -> list[str]:
    """Mean, spread, worst case and regret per design; PRIM boxes where designs get captured."""
    outcomes = ctx.outcomes()
    fig = points_with_ci(ctx, outcomes, "designs.png")
    robust = pd.concat(
        [analysis.robustness(ctx.runs, o) for o in outcomes],
        ignore_index=True,
    )
    robust_shown = robust.rename(
        columns={"worst": "worst context", "mean_regret": "mean regret",
                 "max_regret": "maximum regret"}
    )  # fmt: skip
    sections = [
        "## Designs across sampled contexts\n",
        embed(fig, "designs"),
        f"{len(ctx.spec.samples())} contexts sampled by Latin hypercube over "
        + ", ".join(fx.factor_label(f.name) for f in ctx.spec.factors)
        + f"; {ctx.spec.replicates} replicates per context and design, the same seeds for "
        "every design (common random numbers).\n",
        "## Robustness table\n",
        "Per context, a design's value is its mean over replicates. *Worst* is its worst "
        "context; *regret* is how far it falls short of the best design in the same context "
        "(mean and maximum over contexts).\n",
        table(robust_shown),
        "",
    ]
    for outcome in outcomes:
        sub = robust[robust["outcome"] == outcome].sort_values("max_regret")
        least = float(sub.iloc[0]["max_regret"])
        tied = sub[sub["max_regret"] <= least + 1e-9]["design"].map(design_words)
        sections.append(
            f"- {fx.describe(outcome)}: smallest maximum regret for "
            + " and ".join(f"**{d}**" for d in tied)
            + f" ({abs(least) if abs(least) < 5e-4 else least:.3f})."
        )
    factors = [f.name for f in ctx.spec.factors if not f.levels]  # PRIM: the ranged ones
    threshold = ctx.spec.capture_threshold
    captured = analysis.ok_runs(ctx.runs)["capture"]
    sections += [
        "",
        "## Scenario discovery: where does each design get captured?\n",
        f"A run counts as *captured* when its capture ({fx.scale('capture')}) is above "
        f"{threshold:g}: the lobby has moved the policy more than {threshold:.0%} of the way "
        "from the public ideal to its own ideal, beyond where the same forum would be without "
        "the lobby (the structural tilt is not counted). Over the runs shown here, capture has "
        "median "
        f"{captured.median():.3f} and upper quartile {captured.quantile(0.75):.3f}; "
        f"{(captured > threshold).mean():.0%} of runs are above the threshold. PRIM "
        "(ema_workbench) finds, per design, the box of contexts where captured runs "
        "concentrate: *coverage* is the share of the design's captured runs inside the box, "
        "*density* the share of the box's runs that are captured.\n",
    ]
    rows = []
    for design in ctx.spec.designs:
        limits, stats = analysis.prim_boxes(ctx.runs, factors, "capture", threshold, design=design)
        box = "; ".join(
            f"{fx.factor_label(r.factor)} in [{r.low:.3g}, {r.high:.3g}]"
            for r in limits.itertuples()
        )
        rows.append({"design": design, "captured share of runs": stats["base_rate"],
                     "box": box or "(none)", "coverage": stats["coverage"],
                     "density": stats["density"]})  # fmt: skip
    sections.append(table(pd.DataFrame(rows)))
    return sections + tilt.section(ctx)


@fx.register_findings("design_comparison")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the design comparison, claim by claim."""
    rep, opn, safe = "representative", "open", "safeguarded"
    lack = fx.missing(ctx, [rep, opn], ["lobby_budget", "selector_spending"])
    if lack or "capture" not in ctx.runs or "policy_congruence" not in ctx.runs:
        return [fx.unchecked("The hypothesis", lack or "capture and congruence")]
    out = []
    data = analysis.ok_runs(ctx.runs)
    per = data.groupby(["sample", "design"])["policy_congruence"].mean().unstack("design")
    best = per.idxmax(axis=1).value_counts()
    out.append(fx.Finding(
        f"No design is best everywhere ({fx.describe('policy_congruence')}, per sampled context)",
        fx.SUPPORTED if len(best) > 1 else fx.NOT_SUPPORTED,
        f"Most congruent design in each of {len(per)} contexts: "
        + "; ".join(f"**{design_words(d)}** in {n}" for d, n in best.items()) + ".",
        ("policy_congruence",),
    ))  # fmt: skip
    budget = data["param.lobby_budget"]
    weak = data[budget <= budget.median()]
    e = fx.paired(ctx, "policy_congruence", rep, opn, runs=weak)
    out.append(fx.Finding(
        "Seated bodies are more responsive (more congruent) when lobbies are weak",
        fx.verdict(e, +1),
        f"Contexts with a lobby budget at or below its median ({budget.median():.2f}): "
        f"representative minus open policy congruence, paired, {e}.",
        ("policy_congruence",),
    ))  # fmt: skip
    # "selection is captured": the representative forum's selector ended up captured (its
    # selector capture at or above the median over the representative runs); the adaptive
    # lobby chooses its own selector spending, so the factor alone does not say it
    keys = ["sample", "replicate"]
    sel = data[data["design"] == rep].set_index(keys)["selector_capture"]
    high_keys = sel[sel >= sel.median()].index
    captured = data[data.set_index(keys).index.isin(high_keys)]
    e = fx.paired(ctx, "policy_congruence", opn, rep, runs=captured)
    out.append(fx.Finding(
        "Open forums are more responsive when selection is captured",
        fx.verdict(e, +1),
        "Contexts where the representative forum's selector ended up most captured ("
        f"{fx.name('selector_capture')} at or above its median, {sel.median():.3f}): open minus "
        f"representative policy congruence, paired, {e}.",
        ("policy_congruence", "selector_capture"),
    ))  # fmt: skip
    if safe in set(data["design"]):
        worst = analysis.robustness(ctx.runs, "capture").set_index("design")["worst"]
        out.append(fx.Finding(
            f"A safeguarded representative forum has the lowest worst-case capture "
            f"({fx.describe('capture')})",
            fx.SUPPORTED if worst.idxmin() == safe else fx.NOT_SUPPORTED,
            "Capture in its worst context (mean over replicates), by design: "
            + "; ".join(f"**{design_words(d)}** {v:.3f}"
                        for d, v in worst.sort_values().items()) + ".",
            ("capture",),
        ))  # fmt: skip
    seated = data[data["design"] != opn]
    corr = {f: _spearman(seated[f"param.{f}"], seated["capture"])
            for f in ("lobby_budget", "selector_spending")}  # fmt: skip
    out.append(fx.Finding(
        "Capture of seated designs concentrates where lobby budgets are large and spending on "
        "the selector is high",
        fx.combine([fx.verdict(e, +1) for e in corr.values()]),
        "Rank correlation (Spearman, 95% interval) of capture with each factor over the runs of "
        "the seated designs: "
        + "; ".join(f"{fx.factor_label(f)} {e}" for f, e in corr.items())
        + ". The PRIM boxes below show where.",
        ("capture",),
    ))  # fmt: skip
    extra = (fx.structural_tilt(ctx), tilt.finding(ctx))
    return out + [f for f in extra if f is not None]


def _spearman(x: pd.Series, y: pd.Series) -> fx.Estimate:
    """Spearman's rho with a Fisher-z 95% interval."""
    n = len(x)
    rho = float(stats.spearmanr(x, y).statistic)
    if n < 4 or not math.isfinite(rho) or abs(rho) >= 1:
        return fx.Estimate(rho, float("nan"), float("nan"), n)
    z, half = math.atanh(rho), 1.96 / math.sqrt(n - 3)
    return fx.Estimate(rho, math.tanh(z - half), math.tanh(z + half), n)
