"""Command-line conventions and the generated ``msisim run`` schema (mostly in-process)."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra.errors import ConfigCompositionException, OverrideParseException
from omegaconf.errors import ConfigKeyError

from msisim.cli import (
    _one_line,
    check_run_overrides,
    find_study_folder,
    load_experiment,
)
from msisim.conf import (
    experiment_names,
    model_params,
    packaged_config_dir,
    parameter_table,
    run_help_template,
)
from msisim.params import PARAMETER_GROUPS, Params
from msisim.study.analysis import OUTCOME_RANGES, ci_table, t_interval
from msisim.study.store import atomic_write
from msisim.viz.report import REPORTS
from msisim.viz.report.common import get_report, table

BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


def one_line(proc: subprocess.CompletedProcess[str], what: str) -> str:
    assert proc.returncode == 2, f"{what}: exit status 2 for bad input, got {proc.returncode}"
    err = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(err) == 1, f"{what}: one line on stderr, got {err}"
    assert "Traceback" not in proc.stderr, f"{what}: no traceback"
    return err[0]


# --------------------------------------------------------------------------- version, -m


def test_version_and_python_dash_m(tmp_path: Path) -> None:
    expected = f"msisim {metadata.version('msisim')}"
    proc = run(str(BIN / "msisim"), "--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == expected, (
        f"msisim --version prints {expected!r}, got {proc.stdout!r} {proc.stderr!r}"
    )
    proc = run(sys.executable, "-m", "msisim", "--version", cwd=tmp_path)
    assert proc.stdout.strip() == expected, "python -m msisim is the same command"


# --------------------------------------------------------------------------- run's schema


def test_schema_is_generated_from_every_parameter_field() -> None:
    names = [info.name for info in parameter_table()]
    every = [f.name for cls in PARAMETER_GROUPS.values() for f in dataclasses.fields(cls)]
    expected = list(dict.fromkeys(every))  # a name two model kinds share: one field
    assert names == expected, "one schema field per field of the parameter dataclasses"
    types = {info.name: info.schema_type for info in parameter_table()}
    assert types["epsilon"] is float and types["n_seats"] is int, "scalars keep their type"
    assert types["membership"] is str, "choices are strings (the model checks the choice)"
    assert types["recusal"] is bool, "flags are booleans"


def test_composed_defaults_are_the_models_defaults() -> None:
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from msisim.conf import register_configs

    register_configs()
    with initialize_config_dir(config_dir=str(packaged_config_dir()), version_base="1.3"):
        cfg = compose(config_name="run", overrides=["params.epsilon=0.2", "params.n_seats=40"])
    params = model_params(OmegaConf.to_container(cfg.params, resolve=True))
    built = Params.from_flat(**params)
    assert built == Params.from_flat(epsilon=0.2, n_seats=40, n_lobbyists=0), (
        "the composed params are the model's defaults, the default groups' values "
        "(lobbying=none: no lobbyist) and the two overrides (no '+' needed)"
    )


def test_run_overrides_are_checked_before_hydra_starts() -> None:
    check_run_overrides(["params.epsilon=0.2", "design=open"])  # no error
    check_run_overrides(["design=representative,open"], multirun=True)
    with pytest.raises(ValueError, match=r"params\.epsilonn.*did you mean 'params\.epsilon'"):
        check_run_overrides(["params.epsilonn=0.2"])
    with pytest.raises(ValueError, match=r"steps=N"):
        check_run_overrides(["params.n_steps=50"])  # the run's length is steps=
    with pytest.raises(ValueError, match=r"did you mean 'open'"):
        check_run_overrides(["design=opne"])
    with pytest.raises(ValueError, match=r"mu=0\.9"):
        check_run_overrides(["params.mu=0.9"])  # the model's own range check: (0, 0.5]
    with pytest.raises(ValueError, match=r"params\.n_seats: 'many' is not a whole number"):
        check_run_overrides(["params.n_seats=many"])  # typed, in msisim's words before Hydra


def test_run_chooses_the_model_kind_and_refuses_the_other_kinds_parameters() -> None:
    check_run_overrides(["model=parliament", "params.n_seats=500", "params.majority_share=0.7"])
    with pytest.raises(ValueError, match=r"'majority_share' is a parliament parameter"):
        check_run_overrides(["params.majority_share=0.7"])  # a forum by default
    with pytest.raises(ValueError, match=r"'epsilon' is a forum parameter"):
        check_run_overrides(["model=parliament", "params.epsilon=0.2"])
    with pytest.raises(ValueError, match=r"'membership' is a forum parameter"):
        check_run_overrides(["model=parliament", "design=open"])  # a forum's config group
    with pytest.raises(ValueError, match=r"model='parlament' is invalid.*did you mean"):
        check_run_overrides(["model=parlament"])


def test_unknown_run_parameter_is_one_line_naming_the_closest(tmp_path: Path) -> None:
    proc = run(str(BIN / "msisim"), "run", "params.epsilonn=0.2", cwd=tmp_path)
    line = one_line(proc, "msisim run params.epsilonn=0.2")
    assert "params.epsilon'" in line, f"the message names the closest valid key: {line}"
    assert not (tmp_path / "outputs").exists(), "nothing runs"


def test_run_help_lists_every_parameter_with_default(tmp_path: Path) -> None:
    proc = run(str(BIN / "msisim"), "run", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for info in parameter_table():
        assert f"params.{info.name} (" in proc.stdout, f"--help lists params.{info.name}"
        if not info.complex:
            assert f"params.{info.name} ({info.default!r}" in proc.stdout, (
                f"--help gives the default of params.{info.name}"
            )
    assert "experiment" not in proc.stdout.split("Config groups")[1].split("Run settings")[0], (
        "studies are not options of msisim run"
    )


def test_help_text_carries_the_fields_meaning() -> None:
    documented = [info for info in parameter_table() if info.doc]
    text = run_help_template()
    for info in documented:
        assert info.doc in text, f"--help gives the meaning of {info.name}"


# --------------------------------------------------------------------------- studies


def test_unknown_study_suggests_the_closest(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"did you mean 'bollow_comparison'"):
        load_experiment("bolow_comparison", [], quick=False)


def test_quick_is_a_config_composed_by_hydra() -> None:
    for name in experiment_names():
        path = packaged_config_dir() / "experiment" / "quick" / f"{name}.yaml"
        assert path.is_file(), f"{name}: its quick setting is a config of its own"
        assert f"/experiment/{name}" in path.read_text(), f"{name}: quick extends the study"
    spec = load_experiment("bollow_comparison", ["steps=7"], quick=True)
    assert spec.steps == 7 and spec.replicates == 2, "quick values, the override on top"


def test_users_own_config_folder(tmp_path: Path) -> None:
    (tmp_path / "experiment" / "quick").mkdir(parents=True)
    (tmp_path / "experiment" / "mine.yaml").write_text(
        "# @package _global_\ndefaults:\n  - /experiment_schema\n  - _self_\n"
        "name: mine\nbase: {n_stakeholders: 200}\nreplicates: 2\nsteps: 10\n"
    )
    (tmp_path / "experiment" / "quick" / "mine.yaml").write_text(
        "# @package _global_\ndefaults:\n  - /experiment/mine\n  - _self_\nsteps: 5\n"
    )
    names = experiment_names(tmp_path)
    assert "mine" in names and "bollow_comparison" in names, "user's studies and shipped ones"
    assert load_experiment("mine", [], quick=True, config_dir=tmp_path).steps == 5
    assert load_experiment("safeguards", [], quick=False, config_dir=tmp_path).name == "safeguards"


def test_every_study_names_a_registered_report() -> None:
    for name in experiment_names():
        spec = load_experiment(name, [], quick=False)
        assert spec.report in REPORTS, f"{name}: report {spec.report!r} must be registered"
    with pytest.raises(ValueError, match="did you mean 'safeguards'"):
        get_report("safeguard")


def test_markdown_tables_come_from_to_markdown() -> None:
    frame = pd.DataFrame({"design": ["a", "b"], "mean": [0.12345, np.nan], "n": [3, 4]})
    text = table(frame)
    assert text.splitlines()[0].startswith("| design"), text
    assert "0.123" in text and "nan" not in text, "three digits, blanks for NaN"


# --------------------------------------------------------------------------- results


def _fake_study(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{}")
    pd.DataFrame({"status": ["ok"]}).to_parquet(folder / "runs.parquet")
    return folder


def test_report_finds_the_latest_study_below_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _fake_study(tmp_path / "study" / "2026-01-01_00-00-00")
    new = _fake_study(tmp_path / "study" / "quick_2026-01-02_00-00-00")
    os.utime(old / "manifest.json", (1_000_000, 1_000_000))
    assert find_study_folder(new) == new, "a study folder is itself"
    assert find_study_folder(tmp_path / "study") == new, "the latest of several runs"
    assert str(new) in capsys.readouterr().out, "and it says which"
    assert find_study_folder(tmp_path) == new, "also two levels down (outputs/NAME/TIME)"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_study_folder(tmp_path / "nosuch")


def test_report_of_a_missing_folder_says_it_does_not_exist(tmp_path: Path) -> None:
    proc = run(str(BIN / "msisim"), "report", str(tmp_path / "nosuch"), cwd=tmp_path)
    line = one_line(proc, "msisim report nosuch")
    assert "does not exist" in line and "nosuch" in line, line


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_result_files_get_their_mode_from_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "x.txt", lambda p: p.write_text("x"))
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "x.txt").stat().st_mode)
    assert mode == 0o666 & ~umask, f"umask {umask:o} gives {0o666 & ~umask:o}, got {mode:o}"


def test_intervals_of_bounded_outcomes_stay_in_range() -> None:
    mean, low, high = t_interval(np.array([1.0, 0.9]), bounds=(0.0, 1.0))
    assert high == 1.0 and low < mean, f"a share's interval ends at 1, got [{low}, {high}]"
    runs = pd.DataFrame({"status": "ok", "rose": [0.99, 0.7], "lobby_bias": [0.99, 0.7]})
    out = ci_table(runs, [], ["rose", "lobby_bias"]).set_index("outcome")
    assert out.loc["rose", "ci_high"] <= 1.0, "rose (in [0, 1]) is clipped"
    assert out.loc["lobby_bias", "ci_high"] > 1.0, "lobby bias is unbounded: not clipped"
    assert OUTCOME_RANGES["governance_index"] == (1.0, 10.0)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "err",
    [
        ConfigCompositionException("Could not override 'x'.\nTo append use +x=1"),
        OverrideParseException("x=[", "mismatched input"),
        ConfigKeyError("Key 'n_seat' not in 'ModelParams'\n    full_key: params.n_seat"),
    ],
)
def test_one_line_folds_hydra_and_omegaconf_messages(err: BaseException) -> None:
    assert "\n" not in _one_line(err), "one line"


def test_one_line_of_malformed_yaml() -> None:
    import yaml

    with pytest.raises(yaml.YAMLError) as info:
        yaml.safe_load("a: [1, 2\nb: 3")
    assert _one_line(info.value).startswith("malformed YAML:"), "names the problem"
