"""Report of participation cost: who attends an open forum as taking part gets costlier."""

from __future__ import annotations

from msisim.study import analysis
from msisim.viz.report.common import Context, embed, lines_with_ci, register, table


@register("participation_cost")
def build(ctx: Context) -> list[str]:
    """Grassroots share and inclusiveness against participation cost by support level."""
    outcomes = ctx.outcomes()
    fig = lines_with_ci(ctx, "participation_cost", outcomes, "outcomes_by_cost.png")
    summary = analysis.ci_table(
        ctx.runs, ["design", "param.participation_cost"], ["grassroots_share"]
    )
    low, high = ctx.extreme_levels("participation_cost")
    reading = []
    for design, sub in summary.groupby("design", sort=False):
        a = sub[sub["param.participation_cost"] == low]["mean"].iloc[0]
        b = sub[sub["param.participation_cost"] == high]["mean"].iloc[0]
        reading.append(
            f"**{design}**: grassroots share {a:.3f} at cost {low}, {b:.3f} at cost {high}."
        )
    columns = ["design", "param.participation_cost", "outcome", "mean", "ci_low", "ci_high", "n"]
    return [
        "## Attendance against the cost of taking part\n",
        embed(fig, "outcomes by cost"),
        " ".join(reading) + " (Grassroots are half the population.)\n",
        "## Table\n",
        table(summary[columns]),
    ]
