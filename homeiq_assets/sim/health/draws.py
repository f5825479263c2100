"""Random numbers of the health simulation: one fixed block per home from the home's own
generator, so a home's rows do not depend on which other homes share the batch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.rng import derive_rng

N_DAY_NORMAL = 7  # resp, err, signal, temp, tx, battery, uptime
N_DEV_NORMAL = 6  # resp mult, err mult, signal offset, tx mult, temp offset, gap scale
DEV_UNIF_FIXED = 6  # age, flaky, battery start, swap threshold, anomaly count, battery step
EP_UNIF = 7  # wait, mode, repair, lead, amp1, amp2, amp3
ANOM_SLOTS = 2
AN_UNIF = 7  # start, kind, field, length, magnitude, sign, extra


def n_episodes(horizon: int) -> int:
    """Failure episodes per device we allow (a replaced device can fail again)."""
    return 3 + horizon // 60


@dataclass
class Draws:
    day_normal: np.ndarray  # (K, n, H) float32
    day_unif: np.ndarray  # (n, H) float32
    home_day: np.ndarray  # (3, n, H) float32: home-wide daily draws, repeated per device
    dev_normal: np.ndarray  # (n, K) float64
    dev_unif: np.ndarray  # (n, K) float64


def draw(
    seed: int, homes: np.ndarray, bounds: np.ndarray, n: int, horizon: int, episodes: int
) -> tuple[Draws, list[tuple[np.random.Generator, int, int]]]:
    """Draw each home's fixed block of random numbers from derive_rng(seed, home, "health").

    The block layout depends only on the home's device count and the horizon, so a home's
    numbers (and rows) are the same whichever other homes share the batch.
    """
    n_dev_unif = DEV_UNIF_FIXED + EP_UNIF * episodes + AN_UNIF * ANOM_SLOTS
    day_normal = np.empty((N_DAY_NORMAL, n, horizon), dtype=np.float32)
    day_unif = np.empty((n, horizon), dtype=np.float32)
    dev_normal = np.empty((n, N_DEV_NORMAL))
    dev_unif = np.empty((n, n_dev_unif))
    home_day = np.empty((3, n, horizon), dtype=np.float32)
    gens = []
    for home, a, b in zip(homes, bounds[:-1], bounds[1:], strict=True):
        rng = derive_rng(seed, str(home), "health")
        m = int(b - a)
        day_normal[:, a:b] = rng.standard_normal((N_DAY_NORMAL, m, horizon), dtype=np.float32)
        rng.random(out=day_unif[a:b], dtype=np.float32)
        dev_normal[a:b] = rng.standard_normal((m, N_DEV_NORMAL))
        dev_unif[a:b] = rng.random((m, n_dev_unif))
        home_day[:, a:b] = rng.random((3, 1, horizon), dtype=np.float32)
        gens.append((rng, int(a), int(b)))
    return Draws(day_normal, day_unif, home_day, dev_normal, dev_unif), gens


def poisson_per_home(
    gens: list[tuple[np.random.Generator, int, int]], lam: np.ndarray
) -> np.ndarray:
    """Poisson counts for lam of shape (K, n, H), each home from its own generator."""
    out = np.empty(lam.shape, dtype=np.int64)
    for rng, a, b in gens:
        out[:, a:b] = rng.poisson(lam[:, a:b])
    return out
