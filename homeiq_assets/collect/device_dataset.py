"""The device-intelligence dataset: device-day telemetry with its labels, curated like the
collection points' records (columnar validation against physical limits, rows of a device that
is down filtered out, one lineage row per record)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from homeiq_assets.arrow_frames import as_written_by_pandas
from homeiq_assets.collect.collector import QUALITY_VERSION, CuratedStage
from homeiq_assets.sim.health.checks import HARD_RANGES
from homeiq_assets.sim.health.table import HEALTH_SCHEMA
from homeiq_assets.sim.tables import TableSource, table_dir

DEVICE_DATASET_VERSION = "device-health-export-2"


def curate_device_health(source: TableSource, cycle: str, seed: int) -> CuratedStage | None:
    """Device-day telemetry with its labels as the device-intelligence dataset.

    Validation is columnar (schema and physical limits, see `sim.health.checks`); rows of a
    device that is down carry no telemetry and are filtered as `device_down`. The anomaly
    episode of a row travels with it (`gt_anomaly_kind/field/start/end`), so models are scored
    per episode; the failure an alert points at is `date + gt_days_to_failure`.
    """
    folder = table_dir(source, "device_health")
    if not any(folder.glob("*.parquet")):
        return None
    table = ds.dataset(folder, format="parquet").to_table()
    n = table.num_rows
    failures: dict[str, int] = {}
    if not table.schema.remove_metadata().equals(HEALTH_SCHEMA):
        failures["schema"] = n
        ok = pa.array(np.zeros(n, dtype=bool))
    else:
        ok = None
        for col, (lo, hi) in HARD_RANGES.items():
            column = table.column(col)
            in_range = pc.and_(pc.greater_equal(column, lo), pc.less_equal(column, hi))
            inside = pc.fill_null(in_range, True)  # missing telemetry is filtered, not invalid
            bad = n - pc.sum(pc.cast(inside, "int64")).as_py()
            if bad:
                failures[f"{col}: out_of_range"] = bad
            ok = inside if ok is None else pc.and_(ok, inside)
    valid = table.filter(ok)
    down = pc.is_null(valid.column("response_time_ms"))
    n_down = pc.sum(pc.cast(down, "int64")).as_py() or 0
    kept = valid.filter(pc.invert(down))
    n_valid = valid.num_rows
    del table, valid
    record_id = pc.binary_join_element_wise(
        cycle + "/", kept.column("device_id"), ":", pc.cast(kept.column("date"), pa.string()), ""
    )
    kept = kept.add_column(0, "record_id", record_id)
    kept = kept.add_column(1, "cycle", pa.repeat(pa.scalar(cycle), kept.num_rows))
    kept = as_written_by_pandas(kept)
    transformations = [
        f"simulated:{DEVICE_DATASET_VERSION}",
        "validated:hard_ranges",
        f"filtered:{QUALITY_VERSION}",
    ]
    lineage = as_written_by_pandas(
        pa.table(
            {
                "record_id": kept.column("record_id"),
                "dataset": pa.repeat(pa.scalar("device_intelligence"), kept.num_rows),
                "cycle": kept.column("cycle"),
                "home_id": kept.column("home_id"),
                "stage": pa.repeat(pa.scalar("device_health"), kept.num_rows),
                "generator_version": pa.repeat(pa.scalar(DEVICE_DATASET_VERSION), kept.num_rows),
                "seed": pa.repeat(pa.scalar(int(seed), pa.int64()), kept.num_rows),
                "transformations": pa.repeat(
                    pa.scalar(transformations, pa.list_(pa.string())), kept.num_rows
                ),
                "sources": pa.repeat(
                    pa.scalar(["device_health"], pa.list_(pa.string())), kept.num_rows
                ),
            }
        )
    )
    stats = {
        "collected": n,
        "valid": n_valid,
        "validation_pass_rate": round(n_valid / n, 4) if n else 0.0,
        "validation_failures": failures,
        "kept": kept.num_rows,
        "dropped": {"device_down": int(n_down)} if n_down else {},
    }
    return CuratedStage("device_health", "device_intelligence", kept, lineage, stats)
