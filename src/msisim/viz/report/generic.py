"""The report of a study without a builder of its own: outcomes per design."""

from __future__ import annotations

from msisim.study import analysis
from msisim.viz.report.common import (
    Context,
    embed,
    lines_with_ci,
    points_with_ci,
    register,
    table,
)


@register("generic")
def build(ctx: Context) -> list[str]:
    """Outcomes per design (and against the first factor, if any)."""
    outcomes = ctx.outcomes()
    if ctx.spec.factors and ctx.spec.sampler == "grid":
        fig = lines_with_ci(ctx, ctx.spec.factors[0].name, outcomes, "outcomes.png")
    else:
        fig = points_with_ci(ctx, outcomes, "outcomes.png")
    summary = analysis.ci_table(ctx.runs, ["design"], outcomes)
    return ["## Outcomes\n", embed(fig, "outcomes"), table(summary)]
