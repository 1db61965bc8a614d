"""Run outcome ``member_turnover``: the share of seats that changed hands over the run.

A plugin in one file, outside ``src/``: importing it registers the outcome with
:func:`msisim.outcomes.outcome`, and from then on every forum made reports it in
``summary()`` (and a study may name it). Load it with a plain import, by path::

    import importlib.util
    spec = importlib.util.spec_from_file_location("member_turnover", "member_turnover.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))

or with ``msisim run --plugin member_turnover.py ...``.

Definition. A *seat selection* is a step at which the seated body was (re)filled (the first
step of each term). At a selection, the seats that *changed hands* are the seat holders after
it who did not hold a seat just before it. Over the run's selections after the first (the
first fills an empty body)::

    member_turnover = sum(seats that changed hands) / sum(seats filled)

in [0, 1]: 0 when every re-selection returns the sitting members (e.g. a body of incumbents
with no term limit), 1 when each term seats entirely new people (``term_limit=1``). ``NaN``
for a forum without seats (open rounds, a plenary) and for a run with a single term: no
seat could change hands.

What it reads: the view's whole-run record ``seat_selections`` (step, seats filled, seats
that changed hands, one row per selection), declared in ``needs`` so that the model keeps it
and a run that records full metrics only in its summary window (``summary_only``, as studies
run) gives the same value. Reading a record or step column it did not declare would raise.
"""

from __future__ import annotations

import math

from msisim.outcomes import StepTable, outcome
from msisim.view import ForumView


@outcome(
    "member_turnover",
    "share of seats that changed hands",
    unit="share",
    lo=0,
    hi=1,
    direction="neither",
    aggregate="run",
    needs=("seat_selections",),
)
def member_turnover(view: ForumView, _table: StepTable) -> float:
    """Share of the seats filled at re-selections whose holder changed (NaN without any)."""
    later = view.seat_selections[1:]  # rows (step, seats filled, seats that changed hands)
    seats = float(later[:, 1].sum())
    return float(later[:, 2].sum()) / seats if seats > 0 else math.nan
