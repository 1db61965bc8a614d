"""Parliament: the two-party chamber with legislators drawn by lot of Pluchino et al. (2011).

A light, vectorised model beside :class:`msisim.GovernanceModel`, its own model kind
(``parliament``, :mod:`msisim.kinds`): no population, lobbying, deliberation or attendance,
only a chamber that votes acts by :func:`msisim.rules.decision.proposal_vote`. A study
chooses it with ``model: parliament`` and ``msisim run`` with ``model=parliament``; it takes
its own parameters (:class:`msisim.params.ParliamentParams`) and reports through the same
outcome declarations (:data:`PARLIAMENT_OUTCOMES`).

One step is one legislature (docs/ODD.md §7.8): an election seats
``n_seats - lottery_seats`` party members, ``majority_share`` of them in the majority
party, and ``lottery_seats`` independents are drawn by lot; then ``n_proposals`` acts are
proposed and voted. Source: A. Pluchino, C. Garofalo, A. Rapisarda, S. Spagano,
M. Caserta, "Accidental politicians: how randomly selected legislators can improve
parliament efficiency", Physica A 390 (2011) 3944-3954, arXiv:1103.1224.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from msisim import outcomes as declared
from msisim.params import ParliamentParams
from msisim.rules.decision import INDEPENDENT, PARTIES, proposal_vote
from msisim.streams import spawn_streams
from msisim.view import RunView

#: Outcomes a parliament reports (the others describe a forum).
PARLIAMENT_OUTCOMES: tuple[str, ...] = ("legislative_efficiency", "steps")


def golden_rule(n_seats: int, majority_share: float) -> float:
    """Pluchino et al.'s efficiency golden rule: the best number of independents.

    ``N* = (2N - 4Np + 4) / (1 - 4p)``: the chamber size at which the majority party plus
    the quarter of the independents expected to accept an act (an acceptance window covers
    a quarter of the plane on average) just make the absolute majority ``N/2 + 1``, i.e.
    ``p (N - N*) + N*/4 = N/2 + 1`` (eq. 3 of the paper; about 140 for N = 500, p = 0.6).
    """
    p = majority_share
    return (2.0 * n_seats - 4.0 * n_seats * p + 4.0) / (1.0 - 4.0 * p)


def seat_parties(n_seats: int, lottery_seats: int, majority_share: float) -> tuple[int, int, int]:
    """Seats ``(majority, minority, independents)``: party seats split by ``majority_share``.

    The majority gets ``round(p * (N - N_ind))`` seats (half-up), the minority the rest.
    """
    party_seats = n_seats - lottery_seats
    majority = int(np.floor(majority_share * party_seats + 0.5))
    return majority, party_seats - majority, lottery_seats


def elect(
    n_seats: int,
    lottery_seats: int,
    majority_share: float,
    radius: float,
    population: np.random.Generator,
    lottery: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One legislature's chamber: members' Cipolla points, party codes and party centres.

    Each party's centre is uniform on ``[-1 + r, 1 - r]^2`` (its circle of tolerance of
    radius ``r`` lies in the plane) and its members are uniform in that circle; the
    independents drawn by lot are uniform on ``[-1, 1]^2``. The draws have a fixed size
    (``n_seats`` of each kind), so runs that differ only in ``lottery_seats`` or
    ``majority_share`` share their parties' centres (common random numbers).

    Returns:
        ``points`` ``float64[N, 2]``, ``party`` ``int64[N]`` (index into
        :data:`~msisim.rules.decision.PARTIES`, or ``INDEPENDENT``), ``centres``
        ``float64[2, 2]``.
    """
    n_major, n_minor, n_ind = seat_parties(n_seats, lottery_seats, majority_share)
    centres = population.uniform(-1.0 + radius, 1.0 - radius, size=(len(PARTIES), 2))
    angle = population.uniform(0.0, 2.0 * np.pi, size=n_seats)
    distance = radius * np.sqrt(population.random(n_seats))
    offsets = np.column_stack([distance * np.cos(angle), distance * np.sin(angle)])
    citizens = lottery.uniform(-1.0, 1.0, size=(n_seats, 2))
    party = np.repeat(np.array([0, 1, INDEPENDENT]), [n_major, n_minor, n_ind])
    points = np.concatenate(
        [
            centres[0] + offsets[:n_major],
            centres[1] + offsets[n_major : n_major + n_minor],
            citizens[:n_ind],
        ]
    )
    return points, party, centres


