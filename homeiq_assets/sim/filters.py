"""First-order recursive filters without a Python loop per sample.

scipy.signal.lfilter would do, but importing scipy.signal costs more start-up time than
simulating a home, so the AR(1) recursion is solved in closed form, block by block.
"""

from __future__ import annotations

import numpy as np

_MAX_GROWTH = 1e6  # largest phi**-j used inside a block (keeps ~10 significant digits)


def ar1_filter(x: np.ndarray, phi: float) -> np.ndarray:
    """y[t] = phi * y[t-1] + x[t] with y[0] = x[0] (what lfilter([1], [1, -phi]) gives).

    Within a block of length B, y[k0 + j] = phi**j * (phi * c + sum_{i<=j} x[k0+i] phi**-i),
    with c the last value of the previous block; B is chosen so that phi**-B stays below
    _MAX_GROWTH. Block carries decay by a = phi**B per block, so with a <= 1/_MAX_GROWTH the
    carry is exact to double precision after three terms.
    """
    if not 0.0 <= phi < 1.0:
        raise ValueError(f"phi must be in [0, 1), got {phi}")
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if n == 0 or phi == 0.0:
        return x.copy()
    block = max(1, min(n, int(np.log(_MAX_GROWTH) / -np.log(phi))))
    n_blocks = -(-n // block)
    padded = np.zeros(n_blocks * block)
    padded[:n] = x
    xb = padded.reshape(n_blocks, block)
    j = np.arange(block)
    # each block filtered from a zero start
    z = np.cumsum(xb * phi ** (-j), axis=1) * phi**j
    ends = z[:, -1]
    a = phi**block
    # carry into block k: y at the end of block k-1 = ends[k-1] + a*ends[k-2] + a^2*ends[k-3] …
    carry = np.zeros(n_blocks)
    power = 1.0
    for lag in range(1, min(n_blocks, 4)):  # three terms: a**3 < 1e-18
        carry[lag:] += power * ends[:-lag]
        power *= a
    y = z + carry[:, None] * phi ** (j + 1)
    return y.reshape(-1)[:n]
