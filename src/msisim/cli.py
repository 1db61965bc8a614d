"""The ``msisim`` command: thin entry points over Hydra configs and plain functions.

* ``msisim run [--plugin FILE ...] [overrides]`` — one scenario, N replicates: summary table
  and figure. A Hydra app, so ``-m`` multirun and Hydra launchers (joblib, submitit for
  SLURM) apply.
* ``msisim experiment NAME [overrides] [--quick] [--backend local|dask] [--address ADDR]
  [--workers N] [--out DIR] [--config-dir DIR] [--plugin FILE ...]`` — a study from the
  package's ``configs/experiment/`` (or the user's config folder).
* ``msisim report DIR [--plugin FILE ...]`` — rebuild figures and report from stored results
  only.
* ``msisim list`` — the studies, their questions, run counts and expected times.
* ``msisim robustness NAME [--quick] [--samples N] [--base N] [--assumptions FILE]
  [--workers N] [--out DIR]`` — the study's claims map over the structural assumptions
  (:mod:`msisim.study.robustness`).
* ``msisim compare MAP [--designs FILE] [--lobby GROUP] [--quick] [--out DIR] [--workers N]
  [--replicates N] [--contexts N]`` — designs compared on a stakeholder map's forum across
  contexts sampled over the map's uncertainty and the lobby budget (:mod:`msisim.study.forum`).
* ``msisim map FILE [--plot [OUT]]`` — a stakeholder map's summary (groups, categories,
  shares, derived resources/affectedness/engagement, quadrants) and its figure.

Bad input (unknown names, wrong values, malformed overrides) ends with a one-line message,
never a traceback. Exit status: 2 for bad input (nothing ran), 1 for a failure during work
(failed runs, a full disk, no Dask workers left), 0 when the results are complete (with a
warning if the report or a figure could not be written).

``--plugin FILE`` (repeatable) loads a user's rules, strategies or outcomes
(:mod:`msisim.plugins`) before anything else is read, so the config may name them. Plugins
come only from the command line, never from a config file.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from omegaconf.errors import OmegaConfBaseException

logger = logging.getLogger("msisim")

EXIT_FAILED_RUNS = 1
EXIT_BAD_INPUT = 2


def _quiet_libraries(verbose: bool = False) -> None:
    """Mesa's per-step lines off; Dask's and EMA Workbench's own logs off unless ``verbose``.

    The runner and the analysis say in one line what Dask and PRIM did.
    """
    import os

    logging.getLogger("MESA").setLevel(logging.WARNING)
    for name in ("tornado", "bokeh", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if verbose:
        logging.getLogger("EMA").setLevel(logging.INFO)  # PRIM's own lines
        if os.environ.pop("MSISIM_SET_DASK_LOGGING", None):  # ours, inherited from a parent
            os.environ.pop("DASK_LOGGING__DISTRIBUTED", None)
    else:
        for name in ("distributed", "EMA", "ema_workbench"):
            logging.getLogger(name).setLevel(logging.ERROR)
        # distributed sets its loggers' levels from Dask's config when it is imported, in this
        # process and in every worker it starts (which inherit the environment); a user's own
        # setting is kept, and ours is marked so that a verbose child process drops it
        if "DASK_LOGGING__DISTRIBUTED" not in os.environ:
            os.environ["DASK_LOGGING__DISTRIBUTED"] = "error"
            os.environ["MSISIM_SET_DASK_LOGGING"] = "1"
        if "dask" in sys.modules:  # pragma: no cover - only when dask was imported before
            import dask.config

            dask.config.refresh()
    import warnings

    warnings.filterwarnings("ignore", message=".*ipyparallel.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(message)s",
        datefmt="%H:%M:%S",
    )
    _quiet_libraries(verbose)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("msisim")
    except metadata.PackageNotFoundError:  # pragma: no cover - a source tree on sys.path
        return "unknown (not installed)"


# --------------------------------------------------------------------------- experiment


def load_experiment(
    name: str, overrides: list[str], *, quick: bool, config_dir: str | Path | None = None
) -> Any:
    """Compose ``experiment/NAME.yaml`` with overrides into an ExperimentSpec.

    ``quick`` adds the study's quick setting (``experiment/quick/NAME.yaml``) to Hydra's
    defaults list after the study itself; the command line's overrides apply last, so an
    explicit ``replicates=2`` wins over the quick setting.

    Raises:
        ValueError: For an unknown study (with "did you mean") or a missing quick setting.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    from msisim.conf import (
        check_overrides,
        check_study_overrides,
        check_study_shapes,
        config_dirs,
        cycle_message,
        experiment_dir,
        interpolation_cycle,
        register_configs,
    )
    from msisim.study.checks import check_config_tree
    from msisim.study.spec import ExperimentSpec

    root = experiment_dir(name, config_dir)
    for folder in config_dirs(config_dir):
        check_config_tree(folder)  # aliases, duplicate keys and code, before Hydra reads them
    check_overrides(overrides)  # no code, no hydra.* setting (a study has none)
    extra = [f"file://{p}" for p in config_dirs(config_dir) if p != root]
    search = [f"hydra.searchpath=[{','.join(extra)}]"] if extra else []
    config_name = f"experiment/{name}"
    if quick:
        # the quick setting is a config that extends the study (defaults: [/experiment/NAME])
        config_name = f"experiment/quick/{name}"
        if not (root / f"{config_name}.yaml").is_file():
            raise ValueError(
                f"experiment {name!r} has no quick setting ({root}/{config_name}.yaml)"
            )
    for override in OverridesParser.create().parse_overrides(overrides):  # a study's shapes
        if "." not in override.key_or_group and not override.is_sweep_override():
            value = override.value()
            check_study_shapes({override.key_or_group: value}, f"override {override.input_line!r}")
    path = root / f"{config_name}.yaml"
    for study_file in dict.fromkeys([root / "experiment" / f"{name}.yaml", path]):
        check_study_shapes(yaml.safe_load(study_file.read_text()), str(study_file))  # safe: above
    register_configs()
    GlobalHydra.instance().clear()
    where = f"experiment {name} ({path}{', with overrides' if overrides else ''})"
    try:
        with initialize_config_dir(config_dir=str(root), version_base="1.3"):
            if overrides:  # checked against the study itself, in msisim's words
                plain = compose(config_name=config_name, overrides=search)
                study = OmegaConf.to_container(plain, resolve=False)
                check_study_overrides(overrides, study, name)  # type: ignore[arg-type]
            cfg = compose(config_name=config_name, overrides=search + overrides)
        cycle = interpolation_cycle(OmegaConf.to_container(cfg, resolve=False))
        if cycle:
            raise ValueError(cycle_message(cycle, where))
        missing = sorted(OmegaConf.missing_keys(cfg))
        if missing:
            raise ValueError(
                f"{where}: {missing[0]} is missing; every study gives it (e.g. {missing[0]}: "
                f"my_study, letters, digits and _)"
            )
        data = OmegaConf.to_container(cfg, resolve=True)
        check_study_shapes(data, where)  # with the overrides (contexts=[[1]])
    except (HydraException, OmegaConfBaseException, RecursionError) as err:
        raise ValueError(f"{where}: {_one_line(err)}") from None
    finally:
        GlobalHydra.instance().clear()
    if not isinstance(data, dict):
        raise ValueError(f"experiment {name!r} does not compose to a mapping")
    # a relative stakeholder_map path: against the study's folder first, then the current one
    try:
        return ExperimentSpec.from_dict(
            {str(k): v for k, v in data.items()},
            config_dirs=config_dirs(config_dir),
            base_dirs=[root / "experiment"],
        )
    except (ValueError, TypeError) as err:
        raise ValueError(f"{where}: {_one_line(err)}") from None


