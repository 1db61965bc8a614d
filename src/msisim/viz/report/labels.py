"""Human names of outcomes and which outcomes are better low: shared by every study's report.

(To be replaced by the metric declarations of :mod:`msisim.metrics` once metrics declare
their label and direction beside their function.)
"""

from __future__ import annotations

LABELS = {
    "lobby_bias": "lobby bias",
    "rose": "Rose index (measured)",
    "true_rose": "Rose index (true)",
    "rose_gap": "Rose index minus its random-selection expectation",
    "responsiveness": "responsiveness",
    "captured_share": "share of members strongly tied",
    "viewpoint_coverage": "viewpoint coverage",
    "governance_index": "governance index (1-10)",
    "grassroots_share": "grassroots share of members",
    "selection_odds_ratio": "odds ratio: lobby-aligned in forum vs pool (log)",
    "adaptation_lag": "adaptation lag (steps)",
    "adaptation_censored": "share of shocks never absorbed",
    "congruence_error": "congruence error",
    "selector_capture": "selector capture",
    "n_members": "members in the room",
}
#: Outcomes where lower is better (for regret and wording).
LOWER_IS_BETTER = {"lobby_bias", "captured_share", "congruence_error", "adaptation_lag",
                   "adaptation_censored", "selector_capture", "voice_gini"}  # fmt: skip


def label(outcome: str) -> str:
    """Readable name of an outcome."""
    return LABELS.get(outcome, outcome.replace("_", " "))
