"""Analysis of stored runs: confidence intervals, paired differences, robustness, Sobol, PRIM.

All functions take the tidy run table (``runs.parquet``: one row per run, parameters as
``param.<name>`` columns, outcomes by name) and return tidy DataFrames.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from msisim.outcomes import direction, value_range
from msisim.study.spec import ExperimentSpec

logger = logging.getLogger(__name__)


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Only the runs that finished."""
    return runs[runs["status"] == "ok"] if "status" in runs else runs


#: Open recordings of :func:`record_pooling` (test instrumentation; empty otherwise).
_RECORDINGS: list[list[dict[str, object]]] = []


@contextmanager
def record_pooling() -> Iterator[list[dict[str, object]]]:
    """Record which parameters the tables of :func:`ci_table` and :func:`paired_differences` pool.

    Each call appends ``{"by": [...], "pooled": [...], "outcomes": [...]}``: ``pooled`` lists
    the ``param.*`` columns that take more than one value within one of the table's rows
    (a mean over runs from different levels of a factor). Reports use it to check that no
    table averages over a factor the study varied.
    """
    calls: list[dict[str, object]] = []
    _RECORDINGS.append(calls)
    try:
        yield calls
    finally:
        _RECORDINGS.remove(calls)


def varying_parameters(group: pd.DataFrame) -> list[str]:
    """The ``param.*`` columns that take more than one value in ``group`` (NaN counts as one).

    Columns of unhashable values (a stakeholder map's groups) are no factor and are skipped.
    """
    out = []
    for column in group.columns:
        if not str(column).startswith("param."):
            continue
        try:
            distinct = group[column].nunique(dropna=False)
        except TypeError:
            continue
        if distinct > 1:
            out.append(str(column))
    return out


def _note_pooling(by: Sequence[str], pooled: set[str], outcomes: Sequence[str]) -> None:
    for calls in _RECORDINGS:
        calls.append({"by": list(by), "pooled": sorted(pooled), "outcomes": list(outcomes)})


class _OutcomeRanges(dict[str, tuple[float, float]]):
    """Ranges of outcomes, read from their declarations in :mod:`msisim.outcomes`.

    A t-interval is symmetric, so at small n it can leave the range (a share near 1 with two
    replicates gets an upper end above 1); :func:`ci_table` clips the ends to these ranges.
    Clipping keeps the interval's coverage (the true mean lies in the range anyway) and only
    removes impossible values. Unknown names are unbounded.
    """

    def __missing__(self, name: str) -> tuple[float, float]:
        return value_range(name)

    def get(self, name: str, default: object = None) -> tuple[float, float]:
        return self[name]


OUTCOME_RANGES: dict[str, tuple[float, float]] = _OutcomeRanges()


def t_interval(
    values: np.ndarray, level: float = 0.95, bounds: tuple[float, float] | None = None
) -> tuple[float, float, float]:
    """Mean and the two ends of a Student-t confidence interval (NaN ends for n < 2).

    With ``bounds``, the ends are clipped to the outcome's range (see
    :data:`OUTCOME_RANGES`).
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = values.shape[0]
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if n < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return mean, low, high


def ci_table(runs: pd.DataFrame, by: Sequence[str], outcomes: Sequence[str]) -> pd.DataFrame:
    """Mean, 95% CI, standard deviation and n of each outcome per group.

    The CI is a Student-t interval, clipped to the outcome's range for the bounded outcomes
    of :data:`OUTCOME_RANGES`.

    Returns:
        One row per group and outcome: the ``by`` columns, ``outcome``, ``mean``,
        ``ci_low``, ``ci_high``, ``sd``, ``n``.
    """
    rows = []
    data = ok_runs(runs)
    groups = data.groupby(list(by), sort=False, dropna=False) if by else [((), data)]
    pooled: set[str] = set()
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        if _RECORDINGS:
            pooled.update(varying_parameters(group))
        for outcome in outcomes:
            if outcome not in group:
                continue
            values = group[outcome].to_numpy(dtype=float)
            mean, low, high = t_interval(values, bounds=OUTCOME_RANGES.get(outcome))
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "outcome": outcome,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "sd": float(np.nanstd(values, ddof=1)) if len(values) > 1 else float("nan"),
                    "n": int(np.isfinite(values).sum()),
                }
            )
    _note_pooling(by, pooled, outcomes)
    return pd.DataFrame(rows)


def paired_differences(
    runs: pd.DataFrame,
    outcome: str,
    baseline: str,
    *,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Differences of each design from ``baseline`` on common random numbers.

    Runs of two designs with the same sample point and replicate share their seed, so their
    difference cancels the context's noise. Runs are matched on sample point, replicate and
    (where the table has one) seed, so a pair always shares its factor levels and its random
    numbers. For every other design (and ``by`` group): the mean paired difference
    ``design - baseline`` with its 95% t-interval over the pairs.
    """
    data = ok_runs(runs)
    keys = ["sample", "replicate", *(["seed"] if "seed" in data else []), *by]
    base = data[data["design"] == baseline].set_index(keys)[outcome]
    rows = []
    pooled: set[str] = set()
    for design, group in data[data["design"] != baseline].groupby("design", sort=False):
        joined = group.set_index(keys)[outcome].to_frame("value").join(base.rename("base"))
        joined = joined.dropna()
        diff = (joined["value"] - joined["base"]).to_frame("diff").reset_index()
        if _RECORDINGS:  # the parameters of the design's paired runs, per table row
            paired = group.set_index(keys).loc[joined.index].reset_index()
            parts = paired.groupby(list(by), sort=False, dropna=False) if by else [((), paired)]
            for _, part in parts:
                pooled.update(varying_parameters(part))
        groups = diff.groupby(list(by), sort=False, dropna=False) if by else [((), diff)]
        for key, sub in groups:
            key = key if isinstance(key, tuple) else (key,)
            mean, low, high = t_interval(sub["diff"].to_numpy())
            rows.append(
                {
                    "design": design,
                    "baseline": baseline,
                    **dict(zip(by, key, strict=True)),
                    "outcome": outcome,
                    "mean_difference": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "pairs": len(sub),
                }
            )
    _note_pooling(by, pooled, [outcome])
    return pd.DataFrame(rows)


