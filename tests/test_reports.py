"""Reports that say what they found: key findings first, labels in words, a glossary.

:func:`check_report` is also applied to every shipped study's quick report by
``tests/test_studies.py``; the tests here check the findings' numbers against a run table
built by hand, and the wording helpers, without running the model.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from msisim.cli import load_experiment
from msisim.outcomes import OUTCOMES
from msisim.viz.report import findings as fx
from msisim.viz.report.common import Context, table

#: Code names that must not appear in the findings text: outcome names with an underscore,
#: the lower-case ``rose`` (its label is "Rose index") and ``param.`` columns.
RAW_NAMES = re.compile(
    r"param\.|\brose\b|" + "|".join(rf"\b{re.escape(name)}\b" for name in OUTCOMES if "_" in name)
)


def key_findings(text: str) -> str:
    """The text of the "Key findings" section of a report."""
    return text.split("## Key findings", 1)[1].split("\n## ", 1)[0]


def check_report(name: str, text: str) -> None:
    """What every study's report must do for a policy analyst."""
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings and headings[0] == "## Key findings", (
        f"{name}: report.md must open (after its title) with 'Key findings', got {headings[:2]}"
    )
    findings = key_findings(text)
    # "Supported." or, for a claim that follows from a formula, "Built in (supported)."
    verdicts = re.findall(
        r"^\d+\. \*\*(?:Built in \()?([A-Za-z ]+?)\)?\.\*\*", findings, flags=re.M
    )
    assert verdicts, f"{name}: key findings must state a verdict per claim:\n{findings}"
    valid = {fx.SUPPORTED, fx.NOT_SUPPORTED, fx.REVERSED, fx.PARTLY, fx.UNCHECKED}
    assert {v.lower() for v in verdicts} <= valid, f"{name}: verdicts {verdicts} not in {valid}"
    assert fx.UNCHECKED not in {v.lower() for v in verdicts}, (
        f"{name}: the quick runs must let every claim be checked:\n{findings}"
    )
    raw = sorted(set(RAW_NAMES.findall(findings)))
    assert not raw, f"{name}: code names {raw} in the key findings; use the declared labels"
    assert "## Glossary" in text, f"{name}: report.md needs a glossary"
    assert "lower is better" in text or "higher is better" in text, (
        f"{name}: the report must say which direction of its outcomes is better"
    )
    assert f"experiments/{name}/README.md" in text, f"{name}: report must point to its README"
    assert "param." not in text, f"{name}: factor columns must be named in words"


# --------------------------------------------------------------------------- numbers


def _bollow_runs(spec: object) -> pd.DataFrame:
    """A hand-made run table of the Bollow study: known means per design and budget."""
    rng = np.random.default_rng(3)
    rows = []
    levels = [0.0, 0.5, 1.0, 2.0]
    for sample, budget in enumerate(levels):
        for replicate in range(4):
            for design, slope in (("representative", 0.1), ("open", 0.2)):
                capture = 0.0 if budget == 0 else slope * budget + rng.normal(0, 0.01)
                rows.append({
                    "run_id": f"{design}-{sample}-{replicate}", "design": design,
                    "sample": sample, "replicate": replicate, "status": "ok", "error": None,
                    "param.lobby_budget": budget, "capture": capture,
                    "structural_tilt": (0.35 if design == "representative" else 0.55)
                    + rng.normal(0, 0.01),
                    "policy_congruence": (0.8 if design == "representative" else 0.65)
                    + rng.normal(0, 0.01),
                    "rose": 0.7 - (0.1 * budget if design == "open" else 0) + rng.normal(0, 0.01),
                    "viewpoint_coverage": 0.4 - (0.05 * budget if design == "open" else 0)
                    + rng.normal(0, 0.01),
                })  # fmt: skip
    return pd.DataFrame(rows)


