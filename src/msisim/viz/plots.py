"""Figures from tidy tables of per-step metrics."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

#: Axis labels of the metrics most figures show.
LABELS = {
    "rose": "Rose index (headcount)",
    "grassroots_share": "Grassroots share of members",
    "viewpoint_coverage": "Viewpoint coverage",
    "congruence_error": "Congruence error |policy - m|",
    "responsiveness": "Responsiveness",
    "lobby_bias": "Lobby bias",
    "captured_share": "Share of members strongly tied",
    "true_rose": "Rose index (true)",
    "voice_gini": "Voice Gini",
}


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
    for ax, metric in zip(axes.flat, metrics, strict=False):
        sns.lineplot(
            data=series, x="step", y=metric, hue=hue, errorbar=("ci", 95), ax=ax,
            estimator="mean", n_boot=200, seed=0, legend=ax is axes.flat[0],
        )  # fmt: skip
        ax.set_title(LABELS.get(metric, metric))
        ax.set_ylabel("")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_scorecards(cards: pd.DataFrame, path: str | Path, *, hue: str = "scenario") -> Path:
    """Heat maps of mean scorecard scores (arena x principle), one panel per ``hue`` value.

    Args:
        cards: Tidy scorecard rows with columns ``hue``, ``arena``, ``principle``, ``score``.
        path: PNG file to write.
        hue: Column whose values get a panel each.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = list(dict.fromkeys(cards[hue]))
    cols = min(2, len(labels))
    rows = -(-len(labels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.4 * cols, 3.2 * rows), squeeze=False)
    for ax, label in zip(axes.flat, labels, strict=False):
        table = cards[cards[hue] == label].pivot_table(
            index="arena", columns="principle", values="score", aggfunc="mean", sort=False
        )
        sns.heatmap(table, vmin=1, vmax=10, cmap="RdYlGn", annot=True, fmt=".1f", cbar=False, ax=ax)
        ax.set_title(str(label))
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=30)
    for ax in list(axes.flat)[len(labels) :]:
        ax.set_visible(False)
    fig.suptitle("Governance scorecard (1 = worst, 10 = best)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
