"""Hydra structured configs and the config tree's location (surface layer).

Schemas are registered in Hydra's ConfigStore so that YAML files are type-checked on
composition; the values are then validated again by the model's own parameter objects
(:class:`msisim.params.Params`, :class:`msisim.study.spec.ExperimentSpec`), so a wrong value
fails before anything runs, with a message naming the parameter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore


@dataclass
class RunSchema:
    """``msisim run``: one scenario (flat model ``params``), N replicates."""

    params: dict[str, Any] = field(default_factory=dict)
    replicates: int = 5
    steps: int = 200
    seed: int = 20261125
    workers: int = 1


@dataclass
class ExperimentSchema:
    """A shipped study (see :class:`msisim.study.spec.ExperimentSpec` for each field)."""

    name: str = "???"
    title: str = ""
    question: str = ""
    hypothesis: str = ""
    base: dict[str, Any] = field(default_factory=dict)
    designs: dict[str, Any] = field(default_factory=dict)
    factors: dict[str, Any] = field(default_factory=dict)
    design_factors: list[str] = field(default_factory=list)
    sampler: str = "grid"
    n_samples: int = 16
    replicates: int = 10
    steps: int = 200
    seed: int = 20261125
    collect_series: bool = False
    batch_size: int = 4
    outcomes: list[str] = field(default_factory=lambda: ["lobby_bias", "rose", "congruence"])
    capture_threshold: float = 0.6
    quick: dict[str, Any] = field(default_factory=dict)


def register_configs() -> None:
    """Register the schemas in Hydra's ConfigStore (idempotent)."""
    store = ConfigStore.instance()
    store.store(name="run_schema", node=RunSchema)
    store.store(name="experiment_schema", node=ExperimentSchema)


def config_dir() -> Path:
    """The config tree: ``$MSISIM_CONFIG_DIR``, else ``configs/`` of the source checkout.

    Raises:
        FileNotFoundError: When no config tree is found.
    """
    env = os.environ.get("MSISIM_CONFIG_DIR")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parents[2] / "configs", Path.cwd() / "configs"]
    for path in candidates:
        if (path / "experiment").is_dir():
            return path.resolve()
    raise FileNotFoundError(
        "no msisim config tree found (looked in "
        + ", ".join(str(p) for p in candidates)
        + "); set MSISIM_CONFIG_DIR to the repository's configs/ folder"
    )


def experiment_names() -> list[str]:
    """Names of the shipped studies (files in ``configs/experiment/``)."""
    return sorted(p.stem for p in (config_dir() / "experiment").glob("*.yaml"))
