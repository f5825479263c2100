"""Local times of events (UTC offsets looked up per day, hour by hour across a DST change), the
homes read from an events shard in any row order, and the completeness of a stored cycle's
lineage."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow.parquet as pq
import pytest

from homeiq_assets.collect.observations import _offsets_ms, iter_homes, read_tables


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


def test_a_shard_in_any_row_order_gives_the_same_homes(fleet_dir, tmp_path):
    """The simulator writes a shard's events by home, then time, and the reader relies on it
    only after checking: a copy with the homes' rows interleaved (each home's own rows still in
    file order, which orders simultaneous events) gives every home the same observations."""
    shuffled = tmp_path / "fleet"
    shuffled.mkdir()
    for table in fleet_dir.iterdir():
        if table.name != "events":
            (shuffled / table.name).symlink_to(table)
    (shuffled / "events").mkdir()
    shard = sorted((fleet_dir / "events").glob("*.parquet"))[1]
    events = pq.read_table(shard)
    # each home's rows get ascending random keys: sorted by key, homes interleave at random
    rng = np.random.default_rng(0)
    home = np.asarray(events.column("home_id").to_pylist())
    key = np.empty(events.num_rows)
    for h in sorted(set(home)):
        mine = np.flatnonzero(home == h)
        key[mine] = np.sort(rng.random(mine.size))
    rows = np.argsort(key, kind="stable")
    assert (np.diff(rows) < 0).any()  # really out of home order
    pq.write_table(events.take(rows), shuffled / "events" / shard.name)

    homes = sorted(set(events.column("home_id").to_pylist()))
    tables = read_tables(fleet_dir, homes)
    ordered = list(iter_homes(fleet_dir, homes, shards=[shard], tables=tables))
    again = list(iter_homes(shuffled, homes, shards=[shuffled / "events" / shard.name]))
    assert [o.home_id for o, _ in again] == homes == [o.home_id for o, _ in ordered]
    for (obs, truth), (obs2, truth2) in zip(ordered, again, strict=True):
        assert obs.n_events > 100
        # same events, in the same (time) order, down to the strings they stand for
        assert obs.ts_ms.tolist() == obs2.ts_ms.tolist()
        assert obs.entity_ids[obs.entity].tolist() == obs2.entity_ids[obs2.entity].tolist()
        assert obs.states[obs.state].tolist() == obs2.states[obs2.state].tolist()
        # per-home vocabularies: each string once, sorted by the shard's codes, all used
        assert np.unique(obs.entity).tolist() == list(range(len(obs.entity_ids)))
        assert np.unique(obs.state).tolist() == list(range(len(obs.states)))
        assert obs.auto_run.tolist() == obs2.auto_run.tolist()
        assert obs.runs.parent_row.tolist() == obs2.runs.parent_row.tolist()
        assert truth.gt_cause.tolist() == truth2.gt_cause.tolist()
        assert obs.entities.equals(obs2.entities) and truth.routines.equals(truth2.routines)


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
