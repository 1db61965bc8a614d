"""What the docs say about the command's output, and what the command prints (issue 23, item 7).

Every command README.md advertises and every example a ``--help`` prints is accepted as
written; numbers README.md states about a shipped study are the study's; ``msisim list`` times
are end to end; Dask and PRIM say one line each unless ``--verbose``; a multirun draws a figure.
"""

from __future__ import annotations

import logging
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from msisim.cli import build_parser, check_run_overrides, load_experiment
from msisim.conf import experiment_names
from msisim.study.timings import estimate, formula_seconds, load_timings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
MSISIM = str(Path(sys.executable).parent / "msisim")


def msisim(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MSISIM, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


def readme_commands() -> list[tuple[list[str], Path]]:
    """Each ``msisim`` command in README.md's bash blocks, with the folder it runs in."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL):
        cwd = ROOT
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["cd"]:
                cwd = ROOT / words[1]
            elif words[:1] == ["msisim"]:
                commands.append((words[1:], cwd))
    return commands


# --------------------------------------------------------------------------- README figures


def test_readme_states_the_shipped_main_job() -> None:
    full = load_experiment("bollow_comparison", [], quick=False)
    quick = load_experiment("bollow_comparison", [], quick=True)
    main_job = README[README.index("The main job is") : README.index("## A five-minute tour")]
    stated = [int(n) for n in re.findall(r"(\d+) runs", main_job)]
    assert stated == [len(full.tasks()), len(quick.tasks())], (
        f"README's main job must state the shipped study's runs ({len(full.tasks())} full, "
        f"{len(quick.tasks())} quick), it says {stated}"
    )
    assert f"{full.steps} rounds" in main_job, "README: the study's rounds per run"
    assert f"{full.replicates} replicates" in main_job, "README: the study's replicates"
    for old in ("440 runs", "11 lobby", "20 replicates"):
        assert old not in main_job, f"README's main job still says {old!r}"
        assert old not in (ROOT / "scripts" / "run.sh").read_text(), f"run.sh says {old!r}"


def test_readme_commands_are_accepted_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each advertised command parses, and its study, overrides or map are valid (no run)."""
    import shutil

    # the README's own map (my_forum.csv) stands for a user's file: the shipped example here
    shutil.copy(
        ROOT / "src" / "msisim" / "configs" / "maps" / "example.csv", tmp_path / "my_forum.csv"
    )
    monkeypatch.chdir(tmp_path)
    commands = readme_commands()
    assert len(commands) >= 15, f"README's commands were not found: {commands}"
    parser = build_parser()
    for words, cwd in commands:
        shown = "msisim " + " ".join(words)
        if words == ["--version"]:
            assert "--version" in build_parser().format_help(), "msisim --version exists"
            continue
        if words[0] == "run":
            plugins = [words[i + 1] for i, w in enumerate(words) if w == "--plugin"]
            if plugins:  # the plugins' own test runs them; here the overrides need them
                continue
            overrides = [w for w in words[1:] if not w.startswith("-")]
            if "--help" not in words:
                check_run_overrides(overrides, multirun="-m" in words)
            continue
        args, extra = parser.parse_known_args(words)
        assert not [x for x in extra if x.startswith("-")], f"{shown}: unknown options {extra}"
        if args.command == "experiment":
            folder = None if args.config_dir is None else cwd / args.config_dir
            if (folder is not None and not folder.is_dir()) or args.plugin:
                continue  # a user's own folder (~/my-configs), or a study needing its plugins
            if args.name not in experiment_names(folder):
                continue  # a user's own study (mystudy)
            load_experiment(args.name, args.overrides + extra, quick=args.quick, config_dir=folder)
        elif args.command == "robustness":
            assert args.name in experiment_names(), f"{shown}: no such study"


def test_help_examples_are_accepted(tmp_path: Path) -> None:
    """The examples ``msisim run --help`` and ``msisim experiment --help`` print are valid."""
    run_help = msisim("run", "--help", cwd=tmp_path)
    examples = [ln.split() for ln in run_help.stdout.splitlines() if ln.startswith("  msisim run")]
    assert len(examples) >= 3, f"msisim run --help lists its examples: {run_help.stdout[:500]}"
    for words in examples:
        overrides = [w for w in words[2:] if not w.startswith("-")]
        check_run_overrides(overrides, multirun="-m" in words)
    experiment_help = msisim("experiment", "--help", cwd=tmp_path).stdout
    found = re.search(r"e\.g\.\s+(.*?\])'", " ".join(experiment_help.split()))
    assert found, f"msisim experiment --help gives override examples: {experiment_help}"
    load_experiment("bollow_comparison", shlex.split(found.group(1) + "'"), quick=True)


def test_run_help_advertises_only_working_flags(tmp_path: Path) -> None:
    text = msisim("run", "--help", cwd=tmp_path).stdout
    assert "shell-completion" not in text and "-sc" not in text, (
        "msisim run --help must not advertise Hydra's shell completion (it cannot work: it "
        "calls 'msisim' with Hydra's own flags)"
    )
    for flags in (["--cfg", "job"], ["--info", "searchpath"], ["--hydra-help"], ["-h"]):
        assert flags[0] in text or flags[0] == "-h", f"msisim run --help lists {flags[0]}"
        proc = msisim("run", *flags, cwd=tmp_path)
        assert proc.returncode == 0, f"'msisim run {' '.join(flags)}' must work: {proc.stderr}"
    refused = msisim("run", "-sc", "install=bash", cwd=tmp_path)
    assert refused.returncode == 2, "msisim run -sc is refused (exit 2)"
    assert refused.stderr.strip().count("\n") == 0 and "not supported" in refused.stderr, (
        f"msisim run -sc is refused in one line: {refused.stderr!r}"
    )


# --------------------------------------------------------------------------- list times


def test_list_estimates_from_measured_end_to_end_runs() -> None:
    spec = load_experiment("internet_governance", [], quick=True)
    formula = formula_seconds(spec)
    quick = {"runs": len(spec.tasks()), "wall_seconds": 30.0, "run_seconds": 6.0,
             "formula_seconds": formula, "workers": 2}  # fmt: skip
    timings = {"workers": 2, "studies": {"internet_governance": {"quick": quick}}}
    as_measured = estimate("internet_governance", "quick", spec, workers=2, timings=timings)
    assert as_measured.seconds == 30.0 and as_measured.basis == "measured", (
        f"a setting timed as shipped is listed at its measured wall time: {as_measured}"
    )
    bigger = load_experiment("internet_governance", ["replicates=10"], quick=True)
    scaled = estimate("internet_governance", "quick", bigger, workers=2, timings=timings)
    expected = 24.0 + 6.0 * formula_seconds(bigger) / formula
    assert scaled.basis == "scaled" and scaled.seconds == pytest.approx(expected), (
        f"more runs add their measured cost to the fixed start-up and report: {scaled}"
    )
    halved = estimate("internet_governance", "quick", bigger, workers=4, timings=timings)
    assert halved.seconds == pytest.approx(24.0 + (expected - 24.0) / 2), (
        "twice the workers halve the runs' cost, not the fixed cost"
    )
    other = estimate("safeguards", "quick", spec, workers=2, timings=timings)
    assert other.basis == "typical" and other.seconds == pytest.approx(30.0), (
        f"an unmeasured study gets the measured ones' fixed cost and run ratio: {other}"
    )


def test_shipped_timings_match_the_shipped_settings() -> None:
    studies = load_timings()["studies"]
    assert "bollow_comparison" in studies, "the main job's end-to-end time is measured"
    for name, settings in studies.items():
        for setting, entry in settings.items():
            spec = load_experiment(name, [], quick=setting == "quick")
            assert entry["runs"] == len(spec.tasks()), (
                f"{name} {setting}: the stored timing is of {entry['runs']} runs, the setting "
                f"has {len(spec.tasks())}; rerun benchmarks/list_times.py --studies {name}"
            )
            assert entry["wall_seconds"] > entry["run_seconds"] > 0, (
                f"{name}: the wall time includes start-up and report beyond the runs: {entry}"
            )


# --------------------------------------------------------------------------- logs


def test_quiet_libraries_silences_dask_and_prim_unless_verbose(monkeypatch) -> None:
    from msisim.cli import _quiet_libraries

    monkeypatch.delenv("DASK_LOGGING__DISTRIBUTED", raising=False)
    for name in ("EMA", "distributed"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    _quiet_libraries(verbose=False)
    import os

    assert os.environ.get("DASK_LOGGING__DISTRIBUTED") == "error", (
        "Dask's loggers (set from its config when distributed is imported, in workers too) "
        "are at error unless --verbose"
    )
    assert logging.getLogger("EMA").level == logging.ERROR, "PRIM's own lines off"
    monkeypatch.delenv("DASK_LOGGING__DISTRIBUTED")
    _quiet_libraries(verbose=True)
    assert "DASK_LOGGING__DISTRIBUTED" not in os.environ, "--verbose leaves Dask's log on"
    assert logging.getLogger("EMA").level == logging.INFO, "--verbose shows PRIM's lines"


def test_prim_says_one_line(caplog: pytest.LogCaptureFixture) -> None:
    from msisim.cli import _quiet_libraries
    from msisim.study.analysis import prim_boxes

    _quiet_libraries(verbose=False)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 2, 200)
    runs = pd.DataFrame({"design": "open", "status": "ok", "param.lobby_budget": x,
                         "capture": (x > 1.2) * 0.3 + rng.normal(0, 0.01, 200)})  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        limits, _ = prim_boxes(runs, ["lobby_budget"], "capture", 0.15, design="open")
    assert not limits.empty, "PRIM finds the budget box where capture is high"
    ema = [r for r in caplog.records if r.name.startswith("EMA")]
    ours = [r for r in caplog.records if r.getMessage().startswith("PRIM")]
    assert not ema, f"PRIM's own lines are off unless --verbose: {[r.getMessage() for r in ema]}"
    assert len(ours) == 1, f"one line says what PRIM found: {[r.getMessage() for r in ours]}"


@pytest.mark.slow
def test_dask_run_logs_one_line_about_dask(tmp_path: Path) -> None:
    proc = msisim("experiment", "internet_governance", "--quick", "--backend", "dask",
                  "--workers", "1", "--out", "out", "replicates=1", "steps=5",
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, f"the Dask quick run must work: {proc.stderr}"
    text = proc.stdout + proc.stderr
    dask_lines = [ln for ln in text.splitlines() if re.search(
        r"Dask|Nanny|[Ww]orker|[Ss]cheduler|dashboard|distributed", ln)]  # fmt: skip
    assert len(dask_lines) == 2, (
        "Dask is summarised in one line (beside the runner's 'to run on dask' line), "
        f"got {dask_lines}"
    )
    assert any("Dask: local cluster, 1 worker(s)" in ln for ln in dask_lines), dask_lines
    verbose = msisim("-v", "experiment", "internet_governance", "--quick", "--backend", "dask",
                     "--workers", "1", "--out", "out2", "replicates=1", "steps=5",
                     cwd=tmp_path)  # fmt: skip
    assert "Start Nanny" in verbose.stdout + verbose.stderr, "--verbose shows Dask's own log"


# --------------------------------------------------------------------------- multirun figure


def test_sweep_figure_from_job_overrides(tmp_path: Path) -> None:
    from msisim.viz.sweep import sweep_figure

    rows = []
    for design in ("representative", "open"):
        for budget in ("0", "1"):
            job = tmp_path / f"design={design},lobbying.x={budget},replicates=3"
            (job / ".hydra").mkdir(parents=True)
            overrides = [f"design={design}", f"params.lobby_budget={budget}", "replicates=3"]
            (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
            for replicate in range(3):
                rows.append({"job": job.name, "status": "ok", "replicate": replicate,
                             "capture": 0.1 * float(budget) + 0.01 * replicate,
                             "rose": 0.5 + 0.01 * replicate})  # fmt: skip
    figure = sweep_figure(tmp_path, pd.DataFrame(rows))
    assert figure is not None and figure.stat().st_size > 10_000, (
        "a multirun writes sweep_outcomes.png (capture and Rose against the swept overrides)"
    )
    one_job = pd.DataFrame([{**rows[0], "job": rows[0]["job"]}])
    assert sweep_figure(tmp_path, one_job) is None, "one job sweeps nothing: no figure"


@pytest.mark.slow
def test_multirun_writes_the_combined_figure(tmp_path: Path) -> None:
    proc = msisim("run", "-m", "design=representative,open", "replicates=2", "steps=5",
                  "params.n_stakeholders=100", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, f"the multirun must work: {proc.stderr}"
    figures = list((tmp_path / "outputs" / "multirun").glob("*/sweep_outcomes.png"))
    assert len(figures) == 1, f"the multirun's figure beside sweep_runs.parquet: {proc.stdout}"
    assert f"figure:   {figures[0].resolve()}" in proc.stdout, "the figure's path is printed"
