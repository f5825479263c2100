"""Collection and export of one cycle end to end, without Dagster (for `homeiq collect`, the
benchmarks and tests). The Dagster assets run the same steps one asset at a time."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq

from homeiq_assets.collect import training_data as td
from homeiq_assets.collect.collector import (
    METRIC_VIEWS,
    CompactRecords,
    CuratedStage,
    collect_fleet,
    compact_records,
    curate,
    frame_records,
)
from homeiq_assets.collect.device_dataset import write_device_health
from homeiq_assets.collect.lineage import EXPORTS, TRAINING
from homeiq_assets.export.cycle_exports import export_cycle
from homeiq_assets.readers import read_table as read_arrow
from homeiq_assets.sim.tables import TableSource
from homeiq_assets.storage import discard_dir, publish_dir, staging_dir

STAGE_SOURCES = {
    "patterns": ("events", "entities", "devices", "areas", "homes"),
    "synergies": ("events", "entities", "devices", "areas", "floors"),
    "suggestions": ("patterns", "synergies", "entities"),
    "ask_ai": ("devices", "entities", "areas", "floors", "gt_routines", "gt_synergies"),
    "home_profile": ("devices", "areas", "floors", "entities", "events", "homes"),
}


def window_end(source: TableSource) -> str:
    """End of the simulated window (ISO), the deterministic `created_at` of exports: the latest
    event, one events shard at a time (a fleet's timestamps together grow with its homes)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from homeiq_assets.sim.tables import table_dir

    top = None
    for shard in sorted(Path(table_dir(source, "events")).glob("*.parquet")):
        latest = pc.max(pq.read_table(shard, columns=["ts"]).column("ts")).as_py()
        if latest is not None and (top is None or latest > top):
            top = latest
    return top.isoformat() if top is not None else ""


def curate_stages(
    stages: dict[str, tuple[list[dict], dict[str, list[dict]]]],
    source: TableSource,
    cycle: str,
    seed: int,
    compact: dict[str, CompactRecords | None] | None = None,
) -> list[CuratedStage]:
    """Curate each stage's (records, side tables) (`compact`: stages validated and filtered
    where they were collected). The device-health dataset is curated as it is stored."""
    compact = compact or {}
    curated = [
        curate(
            stage, records, cycle, seed, STAGE_SOURCES.get(stage, ()), extras, compact.get(stage)
        )
        for stage, (records, extras) in stages.items()
    ]
    return curated


def compact_stored(
    stage: str, path: Path, workers: int = 1, pool: ProcessPoolExecutor | None = None
) -> Callable[[], CompactRecords]:
    """A stage's stored records (its records file `path`) validated and quality-filtered as
    `compact_records` does where they are collected, in `workers` runs of rows, on `pool`'s
    processes when given: this process never turns them into dicts (for `patterns`, tens of
    thousands). Returns at once, the work under way; the returned function waits for it.

    The runs are parts of one group, stored as one row group (`PartedRecords`): the training
    files are those of the whole stage curated at once, whatever `workers` is.
    """
    if stage not in METRIC_VIEWS:
        raise ValueError(f"stage {stage!r} cannot be compacted")
    spool = tempfile.TemporaryDirectory(prefix="homeiq-curate-")
    rows = pq.ParquetFile(path).metadata.num_rows
    runs = max(1, min(workers, rows))
    cuts = [rows * k // runs for k in range(runs + 1)]
    jobs = [
        (stage, path, cuts[k], cuts[k + 1], Path(spool.name) / f"{stage}-{k:05d}.arrow")
        for k in range(runs)
    ]
    parts = pool.map(_compact_rows, jobs) if pool is not None else map(_compact_rows, jobs)

    def result() -> CompactRecords:
        out = CompactRecords(spool=spool)
        for part in parts:
            out.extend(part)
        return out

    return result


def _compact_rows(job: tuple) -> CompactRecords:
    """One run of a stored stage's rows compacted (only that run made a frame, then dicts)."""
    stage, path, start, stop, part = job
    run = read_arrow(path).slice(start, stop - start).to_pandas()
    return compact_records(stage, frame_records(run), part)


def store_cycle(
    curated: list[CuratedStage],
    root: Path,
    cycle: str,
    info: dict,
    source: TableSource,
    device: DeviceAhead | None = None,
) -> dict:
    """Write a cycle's curated training data atomically to `root/training_data/<cycle>`, with
    the device-health dataset of `source` curated as it is written (or already written by
    `device`)."""
    final = root / TRAINING / cycle
    staging = staging_dir(final)
    try:
        stats = td.write_cycle(
            curated,
            staging,
            {"cycle": cycle, **info},
            streamed=[
                device.move_into
                if device is not None
                else lambda folder: write_device_health(source, folder, cycle, info["seed"])
            ],
        )
        publish_dir(staging, final)
    finally:
        discard_dir(staging)
    return stats


class DeviceAhead:
    """A cycle's device-health dataset written in a background thread while the collection
    workers run (it reads only the simulator's telemetry), then moved into the cycle's staging
    folder when the cycle is stored: the step after collection, which runs alone, keeps only
    the stages' records. Its scratch folder (hidden, in the training root) goes with it."""

    def __init__(self, source: TableSource, root: Path, cycle: str, seed: int) -> None:
        base = root / TRAINING
        base.mkdir(parents=True, exist_ok=True)
        for stale in base.glob(f".{cycle}.device-*"):  # left by a killed earlier run
            shutil.rmtree(stale, ignore_errors=True)
        self._scratch = tempfile.TemporaryDirectory(prefix=f".{cycle}.device-", dir=base)
        self._args = (source, Path(self._scratch.name), cycle, seed)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="device-health")
        self._written: Future | None = None

    def start(self) -> None:
        if self._written is None:
            self._written = self._thread.submit(write_device_health, *self._args)

    def move_into(self, folder: Path) -> tuple[str, str, dict] | None:
        self.start()
        written = self._written.result()
        if written is not None:
            dataset = written[0]
            os.replace(Path(self._scratch.name) / dataset, folder / dataset)
        return written

    def __enter__(self) -> DeviceAhead:
        return self

    def __exit__(self, *exc) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)
        self._scratch.cleanup()


