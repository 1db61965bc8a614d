"""Report of responsiveness to shocks: adaptation lag by design and term length."""

from __future__ import annotations

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import (
    Context,
    design_words,
    embed,
    levels_caption,
    levels_table,
    lines_with_ci,
    register,
    series_by_design,
    table,
)


@register("shock_responsiveness")
def build(ctx: Context) -> list[str]:
    """Adaptation lag by design and term length; congruence error around the shock."""
    outcomes = ctx.outcomes()
    flat = untimed(ctx)
    fig = lines_with_ci(ctx, "term_length", outcomes, "lag_by_term_length.png", flat=flat)
    series = series_by_design(
        ctx, ["congruence_error", "policy_congruence"], "congruence_over_time.png"
    )
    summary = levels_table(
        ctx, ["adaptation_lag", "pass_through"], by=["design", "param.term_length"]
    )  # one row per level of every other factor too (accountability, lobby budget)
    lags = summary[summary["outcome"] == "adaptation_lag"]
    fastest = lags.sort_values("mean").iloc[0]
    summary.loc[summary["design"].isin(flat), "param.term_length"] = None  # no terms
    others = [c for c in summary if c.startswith("param.") and c != "param.term_length"]
    at = ", ".join(f"{c.removeprefix('param.').replace('_', ' ')} {fastest[c]}" for c in others)
    columns = ["design", "param.term_length", *others, "outcome", "mean", "ci_low", "ci_high", "n"]
    return [
        "## Adaptation lag against term length\n",
        embed(fig, "lag by term length"),
        f"The shortest mean lag is {fastest['mean']:.1f} steps "
        f"({design_words(fastest['design'])}"
        + ("" if fastest["design"] in flat else f", term length {fastest['param.term_length']}")
        + (f", {at})" if at else ")")
        + ". A shock never absorbed within the run is censored: it is left out of the lag "
        "and the half-life, and a run whose shocks were all censored has none (NaN). "
        + censored_counts(ctx)
        + " "
        + (
            f"Term length does not apply to the {', '.join(design_words(d) for d in flat)} "
            "forum (it has no terms): its value is the dotted line with a grey 95% band.\n"
            if flat
            else "\n"
        ),
        "## Congruence error over time (all term lengths pooled)\n",
        "A dashed line marks a shock at a fixed step; a grey band, the window in which each "
        "run's shock falls at a random step (so the pooled curves spread the response over "
        "the window). Congruence error: distance from the policy to the public ideal, lower "
        "is better.\n",
        embed(series, "congruence over time"),
        "## Table\n",
        levels_caption(ctx),
        table(summary[columns]),
    ]


def censored_counts(ctx: Context) -> str:
    """How many runs have no lag or no half-life because every shock in them was censored."""
    data = analysis.ok_runs(ctx.runs)
    parts = [
        f"{int(data[name].isna().sum())} of {len(data)} runs have no {words} (all censored)"
        for name, words in (("adaptation_lag", "lag"), ("adaptation_half_life", "half-life"))
        if name in data
    ]
    return ("; ".join(parts) + ".") if parts else ""


def _open_minus(ctx: Context, outcome: str, design: str) -> fx.Estimate:
    """Open minus a seated design, paired by replicate (the seated one averaged over terms).

    The open forum has no terms, so it runs once per replicate, on the seeds every term
    length of the seated designs shares (common random numbers).
    """
    data = analysis.ok_runs(ctx.runs)
    opn = data[data["design"] == "open"].groupby("replicate")[outcome].mean()
    seated = data[data["design"] == design].groupby("replicate")[outcome].mean()
    diff = (opn - seated).dropna()
    return fx.mean_ci(diff.to_numpy())


def untimed(ctx: Context) -> list[str]:
    """Designs the term length does not apply to (the factor is restricted to the others)."""
    term = next((f for f in ctx.spec.factors if f.name == "term_length"), None)
    if term is None or not term.designs:
        return []
    return [d for d in ctx.spec.designs if d not in term.designs]


@fx.register_findings("shock_responsiveness")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the shock study, claim by claim."""
    lack = fx.missing(ctx, [], ["term_length"])
    if lack:
        return [fx.unchecked("The hypothesis", lack)]
    low, high = ctx.extreme_levels("term_length")
    designs = list(dict.fromkeys(analysis.ok_runs(ctx.runs)["design"]))
    seated = [d for d in designs if d != "open"]
    out = []
    for outcome in ("adaptation_lag", "adaptation_half_life"):
        if outcome not in ctx.runs:
            continue
        longer = {d: fx.change(ctx, outcome, "term_length", d, low, high) for d in seated}
        note = ""
        if outcome == "adaptation_lag" and "adaptation_censored" in ctx.runs:
            cens = {d: (fx.values(ctx, "adaptation_censored", design=d, term_length=low).mean(),
                        fx.values(ctx, "adaptation_censored", design=d, term_length=high).mean())
                    for d in seated}  # fmt: skip
            never = [f"{design_words(d)} {a:.0%} at term {low:g}, {b:.0%} at term {high:g}"
                     for d, (a, b) in cens.items() if a > 0 or b > 0]  # fmt: skip
            if never:
                note = (
                    " Shocks never absorbed (censored: left out of the lag, so the lag "
                    "describes only the shocks that were absorbed): " + "; ".join(never) + "."
                )
        out.append(fx.Finding(
            f"Longer terms lengthen seated bodies' response, measured as "
            f"{fx.describe(outcome)}",
            fx.combine([fx.verdict(e, +1) for e in longer.values()]),
            f"Term length {high:g} minus {low:g} steps: "
            + "; ".join(f"**{design_words(d)}** {e}" for d, e in longer.items()) + "." + note,
            (outcome,),
        ))  # fmt: skip
    if "open" in designs and "pass_through" in ctx.runs:
        p = "pass_through"
        rows = {d: fx.mean_ci(fx.values(ctx, p, design=d), p) for d in designs}
        faster = {d: _open_minus(ctx, p, d) for d in seated}
        out.append(fx.Finding(
            "Open forums adapt as fast as attendance and deliberation allow; checked as: the "
            f"open forum passes more of a shock through to the policy ({fx.describe(p)}) than "
            "the seated designs",
            fx.combine([fx.verdict(e, +1) for e in faster.values()]),
            "Pass-through, all term lengths: "
            + "; ".join(f"**{design_words(d)}** {e}" for d, e in rows.items())
            + ". Open minus each seated design, paired by replicate (same seeds; the seated "
            "design averaged over its term lengths): "
            + "; ".join(f"{design_words(d)} {e}" for d, e in faster.items()) + ".",
            (p,),
        ))  # fmt: skip
    return out
