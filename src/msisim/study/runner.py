"""Run a study's tasks in batches on a backend, journalling results as they finish.

Backends:

* ``local`` (default): a process pool over the cores of this machine (``workers=1`` runs in
  this process);
* ``dask``: the same batches on a ``distributed`` cluster — an existing scheduler at
  ``address`` (any Dask cluster: local, SSH, dask-jobqueue on SLURM/PBS, Kubernetes), or a
  ``LocalCluster`` of ``workers`` processes started for the run.

A run that raises is recorded as ``failed`` with its error and never stops the others; the
caller gets the consolidated table and decides the exit status. A failure of the sweep
itself after work has started (a full disk, a Dask cluster with no workers left) raises
:class:`SweepError`; what was journalled stays, and rerunning the same command resumes.

Pool workers watch their parent and exit when it is gone (``kill -9`` included), so a
killed sweep leaves no orphan processes.

Plugins (:mod:`msisim.plugins`) travel with every batch as records (path and SHA-256): a
worker that did not inherit them (a spawned pool worker, a Dask worker) loads each file
before its first run, and one that finds a file whose hash differs from the record refuses
(:class:`SweepError`, one line naming the plugin). The store records them in the manifest.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import multiprocessing
import os
import re
import socket
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msisim.kinds import model_kind
from msisim.model import GovernanceModel
from msisim.plugins import Plugin, PluginError, ensure_plugins, loaded_plugins, plugin_frame
from msisim.scorecard import panel_scorecard
from msisim.study.bounds import max_workers
from msisim.study.sharing import SharedWork, batches, plan
from msisim.study.spec import CHUNK_TASKS as DEFAULT_CHUNK_TASKS
from msisim.study.spec import ExperimentSpec, Task, _plain, _to_model
from msisim.study.store import ResultStore

logger = logging.getLogger(__name__)

BACKENDS = ("local", "dask")

#: Seconds a Dask run waits with no worker connected before it fails (resumable).
NO_WORKER_TIMEOUT = 60.0
#: Seconds between the warnings while a Dask cluster has no worker.
NO_WORKER_REPORT_SECONDS = 10.0
#: Seconds to reach a Dask scheduler at ``--address`` and hear it say it is one (a scheduler
#: answers in milliseconds; Dask itself would wait forever for a server that stays silent).
SCHEDULER_TIMEOUT = 10.0
#: What a Dask scheduler address looks like, for messages.
ADDRESS_EXAMPLE = "tcp://10.0.0.5:8786"
ADDRESS_FORM = f"tcp://HOST:PORT, e.g. {ADDRESS_EXAMPLE}"
#: How often a pool worker checks that its parent is alive.
PARENT_POLL_SECONDS = 0.5
#: Start method of the local pool's workers; ``None``: ``fork`` where the platform has it,
#: else ``spawn`` (tests set ``"spawn"`` to check that workers load plugins themselves).
START_METHOD: str | None = None
#: Tasks the sweep builds, plans and batches at a time (:meth:`ExperimentSpec.task_chunks`);
#: tests lower it to run a small study the way a large one runs.
CHUNK_TASKS = DEFAULT_CHUNK_TASKS
#: Batches built at most before the workers start, to count them against the workers asked
#: for (more workers than batches would idle).
PEEK_BATCHES = 4096
#: Batches a Dask sweep keeps submitted at most (besides four per worker): the rest wait,
#: unbuilt, for a free place.
DASK_IN_FLIGHT = 256


class SweepError(RuntimeError):
    """The sweep could not go on after work started; finished runs are kept (resumable)."""


def check_run_options(
    backend: str,
    workers: int | None,
    address: str | None,
    run_timeout: float | None,
    n_batches: int | None = None,
) -> tuple[int, list[str]]:
    """Validate the sweep options before anything runs.

    Args:
        backend: ``local`` or ``dask``.
        workers: Worker processes (``None``: all cores).
        address: Dask scheduler address (only with ``backend='dask'``).
        run_timeout: Seconds per run (finite, > 0) or ``None``.
        n_batches: Batches to run, when known: more workers than batches would idle.

    Workers are capped at the batches and, on this machine (the local pool or a local Dask
    cluster), at the cores: ``MSISIM_MAX_WORKERS`` allows more, with a warning that runs
    will compete for the cores.

    Returns:
        The number of workers to start and warnings to show.

    Raises:
        ValueError: One line naming the option and what is allowed.
    """
    warnings_: list[str] = []
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is invalid: must be one of {', '.join(BACKENDS)}")
    if address is not None:
        check_address(address)
        if backend != "dask":
            raise ValueError(f"--address {address} needs --backend dask (the backend is {backend})")
    if run_timeout is not None:
        if (
            isinstance(run_timeout, bool)
            or not isinstance(run_timeout, (int, float))
            or not math.isfinite(run_timeout)
            or run_timeout <= 0
        ):
            raise ValueError(
                f"run_timeout={run_timeout!r} is invalid: must be a finite number of seconds > 0"
            )
        if backend == "dask":
            warnings_.append("--run-timeout applies to the local backend only; Dask ignores it")
    cores = multiprocessing.cpu_count() or 1
    given = workers is not None
    if workers is None:
        workers = cores
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers={workers!r} is invalid: must be a whole number >= 1")
    # the batches bound the workers; on this machine (the pool, a local Dask cluster) the
    # cores too, unless MSISIM_MAX_WORKERS allows more: one warning names the binding limit
    limit = workers if n_batches is None else min(workers, max(1, n_batches))
    on_this_machine = backend == "local" or not address
    cap = max(cores, max_workers(cores)) if given and on_this_machine and limit > cores else limit
    if limit > cap:
        allowed = "allowed by MSISIM_MAX_WORKERS" if cap > cores else "cores"
        warnings_.append(
            f"--workers {workers} is more than the {cap} {allowed}: starting {cap}; set "
            f"MSISIM_MAX_WORKERS={limit} to start {limit}"
        )
        workers = cap
    elif limit < workers:
        if given and n_batches:
            warnings_.append(f"{workers} workers for {n_batches} batch(es): starting {limit}")
        workers = limit
    if given and workers > cores and on_this_machine:
        warnings_.append(f"{workers} workers on {cores} cores: runs will compete for the cores")
    return workers, warnings_


def check_address(address: str) -> None:
    """Check that ``address`` has the form of a Dask scheduler address (nothing is contacted).

    Raises:
        ValueError: One line naming the address, what is wrong and the expected form.
    """
    from distributed.comm import parse_address, parse_host_port
    from distributed.comm.registry import backends

    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"--address {address!r} is empty: give {ADDRESS_FORM}")
    if any(c.isspace() or not c.isprintable() for c in address):
        raise ValueError(
            f"--address {address!r} contains a space or a control character: give {ADDRESS_FORM}"
        )
    scheme, location = parse_address(address)
    if scheme not in backends:
        known = ", ".join(f"{name}://" for name in sorted(backends))
        hint = (
            " (a dashboard's http:// address is not the scheduler's)"
            if scheme.startswith("http")
            else ""
        )
        raise ValueError(
            f"--address {address!r}: {scheme}:// is not a Dask scheme{hint}; give {ADDRESS_FORM} "
            f"(schemes: {known})"
        )
    if scheme in ("tcp", "tls", "ws", "wss"):
        try:
            host, port = parse_host_port(location)
        except ValueError:
            host, port = "", None
        if not host or port is None or not 0 < port < 65536:
            raise ValueError(
                f"--address {address!r} needs a host and a port from 1 to 65535: "
                f"give {ADDRESS_FORM}"
            )


def _scheduler_identity(address: str, timeout: float) -> dict[str, Any]:
    """Connect to ``address``, do Dask's handshake and ask who is there, all within ``timeout``.

    Dask's own connection waits for the handshake without a time limit, so a server that
    accepts the connection and never answers as Dask does (an HTTP server, any silent TCP
    service) would hang the sweep; this asks once, on a thread of its own, under a deadline.

    Returns:
        The scheduler's identity (``type`` is ``"Scheduler"``).

    Raises:
        SweepError: One line naming the address and saying what answered instead.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect
    from distributed.comm.core import CommClosedError, FatalCommClosedError
    from distributed.security import Security

    expected = f"expected a Dask scheduler ({ADDRESS_FORM})"

    async def ask() -> Any:
        # connect() retries until its timeout while nothing accepts (a scheduler may be
        # starting), a little shorter than ours so that its error tells why; the handshake
        # inside it and the identity reply have no limit of their own: the wait_for is theirs
        args = Security().get_connection_args("client")
        comm = await connect(address, timeout=max(0.5, timeout - 1.0), **args)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    async def ask_in_time() -> Any:
        return await asyncio.wait_for(ask(), timeout)

    with ThreadPoolExecutor(1, thread_name_prefix="msisim-dask-probe") as thread:
        try:  # a thread with its own event loop: callers may be inside one (Jupyter)
            reply = thread.submit(asyncio.run, ask_in_time()).result()
        except TimeoutError:
            raise SweepError(
                f"--address {address}: a server accepted the connection but gave no Dask "
                f"handshake within {timeout:g} s, so it is not a Dask scheduler (an HTTP server "
                f"or another service?); {expected}"
            ) from None
        except FatalCommClosedError as err:
            raise SweepError(f"--address {address}: {_first_line(err)}") from None
        except CommClosedError:
            raise _closed_at_once(address, expected) from None
        except OSError as err:  # nothing accepted: refused, unknown host, unreachable
            if _accepts_connections(address):  # Dask retried a server that closes at once
                raise _closed_at_once(address, expected) from None
            raise SweepError(
                f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                f"({_connect_failure(err.__cause__)}); is it running, are the host and port right?"
            ) from None
        except Exception as err:  # garbage read as a Dask message (MemoryError is one)
            raise SweepError(
                f"--address {address}: the server there answered with something that is not a Dask "
                f"message ({type(err).__name__}: {_first_line(err)[:80]}); {expected}"
            ) from None
    kind = reply.get("type") if isinstance(reply, dict) else None
    if kind != "Scheduler":
        what = f"a Dask {kind}" if isinstance(kind, str) else "a Dask peer that is not a scheduler"
        raise SweepError(f"--address {address} is {what}, not a scheduler; {expected}")
    return reply


