"""The ODD document (docs/ODD.md) stays in step with the code.

The parameter table must list every field of the four parameter groups exactly once, with
the group it belongs to and the default the dataclass uses (as ``repr`` renders it); the
default category table must match ``DEFAULT_CATEGORIES``; the seven ODD elements and the
eleven design concepts must be present; every metric the model reports must be documented.
"""

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from msisim.outcomes import OUTCOMES
from msisim.params import (
    DEFAULT_CATEGORIES,
    PARAMETER_GROUPS,
    CategorySpec,
    Shock,
)
from msisim.rules.decision import DECISION_RULES
from msisim.rules.deliberation import DELIBERATION_FORMATS
from msisim.rules.lobbying import STRATEGIES
from msisim.rules.membership import MEMBERSHIP_RULES, SEAT_ALLOCATIONS, SELECTION_RULES

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"

ODD_ELEMENTS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
)

DESIGN_CONCEPTS = (
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
)

SUMMARY_ONLY = ("adaptation_lag", "adaptation_censored", "governance_index", "steps")

CATEGORY_COLUMNS = (
    "category",
    "share",
    "position mean",
    "spread",
    "resources mu",
    "resources sigma",
    "affectedness",
    "engagement",
    "distribution",
)


@pytest.fixture(scope="module")
def text() -> str:
    assert ODD.is_file(), f"the ODD document should exist at {ODD}"
    return ODD.read_text(encoding="utf-8")


def headings(text: str) -> list[str]:
    """Markdown heading lines, outside fenced code blocks."""
    found, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif line.startswith("#") and not fenced:
            found.append(line)
    return found


