"""The files of a design search (``msisim design MAP``): pareto.csv, a figure, the report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from msisim.study.design_search import EPSILONS, OBJECTIVES, SearchResult, dominated
from msisim.study.store import atomic_write
from msisim.viz.report.common import _plt
from msisim.viz.report.html import write_html

__all__ = ["tradeoff_figure", "write_search"]


def tradeoff_figure(result: SearchResult, path: Path) -> Path:
    """Every evaluated design in grey, the designs no other beats in colour, two panels."""
    plt, _sns = _plt()
    (rose, _, _), (resp, _, _), (cap, _, _) = OBJECTIVES
    rose_label, resp_label, cap_label = "inclusiveness (Rose)", "responsiveness (slope)", "capture"
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    ev, front = result.evaluated, result.pareto
    for ax, y, y_label in ((axes[0], rose, rose_label), (axes[1], resp, resp_label)):
        ax.scatter(ev[cap], ev[y], s=14, color="0.75", label="evaluated designs")
        points = ax.scatter(
            front[cap], front[y], s=60, c=front[resp if y == rose else rose], cmap="viridis",
            edgecolor="black", linewidth=0.6, zorder=3, label="no other design beats these",
        )  # fmt: skip
        for i, row in front.iterrows():
            ax.annotate(
                f"P{i + 1}", (row[cap], row[y]), textcoords="offset points", xytext=(5, 4),
                fontsize=8,
            )  # fmt: skip
        ax.set_xlabel(f"{cap_label} (lower is better)")
        ax.set_ylabel(f"{y_label}, higher is better")
        colour = fig.colorbar(points, ax=ax, pad=0.01)
        colour.set_label(resp_label if y == rose else rose_label)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower right", fontsize=8)
    fig.suptitle("Design trade-offs (means over the sampled contexts)", fontsize=12)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: fig.savefig(p, dpi=120, format="png"))
    plt.close(fig)
    return path


def _pareto_table(result: SearchResult) -> pd.DataFrame:
    front = result.pareto.copy()
    front.insert(0, "rank", [f"P{i + 1}" for i in range(len(front))])
    cols = ["rank", "design", *(o for o, _, _ in OBJECTIVES), "worst_capture", "n_runs",
            "description", "params"]  # fmt: skip
    return front[cols]


def write_search(out: Path, result: SearchResult, setting: Mapping[str, str]) -> Path:
    """Write the search's files (``report.html`` too, figures embedded); return report.md."""
    out.mkdir(parents=True, exist_ok=True)
    table = _pareto_table(result)
    atomic_write(out / "pareto.csv", lambda p: table.to_csv(p, index=False))
    atomic_write(out / "evaluated.csv", lambda p: result.evaluated.to_csv(p, index=False))
    figure = tradeoff_figure(result, out / "figures" / "tradeoff.png")
    beaten = int(dominated(result.evaluated.drop_duplicates("design")).sum())
    n_designs = result.evaluated["design"].nunique()
    lines = [
        "# Design search: the designs no other design beats\n",
        "## Key findings\n",
        f"Of {n_designs} designs evaluated, {len(table)} are not beaten by any other on "
        "inclusiveness, responsiveness and capture at once (up to the search's tolerance: "
        + ", ".join(
            f"{label} {eps}" for (_, _, label), eps in zip(OBJECTIVES, EPSILONS, strict=True)
        )
        + f"); {beaten} evaluated designs are beaten on all three by another. Choosing among "
        "the designs below is a choice of trade-off, not of a better design:\n",
    ]
    for _, row in table.iterrows():
        lines.append(
            f"- **{row['rank']}** (`{row['design']}`): inclusiveness {row['rose']:.3f}, "
            f"responsiveness {row['responsiveness']:.3f}, capture {row['capture']:.3f} "
            f"(90th percentile over contexts {row['worst_capture']:.3f}). {row['description']}"
        )
    lines += [
        "",
        "*Built in:* transparency and recusal act by formula in this model (docs/ODD.md): "
        "transparency scales the lobby's pull on members and its capture of the selector by "
        "1 - transparency, and recusal takes the votes of strongly tied members. A design "
        "low in capture because of a high transparency is low by assumption, not a finding; "
        "how much a real lobby register achieves is for the analyst to judge.\n",
        "![Trade-offs](figures/tradeoff.png)\n",
        "## The search\n",
        *(f"- **{k}.** {v}" for k, v in setting.items()),
        "",
        "Objectives are means over the sampled contexts (each candidate meets the same "
        "contexts and seeds, common random numbers): inclusiveness is the Rose index of the "
        "members against the population, responsiveness the slope of policy change on "
        "public-ideal change over the run's shocks, capture how far the lobby moved the policy "
        "toward its ideal beyond a no-lobby twin (share of the public-to-lobby axis). The "
        "optimiser is Platypus's epsilon-NSGA-II, the one EMA Workbench wraps; its "
        "epsilon-box archive is the list above. A search with few evaluations (`--quick`) "
        "finds some good designs, not all of them: raise `--nfe` for a fuller front.\n",
        "Files: `pareto.csv` (these designs, their levers as JSON), `evaluated.csv` (every "
        "design evaluated), `figures/tradeoff.png`, and the runs of each generation in "
        "`generations/` (rerunning the same command resumes from them).\n",
    ]
    path = out / "report.md"
    text = "\n".join(lines) + "\n"
    atomic_write(path, lambda p: p.write_text(text))
    write_html(path)  # report.html beside it, figures embedded
    del figure
    return path
