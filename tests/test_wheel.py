"""The built package works on its own: configs inside the wheel, commands from any folder.

Builds the sdist and, from it, the wheel (``uv build``), installs the wheel into a fresh
virtual environment (dependencies from the package index) and runs ``msisim`` from a folder
outside the repository, with no ``MSISIM_CONFIG_DIR``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    proc = subprocess.run(
        args, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repository(tmp_path: Path) -> None:
    uv = _uv()
    if uv is None:  # pragma: no cover - scripts/setup.sh installs uv into .venv
        pytest.skip("uv is needed to build and install the wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("MSISIM_CONFIG_DIR", "PYTHONPATH")}
    env.pop("VIRTUAL_ENV", None)
    env["UV_PYTHON_DOWNLOADS"] = "never"  # use this Python, never fetch one
    dist = tmp_path / "dist"
    build = [uv, "build", "--python", sys.executable, "--out-dir", str(dist), str(ROOT)]
    _run(build, cwd=tmp_path, env=env)
    wheels = list(dist.glob("msisim-*.whl"))
    assert len(wheels) == 1, f"one wheel built, got {wheels}"
    names = zipfile.ZipFile(wheels[0]).namelist()
    for expected in (
        "msisim/configs/run.yaml",
        "msisim/configs/design/open.yaml",
        "msisim/configs/experiment/bollow_comparison.yaml",
        "msisim/configs/experiment/quick/bollow_comparison.yaml",
        "msisim/configs/maps/example.csv",
        "msisim/viz/templates/index.html.j2",
    ):
        assert expected in names, f"the wheel must ship {expected} (setuptools package-data)"

    venv = tmp_path / "venv"
    _run([uv, "venv", "--python", sys.executable, str(venv)], cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    _run([uv, "pip", "install", "--python", str(python), str(wheels[0])], cwd=tmp_path, env=env)
    msisim = str(venv / "bin" / "msisim")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    listed = _run([msisim, "list"], cwd=elsewhere, env=env)
    assert "bollow_comparison" in listed and "quick:" in listed, listed
    mapped = _run([msisim, "map", "example"], cwd=elsewhere, env=env)
    assert "manage closely" in mapped, f"the shipped example map is found by name: {mapped}"
    helped = _run([msisim, "run", "--help"], cwd=elsewhere, env=env)
    assert "params.epsilon" in helped and "Traceback" not in helped, helped
    out = elsewhere / "study"
    _run(
        [msisim, "experiment", "bollow_comparison", "--quick", "--out", str(out), "--workers",
         "2", "replicates=1", "steps=30", "factors.lobby_budget.levels=[0.0,1.0]"],
        cwd=elsewhere,
        env=env,
    )  # fmt: skip
    for name in ("runs.parquet", "runs.csv", "manifest.json", "report.md"):
        assert (out / name).is_file(), f"the installed msisim writes {name}"
    _compares_and_searches_designs(msisim, elsewhere, env)
    version = _run([str(python), "-m", "msisim", "--version"], cwd=elsewhere, env=env)
    assert version.startswith("msisim "), f"python -m msisim --version: {version}"

    _runs_the_example_plugins(msisim, elsewhere, env)

    _serves_the_app_without_npm(venv, elsewhere, env)


def _compares_and_searches_designs(msisim: str, folder: Path, env: dict[str, str]) -> None:
    """Issue 23's analyst path from the installed wheel: a shipped map's name to a compare
    report (markdown and self-contained HTML) and to a design search's pareto.csv."""
    import csv

    compared = folder / "compare"
    _run([msisim, "compare", "example", "--quick", "--out", str(compared), "--workers", "2"],
         cwd=folder, env=env)  # fmt: skip
    report = (compared / "report.md").read_text(encoding="utf-8")
    assert "most robust design" in report.lower(), "the robust design is said in words"
    assert "paired" in report.lower() and "no lobby (0)" in report, "per-band paired tables"
    page = (compared / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page, "figures are embedded in report.html"
    assert 'src="http' not in page and "<link" not in page, "report.html loads nothing online"
    searched = folder / "design"
    _run([msisim, "design", "example", "--quick", "--out", str(searched), "--workers", "2"],
         cwd=folder, env=env)  # fmt: skip
    with (searched / "pareto.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 2, f"the quick design search finds at least two designs: {rows}"


def _runs_the_example_plugins(msisim: str, folder: Path, env: dict[str, str]) -> None:
    """The three example plugins, copied beside the user, work with the installed wheel: in
    ``msisim run`` and in a quick study on 2 workers (issue 21's 'Done when')."""
    plugins_dir = folder / "my_plugins"
    shutil.copytree(ROOT / "examples" / "plugins", plugins_dir)
    flags = [
        arg
        for name in ("rotating_seats", "grassroots_first", "member_turnover")
        for arg in ("--plugin", str(plugins_dir / f"{name}.py"))
    ]
    printed = _run(
        [msisim, "run", *flags, "params.membership=rotating_seats",
         "params.lobby_strategy=grassroots_first", "params.n_stakeholders=300", "steps=40"],
        cwd=folder,
        env=env,
    )  # fmt: skip
    line = next((ln for ln in printed.splitlines() if ln.strip().startswith("member_turnover")), "")
    assert line.split()[1:2] == ["1.000000"], (
        f"msisim run prints member_turnover, 1 under rotation:\n{printed}"
    )
    out = folder / "rotation"
    _run(
        [msisim, "experiment", "rotation", "--quick", "--config-dir", str(plugins_dir), *flags,
         "--workers", "2", "--out", str(out)],
        cwd=folder,
        env=env,
    )  # fmt: skip
    assert "member_turnover" in (out / "report.md").read_text(encoding="utf-8") or (
        "seats that changed hands" in (out / "report.md").read_text(encoding="utf-8")
    ), "the study's report shows the plugin's outcome"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serves_the_app_without_npm(venv: Path, folder: Path, env: dict[str, str]) -> None:
    """``msisim app`` from a folder outside the repository, with no npm on the PATH: it
    serves the page and its JavaScript from the local copy that the solara-assets
    dependency installed, says so, and stops (server included) on SIGTERM to its process."""
    bare = {**env, "PATH": str(venv / "bin"), "XDG_CACHE_HOME": str(folder / "cache")}
    bare.pop("MSISIM_ASSETS_DIR", None)
    assert shutil.which("npm", path=bare["PATH"]) is None, "precondition: npm is not reachable"
    port = _free_port()
    app = subprocess.Popen(
        [str(venv / "bin" / "msisim"), "app", "--port", str(port)],
        cwd=folder, env=bare, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        page, deadline = "", time.monotonic() + 240
        while time.monotonic() < deadline and app.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as reply:
                    page = reply.read().decode("utf-8", "replace")
                    break
            except OSError:
                time.sleep(1)
        assert app.poll() is None, (
            f"msisim app exited early:\n{app.stdout.read() if app.stdout else ''}"
        )
        assert "solara" in page.lower(), "the installed app serves Solara's page without npm"
        assert "msisim-load-problem" in page, "msisim's page template ships in the wheel"
        asset = f"http://127.0.0.1:{port}/_solara/cdn/requirejs@2.3.6/require.js"
        with urllib.request.urlopen(asset, timeout=30) as reply:
            assert reply.status == 200 and b"requirejs" in reply.read(), "an asset, locally"
    finally:
        app.send_signal(signal.SIGTERM)
        try:
            output, _ = app.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - reported below
            os.killpg(app.pid, signal.SIGKILL)
            output, _ = app.communicate()
            raise AssertionError("msisim app did not stop on SIGTERM") from None
    assert "local copy" in output, f"the app says where its JavaScript comes from:\n{output}"
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "SIGTERM stopped the server child too"
