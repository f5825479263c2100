"""Time grid of a cycle: UTC window, local offsets and the minute grid homes live on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

MINUTES_PER_DAY = 1440
MS_PER_MINUTE = 60_000


@dataclass(frozen=True)
class Window:
    """The simulated period: `days` whole UTC days from `start` 00:00 UTC."""

    start: dt.date
    days: int

    @property
    def start_ms(self) -> int:
        start = dt.datetime(self.start.year, self.start.month, self.start.day, tzinfo=dt.UTC)
        return int(start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.days * 86_400_000

    @property
    def minutes(self) -> int:
        return self.days * MINUTES_PER_DAY


@lru_cache(maxsize=256)
def hourly_utc_offsets_min(timezone: str, start: dt.date, hours: int) -> np.ndarray:
    """UTC offset in minutes of `timezone` at each UTC hour from `start` (DST-aware)."""
    tz = ZoneInfo(timezone)
    base = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    out = np.empty(hours, dtype=np.int32)
    step = dt.timedelta(hours=1)
    for i in range(hours):  # one zoneinfo lookup per hour, not per minute or event
        offset = (base + i * step).astimezone(tz).utcoffset()
        out[i] = int(offset.total_seconds() // 60) if offset is not None else 0
    out.setflags(write=False)
    return out


@lru_cache(maxsize=64)
def local_minute_of_day(window: Window, timezone: str) -> np.ndarray:
    """Local minute-of-day (0..1439) for every UTC minute of the window (read-only)."""
    offsets = np.repeat(hourly_utc_offsets_min(timezone, window.start, window.days * 24), 60)
    out = ((np.arange(window.minutes) + offsets) % MINUTES_PER_DAY).astype(np.int32)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=64)
def local_day_starts(window: Window, timezone: str, extra_days: int = 1) -> np.ndarray:
    """Window minute at which each local calendar day begins, from one day before the window.

    Local day k (k = 0 is the local day before the window's first UTC day) starts at minute
    ``(k - 1) * 1440 - offset``; the offset is taken at local noon so DST days stay whole.
    """
    n = window.days + 1 + extra_days
    offsets = hourly_utc_offsets_min(timezone, window.start - dt.timedelta(days=1), (n + 1) * 24)
    noon_offsets = offsets[np.arange(n) * 24 + 12]
    out = (np.arange(n) - 1) * MINUTES_PER_DAY - noon_offsets.astype(np.int64)
    out.setflags(write=False)
    return out


def local_weekdays(window: Window, extra_days: int = 1) -> np.ndarray:
    """Weekday (Mon=0) of each local day returned by `local_day_starts`."""
    first = window.start - dt.timedelta(days=1)
    n = window.days + 1 + extra_days
    return (first.weekday() + np.arange(n)) % 7
