"""Cross-field checks of a run's parameters that the parameter objects cannot make alone.

:class:`msisim.params.Params` validates each value and the references between groups. What
it cannot know is whether a value *matters* under the chosen design, or whether a shock
falls inside the run. :func:`check_run_params` answers both for one run: it raises for an
input that can never do what it says (a shock after the last step) and returns a warning,
naming the design, for a parameter that the design ignores. Studies call it for every
sample point before the first run (:class:`msisim.study.spec.ExperimentSpec`).

:func:`check_yaml_file` guards user configs before Hydra composes them: the file must be a
regular file of bounded size (:mod:`msisim.user_files`), YAML aliases are refused (a few
hundred bytes of nested aliases expand to millions of nodes), a duplicate key is named with
its file and line, and nothing in it may name code (:func:`check_no_code`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from msisim.params import ContextParams, DesignParams, Params
from msisim.rules.decision import RULE_PARAMETERS
from msisim.rules.membership import MEMBERSHIP_RULES

#: Names with a meaning of their own, refused as category names (``shocks`` use ``all``).
RESERVED_CATEGORY_NAMES = ("all",)

_DESIGN = DesignParams()
_CONTEXT = ContextParams()


def check_run_params(params: Params, steps: int | None = None) -> list[str]:
    """Check one run's parameters as a whole.

    Args:
        params: The run's parameters.
        steps: Steps the run will take (default: ``params.simulation.n_steps``).

    Returns:
        Warnings (one line each) about parameters without effect under the design.

    Raises:
        ValueError: A shock scheduled after the last step, or a reserved category name.
    """
    design, context = params.design, params.context
    n_steps = params.simulation.n_steps if steps is None else steps
    for category in params.population.category_names:
        if category in RESERVED_CATEGORY_NAMES:
            raise ValueError(f"category name {category!r} is reserved (shocks use it for everyone)")
    for shock in context.shocks:
        if shock.last_step > n_steps:
            raise ValueError(
                f"shock.step={shock.step} (+ jitter {shock.jitter}) can fall after the last step "
                f"({n_steps}): it might never happen; schedule it so that step + jitter - 1 <= "
                "the run length"
            )
    where = f"membership={design.membership!r}"
    notes: list[str] = []
    if design.seats_per_category and design.seat_allocation != "explicit":
        notes.append(
            f"seats_per_category has no effect under seat_allocation={design.seat_allocation!r}; "
            "set seat_allocation=explicit"
        )
    rule = design.rule
    specific = frozenset().union(*(r.parameters for r in MEMBERSHIP_RULES.values()))
    for name in sorted(specific - rule.parameters):
        if getattr(design, name) != getattr(_DESIGN, name):
            notes.append(f"{name} has no effect under {where}: {rule.name} does not use it")
    decision_specific = frozenset().union(*RULE_PARAMETERS.values())
    used = RULE_PARAMETERS.get(design.decision_rule, frozenset())
    for name in sorted(decision_specific - used):
        if getattr(design, name) != getattr(_DESIGN, name):
            notes.append(
                f"{name} has no effect under decision_rule={design.decision_rule!r}: "
                "that rule does not use it"
            )
    if context.astroturf_share > 0 and not design.has_open_round:
        notes.append(f"astroturf_share has no effect under {where}: it has no open round")
    if context.lobby_budget > 0 and context.n_lobbyists == 0:
        notes.append(
            f"lobby_budget={context.lobby_budget:g} has no effect with n_lobbyists=0: "
            "no one spends it"
        )
    if context.lobby_budget == 0 and context.astroturf_share == 0:
        for name in ("lobby_strategy", "lobby_focus", "selector_spending"):
            if getattr(context, name) != getattr(_CONTEXT, name):
                notes.append(f"{name} has no effect with lobby_budget=0: there is no lobbying")
    return notes


def check_map_conflicts(settings: Mapping[str, Iterable[str]]) -> None:
    """Refuse a study that sets the population's table beside a ``stakeholder_map``.

    Args:
        settings: The parameter names each part of the study sets (``base``, ``factors``,
            each design), keyed by where they are.

    Raises:
        ValueError: Naming the part and the key that clashes with the map.
    """
    for where, keys in settings.items():
        clash = sorted({"groups", "categories"} & set(keys))
        if clash:
            raise ValueError(
                f"{where}: {clash[0]} conflicts with stakeholder_map, which sets the "
                "population's groups and categories; remove one of them"
            )


def check_yaml_file(
    path: str | Path,
    max_aliases: int = 0,
    what: str = "config file",
    *,
    shipped: bool = False,
    run_config: bool = False,
    mapping: bool = False,
) -> None:
    """Refuse a YAML file with aliases, duplicate keys or code to run, before Hydra reads it.

    Also refused: nesting deeper than :data:`MAX_YAML_DEPTH` (composing it would exhaust
    Python's stack) and, with ``mapping``, a file that is not a mapping (a list, a value).

    Args:
        path: The YAML file.
        max_aliases: Aliases allowed (0: none; msisim's configs use none).
        what: What the file is, for the messages.
        shipped: The file is msisim's own ``run.yaml``, whose Hydra settings are allowed
            (only those msisim ships: :data:`SHIPPED_HYDRA`).
        run_config: The file is a ``run.yaml`` at the root of a user's config folder, which
            may hold the shipped ``run.yaml``'s ``hydra:`` block, unchanged (a copied tree).
        mapping: The file must be a mapping (a config of Hydra's; a map may be a list).

    Raises:
        ValueError: One line naming the file, the line and the alias or key.
    """
    import yaml

    from msisim.user_files import MAX_YAML_DEPTH, read_user_file

    path = Path(path)
    text = read_user_file(path, what)  # a regular file of bounded size, or refused
    aliases = depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:  # composing it would exhaust Python's stack
                    raise ValueError(
                        f"{path}:{event.start_mark.line + 1}: nested more than {MAX_YAML_DEPTH} "
                        "levels deep; a config is a few levels of mappings and lists"
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > max_aliases:
                    mark = event.start_mark
                    raise ValueError(
                        f"{path}:{mark.line + 1}: YAML alias *{event.anchor} refused "
                        "(aliases can expand without bound); write the value out"
                    )
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"malformed YAML in {path}: {first}") from None
    _check_duplicate_keys(root, path)
    _check_package_header(text, path)
    try:
        data = yaml.safe_load(text)  # no alias: its size is the file's
    except yaml.YAMLError as err:  # a tag such as !!python/object
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"malformed YAML in {path}: {first}") from None
    if mapping and not (data is None or isinstance(data, Mapping)):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        raise ValueError(
            f"{path}: the file is {kind}; a config file is a mapping of key: value "
            "(e.g. membership: open)"
        )
    if run_config and not shipped and isinstance(data, Mapping) and "hydra" in data:
        if data["hydra"] != _shipped_hydra():
            raise ValueError(
                f"{path}: key hydra refused: a run config may keep msisim's own hydra: block "
                "(of its run.yaml), unchanged, and nothing else of Hydra's settings"
            )
        shipped = True
    check_no_code(data, str(path), shipped=shipped)


def _check_duplicate_keys(node: object, path: Path) -> None:
    import yaml

    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise ValueError(
                            f"{path}:{key.start_mark.line + 1}: duplicate key {key.value!r}"
                        )
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def check_config_tree(root: str | Path) -> None:
    """Apply :func:`check_yaml_file` to every YAML file under a config folder.

    Each must be a regular file (a symlink to one counts) of at most
    :data:`msisim.user_files.MAX_CONFIG_BYTES`: a FIFO, a device, a socket or a folder named
    ``*.yaml`` is refused in one line naming it, before anything reads it. Folders reached
    through a symlink are checked too (Hydra follows them), each real folder once; a tree of
    more than :data:`MAX_CONFIG_ENTRIES` entries (a link to ``/``) is refused.

    A folder other than msisim's own may not hold ``hydra/``: its options would replace
    Hydra's launcher, sweeper, logging or callbacks without any override naming them.

    Raises:
        ValueError: One line naming the file and what is wrong.
    """
    root = Path(root)
    shipped = root.resolve() == _shipped_config_dir()
    if not shipped and (root / "hydra").exists():
        raise ValueError(
            f"config folder {root} holds hydra/: Hydra's own settings (launcher, sweeper, "
            "logging, callbacks) cannot be replaced from a config folder; remove it"
        )
    for path in _yaml_files(root):
        top = path == root / "run.yaml"
        mapping = path.relative_to(root).parts[0] != "maps"  # a map may be a list of groups
        check_yaml_file(path, shipped=shipped and top, run_config=top, mapping=mapping)


#: The most entries (files and folders) a config tree may hold; the shipped one has ~60.
MAX_CONFIG_ENTRIES = 10_000


def _yaml_files(root: Path) -> list[Path]:
    """Every ``*.yaml`` entry under ``root`` (a folder so named too), following folder links."""
    import os

    found: list[Path] = []
    seen: set[str] = set()
    stack = [root]
    count = 0
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as err:
            raise ValueError(f"config folder {folder}: cannot list it: {err.strerror}") from None
        for entry in entries:
            count += 1
            if count > MAX_CONFIG_ENTRIES:
                raise ValueError(
                    f"config folder {root}: more than {MAX_CONFIG_ENTRIES:,} entries (a link "
                    "to a large folder?); a config folder holds YAML files"
                )
            if entry.name.endswith(".yaml"):
                found.append(Path(entry.path))  # a folder so named is refused when read
            elif entry.is_dir():  # follows a symlink, as Hydra does
                stack.append(Path(entry.path))
    return sorted(found)


# --------------------------------------------------------------------------- no code in configs

#: Keys Hydra's ``instantiate`` reads: a config holding one would name code to run.
CODE_KEYS = ("_target_", "_partial_", "_args_", "_recursive_", "_convert_")

#: The OmegaConf resolvers a config may call. None reads the environment (``oc.env``: a
#: secret would be copied into ``manifest.json``) or turns text into config
#: (``oc.decode``, ``oc.create``: they could build either).
SAFE_RESOLVERS = frozenset({"now", "oc.select", "oc.dict.keys", "oc.dict.values"})

#: What msisim's own ``run.yaml`` sets under ``hydra:`` (leaf keys), with the one callback it
#: names; nothing else may set a ``hydra`` key.
SHIPPED_HYDRA: dict[str, str | None] = {
    "hydra.run.dir": None,
    "hydra.sweep.dir": None,
    "hydra.sweep.subdir": None,
    "hydra.job.name": None,
    "hydra.job.chdir": None,
    "hydra.callbacks.combine_runs._target_": "msisim.cli.CombineSweepRuns",
}
#: The one defaults entry of ``run.yaml`` that names a Hydra group: msisim's help text.
SHIPPED_DEFAULTS = ({"override hydra/help": "msisim"},)

_RULE = "configs are plain data: no key may name code to run (see SECURITY.md)"


def _shipped_config_dir() -> Path:
    return Path(str(resources.files("msisim") / "configs")).resolve()


def _shipped_hydra() -> Any:
    import yaml

    return yaml.safe_load((_shipped_config_dir() / "run.yaml").read_text()).get("hydra")


def _names_hydra(text: str) -> bool:
    return "hydra" in re.split(r"[\s/@.:=+~]+", text)


def check_interpolation(text: str, where: str) -> None:
    """Refuse an OmegaConf interpolation that calls an unsafe resolver.

    ``${a.b}`` (another key) is allowed, and the resolvers of :data:`SAFE_RESOLVERS`;
    ``${oc.env:NAME}`` and any other resolver, or a name computed by a nested
    interpolation, are refused.

    Raises:
        ValueError: One line naming ``where`` and the interpolation.
    """
    start = text.find("${")
    while start >= 0:
        rest = text[start + 2 :]
        end = next((i for i, char in enumerate(rest) if char in ":}$["), len(rest))
        name, after = re.sub(r"\s", "", rest[:end]), rest[end : end + 1]
        if after == "$":
            raise ValueError(
                f"{where}: interpolation '${{{name}${{...' with a computed name refused; "
                "write the key or value out"
            )
        if after == ":" and name not in SAFE_RESOLVERS:
            why = (
                "it reads the environment (a secret would be copied into the results)"
                if name in ("oc.env", "env")
                else "it is not one of " + ", ".join(sorted(SAFE_RESOLVERS))
            )
            raise ValueError(f"{where}: interpolation '${{{name}:...}}' refused: {why}")
        start = text.find("${", start + 2)


def check_no_code(data: Any, where: str, *, shipped: bool = False) -> None:
    """Refuse config data that names code or sets Hydra's own settings, at any depth.

    Refused: a key of :data:`CODE_KEYS` (``_target_`` ...), a ``hydra`` key, a ``defaults``
    entry naming a ``hydra/`` group or package, and an unsafe interpolation
    (:func:`check_interpolation`), and a value ``???`` (OmegaConf's missing value, which a
    merge onto a schema default silently drops). With ``shipped`` (msisim's own ``run.yaml``)
    the settings of :data:`SHIPPED_HYDRA` and :data:`SHIPPED_DEFAULTS` are allowed, nothing
    more.

    Raises:
        ValueError: One line naming ``where`` (the file or override) and the key path.
    """
    stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        dotted = ".".join(path)
        if isinstance(node, Mapping):
            for key, value in node.items():
                name = str(key)
                sub = (*path, name)
                full = ".".join(sub)
                if name in CODE_KEYS and not (shipped and SHIPPED_HYDRA.get(full) == value):
                    raise ValueError(
                        f"{where}: key {full} refused: {name} would make Hydra run code; {_RULE}"
                    )
                if name == "hydra" and not (shipped and sub == ("hydra",)):
                    raise ValueError(
                        f"{where}: key {full} refused: Hydra's own settings (launcher, logging, "
                        "callbacks, output folders) cannot be set from a config; use msisim's "
                        "options (--out) or msisim run's hydra.run.dir"
                    )
                if path == () and name == "defaults":
                    _check_defaults(value, where, shipped)
                    continue
                stack.append((sub, value))
        elif isinstance(node, list | tuple):
            stack.extend(((*path, str(i)), item) for i, item in enumerate(node))
        else:
            if shipped and path[:1] == ("hydra",) and dotted not in SHIPPED_HYDRA:
                raise ValueError(f"{where}: key {dotted} is not a setting msisim ships")
            if isinstance(node, str):
                check_interpolation(node, f"{where}: key {dotted or '(top)'}")
                if node.strip() == "???" and not shipped:  # merged onto a value, it vanishes
                    raise ValueError(
                        f"{where}: {f'key {dotted}' if dotted else 'the value'} is '???' "
                        "(Hydra's mark of a value "
                        "still to give, which a merge drops without a word): give the value "
                        "or remove the key"
                    )


def _check_defaults(entries: Any, where: str, shipped: bool) -> None:
    for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
        if shipped and entry in SHIPPED_DEFAULTS:
            continue
        texts = [entry] if not isinstance(entry, Mapping) else [*entry.keys(), *entry.values()]
        flat: list[Any] = []
        for text in texts:
            flat.extend(text if isinstance(text, list) else [text])
        if any(_names_hydra(str(text)) for text in flat):
            raise ValueError(
                f"{where}: key defaults.{i} ({entry!r}) refused: a defaults list may not "
                "choose or fill Hydra's own groups (hydra/launcher, hydra/job_logging, ...)"
            )
        check_no_code(flat, f"{where}: key defaults.{i}")


def _check_package_header(text: str, path: Path) -> None:
    """Refuse ``# @package hydra...``: the file's keys would land in Hydra's own settings."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        match = re.match(r"#\s*@package\s+(\S+)", stripped)
        if match and _names_hydra(match.group(1)):
            raise ValueError(
                f"{path}: '# @package {match.group(1)}' refused: a config may not write into "
                "Hydra's own settings"
            )
