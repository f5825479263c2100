"""The device-intelligence dataset: device-day telemetry with its labels, curated like the
collection points' records (columnar validation against physical limits, rows of a device that
is down filtered out, one lineage row per record).

A record per device and day makes it the largest dataset by far (200 homes x 30 days: 200k
rows), so it is curated and written one simulator part file at a time, each a row group of
the dataset's file, in Arrow: memory stays flat as homes grow. The files hold the types and
pandas metadata they had when the dataset went through pandas (`arrow_frames`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from homeiq_assets.collect.collector import QUALITY_VERSION
from homeiq_assets.collect.parted import lineage_table, write_in_parts
from homeiq_assets.readers import read_table
from homeiq_assets.sim.health.checks import HARD_RANGES
from homeiq_assets.sim.health.table import HEALTH_SCHEMA
from homeiq_assets.sim.tables import TableSource, table_dir

DEVICE_DATASET_VERSION = "device-health-export-2"
DATASET = "device_intelligence"
STAGE = "device_health"
TRANSFORMATIONS = [
    f"simulated:{DEVICE_DATASET_VERSION}",
    "validated:hard_ranges",
    f"filtered:{QUALITY_VERSION}",
]


def write_device_health(
    source: TableSource, folder: Path, cycle: str, seed: int
) -> tuple[str, str, dict] | None:
    """Curate the device-day telemetry of `source` into `folder/device_intelligence/`
    (`records.parquet`, `lineage.parquet`); (dataset, stage, stats), or None without telemetry.

    Validation is columnar (schema and physical limits, see `sim.health.checks`); rows of a
    device that is down carry no telemetry and are filtered as `device_down`. The anomaly
    episode of a row travels with it (`gt_anomaly_kind/field/start/end`), so models are scored
    per episode; the failure an alert points at is `date + gt_days_to_failure`. The parts are
    read twice: once for the types the whole table takes, once to write them.
    """
    files = sorted(table_dir(source, "device_health").glob("*.parquet"))
    if not files:
        return None
    total, readings = _Part(), []

    def parts():
        readings.append(True)
        for part in _parts(files, cycle):
            if len(readings) == 1:  # the counts, from the first reading
                total.add(part)
            yield part.kept

    write_in_parts(parts, folder / DATASET, lambda kept: _lineage(kept, seed))
    stats = {
        "collected": total.collected,
        "valid": total.valid,
        "validation_pass_rate": round(total.valid / total.collected, 4) if total.collected else 0.0,
        "validation_failures": total.failures,
        "kept": total.kept_rows,
        "dropped": {"device_down": total.down} if total.down else {},
    }
    return DATASET, STAGE, stats


@dataclass
class _Part:
    """One part file's kept rows (with `record_id` and `cycle`) and counts, or their sums."""

    kept: pa.Table | None = None
    collected: int = 0
    valid: int = 0
    down: int = 0
    kept_rows: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    def add(self, other: _Part) -> None:
        self.collected += other.collected
        self.valid += other.valid
        self.down += other.down
        self.kept_rows += other.kept_rows
        for key, n in other.failures.items():
            self.failures[key] = self.failures.get(key, 0) + n


def _parts(files: list[Path], cycle: str):
    for path in files:
        yield _curate(read_table(path), cycle)


def _curate(table: pa.Table, cycle: str) -> _Part:
    n = table.num_rows
    failures: dict[str, int] = {}
    if not table.schema.remove_metadata().equals(HEALTH_SCHEMA):
        failures["schema"] = n
        ok = pa.array(np.zeros(n, dtype=bool))
    else:
        ok = pa.array(np.ones(n, dtype=bool))
        for col, (lo, hi) in HARD_RANGES.items():
            column = table.column(col)
            in_range = pc.and_(pc.greater_equal(column, lo), pc.less_equal(column, hi))
            inside = pc.fill_null(in_range, True)  # missing telemetry is filtered, not invalid
            bad = n - (pc.sum(pc.cast(inside, "int64")).as_py() or 0)
            if bad:
                failures[f"{col}: out_of_range"] = bad
            ok = pc.and_(ok, inside)
    valid = table.filter(ok)
    down = pc.is_null(valid.column("response_time_ms"))
    n_down = pc.sum(pc.cast(down, "int64")).as_py() or 0
    kept = valid.filter(pc.invert(down))
    record_id = pc.binary_join_element_wise(
        cycle + "/", kept.column("device_id"), ":", pc.cast(kept.column("date"), pa.string()), ""
    )
    kept = kept.add_column(0, "record_id", record_id)
    kept = kept.add_column(1, "cycle", pa.repeat(pa.scalar(cycle), kept.num_rows))
    return _Part(kept, n, valid.num_rows, n_down, kept.num_rows, failures)


def _lineage(kept: pa.Table, seed: int) -> pa.Table:
    return lineage_table(
        kept, DATASET, STAGE, DEVICE_DATASET_VERSION, seed, TRANSFORMATIONS, ["device_health"]
    )
