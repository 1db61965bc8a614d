"""Named registries: how a rule, a strategy or a metric is declared once and found by name.

Every kind of swappable unit (membership rules, selection rules, decision rules, lobby
strategies, metrics) lives in one :class:`Registry`. A unit is registered once, with what the
rest of the package needs to know about it; parameters, the app's choices, the reference
model, reports and the ODD check read the registry instead of comparing names.

An unknown name always raises the same :class:`ValueError`, naming the parameter, the valid
names and the closest one (:func:`unknown_name`).

Units come from msisim itself (built-ins) or from a user's plugin file
(:mod:`msisim.plugins`). Each entry remembers its *origin*: ``None`` for a unit registered
outside a plugin, else the plugin's resolved path (set by :func:`loading` while the plugin's
file runs), so that a clash or a unit that breaks its protocol names the file it came from.
A registry may be given a ``check``: a protocol checker every unit must pass when it is
added.
"""

from __future__ import annotations

import contextlib
import difflib
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any


class RegistrationError(ValueError):
    """A unit that cannot be registered: a bad or taken name, or a broken protocol."""


#: The plugin whose file is running now (its resolved path), or ``None``.
_loading: list[str] = []
#: Every registry, so that a plugin's units can be found (and removed) in all of them.
_REGISTRIES: weakref.WeakSet[Registry[Any]] = weakref.WeakSet()


@contextlib.contextmanager
def loading(origin: str) -> Iterator[None]:
    """Units added inside this block record ``origin`` (a plugin's path) as where they came from."""
    _loading.append(origin)
    try:
        yield
    finally:
        _loading.pop()


def current_origin() -> str | None:
    """The plugin a unit being added now comes from, or ``None`` (msisim's own).

    While a plugin loads, a unit added by the body of one of msisim's own modules (imported
    by the plugin for the first time) is msisim's, not the plugin's: the innermost module
    body on the call stack decides.
    """
    if not _loading:
        return None
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            module = str(frame.f_globals.get("__name__", ""))
            if module == "msisim" or module.startswith("msisim."):
                return None
            break
        frame = frame.f_back  # type: ignore[assignment]
    return _loading[-1]


def describe_origin(origin: str | None) -> str:
    """``"plugin PATH"`` or ``"msisim (built-in)"``, for messages."""
    return f"plugin {origin}" if origin is not None else "msisim (built-in)"


def registries() -> list[Registry[Any]]:
    """Every registry created so far (built-in and plugin-made)."""
    return list(_REGISTRIES)


def remove_origin(origin: str) -> list[tuple[str, str]]:
    """Remove every unit that ``origin`` registered, in every registry.

    Returns:
        ``(kind, name)`` of the removed units.
    """
    removed = []
    for registry in registries():
        for name in registry.names():
            if registry.origin(name) == origin:
                registry.remove(name)
                removed.append((registry.kind, name))
    return removed


def units_from(origin: str) -> list[tuple[str, str]]:
    """``(kind, name)`` of every unit that ``origin`` registered, in every registry."""
    return [
        (registry.kind, name)
        for registry in registries()
        for name in registry.names()
        if registry.origin(name) == origin
    ]


def protocol_check(
    kind: str, attributes: Iterable[str], methods: Iterable[str]
) -> Callable[[str, Any], None]:
    """A registry's ``check``: refuse a unit that lacks a part of its kind's protocol.

    The check names every missing attribute or method at once, refuses a method that is not
    callable, and a unit whose ``name`` differs from the name it is registered under.

    Args:
        kind: What the units are (``"membership rule"``), for messages.
        attributes: Parts the unit must have (``name`` among them).
        methods: Parts the unit must have and that must be callable.
    """
    attributes, methods = tuple(attributes), tuple(methods)

    def check(name: str, unit: Any) -> None:
        missing = [part for part in (*attributes, *methods) if not hasattr(unit, part)]
        if missing:
            raise TypeError(f"{kind} {name!r} lacks {', '.join(missing)}")
        for method in methods:
            if not callable(getattr(unit, method)):
                raise TypeError(f"{kind} {name!r}: {method} must be a function or method")
        if unit.name != name:
            raise TypeError(f"{kind} {name!r} is named {unit.name!r}: register it as such")

    return check


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
        check: The protocol every unit must follow: ``check(name, unit)`` returns nothing or
            raises ``TypeError``/``ValueError`` whose message completes the sentence
            ``"<kind> '<name>' ..."``, e.g. ``"lacks method 'expected_stay'"``.
    """

    def __init__(
        self,
        kind: str,
        parameter: str,
        *,
        check: Callable[[str, Any], object] | None = None,
    ) -> None:
        self.kind = kind
        self.parameter = parameter
        self.protocol_check = check
        self._units: dict[str, T] = {}
        self._origins: dict[str, str | None] = {}
        _REGISTRIES.add(self)

    def add(self, name: str, unit: T) -> T:
        """Register ``unit`` under ``name``; a name is registered once.

        The unit records where it came from (:func:`current_origin`). A registry with a
        ``check`` refuses a unit that breaks its protocol.

        Raises:
            RegistrationError: A ``ValueError``: a name that is not an identifier or is
                registered already (the message names both origins), or a unit the protocol
                check refused (the message starts with the kind and the name).
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise RegistrationError(f"{self.kind} name {name!r} must be an identifier-like string")
        origin = current_origin()
        if name in self._units:
            if origin is None and self._origins.get(name) is None:
                raise RegistrationError(f"{self.kind} {name!r} is registered twice")
            raise RegistrationError(
                f"{self.kind} {name!r} from {describe_origin(origin)} clashes with the one "
                f"from {describe_origin(self._origins.get(name))}; rename one of them"
            )
        if self.protocol_check is not None:
            try:
                self.protocol_check(name, unit)
            except (TypeError, ValueError) as err:
                message = str(err).strip() or type(err).__name__
                prefix = f"{self.kind} {name!r}"
                if not message.startswith(prefix):
                    message = f"{prefix} {message}"
                raise RegistrationError(message) from err
        self._units[name] = unit
        self._origins[name] = origin
        return unit

    def remove(self, name: str) -> T:
        """Unregister ``name`` and return its unit (tests, :func:`msisim.plugins.unload_plugin`).

        Raises:
            ValueError: ``name`` is not registered (the valid names listed).
        """
        unit = self[name]
        del self._units[name]
        self._origins.pop(name, None)
        return unit

    @contextlib.contextmanager
    def temporary(self) -> Iterator[Registry[T]]:
        """A context whose registrations (and removals) are undone on leaving it (tests, trials).

        Example:
            >>> with DECISION_RULES.temporary():  # doctest: +SKIP
            ...     import my_plugin  # registers its rule; unregistered again on exit
        """
        units, origins = dict(self._units), dict(self._origins)
        try:
            yield self
        finally:
            self._units.clear()
            self._units.update(units)
            self._origins.clear()
            self._origins.update(origins)

    def origin(self, name: str) -> str | None:
        """Where ``name`` came from: a plugin's resolved path, or ``None`` (built-in).

        Raises:
            ValueError: ``name`` is not registered.
        """
        self[name]
        return self._origins.get(name)

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator form of :meth:`add`: ``@REGISTRY.register("name")``."""

        def decorate(unit: T) -> T:
            return self.add(name, unit)

        return decorate

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
