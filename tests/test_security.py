"""No config, study, designs file or override can name code to run (SECURITY.md, "Safe to open").

Every Hydra hook found in hydra-core 1.3 is tried from every kind of user input, each
aimed at a canary file: ``instantiate`` keys (``_target_``, ``_partial_``, ``_args_``,
``_recursive_``, ``_convert_``) reached through ``hydra.callbacks``, ``hydra.launcher`` and
``hydra.sweeper``; logging ``dictConfig`` (``class`` and ``()`` handlers) through
``hydra.job_logging`` and ``hydra.hydra_logging``; ``hydra.job.env_set`` (environment of the
job and its workers); ``hydra.searchpath`` (unchecked config folders); ``hydra.output_subdir``
and ``hydra.job.name`` (files written elsewhere); a ``hydra/`` folder in a config dir (which
replaces Hydra's own options with no override), ``# @package hydra...`` headers, defaults
entries naming ``hydra/`` groups or packages, ``--experimental-rerun`` (a pickle) and
OmegaConf resolvers (``${oc.env:...}`` copies a secret into the results). Each must be
refused in one line naming the input and the key, exit 2, with the canary intact and no
output written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from msisim.cli import main
from msisim.conf import RUN_HYDRA_KEYS, check_overrides
from msisim.study.checks import check_config_tree, check_no_code

CANARY_TEXT = "the canary must stay exactly as it is\n"
SECRET = "s3cr3t-value-never-written"


@pytest.fixture
def canary(tmp_path, monkeypatch) -> Path:
    """A file every hook below aims at; the test's working folder is an empty one."""
    path = tmp_path / "canary.txt"
    path.write_text(CANARY_TEXT)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("MSISIM_CONFIG_DIR", raising=False)
    monkeypatch.setenv("MSISIM_TEST_SECRET", SECRET)
    return path


def assert_refused(code: int, capsys, canary: Path, expect: list[str]) -> None:
    err = capsys.readouterr().err
    assert code == 2, f"a hook must be refused as bad input (exit 2), got {code}: {err}"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "error" in lines[0], f"one error line: {err}"
    for word in expect:
        assert word in lines[0], f"the message must name {word!r}: {lines[0]}"
    assert canary.read_text() == CANARY_TEXT, "the canary was touched: code ran"
    work = canary.parent / "work"
    assert not any(work.iterdir()), f"refused before writing anything: {list(work.iterdir())}"
    written = [p for p in canary.parent.rglob("*") if p.is_file() and SECRET in p.read_text()]
    assert not written, f"the secret was written out: {written}"


# --------------------------------------------------------------------------- config files

OPEN = "{_target_: builtins.open, file: '{c}', mode: w}"
HANDLER = "{class: logging.FileHandler, filename: '{c}', mode: w}"

