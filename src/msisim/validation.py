"""The validation framework of parameters: checks, declarations and one generic validator.

A parameter is declared once, in its dataclass field, with :func:`parameter` (default, bounds
or choices and a one-line meaning, kept as a :class:`ParamSpec`). :func:`validate_group` checks
and normalises every declared field of a frozen group from those declarations; the ``check_*``
functions are the checks themselves, for values a declaration cannot describe (tables, points,
cross-field rules). Every failure is one ``ValueError`` line naming the input, the value and
what is allowed (:func:`fail`).

The declarations themselves live in :mod:`msisim.population_params` (who the stakeholders are)
and :mod:`msisim.params` (design levers, context, simulation and the bundle).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, NoReturn

import numpy as np

from msisim.registry import Registry, did_you_mean, unknown_name

__all__ = [
    "ParamSpec",
    "as_mapping",
    "check_bool",
    "check_choice",
    "check_float",
    "check_int",
    "check_optional_float",
    "check_point",
    "fail",
    "parameter",
    "reject_unknown_keys",
    "spec_of",
    "validate_group",
]


# --------------------------------------------------------------------------- checks


def fail(name: str, value: Any, allowed: str) -> NoReturn:
    """Raise the one-line ``ValueError`` of an invalid input: ``name=value is invalid: ...``."""
    raise ValueError(f"{name}={value!r} is invalid: {allowed}")


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    """Return ``value`` as an int if it is a whole number in ``[lo, hi]``, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
            value = int(value)
        else:
            fail(name, value, f"must be a whole number >= {lo}" + (f" and <= {hi}" if hi else ""))
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        fail(name, value, f"must be {bound}")
    return value


