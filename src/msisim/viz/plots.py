"""Figures from tidy tables of per-step metrics."""

from __future__ import annotations

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
