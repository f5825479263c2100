"""All dataset exports of one cycle: `cycle/` holds this cycle's records, `all/` every cycle up
to and including it (what a trainer consumes). Each export folder carries its manifest and the
lineage of exactly the records it holds."""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from homeiq_assets.collect import training_data as td
from homeiq_assets.export import datasets as ex
from homeiq_assets.readers import read_frame
from homeiq_assets.workers import forked_pool

SCOPES = ("cycle", "all")
# the datasets with a record per device-day or per pattern: streamed from their files
STREAMED = {
    "device_intelligence": ex.export_device_intelligence_files,
    "pattern_detection": ex.export_pattern_detection_files,
}


def export_cycle(
    training_root: Path,
    cycles: list[str],
    out: Path,
    workers: int = 1,
    pool: ProcessPoolExecutor | None = None,
) -> dict:
    """Write the exports of `cycles[-1]` (aggregating `cycles`) into `out` (a staging folder).

    Datasets are independent (each writes its own folders), so with `workers` > 1 they are
    exported in worker processes (of `pool` when given: forked early, they start small);
    the files are the same whatever the number of workers. Returns
    `{scope: {dataset: manifest}}`.
    """
    if not cycles:
        raise ValueError("no cycles to export")
    created_at = {c: td.read_stats(training_root / c).get("window_end", "") for c in cycles}
    # (training root, cycles, out, dataset, created_at, pieces per scope, with lineage)
    jobs = [
        (training_root, list(cycles), out, dataset, created_at, {}, True) for dataset in td.DATASETS
    ]
    if workers > 1:
        with nullcontext(pool) if pool is not None else forked_pool(workers) as pool:
            # the device-day export, the longest by far, is written in pieces (runs of its
            # rows) on every worker, the other datasets meanwhile; its files are then joined
            plans = _piece_plans(training_root, cycles, out, workers)
            pieces = {
                scope: [pool.submit(ex.stream_piece, *plan) for plan in scope_plans]
                for scope, scope_plans in plans.items()
            }
            # its lineage too, in a worker: a row per device-day, whose table this process
            # (joining the pieces meanwhile) would otherwise hold
            lineages = [
                pool.submit(_export_lineage, training_root, cycles, out, PIECED, scope)
                for scope in SCOPES
            ]
            futures = {
                i: pool.submit(_export_dataset, job)
                for i, job in enumerate(jobs)
                if job[3] != PIECED
            }
            results: list[dict] = [{} for _ in jobs]
            written = {scope: [f.result() for f in fs] for scope, fs in pieces.items()}
            device = td.DATASETS.index(PIECED)
            results[device] = _export_dataset(jobs[device][:5] + (written, False))
            for i, future in futures.items():
                results[i] = future.result()
            for future in lineages:
                future.result()
    else:
        results = [_export_dataset(job) for job in jobs]
    summary: dict[str, dict] = {scope: {} for scope in SCOPES}
    for dataset, manifests in zip(td.DATASETS, results, strict=True):
        for scope, manifest in manifests.items():
            summary[scope][dataset] = manifest
    return summary


PIECED = "device_intelligence"  # exported in pieces by several workers


