"""First-order recursive filters without a Python loop (and without importing scipy.signal,
which alone costs more start-up time than simulating a home)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def ar1_filter(x: np.ndarray, phi: float) -> np.ndarray:
    """y[t] = phi * y[t-1] + x[t] with y[0] = x[0] (what scipy's lfilter([1], [1, -phi]) gives).

    pandas' exponentially weighted mean with adjust=False computes z[t] = phi z[t-1] +
    (1 - phi) u[t] in compiled code; feeding u = x / (1 - phi) (and u[0] = x[0]) makes z = y.
    """
    if not 0.0 <= phi < 1.0:
        raise ValueError(f"phi must be in [0, 1), got {phi}")
    x = np.asarray(x, dtype=np.float64)
    if len(x) == 0:
        return x.copy()
    u = x / (1.0 - phi)
    u[0] = x[0]
    return pd.Series(u).ewm(alpha=1.0 - phi, adjust=False).mean().to_numpy()
