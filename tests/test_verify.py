"""Results are verified end to end: nothing changed outside msisim is reported as a result.

The manifest records the SHA-256 and size of ``runs.parquet``, ``runs.csv`` and
``series.parquet``; :func:`msisim.study.store.verify_results` (run by every report build)
rebuilds a changed table from the verified parts and says so, or refuses in one line.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from msisim.study.runner import run_experiment
from msisim.study.spec import ExperimentSpec
from msisim.study.store import ResultsChangedError, file_checksum, verify_results
from msisim.viz.report import build_report

MSISIM = str(Path(sys.executable).parent / "msisim")

#: 4 runs of 10 steps: two designs' worth of budget levels, two replicates.
TINY = {
    "name": "tiny",
    "base": {"n_stakeholders": 60, "n_seats": 12},
    "factors": {"lobby_budget": [0.0, 1.0]},
    "replicates": 2,
    "steps": 10,
    "batch_size": 2,
    "collect_series": True,
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished tiny study (never changed: tests work on copies)."""
    folder = tmp_path_factory.mktemp("finished") / "study"
    run_experiment(ExperimentSpec.from_dict(TINY), folder, workers=1)
    return folder


def _copy(finished: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "study"
    shutil.copytree(finished, folder)
    return folder


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_the_manifest_records_each_table_checksum(finished):
    files = _manifest(finished)["files"]
    assert set(files) == {"runs.parquet", "runs.csv", "series.parquet"}, files
    for name, record in files.items():
        assert record["sha256"] == file_checksum(finished / name), f"{name}: its own SHA-256"
        assert record["bytes"] == (finished / name).stat().st_size, f"{name}: its own size"
    assert verify_results(finished) == [], "a finished folder verifies without a warning"


def test_a_pandas_resave_after_an_edit_is_rebuilt_and_said_to_be_changed(finished, tmp_path):
    folder = _copy(finished, tmp_path)
    original = pd.read_parquet(folder / "runs.parquet")
    edited = original.copy()
    edited.loc[0, "capture"] = 0.999
    edited.to_parquet(folder / "runs.parquet", index=False)
    warnings = verify_results(folder)
    said = [w for w in warnings if "changed outside msisim" in w and "rebuilt" in w]
    assert said and "runs.parquet" in said[0], f"the rebuild names the file and why: {warnings}"
    assert not any("older msisim" in w for w in warnings), f"no misleading note: {warnings}"
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "runs.parquet"), original)
    assert verify_results(folder) == [], "after the rebuild the folder verifies cleanly"


def test_a_pandas_resave_without_parts_is_refused_in_one_line(finished, tmp_path):
    folder = _copy(finished, tmp_path)
    edited = pd.read_parquet(folder / "runs.parquet")
    edited.loc[0, "capture"] = 0.999
    edited.to_parquet(folder / "runs.parquet", index=False)
    shutil.rmtree(folder / "parts")
    with pytest.raises(ResultsChangedError) as err:
        build_report(folder)
    message = str(err.value)
    assert "\n" not in message, message
    assert "runs.parquet" in message and "changed outside msisim" in message, message
    assert not (folder / "report.md").exists(), "no report from an edited table"
    proc = subprocess.run([MSISIM, "report", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 1, f"a refusal is a runtime failure (exit 1): {proc.stderr}"
    assert proc.stderr.count("\n") == 1 and "changed outside msisim" in proc.stderr, proc.stderr


def test_an_edited_csv_or_series_is_rebuilt(finished, tmp_path):
    for name in ("runs.csv", "series.parquet"):
        folder = _copy(finished, tmp_path / name)
        original = (folder / name).read_bytes()
        (folder / name).write_bytes(original.replace(b"0.", b"1.", 1))
        warnings = verify_results(folder)
        assert any(name in w and "rebuilt" in w for w in warnings), f"{name}: {warnings}"
        assert (folder / name).read_bytes() == original, f"{name} rebuilt byte for byte"


def test_a_resume_rebuilds_an_edited_table_and_says_so(finished, tmp_path, caplog):
    folder = _copy(finished, tmp_path)
    original = pd.read_parquet(folder / "runs.parquet")
    edited = original.copy()
    edited.loc[1, "rose"] = -1.0
    edited.to_parquet(folder / "runs.parquet", index=False)
    with caplog.at_level("WARNING"):
        result = run_experiment(ExperimentSpec.from_dict(TINY), folder, workers=1)
    assert result.n_run == 0, "nothing runs again"
    assert "runs.parquet" in caplog.text and "changed outside msisim" in caplog.text, caplog.text
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "runs.parquet"), original)
    assert verify_results(folder) == [], "the resumed folder verifies"


