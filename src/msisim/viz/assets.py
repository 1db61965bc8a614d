"""The app's JavaScript, served from a local copy: no internet and no npm at run time.

Solara's page loads its JavaScript, styles and fonts through the Solara server's CDN proxy
(``/_solara/cdn/<package>@<version>/<file>``), which answers from a folder and fetches only
the files that folder lacks from the internet. The registry package ``solara-assets``
(Solara's documented ``pip install "solara[assets]"``, a dependency of msisim) installs
that folder as ``<prefix>/share/solara/cdn``. ``msisim app`` points Solara at it
(``SOLARA_ASSETS_PROXY_CACHE_DIR``), so the page works on a machine without internet.

``solara-assets`` 1.58.2 holds the files that Solara 1.64's page asks for
(:data:`PAGE_FILES`; ``tests/test_app.py`` checks them against Solara's page template).
``$MSISIM_ASSETS_DIR`` names another folder of the same layout.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

#: What the page's template loads from the CDN folder (``{major}``: ipywidgets' major
#: version). A file missing here leaves the page blank without internet.
PAGE_FILES: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app{major}.min.js",
    "@widgetti/solara-vuetify-app@10.1.1/dist/main{major}.css",
    "@widgetti/solara-vuetify-app@10.1.1/dist/fonts.css",
    "requirejs@2.3.6/require.js",
    "font-awesome@4.5.0/css/font-awesome.min.css",
)
#: The registry package that ships the folder.
ASSETS_PACKAGE = "solara-assets"
_MARKER = "requirejs@2.3.6/require.js"


def _ipywidgets_major() -> str:
    try:
        return importlib.metadata.version("ipywidgets").split(".")[0]
    except importlib.metadata.PackageNotFoundError:
        return "8"


def page_files() -> list[str]:
    """The files of :data:`PAGE_FILES` for the installed ipywidgets."""
    major = _ipywidgets_major()
    return [name.format(major=major) for name in PAGE_FILES]


def assets_dir() -> Path | None:
    """The folder of the page's JavaScript: ``$MSISIM_ASSETS_DIR``, else ``solara-assets``'.

    Returns ``None`` when neither is there (then Solara fetches the files online).
    """
    given = os.environ.get("MSISIM_ASSETS_DIR")
    if given:
        return Path(given).expanduser()
    try:
        files = importlib.metadata.distribution(ASSETS_PACKAGE).files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        text = str(file).replace("\\", "/")
        if text.endswith("share/solara/cdn/" + _MARKER):
            path = Path(str(file.locate())).resolve()
            return path.parents[len(Path(_MARKER).parts) - 1]
    fallback = Path(sys.prefix) / "share" / "solara" / "cdn"
    return fallback if (fallback / _MARKER).is_file() else None


def missing_files(folder: Path | None) -> list[str]:
    """The page's files (see :func:`page_files`) not in ``folder`` (all when ``None``)."""
    if folder is None:
        return page_files()
    return [name for name in page_files() if not (folder / name).is_file()]