def test_bollow_findings_numbers_match_the_runs(tmp_path: Path) -> None:
    spec = load_experiment("bollow_comparison", [], quick=True)
    runs = _bollow_runs(spec)
    ctx = Context(spec, runs, None, tmp_path, tmp_path)
    found = fx.FINDINGS["bollow_comparison"](ctx)
    first = found[0]
    assert "capture" in first.claim.lower() and first.verdict == fx.SUPPORTED, (
        f"capture rises in both templates in the hand-made runs: {first}"
    )
    means = runs.groupby(["design", "param.lobby_budget"])["capture"].mean()
    for design in ("representative", "open"):
        rise = means[(design, 2.0)] - means[(design, 0.0)]
        assert f"{rise:.3f}" in first.evidence, (
            f"the finding must quote {design}'s rise {rise:.3f} from the runs: {first.evidence}"
        )
    tilt = next(f for f in found if f.verdict == fx.MEASURED)
    for design in ("representative", "open"):
        mean = runs.loc[runs["design"] == design, "structural_tilt"].mean()
        assert f"{mean:.3f}" in tilt.evidence, f"tilt of {design} {mean:.3f}: {tilt.evidence}"
    congruence = found[1]
    base = runs[runs["param.lobby_budget"] == 0.0].set_index(["design", "sample", "replicate"])
    base = base.sort_index()
    diff = (
        base.loc["representative", "policy_congruence"] - base.loc["open", "policy_congruence"]
    ).mean()
    assert f"{diff:.3f}" in congruence.evidence and congruence.verdict == fx.SUPPORTED, (
        f"representative minus open policy congruence {diff:.3f}: {congruence}"
    )
    inclusiveness = found[4]
    assert inclusiveness.verdict == fx.SUPPORTED, f"open loses Rose and coverage: {inclusiveness}"


def test_a_reversed_claim_is_called_reversed(tmp_path: Path) -> None:
    spec = load_experiment("bollow_comparison", [], quick=True)
    runs = _bollow_runs(spec)
    runs["capture"] = -runs["capture"]  # the lobby now pushes the policy away
    ctx = Context(spec, runs, None, tmp_path, tmp_path)
    first = fx.FINDINGS["bollow_comparison"](ctx)[0]
    assert first.verdict == fx.REVERSED, f"capture falls with the budget: {first}"


def test_every_shipped_report_has_findings() -> None:
    from msisim.viz.report import REPORTS
    from msisim.viz.report.common import KEY_FINDINGS

    # checked findings (FINDINGS), or a report that states its own (compare's robust design)
    missing = sorted(set(REPORTS) - set(fx.FINDINGS) - set(KEY_FINDINGS) - {"generic"})
    assert not missing, f"report modules without key findings: {missing}"


def test_estimates_and_verdicts() -> None:
    e = fx.contrast([(1.0, np.array([1.0, 1.1, 0.9])), (-1.0, np.array([0.0, 0.1, -0.1]))])
    assert e.mean == pytest.approx(1.0) and e.sign() == 1, f"a clear rise: {e}"
    assert fx.verdict(e, +1) == fx.SUPPORTED and fx.verdict(e, -1) == fx.REVERSED
    flat = fx.contrast([(1.0, np.array([1.0, 2.0])), (-1.0, np.array([1.5, 1.4]))])
    assert fx.verdict(flat, +1) == fx.NOT_SUPPORTED, f"an interval over 0: {flat}"
    assert fx.combine([fx.SUPPORTED, fx.NOT_SUPPORTED]) == fx.PARTLY


def test_tables_speak_words() -> None:
    frame = pd.DataFrame(
        {"param.lobby_budget": [0.0], "outcome": ["governance_index"], "mean": [5.0],
         "ci_low": [4.0], "ci_high": [6.0]}
    )  # fmt: skip
    text = table(frame)
    assert "param." not in text and "lobby budget" in text, text
    assert "governance_index" not in text and "higher is better" in text, text
    assert "95% CI low" in text, text


