"""Report of safeguards: how much capture each safeguard buys back."""

from __future__ import annotations

from msisim.study import analysis
from msisim.viz.report import findings as fx
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
    diff = analysis.paired_differences(ctx.runs, "capture", baseline)
    best = diff.sort_values("mean_difference").iloc[0] if not diff.empty else None
    reading = (
        f"Against the unprotected **{baseline}** forum, **{best['design']}** buys back the most: "
        f"capture changes by {best['mean_difference']:.3f} [{best['ci_low']:.3f}, "
        f"{best['ci_high']:.3f}] (paired on common random numbers)."
        if best is not None
        else ""
    )
    heat = scorecard_heatmaps(
        ctx, analysis.ok_runs(ctx.runs), "scorecards.png", "Governance scorecard by safeguard"
    )
    diff = diff.rename(columns={"mean_difference": f"capture: design minus {baseline}"})
    columns = ["design", f"capture: design minus {baseline}", "ci_low", "ci_high", "pairs"]
    return [
        "## Capture by safeguard\n",
        embed(fig, "safeguards"),
        reading + "\n",
        f"### Paired differences in capture: each safeguard minus the unprotected {baseline}\n",
        f"Capture of the row's design minus capture of **{baseline}** on the same seeds "
        f"({fx.scale('capture')}); negative = the safeguard removes capture.\n",
        table(diff[columns]),
        "",
        "## Governance scorecard by safeguard\n",
        embed(heat, "scorecards"),
    ]


@fx.register_findings("safeguards")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the safeguards study, claim by claim."""
    base = next(iter(ctx.spec.designs), "baseline")
    strong, weak = ("transparency", "recusal"), ("term_limits", "cooling_off")
    lack = fx.missing(ctx, [base, *strong, *weak])
    if lack:
        return [fx.unchecked("The hypothesis", lack)]
    cut = {d: fx.paired(ctx, "capture", d, base) for d in (*strong, *weak)}
    out = [
        fx.Finding(
            f"A lobby register (transparency) and recusal each cut capture "
            f"({fx.scale('capture')}; {fx.better('capture')}) against the unprotected forum",
            fx.combine([fx.verdict(cut[d], -1) for d in strong]),
            "Paired differences, safeguard minus unprotected: "
            + "; ".join(f"**{d}** {cut[d]}" for d in strong)
            + ".",
            ("capture",),
        )
    ]
    pairs = {(w, s): fx.paired(ctx, "capture", w, s) for w in weak for s in strong}
    out.append(fx.Finding(
        "Term limits and cooling-off buy back less capture than transparency and recusal",
        fx.combine([fx.verdict(e, +1) for e in pairs.values()]),
        "Capture of the weaker minus the stronger safeguard (paired; positive = buys back "
        "less): " + "; ".join(f"{w} minus {s} {e}" for (w, s), e in pairs.items())
        + ". Against the unprotected forum: "
        + "; ".join(f"**{d}** {cut[d]}" for d in weak) + ".",
        ("capture",),
    ))  # fmt: skip
    if "selector_capture" in ctx.runs:
        sel = {d: fx.paired(ctx, "selector_capture", d, base) for d in weak}
        level = fx.values(ctx, "selector_capture", design=base)
        unprotected = fx.mean_ci(level, "selector_capture")
        kept = [fx.SUPPORTED if e.sign() >= 0 else fx.NOT_SUPPORTED for e in sel.values()]
        out.append(fx.Finding(
            f"Term limits and cooling-off leave the captured selector in place "
            f"({fx.describe('selector_capture')} not lower than without safeguards)",
            fx.combine(kept),
            "Selector capture, safeguard minus unprotected (paired): "
            + "; ".join(f"**{d}** {e}" for d, e in sel.items())
            + f"; unprotected level {unprotected}.",
            ("selector_capture",),
        ))  # fmt: skip
    tilt = fx.structural_tilt(ctx)
    return out + ([tilt] if tilt else [])
