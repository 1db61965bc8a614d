# ruff: noqa: E501  (the tables read best one case per line)
"""Every user path stays where it belongs (issue 24, item 2).

Names are names (no ``/``, ``..`` or absolute path); every config, map, designs or assumptions
file is a regular file of bounded size, read without blocking (a FIFO, a device behind a
symlink, a folder named ``*.yaml`` or an 11 MB sparse file is refused in one line naming it);
an output folder that is a file or a device, an app port outside 1..65535 and a host that does
not resolve are refused before any work. The cases that would hang if a guard were missing
run in a subprocess with a timeout, or call the guard directly.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from msisim.cli import main
from msisim.stakeholder_map import load_stakeholder_map
from msisim.study.checks import check_config_tree, check_yaml_file
from msisim.study.forum import load_designs
from msisim.study.robustness import AssumptionSpace
from msisim.user_files import MAX_CONFIG_BYTES, check_name, check_out_dir, read_user_file

MSISIM = str(Path(sys.executable).parent / "msisim")

#: A few hundred bytes that expand to 10^6 leaves: hangs Hydra if it ever gets read.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(5)
)


def one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"one line expected, got {len(lines)}:\n{text}"
    return lines[0]


def msisim(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run msisim; a hang is a failure, not a stuck test session (a refusal takes ~3 s idle)."""
    try:
        return subprocess.run([MSISIM, *args], capture_output=True, text=True, cwd=cwd,
                              env={**os.environ, "COLUMNS": "300"}, timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"msisim {' '.join(args)} hung for {timeout} s instead of refusing")


@pytest.fixture
def cfg(tmp_path):
    """A user config folder with an empty experiment/ and design/ group."""
    root = tmp_path / "cfg"
    (root / "experiment").mkdir(parents=True)
    (root / "design").mkdir()
    return root


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    ["../../x", "../bomb", "/tmp/x", "a/b", "x.yaml", "", "..", "a b", "quick/selection_capture"],
)
def test_a_study_or_config_name_with_a_folder_or_dots_is_refused(name):
    with pytest.raises(ValueError, match="not a name: use letters, digits") as err:
        check_name(name, "experiment name")
    assert repr(name) in str(err.value), f"the message names the input: {err.value}"


@pytest.mark.parametrize("name", ["selection_capture", "my-study2", "A"])
def test_plain_names_are_accepted(name):
    assert check_name(name, "experiment name") == name


@pytest.mark.parametrize("command", ["experiment", "robustness"])
@pytest.mark.parametrize("name", ["../../x", "/tmp/bomb"])
def test_experiment_and_robustness_refuse_a_name_outside_experiment(
    tmp_path, cfg, capsys, command, name
):
    (tmp_path / "bomb.yaml").write_text(BOMB)
    (tmp_path / "x.yaml").write_text(BOMB)
    code = main([command, name, "--config-dir", str(cfg), "--out", str(tmp_path / "out")])
    err = one_line(capsys.readouterr().err)
    assert code == 2, f"a usage error exits 2, got {code}: {err}"
    assert f"experiment name {name!r} is not a name" in err, err
    assert not (tmp_path / "out").exists(), "refused before any output"