def cmd_experiment(args: argparse.Namespace) -> int:
    """Run a study and write its results (parquet and CSV) and report."""
    from msisim.plugins import check_recorded_plugins, load_plugins
    from msisim.study.runner import check_run_options, run_experiment
    from msisim.study.store import read_manifest, recorded_plugins
    from msisim.viz.report import build_report

    check_run_options(args.backend, args.workers, args.address, args.run_timeout)
    plugins = load_plugins(args.plugin or [])
    if args.out:  # a resume: the plugins first, since the study may name their rules
        try:
            manifest = read_manifest(Path(args.out))
        except (ValueError, OSError):
            manifest = None  # the store refuses it below, naming the problem
        if manifest is not None:
            check_recorded_plugins(recorded_plugins(manifest), plugins, args.out)
    spec = load_experiment(args.name, args.overrides, quick=args.quick, config_dir=args.config_dir)
    check_report_name(spec, args.name)
    out = check_out_dir(args.out) if args.out is not None else _default_out(spec.name, args.quick)
    n_runs = spec.n_runs()
    logger.info("%s: %d runs -> %s", spec.name, n_runs, out)
    result = run_experiment(
        spec,
        out,
        backend=args.backend,
        workers=args.workers,
        address=args.address,
        run_timeout=args.run_timeout,
        plugins=plugins,
    )
    csv = out / "runs.csv"  # written by the store with runs.parquet
    print(
        f"{spec.name}: {len(result.runs)} runs ({result.n_run} run now, {result.n_skipped} "
        f"already done, {result.n_failed} failed) in {result.seconds:.1f} s"
    )
    print(f"results: {(out / 'runs.parquet').resolve()}")
    print(f"         {csv.resolve()}")
    try:
        report = build_report(out)
        print(f"report:  {report.resolve()}")
    except Exception as err:  # the results are complete; only the report or a figure is missing
        print(f"msisim experiment: warning: report not written: {_one_line(err)}", file=sys.stderr)
    if result.n_failed:
        print(
            f"msisim: {result.n_failed} run(s) failed; see 'error' in runs.parquet", file=sys.stderr
        )
        return EXIT_FAILED_RUNS
    return 0


def cmd_robustness(args: argparse.Namespace) -> int:
    """Draw the structural assumptions and re-evaluate the study's claims at every point."""
    from msisim.study import robustness as rb
    from msisim.study.runner import check_run_options
    from msisim.viz.report.claims_map import write_report

    check_run_options(args.backend, args.workers, args.address, None)  # before any work
    space = rb.AssumptionSpace.load(args.assumptions)  # refused in one line before any run
    spec = load_experiment(args.name, [], quick=args.quick, config_dir=args.config_dir)
    study_dir = _study_for_map(args, spec) if args.study is not None else None
    base = args.base if args.base is not None else (rb.QUICK_BASE if args.quick else rb.FULL_BASE)
    if study_dir is not None:
        out = check_out_dir(str(study_dir / rb.MAP_FOLDER))
    else:
        out = (
            check_out_dir(args.out)
            if args.out is not None
            else _default_out(f"{spec.name}_robustness", args.quick)
        )
    claims_map = rb.build_map(
        spec, space=space, base=base, samples=args.samples, workers=args.workers, folder=out
    )
    again = (
        "the same command"
        if study_dir is not None or args.out is not None
        else f"the same command with --out {out}"
    )
    logger.info("claims map in %s (after an interruption, %s resumes it)", out, again)
    try:
        result = rb.run_map(
            claims_map, out, workers=args.workers, backend=args.backend, address=args.address
        )
    except KeyboardInterrupt:
        print(f"interrupted: the runs finished so far are kept in {out}; {again} runs the rest",
              file=sys.stderr)  # fmt: skip
        return 130
    rb.write_map_record(out, claims_map, result, quick=args.quick)
    setting = {
        "study": f"{spec.name} ({'quick' if args.quick else 'full'} setting: "
        f"{spec.base.get('n_stakeholders', 'default')} stakeholders, {spec.steps} steps)",
        "points": f"{claims_map.n_points()} (Saltelli base {claims_map.base}, "
        f"{len(claims_map.space)} assumptions)",
        "cells per point": ", ".join(c.label() for c in claims_map.cells),
        "runs": f"{result.n_runs} ({result.n_failed} failed)",
        "time": f"{result.seconds:.0f} s with {args.workers or 'all'} worker(s)",
    }
    report = write_report(
        out,
        study=spec.name,
        setting=setting,
        assumptions=[
            {"name": a.name, "range": a.describe(), "why": a.why}
            for a in claims_map.space.assumptions
        ],
        dropped=claims_map.dropped,
        claims=result.claims,
        sobol=result.sobol,
    )
    print(
        f"{spec.name} claims map: {claims_map.n_points()} points, {result.n_runs} runs "
        f"({result.n_failed} failed) in {result.seconds:.1f} s"
    )
    for _, row in result.claims.iterrows():
        print(f"  {row['verdict']:>12} {row['share']:.3f}  {row['claim']}")
    print(f"claims:  {(out / 'claims.csv').resolve()}")
    print(f"sobol:   {(out / 'sobol.csv').resolve()}")
    print(f"report:  {report.resolve()}")
    if study_dir is not None:
        from msisim.viz.report import build_report

        print(f"study report (quotes the map): {build_report(study_dir).resolve()}")
    return EXIT_FAILED_RUNS if result.n_failed else 0


def _study_for_map(args: argparse.Namespace, spec: Any) -> Path:
    """The finished study folder ``--study`` names, checked to hold this study at this setting.

    Raises:
        ValueError: ``--out`` given too, or a folder without a finished run of this study.
    """
    if not str(args.study).strip():
        raise ValueError("--study '': empty; give the folder of a finished run of the study")
    if args.out is not None:
        raise ValueError(
            f"--study {args.study} writes the map into {args.study}/claims_map; drop --out"
        )
    folder = Path(args.study)
    from msisim.study.store import read_manifest

    try:
        manifest = read_manifest(folder)
    except ValueError as exc:
        raise ValueError(f"--study {args.study}: {exc}") from None
    if manifest is None or not (folder / "runs.parquet").is_file():
        raise ValueError(
            f"--study {args.study}: not a finished study folder (no manifest.json and runs.parquet)"
        )
    fingerprint = manifest.get("fingerprint")
    if fingerprint != spec.fingerprint():
        setting = "quick" if args.quick else "full"
        stored = manifest.get("spec", {}).get("name", "?")
        raise ValueError(
            f"--study {args.study} holds a run of {stored!r} that is not {spec.name}'s {setting} "
            f"setting (fingerprints differ); give the folder of `msisim experiment {spec.name}"
            f"{' --quick' if args.quick else ''}`"
        )
    return folder


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare designs on a stakeholder map's forum: build the study, run it, write the report."""
    from msisim.conf import config_dirs
    from msisim.study.forum import forum_spec
    from msisim.study.runner import check_run_options, run_experiment
    from msisim.viz.report import build_report

    check_run_options("local", args.workers, None, None)
    spec = forum_spec(  # every input refused in one line here, before any run
        args.map,
        designs=args.designs,
        lobby_group=args.lobby,
        quick=args.quick,
        contexts=args.contexts,
        replicates=args.replicates,
        config_dirs=config_dirs(args.config_dir),
    )
    map_name = spec.inputs["map"]["name"]
    out = (
        check_out_dir(args.out)
        if args.out is not None
        else _default_out(f"compare_{map_name}", args.quick)
    )
    logger.info(
        "compare %s: %d designs x %d contexts x %d replicate(s) = %d runs -> %s",
        map_name, len(spec.designs), len(spec.contexts), spec.replicates, spec.n_runs(), out,
    )  # fmt: skip
    result = run_experiment(spec, out, workers=args.workers)
    csv = out / "runs.csv"  # written by the store with runs.parquet
    print(
        f"compare {map_name}: {len(result.runs)} runs ({result.n_run} run now, "
        f"{result.n_skipped} already done, {result.n_failed} failed) in {result.seconds:.1f} s"
    )
    print(f"results: {csv.resolve()}")
    try:
        report = build_report(out)
        print(f"report:  {report.resolve()}")
    except Exception as err:  # the results are complete; only the report or a figure is missing
        print(f"msisim compare: warning: report not written: {_one_line(err)}", file=sys.stderr)
    if result.n_failed:
        print(
            f"msisim: {result.n_failed} run(s) failed; see 'error' in runs.parquet", file=sys.stderr
        )
        return EXIT_FAILED_RUNS
    return 0