#: (label, relative path in a --config-dir, body, words the message must hold). {c} is the canary.
FILES = [
    ("callbacks in a group file", "design/evil.yaml",
     "# @package _global_\nhydra:\n  callbacks:\n    x: " + OPEN + "\n",
     ["evil.yaml", "hydra"]),
    ("callbacks by package header", "design/evil.yaml",
     "# @package hydra.callbacks\nx: {_target_: builtins.open, file: '{c}', mode: w}\n",
     ["evil.yaml", "@package hydra.callbacks"]),
    ("job_logging class handler by header", "design/evil.yaml",
     "# @package hydra.job_logging\nversion: 1\nhandlers:\n  f: " + HANDLER + "\n",
     ["evil.yaml", "@package hydra.job_logging"]),
    ("job_logging () handler", "population/evil.yaml",
     "# @package _global_\nhydra:\n  job_logging:\n    handlers:\n      f: "
     + HANDLER.replace("class", "'()'") + "\n",
     ["evil.yaml", "key hydra"]),
    ("hydra_logging in a study", "experiment/evil.yaml",
     "name: evil\nhydra:\n  hydra_logging:\n    handlers:\n      f: " + HANDLER + "\n",
     ["evil.yaml", "key hydra"]),
    ("launcher in a study", "experiment/evil.yaml",
     "name: evil\nhydra:\n  launcher: {_target_: builtins.open, file: '{c}', mode: w}\n",
     ["evil.yaml", "hydra"]),
    ("sweeper in a study", "experiment/evil.yaml",
     "name: evil\nhydra:\n  sweeper: {_target_: builtins.open, file: '{c}', mode: w}\n",
     ["evil.yaml", "hydra"]),
    ("env_set and searchpath in a study", "experiment/evil.yaml",
     "name: evil\nhydra:\n  job: {env_set: {LD_PRELOAD: '{c}'}}\n  searchpath: ['file:///tmp']\n",
     ["evil.yaml", "key hydra"]),
    ("a hydra/ folder shadowing Hydra's logging", "hydra/job_logging/default.yaml",
     "version: 1\nhandlers:\n  f: {class: logging.FileHandler, filename: '{c}', mode: w}\n",
     ["holds hydra/"]),
    ("a hydra/ folder shadowing the launcher", "hydra/launcher/basic.yaml",
     "_target_: builtins.open\nfile: '{c}'\nmode: w\n", ["holds hydra/"]),
    ("defaults choosing a Hydra group", "experiment/evil.yaml",
     "defaults:\n  - override hydra/job_logging: disabled\n  - _self_\nname: evil\n",
     ["evil.yaml", "defaults.0"]),
    ("defaults filling a Hydra package", "design/evil.yaml",
     "defaults:\n  - /design/open@hydra.job_logging\nmembership: open\n",
     ["evil.yaml", "defaults.0"]),
    ("_target_ deep in a study", "experiment/evil.yaml",
     "name: evil\nbase: {n_stakeholders: 100}\ndesigns:\n  a: {x: [{_target_: os.system}]}\n",
     ["evil.yaml", "designs.a.x.0._target_"]),
    ("_partial_", "experiment/evil.yaml", "name: evil\nbase: {_partial_: true}\n",
     ["evil.yaml", "base._partial_"]),
    ("_args_", "design/evil.yaml", "_args_: ['{c}', w]\n", ["evil.yaml", "_args_"]),
    ("_recursive_", "lobbying/evil.yaml", "_recursive_: false\n", ["evil.yaml", "_recursive_"]),
    ("_convert_", "experiment/evil.yaml", "name: evil\nfactors: {_convert_: all}\n",
     ["evil.yaml", "factors._convert_"]),
    ("a python tag", "experiment/evil.yaml",
     "name: !!python/object/apply:builtins.open ['{c}', w]\n", ["evil.yaml"]),
    ("oc.env in a study", "experiment/evil.yaml",
     "name: evil\ntitle: '${oc.env:MSISIM_TEST_SECRET}'\n", ["evil.yaml", "title", "oc.env"]),
    ("oc.env with spaces", "experiment/evil.yaml",
     "name: evil\ntitle: '${ oc.env :MSISIM_TEST_SECRET}'\n", ["evil.yaml", "oc.env"]),
    ("a computed resolver name", "experiment/evil.yaml",
     "name: evil\nr: env\ntitle: '${oc.${r}:MSISIM_TEST_SECRET}'\n", ["evil.yaml", "computed"]),
    ("oc.create building a target", "experiment/evil.yaml",
     "name: evil\ntitle: '${oc.create:{_target_: os.system}}'\n", ["evil.yaml", "oc.create"]),
    ("oc.decode", "experiment/evil.yaml",
     "name: evil\ntitle: '${oc.decode:\"1\"}'\n", ["evil.yaml", "oc.decode"]),
    ("run.yaml with a changed hydra block", "run.yaml", None, ["run.yaml", "key hydra"]),
]  # fmt: skip


def _write_tree(root: Path, relative: str, body: str | None, canary: Path) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if body is None:
        from msisim.conf import packaged_config_dir

        body = (packaged_config_dir() / relative).read_text()  # msisim's own, then changed
        body = body.replace("chdir: false", "chdir: false\n    env_set: {LD_PRELOAD: '{c}'}")
        assert "env_set" in body, "the shipped run.yaml has changed: update this case"
    path.write_text(body.replace("{c}", str(canary)))
    (root / "experiment").mkdir(exist_ok=True)
    if not (root / "experiment" / "evil.yaml").exists():  # a study to ask for
        (root / "experiment" / "evil.yaml").write_text("name: evil\n")


