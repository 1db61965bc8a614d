"""The claims map's report: each claim's share of the assumption space, and the Sobol bars.

Written by ``msisim robustness STUDY`` into its output folder (``report.md``, the same as one
self-contained page ``report.html``, and ``figures/claims.png``, ``figures/sobol.png``) from
the tables of
:mod:`msisim.study.robustness`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from msisim.study.store import atomic_write
from msisim.viz.report.common import _plt
from msisim.viz.report.html import write_html


def claims_figure(claims: pd.DataFrame, path: Path) -> Path:
    """Each claim's share of the map where it holds, with its Wilson 95% interval."""
    plt, _ = _plt()
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(claims) + 1.2))
    y = list(range(len(claims)))[::-1]
    share = claims["share"].to_numpy(dtype=float)
    low = share - claims["ci_low"].to_numpy(dtype=float)
    high = claims["ci_high"].to_numpy(dtype=float) - share
    colours = ["tab:green" if v == "supported" else "tab:orange" for v in claims["verdict"]]
    ax.barh(y, share, color=colours, alpha=0.7)
    ax.errorbar(share, y, xerr=[low, high], fmt="none", ecolor="black", capsize=3)
    ax.set_yticks(y, claims["claim"])
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("share of the assumption space where the claim holds (95% Wilson interval)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def sobol_figure(sobol: pd.DataFrame, path: Path) -> Path:
    """Total (and first-order) Sobol indices of each claim's contrast, one panel per claim."""
    plt, _ = _plt()
    data = sobol[sobol["target"].str.startswith("claim.")]
    targets = list(dict.fromkeys(data["target"]))
    cols = min(3, max(1, len(targets)))
    rows = -(-len(targets) // cols) if targets else 1
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, target in zip(axes.flat, targets, strict=False):
        part = data[data["target"] == target]
        x = range(len(part))
        ax.bar(x, part["ST"], yerr=part["ST_conf"], color="tab:blue", alpha=0.6, label="ST")
        ax.bar(x, part["S1"], color="tab:blue", alpha=0.9, width=0.4, label="S1")
        ax.set_xticks(list(x), part["assumption"], rotation=75, fontsize=7)
        ax.set_title(target.removeprefix("claim."), fontsize=8)
        ax.set_ylim(-0.1, 1.1)
    for ax in list(axes.flat)[len(targets) :]:
        ax.set_visible(False)
    if targets:
        axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def write_report(
    folder: Path,
    *,
    study: str,
    setting: dict[str, Any],
    assumptions: list[dict[str, str]],
    dropped: dict[str, str],
    claims: pd.DataFrame,
    sobol: pd.DataFrame,
) -> Path:
    """Write ``report.md``, ``report.html`` and the figures into ``folder``; report.md's path."""
    figures = folder / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    claims_figure(claims, figures / "claims.png")
    if not sobol.empty:
        sobol_figure(sobol, figures / "sobol.png")
    lines = [
        f"# Claims map: {study}\n",
        "Each claim of the study is re-evaluated at every point of the assumption space (a "
        "Saltelli sample: one set of runs serves the map and the Sobol indices), on one seed "
        "per point for all the runs it compares (common random numbers), one replicate each. "
        "A claim is **supported** only where it holds over the whole map; it is "
        "**conditional** where it fails somewhere, and the PRIM box says where it fails; it "
        "**fails** where it holds nowhere. Points of one Saltelli block share their seed, so "
        "the Wilson intervals (which treat points as independent) are somewhat too narrow.\n",
        "## Setting\n",
        *[f"- {k}: {v}" for k, v in setting.items()],
        "",
        "## Assumptions drawn\n",
        "| assumption | range | why |",
        "|---|---|---|",
        *[f"| {a['name']} | {a['range']} | {a['why']} |" for a in assumptions],
        "",
    ]
    if dropped:
        lines += ["Left out: " + "; ".join(f"{k} ({v})" for k, v in dropped.items()) + ".\n"]
    lines += [
        "## Claims\n",
        "![claims](figures/claims.png)\n",
        "| claim | contrast | share holding [95% CI] | verdict | fails where (PRIM box) |",
        "|---|---|---|---|---|",
    ]
    for _, row in claims.iterrows():
        built = " (built in: follows from the model's formulas)" if row["built_in"] else ""
        share = f"{row['share']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
        lines.append(
            f"| {row['text']}{built} | `{row['contrast']}` | {share} (n={row['points']}) | "
            f"**{row['verdict']}** | {row['fails_where'] or '-'} |"
        )
    lines.append("")
    if not sobol.empty:
        claim_rows = sobol[sobol["target"].str.startswith("claim.")]
        flagged = claim_rows[~claim_rows["interpretable"].astype(bool)]
        vague = claim_rows[~claim_rows["precise"].astype(bool)]
        lines += [
            "## What moves each claim: Sobol indices\n",
            "![sobol](figures/sobol.png)\n",
            "Total (ST, bars with their 95% bootstrap interval) and first-order (S1, narrow bars) "
            "indices of each claim's contrast over the assumptions; `sobol.csv` also has every "
            "cell's outcomes. "
            + (
                f"**{len(flagged)} of {len(claim_rows)} claim indices leave [0, 1] (or have S1 > "
                "ST) beyond their confidence: the sample is too small to read them as shares of "
                "variance** (column `interpretable`). "
                if len(flagged)
                else "Every claim index lies in [0, 1] up to its confidence. "
            )
            + f"{len(vague)} of {len(claim_rows)} have a total-index half-width above 0.1 "
            "(column `precise`).\n",
        ]
        top = (
            claim_rows.sort_values("ST", ascending=False)
            .groupby("target", sort=False)
            .head(3)
            .sort_values(["target", "ST"], ascending=[True, False])
        )
        lines += ["| claim | assumption | S1 | ST |", "|---|---|---|---|"]
        for _, r in top.iterrows():
            lines.append(
                f"| {r['target'].removeprefix('claim.')} | {r['assumption']} | "
                f"{r['S1']:.2f} ± {r['S1_conf']:.2f} | {r['ST']:.2f} ± {r['ST_conf']:.2f} |"
            )
        lines.append("")
    path = folder / "report.md"
    text = "\n".join(lines)
    atomic_write(path, lambda p: p.write_text(text))
    write_html(path)
    return path
