"""Report of safeguards: how much capture each safeguard buys back."""

from __future__ import annotations

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import (
    Context,
    design_words,
    embed,
    levels_caption,
    levels_differences,
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
    diff = levels_differences(ctx, ["capture"], baseline)  # per lobby budget (and factor)
    minus = f"capture: design minus {design_words(baseline)}"
    budget = "param.lobby_budget"
    top = diff[diff[budget] == diff[budget].max()] if budget in diff else diff
    best = top.sort_values("mean_difference").iloc[0] if not top.empty else None
    where = ""
    if best is not None and budget in top:
        where = f" at the highest lobby budget ({best[budget]:g})"
    reading = (
        f"Against the unprotected forum (**{design_words(baseline)}**){where}, "
        f"**{design_words(best['design'])}** buys back the most: capture "
        f"changes by {best['mean_difference']:.3f} [{best['ci_low']:.3f}, "
        f"{best['ci_high']:.3f}] (paired on common random numbers)."
        if best is not None
        else ""
    )
    heat = scorecard_heatmaps(
        ctx, analysis.ok_runs(ctx.runs), "scorecards.png", "Governance scorecard by safeguard"
    )
    diff = diff.rename(columns={"mean_difference": minus})
    levels = [c for c in diff.columns if c.startswith("param.")]
    columns = ["design", *levels, minus, "ci_low", "ci_high", "pairs"]
    return [
        "## Capture by safeguard\n",
        embed(fig, "safeguards"),
        reading + "\n",
        "### Paired differences in capture: each safeguard minus the unprotected forum\n",
        f"Capture of the row's design minus capture of the unprotected forum "
        f"(**{design_words(baseline)}**) on the same seeds ({fx.scale('capture')}); negative "
        "= the safeguard removes capture. A safeguard's value can change with the lobby's "
        "budget (a lobby with more money may work around it). " + (levels_caption(ctx) or "\n"),
        table(diff[columns]),
        "",
        "## Governance scorecard by safeguard\n",
        embed(heat, "scorecards"),
    ]


#: Why the strong safeguards' effects follow from the model's formulas (docs/ODD.md).
BUILT_IN = {
    "transparency": "a register scales every tie's pull on a member and the selector's capture "
    "from its ties by 1 - transparency (docs/ODD.md 7.3 step 5, 7.2.1)",
    "recusal": "recusal takes every strongly tied member out of the decision by rule (7.5 step "
    "2): a lobby that courts its allies loses exactly those votes, and the adaptive lobby, "
    "knowing the threshold, keeps every tie below it (7.3.1 step 4)",
}


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
            f"A lobby register ({design_words(d)}) cuts capture ({fx.scale('capture')}; "
            f"{fx.better('capture')}) against the unprotected forum"
            if d == "transparency"
            else "Recusal of strongly tied members cuts capture against the unprotected forum",
            fx.verdict(cut[d], -1),
            f"Paired difference, safeguard minus unprotected: **{design_words(d)}** {cut[d]}.",
            ("capture",),
            built_in=BUILT_IN[d],
        )
        for d in strong
    ]
    pairs = {(w, s): fx.paired(ctx, "capture", w, s) for w in weak for s in strong}
    out.append(fx.Finding(
        "Term limits and cooling-off buy back less capture than transparency and recusal",
        fx.combine([fx.verdict(e, +1) for e in pairs.values()]),
        "Capture of the weaker minus the stronger safeguard (paired; positive = buys back "
        "less): " + "; ".join(f"{design_words(w)} minus {design_words(s)} {e}"
                              for (w, s), e in pairs.items())
        + ". Against the unprotected forum: "
        + "; ".join(f"**{design_words(d)}** {cut[d]}" for d in weak) + ".",
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
            + "; ".join(f"**{design_words(d)}** {e}" for d, e in sel.items())
            + f"; unprotected level {unprotected}.",
            ("selector_capture",),
        ))  # fmt: skip
    if "param.lobby_budget" in ctx.runs and ctx.runs["param.lobby_budget"].nunique() > 1:
        data = analysis.ok_runs(ctx.runs)
        rows = []
        for d in (*strong, *weak, "all"):
            if d not in set(data["design"]):
                continue
            per = [
                f"{b:g}: "
                f"{fx.paired(ctx, 'capture', d, base, runs=data[data['param.lobby_budget'] == b])}"
                for b in sorted(data["param.lobby_budget"].unique())
            ]
            rows.append(f"**{design_words(d)}** at budget " + ", ".join(per))
        out.append(fx.Finding(
            "Capture removed by each safeguard at each lobby budget (safeguard minus "
            "unprotected, paired; negative = removes capture)",
            fx.MEASURED,
            "; ".join(rows) + ".",
            ("capture",),
        ))  # fmt: skip
    tilt = fx.structural_tilt(ctx)
    return out + ([tilt] if tilt else [])
