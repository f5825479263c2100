"""Home Assistant context ids (ULIDs), deterministic and vectorised.

Home Assistant gives every context a ULID (`homeassistant.util.ulid.ulid_now`): a 48-bit
big-endian millisecond timestamp followed by 80 random bits, written as 26 Crockford base-32
characters, and stored by the recorder as the raw 16 bytes (`context_id_bin`). Here the 80 bits
are a hash of a per-home salt and the context's ordinal, so the ids sort by time like Home
Assistant's and the same seed always gives the same bytes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

ULID_TYPE = pa.binary(16)
_CROCKFORD = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: well-spread 64-bit values from counters."""
    x = np.asarray(x, dtype=np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def ulid_words(ms: np.ndarray, keys: np.ndarray, salt: int) -> np.ndarray:
    """(n, 2) uint64 words (high, low) of ULIDs created at epoch `ms` for distinct `keys`."""
    r = _mix64(np.asarray(keys, dtype=np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF))
    out = np.empty((len(r), 2), dtype=np.uint64)
    out[:, 0] = (np.asarray(ms, dtype=np.uint64) << np.uint64(16)) | (r >> np.uint64(48))
    out[:, 1] = _mix64(r + np.uint64(0x9E3779B97F4A7C15))
    return out


def ulid_array(words: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A `binary(16)` Arrow array of the ULIDs (null where `valid` is False): each ULID is its
    two words big-endian, as Home Assistant's `ulid_to_bytes` lays them out."""
    n = len(words)
    buffer = pa.py_buffer(np.ascontiguousarray(words).astype(">u8"))
    if valid is None or bool(np.all(valid)):
        return pa.FixedSizeBinaryArray.from_buffers(ULID_TYPE, n, [None, buffer])
    mask = pa.array(np.asarray(valid, dtype=bool)).buffers()[1]
    return pa.FixedSizeBinaryArray.from_buffers(ULID_TYPE, n, [mask, buffer], null_count=-1)


def ulid_bytes(ms: np.ndarray, keys: np.ndarray, salt: int) -> list[bytes]:
    """The 16-byte ULIDs as Python bytes (for sqlite rows)."""
    flat = ulid_words(ms, keys, salt).astype(">u8").tobytes()
    return [flat[i : i + 16] for i in range(0, len(flat), 16)]


def ulid_text(raw: np.ndarray | list[bytes]) -> list[str]:
    """26-character Crockford base-32 text of 16-byte ULIDs (as Home Assistant shows them)."""
    if not len(raw):
        return []
    b = np.frombuffer(b"".join(raw) if isinstance(raw, list) else raw.tobytes(), dtype=">u8")
    hi = b[0::2].astype(np.uint64)
    lo = b[1::2].astype(np.uint64)
    chars = np.empty((len(hi), 26), dtype=np.uint8)
    for j in range(26):  # 26 characters of 5 bits over 130 bits (the top 2 bits are zero)
        shift = 125 - 5 * j
        if shift >= 64:
            v = (hi >> np.uint64(shift - 64)) & np.uint64(31)
        elif shift + 5 <= 64:
            v = (lo >> np.uint64(shift)) & np.uint64(31)
        else:
            v = ((lo >> np.uint64(shift)) | (hi << np.uint64(64 - shift))) & np.uint64(31)
        chars[:, j] = _CROCKFORD[v.astype(np.int64)]
    return [row.tobytes().decode() for row in chars]


def context_keys(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit key per 16-byte context id (its halves mixed: two different ULIDs sharing a
    key is a 2^-64 event) and whether the id is present, without a Python loop."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(arr)
    if n == 0:
        return np.zeros(0, np.uint64), np.zeros(0, bool)
    words = np.frombuffer(arr.buffers()[1], dtype=">u8")[2 * arr.offset : 2 * (arr.offset + n)]
    words = words.astype(np.uint64).reshape(n, 2)
    key = words[:, 0] ^ (words[:, 1] * np.uint64(0x9E3779B97F4A7C15))
    return key, arr.is_valid().to_numpy(zero_copy_only=False)
