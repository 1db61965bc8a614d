"""Stakeholder maps: a forum's own population from a table of stakeholder groups.

A *stakeholder map* is a CSV (or YAML) file with one row per stakeholder group, the way
practitioners draw a forum: who is there, how many, how much power, how much interest,
and (optionally) where they stand. The format and the mapping from power and interest to
the model's attributes are in docs/ODD.md §6; in short:

======================  =============================================================
column                  meaning
======================  =============================================================
``group``               group name (unique; printable text)
``category``            forum category: government, bureaucracy, business,
                        civil_society, academia, grassroots, or a new identifier
``size``                head count (all whole numbers) or population share (sums to 1)
``power``, ``interest`` position on the power/interest grid, each in [0, 1]
``x``, ``y``            optional: mean position on policy dimensions 1 and 2, in [0, 1]
``x3`` ... ``x10``      optional: dimensions 3 to 10 (for ``n_dims`` > 2)
``spread``              optional: standard deviation of positions around (x, y, ...)
``resources``           optional: median resources (``exp(mu)`` of the lognormal)
``affectedness``        optional: in [0, 1]; default ``interest``
``engagement``          optional: in [0, 1]; default from interest and power
``uncertainty``         optional: in [0, 0.5]; half-width of the uniform range around
                        ``power``, ``interest`` and the position in which the group's
                        true values may lie (default :data:`DEFAULT_UNCERTAINTY`)
======================  =============================================================

A blank optional cell means "derive it": positions default to the category's position in
the default table (:data:`msisim.params.DEFAULT_CATEGORIES`; 0.5 for a new category or a
further dimension), spread to :data:`DEFAULT_SPREAD`.

**Uncertainty.** A map is a judgement, not a measurement: ``uncertainty`` says how far off a
group's power, interest and mean position may be. It does not change the population the
map describes (:meth:`StakeholderMap.to_groups`); ``msisim compare`` samples its contexts
over these ranges (:meth:`StakeholderMap.perturbed`, :mod:`msisim.study.forum`). A blank
cell means :data:`DEFAULT_UNCERTAINTY` (0.1, a tenth of the grid either way); 0 fixes the
group's values.

**Groups and categories.** Several groups may share one forum category. Seats, arenas, the
scorecard and every per-category metric work on the *category*, so the category table stays
what the model's rules read; each group becomes a :class:`msisim.params.GroupSpec` (its own
mean, spread, resources, affectedness and engagement) in ``PopulationParams.groups``, drawn as
its own subpopulation by :func:`msisim.population.build_population`, and every stakeholder
keeps its group code in ``StakeholderState.group`` beside its category code. The rules never
read the group, so the hot path is unchanged; the category table is derived from the groups
(:func:`msisim.params.categories_from_groups`).

**Sizes.** If every size is a whole number, sizes are head counts: they set N (unless
``n_stakeholders`` is given; then they are read as shares of it). Otherwise sizes are
shares: they must sum to 1; a sum within 0.01 of 1 (rounded percentages) is normalised with
a warning, anything else is an error.

**Where a map is found.** :func:`load_stakeholder_map` takes a path (``.csv``, ``.yaml`` or
``.yml``) or the *name* of a map (no suffix), looked up as ``maps/NAME.csv`` (or ``.yaml``)
in the given config folders and then in the maps shipped with the package
(``msisim/configs/maps``; ``example`` is a national multistakeholder forum). A relative path
is tried against the given folders (a study's config folder), then the current folder.

Bad files raise :class:`ValueError` with one line naming the file, the row and the column.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from msisim.apportionment import largest_remainder
from msisim.population_params import DEFAULT_CATEGORIES, MAX_DIMS, GroupSpec, PopulationParams
from msisim.registry import did_you_mean

logger = logging.getLogger(__name__)

__all__ = [
    "COLUMNS",
    "QUADRANTS",
    "REQUIRED_COLUMNS",
    "MapGroup",
    "StakeholderMap",
    "derived_engagement",
    "derived_resources_mu",
    "load_stakeholder_map",
    "map_names",
    "packaged_maps_dir",
    "parse_stakeholder_map",
    "quadrant",
    "resolve_map_path",
]

#: Columns every map must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("group", "category", "size", "power", "interest")
#: Columns of the policy position, one per dimension (``x`` = dimension 1, ``y`` = 2, ...).
POSITION_COLUMNS: tuple[str, ...] = ("x", "y", *(f"x{k}" for k in range(3, MAX_DIMS + 1)))
#: Optional columns that override what the mapping derives.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    *POSITION_COLUMNS,
    "spread",
    "resources",
    "affectedness",
    "engagement",
    "uncertainty",
)
#: Every column a map may have.
COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
#: File suffixes a map may have.
SUFFIXES: tuple[str, ...] = (".csv", ".yaml", ".yml")

#: Median resources ``exp(mu)`` of a group with power 0 is ``exp(-1) = 0.37`` and rises
#: 20-fold to ``exp(2) = 7.4`` at power 1: the range of the default table's category medians
#: (grassroots ``mu = -1``, business ``mu = 1.5``), a little wider at the top.
RESOURCES_MU_AT_NO_POWER = -1.0
#: Increase of ``mu`` from power 0 to power 1 (see :data:`RESOURCES_MU_AT_NO_POWER`).
RESOURCES_MU_PER_POWER = 3.0
#: ``sigma`` of every group's lognormal resources (the default table's 0.3-0.6, midway).
RESOURCES_SIGMA = 0.5
#: Engagement ``= base + per_interest * interest + per_power * power`` (in [0.1, 0.9]): the
#: civic voluntarism model (Verba, Schlozman & Brady 1995) has people take part when they
#: care (interest) and expect to matter (power, efficacy); resources enter attendance
#: separately, through ``log(resources)``.
ENGAGEMENT_BASE = 0.1
#: Weight of interest in the derived engagement.
ENGAGEMENT_PER_INTEREST = 0.4
#: Weight of power in the derived engagement.
ENGAGEMENT_PER_POWER = 0.4
#: Spread of positions of a group whose map gives none (the default table's 0.10-0.15).
DEFAULT_SPREAD = 0.12
#: Half-width of the range of a group's power, interest and position when the map gives no
#: ``uncertainty``: 0.1, a tenth of the grid either way. A stated choice, not an estimate: less
#: than half the gap (0.25) between adjacent marks of a five-point rating scale mapped onto
#: [0, 1], i.e. the map's author is sure of the mark but not of where within it.
DEFAULT_UNCERTAINTY = 0.1
#: Largest ``uncertainty``: half the grid either way (the whole range).
MAX_UNCERTAINTY = 0.5
#: Shares summing to within this of 1 are normalised (with a warning); further off: an error.
SHARE_TOLERANCE = 0.01

#: The four quadrants of the power/interest grid (Mendelow 1991; Eden & Ackermann 1998),
#: keyed by (high power, high interest). Power or interest >= 0.5 counts as high.
QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, True): "manage closely",
    (True, False): "keep satisfied",
    (False, True): "keep informed",
    (False, False): "monitor",
}


def quadrant(power: float, interest: float) -> str:
    """The power/interest quadrant of a group (0.5 and above count as high)."""
    return QUADRANTS[(power >= 0.5, interest >= 0.5)]


def derived_resources_mu(power: float) -> float:
    """``mu`` of a group's lognormal resources from its power: ``-1 + 3 * power``."""
    return RESOURCES_MU_AT_NO_POWER + RESOURCES_MU_PER_POWER * power


