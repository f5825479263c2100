"""Device telemetry as devices report it (precision, cadence) and anomalies as they occur
(stuck sensors over days, drift over weeks, glitches inside the physical range, dropouts),
with each episode recorded and matching the per-day labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from homeiq_assets.sim.health.checks import check_device_health, off_precision
from homeiq_assets.sim.health.config import HealthConfig
from homeiq_assets.sim.health.fleet import write_standalone_device_health
from homeiq_assets.sim.health.reporting import RESOLUTION, SENSOR_RANGE
from homeiq_assets.sim.health.table import HealthTables
from homeiq_assets_tests.sim.health.conftest import DEFAULT_DAYS, START


def _grid(table: pa.Table, name: str) -> np.ndarray:
    col = table.column(name).to_numpy(zero_copy_only=False)
    return np.asarray(col).reshape(-1, DEFAULT_DAYS)


def _fgrid(table: pa.Table, name: str) -> np.ndarray:
    return _grid(table, name).astype(float)


def _episodes(tables: HealthTables, kind: str) -> pd.DataFrame:
    """Anomaly episodes of one kind with the device's row in the grid and day offsets."""
    ep = tables.episodes.to_pandas()
    ep = ep[(ep["episode"] == "anomaly") & (ep["kind"] == kind)].copy()
    devices = _grid(tables.telemetry, "device_id")[:, 0]
    homes = _grid(tables.telemetry, "home_id")[:, 0]
    index = {(h, d): i for i, (h, d) in enumerate(zip(homes, devices, strict=True))}
    ep["row"] = [index[(h, d)] for h, d in zip(ep["home_id"], ep["device_id"], strict=True)]
    for col in ("start", "end"):
        ep[f"{col}_day"] = (pd.to_datetime(ep[col]) - pd.Timestamp(START)).dt.days
    return ep.reset_index(drop=True)


def _healthy(table: pa.Table) -> np.ndarray:
    """Device-days with no anomaly, not down, and no failure within 30 days."""
    dtf = _fgrid(table, "gt_days_to_failure")
    ok = _grid(table, "gt_status") == "ok"
    return ok & ~_grid(table, "gt_anomaly").astype(bool) & ~(dtf <= 30)


# ---------------------------------------------------------------------------------------------
# precision and cadence
# ---------------------------------------------------------------------------------------------


def test_fields_have_the_precision_devices_report(default_tables: HealthTables) -> None:
    table = default_tables.telemetry
    for name, res in RESOLUTION.items():
        assert off_precision(table.column(name), res) == 0, name
    assert off_precision(table.column("battery_pct"), 1.0) == 0  # whole %
    for name in ("usage_count", "restart_count", "connection_drops"):
        assert pa.types.is_integer(table.column(name).type)
    # the check is not vacuous: a value between steps is caught
    assert off_precision(np.array([21.3, 21.33, -62.0]), 0.1) == 1
    # error rate is failed over made requests: exact zeros on quiet days, never above 1
    err = _fgrid(table, "error_rate")[_healthy(table)]
    assert 0.2 < (err == 0).mean() < 0.9 and err.max() <= 1.0


def test_healthy_readings_repeat_as_real_ones_do(default_tables: HealthTables) -> None:
    """At real precision a healthy field can repeat yesterday's value; a battery gauge sits on
    one value for days; most healthy days are a full 24 h online."""
    table = default_tables.telemetry
    healthy = _healthy(table)
    both = healthy[:, 1:] & healthy[:, :-1]

    def repeat_share(name: str, mask: np.ndarray) -> float:
        x = _fgrid(table, name)
        return float((x[:, 1:] == x[:, :-1])[mask].mean())

    assert 0.05 < repeat_share("signal_dbm", both) < 0.4
    assert 0.005 < repeat_share("temperature_c", both) < 0.15
    primary = (_grid(table, "power_source") == "battery") & (_grid(table, "category") != "vacuum")
    battery_both = both & primary[:, 1:]
    assert repeat_share("battery_pct", battery_both) > 0.7
    uptime = _fgrid(table, "uptime_h")[healthy]
    assert (uptime == 24.0).mean() > 0.4


# ---------------------------------------------------------------------------------------------
# anomalies as they occur
# ---------------------------------------------------------------------------------------------


def test_every_reading_stays_inside_its_physical_range(default_tables: HealthTables) -> None:
    table = default_tables.telemetry
    for name, (lo, hi) in SENSOR_RANGE.items():
        mm = pc.min_max(table.column(name)).as_py()
        assert lo <= mm["min"] and mm["max"] <= hi, name


