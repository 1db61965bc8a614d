"""The results store of one study run: parquet parts, consolidated tables, manifest.

Layout of an output folder::

    manifest.json        the study's spec, its fingerprint, package versions, git
                         revision, plugins (path and SHA-256), counts, the status of
                         every run, and the SHA-256 and size of each table below ("files")
    runs.parquet         one row per run: run id, seed, design, sample, replicate, status,
                         error, every parameter, every summary outcome
    runs.csv             the same table for spreadsheets
    series.parquet       per-step metrics with run_id (when the study collects them)
    parts/               one parquet file per finished batch (the durable journal), named
                         ``runs-<tag>-<sha256>.parquet``: the checksum of its bytes; its
                         parquet metadata records the study's fingerprint
    rejected/            parts that did not match (checksum, fingerprint, columns), moved
                         aside with a warning, never adopted
    .lock                held (``flock``) by the one process writing the folder; names it
    figures/, report.md  written by :mod:`msisim.viz.report`

Every file is written atomically (temporary file in the same folder, fsync, rename), so a
sweep killed at any point (even ``kill -9``) leaves only complete files. A rerun reads the
parts, skips runs already finished, and consolidates; each run appears exactly once. Results
are never pickled: parquet and JSON only.

One process writes a folder at a time: :class:`ResultStore` takes an exclusive lock on
``.lock`` before it compares fingerprints and claims the folder, so two sweeps started
together into one folder cannot both be accepted. :func:`verify_results` checks a finished
folder before a report is built from it: each table against the checksum the manifest
records, then ``runs.parquet`` against the manifest. A table changed outside msisim is
rebuilt from the verified parts (saying so) or refused; a resume warns and rebuilds it too.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import platform
import re
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from msisim.plugins import Plugin, check_recorded_plugins, loaded_plugins

logger = logging.getLogger(__name__)

PACKAGES = ("msisim", "mesa", "numpy", "pandas", "scipy", "SALib", "dask", "distributed")

#: Parquet metadata key holding the fingerprint of the study a table belongs to.
FINGERPRINT_KEY = b"msisim.fingerprint"
#: Columns every run row has.
IDENTITY_COLUMNS = ("run_id", "seed", "design", "sample", "replicate", "status")
#: Tables of a finished folder whose SHA-256 and size the manifest records under "files".
RECORDED_FILES = ("runs.parquet", "series.parquet", "runs.csv")
_PART_NAME = re.compile(r"^(runs|series)-([0-9a-f]{12})-([0-9a-f]{16})\.parquet$")


class FolderBusyError(ValueError):
    """Another process holds the output folder's lock."""


class ResultsChangedError(ValueError):
    """A result table differs from the checksum its manifest records and cannot be rebuilt."""


class StoreWriteError(OSError):
    """Writing a result file failed (full disk, permissions); names the path."""


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write ``path`` atomically: ``write`` fills a temporary file that is then renamed.

    The file gets the mode a plain ``open()`` would give it (0666 less the umask), so
    results are readable by the group and others as the user's umask allows.
    """
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        umask = os.umask(0o022)  # mkstemp makes the file 0600; give it the mode open() would
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        raise StoreWriteError(err.errno, f"cannot write {path}: {err.strerror or err}") from None
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()


def write_json(path: Path, data: Any) -> None:
    """Atomically write ``data`` as indented JSON."""
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def write_parquet(path: Path, frame: pd.DataFrame, fingerprint: str | None = None) -> None:
    """Atomically write a DataFrame as parquet, recording ``fingerprint`` in its metadata."""
    atomic_write(path, lambda p: _to_parquet(frame, p, fingerprint))


def _to_parquet(frame: pd.DataFrame, path: Path, fingerprint: str | None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if fingerprint is not None:
        meta = dict(table.schema.metadata or {})
        meta[FINGERPRINT_KEY] = fingerprint.encode()
        table = table.replace_schema_metadata(meta)
    pq.write_table(table, path)


def parquet_fingerprint(path: Path) -> str | None:
    """The fingerprint recorded in a parquet file's metadata, or ``None``."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    value = meta.get(FINGERPRINT_KEY)
    return value.decode() if value is not None else None


