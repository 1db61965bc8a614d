"""Report of the sensitivity study: Sobol indices of the outcomes over the uncertainties."""

from __future__ import annotations

import numpy as np
import pandas as pd

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import (
    Context,
    design_words,
    embed,
    name_axes,
    panels,
    register,
    save,
    table,
)
from msisim.viz.report.labels import label


@register("sensitivity")
def build(ctx: Context) -> list[str]:
    """Sobol first-order and total indices per outcome and design."""
    outcomes = ctx.outcomes()
    designs = list(ctx.spec.designs) or [""]
    indices = sobol_table(ctx)
    long = indices.melt(
        id_vars=["design", "outcome", "factor"],
        value_vars=["S1", "ST"],
        var_name="index",
        value_name="value",
    )
    conf = indices.melt(
        id_vars=["design", "outcome", "factor"],
        value_vars=["S1_conf", "ST_conf"],
        var_name="index",
        value_name="conf",
    )
    conf["index"] = conf["index"].str.replace("_conf", "")
    long = long.merge(conf, on=["design", "outcome", "factor", "index"])
    # one row of panels per design, one column per outcome
    data = analysis.ok_runs(ctx.runs)
    fig, axes = panels(len(designs) * len(outcomes), width=4.6, height=3.4, cols=len(outcomes))
    for i, design in enumerate(designs):
        for j, outcome in enumerate(outcomes):
            ax = axes[i * len(outcomes) + j]
            name_axes(ax, f"{design_words(design)}: {label(outcome)}")
            ax.title.set_fontsize(10)
            values = data.loc[data["design"] == design, outcome] if design else data[outcome]
            if float(values.std()) < 1e-12:  # nothing to split: say so instead of empty bars
                ax.text(0.5, 0.5, f"does not vary\n(always {float(values.mean()):.3f}):\n"
                        "no variance to split", ha="center", va="center",
                        transform=ax.transAxes, fontsize=9)  # fmt: skip
                ax.set_xticks([])
                ax.set_yticks([])
                continue
            sub = long[(long["design"] == design) & (long["outcome"] == outcome)]
            factors = list(dict.fromkeys(sub["factor"]))
            width = 0.38
            for k, index in enumerate(("S1", "ST")):
                part = sub[sub["index"] == index].set_index("factor").loc[factors]
                xs = np.arange(len(factors)) + (k - 0.5) * width
                ax.bar(xs, part["value"], width, yerr=part["conf"], capsize=3, label=index)
            ax.set_xticks(
                np.arange(len(factors)), [f.replace("_", "\n") for f in factors], fontsize=8
            )
            ax.set_ylabel("share of variance (0 to 1)", fontsize=9)
            ax.axhline(1.0, color="grey", linestyle="--", linewidth=0.8)  # all of the variance
            ax.set_ylim(min(-0.1, ax.get_ylim()[0]), max(1.1, ax.get_ylim()[1]))
            if i == 0 and j == 0:
                ax.legend()
    path = save(
        ctx, fig, "sobol.png", "Sobol indices (first-order S1, total ST; bars: 95% bootstrap CI)"
    )
    reading = []
    for (design, outcome), sub in indices.groupby(["design", "outcome"], sort=False):
        values = data.loc[data["design"] == design, outcome] if design else data[outcome]
        if float(values.std()) < 1e-12:
            reading.append(
                f"{design_words(design) or 'all'} / {label(outcome)}: does not vary (indices moot)."
            )
            continue
        top = sub.sort_values("ST", ascending=False).iloc[0]
        reading.append(
            f"{design_words(design) or 'all'} / {label(outcome)}: "
            f"**{fx.factor_label(top['factor'])}** has "
            "the largest total "
            f"index (ST = {top['ST']:.2f} ± {top['ST_conf']:.2f}"
            + ("" if top["interpretable"] else "; an impossible value: see the warning")
            + ")."
        )
    n = ctx.spec.n_points()  # per combination of the crossed (levels) factors
    ranged = len(ctx.spec.sobol_problem()["names"])
    bad = int((~indices["interpretable"]).sum())
    warning = (
        f"**Warning: {bad} of {len(indices)} rows of indices are impossible values** (outside "
        "[0, 1], or S1 above ST, beyond their 95% intervals; column `interpretable`): this "
        f"sample (Sobol' base size {n // (ranged + 2)}) is too small to read them as shares of "
        "variance. Rerun with a larger `n_samples` (a base of 512 or more) before quoting "
        "them.\n"
        if bad
        else "Every index lies in [0, 1] (and S1 ≤ ST) up to its 95% interval.\n"
    )
    return [
        "## Sobol indices\n",
        embed(path, "sobol indices"),
        f"Saltelli sample of {n} points per design (Sobol' base size {n // (ranged + 2)}"
        + (", for each lobby strategy" if len(ctx.spec.samples()) > n else "")
        + "); indices by SALib (Saltelli et al. 2010). "
        "With small samples the bootstrap intervals are wide, and indices can come out "
        "negative or above 1 (the dashed line: all of the variance), which only sampling "
        "error allows: read the ranking of clearly separated factors, not the values. A "
        "panel that says *does not vary* has no variance to split among the factors.\n",
        warning,
        "\n".join(f"- {r}" for r in reading) + "\n",
        "## Table\n",
        "S1: share of the outcome's variance due to the factor alone; ST: including its "
        "interactions with the other factors; conf: half-width of the 95% interval.\n",
        table(indices.assign(factor=indices["factor"].map(fx.factor_label))),
    ]