def _piece_plans(
    training_root: Path, cycles: list[str], out: Path, pieces: int
) -> dict[str, list[tuple]]:
    """Per scope the device-day export streams, `stream_piece` arguments of `pieces` runs of
    its rows (whole row groups, about as many rows each)."""
    plans: dict[str, list[tuple]] = {}
    for scope in SCOPES:
        if scope == "all" and len(cycles) == 1:
            continue  # a copy of `cycle`
        files = _scope_files(training_root, cycles, PIECED, scope)
        if not files or not ex.streamable(files):
            continue
        folder = out / scope / PIECED
        folder.mkdir(parents=True, exist_ok=True)
        metadata = [pq.ParquetFile(f).metadata for f in files]
        groups = [
            (i, g, meta.row_group(g).num_rows)
            for i, meta in enumerate(metadata)
            for g in range(meta.num_row_groups)
        ]
        total = sum(n for _, _, n in groups)
        done, runs = 0, [[] for _ in range(pieces)]
        for i, g, n in groups:  # a row group goes to the piece its middle row falls in
            runs[min(pieces - 1, (2 * done + n) * pieces // (2 * total))].append((i, g))
            done += n
        for k, run in enumerate(r for r in runs if r):
            row_groups = [[g for i, g in run if i == j] for j in range(len(files))]
            plans.setdefault(scope, []).append(
                (files, row_groups, folder, "device_health.json", True, k)
            )
    return plans


def _export_dataset(job: tuple) -> dict[str, dict]:
    """One dataset's `cycle` and `all` exports: `{scope: manifest}`. The largest datasets are
    streamed from their files (`STREAMED`; or joined from the pieces already written, per
    scope); the others are read as frames, each cycle's once. Lineage is kept in Arrow: a
    cycle's lineage is a row per record."""
    training_root, cycles, out, dataset, created_at, pieces, with_lineage = job
    dirs = [training_root / c for c in cycles]
    frames: dict[Path, pd.DataFrame] = {}
    manifests: dict[str, dict] = {}
    for scope in SCOPES:
        scope_dirs = dirs[-1:] if scope == "cycle" else dirs
        scope_cycles = cycles[-1:] if scope == "cycle" else list(cycles)
        files = _scope_files(training_root, cycles, dataset, scope)
        if not files:
            continue
        folder = out / scope / dataset
        folder.mkdir(parents=True, exist_ok=True)
        if scope == "all" and len(cycles) == 1:
            # the first cycle: `all` holds exactly the records `cycle` holds, so its files
            # are the same bytes; only the lineage names its own export
            manifests[scope] = _copy_export(out / "cycle" / dataset, folder)
        elif dataset in STREAMED:
            manifests[scope] = STREAMED[dataset](files, folder, scope_cycles, pieces.get(scope))
        else:
            for path in files:
                frames.setdefault(path, read_frame(path))
            records = pd.concat([frames[p] for p in files], ignore_index=True)
            manifests[scope] = _export_one(
                dataset, records, scope_dirs, folder, scope_cycles, created_at
            )
        if with_lineage:
            _export_lineage(training_root, cycles, out, dataset, scope)
    return manifests


def _export_lineage(
    training_root: Path, cycles: list[str], out: Path, dataset: str, scope: str
) -> None:
    """The lineage of one export folder: a row per record it holds, naming the export."""
    if not _scope_files(training_root, cycles, dataset, scope):
        return  # no records, no export
    files = _scope_files(training_root, cycles, dataset, scope, "lineage.parquet")
    folder = out / scope / dataset
    folder.mkdir(parents=True, exist_ok=True)
    ex.write_lineage_table(
        pa.concat_tables([pq.read_table(p) for p in files]),
        folder,
        f"{dataset}@{cycles[-1]}/{scope}",
    )


def _scope_files(
    training_root: Path, cycles: list[str], dataset: str, scope: str, name: str = "records.parquet"
) -> list[Path]:
    """A dataset's files with rows, of the cycles an export scope covers (oldest first)."""
    scope_cycles = cycles[-1:] if scope == "cycle" else cycles
    return [p for c in scope_cycles if _has_rows(p := training_root / c / dataset / name)]


def _has_rows(path: Path) -> bool:
    return path.exists() and pq.ParquetFile(path).metadata.num_rows > 0


def _copy_export(source: Path, folder: Path) -> dict:
    """The data files and manifest of an export folder written for the same records."""
    for path in sorted(source.iterdir()):
        if path.is_file() and path.name != "lineage.parquet" and not path.name.startswith("."):
            try:  # exports are never written in place: one file for both is the same bytes
                os.link(path, folder / path.name)
            except OSError:
                shutil.copyfile(path, folder / path.name)
    return json.loads((folder / "manifest.json").read_text())


def _export_one(
    dataset: str,
    records: pd.DataFrame,
    dirs: list[Path],
    folder: Path,
    cycles: list[str],
    created_at: dict[str, str],
) -> dict:
    if dataset == "yaml_generation":
        return ex.export_yaml_generation(records, folder, cycles)
    if dataset == "synergy_gnn":
        nodes = [td.read_extra(d, dataset, "nodes") for d in dirs]
        nodes = pd.concat([n for n in nodes if not n.empty], ignore_index=True)
        return ex.export_synergy_gnn(records, nodes, folder, cycles)
    if dataset == "ask_ai":
        return ex.export_ask_ai(records, folder, cycles, created_at)
    if dataset == "home_type":
        return ex.export_home_type(records, folder, cycles)
    raise ValueError(f"no exporter for dataset {dataset!r}")
