"""Local times of events (UTC offsets looked up per day, hour by hour across a DST change) and
the completeness of a stored cycle's lineage."""

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


def test_lineage_problems_counts_each_kind_of_gap(tmp_path):
    """A record without lineage, an id twice, a missing field, no transformations and a row
    of another cycle are each counted; a complete dataset has none."""
    import pandas as pd

    from homeiq_assets.collect.lineage import lineage_problems

    def lineage_row(i, **change):
        row = {
            "record_id": f"c1/r{i}",
            "dataset": "d",
            "cycle": "c1",
            "home_id": "h00001",
            "stage": "s",
            "generator_version": "v",
            "seed": 1,
            "transformations": ["detected:v"],
            "sources": ["events"],
        }
        return {**row, **change}

    good, bad = tmp_path / "good", tmp_path / "bad"
    for folder in (good, bad):
        (folder / "d").mkdir(parents=True)
        pd.DataFrame({"record_id": [f"c1/r{i}" for i in range(6)]}).to_parquet(
            folder / "d" / "records.parquet"
        )
    pd.DataFrame([lineage_row(i) for i in range(6)]).to_parquet(good / "d" / "lineage.parquet")
    rows = [  # r5 has none
        lineage_row(0),
        lineage_row(1, home_id=None),
        lineage_row(2, transformations=[]),
        lineage_row(3, cycle="c0"),
        lineage_row(4),
        lineage_row(0),  # r0 twice
    ]
    pd.DataFrame(rows).to_parquet(bad / "d" / "lineage.parquet")
    assert lineage_problems(good, "c1", ["d", "absent"]) == (6, {})
    assert lineage_problems(bad, "c1", ["d"]) == (6, {"d": 5})
