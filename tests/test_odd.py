"""The ODD document (docs/ODD.md) stays in step with the code.

The parameter table must list every field of the four parameter groups exactly once, with
the group it belongs to and the default the dataclass uses (as ``repr`` renders it); the
default category table must match ``DEFAULT_CATEGORIES``; the seven ODD elements and the
eleven design concepts must be present; every metric the model reports must be documented.
"""

import ast
import dataclasses
import itertools
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from msisim import odd
from msisim.counterfactual import effective
from msisim.outcomes import OUTCOMES
from msisim.params import (
    DEFAULT_CATEGORIES,
    FIELD_GROUP,
    MAX_STAKEHOLDERS,
    PARAMETER_GROUPS,
    CategorySpec,
    Lobby,
    Params,
    PopulationParams,
    Shock,
    SimulationParams,
    parameter_table,
)
from msisim.rules.decision import DECISION_RULES
from msisim.rules.deliberation import DELIBERATION_FORMATS
from msisim.rules.lobbying import STRATEGIES
from msisim.rules.membership import MEMBERSHIP_RULES, SEAT_ALLOCATIONS, SELECTION_RULES
from msisim.study.checks import check_run_params

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


# --------------------------------------------------------------------------- generated table


def test_parameter_table_is_the_generated_one(text: str) -> None:
    expected = odd.replace_table(text, odd.render_table())
    if expected != text:
        old, new = text.splitlines(), expected.splitlines()
        first = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
            min(len(old), len(new)),
        )
        shown = new[first] if first < len(new) else "<end of file>"
        pytest.fail(
            f"docs/ODD.md's parameter table differs from the declarations (line {first + 1} "
            f"should read {shown!r}); regenerate it with `PYTHONPATH=src python -m msisim.odd "
            "--write`",
            pytrace=False,
        )


def test_replace_table_refuses_missing_markers() -> None:
    with pytest.raises(ValueError, match="exactly one line"):
        odd.replace_table("no markers here\n", "| table |\n")
    once = f"{odd.BEGIN}\nold\n{odd.END}\n"
    assert odd.replace_table(once, "new\n") == f"{odd.BEGIN}\nnew\n{odd.END}\n"


def test_check_mode_reports_a_stale_table(tmp_path: Path, capsys) -> None:
    stale = tmp_path / "ODD.md"
    stale.write_text(f"# ODD\n{odd.BEGIN}\n| old |\n{odd.END}\n", encoding="utf-8")
    assert odd.main(["--check", "--path", str(stale)]) == 1
    assert "python -m msisim.odd --write" in capsys.readouterr().err
    assert odd.main(["--write", "--path", str(stale)]) == 0
    assert odd.main(["--check", "--path", str(stale)]) == 0
    assert odd.render_table() in stale.read_text(encoding="utf-8")


def _build(name: str, value: object) -> object:
    """The field's own validator (converters included; cross-field checks are notes)."""
    return dict(_specs())[name].validate(name, value)


def _probes(b: odd.Bounds) -> tuple[list[object], list[object]]:
    """Values the documented bounds accept and values they refuse."""
    ok: list[object] = []
    bad: list[object] = []
    if b.integer:
        lo, hi = int(b.lo), None if b.hi is None else int(b.hi)
        ok.append(lo)
        bad.append(lo - 1)
        if hi is None:
            ok.append(lo + 10**9)
        else:
            ok.append(hi)
            bad.append(hi + 1)
        return ok, bad
    if math.isfinite(b.lo):
        (bad if b.lo_open else ok).append(float(b.lo))
        bad.append(float(np.nextafter(b.lo, -np.inf)))
        ok.append(float(np.nextafter(b.lo, np.inf)))
    if b.hi is not None:
        (bad if b.hi_open else ok).append(float(b.hi))
        bad.append(float(np.nextafter(b.hi, np.inf)))
        ok.append(float(np.nextafter(b.hi, -np.inf)))
    return ok, bad


NUMERIC = [row["name"] for row in parameter_table() if odd.bounds(row["name"]) is not None]


@pytest.mark.parametrize("name", NUMERIC)
def test_documented_bounds_are_the_validated_bounds(name: str) -> None:
    bounds = odd.bounds(name)
    assert bounds is not None
    accepted, refused = _probes(bounds)
    for value in accepted:
        try:
            _build(name, value)
        except ValueError as err:
            pytest.fail(f"the ODD allows {name}={value!r} ({odd.allowed(name)}), but: {err}")
    for value in refused:
        with pytest.raises(ValueError, match=name):
            _build(name, value)
            pytest.fail(f"the ODD refuses {name}={value!r} ({odd.allowed(name)}), the code not")


def test_the_stakeholder_cap_is_documented(text: str) -> None:
    row = documented(table_after(text, "Parameter table"))["n_stakeholders"][0]
    bounds = odd.bounds("n_stakeholders")
    assert bounds is not None and bounds.hi == MAX_STAKEHOLDERS, bounds
    assert row[3] == odd.allowed("n_stakeholders"), row
    default = PopulationParams().n_stakeholders
    entity = (
        f"`n_stakeholders` (default {default:,}; accepted up to {odd.number(MAX_STAKEHOLDERS)}, "
    )
    assert entity in text, f"the ODD's entity table (2.1) should say: {entity}..."


