"""Report of participation cost: who attends an open forum as taking part gets costlier."""

from __future__ import annotations

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import Context, design_words, embed, lines_with_ci, register, table


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
            f"**{design_words(design)}**: grassroots share {a:.3f} at cost {low:g}, "
            f"{b:.3f} at cost {high:g}."
        )
    columns = ["design", "param.participation_cost", "outcome", "mean", "ci_low", "ci_high", "n"]
    return [
        "## Attendance against the cost of taking part\n",
        embed(fig, "outcomes by cost"),
        " ".join(reading) + " (Grassroots are half the population.)\n",
        "## Table\n",
        table(summary[columns]),
    ]


@fx.register_findings("participation_cost")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the participation-cost study, claim by claim."""
    none, half, full = "no_support", "half_support", "full_support"
    lack = fx.missing(ctx, [none], ["participation_cost"])
    if lack:
        return [fx.unchecked("The hypothesis", lack)]
    low, high = ctx.extreme_levels("participation_cost")
    share = "grassroots_share"
    fall = {o: fx.change(ctx, o, "participation_cost", none, low, high)
            for o in (share, "rose") if o in ctx.runs}  # fmt: skip
    out = [fx.Finding(
        "Without support, the grassroots share and the Rose index fall as the cost of "
        f"attending grows ({fx.describe(share)}; {fx.describe('rose')})",
        fx.combine([fx.verdict(e, -1) for e in fall.values()]),
        f"Cost {high:g} minus cost {low:g}, no support: "
        + "; ".join(f"{fx.name(o)} {e}" for o, e in fall.items()) + ".",
        tuple(fall),
    )]  # fmt: skip

    def flatter(design: str) -> fx.Estimate:
        # (fall with support) minus (fall without): positive = a flatter fall
        return fx.combination(ctx, share, [
            (1.0, design, {"participation_cost": high}),
            (-1.0, design, {"participation_cost": low}),
            (-1.0, none, {"participation_cost": high}),
            (1.0, none, {"participation_cost": low}),
        ])  # fmt: skip

    if not fx.missing(ctx, [half]):
        e = flatter(half)
        out.append(fx.Finding(
            "Subsidising half of the grassroots' cost flattens the fall of their share",
            fx.verdict(e, +1),
            f"Change of the grassroots share from cost {low:g} to {high:g}: half support "
            f"{fx.change(ctx, share, 'participation_cost', half, low, high)}, no support "
            f"{fall[share]}; half minus none {e} (positive = flatter)."
            + (" With half support the share does not fall but rises: subsidised grassroots "
               "stay while other groups drop out." if fx.change(
                   ctx, share, "participation_cost", half, low, high).sign() > 0 else ""),
            (share,),
        ))  # fmt: skip
    if not fx.missing(ctx, [full]):
        e = fx.change(ctx, share, "participation_cost", full, low, high)
        out.append(fx.Finding(
            "Full support removes the cost's effect on the grassroots share",
            fx.SUPPORTED if e.sign() == 0 else fx.NOT_SUPPORTED,
            f"With full support, cost {high:g} minus cost {low:g}: {e} (supported when the "
            f"interval includes 0; compare {fall[share]} without support). Grassroots are "
            "half the population."
            + (" The cost still moves the share, upward: fully supported grassroots stay "
               "while the unsupported groups leave the room." if e.sign() > 0 else ""),
            (share,),
            built_in="with support 1 the grassroots' cost term cost × (1 - support) is 0 "
            "(docs/ODD.md 7.2.5): only the other groups' attendance still depends on the cost",
        ))  # fmt: skip
    return out
