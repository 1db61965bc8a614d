"""The results store of one study run: parquet parts, consolidated tables, manifest.

Layout of an output folder::

    manifest.json        the study's spec, its fingerprint, package versions, git
                         revision, counts and the status of every run
    runs.parquet         one row per run: run id, seed, design, sample, replicate, status,
                         error, every parameter, every summary outcome
    series.parquet       per-step metrics with run_id (when the study collects them)
    parts/               one parquet file per finished batch (the durable journal)
    figures/, report.md  written by :mod:`msisim.study.report`

Every file is written atomically (temporary file in the same folder, fsync, rename), so a
sweep killed at any point (even ``kill -9``) leaves only complete files. A rerun reads the
parts, skips runs already finished, and consolidates; each run appears exactly once. Results
are never pickled: parquet and JSON only.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

PACKAGES = ("msisim", "mesa", "numpy", "pandas", "scipy", "SALib", "dask", "distributed")


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write ``path`` atomically: ``write`` fills a temporary file that is then renamed.

    The file gets the mode a plain ``open()`` would give it (0666 less the umask), so
    results are readable by the group and others as the user's umask allows.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0o022)  # mkstemp makes the file 0600; give it the mode open() would
    os.umask(umask)
    os.chmod(tmp_name, 0o666 & ~umask)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: Path, data: Any) -> None:
    """Atomically write ``data`` as indented JSON."""
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Atomically write a DataFrame as parquet."""
    atomic_write(path, lambda p: frame.to_parquet(p, index=False))


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
    """One study's output folder.

    Args:
        folder: The output folder (created if missing).
        spec: The study's spec as a plain mapping (stored in the manifest).
        fingerprint: Hash of what determines the runs; a folder holding results of a
            different fingerprint is refused.
    """

    def __init__(self, folder: str | Path, spec: Mapping[str, Any], fingerprint: str) -> None:
        self.folder = Path(folder)
        self.parts = self.folder / "parts"
        self.spec = dict(spec)
        self.fingerprint = fingerprint
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OSError(f"cannot create output folder {self.folder}: {err.strerror}") from None
        if not os.access(self.folder, os.W_OK):
            raise OSError(f"output folder {self.folder} is not writable")
        existing = self.read_manifest()
        if existing is not None and existing.get("fingerprint") != fingerprint:
            raise ValueError(
                f"{self.folder} holds results of a different configuration "
                f"(fingerprint {existing.get('fingerprint')} != {fingerprint}); "
                "choose another output folder or remove it"
            )

    # ------------------------------------------------------------------ reading

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or ``None`` if there is none yet."""
        path = self.folder / "manifest.json"
        if not path.exists():
            return None
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON ({err}); remove it to start over") from None
        return data

    def _read_parts(self, kind: str) -> list[pd.DataFrame]:
        frames = []
        for path in sorted(self.parts.glob(f"{kind}-*.parquet")):
            try:
                frames.append(pd.read_parquet(path))
            except Exception as err:  # an unreadable part is dropped: its runs rerun
                logger.warning("ignoring unreadable result part %s (%s)", path.name, err)
        return frames

    def finished_runs(self) -> set[str]:
        """Run ids already finished successfully (their results are on disk)."""
        runs = self.read_runs_parts()
        if runs.empty:
            return set()
        return set(runs.loc[runs["status"] == "ok", "run_id"])

    def read_runs_parts(self) -> pd.DataFrame:
        """All run rows in the journal, one per run id (a later success replaces a failure)."""
        frames = self._read_parts("runs")
        if not frames:
            return pd.DataFrame()
        runs = pd.concat(frames, ignore_index=True)
        runs["_ok"] = runs["status"] == "ok"
        runs = runs.sort_values(["_ok"], kind="stable").drop_duplicates("run_id", keep="last")
        return runs.drop(columns="_ok")

    # ------------------------------------------------------------------ writing

    def write_batch(self, rows: list[dict[str, Any]], series: Iterable[pd.DataFrame]) -> None:
        """Journal one finished batch (series first, so a run's row implies its series)."""
        tag = uuid.uuid4().hex[:12]
        frames = [s for s in series if s is not None and not s.empty]
        if frames:
            write_parquet(
                self.parts / f"series-{tag}.parquet", pd.concat(frames, ignore_index=True)
            )
        write_parquet(self.parts / f"runs-{tag}.parquet", pd.DataFrame(rows))

    def consolidate(self, order: list[str]) -> pd.DataFrame:
        """Write ``runs.parquet`` (and ``series.parquet``) from the journal, in task order."""
        runs = self.read_runs_parts()
        if runs.empty:
            return runs
        rank = {run_id: i for i, run_id in enumerate(order)}
        runs = runs[runs["run_id"].isin(rank)]
        runs = runs.assign(_rank=runs["run_id"].map(rank)).sort_values("_rank")
        runs = runs.drop(columns="_rank").reset_index(drop=True)
        write_parquet(self.folder / "runs.parquet", runs)
        series_frames = self._read_parts("series")
        if series_frames:
            series = pd.concat(series_frames, ignore_index=True)
            ok = set(runs.loc[runs["status"] == "ok", "run_id"])
            series = series[series["run_id"].isin(ok)]
            series = series.drop_duplicates(["run_id", "step"], keep="last")
            series = series.assign(_rank=series["run_id"].map(rank)).sort_values(["_rank", "step"])
            write_parquet(
                self.folder / "series.parquet", series.drop(columns="_rank").reset_index(drop=True)
            )
        return runs

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
            "written": datetime.now(UTC).isoformat(timespec="seconds"),
            "counts": counts,
            **extra,
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
                    "runs": {},
                },
            )