def cells(line: str) -> list[str]:
    """Cells of a Markdown table row, split on unescaped pipes (GFM allows ``\\|`` in cells)."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def table_after(text: str, heading: str) -> list[list[str]]:
    """Rows (cells stripped, header and separator dropped) of the first table after a heading.

    The table must come before the next heading; ``heading`` is matched as the whole
    heading text after the ``#`` marks.
    """
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.lstrip("#").strip() == heading]
    assert len(starts) == 1, f"ODD.md should have exactly one heading {heading!r}"
    rows: list[list[str]] = []
    for line in lines[starts[0] + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append(cells(line))
        elif rows:
            break
    assert len(rows) >= 2, f"a table should follow the heading {heading!r}"
    return rows[2:]  # drop the header and the |---| separator


def code_span(cell: str) -> str | None:
    """The first `code span` of a cell, or None."""
    match = re.search(r"`([^`]*)`", cell)
    return match.group(1) if match else None


def dataclass_default(field: dataclasses.Field) -> object:
    if field.default is not dataclasses.MISSING:
        return field.default
    assert field.default_factory is not dataclasses.MISSING, f"{field.name} has no default"
    return field.default_factory()


@pytest.fixture(scope="module")
def parameter_rows(text: str) -> list[list[str]]:
    return table_after(text, "Parameter table")


def documented(parameter_rows: list[list[str]]) -> dict[str, list[list[str]]]:
    by_name: dict[str, list[list[str]]] = {}
    for row in parameter_rows:
        name = code_span(row[0])
        assert name is not None, f"parameter table rows should start with `name`: {row}"
        by_name.setdefault(name, []).append(row)
    return by_name


def all_fields() -> list[tuple[str, dataclasses.Field]]:
    """Every parameter of every model kind, once (a name two kinds share: the forum's group)."""
    out: dict[str, tuple[str, dataclasses.Field]] = {}
    for group, cls in PARAMETER_GROUPS.items():
        for f in dataclasses.fields(cls):
            out.setdefault(f.name, (group, f))
    return list(out.values())


def test_odd_has_the_seven_elements_in_order(text: str) -> None:
    found = headings(text)
    positions = []
    for number, title in enumerate(ODD_ELEMENTS, start=1):
        matches = [i for i, h in enumerate(found) if h.startswith("## ") and title in h]
        assert len(matches) == 1, (
            f"ODD.md should have one '## {number}. {title}' heading (Grimm et al. 2020 element "
            f"{number}); found {len(matches)}"
        )
        positions.append(matches[0])
    assert positions == sorted(positions), "the seven ODD elements should appear in ODD order"


def test_odd_has_the_eleven_design_concepts(text: str) -> None:
    found = headings(text)
    missing = [c for c in DESIGN_CONCEPTS if not any(h.startswith("###") and c in h for h in found)]
    assert not missing, f"ODD.md should have a sub-heading for every design concept: {missing}"


def test_every_parameter_is_documented_exactly_once(parameter_rows) -> None:
    by_name = documented(parameter_rows)
    for group, field in all_fields():
        count = len(by_name.get(field.name, []))
        assert count == 1, (
            f"parameter {field.name!r} ({group}) should appear exactly once in the ODD "
            f"parameter table, found {count} times"
        )


def test_no_documented_parameter_is_unknown(parameter_rows) -> None:
    known = {f.name for _, f in all_fields()}
    unknown = sorted(set(documented(parameter_rows)) - known)
    assert not unknown, (
        f"the ODD parameter table should list only fields of {', '.join(PARAMETER_GROUPS)} "
        f"parameter groups; unknown: {unknown}"
    )


def test_documented_group_matches_the_dataclass(parameter_rows) -> None:
    for name, rows in documented(parameter_rows).items():
        owner = {f.name: group for group, f in all_fields()}
        if name in owner:
            assert rows[0][1] == owner[name], (
                f"parameter {name!r} should be documented in group {owner[name]!r}, "
                f"not {rows[0][1]!r}"
            )


def test_documented_defaults_equal_the_dataclass_defaults(parameter_rows) -> None:
    by_name = documented(parameter_rows)
    for _, field in all_fields():
        if field.name not in by_name:
            continue  # reported by test_every_parameter_is_documented_exactly_once
        row = by_name[field.name][0]
        shown = code_span(row[2])
        default = dataclass_default(field)
        if default is DEFAULT_CATEGORIES:
            # the categories default is the table checked in test_default_category_table...
            expected = "DEFAULT_CATEGORIES"
        else:
            expected = repr(default)
        assert shown == expected, (
            f"the ODD should give the default of {field.name!r} as `{expected}` "
            f"(repr of the dataclass default), not {row[2]!r}"
        )


def test_default_category_table_matches_default_categories(text: str) -> None:
    rows = table_after(text, "Default category table")
    header_line = next(
        line for line in text.splitlines() if line.startswith("| category | share |")
    )
    header = tuple(cells(header_line))
    assert header == CATEGORY_COLUMNS, f"category table columns should be {CATEGORY_COLUMNS}"
    assert len(rows) == len(DEFAULT_CATEGORIES), (
        f"the category table should have one row per default category "
        f"({len(DEFAULT_CATEGORIES)}), found {len(rows)}"
    )
    for row, spec in zip(rows, DEFAULT_CATEGORIES, strict=True):
        name = code_span(row[0]) or row[0]
        documented_spec = CategorySpec(
            name=name,
            share=float(row[1]),
            position_mean=tuple(ast.literal_eval(row[2])),
            spread=float(row[3]),
            resources_mu=float(row[4]),
            resources_sigma=float(row[5]),
            affectedness=float(row[6]),
            engagement=float(row[7]),
            distribution=code_span(row[8]) or row[8],
        )
        assert documented_spec == spec, (
            f"the ODD category row {row} should equal DEFAULT_CATEGORIES entry {spec}"
        )


def test_category_and_shock_fields_are_documented(text: str) -> None:
    for cls in (CategorySpec, Shock):
        missing = [f.name for f in dataclasses.fields(cls) if f"`{f.name}`" not in text]
        assert not missing, f"ODD.md should document every {cls.__name__} field: {missing}"


def documented_names(o) -> list[str]:
    """How the ODD names an outcome: its column and summary key, or its family pattern."""
    if o.family == "category":
        return [f"{o.name}_<category>"]
    if o.family == "dimension":
        return [f"{o.name}_<j>"]
    return sorted({o.name, o.key})


def test_every_declared_outcome_is_documented(text: str) -> None:
    names = [name for o in OUTCOMES.values() for name in documented_names(o)]
    missing = [name for name in names if f"`{name}`" not in text]
    assert not missing, f"ODD.md should document every declared outcome: {missing}"


@pytest.mark.parametrize(
    "registry",
    [
        MEMBERSHIP_RULES,
        SEAT_ALLOCATIONS,
        SELECTION_RULES,
        DECISION_RULES,
        STRATEGIES,
        DELIBERATION_FORMATS,
    ],
    ids=lambda r: r.kind,
)  # fmt: skip
def test_every_registered_rule_is_documented(text: str, registry) -> None:
    missing = [name for name in registry if f"`{name}`" not in text]
    assert not missing, f"ODD.md should document every registered {registry.kind}: {missing}"


def test_summary_and_pattern_metrics_are_documented(text: str) -> None:
    names = [*SUMMARY_ONLY, "representation_<category>", "policy_<j>"]
    missing = [name for name in names if f"`{name}`" not in text]
    assert not missing, f"ODD.md should document the summary and per-category metrics: {missing}"