def file_checksum(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_record(path: Path) -> dict[str, Any]:
    """What the manifest records of a table: its SHA-256 and its size in bytes."""
    return {"sha256": file_checksum(path), "bytes": path.stat().st_size}


def recorded_files(manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]] | None:
    """The manifest's ``files`` record, or ``None`` in a manifest without one (older msisim).

    Raises:
        ValueError: A ``files`` entry that is not ``{sha256, bytes}`` of a known table.
    """
    entries = manifest.get("files")
    if entries is None:
        return None
    ok = isinstance(entries, dict) and all(
        name in RECORDED_FILES
        and isinstance(e, dict)
        and isinstance(e.get("sha256"), str)
        and re.fullmatch(r"[0-9a-f]{64}", e["sha256"]) is not None
        and isinstance(e.get("bytes"), int)
        for name, e in entries.items()
    )
    if not ok:
        raise ValueError(
            "manifest.json is corrupt: 'files' must map "
            f"{', '.join(RECORDED_FILES)} to {{sha256, bytes}}"
        )
    return dict(entries)


def changed_files(folder: Path, manifest: Mapping[str, Any]) -> dict[str, str]:
    """The tables whose bytes differ from the manifest's record: name -> what differs.

    Empty when every recorded table matches, or when the manifest records none (older
    msisim; :func:`verify_results` says what can still be known then).
    """
    records = recorded_files(manifest)
    if records is None:
        return {}
    changed: dict[str, str] = {}
    for name in RECORDED_FILES:
        path = folder / name
        record = records.get(name)
        if record is None:
            if path.exists():
                changed[name] = "is not recorded in manifest.json (added outside msisim)"
            continue
        if not path.is_file():
            changed[name] = "is missing"
        elif path.stat().st_size != record["bytes"]:
            changed[name] = (
                f"has {path.stat().st_size} bytes where manifest.json records {record['bytes']}"
            )
        elif file_checksum(path) != record["sha256"]:
            changed[name] = "does not match its SHA-256 in manifest.json"
    return changed