def cmd_design(args: argparse.Namespace) -> int:
    """Search the design levers for the designs no other beats on a stakeholder map's forum."""
    from msisim.conf import config_dirs
    from msisim.study import design_search as ds
    from msisim.study.runner import check_run_options
    from msisim.viz.report.pareto import write_search

    check_run_options("local", args.workers, None, None)
    setting = ds.QUICK_SEARCH if args.quick else ds.FULL_SEARCH
    nfe = args.nfe or setting.nfe
    population = args.population or setting.population
    if nfe < population:
        raise ValueError(f"--nfe {nfe} must be at least the population ({population})")
    context = ds.search_context(  # every input refused in one line here, before any run
        args.map,
        lobby_group=args.lobby,
        quick=args.quick,
        contexts=args.contexts,
        config_dirs=config_dirs(args.config_dir),
    )
    map_name = context.inputs["map"]["name"]
    out = (
        check_out_dir(args.out)
        if args.out is not None
        else _default_out(f"design_{map_name}", args.quick)
    )
    print(
        f"design {map_name}: up to {nfe} candidate designs, {population} per generation, each "
        f"on {len(context.contexts)} contexts of {context.steps} steps -> {out}"
    )
    result = ds.search(
        context, out, nfe=nfe, population=population, seed=args.seed, workers=args.workers
    )
    inputs = context.inputs
    setting_words = {
        "Map": f"{map_name} ({inputs['map']['source']})",
        "Lobby": f"the ideal of {inputs['lobby_group']!r} ({inputs['lobby_rule']})",
        "Contexts": f"{len(context.contexts)} (Latin hypercube over the map's uncertainty and "
        f"the lobby budget from 0 to {inputs['budget_high']:g}, a third without a lobby), "
        f"{context.steps} steps each with {len(context.base['shocks'])} shocks, "
        f"{context.base.get('n_stakeholders', 'the map\u2019s')} stakeholders",
        "Levers": "membership family (category seats with seats by lot, category seats with "
        "an open consultation, or an open forum with participation support), seats per "
        f"category (0 to {ds.MAX_CATEGORY_SEATS}, at most half a category), seats by lot (0 to "
        f"{ds.MAX_LOTTERY_SEATS}), term length ({ds.TERM_RANGE[0]} to {ds.TERM_RANGE[1]} "
        "rounds), transparency, recusal, participation support per category",
        "Optimiser": f"epsilon-NSGA-II, {result.generations} generations of up to {population} "
        f"candidates ({nfe} evaluations allowed), seed {args.seed}",
        "Runs": f"{result.n_runs} (no-lobby twins inside each run)",
        "Setting": "quick look (--quick)" if args.quick else "full",
    }
    report = write_search(out, result, setting_words)
    print(
        f"design {map_name}: {result.evaluated['design'].nunique()} designs evaluated in "
        f"{result.n_runs} runs; {len(result.pareto)} not beaten by another:"
    )
    for i, row in result.pareto.iterrows():
        print(
            f"  P{i + 1}: inclusiveness {row['rose']:.3f}, responsiveness "
            f"{row['responsiveness']:.3f}, capture {row['capture']:.3f}  {row['description']}"
        )
    print(f"pareto:  {(out / 'pareto.csv').resolve()}")
    print(f"report:  {report.resolve()}")
    return 0


def check_report_name(spec: Any, name: str) -> None:
    """Refuse a study whose ``report:`` names no report builder, before any run.

    Raises:
        ValueError: One line naming the study, the key and the valid reports.
    """
    from msisim.viz.report import get_report, report_name

    try:
        get_report(report_name(spec))
    except ValueError as err:
        raise ValueError(f"experiment {name}: report: {err}") from None


def check_out_dir(text: str) -> Path:
    """``--out`` as a folder; one line when it exists as a file, a device or a FIFO."""
    from msisim.user_files import check_out_dir as check

    return check(text, "--out")


def _default_out(name: str, quick: bool) -> Path:
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    return Path("outputs") / name / (f"quick_{stamp}" if quick else stamp)


def write_runs_csv(folder: Path) -> Path:
    """Write ``runs.csv`` beside ``runs.parquet`` in a folder of an older msisim.

    The store writes it (and records its checksum) with ``runs.parquet``; this fills the
    gap in an older folder after :func:`msisim.study.store.verify_results` passed.
    """
    import pandas as pd

    from msisim.study.store import atomic_write

    runs = pd.read_parquet(folder / "runs.parquet")
    path = folder / "runs.csv"
    atomic_write(path, lambda p: runs.to_csv(p, index=False))
    return path


# --------------------------------------------------------------------------- report


def find_study_folder(folder: Path) -> Path:
    """The study results in ``folder``, or the latest in its subfolders (timestamped runs).

    Raises:
        FileNotFoundError: When the folder does not exist or holds no study results.
    """
    if not folder.exists():
        raise FileNotFoundError(f"{folder} does not exist")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")

    def finished(path: Path) -> bool:
        return (path / "manifest.json").is_file() and (path / "runs.parquet").is_file()

    if finished(folder):
        return folder
    found = [p for pattern in ("*", "*/*") for p in folder.glob(pattern) if finished(p)]
    if not found:
        raise FileNotFoundError(
            f"{folder} holds no study results (manifest.json and runs.parquet), "
            "nor does any folder below it"
        )
    latest = max(found, key=lambda p: ((p / "manifest.json").stat().st_mtime, str(p)))
    if len(found) > 1:
        print(
            f"msisim report: {folder} holds {len(found)} study results; using the latest: {latest}"
        )
    return latest


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild a study's figures and report from stored results."""
    from msisim.plugins import load_plugins
    from msisim.study.store import read_manifest, recorded_files
    from msisim.viz.report import build_report

    load_plugins(args.plugin or [])
    folder = find_study_folder(Path(args.folder))
    manifest = read_manifest(folder) or {}
    if manifest.get("claims_map"):
        raise ValueError(
            f"{folder} is a claims map's folder (msisim robustness): its report is "
            f"{folder / 'report.md'}, written with the map; `msisim report` reads study folders"
        )
    if not (folder / "runs.csv").exists() and recorded_files(manifest) is None:
        write_runs_csv(folder)  # an older folder; msisim's own are verified by build_report
    path = build_report(folder)  # verifies (rebuilds or refuses) the tables first
    print(f"report: {path.resolve()}")
    return 0


# --------------------------------------------------------------------------- list


def expected_seconds(spec: Any) -> float:
    """A study's run time on one core by formula (:func:`msisim.study.timings.formula_seconds`)."""
    from msisim.study.timings import formula_seconds

    return formula_seconds(spec)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"~{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"~{round(seconds / 60)} min"
    return f"~{seconds / 3600:.1f} h"


def cmd_list(args: argparse.Namespace) -> int:
    """List the studies: question, run count and expected time (quick and full), end to end."""
    import os

    from msisim.conf import experiment_names
    from msisim.plugins import load_plugins
    from msisim.study.timings import estimate, load_timings

    load_plugins(args.plugin or [])
    timings = load_timings()
    for name in experiment_names(args.config_dir):
        full = load_experiment(name, [], quick=False, config_dir=args.config_dir)
        try:
            quick = load_experiment(name, [], quick=True, config_dir=args.config_dir)
        except ValueError:
            quick = None
        print(name)
        if full.question:
            print(f"    {' '.join(full.question.split())}")
        settings = [("quick", quick), ("full", full)] if quick is not None else [("full", full)]
        counts = []
        for setting, spec in settings:
            guess = estimate(name, setting, spec, timings=timings)
            mark = "" if guess.basis != "typical" else " (not measured)"
            counts.append(f"{setting}: {spec.n_runs()} runs, {_duration(guess.seconds)}{mark}")
        print(f"    {'; '.join(counts)}")
    when = timings.get("measured", "never")
    print(
        f"\nTimes are estimates of the whole command (start-up, runs, report) with the default "
        f"{os.cpu_count() or 1} worker(s), from end-to-end runs measured on {when} on a "
        f"{timings.get('cores', '?')}-core machine (benchmarks/list_times.py re-measures them); "
        "a busy machine is slower."
    )
    return 0


