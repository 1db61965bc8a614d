"""The ``msisim`` command: thin entry points over Hydra configs and plain functions.

* ``msisim run [overrides]`` — one scenario, N replicates: summary table and figure. A Hydra
  app, so ``-m`` multirun and Hydra launchers (joblib, submitit for SLURM) apply.
* ``msisim experiment NAME [overrides] [--quick] [--backend local|dask] [--address ADDR]
  [--workers N] [--out DIR]`` — a shipped study from ``configs/experiment/``.
* ``msisim report DIR`` — rebuild figures and report from stored results only.

Bad input (unknown names, wrong values, malformed overrides) ends with a one-line message
and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger("msisim")

EXIT_FAILED_RUNS = 1
EXIT_BAD_INPUT = 2


def _quiet_libraries() -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    for name in ("distributed", "tornado", "bokeh", "asyncio"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore", message=".*ipyparallel.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(message)s",
        datefmt="%H:%M:%S",
    )
    _quiet_libraries()


# --------------------------------------------------------------------------- experiment


def load_experiment(name: str, overrides: list[str], *, quick: bool) -> Any:
    """Compose ``configs/experiment/NAME.yaml`` with overrides into an ExperimentSpec."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    from msisim.conf import config_dir, experiment_names, register_configs
    from msisim.study.spec import ExperimentSpec

    names = experiment_names()
    if name not in names:
        raise ValueError(f"unknown experiment {name!r}; valid: {', '.join(names)}")
    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        plain = compose(config_name=f"experiment/{name}")
        cfg = compose(config_name=f"experiment/{name}", overrides=overrides)
    if quick:
        # the quick setting first, then the user's overrides on top of it
        base = OmegaConf.to_container(plain, resolve=True)
        if not isinstance(base, dict):
            raise ValueError(f"experiment {name!r} does not compose to a mapping")
        base_map = {str(k): v for k, v in base.items()}
        merged = OmegaConf.create(_merge(base_map, dict(base_map.get("quick") or {})))
        for key in _override_keys(overrides):
            OmegaConf.update(merged, key, OmegaConf.select(cfg, key), merge=False)
        cfg = merged
    data = OmegaConf.to_container(cfg, resolve=True)
    if not isinstance(data, dict):
        raise ValueError(f"experiment {name!r} does not compose to a mapping")
    data.pop("quick", None)
    return ExperimentSpec.from_dict({str(k): v for k, v in data.items()})


def _override_keys(overrides: list[str]) -> list[str]:
    """The config keys that Hydra overrides set (parsed with Hydra's own grammar)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return [o.key_or_group for o in OverridesParser.create().parse_overrides(overrides)]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if key == "factors" or not isinstance(value, dict) or not isinstance(out.get(key), dict):
            out[key] = value  # a quick setting replaces factor lists and scalars whole
        else:
            out[key] = _merge(out[key], value)
    return out


def cmd_experiment(args: argparse.Namespace) -> int:
    """Run a shipped study and write its report."""
    from msisim.study.runner import run_experiment
    from msisim.viz.report import build_report

    spec = load_experiment(args.name, args.overrides, quick=args.quick)
    out = Path(args.out) if args.out else _default_out(spec.name, args.quick)
    n_runs = len(spec.tasks())
    logger.info("%s: %d runs -> %s", spec.name, n_runs, out)
    result = run_experiment(
        spec,
        out,
        backend=args.backend,
        workers=args.workers,
        address=args.address,
        run_timeout=args.run_timeout,
    )
    report = build_report(out)
    print(
        f"{spec.name}: {len(result.runs)} runs ({result.n_run} run now, {result.n_skipped} "
        f"already done, {result.n_failed} failed) in {result.seconds:.1f} s"
    )
    print(f"results: {(out / 'runs.parquet').resolve()}")
    print(f"report:  {report.resolve()}")
    if result.n_failed:
        print(
            f"msisim: {result.n_failed} run(s) failed; see 'error' in runs.parquet", file=sys.stderr
        )
        return EXIT_FAILED_RUNS
    return 0


def _default_out(name: str, quick: bool) -> Path:
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    return Path("outputs") / name / (f"quick_{stamp}" if quick else stamp)


def cmd_report(args: argparse.Namespace) -> int:
    """Rebuild a study's figures and report from stored results."""
    from msisim.viz.report import build_report

    path = build_report(args.folder)
    print(f"report: {path.resolve()}")
    return 0


