"""Report of the design comparison: robustness across sampled contexts, and where capture is."""

from __future__ import annotations

import pandas as pd

from msisim.study import analysis
from msisim.viz.report.common import Context, embed, points_with_ci, register, table
from msisim.viz.report.labels import label


@register("design_comparison")
def build(ctx: Context) -> list[str]:
    """Mean, spread, worst case and regret per design; PRIM boxes where designs get captured."""
    outcomes = ctx.outcomes()
    fig = points_with_ci(ctx, outcomes, "designs.png")
    robust = pd.concat(
        [analysis.robustness(ctx.runs, o) for o in outcomes],
        ignore_index=True,
    )
    sections = [
        "## Designs across sampled contexts\n",
        embed(fig, "designs"),
        f"{len(ctx.spec.samples())} contexts sampled by Latin hypercube over "
        + ", ".join(f.name for f in ctx.spec.factors)
        + f"; {ctx.spec.replicates} replicates per context and design, the same seeds for "
        "every design (common random numbers).\n",
        "## Robustness table\n",
        "Per context, a design's value is its mean over replicates. *Worst* is its worst "
        "context; *regret* is how far it falls short of the best design in the same context "
        "(mean and maximum over contexts).\n",
        table(robust),
        "",
    ]
    for outcome in outcomes:
        sub = robust[robust["outcome"] == outcome].sort_values("max_regret")
        sections.append(
            f"- {label(outcome)}: smallest maximum regret for **{sub.iloc[0]['design']}** "
            f"({sub.iloc[0]['max_regret']:.3f})."
        )
    factors = [f.name for f in ctx.spec.factors]
    sections += [
        "",
        "## Scenario discovery: where does each design get captured?\n",
        f"PRIM (ema_workbench) on runs with lobby bias above {ctx.spec.capture_threshold}: "
        "the box of contexts where capture concentrates.\n",
    ]
    rows = []
    for design in ctx.spec.designs:
        limits, stats = analysis.prim_boxes(
            ctx.runs, factors, "lobby_bias", ctx.spec.capture_threshold, design=design
        )
        box = "; ".join(f"{r.factor} in [{r.low:.3g}, {r.high:.3g}]" for r in limits.itertuples())
        rows.append({"design": design, "captured share of runs": stats["base_rate"],
                     "box": box or "(none)", "coverage": stats["coverage"],
                     "density": stats["density"]})  # fmt: skip
    sections.append(table(pd.DataFrame(rows)))
    return sections
