"""What every study's report builder shares: its context, the registry, figure helpers.

A study's report builder is a function ``Context -> list[str]`` (markdown sections) in its
own module of :mod:`msisim.viz.report`, registered under the name that the study's config
gives as ``report:``. The helpers here draw the figures several studies use and hold the
figure boilerplate (grid of panels, titles, saving and closing) in one place.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from msisim.scorecard import ARENAS, PRINCIPLES
from msisim.study import analysis
from msisim.study.spec import ExperimentSpec
from msisim.viz.report.labels import label

DPI = 110


@dataclass
class Context:
    """What a study's report builder gets."""

    spec: ExperimentSpec
    runs: pd.DataFrame
    series: pd.DataFrame | None
    folder: Path
    figures: Path
    #: Outcomes the report shows besides the study's own (they join the glossary).
    shown: list[str] = field(default_factory=list)

    def figure(self, name: str) -> Path:
        """Path of a figure file (relative links in the report use ``figures/<name>``)."""
        return self.figures / name

    def outcomes(self) -> list[str]:
        """The study's outcomes that the runs hold."""
        return [o for o in self.spec.outcomes if o in self.runs]

    def extreme_levels(self, factor: str) -> tuple[Any, Any]:
        """The lowest and highest level of a factor among the finished runs."""
        levels = sorted(analysis.ok_runs(self.runs)[f"param.{factor}"].unique())
        return levels[0], levels[-1]


ReportBuilder = Callable[[Context], list[str]]

#: Report builders by name (the ``report:`` key of a study's config).
REPORTS: dict[str, ReportBuilder] = {}


def register(name: str) -> Callable[[ReportBuilder], ReportBuilder]:
    """Register a study's report builder under ``name``."""

    def add(builder: ReportBuilder) -> ReportBuilder:
        if name in REPORTS:
            raise ValueError(f"report {name!r} is registered twice")
        REPORTS[name] = builder
        return builder

    return add


#: "Key findings" sections written by a report itself (a study without hypothesis claims,
#: such as ``msisim compare``'s), by report name: ``Context -> list[str]``.
KEY_FINDINGS: dict[str, ReportBuilder] = {}


def register_key_findings(name: str) -> Callable[[ReportBuilder], ReportBuilder]:
    """Register the function that writes the "Key findings" section of report ``name``."""

    def add(builder: ReportBuilder) -> ReportBuilder:
        if name in KEY_FINDINGS:
            raise ValueError(f"key findings {name!r} are registered twice")
        KEY_FINDINGS[name] = builder
        return builder

    return add


def get_report(name: str) -> ReportBuilder:
    """The report builder registered as ``name``.

    Raises:
        ValueError: For an unknown name, listing the valid ones.
    """
    if name in REPORTS:
        return REPORTS[name]
    close = difflib.get_close_matches(name, REPORTS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"unknown report {name!r}{hint}; valid: {', '.join(sorted(REPORTS))}")


# --------------------------------------------------------------------------- markdown


#: Column headings of the analysis tables, in words.
HEADINGS = {
    "mean": "mean",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "sd": "sd",
    "n": "runs",
    "pairs": "pairs",
}


#: Design names of the shipped studies in words (others: underscores become spaces).
DESIGN_WORDS = {
    "open_supported": "open, with participation support",
    "consultation": "representative with open consultation",
    "safeguarded": "representative with safeguards",
    "term_limits": "term limits",
    "cooling_off": "cooling-off",
    "all": "all safeguards",
    "baseline": "no safeguard",
    "no_support": "no support",
    "half_support": "half support",
    "full_support": "full support",
    "lottery": "civic lottery",
    "random": "category seats, random",
    "election": "category seats, election",
    "merit": "category seats, merit",
}


def design_words(design: object) -> str:
    """A design's name in words (``term_limits`` -> ``term limits``)."""
    text = str(design)
    return DESIGN_WORDS.get(text, text.replace("_", " "))


def humanize(frame: pd.DataFrame) -> pd.DataFrame:
    """Column headings and outcome names in words.

    ``param.lobby_budget`` becomes ``lobby budget``; outcome names become their declared
    labels with unit and direction.
    """
    out = frame.copy()
    for col in ("outcome",):
        if col in out:
            out[col] = [described(str(o)) for o in out[col]]
    for col in ("design", "baseline"):
        if col in out:
            out[col] = [design_words(d) for d in out[col]]
    return out.rename(
        columns=lambda c: (
            c.removeprefix("param.").replace("_", " ")
            if c.startswith("param.")
            else HEADINGS.get(c, c.replace("_", " "))
        )
    )


