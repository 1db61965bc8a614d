"""Where a forum's structural tilt comes from: its five additive parts, per design.

The structural tilt (the no-lobby twin's lobby bias) is the exact sum of five parts
(:data:`msisim.metrics.TILT_PARTS`, docs/ODD.md): the reference point (counting heads
instead of weighting by affectedness), selection or attendance (who is in the room),
deliberation (members advocating other than their true positions), voice (voice-weighted vs
plain mean of advocacy) and the decision (the policy vs the voice-weighted mean).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from msisim.params import LOBBY_ACTION_FIELDS
from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import (
    Context,
    _plt,
    design_words,
    embed,
    levels_caption,
    save,
    with_levels,
)

#: Parameters a no-lobby twin does not have (:func:`msisim.counterfactual.without_lobby`).
NO_LOBBY = ("lobby_budget", "lobbies", "selector_capture", *LOBBY_ACTION_FIELDS)

PARTS = ("tilt_reference", "tilt_selection", "tilt_deliberation", "tilt_voice", "tilt_decision")

#: Short words for each part, for legends and running text.
WORDS = {
    "tilt_reference": "reference point",
    "tilt_selection": "who is seated or attends",
    "tilt_deliberation": "deliberation",
    "tilt_voice": "voice grows with resources",
    "tilt_decision": "decision rule and inertia",
}


def twins(ctx: Context) -> pd.DataFrame:
    """One row per distinct no-lobby twin among the finished runs.

    The tilt is the twin's, and runs that differ only in their lobby (budgets and strategies
    compared on common random numbers) share one twin: counting each run would count one
    twin many times and make the intervals too narrow. Runs of a design with the same seed
    and the same tilt parts have the same twin. The twin has no lobby, so the columns of the
    lobby's parameters (:data:`NO_LOBBY`) are left out: twins of runs at different budgets
    are replicates of one no-lobby forum.
    """
    data = analysis.ok_runs(ctx.runs)
    data = data.drop(columns=[c for c in (f"param.{n}" for n in NO_LOBBY) if c in data])
    if "seed" not in data:  # a table without seeds: every run counts
        return data
    return data.drop_duplicates(subset=["design", "seed", *PARTS, "structural_tilt"])


def available(ctx: Context) -> bool:
    """Whether the runs hold the tilt's parts (results of msisim before the split lack them)."""
    return all(p in ctx.runs for p in PARTS)


def finding(ctx: Context) -> fx.Finding | None:
    """The parts of each design's structural tilt, as a reference finding."""
    if not available(ctx):
        return None
    data = twins(ctx)
    rows = []
    for design in dict.fromkeys(data["design"]):
        own = data[data["design"] == design]
        big = [p for p in PARTS[1:] if abs(own[p].mean()) >= 0.02]
        parts = ", ".join(f"{WORDS[p]} {fx.mean_ci(own[p])}" for p in big)
        rows.append(f"**{design_words(design)}**: {parts or 'no part above 0.02'}")
    reference = fx.mean_ci(data["tilt_reference"])
    return fx.Finding(
        "Where the structural tilt comes from (share of axis; the five parts add up to it "
        "exactly; a positive part leans toward the lobby's side). The reference point and "
        "voice are built into the model's assumptions: the public ideal weights people by "
        "how much the decisions affect them, and voice grows with resources",
        fx.MEASURED,
        f"The reference point gives every design {reference}. Beyond it, the parts of 0.02 "
        "or more: " + "; ".join(rows) + ". The section *Where the structural tilt comes "
        "from* below has every part.",
        PARTS,
        across=False,
    )


def section(ctx: Context) -> list[str]:
    """A stacked-bar figure and a table of the tilt's parts per design."""
    if not available(ctx):
        return []
    data, levels = with_levels(ctx, twins(ctx))
    levels = [c for c in levels if c in data]  # the lobby's parameters: the twin has none
    summary = analysis.ci_table(data, ["design", *levels], [*PARTS, "structural_tilt"])
    path = _figure(ctx, data)
    summary["cell"] = [
        f"{r.mean:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]" for r in summary.itertuples()
    ]
    keys = ["design", *levels]
    wide = summary.pivot_table(
        index=keys, columns="outcome", values="cell", aggfunc="first", sort=False, dropna=False
    ).reset_index()
    wide = wide.dropna(subset=["structural_tilt"])[[*keys, *PARTS, "structural_tilt"]]
    wide["design"] = wide["design"].map(design_words)
    wide = wide.rename(columns={**WORDS, "structural_tilt": "structural tilt (sum)"})
    wide = wide.rename(columns=lambda c: c.removeprefix("param.").replace("_", " "))
    return [
        "## Where the structural tilt comes from\n",
        "The structural tilt is where the forum's policy would sit without any lobby, on the "
        "axis from the public ideal (0) to the lobby's ideal (1). It splits exactly into five "
        "parts (docs/ODD.md): the **reference point** (the public ideal weights people by how "
        "much the decisions affect them, the forum counts heads), **who is seated or "
        "attends**, **deliberation** (members advocating other than their true positions), "
        "**voice** (voice grows with resources) and the **decision** (rule and inertia). The "
        "reference point and voice are assumptions of the model, so a tilt that comes from "
        "them is built in, not found. Means over the distinct no-lobby twins (the tilt does "
        "not depend on the lobby, and runs that differ only in it share one twin, counted "
        "once), 95% intervals. The figure averages each design's twins over the study's "
        "factors; the table splits them by design and factor level. "
        + (levels_caption(ctx, levels) or "\n"),
        embed(path, "parts of the structural tilt"),
        wide.to_markdown(index=False),
        "",
    ]


def _figure(ctx: Context, twins: pd.DataFrame) -> Path:
    plt, _ = _plt()
    means = twins.groupby("design", sort=False)[[*PARTS, "structural_tilt"]].mean()
    designs = list(means.index)
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(designs) + 1.6))
    colours = plt.get_cmap("tab10").colors
    for i, design in enumerate(designs):
        left_pos, left_neg = 0.0, 0.0
        for k, part in enumerate(PARTS):
            v = float(means.loc[design, part])
            start = left_pos if v >= 0 else left_neg
            ax.barh(i, v, left=start, color=colours[k], label=WORDS[part] if i == 0 else None)
            if v >= 0:
                left_pos += v
            else:
                left_neg += v
        total = float(means.loc[design, "structural_tilt"])
        ax.plot([total], [i], marker="D", color="black", label="tilt (sum)" if i == 0 else None)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(designs)), [design_words(d) for d in designs])
    ax.set_xlabel("share of the axis from the public ideal (0) to the lobby's ideal (1)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    title = "Parts of the structural tilt by design (means over the study's factors)"
    return save(ctx, fig, "tilt_parts.png", title)