class FolderLock:
    """An exclusive ``flock`` on ``FOLDER/.lock``, naming its holder (pid, host, time).

    The lock belongs to the open file, so the kernel releases it when the holder dies
    (``kill -9`` included): a stale lock never blocks a resume.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        """Take the lock at once or raise :class:`FolderBusyError` naming the holder."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self.holder()
            deadline = time.monotonic() + 1.0
            while not holder and time.monotonic() < deadline:  # it is writing its name
                time.sleep(0.02)
                holder = self.holder()
            holder = holder or "another process"
            raise FolderBusyError(
                f"{self.path.parent} is being written by {holder}; wait for it to finish "
                "or choose another output folder"
            ) from None
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} since {stamp}\n".encode())
        self.fd = fd

    def holder(self) -> str:
        """What the lock file says about its holder (empty if nothing)."""
        try:
            return self.path.read_text().strip()
        except OSError:
            return ""

    def is_held(self) -> bool:
        """Whether some process (this one included) holds the lock now."""
        if self.fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self.fd is not None:
            os.ftruncate(self.fd, 0)  # the next refusal must not name a former holder
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that determine results."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_revision() -> str:
    """The git revision of the msisim source tree, or ``unknown``."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if rev.returncode != 0:
        return "unknown"
    return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


class ResultStore:
    """One study's output folder, locked for writing while this object is open.

    Opening takes the folder's exclusive lock, then (under the lock) refuses a folder of a
    different fingerprint, removes temporary files left by a killed writer and claims the
    folder for this spec. Close it (or use it as a context manager) to release the lock.

    Args:
        folder: The output folder (created if missing).
        spec: The study's spec as a plain mapping (stored in the manifest).
        fingerprint: Hash of what determines the runs; a folder holding results of a
            different fingerprint is refused.
        plugins: The plugins the runs use (recorded in the manifest with their hashes); a
            folder whose study used other plugins, or the same files changed, is refused.
        check_plugins: Refuse a folder whose recorded plugins differ from ``plugins``
            (``False`` only to rebuild tables from the parts, which runs nothing).

    Raises:
        FolderBusyError: Another process is writing the folder (the message names it).
        ValueError: The folder holds results of another configuration or other plugins
            (:class:`msisim.plugins.PluginError`), or a corrupt manifest.
        OSError: The folder cannot be created or written.
    """

    def __init__(
        self,
        folder: str | Path,
        spec: Mapping[str, Any],
        fingerprint: str,
        *,
        plugins: Sequence[Plugin] = (),
        check_plugins: bool = True,
    ) -> None:
        self.folder = Path(folder)
        self.plugins = list(plugins)
        self.parts = self.folder / "parts"
        self.rejected = self.folder / "rejected"
        self.spec = dict(spec)
        self.fingerprint = fingerprint
        self.lock = FolderLock(self.folder)
        self.written: set[str] = set()  # the tables this store wrote (their checksums recorded)
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OSError(f"cannot create output folder {self.folder}: {err.strerror}") from None
        if not os.access(self.folder, os.W_OK):
            raise OSError(f"output folder {self.folder} is not writable")
        self.lock.acquire()
        try:
            existing = self.read_manifest()
            if existing is not None and existing.get("fingerprint") != fingerprint:
                raise ValueError(
                    f"{self.folder} holds results of a different configuration "
                    f"(fingerprint {existing.get('fingerprint')} != {fingerprint}); "
                    "choose another output folder or remove it"
                )
            if existing is not None and check_plugins:
                check_recorded_plugins(recorded_plugins(existing), self.plugins, str(self.folder))
            #: Tables changed outside msisim since the manifest recorded them (name -> how).
            self.changed = {} if existing is None else changed_files(self.folder, existing)
            self.remove_stale_temporaries()
            self.claim()
        except BaseException:
            self.lock.release()
            raise

    @classmethod
    def reader(cls, folder: Path, fingerprint: str) -> ResultStore:
        """A view for reading verified parts only: no lock, nothing written or moved.

        Use only ``runs_from_parts(..., reject=False)`` and ``part_problem`` on it.
        """
        store = cls.__new__(cls)
        store.folder, store.parts, store.rejected = folder, folder / "parts", folder / "rejected"
        store.fingerprint, store.lock = fingerprint, FolderLock(folder)
        store.written = set()
        return store

    def close(self) -> None:
        """Release the folder's lock."""
        self.lock.release()

    def __enter__(self) -> ResultStore:
        """The open store."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Release the lock."""
        self.close()

    def __del__(self) -> None:
        """Release the lock if the store was not closed."""
        lock = getattr(self, "lock", None)
        if lock is not None:
            lock.release()

    # ------------------------------------------------------------------ reading

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or ``None`` if there is none yet."""
        return read_manifest(self.folder)

    def remove_stale_temporaries(self) -> list[Path]:
        """Remove temporary files left by an interrupted write (safe under the lock)."""
        removed = []
        for folder in (self.folder, self.parts):
            for path in folder.glob(".*.tmp"):
                try:
                    path.unlink()
                    removed.append(path)
                except OSError as err:  # pragma: no cover - unlikely: we own the folder
                    logger.warning("cannot remove stale temporary file %s (%s)", path, err)
        if removed:
            logger.info("removed %d stale temporary file(s) from %s", len(removed), self.folder)
        return removed

    def _reject(self, path: Path, reason: str) -> None:
        """Move a part that does not match aside (never adopted); warn naming it."""
        self.rejected.mkdir(exist_ok=True)
        target = self.rejected / path.name
        if target.exists():
            target = self.rejected / f"{path.stem}-{uuid.uuid4().hex[:6]}{path.suffix}"
        try:
            os.replace(path, target)
        except OSError as err:  # pragma: no cover - the part is still ignored
            logger.warning("cannot move %s aside (%s)", path, err)
            return
        logger.warning(
            "result part %s %s; moved to %s, its runs will run again",
            path.name, reason, target.relative_to(self.folder),
        )  # fmt: skip

    def part_problem(self, path: Path, kind: str) -> str | None:
        """Why a part must not be adopted, or ``None`` when it matches this study."""
        match = _PART_NAME.match(path.name)
        if match is None or match.group(1) != kind:
            return "has no checksum in its name (not written by this version of msisim)"
        if not file_checksum(path).startswith(match.group(3)):
            return "does not match its checksum (changed or torn)"
        try:
            recorded = parquet_fingerprint(path)
        except Exception as err:  # unreadable metadata: a torn or foreign file
            return f"is unreadable ({type(err).__name__})"
        if recorded != self.fingerprint:
            return f"belongs to another configuration (fingerprint {recorded})"
        return None

    def _read_parts(self, kind: str, reject: bool = True) -> list[pd.DataFrame]:
        """The parts of ``kind`` that verify; the others are moved aside (``reject``) or skipped."""
        frames = []
        required = set(IDENTITY_COLUMNS) if kind == "runs" else {"run_id", "step"}
        for path in sorted(self.parts.glob(f"{kind}-*.parquet")):
            problem = self.part_problem(path, kind)
            frame = None
            if problem is None:
                try:
                    frame = pd.read_parquet(path)
                except Exception as err:  # an unreadable part is dropped: its runs rerun
                    problem = f"is unreadable ({type(err).__name__}: {err})"
            if frame is not None and not required <= set(frame.columns):
                problem = f"lacks columns {sorted(required - set(frame.columns))}"
            if problem is not None or frame is None:
                if reject:
                    self._reject(path, problem or "is unreadable")
                continue
            frames.append(frame)
        return frames

    def finished_runs(self) -> set[str]:
        """Run ids already finished successfully (their results are on disk)."""
        runs = self.read_runs_parts()
        if runs.empty:
            return set()
        return set(runs.loc[runs["status"] == "ok", "run_id"])

    def read_runs_parts(self, reject: bool = True) -> pd.DataFrame:
        """All run rows in the journal, one per run id (a later success replaces a failure)."""
        frames = self._read_parts("runs", reject)
        if not frames:
            return pd.DataFrame()
        runs = pd.concat(frames, ignore_index=True)
        runs["_ok"] = runs["status"] == "ok"
        runs = runs.sort_values(["_ok"], kind="stable").drop_duplicates("run_id", keep="last")
        return runs.drop(columns="_ok")

    # ------------------------------------------------------------------ writing

    def _write_part(self, kind: str, frame: pd.DataFrame) -> None:
        """Write a part, then name it by the checksum of its bytes (both steps atomic)."""
        tag = uuid.uuid4().hex[:12]
        staging = self.parts / f".{kind}-{tag}.staged.tmp"
        write_parquet(staging, frame, self.fingerprint)
        final = self.parts / f"{kind}-{tag}-{file_checksum(staging)[:16]}.parquet"
        try:
            os.replace(staging, final)
        except OSError as err:  # pragma: no cover - same folder rename
            raise StoreWriteError(err.errno, f"cannot write {final}: {err.strerror}") from None

    def write_batch(self, rows: list[dict[str, Any]], series: Iterable[pd.DataFrame]) -> None:
        """Journal one finished batch (series first, so a run's row implies its series)."""
        frames = [s for s in series if s is not None and not s.empty]
        if frames:
            self._write_part("series", pd.concat(frames, ignore_index=True))
        self._write_part("runs", pd.DataFrame(rows))

    def runs_from_parts(self, order: list[str], reject: bool = True) -> pd.DataFrame:
        """The run table the journal makes: the runs of ``order`` in that order."""
        runs = self.read_runs_parts(reject)
        if runs.empty:
            return runs
        rank = {run_id: i for i, run_id in enumerate(order)}
        runs = runs[runs["run_id"].isin(rank)]
        runs = runs.assign(_rank=runs["run_id"].map(rank)).sort_values("_rank")
        return runs.drop(columns="_rank").reset_index(drop=True)

    def consolidate(self, order: list[str], runs: pd.DataFrame | None = None) -> pd.DataFrame:
        """Write ``runs.parquet``, ``runs.csv`` (and ``series.parquet``) from the journal.

        Rows come in task order. The manifest written next (:meth:`write_manifest`, or
        :meth:`record_files`) records the tables' checksums. ``runs`` is
        ``runs_from_parts(order)`` when the caller has read it already.
        """
        runs = self.runs_from_parts(order) if runs is None else runs
        if runs.empty:
            return runs
        rank = {run_id: i for i, run_id in enumerate(order)}
        write_parquet(self.folder / "runs.parquet", runs, self.fingerprint)
        self.written.add("runs.parquet")
        self.write_csv(runs)
        series_frames = self._read_parts("series")
        if series_frames:
            series = pd.concat(series_frames, ignore_index=True)
            ok = set(runs.loc[runs["status"] == "ok", "run_id"])
            series = series[series["run_id"].isin(ok)]
            series = series.drop_duplicates(["run_id", "step"], keep="last")
            series = series.assign(_rank=series["run_id"].map(rank)).sort_values(["_rank", "step"])
            write_parquet(
                self.folder / "series.parquet",
                series.drop(columns="_rank").reset_index(drop=True),
                self.fingerprint,
            )
            self.written.add("series.parquet")
        return runs

    def write_csv(self, runs: pd.DataFrame) -> None:
        """Write ``runs.csv``: the run table for spreadsheets."""
        atomic_write(self.folder / "runs.csv", lambda p: runs.to_csv(p, index=False))
        self.written.add("runs.csv")

    def file_records(self) -> dict[str, dict[str, Any]]:
        """The checksum and size of each table this store wrote (the manifest's ``files``).

        Only tables written here are recorded, so a table changed outside msisim is never
        blessed by a later manifest.
        """
        paths = [self.folder / name for name in RECORDED_FILES if name in self.written]
        return {p.name: file_record(p) for p in paths if p.is_file()}

    def record_files(self) -> dict[str, Any]:
        """Record the checksums of the tables just rebuilt in the existing manifest."""
        manifest = self.read_manifest() or {}
        manifest["files"] = {**(recorded_files(manifest) or {}), **self.file_records()}
        write_json(self.folder / "manifest.json", manifest)
        return manifest

    def write_manifest(self, runs: pd.DataFrame, extra: Mapping[str, Any]) -> dict[str, Any]:
        """Write the manifest: spec, fingerprint, versions, git revision, run statuses."""
        status = {} if runs.empty else dict(zip(runs["run_id"], runs["status"], strict=True))
        counts: dict[str, int] = {}
        for value in status.values():
            counts[value] = counts.get(value, 0) + 1
        manifest = {
            "experiment": self.spec.get("name"),
            "fingerprint": self.fingerprint,
            "spec": self.spec,
            "versions": package_versions(),
            "git_revision": git_revision(),
            "plugins": [p.to_dict() for p in self.plugins],
            "written": datetime.now(UTC).isoformat(timespec="seconds"),
            "counts": counts,
            **extra,
            "files": self.file_records(),
            "runs": status,
        }
        write_json(self.folder / "manifest.json", manifest)
        return manifest

    def claim(self) -> None:
        """Write a minimal manifest before any run, so that the folder is bound to this spec."""
        if self.read_manifest() is None:
            write_json(
                self.folder / "manifest.json",
                {
                    "experiment": self.spec.get("name"),
                    "fingerprint": self.fingerprint,
                    "spec": self.spec,
                    "plugins": [p.to_dict() for p in self.plugins],
                    "runs": {},
                },
            )


def recorded_plugins(manifest: Mapping[str, Any]) -> list[dict[str, str]]:
    """The manifest's plugins (``path``, ``sha256``); none in a manifest of older msisim."""
    entries = manifest.get("plugins", [])
    ok = isinstance(entries, list) and all(
        isinstance(e, dict) and isinstance(e.get("path"), str) and isinstance(e.get("sha256"), str)
        for e in entries
    )
    if not ok:
        raise ValueError("manifest.json is corrupt: 'plugins' must list {path, sha256} entries")
    return [{"path": e["path"], "sha256": e["sha256"]} for e in entries]


def check_report_plugins(folder: Path, manifest: Mapping[str, Any]) -> list[str]:
    """Refuse to report a study whose plugins are not loaded; warn about changed ones.

    A report rebuilds the study's spec (which may name a plugin's rule) and labels its
    outcomes (which a plugin may declare), so the plugins the study ran with must be loaded
    (``msisim report --plugin FILE``). A plugin loaded from the same path with other bytes
    is a warning: the results were computed by the recorded version.

    Returns:
        Warnings.

    Raises:
        PluginError: A recorded plugin is not loaded (one line saying which to pass).
    """
    from msisim.plugins import PluginError

    loaded = loaded_plugins()
    hashes = {p.sha256 for p in loaded}
    paths = {p.path: p for p in loaded}
    warnings: list[str] = []
    for entry in recorded_plugins(manifest):
        if entry["sha256"] in hashes:
            continue
        if entry["path"] in paths:
            warnings.append(
                f"{folder} was run with plugin {entry['path']} at sha256 {entry['sha256'][:12]};"
                f" the file loaded now differs ({paths[entry['path']].sha256[:12]})"
            )
            continue
        raise PluginError(
            f"{folder} was run with plugin {entry['path']} (sha256 {entry['sha256'][:12]}): "
            f"pass --plugin {entry['path']}"
        )
    return warnings


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A folder's manifest, or ``None`` if there is none; a corrupt one is a ``ValueError``."""
    path = Path(folder) / "manifest.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not valid JSON ({err}); remove it to start over") from None
    except OSError as err:
        raise ValueError(f"cannot read {path}: {err.strerror}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is corrupt: a JSON object expected, found {type(data).__name__}")
    for key, kind in (("fingerprint", str), ("spec", dict), ("runs", dict)):
        if not isinstance(data.get(key), kind):
            raise ValueError(
                f"{path} is corrupt: {key!r} is missing or not a {kind.__name__}; "
                "remove the folder's manifest.json to start over"
            )
    return data


