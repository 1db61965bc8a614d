# ruff: noqa: E501  (the tables read best one case per line)
"""A hostile user's inputs: every one refused before work starts, or warned about, in one line.

Tables of bad inputs (study specs, sweep options, YAML files, CLI calls), then the store
under attack: two writers released at the same moment, stray and tampered result parts,
results that disagree with their manifest, a full disk, a killed parent, a Dask cluster
that loses its last worker. ``test_the_count_of_refused_inputs`` keeps the tally that
SECURITY.md quotes.
"""

import json
import math
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

import msisim.study.store as store_module
from msisim import Params
from msisim.cli import _one_line, load_experiment, main
from msisim.study.checks import check_run_params, check_yaml_file
from msisim.study.runner import SweepError, check_run_options, run_experiment
from msisim.study.spec import ExperimentSpec
from msisim.study.store import FolderBusyError, ResultStore, verify_results

MSISIM = str(Path(sys.executable).parent / "msisim")

TINY = {
    "name": "tiny",
    "base": {"n_stakeholders": 60, "n_seats": 12},
    "factors": {"lobby_budget": [0.0, 1.0]},
    "replicates": 2,
    "steps": 4,
    "batch_size": 2,
}


def tiny(**over) -> ExperimentSpec:
    return ExperimentSpec.from_dict({**TINY, **over})


def one_line(message: str) -> None:
    assert "\n" not in message.strip(), f"one line: {message}"


# --------------------------------------------------------------------------- study specs

ALL_CATEGORY = {
    "name": "all", "share": 1.0, "position_mean": [0.5, 0.5], "spread": 0.1,
    "resources_mu": 0, "resources_sigma": 0.1, "affectedness": 1, "engagement": 0.5,
}  # fmt: skip

SPEC_CASES = [
    ({"base": {"shocks": [{"step": 50, "category": "all", "shift": [0.1]}]}}, ["shock.step=50", "last step"]),
    ({"base": {"categories": [ALL_CATEGORY]}}, ["category name", "'all'"]),
    ({"sampler": "lhs", "factors": {"n_lobbyists": {"low": 0.2, "high": 0.8, "integer": True}}}, ["n_lobbyists", "no whole number"]),
    ({"sampler": "lhs", "factors": {"n_lobbyists": {"low": 0, "high": 3, "integer": "yes"}}}, ["integer"]),
    ({"outcomes": ["lobby_bais"]}, ["lobby_bais", "did you mean 'lobby_bias'"]),
    ({"outcomes": ["rose", 7]}, ["7", "not an outcome"]),
    ({"outcomes": ["policy_9"]}, ["'policy_9' is not recorded", "policy_0, policy_1"]),
    ({"outcomes": ["representation_farmers"]}, ["'representation_farmers'", "representation_grassroots"]),
    ({"outcomes": ["score.government.bogus"]}, ["'score.government.bogus'", "score.ARENA.PRINCIPLE"]),
    ({"capture_threshold": math.nan}, ["capture_threshold", "finite"]),
    ({"capture_threshold": math.inf}, ["capture_threshold", "finite"]),
    ({"capture_threshold": "high"}, ["capture_threshold"]),
    ({"steps": 20_000_000}, ["steps", "10000000"]),
    ({"seed": -1}, ["seed=-1"]),
    ({"seed": 2**64}, ["seed=", "[0,"]),
    ({"seed": 1.5}, ["seed=1.5"]),
    ({"replicates": 10**9}, ["replicates"]),
    ({"designs": {"a": {"n_seats": 5000}}}, ["design a", "n_seats"]),
    ({"factors": {"n_seats": [12, 500]}}, ["n_seats=500"]),
    # base values every design or a factor replaces are still checked
    ({"base": {**TINY["base"], "membership": "bogus"}, "designs": {"rep": {"membership": "representative"}, "open": {"membership": "open"}}}, ["base.membership='bogus'", "every design replaces it", "'representative'"]),
    ({"base": {**TINY["base"], "lobby_budget": -1}}, ["base.lobby_budget=-1", "a factor replaces it", "[0,"]),
    ({"base": {**TINY["base"], "lobby_budget": "a"}}, ["base.lobby_budget='a'", "must be a number"]),
    ({"base": {**TINY["base"], "epsilon": math.nan}, "designs": {"a": {"epsilon": 0.1}, "b": {"epsilon": 0.2}}}, ["base.epsilon=nan", "finite"]),
]  # fmt: skip


@pytest.mark.parametrize(("over", "expect"), SPEC_CASES)
def test_study_specs_refuse_bad_input_before_any_run(over, expect):
    with pytest.raises(ValueError) as err:
        tiny(**over)
    message = str(err.value)
    one_line(message)
    for word in expect:
        assert word in message, f"the message must say {word!r}: {message}"