def described(outcome: str) -> str:
    """An outcome's label with its unit and better direction, e.g. for table rows."""
    from msisim import outcomes as declared

    o = declared.find(outcome)
    if o is None:
        return outcome.replace("_", " ")
    d = {"higher": "higher is better", "lower": "lower is better"}.get(o.direction, "")
    return f"{label(outcome)} ({o.unit}{'; ' + d if d else ''})"


def table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as a GitHub markdown table in words (see :func:`humanize`; blanks for NaN)."""
    frame = humanize(frame)
    cells = frame.astype(object).where(frame.notna(), None)
    return cells.to_markdown(index=False, floatfmt=f".{digits}f", missingval="")


def embed(path: Path | None, caption: str) -> str:
    """Markdown that shows a figure of ``figures/`` (nothing when there is no figure)."""
    return "" if path is None else f"![{caption}](figures/{path.name})\n"


# --------------------------------------------------------------------------- figures


def _plt() -> tuple[Any, Any]:  # imported lazily: only reports draw
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    return plt, sns


def panels(n: int, *, width: float, height: float, cols: int = 3) -> tuple[Any, list[Any]]:
    """A figure with ``n`` panels on a grid of at most ``cols`` columns (spare ones hidden)."""
    plt, _ = _plt()
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def name_axes(ax: Any, title: str, xlabel: str = "", ylabel: str = "") -> None:
    """Title and axis labels of one panel."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def save(ctx: Context, fig: Any, name: str, title: str) -> Path:
    """Give the figure its title, lay it out, write ``figures/NAME`` and close it."""
    plt, _ = _plt()
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    path = ctx.figure(name)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def y_axis(ax: Any, outcome: str) -> None:
    """Label the y axis with the outcome's unit and direction, and scale it honestly.

    A bounded outcome spans its declared range (a share from 0 to 1), so a small change does
    not fill the panel; an outcome bounded below starts at its bound; an unbounded one
    includes 0 (no effect) in view.
    """
    from msisim import outcomes as declared

    o = declared.find(outcome)
    if o is None:
        return
    d = {"higher": ", higher is better", "lower": ", lower is better"}.get(o.direction, "")
    if ax.get_yscale() == "log":
        ax.set_ylabel(f"{o.unit}{d} (log scale)", fontsize=9)
        return
    ax.set_ylabel(f"{o.unit}{d}", fontsize=9)
    low, high = ax.get_ylim()
    if o.lo is not None and o.hi is not None:
        pad = 0.02 * (o.hi - o.lo)
        ax.set_ylim(o.lo - pad, o.hi + pad)
    elif o.lo is not None:
        ax.set_ylim(bottom=o.lo, top=max(high, o.lo + 1e-9))
    else:
        ax.set_ylim(min(low, 0.0), max(high, 0.0))


def lines_with_ci(
    ctx: Context,
    x: str,
    outcomes: Sequence[str],
    name: str,
    *,
    hue: str = "design",
    flat: Sequence[str] = (),
) -> Path:
    """Each outcome against factor ``x``, one line per ``hue`` with a 95% CI band.

    Lines differ by colour, marker and dash pattern, so lines that coincide stay readable.
    Designs in ``flat`` (to which factor ``x`` does not apply) are drawn as a horizontal
    dotted line at their mean with its 95% band.
    """
    _, sns = _plt()
    data = analysis.ok_runs(ctx.runs)
    reference = data[data["design"].isin(flat)]
    data = data[~data["design"].isin(flat)]
    data = data.assign(design=data["design"].map(design_words))
    several = data[hue].nunique() > 1
    fig, axes = panels(len(outcomes), width=5, height=3.6)
    for i, (ax, outcome) in enumerate(zip(axes, outcomes, strict=True)):
        sns.lineplot(
            data=data, x=f"param.{x}", y=outcome, hue=hue if several else None,
            style=hue if several else None, markers=True, dashes=True,
            errorbar=("ci", 95), n_boot=500, seed=0, ax=ax, legend=i == 0,
        )  # fmt: skip
        for design, sub in reference.groupby("design", sort=False):
            mean, low, high = analysis.t_interval(sub[outcome].dropna().to_numpy())
            ax.axhline(mean, color="black", linestyle=":", linewidth=1.5,
                       label=f"{design_words(design)} (factor does not apply)")  # fmt: skip
            ax.axhspan(low, high, color="grey", alpha=0.15)
        if i == 0 and ax.get_legend() is not None:
            ax.legend(fontsize=8, title_fontsize=8, framealpha=0.6)
        elif i == 0 and not reference.empty:
            ax.legend(fontsize=8, title_fontsize=8, framealpha=0.6)
        if several:
            _note_coinciding(ax, data, x, outcome, hue)
        name_axes(ax, label(outcome), x.replace("_", " "))
        if outcome == "selection_odds_ratio":
            ax.set_yscale("log")  # a ratio: equal steps are equal factors
        y_axis(ax, outcome)
    return save(ctx, fig, name, f"{ctx.spec.title} (mean and bootstrap 95% CI over replicates)")