#: Alternative values of parameters a converter checks. Not probed: the population tables
#: and ``n_dims`` (other fields must change with them) and ``seats_per_category`` (it needs
#: an explicit allocation); none of them is rule-specific.
ALTERNATIVES: dict[str, object] = {
    "participation_support": (("grassroots", 0.3),),
    "party_discipline": ("majority",),
    "shocks": (Shock(5, "all", (0.1, 0.0)),),
    "lobbies": (Lobby("civil", (0.1, 0.9), 1.0),),
    "lobby_ideal": (0.8, 0.2),
    "selector_capture": 0.5,
    "selector_tie_cost": 30.0,
    "n_stakeholders": 1200,
}
AXES = ("membership", "decision_rule")
NOT_PROBED = ("categories", "groups", "n_dims", "seats_per_category")


def alternative(name: str) -> object:
    """A valid value other than the default."""
    if name in ALTERNATIVES:
        return ALTERNATIVES[name]
    default = next(row["default"] for row in parameter_table() if row["name"] == name)
    spec = dict(_specs())[name]
    if spec.kind == "choice":
        return next(c for c in spec.choice_names() if c != default and c != "explicit")
    if spec.kind == "bool":
        return not default
    b = odd.bounds(name)
    assert b is not None, f"no alternative value for {name}: add it to ALTERNATIVES"
    step = 1 if b.integer else 0.05
    up = default + step
    return up if b.hi is None or up < b.hi else default - step


def _specs():
    return [
        (f.name, f.metadata["spec"])
        for cls in PARAMETER_GROUPS.values()
        for f in dataclasses.fields(cls)
    ]


#: Every design and context field, rule-specific or not (population and simulation fields
#: are never rule-specific: see test_population_and_simulation_are_read_by_every_rule).
PROBED = [
    row["name"]
    for row in parameter_table()
    if row["group"] in ("design", "context") and row["name"] not in AXES + NOT_PROBED
]
FORUM_RULES = list(DECISION_RULES)


def test_read_only_when_matches_counterfactual_effective() -> None:
    wrong = []
    for membership, decision, budget in itertools.product(
        MEMBERSHIP_RULES, FORUM_RULES, (0.0, 1.0)
    ):
        base = {"membership": membership, "decision_rule": decision, "lobby_budget": budget}
        for name in PROBED:
            value = alternative(name)
            params = Params.from_flat(**{**base, name: value})
            kept = getattr(getattr(effective(params), FIELD_GROUP[name]), name) == value
            when = odd.conditions(name)
            read = (
                (when.membership is None or membership in when.membership)
                and (when.decision_rule is None or decision in when.decision_rule)
                and (not when.lobby_acts or params.context.lobby_acts)
            )
            if kept != read:
                wrong.append(
                    f"{name} under membership={membership}, decision_rule={decision}, "
                    f"lobby_budget={budget:g}: the ODD says {'read' if read else 'not read'} "
                    f"({when.render()}), counterfactual.effective() "
                    f"{'keeps' if kept else 'resets'} it"
                )
    assert not wrong, "\n".join(wrong[:10])


def test_population_and_simulation_are_read_by_every_rule() -> None:
    names = [
        row["name"] for row in parameter_table() if row["group"] in ("population", "simulation")
    ]
    conditional = [name for name in names if odd.conditions(name) != odd.Conditions()]
    assert not conditional, f"the ODD reads these only under some rules: {conditional}"
    lean = effective(Params.from_flat(membership="plenary", decision_rule="majority"))
    assert lean.population == PopulationParams() and lean.simulation == SimulationParams()


def test_check_run_params_warns_about_rule_specific_parameters_not_read() -> None:
    rule_specific = [
        name
        for name in PROBED
        if name not in odd.OPEN_ROUND_FIELDS
        and (odd.conditions(name).membership or odd.conditions(name).decision_rule)
    ]
    assert "n_seats" in rule_specific and "support_radius" in rule_specific
    for membership, decision in itertools.product(MEMBERSHIP_RULES, FORUM_RULES):
        for name in rule_specific:
            params = Params.from_flat(
                membership=membership, decision_rule=decision, **{name: alternative(name)}
            )
            when = odd.conditions(name)
            read = (when.membership is None or membership in when.membership) and (
                when.decision_rule is None or decision in when.decision_rule
            )
            warned = any(
                note.startswith(f"{name} has no effect") for note in check_run_params(params)
            )
            assert warned != read, (
                f"{name} under membership={membership}, decision_rule={decision}: the ODD says "
                f"it is {'read' if read else 'not read'}, check_run_params "
                f"{'warns' if warned else 'does not warn'}"
            )


# --------------------------------------------------------------------------- external spec

SPEC_NAME = "MODEL" + ".md"  # spelt apart so that this file does not mention it


def tracked_files(root: Path) -> list[Path]:
    """Files git tracks or would track (untracked but not ignored), else every file."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "__pycache__", "node_modules"}
        return [
            p for p in root.rglob("*") if p.is_file() and not skip & set(p.relative_to(root).parts)
        ]
    return [root / name for name in listing.decode().split("\0") if name]


def test_no_file_cites_the_external_spec() -> None:
    root = ODD.parents[1]
    citing = [
        str(path.relative_to(root))
        for path in tracked_files(root)
        if path.is_file() and SPEC_NAME.encode() in path.read_bytes()
    ]
    assert not citing, (
        f"{SPEC_NAME} is not part of the repository; cite the matching section of docs/ODD.md "
        f"instead in: {', '.join(sorted(citing))}"
    )
