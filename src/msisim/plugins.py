"""Plugins: a user's own rules, lobby strategies and outcomes, loaded from a Python file.

A plugin is a ``.py`` file that registers units in msisim's registries when it runs, e.g.::

    from msisim.rules.decision import Decision, DecisionRule, register_decision

    def plain_mean(advocated, voice, design):
        return Decision(advocated.mean(axis=0), True, room=(advocated, voice, 0.25))

    register_decision(DecisionRule("plain_mean", "the unweighted mean, adopted", plain_mean))

It is loaded with ``msisim run --plugin FILE``, ``msisim experiment --plugin FILE`` (both
repeatable), :func:`load_plugin` in Python, or a plain ``import`` when it sits on the path.
A plugin is code the user chose to run: it only ever comes from the command line or the
caller's own Python, never from a config file.

:func:`load_plugin` imports the file once per process under a module name derived from its
resolved path, and returns a :class:`Plugin` record with the SHA-256 of the bytes that ran.
While the file runs, the registries record it as the origin of each unit it adds, so that a
clash or a unit that breaks its registry's protocol is a one-line :class:`PluginError`
naming the file, before any run; then each unit is checked on a small trial forum
(:func:`msisim.conformance.check_unit`: every protocol method's return shape, and a short
run). A failed plugin leaves nothing registered.

Worker processes (a spawned pool, Dask workers) get the records with their tasks and call
:func:`ensure_plugins`, which loads each file if needed and refuses one whose bytes no longer
match the recorded hash.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import stat
import sys
import threading
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msisim import conformance, registry

logger = logging.getLogger(__name__)

#: The largest plugin file read (bytes): a plugin is a short source file.
MAX_PLUGIN_BYTES = 10_000_000


class PluginError(ValueError):
    """A plugin that cannot be used: one line naming the file and what is wrong."""


@dataclass(frozen=True)
class Plugin:
    """A loaded plugin.

    Attributes:
        path: The file's resolved absolute path.
        sha256: SHA-256 (hex) of the bytes that ran.
        module: The module name it was imported under.
        units: ``(kind, name)`` of the units it registered.
    """

    path: str
    sha256: str
    module: str = ""
    units: tuple[tuple[str, str], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain form for ``manifest.json``: path, sha256 and the units."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "units": [f"{kind}: {name}" for kind, name in self.units],
        }


#: Plugins loaded in this process, by resolved path.
_LOADED: dict[str, Plugin] = {}
#: One plugin loads at a time (a Dask worker may run several batches in threads).
_LOCK = threading.RLock()


def loaded_plugins() -> list[Plugin]:
    """The plugins loaded in this process, in loading order."""
    return list(_LOADED.values())


def module_name(path: Path) -> str:
    """A stable module name for a plugin file: its stem and a hash of its resolved path."""
    stem = "".join(c if c.isalnum() or c == "_" else "_" for c in path.stem) or "plugin"
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    return f"msisim_plugin_{stem}_{digest}"


def _read(path: str | os.PathLike[str]) -> tuple[Path, bytes]:
    """The resolved path and bytes of a plugin file; refuse anything but a regular .py file."""
    given = Path(path)
    if not str(path):
        raise PluginError("plugin '': give the path of a .py file")
    try:
        resolved = given.resolve(strict=True)
        info = resolved.stat()
    except FileNotFoundError:
        raise PluginError(f"plugin {given}: no such file") from None
    except (OSError, RuntimeError, ValueError) as err:  # a loop, no permission, a NUL byte
        raise PluginError(f"plugin {given}: cannot be read ({_reason(err)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise PluginError(f"plugin {given}: is a folder; give a .py file")
    if not stat.S_ISREG(info.st_mode):  # FIFOs and devices would hang or never end
        raise PluginError(f"plugin {given}: is not a regular file; give a .py file")
    if resolved.suffix != ".py":
        raise PluginError(f"plugin {given}: is not a Python file (its name must end in .py)")
    if info.st_size > MAX_PLUGIN_BYTES:
        raise PluginError(
            f"plugin {given}: {info.st_size:,} bytes is larger than {MAX_PLUGIN_BYTES:,}"
        )
    try:
        with open(resolved, "rb") as handle:
            source = handle.read(MAX_PLUGIN_BYTES + 1)
    except OSError as err:
        raise PluginError(f"plugin {given}: cannot be read ({_reason(err)})") from None
    return resolved, source


def _reason(err: BaseException) -> str:
    return getattr(err, "strerror", None) or str(err) or type(err).__name__


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a plugin file's bytes, with the same refusals as :func:`load_plugin`."""
    return hashlib.sha256(_read(path)[1]).hexdigest()


