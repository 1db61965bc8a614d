"""Reports of any study, a user's own included: per-level tables, paired differences, links
that resolve and a self-contained ``report.html``.

:func:`check_files` is also applied to every shipped study's quick report by
``tests/test_studies.py``.
"""

from __future__ import annotations

import base64
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msisim.study import analysis
from msisim.study.runner import run_experiment
from msisim.study.spec import ExperimentSpec
from msisim.viz.report import build_report
from msisim.viz.report.claims_map import write_report
from msisim.viz.report.common import Context, levels_table, pooling_problems
from msisim.viz.report.html import missing_links, relative_links, write_html

USER_STUDY = {
    "name": "my_forum",
    "title": "My forum",
    "base": {"n_stakeholders": 100},
    "designs": {"representative": {"membership": "representative"}, "open": {"membership": "open"}},
    "factors": {"lobby_budget": [0.0, 2.0]},
    "replicates": 3,
    "steps": 30,
    "outcomes": ["capture", "rose", "policy_congruence"],
}


class _Page(HTMLParser):
    """The assets and links of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.assets: list[str] = []  # every src, and href of <link>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if "src" in values:
            self.assets.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.assets.append(values["href"] or "")


def check_files(name: str, folder: Path) -> None:
    """report.md links only to files beside it; report.html is self-contained."""
    md = folder / "report.md"
    missing = missing_links(md)
    assert not missing, f"{name}: report.md links to files that do not exist: {missing}"
    html = folder / "report.html"
    assert html.is_file(), f"{name}: report.html must be written beside report.md"
    page = _Page()
    page.feed(html.read_text())
    page.close()
    figures = [t for t in relative_links(md.read_text()) if t.endswith(".png")]
    assert len(page.images) == len(figures), (
        f"{name}: report.html must show each of report.md's {len(figures)} figures, got "
        f"{len(page.images)} images"
    )
    for src in page.images:
        assert src.startswith("data:image/png;base64,"), f"{name}: an image is not embedded"
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n", (
            f"{name}: an embedded figure is not a PNG"
        )
    external = [a for a in page.assets if not a.startswith("data:")]
    assert not external, f"{name}: report.html loads assets from outside the file: {external}"
    assert "@media print" in html.read_text(), f"{name}: report.html needs a print stylesheet"
    for href in page.links:
        if not re.match(r"^(https?:|mailto:|#)", href):
            assert (folder / href).exists(), f"{name}: report.html links to missing {href}"


@pytest.fixture(scope="module")
def user_study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A user's study (not shipped) varying the lobby budget over 0 and 2; its report's
    warnings about tables that average over a factor's levels."""
    folder = tmp_path_factory.mktemp("my_forum")
    run_experiment(ExperimentSpec.from_dict(dict(USER_STUDY)), folder, workers=1)
    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("msisim.viz.report")
    logger.addHandler(handler)
    try:
        build_report(folder)
    finally:
        logger.removeHandler(handler)
    return folder, warnings