def _closed_at_once(address: str, expected: str) -> SweepError:
    return SweepError(
        f"--address {address}: a server accepted the connection and closed it before Dask's "
        f"handshake was done, so it is not a Dask scheduler; {expected}"
    )


def _accepts_connections(address: str) -> bool:
    """Whether a TCP server listens at ``address`` (asked after Dask's attempts failed)."""
    from distributed.comm import parse_address, parse_host_port

    scheme, location = parse_address(address)
    if scheme not in ("tcp", "tls", "ws", "wss"):
        return False
    try:
        with socket.create_connection(parse_host_port(location), timeout=2.0):
            return True
    except (OSError, ValueError):
        return False


def _connect_failure(cause: BaseException | None) -> str:
    """Why Dask's connection attempts failed, in a few words (its last attempt's error)."""
    if cause is None or isinstance(cause, TimeoutError):
        return "no connection was accepted"
    return re.sub(r"^in <[^>]*>:\s*", "", _first_line(cause))  # Dask's "in <TCPConnector ...>: "


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def _watch_parent(parent: int) -> None:
    """Pool initializer: exit this worker as soon as its parent process is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)  # the parent died (kill -9, SIGTERM): no one will read our results

    threading.Thread(target=watch, name="msisim-parent-watch", daemon=True).start()


@dataclass
class SweepResult:
    """What a sweep produced.

    Attributes:
        folder: The output folder.
        runs: The consolidated run table (one row per run).
        n_run: Runs executed by this invocation.
        n_skipped: Runs skipped because they had finished before.
        n_failed: Runs whose status is ``failed``.
        seconds: Wall-clock time of this invocation.
    """

    folder: Path
    runs: pd.DataFrame
    n_run: int
    n_skipped: int
    n_failed: int
    seconds: float


def _identity_row(task: Task) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": task.run_id,
        "seed": task.seed,
        "design": task.design,
        "sample": task.sample,
        "replicate": task.replicate,
    }
    for key, value in task.params.items():
        plain = _plain(value)
        row[f"param.{key}"] = plain if np.isscalar(plain) else str(plain)
    return row


def failure_row(task: Task, error: str, seconds: float = float("nan")) -> dict[str, Any]:
    """The row of a run that could not report itself (its worker died or it timed out)."""
    return {**_identity_row(task), "status": "failed", "error": error, "seconds": seconds}


def execute_task(
    task: Task, shared: SharedWork | None = None
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Run one model; never raises: failures come back as a row with status ``failed``.

    With ``shared`` (the runs of a batch, :mod:`msisim.study.sharing`), a lobbied run reads
    its group's no-lobby twin instead of stepping its own, and a run that is the same as one
    already run in the batch copies its outcomes (and ``seconds``); results are identical.
    """
    start = time.perf_counter()
    row = _identity_row(task)
    p = plan(task) if shared is not None else None
    if shared is not None and p is not None:
        same = shared.result(p)
        if same is not None:
            return _copy_result(task, *same)
    series = None
    serves: Callable[[], None] | None = None  # hands this run to its group as the twin
    try:
        flat = _to_model(task.params)
        kind = model_kind(task.model)
        model: Any
        summary_only = not task.collect_series  # per-step rows are not kept: skip them
        if p is not None and p.params is not None and shared is not None:  # a forum's plan
            model = GovernanceModel(
                p.params,
                rng=task.seed,
                collect=False,
                summary_only=summary_only,
                lobby_twin=shared.twin(task, p, summary_only),
                outcomes=task.outcomes,
            )
            if shared.serving(p, summary_only):
                model.records_twin_trace = True
                serves = functools.partial(shared.offer, p, summary_only, model)
        else:
            options = kind.study_options(summary_only)
            if task.outcomes is not None and kind.twins:  # a forum: only what the row needs
                options["outcomes"] = task.outcomes
            model = kind.build(flat, rng=task.seed, n_steps=task.steps, **options)
        model.run()
        if serves is not None:
            serves()
        row.update({"status": "ok", "error": ""})
        row.update(model.summary())
        keeps_card = getattr(model, "keeps_scorecard", True)  # a run kept to a few outcomes
        if keeps_card:
            card = model.scorecard()
            row.update(
                {
                    f"score.{a}.{p}": s
                    for a, p, s in zip(card["arena"], card["principle"], card["score"], strict=True)
                }
            )
        if kind.panel and keeps_card:  # a questionnaire panel: empty unless panel_respondents > 0
            panel = panel_scorecard(model)
            row.update(
                {
                    f"panel.{a}.{p}": s
                    for a, p, s in zip(
                        panel["arena"], panel["principle"], panel["panel"], strict=True
                    )
                }
            )
        if task.collect_series:
            series = model.series_frame()
            series.insert(0, "run_id", task.run_id)
    except Exception as err:  # recorded, never propagated: one bad run must not stop a sweep
        logger.debug("run %s failed:\n%s", task.run_id, traceback.format_exc())
        where = plugin_frame(err)  # a plugin's rule that raised is named with its line
        error = f"{type(err).__name__}: {err}" + (f" (in {where})" if where else "")
        row.update({"status": "failed", "error": error})
    row["seconds"] = time.perf_counter() - start
    if shared is not None and p is not None and row["status"] == "ok":
        shared.keep(task, p, (row, series))
    return row, series


