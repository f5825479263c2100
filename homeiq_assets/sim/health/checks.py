"""Data-quality rules for device-health telemetry: schema, physical ranges, the precision
devices report at, and the consistency of the labels with each other and with the
ground-truth episodes table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from homeiq_assets.sim.health.config import TELEMETRY_FIELDS, WARNING_HORIZON_DAYS
from homeiq_assets.sim.health.reporting import RESOLUTION, SENSOR_RANGE
from homeiq_assets.sim.health.table import EPISODES_SCHEMA, HEALTH_SCHEMA
from homeiq_assets.sim.tables import TableSource, table_dir
from homeiq_assets.sim.validate import Outcome

# limits no reading can pass, glitches included (not the normal bands: failing devices and
# anomalies leave those on purpose); a value outside means corrupted data. Temperature, signal
# and response time are bounded by what the sensor, the receiver and the timeout allow.
HARD_RANGES: dict[str, tuple[float, float]] = {
    "response_time_ms": SENSOR_RANGE["response_time_ms"],
    "error_rate": (0.0, 1.0),
    "battery_pct": (0.0, 100.0),
    "signal_dbm": SENSOR_RANGE["signal_dbm"],
    "usage_count": (0.0, 1e7),
    "temperature_c": SENSOR_RANGE["temperature_c"],
    "uptime_h": (0.0, 24.0),
    "restart_count": (0.0, 1e4),
    "connection_drops": (0.0, 1e5),
    "tx_kbps": (0.0, 1e6),
}
# battery is reported in whole % (or coarser steps)
PRECISION: dict[str, float] = {**RESOLUTION, "battery_pct": 1.0}
_ANOMALY_COLS = ("gt_anomaly_kind", "gt_anomaly_field", "gt_anomaly_start", "gt_anomaly_end")


def off_precision(values: pa.ChunkedArray | pa.Array | np.ndarray, resolution: float) -> int:
    """How many non-null values are not a multiple of `resolution` (up to float32 rounding)."""
    if isinstance(values, pa.ChunkedArray | pa.Array):
        values = values.to_numpy(zero_copy_only=False)
    v = np.asarray(values, dtype=np.float32)
    v = v[~np.isnan(v)]
    nearest = np.round(v.astype(np.float64) / resolution) * resolution
    return int((np.abs(v - nearest) > np.spacing(np.abs(v)) + 1e-9).sum())


def check_device_health(source: TableSource) -> Outcome:
    table = ds.dataset(table_dir(source, "device_health"), format="parquet").to_table()
    problems: dict[str, object] = {}
    if not table.schema.remove_metadata().equals(HEALTH_SCHEMA):
        problems["schema"] = "does not match HEALTH_SCHEMA"
        return Outcome(False, "device_health schema mismatch", problems)
    episodes_dir = table_dir(source, "health_episodes")
    if not episodes_dir.exists():
        problems["episodes"] = f"missing: {episodes_dir}"
        return Outcome(False, "health_episodes table missing", {"problems": problems})
    episodes = ds.dataset(episodes_dir, format="parquet").to_table()
    if not episodes.schema.remove_metadata().equals(EPISODES_SCHEMA):
        problems["episodes_schema"] = "does not match EPISODES_SCHEMA"
        return Outcome(False, "health_episodes schema mismatch", problems)
    _check_values(table, problems)
    _check_failure_labels(table, episodes, problems)
    _check_anomaly_labels(table, episodes, problems)
    down = pc.equal(table.column("gt_status"), "failed")
    metadata = {
        "rows": table.num_rows,
        "down_rows": pc.sum(down).as_py() or 0,
        "positive_rows": pc.sum(table.column("gt_fails_within_7d")).as_py() or 0,
        "anomaly_episodes": pc.sum(pc.equal(episodes.column("episode"), "anomaly")).as_py() or 0,
        "problems": problems,
    }
    return Outcome(
        not problems,
        "telemetry valid, at device precision, labels consistent with the episodes"
        if not problems
        else f"device health problems: {sorted(problems)}",
        metadata,
    )


def _check_values(table: pa.Table, problems: dict[str, object]) -> None:
    for col, (lo, hi) in HARD_RANGES.items():
        column = table.column(col)
        mm = pc.min_max(column).as_py()
        if mm["min"] is not None and (mm["min"] < lo or mm["max"] > hi):
            problems[f"range_{col}"] = mm
        if pa.types.is_floating(column.type) and pc.any(pc.is_nan(column)).as_py():
            problems[f"nan_{col}"] = True
    for col, res in PRECISION.items():
        bad = off_precision(table.column(col), res)
        if bad:
            problems[f"precision_{col}"] = bad
    down = pc.equal(table.column("gt_status"), "failed")
    for col in TELEMETRY_FIELDS:
        valid_when_down = pc.sum(pc.and_(down, pc.is_valid(table.column(col)))).as_py() or 0
        if valid_when_down:
            problems[f"telemetry_while_down_{col}"] = valid_when_down
    mains = pc.equal(table.column("power_source"), "mains")
    battery_on_mains = pc.sum(pc.and_(mains, pc.is_valid(table.column("battery_pct")))).as_py()
    if battery_on_mains:
        problems["battery_on_mains_devices"] = battery_on_mains


def _check_failure_labels(table: pa.Table, episodes: pa.Table, problems: dict) -> None:
    """gt_fails_within_7d agrees with gt_days_to_failure, and every positive row points at a
    failure of the episodes table (and at a down day, where inside the window)."""
    positive = table.column("gt_fails_within_7d")
    days = table.column("gt_days_to_failure")
    within = pc.and_(pc.greater_equal(days, 1), pc.less_equal(days, WARNING_HORIZON_DAYS))
    inconsistent = pc.sum(pc.xor(positive, pc.fill_null(within, False))).as_py() or 0
    if inconsistent:
        problems["fails_within_7d_without_failure_in_7d"] = inconsistent
    pos = (
        table.filter(positive)
        .select(["home_id", "device_id", "date", "gt_days_to_failure"])
        .to_pandas()
    )
    if not len(pos):
        return
    pos["target"] = pd.to_datetime(pos["date"]) + pd.to_timedelta(
        pos["gt_days_to_failure"], unit="D"
    )
    failures = episodes.filter(pc.equal(episodes.column("episode"), "failure"))
    known = failures.select(["home_id", "device_id", "end"]).to_pandas()
    known = known.assign(target=pd.to_datetime(known["end"]), hit=True)
    joined = pos.merge(known[["home_id", "device_id", "target", "hit"]], how="left")
    missing = int(joined["hit"].isna().sum())
    if missing:
        problems["positive_rows_without_failure_episode"] = missing
    down = table.filter(pc.equal(table.column("gt_status"), "failed"))
    failed = down.select(["home_id", "device_id", "date"]).to_pandas()
    last_date = pd.Timestamp(pc.max(table.column("date")).as_py())
    inside = pos[pos["target"] <= last_date]
    hits = failed.assign(target=pd.to_datetime(failed["date"]), hit=True)
    joined = inside.merge(hits[["home_id", "device_id", "target", "hit"]], how="left")
    missing = int(joined["hit"].isna().sum())
    if missing:
        problems["positive_rows_without_failure"] = missing


def _check_anomaly_labels(table: pa.Table, episodes: pa.Table, problems: dict) -> None:
    """The per-row anomaly columns are set together, and the labelled rows of each episode are
    exactly its days inside the window (no more, no fewer)."""
    flag = table.column("gt_anomaly")
    for col in _ANOMALY_COLS:
        mismatch = pc.sum(pc.xor(flag, pc.is_valid(table.column(col)))).as_py() or 0
        if mismatch:
            problems[f"anomaly_flag_{col}_mismatch"] = mismatch
    keys = ["home_id", "device_id", "gt_anomaly_kind", "gt_anomaly_field"]
    rows = table.filter(flag).select([*keys, "date", "gt_anomaly_start", "gt_anomaly_end"])
    rows = rows.to_pandas()
    outside = (rows["date"] < rows["gt_anomaly_start"]) | (rows["date"] > rows["gt_anomaly_end"])
    if outside.any():
        problems["anomaly_rows_outside_their_episode"] = int(outside.sum())
    down_anomaly = pc.sum(pc.and_(flag, pc.equal(table.column("gt_status"), "failed"))).as_py()
    if down_anomaly:
        problems["anomaly_on_down_days"] = down_anomaly
    labelled = (
        rows.groupby([*keys, "gt_anomaly_start", "gt_anomaly_end"], dropna=False)
        .size()
        .rename("labelled")
        .reset_index()
        .rename(
            columns={
                "gt_anomaly_kind": "kind",
                "gt_anomaly_field": "field",
                "gt_anomaly_start": "start",
                "gt_anomaly_end": "end",
            }
        )
    )
    planted = episodes.filter(pc.equal(episodes.column("episode"), "anomaly")).to_pandas()
    first = table.column("date")
    first_date, last_date = pc.min(first).as_py(), pc.max(first).as_py()
    planted["days"] = (
        pd.to_datetime(planted["end"]).clip(upper=pd.Timestamp(last_date))
        - pd.to_datetime(planted["start"])
    ).dt.days + 1
    both = planted.merge(
        labelled, on=["home_id", "device_id", "kind", "field", "start", "end"], how="outer"
    )
    unlabelled = int(both["labelled"].isna().sum())
    unplanted = int(both["days"].isna().sum())
    if unlabelled:
        problems["anomaly_episodes_without_rows"] = unlabelled
    if unplanted:
        problems["anomaly_rows_without_episode"] = unplanted
    matched = both.dropna(subset=["labelled", "days"])
    wrong = int((matched["labelled"] != matched["days"]).sum())
    if wrong:
        problems["anomaly_episode_length_mismatch"] = wrong
    starts = pd.to_datetime(planted["start"])
    early = int((starts < pd.Timestamp(first_date)).sum())
    if early:
        problems["anomaly_episode_before_window"] = early