def test_an_older_folder_without_checksums_says_what_can_be_known(finished, tmp_path):
    folder = _copy(finished, tmp_path)
    manifest = _manifest(folder)
    del manifest["files"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    warnings = verify_results(folder)
    assert any("records no checksums" in w and "matches its verified parts" in w for w in warnings)
    edited = pd.read_parquet(folder / "runs.parquet")
    edited.loc[0, "capture"] = 0.5
    edited.to_parquet(folder / "runs.parquet", index=False)
    warnings = verify_results(folder)
    assert any("differs from the verified parts" in w and "rebuilt" in w for w in warnings), (
        f"an edit in an older folder is found by the parts: {warnings}"
    )
    manifest = _manifest(folder)
    assert "files" in manifest, "the rebuilt folder now records its checksums"
    del manifest["files"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    shutil.rmtree(folder / "parts")
    warnings = verify_results(folder)
    assert any("cannot be known" in w for w in warnings), f"honest about no parts: {warnings}"


def _flips(finished: Path, tmp_path: Path, n: int, seed: int):
    """``n`` times ``finished``, one at a time, each with one random bit of runs.parquet flipped.

    A copy is made once; before each flip every file a verification may rewrite (the tables
    and the manifest) is restored, so each flip meets the finished folder as it was.
    """
    folder = _copy(finished, tmp_path)
    saved = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    data = saved["runs.parquet"]
    rng = random.Random(seed)
    for _ in range(n):
        for name, content in saved.items():
            (folder / name).write_bytes(content)
        bit = rng.randrange(len(data) * 8)
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        (folder / "runs.parquet").write_bytes(bytes(flipped))
        yield folder, bit


def test_300_random_bit_flips_are_refused_without_parts_to_rebuild_from(finished, tmp_path):
    """Seeded flips in runs.parquet, verified without rebuilding: every one refused in one line."""
    refused = 0
    for _folder, bit in _flips(finished, tmp_path, 300, seed=24):
        with pytest.raises(ValueError) as err:  # ResultsChangedError, or unreadable
            verify_results(_folder, rebuild=False)
        message = str(err.value)
        assert "\n" not in message and "runs.parquet" in message, f"bit {bit}: {message}"
        refused += "changed outside msisim" in message
    assert refused == 300, f"each flip is named a change made outside msisim: {refused} of 300"


@pytest.mark.slow  # 0.2 to 0.4 s a flip: a rebuild reads the parts and writes three tables
def test_300_random_bit_flips_are_rebuilt_from_the_parts_and_said_to_be(finished, tmp_path):
    """Seeded flips in runs.parquet as msisim report meets them: rebuilt, saying so, or refused."""
    original = pd.read_parquet(finished / "runs.parquet")
    rebuilt = 0
    for folder, bit in _flips(finished, tmp_path, 300, seed=24):
        warnings = verify_results(folder)  # a refusal would raise (one line, tested above)
        said = [w for w in warnings if "runs.parquet" in w and "changed outside msisim" in w]
        assert said and "rebuilt" in said[0], f"bit {bit}: accepted without a rebuild: {warnings}"
        pd.testing.assert_frame_equal(
            pd.read_parquet(folder / "runs.parquet"), original, obj=f"bit {bit}"
        )
        rebuilt += 1
    assert rebuilt == 300
    assert not (folder / "rejected").exists(), "the verified parts were all kept"
