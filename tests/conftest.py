"""Shared test helpers."""

import logging
import os
from collections.abc import Iterator

import pytest

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def _fresh_logging_and_dask_env() -> Iterator[None]:
    """Undo what an in-process ``msisim.cli.main`` call leaves behind for the next test.

    ``main`` configures the root logger (``logging.basicConfig``) on the ``sys.stderr`` of the
    moment, a test's captured stream that is closed after the test, and sets Dask's logging
    level in the environment, which subprocesses of later tests would inherit.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    env = {k: os.environ.get(k) for k in ("DASK_LOGGING__DISTRIBUTED", "MSISIM_SET_DASK_LOGGING")}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


#: One category whose true positions start uniform on [0, 1]^d, with equal resources, so
#: every voice is equal: the setting of Deffuant et al. (2000) and of the median check.
UNIFORM_CITIZENS = (
    {
        "name": "citizens",
        "share": 1.0,
        "position_mean": (0.5,),
        "spread": 0.0,
        "resources_mu": 0.0,
        "resources_sigma": 0.0,
        "affectedness": 1.0,
        "engagement": 1.0,
        "distribution": "uniform",
    },
)
