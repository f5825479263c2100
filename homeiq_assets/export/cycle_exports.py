"""All dataset exports of one cycle: `cycle/` holds this cycle's records, `all/` every cycle up
to and including it (what a trainer consumes). Each export folder carries its manifest and the
lineage of exactly the records it holds."""

from __future__ import annotations

import json
import multiprocessing as mp
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from homeiq_assets.collect import training_data as td
from homeiq_assets.export import datasets as ex

SCOPES = ("cycle", "all")
# the datasets with a record per device-day or per pattern: streamed from their files
STREAMED = {
    "device_intelligence": ex.export_device_intelligence_files,
    "pattern_detection": ex.export_pattern_detection_files,
}


def export_cycle(training_root: Path, cycles: list[str], out: Path, workers: int = 1) -> dict:
    """Write the exports of `cycles[-1]` (aggregating `cycles`) into `out` (a staging folder).

    Datasets are independent (each writes its own folders), so with `workers` > 1 they are
    exported in worker processes; the files are the same whatever the number of workers.
    Returns `{scope: {dataset: manifest}}`.
    """
    if not cycles:
        raise ValueError("no cycles to export")
    created_at = {c: td.read_stats(training_root / c).get("window_end", "") for c in cycles}
    jobs = [(training_root, list(cycles), out, dataset, created_at) for dataset in td.DATASETS]
    if workers > 1:
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
            # the largest export first, so the others fill the second worker meanwhile
            ordered = sorted(range(len(jobs)), key=lambda i: jobs[i][3] != "device_intelligence")
            futures = {i: pool.submit(_export_dataset, jobs[i]) for i in ordered}
            results = [futures[i].result() for i in range(len(jobs))]
    else:
        results = [_export_dataset(job) for job in jobs]
    summary: dict[str, dict] = {scope: {} for scope in SCOPES}
    for dataset, manifests in zip(td.DATASETS, results, strict=True):
        for scope, manifest in manifests.items():
            summary[scope][dataset] = manifest
    return summary


def _export_dataset(job: tuple) -> dict[str, dict]:
    """One dataset's `cycle` and `all` exports: `{scope: manifest}`."""
    training_root, cycles, out, dataset, created_at = job
    current = cycles[-1]
    dirs = [training_root / c for c in cycles]
    manifests: dict[str, dict] = {}
    if dataset in STREAMED:
        return _export_streamed(dataset, dirs, cycles, out)
    # each cycle's records are read once; `cycle` is the last of them, `all` every one
    per_cycle = [td.aggregate([d], dataset) for d in dirs]
    for scope in SCOPES:
        chosen = per_cycle[-1:] if scope == "cycle" else per_cycle
        records = _concat([r for r, _ in chosen])
        if records.empty:
            continue
        lineage = _concat([lin for _, lin in chosen])
        folder = out / scope / dataset
        folder.mkdir(parents=True, exist_ok=True)
        scope_cycles = cycles[-1:] if scope == "cycle" else list(cycles)
        scope_dirs = dirs[-1:] if scope == "cycle" else dirs
        if scope == "all" and len(cycles) == 1:
            # the first cycle: `all` holds exactly the records `cycle` holds, so its files
            # are the same bytes; only the lineage names its own export
            manifests[scope] = _copy_export(out / "cycle" / dataset, folder)
        else:
            manifests[scope] = _export_one(
                dataset, records, scope_dirs, folder, scope_cycles, created_at
            )
        ex.write_lineage(lineage.assign(export=f"{dataset}@{current}/{scope}"), folder)
    return manifests


def _export_streamed(dataset: str, dirs: list[Path], cycles: list[str], out: Path) -> dict:
    """`_export_dataset` for the datasets with the most records (a device-day each, a pattern
    each): files streamed in batches, lineage kept in Arrow, so neither is ever a pandas frame
    of every row. The same bytes as the frame-at-a-time exports."""
    current = cycles[-1]
    manifests: dict[str, dict] = {}
    for scope in SCOPES:
        scope_dirs = dirs[-1:] if scope == "cycle" else dirs
        files = [d / dataset / "records.parquet" for d in scope_dirs]
        files = [f for f in files if f.exists() and pq.ParquetFile(f).metadata.num_rows]
        if not files:
            continue
        folder = out / scope / dataset
        folder.mkdir(parents=True, exist_ok=True)
        scope_cycles = cycles[-1:] if scope == "cycle" else list(cycles)
        if scope == "all" and len(cycles) == 1:
            manifests[scope] = _copy_export(out / "cycle" / dataset, folder)
        else:
            manifests[scope] = STREAMED[dataset](files, folder, scope_cycles)
        lineage = [pq.read_table(d / dataset / "lineage.parquet") for d in scope_dirs]
        ex.write_lineage_table(
            pa.concat_tables([t for t in lineage if t.num_rows]),
            folder,
            f"{dataset}@{current}/{scope}",
        )
    return manifests


def _copy_export(source: Path, folder: Path) -> dict:
    """The data files and manifest of an export folder written for the same records."""
    for path in sorted(source.iterdir()):
        if path.is_file() and path.name != "lineage.parquet" and not path.name.startswith("."):
            shutil.copyfile(path, folder / path.name)
    return json.loads((folder / "manifest.json").read_text())


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _export_one(
    dataset: str,
    records: pd.DataFrame,
    dirs: list[Path],
    folder: Path,
    cycles: list[str],
    created_at: dict[str, str],
) -> dict:
    if dataset == "pattern_detection":
        return ex.export_pattern_detection(records, folder, cycles)
    if dataset == "yaml_generation":
        return ex.export_yaml_generation(records, folder, cycles)
    if dataset == "synergy_gnn":
        nodes = [td.read_extra(d, dataset, "nodes") for d in dirs]
        nodes = pd.concat([n for n in nodes if not n.empty], ignore_index=True)
        return ex.export_synergy_gnn(records, nodes, folder, cycles)
    if dataset == "ask_ai":
        return ex.export_ask_ai(records, folder, cycles, created_at)
    if dataset == "device_intelligence":
        return ex.export_device_intelligence(records, folder, cycles)
    if dataset == "home_type":
        return ex.export_home_type(records, folder, cycles)
    raise ValueError(f"no exporter for dataset {dataset!r}")
