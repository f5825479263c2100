"""Curated training data on disk: per cycle, one folder per dataset holding its records and
their lineage side by side, plus the cycle's collection statistics.

Layout: `<root>/<cycle>/<dataset>/records.parquet` and `…/lineage.parquet`, and
`<root>/<cycle>/stats.json`.
Aggregation across cycles concatenates the datasets of every cycle up to the current one, in
cycle order, so a trainer sees each record exactly once with the cycle it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from homeiq_assets.collect.collector import LINEAGE_COLUMNS, CuratedStage
from homeiq_assets.collect.parted import PartedRecords
from homeiq_assets.readers import read_frame, read_json
from homeiq_assets.storage import write_json_atomic, write_parquet_atomic

DATASETS = (
    "pattern_detection",
    "synergy_gnn",
    "yaml_generation",
    "ask_ai",
    "device_intelligence",
    "home_type",
)


def write_cycle(
    curated: list[CuratedStage],
    folder: Path,
    extra_stats: dict | None = None,
    streamed: list[Callable[[Path], tuple[str, str, dict] | None]] = (),
) -> dict:
    """Write every curated stage of one cycle into `folder` (a staging folder in practice),
    then the `streamed` datasets, each written by its own function into `folder` (returning
    its dataset, stage and statistics, or None when it has no data)."""
    stats: dict = {"datasets": {}, **(extra_stats or {})}
    for c in curated:
        target = folder / c.dataset
        target.mkdir(parents=True, exist_ok=True)
        if isinstance(c.records, PartedRecords):
            c.records.write(target)
        else:
            write_parquet_atomic(_table(c.records), target / "records.parquet")
            write_parquet_atomic(_lineage_table(c.lineage), target / "lineage.parquet")
        for name, frame in c.extras.items():
            write_parquet_atomic(_table(frame), target / f"{name}.parquet")
        stats["datasets"][c.dataset] = {"stage": c.stage, **c.stats}
    for write in streamed:
        written = write(folder)
        if written is not None:
            dataset, stage, counts = written
            stats["datasets"][dataset] = {"stage": stage, **counts}
    write_json_atomic(stats, folder / "stats.json")
    return stats


def _table(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """Arrow as it is (already shaped as pandas would write it), a frame through pandas."""
    if isinstance(frame, pa.Table):
        return frame
    return pa.Table.from_pandas(frame, preserve_index=False)


def _lineage_table(frame: pd.DataFrame | pa.Table) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame.select(LINEAGE_COLUMNS)
    return pa.Table.from_pandas(frame[LINEAGE_COLUMNS], preserve_index=False)


def read_records(cycle_dir: Path, dataset: str) -> pd.DataFrame:
    path = cycle_dir / dataset / "records.parquet"
    return read_frame(path) if path.exists() else pd.DataFrame()


def read_extra(cycle_dir: Path, dataset: str, name: str) -> pd.DataFrame:
    path = cycle_dir / dataset / f"{name}.parquet"
    return read_frame(path) if path.exists() else pd.DataFrame()


def read_lineage(cycle_dir: Path, dataset: str) -> pd.DataFrame:
    path = cycle_dir / dataset / "lineage.parquet"
    return read_frame(path) if path.exists() else pd.DataFrame(columns=LINEAGE_COLUMNS)


def read_stats(cycle_dir: Path) -> dict:
    path = cycle_dir / "stats.json"
    return read_json(path) if path.exists() else {}


def aggregate(cycle_dirs: list[Path], dataset: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records and lineage of `dataset` over the given cycles (in the given order)."""
    recs = [read_records(d, dataset) for d in cycle_dirs]
    lins = [read_lineage(d, dataset) for d in cycle_dirs]
    recs = [r for r in recs if not r.empty]
    lins = [rows for rows in lins if not rows.empty]
    records = pd.concat(recs, ignore_index=True) if recs else pd.DataFrame()
    lineage = pd.concat(lins, ignore_index=True) if lins else pd.DataFrame(columns=LINEAGE_COLUMNS)
    return records, lineage