def _rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading``."""
    part = text.split(heading, 1)[1]
    lines = [line for line in part.split("\n## ", 1)[0].splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]


@pytest.mark.slow  # runs and reports a small study (about 10 s)
def test_a_user_study_has_a_table_per_budget(user_study: tuple[Path, list[str]]) -> None:
    folder, warnings = user_study
    assert not [w for w in warnings if "averages over levels" in w], (
        f"no table of a user's study may average over the budget it varied: {warnings}"
    )
    runs = pd.read_parquet(folder / "runs.parquet")
    text = (folder / "report.md").read_text()
    rows = _rows(text, "### Table: outcomes per design and factor level")
    capture = [r for r in rows if r[0] == "representative" and r[2].startswith("capture")]
    assert [float(r[1]) for r in capture] == [0.0, 2.0], (
        f"representative's capture needs one row per budget (0 and 2), got {capture}"
    )
    for row in capture:
        at = runs[
            (runs["design"] == "representative") & (runs["param.lobby_budget"] == float(row[1]))
        ]
        assert int(row[-1]) == 3 and float(row[3]) == pytest.approx(
            at["capture"].mean(), abs=6e-4
        ), (
            f"the row at budget {row[1]} is the mean of its 3 runs only "
            f"({at['capture'].mean():.3f}), not of all 6: {row}"
        )
    assert float(capture[0][3]) == 0.0 < float(capture[1][3]), (
        "no lobby at budget 0 (capture exactly 0), some at budget 2: pooling would hide it"
    )


@pytest.mark.slow  # runs and reports a small study (about 10 s)
def test_a_user_study_has_paired_differences(user_study: tuple[Path, list[str]]) -> None:
    folder, _ = user_study
    runs = pd.read_parquet(folder / "runs.parquet")
    text = (folder / "report.md").read_text()
    assert "## Paired differences from representative" in text, "the generic report pairs designs"
    rows = _rows(text, "## Paired differences from representative")
    congruence = [r for r in rows if r[2].startswith("policy congruence")]
    assert len(congruence) == 2, f"one paired difference per budget level: {congruence}"
    keys = ["seed", "param.lobby_budget"]
    for row in congruence:
        budget = float(row[1])
        at = runs[runs["param.lobby_budget"] == budget].set_index(keys)
        diff = (
            at.loc[at["design"] == "open", "policy_congruence"]
            - at.loc[at["design"] == "representative", "policy_congruence"]
        ).dropna()
        assert len(diff) == 3 and int(row[-1]) == 3, f"3 pairs matched on seed: {row}"
        mean, low, high = analysis.t_interval(diff.to_numpy())
        assert [float(row[3]), float(row[4]), float(row[5])] == pytest.approx(
            [mean, low, high], abs=6e-4
        ), (
            f"open minus representative at budget {budget}, paired on seeds: "
            f"{mean:.3f} [{low:.3f}, {high:.3f}]"
        )


@pytest.mark.slow  # runs and reports a small study (about 10 s)
def test_a_user_study_links_only_to_files_it_has(user_study: tuple[Path, list[str]]) -> None:
    folder, _ = user_study
    text = (folder / "report.md").read_text()
    assert "experiments/my_forum/README.md" not in text, (
        "a user's study has no README in the repository; the report must not name one"
    )
    assert "manifest.json" in relative_links(text), "it points to its settings instead"
    check_files("my_forum", folder)


def test_the_check_finds_a_table_that_pools_levels(tmp_path: Path) -> None:
    spec = ExperimentSpec.from_dict(dict(USER_STUDY))
    rng = np.random.default_rng(1)
    runs = pd.DataFrame(
        [{"run_id": f"{d}{b}{r}", "design": d, "sample": int(b), "replicate": r, "seed": r,
          "status": "ok", "param.lobby_budget": b, "param.membership": d,
          "capture": b * 0.1 + rng.normal(0, 0.01)}
         for d in ("representative", "open") for b in (0.0, 2.0) for r in range(3)]
    )  # fmt: skip
    ctx = Context(spec, runs, None, tmp_path, tmp_path)
    with analysis.record_pooling() as calls:
        analysis.ci_table(runs, ["design"], ["capture"])
    problems = pooling_problems(calls)
    assert problems and "lobby_budget" in problems[0], (
        f"a table by design only averages budgets 0 and 2: the check must say so ({problems})"
    )
    with analysis.record_pooling() as calls:
        table = levels_table(ctx, ["capture"])
    assert not pooling_problems(calls) and len(table) == 4, (
        f"levels_table splits by budget: 2 designs x 2 budgets, nothing pooled ({table})"
    )


def test_relative_links_and_html_of_a_hand_made_report(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (tmp_path / "figures" / "a.png").write_bytes(png)
    (tmp_path / "runs.csv").write_text("x\n")
    md = tmp_path / "report.md"
    md.write_text(
        "# T\n\n![a](figures/a.png)\n\nSee [runs](runs.csv), [gone](gone.csv), "
        "[web](https://example.org), [here](#t) and `[code](not/a/link.md)`.\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert relative_links(md.read_text()) == ["figures/a.png", "runs.csv", "gone.csv"], (
        "relative links only: no URL, no anchor, nothing in code"
    )
    assert missing_links(md) == ["gone.csv"], "the link to a file that is not there is found"
    page_path = write_html(md)
    text = page_path.read_text()
    page = _Page()
    page.feed(text)
    assert page.images == ["data:image/png;base64," + base64.b64encode(png).decode()], (
        "the figure is embedded as a data URI"
    )
    assert "runs.csv" in page.links and "gone.csv" not in page.links, (
        f"a link to a missing file keeps its text but loses its target: {page.links}"
    )
    assert "<table>" in text and "<td>2</td>" in text, "markdown tables become HTML tables"


def test_the_claims_map_report_links_and_html(tmp_path: Path) -> None:
    claims = pd.DataFrame(
        [{"claim": "c1", "text": "capture rises", "contrast": "a - b", "share": 0.8,
          "ci_low": 0.6, "ci_high": 0.9, "points": 20, "verdict": "conditional",
          "built_in": False, "fails_where": "budget < 0.5"}]
    )  # fmt: skip
    sobol = pd.DataFrame(
        [{"target": "claim.c1", "assumption": a, "S1": 0.3, "S1_conf": 0.1, "ST": 0.5,
          "ST_conf": 0.1, "interpretable": True, "precise": True} for a in ("x", "y")]
    )  # fmt: skip
    path = write_report(tmp_path, study="demo", setting={"base": 4}, assumptions=[],
                        dropped={}, claims=claims, sobol=sobol)  # fmt: skip
    check_files("claims map", path.parent)
    path = write_report(tmp_path / "no_sobol", study="demo", setting={}, assumptions=[],
                        dropped={}, claims=claims, sobol=sobol.iloc[:0])  # fmt: skip
    assert "figures/sobol.png" not in path.read_text(), "no Sobol figure, no link to one"
    check_files("claims map without Sobol indices", path.parent)
