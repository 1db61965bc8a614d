"""Report of selection capture: who gets seated as the selector's capture grows.

The study sets the selector's capture by hand in its designs ``lottery``, ``random``,
``election`` and ``merit``; its designs ``<name>_lobbied`` run the same bodies with an
adaptive lobby at several lobby budgets, from which the section "What the capture levels
cost" prices each capture level in money (:mod:`msisim.study.money`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from msisim.params import Params
from msisim.study import analysis, money
from msisim.viz.report import findings as fx
from msisim.viz.report.common import Context, design_words, embed, lines_with_ci, register, table

#: Suffix of the designs that run a body with an adaptive lobby over lobby budgets.
LOBBIED = "_lobbied"


def _is_lobbied(design: object) -> bool:
    return str(design).endswith(LOBBIED)


def _split(ctx: Context) -> tuple[Context, pd.DataFrame]:
    """The runs with a capture set by hand (as a context) and the lobbied designs' runs."""
    lobbied = ctx.runs["design"].map(_is_lobbied)
    by_hand = Context(ctx.spec, ctx.runs[~lobbied], ctx.series, ctx.folder, ctx.figures, ctx.shown)
    return by_hand, ctx.runs[lobbied]


@register("selection_capture")
def build(ctx: Context) -> list[str]:
    """Rose gap and lobby-aligned odds against selector capture by selection rule."""
    ctx, lobbied = _split(ctx)
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
        *cost_section(ctx, lobbied),
    ]


def _capture_by_hand(ctx: Context, design: str, level: object) -> float:
    return float(np.mean(fx.values(ctx, "capture", design=design, selector_capture=level)))


def _interp(budget: float, curve: pd.DataFrame) -> float:
    """Capture of the policy at ``budget`` on a design's curve (0 at budget 0), else NaN."""
    if curve.empty or not math.isfinite(budget):
        return float("nan")
    b = np.r_[0.0, curve["lobby_budget"].to_numpy()]
    c = np.r_[0.0, curve["capture"].to_numpy()]
    return float(np.interp(budget, b, c)) if budget <= b[-1] else float("nan")


