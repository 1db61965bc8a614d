"""Plugins: a user's rule in their own file, loaded by path, in this process and in workers.

The toy plugin registers a decision rule (a :class:`~msisim.rules.decision.DecisionRule`,
``decide(advocated, voice, design) -> Decision``); :data:`PLUGIN` is the only place to change
if the protocol moves. Every test unloads what it loaded (the ``plugins`` fixture), so nothing
leaks into other tests.
"""

from __future__ import annotations

import json
import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import msisim.study.runner as runner_module
from msisim import plugins as plugins_module
from msisim.cli import main, split_plugin_options
from msisim.plugins import (
    Plugin,
    PluginError,
    load_plugin,
    load_plugins,
    loaded_plugins,
    unload_plugin,
)
from msisim.registry import RegistrationError, Registry
from msisim.rules.decision import DECISION_RULES
from msisim.study.runner import SweepError, run_experiment
from msisim.study.spec import ExperimentSpec

RULE = "plain_mean_rule"

#: A decision rule as a user would write it: the unweighted mean, always adopted.
PLUGIN = f'''\
"""A toy plugin: the plain (unweighted) mean of advocated positions, always adopted."""

from msisim.rules.decision import Decision, DecisionRule, register_decision


def plain_mean(advocated, voice, design):
    """The unweighted mean of what members advocate."""
    return Decision(advocated.mean(axis=0), True, room=(advocated, voice, design.support_radius))


register_decision(DecisionRule("{RULE}", "the plain mean, always adopted", plain_mean))
'''

#: A study small enough for a quick check: 2 designs x 2 replicates, 200 stakeholders.
STUDY = {
    "name": "plugin_study",
    "title": "A study using a plugin's decision rule",
    "base": {"n_stakeholders": 200, "decision_rule": RULE},
    "designs": {
        "representative": {"membership": "representative", "n_seats": 12},
        "open": {"membership": "open"},
    },
    "replicates": 2,
    "steps": 20,
    "batch_size": 1,
}


@pytest.fixture
def plugins() -> Iterator[list[Path]]:
    """Paths of plugins a test loads; each is unloaded (its units unregistered) afterwards."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        unload_plugin(path)
    for plugin in loaded_plugins():  # whatever a CLI call loaded
        unload_plugin(plugin.path)


def write_plugin(
    folder: Path, plugins: list[Path], name: str = "plain_mean.py", text: str = PLUGIN
) -> Path:
    path = folder / name
    path.write_text(text)
    plugins.append(path)
    return path


def config_dir(folder: Path) -> Path:
    """A user's config folder holding the plugin study (and its quick setting)."""
    root = folder / "configs"
    (root / "experiment" / "quick").mkdir(parents=True)
    (root / "experiment" / "plugin_study.yaml").write_text(
        "# @package _global_\ndefaults:\n  - /experiment_schema\n  - _self_\n"
        + yaml.safe_dump(STUDY)
    )
    (root / "experiment" / "quick" / "plugin_study.yaml").write_text(
        "# @package _global_\ndefaults:\n  - /experiment/plugin_study\n  - _self_\nreplicates: 1\n"
    )
    return root