def sobol_table(ctx: Context) -> pd.DataFrame:
    """Sobol indices of every outcome per design (one row per design, outcome and factor)."""
    tables = []
    for design in list(ctx.spec.designs) or [""]:
        for outcome in ctx.outcomes():
            t = analysis.sobol_indices(ctx.spec, ctx.runs, outcome, design=design)
            t.insert(0, "outcome", outcome)
            t.insert(0, "design", design)
            tables.append(t)
    return pd.concat(tables, ignore_index=True)


def _provisional(indices: pd.DataFrame) -> str:
    """A note when some of these indices are impossible values (the sample is too small)."""
    bad = int((~indices["interpretable"]).sum())
    if not bad:
        return ""
    return (
        f" {bad} of these {len(indices)} factors' indices are impossible values at this sample "
        "size (outside [0, 1] or S1 above ST beyond their intervals): the ranking is provisional."
    )


@fx.register_findings("sensitivity")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the sensitivity study, claim by claim (total Sobol indices)."""
    rep, opn, cost = "representative", "open", "participation_cost"
    lack = fx.missing(ctx, [rep, opn], ["lobby_budget", "selector_spending", cost])
    if lack:
        return [fx.unchecked("The hypothesis", lack)]
    indices = sobol_table(ctx)

    def st(design: str, outcome: str, factor: str) -> fx.Estimate:
        sub = indices[(indices["design"] == design) & (indices["outcome"] == outcome)]
        r = sub.set_index("factor").loc[factor]
        mean, half = float(r["ST"]), float(r["ST_conf"])
        return fx.Estimate(mean, mean - half, mean + half, ctx.spec.n_points())

    out = []
    if "capture" in ctx.outcomes():
        sub = indices[(indices["design"] == rep) & (indices["outcome"] == "capture")]
        ranked = list(sub.sort_values("ST", ascending=False)["factor"])
        top2 = set(ranked[:2]) & {"lobby_budget", "selector_spending"}
        verdict = fx.SUPPORTED if len(top2) == 2 else fx.PARTLY if top2 else fx.NOT_SUPPORTED
        column = analysis.ok_runs(ctx.runs).get("param.lobby_strategy")
        strategies = set(column) if column is not None else set()
        inert = (
            " Selector spending and lobby focus are levers of a fixed lobby: the adaptive lobby "
            "chooses how to spend each step, so under it their indices are 0 by construction "
            "and this part of the claim cannot hold."
            if strategies == {"adaptive"}
            else ""
        )
        out.append(fx.Finding(
            f"Lobby budget and selector spending dominate {fx.describe('capture')} in the "
            "representative template (the two largest total Sobol indices)",
            verdict,
            "Total indices ST (share of variance, 95% interval), representative: "
            + "; ".join(f"{fx.factor_label(f)} {st(rep, 'capture', f)}" for f in ranked) + "."
            + inert + _provisional(sub),
            ("capture",),
        ))  # fmt: skip
    cov = "viewpoint_coverage"
    if cov in ctx.outcomes():
        in_open, in_rep = st(opn, cov, cost), st(rep, cov, cost)
        only = fx.SUPPORTED if in_rep.sign() == 0 else fx.NOT_SUPPORTED
        out.append(fx.Finding(
            "Participation cost matters only in the open template, where it thins the room "
            f"and so {fx.describe(cov)}",
            fx.combine([fx.verdict(in_open, +1), only]),
            f"Total index of participation cost for viewpoint coverage: open {in_open}, "
            f"representative {in_rep} (supported when open's interval lies above 0 and the "
            "representative's includes 0)."
            + _provisional(indices[(indices["outcome"] == cov) & (indices["factor"] == cost)]),
            (cov,),
        ))  # fmt: skip
    return out
