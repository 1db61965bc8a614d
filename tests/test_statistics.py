"""Known answers for the statistics behind the reports.

Student-t intervals, Welch and paired differences are checked against ``scipy.stats`` on
fixed data; Sobol indices against the analytic values of the Ishigami function; PRIM against
a box planted in synthetic data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from msisim.study import analysis
from msisim.study.spec import ExperimentSpec
from msisim.viz.report import findings as fx
from msisim.viz.report.common import Context

#: Relative tolerance against scipy: the same formulas, so only rounding differs.
TOL = 1e-10

#: Fixed samples: two groups of unequal size and spread (a Welch case), and a third group.
A = np.array([0.412, 0.371, 0.455, 0.398, 0.502, 0.367, 0.441])
B = np.array([0.298, 0.352, 0.276, 0.331, 0.390, 0.254, 0.317, 0.362, 0.288, 0.305])
C = np.array([-0.12, 0.05, -0.31, 0.22, -0.08])


def near(expected: object) -> object:
    return pytest.approx(expected, rel=TOL, abs=1e-12)


# --------------------------------------------------------------------------- t intervals


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
@pytest.mark.parametrize("sample", [A, B, C], ids=["A", "B", "C"])
def test_t_interval_is_scipys_student_t_interval(sample: np.ndarray, level: float) -> None:
    mean, low, high = analysis.t_interval(sample, level=level)
    scipy_ci = stats.ttest_1samp(sample, 0.0).confidence_interval(confidence_level=level)
    by_quantile = stats.t.interval(level, len(sample) - 1, loc=sample.mean(),
                                   scale=stats.sem(sample))  # fmt: skip
    assert mean == near(sample.mean()), "the interval is centred on the sample mean"
    assert (low, high) == near((scipy_ci.low, scipy_ci.high)), (
        f"the {level:.0%} interval must be scipy's one-sample t interval {scipy_ci}: "
        f"got ({low}, {high})"
    )
    assert (low, high) == near(by_quantile), "mean -/+ t(n-1) quantile x standard error"


def test_t_interval_drops_non_finite_values() -> None:
    assert analysis.t_interval(np.r_[A, np.nan, np.inf, -np.inf]) == near(analysis.t_interval(A)), (
        "NaN and infinite values (failed metrics) are dropped before the interval"
    )


@pytest.mark.filterwarnings("ignore::RuntimeWarning:scipy")  # scipy on degenerate data
def test_t_interval_degenerate_samples() -> None:
    assert all(math.isnan(v) for v in analysis.t_interval(np.array([]))), (
        "no values: no mean and no interval (NaN, NaN, NaN)"
    )
    mean, low, high = analysis.t_interval(np.array([0.42]))
    scipy_ci = stats.ttest_1samp([0.42], 0.0).confidence_interval()
    assert mean == 0.42 and math.isnan(low) and math.isnan(high), (
        f"n = 1: the value is the mean, with no interval (NaN ends): {(mean, low, high)}"
    )
    assert math.isnan(scipy_ci.low) and math.isnan(scipy_ci.high), "scipy agrees: no interval"
    mean, low, high = analysis.t_interval(np.array([0.3, 0.3, 0.3]))
    scipy_ci = stats.ttest_1samp([0.3, 0.3, 0.3], 0.0).confidence_interval()
    assert (mean, low, high) == near((0.3, 0.3, 0.3)), (
        f"zero variance: a zero-width interval at the mean, not NaN: {(mean, low, high)}"
    )
    assert (low, high) == near((scipy_ci.low, scipy_ci.high)), "scipy gives the same"


def test_t_interval_is_clipped_to_the_outcomes_range() -> None:
    shares = np.array([0.97, 0.99, 0.93])
    scipy_ci = stats.ttest_1samp(shares, 0.0).confidence_interval()
    assert scipy_ci.high > 1, "test data: the plain t interval leaves [0, 1]"
    mean, low, high = analysis.t_interval(shares, bounds=(0.0, 1.0))
    assert (mean, low, high) == near((shares.mean(), scipy_ci.low, 1.0)), (
        f"a share's interval is scipy's with its upper end clipped to 1: {(mean, low, high)}"
    )
    e = fx.mean_ci(shares, "rose")
    assert (e.mean, e.low, e.high, e.n) == near((shares.mean(), scipy_ci.low, 1.0, 3)), (
        f"the findings' mean_ci clips to the declared range of the Rose index [0, 1]: {e}"
    )


def test_ci_table_matches_scipy_per_group() -> None:
    shares = np.array([0.97, 0.99, 0.93])
    rows = [{"design": "open", "status": "ok", "capture": v, "rose": r}
            for v, r in zip(A[:3], shares, strict=True)]  # fmt: skip
    rows += [{"design": "open", "status": "ok", "capture": v, "rose": np.nan} for v in A[3:]]
    rows += [{"design": "closed", "status": "ok", "capture": v, "rose": 0.5} for v in B]
    rows += [{"design": "closed", "status": "failed", "capture": 99.0, "rose": 0.0}]
    table = analysis.ci_table(pd.DataFrame(rows), ["design"], ["capture", "rose"])
    got = table.set_index(["design", "outcome"])
    for design, values in (("open", A), ("closed", B)):
        ci = stats.ttest_1samp(values, 0.0).confidence_interval()
        row = got.loc[(design, "capture")]
        assert (row["mean"], row["ci_low"], row["ci_high"], row["sd"]) == near(
            (values.mean(), ci.low, ci.high, stats.tstd(values))
        ), f"capture of {design}: scipy's mean, t interval and sd (failed runs left out)"
        assert row["n"] == len(values), f"{design}: n counts the finished runs"
    rose = got.loc[("open", "rose")]
    ci = stats.ttest_1samp(shares, 0.0).confidence_interval()
    assert (rose["mean"], rose["ci_low"], rose["ci_high"], rose["n"]) == near(
        (shares.mean(), ci.low, 1.0, 3)
    ), f"the Rose index: NaN values left out, the interval clipped to [0, 1]: {rose.to_dict()}"
    constant = got.loc[("closed", "rose")]
    assert (constant["ci_low"], constant["ci_high"], constant["sd"]) == near((0.5, 0.5, 0.0)), (
        "a constant outcome has sd 0 and a zero-width interval"
    )


# --------------------------------------------------------------------------- Welch contrasts


def welch_satterthwaite(parts: list[tuple[float, np.ndarray]]) -> tuple[float, float, float]:
    """Mean and 95% interval of ``sum(w * mean)`` by the Welch-Satterthwaite formula."""
    terms = [w**2 * v.var(ddof=1) / v.size for w, v in parts]
    se2 = sum(terms)
    df = se2**2 / sum(t**2 / (v.size - 1) for t, (_, v) in zip(terms, parts, strict=True))
    mean = sum(w * v.mean() for w, v in parts)
    half = stats.t.ppf(0.975, df) * math.sqrt(se2)
    return mean, mean - half, mean + half


def test_contrast_of_two_groups_is_welchs_interval() -> None:
    e = fx.contrast([(1.0, A), (-1.0, B)])
    welch = stats.ttest_ind(A, B, equal_var=False)
    ci = welch.confidence_interval()
    assert (e.mean, e.low, e.high) == near((A.mean() - B.mean(), ci.low, ci.high)), (
        f"mean(A) - mean(B) with scipy's Welch interval {ci} (df = {welch.df:.2f}): {e}"
    )
    assert e.n == A.size + B.size, "n counts the runs of both groups"
    doubled = fx.contrast([(2.0, A), (-2.0, B)])
    assert (doubled.mean, doubled.low, doubled.high) == near(
        (2 * (A.mean() - B.mean()), 2 * ci.low, 2 * ci.high)
    ), "weights scale the mean and the interval, not the degrees of freedom"
    alone = fx.contrast([(1.0, A)])
    ci = stats.ttest_1samp(A, 0.0).confidence_interval()
    assert (alone.mean, alone.low, alone.high) == near((A.mean(), ci.low, ci.high)), (
        "one group: the one-sample t interval"
    )


def test_contrast_of_three_groups_is_welch_satterthwaite() -> None:
    parts = [(0.5, A), (0.5, B), (-1.0, C)]
    e = fx.contrast(parts)
    assert (e.mean, e.low, e.high) == near(welch_satterthwaite(parts)), (
        f"a weighted contrast: sum(w * mean) with Satterthwaite's degrees of freedom: {e}"
    )


@pytest.mark.filterwarnings("ignore::RuntimeWarning:scipy")  # scipy on degenerate data
def test_contrast_degenerate_groups() -> None:
    flat = np.array([1.0, 1.0, 1.0])
    spread = np.array([0.1, 0.5, 0.3])
    e = fx.contrast([(1.0, flat), (-1.0, spread)])
    ci = stats.ttest_ind(flat, spread, equal_var=False).confidence_interval()
    assert (e.mean, e.low, e.high) == near((0.7, ci.low, ci.high)), (
        f"one group without variance: Welch's interval rests on the other group's ({ci}): {e}"
    )
    e = fx.contrast([(1.0, flat), (-1.0, flat - 0.25)])
    ci = stats.ttest_ind(flat, flat - 0.25, equal_var=False).confidence_interval()
    assert (e.mean, e.low, e.high) == near((0.25, 0.25, 0.25)), (
        f"no variance in any group: a zero-width interval at the difference: {e}"
    )
    assert (ci.low, ci.high) == near((0.25, 0.25)), "scipy gives the same zero-width interval"
    e = fx.contrast([(1.0, A), (-1.0, np.array([np.nan]))])
    assert math.isnan(e.mean) and e.n == 0, f"an empty group: no estimate at all: {e}"


def test_contrast_with_a_single_value_group_keeps_every_groups_mean() -> None:
    one, three = np.array([5.0]), np.array([1.0, 2.0, 3.0])
    for parts in ([(1.0, one), (-1.0, three)], [(-1.0, three), (1.0, one)]):
        e = fx.contrast(parts)
        assert e.mean == pytest.approx(3.0) and e.n == 4, (
            f"5 - mean(1, 2, 3) = 3 over 4 runs, whatever the order of the groups: {e}"
        )
        assert math.isnan(e.low) and math.isnan(e.high), (
            f"a group of one value has no variance, so there is no interval: {e}"
        )


# --------------------------------------------------------------------------- paired differences

#: Eight sample-and-replicate cells: a shared context level per cell (common random numbers)
#: much larger than the designs' difference, as in a study's runs.
LEVEL = np.array([0.10, 0.62, 0.35, 0.81, 0.27, 0.55, 0.93, 0.44])
BASE = LEVEL + np.array([0.011, -0.004, 0.007, -0.012, 0.003, 0.009, -0.006, 0.001])
NEW = LEVEL + 0.03 + np.array([-0.005, 0.008, 0.012, -0.002, 0.004, -0.009, 0.006, 0.010])
OTHER = LEVEL - 0.02 + np.array([0.004, -0.011, 0.002, 0.007, -0.003, 0.005, 0.009, -0.008])


def _design_runs() -> pd.DataFrame:
    rows = []
    for design, values in (("baseline", BASE), ("new", NEW), ("other", OTHER)):
        for i, value in enumerate(values):
            rows.append({"design": design, "sample": i // 4, "replicate": i % 4, "status": "ok",
                         "param.lobby_strategy": "adaptive" if i < 4 else "allies",
                         "capture": value})  # fmt: skip
    runs = pd.DataFrame(rows)
    runs.loc[(runs["design"] == "baseline") & (runs["sample"] == 1) & (runs["replicate"] == 1),
             "status"] = "failed"  # fmt: skip
    return runs.sample(frac=1.0, random_state=3)  # the row order must not matter


def test_paired_differences_are_scipys_paired_t_interval() -> None:
    table = analysis.paired_differences(_design_runs(), "capture", "baseline")
    keep = np.arange(8) != 5  # the baseline run of sample 1, replicate 1 failed: no pair
    for design, values in (("new", NEW), ("other", OTHER)):
        row = table.set_index("design").loc[design]
        rel = stats.ttest_rel(values[keep], BASE[keep])
        ci = rel.confidence_interval()
        diff = values[keep] - BASE[keep]
        assert (row["mean_difference"], row["ci_low"], row["ci_high"]) == near(
            (diff.mean(), ci.low, ci.high)
        ), f"{design} - baseline over the 7 pairs sharing a seed: scipy's ttest_rel {ci}"
        assert row["pairs"] == 7, "a design's run without its baseline run is not paired"
        one_sample = stats.ttest_1samp(diff, 0.0).confidence_interval()
        assert (row["ci_low"], row["ci_high"]) == near((one_sample.low, one_sample.high)), (
            "the paired interval is the one-sample t interval of the differences"
        )


def test_paired_differences_by_group() -> None:
    table = analysis.paired_differences(
        _design_runs(), "capture", "baseline", by=["param.lobby_strategy"]
    )
    row = table.set_index(["design", "param.lobby_strategy"]).loc[("new", "allies")]
    pairs = [4, 6, 7]  # sample 1 (allies) without its failed replicate 1
    ci = stats.ttest_rel(NEW[pairs], BASE[pairs]).confidence_interval()
    assert (row["mean_difference"], row["ci_low"], row["ci_high"], row["pairs"]) == near(
        ((NEW[pairs] - BASE[pairs]).mean(), ci.low, ci.high, 3)
    ), f"per lobby strategy: the paired t interval over that strategy's pairs ({ci})"


def test_a_single_pair_has_no_interval() -> None:
    runs = _design_runs()
    runs = runs[(runs["sample"] == 0) & (runs["replicate"] == 0)]
    row = analysis.paired_differences(runs, "capture", "baseline").set_index("design").loc["new"]
    assert row["mean_difference"] == near(NEW[0] - BASE[0]) and row["pairs"] == 1, (
        "one pair: its difference is the mean"
    )
    assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"]), (
        "one pair: no interval (NaN ends), as a t interval needs two"
    )


# --------------------------------------------------------------------------- report combinations


def _spec() -> ExperimentSpec:
    return ExperimentSpec.from_dict({
        "name": "statistics",
        "designs": {"open": {"membership": "open"},
                    "representative": {"membership": "representative"}},
        "factors": {"lobby_budget": {"levels": [0.0, 1.0]}},
        "replicates": 8,
        "steps": 1,
    })  # fmt: skip


def _cell(design: str, budget: float, seeds: np.ndarray, values: np.ndarray,
          strategy: str = "adaptive") -> list[dict[str, object]]:  # fmt: skip
    return [{"run_id": f"{design}-{budget}-{seed}-{strategy}", "design": design,
             "seed": int(seed), "replicate": int(seed) % 100, "status": "ok",
             "param.lobby_budget": budget, "param.lobby_strategy": strategy,
             "capture": float(value)}
            for seed, value in zip(seeds, values, strict=True)]  # fmt: skip


def _ctx(tmp_path: Path, rows: list[dict[str, object]]) -> Context:
    return Context(_spec(), pd.DataFrame(rows), None, tmp_path, tmp_path)


SEEDS = np.arange(8)


def test_a_change_on_shared_seeds_is_scipys_paired_interval(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, _cell("open", 0.0, SEEDS, BASE) + _cell("open", 1.0, SEEDS, NEW))
    e = fx.change(ctx, "capture", "lobby_budget", "open", 0.0, 1.0)
    ci = stats.ttest_rel(NEW, BASE).confidence_interval()
    assert (e.mean, e.low, e.high, e.n) == near(((NEW - BASE).mean(), ci.low, ci.high, 8)), (
        f"budget 1 - budget 0 on the same 8 seeds: scipy's ttest_rel interval {ci}: {e}"
    )


def test_a_change_averages_the_runs_of_a_seed(tmp_path: Path) -> None:
    rows = _cell("open", 0.0, SEEDS, BASE) + _cell("open", 1.0, SEEDS, NEW)
    rows += _cell("open", 0.0, SEEDS, BASE + 0.1, "allies")
    rows += _cell("open", 1.0, SEEDS, OTHER + 0.1, "allies")
    e = fx.change(_ctx(tmp_path, rows), "capture", "lobby_budget", "open", 0.0, 1.0)
    per_seed = ((NEW - BASE) + (OTHER - BASE)) / 2  # each seed's mean difference
    ci = stats.ttest_1samp(per_seed, 0.0).confidence_interval()
    assert (e.mean, e.low, e.high, e.n) == near((per_seed.mean(), ci.low, ci.high, 8)), (
        f"two runs per seed (lobby strategies) matched on seed and strategy, averaged per seed: "
        f"the t interval over the 8 seeds {ci}: {e}"
    )


def test_a_change_on_separate_seeds_is_welchs_interval(tmp_path: Path) -> None:
    rows = _cell("open", 0.0, SEEDS, BASE) + _cell("open", 1.0, SEEDS + 100, NEW)
    e = fx.change(_ctx(tmp_path, rows), "capture", "lobby_budget", "open", 0.0, 1.0)
    ci = stats.ttest_ind(NEW, BASE, equal_var=False).confidence_interval()
    assert (e.mean, e.low, e.high, e.n) == near((NEW.mean() - BASE.mean(), ci.low, ci.high, 16)), (
        f"levels on their own seeds are independent samples: scipy's Welch interval {ci}: {e}"
    )


def test_a_change_on_separate_seeds_counts_seeds_not_runs(tmp_path: Path) -> None:
    rows = _cell("open", 0.0, SEEDS, BASE) + _cell("open", 1.0, SEEDS + 100, NEW)
    rows += _cell("open", 0.0, SEEDS, BASE + 0.001, "allies")  # same seeds: nearly the same
    rows += _cell("open", 1.0, SEEDS + 100, NEW + 0.001, "allies")
    e = fx.change(_ctx(tmp_path, rows), "capture", "lobby_budget", "open", 0.0, 1.0)
    per_seed = {b: v + 0.0005 for b, v in ((1.0, NEW), (0.0, BASE))}  # each seed's mean
    ci = stats.ttest_ind(per_seed[1.0], per_seed[0.0], equal_var=False).confidence_interval()
    assert (e.mean, e.low, e.high, e.n) == near(
        (per_seed[1.0].mean() - per_seed[0.0].mean(), ci.low, ci.high, 16)
    ), (
        f"two runs per seed on separate seeds per level: the seed is the independent unit, so "
        f"Welch over the 8 + 8 per-seed means {ci}, not over the 32 runs: {e}"
    )


def test_an_interaction_pairs_within_seeds_and_is_welch_across(tmp_path: Path) -> None:
    open1, rep1 = NEW, OTHER  # budget 1 on seeds 100..107, both designs
    open0, rep0 = BASE, BASE + C.mean() + np.linspace(-0.02, 0.02, 8)  # budget 0 on seeds 0..7
    rows = _cell("open", 1.0, SEEDS + 100, open1) + _cell("representative", 1.0, SEEDS + 100, rep1)
    rows += _cell("open", 0.0, SEEDS, open0) + _cell("representative", 0.0, SEEDS, rep0)
    cells = [(1.0, "open", {"lobby_budget": 1.0}), (-1.0, "open", {"lobby_budget": 0.0}),
             (-1.0, "representative", {"lobby_budget": 1.0}),
             (1.0, "representative", {"lobby_budget": 0.0})]  # fmt: skip
    e = fx.combination(_ctx(tmp_path, rows), "capture", cells)
    gap1, gap0 = open1 - rep1, open0 - rep0  # paired within each budget's seeds
    ci = stats.ttest_ind(gap1, gap0, equal_var=False).confidence_interval()
    assert (e.mean, e.low, e.high, e.n) == near((gap1.mean() - gap0.mean(), ci.low, ci.high, 16)), (
        f"(open - representative) at budget 1 minus at budget 0: the designs pair on each "
        f"budget's seeds, the budgets' gaps are independent (Welch {ci}): {e}"
    )


def test_paired_finding_is_paired_differences(tmp_path: Path) -> None:
    ctx = Context(_spec(), _design_runs(), None, tmp_path, tmp_path)
    e = fx.paired(ctx, "capture", "new", "baseline")
    keep = np.arange(8) != 5
    ci = stats.ttest_rel(NEW[keep], BASE[keep]).confidence_interval()
    assert (e.mean, e.low, e.high, e.n) == near(
        ((NEW[keep] - BASE[keep]).mean(), ci.low, ci.high, 7)
    ), f"the findings' paired estimate is scipy's ttest_rel interval {ci}: {e}"


# --------------------------------------------------------------------------- robustness


def test_robustness_known_answer() -> None:
    # per context (sample), the mean of two replicates: design a (0.2, 0.5, 0.4), b (0.3, 0.1, 0.6)
    reps = {"a": [(0.15, 0.25), (0.45, 0.55), (0.38, 0.42)],
            "b": [(0.30, 0.30), (0.05, 0.15), (0.65, 0.55)]}  # fmt: skip
    runs = pd.DataFrame([
        {"design": d, "sample": s, "replicate": r, "status": "ok", "capture": v}
        for d, by_sample in reps.items() for s, pair in enumerate(by_sample)
        for r, v in enumerate(pair)
    ])  # fmt: skip
    higher = analysis.robustness(runs, "capture", higher_is_better=True).set_index("design")
    # best per context (0.3, 0.5, 0.6): regret of a (0.1, 0, 0.2), of b (0, 0.4, 0)
    expected = {"a": (1.1 / 3, stats.tstd([0.2, 0.5, 0.4]), 0.2, 0.1, 0.2, 3),
                "b": (1.0 / 3, stats.tstd([0.3, 0.1, 0.6]), 0.1, 0.4 / 3, 0.4, 3)}  # fmt: skip
    columns = ["mean", "sd", "worst", "mean_regret", "max_regret", "contexts"]
    for design, values in expected.items():
        assert tuple(higher.loc[design, columns]) == near(values), (
            f"{design}, higher is better: mean, sd, worst context, mean and max regret over the "
            f"3 contexts must be {values}"
        )
    lower = analysis.robustness(runs, "capture", higher_is_better=False).set_index("design")
    # best per context (0.2, 0.1, 0.4): regret of a (0, 0.4, 0), of b (0.1, 0, 0.2)
    for design, values in {"a": (0.5, 0.4 / 3, 0.4), "b": (0.6, 0.1, 0.2)}.items():
        assert tuple(lower.loc[design, ["worst", "mean_regret", "max_regret"]]) == near(values), (
            f"{design}, lower is better: worst context, mean and max regret must be {values}"
        )


# --------------------------------------------------------------------------- Sobol indices

#: Ishigami function constants of Ishigami & Homma (1990) used by Saltelli et al. (2008).
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x: np.ndarray, a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> np.ndarray:
    """``sin x1 + a sin^2 x2 + b x3^4 sin x1`` for rows of ``x`` in [-pi, pi]^3."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total Sobol indices of the Ishigami function.

    With independent inputs uniform on [-pi, pi] (Ishigami & Homma 1990; Saltelli et al.
    2008, *Global Sensitivity Analysis: The Primer*): V1 = (1 + b pi^4 / 5)^2 / 2,
    V2 = a^2 / 8, V3 = 0 and the only interaction V13 = b^2 pi^8 (1/18 - 1/50); the total
    variance is a^2 / 8 + b pi^4 / 5 + b^2 pi^8 / 18 + 1/2.
    """
    v1 = (1 + b * math.pi**4 / 5) ** 2 / 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    total = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 1 / 2
    assert v1 + v2 + v13 == pytest.approx(total), "the partial variances add up to the total"
    return np.array([v1, v2, 0.0]) / total, np.array([v1 + v13, v2, v13]) / total


def test_ishigami_indices_are_the_published_values() -> None:
    s1, st = ishigami_indices()
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4), f"S1 of Ishigami(7, 0.1): {s1}"
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4), f"ST: {st}"


def test_sobol_indices_recover_the_ishigami_function() -> None:
    ranges = {"lobby_budget": (0.0, 2.0), "participation_cost": (0.0, 3.0),
              "tie_decay": (0.01, 0.1)}  # fmt: skip
    spec = ExperimentSpec.from_dict({
        "name": "ishigami", "sampler": "sobol", "n_samples": 1024, "replicates": 2, "steps": 1,
        "factors": {name: {"low": lo, "high": hi} for name, (lo, hi) in ranges.items()},
    })  # fmt: skip
    points = pd.DataFrame(spec.samples())[list(ranges)]
    unit = (points - [lo for lo, _ in ranges.values()]) / [hi - lo for lo, hi in ranges.values()]
    y = ishigami(-math.pi + 2 * math.pi * unit.to_numpy())  # each factor mapped onto [-pi, pi]
    wobble = np.sin(np.arange(len(y)))  # replicates differ, their mean is y
    runs = pd.DataFrame({
        "design": "ishigami", "sample": np.tile(np.arange(len(y)), 2),
        "replicate": np.repeat([0, 1], len(y)), "status": "ok",
        "ishigami": np.concatenate([y + wobble, y - wobble]),
    })  # fmt: skip
    other = runs.assign(design="other", ishigami=0.0)  # another design's runs are left out
    runs = pd.concat([runs, other]).sample(frac=1.0, random_state=1)  # in any order
    got = analysis.sobol_indices(spec, runs, "ishigami", design="ishigami").set_index("factor")
    s1, st = ishigami_indices()
    for i, factor in enumerate(ranges):
        assert got.loc[factor, "S1"] == pytest.approx(s1[i], abs=0.05), (
            f"x{i + 1} ({factor}): first-order index {got.loc[factor, 'S1']:.3f} must be the "
            f"analytic {s1[i]:.4f} within 0.05 (Saltelli sample, base 1024)"
        )
        assert got.loc[factor, "ST"] == pytest.approx(st[i], abs=0.05), (
            f"x{i + 1} ({factor}): total index {got.loc[factor, 'ST']:.3f} must be the "
            f"analytic {st[i]:.4f} within 0.05"
        )
    assert got.loc["tie_decay", "ST"] - got.loc["tie_decay", "S1"] > 0.15, (
        "x3 acts only through its interaction with x1: small S1, large ST"
    )


# --------------------------------------------------------------------------- PRIM

#: The planted box: a run is captured iff x1 in [0.2, 0.5] and x2 > 0.7 (x3, x4 are noise).
PLANTED = {"x1": (0.2, 0.5), "x2": (0.7, 1.0)}


def _planted_runs(seed: int, n: int = 1000) -> pd.DataFrame:
    x = np.random.default_rng(seed).uniform(0.0, 1.0, (n, 4))
    inside = (x[:, 0] >= 0.2) & (x[:, 0] <= 0.5) & (x[:, 1] > 0.7)
    runs = pd.DataFrame({f"param.x{i + 1}": x[:, i] for i in range(4)})
    runs = runs.assign(design="open", status="ok", capture=np.where(inside, 0.4, 0.1))
    other = runs.assign(design="closed", capture=0.4)  # another design, captured everywhere
    return pd.concat([runs, other], ignore_index=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prim_recovers_a_planted_box(seed: int) -> None:
    runs = _planted_runs(seed)
    limits, box = analysis.prim_boxes(
        runs, ["x1", "x2", "x3", "x4"], "capture", 0.25, design="open"
    )
    found = limits.set_index("factor")
    assert set(found.index) == {"x1", "x2"}, (
        f"the box must restrict x1 and x2 and leave the noise inputs x3, x4 free:\n{limits}"
    )
    for factor, (low, high) in PLANTED.items():
        assert found.loc[factor, "low"] == pytest.approx(low, abs=0.05), (
            f"{factor}: lower limit {found.loc[factor, 'low']:.3f}, planted {low} (within 0.05)"
        )
        assert found.loc[factor, "high"] == pytest.approx(high, abs=0.05), (
            f"{factor}: upper limit {found.loc[factor, 'high']:.3f}, planted {high} (within 0.05)"
        )
    captured = (runs.loc[runs["design"] == "open", "capture"] > 0.25).to_numpy()
    assert box["base_rate"] == pytest.approx(captured.mean()), (
        "the base rate is the share of the design's runs captured (other designs left out)"
    )
    assert box["density"] >= 0.95 and box["coverage"] >= 0.8, (
        f"the box must hold mostly captured runs (density) and most of them (coverage): {box}"
    )
    assert box["mass"] == pytest.approx(0.3 * 0.3, abs=0.03), (
        f"the box holds about the planted share of the runs, 0.3 x 0.3 = 0.09: {box}"
    )


def test_prim_without_cases_of_interest_finds_no_box() -> None:
    runs = _planted_runs(0)
    limits, box = analysis.prim_boxes(runs, ["x1", "x2", "x3", "x4"], "capture", 0.5, design="open")
    assert limits.empty and box["base_rate"] == 0.0, "no captured run: no box, base rate 0"
    assert all(math.isnan(box[k]) for k in ("coverage", "density", "mass")), (
        f"no box: its coverage, density and mass are undefined (NaN): {box}"
    )


def test_sobol_indices_outside_their_range_are_flagged() -> None:
    from msisim.study.analysis import sobol_interpretable

    table = pd.DataFrame(
        {
            "S1": [0.3, 0.2, -0.4, 0.9, 0.5],
            "S1_conf": [0.1, 0.1, 0.1, 0.05, 0.6],
            "ST": [0.5, 1.47, 0.1, 0.4, 1.3],
            "ST_conf": [0.1, 0.2, 0.1, 0.05, 0.4],
        }
    )
    np.testing.assert_array_equal(
        sobol_interpretable(table),
        [True, False, False, False, True],
        err_msg="a share of variance lies in [0, 1] and S1 <= ST, up to the 95% intervals: "
        "ST 1.47 +- 0.2 and S1 -0.4 +- 0.1 are impossible, S1 0.9 > ST 0.4 beyond both "
        "intervals is too; 1.3 +- 0.4 may still be 1",
    )
