"""Hydra structured configs and the config tree's location (surface layer).

The config tree ships inside the package (``msisim/configs``, found with
:mod:`importlib.resources`), so an installed ``msisim`` works from any folder. A user's own
config folder (``--config-dir DIR`` or ``$MSISIM_CONFIG_DIR``) is searched first: it may add
studies (``experiment/NAME.yaml``) and group options (``design/NAME.yaml`` ...).

The schema of ``msisim run``'s ``params`` node is *generated* from the parameter dataclasses
of :mod:`msisim.params` (every field, its type, default and meaning), so
``msisim run params.epsilon=0.2`` needs no ``+``, a misspelt key is refused by Hydra, and
``msisim run --help`` lists every parameter. Values are validated again by the model's own
parameter objects (:class:`msisim.params.Params`, :class:`msisim.study.spec.ExperimentSpec`),
so a wrong value fails before anything runs, with a message naming the parameter.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import re
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Optional, Union, get_args, get_origin

from hydra.core.config_store import ConfigStore

from msisim.study.spec import (
    DEFAULT_SEED,
    MAX_SEED,
    SAMPLERS,
    WHOLE_NUMBER_BOUNDS,
    ExperimentSpec,
)

_SCALARS = (bool, int, float, str)


def experiment_schema() -> type:
    """The structured config of a study, generated from :class:`ExperimentSpec`'s fields.

    Scalars keep their type (a choice such as ``sampler`` becomes ``str``; the spec checks
    it), tuples of scalars become lists and mappings stay mappings, with the same defaults; a
    tuple of records (``factors``: :class:`~msisim.study.spec.Factor`) is the mapping the
    YAML gives (``{name: {levels: [...]}}``). A field without a default is mandatory
    (``???``). The values are validated by :meth:`ExperimentSpec.from_dict`, which names the key.
    """
    hints = typing.get_type_hints(ExperimentSpec)
    specs: list[tuple[str, Any, Any]] = []
    for f in dataclasses.fields(ExperimentSpec):
        kind = _schema_type(hints[f.name])
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = "???"
        if kind is Any:
            hint = hints[f.name]
            item = get_args(hint)[0] if get_origin(hint) is tuple else None
            value: Any
            if item in _SCALARS:  # a tuple of names: a list in YAML
                kind, value = list.__class_getitem__(item), list(default)
            elif get_origin(item) is dict:  # a tuple of mappings (contexts): a list of them
                kind, value = list[Any], list(default)
            else:  # a mapping, or records keyed by name in YAML (factors)
                kind, value = dict[str, Any], dict(default or {})
            specs.append(
                (f.name, kind, field(default_factory=functools.partial(copy.deepcopy, value)))
            )
        else:
            specs.append((f.name, kind, field(default=default)))
    return dataclasses.make_dataclass("ExperimentSchema", specs)


def check_study_shapes(data: Any, where: str) -> None:
    """Refuse a study file whose keys have the wrong shape, naming the key and the form.

    Hydra's own message for a list where a mapping belongs (``base: [1, 2]``) is "Cannot
    merge DictConfig with ListConfig", with no key; this names it.

    Raises:
        ValueError: One line naming ``where`` (the file), the key and the allowed form.
    """
    if data is None:
        return
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise ValueError(f"{where}: the file is {kind}; a study is a mapping of key: value")
    schema = experiment_schema()
    hints = typing.get_type_hints(schema)
    for f in dataclasses.fields(schema):
        if f.name not in data or data[f.name] is None:
            continue
        value, origin = data[f.name], get_origin(hints[f.name])
        check_schema_value(value, hints[f.name], f.name, where, study_form(f.name))
        if origin is dict and not isinstance(value, dict):
            form = _EXAMPLES.get(f.name, f"{f.name}: {{key: value}}")
            raise ValueError(
                f"{where}: {f.name} is {_shape(value)}; it must be a mapping (e.g. {form})"
            )
        if origin is list and not isinstance(value, list):
            form = _EXAMPLES.get(f.name, f"{f.name}: [a, b]")
            raise ValueError(
                f"{where}: {f.name} is {_shape(value)}; it must be a list (e.g. {form})"
            )
    for i, context in enumerate(data.get("contexts") or []):
        if not isinstance(context, dict):
            raise ValueError(
                f"{where}: contexts.{i} is {_shape(context)}; a context is a mapping of "
                f"parameter: value (e.g. {_EXAMPLES['contexts']})"
            )
    for key in ("designs", "factors"):  # each entry a mapping too
        entries = data.get(key)
        for label, entry in entries.items() if isinstance(entries, dict) else ():
            if key == "designs" and entry is not None and not isinstance(entry, dict):
                raise ValueError(
                    f"{where}: designs.{label} is {_shape(entry)}; a design is a mapping of "
                    "parameter: value (e.g. designs: {open: {membership: open}})"
                )
            if key == "factors" and isinstance(entry, str | int | float | bool):
                raise ValueError(
                    f"{where}: factors.{label} is {_shape(entry)}; a factor is {{levels: [...]}}"
                    " or {low: ..., high: ...}"
                )


# --------------------------------------------------------------------------- typed values

#: What a value of each schema type is, in words.
_TYPE_WORDS: dict[Any, str] = {
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    str: "a text",
}


def check_schema_value(value: Any, kind: Any, key: str, where: str, form: str) -> None:
    """Refuse a value OmegaConf could not convert to a schema field's type, in msisim's words.

    ``kind`` is the field's schema type (``int``, ``float``, ``bool``, ``str`` or an
    ``Optional`` of one; any other type is not checked here). Whether the value converts is
    decided by OmegaConf's own nodes (so ``'5'`` is a whole number, as it is for Hydra); an
    interpolation (``${...}``) is left to be checked once resolved. Hydra's own message
    ("Value 'a' of type 'str' could not be converted to Integer; full_key: steps") named no
    allowed form, and no file for a command-line override.

    Raises:
        ValueError: One line: ``WHERE: KEY: VALUE is not a whole number (KEY must be FORM)``.
    """
    from omegaconf.errors import ValidationError
    from omegaconf.nodes import BooleanNode, FloatNode, IntegerNode, StringNode

    optional = False
    if get_origin(kind) in (Union, types.UnionType):
        rest = [a for a in get_args(kind) if a is not type(None)]
        optional, kind = True, rest[0] if len(rest) == 1 else Any
    if kind not in _TYPE_WORDS:
        return
    if isinstance(value, str) and "${" in value:
        return  # an interpolation: its resolved value is checked by the spec or the model
    nodes: dict[Any, Any] = {int: IntegerNode, float: FloatNode, bool: BooleanNode, str: StringNode}
    try:
        nodes[kind](value=value, is_optional=optional)
    except ValidationError:
        shown = "null" if value is None else _shape(value).removeprefix("the value ")
        words = _TYPE_WORDS[kind]
        rule = "" if form == words else f" ({key} must be {form})"
        raise ValueError(f"{where}: {key}: {shown} is not {words}{rule}") from None


def study_form(key: str) -> str:
    """The allowed form of a study's scalar setting, in words (for messages)."""
    if key in WHOLE_NUMBER_BOUNDS:
        lo, hi = WHOLE_NUMBER_BOUNDS[key]
        return f"a whole number in [{lo}, {hi if hi != MAX_SEED else '2^63 - 1'}]"
    if key == "sampler":
        return f"one of {', '.join(SAMPLERS)}"
    if key == "capture_threshold":
        return "a finite number"
    if key == "collect_series":
        return "true or false"
    if key == "workers":
        return "a whole number >= 1"
    if key == "model":
        from msisim.kinds import MODEL_KINDS

        return f"a model kind: {', '.join(MODEL_KINDS)}"
    return "a text"