def rebuild_tables(folder: Path, manifest: Mapping[str, Any], why: str) -> str:
    """Rebuild the folder's tables from its verified parts, or refuse; returns a warning.

    ``runs.parquet`` (with ``runs.csv`` and ``series.parquet``) is consolidated again from
    the parts that verify (checksum, fingerprint; others are moved aside as on a resume),
    under the folder's lock, and kept only if it holds exactly the manifest's runs with the
    manifest's statuses; then the manifest records the new tables' checksums.

    Raises:
        ResultsChangedError: The parts cannot rebuild the manifest's runs (one line naming
            the file and why it was checked).
        FolderBusyError: A sweep is writing the folder.
    """
    from msisim.study.spec import ExperimentSpec

    spec = ExperimentSpec.from_dict(manifest["spec"], bounded=False)
    listed = {str(k): v for k, v in manifest["runs"].items()}
    order = [run_id for run_id in spec.run_ids() if run_id in listed]
    with ResultStore(
        folder, manifest["spec"], manifest["fingerprint"], check_plugins=False
    ) as store:
        runs = store.runs_from_parts(order)
        rebuilt = {} if runs.empty else dict(zip(runs["run_id"], runs["status"], strict=True))
        if rebuilt != listed or not listed:
            same = sum(1 for k, v in rebuilt.items() if listed.get(k) == v)
            raise ResultsChangedError(
                f"{why}, and {store.parts} cannot rebuild it ({same} of the manifest's "
                f"{len(listed)} runs in verified parts): nothing in it is reported; rerun "
                "the study into a new folder"
            )
        store.consolidate(order, runs)
        store.record_files()
    rebuilt_names = ", ".join(sorted(store.written))
    return f"{why}: rebuilt {rebuilt_names} from the {len(runs)} verified runs in {store.parts}"


