"""Stakeholder maps: the format, the mapping to the model, and one-line errors for bad files.

A map is a table of stakeholder groups (docs/ODD.md §6). These tests check that every bad
file gets one line naming the row and the column, that a model built from a map has the
map's shares, that the mapping from power and interest gives the documented values (and
that a given column overrides it), and that studies and the ``msisim map`` command use maps.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from msisim import GovernanceModel
from msisim.apportionment import largest_remainder
from msisim.cli import EXIT_BAD_INPUT, load_experiment, main
from msisim.params import DEFAULT_CATEGORIES, GroupSpec, PopulationParams
from msisim.population import build_population
from msisim.reference import ReferenceModel
from msisim.stakeholder_map import (
    QUADRANTS,
    RESOURCES_SIGMA,
    derived_engagement,
    derived_resources_mu,
    load_stakeholder_map,
    map_names,
    packaged_maps_dir,
    quadrant,
)
from msisim.study.spec import ExperimentSpec

HEADER = "group,category,size,power,interest,x,y\n"
GOOD_ROWS = (
    "Ministry,government,20,0.9,0.6,0.5,0.5\n"
    "Firms,business,30,0.8,0.7,0.8,0.2\n"
    "Villages,grassroots,50,0.1,0.9,0.2,0.8\n"
)


def write(tmp_path: Path, text: str, name: str = "forum.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | str) -> str:
    with pytest.raises(ValueError) as info:
        load_stakeholder_map(path)
    message = str(info.value)
    assert "\n" not in message, f"a bad map gets a one-line error, got {message!r}"
    return message


# --------------------------------------------------------------------------- bad files

#: (case, file text, what the one-line error must say). Row numbers are file lines: the
#: header is row 1.
BAD_CSV = [
    ("missing required column", "group,category,size,power\nA,business,1,0.5\n",
     ["missing required column 'interest'"]),
    ("unknown column with did-you-mean", "group,category,size,power,intrest\nA,business,1,.5,.5\n",
     ["unknown column 'intrest'", "did you mean 'interest'"]),
    ("non-numeric value", HEADER + "A,business,10,high,0.5,,\n",
     ["row 2", "group 'A'", "column 'power'", "'high' is not a number"]),
    ("power above 1", HEADER + GOOD_ROWS + "B,academia,5,1.4,0.5,,\n",
     ["row 5", "column 'power'", "1.4 is outside [0, 1]"]),
    ("interest below 0", HEADER + "A,business,10,0.5,-0.1,,\n",
     ["row 2", "column 'interest'", "outside [0, 1]"]),
    ("negative size", HEADER + "A,business,-3,0.5,0.5,,\n",
     ["row 2", "column 'size'", "-3 must be positive"]),
    ("zero size", HEADER + "A,business,0,0.5,0.5,,\n",
     ["row 2", "column 'size'", "0 must be positive"]),
    ("duplicate group", HEADER + GOOD_ROWS + "Firms,business,5,0.5,0.5,,\n",
     ["row 5", "column 'group'", "duplicate group 'Firms'", "first on row 3"]),
    ("empty file", "", ["the file is empty"]),
    ("only comments", "# nothing here\n\n", ["the file is empty"]),
    ("header without rows", HEADER, ["a header but no groups"]),
    ("shares not summing", HEADER + "A,business,0.5,0.5,0.5,,\nB,academia,0.3,0.5,0.5,,\n",
     ["column 'size'", "shares", "sum to 0.8"]),
    ("percentages", HEADER + "A,business,60.5,0.5,0.5,,\nB,academia,39.5,0.5,0.5,,\n",
     ["column 'size'", "sum to 100", "percentages"]),
    ("x above 1", HEADER + "A,business,10,0.5,0.5,1.2,0.3\n",
     ["row 2", "column 'x'", "1.2 is outside [0, 1]"]),
    ("y below 0", HEADER + "A,business,10,0.5,0.5,0.3,-0.5\n",
     ["row 2", "column 'y'", "outside [0, 1]"]),
    ("empty required cell", HEADER + "A,,10,0.5,0.5,,\n",
     ["row 2", "column 'category'", "empty"]),
    ("bad category name", HEADER + "A,civil society,10,0.5,0.5,,\n",
     ["row 2", "column 'category'", "not a category name"]),
    ("reserved category", HEADER + "A,all,10,0.5,0.5,,\n",
     ["row 2", "column 'category'", "not 'all'"]),
    ("not finite", HEADER + "A,business,10,nan,0.5,,\n",
     ["row 2", "column 'power'", "not a finite number"]),
    ("more cells than columns", HEADER + "A,business,10,0.5,0.5,0.1,0.2,0.3\n",
     ["row 2", "8 cells", "7 columns"]),
    ("duplicate column", "group,category,size,power,interest,power\nA,business,1,.5,.5,.5\n",
     ["column 'power' appears twice"]),
    ("engagement above 1", "group,category,size,power,interest,engagement\nA,business,1,.5,.5,2\n",
     ["row 2", "column 'engagement'", "outside [0, 1]"]),
    ("resources not positive",
     "group,category,size,power,interest,resources\nA,business,1,.5,.5,0\n",
     ["row 2", "column 'resources'", "outside (0,"]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "expected"), BAD_CSV, ids=[c[0] for c in BAD_CSV])
def test_bad_csv_gets_one_line_naming_row_and_column(
    tmp_path: Path, case: str, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, text)
    message = error_of(path)
    assert str(path) in message, f"{case}: the error should name the file: {message}"
    for part in expected:
        assert part in message, f"{case}: the error should say {part!r}: {message}"


BAD_YAML = [
    ("yaml alias", "- &a {group: A, category: business, size: 1, power: .5, interest: .5}\n- *a\n",
     ["alias"]),
    ("yaml duplicate key", "- {group: A, category: business, size: 1, power: .5, power: .4, "
     "interest: .5}\n", ["duplicate key 'power'"]),
    ("yaml not a list", "group: A\n", ["a list of groups"]),
    ("yaml empty", "", ["the file is empty"]),
    ("yaml malformed", "- {group: A, category: [\n", ["malformed YAML"]),
    ("yaml entry not a mapping", "- just text\n", ["entry 1", "expected a mapping"]),
    ("yaml boolean as number", "- {group: A, category: business, size: 1, power: true, "
     "interest: .5}\n", ["entry 1", "column 'power'", "not a number"]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "expected"), BAD_YAML, ids=[c[0] for c in BAD_YAML])
def test_bad_yaml_gets_one_line(tmp_path: Path, case: str, text: str, expected: list[str]) -> None:
    message = error_of(write(tmp_path, text, "forum.yaml"))
    for part in expected:
        assert part in message, f"{case}: the error should say {part!r}: {message}"


def test_unreadable_file_wrong_extension_missing_file_and_unknown_name(tmp_path: Path) -> None:
    binary = tmp_path / "latin1.csv"
    binary.write_bytes(HEADER.encode() + b"Caf\xe9,business,1,0.5,0.5,,\n")
    assert "cannot read stakeholder map" in error_of(binary), "not UTF-8: cannot read"
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "cannot read stakeholder map" in error_of(folder), "a folder is not a map"
    text = write(tmp_path, HEADER + GOOD_ROWS, "forum.xlsx")
    assert "unsupported file type '.xlsx'" in error_of(text), "only .csv, .yaml, .yml"
    assert "no such file" in error_of(tmp_path / "absent.csv"), "a missing file is named"
    message = error_of("exampel")
    assert "did you mean 'example'" in message and "example" in message, message


# --------------------------------------------------------------------------- good files


def test_csv_and_yaml_give_the_same_map(tmp_path: Path) -> None:
    from_csv = load_stakeholder_map(write(tmp_path, HEADER + GOOD_ROWS))
    yaml_text = "groups:\n" + "".join(
        f"  - {{group: {g}, category: {c}, size: {s}, power: {p}, interest: {i}, x: {x}, y: {y}}}\n"
        for g, c, s, p, i, x, y in (row.split(",") for row in GOOD_ROWS.strip().splitlines())
    )
    from_yaml = load_stakeholder_map(write(tmp_path, yaml_text, "forum.yaml"))
    strip = [dataclasses.replace(g, row=0) for g in from_csv.groups]
    assert strip == [dataclasses.replace(g, row=0) for g in from_yaml.groups], (
        "a YAML map with the same rows should read as the CSV map"
    )


def test_shares_within_tolerance_are_normalised_with_a_note(tmp_path: Path) -> None:
    text = (
        HEADER + "A,business,0.33,0.5,0.5,,\nB,academia,0.33,0.5,0.5,,\nC,grassroots,0.33,.1,.9,,\n"
    )
    smap = load_stakeholder_map(write(tmp_path, text))
    assert not smap.sizes_are_counts and smap.total is None, "fractional sizes are shares"
    assert np.allclose(smap.shares(), 1 / 3), "shares summing to 0.99 are normalised"
    assert any("normalised" in n for n in smap.notes), f"a note says so: {smap.notes}"


def test_a_new_category_is_kept_with_a_note_and_a_hint(tmp_path: Path) -> None:
    text = HEADER + GOOD_ROWS + "Donors,goverment,10,0.7,0.3,,\nPress,media,5,0.5,0.4,,\n"
    smap = load_stakeholder_map(write(tmp_path, text))
    assert smap.categories[-2:] == ("goverment", "media"), (
        "new categories come after the forum's, in order of appearance"
    )
    assert any("did you mean 'government'" in n for n in smap.notes), smap.notes
    model = GovernanceModel(stakeholder_map=smap, n_seats=10, rng=1)
    assert "media" in model.category_names, "a new category is a category of the model"


def test_mapping_from_power_and_interest_has_the_documented_values(tmp_path: Path) -> None:
    text = (
        "group,category,size,power,interest,resources,affectedness,engagement,spread\n"
        "Derived,business,10,0.5,0.25,,,,\n"
        "Given,business,10,0.5,0.25,3.0,0.9,0.2,0.05\n"
    )
    derived, given = load_stakeholder_map(write(tmp_path, text)).to_groups(2)
    assert derived.resources_mu == pytest.approx(-1 + 3 * 0.5), "mu = -1 + 3 power"
    assert derived.resources_sigma == RESOURCES_SIGMA
    assert derived.affectedness == pytest.approx(0.25), "affectedness = interest"
    assert derived.engagement == pytest.approx(0.1 + 0.4 * 0.25 + 0.4 * 0.5), (
        "engagement = 0.1 + 0.4 interest + 0.4 power"
    )
    assert derived.position_mean == DEFAULT_CATEGORIES[2].position_mean, (
        "a business group without x, y stands where the default table puts business"
    )
    assert given.resources_mu == pytest.approx(math.log(3.0)), "resources = exp(mu), as given"
    assert (given.affectedness, given.engagement, given.spread) == (0.9, 0.2, 0.05), (
        "given columns override the mapping row by row"
    )
    assert derived_resources_mu(0) < derived_resources_mu(1), "more power, more resources"
    assert derived_engagement(0, 1) > derived_engagement(0, 0), "more interest, more engagement"


def test_quadrants_are_named_as_on_a_power_interest_grid() -> None:
    assert quadrant(0.9, 0.9) == "manage closely"
    assert quadrant(0.9, 0.1) == "keep satisfied"
    assert quadrant(0.1, 0.9) == "keep informed"
    assert quadrant(0.1, 0.1) == "monitor"
    assert quadrant(0.5, 0.5) == "manage closely", "0.5 counts as high"
    assert set(QUADRANTS.values()) == {"manage closely", "keep satisfied", "keep informed",
                                       "monitor"}  # fmt: skip


# --------------------------------------------------------------------------- the model


def test_a_model_from_the_example_map_has_the_maps_shares() -> None:
    smap = load_stakeholder_map("example")
    model = GovernanceModel(stakeholder_map="example", rng=3)
    sizes = np.array([g.size for g in smap.groups])
    assert model.params.population.n_stakeholders == sizes.sum(), "head counts set N"
    assert np.array_equal(np.bincount(model.stakeholders.group), sizes), (
        "each group has as many stakeholders as its head count"
    )
    for code, name in enumerate(model.category_names):
        expected = sum(g.size for g in smap.groups if g.category == name)
        assert model.population_counts[code] == expected, (
            f"category {name} should hold its groups' head counts ({expected})"
        )
    scaled = GovernanceModel(stakeholder_map="example", n_stakeholders=333, rng=3)
    assert np.array_equal(
        np.bincount(scaled.stakeholders.group), largest_remainder(sizes / sizes.sum(), 333)
    ), "with n_stakeholders given, head counts scale as shares by largest remainder"
    assert model.agents_list[0].group == "National ministry", "agents know their group"


def test_groups_are_drawn_around_their_own_positions() -> None:
    model = GovernanceModel(stakeholder_map="example", n_stakeholders=20_000, rng=5)
    st = model.stakeholders
    for code, spec in enumerate(model.params.population.groups):
        drawn = st.position[st.group == code].mean(axis=0)
        n = int((st.group == code).sum())
        # clipping to [0, 1] moves a mean inward by well under 0.01 at these positions
        tolerance = 4 * spec.spread / math.sqrt(n) + 0.01
        assert np.allclose(drawn, spec.position_mean, atol=tolerance), (
            f"{spec.name}: mean drawn position {drawn} should be near {spec.position_mean}"
        )
        assert np.allclose(st.engagement[st.group == code], spec.engagement), (
            f"{spec.name}: every member starts at the group's engagement"
        )


def test_one_group_per_category_draws_exactly_the_category_population() -> None:
    groups = [
        GroupSpec(c.name.title(), c.name, c.share, c.position_mean, c.spread, c.resources_mu,
                  c.resources_sigma, c.affectedness, c.engagement)
        for c in DEFAULT_CATEGORIES
    ]  # fmt: skip
    plain = build_population(PopulationParams(), np.random.default_rng(11))
    mapped = build_population(PopulationParams(groups=tuple(groups)), np.random.default_rng(11))
    for name in ("category", "position", "resources", "affectedness", "engagement"):
        assert np.array_equal(getattr(plain, name), getattr(mapped, name)), (
            f"{name}: groups identical to the categories should give the same draws"
        )


def test_more_dimensions_from_x3_and_too_few_dimensions_refused(tmp_path: Path) -> None:
    text = "group,category,size,power,interest,x,y,x3\nA,business,10,.5,.5,.2,.3,.9\n"
    smap = load_stakeholder_map(write(tmp_path, text))
    assert smap.n_dims == 3, "an x3 column puts the map in three dimensions"
    model = GovernanceModel(stakeholder_map=smap, n_seats=3, lobby_ideal=(0.9, 0.1, 0.5))
    assert model.params.population.n_dims == 3, "the model takes the map's dimensions"
    with pytest.raises(ValueError, match=r"3 dimensions .* n_dims=2 is too few"):
        GovernanceModel(stakeholder_map=smap, n_dims=2, n_seats=3)


def test_a_map_and_a_category_table_together_are_refused() -> None:
    with pytest.raises(ValueError, match="stakeholder_map sets the population"):
        GovernanceModel(stakeholder_map="example", categories=DEFAULT_CATEGORIES)


def test_the_reference_model_says_it_has_no_groups() -> None:
    with pytest.raises(ValueError, match=r"groups .* not implemented by the reference model"):
        ReferenceModel(stakeholder_map="example")


# --------------------------------------------------------------------------- studies


def study(**extra: object) -> dict[str, object]:
    designs = {"open": {"membership": "open"}, "representative": {"membership": "representative"}}
    return {"name": "forum", "replicates": 1, "steps": 5, "designs": designs, **extra}


def test_a_study_runs_on_a_shipped_map_by_name() -> None:
    spec = ExperimentSpec.from_dict(study(stakeholder_map="example"))
    task = spec.tasks()[0]
    assert task.params["n_stakeholders"] == 1000, "the example's head counts set N"
    assert task.params["groups"][0]["name"] == "National ministry", "groups in map order"
    assert len({t.seed for t in spec.tasks()}) == 1, "designs share seeds on the same map"


def test_a_manifest_round_trip_does_not_reread_the_map(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + GOOD_ROWS)
    spec = ExperimentSpec.from_dict(study(stakeholder_map=str(path)))
    path.unlink()
    again = ExperimentSpec.from_dict(spec.to_dict())
    assert again.tasks() == spec.tasks(), "the manifest carries the map's population"
    assert again.fingerprint() == spec.fingerprint()


def test_a_changed_map_changes_the_studys_runs(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + GOOD_ROWS)
    before = ExperimentSpec.from_dict(study(stakeholder_map=str(path)))
    write(tmp_path, HEADER + GOOD_ROWS.replace("Villages,grassroots,50", "Villages,grassroots,60"))
    after = ExperimentSpec.from_dict(study(stakeholder_map=str(path)))
    assert before.fingerprint() != after.fingerprint(), "a resumed study must not mix maps"
    assert {t.run_id for t in before.tasks()}.isdisjoint(t.run_id for t in after.tasks())


def test_n_stakeholders_in_base_rescales_the_map() -> None:
    spec = ExperimentSpec.from_dict(study(stakeholder_map="example", base={"n_stakeholders": 400}))
    assert spec.tasks()[0].params["n_stakeholders"] == 400, "base overrides the head count"


def test_study_setting_categories_beside_a_map_is_refused() -> None:
    with pytest.raises(ValueError, match="base: categories conflicts with stakeholder_map"):
        ExperimentSpec.from_dict(
            study(stakeholder_map="example", base={"categories": list(DEFAULT_CATEGORIES)})
        )


def test_relative_paths_resolve_against_the_study_folder_then_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "conf"
    (config / "experiment").mkdir(parents=True)
    (config / "maps").mkdir()
    write(config / "experiment", HEADER + GOOD_ROWS, "beside.csv")
    write(config / "maps", HEADER + GOOD_ROWS.replace("20,", "40,", 1), "named.csv")
    cwd = tmp_path / "work"
    cwd.mkdir()
    write(cwd, HEADER + GOOD_ROWS.replace("20,", "80,", 1), "here.csv")
    monkeypatch.chdir(cwd)
    for reference, n in (("beside.csv", 100), ("named", 120), ("here.csv", 160)):
        (config / "experiment" / "mine.yaml").write_text(
            "# @package _global_\ndefaults:\n  - /experiment_schema\n  - _self_\n"
            f"name: mine\nstakeholder_map: {reference}\nreplicates: 1\nsteps: 5\n"
        )
        spec = load_experiment("mine", [], quick=False, config_dir=config)
        assert spec.tasks()[0].params["n_stakeholders"] == n, (
            f"{reference} should resolve to the map with {n} stakeholders"
        )


def test_shipped_maps_ship_in_the_package() -> None:
    assert "example" in map_names(), "the example map is found by name"
    assert (packaged_maps_dir() / "example.csv").is_file()


# --------------------------------------------------------------------------- the command


def test_msisim_map_prints_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "example"]) == 0
    out = capsys.readouterr().out
    for part in ("10 groups in 6 categories", "head counts", "Mining-affected communities",
                 "manage closely", "keep informed", "engagement", "civil_society"):  # fmt: skip
        assert part in out, f"the summary should show {part!r}"


def test_msisim_map_plot_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "figures" / "forum.png"
    assert main(["map", "example", "--plot", str(out)]) == 0
    assert out.is_file() and out.stat().st_size > 10_000, "a non-empty PNG"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "the figure is a PNG"
    assert str(out.resolve()) in capsys.readouterr().out, "the command says where it wrote"


def test_msisim_map_of_a_bad_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, HEADER + "A,business,10,0.5,1.5,,\n")
    assert main(["map", str(path)]) == EXIT_BAD_INPUT, "bad input exits with 2"
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "row 2" in err and "column 'interest'" in err, err