def _copy_result(
    task: Task, source: Task, result: tuple[dict[str, Any], pd.DataFrame | None]
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """``source``'s outcomes under ``task``'s identity (the two are the same run)."""
    row, series = result
    identity = _identity_row(task)
    copied = {**identity, **{k: v for k, v in row.items() if k not in _identity_row(source)}}
    if series is not None:
        series = series.assign(run_id=task.run_id)
    return copied, series


def run_batch(
    tasks: Sequence[Task], plugins: Sequence[Plugin] = ()
) -> list[tuple[dict[str, Any], pd.DataFrame | None]]:
    """Run several tasks in one worker call, sharing twins and same runs among them.

    Runs that can serve as their group's no-lobby twin go first; results come back in the
    order of ``tasks``.

    Args:
        tasks: The batch.
        plugins: The study's plugins: loaded first if this process lacks them.

    Raises:
        PluginError: A plugin file is missing here or differs from its record.
    """
    ensure_plugins(plugins)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    shared = SharedWork()
    order = sorted(range(len(tasks)), key=lambda i: not plan(tasks[i]).serves_as_twin)
    results: dict[int, tuple[dict[str, Any], pd.DataFrame | None]] = {}
    for i in order:
        results[i] = execute_task(tasks[i], shared)
    return [results[i] for i in range(len(tasks))]


# --------------------------------------------------------------------------- backends


def _local(
    batch_list: Iterable[list[Task]],
    workers: int,
    run_timeout: float | None = None,
    plugins: Sequence[Plugin] = (),
) -> Iterator[list[Any]]:
    """Batches on a process pool; survives workers that die and runs that hang.

    With one worker and no timeout the batches run in this process. Otherwise at most
    ``workers`` batches are in flight, each with a deadline of ``run_timeout`` per run. When
    a worker dies (the pool breaks) or a batch passes its deadline, the pool is killed and
    replaced, and every run caught in it becomes a *suspect*. Suspects are rerun one at a
    time, each alone in a fresh worker, so a run that again kills its worker or hangs is
    identified without doubt and recorded as failed ("worker died", "timed out after ... s").
    The batches are taken from ``batch_list`` only when a worker is free for them.
    """
    if workers <= 1 and run_timeout is None:
        for batch in batch_list:
            yield _refuse_plugin_errors(run_batch, batch, plugins)
        return
    queue = _Queue(batch_list)
    suspects: list[Task] = []
    while queue:
        pool = _new_pool(workers)
        inflight: dict[Any, tuple[list[Task], float]] = {}
        broken = False
        try:
            while (queue or inflight) and not broken:
                while queue and len(inflight) < workers:
                    batch = queue.popleft()
                    inflight[_submit(pool, batch, plugins)] = (batch, time.monotonic())
                timeout = _time_left(inflight.values(), run_timeout)
                done, _ = wait(set(inflight), timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    batch, _t0 = inflight.pop(future)
                    try:
                        results = future.result()
                    except BrokenProcessPool:
                        suspects.extend(batch)
                        broken = True
                        continue
                    except PluginError as err:
                        raise _plugin_failure(err) from None
                    yield results
                expired = _expired(inflight, run_timeout)
                for future in expired:
                    suspects.extend(inflight.pop(future)[0])
                broken = broken or bool(expired)
        finally:
            _kill_pool(pool)
        for batch, _t0 in inflight.values():  # caught in the killed pool: innocent or not
            suspects.extend(batch)
    for task in suspects:
        yield [_run_alone(task, run_timeout, plugins)]


class _Queue:
    """Batches taken from an iterable one at a time: true while one is left."""

    def __init__(self, batches: Iterable[list[Task]]) -> None:
        self._batches = iter(batches)
        self._head: list[list[Task]] = []  # the next batch, once taken

    def __bool__(self) -> bool:
        if not self._head:
            self._head.extend(itertools.islice(self._batches, 1))
        return bool(self._head)

    def popleft(self) -> list[Task]:
        """The next batch.

        Raises:
            IndexError: None is left.
        """
        if not self:
            raise IndexError("no batch left")
        return self._head.pop()


def _plugin_failure(err: PluginError) -> SweepError:
    return SweepError(f"a worker refused the study's plugins: {err}")


def _refuse_plugin_errors(
    run: Callable[..., list[Any]], batch: list[Task], plugins: Sequence[Plugin]
) -> list[Any]:
    try:
        return run(batch, plugins)
    except PluginError as err:
        raise _plugin_failure(err) from None


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # fork where the platform has it: workers start instantly and scripts need no
    # ``if __name__ == "__main__"`` guard; spawn elsewhere.
    methods = multiprocessing.get_all_start_methods()
    method = START_METHOD or ("fork" if "fork" in methods else "spawn")
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_watch_parent,
        initargs=(os.getpid(),),
    )


def _submit(pool: ProcessPoolExecutor, batch: list[Task], plugins: Sequence[Plugin] = ()) -> Any:
    with warnings.catch_warnings():
        # the workers run numpy code only: forking a process that has threads is safe here
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return pool.submit(run_batch, batch, plugins)


def _time_left(
    inflight: Iterable[tuple[list[Task], float]], run_timeout: float | None
) -> float | None:
    if run_timeout is None:
        return None
    deadlines = [t0 + run_timeout * len(batch) for batch, t0 in inflight]
    return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None


def _expired(inflight: dict[Any, tuple[list[Task], float]], run_timeout: float | None) -> list[Any]:
    if run_timeout is None:
        return []
    now = time.monotonic()
    return [f for f, (batch, t0) in inflight.items() if now >= t0 + run_timeout * len(batch)]


def _run_alone(
    task: Task, run_timeout: float | None, plugins: Sequence[Plugin] = ()
) -> tuple[dict[str, Any], Any]:
    """Run one suspect task alone in a fresh worker; a death or a hang is its own."""
    pool = _new_pool(1)
    start = time.monotonic()
    try:
        future = _submit(pool, [task], plugins)
        try:
            return future.result(timeout=run_timeout)[0]
        except PluginError as err:
            raise _plugin_failure(err) from None
        except BrokenProcessPool:
            return failure_row(task, "worker died", time.monotonic() - start), None
        except TimeoutError:
            return failure_row(task, f"timed out after {run_timeout:g} s", run_timeout or 0), None
    finally:
        _kill_pool(pool)


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once, killing workers that may hang."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _dask(
    batch_list: Iterable[list[Task]],
    workers: int,
    address: str | None,
    no_worker_timeout: float = NO_WORKER_TIMEOUT,
    plugins: Sequence[Plugin] = (),
    n_runs: int = 0,
) -> Iterator[list[Any]]:
    """Batches on a Dask cluster, at most :data:`DASK_IN_FLIGHT` plus four per worker submitted.

    ``n_runs`` (the runs of ``batch_list``) lets a failure say how many were not run.
    """
    from distributed import Client, LocalCluster

    cluster = None
    if address:
        _scheduler_identity(address, SCHEDULER_TIMEOUT)
        try:
            client = Client(address, timeout=SCHEDULER_TIMEOUT)
        except OSError as err:
            raise SweepError(f"cannot reach the Dask scheduler at {address}: {err}") from None
    else:
        cluster = LocalCluster(
            n_workers=max(1, workers), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    where = address or "the local cluster"
    if address:
        n_connected = len(client.scheduler_info().get("workers", {}))
        logger.info("Dask: scheduler at %s, %d worker(s) connected", address, n_connected)
    else:
        logger.info("Dask: local cluster, %d worker(s) of 1 thread, no dashboard", max(1, workers))
    try:
        # each batch carries the plugins' records: a worker loads the files (at the same
        # path: a shared file system on a remote cluster) and checks their hashes
        queue = _Queue(batch_list)
        pending: dict[Any, list[Task]] = {}
        n_yielded = 0
        window = DASK_IN_FLIGHT + 4 * max(workers, len(client.scheduler_info().get("workers", {})))
        last_worker = time.monotonic()
        last_check = 0.0
        next_report = NO_WORKER_REPORT_SECONDS
        while pending or queue:
            while queue and len(pending) < window:
                batch = queue.popleft()
                future = client.submit(run_batch, batch, pure=False, plugins=list(plugins))
                pending[future] = batch
            done = [f for f in pending if f.done()]
            for future in done:
                batch = pending.pop(future)
                try:
                    results = future.result()
                except PluginError as err:
                    raise _plugin_failure(err) from None
                except Exception as err:  # e.g. KilledWorker: Dask gave up after worker deaths
                    reason = f"worker died ({type(err).__name__})"
                    results = [(failure_row(t, reason), None) for t in batch]
                n_yielded += len(results)
                yield results
                future.release()
            if done or not pending:
                continue
            now = time.monotonic()
            if now - last_check >= 1.0:
                last_check = now
                if client.scheduler_info().get("workers"):
                    last_worker = now
                    next_report = NO_WORKER_REPORT_SECONDS
                elif now - last_worker > no_worker_timeout:
                    raise SweepError(
                        f"no Dask worker connected to {where} for {no_worker_timeout:g} s; "
                        f"{n_runs - n_yielded} run(s) not run; finished runs "
                        "are kept, rerun the same command to resume"
                    )
                elif now - last_worker >= next_report:  # once every 10 s at most
                    logger.warning(
                        "no Dask worker connected to %s for %.0f s (giving up after %g s)",
                        where, now - last_worker, no_worker_timeout,
                    )  # fmt: skip
                    next_report = now - last_worker + NO_WORKER_REPORT_SECONDS
            time.sleep(0.05)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- progress


class Progress:
    """Runs done, rate and ETA: a tqdm bar on a terminal, a log line every 10% otherwise."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self.start = time.perf_counter()
        self.next_log = 0.1
        self.bar = None
        if sys.stderr.isatty() and total > 0:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="run", desc=label, dynamic_ncols=True)

    def update(self, n: int) -> None:
        """Count ``n`` more finished runs."""
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        if self.total and self.done / self.total >= self.next_log:
            elapsed = time.perf_counter() - self.start
            rate = self.done / elapsed if elapsed > 0 else float("inf")
            eta = (self.total - self.done) / rate if rate > 0 else float("nan")
            logger.info(
                "%s: %d/%d runs (%.0f%%), %.1f runs/s, ETA %.0f s",
                self.label, self.done, self.total, 100 * self.done / self.total, rate, eta,
            )  # fmt: skip
            while self.next_log <= self.done / self.total:
                self.next_log += 0.1

    def close(self) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------- sweep


def run_experiment(
    spec: ExperimentSpec,
    folder: str | Path,
    *,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    run_timeout: float | None = None,
    on_batch: Callable[[int], None] | None = None,
    no_worker_timeout: float = NO_WORKER_TIMEOUT,
    plugins: Sequence[Plugin] | None = None,
) -> SweepResult:
    """Run every unfinished task of ``spec`` into ``folder`` and consolidate the results.

    Args:
        spec: The study.
        folder: Output folder; rerunning into the same folder skips finished runs.
        backend: ``local`` or ``dask``.
        workers: Worker processes (default: all cores).
        address: Dask scheduler address (``dask`` backend); none starts a local cluster.
        run_timeout: Seconds a run may take before it is stopped and recorded as failed
            (local backend; the workers of a Dask cluster are managed by Dask).
        on_batch: Called with the number of runs after each finished batch (tests use it).
        no_worker_timeout: Seconds a Dask run waits with no worker before it fails.
        plugins: The plugins the runs need (default: every plugin loaded in this process,
            :func:`msisim.plugins.loaded_plugins`). Workers load them; the manifest records
            them, and resuming with a plugin missing, changed or added is refused.

    Returns:
        The sweep's result; ``n_failed > 0`` means some runs failed (see their ``error``).

    Raises:
        ValueError: A bad option, or a folder that is busy or holds another configuration
            or other plugins (nothing ran).
        SweepError: The sweep failed after work started; finished runs are kept.
    """
    check_run_options(backend, workers, address, run_timeout)
    for note in spec.notes():
        logger.warning("%s: %s", spec.name, note)
    start = time.perf_counter()
    plugins = list(loaded_plugins() if plugins is None else plugins)
    with ResultStore(folder, spec.to_dict(), spec.fingerprint(), plugins=plugins) as store:
        try:
            return _sweep(
                spec, store, backend, workers, address, run_timeout, on_batch,
                no_worker_timeout, start, plugins,
            )  # fmt: skip
        except OSError as err:  # a full disk, a vanished folder: after work started
            raise SweepError(
                f"{err.strerror or err}; runs journalled so far are kept in {store.parts}, "
                "rerun the same command to resume"
            ) from err


def _sweep(
    spec: ExperimentSpec,
    store: ResultStore,
    backend: str,
    workers: int | None,
    address: str | None,
    run_timeout: float | None,
    on_batch: Callable[[int], None] | None,
    no_worker_timeout: float,
    start: float,
    plugins: Sequence[Plugin] = (),
) -> SweepResult:
    folder = store.folder
    for name, how in store.changed.items():  # consolidating below rewrites it from the parts
        logger.warning(
            "%s %s (changed outside msisim): rebuilt from the verified parts", folder / name, how
        )
    n_runs = spec.n_runs()
    done = store.finished_runs()
    # the finished runs of this study (one pass over the ids; none to count on a first run)
    n_skipped = sum(1 for run_id in spec.run_ids() if run_id in done) if done else 0
    n_todo = n_runs - n_skipped
    stream = _batch_stream(spec, done)
    # batches taken before the workers start: all of them, or more than the workers asked
    # for (then the batches do not cap them); the others are built as workers take them
    asked = min(workers or multiprocessing.cpu_count() or 1, PEEK_BATCHES)
    first = list(itertools.islice(stream, asked + 1))
    n_workers, notes = check_run_options(backend, workers, address, run_timeout, len(first))
    for note in notes:
        logger.warning("%s", note)
    logger.info(
        "%s: %d runs, %d already finished, %d to run on %s with %d worker(s)",
        spec.name, n_runs, n_skipped, n_todo, backend, n_workers,
    )  # fmt: skip
    batch_list = itertools.chain(first, stream)
    results_stream = (
        _local(batch_list, n_workers, run_timeout, plugins)
        if backend == "local"
        else _dask(batch_list, n_workers, address, no_worker_timeout, plugins, n_todo)
    )
    progress = Progress(n_todo, spec.name)
    try:
        for results in results_stream:
            rows = [row for row, _ in results]
            store.write_batch(rows, [s for _, s in results if s is not None])
            progress.update(len(rows))
            if on_batch is not None:
                on_batch(len(rows))
    finally:
        progress.close()
    runs = store.consolidate(list(spec.run_ids()))
    n_failed = int((runs["status"] != "ok").sum()) if not runs.empty else 0
    seconds = time.perf_counter() - start
    store.write_manifest(
        runs,
        {"backend": backend, "workers": n_workers, "address": address or "", "seconds": seconds},
    )
    return SweepResult(Path(folder), runs, n_todo, n_skipped, n_failed, seconds)


def _batch_stream(spec: ExperimentSpec, done: set[str]) -> Iterator[list[Task]]:
    """The batches of the unfinished tasks, built a chunk of :data:`CHUNK_TASKS` at a time.

    Each chunk holds whole replicates (:meth:`ExperimentSpec.task_chunks`) and so whole twin
    groups; its unfinished tasks are batched by :func:`msisim.study.sharing.batches`. A study
    of at most :data:`CHUNK_TASKS` runs is one chunk: its batches are those of the whole list.
    """
    for chunk in spec.task_chunks(CHUNK_TASKS):
        todo = [t for t in chunk if t.run_id not in done] if done else chunk
        if todo:
            yield from batches(todo, spec.batch_size)