@pytest.mark.parametrize(("label", "relative", "body", "expect"), FILES, ids=[f[0] for f in FILES])
def test_a_config_dir_naming_code_is_refused_by_run_and_experiment(
    canary, capsys, label, relative, body, expect
):
    root = canary.parent / "cfg"
    _write_tree(root, relative, body, canary)
    group = relative.split("/")[0]
    choice = [f"{group}=evil"] if group in ("design", "population", "lobbying") else []
    code = main(["run", "-cd", str(root), *choice, "replicates=1", "steps=2"])
    assert_refused(code, capsys, canary, expect)
    code = main(["experiment", "evil", "--config-dir", str(root), "--quick"])
    assert_refused(code, capsys, canary, expect)


def test_a_run_config_given_by_config_path_is_checked(canary, capsys):
    root = canary.parent / "runcfg"
    root.mkdir()
    (root / "mine.yaml").write_text(
        f"hydra:\n  callbacks:\n    x: {{_target_: builtins.open, file: '{canary}', mode: w}}\n"
    )
    code = main(["run", "--config-path", str(root), "--config-name", "mine"])
    assert_refused(code, capsys, canary, ["mine.yaml", "hydra"])
    code = main(["run", "--config-path", "pkg://hydra.conf", "--config-name", "config"])
    assert_refused(code, capsys, canary, ["--config-path", "pkg://"])


def test_a_designs_file_naming_code_is_refused(canary, capsys):
    designs = canary.parent / "designs.yaml"
    designs.write_text("mine: {membership: open, _target_: os.system}\n")
    code = main(["compare", "example", "--designs", str(designs), "--quick"])
    assert_refused(code, capsys, canary, ["designs.yaml", "mine._target_"])
    designs.write_text("mine: {membership: '${oc.env:MSISIM_TEST_SECRET}'}\n")
    code = main(["compare", "example", "--designs", str(designs), "--quick"])
    assert_refused(code, capsys, canary, ["designs.yaml", "oc.env"])


# --------------------------------------------------------------------------- overrides

RUN_OVERRIDES = [
    ("+hydra.callbacks.x={_target_:builtins.open,file:'{c}',mode:w}", ["_target_"]),
    ("hydra.callbacks.combine_runs._target_=builtins.print", ["_target_"]),
    ("~hydra.callbacks", ["hydra.callbacks"]),
    ("hydra.job_logging.handlers.file.filename='{c}'", ["hydra.job_logging"]),
    ("+hydra.job_logging.handlers.x={class:logging.FileHandler,filename:'{c}',mode:w}",
     ["hydra.job_logging"]),
    ("+hydra.hydra_logging.handlers.x={'()':logging.FileHandler,filename:'{c}'}", ["viable"]),
    ("+hydra.hydra_logging.handlers.x.class=logging.FileHandler", ["hydra.hydra_logging"]),
    ("hydra/job_logging=disabled", ["hydra/job_logging"]),
    ("hydra/hydra_logging=hydra_debug", ["hydra/hydra_logging"]),
    ("hydra/launcher=basic", ["hydra/launcher"]),
    ("hydra/sweeper=basic", ["hydra/sweeper"]),
    ("hydra.launcher._target_=builtins.open", ["_target_"]),
    ("hydra.searchpath=[file:///tmp]", ["hydra.searchpath"]),
    ("+hydra.job.env_set.LD_PRELOAD='{c}'", ["hydra.job.env_set"]),
    ("hydra.job.env_copy=[MSISIM_TEST_SECRET]", ["hydra.job.env_copy"]),
    ("hydra.output_subdir='{c}'", ["hydra.output_subdir"]),
    ("hydra.job.name=x", ["hydra.job.name"]),
    ("design@hydra.job_logging=open", ["design@hydra.job_logging"]),
    ("hydra.run={dir:x}", ["hydra.run"]),
    ("hydra.run.dir={a:1}", ["hydra.run.dir"]),
    ("+_target_=os.system", ["_target_"]),
    ("++_partial_=true", ["_partial_"]),
    ("+params.lobby_ideal={_args_:[1]}", ["_args_"]),
    ("params.epsilon=${oc.env:MSISIM_TEST_SECRET}", ["oc.env"]),
    ("+X=1", ["'X'"]),
    ("+replicate=3", ["did you mean 'replicates'"]),
]  # fmt: skip


