"""The figure of a multirun (``msisim run -m``): outcomes against the swept overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: The outcomes a multirun's figure shows, those the runs have (a parliament: its efficiency).
SWEEP_OUTCOMES = ("capture", "lobby_bias", "rose", "grassroots_share", "viewpoint_coverage",
                  "congruence", "legislative_efficiency")  # fmt: skip


def job_overrides(job: Path) -> dict[str, str]:
    """A multirun job's overrides (``key: value``), from Hydra's ``.hydra/overrides.yaml``."""
    try:
        listed = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text()) or []
    except (OSError, yaml.YAMLError):
        listed = [part for part in job.name.split(",") if "=" in part]  # design=open,...
    pairs = (str(item).split("=", 1) for item in listed if "=" in str(item))
    return {key.lstrip("+~"): value for key, value in pairs}


def sweep_figure(sweep: Path, table: Any) -> Path | None:
    """``sweep_outcomes.png``: each outcome against the swept overrides, over replicates.

    The swept settings are the overrides whose value differs between jobs; ``None`` when
    there is none (a multirun of one job) or no outcome to draw.
    """
    import matplotlib

    matplotlib.use("Agg")
    from msisim.viz.plots import plot_sweep

    settings = {job: job_overrides(sweep / job) for job in table["job"].unique()}
    keys = list(dict.fromkeys(k for overrides in settings.values() for k in overrides))
    swept = [k for k in keys if len({o.get(k, "") for o in settings.values()}) > 1]
    outcomes = [o for o in SWEEP_OUTCOMES if o in table and table[o].notna().any()]
    if not swept or not outcomes:
        return None
    data = table.copy()
    for key in swept:
        data[key] = data["job"].map(lambda job, k=key: settings[job].get(k, "(default)"))
    return plot_sweep(data, swept, outcomes, sweep / "sweep_outcomes.png", title="msisim run -m")