def derived_engagement(power: float, interest: float) -> float:
    """A group's baseline engagement: ``0.1 + 0.4 * interest + 0.4 * power``."""
    return ENGAGEMENT_BASE + ENGAGEMENT_PER_INTEREST * interest + ENGAGEMENT_PER_POWER * power


@dataclass(frozen=True)
class MapGroup:
    """One row of a stakeholder map, as given (``None`` for a blank optional cell).

    Attributes:
        name: Group name.
        category: Forum category.
        size: Head count or share, as in the file.
        power: Power on the power/interest grid, in [0, 1].
        interest: Interest on the power/interest grid, in [0, 1].
        position: Mean position per dimension given in the file (``None`` where blank).
        spread: Spread of positions, or ``None``.
        resources: Median resources, or ``None``.
        affectedness: Affectedness, or ``None``.
        engagement: Baseline engagement, or ``None``.
        uncertainty: Half-width of the range of power, interest and position, or ``None``
            (:data:`DEFAULT_UNCERTAINTY`).
        row: Where the row is in the file (a line number of a CSV, an entry of a YAML list).
    """

    name: str
    category: str
    size: float
    power: float
    interest: float
    position: tuple[float | None, ...] = ()
    spread: float | None = None
    resources: float | None = None
    affectedness: float | None = None
    engagement: float | None = None
    uncertainty: float | None = None
    row: int = 0

    @property
    def half_width(self) -> float:
        """The group's uncertainty: as given, else :data:`DEFAULT_UNCERTAINTY`."""
        return DEFAULT_UNCERTAINTY if self.uncertainty is None else self.uncertainty

    @property
    def quadrant(self) -> str:
        """Quadrant of the power/interest grid."""
        return quadrant(self.power, self.interest)

    def resources_mu(self) -> float:
        """``mu`` of the lognormal resources: ``log(resources)`` if given, else from power."""
        if self.resources is not None:
            return math.log(self.resources)
        return derived_resources_mu(self.power)

    def derived_affectedness(self) -> float:
        """Affectedness: as given, else the group's interest."""
        return self.interest if self.affectedness is None else self.affectedness

    def derived_engagement(self) -> float:
        """Baseline engagement: as given, else from interest and power."""
        if self.engagement is not None:
            return self.engagement
        return derived_engagement(self.power, self.interest)

    def position_mean(self, n_dims: int) -> tuple[float, ...]:
        """Mean position in ``n_dims`` dimensions: given coordinates, else the category's."""
        default = _DEFAULT_POSITIONS.get(self.category, ())
        out = []
        for k in range(n_dims):
            given = self.position[k] if k < len(self.position) else None
            if given is not None:
                out.append(given)
            else:
                out.append(default[k] if k < len(default) else 0.5)
        return tuple(out)


