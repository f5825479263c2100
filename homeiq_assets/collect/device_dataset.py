"""The device-intelligence dataset: device-day telemetry with its labels, curated like the
collection points' records (columnar validation against physical limits, rows of a device that
is down filtered out, one lineage row per record)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from homeiq_assets.collect.collector import QUALITY_VERSION, CuratedStage, lineage_rows
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
    kept = valid.filter(pc.invert(down)).to_pandas()
    kept.insert(0, "record_id", cycle + "/" + kept["device_id"] + ":" + kept["date"].astype(str))
    kept.insert(1, "cycle", cycle)
    transformations = [
        f"simulated:{DEVICE_DATASET_VERSION}",
        "validated:hard_ranges",
        f"filtered:{QUALITY_VERSION}",
    ]
    lineage = lineage_rows(
        kept,
        "device_intelligence",
        "device_health",
        DEVICE_DATASET_VERSION,
        cycle,
        seed,
        transformations,
        ("device_health",),
    )
    stats = {
        "collected": n,
        "valid": valid.num_rows,
        "validation_pass_rate": round(valid.num_rows / n, 4) if n else 0.0,
        "validation_failures": failures,
        "kept": len(kept),
        "dropped": {"device_down": int(n_down)} if n_down else {},
    }
    return CuratedStage("device_health", "device_intelligence", kept, lineage, stats)
