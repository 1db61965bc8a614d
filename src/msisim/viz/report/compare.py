"""Report of ``msisim compare MAP``: designs compared on one forum's map across its contexts.

Key findings name the most robust design (minimax regret) with its numbers; the body shows
the map with its lobby, how the contexts were drawn, a table of every outcome per lobby
budget band and design (never averaged over bands), paired differences against the
reference design per band, and each design's regret. Everything is read from the stored
runs and the spec's ``inputs`` (:func:`msisim.study.forum.forum_spec`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from msisim.stakeholder_map import StakeholderMap, parse_stakeholder_map
from msisim.study import analysis, forum
from msisim.viz.report import findings as fx
from msisim.viz.report.common import (
    Context,
    design_words,
    embed,
    name_axes,
    panels,
    register,
    register_key_findings,
    save,
    table,
    y_axis,
)
from msisim.viz.report.labels import label, lower_is_better

BAND = "lobby budget band"


def _runs(ctx: Context) -> pd.DataFrame:
    """The finished runs with their lobby budget band.

    The sampled context is integrated over on purpose (the comparison is across it): the
    budget is read in its band (the ``param.lobby_budget`` column holds the band, as a
    study's sampled factors are binned) and the map's sampled groups are one context column,
    so the report's check for tables pooled over a factor's levels sees what the tables
    split by.
    """
    data = analysis.ok_runs(ctx.runs)
    band = data["param.lobby_budget"].map(forum.budget_band)
    data = data.assign(**{BAND: band, "param.lobby_budget": band})
    if "param.groups" in data:
        data["param.groups"] = "sampled from the map's uncertainty"
    return data


def _bands(data: pd.DataFrame) -> list[str]:
    present = set(data[BAND])
    return [label for label, _, _ in forum.BUDGET_BANDS if label in present]


def _outcomes(ctx: Context) -> dict[str, str]:
    wanted = ctx.spec.inputs.get("outcomes") or forum.OUTCOMES
    return {o: q for o, q in dict(wanted).items() if o in ctx.runs}


def _map(ctx: Context) -> StakeholderMap:
    stored = ctx.spec.inputs["map"]
    rows = [(i, row) for i, row in enumerate(stored["rows"], 1)]
    return parse_stakeholder_map(rows, stored["columns"], source=stored["source"])


def _reference(ctx: Context) -> str:
    return str(ctx.spec.inputs.get("reference_design") or next(iter(ctx.spec.designs)))


def _quick_note(ctx: Context) -> str:
    if not ctx.spec.inputs.get("quick"):
        return ""
    return (
        "*This is a quick look* (`--quick`: few contexts, one replicate, a small population "
        "and short runs): its intervals are wide and its ranking can change; run without "
        "`--quick` before deciding.\n"
    )


@register_key_findings("compare")
def key_findings(ctx: Context) -> list[str]:
    """The most robust design in words (minimax regret), then the best design per quality."""
    regret = forum.regret_table(_runs(ctx), _outcomes(ctx))
    if regret.empty:
        return ["No outcome to compare the designs on.\n"]
    best = forum.most_robust(regret)
    combined = regret[regret["outcome"] == "combined"].sort_values("max_regret")
    n = int(best["contexts"])
    lines = [_quick_note(ctx)]
    runner = combined[combined["design"] != best["design"]].head(1)
    second = ""
    if not runner.empty:
        r = runner.iloc[0]
        second = (
            f" The next is **{design_words(r['design'])}** (worst {r['max_regret']:.3f}, "
            f"mean {r['mean_regret']:.3f})."
        )
    lines.append(
        f"1. **The most robust design is {design_words(best['design'])}** (minimax regret): "
        f"in its worst of {n} sampled contexts it falls {best['max_regret']:.3f} short of the "
        f"best design there, counting inclusiveness, responsiveness and capture together "
        f"(their regrets added); 90th percentile {best['p90_regret']:.3f}, mean "
        f"{best['mean_regret']:.3f}; best outright in {int(best['best_in'])} of {n} "
        f"contexts.{second}"
    )
    i = 2
    for outcome, quality in _outcomes(ctx).items():
        sub = regret[regret["outcome"] == outcome].sort_values(["max_regret", "mean_regret"])
        top = sub.iloc[0]
        lines.append(
            f"{i}. {quality.capitalize()} ({label(outcome)}; "
            f"{'lower' if lower_is_better(outcome) else 'higher'} is better): smallest "
            "worst-case regret "
            f"for **{design_words(top['design'])}** ({abs(top['max_regret']) + 0.0:.3f}; mean "
            f"{top['mean_regret']:.3f}, best in {int(top['best_in'])} of {int(top['contexts'])} "
            "contexts)."
        )
        i += 1
    data = _runs(ctx)
    high = forum.BUDGET_BANDS[-1][0]
    if "capture" in data and (data[BAND] == high).any():
        means = data[data[BAND] == high].groupby("design", sort=False)["capture"].mean()
        lines.append(
            f"{i}. With a {high.split(' (')[0]} lobby budget ({high.split('(')[1].rstrip(')')} "
            f"per step), capture is lowest for **{design_words(means.idxmin())}** "
            f"({means.min():.3f}) and highest for **{design_words(means.idxmax())}** "
            f"({means.max():.3f}); the paired differences below say which gaps are clear."
        )
    lines.append(
        "\nRegret is per context: how far a design falls short of the best design in the same "
        "context (0 = best there). *Minimax regret* picks the design whose worst shortfall is "
        "smallest: the choice that is never far from the best, whichever context the forum "
        "meets.\n"
    )
    safeguarded = [
        design_words(name)
        for name, levers in ctx.spec.designs.items()
        if float(levers.get("transparency", 0) or 0) > 0 or levers.get("recusal")
    ]
    if safeguarded:
        lines.append(
            "*Built in:* transparency and recusal act by formula in this model (docs/ODD.md): "
            "transparency scales the lobby's pull on members and its capture of the selector "
            "by 1 - transparency, and recusal takes the votes of strongly tied members. The "
            f"low capture of {', '.join(f'**{d}**' for d in safeguarded)} is partly that "
            "assumption, not a finding; how much a real lobby register achieves is for you to "
            "judge.\n"
        )
    return lines


@register("compare")
def build(ctx: Context) -> list[str]:
    """The map and its lobby, the contexts, per-band tables, paired differences and regret."""
    inputs: dict[str, Any] = ctx.spec.inputs
    data = _runs(ctx)
    outcomes = _outcomes(ctx)
    reference = _reference(ctx)
    bands = _bands(data)
    sections = _forum_section(ctx, inputs)
    sections += _contexts_section(ctx, inputs, data)
    # per band: every outcome per design (never averaged over bands)
    fig = _band_figure(ctx, data, list(outcomes))
    sections += [
        "## Outcomes per lobby budget band\n",
        "Every table and figure below is split by the lobby budget band; nothing is averaged "
        "over bands (within a band, over its contexts and replicates).\n",
        embed(fig, "outcomes by budget band and design"),
    ]
    for band in bands:
        sub = data[data[BAND] == band]
        frame = analysis.ci_table(sub, ["design"], list(outcomes))
        frame = frame[["design", "outcome", "mean", "ci_low", "ci_high", "n"]]
        contexts = sub["sample"].nunique()
        sections += [f"### Lobby budget {band}: {contexts} contexts\n", table(frame), ""]
    # paired differences per band
    sections += [
        f"## Paired differences against {design_words(reference)}\n",
        f"Each design minus **{design_words(reference)}** (the reference: the first design), "
        "run on the same contexts and seeds (common random numbers), so the difference is "
        "free of the context's and the seed's noise: mean over the pairs with a Student-t 95% "
        "interval. An interval that excludes 0 is a clear difference.\n",
    ]
    for outcome, quality in outcomes.items():
        frame = analysis.paired_differences(data, outcome, reference, by=[BAND])
        if frame.empty:
            continue
        frame = frame.assign(**{BAND: pd.Categorical(frame[BAND], bands, ordered=True)})
        frame = frame.sort_values([BAND, "design"], kind="stable")
        frame = frame[[BAND, "design", "mean_difference", "ci_low", "ci_high", "pairs"]]
        sections += [f"### {quality.capitalize()}: {fx.describe(outcome)}\n", table(frame), ""]
    # regret
    regret = forum.regret_table(data, outcomes)
    shown = regret.rename(
        columns={"mean_regret": "mean regret", "p90_regret": "90th percentile regret",
                 "max_regret": "worst regret", "best_in": "best in (contexts)"}
    )  # fmt: skip
    sections += [
        "## Regret\n",
        "Per context (its value: the mean over replicates), a design's regret on an outcome "
        "is its gap to the best design in that context (for capture, its capture minus the "
        "lowest); *combined* adds the three regrets context by context. The table gives the "
        "mean, the 90th percentile and the worst over all contexts (every budget band "
        "together: regret compares designs within a context, so no band is averaged into "
        "another design's value).\n",
        table(shown),
        "",
    ]
    return sections


def _forum_section(ctx: Context, inputs: dict[str, Any]) -> list[str]:
    smap = _map(ctx)
    ideal = [float(v) for v in ctx.spec.base.get("lobby_ideal", [])]
    figure = _map_figure(ctx, smap, inputs["lobby_group"], ideal)
    return [
        "## The forum and its lobby\n",
        embed(figure, "the stakeholder map with the lobby's group and ideal"),
        f"**Map.** `{inputs['map']['source']}`: {len(smap.groups)} groups in "
        f"{len(smap.categories)} categories; the runs use "
        f"{ctx.spec.base.get('n_stakeholders', smap.default_n()):,} stakeholders (the map's "
        "sizes as shares).\n",
        f"**Lobby.** One lobby whose ideal is the mean position of the group "
        f"**{inputs['lobby_group']}**, ({', '.join(f'{v:.2f}' for v in ideal)}), as the map "
        f"gives it (not resampled); chosen as {inputs['lobby_rule']}. Another group: "
        "`--lobby GROUP`.\n",
        "**What a lobby budget means.** The lobby's total spend per step (one step is one "
        "round of the forum's deliberation and decision), in the model's resource units: a "
        "stakeholder's resources are lognormal, and a group's median is `exp(mu)` (0.37 at "
        "power 0 to 7.4 at power 1 on a map). A budget of 1 per step is thus about what one "
        "mid-power stakeholder holds in total. How to set it from a lobbying register and "
        "meeting frequencies: docs/calibration.md in the msisim repository.\n",
        f"**Designs.** {len(ctx.spec.designs)} from {inputs['designs_source']}; the reference "
        f"is **{design_words(_reference(ctx))}** (the glossary lists each design's levers).\n",
    ]


def _contexts_section(ctx: Context, inputs: dict[str, Any], data: pd.DataFrame) -> list[str]:
    smap = _map(ctx)
    given = [g for g in smap.groups if g.uncertainty is not None]
    counts = data.groupby(BAND)["sample"].nunique()
    bands = ", ".join(f"{band}: {int(counts.get(band, 0))}" for band in _bands(data))
    return [
        "## How the contexts were drawn\n",
        f"{len(ctx.spec.contexts)} contexts, drawn by Latin hypercube (seed {ctx.spec.seed}) "
        "over what the map leaves uncertain and the lobby budget. Each group's power, interest "
        "and mean position move uniformly within +- its `uncertainty` column "
        f"({len(given)} of {len(smap.groups)} groups give one; the others "
        f"+-{inputs['default_uncertainty']:g}, the default), clipped to [0, 1]; resources, "
        "affectedness and engagement that the map derives follow. The lobby budget is 0 "
        f"(no lobby) in {inputs['no_lobby_share']:.0%} of the contexts, so the no-lobby case "
        f"is seen, and uniform on (0, {inputs['budget_high']:g}] in the others; it is shown in "
        f"bands ({bands} contexts). Every lobbied run also has a no-lobby twin on the same "
        "random streams, which gives its capture. Every design runs every context with the "
        f"same seeds; {ctx.spec.replicates} replicate(s) per design and context, "
        f"{ctx.spec.steps} steps each.\n",
        "Outcomes: inclusiveness is the Rose index of the room; responsiveness is the "
        "opinion-policy slope (Achen 1978; Soroka & Wlezien 2010): every run has "
        f"{len(ctx.spec.base.get('shocks', ()))} scheduled shock(s) of the public's interests, "
        "and the slope is the policy's change per unit of change of the public ideal, each "
        "read 20 steps after its shock against a no-shock twin (1 = the policy follows fully, "
        "0 = not at all); capture is how far the lobby moved the policy toward its ideal "
        "beyond the no-lobby twin.\n",
    ]


def _map_figure(ctx: Context, smap: StakeholderMap, group: str, ideal: list[float]) -> Any:
    import matplotlib.pyplot as plt

    from msisim.viz.maps import plot_stakeholder_map

    path = ctx.figure("map.png")
    fig = plot_stakeholder_map(
        smap,
        path,
        lobby_group=group,
        lobby_ideal=ideal,
        title=f"Stakeholder map '{smap.name}' and its lobby ({group})",
    )
    plt.close(fig)
    return path


def _band_figure(ctx: Context, data: pd.DataFrame, outcomes: list[str]) -> Any:
    import seaborn as sns

    order = _bands(data)
    shown = data.assign(design=data["design"].map(design_words))
    fig, axes = panels(len(outcomes), width=5.2, height=3.8)
    for i, (ax, outcome) in enumerate(zip(axes, outcomes, strict=True)):
        sns.pointplot(
            data=shown, x=BAND, y=outcome, hue="design", order=order, errorbar=("ci", 95),
            n_boot=200, seed=0, dodge=0.5, linestyle="none", ax=ax, legend=i == 0,
        )  # fmt: skip
        name_axes(ax, fx.name(outcome), "lobby budget per step")
        y_axis(ax, outcome)
        ax.tick_params(axis="x", labelsize=8)
        if i == 0 and ax.get_legend() is not None:
            ax.legend(fontsize=7, framealpha=0.6)
    return save(ctx, fig, "outcomes_by_band.png", f"{ctx.spec.title} (mean and 95% CI)")
