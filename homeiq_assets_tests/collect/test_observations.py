"""Local times of events: UTC offsets looked up per day, hour by hour across a DST change."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from homeiq_assets.collect.observations import _offsets_ms


def _offset_at_hour_start(t_ms: int, tz: ZoneInfo) -> float:
    hour = dt.datetime.fromtimestamp(t_ms // 3_600_000 * 3600, tz=dt.UTC)
    return hour.astimezone(tz).utcoffset() / dt.timedelta(milliseconds=1)


@pytest.mark.parametrize(
    "timezone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
)
def test_offsets_are_each_hours_own_across_dst_changes(timezone):
    """Each event gets the offset of its UTC hour (exact where, as in the fleet's zones,
    offsets change on the hour), though most days are looked up once."""
    rng = np.random.default_rng(3)
    tz = ZoneInfo(timezone)
    for start in ("2026-03-20", "2026-10-01", "2026-01-05"):
        t0 = int(dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC).timestamp() * 1000)
        ts = np.sort(rng.integers(t0, t0 + 45 * 86_400_000, 3000))
        expected = [_offset_at_hour_start(t, tz) for t in ts.tolist()]
        assert _offsets_ms(ts, timezone).tolist() == expected
        if timezone != "Australia/Lord_Howe":  # its changes fall on a UTC half hour
            exact = [
                dt.datetime.fromtimestamp(t / 1000, tz=dt.UTC).astimezone(tz).utcoffset()
                / dt.timedelta(milliseconds=1)
                for t in ts.tolist()
            ]
            assert expected == exact
