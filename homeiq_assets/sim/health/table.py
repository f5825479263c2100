"""The `device_health` table: its Arrow schema, and the conversion of the simulated
(devices, days) grids into it without any per-row Python."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from homeiq_assets.sim.health.config import (
    ANOMALY_KINDS,
    FAILURE_MODES,
    TELEMETRY_FIELDS,
    WARNING_HORIZON_DAYS,
)

HEALTH_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("home_id", pa.string(), nullable=False),
        pa.field("device_id", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("device_type", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("power_source", pa.string(), nullable=False),
        pa.field("area_id", pa.string(), nullable=False),
        pa.field("age_days", pa.int32(), nullable=False),
        pa.field("response_time_ms", pa.float32()),
        pa.field("error_rate", pa.float32()),
        pa.field("battery_pct", pa.float32()),
        pa.field("signal_dbm", pa.float32()),
        pa.field("usage_count", pa.int32()),
        pa.field("temperature_c", pa.float32()),
        pa.field("uptime_h", pa.float32()),
        pa.field("restart_count", pa.int32()),
        pa.field("connection_drops", pa.int32()),
        pa.field("tx_kbps", pa.float32()),
        pa.field("gt_status", pa.string(), nullable=False),
        pa.field("gt_fails_within_7d", pa.bool_(), nullable=False),
        pa.field("gt_days_to_failure", pa.int32()),
        pa.field("gt_failure_mode", pa.string()),
        pa.field("gt_anomaly", pa.bool_(), nullable=False),
        pa.field("gt_anomaly_kind", pa.string()),
    ]
)


def to_table(
    home_id: np.ndarray,
    device_id: np.ndarray,
    device_type: np.ndarray,
    category: np.ndarray,
    power: np.ndarray,
    area_id: np.ndarray,
    start: dt.date,
    days: int,
    tel: dict[str, np.ndarray],
    gt: dict[str, np.ndarray],
) -> pa.Table:
    """Arrow columns straight from the (n, days) grids: no per-row Python."""
    n = home_id.shape[0]
    rows = n * days
    dev_idx = np.repeat(np.arange(n, dtype=np.int32), days)

    def per_device(values: np.ndarray) -> pa.Array:
        uniq, inv = np.unique(values, return_inverse=True)
        return pc.take(
            pa.array(uniq.tolist(), pa.string()), pa.array(inv.astype(np.int32)[dev_idx])
        )

    def grid(name: str) -> np.ndarray:
        return np.ascontiguousarray(gt[name][:, :days]).reshape(rows)

    down = grid("down")
    cols: dict[str, pa.Array] = {
        "home_id": per_device(home_id),
        "device_id": per_device(device_id),
        "date": pa.array(
            (np.datetime64(start, "D") + np.tile(np.arange(days), n)).astype("datetime64[D]"),
            pa.date32(),
        ),
        "device_type": per_device(device_type),
        "category": per_device(category),
        "power_source": per_device(power),
        "area_id": per_device(area_id),
        "age_days": pa.array(grid("age").astype(np.int32)),
    }
    for name in TELEMETRY_FIELDS:
        values = np.ascontiguousarray(tel[name][:, :days]).reshape(rows)
        mask = down | np.isnan(values)
        if name in ("usage_count", "restart_count", "connection_drops"):
            cols[name] = pa.array(np.where(mask, 0, values).astype(np.int32), mask=mask)
        else:
            cols[name] = pa.array(values.astype(np.float32), mask=mask)
    cols["gt_status"] = pc.take(pa.array(["ok", "failed"]), pa.array(down.astype(np.int8)))
    dtf = grid("dtf")
    cols["gt_fails_within_7d"] = pa.array((dtf >= 1) & (dtf <= WARNING_HORIZON_DAYS))
    dtf_out = np.where(down, 0, dtf).astype(np.int32)
    cols["gt_days_to_failure"] = pa.array(dtf_out, mask=(dtf < 0) & ~down)
    mode = grid("mode")
    cols["gt_failure_mode"] = pc.take(
        pa.array(list(FAILURE_MODES)), pa.array(np.maximum(mode, 0).astype(np.int8), mask=mode < 0)
    )
    kind = grid("anomaly_kind")
    cols["gt_anomaly"] = pa.array(kind >= 0)
    cols["gt_anomaly_kind"] = pc.take(
        pa.array(list(ANOMALY_KINDS)), pa.array(np.maximum(kind, 0).astype(np.int8), mask=kind < 0)
    )
    return pa.Table.from_arrays([cols[f.name] for f in HEALTH_SCHEMA], schema=HEALTH_SCHEMA)