def _note_coinciding(ax: Any, data: pd.DataFrame, x: str, outcome: str, hue: str) -> None:
    """Say in the panel which lines lie on top of each other (equal means at every x)."""
    means = data.groupby([hue, f"param.{x}"], sort=False)[outcome].mean().unstack(hue)
    groups: list[list[str]] = []
    for level in means.columns:
        for group in groups:
            if (means[group[0]] - means[level]).abs().max() < 1e-9:
                group.append(str(level))
                break
        else:
            groups.append([str(level)])
    same = [g for g in groups if len(g) > 1]
    if same:
        text = "; ".join(", ".join(g[:-1]) + " and " + g[-1] for g in same) + ": same values"
        ax.text(0.02, 0.02, text, transform=ax.transAxes, fontsize=7, va="bottom",
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})  # fmt: skip


def points_with_ci(ctx: Context, outcomes: Sequence[str], name: str) -> Path:
    """Each outcome per design as a point with a 95% CI."""
    _, sns = _plt()
    data = analysis.ok_runs(ctx.runs)
    data = data.assign(design=data["design"].map(design_words))
    fig, axes = panels(len(outcomes), width=5, height=3.4)
    for ax, outcome in zip(axes, outcomes, strict=True):
        sns.pointplot(
            data=data, x="design", y=outcome, errorbar=("ci", 95), n_boot=500, seed=0,
            linestyle="none", ax=ax,
        )  # fmt: skip
        name_axes(ax, label(outcome))
        y_axis(ax, outcome)
        ax.tick_params(axis="x", rotation=30)
    return save(ctx, fig, name, f"{ctx.spec.title} (mean and 95% CI)")


def scorecard_heatmaps(ctx: Context, data: pd.DataFrame, name: str, title: str) -> Path | None:
    """Mean scorecard (arena x principle) per design, from the runs' ``score.*`` columns."""
    cols = [f"score.{a}.{p}" for a in ARENAS for p in PRINCIPLES]
    if not all(c in data for c in cols):
        return None
    _, sns = _plt()
    designs = list(dict.fromkeys(data["design"]))
    fig, axes = panels(len(designs), width=6.4, height=3.2, cols=2)
    for ax, design in zip(axes, designs, strict=True):
        mean = data.loc[data["design"] == design, cols].mean()
        grid = pd.DataFrame(
            [[mean[f"score.{a}.{p}"] for p in PRINCIPLES] for a in ARENAS],
            index=[a.replace("_", " ") for a in ARENAS],
            columns=list(PRINCIPLES),
        )
        sns.heatmap(grid, vmin=1, vmax=10, cmap="RdYlGn", annot=True, fmt=".1f", ax=ax,
                    cbar_kws={"label": "score, 1 to 10 (higher is better)"})  # fmt: skip
        ax.set_title(design_words(design))
        ax.tick_params(axis="x", rotation=30)
    return save(ctx, fig, name, title)


def series_by_design(
    ctx: Context, outcomes: Sequence[str], name: str, by: str = "design"
) -> Path | None:
    """Per-step metrics over time by design (needs ``series.parquet``)."""
    if ctx.series is None or ctx.series.empty:
        return None
    _, sns = _plt()
    keys = ["run_id", "design"] + ([f"param.{by}"] if by != "design" else [])
    data = ctx.series.merge(ctx.runs[keys], on="run_id")
    data["design"] = data["design"].map(design_words)
    fig, axes = panels(len(outcomes), width=5.2, height=3.8, cols=len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=True):
        sns.lineplot(data=data, x="step", y=outcome, hue="design", errorbar=("ci", 95),
                     n_boot=200, seed=0, ax=ax)  # fmt: skip
        name_axes(ax, label(outcome), "step")
        y_axis(ax, outcome)
        for shock in ctx.spec.base.get("shocks", []) or []:
            jitter = int(shock.get("jitter", 0) or 0)
            if jitter > 1:  # a shock at a random step of the window: shade the window
                ax.axvspan(shock["step"], shock["step"] + jitter - 1, color="grey", alpha=0.15)
            else:
                ax.axvline(shock["step"], color="grey", linestyle="--", linewidth=1)
    return save(ctx, fig, name, f"{ctx.spec.title}: per-step metrics by design (mean and 95% CI)")


# --------------------------------------------------------------------------- factor levels

#: Equal-width bins of a factor sampled from a range (``lhs``, ``sobol``) in per-level tables.
BINS = 2


def varied_factors(ctx: Context) -> list[str]:
    """The study's factors that take more than one value among the finished runs shown."""
    data = analysis.ok_runs(ctx.runs)
    out = []
    for f in ctx.spec.factors:
        column = f"param.{f.name}"
        if column in data and data[column].dropna().nunique() > 1:
            out.append(f.name)
    return out