def test_version_does_not_import_mesa() -> None:
    code = (
        "import sys; from msisim.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print('mesa' in sys.modules, 'msisim.model' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    assert out.strip().endswith("False False"), f"--version must not load Mesa: {out!r}"
    from msisim import GovernanceModel

    assert GovernanceModel.__name__ == "GovernanceModel", "the lazy import still works"


def _under_assumptions(runs: pd.DataFrame, flip: str) -> pd.DataFrame:
    """The hand-made runs under each lobby strategy and selector information; the lobby
    strategy ``flip`` pushes the policy away from its ideal (capture reversed)."""
    parts = []
    for strategy in ("adaptive", "allies"):
        for info in ("advocated", "true"):
            part = runs.assign(**{"param.lobby_strategy": strategy,
                                  "param.selector_information": info})  # fmt: skip
            part["run_id"] = part["run_id"] + f"-{strategy}-{info}"
            if strategy == flip:
                part["capture"] = -part["capture"]
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_a_claim_must_hold_under_every_assumption(tmp_path: Path) -> None:
    spec = load_experiment("bollow_comparison", [], quick=True)
    ctx = Context(spec, _under_assumptions(_bollow_runs(spec), flip="allies"), None, tmp_path,
                  tmp_path)  # fmt: skip
    sets = fx.assumption_sets(ctx)
    assert sets[0] == {"lobby_strategy": "adaptive", "selector_information": "advocated"}, (
        f"the defaults (adaptive lobby, advocated positions) come first: {sets}"
    )
    first = fx.check_across(ctx, fx.FINDINGS["bollow_comparison"])[0]
    verdicts = [verdict for _, verdict, _ in first.checks]
    assert verdicts == [fx.SUPPORTED, fx.SUPPORTED, fx.REVERSED, fx.REVERSED], (
        f"capture rises with the adaptive lobby and falls with the allies one: {first.checks}"
    )
    assert first.verdict == fx.PARTLY, (
        f"a claim that holds under some assumptions only is partly supported: {first.verdict}"
    )
    text = "\n".join(fx.render(ctx, [first]))
    assert "a fixed lobby that courts its allies" in text and "*reversed*" in text, (
        f"the findings must say under which assumptions the claim fails:\n{text}"
    )
    same = fx.check_across(
        Context(spec, _under_assumptions(_bollow_runs(spec), flip="none"), None, tmp_path,
                tmp_path), fx.FINDINGS["bollow_comparison"]
    )[0]  # fmt: skip
    assert same.verdict == fx.SUPPORTED, f"holding under every assumption: supported ({same})"


def _crn_runs(paired: bool) -> pd.DataFrame:
    """Runs at two budgets whose seeds carry a big shared effect (common random numbers)."""
    rng = np.random.default_rng(5)
    context = rng.normal(0, 0.5, 6)  # each seed's own level, shared by its runs
    rows = []
    for budget, effect in ((0.0, 0.0), (1.0, 0.1)):
        for replicate in range(6):
            seed = replicate if paired else 100 * int(budget) + replicate
            for strategy in ("adaptive", "allies"):
                value = context[replicate] + effect + rng.normal(0, 0.01)
                rows.append({
                    "run_id": f"{budget}-{replicate}-{strategy}", "design": "open",
                    "seed": seed, "replicate": replicate, "status": "ok",
                    "param.lobby_budget": budget, "param.lobby_strategy": strategy,
                    "capture": value,
                })  # fmt: skip
    return pd.DataFrame(rows)


def test_a_change_on_common_random_numbers_is_paired_over_seeds(tmp_path: Path) -> None:
    spec = load_experiment("bollow_comparison", [], quick=True)
    runs = _crn_runs(paired=True)
    ctx = Context(spec, runs, None, tmp_path, tmp_path)
    e = fx.change(ctx, "capture", "lobby_budget", "open", 0.0, 1.0)
    at = {b: fx.values(ctx, "capture", design="open", lobby_budget=b) for b in (0.0, 1.0)}
    wide = fx.contrast([(1.0, at[1.0]), (-1.0, at[0.0])])
    assert e.mean == pytest.approx(wide.mean), "pairing changes the interval, not the mean"
    assert e.n == 6, f"the 6 seeds are the independent units (2 strategies each): n = {e.n}"
    assert e.sign() == 1 and wide.sign() == 0, (
        f"runs on the same seeds share their context: paired {e} finds the rise of 0.1 that "
        f"the unpaired contrast {wide} hides in the seeds' spread"
    )
    ctx = Context(spec, _crn_runs(paired=False), None, tmp_path, tmp_path)
    alone = fx.change(ctx, "capture", "lobby_budget", "open", 0.0, 1.0)
    assert alone.n == 12, (
        f"budgets on their own seeds are compared as independent samples of seeds (6 + 6; the "
        f"2 strategies of a seed are one unit): {alone}"
    )


@pytest.mark.parametrize("levels_share_seeds", [True, False])
def test_an_interaction_on_common_random_numbers_is_paired(
    tmp_path: Path, levels_share_seeds: bool
) -> None:
    spec = load_experiment("bollow_comparison", [], quick=True)
    crn = _crn_runs(paired=levels_share_seeds)  # designs share seeds within a budget always
    other = crn.assign(design="representative", run_id=crn["run_id"] + "-r")
    noise = np.random.default_rng(8).normal(0, 0.01, len(other))
    other["capture"] += noise - np.where(other["param.lobby_budget"] == 1.0, 0.05, 0.0)
    ctx = Context(spec, pd.concat([crn, other]), None, tmp_path, tmp_path)
    cells = [(1.0, "open", {"lobby_budget": 1.0}), (-1.0, "open", {"lobby_budget": 0.0}),
             (-1.0, "representative", {"lobby_budget": 1.0}),
             (1.0, "representative", {"lobby_budget": 0.0})]  # fmt: skip
    e = fx.combination(ctx, "capture", cells)
    n = 6 if levels_share_seeds else 12  # seeds: shared by all cells, or one set per budget
    assert e.n == n and e.sign() == 1 and e.mean == pytest.approx(0.05, abs=0.01), (
        f"open rises 0.05 more than representative on the same seeds (whose own levels spread "
        f"by 0.5): paired {e} must find it"
    )
