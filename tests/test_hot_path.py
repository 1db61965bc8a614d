"""Regression guard: a step of the fast model runs no per-agent Python code.

ENGINEERING.md ("Speed by design") keeps per-agent Python loops off the hot path: rules work
on whole arrays, and the ``Stakeholder`` agents are only views for Mesa users. A wall-clock
test would be flaky on a shared machine, so these tests count Python function calls during
``model.step()`` with a profile hook instead:

* no call may land in agent code (``Stakeholder``, ``Lobbyist``, ``Selector`` or
  ``mesa.Agent`` methods and properties) during a step;
* the number of Python-level calls per step may not grow with the population: any loop over
  stakeholders, in the model or in a rule, would multiply it by the growth in N.
"""

import logging
import sys
from collections import Counter
from pathlib import Path

import mesa
import pytest

from msisim import GovernanceModel
from msisim import agents as msisim_agents

logging.getLogger("MESA").setLevel(logging.WARNING)

LOBBY = {"n_lobbyists": 3, "lobby_budget": 2.0}
TEMPLATES = ["representative", "open"]
#: Steps profiled: the first (seats filled), ordinary rounds, and step 21 (a new term).
STEPS = 25

AGENT_FILES = {
    str(Path(msisim_agents.__file__).resolve()),
    str(Path(str(sys.modules[mesa.Agent.__module__].__file__)).resolve()),
}


def profile_steps(model: GovernanceModel, n_steps: int) -> tuple[list[int], Counter]:
    """Python calls per step, and the agent-code functions called (qualified name -> count)."""
    per_step: list[int] = []
    agent_calls: Counter = Counter()
    count = 0
    files: dict[str, bool] = {}

    def hook(frame, event, _arg):
        nonlocal count
        if event != "call":
            return
        count += 1
        code = frame.f_code
        name = code.co_filename
        if name not in files:
            files[name] = str(Path(name).resolve()) in AGENT_FILES
        if files[name]:
            agent_calls[code.co_qualname] += 1

    for _ in range(n_steps):
        count = 0
        sys.setprofile(hook)
        try:
            model.step()
        finally:
            sys.setprofile(None)
        per_step.append(count)
    return per_step, agent_calls


@pytest.mark.parametrize("membership", TEMPLATES)
def test_a_step_calls_no_agent_code(membership):
    model = GovernanceModel(membership=membership, n_stakeholders=2000, rng=1, **LOBBY)
    _, agent_calls = profile_steps(model, STEPS)
    assert not agent_calls, (
        f"{membership}: a step called per-agent code on the hot path "
        f"(function: calls over {STEPS} steps): {dict(agent_calls)}"
    )


@pytest.mark.parametrize("membership", TEMPLATES)
def test_python_calls_per_step_do_not_grow_with_the_population(membership):
    calls = {}
    for n in (2000, 20000):
        model = GovernanceModel(membership=membership, n_stakeholders=n, rng=1, **LOBBY)
        per_step, _ = profile_steps(model, STEPS)
        calls[n] = max(per_step)
    # Branches (an empty room, a seat refill, a crowded room's coverage query) change the
    # count by a few dozen calls; a loop over stakeholders would multiply it by about 10.
    assert calls[20000] <= 1.25 * calls[2000], (
        f"{membership}: Python calls per step grow with N ({calls}): "
        "a per-stakeholder loop has reached the step"
    )


def test_the_guard_catches_a_per_agent_loop(monkeypatch):
    """The hook sees agent code when a step does call it (so the tests above are not vacuous)."""
    # without the no-lobby twin, whose own observation would run the loop a second time
    model = GovernanceModel(
        membership="open", n_stakeholders=2000, rng=1, counterfactual=False, **LOBBY
    )
    observe = GovernanceModel.observe

    def observe_per_agent(self):
        observe(self)
        self.metrics["mean_engagement"] = sum(a.engagement for a in self.agents_list) / len(
            self.agents_list
        )

    monkeypatch.setattr(GovernanceModel, "observe", observe_per_agent)
    per_step, agent_calls = profile_steps(model, 2)
    assert agent_calls["Stakeholder.engagement"] == 2 * 2000
    assert min(per_step) > 2000