def robustness(
    runs: pd.DataFrame, outcome: str, *, higher_is_better: bool | None = None
) -> pd.DataFrame:
    """Mean, spread, worst case and regret of each design across sampled contexts.

    Per context (sample point) the design's value is its mean over replicates. *Regret* in a
    context is how far the design falls short of the best design there; the table reports
    its mean and maximum over contexts. The worst case is the design's worst context value.
    Which way is better comes from the outcome's declaration (:mod:`msisim.outcomes`)
    unless ``higher_is_better`` is given.

    Raises:
        ValueError: For an outcome whose declared direction is ``neither`` (a count or a
            position has no regret) when ``higher_is_better`` is not given.
    """
    if higher_is_better is None:
        better = direction(outcome)
        if better == "neither":
            raise ValueError(
                f"outcome {outcome!r} has no better direction (declared 'neither' in "
                "msisim.outcomes), so it has no regret"
            )
        higher_is_better = better == "higher"
    data = ok_runs(runs)
    per = data.groupby(["design", "sample"], sort=False)[outcome].mean().unstack("design")
    best = per.max(axis=1) if higher_is_better else per.min(axis=1)
    regret = (best.to_numpy()[:, None] - per.to_numpy()) * (1 if higher_is_better else -1)
    regret = pd.DataFrame(regret, index=per.index, columns=per.columns)
    rows = []
    for design in per.columns:
        values = per[design].dropna()
        rows.append(
            {
                "design": design,
                "outcome": outcome,
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
                "worst": float(values.min() if higher_is_better else values.max()),
                "mean_regret": float(regret[design].mean()),
                "max_regret": float(regret[design].max()),
                "contexts": len(values),
            }
        )
    return pd.DataFrame(rows)


def sobol_indices(
    spec: ExperimentSpec, runs: pd.DataFrame, outcome: str, *, design: str = ""
) -> pd.DataFrame:
    """First-order and total Sobol indices (SALib) of ``outcome`` over the spec's factors.

    The outcome is averaged over replicates per sample point, in the order of the Saltelli
    sample. Requires every sample point to have finished.

    Returns:
        One row per factor: ``factor``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` and
        ``interpretable``: false when an index lies outside ``[0, 1]`` beyond its 95%
        interval, or the first-order index exceeds the total one beyond both intervals,
        which only sampling error allows (the sample is too small to read the indices as
        shares of variance).
    """
    from SALib.analyze import sobol as sobol_analyze

    data = ok_runs(runs)
    if design:
        data = data[data["design"] == design]
    y = data.groupby("sample")[outcome].mean().sort_index()
    # with factors given by levels (crossed with the sample), ``runs`` must hold one of their
    # combinations: its sample points are a block of consecutive indices in Saltelli order
    expected = spec.n_points()
    index = y.index.to_numpy()
    if len(y) != expected or not np.all(index - index[0] == np.arange(expected)):
        raise ValueError(
            f"Sobol analysis of {outcome!r} needs all {expected} sample points; {len(y)} finished"
        )
    problem = spec.sobol_problem()
    result = sobol_analyze.analyze(
        problem, y.to_numpy(), calc_second_order=False, seed=spec.seed, print_to_console=False
    )
    table = pd.DataFrame(
        {
            "factor": problem["names"],
            "S1": result["S1"],
            "S1_conf": result["S1_conf"],
            "ST": result["ST"],
            "ST_conf": result["ST_conf"],
        }
    )
    table["interpretable"] = sobol_interpretable(table)
    return table