def _check_tables(
    folder: Path, manifest: dict[str, Any], rebuild: bool
) -> tuple[dict[str, Any], list[str]]:
    """Verify the tables against the manifest's checksums; rebuild or refuse a changed one."""
    changed = changed_files(folder, manifest)
    if not changed:
        return manifest, []
    name, how = next(iter(changed.items()))
    why = f"{folder / name} {how} (changed outside msisim)"
    if not rebuild:
        raise ResultsChangedError(f"{why}: nothing in it is reported")
    warning = rebuild_tables(folder, manifest, why)
    return read_manifest(folder) or manifest, [warning]


def _check_unrecorded(
    folder: Path, manifest: dict[str, Any], rebuild: bool
) -> tuple[dict[str, Any], list[str]]:
    """An older folder without checksums: compare ``runs.parquet`` with the verified parts."""
    runs_path = folder / "runs.parquet"
    note = (
        f"{folder / 'manifest.json'} records no checksums (written by an msisim before "
        "checksums were recorded)"
    )
    from msisim.study.spec import ExperimentSpec

    probe = ResultStore.reader(folder, manifest["fingerprint"])

    spec = ExperimentSpec.from_dict(manifest["spec"], bounded=False)
    order = [run_id for run_id in spec.run_ids() if run_id in manifest["runs"]]
    try:
        expected = probe.runs_from_parts(order, reject=False)
        table = pd.read_parquet(runs_path)
    except Exception:  # unreadable: the checks below name it
        return manifest, []
    if expected.empty or set(expected["run_id"]) != set(manifest["runs"]):
        return manifest, [
            f"{note}, and its parts cannot rebuild it: whether {runs_path} was changed "
            "outside msisim cannot be known; rerun the study into a new folder to be sure"
        ]
    try:
        pd.testing.assert_frame_equal(
            table.reset_index(drop=True), expected, check_dtype=False, check_like=True
        )
    except AssertionError:
        why = f"{runs_path} differs from the verified parts (changed outside msisim)"
        if not rebuild:
            raise ResultsChangedError(f"{why}: nothing in it is reported") from None
        warning = rebuild_tables(folder, manifest, why)
        return read_manifest(folder) or manifest, [warning]
    return manifest, [f"{note}; {runs_path} matches its verified parts"]


