"""Known answers for the statistics behind the reports.

Student-t intervals, Welch and paired differences are checked against ``scipy.stats`` on
fixed data; Sobol indices against the analytic values of the Ishigami function; PRIM against
a box planted in synthetic data.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from msisim.study import analysis
from msisim.viz.report import findings as fx

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