@pytest.mark.slow  # a subprocess: a missing guard hangs, the timeout catches it
def test_experiment_dotdot_with_a_bomb_outside_is_refused_not_hung(tmp_path, cfg):
    """The issue's exact case: the bomb lies two folders above experiment/."""
    (tmp_path / "x.yaml").write_text(BOMB)
    proc = msisim(["experiment", "../../x", "--config-dir", "cfg"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "'../../x' is not a name" in one_line(proc.stderr), proc.stderr


@pytest.mark.slow  # a subprocess: a missing guard hangs, the timeout catches it
def test_run_config_path_with_a_bomb_is_refused_before_hydra_reads_it(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "bomb.yaml").write_text(BOMB)
    proc = msisim(["run", "--config-path", "mine", "--config-name", "bomb"], cwd=tmp_path)
    line = one_line(proc.stderr)
    assert proc.returncode == 2, proc.stderr
    assert "bomb.yaml" in line and "alias" in line, f"names the file and the alias: {line}"


@pytest.mark.parametrize(("args", "expect"), [
    (["--config-name", "../bomb"], "--config-name '../bomb' is not a name"),
    (["--config-name", "/tmp/bomb"], "--config-name '/tmp/bomb' is not a name"),
    (["--config-path", "pkg://msisim", "--config-name", "run"], "--config-path pkg://msisim: give a folder path"),
    (["--config-path", "nowhere", "--config-name", "run"], "--config-path nowhere: no such folder"),
])  # fmt: skip
def test_run_refuses_config_names_and_paths_that_escape(
    tmp_path, monkeypatch, capsys, args, expect
):
    monkeypatch.chdir(tmp_path)
    code = main(["run", *args])
    err = one_line(capsys.readouterr().err)
    assert code == 2, f"exit 2 for a usage error, got {code}: {err}"
    assert expect in err, err


# --------------------------------------------------------------------------- files


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _zero_link(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


def _sparse(path: Path) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(MAX_CONFIG_BYTES + 1_000_000)  # 11 MB of holes: no disk used
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


HAZARDS = [
    (_fifo, "a FIFO"),
    (_zero_link, "a device (a symlink to it)"),
    (_sparse, "larger than the 10 MB msisim reads"),
    (_folder, "a folder"),
]


@pytest.mark.parametrize(("make", "expect"), HAZARDS)
def test_a_config_file_that_is_not_a_bounded_regular_file_is_refused(tmp_path, make, expect):
    path = make(tmp_path / "x.yaml")
    with pytest.raises(ValueError) as err:
        read_user_file(path, "config file")
    message = str(err.value)
    assert message.startswith(f"config file {path}: ") and expect in message, message
    assert "\n" not in message


@pytest.mark.parametrize(("make", "expect"), HAZARDS)
def test_the_config_tree_check_refuses_each_hazard_naming_the_file(cfg, make, expect):
    (cfg / "design" / "fine.yaml").write_text("membership: open\n")
    path = make(cfg / "design" / "x.yaml")
    with pytest.raises(ValueError) as err:
        check_config_tree(cfg)
    assert str(path) in str(err.value) and expect in str(err.value), err.value


def test_a_linked_group_folder_is_checked_and_a_link_to_root_is_bounded(tmp_path, cfg):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _fifo(elsewhere / "x.yaml")
    (cfg / "lobbying").symlink_to(elsewhere)  # Hydra would read lobbying/x.yaml through it
    (cfg / "loop").symlink_to(cfg)  # a loop is walked once
    with pytest.raises(ValueError, match=r"lobbying/x\.yaml: a FIFO"):
        check_config_tree(cfg)
    (cfg / "lobbying").unlink()
    check_config_tree(cfg)  # the loop alone is fine
    (cfg / "root").symlink_to("/")
    with pytest.raises(ValueError, match="more than 10,000 entries"):
        check_config_tree(cfg)


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    target = tmp_path / "real.yaml"
    target.write_text("membership: open\n")
    (tmp_path / "link.yaml").symlink_to(target)
    check_yaml_file(tmp_path / "link.yaml")
    assert read_user_file(tmp_path / "link.yaml", "config file") == "membership: open\n"


@pytest.mark.slow  # a subprocess each: a missing guard hangs, the timeout catches it
@pytest.mark.parametrize(("make", "expect"), HAZARDS[:3])
def test_a_fifo_or_device_in_a_config_folder_stops_experiment_in_one_line(
    tmp_path, cfg, make, expect
):
    path = make(cfg / "design" / "x.yaml")
    proc = msisim(
        ["experiment", "selection_capture", "--quick", "--config-dir", "cfg", "--out", "out"],
        cwd=tmp_path,
    )
    line = one_line(proc.stderr)
    assert proc.returncode == 2, proc.stderr
    assert path.name in line and expect in line, line
    assert not (tmp_path / "out").exists(), "refused before any run"


@pytest.mark.parametrize(("make", "expect"), [HAZARDS[0], HAZARDS[1], HAZARDS[3]])
def test_a_study_file_that_is_not_a_regular_file_is_named_not_called_unknown(
    tmp_path, make, expect
):
    """Once answered 'unknown experiment 'f' (did you mean 'f'?)' with 'f' among the valid."""
    from msisim.conf import experiment_dir, experiment_names

    (tmp_path / "experiment").mkdir()
    path = make(tmp_path / "experiment" / "f.yaml")
    with pytest.raises(ValueError, match=rf"study file .*f\.yaml: {re.escape(expect)}") as info:
        experiment_dir("f", tmp_path)
    assert "unknown experiment" not in str(info.value)
    assert "f" not in experiment_names(tmp_path), f"{path.name} is listed as a study"


@pytest.mark.slow  # a subprocess: a missing guard hangs, the timeout catches it
def test_a_fifo_in_a_config_folder_stops_run_in_one_line(tmp_path, cfg):
    _fifo(cfg / "design" / "x.yaml")
    proc = msisim(["run", "--config-dir", "cfg", "replicates=1", "steps=2"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "x.yaml: a FIFO" in one_line(proc.stderr), proc.stderr


@pytest.mark.parametrize(("make", "expect"), HAZARDS)
@pytest.mark.parametrize("suffix", [".csv", ".yaml"])
def test_a_stakeholder_map_that_is_not_a_bounded_regular_file_is_refused(
    tmp_path, make, expect, suffix
):
    path = make(tmp_path / f"map{suffix}")
    with pytest.raises(ValueError) as err:
        load_stakeholder_map(path)
    assert f"cannot read stakeholder map {path}" in str(err.value) and expect in str(err.value), (
        err.value
    )


@pytest.mark.slow  # a subprocess: a missing guard hangs, the timeout catches it
def test_msisim_map_on_a_fifo_answers_in_one_line(tmp_path):
    _fifo(tmp_path / "map.yaml")
    proc = msisim(["map", "map.yaml"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "map.yaml: a FIFO" in one_line(proc.stderr), proc.stderr


@pytest.mark.parametrize(("make", "expect"), HAZARDS)
def test_a_designs_file_that_is_not_a_bounded_regular_file_is_refused(tmp_path, make, expect):
    path = make(tmp_path / "designs.yaml")
    with pytest.raises(ValueError) as err:
        load_designs(path)
    assert f"designs file {path}: " in str(err.value) and expect in str(err.value), err.value


@pytest.mark.slow  # a subprocess: a missing guard hangs, the timeout catches it
def test_compare_with_a_designs_fifo_and_a_map_fifo_answers_in_one_line(tmp_path):
    _fifo(tmp_path / "designs.yaml")
    proc = msisim(["compare", "example", "--designs", "designs.yaml", "--quick"], cwd=tmp_path)
    assert proc.returncode == 2 and "designs.yaml: a FIFO" in one_line(proc.stderr), proc.stderr
    _fifo(tmp_path / "map.csv")
    proc = msisim(["design", "map.csv", "--quick"], cwd=tmp_path)
    assert proc.returncode == 2 and "map.csv: a FIFO" in one_line(proc.stderr), proc.stderr


@pytest.mark.parametrize(("make", "expect"), HAZARDS[:3])
def test_an_assumptions_file_that_is_not_a_bounded_regular_file_is_refused(tmp_path, make, expect):
    path = make(tmp_path / "assumptions.yaml")
    with pytest.raises(ValueError) as err:
        AssumptionSpace.load(path)
    assert f"assumptions file {path}: " in str(err.value) and expect in str(err.value), err.value


# --------------------------------------------------------------------------- outputs and the app


@pytest.mark.parametrize(("target", "expect"), [
    ("/dev/null", "exists and is a device, not a folder"),
    ("afile", "exists and is a regular file, not a folder"),
    ("afile/sub", "afile is not a folder"),
])  # fmt: skip
def test_an_output_folder_that_is_a_file_or_device_is_refused(
    tmp_path, monkeypatch, target, expect
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match=expect):
        check_out_dir(target)
    assert check_out_dir(tmp_path / "new" / "sub") == tmp_path / "new" / "sub", (
        "a missing folder is fine"
    )


def test_experiment_refuses_a_device_as_out_before_any_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["experiment", "selection_capture", "--quick", "--out", "/dev/null"])
    err = one_line(capsys.readouterr().err)
    assert code == 2 and "--out /dev/null: exists and is a device, not a folder" in err, err


@pytest.mark.parametrize("run_dir", ["/dev/null", "/dev/null/sub"])
def test_run_names_an_output_folder_that_is_a_device(tmp_path, monkeypatch, capsys, run_dir):
    monkeypatch.chdir(tmp_path)
    code = main(["run", f"hydra.run.dir={run_dir}", "replicates=1", "steps=2"])
    err = one_line(capsys.readouterr().err)
    assert code == 2, err
    assert f"output folder {run_dir}" in err and "not a folder" in err and "Errno" not in err, err


@pytest.mark.parametrize(("args", "expect"), [
    (["--port", "70000"], "argument --port: 70000 is not a port: give 1 to 65535"),
    (["--port", "0"], "argument --port: 0 must be at least 1"),
    (["--host", "nonexistent.invalid"], "--host 'nonexistent.invalid': does not resolve to an address"),
])  # fmt: skip
def test_app_refuses_a_bad_port_or_host_before_the_server_starts(monkeypatch, capsys, args, expect):
    def no_server(*_args, **_kwargs):
        raise AssertionError("the server must not start")

    monkeypatch.setattr(subprocess, "Popen", no_server)
    try:
        code = main(["app", *args])
    except SystemExit as exit_:  # argparse's refusal
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2, f"exit 2, got {code}: {err}"
    assert expect in err and "Traceback" not in err, err