def check_float(
    name: str,
    value: Any,
    lo: float = -math.inf,
    hi: float = math.inf,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """Return ``value`` as a float if it is finite and within the bounds, else raise."""
    if not _is_real(value):
        fail(name, value, "must be a number")
    value = float(value)
    if not math.isfinite(value):
        fail(name, value, "must be a finite number")
    too_low = value <= lo if lo_open else value < lo
    too_high = value >= hi if hi_open else value > hi
    if too_low or too_high:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        fail(name, value, f"must lie in {left}{lo:g}, {hi:g}{right}")
    return value


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    if not isinstance(value, str) or value not in choices:
        hint = did_you_mean(value, choices)
        fail(name, value, f"must be one of {', '.join(map(repr, choices))}{hint}")
    return value


def check_point(name: str, value: Any, n_dims: int | None = None) -> tuple[float, ...]:
    """Return a point of the policy space ``[0, 1]^d`` as a tuple of floats."""
    if isinstance(value, str) or not isinstance(value, (Sequence, np.ndarray)):
        fail(name, value, "must be a sequence of numbers in [0, 1]")
    point = tuple(check_float(f"{name}[{i}]", v, 0.0, 1.0) for i, v in enumerate(value))
    if not point:
        fail(name, value, "must have at least one coordinate")
    if n_dims is not None and len(point) != n_dims:
        fail(name, value, f"must have n_dims={n_dims} coordinates, not {len(point)}")
    return point


def as_mapping(name: str, value: Any) -> dict[str, Any]:
    """A mapping from a mapping, a sequence of pairs or ``None`` (empty), else raise."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (tuple, list)) and all(
        isinstance(p, (tuple, list)) and len(p) == 2 for p in value
    ):
        return dict(value)
    fail(name, value, "must be a mapping from category name to value")


def reject_unknown_keys(cls: type, data: Mapping[str, Any]) -> None:
    """Raise for a key of ``data`` that is not a field of the dataclass ``cls``."""
    names = [f.name for f in fields(cls)]
    for key in data:
        if key not in names:
            hint = did_you_mean(str(key), names)
            raise ValueError(
                f"unknown {cls.__name__} key {key!r}{hint}; valid keys: {', '.join(names)}"
            )


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` as a bool if it is one (``True``/``False``), else raise."""
    if not isinstance(value, (bool, np.bool_)):
        fail(name, value, "must be true or false")
    return bool(value)


def check_optional_float(name: str, value: Any, lo: float, hi: float) -> float | None:
    """``None``, or a finite float in ``[lo, hi]``."""
    return None if value is None else check_float(name, value, lo, hi)


# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class ParamSpec:
    """What a parameter is: its meaning, kind and allowed values (declared once, in its field).

    Attributes:
        doc: One-line meaning (shown by ``msisim run --help``, the app and the docs).
        kind: ``int``, ``float``, ``bool``, ``choice``, ``point``, ``optional_float`` or
            ``custom`` (validated by ``convert``).
        lo: Lower bound (numbers).
        hi: Upper bound (numbers; ``None`` = unbounded for ints).
        lo_open: Whether the lower bound is excluded.
        hi_open: Whether the upper bound is excluded.
        choices: The registry (or tuple) of allowed names (``choice``).
        convert: ``(name, value) -> value`` for ``custom`` kinds (tables, mappings).
    """

    doc: str
    kind: str
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: Registry[Any] | tuple[str, ...] | None = None
    convert: Callable[[str, Any], Any] | None = None

    def allowed(self) -> str:
        """Allowed values in words (for help texts and docs)."""
        if self.kind == "choice" and self.choices is not None:
            return " | ".join(self.choice_names())
        if self.kind == "bool":
            return "true | false"
        if self.kind in ("int", "float", "optional_float") and self.lo is not None:
            left = "(" if self.lo_open else "["
            if self.hi is None:
                return f">= {self.lo:g}" if not self.lo_open else f"> {self.lo:g}"
            right = ")" if self.hi_open else "]"
            text = f"{left}{self.lo:g}, {self.hi:g}{right}"
            return text + (" or null" if self.kind == "optional_float" else "")
        if self.kind == "point":
            return "point in [0, 1]^d"
        return ""

    def choice_names(self) -> tuple[str, ...]:
        """Allowed names of a ``choice`` parameter (read from its registry when it has one)."""
        if isinstance(self.choices, Registry):
            return self.choices.names()
        return tuple(self.choices or ())

    def validate(self, name: str, value: Any) -> Any:
        """The value, normalised; else a ``ValueError`` naming the value and what is allowed."""
        if self.convert is not None:
            return self.convert(name, value)
        if self.kind == "int":
            lo = int(self.lo if self.lo is not None else -(2**62))
            return check_int(name, value, lo, None if self.hi is None else int(self.hi))
        if self.kind == "float":
            return check_float(
                name,
                value,
                -math.inf if self.lo is None else self.lo,
                math.inf if self.hi is None else self.hi,
                lo_open=self.lo_open,
                hi_open=self.hi_open,
            )
        if self.kind == "optional_float":
            if value is None:
                return None
            return check_float(
                name, value, float(self.lo or 0.0), 1.0 if self.hi is None else self.hi
            )
        if self.kind == "bool":
            return check_bool(name, value)
        if self.kind == "choice":
            if isinstance(self.choices, Registry):
                if value not in self.choices:
                    raise self.choices_error(name, value)
                return value
            return check_choice(name, value, self.choice_names())
        if self.kind == "point":
            return check_point(name, value)
        raise TypeError(f"parameter {name}: unknown kind {self.kind!r}")  # pragma: no cover

    def choices_error(self, name: str, value: Any) -> ValueError:
        """The registry's unknown-name error, under this parameter's name."""
        return unknown_name(name, value, self.choice_names())


def parameter(
    default: Any,
    doc: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    choices: Registry[Any] | tuple[str, ...] | None = None,
    convert: Callable[[str, Any], Any] | None = None,
    kind: str | None = None,
) -> Any:
    """Declare a parameter field: default, bounds or choices, and a one-line meaning.

    The kind is inferred from the default (``bool``, ``int``, ``float``, ``str`` with
    ``choices``) unless given.
    """
    if kind is None:
        if convert is not None:
            kind = "custom"
        elif choices is not None:
            kind = "choice"
        elif isinstance(default, bool):
            kind = "bool"
        elif isinstance(default, int):
            kind = "int"
        elif isinstance(default, float):
            kind = "float"
        else:  # pragma: no cover - a declaration error, caught by the tests
            raise TypeError(f"cannot infer the kind of a parameter with default {default!r}")
    spec = ParamSpec(doc, kind, lo, hi, lo_open, hi_open, choices, convert)
    return field(default=default, metadata={"spec": spec})


def spec_of(f: dataclasses.Field[Any]) -> ParamSpec:
    """The :class:`ParamSpec` of a parameter field."""
    return f.metadata["spec"]


def validate_group(group: Any) -> None:
    """Validate and normalise every declared field of a frozen parameter group, in place."""
    for f in fields(group):
        value = spec_of(f).validate(f.name, getattr(group, f.name))
        object.__setattr__(group, f.name, value)
