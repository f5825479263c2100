"""Data-quality rules for device-health telemetry (schema, ranges, label consistency)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from homeiq_assets.sim.health.config import TELEMETRY_FIELDS
from homeiq_assets.sim.health.table import HEALTH_SCHEMA
from homeiq_assets.sim.tables import TableSource, table_dir
from homeiq_assets.sim.validate import Outcome

# limits no reading can pass, glitches included (not the normal bands: failing devices and
# injected spike anomalies leave those on purpose); a value outside means corrupted data
HARD_RANGES: dict[str, tuple[float, float]] = {
    "response_time_ms": (0.0, 120_000.0),
    "error_rate": (0.0, 1.0),
    "battery_pct": (0.0, 100.0),
    "signal_dbm": (-200.0, 0.0),
    "usage_count": (0.0, 1e7),
    "temperature_c": (-80.0, 150.0),
    "uptime_h": (0.0, 24.0),
    "restart_count": (0.0, 1e4),
    "connection_drops": (0.0, 1e5),
    "tx_kbps": (0.0, 1e6),
}


def check_device_health(source: TableSource) -> Outcome:
    table = ds.dataset(table_dir(source, "device_health"), format="parquet").to_table()
    problems: dict[str, object] = {}
    if not table.schema.remove_metadata().equals(HEALTH_SCHEMA):
        problems["schema"] = "does not match HEALTH_SCHEMA"
        return Outcome(False, "device_health schema mismatch", problems)
    for col, (lo, hi) in HARD_RANGES.items():
        column = table.column(col)
        mm = pc.min_max(column).as_py()
        if mm["min"] is not None and (mm["min"] < lo or mm["max"] > hi):
            problems[f"range_{col}"] = mm
        if pa.types.is_floating(column.type) and pc.any(pc.is_nan(column)).as_py():
            problems[f"nan_{col}"] = True
    down = pc.equal(table.column("gt_status"), "failed")
    for col in TELEMETRY_FIELDS:
        valid_when_down = pc.sum(pc.and_(down, pc.is_valid(table.column(col)))).as_py() or 0
        if valid_when_down:
            problems[f"telemetry_while_down_{col}"] = valid_when_down
    mains = pc.equal(table.column("power_source"), "mains")
    battery_on_mains = pc.sum(pc.and_(mains, pc.is_valid(table.column("battery_pct")))).as_py()
    if battery_on_mains:
        problems["battery_on_mains_devices"] = battery_on_mains
    positive = table.column("gt_fails_within_7d")
    days = table.column("gt_days_to_failure")
    within = pc.and_(pc.greater_equal(days, 1), pc.less_equal(days, 7))
    inconsistent = pc.sum(pc.xor(positive, pc.fill_null(within, False))).as_py() or 0
    if inconsistent:
        problems["fails_within_7d_without_failure_in_7d"] = inconsistent
    # the failure a positive row points at is really in the data (where inside the window)
    pos = (
        table.filter(positive)
        .select(["home_id", "device_id", "date", "gt_days_to_failure"])
        .to_pandas()
    )
    failed = table.filter(down).select(["home_id", "device_id", "date"]).to_pandas()
    last_date = pc.max(table.column("date")).as_py()
    if len(pos):
        pos["target"] = pd.to_datetime(pos["date"]) + pd.to_timedelta(
            pos["gt_days_to_failure"], unit="D"
        )
        pos = pos[pos["target"] <= pd.Timestamp(last_date)]
        hits = failed.assign(target=pd.to_datetime(failed["date"]), hit=True)
        joined = pos.merge(
            hits[["home_id", "device_id", "target", "hit"]],
            on=["home_id", "device_id", "target"],
            how="left",
        )
        missing = int(joined["hit"].isna().sum())
        if missing:
            problems["positive_rows_without_failure"] = missing
    kind_mismatch = (
        pc.sum(
            pc.xor(table.column("gt_anomaly"), pc.is_valid(table.column("gt_anomaly_kind")))
        ).as_py()
        or 0
    )
    if kind_mismatch:
        problems["anomaly_flag_kind_mismatch"] = kind_mismatch
    metadata = {
        "rows": table.num_rows,
        "down_rows": pc.sum(down).as_py() or 0,
        "positive_rows": pc.sum(positive).as_py() or 0,
        "problems": problems,
    }
    return Outcome(
        not problems,
        "telemetry valid and labels consistent"
        if not problems
        else f"device health problems: {sorted(problems)}",
        metadata,
    )
