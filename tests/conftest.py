"""Shared test helpers."""

import logging

logging.getLogger("MESA").setLevel(logging.WARNING)

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
