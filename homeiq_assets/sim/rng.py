"""Seeded random generators derived from (cycle seed, home, stream).

Every random draw in the simulator comes from a generator made here, so a home's output depends
only on the seed, its own id and the stream name: never on the order homes are generated in, the
number of workers, global random state or Python's salted `hash()`.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _key_words(*parts: object) -> list[int]:
    """Stable 32-bit words from arbitrary labels (blake2b, independent of PYTHONHASHSEED)."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=16)
    raw = digest.digest()
    return [int.from_bytes(raw[i : i + 4], "little") for i in range(0, 16, 4)]


def derive_rng(seed: int, *stream: object) -> np.random.Generator:
    """A PCG64 generator for `stream` (e.g. ``("h00012", "occupancy")``) under `seed`."""
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    sequence = np.random.SeedSequence([seed & 0xFFFFFFFF, seed >> 32, *_key_words(*stream)])
    return np.random.Generator(np.random.PCG64(sequence))


def stable_int(*parts: object) -> int:
    """A stable non-negative 63-bit integer for labels (for ids and seeds derived from names)."""
    words = _key_words(*parts)
    return ((words[0] << 32) | words[1]) & 0x7FFFFFFFFFFFFFFF
