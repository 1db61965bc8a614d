"""Report of safeguards: how much capture each safeguard buys back."""

from __future__ import annotations

from msisim.study import analysis
from msisim.viz.report.common import (
    Context,
    embed,
    points_with_ci,
    register,
    scorecard_heatmaps,
    table,
)


@register("safeguards")
def build(ctx: Context) -> list[str]:
    """Outcomes per safeguard with paired differences from the unprotected baseline."""
    fig = points_with_ci(ctx, ctx.outcomes(), "safeguards.png")
    baseline = next(iter(ctx.spec.designs))
    diff = analysis.paired_differences(ctx.runs, "lobby_bias", baseline)
    best = diff.sort_values("mean_difference").iloc[0] if not diff.empty else None
    reading = (
        f"Against the unprotected **{baseline}** forum, **{best['design']}** buys back the most: "
        f"lobby bias changes by {best['mean_difference']:.3f} [{best['ci_low']:.3f}, "
        f"{best['ci_high']:.3f}] (paired on common random numbers)."
        if best is not None
        else ""
    )
    heat = scorecard_heatmaps(
        ctx, analysis.ok_runs(ctx.runs), "scorecards.png", "Governance scorecard by safeguard"
    )
    columns = ["design", "baseline", "mean_difference", "ci_low", "ci_high", "pairs"]
    return [
        "## Capture by safeguard\n",
        embed(fig, "safeguards"),
        reading + "\n",
        "### Paired differences in lobby bias from the baseline\n",
        table(diff[columns]),
        "",
        "## Governance scorecard by safeguard\n",
        embed(heat, "scorecards"),
    ]