_DEFAULT_POSITIONS = {c.name: c.position_mean for c in DEFAULT_CATEGORIES}


@dataclass(frozen=True)
class StakeholderMap:
    """A validated stakeholder map: groups, their sizes, and what the model makes of them.

    Attributes:
        groups: The rows, in file order.
        source: Where the map came from (a path or a shipped map's name).
        notes: Warnings raised while reading (normalised shares, new categories).
    """

    groups: tuple[MapGroup, ...]
    source: str = ""
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Short name of the map (its file's stem)."""
        return Path(self.source).stem if self.source else "map"

    @property
    def sizes_are_counts(self) -> bool:
        """Whether sizes are head counts (every size a whole number)."""
        return all(float(g.size).is_integer() for g in self.groups)

    @property
    def total(self) -> int | None:
        """Head count of the whole map, or ``None`` when sizes are shares."""
        return int(sum(g.size for g in self.groups)) if self.sizes_are_counts else None

    @property
    def n_dims(self) -> int:
        """Dimensions the map places groups in: 2, or the highest position column given."""
        given = [k + 1 for g in self.groups for k, v in enumerate(g.position) if v is not None]
        return max([2, *given])

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories, in the order the model codes them."""
        return tuple(c.name for c in self.population().categories)

    def shares(self) -> np.ndarray:
        """Population share of each group, ``float64[G]`` (sizes over their sum)."""
        sizes = np.array([g.size for g in self.groups], dtype=float)
        return sizes / sizes.sum()

    def counts(self, n_stakeholders: int | None = None) -> np.ndarray:
        """Stakeholders per group at N (default: the head counts, or 1,000 for shares)."""
        n = self.default_n() if n_stakeholders is None else n_stakeholders
        return largest_remainder(self.shares(), n)

    def default_n(self) -> int:
        """N the map implies: its head count, or the model's default for shares."""
        if self.total is not None:
            return self.total
        return int(PopulationParams().n_stakeholders)

    def to_groups(self, n_dims: int | None = None) -> tuple[GroupSpec, ...]:
        """The model's groups (:class:`msisim.params.GroupSpec`) in ``n_dims`` dimensions.

        Raises:
            ValueError: When the map gives positions in more dimensions than ``n_dims``.
        """
        d = self.n_dims if n_dims is None else int(n_dims)
        if d < self.n_dims:
            given = ", ".join(POSITION_COLUMNS[: self.n_dims])
            raise ValueError(
                f"stakeholder map {self.source or self.name} gives positions in {self.n_dims} "
                f"dimensions ({given}); n_dims={d} is too few"
            )
        shares = self.shares()
        return tuple(
            GroupSpec(
                name=g.name,
                category=g.category,
                share=float(share),
                position_mean=g.position_mean(d),
                spread=DEFAULT_SPREAD if g.spread is None else g.spread,
                resources_mu=g.resources_mu(),
                resources_sigma=RESOURCES_SIGMA,
                affectedness=g.derived_affectedness(),
                engagement=g.derived_engagement(),
            )
            for g, share in zip(self.groups, shares, strict=True)
        )

    def population_keywords(self, n_dims: int | None = None) -> dict[str, Any]:
        """Flat population parameters: ``groups``, ``n_dims`` and (head counts) N."""
        d = self.n_dims if n_dims is None else int(n_dims)
        out: dict[str, Any] = {"groups": self.to_groups(d), "n_dims": d}
        if self.total is not None:
            out["n_stakeholders"] = self.total
        return out

    def population(self, **kwargs: Any) -> PopulationParams:
        """The population the map describes; keywords (e.g. ``n_stakeholders``) override."""
        values = self.population_keywords(kwargs.get("n_dims"))
        values.update(kwargs)
        return PopulationParams(**values)

    def rows(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The map as rows of ``column: value`` and its columns (blank cells ``""``).

        The inverse of :func:`parse_stakeholder_map`: ``parse_stakeholder_map(enumerate(rows,
        1), columns)`` gives the same groups back (a study stores a map this way).
        """
        d = max([0, *(len(g.position) for g in self.groups)])
        columns = [*REQUIRED_COLUMNS, *POSITION_COLUMNS[:d]]
        optional = ("spread", "resources", "affectedness", "engagement", "uncertainty")
        columns += [c for c in optional if any(getattr(g, c) is not None for g in self.groups)]
        rows = []
        for g in self.groups:
            row: dict[str, Any] = {c: getattr(g, c) for c in REQUIRED_COLUMNS if c != "group"}
            row = {"group": g.name, **row}
            for k, column in enumerate(POSITION_COLUMNS[:d]):
                value = g.position[k] if k < len(g.position) else None
                row[column] = "" if value is None else value
            for column in columns[len(REQUIRED_COLUMNS) + d :]:
                value = getattr(g, column)
                row[column] = "" if value is None else value
            rows.append(row)
        return rows, columns

    def n_uncertain(self, n_dims: int | None = None) -> int:
        """Uncertain values per group: power, interest and one per position dimension."""
        return 2 + (self.n_dims if n_dims is None else int(n_dims))

    def perturbed(self, unit: np.ndarray, n_dims: int | None = None) -> StakeholderMap:
        """The map with each group's power, interest and position moved within its range.

        Args:
            unit: ``float[G, 2 + n_dims]`` draws in [0, 1] (a Latin hypercube's, say): per
                group, power, interest, then the position per dimension. A draw ``u`` moves
                a value ``v`` to ``v + (2u - 1) * h`` (``h`` the group's
                :attr:`MapGroup.half_width`), clipped to [0, 1]; ``u = 0.5`` keeps it.
            n_dims: Dimensions of the position (default: the map's).

        Returns:
            A map whose groups give power, interest and every position coordinate (a blank
            position is first filled with the category's, as :meth:`to_groups` would).
            Derived columns (resources, affectedness, engagement) follow the new values
            unless the map gives them.
        """
        d = self.n_dims if n_dims is None else int(n_dims)
        unit = np.asarray(unit, dtype=float)
        if unit.shape != (len(self.groups), 2 + d):
            raise ValueError(
                f"perturbed: unit draws of shape {unit.shape}; expected "
                f"({len(self.groups)}, {2 + d}) (groups x power, interest, {d} dimensions)"
            )
        groups = []
        for g, u in zip(self.groups, unit, strict=True):
            shift = (2.0 * u - 1.0) * g.half_width
            values = np.array([g.power, g.interest, *g.position_mean(d)]) + shift
            values = np.clip(values, 0.0, 1.0)
            groups.append(
                dataclasses.replace(
                    g,
                    power=float(values[0]),
                    interest=float(values[1]),
                    position=tuple(float(v) for v in values[2:]),
                )
            )
        return dataclasses.replace(self, groups=tuple(groups))

    def summary(self, n_stakeholders: int | None = None) -> pd.DataFrame:
        """One row per group: size, share, stakeholders at N, quadrant and derived values."""
        counts = self.counts(n_stakeholders)
        rows = []
        for g, share, count, spec in zip(
            self.groups, self.shares(), counts, self.to_groups(), strict=True
        ):
            rows.append(
                {
                    "group": g.name,
                    "category": g.category,
                    "size": g.size,
                    "share": float(share),
                    "n": int(count),
                    "power": g.power,
                    "interest": g.interest,
                    "quadrant": g.quadrant,
                    "resources": math.exp(spec.resources_mu),
                    "affectedness": spec.affectedness,
                    "engagement": spec.engagement,
                    "position": tuple(round(v, 2) for v in spec.position_mean),
                    "spread": spec.spread,
                }
            )
        return pd.DataFrame(rows)

    def category_summary(self, n_stakeholders: int | None = None) -> pd.DataFrame:
        """One row per forum category: groups, share, stakeholders at N."""
        table = self.summary(n_stakeholders)
        order = list(self.categories)
        out = (
            table.groupby("category", sort=False)
            .agg(groups=("group", "count"), share=("share", "sum"), n=("n", "sum"))
            .reindex(order)
            .reset_index()
        )
        known = {c.name for c in DEFAULT_CATEGORIES}
        out["new"] = [c not in known for c in out["category"]]
        return out


# --------------------------------------------------------------------------- finding a map


def packaged_maps_dir() -> Path:
    """The stakeholder maps shipped with the package (``msisim/configs/maps``)."""
    return Path(str(resources.files("msisim") / "configs" / "maps"))


def _map_folders(config_dirs: Iterable[str | Path]) -> list[Path]:
    folders = [Path(d) / "maps" for d in config_dirs]
    packaged = packaged_maps_dir()
    return [*(f for f in folders if f != packaged), packaged]


def map_names(config_dirs: Iterable[str | Path] = ()) -> list[str]:
    """Names of the maps in ``maps/`` of the config folders and of the package."""
    return sorted(
        {
            p.stem
            for folder in _map_folders(config_dirs)
            if folder.is_dir()
            for p in folder.iterdir()
            if p.suffix in SUFFIXES
        }
    )


def resolve_map_path(
    source: str | Path,
    *,
    config_dirs: Iterable[str | Path] = (),
    base_dirs: Iterable[str | Path] = (),
) -> Path:
    """The file a map reference names.

    Args:
        source: A path with suffix ``.csv``, ``.yaml`` or ``.yml``, or a map's name (no
            suffix, no folder): ``maps/NAME.*`` in ``config_dirs``, then the package's maps.
        config_dirs: Config folders whose ``maps/`` subfolder holds named maps.
        base_dirs: Folders a relative path is tried against before the current folder.

    Raises:
        ValueError: An unknown name (with the valid names), a wrong suffix, or no such file.
    """
    text = str(source).strip()
    if not text:
        raise ValueError("stakeholder map: empty name; give a file (.csv, .yaml) or a map name")
    path = Path(text).expanduser()
    config_dirs = list(config_dirs)
    if not path.suffix and len(path.parts) == 1:
        for folder in _map_folders(config_dirs):
            for suffix in SUFFIXES:
                if (folder / f"{text}{suffix}").is_file():
                    return folder / f"{text}{suffix}"
        names = map_names(config_dirs)
        raise ValueError(
            f"unknown stakeholder map {text!r}{did_you_mean(text, names)}; shipped and "
            f"configured maps: {', '.join(names) or 'none'} (or give a .csv or .yaml file)"
        )
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(
            f"stakeholder map {text}: unsupported file type {path.suffix or '(none)'!r}; "
            "use .csv, .yaml or .yml"
        )
    if path.is_absolute():
        tried = [path]
    else:
        tried = [Path(b) / path for b in base_dirs] + [Path.cwd() / path]
    for candidate in tried:
        if candidate.exists():  # reading says what is wrong with a folder or a locked file
            return candidate
    where = ", ".join(str(c.parent) for c in tried)
    raise ValueError(f"stakeholder map {text}: no such file (looked in {where})")


def load_stakeholder_map(
    source: str | Path | StakeholderMap,
    *,
    config_dirs: Iterable[str | Path] = (),
    base_dirs: Iterable[str | Path] = (),
) -> StakeholderMap:
    """Read and validate a stakeholder map from a file or a shipped map's name.

    Args:
        source: A path, a map's name (see :func:`resolve_map_path`) or a loaded map.
        config_dirs: Config folders whose ``maps/`` subfolder holds named maps.
        base_dirs: Folders a relative path is tried against before the current folder.

    Returns:
        The validated map (warnings are logged and kept in ``notes``).

    Raises:
        ValueError: One line naming the file, row and column of what is wrong; a file that
            is not a regular file (a FIFO, a device) or is larger than
            :data:`msisim.user_files.MAX_CONFIG_BYTES` is refused before it is read.
    """
    if isinstance(source, StakeholderMap):
        return source
    from msisim.user_files import read_user_file

    path = resolve_map_path(source, config_dirs=config_dirs, base_dirs=base_dirs)
    try:  # a regular file of bounded size: a FIFO or a link to a device is refused, not read
        text = read_user_file(path, "stakeholder map", encoding="utf-8-sig")
    except ValueError as err:
        raise ValueError(f"cannot read {err}") from None
    label = str(source) if not Path(str(source)).suffix else str(path)
    if path.suffix.lower() == ".csv":
        rows, columns = _csv_rows(text, label)
    else:
        rows, columns = _yaml_rows(text, label)
    row_word = "row" if path.suffix.lower() == ".csv" else "entry"
    return parse_stakeholder_map(rows, columns, source=label, row_word=row_word)


def _csv_rows(text: str, label: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise ValueError(
            f"{label}: the file is empty; expected a header row "
            f"({', '.join(REQUIRED_COLUMNS)}, ...) and one row per group"
        )
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue  # blank lines and comments
        if header is None:
            header = [c.strip() for c in cells]
            continue
        if len(cells) > len(header):
            raise ValueError(
                f"{label}, row {line}: {len(cells)} cells but the header has {len(header)} "
                "columns (a comma inside a name? quote it)"
            )
        rows.append((line, dict(zip(header, (c.strip() for c in cells), strict=False))))
    if header is None:  # pragma: no cover - the caller refuses an empty file first
        raise ValueError(f"{label}: no header row")
    return rows, header


def _yaml_rows(text: str, label: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    import yaml

    from msisim.user_files import MAX_YAML_DEPTH

    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            depth += isinstance(event, yaml.CollectionStartEvent)
            depth -= isinstance(event, yaml.CollectionEndEvent)
            if depth > MAX_YAML_DEPTH:  # composing it would exhaust Python's stack
                raise ValueError(
                    f"{label}, line {event.start_mark.line + 1}: nested more than "
                    f"{MAX_YAML_DEPTH} levels deep; a map is a list of groups"
                )
            if isinstance(event, yaml.AliasEvent):
                raise ValueError(
                    f"{label}, line {event.start_mark.line + 1}: YAML alias refused; write the "
                    "value out"
                )
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"{label}: malformed YAML: {first}") from None
    if data is None:
        raise ValueError(f"{label}: the file is empty; expected a list of groups")
    if isinstance(data, Mapping):
        if set(data) != {"groups"}:
            raise ValueError(
                f"{label}: expected a list of groups, or a mapping with the one key 'groups'"
            )
        data = data["groups"]
    if not isinstance(data, list) or not data:
        raise ValueError(f"{label}: expected a non-empty list of groups (one mapping each)")
    rows: list[tuple[int, dict[str, Any]]] = []
    columns: list[str] = []
    for i, entry in enumerate(data, start=1):
        if not isinstance(entry, Mapping):
            raise ValueError(f"{label}, entry {i}: expected a mapping of column: value")
        row = {str(k): ("" if v is None else v) for k, v in entry.items()}
        columns += [k for k in row if k not in columns]
        rows.append((i, row))
    return rows, columns


def _unique_key_loader() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        """A SafeLoader that refuses a key given twice in one mapping."""

    def construct_mapping(loader: Any, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (line {key_node.start_mark.line + 1})"
                )
            seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return Loader


class _LazyLoader:
    """Builds the YAML loader class on first use (nothing happens at import time)."""

    cls: type | None = None

    def __call__(self, stream: Any) -> Any:
        if self.cls is None:
            self.cls = _unique_key_loader()
        return self.cls(stream)


_UniqueKeyLoader = _LazyLoader()


# --------------------------------------------------------------------------- validation


def parse_stakeholder_map(
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    columns: Sequence[str],
    *,
    source: str = "stakeholder map",
    row_word: str = "row",
) -> StakeholderMap:
    """Validate rows of a map (``(row number, {column: cell})``) into a :class:`StakeholderMap`.

    ``row_word`` names a row in errors (``row`` for a CSV line, ``entry`` for a YAML list item).

    Raises:
        ValueError: One line naming ``source``, the row and the column of the first problem.
    """
    seen_columns: set[str] = set()
    for column in columns:
        if column in seen_columns:
            raise ValueError(f"{source}: column {column!r} appears twice in the header")
        seen_columns.add(column)
        if column not in COLUMNS:
            raise ValueError(
                f"{source}: unknown column {column!r}{did_you_mean(column, COLUMNS)}; "
                f"columns are {', '.join(REQUIRED_COLUMNS)} (required) and "
                f"x, y, x3..x{MAX_DIMS}, spread, resources, affectedness, engagement, "
                "uncertainty"
            )
    for column in REQUIRED_COLUMNS:
        if column not in seen_columns:
            raise ValueError(
                f"{source}: missing required column {column!r} "
                f"(required: {', '.join(REQUIRED_COLUMNS)})"
            )
    if not rows:
        raise ValueError(f"{source}: the file has a header but no groups")
    groups: list[MapGroup] = []
    first_row: dict[str, int] = {}
    notes: list[str] = []
    known = [c.name for c in DEFAULT_CATEGORIES]
    for number, row in rows:
        cell = _Cells(source, f"{row_word} {number}", row)
        name = cell.text("group")
        if name in first_row:
            raise ValueError(
                f"{cell.where('group')}: duplicate group {name!r} (first on {row_word} "
                f"{first_row[name]}); group names must be unique"
            )
        first_row[name] = number
        cell.label = name
        category = cell.text("category")
        if not category.isidentifier() or category == "all":
            raise ValueError(
                f"{cell.where('category')}: {category!r} is not a category name; use one of "
                f"{', '.join(known)} or a new name in letters, digits and _ (not 'all')"
            )
        if category not in known:
            hint = did_you_mean(category, known)
            note = f"category {category!r} (group {name!r}) is new{hint}"
            if note not in notes:
                notes.append(note)
        size = cell.number("size", required=True)
        if size is None or size <= 0:
            raise ValueError(f"{cell.where('size')}: {size:g} must be positive")
        position = tuple(cell.number(c, 0.0, 1.0) for c in POSITION_COLUMNS)
        last = max((k + 1 for k, v in enumerate(position) if v is not None), default=0)
        groups.append(
            MapGroup(
                name=name,
                category=category,
                size=size,
                power=_required(cell.number("power", 0.0, 1.0, required=True)),
                interest=_required(cell.number("interest", 0.0, 1.0, required=True)),
                position=position[:last],
                spread=cell.number("spread", 0.0, 1.0),
                resources=cell.number("resources", 0.0, math.exp(10), lo_open=True),
                affectedness=cell.number("affectedness", 0.0, 1.0),
                engagement=cell.number("engagement", 0.0, 1.0),
                uncertainty=cell.number("uncertainty", 0.0, MAX_UNCERTAINTY),
                row=number,
            )
        )
    smap = StakeholderMap(tuple(groups), source, ())
    if not smap.sizes_are_counts:
        total = sum(g.size for g in groups)
        if abs(total - 1.0) > SHARE_TOLERANCE + 1e-9:
            percent = " (percentages? divide by 100)" if abs(total - 100) <= 1 else ""
            raise ValueError(
                f"{source}, column 'size': the sizes are shares (not all whole numbers) but sum "
                f"to {total:g}{percent}; make them sum to 1, or give head counts"
            )
        if abs(total - 1.0) > 1e-9:
            notes.append(f"shares sum to {total:g}; normalised to 1")
    for note in notes:
        logger.warning("%s: %s", source, note)
    return StakeholderMap(tuple(groups), source, tuple(notes))


def _required(value: float | None) -> float:
    if value is None:  # pragma: no cover - required cells are checked when read
        raise ValueError("a required cell is empty")
    return value


class _Cells:
    """Reads the cells of one row, with errors that name the row and the column."""

    def __init__(self, source: str, row_name: str, row: Mapping[str, Any]) -> None:
        self.source, self.row_name, self.row = source, row_name, row
        self.label = ""

    def where(self, column: str) -> str:
        named = f" (group {self.label!r})" if self.label else ""
        return f"{self.source}, {self.row_name}{named}, column {column!r}"

    def _raw(self, column: str) -> Any:
        value = self.row.get(column, "")
        return value.strip() if isinstance(value, str) else value

    def text(self, column: str) -> str:
        value = self._raw(column)
        if value == "" or value is None:
            raise ValueError(f"{self.where(column)}: empty; every group needs a {column}")
        if not isinstance(value, str):
            value = str(value)
        control = next((ch for ch in value if unicodedata.category(ch) == "Cc"), None)
        if control is not None:  # a NUL, a line break or an escape code: never meant
            raise ValueError(
                f"{self.where(column)}: {value!r} holds the control character {control!r}; "
                f"a {column} is printable text"
            )
        return value

    def number(
        self,
        column: str,
        lo: float = -math.inf,
        hi: float = math.inf,
        *,
        required: bool = False,
        lo_open: bool = False,
    ) -> float | None:
        value = self._raw(column)
        if value == "" or value is None:
            if required:
                raise ValueError(f"{self.where(column)}: empty; every group needs a {column}")
            return None
        if isinstance(value, bool):
            raise ValueError(f"{self.where(column)}: {value!r} is not a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.where(column)}: {value!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"{self.where(column)}: {value!r} is not a finite number")
        too_low = number <= lo if lo_open else number < lo
        if too_low or number > hi:
            left = "(" if lo_open else "["
            bounds = f"{left}{lo:g}, {hi:g}]" if math.isfinite(hi) else f"> {lo:g}"
            raise ValueError(f"{self.where(column)}: {number:g} is outside {bounds}")
        return number
