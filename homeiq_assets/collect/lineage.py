"""Lineage queries over what is stored on disk: "all data from cycle X" and "what went into
dataset Y". Both read only the lineage tables written beside the records and exports, so they
answer for data produced by Dagster runs and by `homeiq collect` alike.

Layout under a data root: `training_data/<cycle>/<dataset>/lineage.parquet` and
`exported_datasets/<cycle>/<scope>/<dataset>/{lineage.parquet,manifest.json}`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd

TRAINING = "training_data"
EXPORTS = "exported_datasets"


class LineageError(ValueError):
    """Nothing stored matches the query."""


def _summary(lineage: pd.DataFrame, by: list[str]) -> list[dict]:
    if lineage.empty:
        return []
    lin = lineage.assign(transformations=lineage["transformations"].map(lambda t: " > ".join(t)))
    grouped = lin.groupby(by, sort=True).agg(
        records=("record_id", "size"), homes=("home_id", "nunique")
    )
    return [
        {**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)), **row}
        for key, row in grouped.to_dict("index").items()
    ]


def cycle_lineage(root: Path, cycle: str) -> dict:
    """Every record collected in `cycle`, by dataset and stage, and the exports that hold it."""
    folder = root / TRAINING / cycle
    files = sorted(folder.glob("*/lineage.parquet"))
    if not files:
        known = sorted(p.name for p in (root / TRAINING).glob("*") if p.is_dir())
        raise LineageError(
            f"no collected data for cycle {cycle!r} under {root / TRAINING}"
            + (f" (cycles with data: {', '.join(known[-5:])})" if known else "")
        )
    lineage = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    exports = []
    for manifest in sorted((root / EXPORTS).glob("*/*/*/manifest.json")):
        data = json.loads(manifest.read_text())
        if cycle in data.get("cycles", []):
            exports.append(_export_id(manifest))
    return {
        "cycle": cycle,
        "records": int(len(lineage)),
        "homes": int(lineage["home_id"].nunique()),
        "by_dataset": _summary(
            lineage, ["dataset", "stage", "generator_version", "seed", "transformations"]
        ),
        "in_exports": exports,
    }


def _export_id(manifest: Path) -> str:
    dataset, scope, cycle = (
        manifest.parent.name,
        manifest.parent.parent.name,
        manifest.parents[2].name,
    )
    return f"{dataset}@{cycle}/{scope}"


def dataset_lineage(root: Path, name: str) -> dict:
    """What went into an export: `DATASET` (latest cycle, all cycles), `DATASET@CYCLE` or
    `DATASET@CYCLE/SCOPE` (scope `all` or `cycle`)."""
    dataset, _, rest = name.partition("@")
    cycle, _, scope = rest.partition("/")
    scope = scope or "all"
    candidates = sorted((root / EXPORTS).glob(f"*/{scope}/{dataset}/lineage.parquet"))
    if cycle:
        candidates = [c for c in candidates if c.parents[2].name == cycle]
    if not candidates:
        known = sorted({p.parent.name for p in (root / EXPORTS).glob("*/*/*/manifest.json")})
        raise LineageError(
            f"no export named {name!r} under {root / EXPORTS}"
            + (f" (datasets: {', '.join(known)})" if known else "")
        )
    path = candidates[-1]  # cycle keys sort by creation time
    lineage = pd.read_parquet(path)
    manifest = json.loads((path.parent / "manifest.json").read_text())
    return {
        "export": _export_id(path.parent / "manifest.json"),
        "records": int(len(lineage)),
        "cycles": manifest.get("cycles", []),
        "files": {
            k: {"rows": v["rows"], "sha256": v["sha256"]} for k, v in manifest["files"].items()
        },
        "by_source": _summary(
            lineage, ["cycle", "stage", "generator_version", "seed", "transformations"]
        ),
    }


def lineage_problems(cycle_dir: Path, cycle: str, datasets: list[str]) -> tuple[int, dict]:
    """(records, {dataset: problems}) of a stored cycle's lineage: a record without a lineage
    row, a record id with several, a row with a field missing or no transformations, a row of
    another cycle. Read in Arrow, only the records' ids: a device-day dataset has a row per
    device and day, and its lists would cost a Python object each in pandas."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from homeiq_assets.collect.collector import LINEAGE_COLUMNS

    total, problems = 0, {}
    for dataset in datasets:
        records_path = cycle_dir / dataset / "records.parquet"
        if not records_path.exists():
            continue
        ids = pq.read_table(records_path, columns=["record_id"]).column("record_id")
        if not len(ids):
            continue
        total += len(ids)
        lineage_path = cycle_dir / dataset / "lineage.parquet"
        lineage = (
            pq.read_table(lineage_path)
            if lineage_path.exists()
            else pa.table({c: pa.array([], pa.string()) for c in LINEAGE_COLUMNS})
        )
        if not set(LINEAGE_COLUMNS) <= set(lineage.column_names):
            problems[dataset] = len(ids)
            continue
        lineage_ids = pc.cast(lineage.column("record_id"), pa.string())
        missing = len(ids) - pc.sum(pc.is_in(pc.cast(ids, pa.string()), lineage_ids)).as_py()
        dupes = lineage.num_rows - pc.count_distinct(lineage_ids, mode="all").as_py()
        gone = [
            pc.is_null(values, nan_is_null=pa.types.is_floating(values.type))
            for values in (lineage.column(c) for c in LINEAGE_COLUMNS)
        ]
        incomplete = functools.reduce(pc.or_, gone)
        no_steps = pc.equal(pc.list_value_length(lineage.column("transformations")), 0)
        other_cycle = pc.fill_null(pc.not_equal(lineage.column("cycle"), cycle), True)
        bad = (
            missing
            + dupes
            + (pc.sum(incomplete).as_py() or 0)
            + (pc.sum(no_steps).as_py() or 0)
            + (pc.sum(other_cycle).as_py() or 0)
        )
        if bad:
            problems[dataset] = int(bad)
    return total, problems