def verify_results(folder: str | Path, *, rebuild: bool = True) -> list[str]:
    """Check a finished folder before reporting: its tables, then ``runs.parquet`` itself.

    First each table (``runs.parquet``, ``runs.csv``, ``series.parquet``) is checked against
    the SHA-256 and size the manifest records. A table that differs was changed outside
    msisim: with ``rebuild`` the tables are rebuilt from the verified parts when those hold
    exactly the manifest's runs (a warning names the file and why), otherwise (or without
    ``rebuild``) :class:`ResultsChangedError` refuses in one line naming the file. A manifest
    of an older msisim records no checksums: ``runs.parquet`` is then compared with its
    verified parts (rebuilt if it differs), or a warning says it cannot be verified.

    Refused (``ValueError``, one line naming the file): no or a corrupt manifest; a spec that
    no longer builds or whose fingerprint differs from the manifest's; a missing or
    unreadable ``runs.parquet``, one of another fingerprint, with no rows, duplicated run
    ids, missing identity columns, run ids other than the manifest's or the spec's, or
    status counts other than the manifest's.

    Returns:
        Warnings (also logged): a table rebuilt, a sweep still writing the folder, tables
        without checksums or fingerprint (older msisim), outcomes the report names that
        ``runs.parquet`` lacks, a missing ``series.parquet`` for a study that collects series.
    """
    from msisim.study.spec import ExperimentSpec

    folder = Path(folder)
    warnings: list[str] = []
    manifest = read_manifest(folder)
    runs_path = folder / "runs.parquet"
    if manifest is None or not runs_path.exists():
        raise FileNotFoundError(f"{folder} holds no study results (manifest.json and runs.parquet)")
    if FolderLock(folder).is_held():
        warnings.append(f"{folder} is being written by {FolderLock(folder).holder()}")
    warnings.extend(check_report_plugins(folder, manifest))
    try:
        spec = ExperimentSpec.from_dict(manifest["spec"], bounded=False)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{folder / 'manifest.json'}: its spec is invalid ({err})") from None
    if spec.fingerprint() != manifest["fingerprint"]:
        raise ValueError(
            f"{folder / 'manifest.json'}: fingerprint {manifest['fingerprint']} does not match "
            f"its spec ({spec.fingerprint()}); the manifest was edited or corrupted"
        )
    if recorded_files(manifest) is None:
        manifest, notes = _check_unrecorded(folder, manifest, rebuild)
    else:
        manifest, notes = _check_tables(folder, manifest, rebuild)
    warnings.extend(notes)
    try:
        recorded = parquet_fingerprint(runs_path)
        runs = pd.read_parquet(runs_path)
    except Exception as err:
        raise ValueError(f"{runs_path} is unreadable ({type(err).__name__}: {err})") from None
    if recorded is None:
        warnings.append(
            f"{runs_path} records no fingerprint (written by an msisim before fingerprints "
            "were recorded, or re-saved outside msisim)"
        )
    elif recorded != manifest["fingerprint"]:
        raise ValueError(
            f"{runs_path} belongs to fingerprint {recorded}, the manifest to "
            f"{manifest['fingerprint']}: the folder mixes two configurations"
        )
    if runs.empty:
        raise ValueError(f"{runs_path} holds no runs")
    missing = [c for c in IDENTITY_COLUMNS if c not in runs.columns]
    if missing:
        raise ValueError(f"{runs_path} lacks columns {missing}")
    duplicated = runs["run_id"][runs["run_id"].duplicated()].unique()
    if len(duplicated):
        raise ValueError(
            f"{runs_path} holds {len(duplicated)} duplicated run id(s), e.g. {duplicated[0]}"
        )
    ids = set(runs["run_id"])
    listed = set(manifest["runs"])
    if ids != listed:
        raise ValueError(
            f"{runs_path} and the manifest disagree: {len(ids - listed)} run(s) not in the "
            f"manifest, {len(listed - ids)} manifest run(s) missing"
        )
    n_expected = spec.n_runs()
    made = sum(1 for run_id in spec.run_ids() if run_id in ids)  # no list of the spec's runs
    if made < len(ids):
        extra = len(ids) - made
        raise ValueError(f"{runs_path} holds {extra} run(s) that its spec never makes")
    counts = {str(k): int(v) for k, v in runs["status"].value_counts().items()}
    if "counts" in manifest and manifest["counts"] != counts:
        raise ValueError(
            f"{runs_path} status counts {counts} differ from the manifest's {manifest['counts']}"
        )
    if len(ids) < n_expected:
        warnings.append(
            f"{runs_path} holds {len(ids)} of the study's {n_expected} runs (an interrupted "
            "sweep: rerun the same command to complete it)"
        )
    absent = [o for o in spec.outcomes if o not in runs.columns]
    if absent:
        warnings.append(f"{runs_path} lacks outcome(s) {absent}: their figures are left out")
    if spec.collect_series and not (folder / "series.parquet").exists():
        warnings.append(f"{folder / 'series.parquet'} is missing: figures over time are left out")
    for message in warnings:
        logger.warning("%s", message)
    return warnings
