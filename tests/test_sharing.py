"""Runs that share work: one no-lobby twin per group, one run per distinct run — same results."""

from __future__ import annotations

import math
from typing import Any

import pytest

from msisim.counterfactual import effective, without_lobby
from msisim.model import GovernanceModel
from msisim.params import LOBBY_ACTION_FIELDS, ContextParams, Params
from msisim.rules.decision import RULE_PARAMETERS
from msisim.rules.membership import MEMBERSHIP_RULES
from msisim.study.runner import execute_task, run_batch
from msisim.study.sharing import batches, plan
from msisim.study.spec import ExperimentSpec

#: Budgets and strategies on common random numbers: every replicate is one twin group.
SPEC: dict[str, Any] = {
    "name": "sharing",
    "base": {"n_stakeholders": 240, "n_lobbyists": 2},
    "designs": {
        "representative": {"membership": "representative", "n_seats": 14},
        "open": {"membership": "open"},
    },
    "factors": {
        "lobby_budget": {"levels": [0.0, 0.5, 2.0]},
        "lobby_strategy": {"levels": ["adaptive", "allies"]},
    },
    "design_factors": ["lobby_budget", "lobby_strategy"],
    "replicates": 2,
    "steps": 30,
    "batch_size": 4,
}


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def test_shared_twins_and_same_runs_give_exactly_the_results_of_runs_alone() -> None:
    spec = ExperimentSpec.from_dict(SPEC)
    tasks = spec.tasks()
    alone = {t.run_id: execute_task(t)[0] for t in tasks}
    shared = {row["run_id"]: row for b in batches(tasks, 4) for row, _ in run_batch(b)}
    assert shared.keys() == alone.keys(), "every task must come back once"
    for run_id, row in alone.items():
        other = shared[run_id]
        assert row["status"] == "ok" and other["status"] == "ok", row.get("error")
        diff = [c for c in row if c != "seconds" and not same(row[c], other[c])]
        assert not diff, (
            f"run {run_id}: sharing its twin (or copying a same run) must not change any "
            f"outcome, but {diff[:5]} differ"
        )
    assert any(not math.isnan(r["capture"]) and r["capture"] > 0 for r in alone.values()), (
        "the check is only meaningful if some runs are captured"
    )


def test_batches_keep_each_twin_group_together() -> None:
    spec = ExperimentSpec.from_dict(SPEC)
    tasks = spec.tasks()
    groups = {plan(t).group for t in tasks}
    assert len(groups) == 2 * 2, "budgets and strategies share seeds: one group per design x rep"
    out = batches(tasks, 4)
    assert sorted(t.run_id for b in out for t in b) == sorted(t.run_id for t in tasks)
    for group in groups:
        holding = [i for i, b in enumerate(out) if any(plan(t).group == group for t in b)]
        assert len(holding) == 1, f"a group of 6 tasks (<= 4 x batch size) is split: {holding}"
    huge = batches(tasks, 1)  # groups of 6 > 4 x 1: cut into batches of 1
    assert all(len(b) == 1 for b in huge) and len(huge) == len(tasks)


def test_runs_differing_only_in_their_lobby_have_equal_twins() -> None:
    fields = {
        "lobby_strategy": "allies",
        "lobby_focus": 0.5,
        "selector_spending": 0.7,
        "tie_cost": 3.0,
        "selector_tie_cost": 30.0,
        "lobby_targets_selector": False,
        "tie_decay": 0.1,
        "lobby_pull": 0.2,
        "astroturf_share": 0.3,
        "astroturf_cost": 0.5,
    }
    assert set(fields) == set(LOBBY_ACTION_FIELDS), "the test covers every lobby action field"
    a = Params.from_flat(membership="open", n_lobbyists=2, lobby_budget=1.0)
    b = Params.from_flat(membership="open", n_lobbyists=2, lobby_budget=2.5, **fields)
    assert without_lobby(a) == without_lobby(b), "twins of runs differing in the lobby only"
    calm = without_lobby(b).context
    assert calm.lobby_budget == 0.0 and calm.selector_capture is None
    assert calm.lobby_strategy == ContextParams().lobby_strategy
    # and the fields really are unread without a lobby: a twin with them set agrees exactly
    kw: dict[str, Any] = {"membership": "open", "n_stakeholders": 300, "n_lobbyists": 2}
    plain = GovernanceModel(rng=5, lobby_budget=0.0, **kw).run(40)
    odd = GovernanceModel(rng=5, lobby_budget=0.0, **fields, **kw).run(40)
    assert plain.summary() == odd.summary(), "a field no lobby reads changed a run without lobby"


