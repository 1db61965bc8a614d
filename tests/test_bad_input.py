"""Bad input across the three surfaces — Python API, YAML configs, CLI — answered clearly.

Each case is refused before any simulation starts with a one-line message that names what
is wrong (the ``expect`` words) and, where there is a closed set, what is allowed. The
Python API table of ``tests/test_params.py`` adds 60-odd more cases of parameter values.
"""

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from msisim import GovernanceModel
from msisim.cli import load_experiment

ROOT = Path(__file__).resolve().parents[1]
MSISIM = str(Path(sys.executable).parent / "msisim")

# --------------------------------------------------------------------------- Python API

HALF_CATEGORY = {
    "name": "half", "share": 0.5, "position_mean": (0.5, 0.5), "spread": 0.1,
    "resources_mu": 0, "resources_sigma": 0.1, "affectedness": 1, "engagement": 0.5,
}  # fmt: skip

API_CASES = [
    ({"n_stakeholders": "many"}, ["n_stakeholders", "whole number"]),
    ({"n_stakeholders": 0}, ["n_stakeholders"]),
    ({"n_stakeholders": 10**9}, ["n_stakeholders", "GB"]),
    ({"n_stakeholders": 10, "n_seats": 30, "membership": "sortition"}, ["n_seats", "10"]),
    ({"membership": "anarchy"}, ["membership", "representative"]),
    ({"membership": "opne"}, ["did you mean 'open'"]),
    ({"selection": "lottery"}, ["selection", "random"]),
    ({"decision_rule": "vote"}, ["decision_rule", "majority"]),
    ({"lobby_strategy": "bribe"}, ["lobby_strategy", "allies"]),
    ({"seat_allocation": "explicit"}, ["seats_per_category"]),
    ({"epsilon": math.nan}, ["epsilon", "finite"]),
    ({"participation_cost": math.inf}, ["participation_cost", "finite"]),
    ({"mu": 0.9}, ["mu", "0.5"]),
    ({"transparency": -0.1}, ["transparency"]),
    ({"astroturf_share": 1.0}, ["astroturf_share"]),
    ({"term_length": 0}, ["term_length"]),
    ({"lobby_ideal": (0.9,)}, ["lobby_ideal", "n_dims"]),
    ({"lobby_ideal": (1.5, 0.1)}, ["lobby_ideal"]),
    ({"recusal": "yes"}, ["recusal", "true or false"]),
    ({"n_seat": 10}, ["did you mean 'n_seats'"]),
    ({"categories": []}, ["categories", "non-empty"]),
    ({"categories": [HALF_CATEGORY]}, ["shares must sum to 1"]),
    ({"shocks": [{"step": 5, "category": "martians", "shift": (0.1,)}]}, ["shock.category"]),
    ({"participation_support": {"grassroots": 2}}, ["participation_support"]),
]


@pytest.mark.parametrize(("kwargs", "expect"), API_CASES)
def test_api_refuses_bad_input(kwargs, expect):
    with pytest.raises(ValueError) as err:
        GovernanceModel(rng=1, **kwargs)
    message = str(err.value)
    assert "\n" not in message, "one line"
    for word in expect:
        assert word in message, f"the message must say {word!r}: {message}"


# --------------------------------------------------------------------------- YAML configs

YAML_CASES = [
    ("name: broken\nfactors: [unclosed\n", ["malformed YAML", "broken.yaml"]),
    ("name: broken\nreplicats: 5\n", ["replicats"]),  # misspelled key
    ("name: broken\nreplicates: many\n", ["replicates"]),  # wrong type
    ("name: broken\nsampler: random\n", ["sampler", "grid"]),  # unknown choice
    ("name: broken\nbase: {n_stakeholderz: 100}\n", ["n_stakeholderz", "n_stakeholders"]),
    ("name: broken\nfactors: {lobby_budget: {low: 2, high: 1}}\nsampler: lhs\n", ["low"]),
    ("name: broken\nbase: {n_seats: 5000}\n", ["n_seats"]),  # more seats than stakeholders
    ("name: broken\nbase: {n_stakeholders: 0}\n", ["n_stakeholders"]),  # empty population
    ("name: broken\nfactors: {lobby_budget: [0, 0]}\n", ["repeat"]),
    ("name: broken\ndesigns: {a: {membership: nope}}\n", ["membership"]),
    ("name: broken\nbase: {n_steps: 10}\n", ["steps"]),
]


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    target = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", target)
    monkeypatch.setenv("MSISIM_CONFIG_DIR", str(target))
    return target


@pytest.mark.parametrize(("body", "expect"), YAML_CASES)
def test_yaml_configs_refuse_bad_input(config_dir, body, expect):
    header = "# @package _global_\ndefaults:\n  - /experiment_schema\n  - _self_\n\n"
    (config_dir / "experiment" / "broken.yaml").write_text(header + body)
    with pytest.raises(Exception) as err:  # Hydra's, YAML's or ours: the message is checked
        load_experiment("broken", [], quick=False)
    from msisim.cli import _one_line

    message = _one_line(err.value)
    for word in expect:
        assert word in message, f"the message must say {word!r}: {message}"


# --------------------------------------------------------------------------- CLI

CLI_CASES = [
    (["experiment", "nosuch"], ["nosuch", "bollow_comparison"]),
    (["experiment", "bollow_comparison", "--workers", "0"], ["workers"]),
    (["experiment", "bollow_comparison", "--backend", "ray"], ["backend"]),
    (["experiment", "bollow_comparison", "replicates=-3"], ["replicates"]),
    (["experiment", "bollow_comparison", "--out", "/proc/msisim-out"], ["/proc/msisim-out"]),
    (["report", "/nonexistent/folder"], ["/nonexistent/folder"]),
    (["run", "design=nosuch"], ["design", "representative"]),
    (["run", "params.n_seat=3"], ["n_seat", "n_seats"]),
    (["nosuch"], ["invalid choice"]),
]


@pytest.mark.parametrize(("args", "expect"), CLI_CASES)
def test_cli_refuses_bad_input(tmp_path, args, expect):
    proc = subprocess.run([MSISIM, *args], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    assert proc.returncode != 0, f"msisim {' '.join(args)} must fail"
    assert "Traceback" not in proc.stderr, f"no traceback: {proc.stderr}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) <= 2, f"a short message (argparse adds a usage line): {proc.stderr}"
    for word in expect:
        assert word in proc.stderr, f"the message must say {word!r}: {proc.stderr}"
    assert not list(tmp_path.rglob("runs.parquet")), "refused before any run"


def test_at_least_forty_wrong_inputs_are_covered():
    assert len(API_CASES) + len(YAML_CASES) + len(CLI_CASES) >= 40