@pytest.mark.parametrize(("override", "expect"), RUN_OVERRIDES, ids=[o for o, _ in RUN_OVERRIDES])
def test_run_overrides_naming_code_or_hydra_settings_are_refused(canary, capsys, override, expect):
    code = main(["run", override.replace("{c}", str(canary)), "replicates=1", "steps=2"])
    assert_refused(code, capsys, canary, [override.split("=")[0][:20], *expect])


def test_run_flags_that_load_pickles_are_refused(canary, capsys):
    code = main(["run", "--experimental-rerun", str(canary)])
    assert_refused(code, capsys, canary, ["--experimental-rerun"])


EXPERIMENT_OVERRIDES = [
    ("hydra.run.dir=x", ["hydra.run.dir", "--out"]),
    ("+hydra.callbacks.x={_target_:builtins.open,file:'{c}',mode:w}", ["_target_"]),
    ("hydra/launcher=basic", ["hydra/launcher"]),
    ("+base._target_=os.system", ["_target_"]),
    ("+designs.evil={_target_:os.system}", ["_target_"]),
    ("title=${oc.env:MSISIM_TEST_SECRET}", ["oc.env"]),
    ("title='${oc.env:MSISIM_TEST_SECRET}'", ["oc.env"]),
    ("+base={hydra:{verbose:true}}", ["hydra"]),
    ("+X=1", ["X"]),
    ("+replicate=3", ["did you mean 'replicates'"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("override", "expect"), EXPERIMENT_OVERRIDES, ids=[o for o, _ in EXPERIMENT_OVERRIDES]
)
def test_experiment_overrides_naming_code_or_hydra_settings_are_refused(
    canary, capsys, override, expect
):
    override = override.replace("{c}", str(canary))
    code = main(["experiment", "bollow_comparison", "--quick", override])
    assert_refused(code, capsys, canary, expect)


def test_every_hydra_setting_but_the_output_folders_is_refused_as_an_override():
    """Every field of Hydra's own config (read from hydra.conf, so a new one is covered)."""
    from hydra.conf import HydraConf, JobConf

    keys = [f"hydra.{f.name}" for f in dataclasses.fields(HydraConf)]
    keys += [f"hydra.job.{f.name}" for f in dataclasses.fields(JobConf)]
    assert len(keys) > 20, keys
    for key in keys:
        if key in RUN_HYDRA_KEYS:
            continue
        for override in (f"{key}=1", f"+{key}.x=1", f"~{key}"):
            with pytest.raises(ValueError, match="refused"):
                check_overrides([override], RUN_HYDRA_KEYS)
    conf = Path(__import__("hydra").__file__).parent / "conf" / "hydra"
    groups = sorted(p.name for p in conf.iterdir() if p.is_dir())
    assert {"job_logging", "hydra_logging", "output"} <= set(groups), groups
    for group in [*groups, "launcher", "sweeper", "callbacks"]:
        with pytest.raises(ValueError, match="refused"):
            check_overrides([f"hydra/{group}=default"], RUN_HYDRA_KEYS)


def test_what_stays_allowed(tmp_path):
    import shutil

    from msisim.conf import packaged_config_dir

    check_config_tree(packaged_config_dir())  # msisim's own run.yaml keeps its settings
    shutil.copytree(packaged_config_dir(), tmp_path / "copy")
    check_config_tree(tmp_path / "copy")  # so does an unchanged copy of the tree
    check_overrides(["hydra.run.dir=out/x", "hydra.sweep.dir=out/m", "hydra.verbose=true"],
                    RUN_HYDRA_KEYS)  # fmt: skip
    check_overrides(["title=${base.n_stakeholders}", "+base.n_seats=5", "replicates=2"])
    check_no_code({"title": "${now:%Y}", "base": {"x": "${.y}"}}, "f.yaml")
    with pytest.raises(ValueError, match="not a setting msisim ships"):
        check_no_code({"hydra": {"job": {"env_set": {"A": "1"}}}}, "run.yaml", shipped=True)
    with pytest.raises(ValueError, match="_target_"):
        run = {"hydra": {"callbacks": {"combine_runs": {"_target_": "os.system"}}}}
        check_no_code(run, "run.yaml", shipped=True)
