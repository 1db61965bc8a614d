"""Offline copies of the JavaScript assets that Solara loads from a CDN.

Solara's server proxies CDN requests (``/_solara/cdn/<package>@<version>/<file>``) through a
cache folder. Filling that folder in advance with ``npm pack`` of the packages it asks for
lets the app work on machines without internet access: :func:`fetch_assets` does that
(needs ``npm``), and ``msisim app`` points ``SOLARA_ASSETS_PROXY_CACHE_DIR`` at the folder.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

#: npm packages (as Solara requests them) that the app's page needs.
PACKAGES: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "vega@5",
    "vega-lite@5",
    "vega-embed@6",
)


def default_assets_dir() -> Path:
    """Where the assets live: ``.solara-assets/`` of the source checkout."""
    return Path(__file__).resolve().parents[3] / ".solara-assets"


def missing_packages(folder: Path) -> list[str]:
    """Packages not yet unpacked in ``folder``."""
    return [p for p in PACKAGES if not (folder / p / "package.json").exists()]


def fetch_assets(folder: Path | None = None) -> Path:
    """Unpack ``npm pack`` of every package into ``folder/<package>@<version>/``.

    Raises:
        RuntimeError: When npm is missing or a package cannot be fetched.
    """
    folder = folder or default_assets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    todo = missing_packages(folder)
    if todo and npm is None:
        raise RuntimeError("npm is needed to fetch the app's JavaScript assets; install Node.js")
    for spec in todo:
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run(
                [str(npm), "pack", spec, "--silent"],
                cwd=tmp, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            tarballs = list(Path(tmp).glob("*.tgz"))
            if proc.returncode != 0 or not tarballs:
                raise RuntimeError(f"npm pack {spec} failed: {proc.stderr.strip()[:300]}")
            target = folder / spec
            unpacked = Path(tmp) / "unpacked"
            with tarfile.open(tarballs[0]) as archive:
                archive.extractall(unpacked, filter="data")
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(unpacked / "package"), str(target))
            logger.info("fetched %s", spec)
    return folder