def load_plugin(path: str | os.PathLike[str], *, sha256: str | None = None) -> Plugin:
    """Import a plugin file once per process; its units join msisim's registries.

    Args:
        path: A regular ``.py`` file.
        sha256: The hash the file must have (a worker checking the file its study recorded).

    Returns:
        The plugin's record (the same record when the file was loaded before).

    Raises:
        PluginError: One line naming the file: not a regular ``.py`` file, bytes that do not
            match ``sha256`` or that changed since this process loaded them, an exception or
            a syntax error inside the file (with its line), a name another plugin or msisim
            already registered, or a unit its registry's protocol check refuses. Nothing the
            file registered stays registered.
    """
    with _LOCK:
        return _load(path, sha256)


def _load(path: str | os.PathLike[str], sha256: str | None) -> Plugin:
    given = Path(path)
    resolved, source = _read(path)
    digest = hashlib.sha256(source).hexdigest()
    if sha256 is not None and digest != sha256:
        raise PluginError(
            f"plugin {given}: its file changed (sha256 {digest[:12]}, the study recorded "
            f"{sha256[:12]}); restore it or start a new study"
        )
    known = _LOADED.get(str(resolved))
    if known is not None:
        if known.sha256 != digest:
            raise PluginError(
                f"plugin {given}: its file changed since this process loaded it (sha256 "
                f"{digest[:12]}, loaded {known.sha256[:12]})"
            )
        return known
    name = module_name(resolved)
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None:  # pragma: no cover - a .py path always has a spec
        raise PluginError(f"plugin {given}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    origin = str(resolved)
    sys.modules[name] = module
    try:
        # the bytes hashed above are the bytes that run (the file is not read twice)
        code = compile(source, str(resolved), "exec", dont_inherit=True)
        with registry.loading(origin):
            exec(code, module.__dict__)  # running the file the user chose
    except BaseException as err:
        sys.modules.pop(name, None)
        registry.remove_origin(origin)
        if isinstance(err, KeyboardInterrupt | SystemExit):
            if isinstance(err, SystemExit):
                raise PluginError(f"plugin {given}: called exit() while loading") from None
            raise
        raise PluginError(_describe_failure(given, resolved, err)) from err
    units = tuple(registry.units_from(origin))
    try:  # each unit keeps its protocol on a small trial forum, before any run
        for kind, unit in units:
            conformance.check_unit(kind, unit)
    except conformance.ProtocolError as err:
        sys.modules.pop(name, None)
        registry.remove_origin(origin)
        raise PluginError(f"plugin {given}: {err}") from None
    if not units:
        logger.warning("plugin %s registered nothing (no rule, strategy or outcome)", given)
    plugin = Plugin(origin, digest, name, units)
    _LOADED[origin] = plugin
    logger.info(
        "plugin %s (sha256 %s): %s",
        given, digest[:12], ", ".join(f"{k} {n!r}" for k, n in units) or "nothing registered",
    )  # fmt: skip
    return plugin


def _describe_failure(given: Path, resolved: Path, err: BaseException) -> str:
    """One line: the file, the line in it (when the error has one) and the error."""
    text = " ".join(str(err).split()) or type(err).__name__
    if isinstance(err, SyntaxError) and err.filename == str(resolved):
        return f"plugin {given}, line {err.lineno}: SyntaxError: {err.msg}"
    if isinstance(err, registry.RegistrationError):
        return f"plugin {given}: {text}"  # a clash or a protocol check: the unit is named
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(err.__traceback__)
        if frame.filename == str(resolved)
    ]
    where = f", line {lines[-1]}" if lines else ""
    return f"plugin {given}{where}: {type(err).__name__}: {text}"