def test_spikes_are_one_day_glitches_inside_the_sensor_range(
    default_tables: HealthTables,
) -> None:
    table = default_tables.telemetry
    spikes = _episodes(default_tables, "spike")
    assert len(spikes) > 50
    assert (spikes["start"] == spikes["end"]).all()
    jumps = {"temperature_c": [], "signal_dbm": [], "response_time_ms": []}
    for field, rows in spikes.groupby("field"):
        x = _fgrid(table, field)
        r, d = rows["row"].to_numpy(), rows["start_day"].to_numpy()
        lo, hi = SENSOR_RANGE[field]
        assert ((x[r, d] >= lo) & (x[r, d] <= hi)).all()
        before = np.nanmedian(np.stack([x[r, d - k] for k in (1, 2, 3) if (d >= k).all()]), 0)
        jumps[field] = x[r, d] - before if field != "response_time_ms" else x[r, d] / before
    assert np.median(np.abs(jumps["temperature_c"])) >= 4.0
    assert np.abs(jumps["temperature_c"]).max() < 25.0  # a glitch, not +45-80 °C
    assert np.median(jumps["signal_dbm"]) <= -9.0
    assert np.median(jumps["response_time_ms"]) >= 2.5


def test_stuck_is_a_frozen_sensor_over_days(default_tables: HealthTables) -> None:
    table = default_tables.telemetry
    stuck = _episodes(default_tables, "stuck")
    assert len(stuck) > 50
    temp = _fgrid(table, "temperature_c")
    length = stuck["end_day"] - stuck["start_day"] + 1
    assert (length[stuck["end_reason"] != "failure"] >= 3).all()
    for _, e in stuck.iterrows():
        last = min(e["end_day"], DEFAULT_DAYS - 1)
        days = temp[e["row"], e["start_day"] : last + 1]
        assert (days == temp[e["row"], e["start_day"] - 1]).all()  # the last good reading
    # a healthy sensor repeats a value now and then, but seldom three days running
    healthy = _healthy(table)
    same = (temp[:, 1:] == temp[:, :-1]) & healthy[:, 1:] & healthy[:, :-1]
    run3 = same[:, 2:] & same[:, 1:-1] & same[:, :-2]
    assert run3.mean() < 0.002 < same.mean()


def test_drift_builds_over_weeks_and_persists_until_fixed(default_tables: HealthTables) -> None:
    table = default_tables.telemetry
    drift = _episodes(default_tables, "drift")
    assert len(drift) > 30
    length = drift["end_day"] - drift["start_day"] + 1
    by_failure = drift["end_reason"] == "failure"
    assert set(drift["end_reason"]) <= {"recalibrated", "rebooted", "failure"}
    assert (length[~by_failure] >= 14).all()  # weeks, not 3-4 days
    down = _grid(table, "gt_status") == "failed"
    grew, snapped = [], []
    for _, e in drift.iterrows():
        x = _fgrid(table, e["field"])[e["row"]]
        s, end = e["start_day"], e["end_day"]
        if by_failure.loc[_] and end + 1 < DEFAULT_DAYS:
            assert down[e["row"], end + 1]  # the drift lasted until the device failed
        if s < 7 or s + 21 > DEFAULT_DAYS or end < s + 20:
            continue
        base = np.nanmean(x[s - 7 : s])
        week1, week3 = np.nanmean(x[s : s + 7]) - base, np.nanmean(x[s + 14 : s + 21]) - base
        if e["field"] == "response_time_ms":
            week1, week3 = week1 / base, week3 / base
        grew.append(abs(week3) > 1.5 * abs(week1))
        if e["end_reason"] == "recalibrated" and end + 1 < DEFAULT_DAYS:
            snapped.append(abs(x[end + 1] - base) < abs(x[end] - base))
    assert len(grew) > 10 and np.mean(grew) > 0.8
    assert not snapped or np.mean(snapped) > 0.8  # back to normal once recalibrated


def test_dropout_is_a_device_offline_for_most_of_a_day(default_tables: HealthTables) -> None:
    table = default_tables.telemetry
    drop = _episodes(default_tables, "dropout")
    assert len(drop) > 50
    uptime, drops = _fgrid(table, "uptime_h"), _fgrid(table, "connection_drops")
    usage = _fgrid(table, "usage_count")
    status = _grid(table, "gt_status")
    for _, e in drop.iterrows():
        r, days = e["row"], np.arange(e["start_day"], e["end_day"] + 1)
        assert ((uptime[r, days] >= 0.3) & (uptime[r, days] <= 10.0)).all()
        assert (drops[r, days] >= 1).all()  # each loss of the connection is counted
        assert not np.isnan(_fgrid(table, "temperature_c")[r, days]).any()  # still reports
        if e["end_day"] + 1 < DEFAULT_DAYS:
            assert status[r, e["end_day"] + 1] == "ok"
    # events only while online: fewer than the device's usual day
    healthy = _healthy(table)
    ratios = [
        usage[e["row"], e["start_day"]] / max(np.median(usage[e["row"]][healthy[e["row"]]]), 1)
        for _, e in drop.iterrows()
    ]
    assert np.median(ratios) < 0.6


