"""The data-quality rules pass on clean output and catch each kind of corruption."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from homeiq_assets.sim import validate
from homeiq_assets.sim.clock import Window
from homeiq_assets.sim.health.checks import check_device_health
from homeiq_assets.sim.health.config import HealthConfig
from homeiq_assets.sim.health.fleet import write_fleet_device_health
from homeiq_assets.sim.health.table import HEALTH_TABLES
from homeiq_assets.sim.tables import ALL_TABLES


@pytest.fixture()
def fleet_copy(fleet_dir, tmp_path):
    out = tmp_path / "fleet"
    shutil.copytree(fleet_dir, out)
    return out


def _window(path):
    cfg = json.loads((path / "summary.json").read_text())["config"]
    import datetime as dt

    return Window(dt.date.fromisoformat(cfg["start"]), cfg["days"])


def _rewrite(path, table, fn):
    part = sorted((path / table).glob("part-*.parquet"))[0]
    pq.write_table(fn(pq.read_table(part)), part)


def test_clean_fleet_passes_every_rule(fleet_dir, tmp_path):
    w = _window(fleet_dir)
    assert validate.check_schemas(fleet_dir, list(ALL_TABLES)).passed
    assert validate.check_entities(fleet_dir).passed
    assert validate.check_events(fleet_dir, w.start_ms, w.end_ms).passed
    assert validate.check_occupancy(fleet_dir, w.start_ms, w.end_ms).passed
    assert validate.check_ranges(
        fleet_dir, ["weather", "carbon_intensity", "electricity_price"]
    ).passed
    assert validate.check_routines(fleet_dir).passed
    assert validate.check_synergies(fleet_dir).passed
    out = tmp_path / "health"
    write_fleet_device_health(fleet_dir, out, w.start, w.days, 11, HealthConfig())
    view = lambda t: out / t if t in HEALTH_TABLES else fleet_dir / t  # noqa: E731
    assert check_device_health(view).passed


def test_event_outside_the_window_is_caught(fleet_copy):
    w = _window(fleet_copy)

    def shift(t: pa.Table) -> pa.Table:
        ts = pc.cast(t.column("ts"), pa.int64()).to_numpy().copy()
        ts[0] = w.end_ms + 1
        arr = pa.array(ts).cast(pa.timestamp("ms", tz="UTC"))
        return t.set_column(t.schema.get_field_index("ts"), "ts", arr)

    _rewrite(fleet_copy, "events", shift)
    assert not validate.check_events(fleet_copy, w.start_ms, w.end_ms).passed


def test_duplicate_entity_id_is_caught(fleet_copy):
    _rewrite(fleet_copy, "entities", lambda t: pa.concat_tables([t, t.slice(0, 1)]))
    outcome = validate.check_entities(fleet_copy)
    assert not outcome.passed and outcome.metadata["duplicates"] == 1


def test_wrong_routine_count_is_caught(fleet_copy):
    def bump(t: pa.Table) -> pa.Table:
        occ = t.column("occurrences").to_numpy().copy()
        occ[0] += 1
        return t.set_column(
            t.schema.get_field_index("occurrences"), "occurrences", pa.array(occ, pa.int32())
        )

    _rewrite(fleet_copy, "gt_routines", bump)
    assert not validate.check_routines(fleet_copy).passed


def test_gap_in_an_occupancy_timeline_is_caught(fleet_copy):
    w = _window(fleet_copy)
    _rewrite(fleet_copy, "occupancy", lambda t: t.slice(1))
    assert not validate.check_occupancy(fleet_copy, w.start_ms, w.end_ms).passed


def test_schema_drift_is_caught(fleet_copy):
    _rewrite(fleet_copy, "homes", lambda t: t.drop_columns(["tariff"]))
    outcome = validate.check_schemas(fleet_copy, ["homes", "floors"])
    assert not outcome.passed and "homes" in outcome.metadata["mismatches"]


def test_telemetry_on_a_failed_day_is_caught(fleet_dir, tmp_path):
    w = _window(fleet_dir)
    write_fleet_device_health(fleet_dir, tmp_path, w.start, w.days, 11, HealthConfig())
    table = ds.dataset(tmp_path / "device_health").to_table()
    down = pc.equal(table.column("gt_status"), "failed").to_numpy(zero_copy_only=False)
    assert down.any()
    rt = table.column("response_time_ms").to_numpy(zero_copy_only=False).copy()
    rt[down.argmax()] = 100.0
    idx = table.schema.get_field_index("response_time_ms")
    bad = table.set_column(idx, table.schema.field(idx), pa.array(rt, pa.float32()))
    shutil.rmtree(tmp_path / "device_health")
    (tmp_path / "device_health").mkdir()
    pq.write_table(bad, tmp_path / "device_health" / "part-00000.parquet")
    outcome = check_device_health(tmp_path)
    assert not outcome.passed
    assert "telemetry_while_down_response_time_ms" in outcome.metadata["problems"]
