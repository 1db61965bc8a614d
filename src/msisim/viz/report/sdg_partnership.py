"""Report of the SDG partnership preset: outreach and support for less enthusiastic parties.

Outreach and participation support as levers to bring less enthusiastic parties into an open
partnership forum.
"""

from __future__ import annotations

import pandas as pd

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import Context, embed, lines_with_ci, register, table

NONE, OUTREACH, SUPPORT, BOTH = "no_levers", "outreach", "support", "both"
SHARE = "grassroots_share"


def _at(ctx: Context, cost: object) -> pd.DataFrame:
    data = analysis.ok_runs(ctx.runs)
    return data[data["param.participation_cost"] == cost]


@register("sdg_partnership")
def build(ctx: Context) -> list[str]:
    """Presence, inclusiveness and congruence against participation cost, by lever."""
    outcomes = ctx.outcomes()
    fig = lines_with_ci(ctx, "participation_cost", outcomes, "outcomes_by_cost.png")
    summary = analysis.ci_table(ctx.runs, ["design", "param.participation_cost"], outcomes)
    diff = analysis.paired_differences(ctx.runs, SHARE, NONE, by=["param.participation_cost"])
    columns = ["design", "param.participation_cost", "outcome", "mean", "ci_low", "ci_high", "n"]
    out = ["## Outcomes against the cost of taking part\n", embed(fig, "outcomes by cost")]
    if not diff.empty:
        head = f"{fx.name(SHARE)}: design minus {NONE}"
        diff = diff.rename(columns={"mean_difference": head})
        out += [
            f"### Paired differences in the local communities' share: each lever minus {NONE}\n",
            table(diff[["design", "param.participation_cost", head, "ci_low", "ci_high", "pairs"]]),
            "",
        ]
    return [*out, "## Table\n", table(summary[columns])]


@fx.register_findings("sdg_partnership")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the SDG partnership preset, claim by claim."""
    lack = fx.missing(ctx, [NONE, OUTREACH, SUPPORT, BOTH], ["participation_cost"])
    if lack:
        return [fx.unchecked("The hypothesis", lack)]
    data = analysis.ok_runs(ctx.runs)
    costs = sorted(data["param.participation_cost"].unique())
    low, high = costs[0], costs[-1]
    gains = {
        (lever, outcome, cost): fx.paired(ctx, outcome, lever, NONE, runs=_at(ctx, cost))
        for lever in (OUTREACH, SUPPORT)
        for outcome in (SHARE, "rose")
        for cost in costs
    }
    out = [
        fx.Finding(
            f"Each lever raises the local communities' share ({fx.describe(SHARE)}) and the Rose "
            f"index ({fx.describe('rose')}) at every cost",
            fx.combine([fx.verdict(e, +1) for e in gains.values()]),
            "Paired differences from no levers: "
            + "; ".join(
                f"**{lever}** {fx.name(o)} at cost {c} {e}" for (lever, o, c), e in gains.items()
            )
            + ".",
            (SHARE, "rose"),
        )
    ]
    grows = fx.combination(
        ctx,
        SHARE,
        [
            (1.0, SUPPORT, {"participation_cost": high}),
            (-1.0, NONE, {"participation_cost": high}),
            (-1.0, SUPPORT, {"participation_cost": low}),
            (1.0, NONE, {"participation_cost": low}),
        ],
    )
    out.append(
        fx.Finding(
            "Support acts on the cost, so its gain in the communities' share grows with the cost",
            fx.verdict(grows, +1),
            f"Gain of support over no levers at cost {high} minus at cost {low}: {grows}.",
            (SHARE,),
            built_in="support enters attendance only through the cost term cost × (1 - support) "
            "(docs/ODD.md 7.2.5), so what it offsets grows with the cost by construction",
        )
    )
    best = {d: fx.paired(ctx, SHARE, BOTH, d) for d in (OUTREACH, SUPPORT)}
    out.append(
        fx.Finding(
            "Both levers together do best",
            fx.combine([fx.verdict(e, +1) for e in best.values()]),
            "Communities' share, **both** minus each lever alone (paired, all costs): "
            + "; ".join(f"minus **{d}** {e}" for d, e in best.items())
            + ".",
            (SHARE,),
        )
    )
    pc = "policy_congruence"
    congruent = fx.paired(ctx, pc, BOTH, NONE)
    out.append(
        fx.Finding(
            f"Policy congruence with the public ideal ({fx.describe(pc)}) rises with the "
            f"communities' presence",
            fx.verdict(congruent, +1),
            f"Policy congruence, **both** minus **no_levers** (paired, all costs): {congruent}; "
            f"**support** minus **no_levers**: {fx.paired(ctx, pc, SUPPORT, NONE)}; "
            f"**outreach** minus **no_levers**: {fx.paired(ctx, pc, OUTREACH, NONE)}.",
            ("policy_congruence",),
        )
    )
    return out