# --------------------------------------------------------------------------- app


#: The module Solara serves: its package's parent folder holds the page template
#: (``msisim/viz/templates/index.html.j2``) that says so in the page when scripts fail.
APP_MODULE = "msisim.viz.web:Page"


def app_command(host: str, port: int, assets: Path | None) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the app.

    With ``assets`` (the folder of :func:`msisim.viz.assets.assets_dir`) Solara serves its
    JavaScript from that folder, fetching online only a file it lacks; with ``None`` it
    uses its own cache folder (the same files, when ``solara-assets`` is installed there).
    """
    import os

    env = {
        **os.environ,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_CHECK_VERSION": "false",
        "SOLARA_THEME_SHOW_BANNER": "false",  # its corner banner would cover the figures
        "SOLARA_ASSETS_PROXY": "True",  # the page's JavaScript comes through this server
    }
    env.pop("SOLARA_ASSETS_PROXY_CACHE_DIR", None)
    if assets is not None:
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(assets)
    command = [
        sys.executable, "-m", "solara", "run", APP_MODULE,
        "--host", host, "--port", str(port), "--production", "--no-open",
    ]  # fmt: skip
    return command, env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: ask the kernel to send SIGTERM to the server when ``msisim app`` dies."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the interactive app (binds to 127.0.0.1 unless --host says otherwise).

    The server runs as a child process; stopping ``msisim app`` (Ctrl-C, SIGTERM, SIGHUP, or
    on Linux even SIGKILL) stops the server too.
    """
    import signal
    import subprocess

    from msisim.viz.assets import ASSETS_PACKAGE, assets_dir, missing_files

    check_host(args.host, args.port)  # one line before the server starts
    assets = assets_dir()
    missing = missing_files(assets)
    if not missing:
        print(f"msisim app: serving the page's JavaScript from the local copy in {assets}")
    else:
        print(
            f"msisim app: {len(missing)} of the page's JavaScript files are not in "
            f"{assets or 'a local copy'} (e.g. {missing[0]}); the page loads them from the "
            f"internet or, offline, says so: install them with 'pip install {ASSETS_PACKAGE}'",
            file=sys.stderr,
        )
    command, env = app_command(args.host, args.port, assets)
    print(f"msisim app: open http://{args.host}:{args.port}/ in a browser (Ctrl-C stops)")
    sys.stdout.flush()
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    server = subprocess.Popen(command, env=env, preexec_fn=preexec)

    def stop(signum: int, _frame: Any) -> None:
        if server.poll() is None:
            server.terminate()
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)
                if hasattr(signal, sig.name)}  # fmt: skip
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --------------------------------------------------------------------------- run (Hydra app)


