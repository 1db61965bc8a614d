"""Offline copies of the JavaScript assets that Solara loads from a CDN.

Solara's server proxies CDN requests (``/_solara/cdn/<package>@<version>/<file>``) through a
cache folder. By default ``msisim app`` leaves that to Solara, which fetches the files from
their usual online source (jsDelivr). Filling a folder in advance with ``npm pack`` of the
packages Solara asks for lets the app work on machines without internet access:
:func:`fetch_assets` does that (needs ``npm``), and ``msisim app --offline`` points
``SOLARA_ASSETS_PROXY_CACHE_DIR`` at the folder.

The folder is ``$MSISIM_ASSETS_DIR`` when set, else ``.solara-assets/`` of the source
checkout (for development and the tests), else ``~/.cache/msisim/solara-assets`` (for an
installed package).
"""

from __future__ import annotations

import logging
import os
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
    """Where the offline assets live (see the module's docstring)."""
    given = os.environ.get("MSISIM_ASSETS_DIR")
    if given:
        return Path(given).expanduser()
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "src" / "msisim").is_dir():
        return checkout / ".solara-assets"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "msisim" / "solara-assets"


def missing_packages(folder: Path) -> list[str]:
    """Packages not yet unpacked in ``folder``."""
    return [p for p in PACKAGES if not (folder / p / "package.json").exists()]


def fetch_assets(folder: Path | None = None) -> Path:
    """Unpack ``npm pack`` of every package into ``folder/<package>@<version>/``.

    Packages already unpacked are skipped, so this needs npm only the first time.

    Raises:
        RuntimeError: When npm is missing or a package cannot be fetched.
    """
    folder = folder or default_assets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    todo = missing_packages(folder)
    if todo and npm is None:
        raise RuntimeError(
            "npm is needed to fetch the app's JavaScript assets for offline use; install "
            "Node.js, or run 'msisim app' without --offline to load them online"
        )
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