# parameters without effect under the chosen design: a warning naming the design
WARN_CASES = [
    ({"seats_per_category": {"grassroots": 12}}, ["seats_per_category", "seat_allocation='equal'"]),
    ({"membership": "sortition", "seat_allocation": "explicit", "seats_per_category": {"grassroots": 12}}, ["seats_per_category", "sortition"]),
    ({"participation_support": {"grassroots": 0.5}}, ["participation_support", "membership='representative'"]),
    ({"n_lobbyists": 0, "lobby_budget": 2.0}, ["lobby_budget=2", "n_lobbyists=0"]),
    ({"membership": "open", "term_length": 5}, ["term_length", "membership='open'"]),
    ({"membership": "plenary", "selection": "merit"}, ["selection", "membership='plenary'"]),
    ({"consultation_weight": 0.9}, ["consultation_weight", "membership='representative'"]),
    ({"support_radius": 0.4}, ["support_radius", "decision_rule='weighted_mean'"]),
    ({"astroturf_share": 0.2, "lobby_budget": 1.0}, ["astroturf_share", "membership='representative'"]),
    ({"stratified": True}, ["stratified", "membership='representative'"]),
    ({"lobby_strategy": "swing"}, ["lobby_strategy", "lobby_budget=0"]),
]  # fmt: skip


@pytest.mark.parametrize(("base", "expect"), WARN_CASES)
def test_parameters_a_design_ignores_are_warned_about_naming_the_design(base, expect):
    notes = check_run_params(Params.from_flat(n_stakeholders=60, n_seats=12, **base))
    assert notes, f"{base} must be warned about"
    text = " | ".join(notes)
    for word in expect:
        assert word in text, f"the warning must say {word!r}: {text}"
    spec = tiny(base={**TINY["base"], **base})
    assert spec.notes(), "a study built with it carries the warning"


# a factor's level without effect: a warning naming the factor and the level
BOLLOW_LIKE = {"designs": {"rep": {"membership": "representative"}, "open": {"membership": "open"}},
               "factors": {"lobby_budget": [0.0, 0.5], "lobby_strategy": ["adaptive", "allies"]},
               "design_factors": ["lobby_budget", "lobby_strategy"]}  # fmt: skip
FACTOR_WARN_CASES = [
    ({**BOLLOW_LIKE, "base": {**TINY["base"], "n_lobbyists": 0}}, ["factor lobby_budget=0.5", "n_lobbyists=0"]),
    ({**BOLLOW_LIKE, "base": {**TINY["base"], "lobby_budget": 1.0, "n_lobbyists": 0}, "factors": {"lobby_strategy": ["adaptive", "allies"]}, "design_factors": ["lobby_strategy"]}, ["lobby_budget=1", "n_lobbyists=0"]),
    ({"factors": {"seats_per_category": [{"grassroots": 6}, {"grassroots": 4}]}}, ["factor seats_per_category={'grassroots': 6}", "seat_allocation='equal'"]),
    ({"base": {**TINY["base"], "membership": "open"}, "factors": {"term_length": [3, 5]}}, ["factor term_length=3", "membership='open'"]),
    ({**BOLLOW_LIKE, "factors": {"lobby_budget": [0.0], "lobby_strategy": ["adaptive", "allies"]}}, ["factor lobby_strategy=allies", "lobby_budget=0"]),
]  # fmt: skip


@pytest.mark.parametrize(("over", "expect"), FACTOR_WARN_CASES)
def test_a_factor_level_without_effect_is_warned_about_naming_the_level(over, expect):
    text = " | ".join(tiny(**over).notes())
    for word in expect:
        assert word in text, f"the warning must say {word!r}: {text!r}"


def test_a_design_factor_acting_somewhere_is_not_warned_about():
    spec = tiny(**BOLLOW_LIKE)  # lobby_strategy idle at budget 0 only: compared on purpose
    assert spec.notes() == (), spec.notes()


def test_a_study_warning_names_the_design_and_is_logged_before_work(tmp_path, caplog):
    spec = tiny(designs={"open": {"membership": "open", "term_length": 5}, "rep": {}})
    assert any(n.startswith("design open: term_length") for n in spec.notes()), spec.notes()
    with caplog.at_level("WARNING"):
        run_experiment(spec, tmp_path / "out", workers=1)
    assert "design open: term_length has no effect" in caplog.text, "logged before runs"


def test_the_default_parameters_raise_no_warning():
    assert check_run_params(Params()) == [], "defaults must be silent"


# --------------------------------------------------------------------------- sweep options

OPTION_CASES = [
    ({"run_timeout": math.nan}, ["run_timeout=nan", "finite"]),
    ({"run_timeout": math.inf}, ["run_timeout=inf"]),
    ({"run_timeout": 0}, ["run_timeout=0", "> 0"]),
    ({"run_timeout": -5.0}, ["run_timeout=-5.0"]),
    ({"run_timeout": "5"}, ["run_timeout='5'"]),
    ({"address": "tcp://127.0.0.1:8786"}, ["--address", "--backend dask"]),
    ({"workers": 0}, ["workers=0"]),
    ({"workers": 2.5}, ["workers=2.5"]),
    ({"backend": "ray"}, ["backend='ray'", "local"]),
    ({"backend": "dask", "address": "tcp://"}, ["'tcp://'", "host and a port", "tcp://HOST:PORT"]),
    ({"backend": "dask", "address": "foo:bar"}, ["'foo:bar'", "host and a port"]),
    ({"backend": "dask", "address": "127.0.0.1:0"}, ["'127.0.0.1:0'", "1 to 65535"]),
    ({"backend": "dask", "address": "http://127.0.0.1:8787"}, ["http:// is not a Dask scheme"]),
    ({"backend": "dask", "address": ""}, ["--address ''", "empty"]),
]


