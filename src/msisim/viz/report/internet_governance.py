"""Report of the internet governance preset: a seated advisory group vs an open process.

A seated advisory group (as the IGF's MAG) against an open rough-consensus process (as the
IETF), under business lobbying.
"""

from __future__ import annotations

import pandas as pd

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import Context, embed, lines_with_ci, register, table

SEATED, OPEN, OPEN_MEAN = "mag", "ietf", "open_weighted_mean"


def _at(ctx: Context, budget: object) -> pd.DataFrame:
    data = analysis.ok_runs(ctx.runs)
    return data[data["param.lobby_budget"] == budget]


@register("internet_governance")
def build(ctx: Context) -> list[str]:
    """Capture, inclusiveness and responsiveness against the lobby budget, by design."""
    outcomes = ctx.outcomes()
    fig = lines_with_ci(ctx, "lobby_budget", outcomes, "outcomes_by_budget.png")
    summary = analysis.ci_table(ctx.runs, ["design", "param.lobby_budget"], outcomes)
    diff = analysis.paired_differences(ctx.runs, "capture", SEATED, by=["param.lobby_budget"])
    columns = ["design", "param.lobby_budget", "outcome", "mean", "ci_low", "ci_high", "n"]
    out = [
        "## Outcomes against the lobby's budget\n",
        embed(fig, "outcomes by lobby budget"),
    ]
    if not diff.empty:
        diff = diff.rename(columns={"mean_difference": f"capture: design minus {SEATED}"})
        out += [
            f"### Paired differences in capture: each open design minus the seated **{SEATED}**\n",
            f"Same seeds ({fx.scale('capture')}); negative = the open design is less captured.\n",
            table(
                diff[
                    [
                        "design",
                        "param.lobby_budget",
                        f"capture: design minus {SEATED}",
                        "ci_low",
                        "ci_high",
                        "pairs",
                    ]
                ]
            ),
            "",
        ]
    return [*out, "## Table\n", table(summary[columns])]


@fx.register_findings("internet_governance")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the internet governance preset, claim by claim."""
    lack = fx.missing(ctx, [SEATED, OPEN], ["lobby_budget"])
    if lack:
        return [fx.unchecked("The hypothesis", lack)]
    low, high = ctx.extreme_levels("lobby_budget")
    rise = {d: fx.change(ctx, "capture", "lobby_budget", d, low, high) for d in (SEATED, OPEN)}
    steeper = fx.combination(
        ctx,
        "capture",
        [
            (1.0, SEATED, {"lobby_budget": high}),
            (-1.0, SEATED, {"lobby_budget": low}),
            (-1.0, OPEN, {"lobby_budget": high}),
            (1.0, OPEN, {"lobby_budget": low}),
        ],
    )
    out = [
        fx.Finding(
            f"The seated group's capture climbs with the budget faster than the open process's "
            f"({fx.describe('capture')})",
            fx.verdict(steeper, +1),
            f"Capture at budget {high} minus at {low}: **{SEATED}** {rise[SEATED]}, **{OPEN}** "
            f"{rise[OPEN]}; seated rise minus open rise {steeper}.",
            ("capture",),
        )
    ]
    calm = _at(ctx, low)
    tilt = fx.paired(ctx, "structural_tilt", OPEN, SEATED, runs=calm)
    users = fx.mean_ci(
        fx.values(ctx, "grassroots_share", design=OPEN, lobby_budget=low), "grassroots_share"
    )
    share = _users_share(ctx)
    out.append(
        fx.Finding(
            f"The open process leans further toward business by its make-up alone "
            f"({fx.describe('structural_tilt')}), and users stay away from it",
            fx.combine(
                [
                    fx.verdict(tilt, +1),
                    fx.SUPPORTED if users.high < share else fx.NOT_SUPPORTED,
                ]
            ),
            f"Structural tilt at budget {low}, **{OPEN}** minus **{SEATED}** (paired): {tilt}. "
            f"Users' share of the open room {users} against their population share {share:.2f} "
            f"(the seated group has no user seats).",
            ("structural_tilt", "grassroots_share"),
        )
    )
    jam = fx.paired(ctx, "gridlock_rate", OPEN, SEATED)
    jam_mean = fx.paired(ctx, "gridlock_rate", OPEN_MEAN, SEATED)
    out.append(
        fx.Finding(
            f"Rough consensus gridlocks more often than the seated group's weighted mean "
            f"({fx.describe('gridlock_rate')})",
            fx.verdict(jam, +1),
            f"Gridlock rate, **{OPEN}** minus **{SEATED}** (paired, all budgets): {jam}; "
            f"**{OPEN_MEAN}** minus **{SEATED}**: {jam_mean}.",
            ("gridlock_rate",),
        )
    )
    tilt_finding = fx.structural_tilt(ctx, lobby_budget=low)
    return out + ([tilt_finding] if tilt_finding else [])


def _users_share(ctx: Context) -> float:
    """The users' population share, from the study's category table (0.4 in the preset)."""
    cats = ctx.spec.base.get("categories") or {}
    entry = cats.get("users") if isinstance(cats, dict) else None
    return float(entry["share"]) if entry else float("nan")
