"""The `device_health` table and its ground-truth `health_episodes` table: their Arrow
schemas, and the conversion of the simulated (devices, days) grids into them without any
per-row Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from homeiq_assets.sim.health.anomalies import END_REASONS, AnomalyEpisodes
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
        pa.field("gt_anomaly_field", pa.string()),
        pa.field("gt_anomaly_start", pa.date32()),
        pa.field("gt_anomaly_end", pa.date32()),
    ]
)
# one row per ground-truth episode: every anomaly episode that starts inside the window and
# every failure up to WARNING_HORIZON_DAYS after it (the failures the labels point at)
EPISODES_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("home_id", pa.string(), nullable=False),
        pa.field("device_id", pa.string(), nullable=False),
        pa.field("episode", pa.string(), nullable=False),  # "anomaly" or "failure"
        pa.field("kind", pa.string(), nullable=False),  # anomaly kind or failure mode
        pa.field("field", pa.string()),  # the telemetry field an anomaly hits
        pa.field("start", pa.date32(), nullable=False),  # first anomalous / precursor day
        pa.field("end", pa.date32(), nullable=False),  # last anomalous day / failure day
        pa.field("end_reason", pa.string(), nullable=False),
        pa.field("back", pa.date32()),  # failures: the replacement's first day
    ]
)
HEALTH_TABLES: tuple[str, ...] = ("device_health", "health_episodes")


@dataclass
class HealthTables:
    telemetry: pa.Table  # HEALTH_SCHEMA
    episodes: pa.Table  # EPISODES_SCHEMA


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
    none = kind < 0
    cols["gt_anomaly"] = pa.array(~none)
    cols["gt_anomaly_kind"] = _names(ANOMALY_KINDS, kind)
    cols["gt_anomaly_field"] = _names(TELEMETRY_FIELDS, grid("anomaly_field"))
    for name in ("start", "end"):
        cols[f"gt_anomaly_{name}"] = _dates(start, grid(f"anomaly_{name}"), none)
    return pa.Table.from_arrays([cols[f.name] for f in HEALTH_SCHEMA], schema=HEALTH_SCHEMA)


def _names(names: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Strings from codes into `names` (null where the code is negative)."""
    return pc.take(
        pa.array(list(names)), pa.array(np.maximum(codes, 0).astype(np.int32), mask=codes < 0)
    )


def _dates(start: dt.date, offsets: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    days = np.datetime64(start, "D") + np.asarray(offsets, dtype=np.int64)
    return pa.array(days.astype("datetime64[D]"), pa.date32(), mask=mask)


def to_episode_table(
    home_id: np.ndarray,
    device_id: np.ndarray,
    start: dt.date,
    days: int,
    anomalies: AnomalyEpisodes,
    failures: dict[str, np.ndarray],
) -> pa.Table:
    """Anomaly episodes and failures as rows of EPISODES_SCHEMA, sorted by device and start.

    A failure's `start` is the first day of its precursor (the failure day for sudden ones;
    it may lie before the window) and its `end` the failure day; failures after the window's
    last day + WARNING_HORIZON_DAYS are not listed (nothing in the table points at them)."""
    keep = failures["fail_day"] < days + WARNING_HORIZON_DAYS
    f = {k: v[keep] for k, v in failures.items()}
    n_a, n_f = anomalies.row.size, f["row"].size
    rows = np.concatenate([anomalies.row, f["row"]]).astype(np.int64)
    episode = np.r_[np.zeros(n_a, np.int32), np.ones(n_f, np.int32)]
    kind = np.concatenate([anomalies.kind, len(ANOMALY_KINDS) + f["mode"]])
    field = np.concatenate([anomalies.field, np.full(n_f, -1)])
    first = np.concatenate([anomalies.start, np.minimum(f["pre_start"], f["fail_day"])])
    last = np.concatenate([anomalies.end, f["fail_day"]])
    reason = np.concatenate([anomalies.reason, np.full(n_f, len(END_REASONS))])
    back = np.concatenate([np.full(n_a, -1), f["back_day"]])
    order = np.lexsort((episode, first, device_id[rows], home_id[rows]))
    rows, episode, kind, field, first, last, reason, back = (
        a[order] for a in (rows, episode, kind, field, first, last, reason, back)
    )
    cols = {
        "home_id": pa.array(home_id[rows].astype(str).tolist(), pa.string()),
        "device_id": pa.array(device_id[rows].astype(str).tolist(), pa.string()),
        "episode": _names(("anomaly", "failure"), episode),
        "kind": _names((*ANOMALY_KINDS, *FAILURE_MODES), kind),
        "field": _names(TELEMETRY_FIELDS, field),
        "start": _dates(start, first),
        "end": _dates(start, last),
        "end_reason": _names((*END_REASONS, "replaced"), reason),
        "back": _dates(start, np.maximum(back, 0), back < 0),
    }
    return pa.Table.from_arrays([cols[f.name] for f in EPISODES_SCHEMA], schema=EPISODES_SCHEMA)