@pytest.fixture(autouse=True)
def fresh_logging() -> Iterator[None]:
    """Drop the log handlers ``main()`` installs: they write to this test's captured stderr."""
    root = logging.getLogger()
    before = list(root.handlers)
    yield
    for handler in list(root.handlers):
        if handler not in before and type(handler) is logging.StreamHandler:
            root.removeHandler(handler)


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The one error line on stderr (log lines such as the plugin's hash may precede it)."""
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1, f"the error must be one line, got:\n{err}"
    return errors[0]


# --------------------------------------------------------------------------- the registry


def test_registry_records_origin_check_and_remove() -> None:
    def has_score(name: str, unit: Any) -> None:
        if not callable(getattr(unit, "score", None)):
            raise TypeError("lacks method 'score'")

    toys: Registry[Any] = Registry("toy rule", "toy", check=has_score)

    class Good:
        def score(self) -> int:
            return 1

    toys.add("good", Good())
    assert toys.origin("good") is None, "a unit added outside a plugin is msisim's own"
    with pytest.raises(RegistrationError, match=r"^toy rule 'bad' lacks method 'score'$"):
        toys.add("bad", object())
    assert "bad" not in toys, "a refused unit must not be registered"
    with pytest.raises(ValueError, match="registered twice"):
        toys.add("good", Good())
    toys.remove("good")
    assert "good" not in toys and len(toys) == 0, "remove() unregisters"
    with toys.temporary():
        toys.add("brief", Good())
        assert "brief" in toys
    assert "brief" not in toys, "temporary() undoes its registrations on leaving the block"
    assert Registry("old style", "old").names() == (), "Registry(kind, parameter) still works"


def test_a_plugin_breaking_the_protocol_is_refused_naming_it(
    tmp_path: Path, plugins: list[Path]
) -> None:
    """A toy checker stands for the rule protocols: the plugin's unit lacks a method."""

    def has_expected_stay(name: str, unit: Any) -> None:
        if not callable(getattr(unit, "expected_stay", None)):
            raise TypeError("lacks method 'expected_stay'")

    toys: Registry[Any] = Registry("membership rule", "membership", check=has_expected_stay)
    text = textwrap.dedent(
        """
        from test_plugins_toy import TOYS

        class Rotating:
            def seat_pools(self):
                return []

        TOYS.add("rotating_seats", Rotating())
        TOYS.add("first_unit_of_a_broken_file_is_rolled_back", None)
        """
    )
    import sys
    import types

    module = types.ModuleType("test_plugins_toy")
    module.TOYS = toys  # type: ignore[attr-defined]
    sys.modules["test_plugins_toy"] = module
    try:
        path = write_plugin(tmp_path, plugins, "rotating_seats.py", text)
        with pytest.raises(PluginError) as caught:
            load_plugin(path)
    finally:
        del sys.modules["test_plugins_toy"]
    assert str(caught.value) == (
        f"plugin {path}: membership rule 'rotating_seats' lacks method 'expected_stay'"
    ), "the error names the plugin, the unit and what is missing"
    assert len(toys) == 0 and not loaded_plugins(), "a refused plugin leaves nothing behind"


# --------------------------------------------------------------------------- loading


def test_a_plugin_loads_once_and_its_rule_validates(tmp_path: Path, plugins: list[Path]) -> None:
    path = write_plugin(tmp_path, plugins)
    plugin = load_plugin(path)
    assert load_plugin(tmp_path / "." / path.name) is plugin, "a second load is the same record"
    assert load_plugins([path, path]) == [plugin], "the same file counts once"
    assert plugin.path == str(path.resolve()), "the record names the resolved path"
    assert len(plugin.sha256) == 64 and plugin.units == (("decision rule", RULE),)
    assert DECISION_RULES.origin(RULE) == str(path.resolve()), "the registry knows its origin"
    assert DECISION_RULES.origin("majority") is None, "built-ins have no origin"
    spec = ExperimentSpec.from_dict(STUDY)  # the plugin's rule validates like a built-in
    assert spec.base["decision_rule"] == RULE
    assert unload_plugin(path) == [("decision rule", RULE)], "unloading unregisters its units"
    assert RULE not in DECISION_RULES


def test_a_plain_import_registers_too(
    tmp_path: Path, plugins: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_plugin(tmp_path, plugins, "my_rules.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    importlib.import_module("my_rules")
    try:
        assert RULE in DECISION_RULES, "importing the file registers its rule"
    finally:
        DECISION_RULES.remove(RULE)
        import sys

        sys.modules.pop("my_rules", None)


BROKEN = [
    ("syntax.py", "def f(:\n    pass\n", r"syntax\.py, line 1: SyntaxError: invalid syntax$"),
    (
        "raises.py",
        "x = 1\ny = x / 0\n",
        r"raises\.py, line 2: ZeroDivisionError: division by zero$",
    ),
    (
        "clash.py",
        "from msisim.rules.decision import DECISION_RULES\nDECISION_RULES.add('majority', None)\n",
        r"clash\.py: decision rule 'majority' from plugin .*clash\.py clashes with the one from "
        r"msisim \(built-in\); rename one of them$",
    ),
    ("exits.py", "raise SystemExit(3)\n", r"exits\.py: called exit\(\) while loading$"),
]


@pytest.mark.parametrize(("name", "text", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_plugin_is_one_line_naming_it(
    tmp_path: Path, plugins: list[Path], name: str, text: str, message: str
) -> None:
    path = write_plugin(tmp_path, plugins, name, text)
    with pytest.raises(PluginError, match=message):
        load_plugin(path)
    assert not loaded_plugins(), "a broken plugin is not loaded"


def test_two_plugins_with_one_name_are_refused_naming_both(
    tmp_path: Path, plugins: list[Path]
) -> None:
    first = write_plugin(tmp_path, plugins)
    second = write_plugin(tmp_path, plugins, "again.py")
    load_plugin(first)
    with pytest.raises(PluginError) as caught:
        load_plugin(second)
    message = str(caught.value)
    assert str(second.resolve()) in message and str(first.resolve()) in message, (
        f"both origins must be named: {message}"
    )
    assert DECISION_RULES.origin(RULE) == str(first.resolve()), "the first plugin keeps its rule"


def test_only_regular_python_files_are_plugins(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    (tmp_path / "notes.txt").write_text("x = 1\n")
    cases = {
        tmp_path: "is a folder",
        fifo: "is not a regular file",  # opening it would hang
        Path("/dev/null"): "is not a regular file",
        tmp_path / "notes.txt": "is not a Python file",
        tmp_path / "missing.py": "no such file",
    }
    for path, reason in cases.items():
        with pytest.raises(PluginError, match=f"^plugin {path}: {reason}"):
            load_plugin(path)
    with pytest.raises(PluginError, match="cannot be read"):
        load_plugin("bad\0name.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    with pytest.raises(PluginError, match=r"zero\.py: is not a regular file"):
        load_plugin(tmp_path / "zero.py")


def test_a_changed_file_is_refused_against_its_hash(tmp_path: Path, plugins: list[Path]) -> None:
    path = write_plugin(tmp_path, plugins)
    recorded = load_plugin(path)
    path.write_text(PLUGIN + "\n# edited\n")
    with pytest.raises(PluginError, match="changed since this process loaded it"):
        load_plugin(path)
    unload_plugin(path)
    with pytest.raises(PluginError, match=r"its file changed .* the study recorded"):
        load_plugin(path, sha256=recorded.sha256)
    assert RULE not in DECISION_RULES, "a refused file never runs"


def test_split_plugin_options_of_msisim_run() -> None:
    files, rest = split_plugin_options(["--plugin", "a.py", "x=1", "--plugin=b.py", "-m"])
    assert files == ["a.py", "b.py"] and rest == ["x=1", "-m"]
    with pytest.raises(ValueError, match="--plugin needs a file"):
        split_plugin_options(["x=1", "--plugin"])


# --------------------------------------------------------------------------- the CLI


def test_msisim_run_with_a_plugin_rule(
    tmp_path: Path, plugins: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_plugin(tmp_path, plugins)
    out = tmp_path / "run"
    code = main(
        ["run", "--plugin", str(path), f"params.decision_rule={RULE}", "replicates=1",
         "steps=10", "params.n_stakeholders=200", f"hydra.run.dir={out}"]
    )  # fmt: skip
    assert code == 0, f"msisim run with the plugin's rule must succeed: {capsys.readouterr()}"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["plugins"][0]["sha256"] == load_plugin(path).sha256, "the hash is recorded"
    assert (pd.read_parquet(out / "runs.parquet")["status"] == "ok").all()


def test_msisim_run_without_the_plugin_refuses_its_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", f"params.decision_rule={RULE}"]) == 2
    assert "decision_rule='plain_mean_rule' is invalid" in one_line_error(capsys)


@pytest.mark.parametrize(("name", "text", "message"), BROKEN, ids=[b[0] for b in BROKEN])
@pytest.mark.parametrize("command", ["run", "experiment"])
def test_a_broken_plugin_stops_the_cli_before_any_run(
    tmp_path: Path,
    plugins: list[Path],
    capsys: pytest.CaptureFixture[str],
    command: str,
    name: str,
    text: str,
    message: str,
) -> None:
    path = write_plugin(tmp_path, plugins, name, text)
    out = tmp_path / "out"
    argv = (
        ["run", "--plugin", str(path), f"hydra.run.dir={out}"]
        if command == "run"
        else ["experiment", "plugin_study", "--plugin", str(path), "--out", str(out),
              "--config-dir", str(config_dir(tmp_path))]
    )  # fmt: skip
    assert main(argv) == 2, "a broken plugin is bad input: exit 2"
    err = one_line_error(capsys)
    assert err.startswith(f"msisim {command}: error: plugin {path}"), err
    assert not out.exists(), "nothing ran: no output folder"


def test_a_missing_plugin_file_stops_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--plugin", str(tmp_path)]) == 2
    assert one_line_error(capsys).endswith("is a folder; give a .py file")


def test_a_config_cannot_name_a_plugin() -> None:
    with pytest.raises(ValueError, match="plugins"):
        ExperimentSpec.from_dict({**STUDY, "base": {}, "plugins": ["evil.py"]})


# --------------------------------------------------------------------------- studies


def test_study_on_spawned_workers_records_plugins_and_refuses_a_changed_resume(
    tmp_path: Path,
    plugins: list[Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Spawned workers inherit nothing: they load the plugin from the batch's records."""
    monkeypatch.setattr(runner_module, "START_METHOD", "spawn")
    path = write_plugin(tmp_path, plugins)
    configs = config_dir(tmp_path)
    out = tmp_path / "study"
    argv = ["experiment", "plugin_study", "--quick", "--plugin", str(path), "--workers", "2",
            "--out", str(out), "--config-dir", str(configs)]  # fmt: skip
    assert main(argv) == 0, f"the study must run: {capsys.readouterr().err}"
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 and (runs["status"] == "ok").all(), runs.get("error")
    assert set(runs["param.decision_rule"]) == {RULE}
    manifest = json.loads((out / "manifest.json").read_text())
    sha = load_plugin(path).sha256
    assert manifest["plugins"] == [
        {"path": str(path.resolve()), "sha256": sha, "units": [f"decision rule: {RULE}"]}
    ], "the manifest records each plugin's path, hash and units"
    capsys.readouterr()

    # the report needs the plugin (the spec names its rule)
    unload_plugin(path)
    assert main(["report", str(out)]) == 2
    assert f"was run with plugin {path.resolve()}" in one_line_error(capsys)
    assert main(["report", str(out), "--plugin", str(path)]) == 0
    capsys.readouterr()

    # resume without the plugin, then with an edited plugin: refused, naming it
    unload_plugin(path)
    resume = [a for a in argv if a not in ("--plugin", str(path))]
    assert main(resume) == 2
    assert f"was run with plugin {path.resolve()}" in one_line_error(capsys)
    path.write_text(PLUGIN + "\n# edited after the study\n")
    assert main(argv) == 2
    err = one_line_error(capsys)
    assert "the file has changed" in err and str(path.resolve()) in err, err


def test_a_spawned_worker_refuses_a_plugin_changed_after_loading(
    tmp_path: Path, plugins: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "START_METHOD", "spawn")
    path = write_plugin(tmp_path, plugins)
    recorded = load_plugin(path)
    spec = ExperimentSpec.from_dict({**STUDY, "replicates": 1})
    path.write_text(PLUGIN + "\n# edited while the study runs\n")
    with pytest.raises(SweepError, match=r"refused the study's plugins: .*its file changed"):
        run_experiment(spec, tmp_path / "out", workers=2, plugins=[recorded])


@pytest.mark.slow
def test_dask_workers_load_the_plugin_and_refuse_a_changed_one(
    tmp_path: Path, plugins: list[Path]
) -> None:
    """Dask's workers are spawned by its nannies: they load the files from the records."""
    distributed = pytest.importorskip("distributed")
    path = write_plugin(tmp_path, plugins)
    plugin = load_plugin(path)
    spec = ExperimentSpec.from_dict({**STUDY, "replicates": 1})
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        address = cluster.scheduler_address
        result = run_experiment(spec, tmp_path / "out", backend="dask", address=address)
        assert result.n_failed == 0, f"dask workers must load the plugin: {result.runs['error']}"
        manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
        assert manifest["plugins"][0]["sha256"] == plugin.sha256, "the manifest records it"

        other = write_plugin(tmp_path, plugins, "other.py", PLUGIN.replace(RULE, "other_rule"))
        recorded = load_plugin(other)
        other.write_text(PLUGIN.replace(RULE, "other_rule") + "\n# edited\n")
        with pytest.raises(SweepError, match=r"refused the study's plugins: .*other\.py"):
            run_experiment(
                spec, tmp_path / "out2", backend="dask", address=address,
                plugins=[plugin, recorded],
            )  # fmt: skip


def test_plugins_module_name_is_stable(tmp_path: Path) -> None:
    path = (tmp_path / "x-y.py").resolve()
    assert plugins_module.module_name(path) == plugins_module.module_name(path)
    assert plugins_module.module_name(path).startswith("msisim_plugin_x_y_")


def test_forked_workers_run_the_plugin_they_inherit(tmp_path: Path, plugins: list[Path]) -> None:
    """The local pool forks on Linux: workers inherit the loaded plugin (and its record)."""
    path = write_plugin(tmp_path, plugins)
    load_plugin(path)
    spec = ExperimentSpec.from_dict({**STUDY, "replicates": 1})
    result = run_experiment(spec, tmp_path / "out", workers=2)
    assert result.n_failed == 0, f"forked workers must know the rule: {result.runs['error']}"


def test_a_worker_without_the_file_refuses_in_one_line(tmp_path: Path) -> None:
    missing = Plugin(str(tmp_path / "gone.py"), "0" * 64)
    with pytest.raises(PluginError, match=r"^plugin .*gone\.py: no such file$"):
        runner_module.run_batch([], [missing])


def test_a_run_failing_inside_a_plugin_names_it(tmp_path: Path, plugins: list[Path]) -> None:
    # it fails in a room of more than 25 (the study's 30 seats), not on the small trial
    # forum the plugin is checked on when it loads (12 seats)
    failing = "if advocated.shape[0] > 25:\n        raise ArithmeticError('no mean today')\n"
    text = PLUGIN.replace("    return Decision(", "    " + failing + "    return Decision(")
    path = write_plugin(tmp_path, plugins, text=text)
    load_plugin(path)
    spec = ExperimentSpec.from_dict({**STUDY, "replicates": 1, "designs": {}})
    result = run_experiment(spec, tmp_path / "out", workers=1)
    error = result.runs["error"].iloc[0]
    assert error.startswith("ArithmeticError: no mean today (in plugin ") and "line 9" in error, (
        f"the failed run's error names the plugin and the line: {error}"
    )


def test_a_resume_matches_plugins_by_hash_and_names_what_differs(tmp_path: Path) -> None:
    from msisim.plugins import check_recorded_plugins

    kept = Plugin(str(tmp_path / "moved.py"), "a" * 64)
    recorded = [{"path": str(tmp_path / "rules.py"), "sha256": "a" * 64}]
    check_recorded_plugins(recorded, [kept], "out")  # the same bytes moved: the same code
    with pytest.raises(
        PluginError, match=r"rules\.py \(sha256 aaaaaaaaaaaa\): the file is missing"
    ):
        check_recorded_plugins(recorded, [], "out")
    with pytest.raises(PluginError, match=r"out was run without plugin .*extra\.py"):
        check_recorded_plugins(
            recorded, [kept, Plugin(str(tmp_path / "extra.py"), "b" * 64)], "out"
        )
