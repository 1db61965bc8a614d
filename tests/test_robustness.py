"""The claims map (``msisim robustness``): known answers, refusals, and the command itself."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from msisim.study import robustness as rb
from msisim.study.claims import STUDY_CLAIMS, Cell, Claim, cells_of
from msisim.study.spec import ExperimentSpec

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _count_models(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the models built until ``monkeypatch.undo()``: one entry per ``GovernanceModel``."""
    from msisim.model import GovernanceModel

    built: list[int] = []
    real_init = GovernanceModel.__init__

    def counting_init(self: GovernanceModel, *args: object, **kwargs: object) -> None:
        built.append(1)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(GovernanceModel, "__init__", counting_init)
    return built


def _lobbied_map(n_points: int = 8) -> rb.ClaimsMap:
    """A tiny map of one claim, the lobbied representative forum above its no-lobby twin."""
    claim = Claim(
        "c", "lobbied rep above unlobbied", "capture",
        ((1, Cell("representative")), (-1, Cell("representative", budget=0))),
    )  # fmt: skip
    claims_map = _tiny_map([claim], n_points)
    claims_map.spec.base.update(n_lobbyists=1, lobby_budget=1.0)
    return claims_map


def _tiny_map(claims: list[Claim], n_points: int = 8) -> rb.ClaimsMap:
    spec = ExperimentSpec(
        name="tiny",
        base={"n_stakeholders": 60, "n_seats": 6},
        designs={
            "representative": {"membership": "representative"},
            "open": {"membership": "open"},
        },
        steps=10,
    )
    space = rb.AssumptionSpace.from_dict(
        {"epsilon": {"low": 0.1, "high": 0.5}, "tie_decay": {"low": 0.01, "high": 0.1}}
    )
    return rb.ClaimsMap(spec, claims, space, base=max(2, n_points // 4))


def test_wilson_interval_matches_a_hand_computation() -> None:
    # 7 of 10, z = 1.96: centre (0.7 + 0.19208) / 1.38416, half-width
    # 1.96 * sqrt(0.021 + 0.009604) / 1.38416  ->  [0.3968, 0.8922] (Wilson 1927)
    low, high = rb.wilson_interval(7, 10)
    assert low == pytest.approx(0.39677, abs=1e-4) and high == pytest.approx(0.89222, abs=1e-4)
    low, high = rb.wilson_interval(10, 10)
    assert high == 1.0 and low == pytest.approx(0.7225, abs=1e-3), "all hold: upper end 1"
    assert all(np.isnan(rb.wilson_interval(0, 0))), "no points: no interval"


def test_a_claim_that_holds_by_construction_gets_share_one() -> None:
    by_construction = Claim("always", "always positive", "x", ((1.0, Cell("open")),))
    sometimes = Claim("half", "half the time", "x", ((1.0, Cell("open")),), sign=-1)
    claims_map = _tiny_map([by_construction, sometimes])
    points = pd.DataFrame({"claim.always": np.linspace(0.1, 1.0, 10)})
    points["claim.half"] = np.r_[np.ones(5), -np.ones(5)]
    table = rb.claim_table(claims_map, points).set_index("claim")
    assert table.loc["always", "share"] == 1.0 and table.loc["always", "verdict"] == "supported"
    assert table.loc["half", "share"] == 0.5 and table.loc["half", "verdict"] == "conditional"
    assert table.loc["always", "ci_low"] == pytest.approx(rb.wilson_interval(10, 10)[0])


def test_an_unknown_assumption_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown assumption 'epsilonn' \\(did you mean 'epsilon'"):
        rb.AssumptionSpace.from_dict({"epsilonn": {"low": 0.1, "high": 0.2}})
    with pytest.raises(ValueError, match=r"low=0\.5 must be below high=0\.1"):
        rb.AssumptionSpace.from_dict({"epsilon": {"low": 0.5, "high": 0.1}})
    with pytest.raises(ValueError, match="above its bound"):
        rb.AssumptionSpace.from_dict({"tie_decay": {"low": 0.1, "high": 2.0}})
    with pytest.raises(ValueError, match="with integer: true both must be whole numbers"):
        rb.AssumptionSpace.from_dict({"n_lobbyists": {"low": 1, "high": 10.5, "integer": True}})
    with pytest.raises(ValueError, match="both must be finite"):
        rb.AssumptionSpace.from_dict({"epsilon": {"low": float("nan"), "high": 0.5}})
    with pytest.raises(ValueError, match="choice 'bribes' is not allowed"):
        rb.AssumptionSpace.from_dict({"lobby_strategy": {"choices": ["allies", "bribes"]}})
    bad = tmp_path / "bad.yaml"
    bad.write_text("assumptions:\n  epsilonn: {low: 0.1, high: 0.2}\n")
    done = subprocess.run(
        [sys.executable, "-m", "msisim", "robustness", "bollow_comparison",
         "--assumptions", str(bad)],
        capture_output=True, text=True, env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown assumption 'epsilonn'" in lines[0], done.stderr


def test_the_shipped_assumptions_are_valid_and_cover_issue_22() -> None:
    space = rb.AssumptionSpace.load()
    needed = {
        "n_lobbyists", "counter_share", "selector_tie_cost", "lobby_strategy", "accountability",
        "voice_resource_exponent", "epsilon", "tie_decay", "attendance_intercept",
        "attendance_engagement", "selector_information",
    }  # fmt: skip
    assert needed <= set(space.names), needed - set(space.names)
    assert all(a.why for a in space.assumptions), "every assumption says why it is uncertain"


def test_assumption_values_map_the_unit_cube() -> None:
    choice = rb.Assumption("lobby_strategy", choices=("a", "b", "c"))
    assert [choice.value(u) for u in (0.0, 0.34, 0.99, 1.0)] == ["a", "b", "c", "c"]
    whole = rb.Assumption("n_lobbyists", 1, 10, integer=True)
    assert {whole.value(u) for u in np.linspace(0, 1, 1001)} == set(range(1, 11))
    log = rb.Assumption("tie_decay", 0.01, 1.0, log=True)
    assert log.value(0.5) == pytest.approx(0.1), "the log scale's midpoint is the geometric mean"


def test_lobby_money_keeps_the_total_and_mirrors_the_counter_lobby() -> None:
    assert rb.mirrored((0.9, 0.1)) == pytest.approx((0.1, 0.9))
    params = rb.lobby_money({"n_lobbyists": 4, "lobby_ideal": (0.9, 0.1)}, 2.0, 0.25)
    assert params["lobby_budget"] == pytest.approx(1.5), "the main lobby keeps 1 - share"
    (counter,) = params["lobbies"]
    assert counter["budget"] == pytest.approx(0.5)
    assert counter["ideal"] == pytest.approx([0.1, 0.9]), "mirrored through the centre"
    assert "lobbies" not in rb.lobby_money({"n_lobbyists": 4}, 2.0, 0.0), "no counter-lobby"


def test_cells_share_a_seed_within_a_saltelli_block() -> None:
    claim = Claim(
        "c", "rep above open", "capture", ((1, Cell("representative")), (-1, Cell("open")))
    )
    claims_map = _tiny_map([claim])
    tasks = claims_map.tasks()
    k = len(claims_map.space)
    assert len(tasks) == claims_map.n_points() * 2
    seeds = pd.DataFrame({"point": [t.sample for t in tasks], "seed": [t.seed for t in tasks]})
    seeds["block"] = seeds["point"] // (k + 2)
    assert (seeds.groupby("block")["seed"].nunique() == 1).all(), "one seed per block"
    assert seeds.groupby("block")["seed"].first().nunique() == claims_map.base, "blocks differ"


def test_bollow_claims_read_designs_of_the_study() -> None:
    from msisim.cli import load_experiment

    spec = load_experiment("bollow_comparison", [], quick=True)
    claims = STUDY_CLAIMS["bollow_comparison"](spec)
    assert {c.design for c in cells_of(claims)} == set(spec.designs)
    assert cells_of(claims)[0].budget == 0, "no-lobby cells first: they serve as twins"


def _tiny_study(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny lobbied study in a config folder (with a quick setting) and an assumption file."""
    configs = tmp_path / "configs"
    (configs / "experiment" / "quick").mkdir(parents=True)
    header = "# @package _global_\ndefaults:\n  - /experiment_schema\n  - _self_\n"
    (configs / "experiment" / "tiny.yaml").write_text(
        header + "name: tiny\nbase: {n_stakeholders: 80, n_seats: 6, n_lobbyists: 2}\n"
        "designs:\n  representative: {membership: representative}\n  open: {membership: open}\n"
        "factors:\n  lobby_budget: {levels: [0.0, 1.0]}\nreplicates: 1\nsteps: 30\n"
        "outcomes: [capture, congruence]\n"
    )
    (configs / "experiment" / "quick" / "tiny.yaml").write_text(
        "# @package _global_\ndefaults:\n  - /experiment/tiny\n  - _self_\nsteps: 20\n"
    )
    assumptions = tmp_path / "assumptions.yaml"
    assumptions.write_text(
        "assumptions:\n  lobby_budget: {low: 0.5, high: 2.0}\n"
        "  tie_decay: {low: 0.01, high: 0.1, scale: log}\n"
        "  lobby_strategy: {choices: [adaptive, allies]}\n"
    )
    return configs, assumptions


def _msisim(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "msisim", *args], capture_output=True, text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}, cwd=tmp_path, timeout=300,
    )  # fmt: skip


@pytest.mark.slow
def test_cli_quick_on_a_tiny_setting_writes_claims_and_sobol(tmp_path: Path) -> None:
    configs, assumptions = _tiny_study(tmp_path)
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "msisim", "robustness", "tiny", "--quick", "--base", "2",
         "--workers", "1", "--assumptions", str(assumptions), "--config-dir", str(configs),
         "--out", str(out)],
        capture_output=True, text=True, env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    claims = pd.read_csv(out / "claims.csv")
    assert len(claims) == 2, "generic claims: 2 outcomes x 1 pair of designs"
    assert claims["share"].between(0, 1).all() and (claims["points"] == 10).all()
    sobol = pd.read_csv(out / "sobol.csv")
    assert set(sobol["assumption"]) == {"lobby_budget", "tie_decay", "lobby_strategy"}
    assert {"S1", "S1_conf", "ST", "ST_conf", "interpretable"} <= set(sobol.columns)
    assert (out / "report.md").is_file() and (out / "points.csv").is_file()


def test_a_failure_box_names_the_assumption_that_matters() -> None:
    """PRIM's densest box restricts assumptions by chance; the reported box is the widest one
    dense in failures, with only the restrictions that matter: here the claim fails exactly
    where ``a < 0.3``, and ``b`` and ``kind`` do nothing."""
    import warnings

    from ema_workbench.analysis import prim

    rng = np.random.default_rng(3)
    x = pd.DataFrame({
        "a": rng.random(400), "b": rng.random(400),
        "kind": pd.Categorical(rng.choice(["p", "q", "r"], 400)),
    })  # fmt: skip
    fails = (x["a"] < 0.3).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, fails, peel_alpha=0.1, mass_min=0.05).find_box()
    keep, stats = rb._readable_box(box, x, fails)
    assert keep == {"a"}, f"only the assumption that decides the claim is reported: {keep}"
    high = float(box.box_lim["a"].iloc[1])
    assert 0.3 <= high <= 0.3 / 0.8, (
        f"the box covers the failures (a < 0.3) and stays dense (>= 0.8 failures): a < {high}"
    )
    assert stats["density"] >= 0.8 and stats["coverage"] > 0.95


def test_an_assumption_that_changes_nothing_is_idle() -> None:
    """In SALib's order (A, AB_1 .. AB_k, B per block) an assumption is idle when A and AB_i
    agree in every block; such an assumption is left out of the failure boxes, where the shared
    seed of a block would otherwise correlate it with the outcomes (n_lobbyists had quasi-p
    1.8e-5 in a box of the Bollow map although its Sobol indices are exactly 0)."""
    a = np.array([0.1, 0.5, np.nan])
    blocks = np.column_stack([a, a + 1.0, a, np.full(3, 7.0)])  # k = 2: AB_1 moves, AB_2 not
    assert rb.idle_assumptions(blocks.ravel(), 2).tolist() == [False, True]
    assert rb.idle_assumptions(np.arange(5.0), 2).tolist() == [False, False], "not whole blocks"


def test_a_run_another_point_repeats_is_run_once_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Saltelli point differing from its block's base point only in what a run cannot read
    (here ``tie_decay`` in the cells without a lobby) repeats that run: it is run once, in the
    batch of its twin group, and every task still gets its own row with the same outcomes as a
    run of its own."""
    from msisim.study.runner import run_batch
    from msisim.study.sharing import batches, plan

    claims_map = _lobbied_map()
    tasks = claims_map.tasks()
    distinct = {plan(t).same_run for t in tasks}
    assert len(distinct) < len(tasks), "the no-lobby cell cannot read tie_decay: runs repeat"
    batch_list = batches(tasks, 4)
    for i, batch in enumerate(batch_list):
        inside = {plan(t).same_run for t in batch}
        others = {plan(t).same_run for j, b in enumerate(batch_list) if j != i for t in b}
        assert not inside & others, "a repeated run stays in one batch (its twin group's)"
    built = _count_models(monkeypatch)
    rows = pd.DataFrame(rb.run_tasks(tasks, workers=1, label="tiny"))
    monkeypatch.undo()
    assert len(built) == len(distinct), (
        f"{len(built)} models built for {len(distinct)} distinct runs ({len(tasks)} tasks)"
    )
    assert len(rows) == len(tasks) and rows["run_id"].is_unique, "one row per task"
    assert claims_map.outcomes() == ("capture",) and all(
        t.outcomes == ("capture",) for t in tasks
    ), "a map's run computes only the outcomes its claims read"
    assert "lobby_bias" not in rows and not any(c.startswith("score.") for c in rows), (
        "outcomes no claim reads are not computed"
    )
    # each task alone, recording every outcome: the kept outcome has the same bits
    alone = pd.DataFrame([run_batch([dataclasses.replace(t, outcomes=None)])[0][0] for t in tasks])
    both = rows.set_index("run_id").loc[alone["run_id"]]
    assert np.array_equal(
        both["capture"].to_numpy(), alone["capture"].to_numpy(), equal_nan=True
    ), "capture: a shared run kept to the claims' outcomes must equal the run made alone"


@pytest.mark.slow
def test_a_study_report_quotes_its_claims_map(tmp_path: Path) -> None:
    """``msisim robustness NAME --study DIR`` writes the map into DIR/claims_map and DIR's
    report quotes every claim with its share and verdict; a folder that is not a finished run
    of this study at this setting is refused in one line before any run."""
    configs, assumptions = _tiny_study(tmp_path)
    study = tmp_path / "study"
    done = _msisim(tmp_path, "experiment", "tiny", "--quick", "--workers", "1",
                   "--config-dir", str(configs), "--out", str(study))  # fmt: skip
    assert done.returncode == 0, done.stderr
    common = ("robustness", "tiny", "--base", "2", "--workers", "1", "--assumptions",
              str(assumptions), "--config-dir", str(configs))  # fmt: skip
    refused = _msisim(tmp_path, *common, "--study", str(study))  # the full setting: not this run
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "not tiny's full setting" in refused.stderr, refused.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = _msisim(tmp_path, *common, "--quick", "--study", str(empty))
    assert refused.returncode == 2 and "not a finished study folder" in refused.stderr
    assert not (study / "claims_map").exists(), "nothing written before the refusals"
    done = _msisim(tmp_path, *common, "--quick", "--study", str(study))
    assert done.returncode == 0, done.stderr
    claims = pd.read_csv(study / "claims_map" / "claims.csv")
    report = (study / "report.md").read_text()
    assert "## Claims map" in report, "the study's report quotes its map"
    for _, row in claims.iterrows():
        assert f"| {row['text']} | {row['share']:.2f} [" in report, row["text"]
        assert row["verdict"] in report
    assert "claims_map/report.md" in report and (study / "report.html").is_file()


def test_an_assumption_every_cell_sets_is_refused_and_a_partial_one_is_warned(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A cell's design and levers win over the point's assumptions: drawing ``membership``
    in the Bollow comparison (every cell is a representative or an open forum) would change
    no run, so it is refused before any run; one that some cells set is warned about."""
    from msisim.cli import load_experiment

    spec = load_experiment("bollow_comparison", [], quick=True)
    space = rb.AssumptionSpace.from_dict(
        {
            "membership": {"choices": ["open", "representative"]},
            "epsilon": {"low": 0.1, "high": 0.5},
        }
    )
    built = _count_models(monkeypatch)
    with pytest.raises(ValueError, match="assumption 'membership' is set by every cell") as info:
        rb.build_map(spec, space=space, base=2)
    assert "\n" not in str(info.value) and not built, "one line, before any run"
    space = rb.AssumptionSpace.from_dict(
        {
            "lobby_targets_selector": {"choices": [True, False]},
            "epsilon": {"low": 0.1, "high": 0.5},
        }
    )
    with caplog.at_level(logging.WARNING, logger="msisim"):
        rb.build_map(spec, space=space, base=2)
    assert "assumption lobby_targets_selector is set by cells" in caplog.text, caplog.text


def test_a_claims_map_above_the_run_cap_is_refused_before_any_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from msisim.cli import load_experiment

    spec = load_experiment("bollow_comparison", [], quick=True)
    monkeypatch.setenv("MSISIM_MAX_RUNS", "1000")
    with pytest.raises(ValueError, match=r"claims map of bollow_comparison: 3,360 runs .*"
                       r"MSISIM_MAX_RUNS=3360") as info:  # fmt: skip
        rb.build_map(spec, base=32)
    assert "\n" not in str(info.value)
    monkeypatch.setenv("MSISIM_MAX_RUNS", "3360")
    assert rb.build_map(spec, base=32).n_points() == 480, "at the cap: accepted"


def test_an_interrupted_map_resumes_with_the_same_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claims map journals its runs batch by batch: interrupted after its first batch, the
    same map into the same folder runs only the missing runs and writes the tables of an
    uninterrupted map, byte for byte; a folder of another map, or one that another process
    is writing, is refused before any run."""
    from msisim.study.store import FolderBusyError, FolderLock

    claims_map = _lobbied_map()
    whole = rb.run_map(claims_map, tmp_path / "whole", workers=1)

    real_iter = rb.iter_task_rows

    def first_batch_then_stop(*args: Any, **kwargs: Any) -> Any:
        rows = real_iter(*args, **kwargs)
        yield next(rows)
        raise KeyboardInterrupt

    monkeypatch.setattr(rb, "iter_task_rows", first_batch_then_stop)
    with pytest.raises(KeyboardInterrupt):
        rb.run_map(claims_map, tmp_path / "cut", workers=1)
    monkeypatch.undo()
    kept = len(pd.read_parquet(next((tmp_path / "cut" / "parts").glob("runs-*.parquet"))))
    assert 0 < kept < whole.n_runs, "the first batch was journalled, the rest was not run"

    built = _count_models(monkeypatch)
    resumed = rb.run_map(claims_map, tmp_path / "cut", workers=1)
    monkeypatch.undo()
    assert 0 < len(built) < whole.n_runs, (
        f"the resume built {len(built)} models for {whole.n_runs} runs: only the missing ones"
    )
    runs = [
        pd.read_csv(tmp_path / f / "runs.csv").drop(columns="seconds") for f in ("cut", "whole")
    ]
    pd.testing.assert_frame_equal(*runs, check_exact=True)  # the same runs in the same order
    for name in ("points.csv", "claims.csv", "sobol.csv", "prim_boxes.csv"):
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), (
            f"{name}: an interrupted and resumed map equals an uninterrupted one"
        )
    assert resumed.n_runs == whole.n_runs
    from msisim.cli import main

    assert main(["report", str(tmp_path / "whole")]) == 2, "a map's folder is not a study's"

    other = _lobbied_map(n_points=16)
    with pytest.raises(ValueError, match="holds the runs of 'tiny claims map' with another"):
        rb.check_map_folder(tmp_path / "whole", other)
    lock = FolderLock(tmp_path / "whole")
    lock.acquire()
    try:
        with pytest.raises(FolderBusyError, match="is being written by pid"):
            rb.check_map_folder(tmp_path / "whole", claims_map)
    finally:
        lock.release()


@pytest.mark.slow
def test_a_map_on_dask_writes_the_tables_of_the_local_pool(tmp_path: Path) -> None:
    """``--backend dask`` spreads the map's runs over a Dask cluster (here a local one); the
    tables are those of the local process pool, byte for byte."""
    claims_map = _lobbied_map()
    rb.run_map(claims_map, tmp_path / "local", workers=1)
    rb.run_map(claims_map, tmp_path / "dask", workers=1, backend="dask")
    for name in ("points.csv", "claims.csv", "sobol.csv", "prim_boxes.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (
            tmp_path / "local" / name
        ).read_bytes(), f"{name}: the same map on Dask and on the local pool"


def test_a_map_counts_its_failed_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs that fail are counted in the map's result (and rerun on resume), not lost."""
    from msisim.model import GovernanceModel

    claims_map = _lobbied_map()
    real_step = GovernanceModel.step

    def failing_step(self: GovernanceModel) -> None:
        if self.lobby_acts and not self.is_twin:
            raise RuntimeError("boom")
        real_step(self)

    monkeypatch.setattr(GovernanceModel, "step", failing_step)
    result = rb.run_map(claims_map, tmp_path / "map", workers=1)
    monkeypatch.undo()
    lobbied = len({t.run_id for t in claims_map.tasks() if t.design == "representative@1b"})
    assert result.n_failed == lobbied > 0, f"{result.n_failed} failed runs reported, {lobbied} made"
    again = rb.run_map(claims_map, tmp_path / "map", workers=1)
    assert again.n_failed == 0, "the failed runs run again on resume"