def sobol_interpretable(indices: pd.DataFrame) -> pd.Series:
    """Whether each row's Sobol indices are possible values up to their 95% intervals.

    A share of variance lies in ``[0, 1]`` and ``S1 <= ST``; an estimate that breaks either
    by more than its interval says the sample is too small (Saltelli et al. 2010).
    """
    outside = pd.Series(False, index=indices.index)
    for index in ("S1", "ST"):
        value, half = indices[index], indices[f"{index}_conf"].fillna(0.0)
        outside |= (value - half > 1.0) | (value + half < 0.0)
    outside |= indices["S1"] - indices["S1_conf"].fillna(0.0) > indices["ST"] + indices[
        "ST_conf"
    ].fillna(0.0)
    return ~outside


def import_prim() -> Any:
    """ema_workbench's PRIM module (``ema_workbench.analysis.prim``), imported in seconds.

    ema_workbench 3.0 names the class of each method it logs with
    ``inspect.getouterframes(...)[1][3]`` at import time, which reads the source of every
    frame on the stack and searches every loaded module for each: inside msisim (a deep
    import, many modules loaded) its import took 15-20 s of a 45 s quick claims map. While
    it imports, that call gets the frames without their source: the same class names.
    """
    import inspect

    with _PRIM_IMPORT:  # one import at a time patches and restores inspect
        return _import_prim(inspect)


def _import_prim(inspect: Any) -> Any:
    import sys

    known = sys.modules.get("ema_workbench.analysis.prim")
    if known is not None and getattr(known, "Prim", None) is not None:
        return known
    real = inspect.getouterframes

    def frames_only(frame: Any, context: int = 1) -> list[inspect.FrameInfo]:
        out = []
        while frame is not None:
            code = frame.f_code
            out.append(
                inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None)
            )
            frame = frame.f_back
        return out

    inspect.getouterframes = frames_only
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    finally:
        if inspect.getouterframes is frames_only:
            inspect.getouterframes = real
    return prim


_PRIM_IMPORT = threading.Lock()


def prim_boxes(
    runs: pd.DataFrame,
    factors: Sequence[str],
    outcome: str,
    threshold: float,
    *,
    design: str,
    threshold_direction: str = "above",
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Scenario discovery: PRIM (ema_workbench) boxes where ``design`` gets captured.

    Cases are runs of ``design``; a case is *of interest* when ``outcome`` is above (or
    below) ``threshold``. PRIM peels the factor space to a box with high density of such
    cases (Friedman & Fisher 1999; Bryant & Lempert 2010).

    Returns:
        ``(limits, stats)``: the chosen box's limits per restricted factor (``factor``,
        ``low``, ``high``) and its ``coverage``, ``density``, ``mass`` and the share of
        cases of interest overall (``base_rate``). An empty table when no case is of interest.
    """
    data = ok_runs(runs)
    data = data[data["design"] == design]
    x = data[[f"param.{f}" for f in factors]].astype(float)
    x.columns = list(factors)
    y = (
        (data[outcome] > threshold)
        if threshold_direction == "above"
        else (data[outcome] < threshold)
    )
    y = y.to_numpy()
    base_rate = float(y.mean()) if len(y) else 0.0
    empty = pd.DataFrame(columns=["factor", "low", "high"])
    if y.sum() == 0 or y.sum() == len(y):
        return empty, {"coverage": float("nan"), "density": float("nan"), "mass": float("nan"),
                       "base_rate": base_rate}  # fmt: skip
    prim = import_prim()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x.reset_index(drop=True), y, peel_alpha=0.1, mass_min=0.05)
        box = finder.find_box()
    limits = box.box_lim  # the box PRIM stopped at
    rows = []
    for factor in factors:
        low, high = float(limits[factor].iloc[0]), float(limits[factor].iloc[1])
        if low > x[factor].min() + 1e-12 or high < x[factor].max() - 1e-12:
            rows.append({"factor": factor, "low": low, "high": high})
    logger.info(
        "PRIM (%s, %s %s %g): box on %d factor(s), coverage %.2f, density %.2f",
        design, outcome, threshold_direction, threshold, len(rows), box.coverage, box.density,
    )  # fmt: skip
    return pd.DataFrame(rows, columns=["factor", "low", "high"]), {
        "coverage": float(box.coverage),
        "density": float(box.density),
        "mass": float(box.mass),
        "base_rate": base_rate,
    }