def collect_cycle(
    source: TableSource,
    root: Path,
    cycle: str,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> dict:
    """Collect, curate and store the training data of one cycle under `root/training_data`
    (`workers` processes; the bytes do not depend on their number)."""
    started = time.perf_counter()
    with DeviceAhead(source, root, cycle, seed) as device:
        collection = collect_fleet(
            source,
            seed,
            progress=progress,
            workers=workers,
            compact=tuple(METRIC_VIEWS),
            on_started=device.start,
        )
        stages = {stage: (out.records, out.extras) for stage, out in collection.stages.items()}
        compact = {stage: out.compact for stage, out in collection.stages.items()}
        curated = curate_stages(stages, source, cycle, seed, compact)
        info = {
            "seed": seed,
            "homes": collection.homes,
            "window_end": window_end(source),
            "metrics": collection.metrics,
            "collection_seconds": round(time.perf_counter() - started, 3),
            # time in each stage summed over homes (over all workers: process seconds, not wall)
            "stage_seconds": {s: round(out.seconds, 3) for s, out in collection.stages.items()},
        }
        stats = store_cycle(curated, root, cycle, info, source, device)
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return stats


def export_cycles(
    root: Path, cycles: list[str], workers: int = 1, pool: ProcessPoolExecutor | None = None
) -> dict:
    """Exports of the last of `cycles`, aggregating all of them, under `root/exported_datasets`
    (datasets in `workers` processes, of `pool` when given; the files do not depend on their
    number)."""
    final = root / EXPORTS / cycles[-1]
    staging = staging_dir(final)
    try:
        summary = export_cycle(root / TRAINING, cycles, staging, workers=workers, pool=pool)
        publish_dir(staging, final)
    finally:
        discard_dir(staging)
    return summary


def stored_cycles(root: Path) -> list[str]:
    """Cycles with collected training data, oldest first (keys sort by creation time)."""
    base = root / TRAINING
    return (
        sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
        if base.exists()
        else []
    )
