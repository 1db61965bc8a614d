"""Report of the provincial workshop preset: what each well-informed-person panel reports.

The scorecard each panel reports, its distance from the true state, and how far a captured
convener moves it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msisim.study import analysis
from msisim.viz.report import findings as fx
from msisim.viz.report.common import (
    Context,
    embed,
    lines_with_ci,
    register,
    scorecard_heatmaps,
    table,
)

TRUE, PANEL = "index_capture_shift", "panel_capture_shift"


def _panel_cards(ctx: Context, capture: object) -> pd.DataFrame:
    """Runs at one capture level with the panel's cells renamed ``score.*`` (for the heatmap)."""
    data = analysis.ok_runs(ctx.runs)
    data = data[data["param.selector_capture"] == capture]
    cells = [c for c in data if c.startswith("panel.")]
    data = data.drop(columns=[c for c in data if c.startswith("score.")])
    return data.rename(columns={c: "score." + c.removeprefix("panel.") for c in cells})


@register("provincial_workshop")
def build(ctx: Context) -> list[str]:
    """Panel and true scorecards against the convener's capture, by how the panel is chosen."""
    outcomes = ctx.outcomes()
    fig = lines_with_ci(ctx, "selector_capture", outcomes, "panel_by_capture.png")
    low, high = ctx.extreme_levels("selector_capture")
    data = analysis.ok_runs(ctx.runs)
    true_cards = scorecard_heatmaps(
        ctx,
        data[data["param.selector_capture"] == low],
        "true_scorecards.png",
        f"True scorecard by panel (selector capture {low}; mean over replicates)",
    )
    panel_low = scorecard_heatmaps(
        ctx,
        _panel_cards(ctx, low),
        "panel_scorecards.png",
        f"Scorecard the panel reports (selector capture {low}; mean rating over replicates)",
    )
    panel_high = scorecard_heatmaps(
        ctx,
        _panel_cards(ctx, high),
        "panel_scorecards_captured.png",
        f"Scorecard the panel reports under a captured convener (selector capture {high})",
    )
    summary = analysis.ci_table(ctx.runs, ["design", "param.selector_capture"], outcomes)
    columns = ["design", "param.selector_capture", "outcome", "mean", "ci_low", "ci_high", "n"]
    return [
        "## What each panel reports, against the convener's capture\n",
        "The *true state* is the model's scorecard of the forum, each cell averaged over the "
        "summary window (its indicators over fixed bounds); the panel's scorecard is the "
        "mean rating of each cell "
        "by the well-informed persons of each arena (`panel_respondents`), who rate honestly "
        "but with noise, round to whole points on the 1-10 scale and judge effectiveness "
        "partly by their own view (`panel_perspective`). The capture shifts compare each run "
        "with its no-lobby twin (same seeds, convener not captured).\n",
        embed(fig, "panel outcomes by selector capture"),
        "## Scorecards\n",
        embed(true_cards, "true scorecards"),
        embed(panel_low, "panel scorecards"),
        embed(panel_high, "panel scorecards under a captured convener"),
        "## Table\n",
        table(summary[columns]),
    ]


def _at(ctx: Context, capture: object) -> pd.DataFrame:
    data = analysis.ok_runs(ctx.runs)
    return data[data["param.selector_capture"] == capture]


@fx.register_findings("provincial_workshop")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the provincial workshop preset, claim by claim."""
    designs = ("convener", "lottery", "open_call")
    lack = fx.missing(ctx, designs, ["selector_capture"])
    if lack:
        return [fx.unchecked("The hypothesis", lack)]
    low, high = ctx.extreme_levels("selector_capture")
    error = "panel_error"
    at_low = _at(ctx, low)
    gaps = {d: fx.paired(ctx, error, d, "lottery", runs=at_low) for d in ("convener", "open_call")}
    out = [
        fx.Finding(
            f"Without capture the three panels report scorecards about equally close to the true "
            f"state ({fx.describe(error)})",
            fx.SUPPORTED if all(e.sign() == 0 for e in gaps.values()) else fx.NOT_SUPPORTED,
            f"At selector capture {low}, paired differences from the **lottery** panel: "
            + "; ".join(f"**{d}** {e}" for d, e in gaps.items())
            + " (supported when every interval includes 0). Errors: "
            + "; ".join(
                f"**{d}** {fx.mean_ci(fx.values(ctx, error, design=d, selector_capture=c), error)}"
                for d in designs
                for c in (low,)
            )
            + ".",
            (error,),
        )
    ]
    shift = {d: fx.mean_ci(fx.values(ctx, PANEL, design=d, selector_capture=high)) for d in designs}
    out.append(
        fx.Finding(
            f"A captured convener moves the panel's scorecard away from its uncaptured twin in "
            f"every design ({fx.describe(PANEL)})",
            fx.combine(
                [fx.SUPPORTED if e.sign() != 0 else fx.NOT_SUPPORTED for e in shift.values()]
            ),
            f"Panel index minus its no-lobby twin's at selector capture {high}: "
            + "; ".join(f"**{d}** {e}" for d, e in shift.items())
            + ".",
            (PANEL,),
        )
    )

    def size(design: str) -> np.ndarray:
        return np.abs(fx.values(ctx, PANEL, design=design, selector_capture=high))

    most = {d: fx.contrast([(1.0, size("convener")), (-1.0, size(d))]) for d in designs[1:]}
    out.append(
        fx.Finding(
            "The captured convener moves the panel it chooses itself the most",
            fx.combine([fx.verdict(e, +1) for e in most.values()]),
            f"|shift| of the **convener** panel minus |shift| of the other at selector capture "
            f"{high}: "
            + "; ".join(f"minus **{d}** {e}" for d, e in most.items())
            + " (positive = the convener's own panel moves most).",
            (PANEL,),
        )
    )
    grow = {d: fx.change(ctx, error, "selector_capture", d, low, high) for d in designs}
    out.append(
        fx.Finding(
            "The panel's error grows with the convener's capture",
            fx.combine([fx.verdict(e, +1) for e in grow.values()]),
            f"Panel error at selector capture {high} minus at {low}: "
            + "; ".join(f"**{d}** {e}" for d, e in grow.items())
            + ".",
            (error,),
        )
    )
    if TRUE in ctx.runs:
        parts = []
        for d in designs:
            gap = fx.contrast(
                [
                    (
                        1.0,
                        fx.values(ctx, PANEL, design=d, selector_capture=high)
                        - fx.values(ctx, TRUE, design=d, selector_capture=high),
                    ),
                ]
            )
            parts.append(
                f"**{d}** true {fx.mean_ci(fx.values(ctx, TRUE, design=d, selector_capture=high))}"
                f", panel minus true {gap}"
            )
        out.append(
            fx.Finding(
                f"How much of the panel's shift is the true state's (capture {high}; "
                f"{fx.describe(TRUE)})",
                fx.MEASURED,
                "; ".join(parts) + ". A panel minus true difference near 0 means the panel "
                "reports the change the captured convener made to the forum, no more and no less.",
                (TRUE,),
            )
        )
    if "panel_inflation" in ctx.runs:
        infl = {
            d: fx.mean_ci(fx.values(ctx, "panel_inflation", design=d, selector_capture=low))
            for d in designs
        }
        out.append(
            fx.Finding(
                f"Panel index minus true index without capture ({fx.describe('panel_inflation')})",
                fx.MEASURED,
                "; ".join(f"**{d}** {e}" for d, e in infl.items())
                + ". Negative values come from the 1-10 scale: cells whose true score is at the "
                "ceiling (10) can only be rated down by a noisy respondent.",
                ("panel_inflation",),
            )
        )
    return out