def test_episode_ground_truth_matches_the_daily_labels(default_tables: HealthTables) -> None:
    table = default_tables.telemetry
    ep = default_tables.episodes.to_pandas()
    anomalies = ep[ep["episode"] == "anomaly"]
    flagged = _grid(table, "gt_anomaly").astype(bool)
    assert len(anomalies) > 150
    days_in_window = (
        pd.to_datetime(anomalies["end"]).clip(upper=pd.Timestamp(START) + pd.Timedelta(days=59))
        - pd.to_datetime(anomalies["start"])
    ).dt.days + 1
    assert int(days_in_window.sum()) == int(flagged.sum())
    # every failure inside the window is the first day of a down spell, and vice versa (a
    # failure is never before the window, so a device down on the first day failed that day)
    down = _grid(table, "gt_status") == "failed"
    first_down = down & ~np.c_[np.zeros((down.shape[0], 1), bool), down[:, :-1]]
    last = pd.Timestamp(START) + pd.Timedelta(days=DEFAULT_DAYS - 1)
    failures = ep[(ep["episode"] == "failure") & (pd.to_datetime(ep["end"]) <= last)]
    assert len(failures) == int(first_down.sum()) > 100
    # and the per-row columns of an episode are its own
    rows = table.filter(table.column("gt_anomaly")).to_pandas()
    first = rows.groupby(["home_id", "device_id", "gt_anomaly_start"]).first().reset_index()
    merged = first.merge(
        anomalies,
        left_on=["home_id", "device_id", "gt_anomaly_start"],
        right_on=["home_id", "device_id", "start"],
    )
    assert len(merged) == len(anomalies)
    assert (merged["gt_anomaly_kind"] == merged["kind"]).all()
    assert (merged["gt_anomaly_field"] == merged["field"]).all()
    assert (merged["gt_anomaly_end"] == merged["end"]).all()


# ---------------------------------------------------------------------------------------------
# the data-quality check
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("health")
    write_standalone_device_health(out, 600, START, 40, 9, HealthConfig(anomaly_rate=0.5))
    return out


def _copy(src: Path, dst: Path) -> Path:
    for table in ("device_health", "health_episodes"):
        (dst / table).mkdir(parents=True)
        for part in (src / table).glob("*.parquet"):
            (dst / table / part.name).write_bytes(part.read_bytes())
    return dst


def test_the_check_passes_on_simulated_data(written: Path) -> None:
    outcome = check_device_health(written)
    assert outcome.passed, outcome.metadata
    assert outcome.metadata["anomaly_episodes"] > 50


def test_the_check_catches_off_precision_readings(written: Path, tmp_path: Path) -> None:
    folder = _copy(written, tmp_path)
    part = next((folder / "device_health").glob("*.parquet"))
    table = pq.read_table(part)
    temp = table.column("temperature_c").to_numpy(zero_copy_only=False).copy()
    temp[np.flatnonzero(~np.isnan(temp))[0]] = 21.33  # not a 0.1 °C step
    i = table.schema.get_field_index("temperature_c")
    table = table.set_column(i, table.schema.field(i), pa.array(temp, pa.float32()))
    pq.write_table(table, part)
    outcome = check_device_health(folder)
    assert not outcome.passed
    assert outcome.metadata["problems"]["precision_temperature_c"] == 1


def test_the_check_catches_episodes_that_do_not_match_labels(written: Path, tmp_path: Path) -> None:
    folder = _copy(written, tmp_path)
    part = next((folder / "health_episodes").glob("*.parquet"))
    episodes = pq.read_table(part)
    is_anomaly = episodes.column("episode").to_numpy(zero_copy_only=False) == "anomaly"
    drop = np.flatnonzero(is_anomaly)[0]
    keep = np.ones(episodes.num_rows, bool)
    keep[drop] = False
    pq.write_table(episodes.filter(pa.array(keep)), part)
    outcome = check_device_health(folder)
    assert not outcome.passed
    assert outcome.metadata["problems"]["anomaly_rows_without_episode"] == 1