def app_command(host: str, port: int, assets: Path | None) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that serve the app.

    With ``assets`` (a folder filled by :func:`msisim.viz.assets.fetch_assets`) Solara serves
    its JavaScript from that folder and needs no internet; with ``None`` it fetches it from
    its usual online source (and caches it).
    """
    import os

    env = {
        **os.environ,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_CHECK_VERSION": "false",
        "SOLARA_THEME_SHOW_BANNER": "false",  # its corner banner would cover the figures
    }
    env.pop("SOLARA_ASSETS_PROXY_CACHE_DIR", None)
    if assets is not None:
        env["SOLARA_ASSETS_PROXY"] = "True"
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(assets)
    command = [
        sys.executable, "-m", "solara", "run", "msisim.viz.app:Page",
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

    from msisim.viz.assets import default_assets_dir, fetch_assets, missing_packages

    folder = default_assets_dir()
    assets: Path | None = folder
    if args.offline:
        if missing_packages(folder):
            print(f"msisim app: fetching the app's JavaScript into {folder} (once, needs npm)")
            try:
                fetch_assets(folder)
            except RuntimeError as error:
                print(f"msisim app: {error}", file=sys.stderr)
                return 1
    elif missing_packages(folder):
        assets = None
        print(
            "msisim app: loading Solara's JavaScript from its usual online source (jsDelivr); "
            "'msisim app --offline' keeps a local copy (needs npm once)"
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


def cmd_list(_: argparse.Namespace) -> int:
    """List the shipped studies."""
    from msisim.conf import experiment_names

    for name in experiment_names():
        print(name)
    return 0


# --------------------------------------------------------------------------- run (Hydra app)


def run_app(argv: list[str]) -> int:
    """``msisim run``: a Hydra app over ``configs/run.yaml`` (supports ``-m`` multirun)."""
    import hydra
    from omegaconf import DictConfig, OmegaConf

    from msisim.conf import config_dir, register_configs

    register_configs()
    problem = _check_group_choices(argv, config_dir())
    if problem:
        print(f"msisim run: error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    status: dict[str, int] = {"code": 0}

    @hydra.main(config_path=str(config_dir()), config_name="run", version_base="1.3")
    def _main(cfg: DictConfig) -> None:
        from hydra.core.hydra_config import HydraConfig

        _quiet_libraries()
        params = OmegaConf.to_container(cfg.params, resolve=True)
        out = Path(HydraConfig.get().runtime.output_dir)
        try:
            status["code"] = max(status["code"], run_scenario(params, cfg, out))
        except (ValueError, OSError) as err:
            print(f"msisim run: error: {err}", file=sys.stderr)
            status["code"] = EXIT_BAD_INPUT

    sys.argv = ["msisim run", *argv]
    try:
        _main()
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return status["code"]


def _check_group_choices(argv: list[str], root: Path) -> str | None:
    """One-line message for an override naming a missing group option or parameter, else None."""
    import difflib

    from msisim.params import FIELD_GROUP

    groups = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name != "experiment")
    for arg in argv:
        key, sep, value = arg.partition("=")
        key = key.lstrip("+~")
        if sep and key.startswith("params.") and key[len("params.") :] not in FIELD_GROUP:
            name = key[len("params.") :]
            close = difflib.get_close_matches(name, FIELD_GROUP, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"unknown model parameter {name!r}{hint}; see msisim.params for the list"
        if not sep or key not in groups:
            continue
        valid = sorted(p.stem for p in (root / key).glob("*.yaml"))
        for choice in value.split(","):
            if choice and choice not in valid:
                return f"{key}={choice!r} is not a config option; valid: {', '.join(valid)}"
    return None


def run_scenario(params: Any, cfg: Any, out: Path) -> int:
    """Run one scenario's replicates into ``out``; print a summary table and the figure path."""
    import pandas as pd

    from msisim.study.analysis import ci_table
    from msisim.study.runner import run_experiment
    from msisim.study.spec import ExperimentSpec
    from msisim.viz.plots import plot_metrics_over_time

    spec = ExperimentSpec.from_dict(
        {
            "name": "run",
            "title": "msisim run",
            "base": dict(params),
            "replicates": int(cfg.replicates),
            "steps": int(cfg.steps),
            "seed": int(cfg.seed),
            "collect_series": True,
        }
    )
    result = run_experiment(spec, out, workers=int(cfg.workers))
    outcomes = [
        "n_members", "rose", "true_rose", "expected_rose", "grassroots_share",
        "viewpoint_coverage", "responsiveness", "lobby_bias", "captured_share",
        "selector_capture", "gridlock_rate", "governance_index",
    ]  # fmt: skip
    table = ci_table(result.runs, [], [o for o in outcomes if o in result.runs])
    series = pd.read_parquet(out / "series.parquet").merge(
        result.runs[["run_id", "replicate"]], on="run_id"
    )
    series["scenario"] = params.get("membership", "scenario")
    figure = plot_metrics_over_time(
        series,
        [
            "rose",
            "grassroots_share",
            "viewpoint_coverage",
            "responsiveness",
            "lobby_bias",
            "captured_share",
        ],
        out / "metrics_over_time.png",
        title=f"{params.get('membership')}: {spec.replicates} replicates (mean and 95% CI)",
    )
    print(f"scenario: {', '.join(f'{k}={v}' for k, v in params.items())}")
    print(table[["outcome", "mean", "ci_low", "ci_high", "n"]].to_string(index=False))
    print(f"results: {(out / 'runs.parquet').resolve()}")
    print(f"figure:  {figure.resolve()}")
    return EXIT_FAILED_RUNS if result.n_failed else 0


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``experiment``, ``report`` and ``list``."""
    parser = argparse.ArgumentParser(
        prog="msisim",
        description="Simulate multistakeholder governance forums. Commands: run (one "
        "scenario; Hydra overrides, -m for multirun; see 'msisim run --help'), experiment, "
        "report, list, app.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="one scenario, N replicates (Hydra app: see 'msisim run --help')")
    exp = sub.add_parser(
        "experiment",
        help="run a shipped study (factors x designs x replicates) and write its report",
        description="Run a shipped study from configs/experiment/ and write runs.parquet, "
        "manifest.json, figures and report.md into the output folder. Rerunning into the same "
        "folder skips finished runs. Overrides use Hydra syntax, e.g. replicates=5 "
        "base.n_stakeholders=500 'factors.lobby_budget.levels=[0,1,2]'.",
    )
    exp.add_argument("name", help="study name (see 'msisim list')")
    exp.add_argument("overrides", nargs="*", help="Hydra overrides of the study's config")
    exp.add_argument("--quick", action="store_true", help="the study's quick setting (< 1 min)")
    exp.add_argument("--backend", choices=("local", "dask"), default="local",
                     help="local process pool (default) or a Dask cluster")  # fmt: skip
    exp.add_argument("--address", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    exp.add_argument("--workers", type=_positive, default=None,
                     help="worker processes (default: all cores)")  # fmt: skip
    exp.add_argument("--out", help="output folder (default outputs/NAME/TIMESTAMP)")
    exp.add_argument(
        "--run-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop a run after this long and record it as failed (local backend)",
    )
    exp.set_defaults(func=cmd_experiment)
    rep = sub.add_parser(
        "report",
        help="rebuild figures and report.md from stored results",
        description="Rebuild a study's figures and report.md from manifest.json and "
        "runs.parquet in DIR, without running any model.",
    )
    rep.add_argument("folder", metavar="DIR", help="a study's output folder")
    rep.set_defaults(func=cmd_report)
    lst = sub.add_parser("list", help="list the shipped studies")
    lst.set_defaults(func=cmd_list)
    app = sub.add_parser(
        "app",
        help="the interactive browser app (Mesa SolaraViz)",
        description="Serve the interactive app: the policy space live, capture and "
        "inclusiveness plots, the scorecard, and a representative-vs-open comparison. Binds "
        "to 127.0.0.1 (also when HOST is set in the environment) unless --host is given.",
    )
    app.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    app.add_argument("--port", type=_positive, default=8765, help="port (8765)")
    app.add_argument(
        "--offline",
        action="store_true",
        help="serve Solara's JavaScript from a local copy (fetched once with npm) instead of "
        "loading it online",
    )
    app.set_defaults(func=cmd_app)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
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
        if args.verbose:
            logger.exception("failed")
        print(f"msisim {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _one_line(err: BaseException) -> str:
    """One line naming what is wrong: Hydra's and YAML's multi-line messages folded."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    lines = [line for line in lines if "HYDRA_FULL_ERROR" not in line]
    if not lines:
        return type(err).__name__
    name = type(err).__name__
    if name in ("ConfigCompositionException", "OverrideParseException", "MissingConfigException",
                "ConfigKeyError", "ValidationError"):  # fmt: skip
        cause = err.__cause__
        detail = [ln.strip() for ln in str(cause).splitlines() if ln.strip()] if cause else []
        return "; ".join(lines + detail[:2])
    if name in ("ParserError", "ScannerError"):  # malformed YAML
        return "malformed YAML: " + "; ".join(lines)
    return lines[0]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
