"""Report of responsiveness to shocks: adaptation lag by design and term length."""

from __future__ import annotations

from msisim.study import analysis
from msisim.viz.report.common import (
    Context,
    embed,
    lines_with_ci,
    register,
    series_by_design,
    table,
)


@register("shock_responsiveness")
def build(ctx: Context) -> list[str]:
    """Adaptation lag by design and term length; congruence error around the shock."""
    outcomes = ctx.outcomes()
    fig = lines_with_ci(ctx, "term_length", outcomes, "lag_by_term_length.png")
    series = series_by_design(ctx, ["congruence_error", "congruence"], "congruence_over_time.png")
    summary = analysis.ci_table(ctx.runs, ["design", "param.term_length"], ["adaptation_lag"])
    fastest = summary.sort_values("mean").iloc[0]
    columns = ["design", "param.term_length", "outcome", "mean", "ci_low", "ci_high", "n"]
    return [
        "## Adaptation lag against term length\n",
        embed(fig, "lag by term length"),
        f"The shortest mean lag is {fastest['mean']:.1f} steps ({fastest['design']}, term length "
        f"{fastest['param.term_length']}). A lag equal to the steps left after the shock means "
        "the shock was never absorbed (censored; see the censored share).\n",
        "## Congruence error over time (all term lengths pooled; dashed line: the shock)\n",
        embed(series, "congruence over time"),
        "## Table\n",
        table(summary[columns]),
    ]
