"""Figures and ``report.md`` of a study, rebuilt from stored results only.

:func:`build_report` reads ``manifest.json``, ``runs.parquet`` (and ``series.parquet`` if
present) from an output folder, draws the study's figures into ``figures/`` and writes
``report.md`` with a short reading of each figure computed from the numbers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from msisim.scorecard import ARENAS, PRINCIPLES
from msisim.study import analysis
from msisim.study.spec import ExperimentSpec
from msisim.study.store import atomic_write, verify_results

logger = logging.getLogger(__name__)

LABELS = {
    "lobby_bias": "lobby bias",
    "rose": "Rose index (measured)",
    "true_rose": "Rose index (true)",
    "rose_gap": "Rose index minus its random-selection expectation",
    "responsiveness": "responsiveness",
    "captured_share": "share of members strongly tied",
    "viewpoint_coverage": "viewpoint coverage",
    "governance_index": "governance index (1-10)",
    "grassroots_share": "grassroots share of members",
    "selection_odds_ratio": "odds ratio: lobby-aligned in forum vs pool (log)",
    "adaptation_lag": "adaptation lag (steps)",
    "adaptation_censored": "share of shocks never absorbed",
    "congruence_error": "congruence error",
    "selector_capture": "selector capture",
    "n_members": "members in the room",
}
#: Outcomes where lower is better (for regret and wording).
LOWER_IS_BETTER = {"lobby_bias", "captured_share", "congruence_error", "adaptation_lag",
                   "adaptation_censored", "selector_capture", "voice_gini"}  # fmt: skip


@dataclass
class Context:
    """What a study's report builder gets."""

    spec: ExperimentSpec
    runs: pd.DataFrame
    series: pd.DataFrame | None
    folder: Path
    figures: Path

    def figure(self, name: str) -> Path:
        """Path of a figure file (relative links in the report use ``figures/<name>``)."""
        return self.figures / name


