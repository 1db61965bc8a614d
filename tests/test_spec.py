"""ExperimentSpec: stable run ids, common-random-number seeds, samplers and validation."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from msisim.study.spec import ExperimentSpec, Task


def _spec(**over: Any) -> ExperimentSpec:
    data: dict[str, Any] = {
        "name": "unit",
        "title": "Unit study",
        "base": {"n_stakeholders": 300, "n_lobbyists": 2},
        "designs": {
            "representative": {"membership": "representative"},
            "open": {"membership": "open"},
        },
        "factors": {"lobby_budget": {"levels": [0.0, 1.0]}},
        "replicates": 3,
        "steps": 20,
    }
    data.update(over)
    return ExperimentSpec.from_dict(data)


def _key(task: Task) -> tuple[str, str, int]:
    """Identify a task by what it means (design, parameter point, replicate)."""
    point = repr(sorted(task.params.items()))
    return task.design, point, task.replicate


def _by_key(spec: ExperimentSpec) -> dict[tuple[str, str, int], Task]:
    return {_key(t): t for t in spec.tasks()}


# --------------------------------------------------------------------------- run ids and seeds


def test_run_ids_and_seeds_stable_across_constructions() -> None:
    a, b = _spec(), _spec()
    ids_a = [(t.run_id, t.seed) for t in a.tasks()]
    ids_b = [(t.run_id, t.seed) for t in b.tasks()]
    assert ids_a == ids_b, "two constructions of the same spec must give the same run ids and seeds"
    assert len({r for r, _ in ids_a}) == len(ids_a), "run ids within a study must be unique"
    assert len(ids_a) == 2 * 2 * 3, "tasks = designs x samples x replicates"


def test_run_ids_are_hex_keys_and_seeds_are_nonnegative_int64() -> None:
    for task in _spec().tasks():
        assert len(task.run_id) == 16, f"run id {task.run_id!r} should be 16 hex characters"
        int(task.run_id, 16)  # raises if not hex
        assert 0 <= task.seed < 2**63, f"seed {task.seed} should fit a non-negative int64"


def test_adding_a_factor_level_leaves_other_runs_unchanged() -> None:
    small = _by_key(_spec())
    large = _by_key(_spec(factors={"lobby_budget": {"levels": [0.0, 0.5, 1.0]}}))
    assert set(small) <= set(large), "every run of the smaller grid must remain in the larger one"
    for key, task in small.items():
        other = large[key]
        assert other.run_id == task.run_id, f"run id of {key} changed when a level was added"
        assert other.seed == task.seed, f"seed of {key} changed when a level was added"
    assert len(large) == len(small) + 2 * 3, "one new level adds designs x replicates runs"


def test_adding_a_design_leaves_other_runs_unchanged() -> None:
    two = _by_key(_spec())
    designs = {
        "representative": {"membership": "representative"},
        "open": {"membership": "open"},
        "sortition": {"membership": "sortition"},
    }
    three = _by_key(_spec(designs=designs))
    for key, task in two.items():
        assert key in three, f"run {key} disappeared when a design was added"
        assert three[key].run_id == task.run_id, f"run id of {key} changed when a design was added"
        assert three[key].seed == task.seed, f"seed of {key} changed when a design was added"
    assert len(three) == len(two) + 2 * 3, "a new design adds samples x replicates runs"


def test_designs_share_seeds_common_random_numbers() -> None:
    spec = _spec()
    by_design: dict[str, dict[tuple[int, int], Task]] = {}
    for t in spec.tasks():
        by_design.setdefault(t.design, {})[(t.sample, t.replicate)] = t
    rep, opn = by_design["representative"], by_design["open"]
    assert set(rep) == set(opn), "both designs must cover the same samples and replicates"
    for key in rep:
        assert rep[key].seed == opn[key].seed, (
            f"sample/replicate {key}: designs must share the seed (common random numbers)"
        )
        assert rep[key].run_id != opn[key].run_id, (
            f"sample/replicate {key}: designs must have distinct run ids"
        )
    seeds = {t.seed for t in rep.values()}
    assert len(seeds) == len(rep), "different samples or replicates must get different seeds"


def test_designs_share_seeds_when_a_lever_is_set_in_base_and_some_designs() -> None:
    spec = _spec(
        base={"n_stakeholders": 300, "transparency": 0.2},
        designs={"plain": {}, "registered": {"transparency": 0.8}},
        factors={},
        replicates=2,
    )
    seeds: dict[int, set[int]] = {}
    for t in spec.tasks():
        seeds.setdefault(t.replicate, set()).add(t.seed)
    for r, s in seeds.items():
        assert len(s) == 1, f"replicate {r}: both designs must share one seed, got {sorted(s)}"


def test_designs_with_identical_parameters_do_not_collide() -> None:
    try:
        spec = _spec(
            base={"n_stakeholders": 300, "membership": "open"},
            designs={"a": {}, "b": {"membership": "open"}},
            factors={},
            replicates=2,
        )
    except ValueError:
        return  # refusing the ambiguous spec is also acceptable
    ids = [t.run_id for t in spec.tasks()]
    assert len(set(ids)) == len(ids), f"run ids must be unique, got {len(set(ids))} of {len(ids)}"


def test_design_factors_are_excluded_from_the_seed() -> None:
    common = {
        "base": {"n_stakeholders": 300},
        "designs": {"representative": {"membership": "representative"}},
        "factors": {"term_length": {"levels": [5, 40]}},
        "replicates": 2,
    }
    lever = _spec(**copy.deepcopy(common), design_factors=["term_length"])
    context = _spec(**copy.deepcopy(common))
    for spec, shared in ((lever, True), (context, False)):
        by_rep: dict[int, set[int]] = {}
        for t in spec.tasks():
            by_rep.setdefault(t.replicate, set()).add(t.seed)
        for r, seeds in by_rep.items():
            if shared:
                assert len(seeds) == 1, (
                    f"replicate {r}: a design factor must not change the seed, got {seeds}"
                )
            else:
                assert len(seeds) == 2, (
                    f"replicate {r}: a context factor must change the seed, got {seeds}"
                )
    lever_ids = {t.run_id for t in lever.tasks()}
    context_ids = {t.run_id for t in context.tasks()}
    assert lever_ids == context_ids, "design_factors affect seeds only, never run ids"


def test_design_factors_must_name_a_factor() -> None:
    with pytest.raises(ValueError, match="design_factors") as err:
        _spec(design_factors=["term_length"])
    assert "term_length" in str(err.value), "the message should name the unknown design factor"


def test_changing_the_root_seed_changes_ids_and_seeds() -> None:
    a, b = _spec(), _spec(seed=1)
    assert {t.run_id for t in a.tasks()}.isdisjoint({t.run_id for t in b.tasks()}), (
        "a different root seed must give different run ids"
    )
    assert {t.seed for t in a.tasks()}.isdisjoint({t.seed for t in b.tasks()}), (
        "a different root seed must give different run seeds"
    )


# --------------------------------------------------------------------------- samplers


def test_grid_sample_count_is_the_product_of_levels() -> None:
    spec = _spec(
        designs={},
        factors={"lobby_budget": [0.0, 1.0, 2.0], "participation_cost": [0.5, 1.5]},
        replicates=2,
    )
    assert len(spec.samples()) == 6, "grid: 3 x 2 levels must give 6 sample points"
    assert len(spec.tasks()) == 12, "grid: 6 points x 2 replicates (one unnamed design)"
    assert {t.design for t in spec.tasks()} == {""}, "no designs: a single unnamed design ''"


def test_no_factors_gives_one_sample() -> None:
    spec = _spec(factors={}, replicates=4)
    assert spec.samples() == [{}], "no factors: exactly one empty sample point"
    assert len(spec.tasks()) == 2 * 4, "tasks = designs x replicates when there are no factors"


def test_lhs_sample_count_and_bounds() -> None:
    spec = _spec(
        sampler="lhs",
        n_samples=13,
        factors={
            "lobby_budget": {"low": 0.5, "high": 2.0},
            "tie_decay": {"low": 0.01, "high": 0.1},
        },
    )
    points = spec.samples()
    assert len(points) == 13, "lhs: exactly n_samples points"
    for p in points:
        assert 0.5 <= p["lobby_budget"] <= 2.0, f"lobby_budget {p['lobby_budget']} out of bounds"
        assert 0.01 <= p["tie_decay"] <= 0.1, f"tie_decay {p['tie_decay']} out of bounds"
    # Latin hypercube: each of the n equal strata of a factor holds exactly one point
    strata = sorted(int((p["lobby_budget"] - 0.5) / 1.5 * 13) for p in points)
    assert strata == list(range(13)), "lhs: one point per stratum of each factor"
    assert (
        spec.samples()
        == _spec(
            sampler="lhs",
            n_samples=13,
            factors={
                "lobby_budget": {"low": 0.5, "high": 2.0},
                "tie_decay": {"low": 0.01, "high": 0.1},
            },
        ).samples()
    ), "lhs samples must be reproducible from the root seed"


@pytest.mark.parametrize(("n_samples", "n_base"), [(8, 8), (10, 16), (16, 16), (17, 32), (1, 1)])
def test_sobol_sample_count(n_samples: int, n_base: int) -> None:
    factors = {
        "lobby_budget": {"low": 0.0, "high": 2.0},
        "participation_cost": {"low": 0.0, "high": 3.0},
        "tie_decay": {"low": 0.01, "high": 0.1},
    }
    spec = _spec(sampler="sobol", n_samples=n_samples, factors=factors, replicates=1)
    k = len(factors)
    expected = n_base * (k + 2)
    assert n_base == 2 ** math.ceil(math.log2(n_samples)), "test table: n rounded up to 2^m"
    assert len(spec.samples()) == expected, (
        f"sobol with n_samples={n_samples}: n rounds up to {n_base}, so n*(k+2)={expected} points"
    )
    assert len(spec.tasks()) == expected * 2, "sobol tasks = points x designs x replicates"


def test_sobol_needs_two_factors() -> None:
    with pytest.raises(ValueError, match="at least two factors"):
        _spec(sampler="sobol", factors={"lobby_budget": {"low": 0.0, "high": 1.0}})


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_integer_factors_are_whole_numbers(sampler: str) -> None:
    spec = _spec(
        sampler=sampler,
        n_samples=16,
        factors={
            "n_lobbyists": {"low": 1, "high": 5, "integer": True},
            "lobby_budget": {"low": 0.0, "high": 2.0},
        },
        replicates=1,
    )
    values = [p["n_lobbyists"] for p in spec.samples()]
    for v in values:
        assert isinstance(v, int) and not isinstance(v, bool), f"{v!r} must be a Python int"
        assert 1 <= v <= 5, f"integer factor value {v} must lie within [1, 5]"
    assert len(set(values)) > 1, "an integer factor should still vary across the sample"
    floats = [p["lobby_budget"] for p in spec.samples()]
    assert any(f != int(f) for f in floats), "a non-integer factor must not be rounded"
    for t in spec.tasks():
        assert isinstance(t.params["n_lobbyists"], int), "task params keep the integer type"


def test_grid_needs_levels_and_lhs_needs_bounds() -> None:
    with pytest.raises(ValueError, match="grid sampler needs levels"):
        _spec(factors={"lobby_budget": {"low": 0.0, "high": 1.0}})
    with pytest.raises(ValueError, match="needs low and high"):
        _spec(sampler="lhs", factors={"lobby_budget": [0.0, 1.0]})
    with pytest.raises(ValueError, match="must be below"):
        _spec(sampler="lhs", factors={"lobby_budget": {"low": 1.0, "high": 1.0}})


# --------------------------------------------------------------------------- validation


def test_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError) as err:
        _spec(replicate=3)
    text = str(err.value)
    assert "'replicate'" in text, f"the message must name the unknown key: {text}"
    assert "replicates" in text, f"the message must point to the valid key 'replicates': {text}"


@pytest.mark.parametrize(
    ("where", "over"),
    [
        ("base", {"base": {"n_stakeholders": 300, "n_seat": 3}}),
        ("design", {"designs": {"representative": {"membership": "representative", "n_seat": 3}}}),
    ],
)
def test_from_dict_rejects_unknown_model_parameters(where: str, over: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as err:
        _spec(**over)
    text = str(err.value)
    assert "'n_seat'" in text, f"{where}: the message must name the unknown parameter: {text}"
    assert "'n_seats'" in text, f"{where}: the message must suggest the close one: {text}"
    assert text.startswith(where), f"the message must say where the key is ({where}): {text}"


def test_unknown_factor_is_refused() -> None:
    with pytest.raises(ValueError) as err:
        _spec(factors={"lobby_budgt": [0.0, 1.0]})
    assert "'lobby_budgt'" in str(err.value), f"the message must name the factor: {err.value}"


def test_unknown_factor_suggests_the_close_parameter() -> None:
    with pytest.raises(ValueError) as err:
        _spec(factors={"lobby_budgt": [0.0, 1.0]})
    assert "'lobby_budget'" in str(err.value), f"the message should suggest it: {err.value}"


def test_unknown_factor_mapping_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown keys") as err:
        _spec(factors={"lobby_budget": {"level": [0.0, 1.0]}})
    assert "level" in str(err.value), "the message must name the unknown factor key"


@pytest.mark.parametrize(
    ("over", "name"),
    [
        ({"base": {"n_stakeholders": 300, "n_seats": -3}}, "n_seats"),
        ({"base": {"n_stakeholders": 0}}, "n_stakeholders"),
        ({"designs": {"closed": {"membership": "closed"}}}, "membership"),
        ({"designs": {"r": {"membership": "representative", "epsilon": "wide"}}}, "epsilon"),
        ({"factors": {"lobby_budget": [0.0, -1.0]}}, "lobby_budget"),
        (
            {"factors": {"selector_capture": {"low": 0.0, "high": 2.0}}, "sampler": "lhs"},
            "selector_capture",
        ),
    ],
)
def test_wrong_parameter_values_fail_at_construction(
    monkeypatch: pytest.MonkeyPatch, over: dict[str, Any], name: str
) -> None:
    import msisim.model

    def no_model(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no model may be built while validating a spec")

    monkeypatch.setattr(msisim.model.GovernanceModel, "__init__", no_model)
    with pytest.raises(ValueError) as err:
        _spec(**over)
    assert name in str(err.value), f"the message must name the parameter {name}: {err.value}"


def test_n_steps_in_base_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="n_steps"):
        _spec(base={"n_stakeholders": 300, "n_steps": 5})


@pytest.mark.parametrize(
    ("key", "value"),
    [("replicates", 0), ("steps", 0), ("batch_size", 0), ("n_samples", 0), ("replicates", 1.5),
     ("replicates", True), ("sampler", "random"), ("name", "bad name!")],
)  # fmt: skip
def test_invalid_study_settings_are_refused(key: str, value: Any) -> None:
    with pytest.raises(ValueError) as err:
        _spec(**{key: value})
    assert key in str(err.value), f"the message must name {key}: {err.value}"


# --------------------------------------------------------------------------- fingerprint


def test_fingerprint_tracks_what_determines_runs() -> None:
    base = _spec().fingerprint()
    assert base == _spec().fingerprint(), "fingerprint must be stable across constructions"
    assert _spec(replicates=4).fingerprint() != base, "changing replicates must change it"
    assert _spec(steps=21).fingerprint() != base, "changing steps must change it"
    assert _spec(seed=7).fingerprint() != base, "changing the root seed must change it"
    assert _spec(base={"n_stakeholders": 301, "n_lobbyists": 2}).fingerprint() != base, (
        "changing a base parameter must change it"
    )
    assert _spec(title="Another title").fingerprint() == base, "the title must not change it"
    assert _spec(question="Why?", hypothesis="Because.").fingerprint() == base, (
        "prose must not change it"
    )
    assert _spec(batch_size=1).fingerprint() == base, "batch size must not change it"


def test_to_dict_round_trips() -> None:
    for spec in (
        _spec(),
        _spec(sampler="lhs", n_samples=5, factors={"lobby_budget": {"low": 0.0, "high": 1.0}}),
    ):
        again = ExperimentSpec.from_dict(spec.to_dict())
        assert again == spec, "from_dict(to_dict()) must rebuild an equal spec"
        assert again.fingerprint() == spec.fingerprint(), "and the same fingerprint"
        assert [t.run_id for t in again.tasks()] == [t.run_id for t in spec.tasks()], (
            "and the same run ids"
        )


# --------------------------------------------------------------- crossed and restricted factors


def test_levels_factor_is_crossed_with_the_lhs_sample() -> None:
    spec = _spec(
        sampler="lhs",
        n_samples=5,
        factors={
            "lobby_budget": {"low": 0.0, "high": 2.0},
            "lobby_strategy": {"levels": ["adaptive", "allies"]},
        },
        replicates=1,
    )
    points = spec.samples()
    assert len(points) == 10, f"5 sampled points x 2 strategies must give 10, got {len(points)}"
    by = {s: [p["lobby_budget"] for p in points if p["lobby_strategy"] == s]
          for s in ("adaptive", "allies")}  # fmt: skip
    assert by["adaptive"] == by["allies"], "every strategy must meet the same sampled contexts"
    assert spec.n_points() == 5, "n_points counts the sampled points of one combination"
    assert spec.sobol_problem()["names"] == ["lobby_budget"], "a levels factor is not ranged"


def test_lhs_with_only_levels_factors_is_refused() -> None:
    with pytest.raises(ValueError, match="needs low and high"):
        _spec(sampler="lhs", factors={"lobby_strategy": {"levels": ["adaptive", "allies"]}})


def test_factor_restricted_to_designs_runs_the_others_once() -> None:
    spec = _spec(
        designs={
            "representative": {"membership": "representative"},
            "open": {"membership": "open"},
        },
        factors={
            "lobby_budget": [0.0, 1.0],
            "term_length": {"levels": [5, 10, 20], "designs": ["representative"]},
        },
        design_factors=["term_length"],
        replicates=2,
    )
    tasks = spec.tasks()
    rep = [t for t in tasks if t.design == "representative"]
    opn = [t for t in tasks if t.design == "open"]
    assert len(rep) == 2 * 3 * 2, f"representative: 2 budgets x 3 terms x 2 replicates, {len(rep)}"
    assert len(opn) == 2 * 2, f"open must run once per budget and replicate, got {len(opn)}"
    assert all("term_length" not in t.params for t in opn), "open must not get a term length"
    assert len({t.run_id for t in tasks}) == len(tasks), "run ids must stay unique"
    seeds = {(t.params["lobby_budget"], t.replicate): t.seed for t in rep}
    for t in opn:
        assert t.seed == seeds[(t.params["lobby_budget"], t.replicate)], (
            "open shares the seed of the seated runs in the same context (common random numbers)"
        )


def test_factor_restricted_to_an_unknown_design_is_refused() -> None:
    with pytest.raises(ValueError, match="not a design") as err:
        _spec(factors={"term_length": {"levels": [5, 10], "designs": ["representativ"]}})
    assert "representative" in str(err.value), f"the message must list the designs: {err.value}"


def test_assumption_factors_in_design_factors_share_seeds() -> None:
    spec = _spec(
        factors={
            "lobby_budget": [0.0, 1.0],
            "lobby_strategy": ["adaptive", "allies"],
        },
        design_factors=["lobby_strategy"],
        replicates=2,
    )
    seeds: dict[tuple[float, int], set[int]] = {}
    for t in spec.tasks():
        seeds.setdefault((t.params["lobby_budget"], t.replicate), set()).add(t.seed)
    assert all(len(s) == 1 for s in seeds.values()), (
        "runs that differ only in the lobby's strategy must share a seed, so that without a "
        "lobby they are the same run"
    )


def test_the_study_schema_is_generated_from_the_spec() -> None:
    """One declaration: every ExperimentSpec field is a key of the Hydra study schema, with
    the same default (tuples as lists, factors as the YAML mapping), so a new spec field needs
    no second edit, and the name is mandatory."""
    import dataclasses

    from omegaconf import OmegaConf

    from msisim.conf import experiment_schema

    node = OmegaConf.structured(experiment_schema())
    spec_fields = dataclasses.fields(ExperimentSpec)
    assert list(node.keys()) == [f.name for f in spec_fields], "the schema lists the spec's keys"
    assert OmegaConf.is_missing(node, "name"), "a study must be named"
    for f in spec_fields:
        if f.name in ("name", "factors"):
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        value = OmegaConf.to_container(node)[f.name]  # type: ignore[index]
        expected = list(default) if isinstance(default, tuple) else default
        assert value == expected, f"{f.name}: the schema's default is the spec's"
    assert OmegaConf.to_container(node)["factors"] == {}, "factors: a mapping, empty by default"  # type: ignore[index]
