"""Report of selection capture: who gets seated as the selector's capture grows."""

from __future__ import annotations

import numpy as np

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import Context, design_words, embed, lines_with_ci, register, table


@register("selection_capture")
def build(ctx: Context) -> list[str]:
    """Rose gap and lobby-aligned odds against selector capture by selection rule."""
    outcomes = ctx.outcomes()
    fig = lines_with_ci(ctx, "selector_capture", outcomes, "outcomes_by_capture.png")
    summary = analysis.ci_table(
        ctx.runs, ["design", "param.selector_capture"], ["rose_gap", "selection_odds_ratio"]
    )
    low, high = ctx.extreme_levels("selector_capture")
    reading = []
    data = analysis.ok_runs(ctx.runs)
    for design, sub in data.groupby("design", sort=False):
        # odds ratios multiply: summarise them by their geometric mean over replicates
        logs = np.log(sub["selection_odds_ratio"]).groupby(sub["param.selector_capture"]).mean()
        a, b = float(np.exp(logs.loc[low])), float(np.exp(logs.loc[high]))
        reading.append(
            f"Under **{design_words(design)}** the odds of lobby-aligned stakeholders being seated "
            f"are {a:.2f}x the pool's at capture {low} and {b:.2f}x at capture {high} "
            f"(geometric means over replicates; the ratio tops out at about 61 when every "
            f"seat is lobby-aligned)."
        )
    columns = ["design", "param.selector_capture", "outcome", "mean", "ci_low", "ci_high", "n"]
    return [
        "## Selection outcomes against the selector's capture\n",
        embed(fig, "outcomes by capture"),
        " ".join(reading) + " The Rose gap is the seated body's Rose index minus the "
        "expected Rose index of a random body of the same size (Gerring, Jerzak & Oncel 2024).\n",
        "## Table\n",
        table(summary[columns]),
    ]


@fx.register_findings("selection_capture")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the selection-capture study, claim by claim."""
    lack = fx.missing(ctx, [], ["selector_capture"])
    if lack:
        return [fx.unchecked("The hypothesis", lack)]
    low, high = ctx.extreme_levels("selector_capture")
    designs = list(dict.fromkeys(analysis.ok_runs(ctx.runs)["design"]))
    out = []
    odds = "selection_odds_ratio"
    if odds in ctx.runs:
        logs = {}
        for d in designs:
            hi = np.log(fx.values(ctx, odds, design=d, selector_capture=high))
            lo = np.log(fx.values(ctx, odds, design=d, selector_capture=low))
            logs[d] = fx.contrast([(1.0, hi), (-1.0, lo)])
        out.append(fx.Finding(
            f"Under every selection rule the odds of lobby-aligned stakeholders being seated "
            f"({fx.name(odds)}) rise with the selector's capture",
            fx.combine([fx.verdict(e, +1) for e in logs.values()]),
            f"Factor by which the odds change from selector capture {low:g} to {high:g} (ratio of "
            "geometric "
            "means, 95% interval): " + "; ".join(
                f"**{design_words(d)}** {np.exp(e.mean):.2f}x "
                f"[{np.exp(e.low):.2f}, {np.exp(e.high):.2f}]"
                for d, e in logs.items()) + ".",
            (odds,),
        ))  # fmt: skip
    rise = {d: fx.change(ctx, "capture", "selector_capture", d, low, high) for d in designs}
    out.append(fx.Finding(
        f"Capture follows: {fx.describe('capture')} rises with the selector's capture under "
        "every rule",
        fx.combine([fx.verdict(e, +1) for e in rise.values()]),
        f"Selector capture {high:g} minus {low:g}: "
        + "; ".join(f"**{design_words(d)}** {e}" for d, e in rise.items()) + ".",
        ("capture",),
    ))  # fmt: skip
    gap = "rose_gap"
    if "lottery" in designs and gap in ctx.runs:
        e = fx.mean_ci(fx.values(ctx, gap, design="lottery", selector_capture=high), gap)
        drop = fx.change(ctx, gap, "selector_capture", "lottery", low, high)
        out.append(fx.Finding(
            f"A captured lottery loses inclusiveness: its {fx.describe(gap)} falls, below 0 "
            "(Gerring, Jerzak & Oncel 2024)",
            fx.combine([fx.verdict(e, -1), fx.verdict(drop, -1)]),
            f"Lottery at selector capture {high:g}: {e}; at {low:g}: "
            f"{fx.mean_ci(fx.values(ctx, gap, design='lottery', selector_capture=low), gap)}; "
            f"change {drop}.",
            (gap,),
        ))  # fmt: skip
    seated = [d for d in designs if d != "lottery"]
    if seated and gap in ctx.runs and "viewpoint_coverage" in ctx.runs:
        keep = {d: fx.change(ctx, gap, "selector_capture", d, low, high) for d in seated}
        lose = {d: fx.change(ctx, "viewpoint_coverage", "selector_capture", d, low, high)
                for d in seated}  # fmt: skip
        parts = [fx.SUPPORTED if e.sign() == 0 else fx.NOT_SUPPORTED for e in keep.values()]
        parts += [fx.verdict(e, -1) for e in lose.values()]
        out.append(fx.Finding(
            "Category seats keep their Rose index (fixed by the seat allocation) but not their "
            f"viewpoints ({fx.describe('viewpoint_coverage')} falls)",
            fx.combine(parts),
            f"Selector capture {high:g} minus {low:g}, Rose gap: "
            + "; ".join(f"**{design_words(d)}** {e}" for d, e in keep.items())
            + " (kept when the interval includes 0); viewpoint coverage: "
            + "; ".join(f"**{design_words(d)}** {e}" for d, e in lose.items()) + ".",
            (gap, "viewpoint_coverage"),
        ))  # fmt: skip
    tilt = fx.structural_tilt(ctx)
    return out + ([tilt] if tilt else [])
