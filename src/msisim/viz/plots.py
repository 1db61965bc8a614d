"""Figures from tidy tables of per-step metrics."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from msisim.viz import style


def plot_metrics_over_time(
    series: pd.DataFrame,
    metrics: Sequence[str],
    path: str | Path,
    *,
    hue: str = "scenario",
    title: str | None = None,
) -> Path:
    """Draw each metric over time, one line per ``hue`` with a 95% band over replicates.

    Args:
        series: Tidy per-step table with columns ``step``, ``hue``, ``replicate`` and the metrics.
        metrics: Metric columns to draw, one panel each.
        path: PNG file to write (folders are created).
        hue: Column distinguishing the lines.
        title: Figure title.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(metrics)
    cols = min(3, n)
    rows = -(-n // cols)
    sns.set_theme(style="whitegrid", context="notebook")
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.6 * rows), squeeze=False)
    palette = _palette(series[hue]) if hue in series else None
    for ax, metric in zip(axes.flat, metrics, strict=False):
        sns.lineplot(
            data=series, x="step", y=metric, hue=hue, errorbar=("ci", 95), ax=ax,
            estimator="mean", n_boot=200, seed=0, legend=ax is axes.flat[0], palette=palette,
        )  # fmt: skip
        label = style.METRIC_LABELS.get(metric)
        ax.set_title(style.metric_title(metric))
        ax.set_ylabel(label.hint if label else "")
        if label is not None:  # the metric's whole range, so small changes are not blown up
            low, high = ax.get_ylim()
            ax.set_ylim(min(low, label.lower), max(high, label.upper))
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _palette(values: pd.Series) -> dict[str, str] | None:
    """The shared colours when ``values`` are stakeholder categories, else seaborn's."""
    names = [str(v) for v in pd.unique(values)]
    if names and all(n in style.CATEGORY_COLORS for n in names):
        return style.category_palette(names)
    return None


def plot_sweep(
    runs: pd.DataFrame,
    swept: Sequence[str],
    outcomes: Sequence[str],
    path: str | Path,
    *,
    title: str | None = None,
) -> Path:
    """Draw each outcome against the swept settings: mean and 95% interval over replicates.

    The first swept setting is the x-axis (numeric when all its values are numbers); the
    others, if any, make one line each (their values joined, e.g. ``lobbying=heavy``).

    Args:
        runs: One row per run, with a column per swept setting and the outcomes.
        swept: The swept settings' columns (a multirun's override keys).
        outcomes: Outcome columns to draw, one panel each.
        path: PNG file to write (folders are created).
        title: Figure title.

    Returns:
        The path written.
    """
    from msisim.study.analysis import ci_table

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    x_name, others = swept[0], list(swept[1:])
    data = runs.copy()
    data["_line"] = (
        data[others]
        .astype(str)
        .apply(lambda row: ", ".join(f"{k}={v}" for k, v in row.items()), axis=1)
        if others
        else "all runs"
    )
    table = ci_table(data, [x_name, "_line"], outcomes)
    numeric = pd.to_numeric(table[x_name], errors="coerce")
    if numeric.notna().all():
        table["_x"] = numeric.astype(float)
        ticks: list[str] = []
    else:
        ticks = [str(v) for v in pd.unique(data[x_name].astype(str))]
        table["_x"] = table[x_name].astype(str).map({t: i for i, t in enumerate(ticks)})
    lines = [str(v) for v in pd.unique(data["_line"])]
    width = 0.25 if ticks else 0.0  # categorical x: lines side by side, not on top
    offsets = {line: (i - (len(lines) - 1) / 2) * width / max(1, len(lines)) for i, line in
               enumerate(lines)}  # fmt: skip
    n = len(outcomes)
    cols = min(3, n)
    rows = -(-n // cols)
    sns.set_theme(style="whitegrid", context="notebook")
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.6 * rows), squeeze=False)
    colors = sns.color_palette(n_colors=max(1, len(lines)))
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        part = table[table["outcome"] == outcome]
        for color, line in zip(colors, lines, strict=False):
            rows_ = part[part["_line"] == line].sort_values("_x")
            x = rows_["_x"] + offsets[line]
            ax.errorbar(
                x, rows_["mean"],
                yerr=[rows_["mean"] - rows_["ci_low"], rows_["ci_high"] - rows_["mean"]],
                marker="o", capsize=3, color=color, label=line,
                linestyle="-" if not ticks else "none",
            )  # fmt: skip
        label = style.METRIC_LABELS.get(outcome)
        ax.set_title(textwrap.fill(style.metric_title(outcome), 44), fontsize="medium")
        ax.set_ylabel(label.hint if label else "")
        ax.set_xlabel(x_name)
        if ticks:
            ax.set_xticks(range(len(ticks)), ticks)
        if label is not None:  # the outcome's whole range, so small differences look small
            low, high = ax.get_ylim()
            ax.set_ylim(min(low, label.lower), max(high, label.upper))
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if others:
        axes.flat[0].legend(fontsize="small")
    counts = data.groupby([x_name, "_line"]).size()
    note = f"mean and 95% interval over {counts.min()}–{counts.max()} replicates per job"
    if counts.min() == counts.max():
        note = f"mean and 95% interval over {counts.min()} replicates per job"
    fig.suptitle(f"{title}: {note}" if title else note)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
