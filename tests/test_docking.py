"""Docking: the fast array model and the per-agent reference agree in distribution.

Axtell, Axelrod, Epstein & Cohen (1996) call two implementations *distributionally
equivalent* when the distributions of their outcomes over many runs cannot be told apart
statistically. The reference (:mod:`msisim.reference`) draws its random numbers from another
generator in another order, so runs never match one by one; instead, for each scenario we run
both models over ``N_SEEDS`` seeds and compare the distribution of every summary outcome:

1. two two-sample tests, Mann–Whitney U (location, the test Axtell et al. used) and
   Kolmogorov–Smirnov (shape), each at the Bonferroni-corrected level ``ALPHA / N_TESTS``
   where ``N_TESTS`` counts every (scenario, outcome, test) of this file;
2. an equivalence margin on the means (see ``MARGIN_SD``), so that a difference too small
   for the tests to flag but large next to the run-to-run spread still fails;
3. outcomes that are constant in both models (seat counts, the Rose index of an equal-seat
   body, zero capture without a lobby, selector capture fixed by the budget) must be equal.

Run with ``pytest -s`` to see the table of p-values.
"""

import logging
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from msisim import GovernanceModel
from msisim.params import Params
from msisim.plugins import load_plugin, unload_plugin
from msisim.reference import OUTCOMES, ReferenceModel, implements
from msisim.rules.membership import MEMBERSHIP_RULES

logging.getLogger("MESA").setLevel(logging.WARNING)

N_STAKEHOLDERS = 200
N_STEPS = 80
N_SEEDS = 50
FAST_SEEDS = range(N_SEEDS)
REFERENCE_SEEDS = range(10_000, 10_000 + N_SEEDS)  # disjoint from the fast seeds

LOBBY = {"n_lobbyists": 3, "lobby_budget": 2.0, "lobby_strategy": "allies"}
SCENARIOS: dict[str, dict[str, Any]] = {
    "representative": {"membership": "representative"},
    "open": {"membership": "open"},
    "representative+lobby": {"membership": "representative", **LOBBY},
    "open+lobby": {"membership": "open", **LOBBY},
    # the other lobbying and safeguard paths: swing targeting, a lobby register, recusal,
    # cooling-off, term limits, consensus with gridlock, merit selection
    "representative+safeguards": {
        "membership": "representative",
        **LOBBY,
        "lobby_strategy": "swing",
        "selection": "merit",
        "term_length": 10,
        "term_limit": 2,
        "cooling_off": 5,
        "transparency": 0.3,
        "recusal": True,
        "decision_rule": "consensus",
        "consensus_threshold": 0.3,
    },
}

#: Extra parameters a membership rule needs to show what makes it different.
RULE_EXAMPLES: dict[str, dict[str, Any]] = {"representative_with_lottery": {"lottery_seats": 10}}
# every registered membership rule that the reference implements is docked, with a lobby
for _rule in MEMBERSHIP_RULES:
    _kwargs = {"membership": _rule, **LOBBY, **RULE_EXAMPLES.get(_rule, {})}
    if (
        _rule not in ("representative", "open")
        and implements(Params.from_flat(n_stakeholders=N_STAKEHOLDERS, **_kwargs)) is None
    ):
        SCENARIOS[f"{_rule}+lobby"] = _kwargs

#: Scenarios of membership rules a plugin brings (examples/plugins): docked the same way, with
#: the plugin loaded for the test.
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "plugins"
PLUGIN_SCENARIOS: dict[str, tuple[Path, dict[str, Any]]] = {
    "rotating_seats+lobby": (
        EXAMPLES / "rotating_seats.py",
        {"membership": "rotating_seats", **LOBBY, "term_length": 10},
    ),
}

ALPHA = 0.05
N_TESTS = 2 * (len(SCENARIOS) + len(PLUGIN_SCENARIOS)) * len(OUTCOMES)
LEVEL = ALPHA / N_TESTS

#: Equivalence margin on the difference of means, in pooled run-to-run standard deviations.
#: With 50 seeds a side, the standard error of a difference of means is sqrt(2/50) = 0.2 SD,
#: so the margin is 4 standard errors: two models that truly agree exceed it with probability
#: about 6e-5 per outcome (under 1% over the whole file), while a systematic discrepancy of
#: 1.2 SD or more is caught with probability above 97%. A discrepancy below 0.8 SD would be
#: smaller than the difference between two seeds of the same model.
MARGIN_SD = 0.8
#: Outcomes constant in both models must agree to rounding.
CONSTANT_ATOL = 1e-9