def test_a_shared_twin_gives_the_lockstep_capture_and_refuses_a_wrong_twin() -> None:
    kw: dict[str, Any] = {"membership": "representative", "n_stakeholders": 300, "n_seats": 20}
    params = Params.from_flat(lobby_budget=1.5, n_lobbyists=3, n_steps=40, **kw)
    lockstep = GovernanceModel(params, rng=11).run()
    twin = GovernanceModel.no_lobby_twin(params, rng=11)
    twin.run_for(40)
    shared = GovernanceModel(params, rng=11, lobby_twin=twin).run()
    assert shared.summary() == lockstep.summary(), "reading a finished twin = stepping one"
    assert shared.summary()["capture"] > 0, "a funded lobby captures something"
    with pytest.raises(ValueError, match="seed"):
        GovernanceModel(params, rng=12, lobby_twin=twin)
    other = Params.from_flat(lobby_budget=1.5, n_lobbyists=3, n_steps=40, epsilon=0.1, **kw)
    with pytest.raises(ValueError, match="without its lobby"):
        GovernanceModel(other, rng=11, lobby_twin=twin)
    with pytest.raises(ValueError, match="no no-lobby twin"):
        GovernanceModel(params, rng=11, counterfactual=False, lobby_twin=twin)
    with pytest.raises(ValueError, match="no_lobby_twin"):
        GovernanceModel(params, rng=11, lobby_twin=lockstep)
    short = GovernanceModel.no_lobby_twin(params, rng=11)
    short.run_for(10)
    with pytest.raises(RuntimeError, match="run for 10 steps"):
        GovernanceModel(params, rng=11, lobby_twin=short).run()


#: A value other than the default for every rule-specific design parameter.
OTHER_VALUES: dict[str, Any] = {
    "consensus_threshold": 0.8,
    "consultation_weight": 0.6,
    "cooling_off": 5,
    "lottery_seats": 4,
    "n_seats": 18,
    "participation_support": {"grassroots": 0.5},
    "rotation_tie_retention": 0.1,
    "seat_allocation": "proportional",
    "seats_per_category": {"grassroots": 4},
    "selection": "merit",
    "selector_information": "true",
    "selector_noise": 0.3,
    "sortition_acceptance": "all",
    "stratified": True,
    "support_radius": 0.1,
    "term_length": 7,
    "term_limit": 2,
}


@pytest.mark.parametrize("membership", sorted(MEMBERSHIP_RULES))
def test_fields_a_run_cannot_read_do_not_change_it(membership: str) -> None:
    """effective() resets only fields without effect: the runner merges such runs."""
    specific = frozenset().union(*(r.parameters for r in MEMBERSHIP_RULES.values()))
    specific |= frozenset().union(*RULE_PARAMETERS.values())
    assert specific <= set(OTHER_VALUES), (
        f"give a test value for {sorted(specific - set(OTHER_VALUES))}"
    )
    kw: dict[str, Any] = {
        "membership": membership,
        "n_stakeholders": 300,
        "n_lobbyists": 2,
        "lobby_budget": 1.0,
        "n_steps": 30,
    }
    base = Params.from_flat(**kw)
    reference = GovernanceModel(base, rng=3).run().summary()
    unread = [
        name
        for name in sorted(specific)
        if getattr(effective(Params.from_flat(**kw, **{name: OTHER_VALUES[name]})).design, name)
        == getattr(base.design, name)
    ]
    assert unread, f"{membership}: effective() resets no field, so the test checks nothing"
    for name in unread:
        other = GovernanceModel(rng=3, **kw, **{name: OTHER_VALUES[name]}).run().summary()
        diff = [k for k in reference if not same(reference[k], other[k])]
        assert not diff, (
            f"{name}={OTHER_VALUES[name]!r} changed a {membership} run ({diff[:4]}), but "
            "counterfactual.effective() treats it as unread: the runner would merge distinct runs"
        )
    no_lobby = {**kw, "lobby_budget": 0.0}
    plain = GovernanceModel(rng=3, **no_lobby).run().summary()
    for name in (*LOBBY_ACTION_FIELDS, "astroturf_share"):
        value = {"lobby_strategy": "swing", "astroturf_share": 0.3,
                 "lobby_targets_selector": False}.get(name, 0.05)  # fmt: skip
        other = GovernanceModel(rng=3, **no_lobby, **{name: value}).run().summary()
        assert all(same(plain[k], other[k]) for k in plain), f"{name} changed a run with no lobby"


def test_a_run_without_lobby_is_its_groups_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = ExperimentSpec.from_dict(SPEC)
    tasks = spec.tasks()
    group = plan(tasks[0]).group
    members = [t for t in tasks if plan(t).group == group][::-1]  # lobbied runs come first
    serving = [t for t in members if plan(t).serves_as_twin]
    assert serving and all(t.params["lobby_budget"] == 0.0 for t in serving), (
        "the group's runs at budget 0 (any strategy) are its no-lobby twin"
    )
    alone = [execute_task(t)[0] for t in members]
    made = []
    real = GovernanceModel.no_lobby_twin
    monkeypatch.setattr(
        GovernanceModel,
        "no_lobby_twin",
        staticmethod(lambda *a, **k: made.append(1) or real(*a, **k)),
    )
    rows = [row for row, _ in run_batch(members)]
    assert not made, "a batch holding a run without lobby must not build a separate twin"
    assert [r["run_id"] for r in rows] == [t.run_id for t in members], "results in task order"
    for a, b in zip(alone, rows, strict=True):
        diff = [c for c in a if c != "seconds" and not same(a[c], b[c])]
        assert not diff, f"serving as the twin must not change any outcome: {diff[:5]} differ"
    assert any(r["capture"] > 0 for r in rows), "some run of the group is captured"
