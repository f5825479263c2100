"""Device-health telemetry for a generated fleet, shard by shard, and for standalone devices.

A fleet's `device_daily`, `devices`, `areas` and `floors` shards feed the latent health process
of `health.simulate_device_health`; each input shard gives one `device_health` shard, so memory
stays flat however large the fleet is.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from homeiq_assets.sim.health.config import HealthConfig
from homeiq_assets.sim.health.devices import DeviceInputs, standalone_devices
from homeiq_assets.sim.health.process import simulate_health
from homeiq_assets.sim.health.table import HealthTables
from homeiq_assets.sim.tables import TableDirs, TableSource, table_dir
from homeiq_assets.storage import write_parquet_atomic
from homeiq_assets.workers import map_in_workers

STANDALONE_CHUNK_DEVICES = 20_000
HEALTH_INPUTS = ("devices", "areas", "floors", "device_daily")  # the fleet tables read


def _shard_inputs(fleet: TableSource, part: str, days: int) -> DeviceInputs:
    def read(table: str):
        return pq.read_table(table_dir(fleet, table) / part).to_pandas()

    devices, areas, floors, daily = (read(t) for t in HEALTH_INPUTS)
    areas = areas.merge(
        floors[["home_id", "floor_id", "level"]],
        on=["home_id", "floor_id"],
        how="left",
        validate="many_to_one",
    )
    located = devices.merge(
        areas[["home_id", "area_id", "level", "indoor"]],
        on=["home_id", "area_id"],
        how="left",
        validate="many_to_one",
    )
    # device_daily is written device-major, day-minor in the devices table's order
    usage = daily["usage_count"].to_numpy(np.float64).reshape(len(devices), days)
    temp = daily["location_temp_c"].to_numpy(np.float64).reshape(len(devices), days)
    if not (daily["device_id"].to_numpy()[::days] == devices["device_id"].to_numpy()).all():
        raise ValueError(f"device_daily/{part} is not aligned with devices/{part}")
    return DeviceInputs(
        home_id=devices["home_id"].to_numpy(),
        device_id=devices["device_id"].to_numpy(),
        device_type=devices["device_type"].to_numpy(),
        category=devices["category"].to_numpy(),
        power_source=devices["power_source"].to_numpy(),
        area_id=devices["area_id"].to_numpy(),
        floor_level=located["level"].to_numpy(np.int64),
        outdoor=~located["indoor"].to_numpy(bool),
        usage=usage,
        room_temp_c=temp,
    )


def health_stats(tables: HealthTables) -> dict[str, object]:
    """Counts for metadata: rows, devices, failures by mode, anomaly rows and episodes by kind."""
    table = tables.telemetry
    failed = table.filter(pc.field("gt_status") == "failed")
    # a failure is the first down day of an outage
    fdf = failed.select(["home_id", "device_id", "date", "gt_failure_mode"]).to_pandas()
    fdf = fdf.sort_values(["home_id", "device_id", "date"])
    new = (
        (fdf["date"].diff() != dt.timedelta(days=1))
        | (fdf["device_id"] != fdf["device_id"].shift())
        | (fdf["home_id"] != fdf["home_id"].shift())
    )
    anomalies = table.filter(pc.field("gt_anomaly")).column("gt_anomaly_kind").to_pylist()
    devices = (
        table.select(["home_id", "device_id"])
        .group_by(["home_id", "device_id"])
        .aggregate([])
        .num_rows
    )
    episodes = tables.episodes.filter(pc.field("episode") == "anomaly")
    return {
        "rows": table.num_rows,
        "devices": devices,
        "failures": int(new.sum()),
        "failures_by_mode": dict(Counter(fdf.loc[new, "gt_failure_mode"].astype(str))),
        "anomaly_rows": len(anomalies),
        "anomalies_by_kind": dict(Counter(anomalies)),
        "anomaly_episodes": episodes.num_rows,
        "anomaly_episodes_by_kind": dict(Counter(episodes.column("kind").to_pylist())),
        "positive_rows": int(pc.sum(table.column("gt_fails_within_7d")).as_py() or 0),
    }


def _write(tables: HealthTables, out_dir: Path, part: str) -> None:
    write_parquet_atomic(tables.telemetry, out_dir / "device_health" / part)
    write_parquet_atomic(tables.episodes, out_dir / "health_episodes" / part)


def _merge(total: dict, part: dict) -> None:
    for key, value in part.items():
        if isinstance(value, dict):
            bucket = total.setdefault(key, {})
            for k, v in value.items():
                bucket[k] = bucket.get(k, 0) + v
        else:
            total[key] = total.get(key, 0) + value


def _with_timing(totals: dict, started: float) -> dict:
    seconds = time.perf_counter() - started
    totals["seconds"] = round(seconds, 3)
    totals["rows_per_second"] = round(totals.get("rows", 0) / max(seconds, 1e-9), 1)
    return totals


def write_fleet_device_health(
    fleet: TableSource,
    out_dir: Path,
    start: dt.date,
    days: int,
    seed: int,
    config: HealthConfig,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> dict:
    """Write `out_dir/{device_health,health_episodes}/part-*.parquet` for every shard of the
    `fleet` tables, in `workers` processes (a shard's telemetry depends on that shard alone, and
    the counts are summed in shard order, so the files and counts do not depend on them)."""
    started = time.perf_counter()
    daily_dir = table_dir(fleet, "device_daily")
    parts = sorted(p.name for p in daily_dir.glob("part-*.parquet"))
    if not parts:
        raise FileNotFoundError(f"no device_daily shards under {daily_dir}")
    dirs = TableDirs.of(fleet, HEALTH_INPUTS)  # picklable: a Dagster store's is a closure
    jobs = [(dirs, out_dir, part, start, days, seed, config) for part in parts]
    totals: dict = {}
    for i, stats in enumerate(map_in_workers(_write_shard, jobs, workers)):
        _merge(totals, stats)
        if progress:
            progress(i + 1, len(parts))
    return _with_timing(totals, started)


def _write_shard(job: tuple) -> dict:
    """One shard's telemetry and episodes, written; their counts."""
    fleet, out_dir, part, start, days, seed, config = job
    tables = simulate_health(_shard_inputs(fleet, part, days), start, days, seed, config)
    _write(tables, out_dir, part)
    return health_stats(tables)


def write_standalone_device_health(
    out_dir: Path,
    n_devices: int,
    start: dt.date,
    days: int,
    seed: int,
    config: HealthConfig,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Telemetry for `n_devices` devices without whole homes, in chunks of pseudo-homes.

    Chunks are drawn with `standalone_devices` under a chunk-specific seed, so a chunk's rows
    depend only on (seed, chunk) and memory stays bounded.
    """
    started = time.perf_counter()
    totals: dict = {}
    chunks = list(range(0, n_devices, STANDALONE_CHUNK_DEVICES))
    for i, first in enumerate(chunks):
        n = min(STANDALONE_CHUNK_DEVICES, n_devices - first)
        inputs = standalone_devices(n, days, start, seed + i * 1_000_003)
        # pseudo-home ids must stay unique across chunks
        inputs.home_id = np.array(
            [f"c{i:03d}{h}" for h in inputs.home_id.astype(str)], dtype=object
        )
        tables = simulate_health(inputs, start, days, seed, config)
        _write(tables, out_dir, f"part-{i:05d}.parquet")
        _merge(totals, health_stats(tables))
        if progress:
            progress(first + n, n_devices)
    return _with_timing(totals, started)