@cache
def outcomes(scenario: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Summary outcomes of the fast and the reference model over the seeds: name -> array."""
    return run_both(SCENARIOS[scenario])


def run_both(scenario: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Summary outcomes of both models for one scenario's parameters over the seeds."""
    kwargs: dict[str, Any] = {"n_stakeholders": N_STAKEHOLDERS, "n_steps": N_STEPS, **scenario}
    fast, reference = [], []
    for seed in FAST_SEEDS:
        model = GovernanceModel(rng=seed, collect=False, **kwargs)
        model.run_for(N_STEPS)
        fast.append(model.summary())
    for seed in REFERENCE_SEEDS:
        ref = ReferenceModel(rng=seed, **kwargs)
        ref.run_for(N_STEPS)
        reference.append(ref.summary())
    return (
        {name: np.array([row[name] for row in fast]) for name in OUTCOMES},
        {name: np.array([row[name] for row in reference]) for name in OUTCOMES},
    )


def compare(fast: np.ndarray, ref: np.ndarray) -> dict[str, float | bool | str]:
    """The docking checks for one outcome; ``ok`` says whether all passed."""
    difference = float(fast.mean() - ref.mean())
    pooled_sd = float(np.sqrt((fast.var(ddof=1) + ref.var(ddof=1)) / 2))
    if np.ptp(fast) <= CONSTANT_ATOL and np.ptp(ref) <= CONSTANT_ATOL:  # constant but rounding
        ok = abs(difference) <= CONSTANT_ATOL
        return {"kind": "constant", "diff": difference, "sd": 0.0, "ok": bool(ok)}
    p_mw = float(stats.mannwhitneyu(fast, ref, alternative="two-sided").pvalue)
    p_ks = float(stats.ks_2samp(fast, ref).pvalue)
    margin_ok = abs(difference) <= MARGIN_SD * pooled_sd
    ok = p_mw >= LEVEL and p_ks >= LEVEL and margin_ok
    return {"kind": "tested", "diff": difference, "sd": pooled_sd, "p_mw": p_mw, "p_ks": p_ks,
            "ok": ok}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_fast_and_reference_models_agree_in_distribution(scenario):
    check_docking(scenario, *outcomes(scenario))


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(PLUGIN_SCENARIOS))
def test_a_plugin_membership_rule_docks(scenario):
    """A rule from a plugin docks like a shipped one: both models ask the rule's protocol."""
    path, kwargs = PLUGIN_SCENARIOS[scenario]
    load_plugin(path)
    try:
        check_docking(scenario, *run_both(kwargs))
    finally:
        unload_plugin(path)


def check_docking(scenario: str, fast: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> None:
    """Assert the docking checks for every outcome, printing the table."""
    lines, failures = [], []
    for name in OUTCOMES:
        r = compare(fast[name], ref[name])
        line = (
            f"{name:<24} fast {fast[name].mean():9.4f} ref {ref[name].mean():9.4f} "
            f"diff/sd {r['diff'] / r['sd'] if r['sd'] else 0.0:+6.2f}"
        )
        if r["kind"] == "tested":
            line += f"  p_MW {r['p_mw']:.3g}  p_KS {r['p_ks']:.3g}"
        else:
            line += "  (constant in both)"
        lines.append(line)
        if not r["ok"]:
            failures.append(line)
    print(f"\n{scenario}: {N_SEEDS} seeds a side, N={N_STAKEHOLDERS}, {N_STEPS} steps, "
          f"Bonferroni level {LEVEL:.2g}\n" + "\n".join(lines))  # fmt: skip
    assert not failures, (
        f"{scenario}: fast and reference models differ (p < {LEVEL:.2g}, or means more than "
        f"{MARGIN_SD} SD apart, or unequal constants):\n" + "\n".join(failures)
    )


def test_reference_rejects_what_it_does_not_implement():
    with pytest.raises(ValueError, match="astroturf"):
        ReferenceModel(n_stakeholders=200, astroturf_share=0.2, **LOBBY)


def test_every_registered_membership_rule_is_docked():
    docked = {kw["membership"] for kw in SCENARIOS.values()}
    assert set(MEMBERSHIP_RULES) <= docked, "every membership rule is docked against the reference"


def test_reference_is_reproducible_and_a_mesa_model():
    a = ReferenceModel(n_stakeholders=150, membership="open", rng=3, **LOBBY)
    b = ReferenceModel(n_stakeholders=150, membership="open", rng=3, **LOBBY)
    a.run_for(15)
    b.run_for(15)
    assert a.summary() == b.summary(), "same seed, same outcomes"
    assert len(a.agents) == 150 + 3, "every stakeholder and lobbyist is a mesa.Agent"
    assert a.steps == 15