@pytest.mark.parametrize(("over", "expect"), OPTION_CASES)
def test_sweep_options_are_refused_before_any_run(tmp_path, over, expect):
    options = {"backend": "local", "workers": 1, "address": None, "run_timeout": None, **over}
    with pytest.raises(ValueError) as err:
        check_run_options(**options)
    for word in expect:
        assert word in str(err.value), f"the message must say {word!r}: {err.value}"
    with pytest.raises(ValueError):
        run_experiment(tiny(), tmp_path / "out", **options)
    assert not (tmp_path / "out").exists(), "refused before the folder is touched"


def test_workers_are_capped_at_the_batches_and_the_cores(monkeypatch):
    monkeypatch.delenv("MSISIM_MAX_WORKERS", raising=False)
    cores = multiprocessing.cpu_count()
    workers, notes = check_run_options("local", 1000, None, None, n_batches=4)
    assert workers == min(4, cores), "never more workers than batches, nor than cores"
    binding = "1000 workers for 4 batch" if cores >= 4 else "--workers 1000 is more than"
    assert any(binding in n for n in notes), f"one warning names the binding limit: {notes}"
    workers, notes = check_run_options("local", cores + 1, None, None)
    assert workers == cores, f"capped at the {cores} cores unless MSISIM_MAX_WORKERS allows more"
    assert any("MSISIM_MAX_WORKERS" in n and f"--workers {cores + 1}" in n for n in notes), notes
    monkeypatch.setenv("MSISIM_MAX_WORKERS", str(cores + 1))
    workers, notes = check_run_options("local", cores + 1, None, None)
    assert workers == cores + 1, "asked for explicitly: started"
    assert any("compete for the cores" in n for n in notes), f"still warned: {notes}"
    assert check_run_options("local", None, None, None, n_batches=1) == (1, []), "default: quiet"


# --------------------------------------------------------------------------- YAML

HEADER = "# @package _global_\ndefaults:\n  - /experiment_schema\n  - _self_\n\n"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(5)
)

YAML_CASES = [
    ("name: broken\nquick:\n  " + BOMB.replace("\n", "\n  ").rstrip() + "\n", ["alias", "broken.yaml"]),
    ("name: broken\nbase: &b {n_stakeholders: 100}\nquick: {base: *b}\n", ["alias *b", "broken.yaml:"]),
    ("name: broken\nreplicates: 2\nreplicates: 3\n", ["duplicate key 'replicates'", "broken.yaml:8"]),
    ("name: broken\nbase: {n_seats: 5, n_seats: 6}\n", ["duplicate key 'n_seats'"]),
    ("name: broken\ncapture_threshold: .nan\n", ["capture_threshold"]),
    ("name: broken\noutcomes: [lobby_bais]\n", ["lobby_bais"]),
    ("name: broken\nsteps: 10\nbase: {shocks: [{step: 11, category: all, shift: [0.1]}]}\n", ["shock.step=11"]),
    ("name: broken\nsampler: lhs\nfactors: {n_lobbyists: {low: 1.2, high: 1.8, integer: true}}\n", ["no whole number"]),
    ("name: broken\nseed: -4\n", ["seed=-4"]),
    ("name: broken\nsteps: 20000000\n", ["steps=20000000"]),
    ("name: broken\nbase: {membership: bogus}\ndesigns: {a: {membership: open}, b: {membership: plenary}}\n", ["base.membership='bogus'", "every design"]),
    # messages a user understands: the file, the key and the allowed form
    ("name: broken\nbase: {epsilon: a}\n", ["broken.yaml", "base.epsilon='a'", "must be a number"]),
    ("name: broken\ntitle: ???\n", ["broken.yaml", "key title is '???'", "give the value"]),  # merged away
    ("name: broken\nsteps: a\n", ["broken.yaml: steps: 'a' is not a whole number", "(steps must be a whole number in [1, 10000000])"]),
    ("name: broken\nreplicates: 1.5\n", ["broken.yaml: replicates: 1.5 is not a whole number", "[1, 1000000]"]),
    ("name: broken\nseed: x\n", ["broken.yaml: seed: 'x' is not a whole number", "[0, 2^63 - 1]"]),
    ("name: broken\nsteps: [10, 20]\n", ["broken.yaml: steps: a list is not a whole number"]),
    ("name: broken\ncollect_series: maybe\n", ["broken.yaml: collect_series: 'maybe' is not true or false"]),
    ("name: broken\ntitle: {a: 1}\n", ["broken.yaml: title: a mapping is not a text"]),
    ("name: broken\ncapture_threshold: high\n", ["broken.yaml: capture_threshold: 'high' is not a number", "a finite number"]),
    ("name: broken\nsampler: lhs\nfactors: {epsilon: {low: a, high: 0.3}}\n", ["factor epsilon", "low='a'", "must be a number"]),
    ("name: broken\nbase: [1, 2]\n", ["broken.yaml", "base is a list", "must be a mapping", "base: {n_stakeholders: 100}"]),
    ("name: broken\ndesigns: {a: [1, 2]}\n", ["broken.yaml", "designs.a is a list", "designs: {open: {membership: open}}"]),
    ("name: broken\ncontexts: [[1, 2]]\n", ["broken.yaml", "contexts.0 is a list", "contexts: [{lobby_budget: 1.0}]"]),
    ("name: broken\noutcomes: rose\n", ["broken.yaml", "outcomes is the value 'rose'", "must be a list"]),
    ("replicates: 2\n", ["broken.yaml", "name is missing", "name: my_study"]),
    ("name: broken\ntitle: ${question}\nquestion: ${title}\n", ["broken.yaml", "title: the interpolation ${question} leads back to title", "(title -> question -> title)"]),
    ("name: broken\nbase: {categories: " + "[" * 3000 + "]" * 3000 + "}\n", ["broken.yaml:", "nested more than 50 levels"]),
]  # fmt: skip


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    import shutil

    target = tmp_path / "configs"
    shutil.copytree(Path(__file__).resolve().parents[1] / "configs", target)
    monkeypatch.setenv("MSISIM_CONFIG_DIR", str(target))
    return target


