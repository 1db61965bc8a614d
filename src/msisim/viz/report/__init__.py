"""Figures and ``report.md`` of a study, rebuilt from stored results only.

:func:`build_report` reads ``manifest.json``, ``runs.parquet`` (and ``series.parquet`` if
present) from an output folder, writes the common header of ``report.md`` and hands the
rest to the study's report builder: a module of this package named by the ``report:`` key of
the study's config (``bollow_comparison``, ``safeguards``, ...; ``generic`` for studies
without one). Shared pieces live in :mod:`.common` (context, registry, figure helpers) and
:mod:`.labels` (outcome names and directions).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from msisim.kinds import model_kind
from msisim.study import analysis
from msisim.study.spec import ExperimentSpec
from msisim.study.store import atomic_write, verify_results

# each study's module registers its builder on import
from msisim.viz.report import (  # noqa: F401
    accidental_politicians,
    bollow_comparison,
    compare,
    design_comparison,
    generic,
    internet_governance,
    participation_cost,
    provincial_workshop,
    safeguards,
    sdg_partnership,
    selection_capture,
    sensitivity,
    shock_responsiveness,
)
from msisim.viz.report.common import KEY_FINDINGS, REPORTS, Context, get_report, pooling_problems
from msisim.viz.report.findings import (
    FINDINGS,
    Finding,
    assumption_sets,
    assumption_words,
    check_across,
    glossary,
    readme_pointer,
    render,
    restrict,
)
from msisim.viz.report.html import write_html
from msisim.viz.report.labels import label, lower_is_better
from msisim.viz.report.robustness import across_assumptions

logger = logging.getLogger(__name__)

__all__ = ["REPORTS", "Context", "build_report", "label", "lower_is_better", "write_html"]


def report_name(spec: ExperimentSpec) -> str:
    """The report builder of a study: its ``report:`` key.

    Results stored before studies named their report have none; those fall back to the
    study's name when a builder of that name exists, else to the generic report.
    """
    if spec.report:
        return spec.report
    return spec.name if spec.name in REPORTS else "generic"


def _no_findings(ok: bool) -> str:
    if not ok:
        return "No run finished, so nothing was found.\n"
    return (
        "This study's report does not check its hypothesis claim by claim; the sections below "
        "give the outcomes with their 95% intervals.\n"
    )


def _cells_words(spec: ExperimentSpec) -> str:
    """``4 design(s) x 6 sample point(s)``, or the count of cells where factors are restricted."""
    designs, points = max(1, len(spec.designs)), len(spec.samples())
    cells = len(spec._cells())
    if cells == designs * points:
        return f"{designs} design(s) x {points} sample point(s)"
    return (
        f"{cells} combinations of {designs} designs and their sample points (some factors "
        "apply to some designs only)"
    )


def claims_map_section(folder: Path, spec: ExperimentSpec, fingerprint: Any) -> list[str]:
    """The study's claims map, quoted claim by claim, when ``folder/claims_map`` holds one.

    Written by ``msisim robustness NAME --study FOLDER``. A map of another configuration (its
    ``map.json`` fingerprint differs from the study's) is named and not quoted.
    """
    from msisim.study.robustness import MAP_FOLDER, read_map_record

    found = read_map_record(folder / MAP_FOLDER)
    if found is None:
        return []
    record, claims = found
    head = "## Claims map: do the findings survive the model's assumptions?\n"
    if record.get("fingerprint") != fingerprint:
        logger.warning(
            "report of %s: %s/%s is of another configuration; not quoted",
            spec.name, folder, MAP_FOLDER,
        )  # fmt: skip
        return [
            head,
            f"`{MAP_FOLDER}/` holds a claims map of another configuration (fingerprint "
            f"`{record.get('fingerprint')}`, this study's is `{fingerprint}`): not quoted. "
            f"Re-run `msisim robustness {spec.name} --study {folder}`.\n",
        ]
    link = (
        f" The map's own report, with its Sobol indices: [{MAP_FOLDER}/report.md]"
        f"({MAP_FOLDER}/report.md)."
        if (folder / MAP_FOLDER / "report.md").is_file()
        else ""
    )
    lines = [
        head,
        f"Each claim was re-evaluated at {record.get('points', '?')} points of the structural "
        f"assumptions ({', '.join(record.get('assumptions', []))}; "
        f"{record.get('setting', '?')} setting, {record.get('runs', '?')} runs, "
        f"{record.get('failed', '?')} failed). A claim is **supported** only where it "
        "holds over the whole map, **conditional** where it fails somewhere (the PRIM box says "
        f"where), and **fails** where it holds nowhere.{link}\n",
        "| claim | share holding [95% CI] | verdict | fails where (PRIM box) |",
        "|---|---|---|---|",
    ]
    for _, row in claims.iterrows():
        where = row.get("fails_where", "")
        where = "" if not isinstance(where, str) else where
        lines.append(
            f"| {row['text']} | {float(row['share']):.2f} [{float(row['ci_low']):.2f}, "
            f"{float(row['ci_high']):.2f}] of {int(row['points'])} | {row['verdict']} "
            f"| {where or '—'} |"
        )
    return [*lines, ""]


def build_report(folder: str | Path) -> Path:
    """(Re)build figures, ``report.md`` and ``report.html`` of the study stored in ``folder``.

    ``report.html`` is the same report as one self-contained page (figures embedded; see
    :func:`msisim.viz.report.html.write_html`). Returns the path of ``report.md``.

    Raises:
        FileNotFoundError: When the folder holds no finished study.
    """
    folder = Path(folder)
    verify_results(folder)  # refuses a folder whose runs.parquet and manifest disagree
    manifest_path, runs_path = folder / "manifest.json", folder / "runs.parquet"
    if not manifest_path.exists() or not runs_path.exists():
        raise FileNotFoundError(f"{folder} holds no study results (manifest.json and runs.parquet)")
    manifest = json.loads(manifest_path.read_text())
    spec = ExperimentSpec.from_dict(manifest["spec"], bounded=False)
    builder = get_report(report_name(spec))
    runs = pd.read_parquet(runs_path)
    series_path = folder / "series.parquet"
    series = pd.read_parquet(series_path) if series_path.exists() else None
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    for stale in figures.glob("*.png"):  # a figure the stored results no longer support goes
        stale.unlink()
    ctx = Context(spec, runs, series, folder, figures)
    n_failed = int((runs["status"] != "ok").sum())
    ok = bool((runs["status"] == "ok").any())
    findings: list[Finding] = []
    if ok and report_name(spec) in FINDINGS:
        findings = check_across(ctx, FINDINGS[report_name(spec)])
    sets = assumption_sets(ctx)
    # figures and tables show the default assumptions; a section compares the others
    shown_ctx = restrict(ctx, sets[0]) if sets else ctx
    averaging = model_kind(spec.model).averaging  # how a run's outcomes were aggregated
    if findings:
        key = render(ctx, findings)
    elif ok and report_name(spec) in KEY_FINDINGS:  # a report that says its own findings
        key = ["## Key findings\n", *KEY_FINDINGS[report_name(spec)](shown_ctx)]
    else:
        key = ["## Key findings\n", _no_findings(ok)]
    header = [
        f"# {spec.title or spec.name}\n",
        *key,
        "## The study\n",
        f"**Question.** {spec.question}\n" if spec.question else "",
        f"**Hypothesis.** {spec.hypothesis}\n" if spec.hypothesis else "",
        f"**Runs.** {len(runs)} runs ({_cells_words(spec)} x {spec.replicates} replicate(s)), "
        f"{n_failed} failed; {spec.steps} steps each. {averaging} Unless a section "
        f"says otherwise, figures show bootstrap 95% confidence "
        f"bands of the mean over replicates and tables Student-t 95% intervals (clipped to "
        f"the outcome's range where it is bounded, e.g. [0, 1] for shares). Differences "
        f"between levels or designs on common random numbers (and contrasts of them, such as a "
        f"difference of two rises) are paired: matched runs on one seed, a t-interval over "
        f"the seeds; otherwise Welch's. Config "
        f"fingerprint `{manifest.get('fingerprint')}`, "
        f"msisim {manifest.get('versions', {}).get('msisim', '?')}, git "
        f"`{manifest.get('git_revision', '?')}`, {manifest.get('backend', '?')} backend.\n",
        f"Rebuild this report from the stored results with `msisim report {folder}`; "
        "`report.html` beside it is the same report as one self-contained page (figures "
        "embedded) to share or print.\n",
        readme_pointer(ctx),
    ]
    if n_failed:
        errors = runs.loc[runs["status"] != "ok", "error"].value_counts().head(5)
        header.append(
            "**Failed runs** (most common errors):\n\n"
            + "\n".join(f"- {count} x `{err}`" for err, count in errors.items())
            + "\n"
        )
    with analysis.record_pooling() as calls:  # which parameters each table averaged over
        body = builder(shown_ctx) if ok else ["No run finished.\n"]
        if ok and sets:
            body = [
                f"*Figures and tables below show the runs with {assumption_words(sets[0])} (the "
                "defaults); the last section compares the study's other assumptions.*\n",
                *body,
                *across_assumptions(ctx, sets),
            ]
    for problem in pooling_problems(calls):
        logger.warning("report of %s: %s", spec.name, problem)
    body = [*body, *claims_map_section(folder, spec, manifest.get("fingerprint"))]
    shown = [*ctx.outcomes(), *(o for f in findings for o in f.outcomes), *ctx.shown,
             *shown_ctx.shown]  # fmt: skip
    tail = ["", *glossary(ctx, shown)]
    text = "\n".join(part for part in header + body + tail if part is not None) + "\n"
    path = folder / "report.md"
    atomic_write(path, lambda p: p.write_text(text))
    write_html(path)
    return path