class Parliament(mesa.Model):
    """A chamber of two parties and independents drawn by lot that votes acts.

    Example:
        >>> m = Parliament(n_seats=500, lottery_seats=140, majority_share=0.6, n_steps=10,
        ...                rng=3)
        >>> m.run().summary()["legislative_efficiency"]  # doctest: +SKIP

    Args:
        params: The parliament's parameters (flat keywords then override its fields).
        rng: Seed (Mesa 3.5 semantics); every draw comes from named streams spawned from it.
        **kwargs: Flat parameters (``n_seats``, ``lottery_seats``, ``majority_share``, ...);
            a forum's parameters are refused.
    """

    def __init__(
        self, params: ParliamentParams | None = None, *, rng: Any = None, **kwargs: Any
    ) -> None:
        if params is None:
            params = ParliamentParams.from_flat(**kwargs)
        elif not isinstance(params, ParliamentParams):
            raise ValueError(
                f"params={type(params).__name__} is invalid for a Parliament: must be a "
                "msisim.params.ParliamentParams"
            )
        elif kwargs:
            params = ParliamentParams.from_flat(**{**params.to_flat(), **kwargs})
        super().__init__(rng=rng)
        self.params = params
        self.streams = spawn_streams(self._seed)
        self.disciplined = np.array([name in params.party_discipline for name in PARTIES])
        #: One row per legislature: acts proposed, acts passed, social gain of those passed.
        self.legislatures: list[dict[str, float]] = []
        #: What its run outcomes read (they never see the model).
        self.view = RunView(self)
        self.running = True

    def step(self) -> None:
        """One legislature: an election, then ``n_proposals`` acts proposed and voted."""
        params = self.params
        points, party, centres = elect(
            params.n_seats,
            params.lottery_seats,
            params.majority_share,
            params.party_radius,
            self.streams["population"],
            self.streams["selection"],
        )
        # a child stream per legislature: the votes' draws (their number depends on the
        # independents) never shift the next legislature's
        (votes,) = self.streams["legislature"].spawn(1)
        acts = proposal_vote(points, party, centres, self.disciplined, params.n_proposals, votes)
        self.legislatures.append(
            {
                "step": float(self.steps),
                "n_acts": float(params.n_proposals),
                "n_passed": float(acts.passed.sum()),
                "social_gain_passed": float(acts.social_gain[acts.passed].sum()),
            }
        )
        if self.steps >= params.n_steps:
            self.running = False

    def run(self, n_steps: int | None = None) -> Parliament:
        """Run ``n_steps`` legislatures (default: the ``n_steps`` parameter); returns ``self``."""
        self.run_for(self.params.n_steps if n_steps is None else n_steps)
        return self

    def series_frame(self) -> pd.DataFrame:
        """One row per legislature: step, acts, acts passed, their social gain, efficiency."""
        frame = pd.DataFrame(
            self.legislatures, columns=["step", "n_acts", "n_passed", "social_gain_passed"]
        )
        frame["legislative_efficiency"] = 100.0 * frame["social_gain_passed"] / frame["n_acts"]
        return frame

    def summary(self) -> dict[str, float]:
        """Per-run outcomes of a parliament (``legislative_efficiency``, ``steps``)."""
        if not self.legislatures:
            raise RuntimeError("summary() needs at least one step; call run_for(n) first")
        out = declared.Summary()
        for name in PARLIAMENT_OUTCOMES:
            value = declared.evaluate(declared.OUTCOMES[name], self.view, {})
            if value is not None:
                out[name] = float(value)
        return out

    def scorecard(self, **_weights: Any) -> pd.DataFrame:
        """A parliament has no governance scorecard: an empty table (arena, principle, score)."""
        return pd.DataFrame(columns=["arena", "principle", "score"])
