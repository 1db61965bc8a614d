"""Guards for the names and files a user hands to msisim (standard library only).

A study's or a config's *name* is a name: letters, digits, ``_`` and ``-`` (:func:`check_name`),
so that ``experiment/NAME.yaml`` cannot point outside its folder. Every config or map *file*
msisim reads is opened without blocking, checked to be a regular file (a symlink counts when it
resolves to one) no larger than :data:`MAX_CONFIG_BYTES`, and read with that bound
(:func:`read_user_file`): a FIFO, a device (``/dev/zero``), a socket or a folder named
``*.yaml`` is refused in one line naming the file, instead of hanging or filling memory.
An output folder that exists as something else than a folder is refused the same way
(:func:`check_out_dir`).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

#: The largest config, map, designs or assumptions file msisim reads (10 MB; the shipped ones
#: are a few kB).
MAX_CONFIG_BYTES = 10 * 1024 * 1024
#: Deepest nesting of a user's YAML (config or map): composing deeper would exhaust Python's
#: stack ("maximum recursion depth exceeded", naming no file).
MAX_YAML_DEPTH = 50

_NAME = re.compile(r"[A-Za-z0-9_-]+")


def check_name(name: str, what: str) -> str:
    """Refuse a name that is not letters, digits, ``_`` and ``-`` (no folder, no ``..``).

    Args:
        name: The name as given.
        what: What it names, for the message (``"experiment name"``).

    Returns:
        The name.

    Raises:
        ValueError: One line naming the input and the allowed form.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} is not a name: use letters, digits, '_' and '-' only "
            "(no folder, '..' or file suffix)"
        )
    return name


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_user_bytes(path: str | Path, what: str, max_bytes: int = MAX_CONFIG_BYTES) -> bytes:
    """Read a user's file: a regular file of at most ``max_bytes``, never a stream.

    The file is opened without blocking (a FIFO does not wait for a writer), checked on the
    open descriptor (so a file swapped after a check is caught too) and read with the bound.

    Args:
        path: The file (a symlink is followed; it must end at a regular file).
        what: What it is, for the message (``"config file"``).
        max_bytes: The size allowed.

    Raises:
        ValueError: One line naming the file: missing, not a regular file, too large, unreadable.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ValueError(f"{what} {path}: no such file") from None
    except OSError as err:
        raise ValueError(f"{what} {path}: cannot open it: {err.strerror or err}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            link = " (a symlink to it)" if path.is_symlink() else ""
            raise ValueError(
                f"{what} {path}: {_kind(info.st_mode)}{link}, not a regular file; "
                "give a regular file"
            )
        if info.st_size > max_bytes:
            raise ValueError(
                f"{what} {path}: {info.st_size / 1e6:.1f} MB, larger than the "
                f"{max_bytes / 1e6:.0f} MB msisim reads"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as handle:
            fd = -1  # closed by the handle
            data = handle.read(max_bytes + 1)
    except OSError as err:
        raise ValueError(f"{what} {path}: cannot read it: {err.strerror or err}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > max_bytes:  # grew after the check
        raise ValueError(f"{what} {path}: larger than the {max_bytes / 1e6:.0f} MB msisim reads")
    return data


def read_user_file(
    path: str | Path, what: str, encoding: str = "utf-8", max_bytes: int = MAX_CONFIG_BYTES
) -> str:
    """:func:`read_user_bytes`, decoded; an undecodable file is refused in one line."""
    data = read_user_bytes(path, what, max_bytes)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{what} {path}: not {encoding} text (byte {err.start}); save it as UTF-8"
        ) from None


def check_out_dir(path: str | Path, what: str = "--out") -> Path:
    """Refuse an output folder that exists as something else (a file, a device, a FIFO).

    A symlink to a folder is a folder. A missing folder is fine (it is created later).

    Raises:
        ValueError: One line naming the path and what it is (or that it is empty).
    """
    if not str(path).strip():  # Path('') is the current folder: never meant
        raise ValueError(f"{what} {str(path)!r}: empty; give a folder, e.g. {what} outputs/mine")
    path = Path(path)
    try:
        mode: int | None = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # missing, or under a file (named below)
        mode = None
    except OSError as err:
        raise ValueError(f"{what} {path}: cannot use it: {err.strerror or err}") from None
    if mode is not None and not stat.S_ISDIR(mode):
        kind = "a regular file" if stat.S_ISREG(mode) else _kind(mode)
        raise ValueError(f"{what} {path}: exists and is {kind}, not a folder; give a folder")
    for parent in path.absolute().parents:  # 'file/sub' cannot be created either
        try:
            pmode = parent.stat().st_mode
        except OSError:
            continue
        if not stat.S_ISDIR(pmode):
            raise ValueError(f"{what} {path}: {parent} is not a folder; give a folder")
        break
    return path