def label(outcome: str) -> str:
    """Readable name of an outcome."""
    return LABELS.get(outcome, outcome.replace("_", " "))


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as a GitHub-flavoured markdown table."""

    def cell(value: object) -> str:
        if isinstance(value, float | np.floating):
            return "" if np.isnan(value) else f"{value:.{digits}f}"
        return str(value)

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _plt():  # imported lazily: only reports draw
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    return plt, sns


def lines_with_ci(
    ctx: Context, x: str, outcomes: Sequence[str], name: str, *, hue: str = "design"
) -> Path:
    """Each outcome against factor ``x``, one line per ``hue`` with a 95% CI band."""
    plt, sns = _plt()
    data = analysis.ok_runs(ctx.runs)
    cols = min(3, len(outcomes))
    rows = -(-len(outcomes) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.6 * rows), squeeze=False)
    for i, (ax, outcome) in enumerate(zip(axes.flat, outcomes, strict=False)):
        sns.lineplot(
            data=data, x=f"param.{x}", y=outcome, hue=hue if data[hue].nunique() > 1 else None,
            errorbar=("ci", 95), n_boot=500, seed=0, marker="o", ax=ax, legend=i == 0,
        )  # fmt: skip
        ax.set_title(label(outcome))
        ax.set_xlabel(x.replace("_", " "))
        ax.set_ylabel("")
        if outcome == "selection_odds_ratio":
            ax.set_yscale("log")  # a ratio: equal steps are equal factors
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(f"{ctx.spec.title} (mean and bootstrap 95% CI over replicates)", fontsize=11)
    fig.tight_layout()
    path = ctx.figure(name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def points_with_ci(ctx: Context, outcomes: Sequence[str], name: str) -> Path:
    """Each outcome per design as a point with a 95% CI."""
    plt, sns = _plt()
    data = analysis.ok_runs(ctx.runs)
    cols = min(3, len(outcomes))
    rows = -(-len(outcomes) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.4 * rows), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        sns.pointplot(
            data=data, x="design", y=outcome, errorbar=("ci", 95), n_boot=500, seed=0,
            linestyle="none", ax=ax,
        )  # fmt: skip
        ax.set_title(label(outcome))
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=30)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(f"{ctx.spec.title} (mean and 95% CI)", fontsize=11)
    fig.tight_layout()
    path = ctx.figure(name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def scorecard_heatmaps(ctx: Context, data: pd.DataFrame, name: str, title: str) -> Path | None:
    """Mean scorecard (arena x principle) per design, from the runs' ``score.*`` columns."""
    cols = [f"score.{a}.{p}" for a in ARENAS for p in PRINCIPLES]
    if not all(c in data for c in cols):
        return None
    plt, sns = _plt()
    designs = list(dict.fromkeys(data["design"]))
    ncols = min(2, len(designs))
    nrows = -(-len(designs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.4 * ncols, 3.2 * nrows), squeeze=False)
    for ax, design in zip(axes.flat, designs, strict=False):
        mean = data.loc[data["design"] == design, cols].mean()
        table = pd.DataFrame(
            [[mean[f"score.{a}.{p}"] for p in PRINCIPLES] for a in ARENAS],
            index=list(ARENAS),
            columns=list(PRINCIPLES),
        )
        sns.heatmap(table, vmin=1, vmax=10, cmap="RdYlGn", annot=True, fmt=".1f", cbar=False, ax=ax)
        ax.set_title(str(design))
        ax.tick_params(axis="x", rotation=30)
    for ax in list(axes.flat)[len(designs) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    path = ctx.figure(name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def series_by_design(
    ctx: Context, outcomes: Sequence[str], name: str, by: str = "design"
) -> Path | None:
    """Per-step metrics over time by design (needs ``series.parquet``)."""
    if ctx.series is None or ctx.series.empty:
        return None
    plt, sns = _plt()
    keys = ["run_id", "design"] + ([f"param.{by}"] if by != "design" else [])
    data = ctx.series.merge(ctx.runs[keys], on="run_id")
    fig, axes = plt.subplots(1, len(outcomes), figsize=(5.2 * len(outcomes), 3.8), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        sns.lineplot(data=data, x="step", y=outcome, hue="design", errorbar=("ci", 95),
                     n_boot=200, seed=0, ax=ax)  # fmt: skip
        ax.set_title(label(outcome))
        ax.set_ylabel("")
        for shock in ctx.spec.base.get("shocks", []) or []:
            ax.axvline(shock["step"], color="grey", linestyle="--", linewidth=1)
    fig.suptitle(f"{ctx.spec.title}: per-step metrics by design (mean and 95% CI)", fontsize=11)
    fig.tight_layout()
    path = ctx.figure(name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _embed(path: Path | None, caption: str) -> str:
    return "" if path is None else f"![{caption}](figures/{path.name})\n"


def _extreme_levels(ctx: Context, factor: str) -> tuple[object, object]:
    levels = sorted(analysis.ok_runs(ctx.runs)[f"param.{factor}"].unique())
    return levels[0], levels[-1]


# --------------------------------------------------------------------------- study reports


def report_bollow_comparison(ctx: Context) -> list[str]:
    """Outcomes vs lobby budget by template; paired template differences; scorecards."""
    outcomes = [o for o in ctx.spec.outcomes if o in ctx.runs]
    fig = lines_with_ci(ctx, "lobby_budget", outcomes, "outcomes_by_budget.png")
    low, high = _extreme_levels(ctx, "lobby_budget")
    table = analysis.ci_table(ctx.runs, ["design", "param.lobby_budget"], ["lobby_bias"])
    reading = []
    for design, sub in table.groupby("design", sort=False):
        first = sub[sub["param.lobby_budget"] == low].iloc[0]
        last = sub[sub["param.lobby_budget"] == high].iloc[0]
        reading.append(
            f"In the **{design}** forum lobby bias goes from {first['mean']:.3f} "
            f"[{first['ci_low']:.3f}, {first['ci_high']:.3f}] at budget {low} to "
            f"{last['mean']:.3f} [{last['ci_low']:.3f}, {last['ci_high']:.3f}] at budget {high}."
        )
    sections = [
        "## Capture, inclusiveness and responsiveness against the lobby budget\n",
        _embed(fig, "outcomes by budget"),
        " ".join(reading)
        + " Lobby bias at budget 0 is not capture: it is the structural tilt of each template "
        "toward the lobby's side (voice grows with resources; open attendance favours the "
        "resourceful). Capture is the rise above it.\n",
    ]
    designs = list(ctx.spec.designs)
    if len(designs) >= 2:
        diff = analysis.paired_differences(
            ctx.runs, "lobby_bias", designs[0], by=["param.lobby_budget"]
        )
        sections += [
            f"### Paired differences in lobby bias ({designs[1]} minus {designs[0]})\n",
            "Same seeds for both templates at each budget and replicate (common random "
            "numbers), so the interval is that of the difference itself.\n",
            markdown_table(
                diff[
                    [
                        "design",
                        "param.lobby_budget",
                        "mean_difference",
                        "ci_low",
                        "ci_high",
                        "pairs",
                    ]
                ]
            ),
            "",
        ]
    top = analysis.ok_runs(ctx.runs)
    top = top[top["param.lobby_budget"] == high]
    heat = scorecard_heatmaps(
        ctx, top, "scorecards.png", f"Governance scorecard at lobby budget {high} (1-10)"
    )
    if heat is not None:
        sections += [
            f"## Governance scorecard at the highest budget ({high})\n",
            _embed(heat, "scorecards"),
        ]
    summary = analysis.ci_table(ctx.runs, ["design", "param.lobby_budget"], outcomes)
    summary = summary[summary["param.lobby_budget"].isin([low, high])]
    sections += [
        "## Table: outcomes at the lowest and highest budget\n",
        markdown_table(
            summary[["design", "param.lobby_budget", "outcome", "mean", "ci_low", "ci_high", "n"]]
        ),
    ]
    return sections


def report_selection_capture(ctx: Context) -> list[str]:
    """Rose gap and lobby-aligned odds against selector capture by selection rule."""
    outcomes = [o for o in ctx.spec.outcomes if o in ctx.runs]
    fig = lines_with_ci(ctx, "selector_capture", outcomes, "outcomes_by_capture.png")
    table = analysis.ci_table(
        ctx.runs, ["design", "param.selector_capture"], ["rose_gap", "selection_odds_ratio"]
    )
    low, high = _extreme_levels(ctx, "selector_capture")
    reading = []
    data = analysis.ok_runs(ctx.runs)
    for design, sub in data.groupby("design", sort=False):
        # odds ratios multiply: summarise them by their geometric mean over replicates
        logs = np.log(sub["selection_odds_ratio"]).groupby(sub["param.selector_capture"]).mean()
        a, b = float(np.exp(logs.loc[low])), float(np.exp(logs.loc[high]))
        reading.append(
            f"Under **{design}** selection the odds of lobby-aligned stakeholders being seated "
            f"are {a:.2f}x the pool's at capture {low} and {b:.2f}x at capture {high} "
            f"(geometric means over replicates; the ratio tops out at about 61 when every "
            f"seat is lobby-aligned)."
        )
    return [
        "## Selection outcomes against the selector's capture\n",
        _embed(fig, "outcomes by capture"),
        " ".join(reading) + " The Rose gap is the seated body's Rose index minus the "
        "expected Rose index of a random body of the same size (Gerring, Jerzak & Oncel 2024).\n",
        "## Table\n",
        markdown_table(
            table[["design", "param.selector_capture", "outcome", "mean", "ci_low", "ci_high", "n"]]
        ),
    ]


def report_participation_cost(ctx: Context) -> list[str]:
    """Grassroots share and inclusiveness against participation cost by support level."""
    outcomes = [o for o in ctx.spec.outcomes if o in ctx.runs]
    fig = lines_with_ci(ctx, "participation_cost", outcomes, "outcomes_by_cost.png")
    table = analysis.ci_table(
        ctx.runs, ["design", "param.participation_cost"], ["grassroots_share"]
    )
    low, high = _extreme_levels(ctx, "participation_cost")
    reading = []
    for design, sub in table.groupby("design", sort=False):
        a = sub[sub["param.participation_cost"] == low]["mean"].iloc[0]
        b = sub[sub["param.participation_cost"] == high]["mean"].iloc[0]
        reading.append(
            f"**{design}**: grassroots share {a:.3f} at cost {low}, {b:.3f} at cost {high}."
        )
    return [
        "## Attendance against the cost of taking part\n",
        _embed(fig, "outcomes by cost"),
        " ".join(reading) + " (Grassroots are half the population.)\n",
        "## Table\n",
        markdown_table(
            table[
                ["design", "param.participation_cost", "outcome", "mean", "ci_low", "ci_high", "n"]
            ]
        ),
    ]


def report_shock_responsiveness(ctx: Context) -> list[str]:
    """Adaptation lag by design and term length; congruence error around the shock."""
    outcomes = [o for o in ctx.spec.outcomes if o in ctx.runs]
    fig = lines_with_ci(ctx, "term_length", outcomes, "lag_by_term_length.png")
    series = series_by_design(
        ctx, ["congruence_error", "responsiveness"], "congruence_over_time.png"
    )
    table = analysis.ci_table(ctx.runs, ["design", "param.term_length"], ["adaptation_lag"])
    fastest = table.sort_values("mean").iloc[0]
    return [
        "## Adaptation lag against term length\n",
        _embed(fig, "lag by term length"),
        f"The shortest mean lag is {fastest['mean']:.1f} steps ({fastest['design']}, term length "
        f"{fastest['param.term_length']}). A lag equal to the steps left after the shock means "
        "the shock was never absorbed (censored; see the censored share).\n",
        "## Congruence error over time (all term lengths pooled; dashed line: the shock)\n",
        _embed(series, "congruence over time"),
        "## Table\n",
        markdown_table(
            table[["design", "param.term_length", "outcome", "mean", "ci_low", "ci_high", "n"]]
        ),
    ]


def report_safeguards(ctx: Context) -> list[str]:
    """Outcomes per safeguard with paired differences from the unprotected baseline."""
    outcomes = [o for o in ctx.spec.outcomes if o in ctx.runs]
    fig = points_with_ci(ctx, outcomes, "safeguards.png")
    baseline = next(iter(ctx.spec.designs))
    diff = analysis.paired_differences(ctx.runs, "lobby_bias", baseline)
    best = diff.sort_values("mean_difference").iloc[0] if not diff.empty else None
    reading = (
        f"Against the unprotected **{baseline}** forum, **{best['design']}** buys back the most: "
        f"lobby bias changes by {best['mean_difference']:.3f} [{best['ci_low']:.3f}, "
        f"{best['ci_high']:.3f}] (paired on common random numbers)."
        if best is not None
        else ""
    )
    heat = scorecard_heatmaps(
        ctx, analysis.ok_runs(ctx.runs), "scorecards.png", "Governance scorecard by safeguard"
    )
    return [
        "## Capture by safeguard\n",
        _embed(fig, "safeguards"),
        reading + "\n",
        "### Paired differences in lobby bias from the baseline\n",
        markdown_table(
            diff[["design", "baseline", "mean_difference", "ci_low", "ci_high", "pairs"]]
        ),
        "",
        "## Governance scorecard by safeguard\n",
        _embed(heat, "scorecards"),
    ]


def report_sensitivity(ctx: Context) -> list[str]:
    """Sobol first-order and total indices per outcome and design."""
    plt, _ = _plt()
    outcomes = [o for o in ctx.spec.outcomes if o in ctx.runs]
    designs = list(ctx.spec.designs) or [""]
    tables = []
    for design in designs:
        for outcome in outcomes:
            t = analysis.sobol_indices(ctx.spec, ctx.runs, outcome, design=design)
            t.insert(0, "outcome", outcome)
            t.insert(0, "design", design)
            tables.append(t)
    table = pd.concat(tables, ignore_index=True)
    long = table.melt(
        id_vars=["design", "outcome", "factor"],
        value_vars=["S1", "ST"],
        var_name="index",
        value_name="value",
    )
    conf = table.melt(
        id_vars=["design", "outcome", "factor"],
        value_vars=["S1_conf", "ST_conf"],
        var_name="index",
        value_name="conf",
    )
    conf["index"] = conf["index"].str.replace("_conf", "")
    long = long.merge(conf, on=["design", "outcome", "factor", "index"])
    size = (4.6 * len(outcomes), 3.4 * len(designs))
    fig, axes = plt.subplots(len(designs), len(outcomes), figsize=size, squeeze=False)
    for i, design in enumerate(designs):
        for j, outcome in enumerate(outcomes):
            ax = axes[i, j]
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
            ax.set_title(f"{design}: {label(outcome)}", fontsize=10)
            ax.set_ylim(bottom=min(0, ax.get_ylim()[0]))
            if i == 0 and j == 0:
                ax.legend()
    fig.suptitle("Sobol indices (first-order S1, total ST; bars: 95% bootstrap CI)", fontsize=11)
    fig.tight_layout()
    path = ctx.figure("sobol.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    reading = []
    data = analysis.ok_runs(ctx.runs)
    for (design, outcome), sub in table.groupby(["design", "outcome"], sort=False):
        values = data.loc[data["design"] == design, outcome] if design else data[outcome]
        if float(values.std()) < 1e-12:
            reading.append(f"{design or 'all'} / {label(outcome)}: does not vary (indices moot).")
            continue
        top = sub.sort_values("ST", ascending=False).iloc[0]
        reading.append(
            f"{design or 'all'} / {label(outcome)}: **{top['factor']}** has the largest total "
            f"index (ST = {top['ST']:.2f})."
        )
    n = len(ctx.spec.samples())
    return [
        "## Sobol indices\n",
        _embed(path, "sobol indices"),
        f"Saltelli sample of {n} points per design (Sobol' base size "
        f"{n // (len(ctx.spec.factors) + 2)}); indices by SALib (Saltelli et al. 2010). "
        "With small samples the bootstrap intervals are wide and small indices can come out "
        "negative: read only the ranking of clearly separated factors.\n",
        "\n".join(f"- {r}" for r in reading) + "\n",
        "## Table\n",
        markdown_table(table),
    ]


def report_design_comparison(ctx: Context) -> list[str]:
    """Mean, spread, worst case and regret per design; PRIM boxes where designs get captured."""
    outcomes = [o for o in ctx.spec.outcomes if o in ctx.runs]
    fig = points_with_ci(ctx, outcomes, "designs.png")
    robust = pd.concat(
        [
            analysis.robustness(ctx.runs, o, higher_is_better=o not in LOWER_IS_BETTER)
            for o in outcomes
        ],
        ignore_index=True,
    )
    sections = [
        "## Designs across sampled contexts\n",
        _embed(fig, "designs"),
        f"{len(ctx.spec.samples())} contexts sampled by Latin hypercube over "
        + ", ".join(f.name for f in ctx.spec.factors)
        + f"; {ctx.spec.replicates} replicates per context and design, the same seeds for "
        "every design (common random numbers).\n",
        "## Robustness table\n",
        "Per context, a design's value is its mean over replicates. *Worst* is its worst "
        "context; *regret* is how far it falls short of the best design in the same context "
        "(mean and maximum over contexts).\n",
        markdown_table(robust),
        "",
    ]
    for outcome in outcomes:
        sub = robust[robust["outcome"] == outcome].sort_values("max_regret")
        sections.append(
            f"- {label(outcome)}: smallest maximum regret for **{sub.iloc[0]['design']}** "
            f"({sub.iloc[0]['max_regret']:.3f})."
        )
    factors = [f.name for f in ctx.spec.factors]
    sections += [
        "",
        "## Scenario discovery: where does each design get captured?\n",
        f"PRIM (ema_workbench) on runs with lobby bias above {ctx.spec.capture_threshold}: "
        "the box of contexts where capture concentrates.\n",
    ]
    rows = []
    for design in ctx.spec.designs:
        limits, stats = analysis.prim_boxes(
            ctx.runs, factors, "lobby_bias", ctx.spec.capture_threshold, design=design
        )
        box = "; ".join(f"{r.factor} in [{r.low:.3g}, {r.high:.3g}]" for r in limits.itertuples())
        rows.append({"design": design, "captured share of runs": stats["base_rate"],
                     "box": box or "(none)", "coverage": stats["coverage"],
                     "density": stats["density"]})  # fmt: skip
    sections.append(markdown_table(pd.DataFrame(rows)))
    return sections


def report_generic(ctx: Context) -> list[str]:
    """Outcomes per design (and against the first factor, if any)."""
    outcomes = [o for o in ctx.spec.outcomes if o in ctx.runs]
    if ctx.spec.factors and ctx.spec.sampler == "grid":
        fig = lines_with_ci(ctx, ctx.spec.factors[0].name, outcomes, "outcomes.png")
    else:
        fig = points_with_ci(ctx, outcomes, "outcomes.png")
    table = analysis.ci_table(ctx.runs, ["design"], outcomes)
    return ["## Outcomes\n", _embed(fig, "outcomes"), markdown_table(table)]


REPORTS: dict[str, Callable[[Context], list[str]]] = {
    "bollow_comparison": report_bollow_comparison,
    "selection_capture": report_selection_capture,
    "participation_cost": report_participation_cost,
    "shock_responsiveness": report_shock_responsiveness,
    "safeguards": report_safeguards,
    "sensitivity": report_sensitivity,
    "design_comparison": report_design_comparison,
}


def build_report(folder: str | Path) -> Path:
    """(Re)build figures and ``report.md`` of the study stored in ``folder``.

    Raises:
        FileNotFoundError: When the folder holds no finished study.
    """
    folder = Path(folder)
    verify_results(folder)  # refuses a folder whose runs.parquet and manifest disagree
    manifest_path, runs_path = folder / "manifest.json", folder / "runs.parquet"
    if not manifest_path.exists() or not runs_path.exists():
        raise FileNotFoundError(f"{folder} holds no study results (manifest.json and runs.parquet)")
    manifest = json.loads(manifest_path.read_text())
    spec = ExperimentSpec.from_dict(manifest["spec"])
    runs = pd.read_parquet(runs_path)
    series_path = folder / "series.parquet"
    series = pd.read_parquet(series_path) if series_path.exists() else None
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    ctx = Context(spec, runs, series, folder, figures)
    n_failed = int((runs["status"] != "ok").sum())
    header = [
        f"# {spec.title or spec.name}\n",
        f"**Question.** {spec.question}\n" if spec.question else "",
        f"**Hypothesis.** {spec.hypothesis}\n" if spec.hypothesis else "",
        f"**Runs.** {len(runs)} runs ({max(1, len(spec.designs))} design(s) x "
        f"{len(spec.samples())} sample point(s) x {spec.replicates} replicate(s)), "
        f"{n_failed} failed; {spec.steps} steps each. Outcomes are each run's mean over the "
        f"second half of its steps (scorecard cells and the governance index: at the end of "
        f"the run). Unless a section says otherwise, figures show bootstrap 95% confidence "
        f"bands of the mean over replicates and tables Student-t 95% intervals. Config "
        f"fingerprint `{manifest.get('fingerprint')}`, "
        f"msisim {manifest.get('versions', {}).get('msisim', '?')}, git "
        f"`{manifest.get('git_revision', '?')}`, {manifest.get('backend', '?')} backend.\n",
        f"Rebuild this report from the stored results with `msisim report {folder}`.\n",
    ]
    if n_failed:
        errors = runs.loc[runs["status"] != "ok", "error"].value_counts().head(5)
        header.append(
            "**Failed runs** (most common errors):\n\n"
            + "\n".join(f"- {count} x `{err}`" for err, count in errors.items())
            + "\n"
        )
    builder = REPORTS.get(spec.name, report_generic)
    body = builder(ctx) if (runs["status"] == "ok").any() else ["No run finished.\n"]
    text = "\n".join(part for part in header + body if part is not None) + "\n"
    path = folder / "report.md"
    atomic_write(path, lambda p: p.write_text(text))
    return path
