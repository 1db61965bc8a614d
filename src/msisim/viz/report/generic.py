"""The report of a study without a builder of its own: outcomes per design and factor level."""

from __future__ import annotations

from msisim.viz.report.common import (
    Context,
    design_words,
    embed,
    levels_caption,
    levels_differences,
    levels_table,
    lines_with_ci,
    points_with_ci,
    register,
    table,
)


@register("generic")
def build(ctx: Context) -> list[str]:
    """Outcomes per design and level of every varied factor; paired differences of designs."""
    outcomes = ctx.outcomes()
    if ctx.spec.factors and ctx.spec.sampler == "grid":
        fig = lines_with_ci(ctx, ctx.spec.factors[0].name, outcomes, "outcomes.png")
    else:
        fig = points_with_ci(ctx, outcomes, "outcomes.png")
    summary = levels_table(ctx, outcomes)
    sections = [
        "## Outcomes\n",
        embed(fig, "outcomes"),
        "### Table: outcomes per design and factor level\n",
        levels_caption(ctx),
        table(summary),
        "",
    ]
    designs = list(dict.fromkeys(ctx.runs["design"]))
    if len(designs) < 2:
        return sections
    baseline = designs[0]
    diff = levels_differences(ctx, outcomes, baseline)
    sections += [
        f"## Paired differences from {design_words(baseline)}\n",
        f"Each design minus **{design_words(baseline)}** (the first design), on common random "
        "numbers: runs matched on seed, sample point and factor levels, so the context's "
        "chance cancels out; mean difference with its Student-t 95% interval over the pairs. "
        "An interval that excludes 0 is a difference the runs resolve. " + levels_caption(ctx),
    ]
    if diff.empty:
        sections.append("No pair of runs shares its seed, so no paired difference exists.\n")
    else:
        columns = [c for c in diff.columns if c != "baseline"]
        sections += [table(diff[columns].rename(columns={"mean_difference": "difference"})), ""]
    return sections