def _sampled(ctx: Context, name: str) -> bool:
    """Whether factor ``name`` is sampled from a range (its runs have no common levels)."""
    f = next(f for f in ctx.spec.factors if f.name == name)
    return ctx.spec.sampler != "grid" and not f.levels


def _bin_words(low: float, high: float) -> list[str]:
    edges = [low + (high - low) * i / BINS for i in range(BINS + 1)]
    return [f"{a:.3g} to {b:.3g}" for a, b in itertools.pairwise(edges)]


def with_levels(ctx: Context, runs: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The runs with a column per varied factor to group by, and those columns.

    A factor given by levels keeps its ``param.<name>`` column; a factor sampled from a range
    has its values replaced by their bin (:data:`BINS` equal-width bins of its range, e.g.
    ``0 to 1.5``), so that a table grouped by the columns never averages over a factor's
    levels (see :func:`levels_caption` for the words that state the bins).
    """
    data = analysis.ok_runs(ctx.runs if runs is None else runs).copy()
    columns = []
    for name in varied_factors(ctx):
        column = f"param.{name}"
        if column not in data:
            continue
        if _sampled(ctx, name):
            f = next(f for f in ctx.spec.factors if f.name == name)
            low, high = float(f.low), float(f.high)  # type: ignore[arg-type]
            words = _bin_words(low, high)
            edges = [low + (high - low) * i / BINS for i in range(BINS + 1)]
            values = pd.to_numeric(data[column], errors="coerce")
            bins = pd.cut(values, edges, labels=words, include_lowest=True)
            data[column] = bins.astype(object).where(values.notna(), None)
        columns.append(column)
    return data, columns


def levels_caption(ctx: Context, names: Sequence[str] | None = None) -> str:
    """The sentence under a per-level table: the factors its rows are split by, and their bins.

    ``names``: the factors (default: every varied one, :func:`varied_factors`); accepts
    ``param.<name>`` columns too. Empty when there are none.
    """
    names = varied_factors(ctx) if names is None else [n.removeprefix("param.") for n in names]
    if not names:
        return ""
    text = "Rows are split by every level of " + ", ".join(n.replace("_", " ") for n in names)
    sampled = [n for n in names if _sampled(ctx, n)]
    if sampled:
        parts = []
        for n in sampled:
            f = next(f for f in ctx.spec.factors if f.name == n)
            bins = _bin_words(float(f.low), float(f.high))  # type: ignore[arg-type]
            parts.append(f"{n.replace('_', ' ')}: {', '.join(bins)}")
        text += (
            f" (a factor sampled from a range in {BINS} bins of equal width, each row pooling "
            f"the sample points of its bin: {'; '.join(parts)})"
        )
    if any(f.designs for f in ctx.spec.factors if f.name in names):
        text += "; a blank level: the factor does not apply to the design"
    return text + ", so no row averages over levels the study varied.\n"


def levels_table(
    ctx: Context, outcomes: Sequence[str], by: Sequence[str] = ("design",)
) -> pd.DataFrame:
    """:func:`analysis.ci_table` of the outcomes per ``by`` and per level of every varied factor.

    Sampled factors are grouped by their bins (:func:`with_levels`); state them with
    :func:`levels_caption`.
    """
    data, columns = with_levels(ctx)
    keys = [*by, *(c for c in columns if c not in by)]
    return analysis.ci_table(data, keys, outcomes)


def levels_differences(ctx: Context, outcomes: Sequence[str], baseline: str) -> pd.DataFrame:
    """Paired differences of every design from ``baseline`` per level of every varied factor.

    Pairs are runs on common random numbers (same sample point, replicate and seed; see
    :func:`analysis.paired_differences`), grouped by the levels (bins of sampled factors) of
    :func:`with_levels`.
    """
    data, columns = with_levels(ctx)
    parts = [analysis.paired_differences(data, o, baseline, by=columns) for o in outcomes]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def pooling_problems(calls: Sequence[dict[str, Any]]) -> list[str]:
    """One line per table that averaged over runs from different levels of a parameter.

    ``calls`` are those recorded by :func:`analysis.record_pooling` while a report's sections
    were built; :func:`msisim.viz.report.build_report` logs these lines as warnings, and the
    tests require none for every shipped study and for a user's study.
    """
    out = []
    for call in calls:
        if call["pooled"]:
            pooled = ", ".join(str(p).removeprefix("param.") for p in call["pooled"])
            by = ", ".join(str(b).removeprefix("param.") for b in call["by"]) or "nothing"
            outcomes = ", ".join(call["outcomes"])
            out.append(f"a table of {outcomes} grouped by {by} averages over levels of {pooled}")
    return out
