"""Feasibility of stepping many runs in one vectorised model (issue 22, item 8): deliberation.

Usage: ``.venv/bin/python benchmarks/batched_deliberation.py [--repeats 5]``

Times one round of bounded-confidence exchange (:func:`msisim.rules.deliberation.
bounded_confidence`, 1,000 stakeholders, rooms of 30 and 131 members: the Bollow study's
representative and open forums) for ``B`` runs, three ways, in microseconds per run:

- ``single``: today's engine, one call per run;
- ``batched``: every run's pairs flattened into one exchange, each run still drawing its own
  pairing from its own generator (one ``permutation`` call per run);
- ``one stream``: the same exchange with the whole batch's pairing drawn in one call from one
  generator (random keys sorted per run), the ceiling when random draws are batched too.

A cost prototype, not the model: the batched exchange writes its update in another order
than :func:`bounded_confidence` (not the same bits), and ``one stream`` would tie a run's draws
to its batch. Medians over ``--repeats``, measured in one run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from msisim.rules.deliberation import bounded_confidence

N, D = 1000, 2
Args = tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.random.Generator]]


def setup(runs: int, room: int, seed: int) -> Args:
    """Positions, voices, rooms and one generator per run."""
    rng = np.random.default_rng(seed)
    members = [np.sort(rng.choice(N, room, replace=False)) for _ in range(runs)]
    rngs = [np.random.default_rng([seed, b]) for b in range(runs)]
    return rng.random((runs, N, D)), rng.random((runs, N)), members, rngs


def single(
    adv: np.ndarray,
    voice: np.ndarray,
    members: list[np.ndarray],
    rngs: list[np.random.Generator],
    eps: float = 0.3,
    mu: float = 0.3,
) -> None:
    """Today: one call per run."""
    for b, room in enumerate(members):
        bounded_confidence(adv[b], room, voice[b], epsilon=eps, mu=mu, rng=rngs[b])


def _exchange(
    flat: np.ndarray, voice: np.ndarray, a: np.ndarray, b: np.ndarray, eps: float, mu: float
) -> None:
    """Every pair ``(a[k], b[k])`` of every run in one pass (flat rows: run * N + row)."""
    xa, xb = flat[a], flat[b]
    diff = xb - xa
    close = diff[:, 0] * diff[:, 0] + diff[:, 1] * diff[:, 1] < eps * eps
    va, vb = voice[a], voice[b]
    total = va + vb
    flat[a[close]] = (xa + (mu * 2.0 * vb / total)[:, None] * diff)[close]
    flat[b[close]] = (xb - (mu * 2.0 * va / total)[:, None] * diff)[close]


def batched(
    adv: np.ndarray,
    voice: np.ndarray,
    members: list[np.ndarray],
    rngs: list[np.random.Generator],
    eps: float = 0.3,
    mu: float = 0.3,
) -> None:
    """One exchange for the batch; each run's pairing from its own generator."""
    firsts, seconds = [], []
    for b, room in enumerate(members):
        order = rngs[b].permutation(room) + b * N
        half = order.shape[0] // 2
        firsts.append(order[:half])
        seconds.append(order[half : 2 * half])
    _exchange(adv.reshape(-1, D), voice.reshape(-1), np.concatenate(firsts),
              np.concatenate(seconds), eps, mu)  # fmt: skip


def one_stream(
    adv: np.ndarray,
    voice: np.ndarray,
    members: list[np.ndarray],
    rngs: list[np.random.Generator],
    eps: float = 0.3,
    mu: float = 0.3,
) -> None:
    """One exchange and one draw for the batch (rooms of equal size here)."""
    rooms = np.stack(members)
    runs, room = rooms.shape
    keys = rngs[0].random((runs, room))
    order = np.take_along_axis(rooms, keys.argsort(axis=1), axis=1) + (np.arange(runs) * N)[:, None]
    half = room // 2
    _exchange(adv.reshape(-1, D), voice.reshape(-1), order[:, :half].ravel(),
              order[:, half : 2 * half].ravel(), eps, mu)  # fmt: skip


def main() -> None:
    """Print microseconds per run for each way, batch size and room size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ways: dict[str, Callable[..., None]] = {
        "single": single, "batched": batched, "one stream": one_stream,
    }  # fmt: skip
    print("microseconds per run for one deliberation round (median of repeats)")
    for room in (30, 131):
        for runs in (1, 8, 32, 128):
            cost = {}
            for name, way in ways.items():
                times = []
                for r in range(args.repeats):
                    state = setup(runs, room, r)
                    start = time.perf_counter()
                    for _ in range(20):
                        way(*state)
                    times.append((time.perf_counter() - start) / 20 / runs * 1e6)
                cost[name] = statistics.median(times)
            print(
                f"room {room:3d}, {runs:3d} runs: single {cost['single']:6.1f}, batched "
                f"{cost['batched']:6.1f} ({cost['single'] / cost['batched']:.1f}x), one stream "
                f"{cost['one stream']:6.1f} ({cost['single'] / cost['one stream']:.1f}x)"
            )


if __name__ == "__main__":
    main()
