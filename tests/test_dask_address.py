"""Dask answers in one line: an address that is not a scheduler, a cluster with no worker.

Every server here listens on 127.0.0.1 only and is started by the test itself: an HTTP
server (``python -m http.server``), a TCP server that accepts and says nothing, one that
closes each connection, one that greets like SSH, a closed port, a Dask worker.
"""

import contextlib
import logging
import math
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster  # imported once here: the timings below exclude it

import msisim.study.runner as runner
from msisim.study.runner import SweepError, run_experiment
from msisim.study.spec import ExperimentSpec

MSISIM = shutil.which("msisim") or str(Path(sys.executable).with_name("msisim"))
LOOPBACK = "127.0.0.1"  # network faults are staged here and nowhere else

TINY = {
    "name": "tiny",
    "base": {"n_stakeholders": 60, "n_seats": 12},
    "factors": {"lobby_budget": [0.0, 1.0]},
    "replicates": 1,
    "steps": 2,
    "batch_size": 1,
}


def tiny() -> ExperimentSpec:
    return ExperimentSpec.from_dict(TINY)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_until_listening(port: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {LOOPBACK}:{port} after {seconds} s")


@contextlib.contextmanager
def http_server() -> Iterator[str]:
    """``python -m http.server`` on a free loopback port."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", LOOPBACK, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port)
        yield f"tcp://{LOOPBACK}:{port}"
    finally:
        server.kill()
        server.wait()


@contextlib.contextmanager
def tcp_server(behaviour: str) -> Iterator[str]:
    """A loopback TCP server that accepts and then stays ``silent``, ``close``s or greets."""
    listener = socket.socket()
    listener.bind((LOOPBACK, 0))
    listener.listen()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # the listener was closed: the test is over
                return
            if behaviour == "close":
                connection.close()
                continue
            if behaviour == "ssh":
                connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            held.append(connection)  # kept open and silent until the test ends

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"{LOOPBACK}:{listener.getsockname()[1]}"
    finally:
        listener.close()
        for connection in held:
            connection.close()


@contextlib.contextmanager
def dask_worker() -> Iterator[str]:
    """The address of a Dask worker (a peer that speaks Dask but is no scheduler)."""
    with LocalCluster(
        n_workers=1, processes=False, dashboard_address=None, protocol="tcp://", host=LOOPBACK
    ) as cluster:
        yield next(iter(cluster.scheduler_info["workers"]))


@contextlib.contextmanager
def closed_port() -> Iterator[str]:
    yield f"tcp://{LOOPBACK}:{free_port()}"


NOT_A_SCHEDULER = {
    "http": (http_server, "no Dask handshake"),
    "silent": (lambda: tcp_server("silent"), "no Dask handshake"),
    "close": (lambda: tcp_server("close"), "not a Dask scheduler"),
    "ssh": (lambda: tcp_server("ssh"), "not a Dask message"),
    "closed port": (closed_port, "cannot reach the Dask scheduler"),
    "worker": (dask_worker, "is a Dask Worker, not a scheduler"),
}


@pytest.mark.parametrize("kind", list(NOT_A_SCHEDULER))
def test_an_address_that_is_not_a_scheduler_fails_in_one_line(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT", 2.0)  # the default (10 s) is tested below
    server, expect = NOT_A_SCHEDULER[kind]
    with server() as address:
        start = time.monotonic()
        with pytest.raises(SweepError) as err:
            run_experiment(tiny(), tmp_path / "out", backend="dask", address=address)
        seconds = time.monotonic() - start
    message = str(err.value)
    assert "\n" not in message, f"one line: {message!r}"
    assert address in message and expect in message, f"names {address} and says {expect!r}"
    assert seconds < 2.0 + 3.0, f"gives up after the timeout (2 s), took {seconds:.1f} s"
    assert not list((tmp_path / "out").rglob("part-*")), "no run was journalled"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["http", "silent"])
def test_the_cli_gives_up_on_a_server_that_is_not_a_scheduler_after_10_s(tmp_path, kind):
    server, expect = NOT_A_SCHEDULER[kind]
    lines: list[tuple[float, str]] = []  # (seconds since the start, stderr line)
    with server() as address:
        start = time.monotonic()
        proc = subprocess.Popen(
            [MSISIM, "experiment", "bollow_comparison", "--quick", "--backend", "dask",
             "--address", address, "--out", "out", "replicates=1", "steps=2"],
            stderr=subprocess.PIPE, text=True, cwd=tmp_path, env={**os.environ, "COLUMNS": "300"},
        )  # fmt: skip
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append((time.monotonic() - start, line.rstrip()))
        code = proc.wait(timeout=120)
        seconds = time.monotonic() - start
    stderr = "\n".join(line for _, line in lines)
    errors = [(at, line) for at, line in lines if "error" in line]
    assert code == 1, f"exit 1 (the sweep could not start): {stderr}"
    assert len(errors) == 1 and "Traceback" not in stderr, stderr
    assert address in errors[0][1] and expect in errors[0][1], errors[0][1]
    # msisim's own start-up (Hydra, the study) is not the Dask part: timed from the line that
    # starts the sweep; the whole command is bounded loosely, the machine is shared in CI
    started = next(at for at, line in lines if "to run on dask" in line)
    waited = errors[0][0] - started
    assert waited < 10 + 5, f"gives up after 10 s of waiting for an answer, took {waited:.1f} s"
    assert seconds < 60, f"the command ends within a minute, took {seconds:.1f} s: {stderr}"


def test_a_malformed_address_is_a_usage_error_before_the_folder_is_touched(tmp_path):
    for address, expect in [
        ("tcp://", "needs a host and a port"),
        ("foo:bar", "needs a host and a port"),
        (f"http://{LOOPBACK}:8787", "http:// is not a Dask scheme"),
        ("", "is empty"),
    ]:
        with pytest.raises(ValueError) as err:
            run_experiment(tiny(), tmp_path / "out", backend="dask", address=address)
        message = str(err.value)
        assert "\n" not in message and repr(address) in message, message
        assert expect in message and "tcp://HOST:PORT" in message, message
        assert not (tmp_path / "out").exists(), f"{address!r}: refused before the folder"


def no_worker_warnings(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if "no Dask worker" in r.getMessage()]


def run_without_workers(tmp_path: Path, timeout: float) -> tuple[str, float]:
    with LocalCluster(
        n_workers=0, processes=False, dashboard_address=None, protocol="tcp://", host=LOOPBACK
    ) as cluster:
        start = time.monotonic()
        address = cluster.scheduler_address
        with pytest.raises(SweepError) as err:
            run_experiment(tiny(), tmp_path / "out", backend="dask", address=address,
                           no_worker_timeout=timeout)  # fmt: skip
        return str(err.value), time.monotonic() - start


def test_a_cluster_without_workers_reports_at_most_once_per_interval(
    tmp_path, monkeypatch, caplog, capfd
):
    monkeypatch.setattr(runner, "NO_WORKER_REPORT_SECONDS", 1.0)  # 10 s in use: tested below
    caplog.set_level(logging.WARNING)
    message, _ = run_without_workers(tmp_path, timeout=3.5)
    assert "no Dask worker" in message and "3.5 s" in message and "resume" in message, message
    warnings = no_worker_warnings(caplog.records)
    assert 2 <= len(warnings) <= math.ceil(3.5 / 1.0) + 1, (
        f"a report about once a second here (every 10 s in use), got {warnings}"
    )
    assert all("\n" not in w and "giving up after 3.5 s" in w for w in warnings), warnings
    others = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(others) == len(warnings), f"nothing else warns (Dask included): {others}"
    stderr = capfd.readouterr().err
    assert stderr.count("no Dask worker") <= len(warnings), f"no other copies: {stderr}"


@pytest.mark.slow
def test_a_cluster_without_workers_reports_once_every_10_s(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    message, seconds = run_without_workers(tmp_path, timeout=12)
    warnings = no_worker_warnings(caplog.records)
    assert 1 <= len(warnings) <= math.ceil(12 / 10) + 1, (
        f"one report after 10 s before giving up at 12 s (it was one a second), got {warnings}"
    )
    assert seconds < 12 + 10, f"fails after the stated timeout, took {seconds:.1f} s"
    assert "no Dask worker" in message and "12 s" in message, message
