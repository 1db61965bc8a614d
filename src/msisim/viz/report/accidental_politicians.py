"""Report of accidental_politicians: Pluchino et al. (2011) reproduced, peak vs golden rule."""

from __future__ import annotations

import pandas as pd

from msisim.parliament import golden_rule
from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import Context, _plt, embed, name_axes, register, save, table, y_axis

OUTCOME = "legislative_efficiency"


def golden_window(n_seats: int, majority_share: float) -> tuple[float, float]:
    """Where the peak should lie: within 20% of N*, or below 60 when N* < 50 (p near 1/2)."""
    star = golden_rule(n_seats, majority_share)
    return (0.0, 60.0) if star < 50 else (0.8 * star, 1.2 * star)


def peak_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per majority share: N*, the peak (most efficient number of independents) and its mean.

    Also the means with parties only (0 independents) and independents only (N).
    """
    data = analysis.ok_runs(runs)
    rows = []
    for p, sub in data.groupby("param.majority_share"):
        n_seats = int(sub["param.n_seats"].iloc[0])
        means = sub.groupby("param.lottery_seats")[OUTCOME].mean()
        low, high = golden_window(n_seats, float(p))
        best = int(means.idxmax())
        rows.append(
            {
                "param.majority_share": float(p),
                "golden_rule": golden_rule(n_seats, float(p)),
                "peak_independents": best,
                "peak_efficiency": float(means.max()),
                "efficiency_parties_only": float(means.get(0, float("nan"))),
                "efficiency_independents_only": float(means.get(n_seats, float("nan"))),
                "window_low": low,
                "window_high": high,
                "peak_in_window": bool(low <= best <= high),
            }
        )
    return pd.DataFrame(rows)


@register("accidental_politicians")
def build(ctx: Context) -> list[str]:
    """Mean efficiency against the number of independents per majority share, N* marked."""
    plt, sns = _plt()
    data = analysis.ok_runs(ctx.runs)
    fig, ax = plt.subplots(figsize=(8, 4.8))
    shares = sorted(data["param.majority_share"].unique())
    colours = sns.color_palette("deep", len(shares))
    for p, colour in zip(shares, colours, strict=True):
        sub = data[data["param.majority_share"] == p]
        sns.lineplot(
            data=sub, x="param.lottery_seats", y=OUTCOME, errorbar=("ci", 95), n_boot=500,
            seed=0, marker="o", markersize=4, color=colour, label=f"p = {p:g}", ax=ax,
        )  # fmt: skip
        star = golden_rule(int(sub["param.n_seats"].iloc[0]), float(p))
        ax.axvline(star, color=colour, linestyle="--", linewidth=1)
        ax.annotate(f"N* = {star:.0f}", (star, 0.97), xycoords=("data", "axes fraction"),
                    color=colour, fontsize=8, ha="left", va="top", rotation=90)  # fmt: skip
    name_axes(ax, "legislative efficiency vs independents drawn by lot",
              "independents drawn by lot (lottery seats of N = 500)")  # fmt: skip
    y_axis(ax, OUTCOME)
    # the declared range [-100, 100] would flatten the curves: show 0 and the means' span
    means = data.groupby(["param.majority_share", "param.lottery_seats"])[OUTCOME].mean()
    ax.set_ylim(min(0.0, float(means.min())) - 1.0, max(float(means.max()), 1.0) * 1.3)
    ax.legend(fontsize=8, title="majority share", title_fontsize=8)
    title = f"{ctx.spec.title}\n(mean and bootstrap 95% CI; dashed: golden rule N*)"
    fig_path = save(ctx, fig, "efficiency_by_independents.png", title)
    peaks = peak_table(ctx.runs)
    summary = analysis.ci_table(
        ctx.runs, ["param.majority_share", "param.lottery_seats"], [OUTCOME]
    )
    columns = ["param.majority_share", "param.lottery_seats", "mean", "ci_low", "ci_high", "n"]
    return [
        "## Efficiency against the number of independents\n",
        embed(fig_path, "efficiency by independents"),
        "## Peaks and the golden rule\n",
        table(peaks, digits=2),
        "",
        "## Table\n",
        table(summary[columns], digits=2),
    ]


@fx.register_findings("accidental_politicians")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis, claim by claim: a peak near N*, both extremes below it."""
    lack = fx.missing(ctx, [], ["majority_share", "lottery_seats"])
    if lack:
        return [fx.unchecked("The hypothesis", lack)]
    out = []
    for row in peak_table(ctx.runs).itertuples():
        p, best = row[1], row.peak_independents
        at = {"majority_share": p}
        peak = fx.values(ctx, OUTCOME, lottery_seats=best, **at)
        ends = [
            fx.contrast([(1.0, peak), (-1.0, fx.values(ctx, OUTCOME, lottery_seats=n, **at))])
            for n in (0, int(ctx.runs["param.n_seats"].iloc[0]))
        ]
        out.append(fx.Finding(
            f"With majority share p = {p:g}, efficiency peaks near the golden rule "
            f"N* = {row.golden_rule:.0f} (within [{row.window_low:.0f}, {row.window_high:.0f}])"
            " and is higher there than with parties only or independents only",
            fx.combine([fx.SUPPORTED if row.peak_in_window else fx.NOT_SUPPORTED,
                        *(fx.verdict(e, +1) for e in ends)]),
            f"Highest mean efficiency at {best} independents ({fx.mean_ci(peak, OUTCOME)}); "
            f"peak minus parties only {ends[0]}; peak minus independents only {ends[1]}.",
            (OUTCOME,),
        ))  # fmt: skip
    return out
