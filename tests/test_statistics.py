"""Known answers for the statistics behind the reports.

Student-t intervals, Welch and paired differences are checked against ``scipy.stats`` on
fixed data; Sobol indices against the analytic values of the Ishigami function; PRIM against
a box planted in synthetic data.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from msisim.viz.report import findings as fx


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
