"""Named registries: how a rule, a strategy or a metric is declared once and found by name.

Every kind of swappable unit (membership rules, selection rules, decision rules, lobby
strategies, metrics) lives in one :class:`Registry`. A unit is registered once, with what the
rest of the package needs to know about it; parameters, the app's choices, the reference
model, reports and the ODD check read the registry instead of comparing names.

An unknown name always raises the same :class:`ValueError`, naming the parameter, the valid
names and the closest one (:func:`unknown_name`).
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Callable, Iterable, Iterator
from typing import Any


def did_you_mean(value: object, valid: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest valid name, or ``""`` when none is close."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_name(parameter: str, value: object, valid: Iterable[str]) -> ValueError:
    """The one error for a name that is not registered: valid names and the closest one."""
    names = list(valid)
    return ValueError(
        f"{parameter}={value!r} is invalid: must be one of {', '.join(map(repr, names))}"
        f"{did_you_mean(value, names)}"
    )


class Registry[T]:
    """Units of one kind, by name, in registration order.

    Args:
        kind: What the units are, for messages and docs (``"membership rule"``).
        parameter: The parameter that names a unit (``"membership"``), for error messages.
    """

    def __init__(self, kind: str, parameter: str) -> None:
        self.kind = kind
        self.parameter = parameter
        self._units: dict[str, T] = {}

    def add(self, name: str, unit: T) -> T:
        """Register ``unit`` under ``name``; a name is registered once."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{self.kind} name {name!r} must be an identifier-like string")
        if name in self._units:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._units[name] = unit
        return unit

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator form of :meth:`add`: ``@REGISTRY.register("name")``."""

        def decorate(unit: T) -> T:
            return self.add(name, unit)

        return decorate

    def remove(self, name: str) -> T:
        """Unregister ``name`` and return its unit (an unknown name raises as ``[]`` does)."""
        unit = self[name]
        del self._units[name]
        return unit

    @contextlib.contextmanager
    def temporary(self) -> Iterator[Registry[T]]:
        """A context whose registrations are undone on leaving it (for tests and trials).

        Example:
            >>> with OUTCOMES.temporary():  # doctest: +SKIP
            ...     import my_plugin  # registers its outcome; unregistered again on exit
        """
        before = dict(self._units)
        try:
            yield self
        finally:
            self._units.clear()
            self._units.update(before)

    def __getitem__(self, name: str) -> T:
        try:
            return self._units[name]
        except (KeyError, TypeError):
            raise unknown_name(self.parameter, name, self._units) from None

    def check(self, name: Any) -> str:
        """Return ``name`` if registered, else raise :func:`unknown_name`'s error."""
        self[name]
        return str(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._units

    def __iter__(self) -> Iterator[str]:
        return iter(self._units)

    def __len__(self) -> int:
        return len(self._units)

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order."""
        return tuple(self._units)

    def values(self) -> list[T]:
        """Registered units, in registration order."""
        return list(self._units.values())

    def items(self) -> list[tuple[str, T]]:
        """``(name, unit)`` pairs, in registration order."""
        return list(self._units.items())