def plugin_frame(err: BaseException) -> str | None:
    """``"plugin PATH, line N"`` of the innermost traceback frame in a loaded plugin, or ``None``.

    A run that fails inside a plugin's rule is recorded with this, so the error names the
    plugin rather than only msisim's code that called it.
    """
    frames = [
        frame for frame in traceback.extract_tb(err.__traceback__) if frame.filename in _LOADED
    ]
    if not frames:
        return None
    return f"plugin {frames[-1].filename}, line {frames[-1].lineno}"


def load_plugins(paths: Iterable[str | os.PathLike[str]]) -> list[Plugin]:
    """Load several plugins in order (see :func:`load_plugin`); the same file once.

    Raises:
        PluginError: The first plugin that cannot be used (those before it stay loaded).
    """
    plugins: list[Plugin] = []
    for path in paths:
        plugin = load_plugin(path)
        if plugin not in plugins:
            plugins.append(plugin)
    return plugins


def ensure_plugins(plugins: Sequence[Plugin | Mapping[str, Any]]) -> None:
    """Make sure this process runs exactly the recorded plugins (workers call it per batch).

    Loads each one not loaded yet, checking its file against the recorded hash; one loaded
    already must have been loaded from the same bytes. Cheap when they are loaded.

    Raises:
        PluginError: A plugin file missing or changed (one line naming it).
    """
    for plugin in plugins:
        path, digest = _path_and_hash(plugin)
        with _LOCK:
            known = _LOADED.get(path)
            if known is not None and known.sha256 == digest:
                continue
            if known is not None:
                raise PluginError(
                    f"plugin {path}: this process loaded sha256 {known.sha256[:12]}, the study "
                    f"recorded {digest[:12]}"
                )
            _load(path, digest)


def _path_and_hash(plugin: Plugin | Mapping[str, Any]) -> tuple[str, str]:
    if isinstance(plugin, Plugin):
        return plugin.path, plugin.sha256
    return str(plugin["path"]), str(plugin["sha256"])


def check_recorded_plugins(
    recorded: Sequence[Mapping[str, Any]], current: Sequence[Plugin], where: str
) -> None:
    """Refuse to resume a study whose plugins are missing, changed or different.

    A recorded plugin is matched by its hash (a file moved unchanged is the same code), else
    by its path (then it changed); a plugin given now that the study did not use is refused
    too, since it could change what the runs do.

    Args:
        recorded: The manifest's ``plugins`` entries (``path``, ``sha256``).
        current: The plugins given for this run.
        where: The study's folder, for the message.

    Raises:
        PluginError: One line naming the plugin and what differs.
    """
    hashes = {p.sha256 for p in current}
    by_path = {p.path: p for p in current}
    used: set[str] = set()
    for entry in recorded:
        path, digest = _path_and_hash(entry)
        if digest in hashes:
            used.add(digest)
            continue
        if path in by_path:
            raise PluginError(
                f"{where} was run with plugin {path} at sha256 {digest[:12]}; the file has "
                f"changed (now {by_path[path].sha256[:12]}): restore it or choose another "
                "output folder"
            )
        hint = "pass --plugin " + path if Path(path).is_file() else "the file is missing"
        raise PluginError(f"{where} was run with plugin {path} (sha256 {digest[:12]}): {hint}")
    for plugin in current:
        if plugin.sha256 not in used:
            raise PluginError(
                f"{where} was run without plugin {plugin.path}; leave it out to resume, or "
                "choose another output folder"
            )


def unload_plugin(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """Forget a plugin: unregister its units and drop its module (tests use it).

    Returns:
        ``(kind, name)`` of the units removed (none if it was not loaded).
    """
    resolved = str(Path(path).resolve())
    with _LOCK:
        plugin = _LOADED.pop(resolved, None)
        if plugin is not None:
            sys.modules.pop(plugin.module, None)
        return registry.remove_origin(resolved)
