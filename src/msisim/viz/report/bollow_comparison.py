"""Report of the Bollow comparison: outcomes against the lobby budget by template."""

from __future__ import annotations

from msisim.study import analysis
from msisim.viz.report.common import (
    Context,
    embed,
    lines_with_ci,
    register,
    scorecard_heatmaps,
    table,
)


@register("bollow_comparison")
def build(ctx: Context) -> list[str]:
    """Outcomes vs lobby budget by template; paired template differences; scorecards."""
    outcomes = ctx.outcomes()
    fig = lines_with_ci(ctx, "lobby_budget", outcomes, "outcomes_by_budget.png")
    low, high = ctx.extreme_levels("lobby_budget")
    bias = analysis.ci_table(ctx.runs, ["design", "param.lobby_budget"], ["lobby_bias"])
    reading = []
    for design, sub in bias.groupby("design", sort=False):
        first = sub[sub["param.lobby_budget"] == low].iloc[0]
        last = sub[sub["param.lobby_budget"] == high].iloc[0]
        reading.append(
            f"In the **{design}** forum lobby bias goes from {first['mean']:.3f} "
            f"[{first['ci_low']:.3f}, {first['ci_high']:.3f}] at budget {low} to "
            f"{last['mean']:.3f} [{last['ci_low']:.3f}, {last['ci_high']:.3f}] at budget {high}."
        )
    sections = [
        "## Capture, inclusiveness and responsiveness against the lobby budget\n",
        embed(fig, "outcomes by budget"),
        " ".join(reading)
        + " Lobby bias at budget 0 is not capture: it is the structural tilt of each template "
        "toward the lobby's side (voice grows with resources; open attendance favours the "
        "resourceful). Capture is the rise above it.\n",
    ]
    designs = list(ctx.spec.designs)
    if len(designs) >= 2:
        diff = analysis.paired_differences(
            ctx.runs, "lobby_bias", designs[0], by=["param.lobby_budget"]
        )
        columns = ["design", "param.lobby_budget", "mean_difference", "ci_low", "ci_high", "pairs"]
        sections += [
            f"### Paired differences in lobby bias ({designs[1]} minus {designs[0]})\n",
            "Same seeds for both templates at each budget and replicate (common random "
            "numbers), so the interval is that of the difference itself.\n",
            table(diff[columns]),
            "",
        ]
    top = analysis.ok_runs(ctx.runs)
    top = top[top["param.lobby_budget"] == high]
    heat = scorecard_heatmaps(
        ctx, top, "scorecards.png", f"Governance scorecard at lobby budget {high} (1-10)"
    )
    if heat is not None:
        sections += [
            f"## Governance scorecard at the highest budget ({high})\n",
            embed(heat, "scorecards"),
        ]
    summary = analysis.ci_table(ctx.runs, ["design", "param.lobby_budget"], outcomes)
    summary = summary[summary["param.lobby_budget"].isin([low, high])]
    columns = ["design", "param.lobby_budget", "outcome", "mean", "ci_low", "ci_high", "n"]
    sections += ["## Table: outcomes at the lowest and highest budget\n", table(summary[columns])]
    return sections