def param_form(spec: Any, schema_type: Any = None) -> str:
    """A parameter's allowed form in words, from its :class:`msisim.validation.ParamSpec`.

    A parameter validated by its own converter is described by its schema type and meaning
    (``a whole number, the population size N``).
    """
    allowed = spec.allowed()
    if spec.kind == "int" and spec.lo is not None:  # whole bounds as whole numbers, not 2e+06
        lo = int(spec.lo)
        allowed = f"in [{lo}, {int(spec.hi)}]" if spec.hi is not None else f">= {lo}"
    ranged = f"in {allowed}" if allowed.startswith(("[", "(")) else allowed
    if spec.kind == "int":
        return f"a whole number {ranged}".rstrip()
    if spec.kind in ("float", "optional_float"):
        return f"a number {ranged}".rstrip()
    if spec.kind == "bool":
        return "true or false"
    if spec.kind == "choice":
        return f"one of {', '.join(spec.choice_names())}"
    word = _TYPE_WORDS.get(schema_type)
    return f"{word}, the {spec.doc}" if word else spec.doc


def check_study_overrides(overrides: list[str], study: dict[str, Any], name: str) -> None:
    """Refuse ``msisim experiment`` overrides that do not fit the study, in msisim's words.

    ``study`` is the study composed without the overrides (unresolved). Checked: the key is
    a study key (with a "did you mean"), a path goes through mappings only (``steps.x=1``),
    a model parameter under ``base``, ``designs.D`` or ``contexts`` is a known one whose value
    has the parameter's type, a plain ``KEY=VALUE`` changes a key the study sets (else
    ``+KEY=VALUE`` adds it), ``+KEY=VALUE`` adds one it does not set, ``~KEY`` deletes one
    it sets. Hydra's own messages ("Could not override 'base.epsilon'. ... Key 'epsilon' is
    not in struct") named no allowed form.

    Raises:
        ValueError: One line naming the override, the key and the allowed form.
    """
    import difflib

    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType

    infos = {info.name: info for info in parameter_table()}
    keys = [f.name for f in dataclasses.fields(experiment_schema())]
    for override in OverridesParser.create().parse_overrides(overrides):
        if override.is_sweep_override() or override.package:
            continue  # a sweep has no meaning here; Hydra's message says so
        line = override.input_line or ""
        where = f"override {line!r}"
        parts = override.key_or_group.split(".")
        if parts[0] not in keys:
            close = difflib.get_close_matches(parts[0], keys, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"{where}: a study has no key {parts[0]!r}{hint}; keys: {', '.join(keys)}"
            )
        node: Any = study
        for depth, part in enumerate(parts[:-1]):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                node = None
            if node is not None and not isinstance(node, dict | list):
                path = ".".join(parts[: depth + 1])
                raise ValueError(
                    f"{where}: {path} is {_shape(node)}, not a mapping; set it whole "
                    f"({path}=VALUE) or a key of a mapping such as base.KEY=VALUE"
                )
            if node is None:
                break
        exists = isinstance(node, dict) and parts[-1] in node
        value = None if override.is_delete() else override.value()
        problems = []
        param = parts[-1] if len(parts) >= 2 else None
        if param is not None and (
            (parts[0] == "base" and len(parts) == 2)
            or (parts[0] in ("designs", "contexts") and len(parts) == 3)
        ):
            info = infos.get(param)
            if info is None:
                close = difflib.get_close_matches(param, list(infos), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(
                    f"{where}: {param!r} is not a model parameter{hint}; "
                    "'msisim run --help' lists them"
                )
            if not override.is_delete():
                try:
                    check_schema_value(value, info.schema_type, ".".join(parts), where, info.form)
                except ValueError as err:
                    problems.append(str(err).removeprefix(f"{where}: "))
        key = ".".join(parts)
        kind = override.type
        if kind == OverrideType.CHANGE and not exists:
            problems.append(
                f"study {name} does not set {key}: add it with a + ('+{key}={_text(line)}')"
            )
        elif kind == OverrideType.ADD and exists:
            problems.append(
                f"study {name} sets {key} already: change it without the + ('{key}={_text(line)}')"
            )
        elif kind == OverrideType.DEL and not exists:
            problems.append(f"study {name} does not set {key}: there is nothing to delete")
        if problems:
            raise ValueError(f"{where}: {'; and '.join(problems)}")


_REFERENCE = re.compile(r"^\$\{([A-Za-z_][\w.]*)\}$")


def interpolation_cycle(data: Any) -> list[str] | None:
    """The first cycle of plain interpolations (``a: ${b}``, ``b: ${a}``) in a config, if any.

    ``data`` is the unresolved config as plain data. Returns the keys of the cycle, the
    first repeated at the end (``['a', 'b', 'a']``); OmegaConf would say only "Recursive
    interpolation detected" with one key and no file.
    """
    refs: dict[str, str] = {}

    def walk(node: Any, path: str) -> None:
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, value in items:
            full = f"{path}.{key}" if path else str(key)
            if isinstance(value, str) and _REFERENCE.match(value):
                refs[full] = _REFERENCE.match(value).group(1)  # type: ignore[union-attr]
            else:
                walk(value, full)

    walk(data, "")
    for start in refs:
        chain = [start]
        while chain[-1] in refs:
            target = refs[chain[-1]]
            if target in chain:
                return [*chain[chain.index(target) :], target]
            chain.append(target)
    return None


def cycle_message(cycle: list[str], where: str) -> str:
    """One line naming where an interpolation cycle is, its keys and what to do."""
    return (
        f"{where}: {cycle[0]}: the interpolation ${{{cycle[1]}}} leads back to {cycle[0]} "
        f"({' -> '.join(cycle)}); give one of these keys a value"
    )


def _text(line: str) -> str:
    """The value part of an override as typed (``base.epsilon=0.2`` -> ``0.2``)."""
    return line.split("=", 1)[1] if "=" in line else ""


_EXAMPLES = {
    "base": "base: {n_stakeholders: 100}",
    "factors": "factors: {lobby_budget: {levels: [0, 1]}}",
    "designs": "designs: {open: {membership: open}}",
    "contexts": "contexts: [{lobby_budget: 1.0}]",
    "outcomes": "outcomes: [rose, capture]",
    "design_factors": "design_factors: [lobby_budget]",
}


def _shape(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"the value {value!r:.40}"


# --------------------------------------------------------------------------- generated schema


@dataclass(frozen=True)
class ParamInfo:
    """What ``msisim run`` knows about one model parameter (derived from its field)."""

    name: str
    group: str
    schema_type: Any
    default: Any
    doc: str
    form: str = ""  # the allowed form in words ("a number in [0, 1]"), for messages

    @property
    def complex(self) -> bool:
        """Not a scalar: typed ``Any`` in the schema, ``None`` there means the model default."""
        return self.schema_type is Any


def _schema_type(annotation: Any) -> Any:
    """The OmegaConf type of a parameter: its scalar type, ``str`` for choices, else Any."""
    if annotation in _SCALARS:
        return annotation
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal and all(isinstance(a, str) for a in args):
        return str
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2 and _schema_type(rest[0]) in _SCALARS:
            return Optional[_schema_type(rest[0])]  # noqa: UP045 - OmegaConf wants Optional
    return Any


def _plain(value: Any) -> Any:
    """A default as plain data (for help text): dataclasses to dicts, tuples to lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def parameter_table() -> list[ParamInfo]:
    """Every parameter of every model kind, in group order (:data:`msisim.params.PARAMETER_GROUPS`).

    A name two kinds declare (``n_seats``) is listed once, under the forum's group.
    """
    from msisim.params import PARAMETER_GROUPS

    table = []
    seen: set[str] = set()
    for group, cls in PARAMETER_GROUPS.items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.name in seen:
                continue
            seen.add(f.name)
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:  # pragma: no cover - every parameter has a default
                default = None
            spec = f.metadata.get("spec") if f.metadata else None
            doc = f"{spec.doc} ({spec.allowed()})" if spec and spec.allowed() else ""
            doc = doc or (spec.doc if spec else "")
            kind = _schema_type(hints[f.name])
            form = param_form(spec, kind) if spec else ""
            table.append(ParamInfo(f.name, group, kind, default, doc, form))
    return table


def params_schema() -> type:
    """A structured-config dataclass with one typed field per model parameter.

    Scalars keep their type (choices become ``str``; the model checks the choice);
    lists, mappings and tuples (categories, shocks, seats per category, participation
    support, the lobby's ideal) are ``Any`` with default ``None``, which stands for the
    model's own default.
    """
    specs = []
    for info in parameter_table():
        default = None if info.complex else info.default
        specs.append(
            (info.name, info.schema_type, field(default=default, metadata={"doc": info.doc}))
        )
    return dataclasses.make_dataclass("ModelParams", specs)


#: ``msisim run``'s own settings: default and meaning.
RUN_SETTINGS: dict[str, tuple[int, str]] = {
    "replicates": (5, "runs of the scenario, each with its own seed"),
    "steps": (200, "steps per run"),
    "seed": (DEFAULT_SEED, "root seed of the replicates"),
    "workers": (1, "worker processes"),
}


def run_schema() -> type:
    """``msisim run``'s schema: the model kind, the generated ``params`` node, the run settings."""
    params = params_schema()
    settings = [(name, int, field(default=default)) for name, (default, _) in RUN_SETTINGS.items()]
    return dataclasses.make_dataclass(
        "RunSchema",
        [
            ("model", str, field(default="forum")),
            ("params", params, field(default_factory=params)),
            *settings,
            ("stakeholder_map", str, field(default="")),
        ],
    )


def model_params(
    params: dict[str, Any], model: str = "forum", baseline: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The composed ``params`` node as keywords of a model of kind ``model``.

    The schema holds every kind's parameters with a default each. A parameter of the kind's
    own groups is passed at its value; any other (another kind's, or a name two kinds share
    whose schema default is the other kind's) only when it differs from ``baseline`` (what
    the default config groups compose to; default: the schema's defaults), i.e. when the
    command line or a chosen group set it, so that the kind refuses it with its one-line
    error. ``None`` complex fields (the model's own default) are dropped.
    """
    from msisim.kinds import model_kind

    groups = model_kind(model).groups
    out = {}
    for info in parameter_table():
        if info.name not in params:
            continue
        value = params[info.name]
        if info.complex and value is None:
            continue
        reference = info.default if baseline is None else baseline.get(info.name, info.default)
        if info.group in groups or value != reference:
            out[info.name] = value
    return out


def model_kinds_text() -> str:
    """The model kinds in words, for help texts (``forum = ..., parliament = ...``)."""
    from msisim.kinds import MODEL_KINDS

    return "; ".join(f"{kind.name} = {kind.doc}" for kind in MODEL_KINDS.values())


#: The flags ``msisim run --help`` lists: Hydra's that work through ``msisim run`` (its shell
#: completion expects its own app as the command, and ``--experimental-rerun`` reads a pickle,
#: so both are refused; ``--config-path``/``--config-name`` would replace msisim's config).
RUN_FLAGS = (
    ("-m, --multirun", "a sweep: one job per combination of comma-separated values"),
    ("--cfg job|hydra|all", "print the composed config instead of running (with --resolve)"),
    ("-cd, --config-dir DIR", "your own config folder, searched before the shipped configs"),
    ("--plugin FILE", "a Python file of your own rules, strategies or outcomes (repeatable)"),
    ("-i, --info [config|defaults|searchpath|...]", "Hydra's view of the config"),
    ("--hydra-help", "Hydra's own help (its launchers' and sweepers' options)"),
    ("-h, --help", "this text"),
)


def run_help_template(extra: str | Path | None = None) -> str:
    """The text of ``msisim run --help``: groups, every parameter with default and meaning."""
    lines = [
        "msisim run: one scenario of a multistakeholder forum, N replicates",
        "(summary table, runs.parquet, runs.csv and a figure in outputs/run/TIME/).",
        "",
        "Usage: msisim run [GROUP=OPTION ...] [params.NAME=VALUE ...] [replicates=N]",
        "                  [steps=N] [seed=N] [workers=N] [-m for a sweep over a,b,c lists]",
        "",
        "Examples:",
        "  msisim run design=open lobbying=heavy params.epsilon=0.2 replicates=10",
        "  msisim run -m design=representative,open lobbying=none,heavy",
        "  msisim run model=parliament params.n_seats=500 params.lottery_seats=140",
        "  msisim run stakeholder_map=example design=open lobbying=moderate",
        "",
        "Config groups (GROUP=OPTION; each option sets several params):",
        *(f"  {g}: {', '.join(group_options(g, extra))}" for g in config_groups(extra)),
        "",
        "Run settings (NAME=VALUE):",
        f"  model (forum; the kind of model: {model_kinds_text()})",
        *(f"  {name} ({default}; {doc})" for name, (default, doc) in RUN_SETTINGS.items()),
        "  stakeholder_map (none; a map's name, e.g. example, or a .csv/.yaml file: the forum's",
        "    population from its groups; the map's head count sets N unless",
        "    params.n_stakeholders is given)",
        "",
        "Model parameters: params.NAME=VALUE (default; meaning). 'model default' marks a",
        "list or mapping built by the model; give it in YAML syntax, e.g. "
        "params.lobby_ideal=[0.8,0.2].",
    ]
    group = ""
    for info in parameter_table():
        if info.group != group:
            group = info.group
            lines += ["", f"  {group}:"]
        default = "model default" if info.complex else repr(info.default)
        if info.complex:
            shown = repr(_plain(info.default))
            default = shown if len(shown) <= 30 else "model default"
        doc = f"; {info.doc}" if info.doc else ""
        lines.append(f"    params.{info.name} ({default}{doc})")
    lines += ["", "Flags:", *(f"  {flag}  {meaning}" for flag, meaning in RUN_FLAGS)]
    # '$' starts a template field in Hydra's help text, '${' an OmegaConf interpolation
    text = "\n".join(lines)
    return text.replace("${", "$ {")


def register_configs(extra: str | Path | None = None) -> None:
    """Register the schemas and the generated help in Hydra's ConfigStore (idempotent).

    ``extra`` is the user's config folder, whose group options the help lists too.
    """
    store = ConfigStore.instance()
    store.store(name="run_schema", node=run_schema())
    store.store(name="experiment_schema", node=experiment_schema())
    store.store(
        group="hydra/help",
        name="msisim",
        node={
            "app_name": "msisim run",
            "header": "",
            "footer": "",
            "template": run_help_template(extra),
        },
    )


# --------------------------------------------------------------------------- overrides

#: The ``hydra.*`` overrides ``msisim run`` accepts: where its outputs go and how much Hydra
#: logs. Every other Hydra setting (launcher, sweeper, callbacks, logging, search path,
#: environment, output subfolder, job name) could run code or write elsewhere: refused.
RUN_HYDRA_KEYS = ("hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir", "hydra.verbose")


def check_overrides(overrides: list[str], hydra_keys: tuple[str, ...] = ()) -> None:
    """Refuse command-line overrides that name code or change Hydra's own settings.

    Refused, before Hydra composes anything: an override holding a key of
    :data:`msisim.study.checks.CODE_KEYS` (``+_target_=...``, or inside a ``{...}`` value),
    one whose key, group or package names ``hydra`` other than the plain values of
    ``hydra_keys``, an empty output folder (``hydra.run.dir=``: the current folder), a key
    given twice (Hydra would keep the last value silently), and an unsafe interpolation
    (``${oc.env:...}``).

    Raises:
        ValueError: One line naming the override and the key (or that it cannot be parsed).
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    from msisim.study.checks import CODE_KEYS, check_interpolation, check_no_code

    code = re.compile(r"(?<!\w)(" + "|".join(CODE_KEYS) + r")(?!\w)")
    parser = OverridesParser.create()
    seen: dict[str, str] = {}
    for text in overrides:
        try:
            (override,) = parser.parse_overrides([text])
        except OverrideParseException as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else "cannot parse"
            raise ValueError(f"override {text!r}: {first}") from None
        line = override.input_line or ""
        where = f"override {line!r}"
        found = code.search(line)
        if found:
            raise ValueError(
                f"{where}: key {found.group(1)} refused: it would make Hydra run code; "
                "configs and overrides are plain data (see SECURITY.md)"
            )
        key, package = override.key_or_group, override.package or ""
        full = key + ("@" + package if package else "")
        if full in seen:  # Hydra would keep the last value without a word
            raise ValueError(
                f"{where}: key {full} is already set by override {seen[full]!r}; give each key once"
            )
        seen[full] = line
        names = re.split(r"[./]", key) + package.split(".")
        if "hydra" in names:
            value = None if override.is_sweep_override() else override.value()
            plain = not isinstance(value, dict | list)
            if not (key in hydra_keys and package == "" and plain and not override.is_delete()):
                allowed = (
                    f"; allowed: {', '.join(hydra_keys)}"
                    if hydra_keys
                    else "; set the output folder with --out"
                )
                raise ValueError(
                    f"{where}: key {key}{'@' + package if package else ''} refused: Hydra's own "
                    f"settings (launcher, sweeper, callbacks, logging) cannot be changed{allowed}"
                )
            if key.endswith("dir") and not override.is_sweep_override() and value in ("", None):
                raise ValueError(
                    f"{where}: an empty {key} would write into the current folder; "
                    f"give a folder, e.g. {key}=outputs/mine"
                )
        check_interpolation(line, where)
        if not override.is_sweep_override():
            check_no_code(override.value(), where)


# --------------------------------------------------------------------------- config tree


def packaged_config_dir() -> Path:
    """The config tree shipped inside the package (``msisim/configs``).

    Raises:
        FileNotFoundError: When the package was installed without its configs.
    """
    path = Path(str(resources.files("msisim") / "configs"))
    if not (path / "experiment").is_dir():
        raise FileNotFoundError(
            f"the msisim package has no config tree at {path}; reinstall msisim "
            "(the wheel must include msisim/configs/**/*.yaml)"
        )
    return path


def user_config_dirs(extra: str | Path | None = None) -> list[Path]:
    """A user's own config folders, searched before the packaged tree.

    ``extra`` (the ``--config-dir`` option) comes first, then ``$MSISIM_CONFIG_DIR``.

    Raises:
        FileNotFoundError: When a named folder does not exist.
    """
    named = [(str(extra), "--config-dir")] if extra else []
    env = os.environ.get("MSISIM_CONFIG_DIR")
    if env:
        named.append((env, "MSISIM_CONFIG_DIR"))
    out = []
    for text, source in named:
        path = Path(text).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"{source} {text}: no such folder")
        if path not in out:
            out.append(path)
    return out


def config_dirs(extra: str | Path | None = None) -> list[Path]:
    """The config search path: the user's folders first, then the packaged tree."""
    packaged = packaged_config_dir()
    return [p for p in user_config_dirs(extra) if p != packaged] + [packaged]


def config_dir() -> Path:
    """The packaged config tree (kept for callers that want one folder)."""
    return packaged_config_dir()


def experiment_dir(name: str, extra: str | Path | None = None) -> Path:
    """The first config folder on the search path that holds ``experiment/NAME.yaml``.

    Raises:
        ValueError: When ``name`` is not a name (letters, digits, ``_``, ``-``: no folder or
            ``..``), or no folder holds it, with the valid names and a close match.
    """
    from msisim.user_files import check_name, read_user_bytes

    check_name(name, "experiment name")
    for root in config_dirs(extra):
        path = root / "experiment" / f"{name}.yaml"
        if path.is_file():
            return root
        if os.path.lexists(path):  # a FIFO, device, folder or dangling link by that name
            read_user_bytes(path, "study file")  # raises, naming what it is
    import difflib

    names = experiment_names(extra)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"unknown experiment {name!r}{hint}; valid: {', '.join(names)}")


def experiment_names(extra: str | Path | None = None) -> list[str]:
    """Names of the studies (``experiment/*.yaml`` on the config search path)."""
    return sorted(
        {
            p.stem
            for root in config_dirs(extra)
            for p in (root / "experiment").glob("*.yaml")
            if p.is_file()  # a FIFO or a link to a device is no study
        }
    )


def group_options(group: str, extra: str | Path | None = None) -> list[str]:
    """Options of a config group (``design``, ``population``, ...) on the search path."""
    return sorted({p.stem for root in config_dirs(extra) for p in (root / group).glob("*.yaml")})


def config_groups(extra: str | Path | None = None) -> list[str]:
    """The config groups of ``msisim run``: folders other than experiment/, maps/, robustness/."""
    return sorted(
        {
            p.name
            for root in config_dirs(extra)
            for p in root.iterdir()
            if p.is_dir()
            # maps/: stakeholder maps; robustness/: the claims map's assumptions (not groups)
            and p.name not in ("experiment", "maps", "robustness")
            and not p.name.startswith(("_", "."))
        }
    )