@pytest.mark.parametrize(("body", "expect"), YAML_CASES)
def test_yaml_configs_are_refused_before_hydra_composes_them(config_dir, body, expect):
    (config_dir / "experiment" / "broken.yaml").write_text(HEADER + body)
    start = time.monotonic()
    with pytest.raises(Exception) as err:
        load_experiment("broken", [], quick=False)
    assert time.monotonic() - start < 30, "refused at once, not after expanding anything"
    message = _one_line(err.value)
    for word in expect:
        assert word in message, f"the message must say {word!r}: {message}"


# a config group file (any folder but maps/) is a mapping; Hydra's message named no file
GROUP_FILE_CASES = [
    ("design/listy.yaml", "- membership\n- open\n", ["design/listy.yaml", "the file is a list", "membership: open"]),
    ("population/scalar.yaml", "5\n", ["population/scalar.yaml", "a single value"]),
    ("lobbying/deep.yaml", "x: " + "[" * 200 + "]" * 200 + "\n", ["lobbying/deep.yaml:1", "nested more than 50"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body", "expect"), GROUP_FILE_CASES)
def test_group_files_are_refused_naming_the_file(config_dir, name, body, expect):
    (config_dir / name).write_text(body)
    with pytest.raises(ValueError) as err:
        load_experiment("bollow_comparison", [], quick=True)
    message = _one_line(err.value)
    for word in expect:
        assert word in message, f"the message must say {word!r}: {message}"


# msisim run's config group files: an interpolation cycle names every file of the cycle
RUN_GROUP_CASES = [
    ({"design/cyc.yaml": "# @package params\nmembership: ${params.selection}\nselection: ${params.membership}\n"}, ["design=cyc"], ["design/cyc.yaml: params.membership: the interpolation ${params.selection} leads back", "(params.membership -> params.selection -> params.membership)"]),
    ({"design/half.yaml": "# @package params\nmembership: ${params.selection}\n", "lobbying/half.yaml": "# @package params\nselection: ${params.membership}\n"}, ["design=half", "lobbying=half"], ["design/half.yaml, ", "lobbying/half.yaml: params.membership", "leads back"]),
    ({"design/miss.yaml": "# @package params\nmembership: ${params.nothere}\n"}, ["design=miss"], ["design/miss.yaml: params.membership:", "'params.nothere' not found"]),
    ({"design/nohead.yaml": "membership: open\n"}, ["design=nohead"], ["design/nohead.yaml:", "'# @package params'", "land under 'design.'"]),
    ({"design/badval.yaml": "# @package params\nepsilon: a\n"}, ["design=badval"], ["design/badval.yaml: params.epsilon: 'a' is not a number", "[0, 10]"]),
    ({"design/typo.yaml": "# @package params\nepsilonn: 0.1\n"}, ["design=typo"], ["design/typo.yaml: 'epsilonn' is not a model parameter", "did you mean 'epsilon'"]),
]  # fmt: skip


@pytest.mark.parametrize(("files", "overrides", "expect"), RUN_GROUP_CASES)
def test_run_group_files_name_the_file_of_a_bad_interpolation(tmp_path, files, overrides, expect):
    from msisim.cli import check_run_overrides

    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    with pytest.raises(ValueError) as err:
        check_run_overrides([*overrides, "steps=2"], tmp_path)
    message = str(err.value)
    one_line(message)
    for word in expect:
        assert word in message, f"the message must say {word!r}: {message}"


def test_a_run_group_file_with_a_defaults_list_is_composed(tmp_path):
    """A group file may extend another with Hydra's ``defaults:`` list: not a parameter."""
    from msisim.cli import check_run_overrides

    (tmp_path / "design").mkdir()
    (tmp_path / "design" / "mine.yaml").write_text(
        "# @package params\ndefaults:\n  - sortition\nepsilon: 0.2\n"
    )
    check_run_overrides(["design=mine", "steps=2"], tmp_path)  # accepted, no error


def test_an_alias_bomb_is_refused_without_expanding_it(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert len(BOMB) < 600, "a few hundred bytes that expand to 10^6 leaves"
    with pytest.raises(ValueError, match="alias"):
        check_yaml_file(path)


def test_shipped_configs_pass_the_yaml_checks():
    from msisim.conf import config_dir
    from msisim.study.checks import check_config_tree

    check_config_tree(config_dir())


# --------------------------------------------------------------------------- CLI

DASK = ["experiment", "bollow_comparison", "--backend", "dask"]
CLI_CASES = [
    (["experiment", "bollow_comparison", "title=???"], 2, ["title=???", "the value is '???'"]),
    (["experiment", "bollow_comparison", "--run-timeout", "nan"], 2, ["--run-timeout", "nan"]),
    (["experiment", "bollow_comparison", "--run-timeout", "0"], 2, ["--run-timeout"]),
    (["experiment", "bollow_comparison", "--run-timeout", "-3"], 2, ["--run-timeout"]),
    (["experiment", "bollow_comparison", "--run-timeout", "inf"], 2, ["--run-timeout"]),
    (["experiment", "bollow_comparison", "--address", "tcp://127.0.0.1:1"], 2, ["--backend dask"]),
    (
        [*DASK, "--address", "http://127.0.0.1:8787"],
        2,
        ["http://127.0.0.1:8787", "tcp://HOST:PORT"],
    ),
    (["experiment", "bollow_comparison", "outcomes=[lobby_bais]"], 2, ["lobby_bais"]),
    (["experiment", "bollow_comparison", "steps=20000000"], 2, ["steps"]),
    (
        ["experiment", "bollow_comparison", "report=bolow_comparison"],
        2,
        ["report:", "'bolow_comparison'", "did you mean 'bollow_comparison'"],
    ),
    (["experiment", "bollow_comparison", "seed=-1"], 2, ["seed=-1"]),
    (["run", "replicates=abc"], 2, ["replicates"]),
    (["run", "hydra.run.dir=/dev/null", "replicates=1", "steps=2"], 2, ["/dev/null"]),
    # nothing silently ignored: a key given twice, an empty output folder
    (
        ["run", "params.n_seats=12", "params.n_seats=13", "steps=2"],
        2,
        ["'params.n_seats=13'", "already set", "once"],
    ),
    (
        ["experiment", "bollow_comparison", "base.n_stakeholders=100", "base.n_stakeholders=200"],
        2,
        ["base.n_stakeholders=200", "already set"],
    ),
    (
        ["run", "hydra.run.dir=", "replicates=1", "steps=2"],
        2,
        ["'hydra.run.dir='", "empty", "current folder"],
    ),
    (
        ["run", "-m", "hydra.sweep.dir=", "replicates=1", "steps=2"],
        2,
        ["'hydra.sweep.dir='", "empty"],
    ),
    (["experiment", "bollow_comparison", "--quick", "--out", ""], 2, ["--out ''", "empty"]),
    (["compare", "example", "--quick", "--out", ""], 2, ["--out ''", "empty"]),
    # messages a user understands: the key as given, its source and the allowed form
    (
        ["run", "params.epsilon=a", "steps=2"],
        2,
        [
            "override 'params.epsilon=a'",
            "params.epsilon: 'a' is not a number",
            "(params.epsilon must be a number in [0, 10])",
        ],
    ),
    (
        ["run", "seed=x", "steps=2"],
        2,
        ["override 'seed=x'", "seed: 'x' is not a whole number", "[0, 2^63 - 1]"],
    ),
    (
        ["run", "params.n_seats=[1,2]", "steps=2"],
        2,
        ["params.n_seats: a list is not a whole number", "in [1, 2000000]"],
    ),
    (
        ["run", "-m", "params.epsilon=0.1,a", "steps=2"],
        2,
        ["override 'params.epsilon=0.1,a'", "params.epsilon: 'a' is not a number"],
    ),
    (
        ["run", "params.seats_per_category=[1,2]", "steps=2"],
        2,
        ["params.seats_per_category=[1, 2]", "mapping", "override"],
    ),
    (
        ["run", "params.categories={a:1}", "steps=2"],
        2,
        ["params.categories.a=1", "mapping of the category's fields"],
    ),
    (
        ["experiment", "bollow_comparison", "+base.epsilon=a"],
        2,
        ["override '+base.epsilon=a'", "base.epsilon: 'a' is not a number", "[0, 10]"],
    ),
    (
        ["experiment", "bollow_comparison", "base.epsilon=a"],
        2,
        [
            "override 'base.epsilon=a'",
            "base.epsilon: 'a' is not a number",
            "must be a number in [0, 10]",
            "add it with a + ('+base.epsilon=a')",
        ],
    ),
    (
        ["experiment", "bollow_comparison", "stepz=3"],
        2,
        ["override 'stepz=3'", "a study has no key 'stepz'", "did you mean 'steps'"],
    ),
    (
        ["experiment", "bollow_comparison", "+base.n_stakeholders=50"],
        2,
        ["sets base.n_stakeholders already", "without the + ('base.n_stakeholders=50')"],
    ),
    (
        ["experiment", "bollow_comparison", "steps.x=1"],
        2,
        ["override 'steps.x=1'", "steps is the value", "not a mapping"],
    ),
    (
        ["experiment", "bollow_comparison", "base=[1,2]"],
        2,
        ["override 'base=[1,2]'", "base is a list", "must be a mapping"],
    ),
    (
        ["experiment", "bollow_comparison", "contexts=[[1]]"],
        2,
        ["contexts.0 is a list", "contexts: [{lobby_budget: 1.0}]"],
    ),
]


@pytest.mark.parametrize(("args", "code", "expect"), CLI_CASES)
def test_cli_refuses_bad_options_in_one_line(tmp_path, args, code, expect):
    proc = subprocess.run([MSISIM, *args], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "COLUMNS": "300"}, timeout=300)  # fmt: skip
    assert proc.returncode == code, f"exit {code} for bad input: {proc.returncode} {proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if "error" in ln]
    assert len(errors) == 1, f"one error line: {proc.stderr}"
    for word in expect:
        assert word in proc.stderr, f"the message must say {word!r}: {proc.stderr}"
    assert not list(tmp_path.rglob("runs.parquet")), "refused before any run"


# stakeholder maps (msisim map, compare, stakeholder_map=): file, row and column named
MAP_HEADER = "group,category,size,power,interest\n"
MAP_CASES = [
    ("nul.csv", MAP_HEADER + "far\x00mers,grassroots,10,0.5,0.5\n", ["nul.csv, row 2", "column 'group'", "'\\x00'"]),
    ("escape.csv", MAP_HEADER + "biz\x1b[2J,business,10,0.5,0.5\n", ["escape.csv, row 2", "column 'group'", "control character"]),
    ("tab.yaml", 'groups:\n  - {group: "a\\tb", category: grassroots, size: 10, power: 0.5, interest: 0.5}\n', ["tab.yaml, entry 1", "column 'group'", "'\\t'"]),
    ("letter.csv", MAP_HEADER + "farmers,grassroots,a,0.5,0.5\n", ["letter.csv, row 2", "column 'size'", "'a' is not a number"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "expect"), MAP_CASES, ids=[c[0] for c in MAP_CASES])
def test_stakeholder_maps_are_refused_naming_file_row_and_column(
    tmp_path, capsys, name, text, expect
):
    path = tmp_path / name
    path.write_text(text)
    code = main(["map", str(path)])
    err = capsys.readouterr().err
    assert code == 2, f"exit 2 for a bad map: {code} {err}"
    one_line(err)
    for word in expect:
        assert word in err, f"the message must say {word!r}: {err}"


def test_a_report_that_cannot_be_written_is_a_warning_with_exit_0(tmp_path, monkeypatch, capsys):
    import msisim.viz.report as report

    spec = tiny()
    monkeypatch.setattr("msisim.cli.load_experiment", lambda *a, **k: spec)

    def no_space(folder):
        raise OSError(28, "No space left on device", str(Path(folder) / "figures" / "a.png"))

    monkeypatch.setattr(report, "build_report", no_space)
    code = main(["experiment", "tiny", "--out", str(tmp_path / "out"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 0, f"results are complete: exit 0 with a warning ({err})"
    assert "warning: report not written" in err and "figures" in err, err


def test_a_full_disk_during_the_sweep_exits_1_naming_the_path(tmp_path, monkeypatch, capsys):
    spec = tiny()
    monkeypatch.setattr("msisim.cli.load_experiment", lambda *a, **k: spec)
    real = store_module._to_parquet

    def full(frame, path, fingerprint):
        if Path(path).name.startswith(".runs.parquet"):
            raise OSError(28, "No space left on device")
        real(frame, path, fingerprint)

    monkeypatch.setattr(store_module, "_to_parquet", full)
    code = main(["experiment", "tiny", "--out", str(tmp_path / "out"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1, f"a failure during work exits 1: {err}"
    assert "runs.parquet" in err and "No space left" in err and "resume" in err, err
    assert len([ln for ln in err.splitlines() if "error" in ln]) == 1, err
    monkeypatch.setattr(store_module, "_to_parquet", real)
    again = run_experiment(spec, tmp_path / "out", workers=1)
    assert again.n_run == 0 and len(again.runs) == len(spec.tasks()), "every run was kept"


# --------------------------------------------------------------------------- the store


def test_a_second_writer_is_refused_at_once_naming_the_holder(tmp_path):
    spec = tiny()
    with ResultStore(tmp_path, spec.to_dict(), spec.fingerprint()):
        start = time.monotonic()
        with pytest.raises(FolderBusyError) as err:
            run_experiment(spec, tmp_path, workers=1)
        assert time.monotonic() - start < 5, "refused at once, not after waiting"
    message = str(err.value)
    one_line(message)
    assert f"pid {os.getpid()}" in message and os.uname().nodename in message, message
    run_experiment(spec, tmp_path, workers=1)  # released: the folder is usable again


def _writer(folder: str, over: dict, barrier, results) -> None:
    try:
        barrier.wait(timeout=30)
        run_experiment(tiny(**over), folder, workers=1)
        results.put(("ok", json.dumps(over)))
    except (FolderBusyError, ValueError) as err:
        results.put(("refused", str(err)))
    except Exception as err:  # reported, so that the test shows it
        results.put(("error", repr(err)))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_two_writers_released_together_never_both_write(tmp_path):
    context = multiprocessing.get_context("fork")
    for trial in range(12):
        folder = str(tmp_path / f"out{trial}")
        barrier, results = context.Barrier(2), context.Queue()
        writers = [
            context.Process(target=_writer, args=(folder, over, barrier, results))
            for over in ({"seed": 1}, {"seed": 2})
        ]
        for process in writers:
            process.start()
        outcomes = [results.get(timeout=120) for _ in writers]
        for process in writers:
            process.join(timeout=30)
        kinds = sorted(kind for kind, _ in outcomes)
        assert kinds == ["ok", "refused"], f"trial {trial}: exactly one writer wins: {outcomes}"
        refusal = next(text for kind, text in outcomes if kind == "refused")
        assert "being written by pid" in refusal or "different configuration" in refusal, refusal
        verify_results(folder)  # manifest, runs.parquet and parts agree on one fingerprint
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
        fingerprints = {
            store_module.parquet_fingerprint(p) for p in Path(folder, "parts").glob("*")
        }
        assert fingerprints == {manifest["fingerprint"]}, f"trial {trial}: one config's parts"


def test_a_stray_part_with_the_same_run_ids_is_moved_aside(tmp_path, caplog):
    spec = tiny()
    first = run_experiment(spec, tmp_path, workers=1)
    stray = first.runs.copy()
    stray["lobby_bias"] = 999.0
    stray["extra_column"] = 1
    stray.to_parquet(tmp_path / "parts" / "runs-0123456789ab.parquet", index=False)
    for part in (tmp_path / "parts").glob("runs-*-*.parquet"):
        part.unlink()  # the genuine journal is gone: only the stray part could answer
    with caplog.at_level("WARNING"):
        result = run_experiment(spec, tmp_path, workers=1)
    assert "runs-0123456789ab.parquet has no checksum" in caplog.text, caplog.text
    assert (tmp_path / "rejected" / "runs-0123456789ab.parquet").exists(), "moved aside"
    assert result.n_run == len(spec.tasks()), "its runs run again"
    assert (result.runs["lobby_bias"] < 999).all() and "extra_column" not in result.runs


def test_a_tampered_or_foreign_part_is_never_adopted(tmp_path, caplog):
    spec, other = tiny(), tiny(seed=99)
    run_experiment(spec, tmp_path / "a", workers=1)
    run_experiment(other, tmp_path / "b", workers=1)
    parts = sorted((tmp_path / "a" / "parts").glob("runs-*.parquet"))
    tampered = parts[0]
    frame = pd.read_parquet(tampered)
    frame["lobby_bias"] = 999.0
    store_module._to_parquet(frame, tampered, spec.fingerprint())  # same name, new bytes
    foreign = sorted((tmp_path / "b" / "parts").glob("runs-*.parquet"))[0]
    (tmp_path / "a" / "parts" / foreign.name).write_bytes(foreign.read_bytes())
    with caplog.at_level("WARNING"):
        result = run_experiment(spec, tmp_path / "a", workers=1)
    assert "does not match its checksum" in caplog.text, caplog.text
    assert "belongs to another configuration" in caplog.text, caplog.text
    assert result.n_run == len(frame), "the tampered part's runs run again"
    assert (result.runs["lobby_bias"] < 999).all(), "no tampered value adopted"
    assert set(result.runs["run_id"]) == {t.run_id for t in spec.tasks()}


def test_stale_temporary_files_are_removed_on_resume(tmp_path):
    spec = tiny()
    run_experiment(spec, tmp_path, workers=1)
    stale = [tmp_path / "parts" / ".runs-abc.parquet.x1.tmp", tmp_path / ".manifest.json.x.tmp"]
    for path in stale:
        path.write_bytes(b"torn")
    run_experiment(spec, tmp_path, workers=1)
    assert not any(p.exists() for p in stale), "stale temporaries are removed under the lock"


# verify_results / msisim report: runs.parquet checked against the manifest


def _finished(tmp_path, **over) -> Path:
    spec = tiny(**over)
    run_experiment(spec, tmp_path, workers=1)
    return tmp_path


def _rewrite_runs(folder: Path, change) -> None:
    """Rewrite runs.parquet and its checksum in the manifest, as a forger would.

    A change that leaves the manifest's checksum alone is rebuilt from the parts
    (tests/test_verify.py); these cases test the checks behind the checksum.
    """
    runs = pd.read_parquet(folder / "runs.parquet")
    fingerprint = store_module.parquet_fingerprint(folder / "runs.parquet")
    store_module.write_parquet(folder / "runs.parquet", change(runs), fingerprint)
    _record_runs(folder)


def _record_runs(folder: Path) -> None:
    """Record runs.parquet's current checksum in the manifest (forging it)."""
    data = json.loads((folder / "manifest.json").read_text())
    data["files"]["runs.parquet"] = store_module.file_record(folder / "runs.parquet")
    (folder / "manifest.json").write_text(json.dumps(data))


def _edit_manifest(folder: Path, change) -> None:
    data = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(change(data)))


REPORT_CASES = [
    ("duplicated rows", lambda f: _rewrite_runs(f, lambda r: pd.concat([r, r])), ["duplicated run id"]),
    ("no rows", lambda f: _rewrite_runs(f, lambda r: r.iloc[:0]), ["holds no runs"]),
    ("a missing run", lambda f: _rewrite_runs(f, lambda r: r.iloc[1:]), ["disagree"]),
    ("a missing column", lambda f: _rewrite_runs(f, lambda r: r.drop(columns="status")), ["lacks columns", "status"]),
    ("another fingerprint", lambda f: (store_module.write_parquet(f / "runs.parquet", pd.read_parquet(f / "runs.parquet"), "0" * 16), _record_runs(f)), ["belongs to fingerprint", "two configurations"]),
    ("an edited spec", lambda f: _edit_manifest(f, lambda m: {**m, "spec": {**m["spec"], "replicates": 3}}), ["does not match its spec"]),
    ("a manifest that is a list", lambda f: (f / "manifest.json").write_text("[1, 2]"), ["manifest.json is corrupt", "list"]),
    ("a manifest without spec", lambda f: _edit_manifest(f, lambda m: {k: v for k, v in m.items() if k != "spec"}), ["'spec' is missing"]),
    ("a manifest that is not JSON", lambda f: (f / "manifest.json").write_text("{oops"), ["not valid JSON"]),
    ("wrong counts", lambda f: _edit_manifest(f, lambda m: {**m, "counts": {"ok": 1}}), ["status counts"]),
    ("an unreadable runs.parquet", lambda f: ((f / "runs.parquet").write_bytes(b"PAR1garbage"), _record_runs(f)), ["unreadable"]),
    ("an edit with the parts gone", lambda f: (shutil.rmtree(f / "parts"), (f / "runs.parquet").write_bytes(b"PAR1garbage")), ["changed outside msisim", "cannot rebuild"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "damage", "expect"), REPORT_CASES, ids=[c[0] for c in REPORT_CASES]
)
def test_report_refuses_results_that_disagree_with_the_manifest(tmp_path, label, damage, expect):
    from msisim.viz.report import build_report

    folder = _finished(tmp_path)
    damage(folder)
    with pytest.raises(ValueError) as err:
        build_report(folder)
    message = str(err.value)
    one_line(message)
    for word in expect:
        assert word in message, f"{label}: the message must say {word!r}: {message}"
    assert not (folder / "report.md").exists(), "no report from bad results"


def test_report_warns_loudly_about_missing_series_and_outcomes(tmp_path, caplog):
    folder = _finished(tmp_path, collect_series=True)
    (folder / "series.parquet").unlink()
    _edit_manifest(folder, lambda m: {**m, "files": {k: v for k, v in m["files"].items() if k != "series.parquet"}})  # fmt: skip
    _rewrite_runs(folder, lambda r: r.drop(columns="rose"))
    with caplog.at_level("WARNING"):
        warnings = verify_results(folder)
    assert any("series.parquet is missing" in w for w in warnings), warnings
    assert any("lacks outcome(s) ['rose']" in w for w in warnings), warnings
    assert "series.parquet is missing" in caplog.text, "logged, not only returned"


def test_cli_report_on_bad_results_exits_2_in_one_line(tmp_path):
    folder = _finished(tmp_path)
    _rewrite_runs(folder, lambda r: pd.concat([r, r]))
    proc = subprocess.run([MSISIM, "report", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "duplicated run id" in proc.stderr, proc.stderr


# --------------------------------------------------------------------------- resources

ORPHAN_SCRIPT = """
import sys, time
import msisim.study.runner as runner
from msisim.model import GovernanceModel
from msisim.study.spec import ExperimentSpec

class Slow(GovernanceModel):
    def step(self):
        time.sleep(0.5)
        super().step()

runner.GovernanceModel = Slow
spec = ExperimentSpec.from_dict({spec!r})
if __name__ == "__main__":
    runner.run_experiment(spec, sys.argv[1], workers=2)
"""


def _pool_workers(parent: psutil.Process) -> list[psutil.Process]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        children = parent.children(recursive=True)
        if len(children) >= 2:
            return children
        time.sleep(0.1)
    raise AssertionError("the sweep should start 2 pool workers within 2 min")


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_pool_workers_exit_when_their_parent_is_killed(tmp_path, sig):
    spec = {**TINY, "name": "orphans", "replicates": 10, "steps": 40}
    script = tmp_path / "sweep.py"
    script.write_text(textwrap.dedent(ORPHAN_SCRIPT.format(spec=spec)))
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "out")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        workers = _pool_workers(psutil.Process(proc.pid))
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10  # workers poll their parent every 0.5 s
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        orphans = [w.pid for w in workers if _alive(w)]
        assert not orphans, f"pool workers outlived their parent ({sig.name}): {orphans}"
    finally:
        for w in psutil.Process().children(recursive=True):
            if w.pid != proc.pid and _alive(w) and "sweep.py" in " ".join(w.cmdline()):
                w.kill()  # only our own leftovers
        if proc.poll() is None:
            proc.kill()
    result = run_experiment(ExperimentSpec.from_dict(spec), tmp_path / "out", workers=1)
    assert len(result.runs) == len(ExperimentSpec.from_dict(spec).tasks()), "and it resumes"


@pytest.mark.slow
def test_a_dask_cluster_without_workers_fails_after_the_timeout_and_resumes(tmp_path):
    from distributed import LocalCluster

    spec = tiny()
    with LocalCluster(n_workers=0, dashboard_address=None, processes=False) as cluster:
        start = time.monotonic()
        with pytest.raises(SweepError) as err:
            run_experiment(spec, tmp_path, backend="dask", address=cluster.scheduler_address,
                           no_worker_timeout=3)  # fmt: skip
        assert time.monotonic() - start < 60, "fails after the stated timeout, not forever"
    message = str(err.value)
    assert "no Dask worker" in message and "3 s" in message and "resume" in message, message
    result = run_experiment(spec, tmp_path, workers=1)
    assert len(result.runs) == len(spec.tasks()), "the folder stays resumable"


# --------------------------------------------------------------------------- the tally


def test_the_count_of_refused_inputs():
    refused = (
        len(SPEC_CASES)
        + len(OPTION_CASES)
        + len(YAML_CASES)
        + len(CLI_CASES)
        + len(REPORT_CASES)
        + len(MAP_CASES)
        + len(GROUP_FILE_CASES)
        + len(RUN_GROUP_CASES)
    )
    warned = len(WARN_CASES) + len(FACTOR_WARN_CASES)
    security = (Path(__file__).resolve().parents[1] / "SECURITY.md").read_text()
    quoted = re.search(
        r"(\d+) are refused in one line\s+naming the input and (\d+) are warned", security
    )
    assert quoted, "SECURITY.md quotes the tally"
    assert (refused, warned) == tuple(map(int, quoted.groups())), "SECURITY.md's numbers"
    assert (refused, warned) == (122, 16), (refused, warned)