def cost_section(ctx: Context, lobbied: pd.DataFrame) -> list[str]:
    """What the capture levels cost: the budget an adaptive lobby needs, and claims in money.

    ``ctx`` holds the runs with a capture set by hand, ``lobbied`` those of the
    ``*_lobbied`` designs (an adaptive lobby at each lobby budget).
    """
    head = "## What the capture levels cost\n"
    data = analysis.ok_runs(lobbied)
    if data.empty or "param.lobby_budget" not in data:
        return [
            head,
            "This run of the study has no lobbied designs (`*_lobbied`), so the capture levels "
            "are not priced: equal nominal capture is not equal money.\n",
        ]
    curve = money.curve_from_runs(data)
    order = {d: i for i, d in enumerate(ctx.spec.designs)}  # the study's order of designs
    curve = (
        curve.assign(rank=curve["design"].map(order))
        .sort_values(["rank", "lobby_budget"], kind="stable")
        .drop(columns="rank")
    )
    budgets = sorted(curve["lobby_budget"].unique())
    top = budgets[-1]
    levels = sorted(analysis.ok_runs(ctx.runs)["param.selector_capture"].dropna().unique())
    reps = int(curve["n"].min())
    intro = (
        "The capture levels above are set by hand, and equal nominal capture is not equal "
        "money. The study's designs `<design>_lobbied` run each body with an adaptive lobby "
        "(`lobby_strategy: adaptive`, `selector_capture` unset, so the selector's capture "
        "comes from the lobby's ties) at lobby budgets "
        + ", ".join(f"{b:g}" for b in budgets)
        + f" (the lobby's total spend per step), {reps} replicates each on common random "
        "numbers, with a selector who sees advocated positions. Each run's selector capture "
        "is its per-step level averaged over the summary window. The price of a level is the "
        "smallest budget at which the mean selector capture over replicates reaches it: the "
        "curve is made non-decreasing (isotonic fit), anchored at budget 0 (no lobby, no "
        "capture) and interpolated linearly between budgets (`msisim.study.money`). The "
        "lobbied runs are part of the study's results, so these prices are reproducible "
        "with the rest of the report. A lobby that buys ties also lobbies members, so its "
        "capture of the policy is not only the seating's.\n"
    )
    rows = []
    for design, sub in curve.groupby("design", sort=False):
        rows.append(
            {
                "design": design_words(str(design).removesuffix(LOBBIED)),
                **{f"budget {b:g}": f"{s:.3f} / {c:.3f}" for b, s, c in
                   zip(sub["lobby_budget"], sub["selector_capture"], sub["capture"],
                       strict=True)},
            }
        )  # fmt: skip
    curve_table = pd.DataFrame(rows).to_markdown(index=False)
    prices, claims = [], []
    members = curve[curve["design"] == "lottery" + LOBBIED]  # a lottery's lobby: members only
    for design, sub in curve.groupby("design", sort=False):
        plain = str(design).removesuffix(LOBBIED)
        rule = Params.from_flat(**ctx.spec.designs.get(plain, {})).design.rule
        price = money.budget_for_capture(
            sub["lobby_budget"].to_numpy(),
            sub["selector_capture"].to_numpy(),
            levels,
            capturable=rule.selector_capturable,
            weights=sub["n"].to_numpy(),
        )
        for level, cost, why in zip(price["target"], price["budget"], price["reason"],
                                    strict=True):  # fmt: skip
            bought = _interp(float(cost), sub)
            prices.append(
                {
                    "design": design_words(plain),
                    "selector capture": f"{level:g}",
                    "budget needed": money.words(float(cost), str(why)),
                    "capture, set by hand": _capture_by_hand(ctx, plain, level),
                    "capture, bought at that budget": bought,
                    "civic lottery's capture at that budget": _interp(cost, members),
                }
            )
    price_table = table(pd.DataFrame(prices))
    # the claims restated at equal money: every design at the same budget
    at = {b: curve[curve["lobby_budget"] == b] for b in budgets}
    for b in [b for b in budgets if b in (1.0, top)] or [top]:
        parts = [
            f"**{design_words(str(r.design).removesuffix(LOBBIED))}** selector capture "
            f"{r.selector_capture:.3f}, capture {r.capture:.3f}"
            for r in at[b].itertuples()
        ]
        claims.append(f"- At equal money, budget {b:g} per step: " + "; ".join(parts) + ".")
    if "lottery" in ctx.spec.designs and not members.empty:
        rigged = [lv for lv in levels if lv > 0]
        if rigged:
            low = rigged[0]
            claims.append(
                f"- A pure lottery's selector cannot be bought at any budget "
                f"(`selector_capturable` is false), so its rigged levels have no price in this "
                f"model: a rigged lottery at selector capture {low:g} moves the policy "
                f"{_capture_by_hand(ctx, 'lottery', low):.3f} by hand, while a lobby that "
                f"spends {top:g} per step on the lottery's members moves it "
                f"{_interp(top, members):.3f}."
            )
    return [
        head,
        intro,
        "### Selector capture / capture of the policy, by lobby budget\n",
        "Means over replicates (an adaptive lobby; selector capture is 0 wherever the rule's "
        "selector cannot be bought).\n",
        curve_table,
        "",
        "### The budget each capture level costs\n",
        "For each design and each capture level the study sets by hand: the budget an "
        "adaptive lobby needs to bring the selector to it; the capture of the policy with "
        "that level set by hand (selection only, no lobbied members); and the adaptive "
        "lobby's capture of the policy at that budget (interpolated between budgets). "
        f'"Not reachable" means the largest budget ({top:g}) does not buy it; a larger one '
        "might.\n",
        price_table,
        "",
        "### The claims in money\n",
        *claims,
        "",
    ]


@fx.register_findings("selection_capture")
def findings(ctx: Context) -> list[fx.Finding]:
    """The hypothesis of the selection-capture study, claim by claim."""
    ctx, _ = _split(ctx)  # the claims are about capture set by hand
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
