"""The last section of a report whose study varies the lobby's strategy or selector information.

It shows the main outcomes under each set of assumptions, side by side.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import (
    Context,
    _plt,
    design_words,
    embed,
    levels_caption,
    name_axes,
    panels,
    save,
    with_levels,
    y_axis,
)
from msisim.viz.report.labels import label


def _assumption_column(runs: pd.DataFrame, sets: list[dict[str, object]]) -> pd.Series:
    names = list(sets[0])
    return runs[[f"param.{n}" for n in names]].apply(
        lambda r: fx.assumption_words(dict(zip(names, r, strict=True))), axis=1
    )


def _main_factor(ctx: Context) -> str | None:
    """The study's first numeric grid factor (the x axis of its figures), if any."""
    if ctx.spec.sampler != "grid":
        return None
    for f in ctx.spec.factors:
        if f.name not in fx.ASSUMPTIONS and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in f.levels
        ):
            return f.name
    return None


def across_assumptions(ctx: Context, sets: list[dict[str, object]]) -> list[str]:
    """Main outcomes by design under each set of assumptions (figure and table)."""
    data = analysis.ok_runs(ctx.runs).copy()
    data["assumptions"] = _assumption_column(data, sets)
    order = [fx.assumption_words(s) for s in sets]
    outcomes = [o for o in ctx.outcomes() if o != "structural_tilt"][:3]
    main = _main_factor(ctx)
    if main is not None:  # designs the main factor does not apply to have no line to draw
        data = data[data[f"param.{main}"].notna()]
    sections = [
        "## Under other assumptions: the lobby's strategy and what the selector sees\n",
        "The claims above are checked under each of these sets of assumptions (the Key "
        "findings list the verdict under each). "
        + "; ".join(f"**{w}**" for w in order)
        + ". An assumption that does not apply to a design (a selector's information in an "
        "open forum, which has none) leaves that design's runs unchanged up to seed noise.\n",
    ]
    path = _figure(ctx, data, order, outcomes, main)
    sections.append(embed(path, "outcomes under each set of assumptions"))
    rows = data
    where = ""
    if main is not None:
        high = max(data[f"param.{main}"])
        rows = data[data[f"param.{main}"] == high]
        where = f" at {fx.factor_label(main)} {high}"
    rows, levels = with_levels(ctx, rows)
    levels = [c for c in levels if c.removeprefix("param.") not in {main, *sets[0]}]
    keys = ["assumptions", "design", *levels]
    summary = analysis.ci_table(rows, keys, outcomes)
    summary["cell"] = [
        f"{r.mean:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]" for r in summary.itertuples()
    ]
    wide = summary.pivot_table(
        index=keys, columns="outcome", values="cell", aggfunc="first", sort=False, dropna=False,
    ).reset_index()  # fmt: skip
    wide = wide.dropna(subset=outcomes, how="all")[[*keys, *outcomes]]
    wide = wide.rename(columns={o: fx.describe(o) for o in outcomes})
    wide["design"] = wide["design"].map(design_words)
    wide = wide.rename(columns=lambda c: c.removeprefix("param.").replace("_", " "))
    sections += [
        f"### Table: main outcomes by assumptions and design{where}\n",
        "Each cell: mean [95% interval] over the runs. " + (levels_caption(ctx, levels) or "\n"),
        wide.to_markdown(index=False),
        "",
    ]
    return sections


def _figure(
    ctx: Context, data: pd.DataFrame, order: list[str], outcomes: list[str], main: str | None
) -> Path | None:
    if not outcomes:
        return None
    _, sns = _plt()
    data = data.assign(design=data["design"].map(design_words))
    fig, axes = panels(len(outcomes) * len(order), width=4.4, height=3.3, cols=len(order))
    for i, outcome in enumerate(outcomes):
        for j, words in enumerate(order):
            ax = axes[i * len(order) + j]
            sub = data[data["assumptions"] == words]
            first = i == 0 and j == 0
            if main is not None:
                sns.lineplot(data=sub, x=f"param.{main}", y=outcome, hue="design",
                             errorbar=("ci", 95), n_boot=300, seed=0, marker="o", ax=ax,
                             legend=first)  # fmt: skip
            else:
                sns.pointplot(data=sub, x="design", y=outcome, errorbar=("ci", 95), n_boot=300,
                              seed=0, linestyle="none", ax=ax)  # fmt: skip
                ax.tick_params(axis="x", rotation=30, labelsize=8)
            if first and ax.get_legend() is not None:
                ax.legend(fontsize=7, title_fontsize=7, framealpha=0.6)
            name_axes(ax, f"{label(outcome)}\n{words}", fx.factor_label(main) if main else "")
            ax.title.set_fontsize(8)
            y_axis(ax, outcome)
    title = "Main outcomes under each set of assumptions (mean and bootstrap 95% CI)"
    return save(ctx, fig, "assumptions.png", title)