def run_app(argv: list[str]) -> int:
    """``msisim run``: a Hydra app over ``configs/run.yaml`` (supports ``-m`` multirun).

    The arguments go to Hydra's own argument parser and runner directly (the same two calls
    that ``@hydra.main`` makes, minus its reading of ``sys.argv``). Before Hydra starts, the
    overrides are checked (:func:`check_run_overrides`) so that bad input ends in one line.
    """
    import os

    from hydra._internal.utils import _run_hydra, get_args_parser
    from omegaconf import DictConfig, OmegaConf

    from msisim.conf import (
        RUN_HYDRA_KEYS,
        check_overrides,
        config_dirs,
        model_params,
        packaged_config_dir,
        register_configs,
    )
    from msisim.plugins import ensure_plugins, load_plugins
    from msisim.study.checks import check_config_tree
    from msisim.study.runner import SweepError
    from msisim.user_files import check_name

    try:  # before the help and the schema are built, so that they list the plugins' names
        plugin_files, argv = split_plugin_options(argv)
        plugins = load_plugins(plugin_files)
    except ValueError as err:
        print(f"msisim run: error: {_one_line(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    parser = get_args_parser()
    args = parser.parse_args(argv)
    if args.config_dir is None and os.environ.get("MSISIM_CONFIG_DIR"):
        args.config_dir = os.environ["MSISIM_CONFIG_DIR"]
    try:
        register_configs(args.config_dir)
        folders = config_dirs(args.config_dir)
        if args.config_name is not None:
            check_name(args.config_name, "--config-name")
        if args.config_path is not None:  # Hydra would read a relative one inside msisim
            args.config_path = str(run_config_path(args.config_path))
            folders.insert(0, Path(args.config_path))
        for folder in folders:
            check_config_tree(folder)  # files, aliases, duplicate keys and code, before Hydra
        check_overrides(args.overrides, RUN_HYDRA_KEYS)  # no code, no other hydra.* setting
    except (ValueError, OSError, HydraException) as err:
        print(f"msisim run: error: {_one_line(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.shell_completion or args.experimental_rerun:
        flag = "--shell-completion" if args.shell_completion else "--experimental-rerun"
        print(f"msisim run: error: {flag} is not supported by msisim run", file=sys.stderr)
        return EXIT_BAD_INPUT
    baseline: dict[str, Any] | None = None
    if not (args.help or args.hydra_help or args.cfg or args.info or args.shell_completion):
        try:
            baseline = check_run_overrides(args.overrides, args.config_dir, multirun=args.multirun)
        except (ValueError, OSError, HydraException, OmegaConfBaseException) as err:
            print(f"msisim run: error: {_one_line(err)}", file=sys.stderr)
            return EXIT_BAD_INPUT
    status: dict[str, int] = {"code": 0}

    def task(cfg: DictConfig) -> None:
        from hydra.core.hydra_config import HydraConfig

        _quiet_libraries()
        ensure_plugins(plugins)  # a no-op here; a launcher's worker process loads them
        node = OmegaConf.to_container(cfg.params, resolve=True)
        params = model_params(node, str(cfg.model), baseline)  # type: ignore[arg-type]
        out = Path(HydraConfig.get().runtime.output_dir)
        try:
            if cfg.stakeholder_map:
                params = with_map(
                    params, str(cfg.stakeholder_map), config_dirs(args.config_dir), baseline
                )
            status["code"] = max(status["code"], run_scenario(params, cfg, out, plugins))
        except SweepError as err:
            print(f"msisim run: error: {_one_line(err)}", file=sys.stderr)
            status["code"] = max(status["code"], EXIT_FAILED_RUNS)
        except (ValueError, OSError) as err:
            print(f"msisim run: error: {_one_line(err)}", file=sys.stderr)
            status["code"] = EXIT_BAD_INPUT

    full_error = os.environ.get("HYDRA_FULL_ERROR")
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra raises instead of printing: one line below
    try:
        _run_hydra(
            args=args,
            args_parser=parser,
            task_function=task,
            config_path=str(packaged_config_dir()),
            config_name="run",
        )
    except SystemExit as exit_:
        return int(exit_.code or 0)
    except Exception as err:  # Hydra's config errors, an unusable hydra.run.dir
        if isinstance(err, FileExistsError | NotADirectoryError) and err.filename:
            err = ValueError(
                f"output folder {err.filename} (hydra.run.dir/hydra.sweep.dir): it or a folder "
                "above it is a file or a device, not a folder; give a folder"
            )
        print(f"msisim run: error: {_one_line(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        if full_error is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = full_error
    return status["code"]


def run_config_path(text: str) -> Path:
    """``msisim run --config-path DIR`` as an absolute folder (relative to the current one).

    Raises:
        ValueError: A ``pkg://`` path or a path that is not a folder, in one line.
    """
    if text.startswith(("pkg://", "file://")):
        scheme = text.split(":")[0]
        raise ValueError(f"--config-path {text}: give a folder path, not a {scheme}:// URL")
    path = Path(text).expanduser().absolute()
    if not path.is_dir():
        raise ValueError(f"--config-path {text}: no such folder")
    return path


def check_run_overrides(
    overrides: list[str], config_dir: str | Path | None = None, *, multirun: bool = False
) -> dict[str, Any]:
    """Refuse bad ``msisim run`` overrides before Hydra starts, with one-line messages.

    Parses them with Hydra's grammar, checks group options and ``params.NAME`` keys (naming
    the closest valid one), then composes the config (first value of each sweep) and builds
    the model's parameters, so a wrong value is refused before any run.

    Returns:
        The ``params`` node the default groups compose to, without any override: what
        :func:`msisim.conf.model_params` compares with to tell which parameters were set.

    Raises:
        ValueError: On an unknown option or parameter, or a parameter value the model refuses.
        HydraException: On an override Hydra cannot parse or apply.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    from msisim.conf import (
        RUN_SETTINGS,
        config_dirs,
        config_groups,
        cycle_message,
        group_options,
        interpolation_cycle,
        model_params,
        packaged_config_dir,
        parameter_table,
        register_configs,
        study_form,
    )
    from msisim.kinds import model_kind

    register_configs(config_dir)  # the run config's schema (idempotent)
    infos = {info.name: info for info in parameter_table()}
    names = list(infos)
    groups = config_groups(config_dir)
    readable = {*groups, "model", "params", "stakeholder_map", *RUN_SETTINGS}
    parsed = OverridesParser.create().parse_overrides(overrides)
    first: list[str] = []
    for override in parsed:
        key = override.key_or_group
        try:
            values = (
                list(override.sweep_string_iterator())
                if override.is_sweep_override()
                else [override.get_value_element_as_str()]
            )
        except Exception:  # an interval sweep (for a sweeper plugin) has no list of values
            values = []
        top = key.split(".")[0]
        if top not in readable and top != "hydra":  # hydra.*: checked by check_overrides
            close = difflib.get_close_matches(top, sorted(readable), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"override {override.input_line!r}: msisim run reads no {top!r}{hint}; it reads "
                f"{', '.join(sorted(readable))}"
            )
        if key.startswith("params."):
            name = key.split(".")[1]
            if name == "n_steps":
                raise ValueError("set the run length with steps=N, not params.n_steps")
            if name == "stakeholder_map":
                raise ValueError(
                    "give a stakeholder map as stakeholder_map=FILE (a run setting), not "
                    "params.stakeholder_map"
                )
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f" (did you mean 'params.{close[0]}'?)" if close else ""
                raise ValueError(
                    f"unknown model parameter 'params.{name}'{hint}; "
                    "'msisim run --help' lists them all"
                )
            check_typed_override(override, f"params.{name}", infos[name].schema_type,
                                 infos[name].form)  # fmt: skip
        elif key in RUN_SETTINGS:
            check_typed_override(override, key, int, study_form(key))
        elif key in ("model", "stakeholder_map"):
            check_typed_override(override, key, str, study_form("model") if key == "model" else
                                 "a map's name or a .csv/.yaml file")  # fmt: skip
        elif key in groups:
            valid = group_options(key, config_dir)
            for choice in values:
                if choice not in valid:
                    close = difflib.get_close_matches(choice, valid, n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise ValueError(
                        f"{key}={choice!r} is not a config option{hint}; valid: {', '.join(valid)}"
                    )
        if override.is_sweep_override():
            if not multirun:
                raise ValueError(f"{override.input_line!r} is a sweep: add -m to run it")
            if values:  # compose the first value of each sweep
                first.append(f"{override.get_key_element()}={values[0]}")
        else:
            first.append(override.input_line or "")
    chosen = {o.split("=", 1)[0]: o.split("=", 1)[1] for o in first if o.split("=")[0] in groups}
    check_run_group_files(chosen, config_dir, infos)
    packaged = packaged_config_dir()
    extra = [f"file://{p}" for p in config_dirs(config_dir) if p != packaged]
    search = [f"hydra.searchpath=[{','.join(extra)}]"] if extra else []
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(packaged), version_base="1.3"):
            cfg = compose(config_name="run", overrides=search + first, return_hydra_config=True)
            plain = compose(config_name="run", overrides=search)  # the default groups only
    finally:
        GlobalHydra.instance().clear()
    choices = dict(cfg.hydra.runtime.choices)
    del cfg.hydra  # from here on the job's config only, as the run sees it
    unresolved = OmegaConf.to_container(cfg, resolve=False)
    cycle = interpolation_cycle(unresolved)
    if cycle:  # OmegaConf would name the key only: the files that set it too
        files = dict.fromkeys(f for k in cycle for f in run_config_files(choices, config_dir, k))
        raise ValueError(cycle_message(cycle, ", ".join(files) or "msisim run's config"))
    try:
        params = OmegaConf.to_container(cfg.params, resolve=True)
    except OmegaConfBaseException as err:  # an interpolation that cannot be resolved
        key = str(getattr(err, "full_key", "") or "")
        named = run_config_files(choices, config_dir, key) if key else []
        reason = str(getattr(err, "msg", "") or err).strip().splitlines()[0]
        raise ValueError(
            f"{', '.join(named) or 'msisim run'}: {key}: {reason}; an interpolation names a "
            "key of the composed config ('msisim run --cfg job' shows them)"
        ) from None
    baseline = OmegaConf.to_container(plain.params, resolve=True)
    model = str(cfg.model)
    flat = model_params(params, model, baseline)  # type: ignore[arg-type]
    if cfg.stakeholder_map:
        flat = with_map(flat, str(cfg.stakeholder_map), config_dirs(config_dir), baseline)  # type: ignore[arg-type]
    try:
        model_kind(model).params(flat)
    except ValueError as err:  # named as the key the user gave: params.NAME, and its source
        name = str(err).split("=", 1)[0].split(".")[0].split("[")[0]
        if name not in flat:
            raise
        given = [o for o in first if o.lstrip("+").startswith(f"params.{name}")]
        groups = [o for o in first if o.split("=")[0] in config_groups(config_dir)]
        source = (
            f" (override {given[0]!r})"
            if given
            else f" (from {', '.join(groups)})"
            if groups
            else ""
        )
        raise ValueError(f"params.{_one_line(err)}{source}") from None
    return baseline  # type: ignore[return-value]


def check_run_group_files(
    chosen: dict[str, str], config_dir: str | Path | None, infos: dict[str, Any]
) -> None:
    """Check the group files ``msisim run`` composes before Hydra does, naming the file.

    ``chosen`` maps a group to the option the command line gives; the other groups take
    the defaults of the first ``run.yaml`` on the search path. A file's keys must be model
    parameters (``# @package params``) of the schema's types: Hydra's messages ("Key
    'design' not in 'RunSchema'", "could not be converted to Float") named no allowed form.

    Raises:
        ValueError: One line naming the file, the key and the allowed form.
    """
    import difflib

    from msisim.conf import check_schema_value, config_dirs

    folders = config_dirs(config_dir)
    run_yaml = next(f / "run.yaml" for f in folders if (f / "run.yaml").is_file())
    defaults = (yaml.safe_load(run_yaml.read_text()) or {}).get("defaults") or []
    options = {k: v for d in defaults if isinstance(d, dict) for k, v in d.items()}
    for group, option in {**options, **chosen}.items():
        if " " in str(group) or group.startswith("hydra") or not isinstance(option, str):
            continue
        path = next((f / group / f"{option}.yaml" for f in folders
                     if (f / group / f"{option}.yaml").is_file()), None)  # fmt: skip
        if path is None:
            continue
        text = path.read_text()  # checked by check_config_tree: a small regular file
        header = [ln.split(None, 2)[2].strip() for ln in text.splitlines()[:5]
                  if ln.startswith("# @package") and len(ln.split()) > 2]  # fmt: skip
        package = header[0] if header else group
        data = yaml.safe_load(text) or {}
        if package == "_global_" and isinstance(data, dict):
            data, package = data.get("params") or {}, "params"
        if package != "params":
            raise ValueError(
                f"{path}: a group file of msisim run sets model parameters and starts with "
                f"'# @package params'; without it its keys land under '{package}.', which "
                "msisim run does not read"
            )
        for key, value in data.items() if isinstance(data, dict) else ():
            if key == "defaults":  # Hydra's defaults list: the files it names are composed too
                continue
            info = infos.get(str(key))
            if info is None:
                close = difflib.get_close_matches(str(key), list(infos), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(
                    f"{path}: {key!r} is not a model parameter{hint}; "
                    "'msisim run --help' lists them"
                )
            check_schema_value(value, info.schema_type, f"params.{key}", str(path), info.form)


def run_config_files(choices: dict[str, Any], config_dir: str | Path | None, key: str) -> list[str]:
    """The config files of a ``msisim run`` composition that set ``key`` (a dotted path).

    ``choices`` is Hydra's ``hydra.runtime.choices`` (group -> option); each option's file is
    the first on the search path, its keys placed under its ``# @package`` (by default the
    group's name), and the primary ``run.yaml`` at the top.
    """
    from msisim.conf import config_dirs

    found = []
    for group, option in [("", "run"), *choices.items()]:
        if option is None or group.startswith("hydra"):
            continue
        for folder in config_dirs(config_dir):
            path = folder / group / f"{option}.yaml"
            if not path.is_file():
                continue
            text = path.read_text()  # checked by check_config_tree: a small regular file
            package = group.replace("/", ".")
            for line in text.splitlines()[:5]:
                if line.startswith("# @package"):
                    package = line.split(None, 2)[2].strip()
            package = "" if package == "_global_" or not group else package
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError:
                data = None
            node: Any = {package: data} if package else data
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                found.append(str(path))
            break
    return found


def check_typed_override(override: Any, key: str, kind: Any, form: str) -> None:
    """Refuse an override whose value (each value of a sweep) the schema's type cannot take.

    Raises:
        ValueError: One line naming the override, the key and the allowed form.
    """
    from msisim.conf import check_schema_value

    if override.is_delete():
        return
    try:
        values = (
            list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]
        )
    except Exception:  # an interval or glob sweep (for a sweeper plugin): Hydra checks it
        return
    for value in values:
        check_schema_value(value, kind, key, f"override {override.input_line!r}", form)


def with_map(
    params: dict[str, Any],
    reference: str,
    config_dirs: list[Path] | tuple[Path, ...] = (),
    baseline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``msisim run``'s parameters with a stakeholder map's population in place of the default.

    The map sets the groups; its head count sets N and its positions ``n_dims``, unless the
    command line or a chosen group changed them from ``baseline`` (the default groups'
    values). A bad or missing map raises one line naming it.
    """
    from msisim.study.spec import map_population

    if model_params_set(params, ("groups", "categories")):
        raise ValueError(
            "stakeholder_map sets the population's groups and categories: drop params.groups "
            "and params.categories"
        )
    reference_values = baseline or {}
    out = {
        k: v
        for k, v in params.items()
        if not (k in ("n_stakeholders", "n_dims") and v == reference_values.get(k, v))
        and k not in ("groups", "categories")
    }
    for key, value in map_population(reference, out, config_dirs).items():
        out.setdefault(key, value)  # plain groups (a manifest stores them), N, n_dims
    return out


def model_params_set(params: dict[str, Any], names: tuple[str, ...]) -> bool:
    """Whether any of ``names`` is set (not ``None``) in ``params``."""
    return any(params.get(n) is not None for n in names)


class CombineSweepRuns(Callback):
    """Hydra callback of ``msisim run -m``: one table of every job's runs at the sweep dir.

    Writes ``sweep_runs.parquet`` and ``sweep_runs.csv`` with a ``job`` column (the job's
    folder, named by its overrides) in front of each job's ``runs.parquet`` rows.
    """

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        """Combine the jobs' run tables once every job has finished."""
        import pandas as pd

        from msisim.study.store import atomic_write, write_parquet

        sweep = Path(str(config.hydra.sweep.dir))
        parts = []
        for path in sorted(sweep.glob("*/runs.parquet")):
            frame = pd.read_parquet(path)
            frame.insert(0, "job", path.parent.name)
            parts.append(frame)
        if not parts:
            return
        table = pd.concat(parts, ignore_index=True)
        write_parquet(sweep / "sweep_runs.parquet", table)
        atomic_write(sweep / "sweep_runs.csv", lambda p: table.to_csv(p, index=False))
        print(f"all jobs: {(sweep / 'sweep_runs.parquet').resolve()} ({len(table)} runs)")
        print(f"          {(sweep / 'sweep_runs.csv').resolve()}")
        from msisim.viz.sweep import sweep_figure

        try:
            figure = sweep_figure(sweep, table)
        except Exception as err:  # the table is complete; only the figure is missing
            print(f"msisim run: warning: sweep figure not written: {_one_line(err)}")
            return
        if figure is not None:
            print(f"figure:   {figure.resolve()}")


def run_scenario(
    params: dict[str, Any], cfg: Any, out: Path, plugins: list[Any] | None = None
) -> int:
    """Run one scenario's replicates into ``out``; print a summary table and the figure path.

    ``plugins`` (:class:`msisim.plugins.Plugin` records) go to the runs and the manifest;
    ``None``: those loaded in this process.
    """
    import pandas as pd

    from msisim.conf import parameter_table
    from msisim.outcomes import OUTCOMES
    from msisim.study.analysis import ci_table
    from msisim.study.runner import run_experiment
    from msisim.study.spec import ExperimentSpec
    from msisim.viz.plots import plot_metrics_over_time

    # every parameter goes into the runs' param.* columns, except n_steps: steps sets it
    base = {k: v for k, v in params.items() if k != "n_steps"}
    defaults = {info.name: info.default for info in parameter_table()}
    changed = {k: v for k, v in base.items() if k not in defaults or v != defaults[k]}
    spec = ExperimentSpec.from_dict(
        {
            "name": "run",
            "title": "msisim run",
            "model": str(cfg.model),
            "base": base,
            "replicates": int(cfg.replicates),
            "steps": int(cfg.steps),
            "seed": int(cfg.seed),
            "collect_series": True,
        }
    )
    result = run_experiment(spec, out, workers=int(cfg.workers), plugins=plugins)
    csv = out / "runs.csv"  # written by the store with runs.parquet
    outcomes = [
        "n_members", "rose", "true_rose", "expected_rose", "grassroots_share",
        "viewpoint_coverage", "congruence", "capture", "lobby_bias", "captured_share",
        "selector_capture", "gridlock_rate", "governance_index", "legislative_efficiency",
    ]  # fmt: skip
    # and every outcome the plugins brought (their summary keys)
    outcomes += [
        OUTCOMES[name].key for p in plugins or () for kind, name in p.units if kind == OUTCOMES.kind
    ]
    table = ci_table(result.runs, [], [o for o in outcomes if o in result.runs])
    series = pd.read_parquet(out / "series.parquet").merge(
        result.runs[["run_id", "replicate"]], on="run_id"
    )
    series["scenario"] = params.get("membership", str(cfg.model))
    shown_metrics = ["rose", "grassroots_share", "viewpoint_coverage", "congruence", "capture",
                     "lobby_bias", "captured_share", "legislative_efficiency"]  # fmt: skip
    figure = plot_metrics_over_time(
        series,
        [m for m in shown_metrics if m in series],  # a parliament records only its efficiency
        out / "metrics_over_time.png",
        title=f"{params.get('membership', cfg.model)}: {spec.replicates} replicates "
        "(mean and 95% CI)",
    )
    shown = ", ".join(f"{k}={v}" for k, v in changed.items() if k != "groups")
    if cfg.get("stakeholder_map"):  # its groups are long: name the map instead
        shown = ", ".join(filter(None, [f"stakeholder_map={cfg.stakeholder_map}", shown]))
    shown = shown or "the model's defaults"
    print(f"scenario: {shown}")
    print(table[["outcome", "mean", "ci_low", "ci_high", "n"]].to_string(index=False))
    print(f"results: {(out / 'runs.parquet').resolve()}")
    print(f"         {csv.resolve()}")
    print(f"figure:  {figure.resolve()}")
    return EXIT_FAILED_RUNS if result.n_failed else 0


# --------------------------------------------------------------------------- map


def cmd_map(args: argparse.Namespace) -> int:
    """Print a stakeholder map's summary; with ``--plot``, write its figure."""
    import pandas as pd

    from msisim.conf import config_dirs
    from msisim.stakeholder_map import load_stakeholder_map

    smap = load_stakeholder_map(args.file, config_dirs=config_dirs(args.config_dir))
    n = args.n_stakeholders
    smap.population(**({"n_stakeholders": n} if n else {}))  # the model accepts it
    table = smap.summary(n)
    sizes = "head counts" if smap.sizes_are_counts else "shares"
    print(
        f"stakeholder map {smap.source}: {len(table)} groups in {len(smap.categories)} "
        f"categories; sizes are {sizes}; N = {n or smap.default_n():,}"
    )
    for note in smap.notes:
        print(f"note: {note}")
    shown = table.assign(
        size=table["size"].map(lambda v: f"{v:g}"),
        position=table["position"].map(lambda p: "(" + ", ".join(f"{v:.2f}" for v in p) + ")"),
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print()
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print()
        categories = smap.category_summary(n)
        categories["new"] = categories["new"].map({True: "new", False: ""})
        print(categories.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(
        "\nresources: median of the group's lognormal resources (exp(mu)); derived from "
        "power unless the map gives them (docs/ODD.md section 6)"
    )
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from msisim.viz.maps import plot_stakeholder_map

        out = Path(args.plot) if args.plot else Path("outputs") / "maps" / f"{smap.name}.png"
        if out.suffix.lower() != ".png":
            raise ValueError(f"--plot {out}: the figure is a PNG; give a .png file name")
        fig = plot_stakeholder_map(smap, out)
        plt.close(fig)
        print(f"figure:  {out.resolve()}")
    return 0


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``experiment``, ``report``, ``list`` and ``app``."""
    parser = argparse.ArgumentParser(
        prog="msisim",
        description="Simulate multistakeholder governance forums. Commands: run (one "
        "scenario; Hydra overrides, -m for multirun; see 'msisim run --help'), experiment, "
        "compare, design, report, robustness, list, map, app.",
    )
    parser.add_argument("--version", action="version", version=f"msisim {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "run",
        help="one scenario, N replicates (Hydra app: see 'msisim run --help'; "
        "--plugin FILE loads your own rules first)",
    )
    config_dir_help = (
        "your own config folder (experiment/*.yaml, design/*.yaml, ...), searched before the "
        "shipped configs (default: $MSISIM_CONFIG_DIR)"
    )
    exp = sub.add_parser(
        "experiment",
        help="run a study (factors x designs x replicates) and write its report",
        description="Run a study from the package's configs/experiment/ (or your --config-dir) "
        "and write runs.parquet, runs.csv, manifest.json, figures and report.md into the output "
        "folder. Rerunning into the same folder skips finished runs. Overrides use Hydra "
        "syntax, e.g. replicates=5 base.n_stakeholders=500 'factors.lobby_budget.levels=[0,1,2]'.",
    )
    exp.add_argument("name", help="study name (see 'msisim list')")
    exp.add_argument("overrides", nargs="*", help="Hydra overrides of the study's config")
    exp.add_argument(
        "--quick",
        action="store_true",
        help="the study's quick setting (configs/experiment/quick/NAME.yaml; < 1 min)",
    )
    exp.add_argument("--backend", choices=("local", "dask"), default="local",
                     help="local process pool (default) or a Dask cluster")  # fmt: skip
    exp.add_argument("--address", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    exp.add_argument("--workers", type=_positive, default=None,
                     help="worker processes (default: all cores)")  # fmt: skip
    exp.add_argument("--out", help="output folder (default outputs/NAME/TIMESTAMP)")
    exp.add_argument(
        "--run-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="stop a run after this long and record it as failed (local backend)",
    )
    exp.add_argument("--config-dir", metavar="DIR", help=config_dir_help)
    _add_plugin_option(exp)
    exp.set_defaults(func=cmd_experiment)
    rep = sub.add_parser(
        "report",
        help="rebuild figures and report.md from stored results",
        description="Rebuild a study's figures and report.md from manifest.json and "
        "runs.parquet in DIR, without running any model. If DIR holds several timestamped "
        "study folders (e.g. outputs/bollow_comparison), the latest is used.",
    )
    rep.add_argument("folder", metavar="DIR", help="a study's output folder, or a folder of them")
    _add_plugin_option(rep, "the plugins the study ran with (its manifest names them)")
    rep.set_defaults(func=cmd_report)
    rob = sub.add_parser(
        "robustness",
        help="a study's claims map: its claims re-evaluated over the structural assumptions",
        description="Draw the model's structural assumptions (a Saltelli sample; the shipped "
        "configs/robustness/assumptions.yaml or --assumptions FILE), run the cells each of the "
        "study's claims compares at every point on one seed, and write points.csv, claims.csv "
        "(share of the space where each claim holds, Wilson 95% interval, verdict, PRIM box "
        "where it fails), prim_boxes.csv, sobol.csv and report.md into the output folder. "
        "Runs are journalled as they finish: the same command into the same folder resumes.",
    )
    rob.add_argument("name", help="study name (see 'msisim list')")
    rob.add_argument(
        "--quick",
        action="store_true",
        help="the study's quick setting and a Saltelli base of 4 (under 3 minutes on 2 cores)",
    )
    rob.add_argument("--samples", type=_positive, default=None, metavar="N",
                     help="at least N map points (raises the Saltelli base)")  # fmt: skip
    rob.add_argument("--base", type=_positive, default=None, metavar="N",
                     help="Saltelli base sample (a power of 2; default 512, quick 4)")  # fmt: skip
    rob.add_argument("--assumptions", metavar="FILE", default=None,
                     help="your own assumption file (YAML, the shipped file's format)")  # fmt: skip
    rob.add_argument("--workers", type=_positive, default=None,
                     help="worker processes (default: all cores)")  # fmt: skip
    rob.add_argument("--backend", choices=("local", "dask"), default="local",
                     help="where the runs run: this machine's process pool (default) or Dask "
                     "(a local cluster, or --address)")  # fmt: skip
    rob.add_argument("--address", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    rob.add_argument("--out", help="output folder (default outputs/NAME_robustness/TIMESTAMP)")
    rob.add_argument(
        "--study",
        metavar="DIR",
        help="a finished run of the same study at the same setting (`msisim experiment NAME`'s "
        "folder): the map goes into DIR/claims_map and DIR's report quotes it",
    )
    rob.add_argument("--config-dir", metavar="DIR", help=config_dir_help)
    rob.set_defaults(func=cmd_robustness)
    lst = sub.add_parser(
        "list",
        help="list the studies: question, run count and expected time",
        description="List the studies with their question, and the number of runs and the "
        "expected time on one core of their quick and full settings.",
    )
    lst.add_argument("--config-dir", metavar="DIR", help=config_dir_help)
    _add_plugin_option(lst)
    lst.set_defaults(func=cmd_list)
    cmp = sub.add_parser(
        "compare",
        help="compare designs on your forum's stakeholder map (regret, paired differences)",
        description="Compare forum designs on a stakeholder map: every design runs on the same "
        "contexts (Latin hypercube over the map's uncertainty column and the lobby budget, "
        "a third with no lobby) and seeds; writes runs.parquet, runs.csv, manifest.json, "
        "figures and report.md (per-budget-band tables, paired differences against the first "
        "design, regret, the most robust design) into the output folder. Rerunning into the "
        "same folder skips finished runs; 'msisim report DIR' rebuilds the report.",
    )
    cmp.add_argument("map", metavar="MAP", help="a .csv or .yaml map, or a map's name (example)")
    cmp.add_argument(
        "--designs",
        metavar="FILE",
        help="a YAML file of named designs (name: {lever: value} or name: SHIPPED_DESIGN); "
        "the first is the reference (default: the shipped designs, representative first)",
    )
    cmp.add_argument(
        "--lobby",
        metavar="GROUP",
        help="the map group whose mean position is the lobby's ideal (default: the business "
        "group with the highest power x interest)",
    )
    cmp.add_argument(
        "--quick",
        action="store_true",
        help="a first look (about a minute on 2 cores): 9 contexts, 1 replicate, 40 steps, "
        "150 stakeholders",
    )
    cmp.add_argument("--contexts", type=_positive, default=None, metavar="N",
                     help="contexts to sample (default 30, quick 9; a multiple of 3)")  # fmt: skip
    cmp.add_argument("--replicates", type=_positive, default=None, metavar="N",
                     help="replicates per design and context (default 2, quick 1)")  # fmt: skip
    cmp.add_argument("--workers", type=_positive, default=None,
                     help="worker processes (default: all cores)")  # fmt: skip
    cmp.add_argument("--out", help="output folder (default outputs/compare_MAP/TIMESTAMP)")
    cmp.add_argument("--config-dir", metavar="DIR", help=config_dir_help)
    cmp.set_defaults(func=cmd_compare)
    dsn = sub.add_parser(
        "design",
        help="search design levers for the designs no other beats on your forum's map",
        description="Search the design levers (membership family, seats per category, seats "
        "by lot, term length, transparency, recusal, participation support) for the designs "
        "that no other design beats on inclusiveness, responsiveness and capture at once, "
        "across contexts sampled as in 'msisim compare' (with shocks, so responsiveness is "
        "the opinion-policy slope). Writes pareto.csv, evaluated.csv, figures/tradeoff.png "
        "and report.md; each generation's runs are kept in generations/, so rerunning the "
        "same command into the same folder resumes.",
    )
    dsn.add_argument("map", metavar="MAP", help="a .csv or .yaml map, or a map's name (example)")
    dsn.add_argument("--lobby", metavar="GROUP",
                     help="the map group whose mean position is the lobby's ideal (default: "
                     "the business group with the highest power x interest)")  # fmt: skip
    dsn.add_argument("--quick", action="store_true",
                     help="a first look: 3 contexts, 16 candidates in 2 generations")  # fmt: skip
    dsn.add_argument("--nfe", type=_positive, default=None, metavar="N",
                     help="candidate evaluations allowed (default 200, quick 16)")  # fmt: skip
    dsn.add_argument("--population", type=_positive, default=None, metavar="N",
                     help="candidates per generation (default 20, quick 8)")  # fmt: skip
    dsn.add_argument("--contexts", type=_positive, default=None, metavar="N",
                     help="contexts to sample (default 12, quick 3)")  # fmt: skip
    dsn.add_argument("--seed", type=int, default=0, help="the optimiser's seed (default 0)")
    dsn.add_argument("--workers", type=_positive, default=None,
                     help="worker processes (default: all cores)")  # fmt: skip
    dsn.add_argument("--out", help="output folder (default outputs/design_MAP/TIMESTAMP)")
    dsn.add_argument("--config-dir", metavar="DIR", help=config_dir_help)
    dsn.set_defaults(func=cmd_design)
    smap = sub.add_parser(
        "map",
        help="summarise a stakeholder map and draw its power/interest grid",
        description="Read a stakeholder map (a .csv or .yaml file with one row per group: "
        "group, category, size, power, interest, and optionally x, y, spread, resources, "
        "affectedness, engagement; or the name of a shipped map such as 'example'), check it, "
        "and print each group's share, quadrant and the resources, affectedness and engagement "
        "the model derives. The format is in README.md and docs/ODD.md section 6.",
    )
    smap.add_argument("file", metavar="FILE", help="a .csv or .yaml map, or a map's name")
    smap.add_argument(
        "--plot",
        nargs="?",
        const="",
        default=None,
        metavar="OUT",
        help="write the figure (power/interest grid and policy space) to OUT "
        "(default outputs/maps/NAME.png)",
    )
    smap.add_argument(
        "--n-stakeholders",
        type=_positive,
        default=None,
        metavar="N",
        help="population size (default: the map's head count, or 1000 for shares)",
    )
    smap.add_argument("--config-dir", metavar="DIR", help=config_dir_help)
    smap.set_defaults(func=cmd_map)
    app = sub.add_parser(
        "app",
        help="the interactive browser app (Mesa SolaraViz)",
        description="Serve the interactive app: the policy space live, capture and "
        "inclusiveness plots, the scorecard, a representative-vs-open comparison, preset and "
        "stakeholder-map pickers and a CSV download of the run. Its JavaScript comes from the "
        "local copy of the solara-assets package (no internet needed). Binds to 127.0.0.1 "
        "(also when HOST is set in the environment) unless --host is given.",
    )
    app.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    app.add_argument("--port", type=_port, default=8765, help="port, 1 to 65535 (8765)")
    app.add_argument(  # the local copy is the default now; kept for old scripts
        "--offline", action="store_true", help=argparse.SUPPRESS
    )
    app.set_defaults(func=cmd_app)
    return parser


PLUGIN_HELP = (
    "a Python file of your own rules, lobby strategies or outcomes, run before the config is "
    "read (repeatable); it is code: give only files you trust"
)


def _add_plugin_option(parser: argparse.ArgumentParser, help_text: str = PLUGIN_HELP) -> None:
    parser.add_argument("--plugin", action="append", default=[], metavar="FILE", help=help_text)


def split_plugin_options(argv: list[str]) -> tuple[list[str], list[str]]:
    """Take ``--plugin FILE`` and ``--plugin=FILE`` out of ``msisim run``'s arguments.

    Hydra's parser does not know the option, so it is removed before Hydra sees the rest.

    Returns:
        The plugin files and the remaining arguments.

    Raises:
        ValueError: ``--plugin`` without a file.
    """
    plugins: list[str] = []
    rest: list[str] = []
    items = iter(argv)
    for item in items:
        if item == "--plugin":
            value = next(items, None)
            if value is None or value.startswith("-"):
                raise ValueError("--plugin needs a file: --plugin FILE.py")
            plugins.append(value)
        elif item.startswith("--plugin="):
            value = item.split("=", 1)[1]
            if not value:
                raise ValueError("--plugin needs a file: --plugin FILE.py")
            plugins.append(value)
        else:
            rest.append(item)
    return plugins, rest


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _port(text: str) -> int:
    value = _positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: give 1 to 65535")
    return value


def check_host(host: str, port: int, timeout: float = 10.0) -> None:
    """Refuse an app host that does not resolve (within ``timeout`` seconds), in one line."""
    import socket
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures import TimeoutError as Late

    pool = ThreadPoolExecutor(max_workers=1)
    try:
        pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM).result(timeout)
    except Late:
        raise ValueError(f"--host {host!r}: no answer from name lookup in {timeout:g} s") from None
    except (OSError, UnicodeError) as err:
        raise ValueError(
            f"--host {host!r}: does not resolve to an address ({err.args[-1]}); "
            "give an address such as 127.0.0.1 or 0.0.0.0"
        ) from None
    finally:
        pool.shutdown(wait=False)


def _seconds(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be a finite number of seconds > 0")
    return value


def main(argv: list[str] | None = None) -> int:
    """Entry point: dispatch, and turn bad input into a one-line error."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        _setup_logging(False)
        return run_app(argv[1:])
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "experiment" and not any(x.startswith("-") for x in extra):
        args.overrides = [*args.overrides, *extra]  # overrides may follow the options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    _setup_logging(args.verbose)
    try:
        return int(args.func(args))
    except Exception as err:  # one line for the user; the traceback with -v
        from msisim.study.runner import SweepError
        from msisim.study.store import ResultsChangedError

        if args.verbose:
            logger.exception("failed")
        print(f"msisim {args.command}: error: {_one_line(err)}", file=sys.stderr)
        failed = isinstance(err, SweepError | ResultsChangedError)  # not the user's input
        return EXIT_FAILED_RUNS if failed else EXIT_BAD_INPUT


def _one_line(err: BaseException) -> str:
    """One line naming what is wrong: Hydra's, OmegaConf's and YAML's messages folded."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    lines = [line for line in lines if "HYDRA_FULL_ERROR" not in line]
    if isinstance(err, yaml.YAMLError):
        return "malformed YAML: " + "; ".join(lines)
    if isinstance(err, RecursionError):
        return (
            "maximum recursion depth exceeded: a value nested too deeply, or an interpolation "
            "that refers back to itself (a: ${b} with b: ${a})"
        )
    if not lines:
        return type(err).__name__
    if isinstance(err, HydraException | OmegaConfBaseException):
        cause = err.__cause__
        detail = [ln.strip() for ln in str(cause).splitlines() if ln.strip()] if cause else []
        return "; ".join(lines + detail[:2])
    return lines[0]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
